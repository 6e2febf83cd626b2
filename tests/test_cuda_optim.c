/* CPU versus CUDA for every optimiser: the same parameters and the same
 * gradients, three steps, then the values and the exported state must agree
 * to a relative 1e-5. The gradients are made exact by the graph: the loss
 * Σ w·cw + Σ b·cb has ∂/∂w = cw, set per step. Skipped without a device. */
#include "harness.h"
#include "hepnn/device.h"
#include "hepnn/ops.h"

enum { NW = 40, NB = 5, STEPS = 3 };

typedef struct {
    hn_graph *g;
    hn_tensor *w, *b, *cw, *cb, *loss;
    hn_optim *opt;
} setup;

static int build(setup *s, hn_device dev, const hn_optim_config *cfg, const float *w0, const float *b0,
                 hn_error *err)
{
    memset(s, 0, sizeof *s);
    if (hn_graph_new_on(&s->g, dev, 1, err))
        return 0;
    s->w = hn_param(s->g, "w", 2, (int64_t[]){8, 5}); /* 2-D: decay applies */
    s->b = hn_param(s->g, "b", 1, (int64_t[]){NB});   /* 1-D: no decay */
    s->cw = hn_input(s->g, "cw", 2, (int64_t[]){8, 5});
    s->cb = hn_input(s->g, "cb", 1, (int64_t[]){NB});
    s->loss = hn_add(s->g, hn_sum(s->g, hn_mul(s->g, s->w, s->cw), HN_AXIS_ALL),
                     hn_sum(s->g, hn_mul(s->g, s->b, s->cb), HN_AXIS_ALL));
    if (hn_graph_compile(s->g, &s->loss, 1, err) || hn_tensor_set(s->w, w0, NW, err) ||
        hn_tensor_set(s->b, b0, NB, err))
        return 0;
    return hn_optim_new_graph(&s->opt, cfg, s->g, err) == HN_OK;
}

static int step(setup *s, const float *cw, const float *cb, hn_error *err)
{
    if (hn_tensor_set(s->cw, cw, NW, err) || hn_tensor_set(s->cb, cb, NB, err))
        return 0;
    hn_graph_zero_grad(s->g);
    return !hn_graph_forward(s->g, err) && !hn_graph_backward(s->g, s->loss, err) && !hn_optim_step(s->opt, err);
}

static int close_rel(float a, float b) { return fabsf(a - b) <= 1e-5f * fmaxf(fabsf(a), fabsf(b)) + 1e-7f; }

static void check_config(const char *label, hn_optim_config cfg)
{
    hn_rng rng;
    hn_rng_seed(&rng, 99);
    float w0[NW], b0[NB], cw[STEPS][NW], cb[STEPS][NB];
    for (int i = 0; i < NW; i++)
        w0[i] = (float)(hn_rng_uniform(&rng) * 2 - 1);
    for (int i = 0; i < NB; i++)
        b0[i] = (float)(hn_rng_uniform(&rng) * 2 - 1);
    for (int t = 0; t < STEPS; t++) {
        for (int i = 0; i < NW; i++)
            cw[t][i] = (float)hn_rng_normal(&rng);
        for (int i = 0; i < NB; i++)
            cb[t][i] = (float)hn_rng_normal(&rng);
    }
    setup cpu, gpu;
    hn_error err = {0};
    int ok = build(&cpu, HN_DEVICE_CPU, &cfg, w0, b0, &err);
    CHECK_MSG(ok, "%s: cpu: %s", label, err.msg);
    ok = ok && build(&gpu, HN_DEVICE_CUDA, &cfg, w0, b0, &err);
    CHECK_MSG(ok, "%s: cuda: %s", label, err.msg);
    for (int t = 0; ok && t < STEPS; t++) {
        ok = step(&cpu, cw[t], cb[t], &err) && step(&gpu, cw[t], cb[t], &err);
        CHECK_MSG(ok, "%s: step %d: %s", label, t + 1, err.msg);
        float wc[NW], wg[NW], bc[NB], bg[NB];
        ok = ok && !hn_tensor_get(cpu.w, wc, NW, &err) && !hn_tensor_get(gpu.w, wg, NW, &err) &&
             !hn_tensor_get(cpu.b, bc, NB, &err) && !hn_tensor_get(gpu.b, bg, NB, &err);
        int bad = 0;
        for (int i = 0; ok && i < NW; i++)
            if (!close_rel(wc[i], wg[i]) && bad++ < 3)
                fprintf(stderr, "  %s step %d: w[%d] cpu %.9g cuda %.9g\n", label, t + 1, i, wc[i], wg[i]);
        for (int i = 0; ok && i < NB; i++)
            if (!close_rel(bc[i], bg[i]) && bad++ < 3)
                fprintf(stderr, "  %s step %d: b[%d] cpu %.9g cuda %.9g\n", label, t + 1, i, bc[i], bg[i]);
        CHECK_MSG(bad == 0, "%s: parameters differ after step %d", label, t + 1);
    }
    if (ok) {
        CHECK(hn_optim_step_count(cpu.opt) == STEPS && hn_optim_step_count(gpu.opt) == STEPS);
        if (cfg.max_grad_norm > 0)
            CHECK_NEAR(hn_optim_last_grad_norm(gpu.opt), hn_optim_last_grad_norm(cpu.opt),
                       1e-5 * hn_optim_last_grad_norm(cpu.opt));
        /* the exported state: same layout, values within tolerance */
        size_t n = hn_optim_state_size(cpu.opt);
        CHECK(n == hn_optim_state_size(gpu.opt));
        unsigned char *a = malloc(n), *b = malloc(n);
        CHECK_OK(hn_optim_state_save(cpu.opt, a, n, &err), &err);
        CHECK_OK(hn_optim_state_save(gpu.opt, b, n, &err), &err);
        size_t first = 56 + 8 * 2, nf = (n - first - 8) / 4;
        CHECK(memcmp(a, b, first) == 0);
        int bad = 0;
        for (size_t i = 0; i < nf; i++) {
            float x, y;
            memcpy(&x, a + first + 4 * i, 4);
            memcpy(&y, b + first + 4 * i, 4);
            bad += !close_rel(x, y);
        }
        CHECK_MSG(bad == 0, "%s: %d state values differ", label, bad);
        /* loading the CPU's state into the device optimiser continues identically */
        CHECK_OK(hn_optim_state_load(gpu.opt, a, n, &err), &err);
        free(a);
        free(b);
    }
    hn_optim_free(cpu.opt);
    hn_optim_free(gpu.opt);
    hn_graph_free(cpu.g);
    hn_graph_free(gpu.g);
}

