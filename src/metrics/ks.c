/* Kolmogorov–Smirnov two-sample test: statistic, exact and asymptotic
 * p-values, weighted variant, and TMVA's train-versus-test overtraining check. */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>

#define HN_KS_AUTO_EXACT_MAX_N 10000

double hn_kolmogorov_sf(double z)
{
    if (!(z > 0))
        return 1.0;
    const double pi = 3.14159265358979323846;
    if (z < 1.0) {
        /* the alternating series converges slowly for small z; the dual theta
         * series of the CDF converges fast there */
        double sum = 0;
        for (int k = 1; k <= 20; k++) {
            double m = 2.0 * k - 1.0;
            double t = exp(-m * m * pi * pi / (8.0 * z * z));
            sum += t;
            if (t < 1e-300 || t < 1e-18 * sum)
                break;
        }
        double cdf = sqrt(2.0 * pi) / z * sum;
        return cdf < 1.0 ? 1.0 - cdf : 0.0;
    }
    double sum = 0, sign = 1;
    for (int k = 1; k <= 100; k++) {
        double t = exp(-2.0 * k * k * z * z);
        sum += sign * t;
        if (t < 1e-300 || t < 1e-18 * fabs(sum))
            break;
        sign = -sign;
    }
    double p = 2.0 * sum;
    return p < 0 ? 0 : (p > 1 ? 1 : p);
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Probability that a random interleaving of n1 and n2 values reaches
 * |i/n1 - j/n2| >= h / lcm(n1, n2) at some prefix (i from sample 1, j from
 * sample 2). q[j] holds, for the current row i, the probability that a random
 * path to (i, j) has already left the band; a path into (i, j) comes from
 * (i-1, j) with probability i/(i+j), which keeps every value in [0, 1] instead
 * of counting paths (the counts overflow doubles past n ~ 500). */
static double ks_exact_sf(size_t n1, size_t n2, uint64_t h, double *q)
{
    uint64_t g = gcd_u64(n1, n2);
    int64_t a = (int64_t)(n2 / g), b = (int64_t)(n1 / g), hh = (int64_t)h;
    q[0] = 0;
    for (size_t j = 1; j <= n2; j++) {
        int64_t d = -(int64_t)j * b;
        q[j] = (d >= hh || -d >= hh) ? 1.0 : q[j - 1];
    }
    for (size_t i = 1; i <= n1; i++) {
        int64_t d = (int64_t)i * a; /* i*a - j*b for j = 0 */
        q[0] = (d >= hh || -d >= hh) ? 1.0 : q[0];
        double di = (double)i;
        for (size_t j = 1; j <= n2; j++) {
            d -= b;
            if (d >= hh || -d >= hh)
                q[j] = 1.0;
            else
                q[j] = (di * q[j] + (double)j * q[j - 1]) / (di + (double)j);
        }
    }
    return q[n2];
}

/* x1, x2 sorted ascending. */
static hn_status ks_sorted(const char *fn, const double *x1, size_t n1, const double *x2, size_t n2,
                          hn_ks_method method, hn_ks_result *out, hn_error *err)
{
    /* D * n1 * n2 is the integer max |i n2 - j n1|: exact, and the form the
     * exact distribution needs */
    uint64_t dmax = 0;
    size_t i = 0, j = 0;
    while (i < n1 || j < n2) {
        double v = (j >= n2 || (i < n1 && x1[i] <= x2[j])) ? x1[i] : x2[j];
        while (i < n1 && x1[i] == v)
            i++;
        while (j < n2 && x2[j] == v)
            j++;
        uint64_t p = (uint64_t)i * n2, q = (uint64_t)j * n1;
        uint64_t d = p > q ? p - q : q - p;
        if (d > dmax)
            dmax = d;
    }
    out->d = (double)dmax / ((double)n1 * (double)n2);
    out->n_eff1 = (double)n1;
    out->n_eff2 = (double)n2;
    if (method == HN_KS_AUTO)
        method = (n1 <= HN_KS_AUTO_EXACT_MAX_N && n2 <= HN_KS_AUTO_EXACT_MAX_N) ? HN_KS_EXACT
                                                                              : HN_KS_ASYMP;
    out->method = method;
    if (method == HN_KS_EXACT) {
        if ((double)n1 * (double)n2 > HN_KS_EXACT_MAX_CELLS)
            return hn_error_set(err, HN_ERR_ARG,
                                "%s: exact p-value for samples of %zu and %zu values would take "
                                "%g steps (limit %g); use the asymptotic method",
                                fn, n1, n2, (double)n1 * (double)n2, HN_KS_EXACT_MAX_CELLS);
        uint64_t h = dmax / gcd_u64(n1, n2);
        if (h == 0) {
            out->p_value = 1.0;
            return HN_OK;
        }
        double *q = hn_mx_alloc(n2 + 1, sizeof *q);
        if (!q)
            return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu doubles", fn, n2 + 1);
        double p = ks_exact_sf(n1, n2, h, q);
        free(q);
        out->p_value = p < 0 ? 0 : (p > 1 ? 1 : p);
        return HN_OK;
    }
    double en = (double)n1 * (double)n2 / ((double)n1 + (double)n2);
    out->p_value = hn_kolmogorov_sf(sqrt(en) * out->d);
    return HN_OK;
}

static hn_status check_method(const char *fn, hn_ks_method m, hn_error *err)
{
    if (m != HN_KS_AUTO && m != HN_KS_EXACT && m != HN_KS_ASYMP)
        return hn_error_set(err, HN_ERR_ARG, "%s: unknown method %d", fn, (int)m);
    return HN_OK;
}

hn_status hn_ks_2samp(size_t n1, hn_reals x1, size_t n2, hn_reals x2, hn_ks_method method,
                      hn_ks_result *out, hn_error *err)
{
    const char *fn = "hn_ks_2samp";
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "%s: out is NULL", fn);
    if (n1 == 0 || n2 == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty sample (%zu and %zu values)", fn, n1, n2);
    hn_status st = check_method(fn, method, err);
    if (!st)
        st = hn_mx_check_reals(fn, "x1", x1, n1, 0, err);
    if (!st)
        st = hn_mx_check_reals(fn, "x2", x2, n2, 0, err);
    if (st)
        return st;
    double *a = hn_mx_alloc(n1, sizeof *a), *b = hn_mx_alloc(n2, sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot copy %zu + %zu values", fn, n1, n2);
    }
    for (size_t i = 0; i < n1; i++)
        a[i] = hn_mx_get(x1, i);
    for (size_t i = 0; i < n2; i++)
        b[i] = hn_mx_get(x2, i);
    hn_mx_sort_doubles(a, n1);
    hn_mx_sort_doubles(b, n2);
    st = ks_sorted(fn, a, n1, b, n2, method, out, err);
    free(a);
    free(b);
    return st;
}

/* a, b: events (score, weight); sorted here. */
static hn_status ks_weighted_events(const char *fn, hn_mx_event *a, size_t n1, hn_mx_event *b,
                                    size_t n2, hn_ks_result *out, hn_error *err)
{
    double w1 = 0, w1sq = 0, w2 = 0, w2sq = 0;
    for (size_t i = 0; i < n1; i++) {
        w1 += a[i].w;
        w1sq += a[i].w * a[i].w;
    }
    for (size_t i = 0; i < n2; i++) {
        w2 += b[i].w;
        w2sq += b[i].w * b[i].w;
    }
    if (!(w1 > 0) || !(w2 > 0))
        return hn_error_set(err, HN_ERR_ARG,
                            "%s: total weights are %g and %g; the weighted test needs both "
                            "positive",
                            fn, w1, w2);
    hn_mx_sort_desc(a, n1);
    hn_mx_sort_desc(b, n2);
    /* walk both from the end: ascending values */
    size_t i = n1, j = n2;
    double c1 = 0, c2 = 0, d = 0;
    while (i > 0 || j > 0) {
        double v = (j == 0 || (i > 0 && a[i - 1].score <= b[j - 1].score)) ? a[i - 1].score
                                                                            : b[j - 1].score;
        while (i > 0 && a[i - 1].score == v)
            c1 += a[--i].w;
        while (j > 0 && b[j - 1].score == v)
            c2 += b[--j].w;
        double diff = fabs(c1 / w1 - c2 / w2);
        if (diff > d)
            d = diff;
    }
    out->d = d;
    out->n_eff1 = w1 * w1 / w1sq;
    out->n_eff2 = w2 * w2 / w2sq;
    out->method = HN_KS_ASYMP;
    double en = out->n_eff1 * out->n_eff2 / (out->n_eff1 + out->n_eff2);
    out->p_value = hn_kolmogorov_sf(sqrt(en) * d);
    return HN_OK;
}

hn_status hn_ks_2samp_weighted(size_t n1, hn_reals x1, hn_reals w1, size_t n2, hn_reals x2,
                               hn_reals w2, hn_ks_result *out, hn_error *err)
{
    const char *fn = "hn_ks_2samp_weighted";
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "%s: out is NULL", fn);
    if (n1 == 0 || n2 == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty sample (%zu and %zu values)", fn, n1, n2);
    hn_status st = hn_mx_check_reals(fn, "x1", x1, n1, 0, err);
    if (!st)
        st = hn_mx_check_reals(fn, "x2", x2, n2, 0, err);
    if (!st)
        st = hn_mx_check_reals(fn, "w1", w1, n1, 1, err);
    if (!st)
        st = hn_mx_check_reals(fn, "w2", w2, n2, 1, err);
    if (st)
        return st;
    hn_mx_event *a = hn_mx_alloc(n1, sizeof *a), *b = hn_mx_alloc(n2, sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot copy %zu + %zu values", fn, n1, n2);
    }
    for (size_t i = 0; i < n1; i++)
        a[i] = (hn_mx_event){hn_mx_get(x1, i), hn_mx_weight(w1, i), 0};
    for (size_t i = 0; i < n2; i++)
        b[i] = (hn_mx_event){hn_mx_get(x2, i), hn_mx_weight(w2, i), 1};
    st = ks_weighted_events(fn, a, n1, b, n2, out, err);
    free(a);
    free(b);
    return st;
}

/* Copies the events of one class (is_signal) of in into ev; returns their count. */
static size_t select_class(const hn_binary_input *in, int is_signal, hn_mx_event *ev)
{
    size_t m = 0;
    for (size_t i = 0; i < in->n; i++)
        if ((in->label[i] == in->signal_label) == is_signal)
            ev[m++] = (hn_mx_event){hn_mx_get(in->score, i), hn_mx_weight(in->weight, i), 0};
    return m;
}

hn_status hn_ks_overtraining(const hn_binary_input *train, const hn_binary_input *test,
                             hn_ks_method method, hn_ks_result *signal,
                             hn_ks_result *background, hn_error *err)
{
    const char *fn = "hn_ks_overtraining";
    if (!signal || !background)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL result", fn);
    hn_status st = check_method(fn, method, err);
    if (!st && (st = hn_mx_check_binary(fn, train, err)))
        hn_error_prefix(err, "training sample");
    if (!st && (st = hn_mx_check_binary(fn, test, err)))
        hn_error_prefix(err, "test sample");
    if (st)
        return st;
    if (train->signal_label != test->signal_label)
        return hn_error_set(err, HN_ERR_ARG, "%s: signal labels differ (%d for training, %d for test)",
                            fn, (int)train->signal_label, (int)test->signal_label);
    int weighted = train->weight.data || test->weight.data;
    hn_mx_event *a = hn_mx_alloc(train->n, sizeof *a), *b = hn_mx_alloc(test->n, sizeof *b);
    double *xa = NULL, *xb = NULL;
    if (!weighted) {
        xa = hn_mx_alloc(train->n, sizeof *xa);
        xb = hn_mx_alloc(test->n, sizeof *xb);
    }
    if (!a || !b || (!weighted && (!xa || !xb))) {
        st = hn_error_set(err, HN_ERR_NOMEM, "%s: cannot copy %zu + %zu events", fn, train->n,
                          test->n);
        goto done;
    }
    for (int cls = 1; cls >= 0; cls--) {
        const char *name = cls ? "signal" : "background";
        hn_ks_result *res = cls ? signal : background;
        size_t n1 = select_class(train, cls, a), n2 = select_class(test, cls, b);
        if (n1 == 0 || n2 == 0) {
            st = hn_error_set(err, HN_ERR_ARG, "%s: no %s events in the %s sample", fn, name,
                              n1 == 0 ? "training" : "test");
            goto done;
        }
        if (weighted) {
            st = ks_weighted_events(fn, a, n1, b, n2, res, err);
        } else {
            for (size_t i = 0; i < n1; i++)
                xa[i] = a[i].score;
            for (size_t i = 0; i < n2; i++)
                xb[i] = b[i].score;
            hn_mx_sort_doubles(xa, n1);
            hn_mx_sort_doubles(xb, n2);
            st = ks_sorted(fn, xa, n1, xb, n2, method, res, err);
        }
        if (st) {
            hn_error_prefix(err, "%s", name);
            goto done;
        }
    }
done:
    free(a);
    free(b);
    free(xa);
    free(xb);
    return st;
}
