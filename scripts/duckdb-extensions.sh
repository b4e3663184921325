#!/usr/bin/env bash
# Fills a DuckDB extension directory with httpfs for the DuckDB that fraudctl runs (the one bundled
# in node_modules/@duckdb/node-api), from the PyPI wheel duckdb-extension-httpfs (venv duckdb-ext,
# scripts/python/duckdb-ext.txt): no download from DuckDB's own extension site, which air-gapped
# hosts and CI cannot reach. A DuckDB extension loads only into the exact DuckDB version it was
# built for, so a mismatch between the wheel and @duckdb/node-api is an error here, not at LOAD.
#   scripts/duckdb-extensions.sh [DIR]     (default .duckdb-extensions; prints DIR)
# Then: fraudctl ... --s3-mode httpfs --duckdb-extension-dir DIR (or FRAUDCTL_DUCKDB_EXTENSION_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/.duckdb-extensions}
venv=$("$root/scripts/pyenv.sh" duckdb-ext | cut -d' ' -f2)
# The version and platform DuckDB itself reports (v1.5.5, linux_amd64), as it names the folder.
read -r version platform < <(cd "$root" && node --input-type=module -e "
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const c = await (await DuckDBInstance.create(':memory:')).connect();
  const [[v, p]] = (await c.runAndReadAll('SELECT version(), (SELECT platform FROM pragma_platform())')).getRows();
  console.log(v, p);")
wheel_file=$(ls "$venv"/lib/python*/site-packages/duckdb_extension_httpfs/extensions/*/httpfs.duckdb_extension)
wheel_version=$(basename "$(dirname "$wheel_file")")
if [ "$wheel_version" != "$version" ]; then
  echo "duckdb-extensions: scripts/python/duckdb-ext.txt has httpfs for DuckDB $wheel_version but @duckdb/node-api bundles $version; pin both to one version" >&2
  exit 2
fi
mkdir -p "$dir/$version/$platform"
cp "$wheel_file" "$dir/$version/$platform/httpfs.duckdb_extension.tmp"
mv "$dir/$version/$platform/httpfs.duckdb_extension.tmp" "$dir/$version/$platform/httpfs.duckdb_extension"
echo "$dir"
