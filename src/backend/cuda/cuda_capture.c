/* Captured steps: a training step's (or an inference pass's) kernels recorded
 * once into a CUDA graph and replayed with one launch. Kernels that need a
 * fresh value per run (dropout keys) read it from device memory while the
 * context is capturing; hn_cuda_capture_launch uploads those values before
 * each replay. */
#include "core/graph_impl.h"

#ifdef HEPNN_HAVE_CUDA

#include <stdlib.h>

#include "backend/cuda/hn_cuda.h"

struct hn_cuda_capture {
    cudaGraphExec_t exec;
    int n_keys;
    uint64_t *keys; /* host copies of one run's dropout keys */
};

hn_status hn_cuda_capture_begin(hn_cuda_ctx *c, hn_error *err)
{
    /* thread-local: another thread's unrelated CUDA calls do not break it */
    hn_status st = hn_cuda_check(cudaStreamBeginCapture(c->stream, cudaStreamCaptureModeThreadLocal),
                                 "cudaStreamBeginCapture", err);
    if (!st) {
        c->capturing = 1;
        c->n_keys = 0;
    }
    return st;
}

hn_status hn_cuda_capture_end(hn_cuda_ctx *c, int ok, hn_cuda_capture **out, hn_error *err)
{
    *out = NULL;
    cudaGraph_t graph = NULL;
    cudaError_t e = cudaStreamEndCapture(c->stream, &graph);
    c->capturing = 0;
    if (!ok || e != cudaSuccess) {
        if (graph)
            (void)cudaGraphDestroy(graph);
        (void)cudaGetLastError(); /* an invalidated capture is not a sticky error */
        return ok ? hn_cuda_check(e, "cudaStreamEndCapture", err) : HN_OK;
    }
    hn_cuda_capture *cap = calloc(1, sizeof *cap);
    if (!cap) {
        (void)cudaGraphDestroy(graph);
        return hn_error_set(err, HN_ERR_NOMEM, "cuda: cannot allocate a captured step");
    }
    cap->n_keys = c->n_keys;
    cap->keys = calloc((size_t)(c->n_keys > 0 ? c->n_keys : 1), sizeof(uint64_t));
    hn_status st = cap->keys ? HN_OK : hn_error_set(err, HN_ERR_NOMEM, "cuda: cannot allocate a captured step");
    if (!st)
        st = hn_cuda_check(cudaGraphInstantiateWithFlags(&cap->exec, graph, 0), "cudaGraphInstantiate", err);
    (void)cudaGraphDestroy(graph);
    if (st) {
        free(cap->keys);
        free(cap);
        return st;
    }
    *out = cap;
    return HN_OK;
}

hn_status hn_cuda_capture_launch(hn_cuda_ctx *c, hn_cuda_capture *cap, hn_rng *rng, hn_error *err)
{
    if (cap->n_keys > 0) {
        for (int k = 0; k < cap->n_keys; k++)
            cap->keys[k] = hn_rng_u64(rng);
        /* pageable source: staged before the call returns, so the next run may
         * overwrite cap->keys at once */
        hn_status st = hn_cuda_check(cudaMemcpyAsync(c->keys, cap->keys, sizeof(uint64_t) * (size_t)cap->n_keys,
                                                     cudaMemcpyHostToDevice, c->stream),
                                     "uploading dropout keys", err);
        if (st)
            return st;
    }
    return hn_cuda_check(cudaGraphLaunch(cap->exec, c->stream), "cudaGraphLaunch", err);
}

void hn_cuda_capture_free(hn_cuda_capture *cap)
{
    if (!cap)
        return;
    (void)cudaGraphExecDestroy(cap->exec);
    free(cap->keys);
    free(cap);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int hn_cuda_capture_unused;

#endif
