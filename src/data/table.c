#include "hepnn/table.h"

#include <stdlib.h>
#include <string.h>

void hn_table_init(hn_table *t)
{
    memset(t, 0, sizeof *t);
}

void hn_table_free(hn_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n_cols; i++) {
        free(t->names[i]);
        free(t->cols[i]);
    }
    free(t->names);
    free(t->cols);
    hn_table_init(t);
}

int hn_table_find(const hn_table *t, const char *name)
{
    for (int i = 0; i < t->n_cols; i++)
        if (!strcmp(t->names[i], name))
            return i;
    return -1;
}

hn_status hn_table_adopt_column(hn_table *t, const char *name, double *values, int64_t n_rows,
                                hn_error *err)
{
    hn_status st = HN_OK;
    if (!t || !name || !*name || n_rows < 0 || (!values && n_rows > 0)) {
        st = hn_error_set(err, HN_ERR_ARG, "table: invalid column arguments");
        goto fail;
    }
    if (hn_table_find(t, name) >= 0) {
        st = hn_error_set(err, HN_ERR_ARG, "table: duplicate column '%s'", name);
        goto fail;
    }
    if (t->n_cols > 0 && n_rows != t->n_rows) {
        st = hn_error_set(err, HN_ERR_ARG, "table: column '%s' has %lld rows, the table has %lld",
                          name, (long long)n_rows, (long long)t->n_rows);
        goto fail;
    }
    char **names = realloc(t->names, (size_t)(t->n_cols + 1) * sizeof *names);
    if (!names)
        goto nomem;
    t->names = names;
    double **cols = realloc(t->cols, (size_t)(t->n_cols + 1) * sizeof *cols);
    if (!cols)
        goto nomem;
    t->cols = cols;
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy)
        goto nomem;
    memcpy(copy, name, len + 1);
    if (!values) /* keep a non-NULL pointer so that a 0-row column is still a column */
        values = malloc(1);
    if (!values) {
        free(copy);
        goto nomem;
    }
    t->names[t->n_cols] = copy;
    t->cols[t->n_cols] = values;
    t->n_cols++;
    t->n_rows = n_rows;
    return HN_OK;
nomem:
    st = hn_error_set(err, HN_ERR_NOMEM, "table: out of memory adding column '%s'", name);
fail:
    free(values);
    return st;
}

hn_status hn_table_add_column(hn_table *t, const char *name, const double *values, int64_t n_rows,
                              hn_error *err)
{
    if (n_rows < 0 || (!values && n_rows > 0) || (uint64_t)n_rows > SIZE_MAX / sizeof(double))
        return hn_error_set(err, HN_ERR_ARG, "table: invalid column arguments");
    double *copy = malloc(n_rows > 0 ? (size_t)n_rows * sizeof *copy : 1);
    if (!copy)
        return hn_error_set(err, HN_ERR_NOMEM, "table: out of memory copying column '%s'",
                            name ? name : "?");
    if (n_rows > 0)
        memcpy(copy, values, (size_t)n_rows * sizeof *copy);
    return hn_table_adopt_column(t, name, copy, n_rows, err);
}

hn_status hn_table_resolve(void *ctx, const char *name, hn_column *out, hn_error *err)
{
    const hn_table *t = ctx;
    int i = t ? hn_table_find(t, name) : -1;
    if (i < 0)
        return hn_error_set(err, HN_ERR_ARG, "no column named '%s'", name);
    out->name = t->names[i];
    out->n_entries = t->n_rows;
    out->values = t->cols[i];
    out->offsets = NULL;
    return HN_OK;
}
