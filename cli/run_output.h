/* What `hepnn train` and `hepnn eval` print and write: the epoch table, the
 * summary figures, summary.json. */
#ifndef HEPNN_CLI_RUN_OUTPUT_H
#define HEPNN_CLI_RUN_OUTPUT_H

#include <stdio.h>

#include "common.h"
#include "hepnn/config.h"
#include "hepnn/evaluate.h"

typedef struct hn_progress {
    int quiet, tty, epochs;
    hn_task task;
    FILE *json_log;
    double t_start;
} hn_progress;

int hn_progress_batch(const hn_batch_progress *p, void *user);
int hn_progress_epoch(const hn_epoch_stats *e, void *user);
void hn_progress_header(const hn_progress *p);

/* Appends the figures of s as JSON members (no braces) with a key prefix ("test_"). */
void hn_summary_json(hn_text *t, const hn_eval_summary *s, const char *prefix);
/* Prints the figures of s for a person. */
void hn_summary_print(FILE *out, const hn_eval_summary *s, const char *title);

double hn_now(void);

#endif