TEST(every_optimiser_matches_cpu)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    hn_optim_config c;
    c = hn_optim_config_default(HN_OPTIM_GD);
    c.lr = 0.1;
    check_config("gd", c);
    c = hn_optim_config_default(HN_OPTIM_SGD);
    c.lr = 0.1;
    c.momentum = 0.9;
    c.dampening = 0.1;
    c.weight_decay = 0.01;
    check_config("sgd momentum", c);
    c.dampening = 0;
    c.nesterov = 1;
    check_config("sgd nesterov", c);
    c = hn_optim_config_default(HN_OPTIM_ADAGRAD);
    c.lr_decay = 0.1;
    c.initial_accumulator = 0.5;
    c.weight_decay = 0.01;
    check_config("adagrad", c);
    c = hn_optim_config_default(HN_OPTIM_ADADELTA);
    check_config("adadelta", c);
    c = hn_optim_config_default(HN_OPTIM_RMSPROP);
    check_config("rmsprop", c);
    c.momentum = 0.5;
    c.centered = 1;
    c.weight_decay = 0.01;
    check_config("rmsprop centred momentum", c);
    c.momentum = 0;
    check_config("rmsprop centred", c);
    c = hn_optim_config_default(HN_OPTIM_ADAM);
    c.weight_decay = 0.01;
    check_config("adam", c);
    c.amsgrad = 1;
    check_config("adam amsgrad", c);
    c = hn_optim_config_default(HN_OPTIM_ADAMW);
    c.max_grad_norm = 0.5;
    check_config("adamw clipped", c);
    c.amsgrad = 1;
    c.max_grad_norm = 0;
    check_config("adamw amsgrad", c);
}

/* A non-finite gradient norm with clipping: HN_ERR_NUMERIC, nothing changed. */
TEST(nonfinite_norm_changes_nothing)
{
    hn_error err = {0};
    if (hn_device_check(HN_DEVICE_CUDA, NULL, 0, &err))
        SKIP("%s", err.msg);
    hn_optim_config c = hn_optim_config_default(HN_OPTIM_ADAM);
    c.max_grad_norm = 1.0;
    float w0[NW] = {0}, b0[NB] = {0}, cw[NW] = {0}, cb[NB] = {0};
    cw[3] = INFINITY;
    setup s;
    CHECK(build(&s, HN_DEVICE_CUDA, &c, w0, b0, &err));
    CHECK_OK(hn_tensor_set(s.cw, cw, NW, &err), &err);
    CHECK_OK(hn_tensor_set(s.cb, cb, NB, &err), &err);
    hn_graph_zero_grad(s.g);
    CHECK_OK(hn_graph_forward(s.g, &err), &err);
    CHECK_OK(hn_graph_backward(s.g, s.loss, &err), &err);
    CHECK(hn_optim_step(s.opt, &err) == HN_ERR_NUMERIC);
    CHECK(hn_optim_step_count(s.opt) == 0);
    float w[NW];
    CHECK_OK(hn_tensor_get(s.w, w, NW, &err), &err);
    CHECK(memcmp(w, w0, sizeof w) == 0);
    hn_optim_free(s.opt);
    hn_graph_free(s.g);
}

int main(void)
{
    RUN(every_optimiser_matches_cpu);
    RUN(nonfinite_norm_changes_nothing);
    return TEST_SUMMARY();
}
