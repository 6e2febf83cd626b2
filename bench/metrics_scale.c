/* Times the metrics on 10^7 events (default) of a generated classifier output.
 * Build and run from the repository root after `make`:
 *   cc -O2 -Iinclude bench/metrics_scale.c build/libhepnn.a -lopenblas -fopenmp -lm -o build/metrics_scale
 *   ./build/metrics_scale [n_events]
 * Compare with scikit-learn on the same size: bench/metrics_scale_sklearn.py. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hepnn/metrics.h"
#include "hepnn/rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    float *score = malloc(n * sizeof *score);
    double *w = malloc(n * sizeof *w);
    int32_t *lab = malloc(n * sizeof *lab);
    if (!score || !w || !lab)
        return 1;
    hn_rng r;
    hn_rng_seed(&r, 1);
    for (size_t i = 0; i < n; i++) {
        lab[i] = hn_rng_uniform(&r) < 0.3;
        score[i] = (float)(hn_rng_normal(&r) + 1.0 * lab[i]);
        w[i] = (lab[i] && hn_rng_uniform(&r) < 0.05) ? -0.2 : 1.0; /* negative weights on signal only: scikit-learn refuses a non-monotonic background */
    }
    hn_binary_input in = hn_binary_input_make(n, hn_reals_f32(score), lab, hn_reals_f64(w));
    hn_error err = {0};
    double t0 = now(), auc;
    if (hn_auc(&in, &auc, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    double t1 = now();
    hn_roc roc;
    if (hn_roc_compute(&in, &roc, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    hn_roc_summary s;
    hn_roc_summarize(&roc, &s, &err);
    double t2 = now();
    hn_cut cut;
    if (hn_best_cut(&in, HN_SIGNIFICANCE_ASIMOV, 100, &cut, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    double t3 = now();
    hn_ks_result ks;
    size_t half = n / 2;
    if (hn_ks_2samp(half, hn_reals_f32(score), n - half, hn_reals_f32(score + half), HN_KS_AUTO, &ks,
                    &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    double t4 = now();
    printf("n = %zu events, %zu ROC points\n", n, roc.n_points);
    printf("hn_auc            %.3f s  (AUC %.6f)\n", t1 - t0, auc);
    printf("hn_roc_compute+summary %.3f s  (rejection at 50%% %.3f)\n", t2 - t1,
           s.rejection_at_eff_s[1]);
    printf("hn_best_cut       %.3f s  (Z %.3f)\n", t3 - t2, cut.z);
    printf("hn_ks_2samp       %.3f s  (D %.5f p %.4f)\n", t4 - t3, ks.d, ks.p_value);
    hn_roc_free(&roc);
    free(score);
    free(w);
    free(lab);
    return 0;
}
