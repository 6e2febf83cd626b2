/* NumPy .npy/.npz: fixtures written by numpy (tools/fixtures/gen_npy.py)
 * read back against values recomputed here; write -> read round trips;
 * truncated, corrupted and hand-broken files give errors, never crashes. */
#include "harness.h"
#include "hepnn/npy.h"

#include <stdint.h>

static hn_error *ep(hn_error *e) { return e; } /* CHECK_OK(.., &err) trips -Waddress */

/* a*i + b rounded twice, as numpy computed it: a volatile product keeps the
 * compiler from contracting this into one fused multiply-add */
static double lin(double a, int i, double b)
{
    volatile double p = a * i;
    return p + b;
}

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/npy/%s", HN_TEST_DATA, name);
}

static int read_fixture(const char *name, int as_f32, hn_npy_array *a, hn_error *err)
{
    char p[1024];
    path_of(p, sizeof p, name);
    return hn_npy_read(p, as_f32, a, err);
}

static unsigned char *slurp(const char *name, size_t *len)
{
    char p[1024];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    unsigned char *b = malloc(1 << 16);
    *len = b ? fread(b, 1, 1 << 16, f) : 0;
    fclose(f);
    return b;
}

TEST(reads_numpy_fixtures)
{
    hn_error err = {0};
    hn_npy_array a;
    /* float64, both byte orders: 0.1*i - 1 */
    const char *f8[] = {"f8_1d.npy", "f8_be.npy"};
    for (int f = 0; f < 2; f++) {
        CHECK_OK(read_fixture(f8[f], 0, &a, &err), ep(&err));
        CHECK(a.dtype == HN_NPY_F8 && a.ndim == 1 && a.shape[0] == 7 && a.size == 7 && a.f64 && !a.f32);
        for (int i = 0; i < 7 && a.f64; i++)
            CHECK(a.f64[i] == lin(0.1, i, -1.0));
        hn_npy_array_free(&a);
    }
    /* float32 (3, 4), both byte orders, as float and as double */
    const char *f4[] = {"f4_2d.npy", "f4_be.npy"};
    for (int f = 0; f < 2; f++) {
        CHECK_OK(read_fixture(f4[f], 1, &a, &err), ep(&err));
        CHECK(a.dtype == HN_NPY_F4 && a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 4 && a.f32);
        for (int i = 0; i < 12 && a.f32; i++)
            CHECK(a.f32[i] == (float)(lin(0.1, i, -1.0)));
        hn_npy_array_free(&a);
        CHECK_OK(read_fixture(f4[f], 0, &a, &err), ep(&err));
        for (int i = 0; i < 12 && a.f64; i++)
            CHECK(a.f64[i] == (double)(float)(lin(0.1, i, -1.0)));
        hn_npy_array_free(&a);
    }
    static const struct {
        const char *file;
        hn_npy_dtype dtype;
        int n;
        double v[6];
    } ints[] = {
        {"i4_be.npy", HN_NPY_I4, 6, {-3000, -2000, -1000, 0, 1000, 2000}},
        {"i8.npy", HN_NPY_I8, 5, {-1099511627776.0, -7, 0, 9007199254740992.0, 123456789012.0}},
        {"u1.npy", HN_NPY_U1, 5, {0, 1, 127, 128, 255}},
        {"bool.npy", HN_NPY_BOOL, 4, {1, 0, 1, 1}},
        {"i1.npy", HN_NPY_I1, 4, {-128, -1, 0, 127}},
        {"i2_be.npy", HN_NPY_I2, 3, {-32768, 32767, -2}},
        {"u2.npy", HN_NPY_U2, 2, {65535, 1}},
        {"u4_be.npy", HN_NPY_U4, 3, {4294967295.0, 0, 7}},
        {"u8.npy", HN_NPY_U8, 2, {18446744073709551615.0, 12345}},
        {"v2.npy", HN_NPY_F8, 3, {1, 2, 3}},
        {"v3.npy", HN_NPY_F8, 3, {1, 2, 3}},
    };
    for (size_t f = 0; f < sizeof ints / sizeof ints[0]; f++) {
        int st = read_fixture(ints[f].file, 0, &a, &err);
        CHECK_MSG(st == HN_OK, "%s: %s", ints[f].file, err.msg);
        if (st)
            continue;
        CHECK_MSG(a.dtype == ints[f].dtype && a.ndim == 1 && a.shape[0] == ints[f].n, "%s",
                  ints[f].file);
        for (int i = 0; i < ints[f].n && i < a.size; i++)
            CHECK_MSG(a.f64[i] == ints[f].v[i], "%s[%d] = %.17g", ints[f].file, i, a.f64[i]);
        hn_npy_array_free(&a);
    }
    CHECK_OK(read_fixture("scalar.npy", 0, &a, &err), ep(&err));
    CHECK(a.ndim == 0 && a.size == 1 && a.f64 && a.f64[0] == 3.5);
    hn_npy_array_free(&a);
    CHECK_OK(read_fixture("empty.npy", 0, &a, &err), ep(&err));
    CHECK(a.ndim == 2 && a.shape[0] == 0 && a.shape[1] == 3 && a.size == 0 && a.f64);
    hn_npy_array_free(&a);
}

