/* Sources for the dataset builder: a ROOT chain, or a table read from CSV,
 * .npy or .npz, seen through one interface: the number of entries, and the
 * columns an expression needs for a range of entries. */
#define _POSIX_C_SOURCE 200809L
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/source.h"
#include "hepnn/csv.h"
#include "hepnn/npy.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int has_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* "a/x*.root:dir/tree" (a glob) -> the matching files, sorted, each with the tree. */
static hn_status open_root(hn_source *s, const char *spec, hn_error *err)
{
    char *file = NULL, *tree = NULL;
    hn_status st = hn_root_split_spec(spec, &file, &tree, err);
    if (st)
        return st;
    char **specs = NULL;
    size_t n = 0;
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    if (has_glob(file)) {
        int rc = glob(file, 0, NULL, &gl);
        if (rc != 0 || gl.gl_pathc == 0) {
            st = hn_error_set(err, HN_ERR_IO, "source %s: no file matches %s", spec, file);
            goto done;
        }
        n = gl.gl_pathc; /* glob sorts */
    } else {
        n = 1;
    }
    specs = calloc(n, sizeof *specs);
    if (!specs) {
        st = hn_error_set(err, HN_ERR_NOMEM, "source %s: out of memory", spec);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *f = has_glob(file) ? gl.gl_pathv[i] : file;
        size_t len = strlen(f) + strlen(tree ? tree : "") + 2;
        specs[i] = malloc(len);
        if (!specs[i]) {
            st = hn_error_set(err, HN_ERR_NOMEM, "source %s: out of memory", spec);
            goto done;
        }
        snprintf(specs[i], len, "%s%s%s", f, tree ? ":" : "", tree ? tree : "");
    }
    st = hn_root_chain_open((const char *const *)specs, n, &s->chain, err);
    if (!st)
        s->n_entries = hn_root_chain_entries(s->chain);
done:
    for (size_t i = 0; specs && i < n; i++)
        free(specs[i]);
    free(specs);
    if (has_glob(file))
        globfree(&gl);
    free(file);
    free(tree);
    return st;
}

hn_status hn_source_open(hn_source *s, const char *spec, hn_error *err)
{
    memset(s, 0, sizeof *s);
    if (!spec || !*spec)
        return hn_error_set(err, HN_ERR_ARG, "source: empty name");
    s->name = spec;
    hn_status st;
    const char *colon = strstr(spec, ".root:");
    if (colon || ends_with(spec, ".root")) {
        s->kind = HN_SOURCE_ROOT;
        st = open_root(s, spec, err);
    } else if (ends_with(spec, ".csv") || ends_with(spec, ".txt") || ends_with(spec, ".tsv")) {
        s->kind = HN_SOURCE_TABLE;
        st = hn_csv_read(spec, NULL, &s->table, err);
    } else if (ends_with(spec, ".npz")) {
        s->kind = HN_SOURCE_TABLE;
        hn_npz z;
        memset(&z, 0, sizeof z);
        st = hn_npz_read(spec, 0, &z, err);
        if (!st)
            st = hn_npz_to_table(&z, &s->table, err);
        hn_npz_free(&z);
    } else if (ends_with(spec, ".npy")) {
        s->kind = HN_SOURCE_TABLE;
        hn_npy_array a;
        memset(&a, 0, sizeof a);
        st = hn_npy_read(spec, 0, &a, err);
        if (!st) {
            int64_t k = a.ndim == 2 ? a.shape[1] : 1;
            char **names = calloc((size_t)(k > 0 ? k : 1), sizeof *names);
            for (int64_t i = 0; names && i < k; i++) {
                names[i] = malloc(24);
                if (names[i])
                    snprintf(names[i], 24, "c%lld", (long long)i);
            }
            st = names ? hn_npy_to_table(&a, (const char *const *)names, &s->table, err)
                       : hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", spec);
            for (int64_t i = 0; names && i < k; i++)
                free(names[i]);
            free(names);
        }
        hn_npy_array_free(&a);
    } else {
        return hn_error_set(err, HN_ERR_ARG, "source %s: unknown kind (expected file.root:tree, .csv, .npy or .npz)",
                            spec);
    }
    if (!st && s->kind == HN_SOURCE_TABLE)
        s->n_entries = s->table.n_rows;
    if (st) {
        hn_source_close(s);
        return hn_error_prefix(err, "source %s", spec);
    }
    return HN_OK;
}

