// Convolution and transposed convolution lowered to cuBLAS products, as
// src/backend/cpu/k_conv.c (same workspace layout in aux, same products).
//
// Convolution: im2col writes every image's receptive fields as columns,
// col_n (C·kh·kw, P) with P = Ho·Wo, and y_n (Cout, P) = W (Cout, K) · col_n
// for all images is one strided batched product. Backward: dW sums the
// images' products in batch order (a chunk of images' products at once into
// the context's workspace, then summed image by image; without room, one
// accumulating product per image); dcol_n = Wᵀ · dy_n is one strided batched product, gathered
// back into the image per input position (each position sums its taps in the
// CPU's order; no two threads write one value); the bias gradient sums as the
// CPU does.
// Transposed convolution: rows = X (B·H·W, Cin) · W for the whole batch,
// gathered into the image per output position; backward runs the CPU's
// im2row and two products.
#include "backend/cuda/k_common.cuh"
#include "core/deep_math.h"

// The image value under tap (ci, i, j) at grid position (oy, ox), or 0 outside.
__device__ static inline float tap(const float *img, const hn_conv_geom &q, int64_t ci, int64_t i, int64_t j,
                                   int64_t oy, int64_t ox)
{
    int64_t iy = oy * q.sh - q.pt + i * q.dh, ix = ox * q.sw - q.pl + j * q.dw;
    return iy >= 0 && iy < q.h && ix >= 0 && ix < q.w ? img[(ci * q.h + iy) * q.w + ix] : 0.0f;
}

// col (B, K, P) from img (B, c, h, w): one thread per value.
__global__ static void k_im2col(const float *img, float *col, hn_conv_geom q, int64_t b)
{
    const int64_t p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    HN_GRID_STRIDE(e, b * k * p)
    {
        int64_t n = e / (k * p), r = (e / p) % k, pos = e % p;
        int64_t ci = r / (q.kh * q.kw), i = (r / q.kw) % q.kh, j = r % q.kw;
        col[e] = tap(img + n * q.c * q.h * q.w, q, ci, i, j, pos / q.ow, pos % q.ow);
    }
}

// rows (B, P, K) from img (B, c, h, w): the transposed convolution's im2row.
__global__ static void k_im2row(const float *img, float *rows, hn_conv_geom q, int64_t b)
{
    const int64_t p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    HN_GRID_STRIDE(e, b * p * k)
    {
        int64_t n = e / (p * k), pos = (e / k) % p, r = e % k;
        int64_t ci = r / (q.kh * q.kw), i = (r / q.kw) % q.kh, j = r % q.kw;
        rows[e] = tap(img + n * q.c * q.h * q.w, q, ci, i, j, pos / q.ow, pos % q.ow);
    }
}

// The grid coordinate o with o·s − pad + t·d == at, or −1.
__device__ static inline int64_t grid_at(int64_t at, int64_t t, int64_t s, int64_t pad, int64_t d, int64_t out)
{
    int64_t v = at + pad - t * d;
    if (v < 0 || v % s)
        return -1;
    v /= s;
    return v < out ? v : -1;
}

// img (B, c, h, w) += col2im(col (B, K, P)): one thread per image value,
// its taps in (i, j) order, as the CPU's col2im adds them.
__global__ static void k_col2im(const float *col, float *img, hn_conv_geom q, int64_t b)
{
    const int64_t p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    HN_GRID_STRIDE(e, b * q.c * q.h * q.w)
    {
        int64_t n = e / (q.c * q.h * q.w), ci = (e / (q.h * q.w)) % q.c, iy = (e / q.w) % q.h, ix = e % q.w;
        const float *cn = col + n * k * p;
        float v = img[e];
        for (int64_t i = 0; i < q.kh; i++) {
            int64_t oy = grid_at(iy, i, q.sh, q.pt, q.dh, q.oh);
            if (oy < 0)
                continue;
            for (int64_t j = 0; j < q.kw; j++) {
                int64_t ox = grid_at(ix, j, q.sw, q.pl, q.dw, q.ow);
                if (ox >= 0)
                    v += cn[((ci * q.kh + i) * q.kw + j) * p + oy * q.ow + ox];
            }
        }
        img[e] = v;
    }
}

