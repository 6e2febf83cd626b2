#!/usr/bin/env python3
"""The peer of bench/metrics_scale.c: scikit-learn's roc_auc_score and scipy's
ks_2samp on a classifier output of the same size and shape (not the same numbers).
Usage: python3 bench/metrics_scale_sklearn.py [n_events]"""
import sys
import time

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
rng = np.random.default_rng(1)
lab = (rng.random(n) < 0.3).astype(np.int32)
score = (rng.normal(size=n) + lab).astype(np.float32)
w = np.where((lab == 1) & (rng.random(n) < 0.05), -0.2, 1.0)  # as in metrics_scale.c
t0 = time.perf_counter()
auc = roc_auc_score(lab, score, sample_weight=w)
t1 = time.perf_counter()
ks = stats.ks_2samp(score[: n // 2], score[n // 2:], method="asymp")
t2 = time.perf_counter()
print("n = %d events" % n)
print("roc_auc_score     %.3f s  (AUC %.6f)" % (t1 - t0, auc))
print("ks_2samp asymp    %.3f s  (D %.5f p %.4f)" % (t2 - t1, ks.statistic, ks.pvalue))
