/* ROC curve, AUC, TMVA working points, significance and best cut, against
 * scikit-learn / numpy / mpmath references (tools/fixtures/gen_metrics.py). */
#include "harness.h"
#include "hepnn/metrics.h"
#include "hepnn/rng.h"
#include "metrics_fixture.h"

static const char *roc_cases[] = {"continuous_unweighted", "ties_weighted",
                                  "negative_signal_weights", "negative_background_weights",
                                  "class_ids_signal_2"};

static void check_case(const fx_file *f, const char *name, int use_float)
{
    const fx_array *score = fx_need(f, name, "score"), *label = fx_need(f, name, "label");
    const fx_array *sl = fx_need(f, name, "signal_label"), *weight = fx_get(f, name, "weight");
    const fx_array *auc_ref = fx_need(f, name, "auc"), *thr = fx_need(f, name, "threshold");
    const fx_array *es = fx_need(f, name, "eff_s"), *eb = fx_need(f, name, "eff_b");
    const fx_array *rej = fx_need(f, name, "rejection_at_eff_s");
    const fx_array *effs = fx_need(f, name, "eff_s_at_eff_b");
    const fx_array *sum_s = fx_need(f, name, "sum_s"), *sum_b = fx_need(f, name, "sum_b");
    const fx_array *min_b = fx_need(f, name, "min_b"), *cut = fx_need(f, name, "best_cut");
    const fx_array *cut0 = fx_need(f, name, "best_cut_no_min");
    CHECK(score && label && sl && auc_ref && thr && es && eb && rej && effs && sum_s && sum_b &&
          min_b && cut && cut0);
    if (!(score && label && sl && auc_ref && thr && es && eb && rej && effs && sum_s && sum_b &&
          min_b && cut && cut0))
        return;
    int32_t *lab = fx_int32(label);
    float *sf = fx_float(score), *wf = weight ? fx_float(weight) : NULL;
    hn_binary_input in;
    in.n = score->n;
    in.label = lab;
    in.signal_label = (int32_t)sl->v[0];
    in.score = use_float ? hn_reals_f32(sf) : hn_reals_f64(score->v);
    in.weight = !weight ? hn_reals_none() : use_float ? hn_reals_f32(wf) : hn_reals_f64(weight->v);

    hn_error err_ = {0}, *err = &err_;
    double auc = -1;
    CHECK_OK(hn_auc(&in, &auc, err), err);
    CHECK_NEAR(auc, auc_ref->v[0], 1e-9);

    hn_roc roc;
    CHECK_OK(hn_roc_compute(&in, &roc, err), err);
    CHECK_MSG(roc.n_points == es->n, "%s: %zu points, reference %zu", name, roc.n_points, es->n);
    if (roc.n_points == es->n) {
        double worst = 0;
        for (size_t k = 0; k < es->n; k++) {
            worst = fmax(worst, fabs(roc.eff_s[k] - es->v[k]));
            worst = fmax(worst, fabs(roc.eff_b[k] - eb->v[k]));
            CHECK(roc.threshold[k] == thr->v[k]);
        }
        CHECK_MSG(worst < 1e-9, "%s: ROC points differ by %g", name, worst);
    }
    CHECK_NEAR(roc.sum_s, sum_s->v[0], 1e-9 * fabs(sum_s->v[0]));
    CHECK_NEAR(roc.sum_b, sum_b->v[0], 1e-9 * fabs(sum_b->v[0]));
    CHECK_NEAR(hn_roc_auc(&roc), auc_ref->v[0], 1e-9);

    hn_roc_summary sum;
    CHECK_OK(hn_roc_summarize(&roc, &sum, err), err);
    CHECK_NEAR(sum.auc, auc_ref->v[0], 1e-9);
    for (int i = 0; i < 3; i++) {
        if (isinf(rej->v[i]))
            CHECK(isinf(sum.rejection_at_eff_s[i]));
        else
            CHECK_NEAR(sum.rejection_at_eff_s[i], rej->v[i], 1e-9 * rej->v[i]);
        CHECK_NEAR(sum.eff_s_at_eff_b[i], effs->v[i], 1e-9);
    }
    hn_roc_free(&roc);
    CHECK(roc.n_points == 0 && roc.eff_s == NULL);

    for (int kind = 0; kind < 3; kind++) {
        for (int with_min = 0; with_min < 2; with_min++) {
            const double *ref = (with_min ? cut->v : cut0->v) + 4 * kind;
            hn_cut c;
            CHECK_OK(hn_best_cut(&in, (hn_significance_kind)kind, with_min ? min_b->v[0] : 0, &c,
                                 err),
                     err);
            CHECK_MSG(c.threshold == ref[0], "%s kind %d: threshold %.9g, reference %.9g", name,
                      kind, c.threshold, ref[0]);
            CHECK_NEAR(c.s, ref[1], 1e-9 * fabs(ref[1]) + 1e-12);
            CHECK_NEAR(c.b, ref[2], 1e-9 * fabs(ref[2]) + 1e-12);
            CHECK_NEAR(c.z, ref[3], 1e-9 * fabs(ref[3]));
        }
    }
    free(lab);
    free(sf);
    free(wf);
}

