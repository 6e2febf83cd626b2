/* Training control: early stopping restores the best epoch, L1 sparsifies and
 * L2 shrinks, class balancing, multi-class, weights, callbacks, and
 * checkpoint/resume equal to an uninterrupted run. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include <omp.h>

#include "core/fpmode.h"
#include "harness.h"
#include "hepnn/train.h"
#include "toy_data.h"

static char tmpdir[256];

static hn_model *new_model(int n_in, int n_out, hn_task task, const hn_layer_spec *layers, int n_layers, uint64_t seed)
{
    hn_model_spec spec = {.n_inputs = n_in, .n_outputs = n_out, .task = task, .n_layers = n_layers,
                          .layers = layers, .seed = seed};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    return m;
}

static const hn_layer_spec BIG[] = {{.kind = HN_LAYER_DENSE, .units = 128, .init = HN_INIT_HE_UNIFORM},
                                    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
                                    {.kind = HN_LAYER_DENSE, .units = 128, .init = HN_INIT_HE_UNIFORM},
                                    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU}};

/* A large network on few noisy events overfits: the validation loss falls,
 * then rises; training stops after `patience` bad epochs and the weights of
 * the best epoch come back. */
TEST(early_stopping_restores_best_epoch)
{
    enum { NTR = 150, NVA = 2000 };
    static float xtr[NTR * 5], ytr[NTR], xva[NVA * 5], yva[NVA];
    toy_generate(NTR, 21, xtr, ytr, NULL);
    toy_generate(NVA, 22, xva, yva, NULL);
    hn_dataset tr = {NTR, 5, 1, xtr, ytr, NULL, 0}, va = {NVA, 5, 1, xva, yva, NULL, 0};
    hn_model *m = new_model(5, 1, HN_TASK_BINARY, BIG, 4, 5);
    hn_train_config cfg = hn_train_config_default();
    cfg.optim.lr = 3e-3;
    cfg.epochs = 300;
    cfg.batch_size = 32;
    cfg.patience = 10;
    hn_train_result r;
    hn_error err = {0};
    CHECK_OK(hn_train(m, &cfg, &tr, &va, &r, &err), &err);
    fprintf(stderr, "  stopped after %d epochs, best %d (val loss %.4f)\n", r.epochs_run, r.best_epoch,
            r.best_val_loss);
    CHECK(r.stopped_early && r.epochs_run < 300);
    CHECK(r.best_epoch >= 1 && r.epochs_run == r.best_epoch + cfg.patience);
    /* the validation loss rose after the best epoch, while the training loss kept falling */
    double after = r.history[r.epochs_run - 1].val_loss;
    CHECK(after > r.best_val_loss);
    CHECK(r.history[r.epochs_run - 1].train_loss < r.history[r.best_epoch - 1].train_loss);
    int marked = 0;
    for (int i = 0; i < r.epochs_run; i++)
        marked += r.history[i].best && r.history[i].epoch == r.best_epoch;
    CHECK(marked == 1);
    /* the restored weights give the best validation loss */
    double restored = 0;
    CHECK_OK(hn_model_evaluate(m, &va, &restored, NULL, &err), &err);
    CHECK_NEAR(restored, r.best_val_loss, 1e-6);
    CHECK(restored < after);
    hn_train_result_free(&r);
    hn_model_free(m);
}

static void weight_stats(hn_model *m, double *l2norm, double *near_zero_frac)
{
    hn_graph *g = hn_model_get_io(m).graph;
    double s = 0;
    int64_t n = 0, small = 0;
    for (int i = 0; i < hn_graph_num_params(g); i++) {
        if (!hn_model_param_decays(m, i))
            continue;
        hn_tensor *p = hn_graph_param(g, i);
        for (int64_t k = 0; k < hn_tensor_numel(p); k++) {
            float v = hn_tensor_data(p)[k];
            s += (double)v * v;
            small += fabsf(v) < 1e-2f;
            n++;
        }
    }
    *l2norm = sqrt(s);
    *near_zero_frac = (double)small / (double)n;
}

