/* hn_report_write: checks the input, runs the sections, and assembles the
 * page (CSS, heading, summary, table of contents, sections, model, run
 * metadata, links to the CSV files). The page is well-formed XML as well as
 * HTML, so the tests can check it with an XML parser. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/fileio.h"
#include "report/report_internal.h"

static const char css[] =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:0;background:#f4f5f7;"
    "color:#1d1d1f}\n"
    "main{max-width:1160px;margin:0 auto;padding:16px 24px 48px;background:#ffffff}\n"
    "h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;border-bottom:2px solid #1f5fbf;"
    "padding-bottom:3px;margin-top:32px}h3{font-size:15px;margin:18px 0 6px}\n"
    ".sub{color:#555;font-size:13px;margin:0 0 12px}\n"
    "nav{font-size:13px;margin:10px 0}nav a{margin-right:12px;color:#1f5fbf}\n"
    "figure{display:inline-block;vertical-align:top;margin:6px 8px 12px 0}\n"
    "figcaption{font-size:12px;color:#444;max-width:540px;margin-top:2px}\n"
    "figure.small figcaption{max-width:270px}\n"
    "svg.plot{border:1px solid #ddd;background:#ffffff}\n"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}\n"
    "th,td{border:1px solid #ccc;padding:3px 9px;text-align:right}"
    "th{background:#eef2f8}td.l,th.l{text-align:left}\n"
    "pre{background:#f6f8fa;border:1px solid #ddd;padding:8px;font-size:12px;overflow-x:auto;"
    "white-space:pre-wrap}\n"
    ".note{background:#fff6e0;border-left:4px solid #e0a000;padding:6px 10px;font-size:13px}\n"
    ".data{font-size:12px;color:#555}\n";

/* ---- helpers shared by the sections -------------------------------------------- */

static void href_encode(hn_sbuf *b, const char *s)
{
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
            *u == '.' || *u == '_' || *u == '-' || *u == '~')
            hn_sb_putn(b, (const char *)u, 1);
        else
            hn_sb_printf(b, "%%%02X", *u);
    }
}

hn_status hn_rep_csv(hn_rep *r, const char *name, hn_sbuf *body, hn_error *err)
{
    if (body->oom)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory building %s.csv", name);
    if (r->n_csv >= HN_REPORT_MAX_CSV)
        return hn_error_set(err, HN_ERR_ARG, "report: too many CSV files");
    size_t ls = strlen(r->stem), ln = strlen(name), lb = strlen(r->base);
    char *path = malloc(ls + ln + 6), *rel = malloc(lb + ln + 6);
    if (!path || !rel) {
        free(path);
        free(rel);
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    }
    snprintf(path, ls + ln + 6, "%s_%s.csv", r->stem, name);
    snprintf(rel, lb + ln + 6, "%s_%s.csv", r->base, name);
    hn_status st = hn_file_write_all(path, body->p ? body->p : "", body->n, err);
    free(path);
    if (st) {
        free(rel);
        return st;
    }
    r->csv[r->n_csv++] = rel;
    return HN_OK;
}

void hn_rep_section(hn_rep *r, const char *id, const char *heading)
{
    hn_sb_printf(&r->body, "<section id=\"%s\">\n<h2>", id);
    hn_sb_esc(&r->body, heading);
    hn_sb_puts(&r->body, "</h2>\n");
    hn_sb_printf(&r->toc, "<a href=\"#%s\">", id);
    hn_sb_esc(&r->toc, heading);
    hn_sb_puts(&r->toc, "</a>\n");
}

void hn_rep_note(hn_rep *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hn_sb_puts(&r->body, "<p class=\"note\">");
    hn_sb_esc(&r->body, msg);
    hn_sb_puts(&r->body, "</p>\n");
}

void hn_rep_data_links(hn_rep *r, const char *const *names, int n)
{
    hn_sb_puts(&r->body, "<p class=\"data\">Data: ");
    for (int i = 0; i < n; i++) {
        if (i)
            hn_sb_puts(&r->body, ", ");
        char rel[512];
        snprintf(rel, sizeof rel, "%s_%s.csv", r->base, names[i]);
        hn_sb_puts(&r->body, "<a href=\"");
        href_encode(&r->body, rel);
        hn_sb_puts(&r->body, "\">");
        hn_sb_esc(&r->body, rel);
        hn_sb_puts(&r->body, "</a>");
    }
    hn_sb_puts(&r->body, "</p>\n");
}

/* ---- input checks ------------------------------------------------------------------ */

