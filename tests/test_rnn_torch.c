/* Recurrent layers (simple RNN, LSTM, GRU; many-to-one and many-to-many;
 * bidirectional; masked variable-length sequences) against PyTorch over several
 * time steps: outputs and the gradients of the input and of every parameter
 * (tests/data/fixtures/rnn.txt, written by tools/fixtures/gen_rnn.py). */
#define _POSIX_C_SOURCE 200809L
#include "fixture.h"
#include "harness.h"
#include "hepnn/layers_deep.h"

static int close_enough(float a, float b) { return fabsf(a - b) <= 1e-5f + 1e-4f * fmaxf(fabsf(a), fabsf(b)); }

static fx_tensor x, mask, par[8], r, out, grad;

static int compare(const char *what, const char *name, const float *got, const fx_tensor *want)
{
    int bad = 0;
    for (long long i = 0; i < want->n; i++)
        if (!close_enough(got[i], want->v[i]) && bad++ < 3)
            fprintf(stderr, "  %s: %s[%lld] = %.9g, PyTorch %.9g\n", name, what, i, got[i], want->v[i]);
    return bad;
}

static int run_case(FILE *f, const char *name, int cell, int hidden, int seq, int bidir, int masked)
{
    char line[1 << 16];
    CHECK(fx_line(f, line, sizeof line) && fx_tensor_read(f, line, &x));
    if (masked)
        CHECK(fx_line(f, line, sizeof line) && fx_tensor_read(f, line, &mask));
    int n_par = 0;
    while (fx_line(f, line, sizeof line) && !strncmp(line, "p:", 2) && n_par < 8)
        CHECK(fx_tensor_read(f, line, &par[n_par++]));
    CHECK(fx_tensor_read(f, line, &r));
    CHECK(fx_line(f, line, sizeof line) && fx_tensor_read(f, line, &out));

    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 1);
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *xi = hn_input(g, "x", 3, (int64_t[]){HN_BATCH, x.shape[1], x.shape[2]});
    hn_tensor_requires_grad(xi);
    hn_rnn_opts o = hn_rnn_opts_default((hn_rnn_cell)cell, hidden);
    o.return_sequences = seq;
    o.bidirectional = bidir;
    if (masked)
        o.mask = hn_input(g, "mask", 2, (int64_t[]){HN_BATCH, x.shape[1]});
    hn_tensor *y = hn_rnn(g, xi, &o, &rng, "l");
    CHECK_MSG(y, "%s: %s", name, hn_graph_error(g));
    if (!y) {
        hn_graph_free(g);
        return 0;
    }
    CHECK_OK(hn_graph_set_batch(g, x.shape[0], &err), &err);
    CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
    CHECK_OK(hn_tensor_set(xi, x.v, x.n, &err), &err);
    if (masked)
        CHECK_OK(hn_tensor_set(o.mask, mask.v, mask.n, &err), &err);
    CHECK_MSG(hn_graph_num_params(g) == n_par, "%s: %d parameters, PyTorch has %d", name, hn_graph_num_params(g),
              n_par);
    for (int k = 0; k < n_par; k++) {
        hn_tensor *p = hn_graph_find(g, par[k].tag + 2);
        CHECK_MSG(p != NULL, "%s: no parameter %s", name, par[k].tag + 2);
        if (p)
            CHECK_OK(hn_tensor_set(p, par[k].v, par[k].n, &err), &err);
    }
    CHECK_OK(hn_graph_forward(g, &err), &err);
    CHECK_MSG(hn_tensor_numel(y) == out.n, "%s: %lld outputs, PyTorch %lld", name, (long long)hn_tensor_numel(y),
              out.n);
    if (hn_tensor_numel(y) == out.n)
        CHECK_MSG(compare("y", name, hn_tensor_data(y), &out) == 0, "%s: outputs differ from PyTorch", name);
    hn_graph_zero_grad(g);
    CHECK_OK(hn_graph_backward_seed(g, y, r.v, &err), &err);
    int grads = 0;
    while (fx_line(f, line, sizeof line) && strncmp(line, "end", 3)) {
        CHECK(fx_tensor_read(f, line, &grad));
        hn_tensor *t = !strcmp(grad.tag, "g:x") ? xi : hn_graph_find(g, grad.tag + 2);
        CHECK_MSG(t && hn_tensor_numel(t) == grad.n, "%s: gradient %s has no match", name, grad.tag);
        if (t && hn_tensor_numel(t) == grad.n)
            CHECK_MSG(compare(grad.tag, name, hn_tensor_grad(t), &grad) == 0, "%s: gradient %s differs from PyTorch",
                      name, grad.tag);
        grads++;
    }
    CHECK_MSG(grads == n_par + 1, "%s: %d gradients compared", name, grads);
    hn_graph_free(g);
    return 1;
}

TEST(recurrent_layers_match_pytorch)
{
    FILE *f = fopen(HN_TEST_DATA "/fixtures/rnn.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1 << 16];
    int cases = 0;
    while (fx_line(f, line, sizeof line)) {
        char name[64];
        int cell, hidden, seq, bidir, masked;
        if (sscanf(line, "case %63s %d %d %d %d %d", name, &cell, &hidden, &seq, &bidir, &masked) == 6)
            cases += run_case(f, name, cell, hidden, seq, bidir, masked);
    }
    fclose(f);
    CHECK_MSG(cases == 7, "%d fixture cases run, 7 expected", cases);
}

/* Truncated BPTT: with k = 2 over 6 steps, the last state's gradient reaches
 * the inputs of the last two steps only; without truncation, all of them. */
TEST(truncation_cuts_gradient)
{
    for (int trunc = 0; trunc <= 2; trunc += 2) {
        hn_graph *g = NULL;
        hn_error err = {0};
        hn_rng rng;
        hn_rng_seed(&rng, 3);
        CHECK_OK(hn_graph_new(&g, 1, &err), &err);
        hn_tensor *xi = hn_input(g, "x", 3, (int64_t[]){2, 6, 3});
        hn_tensor_requires_grad(xi);
        hn_rnn_opts o = hn_rnn_opts_default(HN_RNN_LSTM, 4);
        o.truncate = trunc;
        hn_tensor *y = hn_sum(g, hn_rnn(g, xi, &o, &rng, "l"), HN_AXIS_ALL);
        CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
        for (int i = 0; i < 36; i++)
            hn_tensor_data(xi)[i] = (float)sin(i);
        CHECK_OK(hn_graph_forward(g, &err), &err);
        hn_graph_zero_grad(g);
        CHECK_OK(hn_graph_backward(g, y, &err), &err);
        const float *gx = hn_tensor_grad(xi);
        for (int t = 0; t < 6; t++) {
            double s = 0.0;
            for (int b = 0; b < 2; b++)
                for (int k = 0; k < 3; k++)
                    s += fabs(gx[(b * 6 + t) * 3 + k]);
            if (trunc && t < 4)
                CHECK_MSG(s == 0.0, "truncated: step %d gets gradient %g", t, s);
            else
                CHECK_MSG(s > 1e-4, "trunc %d: step %d gets no gradient", trunc, t);
        }
        hn_graph_free(g);
    }
}

int main(void)
{
    RUN(recurrent_layers_match_pytorch);
    RUN(truncation_cuts_gradient);
    return TEST_SUMMARY();
}
