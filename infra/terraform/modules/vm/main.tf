# One Ubuntu VM set up by cloud-init at first boot: a sudo user, files, then commands.
data "yandex_compute_image" "this" {
  family = var.image_family
}

resource "yandex_compute_instance" "this" {
  name        = var.name
  hostname    = var.name
  zone        = var.zone
  platform_id = var.platform_id

  resources {
    cores         = var.size.cores
    memory        = var.size.memory
    core_fraction = var.size.core_fraction
  }

  boot_disk {
    initialize_params {
      image_id = data.yandex_compute_image.this.id
      size     = var.size.disk_size
      type     = "network-ssd"
    }
  }

  network_interface {
    subnet_id          = var.subnet_id
    nat                = var.public_ip
    security_group_ids = var.security_group_ids
  }

  metadata = {
    # Holds the settings files, secrets included: readable by whoever may read this instance's
    # metadata. cloud-init runs it at first boot only; to redeploy, replace the instance.
    user-data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
      ssh_user       = var.ssh_user
      ssh_public_key = trimspace(var.ssh_public_key)
      files          = var.files
      commands       = var.commands
    })
  }

  lifecycle {
    # A newer image in the family must not rebuild a running VM.
    ignore_changes = [boot_disk[0].initialize_params[0].image_id]
  }
}
