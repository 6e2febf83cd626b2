/* Batch normalisation per channel: x (B, C, inner) -> y, the same shape.
 * aux keeps the mean and 1/σ used by forward, per channel, and whether they
 * were the batch's (training) or the running ones (evaluation). */
#include <math.h>

#include "backend/cpu/cpu.h"

static void dims(const hn_tensor *x, int64_t *b, int64_t *c, int64_t *inner)
{
    *b = x->shape[0];
    *c = x->shape[1];
    *inner = 1;
    for (int i = 2; i < x->ndim; i++)
        *inner *= x->shape[i];
}

hn_status hn_cpu_batchnorm_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)err;
    const hn_tensor *xt = y->src[0];
    const float *x = xt->data, *gamma = y->src[1]->data, *beta = y->src[2]->data;
    float *rm = y->src[3]->data, *rv = y->src[4]->data, *out = y->data;
    int64_t b, c, inner;
    dims(xt, &b, &c, &inner);
    float *mean = y->aux, *istd = y->aux + c, momentum = y->fp[0], eps = y->fp[1];
    int64_t m = b * inner;
    int batch_stats = g->training;
    y->aux[2 * c] = (float)batch_stats;
#pragma omp parallel for if (b * c * inner > HN_PAR_MIN) schedule(static)
    for (int64_t ch = 0; ch < c; ch++) {
        double mu, var;
        if (batch_stats) {
            double s = 0.0, s2 = 0.0;
            for (int64_t i = 0; i < b; i++)
                for (int64_t k = 0; k < inner; k++)
                    s += x[(i * c + ch) * inner + k];
            mu = s / (double)m;
            for (int64_t i = 0; i < b; i++)
                for (int64_t k = 0; k < inner; k++) {
                    double d = x[(i * c + ch) * inner + k] - mu;
                    s2 += d * d;
                }
            var = s2 / (double)m;
            double unbiased = m > 1 ? s2 / (double)(m - 1) : var;
            rm[ch] = (float)((1.0 - momentum) * rm[ch] + momentum * mu);
            rv[ch] = (float)((1.0 - momentum) * rv[ch] + momentum * unbiased);
        } else {
            mu = rm[ch];
            var = rv[ch];
        }
        mean[ch] = (float)mu;
        istd[ch] = (float)(1.0 / sqrt(var + (double)eps));
        for (int64_t i = 0; i < b; i++)
            for (int64_t k = 0; k < inner; k++) {
                int64_t j = (i * c + ch) * inner + k;
                out[j] = gamma[ch] * (x[j] - mean[ch]) * istd[ch] + beta[ch];
            }
    }
    return HN_OK;
}

hn_status hn_cpu_batchnorm_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const hn_tensor *xt = y->src[0];
    const float *x = xt->data, *gamma = y->src[1]->data, *dy = y->grad;
    float *gx = hn_src_grad(y, 0), *ggamma = hn_src_grad(y, 1), *gbeta = hn_src_grad(y, 2);
    int64_t b, c, inner;
    dims(xt, &b, &c, &inner);
    const float *mean = y->aux, *istd = y->aux + c;
    int batch_stats = y->aux[2 * c] != 0.0f;
    double m = (double)(b * inner);
#pragma omp parallel for if (b * c * inner > HN_PAR_MIN) schedule(static)
    for (int64_t ch = 0; ch < c; ch++) {
        double sdy = 0.0, sdyx = 0.0; /* Σ dy and Σ dy·x̂ over the channel */
        for (int64_t i = 0; i < b; i++)
            for (int64_t k = 0; k < inner; k++) {
                int64_t j = (i * c + ch) * inner + k;
                sdy += dy[j];
                sdyx += (double)dy[j] * (x[j] - mean[ch]) * istd[ch];
            }
        if (ggamma)
            ggamma[ch] += (float)sdyx;
        if (gbeta)
            gbeta[ch] += (float)sdy;
        if (!gx)
            continue;
        for (int64_t i = 0; i < b; i++)
            for (int64_t k = 0; k < inner; k++) {
                int64_t j = (i * c + ch) * inner + k;
                if (batch_stats) { /* μ and σ depend on x too */
                    double xh = (x[j] - mean[ch]) * istd[ch];
                    gx[j] += (float)(gamma[ch] * istd[ch] * (dy[j] - sdy / m - xh * sdyx / m));
                } else {
                    gx[j] += gamma[ch] * istd[ch] * dy[j];
                }
            }
    }
    return HN_OK;
}
