/* The dataset builder on real ROOT files and on CSV / NumPy: selections and
 * weights against counts made directly from the branches, jagged inputs,
 * identical arrays from every source type, splits, and the error messages. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "harness.h"
#include "hepnn/csv.h"
#include "hepnn/dataset.h"
#include "hepnn/npy.h"
#include "hepnn/root.h"
#include "hepnn/root_write.h"

#define ZMUMU HN_TEST_DATA "/root/uproot-Zmumu.root:events"
#define HZZ HN_TEST_DATA "/root/uproot-HZZ.root:events"

static char tmpdir[256];

/* Reads a branch as doubles (flat). */
static double *branch(const char *file, const char *tree, const char *name, int64_t *n)
{
    hn_root_file *f = NULL;
    hn_root_tree *t = NULL;
    hn_root_array a;
    memset(&a, 0, sizeof a);
    hn_error err = {0};
    double *out = NULL;
    if (!hn_root_open(file, &f, &err) && !hn_root_tree_open(f, tree, &t, &err) &&
        !hn_root_read(t, name, 0, -1, HN_ROOT_F64, &a, &err)) {
        *n = a.n_values;
        out = malloc(sizeof(double) * (size_t)a.n_values);
        memcpy(out, a.values, sizeof(double) * (size_t)a.n_values);
    }
    CHECK_MSG(out != NULL, "%s", err.msg);
    hn_root_array_free(&a);
    hn_root_tree_close(t);
    hn_root_close(f);
    return out;
}

/* Z->mumu: both muons within |eta| < 2.4 and opposite charges, weighted by
 * pt1/100; the count, the weights and the features against a direct loop. */
TEST(zmumu_selection_and_weights)
{
    const char *file = HN_TEST_DATA "/root/uproot-Zmumu.root";
    int64_t n = 0;
    double *eta1 = branch(file, "events", "eta1", &n), *eta2 = branch(file, "events", "eta2", &n);
    double *q1 = branch(file, "events", "Q1", &n), *q2 = branch(file, "events", "Q2", &n);
    double *pt1 = branch(file, "events", "pt1", &n), *m = branch(file, "events", "M", &n);
    double *px1 = branch(file, "events", "px1", &n), *py1 = branch(file, "events", "py1", &n);
    if (!eta1 || !eta2 || !q1 || !q2 || !pt1 || !m || !px1 || !py1)
        return;
    int64_t expect = 0;
    double wsum = 0, msum = 0;
    for (int64_t i = 0; i < n; i++)
        if (fabs(eta1[i]) < 2.4 && fabs(eta2[i]) < 2.4 && q1[i] * q2[i] < 0) {
            expect++;
            wsum += (float)(pt1[i] / 100);
            msum += (float)m[i];
        }
    const char *src[] = {ZMUMU};
    const char *vars[] = {"M", "sqrt(px1^2 + py1**2)", "Event % 5"};
    const char *spect[] = {"Run", "Event"};
    hn_data_spec s = {.task = HN_TASK_REGRESSION, .sources = src, .n_sources = 1, .targets = (const char *[]){"M"},
                      .n_targets = 1, .variables = vars, .n_variables = 3,
                      .cut = "abs(eta1) < 2.4 && abs(eta2) < 2.4 && Q1 != Q2", .weight = "pt1 / 100",
                      .spectators = spect, .n_spectators = 2, .test_expr = "Event % 5 == 0", .val_fraction = 0.2,
                      .seed = 3, .chunk_entries = 1000 /* three chunks */};
    hn_data d;
    hn_error err = {0};
    CHECK_OK(hn_data_load(&s, &d, &err), &err);
    fprintf(stderr, "  %lld of %lld events selected (direct count %lld)\n", (long long)d.all.n, (long long)n,
            (long long)expect);
    CHECK(d.all.n == expect && expect > 1000 && expect < n);
    double ws = 0, ms = 0;
    int bad_pt = 0, bad_split = 0;
    int64_t n_test = 0, n_val = 0;
    for (int64_t i = 0; i < d.all.n; i++) {
        ws += d.all.w[i];
        ms += d.all.x[3 * i];
        int64_t e = d.entry[i];
        bad_pt += d.all.x[3 * i + 1] != (float)sqrt(pow(px1[e], 2) + py1[e] * py1[e]);
        int is_test = (int64_t)d.spectators[2 * i + 1] % 5 == 0;
        bad_split += is_test != (d.part[i] == HN_PART_TEST) || d.all.x[3 * i + 2] != (float)((int64_t)d.spectators[2 * i + 1] % 5);
        n_test += d.part[i] == HN_PART_TEST;
        n_val += d.part[i] == HN_PART_VAL;
    }
    CHECK_NEAR(ws, wsum, 1e-6 * wsum);
    CHECK_NEAR(ms, msum, 1e-6 * msum);
    CHECK_MSG(bad_pt == 0 && bad_split == 0, "%d pt, %d split mismatches", bad_pt, bad_split);
    /* validation: 20 % of the events the test rule left */
    CHECK(llabs(n_val - (int64_t)llround(0.2 * (double)(d.all.n - n_test))) <= 1);
    CHECK(!strcmp(d.feature_names[1], "sqrt(px1^2 + py1**2)") && !strcmp(d.spectator_names[0], "Run"));
    hn_dataset test;
    CHECK_OK(hn_data_part(&d, HN_PART_TEST, &test, &err), &err);
    CHECK(test.n == n_test);
    hn_dataset_free(&test);
    hn_data_free(&d);
    free(eta1), free(eta2), free(q1), free(q2), free(pt1), free(m), free(px1), free(py1);
}

