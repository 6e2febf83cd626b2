#!/usr/bin/python3
"""PyTorch's side of hepnn's benchmark suite (bench/run.sh): the same MLP 28-300-300-300-1 (ReLU, sigmoid +
binary cross-entropy, Adam lr 1e-3), float32, on the same .npy files.

  peer_torch.py train --data PREFIX --batch B [--n N] [--threads T --blas-threads U | --defaults]
  peer_torch.py infer --data PREFIX [--calls C] [--big B] [--big-reps R] [--threads T --blas-threads U | --defaults]
  peer_torch.py auc --data PREFIX --n N --n-test M --epochs E --seed S [--init default|he]
                    [--rescore HEPNN_SCORES.npy]
      training quality: E epochs on the first N events, scikit-learn's roc_auc_score on the last M; with
      --rescore, the same AUC of hepnn's test scores (written by hepnn_bench auc --scores), so both sides'
      AUCs come from one function

Thread settings: with --defaults the environment is left alone (PyTorch's own choice, the first thing a user
gets); otherwise OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are set BEFORE torch is imported (Debian's torch
does its matrix products in OpenBLAS, which torch.set_num_threads does not govern) and
torch.set_num_threads(T) is called. One JSON line per measurement.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["train", "infer", "auc"])
ap.add_argument("--data", required=True)
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--n", type=int, default=0, help="train: events per epoch (0: all)")
ap.add_argument("--reps", type=int, default=1, help="train: timed epochs")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--blas-threads", type=int, default=2)
ap.add_argument("--defaults", action="store_true")
ap.add_argument("--flush-denormal", action="store_true",
                help="torch.set_flush_denormal(True): subnormal floats become zero, as hepnn's training does")
ap.add_argument("--calls", type=int, default=10000)
ap.add_argument("--big", type=int, default=10000)
ap.add_argument("--big-reps", type=int, default=50)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--n-test", type=int, default=0, help="auc: test events, the last of the file")
ap.add_argument("--epochs", type=int, default=1, help="auc: training epochs")
ap.add_argument("--init", choices=["default", "he"], default="default",
                help="auc: PyTorch's default initialisation, or hepnn_bench's (He uniform, zero biases, Xavier output)")
ap.add_argument("--rescore", default=None, help="auc: hepnn's test scores (.npy) to score with the same AUC")
a = ap.parse_args()

config = "defaults" if a.defaults else "t%d_blas%d" % (a.threads, a.blas_threads)
if a.flush_denormal:
    config += "_ftz"
if not a.defaults:
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

if not a.defaults:
    torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
if a.flush_denormal and not torch.set_flush_denormal(True):
    sys.exit("peer_torch: this CPU cannot flush denormals")
info = {"framework": "pytorch", "version": torch.__version__, "config": config,
        "torch_threads": torch.get_num_threads(), "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(**kw):
    print(json.dumps(dict(info, **kw)), flush=True)


def net():
    layers, width = [], 28
    for units in (300, 300, 300):
        layers += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        width = units
    layers += [torch.nn.Linear(width, 1)]
    return torch.nn.Sequential(*layers)


X = np.load(a.data + ".X.npy", mmap_mode="r")
Y = np.load(a.data + ".y.npy", mmap_mode="r")

if a.mode == "train":
    n = min(a.n, X.shape[0]) if a.n > 0 else X.shape[0]
    x = torch.from_numpy(np.array(X[:n]))
    y = torch.from_numpy(np.array(Y[:n])).reshape(-1, 1)
    # standardised inputs, as hepnn standardises inside its model (computed once, outside the timing)
    mu, sd = x.mean(0), x.std(0)
    model = net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def epoch(xs, ys):
        # shuffling and batch copies are timed, as hepnn's epoch shuffles and gathers
        perm = torch.randperm(xs.shape[0])
        total = 0.0
        for i in range(0, xs.shape[0], a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = (xs[idx] - mu) / sd, ys[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        return total / xs.shape[0]

    warm = min(n, 50 * a.batch)
    epoch(x[:warm], y[:warm])
    for r in range(a.reps):
        t0 = time.perf_counter()
        loss = epoch(x, y)
        dt = time.perf_counter() - t0
        emit(bench="torch_train", batch=a.batch, rep=r, events=n, seconds=round(dt, 4),
             events_per_s=round(n / dt, 1), loss=round(loss, 5), peak_rss_mb=round(peak_rss_mb(), 1))
    sys.exit(0)

if a.mode == "auc":
    # The split of hepnn_bench auc: train on the first n events, test on the last n_test. Inputs
    # standardised with the training events' mean and standard deviation (as hepnn does inside its model);
    # PyTorch's default initialisation; final-epoch weights.
    from sklearn.metrics import roc_auc_score
    n, nt = a.n, a.n_test
    if n < 1 or nt < 1 or n + nt > X.shape[0]:
        sys.exit("peer_torch.py auc: need --n N --n-test M with N + M <= %d" % X.shape[0])
    x = torch.from_numpy(np.array(X[:n]))
    y = torch.from_numpy(np.array(Y[:n])).reshape(-1, 1)
    mu, sd = x.mean(0), x.std(0, unbiased=False)
    sd[sd == 0] = 1
    x = (x - mu) / sd
    xt = (torch.from_numpy(np.array(X[-nt:])) - mu) / sd
    yt = np.array(Y[-nt:]) > 0.5
    model = net()
    if a.init == "he":  # hepnn's dense layers with HN_INIT_HE_UNIFORM; its output layer is Xavier uniform
        lin = [m for m in model if isinstance(m, torch.nn.Linear)]
        for m in lin:
            torch.nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            torch.nn.init.zeros_(m.bias)
        torch.nn.init.xavier_uniform_(lin[-1].weight)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    t0 = time.perf_counter()
    for e in range(a.epochs):
        perm = torch.randperm(n)
        total = 0.0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
    dt = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        score = torch.sigmoid(model(xt)).numpy().ravel()
    emit(bench="torch_auc", init=a.init, seed=a.seed, epochs=a.epochs, batch=a.batch, n_train=n, n_test=nt,
         test_auc=round(float(roc_auc_score(yt, score)), 6), final_loss=round(total / n, 5),
         train_seconds=round(dt, 2))
    if a.rescore:
        hs = np.load(a.rescore).astype(np.float64).ravel()
        if hs.shape[0] != nt:
            sys.exit("peer_torch.py auc: %s has %d scores, expected %d" % (a.rescore, hs.shape[0], nt))
        emit(bench="hepnn_auc_sklearn", init=a.init, seed=a.seed, epochs=a.epochs, n_test=nt,
             test_auc=round(float(roc_auc_score(yt, hs)), 6))
    sys.exit(0)

# --- inference ----------------------------------------------------------------------------------------
full = torch.nn.Sequential(net(), torch.nn.Sigmoid()).eval()
xs = torch.from_numpy(np.array(X[-a.calls:]))
xb = torch.from_numpy(np.array(X[:a.big]))
variants = [("eager_no_grad", full)]
with torch.no_grad():
    try:
        variants.append(("torchscript", torch.jit.script(full)))
        variants.append(("torchscript_frozen", torch.jit.freeze(torch.jit.script(full))))
        variants.append(("traced_optimized", torch.jit.optimize_for_inference(torch.jit.trace(full, xs[:1]))))
    except Exception as e:  # an older or newer torch without one of these
        emit(bench="torch_infer_error", error=repr(e))

with torch.no_grad():
    for name, f in variants:
        rows = [xs[i:i + 1] for i in range(xs.shape[0])]
        for i in range(1000):
            f(rows[i % len(rows)])
        ts = []
        for r in rows:
            t0 = time.perf_counter_ns()
            f(r)
            ts.append(time.perf_counter_ns() - t0)
        ts.sort()
        emit(bench="torch_infer_b1", variant=name, calls=len(ts), median_us=round(statistics.median(ts) / 1e3, 3),
             p10_us=round(ts[len(ts) // 10] / 1e3, 3), p90_us=round(ts[len(ts) * 9 // 10] / 1e3, 3),
             min_us=round(ts[0] / 1e3, 3))
    for name, f in variants:
        for _ in range(3):
            f(xb)
        ev = []
        for _ in range(a.big_reps):
            t0 = time.perf_counter()
            f(xb)
            ev.append(a.big / (time.perf_counter() - t0))
        ev.sort()
        emit(bench="torch_infer_batch", variant=name, batch=a.big, reps=a.big_reps,
             median_events_per_s=round(statistics.median(ev), 1), min_events_per_s=round(ev[0], 1),
             max_events_per_s=round(ev[-1], 1))