TEST(unsupported_layouts_are_named)
{
    hn_error err = {0};
    hn_npy_array a;
    CHECK(read_fixture("fortran.npy", 0, &a, &err) == HN_ERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "fortran.npy") && strstr(err.msg, "Fortran order"));
    CHECK(read_fixture("struct.npy", 0, &a, &err) == HN_ERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "structured"));
    CHECK(read_fixture("complex.npy", 0, &a, &err) == HN_ERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "'<c16'"));
    CHECK(read_fixture("missing.npy", 0, &a, &err) == HN_ERR_IO);
    CHECK(strstr(err.msg, "missing.npy"));
}

TEST(reads_npz_stored_and_deflated)
{
    /* zip64.npz: deflated.npz with zip64 central directory and end records */
    const char *files[] = {"stored.npz", "deflated.npz", "zip64.npz"};
    for (int f = 0; f < 3; f++) {
        char p[1024];
        path_of(p, sizeof p, files[f]);
        hn_error err = {0};
        hn_npz z;
        CHECK_OK(hn_npz_read(p, 0, &z, &err), ep(&err));
        CHECK(z.n == 3);
        const hn_npy_array *pt = hn_npz_find(&z, "pt"), *eta = hn_npz_find(&z, "eta"),
                           *n = hn_npz_find(&z, "n");
        CHECK(pt && eta && n && !hn_npz_find(&z, "pt.npy"));
        for (int i = 0; pt && eta && n && i < 5; i++) {
            CHECK(pt->f64[i] == lin(2.5, i, 10.0));
            CHECK(eta->f64[i] == lin(0.7, i, -2.0));
            CHECK(n->f64[i] == 3 * i && n->dtype == HN_NPY_I4);
        }
        hn_table t = {0};
        CHECK_OK(hn_npz_to_table(&z, &t, &err), ep(&err));
        CHECK(t.n_rows == 5 && t.n_cols == 3 && hn_table_find(&t, "eta") >= 0);
        hn_table_free(&t);
        hn_npz_free(&z);
    }
}

/* Every proper prefix of a file is an error, not a crash or a success. */
TEST(truncated_files_fail_cleanly)
{
    const char *npys[] = {"f8_1d.npy", "i4_be.npy", "v3.npy", "scalar.npy"};
    for (int f = 0; f < 4; f++) {
        size_t len;
        unsigned char *b = slurp(npys[f], &len);
        CHECK(b != NULL);
        for (size_t n = 0; b && n < len; n++) {
            hn_error err = {0};
            hn_npy_array a;
            int st = hn_npy_parse(b, n, npys[f], 0, &a, &err);
            CHECK_MSG(st == HN_ERR_FORMAT, "%s cut at %zu: status %d", npys[f], n, st);
            CHECK(err.msg[0] != '\0');
        }
        free(b);
    }
    const char *npzs[] = {"stored.npz", "deflated.npz", "zip64.npz"};
    for (int f = 0; f < 3; f++) {
        size_t len;
        unsigned char *b = slurp(npzs[f], &len);
        CHECK(b != NULL);
        for (size_t n = 0; b && n < len; n++) {
            hn_error err = {0};
            hn_npz z;
            int st = hn_npz_parse(b, n, npzs[f], 0, &z, &err);
            CHECK_MSG(st != HN_OK, "%s cut at %zu parsed", npzs[f], n);
            CHECK(z.n == 0);
        }
        free(b);
    }
}

