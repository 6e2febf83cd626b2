/* hepnn's side of the benchmark suite (bench/run.sh drives it and the peers).
 *
 *   hepnn_bench gen   --n N --seed S --out PREFIX       PREFIX.X.npy (N, 28), PREFIX.y.npy (N)
 *   hepnn_bench train --data PREFIX --batch B [--reps R] [--n N] [--skip elementwise|optimizer|both]
 *                     (--skip: diagnostics, the step without those parts: where the time goes)
 *   hepnn_bench infer --data PREFIX [--calls C] [--big B] [--big-reps R]
 *   hepnn_bench sgemm --batch B [--reps R]              the OpenBLAS ceiling at the MLP's shapes
 *   hepnn_bench root  --n N --file F.root [--keep]      ROOT tree -> training dataset
 *   hepnn_bench scale --n N [--batch B]                 one epoch on N generated events, peak RSS
 *   hepnn_bench auc   --data PREFIX --n N --n-test M --epochs E --seed S [--batch B] [--scores F.npy]
 *                     [--init he|xavier]
 *                     trains E epochs on the first N events, test AUC on the last M (training quality)
 *
 * Common option: --threads T (default 2): hepnn's kernel and BLAS threads.
 * Every measurement is one JSON line on stdout. The MLP is 28-300-300-300-1,
 * ReLU, sigmoid + binary cross-entropy, Adam (lr 1e-3): the peers' network. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "higgs_like.h"
#include "hepnn/dataset.h"
#include "hepnn/infer.h"
#include "hepnn/metrics.h"
#include "hepnn/model.h"
#include "hepnn/npy.h"
#include "hepnn/root_write.h"
#include "hepnn/threads.h"
#include "hepnn/train.h"
#include "backend/cpu/cpu.h"
#include "train/train_internal.h"

#define F HL_N_FEATURES
static const int64_t hidden[3] = {300, 300, 300};

typedef struct {
    const char *data, *out, *file, *scores;
    int64_t n, batch, big, n_test;
    int reps, big_reps, calls, threads, blas_threads, keep, epochs;
    int skip; /* train: hn_train_skip flags (diagnostics) */
    hn_init_kind init; /* auc: the hidden layers' initialiser */
    uint64_t seed;
} opts;

typedef struct {
    const char *name;
    int ta, tb, m, n, k;
} gemm_shape;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static void die(const char *what, const hn_error *err)
{
    fprintf(stderr, "hepnn_bench: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory", NULL);
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* --- data ------------------------------------------------------------------- */

/* Reads PREFIX.X.npy and PREFIX.y.npy; all events when all, else the first o->n. */
static void load_rows(const opts *o, hn_dataset *d, int all)
{
    char path[1024];
    hn_error err = {0};
    hn_npy_array X = {0}, Y = {0};
    snprintf(path, sizeof path, "%s.X.npy", o->data);
    if (hn_npy_read(path, 1, &X, &err))
        die(path, &err);
    snprintf(path, sizeof path, "%s.y.npy", o->data);
    if (hn_npy_read(path, 1, &Y, &err))
        die(path, &err);
    if (X.ndim != 2 || X.shape[1] != F || Y.size != X.shape[0])
        die("data: expected X (n, 28) and y (n)", NULL);
    int64_t n = X.shape[0];
    if (!all && o->n > 0 && o->n < n)
        n = o->n;
    memset(d, 0, sizeof *d);
    d->n = n;
    d->n_features = F;
    d->n_targets = 1;
    d->x = X.f32;
    d->y = Y.f32;
    d->owned = 1;
}

static void load(const opts *o, hn_dataset *d)
{
    load_rows(o, d, 0);
}

static void generate(int64_t n, uint64_t seed, hn_dataset *d)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->n_features = F;
    d->n_targets = 1;
    d->x = xmalloc(sizeof(float) * (size_t)(n * F));
    d->y = xmalloc(sizeof(float) * (size_t)n);
    d->owned = 1;
    hl_generate(n, seed, d->x, d->y);
}

static int cmd_gen(const opts *o)
{
    hn_dataset d;
    double t0 = now();
    generate(o->n, o->seed, &d);
    char path[1024];
    hn_error err = {0};
    snprintf(path, sizeof path, "%s.X.npy", o->out);
    if (hn_npy_write(path, HN_NPY_F4, 2, (int64_t[]){d.n, F}, d.x, &err))
        die(path, &err);
    snprintf(path, sizeof path, "%s.y.npy", o->out);
    if (hn_npy_write(path, HN_NPY_F4, 1, &d.n, d.y, &err))
        die(path, &err);
    double s = 0;
    for (int64_t i = 0; i < d.n; i++)
        s += d.y[i];
    printf("{\"bench\":\"gen\",\"events\":%lld,\"signal_fraction\":%.4f,\"seconds\":%.3f}\n", (long long)d.n,
           s / (double)d.n, now() - t0);
    hn_dataset_free(&d);
    return 0;
}

