/* Regression figures: errors and the resolution of the relative residual. */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>

static hn_status check_pair(const char *fn, size_t n, hn_reals pred, hn_reals truth,
                            hn_reals weight, hn_error *err)
{
    if (n == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty input (0 events)", fn);
    hn_status st = hn_mx_check_reals(fn, "pred", pred, n, 0, err);
    if (!st)
        st = hn_mx_check_reals(fn, "truth", truth, n, 0, err);
    if (!st)
        st = hn_mx_check_reals(fn, "weight", weight, n, 1, err);
    return st;
}

hn_status hn_regression_errors(size_t n, hn_reals pred, hn_reals truth, hn_reals weight,
                               double *mse, double *mae, hn_error *err)
{
    const char *fn = "hn_regression_errors";
    hn_status st = check_pair(fn, n, pred, truth, weight, err);
    if (st)
        return st;
    double sw = 0, s2 = 0, s1 = 0;
    for (size_t i = 0; i < n; i++) {
        double w = hn_mx_weight(weight, i), d = hn_mx_get(pred, i) - hn_mx_get(truth, i);
        sw += w;
        s2 += w * d * d;
        s1 += w * fabs(d);
    }
    if (!(sw > 0))
        return hn_error_set(err, HN_ERR_ARG, "%s: total event weight is %g; it must be positive",
                            fn, sw);
    if (mse)
        *mse = s2 / sw;
    if (mae)
        *mae = s1 / sw;
    return HN_OK;
}

/* Weighted quantile q of the sorted values x (weights w >= 0, total sw > 0):
 * value k sits at cumulative fraction (C_k - w_k / 2) / sw, the midpoint of
 * its own weight, and the quantile interpolates linearly between those
 * positions (clamped to the extremes). With unit weights the positions are
 * (k - 1/2) / n: numpy's method='hazen'. */
static double weighted_quantile(const hn_mx_event *x, size_t n, double sw, double q)
{
    double c = 0, prev_pos = 0, prev_x = x[0].score;
    for (size_t k = 0; k < n; k++) {
        double pos = (c + 0.5 * x[k].w) / sw;
        c += x[k].w;
        if (q <= pos) {
            if (k == 0 || pos == prev_pos)
                return x[k].score;
            return prev_x + (x[k].score - prev_x) * ((q - prev_pos) / (pos - prev_pos));
        }
        prev_pos = pos;
        prev_x = x[k].score;
    }
    return x[n - 1].score;
}

hn_status hn_resolution_compute(size_t n, hn_reals pred, hn_reals truth, hn_reals weight,
                                hn_resolution *out, hn_error *err)
{
    const char *fn = "hn_resolution_compute";
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "%s: out is NULL", fn);
    hn_status st = check_pair(fn, n, pred, truth, weight, err);
    if (st)
        return st;
    double sw = 0, sr = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double t = hn_mx_get(truth, i), w = hn_mx_weight(weight, i);
        if (t == 0)
            return hn_error_set(err, HN_ERR_NUMERIC,
                                "%s: truth[%zu] is 0: the relative residual is undefined", fn, i);
        if (w < 0)
            return hn_error_set(err, HN_ERR_ARG,
                                "%s: weight[%zu] = %g is negative: weighted quantiles need "
                                "non-negative weights",
                                fn, i, w);
        double r = (hn_mx_get(pred, i) - t) / t;
        if (!isfinite(r))
            return hn_error_set(err, HN_ERR_NUMERIC, "%s: relative residual %zu overflows", fn, i);
        sw += w;
        sr += w * r;
        m += w > 0;
    }
    if (!(sw > 0))
        return hn_error_set(err, HN_ERR_ARG, "%s: total event weight is %g; it must be positive",
                            fn, sw);
    double mean = sr / sw, sv = 0;
    /* zero-weight events are left out of the quantiles: they must not add
     * interpolation nodes */
    hn_mx_event *x = hn_mx_alloc(m, sizeof *x);
    if (!x)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu values", fn, m);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double t = hn_mx_get(truth, i), w = hn_mx_weight(weight, i);
        double r = (hn_mx_get(pred, i) - t) / t;
        sv += w * (r - mean) * (r - mean);
        if (w > 0)
            x[k++] = (hn_mx_event){-r, w, 0}; /* negated: the sort is descending */
    }
    hn_mx_sort_desc(x, m);
    for (size_t i = 0; i < m; i++)
        x[i].score = -x[i].score;
    out->bias = mean;
    out->sigma = sqrt(sv / sw);
    out->median = weighted_quantile(x, m, sw, 0.5);
    out->sigma_robust =
        0.5 * (weighted_quantile(x, m, sw, 0.84) - weighted_quantile(x, m, sw, 0.16));
    free(x);
    return HN_OK;
}
