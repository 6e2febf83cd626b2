/* The classifier sections: ROC curves (linear and log rejection) with the
 * TMVA table of working points, classifier output distributions with the
 * Kolmogorov–Smirnov overtraining check, and for multi-class problems the
 * confusion matrix and one-versus-rest ROC curves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define ROC_PLOT_POINTS 1000
#define SCORE_BINS 40

/* Column col of an (n, ncol) output array, copied so the metrics can read it. */
static float *column(const float *out, int64_t n, int ncol, int col)
{
    float *c = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (c)
        for (int64_t i = 0; i < n; i++)
            c[i] = out[(size_t)i * ncol + col];
    return c;
}

static hn_reals weights(const float *w) { return w ? hn_reals_f32(w) : hn_reals_none(); }

/* ---- ROC curves ---------------------------------------------------------------- */

typedef struct roc_curve {
    int ok;
    char label[96];
    const char *color;
    int dash;
    hn_roc thin;
    hn_roc_summary sum;
    char why[HN_ERROR_MSG_MAX]; /* when !ok */
} roc_curve;

/* Computes the curve and its summary on the full ROC and keeps a thinned copy
 * for drawing. A metrics failure is kept as text; only NOMEM is fatal. */
static hn_status roc_make(roc_curve *c, const float *score, const int32_t *label, int32_t sig,
                          const float *w, int64_t n, hn_error *err)
{
    hn_binary_input bi = {(size_t)n, hn_reals_f32(score), label, sig, weights(w)};
    hn_roc full = {0};
    hn_error e = {0};
    hn_status st = hn_roc_compute(&bi, &full, &e);
    if (!st)
        st = hn_roc_summarize(&full, &c->sum, &e);
    if (!st)
        st = hn_roc_thin(&full, ROC_PLOT_POINTS, &c->thin, &e);
    hn_roc_free(&full);
    if (st == HN_ERR_NOMEM)
        return hn_error_set(err, st, "%s", e.msg);
    c->ok = !st;
    if (st)
        snprintf(c->why, sizeof c->why, "%s", e.msg);
    return HN_OK;
}

static void roc_table(hn_sbuf *b, const char *id, roc_curve *c, int n)
{
    hn_sb_printf(b, "<table id=\"%s\">\n<tr><th class=\"l\">curve</th><th>AUC</th>", id);
    for (int k = 0; k < HN_ROC_N_WORKING_POINTS; k++)
        hn_sb_printf(b, "<th>1/&#949;<sub>B</sub> at &#949;<sub>S</sub> = %.0f %%</th>",
                     100 * hn_roc_eff_s_points[k]);
    for (int k = 0; k < HN_ROC_N_WORKING_POINTS; k++)
        hn_sb_printf(b, "<th>&#949;<sub>S</sub> at &#949;<sub>B</sub> = %.0f %%</th>",
                     100 * hn_roc_eff_b_points[k]);
    hn_sb_puts(b, "</tr>\n");
    for (int i = 0; i < n; i++) {
        if (!c[i].ok)
            continue;
        hn_sb_puts(b, "<tr><td class=\"l\">");
        hn_sb_esc(b, c[i].label);
        hn_sb_printf(b, "</td><td>%.4f</td>", c[i].sum.auc);
        for (int k = 0; k < HN_ROC_N_WORKING_POINTS; k++) {
            double v = c[i].sum.rejection_at_eff_s[k];
            if (isinf(v))
                hn_sb_puts(b, "<td>&#8734;</td>");
            else
                hn_sb_printf(b, "<td>%.4g</td>", v);
        }
        for (int k = 0; k < HN_ROC_N_WORKING_POINTS; k++)
            hn_sb_printf(b, "<td>%.4f</td>", c[i].sum.eff_s_at_eff_b[k]);
        hn_sb_puts(b, "</tr>\n");
    }
    hn_sb_puts(b, "</table>\n");
}

/* The linear (1 − ε_B) and logarithmic (1/ε_B) figures of up to n curves,
 * and their CSV rows (curve,threshold,eff_s,eff_b,rejection). */
