/* Shape inference, one function per family of ops. Each sets y->ndim/shape
 * (and y->aux_len when the op keeps a workspace) from y->src and y->ip/fp, or
 * returns HN_ERR_SHAPE / HN_ERR_ARG with a message naming op and shapes. */
#include <string.h>

#include "core/graph_impl.h"

#define OPNAME(y) (hn_op_defs[(y)->op].name)

static char *sh(const hn_tensor *t, char *buf) { return hn_shape_str(t->ndim, t->shape, buf, 64); }

static void copy_shape(hn_tensor *y, const hn_tensor *x)
{
    y->ndim = x->ndim;
    memcpy(y->shape, x->shape, sizeof y->shape);
}

hn_status hn_infer_same(hn_tensor *y, hn_error *err)
{
    (void)err;
    copy_shape(y, y->src[0]);
    return HN_OK;
}

hn_status hn_infer_dropout(hn_tensor *y, hn_error *err)
{
    if (!(y->fp[0] >= 0.0f && y->fp[0] < 1.0f))
        return hn_error_set(err, HN_ERR_ARG, "dropout: p = %g, must be in [0, 1)", (double)y->fp[0]);
    copy_shape(y, y->src[0]);
    y->aux_len = hn_shape_numel(y->ndim, y->shape); /* the mask */
    return HN_OK;
}

hn_status hn_infer_matmul(hn_tensor *y, hn_error *err)
{
    const hn_tensor *a = y->src[0], *b = y->src[1];
    int ta = (int)y->ip[0], tb = (int)y->ip[1];
    char s1[64], s2[64];
    if (b->ndim != 2 || a->ndim < 2 || (ta && a->ndim != 2))
        return hn_error_set(err, HN_ERR_SHAPE, "matmul: a %s%s, b %s%s: b must be 2-D, a 2-D or more (2-D if transposed)",
                            sh(a, s1), ta ? "ᵀ" : "", sh(b, s2), tb ? "ᵀ" : "");
    int64_t k_a = ta ? a->shape[0] : a->shape[a->ndim - 1];
    int64_t k_b = tb ? b->shape[1] : b->shape[0];
    int64_t n = tb ? b->shape[0] : b->shape[1];
    if (k_a != k_b)
        return hn_error_set(err, HN_ERR_SHAPE, "matmul: inner dimensions differ: a %s%s, b %s%s",
                            sh(a, s1), ta ? " transposed" : "", sh(b, s2), tb ? " transposed" : "");
    if (ta) {
        y->ndim = 2;
        y->shape[0] = a->shape[1];
        y->shape[1] = n;
    } else {
        copy_shape(y, a);
        y->shape[y->ndim - 1] = n;
    }
    return HN_OK;
}

hn_status hn_infer_broadcast(hn_tensor *y, hn_error *err)
{
    const hn_tensor *a = y->src[0], *b = y->src[1];
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t out[HN_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        int ia = a->ndim - nd + i, ib = b->ndim - nd + i;
        int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char s1[64], s2[64];
            return hn_error_set(err, HN_ERR_SHAPE, "%s: shapes %s and %s do not broadcast (dimension %d: %lld vs %lld)",
                                OPNAME(y), sh(a, s1), sh(b, s2), i, (long long)da, (long long)db);
        }
        out[i] = (da == 1) ? db : da;
    }
    y->ndim = nd;
    memcpy(y->shape, out, sizeof(int64_t) * (size_t)nd);
    return HN_OK;
}

hn_status hn_infer_reduce(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    int axis = (int)y->ip[0];
    if (axis == HN_AXIS_ALL) {
        y->ndim = 0;
        return HN_OK;
    }
    int ax = hn_axis_norm(axis, x->ndim);
    if (ax < 0) {
        char s[64];
        return hn_error_set(err, HN_ERR_ARG, "%s: axis %d out of range for %s", OPNAME(y), axis, sh(x, s));
    }
    y->ndim = 0;
    for (int i = 0; i < x->ndim; i++)
        if (i != ax)
            y->shape[y->ndim++] = x->shape[i];
    return HN_OK;
}

