/* Reductions (sum, mean) and the softmax family along an axis.
 * Along an axis, x is viewed as (outer, n, inner) and y as (outer, inner). */
#include <math.h>
#include <string.h>

#include "backend/cpu/cpu.h"

static void reduce_fwd(hn_tensor *y, int mean)
{
    const hn_tensor *xt = y->src[0];
    const float *x = xt->data;
    int axis = (int)y->ip[0];
    if (axis == HN_AXIS_ALL) {
        int64_t n = hn_numel(xt);
        double s = 0.0; /* serial, in double: deterministic and accurate */
        for (int64_t i = 0; i < n; i++)
            s += x[i];
        y->data[0] = (float)(mean && n ? s / (double)n : s);
        return;
    }
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm(axis, xt->ndim), &outer, &n, &inner);
    float *out = y->data;
    int64_t total = outer * inner;
#pragma omp parallel for if (total * n > HN_PAR_MIN) schedule(static)
    for (int64_t oi = 0; oi < total; oi++) {
        int64_t o = oi / inner, in = oi % inner;
        const float *p = x + o * n * inner + in;
        double s = 0.0;
        for (int64_t k = 0; k < n; k++)
            s += p[k * inner];
        out[oi] = (float)(mean && n ? s / (double)n : s);
    }
}

static void reduce_bwd(hn_tensor *y, int mean)
{
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return;
    const hn_tensor *xt = y->src[0];
    const float *dy = y->grad;
    int axis = (int)y->ip[0];
    if (axis == HN_AXIS_ALL) {
        int64_t n = hn_numel(xt);
        float d = mean && n ? dy[0] / (float)n : dy[0];
#pragma omp parallel for if (n > HN_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++)
            gx[i] += d;
        return;
    }
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm(axis, xt->ndim), &outer, &n, &inner);
    float scale = mean && n ? 1.0f / (float)n : 1.0f;
    int64_t total = outer * n * inner;
#pragma omp parallel for if (total > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < total; i++) {
        int64_t in = i % inner, o = i / (n * inner);
        gx[i] += dy[o * inner + in] * scale;
    }
}

hn_status hn_cpu_sum_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    reduce_fwd(y, 0);
    return HN_OK;
}
hn_status hn_cpu_sum_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    reduce_bwd(y, 0);
    return HN_OK;
}
hn_status hn_cpu_mean_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    reduce_fwd(y, 1);
    return HN_OK;
}
hn_status hn_cpu_mean_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    reduce_bwd(y, 1);
    return HN_OK;
}

/* softmax / log_softmax: x, y (outer, n, inner), normalised along n */
static void softmax_fwd(hn_tensor *y, int logarithm)
{
    const hn_tensor *xt = y->src[0];
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm((int)y->ip[0], xt->ndim), &outer, &n, &inner);
    const float *x = xt->data;
    float *out = y->data;
    int64_t total = outer * inner;
#pragma omp parallel for if (total * n > HN_PAR_MIN) schedule(static)
    for (int64_t oi = 0; oi < total; oi++) {
        int64_t base = (oi / inner) * n * inner + oi % inner;
        float mx = -INFINITY;
        for (int64_t k = 0; k < n; k++)
            mx = fmaxf(mx, x[base + k * inner]);
        double s = 0.0;
        for (int64_t k = 0; k < n; k++)
            s += exp((double)(x[base + k * inner] - mx));
        if (logarithm) {
            float lse = mx + (float)log(s);
            for (int64_t k = 0; k < n; k++)
                out[base + k * inner] = x[base + k * inner] - lse;
        } else {
            for (int64_t k = 0; k < n; k++)
                out[base + k * inner] = (float)(exp((double)(x[base + k * inner] - mx)) / s);
        }
    }
}

static void softmax_bwd(hn_tensor *y, int logarithm)
{
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return;
    const hn_tensor *xt = y->src[0];
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm((int)y->ip[0], xt->ndim), &outer, &n, &inner);
    const float *out = y->data, *dy = y->grad;
    int64_t total = outer * inner;
#pragma omp parallel for if (total * n > HN_PAR_MIN) schedule(static)
    for (int64_t oi = 0; oi < total; oi++) {
        int64_t base = (oi / inner) * n * inner + oi % inner;
        double s = 0.0;
        if (logarithm) { /* dx = dy − softmax · Σ dy */
            for (int64_t k = 0; k < n; k++)
                s += dy[base + k * inner];
            for (int64_t k = 0; k < n; k++) {
                int64_t i = base + k * inner;
                gx[i] += dy[i] - expf(out[i]) * (float)s;
            }
        } else { /* dx = y · (dy − Σ dy·y) */
            for (int64_t k = 0; k < n; k++)
                s += (double)dy[base + k * inner] * out[base + k * inner];
            for (int64_t k = 0; k < n; k++) {
                int64_t i = base + k * inner;
                gx[i] += out[i] * (dy[i] - (float)s);
            }
        }
    }
}

hn_status hn_cpu_softmax_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    softmax_fwd(y, 0);
    return HN_OK;
}
hn_status hn_cpu_softmax_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    softmax_bwd(y, 0);
    return HN_OK;
}
hn_status hn_cpu_log_softmax_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    softmax_fwd(y, 1);
    return HN_OK;
}
hn_status hn_cpu_log_softmax_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    softmax_bwd(y, 1);
    return HN_OK;
}
