/* The expression language: lexer and recursive-descent parser into a
 * post-order syntax tree. Precedence, lowest first (as in C, TFormula and
 * TTreeFormula):  ||  &&  == !=  < <= > >=  + -  * / %  unary - + !  ^ **
 * Power is right-associative and binds tighter than unary minus, so
 * -2^2 = -4 and 2^-1 = 0.5. */
#define _POSIX_C_SOURCE 200809L /* newlocale/uselocale: numbers parse the same in any locale */

#include "data/expr_internal.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HN_EXPR_MAX_DEPTH 200   /* nesting guard: no stack overflow on "((((..." */
#define HN_EXPR_MAX_TEXT (1 << 20)

typedef enum tok_kind {
    T_END, T_NUM, T_IDENT, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_POW, T_NOT,
    T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, T_AND, T_OR, T_BAD
} tok_kind;

typedef struct token {
    tok_kind kind;
    int pos, len; /* byte offset and length in the text */
    double num;
} token;

typedef struct parser {
    hn_expr *e;
    const char *s;
    int pos;
    token tok;
    int depth;
    int cap_nodes, cap_idents;
    hn_error *err;
} parser;

static const struct {
    const char *name;
    hn_xop op;
    int nargs;
} functions[] = {
    {"abs", HN_XOP_ABS, 1},     {"sqrt", HN_XOP_SQRT, 1},   {"exp", HN_XOP_EXP, 1},
    {"log", HN_XOP_LOG, 1},     {"log10", HN_XOP_LOG10, 1}, {"pow", HN_XOP_POW, 2},
    {"sin", HN_XOP_SIN, 1},     {"cos", HN_XOP_COS, 1},     {"tan", HN_XOP_TAN, 1},
    {"asin", HN_XOP_ASIN, 1},   {"acos", HN_XOP_ACOS, 1},   {"atan", HN_XOP_ATAN, 1},
    {"atan2", HN_XOP_ATAN2, 2}, {"sinh", HN_XOP_SINH, 1},   {"cosh", HN_XOP_COSH, 1},
    {"tanh", HN_XOP_TANH, 1},   {"min", HN_XOP_MIN, 2},     {"max", HN_XOP_MAX, 2},
    {"hypot", HN_XOP_HYPOT, 2}, {"floor", HN_XOP_FLOOR, 1}, {"ceil", HN_XOP_CEIL, 1},
    {"Length$", HN_XOP_LENGTH, 1}, {"Sum$", HN_XOP_SUM, 1}, {"Max$", HN_XOP_RMAX, 1},
    {"Min$", HN_XOP_RMIN, 1},   {"Alt$", HN_XOP_ALT, 2},
};

const char *hn_xop_name(hn_xop op)
{
    static const char *const ops[] = {"+", "-", "*", "/", "%", "^", "<", "<=", ">", ">=",
                                      "==", "!=", "&&", "||"};
    if ((int)op < (int)(sizeof ops / sizeof ops[0]))
        return ops[op];
    if (op == HN_XOP_NEG)
        return "unary -";
    if (op == HN_XOP_NOT)
        return "!";
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (functions[i].op == op && op != HN_XOP_POW)
            return functions[i].name;
    return "?";
}

hn_status hn_expr_error_at(hn_error *err, hn_status status, const char *text, int col,
                           const char *fmt, ...)
{
    if (!err)
        return status;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* Show at most ~120 characters of the text around the column, so that the
     * caret line survives the message size limit. */
    size_t n = strlen(text);
    size_t at = col > 0 ? (size_t)col - 1 : 0;
    if (at > n)
        at = n;
    size_t lo = at > 60 ? at - 60 : 0, hi = at + 60 < n ? at + 60 : n;
    char line[160], caret[160];
    size_t k = 0;
    if (lo > 0) {
        memcpy(line, "...", 3);
        k = 3;
    }
    size_t caret_at = k + (at - lo);
    for (size_t i = lo; i < hi; i++)
        line[k++] = (text[i] == '\t' || text[i] == '\n' || text[i] == '\r') ? ' ' : text[i];
    if (hi < n) {
        memcpy(line + k, "...", 3);
        k += 3;
    }
    line[k] = '\0';
    memset(caret, ' ', caret_at);
    caret[caret_at] = '^';
    caret[caret_at + 1] = '\0';
    return hn_error_set(err, status, "expr: %s at column %d\n  %s\n  %s", what, col, line, caret);
}

/* ---- lexer ---- */

