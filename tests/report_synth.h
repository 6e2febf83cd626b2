/* Synthetic inputs for the report tests: samples, a "model" (a fixed
 * formula) that the ranking can re-score, and a training history, for the
 * three tasks. Everything is drawn from hn_rng, so the data are the same on
 * every machine. */
#ifndef HN_TEST_REPORT_SYNTH_H
#define HN_TEST_REPORT_SYNTH_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/report.h"
#include "hepnn/rng.h"

#define RS_F 4 /* features */

typedef struct rs_data {
    hn_task task;
    int n_outputs;
    int64_t n[2]; /* train, test */
    float *x[2], *y[2], *w[2], *out[2];
    hn_epoch_stats hist[12];
    int fail_predict; /* the predict callback fails (error path test) */
} rs_data;

static inline double rs_sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* The model: binary uses x0 and x2 only (so shuffling x1 or x3 changes
 * nothing); multi-class a softmax of linear functions of x0, x1; regression
 * targets t0 = 2 x0 + x1 and t1 = x2 + 1 predicted from x0, x1, x2. */
static inline hn_status rs_predict(void *user, const float *x, int64_t n, float *out, hn_error *err)
{
    rs_data *d = (rs_data *)user;
    if (d->fail_predict)
        return hn_error_set(err, HN_ERR_BACKEND, "synthetic model failure");
    for (int64_t i = 0; i < n; i++) {
        const float *xi = x + i * RS_F;
        if (d->task == HN_TASK_BINARY) {
            out[i] = (float)rs_sigmoid(1.5 * xi[0] + 0.5 * xi[2]);
        } else if (d->task == HN_TASK_MULTICLASS) {
            double z[3] = {-1.5 * xi[0], 0.0, 1.5 * xi[0] + 0.8 * xi[1]}, m = 0;
            for (int k = 0; k < 3; k++)
                m += exp(z[k]);
            for (int k = 0; k < 3; k++)
                out[i * 3 + k] = (float)(exp(z[k]) / m);
        } else {
            out[i * 2 + 0] = (float)(1.9 * xi[0] + 0.9 * xi[1]);
            out[i * 2 + 1] = (float)(0.95 * xi[2] + 1.0);
        }
    }
    return HN_OK;
}

/* Fills d for task with n events per sample. */
static inline int rs_make(rs_data *d, hn_task task, int64_t n, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->task = task;
    d->n_outputs = task == HN_TASK_BINARY ? 1 : task == HN_TASK_MULTICLASS ? 3 : 2;
    int ny = task == HN_TASK_REGRESSION ? 2 : 1;
    hn_rng rng;
    hn_rng_seed(&rng, seed);
    for (int s = 0; s < 2; s++) {
        d->n[s] = n;
        d->x[s] = malloc(sizeof(float) * (size_t)n * RS_F);
        d->y[s] = malloc(sizeof(float) * (size_t)n * ny);
        d->w[s] = malloc(sizeof(float) * (size_t)n);
        d->out[s] = malloc(sizeof(float) * (size_t)n * d->n_outputs);
        if (!d->x[s] || !d->y[s] || !d->w[s] || !d->out[s])
            return 0;
        for (int64_t i = 0; i < n; i++) {
            float *x = d->x[s] + i * RS_F;
            int cls = task == HN_TASK_MULTICLASS ? (int)hn_rng_below(&rng, 3)
                                                 : (int)hn_rng_below(&rng, 2);
            double shift = task == HN_TASK_BINARY ? (cls ? 0.8 : -0.8)
                           : task == HN_TASK_MULTICLASS ? 0.9 * (cls - 1)
                                                        : 0.0;
            x[0] = (float)(hn_rng_normal(&rng) + shift);
            x[1] = (float)(hn_rng_normal(&rng) * (1.0 + 0.5 * cls) + (task == HN_TASK_MULTICLASS && cls == 2));
            x[2] = (float)(0.6 * x[0] + 0.8 * hn_rng_normal(&rng));
            x[3] = (float)(5.0 + 2.0 * hn_rng_uniform(&rng)); /* noise with an offset */
            d->w[s][i] = (float)(0.5 + hn_rng_uniform(&rng));
            if (task == HN_TASK_REGRESSION) {
                d->y[s][i * 2 + 0] = (float)(2.0 * x[0] + x[1]);
                d->y[s][i * 2 + 1] = (float)(x[2] + 1.0 + 0.1 * hn_rng_normal(&rng));
            } else {
                d->y[s][i] = (float)cls;
            }
        }
        rs_predict(d, d->x[s], n, d->out[s], NULL);
    }
    for (int e = 0; e < 12; e++) {
        hn_epoch_stats *h = &d->hist[e];
        h->epoch = e + 1;
        h->train_loss = 0.7 * exp(-0.2 * e) + 0.3;
        h->val_loss = 0.7 * exp(-0.2 * e) + 0.32 + 0.004 * (e - 7) * (e - 7);
        h->val_metric = task == HN_TASK_REGRESSION ? NAN : 0.8 + 0.01 * e - 0.0006 * e * e;
        h->lr = 1e-3;
        h->seconds = 0.5;
        h->events_per_second = 6000;
        h->best = e <= 7;
    }
    return 1;
}

static inline void rs_free(rs_data *d)
{
    for (int s = 0; s < 2; s++) {
        free(d->x[s]);
        free(d->y[s]);
        free(d->w[s]);
        free(d->out[s]);
    }
}

static const char *const rs_features[RS_F] = {"lep_pt", "m_jj", "delta_R", "noise"};

/* The report input for d: names, history with best epoch 8 found from the
 * .best marks, both samples, the predict callback. */
static inline hn_report_input rs_input(rs_data *d)
{
    static const char *const bin_names[2] = {"background", "signal"};
    static const char *const mc_names[3] = {"QCD", "W+jets", "ttbar"};
    static const char *const reg_names[2] = {"E_true", "pz_true"};
    static const hn_report_meta meta[2] = {{"host label", "test"}, {"threads", "2"}};
    hn_report_input in;
    memset(&in, 0, sizeof in);
    in.title = "Synthetic report";
    in.task = d->task;
    in.n_features = RS_F;
    in.n_outputs = d->n_outputs;
    in.feature_names = rs_features;
    in.class_names = d->task == HN_TASK_BINARY ? bin_names : d->task == HN_TASK_MULTICLASS ? mc_names : reg_names;
    in.history = d->hist;
    in.n_epochs = 12;
    in.stopped_early = 1;
    in.train = (hn_report_sample){d->n[0], d->x[0], d->y[0], d->w[0], d->out[0]};
    in.test = (hn_report_sample){d->n[1], d->x[1], d->y[1], d->w[1], d->out[1]};
    in.predict = rs_predict;
    in.predict_user = d;
    in.ranking_seed = 7;
    in.model_summary = "dense 4 -> 16, relu\ndense 16 -> 1, sigmoid\n";
    in.config_text = "[train]\nlr = 1e-3\nepochs = 12\n";
    in.inputs = "toy.root:events";
    in.versions = "hepnn test";
    in.timestamp = "2026-01-01T00:00:00Z";
    in.seed = 42;
    in.events_per_second = 6000;
    in.meta = meta;
    in.n_meta = 2;
    return in;
}

#endif
