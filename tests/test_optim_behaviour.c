/* Optimiser behaviour beyond single steps: convergence on an ill-conditioned
 * quadratic, momentum's acceleration, clipping, thread-count independence and
 * argument checking. */
#include "harness.h"
#include "hepnn/optim.h"

#include <stdint.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define DIM 10

/* f(w) = sum(a/2 w^2 + d w) with curvatures a from 1 to 100 (condition 100);
 * its minimum is w* = -d / a, f* = -sum(d^2 / 2a). */
typedef struct quad {
    float a[DIM], d[DIM];
} quad;

static quad quad_make(void)
{
    quad q;
    for (int i = 0; i < DIM; i++) {
        q.a[i] = (float)pow(100.0, i / (double)(DIM - 1));
        q.d[i] = (float)((i % 3) - 1) * 0.5f + 0.25f;
    }
    return q;
}

/* rounded once from double, so that the result does not depend on whether
 * the compiler fuses the multiply-add */
static void quad_grad(const quad *q, const float *w, float *g)
{
    for (int i = 0; i < DIM; i++)
        g[i] = (float)((double)q->a[i] * w[i] + q->d[i]);
}

/* f(w) - f*, computed as sum a/2 (w - w*)^2 so that it is exact near 0 */
static double quad_gap(const quad *q, const float *w)
{
    double s = 0;
    for (int i = 0; i < DIM; i++) {
        double e = w[i] + (double)q->d[i] / q->a[i];
        s += 0.5 * q->a[i] * e * e;
    }
    return s;
}

/* Runs `steps` steps from w = 1; with a schedule (may be NULL) the lr is set
 * from it before each step. Returns the final gap. */
static double run_quad(const hn_optim_config *cfg, const hn_schedule *sched, int steps)
{
    quad q = quad_make();
    float w[DIM], g[DIM];
    for (int i = 0; i < DIM; i++)
        w[i] = 1.0f;
    hn_param_view v = {w, g, DIM, 0, "w"};
    hn_optim *opt = NULL;
    hn_error e_ = {0}, *err = &e_;
    CHECK_OK(hn_optim_new(&opt, cfg, &v, 1, err), err);
    if (!opt)
        return INFINITY;
    for (int t = 0; t < steps; t++) {
        if (sched)
            CHECK_OK(hn_optim_set_lr(opt, hn_schedule_lr(sched, t), err), err);
        quad_grad(&q, w, g);
        CHECK_OK(hn_optim_step(opt, err), err);
    }
    hn_optim_free(opt);
    return quad_gap(&q, w);
}

TEST(momentum_beats_gradient_descent)
{
    quad q = quad_make();
    float w1[DIM];
    for (int i = 0; i < DIM; i++)
        w1[i] = 1.0f;
    double gap0 = quad_gap(&q, w1);
    /* GD's best fixed lr on curvatures [1, 100] is 2 / (1 + 100) */
    hn_optim_config gd = hn_optim_config_default(HN_OPTIM_GD);
    gd.lr = 2.0 / 101;
    double g_gd = run_quad(&gd, NULL, 100);
    /* heavy ball with Polyak's tuning: lr = 4 / (1 + 10)^2, momentum = (9 / 11)^2 */
    hn_optim_config hb = hn_optim_config_default(HN_OPTIM_SGD);
    hb.lr = 4.0 / 121;
    hb.momentum = (9.0 / 11) * (9.0 / 11);
    double g_hb = run_quad(&hb, NULL, 100);
    hn_optim_config nag = hb;
    nag.nesterov = 1;
    nag.lr = 1.0 / 100;
    nag.momentum = 0.8;
    double g_nag = run_quad(&nag, NULL, 100);
    fprintf(stderr, "  gap after 100 steps from %.3g: gd %.3g, momentum %.3g, nesterov %.3g\n", gap0, g_gd, g_hb,
            g_nag);
    /* GD contracts the flat direction by (1 - 2/101) per step: ~0.14 of the gap is left */
    CHECK(g_gd > 1e-3 * gap0);
    CHECK(g_hb < 1e-3 * g_gd);
    CHECK(g_nag < 1e-2 * g_gd);
}

