/* Internal: a log of scalar values kept on a graph's device, so a loop can
 * record a value per step (the training loss) without waiting for the device,
 * and read a block of them with one wait. On the CPU a put is a plain copy. */
#ifndef HN_BACKEND_DEVICE_INTERNAL_H
#define HN_BACKEND_DEVICE_INTERNAL_H

#include "hepnn/graph.h"

typedef struct hn_value_log hn_value_log;

hn_status hn_value_log_new(hn_value_log **out, hn_graph *g, int capacity, hn_error *err);
/* Slot i becomes t's first value, queued behind g's work (t must be of g). */
hn_status hn_value_log_put(hn_value_log *l, int i, const hn_tensor *t, hn_error *err);
/* Waits for g's device and copies slots 0..n) to out; a device error (such as
 * a bad class label met by a loss kernel) comes back here. */
hn_status hn_value_log_read(hn_value_log *l, float *out, int n, hn_error *err);
void hn_value_log_free(hn_value_log *l);

#endif
