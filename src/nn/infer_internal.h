/* Internal to the compiled inference (src/nn/inference.c) and its CUDA
 * version (src/backend/cuda/k_infer.cu): a compiled model described as plain
 * arrays, so the device code needs nothing of the CPU object's layout. */
#ifndef HN_INFER_INTERNAL_H
#define HN_INFER_INTERNAL_H

#include <stdint.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { HN_IST_DENSE, HN_IST_ACT, HN_IST_AFFINE };

typedef struct hn_infer_stage_desc {
    int kind;            /* HN_IST_* */
    int in, out;         /* widths */
    int act;             /* hn_act_kind applied after the stage (DENSE) or by it (ACT) */
    float alpha;         /* ELU */
    const float *w;      /* DENSE: (in, out) row-major, batch norm folded in */
    const float *b;      /* DENSE: (out) */
    const float *slope;  /* PReLU: (out) */
    const float *scale;  /* AFFINE: y = x·scale + shift, (out) each */
    const float *shift;
} hn_infer_stage_desc;

typedef struct hn_infer_desc {
    int n_in, n_out, task;             /* task: hn_task */
    const float *norm_shift, *norm_scale; /* (n_in) */
    const float *tshift, *tscale;      /* regression: (n_out) */
    int n_stages;
    const hn_infer_stage_desc *st;
} hn_infer_desc;

/* The device copy of a compiled model (CUDA builds only). */
typedef struct hn_cuda_infer hn_cuda_infer;
hn_status hn_cuda_infer_new(const hn_infer_desc *d, hn_cuda_infer **out, hn_error *err);
void hn_cuda_infer_free(hn_cuda_infer *c);
/* One event, host memory in and out: one kernel launch reading x from and
 * writing out to pinned host memory, then a wait. */
hn_status hn_cuda_infer_run1(hn_cuda_infer *c, const float *x, float *out, hn_error *err);
/* n events; on_device: x and out are device memory (nothing is copied),
 * else host memory (copied in and out). Waits for the result. */
hn_status hn_cuda_infer_run_batch(hn_cuda_infer *c, const float *x, int64_t n, float *out, int on_device,
                                  hn_error *err);
/* TF32 tensor cores in the batched products (off by default); choosing each
 * product's algorithm by timing (off: cuBLASLt's first choice). */
void hn_cuda_infer_set_tf32(hn_cuda_infer *c, int on);
void hn_cuda_infer_set_autotune(hn_cuda_infer *c, int on);
/* One event as one cooperative kernel over many blocks (off: one block);
 * where the device cannot launch it, one block all the same. */
void hn_cuda_infer_set_grid(hn_cuda_infer *c, int on);

#ifdef __cplusplus
}
#endif
#endif
