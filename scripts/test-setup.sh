#!/usr/bin/env bash
# What the integration suites need, created on the first `npm test` of a fresh machine:
# the Python venvs of scripts/python/*.txt (scripts/pyenv.sh) and the Debian packages
# listed in scripts/apt-packages.txt when their command is missing (needs root and apt).
# The suites never skip: a component that cannot be had fails its suite with a message.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$root/scripts/apt-packages.txt" ]; then
  missing=()
  # each line: COMMAND PACKAGE (the package installs the command)
  while read -r cmd pkg; do
    [ -z "${cmd:-}" ] || [ "${cmd#\#}" != "$cmd" ] && continue
    command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("$pkg")
  done < "$root/scripts/apt-packages.txt"
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "test-setup: apt-get install ${missing[*]}" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >&2
    else
      echo "test-setup: missing Debian packages ${missing[*]} (install them: sudo apt-get install ${missing[*]})" >&2
    fi
  fi
fi
# Venvs named bench* serve only `npm run bench` (scripts/pyenv.sh bench...), not the suites.
names=()
for f in "$root"/scripts/python/*.txt; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .txt)
  case "$n" in bench*) ;; *) names+=("$n") ;; esac
done
if [ ${#names[@]} -gt 0 ]; then
  "$root/scripts/pyenv.sh" "${names[@]}" >/dev/null
fi
# hadoop-aws + the AWS SDK for Spark's s3a:// lakes (test/spark/martsS3.test.ts), from Maven Central.
"$root/scripts/spark-local.sh" jars
