/* Elementwise binary ops with NumPy broadcasting, and y = s·x + c.
 * a, b broadcast to y; the gradient of a broadcast operand is summed over the
 * repeated positions (serially, so the result does not depend on threads). */
#include <omp.h>

#include "backend/cpu/cpu.h"

/* How the flat index i of y maps to an operand x:
 *   FULL:    x has y's shape, index i
 *   BLOCK:   x's non-repeated dimensions are one contiguous block of y's:
 *            index (i / div) % mod (a scalar has mod 1; a row vector div 1)
 *   GENERIC: anything else, through the multi-index */
enum { BC_FULL, BC_BLOCK, BC_GENERIC };

typedef struct {
    int kind;
    int64_t div, mod;
    int nd;
    int64_t yshape[HN_MAX_DIMS], xstride[HN_MAX_DIMS];
} bcast;

static void bcast_plan(bcast *p, const hn_tensor *x, const hn_tensor *y)
{
    int nd = y->ndim, off = y->ndim - x->ndim;
    int64_t xs[HN_MAX_DIMS];
    int lo = -1, hi = -1, contiguous = 1;
    int64_t stride = 1;
    for (int i = nd - 1; i >= 0; i--) {
        int64_t xd = i >= off ? x->shape[i - off] : 1;
        xs[i] = xd == 1 ? 0 : stride;
        stride *= xd;
        if (xd != 1) { /* a kept dimension */
            if (hi < 0)
                hi = i;
            else if (lo != i + 1)
                contiguous = 0;
            lo = i;
        }
    }
    p->nd = nd;
    for (int i = 0; i < nd; i++) {
        p->yshape[i] = y->shape[i];
        p->xstride[i] = xs[i];
    }
    if (hn_numel(x) == hn_numel(y)) {
        p->kind = BC_FULL;
        p->div = 1;
        p->mod = hn_numel(y);
    } else if (contiguous) {
        p->kind = BC_BLOCK;
        p->div = 1;
        p->mod = 1;
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

static inline int64_t bcast_idx(const bcast *p, int64_t i)
{
    if (p->kind == BC_FULL)
        return i;
    if (p->kind == BC_BLOCK)
        return (i / p->div) % p->mod;
    int64_t idx = 0;
    for (int d = p->nd - 1; d >= 0; d--) {
        int64_t c = i % p->yshape[d];
        i /= p->yshape[d];
        idx += c * p->xstride[d];
    }
    return idx;
}

/* Forward: flat when both operands are full, row-wise when one is a row vector
 * (the bias case), otherwise through the index maps. */
#define BINARY_FWD(id, EXPR)                                                              \
    hn_status hn_cpu_##id##_fwd(hn_graph *g, hn_tensor *y, hn_error *err)                \
    {                                                                                     \
        (void)g;                                                                          \
        (void)err;                                                                        \
        const float *A = y->src[0]->data, *B = y->src[1]->data;                           \
        float *Y = y->data;                                                               \
        int64_t n = hn_numel(y);                                                          \
        bcast pa, pb;                                                                     \
        bcast_plan(&pa, y->src[0], y);                                                    \
        bcast_plan(&pb, y->src[1], y);                                                    \
        if (pa.kind == BC_FULL && pb.kind == BC_FULL) {                                   \
            _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")             \
            for (int64_t i = 0; i < n; i++) {                                             \
                float a = A[i], b = B[i];                                                 \
                Y[i] = (EXPR);                                                            \
            }                                                                             \
        } else if (pa.kind == BC_FULL && pb.kind == BC_BLOCK && pb.div == 1) {            \
            int64_t m = pb.mod, rows = n / m;                                             \
            _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")             \
            for (int64_t r = 0; r < rows; r++)                                            \
                for (int64_t j = 0; j < m; j++) {                                         \
                    float a = A[r * m + j], b = B[j];                                     \
                    Y[r * m + j] = (EXPR);                                                \
                }                                                                         \
        } else {                                                                          \
            _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")             \
            for (int64_t i = 0; i < n; i++) {                                             \
                float a = A[bcast_idx(&pa, i)], b = B[bcast_idx(&pb, i)];                 \
                Y[i] = (EXPR);                                                            \
            }                                                                             \
        }                                                                                 \
        return HN_OK;                                                                     \
    }

/* Backward: DA and DB are the local derivatives ∂y/∂a and ∂y/∂b. A full
 * operand's gradient is written in parallel; a broadcast one is summed. */
#define BINARY_BWD(id, DA, DB)                                                            \
    hn_status hn_cpu_##id##_bwd(hn_graph *g, hn_tensor *y, hn_error *err)                \
    {                                                                                     \
        (void)g;                                                                          \
        (void)err;                                                                        \
        const float *A = y->src[0]->data, *B = y->src[1]->data, *DY = y->grad;            \
        float *GA = hn_src_grad(y, 0), *GB = hn_src_grad(y, 1);                           \
        int64_t n = hn_numel(y);                                                          \
        bcast pa, pb;                                                                     \
        bcast_plan(&pa, y->src[0], y);                                                    \
        bcast_plan(&pb, y->src[1], y);                                                    \
        if (GA) {                                                                         \
            if (pa.kind == BC_FULL) {                                                     \
                _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")         \
                for (int64_t i = 0; i < n; i++) {                                         \
                    float a = A[i], b = B[bcast_idx(&pb, i)];                             \
                    (void)a;                                                              \
                    (void)b;                                                              \
                    GA[i] += DY[i] * (DA);                                                \
                }                                                                         \
            } else {                                                                      \
                for (int64_t i = 0; i < n; i++) {                                         \
                    int64_t ia = bcast_idx(&pa, i);                                       \
                    float a = A[ia], b = B[bcast_idx(&pb, i)];                            \
                    (void)a;                                                              \
                    (void)b;                                                              \
                    GA[ia] += DY[i] * (DA);                                               \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        if (GB) {                                                                         \
            if (pb.kind == BC_FULL) {                                                     \
                _Pragma("omp parallel for if (n > HN_PAR_MIN) schedule(static)")         \
                for (int64_t i = 0; i < n; i++) {                                         \
                    float a = A[bcast_idx(&pa, i)], b = B[i];                             \
                    (void)a;                                                              \
                    (void)b;                                                              \
                    GB[i] += DY[i] * (DB);                                                \
                }                                                                         \
            } else if (pb.kind == BC_BLOCK && pb.div == 1 && pa.kind == BC_FULL) {        \
                /* the bias gradient: each thread sums whole columns, rows in order, \
                 * so every sum runs as on one thread */                                  \
                int64_t m = pb.mod, rows = n / m;                                         \
                _Pragma("omp parallel if (n > HN_PAR_MIN && m >= 64)")                    \
                {                                                                         \
                    int nt = omp_get_num_threads(), id = omp_get_thread_num();            \
                    int64_t j0 = m * id / nt, j1 = m * (id + 1) / nt;                     \
                    for (int64_t r = 0; r < rows; r++)                                    \
                        for (int64_t j = j0; j < j1; j++) {                               \
                            float a = A[r * m + j], b = B[j];                             \
                            (void)a;                                                      \
                            (void)b;                                                      \
                            GB[j] += DY[r * m + j] * (DB);                                \
                        }                                                                 \
                }                                                                         \
            } else {                                                                      \
                for (int64_t i = 0; i < n; i++) {                                         \
                    int64_t ib = bcast_idx(&pb, i);                                       \
                    float a = A[bcast_idx(&pa, i)], b = B[ib];                            \
                    (void)a;                                                              \
                    (void)b;                                                              \
                    GB[ib] += DY[i] * (DB);                                               \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        return HN_OK;                                                                     \
    }

BINARY_FWD(add, a + b)
BINARY_BWD(add, 1.0f, 1.0f)
BINARY_FWD(sub, a - b)
BINARY_BWD(sub, 1.0f, -1.0f)
BINARY_FWD(mul, a * b)
BINARY_BWD(mul, b, a)
BINARY_FWD(div, a / b)
BINARY_BWD(div, 1.0f / b, -a / (b * b))

/* y = s·x + c */
hn_status hn_cpu_affine_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const float *x = y->src[0]->data;
    float s = y->fp[0], c = y->fp[1], *out = y->data;
    int64_t n = hn_numel(y);
#pragma omp parallel for if (n > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++)
        out[i] = s * x[i] + c;
    return HN_OK;
}

hn_status hn_cpu_affine_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return HN_OK;
    const float *dy = y->grad;
    float s = y->fp[0];
    int64_t n = hn_numel(y);
#pragma omp parallel for if (n > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++)
        gx[i] += s * dy[i];
    return HN_OK;
}
