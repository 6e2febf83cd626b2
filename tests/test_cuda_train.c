/* Training a model on a device through hn_train (what `hepnn train --device
 * cuda` runs): the same model and data trained on the CPU and on the GPU reach
 * the same test AUC within 0.002; penalties, dropout, batch norm, multi-class,
 * regression and checkpoints work on the device. The CPU parts run everywhere:
 * the model built on a device goes through the same builder, the penalty that
 * the device path puts into the graph equals hn_penalty_add's, and models copy
 * their values across. The GPU parts skip without a device. */
#include <unistd.h>

#include "harness.h"
#include "hepnn/device.h"
#include "hepnn/layers_deep.h"
#include "hepnn/metrics.h"
#include "hepnn/model.h"
#include "hepnn/train.h"
#include "nn/model_internal.h"
#include "toy_data.h"
#include "train/train_internal.h"

enum { N_TRAIN = 12000, N_TEST = 8000 };

static hn_layer_spec dense(int64_t units)
{
    hn_layer_spec l = {.kind = HN_LAYER_DENSE, .units = units, .init = HN_INIT_HE_UNIFORM};
    return l;
}

static hn_layer_spec act(hn_act_kind a)
{
    hn_layer_spec l = {.kind = HN_LAYER_ACTIVATION, .act = a};
    return l;
}

typedef struct {
    float x[N_TRAIN * TOY_FEATURES], y[N_TRAIN];
    float tx[N_TEST * TOY_FEATURES], ty[N_TEST];
} toy;

static toy *toy_new(void)
{
    toy *t = malloc(sizeof *t);
    if (t) {
        toy_generate(N_TRAIN, 21, t->x, t->y, NULL);
        toy_generate(N_TEST, 22, t->tx, t->ty, NULL);
    }
    return t;
}

static double test_auc(hn_model *m, const toy *t)
{
    float *p = malloc(sizeof(float) * N_TEST);
    int32_t *lab = malloc(sizeof(int32_t) * N_TEST);
    double auc = -1;
    if (p && lab && hn_model_predict(m, t->tx, N_TEST, p, NULL) == HN_OK) {
        for (int i = 0; i < N_TEST; i++)
            lab[i] = (int32_t)t->ty[i];
        hn_binary_input in = hn_binary_input_make(N_TEST, hn_reals_f32(p), lab, hn_reals_none());
        if (hn_auc(&in, &auc, NULL))
            auc = -1;
    }
    free(p);
    free(lab);
    return auc;
}

/* Trains a fresh binary model (64-64, ReLU, optional dropout) on the toy on
 * dev; returns its test AUC, or -1 (with err set) on failure. */
static double train_binary(hn_device dev, const toy *t, float dropout, double l2, hn_error *err)
{
    hn_layer_spec ls[5] = {dense(64), act(HN_ACT_RELU), dense(64), act(HN_ACT_RELU)};
    int nl = 4;
    if (dropout > 0)
        ls[nl++] = (hn_layer_spec){.kind = HN_LAYER_DROPOUT, .rate = dropout};
    hn_model_spec s = {TOY_FEATURES, 1, HN_TASK_BINARY, nl, ls, 7};
    hn_model *m;
    if (hn_model_new(&m, &s, err))
        return -1;
    hn_train_config c = hn_train_config_default();
    c.epochs = 4;
    c.batch_size = 128;
    c.device = dev;
    c.penalty.l2 = l2;
    hn_dataset tr = {N_TRAIN, TOY_FEATURES, 1, (float *)t->x, (float *)t->y, NULL, 0};
    hn_dataset va = {2000, TOY_FEATURES, 1, (float *)t->tx, (float *)t->ty, NULL, 0};
    hn_train_result r;
    double auc = -1;
    if (hn_train(m, &c, &tr, &va, &r, err) == HN_OK) {
        auc = r.epochs_run == 4 && r.best_epoch >= 1 ? test_auc(m, t) : -1;
        hn_train_result_free(&r);
    }
    hn_model_free(m);
    return auc;
}

/* --- everywhere -------------------------------------------------------------- */

