output "cluster_id" {
  description = "Data Proc cluster id"
  value       = yandex_dataproc_cluster.spark.id
}

output "spark_remote_hint" {
  description = "How fraudctl reaches Spark Connect: the master node's FQDN on port 15002 (yc dataproc cluster list-hosts)"
  value       = "sc://<master FQDN of ${yandex_dataproc_cluster.spark.name}>:15002"
}
