#include "harness.h"
#include "hepnn/rng.h"
#include "hepnn/threads.h"
#include "hepnn/status.h"

TEST(error_set_and_prefix)
{
    hn_error err = {0};
    CHECK(hn_error_set(&err, HN_ERR_SHAPE, "add: %s vs %s", "(2,3)", "(4)") == HN_ERR_SHAPE);
    CHECK(err.status == HN_ERR_SHAPE);
    CHECK(strcmp(err.msg, "add: (2,3) vs (4)") == 0);
    hn_error_prefix(&err, "file %s", "x.root");
    CHECK(strcmp(err.msg, "file x.root: add: (2,3) vs (4)") == 0);
    /* a NULL error is allowed everywhere */
    CHECK(hn_error_set(NULL, HN_ERR_ARG, "ignored") == HN_ERR_ARG);
    CHECK(strcmp(hn_status_str(HN_OK), "ok") == 0);
    /* long messages are truncated, not overflowed */
    char big[2 * HN_ERROR_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hn_error_set(&err, HN_ERR_ARG, "%s", big);
    CHECK(strlen(err.msg) == HN_ERROR_MSG_MAX - 1);
}

TEST(rng_reproducible_and_distributed)
{
    hn_rng a, b;
    hn_rng_seed(&a, 42);
    hn_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        CHECK(hn_rng_u64(&a) == hn_rng_u64(&b));
    hn_rng_seed(&b, 43);
    CHECK(hn_rng_u64(&a) != hn_rng_u64(&b));

    /* mean and variance of uniforms and normals */
    double su = 0, sn = 0, sn2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = hn_rng_uniform(&a);
        CHECK(u >= 0.0 && u < 1.0);
        su += u;
        double z = hn_rng_normal(&a);
        sn += z;
        sn2 += z * z;
    }
    CHECK_NEAR(su / n, 0.5, 0.005);
    CHECK_NEAR(sn / n, 0.0, 0.01);
    CHECK_NEAR(sn2 / n, 1.0, 0.01);

    /* a shuffle is a permutation */
    int64_t idx[100];
    for (int i = 0; i < 100; i++)
        idx[i] = i;
    hn_rng_shuffle(&a, idx, 100);
    int seen[100] = {0}, moved = 0;
    for (int i = 0; i < 100; i++) {
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < 100; i++)
        CHECK(seen[i] == 1);
    CHECK(moved > 50);
    CHECK(hn_rng_below(&a, 0) == 0);
    for (int i = 0; i < 1000; i++)
        CHECK(hn_rng_below(&a, 7) < 7);
}

TEST(thread_counts_settable)
{
    hn_error err = {0};
    CHECK(hn_threads_set(-1, 0, &err) == HN_ERR_ARG);
    CHECK_OK(hn_threads_set(1, 1, &err), &err);
    CHECK(hn_threads_kernel() == 1);
    CHECK(hn_threads_blas() == 1);
    CHECK_OK(hn_threads_set(2, 2, &err), &err);
    CHECK(hn_threads_kernel() == 2);
    /* OpenBLAS caps its count at the cores it was started with */
    CHECK(hn_threads_blas() >= 1 && hn_threads_blas() <= 2);
}

int main(void)
{
    RUN(error_set_and_prefix);
    RUN(rng_reproducible_and_distributed);
    RUN(thread_counts_settable);
    return TEST_SUMMARY();
}
