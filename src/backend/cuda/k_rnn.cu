// Fused recurrent cells, as src/backend/cpu/k_rnn.c: one LSTM or GRU time step
// from gate pre-activations (the products stay matmul ops), with the CPU's
// gate functions (core/deep_math.h). One thread per
// (example, hidden unit); every value it writes is its own, so backward needs
// no atomics, except the GRU's broadcast gh (the first step's bias), whose
// gradient sums over the batch: one thread per unit, examples in order.
#include <math.h>

#include "backend/cuda/k_common.cuh"
#include "core/deep_math.h"


// gx (B, 4H), gh (B, 4H), c_prev (B, H) -> y (B, 2H) = [h, c];
// aux: i, f, g, o (B, 4H) after activation, then tanh(c) (B, H).
__global__ static void k_lstm_fwd(const float *gx, const float *gh, const float *cp, float *act, float *tc, float *y,
                                  int64_t b, int64_t h)
{
    HN_GRID_STRIDE(e, b * h)
    {
        int64_t n = e / h, j = e % h;
        const float *px = gx + n * 4 * h, *ph = gh ? gh + n * 4 * h : NULL;
        float *a = act + n * 4 * h;
        float v[4];
        for (int k = 0; k < 4; k++)
            v[k] = ph ? px[k * h + j] + ph[k * h + j] : px[k * h + j];
        float i = hn_sigm_gate(v[0]), f = hn_sigm_gate(v[1]), gg = hn_tanh_gate(v[2]), o = hn_sigm_gate(v[3]);
        a[j] = i;
        a[h + j] = f;
        a[2 * h + j] = gg;
        a[3 * h + j] = o;
        float c = cp ? i * gg + f * cp[n * h + j] : i * gg;
        float t = hn_tanh_gate(c);
        tc[n * h + j] = t;
        y[n * 2 * h + h + j] = c;
        y[n * 2 * h + j] = o * t;
    }
}

__global__ static void k_lstm_bwd(const float *act, const float *tc, const float *dy, const float *cp, float *ggx,
                                  float *ggh, float *gcp, int64_t b, int64_t h)
{
    HN_GRID_STRIDE(e, b * h)
    {
        hn_lstm_unit_bwd(act, tc, dy, cp, ggx, ggh, gcp, e / h, e % h, h);
    }
}

extern "C" hn_status hn_cuda_lstm_cell_fwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    int64_t b = y->shape[0], h = y->shape[1] / 2;
    if (b * h == 0)
        return HN_OK;
    const float *gh = y->n_src == 3 ? y->src[1]->data : NULL, *cp = y->n_src == 3 ? y->src[2]->data : NULL;
    k_lstm_fwd<<<hn_blocks(b * h), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(gr)->stream>>>(
        y->src[0]->data, gh, cp, y->aux, y->aux + 4 * b * h, y->data, b, h);
    return HN_LAUNCH_CHECK("lstm_cell forward");
}

extern "C" hn_status hn_cuda_lstm_cell_bwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    int64_t b = y->shape[0], h = y->shape[1] / 2;
    int full = y->n_src == 3;
    float *ggx = hn_src_grad(y, 0), *ggh = full ? hn_src_grad(y, 1) : NULL, *gcp = full ? hn_src_grad(y, 2) : NULL;
    if (b * h == 0 || (!ggx && !ggh && !gcp))
        return HN_OK;
    k_lstm_bwd<<<hn_blocks(b * h), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(gr)->stream>>>(
        y->aux, y->aux + 4 * b * h, y->grad, full ? y->src[2]->data : NULL, ggx, ggh, gcp, b, h);
    return HN_LAUNCH_CHECK("lstm_cell backward");
}

// gx (B, 3H), gh (B, 3H) or (3H), h_prev (B, H) or none -> h (B, H);
// aux: r, z, n (B, 3H).
__global__ static void k_gru_fwd(const float *gx, const float *gh, int bcast, const float *hp, float *act, float *y,
                                 int64_t b, int64_t h)
{
    HN_GRID_STRIDE(e, b * h)
    {
        int64_t n = e / h, j = e % h;
        const float *px = gx + n * 3 * h, *ph = bcast ? gh : gh + n * 3 * h;
        float *a = act + n * 3 * h;
        float r = hn_sigm_gate(px[j] + ph[j]), z = hn_sigm_gate(px[h + j] + ph[h + j]);
        float nn = hn_tanh_gate(px[2 * h + j] + r * ph[2 * h + j]);
        a[j] = r;
        a[h + j] = z;
        a[2 * h + j] = nn;
        y[n * h + j] = nn + z * ((hp ? hp[n * h + j] : 0.0f) - nn);
    }
}

