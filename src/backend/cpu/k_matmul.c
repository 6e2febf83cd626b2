/* Matrix product through OpenBLAS.
 * a (M, K) [stored (K, M) if trans_a], b (K, N) [stored (N, K) if trans_b] -> y (M, N)
 * Without trans_a, a may be (..., K): the leading dimensions form M. */
#include <cblas.h>

#include "backend/cpu/cpu.h"

typedef struct {
    int ta, tb;
    int m, n, k, lda, ldb;
} mm_dims;

static mm_dims dims(const hn_tensor *y)
{
    const hn_tensor *a = y->src[0], *b = y->src[1];
    mm_dims d;
    d.ta = (int)y->ip[0];
    d.tb = (int)y->ip[1];
    d.n = (int)y->shape[y->ndim - 1];
    d.m = (int)(hn_numel(y) / (d.n > 0 ? d.n : 1));
    d.k = (int)(d.ta ? a->shape[0] : a->shape[a->ndim - 1]);
    d.lda = d.ta ? d.m : d.k;
    d.ldb = d.tb ? d.k : d.n;
    (void)b;
    return d;
}

static inline CBLAS_TRANSPOSE tr(int t) { return t ? CblasTrans : CblasNoTrans; }

hn_status hn_cpu_matmul_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    mm_dims d = dims(y);
    if (d.m == 0 || d.n == 0)
        return HN_OK;
    cblas_sgemm(CblasRowMajor, tr(d.ta), tr(d.tb), d.m, d.n, d.k, 1.0f, y->src[0]->data, d.lda, y->src[1]->data,
                d.ldb, 0.0f, y->data, d.n);
    return HN_OK;
}

hn_status hn_cpu_matmul_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    mm_dims d = dims(y);
    const float *a = y->src[0]->data, *b = y->src[1]->data, *dy = y->grad;
    float *da = hn_src_grad(y, 0), *db = hn_src_grad(y, 1);
    if (d.m == 0 || d.n == 0 || d.k == 0)
        return HN_OK;
    if (da) {
        if (!d.ta) /* da (M, K) += dy (M, N) · op(b)ᵀ */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, tr(!d.tb), d.m, d.k, d.n, 1.0f, dy, d.n, b, d.ldb, 1.0f, da,
                        d.k);
        else /* da stored (K, M) += op(b) (K, N) · dyᵀ (N, M) */
            cblas_sgemm(CblasRowMajor, tr(d.tb), CblasTrans, d.k, d.m, d.n, 1.0f, b, d.ldb, dy, d.n, 1.0f, da, d.m);
    }
    if (db) {
        if (!d.tb) /* db (K, N) += op(a)ᵀ (K, M) · dy (M, N) */
            cblas_sgemm(CblasRowMajor, tr(!d.ta), CblasNoTrans, d.k, d.n, d.m, 1.0f, a, d.lda, dy, d.n, 1.0f, db,
                        d.n);
        else /* db stored (N, K) += dyᵀ (N, M) · op(a) (M, K) */
            cblas_sgemm(CblasRowMajor, CblasTrans, tr(d.ta), d.n, d.k, d.m, 1.0f, dy, d.n, a, d.lda, 1.0f, db, d.k);
    }
    return HN_OK;
}
