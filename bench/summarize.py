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

    def target(name, value, goal, ok):
        out["targets"].append({"target": name, "value": value, "goal": goal, "met": ok})

    # 1. training
    md.append("## 1. MLP 28-300-300-300-1 training, one epoch (events/s)\n")
    md.append("| batch | hepnn (best setting) | hepnn settings | PyTorch best setting | PyTorch defaults | "
              "scikit-learn | hepnn / PyTorch | sgemm ceiling | hepnn / ceiling |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    out["train"] = {}
    for batch in sorted({r["batch"] for r in pick(rows, bench="hepnn_train")}):
        hn = {}
        for r in pick(rows, bench="hepnn_train", batch=batch):
            key = "t%d_blas%d" % (r["threads"], r.get("blas_threads", r["threads"]))
            if r.get("omp_wait", "default") != "default":
                key += "_" + r["omp_wait"]
            hn.setdefault(key, []).append(r["events_per_s"])
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
        r_c = ratio(hs, ceil)
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
    other = sorted({r["bench"] for r in rows} - {
        "machine", "machine_after", "gen", "hepnn_train", "torch_train", "sklearn_train", "sgemm", "sgemm_step",
        "hepnn_infer_b1", "torch_infer_b1", "fann_infer_b1", "hepnn_infer_batch", "torch_infer_batch",
        "hepnn_root_dataset", "hepnn_scale", "torch_memory"})
    if other:
        md.append("## 6. Other workloads\n")
        for b in other:
            for r in pick(rows, bench=b):
                md.append("- " + json.dumps(r))
    if out["targets"]:
        md.append("\n## Targets (issue 8)\n")
        md.append("| target | measured | goal | met |")
        md.append("|---|---|---|---|")
        for t in out["targets"]:
            md.append("| %s | %.3f | %s | %s |" % (t["target"], t["value"], t["goal"], "yes" if t["met"] else "no"))
    print("\n".join(md))
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
