// Elementwise functions and activations, PReLU and dropout: x -> y of the same
// shape. The activation formulas are the CPU backend's (core/act_math.h).
#include <math.h>

#include "backend/cuda/k_common.cuh"

// FWD: y from x (and alpha = y->fp[0]); DER: dy/dx from x, y (and alpha).
#define UNARY(id, FWD, DER)                                                                        \
    __device__ static inline float f_##id(float x, float alpha) { return (FWD); }                \
    __device__ static inline float d_##id(float x, float y, float alpha) { return (DER); }       \
    __global__ static void k_##id##_fwd(const float *__restrict__ X, float *__restrict__ Y,        \
                                        float alpha, int64_t n)                                    \
    {                                                                                              \
        HN_GRID_STRIDE(i, n) Y[i] = f_##id(X[i], alpha);                                           \
    }                                                                                              \
    __global__ static void k_##id##_bwd(const float *__restrict__ X, const float *__restrict__ Y,  \
                                        const float *__restrict__ DY, float *__restrict__ GX,      \
                                        float alpha, int64_t n)                                    \
    {                                                                                              \
        HN_GRID_STRIDE(i, n) GX[i] += DY[i] * d_##id(X[i], Y[i], alpha);                           \
    }                                                                                              \
    extern "C" hn_status hn_cuda_##id##_fwd(hn_graph *g, hn_tensor *t, hn_error *err)            \
    {                                                                                              \
        int64_t n = hn_numel(t);                                                                   \
        if (n == 0)                                                                                \
            return HN_OK;                                                                          \
        k_##id##_fwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(             \
            t->src[0]->data, t->data, t->fp[0], n);                                                \
        return HN_LAUNCH_CHECK(#id " forward");                                                    \
    }                                                                                              \
    extern "C" hn_status hn_cuda_##id##_bwd(hn_graph *g, hn_tensor *t, hn_error *err)            \
    {                                                                                              \
        float *gx = hn_src_grad(t, 0);                                                             \
        int64_t n = hn_numel(t);                                                                   \
        if (!gx || n == 0)                                                                         \
            return HN_OK;                                                                          \
        k_##id##_bwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(             \
            t->src[0]->data, t->data, t->grad, gx, t->fp[0], n);                                   \
        return HN_LAUNCH_CHECK(#id " backward");                                                   \
    }


UNARY(exp, expf(x), y)
UNARY(log, logf(x), 1.0f / x)
UNARY(sqrt, sqrtf(x), 0.5f / y)
UNARY(square, x *x, 2.0f * x)
UNARY(abs, fabsf(x), (x > 0.0f) ? 1.0f : (x < 0.0f ? -1.0f : 0.0f))
UNARY(identity, x, 1.0f)
UNARY(detach, x, 0.0f) // never called backward: detach stops requires_grad
// the activations: core/act_math.h, the CPU's text
#define ACT(id, K) UNARY(id, hn_act_fwd(K, x, alpha, 0.0f), hn_act_der(K, x, y, alpha, 0.0f))
ACT(step, HN_ACT_STEP)
ACT(sigmoid, HN_ACT_SIGMOID)
ACT(tanh, HN_ACT_TANH)
ACT(atan, HN_ACT_ATAN)
ACT(relu_plain, HN_ACT_RELU)

// A ReLU fused into the add that feeds it (see hn_cuda_ctx) has been computed.
extern "C" hn_status hn_cuda_relu_fwd(hn_graph *g, hn_tensor *t, hn_error *err)
{
    return hn_cuda_is_fused(hn_cuda_ctx_of(g), t) ? HN_OK : hn_cuda_relu_plain_fwd(g, t, err);
}
extern "C" hn_status hn_cuda_relu_bwd(hn_graph *g, hn_tensor *t, hn_error *err)
{
    return hn_cuda_relu_plain_bwd(g, t, err);
}
ACT(elu, HN_ACT_ELU)
ACT(softplus, HN_ACT_SOFTPLUS)

// --- PReLU: x (B, C, ...), slope a (1) or (C) -> y like x ------------------------

static int64_t prelu_inner(const hn_tensor *x)
{
    int64_t inner = 1;
    for (int i = 2; i < x->ndim; i++)
        inner *= x->shape[i];
    return inner;
}

__global__ static void k_prelu_fwd(const float *x, const float *a, float *y, int64_t n, int64_t na, int64_t inner)
{
    HN_GRID_STRIDE(i, n)
    {
        float s = na == 1 ? a[0] : a[(i / inner) % na];
        y[i] = hn_act_fwd(HN_ACT_PRELU, x[i], 0.0f, s);
    }
}

__global__ static void k_prelu_bwd_x(const float *x, const float *a, const float *dy, float *gx, int64_t n, int64_t na,
                                     int64_t inner)
{
    HN_GRID_STRIDE(i, n)
    {
        float s = na == 1 ? a[0] : a[(i / inner) % na];
        gx[i] += dy[i] * hn_act_der(HN_ACT_PRELU, x[i], 0.0f, 0.0f, s);
    }
}

// One block per slope value c: Σ dy·x over the elements x <= 0 of channel c,
// which are (batch r / inner, channel c, position r % inner) for r < n / na.
__global__ static void k_prelu_bwd_a(const float *x, const float *dy, float *ga, int64_t n, int64_t na, int64_t inner)
{
    __shared__ double sh[HN_CUDA_THREADS];
    int64_t c = blockIdx.x, per = n / na;
    double s = 0.0;
    for (int64_t r = threadIdx.x; r < per; r += blockDim.x) {
        int64_t i = ((r / inner) * na + c) * inner + r % inner;
        if (x[i] <= 0.0f)
            s += (double)(dy[i] * x[i]);
    }
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        ga[c] += (float)s;
}

