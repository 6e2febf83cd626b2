/* The op cases shared by the finite-difference gradient check and the PyTorch
 * fixture comparison: a name, the inputs (shape, how to draw their values) and
 * a builder that applies the op. tools/fixtures/gen_ops.py defines the same
 * names with the same shapes for PyTorch. */
#ifndef HN_OP_CASES_H
#define HN_OP_CASES_H

#include "hepnn/ops.h"

enum { IN_PARAM, IN_LABEL };

typedef struct {
    int kind;       /* IN_PARAM: trainable (gradient checked); IN_LABEL: class labels */
    int ndim;
    int64_t shape[HN_MAX_DIMS];
    float lo, hi;   /* values uniform in [lo, hi] (labels: 0..hi-1) */
    int either_sign; /* value = ±U(lo, hi): keeps |x| away from kinks and poles */
} op_input;

typedef hn_tensor *(*op_build)(hn_graph *g, hn_tensor **in);

typedef struct {
    const char *name;
    int n_in;
    op_input in[4];
    op_build build;
    int zero_grad; /* the op's gradient is zero by definition (step) */
} op_case;

#define P(nd, lo, hi, ...) {IN_PARAM, nd, {__VA_ARGS__}, lo, hi, 0}
#define PS(nd, lo, hi, ...) {IN_PARAM, nd, {__VA_ARGS__}, lo, hi, 1}
#define LAB(ncls, ...) {IN_LABEL, 1, {__VA_ARGS__}, 0, ncls, 0}

