#!/usr/bin/env bash
# Installs Node.js 20 and fraudctl on an Ubuntu VM, with its env file, user and log directory.
# Used by the Airflow VM set-up (tasks run as the airflow user) and on a plain cron VM.
#
#   sudo FRAUDCTL_SOURCE=git+https://example.org/you/fraudctl.git#v0.1.0 ./install-fraudctl.sh
#
# Settings (environment, or the file given as $1, KEY=VALUE lines):
#   FRAUDCTL_SOURCE    required: what `npm install -g` takes: a git URL (git+https://…#tag, built
#                      by its `prepare` script) or an `npm pack` tarball (URL or path)
#   FRAUDCTL_USER      the user that runs fraudctl (default fraudctl; `airflow` on the Airflow VM)
#   FRAUDCTL_ENV_FILE  fraudctl's settings and secrets (default /etc/fraudctl/fraudctl.env); made
#                      0600 and owned by FRAUDCTL_USER; an example is written when it is missing
#   FRAUDCTL_CRON_FILE when set, installed as /etc/cron.d/fraudctl (the daily job, no Airflow)
#   NODE_MAJOR         Node.js major version (default 20)
set -euo pipefail

if [[ $# -gt 0 ]]; then
  set -a
  # shellcheck disable=SC1090
  . "$1"
  set +a
fi
: "${FRAUDCTL_SOURCE:?set FRAUDCTL_SOURCE to a git URL or an npm pack tarball of fraudctl}"
FRAUDCTL_USER="${FRAUDCTL_USER:-fraudctl}"
FRAUDCTL_ENV_FILE="${FRAUDCTL_ENV_FILE:-/etc/fraudctl/fraudctl.env}"
NODE_MAJOR="${NODE_MAJOR:-20}"
LOG_DIR=/var/log/fraudctl
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "install-fraudctl: $*" >&2; }

[[ $EUID -eq 0 ]] || { log "run as root"; exit 2; }

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq curl ca-certificates xz-utils git util-linux >/dev/null

install_node() {
  if command -v node >/dev/null && [[ "$(node -p 'process.versions.node.split(".")[0]')" -ge "$NODE_MAJOR" ]]; then
    log "node $(node --version) already installed"
    return
  fi
  local arch tmp base file
  case "$(dpkg --print-architecture)" in
    amd64) arch=x64 ;;
    arm64) arch=arm64 ;;
    *) log "unsupported architecture $(dpkg --print-architecture)"; exit 2 ;;
  esac
  tmp="$(mktemp -d)"
  base="https://nodejs.org/dist/latest-v${NODE_MAJOR}.x"
  curl -fsSL --retry 3 "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
  file="$(grep -oE "node-v${NODE_MAJOR}\.[0-9]+\.[0-9]+-linux-${arch}\.tar\.xz" "$tmp/SHASUMS256.txt" | head -n 1)"
  [[ -n "$file" ]] || { log "no linux-${arch} build listed in $base/SHASUMS256.txt"; exit 1; }
  curl -fsSL --retry 3 "$base/$file" -o "$tmp/$file"
  # The checksum list and the archive come from the same release directory over HTTPS.
  (cd "$tmp" && grep " ${file}\$" SHASUMS256.txt | sha256sum -c --quiet -)
  tar -xJf "$tmp/$file" -C /usr/local --strip-components=1 --no-same-owner --exclude='*.md' --exclude=LICENSE
  rm -rf "$tmp"
  log "installed node $(/usr/local/bin/node --version)"
}

install_node
npm install -g --no-audit --no-fund --omit=dev "$FRAUDCTL_SOURCE"
log "installed $(command -v fraudctl): fraudctl $(fraudctl --version)"

if ! id -u "$FRAUDCTL_USER" >/dev/null 2>&1; then
  useradd --system --create-home --shell /usr/sbin/nologin "$FRAUDCTL_USER"
fi

install -d -m 0750 -o root -g "$FRAUDCTL_USER" "$(dirname "$FRAUDCTL_ENV_FILE")"
if [[ ! -f "$FRAUDCTL_ENV_FILE" ]]; then
  cp "$HERE/fraudctl.env.example" "$FRAUDCTL_ENV_FILE"
  log "wrote an example $FRAUDCTL_ENV_FILE: fill it in"
fi
chown "$FRAUDCTL_USER:$FRAUDCTL_USER" "$FRAUDCTL_ENV_FILE"
chmod 0600 "$FRAUDCTL_ENV_FILE"

install -d -m 0750 -o "$FRAUDCTL_USER" -g "$FRAUDCTL_USER" "$LOG_DIR"
# FRAUDCTL_CACHE_DIR in the env file: partition and model cache, and the locks.
install -d -m 0750 -o "$FRAUDCTL_USER" -g "$FRAUDCTL_USER" /var/cache/fraudctl
install -m 0644 "$HERE/fraudctl.logrotate" /etc/logrotate.d/fraudctl

if [[ -n "${FRAUDCTL_CRON_FILE:-}" ]]; then
  install -m 0644 "$FRAUDCTL_CRON_FILE" /etc/cron.d/fraudctl
  log "installed /etc/cron.d/fraudctl"
fi

# The resolved configuration, secrets masked: a wrong setting shows here, not at 03:00.
# shellcheck disable=SC2016 # $1 is expanded by the inner shell
runuser -u "$FRAUDCTL_USER" -- /bin/sh -c 'set -a && . "$1" && exec /usr/local/bin/fraudctl config' sh "$FRAUDCTL_ENV_FILE" ||
  log "fraudctl config reported a problem with $FRAUDCTL_ENV_FILE"
