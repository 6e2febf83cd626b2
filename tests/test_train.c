/* The training stack end to end: perceptron vs MLP on XOR, universal
 * approximation of sin x, a classifier as good as scikit-learn's, early
 * stopping, L1/L2, class balancing, checkpoints that resume bit-identically. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "harness.h"
#include "hepnn/metrics.h"
#include "hepnn/perceptron.h"
#include "hepnn/train.h"
#include "toy_data.h"

/* Set by `make test-sanitize`: the instrumented build runs slower. */
static int sanitized(void) { return getenv("HEPNN_SANITIZE") != NULL; }

static const float XOR_X[8] = {0, 0, 0, 1, 1, 0, 1, 1};

TEST(perceptron_learns_and_or_not_xor)
{
    const float t_and[4] = {0, 0, 0, 1}, t_or[4] = {0, 1, 1, 1}, t_xor[4] = {0, 1, 1, 0};
    const float *targets[3] = {t_and, t_or, t_xor};
    hn_rng rng;
    hn_rng_seed(&rng, 1);
    hn_error err = {0};
    for (int k = 0; k < 3; k++) {
        hn_perceptron p;
        CHECK_OK(hn_perceptron_init(&p, 2, &rng, &err), &err);
        int epochs = 0;
        int64_t wrong = -1;
        CHECK_OK(hn_perceptron_train(&p, XOR_X, targets[k], 4, 0.1, 1000, &epochs, &wrong, &err), &err);
        int right = 0;
        for (int i = 0; i < 4; i++)
            right += hn_perceptron_predict(&p, XOR_X + 2 * i) == (int)targets[k][i];
        if (k < 2) { /* AND, OR: linearly separable, learned */
            CHECK(wrong == 0 && right == 4 && epochs < 1000);
        } else { /* XOR: never */
            CHECK(wrong > 0 && right < 4 && epochs == 1000);
        }
        hn_perceptron_free(&p);
    }
}

static hn_dataset view(int64_t n, int f, int t, float *x, float *y, float *w)
{
    hn_dataset d = {n, f, t, x, y, w, 0};
    return d;
}

TEST(mlp_learns_xor_with_the_training_loop)
{
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 8, .init = HN_INIT_XAVIER_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_TANH}};
    hn_model_spec spec = {.n_inputs = 2, .n_outputs = 1, .task = HN_TASK_BINARY, .n_layers = 2, .layers = layers,
                          .seed = 2};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    float y[4] = {0, 1, 1, 0}, x[8];
    memcpy(x, XOR_X, sizeof x);
    hn_dataset d = view(4, 2, 1, x, y, NULL);
    hn_train_config cfg = hn_train_config_default();
    cfg.optim = hn_optim_config_default(HN_OPTIM_GD);
    cfg.optim.lr = 0.5;
    cfg.epochs = 2000;
    cfg.batch_size = 0; /* full batch: plain gradient descent */
    cfg.norm = HN_NORM_NONE;
    hn_train_result r;
    CHECK_OK(hn_train(m, &cfg, &d, NULL, &r, &err), &err);
    float out[4];
    CHECK_OK(hn_model_predict(m, x, 4, out, &err), &err);
    for (int i = 0; i < 4; i++)
        CHECK_MSG((out[i] > 0.5f) == (y[i] > 0.5f), "XOR %d -> %.3f", i, out[i]);
    CHECK(r.epochs_run == 2000 && r.history[1999].train_loss < 0.05);
    hn_train_result_free(&r);
    hn_model_free(m);
}

/* Universal approximation: sin x on [−π, π] to MSE < 1e-3. */
TEST(regression_fits_sin)
{
    enum { N = 512 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(-3.14159265358979 + 2 * 3.14159265358979 * i / (N - 1));
        y[i] = sinf(x[i]);
    }
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 32, .init = HN_INIT_XAVIER_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_TANH},
                              {.kind = HN_LAYER_DENSE, .units = 32, .init = HN_INIT_XAVIER_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_TANH}};
    hn_model_spec spec = {.n_inputs = 1, .n_outputs = 1, .task = HN_TASK_REGRESSION, .n_layers = 4, .layers = layers,
                          .seed = 3};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    hn_dataset d = view(N, 1, 1, x, y, NULL);
    hn_train_config cfg = hn_train_config_default();
    cfg.optim.lr = 3e-3;
    cfg.epochs = 300;
    cfg.batch_size = 32;
    cfg.schedule = (hn_schedule){.kind = HN_SCHED_EXP, .gamma = 0.99, .step_size = 1};
    hn_train_result r;
    CHECK_OK(hn_train(m, &cfg, &d, NULL, &r, &err), &err);
    double loss = 0;
    CHECK_OK(hn_model_evaluate(m, &d, &loss, NULL, &err), &err);
    double mse = 2.0 * loss; /* the loss is ½(y − t)² */
    fprintf(stderr, "  sin x: MSE %.2e after %d epochs\n", mse, r.epochs_run);
    CHECK(mse < 1e-3);
    hn_train_result_free(&r);
    hn_model_free(m);
}

