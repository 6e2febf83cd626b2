/* The sequential model with deep-architecture layers: CNN, recurrent and
 * residual/highway stacks build with the expected shapes, save -> load ->
 * predict bit-identically, skip padded objects, keep mask columns out of the
 * standardisation, and refuse bad stacks naming the layer. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "harness.h"
#include "hepnn/layers_deep.h"
#include "hepnn/model.h"

/* 1×8×8 images: conv → bn → relu → pool → conv → residual conv block → global pool → dense → highway */
static const hn_layer_spec CNN[] = {
    {.kind = HN_LAYER_RESHAPE, .shape_ndim = 3, .shape = {1, 8, 8}},
    {.kind = HN_LAYER_CONV2D, .units = 4, .kernel = {3, 3}, .stride = 1, .pad = HN_PAD_SAME, .dilation = 1,
     .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
    {.kind = HN_LAYER_MAXPOOL, .kernel = {2, 2}},
    {.kind = HN_LAYER_CONV2D, .units = 6, .kernel = {3, 2}, .stride = 1, .pad = 1, .dilation = 1,
     .init = HN_INIT_XAVIER_UNIFORM},
    {.kind = HN_LAYER_RESIDUAL, .units = 6, .stride = 1, .batch_norm = 1, .act = HN_ACT_RELU},
    {.kind = HN_LAYER_AVGPOOL, .kernel = {2, 2}, .stride = 1},
    {.kind = HN_LAYER_GLOBAL_AVGPOOL},
    {.kind = HN_LAYER_DENSE, .units = 5, .init = HN_INIT_XAVIER_UNIFORM},
    {.kind = HN_LAYER_HIGHWAY, .act = HN_ACT_TANH, .alpha = -1.0f, .init = HN_INIT_XAVIER_UNIFORM},
};

/* 2 event variables, then 4 objects × 3 variables and 4 mask values */
enum { N_EV = 2, T = 4, V = 3, N_SEQ_IN = N_EV + T * V + T };
static const hn_layer_spec LSTM[] = {
    {.kind = HN_LAYER_SEQUENCE, .offset = -1, .objects = T, .vars = V},
    {.kind = HN_LAYER_RNN, .cell = HN_RNN_LSTM, .units = 5, .bidirectional = 1, .return_sequences = 1},
    {.kind = HN_LAYER_RNN, .cell = HN_RNN_GRU, .units = 4, .truncate = 2},
    {.kind = HN_LAYER_DENSE, .units = 6, .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_RELU},
};

/* (B, 12) as a sequence of 2 channels × 6: conv1d → avgpool → flatten → residual dense block */
static const hn_layer_spec SEQ1D[] = {
    {.kind = HN_LAYER_RESHAPE, .shape_ndim = 2, .shape = {2, 6}},
    {.kind = HN_LAYER_CONV1D, .units = 3, .kernel = {3}, .stride = 1, .pad = 0, .dilation = 2},
    {.kind = HN_LAYER_MAXPOOL, .kernel = {2}},
    {.kind = HN_LAYER_FLATTEN},
    {.kind = HN_LAYER_RESIDUAL, .units = 7, .act = HN_ACT_TANH, .init = HN_INIT_XAVIER_UNIFORM},
    {.kind = HN_LAYER_DROPOUT, .rate = 0.2f},
};

static char tmpdir[256];

static hn_model *make(const hn_layer_spec *layers, int n_layers, int n_inputs, hn_task task, int n_out)
{
    hn_model_spec spec = {.n_inputs = n_inputs, .n_outputs = n_out, .task = task, .n_layers = n_layers,
                          .layers = layers, .seed = 11};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    return m;
}

/* Inputs for the sequence model: event e has e % (T + 1) objects. */
static void seq_inputs(float *x, int n, hn_rng *rng)
{
    for (int e = 0; e < n; e++) {
        float *r = x + (size_t)e * N_SEQ_IN;
        int len = e % (T + 1);
        for (int i = 0; i < N_EV; i++)
            r[i] = (float)hn_rng_normal(rng);
        for (int t = 0; t < T; t++) {
            for (int v = 0; v < V; v++)
                r[N_EV + t * V + v] = t < len ? (float)hn_rng_normal(rng) * 2.0f + 1.0f : 0.0f;
            r[N_EV + T * V + t] = t < len ? 1.0f : 0.0f;
        }
    }
}

/* Some training-mode passes so batch-norm statistics are not the initial ones. */
static void warm_up(hn_model *m, int n_in, hn_rng *rng)
{
    hn_model_io io = hn_model_get_io(m);
    hn_error err = {0};
    CHECK_OK(hn_graph_set_batch(io.graph, 16, &err), &err);
    for (int rep = 0; rep < 2; rep++) {
        for (int i = 0; i < 16 * n_in; i++)
            hn_tensor_data(io.x)[i] = (float)hn_rng_normal(rng);
        CHECK_OK(hn_graph_forward_to(io.graph, io.output, &err), &err);
    }
}

static void round_trip(hn_model *m, const float *x, int n, int n_out, const char *what)
{
    hn_error err = {0};
    float *y1 = malloc(sizeof(float) * (size_t)(n * n_out)), *y2 = malloc(sizeof(float) * (size_t)(n * n_out));
    CHECK_OK(hn_model_predict(m, x, n, y1, &err), &err);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.hnn", tmpdir, what);
    CHECK_OK(hn_model_save(m, path, &err), &err);
    hn_model *m2 = NULL;
    CHECK_OK(hn_model_load(&m2, path, &err), &err);
    if (m2) {
        CHECK_OK(hn_model_predict(m2, x, n, y2, &err), &err);
        CHECK_MSG(!memcmp(y1, y2, sizeof(float) * (size_t)(n * n_out)), "%s: outputs differ after reload", what);
        const hn_model_spec *a = hn_model_get_spec(m), *b = hn_model_get_spec(m2);
        CHECK(a->n_layers == b->n_layers);
        CHECK_MSG(!memcmp(a->layers, b->layers, sizeof(hn_layer_spec) * (size_t)a->n_layers),
                  "%s: layer specs differ after reload", what);
        CHECK(hn_model_num_weights(m) == hn_model_num_weights(m2));
    }
    hn_model_free(m2);
    free(y1);
    free(y2);
}

static char *summary_of(const hn_model *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    hn_model_summary(m, f);
    fclose(f);
    return text;
}

TEST(cnn_shapes_and_round_trip)
{
    hn_rng rng;
    hn_rng_seed(&rng, 3);
    hn_model *m = make(CNN, 11, 64, HN_TASK_MULTICLASS, 3);
    if (!m)
        return;
    warm_up(m, 64, &rng);
    char *s = summary_of(m);
    /* same-padded 3×3 keeps 8×8; pool 2 → 4×4; 3×2 kernel with padding 1 → 4×5; stride-1 2×2 average → 3×4 */
    CHECK_MSG(strstr(s, "(B, 1, 8, 8)") && strstr(s, "(B, 4, 8, 8)") && strstr(s, "(B, 4, 4, 4)") &&
                  strstr(s, "(B, 6, 4, 5)") && strstr(s, "(B, 6, 3, 4)") && strstr(s, "(B, 6) ") &&
                  strstr(s, "(B, 3) "),
              "summary:\n%s", s);
    /* conv 4·1·9 + 4, bn 8, conv 6·4·6 + 6 */
    CHECK_MSG(strstr(s, "conv2d 3x3") && strstr(s, "        40\n") && strstr(s, "       150\n"), "summary:\n%s", s);
    free(s);
    float x[10 * 64];
    for (int i = 0; i < 10 * 64; i++)
        x[i] = (float)hn_rng_uniform(&rng);
    round_trip(m, x, 10, 3, "cnn");
    hn_model_free(m);
}

TEST(lstm_round_trip_and_masks)
{
    hn_rng rng;
    hn_rng_seed(&rng, 5);
    hn_model *m = make(LSTM, 5, N_SEQ_IN, HN_TASK_BINARY, 1);
    if (!m)
        return;
    char *s = summary_of(m);
    CHECK_MSG(strstr(s, "(B, 4, 3)") && strstr(s, "bi-lstm") && strstr(s, "(B, 4, 10)") && strstr(s, "gru") &&
                  strstr(s, "(B, 4) "),
              "summary:\n%s", s);
    free(s);
    /* the mask columns keep shift 0 and scale 1 */
    float shift[N_SEQ_IN], scale[N_SEQ_IN], got_s[N_SEQ_IN], got_c[N_SEQ_IN];
    for (int i = 0; i < N_SEQ_IN; i++) {
        shift[i] = 0.5f + (float)i;
        scale[i] = 0.25f;
    }
    hn_error err = {0};
    CHECK_OK(hn_model_set_normalisation(m, shift, scale, &err), &err);
    hn_model_get_normalisation(m, got_s, got_c);
    for (int i = 0; i < N_SEQ_IN; i++) {
        int is_mask = i >= N_EV + T * V;
        CHECK(hn_model_is_mask_column(m, i) == is_mask);
        CHECK(got_s[i] == (is_mask ? 0.0f : shift[i]) && got_c[i] == (is_mask ? 1.0f : 0.25f));
    }
    enum { N = 15 };
    float x[N * N_SEQ_IN], y1[N], y2[N];
    seq_inputs(x, N, &rng);
    round_trip(m, x, N, 1, "lstm");
    /* padded objects are skipped: changing their values changes nothing, changing a valid one does */
    CHECK_OK(hn_model_predict(m, x, N, y1, &err), &err);
    for (int e = 0; e < N; e++)
        for (int t = e % (T + 1); t < T; t++)
            for (int v = 0; v < V; v++)
                x[(size_t)e * N_SEQ_IN + N_EV + t * V + v] = 100.0f + (float)v;
    CHECK_OK(hn_model_predict(m, x, N, y2, &err), &err);
    CHECK(!memcmp(y1, y2, sizeof y1));
    x[1 * N_SEQ_IN + N_EV] += 1.0f; /* event 1's first (valid) object */
    CHECK_OK(hn_model_predict(m, x, N, y2, &err), &err);
    CHECK(y2[1] != y1[1] && y2[0] == y1[0]);
    hn_model_free(m);
}

TEST(conv1d_residual_round_trip)
{
    hn_rng rng;
    hn_rng_seed(&rng, 8);
    hn_model *m = make(SEQ1D, 6, 12, HN_TASK_REGRESSION, 2);
    if (!m)
        return;
    char *s = summary_of(m);
    /* dilation 2, kernel 3: 6 − 4 = 2 steps; pool 2 → 1 */
    CHECK_MSG(strstr(s, "(B, 3, 2)") && strstr(s, "(B, 3, 1)") && strstr(s, "(B, 7)"), "summary:\n%s", s);
    free(s);
    float x[9 * 12];
    for (int i = 0; i < 9 * 12; i++)
        x[i] = (float)hn_rng_normal(&rng);
    round_trip(m, x, 9, 2, "conv1d");
    hn_model_free(m);
}

/* The layer records sit where docs/model-format.md says. */
/* dense acts per time step on sequences */
TEST(dense_per_step)
{
    static const hn_layer_spec L[] = {
        {.kind = HN_LAYER_SEQUENCE, .offset = -1, .objects = T, .vars = V},
        {.kind = HN_LAYER_RNN, .cell = HN_RNN_SIMPLE, .units = 5, .return_sequences = 1},
        {.kind = HN_LAYER_DENSE, .units = 7, .init = HN_INIT_XAVIER_UNIFORM},
        {.kind = HN_LAYER_FLATTEN},
    };
    hn_model *m = make(L, 4, N_SEQ_IN, HN_TASK_BINARY, 1);
    if (!m)
        return;
    char *s = summary_of(m);
    CHECK_MSG(strstr(s, "(B, 4, 7)") && strstr(s, "(B, 28)") && strstr(s, "        42\n"), "summary:\n%s", s);
    free(s);
    hn_model_free(m);
}

TEST(layer_record_layout)
{
    hn_model *m = make(LSTM, 5, N_SEQ_IN, HN_TASK_BINARY, 1);
    if (!m)
        return;
    hn_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/spec.hnn", tmpdir);
    CHECK_OK(hn_model_save(m, path, &err), &err);
    hn_model_free(m);
    /* container header 24, record header 16, the spec's fixed part 24: records from 64, 152 bytes each */
    FILE *f = fopen(path, "rb");
    unsigned char b[24 + 16 + 24 + 5 * 152];
    CHECK(f && fread(b, 1, sizeof b, f) == sizeof b);
    if (f)
        fclose(f);
    const unsigned char *l1 = b + 64, *l2 = l1 + 152, *l3 = l2 + 152;
    CHECK(b[8] == 2 && b[24] == 1 && b[40] == 0 && b[52] == 5); /* version 2, SPEC, binary, 5 layers */
    CHECK(l1[0] == HN_LAYER_SEQUENCE && l1[128] == 0xff && l1[135] == 0xff && l1[136] == T && l1[144] == V);
    CHECK(l2[0] == HN_LAYER_RNN && l2[12] == HN_RNN_LSTM && l2[16] == 5 && l2[88] == 3 && l2[92] == 0);
    CHECK(l3[0] == HN_LAYER_RNN && l3[12] == HN_RNN_GRU && l3[16] == 4 && l3[88] == 0 && l3[92] == 2);
}

TEST(bad_stacks_are_refused)
{
    hn_error err = {0};
    hn_model *m = NULL;
    hn_model_spec s = {.n_inputs = 16, .n_outputs = 1, .task = HN_TASK_BINARY, .n_layers = 1};
    hn_layer_spec conv = {.kind = HN_LAYER_CONV2D, .units = 2, .kernel = {3, 3}, .stride = 1, .dilation = 1};
    s.layers = &conv;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 1 (conv2d) takes (B, C, H, W)"));
    hn_layer_spec three[3] = {{.kind = HN_LAYER_RESHAPE, .shape_ndim = 3, .shape = {1, 5, 5}}, conv,
                              {.kind = HN_LAYER_FLATTEN}};
    s.layers = three;
    s.n_layers = 3;
    hn_status st = hn_model_new(&m, &s, &err);
    CHECK_MSG(st != HN_OK && strstr(err.msg, "layer 1 (reshape)"), "%s", err.msg);
    three[0].shape[1] = three[0].shape[2] = 4;
    three[1].kernel[0] = 0;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 2 (conv2d): kernel size 0"));
    three[1].kernel[0] = 5; /* larger than the 4×4 image */
    st = hn_model_new(&m, &s, &err);
    CHECK_MSG(st != HN_OK && strstr(err.msg, "layer 2 (conv2d)"), "%s", err.msg);
    three[1].kernel[0] = 3;
    s.n_layers = 2;
    st = hn_model_new(&m, &s, &err);
    CHECK_MSG(st == HN_ERR_ARG && strstr(err.msg, "the output layer needs (B, N)"), "%s", err.msg);
    hn_layer_spec seq[2] = {{.kind = HN_LAYER_SEQUENCE, .offset = -1, .objects = 4, .vars = 3},
                            {.kind = HN_LAYER_RNN, .units = 0}};
    s.layers = seq;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 2 (rnn) has hidden size 0"));
    seq[0].vars = 4; /* 4 × 5 = 20 > 16 inputs */
    seq[1].units = 3;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 1 (sequence)") &&
          strstr(err.msg, "16 inputs"));
    hn_layer_spec late[2] = {{.kind = HN_LAYER_DENSE, .units = 4}, seq[0]};
    s.layers = late;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 2 (sequence) must be the first"));
    hn_layer_spec rnn = {.kind = HN_LAYER_RNN, .units = 3};
    s.layers = &rnn;
    s.n_layers = 1;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 1 (rnn) takes sequences"));
    CHECK(m == NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/hepnn-test-model-deep-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(cnn_shapes_and_round_trip);
    RUN(lstm_round_trip_and_masks);
    RUN(conv1d_residual_round_trip);
    RUN(dense_per_step);
    RUN(layer_record_layout);
    RUN(bad_stacks_are_refused);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_SUMMARY();
}
