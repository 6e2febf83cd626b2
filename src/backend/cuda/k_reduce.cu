// Reductions (sum, mean) and the softmax family along an axis.
// Along an axis, x is viewed as (outer, n, inner) and y as (outer, inner); one
// thread per output sums its n values in order, in double, as the CPU does.
// The full reduction runs in two stages over a fixed grid (deterministic).
#include <math.h>

#include "backend/cuda/k_common.cuh"

// Stage 1: block b sums the elements b, b + B·T, ... (grid-stride) into part[b].
__global__ static void k_sum_stage1(const float *x, int64_t n, double *part)
{
    __shared__ double sh[HN_CUDA_THREADS];
    double s = 0.0;
    HN_GRID_STRIDE(i, n) s += x[i];
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        part[blockIdx.x] = s;
}

// Stage 2: one block adds the partial sums and writes total / div.
__global__ static void k_sum_stage2(const double *part, int nparts, double div, float *y)
{
    __shared__ double sh[HN_CUDA_THREADS];
    double s = 0.0;
    for (int i = threadIdx.x; i < nparts; i += blockDim.x)
        s += part[i];
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        y[0] = (float)(s / div);
}

__global__ static void k_reduce_axis(const float *x, float *y, int64_t total, int64_t n, int64_t inner, int mean)
{
    HN_GRID_STRIDE(oi, total)
    {
        int64_t o = oi / inner, in = oi % inner;
        const float *p = x + o * n * inner + in;
        double s = 0.0;
        for (int64_t k = 0; k < n; k++)
            s += p[k * inner];
        y[oi] = (float)(mean && n ? s / (double)n : s);
    }
}

__global__ static void k_reduce_all_bwd(const float *dy, float *gx, int64_t n, int mean)
{
    float d = mean && n ? dy[0] / (float)n : dy[0];
    HN_GRID_STRIDE(i, n) gx[i] += d;
}

__global__ static void k_reduce_axis_bwd(const float *dy, float *gx, int64_t total, int64_t n, int64_t inner,
                                         float scale)
{
    HN_GRID_STRIDE(i, total)
    {
        int64_t in = i % inner, o = i / (n * inner);
        gx[i] += dy[o * inner + in] * scale;
    }
}

static hn_status reduce_fwd(hn_graph *g, hn_tensor *y, int mean, hn_error *err)
{
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    const hn_tensor *xt = y->src[0];
    int axis = (int)y->ip[0];
    if (axis == HN_AXIS_ALL) {
        int64_t n = hn_numel(xt);
        double div = mean && n ? (double)n : 1.0;
        k_sum_stage1<<<HN_CUDA_RED_BLOCKS, HN_CUDA_THREADS, 0, c->stream>>>(xt->data, n, c->partials);
        k_sum_stage2<<<1, HN_CUDA_THREADS, 0, c->stream>>>(c->partials, HN_CUDA_RED_BLOCKS, div, y->data);
        return HN_LAUNCH_CHECK(mean ? "mean forward" : "sum forward");
    }
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm(axis, xt->ndim), &outer, &n, &inner);
    int64_t total = outer * inner;
    if (total == 0)
        return HN_OK;
    k_reduce_axis<<<hn_blocks(total), HN_CUDA_THREADS, 0, c->stream>>>(xt->data, y->data, total, n, inner, mean);
    return HN_LAUNCH_CHECK(mean ? "mean forward" : "sum forward");
}

static hn_status reduce_bwd(hn_graph *g, hn_tensor *y, int mean, hn_error *err)
{
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return HN_OK;
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    const hn_tensor *xt = y->src[0];
    int axis = (int)y->ip[0];
    if (axis == HN_AXIS_ALL) {
        int64_t n = hn_numel(xt);
        if (n == 0)
            return HN_OK;
        k_reduce_all_bwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, c->stream>>>(y->grad, gx, n, mean);
        return HN_LAUNCH_CHECK(mean ? "mean backward" : "sum backward");
    }
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm(axis, xt->ndim), &outer, &n, &inner);
    float scale = mean && n ? 1.0f / (float)n : 1.0f;
    int64_t total = outer * n * inner;
    if (total == 0)
        return HN_OK;
    k_reduce_axis_bwd<<<hn_blocks(total), HN_CUDA_THREADS, 0, c->stream>>>(y->grad, gx, total, n, inner, scale);
    return HN_LAUNCH_CHECK(mean ? "mean backward" : "sum backward");
}

