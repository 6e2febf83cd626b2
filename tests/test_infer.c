/* The compiled inference path (include/hepnn/infer.h) against the model's
 * graph (hn_model_predict): every task, every hidden layer kind, batch norm
 * with non-trivial statistics (folded into the dense layer before it, or on
 * its own after an activation), dropout (the identity), inputs with exact
 * zeros (the kernel skips them), widths that do not fill a panel, and the
 * batched path across its block boundary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hepnn/device.h"
#include "hepnn/infer.h"
#include "hepnn/model.h"

static hn_layer_spec dense(int64_t units)
{
    hn_layer_spec l = {.kind = HN_LAYER_DENSE, .units = units, .init = HN_INIT_HE_UNIFORM};
    return l;
}

static hn_layer_spec act(hn_act_kind k, float alpha)
{
    hn_layer_spec l = {.kind = HN_LAYER_ACTIVATION, .act = k, .alpha = alpha};
    return l;
}

static hn_layer_spec bn(void)
{
    hn_layer_spec l = {.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f};
    return l;
}

static hn_layer_spec drop(float rate)
{
    hn_layer_spec l = {.kind = HN_LAYER_DROPOUT, .rate = rate};
    return l;
}

/* Gives every batch-norm state, PReLU slope and bias values away from their
 * defaults, so that folding them is actually tested. */
static void perturb(hn_model *m, hn_rng *rng)
{
    hn_graph *g = hn_model_get_io(m).graph;
    for (int i = 0; i < hn_graph_num_persistent(g); i++) {
        hn_tensor *t = hn_graph_persistent(g, i);
        const char *name = hn_tensor_name(t);
        size_t len = strlen(name);
        float *v = hn_tensor_data(t);
        int64_t n = hn_tensor_numel(t);
        int is = 0;
        double lo = 0, hi = 0;
#define ENDS(s) (len >= strlen(s) && !strcmp(name + len - strlen(s), s))
        if (ENDS(".running_var") || ENDS(".gamma"))
            is = 1, lo = 0.5, hi = 2.0;
        else if (ENDS(".running_mean") || ENDS(".beta") || ENDS(".b"))
            is = 1, lo = -0.5, hi = 0.5;
        else if (ENDS(".slope"))
            is = 1, lo = 0.05, hi = 0.3;
#undef ENDS
        if (is)
            for (int64_t k = 0; k < n; k++)
                v[k] = (float)(lo + (hi - lo) * hn_rng_uniform(rng));
    }
}

/* Largest |a − ref| in units of tol·(1 + |ref|) over n values. */
static double worst_error(const float *a, const float *ref, int64_t n, double tol)
{
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs(a[i] - ref[i]) / (tol * (1.0 + fabs(ref[i])));
        worst = e > worst ? e : worst;
    }
    return worst;
}

/* The same object moved to the GPU: one event, a batch from host memory and
 * a batch in device memory agree with the CPU's predictions; with TF32 to
 * its looser tolerance. Without a device, moving is refused and the object
 * stays usable on the CPU. */
