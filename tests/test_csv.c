/* CSV: separators, comments, quotes, locale-free numbers against C literals,
 * errors with file/line/column, and exact write -> read round trips. */
#include "harness.h"
#include "hepnn/csv.h"
#include "hepnn/rng.h"

#include <float.h>
#include <stdint.h>

static hn_error *ep(hn_error *e) { return e; } /* CHECK_OK(.., &err) trips -Waddress */

static int parse(const char *text, char delim, hn_table *t, hn_error *err)
{
    hn_csv_options o = {delim};
    return hn_csv_parse(text, strlen(text), "t.csv", &o, t, err);
}

static int col_is(const hn_table *t, const char *name, const double *v, int n)
{
    int c = hn_table_find(t, name);
    if (c < 0 || t->n_rows != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (t->cols[c][i] != v[i])
            return 0;
    return 1;
}

TEST(separators_comments_quotes)
{
    static const struct {
        const char *text;
        char delim;
    } cases[] = {
        {"a,b,c\n1,2.5,-3\n4,5e-1,0.1\n", 0},
        {"# a comment line\n\n  a , b,c  # trailing comment\r\n1, 2.5 ,-3\r\n\r\n# more\n4,5e-1,0.1", 0},
        {"\xEF\xBB\xBF\"a\",'b',\"c\"\n\"1\",2.5,-3\n4,5e-1,0.1\n", 0},
        {"a\tb\tc\n1\t2.5\t-3\n4\t5e-1\t0.1\n", 0},
        {"  a   b\tc\n 1  2.5   -3 \n4 5e-1 0.1  # x\n", 0},
        {"a;b;c\n1;2.5;-3\n4;5e-1;0.1\n", 0},
        {"a b c\n1 2.5 -3\n4 5e-1 0.1\n", ' '},
        {"a,b,c\n1,2.5,-3\n4,5e-1,0.1\n", ','},
        {"# c1\n#c2\n\"a\" b 'c'\n+1 2.5 -3\n4 .5 0.1\n", 0},
    };
    const double a[] = {1, 4}, b[] = {2.5, 0.5}, c[] = {-3, 0.1};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        hn_error err = {0};
        hn_table t;
        int st = parse(cases[k].text, cases[k].delim, &t, &err);
        CHECK_MSG(st == HN_OK, "case %zu: %s", k, err.msg);
        CHECK_MSG(t.n_cols == 3 && col_is(&t, "a", a, 2) && col_is(&t, "b", b, 2) && col_is(&t, "c", c, 2),
                  "case %zu: %d cols, %lld rows", k, t.n_cols, (long long)t.n_rows);
        CHECK(t.n_cols != 3 || (!strcmp(t.names[0], "a") && !strcmp(t.names[2], "c")));
        hn_table_free(&t);
    }
    /* quoted names may hold the separator and spaces */
    hn_error err = {0};
    hn_table t;
    CHECK_OK(parse("\"p T\",\"x,y\"\n1,2\n", 0, &t, &err), ep(&err));
    CHECK(t.n_cols == 2 && hn_table_find(&t, "p T") == 0 && hn_table_find(&t, "x,y") == 1);
    hn_table_free(&t);
    /* a header alone is a table with no rows */
    CHECK_OK(parse("x,y\n# nothing\n", 0, &t, &err), ep(&err));
    CHECK(t.n_cols == 2 && t.n_rows == 0);
    hn_table_free(&t);
    /* strtod's other spellings */
    CHECK_OK(parse("v\nnan\ninf\n-Infinity\n1e-320\n0x10\n", 0, &t, &err), ep(&err));
    CHECK(t.n_rows == 5 && isnan(t.cols[0][0]) && t.cols[0][1] == INFINITY &&
          t.cols[0][2] == -INFINITY && t.cols[0][3] == 1e-320 && t.cols[0][4] == 16);
    hn_table_free(&t);
    /* decimal strings are converted exactly as the C compiler converts literals */
    CHECK_OK(parse("v\n0.1\n2.2250738585072014e-308\n1.7976931348623157e308\n"
                   "0.30000000000000004\n123456789.123456789\n", 0, &t, &err), ep(&err));
    CHECK(t.cols[0][0] == 0.1 && t.cols[0][1] == 2.2250738585072014e-308 &&
          t.cols[0][2] == 1.7976931348623157e308 && t.cols[0][3] == 0.30000000000000004 &&
          t.cols[0][4] == 123456789.123456789);
    hn_table_free(&t);
    /* an overridden separator: the comma is then part of the name */
    CHECK_OK(parse("a,b c\n1 2\n", ' ', &t, &err), ep(&err));
    CHECK(t.n_cols == 2 && hn_table_find(&t, "a,b") == 0);
    hn_table_free(&t);
}

