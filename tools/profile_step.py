#!/usr/bin/env python3
"""Where a training step's time goes, per thread (docs/performance.md, "Where the time goes").

Runs `hepnn_bench train` under `perf record --call-graph dwarf` and sorts the samples of the timed
epoch (from the first to the last sample of the fused MLP step after the warm-up batches) by thread
and by what they were doing: OpenBLAS's kernel, its packing, its zeroing of the output (beta = 0), the
elementwise passes, the optimiser, code outside any OpenMP region (serial), waiting inside the OpenMP
runtime, other. The bench's sgemm probes between batches (a few per cent of the epoch) are included.
The machine's speed moves between runs: run it a few times.

    python3 tools/profile_step.py [--build build] [--data build/profile-data/h] [--batch 256] [--threads 2]

The data set (10^5 events) is made with `hepnn_bench gen` when it is missing. Needs Linux
perf; prints the shares in per cent of each thread's samples.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--build", default="build")
ap.add_argument("--data", default=os.path.join("build", "profile-data", "h"))
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()

bench = os.path.join(a.build, "bench", "hepnn_bench")
if not shutil.which("perf"):
    sys.exit("profile_step: Linux perf is not installed (Debian: linux-perf)")
if not os.access(bench, os.X_OK):
    sys.exit("profile_step: %s is not built (make)" % bench)
if not os.path.exists(a.data + ".X.npy"):
    os.makedirs(os.path.dirname(a.data) or ".", exist_ok=True)
    subprocess.run([bench, "gen", "--n", "100000", "--out", a.data], check=True, stdout=subprocess.DEVNULL)

tmp = tempfile.mkdtemp()
data = os.path.join(tmp, "perf.data")
subprocess.run(["perf", "record", "-q", "--call-graph", "dwarf,4096", "-F", "1000", "-o", data, bench, "train",
                "--data", a.data, "--batch", str(a.batch), "--reps", "1", "--threads", str(a.threads),
                "--blas-threads", "1"], check=True, stdout=subprocess.DEVNULL)
script = subprocess.run(["perf", "script", "-i", data, "-F", "tid,time,ip,sym"], check=True,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
shutil.rmtree(tmp)

samples, cur = [], None  # (tid, time, [frames leaf first])
for line in script.splitlines():
    if not line.strip():
        if cur:
            samples.append(cur)
        cur = None
    elif not line[0].isspace():
        f = line.split()
        cur = (f[0], float(f[1].rstrip(":")), [])
    elif cur:
        f = line.split(None, 1)
        cur[2].append(f[1].strip() if len(f) > 1 else "?")
if cur:
    samples.append(cur)

step = [s for s in samples if any("hn_fast_mlp_step" in f for f in s[2])]
if not step:
    sys.exit("profile_step: no sample in the fused MLP step (is the model a plain MLP?)")
# the bench trains 50 warm-up batches first, then the timed epoch: keep what follows the widest gap
# between two samples of the step (the second training run's set-up)
times = sorted(s[1] for s in step)
gap, at = max((times[i + 1] - times[i], i + 1) for i in range(len(times) - 1)) if len(times) > 1 else (0, 0)
lo, hi = (times[at] if gap > 0.02 else times[0]), times[-1]
master = collections.Counter(s[0] for s in step).most_common(1)[0][0]


def kind(tid, frames):
    leaf = frames[0] if frames else "?"
    in_region = any("_omp_fn" in f for f in frames)
    if leaf.startswith("sgemm_kernel") or leaf.startswith("sgemm_small_kernel"):
        return "OpenBLAS kernel"
    if re.match(r"sgemm_[io][nt]copy", leaf):
        return "OpenBLAS packing"
    if leaf.startswith("sgemm_beta") or ("memset" in leaf and any(f.startswith("sgemm_") for f in frames)):
        return "OpenBLAS output zeroing (beta = 0)"
    if leaf.startswith("bias_act"):
        return "bias + activation"
    if leaf.startswith("act_bias_bwd"):
        return "activation derivative + bias gradient"
    if "update_" in leaf or any("hn_optim" in f for f in frames[:3]):
        return "optimiser"
    if leaf in ("[unknown]", "?") and not in_region:
        return "waiting in the OpenMP runtime" if tid != master or any("hn_" in f for f in frames) else "other"
    if tid == master and not in_region:
        return "serial (master, outside OpenMP regions)"
    return "other"


per = collections.defaultdict(collections.Counter)
for tid, t, frames in samples:
    if lo <= t <= hi:
        per[tid][kind(tid, frames)] += 1
print("timed epoch: %.2f s; batch %d, %d threads; %% of each thread's samples" % (hi - lo, a.batch, a.threads))
for tid, c in sorted(per.items(), key=lambda kv: (kv[0] != master, kv[0])):
    n = sum(c.values())
    if n < 20:
        continue
    print("\nthread %s (%s), %d samples" % (tid, "master" if tid == master else "worker", n))
    for k, v in c.most_common():
        print("  %-42s %5.1f %%" % (k, 100.0 * v / n))