/* Classes from separate sources; k-fold assignment partitions the events. */
TEST(classes_and_kfold)
{
    const char *sig[] = {ZMUMU}, *bkg[] = {HN_TEST_DATA "/root/uproot-Zmumu-zstd.root:events"};
    hn_class_def cls[2] = {{"signal", sig, 1, "Q1 != Q2", NULL}, {"background", bkg, 1, "Q1 == Q2", "2.0"}};
    const char *vars[] = {"M", "E1"};
    int64_t seen[2304 * 2] = {0};
    int64_t total = 0;
    for (int fold = 0; fold < 3; fold++) {
        hn_data_spec s = {.task = HN_TASK_BINARY, .classes = cls, .n_classes = 2, .variables = vars,
                          .n_variables = 2, .fold_expr = "Event", .n_folds = 3, .fold = fold, .seed = 1};
        hn_data d;
        hn_error err = {0};
        CHECK_OK(hn_data_load(&s, &d, &err), &err);
        if (!d.all.n)
            return;
        int64_t sigs = 0;
        for (int64_t i = 0; i < d.all.n; i++) {
            sigs += d.all.y[i] == 1.0f;
            CHECK(d.all.w[i] == (d.all.y[i] == 1.0f ? 1.0f : 2.0f));
            CHECK(d.source[i] == (d.all.y[i] == 1.0f ? 0 : 1));
            if (d.part[i] == HN_PART_TEST)
                seen[d.source[i] * 2304 + d.entry[i]]++;
        }
        CHECK(sigs > 0 && sigs < d.all.n);
        CHECK(!strcmp(d.class_names[1], "signal") && !strcmp(d.class_names[0], "background"));
        total = d.all.n;
        hn_data_free(&d);
    }
    int64_t once = 0, twice = 0;
    for (int i = 0; i < 2304 * 2; i++) {
        once += seen[i] == 1;
        twice += seen[i] > 1;
    }
    CHECK(once == total && twice == 0); /* every event in exactly one test fold */
}

