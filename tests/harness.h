/* A tiny test harness: each test file defines test functions with TEST(name)
 * and lists them in a main via RUN(name). Failures print file:line and the
 * expression; the last line is "N passed, N failed" for the test runner. */
#ifndef HN_TEST_HARNESS_H
#define HN_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/status.h"

static int hn_test_failed_checks;
static int hn_tests_passed, hn_tests_failed, hn_tests_skipped;
static int hn_test_skip_flag;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
            hn_test_failed_checks++;                                                  \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
            hn_test_failed_checks++;                                                  \
        }                                                                             \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                         \
    do {                                                                              \
        double hn_a_ = (double)(a), hn_b_ = (double)(b), hn_t_ = (double)(tol);      \
        if (!(fabs(hn_a_ - hn_b_) <= hn_t_)) {                                        \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g, tol %g\n", \
                    __FILE__, __LINE__, #a, hn_a_, #b, hn_b_, hn_t_);                 \
            hn_test_failed_checks++;                                                  \
        }                                                                             \
    } while (0)

static inline const char *hn_test_msg(const hn_error *e) { return e ? e->msg : ""; }

/* Checks that a status-returning call returned HN_OK; prints the message
 * (errp: a pointer to the hn_error the call filled, or NULL). */
#define CHECK_OK(call, errp)                                                          \
    do {                                                                              \
        int hn_st_ = (int)(call);                                                     \
        if (hn_st_ != 0) {                                                            \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call, \
                    hn_st_, hn_test_msg(errp));                               \
            hn_test_failed_checks++;                                                  \
        }                                                                             \
    } while (0)

/* Marks the current test as skipped (with a reason) and returns from it. */
#define SKIP(...)                                                                     \
    do {                                                                              \
        fprintf(stderr, "  skipped: ");                                               \
        fprintf(stderr, __VA_ARGS__);                                                 \
        fputc('\n', stderr);                                                          \
        hn_test_skip_flag = 1;                                                        \
        return;                                                                       \
    } while (0)

#define RUN(name)                                                                     \
    do {                                                                              \
        int hn_before_ = hn_test_failed_checks;                                       \
        hn_test_skip_flag = 0;                                                        \
        fprintf(stderr, "- %s\n", #name);                                             \
        name();                                                                       \
        if (hn_test_failed_checks != hn_before_) {                                    \
            hn_tests_failed++;                                                        \
            fprintf(stderr, "  FAILED %s\n", #name);                                  \
        } else if (hn_test_skip_flag) {                                               \
            hn_tests_skipped++;                                                       \
        } else {                                                                      \
            hn_tests_passed++;                                                        \
        }                                                                             \
    } while (0)

#define TEST_SUMMARY()                                                                \
    (printf("%d passed, %d failed, %d skipped\n", hn_tests_passed, hn_tests_failed,   \
            hn_tests_skipped),                                                        \
     hn_tests_failed ? 1 : 0)

#endif
