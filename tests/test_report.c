/* The training report: for the three tasks every figure and table is
 * present, the page and each SVG are well-formed XML (checked with libxml2),
 * plots have axes, labels and legends, the CSV files have the right rows, and
 * the numbers agree with independent brute-force computations in this file
 * (AUC by counting pairs, correlations, confusion matrix, errors). Also:
 * escaping of hostile names, atomic writes, and bad input. */
#define _XOPEN_SOURCE 700 /* mkdtemp */

#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "hepnn/report.h"
#include "report_synth.h"
#include "report_util.h"

#ifdef HN_HAVE_LIBXML2
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#endif

/* ---- XML checks -------------------------------------------------------------------- */

#ifdef HN_HAVE_LIBXML2
static xmlDocPtr load_doc(const char *path)
{
    return xmlReadFile(path, NULL, XML_PARSE_NONET);
}

/* The page is XHTML: its elements are h:tr, h:td, ... in XPath. */
static xmlXPathContextPtr xp_context(xmlDocPtr doc)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (ctx)
        xmlXPathRegisterNs(ctx, (const xmlChar *)"h", (const xmlChar *)"http://www.w3.org/1999/xhtml");
    return ctx;
}

static int xp_count(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xp_context(doc);
    xmlXPathObjectPtr o = ctx ? xmlXPathEvalExpression((const xmlChar *)expr, ctx) : NULL;
    int n = o && o->nodesetval ? o->nodesetval->nodeNr : -1;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}

/* Text content of the first node matching expr (malloc'ed by libxml2; xmlFree), or NULL. */
static char *xp_text(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xp_context(doc);
    xmlXPathObjectPtr o = ctx ? xmlXPathEvalExpression((const xmlChar *)expr, ctx) : NULL;
    char *t = NULL;
    if (o && o->nodesetval && o->nodesetval->nodeNr > 0)
        t = (char *)xmlNodeGetContent(o->nodesetval->nodeTab[0]);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return t;
}

static void check_ids(xmlDocPtr doc, const char *const *ids, int n)
{
    for (int i = 0; i < n; i++) {
        char expr[160];
        snprintf(expr, sizeof expr, "//*[@id='%s']", ids[i]);
        CHECK_MSG(xp_count(doc, expr) == 1, "id %s present once", ids[i]);
    }
}

/* Every <svg>...</svg> of the page parses on its own, and every plot has
 * axes with tick labels and axis titles. Returns the number of SVGs. */
static int check_svgs(const char *html)
{
    int n = 0;
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 4, "<svg")) {
        const char *e = strstr(p, "</svg>");
        CHECK(e != NULL);
        if (!e)
            break;
        size_t len = (size_t)(e + 6 - p);
        xmlDocPtr d = xmlReadMemory(p, (int)len, "svg.xml", NULL, XML_PARSE_NONET);
        CHECK_MSG(d != NULL, "SVG %d is well-formed", n);
        if (d) {
            xmlNodePtr root = xmlDocGetRootElement(d);
            CHECK(root && !xmlStrcmp(root->name, (const xmlChar *)"svg"));
            CHECK(xmlHasProp(root, (const xmlChar *)"viewBox") && xmlHasProp(root, (const xmlChar *)"width"));
            xmlChar *cls = xmlGetProp(root, (const xmlChar *)"class");
            if (cls && !xmlStrcmp(cls, (const xmlChar *)"plot")) {
                /* axes: ticks with labels, axis titles */
                CHECK(xp_count(d, "//*[@class='xaxis']/*[local-name()='text']") >= 3);
                CHECK(xp_count(d, "//*[@class='xaxis']/*[local-name()='line']") >= 2);
                char *xl = xp_text(d, "//*[@class='xlabel']");
                CHECK(xl && strlen(xl) > 0);
                xmlFree(xl);
                int bars = xp_count(d, "//*[@class='yaxis']") == 0; /* the ranking's bar chart */
                if (!bars) {
                    CHECK(xp_count(d, "//*[@class='yaxis']/*[local-name()='text']") >= 3);
                    char *yl = xp_text(d, "//*[@class='ylabel']");
                    CHECK(yl && strlen(yl) > 0);
                    xmlFree(yl);
                }
            }
            xmlFree(cls);
            xmlFreeDoc(d);
        }
        n++;
        p = e;
    }
    return n;
}