// img (B, c, h, w) = bias + row2im(rows (B, P, K)): one thread per image
// value, its grid positions in increasing order (taps in decreasing order),
// as the CPU's row2im adds them.
__global__ static void k_row2im(const float *rows, const float *bias, float *img, hn_conv_geom q, int64_t b)
{
    const int64_t p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    HN_GRID_STRIDE(e, b * q.c * q.h * q.w)
    {
        int64_t n = e / (q.c * q.h * q.w), ci = (e / (q.h * q.w)) % q.c, iy = (e / q.w) % q.h, ix = e % q.w;
        const float *rn = rows + n * p * k;
        float v = bias ? bias[ci] : 0.0f;
        for (int64_t i = q.kh - 1; i >= 0; i--) {
            int64_t oy = grid_at(iy, i, q.sh, q.pt, q.dh, q.oh);
            if (oy < 0)
                continue;
            for (int64_t j = q.kw - 1; j >= 0; j--) {
                int64_t ox = grid_at(ix, j, q.sw, q.pl, q.dw, q.ow);
                if (ox >= 0)
                    v += rn[(oy * q.ow + ox) * k + (ci * q.kh + i) * q.kw + j];
            }
        }
        img[e] = v;
    }
}

// y (B, C, P) += bias per channel
__global__ static void k_add_bias(float *y, const float *bias, int64_t c, int64_t p, int64_t n)
{
    HN_GRID_STRIDE(e, n)
    y[e] += bias[(e / p) % c];
}

// db (C) += Σ over batch and positions of dy (B, C, P), as the CPU sums it:
// each plane in float, in order (one thread per plane), the planes in double
// (one block per channel, a fixed tree).
__global__ static void k_bias_grad(const float *dy, float *db, int64_t b, int64_t c, int64_t p)
{
    __shared__ double sh[HN_CUDA_THREADS];
    const int64_t ch = blockIdx.x;
    double s = 0.0;
    for (int64_t n = threadIdx.x; n < b; n += blockDim.x) {
        const float *d = dy + (n * c + ch) * p;
        float sp = 0.0f;
        for (int64_t i = 0; i < p; i++)
            sp += d[i];
        s += sp;
    }
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        db[ch] += (float)s;
}

// rows (B·P, C) <- in (B, C, P)
__global__ static void k_chw_to_rows(const float *in, float *rows, int64_t b, int64_t c, int64_t p)
{
    HN_GRID_STRIDE(e, b * p * c)
    {
        int64_t n = e / (p * c), i = (e / c) % p, ch = e % c;
        rows[e] = in[(n * c + ch) * p + i];
    }
}

// out (B, C, P) += rows (B·P, C)
__global__ static void k_rows_add_chw(const float *rows, float *out, int64_t b, int64_t c, int64_t p)
{
    HN_GRID_STRIDE(e, b * c * p)
    {
        int64_t n = e / (c * p), ch = (e / p) % c, i = e % p;
        out[e] += rows[(n * p + i) * c + ch];
    }
}

static cudaStream_t stream_of(hn_graph *g) { return hn_cuda_ctx_of(g)->stream; }

// gw (n) += Σ_{i < count} ws[i·n + e], i in order: the images' weight gradients.
__global__ static void k_sum_into(const float *ws, float *gw, int64_t n, int64_t count)
{
    HN_GRID_STRIDE(e, n)
    {
        float v = gw[e];
        for (int64_t i = 0; i < count; i++)
            v += ws[i * n + e];
        gw[e] = v;
    }
}

// Images per chunk of the weight gradient for a convolution of batch b whose
// gradient has ck values, within cap floats of workspace (< 2: per image).
static int64_t ws_chunk(int64_t b, int64_t ck, int64_t cap)
{
    if (ck <= 0 || ck > cap)
        return 0;
    return b < cap / ck ? b : cap / ck;
}

extern "C" int64_t hn_cuda_conv_ws_need(const hn_tensor *y)
{
    if (y->n_src < 2 || !y->src[1]->requires_grad)
        return 0;
    hn_conv_geom q = hn_conv_geom_of(y);
    int64_t ck = y->shape[1] * q.c * q.kh * q.kw, nb = ws_chunk(y->src[0]->shape[0], ck, HN_CUDA_CONV_WS);
    return nb >= 2 ? nb * ck : 0;
}

