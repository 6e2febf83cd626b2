/* The CUDA backend: the op table, the per-graph context (stream, cuBLAS handle,
 * workspaces) and device memory. Host code only; the kernels are in the .cu
 * files of this directory. Without CUDA this file only says so. */
#include "core/graph_impl.h"

#ifndef HEPNN_HAVE_CUDA

#include "optim/optim_internal.h"

const hn_backend *hn_backend_cuda(void) { return NULL; }

/* Without CUDA no optimiser has device state (o->dev stays NULL), so these
 * are never reached; they exist for the linker. */
hn_status hn_optim__dev_step(hn_optim *o, hn_error *err)
{
    (void)o;
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend");
}
hn_status hn_optim__dev_pull(const hn_optim *o, hn_error *err)
{
    (void)o;
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend");
}
hn_status hn_optim__dev_push(hn_optim *o, hn_error *err)
{
    (void)o;
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend");
}
void hn_optim__dev_free(hn_optim *o) { (void)o; }

#else

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/hn_cuda.h"

hn_status hn_cuda_check(cudaError_t e, const char *what, hn_error *err)
{
    if (e == cudaSuccess)
        return HN_OK;
    if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver)
        return hn_error_set(err, HN_ERR_BACKEND, "no CUDA device: %s (%s)", what, cudaGetErrorString(e));
    if (e == cudaErrorMemoryAllocation)
        return hn_error_set(err, HN_ERR_NOMEM, "CUDA out of memory: %s", what);
    return hn_error_set(err, HN_ERR_BACKEND, "CUDA error in %s: %s (%s)", what, cudaGetErrorName(e),
                        cudaGetErrorString(e));
}

hn_status hn_cublas_check(cublasStatus_t s, const char *what, hn_error *err)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return HN_OK;
    return hn_error_set(err, s == CUBLAS_STATUS_ALLOC_FAILED ? HN_ERR_NOMEM : HN_ERR_BACKEND, "cuBLAS error in %s: %s",
                        what, cublasGetStatusString(s));
}

hn_status hn_cuda_launched(const char *what, hn_error *err)
{
    return hn_cuda_check(cudaGetLastError(), what, err);
}

static void ctx_close(void *p)
{
    hn_cuda_ctx *c = p;
    if (!c)
        return;
    /* teardown: errors here have nowhere to go and change nothing */
    if (c->stream)
        (void)cudaStreamSynchronize(c->stream);
    if (c->blas)
        (void)cublasDestroy(c->blas);
    (void)cudaFree(c->blas_ws);
    (void)cudaFree(c->partials);
    (void)cudaFree(c->flags);
    (void)cudaFree(c->seed_buf);
    (void)cudaFree(c->keys);
    free(c->fuse_next);
    free(c->fused);
    (void)cudaFree(c->ones);
    (void)cudaFree(c->conv_ws);
    if (c->stream)
        (void)cudaStreamDestroy(c->stream);
    free(c);
}