static hn_tensor *b_matmul(hn_graph *g, hn_tensor **x) { return hn_matmul(g, x[0], x[1], 0, 0); }
static hn_tensor *b_matmul_ta(hn_graph *g, hn_tensor **x) { return hn_matmul(g, x[0], x[1], 1, 0); }
static hn_tensor *b_matmul_tb(hn_graph *g, hn_tensor **x) { return hn_matmul(g, x[0], x[1], 0, 1); }
static hn_tensor *b_matmul_tab(hn_graph *g, hn_tensor **x) { return hn_matmul(g, x[0], x[1], 1, 1); }
static hn_tensor *b_add(hn_graph *g, hn_tensor **x) { return hn_add(g, x[0], x[1]); }
static hn_tensor *b_sub(hn_graph *g, hn_tensor **x) { return hn_sub(g, x[0], x[1]); }
static hn_tensor *b_mul(hn_graph *g, hn_tensor **x) { return hn_mul(g, x[0], x[1]); }
static hn_tensor *b_div(hn_graph *g, hn_tensor **x) { return hn_div(g, x[0], x[1]); }
static hn_tensor *b_affine(hn_graph *g, hn_tensor **x) { return hn_affine(g, x[0], -1.5f, 0.25f); }
static hn_tensor *b_sum_all(hn_graph *g, hn_tensor **x) { return hn_sum(g, x[0], HN_AXIS_ALL); }
static hn_tensor *b_sum_0(hn_graph *g, hn_tensor **x) { return hn_sum(g, x[0], 0); }
static hn_tensor *b_sum_1(hn_graph *g, hn_tensor **x) { return hn_sum(g, x[0], 1); }
static hn_tensor *b_mean_all(hn_graph *g, hn_tensor **x) { return hn_mean(g, x[0], HN_AXIS_ALL); }
static hn_tensor *b_mean_last(hn_graph *g, hn_tensor **x) { return hn_mean(g, x[0], -1); }
static hn_tensor *b_reshape(hn_graph *g, hn_tensor **x)
{
    return hn_reshape(g, x[0], 2, (int64_t[]){-1, 6});
}
static hn_tensor *b_concat_1(hn_graph *g, hn_tensor **x) { return hn_concat(g, x, 3, 1); }
static hn_tensor *b_concat_0(hn_graph *g, hn_tensor **x) { return hn_concat(g, x, 2, 0); }
static hn_tensor *b_slice(hn_graph *g, hn_tensor **x) { return hn_slice(g, x[0], 1, 1, 2); }
static hn_tensor *b_slice_last(hn_graph *g, hn_tensor **x) { return hn_slice(g, x[0], -1, 2, 3); }
static hn_tensor *b_exp(hn_graph *g, hn_tensor **x) { return hn_exp(g, x[0]); }
static hn_tensor *b_log(hn_graph *g, hn_tensor **x) { return hn_log(g, x[0]); }
static hn_tensor *b_sqrt(hn_graph *g, hn_tensor **x) { return hn_sqrt(g, x[0]); }
static hn_tensor *b_square(hn_graph *g, hn_tensor **x) { return hn_square(g, x[0]); }
static hn_tensor *b_abs(hn_graph *g, hn_tensor **x) { return hn_abs(g, x[0]); }
static hn_tensor *b_identity(hn_graph *g, hn_tensor **x) { return hn_identity(g, x[0]); }
static hn_tensor *b_step(hn_graph *g, hn_tensor **x) { return hn_step(g, x[0]); }
static hn_tensor *b_sigmoid(hn_graph *g, hn_tensor **x) { return hn_sigmoid(g, x[0]); }
static hn_tensor *b_tanh(hn_graph *g, hn_tensor **x) { return hn_tanh(g, x[0]); }
static hn_tensor *b_atan(hn_graph *g, hn_tensor **x) { return hn_atan(g, x[0]); }
static hn_tensor *b_relu(hn_graph *g, hn_tensor **x) { return hn_relu(g, x[0]); }
static hn_tensor *b_prelu(hn_graph *g, hn_tensor **x) { return hn_prelu(g, x[0], x[1]); }
static hn_tensor *b_elu(hn_graph *g, hn_tensor **x) { return hn_elu(g, x[0], 0.7f); }
static hn_tensor *b_softplus(hn_graph *g, hn_tensor **x) { return hn_softplus(g, x[0]); }
static hn_tensor *b_softmax(hn_graph *g, hn_tensor **x) { return hn_softmax(g, x[0], -1); }
static hn_tensor *b_softmax_1(hn_graph *g, hn_tensor **x) { return hn_softmax(g, x[0], 1); }
static hn_tensor *b_log_softmax(hn_graph *g, hn_tensor **x) { return hn_log_softmax(g, x[0], -1); }
static hn_tensor *b_log_softmax_1(hn_graph *g, hn_tensor **x) { return hn_log_softmax(g, x[0], 1); }
static hn_tensor *b_mse(hn_graph *g, hn_tensor **x) { return hn_loss_mse(g, x[0], x[1], NULL); }
static hn_tensor *b_mse_w(hn_graph *g, hn_tensor **x) { return hn_loss_mse(g, x[0], x[1], x[2]); }
static hn_tensor *b_bce_logits(hn_graph *g, hn_tensor **x) { return hn_loss_bce_logits(g, x[0], x[1], NULL); }
static hn_tensor *b_bce_logits_w(hn_graph *g, hn_tensor **x) { return hn_loss_bce_logits(g, x[0], x[1], x[2]); }
static hn_tensor *b_bce(hn_graph *g, hn_tensor **x) { return hn_loss_bce(g, x[0], x[1], NULL, 1e-7f); }
static hn_tensor *b_bce_w(hn_graph *g, hn_tensor **x) { return hn_loss_bce(g, x[0], x[1], x[2], 1e-7f); }
static hn_tensor *b_ce(hn_graph *g, hn_tensor **x) { return hn_loss_cross_entropy(g, x[0], x[1], NULL); }
static hn_tensor *b_ce_w(hn_graph *g, hn_tensor **x) { return hn_loss_cross_entropy(g, x[0], x[1], x[2]); }
static hn_tensor *b_nll(hn_graph *g, hn_tensor **x) { return hn_loss_nll(g, x[0], x[1], NULL); }
static hn_tensor *b_nll_w(hn_graph *g, hn_tensor **x) { return hn_loss_nll(g, x[0], x[1], x[2]); }
static hn_tensor *b_kl(hn_graph *g, hn_tensor **x) { return hn_loss_kl_gauss(g, x[0], x[1], NULL); }
static hn_tensor *b_kl_w(hn_graph *g, hn_tensor **x) { return hn_loss_kl_gauss(g, x[0], x[1], x[2]); }