/* Legend entries of the plot with the given svg id. */
static int legend_entries(xmlDocPtr doc, const char *svg_id)
{
    char expr[200];
    snprintf(expr, sizeof expr, "//*[@id='%s']//*[@class='legend']/*[local-name()='text']", svg_id);
    return xp_count(doc, expr);
}
#endif

/* ---- independent references --------------------------------------------------------- */

/* Weighted AUC by counting pairs: P(score_s > score_b) + P(=)/2. (Used by the
 * checks that read the page back, which need libxml2.) */
#if defined(__GNUC__)
__attribute__((unused))
#endif
static double brute_auc(int64_t n, const float *score, int ncol, int col, const float *y, int32_t sig,
                        const float *w)
{
    double num = 0, ws = 0, wb = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((int32_t)y[i] == sig)
            ws += w[i];
        else
            wb += w[i];
    }
    for (int64_t i = 0; i < n; i++) {
        if ((int32_t)y[i] != sig)
            continue;
        double si = score[i * ncol + col];
        for (int64_t j = 0; j < n; j++) {
            if ((int32_t)y[j] == sig)
                continue;
            double sj = score[j * ncol + col];
            num += w[i] * w[j] * (si > sj ? 1.0 : si == sj ? 0.5 : 0.0);
        }
    }
    return num / (ws * wb);
}

/* Weighted correlation of inputs a, b over events of class k, one pass with sums. */
static double brute_corr(const rs_data *d, int k, int a, int b)
{
    double sw = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int64_t i = 0; i < d->n[1]; i++) {
        if ((int)d->y[1][i] != k)
            continue;
        double w = d->w[1][i], xa = d->x[1][i * RS_F + a], xb = d->x[1][i * RS_F + b];
        sw += w;
        sa += w * xa;
        sb += w * xb;
        saa += w * xa * xa;
        sbb += w * xb * xb;
        sab += w * xa * xb;
    }
    double ca = saa / sw - (sa / sw) * (sa / sw), cb = sbb / sw - (sb / sw) * (sb / sw);
    return (sab / sw - sa * sb / (sw * sw)) / sqrt(ca * cb);
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Reads dir/report_<name>.csv, checks its row count (rows < 0: at least one row). */
static int csv_check(ru_csv *c, const char *dir, const char *name, int rows)
{
    char file[128];
    snprintf(file, sizeof file, "report_%s.csv", name);
    char *p = path_in(dir, file);
    int ok = ru_csv_read(c, p);
    CHECK_MSG(ok, "%s parses", file);
    if (ok && rows >= 0)
        CHECK_MSG(c->n_rows == rows, "%s: %d rows, want %d", file, c->n_rows, rows);
    if (ok && rows < 0)
        CHECK_MSG(c->n_rows > 0, "%s has rows", file);
    free(p);
    return ok;
}

/* The loss CSV: 12 epochs, best marked at epoch 8 only (the last .best). */
static void check_loss_csv(const char *dir)
{
    ru_csv c;
    if (!csv_check(&c, dir, "loss", 12))
        return;
    int cb = ru_csv_col(&c, "best"), ce = ru_csv_col(&c, "epoch"), ct = ru_csv_col(&c, "train_loss");
    CHECK(cb >= 0 && ce >= 0 && ct >= 0);
    if (cb >= 0 && ce >= 0 && ct >= 0)
        for (int r = 1; r <= c.n_rows; r++) {
            CHECK(atoi(ru_csv_get(&c, r, ce)) == r);
            CHECK(atoi(ru_csv_get(&c, r, cb)) == (r == 8));
            CHECK_NEAR(ru_csv_num(&c, r, ct), 0.7 * exp(-0.2 * (r - 1)) + 0.3, 1e-6);
        }
    ru_csv_free(&c);
}

