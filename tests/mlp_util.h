/* A small MLP built from core ops, shared by tests: x (B, IN) -> tanh hidden
 * layers -> one logit. Weights uniform in ±sqrt(6/(fan_in+fan_out)) (Glorot). */
#ifndef HN_TEST_MLP_UTIL_H
#define HN_TEST_MLP_UTIL_H

#include <math.h>

#include "hepnn/ops.h"

static void glorot_fill(hn_tensor *w, hn_rng *rng)
{
    int64_t fan_in = hn_tensor_dim(w, 0), fan_out = hn_tensor_dim(w, 1);
    double a = sqrt(6.0 / (double)(fan_in + fan_out));
    float *v = hn_tensor_data(w);
    for (int64_t i = 0; i < hn_tensor_numel(w); i++)
        v[i] = (float)((2.0 * hn_rng_uniform(rng) - 1.0) * a);
}

/* dense: x (B, IN) · w (IN, OUT) + b (OUT) */
static hn_tensor *dense(hn_graph *g, hn_tensor *x, int64_t out, const char *name, hn_rng *rng)
{
    char wn[32], bn[32];
    snprintf(wn, sizeof wn, "%s.w", name);
    snprintf(bn, sizeof bn, "%s.b", name);
    hn_tensor *w = hn_param(g, wn, 2, (int64_t[]){hn_tensor_dim(x, -1), out});
    hn_tensor *b = hn_param(g, bn, 1, (int64_t[]){out});
    if (w)
        glorot_fill(w, rng);
    return hn_add(g, hn_matmul(g, x, w, 0, 0), b);
}

/* Plain gradient descent on every parameter. */
static void gd_step(hn_graph *g, float lr)
{
    for (int i = 0; i < hn_graph_num_params(g); i++) {
        hn_tensor *p = hn_graph_param(g, i);
        float *v = hn_tensor_data(p), *gr = hn_tensor_grad(p);
        for (int64_t k = 0; k < hn_tensor_numel(p); k++)
            v[k] -= lr * gr[k];
    }
}

#endif
