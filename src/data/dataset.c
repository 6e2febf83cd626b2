/* The dataset builder: sources, expressions, selection, weights, labels,
 * jagged inputs and the train / validation / test assignment. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/source.h"
#include "hepnn/dataset.h"

/* Every expression of the spec, compiled once. */
typedef struct {
    hn_expr **vars, **targets, **spect, **class_cut, **class_w;
    hn_expr ***jvars, **jsort;
    hn_expr **img; /* per image: pt, eta, phi */
    hn_expr *cut, *weight, *label, *test, *val, *fold;
} exprs;

/* The growing output. */
typedef struct {
    int64_t n, cap;
    float *x, *y, *w;
    double *spect;
    int8_t *part;
    int32_t *src;
    int64_t *entry;
} sink;

typedef struct {
    const hn_data_spec *spec;
    exprs e;
    int n_features, n_targets;
    sink out;
    char **feature_names;
    /* per chunk scratch */
    double **jval; /* per jagged input and variable: values of the chunk */
    int64_t **joff;
    double **jsortv;
    int64_t **jsorto;
    double **imgv;    /* per image and pt/eta/phi: the chunk's per-object values */
    int64_t **imgo;   /* their offsets */
    float *imgbuf;    /* one event's particles (pt, eta, phi) as floats */
    int64_t imgbuf_cap;
    int64_t *order; /* object order of one event */
    int64_t order_cap;
} builder;