static hn_status ctx_open(void **out, hn_error *err)
{
    *out = NULL;
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n < 1) {
        (void)cudaGetLastError(); /* clear it: not sticky, but keep later checks clean */
        return hn_error_set(err, HN_ERR_BACKEND, "no CUDA device: %s",
                            e != cudaSuccess ? cudaGetErrorString(e) : "the driver reports 0 devices");
    }
    hn_cuda_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return hn_error_set(err, HN_ERR_NOMEM, "cuda: cannot allocate the backend context");
    hn_status st = hn_cuda_check(cudaGetDevice(&c->device), "cudaGetDevice", err);
    /* A blocking stream: it stays ordered with the legacy default stream, which
     * device optimisers not bound to a graph use. */
    if (!st)
        st = hn_cuda_check(cudaStreamCreate(&c->stream), "cudaStreamCreate", err);
    if (!st)
        st = hn_cublas_check(cublasCreate(&c->blas), "cublasCreate", err);
    if (!st)
        st = hn_cublas_check(cublasSetStream(c->blas, c->stream), "cublasSetStream", err);
    /* fp32 products in fp32 (no TF32) unless the caller opts in (hn_graph_set_tf32) */
    if (!st)
        st = hn_cublas_check(cublasSetMathMode(c->blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode", err);
    if (!st)
        st = hn_cuda_check(cudaMalloc(&c->blas_ws, HN_CUDA_BLAS_WS), "cuBLAS workspace (32 MiB)", err);
    if (!st)
        st = hn_cublas_check(cublasSetWorkspace(c->blas, c->blas_ws, HN_CUDA_BLAS_WS), "cublasSetWorkspace", err);
    if (!st)
        st = hn_cuda_check(cudaMalloc((void **)&c->partials, sizeof(double) * HN_CUDA_RED_BLOCKS),
                           "reduction workspace", err);
    if (!st)
        st = hn_cuda_check(cudaMalloc((void **)&c->flags, 2 * sizeof(int)), "flag word", err);
    if (!st) {
        int init[2] = {INT_MAX, 0};
        st = hn_cuda_check(cudaMemcpy(c->flags, init, sizeof init, cudaMemcpyHostToDevice), "flag word", err);
    }
    if (st) {
        /* a failed allocation leaves the runtime's last error set, and the next launch
         * check of another graph would report it as its own (out of memory is not sticky) */
        (void)cudaGetLastError();
        ctx_close(c);
        return st;
    }
    *out = c;
    return HN_OK;
}

/* Zero-filled like the CPU allocator. NULL on failure: the core's message
 * names the tensor and the size. The memset is queued on the graph's stream,
 * ahead of anything that uses the buffer. */
static void *dev_alloc(void *p, size_t bytes)
{
    hn_cuda_ctx *c = p;
    void *d = NULL;
    size_t rounded = (bytes + 255) / 256 * 256;
    if (cudaMalloc(&d, rounded) != cudaSuccess) {
        (void)cudaGetLastError();
        return NULL;
    }
    if (cudaMemsetAsync(d, 0, rounded, c->stream) != cudaSuccess) {
        (void)cudaFree(d);
        return NULL;
    }
    c->generation++;
    return d;
}

static void dev_release(void *p, void *d)
{
    hn_cuda_ctx *c = p;
    c->generation++;
    (void)cudaFree(d); /* cudaFree waits for the device: nothing still uses d */
}

static hn_status dev_upload(void *p, void *dst, const void *src, size_t bytes, hn_error *err)
{
    hn_cuda_ctx *c = p;
    /* from pageable memory the copy is staged before the call returns, so the
     * caller may reuse src at once */
    return hn_cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, c->stream), "upload to the device",
                         err);
}

hn_status hn_cuda_sync(hn_cuda_ctx *c, hn_error *err)
{
    hn_status st = hn_cuda_check(cudaStreamSynchronize(c->stream), "running the queued kernels", err);
    if (st || !c->class_losses) /* only those losses set the flags: spare the extra copy */
        return st;
    int flags[2];
    st = hn_cuda_check(cudaMemcpyAsync(flags, c->flags, sizeof flags, cudaMemcpyDeviceToHost, c->stream),
                       "reading the flag word", err);
    if (!st)
        st = hn_cuda_check(cudaStreamSynchronize(c->stream), "reading the flag word", err);
    if (st)
        return st;
    if (flags[0] != INT_MAX) {
        int init[2] = {INT_MAX, 0};
        (void)cudaMemcpyAsync(c->flags, init, sizeof init, cudaMemcpyHostToDevice, c->stream);
        (void)cudaStreamSynchronize(c->stream);
        return hn_error_set(err, HN_ERR_ARG,
                            "classification loss: the label of example %d is not a class index 0..%d "
                            "(found by the device; that loss value and its gradients are wrong)",
                            flags[0], flags[1] - 1);
    }
    return HN_OK;
}

static hn_status dev_download(void *p, void *dst, const void *src, size_t bytes, hn_error *err)
{
    hn_cuda_ctx *c = p;
    hn_status st = hn_cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, c->stream),
                                 "download from the device", err);
    return st ? st : hn_cuda_sync(c, err);
}

static hn_status dev_zero(void *p, void *dst, size_t bytes, hn_error *err)
{
    hn_cuda_ctx *c = p;
    return hn_cuda_check(cudaMemsetAsync(dst, 0, bytes, c->stream), "zeroing a device buffer", err);
}

static hn_status dev_seed(void *p, float *grad, const float *dy, int64_t n, hn_error *err)
{
    hn_cuda_ctx *c = p;
    if (!dy)
        return hn_cuda_add_scalar(c, grad, 1.0f, n, err);
    if (c->capturing)
        return hn_error_set(err, HN_ERR_STATE, "cuda: a step with a host seed (backward_seed) cannot be captured");
    if (n > c->seed_cap) {
        (void)cudaFree(c->seed_buf);
        c->seed_buf = NULL;
        c->seed_cap = 0;
        hn_status st = hn_cuda_check(cudaMalloc((void **)&c->seed_buf, sizeof(float) * (size_t)n), "backward seed", err);
        if (st)
            return st;
        c->seed_cap = n;
    }
    hn_status st = dev_upload(c, c->seed_buf, dy, sizeof(float) * (size_t)n, err);
    return st ? st : hn_cuda_axpy1(c, grad, c->seed_buf, n, err);
}

