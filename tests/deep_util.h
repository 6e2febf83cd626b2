/* Helpers shared by the deep-architecture tests: Adam over a graph's
 * parameters, and a train/evaluate loop over in-memory arrays. */
#ifndef HN_TEST_DEEP_UTIL_H
#define HN_TEST_DEEP_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "hepnn/layers_deep.h"
#include "hepnn/metrics.h"
#include "hepnn/optim.h"

/* Adam over every parameter of g (decay = 1 for weights, 0 for vectors). The
 * views are built after the graph has its buffers (compile first). */
static inline hn_optim *adam_for(hn_graph *g, double lr)
{
    int n = hn_graph_num_params(g);
    hn_param_view *v = calloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++) {
        hn_tensor *p = hn_graph_param(g, i);
        v[i].value = hn_tensor_data(p);
        v[i].grad = hn_tensor_grad(p);
        v[i].n = hn_tensor_numel(p);
        v[i].decay = hn_tensor_ndim(p) >= 2;
        v[i].name = hn_tensor_name(p);
    }
    hn_optim_config cfg = hn_optim_config_default(HN_OPTIM_ADAM);
    cfg.lr = lr;
    hn_optim *opt = NULL;
    hn_error err = {0};
    if (hn_optim_new(&opt, &cfg, v, n, &err))
        fprintf(stderr, "adam: %s\n", err.msg);
    free(v);
    return opt;
}

/* A data set in memory: n examples of `width` floats, labels 0/1. */
typedef struct {
    int64_t n, width;
    float *x, *y;
} dataset;

static inline void dataset_free(dataset *d)
{
    free(d->x);
    free(d->y);
}

/* Copies examples [i0, i0 + b) (through idx when not NULL) into x and t. */
static inline void batch_copy(const dataset *d, const int64_t *idx, int64_t i0, int64_t b, float *x, float *t)
{
    for (int64_t k = 0; k < b; k++) {
        int64_t i = idx ? idx[i0 + k] : i0 + k;
        memcpy(x + k * d->width, d->x + i * d->width, sizeof(float) * (size_t)d->width);
        t[k] = d->y[i];
    }
}

/* Trains (x -> logit, loss on target t) for `epochs` over train in shuffled
 * minibatches of bs, then returns the test AUC of the logits. extra, when not
 * NULL, is an input filled from extra_train / extra_test with extra_width
 * values per example (a mask). */
typedef struct {
    hn_graph *g;
    hn_tensor *x, *t, *logit, *loss, *extra;
    int64_t extra_width;
    const float *extra_train, *extra_test;
} task_net;

static inline double train_and_auc(task_net *net, const dataset *train, const dataset *test, int epochs, int64_t bs,
                            double lr, uint64_t seed)
{
    hn_error err = {0};
    hn_graph *g = net->g;
    hn_tensor *outs[2] = {net->loss, net->logit};
    if (hn_graph_set_batch(g, bs, &err) || hn_graph_compile(g, outs, 2, &err)) {
        fprintf(stderr, "compile: %s\n", err.msg);
        return -1.0;
    }
    hn_optim *opt = adam_for(g, lr);
    hn_rng rng;
    hn_rng_seed(&rng, seed);
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)train->n);
    for (int64_t i = 0; i < train->n; i++)
        idx[i] = i;
    for (int e = 0; e < epochs; e++) {
        hn_rng_shuffle(&rng, idx, train->n);
        for (int64_t i0 = 0; i0 + bs <= train->n; i0 += bs) {
            batch_copy(train, idx, i0, bs, hn_tensor_data(net->x), hn_tensor_data(net->t));
            if (net->extra)
                for (int64_t k = 0; k < bs; k++)
                    memcpy(hn_tensor_data(net->extra) + k * net->extra_width,
                           net->extra_train + idx[i0 + k] * net->extra_width, sizeof(float) * (size_t)net->extra_width);
            if (hn_graph_forward(g, &err))
                break;
            hn_graph_zero_grad(g);
            hn_graph_backward(g, net->loss, &err);
            hn_optim_step(opt, &err);
        }
    }
    free(idx);
    hn_optim_free(opt);
    /* evaluation: batch norm and dropout off, the whole test set in one batch */
    hn_graph_set_training(g, 0);
    hn_graph_set_batch(g, test->n, &err);
    batch_copy(test, NULL, 0, test->n, hn_tensor_data(net->x), hn_tensor_data(net->t));
    if (net->extra)
        memcpy(hn_tensor_data(net->extra), net->extra_test, sizeof(float) * (size_t)(test->n * net->extra_width));
    if (hn_graph_forward_to(g, net->logit, &err)) {
        fprintf(stderr, "eval: %s\n", err.msg);
        return -1.0;
    }
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)test->n);
    for (int64_t i = 0; i < test->n; i++)
        lab[i] = test->y[i] > 0.5f;
    hn_binary_input in = hn_binary_input_make((size_t)test->n, hn_reals_f32(hn_tensor_data(net->logit)), lab,
                                              hn_reals_none());
    double auc = -1.0;
    if (hn_auc(&in, &auc, &err))
        fprintf(stderr, "auc: %s\n", err.msg);
    free(lab);
    return auc;
}

#endif
