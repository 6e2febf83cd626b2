/* Losses: L = (1/B) Σ_i w_i · l_i over the rows i of the batch (w_i = 1 without
 * weights). Each loss is one function l_row that returns the row's loss and,
 * when asked, adds scale · ∂l_i/∂(inputs) to the input gradients, so forward and
 * backward cannot disagree. Serial over rows in double: deterministic. */
#include <math.h>

#include "backend/cpu/cpu.h"
#include "core/act_math.h"

typedef struct {
    const float *a, *b; /* row i of the two inputs */
    float *ga, *gb;     /* their gradients (NULL when not needed / forward) */
    int64_t d;          /* values per row */
    float scale;        /* dL/dl_i = dy · w_i / B */
    float eps;
} row;

typedef double (*row_loss_fn)(row *r);


static double mse_row(row *r)
{
    double l = 0.0;
    for (int64_t j = 0; j < r->d; j++) {
        float diff = r->a[j] - r->b[j];
        l += 0.5 * (double)diff * diff;
        if (r->ga)
            r->ga[j] += r->scale * diff;
        if (r->gb)
            r->gb[j] -= r->scale * diff;
    }
    return l;
}

static double bce_logits_row(row *r)
{
    double l = 0.0;
    for (int64_t j = 0; j < r->d; j++) {
        float z = r->a[j], t = r->b[j];
        l += (double)fmaxf(z, 0.0f) - (double)z * t + (double)log1pf(expf(-fabsf(z)));
        if (r->ga)
            r->ga[j] += r->scale * (hn_sigmoidf(z) - t);
        if (r->gb)
            r->gb[j] -= r->scale * z;
    }
    return l;
}

/* log clamped at −100 as PyTorch does, so eps = 0 stays finite */
static inline float clamped_log(float v) { return v > 0.0f ? fmaxf(logf(v), -100.0f) : -100.0f; }

static double bce_row(row *r)
{
    double l = 0.0;
    float lo = r->eps, hi = 1.0f - r->eps;
    for (int64_t j = 0; j < r->d; j++) {
        float p = r->a[j], t = r->b[j];
        int clamped = p < lo || p > hi;
        float pc = clamped ? fminf(fmaxf(p, lo), hi) : p;
        float lp = clamped_log(pc), l1p = clamped_log(1.0f - pc);
        l -= (double)t * lp + (1.0 - (double)t) * l1p;
        if (r->ga && !clamped && pc > 0.0f && pc < 1.0f)
            r->ga[j] += r->scale * (-t / pc + (1.0f - t) / (1.0f - pc));
        if (r->gb)
            r->gb[j] += r->scale * (l1p - lp);
    }
    return l;
}

static double kl_gauss_row(row *r)
{
    double l = 0.0;
    for (int64_t j = 0; j < r->d; j++) {
        float mu = r->a[j], lv = r->b[j], e = expf(lv);
        l += -0.5 * (1.0 + (double)lv - (double)mu * mu - (double)e);
        if (r->ga)
            r->ga[j] += r->scale * mu;
        if (r->gb)
            r->gb[j] += r->scale * 0.5f * (e - 1.0f);
    }
    return l;
}

/* Classification rows: a = logits or log-probabilities (C values), b = &label */
static double ce_row(row *r)
{
    int64_t c = (int64_t)r->b[0];
    float mx = -INFINITY;
    for (int64_t j = 0; j < r->d; j++)
        mx = fmaxf(mx, r->a[j]);
    double s = 0.0;
    for (int64_t j = 0; j < r->d; j++)
        s += exp((double)(r->a[j] - mx));
    double lse = mx + log(s);
    if (r->ga)
        for (int64_t j = 0; j < r->d; j++)
            r->ga[j] += r->scale * (float)(exp((double)r->a[j] - lse) - (j == c ? 1.0 : 0.0));
    return lse - r->a[c];
}

static double nll_row(row *r)
{
    int64_t c = (int64_t)r->b[0];
    if (r->ga)
        r->ga[c] -= r->scale;
    return -(double)r->a[c];
}

static int is_class(hn_tensor *y) { return y->op == HN_OP_LOSS_CE || y->op == HN_OP_LOSS_NLL; }

/* Checks that the labels of a classification loss are class indices. */
static hn_status check_labels(hn_tensor *y, hn_error *err)
{
    const hn_tensor *z = y->src[0];
    int64_t bsz = z->shape[0], ncls = z->shape[1];
    const float *lab = y->src[1]->data;
    for (int64_t i = 0; i < bsz; i++) {
        float v = lab[i];
        if (!(v >= 0.0f && v < (float)ncls && v == floorf(v)))
            return hn_error_set(err, HN_ERR_ARG, "%s: label %g of example %lld is not a class index 0..%lld",
                                hn_op_defs[y->op].name, (double)v, (long long)i, (long long)(ncls - 1));
    }
    return HN_OK;
}

static hn_status loss_run(hn_tensor *y, row_loss_fn fn, int backward, hn_error *err)
{
    const hn_tensor *a = y->src[0], *b = y->src[1];
    const float *w = y->n_src > 2 ? y->src[2]->data : NULL;
    float *gw = (backward && y->n_src > 2) ? hn_src_grad(y, 2) : NULL;
    int64_t bsz = a->shape[0], d = bsz ? hn_numel(a) / bsz : 0;
    int64_t db = is_class(y) ? 1 : d;
    if (is_class(y)) {
        hn_status st = check_labels(y, err);
        if (st)
            return st;
    }
    float *ga = backward ? hn_src_grad(y, 0) : NULL;
    float *gb = (backward && !is_class(y)) ? hn_src_grad(y, 1) : NULL;
    float dy = backward ? y->grad[0] : 0.0f;
    double total = 0.0;
    for (int64_t i = 0; i < bsz; i++) {
        float wi = w ? w[i] : 1.0f;
        row r = {a->data + i * d, b->data + i * db, ga ? ga + i * d : NULL, gb ? gb + i * d : NULL, d,
                 dy * wi / (float)bsz, y->fp[0]};
        double li = fn(&r);
        total += (double)wi * li;
        if (gw)
            gw[i] += dy * (float)li / (float)bsz;
    }
    if (!backward)
        y->data[0] = bsz ? (float)(total / (double)bsz) : 0.0f;
    return HN_OK;
}

#define LOSS_KERNELS(id, fn)                                                  \
    hn_status hn_cpu_##id##_fwd(hn_graph *g, hn_tensor *y, hn_error *err)    \
    {                                                                         \
        (void)g;                                                              \
        return loss_run(y, fn, 0, err);                                       \
    }                                                                         \
    hn_status hn_cpu_##id##_bwd(hn_graph *g, hn_tensor *y, hn_error *err)    \
    {                                                                         \
        (void)g;                                                              \
        return loss_run(y, fn, 1, err);                                       \
    }

LOSS_KERNELS(loss_mse, mse_row)
LOSS_KERNELS(loss_bce_logits, bce_logits_row)
LOSS_KERNELS(loss_bce, bce_row)
LOSS_KERNELS(loss_ce, ce_row)
LOSS_KERNELS(loss_nll, nll_row)
LOSS_KERNELS(loss_kl_gauss, kl_gauss_row)
