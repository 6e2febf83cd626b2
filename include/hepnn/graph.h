/* hepnn — tensors and the computation graph with reverse-mode differentiation.
 *
 * A graph owns its tensors. Applying an op (include/hepnn/ops.h) records a node
 * whose inputs are earlier tensors; hn_graph_compile() puts the nodes the given
 * outputs need into topological order; hn_graph_forward() walks that order front
 * to back and hn_graph_backward() walks it back to front, each op accumulating
 * into its inputs' gradients (backpropagation: the chain rule, node by node).
 *
 * Shapes are batch first. An input declared with HN_BATCH as its first dimension
 * takes the batch size bound by hn_graph_set_batch(); every shape is inferred
 * again when it changes. Buffers grow to the largest shape seen and are reused:
 * after a graph has run once at a shape, running it again allocates nothing.
 *
 * Building functions (ops, inputs, params) return NULL on failure and record the
 * graph's first error (hn_graph_status / hn_graph_error); a NULL input makes an
 * op return NULL too, so a whole network can be built and checked once at the end.
 */
#ifndef HEPNN_GRAPH_H
#define HEPNN_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/rng.h"
#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HN_MAX_DIMS 5
#define HN_BATCH (-1) /* first dimension of an input: bound per batch */

typedef struct hn_graph hn_graph;
typedef struct hn_tensor hn_tensor;

/* --- graph ------------------------------------------------------------------ */

/* Creates an empty graph on the CPU backend; its RNG (dropout) is seeded with seed. */
hn_status hn_graph_new(hn_graph **out, uint64_t seed, hn_error *err);

/* Where a graph's tensors live and its kernels run. */
typedef enum hn_device {
    HN_DEVICE_CPU = 0,
    HN_DEVICE_CUDA, /* the current CUDA device (select one with CUDA_VISIBLE_DEVICES) */
    HN_DEVICE_COUNT
} hn_device;

/* "cpu" or "cuda" (case-insensitive; "gpu" and "cuda:0" are taken as "cuda").
 * HN_ERR_ARG, listing the known names, for anything else. */
hn_status hn_device_parse(const char *name, hn_device *dev, hn_error *err);
/* "cpu", "cuda"; "?" out of range. Constant string. */
const char *hn_device_name(hn_device dev);

/* As hn_graph_new, on a device. HN_ERR_UNSUPPORTED when hepnn was built
 * without that backend; HN_ERR_BACKEND ("no CUDA device ...") when the
 * backend is built but no usable device is present. See docs/cuda.md. */
hn_status hn_graph_new_on(hn_graph **out, hn_device dev, uint64_t seed, hn_error *err);
/* The device a graph runs on. */
hn_device hn_graph_device(const hn_graph *g);
/* Frees the graph and every tensor it owns. NULL is allowed. */
void hn_graph_free(hn_graph *g);

/* The first error recorded while building or running (HN_OK if none), and its message. */
hn_status hn_graph_status(const hn_graph *g);
const char *hn_graph_error(const hn_graph *g);
/* Copies the graph's first error into err (if any) and returns its status. */
hn_status hn_graph_take_error(const hn_graph *g, hn_error *err);

/* Orders the nodes needed to compute outputs[0..n) (and their gradients) for
 * forward and backward. May be called again after more nodes were added.
 * Returns HN_ERR_ARG for NULL or foreign tensors, or the graph's first building error. */
hn_status hn_graph_compile(hn_graph *g, hn_tensor *const *outputs, int n, hn_error *err);

/* Binds the batch size of every HN_BATCH input and infers all shapes again.
 * HN_ERR_ARG if batch < 1; HN_ERR_SHAPE (naming the op) if shapes no longer fit. */
hn_status hn_graph_set_batch(hn_graph *g, int64_t batch, hn_error *err);
int64_t hn_graph_batch(const hn_graph *g);

/* Training mode (dropout active, batch statistics) or evaluation mode. Default: training. */
void hn_graph_set_training(hn_graph *g, int training);
int hn_graph_training(const hn_graph *g);

/* Computes every compiled node from the current inputs and parameters. */
hn_status hn_graph_forward(hn_graph *g, hn_error *err);

/* Computes only the compiled nodes that y depends on (e.g. a network's output
 * without its loss, so targets need not be set for inference). */
hn_status hn_graph_forward_to(hn_graph *g, hn_tensor *y, hn_error *err);

/* Backpropagates from the scalar tensor loss (seed gradient 1): gradients of all
 * intermediate nodes are recomputed, parameter gradients are ACCUMULATED (call
 * hn_graph_zero_grad first unless accumulating over several backward passes).
 * Requires a forward pass at the current shapes. */