/* Flipping any byte of an archive: an error, or the same values (bytes the
 * reader does not depend on, such as timestamps); never different values. */
TEST(corrupted_npz_never_gives_wrong_values)
{
    const char *npzs[] = {"stored.npz", "deflated.npz", "zip64.npz"};
    for (int f = 0; f < 3; f++) {
        size_t len;
        unsigned char *b = slurp(npzs[f], &len);
        CHECK(b != NULL);
        int failures = 0;
        for (size_t i = 0; b && i < len; i++) {
            b[i] ^= 0x5a;
            hn_error err = {0};
            hn_npz z;
            if (hn_npz_parse(b, len, npzs[f], 0, &z, &err) == HN_OK) {
                for (int k = 0; k < z.n; k++) {
                    const hn_npy_array *a = &z.arrays[k];
                    int j = a->size > 1 ? 1 : 0;
                    /* pt, eta, n are recognised by their second value */
                    double v = a->size > 1 ? a->f64[1] : NAN;
                    CHECK_MSG(a->size == 5 && (v == 12.5 || v == -2.0 + 0.7 || v == 3),
                              "%s flip at %zu: member %d has %lld values, [%d] = %g", npzs[f], i, k,
                              (long long)a->size, j, v);
                    for (int q = 0; q < 5 && a->size == 5; q++)
                        CHECK(a->f64[q] == (v == 12.5 ? lin(2.5, q, 10.0) : v == 3 ? 3.0 * q : lin(0.7, q, -2.0)));
                }
                hn_npz_free(&z);
            } else {
                failures++;
            }
            b[i] ^= 0x5a;
        }
        CHECK(failures > (int)len / 2);
        free(b);
    }
}

static void put_header(unsigned char *b, const char *dict, size_t *len)
{
    size_t n = strlen(dict);
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)(n & 0xff);
    b[9] = (unsigned char)(n >> 8);
    memcpy(b + 10, dict, n);
    *len = 10 + n;
}

TEST(hand_broken_headers)
{
    static const struct {
        const char *dict;
        size_t data;
        hn_status st;
        const char *msg;
    } cases[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n", 0,
         HN_ERR_FORMAT, "absurdly large"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", 0,
         HN_ERR_FORMAT, "too large"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", 16, HN_ERR_FORMAT,
         "npy data has 16 bytes, but shape and dtype float64 need 24"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", 32, HN_ERR_FORMAT,
         "need 24"},
        {"{'descr': '<f8', 'shape': (3,), }\n", 24, HN_ERR_FORMAT, "missing one of"},
        {"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (3,), }\n", 24, HN_ERR_FORMAT,
         "fortran_order"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, -1), }\n", 24, HN_ERR_FORMAT,
         "non-negative integer"},
        {"{'descr': '|f8', 'fortran_order': False, 'shape': (3,), }\n", 24, HN_ERR_FORMAT,
         "byte order '|'"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }\n", 6, HN_ERR_UNSUPPORTED,
         "'<f2'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}\n", 24,
         HN_ERR_FORMAT, "unexpected key"},
        {"{'descr': '<f8', 'fortran_order': False 'shape': (3,)}\n", 24, HN_ERR_FORMAT,
         "npy header: expected ',' or '}' at byte 50"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }\n", 8,
         HN_ERR_FORMAT, "more than 8 dimensions"},
        {"['descr', '<f8']\n", 8, HN_ERR_FORMAT, "expected '{'"},
    };
    static unsigned char b[512];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len;
        put_header(b, cases[c].dict, &len);
        memset(b + len, 0, cases[c].data);
        hn_error err = {0};
        hn_npy_array a;
        int st = hn_npy_parse(b, len + cases[c].data, "x.npy", 0, &a, &err);
        CHECK_MSG(st == (int)cases[c].st && strstr(err.msg, cases[c].msg) && strstr(err.msg, "x.npy"),
                  "case %zu: status %d, \"%s\"", c, st, err.msg);
    }
    /* header length beyond the file */
    size_t len;
    put_header(b, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }\n", &len);
    b[8] = b[9] = 0xff;
    hn_error err = {0};
    hn_npy_array a;
    CHECK(hn_npy_parse(b, len, "x.npy", 0, &a, &err) == HN_ERR_FORMAT);
    CHECK(strstr(err.msg, "header length 65535 runs past the end"));
    b[6] = 9;
    CHECK(hn_npy_parse(b, len, "x.npy", 0, &a, &err) == HN_ERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "version 9"));
    memcpy(b, "PK\x03\x04xxxxxxxxxxxxxxx", 16);
    CHECK(hn_npy_parse(b, 16, "x.npy", 0, &a, &err) == HN_ERR_FORMAT);
    CHECK(strstr(err.msg, "magic"));
}

