/* Training throughput of a CNN on 1x40x40 jet images and of an LSTM on
 * sequences, and single-image CNN inference latency; the PyTorch peer is
 * bench/deep_bench_torch.py (same shapes, same thread count). Built by CMake
 * as build/bench/deep_bench; bench/workload_deep.sh runs both in the suite.
 *
 *   deep_bench [cnn|lstm|all] [iterations] [--batch B] [--calls C] [--threads T] [--blas-threads U]
 *              [--device cpu|cuda] [--json]
 *
 * --device cuda: the graphs, the optimiser and the data on the GPU (the
 * steps run eagerly, as PyTorch's peer with --device cuda does; the clock
 * stops after waiting for the device; one image's inference includes reading
 * its logit back).
 * --calls: single-image inference calls timed (default 200).
 * Without --threads the thread counts come from the environment
 * (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS). --json prints one JSON line per
 * measurement (the suite's format) instead of the readable lines.
 * CNN: conv 32 3x3 -> ReLU -> max pool 2 -> conv 64 3x3 -> ReLU -> max pool 2 -> dense 128 -> ReLU -> 1,
 * binary cross-entropy, Adam, batch 256. LSTM: 16 inputs, hidden 128, 50 steps, last state -> 1, batch 256. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hepnn/device.h"
#include "hepnn/layers_deep.h"
#include "hepnn/optim.h"
#include "hepnn/threads.h"

typedef struct {
    int iters, json, threads, blas_threads, calls;
    int64_t batch;
    hn_device dev;
} bench_opts;

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

static void die(const char *what, const hn_error *err)
{
    fprintf(stderr, "deep_bench: %s: %s\n", what, err->msg);
    exit(1);
}

static hn_optim *adam(hn_graph *g)
{
    if (hn_graph_device(g) != HN_DEVICE_CPU) {
        hn_optim_config c = hn_optim_config_default(HN_OPTIM_ADAM);
        c.lr = 1e-3;
        hn_optim *o = NULL;
        hn_error err = {0};
        if (hn_optim_new_graph(&o, &c, g, &err))
            die("optimiser on the device", &err);
        return o;
    }
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
    int64_t n = hn_tensor_numel(t);
    float *v = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    hn_error err = {0};
    if (!v)
        exit(1);
    for (int64_t i = 0; i < n; i++)
        v[i] = binary ? (float)(hn_rng_uniform(r) < 0.5) : (float)hn_rng_uniform(r);
    if (hn_tensor_set(t, v, n, &err)) /* host or device memory */
        die("filling the inputs", &err);
    free(v);
}

/* Times `iters` training steps (after 2 warm-up steps); returns seconds per step. */
static double train_time(hn_graph *g, hn_tensor *loss, int iters)
{
    hn_error err = {0};
    hn_optim *o = adam(g);
    double t0 = 0.0, c0 = 0.0;
    for (int i = 0; i < iters + 2; i++) {
        if (i == 2) {
            if (hn_graph_sync(g, &err)) /* the warm-up steps off the device first */
                die("waiting for the device", &err);
            t0 = now(), c0 = cpu();
        }
        if (hn_graph_forward(g, &err))
            die("forward", &err);
        hn_graph_zero_grad(g);
        if (hn_graph_backward(g, loss, &err) || hn_optim_step(o, &err))
            die("backward and step", &err);
    }
    if (hn_graph_sync(g, &err)) /* a device's queued steps */
        die("waiting for the device", &err);
    double dt = (now() - t0) / iters;
    cpu_per_step = (cpu() - c0) / iters;
    hn_optim_free(o);
    return dt;
}

static const char *omp_wait(void)
{
    const char *w = getenv("OMP_WAIT_POLICY");
    return w ? w : "default";
}

/* One JSON line of a training measurement. */
static void json_train(const char *net, const bench_opts *o, double dt)
{
    printf("{\"bench\":\"hepnn_deep_train\",\"net\":\"%s\",\"device\":\"%s\",\"batch\":%lld,\"threads\":%d,"
           "\"blas_threads\":%d,\"omp_wait\":\"%s\",\"iters\":%d,\"ms_per_step\":%.3f,\"cpu_ms_per_step\":%.3f,"
           "\"events_per_s\":%.1f}\n",
           net, hn_device_name(o->dev), (long long)o->batch, hn_threads_kernel(), hn_threads_blas(), omp_wait(),
           o->iters, 1e3 * dt, 1e3 * cpu_per_step, (double)o->batch / dt);
    fflush(stdout);
}

