/* Recurrent layers unrolled in time: one sub-graph per step sharing the
 * parameters, so backward through the unrolled graph is backpropagation
 * through time. The input part of every step, x_t·W_ihᵀ + b, is one matrix
 * product over the whole sequence (B·T rows); each step slices its rows and
 * adds the recurrent product h_{t−1}·W_hhᵀ, then the cell (tanh, or the fused
 * LSTM/GRU cell ops). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/graph_impl.h"
#include "hepnn/layers_deep.h"

hn_rnn_opts hn_rnn_opts_default(hn_rnn_cell cell, int64_t hidden)
{
    hn_rnn_opts o = {cell, hidden, 0, 0, 0, NULL};
    return o;
}

static const char *part(char *buf, size_t n, const char *name, const char *dir, const char *p)
{
    snprintf(buf, n, "%s%s.%s", name ? name : "rnn", dir, p);
    return buf;
}

static hn_tensor *uniform_param(hn_graph *g, const char *name, int ndim, const int64_t *shape, double a,
                                hn_rng *rng)
{
    hn_tensor *t = hn_param(g, name, ndim, shape);
    if (!t)
        return NULL;
    hn_error err = {0};
    if (hn_init_fill(t, HN_INIT_UNIFORM, 0, 0, a, rng, &err))
        return hn_graph_fail(g, err.status, "%s: %s", name, err.msg);
    return t;
}

/* h ← h_old + m·(h_new − h_old), or m·h_new when there is no old state (zero). */
static hn_tensor *masked(hn_graph *g, hn_tensor *m, hn_tensor *h_new, hn_tensor *h_old)
{
    if (!m)
        return h_new;
    if (!h_old)
        return hn_mul(g, m, h_new);
    return hn_add(g, h_old, hn_mul(g, m, hn_sub(g, h_new, h_old)));
}

/* One direction over x (B, T, F); fills outs[t] = h after step t (B, H) and
 * returns the final h. */
static hn_tensor *direction(hn_graph *g, hn_tensor *x, const hn_rnn_opts *o, int reverse, hn_rng *rng,
                            const char *name, hn_tensor **outs)
{
    const char *dir = reverse ? ".rev" : "";
    int64_t t_len = hn_tensor_dim(x, 1), f = hn_tensor_dim(x, 2), h = o->hidden;
    int64_t gates = o->cell == HN_RNN_LSTM ? 4 : o->cell == HN_RNN_GRU ? 3 : 1, gh_n = gates * h;
    double a = 1.0 / sqrt((double)h);
    char buf[128];
    hn_tensor *w_ih = uniform_param(g, part(buf, sizeof buf, name, dir, "w_ih"), 2, (int64_t[]){gh_n, f}, a, rng);
    hn_tensor *w_hh = uniform_param(g, part(buf, sizeof buf, name, dir, "w_hh"), 2, (int64_t[]){gh_n, h}, a, rng);
    hn_tensor *b_ih, *b_hh = NULL;
    if (o->cell == HN_RNN_GRU) {
        b_ih = hn_param(g, part(buf, sizeof buf, name, dir, "b_ih"), 1, &gh_n);
        b_hh = hn_param(g, part(buf, sizeof buf, name, dir, "b_hh"), 1, &gh_n);
    } else {
        b_ih = hn_param(g, part(buf, sizeof buf, name, dir, "b"), 1, &gh_n);
        /* forget gate open at the start: the state is carried */
        if (b_ih && o->cell == HN_RNN_LSTM && hn_layer_fill(g, b_ih, h, 2 * h, 1.0f))
            return NULL;
    }
    hn_tensor *gx_all = hn_add(g, hn_matmul(g, x, w_ih, 0, 1), b_ih); /* (B, T, G·H) */
    hn_tensor *hs = NULL, *cs = NULL;
    for (int64_t s = 0; s < t_len; s++) {
        int64_t t = reverse ? t_len - 1 - s : s;
        hn_tensor *gx = hn_slice(g, gx_all, 1, t, 1); /* (B, 1, G·H) */
        hn_tensor *m = o->mask ? hn_slice(g, o->mask, 1, t, 1) : NULL; /* (B, 1) */
        hn_tensor *h_new, *c_new = NULL;
        switch (o->cell) {
        case HN_RNN_LSTM: {
            hn_tensor *y = hs ? hn_lstm_cell(g, gx, hn_matmul(g, hs, w_hh, 0, 1), cs) : hn_lstm_cell(g, gx, NULL, NULL);
            h_new = hn_slice(g, y, 1, 0, h);
            c_new = hn_slice(g, y, 1, h, h);
            break;
        }
        case HN_RNN_GRU:
            h_new = hs ? hn_gru_cell(g, gx, hn_add(g, hn_matmul(g, hs, w_hh, 0, 1), b_hh), hs)
                       : hn_gru_cell(g, gx, b_hh, NULL);
            break;
        default: {
            hn_tensor *pre = hn_reshape(g, gx, 2, (int64_t[]){-1, h});
            if (hs)
                pre = hn_add(g, pre, hn_matmul(g, hs, w_hh, 0, 1));
            h_new = hn_tanh(g, pre);
            break;
        }
        }
        hn_tensor *h_prev = hs;
        hs = masked(g, m, h_new, h_prev);
        if (c_new)
            cs = masked(g, m, c_new, cs);
        if (o->truncate > 0 && (s + 1) % o->truncate == 0 && s + 1 < t_len) {
            hs = hn_detach(g, hs);
            if (cs)
                cs = hn_detach(g, cs);
        }
        outs[t] = hs;
        if (!hs)
            return NULL;
    }
    return hs;
}

