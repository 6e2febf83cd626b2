/* GPU benchmark: the MLP 28-300-300-300-1 (ReLU, Adam, BCE with logits, fp32)
 * that HEP classifiers use, trained and applied on a device. Prints one
 * "key value" line per figure (bench/gpu_mlp_torch.py prints the same keys for
 * PyTorch eager on the same GPU). The data set (2^17 events) is uploaded once
 * and kept on the device; batches are consecutive rows, copied device to
 * device into the network's inputs. Training and inference run as captured
 * plans (CUDA graphs); "eager" figures run the same calls without capture.
 *
 * "hn_train" figures train the same network through hn_train with the device
 * set, the path `hepnn train --device cuda` takes (shuffled batches cut on the
 * device from the resident events, losses read back in blocks).
 *
 * The compiled-inference figures ("compiled") run the same network as an
 * hn_model compiled with hn_model_compile_inference and moved to the device
 * (hn_infer_set_device): one kernel per event, cuBLASLt with fused bias and
 * ReLU per batch.
 *
 * Built with the library (build/bench/gpu_mlp); tools/gpu_check.sh runs it:
 *   build/bench/gpu_mlp [cuda|cpu] [seconds per figure]
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hepnn/device.h"
#include "hepnn/infer.h"
#include "hepnn/model.h"
#include "hepnn/ops.h"
#include "hepnn/train.h"

enum { F = 28, H = 300, NDATA = 1 << 17 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, const hn_error *err)
{
    fprintf(stderr, "gpu_mlp: %s: %s\n", what, err->msg);
    exit(1);
}

/* He-uniform weights, zero biases, through hn_tensor_set (device-safe). */
static hn_tensor *dense(hn_graph *g, hn_tensor *x, int64_t in, int64_t out, const char *name, hn_rng *rng)
{
    char wn[32], bn[32];
    snprintf(wn, sizeof wn, "%s.w", name);
    snprintf(bn, sizeof bn, "%s.b", name);
    hn_tensor *w = hn_param(g, wn, 2, (int64_t[]){in, out});
    hn_tensor *b = hn_param(g, bn, 1, (int64_t[]){out});
    if (!w || !b)
        return NULL;
    float *v = malloc(sizeof(float) * (size_t)(in * out));
    double a = sqrt(6.0 / (double)in);
    for (int64_t i = 0; i < in * out; i++)
        v[i] = (float)((2.0 * hn_rng_uniform(rng) - 1.0) * a);
    hn_tensor_set(w, v, in * out, NULL);
    free(v);
    return hn_add(g, hn_matmul(g, x, w, 0, 0), b);
}

/* The toy signal/background sample: NDATA events, x (NDATA, F), labels y. */
static void toy_data(float *x, float *y)
{
    hn_rng r;
    hn_rng_seed(&r, 3);
    for (int64_t i = 0; i < NDATA; i++) {
        double s = 0;
        for (int j = 0; j < F; j++) {
            x[i * F + j] = (float)hn_rng_normal(&r);
            s += x[i * F + j] * (j < 7 ? 1.0 : -0.3);
        }
        y[i] = s + 0.5 * hn_rng_normal(&r) > 0 ? 1.0f : 0.0f;
    }
}

/* The network as an hn_model spec (l: six layer slots). */
static hn_model_spec mlp_spec(hn_layer_spec *l, uint64_t seed)
{
    for (int i = 0; i < 3; i++) {
        l[2 * i] = (hn_layer_spec){.kind = HN_LAYER_DENSE, .units = H, .init = HN_INIT_HE_UNIFORM};
        l[2 * i + 1] = (hn_layer_spec){.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU};
    }
    return (hn_model_spec){F, 1, HN_TASK_BINARY, 6, l, seed};
}

typedef struct {
    hn_graph *g, *data;
    hn_tensor *x, *t, *z, *loss, *dx, *dt;
    hn_optim *opt;
    hn_plan *train, *infer;
} bench;