static void check_on_gpu(const char *what, hn_infer *inf, const float *x, int64_t n, int n_in, int n_out,
                         const float *ref)
{
    hn_error err = {0};
    hn_status st = hn_infer_set_device(inf, HN_DEVICE_CUDA, 0, &err);
    if (st) {
        CHECK(st == HN_ERR_UNSUPPORTED || st == HN_ERR_BACKEND);
        CHECK(hn_infer_device(inf) == HN_DEVICE_CPU);
        float o[16];
        CHECK(hn_infer_run(inf, x, o) == HN_OK);
        return;
    }
    CHECK(hn_infer_device(inf) == HN_DEVICE_CUDA);
    float *one = malloc(sizeof(float) * (size_t)(n * n_out)), *bat = malloc(sizeof(float) * (size_t)(n * n_out));
    for (int64_t i = 0; i < n; i++)
        CHECK(hn_infer_run(inf, x + i * n_in, one + i * n_out) == HN_OK);
    CHECK_OK(hn_infer_run_batch(inf, x, n, bat, &err), &err);
    CHECK_MSG(worst_error(one, ref, n * n_out, 2e-5) <= 1.0, "%s: GPU single events differ from predict", what);
    CHECK_MSG(worst_error(bat, ref, n * n_out, 2e-5) <= 1.0, "%s: GPU batch differs from predict", what);
    /* device memory in and out: two state tensors of a device graph */
    hn_graph *g = NULL;
    CHECK_OK(hn_graph_new_on(&g, HN_DEVICE_CUDA, 1, &err), &err);
    hn_tensor *dx = g ? hn_state(g, "x", 2, (int64_t[]){n, n_in}) : NULL;
    hn_tensor *dy = g ? hn_state(g, "y", 2, (int64_t[]){n, n_out}) : NULL;
    CHECK(dx && dy);
    if (dx && dy) {
        CHECK_OK(hn_tensor_set(dx, x, n * n_in, &err), &err);
        CHECK_OK(hn_graph_sync(g, &err), &err); /* the object runs on its own stream */
        CHECK_OK(hn_infer_run_batch_device(inf, hn_tensor_data(dx), n, hn_tensor_data(dy), &err), &err);
        CHECK_OK(hn_tensor_get(dy, bat, n * n_out, &err), &err);
        CHECK_MSG(worst_error(bat, ref, n * n_out, 2e-5) <= 1.0, "%s: GPU batch in device memory differs", what);
    }
    hn_graph_free(g);
    /* one event over many blocks (one block where the device cannot) */
    CHECK_OK(hn_infer_set_device(inf, HN_DEVICE_CUDA, HN_INFER_GRID, &err), &err);
    for (int64_t i = 0; i < n; i++)
        CHECK(hn_infer_run(inf, x + i * n_in, one + i * n_out) == HN_OK);
    CHECK_MSG(worst_error(one, ref, n * n_out, 2e-5) <= 1.0, "%s: GPU single events over many blocks differ", what);
    CHECK_OK(hn_infer_set_device(inf, HN_DEVICE_CUDA, HN_INFER_TF32 | HN_INFER_AUTOTUNE, &err), &err);
    CHECK_OK(hn_infer_run_batch(inf, x, n, bat, &err), &err);
    CHECK_MSG(worst_error(bat, ref, n * n_out, 2e-2) <= 1.0, "%s: GPU batch with TF32 differs", what);
    CHECK_OK(hn_infer_set_device(inf, HN_DEVICE_CPU, 0, &err), &err);
    CHECK(hn_infer_device(inf) == HN_DEVICE_CPU);
    CHECK(hn_infer_run_batch_device(inf, x, n, bat, &err) == HN_ERR_STATE);
    free(one);
    free(bat);
}

/* Builds the model, perturbs it, and checks hn_infer_run and
 * hn_infer_run_batch against hn_model_predict on n events, on the CPU and
 * (where there is one) on the GPU. */
static void check_model(const char *what, hn_task task, int n_in, int n_out, const hn_layer_spec *layers, int nl,
                        int64_t n)
{
    hn_error err = {0};
    hn_model *m = NULL;
    hn_model_spec spec = {n_in, n_out, task, nl, layers, 7};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    if (!m)
        return;
    hn_rng rng;
    hn_rng_seed(&rng, 99);
    perturb(m, &rng);
    float *shift = malloc(sizeof(float) * (size_t)n_in), *scale = malloc(sizeof(float) * (size_t)n_in);
    for (int i = 0; i < n_in; i++) {
        shift[i] = (float)(10.0 * hn_rng_uniform(&rng));
        scale[i] = (float)(0.2 + hn_rng_uniform(&rng));
    }
    CHECK_OK(hn_model_set_normalisation(m, shift, scale, &err), &err);
    if (task == HN_TASK_REGRESSION) {
        float ts[8], tc[8];
        for (int k = 0; k < n_out; k++) {
            ts[k] = 3.0f + (float)k;
            tc[k] = 0.5f / (1.0f + (float)k);
        }
        CHECK_OK(hn_model_set_target_normalisation(m, ts, tc, &err), &err);
    }
    float *x = malloc(sizeof(float) * (size_t)(n * n_in));
    for (int64_t i = 0; i < n * n_in; i++) /* some inputs exactly at the shift: zero after standardisation */
        x[i] = hn_rng_uniform(&rng) < 0.2 ? shift[i % n_in] : (float)(shift[i % n_in] + 3.0 * hn_rng_normal(&rng));
    float *ref = malloc(sizeof(float) * (size_t)(n * n_out)), *one = malloc(sizeof(float) * (size_t)(n * n_out));
    float *bat = malloc(sizeof(float) * (size_t)(n * n_out));
    CHECK_OK(hn_model_predict(m, x, n, ref, &err), &err);
    hn_infer *inf = NULL;
    CHECK_OK(hn_model_compile_inference(m, &inf, &err), &err);
    if (inf) {
        CHECK(hn_infer_n_inputs(inf) == n_in && hn_infer_n_outputs(inf) == n_out);
        for (int64_t i = 0; i < n; i++)
            CHECK(hn_infer_run(inf, x + i * n_in, one + i * n_out) == HN_OK);
        CHECK_OK(hn_infer_run_batch(inf, x, n, bat, &err), &err);
        double worst = 0, worst_b = 0;
        int64_t at = 0;
        for (int64_t i = 0; i < n * n_out; i++) {
            double tol = 2e-5 * (1.0 + fabs(ref[i]));
            double e = fabs(one[i] - ref[i]) / tol, eb = fabs(bat[i] - ref[i]) / tol;
            if (e > worst) {
                worst = e;
                at = i;
            }
            worst_b = eb > worst_b ? eb : worst_b;
        }
        CHECK_MSG(worst <= 1.0, "%s: single event %lld: %.9g vs predict %.9g", what, (long long)at, one[at], ref[at]);
        CHECK_MSG(worst_b <= 1.0, "%s: batched path differs from predict (%.3g tolerances)", what, worst_b);
        check_on_gpu(what, inf, x, n, n_in, n_out, ref);
    }
    hn_infer_free(inf);
    hn_model_free(m);
    free(x);
    free(ref);
    free(one);
    free(bat);
    free(shift);
    free(scale);
}

