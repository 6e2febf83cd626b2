/* The op table (from HN_OP_LIST) and the public op builders. */
#include <string.h>

#include "core/graph_impl.h"

const hn_op_def hn_op_defs[HN_OP_COUNT] = {
    [HN_OP_LEAF] = {"leaf", 0, 0, NULL},
#define HN_X_DEF(ID, id, name, amin, amax, infer) [HN_OP_##ID] = {name, amin, amax, infer},
    HN_OP_LIST(HN_X_DEF)
#undef HN_X_DEF
};

int hn_backend_supports_op(const hn_backend *be, hn_op op)
{
    return be && op > HN_OP_LEAF && op < HN_OP_COUNT && be->forward[op] && be->backward[op];
}

static hn_tensor *unary(hn_graph *g, hn_op op, hn_tensor *x)
{
    return hn_node_new(g, op, &x, 1, NULL, NULL);
}

static hn_tensor *binary(hn_graph *g, hn_op op, hn_tensor *a, hn_tensor *b)
{
    hn_tensor *src[2] = {a, b};
    return hn_node_new(g, op, src, 2, NULL, NULL);
}

hn_tensor *hn_matmul(hn_graph *g, hn_tensor *a, hn_tensor *b, int trans_a, int trans_b)
{
    hn_tensor *src[2] = {a, b};
    int64_t ip[8] = {trans_a != 0, trans_b != 0};
    return hn_node_new(g, HN_OP_MATMUL, src, 2, ip, NULL);
}

hn_tensor *hn_add(hn_graph *g, hn_tensor *a, hn_tensor *b) { return binary(g, HN_OP_ADD, a, b); }
hn_tensor *hn_sub(hn_graph *g, hn_tensor *a, hn_tensor *b) { return binary(g, HN_OP_SUB, a, b); }
hn_tensor *hn_mul(hn_graph *g, hn_tensor *a, hn_tensor *b) { return binary(g, HN_OP_MUL, a, b); }
hn_tensor *hn_div(hn_graph *g, hn_tensor *a, hn_tensor *b) { return binary(g, HN_OP_DIV, a, b); }

hn_tensor *hn_affine(hn_graph *g, hn_tensor *x, float s, float c)
{
    float fp[4] = {s, c};
    return hn_node_new(g, HN_OP_AFFINE, &x, 1, NULL, fp);
}
hn_tensor *hn_scale(hn_graph *g, hn_tensor *x, float s) { return hn_affine(g, x, s, 0.0f); }
hn_tensor *hn_add_scalar(hn_graph *g, hn_tensor *x, float c) { return hn_affine(g, x, 1.0f, c); }

hn_tensor *hn_sum(hn_graph *g, hn_tensor *x, int axis)
{
    int64_t ip[8] = {axis};
    return hn_node_new(g, HN_OP_SUM, &x, 1, ip, NULL);
}
hn_tensor *hn_mean(hn_graph *g, hn_tensor *x, int axis)
{
    int64_t ip[8] = {axis};
    return hn_node_new(g, HN_OP_MEAN, &x, 1, ip, NULL);
}

hn_tensor *hn_reshape(hn_graph *g, hn_tensor *x, int ndim, const int64_t *shape)
{
    if (ndim < 1 || ndim > HN_MAX_DIMS || !shape)
        return hn_graph_fail(g, HN_ERR_ARG, "reshape: %d dimensions requested (1 to %d, shape non-NULL)", ndim,
                             HN_MAX_DIMS);
    int64_t ip[8] = {ndim};
    for (int i = 0; i < ndim; i++)
        ip[1 + i] = shape[i];
    return hn_node_new(g, HN_OP_RESHAPE, &x, 1, ip, NULL);
}

hn_tensor *hn_concat(hn_graph *g, hn_tensor *const *xs, int n, int axis)
{
    if (!xs || n < 1)
        return hn_graph_fail(g, HN_ERR_ARG, "concat: no inputs");
    int64_t ip[8] = {axis};
    return hn_node_new(g, HN_OP_CONCAT, xs, n, ip, NULL);
}

hn_tensor *hn_slice(hn_graph *g, hn_tensor *x, int axis, int64_t start, int64_t len)
{
    int64_t ip[8] = {axis, start, len};
    return hn_node_new(g, HN_OP_SLICE, &x, 1, ip, NULL);
}

