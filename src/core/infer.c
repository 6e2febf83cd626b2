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

/* --- deep architectures: convolution, pooling, recurrent cells ---------------- */

/* The spatial view of a (B, C, L) or (B, C, H, W) tensor: H = 1 for 1-D. */
static void spatial(const hn_tensor *x, int64_t *h, int64_t *w)
{
    *h = x->ndim == 4 ? x->shape[2] : 1;
    *w = x->shape[x->ndim - 1];
}

/* x (B, Cin, [H,] W), w (Cout, Cin, [kh,] kw), b (Cout) optional.
 * ip = {stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, pad_bottom, pad_right}.
 * aux: the columns of every image (B, Cin·kh·kw, Ho·Wo) and, when x needs a
 * gradient, their gradient (backward may run twice after one forward, so the
 * columns are kept). */
hn_status hn_infer_conv(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0], *w = y->src[1];
    char s1[64], s2[64];
    if ((x->ndim != 3 && x->ndim != 4) || w->ndim != x->ndim || w->shape[1] != x->shape[1])
        return hn_error_set(err, HN_ERR_SHAPE,
                            "conv: x %s must be (B, C, L) or (B, C, H, W) and w %s (Cout, C, k) or (Cout, C, kh, kw) "
                            "with the same C",
                            sh(x, s1), sh(w, s2));
    if (y->n_src == 3 && hn_shape_numel(y->src[2]->ndim, y->src[2]->shape) != w->shape[0])
        return hn_error_set(err, HN_ERR_SHAPE, "conv: bias %s must hold one value per output channel of w %s",
                            sh(y->src[2], s1), sh(w, s2));
    const int64_t *p = y->ip;
    for (int i = 0; i < 8; i++)
        if (p[i] < ((i < 2 || i == 4 || i == 5) ? 1 : 0))
            return hn_error_set(err, HN_ERR_ARG, "conv: stride %lldx%lld, dilation %lldx%lld must be >= 1 and padding "
                                "(%lld, %lld, %lld, %lld) >= 0", (long long)p[0], (long long)p[1], (long long)p[4],
                                (long long)p[5], (long long)p[2], (long long)p[3], (long long)p[6], (long long)p[7]);
    int64_t h, wd, kh, kw;
    spatial(x, &h, &wd);
    spatial(w, &kh, &kw);
    int64_t eh = p[4] * (kh - 1) + 1, ew = p[5] * (kw - 1) + 1; /* dilated kernel extent */
    int64_t hp = h + p[2] + p[6], wp = wd + p[3] + p[7];
    if (hp < eh || wp < ew)
        return hn_error_set(err, HN_ERR_SHAPE, "conv: kernel %s (dilated %lldx%lld) larger than padded input %s",
                            sh(w, s2), (long long)eh, (long long)ew, sh(x, s1));
    int64_t ho = (hp - eh) / p[0] + 1, wo = (wp - ew) / p[1] + 1;
    copy_shape(y, x);
    y->shape[1] = w->shape[0];
    if (x->ndim == 4)
        y->shape[2] = ho;
    y->shape[y->ndim - 1] = wo;
    int64_t rows = x->shape[0] * ho * wo;
    int64_t k = x->shape[1] * kh * kw; /* the columns' gradient only when x needs one (not a network input) */
    y->aux_len = rows * (x->requires_grad ? 2 : 1) * k;
    return HN_OK;
}

/* x (B, Cin, H, W), w (Cin, Cout, kh, kw) (PyTorch's layout), b (Cout) optional.
 * ip = {stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_pad_h, out_pad_w}.
 * aux: x in row order (B·H·W, Cin), the columns (B·H·W, Cout·kh·kw), and a
 * (B·H·W, Cin) scratch for backward. */
