/* Weighted histograms and plotting ranges for the report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

hn_status hn_hist_init(hn_hist *h, int nb, double lo, double hi, hn_error *err)
{
    memset(h, 0, sizeof *h);
    if (nb < 1 || !(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return hn_error_set(err, HN_ERR_ARG, "report: histogram with %d bins over [%g, %g]", nb, lo,
                            hi);
    h->edges = malloc(sizeof(double) * (size_t)(nb + 1));
    h->sw = calloc((size_t)nb, sizeof(double));
    h->sw2 = calloc((size_t)nb, sizeof(double));
    if (!h->edges || !h->sw || !h->sw2) {
        hn_hist_free(h);
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory for a histogram");
    }
    h->nb = nb;
    h->lo = lo;
    h->hi = hi;
    for (int i = 0; i <= nb; i++)
        h->edges[i] = lo + (hi - lo) * i / nb;
    return HN_OK;
}

void hn_hist_fill(hn_hist *h, double x, double w)
{
    if (!isfinite(x) || !isfinite(w))
        return;
    if (x < h->lo) {
        h->under += w;
        return;
    }
    if (x > h->hi) {
        h->over += w;
        return;
    }
    int i = (int)((x - h->lo) / (h->hi - h->lo) * h->nb);
    i = i < 0 ? 0 : i >= h->nb ? h->nb - 1 : i; /* x == hi goes into the last bin */
    h->sw[i] += w;
    h->sw2[i] += w * w;
    h->in_range += w;
}

void hn_hist_free(hn_hist *h)
{
    free(h->edges);
    free(h->sw);
    free(h->sw2);
    memset(h, 0, sizeof *h);
}

void hn_hist_density(const hn_hist *h, double *d, double *e)
{
    double width = (h->hi - h->lo) / h->nb, norm = h->in_range > 0 ? h->in_range * width : 0;
    for (int i = 0; i < h->nb; i++) {
        if (d)
            d[i] = norm > 0 ? h->sw[i] / norm : 0;
        if (e)
            e[i] = norm > 0 ? sqrt(h->sw2[i]) / norm : 0;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

hn_status hn_report_range(int64_t n, const float *x, size_t stride, double q, double *lo,
                          double *hi, hn_error *err)
{
    const int64_t cap = 100000;
    int64_t step = n > cap ? (n + cap - 1) / cap : 1, m = 0;
    double *v = malloc(sizeof(double) * (size_t)(n < cap ? (n > 0 ? n : 1) : cap));
    if (!v)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    for (int64_t i = 0; i < n && m < cap; i += step) {
        double t = x[(size_t)i * stride];
        if (isfinite(t))
            v[m++] = t;
    }
    if (m == 0) {
        free(v);
        return hn_error_set(err, HN_ERR_ARG, "no finite value");
    }
    qsort(v, (size_t)m, sizeof *v, cmp_double);
    double tail = (1.0 - q) / 2;
    int64_t a = (int64_t)floor(tail * (double)(m - 1)), b = (int64_t)ceil((1 - tail) * (double)(m - 1));
    *lo = v[a];
    *hi = v[b];
    if (!(*hi > *lo)) { /* a (nearly) constant column */
        *lo = v[0];
        *hi = v[m - 1];
    }
    if (!(*hi > *lo)) {
        double c = *lo, d = fabs(c) > 0 ? 0.1 * fabs(c) : 0.5;
        *lo = c - d;
        *hi = c + d;
    }
    free(v);
    return HN_OK;
}

void hn_report_minmax(size_t n, const double *v, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            a = v[i] < a ? v[i] : a;
            b = v[i] > b ? v[i] : b;
        }
    if (!(b >= a)) {
        a = 0;
        b = 1;
    }
    double pad = b > a ? 0.05 * (b - a) : (fabs(a) > 0 ? 0.1 * fabs(a) : 0.5);
    *lo = a - pad;
    *hi = b + pad;
}