/* Jagged muons of H->ZZ: the two leading muons by px, padded, with a mask. */
TEST(jagged_inputs_padded_and_sorted)
{
    const char *src[] = {HZZ};
    const char *mu_vars[] = {"Muon_Px", "Muon_Py"};
    hn_jagged_input ji = {.name = "mu", .vars = mu_vars, .n_vars = 2, .max_objects = 3, .sort_by = "Muon_Px"};
    const char *vars[] = {"NMuon", "Sum$(Muon_Px)", "Max$(Muon_Px)"};
    hn_data_spec s = {.task = HN_TASK_BINARY, .sources = src, .n_sources = 1, .label = "NMuon >= 2",
                      .variables = vars, .n_variables = 3, .jagged = &ji, .n_jagged = 1};
    hn_data d;
    hn_error err = {0};
    CHECK_OK(hn_data_load(&s, &d, &err), &err);
    CHECK(d.all.n == 2421 && d.all.n_features == 3 + 3 * 2 + 3);
    CHECK(!strcmp(d.feature_names[3], "mu.Muon_Px[0]") && !strcmp(d.feature_names[9], "mu.mask[0]"));
    /* against the raw jagged arrays */
    hn_root_file *f = NULL;
    hn_root_tree *t = NULL;
    hn_root_array px, py;
    CHECK_OK(hn_root_open(HN_TEST_DATA "/root/uproot-HZZ.root", &f, &err), &err);
    CHECK_OK(hn_root_tree_open(f, "events", &t, &err), &err);
    CHECK_OK(hn_root_read(t, "Muon_Px", 0, -1, HN_ROOT_F32, &px, &err), &err);
    CHECK_OK(hn_root_read(t, "Muon_Py", 0, -1, HN_ROOT_F32, &py, &err), &err);
    int bad = 0;
    for (int64_t i = 0; i < d.all.n; i++) {
        const float *x = d.all.x + i * d.all.n_features, *vx = px.values, *vy = py.values;
        int64_t o = px.offsets[i], k = px.offsets[i + 1] - o;
        /* leading by px: sort indices by hand */
        int64_t idx[16];
        for (int64_t a = 0; a < k && a < 16; a++)
            idx[a] = a;
        for (int64_t a = 0; a < k && a < 16; a++)
            for (int64_t b2 = a + 1; b2 < k && b2 < 16; b2++)
                if (vx[o + idx[b2]] > vx[o + idx[a]]) {
                    int64_t tmp = idx[a];
                    idx[a] = idx[b2];
                    idx[b2] = tmp;
                }
        bad += x[0] != (float)k;
        bad += d.all.y[i] != (k >= 2 ? 1.0f : 0.0f);
        for (int64_t a = 0; a < 3; a++) {
            float ex = a < k ? vx[o + idx[a]] : 0.0f, ey = a < k ? vy[o + idx[a]] : 0.0f;
            bad += x[3 + 2 * a] != ex || x[4 + 2 * a] != ey || x[9 + a] != (a < k ? 1.0f : 0.0f);
        }
        if (k > 0)
            bad += x[2] != vx[o + idx[0]];
    }
    CHECK_MSG(bad == 0, "%d mismatches", bad);
    hn_root_array_free(&px);
    hn_root_array_free(&py);
    hn_root_tree_close(t);
    hn_root_close(f);
    hn_data_free(&d);
}

/* Jet images from H->ZZ's jets as a data-layer transform, against images
 * built directly from the branches with hn_jet_images. */
