#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU: configures with the CUDA
# backend forced on, builds, runs the test suite (the test_cuda_* tests
# compare every op and optimiser against the CPU) and the GPU benchmark, with
# PyTorch eager on the same GPU when torch can use it. Everything lands in
# $OUT (default ./gpu-out): summary.txt first, then the logs. About 4 to 6
# minutes; each stage has its own time limit so the whole stays under 8.
# Stages, most important first: build; the CUDA tests and the compiled
# inference test; the GPU benchmarks beside PyTorch (the MLP; the CNN and
# LSTM of bench/deep_bench.c); the demo trained on the
# CPU and on the GPU (test AUC within 0.002, tools/gpu_demo_auc.sh); the rest
# of the suite. SECS sets the benchmark's seconds per figure (default 1.5).
#   OUT=/some/dir bash tools/gpu_check.sh
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
S="$OUT/summary.txt"
: >"$S"
say() { echo "$*" | tee -a "$S"; }
start=$(date +%s)
elapsed() { echo $(($(date +%s) - start)); }

[ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"
say "== gpu_check $(git rev-parse --short HEAD 2>/dev/null || echo '?') $(date -u +%FT%TZ)"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1 ||
  echo "no nvidia-smi" >"$OUT/gpu.txt"
say "gpu: $(head -n 1 "$OUT/gpu.txt")"
say "nvcc: $(nvcc --version 2>/dev/null | tail -n 1)"
say "cmake: $(cmake --version 2>/dev/null | head -n 1); openblas: $(pkg-config --modversion openblas 2>/dev/null || echo MISSING)"

B=build-gpu
if ! timeout 120 cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DHEPNN_CUDA=ON -DHEPNN_CUDA_WERROR=OFF >"$OUT/configure.log" 2>&1; then
  say "CONFIGURE FAILED (tail of configure.log):"; tail -n 25 "$OUT/configure.log" | tee -a "$S"; exit 1
fi
if ! timeout 240 cmake --build "$B" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
  say "BUILD FAILED (errors from build.log):"; grep -E "error|Error" "$OUT/build.log" | head -n 30 | tee -a "$S"; exit 1
fi
say "built in $(elapsed) s"

# the CUDA tests first (verbose), then the whole suite
(cd "$B" && timeout 150 ctest --output-on-failure -R 'test_cuda|test_infer' -V) >"$OUT/ctest_cuda.log" 2>&1
say "cuda tests (passed/failed/skipped per test file): $(grep -E '[0-9]+ passed, [0-9]+ failed' "$OUT/ctest_cuda.log" | sed 's/^[0-9]*: //' | tr '\n' ';')"
grep -E "CHECK|FAILED|skipped:|differ|note:|cpu .*cuda|test AUC|CPU .*GPU|MSE" "$OUT/ctest_cuda.log" | sort | uniq -c | head -n 40 | tee -a "$S"
say "after the CUDA tests: $(elapsed) s"

if [ -x "$B/bench/gpu_mlp" ]; then
  timeout 150 "$B/bench/gpu_mlp" cuda "${SECS:-1.5}" >"$OUT/bench_hepnn.txt" 2>&1
  say "-- hepnn (rc $?)"; tee -a "$S" <"$OUT/bench_hepnn.txt"
else
  say "BENCH NOT BUILT ($B/bench/gpu_mlp missing)"
fi
if python3 -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
  timeout 150 python3 bench/gpu_mlp_torch.py "${SECS:-1.5}" >"$OUT/bench_torch.txt" 2>&1
  say "-- pytorch eager, same GPU (rc $?)"; tee -a "$S" <"$OUT/bench_torch.txt"
else
  say "-- pytorch: not available with CUDA on this machine; hepnn figures only"
fi
if [ -x "$B/bench/deep_bench" ]; then
  timeout 60 "$B/bench/deep_bench" all 20 --device cuda --calls 200 >"$OUT/deep_hepnn.txt" 2>&1
  say "-- hepnn CNN and LSTM training (batch 256, eager) and CNN single-image inference on the GPU (rc $?)"
  tee -a "$S" <"$OUT/deep_hepnn.txt"
fi
if python3 -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
  timeout 60 python3 bench/deep_bench_torch.py all 20 --device cuda --defaults --calls 200 >"$OUT/deep_torch.txt" 2>&1
  say "-- pytorch eager, the same CNN and LSTM on the GPU (rc $?)"; tee -a "$S" <"$OUT/deep_torch.txt"
fi
say "after the benchmark: $(elapsed) s"
timeout 200 bash tools/gpu_demo_auc.sh "$B/hepnn" "$OUT/demo" >"$OUT/demo_auc.txt" 2>&1
say "-- demo, CPU against GPU (rc $?)"; tee -a "$S" <"$OUT/demo_auc.txt"
say "after the demo: $(elapsed) s"
(cd "$B" && timeout 120 ctest --output-on-failure -j "$(nproc)" -E 'root_fuzz|root_jsroot|examples') >"$OUT/ctest_all.log" 2>&1
say "whole suite (without fuzzing, jsroot, examples): $(grep -E 'tests passed|tests failed' "$OUT/ctest_all.log")"
grep -E "^[0-9]+ - |Failed" "$OUT/ctest_all.log" | head -n 10 | tee -a "$S"
say "== done in $(elapsed) s"
