/* hepnn — CSV tables: a header row of column names, then rows of numbers.
 *
 * Separators: comma, tab, semicolon or whitespace (runs of spaces and tabs),
 * detected from the header line unless given. '#' starts a comment (whole
 * line or end of line); blank lines are skipped; names and values may be
 * quoted. Numbers are read with strtod in the "C" locale whatever the
 * program's locale, and must use the whole field. Rules in
 * docs/data-formats.md.
 */
#ifndef HEPNN_CSV_H
#define HEPNN_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/status.h"
#include "hepnn/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_csv_options {
    /* 0: detect from the header line (outside quotes): ',' if it has one,
     * else ';', else tab if it has tabs and no spaces, else whitespace runs;
     * or ',', '\t', ';', or ' ' for runs of spaces and tabs */
    char delimiter;
} hn_csv_options;

/* Reads a CSV file into *out (initialised here; caller frees with
 * hn_table_free). opt may be NULL. Returns HN_ERR_IO, HN_ERR_FORMAT with
 * "file:line:column: ..." for a bad number or quote and "file:line: ..." for
 * a row whose field count differs from the header's, HN_ERR_ARG (bad
 * options), HN_ERR_NOMEM. */
hn_status hn_csv_read(const char *path, const hn_csv_options *opt, hn_table *out, hn_error *err);

/* The same from text[0..len) (need not be NUL-terminated); name is used in
 * messages. */
hn_status hn_csv_parse(const char *text, size_t len, const char *name, const hn_csv_options *opt,
                       hn_table *out, hn_error *err);

/* One column to write: exactly one of f64 / f32 is non-NULL. */
typedef struct hn_csv_column {
    const char *name;
    const double *f64;
    const float *f32;
} hn_csv_column;

/* Writes n_rows rows of the columns, atomically, with a header row. Doubles
 * are printed with %.17g and floats with %.9g (in the "C" locale), so that
 * hn_csv_read gives back the same values bit for bit (NaN and infinities as
 * nan, inf, -inf). delimiter: 0 or ',', '\t', ';', ' '. Names containing the
 * delimiter, whitespace or '#' are quoted; names with '"' or line breaks are
 * refused. Returns HN_ERR_ARG, HN_ERR_IO. */
hn_status hn_csv_write(const char *path, const hn_csv_column *cols, int n_cols, int64_t n_rows,
                       char delimiter, hn_error *err);

/* Writes a whole table (doubles) with hn_csv_write. */
hn_status hn_csv_write_table(const char *path, const hn_table *t, char delimiter, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
