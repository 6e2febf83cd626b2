/* hepnn — a sequential model for the classic HEP tasks.
 *
 * A model is a graph built from a list of hidden layers plus an output layer
 * that the task decides: binary classification (one logit, sigmoid output,
 * binary cross-entropy), multi-class (C logits, softmax output, multi-class
 * log-likelihood) or regression (linear outputs, squared error). The inputs are
 * standardised inside the model ((x − shift) · scale, set from the training
 * data), so applying a model needs no bookkeeping. Every loss takes per-event
 * weights. The model file (io) stores all of it. */
#ifndef HEPNN_MODEL_H
#define HEPNN_MODEL_H

#include <stdio.h>

#include "hepnn/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hn_task { HN_TASK_BINARY = 0, HN_TASK_MULTICLASS, HN_TASK_REGRESSION, HN_TASK_COUNT } hn_task;

typedef enum hn_layer_kind {
    HN_LAYER_DENSE = 0,
    HN_LAYER_ACTIVATION,
    HN_LAYER_DROPOUT,
    HN_LAYER_BATCHNORM,
    /* deep architectures (docs/deep.md, "In the sequential model") */
    HN_LAYER_RESHAPE,          /* (B, N) -> (B, shape...) */
    HN_LAYER_CONV1D,           /* (B, C, L) -> (B, units, Lo) */
    HN_LAYER_CONV2D,           /* (B, C, H, W) -> (B, units, Ho, Wo) */
    HN_LAYER_CONV2D_TRANSPOSE, /* (B, C, H, W) -> (B, units, (H−1)·stride − 2·pad + k + out_pad, ...) */
    HN_LAYER_MAXPOOL,          /* (B, C, H, W) or (B, C, L) */
    HN_LAYER_AVGPOOL,
    HN_LAYER_GLOBAL_AVGPOOL,   /* (B, C, ...) -> (B, C) */
    HN_LAYER_FLATTEN,          /* (B, ...) -> (B, N) */
    HN_LAYER_RNN,              /* (B, T, F) -> (B, H) or (B, T, H) (2H bidirectional) */
    HN_LAYER_RESIDUAL,         /* dense block on (B, N), conv block on (B, C, H, W) */
    HN_LAYER_HIGHWAY,          /* (B, N) -> (B, N) */
    HN_LAYER_SEQUENCE,         /* (B, N) -> (B, objects, vars): a jagged block, its mask for the RNNs */
    HN_LAYER_COUNT
} hn_layer_kind;

typedef struct hn_layer_spec {
    hn_layer_kind kind;
    int64_t units;       /* DENSE: width; CONV*: filters; RNN: hidden size H; RESIDUAL: width / filters */
    hn_init_kind init;   /* DENSE, CONV*, RESIDUAL (dense), HIGHWAY: weight initialiser */
    hn_act_kind act;     /* ACTIVATION; RESIDUAL and HIGHWAY: their activation */
    float alpha;         /* ACTIVATION: ELU α, PReLU initial slope; HIGHWAY: initial gate bias (e.g. −2) */
    float rate;          /* DROPOUT: probability of dropping */
    float momentum, eps; /* BATCHNORM (PyTorch's defaults: 0.1, 1e-5) */
    /* convolution and pooling: kernel (kh, kw; 1-D layers use kernel[0]), stride
     * (pooling: 0 means the kernel size), zero padding or HN_PAD_SAME (−1),
     * dilation (>= 1), transposed convolution's output padding */
    int64_t kernel[2];
    int64_t stride, pad, dilation, out_pad;
    /* RNN */
    int cell;             /* hn_rnn_cell: HN_RNN_SIMPLE, HN_RNN_LSTM, HN_RNN_GRU */
    int bidirectional;    /* 1: forward and backward outputs concatenated */
    int return_sequences; /* 1: every step's output (B, T, H); 0: the last (valid) state (B, H) */
    int truncate;         /* > 0: truncated BPTT every that many steps */
    int batch_norm;       /* RESIDUAL conv block: with batch normalisation */
    /* RESHAPE: the shape after the batch dimension (1 to 3 dimensions) */
    int shape_ndim;
    int64_t shape[3];
    /* SEQUENCE: the jagged block starts at feature `offset` (−1: the block is
     * the last objects·(vars + 1) features), objects × vars values object-major,
     * then objects mask values (hn_data_load's layout) */
    int64_t offset, objects, vars;
} hn_layer_spec;

typedef struct hn_model_spec {
    int n_inputs;  /* features per event */
    int n_outputs; /* binary: 1; multi-class: number of classes (>= 2); regression: targets */
    hn_task task;
    int n_layers;
    const hn_layer_spec *layers; /* hidden layers; the output dense layer is added */
    uint64_t seed;               /* initialisation and dropout */
} hn_model_spec;

typedef struct hn_model hn_model;

/* Builds a model: checks the spec (naming the bad layer by its 1-based index,
 * its kind and what is wrong, including shapes that do not fit), creates and
 * initialises the parameters. The caller frees it with hn_model_free. */
