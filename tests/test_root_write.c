/* The flat TTree writer: write -> read round trips with every numeric type,
 * fixed and variable-length arrays, several baskets and appends, with and
 * without compression; the values read back must be bit-identical. */
#include "harness.h"
#include "hepnn/rng.h"
#include "hepnn/root.h"
#include "hepnn/root_write.h"

#include <stdint.h>
#include <unistd.h>

#define CHECK_OKE(call)            \
    do {                           \
        hn_error *ep_ = &err;      \
        CHECK_OK(call, ep_);       \
    } while (0)

enum { N = 3000 };

static void round_trip(int level, size_t basket, int appends)
{
    char path[256];
    snprintf(path, sizeof path, "root_write_test_%d_%ld.root", level, (long)getpid());
    hn_rng r;
    hn_rng_seed(&r, (uint64_t)level * 7 + basket);
    static int32_t n[N];
    static uint8_t b[N], u1[N];
    static int16_t s[N];
    static uint64_t u8v[N];
    static float f[N], af[3 * N], jf[10 * N];
    static double d[N], jd[2 * 10 * N];
    static int64_t l[N];
    int64_t nj = 0;
    for (int i = 0; i < N; i++) {
        n[i] = (int32_t)hn_rng_below(&r, 8);
        b[i] = (uint8_t)(i % 3 == 0);
        u1[i] = (uint8_t)(i * 7);
        s[i] = (int16_t)(i - 1500);
        u8v[i] = UINT64_MAX - (uint64_t)i;
        f[i] = (float)hn_rng_normal(&r);
        d[i] = hn_rng_normal(&r) * 1e10;
        l[i] = (int64_t)i * -1000000007LL;
        for (int k = 0; k < 3; k++)
            af[3 * i + k] = (float)(i + k) / 3.0f;
    }
    for (int i = 0; i < N; i++)
        for (int k = 0; k < n[i]; k++, nj++) {
            jf[nj] = (float)hn_rng_uniform(&r);
            jd[2 * nj] = (double)nj;
            jd[2 * nj + 1] = -(double)nj / 7;
        }
    hn_root_wbranch br[] = {
        {"n", HN_ROOT_T_I32, 1, NULL},      {"b", HN_ROOT_T_BOOL, 1, NULL},
        {"u1", HN_ROOT_T_U8, 1, NULL},      {"s", HN_ROOT_T_I16, 1, NULL},
        {"u8", HN_ROOT_T_U64, 1, NULL},     {"f", HN_ROOT_T_F32, 1, NULL},
        {"d", HN_ROOT_T_F64, 1, NULL},      {"l", HN_ROOT_T_I64, 1, NULL},
        {"af", HN_ROOT_T_F32, 3, NULL},     {"jf", HN_ROOT_T_F32, 1, "n"},
        {"jd", HN_ROOT_T_F64, 2, "n"},
    };
    const size_t nb = sizeof br / sizeof br[0];
    hn_error err = {0};
    hn_root_writer *w = NULL;
    CHECK_OKE(hn_root_writer_open(path, "T", br, nb, level, &w, &err));
    if (!w)
        return;
    hn_root_writer_set_basket_bytes(w, basket);
    int64_t at = 0, jat = 0;
    for (int a = 0; a < appends; a++) {
        int64_t e1 = (a + 1) * (int64_t)N / appends;
        int64_t cnt = e1 - at, jc = 0;
        for (int64_t i = at; i < e1; i++)
            jc += n[i];
        const void *cols[] = {n + at, b + at, u1 + at, s + at, u8v + at, f + at, d + at, l + at,
                              af + 3 * at, jf + jat, jd + 2 * jat};
        CHECK_OKE(hn_root_writer_append(w, cnt, cols, &err));
        at = e1;
        jat += jc;
    }
    CHECK_OKE(hn_root_writer_close(w, &err));

    hn_root_file *fi = NULL;
    hn_root_tree *t = NULL;
    CHECK_OKE(hn_root_open(path, &fi, &err));
    if (fi)
        CHECK_OKE(hn_root_tree_open(fi, "T", &t, &err));
    if (t) {
        CHECK(hn_root_tree_entries(t) == N && hn_root_branch_count(t) == nb);
        const hn_root_branch *jb = hn_root_branch_at(t, 10);
        CHECK(jb->shape == HN_ROOT_JAGGED && jb->width == 2 && !strcmp(jb->counter, "n"));
        CHECK(hn_root_branch_at(t, 8)->shape == HN_ROOT_FIXED && hn_root_branch_at(t, 8)->width == 3);
        CHECK(hn_root_branch_at(t, 4)->type == HN_ROOT_T_U64);
        if (basket < 4096)
            CHECK(hn_root_branch_at(t, 6)->baskets > 5);
        hn_root_array a = {0};
        CHECK_OKE(hn_root_read(t, "n", 0, -1, HN_ROOT_I64, &a, &err));
        for (int i = 0; a.values && i < N; i++)
            CHECK(((int64_t *)a.values)[i] == n[i]);
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "b", 0, -1, HN_ROOT_I64, &a, &err));
        for (int i = 0; a.values && i < N; i++)
            CHECK(((int64_t *)a.values)[i] == b[i]);
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "u1", 0, -1, HN_ROOT_I64, &a, &err));
        for (int i = 0; a.values && i < N; i++)
            CHECK(((int64_t *)a.values)[i] == u1[i]);
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "s", 0, -1, HN_ROOT_I64, &a, &err));
        for (int i = 0; a.values && i < N; i++)
            CHECK(((int64_t *)a.values)[i] == s[i]);
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "u8", 0, -1, HN_ROOT_U64, &a, &err));
        for (int i = 0; a.values && i < N; i++)
            CHECK(((uint64_t *)a.values)[i] == u8v[i]);
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "f", 0, -1, HN_ROOT_F32, &a, &err));
        CHECK(a.values && !memcmp(a.values, f, sizeof f));
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "d", 0, -1, HN_ROOT_F64, &a, &err));
        CHECK(a.values && !memcmp(a.values, d, sizeof d));
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "l", 0, -1, HN_ROOT_I64, &a, &err));
        CHECK(a.values && !memcmp(a.values, l, sizeof l));
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "af", 0, -1, HN_ROOT_F32, &a, &err));
        CHECK(a.width == 3 && a.values && !memcmp(a.values, af, sizeof af));
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "jf", 0, -1, HN_ROOT_F32, &a, &err));
        CHECK(a.n_values == nj && a.values && !memcmp(a.values, jf, (size_t)nj * sizeof(float)));
        for (int i = 0; a.offsets && i < N; i++)
            CHECK(a.offsets[i + 1] - a.offsets[i] == n[i]);
        hn_root_array_free(&a);
        CHECK_OKE(hn_root_read(t, "jd", 777, 2222, HN_ROOT_F64, &a, &err));
        int64_t skip = 0;
        for (int i = 0; i < 777; i++)
            skip += n[i];
        CHECK(a.values && a.offsets && !memcmp(a.values, jd + 2 * skip, (size_t)a.n_values * sizeof(double)));
        hn_root_array_free(&a);
        hn_root_tree_close(t);
    }
    hn_root_close(fi);
    unlink(path);
}

