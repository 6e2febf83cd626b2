// Max, average and global average pooling over (B, C, H, W) or (B, C, L)
// (H = 1), as src/backend/cpu/k_pool.c. ip = {kh, kw, stride_h, stride_w,
// pad_h, pad_w}. Forward: one thread per output. Backward gathers: one thread
// per input position adds the gradients of the outputs whose windows hold it,
// in output order (the CPU's order), so no two threads write one value and
// the sums are the same on every run.
#include <math.h>

#include "backend/cuda/k_common.cuh"
#include "core/deep_math.h"

// The outputs along one axis whose windows hold input position i:
// lo <= o < hi with 0 <= i + pad − o·stride < k.
__device__ static inline void covering(int64_t i, int64_t pad, int64_t k, int64_t s, int64_t out, int64_t *lo,
                                       int64_t *hi)
{
    int64_t a = i + pad - k + 1; // o·s >= a
    int64_t first = a <= 0 ? 0 : (a + s - 1) / s;
    int64_t last = (i + pad) / s + 1; // o·s <= i + pad
    *lo = first;
    *hi = last < out ? last : out;
}

// aux: per output, the index of its maximum within the plane (exact in float
// up to 2^24 positions per plane); the first maximum in window order wins.
__global__ static void k_maxpool_fwd(const float *x, float *y, float *aux, hn_pool_dims d)
{
    HN_GRID_STRIDE(o, d.planes * d.oh * d.ow)
    {
        int64_t pl = o / (d.oh * d.ow), r = o % (d.oh * d.ow), arg;
        y[o] = hn_maxpool_window(x + pl * d.h * d.w, &d, r / d.ow, r % d.ow, &arg);
        aux[o] = (float)arg;
    }
}

__global__ static void k_maxpool_bwd(const float *dy, const float *aux, float *gx, hn_pool_dims d)
{
    HN_GRID_STRIDE(k, d.planes * d.h * d.w)
    {
        int64_t pl = k / (d.h * d.w), at = k % (d.h * d.w), iy = at / d.w, ix = at % d.w;
        int64_t ylo, yhi, xlo, xhi;
        covering(iy, d.ph, d.kh, d.sh, d.oh, &ylo, &yhi);
        covering(ix, d.pw, d.kw, d.sw, d.ow, &xlo, &xhi);
        float v = gx[k], me = (float)at;
        for (int64_t oy = ylo; oy < yhi; oy++)
            for (int64_t ox = xlo; ox < xhi; ox++) {
                int64_t o = (pl * d.oh + oy) * d.ow + ox;
                if (aux[o] == me)
                    v += dy[o];
            }
        gx[k] = v;
    }
}

// Average over the window, padded positions counted as zeros.
__global__ static void k_avgpool_fwd(const float *x, float *y, hn_pool_dims d, float inv)
{
    HN_GRID_STRIDE(o, d.planes * d.oh * d.ow)
    {
        int64_t pl = o / (d.oh * d.ow), r = o % (d.oh * d.ow), oy = r / d.ow, ox = r % d.ow;
        float s = 0.0f;
        for (int64_t i = 0; i < d.kh; i++) {
            int64_t iy = oy * d.sh - d.ph + i;
            if (iy < 0 || iy >= d.h)
                continue;
            for (int64_t j = 0; j < d.kw; j++) {
                int64_t ix = ox * d.sw - d.pw + j;
                if (ix >= 0 && ix < d.w)
                    s += x[pl * d.h * d.w + iy * d.w + ix];
            }
        }
        y[o] = s * inv;
    }
}

__global__ static void k_avgpool_bwd(const float *dy, float *gx, hn_pool_dims d, float inv)
{
    HN_GRID_STRIDE(k, d.planes * d.h * d.w)
    {
        int64_t pl = k / (d.h * d.w), at = k % (d.h * d.w), iy = at / d.w, ix = at % d.w;
        int64_t ylo, yhi, xlo, xhi;
        covering(iy, d.ph, d.kh, d.sh, d.oh, &ylo, &yhi);
        covering(ix, d.pw, d.kw, d.sw, d.ow, &xlo, &xhi);
        float v = gx[k];
        for (int64_t oy = ylo; oy < yhi; oy++)
            for (int64_t ox = xlo; ox < xhi; ox++)
                v += dy[(pl * d.oh + oy) * d.ow + ox] * inv;
        gx[k] = v;
    }
}

