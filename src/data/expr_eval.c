/* The expression language: running a bound instruction list over a range of
 * entries, HN_EXPR_BLOCK events at a time. Every register holds the block's
 * values: one per event, or for a jagged group one per object of the block's
 * events (contiguous, with block-local offsets shared by the group). */
#include "data/expr_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HN_EXPR_BLOCK 512

hn_status hn_column_list_resolve(void *ctx, const char *name, hn_column *out, hn_error *err)
{
    const hn_column_list *l = ctx;
    for (int i = 0; l && i < l->n; i++)
        if (l->cols[i].name && !strcmp(l->cols[i].name, name)) {
            *out = l->cols[i];
            return HN_OK;
        }
    return hn_error_set(err, HN_ERR_ARG, "no column named '%s'", name);
}

static void run_unary(hn_xop op, const double *x, double *y, int64_t n)
{
    switch (op) {
    case HN_XOP_NEG: for (int64_t i = 0; i < n; i++) y[i] = -x[i]; break;
    case HN_XOP_NOT: for (int64_t i = 0; i < n; i++) y[i] = x[i] == 0.0 ? 1.0 : 0.0; break;
    case HN_XOP_ABS: for (int64_t i = 0; i < n; i++) y[i] = fabs(x[i]); break;
    case HN_XOP_SQRT: for (int64_t i = 0; i < n; i++) y[i] = sqrt(x[i]); break;
    case HN_XOP_EXP: for (int64_t i = 0; i < n; i++) y[i] = exp(x[i]); break;
    case HN_XOP_LOG: for (int64_t i = 0; i < n; i++) y[i] = log(x[i]); break;
    case HN_XOP_LOG10: for (int64_t i = 0; i < n; i++) y[i] = log10(x[i]); break;
    case HN_XOP_SIN: for (int64_t i = 0; i < n; i++) y[i] = sin(x[i]); break;
    case HN_XOP_COS: for (int64_t i = 0; i < n; i++) y[i] = cos(x[i]); break;
    case HN_XOP_TAN: for (int64_t i = 0; i < n; i++) y[i] = tan(x[i]); break;
    case HN_XOP_ASIN: for (int64_t i = 0; i < n; i++) y[i] = asin(x[i]); break;
    case HN_XOP_ACOS: for (int64_t i = 0; i < n; i++) y[i] = acos(x[i]); break;
    case HN_XOP_ATAN: for (int64_t i = 0; i < n; i++) y[i] = atan(x[i]); break;
    case HN_XOP_SINH: for (int64_t i = 0; i < n; i++) y[i] = sinh(x[i]); break;
    case HN_XOP_COSH: for (int64_t i = 0; i < n; i++) y[i] = cosh(x[i]); break;
    case HN_XOP_TANH: for (int64_t i = 0; i < n; i++) y[i] = tanh(x[i]); break;
    case HN_XOP_FLOOR: for (int64_t i = 0; i < n; i++) y[i] = floor(x[i]); break;
    case HN_XOP_CEIL: for (int64_t i = 0; i < n; i++) y[i] = ceil(x[i]); break;
    default: break;
    }
}