TEST(jet_images_as_inputs)
{
    const char *src[] = {HZZ};
    hn_image_input im = {.name = "jets",
                         .pt = "sqrt(Jet_Px^2 + Jet_Py^2)",
                         .eta = "log((sqrt(Jet_Px^2 + Jet_Py^2 + Jet_Pz^2) + Jet_Pz) / sqrt(Jet_Px^2 + Jet_Py^2))",
                         .phi = "atan2(Jet_Py, Jet_Px)",
                         .opts = hn_jet_image_opts_default()};
    im.opts.n_eta = 8;
    im.opts.n_phi = 6;
    im.opts.eta_half = im.opts.phi_half = 1.5;
    hn_data_spec s = {.task = HN_TASK_BINARY, .sources = src, .n_sources = 1, .label = "NJet >= 2",
                      .variables = (const char *[]){"NJet"}, .n_variables = 1, .images = &im, .n_images = 1,
                      .chunk_entries = 1000};
    hn_data d;
    hn_error err = {0};
    CHECK_OK(hn_data_load(&s, &d, &err), &err);
    if (d.all.n != 2421)
        return;
    CHECK(d.all.n_features == 1 + 48 && !strcmp(d.feature_names[1], "jets[0,0]") &&
          !strcmp(d.feature_names[48], "jets[7,5]"));
    hn_root_file *f = NULL;
    hn_root_tree *t = NULL;
    hn_root_array px, py, pz;
    CHECK_OK(hn_root_open(HN_TEST_DATA "/root/uproot-HZZ.root", &f, &err), &err);
    CHECK_OK(hn_root_tree_open(f, "events", &t, &err), &err);
    CHECK_OK(hn_root_read(t, "Jet_Px", 0, -1, HN_ROOT_F64, &px, &err), &err);
    CHECK_OK(hn_root_read(t, "Jet_Py", 0, -1, HN_ROOT_F64, &py, &err), &err);
    CHECK_OK(hn_root_read(t, "Jet_Pz", 0, -1, HN_ROOT_F64, &pz, &err), &err);
    int64_t nv = px.n_values;
    float *pt = malloc(sizeof(float) * (size_t)(nv + 1)), *eta = malloc(sizeof(float) * (size_t)(nv + 1)),
          *phi = malloc(sizeof(float) * (size_t)(nv + 1)), *img = malloc(sizeof(float) * 2421 * 48);
    const double *x = px.values, *y = py.values, *z = pz.values;
    for (int64_t k = 0; k < nv; k++) {
        double p2 = pow(x[k], 2) + pow(y[k], 2);
        pt[k] = (float)sqrt(p2);
        eta[k] = (float)log((sqrt(p2 + pow(z[k], 2)) + z[k]) / sqrt(p2));
        phi[k] = (float)atan2(y[k], x[k]);
    }
    CHECK_OK(hn_jet_images(pt, eta, phi, px.offsets, 2421, &im.opts, img, &err), &err);
    int bad = 0, nonzero = 0;
    for (int64_t e = 0; e < 2421; e++)
        for (int k = 0; k < 48; k++) {
            float a = d.all.x[e * 49 + 1 + k], b2 = img[e * 48 + k];
            bad += fabsf(a - b2) > 1e-5f;
            nonzero += a != 0.0f;
        }
    CHECK_MSG(bad == 0, "%d pixels differ", bad);
    CHECK(nonzero > 1000);
    free(pt), free(eta), free(phi), free(img);
    hn_root_array_free(&px);
    hn_root_array_free(&py);
    hn_root_array_free(&pz);
    hn_root_tree_close(t);
    hn_root_close(f);
    hn_data_free(&d);
}