static void bench_cnn(const bench_opts *o)
{
    int iters = o->iters;
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng r;
    hn_rng_seed(&r, 1);
    if (hn_graph_new_on(&g, o->dev, 1, &err))
        die("cnn graph", &err);
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
    if (hn_graph_set_batch(g, o->batch, &err) || hn_graph_compile(g, outs, 2, &err)) {
        fprintf(stderr, "cnn: %s\n", err.msg);
        exit(1);
    }
    fill(x, &r, 0);
    fill(t, &r, 1);
    double dt = train_time(g, loss, iters);
    if (o->json)
        json_train("cnn", o, dt);
    else
        printf("cnn train: %.1f ms/step wall, %.1f ms/step CPU, %.0f images/s (batch %lld)\n", 1e3 * dt,
               1e3 * cpu_per_step, (double)o->batch / dt, (long long)o->batch);
    /* single-image inference */
    hn_graph_set_training(g, 0);
    hn_graph_set_batch(g, 1, &err);
    fill(x, &r, 0);
    int n = o->calls, dev = o->dev != HN_DEVICE_CPU;
    float logit;
    double t0 = 0.0, c0 = 0.0;
    for (int i = 0; i < 10 + n; i++) {
        if (i == 10)
            t0 = now(), c0 = cpu();
        if (hn_graph_forward_to(g, z, &err) || (dev && hn_tensor_get(z, &logit, 1, &err)))
            die("cnn inference", &err);
    }
    double us = 1e6 * (now() - t0) / n, cpu_us = 1e6 * (cpu() - c0) / n;
    if (o->json)
        printf("{\"bench\":\"hepnn_deep_infer1\",\"net\":\"cnn\",\"device\":\"%s\",\"threads\":%d,\"blas_threads\":%d,"
               "\"omp_wait\":\"%s\",\"calls\":%d,\"us_per_image\":%.2f,\"cpu_us_per_image\":%.2f}\n",
               hn_device_name(o->dev), hn_threads_kernel(), hn_threads_blas(), omp_wait(), n, us, cpu_us);
    else
        printf("cnn inference, batch 1: %.1f us/image wall, %.1f us CPU\n", us, cpu_us);
    fflush(stdout);
    hn_graph_free(g);
}

static void bench_lstm(const bench_opts *o)
{
    int iters = o->iters;
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng r;
    hn_rng_seed(&r, 2);
    if (hn_graph_new_on(&g, o->dev, 1, &err))
        die("lstm graph", &err);
    hn_tensor *x = hn_input(g, "x", 3, (int64_t[]){HN_BATCH, 50, 16});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_rnn_opts ro = hn_rnn_opts_default(HN_RNN_LSTM, 128);
    hn_tensor *z = hn_dense(g, hn_rnn(g, x, &ro, &r, "lstm"), 1, HN_INIT_XAVIER_UNIFORM, &r, "out");
    hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
    if (hn_graph_set_batch(g, o->batch, &err) || hn_graph_compile(g, &loss, 1, &err)) {
        fprintf(stderr, "lstm: %s\n", err.msg);
        exit(1);
    }
    fill(x, &r, 0);
    fill(t, &r, 1);
    double dt = train_time(g, loss, iters);
    if (o->json)
        json_train("lstm", o, dt);
    else
        printf("lstm train: %.1f ms/step wall, %.1f ms/step CPU, %.0f sequences/s (batch %lld, 50 steps, hidden 128)\n",
               1e3 * dt, 1e3 * cpu_per_step, (double)o->batch / dt, (long long)o->batch);
    hn_graph_free(g);
}

int main(int argc, char **argv)
{
    const char *what = "all";
    bench_opts o = {.iters = 10, .batch = 256, .calls = 200};
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            o.json = 1;
            continue;
        }
        if (a[0] == '-' && a[1] == '-') {
            if (i + 1 >= argc) {
                fprintf(stderr, "deep_bench: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--batch"))
                o.batch = atoll(v);
            else if (!strcmp(a, "--threads"))
                o.threads = atoi(v);
            else if (!strcmp(a, "--calls"))
                o.calls = atoi(v);
            else if (!strcmp(a, "--blas-threads"))
                o.blas_threads = atoi(v);
            else if (!strcmp(a, "--device")) {
                if (strcmp(v, "cpu") && strcmp(v, "cuda")) {
                    fprintf(stderr, "deep_bench: --device takes cpu or cuda, not %s\n", v);
                    return 2;
                }
                o.dev = strcmp(v, "cuda") ? HN_DEVICE_CPU : HN_DEVICE_CUDA;
            }
            else {
                fprintf(stderr, "deep_bench: unknown option %s\n", a);
                return 2;
            }
        } else if (pos++ == 0)
            what = a;
        else
            o.iters = atoi(a);
    }
    if (o.iters < 1 || o.batch < 1 || o.calls < 1 || o.threads < 0 || o.blas_threads < 0) {
        fprintf(stderr, "deep_bench: iterations, batch and thread counts must be positive\n");
        return 2;
    }
    if (strcmp(what, "cnn") && strcmp(what, "lstm") && strcmp(what, "all")) {
        fprintf(stderr, "usage: deep_bench [cnn|lstm|all] [iterations] [--batch B] [--calls C] [--threads T] [--blas-threads U] "
                        "[--device cpu|cuda] [--json]\n");
        return 2;
    }
    if (o.threads > 0 || o.blas_threads > 0)
        hn_threads_set(o.threads, o.blas_threads > 0 ? o.blas_threads : o.threads, NULL);
    if (!strcmp(what, "cnn") || !strcmp(what, "all"))
        bench_cnn(&o);
    if (!strcmp(what, "lstm") || !strcmp(what, "all"))
        bench_lstm(&o);
    return 0;
}