hn_tensor *hn_rnn(hn_graph *g, hn_tensor *x, const hn_rnn_opts *o, hn_rng *rng, const char *name)
{
    const char *nm = name ? name : "";
    if (!x || !o)
        return hn_graph_fail(g, HN_ERR_ARG, "rnn '%s': input or options are NULL", nm);
    char s1[64], s2[64];
    if (hn_tensor_ndim(x) != 3 || hn_tensor_dim(x, 1) < 1)
        return hn_graph_fail(g, HN_ERR_SHAPE, "rnn '%s': x %s must be (B, T, F)", nm,
                             hn_tensor_shape_str(x, s1, sizeof s1));
    if (o->cell < 0 || o->cell >= HN_RNN_CELL_COUNT || o->hidden < 1 || o->truncate < 0 || !rng)
        return hn_graph_fail(g, HN_ERR_ARG, "rnn '%s': cell %d, hidden %lld, truncate %d (or rng NULL)", nm,
                             (int)o->cell, (long long)o->hidden, o->truncate);
    int64_t t_len = hn_tensor_dim(x, 1);
    if (o->mask && (hn_tensor_ndim(o->mask) != 2 || hn_tensor_dim(o->mask, 1) != t_len))
        return hn_graph_fail(g, HN_ERR_SHAPE, "rnn '%s': mask %s must be (B, T) for x %s", nm,
                             hn_tensor_shape_str(o->mask, s1, sizeof s1), hn_tensor_shape_str(x, s2, sizeof s2));
    int n_dir = o->bidirectional ? 2 : 1;
    hn_tensor **outs = calloc((size_t)(n_dir * t_len), sizeof *outs);
    if (!outs)
        return hn_graph_fail(g, HN_ERR_NOMEM, "rnn '%s': cannot allocate %lld steps", nm, (long long)t_len);
    hn_tensor *last[2] = {NULL, NULL}, *y = NULL;
    for (int d = 0; d < n_dir; d++) {
        /* the backward direction's final state is the one after reading t = 0 */
        last[d] = direction(g, x, o, d, rng, name, outs + d * t_len);
        if (!last[d])
            goto done;
    }
    if (!o->return_sequences) {
        y = n_dir == 1 ? last[0] : hn_concat(g, last, 2, 1);
    } else {
        hn_tensor **steps = outs;
        if (n_dir == 2) /* per step [forward, backward] (B, 2H), stored in place of the forward outputs */
            for (int64_t t = 0; t < t_len; t++)
                steps[t] = hn_concat(g, (hn_tensor *[]){outs[t], outs[t_len + t]}, 2, 1);
        hn_tensor *flat = hn_concat(g, steps, (int)t_len, 1); /* (B, T·dH) */
        y = hn_reshape(g, flat, 3, (int64_t[]){-1, t_len, n_dir * o->hidden});
    }
done:
    free(outs);
    return y;
}