TEST(roc_auc_and_working_points_match_references)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_roc.txt") == 0);
    for (size_t i = 0; i < sizeof roc_cases / sizeof roc_cases[0]; i++) {
        check_case(&f, roc_cases[i], 0);
        check_case(&f, roc_cases[i], 1); /* float scores and weights: same values */
    }
    /* the negative-background case is one scikit-learn refuses; make sure the
     * fixture still exercises it */
    const fx_array *src = fx_get(&f, "negative_background_weights", "auc_from_sklearn");
    CHECK(src && src->v[0] == 0);
    fx_free(&f);
}

TEST(significance_formulas)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_roc.txt") == 0);
    const fx_array *s = fx_need(&f, "significance", "s"), *b = fx_need(&f, "significance", "b");
    const fx_array *z = fx_need(&f, "significance", "z");
    CHECK(s && b && z);
    if (s && b && z) {
        for (size_t i = 0; i < s->n; i++) {
            double S = s->v[i], B = b->v[i];
            CHECK_NEAR(hn_significance_s_sqrt_b(S, B), z->v[3 * i], 1e-12 * z->v[3 * i]);
            CHECK_NEAR(hn_significance_s_sqrt_sb(S, B), z->v[3 * i + 1], 1e-12 * z->v[3 * i + 1]);
            /* relative 1e-9 even where the textbook formula loses every digit */
            CHECK_NEAR(hn_significance_asimov(S, B), z->v[3 * i + 2], 1e-9 * z->v[3 * i + 2]);
            CHECK_NEAR(hn_significance(HN_SIGNIFICANCE_ASIMOV, S, B), z->v[3 * i + 2],
                       1e-9 * z->v[3 * i + 2]);
        }
    }
    fx_free(&f);
    CHECK(isnan(hn_significance_s_sqrt_b(1, 0)));
    CHECK(isnan(hn_significance_asimov(1, -1)));
    CHECK(isnan(hn_significance_asimov(-2, 1)));
    CHECK(hn_significance_asimov(-0.5, 1) < 0); /* a deficit has negative significance */
    CHECK(hn_significance_asimov(0, 3) == 0);
}

/* A small hand-made example: the curve and the working points by hand. */
TEST(roc_by_hand_with_ties)
{
    /* scores 0.9 S, 0.8 B, 0.8 S (tie), 0.4 B, 0.1 S */
    double sc[] = {0.8, 0.9, 0.4, 0.8, 0.1};
    int32_t lab[] = {0, 1, 0, 1, 1};
    hn_binary_input in = hn_binary_input_make(5, hn_reals_f64(sc), lab, hn_reals_none());
    hn_roc roc;
    hn_error err_ = {0}, *err = &err_;
    CHECK_OK(hn_roc_compute(&in, &roc, err), err);
    CHECK(roc.n_points == 5);
    if (roc.n_points == 5) {
        double es[] = {0, 1. / 3, 2. / 3, 2. / 3, 1}, eb[] = {0, 0, 0.5, 1, 1};
        for (int k = 0; k < 5; k++) {
            CHECK_NEAR(roc.eff_s[k], es[k], 1e-15);
            CHECK_NEAR(roc.eff_b[k], eb[k], 1e-15);
        }
        CHECK(isinf(roc.threshold[0]) && roc.threshold[1] == 0.9 && roc.threshold[4] == 0.1);
    }
    /* pairs: S.9 beats both B; S.8 ties B.8 (1/2), beats B.4; S.1 beats none: 3.5/6 */
    CHECK_NEAR(hn_roc_auc(&roc), 3.5 / 6, 1e-15);
    double v;
    /* eff_s = 0.5 lies on the tied segment (1/3,0) -> (2/3,0.5): eff_b = 0.25 */
    CHECK_OK(hn_roc_eff_b_at_eff_s(&roc, 0.5, &v, err), err);
    CHECK_NEAR(v, 0.25, 1e-15);
    CHECK_OK(hn_roc_rejection_at_eff_s(&roc, 0.5, &v, err), err);
    CHECK_NEAR(v, 4.0, 1e-12);
    /* eff_s = 1/3 is reached with no background: infinite rejection */
    CHECK_OK(hn_roc_rejection_at_eff_s(&roc, 0.3, &v, err), err);
    CHECK(isinf(v));
    /* eff_s = 2/3 exactly: the tightest cut reaching it has eff_b = 0.5, not 1 */
    CHECK_OK(hn_roc_eff_b_at_eff_s(&roc, 2.0 / 3, &v, err), err);
    CHECK_NEAR(v, 0.5, 1e-15);
    /* eff_b = 0.5: the loosest cut staying at 0.5 keeps eff_s = 2/3 */
    CHECK_OK(hn_roc_eff_s_at_eff_b(&roc, 0.5, &v, err), err);
    CHECK_NEAR(v, 2.0 / 3, 1e-15);
    CHECK_OK(hn_roc_eff_s_at_eff_b(&roc, 0.25, &v, err), err);
    CHECK_NEAR(v, 0.5, 1e-15);
    CHECK(hn_roc_eff_s_at_eff_b(&roc, 1.5, &v, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "outside [0, 1]") != NULL);
    hn_roc_free(&roc);
    hn_roc_free(&roc); /* twice is harmless */
    hn_roc_free(NULL);
}