/* L1 makes the weights sparse; L2 shrinks their norm (same seed, data, steps). */
TEST(l1_sparsifies_l2_shrinks)
{
    enum { N = 1000 };
    static float x[N * 5], y[N];
    toy_generate(N, 31, x, y, NULL);
    hn_dataset d = {N, 5, 1, x, y, NULL, 0};
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 32, .init = HN_INIT_XAVIER_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_TANH}};
    double norm[3], zero[3];
    for (int k = 0; k < 3; k++) {
        hn_model *m = new_model(5, 1, HN_TASK_BINARY, layers, 2, 8);
        hn_train_config cfg = hn_train_config_default();
        cfg.optim = hn_optim_config_default(HN_OPTIM_SGD);
        cfg.optim.lr = 0.05;
        cfg.epochs = 30;
        cfg.batch_size = 50;
        if (k == 1)
            cfg.penalty.l1 = 1e-2;
        if (k == 2)
            cfg.penalty.l2 = 3e-2;
        hn_train_result r;
        hn_error err = {0};
        CHECK_OK(hn_train(m, &cfg, &d, NULL, &r, &err), &err);
        weight_stats(m, &norm[k], &zero[k]);
        hn_train_result_free(&r);
        hn_model_free(m);
    }
    fprintf(stderr, "  |w|: none %.3f, L1 %.3f, L2 %.3f; |w| < 1e-2: none %.2f, L1 %.2f, L2 %.2f\n", norm[0], norm[1],
            norm[2], zero[0], zero[1], zero[2]);
    CHECK(zero[1] > zero[0] + 0.2); /* L1: many weights pinned near zero */
    CHECK(norm[2] < 0.8 * norm[0]); /* L2: a smaller norm */
}

/* With balanced classes, a network that can learn nothing (noise features)
 * outputs about 0.5 on a 10 % signal sample; without, about the signal fraction. */
TEST(class_balancing)
{
    enum { N = 2000 };
    static float x[N * 2], y[N], w[N];
    hn_rng rng;
    hn_rng_seed(&rng, 3);
    for (int i = 0; i < N; i++) {
        x[2 * i] = (float)hn_rng_normal(&rng);
        x[2 * i + 1] = (float)hn_rng_normal(&rng);
        y[i] = i % 10 == 0;
        w[i] = 0.5f + (float)hn_rng_uniform(&rng); /* event weights go through balancing too */
    }
    hn_dataset d = {N, 2, 1, x, y, w, 0};
    double mean[2];
    for (int bal = 0; bal < 2; bal++) {
        hn_model *m = new_model(2, 1, HN_TASK_BINARY, NULL, 0, 4);
        hn_train_config cfg = hn_train_config_default();
        cfg.epochs = 60;
        cfg.optim.lr = 3e-2;
        cfg.balance_classes = bal;
        hn_train_result r;
        hn_error err = {0};
        CHECK_OK(hn_train(m, &cfg, &d, NULL, &r, &err), &err);
        static float out[N];
        CHECK_OK(hn_model_predict(m, x, N, out, &err), &err);
        mean[bal] = 0;
        for (int i = 0; i < N; i++)
            mean[bal] += out[i] / N;
        hn_train_result_free(&r);
        hn_model_free(m);
    }
    fprintf(stderr, "  mean output: unbalanced %.3f, balanced %.3f\n", mean[0], mean[1]);
    CHECK(fabs(mean[0] - 0.1) < 0.05);
    CHECK(fabs(mean[1] - 0.5) < 0.05);
}

/* Three classes by the sign pattern of two features; validation accuracy is the metric. */
TEST(multiclass_learns)
{
    enum { N = 1500 };
    static float x[N * 2], y[N];
    hn_rng rng;
    hn_rng_seed(&rng, 5);
    for (int i = 0; i < N; i++) {
        float a = (float)hn_rng_normal(&rng), b = (float)hn_rng_normal(&rng);
        x[2 * i] = a;
        x[2 * i + 1] = b;
        y[i] = a > 0 ? (b > 0 ? 0.0f : 1.0f) : 2.0f;
    }
    hn_dataset tr = {1000, 2, 1, x, y, NULL, 0}, va = {500, 2, 1, x + 2000, y + 1000, NULL, 0};
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 16, .init = HN_INIT_HE_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU}};
    hn_model *m = new_model(2, 3, HN_TASK_MULTICLASS, layers, 2, 6);
    hn_train_config cfg = hn_train_config_default();
    cfg.epochs = 40;
    cfg.batch_size = 32;
    cfg.optim.lr = 1e-2;
    hn_train_result r;
    hn_error err = {0};
    CHECK_OK(hn_train(m, &cfg, &tr, &va, &r, &err), &err);
    double acc = r.history[r.epochs_run - 1].val_metric;
    fprintf(stderr, "  validation accuracy %.3f\n", acc);
    CHECK(acc > 0.95);
    hn_train_result_free(&r);
    /* a label outside the classes is refused, naming the event */
    y[7] = 3.0f;
    CHECK(hn_train(m, &cfg, &tr, &va, &r, &err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err.msg, "target 3 of event 7 is not a class index") != NULL, "%s", err.msg);
    y[7] = NAN;
    x[9] = INFINITY;
    CHECK(hn_train(m, &cfg, &tr, &va, &r, &err) == HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err.msg, "feature 1 of event 4 is inf") != NULL, "%s", err.msg);
    hn_model_free(m);
}

