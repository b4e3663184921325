locals {
  # The artifacts bucket always; the data bucket unless an existing one is used.
  buckets = merge(
    { artifacts = var.artifacts_bucket_name },
    var.create_data_bucket ? { data = var.data_bucket_name } : {},
  )
}

# Created with the service account's own keys, so that it can use what it creates.
resource "yandex_storage_bucket" "this" {
  for_each = local.buckets

  bucket     = each.value
  access_key = yandex_iam_service_account_static_access_key.storage.access_key
  secret_key = yandex_iam_service_account_static_access_key.storage.secret_key

  # MLflow and DuckDB upload large files in parts; drop parts of uploads that never finished.
  lifecycle_rule {
    id                                     = "abort-incomplete-uploads"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 7
  }

  depends_on = [yandex_resourcemanager_folder_iam_member.storage]
}

locals {
  artifacts_bucket = yandex_storage_bucket.this["artifacts"].bucket
  data_bucket      = var.create_data_bucket ? yandex_storage_bucket.this["data"].bucket : var.data_bucket_name
  lake_uri         = "s3://${local.data_bucket}/${trim(var.lake_prefix, "/")}"
}
