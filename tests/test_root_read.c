/* The ROOT reader against the reference values of tests/data/root: the
 * manifest's tables (entry count, element count, sum and first values of
 * every branch, taken from independent readers) are parsed here and every
 * row is checked; the sample trees against uproot's full truth; plus the
 * special layouts (nested directories, leaf lists, missing offset tables,
 * embedded baskets, 64-bit header) and the API's ranges, padding, chains,
 * selection and threads. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include "harness.h"
#include "hepnn/root.h"
#include "root_testjson.h"
#include "data/root/root_internal.h" /* the file header version, for the 64-bit test */

#include <stdint.h>

#define DIR HN_TEST_DATA "/root/"

/* CHECK_OK on a local hn_error (through a pointer: gcc warns on &err) */
#define CHECK_OKE(call)            \
    do {                           \
        hn_error *ep_ = &err;      \
        CHECK_OK(call, ep_);       \
    } while (0)

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    if (b)
        b[sz] = '\0';
    fclose(f);
    if (n)
        *n = (size_t)sz;
    return b;
}

/* Splits a markdown table row into at most max trimmed cells. */
static int cells(char *line, char **c, int max)
{
    int n = 0;
    char *p = line;
    if (*p == '|')
        p++;
    while (*p && n < max) {
        char *bar = strchr(p, '|');
        if (!bar)
            break;
        *bar = '\0';
        while (*p == ' ')
            p++;
        char *e = bar;
        while (e > p && e[-1] == ' ')
            *--e = '\0';
        c[n++] = p;
        p = bar + 1;
    }
    return n;
}

static int rows_checked;

static void check_row(const char *file, const char *tree, char **c)
{
    /* branch | leaf | entries | elements | sum | first 5 | baskets | agree */
    char path[1024];
    snprintf(path, sizeof path, DIR "%s", file);
    hn_error err = {0};
    hn_root_file *f = NULL;
    hn_root_tree *t = NULL;
    CHECK_OKE(hn_root_open(path, &f, &err));
    if (!f)
        return;
    if (strstr(c[1], "jsroot only")) {
        /* a ROOT 4 tree: must be refused, naming the class version */
        hn_status st = hn_root_tree_open(f, tree, &t, &err);
        CHECK_MSG(st == HN_ERR_UNSUPPORTED && strstr(err.msg, "version 5"), "%s:%s: %s", file,
                  tree, err.msg);
        hn_root_tree_close(t);
        hn_root_close(f);
        rows_checked++;
        return;
    }
    CHECK_OKE(hn_root_tree_open(f, tree, &t, &err));
    if (!t) {
        hn_root_close(f);
        return;
    }
    int64_t bi = hn_root_branch_find(t, c[0]);
    CHECK_MSG(bi >= 0, "%s:%s has no branch %s", file, tree, c[0]);
    if (bi < 0)
        goto done;
    const hn_root_branch *b = hn_root_branch_at(t, (size_t)bi);
    int64_t entries = atoll(c[2]);
    CHECK_MSG(b->entries == entries && hn_root_tree_entries(t) == entries, "%s %s entries %lld",
              file, c[0], (long long)b->entries);
    if (isdigit((unsigned char)c[6][0]))
        CHECK_MSG(b->baskets == atoll(c[6]), "%s %s: %lld baskets, manifest %s", file, c[0],
                  (long long)b->baskets, c[6]);
    char *first = strchr(c[5], '`');
    char *last = first ? strrchr(first + 1, '`') : NULL;
    if (!first || !last) {
        CHECK_MSG(0, "manifest row %s: no first values", c[0]);
        goto done;
    }
    *last = '\0';
    tj ref;
    tj_parse_truncated(first + 1, &ref);
    hn_root_array a = {0};
    if (b->type == HN_ROOT_T_STRING) {
        CHECK_OKE(hn_root_read(t, c[0], 0, -1, HN_ROOT_CHAR, &a, &err));
        CHECK(a.n_entries == entries);
        for (int i = 0; a.values && i < ref.n && i < entries; i++) {
            int64_t l = a.offsets[i + 1] - a.offsets[i];
            CHECK_MSG(ref.items[i].kind == 2 && (size_t)l == strlen(ref.items[i].str) &&
                          !memcmp((char *)a.values + a.offsets[i], ref.items[i].str, (size_t)l),
                      "%s %s entry %d", file, c[0], i);
        }
    } else {
        CHECK_OKE(hn_root_read(t, c[0], 0, -1, HN_ROOT_F64, &a, &err));
        CHECK_MSG(a.n_entries == entries && a.n_values == atoll(c[3]), "%s %s: %lld values, manifest %s",
                  file, c[0], (long long)a.n_values, c[3]);
        double sum = 0, want = atof(c[4]);
        const double *v = a.values;
        for (int64_t i = 0; v && i < a.n_values; i++)
            sum += v[i];
        CHECK_MSG(fabs(sum - want) <= 1e-9 * fmax(1, fabs(want)), "%s %s: sum %.17g, manifest %.17g",
                  file, c[0], sum, want);
        double fv[4096];
        int nf = tj_flatten(&ref, fv, 0, 4096);
        int64_t have = a.offsets ? a.offsets[entries < 5 ? entries : 5]
                                 : (entries < 5 ? entries : 5) * a.width;
        int truncated = strstr(first + 1, "...") != NULL;
        CHECK_MSG(truncated ? nf <= have : nf == have,
                  "%s %s: %d first values in the manifest, %lld read", file, c[0], nf, (long long)have);
        /* a truncated list compares what it shows */
        for (int i = 0; v && i < nf && i < have && i < 4096; i++)
            CHECK_MSG(fabs(v[i] - fv[i]) <= 1e-9 * fmax(1, fabs(fv[i])), "%s %s value %d: %.17g vs %.17g",
                      file, c[0], i, v[i], fv[i]);
    }
    hn_root_array_free(&a);
    tj_free(&ref);
    rows_checked++;
done:
    hn_root_tree_close(t);
    hn_root_close(f);
}

