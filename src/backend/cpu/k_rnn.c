/* Fused recurrent cells: one LSTM or GRU time step from gate pre-activations.
 * The matrix products stay outside (matmul ops, so BLAS does them, and the
 * input part of all steps is one product); the cell fuses the dozen
 * elementwise ops of a step into one pass. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/deep_math.h"

/* gcc needs the hint to vectorise the gate loops; clang vectorises them on its
 * own and, at the sanitizer build's -O1, would fail (and warn about) the hint. */
#if defined(__clang__)
#define HN_SIMD
#else
#define HN_SIMD _Pragma("omp simd")
#endif

/* The gates' sigmoid and tanh (hn_sigm_gate, hn_tanh_gate) are in
 * core/deep_math.h, shared with the CUDA kernels. */

/* gx (B, 4H), gh (B, 4H), c_prev (B, H) -> y (B, 2H) = [h, c];
 * aux: i, f, g, o (B, 4H) after activation, then tanh(c) (B, H).
 * One example's row; the loops are branch-free so they vectorise. */
static void lstm_row(const float *restrict px, const float *restrict ph, const float *restrict cp, float *restrict a,
                     float *restrict tc, float *restrict yn, int64_t h)
{
    if (ph) {
HN_SIMD
        for (int64_t j = 0; j < 4 * h; j++)
            a[j] = px[j] + ph[j];
    } else {
        memcpy(a, px, sizeof(float) * (size_t)(4 * h));
    }
HN_SIMD
    for (int64_t j = 0; j < 2 * h; j++) /* i, f */
        a[j] = hn_sigm_gate(a[j]);
HN_SIMD
    for (int64_t j = 2 * h; j < 3 * h; j++) /* g */
        a[j] = hn_tanh_gate(a[j]);
HN_SIMD
    for (int64_t j = 3 * h; j < 4 * h; j++) /* o */
        a[j] = hn_sigm_gate(a[j]);
    if (cp) {
HN_SIMD
        for (int64_t j = 0; j < h; j++)
            yn[h + j] = a[j] * a[2 * h + j] + a[h + j] * cp[j];
    } else {
HN_SIMD
        for (int64_t j = 0; j < h; j++)
            yn[h + j] = a[j] * a[2 * h + j];
    }
HN_SIMD
    for (int64_t j = 0; j < h; j++) {
        float t = hn_tanh_gate(yn[h + j]);
        tc[j] = t;
        yn[j] = a[3 * h + j] * t;
    }
}

hn_status hn_cpu_lstm_cell_fwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    (void)gr;
    (void)err;
    int64_t b = y->shape[0], h = y->shape[1] / 2;
    const float *gx = y->src[0]->data;
    const float *gh = y->n_src == 3 ? y->src[1]->data : NULL, *cp = y->n_src == 3 ? y->src[2]->data : NULL;
    float *act = y->aux, *tc = y->aux + 4 * b * h;
#pragma omp parallel for if (b * h * 4 > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++)
        lstm_row(gx + n * 4 * h, gh ? gh + n * 4 * h : NULL, cp ? cp + n * h : NULL, act + n * 4 * h, tc + n * h,
                 y->data + n * 2 * h, h);
    return HN_OK;
}

/* One example's row of the LSTM backward when gx, gh and c_prev all need
 * gradients: dh, dc -> the four gates' pre-activation gradients, added to
 * both gx and gh, and dc·f to c_prev. */
static void lstm_row_bwd(const float *restrict a, const float *restrict tc, const float *restrict dy,
                         const float *restrict cp, float *restrict ggx, float *restrict ggh, float *restrict gcp,
                         int64_t h)
{
HN_SIMD
    for (int64_t j = 0; j < h; j++) {
        float i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j], t = tc[j];
        float dh = dy[j], dc = dy[h + j] + dh * o * (1.0f - t * t);
        float di = dc * g * i * (1.0f - i), df = dc * cp[j] * f * (1.0f - f);
        float dg = dc * i * (1.0f - g * g), d_o = dh * t * o * (1.0f - o);
        ggx[j] += di;
        ggh[j] += di;
        ggx[h + j] += df;
        ggh[h + j] += df;
        ggx[2 * h + j] += dg;
        ggh[2 * h + j] += dg;
        ggx[3 * h + j] += d_o;
        ggh[3 * h + j] += d_o;
        gcp[j] += dc * f;
    }
}