static void run_binary(hn_xop op, const double *a, const double *b, double *y, int64_t n)
{
    switch (op) {
    case HN_XOP_ADD: for (int64_t i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    case HN_XOP_SUB: for (int64_t i = 0; i < n; i++) y[i] = a[i] - b[i]; break;
    case HN_XOP_MUL: for (int64_t i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    case HN_XOP_DIV: for (int64_t i = 0; i < n; i++) y[i] = a[i] / b[i]; break;
    case HN_XOP_MOD: for (int64_t i = 0; i < n; i++) y[i] = fmod(a[i], b[i]); break;
    case HN_XOP_POW: for (int64_t i = 0; i < n; i++) y[i] = pow(a[i], b[i]); break;
    case HN_XOP_LT: for (int64_t i = 0; i < n; i++) y[i] = a[i] < b[i]; break;
    case HN_XOP_LE: for (int64_t i = 0; i < n; i++) y[i] = a[i] <= b[i]; break;
    case HN_XOP_GT: for (int64_t i = 0; i < n; i++) y[i] = a[i] > b[i]; break;
    case HN_XOP_GE: for (int64_t i = 0; i < n; i++) y[i] = a[i] >= b[i]; break;
    case HN_XOP_EQ: for (int64_t i = 0; i < n; i++) y[i] = a[i] == b[i]; break;
    case HN_XOP_NE: for (int64_t i = 0; i < n; i++) y[i] = a[i] != b[i]; break;
    case HN_XOP_AND: for (int64_t i = 0; i < n; i++) y[i] = a[i] != 0.0 && b[i] != 0.0; break;
    case HN_XOP_OR: for (int64_t i = 0; i < n; i++) y[i] = a[i] != 0.0 || b[i] != 0.0; break;
    case HN_XOP_ATAN2: for (int64_t i = 0; i < n; i++) y[i] = atan2(a[i], b[i]); break;
    case HN_XOP_MIN: for (int64_t i = 0; i < n; i++) y[i] = fmin(a[i], b[i]); break;
    case HN_XOP_MAX: for (int64_t i = 0; i < n; i++) y[i] = fmax(a[i], b[i]); break;
    case HN_XOP_HYPOT: for (int64_t i = 0; i < n; i++) y[i] = hypot(a[i], b[i]); break;
    default: break;
    }
}

/* y[j] = op over x[off[j] .. off[j+1]); empty lists give 0 (as ROOT's Max$/Min$) */
static void run_reduce(hn_xop op, const double *x, const int64_t *off, double *y, int64_t nb)
{
    for (int64_t j = 0; j < nb; j++) {
        int64_t lo = off[j], hi = off[j + 1];
        double r = 0.0;
        if (op == HN_XOP_LENGTH) {
            r = (double)(hi - lo);
        } else if (op == HN_XOP_SUM) {
            for (int64_t k = lo; k < hi; k++)
                r += x[k];
        } else if (hi > lo) {
            r = x[lo];
            for (int64_t k = lo + 1; k < hi; k++)
                if (op == HN_XOP_RMAX ? x[k] > r : x[k] < r)
                    r = x[k];
        }
        y[j] = r;
    }
}

typedef struct scratch {
    double **buf;   /* per register */
    int64_t **goff; /* per group: block-local offsets, HN_EXPR_BLOCK + 1 */
    int64_t *gcap;  /* per group: capacity of its registers */
    int64_t *gn;    /* per group: objects in the current block */
} scratch;

static void scratch_free(const hn_expr *e, scratch *s)
{
    for (int r = 0; s->buf && r < e->n_regs; r++)
        free(s->buf[r]);
    for (int g = 0; s->goff && g < e->n_groups; g++)
        free(s->goff[g]);
    free(s->buf);
    free(s->goff);
    free(s->gcap);
    free(s->gn);
}

static int scratch_init(const hn_expr *e, scratch *s)
{
    size_t ng = (size_t)(e->n_groups ? e->n_groups : 1);
    s->buf = calloc((size_t)e->n_regs, sizeof *s->buf);
    s->goff = calloc(ng, sizeof *s->goff);
    s->gcap = calloc(ng, sizeof *s->gcap);
    s->gn = calloc(ng, sizeof *s->gn);
    if (!s->buf || !s->goff || !s->gcap || !s->gn)
        return -1;
    for (int g = 0; g < e->n_groups; g++)
        if (!(s->goff[g] = malloc((HN_EXPR_BLOCK + 1) * sizeof(int64_t))))
            return -1;
    for (int r = 0; r < e->n_regs; r++)
        if (e->reg_group[r] < 0 && !(s->buf[r] = malloc(HN_EXPR_BLOCK * sizeof(double))))
            return -1;
    return 0;
}

/* Sets up the groups' offsets for events [first, first+nb) and grows the
 * jagged registers to fit. */
static int prepare_block(const hn_expr *e, scratch *s, int64_t first, int64_t nb)
{
    for (int g = 0; g < e->n_groups; g++) {
        const int64_t *off = e->cols[e->group_ident[g]].offsets + first;
        int64_t *lo = s->goff[g];
        for (int64_t j = 0; j <= nb; j++)
            lo[j] = off[j] - off[0];
        s->gn[g] = lo[nb];
        if (s->gn[g] <= s->gcap[g] && s->gcap[g] > 0)
            continue;
        int64_t cap = s->gn[g] + s->gn[g] / 2 + 16;
        if ((uint64_t)cap > SIZE_MAX / sizeof(double))
            return -1;
        for (int r = 0; r < e->n_regs; r++) {
            if (e->reg_group[r] != g)
                continue;
            double *p = realloc(s->buf[r], (size_t)cap * sizeof(double));
            if (!p)
                return -1;
            s->buf[r] = p;
        }
        s->gcap[g] = cap;
    }
    return 0;
}

static void run_block(const hn_expr *e, scratch *s, int64_t first, int64_t nb)
{
    for (int i = 0; i < e->n_prog; i++) {
        const hn_xins *in = &e->prog[i];
        int g = e->reg_group[in->dst];
        int64_t n = g >= 0 ? s->gn[g] : nb;
        double *d = s->buf[in->dst];
        const double *a = in->a >= 0 ? s->buf[in->a] : NULL;
        const double *b = in->b >= 0 ? s->buf[in->b] : NULL;
        switch (in->kind) {
        case HN_XI_CONST:
            for (int64_t j = 0; j < nb; j++)
                d[j] = in->imm;
            break;
        case HN_XI_LOAD: {
            const hn_column *c = &e->cols[in->ident];
            int64_t start = c->offsets ? c->offsets[first] : first;
            if (n > 0)
                memcpy(d, c->values + start, (size_t)n * sizeof *d);
            break;
        }
        case HN_XI_BCAST: {
            const int64_t *off = s->goff[g];
            for (int64_t j = 0; j < nb; j++)
                for (int64_t k = off[j]; k < off[j + 1]; k++)
                    d[k] = a[j];
            break;
        }
        case HN_XI_UNARY: run_unary(in->op, a, d, n); break;
        case HN_XI_BINARY: run_binary(in->op, a, b, d, n); break;
        case HN_XI_REDUCE: run_reduce(in->op, a, s->goff[e->reg_group[in->a]], d, nb); break;
        case HN_XI_INDEX:
        case HN_XI_INDEX_OK: {
            const int64_t *off = s->goff[e->reg_group[in->a]];
            for (int64_t j = 0; j < nb; j++) {
                double v = b[j];
                int64_t len = off[j + 1] - off[j];
                /* written so that NaN, negative and huge indices are all out of range */
                int ok = v >= 0.0 && v < (double)len;
                if (in->kind == HN_XI_INDEX_OK)
                    d[j] = ok;
                else
                    d[j] = ok ? a[off[j] + (int64_t)v] : in->imm;
            }
            break;
        }
        case HN_XI_SELECT: {
            const double *c = s->buf[in->c];
            for (int64_t j = 0; j < nb; j++)
                d[j] = c[j] != 0.0 ? a[j] : b[j];
            break;
        }
        }
    }
}

static hn_status check_range(const hn_expr *e, int64_t first, int64_t count, hn_error *err)
{
    if (!e || !e->bound)
        return hn_error_set(err, HN_ERR_STATE, "expr: expression is not bound to columns");
    if (first < 0 || count < 0 ||
        (e->n_entries >= 0 && (first > e->n_entries || count > e->n_entries - first)))
        return hn_error_set(err, HN_ERR_ARG,
                            "expr '%s': entries [%lld, %lld+%lld) outside the %lld bound entries",
                            e->text, (long long)first, (long long)first, (long long)count,
                            (long long)e->n_entries);
    return HN_OK;
}

/* Shared driver: writes per-event results to flat, or appends to the jagged
 * output (offsets, values). */
static hn_status eval_range(const hn_expr *e, int64_t first, int64_t count, double *flat,
                            int64_t *offsets, double *values, hn_error *err)
{
    scratch s = {0};
    if (scratch_init(e, &s)) {
        scratch_free(e, &s);
        return hn_error_set(err, HN_ERR_NOMEM, "expr: out of memory");
    }
    int rg = e->reg_group[e->result];
    int64_t pos = 0;
    if (offsets)
        offsets[0] = 0;
    for (int64_t j0 = 0; j0 < count; j0 += HN_EXPR_BLOCK) {
        int64_t nb = count - j0 < HN_EXPR_BLOCK ? count - j0 : HN_EXPR_BLOCK;
        if (prepare_block(e, &s, first + j0, nb)) {
            scratch_free(e, &s);
            return hn_error_set(err, HN_ERR_NOMEM, "expr: out of memory");
        }
        run_block(e, &s, first + j0, nb);
        const double *r = s.buf[e->result];
        if (flat) {
            memcpy(flat + j0, r, (size_t)nb * sizeof *r);
            continue;
        }
        for (int64_t j = 0; j < nb; j++)
            offsets[j0 + j + 1] = pos + (rg >= 0 ? s.goff[rg][j + 1] : j + 1);
        int64_t n = rg >= 0 ? s.gn[rg] : nb;
        if (n > 0)
            memcpy(values + pos, r, (size_t)n * sizeof *r);
        pos += n;
    }
    scratch_free(e, &s);
    return HN_OK;
}

hn_status hn_expr_eval(const hn_expr *e, int64_t first, int64_t count, double *out, hn_error *err)
{
    hn_status st = check_range(e, first, count, err);
    if (st)
        return st;
    if (!out && count > 0)
        return hn_error_set(err, HN_ERR_ARG, "expr: NULL output");
    if (e->reg_group[e->result] >= 0)
        return hn_error_set(err, HN_ERR_SHAPE,
                            "expr '%s' has one value per object of '%s', not one per event: "
                            "reduce it (Sum$, Max$, Min$, Length$) or index it ([0])",
                            e->text, e->idents[e->group_ident[e->reg_group[e->result]]]);
    return eval_range(e, first, count, out, NULL, NULL, err);
}

hn_status hn_expr_eval_jagged(const hn_expr *e, int64_t first, int64_t count, int64_t *offsets,
                              double **values, hn_error *err)
{
    hn_status st = check_range(e, first, count, err);
    if (st)
        return st;
    if (!offsets || !values)
        return hn_error_set(err, HN_ERR_ARG, "expr: NULL output");
    *values = NULL;
    int rg = e->reg_group[e->result];
    int64_t total = count;
    if (rg >= 0) {
        const int64_t *off = e->cols[e->group_ident[rg]].offsets;
        total = off[first + count] - off[first];
    }
    if ((uint64_t)total > SIZE_MAX / sizeof(double))
        return hn_error_set(err, HN_ERR_NOMEM, "expr: result too large");
    double *v = malloc(total > 0 ? (size_t)total * sizeof *v : 1);
    if (!v)
        return hn_error_set(err, HN_ERR_NOMEM, "expr: out of memory");
    st = eval_range(e, first, count, NULL, offsets, v, err);
    if (st) {
        free(v);
        return st;
    }
    *values = v;
    return HN_OK;
}
