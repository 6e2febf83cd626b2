/* Variable ranking: permutation importance (how much the test figure of
 * merit degrades when one input column is shuffled, breaking its relation to
 * the target while keeping its distribution), or a ranking the caller
 * computed, or for binary tasks TMVA's separation of each input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/rng.h"
#include "report/report_internal.h"

#define DEFAULT_RANKING_EVENTS 20000

typedef struct rank_set {
    int64_t n;
    float *x, *y, *w, *out;
    int32_t *label;
} rank_set;

/* The figure of merit of out on the set: AUC (binary), accuracy
 * (multi-class) or MSE averaged over targets (regression). A metric that
 * cannot be computed gives NaN and its message in why. */
static hn_status merit(const hn_rep *r, const rank_set *s, int32_t *pred, double *v, hn_error *why)
{
    const hn_report_input *in = r->in;
    hn_reals w = s->w ? hn_reals_f32(s->w) : hn_reals_none();
    size_t n = (size_t)s->n;
    hn_status st;
    *v = NAN;
    if (in->task == HN_TASK_BINARY) {
        hn_binary_input bi = {n, hn_reals_f32(s->out), s->label, 1, w};
        st = hn_auc(&bi, v, why);
    } else if (in->task == HN_TASK_MULTICLASS) {
        st = hn_predict_argmax(n, (size_t)in->n_outputs, hn_reals_f32(s->out), pred, why);
        if (!st)
            st = hn_accuracy(n, pred, s->label, w, v, why);
    } else {
        /* targets are (n, K) and so are outputs: the MSE over all n·K values
         * is the mean of the per-target MSEs (same weight per target) */
        int K = in->n_outputs;
        float *wk = NULL;
        if (s->w && K > 1) {
            wk = malloc(sizeof(float) * n * (size_t)K);
            if (!wk)
                return hn_error_set(why, HN_ERR_NOMEM, "report: out of memory");
            for (size_t i = 0; i < n; i++)
                for (int k = 0; k < K; k++)
                    wk[i * K + k] = s->w[i];
        }
        hn_reals wr = wk ? hn_reals_f32(wk) : w;
        st = hn_regression_errors(n * (size_t)K, hn_reals_f32(s->out), hn_reals_f32(s->y), wr, v,
                                  NULL, why);
        free(wk);
    }
    if (st)
        *v = NAN;
    return st;
}

/* Permutation importance over a random subset of the test sample. imp[j]:
 * base − permuted for AUC and accuracy, permuted / base − 1 for the MSE;
 * perm[j]: the figure after shuffling input j. */
