variable "name" {
  description = "Instance name and hostname."
  type        = string
}

variable "zone" {
  description = "Availability zone of the instance."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the instance's only network interface."
  type        = string
}

variable "security_group_ids" {
  description = "Security groups of the network interface."
  type        = list(string)
}

variable "public_ip" {
  description = "Give the instance a public IPv4 (needed for SSH from outside and for package downloads without a NAT gateway)."
  type        = bool
  default     = true
}

variable "image_family" {
  description = "Public image family of the boot disk, e.g. ubuntu-2204-lts."
  type        = string
}

variable "platform_id" {
  description = "Hardware platform (standard-v3: Intel Ice Lake)."
  type        = string
  default     = "standard-v3"
}

variable "size" {
  description = "vCPUs, memory in GB, guaranteed vCPU share in percent, boot disk in GB."
  type = object({
    cores         = number
    memory        = number
    core_fraction = number
    disk_size     = number
  })
}

variable "ssh_user" {
  description = "Login cloud-init creates, with sudo and the key below."
  type        = string
}

variable "ssh_public_key" {
  description = "OpenSSH public key of ssh_user."
  type        = string
}

variable "files" {
  description = "Files cloud-init writes before running the commands: path, content, octal permissions."
  type = list(object({
    path        = string
    content     = string
    permissions = string
  }))
  default = []
}

variable "commands" {
  description = "Commands cloud-init runs once, as root, at first boot (output in /var/log/cloud-init-output.log)."
  type        = list(string)
  default     = []
}
