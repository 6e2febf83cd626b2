/* The hepnn command end to end: demo -> train -> summary.json -> eval -> apply
 * -> info, and the messages for bad configurations and command lines. Runs the
 * built `hepnn` (HN_HEPNN, from CMake) in a temporary directory. */
#define _POSIX_C_SOURCE 200809L
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "harness.h"
#include "hepnn/csv.h"
#include "hepnn/root.h"

TEST(demo_train_eval_apply_info)
{
    CHECK(run(HN_HEPNN " demo -o run --events 1500 --epochs 3", NULL, NULL) == 0);
    char *log = slurp("out.txt");
    CHECK(log && strstr(log, "test AUC, low-level features only"));
    CHECK(log && strstr(log, " epoch   train loss     val loss    val AUC"));
    const char *files[] = {"run/data/signal.root", "run/data/background.root", "run/all/model.hnn",
                           "run/all/summary.json", "run/all/report.html", "run/all/config.yaml",
                           "run/all/checkpoint.ckpt", "run/all/report_roc.csv", "run/low/report.html",
                           "run/scores_background.root"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmp, files[i]);
        CHECK_MSG(access(path, R_OK) == 0, "%s missing", files[i]);
    }
    /* summary.json: the documented fields with sane values */
    char *sum = slurp("run/all/summary.json");
    static char summary[1 << 16];
    snprintf(summary, sizeof summary, "%s", sum ? sum : "");
    double auc = json_num(summary, "test_auc");
    CHECK(auc > 0.7 && auc <= 1.0);
    CHECK(json_num(summary, "train_auc") > 0.7);
    int best = (int)json_num(summary, "best_epoch"), ran = (int)json_num(summary, "epochs_run");
    CHECK(best >= 1 && best <= ran && ran <= 3);
    const char *keys[] = {"ks_pvalue", "test_eff_s_at_eff_b", "test_rejection_at_eff_s", "events_per_second",
                          "seed", "versions", "\"signal\"", "\"background\"", "\"0.01\"", "\"0.3\""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_MSG(strstr(summary, keys[i]) != NULL, "summary.json lacks %s", keys[i]);
    double p_sig = json_num(summary, "ks_pvalue");
    CHECK(p_sig >= 0 && p_sig <= 1);
    CHECK(json_num(summary, "events_per_second") > 0);
    /* eval on the configuration as run reproduces the test AUC */
    CHECK(run(HN_HEPNN " eval run/all/model.hnn run/all/config.yaml --json", NULL, NULL) == 0);
    double again = json_num(slurp("out.txt"), "auc");
    CHECK_MSG(fabs(again - auc) < 1e-9, "eval AUC %.10f, summary %.10f", again, auc);
    /* apply: one row per input event, in input order */
    CHECK(run(HN_HEPNN " apply run/all/model.hnn run/data/background.root:events -o s.csv --copy event", NULL,
              NULL) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/s.csv", tmp);
    hn_table t;
    hn_error err = {0};
    CHECK_OK(hn_csv_read(path, NULL, &t, &err), &err);
    CHECK(t.n_rows == 1500 && t.n_cols == 2 && !strcmp(t.names[0], "event") && !strcmp(t.names[1], "score"));
    int in_order = 1, in_range = 1;
    for (int64_t i = 0; t.n_cols == 2 && i < t.n_rows; i++) {
        in_order &= t.cols[0][i] == (double)i;
        in_range &= t.cols[1][i] >= 0 && t.cols[1][i] <= 1;
    }
    CHECK(in_order && in_range);
    /* the same as ROOT, read back with hepnn's reader */
    CHECK(run(HN_HEPNN " apply run/all/model.hnn run/data/background.root:events -o s.root --copy event", NULL,
              NULL) == 0);
    snprintf(path, sizeof path, "%s/s.root", tmp);
    hn_root_file *f = NULL;
    hn_root_tree *tr = NULL;
    hn_root_array a;
    memset(&a, 0, sizeof a);
    CHECK_OK(hn_root_open(path, &f, &err), &err);
    if (f) {
        CHECK_OK(hn_root_tree_open(f, "scores", &tr, &err), &err);
        if (tr) {
            CHECK(hn_root_tree_entries(tr) == 1500);
            CHECK_OK(hn_root_read(tr, "score", 0, -1, HN_ROOT_F64, &a, &err), &err);
            int same = a.n_values == 1500;
            for (int64_t i = 0; same && i < 1500; i++)
                same = fabs(((double *)a.values)[i] - t.cols[1][i]) < 1e-6;
            CHECK(same);
            hn_root_array_free(&a);
            hn_root_tree_close(tr);
        }
        hn_root_close(f);
    }
    hn_table_free(&t);
    /* info */
    CHECK(run(HN_HEPNN " info run/all/model.hnn", NULL, NULL) == 0);
    char *info = slurp("out.txt");
    CHECK(info && strstr(info, "total trainable parameters") && strstr(info, "m_bb") && strstr(info, "test_auc"));
    /* the report carries every figure */
    char *html = slurp("run/all/report.html");
    const char *figs[] = {"fig-loss", "fig-roc", "fig-roc-log", "table-roc", "fig-scores", "table-ks", "fig-inputs",
                          "fig-ranking", "model-summary", "config"};
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++)
        CHECK_MSG(html && strstr(html, figs[i]), "report lacks %s", figs[i]);
}

