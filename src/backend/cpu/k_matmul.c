/* Matrix product through OpenBLAS.
 * a (M, K) [stored (K, M) if trans_a], b (K, N) [stored (N, K) if trans_b] -> y (M, N)
 * Without trans_a, a may be (..., K): the leading dimensions form M.
 *
 * Threads: OpenBLAS (pthreads) keeps its own pool, and two pools spinning on
 * the same cores slowed training tenfold. So with more than one OpenMP
 * thread, hepnn splits each large product itself into blocks of rows or
 * columns of the result and runs them on its OpenMP threads, OpenBLAS on one
 * thread inside. The blocks depend on the shape only, never on the thread
 * count, so with one OpenMP thread and one OpenBLAS thread the same blocks run
 * one after the other and give the same bits as on any number of OpenMP
 * threads. With one OpenMP thread and several OpenBLAS threads (the setting
 * that suits a machine whose cores are busy with other work: OpenBLAS's
 * threads yield while they wait, OpenMP's spin), each product is one OpenBLAS
 * call, deterministic for that thread count. Small products (the 28-wide first layer, the 1-wide output) are one
 * call on one thread: splitting them costs more than it saves. */
#include <cblas.h>
#include <omp.h>

#include "backend/cpu/cpu.h"
#include "core/matmul_dims.h"

/* A product is split when it has at least this many multiply-adds, into
 * blocks of about MM_BLOCK_MACS. */
#define MM_SPLIT_MIN (1 << 21)
#define MM_BLOCK_MACS (16.0 * (1 << 20))


static inline CBLAS_TRANSPOSE tr(int t) { return t ? CblasTrans : CblasNoTrans; }

/* Number of blocks for an (m, n, k) product: a function of the shape only.
 * Every block packs the operand it shares with the others again, so blocks
 * are large: about one per 16 M multiply-adds, a power of two from 2 to 8
 * (on two cores, with 4 blocks of the MLP's 256 × 300 × 300 products it trained about 5 %
 * slower than with 2, with 8 blocks of its 1024-row products 8 % slower than with 4). */
static int mm_blocks(int m, int n, int k)
{
    double macs = (double)m * n * k;
    if (macs < MM_SPLIT_MIN)
        return 1;
    int nb = 2;
    while (nb < 8 && macs >= 2.0 * nb * MM_BLOCK_MACS)
        nb *= 2;
    int len = m > n ? m : n;
    while (nb > 1 && len / nb < 16)
        nb /= 2;
    return nb;
}

/* c (m, n) = alpha · op(a) (m, k) · op(b) (k, n) + beta · c, row-major, split
 * along the longer of m and n into blocks that are multiples of 16. */
void hn_cpu_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                  float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (omp_get_max_threads() == 1 && openblas_get_num_threads() > 1) {
        /* OpenBLAS's threads only: one call, split its own way */
        cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    int nb = mm_blocks(m, n, k), split_rows = m >= n, len = split_rows ? m : n;
    int step = (len + nb - 1) / nb;
    step = (step + 15) / 16 * 16;
    nb = (len + step - 1) / step;
    int threads = omp_get_max_threads(), par = threads > 1 && nb > 1 && !omp_in_parallel();
    int saved = 0;
    if (threads > 1) { /* one pool only: OpenBLAS serial under hepnn's threads */
        saved = openblas_get_num_threads();
        if (saved != 1)
            openblas_set_num_threads(1);
    }
#pragma omp parallel for if (par) schedule(static)
    for (int i = 0; i < nb; i++) {
        int lo = i * step, cnt = len - lo < step ? len - lo : step;
        if (split_rows) {
            const float *ai = ta ? a + lo : a + (size_t)lo * lda;
            cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), cnt, n, k, alpha, ai, lda, b, ldb, beta, c + (size_t)lo * ldc,
                        ldc);
        } else {
            const float *bi = tb ? b + (size_t)lo * ldb : b + lo;
            cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, cnt, k, alpha, a, lda, bi, ldb, beta, c + lo, ldc);
        }
    }
    if (threads > 1 && saved != 1)
        openblas_set_num_threads(saved);
}

hn_status hn_cpu_matmul_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    mm_dims d = hn_matmul_dims(y);
    if (d.m == 0 || d.n == 0)
        return HN_OK;
    hn_cpu_sgemm(d.ta, d.tb, d.m, d.n, d.k, 1.0f, y->src[0]->data, d.lda, y->src[1]->data, d.ldb, 0.0f, y->data,
                 d.n);
    return HN_OK;
}

hn_status hn_cpu_matmul_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    mm_dims d = hn_matmul_dims(y);
    const float *a = y->src[0]->data, *b = y->src[1]->data, *dy = y->grad;
    float *da = hn_src_grad(y, 0), *db = hn_src_grad(y, 1);
    if (d.m == 0 || d.n == 0 || d.k == 0)
        return HN_OK;
    if (da) {
        if (!d.ta) /* da (M, K) += dy (M, N) · op(b)ᵀ */
            hn_cpu_sgemm(0, !d.tb, d.m, d.k, d.n, 1.0f, dy, d.n, b, d.ldb, 1.0f, da, d.k);
        else /* da stored (K, M) += op(b) (K, N) · dyᵀ (N, M) */
            hn_cpu_sgemm(d.tb, 1, d.k, d.m, d.n, 1.0f, b, d.ldb, dy, d.n, 1.0f, da, d.m);
    }
    if (db) {
        if (!d.tb) /* db (K, N) += op(a)ᵀ (K, M) · dy (M, N) */
            hn_cpu_sgemm(!d.ta, 0, d.k, d.n, d.m, 1.0f, a, d.lda, dy, d.n, 1.0f, db, d.n);
        else /* db stored (N, K) += dyᵀ (N, M) · op(a) (M, K) */
            hn_cpu_sgemm(1, d.ta, d.n, d.k, d.m, 1.0f, dy, d.n, a, d.lda, 1.0f, db, d.k);
    }
    return HN_OK;
}
