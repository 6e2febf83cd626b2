/* The input-variable section: the distribution of every input per class
 * (signal against background, or each class, or all events for a
 * regression), TMVA's separation of each input for binary tasks, and the
 * linear correlation matrix of the inputs for each class. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define INPUT_BINS 40
#define MAX_INPUT_PLOTS 100  /* more inputs (jet images...) would make an unreadable page */
#define MAX_CORR_INPUTS 60

/* The class of test event i (0 for a regression). */
static int event_class(const hn_rep *r, int64_t i) { return r->test_label ? r->test_label[i] : 0; }

/* TMVA's separation <S^2> = 1/2 sum (s_i - b_i)^2 / (s_i + b_i) of two
 * histograms normalised to unit sum: 0 for identical shapes, 1 for
 * disjoint ones. */
static double separation(const hn_hist *s, const hn_hist *b)
{
    if (!(s->in_range > 0) || !(b->in_range > 0))
        return NAN;
    double sep = 0;
    for (int i = 0; i < s->nb; i++) {
        double ps = s->sw[i] / s->in_range, pb = b->sw[i] / b->in_range;
        if (ps + pb > 0)
            sep += 0.5 * (ps - pb) * (ps - pb) / (ps + pb);
    }
    return sep;
}

static hn_status distributions(hn_rep *r, int nplot, int ngroups, hn_sbuf *csv, hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test;
    int F = in->n_features;
    hn_hist *h = calloc((size_t)ngroups, sizeof *h);
    double *d = malloc(sizeof(double) * INPUT_BINS * (size_t)ngroups);
    hn_status st = HN_OK;
    if (!h || !d) {
        free(h);
        free(d);
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    }
    hn_sb_puts(&r->body, "<div id=\"fig-inputs\">\n");
    for (int j = 0; j < nplot && !st; j++) {
        double lo, hi;
        hn_error e = {0};
        const char *fname = r->feature_names[j];
        if (hn_report_range(te->n, te->x + j, (size_t)F, 0.998, &lo, &hi, &e)) {
            hn_sb_printf(&r->body, "<figure class=\"small\" id=\"fig-input-%d\"><p class=\"note\">", j);
            hn_sb_esc(&r->body, fname);
            hn_sb_puts(&r->body, ": no finite value</p></figure>\n");
            continue;
        }
        for (int k = 0; k < ngroups && !st; k++)
            st = hn_hist_init(&h[k], INPUT_BINS, lo, hi, err);
        if (st)
            break;
        for (int64_t i = 0; i < te->n; i++)
            hn_hist_fill(&h[event_class(r, i)], te->x[(size_t)i * F + j], te->w ? te->w[i] : 1.0);
        double ymax = 0;
        for (int k = 0; k < ngroups; k++) {
            hn_hist_density(&h[k], d + (size_t)k * INPUT_BINS, NULL);
            for (int i = 0; i < INPUT_BINS; i++)
                ymax = d[(size_t)k * INPUT_BINS + i] > ymax ? d[(size_t)k * INPUT_BINS + i] : ymax;
        }
        char id[48], ttl[160];
        snprintf(id, sizeof id, "svg-input-%d", j);
        snprintf(ttl, sizeof ttl, "%s", fname);
        if (r->separation) {
            r->separation[j] = separation(&h[1], &h[0]);
            snprintf(ttl, sizeof ttl, "separation %.3f", r->separation[j]);
        }
        hn_sb_printf(&r->body, "<figure class=\"small\" id=\"fig-input-%d\">\n", j);
        hn_plot p;
        hn_plot_begin(&p, &r->body, id, 270, 210, ttl, fname, lo, hi, 0, "density", 0,
                      ymax > 0 ? ymax * 1.35 : 1, 0);
        for (int k = ngroups - 1; k >= 0; k--) {
            const char *col = in->task == HN_TASK_BINARY ? (k ? HN_COL_SIGNAL : HN_COL_BACKGROUND)
                              : in->task == HN_TASK_REGRESSION ? HN_COL_SIGNAL
                                                               : hn_report_color(k);
            const char *label = in->task == HN_TASK_REGRESSION ? "test events" : r->class_names[k];
            hn_plot_hist(&p, INPUT_BINS, h[k].edges, d + (size_t)k * INPUT_BINS, col,
                         in->task == HN_TASK_MULTICLASS ? 0 : 0.25, 0,
                         j == 0 || ngroups <= 2 ? label : NULL);
        }
        hn_plot_end(&p);
        hn_sb_puts(&r->body, "</figure>\n");
        for (int k = 0; k < ngroups; k++) {
            const char *label = in->task == HN_TASK_REGRESSION ? "all" : r->class_names[k];
            for (int i = 0; i < INPUT_BINS; i++) {
                hn_sb_csv_field(csv, fname);
                hn_sb_puts(csv, ",");
                hn_sb_csv_field(csv, label);
                hn_sb_puts(csv, ",");
                hn_sb_num(csv, h[k].edges[i]);
                hn_sb_puts(csv, ",");
                hn_sb_num(csv, h[k].edges[i + 1]);
                hn_sb_puts(csv, ",");
                hn_sb_num(csv, d[(size_t)k * INPUT_BINS + i]);
                hn_sb_puts(csv, ",");
                hn_sb_num(csv, h[k].in_range + h[k].under + h[k].over != 0
                                   ? (h[k].under + h[k].over) / (h[k].in_range + h[k].under + h[k].over)
                                   : 0);
                hn_sb_puts(csv, "\n");
            }
        }
        for (int k = 0; k < ngroups; k++)
            hn_hist_free(&h[k]);
    }
    hn_sb_puts(&r->body, "</div>\n");
    for (int k = 0; k < ngroups; k++)
        hn_hist_free(&h[k]);
    free(h);
    free(d);
    return st;
}

