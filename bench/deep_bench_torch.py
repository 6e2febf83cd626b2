#!/usr/bin/python3
"""The PyTorch (CPU) peer of bench/deep_bench.c: the same CNN and LSTM, shapes,
batch, loss and optimiser. Usage (same thread count as the C run):
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/deep_bench_torch.py [cnn|lstm|all] [iterations]
        [--batch B] [--calls C] [--threads T --blas-threads U | --defaults] [--device cpu|cuda] [--json]
Without --threads or --defaults, torch.set_num_threads($OMP_NUM_THREADS, default 1). --threads T
--blas-threads U set OMP_NUM_THREADS and OPENBLAS_NUM_THREADS before torch is imported and call
torch.set_num_threads(T), as bench/peer_torch.py does; --defaults leaves the environment and torch
alone. --device cuda: model and data on the GPU (eager; the clock stops after torch.cuda.synchronize(),
one image's inference includes reading its logit back; TF32 off in cuDNN and matmul, as hepnn computes in
fp32), the peer of deep_bench --device cuda. --json
prints one JSON line per measurement (bench/run.sh's format)."""
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("what", nargs="?", default="all", choices=["cnn", "lstm", "all"])
ap.add_argument("iters", nargs="?", type=int, default=10)
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--calls", type=int, default=200, help="single-image inference calls timed")
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--blas-threads", type=int, default=0)
ap.add_argument("--defaults", action="store_true")
ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
ap.add_argument("--json", action="store_true")
a = ap.parse_args()
if a.threads > 0:
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads or a.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

if not a.defaults:
    torch.set_num_threads(a.threads or int(os.environ.get("OMP_NUM_THREADS", "1")))
config = "defaults" if a.defaults else "t%d_blas%s" % (torch.get_num_threads(),
                                                        os.environ.get("OPENBLAS_NUM_THREADS", "?"))
what, iters, B = a.what, a.iters, a.batch
dev = torch.device(a.device)
if dev.type == "cuda":  # strict fp32 on both sides (cuDNN would use TF32 by default)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
torch.manual_seed(1)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def emit(**kw):
    print(json.dumps(dict({"framework": "pytorch", "version": torch.__version__, "config": config,
                           "torch_threads": torch.get_num_threads(), "device": a.device}, **kw)), flush=True)


def train_time(model, x, t):
    model, x, t = model.to(dev), x.to(dev), t.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.BCEWithLogitsLoss()
    for i in range(iters + 2):
        if i == 2:
            sync()  # the warm-up steps off the device first
            t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        loss = lossf(model(x), t)
        loss.backward()
        opt.step()
    sync()
    return (time.perf_counter() - t0) / iters, (time.process_time() - c0) / iters


if what in ("cnn", "all"):
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 1))
    x = torch.rand(B, 1, 40, 40)
    t = (torch.rand(B, 1) < 0.5).float()
    dt, ct = train_time(cnn, x, t)
    if a.json:
        emit(bench="torch_deep_train", net="cnn", batch=B, iters=iters, ms_per_step=round(1e3 * dt, 3),
             cpu_ms_per_step=round(1e3 * ct, 3), events_per_s=round(B / dt, 1))
    else:
        print("cnn train: %.1f ms/step wall, %.1f ms/step CPU, %.0f images/s (batch %d)"
              % (1e3 * dt, 1e3 * ct, B / dt, B))
    cnn.eval()
    x1 = torch.rand(1, 1, 40, 40, device=dev)
    with torch.no_grad():
        for _ in range(10):
            cnn(x1).cpu()
        n = a.calls
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            cnn(x1).cpu()
    us, cpu_us = 1e6 * (time.perf_counter() - t0) / n, 1e6 * (time.process_time() - c0) / n
    if a.json:
        emit(bench="torch_deep_infer1", net="cnn", calls=n, us_per_image=round(us, 2),
             cpu_us_per_image=round(cpu_us, 2))
    else:
        print("cnn inference, batch 1: %.1f us/image wall, %.1f us CPU" % (us, cpu_us))


class LastState(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 128, batch_first=True)
        self.out = nn.Linear(128, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.out(h[0])


if what in ("lstm", "all"):
    x = torch.rand(B, 50, 16)
    t = (torch.rand(B, 1) < 0.5).float()
    dt, ct = train_time(LastState(), x, t)
    if a.json:
        emit(bench="torch_deep_train", net="lstm", batch=B, iters=iters, ms_per_step=round(1e3 * dt, 3),
             cpu_ms_per_step=round(1e3 * ct, 3), events_per_s=round(B / dt, 1))
    else:
        print("lstm train: %.1f ms/step wall, %.1f ms/step CPU, %.0f sequences/s (batch %d, 50 steps, hidden 128)"
              % (1e3 * dt, 1e3 * ct, B / dt, B))