/* The penalty as graph ops (the device path) has hn_penalty_add's gradient. */
TEST(penalty_in_graph_matches_penalty_add)
{
    hn_layer_spec ls[2] = {dense(16), act(HN_ACT_TANH)};
    hn_model_spec s = {TOY_FEATURES, 1, HN_TASK_BINARY, 2, ls, 3};
    hn_model *a, *b;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&a, &s, &err), &err);
    CHECK_OK(hn_model_new_penalised(&b, &s, HN_DEVICE_CPU, 0.01, 0.03, &err), &err);
    CHECK(hn_model_train_loss(a) == hn_model_get_io(a).loss);
    CHECK(hn_model_train_loss(b) != hn_model_get_io(b).loss);
    float x[8 * TOY_FEATURES], y[8], w[8];
    toy_generate(8, 5, x, y, NULL);
    for (int i = 0; i < 8; i++)
        w[i] = 1.0f;
    hn_model *ms[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        hn_model_io io = hn_model_get_io(ms[k]);
        CHECK_OK(hn_graph_set_batch(io.graph, 8, &err), &err);
        CHECK_OK(hn_tensor_set(io.x, x, 8 * TOY_FEATURES, &err), &err);
        CHECK_OK(hn_tensor_set(io.target, y, 8, &err), &err);
        CHECK_OK(hn_tensor_set(io.weight, w, 8, &err), &err);
        CHECK_OK(hn_graph_forward(io.graph, &err), &err);
        hn_graph_zero_grad(io.graph);
        CHECK_OK(hn_graph_backward(io.graph, hn_model_train_loss(ms[k]), &err), &err);
    }
    /* a: the host adds the penalty's gradient, as the CPU training loop does */
    hn_graph *ga = hn_model_get_io(a).graph, *gb = hn_model_get_io(b).graph;
    int n = hn_graph_num_params(ga);
    hn_param_view v[8];
    float *grads[8];
    CHECK(n == hn_graph_num_params(gb) && n <= 8);
    for (int i = 0; i < n; i++) {
        hn_tensor *p = hn_graph_param(ga, i);
        v[i] = (hn_param_view){hn_tensor_data(p), hn_tensor_grad(p), hn_tensor_numel(p), hn_model_param_decays(a, i),
                               hn_tensor_name(p)};
        grads[i] = hn_tensor_grad(p);
    }
    hn_penalty pen = {0.01, 0.03};
    double value = 0;
    CHECK_OK(hn_penalty_add(&pen, v, n, grads, &value, &err), &err);
    int decaying = 0;
    for (int i = 0; i < n; i++) {
        hn_tensor *pa = hn_graph_param(ga, i), *pb = hn_graph_param(gb, i);
        decaying += v[i].decay;
        for (int64_t j = 0; j < hn_tensor_numel(pa); j++)
            CHECK_NEAR(hn_tensor_grad(pb)[j], hn_tensor_grad(pa)[j], 1e-6);
    }
    CHECK(decaying == 2); /* the two weight matrices, not the biases */
    float la = hn_tensor_data(hn_model_get_io(a).loss)[0], lb = hn_tensor_data(hn_model_train_loss(b))[0];
    CHECK_NEAR(lb, la + value, 1e-5);
    hn_model_free(a);
    hn_model_free(b);
}

TEST(copy_values_between_models)
{
    hn_layer_spec ls[3] = {dense(8), {.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f}, act(HN_ACT_RELU)};
    hn_model_spec s = {TOY_FEATURES, 1, HN_TASK_BINARY, 3, ls, 3}, s2 = s;
    s2.seed = 4;
    hn_model *a, *b, *c;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&a, &s, &err), &err);
    CHECK_OK(hn_model_new_on(&b, &s2, HN_DEVICE_CPU, &err), &err);
    CHECK(hn_model_device(b) == HN_DEVICE_CPU);
    float shift[TOY_FEATURES] = {1, 2, 3, 4, 5}, scale[TOY_FEATURES] = {.5f, .5f, 2, 2, 1};
    CHECK_OK(hn_model_set_normalisation(a, shift, scale, &err), &err);
    float x[4 * TOY_FEATURES], pa[4], pb[4];
    toy_generate(4, 9, x, pa, NULL);
    CHECK_OK(hn_model_predict(a, x, 4, pa, &err), &err);
    CHECK_OK(hn_model_predict(b, x, 4, pb, &err), &err);
    CHECK(pa[0] != pb[0]); /* other seed, other weights */
    CHECK_OK(hn_model_copy_values(b, a, &err), &err);
    CHECK_OK(hn_model_predict(b, x, 4, pb, &err), &err);
    for (int i = 0; i < 4; i++)
        CHECK(pa[i] == pb[i]);
    float sh[TOY_FEATURES], sc[TOY_FEATURES];
    hn_model_get_normalisation(b, sh, sc);
    CHECK(sh[2] == 3.0f && sc[2] == 2.0f);
    /* another architecture is refused, naming the tensors */
    hn_layer_spec other[1] = {dense(9)};
    hn_model_spec s3 = {TOY_FEATURES, 1, HN_TASK_BINARY, 1, other, 3};
    CHECK_OK(hn_model_new(&c, &s3, &err), &err);
    CHECK(hn_model_copy_values(c, a, &err) == HN_ERR_SHAPE);
    CHECK(strstr(err.msg, "model_copy_values") != NULL);
    hn_model_free(a);
    hn_model_free(b);
    hn_model_free(c);
}

