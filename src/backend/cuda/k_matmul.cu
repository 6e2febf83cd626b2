// Matrix product through cuBLAS (column-major), on row-major tensors.
// a (M, K) [stored (K, M) if trans_a], b (K, N) [stored (N, K) if trans_b] -> y (M, N)
// A row-major (r, c) matrix is the column-major (c, r) one with the same
// leading dimension, so row-major C = op(A)·op(B) is column-major
// Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap places, the transposition flags do not.
#include "backend/cuda/k_common.cuh"
#include "core/matmul_dims.h"


static inline cublasOperation_t tr(int t) { return t ? CUBLAS_OP_T : CUBLAS_OP_N; }

// Row-major C (m, n) = op_a(A) (m, k) · op_b(B) (k, n) + beta·C for count
// matrices at the given strides (0: the same matrix for all), as
// cblas_sgemm(CblasRowMajor, ...) for each (hn_cuda.h).
extern "C" hn_status hn_cuda_gemm_rm(hn_graph *g, int ta, int tb, int64_t m, int64_t n, int64_t k, const float *A,
                                     int64_t lda, int64_t sa, const float *B, int64_t ldb, int64_t sb, float beta,
                                     float *C, int64_t ldc, int64_t sc, int64_t count, const char *what, hn_error *err)
{
    if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX ||
        count > INT32_MAX)
        return hn_error_set(err, HN_ERR_SHAPE, "%s: a product of %lld x %lld x %lld is too large for cuBLAS", what,
                            (long long)m, (long long)n, (long long)k);
    const float one = 1.0f;
    cublasHandle_t h = hn_cuda_ctx_of(g)->blas;
    cublasStatus_t s =
        count == 1 ? cublasSgemm(h, tr(tb), tr(ta), (int)n, (int)m, (int)k, &one, B, (int)ldb, A, (int)lda, &beta, C,
                                 (int)ldc)
                   : cublasSgemmStridedBatched(h, tr(tb), tr(ta), (int)n, (int)m, (int)k, &one, B, (int)ldb, sb, A,
                                               (int)lda, sa, &beta, C, (int)ldc, sc, (int)count);
    return hn_cublas_check(s, what, err);
}

static hn_status gemm_rm(hn_graph *g, int ta, int tb, int m, int n, int k, const float *A, int lda, const float *B,
                         int ldb, float beta, float *C, int ldc, const char *what, hn_error *err)
{
    return hn_cuda_gemm_rm(g, ta, tb, m, n, k, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1, what, err);
}

extern "C" hn_status hn_cuda_matmul_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    mm_dims d = hn_matmul_dims(y);
    if (d.m == 0 || d.n == 0)
        return HN_OK;
    if (d.k == 0)
        return hn_cuda_check(cudaMemsetAsync(y->data, 0, sizeof(float) * (size_t)d.m * (size_t)d.n,
                                             hn_cuda_ctx_of(g)->stream),
                             "matmul forward", err);
    return gemm_rm(g, d.ta, d.tb, d.m, d.n, d.k, y->src[0]->data, d.lda, y->src[1]->data, d.ldb, 0.0f, y->data, d.n,
                   "matmul forward", err);
}

extern "C" hn_status hn_cuda_matmul_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    mm_dims d = hn_matmul_dims(y);
    const float *a = y->src[0]->data, *b = y->src[1]->data, *dy = y->grad;
    float *da = hn_src_grad(y, 0), *db = hn_src_grad(y, 1);
    if (d.m == 0 || d.n == 0 || d.k == 0)
        return HN_OK;
    hn_status st = HN_OK;
    if (da) {
        if (!d.ta) // da (M, K) += dy (M, N) · op(b)ᵀ
            st = gemm_rm(g, 0, !d.tb, d.m, d.k, d.n, dy, d.n, b, d.ldb, 1.0f, da, d.k, "matmul backward (a)", err);
        else // da stored (K, M) += op(b) (K, N) · dyᵀ (N, M)
            st = gemm_rm(g, d.tb, 1, d.k, d.m, d.n, b, d.ldb, dy, d.n, 1.0f, da, d.m, "matmul backward (a)", err);
    }
    if (!st && db) {
        if (!d.tb) // db (K, N) += op(a)ᵀ (K, M) · dy (M, N)
            st = gemm_rm(g, !d.ta, 0, d.k, d.n, d.m, a, d.lda, dy, d.n, 1.0f, db, d.n, "matmul backward (b)", err);
        else // db stored (N, K) += dyᵀ (N, M) · op(a) (M, K)
            st = gemm_rm(g, 1, d.ta, d.n, d.k, d.m, dy, d.n, a, d.lda, 1.0f, db, d.k, "matmul backward (b)", err);
    }
    return st;
}

// TF32 tensor-core products for fp32 matmuls (off by default).
extern "C" hn_status hn_cuda_set_tf32(hn_cuda_ctx *c, int on, hn_error *err)
{
    hn_status st = hn_cublas_check(cublasSetMathMode(c->blas, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                                   "cublasSetMathMode", err);
    if (!st)
        c->tf32 = on != 0;
    return st;
}
