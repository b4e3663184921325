resource "yandex_vpc_network" "main" {
  name = "${var.name_prefix}-net"
}

resource "yandex_vpc_subnet" "main" {
  name           = "${var.name_prefix}-subnet"
  zone           = var.zone
  network_id     = yandex_vpc_network.main.id
  v4_cidr_blocks = [var.subnet_cidr]
}

# Both VMs: SSH from the admin CIDRs, and out to Object Storage, PostgreSQL, MLflow and the
# package mirrors. The groups below add each VM's own port.
resource "yandex_vpc_security_group" "vm" {
  name       = "${var.name_prefix}-vm"
  network_id = yandex_vpc_network.main.id

  ingress {
    description    = "SSH from the admins"
    protocol       = "TCP"
    port           = 22
    v4_cidr_blocks = var.admin_cidrs
  }

  egress {
    description    = "Object Storage, PostgreSQL, MLflow, package mirrors"
    protocol       = "ANY"
    from_port      = 0
    to_port        = 65535
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
}

# The scheduler VM (Airflow or cron): the Airflow UI from the admin CIDRs only.
resource "yandex_vpc_security_group" "scheduler" {
  name       = "${var.name_prefix}-scheduler"
  network_id = yandex_vpc_network.main.id

  ingress {
    description    = "Airflow UI from the admins"
    protocol       = "TCP"
    port           = 8080
    v4_cidr_blocks = var.admin_cidrs
  }
}

# MLflow: port 8000 only from the scheduler VM's group and the admin CIDRs.
resource "yandex_vpc_security_group" "mlflow" {
  name       = "${var.name_prefix}-mlflow"
  network_id = yandex_vpc_network.main.id

  ingress {
    description       = "MLflow from the scheduler VM (fraudctl)"
    protocol          = "TCP"
    port              = 8000
    security_group_id = yandex_vpc_security_group.scheduler.id
  }

  ingress {
    description    = "MLflow UI from the admins"
    protocol       = "TCP"
    port           = 8000
    v4_cidr_blocks = var.admin_cidrs
  }
}

# Managed PostgreSQL: its pooler port 6432 only from the MLflow VM.
resource "yandex_vpc_security_group" "postgres" {
  name       = "${var.name_prefix}-postgres"
  network_id = yandex_vpc_network.main.id

  ingress {
    description       = "PostgreSQL from the MLflow server"
    protocol          = "TCP"
    port              = 6432
    security_group_id = yandex_vpc_security_group.mlflow.id
  }
}