static int stop_at_batch_5(const hn_batch_progress *p, void *user)
{
    (*(int *)user)++;
    return p->epoch == 2 && p->batch == 5;
}

/* A callback can stop training after the current batch (Ctrl-C). */
TEST(callback_stops_training)
{
    enum { N = 640 };
    static float x[N * 5], y[N];
    toy_generate(N, 41, x, y, NULL);
    hn_dataset d = {N, 5, 1, x, y, NULL, 0};
    hn_model *m = new_model(5, 1, HN_TASK_BINARY, NULL, 0, 1);
    hn_train_config cfg = hn_train_config_default();
    cfg.batch_size = 64;
    int calls = 0;
    cfg.on_batch = stop_at_batch_5;
    cfg.user = &calls;
    hn_train_result r;
    hn_error err = {0};
    CHECK_OK(hn_train(m, &cfg, &d, NULL, &r, &err), &err);
    CHECK(r.interrupted && r.epochs_run == 1 && calls == 15);
    hn_train_result_free(&r);
    hn_model_free(m);
}

/* Whether a subnormal result survives on this thread (0 when flushed). */
static int subnormal_survives(void)
{
    volatile float a = 1e-30f, b = 1e-10f;
    volatile float c = a * b; /* 1e-40: subnormal */
    return c != 0.0f;
}

/* How many of the OpenMP threads (and the caller) keep subnormals. */
static int threads_keeping_subnormals(void)
{
    int n = 0;
#pragma omp parallel num_threads(omp_get_max_threads()) reduction(+ : n)
    n += subnormal_survives();
    return n + subnormal_survives();
}

static int record_fp_mode(const hn_batch_progress *p, void *user)
{
    (void)p;
    int *seen = user;
    seen[0]++;
    seen[1] += threads_keeping_subnormals();
    return 0;
}

/* While hn_train runs, the caller's thread and the OpenMP workers flush
 * subnormal floats to zero (unless keep_subnormals); afterwards every thread
 * has its IEEE mode back. */
TEST(subnormals_flushed_while_training)
{
    hn_fp_scope probe;
    hn_fp_flush_begin(&probe);
    int can_flush = probe.active;
    hn_fp_flush_end(&probe);
    if (!can_flush)
        SKIP("no flush-to-zero mode on this architecture");
    if (!subnormal_survives())
        SKIP("this thread flushes subnormals already");
    enum { N = 256 };
    static float x[N * 5], y[N];
    toy_generate(N, 43, x, y, NULL);
    hn_dataset d = {N, 5, 1, x, y, NULL, 0};
    int threads = omp_get_max_threads() + 1;
    for (int keep = 0; keep < 2; keep++) {
        hn_model *m = new_model(5, 1, HN_TASK_BINARY, NULL, 0, 1);
        hn_train_config cfg = hn_train_config_default();
        cfg.epochs = 1;
        cfg.batch_size = 64;
        cfg.keep_subnormals = keep;
        int seen[2] = {0, 0};
        cfg.on_batch = record_fp_mode;
        cfg.user = seen;
        hn_train_result r;
        hn_error err = {0};
        CHECK_OK(hn_train(m, &cfg, &d, NULL, &r, &err), &err);
        hn_train_result_free(&r);
        hn_model_free(m);
        CHECK_MSG(seen[0] == 4 && seen[1] == (keep ? seen[0] * threads : 0),
                  "keep_subnormals %d: %d batches, %d thread-batches kept subnormals", keep, seen[0], seen[1]);
        CHECK_MSG(threads_keeping_subnormals() == threads, "after training: %d of %d threads keep subnormals",
                  threads_keeping_subnormals(), threads);
    }
}

