// Elementwise binary ops with NumPy broadcasting, and y = s·x + c.
// a, b broadcast to y; the gradient of a broadcast operand is a sum over the
// positions of y that repeat it: one block per operand element, a fixed tree
// order (deterministic, no atomics).
#include "backend/cuda/k_common.cuh"

enum { BC_FULL, BC_BLOCK, BC_GENERIC };
enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

// How the flat index i of y maps to an operand (as the CPU backend's plan).
typedef struct {
    int kind, nd;
    int64_t div, mod;
    int64_t yshape[HN_MAX_DIMS], xstride[HN_MAX_DIMS];
} bcast;

// How operand element ib collects its positions of y: ib is decoded over the
// kept dimensions, the repeat index r over the broadcast ones.
typedef struct {
    int nk, nr;
    int64_t ksize[HN_MAX_DIMS], kstride[HN_MAX_DIMS], rsize[HN_MAX_DIMS], rstride[HN_MAX_DIMS];
    int64_t reps; // positions per operand element
} gather_plan;

static void bcast_plan(bcast *p, const hn_tensor *x, const hn_tensor *y)
{
    int nd = y->ndim, off = y->ndim - x->ndim;
    int lo = -1, hi = -1, contiguous = 1;
    int64_t stride = 1;
    for (int i = nd - 1; i >= 0; i--) {
        int64_t xd = i >= off ? x->shape[i - off] : 1;
        p->xstride[i] = xd == 1 ? 0 : stride;
        stride *= xd;
        if (xd != 1) {
            if (hi < 0)
                hi = i;
            else if (lo != i + 1)
                contiguous = 0;
            lo = i;
        }
    }
    p->nd = nd;
    for (int i = 0; i < nd; i++)
        p->yshape[i] = y->shape[i];
    p->div = 1;
    p->mod = 1;
    if (hn_numel(x) == hn_numel(y)) {
        p->kind = BC_FULL;
        p->mod = hn_numel(y);
    } else if (contiguous) {
        p->kind = BC_BLOCK;
        if (hi >= 0) {
            for (int i = hi + 1; i < nd; i++)
                p->div *= y->shape[i];
            for (int i = lo; i <= hi; i++)
                p->mod *= y->shape[i];
        }
    } else {
        p->kind = BC_GENERIC;
    }
}

static void gather_plan_make(gather_plan *q, const hn_tensor *x, const hn_tensor *y)
{
    int nd = y->ndim, off = y->ndim - x->ndim;
    int64_t ystride[HN_MAX_DIMS], s = 1;
    for (int i = nd - 1; i >= 0; i--) {
        ystride[i] = s;
        s *= y->shape[i];
    }
    q->nk = q->nr = 0;
    q->reps = 1;
    for (int i = 0; i < nd; i++) { // row-major: the last listed dimension varies fastest
        int64_t xd = i >= off ? x->shape[i - off] : 1;
        if (xd != 1) {
            q->ksize[q->nk] = xd;
            q->kstride[q->nk++] = ystride[i];
        } else if (y->shape[i] != 1) {
            q->rsize[q->nr] = y->shape[i];
            q->rstride[q->nr++] = ystride[i];
            q->reps *= y->shape[i];
        }
    }
}

__device__ static inline int64_t bidx(const bcast &p, int64_t i)
{
    if (p.kind == BC_FULL)
        return i;
    if (p.kind == BC_BLOCK)
        return (i / p.div) % p.mod;
    int64_t idx = 0;
    for (int d = p.nd - 1; d >= 0; d--) {
        int64_t c = i % p.yshape[d];
        i /= p.yshape[d];
        idx += c * p.xstride[d];
    }
    return idx;
}

