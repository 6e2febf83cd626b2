/* Datasets: subsets, splits, standardisation statistics, checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/train.h"

void hn_dataset_free(hn_dataset *d)
{
    if (!d || !d->owned)
        return;
    free(d->x);
    free(d->y);
    free(d->w);
    memset(d, 0, sizeof *d);
}

hn_status hn_dataset_subset(const hn_dataset *d, const int64_t *idx, int64_t n, hn_dataset *out, hn_error *err)
{
    if (!d || !out || (n > 0 && !idx) || n < 0)
        return hn_error_set(err, HN_ERR_ARG, "dataset_subset: NULL argument or negative size");
    memset(out, 0, sizeof *out);
    int64_t f = d->n_features, t = d->n_targets;
    out->x = malloc(sizeof(float) * (size_t)(n * f + 1));
    out->y = malloc(sizeof(float) * (size_t)(n * t + 1));
    out->w = d->w ? malloc(sizeof(float) * (size_t)(n + 1)) : NULL;
    out->owned = 1;
    if (!out->x || !out->y || (d->w && !out->w)) {
        hn_dataset_free(out);
        return hn_error_set(err, HN_ERR_NOMEM, "dataset_subset: cannot allocate %lld events", (long long)n);
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t k = idx[i];
        if (k < 0 || k >= d->n) {
            hn_dataset_free(out);
            return hn_error_set(err, HN_ERR_ARG, "dataset_subset: index %lld out of range (%lld events)", (long long)k,
                                (long long)d->n);
        }
        memcpy(out->x + i * f, d->x + k * f, sizeof(float) * (size_t)f);
        memcpy(out->y + i * t, d->y + k * t, sizeof(float) * (size_t)t);
        if (d->w)
            out->w[i] = d->w[k];
    }
    out->n = n;
    out->n_features = d->n_features;
    out->n_targets = d->n_targets;
    return HN_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void hn_split_free(hn_split *s)
{
    if (!s)
        return;
    free(s->train);
    free(s->val);
    free(s->test);
    memset(s, 0, sizeof *s);
}

hn_status hn_split_fractions(int64_t n, double val_fraction, double test_fraction, uint64_t seed, hn_split *out,
                             hn_error *err)
{
    if (!out || n < 0)
        return hn_error_set(err, HN_ERR_ARG, "split: NULL output or negative size");
    memset(out, 0, sizeof *out);
    if (!(val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 1))
        return hn_error_set(err, HN_ERR_ARG, "split: validation %g + test %g must be fractions summing below 1",
                            val_fraction, test_fraction);
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)(n + 1));
    if (!perm)
        return hn_error_set(err, HN_ERR_NOMEM, "split: cannot allocate %lld indices", (long long)n);
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    hn_rng rng;
    hn_rng_seed(&rng, seed);
    hn_rng_shuffle(&rng, perm, n);
    out->n_test = (int64_t)llround(test_fraction * (double)n);
    out->n_val = (int64_t)llround(val_fraction * (double)n);
    out->n_train = n - out->n_test - out->n_val;
    out->train = malloc(sizeof(int64_t) * (size_t)(out->n_train + 1));
    out->val = malloc(sizeof(int64_t) * (size_t)(out->n_val + 1));
    out->test = malloc(sizeof(int64_t) * (size_t)(out->n_test + 1));
    if (!out->train || !out->val || !out->test) {
        free(perm);
        hn_split_free(out);
        return hn_error_set(err, HN_ERR_NOMEM, "split: out of memory");
    }
    memcpy(out->test, perm, sizeof(int64_t) * (size_t)out->n_test);
    memcpy(out->val, perm + out->n_test, sizeof(int64_t) * (size_t)out->n_val);
    memcpy(out->train, perm + out->n_test + out->n_val, sizeof(int64_t) * (size_t)out->n_train);
    free(perm);
    qsort(out->train, (size_t)out->n_train, sizeof(int64_t), cmp_i64);
    qsort(out->val, (size_t)out->n_val, sizeof(int64_t), cmp_i64);
    qsort(out->test, (size_t)out->n_test, sizeof(int64_t), cmp_i64);
    return HN_OK;
}

hn_status hn_norm_compute(const hn_dataset *d, hn_norm_kind kind, float *shift, float *scale, hn_error *err)
{
    if (!d || !shift || !scale)
        return hn_error_set(err, HN_ERR_ARG, "norm_compute: NULL argument");
    int f = d->n_features;
    for (int j = 0; j < f; j++) {
        shift[j] = 0.0f;
        scale[j] = 1.0f;
    }
    if (kind == HN_NORM_NONE)
        return HN_OK;
    if (d->n < 1)
        return hn_error_set(err, HN_ERR_ARG, "norm_compute: no events to compute the standardisation from");
    for (int j = 0; j < f; j++) {
        double a = 0.0, b = 0.0; /* mean and M2 (Welford), or min and max */
        if (kind == HN_NORM_STANDARD) {
            for (int64_t i = 0; i < d->n; i++) {
                double v = d->x[i * f + j], delta = v - a;
                a += delta / (double)(i + 1);
                b += delta * (v - a);
            }
            double sd = sqrt(b / (double)d->n);
            shift[j] = (float)a;
            scale[j] = sd > 0.0 ? (float)(1.0 / sd) : 1.0f;
        } else {
            a = b = d->x[j];
            for (int64_t i = 1; i < d->n; i++) {
                double v = d->x[i * f + j];
                a = v < a ? v : a;
                b = v > b ? v : b;
            }
            shift[j] = (float)a;
            scale[j] = b > a ? (float)(1.0 / (b - a)) : 1.0f;
        }
    }
    return HN_OK;
}

