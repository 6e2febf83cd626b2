/* hepnn demo: trains a 2-layer network on XOR by backpropagation and plain
 * gradient descent, printing the loss as it falls. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hepnn/ops.h"

static void fill_glorot(hn_tensor *w, hn_rng *rng)
{
    double a = sqrt(6.0 / (double)(hn_tensor_dim(w, 0) + hn_tensor_dim(w, 1)));
    for (int64_t i = 0; i < hn_tensor_numel(w); i++)
        hn_tensor_data(w)[i] = (float)((2.0 * hn_rng_uniform(rng) - 1.0) * a);
}

int hn_cmd_demo(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: hepnn demo\n\nTrains a 2-8-1 network on XOR with plain gradient descent and prints its loss.\n");
        return 0;
    }
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 2026);
    if (hn_graph_new(&g, 1, &err)) {
        fprintf(stderr, "hepnn demo: %s\n", err.msg);
        return 1;
    }
    hn_tensor *x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, 2});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *w1 = hn_param(g, "w1", 2, (int64_t[]){2, 8}), *b1 = hn_param(g, "b1", 1, (int64_t[]){8});
    hn_tensor *w2 = hn_param(g, "w2", 2, (int64_t[]){8, 1}), *b2 = hn_param(g, "b2", 1, (int64_t[]){1});
    hn_tensor *h = hn_tanh(g, hn_add(g, hn_matmul(g, x, w1, 0, 0), b1));
    hn_tensor *z = hn_add(g, hn_matmul(g, h, w2, 0, 0), b2);
    hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
    const float xs[8] = {0, 0, 0, 1, 1, 0, 1, 1}, ts[4] = {0, 1, 1, 0};
    if (hn_graph_compile(g, &loss, 1, &err) || hn_graph_set_batch(g, 4, &err) || hn_tensor_set(x, xs, 8, &err) ||
        hn_tensor_set(t, ts, 4, &err)) {
        fprintf(stderr, "hepnn demo: %s\n", err.msg);
        hn_graph_free(g);
        return 1;
    }
    fill_glorot(w1, &rng);
    fill_glorot(w2, &rng);
    printf("XOR with a 2-8-1 tanh network, plain gradient descent (lr 0.5)\n");
    printf("%6s  %s\n", "step", "loss");
    for (int step = 0; step <= 2000; step++) {
        if (hn_graph_forward(g, &err))
            break;
        if (step % 250 == 0)
            printf("%6d  %.5f\n", step, (double)hn_tensor_data(loss)[0]);
        hn_graph_zero_grad(g);
        if (hn_graph_backward(g, loss, &err))
            break;
        for (int i = 0; i < hn_graph_num_params(g); i++) {
            hn_tensor *p = hn_graph_param(g, i);
            for (int64_t k = 0; k < hn_tensor_numel(p); k++)
                hn_tensor_data(p)[k] -= 0.5f * hn_tensor_grad(p)[k];
        }
    }
    if (err.status) {
        fprintf(stderr, "hepnn demo: %s\n", err.msg);
        hn_graph_free(g);
        return 1;
    }
    printf("\n x1 x2  target  network\n");
    for (int i = 0; i < 4; i++)
        printf(" %2.0f %2.0f  %6.0f  %7.3f\n", xs[2 * i], xs[2 * i + 1], ts[i],
               1.0 / (1.0 + exp(-(double)hn_tensor_data(z)[i])));
    hn_graph_free(g);
    return 0;
}