template <int OP> __device__ static inline float f_op(float a, float b)
{
    return OP == OP_ADD ? a + b : OP == OP_SUB ? a - b : OP == OP_MUL ? a * b : a / b;
}
template <int OP> __device__ static inline float da_op(float a, float b)
{
    return OP == OP_MUL ? b : OP == OP_DIV ? 1.0f / b : 1.0f;
}
template <int OP> __device__ static inline float db_op(float a, float b)
{
    return OP == OP_ADD ? 1.0f : OP == OP_SUB ? -1.0f : OP == OP_MUL ? a : -a / (b * b);
}

template <int OP>
__global__ static void k_bin_fwd(const float *A, const float *B, float *Y, int64_t n, bcast pa, bcast pb)
{
    HN_GRID_STRIDE(i, n) Y[i] = f_op<OP>(A[bidx(pa, i)], B[bidx(pb, i)]);
}

// The gradient of an operand with y's shape (which = 0: a, 1: b).
template <int OP>
__global__ static void k_bin_bwd_full(const float *A, const float *B, const float *DY, float *G, int64_t n, bcast pa,
                                      bcast pb, int which)
{
    HN_GRID_STRIDE(i, n)
    {
        float a = A[bidx(pa, i)], b = B[bidx(pb, i)];
        G[i] += DY[i] * (which == 0 ? da_op<OP>(a, b) : db_op<OP>(a, b));
    }
}

// The gradient of a broadcast operand: block ib sums over its q.reps positions.
template <int OP>
__global__ static void k_bin_bwd_gather(const float *A, const float *B, const float *DY, float *G, bcast pa, bcast pb,
                                        gather_plan q, int which)
{
    __shared__ double sh[HN_CUDA_THREADS];
    int64_t ib = blockIdx.x, base = 0, rest = ib;
    for (int k = q.nk - 1; k >= 0; k--) {
        base += (rest % q.ksize[k]) * q.kstride[k];
        rest /= q.ksize[k];
    }
    double s = 0.0;
    for (int64_t r = threadIdx.x; r < q.reps; r += blockDim.x) {
        int64_t i = base, rr = r;
        for (int k = q.nr - 1; k >= 0; k--) {
            i += (rr % q.rsize[k]) * q.rstride[k];
            rr /= q.rsize[k];
        }
        float a = A[bidx(pa, i)], b = B[bidx(pb, i)];
        s += (double)(DY[i] * (which == 0 ? da_op<OP>(a, b) : db_op<OP>(a, b)));
    }
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        G[ib] += (float)s;
}

template <int OP> static hn_status bin_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    int64_t n = hn_numel(y);
    if (n == 0)
        return HN_OK;
    bcast pa, pb;
    bcast_plan(&pa, y->src[0], y);
    bcast_plan(&pb, y->src[1], y);
    k_bin_fwd<OP><<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(y->src[0]->data, y->src[1]->data,
                                                                                    y->data, n, pa, pb);
    return HN_LAUNCH_CHECK("elementwise forward");
}

