/* hepnn — optimisers, learning-rate schedules, gradient clipping and weight
 * penalties.
 *
 * Everything here works over *parameter views*: plain (value, gradient, size)
 * triples that the training loop builds from a graph's parameters. Nothing in
 * this header depends on the tensor or graph types, so an optimiser can also
 * drive hand-written models (the perceptron, a test's quadratic).
 *
 * The update rules follow PyTorch's torch.optim (single-tensor code path),
 * with one deliberate difference: weight decay and penalties apply only to
 * views marked decay = 1 (weights), never to decay = 0 views (biases, batch
 * normalisation shifts and scales). PyTorch decays every parameter unless one
 * builds parameter groups. See docs/optim.md for the formulas.
 */
#ifndef HEPNN_OPTIM_H
#define HEPNN_OPTIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One parameter tensor seen as a flat array. The optimiser keeps a copy of
 * the view (and of its name) but not of the buffers: value and grad must stay
 * valid, at the same addresses, for the optimiser's lifetime. */
typedef struct hn_param_view {
    float *value;       /* n values, updated in place */
    const float *grad;  /* n gradients (read only) */
    int64_t n;
    int decay;          /* 1 = weight (penalties / weight decay apply), 0 = bias-like (excluded) */
    const char *name;   /* for messages; may be NULL */
} hn_param_view;

/* ---------------------------------------------------------------- optimisers */

typedef enum hn_optim_kind {
    HN_OPTIM_GD = 0,   /* plain gradient descent: SGD's rule without momentum */
    HN_OPTIM_SGD,      /* SGD, optional (Nesterov) momentum with dampening */
    HN_OPTIM_ADAGRAD,
    HN_OPTIM_ADADELTA,
    HN_OPTIM_RMSPROP,  /* optional momentum, optional centred variant */
    HN_OPTIM_ADAM,     /* coupled L2 weight decay, optional AMSGrad */
    HN_OPTIM_ADAMW,    /* decoupled weight decay, optional AMSGrad */
    HN_OPTIM_KIND_COUNT
} hn_optim_kind;

/* Hyper-parameters. Start from hn_optim_config_default(kind), which fills in
 * PyTorch's defaults, then change what you need. Fields a kind does not use
 * are ignored (and not validated). */
typedef struct hn_optim_config {
    hn_optim_kind kind;
    double lr;                  /* learning rate, >= 0 */
    double weight_decay;        /* >= 0; coupled L2 (decoupled for ADAMW); decay = 1 views only */
    double momentum;            /* SGD, RMSPROP: in [0, 1) */
    double dampening;           /* SGD: in [0, 1] */
    int nesterov;               /* SGD: needs momentum > 0 and dampening = 0 */
    double lr_decay;            /* ADAGRAD: lr / (1 + (t-1) lr_decay), >= 0 */
    double initial_accumulator; /* ADAGRAD: starting value of the squared-gradient sum, >= 0 */
    double rho;                 /* ADADELTA: in [0, 1) */
    double alpha;               /* RMSPROP: smoothing constant, in [0, 1) */
    int centered;               /* RMSPROP: divide by the estimated gradient variance */
    double beta1, beta2;        /* ADAM, ADAMW: in [0, 1) */
    int amsgrad;                /* ADAM, ADAMW */
    double eps;                 /* ADAGRAD, ADADELTA, RMSPROP, ADAM, ADAMW: > 0 */
    double max_grad_norm;       /* > 0: clip the global gradient norm first; 0 = no clipping */
} hn_optim_config;

/* The defaults for one kind (PyTorch's; GD and SGD use lr = 0.01). */
hn_optim_config hn_optim_config_default(hn_optim_kind kind);

/* "gd", "sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw"; "?" for an
 * out-of-range kind. The string is constant. */
const char *hn_optim_kind_name(hn_optim_kind kind);

/* Parses a kind name (case-insensitive, as printed by hn_optim_kind_name).
 * Returns HN_ERR_ARG, with the list of known names, for anything else. */