static hn_status roc_figures(hn_rep *r, const char *id, const char *title, roc_curve *c, int n,
                             hn_sbuf *csv, hn_error *err)
{
    hn_sbuf *b = &r->body;
    size_t maxp = 0;
    double ymax = 10;
    for (int i = 0; i < n; i++)
        if (c[i].ok) {
            maxp = c[i].thin.n_points > maxp ? c[i].thin.n_points : maxp;
            for (size_t k = 0; k < c[i].thin.n_points; k++) {
                double eb = c[i].thin.eff_b[k];
                if (eb > 0 && c[i].thin.eff_s[k] > 0.01 && 1 / eb > ymax)
                    ymax = 1 / eb;
            }
        }
    double *y = malloc(sizeof(double) * (maxp ? maxp : 1));
    if (!y)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    char fid[64], ttl[160], lab[128];
    hn_plot p;

    snprintf(fid, sizeof fid, "fig-%s", id);
    hn_sb_printf(b, "<figure id=\"%s\">\n", fid);
    snprintf(fid, sizeof fid, "svg-%s", id);
    hn_plot_begin(&p, b, fid, 540, 400, title, "signal efficiency \xce\xb5" "S", 0, 1, 0,
                  "background rejection 1 \xe2\x88\x92 \xce\xb5" "B", 0, 1.02, 0);
    p.legend_pos = HN_LEG_BL;
    for (int i = 0; i < n; i++) {
        if (!c[i].ok)
            continue;
        for (size_t k = 0; k < c[i].thin.n_points; k++)
            y[k] = 1 - c[i].thin.eff_b[k];
        snprintf(lab, sizeof lab, "%s (AUC %.4f)", c[i].label, c[i].sum.auc);
        hn_plot_line(&p, c[i].thin.n_points, c[i].thin.eff_s, y, c[i].color, 2, c[i].dash, lab);
    }
    double d0[2] = {0, 1}, d1[2] = {1, 0};
    hn_plot_line(&p, 2, d0, d1, "#999999", 1, 2, "random guess");
    hn_plot_end(&p);
    hn_sb_puts(b, "<figcaption>Signal efficiency against background rejection 1 &#8722; "
                  "&#949;<sub>B</sub> (TMVA's convention) for a cut on the output; the larger the "
                  "area, the better. AUC: area under &#949;<sub>S</sub>(&#949;<sub>B</sub>).</figcaption>\n"
                  "</figure>\n");

    snprintf(fid, sizeof fid, "fig-%s-log", id);
    hn_sb_printf(b, "<figure id=\"%s\">\n", fid);
    snprintf(fid, sizeof fid, "svg-%s-log", id);
    snprintf(ttl, sizeof ttl, "%s, rejection on a log scale", title);
    hn_plot_begin(&p, b, fid, 540, 400, ttl, "signal efficiency \xce\xb5" "S", 0, 1, 0,
                  "background rejection 1/\xce\xb5" "B", 1, pow(10.0, ceil(log10(ymax * 1.5))), 1);
    for (int i = 0; i < n; i++) {
        if (!c[i].ok)
            continue;
        for (size_t k = 0; k < c[i].thin.n_points; k++)
            y[k] = c[i].thin.eff_b[k] > 0 ? 1 / c[i].thin.eff_b[k] : NAN;
        hn_plot_line(&p, c[i].thin.n_points, c[i].thin.eff_s, y, c[i].color, 2, c[i].dash,
                     c[i].label);
    }
    /* a random guess has eps_B = eps_S */
    double rx[64], ry[64];
    for (int k = 0; k < 64; k++) {
        rx[k] = pow(10.0, -4.0 + 4.0 * k / 63.0);
        ry[k] = 1 / rx[k];
    }
    hn_plot_line(&p, 64, rx, ry, "#999999", 1, 2, "random guess");
    hn_plot_end(&p);
    hn_sb_puts(b, "<figcaption>The same curves with the rejection 1/&#949;<sub>B</sub> (the "
                  "convention of tagging papers) on a logarithmic axis, which shows the region of "
                  "tight cuts.</figcaption>\n</figure>\n");
    free(y);

    for (int i = 0; i < n; i++) {
        if (!c[i].ok)
            continue;
        for (size_t k = 0; k < c[i].thin.n_points; k++) {
            hn_sb_csv_field(csv, c[i].label);
            hn_sb_puts(csv, ",");
            hn_sb_num(csv, c[i].thin.threshold[k]);
            hn_sb_puts(csv, ",");
            hn_sb_num(csv, c[i].thin.eff_s[k]);
            hn_sb_puts(csv, ",");
            hn_sb_num(csv, c[i].thin.eff_b[k]);
            hn_sb_puts(csv, ",");
            hn_sb_num(csv, c[i].thin.eff_b[k] > 0 ? 1 / c[i].thin.eff_b[k] : INFINITY);
            hn_sb_puts(csv, "\n");
        }
    }
    return HN_OK;
}

