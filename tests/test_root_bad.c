/* The ROOT reader on damaged input: truncated files, flipped bytes, a wrong
 * magic, keys and baskets pointing outside the file, absurd lengths and
 * decompression bombs must each give an error with a message, never a
 * crash (the sanitizer build runs this too) and never wrong numbers. */
#include "harness.h"
#include "hepnn/rng.h"
#include "hepnn/root.h"
#include "data/root/root_internal.h"

#include <stdint.h>

#define DIR HN_TEST_DATA "/root/"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)sz;
    return b;
}

/* Opens data as a file and reads every readable branch of every tree.
 * Returns the first failing status (HN_OK if all went through); when
 * values come back from a damaged file they are still checked against
 * the sums of the intact file by the callers that care. */
static hn_status read_all(const uint8_t *data, size_t n, hn_error *err, double *sum)
{
    hn_root_file *f;
    hn_status st = hn_root_open_memory(data, n, "damaged.root", &f, err);
    if (st)
        return st;
    *sum = 0;
    for (size_t i = 0; !st && i < hn_root_object_count(f); i++) {
        const hn_root_object *o = hn_root_object_at(f, i);
        if (!o->is_tree)
            continue;
        hn_root_tree *t;
        st = hn_root_tree_open(f, o->path, &t, err);
        for (size_t b = 0; !st && b < hn_root_branch_count(t); b++) {
            const hn_root_branch *br = hn_root_branch_at(t, b);
            if (br->why)
                continue;
            hn_root_array a = {0};
            st = hn_root_read(t, br->name, 0, -1, br->type == HN_ROOT_T_STRING ? HN_ROOT_CHAR : HN_ROOT_F64,
                              &a, err);
            if (!st && br->type != HN_ROOT_T_STRING)
                for (int64_t k = 0; k < a.n_values; k++)
                    *sum += ((double *)a.values)[k];
            float *pv;
            uint8_t *pm;
            int64_t pn;
            if (!st && br->type != HN_ROOT_T_STRING && br->nleaves == 1 &&
                hn_root_read_padded(t, br->name, 0, -1, 4, &pv, &pm, &pn, err) == HN_OK) {
                free(pv);
                free(pm);
            }
            hn_root_array_free(&a);
        }
        hn_root_tree_close(t);
    }
    hn_root_close(f);
    return st;
}

static const char *files[] = {"uproot-foriter.root", "uproot-small-dy-nooffsets.root",
                              "uproot-sample-6.10.05-lz4.root", "uproot-Zmumu-zstd.root",
                              "uproot-Zmumu-lzma.root", "nanoAOD_2015_CMS_Open_Data_ttbar.root",
                              "uproot-leaflist.root"};

TEST(truncated_files_fail_cleanly)
{
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, DIR "%s", files[k]);
        size_t n;
        uint8_t *d = slurp(path, &n);
        CHECK(d != NULL);
        if (!d)
            continue;
        hn_error err = {0};
        double full_sum = 0;
        CHECK(read_all(d, n, &err, &full_sum) == HN_OK);
        /* cut at many places; the data of the last basket sits near the end,
         * so every cut loses something that must be reported */
        for (size_t cut = 0; cut < n; cut += 1 + n / 97) {
            hn_error e = {0};
            double s;
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, d, cut);
            hn_status st = read_all(copy, cut, &e, &s);
            CHECK_MSG(st != HN_OK && e.msg[0], "%s cut at %zu: status %d", files[k], cut, st);
            free(copy);
        }
        free(d);
    }
}

TEST(flipped_bytes_never_crash)
{
    hn_rng r;
    hn_rng_seed(&r, 4);
    int errors = 0, clean = 0;
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, DIR "%s", files[k]);
        size_t n;
        uint8_t *d = slurp(path, &n);
        if (!d)
            continue;
        int trials = getenv("HEPNN_SANITIZE") ? 40 : 150;
        for (int i = 0; i < trials; i++) {
            uint8_t *copy = malloc(n);
            memcpy(copy, d, n);
            int flips = 1 + (int)hn_rng_below(&r, 4);
            for (int j = 0; j < flips; j++)
                copy[hn_rng_below(&r, n)] ^= (uint8_t)(1u << hn_rng_below(&r, 8));
            hn_error e = {0};
            double s;
            hn_status st = read_all(copy, n, &e, &s);
            if (st) {
                errors++;
                CHECK(e.msg[0] != '\0');
            } else {
                clean++;
            }
            free(copy);
        }
        free(d);
    }
    fprintf(stderr, "  %d damaged copies refused, %d read (flips in unused bytes)\n", errors, clean);
    CHECK(errors > 0);
}

