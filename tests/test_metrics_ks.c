/* Kolmogorov–Smirnov tests against scipy (exact two-sample distribution, the
 * Kolmogorov limit) and a numpy weighted-ECDF reference. */
#include "harness.h"
#include "hepnn/metrics.h"
#include "metrics_fixture.h"

static const char *exact_cases[] = {"shifted_40_60", "equal_sizes_50", "ties_70_45",
                                    "same_parent_300_240", "tiny_p_120_90"};

TEST(unweighted_matches_scipy)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_ks.txt") == 0);
    hn_error err_ = {0}, *err = &err_;
    for (size_t c = 0; c < sizeof exact_cases / sizeof exact_cases[0]; c++) {
        const char *name = exact_cases[c];
        const fx_array *x1 = fx_need(&f, name, "x1"), *x2 = fx_need(&f, name, "x2");
        const fx_array *d = fx_need(&f, name, "d"), *pe = fx_need(&f, name, "p_exact");
        const fx_array *pa = fx_need(&f, name, "p_asymp");
        CHECK(x1 && x2 && d && pe && pa);
        if (!(x1 && x2 && d && pe && pa))
            continue;
        float *f1 = fx_float(x1), *f2 = fx_float(x2);
        hn_ks_result r;
        for (int single = 0; single < 2; single++) {
            hn_reals a = single ? hn_reals_f32(f1) : hn_reals_f64(x1->v);
            hn_reals b = single ? hn_reals_f32(f2) : hn_reals_f64(x2->v);
            CHECK_OK(hn_ks_2samp(x1->n, a, x2->n, b, HN_KS_EXACT, &r, err), err);
            CHECK_NEAR(r.d, d->v[0], 1e-12);
            CHECK(r.method == HN_KS_EXACT);
            CHECK_MSG(fabs(r.p_value - pe->v[0]) <= 1e-9 + 1e-7 * pe->v[0],
                      "%s: exact p %.12g, scipy %.12g", name, r.p_value, pe->v[0]);
            /* tiny p-values keep their relative precision (no 1 - P cancellation) */
            if (pe->v[0] < 1e-9)
                CHECK_NEAR(r.p_value / pe->v[0], 1.0, 1e-6);
            /* these sizes are below 10000: AUTO is exact, as in scipy */
            hn_ks_result ra;
            CHECK_OK(hn_ks_2samp(x1->n, a, x2->n, b, HN_KS_AUTO, &ra, err), err);
            CHECK(ra.method == HN_KS_EXACT && ra.p_value == r.p_value);
            CHECK_OK(hn_ks_2samp(x1->n, a, x2->n, b, HN_KS_ASYMP, &ra, err), err);
            CHECK(ra.method == HN_KS_ASYMP);
            CHECK_NEAR(ra.p_value, pa->v[0], 1e-9);
            /* the weighted test with unit weights is the asymptotic test */
            hn_ks_result rw;
            CHECK_OK(hn_ks_2samp_weighted(x1->n, a, hn_reals_none(), x2->n, b, hn_reals_none(),
                                          &rw, err),
                     err);
            CHECK_NEAR(rw.d, d->v[0], 1e-12);
            CHECK_NEAR(rw.p_value, pa->v[0], 1e-9);
            CHECK_NEAR(rw.n_eff1, (double)x1->n, 1e-9);
            /* swapping the samples changes nothing */
            CHECK_OK(hn_ks_2samp(x2->n, b, x1->n, a, HN_KS_EXACT, &ra, err), err);
            CHECK_NEAR(ra.p_value, r.p_value, 1e-12);
        }
        free(f1);
        free(f2);
    }
    fx_free(&f);
}