hn_status hn_infer_conv_transpose(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0], *w = y->src[1];
    char s1[64], s2[64];
    if (x->ndim != 4 || w->ndim != 4 || w->shape[0] != x->shape[1])
        return hn_error_set(err, HN_ERR_SHAPE, "conv_transpose: x %s must be (B, Cin, H, W) and w %s (Cin, Cout, kh, kw)",
                            sh(x, s1), sh(w, s2));
    if (y->n_src == 3 && hn_shape_numel(y->src[2]->ndim, y->src[2]->shape) != w->shape[1])
        return hn_error_set(err, HN_ERR_SHAPE, "conv_transpose: bias %s must hold one value per output channel of w %s",
                            sh(y->src[2], s1), sh(w, s2));
    const int64_t *p = y->ip;
    if (p[0] < 1 || p[1] < 1 || p[4] < 1 || p[5] < 1 || p[2] < 0 || p[3] < 0 || p[6] < 0 || p[7] < 0 ||
        (p[6] >= p[0] && p[6] >= p[4]) || (p[7] >= p[1] && p[7] >= p[5]))
        return hn_error_set(err, HN_ERR_ARG,
                            "conv_transpose: stride %lldx%lld and dilation %lldx%lld must be >= 1, padding %lldx%lld "
                            ">= 0, output padding %lldx%lld smaller than stride or dilation",
                            (long long)p[0], (long long)p[1], (long long)p[4], (long long)p[5], (long long)p[2],
                            (long long)p[3], (long long)p[6], (long long)p[7]);
    int64_t kh = w->shape[2], kw = w->shape[3];
    int64_t ho = (x->shape[2] - 1) * p[0] - 2 * p[2] + p[4] * (kh - 1) + p[6] + 1;
    int64_t wo = (x->shape[3] - 1) * p[1] - 2 * p[3] + p[5] * (kw - 1) + p[7] + 1;
    if (ho < 1 || wo < 1)
        return hn_error_set(err, HN_ERR_SHAPE, "conv_transpose: x %s and w %s give an empty output (%lld x %lld)",
                            sh(x, s1), sh(w, s2), (long long)ho, (long long)wo);
    y->ndim = 4;
    y->shape[0] = x->shape[0];
    y->shape[1] = w->shape[1];
    y->shape[2] = ho;
    y->shape[3] = wo;
    int64_t rows = x->shape[0] * x->shape[2] * x->shape[3];
    y->aux_len = rows * (2 * x->shape[1] + w->shape[1] * kh * kw);
    return HN_OK;
}

/* x (B, C, [H,] W); ip = {kh, kw, stride_h, stride_w, pad_h, pad_w}.
 * Max pooling keeps the flat index of each maximum in aux. */
hn_status hn_infer_pool(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    const int64_t *p = y->ip;
    char s[64];
    if (x->ndim != 3 && x->ndim != 4)
        return hn_error_set(err, HN_ERR_SHAPE, "%s: x %s must be (B, C, L) or (B, C, H, W)", OPNAME(y), sh(x, s));
    if (p[0] < 1 || p[1] < 1 || p[2] < 1 || p[3] < 1 || p[4] < 0 || p[5] < 0 || 2 * p[4] > p[0] ||
        2 * p[5] > p[1])
        return hn_error_set(err, HN_ERR_ARG,
                            "%s: kernel %lldx%lld and stride %lldx%lld must be >= 1, padding %lldx%lld at most half "
                            "the kernel",
                            OPNAME(y), (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3],
                            (long long)p[4], (long long)p[5]);
    int64_t h, w;
    spatial(x, &h, &w);
    if (h + 2 * p[4] < p[0] || w + 2 * p[5] < p[1])
        return hn_error_set(err, HN_ERR_SHAPE, "%s: kernel %lldx%lld larger than padded input %s", OPNAME(y),
                            (long long)p[0], (long long)p[1], sh(x, s));
    copy_shape(y, x);
    if (x->ndim == 4)
        y->shape[2] = (h + 2 * p[4] - p[0]) / p[2] + 1;
    y->shape[y->ndim - 1] = (w + 2 * p[5] - p[1]) / p[3] + 1;
    y->aux_len = y->op == HN_OP_MAXPOOL ? hn_shape_numel(y->ndim, y->shape) : 0;
    return HN_OK;
}