/* Weighted Pearson correlation of the first nf inputs over the test events
 * of class k (k < 0: all events): two passes (means, then co-moments) in
 * double. A variable without spread gets NaN correlations. */
static hn_status correlation(const hn_rep *r, int k, int nf, double *rho, hn_error *err)
{
    const hn_report_sample *te = &r->in->test;
    int F = r->in->n_features;
    double *mean = calloc((size_t)nf, sizeof(double));
    if (!mean)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    double sw = 0;
    for (int64_t i = 0; i < te->n; i++) {
        if (k >= 0 && event_class(r, i) != k)
            continue;
        const float *x = te->x + (size_t)i * F;
        double w = te->w ? te->w[i] : 1.0;
        int ok = isfinite(w);
        for (int a = 0; a < nf && ok; a++)
            ok = isfinite(x[a]);
        if (!ok)
            continue;
        sw += w;
        for (int a = 0; a < nf; a++)
            mean[a] += w * x[a];
    }
    for (int a = 0; a < nf; a++)
        mean[a] = sw != 0 ? mean[a] / sw : 0;
    memset(rho, 0, sizeof(double) * (size_t)nf * nf);
    for (int64_t i = 0; i < te->n; i++) {
        if (k >= 0 && event_class(r, i) != k)
            continue;
        const float *x = te->x + (size_t)i * F;
        double w = te->w ? te->w[i] : 1.0;
        int ok = isfinite(w);
        for (int a = 0; a < nf && ok; a++)
            ok = isfinite(x[a]);
        if (!ok)
            continue;
        for (int a = 0; a < nf; a++) {
            double da = x[a] - mean[a];
            for (int b = 0; b <= a; b++)
                rho[(size_t)a * nf + b] += w * da * (x[b] - mean[b]);
        }
    }
    for (int a = 0; a < nf; a++)
        for (int b = 0; b < a; b++) {
            double va = rho[(size_t)a * nf + a], vb = rho[(size_t)b * nf + b];
            double c = va > 0 && vb > 0 ? rho[(size_t)a * nf + b] / sqrt(va * vb) : NAN;
            c = c > 1 ? 1 : c < -1 ? -1 : c;
            rho[(size_t)a * nf + b] = rho[(size_t)b * nf + a] = c;
        }
    for (int a = 0; a < nf; a++)
        rho[(size_t)a * nf + a] = rho[(size_t)a * nf + a] > 0 ? 1.0 : NAN;
    free(mean);
    return HN_OK;
}