/* Training 6 epochs at once equals 3 epochs, a checkpoint, and resuming into
 * a fresh model for the other 3: bit-identical weights (dropout and batch
 * normalisation included, so both generators and the statistics are saved). */
TEST(checkpoint_resume_is_bit_identical)
{
    enum { NTR = 600, NVA = 300 };
    static float xtr[NTR * 5], ytr[NTR], xva[NVA * 5], yva[NVA];
    toy_generate(NTR, 51, xtr, ytr, NULL);
    toy_generate(NVA, 52, xva, yva, NULL);
    hn_dataset tr = {NTR, 5, 1, xtr, ytr, NULL, 0}, va = {NVA, 5, 1, xva, yva, NULL, 0};
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 24, .init = HN_INIT_HE_NORMAL},
                              {.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
                              {.kind = HN_LAYER_DROPOUT, .rate = 0.2f}};
    char ckpt[512];
    snprintf(ckpt, sizeof ckpt, "%s/run.ckpt", tmpdir);
    hn_error err = {0};
    hn_train_config cfg = hn_train_config_default();
    cfg.epochs = 6;
    cfg.batch_size = 50;
    cfg.optim = hn_optim_config_default(HN_OPTIM_ADAMW);
    cfg.schedule = (hn_schedule){.kind = HN_SCHED_STEP, .step_size = 2, .gamma = 0.5};
    hn_train_result r1, r2, r3;
    hn_model *a = new_model(5, 1, HN_TASK_BINARY, layers, 4, 77);
    CHECK_OK(hn_train(a, &cfg, &tr, &va, &r1, &err), &err);

    hn_model *b = new_model(5, 1, HN_TASK_BINARY, layers, 4, 77);
    hn_train_config part = cfg;
    part.epochs = 3;
    part.checkpoint = ckpt;
    part.restore_best = 0;
    CHECK_OK(hn_train(b, &part, &tr, &va, &r2, &err), &err);
    hn_model *c = new_model(5, 1, HN_TASK_BINARY, layers, 4, 12345); /* other initial weights: all overwritten */
    hn_train_config rest = cfg;
    rest.resume = ckpt;
    CHECK_OK(hn_train(c, &rest, &tr, &va, &r3, &err), &err);
    CHECK(r3.epochs_run == 6 && r2.epochs_run == 3);
    CHECK(r3.best_epoch == r1.best_epoch);
    hn_graph *ga = hn_model_get_io(a).graph, *gc = hn_model_get_io(c).graph;
    int differ = 0;
    for (int i = 0; i < hn_graph_num_persistent(ga); i++) {
        hn_tensor *ta = hn_graph_persistent(ga, i), *tc = hn_graph_persistent(gc, i);
        differ += memcmp(hn_tensor_data(ta), hn_tensor_data(tc), sizeof(float) * (size_t)hn_tensor_numel(ta)) != 0;
    }
    CHECK_MSG(differ == 0, "%d tensors differ after resuming", differ);
    for (int e = 0; e < 6; e++)
        CHECK(r1.history[e].val_loss == r3.history[e].val_loss && r1.history[e].lr == r3.history[e].lr);
    /* a corrupted checkpoint is refused */
    FILE *f = fopen(ckpt, "r+b");
    if (f) {
        fseek(f, 100, SEEK_SET);
        fputc(0x42, f);
        fclose(f);
    }
    hn_train_result r4;
    CHECK(hn_train(c, &rest, &tr, &va, &r4, &err) == HN_ERR_FORMAT);
    CHECK(strstr(err.msg, "checksum mismatch") != NULL);
    /* and so is one for another architecture */
    part.epochs = 1;
    CHECK_OK(hn_train(b, &part, &tr, &va, &r4, &err), &err);
    hn_train_result_free(&r4);
    hn_model *other = new_model(5, 1, HN_TASK_BINARY, layers, 1, 1); /* no batch norm */
    CHECK(hn_train(other, &rest, &tr, &va, &r4, &err) == HN_ERR_FORMAT);
    CHECK(strstr(err.msg, "another model architecture") != NULL);
    hn_train_result_free(&r1);
    hn_train_result_free(&r2);
    hn_train_result_free(&r3);
    hn_model_free(a);
    hn_model_free(b);
    hn_model_free(c);
    hn_model_free(other);
}

