/* Internal to the expression language: the syntax tree (built by
 * expr_parse.c), the instruction list (emitted by expr_bind.c) and the
 * evaluator (expr_eval.c) share these definitions. */
#ifndef HEPNN_EXPR_INTERNAL_H
#define HEPNN_EXPR_INTERNAL_H

#include "hepnn/expr.h"

#include <stddef.h>

/* Operations: one enum for tree nodes and instructions alike. */
typedef enum hn_xop {
    /* binary elementwise */
    HN_XOP_ADD, HN_XOP_SUB, HN_XOP_MUL, HN_XOP_DIV, HN_XOP_MOD, HN_XOP_POW,
    HN_XOP_LT, HN_XOP_LE, HN_XOP_GT, HN_XOP_GE, HN_XOP_EQ, HN_XOP_NE, HN_XOP_AND, HN_XOP_OR,
    HN_XOP_ATAN2, HN_XOP_MIN, HN_XOP_MAX, HN_XOP_HYPOT,
    /* unary elementwise */
    HN_XOP_NEG, HN_XOP_NOT, HN_XOP_ABS, HN_XOP_SQRT, HN_XOP_EXP, HN_XOP_LOG, HN_XOP_LOG10,
    HN_XOP_SIN, HN_XOP_COS, HN_XOP_TAN, HN_XOP_ASIN, HN_XOP_ACOS, HN_XOP_ATAN,
    HN_XOP_SINH, HN_XOP_COSH, HN_XOP_TANH, HN_XOP_FLOOR, HN_XOP_CEIL,
    /* per-event reductions of a jagged value */
    HN_XOP_LENGTH, HN_XOP_SUM, HN_XOP_RMAX, HN_XOP_RMIN,
    /* Alt$(primary, alternative) */
    HN_XOP_ALT,
    HN_XOP_COUNT
} hn_xop;

#define HN_XOP_IS_BINARY(op) ((op) <= HN_XOP_HYPOT)
#define HN_XOP_IS_UNARY(op) ((op) >= HN_XOP_NEG && (op) <= HN_XOP_CEIL)
#define HN_XOP_IS_REDUCTION(op) ((op) >= HN_XOP_LENGTH && (op) <= HN_XOP_RMIN)

typedef enum hn_xnode_kind {
    HN_XN_NUM,   /* num */
    HN_XN_IDENT, /* ident */
    HN_XN_OP,    /* op applied to a (and b for binary ops, Alt$) */
    HN_XN_INDEX  /* a[b] */
} hn_xnode_kind;

typedef struct hn_xnode {
    hn_xnode_kind kind;
    hn_xop op;
    int a, b;  /* children, -1 when absent; always earlier nodes (post-order) */
    int col;   /* 1-based column in the text, for messages */
    int ident; /* identifier index (HN_XN_IDENT) */
    double num;
} hn_xnode;

/* Instructions of the bound program. Each writes one register. */
typedef enum hn_xins_kind {
    HN_XI_CONST,     /* dst(scalar) = imm */
    HN_XI_LOAD,      /* dst = column ident (scalar or jagged) */
    HN_XI_BCAST,     /* dst(group) = a(scalar) repeated over the objects of each event */
    HN_XI_UNARY,     /* dst = op(a) */
    HN_XI_BINARY,    /* dst = op(a, b) */
    HN_XI_REDUCE,    /* dst(scalar) = op over the objects of a(jagged) */
    HN_XI_INDEX,     /* dst(scalar) = a(jagged)[b(scalar)], imm where out of range */
    HN_XI_INDEX_OK,  /* dst(scalar) = 1 if b is a valid index into a, else 0 */
    HN_XI_SELECT     /* dst(scalar) = c ? a : b */
} hn_xins_kind;

typedef struct hn_xins {
    hn_xins_kind kind;
    hn_xop op;
    int dst, a, b, c;
    int ident;
    double imm;
} hn_xins;

struct hn_expr {
    char *text;
    hn_xnode *nodes;
    int n_nodes, root;
    char **idents;
    int n_idents;
    double missing;
    /* the binding (valid when bound != 0) */
    int bound;
    int64_t n_entries;   /* -1 when no column is read */
    hn_column *cols;     /* n_idents */
    int *col_group;      /* n_idents: jagged group or -1 */
    int n_groups;
    int *group_ident;    /* n_groups: an identifier whose offsets define the group */
    hn_xins *prog;
    int n_prog;
    int n_regs;
    int *reg_group;      /* n_regs: -1 scalar, else jagged group */
    int result;          /* register of the result */
};

/* Formats "expr: <message> at column N" plus the text and a caret line into
 * err and returns status. */
hn_status hn_expr_error_at(hn_error *err, hn_status status, const char *text, int col,
                           const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Name of an operator or function, for messages ("+", "sqrt", "Sum$"). */
const char *hn_xop_name(hn_xop op);

/* Drops the binding (program, columns). */
void hn_expr_unbind(hn_expr *e);

#endif