/* ---- output distributions ------------------------------------------------------------ */

static void fill(hn_hist *hs, hn_hist *hb, const float *score, const int32_t *label, int32_t sig,
                 const float *w, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        hn_hist_fill(label[i] == sig ? hs : hb, score[i], w ? w[i] : 1.0);
}

hn_status hn_rep_score_plot(hn_rep *r, const char *id, int col, int32_t signal_label,
                            const char *sig_name, const char *bkg_name, double w, double h,
                            hn_sbuf *csv, hn_ks_result *ks_sig, hn_ks_result *ks_bkg, int *have_ks,
                            hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test, *tr = &in->train;
    *have_ks = 0;
    float *s_te = column(te->output, te->n, in->n_outputs, col);
    float *s_tr = tr->n > 0 ? column(tr->output, tr->n, in->n_outputs, col) : NULL;
    hn_hist hh[4] = {{0}}; /* signal test, background test, signal train, background train */
    double *buf = NULL;
    hn_status st = HN_OK;
    if (!s_te || (tr->n > 0 && !s_tr)) {
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        goto done;
    }
    /* probabilities are binned over [0, 1]; anything else over its own range */
    double lo = 0, hi = 1;
    for (int64_t i = 0; i < te->n; i++)
        if (isfinite(s_te[i]) && (s_te[i] < 0 || s_te[i] > 1)) {
            st = hn_report_range(te->n, s_te, 1, 1.0, &lo, &hi, err);
            if (st)
                goto done;
            break;
        }
    for (int k = 0; k < 4 && !st; k++)
        st = hn_hist_init(&hh[k], SCORE_BINS, lo, hi, err);
    buf = malloc(sizeof(double) * 8 * SCORE_BINS);
    if (!st && !buf)
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    if (st)
        goto done;
    fill(&hh[0], &hh[1], s_te, r->test_label, signal_label, te->w, te->n);
    if (s_tr)
        fill(&hh[2], &hh[3], s_tr, r->train_label, signal_label, tr->w, tr->n);
    double *d[4], *e[4], ymax = 0;
    for (int k = 0; k < 4; k++) {
        d[k] = buf + 2 * k * SCORE_BINS;
        e[k] = d[k] + SCORE_BINS;
        hn_hist_density(&hh[k], d[k], e[k]);
        for (int i = 0; i < SCORE_BINS; i++)
            ymax = d[k][i] > ymax ? d[k][i] : ymax;
    }

    char ks_text[HN_ERROR_MSG_MAX + 64] = "";
    if (s_tr && hh[2].in_range != 0 && hh[3].in_range != 0) {
        hn_binary_input bte = {(size_t)te->n, hn_reals_f32(s_te), r->test_label, signal_label,
                               weights(te->w)};
        hn_binary_input btr = {(size_t)tr->n, hn_reals_f32(s_tr), r->train_label, signal_label,
                               weights(tr->w)};
        hn_error e2 = {0};
        hn_status ks = hn_ks_overtraining(&btr, &bte, HN_KS_AUTO, ks_sig, ks_bkg, &e2);
        if (ks == HN_ERR_NOMEM) {
            st = hn_error_set(err, ks, "%s", e2.msg);
            goto done;
        }
        if (!ks) {
            *have_ks = 1;
            snprintf(ks_text, sizeof ks_text, "KS p-value: S %.3g, B %.3g", ks_sig->p_value,
                     ks_bkg->p_value);
        } else {
            snprintf(ks_text, sizeof ks_text, "KS test not available: %s", e2.msg);
        }
    }

    char fid[80], lab[4][128], ttl[160];
    snprintf(fid, sizeof fid, "svg-%s", id);
    snprintf(lab[0], sizeof lab[0], "%s (test)", sig_name);
    snprintf(lab[1], sizeof lab[1], "%s (test)", bkg_name);
    snprintf(lab[2], sizeof lab[2], "%s (train)", sig_name);
    snprintf(lab[3], sizeof lab[3], "%s (train)", bkg_name);
    if (in->task == HN_TASK_BINARY)
        snprintf(ttl, sizeof ttl, "Classifier output");
    else
        snprintf(ttl, sizeof ttl, "Output %d: %s vs rest", col, sig_name);
    hn_plot p;
    hn_plot_begin(&p, &r->body, fid, w, h, ttl, "classifier output", lo, hi, 0,
                  "normalised to unit area", 0, ymax > 0 ? ymax * 1.5 : 1, 0);
    hn_plot_hist(&p, SCORE_BINS, hh[1].edges, d[1], HN_COL_BACKGROUND, 0.25, 0, lab[1]);
    hn_plot_hist(&p, SCORE_BINS, hh[0].edges, d[0], HN_COL_SIGNAL, 0.25, 0, lab[0]);
    if (s_tr) {
        hn_plot_points(&p, SCORE_BINS, hh[3].edges, d[3], e[3], HN_COL_BACKGROUND, lab[3]);
        hn_plot_points(&p, SCORE_BINS, hh[2].edges, d[2], e[2], HN_COL_SIGNAL, lab[2]);
    }
    hn_plot_end(&p);
    if (*ks_text) {
        /* the KS result goes under the plot, where it never hides data */
        hn_sb_puts(&r->body, "<div class=\"data\">");
        hn_sb_esc(&r->body, ks_text);
        hn_sb_puts(&r->body, "</div>\n");
    }

    for (int i = 0; i < SCORE_BINS; i++) {
        hn_sb_csv_field(csv, sig_name);
        hn_sb_puts(csv, ",");
        hn_sb_num(csv, hh[0].edges[i]);
        hn_sb_puts(csv, ",");
        hn_sb_num(csv, hh[0].edges[i + 1]);
        for (int k = 0; k < 4; k++) {
            hn_sb_puts(csv, ",");
            hn_sb_num(csv, k >= 2 && !s_tr ? NAN : d[k][i]);
            hn_sb_puts(csv, ",");
            hn_sb_num(csv, k >= 2 && !s_tr ? NAN : e[k][i]);
        }
        hn_sb_puts(csv, "\n");
    }
done:
    for (int k = 0; k < 4; k++)
        hn_hist_free(&hh[k]);
    free(buf);
    free(s_te);
    free(s_tr);
    return st;
}

