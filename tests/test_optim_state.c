/* Optimiser state export / import: resuming continues bit-identically, and
 * damaged or mismatched state is refused with a message, changing nothing. */
#include "harness.h"
#include "hepnn/optim.h"

#include <stdint.h>

#define NW 7
#define NB 3
#define STEPS 12
#define SPLIT 5

typedef struct model {
    float w[NW], b[NB], gw[NW], gb[NB];
} model;

static void model_init(model *m)
{
    for (int i = 0; i < NW; i++)
        m->w[i] = 0.3f * (float)(i - 3);
    for (int i = 0; i < NB; i++)
        m->b[i] = 0.5f - 0.4f * (float)i;
}

/* a gradient that depends on the parameters: sum(a/2 w^2 + d w), a from 0.5 to 3.5 */
static void model_grad(model *m)
{
    for (int i = 0; i < NW; i++)
        m->gw[i] = (0.5f + 0.5f * (float)i) * m->w[i] + 0.1f * (float)(i % 3);
    for (int i = 0; i < NB; i++)
        m->gb[i] = (1.0f + (float)i) * m->b[i] - 0.2f;
}

static void model_views(model *m, hn_param_view v[2])
{
    v[0] = (hn_param_view){m->w, m->gw, NW, 1, "w"};
    v[1] = (hn_param_view){m->b, m->gb, NB, 0, "b"};
}

static hn_optim *make(const hn_optim_config *c, model *m)
{
    hn_param_view v[2];
    model_views(m, v);
    hn_optim *opt = NULL;
    hn_error e_ = {0}, *err = &e_;
    CHECK_OK(hn_optim_new(&opt, c, v, 2, err), err);
    return opt;
}

static void run(hn_optim *opt, model *m, int steps, int t0)
{
    hn_error e_ = {0}, *err = &e_;
    for (int s = 0; s < steps; s++) {
        /* an lr that changes, to show the restored lr is the one in use */
        CHECK_OK(hn_optim_set_lr(opt, hn_optim_get_lr(opt) * (t0 + s == 3 ? 0.5 : 1.0), err), err);
        model_grad(m);
        CHECK_OK(hn_optim_step(opt, err), err);
    }
}

static hn_optim_config variants(int i)
{
    hn_optim_config c;
    switch (i) {
    case 0: c = hn_optim_config_default(HN_OPTIM_SGD), c.momentum = 0.9, c.nesterov = 1, c.weight_decay = 0.01; break;
    case 1: c = hn_optim_config_default(HN_OPTIM_ADAGRAD), c.lr_decay = 0.1, c.initial_accumulator = 0.1; break;
    case 2: c = hn_optim_config_default(HN_OPTIM_ADADELTA), c.weight_decay = 0.01; break;
    case 3: c = hn_optim_config_default(HN_OPTIM_RMSPROP), c.centered = 1, c.momentum = 0.5; break;
    case 4: c = hn_optim_config_default(HN_OPTIM_ADAM), c.amsgrad = 1, c.lr = 0.05, c.max_grad_norm = 1.0; break;
    case 5: c = hn_optim_config_default(HN_OPTIM_ADAMW), c.lr = 0.05; break;
    default: c = hn_optim_config_default(HN_OPTIM_GD); break;
    }
    return c;
}
#define N_VARIANTS 7

