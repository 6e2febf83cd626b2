/* One-vs-rest AUC, accuracy, confusion matrix and argmax against scikit-learn. */
#include "harness.h"
#include "hepnn/metrics.h"
#include "metrics_fixture.h"

TEST(multiclass_matches_sklearn)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_multiclass.txt") == 0);
    hn_error err_ = {0}, *err = &err_;
    const char *c = "softmax3";
    const fx_array *nc = fx_need(&f, c, "n_classes"), *sc = fx_need(&f, c, "scores");
    const fx_array *lab = fx_need(&f, c, "label"), *w = fx_need(&f, c, "weight");
    const fx_array *auc = fx_need(&f, c, "auc"), *macro = fx_need(&f, c, "auc_macro");
    const fx_array *wavg = fx_need(&f, c, "auc_weighted"), *pred = fx_need(&f, c, "pred");
    const fx_array *acc = fx_need(&f, c, "accuracy"), *acc1 = fx_need(&f, c, "accuracy_unweighted");
    const fx_array *cm = fx_need(&f, c, "confusion");
    CHECK(nc && sc && lab && w && auc && macro && wavg && pred && acc && acc1 && cm);
    if (!(nc && sc && lab && w && auc && macro && wavg && pred && acc && acc1 && cm)) {
        fx_free(&f);
        return;
    }
    size_t k = (size_t)nc->v[0], n = lab->n;
    int32_t *l = fx_int32(lab), *p = malloc(n * sizeof *p);
    double got[8], m, wa;
    CHECK_OK(hn_auc_ovr(n, k, hn_reals_f64(sc->v), l, hn_reals_f64(w->v), got, &m, &wa, err), err);
    for (size_t i = 0; i < k; i++)
        CHECK_NEAR(got[i], auc->v[i], 1e-9);
    CHECK_NEAR(m, macro->v[0], 1e-9);
    CHECK_NEAR(wa, wavg->v[0], 1e-9);

    CHECK_OK(hn_predict_argmax(n, k, hn_reals_f64(sc->v), p, err), err);
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += p[i] == (int32_t)pred->v[i];
    CHECK(same == n);
    double a;
    CHECK_OK(hn_accuracy(n, p, l, hn_reals_f64(w->v), &a, err), err);
    CHECK_NEAR(a, acc->v[0], 1e-12);
    CHECK_OK(hn_accuracy(n, p, l, hn_reals_none(), &a, err), err);
    CHECK_NEAR(a, acc1->v[0], 1e-12);
    double mat[64];
    CHECK_OK(hn_confusion_matrix(n, k, p, l, hn_reals_f64(w->v), mat, err), err);
    for (size_t i = 0; i < k * k; i++)
        CHECK_NEAR(mat[i], cm->v[i], 1e-9);

    /* out-of-range labels and predictions are named */
    l[17] = 3;
    CHECK(hn_auc_ovr(n, k, hn_reals_f64(sc->v), l, hn_reals_none(), got, NULL, NULL, err) ==
          HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "label[17] = 3") != NULL, "%s", err->msg);
    CHECK(hn_confusion_matrix(n, k, p, l, hn_reals_none(), mat, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "label[17]") != NULL);
    l[17] = 0;
    p[3] = -1;
    CHECK(hn_confusion_matrix(n, k, p, l, hn_reals_none(), mat, err) == HN_ERR_ARG);
    CHECK(strstr(err->msg, "pred[3] = -1") != NULL);
    /* a class without events */
    for (size_t i = 0; i < n; i++)
        if (l[i] == 1)
            l[i] = 0;
    CHECK(hn_auc_ovr(n, k, hn_reals_f64(sc->v), l, hn_reals_none(), got, NULL, NULL, err) ==
          HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "class 1 has no events") != NULL, "%s", err->msg);
    free(l);
    free(p);
    fx_free(&f);
}

TEST(binary_accuracy_matches_sklearn)
{
    fx_file f;
    CHECK(fx_load(&f, "metrics_multiclass.txt") == 0);
    hn_error err_ = {0}, *err = &err_;
    const char *c = "binary_threshold";
    const fx_array *sc = fx_need(&f, c, "score"), *lab = fx_need(&f, c, "label");
    const fx_array *w = fx_need(&f, c, "weight"), *t = fx_need(&f, c, "threshold");
    const fx_array *acc = fx_need(&f, c, "accuracy");
    CHECK(sc && lab && w && t && acc);
    if (sc && lab && w && t && acc) {
        int32_t *l = fx_int32(lab);
        float *sf = fx_float(sc), *wf = fx_float(w);
        hn_binary_input in = hn_binary_input_make(sc->n, hn_reals_f32(sf), l, hn_reals_f32(wf));
        double a;
        /* the reference cut the float32 scores at float32(0.55) */
        CHECK_OK(hn_binary_accuracy(&in, (double)(float)t->v[0], &a, err), err);
        CHECK_NEAR(a, acc->v[0], 1e-9);
        free(l);
        free(sf);
        free(wf);
    }
    fx_free(&f);
}

TEST(bad_inputs)
{
    hn_error err_ = {0}, *err = &err_;
    int32_t p[] = {0, 1, 1}, l[] = {0, 1, 0};
    double w0[] = {1, -1, 0}, wn[] = {1, NAN, 1};
    double a;
    CHECK(hn_accuracy(3, p, l, hn_reals_f64(w0), &a, err) == HN_ERR_ARG);
    CHECK_MSG(strstr(err->msg, "total event weight is 0") != NULL, "%s", err->msg);
    CHECK(hn_accuracy(3, p, l, hn_reals_f64(wn), &a, err) == HN_ERR_NUMERIC);
    CHECK(strstr(err->msg, "weight[1] is NaN") != NULL);
    CHECK(hn_accuracy(0, p, l, hn_reals_none(), &a, err) == HN_ERR_ARG);
    CHECK(hn_accuracy(3, NULL, l, hn_reals_none(), &a, err) == HN_ERR_ARG);
    CHECK_OK(hn_accuracy(3, p, l, hn_reals_none(), &a, err), err);
    CHECK_NEAR(a, 2.0 / 3, 1e-15);
    double s[] = {0.1, 0.2, NAN, 0.3, 0.9, 0.0};
    int32_t pr[2];
    CHECK(hn_predict_argmax(2, 3, hn_reals_f64(s), pr, err) == HN_ERR_NUMERIC);
    CHECK_MSG(strstr(err->msg, "scores[0][2] is NaN") != NULL, "%s", err->msg);
    s[2] = 0.2; /* ties: the first maximum */
    CHECK_OK(hn_predict_argmax(2, 3, hn_reals_f64(s), pr, err), err);
    CHECK(pr[0] == 1 && pr[1] == 1);
    double cm[4];
    CHECK(hn_confusion_matrix(3, 0, p, l, hn_reals_none(), cm, err) == HN_ERR_ARG);
    CHECK(hn_auc_ovr(3, 1, hn_reals_f64(s), l, hn_reals_none(), cm, NULL, NULL, err) ==
          HN_ERR_ARG);
}

int main(void)
{
    RUN(multiclass_matches_sklearn);
    RUN(binary_accuracy_matches_sklearn);
    RUN(bad_inputs);
    return TEST_SUMMARY();
}
