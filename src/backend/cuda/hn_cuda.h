/* Internal to the CUDA backend: the per-graph context, kernel declarations and
 * the launch helpers shared by the kernel files. Included by C files (host
 * logic, compiled by the C compiler) and by .cu files (kernels, nvcc). Only
 * compiled when hepnn is built with CUDA (HEPNN_HAVE_CUDA). */
#ifndef HN_CUDA_INTERNAL_H
#define HN_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "core/graph_impl.h"
#include "hepnn/optim.h"

/* Two-stage reductions use a fixed grid, so every sum is formed in the same
 * order on every run: deterministic without atomics. */
#define HN_CUDA_RED_BLOCKS 256
#define HN_CUDA_THREADS 256
#define HN_CUDA_BLAS_WS (32u << 20) /* cuBLAS workspace: fixed, so capture never allocates */

typedef struct hn_cuda_ctx {
    int device;
    cudaStream_t stream; /* every operation of the graph is ordered on it */
    cublasHandle_t blas;
    void *blas_ws;
    double *partials; /* HN_CUDA_RED_BLOCKS doubles: first stage of reductions */
    int *flags;       /* device: [0] first bad-label example (INT32_MAX: none), [1] its class count */
    float *seed_buf;  /* backward seeds uploaded from the host */
    int64_t seed_cap;
    uint64_t *keys; /* device: dropout keys read by kernels of a captured step */
    int keys_cap;
    int capturing;  /* a step is being captured: kernels take per-run values from device memory */
    int n_keys;     /* dropout keys used by the forward being captured */
    uint64_t generation; /* bumped whenever buffers may have moved: captured steps are stale */
    int tf32;
    int class_losses; /* the compiled order has a classification loss: check the flag word when waiting */
    /* bias + ReLU fusion, planned by prepare over the compiled order: an add of
     * a row vector whose only consumer is a ReLU computes both (fuse_next[add id]
     * = the ReLU node) and the ReLU's own forward is skipped (fused[relu id]).
     * Both tensors keep their values, so backward and readers are unchanged. */
    hn_tensor **fuse_next;
    unsigned char *fused;
    int fuse_cap;
    float *ones; /* ones_cap ones: the gradient of a bias is dyᵀ·1, a cuBLAS gemv */
    int64_t ones_cap;
    /* convolutions' weight gradients: the images' products of a chunk at once,
     * then summed in image order (k_conv.cu); sized by prepare, at most
     * HN_CUDA_CONV_WS floats; too small (or none): one product per image */
    float *conv_ws;
    int64_t conv_ws_cap;
} hn_cuda_ctx;

#define HN_CUDA_CONV_WS (16 << 20)

/* Floats of conv_ws the convolution y would use (0: none). */
int64_t hn_cuda_conv_ws_need(const hn_tensor *y);

/* The ReLU node whose forward the add node y computes too, or NULL. */
static inline hn_tensor *hn_cuda_fused_act(const hn_cuda_ctx *c, const hn_tensor *y)
{
    return c->fuse_next && y->id < c->fuse_cap ? c->fuse_next[y->id] : NULL;
}
static inline int hn_cuda_is_fused(const hn_cuda_ctx *c, const hn_tensor *y)
{
    return c->fused && y->id < c->fuse_cap && c->fused[y->id];
}

static inline hn_cuda_ctx *hn_cuda_ctx_of(const hn_graph *g) { return (hn_cuda_ctx *)g->be_ctx; }

/* Turns a CUDA / cuBLAS status into HN_ERR_BACKEND with where and why. */
hn_status hn_cuda_check(cudaError_t e, const char *what, hn_error *err);
hn_status hn_cublas_check(cublasStatus_t s, const char *what, hn_error *err);
/* After kernel launches: a launch error (bad configuration, no device) as a status. */
hn_status hn_cuda_launched(const char *what, hn_error *err);

/* The ops this backend has: X(ID, id). Ops added to HN_OP_LIST later and not
 * listed here stay NULL in the table, and graph compilation names them. */
#define HN_CUDA_OPS(X)                                                                                    \
    X(MATMUL, matmul) X(ADD, add) X(SUB, sub) X(MUL, mul) X(DIV, div) X(AFFINE, affine) X(SUM, sum)         \
    X(MEAN, mean) X(RESHAPE, reshape) X(CONCAT, concat) X(SLICE, slice) X(DETACH, detach) X(EXP, exp)       \
    X(LOG, log) X(SQRT, sqrt) X(SQUARE, square) X(ABS, abs) X(IDENTITY, identity) X(STEP, step)              \
    X(SIGMOID, sigmoid) X(TANH, tanh) X(ATAN, atan) X(RELU, relu) X(PRELU, prelu) X(ELU, elu)               \
    X(SOFTPLUS, softplus) X(SOFTMAX, softmax) X(LOG_SOFTMAX, log_softmax) X(DROPOUT, dropout)               \
    X(BATCHNORM, batchnorm) X(LOSS_MSE, loss_mse) X(LOSS_BCE_LOGITS, loss_bce_logits) X(LOSS_BCE, loss_bce) \
    X(LOSS_CE, loss_ce) X(LOSS_NLL, loss_nll) X(LOSS_KL_GAUSS, loss_kl_gauss) X(CONV, conv)                 \
    X(CONV_TRANSPOSE, conv_transpose) X(MAXPOOL, maxpool) X(AVGPOOL, avgpool)                               \
    X(GLOBAL_AVGPOOL, global_avgpool) X(LSTM_CELL, lstm_cell) X(GRU_CELL, gru_cell)