hn_status hn_cpu_lstm_cell_bwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    (void)gr;
    (void)err;
    int64_t b = y->shape[0], h = y->shape[1] / 2;
    int full = y->n_src == 3;
    const float *cp = full ? y->src[2]->data : NULL;
    float *ggx = hn_src_grad(y, 0), *ggh = full ? hn_src_grad(y, 1) : NULL, *gcp = full ? hn_src_grad(y, 2) : NULL;
    const float *act = y->aux, *tc = y->aux + 4 * b * h;
#pragma omp parallel for if (b * h * 4 > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++) {
        const float *a = act + n * 4 * h, *dy = y->grad + n * 2 * h;
        if (ggx && ggh && gcp) { /* every step after the first: a branch-free loop that vectorises */
            lstm_row_bwd(a, tc + n * h, dy, cp + n * h, ggx + n * 4 * h, ggh + n * 4 * h, gcp + n * h, h);
            continue;
        }
        for (int64_t j = 0; j < h; j++)
            hn_lstm_unit_bwd(act, tc, y->grad, cp, ggx, ggh, gcp, n, j, h);
    }
    return HN_OK;
}

/* gx (B, 3H), gh (B, 3H) or (3H), h_prev (B, H) or none -> h (B, H);
 * aux: r, z, n (B, 3H). */
hn_status hn_cpu_gru_cell_fwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    (void)gr;
    (void)err;
    int64_t b = y->shape[0], h = y->shape[1];
    const hn_tensor *ght = y->src[1];
    int bcast = hn_numel(ght) == 3 * h;
    const float *gx = y->src[0]->data, *gh = ght->data, *hp = y->n_src == 3 ? y->src[2]->data : NULL;
#pragma omp parallel for if (b * h * 3 > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++) {
        const float *px = gx + n * 3 * h, *ph = bcast ? gh : gh + n * 3 * h;
        float *a = y->aux + n * 3 * h;
        for (int64_t j = 0; j < h; j++) {
            float r = hn_sigm_gate(px[j] + ph[j]), z = hn_sigm_gate(px[h + j] + ph[h + j]);
            float nn = hn_tanh_gate(px[2 * h + j] + r * ph[2 * h + j]);
            a[j] = r;
            a[h + j] = z;
            a[2 * h + j] = nn;
            y->data[n * h + j] = nn + z * ((hp ? hp[n * h + j] : 0.0f) - nn);
        }
    }
    return HN_OK;
}

hn_status hn_cpu_gru_cell_bwd(hn_graph *gr, hn_tensor *y, hn_error *err)
{
    (void)gr;
    (void)err;
    int64_t b = y->shape[0], h = y->shape[1];
    const hn_tensor *ght = y->src[1];
    int bcast = hn_numel(ght) == 3 * h, full = y->n_src == 3;
    const float *gh = ght->data, *hp = full ? y->src[2]->data : NULL;
    float *ggx = hn_src_grad(y, 0), *ggh = hn_src_grad(y, 1), *ghp = full ? hn_src_grad(y, 2) : NULL;
    /* A broadcast gh (the first step's bias) sums over the batch: serially, so
     * the order is fixed. */
#pragma omp parallel for if (!bcast && b * h * 3 > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++) {
        const float *a = y->aux + n * 3 * h, *ph = bcast ? gh : gh + n * 3 * h;
        float *dgh = ggh ? (bcast ? ggh : ggh + n * 3 * h) : NULL, *dgx = ggx ? ggx + n * 3 * h : NULL;
        for (int64_t j = 0; j < h; j++) {
            float r = a[j], z = a[h + j], dh = y->grad[n * h + j], d[3];
            hn_gru_unit_bwd(r, z, a[2 * h + j], dh, hp ? hp[n * h + j] : 0.0f, ph[2 * h + j], d);
            if (dgx) {
                dgx[j] += d[0];
                dgx[h + j] += d[1];
                dgx[2 * h + j] += d[2];
            }
            if (dgh) {
                dgh[j] += d[0];
                dgh[h + j] += d[1];
                dgh[2 * h + j] += d[2] * r;
            }
            if (ghp)
                ghp[n * h + j] += dh * z;
        }
    }
    return HN_OK;
}
