#!/usr/bin/python3
"""scikit-learn's side of hepnn's benchmark suite: MLPClassifier with the same layers (300, 300, 300), ReLU,
Adam lr 1e-3, one epoch of minibatches, on the first --n events of the same .npy files (standardised
outside the timing). Thread count: OPENBLAS_NUM_THREADS, set before numpy is imported.

  peer_sklearn.py --data PREFIX [--n N] [--batch B] [--blas-threads U]
"""
import argparse
import json
import os
import time
import warnings

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--n", type=int, default=100000)
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--blas-threads", type=int, default=2)
a = ap.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

X = np.load(a.data + ".X.npy", mmap_mode="r")
Y = np.load(a.data + ".y.npy", mmap_mode="r")
n = min(a.n, X.shape[0])
x = np.ascontiguousarray(X[:n], dtype=np.float32)
y = np.ascontiguousarray(Y[:n]).astype(np.int64)
x = (x - x.mean(0)) / x.std(0)
clf = MLPClassifier(hidden_layer_sizes=(300, 300, 300), activation="relu", solver="adam", learning_rate_init=1e-3,
                    batch_size=a.batch, max_iter=1, shuffle=True, random_state=1)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    t0 = time.perf_counter()
    clf.fit(x, y)
    dt = time.perf_counter() - t0
print(json.dumps({"framework": "sklearn", "version": sklearn.__version__, "bench": "sklearn_train", "batch": a.batch,
                  "events": n, "seconds": round(dt, 4), "events_per_s": round(n / dt, 1),
                  "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"]}), flush=True)