/* --- the MLP ---------------------------------------------------------------- */

static hn_model *mlp_init(uint64_t seed, hn_init_kind init)
{
    hn_layer_spec layers[6];
    memset(layers, 0, sizeof layers);
    for (int i = 0; i < 3; i++) {
        layers[2 * i] = (hn_layer_spec){.kind = HN_LAYER_DENSE, .units = hidden[i], .init = init};
        layers[2 * i + 1] = (hn_layer_spec){.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU};
    }
    hn_model_spec s = {F, 1, HN_TASK_BINARY, 6, layers, seed};
    hn_model *m;
    hn_error err = {0};
    if (hn_model_new(&m, &s, &err))
        die("model", &err);
    return m;
}

static hn_model *mlp(uint64_t seed)
{
    return mlp_init(seed, HN_INIT_HE_UNIFORM);
}

/* Multiply-adds of one event's forward pass. */
static double mlp_macs(void)
{
    double macs = 0;
    int64_t in = F;
    for (int i = 0; i < 3; i++) {
        macs += (double)(in * hidden[i]);
        in = hidden[i];
    }
    return macs + (double)in;
}

static hn_train_config train_config(int64_t batch, int epochs)
{
    hn_train_config c = hn_train_config_default();
    c.optim = hn_optim_config_default(HN_OPTIM_ADAM);
    c.optim.lr = 1e-3;
    c.epochs = epochs;
    c.batch_size = batch;
    c.seed = 1234;
    return c;
}

/* Trains epochs on d (on_batch called after each batch when not NULL);
 * returns the seconds of the last epoch. */
static double train_epochs(hn_model *m, const hn_dataset *d, int64_t batch, int epochs, hn_train_result *r,
                           int (*on_batch)(const hn_batch_progress *, void *), void *user)
{
    hn_train_config c = train_config(batch, epochs);
    c.on_batch = on_batch;
    c.user = user;
    hn_error err = {0};
    if (hn_train(m, &c, d, NULL, r, &err))
        die("train", &err);
    return r->history[r->epochs_run - 1].seconds;
}

static int step_shapes(int B, gemm_shape sh[12]);
static double time_gemm(const gemm_shape *s, int reps, int split, float *a, float *b, float *c);
static void gemm_operands(int B, float **a, float **b, float **c);

/* The sgemm ceiling measured between training batches. Every `every` batches
 * the callback runs each product of a step on its own operands, once to bring
 * them into cache and once timed, through the same call and threads as the
 * training step (hn_cpu_sgemm: no second thread pool woken mid-run), scaled
 * per shape by f = min(1, OpenBLAS's best / that call), both measured in hot
 * loops before training: so a probe is never slower than the faster of
 * OpenBLAS's own threads and hepnn's split. Its seconds are taken out of the
 * epoch's. The probes sample the machine's speed while the epoch runs, and the
 * epoch's ceiling is their mean (not their median: on a shared VM the speed
 * jumps between modes 1.6x apart within seconds, and the epoch's time is a
 * sum over both), so the ratio does not move with the machine's speed. */
#define PROBE_MAX_EPOCHS 64
typedef struct {
    gemm_shape sh[12];
    int ns, every;
    double f[12];
    float *a, *b, *c;
    double spent[PROBE_MAX_EPOCHS];  /* seconds probing, per epoch */
    double *step[PROBE_MAX_EPOCHS];  /* each probe's step seconds, per epoch */
    int n[PROBE_MAX_EPOCHS], cap[PROBE_MAX_EPOCHS];
} probe;

static int probe_batch(const hn_batch_progress *p, void *user)
{
    probe *q = user;
    int e = p->epoch - 1;
    if (p->batch % q->every || e < 0 || e >= PROBE_MAX_EPOCHS)
        return 0;
    double t0 = now(), step = 0;
    for (int s = 0; s < q->ns; s++) {
        const gemm_shape *g = &q->sh[s];
        int lda = g->ta ? g->m : g->k, ldb = g->tb ? g->k : g->n;
        double t1 = 0;
        for (int i = 0; i < 2; i++) {
            t1 = now();
            hn_cpu_sgemm(g->ta, g->tb, g->m, g->n, g->k, 1.0f, q->a, lda, q->b, ldb, 0.0f, q->c, g->n);
        }
        step += q->f[s] * (now() - t1);
    }
    if (q->n[e] == q->cap[e]) {
        q->cap[e] = q->cap[e] ? 2 * q->cap[e] : 64;
        double *v = realloc(q->step[e], sizeof(double) * (size_t)q->cap[e]);
        if (!v)
            die("out of memory", NULL);
        q->step[e] = v;
    }
    q->step[e][q->n[e]++] = step;
    q->spent[e] += now() - t0;
    return 0;
}