/* Densities in the scores CSV integrate to one for each test/training class. */
static void check_scores_csv(const char *dir, int n_groups)
{
    ru_csv c;
    if (!csv_check(&c, dir, "scores", 40 * n_groups))
        return;
    const char *cols[4] = {"sig_test", "bkg_test", "sig_train", "bkg_train"};
    int lo = ru_csv_col(&c, "bin_low"), hi = ru_csv_col(&c, "bin_high");
    for (int g = 0; g < n_groups; g++)
        for (int k = 0; k < 4; k++) {
            int j = ru_csv_col(&c, cols[k]);
            CHECK(j >= 0);
            if (j < 0)
                continue;
            double area = 0;
            for (int r = 1 + 40 * g; r <= 40 * (g + 1); r++)
                area += ru_csv_num(&c, r, j) * (ru_csv_num(&c, r, hi) - ru_csv_num(&c, r, lo));
            CHECK_NEAR(area, 1.0, 1e-5);
        }
    ru_csv_free(&c);
}

/* The ROC CSV of one curve: from (0, 0) to (1, 1), thresholds decreasing. */
static void check_roc_rows(const ru_csv *c, const char *curve)
{
    int cc = 0, ct = ru_csv_col(c, "threshold"), cs = ru_csv_col(c, "eff_s"), cb = ru_csv_col(c, "eff_b");
    int first = -1, last = -1;
    for (int r = 1; r <= c->n_rows; r++)
        if (!strcmp(ru_csv_get(c, r, cc), curve)) {
            if (first < 0)
                first = r;
            else
                CHECK(ru_csv_num(c, r, ct) < ru_csv_num(c, r - 1, ct));
            last = r;
        }
    CHECK_MSG(first > 0 && last > first + 10, "curve %s has points", curve);
    if (first < 0)
        return;
    CHECK(ru_csv_num(c, first, cs) == 0 && ru_csv_num(c, first, cb) == 0);
    CHECK(ru_csv_num(c, last, cs) == 1 && ru_csv_num(c, last, cb) == 1);
}

/* The ranking CSV: the first row is want_first; the inputs the model
 * ignores have importance exactly 0. */
static void check_ranking_csv(const char *dir, const char *want_first, const char *const *zero, int n_zero)
{
    ru_csv c;
    if (!csv_check(&c, dir, "ranking", RS_F))
        return;
    int cf = ru_csv_col(&c, "feature"), ci = ru_csv_col(&c, "importance");
    CHECK(cf >= 0 && ci >= 0);
    if (cf < 0 || ci < 0)
        return;
    CHECK_MSG(!strcmp(ru_csv_get(&c, 1, cf), want_first), "first %s", ru_csv_get(&c, 1, cf));
    CHECK(ru_csv_num(&c, 1, ci) > 0.01);
    for (int r = 2; r <= c.n_rows; r++)
        CHECK(ru_csv_num(&c, r, ci) <= ru_csv_num(&c, r - 1, ci));
    for (int z = 0; z < n_zero; z++)
        for (int r = 1; r <= c.n_rows; r++)
            if (!strcmp(ru_csv_get(&c, r, cf), zero[z]))
                CHECK_MSG(ru_csv_num(&c, r, ci) == 0, "%s importance %s", zero[z], ru_csv_get(&c, r, ci));
    ru_csv_free(&c);
}

/* The correlation CSV against brute_corr for every class and pair. */
static void check_corr_csv(const char *dir, const rs_data *d, const char *const *class_names, int n_classes)
{
    ru_csv c;
    if (!csv_check(&c, dir, "correlation", n_classes * RS_F * RS_F))
        return;
    int cv = ru_csv_col(&c, "correlation");
    for (int k = 0; k < n_classes; k++)
        for (int a = 0; a < RS_F; a++)
            for (int b = 0; b < RS_F; b++) {
                int r = 1 + k * RS_F * RS_F + a * RS_F + b;
                CHECK(!strcmp(ru_csv_get(&c, r, 0), class_names[k]));
                CHECK(!strcmp(ru_csv_get(&c, r, 1), rs_features[a]));
                double want = d->task == HN_TASK_REGRESSION ? NAN : brute_corr(d, k, a, b);
                if (d->task != HN_TASK_REGRESSION)
                    CHECK_NEAR(ru_csv_num(&c, r, cv), want, 2e-5);
            }
    ru_csv_free(&c);
}

/* ---- binary -------------------------------------------------------------------------- */