static const char *const errors[][3] = {
    /* text, delimiter (as a string), expected message fragment */
    {"a,b\n1,2\n3,x\n", "", "t.csv:3:3: bad number 'x' in column 'b'"},
    {"a,b\n1,2\n\n# c\n3,1.2.3\n", "", "t.csv:5:3: bad number '1.2.3' in column 'b'"},
    {"a,b\n1,2 3\n", "", "t.csv:2:3: bad number '2 3'"},
    {"a b\n1 2\n3 4 5\n", "", "t.csv:3: 3 fields, but the header has 2"},
    {"a,b,c\n1,2\n", "", "t.csv:2: 2 fields, but the header has 3"},
    {"a,b\n1,\n", "", "t.csv:2:3: empty value in column 'b'"},
    {"a,b\n,1\n", "", "t.csv:2:1: empty value in column 'a'"},
    {"a,,b\n1,2,3\n", "", "t.csv:1:3: empty column name"},
    {"a,b,a\n1,2,3\n", "", "t.csv:1:5: duplicate column name 'a'"},
    {"\"a,b\n1\n", "", "t.csv:1:1: unterminated quote"},
    {"\"a\"x,b\n1,2\n", "", "t.csv:1:4: text after a closing quote"},
    {"# only\n\n   \n", "", "t.csv: no header line"},
    {"", "", "t.csv: no header line"},
    {"a\n1e999\n", "", "t.csv:2:1: number '1e999' in column 'a' is out of range"},
    {"a\n 1,5\n", ";", "t.csv:2:2: bad number '1,5'"},
    {"a\n0x\n", "", "bad number '0x'"},
};

TEST(errors_name_file_line_column)
{
    for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++) {
        hn_error err = {0};
        hn_table t;
        int st = parse(errors[k][0], errors[k][1][0], &t, &err);
        CHECK_MSG(st == HN_ERR_FORMAT && strstr(err.msg, errors[k][2]),
                  "case %zu: status %d, got \"%s\", want \"%s\"", k, st, err.msg, errors[k][2]);
        CHECK(t.n_cols == 0 && t.names == NULL);
    }
    hn_error err = {0};
    hn_table t;
    CHECK(parse("a\n1\n", 'x', &t, &err) == HN_ERR_ARG);
    /* an embedded NUL byte is a bad number, not the end of the field */
    const char nul[] = "a\n1\0002\n";
    CHECK(hn_csv_parse(nul, sizeof nul - 1, "t.csv", NULL, &t, &err) == HN_ERR_FORMAT);
    CHECK(hn_csv_read("no_such_file.csv", NULL, &t, &err) == HN_ERR_IO);
    CHECK(strstr(err.msg, "no_such_file.csv"));
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

