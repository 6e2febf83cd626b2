// Losses: L = (1/B) Σ_i w_i · l_i over the rows i of the batch. As on the CPU
// (src/backend/cpu/k_loss.c), each loss is one row function that returns the
// row's loss and, when asked, adds scale · ∂l_i/∂(inputs), so forward and
// backward cannot disagree. Forward sums the rows in two stages over a fixed
// grid (deterministic); backward runs one thread per row.
// Class labels are checked on the device: a bad one is recorded in the
// context's flag word (smallest example index) and reported by the next call
// that waits for the device; its row contributes nothing.
#include <limits.h>
#include <math.h>

#include "backend/cuda/k_common.cuh"

enum { L_MSE, L_BCE_LOGITS, L_BCE, L_CE, L_NLL, L_KL };

typedef struct {
    const float *a, *b;
    float *ga, *gb;
    int64_t d;
    float scale, eps;
} row;

__device__ static inline float clamped_log(float v) { return v > 0.0f ? fmaxf(logf(v), -100.0f) : -100.0f; }

template <int L> __device__ static double row_loss(row &r)
{
    double l = 0.0;
    if (L == L_MSE) {
        for (int64_t j = 0; j < r.d; j++) {
            float diff = r.a[j] - r.b[j];
            l += 0.5 * (double)diff * diff;
            if (r.ga)
                r.ga[j] += r.scale * diff;
            if (r.gb)
                r.gb[j] -= r.scale * diff;
        }
    } else if (L == L_BCE_LOGITS) {
        for (int64_t j = 0; j < r.d; j++) {
            float z = r.a[j], t = r.b[j];
            l += (double)fmaxf(z, 0.0f) - (double)z * t + (double)log1pf(expf(-fabsf(z)));
            if (r.ga)
                r.ga[j] += r.scale * (hn_sigmoidf(z) - t);
            if (r.gb)
                r.gb[j] -= r.scale * z;
        }
    } else if (L == L_BCE) {
        float lo = r.eps, hi = 1.0f - r.eps;
        for (int64_t j = 0; j < r.d; j++) {
            float p = r.a[j], t = r.b[j];
            int clamped = p < lo || p > hi;
            float pc = clamped ? fminf(fmaxf(p, lo), hi) : p;
            float lp = clamped_log(pc), l1p = clamped_log(1.0f - pc);
            l -= (double)t * lp + (1.0 - (double)t) * l1p;
            if (r.ga && !clamped && pc > 0.0f && pc < 1.0f)
                r.ga[j] += r.scale * (-t / pc + (1.0f - t) / (1.0f - pc));
            if (r.gb)
                r.gb[j] += r.scale * (l1p - lp);
        }
    } else if (L == L_KL) {
        for (int64_t j = 0; j < r.d; j++) {
            float mu = r.a[j], lv = r.b[j], e = expf(lv);
            l += -0.5 * (1.0 + (double)lv - (double)mu * mu - (double)e);
            if (r.ga)
                r.ga[j] += r.scale * mu;
            if (r.gb)
                r.gb[j] += r.scale * 0.5f * (e - 1.0f);
        }
    } else if (L == L_CE) {
        int64_t c = (int64_t)r.b[0];
        float mx = -INFINITY;
        for (int64_t j = 0; j < r.d; j++)
            mx = fmaxf(mx, r.a[j]);
        double s = 0.0;
        for (int64_t j = 0; j < r.d; j++)
            s += exp((double)(r.a[j] - mx));
        double lse = mx + log(s);
        if (r.ga)
            for (int64_t j = 0; j < r.d; j++)
                r.ga[j] += r.scale * (float)(exp((double)r.a[j] - lse) - (j == c ? 1.0 : 0.0));
        l = lse - r.a[c];
    } else { // L_NLL
        int64_t c = (int64_t)r.b[0];
        if (r.ga)
            r.ga[c] -= r.scale;
        l = -(double)r.a[c];
    }
    return l;
}

typedef struct {
    const float *a, *b, *w;
    float *ga, *gb, *gw;
    const float *dy; // device scalar: the loss's gradient (backward)
    int64_t bsz, d, db;
    float eps;
    int is_class;
    int *flags;
} loss_args;

__device__ static inline int label_ok(const loss_args &p, int64_t i)
{
    if (!p.is_class)
        return 1;
    float v = p.b[i];
    if (v >= 0.0f && v < (float)p.d && v == floorf(v))
        return 1;
    atomicMin(&p.flags[0], (int)(i < INT_MAX ? i : INT_MAX - 1)); // the smallest bad index: deterministic report
    p.flags[1] = (int)p.d;
    return 0;
}