TEST(weighted_matches_numpy)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_ks.txt") == 0);
    hn_error err_ = {0}, *err = &err_;
    const char *names[] = {"weighted_positive", "weighted_with_negative"};
    for (int c = 0; c < 2; c++) {
        const fx_array *x1 = fx_need(&f, names[c], "x1"), *x2 = fx_need(&f, names[c], "x2");
        const fx_array *w1 = fx_need(&f, names[c], "w1"), *w2 = fx_need(&f, names[c], "w2");
        const fx_array *d = fx_need(&f, names[c], "d"), *p = fx_need(&f, names[c], "p");
        const fx_array *n1 = fx_need(&f, names[c], "n_eff1"), *n2 = fx_need(&f, names[c], "n_eff2");
        CHECK(x1 && x2 && w1 && w2 && d && p && n1 && n2);
        if (!(x1 && x2 && w1 && w2 && d && p && n1 && n2))
            continue;
        hn_ks_result r;
        CHECK_OK(hn_ks_2samp_weighted(x1->n, hn_reals_f64(x1->v), hn_reals_f64(w1->v), x2->n,
                                      hn_reals_f64(x2->v), hn_reals_f64(w2->v), &r, err),
                 err);
        CHECK_NEAR(r.d, d->v[0], 1e-12);
        CHECK_NEAR(r.p_value, p->v[0], 1e-9);
        CHECK_NEAR(r.n_eff1, n1->v[0], 1e-9 * n1->v[0]);
        CHECK_NEAR(r.n_eff2, n2->v[0], 1e-9 * n2->v[0]);
        CHECK(r.method == HN_KS_ASYMP);
    }
    fx_free(&f);
}

TEST(kolmogorov_distribution)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_ks.txt") == 0);
    const fx_array *z = fx_need(&f, "kolmogorov_sf", "z"), *q = fx_need(&f, "kolmogorov_sf", "q");
    CHECK(z && q);
    if (z && q)
        for (size_t i = 0; i < z->n; i++)
            CHECK_MSG(fabs(hn_kolmogorov_sf(z->v[i]) - q->v[i]) <= 1e-12 + 1e-9 * q->v[i],
                      "z %g: %.15g vs scipy %.15g", z->v[i], hn_kolmogorov_sf(z->v[i]), q->v[i]);
    fx_free(&f);
    CHECK(hn_kolmogorov_sf(0) == 1 && hn_kolmogorov_sf(-1) == 1 && hn_kolmogorov_sf(NAN) == 1);
    CHECK(hn_kolmogorov_sf(40) == 0);
}

TEST(overtraining_check_per_class)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_ks.txt") == 0);
    hn_error err_ = {0}, *err = &err_;
    /* signal: train x1 of one case vs test x2; background: another case */
    const fx_array *s1 = fx_need(&f, "shifted_40_60", "x1"), *s2 = fx_need(&f, "shifted_40_60", "x2");
    const fx_array *b1 = fx_need(&f, "ties_70_45", "x1"), *b2 = fx_need(&f, "ties_70_45", "x2");
    const fx_array *ps = fx_need(&f, "shifted_40_60", "p_exact");
    const fx_array *pb = fx_need(&f, "ties_70_45", "p_exact");
    CHECK(s1 && s2 && b1 && b2 && ps && pb);
    if (!(s1 && s2 && b1 && b2 && ps && pb)) {
        fx_free(&f);
        return;
    }
    /* interleave the classes so that the selection by label is exercised */
    size_t ntr = s1->n + b1->n, nte = s2->n + b2->n;
    double *tr = malloc(ntr * sizeof *tr), *te = malloc(nte * sizeof *te);
    int32_t *ltr = malloc(ntr * sizeof *ltr), *lte = malloc(nte * sizeof *lte);
    size_t is = 0, ib = 0;
    for (size_t i = 0; i < ntr; i++) {
        int sig = (i % 2 == 0 && is < s1->n) || ib >= b1->n;
        tr[i] = sig ? s1->v[is++] : b1->v[ib++];
        ltr[i] = sig ? 3 : 0;
    }
    is = ib = 0;
    for (size_t i = 0; i < nte; i++) {
        int sig = (i % 3 == 0 && is < s2->n) || ib >= b2->n;
        te[i] = sig ? s2->v[is++] : b2->v[ib++];
        lte[i] = sig ? 3 : 1;
    }
    hn_binary_input train = hn_binary_input_make(ntr, hn_reals_f64(tr), ltr, hn_reals_none());
    hn_binary_input test = hn_binary_input_make(nte, hn_reals_f64(te), lte, hn_reals_none());
    train.signal_label = test.signal_label = 3;
    hn_ks_result rs, rb;
    CHECK_OK(hn_ks_overtraining(&train, &test, HN_KS_AUTO, &rs, &rb, err), err);
    CHECK_NEAR(rs.p_value, ps->v[0], 1e-9 + 1e-7 * ps->v[0]);
    CHECK_NEAR(rb.p_value, pb->v[0], 1e-9 + 1e-7 * pb->v[0]);
    CHECK(rs.n_eff1 == (double)s1->n && rb.n_eff2 == (double)b2->n);
    /* with weights it switches to the weighted test: unit weights give the asymptotic p */
    double *ones = malloc(ntr * sizeof *ones);
    for (size_t i = 0; i < ntr; i++)
        ones[i] = 1;
    train.weight = hn_reals_f64(ones);
    const fx_array *pa = fx_need(&f, "shifted_40_60", "p_asymp");
    CHECK_OK(hn_ks_overtraining(&train, &test, HN_KS_AUTO, &rs, &rb, err), err);
    CHECK(rs.method == HN_KS_ASYMP);
    if (pa)
        CHECK_NEAR(rs.p_value, pa->v[0], 1e-9);
    /* a test sample without signal */
    test.signal_label = train.signal_label = 0;
    CHECK(hn_ks_overtraining(&train, &test, HN_KS_AUTO, &rs, &rb, err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "no signal events in the test sample") != NULL, "%s", err->msg);
    free(ones);
    free(tr);
    free(te);
    free(ltr);
    free(lte);
    fx_free(&f);
}