/* f per shape: OpenBLAS's best (1 or 2 threads, more when the run has them)
 * over hepnn's call on the run's threads, in hot loops measured in turn, the
 * median of three rounds (the machine's speed can change between two loops). */
static void probe_init(probe *q, const opts *o)
{
    memset(q, 0, sizeof *q);
    int B = (int)o->batch, tmax = o->threads > 2 ? o->threads : 2, kt = hn_threads_kernel(), bt = hn_threads_blas();
    q->ns = step_shapes(B, q->sh);
    q->every = 16;
    gemm_operands(B, &q->a, &q->b, &q->c);
    for (int s = 0; s < q->ns; s++) {
        double r[3];
        for (int k = 0; k < 3; k++) {
            double ob = 1e30;
            for (int th = 1; th <= tmax; th++) {
                hn_threads_set(0, th, NULL);
                double t = time_gemm(&q->sh[s], 1, 0, q->a, q->b, q->c);
                ob = t < ob ? t : ob;
            }
            hn_threads_set(kt, bt, NULL);
            r[k] = ob / time_gemm(&q->sh[s], 1, 1, q->a, q->b, q->c);
        }
        double f = median(r, 3);
        q->f[s] = f < 1.0 ? f : 1.0;
    }
}

static void probe_free(probe *q)
{
    for (int e = 0; e < PROBE_MAX_EPOCHS; e++)
        free(q->step[e]);
    free(q->a);
    free(q->b);
    free(q->c);
}

static int cmd_train(const opts *o)
{
    hn_dataset d;
    load(o, &d);
    hn_model *m = mlp(1);
    hn_train_result r;
    probe q;
    probe_init(&q, o);
    hn_train_skip = o->skip;
    /* warm-up: 50 batches, as the peers do */
    hn_dataset w = d;
    w.n = 50 * o->batch < d.n ? 50 * o->batch : d.n;
    w.owned = 0;
    train_epochs(m, &w, o->batch, 1, &r, NULL, NULL);
    hn_train_result_free(&r);
    train_epochs(m, &d, o->batch, o->reps, &r, probe_batch, &q);
    double flops = 3.0 * 2.0 * mlp_macs();
    for (int i = 0; i < r.epochs_run; i++) {
        const hn_epoch_stats *e = &r.history[i];
        int np = i < PROBE_MAX_EPOCHS ? q.n[i] : 0;
        double secs = e->seconds - (i < PROBE_MAX_EPOCHS ? q.spent[i] : 0), eps = (double)d.n / secs;
        double mean = 0;
        for (int k = 0; k < np; k++)
            mean += q.step[i][k] / np;
        double ceiling = np ? (double)o->batch / mean : 0;
        printf("{\"bench\":\"hepnn_train\",\"batch\":%lld,\"threads\":%d,\"blas_threads\":%d,\"omp_wait\":\"%s\",\"rep\":%d,\"events\":%lld,\"seconds\":%.4f,"
               "\"events_per_s\":%.1f,\"gflops\":%.2f,\"loss\":%.5f,\"peak_rss_mb\":%.1f,\"ceiling_events_per_s\":%.1f,"
               "\"ceiling_probes\":%d,\"probe_seconds\":%.4f,\"skip\":%d}\n",
               (long long)o->batch, o->threads, o->blas_threads, getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "default", i,
               (long long)d.n, secs, eps, eps * flops * 1e-9, e->train_loss, peak_rss_mb(), ceiling, np,
               i < PROBE_MAX_EPOCHS ? q.spent[i] : 0.0, o->skip);
    }
    fflush(stdout);
    probe_free(&q);
    hn_train_result_free(&r);
    hn_model_free(m);
    hn_dataset_free(&d);
    return 0;
}

/* --- inference ---------------------------------------------------------------- */