/* x (B, C, ...) -> (B, C) */
hn_status hn_infer_global_pool(hn_tensor *y, hn_error *err)
{
    const hn_tensor *x = y->src[0];
    char s[64];
    if (x->ndim < 3)
        return hn_error_set(err, HN_ERR_SHAPE, "global_avgpool: x %s must be (B, C, ...) with positions", sh(x, s));
    y->ndim = 2;
    y->shape[0] = x->shape[0];
    y->shape[1] = x->shape[1];
    return HN_OK;
}

/* gx (B, [1,] 4H) and, after the first step, gh (B, 4H) and c_prev (B, H)
 * -> (B, 2H) = [h, c]. aux: the activated gates (B, 4H) and tanh(c) (B, H). */
hn_status hn_infer_lstm_cell(hn_tensor *y, hn_error *err)
{
    const hn_tensor *gx = y->src[0];
    char s1[64], s2[64], s3[64];
    int64_t b = gx->shape[0], h4 = gx->shape[gx->ndim - 1];
    if (gx->ndim < 2 || h4 % 4 || hn_shape_numel(gx->ndim, gx->shape) != b * h4)
        return hn_error_set(err, HN_ERR_SHAPE, "lstm_cell: gates %s must be (B, 4H) or (B, 1, 4H)", sh(gx, s1));
    int64_t h = h4 / 4;
    if (y->n_src == 2)
        return hn_error_set(err, HN_ERR_ARG, "lstm_cell: give gx alone (first step) or gx, gh and c_prev");
    if (y->n_src == 3) {
        const hn_tensor *gh = y->src[1], *c = y->src[2];
        if (hn_shape_numel(gh->ndim, gh->shape) != b * h4 || gh->shape[0] != b ||
            hn_shape_numel(c->ndim, c->shape) != b * h || c->shape[0] != b)
            return hn_error_set(err, HN_ERR_SHAPE, "lstm_cell: gx %s, gh %s (B, 4H) and c_prev %s (B, H) do not agree",
                                sh(gx, s1), sh(gh, s2), sh(c, s3));
    }
    y->ndim = 2;
    y->shape[0] = b;
    y->shape[1] = 2 * h;
    y->aux_len = 5 * b * h;
    return HN_OK;
}

/* gx (B, [1,] 3H), gh (B, 3H) or (3H) (a bias alone, first step), h_prev
 * (B, H) after the first step -> h (B, H). aux: r, z, n (B, 3H). */
hn_status hn_infer_gru_cell(hn_tensor *y, hn_error *err)
{
    const hn_tensor *gx = y->src[0], *gh = y->src[1];
    char s1[64], s2[64], s3[64];
    int64_t b = gx->shape[0], h3 = gx->shape[gx->ndim - 1];
    if (gx->ndim < 2 || h3 % 3 || hn_shape_numel(gx->ndim, gx->shape) != b * h3)
        return hn_error_set(err, HN_ERR_SHAPE, "gru_cell: gates %s must be (B, 3H) or (B, 1, 3H)", sh(gx, s1));
    int64_t h = h3 / 3, ngh = hn_shape_numel(gh->ndim, gh->shape);
    if (gh->shape[gh->ndim - 1] != h3 || (ngh != h3 && ngh != b * h3))
        return hn_error_set(err, HN_ERR_SHAPE, "gru_cell: gh %s must be (B, 3H) or (3H) for gx %s", sh(gh, s2),
                            sh(gx, s1));
    if (y->n_src == 3) {
        const hn_tensor *hp = y->src[2];
        if (hn_shape_numel(hp->ndim, hp->shape) != b * h || hp->shape[0] != b)
            return hn_error_set(err, HN_ERR_SHAPE, "gru_cell: h_prev %s must be (B, H) for gx %s", sh(hp, s3),
                                sh(gx, s1));
    }
    y->ndim = 2;
    y->shape[0] = b;
    y->shape[1] = h;
    y->aux_len = 3 * b * h;
    return HN_OK;
}