static hn_status correlations(hn_rep *r, int ngroups, hn_sbuf *csv, hn_error *err)
{
    const hn_report_input *in = r->in;
    int nf = in->n_features < MAX_CORR_INPUTS ? in->n_features : MAX_CORR_INPUTS;
    double *rho = malloc(sizeof(double) * (size_t)nf * nf);
    if (!rho)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    if (nf < in->n_features)
        hn_rep_note(r, "Only the first %d of the %d inputs are shown.", nf, in->n_features);
    hn_status st = HN_OK;
    for (int k = 0; k < ngroups && !st; k++) {
        const char *label = in->task == HN_TASK_REGRESSION ? "all events" : r->class_names[k];
        st = correlation(r, in->task == HN_TASK_REGRESSION ? -1 : k, nf, rho, err);
        if (st)
            break;
        char id[48], ttl[200];
        snprintf(id, sizeof id, "svg-corr-%d", k);
        snprintf(ttl, sizeof ttl, "Correlations: %s", label);
        hn_sb_printf(&r->body, "<figure id=\"fig-corr-%d\">\n", k);
        hn_svg_matrix(&r->body, id, ttl, nf, nf, rho, (const char *const *)r->feature_names,
                      (const char *const *)r->feature_names, NULL, NULL, 1.0, 1,
                      nf <= 16 ? "%.2f" : NULL);
        hn_sb_puts(&r->body, "</figure>\n");
        for (int a = 0; a < nf; a++)
            for (int b = 0; b < nf; b++) {
                hn_sb_csv_field(csv, label);
                hn_sb_puts(csv, ",");
                hn_sb_csv_field(csv, r->feature_names[a]);
                hn_sb_puts(csv, ",");
                hn_sb_csv_field(csv, r->feature_names[b]);
                hn_sb_puts(csv, ",");
                hn_sb_num(csv, rho[(size_t)a * nf + b]);
                hn_sb_puts(csv, "\n");
            }
    }
    free(rho);
    return st;
}

hn_status hn_rep_inputs(hn_rep *r, hn_error *err)
{
    const hn_report_input *in = r->in;
    int F = in->n_features;
    int ngroups = in->task == HN_TASK_REGRESSION ? 1 : r->n_classes;
    hn_rep_section(r, "sec-inputs", "Input variables");
    if (F == 0 || !in->test.x) {
        hn_rep_note(r, "%s", F == 0 ? "The model has no input features."
                                    : "The test sample's input features were not given.");
        hn_sb_puts(&r->body, "</section>\n");
        return HN_OK;
    }
    if (in->task == HN_TASK_BINARY) {
        r->separation = malloc(sizeof(double) * (size_t)F);
        if (!r->separation)
            return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        for (int j = 0; j < F; j++)
            r->separation[j] = NAN;
    }
    int nplot = F < MAX_INPUT_PLOTS ? F : MAX_INPUT_PLOTS;
    hn_sbuf csv = {0};
    hn_sb_puts(&csv, "feature,class,bin_low,bin_high,density,outside_fraction\n");
    if (nplot < F)
        hn_rep_note(r, "Only the first %d of the %d inputs are shown.", nplot, F);
    hn_status st = distributions(r, nplot, ngroups, &csv, err);
    if (!st) {
        hn_sb_printf(&r->body, "<p class=\"data\">Distribution of each input in the test sample%s, "
                               "normalised to unit area, over the central 99.8 %% of its values "
                               "(the fraction outside is in the CSV file).%s</p>\n",
                     in->task == HN_TASK_REGRESSION ? "" : " for each class",
                     in->task == HN_TASK_BINARY
                         ? " Separation: TMVA's &#10216;S&#178;&#10217; = &#189; &#931; "
                           "(s&#8722;b)&#178;/(s+b), 0 for identical and 1 for disjoint shapes."
                         : "");
        st = hn_rep_csv(r, "inputs", &csv, err);
    }
    hn_sb_free(&csv);
    if (!st) {
        const char *names[] = {"inputs"};
        hn_rep_data_links(r, names, 1);
        hn_sb_puts(&r->body, "<h3>Correlation matrices</h3>\n");
        hn_sb_puts(&csv, "class,feature_a,feature_b,correlation\n");
        st = correlations(r, ngroups, &csv, err);
        if (!st) {
            hn_sb_puts(&r->body, "<p class=\"data\">Linear (Pearson) correlation coefficients of the "
                                 "inputs in the test sample, with event weights.</p>\n");
            st = hn_rep_csv(r, "correlation", &csv, err);
        }
        hn_sb_free(&csv);
        if (!st) {
            const char *cn[] = {"correlation"};
            hn_rep_data_links(r, cn, 1);
        }
    }
    hn_sb_puts(&r->body, "</section>\n");
    return st;
}