TEST(identical_and_disjoint_samples)
{
    hn_error err_ = {0}, *err = &err_;
    double a[] = {1, 2, 3, 4}, b[] = {10, 11, 12};
    hn_ks_result r;
    CHECK_OK(hn_ks_2samp(4, hn_reals_f64(a), 4, hn_reals_f64(a), HN_KS_EXACT, &r, err), err);
    CHECK(r.d == 0 && r.p_value == 1);
    /* disjoint: D = 1 and p = 2 / C(7, 3) = 2/35 (the two orderings that separate fully) */
    CHECK_OK(hn_ks_2samp(4, hn_reals_f64(a), 3, hn_reals_f64(b), HN_KS_EXACT, &r, err), err);
    CHECK(r.d == 1);
    CHECK_NEAR(r.p_value, 2.0 / 35.0, 1e-15);
}

TEST(bad_inputs)
{
    hn_error err_ = {0}, *err = &err_;
    double a[] = {1, 2, NAN, 4}, b[] = {1, 2};
    hn_ks_result r;
    CHECK(hn_ks_2samp(4, hn_reals_f64(a), 2, hn_reals_f64(b), HN_KS_AUTO, &r, err) ==
          HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err->msg, "x1[2] is NaN") != NULL, "%s", err->msg);
    CHECK(hn_ks_2samp(0, hn_reals_f64(a), 2, hn_reals_f64(b), HN_KS_AUTO, &r, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "empty") != NULL);
    CHECK(hn_ks_2samp(2, hn_reals_f64(b), 2, hn_reals_f64(b), (hn_ks_method)7, &r, err) ==
          HN_ERR_ARG);
    CHECK(hn_ks_2samp(2, hn_reals_f64(b), 2, hn_reals_f64(b), HN_KS_AUTO, NULL, err) == HN_ERR_ARG);
    double w[] = {1, -1};
    CHECK(hn_ks_2samp_weighted(2, hn_reals_f64(b), hn_reals_f64(w), 2, hn_reals_f64(b),
                               hn_reals_none(), &r, err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "total weights") != NULL, "%s", err->msg);
    double wn[] = {1, INFINITY};
    CHECK(hn_ks_2samp_weighted(2, hn_reals_f64(b), hn_reals_none(), 2, hn_reals_f64(b),
                               hn_reals_f64(wn), &r, err) == HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err->msg, "w2[1] is infinite") != NULL, "%s", err->msg);
    /* EXACT on samples too large for it is refused, not run for hours */
    size_t n = 40000;
    double *big = malloc(n * sizeof *big);
    for (size_t i = 0; i < n; i++)
        big[i] = (double)((i * 7919) % n);
    CHECK(hn_ks_2samp(n, hn_reals_f64(big), n, hn_reals_f64(big), HN_KS_EXACT, &r, err) ==
          HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "asymptotic") != NULL, "%s", err->msg);
    /* AUTO goes asymptotic there (identical samples: D = 0, p = 1) */
    CHECK_OK(hn_ks_2samp(n, hn_reals_f64(big), n, hn_reals_f64(big), HN_KS_AUTO, &r, err), err);
    CHECK(r.method == HN_KS_ASYMP && r.d == 0 && r.p_value == 1);
    free(big);
}

int main(void)
{
    RUN(unweighted_matches_scipy);
    RUN(weighted_matches_numpy);
    RUN(kolmogorov_distribution);
    RUN(overtraining_check_per_class);
    RUN(identical_and_disjoint_samples);
    RUN(bad_inputs);
    return TEST_SUMMARY();
}
