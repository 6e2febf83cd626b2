/* Internals of the training report: a growable text buffer with XML and CSV
 * escaping, a small SVG plotting layer (axes, ticks, lines, histograms,
 * legends, heat maps, bar charts), binning helpers, and the state shared by
 * the report's sections. Not part of the public API. */
#ifndef HEPNN_REPORT_INTERNAL_H
#define HEPNN_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/metrics.h"
#include "hepnn/report.h"

/* ---- text buffer ---------------------------------------------------------- */

/* A growable NUL-terminated string. An allocation failure sets oom and
 * makes every later append a no-op, so writers check once at the end. */
typedef struct hn_sbuf {
    char *p;
    size_t n, cap;
    int oom;
} hn_sbuf;

void hn_sb_free(hn_sbuf *b);
void hn_sb_putn(hn_sbuf *b, const char *s, size_t n);
void hn_sb_puts(hn_sbuf *b, const char *s);
void hn_sb_printf(hn_sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s escaped for XML/HTML text and attribute values: & < > " ' become
 * references; carriage returns are dropped (CRLF text); other control
 * characters except tab and newline, and bytes that are not valid UTF-8,
 * become U+FFFD, so the page stays well-formed XML whatever the caller's
 * strings hold. NULL appends nothing. */
void hn_sb_esc(hn_sbuf *b, const char *s);
/* Appends s as one CSV field: quoted (with doubled quotes) when it holds a
 * comma, quote, or line break. */
void hn_sb_csv_field(hn_sbuf *b, const char *s);
/* A number for a CSV file or an SVG attribute: %.7g, "nan"/"inf"/"-inf"
 * spelt as numpy and ROOT read them. */
void hn_sb_num(hn_sbuf *b, double v);

/* ---- SVG plots -------------------------------------------------------------- */

typedef enum hn_legend_pos { HN_LEG_TR = 0, HN_LEG_TL, HN_LEG_BR, HN_LEG_BL, HN_LEG_NONE } hn_legend_pos;
typedef enum hn_legend_kind { HN_LK_LINE = 0, HN_LK_FILL, HN_LK_POINT } hn_legend_kind;

#define HN_PLOT_MAX_LEGEND 16

typedef struct hn_plot {
    hn_sbuf *b;
    char id[64];
    double w, h;              /* pixels */
    double ml, mr, mt, mb;    /* margins */
    double x0, x1, y0, y1;    /* data ranges */
    int xlog, ylog;
    hn_legend_pos legend_pos;
    int n_legend;
    struct {
        char label[96];
        const char *color;
        hn_legend_kind kind;
        int dash;
    } legend[HN_PLOT_MAX_LEGEND];
} hn_plot;

/* Opens an <svg> of w × h pixels with a frame, grid, ticks and tick labels,
 * the title and axis labels; data outside [x0, x1] × [y0, y1] is clipped.
 * A log axis needs a positive range. id must be unique in the page. */
void hn_plot_begin(hn_plot *p, hn_sbuf *b, const char *id, double w, double h, const char *title,
                   const char *xlabel, double x0, double x1, int xlog, const char *ylabel,
                   double y0, double y1, int ylog);
/* A polyline through (x[i], y[i]); non-finite points (or non-positive ones on
 * a log axis) break the line. dash: 0 solid, 1 dashed, 2 dotted. */
void hn_plot_line(hn_plot *p, size_t n, const double *x, const double *y, const char *color,
                  double width, int dash, const char *label);
/* A histogram outline over nb bins with edges[nb + 1], filled with
 * fill_opacity (0: outline only). */
void hn_plot_hist(hn_plot *p, int nb, const double *edges, const double *v, const char *color,
                  double fill_opacity, int dash, const char *label);
/* Markers at the bin centres with vertical error bars ±err[i] (err may be NULL). */
void hn_plot_points(hn_plot *p, int nb, const double *edges, const double *v, const double *err,
                    const char *color, const char *label);
/* A vertical line at x over the whole plot height, with a text label at its top. */
void hn_plot_vline(hn_plot *p, double x, const char *color, int dash, const char *text);
/* Filled rectangles [xe[i], xe[i+1]] × [ye[j], ye[j+1]] coloured from
 * v[j * nx + i] / vmax on a white-to-blue scale (log-like, so tails show);
 * zero cells are left empty. */
void hn_plot_cells(hn_plot *p, int nx, const double *xe, int ny, const double *ye,
                   const double *v, double vmax);
/* Adds a legend entry without drawing anything. */
void hn_plot_legend_add(hn_plot *p, const char *label, const char *color, hn_legend_kind kind,
                        int dash);
/* Draws the legend and closes the </svg>. */
void hn_plot_end(hn_plot *p);

/* A heat map of an n_rows × n_cols matrix v (row-major; NaN cells grey)
 * with row and column labels, the values written in the cells (fmt, e.g.
 * "%.2f"; NULL: none) and a colour bar. diverging: blue–white–red over
 * [-vmax, vmax]; otherwise white–blue over [0, vmax]. */
void hn_svg_matrix(hn_sbuf *b, const char *id, const char *title, int n_rows, int n_cols,
                   const double *v, const char *const *row_labels, const char *const *col_labels,
                   const char *row_title, const char *col_title, double vmax, int diverging,
                   const char *fmt);
/* A horizontal bar chart of n values with labels, in the given order. */
void hn_svg_bars(hn_sbuf *b, const char *id, const char *title, int n, const char *const *labels,
                 const double *v, const char *xlabel);

/* Colours: signal, background, and a palette for classes. */
#define HN_COL_SIGNAL "#1f5fbf"
#define HN_COL_BACKGROUND "#d62728"
const char *hn_report_color(int k);

/* ---- binning ------------------------------------------------------------------ */

typedef struct hn_hist {
    int nb;
    double lo, hi;
    double *edges; /* nb + 1 */
    double *sw, *sw2; /* sum of weights and of squared weights per bin */
    double under, over, in_range;
} hn_hist;

hn_status hn_hist_init(hn_hist *h, int nb, double lo, double hi, hn_error *err);
void hn_hist_fill(hn_hist *h, double x, double w);
void hn_hist_free(hn_hist *h);
/* Writes the density (unit area over the in-range content) into d[nb] and
 * its statistical error into e[nb] (either may be NULL); zero when the
 * in-range content is not positive. */
void hn_hist_density(const hn_hist *h, double *d, double *e);

/* A range [lo, hi] holding the central fraction q of the finite values
 * x[i * stride] (i < n), from a deterministic subsample of at most 100000
 * values; widened when all values are equal. HN_ERR_ARG when no value is
 * finite; HN_ERR_NOMEM. */
hn_status hn_report_range(int64_t n, const float *x, size_t stride, double q, double *lo,
                          double *hi, hn_error *err);

/* Axis range helpers: [min, max] of finite values, padded. */
void hn_report_minmax(size_t n, const double *v, double *lo, double *hi);

/* ---- the report being written --------------------------------------------------- */

#define HN_REPORT_MAX_CSV 64

typedef struct hn_rep {
    const hn_report_input *in;
    hn_sbuf body;         /* the page's sections */
    hn_sbuf toc;          /* table of contents entries */
    char *stem;           /* path without ".html" */
    const char *base;     /* the report's file name without directory, for links */
    int n_classes;        /* binary 2, multi-class C, regression 0 */
    int32_t *test_label;  /* classification: test labels as ints */
    int32_t *train_label;
    char **feature_names; /* resolved names (owned) */
    char **class_names;   /* n_classes, or n_outputs target names for regression */
    double *separation;   /* binary: TMVA separation of each input (owned), or NULL */
    int n_csv;
    char *csv[HN_REPORT_MAX_CSV]; /* file names written (without directory) */
} hn_rep;

/* Writes body to "<stem>_<name>.csv" atomically and records its name. */
hn_status hn_rep_csv(hn_rep *r, const char *name, hn_sbuf *body, hn_error *err);

/* Opens a section with heading and a table-of-contents entry. */
void hn_rep_section(hn_rep *r, const char *id, const char *heading);
/* A note in place of a figure that could not be made. */
void hn_rep_note(hn_rep *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A "data: <a href=...>name.csv</a>" line for the files given. */
void hn_rep_data_links(hn_rep *r, const char *const *names, int n);

/* The sections, each in its own file. Each returns HN_OK after writing its
 * figures or a note, or a fatal status (I/O, memory, predict callback). */
hn_status hn_rep_loss(hn_rep *r, hn_error *err);
hn_status hn_rep_binary(hn_rep *r, hn_error *err);
hn_status hn_rep_multiclass(hn_rep *r, hn_error *err);
hn_status hn_rep_regression(hn_rep *r, hn_error *err);
hn_status hn_rep_inputs(hn_rep *r, hn_error *err);
hn_status hn_rep_ranking(hn_rep *r, hn_error *err);

/* Output distributions of one class against the rest (output column col),
 * training and test overlaid, with the KS p-values; used by the binary and
 * the multi-class sections. Appends its rows to csv (header written by the
 * caller): class,bin_low,bin_high, then density and error of signal and
 * background in the test and the training sample. *have_ks says whether the
 * KS results were filled (a training sample with both classes is needed);
 * a failure of the metrics becomes a note. */
hn_status hn_rep_score_plot(hn_rep *r, const char *id, int col, int32_t signal_label,
                            const char *sig_name, const char *bkg_name, double w, double h,
                            hn_sbuf *csv, hn_ks_result *ks_sig, hn_ks_result *ks_bkg, int *have_ks,
                            hn_error *err);

#endif