static const char score_csv_header[] =
    "class,bin_low,bin_high,sig_test,sig_test_err,bkg_test,bkg_test_err,sig_train,sig_train_err,"
    "bkg_train,bkg_train_err\n";

static void ks_table_row(hn_sbuf *b, const char *name, const hn_ks_result *s, const hn_ks_result *k)
{
    hn_sb_puts(b, "<tr><td class=\"l\">");
    hn_sb_esc(b, name);
    hn_sb_printf(b, "</td><td>%.4f</td><td>%.4g</td><td>%.4f</td><td>%.4g</td><td class=\"l\">%s</td></tr>\n",
                 s->d, s->p_value, k->d, k->p_value, s->method == HN_KS_EXACT ? "exact" : "asymptotic");
}

static const char ks_table_head[] =
    "<tr><th class=\"l\">class</th><th>D (signal)</th><th>p-value (signal)</th>"
    "<th>D (background)</th><th>p-value (background)</th><th class=\"l\">method</th></tr>\n";

static const char ks_caption[] =
    "Kolmogorov&#8211;Smirnov test of the training against the test output distribution, "
    "separately for signal and background (TMVA's overtraining check). A p-value far below a "
    "few per cent means the network behaves differently on the events it was trained on.";

/* ---- binary -------------------------------------------------------------------------- */