TEST(all_tied_and_adversarial_orders)
{
    /* every score equal: one step, AUC exactly 1/2, whatever the order; large
     * enough that a quadratic sort on sorted or constant input would show */
    size_t n = 200000;
    double *sc = malloc(n * sizeof *sc);
    int32_t *lab = malloc(n * sizeof *lab);
    for (size_t i = 0; i < n; i++) {
        sc[i] = 0.25;
        lab[i] = (int32_t)(i % 3 == 0);
    }
    hn_binary_input in = hn_binary_input_make(n, hn_reals_f64(sc), lab, hn_reals_none());
    hn_error err_ = {0}, *err = &err_;
    double auc = 0;
    CHECK_OK(hn_auc(&in, &auc, err), err);
    CHECK(auc == 0.5);
    /* ascending scores with labels by score: perfect separation, AUC 1 */
    for (size_t i = 0; i < n; i++) {
        sc[i] = (double)i;
        lab[i] = i >= n / 2;
    }
    CHECK_OK(hn_auc(&in, &auc, err), err);
    CHECK(auc == 1.0);
    /* descending: AUC 0 */
    for (size_t i = 0; i < n; i++)
        sc[i] = -(double)i;
    CHECK_OK(hn_auc(&in, &auc, err), err);
    CHECK(auc == 0.0);
    /* random scores with few distinct values against an O(n)-per-value count */
    hn_rng r;
    hn_rng_seed(&r, 5);
    double ws[8] = {0}, wb[8] = {0};
    for (size_t i = 0; i < n; i++) {
        int v = (int)hn_rng_below(&r, 8);
        sc[i] = v;
        lab[i] = hn_rng_uniform(&r) < 0.3 + 0.05 * v;
        if (lab[i])
            ws[v] += 1;
        else
            wb[v] += 1;
    }
    double num = 0, S = 0, B = 0;
    for (int v = 0; v < 8; v++) {
        double below = 0;
        for (int u = 0; u < v; u++)
            below += wb[u];
        num += ws[v] * (below + 0.5 * wb[v]);
        S += ws[v];
        B += wb[v];
    }
    CHECK_OK(hn_auc(&in, &auc, err), err);
    CHECK_NEAR(auc, num / (S * B), 1e-12);
    free(sc);
    free(lab);
}

