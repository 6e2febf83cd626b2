/* The table that ties the readers together: the same events written as CSV
 * and as NPZ (both by numpy, tools/fixtures/gen_npy.py) and as CSV and NPY by
 * hepnn's own writers read into identical tables; expressions over tables. */
#include "harness.h"
#include "hepnn/csv.h"
#include "hepnn/expr.h"
#include "hepnn/npy.h"
#include "hepnn/table.h"

static hn_error *ep(hn_error *e) { return e; } /* CHECK_OK(.., &err) trips -Waddress */

static int tables_identical(const hn_table *a, const hn_table *b)
{
    if (a->n_rows != b->n_rows || a->n_cols != b->n_cols)
        return 0;
    for (int c = 0; c < a->n_cols; c++)
        if (strcmp(a->names[c], b->names[c]) ||
            memcmp(a->cols[c], b->cols[c], (size_t)a->n_rows * sizeof(double)))
            return 0;
    return 1;
}

TEST(table_basics)
{
    hn_error err = {0};
    hn_table t;
    hn_table_init(&t);
    double v[3] = {1, 2, 3};
    CHECK_OK(hn_table_add_column(&t, "a", v, 3, &err), ep(&err));
    v[0] = 9; /* the table holds a copy */
    CHECK(t.cols[0][0] == 1);
    CHECK(hn_table_add_column(&t, "a", v, 3, &err) == HN_ERR_ARG && strstr(err.msg, "duplicate column 'a'"));
    CHECK(hn_table_add_column(&t, "b", v, 2, &err) == HN_ERR_ARG && strstr(err.msg, "'b' has 2 rows"));
    CHECK(hn_table_add_column(&t, "", v, 3, &err) == HN_ERR_ARG);
    CHECK(t.n_cols == 1 && hn_table_find(&t, "a") == 0 && hn_table_find(&t, "b") == -1);
    hn_column c;
    CHECK(hn_table_resolve(&t, "b", &c, &err) == HN_ERR_ARG && strstr(err.msg, "'b'"));
    CHECK_OK(hn_table_resolve(&t, "a", &c, &err), ep(&err));
    CHECK(c.n_entries == 3 && c.values == t.cols[0] && c.offsets == NULL);
    hn_table_free(&t);
    CHECK(t.n_cols == 0 && t.names == NULL);
    hn_table_free(NULL);
}

static int load_reference(hn_table *csv, hn_table *npz, hn_error *err)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/csv/events.csv", HN_TEST_DATA);
    if (hn_csv_read(p, NULL, csv, err))
        return 1;
    snprintf(p, sizeof p, "%s/npy/events.npz", HN_TEST_DATA);
    hn_npz z;
    if (hn_npz_read(p, 0, &z, err))
        return 1;
    hn_table_init(npz);
    hn_status st = hn_npz_to_table(&z, npz, err);
    hn_npz_free(&z);
    return st != HN_OK;
}

TEST(csv_and_npz_give_the_same_table)
{
    hn_error err = {0};
    hn_table csv, npz;
    CHECK_OK(load_reference(&csv, &npz, &err), ep(&err));
    CHECK(csv.n_rows == 20 && csv.n_cols == 5);
    CHECK(!strcmp(csv.names[0], "event") && !strcmp(csv.names[4], "label"));
    CHECK(tables_identical(&csv, &npz));
    /* not trivially: the values are not round and some weights are negative */
    int neg = 0;
    for (int i = 0; i < csv.n_rows; i++)
        neg += csv.cols[3][i] < 0;
    CHECK(neg > 0 && csv.cols[1][0] != (double)(int64_t)csv.cols[1][0]);
    hn_table_free(&csv);
    hn_table_free(&npz);
}