TEST(binary_report)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_BINARY, 2500, 11));
    char *dir = ru_mkdtemp();
    CHECK(dir != NULL);
    if (!dir)
        return;
    char *path = path_in(dir, "report.html");
    hn_report_input in = rs_input(&d);
    hn_error err = {0};
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    CHECK(ru_count_files(dir, ".tmp") == 0);

    check_loss_csv(dir);
    check_scores_csv(dir, 1);
    ru_csv c;
    if (csv_check(&c, dir, "roc", -1)) {
        check_roc_rows(&c, "test");
        check_roc_rows(&c, "training");
        ru_csv_free(&c);
    }
    if (csv_check(&c, dir, "inputs", RS_F * 2 * 40))
        ru_csv_free(&c);
    static const char *const bin_names[2] = {"background", "signal"};
    check_corr_csv(dir, &d, bin_names, 2);
    static const char *const ignored[2] = {"m_jj", "noise"};
    check_ranking_csv(dir, "lep_pt", ignored, 2);

#ifdef HN_HAVE_LIBXML2
    xmlDocPtr doc = load_doc(path);
    CHECK_MSG(doc != NULL, "report.html is well-formed XML");
    if (doc) {
        static const char *const ids[] = {
            "sec-loss", "fig-loss", "fig-val-metric", "sec-roc", "fig-roc", "fig-roc-log", "table-roc",
            "sec-scores", "fig-scores", "table-ks", "sec-inputs", "fig-inputs", "fig-input-0",
            "fig-input-3", "fig-corr-0", "fig-corr-1", "sec-ranking", "fig-ranking", "table-ranking",
            "sec-model", "model-summary", "sec-meta", "table-meta", "config", "data-files"};
        check_ids(doc, ids, (int)(sizeof ids / sizeof ids[0]));
        /* nothing from outside: no scripts, no external references */
        CHECK(xp_count(doc, "//*[local-name()='script']") == 0);
        CHECK(xp_count(doc, "//*[local-name()='link']") == 0);
        CHECK(xp_count(doc, "//@href[starts-with(., 'http')] | //@src") == 0);
        /* the loss plot marks the best epoch */
        char *t = xp_text(doc, "//*[@id='svg-loss']");
        CHECK(t && strstr(t, "best epoch 8 (early stopping)"));
        xmlFree(t);
        CHECK(legend_entries(doc, "svg-loss") == 3);
        CHECK(legend_entries(doc, "svg-roc") == 3);
        CHECK(legend_entries(doc, "svg-scores") == 4);
        /* the AUC of the table against counting pairs */
        t = xp_text(doc, "//*[@id='table-roc']//h:tr[2]/h:td[2]");
        double auc = brute_auc(d.n[1], d.out[1], 1, 0, d.y[1], 1, d.w[1]);
        CHECK_MSG(t && fabs(atof(t) - auc) < 6e-5, "table AUC %s, pairs %.6f", t ? t : "-", auc);
        xmlFree(t);
        t = xp_text(doc, "//*[@id='table-roc']//h:tr[2]/h:td[1]");
        CHECK(t && !strcmp(t, "test"));
        xmlFree(t);
        CHECK(xp_count(doc, "//*[@id='table-roc']//h:tr") == 3); /* header, test, training */
        CHECK(xp_count(doc, "//*[@id='table-roc']//h:tr[1]/h:th") == 8);
        /* KS p-values are probabilities */
        for (int col = 3; col <= 5; col += 2) {
            char expr[96];
            snprintf(expr, sizeof expr, "//*[@id='table-ks']//h:tr[2]/h:td[%d]", col);
            t = xp_text(doc, expr);
            CHECK(t && atof(t) > 0 && atof(t) <= 1);
            xmlFree(t);
        }
        /* metadata and text */
        t = xp_text(doc, "//*[@id='model-summary']");
        CHECK(t && strstr(t, "dense 16 -> 1, sigmoid"));
        xmlFree(t);
        t = xp_text(doc, "//*[@id='table-meta']");
        CHECK(t && strstr(t, "42") && strstr(t, "toy.root:events") && strstr(t, "2026-01-01T00:00:00Z") &&
              strstr(t, "6000") && strstr(t, "host label"));
        xmlFree(t);
        CHECK(xp_count(doc, "//*[@id='data-files']/*") == 6); /* loss roc scores inputs correlation ranking */
        xmlFreeDoc(doc);
    }
    char *html = ru_read(path, NULL);
    CHECK(html != NULL);
    if (html) {
        int n = check_svgs(html);
        CHECK_MSG(n == 2 + 2 + 1 + RS_F + 2 + 1, "%d SVGs", n);
        free(html);
    }
