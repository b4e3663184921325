terraform {
  required_version = ">= 1.5.0"

  required_providers {
    yandex = {
      source  = "yandex-cloud/yandex"
      version = ">= 0.130.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6.0"
    }
  }
}

# Credentials come from the environment, never from a file in this directory:
#   export YC_TOKEN=$(yc iam create-token)          (a user account, short-lived)
#   export YC_SERVICE_ACCOUNT_KEY_FILE=key.json     (or an authorized key of a deployer SA)
provider "yandex" {
  cloud_id  = var.cloud_id
  folder_id = var.folder_id
  zone      = var.zone
}
