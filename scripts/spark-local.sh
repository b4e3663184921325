#!/usr/bin/env bash
# A real Spark for the tests and benches, on 127.0.0.1 only: a standalone master, two workers
# (one core each) and a Spark Connect server whose driver runs on that cluster, all from PyPI's
# pyspark in .venv/spark (scripts/python/spark.txt) and the machine's Java 17.
#   eval "$(scripts/spark-local.sh start)"   prints export lines: FRAUDCTL_SPARK_REMOTE=sc://…,
#                                           FRAUDCTL_SPARK_STATE=DIR (pids, logs, ports)
#   scripts/spark-local.sh stop [DIR]        stops exactly the processes that start recorded in DIR
#                                           (default $FRAUDCTL_SPARK_STATE) and removes DIR
#   scripts/spark-local.sh jars              fetches hadoop-aws and the AWS SDK bundle matching the
#                                           pyspark's Hadoop from Maven Central (mvn) into
#                                           .venv/spark-jars (test-setup runs it; start puts them on
#                                           the driver's and executors' class path, for s3a:// lakes)
# Ports are free ephemeral ports picked at start (never fixed ones). Exit 4 when Java or the
# venv is missing or the cluster does not come up, with the log that says why.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "spark-local: $1" >&2; exit "${2:-4}"; }

stop() {
  local dir=${1:-${FRAUDCTL_SPARK_STATE:-}}
  [ -n "$dir" ] || die "stop needs the state directory start printed (FRAUDCTL_SPARK_STATE or an argument)" 2
  [ -d "$dir" ] || die "no state directory $dir" 2
  # Reverse start order: the Connect server (the driver) before the workers, the master last.
  local name
  for name in connect worker2 worker1 master; do
    [ -f "$dir/$name.pid" ] || continue
    local pid; pid=$(cat "$dir/$name.pid")
    # Each daemon was started with setsid: its pid is its process group, which holds its executors.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

# hadoop-aws must be the Hadoop of pyspark's hadoop-client-api jar, and the AWS SDK v2 bundle the
# one that hadoop-aws release was built against (its pom's software.amazon.awssdk:bundle).
sdk_for_hadoop() {
  case "$1" in
    3.4.1) echo 2.24.6 ;;
    3.4.0) echo 2.23.19 ;;
    *) return 1 ;;
  esac
}