TEST(round_trip_zlib_many_baskets) { round_trip(1, 1000, 3); }
TEST(round_trip_uncompressed) { round_trip(0, 32000, 1); }
TEST(round_trip_zlib9_big_baskets) { round_trip(9, 1 << 20, 7); }

TEST(bad_descriptions_refused)
{
    hn_error err = {0};
    hn_root_writer *w = NULL;
    hn_root_wbranch a[] = {{"x", HN_ROOT_T_F32, 1, "n"}, {"n", HN_ROOT_T_I32, 1, NULL}};
    CHECK(hn_root_writer_open("never.root", "T", a, 2, 1, &w, &err) == HN_ERR_ARG);
    CHECK(strstr(err.msg, "counter 'n'") != NULL);
    hn_root_wbranch c[] = {{"x", HN_ROOT_T_STRING, 1, NULL}};
    CHECK(hn_root_writer_open("never.root", "T", c, 1, 1, &w, &err) == HN_ERR_ARG);
    CHECK(access("never.root", F_OK) != 0);
    /* a negative counter is refused and the target never appears */
    hn_root_wbranch d[] = {{"n", HN_ROOT_T_I32, 1, NULL}, {"x", HN_ROOT_T_F32, 1, "n"}};
    CHECK_OKE(hn_root_writer_open("never.root", "T", d, 2, 1, &w, &err));
    int32_t nv[2] = {1, -1};
    float xv[1] = {0};
    const void *cols[] = {nv, xv};
    CHECK(hn_root_writer_append(w, 2, cols, &err) == HN_ERR_ARG);
    hn_root_writer_abort(w);
    CHECK(access("never.root", F_OK) != 0);
}

int main(void)
{
    RUN(round_trip_zlib_many_baskets);
    RUN(round_trip_uncompressed);
    RUN(round_trip_zlib9_big_baskets);
    RUN(bad_descriptions_refused);
    return TEST_SUMMARY();
}
