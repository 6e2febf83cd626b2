/* hepnn — the training loop: datasets and splits, input standardisation,
 * epochs over shuffled minibatches, validation each epoch, early stopping with
 * restoration of the best weights, L1/L2 penalties, class balancing, event
 * weights throughout, callbacks, and checkpoints that resume bit-identically. */
#ifndef HEPNN_TRAIN_H
#define HEPNN_TRAIN_H

#include "hepnn/model.h"
#include "hepnn/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Events in memory, row-major. y: binary 0/1 (n); multi-class class ids
 * 0..C−1 (n); regression targets (n, n_outputs). w: event weights (n; may be
 * negative) or NULL for 1. When owned (made by hn_dataset_* below) the arrays
 * are freed by hn_dataset_free; a dataset filled by the caller owns nothing. */
typedef struct hn_dataset {
    int64_t n;
    int n_features;
    int n_targets; /* values of y per event: 1, or n_outputs for regression */
    float *x, *y, *w;
    int owned;
} hn_dataset;

/* A copy of the rows idx[0..n) of d (owned). */
hn_status hn_dataset_subset(const hn_dataset *d, const int64_t *idx, int64_t n, hn_dataset *out, hn_error *err);
void hn_dataset_free(hn_dataset *d);

/* Splits n events into train / validation / test by fractions, reproducibly
 * from seed (a shuffled permutation cut in three). Each index list is
 * malloc'ed (free with free()) and sorted, so events keep their file order. */
typedef struct hn_split {
    int64_t *train, *val, *test;
    int64_t n_train, n_val, n_test;
} hn_split;
hn_status hn_split_fractions(int64_t n, double val_fraction, double test_fraction, uint64_t seed, hn_split *out,
                             hn_error *err);
void hn_split_free(hn_split *s);

typedef enum hn_norm_kind { HN_NORM_NONE = 0, HN_NORM_STANDARD, HN_NORM_MINMAX } hn_norm_kind;
/* Standardisation computed from d (unweighted, as scikit-learn's scalers):
 * STANDARD: shift = mean, scale = 1/σ; MINMAX: shift = min, scale = 1/(max − min);
 * a constant feature gets scale 1. NONE: shift 0, scale 1. */
hn_status hn_norm_compute(const hn_dataset *d, hn_norm_kind kind, float *shift, float *scale, hn_error *err);

/* One row of the training history. */
typedef struct hn_epoch_stats {
    int epoch;           /* 1-based */
    double train_loss;   /* mean data loss over the epoch's batches (penalties not included) */
    double val_loss;     /* NaN without validation data */
    double val_metric;   /* binary: AUC; multi-class: accuracy; regression: NaN */
    double lr;
    double seconds;
    double events_per_second;
    int best;            /* the best validation loss so far */
} hn_epoch_stats;

/* Progress within an epoch, for a progress bar. */
typedef struct hn_batch_progress {
    int epoch;
    int64_t batch, n_batches, events_done, n_events;
    double running_loss, seconds;
} hn_batch_progress;