/* ASCII only, whatever the locale says about other bytes */
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_ident_char(int c) { return is_ident_start(c) || is_digit(c) || c == '.'; }

static hn_status lex_number(parser *p, token *t)
{
    const char *s = p->s;
    int i = p->pos;
    while (is_digit((unsigned char)s[i]))
        i++;
    if (s[i] == '.') {
        i++;
        while (is_digit((unsigned char)s[i]))
            i++;
    }
    if (s[i] == 'e' || s[i] == 'E') {
        int j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (!is_digit((unsigned char)s[j]))
            return hn_expr_error_at(p->err, HN_ERR_ARG, s, j + 1, "malformed number exponent");
        while (is_digit((unsigned char)s[j]))
            j++;
        i = j;
    }
    if (is_ident_start((unsigned char)s[i]))
        return hn_expr_error_at(p->err, HN_ERR_ARG, s, i + 1, "unexpected '%c' after a number",
                                s[i]);
    char buf[128];
    int len = i - p->pos;
    if (len >= (int)sizeof buf)
        return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "number too long");
    memcpy(buf, s + p->pos, (size_t)len);
    buf[len] = '\0';
    /* strtod follows LC_NUMERIC: switch this thread to "C" for the call. */
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_loc ? uselocale(c_loc) : (locale_t)0;
    char *end;
    t->num = strtod(buf, &end);
    if (c_loc) {
        uselocale(old);
        freelocale(c_loc);
    }
    if (end != buf + len)
        return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "malformed number '%s'", buf);
    t->kind = T_NUM;
    t->len = len;
    return HN_OK;
}

static hn_status next(parser *p)
{
    const char *s = p->s;
    while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
        p->pos++;
    token *t = &p->tok;
    t->pos = p->pos;
    t->len = 1;
    int c = (unsigned char)s[p->pos], d = c ? (unsigned char)s[p->pos + 1] : 0;
    if (!c) {
        t->kind = T_END;
        t->len = 0;
        return HN_OK;
    }
    if (is_digit(c) || (c == '.' && is_digit(d))) {
        hn_status st = lex_number(p, t);
        if (st)
            return st;
        p->pos += t->len;
        return HN_OK;
    }
    if (is_ident_start(c)) {
        int i = p->pos + 1;
        while (is_ident_char((unsigned char)s[i]))
            i++;
        if (s[i] == '$') /* ROOT's special functions: Sum$, Length$, ... */
            i++;
        else if (i - p->pos == 5 && !strncmp(s + p->pos, "TMath::", 7)) { /* TMath::Abs; strncmp: the name may end the text */
            i += 2;
            while (is_ident_char((unsigned char)s[i]))
                i++;
        }
        t->kind = T_IDENT;
        t->len = i - p->pos;
        p->pos = i;
        return HN_OK;
    }
    tok_kind k = T_BAD;
    int len = 1;
    switch (c) {
    case '(': k = T_LPAREN; break;
    case ')': k = T_RPAREN; break;
    case '[': k = T_LBRACK; break;
    case ']': k = T_RBRACK; break;
    case ',': k = T_COMMA; break;
    case '+': k = T_PLUS; break;
    case '-': k = T_MINUS; break;
    case '/': k = T_SLASH; break;
    case '%': k = T_PERCENT; break;
    case '^': k = T_POW; break;
    case '*':
        if (d == '*') { k = T_POW; len = 2; } else k = T_STAR;
        break;
    case '!':
        if (d == '=') { k = T_NE; len = 2; } else k = T_NOT;
        break;
    case '<':
        if (d == '=') { k = T_LE; len = 2; } else k = T_LT;
        break;
    case '>':
        if (d == '=') { k = T_GE; len = 2; } else k = T_GT;
        break;
    case '=':
        if (d == '=') { k = T_EQ; len = 2; }
        else return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "unexpected '=' (comparison is '==')");
        break;
    case '&':
        if (d == '&') { k = T_AND; len = 2; }
        else return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "unexpected '&' (logical and is '&&')");
        break;
    case '|':
        if (d == '|') { k = T_OR; len = 2; }
        else return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "unexpected '|' (logical or is '||')");
        break;
    default: break;
    }
    if (k == T_BAD) {
        if (c >= 32 && c < 127)
            return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "unexpected character '%c'", c);
        return hn_expr_error_at(p->err, HN_ERR_ARG, s, p->pos + 1, "unexpected byte 0x%02x", c);
    }
    t->kind = k;
    t->len = len;
    p->pos += len;
    return HN_OK;
}

