/* The flat TTree writer: write -> read round trips with every numeric type,
 * fixed and variable-length arrays, several baskets and appends, with and
 * without compression; the values read back must be bit-identical. The
 * streamer info a written file carries is compared, class by class, with
 * the one ROOT 6 itself wrote into a test file (tests/jsroot/ has jsroot
 * read the written files). */
#include "harness.h"
#include "hepnn/rng.h"
#include "hepnn/root.h"
#include "hepnn/root_write.h"
#include "data/root/root_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- the streamer info, read back as ROOT's readers see it ---------------- */

enum { MAX_CLASSES = 64 };

/* One TStreamerInfo as a line of text: class, version, checksum, then per
 * member its streamer-element class, name, type, size, type name, the base
 * checksum and the element's own trailing fields (base version, counter). */
typedef struct sinfo {
    char *name[MAX_CLASSES], *sig[MAX_CLASSES];
    int n;
    int64_t seek_info, seek_free, end, size;
} sinfo;

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *p = len > 0 ? malloc((size_t)len) : NULL;
    if (p && fread(p, 1, (size_t)len, fp) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(fp);
    *n = p ? (size_t)len : 0;
    return p;
}

static void cat(char **s, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char **s, size_t *len, const char *fmt, ...)
{
    char piece[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    size_t k = strlen(piece);
    char *ns = realloc(*s, *len + k + 1);
    if (!ns)
        return;
    memcpy(ns + *len, piece, k + 1);
    *s = ns;
    *len += k;
}

/* An object pointer's class: a new name (registered where its tag lies,
 * counted as ROOT does) or a reference to one seen before. */
static const char *ptr_class(rt_cur *c, char **names, int64_t *tags, int *nt, size_t *end)
{
    uint32_t bc = rt_u32(c);
    *end = c->pos + (bc & ~0x40000000u);
    int64_t at = c->origin + (int64_t)c->pos + 2;
    uint32_t tag = rt_u32(c);
    if (tag == 0xffffffffu && *nt < 2 * MAX_CLASSES) {
        const uint8_t *z = memchr(c->p + c->pos, 0, c->len - c->pos);
        if (!z)
            return NULL;
        names[*nt] = (char *)(c->p + c->pos);
        tags[(*nt)++] = at;
        c->pos = (size_t)(z - c->p) + 1;
        return names[*nt - 1];
    }
    for (int i = 0; i < *nt; i++)
        if (tags[i] == (int64_t)(tag & 0x7fffffffu))
            return names[i];
    return NULL;
}

static void load_streamers(const char *path, sinfo *si)
{
    memset(si, 0, sizeof *si);
    size_t n = 0;
    uint8_t *f = slurp(path, &n);
    CHECK(f != NULL && n > 200);
    if (!f)
        return;
    si->size = (int64_t)n;
    rt_cur h = {f, n, 4, 0, 0};
    int big = rt_u32(&h) >= 1000000;
    rt_skip(&h, 4);
    si->end = big ? rt_i64(&h) : rt_i32(&h);
    si->seek_free = big ? rt_i64(&h) : rt_i32(&h);
    rt_skip(&h, 4 + 4 + 4 + 1 + 4);
    si->seek_info = big ? rt_i64(&h) : rt_i32(&h);
    CHECK(si->seek_info > 100 && si->seek_info < (int64_t)n);
    if (si->seek_info <= 100 || si->seek_info >= (int64_t)n) {
        free(f);
        return;
    }
    rt_cur kc = {f, n, (size_t)si->seek_info, 0, 0};
    rt_keyhdr k;
    CHECK(rt_keyhdr_read(&kc, &k) == 0);
    CHECK(!strcmp(k.class_name, "TList") && !strcmp(k.name, "StreamerInfo"));
    uint8_t *obj = malloc((size_t)k.objlen);
    const uint8_t *stored = f + si->seek_info + k.keylen;
    size_t nstored = (size_t)(k.nbytes - k.keylen);
    if (obj && (size_t)k.objlen > nstored)
        CHECK_OK(rt_unzip(stored, nstored, obj, (size_t)k.objlen, "StreamerInfo", NULL), NULL);
    else if (obj)
        memcpy(obj, stored, (size_t)k.objlen);
    rt_cur c = {obj, (size_t)k.objlen, 0, k.keylen, 0};
    char *names[2 * MAX_CLASSES];
    int64_t tags[2 * MAX_CLASSES];
    int nt = 0;
    size_t lend;
    rt_version(&c, &lend);
    rt_tobject(&c);
    free(rt_string(&c));
    int32_t count = rt_i32(&c);
    for (int32_t i = 0; i < count && !c.bad && si->n < MAX_CLASSES; i++) {
        size_t end;
        const char *cls = ptr_class(&c, names, tags, &nt, &end);
        if (cls && !strcmp(cls, "TStreamerInfo")) {
            size_t e0, e1;
            rt_version(&c, &e0);
            rt_version(&c, &e1);
            rt_tobject(&c);
            char *name = rt_string(&c);
            free(rt_string(&c));
            char *sig = NULL;
            size_t sl = 0;
            uint32_t check = rt_u32(&c);
            int32_t ver = rt_i32(&c);
            cat(&sig, &sl, "%s v%d %08x", name ? name : "?", ver, check);
            size_t ae;
            ptr_class(&c, names, tags, &nt, &ae); /* fElements: a TObjArray */
            rt_version(&c, &e1);
            rt_tobject(&c);
            free(rt_string(&c));
            int32_t nel = rt_i32(&c);
            rt_skip(&c, 4);
            for (int32_t j = 0; j < nel && !c.bad; j++) {
                size_t ee, se, te;
                const char *ecls = ptr_class(&c, names, tags, &nt, &ee);
                rt_version(&c, &te);
                rt_version(&c, &se);
                rt_version(&c, &te);
                rt_tobject(&c);
                char *en = rt_string(&c);
                free(rt_string(&c));
                int32_t type = rt_i32(&c), size = rt_i32(&c), alen = rt_i32(&c), adim = rt_i32(&c);
                int32_t mi[5];
                for (int m = 0; m < 5; m++)
                    mi[m] = rt_i32(&c);
                char *tn = rt_string(&c);
                cat(&sig, &sl, " | %s %s %d %d %d %d %s %08x", ecls ? ecls : "?", en ? en : "?", type,
                    size, alen, adim, tn ? tn : "?", (uint32_t)mi[1]);
                rt_seek(&c, se);
                while (!c.bad && c.pos < ee)
                    cat(&sig, &sl, " %02x", rt_u8(&c));
                free(en);
                free(tn);
            }
            si->name[si->n] = name;
            si->sig[si->n++] = sig;
        }
        rt_seek(&c, end);
        free(rt_string(&c)); /* the entry's option */
    }
    CHECK(!c.bad);
    rt_keyhdr_free(&k);
    free(obj);
    free(f);
}

static void free_streamers(sinfo *si)
{
    for (int i = 0; i < si->n; i++) {
        free(si->name[i]);
        free(si->sig[i]);
    }
}

static const char *sig_of(const sinfo *si, const char *name)
{
    for (int i = 0; i < si->n; i++)
        if (si->name[i] && !strcmp(si->name[i], name))
            return si->sig[i];
    return NULL;
}

TEST(streamer_info_as_root_writes_it)
{
    char path[256];
    snprintf(path, sizeof path, "root_write_si_%ld.root", (long)getpid());
    hn_root_wbranch br[] = {
        {"n", HN_ROOT_T_I32, 1, NULL}, {"o", HN_ROOT_T_BOOL, 1, NULL}, {"b", HN_ROOT_T_I8, 1, NULL},
        {"s", HN_ROOT_T_U16, 1, NULL}, {"l", HN_ROOT_T_I64, 1, NULL},  {"f", HN_ROOT_T_F32, 2, NULL},
        {"j", HN_ROOT_T_F64, 1, "n"},
    };
    int32_t n[3] = {1, 0, 2};
    uint8_t o[3] = {1, 0, 1};
    int8_t b[3] = {-1, 0, 1};
    uint16_t s[3] = {1, 2, 65535};
    int64_t l[3] = {-1, 0, INT64_MAX};
    float f[6] = {1, 2, 3, 4, 5, 6};
    double j[3] = {0.5, 1.5, 2.5};
    const void *cols[] = {n, o, b, s, l, f, j};
    hn_error err = {0};
    hn_root_writer *w = NULL;
    CHECK_OKE(hn_root_writer_open(path, "T", br, 7, 1, &w, &err));
    if (!w)
        return;
    CHECK_OKE(hn_root_writer_append(w, 3, cols, &err));
    CHECK_OKE(hn_root_writer_close(w, &err));
    sinfo mine, root;
    load_streamers(path, &mine);
    load_streamers(HN_TEST_DATA "/root/uproot-sample-6.20.04-uncompressed.root", &root);
    /* every class the tree record uses is described, exactly as ROOT did */
    const char *need[] = {"TTree",  "TNamed", "TObject", "TAttLine", "TAttFill", "TAttMarker",
                          "ROOT::TIOFeatures", "TBranch", "TLeaf", "TLeafO", "TLeafB", "TLeafS",
                          "TLeafI", "TLeafL", "TLeafF", "TLeafD", "TObjArray", "TList"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        const char *a = sig_of(&mine, need[i]), *r = sig_of(&root, need[i]);
        CHECK(a != NULL && r != NULL);
        if (a && r && strcmp(a, r))
            printf("  %s differs:\n    written %s\n    ROOT    %s\n", need[i], a, r);
        CHECK(a && r && !strcmp(a, r));
    }
    /* and nothing that ROOT would describe differently */
    for (int i = 0; i < mine.n; i++) {
        const char *r = sig_of(&root, mine.name[i]);
        CHECK(r && !strcmp(r, mine.sig[i]));
    }
    CHECK(sig_of(&mine, "TLeafC") == NULL); /* no string leaves, none described */
    /* the header points at the free segments and ends where the file does */
    CHECK(mine.end == mine.size && mine.seek_free > mine.seek_info && mine.seek_free < mine.end);
    free_streamers(&mine);
    free_streamers(&root);
    unlink(path);
}

int main(void)
{
    RUN(round_trip_zlib_many_baskets);
    RUN(round_trip_uncompressed);
    RUN(round_trip_zlib9_big_baskets);
    RUN(bad_descriptions_refused);
    RUN(streamer_info_as_root_writes_it);
    return TEST_SUMMARY();
}