TEST(adaptive_optimisers_converge)
{
    quad q = quad_make();
    float w1[DIM];
    for (int i = 0; i < DIM; i++)
        w1[i] = 1.0f;
    double gap0 = quad_gap(&q, w1);
    /* Methods that normalise the gradient take steps of about lr even next to
     * the minimum, so anneal with 1/t and ask for 1e-4 of the initial gap
     * (with lr 1 and no annealing, Adadelta does not settle on this problem). */
    struct {
        hn_optim_kind kind;
        double lr, decay;
        int variant;
    } runs[] = {
        {HN_OPTIM_ADAGRAD, 0.5, 0.0, 0},   {HN_OPTIM_ADADELTA, 0.5, 0.01, 0}, {HN_OPTIM_RMSPROP, 0.01, 0.01, 0},
        {HN_OPTIM_RMSPROP, 0.01, 0.01, 1}, {HN_OPTIM_ADAM, 0.1, 0.01, 0},    {HN_OPTIM_ADAM, 0.1, 0.01, 1},
        {HN_OPTIM_ADAMW, 0.1, 0.01, 0},
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        hn_optim_config c = hn_optim_config_default(runs[r].kind);
        if (runs[r].kind == HN_OPTIM_ADADELTA)
            c.eps = 1e-3; /* Adadelta's first steps are ~sqrt(eps) long */
        if (runs[r].variant && runs[r].kind == HN_OPTIM_RMSPROP) {
            c.centered = 1;
            c.momentum = 0.5;
        }
        if (runs[r].variant && runs[r].kind == HN_OPTIM_ADAM)
            c.amsgrad = 1;
        hn_schedule s = {HN_SCHED_INVERSE, runs[r].lr, 0, 0, runs[r].decay, 0};
        double gap = run_quad(&c, &s, 3000);
        fprintf(stderr, "  %-8s variant %d: gap %.3g\n", hn_optim_kind_name(c.kind), runs[r].variant, gap);
        CHECK_MSG(gap < 1e-4 * gap0, "%s variant %d: gap %.3g of %.3g", hn_optim_kind_name(c.kind),
                  runs[r].variant, gap, gap0);
    }
}

TEST(weight_decay_spares_biases)
{
    /* zero gradients: only weight decay moves anything, and only the decay = 1 view */
    float w[3] = {1, -2, 3}, b[2] = {1, -1}, gw[3] = {0}, gb[2] = {0};
    hn_param_view v[2] = {{w, gw, 3, 1, "w"}, {b, gb, 2, 0, "b"}};
    hn_optim_kind kinds[] = {HN_OPTIM_SGD, HN_OPTIM_ADAGRAD, HN_OPTIM_ADADELTA, HN_OPTIM_RMSPROP, HN_OPTIM_ADAM,
                             HN_OPTIM_ADAMW};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        hn_optim_config c = hn_optim_config_default(kinds[k]);
        c.weight_decay = 0.1;
        hn_optim *opt = NULL;
        hn_error e_ = {0}, *err = &e_;
        CHECK_OK(hn_optim_new(&opt, &c, v, 2, err), err);
        CHECK_OK(hn_optim_step(opt, err), err);
        CHECK_MSG(fabsf(w[0]) < 1 && fabsf(w[1]) < 2 && fabsf(w[2]) < 3, "%s", hn_optim_kind_name(kinds[k]));
        CHECK_MSG(b[0] == 1 && b[1] == -1, "%s moved a bias", hn_optim_kind_name(kinds[k]));
        hn_optim_free(opt);
        w[0] = 1, w[1] = -2, w[2] = 3;
    }
}

