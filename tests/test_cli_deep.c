/* `hepnn train` on deep architectures end to end: a CNN on generated jet
 * images (.npy, one- vs two-prong) with image augmentation, and the LSTM of
 * examples/particle_lstm.yaml on the muon lists of a ROOT file; eval
 * reproduces the test AUC, apply scores every event; configuration mistakes
 * in the new keys name the key and the line. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "harness.h"
#include "hepnn/augment.h"
#include "hepnn/npy.h"

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

enum { PIX = 10, N_JETS = 500 };

/* Jets of 8 particles: one prong (all near the axis) or two prongs (two
 * clusters 0.3–0.5 apart sharing the pT 70/30 to 50/50), as images. */
static int jet_images(int two_prong, uint64_t seed, const char *name)
{
    enum { NP = 8 };
    hn_rng rng;
    hn_rng_seed(&rng, seed);
    float *pt = malloc(sizeof(float) * N_JETS * NP), *eta = malloc(sizeof(float) * N_JETS * NP);
    float *phi = malloc(sizeof(float) * N_JETS * NP), *img = malloc(sizeof(float) * N_JETS * PIX * PIX);
    int64_t off[N_JETS + 1];
    for (int e = 0; e < N_JETS; e++) {
        off[e] = (int64_t)e * NP;
        double dr = 0.3 + 0.2 * hn_rng_uniform(&rng), z = 0.3 + 0.2 * hn_rng_uniform(&rng);
        double ang = 6.283185307179586 * hn_rng_uniform(&rng);
        for (int p = 0; p < NP; p++) {
            int second = two_prong && p >= NP / 2;
            double ce = second ? dr * cos(ang) : 0.0, cp = second ? dr * sin(ang) : 0.0;
            double share = two_prong ? (second ? z : 1 - z) : 1.0;
            size_t k = (size_t)e * NP + (size_t)p;
            pt[k] = (float)(share * (5.0 + 20.0 * hn_rng_uniform(&rng)));
            eta[k] = (float)(ce + 0.04 * hn_rng_normal(&rng));
            phi[k] = (float)(cp + 0.04 * hn_rng_normal(&rng));
        }
    }
    off[N_JETS] = (int64_t)N_JETS * NP;
    hn_jet_image_opts o = hn_jet_image_opts_default();
    o.n_eta = o.n_phi = PIX;
    hn_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    int ok = hn_jet_images(pt, eta, phi, off, N_JETS, &o, img, &err) == HN_OK &&
             hn_npy_write(path, HN_NPY_F4, 2, (int64_t[]){N_JETS, PIX * PIX}, img, &err) == HN_OK;
    if (!ok)
        fprintf(stderr, "%s\n", err.msg);
    free(pt);
    free(eta);
    free(phi);
    free(img);
    return ok;
}

TEST(cnn_on_jet_images)
{
    CHECK(jet_images(0, 1, "one.npy") && jet_images(1, 2, "two.npy"));
    char vars[2000] = "";
    for (int i = 0; i < PIX * PIX; i++)
        snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "%sc%d", i ? ", " : "", i);
    char cfg[4000];
    snprintf(cfg, sizeof cfg,
             "task: binary\nseed: 3\ndata:\n  classes:\n    - {name: two-prong, sources: [two.npy]}\n"
             "    - {name: one-prong, sources: [one.npy]}\n  variables: [%s]\n"
             "  split: {test_fraction: 0.3, val_fraction: 0.2}\n"
             "network:\n  layers:\n"
             "    - {type: reshape, shape: [1, %d, %d]}\n"
             "    - {type: conv2d, filters: 4, kernel: 3, padding: same}\n"
             "    - {type: activation, function: relu}\n"
             "    - {type: maxpool, size: 2}\n"
             "    - {type: conv2d, filters: 6, kernel: [3, 3]}\n"
             "    - {type: activation, function: relu}\n"
             "    - {type: global_avgpool}\n"
             "    - {type: dense, units: 8}\n"
             "    - {type: activation, function: relu}\n"
             "train:\n  lr: 0.01\n  epochs: 6\n  batch_size: 32\n  normalisation: none\n"
             "  augment:\n    image: {shape: [1, %d, %d], flip_h: 0.5, flip_v: 0.5}\n",
             vars, PIX, PIX, PIX, PIX);
    write_file("cnn.yaml", cfg);
    int rc = run(HN_HEPNN " train cnn.yaml -o cnn", NULL, NULL);
    char *log = slurp("out.txt");
    CHECK_MSG(rc == 0, "train failed: %s", log ? log : "");
    CHECK_MSG(log && strstr(log, "(B, 4, 10, 10)") && strstr(log, "(B, 4, 5, 5)") && strstr(log, "(B, 6, 3, 3)"),
              "summary: %s", log ? log : "");
    double auc = json_num(slurp("cnn/summary.json"), "test_auc");
    CHECK_MSG(auc > 0.9, "CNN test AUC %g", auc);
    /* eval on the configuration reproduces the test figures; apply scores every image */
    CHECK(run(HN_HEPNN " eval cnn/model.hnn cnn/config.yaml --json", NULL, NULL) == 0);
    double again = json_num(slurp("out.txt"), "auc");
    CHECK_MSG(fabs(again - auc) < 1e-6, "eval AUC %g, training's %g", again, auc);
    CHECK(run(HN_HEPNN " apply cnn/model.hnn two.npy -o scores.csv", NULL, NULL) == 0);
    char *csv = slurp("scores.csv");
    int lines = 0;
    for (const char *p = csv; p && *p; p++)
        lines += *p == '\n';
    CHECK_MSG(lines == N_JETS + 1, "%d lines in scores.csv", lines);
}

