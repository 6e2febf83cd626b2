/* The whole of `hepnn train`, shared with `hepnn demo`. */
#ifndef HEPNN_CLI_TRAIN_RUN_H
#define HEPNN_CLI_TRAIN_RUN_H

#include "hepnn/evaluate.h"

typedef struct hn_train_options {
    const char *config;         /* a file, or NULL with config_text */
    const char *config_text;
    const char *const *overrides;
    int n_overrides;
    const char *outdir;
    const char *json_log;
    int quiet;
    const char *title;          /* printed before training (the demo names its runs) */
    const char *report_title;   /* the report's heading; NULL: from the configuration's name */
    const char *report_note_key, *report_note; /* an extra line in the report's run table, or NULL */
} hn_train_options;

typedef struct hn_train_outcome {
    hn_eval_summary test, train;
    int best_epoch, epochs_run;
    double events_per_second, seconds;
} hn_train_outcome;

/* Returns the exit code (0 success, 1 failure, 2 bad configuration). */
int hn_train_run(const hn_train_options *opt, hn_train_outcome *outcome);

#endif