py="$root/.venv/spark/bin/python"
spark_home() {
  [ -x "$py" ] || die "the venv .venv/spark is missing: run bash scripts/pyenv.sh spark"
  "$py" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

jars_dir="$root/.venv/spark-jars"

jars() {
  local home hadoop sdk
  home=$(spark_home)
  hadoop=$(ls "$home"/jars/hadoop-client-api-*.jar 2>/dev/null | head -1 | sed -E 's/.*hadoop-client-api-(.*)\.jar/\1/')
  [ -n "$hadoop" ] || die "$home/jars has no hadoop-client-api jar: cannot tell pyspark's Hadoop version"
  sdk=$(sdk_for_hadoop "$hadoop") || die "no AWS SDK version known for Hadoop $hadoop: add it to sdk_for_hadoop in $0 (hadoop-aws-$hadoop.pom names it)"
  if [ -f "$jars_dir/hadoop-aws-$hadoop.jar" ] && [ -f "$jars_dir/bundle-$sdk.jar" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn is missing: install Maven (apt-get install maven) to fetch hadoop-aws and the AWS SDK"
  mkdir -p "$jars_dir"
  # A throw-away local repository: the ~560 MB bundle is kept once, in $jars_dir, not twice.
  local repo; repo=$(mktemp -d "${TMPDIR:-/tmp}/fraudctl-m2.XXXXXX")
  local a
  for a in "org.apache.hadoop:hadoop-aws:$hadoop" "software.amazon.awssdk:bundle:$sdk"; do
    echo "spark-local: fetching $a from Maven Central" >&2
    mvn -B -q dependency:copy -Dartifact="$a" -DoutputDirectory="$jars_dir.part" -Dmaven.repo.local="$repo" >&2 || { rm -rf "$repo" "$jars_dir.part"; die "mvn could not fetch $a"; }
  done
  mv "$jars_dir.part"/*.jar "$jars_dir"/ && rm -rf "$repo" "$jars_dir.part"
}

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until a log line matches, or the process died, or ~timeout seconds passed.
wait_for() {
  local name=$1 pattern=$2 timeout=$3
  for _ in $(seq 1 $((timeout * 5))); do
    grep -q "$pattern" "$dir/$name.log" 2>/dev/null && return 0
    kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || { tail -20 "$dir/$name.log" >&2; cp "$dir/$name.log" "${TMPDIR:-/tmp}/fraudctl-spark-$name-failed.log"; stop "$dir"; die "$name exited during start (log above)"; }
    sleep 0.2
  done
  tail -20 "$dir/$name.log" >&2; stop "$dir"; die "$name did not start within ${timeout} s (log above)"
}

launch() {
  local name=$1; shift
  setsid "$@" >"$dir/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

start() {
  command -v java >/dev/null || die "java is missing: install Java 17 (apt-get install openjdk-17-jre-headless)"
  local home; home=$(spark_home)
  # s3a:// lakes need hadoop-aws and the AWS SDK (scripts/spark-local.sh jars); without them the
  # cluster still serves local lakes.
  # As spark.jars with local: URIs (each JVM loads them from this path, nothing is copied), not
  # extraClassPath: the SDK bundle carries its own slf4j and netty, which must not shadow Spark's.
  local s3a=()
  if ls "$jars_dir"/hadoop-aws-*.jar >/dev/null 2>&1; then
    local list; list=$(ls "$jars_dir"/*.jar | sed 's|^|local:|' | paste -sd, -)
    s3a=(--conf "spark.jars=$list")
  fi
  [ -f "$(ls "$home"/jars/spark-connect_*.jar 2>/dev/null | head -1)" ] || die "$home/jars has no spark-connect jar (pyspark >= 4.0 ships it)"
  dir=$(mktemp -d "${TMPDIR:-/tmp}/fraudctl-spark.XXXXXX")
  # Interrupted (or killed by a caller's timeout) mid-start: stop what was started so far.
  trap 'stop "$dir"; exit 143' TERM
  trap 'stop "$dir"; exit 130' INT
  export SPARK_HOME="$home" SPARK_LOG_DIR="$dir" SPARK_WORKER_DIR="$dir/work" SPARK_LOCAL_DIRS="$dir/local"
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_DAEMON_MEMORY=${SPARK_DAEMON_MEMORY:-256m} PYSPARK_PYTHON="$py"
  export SPARK_CONF_DIR="$dir/conf"
  mkdir -p "$SPARK_CONF_DIR" "$SPARK_WORKER_DIR" "$SPARK_LOCAL_DIRS"
  # Quiet logs (WARN) keep the state directory small; the start markers below are INFO of
  # their own loggers, kept on.
  cat > "$SPARK_CONF_DIR/log4j2.properties" <<'LOG'
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.master.name = org.apache.spark.deploy.master.Master
logger.master.level = info
logger.worker.name = org.apache.spark.deploy.worker.Worker
logger.worker.level = info
logger.connect.name = org.apache.spark.sql.connect.service.SparkConnectServer
logger.connect.level = info
logger.connectsvc.name = org.apache.spark.sql.connect.service.SparkConnectService
logger.connectsvc.level = info
LOG
  local mport cport; mport=$(free_port); cport=$(free_port)
  echo "$mport" > "$dir/master.port"; echo "$cport" > "$dir/connect.port"
  local master="spark://127.0.0.1:$mport"
  launch master "$home/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$mport" --webui-port 0
  wait_for master "I have been elected leader" 180
  for w in worker1 worker2; do
    launch "$w" "$home/bin/spark-class" org.apache.spark.deploy.worker.Worker "$master" --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores 1 --memory "${FRAUDCTL_SPARK_WORKER_MEMORY:-768m}" --work-dir "$SPARK_WORKER_DIR/$w"
  done
  wait_for worker1 "Successfully registered with master" 180
  wait_for worker2 "Successfully registered with master" 180
  # The launcher sizes the Connect server's JVM like a daemon's (SPARK_DAEMON_MEMORY), not by --driver-memory.
  SPARK_DAEMON_MEMORY=${FRAUDCTL_SPARK_DRIVER_MEMORY:-768m} launch connect "$home/bin/spark-submit" --master "$master" --name "fraudctl Spark Connect" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer \
    --driver-memory "${FRAUDCTL_SPARK_DRIVER_MEMORY:-768m}" --executor-memory "${FRAUDCTL_SPARK_EXECUTOR_MEMORY:-512m}" \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
    --conf spark.connect.grpc.binding.address=127.0.0.1 --conf spark.connect.grpc.binding.port="$cport" \
    --conf spark.sql.shuffle.partitions=4 --conf spark.sql.session.timeZone=UTC "${s3a[@]}" \
    spark-internal
  wait_for connect "Spark Connect server started" 300
  trap - TERM INT
  echo "export FRAUDCTL_SPARK_REMOTE=sc://127.0.0.1:$cport"
  echo "export FRAUDCTL_SPARK_STATE=$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  jars) jars ;;
  *) echo "usage: scripts/spark-local.sh start | stop [STATE_DIR] | jars" >&2; exit 2 ;;
esac
