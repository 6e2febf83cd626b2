/* Internal to the CPU backend: kernel declarations and shared helpers. */
#ifndef HN_CPU_H
#define HN_CPU_H

#include "core/graph_impl.h"

#define HN_X_CPU_DECL(ID, id, name, amin, amax, infer)                 \
    hn_status hn_cpu_##id##_fwd(hn_graph *g, hn_tensor *y, hn_error *err); \
    hn_status hn_cpu_##id##_bwd(hn_graph *g, hn_tensor *y, hn_error *err);
HN_OP_LIST(HN_X_CPU_DECL)
#undef HN_X_CPU_DECL

/* Below this many elements a kernel runs on one thread: the fork/join of an
 * OpenMP region costs more than the work. */
#define HN_PAR_MIN 32768

static inline int64_t hn_numel(const hn_tensor *t) { return hn_shape_numel(t->ndim, t->shape); }

/* Gradient buffer of input k if it needs one, else NULL. */
static inline float *hn_src_grad(const hn_tensor *y, int k)
{
    const hn_tensor *x = y->src[k];
    return x->requires_grad ? x->grad : NULL;
}

/* Splits the shape of x around axis: outer · n · inner = numel. */
static inline void hn_split_axis(const hn_tensor *x, int axis, int64_t *outer, int64_t *n, int64_t *inner)
{
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= x->shape[i];
    for (int i = axis + 1; i < x->ndim; i++)
        *inner *= x->shape[i];
    *n = x->shape[axis];
}

/* c (m, n) = alpha · op(a) · op(b) + beta · c, row-major (as cblas_sgemm),
 * split over hepnn's OpenMP threads (src/backend/cpu/k_matmul.c). */
void hn_cpu_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                  float beta, float *c, int ldc);

#endif