hn_status hn_rep_binary(hn_rep *r, hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test, *tr = &in->train;
    roc_curve c[2];
    memset(c, 0, sizeof c);
    hn_sbuf csv = {0};
    hn_status st = HN_OK;
    int nc = 0;

    hn_rep_section(r, "sec-roc", "ROC curve");
    const float *scores[2] = {te->output, tr->output};
    const int32_t *labels[2] = {r->test_label, r->train_label};
    const float *ws[2] = {te->w, tr->w};
    int64_t ns[2] = {te->n, tr->n};
    for (int i = 0; i < 2 && !st; i++) {
        if (ns[i] == 0)
            continue;
        snprintf(c[nc].label, sizeof c[nc].label, i == 0 ? "test" : "training");
        c[nc].color = i == 0 ? HN_COL_SIGNAL : "#ff7f0e";
        c[nc].dash = i == 0 ? 0 : 1;
        st = roc_make(&c[nc], scores[i], labels[i], 1, ws[i], ns[i], err);
        nc++;
    }
    if (st)
        goto done;
    if (!c[0].ok) {
        hn_rep_note(r, "No ROC curve: %s", c[0].why);
    } else {
        hn_sb_puts(&csv, "sample,threshold,eff_s,eff_b,rejection\n");
        st = roc_figures(r, "roc", "ROC curve", c, nc, &csv, err);
        if (st)
            goto done;
        hn_sb_puts(&r->body, "<h3>Working points</h3>\n");
        roc_table(&r->body, "table-roc", c, nc);
        hn_sb_puts(&r->body, "<p class=\"data\">Background rejection 1/&#949;<sub>B</sub> at fixed "
                             "signal efficiency and signal efficiency at fixed background efficiency, "
                             "interpolated along the full (not thinned) curve.</p>\n");
        st = hn_rep_csv(r, "roc", &csv, err);
        if (st)
            goto done;
        const char *names[] = {"roc"};
        hn_rep_data_links(r, names, 1);
    }
    hn_sb_puts(&r->body, "</section>\n");

    hn_rep_section(r, "sec-scores", "Classifier output and overtraining check");
    hn_sb_free(&csv);
    hn_sb_puts(&csv, score_csv_header);
    hn_ks_result ks_s, ks_b;
    int have_ks = 0;
    hn_sb_puts(&r->body, "<figure id=\"fig-scores\">\n");
    st = hn_rep_score_plot(r, "scores", 0, 1, r->class_names[1], r->class_names[0], 540, 400, &csv,
                           &ks_s, &ks_b, &have_ks, err);
    if (st)
        goto done;
    hn_sb_puts(&r->body, "<figcaption>Distribution of the network output for signal and background "
                         "events: test sample as filled histograms, training sample as points with "
                         "statistical errors, each normalised to unit area.</figcaption>\n</figure>\n");
    if (have_ks) {
        hn_sb_printf(&r->body, "<table id=\"table-ks\">\n%s", ks_table_head);
        ks_table_row(&r->body, "signal vs background", &ks_s, &ks_b);
        hn_sb_printf(&r->body, "</table>\n<p class=\"data\">%s</p>\n", ks_caption);
    } else if (tr->n == 0) {
        hn_rep_note(r, "No training sample was given: no overtraining check.");
    }
    st = hn_rep_csv(r, "scores", &csv, err);
    if (!st) {
        const char *names[] = {"scores"};
        hn_rep_data_links(r, names, 1);
    }
    hn_sb_puts(&r->body, "</section>\n");
done:
    for (int i = 0; i < 2; i++)
        hn_roc_free(&c[i].thin);
    hn_sb_free(&csv);
    return st;
}