extern "C" hn_status hn_cuda_sum_fwd(hn_graph *g, hn_tensor *y, hn_error *err) { return reduce_fwd(g, y, 0, err); }
extern "C" hn_status hn_cuda_sum_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return reduce_bwd(g, y, 0, err); }
extern "C" hn_status hn_cuda_mean_fwd(hn_graph *g, hn_tensor *y, hn_error *err) { return reduce_fwd(g, y, 1, err); }
extern "C" hn_status hn_cuda_mean_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return reduce_bwd(g, y, 1, err); }

// --- softmax / log_softmax: x, y (outer, n, inner), normalised along n -----------

__global__ static void k_softmax_fwd(const float *x, float *out, int64_t total, int64_t n, int64_t inner,
                                     int logarithm)
{
    HN_GRID_STRIDE(oi, total)
    {
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

__global__ static void k_softmax_bwd(const float *out, const float *dy, float *gx, int64_t total, int64_t n,
                                     int64_t inner, int logarithm)
{
    HN_GRID_STRIDE(oi, total)
    {
        int64_t base = (oi / inner) * n * inner + oi % inner;
        double s = 0.0;
        if (logarithm) { // dx = dy − softmax · Σ dy
            for (int64_t k = 0; k < n; k++)
                s += dy[base + k * inner];
            for (int64_t k = 0; k < n; k++) {
                int64_t i = base + k * inner;
                gx[i] += dy[i] - expf(out[i]) * (float)s;
            }
        } else { // dx = y · (dy − Σ dy·y)
            for (int64_t k = 0; k < n; k++)
                s += (double)dy[base + k * inner] * out[base + k * inner];
            for (int64_t k = 0; k < n; k++) {
                int64_t i = base + k * inner;
                gx[i] += out[i] * (dy[i] - (float)s);
            }
        }
    }
}

static hn_status softmax_fwd(hn_graph *g, hn_tensor *y, int logarithm, hn_error *err)
{
    const hn_tensor *xt = y->src[0];
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm((int)y->ip[0], xt->ndim), &outer, &n, &inner);
    int64_t total = outer * inner;
    if (total == 0)
        return HN_OK;
    k_softmax_fwd<<<hn_blocks(total), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(xt->data, y->data, total, n,
                                                                                        inner, logarithm);
    return HN_LAUNCH_CHECK("softmax forward");
}

static hn_status softmax_bwd(hn_graph *g, hn_tensor *y, int logarithm, hn_error *err)
{
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return HN_OK;
    const hn_tensor *xt = y->src[0];
    int64_t outer, n, inner;
    hn_split_axis(xt, hn_axis_norm((int)y->ip[0], xt->ndim), &outer, &n, &inner);
    int64_t total = outer * inner;
    if (total == 0)
        return HN_OK;
    k_softmax_bwd<<<hn_blocks(total), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(y->data, y->grad, gx, total, n,
                                                                                        inner, logarithm);
    return HN_LAUNCH_CHECK("softmax backward");
}

extern "C" hn_status hn_cuda_softmax_fwd(hn_graph *g, hn_tensor *y, hn_error *err) { return softmax_fwd(g, y, 0, err); }
extern "C" hn_status hn_cuda_softmax_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return softmax_bwd(g, y, 0, err); }
extern "C" hn_status hn_cuda_log_softmax_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    return softmax_fwd(g, y, 1, err);
}
extern "C" hn_status hn_cuda_log_softmax_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    return softmax_bwd(g, y, 1, err);
}
