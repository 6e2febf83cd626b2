#!/usr/bin/python3
"""The PyTorch (CPU) peer of bench/deep_bench.c: the same CNN and LSTM, shapes,
batch, loss and optimiser. Usage (same thread count as the C run):
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/deep_bench_torch.py [cnn|lstm|all] [iterations]"""
import os
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
what = sys.argv[1] if len(sys.argv) > 1 else "all"
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 10
torch.manual_seed(1)


def train_time(model, x, t):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.BCEWithLogitsLoss()
    for i in range(iters + 2):
        if i == 2:
            t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        loss = lossf(model(x), t)
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / iters, (time.process_time() - c0) / iters


if what in ("cnn", "all"):
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 1))
    x = torch.rand(256, 1, 40, 40)
    t = (torch.rand(256, 1) < 0.5).float()
    dt, ct = train_time(cnn, x, t)
    print("cnn train: %.1f ms/step wall, %.1f ms/step CPU, %.0f images/s (batch 256)" % (1e3 * dt, 1e3 * ct, 256 / dt))
    cnn.eval()
    x1 = torch.rand(1, 1, 40, 40)
    with torch.no_grad():
        for _ in range(10):
            cnn(x1)
        n = 200
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            cnn(x1)
    print("cnn inference, batch 1: %.1f us/image wall, %.1f us CPU"
          % (1e6 * (time.perf_counter() - t0) / n, 1e6 * (time.process_time() - c0) / n))


class LastState(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 128, batch_first=True)
        self.out = nn.Linear(128, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.out(h[0])


if what in ("lstm", "all"):
    x = torch.rand(256, 50, 16)
    t = (torch.rand(256, 1) < 0.5).float()
    dt, ct = train_time(LastState(), x, t)
    print("lstm train: %.1f ms/step wall, %.1f ms/step CPU, %.0f sequences/s (batch 256, 50 steps, hidden 128)"
          % (1e3 * dt, 1e3 * ct, 256 / dt))
