/* hepnn — the classic perceptron (Rosenblatt), with the lecture's learning rule.
 *
 * y = H(w·x + b), H the Heaviside step (1 for w·x + b >= 0, else 0). The bias is
 * a weight on a constant input 1. After each example the weights move by
 * ΔW = −r·(y − t)·x (and Δb = −r·(y − t)): nothing changes when the example is
 * classified right. On linearly separable data this converges in finitely many
 * epochs; on XOR it never does. */
#ifndef HEPNN_PERCEPTRON_H
#define HEPNN_PERCEPTRON_H

#include <stdint.h>

#include "hepnn/rng.h"
#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_perceptron {
    int n_inputs;
    double *w; /* n_inputs weights, then the bias */
} hn_perceptron;

/* Weights drawn uniformly in ±0.5 from rng (zeros when rng is NULL). */
hn_status hn_perceptron_init(hn_perceptron *p, int n_inputs, hn_rng *rng, hn_error *err);
void hn_perceptron_free(hn_perceptron *p);

/* The output 0 or 1 for one example x (n_inputs values). */
int hn_perceptron_predict(const hn_perceptron *p, const float *x);

/* Trains on n examples x (n, n_inputs) with targets t (0/1), presenting them in
 * order, epoch after epoch, until an epoch makes no mistake or max_epochs have
 * run. Reports the epochs run and the mistakes of the last epoch. */
hn_status hn_perceptron_train(hn_perceptron *p, const float *x, const float *t, int64_t n, double rate,
                              int max_epochs, int *epochs_run, int64_t *mistakes, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