TEST(wrong_magic)
{
    size_t n;
    uint8_t *d = slurp(DIR "uproot-foriter.root", &n);
    if (!d)
        return;
    d[1] = 'X';
    hn_error e = {0};
    hn_root_file *f;
    CHECK(hn_root_open_memory(d, n, "x.root", &f, &e) == HN_ERR_FORMAT);
    CHECK(strstr(e.msg, "not a ROOT file") != NULL);
    CHECK(hn_root_open(DIR "MANIFEST.md", &f, &e) == HN_ERR_FORMAT);
    CHECK(hn_root_open(DIR "no-such-file.root", &f, &e) == HN_ERR_IO);
    CHECK(strstr(e.msg, "no-such-file.root") != NULL);
    free(d);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Finds the first basket of a branch. */
static int64_t first_basket(const uint8_t *d, size_t n, const char *tree, const char *branch,
                            int32_t *bytes)
{
    hn_root_file *f;
    hn_root_tree *t;
    hn_error e = {0};
    int64_t seek = -1;
    if (hn_root_open_memory(d, n, "x", &f, &e) == HN_OK) {
        if (hn_root_tree_open(f, tree, &t, &e) == HN_OK) {
            int64_t bi = hn_root_branch_find(t, branch);
            seek = t->br[bi].basket_seek[0];
            *bytes = t->br[bi].basket_bytes[0];
            hn_root_tree_close(t);
        }
        hn_root_close(f);
    }
    return seek;
}

TEST(keys_and_baskets_outside_the_file)
{
    size_t n;
    uint8_t *d = slurp(DIR "uproot-foriter.root", &n);
    if (!d)
        return;
    hn_root_file *f;
    hn_error e = {0};
    CHECK(hn_root_open_memory(d, n, "x", &f, &e) == HN_OK);
    /* the key of the tree: rewrite its fSeekKey in the key list */
    int64_t key_list = -1;
    if (f) {
        for (uint64_t p = 0; p + 14 <= n; p++) /* the first key in the list names 'foriter' */
            if (!memcmp(d + p, "\x05TTree\x07" "foriter", 14))
                key_list = (int64_t)p; /* the last one: the tree's own key comes first */
        hn_root_close(f);
    }
    CHECK(key_list > 0);
    if (key_list > 0) {
        uint8_t *c = malloc(n);
        memcpy(c, d, n);
        put32(c + key_list - 8, (uint32_t)n + 1000u); /* fSeekKey (32-bit key), before fSeekPdir */
        CHECK(hn_root_open_memory(c, n, "x", &f, &e) == HN_ERR_FORMAT);
        CHECK(strstr(e.msg, "outside the file") != NULL);
        free(c);
    }
    int32_t bytes = 0;
    int64_t seek = first_basket(d, n, "foriter", "data", &bytes);
    CHECK(seek > 0);
    if (seek > 0) {
        uint8_t *c = malloc(n);
        /* a basket key whose fNbytes exceeds what the branch says */
        memcpy(c, d, n);
        put32(c + seek, 0x7fffffff);
        double s;
        CHECK(read_all(c, n, &e, &s) == HN_ERR_FORMAT);
        CHECK(strstr(e.msg, "basket") && strstr(e.msg, "'data'"));
        /* absurd fObjlen */
        memcpy(c, d, n);
        put32(c + seek + 6, 0x7ffffff0);
        CHECK(read_all(c, n, &e, &s) == HN_ERR_FORMAT);
        CHECK(strstr(e.msg, "inconsistent") != NULL);
        free(c);
    }
    free(d);
}

TEST(decompression_bombs_refused_before_allocation)
{
    size_t n;
    uint8_t *d = slurp(DIR "uproot-hepdata-example.root", &n);
    if (!d)
        return;
    int32_t bytes = 0;
    int64_t seek = first_basket(d, n, "ntuple", "px", &bytes);
    CHECK(seek > 0);
    if (seek > 0) {
        int keylen = (d[seek + 14] << 8) | d[seek + 15];
        const uint8_t *blk = d + seek + keylen;
        CHECK(blk[0] == 'Z' && blk[1] == 'L');
        uint8_t *c = malloc(n);
        memcpy(c, d, n);
        /* declare 16 MiB in the block and the key */
        c[seek + keylen + 6] = 0xff;
        c[seek + keylen + 7] = 0xff;
        c[seek + keylen + 8] = 0xff;
        put32(c + seek + 6, 0xffffff);
        double s;
        hn_error e = {0};
        CHECK(read_all(c, n, &e, &s) == HN_ERR_FORMAT); /* found corrupt by zlib, 16 MiB at most */
        CHECK(strstr(e.msg, "'px'") != NULL);
        /* 1 GiB declared in the key: refused from the block headers alone */
        put32(c + seek + 6, 0x3fffffff);
        CHECK(read_all(c, n, &e, &s) == HN_ERR_FORMAT);
        CHECK_MSG(strstr(e.msg, "holds only") || strstr(e.msg, "more than the codec"), "%s", e.msg);
        /* the block claims more than zlib can expand its bytes to */
        put32(c + seek + 6, 0x3fffffff);
        c[seek + keylen + 3] = 100; /* 100 compressed bytes for 16 MiB */
        c[seek + keylen + 4] = 0;
        c[seek + keylen + 5] = 0;
        CHECK(read_all(c, n, &e, &s) == HN_ERR_FORMAT);
        CHECK_MSG(strstr(e.msg, "more than the codec can produce") != NULL, "%s", e.msg);
        free(c);
    }
    /* the codec layer on its own: a zlib block declaring 16 MiB from 20 bytes */
    uint8_t blk[29] = {'Z', 'L', 8, 20, 0, 0, 0xff, 0xff, 0xff};
    hn_error e = {0};
    CHECK(rt_unzip_check(blk, sizeof blk, 0xffffff, "bomb", &e) == HN_ERR_FORMAT);
    CHECK(strstr(e.msg, "bomb") != NULL);
    /* sizes that do not add up */
    CHECK(rt_unzip_check(blk, sizeof blk, 1u << 30, "bomb", &e) == HN_ERR_FORMAT);
    /* a corrupted LZ4 checksum */
    size_t m;
    uint8_t *l4 = slurp(DIR "uproot-Zmumu-lz4.root", &m);
    if (l4) {
        hn_root_file *f;
        hn_root_tree *t;
        if (hn_root_open_memory(l4, m, "lz4", &f, &e) == HN_OK) {
            if (hn_root_tree_open(f, "events", &t, &e) == HN_OK) {
                int64_t bi = hn_root_branch_find(t, "px1");
                int64_t bs = t->br[bi].basket_seek[0];
                int kl = (l4[bs + 14] << 8) | l4[bs + 15];
                CHECK(l4[bs + kl] == 'L' && l4[bs + kl + 1] == '4');
                l4[bs + kl + 9 + 8 + 20] ^= 0x40; /* inside the compressed bytes */
                hn_root_array a = {0};
                CHECK(hn_root_read(t, "px1", 0, -1, HN_ROOT_F64, &a, &e) == HN_ERR_FORMAT);
                CHECK(strstr(e.msg, "checksum") != NULL && strstr(e.msg, "px1") != NULL);
                hn_root_tree_close(t);
            }
            hn_root_close(f);
        }
        free(l4);
    }
    free(d);
}

TEST(unsupported_things_named)
{
    hn_root_file *f;
    hn_root_tree *t;
    hn_error e = {0};
    CHECK(hn_root_open(DIR "uproot-issue-250.root", &f, &e) == HN_OK);
    CHECK(hn_root_tree_open(f, "B4", &t, &e) == HN_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "TTree class version 5") != NULL);
    CHECK(hn_root_tree_open(f, "Eabs", &t, &e) == HN_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "TH1D") != NULL);
    hn_root_close(f);
}

int main(void)
{
    RUN(truncated_files_fail_cleanly);
    RUN(flipped_bytes_never_crash);
    RUN(wrong_magic);
    RUN(keys_and_baskets_outside_the_file);
    RUN(decompression_bombs_refused_before_allocation);
    RUN(unsupported_things_named);
    return TEST_SUMMARY();
}
