# MLflow's backend store. Clients never see it: fraudctl talks to the MLflow server over REST.
resource "random_password" "mlflow_db" {
  length      = 32
  min_upper   = 2
  min_lower   = 2
  min_numeric = 2
  min_special = 2
  # URI-reserved characters on purpose (the set-up script percent-encodes the password); no
  # quotes, backslashes or $ (the settings file is sourced by bash).
  override_special = "!#%&*+-=?@^_~"
}

resource "yandex_mdb_postgresql_cluster" "mlflow" {
  name                = "${var.name_prefix}-mlflow-pg"
  environment         = "PRODUCTION"
  network_id          = yandex_vpc_network.main.id
  security_group_ids  = [yandex_vpc_security_group.postgres.id]
  deletion_protection = var.deletion_protection

  config {
    version = var.postgres_version
    resources {
      resource_preset_id = var.postgres_resource_preset
      disk_type_id       = "network-ssd"
      disk_size          = var.postgres_disk_size
    }
    backup_retain_period_days = 7
  }

  host {
    zone             = var.zone
    subnet_id        = yandex_vpc_subnet.main.id
    assign_public_ip = false
  }
}

resource "yandex_mdb_postgresql_user" "mlflow" {
  cluster_id = yandex_mdb_postgresql_cluster.mlflow.id
  name       = var.mlflow_db_user
  password   = random_password.mlflow_db.result
  conn_limit = 50
}

resource "yandex_mdb_postgresql_database" "mlflow" {
  cluster_id = yandex_mdb_postgresql_cluster.mlflow.id
  name       = var.mlflow_db_name
  owner      = yandex_mdb_postgresql_user.mlflow.name
}

locals {
  # The cluster's special FQDN always points at the current primary (read-write) host, and it is
  # on the certificate, so sslmode=verify-full holds across failovers.
  postgres_host = "c-${yandex_mdb_postgresql_cluster.mlflow.id}.rw.mdb.yandexcloud.net"
}
