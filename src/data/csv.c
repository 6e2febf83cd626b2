/* CSV tables: header detection, field splitting with optional quotes,
 * locale-independent numbers, and the atomic writer. */
#define _POSIX_C_SOURCE 200809L /* newlocale/uselocale */

#include "hepnn/csv.h"

#include "io/fileio.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HN_CSV_MAX_FIELD 256 /* longest number accepted (digits of an exact binary fraction fit) */

typedef struct field {
    size_t start, len; /* content (without quotes) within the text */
    size_t col;        /* 1-based column of the field's first character */
    int quoted;
} field;

typedef struct splitter {
    const char *name;
    const char *s;
    size_t line_start, line_end;
    long long line;
    char delim;
    field *fields;
    int n, cap;
    hn_error *err;
} splitter;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static hn_status push_field(splitter *sp, field f)
{
    if (sp->n == sp->cap) {
        int cap = sp->cap ? 2 * sp->cap : 16;
        if (cap > 1 << 20)
            return hn_error_set(sp->err, HN_ERR_FORMAT, "%s:%lld: more than %d fields", sp->name,
                                sp->line, 1 << 20);
        field *nf = realloc(sp->fields, (size_t)cap * sizeof *nf);
        if (!nf)
            return hn_error_set(sp->err, HN_ERR_NOMEM, "%s: out of memory", sp->name);
        sp->fields = nf;
        sp->cap = cap;
    }
    sp->fields[sp->n++] = f;
    return HN_OK;
}

/* Splits the current line into fields; sp->n = 0 for a blank or comment line. */
static hn_status split_line(splitter *sp)
{
    const char *s = sp->s;
    size_t i = sp->line_start, end = sp->line_end;
    sp->n = 0;
    /* where the content ends: a '#' outside quotes */
    int any = 0;
    for (size_t k = i; k < end; k++) {
        if (s[k] == '#')
            break;
        if (!is_blank(s[k]))
            any = 1;
    }
    if (!any)
        return HN_OK;
    int ws = sp->delim == ' ';
    for (;;) {
        while (i < end && is_blank(s[i]) && (ws || s[i] != sp->delim))
            i++;
        field f = {i, 0, i - sp->line_start + 1, 0};
        if (i < end && (s[i] == '"' || s[i] == '\'')) {
            char q = s[i++];
            f.start = i;
            while (i < end && s[i] != q)
                i++;
            if (i >= end)
                return hn_error_set(sp->err, HN_ERR_FORMAT, "%s:%lld:%zu: unterminated quote",
                                    sp->name, sp->line, f.col);
            f.len = i - f.start;
            f.quoted = 1;
            i++;
            while (!ws && i < end && is_blank(s[i]) && s[i] != sp->delim)
                i++;
        } else {
            while (i < end && s[i] != '#' && s[i] != sp->delim && !(ws && is_blank(s[i])))
                i++;
            size_t e = i;
            while (e > f.start && is_blank(s[e - 1]))
                e--;
            f.len = e - f.start;
        }
        hn_status st = push_field(sp, f);
        if (st)
            return st;
        if (ws) {
            while (i < end && is_blank(s[i]))
                i++;
            if (i >= end || s[i] == '#')
                return HN_OK;
            if (f.quoted && i == f.start + f.len + 1)
                return hn_error_set(sp->err, HN_ERR_FORMAT,
                                    "%s:%lld:%zu: text right after a closing quote", sp->name,
                                    sp->line, i - sp->line_start + 1);
            continue;
        }
        if (i >= end || s[i] == '#')
            return HN_OK;
        if (s[i] != sp->delim)
            return hn_error_set(sp->err, HN_ERR_FORMAT, "%s:%lld:%zu: text after a closing quote",
                                sp->name, sp->line, i - sp->line_start + 1);
        i++; /* past the delimiter; a field follows, possibly empty */
    }
}

/* Advances to the next line; returns 0 at the end of the text. */
static int next_line(splitter *sp, size_t len)
{
    size_t i = sp->line_end;
    if (sp->line > 0) {
        if (i >= len)
            return 0;
        i++; /* past '\n' */
    }
    if (i >= len && sp->line > 0)
        return 0;
    sp->line++;
    sp->line_start = i;
    while (i < len && sp->s[i] != '\n')
        i++;
    sp->line_end = i;
    if (i > sp->line_start && sp->s[i - 1] == '\r')
        sp->line_end = i - 1;
    return 1;
}

static char detect(const char *s, size_t from, size_t to)
{
    int comma = 0, tab = 0, semi = 0, space = 0;
    char q = 0;
    for (size_t k = from; k < to && s[k] != '#'; k++) {
        if (q) {
            if (s[k] == q)
                q = 0;
            continue;
        }
        if (s[k] == '"' || s[k] == '\'')
            q = s[k];
        comma |= s[k] == ',';
        tab |= s[k] == '\t';
        semi |= s[k] == ';';
        space |= s[k] == ' ';
    }
    /* tabs and spaces mixed: aligned columns, so whitespace runs */
    return comma ? ',' : semi ? ';' : tab && !space ? '\t' : ' ';
}