/* A stream of three chunks in memory. */
typedef struct {
    const hn_dataset *d;
    int64_t chunk, next;
    int rewinds;
} chunks;

static hn_status chunks_rewind(void *user, hn_error *err)
{
    (void)err;
    chunks *c = user;
    c->next = 0;
    c->rewinds++;
    return HN_OK;
}

static hn_status chunks_next(void *user, hn_dataset *out, hn_error *err)
{
    (void)err;
    chunks *c = user;
    int64_t n = c->d->n - c->next < c->chunk ? c->d->n - c->next : c->chunk;
    *out = (hn_dataset){n, c->d->n_features, 1, c->d->x + c->next * c->d->n_features, c->d->y + c->next, NULL, 0};
    c->next += n;
    return HN_OK;
}

/* Streaming chunk by chunk (without shuffling, chunks a multiple of the
 * batch) takes the same steps as training on all events at once. */
TEST(streaming_equals_training_in_memory)
{
    enum { N = 300 };
    static float x[N * 5], y[N];
    toy_generate(N, 61, x, y, NULL);
    hn_dataset d = {N, 5, 1, x, y, NULL, 0};
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 16, .init = HN_INIT_HE_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU}};
    hn_train_config cfg = hn_train_config_default();
    cfg.epochs = 4;
    cfg.batch_size = 50;
    cfg.shuffle = 0;
    hn_error err = {0};
    hn_train_result r1, r2;
    hn_model *a = new_model(5, 1, HN_TASK_BINARY, layers, 2, 9), *b = new_model(5, 1, HN_TASK_BINARY, layers, 2, 9);
    CHECK_OK(hn_train(a, &cfg, &d, &d, &r1, &err), &err);
    chunks c = {&d, 100, 0, 0};
    hn_data_stream s = {chunks_rewind, chunks_next, &c, N};
    CHECK_OK(hn_train_stream(b, &cfg, &s, &d, &d, &r2, &err), &err);
    CHECK(c.rewinds == 4);
    hn_graph *ga = hn_model_get_io(a).graph, *gb = hn_model_get_io(b).graph;
    int differ = 0;
    for (int i = 0; i < hn_graph_num_persistent(ga); i++) {
        hn_tensor *ta = hn_graph_persistent(ga, i), *tb = hn_graph_persistent(gb, i);
        differ += memcmp(hn_tensor_data(ta), hn_tensor_data(tb), sizeof(float) * (size_t)hn_tensor_numel(ta)) != 0;
    }
    CHECK(differ == 0);
    CHECK(r1.history[3].train_loss == r2.history[3].train_loss);
    hn_train_result_free(&r1);
    hn_train_result_free(&r2);
    hn_model_free(a);
    hn_model_free(b);
}

TEST(splits_are_reproducible)
{
    hn_split s1, s2;
    hn_error err = {0};
    CHECK_OK(hn_split_fractions(1000, 0.2, 0.1, 9, &s1, &err), &err);
    CHECK_OK(hn_split_fractions(1000, 0.2, 0.1, 9, &s2, &err), &err);
    CHECK(s1.n_train == 700 && s1.n_val == 200 && s1.n_test == 100);
    CHECK(!memcmp(s1.val, s2.val, sizeof(int64_t) * 200));
    char seen[1000] = {0};
    for (int i = 0; i < 700; i++)
        seen[s1.train[i]]++;
    for (int i = 0; i < 200; i++)
        seen[s1.val[i]]++;
    for (int i = 0; i < 100; i++)
        seen[s1.test[i]]++;
    int once = 0;
    for (int i = 0; i < 1000; i++)
        once += seen[i] == 1;
    CHECK(once == 1000);
    hn_split_free(&s2);
    CHECK(hn_split_fractions(10, 0.6, 0.5, 1, &s2, &err) == HN_ERR_ARG);
    hn_split_free(&s1);
    hn_split_free(&s2);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/hepnn-test-train-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(early_stopping_restores_best_epoch);
    RUN(l1_sparsifies_l2_shrinks);
    RUN(class_balancing);
    RUN(multiclass_learns);
    RUN(callback_stops_training);
    RUN(subnormals_flushed_while_training);
    RUN(checkpoint_resume_is_bit_identical);
    RUN(streaming_equals_training_in_memory);
    RUN(splits_are_reproducible);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return TEST_SUMMARY();
}
