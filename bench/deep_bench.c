/* Training throughput of a CNN on 1x40x40 jet images and of an LSTM on
 * sequences, and single-image CNN inference latency; the PyTorch peer is
 * bench/deep_bench_torch.py (same shapes, same thread count).
 * Build and run from the repository root after `make`:
 *   cc -O2 -Iinclude bench/deep_bench.c build/libhepnn.a -lopenblas -fopenmp -lm -o build/deep_bench
 *   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 ./build/deep_bench [cnn|lstm|all] [iterations]
 * CNN: conv 32 3x3 -> ReLU -> max pool 2 -> conv 64 3x3 -> ReLU -> max pool 2 -> dense 128 -> ReLU -> 1,
 * binary cross-entropy, Adam, batch 256. LSTM: 16 inputs, hidden 128, 50 steps, last state -> 1, batch 256. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hepnn/layers_deep.h"
#include "hepnn/optim.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU time of the process: on a shared machine a one-thread run's CPU time is
 * a steadier figure than its wall time (reported with it). */
static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_per_step; /* set by train_time */

static hn_optim *adam(hn_graph *g)
{
    int n = hn_graph_num_params(g);
    hn_param_view v[64];
    for (int i = 0; i < n && i < 64; i++) {
        hn_tensor *p = hn_graph_param(g, i);
        v[i] = (hn_param_view){hn_tensor_data(p), hn_tensor_grad(p), hn_tensor_numel(p), hn_tensor_ndim(p) >= 2,
                               hn_tensor_name(p)};
    }
    hn_optim_config c = hn_optim_config_default(HN_OPTIM_ADAM);
    c.lr = 1e-3;
    hn_optim *o = NULL;
    hn_optim_new(&o, &c, v, n, NULL);
    return o;
}

static void fill(hn_tensor *t, hn_rng *r, int binary)
{
    float *v = hn_tensor_data(t);
    for (int64_t i = 0; i < hn_tensor_numel(t); i++)
        v[i] = binary ? (float)(hn_rng_uniform(r) < 0.5) : (float)hn_rng_uniform(r);
}

/* Times `iters` training steps (after 2 warm-up steps); returns seconds per step. */
static double train_time(hn_graph *g, hn_tensor *loss, int iters)
{
    hn_error err = {0};
    hn_optim *o = adam(g);
    double t0 = 0.0, c0 = 0.0;
    for (int i = 0; i < iters + 2; i++) {
        if (i == 2)
            t0 = now(), c0 = cpu();
        if (hn_graph_forward(g, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
        hn_graph_zero_grad(g);
        hn_graph_backward(g, loss, &err);
        hn_optim_step(o, &err);
    }
    double dt = (now() - t0) / iters;
    cpu_per_step = (cpu() - c0) / iters;
    hn_optim_free(o);
    return dt;
}

static void bench_cnn(int iters)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng r;
    hn_rng_seed(&r, 1);
    hn_graph_new(&g, 1, &err);
    hn_tensor *x = hn_input(g, "x", 4, (int64_t[]){HN_BATCH, 1, 40, 40});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *h = hn_relu(g, hn_conv2d_layer(g, x, 32, 3, 3, 1, 0, 1, HN_INIT_HE_UNIFORM, &r, "c1"));
    h = hn_maxpool2d(g, h, 2, 2, 2, 2, 0, 0);
    h = hn_relu(g, hn_conv2d_layer(g, h, 64, 3, 3, 1, 0, 1, HN_INIT_HE_UNIFORM, &r, "c2"));
    h = hn_maxpool2d(g, h, 2, 2, 2, 2, 0, 0);
    h = hn_relu(g, hn_dense(g, hn_flatten(g, h), 128, HN_INIT_HE_UNIFORM, &r, "d1"));
    hn_tensor *z = hn_dense(g, h, 1, HN_INIT_XAVIER_UNIFORM, &r, "out");
    hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
    hn_tensor *outs[2] = {loss, z};
    if (hn_graph_set_batch(g, 256, &err) || hn_graph_compile(g, outs, 2, &err)) {
        fprintf(stderr, "cnn: %s\n", err.msg);
        exit(1);
    }
    fill(x, &r, 0);
    fill(t, &r, 1);
    double dt = train_time(g, loss, iters);
    printf("cnn train: %.1f ms/step wall, %.1f ms/step CPU, %.0f images/s (batch 256)\n", 1e3 * dt,
           1e3 * cpu_per_step, 256.0 / dt);
    /* single-image inference */
    hn_graph_set_training(g, 0);
    hn_graph_set_batch(g, 1, &err);
    fill(x, &r, 0);
    int n = 200;
    for (int i = 0; i < 10; i++)
        hn_graph_forward_to(g, z, &err);
    double t0 = now(), c0 = cpu();
    for (int i = 0; i < n; i++)
        hn_graph_forward_to(g, z, &err);
    printf("cnn inference, batch 1: %.1f us/image wall, %.1f us CPU\n", 1e6 * (now() - t0) / n,
           1e6 * (cpu() - c0) / n);
    hn_graph_free(g);
}

static void bench_lstm(int iters)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng r;
    hn_rng_seed(&r, 2);
    hn_graph_new(&g, 1, &err);
    hn_tensor *x = hn_input(g, "x", 3, (int64_t[]){HN_BATCH, 50, 16});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_rnn_opts o = hn_rnn_opts_default(HN_RNN_LSTM, 128);
    hn_tensor *z = hn_dense(g, hn_rnn(g, x, &o, &r, "lstm"), 1, HN_INIT_XAVIER_UNIFORM, &r, "out");
    hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
    if (hn_graph_set_batch(g, 256, &err) || hn_graph_compile(g, &loss, 1, &err)) {
        fprintf(stderr, "lstm: %s\n", err.msg);
        exit(1);
    }
    fill(x, &r, 0);
    fill(t, &r, 1);
    double dt = train_time(g, loss, iters);
    printf("lstm train: %.1f ms/step wall, %.1f ms/step CPU, %.0f sequences/s (batch 256, 50 steps, hidden 128)\n",
           1e3 * dt, 1e3 * cpu_per_step, 256.0 / dt);
    hn_graph_free(g);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    int iters = argc > 2 ? atoi(argv[2]) : 10;
    if (!strcmp(what, "cnn") || !strcmp(what, "all"))
        bench_cnn(iters);
    if (!strcmp(what, "lstm") || !strcmp(what, "all"))
        bench_lstm(iters);
    return 0;
}
