# The cluster's own service account: Data Proc agent on the hosts, and Object Storage for the lake
# (read transactions, write the marts' temporary prefixes) through the hosts' metadata credentials,
# so no static key is put in Spark's configuration.
resource "yandex_iam_service_account" "dataproc" {
  name        = "${var.name_prefix}-dataproc"
  description = "Data Proc hosts of fraudctl: agent and lake access"
}

resource "yandex_resourcemanager_folder_iam_member" "dataproc" {
  for_each = toset(["dataproc.agent", "dataproc.provisioner", "storage.editor"])

  folder_id = var.folder_id
  role      = each.value
  member    = "serviceAccount:${yandex_iam_service_account.dataproc.id}"
}

# Spark Connect is not a Data Proc service: an initialization action starts it on the master.
resource "yandex_storage_object" "spark_connect_init" {
  bucket = var.bucket
  key    = "dataproc/init/spark-connect.sh"
  content = file("${path.module}/spark-connect-init.sh")
}

resource "yandex_vpc_security_group" "dataproc" {
  name       = "${var.name_prefix}-dataproc"
  network_id = var.network_id

  # Spark Connect (gRPC) only from the hosts that run fraudctl.
  ingress {
    protocol          = "TCP"
    port              = 15002
    security_group_id = var.client_security_group_id
    description       = "Spark Connect from fraudctl"
  }
  ingress {
    protocol       = "TCP"
    port           = 22
    v4_cidr_blocks = var.admin_cidrs
    description    = "SSH from admins"
  }
  # The cluster's hosts talk to each other on any port (YARN, shuffle, block manager).
  ingress {
    protocol          = "ANY"
    predefined_target = "self_security_group"
    description       = "inside the cluster"
  }
  egress {
    protocol       = "ANY"
    v4_cidr_blocks = ["0.0.0.0/0"]
    description    = "Object Storage, Data Proc control plane, Maven Central for the connect package"
  }
}

resource "yandex_dataproc_cluster" "spark" {
  depends_on = [yandex_resourcemanager_folder_iam_member.dataproc]

  name               = "${var.name_prefix}-spark"
  description        = "Spark for fraudctl marts (Spark Connect on the master, port 15002)"
  zone_id            = var.zone
  service_account_id = yandex_iam_service_account.dataproc.id
  bucket             = var.bucket
  security_group_ids = [yandex_vpc_security_group.dataproc.id]
  ui_proxy           = true

  cluster_config {
    version_id = var.image_version

    hadoop {
      services        = ["HDFS", "YARN", "SPARK"]
      ssh_public_keys = [var.ssh_public_key]
      properties = {
        # Marts are dates in UTC and the same SQL as DuckDB's (no ANSI overflow errors).
        "spark:spark.sql.session.timeZone" = "UTC"
        "spark:spark.sql.ansi.enabled"     = "false"
        "spark:spark.sql.adaptive.enabled" = "true"
        # Object Storage through s3a with the hosts' service account.
        "core:fs.s3a.endpoint" = "storage.yandexcloud.net"
      }

      initialization_action {
        uri  = "s3a://${var.bucket}/${yandex_storage_object.spark_connect_init.key}"
        args = [var.spark_connect_package, "15002"]
      }
    }

    subcluster_spec {
      name        = "master"
      role        = "MASTERNODE"
      subnet_id   = var.subnet_id
      hosts_count = 1
      resources {
        resource_preset_id = var.master.preset
        disk_type_id       = "network-ssd"
        disk_size          = var.master.disk_size
      }
    }

    subcluster_spec {
      name        = "compute"
      role        = "COMPUTENODE"
      subnet_id   = var.subnet_id
      hosts_count = var.workers.hosts
      resources {
        resource_preset_id = var.workers.preset
        disk_type_id       = "network-ssd"
        disk_size          = var.workers.disk_size
      }
      autoscaling_config {
        max_hosts_count = var.workers.max_hosts
        preemptible     = false
      }
    }
  }
}