/* Without the backend or a device, training on it fails with the reason. */
TEST(device_training_refused_without_device)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err) == HN_OK)
        SKIP("a CUDA device is present");
    toy *t = toy_new();
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(train_binary(HN_DEVICE_CUDA, t, 0, 0, &err) < 0);
    CHECK(err.status == HN_ERR_UNSUPPORTED || err.status == HN_ERR_BACKEND);
    CHECK(strstr(err.msg, "cuda") != NULL || strstr(err.msg, "CUDA") != NULL);
    free(t);
}

/* Row lists and gathers on the CPU: rows in the given order, every refusal named. */
TEST(gather_rows_on_cpu)
{
    hn_error err = {0};
    hn_graph *g = NULL;
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    if (!g)
        return;
    hn_tensor *src = hn_state(g, "src", 2, (int64_t[]){5, 3}), *dst = hn_state(g, "dst", 2, (int64_t[]){4, 3});
    hn_tensor *w = hn_state(g, "w", 1, (int64_t[]){5}), *dw = hn_state(g, "dw", 2, (int64_t[]){4, 1});
    float v[15], got[12], gw[4];
    for (int i = 0; i < 15; i++)
        v[i] = (float)i;
    CHECK_OK(hn_tensor_set(src, v, 15, &err), &err);
    CHECK_OK(hn_tensor_set(w, v, 5, &err), &err);
    hn_rows *r = NULL;
    CHECK_OK(hn_rows_new(&r, g, 6, &err), &err);
    int64_t rows[6] = {4, 0, 2, 2, 1, 3};
    CHECK_OK(hn_rows_set(r, rows, 6, 5, &err), &err);
    CHECK_OK(hn_tensor_gather_rows(dst, src, r, 1, 3, &err), &err);
    CHECK_OK(hn_tensor_gather_rows(dw, w, r, 2, 4, &err), &err);
    CHECK_OK(hn_tensor_get(dst, got, 12, &err), &err);
    CHECK_OK(hn_tensor_get(dw, gw, 4, &err), &err);
    static const float want[9] = {0, 1, 2, 6, 7, 8, 6, 7, 8}, want_w[4] = {2, 2, 1, 3};
    CHECK(!memcmp(got, want, sizeof want) && !memcmp(gw, want_w, sizeof want_w));
    rows[3] = 5;
    CHECK(hn_rows_set(r, rows, 6, 5, &err) == HN_ERR_ARG && strstr(err.msg, "entry 3 is row 5"));
    CHECK(hn_rows_set(r, rows, 7, 9, &err) == HN_ERR_ARG && strstr(err.msg, "capacity 6"));
    rows[3] = 2;
    CHECK_OK(hn_rows_set(r, rows, 6, 5, &err), &err);
    CHECK(hn_tensor_gather_rows(dst, src, r, 3, 4, &err) == HN_ERR_ARG && strstr(err.msg, "entries 3..7 of 6"));
    CHECK(hn_tensor_gather_rows(dst, src, r, 0, 5, &err) == HN_ERR_ARG && strstr(err.msg, "into 4 rows of 'dst'"));
    CHECK(hn_tensor_gather_rows(dw, src, r, 0, 2, &err) == HN_ERR_ARG && strstr(err.msg, "rows of 'dw' hold 1"));
    CHECK(hn_tensor_gather_rows(src, src, r, 0, 2, &err) == HN_ERR_ARG && strstr(err.msg, "both source"));
    hn_tensor *small = hn_state(g, "small", 2, (int64_t[]){3, 3});
    CHECK(hn_tensor_gather_rows(dst, small, r, 0, 2, &err) == HN_ERR_ARG && strstr(err.msg, "'small' has 3 rows"));
    hn_rows_free(r);
    CHECK(hn_rows_new(&r, g, 0, &err) == HN_ERR_ARG && r == NULL);
    hn_graph_free(g);
    hn_rows_free(NULL);
}

/* hn_train's device path run on the CPU, so its logic is tested on every
 * machine: a model trained from batches cut out of the resident events by row
 * lists equals, bit for bit, one trained from batches assembled on the host
 * (class balancing, event weights, an L2 penalty; one chunk, and a stream of
 * two chunks put on the device in turn), and agrees with the CPU's own loop. */
typedef struct {
    const hn_dataset *d;
    int next;
} two_chunks;

static hn_status two_rewind(void *u, hn_error *err)
{
    (void)err;
    ((two_chunks *)u)->next = 0;
    return HN_OK;
}

