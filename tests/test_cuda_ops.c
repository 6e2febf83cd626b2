/* CPU versus CUDA: every op case of op_cases.h built on both devices from the
 * same random inputs; forward values and the gradients of a random seed
 * (vector-Jacobian products) must agree to a relative 1e-5 (fp32, TF32 off).
 * The CPU kernels are the oracle; they are checked against finite
 * differences and PyTorch elsewhere. Skipped, with the reason, when hepnn is
 * built without CUDA or no device is present. */
#include "core/graph_impl.h"
#include "harness.h"
#include "hepnn/device.h"
#include "op_cases.h"

static char skip_reason[HN_ERROR_MSG_MAX];

/* 1 when a CUDA device can be used; else the reason is in skip_reason. */
static int have_cuda(void)
{
    hn_error err = {0};
    char info[256];
    if (hn_device_check(HN_DEVICE_CUDA, info, sizeof info, &err) == HN_OK)
        return 1;
    snprintf(skip_reason, sizeof skip_reason, "%s", err.msg);
    return 0;
}

/* |a − b| <= 1e-5·max(|a|, |b|), with a floor of 1e-6 for values near zero */
static int close_rel(float a, float b) { return fabsf(a - b) <= 1e-5f * fmaxf(fabsf(a), fabsf(b)) + 1e-6f; }

static int compare(const char *what, const char *name, const float *cpu, const float *gpu, int64_t n)
{
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        if (!close_rel(cpu[i], gpu[i]) && bad++ < 3)
            fprintf(stderr, "  %s: %s[%lld]: cpu %.9g, cuda %.9g\n", name, what, (long long)i, cpu[i], gpu[i]);
    return bad;
}

/* Draws the case's inputs from rng into vals[k] (as test_gradcheck does). */
static void draw_inputs(const op_case *c, float vals[4][256], int64_t nvals[4], hn_rng *rng)
{
    for (int k = 0; k < c->n_in; k++) {
        const op_input *s = &c->in[k];
        nvals[k] = hn_shape_numel(s->ndim, s->shape);
        for (int64_t i = 0; i < nvals[k]; i++) {
            double u = hn_rng_uniform(rng);
            if (s->kind == IN_LABEL)
                vals[k][i] = (float)(int)(u * s->hi);
            else
                vals[k][i] = (float)(s->lo + (s->hi - s->lo) * u) * (s->either_sign && hn_rng_uniform(rng) < 0.5 ? -1 : 1);
        }
    }
}

typedef struct {
    hn_graph *g;
    hn_tensor *in[4], *y;
    float out[256], grad[4][256];
    int64_t n_out;
} run_result;

/* Builds the case on dev, runs forward and a seeded backward, downloads. */
static int run_on(hn_device dev, const op_case *c, float vals[4][256], const int64_t nvals[4], const float *r,
                  run_result *res)
{
    hn_error err = {0};
    memset(res, 0, sizeof *res);
    if (hn_graph_new_on(&res->g, dev, 1, &err)) {
        fprintf(stderr, "  %s: graph on %s: %s\n", c->name, hn_device_name(dev), err.msg);
        return 0;
    }
    for (int k = 0; k < c->n_in; k++) {
        const op_input *s = &c->in[k];
        char name[16];
        snprintf(name, sizeof name, "x%d", k);
        res->in[k] = s->kind == IN_PARAM ? hn_param(res->g, name, s->ndim, s->shape)
                                         : hn_input(res->g, name, s->ndim, s->shape);
        if (!res->in[k] || hn_tensor_set(res->in[k], vals[k], nvals[k], &err))
            return 0;
    }
    res->y = c->build(res->g, res->in);
    if (!res->y) {
        fprintf(stderr, "  %s: %s\n", c->name, hn_graph_error(res->g));
        return 0;
    }
    if (hn_graph_compile(res->g, &res->y, 1, &err)) {
        fprintf(stderr, "  %s on %s: %s\n", c->name, hn_device_name(dev), err.msg);
        return 0;
    }
    res->n_out = hn_tensor_numel(res->y);
    if (hn_graph_forward(res->g, &err) || hn_tensor_get(res->y, res->out, res->n_out, &err)) {
        fprintf(stderr, "  %s forward on %s: %s\n", c->name, hn_device_name(dev), err.msg);
        return 0;
    }
    hn_graph_zero_grad(res->g);
    if (hn_graph_backward_seed(res->g, res->y, r, &err)) {
        fprintf(stderr, "  %s backward on %s: %s\n", c->name, hn_device_name(dev), err.msg);
        return 0;
    }
    for (int k = 0; k < c->n_in; k++)
        if (c->in[k].kind == IN_PARAM && hn_tensor_get_grad(res->in[k], res->grad[k], nvals[k], &err)) {
            fprintf(stderr, "  %s gradient on %s: %s\n", c->name, hn_device_name(dev), err.msg);
            return 0;
        }
    return 1;
}

