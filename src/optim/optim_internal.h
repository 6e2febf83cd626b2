/* Internals shared by the files of src/optim/: the optimiser object, the
 * per-kind update kernels and the deterministic reductions. */
#ifndef HEPNN_OPTIM_INTERNAL_H
#define HEPNN_OPTIM_INTERNAL_H

#include "hepnn/optim.h"

/* No fused multiply-adds in the update rules, so gcc (ISO mode: off) and
 * clang (default: on) builds compute the same bits. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Views at least this long are updated with an OpenMP parallel for; shorter
 * ones are not worth waking the threads for. */
#define HN_OPTIM_PAR_MIN 32768

/* Reductions sum fixed blocks of this many elements in order and then the
 * block sums in order, so the result does not depend on the thread count. */
#define HN_OPTIM_RED_BLOCK 4096
#define HN_OPTIM_RED_GROUP 256

#define HN_OPTIM_MAX_SLOTS 3

struct hn_optim {
    hn_optim_config cfg;
    int n_views;
    hn_param_view *views; /* copies; names point into `names` */
    char *names;
    int64_t *offset;      /* first element of each view in a state slot */
    int64_t total;        /* sum of the views' n */
    int n_slots;          /* state arrays per element (0..3) */
    float *state;         /* n_slots * total floats, slot-major, zero-initialised */
    int64_t step;
    double last_norm;
    void *dev; /* device optimiser (views in device memory, src/backend/cuda); NULL on the host */
};

/* Per-step scalars handed to the update kernels. */
typedef struct hn_optim_scalars {
    double lr;
    double wd;        /* weight decay for this view (0 for decay = 0 views) */
    double scale;     /* gradient clipping factor, 1 when off */
    int first;        /* 1 on the first step (SGD momentum buffer starts as the gradient) */
    double clr;       /* Adagrad: lr / (1 + (t - 1) lr_decay) */
    double step_size; /* Adam: lr / (1 - beta1^t) */
    double bc2_sqrt;  /* Adam: sqrt(1 - beta2^t) */
} hn_optim_scalars;

/* Number of state slots a configuration needs. */
int hn_optim__slots(const hn_optim_config *cfg);

/* Validates a views array; messages start with `fn`. */
hn_status hn_optim__check_views(const char *fn, const hn_param_view *views, int n_views,
                                hn_error *err);

/* Updates w[0..n) from g[0..n) and the kind's state slots s[k] + 0..n. */
void hn_optim__update(const hn_optim_config *cfg, const hn_optim_scalars *sc, float *w,
                      const float *g, int64_t n, float *const s[HN_OPTIM_MAX_SLOTS]);

/* Device optimisers (hn_optim_new_on): the step on the device, the state
 * copied to / from o->state around save and load, release. Defined by the
 * CUDA backend (stubs without it: o->dev is then never set). */
hn_status hn_optim__dev_step(hn_optim *o, hn_error *err);
hn_status hn_optim__dev_pull(const hn_optim *o, hn_error *err);
hn_status hn_optim__dev_push(hn_optim *o, hn_error *err);
void hn_optim__dev_free(hn_optim *o);

/* Deterministic sums over x[0..n): of x^2, and (if abs_sum is not NULL) of |x|. */
void hn_optim__sums(const float *x, int64_t n, double *sq_sum, double *abs_sum);

#endif