TEST(binary_relu_mlp)
{
    hn_layer_spec l[] = {dense(300), act(HN_ACT_RELU, 0), dense(300), act(HN_ACT_RELU, 0), dense(300),
                         act(HN_ACT_RELU, 0)};
    check_model("binary relu 28-300-300-300-1", HN_TASK_BINARY, 28, 1, l, 6, 300);
}

TEST(every_activation)
{
    static const hn_act_kind kinds[] = {HN_ACT_IDENTITY, HN_ACT_STEP, HN_ACT_SIGMOID, HN_ACT_TANH, HN_ACT_ATAN,
                                        HN_ACT_RELU,     HN_ACT_PRELU, HN_ACT_ELU,   HN_ACT_SOFTPLUS};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        /* fused into a dense layer, and on its own after another activation */
        hn_layer_spec l[] = {dense(70), act(kinds[k], 0.7f), dense(33), act(HN_ACT_TANH, 0), act(kinds[k], 0.7f)};
        char what[64];
        snprintf(what, sizeof what, "activation %s", hn_act_name(kinds[k]));
        check_model(what, HN_TASK_BINARY, 9, 1, l, 5, 50);
    }
}

TEST(batchnorm_folded_and_alone_dropout)
{
    /* folded: dense -> bn -> relu; alone: relu -> bn; at the input: bn first */
    hn_layer_spec l[] = {bn(), dense(80), bn(), act(HN_ACT_RELU, 0), drop(0.3f), dense(65), act(HN_ACT_ELU, 1.0f),
                         bn(), drop(0.5f), dense(20)};
    check_model("batch norm and dropout, multi-class", HN_TASK_MULTICLASS, 12, 5, l, 10, 200);
}

TEST(regression_and_wide_batches)
{
    hn_layer_spec l[] = {dense(130), act(HN_ACT_SOFTPLUS, 0), dense(64), act(HN_ACT_RELU, 0)};
    /* more events than one block of the batched path */
    check_model("regression, 3 targets", HN_TASK_REGRESSION, 5, 3, l, 4, 2500);
    check_model("no hidden layer", HN_TASK_BINARY, 4, 1, NULL, 0, 10);
    hn_layer_spec wide[] = {dense(17), act(HN_ACT_RELU, 0)};
    check_model("16 and more outputs in the last layer", HN_TASK_MULTICLASS, 3, 16, wide, 2, 40);
}

TEST(bad_arguments)
{
    hn_error err = {0};
    hn_infer *inf = (hn_infer *)1;
    CHECK(hn_model_compile_inference(NULL, &inf, &err) == HN_ERR_ARG);
    CHECK(hn_infer_run(NULL, NULL, NULL) == HN_ERR_ARG);
    CHECK(strstr(hn_infer_error(NULL), "NULL") != NULL);
    /* the single-event call has no error argument: the object keeps the reason */
    hn_layer_spec ls[1] = {{.kind = HN_LAYER_DENSE, .units = 4}};
    hn_model_spec s = {3, 1, HN_TASK_BINARY, 1, ls, 1};
    hn_model *m = NULL;
    CHECK_OK(hn_model_new(&m, &s, &err), &err);
    CHECK_OK(hn_model_compile_inference(m, &inf, &err), &err);
    float x[3] = {0}, out[1];
    CHECK(!strcmp(hn_infer_error(inf), ""));
    CHECK(hn_infer_run(inf, x, NULL) == HN_ERR_ARG && strstr(hn_infer_error(inf), "out is NULL"));
    CHECK(hn_infer_run(inf, NULL, out) == HN_ERR_ARG && strstr(hn_infer_error(inf), "x is NULL"));
    CHECK_OK(hn_infer_run(inf, x, out), NULL);
    hn_infer_free(inf);
    hn_model_free(m);
    CHECK(hn_infer_run_batch(NULL, NULL, 1, NULL, &err) == HN_ERR_ARG);
    hn_infer_free(NULL);
    CHECK(hn_infer_n_inputs(NULL) == 0);
}

int main(void)
{
    RUN(binary_relu_mlp);
    RUN(every_activation);
    RUN(batchnorm_folded_and_alone_dropout);
    RUN(regression_and_wide_batches);
    RUN(bad_arguments);
    return TEST_SUMMARY();
}