TEST(every_op_matches_cpu)
{
    if (!have_cuda())
        SKIP("%s", skip_reason);
    int covered[HN_OP_COUNT] = {0};
    for (int ci = 0; ci < N_OP_CASES; ci++) {
        const op_case *c = &op_cases[ci];
        hn_rng rng;
        hn_rng_seed(&rng, 4321 + (uint64_t)ci);
        float vals[4][256];
        int64_t nvals[4] = {0};
        draw_inputs(c, vals, nvals, &rng);
        float r[256];
        for (int i = 0; i < 256; i++)
            r[i] = (float)hn_rng_normal(&rng);
        run_result cpu, gpu;
        int ok_cpu = run_on(HN_DEVICE_CPU, c, vals, nvals, r, &cpu);
        int ok_gpu = ok_cpu && run_on(HN_DEVICE_CUDA, c, vals, nvals, r, &gpu);
        if (ok_cpu && !ok_gpu && cpu.y && !hn_backend_supports_op(hn_backend_cuda(), cpu.y->op)) {
            /* an op added to the table after the CUDA backend: compile refuses it, as designed */
            fprintf(stderr, "  %s: no CUDA kernel for op %s yet (compile refused it)\n", c->name,
                    hn_op_defs[cpu.y->op].name);
        } else {
            CHECK_MSG(ok_cpu && ok_gpu, "%s: could not run on both devices", c->name);
        }
        if (ok_cpu && ok_gpu) {
            covered[cpu.y->op] = 1;
            CHECK(cpu.n_out == gpu.n_out);
            CHECK_MSG(compare("y", c->name, cpu.out, gpu.out, cpu.n_out) == 0, "%s: forward differs", c->name);
            for (int k = 0; k < c->n_in; k++)
                if (c->in[k].kind == IN_PARAM)
                    CHECK_MSG(compare("grad", c->name, cpu.grad[k], gpu.grad[k], nvals[k]) == 0,
                              "%s: gradient of input %d differs", c->name, k);
        }
        hn_graph_free(cpu.g);
        if (ok_cpu)
            hn_graph_free(gpu.g);
    }
    int missing = 0;
    for (int op = 1; op < HN_OP_COUNT; op++)
        if (!hn_backend_supports_op(hn_backend_cuda(), (hn_op)op) && missing++ < 20)
            fprintf(stderr, "  note: the CUDA backend has no kernel for %s\n", hn_op_defs[op].name);
    covered[HN_OP_DROPOUT] = 1; /* below */
    (void)covered;
}

/* The batch-norm case again in evaluation mode (running statistics). */
TEST(batchnorm_eval_matches_cpu)
{
    if (!have_cuda())
        SKIP("%s", skip_reason);
    float out[2][12], gx[2][12];
    for (int d = 0; d < 2; d++) {
        hn_graph *g = NULL;
        hn_error err = {0};
        CHECK_OK(hn_graph_new_on(&g, d ? HN_DEVICE_CUDA : HN_DEVICE_CPU, 1, &err), &err);
        if (!g)
            return;
        int64_t c = 3;
        hn_tensor *x = hn_param(g, "x", 2, (int64_t[]){4, 3});
        hn_tensor *ga = hn_param(g, "gamma", 1, &c), *be = hn_param(g, "beta", 1, &c);
        hn_tensor *rm = hn_state(g, "rm", 1, &c), *rv = hn_state(g, "rv", 1, &c);
        hn_tensor *y = hn_batchnorm(g, x, ga, be, rm, rv, 0.1f, 1e-5f);
        CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
        float xv[12], gv[3] = {0.5f, 1.0f, 1.5f}, bv[3] = {-0.2f, 0.1f, 0.3f}, mv[3] = {0.1f, -0.3f, 0.2f},
                      vv[3] = {0.5f, 1.5f, 2.0f}, r[12];
        for (int i = 0; i < 12; i++) {
            xv[i] = (float)(i % 5) * 0.3f - 0.6f;
            r[i] = (float)((i * 7) % 11) * 0.1f - 0.5f;
        }
        CHECK_OK(hn_tensor_set(x, xv, 12, &err), &err);
        CHECK_OK(hn_tensor_set(ga, gv, 3, &err), &err);
        CHECK_OK(hn_tensor_set(be, bv, 3, &err), &err);
        CHECK_OK(hn_tensor_set(rm, mv, 3, &err), &err);
        CHECK_OK(hn_tensor_set(rv, vv, 3, &err), &err);
        hn_graph_set_training(g, 0);
        CHECK_OK(hn_graph_forward(g, &err), &err);
        CHECK_OK(hn_tensor_get(y, out[d], 12, &err), &err);
        hn_graph_zero_grad(g);
        CHECK_OK(hn_graph_backward_seed(g, y, r, &err), &err);
        CHECK_OK(hn_tensor_get_grad(x, gx[d], 12, &err), &err);
        hn_graph_free(g);
    }
    CHECK(compare("y", "batchnorm eval", out[0], out[1], 12) == 0);
    CHECK(compare("grad", "batchnorm eval", gx[0], gx[1], 12) == 0);
}