#else
    fprintf(stderr, "  (libxml2 not found at build time: XML checks skipped)\n");
#endif
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

/* ---- multi-class ------------------------------------------------------------------------ */

TEST(multiclass_report)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_MULTICLASS, 1500, 12));
    char *dir = ru_mkdtemp();
    CHECK(dir != NULL);
    if (!dir)
        return;
    char *path = path_in(dir, "report.html");
    hn_report_input in = rs_input(&d);
    hn_error err = {0};
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    check_loss_csv(dir);
    check_scores_csv(dir, 3);
    static const char *const names[3] = {"QCD", "W+jets", "ttbar"};
    check_corr_csv(dir, &d, names, 3);
    ru_csv c;
    if (csv_check(&c, dir, "roc", -1)) {
        for (int k = 0; k < 3; k++)
            check_roc_rows(&c, names[k]);
        ru_csv_free(&c);
    }
    /* confusion matrix against counting by hand */
    double cm[9] = {0};
    for (int64_t i = 0; i < d.n[1]; i++) {
        const float *o = d.out[1] + i * 3;
        int p = 0;
        for (int k = 1; k < 3; k++)
            if (o[k] > o[p])
                p = k;
        cm[(int)d.y[1][i] * 3 + p] += d.w[1][i];
    }
    if (csv_check(&c, dir, "confusion", 9)) {
        int cw = ru_csv_col(&c, "weight"), cf = ru_csv_col(&c, "fraction");
        for (int t = 0; t < 3; t++) {
            double row = cm[t * 3] + cm[t * 3 + 1] + cm[t * 3 + 2], fsum = 0;
            for (int p = 0; p < 3; p++) {
                int r = 1 + t * 3 + p;
                CHECK(!strcmp(ru_csv_get(&c, r, 0), names[t]) && !strcmp(ru_csv_get(&c, r, 1), names[p]));
                CHECK_NEAR(ru_csv_num(&c, r, cw), cm[t * 3 + p], 1e-3);
                CHECK_NEAR(ru_csv_num(&c, r, cf), cm[t * 3 + p] / row, 1e-6);
                fsum += ru_csv_num(&c, r, cf);
            }
            CHECK_NEAR(fsum, 1.0, 1e-5);
        }
        ru_csv_free(&c);
    }
    static const char *const ignored[1] = {"noise"};
    check_ranking_csv(dir, "lep_pt", ignored, 1);
#ifdef HN_HAVE_LIBXML2
    xmlDocPtr doc = load_doc(path);
    CHECK_MSG(doc != NULL, "report.html is well-formed XML");
    if (doc) {
        static const char *const ids[] = {"fig-loss", "sec-confusion", "fig-confusion", "fig-roc-ovr",
                                          "fig-roc-ovr-log", "table-roc", "auc-ovr", "fig-scores",
                                          "fig-scores-0", "fig-scores-2", "table-ks", "fig-corr-0",
                                          "fig-corr-2", "fig-ranking", "table-ranking", "table-meta"};
        check_ids(doc, ids, (int)(sizeof ids / sizeof ids[0]));
        CHECK(xp_count(doc, "//*[@id='table-roc']//h:tr") == 4);
        CHECK(xp_count(doc, "//*[@id='table-ks']//h:tr") == 4);
        CHECK(legend_entries(doc, "svg-roc-ovr") == 4); /* three classes and the random guess */
        for (int k = 0; k < 3; k++) {
            char expr[96];
            snprintf(expr, sizeof expr, "//*[@id='table-roc']//h:tr[%d]/h:td[2]", k + 2);
            char *t = xp_text(doc, expr);
            double auc = brute_auc(d.n[1], d.out[1], 3, k, d.y[1], k, d.w[1]);
            CHECK_MSG(t && fabs(atof(t) - auc) < 6e-5, "class %d AUC %s, pairs %.6f", k, t ? t : "-", auc);
            xmlFree(t);
        }
        /* the confusion matrix has 9 cells with values */
        CHECK(xp_count(doc, "//*[@id='svg-confusion']/*[local-name()='rect' and @stroke='#ffffff']") == 9);
        xmlFreeDoc(doc);
    }
    char *html = ru_read(path, NULL);
    if (html) {
        CHECK(check_svgs(html) == 2 + 1 + 2 + 3 + RS_F + 3 + 1);
        free(html);
    }