static void single_latency(const char *variant, const opts *o, const float *x, int64_t nx, hn_model *m, hn_infer *inf)
{
    float out[4];
    hn_error err = {0};
    double *t = xmalloc(sizeof(double) * (size_t)o->calls);
    for (int i = 0; i < 1000; i++) { /* warm-up */
        const float *xi = x + (i % nx) * F;
        if (inf ? hn_infer_run(inf, xi, out) : hn_model_predict(m, xi, 1, out, &err))
            die(variant, &err);
    }
    double sink = 0;
    for (int i = 0; i < o->calls; i++) {
        const float *xi = x + (i % nx) * F;
        double t0 = now();
        if (inf)
            hn_infer_run(inf, xi, out);
        else
            hn_model_predict(m, xi, 1, out, &err);
        t[i] = now() - t0;
        sink += out[0];
    }
    double lo = t[0], hi = t[0];
    for (int i = 0; i < o->calls; i++) {
        lo = t[i] < lo ? t[i] : lo;
        hi = t[i] > hi ? t[i] : hi;
    }
    double med = median(t, o->calls);
    double p10 = t[o->calls / 10], p90 = t[o->calls * 9 / 10];
    printf("{\"bench\":\"hepnn_infer_b1\",\"variant\":\"%s\",\"threads\":%d,\"calls\":%d,\"median_us\":%.3f,"
           "\"p10_us\":%.3f,\"p90_us\":%.3f,\"min_us\":%.3f,\"checksum\":%.6g}\n",
           variant, o->threads, o->calls, med * 1e6, p10 * 1e6, p90 * 1e6, lo * 1e6, sink);
    fflush(stdout);
    free(t);
}

static void batch_throughput(const char *variant, const opts *o, const float *x, hn_model *m, hn_infer *inf)
{
    float *out = xmalloc(sizeof(float) * (size_t)o->big);
    hn_error err = {0};
    double *ev = xmalloc(sizeof(double) * (size_t)o->big_reps), *ms = xmalloc(sizeof(double) * (size_t)o->big_reps);
    for (int r = -3; r < o->big_reps; r++) {
        double t0 = now();
        hn_status st = inf ? hn_infer_run_batch(inf, x, o->big, out, &err) : hn_model_predict(m, x, o->big, out, &err);
        double dt = now() - t0;
        if (st)
            die(variant, &err);
        if (r >= 0) {
            ev[r] = (double)o->big / dt;
            ms[r] = dt * 1e3;
        }
    }
    double med_ms = median(ms, o->big_reps), med = median(ev, o->big_reps);
    printf("{\"bench\":\"hepnn_infer_batch\",\"variant\":\"%s\",\"threads\":%d,\"omp_wait\":\"%s\",\"batch\":%lld,\"reps\":%d,"
           "\"median_events_per_s\":%.1f,\"min_events_per_s\":%.1f,\"max_events_per_s\":%.1f,\"median_ms\":%.3f}\n",
           variant, o->threads, getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "default", (long long)o->big,
           o->big_reps, med, ev[0], ev[o->big_reps - 1], med_ms);
    fflush(stdout);
    free(out);
    free(ev);
    free(ms);
}

static int cmd_infer(const opts *o)
{
    hn_dataset d;
    load(o, &d);
    if (d.n < o->big)
        die("infer: fewer events than --big", NULL);
    hn_model *m = mlp(1);
    hn_error err = {0};
    float shift[F], scale[F];
    hn_dataset head = d;
    head.n = d.n < 100000 ? d.n : 100000;
    head.owned = 0;
    if (hn_norm_compute(&head, HN_NORM_STANDARD, shift, scale, &err) ||
        hn_model_set_normalisation(m, shift, scale, &err))
        die("normalisation", &err);
    hn_infer *inf;
    if (hn_model_compile_inference(m, &inf, &err))
        die("compile_inference", &err);
    /* distinct events from the end of the file, as the peers take them */
    int64_t nx = d.n < o->calls ? d.n : o->calls;
    const float *x = d.x + (d.n - nx) * F;
    /* single-threaded for single events: a parallel region costs more than the work */
    hn_threads_set(1, 1, NULL);
    single_latency("infer_run", o, x, nx, m, inf);
    single_latency("model_predict", o, x, nx, m, NULL);
    hn_threads_set(o->threads, o->blas_threads, NULL);
    batch_throughput("infer_run_batch", o, d.x, m, inf);
    batch_throughput("model_predict", o, d.x, m, NULL);
    hn_infer_free(inf);
    hn_model_free(m);
    hn_dataset_free(&d);
    return 0;
}

/* --- the sgemm ceiling ---------------------------------------------------------- */


/* Seconds per call (median of reps; each rep 20 calls after two warm-up reps)
 * of one shape: one cblas_sgemm on the current BLAS threads, or (split) the
 * call hepnn's step makes, hn_cpu_sgemm on the current kernel threads. */