TEST(resume_is_bit_identical)
{
    for (int vi = 0; vi < N_VARIANTS; vi++) {
        hn_optim_config c = variants(vi);
        hn_error e_ = {0}, *err = &e_;
        /* uninterrupted */
        model full;
        model_init(&full);
        hn_optim *o = make(&c, &full);
        run(o, &full, STEPS, 0);
        hn_optim_free(o);

        /* interrupted after SPLIT steps: state to a buffer, a new optimiser, load */
        model part;
        model_init(&part);
        o = make(&c, &part);
        run(o, &part, SPLIT, 0);
        size_t size = hn_optim_state_size(o);
        unsigned char *buf = malloc(size);
        CHECK(buf != NULL);
        CHECK(hn_optim_state_save(o, buf, size - 1, err) == HN_ERR_ARG);
        CHECK_OK(hn_optim_state_save(o, buf, size, err), err);
        hn_optim_free(o);
        model resumed = part; /* the parameters would come from the model checkpoint */
        o = make(&c, &resumed);
        CHECK_OK(hn_optim_state_load(o, buf, size, err), err);
        CHECK(hn_optim_step_count(o) == SPLIT);
        CHECK(hn_optim_get_lr(o) == c.lr * 0.5);
        run(o, &resumed, STEPS - SPLIT, SPLIT);
        CHECK_MSG(memcmp(full.w, resumed.w, sizeof full.w) == 0 && memcmp(full.b, resumed.b, sizeof full.b) == 0,
                  "variant %d (%s): resumed run differs", vi, hn_optim_kind_name(c.kind));
        CHECK(hn_optim_step_count(o) == STEPS);
        hn_optim_free(o);

        /* without the state the continuation differs (the test can fail) */
        if (vi < N_VARIANTS - 1) {
            model fresh = part;
            o = make(&c, &fresh);
            CHECK_OK(hn_optim_set_lr(o, c.lr * 0.5, err), err);
            run(o, &fresh, STEPS - SPLIT, SPLIT);
            CHECK_MSG(memcmp(full.w, fresh.w, sizeof full.w) != 0, "variant %d: state made no difference", vi);
            hn_optim_free(o);
        }
        free(buf);
    }
}

TEST(stream_round_trip)
{
    hn_optim_config c = variants(4);
    hn_error e_ = {0}, *err = &e_;
    model m;
    model_init(&m);
    hn_optim *o = make(&c, &m);
    run(o, &m, 4, 0);
    FILE *f = tmpfile();
    if (!f)
        SKIP("tmpfile unavailable");
    CHECK(fwrite("HEAD", 1, 4, f) == 4); /* embedded in a larger file */
    CHECK_OK(hn_optim_state_write(o, f, err), err);
    CHECK(fwrite("TAIL", 1, 4, f) == 4);
    long end = ftell(f);
    CHECK((size_t)end == 8 + hn_optim_state_size(o));

    model m2 = m;
    hn_optim *o2 = make(&c, &m2);
    rewind(f);
    char tag[4];
    CHECK(fread(tag, 1, 4, f) == 4);
    CHECK_OK(hn_optim_state_read(o2, f, err), err);
    CHECK(fread(tag, 1, 4, f) == 4 && memcmp(tag, "TAIL", 4) == 0);
    CHECK(hn_optim_step_count(o2) == 4);
    run(o, &m, 3, 4);
    run(o2, &m2, 3, 4);
    CHECK(memcmp(m.w, m2.w, sizeof m.w) == 0 && memcmp(m.b, m2.b, sizeof m.b) == 0);

    /* a stream cut short */
    rewind(f);
    CHECK(fread(tag, 1, 4, f) == 4);
    FILE *g = tmpfile();
    if (g) {
        unsigned char chunk[64];
        CHECK(fread(chunk, 1, sizeof chunk, f) == sizeof chunk);
        CHECK(fwrite(chunk, 1, sizeof chunk, g) == sizeof chunk);
        rewind(g);
        CHECK(hn_optim_state_read(o2, g, err) == HN_ERR_IO);
        CHECK(strstr(err->msg, "truncated") != NULL);
        fclose(g);
    }
    fclose(f);
    hn_optim_free(o);
    hn_optim_free(o2);
}