/* The same events as ROOT (ROOT's file and hepnn's), CSV and NPY give identical arrays. */
TEST(same_events_from_every_source_type)
{
    const char *names[] = {"E1", "px1", "py1", "M"};
    const char *src[] = {ZMUMU};
    hn_data_spec s = {.task = HN_TASK_REGRESSION, .sources = src, .n_sources = 1, .targets = (const char *[]){"M"},
                      .n_targets = 1, .variables = names, .n_variables = 3};
    hn_data a;
    hn_error err = {0};
    CHECK_OK(hn_data_load(&s, &a, &err), &err);
    int64_t n = a.all.n;
    /* write the columns as CSV (doubles) and as an (n, 4) .npy */
    const char *file = HN_TEST_DATA "/root/uproot-Zmumu.root";
    double *cols[4];
    int64_t k;
    for (int j = 0; j < 4; j++)
        cols[j] = branch(file, "events", names[j], &k);
    hn_csv_column cc[4];
    double *mat = malloc(sizeof(double) * (size_t)(4 * n));
    for (int j = 0; j < 4; j++) {
        cc[j] = (hn_csv_column){names[j], cols[j], NULL};
        for (int64_t i = 0; i < n; i++)
            mat[i * 4 + j] = cols[j][i];
    }
    char csv[512], npy[512];
    snprintf(csv, sizeof csv, "%s/z.csv", tmpdir);
    snprintf(npy, sizeof npy, "%s/z.npy", tmpdir);
    CHECK_OK(hn_csv_write(csv, cc, 4, n, ',', &err), &err);
    CHECK_OK(hn_npy_write(npy, HN_NPY_F8, 2, (int64_t[]){n, 4}, mat, &err), &err);
    /* and as ROOT again, with hepnn's writer */
    char root[512];
    snprintf(root, sizeof root, "%s/z.root", tmpdir);
    hn_root_wbranch wb[4];
    const void *wcols[4];
    for (int j = 0; j < 4; j++) {
        wb[j] = (hn_root_wbranch){names[j], HN_ROOT_T_F64, 1, NULL};
        wcols[j] = cols[j];
    }
    hn_root_writer *w = NULL;
    CHECK_OK(hn_root_writer_open(root, "z", wb, 4, 6, &w, &err), &err);
    if (w) {
        CHECK_OK(hn_root_writer_append(w, n, wcols, &err), &err);
        CHECK_OK(hn_root_writer_close(w, &err), &err);
    }
    char root_spec[600];
    snprintf(root_spec, sizeof root_spec, "%s:z", root);
    const char *root_src[] = {root_spec};
    hn_data_spec s4 = s;
    s4.sources = root_src;
    hn_data r4;
    CHECK_OK(hn_data_load(&s4, &r4, &err), &err);
    CHECK(r4.all.n == n && !memcmp(a.all.x, r4.all.x, sizeof(float) * (size_t)(3 * n)) &&
          !memcmp(a.all.y, r4.all.y, sizeof(float) * (size_t)n));
    hn_data_free(&r4);
    const char *csv_src[] = {csv}, *npy_src[] = {npy};
    const char *npy_vars[] = {"c0", "c1", "c2"};
    hn_data_spec s2 = s, s3 = s;
    s2.sources = csv_src;
    s3.sources = npy_src;
    s3.variables = npy_vars;
    s3.targets = (const char *[]){"c3"};
    hn_data b, c;
    CHECK_OK(hn_data_load(&s2, &b, &err), &err);
    CHECK_OK(hn_data_load(&s3, &c, &err), &err);
    CHECK(b.all.n == n && c.all.n == n);
    if (b.all.n == n && c.all.n == n) {
        CHECK(!memcmp(a.all.x, b.all.x, sizeof(float) * (size_t)(3 * n)));
        CHECK(!memcmp(a.all.x, c.all.x, sizeof(float) * (size_t)(3 * n)));
        CHECK(!memcmp(a.all.y, c.all.y, sizeof(float) * (size_t)n));
    }
    hn_data_free(&a);
    hn_data_free(&b);
    hn_data_free(&c);
    for (int j = 0; j < 4; j++)
        free(cols[j]);
    free(mat);
}

/* Streaming windows give, in order, exactly the training events of a full load. */
TEST(streamed_windows_cover_the_training_part)
{
    const char *src[] = {ZMUMU};
    const char *vars[] = {"M", "E1"};
    hn_data_spec s = {.task = HN_TASK_REGRESSION, .sources = src, .n_sources = 1, .targets = (const char *[]){"M"},
                      .n_targets = 1, .variables = vars, .n_variables = 2, .cut = "abs(eta1) < 2.4",
                      .test_expr = "Event % 5 == 0", .val_expr = "Event % 5 == 1"};
    hn_data full;
    hn_dataset train;
    hn_error err = {0};
    CHECK_OK(hn_data_load(&s, &full, &err), &err);
    CHECK_OK(hn_data_part(&full, HN_PART_TRAIN, &train, &err), &err);
    hn_data_streamer *ds = NULL;
    CHECK_OK(hn_data_streamer_new(&s, 500, &ds, &err), &err);
    if (!ds)
        return;
    hn_data_stream st = hn_data_streamer_stream(ds);
    for (int pass = 0; pass < 2; pass++) {
        CHECK_OK(st.rewind(st.user, &err), &err);
        int64_t k = 0, windows = 0;
        int same = 1;
        for (;;) {
            hn_dataset c;
            CHECK_OK(st.next(st.user, &c, &err), &err);
            if (c.n == 0)
                break;
            windows++;
            for (int64_t i = 0; i < c.n && same; i++, k++)
                same = k < train.n && !memcmp(c.x + 2 * i, train.x + 2 * k, 2 * sizeof(float));
        }
        CHECK(same && k == train.n && windows == 5);
    }
    hn_data_streamer_free(ds);
    /* fractions cannot be streamed */
    s.val_expr = NULL;
    s.val_fraction = 0.2;
    CHECK(hn_data_streamer_new(&s, 500, &ds, &err) == HN_ERR_ARG && strstr(err.msg, "rules"));
    hn_dataset_free(&train);
    hn_data_free(&full);
}