/* ---- multi-class ------------------------------------------------------------------------ */

static hn_status confusion(hn_rep *r, hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test;
    int C = in->n_outputs;
    size_t n = (size_t)te->n;
    int32_t *pred = malloc(sizeof(int32_t) * n);
    double *cm = malloc(sizeof(double) * (size_t)C * C * 2);
    hn_sbuf csv = {0};
    hn_status st = HN_OK;
    hn_error e = {0};
    if (!pred || !cm) {
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        goto done;
    }
    double acc = NAN;
    hn_status m = hn_predict_argmax(n, (size_t)C, hn_reals_f32(te->output), pred, &e);
    if (!m)
        m = hn_confusion_matrix(n, (size_t)C, pred, r->test_label, weights(te->w), cm, &e);
    if (!m)
        m = hn_accuracy(n, pred, r->test_label, weights(te->w), &acc, &e);
    if (m == HN_ERR_NOMEM) {
        st = hn_error_set(err, m, "%s", e.msg);
        goto done;
    }
    if (m) {
        hn_rep_note(r, "No confusion matrix: %s", e.msg);
        goto done;
    }
    double *frac = cm + (size_t)C * C;
    for (int t = 0; t < C; t++) {
        double row = 0;
        for (int q = 0; q < C; q++)
            row += cm[(size_t)t * C + q];
        for (int q = 0; q < C; q++)
            frac[(size_t)t * C + q] = row != 0 ? cm[(size_t)t * C + q] / row : NAN;
    }
    hn_sb_puts(&r->body, "<figure id=\"fig-confusion\">\n");
    hn_svg_matrix(&r->body, "svg-confusion", "Confusion matrix (test sample)", C, C, frac,
                  (const char *const *)r->class_names, (const char *const *)r->class_names,
                  "true class", "predicted class", 1.0, 0, "%.2f");
    hn_sb_printf(&r->body, "<figcaption>Fraction of the events of each true class (row) assigned to "
                           "each class (column) by the largest output; rows sum to 1. Weighted "
                           "accuracy: %.4f.</figcaption>\n</figure>\n",
                 acc);
    hn_sb_puts(&csv, "true_class,predicted_class,weight,fraction\n");
    for (int t = 0; t < C; t++)
        for (int q = 0; q < C; q++) {
            hn_sb_csv_field(&csv, r->class_names[t]);
            hn_sb_puts(&csv, ",");
            hn_sb_csv_field(&csv, r->class_names[q]);
            hn_sb_puts(&csv, ",");
            hn_sb_num(&csv, cm[(size_t)t * C + q]);
            hn_sb_puts(&csv, ",");
            hn_sb_num(&csv, frac[(size_t)t * C + q]);
            hn_sb_puts(&csv, "\n");
        }
    st = hn_rep_csv(r, "confusion", &csv, err);
    if (!st) {
        const char *names[] = {"confusion"};
        hn_rep_data_links(r, names, 1);
    }
done:
    free(pred);
    free(cm);
    hn_sb_free(&csv);
    return st;
}

