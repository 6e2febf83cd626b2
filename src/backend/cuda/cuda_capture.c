/* Captured steps: a training step's (or an inference pass's) kernels recorded
 * once into a CUDA graph and replayed with one launch. Kernels that need a
 * fresh value per run (dropout keys) read it from device memory while the
 * context is capturing; hn_cuda_capture_launch uploads those values before
 * each replay. */
#include "core/graph_impl.h"

#ifdef HEPNN_HAVE_CUDA

#include <stdlib.h>

#include "backend/cuda/hn_cuda.h"

/* Runs whose dropout keys may be in flight at once: each run's keys go to
 * the device from their own slot of page-locked memory, so the upload is
 * asynchronous (a copy from pageable memory may wait for the stream first,
 * ending the overlap of host and device); a slot is reused once the event
 * recorded after its copy has passed. */
#define KEY_SLOTS 8

struct hn_cuda_capture {
    cudaGraphExec_t exec;
    int n_keys;
    uint64_t *keys;           /* host copies of one run's dropout keys (pageable: when no slots) */
    uint64_t *slots;          /* KEY_SLOTS runs' keys in page-locked memory, or NULL */
    cudaEvent_t done[KEY_SLOTS]; /* recorded after each slot's copy */
    int used[KEY_SLOTS], next;
};

/* Page-locked slots and their events for the keys; without them (memory
 * refused, an event not created) the keys stay a pageable copy. */
static void slots_make(hn_cuda_capture *cap)
{
    cap->slots = hn_cuda_pinned_alloc(sizeof(uint64_t) * (size_t)cap->n_keys * KEY_SLOTS);
    int made = 0;
    while (cap->slots && made < KEY_SLOTS &&
           cudaEventCreateWithFlags(&cap->done[made], cudaEventDisableTiming) == cudaSuccess)
        made++;
    if (cap->slots && made < KEY_SLOTS) {
        (void)cudaGetLastError();
        while (made > 0)
            (void)cudaEventDestroy(cap->done[--made]);
        hn_cuda_pinned_free(cap->slots);
        cap->slots = NULL;
    }
}

static void slots_free(hn_cuda_capture *cap)
{
    if (!cap->slots)
        return;
    /* teardown: a copy still reading a slot finishes first */
    for (int k = 0; k < KEY_SLOTS; k++) {
        if (cap->used[k])
            (void)cudaEventSynchronize(cap->done[k]);
        (void)cudaEventDestroy(cap->done[k]);
    }
    hn_cuda_pinned_free(cap->slots);
    cap->slots = NULL;
}

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
    if (cap->n_keys > 0)
        slots_make(cap);
    *out = cap;
    return HN_OK;
}

hn_status hn_cuda_capture_launch(hn_cuda_ctx *c, hn_cuda_capture *cap, hn_rng *rng, hn_error *err)
{
    if (cap->n_keys > 0) {
        uint64_t *keys = cap->keys;
        int s = cap->next;
        if (cap->slots) { /* the slot's previous copy must have left it */
            if (cap->used[s]) {
                hn_status st = hn_cuda_check(cudaEventSynchronize(cap->done[s]), "uploading dropout keys", err);
                if (st)
                    return st;
            }
            keys = cap->slots + (size_t)s * (size_t)cap->n_keys;
        }
        for (int k = 0; k < cap->n_keys; k++)
            keys[k] = hn_rng_u64(rng);
        /* a pageable source is staged before the call returns, so the next run
         * may overwrite cap->keys at once; a slot is read when the copy runs */
        hn_status st = hn_cuda_check(cudaMemcpyAsync(c->keys, keys, sizeof(uint64_t) * (size_t)cap->n_keys,
                                                     cudaMemcpyHostToDevice, c->stream),
                                     "uploading dropout keys", err);
        if (!st && cap->slots) {
            st = hn_cuda_check(cudaEventRecord(cap->done[s], c->stream), "uploading dropout keys", err);
            cap->used[s] = !st;
            cap->next = (s + 1) % KEY_SLOTS;
            if (st) /* nothing marks the copy's end: wait for it before the slot can be reused or freed */
                (void)cudaStreamSynchronize(c->stream);
        }
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
    slots_free(cap);
    free(cap->keys);
    free(cap);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int hn_cuda_capture_unused;

#endif