static void expect_error(hn_data_spec *s, hn_status status, const char *part)
{
    hn_data d;
    hn_error err = {0};
    hn_status st = hn_data_load(s, &d, &err);
    CHECK_MSG(st == status, "status %d, expected %d (%s)", st, status, err.msg);
    CHECK_MSG(strstr(err.msg, part) != NULL, "message '%s' lacks '%s'", err.msg, part);
}

TEST(bad_inputs_name_the_problem)
{
    const char *src[] = {ZMUMU};
    const char *vars[] = {"M"};
    hn_data_spec s = {.task = HN_TASK_REGRESSION, .sources = src, .n_sources = 1, .targets = (const char *[]){"M"},
                      .n_targets = 1, .variables = vars, .n_variables = 1};
    /* a branch that is not there */
    const char *missing[] = {"M", "Mass"};
    s.variables = missing;
    s.n_variables = 2;
    expect_error(&s, HN_ERR_ARG, "Mass");
    /* a syntax error, with its column */
    const char *syntax[] = {"M * (pt1 + "};
    s.variables = syntax;
    s.n_variables = 1;
    expect_error(&s, HN_ERR_ARG, "column");
    /* a selection that keeps nothing */
    s.variables = vars;
    s.cut = "M < 0";
    expect_error(&s, HN_ERR_ARG, "keeps no event");
    s.cut = NULL;
    /* NaN in a feature: entry and name */
    const char *nan_vars[] = {"sqrt(px1)"};
    s.variables = nan_vars;
    expect_error(&s, HN_ERR_NUMERIC, "entry 0: feature 'sqrt(px1)' is");
    /* a type that is not a number: the string branch Type */
    const char *str_vars[] = {"Type"};
    s.variables = str_vars;
    expect_error(&s, HN_ERR_ARG, "Type");
    s.variables = vars;
    /* a per-object quantity used as a per-event variable */
    const char *hzz[] = {HZZ};
    const char *jag[] = {"Jet_Px"};
    hn_data_spec j = {.task = HN_TASK_BINARY, .sources = hzz, .n_sources = 1, .label = "NJet > 1",
                      .variables = jag, .n_variables = 1};
    expect_error(&j, HN_ERR_ARG, "per-object quantity");
    /* a label that is not a class */
    j.variables = (const char *[]){"NJet"};
    j.label = "NJet";
    expect_error(&j, HN_ERR_ARG, "is not a class index 0..1");
    /* a file that does not exist */
    const char *nofile[] = {"/nonexistent/x.root:events"};
    s.sources = nofile;
    s.variables = vars;
    expect_error(&s, HN_ERR_IO, "/nonexistent/x.root");
    const char *badkind[] = {"events.parquet"};
    s.sources = badkind;
    expect_error(&s, HN_ERR_ARG, "unknown kind");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/hepnn-test-dataset-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(zmumu_selection_and_weights);
    RUN(classes_and_kfold);
    RUN(jagged_inputs_padded_and_sorted);
    RUN(jet_images_as_inputs);
    RUN(same_events_from_every_source_type);
    RUN(streamed_windows_cover_the_training_part);
    RUN(bad_inputs_name_the_problem);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return TEST_SUMMARY();
}
