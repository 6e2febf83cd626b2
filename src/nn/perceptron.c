#include "hepnn/perceptron.h"

#include <stdlib.h>

hn_status hn_perceptron_init(hn_perceptron *p, int n_inputs, hn_rng *rng, hn_error *err)
{
    if (!p || n_inputs < 1)
        return hn_error_set(err, HN_ERR_ARG, "perceptron: %d inputs, need at least 1", n_inputs);
    p->n_inputs = n_inputs;
    p->w = calloc((size_t)n_inputs + 1, sizeof(double));
    if (!p->w)
        return hn_error_set(err, HN_ERR_NOMEM, "perceptron: out of memory");
    for (int i = 0; rng && i <= n_inputs; i++)
        p->w[i] = hn_rng_uniform(rng) - 0.5;
    return HN_OK;
}

void hn_perceptron_free(hn_perceptron *p)
{
    if (p) {
        free(p->w);
        p->w = NULL;
    }
}

int hn_perceptron_predict(const hn_perceptron *p, const float *x)
{
    double a = p->w[p->n_inputs]; /* the bias: a weight on the constant input 1 */
    for (int i = 0; i < p->n_inputs; i++)
        a += p->w[i] * x[i];
    return a >= 0.0;
}

hn_status hn_perceptron_train(hn_perceptron *p, const float *x, const float *t, int64_t n, double rate,
                              int max_epochs, int *epochs_run, int64_t *mistakes, hn_error *err)
{
    if (!p || !p->w || !x || !t || n < 1 || !(rate > 0) || max_epochs < 1)
        return hn_error_set(err, HN_ERR_ARG, "perceptron_train: bad arguments (n %lld, rate %g, max_epochs %d)",
                            (long long)n, rate, max_epochs);
    int64_t wrong = 0;
    int epoch = 0;
    while (epoch < max_epochs) {
        epoch++;
        wrong = 0;
        for (int64_t k = 0; k < n; k++) {
            const float *xk = x + k * p->n_inputs;
            int y = hn_perceptron_predict(p, xk);
            double delta = (double)y - (double)t[k]; /* y − t */
            if (delta == 0.0)
                continue;
            wrong++;
            for (int i = 0; i < p->n_inputs; i++)
                p->w[i] -= rate * delta * xk[i];
            p->w[p->n_inputs] -= rate * delta;
        }
        if (wrong == 0)
            break;
    }
    if (epochs_run)
        *epochs_run = epoch;
    if (mistakes)
        *mistakes = wrong;
    return HN_OK;
}