hn_status hn_infer_axis(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    if (hn_axis_norm((int)y->ip[0], x->ndim) < 0) {
        char s[64];
        return hn_error_set(err, HN_ERR_ARG, "%s: axis %d out of range for %s", OPNAME(y), (int)y->ip[0], sh(x, s));
    }
    copy_shape(y, x);
    return HN_OK;
}

/* The requested shape: ip[0] = ndim, ip[1 + i] = dimension i, one may be -1. */
hn_status hn_infer_reshape(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    int nd = (int)y->ip[0];
    int64_t known = 1, total = hn_shape_numel(x->ndim, x->shape);
    int infer_at = -1;
    char s[64];
    for (int i = 0; i < nd; i++) {
        int64_t d = y->ip[1 + i];
        if (d == -1 && infer_at < 0) {
            infer_at = i;
        } else if (d < 1) {
            return hn_error_set(err, HN_ERR_ARG, "reshape: dimension %d of the new shape is %lld (x %s)", i,
                                (long long)d, sh(x, s));
        } else {
            known *= d;
        }
        y->shape[i] = d;
    }
    if (infer_at >= 0) {
        if (known == 0 || total % known)
            return hn_error_set(err, HN_ERR_SHAPE, "reshape: %lld values of x %s do not divide into rows of %lld",
                                (long long)total, sh(x, s), (long long)known);
        y->shape[infer_at] = total / known;
        known *= y->shape[infer_at];
    }
    y->ndim = nd;
    if (known != total) {
        char s2[64];
        return hn_error_set(err, HN_ERR_SHAPE, "reshape: x %s has %lld values, the new shape %s has %lld",
                            sh(x, s), (long long)total, hn_shape_str(nd, y->shape, s2, sizeof s2), (long long)known);
    }
    return HN_OK;
}

/* ip[0] = axis */
hn_status hn_infer_concat(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x0 = y->src[0];
    int ax = hn_axis_norm((int)y->ip[0], x0->ndim);
    char s1[64], s2[64];
    if (ax < 0)
        return hn_error_set(err, HN_ERR_ARG, "concat: axis %d out of range for %s", (int)y->ip[0], sh(x0, s1));
    copy_shape(y, x0);
    for (int k = 1; k < y->n_src; k++) {
        const hn_tensor *x = y->src[k];
        int ok = x->ndim == x0->ndim;
        for (int i = 0; ok && i < x->ndim; i++)
            ok = i == ax || x->shape[i] == x0->shape[i];
        if (!ok)
            return hn_error_set(err, HN_ERR_SHAPE, "concat: input %d %s does not match input 0 %s outside axis %d", k,
                                sh(x, s1), sh(x0, s2), ax);
        y->shape[ax] += x->shape[ax];
    }
    return HN_OK;
}

/* ip = {axis, start, len} */
hn_status hn_infer_slice(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    char s[64];
    int ax = hn_axis_norm((int)y->ip[0], x->ndim);
    if (ax < 0)
        return hn_error_set(err, HN_ERR_ARG, "slice: axis %d out of range for %s", (int)y->ip[0], sh(x, s));
    int64_t start = y->ip[1], len = y->ip[2];
    if (start < 0 || len < 1 || start > x->shape[ax] - len)
        return hn_error_set(err, HN_ERR_SHAPE, "slice: [%lld, %lld) out of range of axis %d of %s", (long long)start,
                            (long long)(start + len), ax, sh(x, s));
    copy_shape(y, x);
    y->shape[ax] = len;
    return HN_OK;
}

