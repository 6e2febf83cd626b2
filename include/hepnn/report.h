/* hepnn — the training report: one self-contained HTML page (inline SVG and
 * CSS, no scripts, nothing fetched from the network) with the figures a
 * physicist expects after training a classifier or a regression (loss curves,
 * ROC curves and the TMVA table of working points, the train/test overtraining
 * check with Kolmogorov–Smirnov p-values, input distributions, correlation
 * matrices, variable ranking, confusion matrix, predicted versus true), plus
 * one CSV file per plotted series next to it for replotting in ROOT or
 * matplotlib. docs/report.md describes every figure.
 *
 * The caller fills an hn_report_input (pointers to arrays it keeps owning)
 * and calls hn_report_write. Every number shown comes from the metrics of
 * hepnn/metrics.h; the report only bins, draws and tabulates. Numbers are
 * printed with the C library's printf: keep LC_NUMERIC at "C" (the default
 * unless the program calls setlocale) so that decimals use a point. */
#ifndef HEPNN_REPORT_H
#define HEPNN_REPORT_H

#include <stdint.h>

#include "hepnn/model.h"
#include "hepnn/status.h"
#include "hepnn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One sample (training or test) as the report sees it; all arrays belong to
 * the caller and must stay valid during hn_report_write.
 *   x      (n, n_features) row-major input features (raw, as in the dataset),
 *          or NULL: the input figures and the ranking need the test sample's x;
 *   y      binary: n labels 0/1 (1 = signal); multi-class: n class ids
 *          0..C−1 stored as float (hn_dataset's layout); regression:
 *          (n, n_outputs) targets;
 *   w      n event weights (may be negative), or NULL for unit weights;
 *   output (n, n_outputs) network outputs: the signal probability (binary),
 *          the class probabilities (multi-class), the predictions (regression).
 * n == 0 means "no such sample". */
typedef struct hn_report_sample {
    int64_t n;
    const float *x, *y, *w, *output;
} hn_report_sample;

/* The sample view of a dataset and the model's outputs on it. */
static inline hn_report_sample hn_report_sample_of(const hn_dataset *d, const float *output)
{
    hn_report_sample s = {d->n, d->x, d->y, d->w, output};
    return s;
}

/* Runs the trained model on n events x (n, n_features) into out
 * (n, n_outputs), like hn_model_predict (hn_report_predict_model below is
 * that wrapper, with user = the hn_model). Used to re-score the test sample with one input
 * column permuted for the variable ranking. */
typedef hn_status (*hn_report_predict_fn)(void *user, const float *x, int64_t n, float *out,
                                          hn_error *err);

/* The predict callback for a trained hepnn model: model is the hn_model *.
 * Statuses as hn_model_predict. */
hn_status hn_report_predict_model(void *model, const float *x, int64_t n, float *out, hn_error *err);

/* An extra line of run metadata. */
typedef struct hn_report_meta {
    const char *key, *value;
} hn_report_meta;

typedef struct hn_report_input {
    const char *title; /* page heading; NULL: "hepnn training report" */

    /* --- the problem ---------------------------------------------------------- */
    hn_task task;
    int n_features;
    int n_outputs; /* binary: 1; multi-class: number of classes (>= 2); regression: targets */
    const char *const *feature_names; /* n_features, or NULL: "x0", "x1", ... */
    /* binary: 2 names, [0] background and [1] signal; multi-class: n_outputs;
     * regression: n_outputs target names. NULL: "background"/"signal",
     * "class 0"..., "target 0"... */
    const char *const *class_names;

    /* --- training history (hn_train_result) ----------------------------------- */
    const hn_epoch_stats *history; /* n_epochs rows, or NULL */
    int n_epochs;
    int best_epoch;    /* the epoch whose weights were kept (1-based); 0: the last one with .best set */
    int stopped_early; /* the caption says early stopping ended the run */

    /* --- outputs on the samples ------------------------------------------------ */
    hn_report_sample train; /* may be empty (no overtraining check then) */
    hn_report_sample test;  /* required (n > 0, y and output set) */

    /* --- variable ranking -------------------------------------------------------
     * With predict set: permutation importance on the test sample (at most
     * ranking_max_events events, 0: 20000; columns shuffled from
     * ranking_seed): the drop in test AUC (binary), in accuracy
     * (multi-class), or the rise in mean squared error (regression) when one
     * input is shuffled. Without predict: ranking (n_features values, larger
     * = more important, described by ranking_name) if given. Binary tasks
     * also get TMVA's separation <S^2> of each input. */
    hn_report_predict_fn predict;
    void *predict_user;
    int64_t ranking_max_events;
    uint64_t ranking_seed;
    const double *ranking;
    const char *ranking_name;

    /* --- text ---------------------------------------------------------------------- */
    const char *model_summary; /* hn_model_summary's text, or NULL */
    const char *config_text;   /* the configuration as run, or NULL */
    const char *inputs;        /* data files, trees, selections (free text), or NULL */
    const char *versions;      /* library and dependency versions, or NULL */
    const char *timestamp;     /* NULL: the time of writing, UTC, ISO 8601 */
    uint64_t seed;
    double events_per_second;  /* training throughput; <= 0 or NaN: not shown */
    const hn_report_meta *meta; /* n_meta extra key/value lines */
    int n_meta;
} hn_report_input;

/* Writes the report to path (normally ".../report.html") and the CSV files of
 * its plotted series next to it: path's name without ".html", then
 * "_loss.csv", "_roc.csv", "_scores.csv", ... (docs/report.md lists them).
 * Every file is written atomically (temporary file in the same directory,
 * then rename); the CSV files first, the page last. A figure whose metric
 * cannot be computed (say, a test sample with only one class) is replaced by
 * a note giving the reason, and the rest of the report is written.
 * Returns HN_ERR_ARG (NULL pointers, unknown task, sizes that do not fit,
 * an empty test sample, a class id out of range), HN_ERR_IO (a file cannot be
 * written; the message names it), HN_ERR_NOMEM, or the status of a failing
 * predict callback. */
hn_status hn_report_write(const char *path, const hn_report_input *in, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