hn_status hn_graph_backward(hn_graph *g, hn_tensor *loss, hn_error *err);
/* Vector–Jacobian product: as hn_graph_backward, but seeds y's gradient with dy
 * (hn_tensor_numel(y) values, host memory) instead of 1. Used by adjoint methods (neural ODEs). */
hn_status hn_graph_backward_seed(hn_graph *g, hn_tensor *y, const float *dy, hn_error *err);
/* Sets every parameter gradient to zero. (On a device, a failure of this
 * queued operation is reported by the next call that waits for the device.) */
void hn_graph_zero_grad(hn_graph *g);

/* The graph's parameters, in creation order. */
int hn_graph_num_params(const hn_graph *g);
hn_tensor *hn_graph_param(const hn_graph *g, int i);
/* The persistent tensors (parameters and states: everything a model file
 * stores), in creation order. */
int hn_graph_num_persistent(const hn_graph *g);
hn_tensor *hn_graph_persistent(const hn_graph *g, int i);

/* Finds a tensor by name (the first created with that name), or NULL. */
hn_tensor *hn_graph_find(const hn_graph *g, const char *name);

/* The graph's own random generator (dropout masks); save/restore it for checkpoints. */
hn_rng *hn_graph_rng(hn_graph *g);

/* Buffer statistics: number of allocations made so far and bytes currently held. */
typedef struct hn_graph_stats {
    int64_t allocations;
    int64_t bytes;
    int n_nodes;    /* nodes recorded */
    int n_compiled; /* nodes in the compiled order */
} hn_graph_stats;
hn_graph_stats hn_graph_get_stats(const hn_graph *g);

/* --- tensors ---------------------------------------------------------------- */

/* A batch-bound or fixed input. shape[0] may be HN_BATCH. The values are set by
 * the caller (hn_tensor_set or hn_tensor_data) before each forward pass. */
hn_tensor *hn_input(hn_graph *g, const char *name, int ndim, const int64_t *shape);
/* A trainable parameter with a gradient, zero-initialised (see nn initialisers). */
hn_tensor *hn_param(hn_graph *g, const char *name, int ndim, const int64_t *shape);
/* A non-trainable tensor of fixed shape whose values persist between runs
 * (running statistics, constants); zero-initialised. */
hn_tensor *hn_state(hn_graph *g, const char *name, int ndim, const int64_t *shape);

int hn_tensor_ndim(const hn_tensor *t);
/* Size of dimension i (negative i counts from the end); 0 if out of range. */
int64_t hn_tensor_dim(const hn_tensor *t, int i);
/* Number of elements at the current shape (1 for a scalar). */
int64_t hn_tensor_numel(const hn_tensor *t);
const char *hn_tensor_name(const hn_tensor *t);
/* Writes the shape as "(2, 3)" into buf (always terminated). Returns buf. */
char *hn_tensor_shape_str(const hn_tensor *t, char *buf, size_t size);

/* Pointers to the values and gradient (NULL until allocated / when the
 * tensor has no gradient). Valid until the next set_batch that grows the tensor.
 * Inputs, params and states are allocated at creation or set_batch; other
 * nodes at the first forward pass.
 * On a CPU graph these are host pointers. On a device graph (hn_graph_new_on)
 * they are DEVICE addresses (CUDA global memory): host code must not
 * dereference them; pass them to device code (e.g. optimiser views of a device
 * optimiser) or use hn_tensor_set / hn_tensor_get / hn_tensor_get_grad. */
float *hn_tensor_data(hn_tensor *t);
float *hn_tensor_grad(hn_tensor *t);

/* Copies n values in/out (host memory src/dst, whatever the device; on a
 * device graph get waits for the work queued so far and reports an error the
 * device met in it). HN_ERR_SHAPE if n != hn_tensor_numel(t); HN_ERR_BACKEND
 * for a failed device copy. */
hn_status hn_tensor_set(hn_tensor *t, const float *src, int64_t n, hn_error *err);
hn_status hn_tensor_get(const hn_tensor *t, float *dst, int64_t n, hn_error *err);
/* Sets values [from, to) of t to v, on any device (through a host buffer).
 * HN_ERR_SHAPE for a range outside the tensor; HN_ERR_BACKEND for a failed
 * device copy. Layer builders use it for constant initial values. */
hn_status hn_tensor_fill(hn_tensor *t, int64_t from, int64_t to, float v, hn_error *err);
/* Copies the n gradient values out; HN_ERR_STATE if t has no gradient. */
hn_status hn_tensor_get_grad(const hn_tensor *t, float *dst, int64_t n, hn_error *err);

/* Marks an input as needing a gradient (e.g. the gradient of the output with
 * respect to the features). Parameters always have one. */
void hn_tensor_requires_grad(hn_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
