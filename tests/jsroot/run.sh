#!/usr/bin/env bash
# Cross-checks hepnn's ROOT reader against jsroot (JavaScript ROOT) under node.
# Installs jsroot into WORK_DIR (the build directory, never the repository).
# Usage: run.sh HEPNN_BINARY DATA_DIR WORK_DIR. Skips (exit 0) without node/npm
# or when the package cannot be installed.
set -uo pipefail
hepnn=$1 data=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/install.sh" "$work" || exit 0
cp "$here/crosscheck.mjs" "$work/"
node "$work/crosscheck.mjs" "$hepnn" "$data"
