/* The expression language: binding identifiers to columns, type checking
 * (one value per event, or one per object of a jagged group) and emitting
 * the instruction list that expr_eval.c runs. */
#include "data/expr_internal.h"

#include <stdlib.h>
#include <string.h>

void hn_expr_unbind(hn_expr *e)
{
    free(e->cols);
    free(e->col_group);
    free(e->group_ident);
    free(e->prog);
    free(e->reg_group);
    e->cols = NULL;
    e->col_group = e->group_ident = e->reg_group = NULL;
    e->prog = NULL;
    e->n_groups = e->n_prog = e->n_regs = 0;
    e->bound = 0;
    e->n_entries = -1;
}

int64_t hn_expr_n_entries(const hn_expr *e) { return e && e->bound ? e->n_entries : -1; }

int hn_expr_is_jagged(const hn_expr *e)
{
    return e && e->bound && e->reg_group[e->result] >= 0;
}

/* First column in the text where identifier i appears, for messages. */
static int ident_col(const hn_expr *e, int ident)
{
    for (int k = 0; k < e->n_nodes; k++)
        if (e->nodes[k].kind == HN_XN_IDENT && e->nodes[k].ident == ident)
            return e->nodes[k].col;
    return 1;
}

/* 1 when every event has the same number of objects in a and b. */
static int same_counts(const hn_column *a, const hn_column *b)
{
    if (a->offsets == b->offsets)
        return 1;
    for (int64_t i = 0; i < a->n_entries; i++)
        if (a->offsets[i + 1] - a->offsets[i] != b->offsets[i + 1] - b->offsets[i])
            return 0;
    return 1;
}

static hn_status resolve_all(hn_expr *e, hn_expr_resolver resolve, void *ctx, hn_error *err)
{
    for (int i = 0; i < e->n_idents; i++) {
        const char *name = e->idents[i];
        hn_column c = {0};
        hn_error sub = {0};
        hn_status st = resolve ? resolve(ctx, name, &c, &sub) : HN_ERR_ARG;
        if (st) {
            if (sub.msg[0])
                return hn_expr_error_at(err, st, e->text, ident_col(e, i), "unknown identifier '%s' (%s)",
                                        name, sub.msg);
            return hn_expr_error_at(err, st, e->text, ident_col(e, i), "unknown identifier '%s'", name);
        }
        if (c.n_entries < 0 || (!c.values && c.n_entries > 0))
            return hn_expr_error_at(err, HN_ERR_ARG, e->text, ident_col(e, i),
                                    "column for '%s' has no values", name);
        if (e->n_entries >= 0 && c.n_entries != e->n_entries)
            return hn_expr_error_at(err, HN_ERR_SHAPE, e->text, ident_col(e, i),
                                    "column '%s' has %lld entries, '%s' has %lld", name,
                                    (long long)c.n_entries, e->idents[0], (long long)e->n_entries);
        e->n_entries = c.n_entries;
        if (c.offsets) {
            if (c.offsets[0] < 0)
                return hn_expr_error_at(err, HN_ERR_ARG, e->text, ident_col(e, i),
                                        "column '%s' has a negative first offset", name);
            for (int64_t k = 0; k < c.n_entries; k++)
                if (c.offsets[k + 1] < c.offsets[k])
                    return hn_expr_error_at(err, HN_ERR_ARG, e->text, ident_col(e, i),
                                            "column '%s': offsets decrease at entry %lld", name,
                                            (long long)k);
            if (!c.values && c.offsets[c.n_entries] > c.offsets[0])
                return hn_expr_error_at(err, HN_ERR_ARG, e->text, ident_col(e, i),
                                        "column '%s' has no values", name);
        }
        e->cols[i] = c;
        e->col_group[i] = -1;
        if (!c.offsets)
            continue;
        for (int g = 0; g < e->n_groups && e->col_group[i] < 0; g++)
            if (same_counts(&e->cols[e->group_ident[g]], &c))
                e->col_group[i] = g;
        if (e->col_group[i] < 0) {
            e->group_ident[e->n_groups] = i;
            e->col_group[i] = e->n_groups++;
        }
    }
    return HN_OK;
}

typedef struct gen {
    hn_expr *e;
    int cap_prog, cap_regs;
    hn_error *err;
} gen;

static hn_status new_reg(gen *g, int group, int *out)
{
    hn_expr *e = g->e;
    if (e->n_regs == g->cap_regs) {
        int cap = g->cap_regs ? 2 * g->cap_regs : 16;
        int *rg = realloc(e->reg_group, (size_t)cap * sizeof *rg);
        if (!rg)
            return hn_error_set(g->err, HN_ERR_NOMEM, "expr: out of memory");
        e->reg_group = rg;
        g->cap_regs = cap;
    }
    e->reg_group[e->n_regs] = group;
    *out = e->n_regs++;
    return HN_OK;
}

