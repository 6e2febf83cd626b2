/* ROC curve, AUC and the TMVA working points. */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double hn_roc_eff_s_points[HN_ROC_N_WORKING_POINTS] = {0.30, 0.50, 0.70};
const double hn_roc_eff_b_points[HN_ROC_N_WORKING_POINTS] = {0.01, 0.10, 0.30};

/* Walks events sorted by decreasing score, one point per group of tied
 * scores, after the empty point 0. Writes the threshold and cumulative signal
 * and background weights of each point into the arrays that are not NULL.
 * Returns the number of points; *area is the trapezoid area in weight units
 * (divide by S*B), i.e. sum over pairs of w_s w_b ([s > b] + [s == b] / 2). */
static size_t roc_scan(const hn_mx_event *ev, size_t n, double *thr, double *cs, double *cb,
                       double *area, double *tot_s, double *tot_b)
{
    double s = 0, b = 0, a = 0;
    size_t k = 0;
    if (thr) {
        thr[0] = INFINITY;
        cs[0] = 0;
        cb[0] = 0;
    }
    k = 1;
    for (size_t i = 0; i < n;) {
        double score = ev[i].score, ds = 0, db = 0;
        for (; i < n && ev[i].score == score; i++) {
            if (ev[i].sig)
                ds += ev[i].w;
            else
                db += ev[i].w;
        }
        /* a tied group is one straight segment: its pairs count one half */
        a += db * (s + 0.5 * ds);
        s += ds;
        b += db;
        if (thr) {
            thr[k] = score;
            cs[k] = s;
            cb[k] = b;
        }
        k++;
    }
    *area = a;
    *tot_s = s;
    *tot_b = b;
    return k;
}

static hn_status check_totals(const char *fn, double s, double b, hn_error *err)
{
    /* the per-class totals were checked before sorting; summing in another
     * order can only move them by rounding, yet a total that cancels to 0 must
     * not become a division by zero */
    if (!(s > 0) || !(b > 0))
        return hn_error_set(err, HN_ERR_ARG,
                            "%s: total signal weight %g, background weight %g: "
                            "efficiencies need positive totals",
                            fn, s, b);
    return HN_OK;
}

hn_status hn_auc(const hn_binary_input *in, double *auc, hn_error *err)
{
    if (!auc)
        return hn_error_set(err, HN_ERR_ARG, "hn_auc: auc is NULL");
    hn_mx_event *ev;
    hn_status st = hn_mx_binary_events("hn_auc", in, &ev, err);
    if (st)
        return st;
    double area, s, b;
    roc_scan(ev, in->n, NULL, NULL, NULL, &area, &s, &b);
    free(ev);
    st = check_totals("hn_auc", s, b, err);
    if (st)
        return st;
    *auc = area / s / b;
    return HN_OK;
}

void hn_roc_free(hn_roc *roc)
{
    if (!roc)
        return;
    free(roc->threshold);
    free(roc->eff_s);
    free(roc->eff_b);
    memset(roc, 0, sizeof *roc);
}

hn_status hn_roc_compute(const hn_binary_input *in, hn_roc *roc, hn_error *err)
{
    const char *fn = "hn_roc_compute";
    if (!roc)
        return hn_error_set(err, HN_ERR_ARG, "%s: roc is NULL", fn);
    memset(roc, 0, sizeof *roc);
    hn_mx_event *ev;
    hn_status st = hn_mx_binary_events(fn, in, &ev, err);
    if (st)
        return st;
    size_t n = in->n, points = 1, ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || ev[i].score != ev[i - 1].score)
            points++;
        ns += (size_t)ev[i].sig;
    }
    double *thr = hn_mx_alloc(points, sizeof *thr);
    double *cs = hn_mx_alloc(points, sizeof *cs);
    double *cb = hn_mx_alloc(points, sizeof *cb);
    if (!thr || !cs || !cb) {
        free(thr);
        free(cs);
        free(cb);
        free(ev);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate a curve of %zu points", fn,
                            points);
    }
    double area, s, b;
    roc_scan(ev, n, thr, cs, cb, &area, &s, &b);
    free(ev);
    st = check_totals(fn, s, b, err);
    if (st) {
        free(thr);
        free(cs);
        free(cb);
        return st;
    }
    for (size_t k = 0; k < points; k++) {
        cs[k] /= s;
        cb[k] /= b;
    }
    roc->n_points = points;
    roc->threshold = thr;
    roc->eff_s = cs;
    roc->eff_b = cb;
    roc->sum_s = s;
    roc->sum_b = b;
    roc->n_s = ns;
    roc->n_b = n - ns;
    return HN_OK;
}

