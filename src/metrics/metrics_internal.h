/* Shared helpers of the metrics: reading typed arrays, validating inputs,
 * and sorting events by score. Not part of the public API. */
#ifndef HEPNN_METRICS_INTERNAL_H
#define HEPNN_METRICS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/metrics.h"

/* One event as the sorting metrics see it. */
typedef struct hn_mx_event {
    double score;
    double w;
    int32_t sig; /* 1 signal, 0 background (or sample id for the KS test) */
} hn_mx_event;

static inline double hn_mx_get(hn_reals a, size_t i)
{
    if (a.type == HN_REAL_F32)
        return (double)((const float *)a.data)[i];
    return ((const double *)a.data)[i];
}

/* Weight i, 1 when the array is absent. */
static inline double hn_mx_weight(hn_reals w, size_t i)
{
    return w.data ? hn_mx_get(w, i) : 1.0;
}

/* Checks a typed array of n values: present (unless optional and absent),
 * a known type, every value finite. name appears in messages ("score[12] is
 * NaN"). */
hn_status hn_mx_check_reals(const char *fn, const char *name, hn_reals a, size_t n, int optional,
                            hn_error *err);

/* Checks a binary input (pointers, sizes, finite values) without sorting. */
hn_status hn_mx_check_binary(const char *fn, const hn_binary_input *in, hn_error *err);

/* Allocates and fills the events of a binary input, sorted by decreasing
 * score; counts and totals the signal and background. The caller frees *out.
 * Fails with HN_ERR_ARG when a class is missing or its total weight is not
 * positive. */
hn_status hn_mx_binary_events(const char *fn, const hn_binary_input *in, hn_mx_event **out,
                              hn_error *err);

/* Sorts ev[0..n) by decreasing score (not stable; ties are grouped anyway). */
void hn_mx_sort_desc(hn_mx_event *ev, size_t n);

/* Sorts x[0..n) ascending. */
void hn_mx_sort_doubles(double *x, size_t n);

/* malloc of n elements of size sz with an overflow check; NULL on failure. */
void *hn_mx_alloc(size_t n, size_t sz);

#endif
