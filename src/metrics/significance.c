/* Significance figures and the cut that maximises one of them. */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>

double hn_significance_s_sqrt_b(double s, double b) { return b > 0 ? s / sqrt(b) : NAN; }

double hn_significance_s_sqrt_sb(double s, double b) { return s + b > 0 ? s / sqrt(s + b) : NAN; }

double hn_significance_asimov(double s, double b)
{
    if (!(b > 0) || !(s + b > 0))
        return NAN;
    double x = s / b, q;
    /* (s+b) ln(1+x) - s = b ((1+x) ln(1+x) - x) cancels for small x; its series
     * is b (x^2/2 - x^3/6 + x^4/12 - x^5/20 + ...) */
    if (fabs(x) < 1e-3)
        q = b * x * x * (0.5 - x / 6.0 + x * x / 12.0 - x * x * x / 20.0);
    else
        q = b * ((1.0 + x) * log1p(x) - x);
    if (q < 0)
        q = 0;
    double z = sqrt(2.0 * q);
    return s < 0 ? -z : z;
}

double hn_significance(hn_significance_kind kind, double s, double b)
{
    switch (kind) {
    case HN_SIGNIFICANCE_S_SQRT_B: return hn_significance_s_sqrt_b(s, b);
    case HN_SIGNIFICANCE_S_SQRT_SB: return hn_significance_s_sqrt_sb(s, b);
    case HN_SIGNIFICANCE_ASIMOV: return hn_significance_asimov(s, b);
    }
    return NAN;
}

hn_status hn_best_cut(const hn_binary_input *in, hn_significance_kind kind, double min_b,
                      hn_cut *out, hn_error *err)
{
    const char *fn = "hn_best_cut";
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "%s: out is NULL", fn);
    if (kind != HN_SIGNIFICANCE_S_SQRT_B && kind != HN_SIGNIFICANCE_S_SQRT_SB &&
        kind != HN_SIGNIFICANCE_ASIMOV)
        return hn_error_set(err, HN_ERR_ARG, "%s: unknown significance kind %d", fn, (int)kind);
    if (isnan(min_b))
        return hn_error_set(err, HN_ERR_ARG, "%s: min_b is NaN", fn);
    hn_status st = hn_mx_check_binary(fn, in, err);
    if (st)
        return st;
    /* no efficiencies here, so one class or a negative total is allowed */
    hn_mx_event *ev = hn_mx_alloc(in->n, sizeof *ev);
    if (!ev)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu events", fn, in->n);
    for (size_t i = 0; i < in->n; i++)
        ev[i] = (hn_mx_event){hn_mx_get(in->score, i), hn_mx_weight(in->weight, i),
                              in->label[i] == in->signal_label};
    hn_mx_sort_desc(ev, in->n);
    double s = 0, b = 0;
    int found = 0;
    for (size_t i = 0; i < in->n;) {
        double score = ev[i].score;
        for (; i < in->n && ev[i].score == score; i++) {
            if (ev[i].sig)
                s += ev[i].w;
            else
                b += ev[i].w;
        }
        if (!(b > 0) || b < min_b)
            continue;
        double z = hn_significance(kind, s, b);
        if (isnan(z))
            continue;
        if (!found || z > out->z) {
            *out = (hn_cut){score, s, b, z};
            found = 1;
        }
    }
    free(ev);
    if (!found)
        return hn_error_set(err, HN_ERR_ARG,
                            "%s: no cut has a selected background weight b > 0 and b >= %g "
                            "(total background weight %g)",
                            fn, min_b, b);
    return HN_OK;
}
