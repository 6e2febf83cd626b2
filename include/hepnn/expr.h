/* hepnn — the expression language of cuts, weights and variables.
 *
 * What ROOT users type in TTree::Draw and TMVA ("pt*cosh(eta)",
 * "Sum$(Jet_pt*(abs(Jet_eta)<2.4))", "Muon_pt[0] > 25 && nMuon == 2"); the
 * grammar, precedence and jagged rules are in docs/expressions.md.
 *
 * Life cycle:
 *   1. hn_expr_compile parses the text once into a syntax tree; syntax errors,
 *      unknown functions and wrong argument counts are reported here, with the
 *      1-based column and a caret line.
 *   2. hn_expr_n_identifiers / hn_expr_identifier list the branches the
 *      expression reads, so a reader loads only those.
 *   3. hn_expr_bind asks a resolver for each identifier's column, checks that
 *      jagged operands share a counter, and emits the instruction list. A
 *      streaming reader binds again for every chunk of entries it loads;
 *      binding is cheap (no parsing, one pass over jagged offsets).
 *   4. hn_expr_eval / hn_expr_eval_jagged run the instruction list over a
 *      range of entries, a block of events at a time.
 * An hn_expr is not thread-safe while being bound; evaluation only reads it,
 * so several threads may evaluate disjoint ranges of one bound expression.
 */
#ifndef HEPNN_EXPR_H
#define HEPNN_EXPR_H

#include <stdint.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One column (branch) as the caller holds it in memory; the expression only
 * borrows the arrays, which must stay valid while it is evaluated.
 *   flat:   offsets == NULL, values[0..n_entries)
 *   jagged: offsets[0..n_entries] non-decreasing, event i owns
 *           values[offsets[i] .. offsets[i+1]); offsets[0] need not be 0. */
typedef struct hn_column {
    const char *name;
    int64_t n_entries;
    const double *values;
    const int64_t *offsets;
} hn_column;

/* Supplies the column for identifier `name` (called by hn_expr_bind once per
 * distinct identifier). Returns HN_OK and fills *out, or a status with a
 * message in err (e.g. HN_ERR_ARG "no branch named ..."), which the binder
 * prefixes with the expression's position. */
typedef hn_status (*hn_expr_resolver)(void *ctx, const char *name, hn_column *out, hn_error *err);

/* A resolver over an array of columns: ctx is a `const hn_column_list *`. */
typedef struct hn_column_list {
    const hn_column *cols;
    int n;
} hn_column_list;
hn_status hn_column_list_resolve(void *ctx, const char *name, hn_column *out, hn_error *err);

typedef struct hn_expr hn_expr;

/* Parses `text` into *out (owned by the caller, free with hn_expr_free).
 * Returns HN_ERR_ARG with "expr: <what> at column N" followed by the text and
 * a caret line for syntax errors, unknown functions or constants and wrong
 * argument counts; HN_ERR_NOMEM. */
hn_status hn_expr_compile(const char *text, hn_expr **out, hn_error *err);

/* Frees an expression (NULL is allowed). */
void hn_expr_free(hn_expr *e);

/* The source text the expression was compiled from. */
const char *hn_expr_text(const hn_expr *e);

/* The distinct identifiers (branch names) the expression reads, in order of
 * first appearance; the strings are owned by e. */
int hn_expr_n_identifiers(const hn_expr *e);
const char *hn_expr_identifier(const hn_expr *e, int i);

/* The value an index past the end of an event's list (Jet_pt[3] in an event
 * with two jets) or a negative index gives; 0 unless set. Alt$(x[i], v) in
 * the text overrides it for one index. Takes effect at the next bind. */
void hn_expr_set_missing(hn_expr *e, double value);

/* Resolves every identifier through resolve(ctx, name, ...) and builds the
 * instruction list. Checks that all columns have the same n_entries, that
 * jagged offsets are non-decreasing, that jagged operands of one elementwise
 * operation have the same length in every event, that only jagged values are
 * indexed and that indices are per-event scalars. May be called again with
 * other columns (the next chunk); the previous binding is dropped. An
 * expression that reads no identifier ("2*pi") is bound too, with resolve
 * NULL, and may then be evaluated over any range.
 * Returns HN_ERR_ARG (unknown identifier, mismatched counters, with the
 * column in the text), HN_ERR_SHAPE (n_entries differ), HN_ERR_NOMEM, or
 * whatever the resolver returned. */
hn_status hn_expr_bind(hn_expr *e, hn_expr_resolver resolve, void *ctx, hn_error *err);

/* Number of entries of the bound columns; -1 when the expression reads no
 * column (a constant) or is not bound. */
int64_t hn_expr_n_entries(const hn_expr *e);

/* 1 when the bound expression has one value per object (e.g. "Jet_pt*2"),
 * 0 when it has one value per event. */
int hn_expr_is_jagged(const hn_expr *e);

/* Evaluates a bound, per-event expression over entries [first, first+count)
 * into out[0..count). Comparisons and logic give 1.0 or 0.0. Returns
 * HN_ERR_STATE (not bound), HN_ERR_SHAPE (jagged result: use a reduction or
 * hn_expr_eval_jagged), HN_ERR_ARG (range outside the columns), HN_ERR_NOMEM. */
hn_status hn_expr_eval(const hn_expr *e, int64_t first, int64_t count, double *out, hn_error *err);

/* Evaluates a bound expression over entries [first, first+count) as a jagged
 * result: offsets[0..count] (caller-provided, offsets[0] = 0) and *values, a
 * malloc'd array of offsets[count] values the caller frees (non-NULL even
 * when empty). A per-event expression gives one value per event. Same
 * statuses as hn_expr_eval, less HN_ERR_SHAPE. */
hn_status hn_expr_eval_jagged(const hn_expr *e, int64_t first, int64_t count, int64_t *offsets,
                              double **values, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