TEST(gradient_norm_and_clipping)
{
    float a[2] = {3, 4}, b[1] = {12}, wa[2] = {0}, wb[1] = {0};
    hn_param_view v[2] = {{wa, a, 2, 1, "a"}, {wb, b, 1, 0, "b"}};
    double norm = 0;
    hn_error e_ = {0}, *err = &e_;
    CHECK_OK(hn_grad_norm(v, 2, &norm, err), err);
    CHECK(norm == 13.0);
    CHECK(hn_clip_coef(13.0, 26.0) == 1.0);
    CHECK(hn_clip_coef(0.0, 1.0) == 1.0);
    CHECK_NEAR(hn_clip_coef(13.0, 6.5), 0.5, 1e-7);

    /* mutable clipping: the norm drops to max_norm, directions stay */
    float ga[2] = {3, 4}, gb[1] = {12};
    float *grads[2] = {ga, gb};
    CHECK_OK(hn_clip_grad_norm(v, 2, grads, 6.5, &norm, err), err);
    CHECK(norm == 13.0);
    double after = sqrt((double)ga[0] * ga[0] + (double)ga[1] * ga[1] + (double)gb[0] * gb[0]);
    CHECK_NEAR(after, 6.5, 1e-5);
    CHECK_NEAR(ga[1] / ga[0], 4.0 / 3.0, 1e-6);
    /* below the limit nothing changes */
    CHECK_OK(hn_clip_grad_norm(v, 2, grads, 100.0, &norm, err), err);
    CHECK_NEAR(norm, 6.5, 1e-5);
    CHECK(ga[0] == (float)(3 * 6.5 / (13 + 1e-6)));

    /* inside the optimiser: GD with lr 1 moves by exactly the clipped gradient */
    hn_optim_config c = hn_optim_config_default(HN_OPTIM_GD);
    c.lr = 1.0;
    c.max_grad_norm = 1.0;
    hn_optim *opt = NULL;
    CHECK_OK(hn_optim_new(&opt, &c, v, 2, err), err);
    CHECK(isnan(hn_optim_last_grad_norm(opt)));
    CHECK_OK(hn_optim_step(opt, err), err);
    CHECK(hn_optim_last_grad_norm(opt) == 13.0);
    double moved = sqrt((double)wa[0] * wa[0] + (double)wa[1] * wa[1] + (double)wb[0] * wb[0]);
    CHECK_NEAR(moved, 1.0, 1e-6);
    CHECK_NEAR(wb[0], -12.0 / 13.0, 1e-6);

    /* a non-finite gradient is refused and nothing moves */
    b[0] = INFINITY;
    float before = wa[0];
    CHECK(hn_optim_step(opt, err) == HN_ERR_NUMERIC);
    CHECK(strstr(err->msg, "norm") != NULL);
    CHECK(wa[0] == before && hn_optim_step_count(opt) == 1);
    b[0] = NAN;
    CHECK(hn_clip_grad_norm(v, 2, grads, 1.0, &norm, err) == HN_OK); /* grads, not v's, are measured */
    gb[0] = NAN;
    CHECK(hn_clip_grad_norm(v, 2, grads, 1.0, &norm, err) == HN_ERR_NUMERIC);
    hn_optim_free(opt);
}

/* A long view (past the parallel threshold): norms and steps must be the same
 * bits whatever the thread count. */
TEST(thread_count_does_not_change_results)
{
#ifndef _OPENMP
    SKIP("built without OpenMP");
#else
    const int64_t n = 200003;
    float *g = malloc((size_t)n * sizeof *g), *w1 = malloc((size_t)n * sizeof *w1),
          *w2 = malloc((size_t)n * sizeof *w2);
    CHECK(g && w1 && w2);
    if (!g || !w1 || !w2) {
        free(g), free(w1), free(w2);
        return;
    }
    uint64_t x = 88172645463325252ull;
    long double ref = 0;
    for (int64_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        g[i] = (float)((double)(x >> 11) / 9007199254740992.0 - 0.5);
        w1[i] = w2[i] = g[i] * 3.0f;
        ref += (long double)g[i] * g[i];
    }
    int saved = omp_get_max_threads();
    hn_param_view v1 = {w1, g, n, 1, "big"}, v2 = {w2, g, n, 1, "big"};
    double n1 = 0, n3 = 0;
    hn_error e_ = {0}, *err = &e_;
    omp_set_num_threads(1);
    CHECK_OK(hn_grad_norm(&v1, 1, &n1, err), err);
    omp_set_num_threads(3);
    CHECK_OK(hn_grad_norm(&v1, 1, &n3, err), err);
    CHECK(n1 == n3);
    CHECK_NEAR(n1, sqrtl(ref), 1e-12 * n1);

    hn_optim_config c = hn_optim_config_default(HN_OPTIM_ADAM);
    c.weight_decay = 0.01;
    c.max_grad_norm = 10.0;
    hn_optim *o1 = NULL, *o2 = NULL;
    CHECK_OK(hn_optim_new(&o1, &c, &v1, 1, err), err);
    CHECK_OK(hn_optim_new(&o2, &c, &v2, 1, err), err);
    for (int s = 0; s < 3; s++) {
        omp_set_num_threads(1);
        CHECK_OK(hn_optim_step(o1, err), err);
        omp_set_num_threads(3);
        CHECK_OK(hn_optim_step(o2, err), err);
    }
    CHECK(memcmp(w1, w2, (size_t)n * sizeof *w1) == 0);
    CHECK(hn_optim_last_grad_norm(o1) == hn_optim_last_grad_norm(o2));
    omp_set_num_threads(saved);
    hn_optim_free(o1);
    hn_optim_free(o2);
    free(g), free(w1), free(w2);
#endif
}