/* Dropout on the device: about p of the values dropped, the rest scaled by
 * 1/(1 − p); backward uses the forward's mask; the same seed gives the same
 * masks; evaluation mode is the identity. */
TEST(dropout_on_device)
{
    if (!have_cuda())
        SKIP("%s", skip_reason);
    enum { N = 20000 };
    static float xv[N], out[2][N], gx[N];
    for (int i = 0; i < N; i++)
        xv[i] = 1.0f + (float)i / N;
    for (int rep = 0; rep < 2; rep++) {
        hn_graph *g = NULL;
        hn_error err = {0};
        CHECK_OK(hn_graph_new_on(&g, HN_DEVICE_CUDA, 7, &err), &err);
        if (!g)
            return;
        hn_tensor *x = hn_param(g, "x", 2, (int64_t[]){200, 100});
        hn_tensor *y = hn_dropout(g, x, 0.3f);
        hn_tensor *l = hn_sum(g, y, HN_AXIS_ALL);
        CHECK_OK(hn_graph_compile(g, &l, 1, &err), &err);
        CHECK_OK(hn_tensor_set(x, xv, N, &err), &err);
        CHECK_OK(hn_graph_forward(g, &err), &err);
        CHECK_OK(hn_tensor_get(y, out[rep], N, &err), &err);
        if (rep == 0) {
            hn_graph_zero_grad(g);
            CHECK_OK(hn_graph_backward(g, l, &err), &err);
            CHECK_OK(hn_tensor_get_grad(x, gx, N, &err), &err);
            int dropped = 0, bad = 0;
            for (int i = 0; i < N; i++) {
                if (out[0][i] == 0.0f) {
                    dropped++;
                    bad += gx[i] != 0.0f;
                } else {
                    bad += !close_rel(out[0][i], xv[i] / 0.7f) || !close_rel(gx[i], 1.0f / 0.7f);
                }
            }
            CHECK_MSG(bad == 0, "%d values or gradients do not follow the mask", bad);
            CHECK_MSG(abs(dropped - 6000) < 300, "%d of %d dropped, expected about 6000", dropped, N);
            /* a second forward draws a new key: a different mask */
            static float second[N];
            CHECK_OK(hn_graph_forward(g, &err), &err);
            CHECK_OK(hn_tensor_get(y, second, N, &err), &err);
            int same = 0;
            for (int i = 0; i < N; i++)
                same += (second[i] == 0.0f) == (out[0][i] == 0.0f);
            CHECK_MSG(same < N - 1000, "the second forward reused the mask (%d of %d agree)", same, N);
            hn_graph_set_training(g, 0);
            CHECK_OK(hn_graph_forward(g, &err), &err);
            CHECK_OK(hn_tensor_get(y, second, N, &err), &err);
            CHECK(memcmp(second, xv, sizeof xv) == 0);
        }
        hn_graph_free(g);
    }
    CHECK_MSG(memcmp(out[0], out[1], sizeof out[0]) == 0, "the same seed gave different masks");
}

/* Errors come back as statuses: a bad class label found on the device, a
 * tensor_copy out of range. */