TEST(damaged_state_is_refused)
{
    hn_optim_config c = variants(3);
    hn_error e_ = {0}, *err = &e_;
    model m;
    model_init(&m);
    hn_optim *o = make(&c, &m);
    run(o, &m, 3, 0);
    size_t size = hn_optim_state_size(o);
    unsigned char *good = malloc(size), *bad = malloc(size), *after = malloc(size);
    CHECK(good && bad && after);
    if (!good || !bad || !after) {
        free(good), free(bad), free(after);
        hn_optim_free(o);
        return;
    }
    CHECK_OK(hn_optim_state_save(o, good, size, err), err);

    /* every truncation and every single flipped byte is an error, and a failed
     * load leaves the optimiser exactly as it was */
    model m2;
    model_init(&m2);
    hn_optim *o2 = make(&c, &m2);
    unsigned char *fresh = malloc(size);
    CHECK(fresh != NULL);
    if (fresh)
        CHECK_OK(hn_optim_state_save(o2, fresh, size, err), err);
    for (size_t len = 0; len < size; len++)
        CHECK_MSG(hn_optim_state_load(o2, good, len, err) == HN_ERR_FORMAT, "truncated to %zu", len);
    CHECK(strstr(err->msg, "truncated") != NULL);
    for (size_t i = 0; i < size; i++) {
        memcpy(bad, good, size);
        bad[i] ^= 0x10;
        hn_status st = hn_optim_state_load(o2, bad, size, err);
        CHECK_MSG(st == HN_ERR_FORMAT || st == HN_ERR_STATE, "byte %zu flipped: status %d", i, (int)st);
    }
    memcpy(bad, good, size);
    bad[size / 2] ^= 1;
    CHECK(hn_optim_state_load(o2, bad, size, err) == HN_ERR_FORMAT && strstr(err->msg, "checksum"));
    memcpy(bad, good, size);
    bad[0] = 'X';
    CHECK(hn_optim_state_load(o2, bad, size, err) == HN_ERR_FORMAT && strstr(err->msg, "magic"));
    memcpy(bad, good, size);
    bad[8] = 9;
    CHECK(hn_optim_state_load(o2, bad, size, err) == HN_ERR_FORMAT && strstr(err->msg, "version 9"));
    CHECK(hn_optim_step_count(o2) == 0);
    if (fresh) {
        CHECK_OK(hn_optim_state_save(o2, after, size, err), err);
        CHECK(memcmp(after, fresh, size) == 0);
    }

    /* another kind, other options, other view sizes */
    hn_optim_config other = hn_optim_config_default(HN_OPTIM_ADAM);
    hn_optim *o3 = make(&other, &m2);
    CHECK(hn_optim_state_load(o3, good, size, err) == HN_ERR_STATE && strstr(err->msg, "rmsprop"));
    hn_optim_free(o3);
    other = c;
    other.centered = 0;
    o3 = make(&other, &m2);
    CHECK(hn_optim_state_load(o3, good, size, err) == HN_ERR_STATE && strstr(err->msg, "options"));
    hn_optim_free(o3);
    hn_param_view v[2];
    model_views(&m2, v);
    v[0].n = NW - 1;
    v[1].n = NB + 1;
    CHECK_OK(hn_optim_new(&o3, &c, v, 2, err), err);
    CHECK(hn_optim_state_load(o3, good, size, err) == HN_ERR_STATE && strstr(err->msg, "view 0"));
    hn_optim_free(o3);
    CHECK(hn_optim_state_load(NULL, good, size, err) == HN_ERR_ARG);
    CHECK(hn_optim_state_load(o2, NULL, size, err) == HN_ERR_ARG);

    free(fresh);
    free(good), free(bad), free(after);
    hn_optim_free(o);
    hn_optim_free(o2);
}

/* The format is little-endian and fixed: pin the header of a known state. */
TEST(format_is_pinned)
{
    float w[2] = {1, 2}, g[2] = {0.5f, -0.25f};
    hn_param_view v = {w, g, 2, 1, NULL};
    hn_optim_config c = hn_optim_config_default(HN_OPTIM_SGD);
    c.momentum = 0.5;
    c.lr = 0.5;
    hn_optim *o = NULL;
    hn_error e_ = {0}, *err = &e_;
    CHECK_OK(hn_optim_new(&o, &c, &v, 1, err), err);
    CHECK_OK(hn_optim_step(o, err), err);
    CHECK(hn_optim_state_size(o) == 56 + 8 + 4 * 2 + 8);
    unsigned char buf[80];
    CHECK_OK(hn_optim_state_save(o, buf, sizeof buf, err), err);
    static const unsigned char head[] = {'H', 'N', 'O', 'P', 'T', 'S', 'T', 0, 1, 0, 0, 0, 1, 0, 0, 0,
                                         8,   0,   0,   0,   1,   0,   0,   0, 1, 0, 0, 0, 0, 0, 0, 0,
                                         1,   0,   0,   0,   0,   0,   0,   0};
    CHECK(memcmp(buf, head, sizeof head) == 0);
    /* lr 0.5 = 0x3FE0000000000000, total 2, n 2, momentum buffer = first gradient */
    static const unsigned char rest[] = {0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0x3F, 0, 0, 0x80, 0xBE};
    CHECK(memcmp(buf + 40, rest, sizeof rest) == 0);
    hn_optim_free(o);
}

int main(void)
{
    RUN(resume_is_bit_identical);
    RUN(stream_round_trip);
    RUN(damaged_state_is_refused);
    RUN(format_is_pinned);
    return TEST_SUMMARY();
}
