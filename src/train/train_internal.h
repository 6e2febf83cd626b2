/* Internal to the training loop: the state a checkpoint saves. */
#ifndef HN_TRAIN_INTERNAL_H
#define HN_TRAIN_INTERNAL_H

#include "hepnn/train.h"

typedef struct hn_train_state {
    int epoch;              /* epochs completed */
    hn_rng shuffle_rng;
    double best_val;
    int best_epoch, bad_epochs;
    float *best_weights;    /* a snapshot of every persistent tensor (NULL before the first best) */
    int64_t n_weights;      /* floats in that snapshot */
    hn_epoch_stats *history;
    int n_history, cap_history;
} hn_train_state;

/* Copies every persistent tensor of g into buf (n floats), or back (any
 * device; HN_ERR_BACKEND for a failed device copy). */
int64_t hn_persistent_size(hn_graph *g);
hn_status hn_persistent_copy(hn_graph *g, float *buf, int to_graph, hn_error *err);

/* Checkpoint files (src/train/checkpoint.c). */
hn_status hn_checkpoint_write(const char *path, hn_model *m, const hn_optim *opt, const hn_train_state *s,
                              hn_error *err);
hn_status hn_checkpoint_read(const char *path, hn_model *m, hn_optim *opt, hn_train_state *s, hn_error *err);

/* The fused training step for plain MLPs (src/train/fast_mlp.c): NULL when the
 * model has a layer it does not handle (the graph path is used then). */
typedef struct hn_fast_mlp hn_fast_mlp;
hn_fast_mlp *hn_fast_mlp_new(hn_model *m, int64_t max_batch);
/* Forward, loss and backward for the B events already gathered into the
 * graph's inputs: the loss tensor holds the batch loss and every parameter
 * gradient is set (not accumulated), as zero_grad + forward + backward do. */
hn_status hn_fast_mlp_step(hn_fast_mlp *f, int64_t B, hn_error *err);
void hn_fast_mlp_free(hn_fast_mlp *f);

/* Benchmark diagnostics only (bench/hepnn_bench.c train --skip): the fused
 * MLP step leaves out its elementwise passes (each layer's product feeds the
 * next directly; no bias, activation or their derivatives) and/or hn_train
 * leaves out the optimiser's step, so the time of the rest can be measured.
 * The training is meaningless then. 0 (the default) for real training. */
#define HN_SKIP_ELEMENTWISE 1
#define HN_SKIP_OPTIMIZER 2
extern int hn_train_skip;

/* Tests only: 1 runs hn_train's device path (a twin model trained as a plan,
 * batches cut from the resident events by row lists) on the CPU too; 2 does
 * the same but assembles batches on the host, on the CPU and on a device. */
extern int hn_train_device_path_on_cpu;

#endif
