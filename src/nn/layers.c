/* Activations by name and the layer builders (sub-graphs of core ops). */
#include <stdio.h>
#include <string.h>

#include "core/graph_impl.h"
#include "hepnn/nn.h"

static const char *const act_names[HN_ACT_COUNT] = {
    "identity", "step", "sigmoid", "tanh", "atan", "relu", "prelu", "elu", "softplus", "softmax",
};

const char *hn_act_name(hn_act_kind kind) { return (kind >= 0 && kind < HN_ACT_COUNT) ? act_names[kind] : "unknown"; }

int hn_act_parse(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < HN_ACT_COUNT; k++)
        if (!strcmp(name, act_names[k]))
            return k;
    static const struct {
        const char *alias;
        hn_act_kind kind;
    } aliases[] = {{"linear", HN_ACT_IDENTITY}, {"logistic", HN_ACT_SIGMOID}, {"heaviside", HN_ACT_STEP},
                   {"arctan", HN_ACT_ATAN}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(name, aliases[i].alias))
            return aliases[i].kind;
    return -1;
}

static const char *join(char *buf, size_t n, const char *name, const char *part)
{
    snprintf(buf, n, "%s.%s", name ? name : "layer", part);
    return buf;
}

hn_tensor *hn_activation(hn_graph *g, hn_tensor *x, hn_act_kind kind, float alpha, const char *name)
{
    switch (kind) {
    case HN_ACT_IDENTITY: return hn_identity(g, x);
    case HN_ACT_STEP: return hn_step(g, x);
    case HN_ACT_SIGMOID: return hn_sigmoid(g, x);
    case HN_ACT_TANH: return hn_tanh(g, x);
    case HN_ACT_ATAN: return hn_atan(g, x);
    case HN_ACT_RELU: return hn_relu(g, x);
    case HN_ACT_ELU: return hn_elu(g, x, alpha);
    case HN_ACT_SOFTPLUS: return hn_softplus(g, x);
    case HN_ACT_SOFTMAX: return hn_softmax(g, x, -1);
    case HN_ACT_PRELU: {
        if (!x || hn_tensor_ndim(x) < 2)
            return hn_prelu(g, x, NULL);
        char buf[96];
        int64_t c = hn_tensor_dim(x, 1);
        hn_tensor *a = hn_param(g, join(buf, sizeof buf, name, "slope"), 1, &c);
        if (a && hn_layer_fill(g, a, 0, c, alpha))
            return NULL;
        return hn_prelu(g, x, a);
    }
    case HN_ACT_COUNT: break;
    }
    return hn_graph_fail(g, HN_ERR_ARG, "activation '%s': unknown kind %d", name ? name : "", (int)kind);
}

hn_tensor *hn_dense(hn_graph *g, hn_tensor *x, int64_t units, hn_init_kind init, hn_rng *rng, const char *name)
{
    if (!x)
        return hn_graph_fail(g, HN_ERR_ARG, "dense '%s': input is NULL", name ? name : "");
    char buf[96];
    int64_t in = hn_tensor_dim(x, -1);
    if (units < 1)
        return hn_graph_fail(g, HN_ERR_ARG, "dense '%s': %lld units, must be at least 1", name ? name : "",
                             (long long)units);
    hn_tensor *w = hn_param(g, join(buf, sizeof buf, name, "w"), 2, (int64_t[]){in, units});
    hn_tensor *b = hn_param(g, join(buf, sizeof buf, name, "b"), 1, &units);
    if (!w || !b)
        return NULL;
    hn_error err = {0};
    if (hn_init_fill(w, init, in, units, 0.05, rng, &err))
        return hn_graph_fail(g, err.status, "dense '%s': %s", name ? name : "", err.msg);
    return hn_add(g, hn_matmul(g, x, w, 0, 0), b);
}

hn_tensor *hn_batch_norm(hn_graph *g, hn_tensor *x, float momentum, float eps, const char *name)
{
    if (!x || hn_tensor_ndim(x) < 2)
        return hn_batchnorm(g, x, NULL, NULL, NULL, NULL, momentum, eps);
    char buf[96];
    int64_t c = hn_tensor_dim(x, 1);
    hn_tensor *gamma = hn_param(g, join(buf, sizeof buf, name, "gamma"), 1, &c);
    hn_tensor *beta = hn_param(g, join(buf, sizeof buf, name, "beta"), 1, &c);
    hn_tensor *rm = hn_state(g, join(buf, sizeof buf, name, "running_mean"), 1, &c);
    hn_tensor *rv = hn_state(g, join(buf, sizeof buf, name, "running_var"), 1, &c);
    if (gamma && rv && (hn_layer_fill(g, gamma, 0, c, 1.0f) || hn_layer_fill(g, rv, 0, c, 1.0f)))
        return NULL;
    return hn_batchnorm(g, x, gamma, beta, rm, rv, momentum, eps);
}
