/* In-place introsort specialised for the metrics' arrays: inline comparisons
 * make it several times faster than qsort on 10^7 events, and the heapsort
 * fallback bounds the worst case at O(n log n) whatever the scores. */
#include "metrics_internal.h"

#include <stdlib.h>

#define HN_SMALL_SORT 24

/* The template is instantiated twice: events by decreasing score, doubles by
 * increasing value. BEFORE(a, b) is true when a must come before b. */
#define HN_DEFINE_SORT(NAME, T, BEFORE)                                                        \
    static void NAME##_insertion(T *a, size_t n)                                               \
    {                                                                                          \
        for (size_t i = 1; i < n; i++) {                                                       \
            T x = a[i];                                                                        \
            size_t j = i;                                                                      \
            while (j > 0 && BEFORE(x, a[j - 1])) {                                             \
                a[j] = a[j - 1];                                                               \
                j--;                                                                           \
            }                                                                                  \
            a[j] = x;                                                                          \
        }                                                                                      \
    }                                                                                          \
    static void NAME##_sift(T *a, size_t root, size_t n)                                       \
    {                                                                                          \
        for (;;) {                                                                             \
            size_t c = 2 * root + 1;                                                           \
            if (c >= n)                                                                        \
                return;                                                                        \
            if (c + 1 < n && BEFORE(a[c], a[c + 1]))                                           \
                c++;                                                                           \
            if (!BEFORE(a[root], a[c]))                                                        \
                return;                                                                        \
            T t = a[root];                                                                     \
            a[root] = a[c];                                                                    \
            a[c] = t;                                                                          \
            root = c;                                                                          \
        }                                                                                      \
    }                                                                                          \
    static void NAME##_heap(T *a, size_t n)                                                    \
    {                                                                                          \
        for (size_t i = n / 2; i-- > 0;)                                                       \
            NAME##_sift(a, i, n);                                                              \
        for (size_t end = n; end-- > 1;) {                                                     \
            T t = a[0];                                                                        \
            a[0] = a[end];                                                                     \
            a[end] = t;                                                                        \
            NAME##_sift(a, 0, end);                                                            \
        }                                                                                      \
    }                                                                                          \
    static void NAME##_rec(T *a, size_t n, int depth)                                          \
    {                                                                                          \
        while (n > HN_SMALL_SORT) {                                                            \
            if (depth-- == 0) {                                                                \
                NAME##_heap(a, n);                                                             \
                return;                                                                        \
            }                                                                                  \
            /* median of three as pivot, moved to a[0] */                                      \
            size_t m = n / 2;                                                                  \
            T t;                                                                               \
            if (BEFORE(a[m], a[0])) { t = a[m]; a[m] = a[0]; a[0] = t; }                       \
            if (BEFORE(a[n - 1], a[m])) { t = a[n - 1]; a[n - 1] = a[m]; a[m] = t; }           \
            if (BEFORE(a[m], a[0])) { t = a[m]; a[m] = a[0]; a[0] = t; }                       \
            t = a[m]; a[m] = a[0]; a[0] = t;                                                   \
            T p = a[0];                                                                        \
            /* Hoare partition: elements equal to the pivot go to both sides, so many       \
             * tied scores still split evenly */                                               \
            size_t i = 0, j = n;                                                               \
            for (;;) {                                                                         \
                do i++; while (i < n && BEFORE(a[i], p));                                      \
                do j--; while (BEFORE(p, a[j]));                                               \
                if (i >= j)                                                                    \
                    break;                                                                     \
                t = a[i]; a[i] = a[j]; a[j] = t;                                               \
            }                                                                                  \
            t = a[0]; a[0] = a[j]; a[j] = t;                                                   \
            /* recurse into the smaller part, loop on the larger: O(log n) stack */           \
            size_t nl = j, nr = n - j - 1;                                                     \
            if (nl < nr) {                                                                     \
                NAME##_rec(a, nl, depth);                                                      \
                a += j + 1;                                                                    \
                n = nr;                                                                        \
            } else {                                                                           \
                NAME##_rec(a + j + 1, nr, depth);                                              \
                n = nl;                                                                        \
            }                                                                                  \
        }                                                                                      \
        NAME##_insertion(a, n);                                                                \
    }

#define HN_EVENT_BEFORE(x, y) ((x).score > (y).score)
#define HN_DOUBLE_BEFORE(x, y) ((x) < (y))

HN_DEFINE_SORT(hn_sort_ev, hn_mx_event, HN_EVENT_BEFORE)
HN_DEFINE_SORT(hn_sort_d, double, HN_DOUBLE_BEFORE)

static int depth_limit(size_t n)
{
    int d = 0;
    while (n > 1) {
        n >>= 1;
        d++;
    }
    return 2 * d + 2;
}

void hn_mx_sort_desc(hn_mx_event *ev, size_t n) { hn_sort_ev_rec(ev, n, depth_limit(n)); }

void hn_mx_sort_doubles(double *x, size_t n) { hn_sort_d_rec(x, n, depth_limit(n)); }
