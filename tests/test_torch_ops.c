/* Forward values and gradients of every op case against PyTorch
 * (tests/data/fixtures/ops.txt, written by tools/fixtures/gen_ops.py). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "fixture.h"
#include "op_cases.h"

static const op_case *find_case(const char *name)
{
    for (int i = 0; i < N_OP_CASES; i++)
        if (!strcmp(op_cases[i].name, name))
            return &op_cases[i];
    return NULL;
}

static int close_enough(float a, float b) { return fabsf(a - b) <= 1e-6f + 2e-5f * fmaxf(fabsf(a), fabsf(b)); }

static fx_tensor in[4], r, out, grad;

/* Runs one fixture case; returns 1 if it was found and run. */
static int run_case(FILE *f, const char *name, int n_in)
{
    const op_case *c = find_case(name);
    CHECK_MSG(c != NULL, "fixture case %s is not in op_cases.h", name);
    char line[1 << 16];
    for (int k = 0; k < n_in && k < 4; k++) {
        CHECK(fx_line(f, line, sizeof line) && fx_tensor_read(f, line, &in[k]));
    }
    CHECK(fx_line(f, line, sizeof line) && fx_tensor_read(f, line, &r));
    CHECK(fx_line(f, line, sizeof line) && fx_tensor_read(f, line, &out));
    if (!c)
        return 0;
    CHECK(c->n_in == n_in);
    hn_graph *g = NULL;
    hn_error err = {0};
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *x[4] = {0};
    for (int k = 0; k < c->n_in; k++) {
        int64_t shape[5];
        CHECK_MSG(in[k].ndim == c->in[k].ndim, "%s: input %d rank", name, k);
        for (int i = 0; i < in[k].ndim; i++) {
            shape[i] = in[k].shape[i];
            CHECK_MSG(shape[i] == c->in[k].shape[i], "%s: input %d shape differs from op_cases.h", name, k);
        }
        x[k] = c->in[k].kind == IN_PARAM ? hn_param(g, in[k].tag, in[k].ndim, shape)
                                          : hn_input(g, in[k].tag, in[k].ndim, shape);
        CHECK_OK(hn_tensor_set(x[k], in[k].v, in[k].n, &err), &err);
    }
    hn_tensor *y = c->build(g, x);
    CHECK_MSG(y, "%s: %s", name, hn_graph_error(g));
    CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    CHECK_MSG(hn_tensor_numel(y) == out.n, "%s: %lld outputs, PyTorch has %lld", name,
              (long long)hn_tensor_numel(y), out.n);
    int bad = 0;
    for (long long i = 0; i < out.n && i < hn_tensor_numel(y); i++)
        if (!close_enough(hn_tensor_data(y)[i], out.v[i])) {
            if (bad++ < 3)
                fprintf(stderr, "  %s: y[%lld] = %.9g, PyTorch %.9g\n", name, i, hn_tensor_data(y)[i], out.v[i]);
        }
    CHECK_MSG(bad == 0, "%s: forward values differ from PyTorch", name);
    hn_graph_zero_grad(g);
    CHECK_OK(hn_graph_backward_seed(g, y, r.v, &err), &err);
    /* then the gradients PyTorch computed, until "end" */
    int grads = 0;
    while (fx_line(f, line, sizeof line) && strncmp(line, "end", 3)) {
        CHECK(fx_tensor_read(f, line, &grad));
        int k = atoi(grad.tag + 4);
        CHECK(k >= 0 && k < c->n_in && grad.n == hn_tensor_numel(x[k]));
        const float *gx = hn_tensor_grad(x[k]);
        bad = 0;
        for (long long i = 0; gx && i < grad.n; i++)
            if (!close_enough(gx[i], grad.v[i])) {
                if (bad++ < 3)
                    fprintf(stderr, "  %s: d/d in%d[%lld] = %.9g, PyTorch %.9g\n", name, k, i, gx[i], grad.v[i]);
            }
        CHECK_MSG(bad == 0, "%s: gradient of input %d differs from PyTorch", name, k);
        grads++;
    }
    CHECK_MSG(c->zero_grad || grads > 0, "%s: no gradients compared", name);
    hn_graph_free(g);
    return 1;
}

TEST(ops_match_pytorch)
{
    FILE *f = fopen(HN_TEST_DATA "/fixtures/ops.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1 << 16];
    int cases = 0;
    while (fx_line(f, line, sizeof line)) {
        char name[64];
        int n_in;
        if (sscanf(line, "case %63s %d", name, &n_in) == 2)
            cases += run_case(f, name, n_in);
    }
    fclose(f);
    CHECK_MSG(cases == N_OP_CASES, "%d fixture cases run, op_cases.h has %d", cases, N_OP_CASES);
}

int main(void)
{
    RUN(ops_match_pytorch);
    return TEST_SUMMARY();
}