static hn_status two_next(void *u, hn_dataset *c, hn_error *err)
{
    (void)err;
    two_chunks *t = u;
    memset(c, 0, sizeof *c);
    if (t->next < 2) {
        int64_t half = t->d->n / 2, first = t->next ? half : 0, n = t->next ? t->d->n - half : half;
        *c = (hn_dataset){n, t->d->n_features, 1, t->d->x + first * t->d->n_features, t->d->y + first,
                          t->d->w ? t->d->w + first : NULL, 0};
        t->next++;
    }
    return HN_OK;
}

/* Event weights for the path runs: 0.5 to 2, varying from event to event. */
static const float *event_weights(void)
{
    static float ew[N_TRAIN];
    for (int i = 0; i < N_TRAIN; i++)
        ew[i] = 0.5f + (float)(i % 7) * 0.25f;
    return ew;
}

static int train_path(hn_device dev, int path, int streamed, const toy *t, float *pred, hn_error *err)
{
    const float *ew = event_weights();
    hn_layer_spec ls[4] = {dense(32), act(HN_ACT_RELU), dense(16), act(HN_ACT_TANH)};
    hn_model_spec s = {TOY_FEATURES, 1, HN_TASK_BINARY, 4, ls, 3};
    hn_model *m;
    if (hn_model_new(&m, &s, err))
        return -1;
    hn_train_config c = hn_train_config_default();
    c.epochs = 3;
    c.batch_size = 100; /* the last batch of each chunk is short */
    c.balance_classes = 1;
    c.penalty.l2 = 1e-4;
    c.device = dev;
    hn_dataset tr = {N_TRAIN - 50, TOY_FEATURES, 1, (float *)t->x, (float *)t->y, (float *)ew, 0};
    hn_dataset va = {2000, TOY_FEATURES, 1, (float *)t->tx, (float *)t->ty, NULL, 0};
    two_chunks tc = {&tr, 0};
    hn_data_stream st2 = {two_rewind, two_next, &tc, tr.n};
    hn_train_result r;
    hn_train_device_path_on_cpu = path;
    hn_status st = streamed ? hn_train_stream(m, &c, &st2, &tr, &va, &r, err) : hn_train(m, &c, &tr, &va, &r, err);
    hn_train_device_path_on_cpu = 0;
    if (!st) {
        st = hn_model_predict(m, t->tx, N_TEST, pred, err);
        hn_train_result_free(&r);
    }
    hn_model_free(m);
    return st ? -1 : 0;
}

TEST(device_path_resident_rows_equal_host_batches)
{
    hn_error err = {0};
    toy *t = toy_new();
    float *p[3];
    for (int k = 0; k < 3; k++)
        p[k] = malloc(sizeof(float) * N_TEST);
    CHECK(t && p[0] && p[1] && p[2]);
    if (!t || !p[0] || !p[1] || !p[2])
        return;
    for (int streamed = 0; streamed < 2; streamed++) {
        for (int path = 0; path < 3; path++)
            CHECK_OK(train_path(HN_DEVICE_CPU, path, streamed, t, p[path], &err), &err);
        CHECK_MSG(!memcmp(p[1], p[2], sizeof(float) * N_TEST), "%s: resident and host batches differ",
                  streamed ? "two chunks" : "one chunk");
        double d = 0;
        for (int i = 0; i < N_TEST; i++)
            d = fmax(d, fabs((double)p[1][i] - p[0][i]));
        fprintf(stderr, "  %s: largest difference to the CPU loop's predictions %.2g\n",
                streamed ? "two chunks" : "one chunk", d);
        CHECK(d < 1e-3);
    }
    for (int k = 0; k < 3; k++)
        free(p[k]);
    free(t);
}

/* On a device the batch losses are read back in blocks; the progress callback
 * still sees every batch, in order, with the CPU loop's events and running
 * losses (to rounding); a stop request and a non-finite loss end training at
 * the same batch as on the CPU. Run on the CPU through the internal switch. */
typedef struct {
    int n, stop_at;
    int64_t batch[64], done[64];
    double loss[64];
} batch_log;

static int log_batch(const hn_batch_progress *p, void *user)
{
    batch_log *b = user;
    if (b->n < 64) {
        b->batch[b->n] = p->batch;
        b->done[b->n] = p->events_done;
        b->loss[b->n] = p->running_loss;
    }
    b->n++;
    return b->stop_at > 0 && p->epoch == 2 && p->batch == b->stop_at;
}