static hn_status check_sample(const hn_report_input *in, const hn_report_sample *s, const char *what,
                              int required, hn_error *err)
{
    if (s->n < 0)
        return hn_error_set(err, HN_ERR_ARG, "report: %s sample has n = %lld", what, (long long)s->n);
    if (s->n == 0) {
        if (required)
            return hn_error_set(err, HN_ERR_ARG, "report: the %s sample is empty", what);
        return HN_OK;
    }
    if (!s->y || !s->output)
        return hn_error_set(err, HN_ERR_ARG, "report: %s sample: %s is NULL", what,
                            !s->y ? "y" : "output");
    if (in->task == HN_TASK_REGRESSION)
        return HN_OK;
    for (int64_t i = 0; i < s->n; i++) {
        float y = s->y[i];
        if (in->task == HN_TASK_BINARY && !(y == 0.0f || y == 1.0f))
            return hn_error_set(err, HN_ERR_ARG, "report: %s sample: label y[%lld] = %g is not 0 or 1",
                                what, (long long)i, (double)y);
        if (in->task == HN_TASK_MULTICLASS &&
            !(y >= 0.0f && y < (float)in->n_outputs && y == floorf(y)))
            return hn_error_set(err, HN_ERR_ARG,
                                "report: %s sample: class id y[%lld] = %g is not in 0..%d", what,
                                (long long)i, (double)y, in->n_outputs - 1);
    }
    return HN_OK;
}

static hn_status check_input(const char *path, const hn_report_input *in, hn_error *err)
{
    if (!path || !in)
        return hn_error_set(err, HN_ERR_ARG, "hn_report_write: %s is NULL", !path ? "path" : "input");
    if ((int)in->task < 0 || in->task >= HN_TASK_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "report: unknown task %d", (int)in->task);
    if (in->n_features < 0 || in->n_features > 100000)
        return hn_error_set(err, HN_ERR_ARG, "report: n_features = %d", in->n_features);
    int need_min = in->task == HN_TASK_MULTICLASS ? 2 : 1;
    if (in->n_outputs < need_min || in->n_outputs > 10000 ||
        (in->task == HN_TASK_BINARY && in->n_outputs != 1))
        return hn_error_set(err, HN_ERR_ARG, "report: n_outputs = %d does not fit the %s task",
                            in->n_outputs, hn_task_name(in->task));
    if (in->n_epochs < 0 || (in->n_epochs > 0 && !in->history))
        return hn_error_set(err, HN_ERR_ARG, "report: history has %d epochs but is %s", in->n_epochs,
                            in->history ? "given" : "NULL");
    if (in->n_meta < 0 || (in->n_meta > 0 && !in->meta))
        return hn_error_set(err, HN_ERR_ARG, "report: n_meta = %d but meta is NULL", in->n_meta);
    hn_status st = check_sample(in, &in->test, "test", 1, err);
    if (!st)
        st = check_sample(in, &in->train, "training", 0, err);
    return st;
}

/* ---- names ----------------------------------------------------------------------------- */

