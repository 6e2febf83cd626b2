/* hepnn — the dataset a physicist describes: "signal is these trees,
 * background those, with these variables, after this selection, weighted by
 * this expression", from ROOT, CSV or NumPy sources, into the arrays the
 * training loop takes (include/hepnn/train.h).
 *
 * Every variable, cut, weight, label, target and spectator is an expression
 * (docs/expressions.md) compiled once and evaluated over whole columns.
 * Sources are read in chunks of entries: only the branches the expressions
 * need, one chunk at a time, so the memory held while reading is the chunk's
 * columns plus the selected events' features (docs/dataset.md). */
#ifndef HEPNN_DATASET_H
#define HEPNN_DATASET_H

#include "hepnn/augment.h"
#include "hepnn/model.h"
#include "hepnn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A source is a string: "file.root:tree" or "dir/file.root:dir/tree" (a glob
 * such as "data/run*.root:Events" chains the files in sorted order), "x.csv"
 * (or .txt/.tsv), "x.npy" (columns named c0, c1, ...) or "x.npz". */

/* One class: its sources, and an optional selection and weight of its own. */
typedef struct hn_class_def {
    const char *name;
    const char *const *sources;
    int n_sources;
    const char *cut;    /* NULL: every event */
    const char *weight; /* NULL: 1 */
} hn_class_def;

/* Objects of a jagged collection as network inputs: for each event the first
 * max_objects objects (optionally sorted by an expression, e.g. leading jets
 * by pT), each with n_vars per-object expressions, zero-padded, followed by a
 * mask of max_objects values (1 where an object exists). */
typedef struct hn_jagged_input {
    const char *name; /* feature names: name.var[i] and name.mask[i] */
    const char *const *vars;
    int n_vars;
    int max_objects;
    const char *sort_by; /* NULL: stored order */
    int ascending;       /* default (0): largest first */
} hn_jagged_input;

/* A jet image as network input: for each event, the particles' (eta, phi)
 * binned into an image weighted by pT, with the standard preprocessing
 * (include/hepnn/augment.h: centre on the pT-weighted axis, rotate the
 * principal axis, flip, normalise). pt, eta, phi are per-object expressions
 * of one collection. Features: n_eta × n_phi pixels, row-major, named
 * name[i,j]; a CNN reshapes them to (1, n_eta, n_phi). */
typedef struct hn_image_input {
    const char *name;
    const char *pt, *eta, *phi;
    hn_jet_image_opts opts;
} hn_image_input;

typedef struct hn_data_spec {
    hn_task task;
    /* Either classes with their own sources (classification), ... */
    const hn_class_def *classes;
    int n_classes;
    /* ... or common sources with a label expression (the class index; 0/1 for
     * binary) or regression targets. */
    const char *const *sources;
    int n_sources;
    const char *label;
    const char *const *class_names; /* with label: names of the classes (may be NULL) */
    int n_class_names;
    const char *const *targets; /* regression */
    int n_targets;
    /* Inputs only (applying a model): common sources, no label or targets
     * (y is 0; for regression n_targets zeros per event). */
    int unlabelled;

    const char *const *variables; /* per-event features */
    int n_variables;
    const hn_jagged_input *jagged;
    int n_jagged;
    const hn_image_input *images; /* after the variables and the jagged inputs */
    int n_images;
    const char *cut;    /* applied to every source, with the class cut */
    const char *weight; /* multiplies the class weight */
    const char *const *spectators; /* carried along, not features */
    int n_spectators;

    /* Assignment to train / validation / test: by expressions of the event
     * (deterministic, e.g. "event % 5 == 0" for test), or by k-fold (the event
     * is in the test fold when fold_expr mod n_folds == fold), or else by seeded
     * fractions. Rules may combine: the test rule first, then validation. */
    const char *test_expr;
    const char *val_expr;
    const char *fold_expr;
    int n_folds, fold;
    double val_fraction, test_fraction;
    uint64_t seed;

    int64_t max_entries;   /* per source, 0 = all */
    int64_t chunk_entries; /* entries read at a time, 0 = HN_DATA_CHUNK_DEFAULT */
    int64_t first_entry;   /* per source: read entries [first_entry, first_entry + max_entries) */
    unsigned keep_parts;   /* bit (1 << HN_PART_*) set: keep those events only; 0 = all */
    int allow_empty;       /* a selection may keep no event (a window of a stream) */
} hn_data_spec;

/* Entries read at a time by default: 2^18 keeps the columns of one chunk to
 * about 2 MB per branch while baskets cut at chunk edges are rarely read twice. */
#define HN_DATA_CHUNK_DEFAULT (1 << 18)

enum { HN_PART_TRAIN = 0, HN_PART_VAL = 1, HN_PART_TEST = 2 };

/* The loaded events. */
typedef struct hn_data {
    hn_dataset all; /* x (n, n_features), y, w: owned */
    char **feature_names;
    int n_classes;
    char **class_names;
    int n_spectators;
    char **spectator_names;
    double *spectators; /* (n, n_spectators) */
    int8_t *part;       /* HN_PART_* per event */
    int32_t *source;    /* index of the source (in spec order, classes first) per event */
    int64_t *entry;     /* entry number within that source */
    int n_sources;
    char **source_names;
    int64_t *source_entries; /* entries in each source (all of them, not only those read) */
} hn_data;

/* Loads everything the spec describes. Errors name the source, the branch or
 * variable, and the entry: a missing branch, a per-object quantity used as a
 * per-event variable, a selection that keeps no event, NaN or infinity in a
 * feature, a label outside the classes. */
hn_status hn_data_load(const hn_data_spec *spec, hn_data *out, hn_error *err);
void hn_data_free(hn_data *d);

/* Training events streamed in windows of `window` entries of every source
 * (the events of the training part only; splits must then come from rules —
 * test/validation/fold expressions — so that each event's part does not depend
 * on the window). Memory holds one window's events. */
typedef struct hn_data_streamer hn_data_streamer;
hn_status hn_data_streamer_new(const hn_data_spec *spec, int64_t window, hn_data_streamer **out, hn_error *err);
/* The stream for hn_train_stream; valid while the streamer lives. */
hn_data_stream hn_data_streamer_stream(hn_data_streamer *s);
void hn_data_streamer_free(hn_data_streamer *s);

/* A copy of the events of one part (HN_PART_*), owned. */
hn_status hn_data_part(const hn_data *d, int part, hn_dataset *out, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