extern "C" hn_status hn_cuda_prelu_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *xt = y->src[0], *at = y->src[1];
    int64_t n = hn_numel(y);
    if (n == 0)
        return HN_OK;
    k_prelu_fwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(xt->data, at->data, y->data, n,
                                                                                 hn_numel(at), prelu_inner(xt));
    return HN_LAUNCH_CHECK("prelu forward");
}

extern "C" hn_status hn_cuda_prelu_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *xt = y->src[0], *at = y->src[1];
    float *gx = hn_src_grad(y, 0), *ga = hn_src_grad(y, 1);
    int64_t n = hn_numel(y), na = hn_numel(at), inner = prelu_inner(xt);
    cudaStream_t s = hn_cuda_ctx_of(g)->stream;
    if (n == 0)
        return HN_OK;
    if (gx)
        k_prelu_bwd_x<<<hn_blocks(n), HN_CUDA_THREADS, 0, s>>>(xt->data, at->data, y->grad, gx, n, na, inner);
    if (ga)
        k_prelu_bwd_a<<<(unsigned)na, HN_CUDA_THREADS, 0, s>>>(xt->data, y->grad, ga, n, na, inner);
    return HN_LAUNCH_CHECK("prelu backward");
}

// --- dropout ----------------------------------------------------------------------
// Inverted dropout with a counter-based generator: element i keeps its value
// when uniform(hash(key, i)) >= p. The key is drawn from the graph's hn_rng once
// per forward, so the masks depend only on the seed and the number of forward
// passes (not on the launch configuration); they differ from the CPU's masks,
// which draw from the hn_rng stream element by element.

__device__ static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__device__ static inline double uniform_at(uint64_t key, uint64_t i)
{
    uint64_t z = mix64(key + (i + 1) * 0x9E3779B97F4A7C15ull);
    z = mix64(z ^ key); // two rounds: neighbouring counters decorrelate fully
    return (double)(z >> 11) * 0x1.0p-53;
}

__global__ static void k_dropout_fwd(const float *x, float *y, float *mask, int64_t n, float p, float keep,
                                     uint64_t key, const uint64_t *key_ptr, int active)
{
    uint64_t k = key_ptr ? *key_ptr : key;
    HN_GRID_STRIDE(i, n)
    {
        float m = !active ? 1.0f : (uniform_at(k, (uint64_t)i) >= (double)p ? keep : 0.0f);
        mask[i] = m;
        y[i] = active ? x[i] * m : x[i];
    }
}

__global__ static void k_mul_acc(const float *dy, const float *m, float *gx, int64_t n)
{
    HN_GRID_STRIDE(i, n) gx[i] += dy[i] * m[i];
}

extern "C" hn_status hn_cuda_dropout_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    int64_t n = hn_numel(y);
    float p = y->fp[0];
    int active = g->training && p != 0.0f;
    uint64_t key = 0;
    const uint64_t *key_ptr = NULL;
    if (active) {
        if (c->capturing) { // the step runner uploads this run's key before each replay
            if (c->n_keys >= c->keys_cap)
                return hn_error_set(err, HN_ERR_STATE, "dropout: more dropout nodes run than were compiled");
            key_ptr = c->keys + c->n_keys++;
        } else {
            key = hn_rng_u64(&g->rng);
        }
    }
    if (n == 0)
        return HN_OK;
    k_dropout_fwd<<<hn_blocks(n), HN_CUDA_THREADS, 0, c->stream>>>(y->src[0]->data, y->data, y->aux, n, p,
                                                                   1.0f / (1.0f - p), key, key_ptr, active);
    return HN_LAUNCH_CHECK("dropout forward");
}

extern "C" hn_status hn_cuda_dropout_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    float *gx = hn_src_grad(y, 0);
    int64_t n = hn_numel(y);
    if (!gx || n == 0)
        return HN_OK;
    k_mul_acc<<<hn_blocks(n), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(y->grad, y->aux, gx, n);
    return HN_LAUNCH_CHECK("dropout backward");
}

// --- helpers of the host logic ------------------------------------------------------

__global__ static void k_add_scalar(float *x, float v, int64_t n)
{
    HN_GRID_STRIDE(i, n) x[i] += v;
}

__global__ static void k_axpy1(float *y, const float *x, int64_t n)
{
    HN_GRID_STRIDE(i, n) y[i] += x[i];
}

extern "C" hn_status hn_cuda_add_scalar(hn_cuda_ctx *c, float *x, float v, int64_t n, hn_error *err)
{
    if (n == 0)
        return HN_OK;
    k_add_scalar<<<hn_blocks(n), HN_CUDA_THREADS, 0, c->stream>>>(x, v, n);
    return HN_LAUNCH_CHECK("backward seed");
}

extern "C" hn_status hn_cuda_axpy1(hn_cuda_ctx *c, float *y, const float *x, int64_t n, hn_error *err)
{
    if (n == 0)
        return HN_OK;
    k_axpy1<<<hn_blocks(n), HN_CUDA_THREADS, 0, c->stream>>>(y, x, n);
    return HN_LAUNCH_CHECK("accumulate");
}