typedef struct colbuf {
    double **v;
    int64_t cap;
} colbuf;

static hn_status parse_rows(splitter *sp, size_t len, hn_table *t, int ncols, colbuf *cb,
                            int64_t *nrows)
{
    int64_t n = 0;
    while (next_line(sp, len)) {
        hn_status st = split_line(sp);
        if (st)
            return st;
        if (sp->n == 0)
            continue;
        if (sp->n != ncols)
            return hn_error_set(sp->err, HN_ERR_FORMAT, "%s:%lld: %d field%s, but the header has %d",
                                sp->name, sp->line, sp->n, sp->n == 1 ? "" : "s", ncols);
        if (n == cb->cap) {
            int64_t cap = cb->cap ? 2 * cb->cap : 1024;
            if ((uint64_t)cap > SIZE_MAX / sizeof(double))
                return hn_error_set(sp->err, HN_ERR_NOMEM, "%s: too many rows", sp->name);
            for (int c = 0; c < ncols; c++) {
                double *p = realloc(cb->v[c], (size_t)cap * sizeof *p);
                if (!p)
                    return hn_error_set(sp->err, HN_ERR_NOMEM, "%s: out of memory at line %lld",
                                        sp->name, sp->line);
                cb->v[c] = p;
            }
            cb->cap = cap;
        }
        for (int c = 0; c < ncols; c++) {
            const field *f = &sp->fields[c];
            char buf[HN_CSV_MAX_FIELD + 1];
            const char *txt = sp->s + f->start;
            if (f->len == 0)
                return hn_error_set(sp->err, HN_ERR_FORMAT, "%s:%lld:%zu: empty value in column '%s'",
                                    sp->name, sp->line, f->col, t->names[c]);
            if (f->len > HN_CSV_MAX_FIELD)
                return hn_error_set(sp->err, HN_ERR_FORMAT,
                                    "%s:%lld:%zu: value of %zu characters in column '%s' is not a number",
                                    sp->name, sp->line, f->col, f->len, t->names[c]);
            memcpy(buf, txt, f->len);
            buf[f->len] = '\0';
            char *end;
            errno = 0;
            double v = strtod(buf, &end);
            /* whole field, no leading space (strtod skips it), no embedded NUL */
            if (end != buf + f->len || is_blank(buf[0]) || strlen(buf) != f->len)
                return hn_error_set(sp->err, HN_ERR_FORMAT,
                                    "%s:%lld:%zu: bad number '%.*s' in column '%s'", sp->name,
                                    sp->line, f->col, (int)(f->len > 40 ? 40 : f->len), txt,
                                    t->names[c]);
            if (errno == ERANGE && isinf(v))
                return hn_error_set(sp->err, HN_ERR_FORMAT,
                                    "%s:%lld:%zu: number '%s' in column '%s' is out of range",
                                    sp->name, sp->line, f->col, buf, t->names[c]);
            cb->v[c][n] = v;
        }
        n++;
    }
    *nrows = n;
    return HN_OK;
}

hn_status hn_csv_parse(const char *text, size_t len, const char *name, const hn_csv_options *opt,
                       hn_table *out, hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "csv: NULL output");
    hn_table_init(out);
    if (!name)
        name = "csv";
    if (!text && len)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL text", name);
    char delim = opt ? opt->delimiter : 0;
    if (delim && delim != ',' && delim != '\t' && delim != ';' && delim != ' ')
        return hn_error_set(err, HN_ERR_ARG, "%s: unsupported delimiter 0x%02x", name,
                            (unsigned char)delim);
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* UTF-8 byte-order mark */
        text += 3;
        len -= 3;
    }
    splitter sp = {name, text, 0, 0, 0, delim, NULL, 0, 0, err};
    hn_status st = HN_OK;
    int found = 0;
    while (!found && next_line(&sp, len)) {
        if (!sp.delim) { /* detect on the first content line, i.e. the header */
            sp.delim = detect(text, sp.line_start, sp.line_end);
            if ((st = split_line(&sp)))
                break;
            if (sp.n == 0)
                sp.delim = 0;
        } else if ((st = split_line(&sp))) {
            break;
        }
        found = sp.n > 0;
    }
    if (!st && !found)
        st = hn_error_set(err, HN_ERR_FORMAT, "%s: no header line (empty or only comments)", name);
    int ncols = found ? sp.n : 0;
    long long header_line = sp.line;
    for (int c = 0; !st && c < ncols; c++) {
        const field *f = &sp.fields[c];
        char nm[256];
        if (f->len == 0 || f->len >= sizeof nm) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s:%lld:%zu: %s column name in the header", name,
                              header_line, f->col, f->len ? "over-long" : "empty");
            break;
        }
        memcpy(nm, text + f->start, f->len);
        nm[f->len] = '\0';
        if (strlen(nm) != f->len) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s:%lld:%zu: NUL byte in a column name", name,
                              header_line, f->col);
            break;
        }
        if (hn_table_find(out, nm) >= 0) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s:%lld:%zu: duplicate column name '%s'", name,
                              header_line, f->col, nm);
            break;
        }
        st = hn_table_add_column(out, nm, NULL, 0, err);
    }
    colbuf cb = {NULL, 0};
    int64_t nrows = 0;
    if (!st && ncols > 0) {
        cb.v = calloc((size_t)ncols, sizeof *cb.v);
        if (!cb.v)
            st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", name);
    }
    if (!st) {
        /* strtod follows LC_NUMERIC: switch this thread to "C" while parsing */
        locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        locale_t old = c_loc ? uselocale(c_loc) : (locale_t)0;
        st = parse_rows(&sp, len, out, ncols, &cb, &nrows);
        if (c_loc) {
            uselocale(old);
            freelocale(c_loc);
        }
    }
    if (!st) {
        out->n_rows = nrows;
        for (int c = 0; c < ncols; c++) {
            if (cb.v[c]) {
                free(out->cols[c]);
                out->cols[c] = cb.v[c];
                cb.v[c] = NULL;
            }
        }
    }
    for (int c = 0; cb.v && c < ncols; c++)
        free(cb.v[c]);
    free(cb.v);
    free(sp.fields);
    if (st)
        hn_table_free(out);
    return st;
}