// The three pre-activation gradients of example n, unit j: r, z, n.
__device__ static inline void gru_grads(const float *act, const float *gh, int bcast, const float *hp, const float *dy,
                                        int64_t n, int64_t j, int64_t h, float d[3])
{
    const float *a = act + n * 3 * h, *ph = bcast ? gh : gh + n * 3 * h;
    hn_gru_unit_bwd(a[j], a[h + j], a[2 * h + j], dy[n * h + j], hp ? hp[n * h + j] : 0.0f, ph[2 * h + j], d);
}

// Per (example, unit): gx's gradient, h_prev's, and gh's when it is per example.
__global__ static void k_gru_bwd(const float *act, const float *gh, int bcast, const float *hp, const float *dy,
                                 float *dgx, float *dgh, float *ghp, int64_t b, int64_t h)
{
    HN_GRID_STRIDE(e, b * h)
    {
        int64_t n = e / h, j = e % h;
        float dp[3];
        gru_grads(act, gh, bcast, hp, dy, n, j, h, dp);
        float r = act[n * 3 * h + j], z = act[n * 3 * h + h + j];
        if (dgx) {
            float *d = dgx + n * 3 * h;
            d[j] += dp[0];
            d[h + j] += dp[1];
            d[2 * h + j] += dp[2];
        }
        if (dgh && !bcast) {
            float *d = dgh + n * 3 * h;
            d[j] += dp[0];
            d[h + j] += dp[1];
            d[2 * h + j] += dp[2] * r;
        }
        if (ghp)
            ghp[n * h + j] += dy[n * h + j] * z;
    }
}

// A broadcast gh (3H): per unit, the examples in order (the CPU's order).
__global__ static void k_gru_bwd_bcast(const float *act, const float *gh, const float *hp, const float *dy,
                                       float *dgh, int64_t b, int64_t h)
{
    HN_GRID_STRIDE(j, h)
    {
        float s0 = dgh[j], s1 = dgh[h + j], s2 = dgh[2 * h + j];
        for (int64_t n = 0; n < b; n++) {
            float dp[3];
            gru_grads(act, gh, 1, hp, dy, n, j, h, dp);
            s0 += dp[0];
            s1 += dp[1];
            s2 += dp[2] * act[n * 3 * h + j];
        }
        dgh[j] = s0;
        dgh[h + j] = s1;
        dgh[2 * h + j] = s2;
    }
}

extern "C" hn_status hn_cuda_gru_cell_fwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    int64_t b = y->shape[0], h = y->shape[1];
    if (b * h == 0)
        return HN_OK;
    const hn_tensor *ght = y->src[1];
    int bcast = hn_numel(ght) == 3 * h;
    k_gru_fwd<<<hn_blocks(b * h), HN_CUDA_THREADS, 0, hn_cuda_ctx_of(gr)->stream>>>(
        y->src[0]->data, ght->data, bcast, y->n_src == 3 ? y->src[2]->data : NULL, y->aux, y->data, b, h);
    return HN_LAUNCH_CHECK("gru_cell forward");
}

extern "C" hn_status hn_cuda_gru_cell_bwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    int64_t b = y->shape[0], h = y->shape[1];
    const hn_tensor *ght = y->src[1];
    int bcast = hn_numel(ght) == 3 * h, full = y->n_src == 3;
    const float *hp = full ? y->src[2]->data : NULL;
    float *ggx = hn_src_grad(y, 0), *ggh = hn_src_grad(y, 1), *ghp = full ? hn_src_grad(y, 2) : NULL;
    if (b * h == 0)
        return HN_OK;
    cudaStream_t s = hn_cuda_ctx_of(gr)->stream;
    hn_status st = HN_OK;
    if (ggx || ghp || (ggh && !bcast)) {
        k_gru_bwd<<<hn_blocks(b * h), HN_CUDA_THREADS, 0, s>>>(y->aux, ght->data, bcast, hp, y->grad, ggx, ggh, ghp,
                                                               b, h);
        st = HN_LAUNCH_CHECK("gru_cell backward");
    }
    if (!st && ggh && bcast) {
        k_gru_bwd_bcast<<<hn_blocks(h), HN_CUDA_THREADS, 0, s>>>(y->aux, ght->data, hp, y->grad, ggh, b, h);
        st = HN_LAUNCH_CHECK("gru_cell backward (broadcast gh)");
    }
    return st;
}
