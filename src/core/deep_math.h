/* Internal: the geometry of the convolution and pooling ops and the
 * per-unit arithmetic of max pooling and of the recurrent cells (gate
 * functions, backward),
 * written once for the CPU backend and the CUDA kernels (nvcc compiles this
 * header too; HN_HD makes the functions callable on both sides), so both
 * read a window and differentiate a cell the same way. */
#ifndef HN_CORE_DEEP_MATH_H
#define HN_CORE_DEEP_MATH_H

#include <math.h>
#include <stdint.h>

#include "core/act_math.h"
#include "core/graph_impl.h"

/* Spatial extent of a (B, C, H, W) or (B, C, L) tensor (H = 1). */
static inline int64_t hn_sp_h(const hn_tensor *t) { return t->ndim == 4 ? t->shape[2] : 1; }
static inline int64_t hn_sp_w(const hn_tensor *t) { return t->shape[t->ndim - 1]; }

/* An image (c, h, w) seen through a kernel (kh, kw, strides, top/left
 * padding, dilations): a grid (oh, ow) of positions. */
typedef struct {
    int64_t c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw;
} hn_conv_geom;

/* A convolution: the image is x, the grid is y. */
static inline hn_conv_geom hn_conv_geom_of(const hn_tensor *y)
{
    const hn_tensor *x = y->src[0], *w = y->src[1];
    hn_conv_geom q = {x->shape[1], hn_sp_h(x), hn_sp_w(x), hn_sp_h(y), hn_sp_w(y), hn_sp_h(w), hn_sp_w(w),
                      y->ip[0],    y->ip[1],   y->ip[2],   y->ip[3],   y->ip[4],   y->ip[5]};
    return q;
}

/* A transposed convolution: the image is y, the grid is x. */
static inline hn_conv_geom hn_convt_geom_of(const hn_tensor *y)
{
    const hn_tensor *x = y->src[0], *w = y->src[1];
    hn_conv_geom q = {y->shape[1], y->shape[2], y->shape[3], x->shape[2], x->shape[3], w->shape[2], w->shape[3],
                      y->ip[0],    y->ip[1],    y->ip[2],    y->ip[3],    y->ip[4],    y->ip[5]};
    return q;
}

/* Pooling of planes (B·C) of h × w into oh × ow; ip = {kh, kw, stride_h,
 * stride_w, pad_h, pad_w}. */
typedef struct {
    int64_t planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw;
} hn_pool_dims;

static inline hn_pool_dims hn_pool_dims_of(const hn_tensor *y)
{
    const hn_tensor *x = y->src[0];
    hn_pool_dims d = {x->shape[0] * x->shape[1], hn_sp_h(x), hn_sp_w(x), hn_sp_h(y), hn_sp_w(y),
                      y->ip[0],                  y->ip[1],   y->ip[2],   y->ip[3],   y->ip[4], y->ip[5]};
    return d;
}

/* The maximum of output (oy, ox)'s window over plane xp, padding skipped:
 * the first maximum in window order wins; *arg is its index in the plane
 * (−1 when the window holds no position). */
static inline HN_HD float hn_maxpool_window(const float *xp, const hn_pool_dims *d, int64_t oy, int64_t ox,
                                            int64_t *arg)
{
    float best = -INFINITY;
    *arg = -1;
    for (int64_t i = 0; i < d->kh; i++) {
        int64_t iy = oy * d->sh - d->ph + i;
        if (iy < 0 || iy >= d->h)
            continue;
        for (int64_t j = 0; j < d->kw; j++) {
            int64_t ix = ox * d->sw - d->pw + j;
            if (ix < 0 || ix >= d->w)
                continue;
            float v = xp[iy * d->w + ix];
            if (v > best || *arg < 0) {
                best = v;
                *arg = iy * d->w + ix;
            }
        }
    }
    return best;
}

/* exp for the recurrent cells' gates, written so the compiler can vectorise
 * the CPU's loops that call it (libm's expf and tanhf are scalar calls and
 * took half the time of an LSTM step), and used by the CUDA kernels too so
 * both sides compute the same function: x = n·ln 2 + r with |r| <= ln2/2,
 * exp(r) by its Taylor series to r^7 (truncation below 1e-8 relative, under
 * float rounding), times 2^n built in the exponent bits. Inputs are clamped
 * to [−87, 88], where 2^n stays a normal float; exp(−87) ≈ 1.6e-38 is zero
 * for every use here. */
static inline HN_HD float hn_exp_gate(float x)
{
    x = x < -87.0f ? -87.0f : x; /* ternaries, not fminf/fmaxf: those only vectorise with finite-math */
    x = x > 88.0f ? 88.0f : x;
    /* round to nearest by adding and removing 1.5·2^23 (no branch, no floorf) */
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693145752f - n * 1.42860677e-6f; /* ln 2 split in two for an exact n·ln2_hi */
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    union {
        int32_t i;
        float f;
    } scale;
    scale.i = ((int32_t)n + 127) << 23;
    return p * scale.f;
}

static inline HN_HD float hn_sigm_gate(float v) { return 1.0f / (1.0f + hn_exp_gate(-v)); }

/* tanh from one exp of −2|x|: (1 − e)/(1 + e) with the sign of x; absolute
 * error of a few 1e-8 near 0, where the difference cancels. */
static inline HN_HD float hn_tanh_gate(float v)
{
    float e = hn_exp_gate(-2.0f * fabsf(v)), t = (1.0f - e) / (1.0f + e);
    return copysignf(t, v);
}

/* One LSTM unit's backward, example n, unit j of h: gates act (B, 4H) after
 * activation, tc = tanh(c) (B, H), dy (B, 2H) = [dh, dc], c_prev (B, H) or
 * NULL (first step) -> adds the four gates' pre-activation gradients to ggx
 * and ggh (B, 4H) and the gradient of c_prev to gcp, each where not NULL. */
static inline HN_HD void hn_lstm_unit_bwd(const float *act, const float *tc, const float *dy, const float *cp,
                                          float *ggx, float *ggh, float *gcp, int64_t n, int64_t j, int64_t h)
{
    const float *a = act + n * 4 * h;
    float i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j], t = tc[n * h + j];
    float dh = dy[n * 2 * h + j], dc = dy[n * 2 * h + h + j] + dh * o * (1.0f - t * t);
    float c_prev = cp ? cp[n * h + j] : 0.0f;
    float d[4] = {dc * g * i * (1.0f - i), dc * c_prev * f * (1.0f - f), dc * i * (1.0f - g * g),
                  dh * t * o * (1.0f - o)};
    for (int k = 0; k < 4; k++) {
        int64_t at = n * 4 * h + k * h + j;
        if (ggx)
            ggx[at] += d[k];
        if (ggh)
            ggh[at] += d[k];
    }
    if (gcp)
        gcp[n * h + j] += dc * f;
}

/* One GRU unit's backward: r, z, n (after activation), dh, h_prev and the
 * hidden part of n's pre-activation (gh's third block) -> the pre-activation
 * gradients of r, z and n (n's hidden part gets d[2]·r). */
static inline HN_HD void hn_gru_unit_bwd(float r, float z, float nn, float dh, float hprev, float gh_n, float d[3])
{
    d[2] = dh * (1.0f - z) * (1.0f - nn * nn);
    d[1] = dh * (hprev - nn) * z * (1.0f - z);
    d[0] = d[2] * gh_n * r * (1.0f - r);
}

#endif
