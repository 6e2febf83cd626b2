/* Figures of merit of a model on a dataset (include/hepnn/evaluate.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/evaluate.h"

static int32_t *labels_of(const hn_dataset *d)
{
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)(d->n + 1));
    for (int64_t i = 0; lab && i < d->n; i++)
        lab[i] = (int32_t)d->y[i];
    return lab;
}

hn_status hn_evaluate(hn_model *m, const hn_dataset *d, hn_eval_summary *s, float *out, hn_error *err)
{
    if (!m || !d || !s)
        return hn_error_set(err, HN_ERR_ARG, "evaluate: NULL argument");
    memset(s, 0, sizeof *s);
    const hn_model_spec *spec = hn_model_get_spec(m);
    s->task = spec->task;
    s->n = d->n;
    int o = spec->n_outputs;
    float *pred = out ? out : malloc(sizeof(float) * (size_t)(d->n * o + 1));
    int32_t *lab = spec->task != HN_TASK_REGRESSION ? labels_of(d) : NULL;
    if (!pred || (spec->task != HN_TASK_REGRESSION && !lab)) {
        if (!out)
            free(pred);
        free(lab);
        return hn_error_set(err, HN_ERR_NOMEM, "evaluate: out of memory");
    }
    hn_status st = hn_model_evaluate(m, d, &s->loss, pred, err);
    hn_reals w = d->w ? hn_reals_f32(d->w) : hn_reals_none();
    if (!st && spec->task == HN_TASK_BINARY) {
        hn_binary_input in = hn_binary_input_make((size_t)d->n, hn_reals_f32(pred), lab, w);
        hn_roc roc;
        st = hn_roc_compute(&in, &roc, err);
        if (!st) {
            st = hn_roc_summarize(&roc, &s->roc, err);
            hn_roc_free(&roc);
        }
        if (!st)
            st = hn_binary_accuracy(&in, 0.5, &s->accuracy, err);
    } else if (!st && spec->task == HN_TASK_MULTICLASS) {
        s->n_classes = o;
        int32_t *am = malloc(sizeof(int32_t) * (size_t)(d->n + 1));
        st = am ? hn_predict_argmax((size_t)d->n, (size_t)o, hn_reals_f32(pred), am, err)
                : hn_error_set(err, HN_ERR_NOMEM, "evaluate: out of memory");
        if (!st)
            st = hn_accuracy((size_t)d->n, am, lab, w, &s->accuracy, err);
        free(am);
        if (!st && o <= HN_EVAL_MAX_CLASSES) {
            double weighted;
            st = hn_auc_ovr((size_t)d->n, (size_t)o, hn_reals_f32(pred), lab, w, s->auc_ovr, &s->auc_macro,
                            &weighted, err);
        }
    } else if (!st) {
        /* the first target: MSE and MAE over it, and its resolution */
        float *p0 = malloc(sizeof(float) * (size_t)(d->n + 1)), *t0 = malloc(sizeof(float) * (size_t)(d->n + 1));
        if (!p0 || !t0)
            st = hn_error_set(err, HN_ERR_NOMEM, "evaluate: out of memory");
        for (int64_t i = 0; !st && i < d->n; i++) {
            p0[i] = pred[i * o];
            t0[i] = d->y[i * d->n_targets];
        }
        if (!st)
            st = hn_regression_errors((size_t)d->n, hn_reals_f32(p0), hn_reals_f32(t0), w, &s->mse, &s->mae, err);
        if (!st && hn_resolution_compute((size_t)d->n, hn_reals_f32(p0), hn_reals_f32(t0), w, &s->resolution, NULL))
            s->resolution.sigma = s->resolution.sigma_robust = NAN; /* e.g. a zero truth: no relative residual */
        free(p0);
        free(t0);
    }
    if (!out)
        free(pred);
    free(lab);
    return st;
}

hn_status hn_overtraining(hn_model *m, const hn_dataset *train, const hn_dataset *test, hn_ks_result *signal,
                          hn_ks_result *background, hn_error *err)
{
    if (!m || !train || !test || !signal || !background)
        return hn_error_set(err, HN_ERR_ARG, "overtraining: NULL argument");
    if (hn_model_get_spec(m)->task != HN_TASK_BINARY)
        return hn_error_set(err, HN_ERR_ARG, "overtraining: the KS check is for binary classifiers");
    float *a = malloc(sizeof(float) * (size_t)(train->n + 1)), *b = malloc(sizeof(float) * (size_t)(test->n + 1));
    int32_t *la = labels_of(train), *lb = labels_of(test);
    hn_status st = (!a || !b || !la || !lb) ? hn_error_set(err, HN_ERR_NOMEM, "overtraining: out of memory") : HN_OK;
    if (!st)
        st = hn_model_evaluate(m, train, NULL, a, err);
    if (!st)
        st = hn_model_evaluate(m, test, NULL, b, err);
    if (!st) {
        hn_binary_input ia = hn_binary_input_make((size_t)train->n, hn_reals_f32(a), la,
                                                  train->w ? hn_reals_f32(train->w) : hn_reals_none());
        hn_binary_input ib = hn_binary_input_make((size_t)test->n, hn_reals_f32(b), lb,
                                                  test->w ? hn_reals_f32(test->w) : hn_reals_none());
        st = hn_ks_overtraining(&ia, &ib, HN_KS_AUTO, signal, background, err);
    }
    free(a);
    free(b);
    free(la);
    free(lb);
    return st;
}
