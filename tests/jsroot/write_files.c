/* Writes the trees that writer_check.mjs reads back with jsroot: every
 * value follows a formula that the JavaScript side computes on its own
 * (integer arithmetic and single divisions, which IEEE arithmetic rounds
 * the same way in C and JavaScript), so jsroot's values are compared with
 * what was written, not with what hepnn reads.
 *
 * Usage: root_write_files DIR  (writes DIR/w_zlib1.root, DIR/w_zlib9.root,
 * DIR/w_raw.root, each with the tree "T" of N entries). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hepnn/root_write.h"

enum { N = 5000 };

static int write_one(const char *dir, const char *name, int level, size_t basket, int chunks)
{
    static int32_t n[N], ji[6 * N];
    static float f[N], af[3 * N], jf[6 * N];
    static double d[N], jd[2 * 6 * N];
    static int64_t l[N];
    static uint8_t o[N], u[N];
    static int16_t s[N];
    int64_t nj = 0;
    for (int i = 0; i < N; i++) {
        n[i] = (i * 7) % 6;
        f[i] = (float)i / 7.0f;
        d[i] = (double)(i - 2500) * 1e10 / 3.0;
        /* above 2^53 (jsroot's BigInt path) and negative; not negative with
         * a low word below 2^31, which jsroot 7.11.2 misreads (docs/root.md) */
        l[i] = i % 2 ? (int64_t)i * ((int64_t)1 << 50) + i : -(int64_t)i * 1000 - 1;
        o[i] = (uint8_t)(i % 3 == 0);
        u[i] = (uint8_t)(i % 251);
        s[i] = (int16_t)(i - 2500);
        for (int k = 0; k < 3; k++)
            af[3 * i + k] = (float)(3 * i + k) / 11.0f;
        for (int k = 0; k < n[i]; k++, nj++) {
            jf[nj] = (float)(10 * i + k) / 13.0f;
            ji[nj] = 10 * i + k - 7;
            jd[2 * nj] = (double)(10 * i + k) / 9.0;
            jd[2 * nj + 1] = -(double)(10 * i + k);
        }
    }
    hn_root_wbranch br[] = {
        {"n", HN_ROOT_T_I32, 1, NULL},  {"f", HN_ROOT_T_F32, 1, NULL},  {"d", HN_ROOT_T_F64, 1, NULL},
        {"l", HN_ROOT_T_I64, 1, NULL},  {"o", HN_ROOT_T_BOOL, 1, NULL}, {"u", HN_ROOT_T_U8, 1, NULL},
        {"s", HN_ROOT_T_I16, 1, NULL},  {"af", HN_ROOT_T_F32, 3, NULL}, {"jf", HN_ROOT_T_F32, 1, "n"},
        {"ji", HN_ROOT_T_I32, 1, "n"},  {"jd", HN_ROOT_T_F64, 2, "n"},
    };
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    hn_error err = {0};
    hn_root_writer *w = NULL;
    if (hn_root_writer_open(path, "T", br, sizeof br / sizeof br[0], level, &w, &err) != HN_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    hn_root_writer_set_basket_bytes(w, basket);
    int64_t at = 0, jat = 0;
    for (int c = 0; c < chunks; c++) {
        int64_t end = (int64_t)(c + 1) * N / chunks, jc = 0;
        for (int64_t i = at; i < end; i++)
            jc += n[i];
        const void *cols[] = {n + at,      f + at,        d + at,   l + at,   o + at,         u + at,
                              s + at,      af + 3 * at,   jf + jat, ji + jat, jd + 2 * jat};
        if (hn_root_writer_append(w, end - at, cols, &err) != HN_OK) {
            fprintf(stderr, "%s\n", err.msg);
            hn_root_writer_abort(w);
            return 1;
        }
        at = end;
        jat += jc;
    }
    if (hn_root_writer_close(w, &err) != HN_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: root_write_files DIR\n");
        return 2;
    }
    int bad = write_one(argv[1], "w_zlib1.root", 1, 2000, 3);
    bad |= write_one(argv[1], "w_zlib9.root", 9, 32000, 1);
    bad |= write_one(argv[1], "w_raw.root", 0, 3000, 2);
    return bad;
}
