/* The sequential model and its file: build, predict, save -> load -> predict
 * bit-identical; truncated, corrupted and other-version files are refused. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <unistd.h>

#include "harness.h"
#include "hepnn/model.h"

static const hn_layer_spec LAYERS[] = {
    {.kind = HN_LAYER_DENSE, .units = 16, .init = HN_INIT_HE_UNIFORM},
    {.kind = HN_LAYER_BATCHNORM, .momentum = 0.1f, .eps = 1e-5f},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_PRELU, .alpha = 0.25f},
    {.kind = HN_LAYER_DROPOUT, .rate = 0.3f},
    {.kind = HN_LAYER_DENSE, .units = 8, .init = HN_INIT_XAVIER_NORMAL},
    {.kind = HN_LAYER_ACTIVATION, .act = HN_ACT_ELU, .alpha = 1.0f},
};

static hn_model *make_model(hn_task task, int n_out)
{
    hn_model_spec spec = {.n_inputs = 5, .n_outputs = n_out, .task = task, .n_layers = 6, .layers = LAYERS, .seed = 9};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &spec, &err), &err);
    return m;
}

static char tmpdir[256];

static void path_in_tmp(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmpdir, name); }

/* Runs a few training-mode forward passes so batch-norm statistics move. */
static void warm_up(hn_model *m, hn_rng *rng)
{
    hn_model_io io = hn_model_get_io(m);
    hn_error err = {0};
    CHECK_OK(hn_graph_set_batch(io.graph, 32, &err), &err);
    for (int rep = 0; rep < 3; rep++) {
        for (int i = 0; i < 32 * 5; i++)
            hn_tensor_data(io.x)[i] = (float)(2.0 + hn_rng_normal(rng));
        CHECK_OK(hn_graph_forward_to(io.graph, io.output, &err), &err);
    }
}

TEST(save_load_predict_bit_identical)
{
    hn_rng rng;
    hn_rng_seed(&rng, 4);
    hn_task tasks[3] = {HN_TASK_BINARY, HN_TASK_MULTICLASS, HN_TASK_REGRESSION};
    int outs[3] = {1, 3, 2};
    for (int k = 0; k < 3; k++) {
        hn_model *m = make_model(tasks[k], outs[k]);
        if (!m)
            return;
        hn_error err = {0};
        warm_up(m, &rng);
        float shift[5] = {1, 2, 3, 4, 5}, scale[5] = {0.5f, 1, 2, 0.25f, 1};
        CHECK_OK(hn_model_set_normalisation(m, shift, scale, &err), &err);
        const char *feat[5] = {"pt", "eta", "phi", "m", "e"}, *cls[3] = {"sig", "bkg", "other"};
        CHECK_OK(hn_model_set_names(m, feat, 5, tasks[k] == HN_TASK_REGRESSION ? NULL : cls,
                                    tasks[k] == HN_TASK_MULTICLASS ? 3 : 2, &err),
                 &err);
        CHECK_OK(hn_model_set_meta(m, "{\"test_auc\": 0.91}", &err), &err);
        float x[40 * 5], y1[40 * 3], y2[40 * 3];
        for (int i = 0; i < 200; i++)
            x[i] = (float)hn_rng_normal(&rng) * 3.0f;
        CHECK_OK(hn_model_predict(m, x, 40, y1, &err), &err);
        char path[512];
        path_in_tmp(path, sizeof path, "model.hnn");
        CHECK_OK(hn_model_save(m, path, &err), &err);
        hn_model *m2 = NULL;
        CHECK_OK(hn_model_load(&m2, path, &err), &err);
        if (!m2) {
            hn_model_free(m);
            return;
        }
        CHECK_OK(hn_model_predict(m2, x, 40, y2, &err), &err);
        CHECK_MSG(memcmp(y1, y2, sizeof(float) * 40 * (size_t)outs[k]) == 0, "task %d: outputs differ after reload", k);
        CHECK(hn_model_get_spec(m2)->n_layers == 6 && hn_model_get_spec(m2)->task == tasks[k]);
        CHECK(!strcmp(hn_model_feature_name(m2, 3), "m"));
        CHECK(tasks[k] == HN_TASK_REGRESSION || !strcmp(hn_model_class_name(m2, 1), "bkg"));
        CHECK(!strcmp(hn_model_meta(m2), "{\"test_auc\": 0.91}"));
        CHECK(hn_model_num_weights(m2) == hn_model_num_weights(m));
        /* prediction is deterministic: no dropout at evaluation */
        CHECK_OK(hn_model_predict(m2, x, 40, y1, &err), &err);
        CHECK(memcmp(y1, y2, sizeof(float) * 40 * (size_t)outs[k]) == 0);
        /* probabilities for classification */
        if (tasks[k] == HN_TASK_MULTICLASS)
            for (int i = 0; i < 40; i++)
                CHECK_NEAR(y1[3 * i] + y1[3 * i + 1] + y1[3 * i + 2], 1.0, 1e-5);
        hn_model_free(m);
        hn_model_free(m2);
    }
}

