#!/usr/bin/env bash
# hepnn's benchmark suite: hepnn and its peers (PyTorch, scikit-learn, FANN, bare OpenBLAS sgemm) on the
# same data, shapes and thread count, alternating, several repetitions; a table of medians and ratios
# (min-max) and a JSON file. docs/performance.md explains the workloads and records results.
#
#   bash bench/run.sh [--size smoke|quick|full] [--build DIR] [--out DIR] [--threads T] [--no-install]
#
# full (the issue's sizes, ~25-30 min on 2 idle cores), quick (~10-15 min), smoke (hepnn only, seconds: the
# ctest bench_smoke). Run as root, it installs the peers' Debian packages first (python3-torch,
# python3-sklearn, libfann-dev); a missing peer is skipped and said so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
size=full build="$root/build" out="" threads=2 install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --smoke) size=smoke; shift ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=${out:-$build/bench-results}
data="$out/data"
mkdir -p "$out" "$data"
res="$out/results.jsonl"
: > "$res"

case "$size" in
  full)  n=1000000 reps=3 n_default=200000 calls=10000 big=10000 big_reps=50 root_n=10000000
         scale="100000 1000000 10000000" sk_n=100000 peers=1 batches="256 1024" sgemm_reps=5 ;;
  quick) n=200000 reps=3 n_default=50000 calls=10000 big=10000 big_reps=20 root_n=1000000
         scale="30000 100000 300000" sk_n=30000 peers=1 batches="256 1024" sgemm_reps=5 ;;
  smoke) n=3000 reps=1 n_default=0 calls=300 big=1000 big_reps=2 root_n=5000 scale="1000 2000 4000"
         sk_n=0 peers=0 batches=256 sgemm_reps=1 ;;
  *) echo "run.sh: --size smoke, quick or full" >&2; exit 2 ;;
