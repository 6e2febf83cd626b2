#!/usr/bin/python3
"""Summarises bench/run.sh's results.jsonl: medians with min-max over the repetitions, ratios against the
peers and the sgemm ceiling, the issue's targets. Prints Markdown; --json FILE writes the same as JSON.

  summarize.py results.jsonl [--json summary.json]
"""
import json
import math
import statistics
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def stats(vals):
    vals = [v for v in vals if v is not None and not math.isnan(v)]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def pick(rows, **kw):
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def fmt(s, digits=0, unit=""):
    if not s:
        return "–"
    f = "{:,.%df}" % digits
    mid = f.format(s["median"]).replace(",", " ")
    if s["n"] > 1:
        return "%s%s (%s–%s)" % (mid, unit, f.format(s["min"]).replace(",", " "), f.format(s["max"]).replace(",", " "))
    return mid + unit


def ratio(a, b, higher_better=True):
    """Ratio of medians a/b with the range the extremes allow."""
    if not a or not b or b["median"] == 0 or b["min"] == 0:
        return None
    return {"median": a["median"] / b["median"], "min": a["min"] / b["max"], "max": a["max"] / b["min"],
            "n": min(a["n"], b["n"])}


def best(groups):
    """The group with the best (highest) median."""
    groups = [(k, s) for k, s in groups if s]
    return max(groups, key=lambda ks: ks[1]["median"]) if groups else (None, None)


def lowest(groups):
    groups = [(k, s) for k, s in groups if s]
    return min(groups, key=lambda ks: ks[1]["median"]) if groups else (None, None)


def hn_setting(r):
    k = "t%d_blas%d" % (r["threads"], r.get("blas_threads", r["threads"]))
    if r.get("omp_wait", "default") != "default":
        k += "_" + r["omp_wait"]
    return k


def by_setting(rows, key, field):
    g = {}
    for r in rows:
        g.setdefault(key(r), []).append(r[field])
    return {k: stats(v) for k, v in g.items()}


def deep_section(rows, md, target):
    """CNN and LSTM training steps and single-image CNN inference, each framework at its best setting."""
    if not pick(rows, bench="hepnn_deep_train"):
        return None
    md.append("\n## 6. CNN and LSTM (bench/deep_bench.c, bench/deep_bench_torch.py)\n")
    md.append("Each framework at its best thread setting (lowest median time); hepnn / PyTorch is the ratio of "
              "times for ms/step and µs (below 1: hepnn faster) and of rates for events/s (above 1: hepnn faster).\n")
    md.append("| workload | hepnn (best setting) | PyTorch (best setting) | hepnn / PyTorch | hepnn settings |")
    md.append("|---|---|---|---|---|")
    res = {}
    for net, unit, goal in (("cnn", "images", 1.0), ("lstm", "sequences", 1.0)):
        hr = pick(rows, bench="hepnn_deep_train", net=net)
        tr = pick(rows, bench="torch_deep_train", net=net)
        if not hr:
            continue
        batch = hr[0]["batch"]
        hms = by_setting(hr, hn_setting, "ms_per_step")
        tms = by_setting(tr, lambda r: r["config"], "ms_per_step")
        hk, hs = lowest(hms.items())
        tk, ts = lowest(tms.items())
        hev = stats([r["events_per_s"] for r in hr if hn_setting(r) == hk])
        tev = stats([r["events_per_s"] for r in tr if r["config"] == tk]) if tk else None
        name = net.upper()
        settings = ", ".join("%s %s" % (k, fmt(v, 0)) for k, v in sorted(hms.items()))
        md.append("| %s training step, batch %d (ms/step) | %s (%s) | %s%s | %s | %s |" % (
            name, batch, fmt(hs, 1), hk, fmt(ts, 1), " (%s)" % tk if tk else "", fmt(ratio(hs, ts), 2), settings))
        md.append("| %s training, batch %d (%s/s) | %s | %s | %s | |" % (
            name, batch, unit, fmt(hev), fmt(tev), fmt(ratio(hev, tev), 2)))
        res[net + "_train"] = {"hepnn_ms_per_step": hms, "pytorch_ms_per_step": tms, "hepnn_best": hk,
                               "pytorch_best": tk, "hepnn_events_per_s": hev, "pytorch_events_per_s": tev}
        if hev and tev:
            target("%s training vs PyTorch's best setting (deep-architectures issue)" % name,
                   hev["median"] / tev["median"], ">= %.1f" % goal, hev["median"] / tev["median"] >= goal)
    hi = by_setting(pick(rows, bench="hepnn_deep_infer1"), hn_setting, "us_per_image")
    ti = by_setting(pick(rows, bench="torch_deep_infer1"), lambda r: r["config"], "us_per_image")
    hk, hs = lowest(hi.items())
    tk, ts = lowest(ti.items())
    if hs:
        settings = ", ".join("%s %s" % (k, fmt(v, 0)) for k, v in sorted(hi.items()))
        md.append("| CNN inference, 1 image (µs) | %s (%s) | %s%s | %s | %s |" % (
            fmt(hs, 0), hk, fmt(ts, 0), " (%s)" % tk if tk else "", fmt(ratio(hs, ts), 2), settings))
        res["cnn_infer1_us"] = {"hepnn": hi, "pytorch": ti, "hepnn_best": hk, "pytorch_best": tk}
        if ts:
            target("CNN single-image latency vs PyTorch's best setting (deep-architectures issue)",
                   hs["median"] / ts["median"], "<= 0.5", hs["median"] / ts["median"] <= 0.5)
    return res