hn_status hn_csv_read(const char *path, const hn_csv_options *opt, hn_table *out, hn_error *err)
{
    if (out)
        hn_table_init(out);
    if (!path || !out)
        return hn_error_set(err, HN_ERR_ARG, "csv: NULL argument");
    unsigned char *buf;
    size_t len;
    hn_status st = hn_file_read_all(path, &buf, &len, err);
    if (st)
        return st;
    st = hn_csv_parse((const char *)buf, len, path, opt, out, err);
    free(buf);
    return st;
}

hn_status hn_csv_write(const char *path, const hn_csv_column *cols, int n_cols, int64_t n_rows,
                       char delimiter, hn_error *err)
{
    if (!path || (n_cols > 0 && !cols) || n_cols < 0 || n_rows < 0)
        return hn_error_set(err, HN_ERR_ARG, "csv: invalid arguments");
    if (!delimiter)
        delimiter = ',';
    if (delimiter != ',' && delimiter != '\t' && delimiter != ';' && delimiter != ' ')
        return hn_error_set(err, HN_ERR_ARG, "%s: unsupported delimiter 0x%02x", path,
                            (unsigned char)delimiter);
    for (int c = 0; c < n_cols; c++) {
        const char *nm = cols[c].name;
        if (!nm || !*nm || strpbrk(nm, "\"\r\n"))
            return hn_error_set(err, HN_ERR_ARG, "%s: column %d has an empty name or one with '\"' "
                                "or a line break", path, c);
        if (!cols[c].f64 == !cols[c].f32)
            return hn_error_set(err, HN_ERR_ARG, "%s: column '%s' needs exactly one of f64, f32",
                                path, nm);
    }
    hn_atomic_file af;
    hn_status st = hn_atomic_open(&af, path, err);
    if (st)
        return st;
    for (int c = 0; c < n_cols; c++) {
        const char *nm = cols[c].name;
        int quote = strchr(nm, delimiter) || strpbrk(nm, " \t#'") != NULL;
        fprintf(af.f, "%s%s%s%s", c ? (char[2]){delimiter, 0} : "", quote ? "\"" : "", nm,
                quote ? "\"" : "");
    }
    fputc('\n', af.f);
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_loc ? uselocale(c_loc) : (locale_t)0;
    for (int64_t r = 0; r < n_rows; r++) {
        for (int c = 0; c < n_cols; c++) {
            if (c)
                fputc(delimiter, af.f);
            if (cols[c].f64)
                fprintf(af.f, "%.17g", cols[c].f64[r]);
            else
                fprintf(af.f, "%.9g", (double)cols[c].f32[r]);
        }
        fputc('\n', af.f);
    }
    if (c_loc) {
        uselocale(old);
        freelocale(c_loc);
    }
    return hn_atomic_commit(&af, err);
}

hn_status hn_csv_write_table(const char *path, const hn_table *t, char delimiter, hn_error *err)
{
    if (!t)
        return hn_error_set(err, HN_ERR_ARG, "csv: NULL table");
    hn_csv_column *cols = calloc((size_t)(t->n_cols ? t->n_cols : 1), sizeof *cols);
    if (!cols)
        return hn_error_set(err, HN_ERR_NOMEM, "csv: out of memory");
    for (int c = 0; c < t->n_cols; c++) {
        cols[c].name = t->names[c];
        cols[c].f64 = t->cols[c];
    }
    hn_status st = hn_csv_write(path, cols, t->n_cols, t->n_rows, delimiter, err);
    free(cols);
    return st;
}