static double time_gemm(const gemm_shape *s, int reps, int split, float *a, float *b, float *c)
{
    double *t = xmalloc(sizeof(double) * (size_t)reps);
    int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;
    for (int r = -2; r < reps; r++) {
        double t0 = now();
        for (int i = 0; i < 20; i++) {
            if (split)
                hn_cpu_sgemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n);
            else
                cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans, s->m,
                            s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n);
        }
        if (r >= 0)
            t[r] = (now() - t0) / 20;
    }
    double m = median(t, reps);
    free(t);
    return m;
}

/* Three operand buffers large enough for every product of the step at batch B. */
static void gemm_operands(int B, float **a, float **b, float **c)
{
    size_t big = (size_t)(B > 300 ? B : 300) * 300;
    *a = xmalloc(sizeof(float) * big);
    *b = xmalloc(sizeof(float) * big);
    *c = xmalloc(sizeof(float) * big);
    for (size_t i = 0; i < big; i++) {
        (*a)[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
        (*b)[i] = (float)((i * 104729) % 1000) * 1e-3f - 0.5f;
    }
}

/* The products of one training step at batch B: forward x·W, backward dX =
 * dY·Wᵀ (not for the first layer: the inputs need no gradient) and dW = Xᵀ·dY,
 * per layer. Returns their number. */
static int step_shapes(int B, gemm_shape sh[12])
{
    int widths[5] = {F, 300, 300, 300, 1};
    int ns = 0;
    static const char *names[4][3] = {{"fwd 1", "dx 1", "dw 1"}, {"fwd 2", "dx 2", "dw 2"},
                                      {"fwd 3", "dx 3", "dw 3"}, {"fwd 4", "dx 4", "dw 4"}};
    for (int l = 0; l < 4; l++) {
        int in = widths[l], out = widths[l + 1];
        sh[ns++] = (gemm_shape){names[l][0], 0, 0, B, out, in};
        if (l > 0)
            sh[ns++] = (gemm_shape){names[l][1], 0, 1, B, in, out};
        sh[ns++] = (gemm_shape){names[l][2], 1, 0, in, out, B};
    }
    return ns;
}

/* Seconds of one step's products at the best thread count (1..tmax) for each
 * shape; step_t[1], step_t[2]: on 1 and 2 threads. Prints one line per shape
 * and thread count when print is set. The caller's thread counts come back. */
static double ceiling_seconds(int B, int reps, int tmax, int print, double step_t[3])
{
    gemm_shape sh[12];
    int ns = step_shapes(B, sh), kt = hn_threads_kernel(), bt = hn_threads_blas();
    float *a, *b, *c;
    gemm_operands(B, &a, &b, &c);
    double best_sum = 0;
    for (int s = 0; s < ns; s++) {
        double flops = 2.0 * sh[s].m * sh[s].n * sh[s].k, best = 1e30;
        for (int th = 1; th <= tmax; th++) {
            hn_threads_set(0, th, NULL);
            double t = time_gemm(&sh[s], reps, 0, a, b, c);
            if (print)
                printf("{\"bench\":\"sgemm\",\"shape\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"blas_threads\":%d,"
                       "\"gflops\":%.2f}\n",
                       sh[s].name, sh[s].m, sh[s].n, sh[s].k, th, flops / t * 1e-9);
            if (step_t && th <= 2)
                step_t[th] += t;
            best = t < best ? t : best;
        }
        best_sum += best;
    }
    hn_threads_set(kt, bt, NULL);
    free(a);
    free(b);
    free(c);
    return best_sum;
}

/* One (B, 300) · (300, 300) product through hepnn's split, its operands in
 * cache (one set, as the ceiling's loops have them) and coming from further
 * out (cycling through 16 sets, 11 MB at B = 256, as in a training step whose
 * other data evicts them): what cold operands cost the products. */
static void cold_operands(int B, int reps)
{
    enum { SETS = 16 };
    gemm_shape g = {"fwd 2", 0, 0, B, 300, 300};
    float *a[SETS], *b[SETS], *c[SETS];
    for (int k = 0; k < SETS; k++)
        gemm_operands(B, &a[k], &b[k], &c[k]);
    double t[2];
    for (int cold = 0; cold < 2; cold++) {
        int n = cold ? SETS : 1;
        double *v = xmalloc(sizeof(double) * (size_t)reps);
        for (int r = -1; r < reps; r++) {
            double t0 = now();
            for (int i = 0; i < 4 * SETS; i++)
                hn_cpu_sgemm(0, 0, B, 300, 300, 1.0f, a[i % n], 300, b[i % n], 300, 0.0f, c[i % n], 300);
            if (r >= 0)
                v[r] = (now() - t0) / (4 * SETS);
        }
        t[cold] = median(v, reps);
        free(v);
    }
    printf("{\"bench\":\"sgemm_cold\",\"shape\":\"%s\",\"m\":%d,\"n\":300,\"k\":300,\"sets\":%d,"
           "\"seconds_hot\":%.6f,\"seconds_cold\":%.6f,\"cold_over_hot\":%.3f}\n",
           g.name, B, SETS, t[0], t[1], t[1] / t[0]);
    for (int k = 0; k < SETS; k++) {
        free(a[k]);
        free(b[k]);
        free(c[k]);
    }
}

static int cmd_sgemm(const opts *o)
{
    int B = (int)o->batch, tmax = o->threads;
    gemm_shape sh[12];
    int ns = step_shapes(B, sh);
    double step_t[3] = {0}, step_flops = 0;
    for (int s = 0; s < ns; s++)
        step_flops += 2.0 * sh[s].m * sh[s].n * sh[s].k;
    double step_best = ceiling_seconds(B, o->reps, tmax, 1, step_t);
    /* the same products through hepnn's split over its OpenMP threads */
    float *a, *b, *c;
    gemm_operands(B, &a, &b, &c);
    hn_threads_set(tmax, 1, NULL);
    double split_t = 0;
    for (int s = 0; s < ns; s++)
        split_t += time_gemm(&sh[s], o->reps, 1, a, b, c);
    cold_operands(B, o->reps);
    hn_threads_set(o->threads, o->blas_threads, NULL);
    /* what a training step's matrix products cost at the best thread count per
     * shape: the ceiling for events/s (3 × forward FLOPs per event as the
     * issue counts them, against the FLOPs actually run) */
    double fwd = 2.0 * mlp_macs();
    printf("{\"bench\":\"sgemm_step\",\"batch\":%d,\"threads\":%d,\"seconds_best_per_shape\":%.6f,"
           "\"seconds_1thread\":%.6f,\"seconds_2threads\":%.6f,\"gflops\":%.2f,\"gflops_3x_forward\":%.2f,"
           "\"events_per_s_ceiling\":%.1f,\"hepnn_split_seconds\":%.6f,\"hepnn_split_events_per_s\":%.1f}\n",
           B, tmax, step_best, step_t[1], step_t[2], step_flops / step_best * 1e-9, 3 * fwd * B / step_best * 1e-9,
           B / step_best, split_t, B / split_t);
    fflush(stdout);
    free(a);
    free(b);
    free(c);
    return 0;
}

/* --- ROOT into the training dataset ---------------------------------------- */

static int cmd_root(const opts *o)
{
    static const char *names[F + 1];
    static char buf[F + 1][8];
    hn_root_wbranch br[F + 1];
    for (int i = 0; i <= F; i++) {
        snprintf(buf[i], sizeof buf[i], i < F ? "f%02d" : "label", i);
        names[i] = buf[i];
        br[i] = (hn_root_wbranch){names[i], HN_ROOT_T_F32, 1, NULL};
    }
    hn_error err = {0};
    double t0 = now();
    hn_root_writer *w;
    if (hn_root_writer_open(o->file, "events", br, F + 1, 1, &w, &err))
        die(o->file, &err);
    const int64_t chunk = 1 << 16;
    float *x = xmalloc(sizeof(float) * (size_t)(chunk * F)), *y = xmalloc(sizeof(float) * (size_t)chunk);
    float *cols[F + 1];
    for (int i = 0; i <= F; i++)
        cols[i] = xmalloc(sizeof(float) * (size_t)chunk);
    hn_rng r;
    hn_rng_seed(&r, o->seed);
    for (int64_t at = 0; at < o->n; at += chunk) {
        int64_t k = o->n - at < chunk ? o->n - at : chunk;
        for (int64_t e = 0; e < k; e++)
            y[e] = (float)hl_event(&r, x + e * F);
        for (int64_t e = 0; e < k; e++) {
            for (int i = 0; i < F; i++)
                cols[i][e] = x[e * F + i];
            cols[F][e] = y[e];
        }
        if (hn_root_writer_append(w, k, (const void *const *)cols, &err))
            die(o->file, &err);
    }
    if (hn_root_writer_close(w, &err))
        die(o->file, &err);
    double t_write = now() - t0;
    FILE *fp = fopen(o->file, "rb");
    double file_mb = 0;
    if (fp) {
        fseek(fp, 0, SEEK_END);
        file_mb = (double)ftell(fp) / 1e6;
        fclose(fp);
    }
    char source[1100];
    snprintf(source, sizeof source, "%s:events", o->file);
    const char *sources[1] = {source};
    hn_data_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.task = HN_TASK_BINARY;
    spec.sources = sources;
    spec.n_sources = 1;
    spec.label = "label";
    spec.variables = names;
    spec.n_variables = F;
    double rss0 = peak_rss_mb();
    t0 = now();
    hn_data d;
    if (hn_data_load(&spec, &d, &err))
        die("data_load", &err);
    double t = now() - t0;
    double mb = (double)o->n * (F + 1) * 4 / 1e6;
    printf("{\"bench\":\"hepnn_root_dataset\",\"entries\":%lld,\"branches\":%d,\"file_mb\":%.1f,\"write_seconds\":%.2f,"
           "\"seconds\":%.3f,\"events_per_s\":%.1f,\"mb_per_s\":%.1f,\"file_mb_per_s\":%.1f,\"dataset_mb\":%.1f,"
           "\"peak_rss_mb\":%.1f,\"rss_before_mb\":%.1f}\n",
           (long long)o->n, F + 1, file_mb, t_write, t, (double)d.all.n / t, mb / t, file_mb / t,
           (double)d.all.n * F * 4 / 1e6, peak_rss_mb(), rss0);
    fflush(stdout);
    hn_data_free(&d);
    if (!o->keep)
        remove(o->file);
    free(x);
    free(y);
    for (int i = 0; i <= F; i++)
        free(cols[i]);
    return 0;
}

/* --- scaling ------------------------------------------------------------------ */

static int cmd_scale(const opts *o)
{
    hn_dataset d;
    generate(o->n, o->seed, &d);
    double rss_data = peak_rss_mb();
    hn_model *m = mlp(1);
    hn_train_result r;
    double s = train_epochs(m, &d, o->batch, 1, &r, NULL, NULL);
    printf("{\"bench\":\"hepnn_scale\",\"events\":%lld,\"batch\":%lld,\"threads\":%d,\"seconds\":%.3f,"
           "\"events_per_s\":%.1f,\"peak_rss_mb\":%.1f,\"data_mb\":%.1f,\"rss_after_data_mb\":%.1f}\n",
           (long long)o->n, (long long)o->batch, o->threads, s, (double)o->n / s, peak_rss_mb(),
           (double)o->n * (F + 1) * 4 / 1e6, rss_data);
    fflush(stdout);
    hn_train_result_free(&r);
    hn_model_free(m);
    hn_dataset_free(&d);
    return 0;
}

/* --- training quality: test AUC at a fixed number of epochs ------------------- */

/* The same split as peer_torch.py's auc mode: training on the first n events
 * of the file, testing on the last n_test (disjoint), so every framework and
 * seed sees the same events; the seed sets the initial weights and the
 * shuffling. Standardisation comes from the training events (hn_train's
 * default), final-epoch weights (no validation, so nothing is restored). */
static int cmd_auc(const opts *o)
{
    hn_dataset all;
    load_rows(o, &all, 1);
    if (o->n < 1 || o->n_test < 1 || o->n + o->n_test > all.n || o->epochs < 1)
        die("auc: need --n N --n-test M with N + M <= the file's events, and --epochs >= 1", NULL);
    hn_dataset tr = all, te = all;
    tr.n = o->n;
    tr.owned = 0;
    te.n = o->n_test;
    te.x = all.x + (all.n - o->n_test) * F;
    te.y = all.y + (all.n - o->n_test);
    te.owned = 0;
    hn_model *m = mlp_init(o->seed, o->init);
    hn_train_config c = train_config(o->batch, o->epochs);
    c.seed = o->seed;
    hn_train_result r;
    hn_error err = {0};
    double t0 = now();
    if (hn_train(m, &c, &tr, NULL, &r, &err))
        die("auc: train", &err);
    double train_s = now() - t0;
    float *p = xmalloc(sizeof(float) * (size_t)te.n);
    int32_t *lab = xmalloc(sizeof(int32_t) * (size_t)te.n);
    if (hn_model_predict(m, te.x, te.n, p, &err))
        die("auc: predict", &err);
    for (int64_t i = 0; i < te.n; i++)
        lab[i] = te.y[i] > 0.5f;
    double auc = NAN;
    hn_binary_input in = hn_binary_input_make((size_t)te.n, hn_reals_f32(p), lab, hn_reals_none());
    if (hn_auc(&in, &auc, &err))
        die("auc: hn_auc", &err);
    if (o->scores && hn_npy_write(o->scores, HN_NPY_F4, 1, &te.n, p, &err))
        die(o->scores, &err);
    printf("{\"bench\":\"hepnn_auc\",\"init\":\"%s\",\"seed\":%llu,\"epochs\":%d,\"batch\":%lld,\"n_train\":%lld,\"n_test\":%lld,"
           "\"threads\":%d,\"blas_threads\":%d,\"test_auc\":%.6f,\"final_loss\":%.5f,\"train_seconds\":%.2f}\n",
           o->init == HN_INIT_HE_UNIFORM ? "he" : "xavier", (unsigned long long)o->seed, r.epochs_run, (long long)o->batch, (long long)tr.n, (long long)te.n,
           o->threads, o->blas_threads, auc, r.history[r.epochs_run - 1].train_loss, train_s);
    fflush(stdout);
    free(p);
    free(lab);
    hn_train_result_free(&r);
    hn_model_free(m);
    hn_dataset_free(&all);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hepnn_bench gen|train|infer|sgemm|root|scale|auc [options]\n");
        return 2;
    }
    opts o = {.data = "bench-data/higgs_like", .out = "bench-data/higgs_like", .file = "bench-data/bench.root",
              .n = 0, .batch = 256, .big = 10000, .reps = 3, .big_reps = 50, .calls = 10000, .threads = 2,
              .seed = 1, .epochs = 1, .init = HN_INIT_HE_UNIFORM};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "hepnn_bench: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--data"))
            o.data = v;
        else if (!strcmp(a, "--out"))
            o.out = v;
        else if (!strcmp(a, "--file"))
            o.file = v;
        else if (!strcmp(a, "--n"))
            o.n = (int64_t)atof(v);
        else if (!strcmp(a, "--batch"))
            o.batch = atoll(v);
        else if (!strcmp(a, "--big"))
            o.big = (int64_t)atof(v);
        else if (!strcmp(a, "--reps"))
            o.reps = atoi(v);
        else if (!strcmp(a, "--big-reps"))
            o.big_reps = atoi(v);
        else if (!strcmp(a, "--calls"))
            o.calls = (int)atof(v);
        else if (!strcmp(a, "--threads"))
            o.threads = atoi(v);
        else if (!strcmp(a, "--blas-threads"))
            o.blas_threads = atoi(v);
        else if (!strcmp(a, "--skip")) {
            o.skip = !strcmp(v, "elementwise") ? HN_SKIP_ELEMENTWISE
                     : !strcmp(v, "optimizer") ? HN_SKIP_OPTIMIZER
                     : !strcmp(v, "both")      ? HN_SKIP_ELEMENTWISE | HN_SKIP_OPTIMIZER
                                               : -1;
            if (o.skip < 0) {
                fprintf(stderr, "hepnn_bench: --skip takes elementwise, optimizer or both, not '%s'\n", v);
                return 2;
            }
        }
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--n-test"))
            o.n_test = (int64_t)atof(v);
        else if (!strcmp(a, "--epochs"))
            o.epochs = atoi(v);
        else if (!strcmp(a, "--init")) {
            if (strcmp(v, "he") && strcmp(v, "xavier")) {
                fprintf(stderr, "hepnn_bench: --init he or xavier\n");
                return 2;
            }
            o.init = strcmp(v, "he") ? HN_INIT_XAVIER_UNIFORM : HN_INIT_HE_UNIFORM;
        } else if (!strcmp(a, "--scores"))
            o.scores = v;
        else if (!strcmp(a, "--keep"))
            o.keep = atoi(v);
        else {
            fprintf(stderr, "hepnn_bench: unknown option %s\n", a);
            return 2;
        }
    }
    if (o.batch < 1 || o.reps < 1 || o.big < 1 || o.big_reps < 1 || o.calls < 1 || o.threads < 1) {
        fprintf(stderr, "hepnn_bench: sizes must be positive\n");
        return 2;
    }
    if (o.blas_threads < 1)
        o.blas_threads = o.threads;
    hn_threads_set(o.threads, o.blas_threads, NULL);
    const char *c = argv[1];
    if (!strcmp(c, "gen"))
        return o.n > 0 ? cmd_gen(&o) : 2;
    if (!strcmp(c, "train"))
        return cmd_train(&o);
    if (!strcmp(c, "infer"))
        return cmd_infer(&o);
    if (!strcmp(c, "sgemm"))
        return cmd_sgemm(&o);
    if (!strcmp(c, "root"))
        return o.n > 0 ? cmd_root(&o) : 2;
    if (!strcmp(c, "scale"))
        return o.n > 0 ? cmd_scale(&o) : 2;
    if (!strcmp(c, "auc"))
        return cmd_auc(&o);
    fprintf(stderr, "hepnn_bench: unknown command %s\n", c);
    return 2;
}