/* Plans the bias + ReLU fusions (see hn_cuda_ctx): y = relu(add(x, b)) with
 * x of the add's shape, b a row vector (the last dimension) and the add used by
 * nothing but the ReLU. */
static hn_status plan_fusion(hn_graph *g, hn_cuda_ctx *c, hn_error *err)
{
    if (g->n_nodes > c->fuse_cap) {
        free(c->fuse_next);
        free(c->fused);
        c->fuse_next = calloc((size_t)g->n_nodes, sizeof *c->fuse_next);
        c->fused = calloc((size_t)g->n_nodes, 1);
        c->fuse_cap = c->fuse_next && c->fused ? g->n_nodes : 0;
        if (!c->fuse_cap)
            return hn_error_set(err, HN_ERR_NOMEM, "cuda: cannot allocate the fusion plan");
    }
    int *uses = calloc((size_t)g->n_nodes, sizeof *uses);
    if (!uses)
        return hn_error_set(err, HN_ERR_NOMEM, "cuda: cannot allocate the fusion plan");
    memset(c->fuse_next, 0, sizeof *c->fuse_next * (size_t)c->fuse_cap);
    memset(c->fused, 0, (size_t)c->fuse_cap);
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i]->n_src; k++)
            uses[g->nodes[i]->src[k]->id]++;
    for (int i = 0; i < g->n_order; i++) {
        hn_tensor *r = g->order[i], *a = r->src ? r->src[0] : NULL;
        if (r->op != HN_OP_RELU || !a || a->op != HN_OP_ADD || a->kind != HN_KIND_OP || uses[a->id] != 1)
            continue;
        const hn_tensor *x = a->src[0], *b = a->src[1];
        int64_t n = hn_shape_numel(a->ndim, a->shape), m = a->ndim ? a->shape[a->ndim - 1] : 1;
        if (a->ndim < 1 || hn_shape_numel(x->ndim, x->shape) != n || b->ndim < 1 ||
            hn_shape_numel(b->ndim, b->shape) != m || b->shape[b->ndim - 1] != m)
            continue;
        c->fuse_next[a->id] = r;
        c->fused[r->id] = 1;
    }
    free(uses);
    return HN_OK;
}

/* Sizes the dropout key buffer for the compiled order and plans fusions;
 * captured steps at the old shapes are stale from here on. */
static hn_status dev_prepare(hn_graph *g, hn_error *err)
{
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    c->generation++;
    hn_status fst = plan_fusion(g, c, err);
    if (fst)
        return fst;
    /* a vector of ones as long as the most rows any row-vector add repeats its operand over */
    int64_t rows = 0;
    for (int i = 0; i < g->n_order; i++) {
        const hn_tensor *a = g->order[i];
        if (a->op != HN_OP_ADD || a->ndim < 1)
            continue;
        int64_t n = hn_shape_numel(a->ndim, a->shape), m = a->shape[a->ndim - 1];
        if (m > 0 && n / m > rows)
            rows = n / m;
    }
    if (rows > c->ones_cap) {
        (void)cudaFree(c->ones);
        c->ones = NULL;
        c->ones_cap = 0;
        hn_status st = hn_cuda_check(cudaMalloc((void **)&c->ones, sizeof(float) * (size_t)rows), "bias workspace", err);
        if (!st)
            st = dev_zero(c, c->ones, sizeof(float) * (size_t)rows, err);
        if (!st)
            st = hn_cuda_add_scalar(c, c->ones, 1.0f, rows, err);
        if (st)
            return st;
        c->ones_cap = rows;
    }
    int need = 0;
    c->class_losses = 0;
    for (int i = 0; i < g->n_order; i++) {
        hn_op op = g->order[i]->op;
        need += op == HN_OP_DROPOUT;
        c->class_losses |= op == HN_OP_LOSS_CE || op == HN_OP_LOSS_NLL;
    }
    /* the convolutions' weight-gradient workspace: optional (without it
     * each image's product accumulates in turn), so a refusal is no error */
    int64_t ws = 0;
    for (int i = 0; i < g->n_order; i++) {
        int64_t w = g->order[i]->op == HN_OP_CONV ? hn_cuda_conv_ws_need(g->order[i]) : 0;
        ws = w > ws ? w : ws;
    }
    if (ws > c->conv_ws_cap) {
        (void)cudaFree(c->conv_ws);
        c->conv_ws = NULL;
        c->conv_ws_cap = 0;
        if (cudaMalloc((void **)&c->conv_ws, sizeof(float) * (size_t)ws) == cudaSuccess)
            c->conv_ws_cap = ws;
        else
            (void)cudaGetLastError();
    }
    if (need > c->keys_cap) {
        (void)cudaFree(c->keys);
        c->keys = NULL;
        c->keys_cap = 0;
        hn_status st = hn_cuda_check(cudaMalloc((void **)&c->keys, sizeof(uint64_t) * (size_t)need), "dropout keys", err);
        if (st)
            return st;
        c->keys_cap = need;
    }
    return HN_OK;
}

