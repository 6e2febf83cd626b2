/* Interpreting the configuration tree into data, model and training specs,
 * with a message naming the key and line for every mistake. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/tree.h"
#include "hepnn/config.h"
#include "hepnn/layers_deep.h"
#include "io/fileio.h"

struct hn_run_config {
    hn_cfg_node *root;
    char *name;
    char *text;
    hn_data_spec data;
    hn_class_def *classes;
    hn_jagged_input *jagged;
    hn_image_input *images;
    hn_layer_spec *layers;
    int n_layers;
    hn_train_config train;
    hn_augment_spec augment;
    uint64_t seed;
    int threads;
    const char *device;
    int checkpoint;
    int64_t stream_entries;
    hn_task task;
    /* string lists handed out in the specs */
    const char ***lists;
    int n_lists;
};

typedef struct {
    hn_run_config *c;
    hn_error *err;
    hn_status st;
} ctx;

/* Records the first error: "file:line: path: message". */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void fail(ctx *x, const hn_cfg_node *n, const char *path, const char *fmt, ...)
{
    if (x->st)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n && n->line > 0)
        x->st = hn_error_set(x->err, HN_ERR_ARG, "%s:%d: %s: %s", x->c->name, n->line, path, msg);
    else if (n)
        x->st = hn_error_set(x->err, HN_ERR_ARG, "command line: %s: %s", path, msg);
    else
        x->st = hn_error_set(x->err, HN_ERR_ARG, "%s: %s: %s", x->c->name, path, msg);
}

static void join(char *buf, size_t n, const char *a, const char *b) { snprintf(buf, n, "%s%s%s", a, *a ? "." : "", b); }

static const char *get_str(ctx *x, hn_cfg_node *map, const char *key, const char *path, int required)
{
    hn_cfg_node *n = hn_cfg_get(map, key);
    char p[256];
    join(p, sizeof p, path, key);
    if (!n) {
        if (required)
            fail(x, map, p, "missing");
        return NULL;
    }
    if (n->kind != HN_CFG_SCALAR) {
        fail(x, n, p, "must be a single value, not a %s", n->kind == HN_CFG_MAP ? "map" : "list");
        return NULL;
    }
    return n->value;
}

