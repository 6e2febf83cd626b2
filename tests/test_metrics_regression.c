/* Regression errors and resolution against scikit-learn and numpy. */
#include "harness.h"
#include "hepnn/metrics.h"
#include "metrics_fixture.h"

TEST(regression_matches_references)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_regression.txt") == 0);
    hn_error err_ = {0}, *err = &err_;
    const char *names[] = {"unweighted", "weighted"};
    for (int c = 0; c < 2; c++) {
        const char *nm = names[c];
        const fx_array *pred = fx_need(&f, nm, "pred"), *truth = fx_need(&f, nm, "truth");
        const fx_array *w = fx_get(&f, nm, "weight"), *mse = fx_need(&f, nm, "mse");
        const fx_array *mae = fx_need(&f, nm, "mae"), *bias = fx_need(&f, nm, "bias");
        const fx_array *sig = fx_need(&f, nm, "sigma"), *med = fx_need(&f, nm, "median");
        const fx_array *rob = fx_need(&f, nm, "sigma_robust");
        CHECK(pred && truth && mse && mae && bias && sig && med && rob);
        if (!(pred && truth && mse && mae && bias && sig && med && rob))
            continue;
        CHECK(c == 0 || w != NULL);
        float *pf = fx_float(pred), *tf = fx_float(truth);
        for (int single = 0; single < 2; single++) {
            hn_reals p = single ? hn_reals_f32(pf) : hn_reals_f64(pred->v);
            hn_reals t = single ? hn_reals_f32(tf) : hn_reals_f64(truth->v);
            hn_reals wr = w ? hn_reals_f64(w->v) : hn_reals_none();
            double a, b;
            CHECK_OK(hn_regression_errors(pred->n, p, t, wr, &a, &b, err), err);
            CHECK_NEAR(a, mse->v[0], 1e-9 * mse->v[0]);
            CHECK_NEAR(b, mae->v[0], 1e-9 * mae->v[0]);
            hn_resolution r;
            CHECK_OK(hn_resolution_compute(pred->n, p, t, wr, &r, err), err);
            CHECK_NEAR(r.bias, bias->v[0], 1e-12);
            CHECK_NEAR(r.sigma, sig->v[0], 1e-12);
            CHECK_NEAR(r.median, med->v[0], 1e-12);
            CHECK_NEAR(r.sigma_robust, rob->v[0], 1e-12);
        }
        free(pf);
        free(tf);
    }
    fx_free(&f);
}

TEST(resolution_by_hand)
{
    hn_error err_ = {0}, *err = &err_;
    /* relative residuals -0.1, 0, 0.1, 0.2 with weights 1, 1, 1, 1: hazen
     * positions 1/8, 3/8, 5/8, 7/8; median halfway between 0 and 0.1 */
    double truth[] = {10, 20, 10, 5}, pred[] = {9, 20, 11, 6};
    hn_resolution r;
    CHECK_OK(hn_resolution_compute(4, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_none(), &r,
                                   err),
             err);
    CHECK_NEAR(r.bias, 0.05, 1e-15);
    CHECK_NEAR(r.median, 0.05, 1e-15);
    CHECK_NEAR(r.sigma, sqrt(0.0125), 1e-15);
    /* q16 = -0.1 + (0.16-0.125)/0.25*0.1 = -0.086; q84 = 0.1 + (0.84-0.625)/0.25*0.1 = 0.186 */
    CHECK_NEAR(r.sigma_robust, 0.5 * (0.186 + 0.086), 1e-14);
    /* weights 3 and 1 on -0.1 and 0 (zero weights drop out): positions 3/8 and 7/8,
     * so the median interpolates to -0.1 + (1/8)/(4/8) * 0.1 */
    double w[] = {3, 1, 0, 0};
    CHECK_OK(hn_resolution_compute(4, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_f64(w), &r,
                                   err),
             err);
    CHECK_NEAR(r.median, -0.075, 1e-15);
    CHECK_NEAR(r.bias, -0.075, 1e-15);
}

TEST(bad_inputs)
{
    hn_error err_ = {0}, *err = &err_;
    double truth[] = {1, 0, 2}, pred[] = {1, 1, 2}, w[] = {1, 1, -1};
    hn_resolution r;
    CHECK(hn_resolution_compute(3, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_none(), &r,
                                err) == HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err->msg, "truth[1] is 0") != NULL, "%s", err->msg);
    truth[1] = 1;
    CHECK(hn_resolution_compute(3, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_f64(w), &r,
                                err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "weight[2] = -1 is negative") != NULL, "%s", err->msg);
    double mse;
    /* negative weights are fine for the errors as long as the total is positive */
    CHECK_OK(hn_regression_errors(3, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_f64(w), &mse,
                                  NULL, err),
             err);
    w[1] = -1;
    CHECK(hn_regression_errors(3, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_f64(w), &mse,
                               NULL, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "total event weight is -1") != NULL);
    pred[2] = NAN;
    CHECK(hn_regression_errors(3, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_none(), &mse,
                               NULL, err) == HN_ERR_NUMERIC);
    CHECK(strstr(err->msg, "pred[2] is NaN") != NULL);
    CHECK(hn_regression_errors(0, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_none(), &mse,
                               NULL, err) == HN_ERR_ARG);
    CHECK(hn_regression_errors(3, hn_reals_f64(NULL), hn_reals_f64(truth), hn_reals_none(), &mse,
                               NULL, err) == HN_ERR_ARG);
    CHECK(hn_resolution_compute(3, hn_reals_f64(pred), hn_reals_f64(truth), hn_reals_none(), NULL,
                                err) == HN_ERR_ARG);
}

int main(void)
{
    RUN(regression_matches_references);
    RUN(resolution_by_hand);
    RUN(bad_inputs);
    return TEST_SUMMARY();
}