/* Indices kept when thinning with the given step; returns their number, or
 * stops early (returning limit + 1) once more than limit would be kept. */
static size_t thin_pass(const hn_roc *roc, double step, size_t limit, size_t *keep)
{
    size_t m = 0;
    double path = 0;
    keep[m++] = 0;
    for (size_t k = 1; k + 1 < roc->n_points; k++) {
        path += fabs(roc->eff_s[k] - roc->eff_s[k - 1]) + fabs(roc->eff_b[k] - roc->eff_b[k - 1]);
        if (path >= step) {
            if (m + 1 >= limit)
                return limit + 1;
            keep[m++] = k;
            path = 0;
        }
    }
    keep[m++] = roc->n_points - 1;
    return m;
}

hn_status hn_roc_thin(const hn_roc *roc, size_t max_points, hn_roc *out, hn_error *err)
{
    const char *fn = "hn_roc_thin";
    if (!roc || !out || out == roc)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL or aliased argument", fn);
    memset(out, 0, sizeof *out);
    if (roc->n_points < 2 || !roc->eff_s || !roc->eff_b || !roc->threshold)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty ROC curve", fn);
    if (max_points < 3)
        return hn_error_set(err, HN_ERR_ARG, "%s: max_points is %zu; at least 3 are needed", fn,
                            max_points);
    size_t *keep = hn_mx_alloc(roc->n_points, sizeof *keep);
    if (!keep)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu indices", fn,
                            roc->n_points);
    size_t m;
    if (roc->n_points <= max_points) {
        for (size_t k = 0; k < roc->n_points; k++)
            keep[k] = k;
        m = roc->n_points;
    } else {
        /* a monotonic curve has path length 2; a non-monotonic one is longer, so
         * the step doubles until the points fit */
        double step = 2.0 / (double)(max_points - 2);
        while ((m = thin_pass(roc, step, max_points, keep)) > max_points)
            step *= 2;
    }
    double *thr = hn_mx_alloc(m, sizeof *thr), *es = hn_mx_alloc(m, sizeof *es);
    double *eb = hn_mx_alloc(m, sizeof *eb);
    if (!thr || !es || !eb) {
        free(thr);
        free(es);
        free(eb);
        free(keep);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu points", fn, m);
    }
    for (size_t i = 0; i < m; i++) {
        thr[i] = roc->threshold[keep[i]];
        es[i] = roc->eff_s[keep[i]];
        eb[i] = roc->eff_b[keep[i]];
    }
    free(keep);
    *out = *roc;
    out->n_points = m;
    out->threshold = thr;
    out->eff_s = es;
    out->eff_b = eb;
    return HN_OK;
}

double hn_roc_auc(const hn_roc *roc)
{
    if (!roc || roc->n_points < 2)
        return NAN;
    double a = 0;
    for (size_t k = 1; k < roc->n_points; k++)
        a += (roc->eff_b[k] - roc->eff_b[k - 1]) * 0.5 * (roc->eff_s[k] + roc->eff_s[k - 1]);
    return a;
}

static hn_status check_roc_target(const char *fn, const hn_roc *roc, double target, void *out,
                                  hn_error *err)
{
    if (!roc || !out)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL argument", fn);
    if (roc->n_points < 2 || !roc->eff_s || !roc->eff_b)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty ROC curve", fn);
    if (!(target >= 0 && target <= 1))
        return hn_error_set(err, HN_ERR_ARG, "%s: target efficiency %g is outside [0, 1]", fn,
                            target);
    return HN_OK;
}

static double lerp(double x0, double y0, double x1, double y1, double x)
{
    if (x1 == x0)
        return y0;
    return y0 + (y1 - y0) * ((x - x0) / (x1 - x0));
}

hn_status hn_roc_eff_b_at_eff_s(const hn_roc *roc, double target, double *eff_b, hn_error *err)
{
    hn_status st = check_roc_target("hn_roc_eff_b_at_eff_s", roc, target, eff_b, err);
    if (st)
        return st;
    /* the tightest cut that reaches the target; the last point has eff_s == 1 */
    size_t k = 0;
    while (k + 1 < roc->n_points && roc->eff_s[k] < target)
        k++;
    if (k == 0 || roc->eff_s[k] == target)
        *eff_b = roc->eff_b[k];
    else
        *eff_b = lerp(roc->eff_s[k - 1], roc->eff_b[k - 1], roc->eff_s[k], roc->eff_b[k], target);
    return HN_OK;
}

