/* hepnn — running on a device (the CUDA backend): availability, device
 * optimisers, captured training steps, device-to-device copies and numerics
 * switches. A graph is put on a device with hn_graph_new_on (hepnn/graph.h);
 * everything here also works on a CPU graph, where it reduces to the plain
 * calls, so code written against it runs on either. See docs/cuda.md.
 */
#ifndef HEPNN_DEVICE_H
#define HEPNN_DEVICE_H

#include <stddef.h>

#include "hepnn/graph.h"
#include "hepnn/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* HN_OK if graphs can be made on dev. Otherwise HN_ERR_UNSUPPORTED (hepnn was
 * built without that backend) or HN_ERR_BACKEND ("no CUDA device ..."), with
 * the reason in err. When available and info is not NULL, writes a one-line
 * description ("NVIDIA H100 80GB HBM3, sm_90, 79 GiB, driver 12.8") into
 * info[0..size). */
hn_status hn_device_check(hn_device dev, char *info, size_t size, hn_error *err);

/* Fills views[0..n) with the parameters of g (n = hn_graph_num_params(g)):
 * value and gradient buffers (device addresses on a device graph), the
 * tensor's name, decay = 1 for parameters of two or more dimensions (weights)
 * and 0 for the others (biases, batch-norm shifts and scales). Returns the
 * number of parameters, or -1 if g or views is NULL or n is too small. */
int hn_graph_param_views(hn_graph *g, hn_param_view *views, int n);

/* An optimiser over the parameters of g (as hn_graph_param_views), on g's
 * device: on a device graph its state lives on the device and each step is a
 * few fused kernel launches queued behind the graph's work, with the CPU's
 * update rules (docs/optim.md). Free it before the graph. Statuses as
 * hn_optim_new, plus HN_ERR_BACKEND / HN_ERR_NOMEM from the device.
 * On a device optimiser, hn_optim_step with gradient clipping waits for the
 * device (to report a non-finite norm); without clipping it does not. */
hn_status hn_optim_new_graph(hn_optim **opt, const hn_optim_config *cfg, hn_graph *g, hn_error *err);

/* As hn_optim_new_graph with the caller's views of g's parameters (e.g. its
 * own weight-decay flags); the work is queued on g's stream, so the
 * optimiser can be part of a captured plan. */
hn_status hn_optim_new_graph_views(hn_optim **opt, const hn_optim_config *cfg, hn_graph *g, const hn_param_view *views,
                                   int n_views, hn_error *err);

/* As hn_optim_new, with views whose buffers live on dev (for hand-made
 * device buffers; its work is queued on the device's default stream). */
hn_status hn_optim_new_on(hn_optim **opt, hn_device dev, const hn_optim_config *cfg, const hn_param_view *views,
                          int n_views, hn_error *err);

/* Copies n values from src (starting at element src_off) into dst (starting
 * at dst_off), both tensors on the same device (they may belong to different
 * graphs). On a device this is queued (no wait): the way to feed batches from a
 * data set kept in device memory, e.g. a state tensor (N, F) of a data graph.
 * HN_ERR_ARG for ranges outside the tensors or tensors on different devices. */
hn_status hn_tensor_copy(hn_tensor *dst, int64_t dst_off, const hn_tensor *src, int64_t src_off, int64_t n,
                         hn_error *err);

/* --- row lists: shuffled batches cut on the device ----------------------------
 * A data set kept in device memory (state tensors of a data graph, uploaded
 * once) is read in shuffled minibatches by uploading the epoch's permutation
 * once (hn_rows_set) and gathering each batch's rows from it
 * (hn_tensor_gather_rows): one kernel per tensor and batch, no host copy.
 * hn_train does this itself for `device: cuda`. On the CPU the list lives in
 * host memory and the gather is a copy loop. */
typedef struct hn_rows hn_rows;

/* A list for up to capacity row numbers on g's device. */
hn_status hn_rows_new(hn_rows **out, hn_graph *g, int64_t capacity, hn_error *err);
/* Replaces the list with rows[0..n) (n <= capacity), each checked to lie in
 * [0, limit): the number of rows of the tensors it will gather from. Waits
 * for gathers queued from the old list first. HN_ERR_ARG names the first
 * entry out of range. */
hn_status hn_rows_set(hn_rows *r, const int64_t *rows, int64_t n, int64_t limit, hn_error *err);
void hn_rows_free(hn_rows *r);

/* Row i of dst = row rows[first + i] of src for i < n, where a row is all of
 * a tensor after its first dimension (dst and src must have the same row
 * length; dst at least n rows; src at least the list's limit rows). Queued on
 * dst's graph after any pending work on src's graph. dst and src on the
 * list's device. */
hn_status hn_tensor_gather_rows(hn_tensor *dst, const hn_tensor *src, const hn_rows *r, int64_t first, int64_t n,
                                hn_error *err);

/* Waits until everything queued on g's device has run, and reports an error
 * the device met (e.g. a bad class label found by a loss kernel). HN_OK at
 * once on the CPU. */
hn_status hn_graph_sync(hn_graph *g, hn_error *err);

/* Lets fp32 matrix products use TF32 tensor cores (10-bit mantissa inputs:
 * relative errors near 1e-3 instead of 1e-6). Off by default. No effect on the
 * CPU. */
hn_status hn_graph_set_tf32(hn_graph *g, int on, hn_error *err);

/* --- plans: captured steps ------------------------------------------------------
 * A plan is one step run as a unit: a training step (opt not NULL: zero the
 * gradients, forward, backward from the scalar y, optimiser step) or an
 * inference pass (opt NULL:
 * hn_graph_forward_to(y)). On a CUDA graph the first run at a batch size (and
 * training mode) runs eagerly, the second is captured into a CUDA graph and
 * every later run replays it: one launch instead of dozens, which is what
 * makes small HEP networks fast. Inputs set with hn_tensor_set / hn_tensor_copy
 * before a run are seen by it (the buffers do not move). A change of batch
 * size, training mode or any reallocation captures again. Dropout draws its
 * keys from the graph's generator as an eager run would. On the CPU a plan is
 * the plain sequence of calls. */
typedef struct hn_plan hn_plan;

/* Creates a plan; nothing runs yet. opt must be NULL or an optimiser on g's
 * device (hn_optim_new_graph). The plan is owned by the caller and must be
 * freed before g and opt. HN_ERR_ARG for NULL g / y or a y of another graph. */
hn_status hn_plan_new(hn_plan **out, hn_graph *g, hn_tensor *y, hn_optim *opt, hn_error *err);
/* Runs the step once (see above). Errors as the calls it stands for; a
 * failed capture falls back to eager runs for this shape. */
hn_status hn_plan_run(hn_plan *s, hn_error *err);
/* 1 to capture (default), 0 to always run eagerly (to compare or debug). */
void hn_plan_set_capture(hn_plan *s, int on);
/* Number of runs that replayed a captured graph. */
int64_t hn_plan_replays(const hn_plan *s);
void hn_plan_free(hn_plan *s);

#ifdef __cplusplus
}
#endif
#endif
