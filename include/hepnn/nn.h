/* hepnn — layers: initialisers, activations by name, and layer builders that
 * add sub-graphs of core ops (dense, batch normalisation) to a graph. */
#ifndef HEPNN_NN_H
#define HEPNN_NN_H

#include "hepnn/ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- initialisers ------------------------------------------------------------ */

typedef enum hn_init_kind {
    HN_INIT_XAVIER_UNIFORM = 0, /* Glorot: U(±sqrt(6/(fan_in+fan_out))) */
    HN_INIT_XAVIER_NORMAL,      /* Glorot: N(0, 2/(fan_in+fan_out)) */
    HN_INIT_HE_UNIFORM,         /* He: U(±sqrt(6/fan_in)) */
    HN_INIT_HE_NORMAL,          /* He: N(0, 2/fan_in) */
    HN_INIT_UNIFORM,            /* U(±scale) */
    HN_INIT_NORMAL,             /* N(0, scale²) */
    HN_INIT_ZEROS,
    HN_INIT_COUNT
} hn_init_kind;

/* Fills t with values drawn from rng as kind prescribes (scale is used by
 * UNIFORM and NORMAL only). HN_ERR_ARG for a NULL tensor/rng, a bad kind, or
 * non-positive fans where the kind needs them. */
hn_status hn_init_fill(hn_tensor *t, hn_init_kind kind, int64_t fan_in, int64_t fan_out, double scale, hn_rng *rng,
                       hn_error *err);
/* "xavier_uniform", "glorot_uniform", "he_normal", ... -> kind; -1 if unknown. */
int hn_init_parse(const char *name);
const char *hn_init_name(hn_init_kind kind);

/* --- activations ------------------------------------------------------------ */

typedef enum hn_act_kind {
    HN_ACT_IDENTITY = 0,
    HN_ACT_STEP,
    HN_ACT_SIGMOID,
    HN_ACT_TANH,
    HN_ACT_ATAN,
    HN_ACT_RELU,
    HN_ACT_PRELU, /* learnable slope, one per feature (dimension 1) */
    HN_ACT_ELU,
    HN_ACT_SOFTPLUS,
    HN_ACT_SOFTMAX, /* along the last axis */
    HN_ACT_COUNT
} hn_act_kind;

/* "relu", "tanh", "linear"/"identity", "logistic"/"sigmoid", ... -> kind; -1 if unknown. */
int hn_act_parse(const char *name);
const char *hn_act_name(hn_act_kind kind);

/* Applies an activation. alpha: ELU's α, or PReLU's initial slope (PReLU
 * creates a parameter "<name>.slope"). */
hn_tensor *hn_activation(hn_graph *g, hn_tensor *x, hn_act_kind kind, float alpha, const char *name);

/* --- layers -------------------------------------------------------------------- */

/* Fully connected: x (B, IN) · W (IN, units) + b (units), creating the
 * parameters "<name>.w" (initialised by init from rng) and "<name>.b" (zeros). */
hn_tensor *hn_dense(hn_graph *g, hn_tensor *x, int64_t units, hn_init_kind init, hn_rng *rng, const char *name);

/* Batch normalisation over dimension 1 of x, creating the parameters
 * "<name>.gamma" (ones) and "<name>.beta" (zeros) and the states
 * "<name>.running_mean" (zeros) and "<name>.running_var" (ones). */
hn_tensor *hn_batch_norm(hn_graph *g, hn_tensor *x, float momentum, float eps, const char *name);

#ifdef __cplusplus
}
#endif
#endif
