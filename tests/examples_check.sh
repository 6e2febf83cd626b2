#!/usr/bin/env bash
# Every configuration in examples/ trains (one short epoch each), from a
# directory laid out as a user's: examples/ and tests/data/ beside the demo's data.
set -euo pipefail
hepnn=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$src/examples" examples
mkdir -p tests && ln -s "$src/tests/data" tests/data
"$hepnn" demo --events 1000 --epochs 1 > demo.log
n=0
for cfg in examples/*.yaml; do
  name=$(basename "$cfg" .yaml)
  if ! "$hepnn" train "$cfg" train.epochs=1 -o "run-$name" --quiet > "$name.log" 2>&1; then
    echo "FAILED: $cfg"; cat "$name.log"; exit 1
  fi
  test -s "run-$name/summary.json" && test -s "run-$name/report.html"
  n=$((n + 1))
done
echo "$n examples trained"
echo "1 passed, 0 failed"