hn_status hn_roc_rejection_at_eff_s(const hn_roc *roc, double target, double *rejection,
                                    hn_error *err)
{
    double eb;
    hn_status st = check_roc_target("hn_roc_rejection_at_eff_s", roc, target, rejection, err);
    if (st)
        return st;
    st = hn_roc_eff_b_at_eff_s(roc, target, &eb, err);
    if (st)
        return st;
    *rejection = eb > 0 ? 1.0 / eb : INFINITY;
    return HN_OK;
}

hn_status hn_roc_eff_s_at_eff_b(const hn_roc *roc, double target, double *eff_s, hn_error *err)
{
    hn_status st = check_roc_target("hn_roc_eff_s_at_eff_b", roc, target, eff_s, err);
    if (st)
        return st;
    /* the loosest cut that stays at or below the target; point 0 has eff_b == 0 */
    size_t k = roc->n_points - 1;
    while (k > 0 && roc->eff_b[k] > target)
        k--;
    if (k + 1 == roc->n_points || roc->eff_b[k] == target)
        *eff_s = roc->eff_s[k];
    else
        *eff_s = lerp(roc->eff_b[k], roc->eff_s[k], roc->eff_b[k + 1], roc->eff_s[k + 1], target);
    return HN_OK;
}

hn_status hn_roc_summarize(const hn_roc *roc, hn_roc_summary *out, hn_error *err)
{
    hn_status st = check_roc_target("hn_roc_summarize", roc, 0.5, out, err);
    if (st)
        return st;
    out->auc = hn_roc_auc(roc);
    for (int i = 0; i < HN_ROC_N_WORKING_POINTS; i++) {
        st = hn_roc_rejection_at_eff_s(roc, hn_roc_eff_s_points[i], &out->rejection_at_eff_s[i],
                                       err);
        if (st)
            return st;
        st = hn_roc_eff_s_at_eff_b(roc, hn_roc_eff_b_points[i], &out->eff_s_at_eff_b[i], err);
        if (st)
            return st;
    }
    return HN_OK;
}

hn_status hn_auc_ovr(size_t n, size_t n_classes, hn_reals scores, const int32_t *label,
                     hn_reals weight, double *auc, double *macro, double *weighted, hn_error *err)
{
    const char *fn = "hn_auc_ovr";
    if (!label || !auc)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL argument", fn);
    if (n == 0 || n_classes == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty input (%zu events, %zu classes)", fn, n,
                            n_classes);
    if (n_classes > (size_t)INT32_MAX || n > SIZE_MAX / n_classes)
        return hn_error_set(err, HN_ERR_ARG, "%s: %zu events x %zu classes is too large", fn, n,
                            n_classes);
    if (n_classes < 2)
        return hn_error_set(err, HN_ERR_ARG, "%s: one-vs-rest needs at least 2 classes", fn);
    hn_status st = hn_mx_check_reals(fn, "scores", scores, n * n_classes, 0, err);
    if (st)
        return st;
    st = hn_mx_check_reals(fn, "weight", weight, n, 1, err);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++)
        if (label[i] < 0 || (size_t)label[i] >= n_classes)
            return hn_error_set(err, HN_ERR_ARG, "%s: label[%zu] = %d is outside [0, %zu)", fn, i,
                                (int)label[i], n_classes);
    hn_mx_event *ev = hn_mx_alloc(n, sizeof *ev);
    if (!ev)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu events", fn, n);
    double sum_auc = 0, sum_wauc = 0, sum_w = 0;
    for (size_t k = 0; k < n_classes; k++) {
        double wk = 0;
        size_t nk = 0;
        for (size_t i = 0; i < n; i++) {
            ev[i].score = hn_mx_get(scores, i * n_classes + k);
            ev[i].w = hn_mx_weight(weight, i);
            ev[i].sig = (size_t)label[i] == k;
            if (ev[i].sig) {
                nk++;
                wk += ev[i].w;
            }
        }
        if (nk == 0 || nk == n) {
            free(ev);
            return hn_error_set(err, HN_ERR_ARG, "%s: class %zu has %s events", fn, k,
                                nk ? "all the" : "no");
        }
        hn_mx_sort_desc(ev, n);
        double area, s, b;
        roc_scan(ev, n, NULL, NULL, NULL, &area, &s, &b);
        st = check_totals(fn, s, b, err);
        if (st) {
            free(ev);
            hn_error_prefix(err, "class %zu", k);
            return st;
        }
        auc[k] = area / s / b;
        sum_auc += auc[k];
        sum_wauc += wk * auc[k];
        sum_w += wk;
    }
    free(ev);
    if (macro)
        *macro = sum_auc / (double)n_classes;
    if (weighted)
        *weighted = sum_wauc / sum_w;
    return HN_OK;
}
