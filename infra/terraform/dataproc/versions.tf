# A Yandex Data Proc cluster (Spark on YARN) with a Spark Connect server on its master node, for
# `fraudctl marts build --engine spark --spark-remote sc://MASTER:15002`. A root module of its
# own, applied after ../ (it takes that stack's network, bucket and scheduler security group as
# inputs), so the one-VM stack stays as it is for lakes that fit one machine.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    yandex = {
      source  = "yandex-cloud/yandex"
      version = ">= 0.130.0"
    }
  }
}

# Credentials from the environment (YC_TOKEN or YC_SERVICE_ACCOUNT_KEY_FILE), as in ../versions.tf.
provider "yandex" {
  cloud_id  = var.cloud_id
  folder_id = var.folder_id
  zone      = var.zone
}
