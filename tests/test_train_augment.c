/* The training loop's augmentation hook and the configuration's row
 * augmentation: called on training batches only, reproducible, resumed runs
 * bit-identical; particle permutations keep each event's objects, its padding
 * and its other features. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "harness.h"
#include "hepnn/config.h"
#include "hepnn/layers_deep.h"
#include "hepnn/model.h"
#include "hepnn/train.h"

enum { NE = 1, T = 3, V = 2, NF = NE + T * V + T, NTR = 200, NVA = 60 };

static char tmpdir[256];

/* An event variable, then up to 3 objects of 2 variables, then the mask;
 * label: whether the objects' first variables sum above 0. */
static void make_data(int n, uint64_t seed, float *x, float *y)
{
    hn_rng rng;
    hn_rng_seed(&rng, seed);
    for (int e = 0; e < n; e++) {
        float *r = x + (size_t)e * NF, sum = 0;
        int len = 1 + (int)(hn_rng_u64(&rng) % T);
        r[0] = (float)hn_rng_normal(&rng);
        for (int t = 0; t < T; t++) {
            for (int v = 0; v < V; v++)
                r[NE + t * V + v] = t < len ? (float)hn_rng_normal(&rng) : 0.0f;
            r[NE + T * V + t] = t < len ? 1.0f : 0.0f;
            sum += t < len ? r[NE + t * V] : 0.0f;
        }
        y[e] = sum > 0 ? 1.0f : 0.0f;
    }
}

static const hn_layer_spec LAYERS[] = {
    {.kind = HN_LAYER_SEQUENCE, .offset = NE, .objects = T, .vars = V},
    {.kind = HN_LAYER_RNN, .cell = HN_RNN_GRU, .units = 6},
};

static hn_model *model(uint64_t seed)
{
    hn_model_spec s = {.n_inputs = NF, .n_outputs = 1, .task = HN_TASK_BINARY, .n_layers = 2, .layers = LAYERS,
                       .seed = seed};
    hn_model *m = NULL;
    hn_error err = {0};
    CHECK_OK(hn_model_new(&m, &s, &err), &err);
    return m;
}

typedef struct {
    hn_augment_spec spec;
    int64_t rows;
} counting;

static hn_status count_and_augment(void *user, float *x, int64_t rows, int n_features, hn_rng *rng, hn_error *err)
{
    counting *c = user;
    c->rows += rows;
    return hn_augment_rows(&c->spec, x, rows, n_features, rng, err);
}

static int same_weights(hn_model *a, hn_model *b)
{
    hn_graph *ga = hn_model_get_io(a).graph, *gb = hn_model_get_io(b).graph;
    for (int i = 0; i < hn_graph_num_persistent(ga); i++) {
        hn_tensor *ta = hn_graph_persistent(ga, i), *tb = hn_graph_persistent(gb, i);
        if (memcmp(hn_tensor_data(ta), hn_tensor_data(tb), sizeof(float) * (size_t)hn_tensor_numel(ta)))
            return 0;
    }
    return 1;
}

TEST(hook_runs_on_training_batches_and_resumes_identically)
{
    static float xtr[NTR * NF], ytr[NTR], xva[NVA * NF], yva[NVA];
    make_data(NTR, 1, xtr, ytr);
    make_data(NVA, 2, xva, yva);
    hn_dataset tr = {NTR, NF, 1, xtr, ytr, NULL, 0}, va = {NVA, NF, 1, xva, yva, NULL, 0};
    counting c = {.spec = {.particles = 1, .offset = NE, .objects = T, .vars = V}};
    hn_train_config cfg = hn_train_config_default();
    cfg.epochs = 4;
    cfg.batch_size = 32;
    cfg.augment = count_and_augment;
    cfg.augment_user = &c;
    hn_error err = {0};
    hn_train_result r1, r2, r3, r4;
    hn_model *a = model(3), *b = model(3), *d = model(99), *plain = model(3);
    if (!a || !b || !d || !plain)
        return;
    CHECK_OK(hn_train(a, &cfg, &tr, &va, &r1, &err), &err);
    CHECK_MSG(c.rows == 4 * NTR, "augmented %lld rows, expected %d (training rows only)", (long long)c.rows, 4 * NTR);
    /* 2 epochs, a checkpoint, 2 more into a model with other initial weights */
    char ckpt[512];
    snprintf(ckpt, sizeof ckpt, "%s/aug.ckpt", tmpdir);
    hn_train_config part = cfg, rest = cfg;
    part.epochs = 2;
    part.checkpoint = ckpt;
    part.restore_best = 0;
    rest.resume = ckpt;
    CHECK_OK(hn_train(b, &part, &tr, &va, &r2, &err), &err);
    CHECK_OK(hn_train(d, &rest, &tr, &va, &r3, &err), &err);
    CHECK_MSG(same_weights(a, d), "the resumed run differs from the uninterrupted one");
    /* the augmentation does something: without it the weights differ */
    hn_train_config none = cfg;
    none.augment = NULL;
    CHECK_OK(hn_train(plain, &none, &tr, &va, &r4, &err), &err);
    CHECK(!same_weights(a, plain));
    hn_train_result_free(&r1);
    hn_train_result_free(&r2);
    hn_train_result_free(&r3);
    hn_train_result_free(&r4);
    hn_model_free(a);
    hn_model_free(b);
    hn_model_free(d);
    hn_model_free(plain);
}

