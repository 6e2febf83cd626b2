/* hepnn — a compiled sequential model for fast inference.
 *
 * Triggers and reconstruction code call a network one event at a time, where
 * the graph's bookkeeping (shape inference, node walks, one pass per op) costs
 * more than the arithmetic. hn_model_compile_inference() turns a trained model
 * into a flat list of stages with no graph: input standardisation, dense
 * layers whose activation is applied as the products are stored, batch
 * normalisation folded into the preceding dense layer (evaluation mode: the
 * running statistics), dropout removed (the identity in evaluation). Weights
 * are laid out in panels of 64 outputs so a matrix-vector product streams
 * through memory with the machine's vector registers, skipping inputs that
 * are exactly zero (after ReLU, about half).
 *
 * The outputs equal hn_model_predict()'s up to float rounding (the sums run in
 * another order). The object is a snapshot: later changes to the model's
 * weights do not reach it. It owns a workspace, so one object must not be run
 * from two threads at once: compile one per thread. */
#ifndef HEPNN_INFER_H
#define HEPNN_INFER_H

#include <stdint.h>

#include "hepnn/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_infer hn_infer;

/* Compiles m (binary, multi-class or regression; every hidden layer kind)
 * into *out, which the caller frees with hn_infer_free. Returns HN_ERR_ARG
 * for NULL arguments, HN_ERR_UNSUPPORTED if the model has a tensor this path
 * does not know, HN_ERR_NOMEM. */
hn_status hn_model_compile_inference(hn_model *m, hn_infer **out, hn_error *err);
void hn_infer_free(hn_infer *inf);

/* Features in, outputs out (the model's n_inputs and n_outputs). */
int hn_infer_n_inputs(const hn_infer *inf);
int hn_infer_n_outputs(const hn_infer *inf);

/* One event: x (n_inputs) raw features -> out (n_outputs): probabilities for
 * classification, values for regression, as hn_model_predict. Allocates
 * nothing and takes no lock. HN_ERR_ARG if a pointer is NULL. It takes no
 * error argument (a trigger's hot loop): when it fails, hn_infer_error gives
 * the reason. */
hn_status hn_infer_run(hn_infer *inf, const float *x, float *out);
/* The message of the last failed hn_infer_run on inf ("" if none failed). */
const char *hn_infer_error(const hn_infer *inf);

/* n events: x (n, n_inputs) -> out (n, n_outputs), row-major, through
 * matrix-matrix products (OpenBLAS, its thread count) in blocks of rows held
 * in the object's workspace: no allocation. HN_ERR_ARG for NULL pointers or
 * n < 0. */
hn_status hn_infer_run_batch(hn_infer *inf, const float *x, int64_t n, float *out, hn_error *err);

/* --- on a GPU (docs/cuda.md, "Compiled inference") ------------------------------
 * hn_infer_set_device(inf, HN_DEVICE_CUDA, flags, err) copies the compiled
 * model to the GPU; from then on hn_infer_run and hn_infer_run_batch run there
 * (inputs and outputs stay host memory) and hn_infer_run_batch_device takes
 * device memory (e.g. hn_tensor_data of a device graph's tensor; the object
 * runs on its own CUDA stream, so work that writes x elsewhere must have
 * finished: hn_graph_sync; it returns when out is written). One event is
 * one kernel launch reading and writing pinned host memory; a batch is one
 * cuBLASLt product per dense layer with bias and ReLU in its epilogue. Batch
 * buffers grow to the largest n seen (device memory is allocated then).
 * Results equal the CPU path's to float rounding. HN_DEVICE_CPU moves the
 * object back. HN_ERR_UNSUPPORTED without the backend, HN_ERR_BACKEND without
 * a device; on the GPU hn_infer_run reports a device error as HN_ERR_BACKEND,
 * its message in hn_infer_error. */
enum {
    HN_INFER_TF32 = 1,    /* TF32 tensor cores in the batched products (relative error ~1e-3) */
    HN_INFER_AUTOTUNE = 2, /* time cuBLASLt's candidate algorithms at each new batch size and keep the
                              fastest (the choice, hence the last bits, may differ between processes) */
    HN_INFER_GRID = 4      /* one event as one kernel over many blocks with a grid-wide barrier per
                              layer, instead of one block (where the device cannot, one block) */
};
hn_status hn_infer_set_device(hn_infer *inf, hn_device dev, unsigned flags, hn_error *err);
hn_device hn_infer_device(const hn_infer *inf);
hn_status hn_infer_run_batch_device(hn_infer *inf, const float *x, int64_t n, float *out, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