TEST(device_errors_are_statuses)
{
    if (!have_cuda())
        SKIP("%s", skip_reason);
    hn_graph *g = NULL;
    hn_error err = {0};
    CHECK_OK(hn_graph_new_on(&g, HN_DEVICE_CUDA, 1, &err), &err);
    if (!g)
        return;
    hn_tensor *z = hn_param(g, "z", 2, (int64_t[]){4, 3});
    hn_tensor *lab = hn_input(g, "labels", 1, (int64_t[]){4});
    hn_tensor *l = hn_loss_cross_entropy(g, z, lab, NULL);
    CHECK_OK(hn_graph_compile(g, &l, 1, &err), &err);
    float labels[4] = {0, 2, 5, 1}, v;
    CHECK_OK(hn_tensor_set(lab, labels, 4, &err), &err);
    CHECK_OK(hn_graph_forward(g, &err), &err); /* queued: the check happens on the device */
    hn_status st = hn_tensor_get(l, &v, 1, &err);
    CHECK(st == HN_ERR_ARG);
    CHECK_MSG(strstr(err.msg, "example 2") != NULL, "message: %s", err.msg);
    labels[2] = 1;
    CHECK_OK(hn_tensor_set(lab, labels, 4, &err), &err);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    CHECK_OK(hn_tensor_get(l, &v, 1, &err), &err); /* the flag was cleared */
    CHECK(hn_tensor_copy(z, 10, z, 0, 4, &err) == HN_ERR_ARG);
    hn_graph_free(g);
}

/* Row gathers on the device (batches cut from a resident data set): the
 * source in a graph of its own, rows drawn at random, equal to the CPU's. */
static int gather_on(hn_device dev, const float *data, const int64_t *rows, float *out, hn_error *err)
{
    hn_graph *dg = NULL, *g = NULL;
    hn_rows *r = NULL;
    int ok = !hn_graph_new_on(&dg, dev, 1, err) && !hn_graph_new_on(&g, dev, 2, err);
    hn_tensor *src = ok ? hn_state(dg, "data", 2, (int64_t[]){1000, 7}) : NULL;
    hn_tensor *dst = ok ? hn_state(g, "batch", 2, (int64_t[]){300, 7}) : NULL;
    ok = ok && src && dst && !hn_tensor_set(src, data, 7000, err) && !hn_rows_new(&r, g, 900, err) &&
         !hn_rows_set(r, rows, 900, 1000, err) && !hn_tensor_gather_rows(dst, src, r, 0, 300, err) &&
         !hn_tensor_get(dst, out, 2100, err) && !hn_tensor_gather_rows(dst, src, r, 600, 300, err) &&
         !hn_tensor_get(dst, out + 2100, 2100, err);
    hn_rows_free(r);
    hn_graph_free(g);
    hn_graph_free(dg);
    return ok;
}

TEST(gather_rows_matches_cpu)
{
    if (!have_cuda())
        SKIP("%s", skip_reason);
    float *data = malloc(sizeof(float) * 7000), *a = malloc(sizeof(float) * 4200), *b = malloc(sizeof(float) * 4200);
    int64_t rows[900];
    hn_rng rng;
    hn_rng_seed(&rng, 99);
    for (int i = 0; i < 7000; i++)
        data[i] = (float)hn_rng_normal(&rng);
    for (int i = 0; i < 900; i++)
        rows[i] = (int64_t)(hn_rng_u64(&rng) % 1000);
    hn_error err = {0};
    CHECK_OK(!gather_on(HN_DEVICE_CPU, data, rows, a, &err) ? err.status : HN_OK, &err);
    CHECK_OK(!gather_on(HN_DEVICE_CUDA, data, rows, b, &err) ? err.status : HN_OK, &err);
    CHECK(!memcmp(a, b, sizeof(float) * 4200));
    CHECK(!memcmp(a + 7 * 5, data + 7 * rows[5], sizeof(float) * 7));
    free(data);
    free(a);
    free(b);
}

int main(void)
{
    /* Without a device every test skips; say why once, and that the
     * constructor reports it as a status (never an abort). */
    if (!have_cuda()) {
        hn_graph *g = NULL;
        hn_error err = {0};
        hn_status st = hn_graph_new_on(&g, HN_DEVICE_CUDA, 1, &err);
        fprintf(stderr, "CUDA tests skipped: %s\n", skip_reason);
        if (st != HN_ERR_UNSUPPORTED && st != HN_ERR_BACKEND) {
            fprintf(stderr, "hn_graph_new_on(cuda) returned %d without a device\n", (int)st);
            return 1;
        }
    }
    RUN(every_op_matches_cpu);
    RUN(batchnorm_eval_matches_cpu);
    RUN(dropout_on_device);
    RUN(device_errors_are_statuses);
    RUN(gather_rows_matches_cpu);
    return TEST_SUMMARY();
}
