/* Loss-independent classification figures: accuracy, confusion matrix, argmax. */
#include "metrics_internal.h"

#include <math.h>
#include <string.h>

static hn_status total_positive(const char *fn, double w, hn_error *err)
{
    if (!(w > 0))
        return hn_error_set(err, HN_ERR_ARG, "%s: total event weight is %g; it must be positive",
                            fn, w);
    return HN_OK;
}

hn_status hn_accuracy(size_t n, const int32_t *pred, const int32_t *label, hn_reals weight,
                      double *accuracy, hn_error *err)
{
    const char *fn = "hn_accuracy";
    if (!pred || !label || !accuracy)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL argument", fn);
    if (n == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty input (0 events)", fn);
    hn_status st = hn_mx_check_reals(fn, "weight", weight, n, 1, err);
    if (st)
        return st;
    double good = 0, all = 0;
    for (size_t i = 0; i < n; i++) {
        double w = hn_mx_weight(weight, i);
        all += w;
        if (pred[i] == label[i])
            good += w;
    }
    st = total_positive(fn, all, err);
    if (st)
        return st;
    *accuracy = good / all;
    return HN_OK;
}

hn_status hn_binary_accuracy(const hn_binary_input *in, double threshold, double *accuracy,
                             hn_error *err)
{
    const char *fn = "hn_binary_accuracy";
    if (!accuracy)
        return hn_error_set(err, HN_ERR_ARG, "%s: accuracy is NULL", fn);
    hn_status st = hn_mx_check_binary(fn, in, err);
    if (st)
        return st;
    if (isnan(threshold))
        return hn_error_set(err, HN_ERR_NUMERIC, "%s: threshold is NaN", fn);
    double good = 0, all = 0;
    for (size_t i = 0; i < in->n; i++) {
        double w = hn_mx_weight(in->weight, i);
        int selected = hn_mx_get(in->score, i) >= threshold;
        all += w;
        if (selected == (in->label[i] == in->signal_label))
            good += w;
    }
    st = total_positive(fn, all, err);
    if (st)
        return st;
    *accuracy = good / all;
    return HN_OK;
}

hn_status hn_confusion_matrix(size_t n, size_t n_classes, const int32_t *pred,
                              const int32_t *label, hn_reals weight, double *cm, hn_error *err)
{
    const char *fn = "hn_confusion_matrix";
    if (!pred || !label || !cm)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL argument", fn);
    if (n == 0 || n_classes == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty input (%zu events, %zu classes)", fn, n,
                            n_classes);
    if (n_classes > (size_t)INT32_MAX || n_classes > SIZE_MAX / sizeof(double) / n_classes)
        return hn_error_set(err, HN_ERR_ARG, "%s: %zu classes is too many", fn, n_classes);
    hn_status st = hn_mx_check_reals(fn, "weight", weight, n, 1, err);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++) {
        if (label[i] < 0 || (size_t)label[i] >= n_classes)
            return hn_error_set(err, HN_ERR_ARG, "%s: label[%zu] = %d is outside [0, %zu)", fn, i,
                                (int)label[i], n_classes);
        if (pred[i] < 0 || (size_t)pred[i] >= n_classes)
            return hn_error_set(err, HN_ERR_ARG, "%s: pred[%zu] = %d is outside [0, %zu)", fn, i,
                                (int)pred[i], n_classes);
    }
    memset(cm, 0, n_classes * n_classes * sizeof *cm);
    for (size_t i = 0; i < n; i++)
        cm[(size_t)label[i] * n_classes + (size_t)pred[i]] += hn_mx_weight(weight, i);
    return HN_OK;
}

hn_status hn_predict_argmax(size_t n, size_t n_classes, hn_reals scores, int32_t *pred,
                            hn_error *err)
{
    const char *fn = "hn_predict_argmax";
    if (!pred || !scores.data)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL argument", fn);
    if (n == 0 || n_classes == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty input (%zu events, %zu classes)", fn, n,
                            n_classes);
    if (n_classes > (size_t)INT32_MAX || n > SIZE_MAX / n_classes)
        return hn_error_set(err, HN_ERR_ARG, "%s: %zu events x %zu classes is too large", fn, n,
                            n_classes);
    if (scores.type != HN_REAL_F64 && scores.type != HN_REAL_F32)
        return hn_error_set(err, HN_ERR_ARG, "%s: scores has unknown element type %d", fn,
                            (int)scores.type);
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double bv = 0;
        for (size_t k = 0; k < n_classes; k++) {
            double v = hn_mx_get(scores, i * n_classes + k);
            if (isnan(v))
                return hn_error_set(err, HN_ERR_NUMERIC, "%s: scores[%zu][%zu] is NaN", fn, i, k);
            if (k == 0 || v > bv) {
                best = k;
                bv = v;
            }
        }
        pred[i] = (int32_t)best;
    }
    return HN_OK;
}
