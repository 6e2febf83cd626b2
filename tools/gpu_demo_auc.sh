#!/usr/bin/env bash
# The demo trained on the CPU and on the GPU (hepnn demo --device cuda), side by
# side: prints the test AUC of both runs of each and the differences, and fails
# if a difference exceeds 0.002 (issue: the same AUC as the CPU to within
# 0.002). Usage: tools/gpu_demo_auc.sh HEPNN OUTDIR [demo options...]
set -u
hepnn=$1 out=$2
shift 2
mkdir -p "$out"
"$hepnn" demo -o "$out/cpu" "$@" >"$out/demo_cpu.log" 2>&1 &
cpu=$!
"$hepnn" demo -o "$out/cuda" --device cuda "$@" >"$out/demo_cuda.log" 2>&1
rc_gpu=$?
wait $cpu
rc_cpu=$?
if [ $rc_cpu -ne 0 ] || [ $rc_gpu -ne 0 ]; then
  echo "demo failed: cpu rc $rc_cpu, cuda rc $rc_gpu"
  tail -n 5 "$out/demo_cpu.log" "$out/demo_cuda.log"
  exit 1
fi
auc() { sed -n 's/.*"test_auc": *\([0-9.]*\).*/\1/p' "$1" | head -n 1; }
eps() { sed -n 's/.*"events_per_second": *\([0-9.e+]*\).*/\1/p' "$1" | tail -n 1; }
fail=0
for run in low all; do
  a=$(auc "$out/cpu/$run/summary.json") b=$(auc "$out/cuda/$run/summary.json")
  d=$(awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "%.4f", d }')
  ok=$(awk -v d="$d" 'BEGIN { print (d <= 0.002) ? "ok" : "DIFFERS" }')
  echo "demo $run: test AUC cpu $a cuda $b |diff| $d $ok; events/s cpu $(eps "$out/cpu/$run/summary.json") cuda $(eps "$out/cuda/$run/summary.json")"
  [ "$ok" = ok ] || fail=1
done
exit $fail