def auc_section(rows, md, target):
    """Test AUC at equal epochs over seeds: hepnn against PyTorch, for each pairing of initialisers."""
    ha = pick(rows, bench="hepnn_auc")
    if not ha:
        return None
    r0 = ha[0]
    md.append("\n## 7. Training quality: test AUC at equal epochs\n")
    md.append("The MLP above, %d epoch(s) on the first %d events of the data file, scored on the last %d; "
              "AUC by scikit-learn's roc_auc_score on both sides' scores (hepnn's own hn_auc where PyTorch is "
              "missing).\n" % (r0["epochs"], r0["n_train"], r0["n_test"]))
    md.append("| initialisation | hepnn per seed | PyTorch per seed | hepnn mean | PyTorch mean | "
              "hepnn − PyTorch | goal | met |")
    md.append("|---|---|---|---|---|---|---|---|")
    sk = {(r["init"], r["seed"]): r["test_auc"] for r in pick(rows, bench="hepnn_auc_sklearn")}
    tp = {(r["init"], r["seed"]): r["test_auc"] for r in pick(rows, bench="torch_auc")}
    res = {}
    checks = []
    # hepnn_bench's --init paired with peer_torch.py's --init (bench/workload_auc.sh)
    for hinit, tinit, label in (("xavier", "default", "each framework's default (hepnn Xavier uniform, PyTorch's own)"),
                                ("he", "he", "the same on both: He uniform, zero biases")):
        hr = sorted([r for r in ha if r.get("init") == hinit], key=lambda r: r["seed"])
        if not hr:
            continue
        seeds = [r["seed"] for r in hr]
        hv = [sk.get((tinit, s), r["test_auc"]) for s, r in zip(seeds, hr)]
        checks += [abs(sk[(tinit, s)] - r["test_auc"]) for s, r in zip(seeds, hr) if (tinit, s) in sk]
        tv = [tp[(tinit, s)] for s in seeds if (tinit, s) in tp]
        hm = statistics.mean(hv)
        tm = statistics.mean(tv) if len(tv) == len(hv) else None
        diff = hm - tm if tm is not None else None
        ok = diff is not None and diff >= -0.003
        md.append("| %s | %s | %s | %.4f | %s | %s | ≥ −0.003 | %s |" % (
            label, " / ".join("%.4f" % v for v in hv), " / ".join("%.4f" % v for v in tv) or "–", hm,
            "%.4f" % tm if tm is not None else "–", "%+.4f" % diff if diff is not None else "–",
            ("yes" if ok else "no") if diff is not None else "–"))
        res[hinit] = {"seeds": seeds, "hepnn": hv, "pytorch": tv, "hepnn_mean": hm, "pytorch_mean": tm,
                      "difference": diff}
        if diff is not None:
            target("test AUC at equal epochs, mean over %d seeds, %s init: hepnn %.4f vs PyTorch %.4f, "
                   "difference" % (len(seeds), "default" if hinit == "xavier" else "same (He)", hm, tm),
                   diff, ">= -0.003", ok, digits=4)
    if checks:
        md.append("\nhepnn's hn_auc against scikit-learn's roc_auc_score on the same scores: largest "
                  "|difference| %s.\n" % ("%.1e" % max(checks) if max(checks) > 0 else
                                          "0 (both written to 6 decimals)"))
    return res


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    rows = load(sys.argv[1])
    out = {"targets": []}
    md = []
    mach = pick(rows, bench="machine")
    after = pick(rows, bench="machine_after")
    if mach:
        m = mach[0]
        md.append("Machine: %s, %s cores (%s); %s threads; size %s; load average before %s, after %s.\n" % (
            m.get("cpu"), m.get("cores"), m.get("flags", "").strip(), m.get("threads"), m.get("size"),
            m.get("load_before"), after[0].get("load_after") if after else "?"))
        out["machine"] = m

    def target(name, value, goal, ok, digits=3):
        out["targets"].append({"target": name, "value": value, "goal": goal, "met": ok, "digits": digits})

    # 1. training
    md.append("## 1. MLP 28-300-300-300-1 training, one epoch (events/s)\n")
    md.append("| batch | hepnn (best setting) | hepnn settings | PyTorch best setting | PyTorch defaults | "
              "scikit-learn | hepnn / PyTorch | sgemm ceiling | hepnn / ceiling |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    out["train"] = {}
    for batch in sorted({r["batch"] for r in pick(rows, bench="hepnn_train")}):
        hn, in_proc, in_ceil = {}, {}, {}
        for r in pick(rows, bench="hepnn_train", batch=batch):
            key = "t%d_blas%d" % (r["threads"], r.get("blas_threads", r["threads"]))
            if r.get("omp_wait", "default") != "default":
                key += "_" + r["omp_wait"]
            hn.setdefault(key, []).append(r["events_per_s"])
            if r.get("ceiling_events_per_s"):
                in_proc.setdefault(key, []).append(r["events_per_s"] / r["ceiling_events_per_s"])
                in_ceil.setdefault(key, []).append(r["ceiling_events_per_s"])
        hn = {k: stats(v) for k, v in hn.items()}
        hk, hs = best(hn.items())
        tp = {}
        for r in pick(rows, bench="torch_train", batch=batch):
            tp.setdefault(r["config"], []).append(r["events_per_s"])
        tp = {k: stats(v) for k, v in tp.items()}
        tk, ts = best([(k, s) for k, s in tp.items() if k != "defaults"])
        td = tp.get("defaults")
        pk, ps = best(tp.items())
        sk = stats([r["events_per_s"] for r in pick(rows, bench="sklearn_train", batch=batch)])
        ceil = stats([r["events_per_s_ceiling"] for r in pick(rows, bench="sgemm_step", batch=batch)])
        r_t = ratio(hs, ps)
        # against the ceiling probed between the batches of each timed epoch
        # (robust to the machine's speed changing between and within commands);
        # the separate sgemm_step runs where the rows predate that field
        r_c = stats(in_proc[hk]) if in_proc.get(hk) else ratio(hs, ceil)
        if in_ceil.get(hk):  # the ceiling the ratio was taken against
            ceil = stats(in_ceil[hk])
        settings = ", ".join("%s %s" % (k, fmt(s)) for k, s in sorted(hn.items()))
        md.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            batch, fmt(hs), settings, fmt(ts) + (" (%s)" % tk if tk else ""), fmt(td), fmt(sk), fmt(r_t, 2),
            fmt(ceil), fmt(r_c, 2)))
        out["train"][str(batch)] = {"hepnn": hn, "hepnn_best": hk, "pytorch": tp, "sklearn": sk,
                                    "sgemm_ceiling_events_per_s": ceil, "hepnn_over_pytorch_best": r_t,
                                    "hepnn_over_ceiling": r_c}
        goal = 1.1 if batch == 256 else 1.05
        if r_t:
            target("training batch %d vs PyTorch's better setting" % batch, r_t["median"], ">= %.2f" % goal,
                   r_t["median"] >= goal)
        if r_c and batch == 256:
            target("training batch 256 vs sgemm ceiling", r_c["median"], ">= 0.90", r_c["median"] >= 0.9)
    if any(r.get("ceiling_events_per_s") for r in pick(rows, bench="hepnn_train")):
        md.append("\nhepnn / ceiling: each timed epoch against the sgemm ceiling probed between its batches, "
                  "and the ceiling column those probes' rate (median and min–max over the repetitions of the "
                  "best setting); the separate `hepnn_bench sgemm` runs, measured minutes apart, are in "
                  "results.jsonl as sgemm_step.")
    sg = [r for r in pick(rows, bench="sgemm")]
    if sg:
        md.append("\nsgemm GFLOP/s at the step's shapes (median over repetitions):\n")
        md.append("| shape | m×n×k | 1 thread | 2 threads |")
        md.append("|---|---|---|---|")
        keys = []
        for r in sg:
            k = (r["shape"], r["m"], r["n"], r["k"])
            if k not in keys:
                keys.append(k)
        for k in keys:
            c = [fmt(stats([r["gflops"] for r in sg if (r["shape"], r["m"], r["n"], r["k"]) == k and
                            r["blas_threads"] == t]), 1) for t in (1, 2)]
            md.append("| %s | %d×%d×%d | %s | %s |" % (k[0], k[1], k[2], k[3], c[0], c[1]))

    # 2. single events
    md.append("\n## 2. Single-event inference latency (µs, median of the per-run medians)\n")
    md.append("| implementation | latency | hepnn infer_run / it |")
    md.append("|---|---|---|")
    hi = stats([r["median_us"] for r in pick(rows, bench="hepnn_infer_b1", variant="infer_run")])
    lat = {"hepnn hn_infer_run": hi,
           "hepnn hn_model_predict (n = 1)": stats([r["median_us"] for r in pick(rows, bench="hepnn_infer_b1",
                                                                                   variant="model_predict")])}
    tv = {}
    for r in pick(rows, bench="torch_infer_b1"):
        tv.setdefault(r["variant"], {}).setdefault(r["config"], []).append(r["median_us"])
    torch_best = {}
    for v, cfgs in tv.items():
        ck, cs = lowest([(c, stats(x)) for c, x in cfgs.items()])
        torch_best[v] = cs
        lat["PyTorch %s (%s)" % (v, ck)] = cs
    lat["FANN fann_run"] = stats([r["median_us"] for r in pick(rows, bench="fann_infer_b1")])
    for k, s in lat.items():
        rr = None
        if s and hi and k != "hepnn hn_infer_run":
            rr = {"median": hi["median"] / s["median"], "min": hi["min"] / s["max"], "max": hi["max"] / s["min"],
                  "n": 1}
        md.append("| %s | %s | %s |" % (k, fmt(s, 2), fmt(rr, 3)))
    out["infer_b1_us"] = lat
    if hi:
        for v, goal in (("eager_no_grad", 0.25), ("torchscript", None), ("fann", 1 / 6.0)):
            if v == "torchscript":
                cands = [s for k, s in torch_best.items() if k != "eager_no_grad" and s]
                s = min(cands, key=lambda x: x["median"]) if cands else None
                goal = 0.4
                name = "single event vs best TorchScript variant"
            elif v == "fann":
                s = lat["FANN fann_run"]
                name = "single event vs FANN"
            else:
                s = torch_best.get(v)
                name = "single event vs PyTorch eager"
            if s:
                target(name, hi["median"] / s["median"], "<= %.3f" % goal, hi["median"] / s["median"] <= goal)

    # 3. batches
    md.append("\n## 3. Batched inference, batch 10^4 (events/s)\n")
    md.append("| implementation | events/s | hepnn / it |")
    md.append("|---|---|---|")
    hbs = {}
    for r in pick(rows, bench="hepnn_infer_batch"):
        hbs.setdefault((r["variant"], r.get("omp_wait", "default")), []).append(r["median_events_per_s"])
    hbs = {k: stats(v) for k, v in hbs.items()}
    hk, hb = best([(k, s) for k, s in hbs.items() if k[0] == "infer_run_batch"])
    pk_, pb = best([(k, s) for k, s in hbs.items() if k[0] == "model_predict"])
    thr = {"hepnn hn_infer_run_batch" + (" (OpenMP wait %s)" % hk[1] if hk else ""): hb,
           "hepnn hn_model_predict" + (" (OpenMP wait %s)" % pk_[1] if pk_ else ""): pb}
    tb = {}
    for r in pick(rows, bench="torch_infer_batch"):
        tb.setdefault("PyTorch %s (%s)" % (r["variant"], r["config"]), []).append(r["median_events_per_s"])
    tb = {k: stats(v) for k, v in tb.items()}
    thr.update(tb)
    for k, s in thr.items():
        md.append("| %s | %s | %s |" % (k, fmt(s), fmt(ratio(hb, s), 2) if not k.startswith("hepnn hn_infer_run_batch")
                                        else ""))
    out["infer_batch_events_per_s"] = thr
    bk, bs = best(tb.items())
    if hb and bs:
        target("batched inference vs PyTorch's best (%s)" % bk, hb["median"] / bs["median"], ">= 1.2",
               hb["median"] / bs["median"] >= 1.2)

    # 4. ROOT
    rt = pick(rows, bench="hepnn_root_dataset")
    if rt:
        r = rt[0]
        md.append("\n## 4. ROOT tree into the training dataset\n")
        md.append("%d entries × %d float branches, file %.0f MB: %.2f s, %s events/s, %.0f MB/s of floats "
                  "(%.0f MB/s of file); peak RSS %.0f MB for a %.0f MB dataset.\n" % (
                      r["entries"], r["branches"], r["file_mb"], r["seconds"],
                      "{:,.0f}".format(r["events_per_s"]).replace(",", " "), r["mb_per_s"], r["file_mb_per_s"],
                      r["peak_rss_mb"], r["dataset_mb"]))
        out["root"] = r

    # 5. scaling
    sc = pick(rows, bench="hepnn_scale")
    if sc:
        md.append("## 5. Scaling: one epoch, batch 256\n")
        md.append("| events | seconds | events/s | peak RSS (MB) | data (MB) |")
        md.append("|---|---|---|---|---|")
        for r in sc:
            md.append("| %d | %.2f | %s | %.0f | %.0f |" % (r["events"], r["seconds"],
                                                            "{:,.0f}".format(r["events_per_s"]).replace(",", " "),
                                                            r["peak_rss_mb"], r["data_mb"]))
        xs = [math.log(r["events"]) for r in sc]
        ys = [math.log(r["seconds"]) for r in sc]
        if len(sc) >= 2 and len(set(xs)) > 1:
            mx, my = statistics.mean(xs), statistics.mean(ys)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
            md.append("\nFitted exponent (seconds ∝ events^k): k = %.3f\n" % slope)
            out["scaling_exponent"] = slope
        out["scaling"] = sc
        tm = pick(rows, bench="torch_memory")
        if tm:
            hm = [r for r in sc if r["events"] == tm[0]["events"]]
            tr = pick(rows, bench="hepnn_train")
            hpeak = hm[0]["peak_rss_mb"] if hm else max((r["peak_rss_mb"] for r in tr if r["events"] ==
                                                         tm[0]["events"]), default=None)
            if hpeak:
                md.append("Peak RSS training on %d events: hepnn %.0f MB, PyTorch %.0f MB.\n" % (
                    tm[0]["events"], hpeak, tm[0]["peak_rss_mb"]))
                target("peak memory training vs PyTorch", hpeak / tm[0]["peak_rss_mb"], "< 1",
                       hpeak < tm[0]["peak_rss_mb"])
    # 6. CNN and LSTM (bench/workload_deep.sh)
    deep = deep_section(rows, md, target)
    if deep:
        out["deep"] = deep

    # 7. training quality (bench/workload_auc.sh)
    q = auc_section(rows, md, target)
    if q:
        out["auc"] = q

    other = sorted({r["bench"] for r in rows} - {
        "machine", "machine_after", "gen", "hepnn_train", "torch_train", "sklearn_train", "sgemm", "sgemm_step",
        "hepnn_infer_b1", "torch_infer_b1", "fann_infer_b1", "hepnn_infer_batch", "torch_infer_batch",
        "hepnn_root_dataset", "hepnn_scale", "torch_memory", "hepnn_deep_train", "hepnn_deep_infer1",
        "torch_deep_train", "torch_deep_infer1", "hepnn_auc", "hepnn_auc_sklearn", "torch_auc"})
    if other:
        md.append("## 8. Other workloads\n")
        for b in other:
            for r in pick(rows, bench=b):
                md.append("- " + json.dumps(r))
    if out["targets"]:
        md.append("\n## Targets (issue 8)\n")
        md.append("| target | measured | goal | met |")
        md.append("|---|---|---|---|")
        for t in out["targets"]:
            md.append("| %s | %.*f | %s | %s |" % (t["target"], t.get("digits", 3), t["value"], t["goal"],
                                                   "yes" if t["met"] else "no"))
    print("\n".join(md))
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
