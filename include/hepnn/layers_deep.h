/* hepnn — deep-architecture layers: convolution, recurrent networks unrolled in
 * time (simple RNN, LSTM, GRU), residual blocks and highway layers.
 *
 * Each builder adds a sub-graph of core ops (include/hepnn/ops.h) to g, creates
 * its parameters as "<name>.<part>" (initialised from rng) and returns the
 * output tensor, or NULL with the graph's error set (hn_graph_status). As for
 * every op, a NULL input makes the builder return NULL, so a network can be
 * built in one go and checked once. docs/deep.md describes shapes and options.
 */
#ifndef HEPNN_LAYERS_DEEP_H
#define HEPNN_LAYERS_DEEP_H

#include "hepnn/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- convolution ----------------------------------------------------------------- */

/* 2-D convolution layer: x (B, Cin, H, W) -> (B, filters, Ho, Wo), creating
 * "<name>.w" (filters, Cin, kh, kw) (init with fan_in = Cin·kh·kw, fan_out =
 * filters·kh·kw) and "<name>.b" (filters) (zeros). pad may be HN_PAD_SAME. */
hn_tensor *hn_conv2d_layer(hn_graph *g, hn_tensor *x, int64_t filters, int64_t kh, int64_t kw, int64_t stride,
                           int64_t pad, int64_t dilation, hn_init_kind init, hn_rng *rng, const char *name);
/* 1-D convolution layer: x (B, Cin, L) -> (B, filters, Lo); "<name>.w" (filters, Cin, k). */
hn_tensor *hn_conv1d_layer(hn_graph *g, hn_tensor *x, int64_t filters, int64_t k, int64_t stride, int64_t pad,
                           int64_t dilation, hn_init_kind init, hn_rng *rng, const char *name);
/* Transposed 2-D convolution layer (upsampling by stride): x (B, Cin, H, W) ->
 * (B, filters, (H − 1)·stride − 2·pad + k + out_pad, ...); "<name>.w" (Cin, filters, k, k). */
hn_tensor *hn_conv_transpose2d_layer(hn_graph *g, hn_tensor *x, int64_t filters, int64_t k, int64_t stride,
                                     int64_t pad, int64_t out_pad, hn_init_kind init, hn_rng *rng, const char *name);

/* --- recurrent ------------------------------------------------------------------- */

typedef enum hn_rnn_cell {
    HN_RNN_SIMPLE = 0, /* h_t = tanh(W_xh x_t + W_hh h_{t−1} + b_h) */
    HN_RNN_LSTM,       /* input, forget, cell, output gates (PyTorch's order) */
    HN_RNN_GRU,        /* reset, update, new (PyTorch's convention) */
    HN_RNN_CELL_COUNT
} hn_rnn_cell;

typedef struct hn_rnn_opts {
    hn_rnn_cell cell;
    int64_t hidden;       /* H, >= 1 */
    int return_sequences; /* 1: many-to-many, (B, T, H); 0: many-to-one, the last state (B, H) */
    int bidirectional;    /* 1: a second network reads the sequence backwards; outputs concatenated (2H) */
    int truncate;         /* k > 0: truncated BPTT, the state is detached every k steps; 0: full BPTT */
    hn_tensor *mask;      /* (B, T) of 0/1, or NULL: where 0, the state is carried through unchanged */
} hn_rnn_opts;

/* Default options for a cell and hidden size (many-to-one, one direction, full
 * BPTT, no mask). */
hn_rnn_opts hn_rnn_opts_default(hn_rnn_cell cell, int64_t hidden);

/* A recurrent layer unrolled over the T steps of x (B, T, F): the same
 * parameters are used at every step, so backward is backpropagation through
 * time. Parameters (PyTorch's layout, gates stacked: G = 1, 4 or 3):
 * "<name>.w_ih" (G·H, F), "<name>.w_hh" (G·H, H), uniform in ±1/sqrt(H);
 * biases zero: "<name>.b" (G·H) for the simple RNN and the LSTM (whose
 * forget-gate part starts at 1), "<name>.b_ih" and "<name>.b_hh" (3H) for the
 * GRU. The backward direction's are "<name>.rev.*". The initial state is zero.
 * With a mask, padded steps (mask 0) leave h (and c) as they were, so
 * many-to-one returns the state after the last valid step, whatever the
 * length. Returns (B, H) or (B, T, H) (2H when bidirectional). */
hn_tensor *hn_rnn(hn_graph *g, hn_tensor *x, const hn_rnn_opts *opts, hn_rng *rng, const char *name);

/* --- residual and highway -------------------------------------------------------- */

/* The shortcut sum of a residual block: x + fx when the shapes agree; otherwise
 * a learned projection of x is added, "<name>.proj": x (B, IN) · P (IN, OUT) for
 * dense blocks, or a 1×1 convolution with the stride that maps x (B, C, H, W) to
 * fx's (B, C', H', W'). HN_ERR_SHAPE (graph error) when no such map exists. */
hn_tensor *hn_residual_add(hn_graph *g, hn_tensor *x, hn_tensor *fx, hn_rng *rng, const char *name);

/* Dense residual block: act(x + dense(act(dense(x)))) with "<name>.fc1" and
 * "<name>.fc2" (units each), projection when IN != units. */
hn_tensor *hn_residual_dense(hn_graph *g, hn_tensor *x, int64_t units, hn_act_kind act, hn_init_kind init,
                             hn_rng *rng, const char *name);
/* Convolutional residual block (ResNet's basic block): conv 3×3 (stride) →
 * [batch norm] → act → conv 3×3 → [batch norm], added to the shortcut, → act.
 * batch_norm: 1 to add the normalisations (then the convolutions have biases
 * anyway; they are harmless). */
hn_tensor *hn_residual_conv(hn_graph *g, hn_tensor *x, int64_t filters, int64_t stride, int batch_norm,
                            hn_act_kind act, hn_rng *rng, const char *name);

/* Highway layer: y = T·H + (1 − T)·x with the transform gate
 * T = σ(x W_T + b_T) and H = act(x W_H + b_H); x (B, N) -> (B, N). b_T starts
 * at gate_bias (negative, e.g. −2, so the layer first carries x through).
 * Parameters "<name>.t.w", "<name>.t.b" (gate), "<name>.h.w", "<name>.h.b". */
hn_tensor *hn_highway(hn_graph *g, hn_tensor *x, hn_act_kind act, float gate_bias, hn_init_kind init, hn_rng *rng,
                      const char *name);

#ifdef __cplusplus
}
#endif
#endif