hn_status hn_model_new(hn_model **out, const hn_model_spec *spec, hn_error *err);
void hn_model_free(hn_model *m);

/* As hn_model_new, with the model's graph on a device (hepnn/graph.h;
 * HN_DEVICE_CPU is hn_model_new). The initial values are the CPU's for the
 * same seed. hn_model_predict and the normalisation calls work on any device;
 * hn_model_save and the compiled inference need a CPU model: copy the values
 * into one with hn_model_copy_values. HN_ERR_UNSUPPORTED / HN_ERR_BACKEND as
 * hn_graph_new_on, and "backend cuda has no kernel for <op>" for a layer whose
 * ops the device lacks. */
hn_status hn_model_new_on(hn_model **out, const hn_model_spec *spec, hn_device dev, hn_error *err);
/* The device a model runs on. */
hn_device hn_model_device(const hn_model *m);
/* Copies every parameter and state (weights, batch-norm running statistics,
 * the input and target standardisation) of src into dst: two models of the
 * same spec, on any devices. HN_ERR_SHAPE if their tensors differ. */
hn_status hn_model_copy_values(hn_model *dst, const hn_model *src, hn_error *err);

/* The spec the model was built from (layers owned by the model). */
const hn_model_spec *hn_model_get_spec(const hn_model *m);

/* Outputs for n events x (n, n_inputs), row-major, into out (n, n_outputs):
 * probabilities for classification, values for regression. Evaluation mode
 * (no dropout, running batch-norm statistics); processes up to 4096 events at
 * a time. */
hn_status hn_model_predict(hn_model *m, const float *x, int64_t n, float *out, hn_error *err);

/* Input standardisation: x' = (x − shift) · scale, each (n_inputs). Mask
 * columns (those a SEQUENCE layer reads as its mask) are never standardised:
 * they keep shift 0, scale 1 whatever is given. */
hn_status hn_model_set_normalisation(hn_model *m, const float *shift, const float *scale, hn_error *err);
void hn_model_get_normalisation(const hn_model *m, float *shift, float *scale);
/* Regression: the network learns t' = (t − shift)·scale (each (n_outputs));
 * predictions are given back in the targets' units. The training loop sets it
 * from the training targets with the input standardisation. HN_ERR_STATE for
 * classification models. */
hn_status hn_model_set_target_normalisation(hn_model *m, const float *shift, const float *scale, hn_error *err);

/* Feature and class names (copied); either list may be NULL. */
hn_status hn_model_set_names(hn_model *m, const char *const *features, int n_features, const char *const *classes,
                             int n_classes, hn_error *err);
const char *hn_model_feature_name(const hn_model *m, int i); /* NULL if unset */
const char *hn_model_class_name(const hn_model *m, int i);

/* Free-form metadata (JSON text by convention: training metrics, config, versions). Copied. */
hn_status hn_model_set_meta(hn_model *m, const char *text, hn_error *err);
const char *hn_model_meta(const hn_model *m); /* "" if unset */

/* Number of trainable values. */
int64_t hn_model_num_weights(const hn_model *m);
/* Writes the architecture, one line per layer with output shapes (B = the
 * batch) and parameter counts. */
void hn_model_summary(const hn_model *m, FILE *out);

/* --- files -------------------------------------------------------------------
 * The format (docs/model-format.md) is versioned, little-endian and protected
 * by a CRC-32; saving writes a temporary file and renames it, so a crash never
 * leaves half a model in place of a good one. Loading a truncated, corrupted or
 * other-version file returns HN_ERR_FORMAT / HN_ERR_UNSUPPORTED with a message
 * naming the problem and never a half-loaded model. */
hn_status hn_model_save(const hn_model *m, const char *path, hn_error *err);
hn_status hn_model_load(hn_model **out, const char *path, hn_error *err);

/* --- what the training loop needs ---------------------------------------------- */

/* The graph and its named tensors: x (B, n_inputs) raw features; target
 * (B, 1) for binary, (B) class labels for multi-class, (B, n_outputs) for
 * regression; weight (B) per-event weights; loss (scalar); output (B, n_outputs). */
typedef struct hn_model_io {
    hn_graph *graph;
    hn_tensor *x, *target, *weight, *loss, *output, *logits;
} hn_model_io;
hn_model_io hn_model_get_io(hn_model *m);
/* Whether parameter i of the graph is a weight (L1/L2 penalties and weight
 * decay apply) rather than a bias, a batch-norm scale/shift or a PReLU slope. */
int hn_model_param_decays(const hn_model *m, int i);

/* "dense", "conv2d", "rnn", ... (the configuration's layer types); "unknown"
 * out of range. hn_layer_kind_parse: the kind, or -1. */
const char *hn_layer_kind_name(hn_layer_kind kind);
int hn_layer_kind_parse(const char *name);
/* Whether input feature i is a mask column of a SEQUENCE layer (not standardised). */
int hn_model_is_mask_column(const hn_model *m, int i);

const char *hn_task_name(hn_task task);
int hn_task_parse(const char *name); /* "binary", "multiclass", "regression"; -1 if unknown */

#ifdef __cplusplus
}
#endif
#endif