TEST(write_read_round_trip_is_exact)
{
    enum { N = 300 };
    static double d[N];
    static float f[N];
    hn_rng r;
    hn_rng_seed(&r, 99);
    for (int i = 0; i < N; i++) {
        uint64_t bits = hn_rng_u64(&r);
        double v;
        memcpy(&v, &bits, sizeof v); /* any bit pattern: all exponents and mantissas */
        if (isnan(v))
            v = 1.0 / (i + 1);
        d[i] = v;
        uint32_t fb = (uint32_t)hn_rng_u64(&r);
        float fv;
        memcpy(&fv, &fb, sizeof fv);
        f[i] = isnan(fv) ? 0.1f * (float)i : fv;
    }
    d[0] = 0.1; d[1] = -0.0; d[2] = 4.9e-324; d[3] = DBL_MAX; d[4] = INFINITY; d[5] = -INFINITY;
    d[6] = NAN; d[7] = 1.0 / 3.0;
    f[0] = 0.1f; f[1] = 1e-45f; f[2] = FLT_MAX; f[3] = -0.0f;
    const char delims[] = {',', '\t', ' ', ';'};
    for (int k = 0; k < 4; k++) {
        hn_csv_column cols[2] = {{"p T", d, NULL}, {"w#1", NULL, f}};
        hn_error err = {0};
        CHECK_OK(hn_csv_write("test_csv_rt.csv", cols, 2, N, delims[k], &err), ep(&err));
        hn_table t;
        CHECK_OK(hn_csv_read("test_csv_rt.csv", NULL, &t, &err), ep(&err));
        CHECK(t.n_rows == N && t.n_cols == 2 && hn_table_find(&t, "p T") == 0 &&
              hn_table_find(&t, "w#1") == 1);
        int bad = 0;
        for (int i = 0; i < N && t.n_cols == 2 && t.n_rows == N; i++) {
            if (isnan(d[i]) ? !isnan(t.cols[0][i]) : !same_bits(t.cols[0][i], d[i]))
                bad++;
            float back = (float)t.cols[1][i];
            if (memcmp(&back, &f[i], sizeof back)) /* %.9g is exact through float */
                bad++;
        }
        CHECK_MSG(bad == 0, "delimiter '%c': %d values differ", delims[k], bad);
        hn_table_free(&t);
    }
    /* names that cannot be written */
    hn_csv_column bad[1] = {{"a\"b", d, NULL}};
    hn_error err = {0};
    CHECK(hn_csv_write("test_csv_bad.csv", bad, 1, 1, ',', &err) == HN_ERR_ARG);
    hn_csv_column both[1] = {{"a", d, f}};
    CHECK(hn_csv_write("test_csv_bad.csv", both, 1, 1, ',', &err) == HN_ERR_ARG);
    FILE *fp = fopen("test_csv_bad.csv", "r");
    CHECK(fp == NULL); /* nothing was created */
    if (fp)
        fclose(fp);
    /* a failing write leaves the old file in place */
    hn_table t = {0};
    CHECK_OK(hn_table_add_column(&t, "x", d + 7, 1, &err), ep(&err));
    CHECK_OK(hn_csv_write_table("test_csv_keep.csv", &t, 0, &err), ep(&err));
    CHECK(hn_csv_write("test_csv_keep.csv", bad, 1, 1, ',', &err) == HN_ERR_ARG);
    hn_table back;
    CHECK_OK(hn_csv_read("test_csv_keep.csv", NULL, &back, &err), ep(&err));
    CHECK(back.n_rows == 1 && back.cols[0][0] == 1.0 / 3.0);
    hn_table_free(&back);
    hn_table_free(&t);
}

/* Random bytes from CSV's alphabet: a table or a clean error, never a crash. */
TEST(random_texts_never_crash)
{
    static const char alphabet[] = "ab,,\t  ;#\"'\n\n\r0123456789..e-+xn";
    hn_rng r;
    hn_rng_seed(&r, 5);
    int ok = 0;
    for (int it = 0; it < 3000; it++) {
        char text[96];
        int len = (int)hn_rng_below(&r, sizeof text);
        for (int k = 0; k < len; k++)
            text[k] = alphabet[hn_rng_below(&r, sizeof alphabet - 1)];
        hn_error err = {0};
        hn_table t;
        hn_csv_options o = {"\0,\t ;"[hn_rng_below(&r, 5)]};
        int st = hn_csv_parse(text, (size_t)len, "r.csv", &o, &t, &err);
        if (st == HN_OK) {
            ok++;
            CHECK(t.n_cols > 0);
        } else {
            CHECK(st == HN_ERR_FORMAT && !strncmp(err.msg, "r.csv", 5));
        }
        hn_table_free(&t);
    }
    CHECK(ok > 0);
}

int main(void)
{
    RUN(separators_comments_quotes);
    RUN(errors_name_file_line_column);
    RUN(write_read_round_trip_is_exact);
    RUN(random_texts_never_crash);
    return TEST_SUMMARY();
}