TEST(bad_inputs_give_statuses_and_messages)
{
    double sc[] = {0.1, 0.7, NAN, 0.3};
    int32_t lab[] = {0, 1, 1, 0};
    double w[] = {1, 1, 1, 1};
    hn_binary_input in = hn_binary_input_make(4, hn_reals_f64(sc), lab, hn_reals_f64(w));
    hn_error err_ = {0}, *err = &err_;
    double auc;
    hn_roc roc;
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err->msg, "score[2] is NaN") != NULL, "%s", err->msg);
    CHECK(hn_roc_compute(&in, &roc, err) == HN_ERR_NUMERIC);
    CHECK(roc.n_points == 0 && roc.eff_s == NULL);
    sc[2] = INFINITY;
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_NUMERIC);
    CHECK(strstr(err->msg, "score[2] is infinite") != NULL);
    sc[2] = 0.5;
    w[3] = NAN;
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err->msg, "weight[3] is NaN") != NULL, "%s", err->msg);
    w[3] = 1;

    /* one class only */
    int32_t ones[] = {1, 1, 1, 1};
    in.label = ones;
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "only one class") != NULL, "%s", err->msg);
    CHECK(hn_roc_compute(&in, &roc, err) == HN_ERR_ARG);
    in.signal_label = 7; /* no event has label 7: no signal */
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "background") != NULL);
    in.label = lab;
    in.signal_label = 1;

    /* zero and negative total weight of one class */
    double wz[] = {1, 0, 0, 1};
    in.weight = hn_reals_f64(wz);
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "total signal weight is 0") != NULL, "%s", err->msg);
    double wn[] = {1, 1, 1, -2};
    in.weight = hn_reals_f64(wn);
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "background") != NULL);
    in.weight = hn_reals_f64(w);

    /* empty and NULL */
    in.n = 0;
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "empty") != NULL);
    in.n = 4;
    CHECK(hn_auc(NULL, &auc, err) == HN_ERR_ARG);
    CHECK(hn_auc(&in, NULL, err) == HN_ERR_ARG);
    CHECK(hn_auc(&in, &auc, NULL) == HN_OK); /* a NULL error is fine */
    in.label = NULL;
    CHECK(hn_auc(&in, &auc, NULL) == HN_ERR_ARG);
    in.label = lab;
    in.score.type = (hn_real_type)9;
    CHECK(hn_auc(&in, &auc, err) == HN_ERR_ARG);
    in.score = hn_reals_f64(sc);

    /* best cut: no candidate */
    hn_cut c;
    CHECK(hn_best_cut(&in, HN_SIGNIFICANCE_ASIMOV, 100.0, &c, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "no cut") != NULL);
    CHECK(hn_best_cut(&in, (hn_significance_kind)42, 0, &c, err) == HN_ERR_ARG);
    CHECK_OK(hn_best_cut(&in, HN_SIGNIFICANCE_S_SQRT_B, 0, &c, err), err);

    /* working points on an empty curve */
    hn_roc empty = {0};
    double v;
    CHECK(hn_roc_eff_b_at_eff_s(&empty, 0.5, &v, err) == HN_ERR_ARG);
    CHECK(isnan(hn_roc_auc(&empty)));
    hn_roc_summary s;
    CHECK(hn_roc_summarize(&empty, &s, err) == HN_ERR_ARG);
}

TEST(thinned_curve_keeps_its_shape)
{
    size_t n = 50000;
    double *sc = malloc(n * sizeof *sc), *w = malloc(n * sizeof *w);
    int32_t *lab = malloc(n * sizeof *lab);
    hn_rng r;
    hn_rng_seed(&r, 11);
    for (size_t i = 0; i < n; i++) {
        lab[i] = hn_rng_uniform(&r) < 0.4;
        sc[i] = hn_rng_normal(&r) + 1.5 * lab[i];
        w[i] = hn_rng_uniform(&r) < 0.1 ? -0.3 : 1.0; /* a non-monotonic curve */
    }
    hn_binary_input in = hn_binary_input_make(n, hn_reals_f64(sc), lab, hn_reals_none());
    hn_error err_ = {0}, *err = &err_;
    for (int weighted = 0; weighted < 2; weighted++) {
        in.weight = weighted ? hn_reals_f64(w) : hn_reals_none();
        hn_roc roc, thin;
        CHECK_OK(hn_roc_compute(&in, &roc, err), err);
        CHECK_OK(hn_roc_thin(&roc, 200, &thin, err), err);
        CHECK(thin.n_points <= 200 && thin.n_points >= 50);
        CHECK(isinf(thin.threshold[0]) && thin.eff_s[thin.n_points - 1] == 1.0);
        CHECK(thin.threshold[thin.n_points - 1] == roc.threshold[roc.n_points - 1]);
        if (!weighted)
            CHECK_NEAR(hn_roc_auc(&thin), hn_roc_auc(&roc), 2.0 / 198);
        /* thresholds stay a decreasing subsequence of the original ones */
        size_t j = 0;
        for (size_t k = 0; k < thin.n_points; k++) {
            while (j < roc.n_points && roc.threshold[j] != thin.threshold[k])
                j++;
            CHECK(j < roc.n_points && roc.eff_s[j] == thin.eff_s[k] && roc.eff_b[j] == thin.eff_b[k]);
        }
        hn_roc small;
        CHECK(hn_roc_thin(&roc, 2, &small, err) == HN_ERR_ARG);
        hn_roc_free(&thin);
        CHECK_OK(hn_roc_thin(&roc, roc.n_points + 5, &thin, err), err); /* fits: a copy */
        CHECK(thin.n_points == roc.n_points && thin.eff_b != roc.eff_b);
        hn_roc_free(&thin);
        hn_roc_free(&roc);
    }
    free(sc);
    free(w);
    free(lab);
}

int main(void)
{
    RUN(roc_auc_and_working_points_match_references);
    RUN(significance_formulas);
    RUN(roc_by_hand_with_ties);
    RUN(all_tied_and_adversarial_orders);
    RUN(bad_inputs_give_statuses_and_messages);
    RUN(thinned_curve_keeps_its_shape);
    return TEST_SUMMARY();
}
