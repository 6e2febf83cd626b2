/* Internal: the tensor and graph structures, the op table and the backend
 * interface. Only src/ includes this; the public API is include/hepnn/. */
#ifndef HN_GRAPH_IMPL_H
#define HN_GRAPH_IMPL_H

#include "hepnn/graph.h"
#include "hepnn/ops.h"

/* Every op, defined once: X(ID, id, "name", min_arity, max_arity, infer).
 * ID names the enum value HN_OP_<ID>; id names the kernels of each backend
 * (hn_cpu_<id>_fwd / hn_cpu_<id>_bwd); infer computes the output shape
 * (src/core/infer.c). A max_arity of -1 means any number of inputs. */
#define HN_OP_LIST(X)                                                       \
    X(MATMUL, matmul, "matmul", 2, 2, hn_infer_matmul)                      \
    X(ADD, add, "add", 2, 2, hn_infer_broadcast)                            \
    X(SUB, sub, "sub", 2, 2, hn_infer_broadcast)                            \
    X(MUL, mul, "mul", 2, 2, hn_infer_broadcast)                            \
    X(DIV, div, "div", 2, 2, hn_infer_broadcast)                            \
    X(AFFINE, affine, "affine", 1, 1, hn_infer_same)                        \
    X(SUM, sum, "sum", 1, 1, hn_infer_reduce)                               \
    X(MEAN, mean, "mean", 1, 1, hn_infer_reduce)                            \
    X(RESHAPE, reshape, "reshape", 1, 1, hn_infer_reshape)                  \
    X(CONCAT, concat, "concat", 1, -1, hn_infer_concat)                     \
    X(SLICE, slice, "slice", 1, 1, hn_infer_slice)                          \
    X(DETACH, detach, "detach", 1, 1, hn_infer_same)                        \
    X(EXP, exp, "exp", 1, 1, hn_infer_same)                                 \
    X(LOG, log, "log", 1, 1, hn_infer_same)                                 \
    X(SQRT, sqrt, "sqrt", 1, 1, hn_infer_same)                              \
    X(SQUARE, square, "square", 1, 1, hn_infer_same)                        \
    X(ABS, abs, "abs", 1, 1, hn_infer_same)                                 \
    X(IDENTITY, identity, "identity", 1, 1, hn_infer_same)                  \
    X(STEP, step, "step", 1, 1, hn_infer_same)                              \
    X(SIGMOID, sigmoid, "sigmoid", 1, 1, hn_infer_same)                     \
    X(TANH, tanh, "tanh", 1, 1, hn_infer_same)                              \
    X(ATAN, atan, "atan", 1, 1, hn_infer_same)                              \
    X(RELU, relu, "relu", 1, 1, hn_infer_same)                              \
    X(PRELU, prelu, "prelu", 2, 2, hn_infer_prelu)                          \
    X(ELU, elu, "elu", 1, 1, hn_infer_same)                                 \
    X(SOFTPLUS, softplus, "softplus", 1, 1, hn_infer_same)                  \
    X(SOFTMAX, softmax, "softmax", 1, 1, hn_infer_axis)                     \
    X(LOG_SOFTMAX, log_softmax, "log_softmax", 1, 1, hn_infer_axis)         \
    X(DROPOUT, dropout, "dropout", 1, 1, hn_infer_dropout)                  \
    X(BATCHNORM, batchnorm, "batchnorm", 5, 5, hn_infer_batchnorm)          \
    X(LOSS_MSE, loss_mse, "loss_mse", 2, 3, hn_infer_loss_pair)             \
    X(LOSS_BCE_LOGITS, loss_bce_logits, "loss_bce_logits", 2, 3, hn_infer_loss_pair) \
    X(LOSS_BCE, loss_bce, "loss_bce", 2, 3, hn_infer_loss_pair)             \
    X(LOSS_CE, loss_ce, "loss_cross_entropy", 2, 3, hn_infer_loss_class)    \
    X(LOSS_NLL, loss_nll, "loss_nll", 2, 3, hn_infer_loss_class)            \
    X(LOSS_KL_GAUSS, loss_kl_gauss, "loss_kl_gauss", 2, 3, hn_infer_loss_pair) \
    X(CONV, conv, "conv", 2, 3, hn_infer_conv)                              \
    X(CONV_TRANSPOSE, conv_transpose, "conv_transpose", 2, 3, hn_infer_conv_transpose) \
    X(MAXPOOL, maxpool, "maxpool", 1, 1, hn_infer_pool)                     \
    X(AVGPOOL, avgpool, "avgpool", 1, 1, hn_infer_pool)                     \
    X(GLOBAL_AVGPOOL, global_avgpool, "global_avgpool", 1, 1, hn_infer_global_pool) \
    X(LSTM_CELL, lstm_cell, "lstm_cell", 1, 3, hn_infer_lstm_cell)          \
    X(GRU_CELL, gru_cell, "gru_cell", 2, 3, hn_infer_gru_cell)

typedef enum hn_op {
    HN_OP_LEAF = 0, /* inputs, parameters and states: no op */
#define HN_X_ENUM(ID, id, name, amin, amax, infer) HN_OP_##ID,
    HN_OP_LIST(HN_X_ENUM)
#undef HN_X_ENUM
    HN_OP_COUNT
} hn_op;

