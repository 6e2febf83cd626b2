/* Internal: a source of events for the dataset builder (src/data/source.c). */
#ifndef HN_DATA_SOURCE_H
#define HN_DATA_SOURCE_H

#include "hepnn/expr.h"
#include "hepnn/root.h"
#include "hepnn/table.h"

enum { HN_SOURCE_ROOT = 1, HN_SOURCE_TABLE = 2 };

typedef struct hn_source {
    int kind;
    const char *name;
    int64_t n_entries;
    hn_root_chain *chain; /* ROOT */
    hn_table table;       /* CSV, NPY, NPZ */
    /* the columns loaded for the current range */
    hn_column *cols;
    hn_root_array *arrays;
    int64_t **offsets; /* built for fixed-size arrays */
    int n_cols, cap_cols;
} hn_source;

hn_status hn_source_open(hn_source *s, const char *spec, hn_error *err);
void hn_source_close(hn_source *s);
/* Loads the named columns for entries [start, stop), replacing the previous ones. */
hn_status hn_source_load(hn_source *s, const char *const *names, int n, int64_t start, int64_t stop, hn_error *err);
void hn_source_release(hn_source *s);
/* An hn_expr_resolver over the loaded columns (ctx: the hn_source). */
hn_status hn_source_resolve(void *ctx, const char *name, hn_column *out, hn_error *err);

#endif