static int get_double(ctx *x, hn_cfg_node *map, const char *key, const char *path, double lo, double hi, int lo_open,
                      double *out)
{
    hn_cfg_node *n = hn_cfg_get(map, key);
    if (!n)
        return 0;
    char p[256];
    join(p, sizeof p, path, key);
    if (n->kind != HN_CFG_SCALAR) {
        fail(x, n, p, "must be a number");
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(n->value, &end);
    if (end == n->value || *end || errno || !isfinite(v)) {
        fail(x, n, p, "'%s' is not a number", n->value);
        return 0;
    }
    if (v < lo || v > hi || (lo_open && v == lo)) {
        char upper[64] = "";
        if (hi < HUGE_VAL)
            snprintf(upper, sizeof upper, " and <= %g", hi);
        fail(x, n, p, "%s must be %s %g%s", n->value, lo_open ? ">" : ">=", lo, upper);
        return 0;
    }
    *out = v;
    return 1;
}

static int get_int(ctx *x, hn_cfg_node *map, const char *key, const char *path, long long lo, long long hi,
                   long long *out)
{
    hn_cfg_node *n = hn_cfg_get(map, key);
    if (!n)
        return 0;
    char p[256];
    join(p, sizeof p, path, key);
    if (n->kind != HN_CFG_SCALAR) {
        fail(x, n, p, "must be a whole number");
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(n->value, &end, 10);
    if (end == n->value || *end || errno) {
        fail(x, n, p, "'%s' is not a whole number", n->value);
        return 0;
    }
    if (v < lo || v > hi) {
        fail(x, n, p, "%s must be between %lld and %lld", n->value, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

static int get_bool(ctx *x, hn_cfg_node *map, const char *key, const char *path, int *out)
{
    const char *v = get_str(x, map, key, path, 0);
    if (!v)
        return 0;
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
        *out = 0;
    else {
        char p[256];
        join(p, sizeof p, path, key);
        fail(x, hn_cfg_get(map, key), p, "'%s' is not true or false", v);
        return 0;
    }
    return 1;
}

/* A list of strings: a YAML list of values, or a single value. */
static const char **get_list(ctx *x, hn_cfg_node *map, const char *key, const char *path, int *n_out)
{
    *n_out = 0;
    hn_cfg_node *n = hn_cfg_get(map, key);
    if (!n)
        return NULL;
    char p[256];
    join(p, sizeof p, path, key);
    int n_items = n->kind == HN_CFG_SCALAR ? 1 : n->n;
    if (n->kind == HN_CFG_MAP) {
        fail(x, n, p, "must be a list");
        return NULL;
    }
    const char **list = calloc((size_t)n_items + 1, sizeof *list);
    const char ***lists = realloc(x->c->lists, sizeof *lists * (size_t)(x->c->n_lists + 1));
    if (!list || !lists) {
        free(list);
        if (lists)
            x->c->lists = lists;
        fail(x, n, p, "out of memory");
        return NULL;
    }
    x->c->lists = lists;
    lists[x->c->n_lists++] = list;
    for (int i = 0; i < n_items; i++) {
        hn_cfg_node *it = n->kind == HN_CFG_SCALAR ? n : n->items[i];
        if (it->kind != HN_CFG_SCALAR) {
            fail(x, it, p, "item %d must be a single value", i + 1);
            return NULL;
        }
        list[i] = it->value;
    }
    *n_out = n_items;
    return list;
}

/* Every key of a map must have been read. */
static void check_unused(ctx *x, hn_cfg_node *map, const char *path)
{
    for (int i = 0; map && map->kind == HN_CFG_MAP && i < map->n; i++)
        if (!map->items[i]->used) {
            char p[256];
            join(p, sizeof p, path, map->keys[i]);
            fail(x, map->items[i], p, "unknown key (docs/config.md lists the keys)");
            return;
        }
}

static hn_cfg_node *get_map(ctx *x, hn_cfg_node *map, const char *key, const char *path)
{
    hn_cfg_node *n = hn_cfg_get(map, key);
    if (n && n->kind != HN_CFG_MAP) {
        char p[256];
        join(p, sizeof p, path, key);
        fail(x, n, p, "must be a map of keys");
        return NULL;
    }
    return n;
}

static void read_data(ctx *x, hn_cfg_node *d)
{
    hn_run_config *c = x->c;
    hn_data_spec *s = &c->data;
    s->task = c->task;
    s->variables = get_list(x, d, "variables", "data", &s->n_variables);
    s->sources = get_list(x, d, "sources", "data", &s->n_sources);
    s->label = get_str(x, d, "label", "data", 0);
    s->class_names = get_list(x, d, "class_names", "data", &s->n_class_names);
    s->targets = get_list(x, d, "targets", "data", &s->n_targets);
    s->cut = get_str(x, d, "cut", "data", 0);
    s->weight = get_str(x, d, "weight", "data", 0);
    s->spectators = get_list(x, d, "spectators", "data", &s->n_spectators);
    long long v;
    if (get_int(x, d, "max_entries", "data", 0, (long long)1 << 62, &v))
        s->max_entries = v;
    if (get_int(x, d, "chunk_entries", "data", 1, (long long)1 << 40, &v))
        s->chunk_entries = v;
    if (get_int(x, d, "stream", "data", 1, (long long)1 << 40, &v))
        c->stream_entries = v;
    hn_cfg_node *cl = hn_cfg_get(d, "classes");
    if (cl) {
        if (cl->kind != HN_CFG_SEQ || cl->n < 1) {
            fail(x, cl, "data.classes", "must be a list of classes (name, sources, optional cut and weight)");
            return;
        }
        c->classes = calloc((size_t)cl->n, sizeof *c->classes);
        if (!c->classes) {
            fail(x, cl, "data.classes", "out of memory");
            return;
        }
        for (int i = 0; i < cl->n && !x->st; i++) {
            char p[64];
            snprintf(p, sizeof p, "data.classes[%d]", i + 1);
            hn_cfg_node *m = cl->items[i];
            if (m->kind != HN_CFG_MAP) {
                fail(x, m, p, "must be a map with name and sources");
                return;
            }
            hn_class_def *k = &c->classes[i];
            k->name = get_str(x, m, "name", p, 1);
            k->sources = get_list(x, m, "sources", p, &k->n_sources);
            if (!x->st && k->n_sources < 1)
                fail(x, m, p, "needs sources");
            k->cut = get_str(x, m, "cut", p, 0);
            k->weight = get_str(x, m, "weight", p, 0);
            check_unused(x, m, p);
        }
        s->classes = c->classes;
        s->n_classes = cl->n;
    }
    hn_cfg_node *jg = hn_cfg_get(d, "jagged");
    if (jg) {
        if (jg->kind != HN_CFG_SEQ) {
            fail(x, jg, "data.jagged", "must be a list");
            return;
        }
        c->jagged = calloc((size_t)jg->n + 1, sizeof *c->jagged);
        if (!c->jagged) {
            fail(x, jg, "data.jagged", "out of memory");
            return;
        }
        for (int i = 0; i < jg->n && !x->st; i++) {
            char p[64];
            snprintf(p, sizeof p, "data.jagged[%d]", i + 1);
            hn_cfg_node *m = jg->items[i];
            if (m->kind != HN_CFG_MAP) {
                fail(x, m, p, "must be a map (name, vars, max_objects, sort_by)");
                return;
            }
            hn_jagged_input *j = &c->jagged[i];
            j->name = get_str(x, m, "name", p, 1);
            j->vars = get_list(x, m, "vars", p, &j->n_vars);
            if (!x->st && j->n_vars < 1)
                fail(x, m, p, "needs vars");
            if (get_int(x, m, "max_objects", p, 1, 100000, &v))
                j->max_objects = (int)v;
            else if (!x->st)
                fail(x, m, p, "needs max_objects");
            j->sort_by = get_str(x, m, "sort_by", p, 0);
            get_bool(x, m, "ascending", p, &j->ascending);
            check_unused(x, m, p);
        }
        s->jagged = c->jagged;
        s->n_jagged = jg->n;
    }
    hn_cfg_node *im = hn_cfg_get(d, "images");
    if (im && !x->st) {
        if (im->kind != HN_CFG_SEQ) {
            fail(x, im, "data.images", "must be a list");
            return;
        }
        c->images = calloc((size_t)im->n + 1, sizeof *c->images);
        if (!c->images) {
            fail(x, im, "data.images", "out of memory");
            return;
        }
        for (int i = 0; i < im->n && !x->st; i++) {
            char p[64];
            snprintf(p, sizeof p, "data.images[%d]", i + 1);
            hn_cfg_node *m = im->items[i];
            if (m->kind != HN_CFG_MAP) {
                fail(x, m, p, "must be a map (name, pt, eta, phi, pixels, ...)");
                return;
            }
            hn_image_input *j = &c->images[i];
            j->opts = hn_jet_image_opts_default();
            j->name = get_str(x, m, "name", p, 1);
            j->pt = get_str(x, m, "pt", p, 1);
            j->eta = get_str(x, m, "eta", p, 1);
            j->phi = get_str(x, m, "phi", p, 1);
            if (get_int(x, m, "pixels", p, 1, 1024, &v))
                j->opts.n_eta = j->opts.n_phi = v;
            if (get_int(x, m, "eta_pixels", p, 1, 1024, &v))
                j->opts.n_eta = v;
            if (get_int(x, m, "phi_pixels", p, 1, 1024, &v))
                j->opts.n_phi = v;
            get_double(x, m, "eta_half", p, 0, HUGE_VAL, 1, &j->opts.eta_half);
            get_double(x, m, "phi_half", p, 0, HUGE_VAL, 1, &j->opts.phi_half);
            get_bool(x, m, "centre", p, &j->opts.centre);
            get_bool(x, m, "rotate", p, &j->opts.rotate);
            get_bool(x, m, "flip", p, &j->opts.flip);
            get_bool(x, m, "normalise", p, &j->opts.normalise);
            check_unused(x, m, p);
        }
        s->images = c->images;
        s->n_images = im->n;
    }
    hn_cfg_node *sp = get_map(x, d, "split", "data");
    s->seed = c->seed;
    s->val_fraction = 0.2;
    s->test_fraction = 0.2;
    if (sp) {
        s->test_expr = get_str(x, sp, "test", "data.split", 0);
        s->val_expr = get_str(x, sp, "validation", "data.split", 0);
        s->fold_expr = get_str(x, sp, "fold", "data.split", 0);
        if (get_int(x, sp, "folds", "data.split", 2, 1000, &v))
            s->n_folds = (int)v;
        if (get_int(x, sp, "fold_index", "data.split", 0, 999, &v))
            s->fold = (int)v;
        get_double(x, sp, "val_fraction", "data.split", 0, 0.99, 0, &s->val_fraction);
        get_double(x, sp, "test_fraction", "data.split", 0, 0.99, 0, &s->test_fraction);
        if (get_int(x, sp, "seed", "data.split", 0, INT64_MAX, &v))
            s->seed = (uint64_t)v;
        check_unused(x, sp, "data.split");
    }
    check_unused(x, d, "data");
}


/* A whole number, or a list of `count` of them (a kernel "3" or "[3, 5]"):
 * a single number is repeated. Returns 1 if the key was there and is good. */
static int get_ints(ctx *x, hn_cfg_node *map, const char *key, const char *path, long long lo, long long hi, int count,
                    int64_t *out)
{
    hn_cfg_node *n = hn_cfg_get(map, key);
    if (!n)
        return 0;
    char p[256];
    join(p, sizeof p, path, key);
    if (n->kind == HN_CFG_SCALAR) {
        long long v;
        if (!get_int(x, map, key, path, lo, hi, &v))
            return 0;
        for (int i = 0; i < count; i++)
            out[i] = v;
        return 1;
    }
    if (n->kind != HN_CFG_SEQ || n->n != count) {
        fail(x, n, p, "must be a whole number or a list of %d", count);
        return 0;
    }
    for (int i = 0; i < count; i++) {
        hn_cfg_node *it = n->items[i];
        char *end;
        errno = 0;
        long long v = it->kind == HN_CFG_SCALAR ? strtoll(it->value, &end, 10) : 0;
        if (it->kind != HN_CFG_SCALAR || end == it->value || *end || errno || v < lo || v > hi) {
            fail(x, it, p, "item %d must be a whole number between %lld and %lld", i + 1, lo, hi);
            return 0;
        }
        out[i] = v;
    }
    return 1;
}

/* padding: valid (0), same (HN_PAD_SAME) or a number of zeros */
static void get_padding(ctx *x, hn_cfg_node *m, const char *p, int allow_same, int64_t *out)
{
    const char *v = get_str(x, m, "padding", p, 0);
    if (!v)
        return;
    if (!strcmp(v, "valid")) {
        *out = 0;
    } else if (!strcmp(v, "same") && allow_same) {
        *out = HN_PAD_SAME;
    } else {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (end != v && !*end && !errno && n >= 0 && n <= 4096) {
            *out = n;
        } else {
            char q[256];
            join(q, sizeof q, p, "padding");
            fail(x, hn_cfg_get(m, "padding"), q, "'%s': %s or a number of zeros (0 to 4096)", v,
                 allow_same ? "valid, same" : "valid");
        }
    }
}

static hn_init_kind get_init(ctx *x, hn_cfg_node *m, const char *p, hn_init_kind dflt)
{
    const char *init = get_str(x, m, "init", p, 0);
    int k = init ? hn_init_parse(init) : (int)dflt;
    if (k < 0) {
        char q[256];
        join(q, sizeof q, p, "init");
        fail(x, hn_cfg_get(m, "init"), q, "unknown initialiser '%s'", init);
        return dflt;
    }
    return (hn_init_kind)k;
}

static hn_act_kind get_act(ctx *x, hn_cfg_node *m, const char *p, const char *key, hn_act_kind dflt)
{
    const char *f = get_str(x, m, key, p, 0);
    int k = f ? hn_act_parse(f) : (int)dflt;
    if (k < 0 || k == HN_ACT_SOFTMAX || (f && k == HN_ACT_PRELU)) {
        char q[256];
        join(q, sizeof q, p, key);
        fail(x, hn_cfg_get(m, key), q, "'%s' is not an activation this layer takes", f);
        return dflt;
    }
    return (hn_act_kind)k;
}

static void need(ctx *x, hn_cfg_node *m, const char *p, int got, const char *what)
{
    if (!got && !x->st)
        fail(x, m, p, "%s", what);
}

/* A jagged block of the inputs: `jagged: NAME` (one of data.jagged), or
 * offset/objects/vars given; with neither, the only jagged input. */
static void get_block(ctx *x, hn_cfg_node *m, const char *p, int64_t *offset, int64_t *objects, int64_t *vars)
{
    const hn_data_spec *d = &x->c->data;
    const char *name = get_str(x, m, "jagged", p, 0);
    long long v;
    int has_obj = get_int(x, m, "objects", p, 1, 1 << 20, &v);
    if (has_obj)
        *objects = v;
    int has_vars = get_int(x, m, "vars", p, 1, 1 << 20, &v);
    if (has_vars)
        *vars = v;
    *offset = -1;
    if (get_int(x, m, "offset", p, 0, (long long)1 << 40, &v))
        *offset = v;
    if (x->st)
        return;
    if (name || (!has_obj && !has_vars)) {
        if (has_obj || has_vars) {
            fail(x, m, p, "give either jagged or objects and vars, not both");
            return;
        }
        if (!name && d->n_jagged != 1) {
            fail(x, m, p, "data has %d jagged inputs: name one with jagged, or give objects and vars", d->n_jagged);
            return;
        }
        int64_t at = d->n_variables;
        for (int j = 0; j < d->n_jagged; j++) {
            const hn_jagged_input *ji = &d->jagged[j];
            if (!name || (ji->name && !strcmp(ji->name, name))) {
                if (*offset < 0)
                    *offset = at;
                *objects = ji->max_objects;
                *vars = ji->n_vars;
                return;
            }
            at += (int64_t)ji->max_objects * (ji->n_vars + 1);
        }
        char q[256];
        join(q, sizeof q, p, "jagged");
        fail(x, hn_cfg_get(m, "jagged"), q, "'%s' is not one of data.jagged", name);
        return;
    }
    if (!has_obj || !has_vars)
        fail(x, m, p, "needs both objects and vars (or jagged: the name of a data.jagged input)");
}

/* The deep-architecture layers (docs/config.md, network). */
static void read_deep_layer(ctx *x, hn_cfg_node *m, const char *p, hn_layer_spec *l)
{
    long long v;
    double d;
    int b;
    switch (l->kind) {
    case HN_LAYER_RESHAPE: {
        hn_cfg_node *n = hn_cfg_get(m, "shape");
        char q[256];
        join(q, sizeof q, p, "shape");
        if (!n || n->kind != HN_CFG_SEQ || n->n < 1 || n->n > 3) {
            fail(x, n ? n : m, q, "needs a list of 1 to 3 sizes: [C, H, W] for images, [T, F] for sequences");
            break;
        }
        l->shape_ndim = n->n;
        get_ints(x, m, "shape", p, 1, (long long)1 << 31, n->n, l->shape);
        break;
    }
    case HN_LAYER_CONV1D:
    case HN_LAYER_CONV2D:
    case HN_LAYER_CONV2D_TRANSPOSE: {
        int dims = l->kind == HN_LAYER_CONV2D ? 2 : 1;
        if (get_int(x, m, "filters", p, 1, 1 << 20, &v))
            l->units = v;
        else
            need(x, m, p, 0, "a convolution needs filters");
        need(x, m, p, get_ints(x, m, "kernel", p, 1, 4096, dims, l->kernel), "a convolution needs a kernel size");
        if (dims == 1)
            l->kernel[1] = l->kernel[0];
        l->stride = 1;
        l->dilation = 1;
        get_ints(x, m, "stride", p, 1, 4096, 1, &l->stride);
        if (l->kind != HN_LAYER_CONV2D_TRANSPOSE)
            get_ints(x, m, "dilation", p, 1, 4096, 1, &l->dilation);
        else
            get_ints(x, m, "output_padding", p, 0, 4095, 1, &l->out_pad);
        get_padding(x, m, p, l->kind != HN_LAYER_CONV2D_TRANSPOSE, &l->pad);
        l->init = get_init(x, m, p, HN_INIT_HE_UNIFORM);
        break;
    }
    case HN_LAYER_MAXPOOL:
    case HN_LAYER_AVGPOOL:
        l->kernel[0] = l->kernel[1] = 2;
        {
            hn_cfg_node *n = hn_cfg_get(m, "size");
            get_ints(x, m, "size", p, 1, 4096, n && n->kind == HN_CFG_SEQ ? 2 : 1, l->kernel);
        }
        get_ints(x, m, "stride", p, 1, 4096, 1, &l->stride);
        get_padding(x, m, p, 0, &l->pad);
        break;
    case HN_LAYER_RNN: {
        const char *cell = get_str(x, m, "cell", p, 0);
        if (cell) {
            if (!strcmp(cell, "simple") || !strcmp(cell, "rnn"))
                l->cell = HN_RNN_SIMPLE;
            else if (!strcmp(cell, "lstm"))
                l->cell = HN_RNN_LSTM;
            else if (!strcmp(cell, "gru"))
                l->cell = HN_RNN_GRU;
            else {
                char q[256];
                join(q, sizeof q, p, "cell");
                fail(x, hn_cfg_get(m, "cell"), q, "'%s': simple, lstm or gru", cell);
            }
        }
        if (get_int(x, m, "units", p, 1, 1 << 20, &v))
            l->units = v;
        else
            need(x, m, p, 0, "a recurrent layer needs units (the hidden size)");
        if (get_bool(x, m, "bidirectional", p, &b))
            l->bidirectional = b;
        if (get_bool(x, m, "return_sequences", p, &b))
            l->return_sequences = b;
        if (get_int(x, m, "truncate", p, 0, 1 << 20, &v))
            l->truncate = (int)v;
        break;
    }
    case HN_LAYER_RESIDUAL:
        if (get_int(x, m, "units", p, 1, 1 << 24, &v) || get_int(x, m, "filters", p, 1, 1 << 20, &v))
            l->units = v;
        else
            need(x, m, p, 0, "a residual block needs units (dense block) or filters (conv block)");
        l->act = get_act(x, m, p, "activation", HN_ACT_RELU);
        l->init = get_init(x, m, p, HN_INIT_HE_UNIFORM);
        l->stride = 1;
        get_ints(x, m, "stride", p, 1, 4096, 1, &l->stride);
        if (get_bool(x, m, "batchnorm", p, &b))
            l->batch_norm = b;
        break;
    case HN_LAYER_HIGHWAY:
        l->act = get_act(x, m, p, "activation", HN_ACT_RELU);
        l->init = get_init(x, m, p, HN_INIT_XAVIER_UNIFORM);
        l->alpha = -2.0f;
        if (get_double(x, m, "gate_bias", p, -100, 100, 0, &d))
            l->alpha = (float)d;
        break;
    case HN_LAYER_SEQUENCE: get_block(x, m, p, &l->offset, &l->objects, &l->vars); break;
    default: break; /* global_avgpool, flatten: no keys */
    }
}

static void read_layer(ctx *x, hn_cfg_node *m, const char *p, hn_layer_spec *l)
{
    const char *type = get_str(x, m, "type", p, 1);
    if (!type)
        return;
    int kind = hn_layer_kind_parse(type);
    /* Keras' names for the recurrent cells */
    int cell = !strcmp(type, "lstm") ? HN_RNN_LSTM : !strcmp(type, "gru") ? HN_RNN_GRU
             : !strcmp(type, "simple_rnn") ? HN_RNN_SIMPLE : -1;
    if (cell >= 0)
        kind = HN_LAYER_RNN;
    if (kind < 0) {
        fail(x, hn_cfg_get(m, "type"), p, "unknown layer type '%s' (dense, activation, dropout, batchnorm, reshape, "
             "conv1d, conv2d, conv2d_transpose, maxpool, avgpool, global_avgpool, flatten, rnn, lstm, gru, "
             "simple_rnn, residual, highway, sequence)", type);
        return;
    }
    l->kind = (hn_layer_kind)kind;
    if (kind >= HN_LAYER_RESHAPE) {
        l->cell = cell >= 0 ? cell : HN_RNN_LSTM;
        if (cell >= 0 && hn_cfg_get(m, "cell")) {
            fail(x, hn_cfg_get(m, "cell"), p, "type %s already says the cell", type);
            return;
        }
        read_deep_layer(x, m, p, l);
        check_unused(x, m, p);
        return;
    }
    l->kind = (hn_layer_kind)kind;
    long long v;
    double d;
    if (kind == HN_LAYER_DENSE) {
        if (get_int(x, m, "units", p, 1, 1 << 24, &v))
            l->units = v;
        else if (!x->st)
            fail(x, m, p, "a dense layer needs units");
        const char *init = get_str(x, m, "init", p, 0);
        l->init = HN_INIT_XAVIER_UNIFORM;
        if (init && (l->init = (hn_init_kind)hn_init_parse(init)) == (hn_init_kind)-1)
            fail(x, hn_cfg_get(m, "init"), p, "unknown initialiser '%s'", init);
    } else if (kind == HN_LAYER_ACTIVATION) {
        const char *f = get_str(x, m, "function", p, 1);
        if (f && (int)(l->act = (hn_act_kind)hn_act_parse(f)) < 0)
            fail(x, hn_cfg_get(m, "function"), p, "unknown activation '%s'", f);
        l->alpha = l->act == HN_ACT_PRELU ? 0.25f : 1.0f;
        if (get_double(x, m, "alpha", p, 0, HUGE_VAL, 0, &d))
            l->alpha = (float)d;
    } else if (kind == HN_LAYER_DROPOUT) {
        if (get_double(x, m, "rate", p, 0, 0.99, 0, &d))
            l->rate = (float)d;
        else if (!x->st)
            fail(x, m, p, "a dropout layer needs a rate");
    } else {
        l->momentum = 0.1f;
        l->eps = 1e-5f;
        if (get_double(x, m, "momentum", p, 0, 1, 0, &d))
            l->momentum = (float)d;
        if (get_double(x, m, "eps", p, 0, 1, 1, &d))
            l->eps = (float)d;
    }
    check_unused(x, m, p);
}

static int push_layer(ctx *x, hn_layer_spec l)
{
    hn_layer_spec *q = realloc(x->c->layers, sizeof *q * (size_t)(x->c->n_layers + 1));
    if (!q)
        return -1;
    x->c->layers = q;
    q[x->c->n_layers++] = l;
    return 0;
}

static void read_network(ctx *x, hn_cfg_node *n)
{
    hn_cfg_node *layers = hn_cfg_get(n, "layers");
    if (layers) {
        if (layers->kind != HN_CFG_SEQ) {
            fail(x, layers, "network.layers", "must be a list of layers");
            return;
        }
        for (int i = 0; i < layers->n && !x->st; i++) {
            char p[64];
            snprintf(p, sizeof p, "network.layers[%d]", i + 1);
            if (layers->items[i]->kind != HN_CFG_MAP) {
                fail(x, layers->items[i], p, "must be a map with a type");
                return;
            }
            hn_layer_spec l;
            memset(&l, 0, sizeof l);
            read_layer(x, layers->items[i], p, &l);
            if (!x->st && push_layer(x, l))
                fail(x, layers, p, "out of memory");
        }
    }
    /* the shorthand: hidden widths with one activation, optional dropout and batch norm */
    int n_hidden = 0;
    const char **hidden = get_list(x, n, "hidden", "network", &n_hidden);
    const char *act = get_str(x, n, "activation", "network", 0);
    const char *init = get_str(x, n, "init", "network", 0);
    double rate = 0;
    int bn = 0;
    get_double(x, n, "dropout", "network", 0, 0.99, 0, &rate);
    get_bool(x, n, "batchnorm", "network", &bn);
    if (hidden && layers)
        fail(x, hn_cfg_get(n, "hidden"), "network.hidden", "give either layers or hidden, not both");
    int a = act ? hn_act_parse(act) : HN_ACT_RELU;
    if (a < 0)
        fail(x, hn_cfg_get(n, "activation"), "network.activation", "unknown activation '%s'", act);
    int ik = init ? hn_init_parse(init) : (a == HN_ACT_RELU ? HN_INIT_HE_UNIFORM : HN_INIT_XAVIER_UNIFORM);
    if (ik < 0)
        fail(x, hn_cfg_get(n, "init"), "network.init", "unknown initialiser '%s'", init);
    for (int i = 0; i < n_hidden && !x->st; i++) {
        char *end;
        long u = strtol(hidden[i], &end, 10);
        if (*end || end == hidden[i] || u < 1 || u > (1 << 24)) {
            fail(x, hn_cfg_get(n, "hidden"), "network.hidden", "'%s' is not a layer width (a whole number >= 1)",
                 hidden[i]);
            return;
        }
        hn_layer_spec l = {.kind = HN_LAYER_DENSE, .units = u, .init = (hn_init_kind)ik};
        int fail_push = push_layer(x, l);
        if (bn)
            fail_push |= push_layer(x, (hn_layer_spec){.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f});
        fail_push |= push_layer(x, (hn_layer_spec){.kind = HN_LAYER_ACTIVATION, .act = (hn_act_kind)a,
                                                   .alpha = a == HN_ACT_PRELU ? 0.25f : 1.0f});
        if (rate > 0)
            fail_push |= push_layer(x, (hn_layer_spec){.kind = HN_LAYER_DROPOUT, .rate = (float)rate});
        if (fail_push)
            fail(x, n, "network", "out of memory");
    }
    check_unused(x, n, "network");
}

static void read_augment(ctx *x, hn_cfg_node *a)
{
    hn_augment_spec *s = &x->c->augment;
    hn_cfg_node *img = get_map(x, a, "image", "train.augment");
    int b;
    if (img && !x->st) {
        const char *p = "train.augment.image";
        int64_t shape[3] = {0, 0, 0};
        hn_cfg_node *sh = hn_cfg_get(img, "shape");
        if (!sh || sh->kind != HN_CFG_SEQ || sh->n != 3)
            fail(x, sh ? sh : img, "train.augment.image.shape", "needs the image shape [C, H, W]");
        else
            get_ints(x, img, "shape", p, 1, 1 << 20, 3, shape);
        s->image = 1;
        s->c = shape[0];
        s->h = shape[1];
        s->w = shape[2];
        s->image_offset = -1;
        long long v;
        if (get_int(x, img, "offset", p, 0, (long long)1 << 40, &v))
            s->image_offset = v;
        get_double(x, img, "flip_h", p, 0, 1, 0, &s->flip_h);
        get_double(x, img, "flip_v", p, 0, 1, 0, &s->flip_v);
        if (get_int(x, img, "shift", p, 0, 1 << 20, &v))
            s->shift = v;
        if (get_bool(x, img, "rot90", p, &b))
            s->rot90 = b;
        if (s->rot90 && s->h != s->w && !x->st)
            fail(x, hn_cfg_get(img, "rot90"), "train.augment.image.rot90", "needs square images, not %lldx%lld",
                 (long long)s->h, (long long)s->w);
        check_unused(x, img, p);
    }
    hn_cfg_node *pl = get_map(x, a, "particles", "train.augment");
    if (pl && !x->st) {
        const char *p = "train.augment.particles";
        s->particles = 1;
        if (get_bool(x, pl, "permute", p, &b))
            s->particles = b;
        get_block(x, pl, p, &s->offset, &s->objects, &s->vars);
        check_unused(x, pl, p);
    }
    check_unused(x, a, "train.augment");
}

static void read_train(ctx *x, hn_cfg_node *t)
{
    hn_train_config *tc = &x->c->train;
    *tc = hn_train_config_default();
    const char *opt = get_str(x, t, "optimizer", "train", 0);
    if (opt) {
        hn_optim_kind k;
        if (hn_optim_kind_parse(opt, &k, NULL)) {
            fail(x, hn_cfg_get(t, "optimizer"), "train.optimizer",
                 "unknown optimiser '%s' (gd, sgd, adagrad, adadelta, rmsprop, adam, adamw)", opt);
            return;
        }
        tc->optim = hn_optim_config_default(k);
    }
    hn_optim_config *o = &tc->optim;
    double d;
    long long v;
    int b;
    get_double(x, t, "lr", "train", 0, HUGE_VAL, 1, &o->lr);
    get_double(x, t, "momentum", "train", 0, 0.999999, 0, &o->momentum);
    if (get_bool(x, t, "nesterov", "train", &b))
        o->nesterov = b;
    get_double(x, t, "weight_decay", "train", 0, HUGE_VAL, 0, &o->weight_decay);
    get_double(x, t, "beta1", "train", 0, 0.999999, 0, &o->beta1);
    get_double(x, t, "beta2", "train", 0, 0.999999, 0, &o->beta2);
    get_double(x, t, "eps", "train", 0, 1, 1, &o->eps);
    get_double(x, t, "rho", "train", 0, 0.999999, 0, &o->rho);
    get_double(x, t, "alpha", "train", 0, 0.999999, 0, &o->alpha);
    if (get_bool(x, t, "centered", "train", &b))
        o->centered = b;
    if (get_bool(x, t, "amsgrad", "train", &b))
        o->amsgrad = b;
    get_double(x, t, "clip_norm", "train", 0, HUGE_VAL, 0, &o->max_grad_norm);
    if (get_int(x, t, "epochs", "train", 1, 1000000, &v))
        tc->epochs = (int)v;
    if (get_int(x, t, "batch_size", "train", 0, (long long)1 << 40, &v))
        tc->batch_size = v;
    if (get_int(x, t, "patience", "train", 0, 1000000, &v))
        tc->patience = (int)v;
    get_double(x, t, "min_delta", "train", 0, HUGE_VAL, 0, &tc->min_delta);
    if (get_bool(x, t, "restore_best", "train", &b))
        tc->restore_best = b;
    if (get_bool(x, t, "balance_classes", "train", &b))
        tc->balance_classes = b;
    if (get_bool(x, t, "shuffle", "train", &b))
        tc->shuffle = b;
    get_double(x, t, "l1", "train", 0, HUGE_VAL, 0, &tc->penalty.l1);
    get_double(x, t, "l2", "train", 0, HUGE_VAL, 0, &tc->penalty.l2);
    const char *norm = get_str(x, t, "normalisation", "train", 0);
    if (norm) {
        if (!strcmp(norm, "standard"))
            tc->norm = HN_NORM_STANDARD;
        else if (!strcmp(norm, "minmax"))
            tc->norm = HN_NORM_MINMAX;
        else if (!strcmp(norm, "none"))
            tc->norm = HN_NORM_NONE;
        else
            fail(x, hn_cfg_get(t, "normalisation"), "train.normalisation", "'%s': standard, minmax or none", norm);
    }
    if (get_bool(x, t, "checkpoint", "train", &b))
        x->c->checkpoint = b;
    hn_cfg_node *s = get_map(x, t, "schedule", "train");
    tc->schedule.kind = HN_SCHED_CONSTANT;
    if (s) {
        const char *kind = get_str(x, s, "type", "train.schedule", 1);
        if (kind) {
            hn_schedule_kind k;
            if (hn_schedule_kind_parse(kind, &k, NULL))
                fail(x, hn_cfg_get(s, "type"), "train.schedule.type", "unknown schedule '%s' (constant, step, exp, "
                     "inverse)", kind);
            else
                tc->schedule.kind = k;
        }
        if (get_int(x, s, "step_size", "train.schedule", 1, 1000000, &v))
            tc->schedule.step_size = v;
        if (get_double(x, s, "gamma", "train.schedule", 0, HUGE_VAL, 1, &d))
            tc->schedule.gamma = d;
        get_double(x, s, "decay", "train.schedule", 0, HUGE_VAL, 0, &tc->schedule.decay);
        if (get_int(x, s, "warmup", "train.schedule", 0, 1000000, &v))
            tc->schedule.warmup = v;
        check_unused(x, s, "train.schedule");
    }
    hn_cfg_node *aug = get_map(x, t, "augment", "train");
    if (aug && !x->st)
        read_augment(x, aug);
    tc->seed = x->c->seed;
    check_unused(x, t, "train");
}

static hn_status interpret(hn_run_config *c, hn_error *err)
{
    ctx x = {c, err, HN_OK};
    hn_cfg_node *r = c->root;
    const char *task = get_str(&x, r, "task", "", 1);
    if (task) {
        int t = hn_task_parse(task);
        if (t < 0)
            fail(&x, hn_cfg_get(r, "task"), "task", "'%s': binary, multiclass or regression", task);
        c->task = (hn_task)t;
    }
    long long v;
    c->seed = 1;
    if (get_int(&x, r, "seed", "", 0, INT64_MAX, &v))
        c->seed = (uint64_t)v;
    if (get_int(&x, r, "threads", "", 0, 1024, &v))
        c->threads = (int)v;
    c->device = get_str(&x, r, "device", "", 0);
    if (!c->device)
        c->device = "cpu";
    if (strcmp(c->device, "cpu") && strcmp(c->device, "cuda"))
        fail(&x, hn_cfg_get(r, "device"), "device", "'%s': cpu or cuda", c->device);
    c->checkpoint = 1;
    hn_cfg_node *data = get_map(&x, r, "data", "");
    if (!data && !x.st)
        fail(&x, r, "data", "missing");
    if (!x.st)
        read_data(&x, data);
    hn_cfg_node *net = get_map(&x, r, "network", "");
    if (net && !x.st)
        read_network(&x, net);
    hn_cfg_node *train = get_map(&x, r, "train", "");
    c->train = hn_train_config_default();
    c->train.seed = c->seed;
    if (train && !x.st)
        read_train(&x, train);
    else if (!x.st)
        c->train.seed = c->seed;
    if (!x.st)
        check_unused(&x, r, "");
    return x.st;
}

void hn_config_free(hn_run_config *c)
{
    if (!c)
        return;
    hn_cfg_free(c->root);
    for (int i = 0; i < c->n_lists; i++)
        free(c->lists[i]);
    free(c->lists);
    free(c->classes);
    free(c->jagged);
    free(c->images);
    free(c->layers);
    free(c->name);
    free(c->text);
    free(c);
}

hn_status hn_config_parse(const char *text, size_t len, const char *name, const char *const *overrides,
                          int n_overrides, hn_run_config **out, hn_error *err)
{
    if (!out || (!text && len))
        return hn_error_set(err, HN_ERR_ARG, "config: NULL argument");
    *out = NULL;
    hn_run_config *c = calloc(1, sizeof *c);
    if (!c)
        return hn_error_set(err, HN_ERR_NOMEM, "config: out of memory");
    const char *nm = name ? name : "config";
    c->name = malloc(strlen(nm) + 1);
    if (c->name)
        strcpy(c->name, nm);
    hn_status st = c->name ? hn_cfg_parse(text ? text : "", len, nm, &c->root, err)
                           : hn_error_set(err, HN_ERR_NOMEM, "config: out of memory");
    for (int i = 0; !st && i < n_overrides; i++)
        st = hn_cfg_override(c->root, overrides[i], err);
    if (!st) {
        c->text = hn_cfg_dump(c->root);
        st = interpret(c, err);
    }
    if (st) {
        hn_config_free(c);
        return st;
    }
    *out = c;
    return HN_OK;
}

hn_status hn_config_load(const char *path, const char *const *overrides, int n_overrides, hn_run_config **out,
                         hn_error *err)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    if (!path)
        return hn_error_set(err, HN_ERR_ARG, "config: no file given");
    hn_status st = hn_file_read_all(path, &buf, &n, err);
    if (!st)
        st = hn_config_parse((const char *)buf, n, path, overrides, n_overrides, out, err);
    free(buf);
    return st;
}

const hn_data_spec *hn_config_data(const hn_run_config *c) { return c ? &c->data : NULL; }
hn_train_config hn_config_train(const hn_run_config *c)
{
    hn_train_config t = c->train;
    if (hn_device_parse(c->device, &t.device, NULL)) /* checked when read: cpu or cuda */
        t.device = HN_DEVICE_CPU;
    if (c->augment.image || c->augment.particles) {
        t.augment = hn_augment_rows;
        t.augment_user = (void *)&c->augment;
    }
    return t;
}

const hn_augment_spec *hn_config_augment(const hn_run_config *c)
{
    return c && (c->augment.image || c->augment.particles) ? &c->augment : NULL;
}
uint64_t hn_config_seed(const hn_run_config *c) { return c->seed; }
int hn_config_threads(const hn_run_config *c) { return c->threads; }
const char *hn_config_device(const hn_run_config *c) { return c->device; }
int hn_config_checkpoint(const hn_run_config *c) { return c->checkpoint; }
int64_t hn_config_stream_entries(const hn_run_config *c) { return c->stream_entries; }
const char *hn_config_text(const hn_run_config *c) { return c->text ? c->text : ""; }

hn_model_spec hn_config_model(const hn_run_config *c, int n_inputs)
{
    hn_model_spec s;
    memset(&s, 0, sizeof s);
    s.task = c->task;
    s.n_inputs = n_inputs;
    if (c->task == HN_TASK_BINARY)
        s.n_outputs = 1;
    else if (c->task == HN_TASK_MULTICLASS)
        s.n_outputs = c->data.n_classes > 0 ? c->data.n_classes : c->data.n_class_names;
    else
        s.n_outputs = c->data.n_targets;
    s.layers = c->layers;
    s.n_layers = c->n_layers;
    s.seed = c->seed;
    return s;
}

hn_status hn_config_from_model(const hn_model *m, hn_run_config **out, hn_error *err)
{
    if (!m || !out)
        return hn_error_set(err, HN_ERR_ARG, "config_from_model: NULL argument");
    *out = NULL;
    const char *meta = hn_model_meta(m);
    hn_cfg_node *root = NULL;
    hn_status st = hn_cfg_parse(meta, strlen(meta), "model metadata", &root, err);
    if (st)
        return hn_error_set(err, HN_ERR_FORMAT, "the model's metadata is not the YAML hepnn train writes");
    hn_cfg_node *cfg = hn_cfg_get(root, "config");
    if (!cfg || cfg->kind != HN_CFG_MAP) {
        hn_cfg_free(root);
        return hn_error_set(err, HN_ERR_FORMAT, "the model carries no training configuration (it was not written by "
                            "hepnn train)");
    }
    char *text = hn_cfg_dump(cfg);
    st = text ? hn_config_parse(text, strlen(text), "the model's configuration", NULL, 0, out, err)
              : hn_error_set(err, HN_ERR_NOMEM, "config_from_model: out of memory");
    free(text);
    hn_cfg_free(root);
    return st;
}

const char *hn_model_meta_get(const hn_model *m, const char *path, char *buf, size_t size)
{
    if (!m || !path || !buf || size == 0)
        return NULL;
    const char *meta = hn_model_meta(m);
    hn_cfg_node *root = NULL;
    if (hn_cfg_parse(meta, strlen(meta), "model metadata", &root, NULL))
        return NULL;
    hn_cfg_node *cur = root;
    char key[128];
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            cur = NULL;
        else {
            memcpy(key, p, n);
            key[n] = '\0';
            cur = hn_cfg_get(cur, key);
        }
        p += n + (dot ? 1 : 0);
        if (!dot)
            break;
    }
    const char *res = NULL;
    if (cur && cur->kind == HN_CFG_SCALAR) {
        snprintf(buf, size, "%s", cur->value);
        res = buf;
    }
    hn_cfg_free(root);
    return res;
}
