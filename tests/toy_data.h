/* The toy signal/background sample used by the training tests, generated
 * from hn_rng so that tools/fixtures/gen_train.py (which re-implements the
 * same generator in Python) draws exactly the same events for scikit-learn.
 * Five features x ~ N(0, 1); the probability of signal is
 * sigmoid(2·(x0·x1 + sin 2x2 + ½x3² − ½)); x4 is noise. */
#ifndef HN_TEST_TOY_DATA_H
#define HN_TEST_TOY_DATA_H

#include <math.h>

#include "hepnn/rng.h"

#define TOY_FEATURES 5

static double toy_prob(const float *x)
{
    double s = 2.0 * ((double)x[0] * x[1] + sin(2.0 * x[2]) + 0.5 * (double)x[3] * x[3] - 0.5);
    return 1.0 / (1.0 + exp(-s));
}

/* n events into x (n, 5) and y (n); p (n) the true probabilities if not NULL. */
static void toy_generate(int64_t n, uint64_t seed, float *x, float *y, double *p)
{
    hn_rng rng;
    hn_rng_seed(&rng, seed);
    for (int64_t i = 0; i < n; i++) {
        float *xi = x + i * TOY_FEATURES;
        for (int j = 0; j < TOY_FEATURES; j++)
            xi[j] = (float)hn_rng_normal(&rng);
        double prob = toy_prob(xi);
        y[i] = hn_rng_uniform(&rng) < prob ? 1.0f : 0.0f;
        if (p)
            p[i] = prob;
    }
}

#endif
