/* Elementwise functions and activations: x -> y of the same shape.
 * Each backward gives dy/dx from x and y (whichever is cheaper). */
#include <math.h>

#include "backend/cpu/cpu.h"
#include "core/act_math.h"

/* FWD: y as a function of x (and alpha = y->fp[0]);
 * DER: dy/dx from x, y (and alpha). */
#define UNARY(id, FWD, DER)                                                             \
    hn_status hn_cpu_##id##_fwd(hn_graph *g, hn_tensor *t, hn_error *err)              \
    {                                                                                   \
        (void)g;                                                                        \
        (void)err;                                                                      \
        const float *X = t->src[0]->data;                                               \
        float *Y = t->data, alpha = t->fp[0];                                           \
        (void)alpha;                                                                    \
        int64_t n = hn_numel(t);                                                        \
        _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")               \
        for (int64_t i = 0; i < n; i++) {                                               \
            float x = X[i];                                                             \
            Y[i] = (FWD);                                                               \
        }                                                                               \
        return HN_OK;                                                                   \
    }                                                                                   \
    hn_status hn_cpu_##id##_bwd(hn_graph *g, hn_tensor *t, hn_error *err)              \
    {                                                                                   \
        (void)g;                                                                        \
        (void)err;                                                                      \
        float *GX = hn_src_grad(t, 0);                                                  \
        if (!GX)                                                                        \
            return HN_OK;                                                               \
        const float *X = t->src[0]->data, *Y = t->data, *DY = t->grad;                  \
        float alpha = t->fp[0];                                                         \
        (void)alpha;                                                                    \
        int64_t n = hn_numel(t);                                                        \
        _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")               \
        for (int64_t i = 0; i < n; i++) {                                               \
            float x = X[i], y = Y[i];                                                   \
            (void)x;                                                                    \
            (void)y;                                                                    \
            GX[i] += DY[i] * (DER);                                                     \
        }                                                                               \
        return HN_OK;                                                                   \
    }

UNARY(exp, expf(x), y)
UNARY(log, logf(x), 1.0f / x)
UNARY(sqrt, sqrtf(x), 0.5f / y)
UNARY(square, x *x, 2.0f * x)
UNARY(abs, fabsf(x), (x > 0.0f) ? 1.0f : (x < 0.0f ? -1.0f : 0.0f))
UNARY(identity, x, 1.0f)
UNARY(detach, x, 0.0f) /* never called backward: detach stops requires_grad */
/* the activations: core/act_math.h */
#define ACT(id, K) UNARY(id, hn_act_fwd(K, x, alpha, 0.0f), hn_act_der(K, x, y, alpha, 0.0f))
ACT(step, HN_ACT_STEP)
ACT(sigmoid, HN_ACT_SIGMOID)
ACT(tanh, HN_ACT_TANH)
ACT(atan, HN_ACT_ATAN)
ACT(relu, HN_ACT_RELU)
ACT(elu, HN_ACT_ELU)
ACT(softplus, HN_ACT_SOFTPLUS)

/* PReLU: x (B, C, ...), slope a (1) or (C) -> y like x */
static inline int64_t prelu_inner(const hn_tensor *x)
{
    int64_t inner = 1;
    for (int i = 2; i < x->ndim; i++)
        inner *= x->shape[i];
    return inner;
}

hn_status hn_cpu_prelu_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const hn_tensor *xt = y->src[0], *at = y->src[1];
    const float *x = xt->data, *a = at->data;
    int64_t n = hn_numel(y), na = hn_numel(at), inner = prelu_inner(xt);
    float *out = y->data;
#pragma omp parallel for if (n > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float s = na == 1 ? a[0] : a[(i / inner) % na];
        out[i] = hn_act_fwd(HN_ACT_PRELU, x[i], 0.0f, s);
    }
    return HN_OK;
}

hn_status hn_cpu_prelu_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const hn_tensor *xt = y->src[0], *at = y->src[1];
    const float *x = xt->data, *a = at->data, *dy = y->grad;
    float *gx = hn_src_grad(y, 0), *ga = hn_src_grad(y, 1);
    int64_t n = hn_numel(y), na = hn_numel(at), inner = prelu_inner(xt);
    for (int64_t i = 0; i < n; i++) {
        int64_t c = na == 1 ? 0 : (i / inner) % na;
        if (gx)
            gx[i] += dy[i] * hn_act_der(HN_ACT_PRELU, x[i], 0.0f, 0.0f, a[c]);
        if (ga && x[i] <= 0.0f)
            ga[c] += dy[i] * x[i];
    }
    return HN_OK;
}

/* Inverted dropout; the mask (0 or 1/(1−p)) is kept in aux for backward. */
hn_status hn_cpu_dropout_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)err;
    const float *x = y->src[0]->data;
    float *out = y->data, *mask = y->aux, p = y->fp[0];
    int64_t n = hn_numel(y);
    if (!g->training || p == 0.0f) {
        for (int64_t i = 0; i < n; i++) {
            mask[i] = 1.0f;
            out[i] = x[i];
        }
        return HN_OK;
    }
    float keep = 1.0f / (1.0f - p);
    for (int64_t i = 0; i < n; i++) { /* serial: one RNG stream, reproducible */
        mask[i] = hn_rng_uniform(&g->rng) >= (double)p ? keep : 0.0f;
        out[i] = x[i] * mask[i];
    }
    return HN_OK;
}

hn_status hn_cpu_dropout_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return HN_OK;
    const float *dy = y->grad, *mask = y->aux;
    int64_t n = hn_numel(y);
#pragma omp parallel for if (n > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++)
        gx[i] += dy[i] * mask[i];
    return HN_OK;
}
