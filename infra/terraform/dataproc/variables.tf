variable "cloud_id" {
  description = "Yandex Cloud id (the same as the main stack's)"
  type        = string
}

variable "folder_id" {
  description = "Folder of the cluster (the same as the main stack's)"
  type        = string
}

variable "zone" {
  description = "Availability zone of the cluster's hosts"
  type        = string
  default     = "ru-central1-a"
}

variable "name_prefix" {
  description = "Prefix of every resource name (the main stack's name_prefix)"
  type        = string
  default     = "fraudctl"
}

variable "network_id" {
  description = "VPC network of the main stack (terraform output network_id in ../)"
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the main stack; Data Proc needs a NAT gateway or route on it to reach Object Storage"
  type        = string
}

variable "client_security_group_id" {
  description = "Security group of the hosts that run fraudctl (the scheduler VM): the only ones that reach Spark Connect"
  type        = string
}

variable "admin_cidrs" {
  description = "CIDRs allowed to SSH to the master node and see the YARN / Spark UIs"
  type        = list(string)
}

variable "bucket" {
  description = "Object Storage bucket of the lake; Data Proc also keeps its logs and the init script there"
  type        = string
}

variable "ssh_public_key" {
  description = "Public key put on the cluster's hosts"
  type        = string
}

variable "image_version" {
  description = "Data Proc image: 2.2 carries Spark 3.5, the first with Spark Connect"
  type        = string
  default     = "2.2"
}

variable "spark_connect_package" {
  description = "Maven coordinates of the Spark Connect server matching the image's Spark and Scala"
  type        = string
  default     = "org.apache.spark:spark-connect_2.12:3.5.3"
}

variable "master" {
  description = "Master node: runs the YARN ResourceManager and the Spark Connect server (the Spark driver)"
  type = object({
    preset    = string
    disk_size = number
  })
  default = { preset = "s3-c8-m32", disk_size = 100 }
}

variable "workers" {
  description = "Compute subcluster (executors): hosts and their size; autoscaled from hosts to max_hosts"
  type = object({
    hosts     = number
    max_hosts = number
    preset    = string
    disk_size = number
  })
  default = { hosts = 4, max_hosts = 16, preset = "s3-c16-m64", disk_size = 200 }
}