hn_status hn_dataset_check(const hn_model *m, const hn_dataset *d, const char *what, hn_error *err)
{
    const hn_model_spec *s = hn_model_get_spec(m);
    if (!d)
        return hn_error_set(err, HN_ERR_ARG, "%s data: NULL", what);
    int want_t = s->task == HN_TASK_REGRESSION ? s->n_outputs : 1;
    if (d->n_features != s->n_inputs || d->n_targets != want_t)
        return hn_error_set(err, HN_ERR_SHAPE, "%s data: %d features and %d targets per event, the model takes %d and %d",
                            what, d->n_features, d->n_targets, s->n_inputs, want_t);
    if (d->n > 0 && (!d->x || !d->y))
        return hn_error_set(err, HN_ERR_ARG, "%s data: features or targets missing", what);
    for (int64_t i = 0; i < d->n; i++) {
        for (int j = 0; j < d->n_features; j++)
            if (!isfinite(d->x[i * d->n_features + j])) {
                const char *name = hn_model_feature_name(m, j);
                return hn_error_set(err, HN_ERR_NUMERIC, "%s data: feature %d%s%s%s of event %lld is %g", what, j,
                                    name ? " (" : "", name ? name : "", name ? ")" : "", (long long)i,
                                    (double)d->x[i * d->n_features + j]);
            }
        for (int k = 0; k < d->n_targets; k++) {
            float y = d->y[i * d->n_targets + k];
            int ok = isfinite(y);
            if (s->task == HN_TASK_BINARY)
                ok = y == 0.0f || y == 1.0f;
            else if (s->task == HN_TASK_MULTICLASS)
                ok = y >= 0.0f && y < (float)s->n_outputs && y == floorf(y);
            if (!ok)
                return hn_error_set(err, HN_ERR_ARG, "%s data: target %g of event %lld is not %s", what, (double)y,
                                    (long long)i,
                                    s->task == HN_TASK_BINARY ? "0 or 1" : s->task == HN_TASK_MULTICLASS ? "a class index" : "finite");
        }
        if (d->w && !isfinite(d->w[i]))
            return hn_error_set(err, HN_ERR_NUMERIC, "%s data: weight of event %lld is %g", what, (long long)i,
                                (double)d->w[i]);
    }
    return HN_OK;
}
