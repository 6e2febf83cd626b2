/* L1 / L2 / elastic-net weight penalties on the decay = 1 views. */
#include "optim_internal.h"

#include <math.h>

hn_status hn_penalty_add(const hn_penalty *pen, const hn_param_view *views, int n_views, float *const *grads,
                         double *value, hn_error *err)
{
    if (!pen)
        return hn_error_set(err, HN_ERR_ARG, "hn_penalty_add: pen is NULL");
    if (!isfinite(pen->l1) || pen->l1 < 0)
        return hn_error_set(err, HN_ERR_ARG, "hn_penalty_add: l1 = %g must be finite and >= 0", pen->l1);
    if (!isfinite(pen->l2) || pen->l2 < 0)
        return hn_error_set(err, HN_ERR_ARG, "hn_penalty_add: l2 = %g must be finite and >= 0", pen->l2);
    hn_status st = hn_optim__check_views("hn_penalty_add", views, n_views, err);
    if (st != HN_OK)
        return st;
    if (grads)
        for (int i = 0; i < n_views; i++)
            if (views[i].decay && !grads[i])
                return hn_error_set(err, HN_ERR_ARG, "hn_penalty_add: grads[%d] ('%.64s') is NULL", i,
                                    views[i].name ? views[i].name : "");
    double sq = 0, ab = 0;
    for (int i = 0; i < n_views; i++) {
        if (!views[i].decay)
            continue;
        const float *w = views[i].value;
        int64_t n = views[i].n;
        if (value) {
            double s2, s1;
            hn_optim__sums(w, n, &s2, &s1);
            sq += s2;
            ab += s1;
        }
        if (grads && (pen->l1 != 0 || pen->l2 != 0)) {
            float *g = grads[i];
            const double l1 = pen->l1, l2 = pen->l2;
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
            for (int64_t j = 0; j < n; j++) {
                double sgn = (w[j] > 0) - (w[j] < 0);
                g[j] = (float)(g[j] + l1 * sgn + l2 * (double)w[j]);
            }
        }
    }
    if (value)
        *value = pen->l1 * ab + 0.5 * pen->l2 * sq;
    return HN_OK;
}
