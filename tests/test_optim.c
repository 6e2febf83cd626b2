/* Optimiser steps, schedules and penalties against PyTorch reference values
 * (tests/data/fixtures/optim_*.txt, written by tools/fixtures/gen_optim.py). */
#include "harness.h"
#include "hepnn/optim.h"

#define NMAX 16
#define FIX HN_TEST_DATA "/fixtures/"

/* Parameters after a step must agree to 1e-6 relative. The parameters are
 * O(1), and an update w - u with w, u ~ 0.5 that lands near 0 carries float32
 * rounding of ~1 ulp of 0.5 (6e-8) in either implementation, so the relative
 * measure gets a floor of 0.1: never less than 1e-7 absolute. */
#define REL_FLOOR 0.1
static int close_rel(double got, double want)
{
    return fabs(got - want) <= 1e-6 * fmax(fabs(want), REL_FLOOR);
}

static int read_vec(FILE *f, const char *tag, float *v, int n)
{
    char word[64];
    if (fscanf(f, "%63s", word) != 1 || strcmp(word, tag) != 0)
        return 0;
    for (int i = 0; i < n; i++)
        if (fscanf(f, "%f", &v[i]) != 1)
            return 0;
    return 1;
}

static void skip_comments(FILE *f)
{
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '#') {
            while ((c = fgetc(f)) != EOF && c != '\n') {
            }
        } else if (c != ' ' && c != '\n') {
            ungetc(c, f);
            return;
        }
    }
}

