/* The regression section: predicted against true value (a 2-D histogram
 * with the diagonal and the profile of the mean prediction), the residual
 * distribution, and a table of errors and relative resolution. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define NB2 50  /* bins per axis of the predicted-vs-true histogram */
#define NBR 50  /* residual bins */

static hn_reals weights(const float *w) { return w ? hn_reals_f32(w) : hn_reals_none(); }

/* Column t of an (n, k) array, copied. */
static float *column(const float *a, int64_t n, int k, int t)
{
    float *c = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (c)
        for (int64_t i = 0; i < n; i++)
            c[i] = a[(size_t)i * k + t];
    return c;
}

typedef struct reg_cols {
    float *truth, *pred, *res; /* test */
    float *res_tr;             /* training residuals, or NULL */
} reg_cols;

static void cols_free(reg_cols *c)
{
    free(c->truth);
    free(c->pred);
    free(c->res);
    free(c->res_tr);
}

static hn_status one_target(hn_rep *r, int t, hn_sbuf *csv2d, hn_sbuf *csvp, hn_sbuf *csvr,
                            hn_sbuf *table, hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test, *tr = &in->train;
    int K = in->n_outputs;
    const char *name = r->class_names[t];
    reg_cols c = {0};
    hn_hist hr[2] = {{0}};
    double *cells = NULL, *prof = NULL;
    hn_status st = HN_OK;
    c.truth = column(te->y, te->n, K, t);
    c.pred = column(te->output, te->n, K, t);
    c.res = malloc(sizeof(float) * (size_t)te->n);
    if (tr->n > 0) {
        float *a = column(tr->y, tr->n, K, t), *b = column(tr->output, tr->n, K, t);
        if (a && b)
            for (int64_t i = 0; i < tr->n; i++)
                a[i] = b[i] - a[i];
        free(b);
        c.res_tr = b ? a : NULL;
        if (!b)
            free(a);
    }
    if (!c.truth || !c.pred || !c.res || (tr->n > 0 && !c.res_tr)) {
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        goto done;
    }
    for (int64_t i = 0; i < te->n; i++)
        c.res[i] = c.pred[i] - c.truth[i];

    /* --- predicted vs true --- */
    double lo, hi, plo, phi;
    hn_error e = {0};
    if (hn_report_range(te->n, c.truth, 1, 0.998, &lo, &hi, &e) ||
        hn_report_range(te->n, c.pred, 1, 0.998, &plo, &phi, &e)) {
        hn_rep_note(r, "%s: no finite values to plot: %s", name, e.msg);
        goto done;
    }
    lo = plo < lo ? plo : lo;
    hi = phi > hi ? phi : hi;
    double pad = 0.02 * (hi - lo);
    lo -= pad;
    hi += pad;
    cells = calloc((size_t)NB2 * NB2 + 3 * NB2 + (NB2 + 1), sizeof(double));
    if (!cells) {
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        goto done;
    }
    double *sw = cells + NB2 * NB2, *swp = sw + NB2, *swp2 = swp + NB2, *edges = swp2 + NB2;
    for (int i = 0; i <= NB2; i++)
        edges[i] = lo + (hi - lo) * i / NB2;
    for (int64_t i = 0; i < te->n; i++) {
        double x = c.truth[i], y = c.pred[i], w = te->w ? te->w[i] : 1.0;
        if (!isfinite(x) || !isfinite(y) || !isfinite(w) || x < lo || x > hi)
            continue;
        int ix = (int)((x - lo) / (hi - lo) * NB2);
        ix = ix >= NB2 ? NB2 - 1 : ix;
        sw[ix] += w;
        swp[ix] += w * y;
        swp2[ix] += w * y * y;
        if (y < lo || y > hi)
            continue;
        int iy = (int)((y - lo) / (hi - lo) * NB2);
        iy = iy >= NB2 ? NB2 - 1 : iy;
        cells[iy * NB2 + ix] += w;
    }
    double vmax = 0;
    for (int i = 0; i < NB2 * NB2; i++)
        vmax = cells[i] > vmax ? cells[i] : vmax;
    prof = malloc(sizeof(double) * 2 * NB2);
    if (!prof) {
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        goto done;
    }
    double *pm = prof, *ps = prof + NB2;
    for (int i = 0; i < NB2; i++) {
        pm[i] = sw[i] > 0 ? swp[i] / sw[i] : NAN;
        double var = sw[i] > 0 ? swp2[i] / sw[i] - pm[i] * pm[i] : NAN;
        ps[i] = var > 0 ? sqrt(var) : 0;
    }
    char id[64], title[160], xl[160], yl[160];
    snprintf(id, sizeof id, "svg-regression-%d", t);
    snprintf(title, sizeof title, "Predicted vs true: %s", name);
    snprintf(xl, sizeof xl, "true %s", name);
    snprintf(yl, sizeof yl, "predicted %s", name);
    hn_sb_printf(&r->body, "<figure id=\"fig-regression-%d\">\n", t);
    hn_plot p;
    hn_plot_begin(&p, &r->body, id, 540, 420, title, xl, lo, hi, 0, yl, lo, hi, 0);
    p.legend_pos = HN_LEG_TL;
    hn_plot_cells(&p, NB2, edges, NB2, edges, cells, vmax);
    double dg[2] = {lo, hi};
    hn_plot_line(&p, 2, dg, dg, "#d62728", 1.5, 1, "prediction = truth");
    hn_plot_points(&p, NB2, edges, pm, ps, "#ff7f0e", "mean prediction \xc2\xb1 RMS");
    hn_plot_legend_add(&p, "test events (shade)", "#3a7dbf", HN_LK_FILL, 0);
    hn_plot_end(&p);
    hn_sb_puts(&r->body, "<figcaption>Two-dimensional histogram of the prediction against the true "
                         "value on the test sample (darker: more events, square-root scale), with the "
                         "mean prediction and its spread in each bin of the true value.</figcaption>\n"
                         "</figure>\n");
    for (int j = 0; j < NB2; j++)
        for (int i = 0; i < NB2; i++) {
            if (cells[j * NB2 + i] == 0)
                continue;
            hn_sb_csv_field(csv2d, name);
            hn_sb_puts(csv2d, ",");
            hn_sb_num(csv2d, edges[i]);
            hn_sb_puts(csv2d, ",");
            hn_sb_num(csv2d, edges[i + 1]);
            hn_sb_puts(csv2d, ",");
            hn_sb_num(csv2d, edges[j]);
            hn_sb_puts(csv2d, ",");
            hn_sb_num(csv2d, edges[j + 1]);
            hn_sb_puts(csv2d, ",");
            hn_sb_num(csv2d, cells[j * NB2 + i]);
            hn_sb_puts(csv2d, "\n");
        }
    for (int i = 0; i < NB2; i++) {
        hn_sb_csv_field(csvp, name);
        hn_sb_puts(csvp, ",");
        hn_sb_num(csvp, edges[i]);
        hn_sb_puts(csvp, ",");
        hn_sb_num(csvp, edges[i + 1]);
        hn_sb_puts(csvp, ",");
        hn_sb_num(csvp, pm[i]);
        hn_sb_puts(csvp, ",");
        hn_sb_num(csvp, ps[i]);
        hn_sb_puts(csvp, ",");
        hn_sb_num(csvp, sw[i]);
        hn_sb_puts(csvp, "\n");
    }

    /* --- residuals --- */
    double rlo, rhi;
    if (hn_report_range(te->n, c.res, 1, 0.99, &rlo, &rhi, &e)) {
        hn_rep_note(r, "%s: no finite residual: %s", name, e.msg);
        goto done;
    }
    double m = fmax(fabs(rlo), fabs(rhi)); /* symmetric around zero, so a bias shows */
    st = hn_hist_init(&hr[0], NBR, -m, m, err);
    if (!st)
        st = hn_hist_init(&hr[1], NBR, -m, m, err);
    if (st)
        goto done;
    for (int64_t i = 0; i < te->n; i++)
        hn_hist_fill(&hr[0], c.res[i], te->w ? te->w[i] : 1.0);
    for (int64_t i = 0; c.res_tr && i < tr->n; i++)
        hn_hist_fill(&hr[1], c.res_tr[i], tr->w ? tr->w[i] : 1.0);
    double d[4][NBR], ymax = 0;
    hn_hist_density(&hr[0], d[0], d[1]);
    hn_hist_density(&hr[1], d[2], d[3]);
    for (int i = 0; i < NBR; i++) {
        ymax = d[0][i] > ymax ? d[0][i] : ymax;
        ymax = c.res_tr && d[2][i] > ymax ? d[2][i] : ymax;
    }
    snprintf(id, sizeof id, "svg-residuals-%d", t);
    snprintf(title, sizeof title, "Residuals: %s", name);
    snprintf(xl, sizeof xl, "predicted \xe2\x88\x92 true %s", name);
    hn_sb_printf(&r->body, "<figure id=\"fig-residuals-%d\">\n", t);
    hn_plot_begin(&p, &r->body, id, 540, 420, title, xl, -m, m, 0, "normalised to unit area", 0,
                  ymax > 0 ? ymax * 1.3 : 1, 0);
    hn_plot_hist(&p, NBR, hr[0].edges, d[0], HN_COL_SIGNAL, 0.25, 0, "test");
    if (c.res_tr)
        hn_plot_points(&p, NBR, hr[1].edges, d[2], d[3], "#ff7f0e", "training");
    hn_plot_vline(&p, 0, "#555555", 2, NULL);
    hn_plot_end(&p);
    hn_sb_puts(&r->body, "<figcaption>Distribution of prediction minus truth, test sample filled and "
                         "training sample as points (each normalised to unit area; range: the central "
                         "99 % of the test residuals).</figcaption>\n</figure>\n");
    for (int i = 0; i < NBR; i++) {
        hn_sb_csv_field(csvr, name);
        hn_sb_puts(csvr, ",");
        hn_sb_num(csvr, hr[0].edges[i]);
        hn_sb_puts(csvr, ",");
        hn_sb_num(csvr, hr[0].edges[i + 1]);
        for (int k = 0; k < 4; k++) {
            hn_sb_puts(csvr, ",");
            hn_sb_num(csvr, k >= 2 && !c.res_tr ? NAN : d[k][i]);
        }
        hn_sb_puts(csvr, "\n");
    }

    /* --- numbers --- */
    double mse = NAN, mae = NAN;
    hn_resolution res = {NAN, NAN, NAN, NAN};
    hn_sb_puts(table, "<tr><td class=\"l\">");
    hn_sb_esc(table, name);
    hn_sb_puts(table, "</td>");
    hn_status m1 = hn_regression_errors((size_t)te->n, hn_reals_f32(c.pred), hn_reals_f32(c.truth),
                                        weights(te->w), &mse, &mae, &e);
    if (m1 == HN_ERR_NOMEM) {
        st = hn_error_set(err, m1, "%s", e.msg);
        goto done;
    }
    hn_sb_printf(table, "<td>%.5g</td><td>%.5g</td><td>%.5g</td>", mse, sqrt(mse), mae);
    hn_status m2 = hn_resolution_compute((size_t)te->n, hn_reals_f32(c.pred), hn_reals_f32(c.truth),
                                         weights(te->w), &res, &e);
    if (m2 == HN_ERR_NOMEM) {
        st = hn_error_set(err, m2, "%s", e.msg);
        goto done;
    }
    if (m2) {
        hn_sb_puts(table, "<td colspan=\"4\" class=\"l\">not defined: ");
        hn_sb_esc(table, e.msg);
        hn_sb_puts(table, "</td>");
    } else {
        hn_sb_printf(table, "<td>%.4g</td><td>%.4g</td><td>%.4g</td><td>%.4g</td>", res.bias,
                     res.sigma, res.median, res.sigma_robust);
    }
    hn_sb_puts(table, "</tr>\n");
done:
    cols_free(&c);
    hn_hist_free(&hr[0]);
    hn_hist_free(&hr[1]);
    free(cells);
    free(prof);
    return st;
}

