output "id" {
  description = "Instance ID."
  value       = yandex_compute_instance.this.id
}

output "internal_ip" {
  description = "IPv4 address inside the subnet."
  value       = yandex_compute_instance.this.network_interface[0].ip_address
}

output "external_ip" {
  description = "Public IPv4 address (null without public_ip)."
  value       = yandex_compute_instance.this.network_interface[0].nat_ip_address
}
