/* Validation of metric inputs and the sorted event array most metrics start from. */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>

void *hn_mx_alloc(size_t n, size_t sz)
{
    if (n == 0)
        n = 1;
    if (sz != 0 && n > SIZE_MAX / sz)
        return NULL;
    return malloc(n * sz);
}

hn_status hn_mx_check_reals(const char *fn, const char *name, hn_reals a, size_t n, int optional,
                            hn_error *err)
{
    if (!a.data) {
        if (optional)
            return HN_OK;
        return hn_error_set(err, HN_ERR_ARG, "%s: %s is NULL", fn, name);
    }
    if (a.type != HN_REAL_F64 && a.type != HN_REAL_F32)
        return hn_error_set(err, HN_ERR_ARG, "%s: %s has unknown element type %d", fn, name,
                            (int)a.type);
    for (size_t i = 0; i < n; i++) {
        double v = hn_mx_get(a, i);
        if (!isfinite(v))
            return hn_error_set(err, HN_ERR_NUMERIC, "%s: %s[%zu] is %s", fn, name, i,
                                isnan(v) ? "NaN" : "infinite");
    }
    return HN_OK;
}

hn_status hn_mx_check_binary(const char *fn, const hn_binary_input *in, hn_error *err)
{
    if (!in)
        return hn_error_set(err, HN_ERR_ARG, "%s: input is NULL", fn);
    if (in->n == 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: empty input (0 events)", fn);
    if (!in->label)
        return hn_error_set(err, HN_ERR_ARG, "%s: label is NULL", fn);
    hn_status st = hn_mx_check_reals(fn, "score", in->score, in->n, 0, err);
    if (st)
        return st;
    return hn_mx_check_reals(fn, "weight", in->weight, in->n, 1, err);
}

hn_status hn_mx_binary_events(const char *fn, const hn_binary_input *in, hn_mx_event **out,
                              hn_error *err)
{
    *out = NULL;
    hn_status st = hn_mx_check_binary(fn, in, err);
    if (st)
        return st;
    size_t n = in->n, ns = 0;
    double ws = 0, wb = 0;
    hn_mx_event *ev = hn_mx_alloc(n, sizeof *ev);
    if (!ev)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu events", fn, n);
    for (size_t i = 0; i < n; i++) {
        ev[i].score = hn_mx_get(in->score, i);
        ev[i].w = hn_mx_weight(in->weight, i);
        ev[i].sig = in->label[i] == in->signal_label;
        ns += (size_t)ev[i].sig;
        if (ev[i].sig)
            ws += ev[i].w;
        else
            wb += ev[i].w;
    }
    if (ns == 0 || ns == n) {
        free(ev);
        return hn_error_set(err, HN_ERR_ARG,
                            "%s: only one class: all %zu events are %s (signal label %d); "
                            "the figure needs signal and background",
                            fn, n, ns ? "signal" : "background", (int)in->signal_label);
    }
    if (!(ws > 0) || !(wb > 0)) {
        free(ev);
        return hn_error_set(err, HN_ERR_ARG,
                            "%s: total %s weight is %g; efficiencies need a positive total", fn,
                            ws > 0 ? "background" : "signal", ws > 0 ? wb : ws);
    }
    hn_mx_sort_desc(ev, n);
    *out = ev;
    return HN_OK;
}
