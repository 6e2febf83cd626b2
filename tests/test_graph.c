/* The graph machinery: XOR by backpropagation, batch rebinding, bad arguments,
 * determinism across thread counts. */
#include <omp.h>

#include "harness.h"
#include "hepnn/ops.h"
#include "mlp_util.h"

/* A 2-layer MLP trained by plain (full-batch) gradient descent solves XOR. */
TEST(mlp_learns_xor)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 3);
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, 2});
    hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
    hn_tensor *h = hn_tanh(g, dense(g, x, 8, "l1", &rng));
    hn_tensor *z = dense(g, h, 1, "l2", &rng);
    hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
    CHECK_OK(hn_graph_compile(g, &loss, 1, &err), &err);
    CHECK_OK(hn_graph_set_batch(g, 4, &err), &err);
    const float xs[8] = {0, 0, 0, 1, 1, 0, 1, 1}, ts[4] = {0, 1, 1, 0};
    CHECK_OK(hn_tensor_set(x, xs, 8, &err), &err);
    CHECK_OK(hn_tensor_set(t, ts, 4, &err), &err);
    float first = 0, last = 0;
    for (int step = 0; step < 2000; step++) {
        CHECK_OK(hn_graph_forward(g, &err), &err);
        hn_graph_zero_grad(g);
        CHECK_OK(hn_graph_backward(g, loss, &err), &err);
        gd_step(g, 0.5f);
        if (step == 0)
            first = hn_tensor_data(loss)[0];
        last = hn_tensor_data(loss)[0];
    }
    CHECK_OK(hn_graph_forward(g, &err), &err);
    fprintf(stderr, "  XOR loss %.4f -> %.4f, outputs", first, last);
    for (int i = 0; i < 4; i++) {
        float p = 1.0f / (1.0f + expf(-hn_tensor_data(z)[i]));
        fprintf(stderr, " %.3f", p);
        CHECK_MSG((p > 0.5f) == (ts[i] > 0.5f), "XOR output %d = %.3f on the wrong side of 0.5", i, p);
    }
    fprintf(stderr, "\n");
    CHECK(last < 0.1f * first);
    hn_graph_free(g);
}

/* Rows are independent: outputs at batch 5 and at batch 2 agree row by row. */
TEST(batch_rebinding)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    hn_rng rng;
    hn_rng_seed(&rng, 5);
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, 3});
    hn_tensor *y = hn_softmax(g, dense(g, hn_relu(g, dense(g, x, 6, "a", &rng)), 4, "b", &rng), -1);
    CHECK_OK(hn_graph_compile(g, &y, 1, &err), &err);
    float xs[15], y5[20];
    for (int i = 0; i < 15; i++)
        xs[i] = (float)hn_rng_normal(&rng);
    CHECK_OK(hn_graph_set_batch(g, 5, &err), &err);
    CHECK(hn_tensor_dim(y, 0) == 5 && hn_tensor_dim(y, 1) == 4);
    CHECK_OK(hn_tensor_set(x, xs, 15, &err), &err);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    CHECK_OK(hn_tensor_get(y, y5, 20, &err), &err);
    CHECK_OK(hn_graph_set_batch(g, 2, &err), &err);
    CHECK(hn_tensor_dim(y, 0) == 2);
    CHECK_OK(hn_tensor_set(x, xs + 6, 6, &err), &err);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    for (int i = 0; i < 8; i++)
        CHECK(hn_tensor_data(y)[i] == y5[8 + i]);
    hn_graph_free(g);
}

static int msg_has(const char *msg, const char *part) { return strstr(msg, part) != NULL; }

