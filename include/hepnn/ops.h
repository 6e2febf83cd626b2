/* hepnn — the ops: each records a node in the graph and returns its output
 * tensor, or NULL (with the graph's error set: op name and shapes) when the
 * arguments do not fit. Every op has a forward and a backward kernel.
 *
 * Shapes are written as in the kernels: x (B, N) means batch B, N features.
 * Axes may be negative (counted from the end). HN_AXIS_ALL reduces everything.
 */
#ifndef HEPNN_OPS_H
#define HEPNN_OPS_H

#include "hepnn/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HN_AXIS_ALL 127

/* --- linear algebra ---------------------------------------------------------- */

/* a (M, K) · b (K, N) -> (M, N) through cblas_sgemm. trans_a / trans_b use the
 * transposed operand (a stored (K, M), b stored (N, K)). Without trans_a, a may
 * have more dimensions (..., K): the leading ones are flattened into M and kept
 * in the output (..., N). b is always 2-D. */
hn_tensor *hn_matmul(hn_graph *g, hn_tensor *a, hn_tensor *b, int trans_a, int trans_b);

/* --- elementwise binary, with broadcasting -------------------------------------
 * Shapes broadcast as in NumPy (aligned at the last dimension; a dimension of 1,
 * or a missing leading one, repeats): a row vector (N) or a scalar over (B, N),
 * a column (B, 1) over (B, N). The gradient of a broadcast operand is summed. */
hn_tensor *hn_add(hn_graph *g, hn_tensor *a, hn_tensor *b);
hn_tensor *hn_sub(hn_graph *g, hn_tensor *a, hn_tensor *b);
hn_tensor *hn_mul(hn_graph *g, hn_tensor *a, hn_tensor *b);
hn_tensor *hn_div(hn_graph *g, hn_tensor *a, hn_tensor *b);

/* y = s·x + c (hn_scale: c = 0; hn_add_scalar: s = 1). */
hn_tensor *hn_affine(hn_graph *g, hn_tensor *x, float s, float c);
hn_tensor *hn_scale(hn_graph *g, hn_tensor *x, float s);
hn_tensor *hn_add_scalar(hn_graph *g, hn_tensor *x, float c);

/* --- reductions and shape ------------------------------------------------------ */

/* Sum / mean over one axis (removed from the shape), or over everything
 * (axis HN_AXIS_ALL, a scalar). */
hn_tensor *hn_sum(hn_graph *g, hn_tensor *x, int axis);
hn_tensor *hn_mean(hn_graph *g, hn_tensor *x, int axis);

/* Same values, new shape; one dimension may be -1 (inferred), so (-1, 784)
 * flattens any batch. */
hn_tensor *hn_reshape(hn_graph *g, hn_tensor *x, int ndim, const int64_t *shape);
/* Joins n tensors along axis; all other dimensions must agree. */
hn_tensor *hn_concat(hn_graph *g, hn_tensor *const *xs, int n, int axis);
/* x[..., start:start+len, ...] along axis. */
hn_tensor *hn_slice(hn_graph *g, hn_tensor *x, int axis, int64_t start, int64_t len);
/* Same values; no gradient flows back through it (stop-gradient). */
hn_tensor *hn_detach(hn_graph *g, hn_tensor *x);

/* --- elementwise functions --------------------------------------------------- */
hn_tensor *hn_exp(hn_graph *g, hn_tensor *x);
hn_tensor *hn_log(hn_graph *g, hn_tensor *x);
hn_tensor *hn_sqrt(hn_graph *g, hn_tensor *x);
hn_tensor *hn_square(hn_graph *g, hn_tensor *x);
hn_tensor *hn_abs(hn_graph *g, hn_tensor *x);

/* --- activations (the lecture's table) --------------------------------------- */
hn_tensor *hn_identity(hn_graph *g, hn_tensor *x);
/* Binary step: 1 for x >= 0, else 0; its gradient is 0 everywhere. */
hn_tensor *hn_step(hn_graph *g, hn_tensor *x);
hn_tensor *hn_sigmoid(hn_graph *g, hn_tensor *x);
hn_tensor *hn_tanh(hn_graph *g, hn_tensor *x);
hn_tensor *hn_atan(hn_graph *g, hn_tensor *x);
hn_tensor *hn_relu(hn_graph *g, hn_tensor *x);
/* PReLU: x for x > 0, a·x otherwise, with a learnable slope a: one value, or
 * one per channel (dimension 1 of x). */
