#!/usr/bin/env bash
# Sets up the Airflow VM: fraudctl (Node.js 20, via ../fraudctl/install-fraudctl.sh, run by the
# airflow user), Apache Airflow in a venv with LocalExecutor and a local PostgreSQL metadata
# database, the fraud_* DAGs, and systemd services (restarted on failure).
#
#   sudo ./setup-airflow-vm.sh [SETTINGS_FILE]             (default /etc/airflow/setup.env)
#   ./setup-airflow-vm.sh --render-only DIR [SETTINGS_FILE]
#        writes only the systemd units under DIR (no root, no network): to review them
#
# SETTINGS_FILE (KEY=VALUE lines, written by Terraform's cloud-init; keep it 0600):
#   FRAUDCTL_SOURCE         git URL or npm pack tarball of fraudctl (see install-fraudctl.sh)
#   AIRFLOW_ADMIN_PASSWORD  password of the `admin` UI user
#   optional: AIRFLOW_VERSION (3.3.2, the version the test suite runs; 2.x works too), AIRFLOW_PORT (8080)
# fraudctl's own settings: /etc/fraudctl/fraudctl.env (lake, MLflow, S3 keys), read by the DAGs.
set -euo pipefail

DESTDIR=""
RENDER_ONLY=0
if [[ "${1:-}" == "--render-only" ]]; then
  RENDER_ONLY=1
  DESTDIR="${2:?--render-only needs a directory}"
  shift 2
fi
SETTINGS="${1:-/etc/airflow/setup.env}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "setup-airflow: $*" >&2; }

set -a
# shellcheck disable=SC1090
. "$SETTINGS"
set +a
AIRFLOW_VERSION="${AIRFLOW_VERSION:-3.3.2}"
AIRFLOW_PORT="${AIRFLOW_PORT:-8080}"
AIRFLOW_HOME=/opt/airflow
VENV="$AIRFLOW_HOME/venv"
CONF_DIR=/etc/airflow
ENV_FILE="$CONF_DIR/airflow.env"
MAJOR="${AIRFLOW_VERSION%%.*}"

# Airflow 2: scheduler + webserver. Airflow 3: the web server became the API server, and DAG
# files are parsed by a separate dag-processor that must run too.
case "$MAJOR" in
  2) COMPONENTS=(scheduler webserver) ;;
  3) COMPONENTS=(scheduler api-server dag-processor) ;;
  *) log "AIRFLOW_VERSION=$AIRFLOW_VERSION: only Airflow 2 and 3 are supported"; exit 2 ;;
esac

render_units() {
  local root="$1" component extra
  install -d -m 0755 "$root/etc/systemd/system"
  for component in "${COMPONENTS[@]}"; do
    extra=""
    [[ "$component" == webserver || "$component" == api-server ]] && extra=" --port ${AIRFLOW_PORT}"
    cat >"$root/etc/systemd/system/airflow-${component}.service" <<UNIT
[Unit]
Description=Airflow ${AIRFLOW_VERSION} ${component}
Wants=network-online.target postgresql.service
After=network-online.target postgresql.service

[Service]
Type=simple
User=airflow
Group=airflow
Environment=AIRFLOW_HOME=${AIRFLOW_HOME}
EnvironmentFile=${ENV_FILE}
ExecStart=${VENV}/bin/airflow ${component}${extra}
Restart=on-failure
RestartSec=10
# On stop every process of the service gets SIGTERM (the default KillMode), running fraudctl
# tasks too: they end their MLflow runs as KILLED and exit 143 before this runs out.
TimeoutStopSec=120

[Install]
WantedBy=multi-user.target
UNIT
  done
}

if ((RENDER_ONLY)); then
  render_units "$DESTDIR"
  log "rendered ${COMPONENTS[*]} units under $DESTDIR"
  exit 0
fi

[[ $EUID -eq 0 ]] || { log "run as root (or use --render-only DIR)"; exit 2; }
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in $SETTINGS}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-venv python3-pip postgresql curl ca-certificates openssl >/dev/null

if ! id -u airflow >/dev/null 2>&1; then
  useradd --system --home-dir "$AIRFLOW_HOME" --create-home --shell /bin/bash airflow
fi

# fraudctl, run by the airflow user (its env file becomes airflow's, 0600).
FRAUDCTL_USER=airflow "$HERE/../fraudctl/install-fraudctl.sh"

# Generated secrets survive a re-run: an existing env file is read first.
if [[ -f "$ENV_FILE" ]]; then
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
fi
secret() { openssl rand -hex 32; }
DB_PASSWORD="${AIRFLOW_DB_PASSWORD:-$(secret)}"