#endif
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

/* ---- regression -------------------------------------------------------------------------- */

TEST(regression_report)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_REGRESSION, 2000, 13));
    char *dir = ru_mkdtemp();
    CHECK(dir != NULL);
    if (!dir)
        return;
    char *path = path_in(dir, "report.html");
    hn_report_input in = rs_input(&d);
    hn_error err = {0};
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    check_loss_csv(dir);
    ru_csv c;
    if (csv_check(&c, dir, "residuals", 2 * 50)) {
        /* the test residual density integrates to the in-range fraction's share: 1 */
        double area[2] = {0, 0};
        for (int r = 1; r <= c.n_rows; r++)
            area[r > 50] += ru_csv_num(&c, r, 3) * (ru_csv_num(&c, r, 2) - ru_csv_num(&c, r, 1));
        CHECK_NEAR(area[0], 1, 1e-5);
        CHECK_NEAR(area[1], 1, 1e-5);
        ru_csv_free(&c);
    }
    if (csv_check(&c, dir, "profile", 2 * 50))
        ru_csv_free(&c);
    if (csv_check(&c, dir, "regression", -1)) {
        double total = 0;
        for (int r = 1; r <= c.n_rows; r++)
            total += ru_csv_num(&c, r, 5);
        double all = 0;
        for (int64_t i = 0; i < d.n[1]; i++)
            all += d.w[1][i];
        /* the 2-D histogram holds both targets' events, less the few outside the range */
        CHECK(total > 0.97 * 2 * all && total <= 2 * all + 1e-3);
        ru_csv_free(&c);
    }
    if (csv_check(&c, dir, "correlation", RS_F * RS_F)) {
        CHECK(!strcmp(ru_csv_get(&c, 1, 0), "all events"));
        ru_csv_free(&c);
    }
    static const char *const ignored[1] = {"noise"};
    check_ranking_csv(dir, "lep_pt", ignored, 1);
#ifdef HN_HAVE_LIBXML2
    xmlDocPtr doc = load_doc(path);
    CHECK_MSG(doc != NULL, "report.html is well-formed XML");
    if (doc) {
        static const char *const ids[] = {"fig-loss", "sec-regression", "fig-regression-0", "fig-regression-1",
                                          "fig-residuals-0", "fig-residuals-1", "table-regression",
                                          "fig-inputs", "fig-corr-0", "fig-ranking", "table-ranking"};
        check_ids(doc, ids, (int)(sizeof ids / sizeof ids[0]));
        CHECK(xp_count(doc, "//*[@id='fig-roc']") == 0);
        CHECK(xp_count(doc, "//*[@id='fig-val-metric']") == 0); /* NaN metric: no figure */
        /* MSE of target 0 against a direct sum */
        double sw = 0, se = 0;
        for (int64_t i = 0; i < d.n[1]; i++) {
            double e = (double)d.out[1][i * 2] - d.y[1][i * 2];
            sw += d.w[1][i];
            se += d.w[1][i] * e * e;
        }
        char *t = xp_text(doc, "//*[@id='table-regression']//h:tr[2]/h:td[2]");
        CHECK_MSG(t && fabs(atof(t) / (se / sw) - 1) < 1e-4, "MSE %s, direct %.6g", t ? t : "-", se / sw);
        xmlFree(t);
        t = xp_text(doc, "//*[@id='table-regression']//h:tr[2]/h:td[1]");
        CHECK(t && !strcmp(t, "E_true"));
        xmlFree(t);
        xmlFreeDoc(doc);
    }
    char *html = ru_read(path, NULL);
    if (html) {
        CHECK(check_svgs(html) == 1 + 4 + RS_F + 1 + 1);
        free(html);
    }