esac
hb="$build/bench/hepnn_bench"
[ -x "$hb" ] || { echo "run.sh: $hb not built (make BUILD=$build)" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
log() { echo "[bench] $*" >&2; }

# --- peers: Debian packages ------------------------------------------------------------------------
if [ "$peers" = 1 ] && [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in python3-torch python3-sklearn libfann-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
      log "could not install ${missing[*]}: those peers are skipped"
  fi
fi
have_torch=0 have_sk=0 have_fann=0
if [ "$peers" = 1 ] && [ -n "$py" ]; then
  "$py" -c "import torch" 2>/dev/null && have_torch=1
  "$py" -c "import sklearn" 2>/dev/null && have_sk=1
fi
if [ "$peers" = 1 ] && [ -f /usr/include/floatfann.h ]; then
  cc -O2 -march=native -o "$out/fann_infer" "$here/peers/fann_infer.c" -lfann -lm && have_fann=1
fi
log "size $size, $threads threads; peers: torch=$have_torch sklearn=$have_sk fann=$have_fann"

# --- machine -----------------------------------------------------------------------------------------
cpu=$(grep -m1 "model name" /proc/cpuinfo | sed 's/.*: //' || echo unknown)
flags=$(grep -m1 "^flags" /proc/cpuinfo | tr ' ' '\n' | grep -E "^(avx2|avx512f|fma)$" | tr '\n' ' ' || true)
echo "{\"bench\":\"machine\",\"cpu\":\"$cpu\",\"cores\":$(nproc),\"flags\":\"$flags\",\"size\":\"$size\",\"threads\":$threads,\"load_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$res"

# --- data: one seeded HIGGS-like file for everyone ---------------------------------------------------
nd=$n
[ "$big" -gt "$nd" ] && nd=$big
[ "$calls" -gt "$nd" ] && nd=$calls
"$hb" gen --n "$nd" --seed 1 --out "$data/higgs_like" >> "$res"
d="$data/higgs_like"

# hepnn's thread settings: its defaults (all threads to OpenMP, which splits the products itself); the
# same with OpenMP's passive wait policy (waiting threads sleep instead of spinning: what a machine whose
# cores are shared needs); 1 kernel thread with OpenBLAS's own threads. PyTorch's: its defaults, and
# 1 torch thread with OpenBLAS threads. Each framework is compared at its best setting.
hn_cfgs=("$threads $threads default" "$threads $threads passive" "1 $threads default")
[ "$threads" = 1 ] && hn_cfgs=("1 1 default")
[ "$size" = smoke ] && hn_cfgs=("$threads $threads default")
hn_env() { if [ "$1" = passive ]; then echo OMP_WAIT_POLICY=passive; else echo HEPNN_BENCH=1; fi; }

# --- 1. training, alternating ------------------------------------------------------------------------
for batch in $batches; do
  for rep in $(seq "$reps"); do
    log "train batch $batch, repetition $rep/$reps"
    for c in "${hn_cfgs[@]}"; do
      set -- $c
      env "$(hn_env "$3")" "$hb" train --data "$d" --n "$n" --batch "$batch" --reps 1 --threads "$1" \
        --blas-threads "$2" >> "$res"
    done
    "$hb" sgemm --batch "$batch" --reps "$sgemm_reps" --threads "$threads" >> "$res"
    if [ "$have_torch" = 1 ]; then
      "$py" "$here/peer_torch.py" train --data "$d" --n "$n" --batch "$batch" --threads 1 \
        --blas-threads "$threads" >> "$res"
      # hepnn's training flushes subnormal floats to zero; PyTorch can too (its best setting may be this one)
      "$py" "$here/peer_torch.py" train --data "$d" --n "$n" --batch "$batch" --threads 1 \
        --blas-threads "$threads" --flush-denormal >> "$res"
      [ "$n_default" -gt 0 ] && "$py" "$here/peer_torch.py" train --data "$d" --n "$n_default" --batch "$batch" \
        --defaults >> "$res"
    fi
    if [ "$have_sk" = 1 ] && [ "$batch" = 256 ] && [ "$sk_n" -gt 0 ]; then
      "$py" "$here/peer_sklearn.py" --data "$d" --n "$sk_n" --batch "$batch" --blas-threads "$threads" >> "$res"
    fi
  done
done

# --- 2, 3. inference: single events and batches -------------------------------------------------------
for rep in $(seq "$reps"); do
  log "inference, repetition $rep/$reps"
  "$hb" infer --data "$d" --calls "$calls" --big "$big" --big-reps "$big_reps" --threads "$threads" >> "$res"
  [ "$size" != smoke ] && OMP_WAIT_POLICY=passive "$hb" infer --data "$d" --calls "$calls" --big "$big" \
    --big-reps "$big_reps" --threads "$threads" >> "$res"
  if [ "$have_torch" = 1 ]; then
    "$py" "$here/peer_torch.py" infer --data "$d" --calls "$calls" --big "$big" --big-reps "$big_reps" \
      --threads 1 --blas-threads "$threads" >> "$res"
    "$py" "$here/peer_torch.py" infer --data "$d" --calls "$calls" --big "$big" --big-reps "$big_reps" \
      --threads 1 --blas-threads 1 >> "$res"
    "$py" "$here/peer_torch.py" infer --data "$d" --calls "$calls" --big "$big" --big-reps "$big_reps" \
      --defaults >> "$res"
  fi
  [ "$have_fann" = 1 ] && "$out/fann_infer" "$d.X.npy" "$calls" >> "$res"
done

# --- 4. a ROOT tree into the training dataset ---------------------------------------------------------
log "ROOT tree of $root_n entries into the dataset"
"$hb" root --n "$root_n" --file "$data/bench.root" --threads "$threads" >> "$res"

# --- 5. scaling: one epoch at growing sizes, each in a fresh process (peak RSS); 1 kernel thread and
# OpenBLAS threads, the setting least hurt when other work shares the cores --------------------------
for s in $scale; do
  log "scaling: one epoch on $s events"
  "$hb" scale --n "$s" --batch 256 --threads 1 --blas-threads "$threads" >> "$res"
done
if [ "$have_torch" = 1 ]; then # PyTorch's process on the same 10^6-event job, for the memory comparison
  "$py" "$here/peer_torch.py" train --data "$d" --n "$n" --batch 256 --threads 1 --blas-threads "$threads" \
    | sed 's/"torch_train"/"torch_memory"/' >> "$res"
fi

# --- 6, 7. hooks: the CNN and LSTM workloads (workload_deep.sh), training quality (workload_auc.sh) -----
# Each bench/workload_*.sh, when present, is sourced here with $hb, $py, $d, $res, $threads, $size (and
# $here, $out, $reps, $have_torch, hn_env, log) set and appends its JSON lines to $res.
for w in "$here"/workload_*.sh; do
  [ -f "$w" ] && { log "workload $(basename "$w")"; . "$w"; }
done

echo "{\"bench\":\"machine_after\",\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$res"
if [ -n "$py" ]; then
  "$py" "$here/summarize.py" "$res" --json "$out/summary.json" | tee "$out/summary.md"
else
  log "no python3: raw results in $res"
fi
