/* hepnn — a table of named double columns, all of the same length.
 *
 * The neutral in-memory form that the CSV and NumPy readers produce and that
 * the expression evaluator can read (hn_table_resolve), before the dataset
 * builder turns selected expressions into float32 features.
 */
#ifndef HEPNN_TABLE_H
#define HEPNN_TABLE_H

#include <stdint.h>

#include "hepnn/expr.h"
#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_table {
    int64_t n_rows;
    int n_cols;
    char **names;   /* n_cols names, owned by the table */
    double **cols;  /* n_cols arrays of n_rows values, owned by the table */
} hn_table;

/* An empty table (0 rows, 0 columns); `hn_table t = {0}` is the same. */
void hn_table_init(hn_table *t);

/* Frees everything the table owns and leaves it empty. Accepts NULL. */
void hn_table_free(hn_table *t);

/* Appends a column named `name` holding a copy of values[0..n_rows).
 * The first column fixes t->n_rows; later ones must have the same length.
 * values may be NULL only when n_rows is 0. Returns HN_ERR_ARG for an empty
 * or duplicate name or a length mismatch, HN_ERR_NOMEM. */
hn_status hn_table_add_column(hn_table *t, const char *name, const double *values, int64_t n_rows,
                              hn_error *err);

/* Like hn_table_add_column, but takes ownership of `values` (malloc'd,
 * n_rows long) instead of copying; on failure values is freed too. */
hn_status hn_table_adopt_column(hn_table *t, const char *name, double *values, int64_t n_rows,
                                hn_error *err);

/* Index of the column called name, or -1. */
int hn_table_find(const hn_table *t, const char *name);

/* An hn_expr_resolver over a table: ctx is a `const hn_table *`. Every
 * column is flat; an unknown name gives HN_ERR_ARG naming it. */
hn_status hn_table_resolve(void *ctx, const char *name, hn_column *out, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