static hn_status train_logged(hn_device dev, int path, const toy *t, double lr, int stop_at, batch_log *bl,
                              hn_train_result *r, hn_error *err)
{
    hn_layer_spec ls[2] = {dense(16), act(HN_ACT_RELU)};
    hn_model_spec s = {TOY_FEATURES, 1, HN_TASK_BINARY, 2, ls, 9};
    hn_model *m;
    hn_status st = hn_model_new(&m, &s, err);
    if (st)
        return st;
    hn_train_config c = hn_train_config_default();
    c.epochs = 2;
    c.batch_size = 200; /* 21 batches per epoch: a block of 16 and a short one; the last batch short */
    if (lr > 1) /* plain SGD, whose steps grow with the learning rate without bound */
        c.optim = hn_optim_config_default(HN_OPTIM_SGD);
    c.optim.lr = lr;
    c.device = dev;
    c.on_batch = log_batch;
    c.user = bl;
    memset(bl, 0, sizeof *bl);
    bl->stop_at = stop_at;
    hn_dataset tr = {4100, TOY_FEATURES, 1, (float *)t->x, (float *)t->y, NULL, 0};
    hn_train_device_path_on_cpu = path;
    st = hn_train(m, &c, &tr, NULL, r, err);
    hn_train_device_path_on_cpu = 0;
    hn_model_free(m);
    return st;
}

/* The progress seen through the device loop (path 1 on the CPU, or a real
 * device) against the CPU loop: every batch in order with the same events and
 * running losses (within tol), a stop in the middle of a block, and a
 * blown-up loss named at the same batch. */
static void progress_matches_cpu(hn_device dev, int path, double tol)
{
    hn_error err = {0};
    toy *t = toy_new();
    CHECK(t != NULL);
    if (!t)
        return;
    static batch_log cpu, dv;
    hn_train_result r;
    CHECK_OK(train_logged(HN_DEVICE_CPU, 0, t, 1e-3, 0, &cpu, &r, &err), &err);
    hn_train_result_free(&r);
    CHECK_OK(train_logged(dev, path, t, 1e-3, 0, &dv, &r, &err), &err);
    hn_train_result_free(&r);
    CHECK_MSG(cpu.n == 42 && dv.n == 42, "callbacks: CPU %d, device path %d (42 expected)", cpu.n, dv.n);
    for (int i = 0; i < 42 && i < dv.n; i++) {
        CHECK_MSG(dv.batch[i] == cpu.batch[i] && dv.done[i] == cpu.done[i], "callback %d: batch %lld / %lld", i,
                  (long long)dv.batch[i], (long long)cpu.batch[i]);
        CHECK_MSG(fabs(dv.loss[i] - cpu.loss[i]) <= tol * fabs(cpu.loss[i]), "callback %d: loss %.7g vs %.7g", i,
                  dv.loss[i], cpu.loss[i]);
    }
    /* a stop request in the middle of a block */
    CHECK_OK(train_logged(dev, path, t, 1e-3, 5, &dv, &r, &err), &err);
    CHECK(r.interrupted && r.epochs_run == 1 && dv.n == 21 + 5);
    hn_train_result_free(&r);
    /* a learning rate that blows the loss up: the same batch named both ways */
    hn_status a = train_logged(HN_DEVICE_CPU, 0, t, 1e30, 0, &cpu, &r, &err);
    char msg_cpu[HN_ERROR_MSG_MAX];
    snprintf(msg_cpu, sizeof msg_cpu, "%s", err.msg);
    hn_status b = train_logged(dev, path, t, 1e30, 0, &dv, &r, &err);
    CHECK_MSG(a == HN_ERR_NUMERIC && b == HN_ERR_NUMERIC, "statuses %d and %d", (int)a, (int)b);
    fprintf(stderr, "  CPU loop: %s\n  device path: %s\n", msg_cpu, err.msg);
    const char *pa = strstr(msg_cpu, "batch"), *pb = strstr(err.msg, "batch");
    CHECK_MSG(pa && pb && atoi(pa + 6) == atoi(pb + 6) && cpu.n == dv.n, "CPU: %s / device path: %s", msg_cpu,
              err.msg);
    free(t);
}

TEST(device_path_progress_in_blocks)
{
    progress_matches_cpu(HN_DEVICE_CPU, 1, 1e-5);
}

/* --- on a GPU ------------------------------------------------------------------ */

TEST(gpu_auc_matches_cpu)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    toy *t = toy_new();
    CHECK(t != NULL);
    if (!t)
        return;
    double cpu = train_binary(HN_DEVICE_CPU, t, 0, 0, &err);
    CHECK_OK(err.status, &err);
    double gpu = train_binary(HN_DEVICE_CUDA, t, 0, 0, &err);
    CHECK_OK(err.status, &err);
    fprintf(stderr, "  test AUC: CPU %.5f, GPU %.5f\n", cpu, gpu);
    CHECK(cpu > 0.75);
    CHECK_NEAR(gpu, cpu, 0.002);
    /* with an L2 penalty (in the device graph) and dropout */
    double cpu2 = train_binary(HN_DEVICE_CPU, t, 0.2f, 1e-3, &err);
    CHECK_OK(err.status, &err);
    double gpu2 = train_binary(HN_DEVICE_CUDA, t, 0.2f, 1e-3, &err);
    CHECK_OK(err.status, &err);
    fprintf(stderr, "  with L2 and dropout: CPU %.5f, GPU %.5f\n", cpu2, gpu2);
    CHECK(cpu2 > 0.75);
    CHECK_NEAR(gpu2, cpu2, 0.005); /* dropout masks differ between the devices */
    free(t);
}

