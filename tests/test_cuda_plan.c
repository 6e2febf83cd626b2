/* Training an MLP on the device: eager CUDA against the CPU (plain SGD, so
 * the small kernel differences stay small), and captured plans (CUDA graphs)
 * against eager CUDA runs (Adam, dropout, a change of batch size, inference
 * at batch 1). Plans also run on the CPU, where they are the plain calls.
 * The CUDA parts skip without a device. */
#include "harness.h"
#include "hepnn/device.h"
#include "hepnn/ops.h"

enum { IN = 28, H = 64, B = 32, STEPS = 6 };

typedef struct {
    hn_graph *g;
    hn_tensor *x, *t, *z, *loss;
    hn_optim *opt;
    hn_plan *train, *infer;
} net;

/* Uniform ±sqrt(6/(fan_in+fan_out)) from rng, through hn_tensor_set. */
static hn_tensor *dense(hn_graph *g, hn_tensor *x, int64_t in, int64_t out, const char *name, hn_rng *rng)
{
    char wn[32], bn[32];
    snprintf(wn, sizeof wn, "%s.w", name);
    snprintf(bn, sizeof bn, "%s.b", name);
    hn_tensor *w = hn_param(g, wn, 2, (int64_t[]){in, out});
    hn_tensor *b = hn_param(g, bn, 1, (int64_t[]){out});
    if (!w || !b)
        return NULL;
    float *v = malloc(sizeof(float) * (size_t)(in * out)), bv[256];
    double a = sqrt(6.0 / (double)(in + out));
    for (int64_t i = 0; i < in * out; i++)
        v[i] = (float)((2.0 * hn_rng_uniform(rng) - 1.0) * a);
    for (int64_t i = 0; i < out; i++)
        bv[i] = (float)(0.1 * hn_rng_uniform(rng));
    hn_tensor_set(w, v, in * out, NULL);
    hn_tensor_set(b, bv, out, NULL);
    free(v);
    return hn_add(g, hn_matmul(g, x, w, 0, 0), b);
}

static int net_build(net *n, hn_device dev, hn_optim_kind kind, float dropout, hn_error *err)
{
    memset(n, 0, sizeof *n);
    if (hn_graph_new_on(&n->g, dev, 5, err))
        return 0;
    hn_rng rng;
    hn_rng_seed(&rng, 11);
    n->x = hn_input(n->g, "x", 2, (int64_t[]){HN_BATCH, IN});
    n->t = hn_input(n->g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *h = hn_relu(n->g, dense(n->g, n->x, IN, H, "l1", &rng));
    if (dropout > 0)
        h = hn_dropout(n->g, h, dropout);
    h = hn_relu(n->g, dense(n->g, h, H, H, "l2", &rng));
    n->z = dense(n->g, h, H, 1, "out", &rng);
    n->loss = hn_loss_bce_logits(n->g, n->z, n->t, NULL);
    hn_tensor *outs[2] = {n->loss, n->z};
    if (hn_graph_set_batch(n->g, B, err) || hn_graph_compile(n->g, outs, 2, err))
        return 0;
    hn_optim_config cfg = hn_optim_config_default(kind);
    cfg.lr = kind == HN_OPTIM_SGD ? 0.05 : 1e-3;
    return !hn_optim_new_graph(&n->opt, &cfg, n->g, err) && !hn_plan_new(&n->train, n->g, n->loss, n->opt, err) &&
           !hn_plan_new(&n->infer, n->g, n->z, NULL, err);
}

static void net_free(net *n)
{
    hn_plan_free(n->train);
    hn_plan_free(n->infer);
    hn_optim_free(n->opt);
    hn_graph_free(n->g);
}

/* The batch of step s: features and 0/1 targets from a fixed generator. */
static void batch_data(int s, int64_t b, float *x, float *t)
{
    hn_rng r;
    hn_rng_seed(&r, 1000 + (uint64_t)s);
    for (int64_t i = 0; i < b; i++) {
        double sum = 0;
        for (int j = 0; j < IN; j++) {
            x[i * IN + j] = (float)hn_rng_normal(&r);
            sum += x[i * IN + j] * (j % 3 == 0 ? 1 : -0.5);
        }
        t[i] = sum > 0 ? 1.0f : 0.0f;
    }
}

/* Trains STEPS steps (the batch shrinks to B/2 for the last two) and writes
 * every parameter, concatenated, into params; returns their number or -1. */
static int64_t train(net *n, int capture, float *params, int64_t cap, hn_error *err)
{
    static float x[B * IN], t[B];
    hn_plan_set_capture(n->train, capture);
    for (int s = 0; s < STEPS; s++) {
        int64_t b = s < STEPS - 2 ? B : B / 2;
        if (hn_graph_batch(n->g) != b && hn_graph_set_batch(n->g, b, err))
            return -1;
        batch_data(s, b, x, t);
        if (hn_tensor_set(n->x, x, b * IN, err) || hn_tensor_set(n->t, t, b, err) || hn_plan_run(n->train, err))
            return -1;
    }
    int64_t k = 0;
    for (int i = 0; i < hn_graph_num_params(n->g); i++) {
        hn_tensor *p = hn_graph_param(n->g, i);
        int64_t m = hn_tensor_numel(p);
        if (k + m > cap || hn_tensor_get(p, params + k, m, err))
            return -1;
        k += m;
    }
    return k;
}

static int count_bad(const float *a, const float *b, int64_t n, float rel, float abs_tol)
{
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= rel * fmaxf(fabsf(a[i]), fabsf(b[i])) + abs_tol) && bad++ < 3)
            fprintf(stderr, "  parameter %lld: %.9g vs %.9g\n", (long long)i, a[i], b[i]);
    return bad;
}

