#!/usr/bin/env bash
# Python environments for the integration suites and benchmarks: one venv per file
# scripts/python/NAME.txt (pinned requirements), at .venv/NAME (ignored by git).
# A venv is rebuilt only when its requirements file changed (a stamp holds its sha256);
# pip's download cache (~/.cache/pip) makes a rebuild from a clean clone cheap.
#   scripts/pyenv.sh            every venv
#   scripts/pyenv.sh NAME ...   only these
# Prints one line per venv: NAME PATH. Exits non-zero naming the venv that failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${FRAUDCTL_PYTHON:-python3}
mkdir -p "$root/.venv"
# Two test runs (or two helpers) creating the same venv at once would corrupt it.
exec 9>"$root/.venv/.lock"
flock 9
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$root"/scripts/python/*.txt; do names+=("$(basename "$f" .txt)"); done
fi
for name in "${names[@]}"; do
  req="$root/scripts/python/$name.txt"
  [ -f "$req" ] || { echo "pyenv: no requirements file $req" >&2; exit 2; }
  dir="$root/.venv/$name"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    echo "$name $dir"; continue
  fi
  echo "pyenv: creating $dir from scripts/python/$name.txt" >&2
  start=$(date +%s)
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >&2
  if ! "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2; then
    echo "pyenv: pip install -r scripts/python/$name.txt failed; see the lines above" >&2
    rm -rf "$dir"; exit 1
  fi
  echo "$want" > "$dir/.stamp"
  echo "pyenv: $name ready in $(( $(date +%s) - start )) s" >&2
  echo "$name $dir"
done