// x (B, Cin, H, W), w (Cout, K = Cin·kh·kw) -> y (B, Cout, Ho, Wo)
extern "C" hn_status hn_cuda_conv_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_conv_geom_of(y);
    int64_t b = x->shape[0], cout = y->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    if (b * cout * p == 0)
        return HN_OK;
    hn_status st = HN_OK;
    if (k == 0) { // no input channels: the bias alone
        st = hn_cuda_check(cudaMemsetAsync(y->data, 0, sizeof(float) * (size_t)(b * cout * p), stream_of(g)),
                           "conv forward", err);
    } else {
        float *col = y->aux;
        k_im2col<<<hn_blocks(b * k * p), HN_CUDA_THREADS, 0, stream_of(g)>>>(x->data, col, q, b);
        st = HN_LAUNCH_CHECK("conv forward (im2col)");
        // y_n (Cout, P) = W (Cout, K) · col_n (K, P)
        if (!st)
            st = hn_cuda_gemm_rm(g, 0, 0, cout, p, k, y->src[1]->data, k, 0, col, p, k * p, 0.0f, y->data, p,
                                 cout * p, b, "conv forward", err);
    }
    if (!st && y->n_src == 3) {
        k_add_bias<<<hn_blocks(b * cout * p), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->data, y->src[2]->data, cout, p,
                                                                                  b * cout * p);
        st = HN_LAUNCH_CHECK("conv forward (bias)");
    }
    return st;
}

extern "C" hn_status hn_cuda_conv_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_conv_geom_of(y);
    int64_t b = x->shape[0], cout = y->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    float *col = y->aux, *dcol = col + b * k * p;
    const float *w = y->src[1]->data, *dy = y->grad;
    float *gx = hn_src_grad(y, 0), *gw = hn_src_grad(y, 1), *gb = y->n_src == 3 ? hn_src_grad(y, 2) : NULL;
    if (gx && y->aux_len < 2 * b * k * p) // x was marked as needing a gradient after compiling
        return hn_error_set(err, HN_ERR_STATE, "conv: the input needs a gradient now; compile the graph again");
    if (b * cout * p == 0)
        return HN_OK;
    hn_status st = HN_OK;
    // dW (Cout, K) += Σ_n dy_n (Cout, P) · col_nᵀ (P, K), in batch order: a chunk
    // of images' products at once into the workspace, then summed in order
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    int64_t ck = cout * k, chunk = ws_chunk(b, ck, c->conv_ws_cap);
    for (int64_t n0 = 0; gw && k > 0 && chunk >= 2 && n0 < b && !st; n0 += chunk) {
        int64_t nb = b - n0 < chunk ? b - n0 : chunk;
        st = hn_cuda_gemm_rm(g, 0, 1, cout, k, p, dy + n0 * cout * p, p, cout * p, col + n0 * k * p, p, k * p, 0.0f,
                             c->conv_ws, k, ck, nb, "conv backward (weights)", err);
        if (!st) {
            k_sum_into<<<hn_blocks(ck), HN_CUDA_THREADS, 0, stream_of(g)>>>(c->conv_ws, gw, ck, nb);
            st = HN_LAUNCH_CHECK("conv backward (weights, sum over images)");
        }
    }
    for (int64_t n = 0; gw && k > 0 && chunk < 2 && n < b && !st; n++)
        st = hn_cuda_gemm_rm(g, 0, 1, cout, k, p, dy + n * cout * p, p, 0, col + n * k * p, p, 0, 1.0f, gw, k, 0,
                             1, "conv backward (weights)", err);
    if (!st && gb) {
        k_bias_grad<<<(unsigned)cout, HN_CUDA_THREADS, 0, stream_of(g)>>>(dy, gb, b, cout, p);
        st = HN_LAUNCH_CHECK("conv backward (bias)");
    }
    if (!st && gx && k > 0) { // dcol_n (K, P) = Wᵀ (K, Cout) · dy_n (Cout, P), gathered back
        st = hn_cuda_gemm_rm(g, 1, 0, k, p, cout, w, k, 0, dy, p, cout * p, 0.0f, dcol, p, k * p, b,
                             "conv backward (input)", err);
        if (!st) {
            k_col2im<<<hn_blocks(b * q.c * q.h * q.w), HN_CUDA_THREADS, 0, stream_of(g)>>>(dcol, gx, q, b);
            st = HN_LAUNCH_CHECK("conv backward (col2im)");
        }
    }
    return st;
}

