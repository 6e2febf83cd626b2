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

/* --- convolution and pooling (deep architectures) -------------------------------
 * Images are (B, C, H, W) and sequences (B, C, L), channels first as in PyTorch.
 * Convolution is cross-correlation, lowered to im2col + cblas_sgemm. */

/* Padding value asking for "same" output size: ceil(input / stride), the
 * total padding split as evenly as possible with the extra row or column at
 * the bottom/right (Keras' and PyTorch's padding='same'). */
#define HN_PAD_SAME (-1)

/* 2-D convolution: x (B, Cin, H, W), w (Cout, Cin, kh, kw), optional bias b
 * (Cout) or NULL -> (B, Cout, Ho, Wo) with Ho = (H + 2·pad_h − dil_h·(kh − 1) − 1)
 * / stride_h + 1 (and likewise for W). pad_h, pad_w: zero padding, or HN_PAD_SAME. */
hn_tensor *hn_conv2d(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, int64_t stride_h, int64_t stride_w,
                     int64_t pad_h, int64_t pad_w, int64_t dil_h, int64_t dil_w);
/* 1-D convolution: x (B, Cin, L), w (Cout, Cin, k), b (Cout) or NULL -> (B, Cout, Lo). */
hn_tensor *hn_conv1d(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, int64_t stride, int64_t pad,
                     int64_t dil);
/* Transposed 2-D convolution (the gradient of conv2d with respect to its input;
 * upsampling): x (B, Cin, H, W), w (Cin, Cout, kh, kw) as PyTorch stores it, b (Cout)
 * or NULL -> (B, Cout, Ho, Wo), Ho = (H − 1)·stride_h − 2·pad_h + dil_h·(kh − 1) +
 * out_pad_h + 1. out_pad resolves the output size when stride > 1 (smaller than
 * the stride or the dilation). */
hn_tensor *hn_conv_transpose2d(hn_graph *g, hn_tensor *x, hn_tensor *w, hn_tensor *b, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t out_pad_h, int64_t out_pad_w,
                               int64_t dil_h, int64_t dil_w);

/* Max / average pooling over kh×kw windows moved by stride, x (B, C, H, W) ->
 * (B, C, Ho, Wo), Ho = (H + 2·pad_h − kh) / stride_h + 1 (floor). Padding is at
 * most half the kernel; max pooling ignores padded positions, average pooling
 * counts them as zeros (PyTorch's count_include_pad). The 1-D forms take
 * (B, C, L). Max pooling routes the gradient to the first maximum. */
hn_tensor *hn_maxpool2d(hn_graph *g, hn_tensor *x, int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w,
                        int64_t pad_h, int64_t pad_w);
hn_tensor *hn_avgpool2d(hn_graph *g, hn_tensor *x, int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w,
                        int64_t pad_h, int64_t pad_w);
hn_tensor *hn_maxpool1d(hn_graph *g, hn_tensor *x, int64_t k, int64_t stride, int64_t pad);
hn_tensor *hn_avgpool1d(hn_graph *g, hn_tensor *x, int64_t k, int64_t stride, int64_t pad);
/* Mean over every position of each channel: x (B, C, ...) -> (B, C). */
hn_tensor *hn_global_avgpool(hn_graph *g, hn_tensor *x);
/* x (B, ...) -> (B, N): every dimension after the batch one, flattened (a reshape). */
hn_tensor *hn_flatten(hn_graph *g, hn_tensor *x);

/* --- recurrent cells (fused; the layers in hepnn/layers_deep.h unroll them) ---- */

/* LSTM step from the gate pre-activations, in PyTorch's order (input, forget,
 * cell, output): gates = gx + gh, i = σ, f = σ, g = tanh, o = σ,
 * c = f·c_prev + i·g, h = o·tanh(c). gx (B, 4H) or (B, 1, 4H) (input part with
 * bias), gh (B, 4H) (hidden part), c_prev (B, H); gh and c_prev are NULL together
 * for the first step (zero state). Returns (B, 2H) = [h, c]: slice it. */
hn_tensor *hn_lstm_cell(hn_graph *g, hn_tensor *gx, hn_tensor *gh, hn_tensor *c_prev);
/* GRU step in PyTorch's convention (gates reset, update, new):
 * r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r·gh_n), h = (1 − z)·n + z·h_prev.
 * gx (B, 3H) or (B, 1, 3H), gh (B, 3H) = h_prev·W_hhᵀ + b_hh, or the bias b_hh (3H)
 * alone for the first step, when h_prev is NULL (zero state). Returns h (B, H). */
hn_tensor *hn_gru_cell(hn_graph *g, hn_tensor *gx, hn_tensor *gh, hn_tensor *h_prev);

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