template <int OP> static hn_status bin_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    int64_t n = hn_numel(y);
    if (n == 0)
        return HN_OK;
    cudaStream_t st = hn_cuda_ctx_of(g)->stream;
    bcast pa, pb;
    bcast_plan(&pa, y->src[0], y);
    bcast_plan(&pb, y->src[1], y);
    const float *A = y->src[0]->data, *B = y->src[1]->data;
    for (int which = 0; which < 2; which++) {
        float *G = hn_src_grad(y, which);
        if (!G)
            continue;
        const bcast &p = which == 0 ? pa : pb;
        hn_cuda_ctx *c = hn_cuda_ctx_of(g);
        int64_t m = y->shape[y->ndim - 1], nb = hn_numel(y->src[which]);
        if (p.kind == BC_FULL) {
            k_bin_bwd_full<OP><<<hn_blocks(n), HN_CUDA_THREADS, 0, st>>>(A, B, y->grad, G, n, pa, pb, which);
        } else if (OP == OP_ADD && p.kind == BC_BLOCK && p.div == 1 && nb == m && n / m <= c->ones_cap &&
                   n / m <= 0x7fffffff && m <= 0x7fffffff) {
            // a bias: G (m) += dyᵀ (m, rows) · 1 (rows); dy row-major (rows, m) is column-major (m, rows)
            const float one = 1.0f;
            hn_status s = hn_cublas_check(cublasSgemv(c->blas, CUBLAS_OP_N, (int)m, (int)(n / m), &one, y->grad,
                                                      (int)m, c->ones, 1, &one, G, 1),
                                          "bias gradient", err);
            if (s)
                return s;
        } else {
            gather_plan q;
            gather_plan_make(&q, y->src[which], y);
            int64_t nb = hn_numel(y->src[which]);
            if (nb > 0x7fffffff)
                return hn_error_set(err, HN_ERR_UNSUPPORTED, "broadcast operand of %lld values", (long long)nb);
            k_bin_bwd_gather<OP><<<(unsigned)nb, HN_CUDA_THREADS, 0, st>>>(A, B, y->grad, G, pa, pb, q, which);
        }
    }
    return HN_LAUNCH_CHECK("elementwise backward");
}

#define BINARY(id, OP)                                                                                              \
    extern "C" hn_status hn_cuda_##id##_fwd(hn_graph *g, hn_tensor *y, hn_error *err) { return bin_fwd<OP>(g, y, err); } \
    extern "C" hn_status hn_cuda_##id##_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return bin_bwd<OP>(g, y, err); }

// add fused with the ReLU that is its only consumer (planned by prepare):
// y = x + b[i mod m] and r = relu(y), both written.
__global__ static void k_add_bias_relu(const float *x, const float *b, float *y, float *r, int64_t n, int64_t m)
{
    HN_GRID_STRIDE(i, n)
    {
        float a = x[i] + b[i % m];
        y[i] = a;
        r[i] = a > 0.0f ? a : 0.0f;
    }
}

extern "C" hn_status hn_cuda_add_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    hn_tensor *r = hn_cuda_fused_act(c, y);
    if (!r)
        return bin_fwd<OP_ADD>(g, y, err);
    int64_t n = hn_numel(y), m = y->shape[y->ndim - 1];
    if (n == 0)
        return HN_OK;
    k_add_bias_relu<<<hn_blocks(n), HN_CUDA_THREADS, 0, c->stream>>>(y->src[0]->data, y->src[1]->data, y->data,
                                                                     r->data, n, m);
    return HN_LAUNCH_CHECK("add + relu forward");
}
extern "C" hn_status hn_cuda_add_bwd(hn_graph *g, hn_tensor *y, hn_error *err) { return bin_bwd<OP_ADD>(g, y, err); }
BINARY(sub, OP_SUB)
BINARY(mul, OP_MUL)
BINARY(div, OP_DIV)

// --- y = s·x + c ---------------------------------------------------------------

__global__ static void k_affine_fwd(const float *x, float *y, float s, float c, int64_t n)
{
    HN_GRID_STRIDE(i, n) y[i] = s * x[i] + c;
}

__global__ static void k_affine_bwd(const float *dy, float *gx, float s, int64_t n)
{
    HN_GRID_STRIDE(i, n) gx[i] += s * dy[i];
}

extern "C" hn_status hn_cuda_affine_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    int64_t n = hn_numel(y);
    if (n == 0)
        return HN_OK;
    k_affine_fwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(y->src[0]->data, y->data, y->fp[0],
                                                                                  y->fp[1], n);
    return HN_LAUNCH_CHECK("affine forward");
}

extern "C" hn_status hn_cuda_affine_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    float *gx = hn_src_grad(y, 0);
    int64_t n = hn_numel(y);
    if (!gx || n == 0)
        return HN_OK;
    k_affine_bwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(y->grad, gx, y->fp[0], n);
    return HN_LAUNCH_CHECK("affine backward");
}