// x (B, Cin, H, W), w (Cin, Cout·kh·kw) -> y (B, Cout, Ho, Wo)
extern "C" hn_status hn_cuda_conv_transpose_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_convt_geom_of(y);
    int64_t b = x->shape[0], cin = x->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    int64_t ny = b * q.c * q.h * q.w;
    if (ny == 0)
        return HN_OK;
    float *xr = y->aux, *col = xr + b * p * cin;
    const float *bias = y->n_src == 3 ? y->src[2]->data : NULL;
    hn_status st = HN_OK;
    if (b * p * cin > 0) {
        k_chw_to_rows<<<hn_blocks(b * p * cin), HN_CUDA_THREADS, 0, stream_of(g)>>>(x->data, xr, b, cin, p);
        st = HN_LAUNCH_CHECK("conv_transpose forward (rows)");
    }
    if (!st && b * p * k > 0) {
        if (cin > 0) // col (B·P, K) = Xr (B·P, Cin) · W (Cin, K)
            st = hn_cuda_gemm_rm(g, 0, 0, b * p, k, cin, xr, cin, 0, y->src[1]->data, k, 0, 0.0f, col, k, 0, 1,
                                 "conv_transpose forward", err);
        else
            st = hn_cuda_check(cudaMemsetAsync(col, 0, sizeof(float) * (size_t)(b * p * k), stream_of(g)),
                                       "conv_transpose forward", err);
    }
    if (!st) {
        k_row2im<<<hn_blocks(ny), HN_CUDA_THREADS, 0, stream_of(g)>>>(col, bias, y->data, q, b);
        st = HN_LAUNCH_CHECK("conv_transpose forward (row2im)");
    }
    return st;
}

extern "C" hn_status hn_cuda_conv_transpose_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_convt_geom_of(y);
    int64_t b = x->shape[0], cin = x->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    float *xr = y->aux, *dcol = xr + b * p * cin, *dxr = dcol + b * p * k;
    float *gx = hn_src_grad(y, 0), *gw = hn_src_grad(y, 1), *gb = y->n_src == 3 ? hn_src_grad(y, 2) : NULL;
    hn_status st = HN_OK;
    if (gb && q.c > 0) {
        k_bias_grad<<<(unsigned)q.c, HN_CUDA_THREADS, 0, stream_of(g)>>>(y->grad, gb, b, q.c, q.h * q.w);
        st = HN_LAUNCH_CHECK("conv_transpose backward (bias)");
    }
    if (st || (!gx && !gw) || b * p * k == 0 || cin == 0)
        return st;
    k_im2row<<<hn_blocks(b * p * k), HN_CUDA_THREADS, 0, stream_of(g)>>>(y->grad, dcol, q, b);
    st = HN_LAUNCH_CHECK("conv_transpose backward (im2row)");
    if (!st && gw) // dW (Cin, K) += Xrᵀ (Cin, B·P) · dcol (B·P, K)
        st = hn_cuda_gemm_rm(g, 1, 0, cin, k, b * p, xr, cin, 0, dcol, k, 0, 1.0f, gw, k, 0, 1,
                             "conv_transpose backward (weights)", err);
    if (!st && gx) { // dXr (B·P, Cin) = dcol (B·P, K) · Wᵀ (K, Cin)
        st = hn_cuda_gemm_rm(g, 0, 1, b * p, cin, k, dcol, k, 0, y->src[1]->data, k, 0, 0.0f, dxr, cin, 0, 1,
                             "conv_transpose backward (input)", err);
        if (!st) {
            k_rows_add_chw<<<hn_blocks(b * cin * p), HN_CUDA_THREADS, 0, stream_of(g)>>>(dxr, gx, b, cin, p);
            st = HN_LAUNCH_CHECK("conv_transpose backward (input rows)");
        }
    }
    return st;
}
