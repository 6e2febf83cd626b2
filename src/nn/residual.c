/* Convolution layers, residual blocks and highway layers: sub-graphs of core ops. */
#include <stdio.h>

#include "core/graph_impl.h"
#include "hepnn/layers_deep.h"

static const char *part(char *buf, size_t n, const char *name, const char *p)
{
    snprintf(buf, n, "%s.%s", name ? name : "layer", p);
    return buf;
}

static hn_tensor *init_param(hn_graph *g, const char *name, int ndim, const int64_t *shape, hn_init_kind init,
                             int64_t fan_in, int64_t fan_out, hn_rng *rng)
{
    hn_tensor *t = hn_param(g, name, ndim, shape);
    if (!t)
        return NULL;
    hn_error err = {0};
    if (hn_init_fill(t, init, fan_in, fan_out, 0.05, rng, &err))
        return hn_graph_fail(g, err.status, "%s: %s", name, err.msg);
    return t;
}

static hn_tensor *bad_input(hn_graph *g, const char *what, const char *name, hn_tensor *x, int ndim)
{
    if (!x)
        return hn_graph_fail(g, HN_ERR_ARG, "%s '%s': input is NULL", what, name ? name : "");
    char s[64];
    return hn_graph_fail(g, HN_ERR_SHAPE, "%s '%s': input %s must have %d dimensions", what, name ? name : "",
                         hn_tensor_shape_str(x, s, sizeof s), ndim);
}

hn_tensor *hn_conv2d_layer(hn_graph *g, hn_tensor *x, int64_t filters, int64_t kh, int64_t kw, int64_t stride,
                           int64_t pad, int64_t dilation, hn_init_kind init, hn_rng *rng, const char *name)
{
    if (!x || hn_tensor_ndim(x) != 4)
        return bad_input(g, "conv2d", name, x, 4);
    if (filters < 1 || kh < 1 || kw < 1)
        return hn_graph_fail(g, HN_ERR_ARG, "conv2d '%s': %lld filters of %lldx%lld", name ? name : "",
                             (long long)filters, (long long)kh, (long long)kw);
    char buf[96];
    int64_t cin = hn_tensor_dim(x, 1);
    hn_tensor *w = init_param(g, part(buf, sizeof buf, name, "w"), 4, (int64_t[]){filters, cin, kh, kw}, init,
                              cin * kh * kw, filters * kh * kw, rng);
    hn_tensor *b = hn_param(g, part(buf, sizeof buf, name, "b"), 1, &filters);
    return hn_conv2d(g, x, w, b, stride, stride, pad, pad, dilation, dilation);
}

hn_tensor *hn_conv1d_layer(hn_graph *g, hn_tensor *x, int64_t filters, int64_t k, int64_t stride, int64_t pad,
                           int64_t dilation, hn_init_kind init, hn_rng *rng, const char *name)
{
    if (!x || hn_tensor_ndim(x) != 3)
        return bad_input(g, "conv1d", name, x, 3);
    if (filters < 1 || k < 1)
        return hn_graph_fail(g, HN_ERR_ARG, "conv1d '%s': %lld filters of %lld", name ? name : "",
                             (long long)filters, (long long)k);
    char buf[96];
    int64_t cin = hn_tensor_dim(x, 1);
    hn_tensor *w = init_param(g, part(buf, sizeof buf, name, "w"), 3, (int64_t[]){filters, cin, k}, init, cin * k,
                              filters * k, rng);
    hn_tensor *b = hn_param(g, part(buf, sizeof buf, name, "b"), 1, &filters);
    return hn_conv1d(g, x, w, b, stride, pad, dilation);
}

hn_tensor *hn_conv_transpose2d_layer(hn_graph *g, hn_tensor *x, int64_t filters, int64_t k, int64_t stride,
                                     int64_t pad, int64_t out_pad, hn_init_kind init, hn_rng *rng, const char *name)
{
    if (!x || hn_tensor_ndim(x) != 4)
        return bad_input(g, "conv_transpose2d", name, x, 4);
    if (filters < 1 || k < 1)
        return hn_graph_fail(g, HN_ERR_ARG, "conv_transpose2d '%s': %lld filters of %lldx%lld", name ? name : "",
                             (long long)filters, (long long)k, (long long)k);
    char buf[96];
    int64_t cin = hn_tensor_dim(x, 1);
    /* Each output sees about cin·k²/stride² inputs; the fans of the forward map are swapped. */
    hn_tensor *w = init_param(g, part(buf, sizeof buf, name, "w"), 4, (int64_t[]){cin, filters, k, k}, init,
                              filters * k * k, cin * k * k, rng);
    hn_tensor *b = hn_param(g, part(buf, sizeof buf, name, "b"), 1, &filters);
    return hn_conv_transpose2d(g, x, w, b, stride, stride, pad, pad, out_pad, out_pad, 1, 1);
}

static int same_shape(const hn_tensor *a, const hn_tensor *b)
{
    if (hn_tensor_ndim(a) != hn_tensor_ndim(b))
        return 0;
    for (int i = 1; i < hn_tensor_ndim(a); i++) /* the batch dimension always agrees */
        if (hn_tensor_dim(a, i) != hn_tensor_dim(b, i))
            return 0;
    return 1;
}

