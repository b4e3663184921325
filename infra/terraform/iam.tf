# One service account whose static keys MLflow (artifacts) and fraudctl (lake, artifacts) use.
resource "yandex_iam_service_account" "storage" {
  name        = "${var.name_prefix}-storage"
  description = "Object Storage access of MLflow and fraudctl"
}

resource "yandex_resourcemanager_folder_iam_member" "storage" {
  for_each = toset(var.service_account_roles)

  folder_id = var.folder_id
  role      = each.value
  member    = "serviceAccount:${yandex_iam_service_account.storage.id}"
}

resource "yandex_iam_service_account_static_access_key" "storage" {
  service_account_id = yandex_iam_service_account.storage.id
  description        = "S3 keys of MLflow and fraudctl (${var.name_prefix})"
}
