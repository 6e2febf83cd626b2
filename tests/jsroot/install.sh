#!/usr/bin/env bash
# Installs jsroot 7.11.2 with npm into WORK_DIR (a build directory, never the
# repository) unless it is there. Exit 0 when jsroot is ready, 77 (with a
# message saying why) when node, npm or the package cannot be had.
# Usage: install.sh WORK_DIR
set -uo pipefail
work=$1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "skipped: node or npm not found (tools/deps.sh test installs them)"
  exit 77
fi
mkdir -p "$work"
if [ ! -f "$work/node_modules/jsroot/package.json" ]; then
  if ! (cd "$work" && timeout 600 npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
        jsroot@7.11.2 >npm.log 2>&1); then
    echo "skipped: could not install jsroot with npm:"
    tail -5 "$work/npm.log"
    exit 77
  fi
fi
exit 0