TEST(own_writers_round_trip_into_the_same_table)
{
    hn_error err = {0};
    hn_table ref, npz;
    CHECK_OK(load_reference(&ref, &npz, &err), ep(&err));
    hn_table_free(&npz);
    /* CSV, all separators */
    const char seps[] = {',', '\t', ' '};
    for (int k = 0; k < 3; k++) {
        CHECK_OK(hn_csv_write_table("test_table_events.csv", &ref, seps[k], &err), ep(&err));
        hn_table back;
        CHECK_OK(hn_csv_read("test_table_events.csv", NULL, &back, &err), ep(&err));
        CHECK(tables_identical(&ref, &back));
        hn_table_free(&back);
    }
    /* one .npy per column */
    hn_table cols;
    hn_table_init(&cols);
    for (int c = 0; c < ref.n_cols; c++) {
        char p[64];
        snprintf(p, sizeof p, "test_table_%s.npy", ref.names[c]);
        CHECK_OK(hn_npy_write(p, HN_NPY_F8, 1, &ref.n_rows, ref.cols[c], &err), ep(&err));
        hn_npy_array a;
        CHECK_OK(hn_npy_read(p, 0, &a, &err), ep(&err));
        CHECK_OK(hn_npy_to_table(&a, (const char *const *)&ref.names[c], &cols, &err), ep(&err));
        hn_npy_array_free(&a);
    }
    CHECK(tables_identical(&ref, &cols));
    hn_table_free(&cols);
    /* one (n, k) matrix */
    static double m[20 * 5];
    for (int i = 0; i < ref.n_rows; i++)
        for (int c = 0; c < ref.n_cols; c++)
            m[i * ref.n_cols + c] = ref.cols[c][i];
    int64_t shape[2] = {ref.n_rows, ref.n_cols};
    CHECK_OK(hn_npy_write("test_table_matrix.npy", HN_NPY_F8, 2, shape, m, &err), ep(&err));
    hn_npy_array a;
    CHECK_OK(hn_npy_read("test_table_matrix.npy", 0, &a, &err), ep(&err));
    hn_table mt;
    hn_table_init(&mt);
    CHECK_OK(hn_npy_to_table(&a, (const char *const *)ref.names, &mt, &err), ep(&err));
    CHECK(tables_identical(&ref, &mt));
    hn_npy_array_free(&a);
    hn_table_free(&mt);
    hn_table_free(&ref);
}

TEST(expressions_over_a_table)
{
    hn_error err = {0};
    hn_table t, npz;
    CHECK_OK(load_reference(&t, &npz, &err), ep(&err));
    hn_table_free(&npz);
    hn_expr *e = NULL;
    CHECK_OK(hn_expr_compile("pt*cosh(eta) * (weight < 0 || label) + event % 5", &e, &err), ep(&err));
    CHECK_OK(hn_expr_bind(e, hn_table_resolve, &t, &err), ep(&err));
    double out[20];
    CHECK_OK(hn_expr_eval(e, 0, t.n_rows, out, &err), ep(&err));
    for (int i = 0; i < t.n_rows; i++) {
        double want = t.cols[1][i] * cosh(t.cols[2][i]) * (t.cols[3][i] < 0 || t.cols[4][i] != 0) +
                      fmod(t.cols[0][i], 5);
        CHECK_NEAR(out[i], want, 1e-12 * fabs(want)); /* the compiler may fuse the reference */
    }
    hn_expr_free(e);
    CHECK_OK(hn_expr_compile("pt + mass", &e, &err), ep(&err));
    CHECK(hn_expr_bind(e, hn_table_resolve, &t, &err) == HN_ERR_ARG);
    CHECK(strstr(err.msg, "unknown identifier 'mass' (no column named 'mass') at column 6"));
    hn_expr_free(e);
    hn_table_free(&t);
}

int main(void)
{
    RUN(table_basics);
    RUN(csv_and_npz_give_the_same_table);
    RUN(own_writers_round_trip_into_the_same_table);
    RUN(expressions_over_a_table);
    return TEST_SUMMARY();
}