/* Appends an instruction writing a fresh register of the given group. */
static hn_status emit(gen *g, hn_xins ins, int group, int *dst)
{
    hn_expr *e = g->e;
    hn_status st = new_reg(g, group, dst);
    if (st)
        return st;
    if (e->n_prog == g->cap_prog) {
        int cap = g->cap_prog ? 2 * g->cap_prog : 16;
        hn_xins *prog = realloc(e->prog, (size_t)cap * sizeof *prog);
        if (!prog)
            return hn_error_set(g->err, HN_ERR_NOMEM, "expr: out of memory");
        e->prog = prog;
        g->cap_prog = cap;
    }
    ins.dst = *dst;
    e->prog[e->n_prog++] = ins;
    return HN_OK;
}

static const char *group_name(const hn_expr *e, int group)
{
    return e->idents[e->group_ident[group]];
}

/* Emits the code of every node in order (children come before parents), so
 * that a long chain a+b+c+... needs no recursion. */
static hn_status generate(gen *g, int *reg, int *grp, int *parent)
{
    hn_expr *e = g->e;
    int *ident_reg = malloc((size_t)(e->n_idents ? e->n_idents : 1) * sizeof *ident_reg);
    if (!ident_reg)
        return hn_error_set(g->err, HN_ERR_NOMEM, "expr: out of memory");
    for (int i = 0; i < e->n_idents; i++)
        ident_reg[i] = -1;
    hn_status st = HN_OK;
    for (int k = 0; k < e->n_nodes && !st; k++) {
        const hn_xnode *n = &e->nodes[k];
        int a = n->a, b = n->b;
        int ga = a >= 0 ? grp[a] : -1, gb = b >= 0 ? grp[b] : -1;
        if (a >= 0)
            parent[a] = k;
        if (b >= 0)
            parent[b] = k;
        hn_xins ins = {HN_XI_CONST, n->op, -1, a >= 0 ? reg[a] : -1, b >= 0 ? reg[b] : -1, -1, -1, 0.0};
        grp[k] = -1;
        switch (n->kind) {
        case HN_XN_NUM:
            ins.imm = n->num;
            st = emit(g, ins, -1, &reg[k]);
            break;
        case HN_XN_IDENT:
            grp[k] = e->col_group[n->ident];
            if (ident_reg[n->ident] >= 0) {
                reg[k] = ident_reg[n->ident];
                break;
            }
            ins.kind = HN_XI_LOAD;
            ins.ident = n->ident;
            st = emit(g, ins, grp[k], &reg[k]);
            ident_reg[n->ident] = reg[k];
            break;
        case HN_XN_INDEX:
            if (ga < 0) {
                if (e->nodes[a].kind == HN_XN_IDENT)
                    st = hn_expr_error_at(g->err, HN_ERR_ARG, e->text, n->col,
                                          "'%s' is not a jagged branch and cannot be indexed",
                                          e->idents[e->nodes[a].ident]);
                else
                    st = hn_expr_error_at(g->err, HN_ERR_ARG, e->text, n->col,
                                          "only a jagged value can be indexed");
                break;
            }
            if (gb >= 0) {
                st = hn_expr_error_at(g->err, HN_ERR_ARG, e->text, n->col,
                                      "an index must have one value per event, not one per object of '%s'",
                                      group_name(e, gb));
                break;
            }
            ins.kind = HN_XI_INDEX;
            ins.imm = e->missing;
            st = emit(g, ins, -1, &reg[k]);
            break;
        case HN_XN_OP:
            if (HN_XOP_IS_REDUCTION(n->op)) {
                if (ga >= 0) {
                    ins.kind = HN_XI_REDUCE;
                    st = emit(g, ins, -1, &reg[k]);
                } else if (n->op == HN_XOP_LENGTH) { /* a per-event value is a list of one */
                    ins.imm = 1.0;
                    st = emit(g, ins, -1, &reg[k]);
                } else {
                    reg[k] = reg[a];
                }
                break;
            }
            if (n->op == HN_XOP_ALT) {
                if (ga >= 0 || gb >= 0) {
                    st = hn_expr_error_at(g->err, HN_ERR_ARG, e->text, n->col,
                                          "Alt$ needs arguments with one value per event");
                    break;
                }
                /* valid = every index in the primary (outside reductions) is in range */
                int valid = -1;
                for (int m = 0; m < a && !st; m++) {
                    if (e->nodes[m].kind != HN_XN_INDEX)
                        continue;
                    int up = parent[m], inside = 0, reduced = 0;
                    while (up >= 0 && up <= a) {
                        if (e->nodes[up].kind == HN_XN_OP && HN_XOP_IS_REDUCTION(e->nodes[up].op))
                            reduced = 1;
                        if (up == a) {
                            inside = 1;
                            break;
                        }
                        up = parent[up];
                    }
                    if (!inside || reduced)
                        continue;
                    hn_xins ok = {HN_XI_INDEX_OK, HN_XOP_COUNT, -1, reg[e->nodes[m].a],
                                  reg[e->nodes[m].b], -1, -1, 0.0};
                    int r;
                    if ((st = emit(g, ok, -1, &r)))
                        break;
                    if (valid < 0) {
                        valid = r;
                    } else {
                        hn_xins and = {HN_XI_BINARY, HN_XOP_AND, -1, valid, r, -1, -1, 0.0};
                        st = emit(g, and, -1, &valid);
                    }
                }
                if (a >= 0 && e->nodes[a].kind == HN_XN_INDEX) { /* a itself */
                    hn_xins ok = {HN_XI_INDEX_OK, HN_XOP_COUNT, -1, reg[e->nodes[a].a],
                                  reg[e->nodes[a].b], -1, -1, 0.0};
                    int r;
                    if (!st && !(st = emit(g, ok, -1, &r))) {
                        if (valid < 0) {
                            valid = r;
                        } else {
                            hn_xins and = {HN_XI_BINARY, HN_XOP_AND, -1, valid, r, -1, -1, 0.0};
                            st = emit(g, and, -1, &valid);
                        }
                    }
                }
                if (st)
                    break;
                if (valid < 0) { /* nothing can be out of range */
                    reg[k] = reg[a];
                    break;
                }
                hn_xins sel = {HN_XI_SELECT, HN_XOP_COUNT, -1, reg[a], reg[b], valid, -1, 0.0};
                st = emit(g, sel, -1, &reg[k]);
                break;
            }
            if (ga >= 0 && gb >= 0 && ga != gb) {
                st = hn_expr_error_at(g->err, HN_ERR_ARG, e->text, n->col,
                                      "operands of '%s' are jagged with different object counts "
                                      "('%s' and '%s')",
                                      hn_xop_name(n->op), group_name(e, ga), group_name(e, gb));
                break;
            }
            grp[k] = ga >= 0 ? ga : gb;
            /* a per-event operand of a per-object operation is repeated for each object */
            if (b >= 0 && ga != gb) {
                hn_xins bc = {HN_XI_BCAST, HN_XOP_COUNT, -1, ga < 0 ? ins.a : ins.b, -1, -1, -1, 0.0};
                int r;
                if ((st = emit(g, bc, grp[k], &r)))
                    break;
                if (ga < 0)
                    ins.a = r;
                else
                    ins.b = r;
            }
            ins.kind = b >= 0 ? HN_XI_BINARY : HN_XI_UNARY;
            st = emit(g, ins, grp[k], &reg[k]);
            break;
        }
    }
    free(ident_reg);
    return st;
}

