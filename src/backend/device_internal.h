/* Internal: a log of scalar values kept on a graph's device, so a loop can
 * record a value per step (the training loss) without waiting for the device,
 * and read a block of them with one wait. On the CPU a put is a plain copy. */
#ifndef HN_BACKEND_DEVICE_INTERNAL_H
#define HN_BACKEND_DEVICE_INTERNAL_H

#include <stddef.h>

#include "hepnn/graph.h"

typedef struct hn_value_log hn_value_log;

hn_status hn_value_log_new(hn_value_log **out, hn_graph *g, int capacity, hn_error *err);
/* Slot i becomes t's first value, queued behind g's work (t must be of g). */
hn_status hn_value_log_put(hn_value_log *l, int i, const hn_tensor *t, hn_error *err);
/* Waits for g's device and copies slots 0..n) to out; a device error (such as
 * a bad class label met by a loss kernel) comes back here. */
hn_status hn_value_log_read(hn_value_log *l, float *out, int n, hn_error *err);
void hn_value_log_free(hn_value_log *l);

/* Host memory that g's device copies from without staging (page-locked on
 * CUDA, so hn_tensor_set from it returns before the copy has run: do not
 * reuse it before a mark recorded after the copy has been passed). Plain
 * malloc on the CPU. NULL when out of memory. */
void *hn_host_pinned_alloc(hn_graph *g, size_t bytes);
void hn_host_pinned_free(hn_graph *g, void *p);

/* A mark in g's queue of work: record it after some queued work, wait for it
 * later (the host blocks until the device has passed it). On the CPU both
 * return at once. */
typedef struct hn_mark hn_mark;
hn_status hn_mark_new(hn_mark **out, hn_graph *g, hn_error *err);
hn_status hn_mark_record(hn_mark *m, hn_error *err);
hn_status hn_mark_wait(hn_mark *m, hn_error *err);
void hn_mark_free(hn_mark *m);

#endif