hn_status hn_optim_kind_parse(const char *name, hn_optim_kind *kind, hn_error *err);

/* Checks a configuration without building anything. HN_ERR_ARG names the
 * first bad field (e.g. "config.beta2 = 1 is outside [0, 1)"). */
hn_status hn_optim_config_check(const hn_optim_config *cfg, hn_error *err);

typedef struct hn_optim hn_optim;

/* Creates an optimiser over views[0..n_views) and zeroes its state (step 0).
 * The views array is copied; the buffers it points to are not (see
 * hn_param_view). *opt is owned by the caller: release with hn_optim_free.
 * Returns HN_ERR_ARG (NULL pointer, n_views < 1, a view with n < 1 or NULL
 * buffers, a bad config field: the message names it) or HN_ERR_NOMEM. */
hn_status hn_optim_new(hn_optim **opt, const hn_optim_config *cfg, const hn_param_view *views,
                       int n_views, hn_error *err);

/* Frees the optimiser and its state (NULL is allowed). */
void hn_optim_free(hn_optim *opt);

/* One update of every view from its current gradient: clip (if
 * max_grad_norm > 0), then the kind's rule; increments the step count.
 * Large views are updated with OpenMP; the result does not depend on the
 * number of threads. Returns HN_ERR_ARG for a NULL opt, or HN_ERR_NUMERIC when
 * clipping finds a non-finite gradient norm (nothing is changed then). */
hn_status hn_optim_step(hn_optim *opt, hn_error *err);

/* Current learning rate (a schedule usually sets it before each step). */
double hn_optim_get_lr(const hn_optim *opt);

/* Sets the learning rate; HN_ERR_ARG if lr is negative or not finite. */
hn_status hn_optim_set_lr(hn_optim *opt, double lr, hn_error *err);

/* Number of completed steps (0 after hn_optim_new). */
int64_t hn_optim_step_count(const hn_optim *opt);

/* The global gradient norm (before clipping) measured by the last step, or
 * NaN when no step has run or clipping is off (then it is not computed). */
double hn_optim_last_grad_norm(const hn_optim *opt);

/* The configuration in use (with lr as last set). */
hn_optim_config hn_optim_get_config(const hn_optim *opt);

/* ------------------------------------------------------ state, checkpoints */

/* Size in bytes of the optimiser's exported state (format in docs/optim.md:
 * little-endian, versioned, with the step count, lr and a checksum). */
size_t hn_optim_state_size(const hn_optim *opt);

/* Writes the state into buf[0..cap). HN_ERR_ARG if cap < hn_optim_state_size. */
hn_status hn_optim_state_save(const hn_optim *opt, void *buf, size_t cap, hn_error *err);

/* Restores state saved by an optimiser of the same kind and options over
 * views of the same sizes; afterwards steps continue bit-identically.
 * The buffer is untrusted: HN_ERR_FORMAT (bad magic, version, checksum,
 * truncation) or HN_ERR_STATE (another kind, option or view layout) name the
 * problem and leave the optimiser unchanged. */
hn_status hn_optim_state_load(hn_optim *opt, const void *buf, size_t len, hn_error *err);

/* Stream versions, for embedding the state in a checkpoint file: write
 * appends exactly hn_optim_state_size bytes at the current position; read
 * consumes exactly one saved state (after a failure the stream position is
 * unspecified). Atomic file replacement is the checkpoint writer's job.
 * HN_ERR_IO on a failed write or short read, else as hn_optim_state_load. */
hn_status hn_optim_state_write(const hn_optim *opt, FILE *f, hn_error *err);
hn_status hn_optim_state_read(hn_optim *opt, FILE *f, hn_error *err);

/* ---------------------------------------------------------- gradient norms */

/* Global L2 norm of all views' gradients, sqrt(sum over views and elements of
 * g^2), accumulated in double; independent of the thread count.
 * HN_ERR_ARG for NULL pointers or bad views. */