static hn_status permutation(hn_rep *r, double *imp, double *perm, double *base_out, int *ok,
                             hn_error *err)
{
    const hn_report_input *in = r->in;
    const hn_report_sample *te = &in->test;
    int F = in->n_features, K = in->n_outputs, ny = in->task == HN_TASK_REGRESSION ? K : 1;
    int64_t max = in->ranking_max_events > 0 ? in->ranking_max_events : DEFAULT_RANKING_EVENTS;
    int64_t m = te->n < max ? te->n : max;
    hn_rng rng;
    hn_rng_seed(&rng, in->ranking_seed);
    rank_set s = {m, NULL, NULL, NULL, NULL, NULL};
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)te->n);
    float *col = malloc(sizeof(float) * (size_t)m);
    int32_t *pred = malloc(sizeof(int32_t) * (size_t)m);
    s.x = malloc(sizeof(float) * (size_t)m * F);
    s.y = malloc(sizeof(float) * (size_t)m * ny);
    s.out = malloc(sizeof(float) * (size_t)m * K);
    s.label = malloc(sizeof(int32_t) * (size_t)m);
    s.w = te->w ? malloc(sizeof(float) * (size_t)m) : NULL;
    hn_status st = HN_OK;
    *ok = 0;
    if (!idx || !col || !pred || !s.x || !s.y || !s.out || !s.label || (te->w && !s.w)) {
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory for the variable ranking");
        goto done;
    }
    /* a random subset: the first m steps of a Fisher-Yates shuffle */
    for (int64_t i = 0; i < te->n; i++)
        idx[i] = i;
    for (int64_t i = 0; m < te->n && i < m; i++) {
        int64_t j = i + (int64_t)hn_rng_below(&rng, (uint64_t)(te->n - i));
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    for (int64_t i = 0; i < m; i++) {
        int64_t e = idx[i];
        memcpy(s.x + (size_t)i * F, te->x + (size_t)e * F, sizeof(float) * (size_t)F);
        memcpy(s.y + (size_t)i * ny, te->y + (size_t)e * ny, sizeof(float) * (size_t)ny);
        s.label[i] = r->test_label ? r->test_label[e] : 0;
        if (s.w)
            s.w[i] = te->w[e];
    }
    hn_error why = {0};
    st = in->predict(in->predict_user, s.x, m, s.out, err);
    if (st) {
        hn_error_prefix(err, "report: variable ranking: predict");
        goto done;
    }
    double base;
    hn_status ms = merit(r, &s, pred, &base, &why);
    if (ms == HN_ERR_NOMEM) {
        st = hn_error_set(err, ms, "%s", why.msg);
        goto done;
    }
    if (ms) {
        hn_rep_note(r, "No permutation ranking: %s", why.msg);
        goto done;
    }
    *base_out = base;
    for (int j = 0; j < F; j++) {
        for (int64_t i = 0; i < m; i++)
            col[i] = s.x[(size_t)i * F + j];
        for (int64_t i = 0; i < m; i++)
            idx[i] = i;
        hn_rng_shuffle(&rng, idx, m);
        for (int64_t i = 0; i < m; i++)
            s.x[(size_t)i * F + j] = col[idx[i]];
        st = in->predict(in->predict_user, s.x, m, s.out, err);
        for (int64_t i = 0; i < m; i++)
            s.x[(size_t)i * F + j] = col[i];
        if (st) {
            hn_error_prefix(err, "report: variable ranking: predict");
            goto done;
        }
        double v;
        ms = merit(r, &s, pred, &v, &why);
        if (ms == HN_ERR_NOMEM) {
            st = hn_error_set(err, ms, "%s", why.msg);
            goto done;
        }
        perm[j] = v;
        imp[j] = in->task == HN_TASK_REGRESSION ? (base > 0 ? v / base - 1 : NAN) : base - v;
    }
    *ok = 1;
done:
    free(idx);
    free(col);
    free(pred);
    free(s.x);
    free(s.y);
    free(s.out);
    free(s.label);
    free(s.w);
    return st;
}

static int *order_desc(const double *v, int n)
{
    int *o = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!o)
        return NULL;
    for (int i = 0; i < n; i++)
        o[i] = i;
    /* insertion sort: n is the number of inputs; NaN sorts last */
    for (int i = 1; i < n; i++) {
        int t = o[i], k = i;
        while (k > 0) {
            double a = v[o[k - 1]], b = v[t];
            int before = isnan(a) ? !isnan(b) : (!isnan(b) && b > a);
            if (!before)
                break;
            o[k] = o[k - 1];
            k--;
        }
        o[k] = t;
    }
    return o;
}