void hn_source_close(hn_source *s)
{
    if (!s)
        return;
    hn_source_release(s);
    hn_root_chain_close(s->chain);
    hn_table_free(&s->table);
    free(s->cols);
    free(s->arrays);
    free(s->offsets);
    memset(s, 0, sizeof *s);
}

void hn_source_release(hn_source *s)
{
    for (int i = 0; i < s->n_cols; i++) {
        hn_root_array_free(&s->arrays[i]);
        free(s->offsets[i]);
        s->offsets[i] = NULL;
    }
    s->n_cols = 0;
}

static int find_col(const hn_source *s, const char *name)
{
    for (int i = 0; i < s->n_cols; i++)
        if (!strcmp(s->cols[i].name, name))
            return i;
    return -1;
}

hn_status hn_source_load(hn_source *s, const char *const *names, int n, int64_t start, int64_t stop, hn_error *err)
{
    hn_source_release(s);
    if (n > s->cap_cols) {
        int cap = n + 8;
        hn_column *c = realloc(s->cols, sizeof *c * (size_t)cap);
        if (c)
            s->cols = c;
        hn_root_array *a = realloc(s->arrays, sizeof *a * (size_t)cap);
        if (a)
            s->arrays = a;
        int64_t **o = realloc(s->offsets, sizeof *o * (size_t)cap);
        if (o)
            s->offsets = o;
        if (!c || !a || !o)
            return hn_error_set(err, HN_ERR_NOMEM, "source %s: out of memory", s->name);
        s->cap_cols = cap;
    }
    for (int i = 0; i < n; i++) {
        if (find_col(s, names[i]) >= 0)
            continue;
        int k = s->n_cols;
        hn_column *c = &s->cols[k];
        memset(c, 0, sizeof *c);
        memset(&s->arrays[k], 0, sizeof s->arrays[k]);
        s->offsets[k] = NULL;
        c->name = names[i];
        c->n_entries = stop - start;
        if (s->kind == HN_SOURCE_TABLE) {
            int j = hn_table_find(&s->table, names[i]);
            if (j < 0)
                return hn_error_set(err, HN_ERR_ARG, "source %s: no column '%s'", s->name, names[i]);
            c->values = s->table.cols[j] + start;
        } else {
            hn_root_array *a = &s->arrays[k];
            s->n_cols = k + 1; /* so that release frees a partly read column */
            hn_status st = hn_root_chain_read(s->chain, names[i], start, stop, HN_ROOT_F64, a, err);
            if (st)
                return hn_error_prefix(err, "source %s, branch %s", s->name, names[i]);
            c->values = a->values;
            if (a->offsets) {
                c->offsets = a->offsets;
            } else if (a->width > 1) { /* a fixed array: every event has width objects */
                int64_t *o = malloc(sizeof(int64_t) * (size_t)(c->n_entries + 1));
                if (!o)
                    return hn_error_set(err, HN_ERR_NOMEM, "source %s: out of memory", s->name);
                for (int64_t e = 0; e <= c->n_entries; e++)
                    o[e] = e * a->width;
                s->offsets[k] = o;
                c->offsets = o;
            }
        }
        s->n_cols = k + 1;
    }
    return HN_OK;
}

hn_status hn_source_resolve(void *ctx, const char *name, hn_column *out, hn_error *err)
{
    hn_source *s = ctx;
    int i = find_col(s, name);
    if (i < 0)
        return hn_error_set(err, HN_ERR_ARG, "source %s: '%s' was not loaded", s->name, name);
    *out = s->cols[i];
    return HN_OK;
}