/* Mistakes give a status and a message naming the op and the shapes. */
TEST(bad_arguments_give_messages)
{
    hn_error err = {0};
    CHECK(hn_graph_new(NULL, 1, &err) == HN_ERR_ARG);
    CHECK(hn_graph_forward(NULL, &err) == HN_ERR_ARG);
    CHECK(hn_graph_compile(NULL, NULL, 0, &err) == HN_ERR_ARG);
    CHECK(hn_matmul(NULL, NULL, NULL, 0, 0) == NULL);
    hn_graph_free(NULL);

    struct {
        const char *what, *expect;
    } cases[] = {
        {"matmul", "matmul: inner dimensions differ: a (3, 4), b (5, 2)"},
        {"add", "add: shapes (3, 4) and (3) do not broadcast"},
        {"zero", "param 'z': dimension 1 is 0"},
        {"null", "sigmoid: input 0 is NULL"},
        {"reshape", "reshape: x (3, 4) has 12 values, the new shape (5, 2) has 10"},
        {"concat", "concat: input 1 (4, 4) does not match input 0 (3, 4) outside axis 1"},
        {"slice", "slice: [3, 5) out of range of axis 1 of (3, 4)"},
        {"axis", "softmax: axis 2 out of range for (3, 4)"},
        {"weights", "loss_mse: weights (4) must hold one value per example of (3, 4)"},
        {"prelu", "prelu: slope (2) must have 1 value or one per channel of x (3, 4)"},
        {"dropout", "dropout: p = 1, must be in [0, 1)"},
        {"foreign", "add: input 1 ('b') belongs to another graph"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hn_graph *g = NULL, *g2 = NULL;
        CHECK_OK(hn_graph_new(&g, 1, &err), &err);
        CHECK_OK(hn_graph_new(&g2, 1, &err), &err);
        hn_tensor *a = hn_param(g, "a", 2, (int64_t[]){3, 4});
        hn_tensor *r = NULL;
        const char *w = cases[i].what;
        if (!strcmp(w, "matmul"))
            r = hn_matmul(g, a, hn_param(g, "b", 2, (int64_t[]){5, 2}), 0, 0);
        else if (!strcmp(w, "add"))
            r = hn_add(g, a, hn_param(g, "b", 1, (int64_t[]){3}));
        else if (!strcmp(w, "zero"))
            r = hn_param(g, "z", 2, (int64_t[]){3, 0});
        else if (!strcmp(w, "null"))
            r = hn_sigmoid(g, NULL);
        else if (!strcmp(w, "reshape"))
            r = hn_reshape(g, a, 2, (int64_t[]){5, 2});
        else if (!strcmp(w, "concat"))
            r = hn_concat(g, (hn_tensor *[]){a, hn_param(g, "b", 2, (int64_t[]){4, 4})}, 2, 1);
        else if (!strcmp(w, "slice"))
            r = hn_slice(g, a, 1, 3, 2);
        else if (!strcmp(w, "axis"))
            r = hn_softmax(g, a, 2);
        else if (!strcmp(w, "weights"))
            r = hn_loss_mse(g, a, a, hn_param(g, "w", 1, (int64_t[]){4}));
        else if (!strcmp(w, "prelu"))
            r = hn_prelu(g, a, hn_param(g, "s", 1, (int64_t[]){2}));
        else if (!strcmp(w, "dropout"))
            r = hn_dropout(g, a, 1.0f);
        else if (!strcmp(w, "foreign"))
            r = hn_add(g, a, hn_param(g2, "b", 2, (int64_t[]){3, 4}));
        CHECK_MSG(r == NULL, "%s: accepted", w);
        CHECK(hn_graph_status(g) != HN_OK);
        CHECK_MSG(msg_has(hn_graph_error(g), cases[i].expect), "%s: message '%s', expected '%s'", w,
                  hn_graph_error(g), cases[i].expect);
        /* the first error sticks: later ops return NULL, compile reports it */
        CHECK(hn_relu(g, a) == NULL);
        CHECK(hn_graph_compile(g, &a, 1, &err) != HN_OK);
        CHECK(msg_has(err.msg, cases[i].expect));
        hn_graph_free(g);
        hn_graph_free(g2);
    }
}

/* Errors that only show when running: order of calls, sizes, label values. */
TEST(bad_runs_give_messages)
{
    hn_graph *g = NULL;
    hn_error err = {0};
    CHECK_OK(hn_graph_new(&g, 1, &err), &err);
    hn_tensor *z = hn_param(g, "z", 2, (int64_t[]){2, 3});
    hn_tensor *lab = hn_input(g, "labels", 1, (int64_t[]){2});
    hn_tensor *loss = hn_loss_cross_entropy(g, z, lab, NULL);
    hn_tensor *sm = hn_softmax(g, z, 1);
    CHECK(hn_graph_forward(g, &err) == HN_ERR_STATE);
    CHECK(msg_has(err.msg, "compile the graph first"));
    CHECK_OK(hn_graph_compile(g, (hn_tensor *[]){loss, sm}, 2, &err), &err);
    CHECK(hn_graph_backward(g, loss, &err) == HN_ERR_STATE);
    CHECK(msg_has(err.msg, "run hn_graph_forward"));
    CHECK_OK(hn_tensor_set(lab, (float[]){1, 3}, 2, &err), &err);
    CHECK(hn_graph_forward(g, &err) == HN_ERR_ARG);
    CHECK_MSG(msg_has(err.msg, "label 3 of example 1 is not a class index 0..2"), "%s", err.msg);
    /* the softmax alone does not need the labels */
    hn_tensor_data(z)[0] = 5.0f;
    CHECK_OK(hn_graph_forward_to(g, sm, &err), &err);
    CHECK(hn_tensor_data(sm)[0] > 0.9f);
    CHECK(hn_graph_backward(g, loss, &err) == HN_ERR_STATE); /* the loss was not computed */
    CHECK(hn_tensor_set(lab, (float[]){1, 2, 0}, 3, &err) == HN_ERR_SHAPE);
    CHECK(msg_has(err.msg, "'labels' (2) holds 2 values, 3 given"));
    CHECK_OK(hn_tensor_set(lab, (float[]){1, 2}, 2, &err), &err);
    CHECK_OK(hn_graph_forward(g, &err), &err);
    CHECK(hn_graph_backward(g, sm, &err) == HN_ERR_SHAPE);
    CHECK(msg_has(err.msg, "is (2, 3), not a scalar"));
    CHECK(hn_graph_set_batch(g, 0, &err) == HN_ERR_ARG);
    CHECK(hn_graph_backward_seed(g, sm, NULL, &err) == HN_ERR_ARG);
    CHECK(hn_graph_status(g) == HN_OK); /* run errors do not poison the graph */
    hn_graph_free(g);
}

/* Elementwise kernels above the parallel threshold give the same bits on 1
 * and 2 threads; so does a whole training step. */
TEST(same_result_on_one_and_two_threads)
{
    float res[2][4];
    for (int run = 0; run < 2; run++) {
        omp_set_num_threads(run + 1);
        hn_graph *g = NULL;
        hn_error err = {0};
        hn_rng rng;
        hn_rng_seed(&rng, 11);
        CHECK_OK(hn_graph_new(&g, 1, &err), &err);
        hn_tensor *x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, 64});
        hn_tensor *t = hn_input(g, "t", 2, (int64_t[]){HN_BATCH, 1});
        hn_tensor *h = hn_elu(g, dense(g, x, 128, "a", &rng), 1.0f);
        h = hn_mul(g, hn_sigmoid(g, h), hn_softplus(g, h));
        hn_tensor *z = dense(g, h, 1, "b", &rng);
        hn_tensor *loss = hn_loss_bce_logits(g, z, t, NULL);
        CHECK_OK(hn_graph_compile(g, &loss, 1, &err), &err);
        CHECK_OK(hn_graph_set_batch(g, 1024, &err), &err);
        float *xv = hn_tensor_data(x), *tv = hn_tensor_data(t);
        for (int i = 0; i < 1024 * 64; i++)
            xv[i] = (float)hn_rng_normal(&rng);
        for (int i = 0; i < 1024; i++)
            tv[i] = (float)(i % 2);
        for (int step = 0; step < 3; step++) {
            CHECK_OK(hn_graph_forward(g, &err), &err);
            hn_graph_zero_grad(g);
            CHECK_OK(hn_graph_backward(g, loss, &err), &err);
            gd_step(g, 0.1f);
        }
        res[run][0] = hn_tensor_data(loss)[0];
        res[run][1] = hn_tensor_data(hn_graph_param(g, 0))[17];
        res[run][2] = hn_tensor_grad(hn_graph_param(g, 1))[3];
        res[run][3] = hn_tensor_data(z)[1000];
        hn_graph_free(g);
    }
    omp_set_num_threads(2);
    for (int i = 0; i < 4; i++)
        CHECK_MSG(memcmp(&res[0][i], &res[1][i], sizeof(float)) == 0, "value %d: %.9g vs %.9g", i, res[0][i],
                  res[1][i]);
}

int main(void)
{
    RUN(mlp_learns_xor);
    RUN(batch_rebinding);
    RUN(bad_arguments_give_messages);
    RUN(bad_runs_give_messages);
    RUN(same_result_on_one_and_two_threads);
    return TEST_SUMMARY();
}