static long file_bytes(const char *path, unsigned char **data)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc((size_t)n);
    if (fread(*data, 1, (size_t)n, f) != (size_t)n)
        n = -1;
    fclose(f);
    return n;
}

static void write_bytes(const char *path, const unsigned char *data, long n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, (size_t)n, f);
    fclose(f);
}

TEST(damaged_files_are_refused)
{
    hn_model *m = make_model(HN_TASK_BINARY, 1);
    if (!m)
        return;
    hn_error err = {0};
    char path[512], bad[512];
    path_in_tmp(path, sizeof path, "good.hnn");
    path_in_tmp(bad, sizeof bad, "bad.hnn");
    CHECK_OK(hn_model_save(m, path, &err), &err);
    unsigned char *data = NULL;
    long n = file_bytes(path, &data);
    CHECK(n > 100);
    hn_model *out = NULL;
    /* every truncation */
    int accepted = 0;
    for (long len = 0; len < n; len++) {
        write_bytes(bad, data, len);
        if (hn_model_load(&out, bad, &err) == HN_OK)
            accepted++;
        CHECK(out == NULL || accepted);
    }
    CHECK_MSG(accepted == 0, "%d truncated files accepted", accepted);
    write_bytes(bad, data, n / 2);
    CHECK(hn_model_load(&out, bad, &err) == HN_ERR_FORMAT);
    CHECK_MSG(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
    /* every flipped byte */
    for (long i = 0; i < n; i++) {
        data[i] ^= 0x5a;
        write_bytes(bad, data, n);
        hn_status st = hn_model_load(&out, bad, &err);
        if (st == HN_OK) {
            accepted++;
            hn_model_free(out);
        }
        data[i] ^= 0x5a;
    }
    CHECK_MSG(accepted == 0, "%d corrupted files accepted", accepted);
    data[40] ^= 1;
    write_bytes(bad, data, n);
    CHECK(hn_model_load(&out, bad, &err) == HN_ERR_FORMAT && strstr(err.msg, "checksum mismatch"));
    data[40] ^= 1;
    /* another version */
    data[8] = 99;
    write_bytes(bad, data, n);
    CHECK(hn_model_load(&out, bad, &err) == HN_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err.msg, "version 99") != NULL, "%s", err.msg);
    /* not a model at all, and no file */
    write_bytes(bad, (const unsigned char *)"root\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
    CHECK(hn_model_load(&out, bad, &err) == HN_ERR_FORMAT && strstr(err.msg, "not a hepnn model file"));
    path_in_tmp(bad, sizeof bad, "missing.hnn");
    CHECK(hn_model_load(&out, bad, &err) == HN_ERR_IO && strstr(err.msg, "missing.hnn"));
    CHECK(out == NULL);
    free(data);
    hn_model_free(m);
}

/* Saving replaces the old file in one step and leaves no temporary behind;
 * a save that cannot happen leaves the old file as it was. */
TEST(save_is_atomic)
{
    hn_model *a = make_model(HN_TASK_BINARY, 1), *b = make_model(HN_TASK_REGRESSION, 2);
    if (!a || !b)
        return;
    hn_error err = {0};
    char path[512];
    path_in_tmp(path, sizeof path, "atomic.hnn");
    CHECK_OK(hn_model_save(a, path, &err), &err);
    CHECK_OK(hn_model_save(b, path, &err), &err);
    hn_model *c = NULL;
    CHECK_OK(hn_model_load(&c, path, &err), &err);
    CHECK(c && hn_model_get_spec(c)->task == HN_TASK_REGRESSION);
    DIR *d = opendir(tmpdir);
    int others = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        others += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    CHECK(others == 0);
    CHECK(hn_model_save(a, "/nonexistent-dir/x.hnn", &err) == HN_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.hnn") != NULL);
    hn_model_free(a);
    hn_model_free(b);
    hn_model_free(c);
}

TEST(bad_specs_are_refused)
{
    hn_error err = {0};
    hn_model *m = NULL;
    hn_layer_spec zero = {.kind = HN_LAYER_DENSE, .units = 0};
    hn_model_spec s = {.n_inputs = 3, .n_outputs = 1, .task = HN_TASK_BINARY, .n_layers = 1, .layers = &zero};
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "layer 1 (dense) has 0 units"));
    s.n_layers = 0;
    s.n_outputs = 2;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "binary classification has 1 output"));
    s.task = HN_TASK_MULTICLASS;
    s.n_outputs = 1;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "at least 2 classes"));
    hn_layer_spec drop = {.kind = HN_LAYER_DROPOUT, .rate = 1.5f};
    s.n_outputs = 3;
    s.layers = &drop;
    s.n_layers = 1;
    CHECK(hn_model_new(&m, &s, &err) == HN_ERR_ARG && strstr(err.msg, "rate 1.5"));
    CHECK(m == NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/hepnn-test-model-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(save_load_predict_bit_identical);
    RUN(damaged_files_are_refused);
    RUN(save_is_atomic);
    RUN(bad_specs_are_refused);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_SUMMARY();
}