typedef enum hn_kind { HN_KIND_INPUT, HN_KIND_PARAM, HN_KIND_STATE, HN_KIND_OP } hn_kind;

struct hn_tensor {
    hn_graph *graph;
    int id; /* creation index in the graph */
    hn_kind kind;
    hn_op op;
    int ndim;
    int64_t shape[HN_MAX_DIMS];
    int batch_bound; /* input whose dimension 0 follows the graph's batch */
    int requires_grad;
    float *data, *grad, *aux; /* aux: an op's saved workspace (masks, statistics) */
    int64_t data_cap, grad_cap, aux_cap, aux_len; /* capacities and needs, in floats */
    int n_src;
    hn_tensor **src;
    int64_t ip[8]; /* integer parameters of the op (axis, flags, shapes, ...) */
    float fp[4];   /* float parameters of the op (alpha, p, eps, ...) */
    int active;    /* scratch mark for the backward walk */
    char name[48];
};

typedef struct hn_graph hn_graph;

/* A kernel computes node y from y->src (forward), or accumulates y->grad into
 * the gradients of those of y->src that require one (backward). */
typedef hn_status (*hn_kernel_fn)(hn_graph *g, hn_tensor *y, hn_error *err);

/* A backend: memory and one forward/backward kernel per op. A backend that
 * lacks an op leaves its entries NULL (hn_backend_supports_op says so).
 * ctx is the graph's backend state (g->be_ctx, made by open; NULL on the CPU). */
typedef struct hn_backend {
    const char *name;
    hn_kernel_fn forward[HN_OP_COUNT];
    hn_kernel_fn backward[HN_OP_COUNT];
    void *(*alloc)(void *ctx, size_t bytes); /* zero-filled, 64-byte aligned */
    void (*release)(void *ctx, void *p);
    /* --- device backends (src/backend/cuda): NULL where the buffers are host
     * memory, in which case the core uses memcpy / memset / a plain loop. */
    hn_status (*open)(void **ctx, hn_error *err); /* per-graph state: stream, library handles */
    void (*close)(void *ctx);
    hn_status (*upload)(void *ctx, void *dst, const void *src, size_t bytes, hn_error *err);
    hn_status (*download)(void *ctx, void *dst, const void *src, size_t bytes, hn_error *err);
    hn_status (*zero)(void *ctx, void *dst, size_t bytes, hn_error *err);
    /* grad[0..n) += dy ? dy[i] : 1, dy in host memory (the backward seed) */
    hn_status (*seed)(void *ctx, float *grad, const float *dy, int64_t n, hn_error *err);
    /* after set_batch inferred the shapes and grew the buffers (workspaces, captured steps) */
    hn_status (*prepare)(hn_graph *g, hn_error *err);
} hn_backend;

const hn_backend *hn_backend_cpu(void);
/* The CUDA backend, or NULL when hepnn was built without it (src/backend/cuda). */
const hn_backend *hn_backend_cuda(void);
int hn_backend_supports_op(const hn_backend *be, hn_op op);

typedef hn_status (*hn_infer_fn)(hn_tensor *y, hn_error *err);

typedef struct hn_op_def {
    const char *name;
    int min_arity, max_arity;
    hn_infer_fn infer;
} hn_op_def;

extern const hn_op_def hn_op_defs[HN_OP_COUNT];

struct hn_graph {
    hn_tensor **nodes;
    int n_nodes, cap_nodes;
    hn_tensor **order; /* compiled topological order (ops only) */
    int n_order, cap_order;
    hn_tensor **params;
    int n_params, cap_params;
    int64_t batch;
    int training;
    int forward_done; /* a forward pass ran at the current shapes */
    hn_rng rng;
    const hn_backend *be;
    void *be_ctx;      /* the backend's per-graph state (NULL on the CPU) */
    hn_device device;
    hn_status status;
    char msg[HN_ERROR_MSG_MAX];
    int64_t n_allocs, bytes;
};

/* hn_tensor_fill for builders: on failure records the error in g (as
 * hn_graph_fail) and returns non-zero. */
int hn_layer_fill(hn_graph *g, hn_tensor *t, int64_t from, int64_t to, float v);

/* Records the graph's first error (later ones are ignored) and returns NULL,
 * for use in builders: return hn_graph_fail(g, HN_ERR_SHAPE, "...").  */
hn_tensor *hn_graph_fail(hn_graph *g, hn_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Creates an op node: checks arity and inputs, infers the shape. NULL on error. */
hn_tensor *hn_node_new(hn_graph *g, hn_op op, hn_tensor *const *src, int n_src,
                       const int64_t *ip, const float *fp);

int64_t hn_shape_numel(int ndim, const int64_t *shape);
/* "(2, 3)" */
char *hn_shape_str(int ndim, const int64_t *shape, char *buf, size_t size);

/* Normalises a possibly negative axis for ndim dimensions; -1 if out of range. */
int hn_axis_norm(int axis, int ndim);

#define HN_X_DECL(ID, id, name, amin, amax, infer) hn_status infer(hn_tensor *y, hn_error *err);
HN_OP_LIST(HN_X_DECL)
#undef HN_X_DECL

#endif