static char *dup_or(const char *s, const char *fmt, int i)
{
    char tmp[64];
    if (!s || !*s) {
        snprintf(tmp, sizeof tmp, fmt, i);
        s = tmp;
    }
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static hn_status resolve(hn_rep *r, const char *path, hn_error *err)
{
    const hn_report_input *in = r->in;
    size_t lp = strlen(path);
    r->stem = malloc(lp + 1);
    if (!r->stem)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    memcpy(r->stem, path, lp + 1);
    if (lp > 5 && !strcmp(path + lp - 5, ".html"))
        r->stem[lp - 5] = '\0';
    else if (lp > 4 && !strcmp(path + lp - 4, ".htm"))
        r->stem[lp - 4] = '\0';
    const char *slash = strrchr(r->stem, '/');
    r->base = slash ? slash + 1 : r->stem;
    if (!*r->base)
        return hn_error_set(err, HN_ERR_ARG, "report: '%s' has no file name", path);

    int nf = in->n_features, nc = in->task == HN_TASK_REGRESSION ? in->n_outputs
                                   : in->task == HN_TASK_BINARY  ? 2
                                                                 : in->n_outputs;
    r->n_classes = in->task == HN_TASK_REGRESSION ? 0 : nc;
    r->feature_names = calloc((size_t)(nf > 0 ? nf : 1), sizeof(char *));
    r->class_names = calloc((size_t)nc, sizeof(char *));
    if (!r->feature_names || !r->class_names)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    for (int i = 0; i < nf; i++)
        if (!(r->feature_names[i] = dup_or(in->feature_names ? in->feature_names[i] : NULL, "x%d", i)))
            return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    for (int k = 0; k < nc; k++) {
        const char *given = in->class_names ? in->class_names[k] : NULL;
        const char *fmt = in->task == HN_TASK_REGRESSION ? "target %d" : "class %d";
        if (!given && in->task == HN_TASK_BINARY)
            given = k ? "signal" : "background";
        if (!(r->class_names[k] = dup_or(given, fmt, k)))
            return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    }
    if (in->task != HN_TASK_REGRESSION) {
        r->test_label = malloc(sizeof(int32_t) * (size_t)in->test.n);
        r->train_label = malloc(sizeof(int32_t) * (size_t)(in->train.n > 0 ? in->train.n : 1));
        if (!r->test_label || !r->train_label)
            return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
        for (int64_t i = 0; i < in->test.n; i++)
            r->test_label[i] = (int32_t)in->test.y[i];
        for (int64_t i = 0; i < in->train.n; i++)
            r->train_label[i] = (int32_t)in->train.y[i];
    }
    return HN_OK;
}

static void rep_free(hn_rep *r)
{
    hn_sb_free(&r->body);
    hn_sb_free(&r->toc);
    if (r->feature_names)
        for (int i = 0; i < r->in->n_features; i++)
            free(r->feature_names[i]);
    if (r->class_names) {
        int nc = r->in->task == HN_TASK_BINARY ? 2 : r->in->n_outputs;
        for (int k = 0; k < nc; k++)
            free(r->class_names[k]);
    }
    free(r->feature_names);
    free(r->class_names);
    free(r->test_label);
    free(r->train_label);
    free(r->separation);
    for (int i = 0; i < r->n_csv; i++)
        free(r->csv[i]);
    free(r->stem);
}

/* ---- training history ------------------------------------------------------------- */

hn_status hn_rep_loss(hn_rep *r, hn_error *err)
{
    const hn_report_input *in = r->in;
    hn_rep_section(r, "sec-loss", "Training history");
    int n = in->n_epochs;
    if (n == 0) {
        hn_rep_note(r, "No training history was given.");
        hn_sb_puts(&r->body, "</section>\n");
        return HN_OK;
    }
    double *x = malloc(sizeof(double) * (size_t)n * 4);
    if (!x)
        return hn_error_set(err, HN_ERR_NOMEM, "report: out of memory");
    double *tl = x + n, *vl = x + 2 * n, *vm = x + 3 * n;
    int best = in->best_epoch, any_val = 0, any_metric = 0;
    for (int i = 0; i < n; i++) {
        const hn_epoch_stats *e = &in->history[i];
        x[i] = e->epoch > 0 ? e->epoch : i + 1;
        tl[i] = e->train_loss;
        vl[i] = e->val_loss;
        vm[i] = e->val_metric;
        any_val |= isfinite(vl[i]);
        any_metric |= isfinite(vm[i]);
        if (in->best_epoch <= 0 && e->best)
            best = (int)x[i];
    }
    double ylo = INFINITY, yhi = -INFINITY;
    for (int i = 0; i < 2 * n; i++) { /* tl and vl are adjacent: both curves */
        double v = tl[i];
        if (isfinite(v)) {
            ylo = v < ylo ? v : ylo;
            yhi = v > yhi ? v : yhi;
        }
    }
    double lo, hi;
    double both[2] = {ylo, yhi};
    hn_report_minmax(2, both, &lo, &hi);
    if (lo < 0 && ylo >= 0)
        lo = 0;
    double x0 = x[0] - 0.5, x1 = x[n - 1] + 0.5;
    if (n > 1) {
        x0 = x[0];
        x1 = x[n - 1];
    }
    if (!(x1 > x0)) {
        x0 = 0.5;
        x1 = n + 0.5;
    }

    char mark[96] = "";
    if (best > 0)
        snprintf(mark, sizeof mark, "best epoch %d%s", best, in->stopped_early ? " (early stopping)" : "");
    hn_sb_puts(&r->body, "<figure id=\"fig-loss\">\n");
    hn_plot p;
    hn_plot_begin(&p, &r->body, "svg-loss", 540, 360, "Loss per epoch", "epoch", x0, x1, 0, "loss",
                  lo, hi, 0);
    p.legend_pos = HN_LEG_BL; /* falling curves leave the lower left empty */
    hn_plot_line(&p, (size_t)n, x, tl, HN_COL_SIGNAL, 2, 0, "training");
    if (any_val)
        hn_plot_line(&p, (size_t)n, x, vl, HN_COL_BACKGROUND, 2, 1, "validation");
    if (best > 0) {
        hn_plot_vline(&p, best, "#2ca02c", 2, mark);
        hn_plot_legend_add(&p, "best epoch (weights kept)", "#2ca02c", HN_LK_LINE, 2);
    }
    hn_plot_end(&p);
    hn_sb_puts(&r->body, "<figcaption>Mean loss of the training batches and loss on the validation "
                         "sample after each epoch. A validation loss that rises while the training "
                         "loss falls is overtraining; the weights of the marked epoch are the ones "
                         "kept.</figcaption>\n</figure>\n");
    if (any_metric) {
        const char *name = in->task == HN_TASK_BINARY ? "validation AUC" : "validation accuracy";
        hn_report_minmax((size_t)n, vm, &lo, &hi);
        hn_sb_puts(&r->body, "<figure id=\"fig-val-metric\">\n");
        hn_plot_begin(&p, &r->body, "svg-val-metric", 540, 360, name, "epoch", x0, x1, 0, name, lo,
                      hi, 0);
        p.legend_pos = HN_LEG_BR;
        hn_plot_line(&p, (size_t)n, x, vm, "#9467bd", 2, 0, name);
        if (best > 0)
            hn_plot_vline(&p, best, "#2ca02c", 2, mark);
        hn_plot_end(&p);
        hn_sb_puts(&r->body, "<figcaption>The figure of merit on the validation sample after each "
                             "epoch.</figcaption>\n</figure>\n");
    }

    hn_sbuf csv = {0};
    hn_sb_puts(&csv, "epoch,train_loss,val_loss,val_metric,lr,seconds,events_per_second,best\n");
    for (int i = 0; i < n; i++) {
        const hn_epoch_stats *e = &in->history[i];
        hn_sb_printf(&csv, "%d,", (int)x[i]);
        hn_sb_num(&csv, e->train_loss);
        hn_sb_puts(&csv, ",");
        hn_sb_num(&csv, e->val_loss);
        hn_sb_puts(&csv, ",");
        hn_sb_num(&csv, e->val_metric);
        hn_sb_puts(&csv, ",");
        hn_sb_num(&csv, e->lr);
        hn_sb_puts(&csv, ",");
        hn_sb_num(&csv, e->seconds);
        hn_sb_puts(&csv, ",");
        hn_sb_num(&csv, e->events_per_second);
        hn_sb_printf(&csv, ",%d\n", (int)x[i] == best);
    }
    free(x);
    hn_status st = hn_rep_csv(r, "loss", &csv, err);
    hn_sb_free(&csv);
    const char *names[] = {"loss"};
    hn_rep_data_links(r, names, 1);
    hn_sb_puts(&r->body, "</section>\n");
    return st;
}

/* ---- model and run metadata ------------------------------------------------------ */

static void meta_row(hn_sbuf *b, const char *key, const char *value)
{
    hn_sb_puts(b, "<tr><th class=\"l\">");
    hn_sb_esc(b, key);
    hn_sb_puts(b, "</th><td class=\"l\">");
    hn_sb_esc(b, value);
    hn_sb_puts(b, "</td></tr>\n");
}

static void model_and_meta(hn_rep *r, const char *timestamp)
{
    const hn_report_input *in = r->in;
    hn_sbuf *b = &r->body;
    hn_rep_section(r, "sec-model", "Model");
    if (in->model_summary && *in->model_summary) {
        hn_sb_puts(b, "<pre id=\"model-summary\">");
        hn_sb_esc(b, in->model_summary);
        hn_sb_puts(b, "</pre>\n");
    } else {
        hn_rep_note(r, "No model summary was given.");
    }
    hn_sb_puts(b, "</section>\n");

    hn_rep_section(r, "sec-meta", "Run");
    hn_sb_puts(b, "<table id=\"table-meta\">\n");
    char tmp[128];
    meta_row(b, "task", hn_task_name(in->task));
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)in->seed);
    meta_row(b, "seed", tmp);
    meta_row(b, "time", timestamp);
    if (in->inputs)
        meta_row(b, "inputs", in->inputs);
    if (in->versions)
        meta_row(b, "versions", in->versions);
    snprintf(tmp, sizeof tmp, "%lld", (long long)in->train.n);
    meta_row(b, "training events", tmp);
    snprintf(tmp, sizeof tmp, "%lld", (long long)in->test.n);
    meta_row(b, "test events", tmp);
    if (in->n_epochs > 0) {
        snprintf(tmp, sizeof tmp, "%d%s", in->n_epochs, in->stopped_early ? " (stopped early)" : "");
        meta_row(b, "epochs run", tmp);
    }
    if (isfinite(in->events_per_second) && in->events_per_second > 0) {
        snprintf(tmp, sizeof tmp, "%.0f", in->events_per_second);
        meta_row(b, "training events per second", tmp);
    }
    for (int i = 0; i < in->n_meta; i++)
        meta_row(b, in->meta[i].key ? in->meta[i].key : "", in->meta[i].value ? in->meta[i].value : "");
    hn_sb_puts(b, "</table>\n");
    if (in->config_text && *in->config_text) {
        hn_sb_puts(b, "<h3>Configuration</h3>\n<pre id=\"config\">");
        hn_sb_esc(b, in->config_text);
        hn_sb_puts(b, "</pre>\n");
    }
    hn_sb_puts(b, "</section>\n");
}