#define HN_X_CUDA_DECL(ID, id)                                                \
    hn_status hn_cuda_##id##_fwd(hn_graph *g, hn_tensor *y, hn_error *err); \
    hn_status hn_cuda_##id##_bwd(hn_graph *g, hn_tensor *y, hn_error *err);
HN_CUDA_OPS(HN_X_CUDA_DECL)
#undef HN_X_CUDA_DECL

/* Small kernels shared by the host logic (cuda_util.cu). */
hn_status hn_cuda_add_scalar(hn_cuda_ctx *c, float *x, float v, int64_t n, hn_error *err); /* x += v */
hn_status hn_cuda_axpy1(hn_cuda_ctx *c, float *y, const float *x, int64_t n, hn_error *err); /* y += x */

/* Device-to-device copy of n floats on the graph's stream (hn_tensor_copy). */
hn_status hn_cuda_copy(hn_cuda_ctx *c, float *dst, const float *src, int64_t n, hn_error *err);

/* Plain device buffers outside any graph (row lists, value logs): HN_ERR_NOMEM
 * names what; freeing waits for the device. */
hn_status hn_cuda_buf_alloc(void **p, size_t bytes, const char *what, hn_error *err);
void hn_cuda_buf_free(void *p);
/* Page-locked host memory (NULL when refused) and events (marks in a stream). */
void *hn_cuda_pinned_alloc(size_t bytes);
void hn_cuda_pinned_free(void *p);
hn_status hn_cuda_event_new(void **ev, hn_error *err);
hn_status hn_cuda_event_record(hn_cuda_ctx *c, void *ev, hn_error *err);
hn_status hn_cuda_event_wait(void *ev, hn_error *err);
void hn_cuda_event_free(void *ev);
/* Row lists (hn_rows): the upload waits for c's stream (gathers from the old
 * list) and copies synchronously. */
hn_status hn_cuda_rows_upload(hn_cuda_ctx *c, int64_t *dev, const int64_t *host, int64_t n, hn_error *err);
/* Value logs: waits for c's stream (reporting a device error as hn_cuda_sync
 * does), then copies n floats to the host. */
hn_status hn_cuda_values_read(hn_cuda_ctx *c, float *host, const float *dev, int64_t n, hn_error *err);
/* dst[i·len + j] = src[rows[i]·len + j] for i < n, j < len, on c's stream (k_shape.cu). */
hn_status hn_cuda_gather_rows(hn_cuda_ctx *c, float *dst, const float *src, const int64_t *rows, int64_t n,
                              int64_t len, hn_error *err);

/* The first bad class label met by a loss kernel since the last check, as an
 * error; waits for the stream. */
hn_status hn_cuda_sync(hn_cuda_ctx *c, hn_error *err);

/* Captured steps (src/backend/cuda/cuda_capture.c). */
typedef struct hn_cuda_capture hn_cuda_capture;
hn_status hn_cuda_capture_begin(hn_cuda_ctx *c, hn_error *err);
/* Ends a capture begun by hn_cuda_capture_begin; with ok = 0 discards it. */
hn_status hn_cuda_capture_end(hn_cuda_ctx *c, int ok, hn_cuda_capture **out, hn_error *err);
/* Draws the dropout keys of one run from rng (in the order a forward would)
 * and launches the captured graph. */
hn_status hn_cuda_capture_launch(hn_cuda_ctx *c, hn_cuda_capture *cap, hn_rng *rng, hn_error *err);
void hn_cuda_capture_free(hn_cuda_capture *cap);

/* Device optimisers (k_optim.cu): attach to an optimiser made by
 * hn_optim_new (views in device memory, work queued on stream), and the
 * bookkeeping around a replayed step. */
hn_status hn_cuda_optim_attach(hn_optim *o, cudaStream_t stream, hn_error *err);
hn_status hn_cuda_optim_before_replay(hn_optim *o, hn_error *err);
hn_status hn_cuda_optim_after_replay(hn_optim *o, hn_error *err);

/* Row-major C (m, n) = op_a(A) (m, k) · op_b(B) (k, n) + beta·C on g's cuBLAS
 * handle, as cblas_sgemm(CblasRowMajor, ...); count > 1: that many products at
 * strides sa, sb, sc (0: the same matrix for all), one strided batched call
 * (k_matmul.cu). HN_ERR_SHAPE past cuBLAS's int sizes, naming what. */
hn_status hn_cuda_gemm_rm(hn_graph *g, int ta, int tb, int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
                          int64_t sa, const float *B, int64_t ldb, int64_t sb, float beta, float *C, int64_t ldc,
                          int64_t sc, int64_t count, const char *what, hn_error *err);

/* TF32 tensor-core matrix products (k_matmul.cu); off by default. */
hn_status hn_cuda_set_tf32(hn_cuda_ctx *c, int on, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
