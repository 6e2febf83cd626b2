/* Finite-difference gradient check of every op: central differences of
 * S = Σ r·y (accumulated in double) against the backward pass seeded with r. */
#include "core/graph_impl.h"
#include "harness.h"
#include "op_cases.h"

static const float EPS = 1e-3f;

/* Builds the case with values drawn from rng; returns the output or NULL. */
static hn_tensor *build_case(hn_graph *g, const op_case *c, hn_tensor **in, hn_rng *rng)
{
    for (int k = 0; k < c->n_in; k++) {
        const op_input *s = &c->in[k];
        char name[16];
        snprintf(name, sizeof name, "x%d", k);
        in[k] = s->kind == IN_PARAM ? hn_param(g, name, s->ndim, s->shape) : hn_input(g, name, s->ndim, s->shape);
        if (!in[k])
            return NULL;
        float *v = hn_tensor_data(in[k]);
        for (int64_t i = 0; i < hn_tensor_numel(in[k]); i++) {
            double u = hn_rng_uniform(rng);
            if (s->kind == IN_LABEL)
                v[i] = (float)(int)(u * s->hi);
            else
                v[i] = (float)(s->lo + (s->hi - s->lo) * u) * (s->either_sign && hn_rng_uniform(rng) < 0.5 ? -1 : 1);
        }
    }
    return c->build(g, in);
}

static double weighted_sum(hn_graph *g, hn_tensor *y, const float *r)
{
    hn_error err = {0};
    if (hn_graph_forward(g, &err))
        return NAN;
    double s = 0.0;
    for (int64_t i = 0; i < hn_tensor_numel(y); i++)
        s += (double)r[i] * hn_tensor_data(y)[i];
    return s;
}

static void check_case(const op_case *c, int *covered)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 1234);
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *in[4] = {0};
    hn_tensor *y = build_case(g, c, in, &rng);
    CHECK_MSG(y != NULL, "%s: %s", c->name, hn_graph_error(g));
    if (!y) {
        hn_graph_free(g);
        return;
    }
    covered[y->op] = 1;
    CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
    int64_t n = hn_tensor_numel(y);
    float r[256];
    for (int64_t i = 0; i < n && i < 256; i++)
        r[i] = (float)hn_rng_normal(&rng);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    hn_graph_zero_grad(g);
    CHECK_OK(hn_graph_backward_seed(g, y, r, &err), &err);

    double norm = 0.0, worst = 0.0;
    for (int k = 0; k < c->n_in; k++) {
        if (c->in[k].kind != IN_PARAM)
            continue;
        float *x = hn_tensor_data(in[k]), *gx = hn_tensor_grad(in[k]);
        for (int64_t i = 0; i < hn_tensor_numel(in[k]); i++) {
            float x0 = x[i];
            x[i] = x0 + EPS;
            double sp = weighted_sum(g, y, r);
            x[i] = x0 - EPS;
            double sm = weighted_sum(g, y, r);
            x[i] = x0;
            double num = (sp - sm) / (2.0 * EPS), ana = gx[i];
            double tol = 3e-3 + 1e-2 * fmax(fabs(num), fabs(ana));
            if (fabs(num - ana) > tol)
                fprintf(stderr, "  %s: d/d x%d[%lld]: backward %.6g, finite difference %.6g\n", c->name, k,
                        (long long)i, ana, num);
            worst = fmax(worst, fabs(num - ana) - tol);
            norm += ana * ana;
        }
    }
    CHECK_MSG(worst <= 0.0, "%s: gradient differs from finite differences", c->name);
    if (c->zero_grad)
        CHECK_MSG(norm == 0.0, "%s: gradient should be exactly zero", c->name);
    else /* guard: a gradient that is trivially zero would pass any check */
        CHECK_MSG(sqrt(norm) > 1e-2, "%s: gradient norm %g is trivially small", c->name, sqrt(norm));
    hn_graph_free(g);
}

