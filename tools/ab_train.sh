#!/usr/bin/env bash
# Two builds of hepnn against each other on the MLP training step, the way
# docs/performance.md compares a change with what it replaces: processes of
# the two builds alternate (the machine's speed moves between runs), each
# trains 3 epochs of 10^5 events, and every epoch is divided by the sgemm
# ceiling probed between its own batches. Prints, per build, the median and
# quartiles of hepnn / ceiling, the median events/s and the last loss (equal
# losses: the change kept the bits).
#   bash tools/ab_train.sh BUILD_A BUILD_B [rounds=10] [batch=256] [threads=2]
set -eu
if [ $# -lt 2 ]; then
  echo "usage: bash tools/ab_train.sh BUILD_A BUILD_B [rounds] [batch] [threads]" >&2
  exit 2
fi
a=$1 b=$2 rounds=${3:-10} batch=${4:-256} threads=${5:-2}
for d in "$a" "$b"; do
  [ -x "$d/bench/hepnn_bench" ] || { echo "ab_train: $d/bench/hepnn_bench is not built" >&2; exit 2; }
done
data="$a/ab-data/h"
if [ ! -f "$data.X.npy" ]; then
  mkdir -p "$a/ab-data"
  "$a/bench/hepnn_bench" gen --n 100000 --out "$data" >/dev/null
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  for d in "$a" "$b"; do
    "$d/bench/hepnn_bench" train --data "$data" --batch "$batch" --reps 3 --threads "$threads" --blas-threads 1 \
      2>/dev/null | grep '"hepnn_train"' | sed "s|^|$d |" >>"$out"
  done
done
python3 - "$out" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    build, js = line.split(" ", 1)
    r = json.loads(js)
    runs.setdefault(build, []).append((r["events_per_s"] / r["ceiling_events_per_s"], r["events_per_s"], r["loss"]))
for build, x in runs.items():
    ratio = sorted(v[0] for v in x)
    n = len(ratio)
    print("%s: hepnn / ceiling median %.3f (q1 %.3f, q3 %.3f; %d epochs), events/s median %.0f, last loss %.5f"
          % (build, statistics.median(ratio), ratio[n // 4], ratio[(3 * n) // 4], n,
             statistics.median(v[1] for v in x), x[-1][2]))
EOF