static double fixture_value(const char *key)
{
    FILE *f = fopen(HN_TEST_DATA "/fixtures/train_toy.txt", "r");
    char line[1024];
    double v = NAN;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ')
            v = atof(line + strlen(key) + 1);
    if (f)
        fclose(f);
    return v;
}

/* The C generator draws the events the fixture script drew for scikit-learn. */
TEST(toy_generator_matches_fixture)
{
    float x[32 * TOY_FEATURES], y[32];
    toy_generate(32, 11, x, y, NULL);
    FILE *f = fopen(HN_TEST_DATA "/fixtures/train_toy.txt", "r");
    CHECK(f != NULL);
    char line[2048];
    int checked = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *p = line;
        if (!strncmp(line, "first_x ", 8)) {
            p += 8;
            for (int j = 0; j < TOY_FEATURES; j++, checked++)
                CHECK(fabsf(strtof(p, &p) - x[j]) <= 1e-7f * fabsf(x[j]));
        } else if (!strncmp(line, "first_y ", 8)) {
            p += 8;
            for (int j = 0; j < 32; j++, checked++)
                CHECK((float)strtol(p, &p, 10) == y[j]);
        }
    }
    if (f)
        fclose(f);
    CHECK(checked == TOY_FEATURES + 32);
}

static double test_auc(hn_model *m, const hn_dataset *te)
{
    float *out = malloc(sizeof(float) * (size_t)te->n);
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)te->n);
    hn_error err = {0};
    double auc = NAN;
    CHECK_OK(hn_model_predict(m, te->x, te->n, out, &err), &err);
    for (int64_t i = 0; i < te->n; i++)
        lab[i] = (int32_t)te->y[i];
    hn_binary_input in = hn_binary_input_make((size_t)te->n, hn_reals_f32(out), lab, hn_reals_none());
    CHECK_OK(hn_auc(&in, &auc, &err), &err);
    free(out);
    free(lab);
    return auc;
}

/* Test AUC within 0.005 of scikit-learn's MLPClassifier (same layers, same
 * optimiser settings, same events; both averaged over 3 seeds). */
TEST(classifier_matches_sklearn_auc)
{
    double ref = fixture_value("sklearn_auc"), bayes = fixture_value("bayes_auc");
    CHECK(ref > 0.8 && bayes > ref);
    int64_t ntr = (int64_t)fixture_value("n_train"), nte = (int64_t)fixture_value("n_test");
    float *xtr = malloc(sizeof(float) * (size_t)(ntr * TOY_FEATURES)), *ytr = malloc(sizeof(float) * (size_t)ntr);
    float *xte = malloc(sizeof(float) * (size_t)(nte * TOY_FEATURES)), *yte = malloc(sizeof(float) * (size_t)nte);
    toy_generate(ntr, (uint64_t)fixture_value("seed_train"), xtr, ytr, NULL);
    toy_generate(nte, (uint64_t)fixture_value("seed_test"), xte, yte, NULL);
    hn_dataset tr = view(ntr, TOY_FEATURES, 1, xtr, ytr, NULL), te = view(nte, TOY_FEATURES, 1, xte, yte, NULL);
    hn_layer_spec layers[] = {{.kind = HN_LAYER_DENSE, .units = 32, .init = HN_INIT_XAVIER_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
                              {.kind = HN_LAYER_DENSE, .units = 32, .init = HN_INIT_XAVIER_UNIFORM},
                              {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU}};
    int seeds = sanitized() ? 1 : 3;
    double mean = 0;
    for (int s = 0; s < seeds; s++) {
        hn_model_spec spec = {.n_inputs = TOY_FEATURES, .n_outputs = 1, .task = HN_TASK_BINARY, .n_layers = 4,
                              .layers = layers, .seed = 100 + (uint64_t)s};
        hn_model *m = NULL;
        hn_error err = {0};
        CHECK_OK(hn_model_new(&m, &spec, &err), &err);
        hn_train_config cfg = hn_train_config_default();
        cfg.epochs = 40;
        cfg.batch_size = 64;
        cfg.seed = 7 + (uint64_t)s;
        cfg.penalty.l2 = 1e-4 / 64; /* scikit-learn's alpha = 1e-4, per batch of 64 */
        hn_train_result r;
        CHECK_OK(hn_train(m, &cfg, &tr, NULL, &r, &err), &err);
        double auc = test_auc(m, &te);
        fprintf(stderr, "  seed %d: test AUC %.4f\n", s, auc);
        mean += auc / seeds;
        hn_train_result_free(&r);
        hn_model_free(m);
    }
    fprintf(stderr, "  hepnn %.4f, scikit-learn %.4f, Bayes limit %.4f\n", mean, ref, bayes);
    CHECK(fabs(mean - ref) < (sanitized() ? 0.01 : 0.005));
    free(xtr);
    free(ytr);
    free(xte);
    free(yte);
}

int main(void)
{
    RUN(perceptron_learns_and_or_not_xor);
    RUN(mlp_learns_xor_with_the_training_loop);
    RUN(regression_fits_sin);
    RUN(toy_generator_matches_fixture);
    RUN(classifier_matches_sklearn_auc);
    return TEST_SUMMARY();
}