hn_status hn_expr_bind(hn_expr *e, hn_expr_resolver resolve, void *ctx, hn_error *err)
{
    if (!e)
        return hn_error_set(err, HN_ERR_ARG, "expr: NULL expression");
    hn_expr_unbind(e);
    size_t ni = (size_t)(e->n_idents ? e->n_idents : 1), nn = (size_t)e->n_nodes;
    e->cols = calloc(ni, sizeof *e->cols);
    e->col_group = calloc(ni, sizeof *e->col_group);
    e->group_ident = calloc(ni, sizeof *e->group_ident);
    int *reg = malloc(nn * sizeof *reg), *grp = malloc(nn * sizeof *grp);
    int *parent = malloc(nn * sizeof *parent);
    hn_status st = HN_OK;
    if (!e->cols || !e->col_group || !e->group_ident || !reg || !grp || !parent)
        st = hn_error_set(err, HN_ERR_NOMEM, "expr: out of memory");
    if (!st)
        st = resolve_all(e, resolve, ctx, err);
    if (!st) {
        for (size_t k = 0; k < nn; k++)
            parent[k] = -1;
        gen g = {e, 0, 0, err};
        st = generate(&g, reg, grp, parent);
    }
    if (!st) {
        e->result = reg[e->root];
        e->bound = 1;
    } else {
        hn_expr_unbind(e);
    }
    free(reg);
    free(grp);
    free(parent);
    return st;
}
