/* Global gradient norms and clipping by norm. */
#include "optim_internal.h"

#include <math.h>

hn_status hn_grad_norm(const hn_param_view *views, int n_views, double *norm, hn_error *err)
{
    if (!norm)
        return hn_error_set(err, HN_ERR_ARG, "hn_grad_norm: norm is NULL");
    hn_status st = hn_optim__check_views("hn_grad_norm", views, n_views, err);
    if (st != HN_OK)
        return st;
    double sq = 0;
    for (int i = 0; i < n_views; i++) {
        double s;
        hn_optim__sums(views[i].grad, views[i].n, &s, NULL);
        sq += s;
    }
    *norm = sqrt(sq);
    return HN_OK;
}

double hn_clip_coef(double norm, double max_norm)
{
    /* the 1e-6 keeps a zero norm finite; PyTorch adds the same */
    double c = max_norm / (norm + 1e-6);
    return c < 1.0 ? c : 1.0;
}

hn_status hn_clip_grad_norm(const hn_param_view *views, int n_views, float *const *grads, double max_norm,
                            double *norm, hn_error *err)
{
    hn_status st = hn_optim__check_views("hn_clip_grad_norm", views, n_views, err);
    if (st != HN_OK)
        return st;
    if (!grads)
        return hn_error_set(err, HN_ERR_ARG, "hn_clip_grad_norm: grads is NULL");
    if (!(max_norm > 0) || !isfinite(max_norm))
        return hn_error_set(err, HN_ERR_ARG, "hn_clip_grad_norm: max_norm = %g must be finite and > 0",
                            max_norm);
    double sq = 0;
    for (int i = 0; i < n_views; i++) {
        if (!grads[i])
            return hn_error_set(err, HN_ERR_ARG, "hn_clip_grad_norm: grads[%d] ('%.64s') is NULL", i,
                                views[i].name ? views[i].name : "");
        double s;
        hn_optim__sums(grads[i], views[i].n, &s, NULL);
        sq += s;
    }
    double nrm = sqrt(sq);
    if (norm)
        *norm = nrm;
    if (!isfinite(nrm))
        return hn_error_set(err, HN_ERR_NUMERIC, "hn_clip_grad_norm: the global gradient norm is %g", nrm);
    double c = hn_clip_coef(nrm, max_norm);
    if (c >= 1.0)
        return HN_OK;
    for (int i = 0; i < n_views; i++) {
        float *g = grads[i];
        int64_t n = views[i].n;
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int64_t j = 0; j < n; j++)
            g[j] = (float)(g[j] * c);
    }
    return HN_OK;
}