hn_tensor *hn_prelu(hn_graph *g, hn_tensor *x, hn_tensor *a);
/* ELU: x for x > 0, alpha·(exp(x) − 1) otherwise. */
hn_tensor *hn_elu(hn_graph *g, hn_tensor *x, float alpha);
/* softplus(x) = log(1 + exp(x)), computed without overflow. */
hn_tensor *hn_softplus(hn_graph *g, hn_tensor *x);
hn_tensor *hn_softmax(hn_graph *g, hn_tensor *x, int axis);
hn_tensor *hn_log_softmax(hn_graph *g, hn_tensor *x, int axis);

/* Inverted dropout: in training, zeroes each value with probability p and scales
 * the rest by 1/(1−p), drawing from the graph's RNG; in evaluation, identity. */
hn_tensor *hn_dropout(hn_graph *g, hn_tensor *x, float p);

/* Batch normalisation over the batch (and the positions of a channel): x (B, C)
 * or (B, C, ...) normalised per channel c: y = gamma_c·(x − μ_c)/sqrt(σ²_c + eps) + beta_c.
 * In training, μ and σ² (biased) come from the batch, and the running
 * statistics (states, (C)) are updated: r ← (1 − momentum)·r + momentum·batch
 * value (the unbiased variance for running_var), as PyTorch does. In
 * evaluation the running statistics are used. gamma, beta: (C). */
hn_tensor *hn_batchnorm(hn_graph *g, hn_tensor *x, hn_tensor *gamma, hn_tensor *beta, hn_tensor *running_mean,
                        hn_tensor *running_var, float momentum, float eps);

/* --- losses --------------------------------------------------------------------
 * Each returns a scalar: L = (1/B) Σ_i w_i · l_i over the B examples (rows) of
 * the batch, with per-example weights w (B) — HEP event weights, which may be
 * negative — or w_i = 1 when w is NULL. This is PyTorch's (w * l).mean() and
 * Keras' sample_weight convention. */

/* l_i = ½ Σ_j (y_ij − t_ij)²; y, t (B, ...) of equal shape. */
hn_tensor *hn_loss_mse(hn_graph *g, hn_tensor *y, hn_tensor *t, hn_tensor *w);
/* Binary cross-entropy from logits z (stable): l = max(z,0) − z·t + log(1 + e^−|z|),
 * summed over the non-batch dimensions; z, t (B, ...) of equal shape. */
hn_tensor *hn_loss_bce_logits(hn_graph *g, hn_tensor *z, hn_tensor *t, hn_tensor *w);
/* Binary cross-entropy from probabilities p, clamped to [eps, 1 − eps]
 * (no gradient where clamped): l = −t·log p − (1 − t)·log(1 − p). */
hn_tensor *hn_loss_bce(hn_graph *g, hn_tensor *p, hn_tensor *t, hn_tensor *w, float eps);
/* Multi-class log-likelihood from logits z (B, C) and class labels (B) holding
 * integers 0..C−1: l = −log_softmax(z)[label] (fused, stable). */
hn_tensor *hn_loss_cross_entropy(hn_graph *g, hn_tensor *z, hn_tensor *labels, hn_tensor *w);
/* The same from log-probabilities logp (B, C): l = −logp[label]. */
hn_tensor *hn_loss_nll(hn_graph *g, hn_tensor *logp, hn_tensor *labels, hn_tensor *w);
/* KL divergence of N(mu, exp(logvar)) from N(0, 1), diagonal, per example:
 * l = −½ Σ_j (1 + logvar_j − mu_j² − exp(logvar_j)); mu, logvar (B, D). */
hn_tensor *hn_loss_kl_gauss(hn_graph *g, hn_tensor *mu, hn_tensor *logvar, hn_tensor *w);

#ifdef __cplusplus
}
#endif
#endif
