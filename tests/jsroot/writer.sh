#!/usr/bin/env bash
# Checks that jsroot (JavaScript ROOT, an independent reader) reads the files
# hepnn's ROOT writer produces: trees written by root_write_files with every
# value compared with the formula it was written from (writer_check.mjs), and
# the ROOT files of `hepnn demo` and `hepnn apply`, compared value by value
# with `hepnn root dump` (crosscheck.mjs).
# Usage: writer.sh HEPNN_BINARY WRITE_FILES_BINARY WORK_DIR. Skips (exit 0)
# without node/npm or when the package cannot be installed.
set -uo pipefail
hepnn=$1 writer=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/install.sh" "$work" || exit 0
# a directory of its own below the one holding node_modules, so that the
# reader cross-check running beside it never sees a half-copied script
dir="$work/writer"
rm -rf "$dir"
mkdir -p "$dir"
cp "$here/writer_check.mjs" "$here/crosscheck.mjs" "$dir/"
rc=0
"$writer" "$dir" || { echo "FAIL: root_write_files"; exit 1; }
node "$dir/writer_check.mjs" "$dir" || rc=1
if ! "$hepnn" demo -o "$dir/demo" --events 1000 --epochs 1 >"$dir/demo.log" 2>&1; then
  echo "FAIL: hepnn demo:"; tail -5 "$dir/demo.log"; exit 1
fi
if ! "$hepnn" apply "$dir/demo/all/model.hnn" "$dir/demo/data/signal.root:events" -o "$dir/apply.root" \
     --copy event,j1_btag,m_bb >"$dir/apply.log" 2>&1; then
  echo "FAIL: hepnn apply:"; cat "$dir/apply.log"; exit 1
fi
node "$dir/crosscheck.mjs" "$hepnn" "$dir" demo/data/signal.root:events demo/data/background.root:events \
  demo/scores_background.root:scores apply.root:scores || rc=1
exit $rc