/* batch norm with fresh running statistics (mean 0, variance 1) */
static hn_tensor *b_batchnorm(hn_graph *g, hn_tensor **x)
{
    int64_t c = hn_tensor_dim(x[0], 1);
    hn_tensor *rm = hn_state(g, "rm", 1, &c), *rv = hn_state(g, "rv", 1, &c);
    float ones[64]; /* through hn_tensor_set: the graph may live on a device */
    for (int64_t i = 0; i < c && i < 64; i++)
        ones[i] = 1.0f;
    if (rv && c <= 64)
        hn_tensor_set(rv, ones, c, NULL);
    return hn_batchnorm(g, x[0], x[1], x[2], rm, rv, 0.1f, 1e-5f);
}

/* Event weights include negative ones, as Monte Carlo generators produce. */
#define W4 P(1, -0.5f, 2.0f, 4)

static const op_case op_cases[] = {
    {"matmul", 2, {P(2, -1, 1, 3, 4), P(2, -1, 1, 4, 5)}, b_matmul, 0},
    {"matmul_ta", 2, {P(2, -1, 1, 4, 3), P(2, -1, 1, 4, 5)}, b_matmul_ta, 0},
    {"matmul_tb", 2, {P(2, -1, 1, 3, 4), P(2, -1, 1, 5, 4)}, b_matmul_tb, 0},
    {"matmul_tab", 2, {P(2, -1, 1, 4, 3), P(2, -1, 1, 5, 4)}, b_matmul_tab, 0},
    {"matmul_3d", 2, {P(3, -1, 1, 2, 3, 4), P(2, -1, 1, 4, 2)}, b_matmul, 0},
    {"add", 2, {P(2, -1, 1, 3, 4), P(2, -1, 1, 3, 4)}, b_add, 0},
    {"add_row", 2, {P(2, -1, 1, 3, 4), P(1, -1, 1, 4)}, b_add, 0},
    {"add_scalar_left", 2, {P(1, -1, 1, 1), P(2, -1, 1, 3, 4)}, b_add, 0},
    {"sub_column", 2, {P(2, -1, 1, 3, 4), P(2, -1, 1, 3, 1)}, b_sub, 0},
    {"mul_channel", 2, {P(4, -1, 1, 2, 3, 2, 2), P(3, -1, 1, 3, 1, 1)}, b_mul, 0},
    {"mul_generic", 2, {P(3, -1, 1, 2, 3, 4), P(3, -1, 1, 2, 1, 4)}, b_mul, 0},
    {"div", 2, {P(2, -1, 1, 3, 4), PS(2, 0.5f, 1.5f, 3, 4)}, b_div, 0},
    {"div_row", 2, {P(2, -1, 1, 3, 4), PS(1, 0.5f, 1.5f, 4)}, b_div, 0},
    {"affine", 1, {P(2, -1, 1, 3, 4)}, b_affine, 0},
    {"sum_all", 1, {P(2, -1, 1, 3, 4)}, b_sum_all, 0},
    {"sum_0", 1, {P(2, -1, 1, 3, 4)}, b_sum_0, 0},
    {"sum_1", 1, {P(3, -1, 1, 2, 3, 4)}, b_sum_1, 0},
    {"mean_all", 1, {P(2, -1, 1, 3, 4)}, b_mean_all, 0},
    {"mean_last", 1, {P(3, -1, 1, 2, 3, 4)}, b_mean_last, 0},
    {"reshape", 1, {P(3, -1, 1, 2, 3, 4)}, b_reshape, 0},
    {"concat_1", 3, {P(2, -1, 1, 2, 3), P(2, -1, 1, 2, 1), P(2, -1, 1, 2, 2)}, b_concat_1, 0},
    {"concat_0", 2, {P(3, -1, 1, 1, 2, 3), P(3, -1, 1, 2, 2, 3)}, b_concat_0, 0},
    {"slice", 1, {P(3, -1, 1, 2, 4, 3)}, b_slice, 0},
    {"slice_last", 1, {P(2, -1, 1, 3, 6)}, b_slice_last, 0},
    {"exp", 1, {P(2, -2, 2, 3, 4)}, b_exp, 0},
    {"log", 1, {P(2, 0.2f, 3, 3, 4)}, b_log, 0},
    {"sqrt", 1, {P(2, 0.2f, 3, 3, 4)}, b_sqrt, 0},
    {"square", 1, {P(2, -2, 2, 3, 4)}, b_square, 0},
    {"abs", 1, {PS(2, 0.1f, 2, 3, 4)}, b_abs, 0},
    {"identity", 1, {P(2, -2, 2, 3, 4)}, b_identity, 0},
    {"step", 1, {PS(2, 0.1f, 2, 3, 4)}, b_step, 1},
    {"sigmoid", 1, {P(2, -4, 4, 3, 4)}, b_sigmoid, 0},
    {"tanh", 1, {P(2, -3, 3, 3, 4)}, b_tanh, 0},
    {"atan", 1, {P(2, -3, 3, 3, 4)}, b_atan, 0},
    {"relu", 1, {PS(2, 0.1f, 2, 3, 4)}, b_relu, 0},
    {"prelu", 2, {PS(2, 0.1f, 2, 3, 4), P(1, 0.1f, 0.4f, 1)}, b_prelu, 0},
    {"prelu_channel", 2, {PS(3, 0.1f, 2, 2, 3, 4), P(1, 0.1f, 0.4f, 3)}, b_prelu, 0},
    {"elu", 1, {PS(2, 0.1f, 2, 3, 4)}, b_elu, 0},
    {"softplus", 1, {P(2, -4, 4, 3, 4)}, b_softplus, 0},
    {"softmax", 1, {P(2, -2, 2, 3, 4)}, b_softmax, 0},
    {"softmax_1", 1, {P(3, -2, 2, 2, 3, 4)}, b_softmax_1, 0},
    {"log_softmax", 1, {P(2, -2, 2, 3, 4)}, b_log_softmax, 0},
    {"log_softmax_1", 1, {P(3, -2, 2, 2, 3, 4)}, b_log_softmax_1, 0},
    {"batchnorm", 3, {P(2, -2, 2, 6, 3), P(1, 0.5f, 1.5f, 3), P(1, -1, 1, 3)}, b_batchnorm, 0},
    {"batchnorm_channel", 3, {P(4, -2, 2, 3, 2, 2, 2), P(1, 0.5f, 1.5f, 2), P(1, -1, 1, 2)}, b_batchnorm, 0},
    {"loss_mse", 2, {P(2, -1, 1, 4, 3), P(2, -1, 1, 4, 3)}, b_mse, 0},
    {"loss_mse_w", 3, {P(2, -1, 1, 4, 3), P(2, -1, 1, 4, 3), W4}, b_mse_w, 0},
    {"loss_bce_logits", 2, {P(2, -3, 3, 4, 1), P(2, 0, 1, 4, 1)}, b_bce_logits, 0},
    {"loss_bce_logits_w", 3, {P(2, -3, 3, 4, 2), P(2, 0, 1, 4, 2), W4}, b_bce_logits_w, 0},
    {"loss_bce", 2, {P(2, 0.1f, 0.9f, 4, 1), P(2, 0, 1, 4, 1)}, b_bce, 0},
    {"loss_bce_w", 3, {P(2, 0.1f, 0.9f, 4, 2), P(2, 0, 1, 4, 2), W4}, b_bce_w, 0},
    {"loss_cross_entropy", 2, {P(2, -2, 2, 4, 3), LAB(3, 4)}, b_ce, 0},
    {"loss_cross_entropy_w", 3, {P(2, -2, 2, 4, 3), LAB(3, 4), W4}, b_ce_w, 0},
    {"loss_nll", 2, {P(2, -3, -0.1f, 4, 3), LAB(3, 4)}, b_nll, 0},
    {"loss_nll_w", 3, {P(2, -3, -0.1f, 4, 3), LAB(3, 4), W4}, b_nll_w, 0},
    {"loss_kl_gauss", 2, {P(2, -1, 1, 4, 3), P(2, -1, 1, 4, 3)}, b_kl, 0},
    {"loss_kl_gauss_w", 3, {P(2, -1, 1, 4, 3), P(2, -1, 1, 4, 3), W4}, b_kl_w, 0},
};

#define N_OP_CASES ((int)(sizeof op_cases / sizeof op_cases[0]))

#endif
