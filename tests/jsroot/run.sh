#!/usr/bin/env bash
# Cross-checks hepnn's ROOT reader against jsroot (JavaScript ROOT) under node.
# Installs jsroot into WORK_DIR (the build directory, never the repository).
# Usage: run.sh HEPNN_BINARY DATA_DIR WORK_DIR. Skips (exit 0) without node/npm
# or when the package cannot be installed.
set -uo pipefail
hepnn=$1 data=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "skipped: node or npm not found (tools/deps.sh test installs them)"
  exit 0
fi
mkdir -p "$work"
if [ ! -f "$work/node_modules/jsroot/package.json" ]; then
  if ! (cd "$work" && timeout 600 npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
        jsroot@7.11.2 >npm.log 2>&1); then
    echo "skipped: could not install jsroot with npm:"
    tail -5 "$work/npm.log"
    exit 0
  fi
fi
cp "$here/crosscheck.mjs" "$work/"
node "$work/crosscheck.mjs" "$hepnn" "$data"
