#ifndef HEPNN_CLI_APPLY_WRITE_H
#define HEPNN_CLI_APPLY_WRITE_H

#include "hepnn/dataset.h"
#include "hepnn/root_write.h"

/* Writes the copied columns (d->spectators) and the outputs (n × n_outputs)
 * to path, in the format its extension names (.root, .csv, .npy). */
hn_status hn_apply_write(const char *path, const hn_model *m, const hn_data *d, const float *out, hn_error *err);

/* The .root variant: a tree "scores" with the copied columns (double) and the
 * outputs (float). cols: n values per column, column after column. */
hn_status hn_apply_write_root(const char *path, const char (*names)[128], int nc, int n_copied, const double *cols,
                              const float *out, int64_t n, int n_out, hn_error *err);

#endif