static char *dup_str(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

static hn_status compile(hn_expr **out, const char *text, const char *what, hn_error *err)
{
    *out = NULL;
    if (!text)
        return HN_OK;
    hn_status st = hn_expr_compile(text, out, err);
    return st ? hn_error_prefix(err, "%s", what) : HN_OK;
}

static hn_expr **expr_array(int n)
{
    return calloc((size_t)(n > 0 ? n : 1), sizeof(hn_expr *));
}

static hn_status compile_all(builder *b, hn_error *err)
{
    const hn_data_spec *s = b->spec;
    exprs *e = &b->e;
    e->vars = expr_array(s->n_variables);
    e->targets = expr_array(s->n_targets);
    e->spect = expr_array(s->n_spectators);
    e->class_cut = expr_array(s->n_classes);
    e->class_w = expr_array(s->n_classes);
    e->jvars = calloc((size_t)(s->n_jagged + 1), sizeof(hn_expr **));
    e->jsort = expr_array(s->n_jagged);
    if (!e->vars || !e->targets || !e->spect || !e->class_cut || !e->class_w || !e->jvars || !e->jsort)
        return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    char what[128];
    hn_status st = HN_OK;
    for (int i = 0; !st && i < s->n_variables; i++) {
        snprintf(what, sizeof what, "variable %d", i + 1);
        st = compile(&e->vars[i], s->variables[i], what, err);
    }
    for (int i = 0; !st && !s->unlabelled && i < s->n_targets; i++) {
        snprintf(what, sizeof what, "target %d", i + 1);
        st = compile(&e->targets[i], s->targets[i], what, err);
    }
    for (int i = 0; !st && i < s->n_spectators; i++) {
        snprintf(what, sizeof what, "spectator %d", i + 1);
        st = compile(&e->spect[i], s->spectators[i], what, err);
    }
    for (int i = 0; !st && i < s->n_classes; i++) {
        snprintf(what, sizeof what, "class %s cut", s->classes[i].name);
        st = compile(&e->class_cut[i], s->classes[i].cut, what, err);
        snprintf(what, sizeof what, "class %s weight", s->classes[i].name);
        if (!st)
            st = compile(&e->class_w[i], s->classes[i].weight, what, err);
    }
    for (int j = 0; !st && j < s->n_jagged; j++) {
        const hn_jagged_input *ji = &s->jagged[j];
        e->jvars[j] = expr_array(ji->n_vars);
        if (!e->jvars[j])
            return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
        for (int v = 0; !st && v < ji->n_vars; v++) {
            snprintf(what, sizeof what, "%s variable %d", ji->name, v + 1);
            st = compile(&e->jvars[j][v], ji->vars[v], what, err);
        }
        snprintf(what, sizeof what, "%s sort_by", ji->name);
        if (!st)
            st = compile(&e->jsort[j], ji->sort_by, what, err);
    }
    e->img = expr_array(3 * s->n_images);
    if (!e->img)
        return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    for (int k = 0; !st && k < s->n_images; k++) {
        const char *parts[3] = {s->images[k].pt, s->images[k].eta, s->images[k].phi};
        static const char *const part_names[3] = {"pt", "eta", "phi"};
        for (int q = 0; !st && q < 3; q++) {
            snprintf(what, sizeof what, "image %s %s", s->images[k].name, part_names[q]);
            if (!parts[q])
                return hn_error_set(err, HN_ERR_ARG, "dataset: %s is missing", what);
            st = compile(&e->img[3 * k + q], parts[q], what, err);
        }
    }
    if (!st)
        st = compile(&e->cut, s->cut, "cut", err);
    if (!st)
        st = compile(&e->weight, s->weight, "weight", err);
    if (!st)
        st = compile(&e->label, s->label, "label", err);
    if (!st)
        st = compile(&e->test, s->test_expr, "test", err);
    if (!st)
        st = compile(&e->val, s->val_expr, "validation", err);
    if (!st)
        st = compile(&e->fold, s->fold_expr, "fold", err);
    return st;
}

static void free_exprs(builder *b)
{
    const hn_data_spec *s = b->spec;
    exprs *e = &b->e;
    for (int i = 0; e->vars && i < s->n_variables; i++)
        hn_expr_free(e->vars[i]);
    for (int i = 0; e->targets && i < s->n_targets; i++)
        hn_expr_free(e->targets[i]);
    for (int i = 0; e->spect && i < s->n_spectators; i++)
        hn_expr_free(e->spect[i]);
    for (int i = 0; e->class_cut && i < s->n_classes; i++) {
        hn_expr_free(e->class_cut[i]);
        hn_expr_free(e->class_w[i]);
    }
    for (int j = 0; e->jvars && j < s->n_jagged; j++) {
        for (int v = 0; e->jvars[j] && v < s->jagged[j].n_vars; v++)
            hn_expr_free(e->jvars[j][v]);
        free(e->jvars[j]);
        hn_expr_free(e->jsort[j]);
    }
    free(e->vars);
    free(e->targets);
    free(e->spect);
    free(e->class_cut);
    free(e->class_w);
    for (int k = 0; e->img && k < 3 * s->n_images; k++)
        hn_expr_free(e->img[k]);
    free(e->img);
    free(e->jvars);
    free(e->jsort);
    hn_expr_free(e->cut);
    hn_expr_free(e->weight);
    hn_expr_free(e->label);
    hn_expr_free(e->test);
    hn_expr_free(e->val);
    hn_expr_free(e->fold);
}

/* The expressions that apply to sources of class c (c < 0: common sources). */
static int active_exprs(builder *b, int c, hn_expr **list, int cap)
{
    const hn_data_spec *s = b->spec;
    exprs *e = &b->e;
    int n = 0;
#define ADD(x)                      \
    do {                            \
        if ((x) && n < cap)         \
            list[n++] = (x);        \
    } while (0)
    for (int i = 0; i < s->n_variables; i++)
        ADD(e->vars[i]);
    for (int i = 0; i < s->n_spectators; i++)
        ADD(e->spect[i]);
    for (int j = 0; j < s->n_jagged; j++) {
        for (int v = 0; v < s->jagged[j].n_vars; v++)
            ADD(e->jvars[j][v]);
        ADD(e->jsort[j]);
    }
    for (int k = 0; k < 3 * s->n_images; k++)
        ADD(e->img[k]);
    ADD(e->cut);
    ADD(e->weight);
    ADD(e->test);
    ADD(e->val);
    ADD(e->fold);
    if (c >= 0) {
        ADD(e->class_cut[c]);
        ADD(e->class_w[c]);
    } else if (!s->unlabelled) {
        ADD(e->label);
        for (int i = 0; i < s->n_targets; i++)
            ADD(e->targets[i]);
    }
#undef ADD
    return n;
}

static hn_status sink_grow(builder *b, int64_t need, hn_error *err)
{
    sink *o = &b->out;
    if (o->n + need <= o->cap)
        return HN_OK;
    int64_t cap = o->cap ? o->cap : 1024;
    while (cap < o->n + need)
        cap *= 2;
    int S = b->spec->n_spectators;
#define GROW(p, count)                                                       \
    do {                                                                     \
        void *q = realloc((p), sizeof(*(p)) * (size_t)((count) > 0 ? (count) : 1)); \
        if (!q)                                                              \
            return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory at %lld events", (long long)cap); \
        (p) = q;                                                             \
    } while (0)
    GROW(o->x, cap * b->n_features);
    GROW(o->y, cap * b->n_targets);
    GROW(o->w, cap);
    GROW(o->spect, cap * S);
    GROW(o->part, cap);
    GROW(o->src, cap);
    GROW(o->entry, cap);
#undef GROW
    o->cap = cap;
    return HN_OK;
}

/* Evaluates a per-event expression over the chunk; refuses per-object ones. */
static hn_status eval_event(hn_expr *e, const char *what, const char *src, int64_t n, double *out, hn_error *err)
{
    if (hn_expr_is_jagged(e))
        return hn_error_set(err, HN_ERR_ARG, "source %s: %s '%s' is a per-object quantity: index it (x[0]) or "
                            "reduce it (Sum$, Max$, Min$, Length$)", src, what, hn_expr_text(e));
    hn_status st = hn_expr_eval(e, 0, n, out, err);
    return st ? hn_error_prefix(err, "source %s, %s", src, what) : HN_OK;
}

/* Object order of event i of a jagged input: by the sort key (descending
 * unless ascending), stable, so ties keep the stored order. */
static void object_order(int64_t *order, int64_t n, const double *key, int ascending)
{
    for (int64_t k = 0; k < n; k++)
        order[k] = k;
    if (!key)
        return;
    for (int64_t a = 1; a < n; a++) { /* insertion sort: a few objects per event */
        int64_t v = order[a], b = a;
        while (b > 0 && (ascending ? key[order[b - 1]] > key[v] : key[order[b - 1]] < key[v])) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
}

static hn_status read_source(builder *b, hn_source *src, int src_index, int cls, hn_error *err)
{
    const hn_data_spec *s = b->spec;
    exprs *e = &b->e;
    hn_expr *act[1024];
    int n_act = active_exprs(b, cls, act, 1024);
    /* the identifiers the expressions need */
    const char **names = NULL;
    int n_names = 0, cap = 0;
    for (int i = 0; i < n_act; i++)
        for (int k = 0; k < hn_expr_n_identifiers(act[i]); k++) {
            const char *id = hn_expr_identifier(act[i], k);
            int seen = 0;
            for (int q = 0; q < n_names && !seen; q++)
                seen = !strcmp(names[q], id);
            if (seen)
                continue;
            if (n_names == cap) {
                cap = cap ? 2 * cap : 16;
                const char **nn = realloc(names, sizeof *nn * (size_t)cap);
                if (!nn) {
                    free(names);
                    return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
                }
                names = nn;
            }
            names[n_names++] = id;
        }
    int64_t first = s->first_entry > 0 ? s->first_entry : 0, total = src->n_entries;
    if (first > total)
        first = total;
    if (s->max_entries > 0 && s->max_entries < total - first)
        total = first + s->max_entries;
    int64_t chunk = s->chunk_entries > 0 ? s->chunk_entries : HN_DATA_CHUNK_DEFAULT;
    int F = b->n_features, T = b->n_targets, S = s->n_spectators;
    double *buf = malloc(sizeof(double) * (size_t)chunk * (size_t)(8 + s->n_variables + T + S));
    hn_status st = buf ? HN_OK : hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    for (int64_t start = first; !st && start < total; start += chunk) {
        int64_t n = total - start < chunk ? total - start : chunk;
        st = hn_source_load(src, names, n_names, start, start + n, err);
        for (int i = 0; !st && i < n_act; i++) {
            st = hn_expr_bind(act[i], hn_source_resolve, src, err);
            if (st)
                hn_error_prefix(err, "source %s, expression '%s'", src->name, hn_expr_text(act[i]));
        }
        if (st)
            break;
        double *keep = buf, *wgt = buf + chunk, *lab = buf + 2 * chunk, *tst = buf + 3 * chunk,
               *vl = buf + 4 * chunk, *fld = buf + 5 * chunk, *tmp = buf + 6 * chunk, *vars = buf + 8 * chunk,
               *tg = vars + chunk * s->n_variables, *sp = tg + chunk * T;
        for (int64_t i = 0; i < n; i++) {
            keep[i] = 1.0;
            wgt[i] = 1.0;
        }
        hn_expr *cuts[2] = {e->cut, cls >= 0 ? e->class_cut[cls] : NULL};
        for (int k = 0; !st && k < 2; k++)
            if (cuts[k] && !(st = eval_event(cuts[k], "cut", src->name, n, tmp, err)))
                for (int64_t i = 0; i < n; i++)
                    keep[i] = keep[i] != 0.0 && tmp[i] != 0.0 ? 1.0 : 0.0;
        hn_expr *ws[2] = {e->weight, cls >= 0 ? e->class_w[cls] : NULL};
        for (int k = 0; !st && k < 2; k++)
            if (ws[k] && !(st = eval_event(ws[k], "weight", src->name, n, tmp, err)))
                for (int64_t i = 0; i < n; i++)
                    wgt[i] *= tmp[i];
        for (int v = 0; !st && v < s->n_variables; v++)
            st = eval_event(e->vars[v], "variable", src->name, n, vars + v * chunk, err);
        for (int t = 0; !st && cls < 0 && !s->unlabelled && t < s->n_targets; t++)
            st = eval_event(e->targets[t], "target", src->name, n, tg + t * chunk, err);
        for (int t = 0; !st && t < S; t++)
            st = eval_event(e->spect[t], "spectator", src->name, n, sp + t * chunk, err);
        if (!st && cls < 0 && e->label && !s->unlabelled)
            st = eval_event(e->label, "label", src->name, n, lab, err);
        if (!st && e->test)
            st = eval_event(e->test, "test rule", src->name, n, tst, err);
        if (!st && e->val)
            st = eval_event(e->val, "validation rule", src->name, n, vl, err);
        if (!st && e->fold)
            st = eval_event(e->fold, "fold rule", src->name, n, fld, err);
        /* jagged inputs: per-object values of the chunk */
        for (int j = 0; !st && j < s->n_jagged; j++) {
            const hn_jagged_input *ji = &s->jagged[j];
            for (int v = 0; !st && v < ji->n_vars; v++) {
                int64_t *off = b->joff[j * 64 + v];
                free(b->jval[j * 64 + v]);
                b->jval[j * 64 + v] = NULL;
                st = hn_expr_eval_jagged(e->jvars[j][v], 0, n, off, &b->jval[j * 64 + v], err);
                if (st)
                    hn_error_prefix(err, "source %s, %s", src->name, ji->name);
                else if (v > 0 && memcmp(off, b->joff[j * 64], sizeof(int64_t) * (size_t)(n + 1)))
                    st = hn_error_set(err, HN_ERR_SHAPE, "source %s, %s: '%s' and '%s' have different numbers of "
                                      "objects per event", src->name, ji->name, ji->vars[0], ji->vars[v]);
            }
            if (!st && e->jsort[j]) {
                free(b->jsortv[j]);
                b->jsortv[j] = NULL;
                st = hn_expr_eval_jagged(e->jsort[j], 0, n, b->jsorto[j], &b->jsortv[j], err);
                if (!st && memcmp(b->jsorto[j], b->joff[j * 64], sizeof(int64_t) * (size_t)(n + 1)))
                    st = hn_error_set(err, HN_ERR_SHAPE, "source %s, %s: sort_by '%s' does not have one value per "
                                      "object", src->name, ji->name, ji->sort_by);
            }
        }
        for (int k = 0; !st && k < 3 * s->n_images; k++) {
            free(b->imgv[k]);
            b->imgv[k] = NULL;
            st = hn_expr_eval_jagged(e->img[k], 0, n, b->imgo[k], &b->imgv[k], err);
            if (st)
                hn_error_prefix(err, "source %s, image %s", src->name, s->images[k / 3].name);
            else if (k % 3 && memcmp(b->imgo[k], b->imgo[k - k % 3], sizeof(int64_t) * (size_t)(n + 1)))
                st = hn_error_set(err, HN_ERR_SHAPE, "source %s, image %s: pt, eta and phi have different numbers of "
                                  "objects per event", src->name, s->images[k / 3].name);
        }
        if (st)
            break;
        int64_t kept = 0;
        for (int64_t i = 0; i < n; i++)
            kept += keep[i] != 0.0;
        if ((st = sink_grow(b, kept, err)))
            break;
        sink *o = &b->out;
        for (int64_t i = 0; i < n && !st; i++) {
            if (keep[i] == 0.0)
                continue;
            int64_t r = o->n, entry = start + i;
            float *x = o->x + r * F;
            int f = 0;
            for (int v = 0; v < s->n_variables; v++)
                x[f++] = (float)vars[v * chunk + i];
            for (int j = 0; j < s->n_jagged; j++) {
                const hn_jagged_input *ji = &s->jagged[j];
                const int64_t *off = b->joff[j * 64];
                int64_t n_obj = off[i + 1] - off[i];
                if (n_obj > b->order_cap) {
                    int64_t *q = realloc(b->order, sizeof(int64_t) * (size_t)n_obj);
                    if (!q) {
                        st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
                        break;
                    }
                    b->order = q;
                    b->order_cap = n_obj;
                }
                object_order(b->order, n_obj, e->jsort[j] ? b->jsortv[j] + off[i] : NULL, ji->ascending);
                for (int k = 0; k < ji->max_objects; k++)
                    for (int v = 0; v < ji->n_vars; v++)
                        x[f++] = k < n_obj ? (float)b->jval[j * 64 + v][off[i] + b->order[k]] : 0.0f;
                for (int k = 0; k < ji->max_objects; k++)
                    x[f++] = k < n_obj ? 1.0f : 0.0f;
            }
            for (int k = 0; !st && k < s->n_images; k++) {
                const hn_image_input *im = &s->images[k];
                const int64_t *off = b->imgo[3 * k];
                int64_t np = off[i + 1] - off[i];
                if (3 * np > b->imgbuf_cap) {
                    float *q = realloc(b->imgbuf, sizeof(float) * (size_t)(3 * np));
                    if (!q) {
                        st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
                        break;
                    }
                    b->imgbuf = q;
                    b->imgbuf_cap = 3 * np;
                }
                for (int q = 0; q < 3; q++)
                    for (int64_t p = 0; p < np; p++)
                        b->imgbuf[q * np + p] = (float)b->imgv[3 * k + q][off[i] + p];
                int64_t one[2] = {0, np};
                st = hn_jet_images(b->imgbuf, b->imgbuf + np, b->imgbuf + 2 * np, one, 1, &im->opts, x + f, err);
                if (st)
                    hn_error_prefix(err, "source %s, entry %lld, image %s", src->name, (long long)entry, im->name);
                f += (int)(im->opts.n_eta * im->opts.n_phi);
            }
            for (int k = 0; !st && k < F; k++)
                if (!isfinite(x[k])) {
                    st = hn_error_set(err, HN_ERR_NUMERIC, "source %s, entry %lld: feature '%s' is %g", src->name,
                                      (long long)entry, b->feature_names[k], (double)x[k]);
                    break;
                }
            if (st)
                break;
            float *y = o->y + r * T;
            if (s->unlabelled) {
                for (int t = 0; t < T; t++)
                    y[t] = 0.0f;
            } else if (cls >= 0) {
                y[0] = s->task == HN_TASK_BINARY ? (cls == 0 ? 1.0f : 0.0f) : (float)cls;
            } else if (s->task == HN_TASK_REGRESSION) {
                for (int t = 0; t < T; t++)
                    y[t] = (float)tg[t * chunk + i];
            } else {
                double l = lab[i];
                int ncls = s->task == HN_TASK_BINARY ? 2 : s->n_class_names;
                if (!(l >= 0 && l < ncls && l == floor(l))) {
                    st = hn_error_set(err, HN_ERR_ARG, "source %s, entry %lld: label %g is not a class index 0..%d",
                                      src->name, (long long)entry, l, ncls - 1);
                    break;
                }
                y[0] = (float)l;
            }
            if (!isfinite(wgt[i])) {
                st = hn_error_set(err, HN_ERR_NUMERIC, "source %s, entry %lld: the weight is %g", src->name,
                                  (long long)entry, wgt[i]);
                break;
            }
            o->w[r] = (float)wgt[i];
            for (int t = 0; t < S; t++)
                o->spect[r * S + t] = sp[t * chunk + i];
            int8_t part = -1;
            if (e->test && tst[i] != 0.0)
                part = HN_PART_TEST;
            if (e->fold && s->n_folds > 1) {
                long long k = (long long)floor(fld[i]);
                k = ((k % s->n_folds) + s->n_folds) % s->n_folds;
                if (k == s->fold)
                    part = HN_PART_TEST;
            }
            if (part < 0 && e->val && vl[i] != 0.0)
                part = HN_PART_VAL;
            o->part[r] = part;
            o->src[r] = src_index;
            o->entry[r] = entry;
            o->n++;
        }
    }
    hn_source_release(src);
    free(buf);
    free(names);
    return st;
}

static hn_status make_feature_names(builder *b, hn_error *err)
{
    const hn_data_spec *s = b->spec;
    b->feature_names = calloc((size_t)(b->n_features + 1), sizeof(char *));
    if (!b->feature_names)
        return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    int f = 0;
    char buf[300];
    for (int v = 0; v < s->n_variables; v++)
        b->feature_names[f++] = dup_str(s->variables[v]);
    for (int j = 0; j < s->n_jagged; j++) {
        const hn_jagged_input *ji = &s->jagged[j];
        for (int k = 0; k < ji->max_objects; k++)
            for (int v = 0; v < ji->n_vars; v++) {
                snprintf(buf, sizeof buf, "%s.%s[%d]", ji->name, ji->vars[v], k);
                b->feature_names[f++] = dup_str(buf);
            }
        for (int k = 0; k < ji->max_objects; k++) {
            snprintf(buf, sizeof buf, "%s.mask[%d]", ji->name, k);
            b->feature_names[f++] = dup_str(buf);
        }
    }
    for (int k = 0; k < s->n_images; k++)
        for (int64_t a = 0; a < s->images[k].opts.n_eta; a++)
            for (int64_t c = 0; c < s->images[k].opts.n_phi; c++) {
                snprintf(buf, sizeof buf, "%s[%lld,%lld]", s->images[k].name, (long long)a, (long long)c);
                b->feature_names[f++] = dup_str(buf);
            }
    for (int i = 0; i < f; i++)
        if (!b->feature_names[i])
            return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    return HN_OK;
}

static hn_status check_spec(const hn_data_spec *s, hn_error *err)
{
    if (s->task < 0 || s->task >= HN_TASK_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "dataset: unknown task");
    int by_class = s->n_classes > 0, by_sources = s->n_sources > 0;
    if (by_class == by_sources)
        return hn_error_set(err, HN_ERR_ARG, "dataset: give either classes with their sources, or sources with a "
                            "label (or regression targets)");
    if (by_class && s->task == HN_TASK_REGRESSION)
        return hn_error_set(err, HN_ERR_ARG, "dataset: regression takes sources and targets, not classes");
    if (by_class && s->task == HN_TASK_BINARY && s->n_classes != 2)
        return hn_error_set(err, HN_ERR_ARG, "dataset: binary classification needs 2 classes (signal first), %d given",
                            s->n_classes);
    if (by_class && s->task == HN_TASK_MULTICLASS && s->n_classes < 2)
        return hn_error_set(err, HN_ERR_ARG, "dataset: multi-class needs at least 2 classes");
    if (by_sources && !s->unlabelled && s->task == HN_TASK_REGRESSION && s->n_targets < 1)
        return hn_error_set(err, HN_ERR_ARG, "dataset: regression needs at least one target expression");
    if (s->unlabelled && by_sources)
        return HN_OK; /* only the inputs are needed */
    if (by_sources && s->task != HN_TASK_REGRESSION && !s->label)
        return hn_error_set(err, HN_ERR_ARG, "dataset: classes come from one source list per class, or from a label "
                            "expression");
    if (by_sources && s->task == HN_TASK_MULTICLASS && s->n_class_names < 2)
        return hn_error_set(err, HN_ERR_ARG, "dataset: a multi-class label needs the class names");
    for (int k = 0; k < s->n_images; k++)
        if (s->images[k].opts.n_eta < 1 || s->images[k].opts.n_phi < 1 ||
            s->images[k].opts.n_eta * s->images[k].opts.n_phi > 1 << 20)
            return hn_error_set(err, HN_ERR_ARG, "dataset: image %s needs 1 to 2^20 pixels",
                                s->images[k].name ? s->images[k].name : "");
    if (s->n_variables + s->n_jagged + s->n_images < 1)
        return hn_error_set(err, HN_ERR_ARG, "dataset: no input variables");
    for (int j = 0; j < s->n_jagged; j++)
        if (s->jagged[j].n_vars < 1 || s->jagged[j].n_vars > 64 || s->jagged[j].max_objects < 1)
            return hn_error_set(err, HN_ERR_ARG, "dataset: jagged input %s needs 1 to 64 variables and max_objects >= 1",
                                s->jagged[j].name ? s->jagged[j].name : "");
    if (s->n_folds < 0 || (s->n_folds > 1 && (!s->fold_expr || s->fold < 0 || s->fold >= s->n_folds)))
        return hn_error_set(err, HN_ERR_ARG, "dataset: k-fold needs a fold expression and 0 <= fold < %d", s->n_folds);
    if (!(s->val_fraction >= 0 && s->test_fraction >= 0 && s->val_fraction + s->test_fraction < 1))
        return hn_error_set(err, HN_ERR_ARG, "dataset: validation %g and test %g fractions must sum below 1",
                            s->val_fraction, s->test_fraction);
    return HN_OK;
}

/* Events no rule placed are split by the fractions, reproducibly. */
static hn_status assign_fractions(builder *b, hn_error *err)
{
    const hn_data_spec *s = b->spec;
    sink *o = &b->out;
    int64_t n_free = 0;
    for (int64_t i = 0; i < o->n; i++)
        n_free += o->part[i] < 0;
    double tf = (s->test_expr || (s->fold_expr && s->n_folds > 1)) ? 0.0 : s->test_fraction;
    double vf = s->val_expr ? 0.0 : s->val_fraction;
    /* the fractions are of all events; the free ones are what the rules left */
    hn_split sp;
    hn_status st = hn_split_fractions(n_free, vf, tf, s->seed, &sp, err);
    if (st)
        return st;
    int64_t *map = malloc(sizeof(int64_t) * (size_t)(n_free + 1));
    if (!map) {
        hn_split_free(&sp);
        return hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    }
    int64_t k = 0;
    for (int64_t i = 0; i < o->n; i++)
        if (o->part[i] < 0)
            map[k++] = i;
    for (int64_t i = 0; i < sp.n_train; i++)
        o->part[map[sp.train[i]]] = HN_PART_TRAIN;
    for (int64_t i = 0; i < sp.n_val; i++)
        o->part[map[sp.val[i]]] = HN_PART_VAL;
    for (int64_t i = 0; i < sp.n_test; i++)
        o->part[map[sp.test[i]]] = HN_PART_TEST;
    free(map);
    hn_split_free(&sp);
    return HN_OK;
}

/* Keeps only the events of the parts in mask (in order). */
static void drop_parts(builder *b, unsigned mask)
{
    sink *o = &b->out;
    int F = b->n_features, T = b->n_targets, S = b->spec->n_spectators;
    int64_t k = 0;
    for (int64_t i = 0; i < o->n; i++) {
        if (!(mask & (1u << o->part[i])))
            continue;
        if (k != i) {
            memmove(o->x + k * F, o->x + i * F, sizeof(float) * (size_t)F);
            memmove(o->y + k * T, o->y + i * T, sizeof(float) * (size_t)T);
            memmove(o->spect + k * S, o->spect + i * S, sizeof(double) * (size_t)S);
            o->w[k] = o->w[i];
            o->part[k] = o->part[i];
            o->src[k] = o->src[i];
            o->entry[k] = o->entry[i];
        }
        k++;
    }
    o->n = k;
}

static char **copy_names(const char *const *names, int n)
{
    char **out = calloc((size_t)(n + 1), sizeof *out);
    for (int i = 0; out && i < n; i++)
        out[i] = dup_str(names[i] ? names[i] : "");
    return out;
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

void hn_data_free(hn_data *d)
{
    if (!d)
        return;
    free_names(d->feature_names, d->all.n_features); /* before the dataset is cleared */
    hn_dataset_free(&d->all);
    free_names(d->class_names, d->n_classes);
    free_names(d->spectator_names, d->n_spectators);
    free_names(d->source_names, d->n_sources);
    free(d->spectators);
    free(d->part);
    free(d->source);
    free(d->entry);
    free(d->source_entries);
    memset(d, 0, sizeof *d);
}

hn_status hn_data_load(const hn_data_spec *spec, hn_data *out, hn_error *err)
{
    if (!spec || !out)
        return hn_error_set(err, HN_ERR_ARG, "data_load: spec or output is NULL");
    memset(out, 0, sizeof *out);
    hn_status st = check_spec(spec, err);
    if (st)
        return st;
    builder b;
    memset(&b, 0, sizeof b);
    b.spec = spec;
    b.n_targets = spec->task == HN_TASK_REGRESSION && spec->n_targets > 0 ? spec->n_targets : 1;
    b.n_features = spec->n_variables;
    int max_obj = 1;
    for (int j = 0; j < spec->n_jagged; j++) {
        b.n_features += spec->jagged[j].max_objects * (spec->jagged[j].n_vars + 1);
        max_obj = spec->jagged[j].max_objects > max_obj ? spec->jagged[j].max_objects : max_obj;
    }
    for (int k = 0; k < spec->n_images; k++)
        b.n_features += (int)(spec->images[k].opts.n_eta * spec->images[k].opts.n_phi);
    int64_t chunk = spec->chunk_entries > 0 ? spec->chunk_entries : HN_DATA_CHUNK_DEFAULT;
    int nj = spec->n_jagged;
    b.imgv = calloc((size_t)(3 * spec->n_images + 1), sizeof(double *));
    b.imgo = calloc((size_t)(3 * spec->n_images + 1), sizeof(int64_t *));
    for (int k = 0; b.imgo && k < 3 * spec->n_images; k++)
        b.imgo[k] = malloc(sizeof(int64_t) * (size_t)(chunk + 1));
    b.imgbuf_cap = 3 * 64; /* grows with the largest collection */
    b.imgbuf = malloc(sizeof(float) * (size_t)b.imgbuf_cap);
    b.jval = calloc((size_t)(nj * 64 + 1), sizeof(double *));
    b.joff = calloc((size_t)(nj * 64 + 1), sizeof(int64_t *));
    b.jsortv = calloc((size_t)(nj + 1), sizeof(double *));
    b.jsorto = calloc((size_t)(nj + 1), sizeof(int64_t *));
    st = (!b.jval || !b.joff || !b.jsortv || !b.jsorto || !b.imgv || !b.imgo || !b.imgbuf)
             ? hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory")
             : HN_OK;
    for (int k = 0; !st && k < 3 * spec->n_images; k++)
        if (!b.imgo[k])
            st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    for (int j = 0; !st && j < nj; j++) {
        for (int v = 0; !st && v < spec->jagged[j].n_vars; v++)
            if (!(b.joff[j * 64 + v] = malloc(sizeof(int64_t) * (size_t)(chunk + 1))))
                st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
        if (!st && !(b.jsorto[j] = malloc(sizeof(int64_t) * (size_t)(chunk + 1))))
            st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    }
    /* objects per event are unbounded: order grows to the largest count seen */
    b.order_cap = 64;
    b.order = malloc(sizeof(int64_t) * (size_t)b.order_cap);
    if (!st && !b.order)
        st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    (void)max_obj;
    if (!st)
        st = compile_all(&b, err);
    if (!st)
        st = make_feature_names(&b, err);
    /* the sources, classes first, in order */
    int n_src = spec->n_sources;
    for (int c = 0; c < spec->n_classes; c++)
        n_src += spec->classes[c].n_sources;
    out->source_names = calloc((size_t)(n_src + 1), sizeof(char *));
    out->source_entries = calloc((size_t)(n_src + 1), sizeof(int64_t));
    out->n_sources = n_src;
    if (!out->source_names || !out->source_entries)
        st = hn_error_set(err, HN_ERR_NOMEM, "dataset: out of memory");
    int idx = 0;
    for (int c = -1; !st && c < spec->n_classes; c++) {
        int ns = c < 0 ? spec->n_sources : spec->classes[c].n_sources;
        const char *const *list = c < 0 ? spec->sources : spec->classes[c].sources;
        int64_t before = b.out.n;
        for (int k = 0; !st && k < ns; k++, idx++) {
            hn_source src;
            if (out->source_names)
                out->source_names[idx] = dup_str(list[k]);
            st = hn_source_open(&src, list[k], err);
            if (st)
                break;
            out->source_entries[idx] = src.n_entries;
            st = read_source(&b, &src, idx, c, err);
            hn_source_close(&src);
        }
        if (!st && c >= 0 && b.out.n == before && !spec->allow_empty)
            st = hn_error_set(err, HN_ERR_ARG, "class %s: the selection keeps no event", spec->classes[c].name);
    }
    if (!st && b.out.n == 0 && !spec->allow_empty)
        st = hn_error_set(err, HN_ERR_ARG, "dataset: the selection keeps no event");
    if (!st)
        st = assign_fractions(&b, err);
    if (!st && spec->keep_parts)
        drop_parts(&b, spec->keep_parts);
    if (!st) {
        hn_dataset *a = &out->all;
        a->n = b.out.n;
        a->n_features = b.n_features;
        a->n_targets = b.n_targets;
        a->x = b.out.x;
        a->y = b.out.y;
        a->w = b.out.w;
        a->owned = 1;
        out->spectators = b.out.spect;
        out->part = b.out.part;
        out->source = b.out.src;
        out->entry = b.out.entry;
        memset(&b.out, 0, sizeof b.out);
        out->feature_names = b.feature_names;
        b.feature_names = NULL;
        out->n_spectators = spec->n_spectators;
        out->spectator_names = copy_names(spec->spectators, spec->n_spectators);
        if (spec->n_classes > 0) {
            out->n_classes = spec->n_classes;
            out->class_names = calloc((size_t)spec->n_classes + 1, sizeof(char *));
            /* names indexed by label value: binary has the signal (first class) at 1 */
            for (int c = 0; out->class_names && c < spec->n_classes; c++) {
                int lab = spec->task == HN_TASK_BINARY ? (c == 0 ? 1 : 0) : c;
                out->class_names[lab] = dup_str(spec->classes[c].name);
            }
        } else if (spec->task != HN_TASK_REGRESSION) {
            static const char *const bin[2] = {"background", "signal"};
            int n = spec->n_class_names > 0 ? spec->n_class_names : 2;
            out->n_classes = n;
            out->class_names = copy_names(spec->n_class_names > 0 ? spec->class_names : bin, n);
        }
    }
    free(b.out.x);
    free(b.out.y);
    free(b.out.w);
    free(b.out.spect);
    free(b.out.part);
    free(b.out.src);
    free(b.out.entry);
    free_names(b.feature_names, b.n_features);
    for (int j = 0; j < nj * 64 && b.jval; j++) {
        free(b.jval[j]);
        free(b.joff[j]);
    }
    for (int j = 0; j < nj && b.jsortv; j++) {
        free(b.jsortv[j]);
        free(b.jsorto[j]);
    }
    free(b.jval);
    free(b.joff);
    free(b.jsortv);
    free(b.jsorto);
    for (int k = 0; b.imgv && k < 3 * spec->n_images; k++) {
        free(b.imgv[k]);
        free(b.imgo[k]);
    }
    free(b.imgv);
    free(b.imgo);
    free(b.imgbuf);
    free(b.order);
    free_exprs(&b);
    if (st)
        hn_data_free(out);
    return st;
}

hn_status hn_data_part(const hn_data *d, int part, hn_dataset *out, hn_error *err)
{
    if (!d || !out)
        return hn_error_set(err, HN_ERR_ARG, "data_part: NULL argument");
    int64_t n = 0;
    for (int64_t i = 0; i < d->all.n; i++)
        n += d->part[i] == part;
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)(n + 1));
    if (!idx)
        return hn_error_set(err, HN_ERR_NOMEM, "data_part: out of memory");
    int64_t k = 0;
    for (int64_t i = 0; i < d->all.n; i++)
        if (d->part[i] == part)
            idx[k++] = i;
    hn_status st = hn_dataset_subset(&d->all, idx, n, out, err);
    free(idx);
    return st;
}

/* --- streaming ------------------------------------------------------------- */

struct hn_data_streamer {
    hn_data_spec spec;
    int64_t window, next_first, max_entries; /* the largest source */
    hn_data current;
};

static hn_status streamer_rewind(void *user, hn_error *err)
{
    (void)err;
    hn_data_streamer *s = user;
    s->next_first = 0;
    return HN_OK;
}

static hn_status streamer_next(void *user, hn_dataset *chunk, hn_error *err)
{
    hn_data_streamer *s = user;
    memset(chunk, 0, sizeof *chunk);
    while (s->next_first < s->max_entries) { /* windows whose selection keeps nothing are skipped */
        hn_data_free(&s->current);
        hn_data_spec w = s->spec;
        w.first_entry = s->next_first;
        w.max_entries = s->window;
        w.keep_parts = 1u << HN_PART_TRAIN;
        w.allow_empty = 1;
        s->next_first += s->window;
        hn_status st = hn_data_load(&w, &s->current, err);
        if (st)
            return st;
        if (s->current.all.n > 0) {
            *chunk = s->current.all;
            chunk->owned = 0;
            return HN_OK;
        }
    }
    return HN_OK;
}

hn_status hn_data_streamer_new(const hn_data_spec *spec, int64_t window, hn_data_streamer **out, hn_error *err)
{
    if (!spec || !out || window < 1)
        return hn_error_set(err, HN_ERR_ARG, "data_streamer: NULL spec or window %lld < 1", (long long)window);
    *out = NULL;
    int rules_test = spec->test_expr || (spec->fold_expr && spec->n_folds > 1);
    if ((!rules_test && spec->test_fraction > 0) || (!spec->val_expr && spec->val_fraction > 0))
        return hn_error_set(err, HN_ERR_ARG, "data_streamer: streaming needs the test and validation events chosen by "
                            "rules (split: test: / validation: / fold:), or fractions of 0");
    hn_data_streamer *s = calloc(1, sizeof *s);
    if (!s)
        return hn_error_set(err, HN_ERR_NOMEM, "data_streamer: out of memory");
    s->spec = *spec;
    s->window = window;
    /* the sizes of the sources: a first look at one entry of each */
    hn_data probe;
    hn_data_spec p = *spec;
    p.max_entries = 1;
    p.allow_empty = 1;
    hn_status st = hn_data_load(&p, &probe, err);
    if (st) {
        free(s);
        return st;
    }
    for (int i = 0; i < probe.n_sources; i++)
        if (probe.source_entries[i] > s->max_entries)
            s->max_entries = probe.source_entries[i];
    if (spec->max_entries > 0 && spec->max_entries < s->max_entries)
        s->max_entries = spec->max_entries;
    hn_data_free(&probe);
    *out = s;
    return HN_OK;
}

hn_data_stream hn_data_streamer_stream(hn_data_streamer *s)
{
    hn_data_stream st = {streamer_rewind, streamer_next, s, 0};
    return st;
}

void hn_data_streamer_free(hn_data_streamer *s)
{
    if (!s)
        return;
    hn_data_free(&s->current);
    free(s);
}