static void setup(bench *b, hn_device dev)
{
    hn_error err = {0};
    if (hn_graph_new_on(&b->g, dev, 1, &err) || hn_graph_new_on(&b->data, dev, 2, &err))
        die("graph", &err);
    /* the data set: a toy signal/background sample, uploaded once */
    b->dx = hn_state(b->data, "x", 2, (int64_t[]){NDATA, F});
    b->dt = hn_state(b->data, "t", 2, (int64_t[]){NDATA, 1});
    float *x = malloc(sizeof(float) * NDATA * F), *t = malloc(sizeof(float) * NDATA);
    if (!x || !t)
        die("data", &err);
    toy_data(x, t);
    if (!b->dx || !b->dt || hn_tensor_set(b->dx, x, (int64_t)NDATA * F, &err) || hn_tensor_set(b->dt, t, NDATA, &err))
        die("data upload", &err);
    free(x);
    free(t);
    hn_rng init;
    hn_rng_seed(&init, 4);
    b->x = hn_input(b->g, "x", 2, (int64_t[]){HN_BATCH, F});
    b->t = hn_input(b->g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *h = hn_relu(b->g, dense(b->g, b->x, F, H, "l1", &init));
    h = hn_relu(b->g, dense(b->g, h, H, H, "l2", &init));
    h = hn_relu(b->g, dense(b->g, h, H, H, "l3", &init));
    b->z = dense(b->g, h, H, 1, "out", &init);
    b->loss = hn_loss_bce_logits(b->g, b->z, b->t, NULL);
    hn_tensor *outs[2] = {b->loss, b->z};
    if (hn_graph_compile(b->g, outs, 2, &err))
        die("compile", &err);
    hn_optim_config cfg = hn_optim_config_default(HN_OPTIM_ADAM);
    if (hn_optim_new_graph(&b->opt, &cfg, b->g, &err) || hn_plan_new(&b->train, b->g, b->loss, b->opt, &err) ||
        hn_plan_new(&b->infer, b->g, b->z, NULL, &err))
        die("optimiser", &err);
}

/* Copies batch number k (consecutive rows, wrapping) into the inputs. */
static void feed(bench *b, int64_t bs, int64_t k, hn_error *err)
{
    int64_t per = NDATA / bs, row = (k % per) * bs;
    if (hn_tensor_copy(b->x, 0, b->dx, row * F, bs * F, err) || hn_tensor_copy(b->t, 0, b->dt, row, bs, err))
        die("feed", err);
}

/* Training events per second at batch bs over about `secs` seconds. */
static double train_rate(bench *b, int64_t bs, int capture, double secs, double *loss)
{
    hn_error err = {0};
    hn_graph_set_training(b->g, 1);
    if (hn_graph_set_batch(b->g, bs, &err))
        die("set_batch", &err);
    hn_plan_set_capture(b->train, capture);
    for (int k = 0; k < 10; k++) { /* warm-up: eager run, capture, replays */
        feed(b, bs, k, &err);
        if (hn_plan_run(b->train, &err))
            die("train", &err);
    }
    if (hn_graph_sync(b->g, &err))
        die("sync", &err);
    int64_t steps = 0, batch = 16;
    double t0 = now(), t1 = t0;
    while (t1 - t0 < secs) {
        for (int i = 0; i < batch; i++, steps++) {
            feed(b, bs, steps, &err);
            if (hn_plan_run(b->train, &err))
                die("train", &err);
        }
        if (hn_graph_sync(b->g, &err))
            die("sync", &err);
        t1 = now();
        if (batch < 1024)
            batch *= 2;
    }
    float l = 0;
    hn_tensor_get(b->loss, &l, 1, &err);
    *loss = l;
    return (double)steps * (double)bs / (t1 - t0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median seconds of one(u, x, &z) over 3000 events (after 50 warm-up calls);
 * one returns non-zero on failure. */
static double median_latency(int (*one)(void *u, const float *x, float *z), void *u, const char *what)
{
    enum { N = 3000 };
    static double lat[N];
    float x[F], z;
    for (int j = 0; j < F; j++)
        x[j] = 0.1f * (float)j;
    for (int i = -50; i < N; i++) {
        double t0 = now();
        x[0] = (float)i * 1e-3f;
        if (one(u, x, &z)) {
            fprintf(stderr, "gpu_mlp: %s failed\n", what);
            exit(1);
        }
        if (i >= 0)
            lat[i] = now() - t0;
    }
    qsort(lat, N, sizeof lat[0], cmp_double);
    return lat[N / 2];
}

/* One event through the plan: upload 28 features, run, read the logit. */
static int plan_one(void *u, const float *x, float *z)
{
    bench *b = u;
    return hn_tensor_set(b->x, x, F, NULL) || hn_plan_run(b->infer, NULL) || hn_tensor_get(b->z, z, 1, NULL);
}

static int compiled_one(void *u, const float *x, float *z) { return hn_infer_run(u, x, z) != HN_OK; }

static double single_latency(bench *b, int capture)
{
    hn_error err = {0};
    hn_graph_set_training(b->g, 0);
    if (hn_graph_set_batch(b->g, 1, &err))
        die("set_batch", &err);
    hn_plan_set_capture(b->infer, capture);
    return median_latency(plan_one, b, "inference");
}

/* Mean loss over the last 100 of `steps` training steps at batch 256 from the
 * fresh initialisation: the quality check beside the speed (the same number of
 * steps as bench/gpu_mlp_torch.py, whatever the speed of each). */
static double loss_after(bench *b, int steps)
{
    hn_error err = {0};
    hn_graph_set_training(b->g, 1);
    if (hn_graph_set_batch(b->g, 256, &err))
        die("set_batch", &err);
    double sum = 0;
    for (int k = 0; k < steps; k++) {
        feed(b, 256, k, &err);
        if (hn_plan_run(b->train, &err))
            die("train", &err);
        if (k >= steps - 100) {
            float l;
            if (hn_tensor_get(b->loss, &l, 1, &err))
                die("loss", &err);
            sum += l;
        }
    }
    return sum / 100.0;
}

/* The same network as a compiled model on the device: median single-event
 * latency and events/s at batch 10^5 (inputs and outputs in device memory),
 * with the given hn_infer_set_device flags. */
static void compiled_figures(bench *b, unsigned flags, const char *tag, double secs)
{
    hn_error err = {0};
    hn_layer_spec l[6];
    hn_model_spec spec = mlp_spec(l, 4);
    hn_model *m;
    hn_infer *inf;
    if (hn_model_new(&m, &spec, &err) || hn_model_compile_inference(m, &inf, &err) ||
        hn_infer_set_device(inf, HN_DEVICE_CUDA, flags, &err))
        die("compiled inference", &err);
    if (!flags) {
        printf("infer1_compiled_latency_us %.2f\n", 1e6 * median_latency(compiled_one, inf, "compiled inference, one event"));
        if (hn_infer_set_device(inf, HN_DEVICE_CUDA, HN_INFER_GRID, &err))
            die("compiled inference over many blocks", &err);
        printf("infer1_compiled_grid_latency_us %.2f\n",
               1e6 * median_latency(compiled_one, inf, "compiled inference over many blocks, one event"));
        if (hn_infer_set_device(inf, HN_DEVICE_CUDA, flags, &err))
            die("compiled inference", &err);
    }
    const int64_t bs = 100000;
    hn_tensor *out = hn_state(b->data, tag, 2, (int64_t[]){bs, 1});
    if (!out)
        die("output buffer", &err);
    const float *xd = hn_tensor_data(b->dx);
    float *od = hn_tensor_data(out);
    for (int k = 0; k < 3; k++)
        if (hn_infer_run_batch_device(inf, xd, bs, od, &err))
            die("compiled inference, batch", &err);
    int64_t runs = 0;
    double t0 = now(), t1 = t0;
    while (t1 - t0 < secs) {
        for (int i = 0; i < 10; i++, runs++)
            if (hn_infer_run_batch_device(inf, xd, bs, od, &err))
                die("compiled inference, batch", &err);
        t1 = now();
    }
    printf("infer_%s_events_per_s_b100000 %.0f\n", tag, (double)runs * (double)bs / (t1 - t0));
    hn_infer_free(inf);
    hn_model_free(m);
}

/* Inference events per second at batch 10^5 (inputs already on the device). */
static double batch_inference_rate(bench *b, double secs)
{
    hn_error err = {0};
    const int64_t bs = 100000;
    hn_graph_set_training(b->g, 0);
    if (hn_graph_set_batch(b->g, bs, &err))
        die("set_batch", &err);
    hn_plan_set_capture(b->infer, 1);
    if (hn_tensor_copy(b->x, 0, b->dx, 0, bs * F, &err))
        die("feed", &err);
    for (int k = 0; k < 5; k++)
        if (hn_plan_run(b->infer, &err))
            die("inference", &err);
    hn_graph_sync(b->g, &err);
    int64_t runs = 0;
    double t0 = now(), t1 = t0;
    while (t1 - t0 < secs) {
        for (int i = 0; i < 10; i++, runs++)
            if (hn_plan_run(b->infer, &err))
                die("inference", &err);
        if (hn_graph_sync(b->g, &err))
            die("sync", &err);
        t1 = now();
    }
    return (double)runs * (double)bs / (t1 - t0);
}

/* The user's path: hn_train with `device` set (what `hepnn train --device
 * cuda` runs): the events kept on the device, shuffled batches cut there by
 * row lists, losses read back in blocks. Events/s over `epochs` epochs of
 * the same toy set (host memory in, as a user passes it). Not fatal: an error
 * is printed as its own key. */
static void hn_train_figure(hn_device dev, int64_t bs, int epochs)
{
    hn_error err = {0};
    hn_layer_spec l[6];
    hn_model_spec spec = mlp_spec(l, 5);
    float *x = malloc(sizeof(float) * NDATA * F), *y = malloc(sizeof(float) * NDATA);
    if (x && y)
        toy_data(x, y);
    hn_model *m = NULL;
    hn_train_config c = hn_train_config_default();
    c.epochs = epochs;
    c.batch_size = bs;
    c.device = dev;
    hn_dataset d = {NDATA, F, 1, x, y, NULL, 0};
    hn_train_result res;
    if (!x || !y || hn_model_new(&m, &spec, &err) || hn_train(m, &c, &d, NULL, &res, &err)) {
        printf("hn_train_error_b%lld %s\n", (long long)bs, x && y ? err.msg : "out of memory");
    } else {
        printf("hn_train_events_per_s_b%lld %.0f\n", (long long)bs, res.events_per_second);
        printf("hn_train_final_loss_b%lld %.4f\n", (long long)bs,
               res.history ? res.history[res.epochs_run - 1].train_loss : NAN);
        hn_train_result_free(&res);
    }
    hn_model_free(m);
    free(x);
    free(y);
}

int main(int argc, char **argv)
{
    hn_device dev = HN_DEVICE_CUDA;
    hn_error err = {0};
    if (argc > 1 && hn_device_parse(argv[1], &dev, &err))
        die("device", &err);
    double secs = argc > 2 ? atof(argv[2]) : 1.5;
    char info[256] = "";
    if (hn_device_check(dev, info, sizeof info, &err))
        die("device", &err);
    printf("device %s\n", info);
    bench b;
    memset(&b, 0, sizeof b);
    setup(&b, dev);
    /* training FLOPs per event: forward 2·Σ in·out, backward twice that
     * (weight and input gradients; none for the inputs of the first layer) */
    const double fwd = 2.0 * (F * H + H * H + H * H + H * 1), flops = fwd + 2.0 * fwd - 2.0 * F * H;
    printf("loss_2000_steps_b256 %.4f\n", loss_after(&b, 2000));
    double loss = 0;
    static const int64_t sizes[3] = {256, 1024, 8192};
    for (int i = 0; i < 3; i++) {
        double r = train_rate(&b, sizes[i], 1, secs, &loss);
        printf("train_events_per_s_b%lld %.0f\n", (long long)sizes[i], r);
        printf("train_tflops_b%lld %.3f\n", (long long)sizes[i], r * flops * 1e-12);
    }
    printf("final_loss %.4f\n", loss);
    hn_train_figure(dev, 256, 3);
    hn_train_figure(dev, 8192, 3);
    printf("train_eager_events_per_s_b256 %.0f\n", train_rate(&b, 256, 0, secs, &loss));
    if (dev == HN_DEVICE_CUDA && !hn_graph_set_tf32(b.g, 1, &err)) {
        double r = train_rate(&b, 8192, 1, secs, &loss);
        printf("train_tf32_events_per_s_b8192 %.0f\n", r);
        printf("train_tf32_tflops_b8192 %.3f\n", r * flops * 1e-12);
        hn_graph_set_tf32(b.g, 0, &err);
    }
    printf("infer1_latency_us %.2f\n", 1e6 * single_latency(&b, 1));
    printf("infer1_eager_latency_us %.2f\n", 1e6 * single_latency(&b, 0));
    printf("infer_events_per_s_b100000 %.0f\n", batch_inference_rate(&b, secs));
    if (dev == HN_DEVICE_CUDA) {
        compiled_figures(&b, 0, "compiled", secs);
        compiled_figures(&b, HN_INFER_AUTOTUNE, "compiled_autotuned", secs);
        compiled_figures(&b, HN_INFER_TF32 | HN_INFER_AUTOTUNE, "compiled_tf32", secs);
    }
    hn_plan_free(b.train);
    hn_plan_free(b.infer);
    hn_optim_free(b.opt);
    hn_graph_free(b.g);
    hn_graph_free(b.data);
    return 0;
}