# The metadata database: a local PostgreSQL (LocalExecutor needs more than SQLite).
if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'airflow'" | grep -q 1; then
  runuser -u postgres -- psql -q -c "CREATE ROLE airflow LOGIN PASSWORD '${DB_PASSWORD}'"
  runuser -u postgres -- psql -q -c "CREATE DATABASE airflow OWNER airflow"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
PYV="$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
"$VENV/bin/pip" install --quiet --upgrade pip
# Airflow's own constraints file pins every dependency to a tested set.
"$VENV/bin/pip" install --quiet "apache-airflow[postgres]==${AIRFLOW_VERSION}" \
  --constraint "https://raw.githubusercontent.com/apache/airflow/constraints-${AIRFLOW_VERSION}/constraints-${PYV}.txt"
FERNET_KEY="${AIRFLOW__CORE__FERNET_KEY:-$("$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')}"

install -d -m 0750 -o root -g airflow "$CONF_DIR"
(
  umask 077
  {
    echo "# Written by setup-airflow-vm.sh; 0600. Read by systemd and by the airflow CLI."
    echo "AIRFLOW_HOME=$AIRFLOW_HOME"
    echo "AIRFLOW_DB_PASSWORD=$DB_PASSWORD"
    echo "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow:${DB_PASSWORD}@127.0.0.1:5432/airflow"
    echo "AIRFLOW__CORE__EXECUTOR=LocalExecutor"
    echo "AIRFLOW__CORE__DAGS_FOLDER=$AIRFLOW_HOME/dags"
    echo "AIRFLOW__CORE__LOAD_EXAMPLES=False"
    echo "AIRFLOW__CORE__DEFAULT_TIMEZONE=utc"
    echo "AIRFLOW__CORE__FERNET_KEY=$FERNET_KEY"
    if [[ "$MAJOR" == 2 ]]; then
      echo "AIRFLOW__WEBSERVER__SECRET_KEY=${AIRFLOW__WEBSERVER__SECRET_KEY:-$(secret)}"
      echo "AIRFLOW__WEBSERVER__WEB_SERVER_PORT=$AIRFLOW_PORT"
    else
      # Tasks talk to the API server with JWTs: every component must share the secret.
      echo "AIRFLOW__API_AUTH__JWT_SECRET=${AIRFLOW__API_AUTH__JWT_SECRET:-$(secret)}"
      echo "AIRFLOW__API__SECRET_KEY=${AIRFLOW__API__SECRET_KEY:-$(secret)}"
      echo "AIRFLOW__API__PORT=$AIRFLOW_PORT"
      echo "AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:${AIRFLOW_PORT}/execution/"
      echo "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin"
      echo "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=$CONF_DIR/passwords.json"
    fi
  } >"$ENV_FILE"
)
chown airflow:airflow "$ENV_FILE"
chmod 0600 "$ENV_FILE"

install -d -m 0755 -o airflow -g airflow "$AIRFLOW_HOME/dags"
install -m 0644 -o airflow -g airflow "$HERE"/dags/*.py "$HERE/dags/.airflowignore" "$AIRFLOW_HOME/dags/"

as_airflow() {
  # shellcheck disable=SC2016 # "$0" and "$@" are the inner shell's
  runuser -u airflow -- env AIRFLOW_HOME="$AIRFLOW_HOME" /bin/sh -c 'set -a && . "$0" && set +a && exec "$@"' "$ENV_FILE" "$VENV/bin/airflow" "$@"
}
as_airflow db migrate

if [[ "$MAJOR" == 2 ]]; then
  if ! as_airflow users list 2>/dev/null | grep -qw admin; then
    as_airflow users create --username admin --role Admin --firstname Fraud --lastname Admin \
      --email admin@localhost --password "$AIRFLOW_ADMIN_PASSWORD"
  fi
else
  (
    umask 077
    printf '%s' "$AIRFLOW_ADMIN_PASSWORD" | python3 -c 'import json, sys; print(json.dumps({"admin": sys.stdin.read()}))' >"$CONF_DIR/passwords.json"
  )
  chown airflow:airflow "$CONF_DIR/passwords.json"
fi

render_units ""
systemctl daemon-reload
for component in "${COMPONENTS[@]}"; do
  systemctl enable "airflow-${component}.service"
  systemctl restart "airflow-${component}.service"
done
log "Airflow ${AIRFLOW_VERSION} running (${COMPONENTS[*]}), UI on port ${AIRFLOW_PORT}; DAGs are paused until you unpause them"