static int set_hp(hn_optim_config *c, const char *key, double v)
{
    struct {
        const char *name;
        double *field;
    } d[] = {
        {"lr", &c->lr},       {"weight_decay", &c->weight_decay}, {"momentum", &c->momentum},
        {"dampening", &c->dampening}, {"lr_decay", &c->lr_decay}, {"initial_accumulator", &c->initial_accumulator},
        {"rho", &c->rho},     {"alpha", &c->alpha},               {"beta1", &c->beta1},
        {"beta2", &c->beta2}, {"eps", &c->eps},                   {"max_grad_norm", &c->max_grad_norm},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (!strcmp(key, d[i].name)) {
            *d[i].field = v;
            return 1;
        }
    if (!strcmp(key, "nesterov"))
        c->nesterov = (int)v;
    else if (!strcmp(key, "centered"))
        c->centered = (int)v;
    else if (!strcmp(key, "amsgrad"))
        c->amsgrad = (int)v;
    else
        return 0;
    return 1;
}

/* gradient of sum(a/2 w^2 + d w), rounded as PyTorch rounds it in float32 */
static void quad_grad(const float *a, const float *d, const float *w, float *g, int n)
{
    for (int i = 0; i < n; i++) {
        float t = a[i] * w[i];
        g[i] = t + d[i];
    }
}

TEST(steps_match_pytorch)
{
    FILE *f = fopen(FIX "optim_steps.txt", "r");
    if (!f)
        SKIP("no fixture %s", FIX "optim_steps.txt");
    int version = 0, nw = 0, nb = 0;
    CHECK(fscanf(f, "hepnn-optim-steps %d", &version) == 1 && version == 1);
    skip_comments(f);
    CHECK(fscanf(f, "problem %d %d", &nw, &nb) == 2 && nw > 0 && nw <= NMAX && nb > 0 && nb <= NMAX);
    if (nw <= 0 || nw > NMAX || nb <= 0 || nb > NMAX) {
        fclose(f);
        return;
    }
    float aw[NMAX], dw[NMAX], ab[NMAX], db[NMAX], w0[NMAX], b0[NMAX];
    CHECK(read_vec(f, "a_w", aw, nw) && read_vec(f, "d_w", dw, nw) && read_vec(f, "a_b", ab, nb) &&
          read_vec(f, "d_b", db, nb) && read_vec(f, "w0", w0, nw) && read_vec(f, "b0", b0, nb));
    int cases = 0;
    char name[64], kind_name[32];
    int steps, nhp;
    double worst = 0;
    while (fscanf(f, " case %63s %31s %d %d", name, kind_name, &steps, &nhp) == 4) {
        hn_error err_ = {0}, *err = &err_;
        hn_optim_kind kind;
        CHECK_OK(hn_optim_kind_parse(kind_name, &kind, err), err);
        hn_optim_config cfg = hn_optim_config_default(kind);
        for (int h = 0; h < nhp; h++) {
            char key[64];
            double v;
            CHECK(fscanf(f, " hp %63s %lf", key, &v) == 2);
            CHECK_MSG(set_hp(&cfg, key, v), "case %s: unknown hyper-parameter %s", name, key);
        }
        float w[NMAX], b[NMAX], gw[NMAX], gb[NMAX];
        memcpy(w, w0, sizeof w);
        memcpy(b, b0, sizeof b);
        hn_param_view views[2] = {
            {w, gw, nw, 1, "W"},
            {b, gb, nb, 0, "B"},
        };
        hn_optim *opt = NULL;
        CHECK_OK(hn_optim_new(&opt, &cfg, views, 2, err), err);
        for (int s = 1; s <= steps; s++) {
            int sn = 0;
            float rw[NMAX], rb[NMAX];
            CHECK(fscanf(f, " step %d", &sn) == 1 && sn == s);
            for (int i = 0; i < nw; i++)
                CHECK(fscanf(f, "%f", &rw[i]) == 1);
            for (int i = 0; i < nb; i++)
                CHECK(fscanf(f, "%f", &rb[i]) == 1);
            if (!opt)
                continue;
            quad_grad(aw, dw, w, gw, nw);
            quad_grad(ab, db, b, gb, nb);
            CHECK_OK(hn_optim_step(opt, err), err);
            for (int i = 0; i < nw + nb; i++) {
                double got = i < nw ? w[i] : b[i - nw], want = i < nw ? rw[i] : rb[i - nw];
                double rel = fabs(got - want) / fmax(fabs(want), REL_FLOOR);
                if (rel > worst)
                    worst = rel;
                CHECK_MSG(close_rel(got, want), "case %s step %d %s[%d]: %.9g vs PyTorch %.9g", name, s,
                          i < nw ? "W" : "B", i < nw ? i : i - nw, got, want);
            }
        }
        CHECK(hn_optim_step_count(opt) == steps);
        if (cfg.max_grad_norm > 0)
            CHECK(hn_optim_last_grad_norm(opt) > 0);
        hn_optim_free(opt);
        cases++;
    }
    fclose(f);
    CHECK(cases >= 20);
    fprintf(stderr, "  %d cases, worst relative difference %.3g\n", cases, worst);
}

TEST(schedules_match_pytorch)
{
    FILE *f = fopen(FIX "optim_sched.txt", "r");
    if (!f)
        SKIP("no fixture");
    int version = 0, n = 0;
    CHECK(fscanf(f, "hepnn-optim-sched %d", &version) == 1 && version == 1);
    skip_comments(f);
    char kname[32];
    hn_schedule s;
    long long step_size, warmup;
    int T;
    while (fscanf(f, " sched %31s %lf %lld %lf %lf %lld %d", kname, &s.lr0, &step_size, &s.gamma, &s.decay,
                  &warmup, &T) == 7) {
        hn_error err_ = {0}, *err = &err_;
        CHECK_OK(hn_schedule_kind_parse(kname, &s.kind, err), err);
        s.step_size = step_size;
        s.warmup = warmup;
        CHECK_OK(hn_schedule_check(&s, err), err);
        CHECK(fscanf(f, " lr") == 0);
        for (int t = 0; t < T; t++) {
            double want;
            CHECK(fscanf(f, "%lf", &want) == 1);
            double got = hn_schedule_lr(&s, t);
            CHECK_MSG(fabs(got - want) <= 1e-12 * want, "schedule %s warmup %lld t=%d: %.17g vs %.17g", kname,
                      warmup, t, got, want);
        }
        n++;
    }
    fclose(f);
    CHECK(n >= 8);
}

TEST(penalties_match_autograd)
{
    FILE *f = fopen(FIX "optim_penalty.txt", "r");
    if (!f)
        SKIP("no fixture");
    int version = 0, n = 0;
    CHECK(fscanf(f, "hepnn-optim-penalty %d", &version) == 1 && version == 1);
    skip_comments(f);
    float w[6], b[2] = {3.0f, -4.0f}, zero_w[6] = {0}, zero_b[2] = {0};
    CHECK(read_vec(f, "w", w, 6));
    hn_penalty pen;
    double want_value, want_grad[6];
    while (fscanf(f, " pen %lf %lf %lf", &pen.l1, &pen.l2, &want_value) == 3) {
        for (int i = 0; i < 6; i++)
            CHECK(fscanf(f, "%lf", &want_grad[i]) == 1);
        /* the bias view must be left out of both the value and the gradient */
        float gw[6], gb[2] = {0.5f, 0.25f};
        for (int i = 0; i < 6; i++)
            gw[i] = 1.0f;
        hn_param_view views[2] = {{w, zero_w, 6, 1, "W"}, {b, zero_b, 2, 0, "B"}};
        float *grads[2] = {gw, gb};
        double value = -1;
        hn_error err_ = {0}, *err = &err_;
        CHECK_OK(hn_penalty_add(&pen, views, 2, grads, &value, err), err);
        CHECK_NEAR(value, want_value, 1e-12 * fmax(1.0, want_value));
        for (int i = 0; i < 6; i++)
            CHECK_NEAR(gw[i] - 1.0, want_grad[i], 1e-7);
        CHECK(gb[0] == 0.5f && gb[1] == 0.25f);
        /* value only, no gradient buffers */
        double v2 = -1;
        CHECK_OK(hn_penalty_add(&pen, views, 2, NULL, &v2, err), err);
        CHECK(v2 == value);
        n++;
    }
    fclose(f);
    CHECK(n == 3);
}

int main(void)
{
    RUN(steps_match_pytorch);
    RUN(schedules_match_pytorch);
    RUN(penalties_match_autograd);
    return TEST_SUMMARY();
}
