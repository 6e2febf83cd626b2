// Reshape (a copy), concatenation and slicing. Around the axis x is viewed as
// (outer, n, inner): each input of concat, and the output of slice, is one
// block of rows of the other side, so forward is a 2-D copy and backward a
// 2-D accumulation.
#include "backend/cuda/k_common.cuh"

// dst[o·dpitch + i] += src[o·spitch + i] for o < outer, i < blk
__global__ static void k_add_2d(float *dst, int64_t dpitch, const float *src, int64_t spitch, int64_t outer,
                                int64_t blk)
{
    HN_GRID_STRIDE(j, outer * blk)
    {
        int64_t o = j / blk, i = j % blk;
        dst[o * dpitch + i] += src[o * spitch + i];
    }
}

static hn_status copy_2d(hn_graph *g, float *dst, int64_t dpitch, const float *src, int64_t spitch, int64_t outer,
                         int64_t blk, const char *what, hn_error *err)
{
    if (outer == 0 || blk == 0)
        return HN_OK;
    if (outer == 1 || (dpitch == blk && spitch == blk)) // one contiguous run
        return hn_cuda_check(cudaMemcpyAsync(dst, src, sizeof(float) * (size_t)(outer * blk), cudaMemcpyDeviceToDevice,
                                             hn_cuda_ctx_of(g)->stream),
                             what, err);
    return hn_cuda_check(cudaMemcpy2DAsync(dst, sizeof(float) * (size_t)dpitch, src, sizeof(float) * (size_t)spitch,
                                           sizeof(float) * (size_t)blk, (size_t)outer, cudaMemcpyDeviceToDevice,
                                           hn_cuda_ctx_of(g)->stream),
                         what, err);
}

static hn_status add_2d(hn_graph *g, float *dst, int64_t dpitch, const float *src, int64_t spitch, int64_t outer,
                        int64_t blk, const char *what, hn_error *err)
{
    if (outer == 0 || blk == 0)
        return HN_OK;
    k_add_2d<<<hn_blocks(outer * blk), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(dst, dpitch, src, spitch,
                                                                                         outer, blk);
    return hn_cuda_launched(what, err);
}

extern "C" hn_status hn_cuda_reshape_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    int64_t n = hn_numel(y);
    return copy_2d(g, y->data, n, y->src[0]->data, n, 1, n, "reshape forward", err);
}

extern "C" hn_status hn_cuda_reshape_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    float *gx = hn_src_grad(y, 0);
    int64_t n = hn_numel(y);
    return gx ? add_2d(g, gx, n, y->grad, n, 1, n, "reshape backward", err) : HN_OK;
}

static hn_status concat_walk(hn_graph *g, hn_tensor *y, int backward, hn_error *err)
{
    int ax = hn_axis_norm((int)y->ip[0], y->ndim);
    int64_t outer, ny, inner;
    hn_split_axis(y, ax, &outer, &ny, &inner);
    int64_t off = 0;
    for (int k = 0; k < y->n_src; k++) {
        hn_tensor *x = y->src[k];
        int64_t blk = x->shape[ax] * inner;
        hn_status st = HN_OK;
        if (!backward)
            st = copy_2d(g, y->data + off, ny * inner, x->data, blk, outer, blk, "concat forward", err);
        else if (hn_src_grad(y, k))
            st = add_2d(g, x->grad, blk, y->grad + off, ny * inner, outer, blk, "concat backward", err);
        if (st)
            return st;
        off += blk;
    }
    return HN_OK;
}

extern "C" hn_status hn_cuda_concat_fwd(hn_graph *g, hn_tensor *y, hn_error *err) { return concat_walk(g, y, 0, err); }
extern "C" hn_status hn_cuda_concat_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return concat_walk(g, y, 1, err); }

// ip = {axis, start, len}
static hn_status slice_walk(hn_graph *g, hn_tensor *y, int backward, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    int ax = hn_axis_norm((int)y->ip[0], x->ndim);
    int64_t outer, nx, inner;
    hn_split_axis(x, ax, &outer, &nx, &inner);
    int64_t start = y->ip[1], len = y->ip[2], blk = len * inner;
    if (!backward)
        return copy_2d(g, y->data, blk, x->data + start * inner, nx * inner, outer, blk, "slice forward", err);
    float *gx = hn_src_grad(y, 0);
    return gx ? add_2d(g, gx + start * inner, nx * inner, y->grad, blk, outer, blk, "slice backward", err) : HN_OK;
}

extern "C" hn_status hn_cuda_slice_fwd(hn_graph *g, hn_tensor *y, hn_error *err) { return slice_walk(g, y, 0, err); }
extern "C" hn_status hn_cuda_slice_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return slice_walk(g, y, 1, err); }

// Batches cut from a data set on the device (hn_tensor_gather_rows).
__global__ static void k_gather_rows(float *dst, const float *src, const int64_t *rows, int64_t n, int64_t len)
{
    HN_GRID_STRIDE(i, n * len)
    {
        int64_t r = i / len;
        dst[i] = src[rows[r] * len + (i - r * len)];
    }
}

extern "C" hn_status hn_cuda_gather_rows(hn_cuda_ctx *c, float *dst, const float *src, const int64_t *rows, int64_t n,
                                         int64_t len, hn_error *err)
{
    k_gather_rows<<<hn_blocks(n * len), HN_CUDA_THREADS, 0, c->stream>>>(dst, src, rows, n, len);
    return hn_cuda_launched("tensor_gather_rows", err);
}
