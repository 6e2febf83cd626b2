/* hepnn — the run configuration of `hepnn train` (YAML, read with libyaml):
 * data, network, training, seed, threads. docs/config.md is the reference.
 * Unknown keys, wrong types and impossible values are errors naming the key
 * and the line. Any key can be overridden by "a.b.c=value" strings (the
 * command line's train.lr=3e-4). */
#ifndef HEPNN_CONFIG_H
#define HEPNN_CONFIG_H

#include "hepnn/dataset.h"
#include "hepnn/model.h"
#include "hepnn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_run_config hn_run_config;

/* Reads and checks a configuration file, applying the overrides in order. */
hn_status hn_config_load(const char *path, const char *const *overrides, int n_overrides, hn_run_config **out,
                         hn_error *err);
/* The same from text; name is used in messages. */
hn_status hn_config_parse(const char *text, size_t len, const char *name, const char *const *overrides,
                          int n_overrides, hn_run_config **out, hn_error *err);
void hn_config_free(hn_run_config *c);

/* The parts. Pointers stay valid while c lives. */
const hn_data_spec *hn_config_data(const hn_run_config *c);
hn_train_config hn_config_train(const hn_run_config *c);
/* The model for n_inputs features (known once the data is loaded). */
hn_model_spec hn_config_model(const hn_run_config *c, int n_inputs);
uint64_t hn_config_seed(const hn_run_config *c);
int hn_config_threads(const hn_run_config *c); /* 0: leave the default */
const char *hn_config_device(const hn_run_config *c); /* "cpu" or "cuda" */
int hn_config_checkpoint(const hn_run_config *c);     /* write checkpoints (default 1) */
/* data.stream: training events streamed in windows of this many entries per
 * source (0: everything in memory). */
int64_t hn_config_stream_entries(const hn_run_config *c);
/* The configuration a model was trained with, from its metadata (which
 * `hepnn train` writes as YAML with a `config:` map). HN_ERR_FORMAT if the
 * model carries none. */
hn_status hn_config_from_model(const hn_model *m, hn_run_config **out, hn_error *err);

/* A value of the model's metadata by dotted path ("metrics.test_auc"), or NULL;
 * copied into buf. */
const char *hn_model_meta_get(const hn_model *m, const char *path, char *buf, size_t size);

/* train.augment: what the training batches get (docs/config.md). */
typedef struct hn_augment_spec {
    int image;              /* 1: an image block is flipped / shifted / rotated */
    int64_t image_offset;   /* its first feature; −1: the last c·h·w features */
    int64_t c, h, w;        /* its shape, (C, H, W) channels first */
    double flip_h, flip_v;  /* probabilities of a left–right / up–down flip */
    int64_t shift;          /* shifts up to ±shift pixels (zeros shifted in) */
    int rot90;              /* random multiples of 90° (square images) */
    int particles;          /* 1: the objects of a jagged block are permuted */
    int64_t offset, objects, vars; /* that block (offset −1: the last objects·(vars + 1) features) */
} hn_augment_spec;

/* The augmentation of the configuration, or NULL when it has none. */
const hn_augment_spec *hn_config_augment(const hn_run_config *c);
/* The hn_train_config.augment callback for an hn_augment_spec (user): applies
 * it to each of the rows (n_features each) with rng. HN_ERR_ARG when a block
 * does not fit in n_features (naming train.augment). hn_config_train sets it
 * when the configuration asks for augmentation. */
hn_status hn_augment_rows(void *user, float *x, int64_t rows, int n_features, hn_rng *rng, hn_error *err);

/* The effective configuration (after overrides) as YAML text. */
const char *hn_config_text(const hn_run_config *c);

#ifdef __cplusplus
}
#endif
#endif