TEST(every_op_matches_finite_differences)
{
    int covered[HN_OP_COUNT] = {0};
    for (int i = 0; i < N_OP_CASES; i++)
        check_case(&op_cases[i], covered);
    /* Every op of the table has a case here, except those checked below. */
    covered[HN_OP_DROPOUT] = covered[HN_OP_DETACH] = 1;
    for (int op = 1; op < HN_OP_COUNT; op++)
        CHECK_MSG(covered[op], "op %s has no gradient check case", hn_op_defs[op].name);
}

/* Dropout: the same mask in forward and backward, about p of the values
 * dropped, the rest scaled by 1/(1−p); identity in evaluation mode. */
TEST(dropout_mask_and_eval)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    CHECK_OK(hn_graph_new(&g, 7, &err), &err);
    hn_tensor *x = hn_param(g, "x", 2, (int64_t[]){100, 50});
    hn_tensor *y = hn_dropout(g, x, 0.3f);
    hn_tensor *l = hn_sum(g, y, HN_AXIS_ALL);
    CHECK_OK(hn_graph_compile(g, &l, 1, &err), &err);
    float *xv = hn_tensor_data(x);
    for (int i = 0; i < 5000; i++)
        xv[i] = 1.0f + (float)i / 5000.0f;
    CHECK_OK(hn_graph_forward(g, &err), &err);
    hn_graph_zero_grad(g);
    CHECK_OK(hn_graph_backward(g, l, &err), &err);
    int zeros = 0, bad = 0;
    for (int i = 0; i < 5000; i++) {
        float yi = hn_tensor_data(y)[i], gi = hn_tensor_grad(x)[i];
        if (yi == 0.0f) {
            zeros++;
            bad += gi != 0.0f;
        } else {
            bad += fabsf(yi - xv[i] / 0.7f) > 1e-5f || fabsf(gi - 1.0f / 0.7f) > 1e-5f;
        }
    }
    CHECK(bad == 0);
    CHECK(zeros > 1350 && zeros < 1650);
    /* another forward draws another mask */
    float first = hn_tensor_data(y)[0] + hn_tensor_data(y)[1] + hn_tensor_data(y)[2];
    int changed = 0;
    for (int t = 0; t < 5 && !changed; t++) {
        CHECK_OK(hn_graph_forward(g, &err), &err);
        changed = first != hn_tensor_data(y)[0] + hn_tensor_data(y)[1] + hn_tensor_data(y)[2];
    }
    CHECK(changed);
    hn_graph_set_training(g, 0);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    for (int i = 0; i < 5000; i++)
        bad += hn_tensor_data(y)[i] != xv[i];
    CHECK(bad == 0);
    hn_graph_free(g);
}

/* detach passes values and stops gradients. */
TEST(detach_stops_gradient)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *a = hn_param(g, "a", 1, (int64_t[]){3});
    hn_tensor *b = hn_param(g, "b", 1, (int64_t[]){3});
    hn_tensor *y = hn_sum(g, hn_mul(g, hn_detach(g, a), b), HN_AXIS_ALL);
    CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
    for (int i = 0; i < 3; i++) {
        hn_tensor_data(a)[i] = (float)(i + 1);
        hn_tensor_data(b)[i] = (float)(10 * i);
    }
    CHECK_OK(hn_graph_forward(g, &err), &err);
    CHECK_NEAR(hn_tensor_data(y)[0], 0 * 1 + 10 * 2 + 20 * 3, 1e-5);
    hn_graph_zero_grad(g);
    CHECK_OK(hn_graph_backward(g, y, &err), &err);
    for (int i = 0; i < 3; i++) {
        CHECK(hn_tensor_grad(a)[i] == 0.0f);
        CHECK(hn_tensor_grad(b)[i] == (float)(i + 1));
    }
    hn_graph_free(g);
}

int main(void)
{
    RUN(every_op_matches_finite_differences);
    RUN(dropout_mask_and_eval);
    RUN(detach_stops_gradient);
    return TEST_SUMMARY();
}