hn_status hn_rep_multiclass(hn_rep *r, hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test;
    int C = in->n_outputs;
    hn_status st = HN_OK;
    hn_sbuf csv = {0};
    roc_curve *c = calloc((size_t)C, sizeof *c);
    double *auc = malloc(sizeof(double) * (size_t)C);
    if (!c || !auc) {
        free(c);
        free(auc);
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    }

    hn_rep_section(r, "sec-confusion", "Confusion matrix");
    st = confusion(r, err);
    hn_sb_puts(&r->body, "</section>\n");
    if (st)
        goto done;

    hn_rep_section(r, "sec-roc", "One-versus-rest ROC curves");
    int any = 0;
    for (int k = 0; k < C && !st; k++) {
        float *col = column(te->output, te->n, C, k);
        if (!col) {
            st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
            break;
        }
        snprintf(c[k].label, sizeof c[k].label, "%s", r->class_names[k]);
        c[k].color = hn_report_color(k);
        st = roc_make(&c[k], col, r->test_label, k, te->w, te->n, err);
        free(col);
        if (!c[k].ok)
            hn_rep_note(r, "No ROC curve for %s: %s", r->class_names[k], c[k].why);
        any |= c[k].ok;
    }
    if (st)
        goto done;
    if (any) {
        hn_sb_puts(&csv, "class,threshold,eff_s,eff_b,rejection\n");
        st = roc_figures(r, "roc-ovr", "One-vs-rest ROC curves (test)", c, C, &csv, err);
        if (st)
            goto done;
        hn_sb_puts(&r->body, "<h3>Working points, each class against the rest</h3>\n");
        roc_table(&r->body, "table-roc", c, C);
        double macro = NAN, weighted = NAN;
        hn_error e = {0};
        if (!hn_auc_ovr((size_t)te->n, (size_t)C, hn_reals_f32(te->output), r->test_label,
                        weights(te->w), auc, &macro, &weighted, &e))
            hn_sb_printf(&r->body, "<p class=\"data\" id=\"auc-ovr\">Mean one-vs-rest AUC: %.4f "
                                   "(macro), %.4f (weighted by class).</p>\n",
                         macro, weighted);
        st = hn_rep_csv(r, "roc", &csv, err);
        if (st)
            goto done;
        const char *names[] = {"roc"};
        hn_rep_data_links(r, names, 1);
    }
    hn_sb_puts(&r->body, "</section>\n");

    hn_rep_section(r, "sec-scores", "Classifier outputs and overtraining check");
    hn_sb_free(&csv);
    hn_sb_puts(&csv, score_csv_header);
    hn_sbuf table = {0};
    hn_sb_printf(&table, "<table id=\"table-ks\">\n%s", ks_table_head);
    int n_ks = 0;
    hn_sb_puts(&r->body, "<div id=\"fig-scores\">\n");
    for (int k = 0; k < C && !st; k++) {
        char id[48];
        hn_ks_result ks_s, ks_b;
        int have = 0;
        snprintf(id, sizeof id, "scores-%d", k);
        hn_sb_printf(&r->body, "<figure class=\"small\" id=\"fig-scores-%d\">\n", k);
        st = hn_rep_score_plot(r, id, k, k, r->class_names[k], "rest", 380, 300, &csv, &ks_s, &ks_b,
                               &have, err);
        hn_sb_puts(&r->body, "</figure>\n");
        if (have) {
            ks_table_row(&table, r->class_names[k], &ks_s, &ks_b);
            n_ks++;
        }
    }
    hn_sb_puts(&r->body, "</div>\n<p class=\"data\">Output k for the events of class k (signal) and "
                         "of all other classes (rest): test sample filled, training sample as points; "
                         "each normalised to unit area.</p>\n");
    hn_sb_puts(&table, "</table>\n");
    if (!st && n_ks) {
        hn_sb_putn(&r->body, table.p, table.n);
        hn_sb_printf(&r->body, "<p class=\"data\">%s</p>\n", ks_caption);
    }
    if (table.oom)
        r->body.oom = 1;
    hn_sb_free(&table);
    if (!st)
        st = hn_rep_csv(r, "scores", &csv, err);
    if (!st) {
        const char *names[] = {"scores"};
        hn_rep_data_links(r, names, 1);
    }
    hn_sb_puts(&r->body, "</section>\n");
done:
    for (int k = 0; k < C; k++)
        hn_roc_free(&c[k].thin);
    free(c);
    free(auc);
    hn_sb_free(&csv);
    return st;
}
