/* Vanishing gradients in a 30-layer sigmoid MLP, and their cure: the first
 * layer's gradient norm is many orders below the last layer's in the plain
 * network, within a small factor with residual or highway connections, and
 * those two train to a lower loss on the same data in the same steps. */
#include "deep_util.h"
#include "harness.h"

#include <string.h>

enum { DEPTH = 30, WIDTH = 16, IN = 8, B = 32, STEPS = 100 };
enum { PLAIN, RESIDUAL, HIGHWAY };

typedef struct {
    hn_graph *g;
    hn_tensor *x, *t, *loss;
    hn_tensor *w_first, *w_last; /* the weight matrices of the first and last of the 30 layers */
    hn_tensor *b_first, *b_last; /* their biases: the gradient is the layer's error signal δ itself */
} deep_net;

static deep_net build(int kind, hn_rng *rng)
{
    deep_net n = {0};
    hn_error err = {0};
    hn_graph_new(&n.g, 1, &err);
    hn_graph *g = n.g;
    n.x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, IN});
    n.t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *h = n.x;
    char name[32];
    for (int l = 0; l < DEPTH; l++) {
        snprintf(name, sizeof name, "l%d", l);
        if (kind == HIGHWAY && l > 0) {
            h = hn_highway(g, h, HN_ACT_SIGMOID, -2.0f, HN_INIT_XAVIER_UNIFORM, rng, name);
            snprintf(name, sizeof name, "l%d.h.w", l);
        } else {
            hn_tensor *a = hn_sigmoid(g, hn_dense(g, h, WIDTH, HN_INIT_XAVIER_UNIFORM, rng, name));
            h = kind == RESIDUAL ? hn_residual_add(g, h, a, rng, name) : a;
            snprintf(name, sizeof name, "l%d.w", l);
        }
        hn_tensor *w = hn_graph_find(g, name);
        name[strlen(name) - 1] = 'b';
        hn_tensor *b = hn_graph_find(g, name);
        if (l == 0) {
            n.w_first = w;
            n.b_first = b;
        }
        n.w_last = w;
        n.b_last = b;
    }
    hn_tensor *z = hn_dense(g, h, 1, HN_INIT_XAVIER_UNIFORM, rng, "out");
    n.loss = hn_loss_bce_logits(g, z, n.t, NULL);
    return n;
}

static double norm(hn_tensor *t)
{
    double s = 0.0;
    for (int64_t i = 0; i < hn_tensor_numel(t); i++)
        s += (double)hn_tensor_grad(t)[i] * hn_tensor_grad(t)[i];
    return sqrt(s);
}

/* Returns the final loss (mean over the last 10 steps); ratio[0] = first/last
 * layer weight-gradient norm at initialisation, ratio[1] the same for biases. */
static double run(int kind, double *ratio)
{
    hn_rng rng;
    hn_rng_seed(&rng, 11);
    deep_net n = build(kind, &rng);
    hn_error err = {0};
    CHECK_MSG(hn_graph_status(n.g) == HN_OK, "%s", hn_graph_error(n.g));
    CHECK(n.w_first && n.w_last && n.b_first && n.b_last);
    CHECK_OK(hn_graph_set_batch(n.g, B, &err), &err);
    CHECK_OK(hn_graph_compile(n.g, &n.loss, 1, &err), &err);
    /* a separable target: y = 1 when x0 + x1 − x2 > 0 */
    hn_rng data;
    hn_rng_seed(&data, 5);
    float *x = hn_tensor_data(n.x), *t = hn_tensor_data(n.t);
    for (int i = 0; i < B; i++) {
        for (int k = 0; k < IN; k++)
            x[i * IN + k] = (float)hn_rng_normal(&data);
        t[i] = x[i * IN] + x[i * IN + 1] - x[i * IN + 2] > 0.0f;
    }
    hn_optim *opt = adam_for(n.g, 3e-3);
    double tail = 0.0;
    for (int s = 0; s < STEPS; s++) {
        CHECK_OK(hn_graph_forward(n.g, &err), &err);
        hn_graph_zero_grad(n.g);
        CHECK_OK(hn_graph_backward(n.g, n.loss, &err), &err);
        if (s == 0)
            ratio[0] = norm(n.w_first) / norm(n.w_last), ratio[1] = norm(n.b_first) / norm(n.b_last);
        if (s >= STEPS - 10)
            tail += hn_tensor_data(n.loss)[0] / 10.0;
        hn_optim_step(opt, &err);
    }
    hn_optim_free(opt);
    hn_graph_free(n.g);
    return tail;
}

TEST(residual_and_highway_cure_vanishing_gradients)
{
    double r_plain[2], r_res[2], r_hw[2];
    double l_plain = run(PLAIN, r_plain), l_res = run(RESIDUAL, r_res), l_hw = run(HIGHWAY, r_hw);
    printf("  first/last layer gradient norm, weights: plain %.3g, residual %.3g, highway %.3g\n", r_plain[0],
           r_res[0], r_hw[0]);
    printf("  first/last layer gradient norm, biases:  plain %.3g, residual %.3g, highway %.3g\n", r_plain[1],
           r_res[1], r_hw[1]);
    printf("  loss after %d steps: plain %.4f, residual %.4f, highway %.4f\n", STEPS, l_plain, l_res, l_hw);
    /* Each sigmoid layer multiplies the error signal by at most 1/4 (times the
     * weights): over 30 layers it all but vanishes. */
    CHECK_MSG(r_plain[0] < 1e-8 && r_plain[1] < 1e-8, "plain: ratios %g, %g should be many orders below 1",
              r_plain[0], r_plain[1]);
    /* The error signal (bias gradient) keeps its size through the shortcuts;
     * weight gradients also scale with the layer's input (larger at the top of
     * a residual stack, whose activations add up), hence the looser bound. */
    for (int k = 0; k < 2; k++) {
        double lo = k ? 0.1 : 0.02, hi = k ? 10.0 : 50.0;
        CHECK_MSG(r_res[k] > lo && r_res[k] < hi, "residual: ratio %g outside [%g, %g]", r_res[k], lo, hi);
        CHECK_MSG(r_hw[k] > lo && r_hw[k] < hi, "highway: ratio %g outside [%g, %g]", r_hw[k], lo, hi);
    }
    CHECK_MSG(l_res < l_plain - 0.1, "residual loss %g not below plain %g", l_res, l_plain);
    CHECK_MSG(l_hw < l_plain - 0.1, "highway loss %g not below plain %g", l_hw, l_plain);
}

int main(void)
{
    RUN(residual_and_highway_cure_vanishing_gradients);
    return TEST_SUMMARY();
}