#endif
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

/* ---- escaping, degenerate inputs, errors ------------------------------------------------ */

TEST(hostile_text_is_escaped)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_BINARY, 300, 14));
    char *dir = ru_mkdtemp();
    if (!dir)
        return;
    char *path = path_in(dir, "report.html");
    static const char *const feats[RS_F] = {"p_T<50 & \"x\"", "a,b", "</svg><script>alert(1)</script>",
                                            "bad\xff\x01utf8"};
    static const char *const classes[2] = {"bkg & <other>", "sig 'A'"};
    hn_report_input in = rs_input(&d);
    in.feature_names = feats;
    in.class_names = classes;
    in.title = "<b>title</b>";
    in.config_text = "x = \"<&>\"\r\n\x02\xc3\x28\n";
    hn_error err = {0};
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    char *html = ru_read(path, NULL);
    CHECK(html && !strstr(html, "<script") && !strstr(html, "<b>title"));
    free(html);
#ifdef HN_HAVE_LIBXML2
    xmlDocPtr doc = load_doc(path);
    CHECK_MSG(doc != NULL, "a page with hostile names is still well-formed XML");
    if (doc) {
        CHECK(xp_count(doc, "//*[local-name()='script']") == 0);
        char *t = xp_text(doc, "//*[@id='table-ranking']");
        CHECK(t && strstr(t, "p_T<50 & \"x\"") && strstr(t, "</svg><script>alert(1)</script>"));
        CHECK(t && strstr(t, "bad\xef\xbf\xbd\xef\xbf\xbdutf8")); /* two replacement characters */
        xmlFree(t);
        xmlFreeDoc(doc);
    }
#endif
    /* a name with a comma is one quoted CSV field */
    ru_csv c;
    if (csv_check(&c, dir, "ranking", RS_F)) {
        int found = 0;
        for (int r = 1; r <= c.n_rows; r++)
            found += !strcmp(ru_csv_get(&c, r, 1), "a,b");
        CHECK(found == 1);
        ru_csv_free(&c);
    }
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

TEST(degenerate_inputs_give_notes)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_BINARY, 200, 15));
    char *dir = ru_mkdtemp();
    if (!dir)
        return;
    char *path = path_in(dir, "r.htm");
    for (int64_t i = 0; i < d.n[1]; i++)
        d.y[1][i] = 1; /* the test sample has signal only */
    hn_report_input in = rs_input(&d);
    in.history = NULL;
    in.n_epochs = 0;
    in.train.n = 0;
    in.predict = NULL;
    in.test.x = NULL;
    in.model_summary = NULL;
    in.timestamp = NULL;
    hn_error err = {0};
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    char *html = ru_read(path, NULL);
    CHECK(html != NULL);
    if (html) {
        CHECK(strstr(html, "No training history was given."));
        CHECK(strstr(html, "No ROC curve: "));
        CHECK(strstr(html, "input features were not given"));
        CHECK(strstr(html, "No ranking"));
        CHECK(strstr(html, "no overtraining check"));
        free(html);
    }
    /* the CSV files take the page's name without the extension */
    char *p = path_in(dir, "r_scores.csv");
    FILE *f = fopen(p, "r");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    free(p);
#ifdef HN_HAVE_LIBXML2
    xmlDocPtr doc = load_doc(path);
    CHECK(doc != NULL);
    xmlFreeDoc(doc);
#endif
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

