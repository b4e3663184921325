# --- where -----------------------------------------------------------------------------------
variable "cloud_id" {
  description = "Yandex Cloud cloud ID (yc config get cloud-id)."
  type        = string
}

variable "folder_id" {
  description = "Folder that holds everything created here (yc config get folder-id)."
  type        = string
}

variable "zone" {
  description = "Availability zone of the subnet, the VMs and the PostgreSQL host."
  type        = string
  default     = "ru-central1-a"
}

variable "name_prefix" {
  description = "Prefix of every resource name, so that several deployments can share a folder."
  type        = string
  default     = "fraud"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix: lower-case letters, digits and dashes, starting with a letter, at most 21 characters."
  }
}

# --- network and access ----------------------------------------------------------------------
variable "subnet_cidr" {
  description = "IPv4 range of the subnet the VMs and the PostgreSQL host live in."
  type        = string
  default     = "10.10.0.0/24"

  validation {
    condition     = can(cidrnetmask(var.subnet_cidr))
    error_message = "subnet_cidr must be an IPv4 CIDR block such as 10.10.0.0/24."
  }
}

variable "admin_cidrs" {
  description = "CIDR blocks allowed to reach SSH (22), the MLflow UI (8000) and the Airflow UI (8080), e.g. [\"203.0.113.7/32\"]."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0 && alltrue([for c in var.admin_cidrs : can(cidrnetmask(c)) && c != "0.0.0.0/0"])
    error_message = "admin_cidrs: at least one IPv4 CIDR block, and not 0.0.0.0/0 (MLflow and Airflow would be open to the internet)."
  }
}

variable "ssh_user" {
  description = "Login created on both VMs by cloud-init (with sudo)."
  type        = string
  default     = "fraudops"
}

variable "ssh_public_key" {
  description = "OpenSSH public key of ssh_user (the contents of ~/.ssh/id_ed25519.pub)."
  type        = string
}

# --- object storage --------------------------------------------------------------------------
variable "service_account_roles" {
  description = "Folder roles of the service account whose static keys MLflow and fraudctl use for Object Storage."
  type        = list(string)
  default     = ["storage.editor"]
}

variable "artifacts_bucket_name" {
  description = "Globally unique name of the new bucket for MLflow artifacts (models, plots): s3://NAME/artifacts."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts_bucket_name))
    error_message = "artifacts_bucket_name: 3-63 characters, lower-case letters, digits, dots and dashes."
  }
}

variable "data_bucket_name" {
  description = "Name of the lake's bucket: created here when create_data_bucket is true, else an existing bucket (the service account needs access to it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_name))
    error_message = "data_bucket_name: 3-63 characters, lower-case letters, digits, dots and dashes."
  }
}

variable "create_data_bucket" {
  description = "Create the data bucket (true) or use an existing one named data_bucket_name (false)."
  type        = bool
  default     = true
}

variable "lake_prefix" {
  description = "Key prefix of the fraudctl lake inside the data bucket: the lake is s3://DATA_BUCKET/PREFIX."
  type        = string
  default     = "lake"
}

# --- MLflow's PostgreSQL ---------------------------------------------------------------------
variable "postgres_version" {
  description = "PostgreSQL major version of the managed cluster."
  type        = string
  default     = "16"
}

variable "postgres_resource_preset" {
  description = "Host class of the managed PostgreSQL (s2.micro: 2 vCPU, 8 GB)."
  type        = string
  default     = "s2.micro"
}

variable "postgres_disk_size" {
  description = "Disk of the PostgreSQL host, in GB (MLflow metadata is small)."
  type        = number
  default     = 10
}

variable "mlflow_db_name" {
  description = "Database of the MLflow backend store."
  type        = string
  default     = "mlflow"
}

variable "mlflow_db_user" {
  description = "PostgreSQL user that owns the MLflow database (its password is generated)."
  type        = string
  default     = "mlflow"
}

variable "deletion_protection" {
  description = "Protect the PostgreSQL cluster from terraform destroy; set false before tearing a test deployment down."
  type        = bool
  default     = true
}

# --- VMs -------------------------------------------------------------------------------------
variable "image_family" {
  description = "Public image family of both VMs (Ubuntu: the set-up scripts use apt and systemd)."
  type        = string
  default     = "ubuntu-2204-lts"
}

variable "mlflow_vm" {
  description = "Size of the MLflow VM: vCPUs, memory in GB, guaranteed vCPU share in percent, disk in GB."
  type = object({
    cores         = number
    memory        = number
    core_fraction = number
    disk_size     = number
  })
  default = { cores = 2, memory = 4, core_fraction = 50, disk_size = 20 }
}

variable "scheduler_vm" {
  description = "Size of the VM that runs fraudctl (Airflow or cron): training a forest wants cores and memory."
  type = object({
    cores         = number
    memory        = number
    core_fraction = number
    disk_size     = number
  })
  default = { cores = 4, memory = 16, core_fraction = 100, disk_size = 50 }
}

variable "scheduler" {
  description = "What schedules fraudctl on the scheduler VM: \"airflow\" (the fraud_daily and fraud_train DAGs) or \"cron\" (the daily job only)."
  type        = string
  default     = "airflow"

  validation {
    condition     = contains(["airflow", "cron"], var.scheduler)
    error_message = "scheduler must be \"airflow\" or \"cron\"."
  }
}

# --- software --------------------------------------------------------------------------------
variable "mlflow_version" {
  description = "MLflow version pip installs on the MLflow VM."
  type        = string
  default     = "2.22.0"
}

variable "airflow_version" {
  description = "Apache Airflow version (2.x or 3.x) on the scheduler VM; installed with its constraints file. 3.3.2 is the one the test suite runs."
  type        = string
  default     = "3.3.2"
}

variable "fraudctl_source" {
  description = "What `npm install -g` installs as fraudctl: a git URL (git+https://HOST/OWNER/fraudctl.git#v0.1.0) or an npm pack tarball URL."
  type        = string
}
