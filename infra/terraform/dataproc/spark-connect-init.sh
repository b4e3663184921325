#!/usr/bin/env bash
# Data Proc initialization action: on the master node only, start a Spark Connect server on YARN.
#   args: MAVEN_PACKAGE PORT   e.g. org.apache.spark:spark-connect_2.12:3.5.3 15002
set -euo pipefail
package=${1:?maven coordinates of spark-connect}
port=${2:-15002}
# Data Proc marks the role in the host's metadata; compute hosts have nothing to do.
role=$(curl -fsS -H Metadata-Flavor:Google http://169.254.169.254/computeMetadata/v1/instance/attributes/data-proc-roles || true)
case "$role" in *masternode*) ;; *) exit 0 ;; esac
sbin=/usr/lib/spark/sbin
# As the spark user, in client mode: the driver (the Connect server) stays on the master, the
# executors are YARN containers on the compute subcluster, dynamically allocated.
sudo -u spark "$sbin/start-connect-server.sh" --master yarn --packages "$package" \
  --conf spark.connect.grpc.binding.port="$port" \
  --conf spark.dynamicAllocation.enabled=true --conf spark.shuffle.service.enabled=true