/* ---- tree building ---- */

static hn_status unexpected(parser *p)
{
    const token *t = &p->tok;
    if (t->kind == T_END)
        return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, t->pos + 1, "unexpected end of expression");
    int len = t->len > 40 ? 40 : t->len;
    return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, t->pos + 1, "unexpected '%.*s'", len,
                            p->s + t->pos);
}

static hn_status add_node(parser *p, hn_xnode node, int *out)
{
    hn_expr *e = p->e;
    if (e->n_nodes == p->cap_nodes) {
        int cap = p->cap_nodes ? 2 * p->cap_nodes : 16;
        hn_xnode *nodes = realloc(e->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return hn_error_set(p->err, HN_ERR_NOMEM, "expr: out of memory");
        e->nodes = nodes;
        p->cap_nodes = cap;
    }
    e->nodes[e->n_nodes] = node;
    *out = e->n_nodes++;
    return HN_OK;
}

static hn_status add_op(parser *p, hn_xop op, int a, int b, int col, int *out)
{
    hn_xnode n = {HN_XN_OP, op, a, b, col, -1, 0.0};
    return add_node(p, n, out);
}

static hn_status intern_ident(parser *p, const char *name, int len, int *out)
{
    hn_expr *e = p->e;
    for (int i = 0; i < e->n_idents; i++)
        if ((int)strlen(e->idents[i]) == len && !memcmp(e->idents[i], name, (size_t)len)) {
            *out = i;
            return HN_OK;
        }
    if (e->n_idents == p->cap_idents) {
        int cap = p->cap_idents ? 2 * p->cap_idents : 8;
        char **ids = realloc(e->idents, (size_t)cap * sizeof *ids);
        if (!ids)
            return hn_error_set(p->err, HN_ERR_NOMEM, "expr: out of memory");
        e->idents = ids;
        p->cap_idents = cap;
    }
    char *copy = malloc((size_t)len + 1);
    if (!copy)
        return hn_error_set(p->err, HN_ERR_NOMEM, "expr: out of memory");
    memcpy(copy, name, (size_t)len);
    copy[len] = '\0';
    e->idents[e->n_idents] = copy;
    *out = e->n_idents++;
    return HN_OK;
}

static hn_status parse_expr(parser *p, int *out);

/* TMVA configurations often spell functions the ROOT C++ way. */
static const char *const tmath[][2] = {
    {"Abs", "abs"},     {"Sqrt", "sqrt"},   {"Exp", "exp"},     {"Log", "log"},
    {"Log10", "log10"}, {"Power", "pow"},   {"Sin", "sin"},     {"Cos", "cos"},
    {"Tan", "tan"},     {"ASin", "asin"},   {"ACos", "acos"},   {"ATan", "atan"},
    {"ATan2", "atan2"}, {"SinH", "sinh"},   {"CosH", "cosh"},   {"TanH", "tanh"},
    {"Min", "min"},     {"Max", "max"},     {"Hypot", "hypot"}, {"Floor", "floor"},
    {"Ceil", "ceil"},   {"Pi", "pi"},       {"E", "e"},
};

static hn_status parse_call(parser *p, token name, int *out)
{
    const char *fname = p->s + name.pos;
    int flen = name.len;
    int nlen = name.len > 60 ? 60 : name.len;
    if (flen > 7 && !memcmp(fname, "TMath::", 7)) {
        const char *alias = NULL;
        for (size_t i = 0; i < sizeof tmath / sizeof tmath[0]; i++)
            if ((int)strlen(tmath[i][0]) == flen - 7 && !memcmp(tmath[i][0], fname + 7, (size_t)flen - 7))
                alias = tmath[i][1];
        if (!alias)
            return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, name.pos + 1,
                                    "unknown function '%.*s'", nlen, fname);
        if (!strcmp(alias, "pi") || !strcmp(alias, "e")) { /* TMath::Pi(), TMath::E() */
            hn_status st = next(p);
            if (st)
                return st;
            if (p->tok.kind != T_RPAREN)
                return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, name.pos + 1,
                                        "function '%.*s' takes no arguments", nlen, fname);
            hn_xnode n = {HN_XN_NUM, HN_XOP_COUNT, -1, -1, name.pos + 1, -1,
                          alias[0] == 'p' ? 3.14159265358979323846 : 2.71828182845904523536};
            if ((st = next(p)))
                return st;
            return add_node(p, n, out);
        }
        fname = alias;
        flen = (int)strlen(alias);
    }
    int fi = -1;
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if ((int)strlen(functions[i].name) == flen && !memcmp(functions[i].name, fname, (size_t)flen))
            fi = (int)i;
    if (fi < 0)
        return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, name.pos + 1, "unknown function '%.*s'",
                                nlen, p->s + name.pos);
    hn_status st = next(p); /* past '(' */
    if (st)
        return st;
    int args[2] = {-1, -1}, nargs = 0;
    if (p->tok.kind != T_RPAREN) {
        for (;;) {
            int a;
            if ((st = parse_expr(p, &a)))
                return st;
            if (nargs < 2)
                args[nargs] = a;
            nargs++;
            if (p->tok.kind == T_COMMA) {
                if ((st = next(p)))
                    return st;
                continue;
            }
            if (p->tok.kind != T_RPAREN)
                return unexpected(p);
            break;
        }
    }
    if (nargs != functions[fi].nargs)
        return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, name.pos + 1,
                                "function '%s' takes %d argument%s, got %d", functions[fi].name,
                                functions[fi].nargs, functions[fi].nargs == 1 ? "" : "s", nargs);
    if ((st = next(p))) /* past ')' */
        return st;
    return add_op(p, functions[fi].op, args[0], args[1], name.pos + 1, out);
}