/* A failed call returns its status and a message that names the culprit. */
static void expect_arg(hn_status st, const hn_error *err, const char *needle, int line)
{
    if (st != HN_ERR_ARG || !strstr(err->msg, needle)) {
        fprintf(stderr, "%s:%d: expected HN_ERR_ARG naming '%s', got %d '%s'\n", __FILE__, line, needle, (int)st,
                err->msg);
        hn_test_failed_checks++;
    }
}
#define EXPECT_ARG(call, needle) expect_arg((call), err, (needle), __LINE__)

static hn_status new_with(hn_optim_config c, hn_error *err)
{
    float w[2] = {0}, g[2] = {0};
    hn_param_view v = {w, g, 2, 1, "w"};
    hn_optim *opt = (hn_optim *)&c; /* must be reset to NULL on failure */
    hn_status st = hn_optim_new(&opt, &c, &v, 1, err);
    if (st != HN_OK && opt != NULL) {
        fprintf(stderr, "hn_optim_new failed but left *opt set\n");
        hn_test_failed_checks++;
    }
    if (st == HN_OK)
        hn_optim_free(opt);
    return st;
}

/* A weight whose gradient becomes exactly zero (a dead ReLU unit): the
 * decaying state (momentum, running averages) must reach 0 without passing
 * through subnormal floats, whose arithmetic is many times slower. The state
 * is read through hn_optim_state_save: its floats (little endian, one per
 * slot for this one-value view) come just before the closing 8-byte hash. */
TEST(decaying_state_skips_subnormals)
{
    static const hn_optim_kind kinds[] = {HN_OPTIM_SGD, HN_OPTIM_ADAM, HN_OPTIM_RMSPROP, HN_OPTIM_ADADELTA};
    static const int slots[] = {1, 2, 1, 2}; /* momentum; m, v; average of squares; its two averages */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        hn_optim_config c = hn_optim_config_default(kinds[k]);
        c.momentum = kinds[k] == HN_OPTIM_SGD ? 0.9 : c.momentum;
        c.beta1 = 0.9;
        c.alpha = 0.9; /* RMSprop's average of squares: quick to decay */
        c.rho = 0.9;
        float w = 1.0f, g = 1.0f;
        hn_param_view v = {&w, &g, 1, 1, "w"};
        hn_optim *o = NULL;
        hn_error err = {0};
        CHECK_OK(hn_optim_new(&o, &c, &v, 1, &err), &err);
        if (!o)
            continue;
        size_t size = hn_optim_state_size(o);
        unsigned char *buf = malloc(size);
        int subnormal = 0, zero = 0;
        for (int step = 0; step < 1500 && buf; step++) {
            CHECK_OK(hn_optim_step(o, &err), &err);
            g = 0.0f;
            CHECK_OK(hn_optim_state_save(o, buf, size, &err), &err);
            for (size_t at = size - 8 - 4 * (size_t)slots[k]; at < size - 8; at += 4) {
                uint32_t bits = (uint32_t)buf[at] | (uint32_t)buf[at + 1] << 8 | (uint32_t)buf[at + 2] << 16 |
                                (uint32_t)buf[at + 3] << 24;
                float f;
                memcpy(&f, &bits, 4);
                subnormal += fpclassify(f) == FP_SUBNORMAL;
                zero += f == 0.0f && step == 1499;
            }
        }
        CHECK_MSG(subnormal == 0, "%s: %d subnormal state values", hn_optim_kind_name(kinds[k]), subnormal);
        /* a decaying slot (momentum, m, the averages of squares) reached exactly 0 */
        CHECK_MSG(zero >= 1, "%s: the decayed state is not 0", hn_optim_kind_name(kinds[k]));
        CHECK(isfinite(w));
        free(buf);
        hn_optim_free(o);
    }
}