template <int L> __global__ static void k_loss_fwd(loss_args p, double *part)
{
    __shared__ double sh[HN_CUDA_THREADS];
    double total = 0.0;
    HN_GRID_STRIDE(i, p.bsz)
    {
        if (!label_ok(p, i))
            continue;
        row r = {p.a + i * p.d, p.b + i * p.db, NULL, NULL, p.d, 0.0f, p.eps};
        total += (double)(p.w ? p.w[i] : 1.0f) * row_loss<L>(r);
    }
    total = hn_block_sum(total, sh);
    if (threadIdx.x == 0)
        part[blockIdx.x] = total;
}

__global__ static void k_loss_total(const double *part, int nparts, double bsz, float *y)
{
    __shared__ double sh[HN_CUDA_THREADS];
    double s = 0.0;
    for (int i = threadIdx.x; i < nparts; i += blockDim.x)
        s += part[i];
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        y[0] = bsz > 0 ? (float)(s / bsz) : 0.0f;
}

template <int L> __global__ static void k_loss_bwd(loss_args p)
{
    float dy = p.dy[0];
    HN_GRID_STRIDE(i, p.bsz)
    {
        if (!label_ok(p, i))
            continue;
        float wi = p.w ? p.w[i] : 1.0f;
        row r = {p.a + i * p.d, p.b + i * p.db, p.ga ? p.ga + i * p.d : NULL, p.gb ? p.gb + i * p.d : NULL, p.d,
                 dy * wi / (float)p.bsz, p.eps};
        double li = row_loss<L>(r);
        if (p.gw)
            p.gw[i] += dy * (float)li / (float)p.bsz;
    }
}

template <int L> static hn_status loss_run(hn_graph *g, hn_tensor *y, int backward, hn_error *err)
{
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    const hn_tensor *a = y->src[0], *b = y->src[1];
    loss_args p;
    p.is_class = L == L_CE || L == L_NLL;
    p.a = a->data;
    p.b = b->data;
    p.w = y->n_src > 2 ? y->src[2]->data : NULL;
    p.bsz = a->shape[0];
    p.d = p.bsz ? hn_numel(a) / p.bsz : 0;
    p.db = p.is_class ? 1 : p.d;
    p.eps = y->fp[0];
    p.flags = c->flags;
    p.dy = y->grad;
    p.ga = backward ? hn_src_grad(y, 0) : NULL;
    p.gb = (backward && !p.is_class) ? hn_src_grad(y, 1) : NULL;
    p.gw = (backward && y->n_src > 2) ? hn_src_grad(y, 2) : NULL;
    if (!backward) {
        k_loss_fwd<L><<<HN_CUDA_RED_BLOCKS, HN_CUDA_THREADS, 0, c->stream>>>(p, c->partials);
        k_loss_total<<<1, HN_CUDA_THREADS, 0, c->stream>>>(c->partials, HN_CUDA_RED_BLOCKS, (double)p.bsz, y->data);
        return HN_LAUNCH_CHECK("loss forward");
    }
    if (p.bsz == 0 || (!p.ga && !p.gb && !p.gw))
        return HN_OK;
    k_loss_bwd<L><<<hn_blocks(p.bsz), HN_CUDA_THREADS, 0, c->stream>>>(p);
    return HN_LAUNCH_CHECK("loss backward");
}

#define LOSS_KERNELS(id, L)                                                                      \
    extern "C" hn_status hn_cuda_##id##_fwd(hn_graph *g, hn_tensor *y, hn_error *err)          \
    {                                                                                            \
        return loss_run<L>(g, y, 0, err);                                                        \
    }                                                                                            \
    extern "C" hn_status hn_cuda_##id##_bwd(hn_graph *g, hn_tensor *y, hn_error *err)          \
    {                                                                                            \
        return loss_run<L>(g, y, 1, err);                                                        \
    }

LOSS_KERNELS(loss_mse, L_MSE)
LOSS_KERNELS(loss_bce_logits, L_BCE_LOGITS)
LOSS_KERNELS(loss_bce, L_BCE)
LOSS_KERNELS(loss_ce, L_CE)
LOSS_KERNELS(loss_nll, L_NLL)
LOSS_KERNELS(loss_kl_gauss, L_KL)