static hn_status parse_primary(parser *p, int *out)
{
    hn_status st;
    token t = p->tok;
    if (t.kind == T_NUM) {
        hn_xnode n = {HN_XN_NUM, HN_XOP_COUNT, -1, -1, t.pos + 1, -1, t.num};
        if ((st = next(p)))
            return st;
        return add_node(p, n, out);
    }
    if (t.kind == T_LPAREN) {
        if ((st = next(p)) || (st = parse_expr(p, out)))
            return st;
        if (p->tok.kind != T_RPAREN) {
            if (p->tok.kind == T_END)
                return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, t.pos + 1, "unclosed '('");
            return unexpected(p);
        }
        return next(p);
    }
    if (t.kind == T_IDENT) {
        if ((st = next(p)))
            return st;
        if (p->tok.kind == T_LPAREN)
            return parse_call(p, t, out);
        const char *name = p->s + t.pos;
        if (name[t.len - 1] == '$' || (t.len >= 7 && !memcmp(name, "TMath::", 7)))
            return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, t.pos + 1,
                                    "'%.*s' is a function and needs '('", t.len > 60 ? 60 : t.len,
                                    name);
        if ((t.len == 2 && !memcmp(name, "pi", 2)) || (t.len == 1 && name[0] == 'e')) {
            hn_xnode n = {HN_XN_NUM, HN_XOP_COUNT, -1, -1, t.pos + 1, -1,
                          t.len == 2 ? 3.14159265358979323846 : 2.71828182845904523536};
            return add_node(p, n, out);
        }
        hn_xnode n = {HN_XN_IDENT, HN_XOP_COUNT, -1, -1, t.pos + 1, -1, 0.0};
        if ((st = intern_ident(p, name, t.len, &n.ident)))
            return st;
        return add_node(p, n, out);
    }
    return unexpected(p);
}

static hn_status parse_postfix(parser *p, int *out)
{
    hn_status st = parse_primary(p, out);
    while (!st && p->tok.kind == T_LBRACK) {
        int col = p->tok.pos + 1, idx;
        if ((st = next(p)) || (st = parse_expr(p, &idx)))
            return st;
        if (p->tok.kind != T_RBRACK) {
            if (p->tok.kind == T_END)
                return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, col, "unclosed '['");
            return unexpected(p);
        }
        if ((st = next(p)))
            return st;
        hn_xnode n = {HN_XN_INDEX, HN_XOP_COUNT, *out, idx, col, -1, 0.0};
        st = add_node(p, n, out);
    }
    return st;
}

static hn_status parse_unary(parser *p, int *out);

static hn_status parse_power(parser *p, int *out)
{
    hn_status st = parse_postfix(p, out);
    if (st || p->tok.kind != T_POW)
        return st;
    int col = p->tok.pos + 1, rhs;
    /* the exponent is a unary expression, which recurses into parse_power:
     * right associativity, and 2^-1 works */
    if ((st = next(p)) || (st = parse_unary(p, &rhs)))
        return st;
    return add_op(p, HN_XOP_POW, *out, rhs, col, out);
}

