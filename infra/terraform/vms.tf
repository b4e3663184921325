locals {
  infra_dir   = "${path.module}/.."
  remote_dir  = "/opt/fraudctl-infra" # the infra/ scripts, laid out as in the repo
  s3_endpoint = "https://storage.yandexcloud.net"
  region      = "ru-central1"
  mlflow_port = 8000

  s3_keys = {
    AWS_ACCESS_KEY_ID     = yandex_iam_service_account_static_access_key.storage.access_key
    AWS_SECRET_ACCESS_KEY = yandex_iam_service_account_static_access_key.storage.secret_key
  }

  # Read by infra/mlflow/setup-mlflow-vm.sh.
  mlflow_settings = merge(local.s3_keys, {
    PG_HOST                = local.postgres_host
    PG_PORT                = "6432"
    PG_DB                  = yandex_mdb_postgresql_database.mlflow.name
    PG_USER                = yandex_mdb_postgresql_user.mlflow.name
    PG_PASSWORD            = random_password.mlflow_db.result
    ARTIFACTS_BUCKET       = local.artifacts_bucket
    AWS_DEFAULT_REGION     = local.region
    MLFLOW_S3_ENDPOINT_URL = local.s3_endpoint
    MLFLOW_VERSION         = var.mlflow_version
    MLFLOW_PORT            = tostring(local.mlflow_port)
  })

  # fraudctl's settings on the scheduler VM (and, as an output, for an analyst's shell).
  fraudctl_env = merge(local.s3_keys, {
    FRAUDCTL_LAKE          = local.lake_uri
    FRAUDCTL_S3_ENDPOINT   = local.s3_endpoint
    AWS_REGION             = local.region
    MLFLOW_TRACKING_URI    = "http://${module.mlflow_vm.internal_ip}:${local.mlflow_port}"
    MLFLOW_S3_ENDPOINT_URL = local.s3_endpoint
    FRAUDCTL_LOG_LEVEL     = "info"
  })

  # On the VM: the partition cache and the locks in a fixed place, whatever the working directory.
  fraudctl_vm_env = merge(local.fraudctl_env, { FRAUDCTL_CACHE_DIR = "/var/cache/fraudctl" })

  # KEY='value' lines, as bash, systemd and the Airflow operator all read them.
  mlflow_settings_text = join("", [for k, v in local.mlflow_settings : "${k}='${replace(v, "'", "'\\''")}'\n"])
  fraudctl_env_text    = join("", [for k, v in local.fraudctl_env : "${k}='${replace(v, "'", "'\\''")}'\n"])
  fraudctl_vm_env_text = join("", [for k, v in local.fraudctl_vm_env : "${k}='${replace(v, "'", "'\\''")}'\n"])

  fraudctl_files = [
    for f in ["install-fraudctl.sh", "fraudctl.env.example", "fraudctl.logrotate"] : {
      path        = "${local.remote_dir}/fraudctl/${f}"
      content     = file("${local.infra_dir}/fraudctl/${f}")
      permissions = endswith(f, ".sh") ? "0755" : "0644"
    }
  ]
  fraudctl_env_file = { path = "/etc/fraudctl/fraudctl.env", content = local.fraudctl_vm_env_text, permissions = "0600" }

  airflow_files = concat(
    [{ path = "${local.remote_dir}/airflow/setup-airflow-vm.sh", content = file("${local.infra_dir}/airflow/setup-airflow-vm.sh"), permissions = "0755" }],
    [
      for f in concat(tolist(fileset("${local.infra_dir}/airflow/dags", "*.py")), [".airflowignore"]) : {
        path        = "${local.remote_dir}/airflow/dags/${f}"
        content     = file("${local.infra_dir}/airflow/dags/${f}")
        permissions = "0644"
      }
    ],
    [{
      path        = "/etc/airflow/setup.env"
      content     = "FRAUDCTL_SOURCE='${var.fraudctl_source}'\nAIRFLOW_VERSION='${var.airflow_version}'\nAIRFLOW_ADMIN_PASSWORD='${random_password.airflow_admin.result}'\n"
      permissions = "0600"
    }],
  )

  cron_files = [
    { path = "${local.remote_dir}/cron/fraudctl.cron", content = file("${local.infra_dir}/cron/fraudctl.cron"), permissions = "0644" },
    {
      path        = "/etc/fraudctl/install.env"
      content     = "FRAUDCTL_SOURCE='${var.fraudctl_source}'\nFRAUDCTL_CRON_FILE='${local.remote_dir}/cron/fraudctl.cron'\n"
      permissions = "0600"
    },
  ]
}

resource "random_password" "airflow_admin" {
  length  = 24
  special = false
}

module "mlflow_vm" {
  source = "./modules/vm"

  name               = "${var.name_prefix}-mlflow"
  zone               = var.zone
  subnet_id          = yandex_vpc_subnet.main.id
  security_group_ids = [yandex_vpc_security_group.vm.id, yandex_vpc_security_group.mlflow.id]
  image_family       = var.image_family
  size               = var.mlflow_vm
  ssh_user           = var.ssh_user
  ssh_public_key     = var.ssh_public_key

  files = [
    { path = "${local.remote_dir}/mlflow/setup-mlflow-vm.sh", content = file("${local.infra_dir}/mlflow/setup-mlflow-vm.sh"), permissions = "0755" },
    { path = "/etc/mlflow/setup.env", content = local.mlflow_settings_text, permissions = "0600" },
  ]
  commands = ["${local.remote_dir}/mlflow/setup-mlflow-vm.sh /etc/mlflow/setup.env"]
}

module "scheduler_vm" {
  source = "./modules/vm"

  name               = "${var.name_prefix}-${var.scheduler}"
  zone               = var.zone
  subnet_id          = yandex_vpc_subnet.main.id
  security_group_ids = [yandex_vpc_security_group.vm.id, yandex_vpc_security_group.scheduler.id]
  image_family       = var.image_family
  size               = var.scheduler_vm
  ssh_user           = var.ssh_user
  ssh_public_key     = var.ssh_public_key

  files = concat(local.fraudctl_files, [local.fraudctl_env_file], var.scheduler == "airflow" ? local.airflow_files : local.cron_files)
  commands = [
    var.scheduler == "airflow"
    ? "${local.remote_dir}/airflow/setup-airflow-vm.sh /etc/airflow/setup.env"
    : "${local.remote_dir}/fraudctl/install-fraudctl.sh /etc/fraudctl/install.env"
  ]
}