hn_status hn_grad_norm(const hn_param_view *views, int n_views, double *norm, hn_error *err);

/* The factor clipping multiplies gradients by, as
 * torch.nn.utils.clip_grad_norm_: min(1, max_norm / (norm + 1e-6)). */
double hn_clip_coef(double norm, double max_norm);

/* Clipping on mutable gradients, for callers that want the clipped
 * gradients themselves (the optimiser's max_grad_norm avoids this pass).
 * grads[i] holds views[i].n floats (it may be views[i].grad's buffer); the
 * norm is measured on grads, stored in *norm (may be NULL), and the grads
 * are scaled by hn_clip_coef. HN_ERR_ARG for bad arguments, HN_ERR_NUMERIC
 * (grads unchanged) when the norm is not finite. */
hn_status hn_clip_grad_norm(const hn_param_view *views, int n_views, float *const *grads,
                            double max_norm, double *norm, hn_error *err);

/* --------------------------------------------------------------- penalties */

/* Elastic-net penalty on the decay = 1 views:
 *     P = l1 * sum|w| + l2 / 2 * sum w^2,   dP/dw = l1 * sign(w) + l2 * w
 * (sign(0) = 0). l2 alone is L2, l1 alone is L1. Keras' L2(k) is l2 = 2k;
 * scikit-learn's (alpha, l1_ratio) is l1 = alpha l1_ratio, l2 = alpha (1 - l1_ratio). */
typedef struct hn_penalty {
    double l1;
    double l2;
} hn_penalty;

/* Evaluates the penalty over the decay = 1 views: stores P in *value (may be
 * NULL) and, if grads is not NULL, adds dP/dw to grads[i] (views[i].n floats)
 * for every decay = 1 view; grads[i] of decay = 0 views are not touched and
 * may be NULL. HN_ERR_ARG for NULL pointers, bad views, negative or
 * non-finite l1 / l2. */
hn_status hn_penalty_add(const hn_penalty *pen, const hn_param_view *views, int n_views,
                         float *const *grads, double *value, hn_error *err);

/* ---------------------------------------------- learning-rate schedules */

typedef enum hn_schedule_kind {
    HN_SCHED_CONSTANT = 0, /* lr0 */
    HN_SCHED_STEP,         /* lr0 * gamma^floor(t / step_size)      (StepLR) */
    HN_SCHED_EXP,          /* lr0 * gamma^t                          (ExponentialLR) */
    HN_SCHED_INVERSE,      /* lr0 / (1 + decay * t)                  (1/t annealing) */
    HN_SCHED_KIND_COUNT
} hn_schedule_kind;

/* A schedule is plain data; t counts whatever the caller steps it by
 * (epochs or batches), from 0. With warmup = w > 1 the rate is multiplied by
 * (t + 1) / w for t < w (linear warm-up reaching the full rate at t = w - 1). */
typedef struct hn_schedule {
    hn_schedule_kind kind;
    double lr0;        /* >= 0 */
    int64_t step_size; /* STEP: >= 1 */
    double gamma;      /* STEP, EXP: > 0 */
    double decay;      /* INVERSE: >= 0 */
    int64_t warmup;    /* >= 0; 0 or 1 = no warm-up */
} hn_schedule;

/* Validates a schedule; HN_ERR_ARG names the bad field. */
hn_status hn_schedule_check(const hn_schedule *s, hn_error *err);

/* The learning rate at t >= 0. Pure. Returns NaN for a NULL or invalid
 * schedule or t < 0 (check with hn_schedule_check first). */
double hn_schedule_lr(const hn_schedule *s, int64_t t);

/* "constant", "step", "exp", "inverse" (constant strings) and their parser
 * (HN_ERR_ARG with the known names for anything else). */
const char *hn_schedule_kind_name(hn_schedule_kind kind);
hn_status hn_schedule_kind_parse(const char *name, hn_schedule_kind *kind, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