static hn_status parse_unary(parser *p, int *out)
{
    tok_kind k = p->tok.kind;
    if (k != T_MINUS && k != T_PLUS && k != T_NOT)
        return parse_power(p, out);
    int col = p->tok.pos + 1;
    if (++p->depth > HN_EXPR_MAX_DEPTH)
        return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, col, "expression nested too deeply");
    hn_status st = next(p);
    if (!st)
        st = parse_unary(p, out);
    p->depth--;
    if (st || k == T_PLUS)
        return st;
    return add_op(p, k == T_MINUS ? HN_XOP_NEG : HN_XOP_NOT, *out, -1, col, out);
}

/* Binary levels, loosest first; each level's operands are the next level. */
static const struct {
    tok_kind tok;
    hn_xop op;
    int level;
} binops[] = {
    {T_OR, HN_XOP_OR, 0},   {T_AND, HN_XOP_AND, 1},   {T_EQ, HN_XOP_EQ, 2},
    {T_NE, HN_XOP_NE, 2},   {T_LT, HN_XOP_LT, 3},     {T_LE, HN_XOP_LE, 3},
    {T_GT, HN_XOP_GT, 3},   {T_GE, HN_XOP_GE, 3},     {T_PLUS, HN_XOP_ADD, 4},
    {T_MINUS, HN_XOP_SUB, 4}, {T_STAR, HN_XOP_MUL, 5}, {T_SLASH, HN_XOP_DIV, 5},
    {T_PERCENT, HN_XOP_MOD, 5},
};
#define N_LEVELS 6

static hn_status parse_level(parser *p, int level, int *out)
{
    if (level == N_LEVELS)
        return parse_unary(p, out);
    hn_status st = parse_level(p, level + 1, out);
    while (!st) {
        int found = -1;
        for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
            if (binops[i].level == level && binops[i].tok == p->tok.kind)
                found = (int)i;
        if (found < 0)
            break;
        int col = p->tok.pos + 1, rhs;
        if ((st = next(p)) || (st = parse_level(p, level + 1, &rhs)))
            break;
        st = add_op(p, binops[found].op, *out, rhs, col, out);
    }
    return st;
}

static hn_status parse_expr(parser *p, int *out)
{
    if (++p->depth > HN_EXPR_MAX_DEPTH)
        return hn_expr_error_at(p->err, HN_ERR_ARG, p->s, p->tok.pos + 1,
                                "expression nested too deeply");
    hn_status st = parse_level(p, 0, out);
    p->depth--;
    return st;
}

hn_status hn_expr_compile(const char *text, hn_expr **out, hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "expr: NULL output");
    *out = NULL;
    if (!text)
        return hn_error_set(err, HN_ERR_ARG, "expr: NULL text");
    size_t n = strlen(text);
    if (n > HN_EXPR_MAX_TEXT)
        return hn_error_set(err, HN_ERR_ARG, "expr: expression of %zu bytes is too long", n);
    hn_expr *e = calloc(1, sizeof *e);
    if (!e || !(e->text = malloc(n + 1))) {
        free(e);
        return hn_error_set(err, HN_ERR_NOMEM, "expr: out of memory");
    }
    memcpy(e->text, text, n + 1);
    e->n_entries = -1;
    parser p = {.e = e, .s = e->text, .err = err};
    hn_status st = next(&p);
    if (!st && p.tok.kind == T_END)
        st = hn_expr_error_at(err, HN_ERR_ARG, e->text, 1, "empty expression");
    if (!st)
        st = parse_expr(&p, &e->root);
    if (!st && p.tok.kind != T_END)
        st = unexpected(&p);
    if (st) {
        hn_expr_free(e);
        return st;
    }
    *out = e;
    return HN_OK;
}

void hn_expr_free(hn_expr *e)
{
    if (!e)
        return;
    hn_expr_unbind(e);
    for (int i = 0; i < e->n_idents; i++)
        free(e->idents[i]);
    free(e->idents);
    free(e->nodes);
    free(e->text);
    free(e);
}

const char *hn_expr_text(const hn_expr *e) { return e ? e->text : NULL; }
int hn_expr_n_identifiers(const hn_expr *e) { return e ? e->n_idents : 0; }

const char *hn_expr_identifier(const hn_expr *e, int i)
{
    return e && i >= 0 && i < e->n_idents ? e->idents[i] : NULL;
}

void hn_expr_set_missing(hn_expr *e, double value)
{
    if (e)
        e->missing = value;
}