/* On the GPU the training events stay in device memory (batches cut by row
 * lists); the same run with batches copied from the host gives the same bits. */
TEST(gpu_resident_rows_equal_host_batches)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    toy *t = toy_new();
    float *p[2] = {malloc(sizeof(float) * N_TEST), malloc(sizeof(float) * N_TEST)};
    CHECK(t && p[0] && p[1]);
    if (!t || !p[0] || !p[1])
        return;
    for (int streamed = 0; streamed < 2; streamed++) {
        CHECK_OK(train_path(HN_DEVICE_CUDA, 0, streamed, t, p[0], &err), &err);
        CHECK_OK(train_path(HN_DEVICE_CUDA, 2, streamed, t, p[1], &err), &err);
        CHECK_MSG(!memcmp(p[0], p[1], sizeof(float) * N_TEST), "%s: resident and host batches differ on the GPU",
                  streamed ? "two chunks" : "one chunk");
    }
    free(p[0]);
    free(p[1]);
    free(t);
}

/* The same on the GPU: losses read back 16 batches at a time from the device
 * log, seen by the callback as the CPU loop's (to fp32 rounding over 42 steps). */
TEST(gpu_progress_in_blocks)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    progress_matches_cpu(HN_DEVICE_CUDA, 0, 1e-4);
}

/* Convolution, transposed convolution, pooling and recurrent layers on the
 * GPU: a device model holding the CPU model's values predicts what it does,
 * and two epochs of hn_train from the same start give the CPU's losses within
 * 1e-3 (the products sum in another order, and Adam lets rounding steer the
 * updates of near-zero gradients; every op's gradient is checked to 1e-5 by
 * test_cuda_ops). The losses move by 2-4 % over the two epochs. */
