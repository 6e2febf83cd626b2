/* The fused training step for plain MLPs (src/train/fast_mlp.c) against the
 * graph's generic step: the same model trained twice, once as it is (the
 * fused step) and once with a dropout layer of rate 0 added at the end (the
 * identity, but it sends training through the graph), must end with the same
 * weights and losses, bit for bit, for every task, the activations the fused
 * step handles, event weights, class balancing, an L2 penalty, a last
 * batch smaller than the others, and layers wide enough for the kernels'
 * threads (run on 2 threads by ctest; the products' split does not depend on
 * the thread count). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hepnn/model.h"
#include "hepnn/train.h"

static hn_layer_spec dense(int64_t units)
{
    hn_layer_spec l = {.kind = HN_LAYER_DENSE, .units = units, .init = HN_INIT_XAVIER_UNIFORM};
    return l;
}

static hn_layer_spec act(hn_act_kind k)
{
    hn_layer_spec l = {.kind = HN_LAYER_ACTIVATION, .act = k, .alpha = 0.8f};
    return l;
}

/* Trains a model of the given hidden layers (plus, when graph != 0, a
 * dropout of rate 0); returns its parameters (malloc'ed) and the history. */
static float *train_once(hn_task task, int n_out, const hn_layer_spec *layers, int nl, int graph,
                         const hn_dataset *d, int64_t batch, int64_t *n_w, double *losses)
{
    hn_layer_spec l[16];
    if (nl > 0)
        memcpy(l, layers, sizeof(hn_layer_spec) * (size_t)nl);
    if (graph)
        l[nl++] = (hn_layer_spec){.kind = HN_LAYER_DROPOUT, .rate = 0.0f};
    hn_model_spec s = {d->n_features, n_out, task, nl, l, 5};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &s, &err), &err);
    if (!m)
        return NULL;
    hn_train_config c = hn_train_config_default();
    c.epochs = 3;
    c.batch_size = batch;
    c.optim.lr = 0.01;
    c.penalty.l2 = 1e-4;
    c.balance_classes = task != HN_TASK_REGRESSION;
    c.seed = 3;
    hn_train_result r;
    CHECK_OK(hn_train(m, &c, d, NULL, &r, &err), &err);
    for (int e = 0; e < r.epochs_run && e < 3; e++)
        losses[e] = r.history[e].train_loss;
    hn_train_result_free(&r);
    hn_graph *g = hn_model_get_io(m).graph;
    int64_t n = 0;
    for (int i = 0; i < hn_graph_num_params(g); i++)
        n += hn_tensor_numel(hn_graph_param(g, i));
    float *w = malloc(sizeof(float) * (size_t)n), *p = w;
    for (int i = 0; i < hn_graph_num_params(g); i++) {
        hn_tensor *t = hn_graph_param(g, i);
        memcpy(p, hn_tensor_data(t), sizeof(float) * (size_t)hn_tensor_numel(t));
        p += hn_tensor_numel(t);
    }
    *n_w = n;
    hn_model_free(m);
    return w;
}

static void compare(const char *what, hn_task task, int n_out, const hn_layer_spec *layers, int nl,
                    const hn_dataset *d, int64_t batch)
{
    int64_t na = 0, nb = 0;
    double la[3] = {0}, lb[3] = {0};
    float *a = train_once(task, n_out, layers, nl, 0, d, batch, &na, la);
    float *b = train_once(task, n_out, layers, nl, 1, d, batch, &nb, lb);
    CHECK(a && b && na == nb && na > 0);
    if (a && b && na == nb) {
        int64_t diff = 0, first = -1;
        for (int64_t i = 0; i < na; i++)
            if (memcmp(&a[i], &b[i], sizeof(float))) {
                diff++;
                if (first < 0)
                    first = i;
            }
        CHECK_MSG(diff == 0, "%s: %lld of %lld weights differ (first %lld: %.9g vs %.9g)", what, (long long)diff,
                  (long long)na, (long long)first, first >= 0 ? a[first] : 0.0f, first >= 0 ? b[first] : 0.0f);
        for (int e = 0; e < 3; e++)
            CHECK_MSG(la[e] == lb[e], "%s: epoch %d loss %.12g vs %.12g", what, e + 1, la[e], lb[e]);
        /* training did something */
        CHECK(la[2] < la[0]);
    }
    free(a);
    free(b);
}

/* 300 events, 6 features, weights in [0.5, 1.5]; labels or targets from a
 * smooth function of the features. */
static void make_data(hn_dataset *d, hn_task task, int n_out, float *x, float *y, float *w)
{
    hn_rng r;
    hn_rng_seed(&r, 17);
    int64_t n = 300;
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < 6; k++) {
            x[i * 6 + k] = (float)(2.0 * hn_rng_normal(&r) + k);
            s += (k % 2 ? 1 : -1) * (x[i * 6 + k] - k) * (1 + 0.3 * k);
        }
        w[i] = (float)(0.5 + hn_rng_uniform(&r));
        if (task == HN_TASK_BINARY)
            y[i] = s + 0.5 * hn_rng_normal(&r) > 0 ? 1.0f : 0.0f;
        else if (task == HN_TASK_MULTICLASS)
            y[i] = (float)((int)fabs(s) % n_out);
        else
            for (int k = 0; k < n_out; k++)
                y[i * n_out + k] = (float)(s * (k + 1) + 10.0);
    }
    *d = (hn_dataset){n, 6, task == HN_TASK_REGRESSION ? n_out : 1, x, y, w, 0};
}

TEST(binary_every_activation)
{
    float x[300 * 6], y[300], w[300];
    hn_dataset d;
    make_data(&d, HN_TASK_BINARY, 1, x, y, w);
    static const hn_act_kind kinds[] = {HN_ACT_RELU,  HN_ACT_SIGMOID, HN_ACT_TANH,    HN_ACT_ATAN,
                                        HN_ACT_STEP, HN_ACT_ELU,     HN_ACT_SOFTPLUS, HN_ACT_IDENTITY};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        hn_layer_spec l[] = {dense(70), act(kinds[k]), dense(65), act(HN_ACT_RELU), dense(9)};
        char what[64];
        snprintf(what, sizeof what, "binary, %s", hn_act_name(kinds[k]));
        compare(what, HN_TASK_BINARY, 1, l, 5, &d, 48); /* 300 events: a last batch of 12 */
    }
}

TEST(multiclass_and_regression)
{
    float x[300 * 6], y[300 * 3], w[300];
    hn_dataset d;
    make_data(&d, HN_TASK_MULTICLASS, 4, x, y, w);
    hn_layer_spec l[] = {dense(80), act(HN_ACT_RELU), dense(80), act(HN_ACT_TANH)};
    compare("multi-class", HN_TASK_MULTICLASS, 4, l, 4, &d, 48);
    /* wide enough for the parallel kernels (more than 32768 values per tensor) */
    hn_layer_spec wide[] = {dense(300), act(HN_ACT_RELU), dense(200), act(HN_ACT_ELU)};
    compare("multi-class, wide", HN_TASK_MULTICLASS, 4, wide, 4, &d, 200);
    make_data(&d, HN_TASK_REGRESSION, 3, x, y, w);
    compare("regression", HN_TASK_REGRESSION, 3, l, 4, &d, 48);
    compare("no hidden layer", HN_TASK_REGRESSION, 3, NULL, 0, &d, 48);
}

int main(void)
{
    RUN(binary_every_activation);
    RUN(multiclass_and_regression);
    return TEST_SUMMARY();
}