TEST(lstm_on_muon_lists)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, HN_HEPNN " train '%s/../../examples/particle_lstm.yaml' train.epochs=4 -o lstm",
             HN_TEST_DATA);
    int rc = run("%s", cmd, NULL);
    char *log = slurp("out.txt");
    CHECK_MSG(rc == 0, "train failed: %s", log ? log : "");
    CHECK_MSG(log && strstr(log, "sequence") && strstr(log, "(B, 4, 5)") && strstr(log, "bi-lstm"), "summary: %s",
              log ? log : "");
    double auc = json_num(slurp("lstm/summary.json"), "test_auc");
    CHECK_MSG(auc > 0.9, "LSTM test AUC %g", auc);
    CHECK(run(HN_HEPNN " eval lstm/model.hnn lstm/config.yaml --json", NULL, NULL) == 0);
    double again = json_num(slurp("out.txt"), "auc");
    CHECK_MSG(fabs(again - auc) < 1e-6, "eval AUC %g, training's %g", again, auc);
    CHECK(run(HN_HEPNN " apply lstm/model.hnn tests/data/root/uproot-HZZ.root:events -o mu.csv", NULL, NULL) == 0);
    char *csv = slurp("mu.csv");
    int lines = 0;
    for (const char *p = csv; p && *p; p++)
        lines += *p == '\n';
    CHECK_MSG(lines == 2421 + 1, "%d lines in mu.csv", lines);
    /* the mask columns are not standardised */
    CHECK(run(HN_HEPNN " info lstm/model.hnn", NULL, NULL) == 0);
    log = slurp("out.txt");
    CHECK_MSG(log && strstr(log, "muons.mask[3]                                 0              1"), "%s",
              log ? log : "");
}

static void bad(const char *layers, const char *msg)
{
    char text[2000];
    snprintf(text, sizeof text,
             "task: binary\ndata:\n  sources: [tests/data/root/uproot-HZZ.root:events]\n  label: \"NMuon == 2\"\n"
             "  jagged:\n    - {name: muons, vars: [Muon_Px, Muon_Py], max_objects: 3}\n"
             "network:\n  layers:\n%s",
             layers);
    write_file("bad.yaml", text);
    int rc = run(HN_HEPNN " train bad.yaml -o bad --quiet", NULL, NULL);
    char *out = slurp("out.txt");
    CHECK_MSG(rc == 2, "exit %d: %s", rc, out ? out : "");
    CHECK_MSG(out && strstr(out, msg), "'%s' not in: %s", msg, out ? out : "");
}

TEST(bad_deep_configurations)
{
    bad("    - {type: conv3d}\n", "bad.yaml:9: network.layers[1]: unknown layer type 'conv3d'");
    bad("    - {type: reshape, shape: [2, 3]}\n    - {type: conv1d, kernel: 2}\n",
        "bad.yaml:10: network.layers[2]: a convolution needs filters");
    bad("    - {type: conv2d, filters: 2, kernel: [3, 3, 3]}\n", "network.layers[1].kernel: must be a whole number or "
                                                                  "a list of 2");
    bad("    - {type: conv2d, filters: 2, kernel: 3, padding: full}\n",
        "bad.yaml:9: network.layers[1].padding: 'full': valid, same or a number of zeros");
    bad("    - {type: sequence, jagged: jets}\n", "network.layers[1].jagged: 'jets' is not one of data.jagged");
    bad("    - {type: lstm, units: 4, cell: gru}\n", "network.layers[1]: type lstm already says the cell");
    bad("    - {type: rnn, units: 4, cell: elman}\n", "network.layers[1].cell: 'elman': simple, lstm or gru");
    bad("    - {type: highway, gate_bias: -2, activaton: tanh}\n", "network.layers[1].activaton: unknown key");
    /* found when the model is built: the layer is named by its position */
    bad("    - {type: conv2d, filters: 2, kernel: 3}\n", "layer 1 (conv2d) takes (B, C, H, W) events");
    bad("    - {type: sequence}\n    - {type: lstm, units: 3, return_sequences: true}\n",
        "the last hidden layer gives 3-D events");
    bad("    - {type: dense, units: 3}\ntrain:\n  augment:\n    image: {shape: [1, 3], flip_h: 0.5}\n",
        "bad.yaml:12: train.augment.image.shape: needs the image shape [C, H, W]");
    bad("    - {type: dense, units: 3}\ntrain:\n  augment:\n    image: {shape: [1, 2, 3], rot90: true}\n",
        "train.augment.image.rot90: needs square images, not 2x3");
    bad("    - {type: dense, units: 3}\ntrain:\n  augment:\n    image: {shape: [1, 4, 4]}\n",
        "train.augment.image: a 1x4x4 image (16 features) from feature 0 does not fit in the 9 inputs");
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s", "/tmp/hepnn-test-cli-deep-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    char link[1024];
    snprintf(link, sizeof link, "mkdir -p '%s/tests' && ln -s '%s' '%s/tests/data'", tmp, HN_TEST_DATA, tmp);
    if (system(link) != 0)
        return 1;
    RUN(cnn_on_jet_images);
    RUN(lstm_on_muon_lists);
    RUN(bad_deep_configurations);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return TEST_SUMMARY();
}