enum { DEEP_N = 1024, DEEP_VAL = 256, DEEP_T = 4, DEEP_V = 3, DEEP_SEQ_IN = 2 + DEEP_T * DEEP_V + DEEP_T };
static const hn_layer_spec DEEP_CNN[] = {
    {.kind = HN_LAYER_RESHAPE, .shape_ndim = 3, .shape = {1, 4, 4}},
    {.kind = HN_LAYER_CONV2D, .units = 4, .kernel = {3, 3}, .stride = 1, .pad = HN_PAD_SAME, .dilation = 1,
     .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
    {.kind = HN_LAYER_CONV2D_TRANSPOSE, .units = 3, .kernel = {2, 2}, .stride = 2, .dilation = 1,
     .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_MAXPOOL, .kernel = {2, 2}},
    {.kind = HN_LAYER_AVGPOOL, .kernel = {2, 2}, .stride = 1},
    {.kind = HN_LAYER_GLOBAL_AVGPOOL},
    {.kind = HN_LAYER_DENSE, .units = 8, .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
};
static const hn_layer_spec DEEP_RNN[] = {
    {.kind = HN_LAYER_SEQUENCE, .offset = -1, .objects = DEEP_T, .vars = DEEP_V},
    {.kind = HN_LAYER_RNN, .cell = HN_RNN_LSTM, .units = 5, .bidirectional = 1, .return_sequences = 1},
    {.kind = HN_LAYER_RNN, .cell = HN_RNN_GRU, .units = 4},
    {.kind = HN_LAYER_DENSE, .units = 6, .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
};

/* n events of width features: normal values, the last `masks` columns 0/1
 * masks (objects present from the front), label x2 + x3 > 0 (the first
 * object's first two variables; pixels of the image's first row). */
static void deep_data(int64_t n, int width, int masks, float *x, float *y)
{
    hn_rng rng;
    hn_rng_seed(&rng, 77);
    for (int64_t i = 0; i < n; i++) {
        float *r = x + i * width;
        for (int k = 0; k < width - masks; k++)
            r[k] = (float)hn_rng_normal(&rng);
        int present = 1 + (int)(hn_rng_u64(&rng) % (uint64_t)(masks > 0 ? masks : 1));
        for (int k = 0; k < masks; k++)
            r[width - masks + k] = k < present ? 1.0f : 0.0f;
        y[i] = r[2] + r[3] > 0.0f ? 1.0f : 0.0f;
    }
}

static void deep_matches_cpu(const char *what, const hn_layer_spec *ls, int nl, int width, int masks)
{
    hn_error err = {0};
    hn_model_spec s = {width, 1, HN_TASK_BINARY, nl, ls, 5};
    float *x = malloc(sizeof(float) * DEEP_N * (size_t)width), *y = malloc(sizeof(float) * DEEP_N);
    float pc[64], pg[64];
    CHECK(x && y);
    if (!x || !y)
        return;
    deep_data(DEEP_N, width, masks, x, y);
    hn_model *a = NULL, *b = NULL;
    CHECK_OK(hn_model_new(&a, &s, &err), &err);
    CHECK_OK(hn_model_new_on(&b, &s, HN_DEVICE_CUDA, &err), &err);
    if (a && b) {
        CHECK_OK(hn_model_copy_values(b, a, &err), &err);
        CHECK_OK(hn_model_predict(a, x, 64, pc, &err), &err);
        CHECK_OK(hn_model_predict(b, x, 64, pg, &err), &err);
        int bad = 0;
        for (int i = 0; i < 64; i++)
            bad += fabsf(pc[i] - pg[i]) > 1e-4f * (1.0f + fabsf(pc[i]));
        CHECK_MSG(bad == 0, "%s: %d of 64 predictions differ between the CPU and the GPU (first %g / %g)", what, bad,
                  pc[0], pg[0]);
    }
    hn_model_free(b);
    double loss[2][2] = {{0, 0}, {0, 0}};
    for (int d = 0; d < 2 && a; d++) {
        hn_model *m = NULL;
        CHECK_OK(hn_model_new(&m, &s, &err), &err);
        if (!m)
            break;
        hn_train_config c = hn_train_config_default();
        c.epochs = 2;
        c.batch_size = 64;
        c.optim.lr = 0.01; /* the loss moves well beyond rounding in 24 steps */
        c.device = d ? HN_DEVICE_CUDA : HN_DEVICE_CPU;
        hn_dataset tr = {DEEP_N - DEEP_VAL, width, 1, x, y, NULL, 0};
        hn_dataset va = {DEEP_VAL, width, 1, x + (DEEP_N - DEEP_VAL) * width, y + DEEP_N - DEEP_VAL, NULL, 0};
        hn_train_result r;
        CHECK_OK(hn_train(m, &c, &tr, &va, &r, &err), &err);
        if (!err.status) {
            for (int e = 0; e < 2 && e < r.epochs_run; e++)
                loss[d][e] = r.history[e].train_loss;
            hn_train_result_free(&r);
        }
        hn_model_free(m);
    }
    fprintf(stderr, "  %s: training loss per epoch, CPU %.6f %.6f, GPU %.6f %.6f\n", what, loss[0][0], loss[0][1],
            loss[1][0], loss[1][1]);
    for (int e = 0; e < 2; e++)
        CHECK_MSG(loss[0][e] > 0 && fabs(loss[1][e] - loss[0][e]) <= 1e-3 * loss[0][e],
                  "%s: epoch %d loss %.6f on the GPU, %.6f on the CPU", what, e + 1, loss[1][e], loss[0][e]);
    hn_model_free(a);
    free(x);
    free(y);
}

TEST(gpu_deep_layers_match_cpu)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    deep_matches_cpu("CNN", DEEP_CNN, (int)(sizeof DEEP_CNN / sizeof DEEP_CNN[0]), 16, 0);
    deep_matches_cpu("LSTM + GRU", DEEP_RNN, (int)(sizeof DEEP_RNN / sizeof DEEP_RNN[0]), DEEP_SEQ_IN, DEEP_T);
}

TEST(gpu_multiclass_regression_checkpoint)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    toy *t = toy_new();
    CHECK(t != NULL);
    if (!t)
        return;
    /* three classes from the toy's probability, batch norm in the network */
    float *y3 = malloc(sizeof(float) * N_TRAIN), *reg = malloc(sizeof(float) * N_TRAIN);
    for (int i = 0; i < N_TRAIN; i++) {
        double p = toy_prob(t->x + i * TOY_FEATURES);
        y3[i] = p < 0.33 ? 0.0f : p < 0.66 ? 1.0f : 2.0f;
        reg[i] = (float)(3.0 * p + 10.0);
    }
    hn_layer_spec ls[3] = {dense(32), {.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f},
                           act(HN_ACT_RELU)};
    hn_model_spec s = {TOY_FEATURES, 3, HN_TASK_MULTICLASS, 3, ls, 5};
    hn_dataset tr = {N_TRAIN - 2000, TOY_FEATURES, 1, t->x, y3, NULL, 0};
    hn_dataset va = {2000, TOY_FEATURES, 1, t->x + (N_TRAIN - 2000) * TOY_FEATURES, y3 + N_TRAIN - 2000, NULL, 0};
    char ckpt[64];
    snprintf(ckpt, sizeof ckpt, "cuda_train_%d.ckpt", (int)getpid());
    double loss[2];
    for (int k = 0; k < 2; k++) {
        hn_model *m;
        CHECK_OK(hn_model_new(&m, &s, &err), &err);
        hn_train_config c = hn_train_config_default();
        c.epochs = 3;
        c.optim.lr = 1e-2;
        c.device = k ? HN_DEVICE_CUDA : HN_DEVICE_CPU;
        c.checkpoint = k ? ckpt : NULL;
        hn_train_result r;
        CHECK_OK(hn_train(m, &c, &tr, &va, &r, &err), &err);
        loss[k] = r.history ? r.history[r.epochs_run - 1].val_loss : NAN;
        hn_train_result_free(&r);
        if (k) {
            /* the checkpoint written from the device resumes on the CPU */
            hn_model *m2;
            CHECK_OK(hn_model_new(&m2, &s, &err), &err);
            c.device = HN_DEVICE_CPU;
            c.checkpoint = NULL;
            c.resume = ckpt;
            c.epochs = 4;
            CHECK_OK(hn_train(m2, &c, &tr, &va, &r, &err), &err);
            CHECK(r.epochs_run == 4 && r.history && r.history[3].val_loss < 1.2 * loss[1]);
            hn_train_result_free(&r);
            hn_model_free(m2);
        }
        hn_model_free(m);
    }
    remove(ckpt);
    /* the class priors' entropy is near ln 3 = 1.0986: both must be below it, and agree */
    fprintf(stderr, "  multi-class validation loss: CPU %.4f, GPU %.4f\n", loss[0], loss[1]);
    CHECK(loss[0] < 1.08 && fabs(loss[1] - loss[0]) < 0.02);
    /* regression: the target standardisation travels to the device and back */
    hn_model_spec sr = {TOY_FEATURES, 1, HN_TASK_REGRESSION, 3, ls, 5};
    hn_dataset rtr = {N_TRAIN, TOY_FEATURES, 1, t->x, reg, NULL, 0};
    double mse[2] = {0, 0}, var = 0, mean = 0;
    float pred[1000];
    hn_model *m = NULL;
    for (int i = 0; i < 1000; i++)
        mean += reg[i] / 1000.0;
    for (int i = 0; i < 1000; i++)
        var += (reg[i] - mean) * (reg[i] - mean) / 1000.0;
    for (int k = 0; k < 2; k++) {
        hn_model_free(m);
        CHECK_OK(hn_model_new(&m, &sr, &err), &err);
        hn_train_config c = hn_train_config_default();
        c.epochs = 5;
        c.optim.lr = 1e-2;
        c.device = k ? HN_DEVICE_CUDA : HN_DEVICE_CPU;
        hn_train_result r;
        CHECK_OK(hn_train(m, &c, &rtr, NULL, &r, &err), &err);
        hn_train_result_free(&r);
        CHECK_OK(hn_model_predict(m, t->x, 1000, pred, &err), &err);
        for (int i = 0; i < 1000; i++)
            mse[k] += (pred[i] - reg[i]) * (pred[i] - reg[i]) / 1000.0;
    }
    fprintf(stderr, "  regression MSE: CPU %.4f, GPU %.4f (target variance %.4f)\n", mse[0], mse[1], var);
    CHECK(mse[0] < 0.5 * var && fabs(mse[1] - mse[0]) < 0.1 * mse[0] + 0.01 * var);
    /* a model on the device itself predicts, and refuses to be saved */
    hn_model *dm;
    CHECK_OK(hn_model_new_on(&dm, &sr, HN_DEVICE_CUDA, &err), &err);
    CHECK_OK(hn_model_copy_values(dm, m, &err), &err);
    float dpred[16];
    CHECK_OK(hn_model_predict(dm, t->x, 16, dpred, &err), &err);
    CHECK_OK(hn_model_predict(m, t->x, 16, pred, &err), &err);
    for (int i = 0; i < 16; i++)
        CHECK_NEAR(dpred[i], pred[i], 1e-4 * fabs(pred[i]));
    CHECK(hn_model_save(dm, "never.hnn", &err) == HN_ERR_UNSUPPORTED);
    hn_model_free(dm);
    hn_model_free(m);
    free(y3);
    free(reg);
    free(t);
}

int main(void)
{
    RUN(penalty_in_graph_matches_penalty_add);
    RUN(copy_values_between_models);
    RUN(device_training_refused_without_device);
    RUN(gather_rows_on_cpu);
    RUN(device_path_resident_rows_equal_host_batches);
    RUN(device_path_progress_in_blocks);
    RUN(gpu_auc_matches_cpu);
    RUN(gpu_resident_rows_equal_host_batches);
    RUN(gpu_progress_in_blocks);
    RUN(gpu_multiclass_regression_checkpoint);
    RUN(gpu_deep_layers_match_cpu);
    return TEST_SUMMARY();
}