TEST(manifest_every_branch)
{
    char *m = slurp(DIR "MANIFEST.md", NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    char file[256] = "", tree[256] = "";
    int rows = 0;
    for (char *save = NULL, *line = strtok_r(m, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "### ", 4)) {
            snprintf(file, sizeof file, "%s", line + 4);
            tree[0] = '\0';
        } else if (!strncmp(line, "Tree `", 6)) {
            char *e = strchr(line + 6, '`');
            if (e)
                *e = '\0';
            snprintf(tree, sizeof tree, "%s", line + 6);
        } else if (line[0] == '|' && tree[0] && file[0] && strncmp(line, "| branch", 8) &&
                   strncmp(line, "|---", 4)) {
            char *c[10];
            if (cells(line, c, 10) >= 8) {
                check_row(file, tree, c);
                rows++;
            }
        }
    }
    free(m);
    fprintf(stderr, "  %d manifest rows, %d checked\n", rows, rows_checked);
    CHECK(rows >= 80);
    CHECK(rows_checked == rows);
}

static void check_truth(const char *file)
{
    char *text = slurp(DIR "uproot-sample_truth.json", NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    tj truth;
    tj_parse(text, &truth);
    free(text);
    hn_error err = {0};
    hn_root_file *f = NULL;
    hn_root_tree *t = NULL;
    char path[512];
    snprintf(path, sizeof path, DIR "%s", file);
    CHECK_OKE(hn_root_open(path, &f, &err));
    if (f)
        CHECK_OKE(hn_root_tree_open(f, "sample", &t, &err));
    CHECK(truth.kind == 5 && truth.n >= 30);
    int compared = 0;
    for (int k = 0; t && k < truth.n; k++) {
        const char *name = truth.keys[k];
        const tj *col = &truth.items[k];
        int64_t bi = hn_root_branch_find(t, name);
        CHECK_MSG(bi >= 0, "%s: no branch %s", file, name);
        if (bi < 0)
            continue;
        const hn_root_branch *b = hn_root_branch_at(t, (size_t)bi);
        hn_root_array a = {0};
        int is_str = b->type == HN_ROOT_T_STRING;
        CHECK_OKE(hn_root_read(t, name, 0, -1, is_str ? HN_ROOT_CHAR : HN_ROOT_F64, &a, &err));
        CHECK(a.n_entries == col->n);
        for (int e = 0; a.values && e < col->n && e < a.n_entries; e++) {
            const tj *x = &col->items[e];
            int64_t lo = a.offsets ? a.offsets[e] : e * a.width;
            int64_t hi = a.offsets ? a.offsets[e + 1] : (e + 1) * a.width;
            if (is_str) {
                CHECK_MSG(x->kind == 2 && (size_t)(hi - lo) == strlen(x->str) &&
                              !memcmp((char *)a.values + lo, x->str, (size_t)(hi - lo)),
                          "%s %s entry %d", file, name, e);
                continue;
            }
            double fv[64];
            int nf = tj_flatten(x, fv, 0, 64);
            CHECK_MSG(nf == hi - lo, "%s %s entry %d: %d values expected, %lld read", file, name, e,
                      nf, (long long)(hi - lo));
            for (int j = 0; j < nf && j < hi - lo; j++)
                CHECK_MSG(((double *)a.values)[lo + j] == fv[j], "%s %s entry %d[%d]: %.17g vs %.17g",
                          file, name, e, j, ((double *)a.values)[lo + j], fv[j]);
        }
        hn_root_array_free(&a);
        compared++;
    }
    CHECK(compared == truth.n);
    tj_free(&truth);
    hn_root_tree_close(t);
    hn_root_close(f);
}

TEST(sample_truth_all_versions)
{
    check_truth("uproot-sample-5.23.02-zlib.root");
    check_truth("uproot-sample-6.10.05-lz4.root");
    check_truth("uproot-sample-6.20.04-uncompressed.root");
}

TEST(nested_directories)
{
    hn_error err = {0};
    hn_root_file *f = NULL;
    CHECK_OKE(hn_root_open(DIR "uproot-nesteddirs.root", &f, &err));
    if (!f)
        return;
    const char *want[] = {"one", "one/two", "one/two/tree", "one/tree", "three", "three/tree"};
    CHECK(hn_root_object_count(f) == 6);
    for (size_t i = 0; i < 6; i++) {
        int found = 0;
        for (size_t j = 0; j < hn_root_object_count(f); j++)
            found |= !strcmp(hn_root_object_at(f, j)->path, want[i]) && hn_root_object_at(f, j)->cycle == 1;
        CHECK_MSG(found, "missing %s", want[i]);
    }
    hn_root_tree *t = NULL;
    CHECK_OKE(hn_root_tree_open(f, "one/two/tree", &t, &err));
    CHECK(hn_root_tree_entries(t) == 100);
    hn_root_tree_close(t);
    CHECK_OKE(hn_root_tree_open(f, "/one/tree;1", &t, &err));
    CHECK(hn_root_tree_entries(t) == 4);
    hn_root_tree_close(t);
    /* three/tree holds a split object branch: listed, refused by name */
    CHECK_OKE(hn_root_tree_open(f, "three/tree", &t, &err));
    if (t) {
        CHECK(hn_root_branch_find(t, "evt") >= 0);
        hn_root_array a = {0};
        hn_status st = hn_root_read(t, "evt", 0, -1, HN_ROOT_F32, &a, &err);
        CHECK(st == HN_ERR_UNSUPPORTED && strstr(err.msg, "evt") && strstr(err.msg, "TBranchElement"));
        hn_root_tree_close(t);
    }
    CHECK(hn_root_tree_open(f, "one/nothing", &t, &err) == HN_ERR_ARG);
    CHECK(hn_root_tree_open(f, "one", &t, &err) != HN_OK);
    hn_root_close(f);
}

static hn_root_tree *open_tree(const char *file, const char *tree, hn_root_file **f)
{
    hn_error err = {0};
    hn_root_tree *t = NULL;
    *f = NULL;
    char path[512];
    snprintf(path, sizeof path, DIR "%s", file);
    CHECK_OKE(hn_root_open(path, f, &err));
    if (*f) {
        CHECK_OKE(hn_root_tree_open(*f, tree, &t, &err));
        if (!t) {
            hn_root_close(*f);
            *f = NULL;
        }
    }
    return t;
}

TEST(leaflist_values)
{
    hn_root_file *f;
    hn_root_tree *t = open_tree("uproot-leaflist.root", "tree", &f);
    if (!t)
        return;
    const hn_root_branch *b = hn_root_branch_at(t, (size_t)hn_root_branch_find(t, "leaflist"));
    CHECK(b->nleaves == 3 && b->shape == HN_ROOT_FIXED && b->width == 3);
    CHECK(b->leaf_types[0] == HN_ROOT_T_F64 && b->leaf_types[1] == HN_ROOT_T_I32 &&
          b->leaf_types[2] == HN_ROOT_T_I8);
    CHECK(!strcmp(b->leaf_names[0], "x") && !strcmp(b->leaf_names[2], "z"));
    hn_error err = {0};
    hn_root_array a = {0};
    CHECK_OKE(hn_root_read(t, "leaflist", 0, -1, HN_ROOT_F64, &a, &err));
    const double want[] = {1.1, 1, 97, 2.2, 2, 98, 3.3, 3, 99, 4.0, 4, 100, 5.5, 5, 101};
    CHECK(a.n_values == 15);
    for (int i = 0; a.values && i < 15; i++)
        CHECK(((double *)a.values)[i] == want[i]);
    hn_root_array_free(&a);
    /* a float leaf cannot be read as an integer */
    CHECK(hn_root_read(t, "leaflist", 0, -1, HN_ROOT_I64, &a, &err) == HN_ERR_ARG);
    hn_root_tree_close(t);
    hn_root_close(f);
}

static void expect_same(const hn_root_array *a, const hn_root_array *b)
{
    CHECK(a->n_entries == b->n_entries && a->n_values == b->n_values);
    if (a->n_values != b->n_values || !a->values || !b->values)
        return;
    CHECK(!memcmp(a->values, b->values, (size_t)a->n_values * 4));
    if (a->offsets && b->offsets)
        CHECK(!memcmp(a->offsets, b->offsets, (size_t)(a->n_entries + 1) * sizeof(int64_t)));
}

TEST(offsets_rebuilt_from_counter)
{
    hn_root_file *f1, *f2;
    hn_root_tree *t1 = open_tree("uproot-small-dy-withoffsets.root", "tree", &f1);
    hn_root_tree *t2 = open_tree("uproot-small-dy-nooffsets.root", "tree", &f2);
    hn_error err = {0};
    for (size_t i = 0; t1 && t2 && i < hn_root_branch_count(t1); i++) {
        const hn_root_branch *b = hn_root_branch_at(t1, i);
        if (b->why || b->type == HN_ROOT_T_STRING)
            continue;
        hn_root_array a = {0}, c = {0};
        CHECK_OKE(hn_root_read(t1, b->name, 0, -1, HN_ROOT_F32, &a, &err));
        CHECK_OKE(hn_root_read(t2, b->name, 0, -1, HN_ROOT_F32, &c, &err));
        expect_same(&a, &c);
        hn_root_array_free(&a);
        hn_root_array_free(&c);
    }
    /* uproot's test_0035: Muon_pt[10:20] */
    const float want[] = {20.60145378112793f, 50.36957550048828f, 41.21387481689453f,
                          3.1869382858276367f, 51.685970306396484f, 35.227813720703125f,
                          23.073759078979492f, 32.921417236328125f, 8.922308921813965f,
                          4.368383407592773f, 51.9132194519043f, 31.930095672607422f};
    const int64_t counts[] = {1, 3, 2, 0, 0, 0, 0, 1, 3, 2};
    hn_root_array a = {0};
    if (t2)
        CHECK_OKE(hn_root_read(t2, "Muon_pt", 10, 20, HN_ROOT_F32, &a, &err));
    CHECK(a.n_values == 12);
    for (int i = 0; a.values && i < 12; i++)
        CHECK(((float *)a.values)[i] == want[i]);
    for (int i = 0; a.offsets && i < 10; i++)
        CHECK(a.offsets[i + 1] - a.offsets[i] == counts[i]);
    hn_root_array_free(&a);
    hn_root_tree_close(t1);
    hn_root_tree_close(t2);
    hn_root_close(f1);
    hn_root_close(f2);
}

TEST(embedded_baskets_and_large_header)
{
    hn_root_file *f;
    hn_root_tree *t = open_tree("nanoAOD_2015_CMS_Open_Data_ttbar.root", "Events", &f);
    if (t) {
        CHECK(hn_root_branch_count(t) == 947);
        const hn_root_branch *b = hn_root_branch_at(t, (size_t)hn_root_branch_find(t, "Jet_pt"));
        CHECK(b->shape == HN_ROOT_JAGGED && !strcmp(b->counter, "nJet") && b->baskets == 1);
        hn_root_tree_close(t);
        hn_root_close(f);
    }
    t = open_tree("uproot-issue261.root", "events", &f);
    if (t) {
        CHECK(hn_root_tree_entries(t) == 0 && hn_root_branch_count(t) == 0);
        CHECK(f->version == 61800);
        hn_root_tree_close(t);
        hn_root_close(f);
    }
}

TEST(ranges_match_full_read)
{
    hn_root_file *f;
    hn_root_tree *t = open_tree("uproot-sample-6.10.05-lz4.root", "sample", &f);
    if (!t)
        return;
    hn_error err = {0};
    const char *names[] = {"Af8", "i8", "af8", "Ai4", "str"};
    for (int k = 0; k < 5; k++) {
        hn_root_dtype dt = k == 4 ? HN_ROOT_CHAR : HN_ROOT_F64;
        size_t es = k == 4 ? 1 : 8;
        hn_root_array full = {0};
        CHECK_OKE(hn_root_read(t, names[k], 0, -1, dt, &full, &err));
        for (int64_t s = 0; full.values && s <= 30; s += 7)
            for (int64_t e = s; e <= 30; e += 5) {
                hn_root_array p = {0};
                CHECK_OKE(hn_root_read(t, names[k], s, e, dt, &p, &err));
                int64_t lo = full.offsets ? full.offsets[s] : s * full.width;
                int64_t hi = full.offsets ? full.offsets[e] : e * full.width;
                CHECK_MSG(p.n_entries == e - s && p.n_values == hi - lo, "%s [%lld,%lld)", names[k],
                          (long long)s, (long long)e);
                if (p.n_values == hi - lo && p.n_values)
                    CHECK(!memcmp(p.values, (char *)full.values + lo * (int64_t)es, (size_t)(hi - lo) * es));
                for (int64_t i = 0; p.offsets && i <= e - s; i++)
                    CHECK(p.offsets[i] == full.offsets[s + i] - lo);
                hn_root_array_free(&p);
            }
        hn_root_array_free(&full);
    }
    hn_root_array a = {0};
    CHECK(hn_root_read(t, "i8", 5, 31, HN_ROOT_F64, &a, &err) == HN_ERR_ARG);
    CHECK(hn_root_read(t, "i8", 6, 5, HN_ROOT_F64, &a, &err) == HN_ERR_ARG);
    CHECK(hn_root_read(t, "nope", 0, 5, HN_ROOT_F64, &a, &err) == HN_ERR_ARG);
    CHECK(hn_root_read(t, "str", 0, 5, HN_ROOT_F64, &a, &err) == HN_ERR_ARG);
    CHECK(hn_root_read(t, "f8", 0, 5, HN_ROOT_I64, &a, &err) == HN_ERR_ARG);
    hn_root_tree_close(t);
    hn_root_close(f);
}

TEST(integer_dtypes_exact)
{
    hn_root_file *f;
    hn_root_tree *t = open_tree("uproot-sample-6.20.04-uncompressed.root", "sample", &f);
    if (!t)
        return;
    hn_error err = {0};
    hn_root_array a = {0};
    CHECK_OKE(hn_root_read(t, "i8", 0, -1, HN_ROOT_I64, &a, &err));
    for (int i = 0; a.values && i < 30; i++)
        CHECK(((int64_t *)a.values)[i] == i - 15);
    hn_root_array_free(&a);
    CHECK_OKE(hn_root_read(t, "u8", 0, -1, HN_ROOT_U64, &a, &err));
    for (int i = 0; a.values && i < 30; i++)
        CHECK(((uint64_t *)a.values)[i] == (uint64_t)i);
    hn_root_array_free(&a);
    /* negative values are refused as unsigned, never wrapped */
    CHECK(hn_root_read(t, "i4", 0, -1, HN_ROOT_U64, &a, &err) == HN_ERR_NUMERIC);
    CHECK(hn_root_read(t, "i4", 15, -1, HN_ROOT_U64, &a, &err) == HN_OK);
    hn_root_array_free(&a);
    hn_root_tree_close(t);
    hn_root_close(f);
}

TEST(padded_with_mask)
{
    hn_root_file *f;
    hn_root_tree *t = open_tree("nanoAOD_2015_CMS_Open_Data_ttbar.root", "Events", &f);
    if (!t)
        return;
    hn_error err = {0};
    hn_root_array a = {0};
    float *v = NULL;
    uint8_t *m = NULL;
    int64_t n = 0;
    const int64_t N = 3;
    CHECK_OKE(hn_root_read(t, "Jet_pt", 0, -1, HN_ROOT_F32, &a, &err));
    CHECK_OKE(hn_root_read_padded(t, "Jet_pt", 0, -1, N, &v, &m, &n, &err));
    CHECK(n == 200);
    for (int64_t e = 0; v && a.offsets && e < n; e++) {
        int64_t cnt = a.offsets[e + 1] - a.offsets[e];
        for (int64_t j = 0; j < N; j++) {
            int have = j < cnt;
            CHECK(m[e * N + j] == have);
            CHECK(v[e * N + j] == (have ? ((float *)a.values)[a.offsets[e] + j] : 0.0f));
        }
    }
    free(v);
    free(m);
    /* a flat branch: one object per entry */
    CHECK_OKE(hn_root_read_padded(t, "MET_pt", 10, 20, 2, &v, &m, &n, &err));
    CHECK(n == 10 && v && m[0] == 1 && m[1] == 0 && v[1] == 0.0f);
    CHECK(fabs(v[0] - 0) > 0);
    free(v);
    free(m);
    hn_root_array_free(&a);
    hn_root_tree_close(t);
    hn_root_close(f);
}

TEST(chain_and_selection)
{
    const char *specs[] = {DIR "uproot-Zmumu.root:events", DIR "uproot-Zmumu-zstd.root",
                           DIR "uproot-Zmumu-lzma.root:events"};
    hn_error err = {0};
    hn_root_chain *c = NULL;
    CHECK_OKE(hn_root_chain_open(specs, 3, &c, &err));
    if (!c)
        return;
    CHECK(hn_root_chain_entries(c) == 3 * 2304);
    hn_root_array a = {0};
    CHECK_OKE(hn_root_chain_read(c, "px1", 0, -1, HN_ROOT_F64, &a, &err));
    double sum = 0;
    for (int64_t i = 0; a.values && i < a.n_values; i++)
        sum += ((double *)a.values)[i];
    CHECK_NEAR(sum, 3 * -151.26487857544265, 1e-8);
    hn_root_array_free(&a);
    CHECK_OKE(hn_root_chain_read(c, "Run", 2300, 2310, HN_ROOT_I64, &a, &err));
    CHECK(a.n_values == 10 && a.values && ((int64_t *)a.values)[4] == 148031);
    hn_root_array_free(&a);
    hn_root_chain_close(c);

    /* jagged over a chain: the two offset layouts of the same data */
    const char *dy[] = {DIR "uproot-small-dy-withoffsets.root:tree", DIR "uproot-small-dy-nooffsets.root"};
    CHECK_OKE(hn_root_chain_open(dy, 2, &c, &err));
    if (c) {
        CHECK_OKE(hn_root_chain_read(c, "Muon_pt", 490, 512, HN_ROOT_F32, &a, &err));
        CHECK(a.n_entries == 22 && a.offsets);
        hn_root_array x = {0}, y = {0};
        CHECK_OKE(hn_root_read(hn_root_chain_tree(c, 0), "Muon_pt", 490, 501, HN_ROOT_F32, &x, &err));
        CHECK_OKE(hn_root_read(hn_root_chain_tree(c, 1), "Muon_pt", 0, 11, HN_ROOT_F32, &y, &err));
        CHECK(a.n_values == x.n_values + y.n_values);
        if (a.values && x.values && y.values && a.n_values == x.n_values + y.n_values) {
            CHECK(!memcmp(a.values, x.values, (size_t)x.n_values * 4));
            CHECK(!memcmp((float *)a.values + x.n_values, y.values, (size_t)y.n_values * 4));
        }
        hn_root_array_free(&a);
        hn_root_array_free(&x);
        hn_root_array_free(&y);
        hn_root_chain_close(c);
    }

    hn_root_file *f;
    hn_root_tree *t = open_tree("uproot-HZZ.root", "events", &f);
    if (t) {
        size_t *idx = NULL, n = 0;
        CHECK_OKE(hn_root_select(t, "NJet,Jet_P*", &idx, &n, &err));
        CHECK(n == 4); /* NJet, Jet_Px, Jet_Py, Jet_Pz */
        for (size_t i = 0; idx && i < n; i++)
            CHECK(i == 0 ? !strcmp(hn_root_branch_at(t, idx[i])->name, "NJet")
                         : !strncmp(hn_root_branch_at(t, idx[i])->name, "Jet_P", 5));
        free(idx);
        CHECK(hn_root_select(t, "NJet,nothing*", &idx, &n, &err) == HN_ERR_ARG && strstr(err.msg, "nothing"));
        hn_root_tree_close(t);
        hn_root_close(f);
    }
}

TEST(threads_do_not_change_results)
{
    hn_root_file *f;
    hn_root_tree *t = open_tree("uproot-hepdata-example.root", "ntuple", &f);
    if (!t)
        return;
    hn_error err = {0};
    hn_root_array a = {0}, b = {0};
    hn_root_tree_set_threads(t, 1);
    CHECK_OKE(hn_root_read(t, "pz", 0, -1, HN_ROOT_F32, &a, &err));
    hn_root_tree_set_threads(t, 3);
    CHECK_OKE(hn_root_read(t, "pz", 0, -1, HN_ROOT_F32, &b, &err));
    expect_same(&a, &b);
    hn_root_array_free(&a);
    hn_root_array_free(&b);
    hn_root_tree_close(t);
    hn_root_close(f);
}

int main(void)
{
    RUN(manifest_every_branch);
    RUN(sample_truth_all_versions);
    RUN(nested_directories);
    RUN(leaflist_values);
    RUN(offsets_rebuilt_from_counter);
    RUN(embedded_baskets_and_large_header);
    RUN(ranges_match_full_read);
    RUN(integer_dtypes_exact);
    RUN(padded_with_mask);
    RUN(chain_and_selection);
    RUN(threads_do_not_change_results);
    return TEST_SUMMARY();
}