hn_status hn_rep_regression(hn_rep *r, hn_error *err)
{
    hn_sbuf c2 = {0}, cp = {0}, cr = {0}, table = {0};
    hn_sb_puts(&c2, "target,true_low,true_high,pred_low,pred_high,weight\n");
    hn_sb_puts(&cp, "target,true_low,true_high,mean_pred,rms_pred,weight\n");
    hn_sb_puts(&cr, "target,bin_low,bin_high,test,test_err,train,train_err\n");
    hn_sb_puts(&table, "<table id=\"table-regression\">\n<tr><th class=\"l\">target</th>"
                       "<th>MSE</th><th>RMSE</th><th>MAE</th><th>bias of (pred&#8722;true)/true</th>"
                       "<th>&#963;</th><th>median</th><th>&#963; (16&#8211;84 %)</th></tr>\n");
    hn_status st = HN_OK;
    hn_rep_section(r, "sec-regression", "Regression: predicted versus true");
    for (int t = 0; t < r->in->n_outputs && !st; t++)
        st = one_target(r, t, &c2, &cp, &cr, &table, err);
    if (!st) {
        hn_sb_puts(&table, "</table>\n");
        hn_sb_puts(&r->body, "<h3>Errors and resolution (test sample)</h3>\n");
        hn_sb_putn(&r->body, table.p, table.n);
        if (table.oom)
            r->body.oom = 1;
        hn_sb_puts(&r->body, "<p class=\"data\">Mean squared and absolute error of the prediction; "
                             "bias, width, median and robust width (half the 16&#8211;84 % "
                             "interquantile range) of the relative residual.</p>\n");
    }
    if (!st)
        st = hn_rep_csv(r, "regression", &c2, err);
    if (!st)
        st = hn_rep_csv(r, "profile", &cp, err);
    if (!st)
        st = hn_rep_csv(r, "residuals", &cr, err);
    if (!st) {
        const char *names[] = {"regression", "profile", "residuals"};
        hn_rep_data_links(r, names, 3);
    }
    hn_sb_puts(&r->body, "</section>\n");
    hn_sb_free(&c2);
    hn_sb_free(&cp);
    hn_sb_free(&cr);
    hn_sb_free(&table);
    return st;
}