TEST(write_read_round_trips_exactly)
{
    hn_error err = {0};
    static double d[2 * 7];
    for (int i = 0; i < 14; i++)
        d[i] = (i - 6) / 7.0 * 1e10;
    d[0] = NAN;
    d[1] = INFINITY;
    d[2] = -0.0;
    d[3] = 4.9e-324;
    d[4] = -1.7976931348623157e308;
    int64_t shape[2] = {2, 7};
    CHECK_OK(hn_npy_write("test_npy_f8.npy", HN_NPY_F8, 2, shape, d, &err), ep(&err));
    hn_npy_array a;
    CHECK_OK(hn_npy_read("test_npy_f8.npy", 0, &a, &err), ep(&err));
    CHECK(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 7 && a.dtype == HN_NPY_F8);
    CHECK(a.f64 && memcmp(a.f64, d, sizeof d) == 0);
    hn_npy_array_free(&a);

    float f[5] = {1.0f / 3.0f, -0.0f, 1e-45f, 3.4028235e38f, NAN};
    int64_t n5 = 5;
    CHECK_OK(hn_npy_write("test_npy_f4.npy", HN_NPY_F4, 1, &n5, f, &err), ep(&err));
    CHECK_OK(hn_npy_read("test_npy_f4.npy", 1, &a, &err), ep(&err));
    CHECK(a.f32 && a.size == 5 && memcmp(a.f32, f, sizeof f) == 0);
    hn_npy_array_free(&a);

    int64_t q[4] = {INT64_MIN + 1, -1, 0, (int64_t)1 << 53};
    int64_t n4 = 4;
    CHECK_OK(hn_npy_write("test_npy_i8.npy", HN_NPY_I8, 1, &n4, q, &err), ep(&err));
    CHECK_OK(hn_npy_read("test_npy_i8.npy", 0, &a, &err), ep(&err));
    CHECK(a.dtype == HN_NPY_I8 && a.size == 4);
    for (int i = 0; i < 4 && a.f64; i++)
        CHECK(a.f64[i] == (double)q[i]);
    hn_npy_array_free(&a);

    /* the header numpy expects: version 1.0, data aligned to 64 bytes */
    FILE *fp = fopen("test_npy_f4.npy", "rb");
    unsigned char h[10] = {0};
    CHECK(fp && fread(h, 1, 10, fp) == 10);
    if (fp)
        fclose(fp);
    CHECK(!memcmp(h, "\x93NUMPY\x01\x00", 8) && (10 + (h[8] | h[9] << 8)) % 64 == 0);

    /* a 0-d array */
    double s = 2.25;
    CHECK_OK(hn_npy_write("test_npy_0d.npy", HN_NPY_F8, 0, NULL, &s, &err), ep(&err));
    CHECK_OK(hn_npy_read("test_npy_0d.npy", 0, &a, &err), ep(&err));
    CHECK(a.ndim == 0 && a.size == 1 && a.f64[0] == 2.25);
    hn_npy_array_free(&a);

    CHECK(hn_npy_write("test_npy_x.npy", HN_NPY_U1, 1, &n4, q, &err) == HN_ERR_UNSUPPORTED);
    CHECK(hn_npy_write("no_such_dir/x.npy", HN_NPY_F8, 1, &n4, d, &err) == HN_ERR_IO);
    CHECK(strstr(err.msg, "no_such_dir/x.npy"));
}

int main(void)
{
    RUN(reads_numpy_fixtures);
    RUN(unsupported_layouts_are_named);
    RUN(reads_npz_stored_and_deflated);
    RUN(truncated_files_fail_cleanly);
    RUN(corrupted_npz_never_gives_wrong_values);
    RUN(hand_broken_headers);
    RUN(write_read_round_trips_exactly);
    return TEST_SUMMARY();
}
