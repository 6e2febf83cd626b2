#ifndef HEPNN_CLI_APPLY_WRITE_H
#define HEPNN_CLI_APPLY_WRITE_H

#include "hepnn/dataset.h"

/* Writes the copied columns (d->spectators) and the outputs (n × n_outputs)
 * to path, in the format its extension names (.root, .csv, .npy). */
hn_status hn_apply_write(const char *path, const hn_model *m, const hn_data *d, const float *out, hn_error *err);

#endif