hn_status hn_infer_prelu(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0], *a = y->src[1];
    int64_t na = hn_shape_numel(a->ndim, a->shape);
    if (na != 1 && !(x->ndim >= 2 && na == x->shape[1])) {
        char s1[64], s2[64];
        return hn_error_set(err, HN_ERR_SHAPE, "prelu: slope %s must have 1 value or one per channel of x %s",
                            sh(a, s1), sh(x, s2));
    }
    copy_shape(y, x);
    return HN_OK;
}

static hn_status check_weights(hn_tensor *y, int64_t batch, hn_error *err)
{
    if (y->n_src < 3)
        return HN_OK;
    const hn_tensor *w = y->src[2];
    if (hn_shape_numel(w->ndim, w->shape) != batch || w->ndim < 1 || w->shape[0] != batch) {
        char s1[64], s2[64];
        return hn_error_set(err, HN_ERR_SHAPE, "%s: weights %s must hold one value per example of %s", OPNAME(y),
                            sh(w, s1), sh(y->src[0], s2));
    }
    return HN_OK;
}

/* y, t (B, ...) of equal shape -> scalar */
hn_status hn_infer_loss_pair(hn_tensor *y, hn_error *err)
{
    const hn_tensor *a = y->src[0], *b = y->src[1];
    char s1[64], s2[64];
    int same = a->ndim == b->ndim && a->ndim >= 1;
    for (int i = 0; same && i < a->ndim; i++)
        same = a->shape[i] == b->shape[i];
    if (!same)
        return hn_error_set(err, HN_ERR_SHAPE, "%s: inputs %s and %s must have the same shape, batch first",
                            OPNAME(y), sh(a, s1), sh(b, s2));
    if (y->op == HN_OP_LOSS_BCE && !(y->fp[0] >= 0.0f && y->fp[0] < 0.5f))
        return hn_error_set(err, HN_ERR_ARG, "loss_bce: eps = %g, must be in [0, 0.5)", (double)y->fp[0]);
    y->ndim = 0;
    return check_weights(y, a->shape[0], err);
}

/* z (B, C), labels (B) -> scalar */
hn_status hn_infer_loss_class(hn_tensor *y, hn_error *err)
{
    const hn_tensor *z = y->src[0], *l = y->src[1];
    char s1[64], s2[64];
    if (z->ndim != 2 || hn_shape_numel(l->ndim, l->shape) != z->shape[0])
        return hn_error_set(err, HN_ERR_SHAPE, "%s: logits %s must be (B, C) and labels %s hold B class indices",
                            OPNAME(y), sh(z, s1), sh(l, s2));
    y->ndim = 0;
    return check_weights(y, z->shape[0], err);
}

/* x (B, C, ...), gamma, beta, running mean, running var (C) */
hn_status hn_infer_batchnorm(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    char s1[64], s2[64];
    if (x->ndim < 2)
        return hn_error_set(err, HN_ERR_SHAPE, "batchnorm: x %s must be (B, C) or (B, C, ...)", sh(x, s1));
    for (int k = 1; k < 5; k++)
        if (hn_shape_numel(y->src[k]->ndim, y->src[k]->shape) != x->shape[1])
            return hn_error_set(err, HN_ERR_SHAPE, "batchnorm: input %d %s must hold one value per channel of x %s", k,
                                sh(y->src[k], s1), sh(x, s2));
    if (!(y->fp[0] >= 0.0f && y->fp[0] <= 1.0f) || !(y->fp[1] > 0.0f))
        return hn_error_set(err, HN_ERR_ARG, "batchnorm: momentum %g must be in [0, 1] and eps %g > 0",
                            (double)y->fp[0], (double)y->fp[1]);
    if (y->src[3]->requires_grad || y->src[4]->requires_grad)
        return hn_error_set(err, HN_ERR_ARG, "batchnorm: running statistics must be states, not parameters");
    copy_shape(y, x);
    y->aux_len = 2 * x->shape[1] + 1; /* mean, 1/σ per channel; whether they came from the batch */
    return HN_OK;
}
