output "mlflow_url" {
  description = "MLflow as fraudctl on the scheduler VM reaches it (MLFLOW_TRACKING_URI there)."
  value       = "http://${module.mlflow_vm.internal_ip}:${local.mlflow_port}"
}

output "mlflow_public_url" {
  description = "MLflow UI from the admin CIDRs."
  value       = "http://${module.mlflow_vm.external_ip}:${local.mlflow_port}"
}

output "mlflow_vm_ips" {
  description = "Internal and external IPv4 of the MLflow VM."
  value       = { internal = module.mlflow_vm.internal_ip, external = module.mlflow_vm.external_ip }
}

output "scheduler_vm_ips" {
  description = "Internal and external IPv4 of the scheduler VM (Airflow or cron)."
  value       = { internal = module.scheduler_vm.internal_ip, external = module.scheduler_vm.external_ip }
}

output "airflow_url" {
  description = "Airflow UI from the admin CIDRs (user admin), when scheduler = \"airflow\"."
  value       = var.scheduler == "airflow" ? "http://${module.scheduler_vm.external_ip}:8080" : null
}

output "ssh_commands" {
  description = "How to log in to each VM."
  value = {
    mlflow    = "ssh ${var.ssh_user}@${module.mlflow_vm.external_ip}"
    scheduler = "ssh ${var.ssh_user}@${module.scheduler_vm.external_ip}"
  }
}

output "artifacts_bucket" {
  description = "Bucket of the MLflow artifacts (s3://BUCKET/artifacts)."
  value       = local.artifacts_bucket
}

output "data_bucket" {
  description = "Bucket of the fraudctl lake."
  value       = local.data_bucket
}

output "lake_uri" {
  description = "The lake root to pass as --lake or FRAUDCTL_LAKE."
  value       = local.lake_uri
}

output "postgres_host" {
  description = "The managed PostgreSQL's read-write FQDN (port 6432, sslmode=verify-full)."
  value       = local.postgres_host
}

output "s3_access_key_id" {
  description = "Static access key ID of the storage service account."
  value       = yandex_iam_service_account_static_access_key.storage.access_key
  sensitive   = true
}

output "s3_secret_access_key" {
  description = "Static secret key of the storage service account."
  value       = yandex_iam_service_account_static_access_key.storage.secret_key
  sensitive   = true
}

output "mlflow_db_password" {
  description = "Password of the MLflow database user."
  value       = random_password.mlflow_db.result
  sensitive   = true
}

output "airflow_admin_password" {
  description = "Password of the Airflow UI user admin."
  value       = random_password.airflow_admin.result
  sensitive   = true
}

output "fraudctl_env" {
  description = "fraudctl's settings as an env file, for a shell outside the cloud: terraform output -raw fraudctl_env > fraudctl.env (0600)."
  value       = replace(local.fraudctl_env_text, module.mlflow_vm.internal_ip, module.mlflow_vm.external_ip)
  sensitive   = true
}
