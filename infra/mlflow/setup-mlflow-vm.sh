#!/usr/bin/env bash
# Sets up the MLflow tracking server on an Ubuntu VM: MLflow and the PostgreSQL driver in a venv,
# the Yandex Managed PostgreSQL CA, a 0600 env file with the backend URI and the S3 keys, and a
# systemd service (restarted on failure) listening on port 8000.
#
#   sudo ./setup-mlflow-vm.sh [SETTINGS_FILE]            (default /etc/mlflow/setup.env)
#   ./setup-mlflow-vm.sh --render-only DIR [SETTINGS_FILE]
#        writes only the env file and the unit, under DIR (no root, no network): to review them
#
# SETTINGS_FILE (KEY=VALUE lines, written by Terraform's cloud-init; keep it 0600):
#   PG_HOST PG_DB PG_USER PG_PASSWORD  Managed PostgreSQL (PG_PORT default 6432, the pooler)
#   ARTIFACTS_BUCKET                   artifacts go to s3://ARTIFACTS_BUCKET/artifacts
#   AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY  static keys of the service account
#   optional: AWS_DEFAULT_REGION (ru-central1), MLFLOW_S3_ENDPOINT_URL
#   (https://storage.yandexcloud.net), MLFLOW_VERSION (2.22.0), MLFLOW_PORT (8000),
#   MLFLOW_EXTRA_ARGS (more `mlflow server` flags, e.g. --workers 2)
set -euo pipefail

DESTDIR=""
RENDER_ONLY=0
if [[ "${1:-}" == "--render-only" ]]; then
  RENDER_ONLY=1
  DESTDIR="${2:?--render-only needs a directory}"
  shift 2
fi
SETTINGS="${1:-/etc/mlflow/setup.env}"

log() { echo "setup-mlflow: $*" >&2; }

set -a
# shellcheck disable=SC1090
. "$SETTINGS"
set +a

missing=()
for v in PG_HOST PG_DB PG_USER PG_PASSWORD ARTIFACTS_BUCKET AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
  [[ -n "${!v:-}" ]] || missing+=("$v")
done
if ((${#missing[@]})); then
  log "missing in $SETTINGS: ${missing[*]}"
  exit 2
fi
PG_PORT="${PG_PORT:-6432}"
AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-ru-central1}"
MLFLOW_S3_ENDPOINT_URL="${MLFLOW_S3_ENDPOINT_URL:-https://storage.yandexcloud.net}"
MLFLOW_VERSION="${MLFLOW_VERSION:-2.22.0}"
MLFLOW_PORT="${MLFLOW_PORT:-8000}"
MLFLOW_EXTRA_ARGS="${MLFLOW_EXTRA_ARGS:-}"

CONF_DIR=/etc/mlflow
VENV=/opt/mlflow/venv
CA_FILE="$CONF_DIR/postgresql/root.crt"
CA_URL=https://storage.yandexcloud.net/cloud-certs/CA.pem

render() {
  local root="$1" password uri
  # RFC 3986 percent-encoding of the password (it may hold @ : / ? # % …); through stdin, so
  # that it never shows in a process list.
  password="$(printf '%s' "$PG_PASSWORD" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""), end="")')"
  # MLflow has no SSL flags of its own: libpq reads sslmode/sslrootcert from the URI. verify-full
  # checks the certificate chain and that PG_HOST is the name on it. The scheme must be postgresql://.
  uri="postgresql://${PG_USER}:${password}@${PG_HOST}:${PG_PORT}/${PG_DB}?sslmode=verify-full&sslrootcert=${CA_FILE}&target_session_attrs=read-write"
  install -d -m 0755 "$root$CONF_DIR" "$root/etc/systemd/system"
  (
    umask 077
    cat >"$root$CONF_DIR/mlflow.env" <<ENV
# Written by setup-mlflow-vm.sh from $SETTINGS, read by systemd (EnvironmentFile); 0600.
MLFLOW_BACKEND_STORE_URI=$uri
MLFLOW_S3_ENDPOINT_URL=$MLFLOW_S3_ENDPOINT_URL
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_DEFAULT_REGION=$AWS_DEFAULT_REGION
MLFLOW_EXTRA_ARGS=$MLFLOW_EXTRA_ARGS
ENV
  )
  chmod 0600 "$root$CONF_DIR/mlflow.env"
  # ${VAR} in ExecStart is one argument, $VAR is split on spaces (systemd.service(5)); the env
  # file's % are not unit specifiers. The bucket is not secret, so it is spelled out here.
  cat >"$root/etc/systemd/system/mlflow.service" <<UNIT
[Unit]
Description=MLflow tracking server (PostgreSQL backend, s3://${ARTIFACTS_BUCKET}/artifacts)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=mlflow
Group=mlflow
EnvironmentFile=$CONF_DIR/mlflow.env
ExecStart=$VENV/bin/mlflow server --backend-store-uri \${MLFLOW_BACKEND_STORE_URI} --default-artifact-root s3://${ARTIFACTS_BUCKET}/artifacts -h 0.0.0.0 -p ${MLFLOW_PORT} \$MLFLOW_EXTRA_ARGS
Restart=on-failure
RestartSec=10
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=full

[Install]
WantedBy=multi-user.target
UNIT
}

if ((RENDER_ONLY)); then
  render "$DESTDIR"
  log "rendered $DESTDIR$CONF_DIR/mlflow.env and $DESTDIR/etc/systemd/system/mlflow.service"
  exit 0
fi

[[ $EUID -eq 0 ]] || { log "run as root (or use --render-only DIR)"; exit 2; }

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-venv python3-pip curl ca-certificates >/dev/null

if ! id -u mlflow >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/mlflow --create-home --shell /usr/sbin/nologin mlflow
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  install -d -m 0755 "$(dirname "$VENV")"
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --upgrade pip
# psycopg2 for the postgresql:// backend, boto3 for s3:// artifacts (server-side listing/deletes).
"$VENV/bin/pip" install --quiet "mlflow==${MLFLOW_VERSION}" psycopg2-binary boto3
log "installed $("$VENV/bin/mlflow" --version)"

install -d -m 0755 "$CONF_DIR/postgresql"
curl -fsSL --retry 3 "$CA_URL" -o "$CA_FILE.tmp"
grep -q "BEGIN CERTIFICATE" "$CA_FILE.tmp" || { log "$CA_URL did not return a PEM certificate"; exit 1; }
mv "$CA_FILE.tmp" "$CA_FILE"
chmod 0644 "$CA_FILE"
# libpq's default location too, for psql sessions as the mlflow user.
install -d -m 0700 -o mlflow -g mlflow /var/lib/mlflow/.postgresql
install -m 0644 -o mlflow -g mlflow "$CA_FILE" /var/lib/mlflow/.postgresql/root.crt

render ""
chown mlflow:mlflow "$CONF_DIR/mlflow.env"

systemctl daemon-reload
systemctl enable mlflow.service
systemctl restart mlflow.service

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:${MLFLOW_PORT}/health" >/dev/null 2>&1; then
    log "MLflow is up on port ${MLFLOW_PORT}"
    exit 0
  fi
  sleep 2
done
log "MLflow did not answer on port ${MLFLOW_PORT} within 120 s: journalctl -u mlflow"
exit 1
