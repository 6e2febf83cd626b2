/* The smallest hepnn program: a 2-8-1 network learns XOR.
 * Build against an installed hepnn:
 *     cc xor.c $(pkg-config --cflags --libs --static hepnn) -o xor        */
#include <math.h>
#include <stdio.h>

#include <hepnn/ops.h>

int main(void)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 1);
    if (hn_graph_new(&g, 1, &err))
        return 1;
    hn_tensor *x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, 2});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *w1 = hn_param(g, "w1", 2, (int64_t[]){2, 8}), *b1 = hn_param(g, "b1", 1, (int64_t[]){8});
    hn_tensor *w2 = hn_param(g, "w2", 2, (int64_t[]){8, 1}), *b2 = hn_param(g, "b2", 1, (int64_t[]){1});
    hn_tensor *z = hn_add(g, hn_matmul(g, hn_tanh(g, hn_add(g, hn_matmul(g, x, w1, 0, 0), b1)), w2, 0, 0), b2);
    hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
    const float xs[8] = {0, 0, 0, 1, 1, 0, 1, 1}, ts[4] = {0, 1, 1, 0};
    if (hn_graph_compile(g, &loss, 1, &err) || hn_graph_set_batch(g, 4, &err) || hn_tensor_set(x, xs, 8, &err) ||
        hn_tensor_set(t, ts, 4, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < 16; i++)
        hn_tensor_data(w1)[i] = (float)(2 * hn_rng_uniform(&rng) - 1);
    for (int i = 0; i < 8; i++)
        hn_tensor_data(w2)[i] = (float)(2 * hn_rng_uniform(&rng) - 1);
    for (int step = 0; step < 2000; step++) {
        hn_graph_forward(g, &err);
        hn_graph_zero_grad(g);
        hn_graph_backward(g, loss, &err);
        for (int i = 0; i < hn_graph_num_params(g); i++) {
            hn_tensor *p = hn_graph_param(g, i);
            for (int64_t k = 0; k < hn_tensor_numel(p); k++)
                hn_tensor_data(p)[k] -= 0.5f * hn_tensor_grad(p)[k];
        }
    }
    hn_graph_forward(g, &err);
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        double p = 1 / (1 + exp(-hn_tensor_data(z)[i]));
        printf("%g %g -> %.3f\n", xs[2 * i], xs[2 * i + 1], p);
        ok &= (p > 0.5) == (ts[i] > 0.5);
    }
    hn_graph_free(g);
    return ok ? 0 : 1;
}