hn_tensor *hn_residual_add(hn_graph *g, hn_tensor *x, hn_tensor *fx, hn_rng *rng, const char *name)
{
    if (!x || !fx)
        return hn_graph_fail(g, HN_ERR_ARG, "residual '%s': input is NULL", name ? name : "");
    if (same_shape(x, fx))
        return hn_add(g, x, fx);
    char buf[96], s1[64], s2[64];
    int nd = hn_tensor_ndim(x);
    if (nd == 2 && hn_tensor_ndim(fx) == 2) {
        int64_t in = hn_tensor_dim(x, 1), out = hn_tensor_dim(fx, 1);
        hn_tensor *p = init_param(g, part(buf, sizeof buf, name, "proj"), 2, (int64_t[]){in, out},
                                  HN_INIT_XAVIER_UNIFORM, in, out, rng);
        return hn_add(g, hn_matmul(g, x, p, 0, 0), fx);
    }
    if (nd == 4 && hn_tensor_ndim(fx) == 4) {
        int64_t h = hn_tensor_dim(x, 2), w = hn_tensor_dim(x, 3), ho = hn_tensor_dim(fx, 2),
                wo = hn_tensor_dim(fx, 3);
        int64_t s = ho > 0 ? (h + ho - 1) / ho : 0;
        if (s >= 1 && (h - 1) / s + 1 == ho && (w - 1) / s + 1 == wo) {
            int64_t cin = hn_tensor_dim(x, 1), cout = hn_tensor_dim(fx, 1);
            hn_tensor *p = init_param(g, part(buf, sizeof buf, name, "proj"), 4, (int64_t[]){cout, cin, 1, 1},
                                      HN_INIT_HE_NORMAL, cin, cout, rng);
            return hn_add(g, hn_conv2d(g, x, p, NULL, s, s, 0, 0, 1, 1), fx);
        }
    }
    return hn_graph_fail(g, HN_ERR_SHAPE, "residual '%s': no projection maps x %s to F(x) %s", name ? name : "",
                         hn_tensor_shape_str(x, s1, sizeof s1), hn_tensor_shape_str(fx, s2, sizeof s2));
}

hn_tensor *hn_residual_dense(hn_graph *g, hn_tensor *x, int64_t units, hn_act_kind act, hn_init_kind init,
                             hn_rng *rng, const char *name)
{
    char buf[96];
    hn_tensor *h = hn_dense(g, x, units, init, rng, part(buf, sizeof buf, name, "fc1"));
    h = hn_activation(g, h, act, 1.0f, part(buf, sizeof buf, name, "act1"));
    h = hn_dense(g, h, units, init, rng, part(buf, sizeof buf, name, "fc2"));
    return hn_activation(g, hn_residual_add(g, x, h, rng, name), act, 1.0f, part(buf, sizeof buf, name, "act2"));
}

hn_tensor *hn_residual_conv(hn_graph *g, hn_tensor *x, int64_t filters, int64_t stride, int batch_norm,
                            hn_act_kind act, hn_rng *rng, const char *name)
{
    char buf[96];
    hn_tensor *h = hn_conv2d_layer(g, x, filters, 3, 3, stride, stride == 1 ? HN_PAD_SAME : 1, 1, HN_INIT_HE_NORMAL,
                                   rng, part(buf, sizeof buf, name, "conv1"));
    if (batch_norm)
        h = hn_batch_norm(g, h, 0.1f, 1e-5f, part(buf, sizeof buf, name, "bn1"));
    h = hn_activation(g, h, act, 1.0f, part(buf, sizeof buf, name, "act1"));
    h = hn_conv2d_layer(g, h, filters, 3, 3, 1, HN_PAD_SAME, 1, HN_INIT_HE_NORMAL, rng,
                        part(buf, sizeof buf, name, "conv2"));
    if (batch_norm)
        h = hn_batch_norm(g, h, 0.1f, 1e-5f, part(buf, sizeof buf, name, "bn2"));
    return hn_activation(g, hn_residual_add(g, x, h, rng, name), act, 1.0f, part(buf, sizeof buf, name, "act2"));
}

hn_tensor *hn_highway(hn_graph *g, hn_tensor *x, hn_act_kind act, float gate_bias, hn_init_kind init, hn_rng *rng,
                      const char *name)
{
    if (!x || hn_tensor_ndim(x) != 2)
        return bad_input(g, "highway", name, x, 2);
    char buf[96];
    int64_t n = hn_tensor_dim(x, 1);
    hn_tensor *t = hn_dense(g, x, n, init, rng, part(buf, sizeof buf, name, "t"));
    hn_tensor *bt = hn_graph_find(g, part(buf, sizeof buf, name, "t.b"));
    if (bt && hn_layer_fill(g, bt, 0, n, gate_bias))
        return NULL;
    t = hn_sigmoid(g, t);
    hn_tensor *h = hn_activation(g, hn_dense(g, x, n, init, rng, part(buf, sizeof buf, name, "h")), act, 1.0f,
                                 part(buf, sizeof buf, name, "act"));
    /* T·H + (1 − T)·x = x + T·(H − x) */
    return hn_add(g, x, hn_mul(g, t, hn_sub(g, h, x)));
}
