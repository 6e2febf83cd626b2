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

/* --- convolution, pooling, recurrent cells ------------------------------------ */

/* The padding (before, after) that gives ceil(n / stride) outputs. */
static void same_pad(int64_t n, int64_t k, int64_t stride, int64_t dil, int64_t *before, int64_t *after)
{
    int64_t out = (n + stride - 1) / stride, total = (out - 1) * stride + dil * (k - 1) + 1 - n;
    if (total < 0)
        total = 0;
    *before = total / 2;
    *after = total - *before;
}

static hn_tensor *conv_node(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, const int64_t *stride,
                            const int64_t *pad, const int64_t *dil)
{
    if (!x || !w)
        return hn_graph_fail(g, HN_ERR_ARG, "conv: x or w is NULL");
    int nd = x->ndim;
    int64_t ip[8] = {stride[0], stride[1], pad[0], pad[1], dil[0], dil[1], pad[0], pad[1]};
    for (int a = 0; a < 2; a++) {
        if (pad[a] != HN_PAD_SAME)
            continue;
        int64_t n = a == 0 ? (nd == 4 ? x->shape[2] : 1) : x->shape[nd - 1];
        int64_t k = a == 0 ? (w->ndim == 4 ? w->shape[2] : 1) : w->shape[w->ndim - 1];
        if (stride[a] < 1 || dil[a] < 1)
            break; /* infer reports it */
        same_pad(n, k, stride[a], dil[a], &ip[2 + a], &ip[6 + a]);
    }
    hn_tensor *src[3] = {x, w, b};
    return hn_node_new(g, HN_OP_CONV, src, b ? 3 : 2, ip, NULL);
}

hn_tensor *hn_conv2d(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, int64_t stride_h, int64_t stride_w,
                     int64_t pad_h, int64_t pad_w, int64_t dil_h, int64_t dil_w)
{
    if (x && x->ndim != 4)
        return hn_graph_fail(g, HN_ERR_SHAPE, "conv2d: x '%s' has %d dimensions, (B, C, H, W) expected", x->name,
                             x->ndim);
    return conv_node(g, x, w, b, (int64_t[]){stride_h, stride_w}, (int64_t[]){pad_h, pad_w},
                     (int64_t[]){dil_h, dil_w});
}

hn_tensor *hn_conv1d(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, int64_t stride, int64_t pad,
                     int64_t dil)
{
    if (x && x->ndim != 3)
        return hn_graph_fail(g, HN_ERR_SHAPE, "conv1d: x '%s' has %d dimensions, (B, C, L) expected", x->name,
                             x->ndim);
    return conv_node(g, x, w, b, (int64_t[]){1, stride}, (int64_t[]){0, pad}, (int64_t[]){1, dil});
}

hn_tensor *hn_conv_transpose2d(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t out_pad_h, int64_t out_pad_w,
                               int64_t dil_h, int64_t dil_w)
{
    hn_tensor *src[3] = {x, w, b};
    int64_t ip[8] = {stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_pad_h, out_pad_w};
    return hn_node_new(g, HN_OP_CONV_TRANSPOSE, src, b ? 3 : 2, ip, NULL);
}

static hn_tensor *pool(hn_graph *g, hn_op op, hn_tensor *x, int nd, int64_t kh, int64_t kw, int64_t sh,
                       int64_t sw, int64_t ph, int64_t pw)
{
    if (x && x->ndim != nd)
        return hn_graph_fail(g, HN_ERR_SHAPE, "%s: x '%s' has %d dimensions, %d expected", hn_op_defs[op].name,
                             x->name, x->ndim, nd);
    int64_t ip[8] = {kh, kw, sh, sw, ph, pw};
    return hn_node_new(g, op, &x, 1, ip, NULL);
}

hn_tensor *hn_maxpool2d(hn_graph *g, hn_tensor *x, int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w,
                        int64_t pad_h, int64_t pad_w)
{
    return pool(g, HN_OP_MAXPOOL, x, 4, kh, kw, stride_h, stride_w, pad_h, pad_w);
}
hn_tensor *hn_avgpool2d(hn_graph *g, hn_tensor *x, int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w,
                        int64_t pad_h, int64_t pad_w)
{
    return pool(g, HN_OP_AVGPOOL, x, 4, kh, kw, stride_h, stride_w, pad_h, pad_w);
}
hn_tensor *hn_maxpool1d(hn_graph *g, hn_tensor *x, int64_t k, int64_t stride, int64_t pad)
{
    return pool(g, HN_OP_MAXPOOL, x, 3, 1, k, 1, stride, 0, pad);
}
hn_tensor *hn_avgpool1d(hn_graph *g, hn_tensor *x, int64_t k, int64_t stride, int64_t pad)
{
    return pool(g, HN_OP_AVGPOOL, x, 3, 1, k, 1, stride, 0, pad);
}
hn_tensor *hn_global_avgpool(hn_graph *g, hn_tensor *x) { return unary(g, HN_OP_GLOBAL_AVGPOOL, x); }

hn_tensor *hn_flatten(hn_graph *g, hn_tensor *x)
{
    if (!x)
        return hn_graph_fail(g, HN_ERR_ARG, "flatten: x is NULL");
    int64_t n = 1;
    for (int i = 1; i < x->ndim; i++)
        n *= x->shape[i];
    return hn_reshape(g, x, 2, (int64_t[]){-1, n});
}

hn_tensor *hn_lstm_cell(hn_graph *g, hn_tensor *gx, hn_tensor *gh, hn_tensor *c_prev)
{
    if ((gh == NULL) != (c_prev == NULL))
        return hn_graph_fail(g, HN_ERR_ARG, "lstm_cell: gh and c_prev must be given together (or both NULL)");
    hn_tensor *src[3] = {gx, gh, c_prev};
    return hn_node_new(g, HN_OP_LSTM_CELL, src, gh ? 3 : 1, NULL, NULL);
}

hn_tensor *hn_gru_cell(hn_graph *g, hn_tensor *gx, hn_tensor *gh, hn_tensor *h_prev)
{
    hn_tensor *src[3] = {gx, gh, h_prev};
    return hn_node_new(g, HN_OP_GRU_CELL, src, h_prev ? 3 : 2, NULL, NULL);
}