typedef struct hn_train_config {
    hn_optim_config optim;
    hn_schedule schedule; /* learning rate per epoch (t = epoch − 1); lr0 overrides optim.lr when > 0 */
    int epochs;
    int64_t batch_size; /* 0: the whole training set each step (plain gradient descent) */
    int shuffle;        /* reshuffle the training events every epoch (default 1) */
    int patience;       /* early stopping after this many epochs without improvement; 0 = off */
    double min_delta;   /* an improvement must lower the validation loss by more than this */
    int restore_best;   /* put back the best epoch's weights at the end (default 1) */
    hn_penalty penalty; /* L1 / L2 on weights (not biases) */
    int balance_classes; /* scale weights so every class carries the same total weight */
    hn_norm_kind norm;   /* input standardisation computed on the training data */
    uint64_t seed;       /* shuffling */
    const char *checkpoint; /* if set, a checkpoint is written there after every epoch */
    const char *resume;     /* if set, training continues from this checkpoint */
    /* Where the training runs (default the CPU). On a device (HN_DEVICE_CUDA)
     * the model passed in stays a CPU model: a copy of it is built on the
     * device, trained there (each step one captured unit: docs/cuda.md) and its
     * values copied back into the model at the end and before each
     * checkpoint. The L1/L2 penalty is then part of the device graph's loss.
     * Results agree with the CPU's to float rounding, not bit for bit. */
    hn_device device;
    /* 0 (default): while hn_train runs, its threads flush subnormal floats
     * (below 1.2e-38) to zero, as TensorFlow's do: arithmetic on them is
     * 10-100x slower on x86 and they turn up in the backward pass of a
     * confident network (an epoch slowed by 40 % over six epochs). The
     * caller's floating-point mode is restored on return. 1 keeps IEEE
     * gradual underflow (slower; results differ only below 1.2e-38). */
    int keep_subnormals;
    /* Callbacks: per batch, and per epoch; a non-zero return stops training
     * after the current batch / epoch (Ctrl-C, user criteria). On a device
     * the batch losses are read back 16 batches at a time, so on_batch runs
     * for each batch in order with the same values but up to 15 batches late,
     * and a stop request takes effect after at most 15 more batches. */
    int (*on_batch)(const hn_batch_progress *p, void *user);
    int (*on_epoch)(const hn_epoch_stats *e, void *user);
    void *user;
    /* Data augmentation (NULL: none): transforms each training batch's rows
     * in place after they are gathered, x (rows, n_features) of raw features
     * (before the model's standardisation); never called for validation or
     * evaluation. rng is seeded per epoch from the shuffling RNG, so runs are
     * reproducible and resumed runs bit-identical. A non-zero status stops
     * training with that error. */
    hn_status (*augment)(void *user, float *x, int64_t rows, int n_features, hn_rng *rng, hn_error *err);
    void *augment_user;
} hn_train_config;

/* Adam (lr 1e-3), 10 epochs, batch 256, shuffling, no early stopping,
 * restore_best on, standardisation on, seed 1. */
hn_train_config hn_train_config_default(void);

typedef struct hn_train_result {
    int epochs_run;
    int best_epoch;       /* 0 without validation data */
    double best_val_loss;
    int stopped_early;    /* patience ran out */
    int interrupted;      /* a callback asked to stop */
    double events_per_second; /* over all epochs */
    hn_epoch_stats *history; /* epochs_run rows, malloc'ed: hn_train_result_free */
} hn_train_result;
void hn_train_result_free(hn_train_result *r);

/* Trains m on train, validating on val each epoch (val may be NULL or empty).
 * Checks that the datasets fit the model (features, targets, labels in range,
 * finite values: the message names the event and column). */
hn_status hn_train(hn_model *m, const hn_train_config *cfg, const hn_dataset *train, const hn_dataset *val,
                   hn_train_result *res, hn_error *err);

/* Training events that do not fit in memory, delivered in chunks: each epoch
 * calls rewind, then next until it gives a chunk of 0 events. The chunk is
 * owned by the stream and stays valid until the next call. Events are
 * shuffled within a chunk. n_events (if known, else 0) feeds progress reports. */
typedef struct hn_data_stream {
    hn_status (*rewind)(void *user, hn_error *err);
    hn_status (*next)(void *user, hn_dataset *chunk, hn_error *err);
    void *user;
    int64_t n_events;
} hn_data_stream;

/* hn_train over a stream. The standardisation and the class balance come
 * from sample (e.g. the first chunk, or a subsample); memory holds one chunk,
 * val, and the model. */
hn_status hn_train_stream(hn_model *m, const hn_train_config *cfg, const hn_data_stream *train,
                          const hn_dataset *sample, const hn_dataset *val, hn_train_result *res, hn_error *err);

/* The model's loss on d (evaluation mode, the training convention: weighted
 * mean over events), and optionally its outputs (n × n_outputs) into out. */
hn_status hn_model_evaluate(hn_model *m, const hn_dataset *d, double *loss, float *out, hn_error *err);

/* Checks that d fits m: sizes, finite values, labels in range. */
hn_status hn_dataset_check(const hn_model *m, const hn_dataset *d, const char *what, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