hn_tensor *hn_detach(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_DETACH, x); }
hn_tensor *hn_exp(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_EXP, x); }
hn_tensor *hn_log(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_LOG, x); }
hn_tensor *hn_sqrt(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_SQRT, x); }
hn_tensor *hn_square(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_SQUARE, x); }
hn_tensor *hn_abs(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_ABS, x); }
hn_tensor *hn_identity(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_IDENTITY, x); }
hn_tensor *hn_step(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_STEP, x); }
hn_tensor *hn_sigmoid(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_SIGMOID, x); }
hn_tensor *hn_tanh(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_TANH, x); }
hn_tensor *hn_atan(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_ATAN, x); }
hn_tensor *hn_relu(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_RELU, x); }
hn_tensor *hn_softplus(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_SOFTPLUS, x); }
hn_tensor *hn_prelu(hn_graph *g, hn_tensor *x, hn_tensor *a) { return binary(g, HN_OP_PRELU, x, a); }

hn_tensor *hn_elu(hn_graph *g, hn_tensor *x, float alpha)
{
    float fp[4] = {alpha};
    return hn_node_new(g, HN_OP_ELU, &x, 1, NULL, fp);
}

hn_tensor *hn_softmax(hn_graph *g, hn_tensor *x, int axis)
{
    int64_t ip[8] = {axis};
    return hn_node_new(g, HN_OP_SOFTMAX, &x, 1, ip, NULL);
}
hn_tensor *hn_log_softmax(hn_graph *g, hn_tensor *x, int axis)
{
    int64_t ip[8] = {axis};
    return hn_node_new(g, HN_OP_LOG_SOFTMAX, &x, 1, ip, NULL);
}

hn_tensor *hn_dropout(hn_graph *g, hn_tensor *x, float p)
{
    float fp[4] = {p};
    return hn_node_new(g, HN_OP_DROPOUT, &x, 1, NULL, fp);
}

hn_tensor *hn_batchnorm(hn_graph *g, hn_tensor *x, hn_tensor *gamma, hn_tensor *beta, hn_tensor *running_mean,
                        hn_tensor *running_var, float momentum, float eps)
{
    hn_tensor *src[5] = {x, gamma, beta, running_mean, running_var};
    float fp[4] = {momentum, eps};
    return hn_node_new(g, HN_OP_BATCHNORM, src, 5, NULL, fp);
}

static hn_tensor *loss(hn_graph *g, hn_op op, hn_tensor *a, hn_tensor *b, hn_tensor *w, float f0)
{
    hn_tensor *src[3] = {a, b, w};
    float fp[4] = {f0};
    return hn_node_new(g, op, src, w ? 3 : 2, NULL, fp);
}

hn_tensor *hn_loss_mse(hn_graph *g, hn_tensor *y, hn_tensor *t, hn_tensor *w)
{
    return loss(g, HN_OP_LOSS_MSE, y, t, w, 0.0f);
}
hn_tensor *hn_loss_bce_logits(hn_graph *g, hn_tensor *z, hn_tensor *t, hn_tensor *w)
{
    return loss(g, HN_OP_LOSS_BCE_LOGITS, z, t, w, 0.0f);
}
hn_tensor *hn_loss_bce(hn_graph *g, hn_tensor *p, hn_tensor *t, hn_tensor *w, float eps)
{
    return loss(g, HN_OP_LOSS_BCE, p, t, w, eps);
}
hn_tensor *hn_loss_cross_entropy(hn_graph *g, hn_tensor *z, hn_tensor *labels, hn_tensor *w)
{
    return loss(g, HN_OP_LOSS_CE, z, labels, w, 0.0f);
}
hn_tensor *hn_loss_nll(hn_graph *g, hn_tensor *logp, hn_tensor *labels, hn_tensor *w)
{
    return loss(g, HN_OP_LOSS_NLL, logp, labels, w, 0.0f);
}
hn_tensor *hn_loss_kl_gauss(hn_graph *g, hn_tensor *mu, hn_tensor *logvar, hn_tensor *w)
{
    return loss(g, HN_OP_LOSS_KL_GAUSS, mu, logvar, w, 0.0f);
}