enum { NP = IN * H + H + H * H + H + H + 1 };
static float pa[NP], pb[NP];

/* On the CPU a plan is the plain sequence: two nets, one with plans and one
 * with the calls written out, end bit-identical. */
TEST(cpu_plan_is_the_plain_sequence)
{
    net a, b;
    hn_error err = {0};
    CHECK_OK(!net_build(&a, HN_DEVICE_CPU, HN_OPTIM_ADAM, 0.2f, &err), &err);
    CHECK_OK(!net_build(&b, HN_DEVICE_CPU, HN_OPTIM_ADAM, 0.2f, &err), &err);
    CHECK(train(&a, 1, pa, NP, &err) == NP);
    static float x[B * IN], t[B];
    for (int s = 0; s < STEPS; s++) {
        int64_t bs = s < STEPS - 2 ? B : B / 2;
        CHECK_OK(hn_graph_set_batch(b.g, bs, &err), &err);
        batch_data(s, bs, x, t);
        CHECK_OK(hn_tensor_set(b.x, x, bs * IN, &err), &err);
        CHECK_OK(hn_tensor_set(b.t, t, bs, &err), &err);
        hn_graph_zero_grad(b.g);
        CHECK_OK(hn_graph_forward(b.g, &err), &err);
        CHECK_OK(hn_graph_backward(b.g, b.loss, &err), &err);
        CHECK_OK(hn_optim_step(b.opt, &err), &err);
    }
    int64_t k = 0;
    for (int i = 0; i < hn_graph_num_params(b.g); i++) {
        hn_tensor *p = hn_graph_param(b.g, i);
        CHECK_OK(hn_tensor_get(p, pb + k, hn_tensor_numel(p), &err), &err);
        k += hn_tensor_numel(p);
    }
    CHECK(memcmp(pa, pb, sizeof pa) == 0);
    CHECK(hn_plan_replays(a.train) == 0);
    net_free(&a);
    net_free(&b);
}

TEST(cuda_training_matches_cpu)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    net c, d;
    CHECK_OK(!net_build(&c, HN_DEVICE_CPU, HN_OPTIM_SGD, 0, &err), &err);
    CHECK_OK(!net_build(&d, HN_DEVICE_CUDA, HN_OPTIM_SGD, 0, &err), &err);
    CHECK(train(&c, 0, pa, NP, &err) == NP);
    CHECK_MSG(train(&d, 0, pb, NP, &err) == NP, "%s", err.msg);
    /* six steps through ReLUs: a pre-activation within rounding of 0 may take the
     * other branch on one device, moving a few weights by ~lr·x·dy/B; a wrong
     * kernel moves them by far more */
    CHECK_MSG(count_bad(pa, pb, NP, 1e-3f, 1e-5f) == 0, "SGD training on CUDA departs from the CPU");
    net_free(&c);
    net_free(&d);
}

/* Captured training steps (with dropout, Adam and a change of batch size)
 * against eager runs on the same device, then inference at batch 1. */
TEST(captured_plans_match_eager)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    net e, p;
    CHECK_OK(!net_build(&e, HN_DEVICE_CUDA, HN_OPTIM_ADAM, 0.2f, &err), &err);
    CHECK_OK(!net_build(&p, HN_DEVICE_CUDA, HN_OPTIM_ADAM, 0.2f, &err), &err);
    CHECK_MSG(train(&e, 0, pa, NP, &err) == NP, "%s", err.msg);
    CHECK_MSG(train(&p, 1, pb, NP, &err) == NP, "%s", err.msg);
    CHECK_MSG(hn_plan_replays(p.train) >= 2, "%lld replays: the step was not captured",
              (long long)hn_plan_replays(p.train));
    /* the same kernels on the same data: equal up to cuBLAS choosing another
     * algorithm under capture (it should not, with a fixed workspace) */
    CHECK_MSG(count_bad(pa, pb, NP, 1e-5f, 1e-7f) == 0, "captured training departs from eager training");
    CHECK(hn_optim_step_count(p.opt) == STEPS);
    /* inference at batch 1, evaluation mode: replayed outputs equal eager ones */
    hn_graph_set_training(p.g, 0);
    CHECK_OK(hn_graph_set_batch(p.g, 1, &err), &err);
    float x[IN], t[1], z_plan = 0, z_eager = 0;
    for (int s = 0; s < 4; s++) {
        batch_data(100 + s, 1, x, t);
        CHECK_OK(hn_tensor_set(p.x, x, IN, &err), &err);
        CHECK_OK(hn_plan_run(p.infer, &err), &err);
        CHECK_OK(hn_tensor_get(p.z, &z_plan, 1, &err), &err);
        CHECK_OK(hn_graph_forward_to(p.g, p.z, &err), &err);
        CHECK_OK(hn_tensor_get(p.z, &z_eager, 1, &err), &err);
        CHECK_NEAR(z_plan, z_eager, 1e-5 * fabs(z_eager) + 1e-7);
    }
    CHECK(hn_plan_replays(p.infer) >= 2);
    net_free(&e);
    net_free(&p);
}

int main(void)
{
    RUN(cpu_plan_is_the_plain_sequence);
    RUN(cuda_training_matches_cpu);
    RUN(captured_plans_match_eager);
    return TEST_SUMMARY();
}