// One warp per plane, its sum in double.
__global__ static void k_gap_fwd(const float *x, float *y, int64_t planes, int64_t p)
{
    const int lane = threadIdx.x & 31;
    const int64_t warps = (int64_t)gridDim.x * (blockDim.x >> 5);
    for (int64_t i = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5; i < planes; i += warps) {
        double s = 0.0;
        for (int64_t k = lane; k < p; k += 32)
            s += x[i * p + k];
        for (int o = 16; o > 0; o >>= 1)
            s += __shfl_down_sync(0xffffffffu, s, o);
        if (lane == 0)
            y[i] = (float)(s / (double)p);
    }
}

__global__ static void k_gap_bwd(const float *dy, float *gx, int64_t planes, int64_t p)
{
    HN_GRID_STRIDE(k, planes * p)
    gx[k] += dy[k / p] / (float)p;
}

static cudaStream_t stream_of(hn_graph *g) { return hn_cuda_ctx_of(g)->stream; }

extern "C" hn_status hn_cuda_maxpool_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    hn_pool_dims d = hn_pool_dims_of(y);
    if (d.h * d.w > (1 << 24))
        return hn_error_set(err, HN_ERR_SHAPE, "maxpool: %lld positions per plane, at most 2^24",
                            (long long)(d.h * d.w));
    int64_t n = d.planes * d.oh * d.ow;
    if (n == 0)
        return HN_OK;
    k_maxpool_fwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->src[0]->data, y->data, y->aux, d);
    return HN_LAUNCH_CHECK("maxpool forward");
}

extern "C" hn_status hn_cuda_maxpool_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    hn_pool_dims d = hn_pool_dims_of(y);
    float *gx = hn_src_grad(y, 0);
    int64_t n = d.planes * d.h * d.w;
    if (!gx || n == 0)
        return HN_OK;
    k_maxpool_bwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->grad, y->aux, gx, d);
    return HN_LAUNCH_CHECK("maxpool backward");
}

extern "C" hn_status hn_cuda_avgpool_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    hn_pool_dims d = hn_pool_dims_of(y);
    int64_t n = d.planes * d.oh * d.ow;
    if (n == 0)
        return HN_OK;
    k_avgpool_fwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->src[0]->data, y->data, d,
                                                                       1.0f / (float)(d.kh * d.kw));
    return HN_LAUNCH_CHECK("avgpool forward");
}

extern "C" hn_status hn_cuda_avgpool_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    hn_pool_dims d = hn_pool_dims_of(y);
    float *gx = hn_src_grad(y, 0);
    int64_t n = d.planes * d.h * d.w;
    if (!gx || n == 0)
        return HN_OK;
    k_avgpool_bwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->grad, gx, d, 1.0f / (float)(d.kh * d.kw));
    return HN_LAUNCH_CHECK("avgpool backward");
}

// x (B, C, P...) -> y (B, C)
extern "C" hn_status hn_cuda_global_avgpool_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    int64_t planes = hn_numel(y), p = hn_numel(y->src[0]) / (planes > 0 ? planes : 1);
    if (planes == 0)
        return HN_OK;
    k_gap_fwd<<<hn_blocks(32 * planes), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->src[0]->data, y->data, planes, p);
    return HN_LAUNCH_CHECK("global_avgpool forward");
}

extern "C" hn_status hn_cuda_global_avgpool_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    float *gx = hn_src_grad(y, 0);
    int64_t planes = hn_numel(y), p = hn_numel(y->src[0]) / (planes > 0 ? planes : 1);
    if (!gx || planes * p == 0)
        return HN_OK;
    k_gap_bwd<<<hn_blocks(planes * p), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->grad, gx, planes, p);
    return HN_LAUNCH_CHECK("global_avgpool backward");
}
