#!/usr/bin/env bash
# Builds fuzz/fuzz_root.c with clang's libFuzzer (+ ASan, UBSan) in the build
# directory and runs it over a bounded number of inputs, seeded with the small test files.
# Usage: run.sh SOURCE_DIR WORK_DIR [RUNS [SEED]]. Skips (exit 0) without clang.
# In the test suite the run is reproducible: a fixed seed and a fixed number
# of inputs (not a time limit), so a machine's speed does not change what is
# tried. Longer runs with other seeds are for finding new bugs by hand, e.g.
#   bash tests/fuzz/run.sh . /tmp/fz 2000000 7
set -uo pipefail
src=$1 work=$2 runs=${3:-12000} seed=${4:-1}
clang=${CLANG:-clang}
if ! command -v "$clang" >/dev/null 2>&1; then
  echo "skipped: clang not found (tools/deps.sh test installs it)"
  exit 0
fi
rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/seeds"
libs=$(pkg-config --libs zlib liblz4 libxxhash liblzma libzstd) || { echo "skipped: pkg-config"; exit 0; }
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n); int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$work/probe.c"
if ! "$clang" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
  echo "skipped: $clang has no libFuzzer"
  exit 0
fi
"$clang" -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$src/include" -I"$src/src" "$src/fuzz/fuzz_root.c" "$src"/src/data/root/*.c "$src"/src/core/status.c \
  $libs -lm -o "$work/fuzz_root" || { echo "FAIL: building the fuzzer"; exit 1; }
# small seeds only: mutations of a 1 MB file are slow and mostly cut its header
for f in "$src"/tests/data/root/*.root; do
  [ "$(stat -c %s "$f")" -le 60000 ] && cp "$f" "$work/seeds/"
done
"$work/fuzz_root" -seed="$seed" -runs="$runs" -max_len=60000 -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$work/seeds" 2>&1 | tail -25
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the fuzzer found a crash (reproducer in $work)"
  exit 1
fi
echo "fuzzing: no crash in $runs inputs (seed $seed)"