TEST(bad_input_and_io_errors)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_BINARY, 100, 16));
    char *dir = ru_mkdtemp();
    if (!dir)
        return;
    char *path = path_in(dir, "report.html");
    hn_error err = {0};
    hn_report_input in = rs_input(&d);
    CHECK(hn_report_write(NULL, &in, &err) == HN_ERR_ARG);
    CHECK(hn_report_write(path, NULL, &err) == HN_ERR_ARG);

    in.test.n = 0;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_ARG);
    CHECK(strstr(err.msg, "test sample is empty"));
    in = rs_input(&d);
    in.test.output = NULL;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_ARG);
    in = rs_input(&d);
    in.n_outputs = 2;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_ARG);
    in = rs_input(&d);
    in.task = (hn_task)7;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_ARG);

    in = rs_input(&d);
    float keep = d.y[1][5];
    d.y[1][5] = 2;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err.msg, "y[5]"), "%s", err.msg);
    d.y[1][5] = keep;

    d.fail_predict = 1;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_BACKEND);
    CHECK_MSG(strstr(err.msg, "synthetic model failure"), "%s", err.msg);
    d.fail_predict = 0;
    CHECK(ru_count_files(dir, "") == 0 || ru_count_files(dir, "report.html") == 0);

    /* an unwritable place: no file, no temporary left */
    char *bad = path_in(dir, "missing/report.html");
    CHECK(hn_report_write(bad, &in, &err) == HN_ERR_IO);
    CHECK(strstr(err.msg, "missing"));
    free(bad);

    /* multi-class ids out of range */
    rs_data m;
    CHECK(rs_make(&m, HN_TASK_MULTICLASS, 50, 17));
    hn_report_input im = rs_input(&m);
    m.y[0][3] = 3;
    CHECK(hn_report_write(path, &im, &err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err.msg, "training") && strstr(err.msg, "y[3]"), "%s", err.msg);
    CHECK(ru_count_files(dir, ".tmp") == 0);
    rs_free(&m);

    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

TEST(non_finite_outputs_give_notes)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_BINARY, 300, 18));
    char *dir = ru_mkdtemp();
    if (!dir)
        return;
    char *path = path_in(dir, "report.html");
    d.out[1][7] = NAN; /* a diverged network */
    hn_report_input in = rs_input(&d);
    in.predict = NULL;
    hn_error err = {0};
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    char *html = ru_read(path, NULL);
    CHECK(html && strstr(html, "No ROC curve: ") && strstr(html, "score[7] is NaN"));
    /* without a model the binary ranking falls back to the separation */
    CHECK(html && strstr(html, "separation of the input"));
    free(html);
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    rs_free(&d);
}

/* With a real hepnn model behind the ranking callback. */
TEST(ranking_with_a_model)
{
    rs_data d;
    CHECK(rs_make(&d, HN_TASK_BINARY, 400, 19));
    const hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 8, .init = HN_INIT_XAVIER_UNIFORM},
                                    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_TANH}};
    hn_model_spec spec = {.n_inputs = RS_F, .n_outputs = 1, .task = HN_TASK_BINARY, .n_layers = 2,
                          .layers = layers, .seed = 3};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    char *dir = ru_mkdtemp();
    if (!m || !dir) {
        hn_model_free(m);
        free(dir);
        rs_free(&d);
        return;
    }
    for (int s = 0; s < 2; s++)
        CHECK_OK(hn_model_predict(m, d.x[s], d.n[s], d.out[s], &err), &err);
    char *path = path_in(dir, "report.html");
    hn_report_input in = rs_input(&d);
    in.predict = hn_report_predict_model;
    in.predict_user = m;
    CHECK_OK(hn_report_write(path, &in, &err), &err);
    ru_csv c;
    if (csv_check(&c, dir, "ranking", RS_F)) {
        /* a random network uses every input: some importance is non-zero */
        int nonzero = 0;
        for (int r = 1; r <= c.n_rows; r++)
            nonzero += ru_csv_num(&c, r, 2) != 0;
        CHECK(nonzero > 0);
        ru_csv_free(&c);
    }
    in.predict_user = NULL;
    CHECK(hn_report_write(path, &in, &err) == HN_ERR_ARG);
    ru_rmtree(dir, 0);
    free(dir);
    free(path);
    hn_model_free(m);
    rs_free(&d);
}

int main(void)
{
    RUN(binary_report);
    RUN(multiclass_report);
    RUN(regression_report);
    RUN(hostile_text_is_escaped);
    RUN(degenerate_inputs_give_notes);
    RUN(bad_input_and_io_errors);
    RUN(non_finite_outputs_give_notes);
    RUN(ranking_with_a_model);
#ifdef HN_HAVE_LIBXML2
    xmlCleanupParser();
#endif
    return TEST_SUMMARY();
}