hn_status hn_rep_ranking(hn_rep *r, hn_error *err)
{
    const hn_report_input *in = r->in;
    int F = in->n_features;
    hn_rep_section(r, "sec-ranking", "Variable ranking");
    if (F == 0) {
        hn_rep_note(r, "The model has no input features.");
        hn_sb_puts(&r->body, "</section>\n");
        return HN_OK;
    }
    double *imp = malloc(sizeof(double) * (size_t)F * 2), *perm = imp ? imp + F : NULL;
    if (!imp)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    for (int j = 0; j < 2 * F; j++)
        imp[j] = NAN;
    hn_status st = HN_OK;
    int have = 0, permuted = 0;
    double base = NAN;
    const char *what = NULL, *metric = NULL;
    if (in->predict && in->test.x) {
        st = permutation(r, imp, perm, &base, &have, err);
        permuted = have;
        metric = in->task == HN_TASK_BINARY       ? "AUC"
                 : in->task == HN_TASK_MULTICLASS ? "accuracy"
                                                  : "MSE";
        what = in->task == HN_TASK_BINARY       ? "drop in test AUC when the input is shuffled"
               : in->task == HN_TASK_MULTICLASS ? "drop in test accuracy when the input is shuffled"
                                                : "relative rise in test MSE when the input is shuffled";
    } else if (in->ranking) {
        for (int j = 0; j < F; j++)
            imp[j] = in->ranking[j];
        have = 1;
        what = in->ranking_name ? in->ranking_name : "importance given by the caller";
    } else if (r->separation) {
        for (int j = 0; j < F; j++)
            imp[j] = r->separation[j];
        have = 1;
        what = "separation of the input's signal and background distributions";
    }
    if (st || !have) {
        if (!st)
            hn_rep_note(r, "No ranking: no model to re-score the test sample with (or no test inputs) "
                           "and no ranking was given.");
        free(imp);
        hn_sb_puts(&r->body, "</section>\n");
        return st;
    }
    int *o = order_desc(imp, F);
    const char **labels = malloc(sizeof(char *) * (size_t)F);
    double *vals = malloc(sizeof(double) * (size_t)F);
    if (!o || !labels || !vals) {
        free(o);
        free(labels);
        free(vals);
        free(imp);
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    }
    for (int i = 0; i < F; i++) {
        labels[i] = r->feature_names[o[i]];
        vals[i] = imp[o[i]];
    }
    int nbar = F < 50 ? F : 50;
    hn_sb_puts(&r->body, "<figure id=\"fig-ranking\">\n");
    hn_svg_bars(&r->body, "svg-ranking", "Variable ranking", nbar, labels, vals, what);
    hn_sb_puts(&r->body, "<figcaption>");
    hn_sb_esc(&r->body, what);
    if (permuted)
        hn_sb_printf(&r->body, " (unshuffled %s %.4f; %s)", metric, base,
                     nbar < F ? "the 50 highest shown" : "all inputs shown");
    hn_sb_puts(&r->body, ".</figcaption>\n</figure>\n");

    hn_sbuf csv = {0};
    hn_sb_puts(&r->body, "<table id=\"table-ranking\">\n<tr><th>rank</th><th class=\"l\">input</th>"
                         "<th>importance</th>");
    hn_sb_puts(&csv, "rank,feature,importance");
    if (permuted) {
        hn_sb_printf(&r->body, "<th>%s, input shuffled</th>", metric);
        hn_sb_printf(&csv, ",%s_shuffled", metric);
    }
    if (r->separation) {
        hn_sb_puts(&r->body, "<th>separation</th>");
        hn_sb_puts(&csv, ",separation");
    }
    hn_sb_puts(&r->body, "</tr>\n");
    hn_sb_puts(&csv, "\n");
    for (int i = 0; i < F; i++) {
        int j = o[i];
        hn_sb_printf(&r->body, "<tr><td>%d</td><td class=\"l\">", i + 1);
        hn_sb_esc(&r->body, r->feature_names[j]);
        hn_sb_printf(&r->body, "</td><td>%.4g</td>", imp[j]);
        hn_sb_printf(&csv, "%d,", i + 1);
        hn_sb_csv_field(&csv, r->feature_names[j]);
        hn_sb_puts(&csv, ",");
        hn_sb_num(&csv, imp[j]);
        if (permuted) {
            hn_sb_printf(&r->body, "<td>%.4f</td>", perm[j]);
            hn_sb_puts(&csv, ",");
            hn_sb_num(&csv, perm[j]);
        }
        if (r->separation) {
            hn_sb_printf(&r->body, "<td>%.4f</td>", r->separation[j]);
            hn_sb_puts(&csv, ",");
            hn_sb_num(&csv, r->separation[j]);
        }
        hn_sb_puts(&r->body, "</tr>\n");
        hn_sb_puts(&csv, "\n");
    }
    hn_sb_puts(&r->body, "</table>\n");
    st = hn_rep_csv(r, "ranking", &csv, err);
    if (!st) {
        const char *names[] = {"ranking"};
        hn_rep_data_links(r, names, 1);
    }
    hn_sb_puts(&r->body, "</section>\n");
    hn_sb_free(&csv);
    free(o);
    free(labels);
    free(vals);
    free(imp);
    return st;
}