hn_status hn_report_predict_model(void *model, const float *x, int64_t n, float *out, hn_error *err)
{
    if (!model)
        return hn_error_set(err, HN_ERR_ARG, "hn_report_predict_model: model is NULL");
    return hn_model_predict((hn_model *)model, x, n, out, err);
}

/* ---- the page ------------------------------------------------------------------------- */

hn_status hn_report_write(const char *path, const hn_report_input *in, hn_error *err)
{
    hn_status st = check_input(path, in, err);
    if (st)
        return st;
    hn_rep r;
    memset(&r, 0, sizeof r);
    r.in = in;
    st = resolve(&r, path, err);
    if (!st)
        st = hn_rep_loss(&r, err);
    if (!st && in->task == HN_TASK_BINARY)
        st = hn_rep_binary(&r, err);
    if (!st && in->task == HN_TASK_MULTICLASS)
        st = hn_rep_multiclass(&r, err);
    if (!st && in->task == HN_TASK_REGRESSION)
        st = hn_rep_regression(&r, err);
    if (!st)
        st = hn_rep_inputs(&r, err);
    if (!st)
        st = hn_rep_ranking(&r, err);
    if (st) {
        rep_free(&r);
        return st;
    }

    char stamp[64];
    const char *timestamp = in->timestamp;
    if (!timestamp) {
        time_t now = time(NULL);
        struct tm tm;
        if (gmtime_r(&now, &tm) && strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm))
            timestamp = stamp;
        else
            timestamp = "unknown";
    }
    model_and_meta(&r, timestamp);

    hn_sbuf page = {0};
    const char *title = in->title && *in->title ? in->title : "hepnn training report";
    hn_sb_puts(&page, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
                      "<head>\n<meta charset=\"utf-8\"/>\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                      "<title>");
    hn_sb_esc(&page, title);
    hn_sb_printf(&page, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>", css);
    hn_sb_esc(&page, title);
    hn_sb_printf(&page, "</h1>\n<p class=\"sub\">%s &#183; %lld training and %lld test events &#183; ",
                 in->task == HN_TASK_BINARY       ? "binary classification"
                 : in->task == HN_TASK_MULTICLASS ? "multi-class classification"
                                                  : "regression",
                 (long long)in->train.n, (long long)in->test.n);
    hn_sb_esc(&page, timestamp);
    hn_sb_puts(&page, "</p>\n<nav id=\"toc\">\n");
    hn_sb_putn(&page, r.toc.p ? r.toc.p : "", r.toc.n);
    hn_sb_puts(&page, "<a href=\"#sec-data\">Data files</a>\n</nav>\n");
    hn_sb_putn(&page, r.body.p ? r.body.p : "", r.body.n);
    hn_sb_puts(&page, "<section id=\"sec-data\">\n<h2>Data files</h2>\n<p>Every plotted series, as "
                      "CSV next to this page:</p>\n<ul id=\"data-files\">\n");
    for (int i = 0; i < r.n_csv; i++) {
        hn_sb_puts(&page, "<li><a href=\"");
        href_encode(&page, r.csv[i]);
        hn_sb_puts(&page, "\">");
        hn_sb_esc(&page, r.csv[i]);
        hn_sb_puts(&page, "</a></li>\n");
    }
    hn_sb_puts(&page, "</ul>\n</section>\n</main>\n</body>\n</html>\n");
    if (page.oom || r.body.oom || r.toc.oom)
        st = hn_error_set(err, HN_ERR_NOMEM, "report: out of memory building %s", path);
    else
        st = hn_file_write_all(path, page.p, page.n, err);
    hn_sb_free(&page);
    rep_free(&r);
    return st;
}