hn_status hn_cuda_copy(hn_cuda_ctx *c, float *dst, const float *src, int64_t n, hn_error *err)
{
    return hn_cuda_check(cudaMemcpyAsync(dst, src, sizeof(float) * (size_t)n, cudaMemcpyDeviceToDevice, c->stream),
                         "device-to-device copy", err);
}

hn_status hn_cuda_buf_alloc(void **p, size_t bytes, const char *what, hn_error *err)
{
    *p = NULL;
    if (cudaMalloc(p, bytes) != cudaSuccess) {
        (void)cudaGetLastError();
        *p = NULL;
        return hn_error_set(err, HN_ERR_NOMEM, "out of device memory for %s (%.1f MB)", what, (double)bytes * 1e-6);
    }
    return HN_OK;
}

void hn_cuda_buf_free(void *p)
{
    (void)cudaFree(p); /* waits for the device: no kernel still uses p */
}

void *hn_cuda_pinned_alloc(size_t bytes)
{
    void *p = NULL;
    if (cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocDefault) != cudaSuccess) {
        (void)cudaGetLastError();
        return NULL;
    }
    return p;
}

void hn_cuda_pinned_free(void *p)
{
    (void)cudaFreeHost(p);
}

hn_status hn_cuda_event_new(void **ev, hn_error *err)
{
    cudaEvent_t e = NULL;
    hn_status st = hn_cuda_check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "creating an event", err);
    *ev = st ? NULL : (void *)e;
    return st;
}

hn_status hn_cuda_event_record(hn_cuda_ctx *c, void *ev, hn_error *err)
{
    return hn_cuda_check(cudaEventRecord((cudaEvent_t)ev, c->stream), "recording an event", err);
}

hn_status hn_cuda_event_wait(void *ev, hn_error *err)
{
    return hn_cuda_check(cudaEventSynchronize((cudaEvent_t)ev), "waiting for an event", err);
}

void hn_cuda_event_free(void *ev)
{
    (void)cudaEventDestroy((cudaEvent_t)ev);
}

hn_status hn_cuda_values_read(hn_cuda_ctx *c, float *host, const float *dev, int64_t n, hn_error *err)
{
    hn_status st = hn_cuda_sync(c, err);
    if (!st)
        st = hn_cuda_check(cudaMemcpyAsync(host, dev, sizeof(float) * (size_t)n, cudaMemcpyDeviceToHost, c->stream),
                           "value log: download", err);
    return st ? st : hn_cuda_check(cudaStreamSynchronize(c->stream), "value log: download", err);
}

hn_status hn_cuda_rows_upload(hn_cuda_ctx *c, int64_t *dev, const int64_t *host, int64_t n, hn_error *err)
{
    /* the old list is no longer read once the queued gathers have run; the copy is queued
     * on the graph's stream (ordered before the next gathers; not the legacy stream, which
     * a capture in another thread forbids), and waited for, as the host list may change */
    hn_status st = hn_cuda_check(cudaStreamSynchronize(c->stream), "row list: waiting for the gathers", err);
    if (!st)
        st = hn_cuda_check(cudaMemcpyAsync(dev, host, sizeof(int64_t) * (size_t)n, cudaMemcpyHostToDevice, c->stream),
                           "row list: upload", err);
    return st ? st : hn_cuda_check(cudaStreamSynchronize(c->stream), "row list: upload", err);
}

static const hn_backend cuda_backend = {
    .name = "cuda",
    .forward = {
#define HN_X_FWD(ID, id) [HN_OP_##ID] = hn_cuda_##id##_fwd,
        HN_CUDA_OPS(HN_X_FWD)
#undef HN_X_FWD
    },
    .backward = {
#define HN_X_BWD(ID, id) [HN_OP_##ID] = hn_cuda_##id##_bwd,
        HN_CUDA_OPS(HN_X_BWD)
#undef HN_X_BWD
    },
    .alloc = dev_alloc,
    .release = dev_release,
    .open = ctx_open,
    .close = ctx_close,
    .upload = dev_upload,
    .download = dev_download,
    .zero = dev_zero,
    .seed = dev_seed,
    .prepare = dev_prepare,
};

const hn_backend *hn_backend_cuda(void) { return &cuda_backend; }

#endif
