/* Once a graph has run at a shape, running it again allocates nothing.
 * This executable is linked with --wrap for malloc, calloc, realloc and
 * aligned_alloc (tests/CMakeLists.txt), so every allocation the library makes
 * is counted here, not only those the graph reports in its statistics. */
#include <stddef.h>

#include "harness.h"
#include "hepnn/layers_deep.h"
#include "hepnn/ops.h"
#include "mlp_util.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);

static long n_alloc;
void *__wrap_malloc(size_t n)
{
    n_alloc++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    n_alloc++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    n_alloc++;
    return __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n)
{
    n_alloc++;
    return __real_aligned_alloc(a, n);
}

static void step(hn_graph *g, hn_tensor *loss)
{
    hn_error err = {0};
    CHECK_OK(hn_graph_forward(g, &err), &err);
    hn_graph_zero_grad(g);
    CHECK_OK(hn_graph_backward(g, loss, &err), &err);
    gd_step(g, 0.01f);
}

TEST(no_allocation_after_first_run)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 1);
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, 10});
    hn_tensor *t = hn_input(g, "t", 1, (int64_t[]){HN_BATCH});
    hn_tensor *w = hn_input(g, "w", 1, (int64_t[]){HN_BATCH});
    hn_tensor *h = hn_dropout(g, hn_relu(g, dense(g, x, 32, "a", &rng)), 0.2f);
    h = hn_concat(g, (hn_tensor *[]){h, hn_slice(g, x, 1, 0, 4)}, 2, 1);
    hn_tensor *z = dense(g, hn_tanh(g, h), 3, "b", &rng);
    hn_tensor *loss = hn_add(g, hn_loss_cross_entropy(g, z, t, w), hn_mean(g, hn_square(g, z), HN_AXIS_ALL));
    CHECK_OK(hn_graph_compile(g, &loss, 1, &err), &err);
    CHECK_OK(hn_graph_set_batch(g, 64, &err), &err);
    for (int i = 0; i < 64 * 10; i++)
        hn_tensor_data(x)[i] = (float)hn_rng_normal(&rng);
    for (int i = 0; i < 64; i++) {
        hn_tensor_data(t)[i] = (float)(i % 3);
        hn_tensor_data(w)[i] = i % 5 ? 1.0f : -0.5f;
    }
    step(g, loss);
    long before = n_alloc;
    hn_graph_stats s0 = hn_graph_get_stats(g);
    for (int i = 0; i < 20; i++)
        step(g, loss);
    CHECK_MSG(n_alloc == before, "%ld allocations in 20 steps at the same shape", n_alloc - before);
    /* a smaller batch fits in the buffers already there */
    CHECK_OK(hn_graph_set_batch(g, 16, &err), &err);
    step(g, loss);
    CHECK_MSG(n_alloc == before, "%ld allocations after shrinking the batch", n_alloc - before);
    /* a larger one grows them once */
    CHECK_OK(hn_graph_set_batch(g, 128, &err), &err);
    step(g, loss);
    CHECK(n_alloc > before);
    long grown = n_alloc;
    CHECK(hn_graph_get_stats(g).allocations > s0.allocations);
    CHECK_OK(hn_graph_set_batch(g, 64, &err), &err);
    for (int i = 0; i < 5; i++)
        step(g, loss);
    CHECK_OK(hn_graph_set_batch(g, 128, &err), &err);
    step(g, loss);
    CHECK_MSG(n_alloc == grown, "%ld allocations after returning to a seen shape", n_alloc - grown);
    hn_graph_free(g);
}

/* The same for the deep-architecture ops: convolutions (with their column
 * workspaces), pooling, a transposed convolution and a masked bidirectional
 * LSTM and GRU unrolled in time. */
TEST(deep_layers_no_allocation_after_first_run)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 2);
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *img = hn_input(g, "img", 4, (int64_t[]){HN_BATCH, 1, 8, 8});
    hn_tensor *seq = hn_input(g, "seq", 3, (int64_t[]){HN_BATCH, 5, 3});
    hn_tensor *mask = hn_input(g, "mask", 2, (int64_t[]){HN_BATCH, 5});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *c = hn_relu(g, hn_conv2d_layer(g, img, 4, 3, 3, 1, HN_PAD_SAME, 1, HN_INIT_HE_UNIFORM, &rng, "c1"));
    c = hn_maxpool2d(g, c, 2, 2, 2, 2, 0, 0);
    c = hn_conv_transpose2d_layer(g, c, 2, 2, 2, 0, 0, HN_INIT_HE_UNIFORM, &rng, "up");
    c = hn_avgpool2d(g, hn_conv2d_layer(g, c, 3, 3, 3, 2, 1, 1, HN_INIT_HE_UNIFORM, &rng, "c2"), 2, 2, 2, 2, 0, 0);
    hn_rnn_opts o = hn_rnn_opts_default(HN_RNN_LSTM, 4);
    o.mask = mask;
    o.bidirectional = 1;
    hn_tensor *r1 = hn_rnn(g, seq, &o, &rng, "lstm");
    o.cell = HN_RNN_GRU;
    o.truncate = 2;
    hn_tensor *r2 = hn_rnn(g, seq, &o, &rng, "gru");
    hn_tensor *h = hn_concat(g, (hn_tensor *[]){hn_global_avgpool(g, c), r1, r2}, 3, 1);
    hn_tensor *loss = hn_loss_bce_logits(g, dense(g, h, 1, "out", &rng), t, NULL);
    CHECK_MSG(loss != NULL, "%s", hn_graph_error(g));
    CHECK_OK(hn_graph_compile(g, &loss, 1, &err), &err);
    CHECK_OK(hn_graph_set_batch(g, 8, &err), &err);
    for (int i = 0; i < 8 * 64; i++)
        hn_tensor_data(img)[i] = (float)hn_rng_normal(&rng);
    for (int i = 0; i < 8 * 15; i++)
        hn_tensor_data(seq)[i] = (float)hn_rng_normal(&rng);
    for (int i = 0; i < 8 * 5; i++)
        hn_tensor_data(mask)[i] = (float)(i % 5 < 2 + i / 5 % 4);
    for (int i = 0; i < 8; i++)
        hn_tensor_data(t)[i] = (float)(i % 2);
    step(g, loss);
    long before = n_alloc;
    for (int i = 0; i < 5; i++)
        step(g, loss);
    CHECK_MSG(n_alloc == before, "%ld allocations in 5 steps at the same shape", n_alloc - before);
    CHECK_OK(hn_graph_set_batch(g, 3, &err), &err);
    step(g, loss);
    CHECK_MSG(n_alloc == before, "%ld allocations after shrinking the batch", n_alloc - before);
    hn_graph_free(g);
}

int main(void)
{
    RUN(no_allocation_after_first_run);
    RUN(deep_layers_no_allocation_after_first_run);
    return TEST_SUMMARY();
}