/* Ctrl-C: training stops after the current batch, the best model so far, the
 * summary and the report are written, and the exit code is 0. */
TEST(interrupt_keeps_the_best_model)
{
    CHECK(run("(" HN_HEPNN " train run/all/config.yaml train.epochs=100000 train.patience=0 -o int --quiet & "
              "p=$!; sleep 2; kill -INT $p; wait $p)", NULL, NULL) == 0);
    char *sum = slurp("int/summary.json");
    CHECK(sum && strstr(sum, "\"interrupted\": true"));
    char path[512];
    snprintf(path, sizeof path, "%s/int/report.html", tmp);
    CHECK(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/int/model.hnn", tmp);
    CHECK(access(path, R_OK) == 0);
}

/* A configuration written to tmp/c.yaml; the expected exit code and message. */
static void bad_config(const char *text, const char *overrides, int code, const char *msg)
{
    char path[512];
    snprintf(path, sizeof path, "%s/c.yaml", tmp);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    int rc = run(HN_HEPNN " train c.yaml %s -o bad", overrides, NULL);
    char *out = slurp("out.txt");
    CHECK_MSG(rc == code, "exit %d, expected %d: %s", rc, code, out ? out : "");
    CHECK_MSG(out && strstr(out, msg), "'%s' not in: %s", msg, out ? out : "");
}

#define GOOD_DATA                                                                                   \
    "data:\n  classes:\n    - {name: s, sources: [run/data/signal.root:events]}\n"                \
    "    - {name: b, sources: [run/data/background.root:events]}\n  variables: [lep_pt, met]\n"

TEST(bad_configurations_and_command_lines)
{
    bad_config("task: binary\n" GOOD_DATA "train:\n  lr: -0.1\n", "", 2, "c.yaml:8: train.lr: -0.1 must be > 0");
    bad_config("task: binary\n" GOOD_DATA "train:\n  lrr: 0.1\n", "", 2, "c.yaml:8: train.lrr: unknown key");
    bad_config("task: binary\n" GOOD_DATA "network:\n  layers:\n    - {type: dense, units: 0}\n", "", 2,
               "network.layers[1].units: 0 must be between 1 and");
    bad_config("task: binary\n" GOOD_DATA "network:\n  hidden: [16]\n  activation: swish\n", "", 2,
               "c.yaml:9: network.activation: unknown activation 'swish'");
    bad_config("task: binary\n" GOOD_DATA "train:\n  epochs: many\n", "", 2, "train.epochs: 'many' is not a whole number");
    bad_config("task: classify\n" GOOD_DATA, "", 2, "c.yaml:1: task: 'classify': binary, multiclass or regression");
    bad_config("task: binary\n", "", 2, "data: missing");
    bad_config("task: binary\n" GOOD_DATA "train: {epochs: [1, 2]}\n", "", 2, "train.epochs: must be a whole number");
    bad_config("task: binary\n" GOOD_DATA "  cut: \"met >\"\n", "", 2, "cut");
    bad_config("task: binary\n" GOOD_DATA "train: {epochs: 1}\n", "train.lr=0", 2,
               "command line: train.lr: 0 must be > 0");
    bad_config("task: binary\n" GOOD_DATA "train: {epochs: 1}\n", "nonsense", 2, "unexpected argument 'nonsense'");
    bad_config("task: [binary\n", "", 2, "c.yaml:");
    /* command lines */
    CHECK(run(HN_HEPNN " frobnicate", NULL, NULL) == 2 && strstr(slurp("out.txt"), "unknown command 'frobnicate'"));
    CHECK(run(HN_HEPNN " train", NULL, NULL) == 2 && strstr(slurp("out.txt"), "no configuration file given"));
    CHECK(run(HN_HEPNN " train c.yaml --bogus", NULL, NULL) == 2 && strstr(slurp("out.txt"), "unknown option"));
    CHECK(run(HN_HEPNN " train missing.yaml", NULL, NULL) == 2 && strstr(slurp("out.txt"), "missing.yaml"));
    CHECK(run(HN_HEPNN " eval", NULL, NULL) == 2);
    CHECK(run(HN_HEPNN " apply run/all/model.hnn", NULL, NULL) == 2 && strstr(slurp("out.txt"), "-o OUTPUT"));
    CHECK(run(HN_HEPNN " info nothing.hnn", NULL, NULL) == 1 && strstr(slurp("out.txt"), "nothing.hnn"));
    CHECK(run(HN_HEPNN " --version", NULL, NULL) == 0 && strstr(slurp("out.txt"), "hepnn "));
    const char *cmds[] = {"train", "eval", "apply", "info", "demo", "root"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        CHECK_MSG(run(HN_HEPNN " %s --help", cmds[i], NULL) == 0, "%s --help", cmds[i]);
        char *h = slurp("out.txt");
        CHECK_MSG(h && strstr(h, "usage: hepnn") && (strstr(h, "example") || strstr(h, "Example")),
                  "%s --help lacks usage or examples", cmds[i]);
    }
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s", "/tmp/hepnn-test-cli-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    RUN(demo_train_eval_apply_info);
    RUN(interrupt_keeps_the_best_model);
    RUN(bad_configurations_and_command_lines);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        return 1;
    return TEST_SUMMARY();
}