TEST(particle_permutation_keeps_objects_and_padding)
{
    enum { N = 50 };
    static float x[N * NF], y[N], orig[N * NF];
    make_data(N, 7, x, y);
    memcpy(orig, x, sizeof x);
    hn_augment_spec s = {.particles = 1, .offset = -1, .objects = T, .vars = V}; /* the last block */
    hn_rng rng;
    hn_rng_seed(&rng, 5);
    hn_error err = {0};
    CHECK_OK(hn_augment_rows(&s, x, N, NF, &rng, &err), &err);
    int moved = 0;
    for (int e = 0; e < N; e++) {
        const float *a = orig + (size_t)e * NF, *b = x + (size_t)e * NF;
        CHECK(a[0] == b[0]);                                     /* the event variable */
        CHECK(!memcmp(a + NE + T * V, b + NE + T * V, sizeof(float) * T)); /* the mask */
        for (int t = 0; t < T; t++) {
            if (a[NE + T * V + t] == 0.0f) { /* padding stays zero */
                CHECK(b[NE + t * V] == 0.0f && b[NE + t * V + 1] == 0.0f);
                continue;
            }
            int found = 0; /* every valid object is still there, whole */
            for (int u = 0; u < T; u++)
                found += a[NE + T * V + u] != 0.0f && b[NE + u * V] == a[NE + t * V] &&
                         b[NE + u * V + 1] == a[NE + t * V + 1];
            CHECK(found == 1);
            moved += b[NE + t * V] != a[NE + t * V];
        }
    }
    CHECK(moved > 10);
    /* a block that does not fit is an error naming the key */
    s.objects = 5;
    CHECK(hn_augment_rows(&s, x, N, NF, &rng, &err) == HN_ERR_ARG && strstr(err.msg, "train.augment.particles"));
}

TEST(image_augmentation_keeps_pixels)
{
    /* 2 rows: a feature, then a 1×3×3 image; flips and rotations only permute pixels */
    float x[2 * 10], before[2 * 10];
    for (int i = 0; i < 20; i++)
        x[i] = (float)(i + 1);
    memcpy(before, x, sizeof x);
    hn_augment_spec s = {.image = 1, .image_offset = 1, .c = 1, .h = 3, .w = 3, .flip_h = 0.5, .flip_v = 0.5,
                         .rot90 = 1};
    hn_rng rng;
    hn_rng_seed(&rng, 1);
    hn_error err = {0};
    int changed = 0;
    for (int rep = 0; rep < 8; rep++) {
        CHECK_OK(hn_augment_rows(&s, x, 2, 10, &rng, &err), &err);
        for (int r = 0; r < 2; r++) {
            CHECK(x[r * 10] == before[r * 10]);
            CHECK(x[r * 10 + 5] == before[r * 10 + 5]); /* the centre pixel never moves */
            float sum = 0;
            for (int k = 1; k < 10; k++)
                sum += x[r * 10 + k];
            CHECK(sum == (r ? 144.0f : 54.0f)); /* 2..10 and 12..20 */
        }
        changed += memcmp(x, before, sizeof x) != 0;
    }
    CHECK(changed > 0);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/hepnn-test-augment-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(hook_runs_on_training_batches_and_resumes_identically);
    RUN(particle_permutation_keeps_objects_and_padding);
    RUN(image_augmentation_keeps_pixels);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_SUMMARY();
}
