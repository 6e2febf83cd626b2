/* The output files of `hepnn apply`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_write.h"
#include "hepnn/csv.h"
#include "hepnn/npy.h"

static int ends_with(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && !strcmp(s + n - m, x);
}

/* Column names of the outputs: score; score_<class>; the target names. */
static void output_name(const hn_model *m, int k, char *buf, size_t n)
{
    const hn_model_spec *s = hn_model_get_spec(m);
    if (s->task == HN_TASK_BINARY)
        snprintf(buf, n, "score");
    else if (s->task == HN_TASK_MULTICLASS)
        snprintf(buf, n, "score_%s", hn_model_class_name(m, k) ? hn_model_class_name(m, k) : "class");
    else
        snprintf(buf, n, "prediction_%d", k);
    for (char *c = buf; *c; c++) /* names usable as branch and column names */
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            *c = '_';
}

hn_status hn_apply_write(const char *path, const hn_model *m, const hn_data *d, const float *out, hn_error *err)
{
    int64_t n = d->all.n;
    int o = hn_model_get_spec(m)->n_outputs, S = d->n_spectators, nc = S + o;
    char (*names)[128] = calloc((size_t)nc + 1, sizeof *names);
    double *cols = malloc(sizeof(double) * (size_t)(n * nc + 1)); /* column-major */
    hn_status st = (!names || !cols) ? hn_error_set(err, HN_ERR_NOMEM, "out of memory") : HN_OK;
    for (int c = 0; !st && c < nc; c++) {
        if (c < S)
            snprintf(names[c], sizeof names[c], "%s", d->spectator_names[c]);
        else
            output_name(m, c - S, names[c], sizeof names[c]);
        for (int64_t i = 0; i < n; i++)
            cols[c * n + i] = c < S ? d->spectators[i * S + c] : (double)out[i * o + (c - S)];
    }
    if (st) {
    } else if (ends_with(path, ".csv")) {
        hn_csv_column *cc = calloc((size_t)nc + 1, sizeof *cc);
        float *fo = malloc(sizeof(float) * (size_t)(n * o + 1));
        st = (!cc || !fo) ? hn_error_set(err, HN_ERR_NOMEM, "out of memory") : HN_OK;
        for (int c = 0; !st && c < nc; c++) {
            cc[c].name = names[c];
            if (c < S) {
                cc[c].f64 = cols + c * n;
            } else { /* outputs as the floats they are */
                for (int64_t i = 0; i < n; i++)
                    fo[(c - S) * n + i] = out[i * o + (c - S)];
                cc[c].f32 = fo + (c - S) * n;
            }
        }
        if (!st)
            st = hn_csv_write(path, cc, nc, n, ',', err);
        free(cc);
        free(fo);
    } else if (ends_with(path, ".npy")) {
        double *mat = malloc(sizeof(double) * (size_t)(n * nc + 1));
        st = mat ? HN_OK : hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; !st && i < n; i++)
            for (int c = 0; c < nc; c++)
                mat[i * nc + c] = cols[c * n + i];
        if (!st)
            st = hn_npy_write(path, HN_NPY_F8, 2, (int64_t[]){n, nc}, mat, err);
        free(mat);
    } else if (ends_with(path, ".root")) {
        st = hn_apply_write_root(path, (const char(*)[128])names, nc, S, cols, out, n, o, err);
    } else {
        st = hn_error_set(err, HN_ERR_ARG, "%s: the output must end in .root, .csv or .npy", path);
    }
    free(names);
    free(cols);
    return st;
}

hn_status hn_apply_write_root(const char *path, const char (*names)[128], int nc, int n_copied, const double *cols,
                              const float *out, int64_t n, int n_out, hn_error *err)
{
    /* copied columns as double (integers up to 2^53 exactly), outputs as float */
    hn_root_wbranch *br = calloc((size_t)nc + 1, sizeof *br);
    const void **data = calloc((size_t)nc + 1, sizeof *data);
    float *fo = malloc(sizeof(float) * (size_t)(n * n_out + 1));
    hn_status st = (!br || !data || !fo) ? hn_error_set(err, HN_ERR_NOMEM, "out of memory") : HN_OK;
    for (int c = 0; !st && c < nc; c++) {
        br[c].name = names[c];
        br[c].width = 1;
        if (c < n_copied) {
            br[c].type = HN_ROOT_T_F64;
            data[c] = cols + c * n;
        } else {
            br[c].type = HN_ROOT_T_F32;
            for (int64_t i = 0; i < n; i++)
                fo[(c - n_copied) * n + i] = out[i * n_out + (c - n_copied)];
            data[c] = fo + (c - n_copied) * n;
        }
    }
    hn_root_writer *w = NULL;
    if (!st)
        st = hn_root_writer_open(path, "scores", br, (size_t)nc, 4, &w, err);
    if (!st) {
        st = hn_root_writer_append(w, n, data, err);
        hn_status st2 = hn_root_writer_close(w, err); /* frees w either way */
        if (!st)
            st = st2;
    }
    free(br);
    free(data);
    free(fo);
    return st;
}