TEST(bad_arguments_are_named)
{
    hn_error e_ = {0}, *err = &e_;
    float w[2] = {0}, g[2] = {0};
    hn_param_view v = {w, g, 2, 1, "fc1.weight"};
    hn_optim_config c = hn_optim_config_default(HN_OPTIM_ADAM);
    hn_optim *opt = NULL;
    EXPECT_ARG(hn_optim_new(NULL, &c, &v, 1, err), "opt");
    EXPECT_ARG(hn_optim_new(&opt, NULL, &v, 1, err), "config");
    EXPECT_ARG(hn_optim_new(&opt, &c, NULL, 1, err), "views");
    EXPECT_ARG(hn_optim_new(&opt, &c, &v, 0, err), "n_views");
    hn_param_view bad = v;
    bad.n = 0;
    EXPECT_ARG(hn_optim_new(&opt, &c, &bad, 1, err), "fc1.weight");
    CHECK(strstr(err->msg, "n = 0"));
    bad = v;
    bad.value = NULL;
    EXPECT_ARG(hn_optim_new(&opt, &c, &bad, 1, err), "value");
    bad = v;
    bad.grad = NULL;
    EXPECT_ARG(hn_optim_new(&opt, &c, &bad, 1, err), "grad");
    bad = v;
    bad.decay = 2;
    EXPECT_ARG(hn_optim_new(&opt, &c, &bad, 1, err), "decay");

    hn_optim_config b;
    b = c, b.lr = -0.1;
    EXPECT_ARG(new_with(b, err), "config.lr");
    b = c, b.lr = NAN;
    EXPECT_ARG(new_with(b, err), "config.lr");
    b = c, b.beta1 = 1.0;
    EXPECT_ARG(new_with(b, err), "config.beta1");
    b = c, b.beta2 = -0.01;
    EXPECT_ARG(new_with(b, err), "config.beta2");
    b = c, b.eps = 0;
    EXPECT_ARG(new_with(b, err), "config.eps");
    b = c, b.weight_decay = -1;
    EXPECT_ARG(new_with(b, err), "config.weight_decay");
    b = c, b.max_grad_norm = -1;
    EXPECT_ARG(new_with(b, err), "config.max_grad_norm");
    b = hn_optim_config_default(HN_OPTIM_SGD), b.momentum = 1.0;
    EXPECT_ARG(new_with(b, err), "config.momentum");
    b = hn_optim_config_default(HN_OPTIM_SGD), b.nesterov = 1;
    EXPECT_ARG(new_with(b, err), "nesterov");
    b = hn_optim_config_default(HN_OPTIM_SGD), b.dampening = 1.5;
    EXPECT_ARG(new_with(b, err), "config.dampening");
    b = hn_optim_config_default(HN_OPTIM_GD), b.momentum = 0.9;
    EXPECT_ARG(new_with(b, err), "momentum");
    b = hn_optim_config_default(HN_OPTIM_RMSPROP), b.alpha = 1.0;
    EXPECT_ARG(new_with(b, err), "config.alpha");
    b = hn_optim_config_default(HN_OPTIM_ADADELTA), b.rho = -0.5;
    EXPECT_ARG(new_with(b, err), "config.rho");
    b = hn_optim_config_default(HN_OPTIM_ADAGRAD), b.lr_decay = -1;
    EXPECT_ARG(new_with(b, err), "config.lr_decay");
    b = c, b.kind = HN_OPTIM_KIND_COUNT;
    EXPECT_ARG(new_with(b, err), "config.kind");
    /* defaults of every kind are valid; unused fields are not checked */
    for (int k = 0; k < HN_OPTIM_KIND_COUNT; k++)
        CHECK_OK(new_with(hn_optim_config_default((hn_optim_kind)k), err), err);
    b = hn_optim_config_default(HN_OPTIM_ADAGRAD), b.beta1 = 7;
    CHECK_OK(new_with(b, err), err);

    CHECK_OK(hn_optim_new(&opt, &c, &v, 1, err), err);
    EXPECT_ARG(hn_optim_set_lr(opt, -1, err), "lr");
    EXPECT_ARG(hn_optim_set_lr(opt, INFINITY, err), "lr");
    EXPECT_ARG(hn_optim_set_lr(NULL, 0.1, err), "opt");
    CHECK_OK(hn_optim_set_lr(opt, 0.25, err), err);
    CHECK(hn_optim_get_lr(opt) == 0.25 && hn_optim_get_config(opt).lr == 0.25);
    EXPECT_ARG(hn_optim_step(NULL, err), "opt");
    hn_optim_free(opt);
    hn_optim_free(NULL);

    hn_optim_kind k;
    EXPECT_ARG(hn_optim_kind_parse("adamm", &k, err), "adamm");
    CHECK_OK(hn_optim_kind_parse("AdamW", &k, err), err);
    CHECK(k == HN_OPTIM_ADAMW);
    CHECK(strcmp(hn_optim_kind_name(HN_OPTIM_RMSPROP), "rmsprop") == 0);

    double norm;
    EXPECT_ARG(hn_grad_norm(&v, 1, NULL, err), "norm");
    EXPECT_ARG(hn_grad_norm(&v, 0, &norm, err), "n_views");
    float *grads[1] = {g};
    EXPECT_ARG(hn_clip_grad_norm(&v, 1, grads, 0.0, &norm, err), "max_norm");
    EXPECT_ARG(hn_clip_grad_norm(&v, 1, NULL, 1.0, &norm, err), "grads");

    hn_penalty p = {-0.1, 0};
    EXPECT_ARG(hn_penalty_add(&p, &v, 1, NULL, &norm, err), "l1");
    p.l1 = 0, p.l2 = NAN;
    EXPECT_ARG(hn_penalty_add(&p, &v, 1, NULL, &norm, err), "l2");
    p.l2 = 0.1;
    float *nogr[1] = {NULL};
    EXPECT_ARG(hn_penalty_add(&p, &v, 1, nogr, &norm, err), "grads[0]");
    EXPECT_ARG(hn_penalty_add(NULL, &v, 1, NULL, &norm, err), "pen");

    hn_schedule s = {HN_SCHED_STEP, 0.1, 0, 0.5, 0, 0};
    EXPECT_ARG(hn_schedule_check(&s, err), "schedule.step_size");
    CHECK(isnan(hn_schedule_lr(&s, 3)));
    s.step_size = 2, s.gamma = 0;
    EXPECT_ARG(hn_schedule_check(&s, err), "schedule.gamma");
    s.gamma = 0.5, s.lr0 = -1;
    EXPECT_ARG(hn_schedule_check(&s, err), "schedule.lr0");
    s.lr0 = 0.1, s.warmup = -2;
    EXPECT_ARG(hn_schedule_check(&s, err), "schedule.warmup");
    s.warmup = 0;
    CHECK(isnan(hn_schedule_lr(&s, -1)));
    CHECK(hn_schedule_lr(&s, 5) == 0.1 * 0.25);
    hn_schedule inv = {HN_SCHED_INVERSE, 0.1, 0, 0, -1, 0};
    EXPECT_ARG(hn_schedule_check(&inv, err), "schedule.decay");
    hn_schedule_kind sk;
    EXPECT_ARG(hn_schedule_kind_parse("cosine", &sk, err), "cosine");
}

int main(void)
{
    RUN(momentum_beats_gradient_descent);
    RUN(adaptive_optimisers_converge);
    RUN(weight_decay_spares_biases);
    RUN(gradient_norm_and_clipping);
    RUN(thread_count_does_not_change_results);
    RUN(decaying_state_skips_subnormals);
    RUN(bad_arguments_are_named);
    return TEST_SUMMARY();
}
