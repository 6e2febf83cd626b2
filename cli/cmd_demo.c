/* hepnn demo [-o OUTDIR] [--events N] [--epochs N]: the whole path on a physics
 * toy. Generates signal (h -> b b with a W) and background (b b continuum)
 * events, writes them as ROOT files with hepnn's writer, trains the same deep
 * network twice — on the 16 low-level features alone and with the 6 high-level
 * ones added, as in the HIGGS paper — writes the reports, and writes the
 * scores back to ROOT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "hepnn/root_write.h"
#include "hepnn/toy.h"
#include "run_output.h"
#include "train_run.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hepnn demo [-o OUTDIR] [--events N] [--epochs N] [--device cpu|cuda]\n\n"
            "Generates a HIGGS-like physics toy (a 125 GeV h -> b b with a W against a b b continuum,\n"
            "with detector smearing), writes it to ROOT files, trains a deep network on the low-level\n"
            "features alone and on low- plus high-level features, and writes reports, models and the\n"
            "scores (as ROOT) into OUTDIR (default hepnn-demo). N events per class (default 60000),\n"
            "at most N epochs (default 12; early stopping after 4 without improvement).\n\n"
            "examples:\n"
            "  hepnn demo\n"
            "  hepnn demo -o /tmp/demo --events 10000 --epochs 3\n"
            "  hepnn demo --device cuda\n");
}

static hn_status write_sample(const char *path, int64_t n, int signal, uint64_t seed, hn_error *err)
{
    float *x = malloc(sizeof(float) * (size_t)(n * HN_TOY_N_FEATURES + 1));
    float *cols = malloc(sizeof(float) * (size_t)(n * HN_TOY_N_FEATURES + 1));
    int64_t *event = malloc(sizeof(int64_t) * (size_t)(n + 1));
    hn_status st = (!x || !cols || !event) ? hn_error_set(err, HN_ERR_NOMEM, "out of memory")
                                           : hn_toy_generate(n, signal, seed, x, err);
    hn_root_wbranch br[1 + HN_TOY_N_FEATURES];
    const void *data[1 + HN_TOY_N_FEATURES];
    br[0] = (hn_root_wbranch){"event", HN_ROOT_T_I64, 1, NULL};
    data[0] = event;
    for (int64_t i = 0; !st && i < n; i++)
        event[i] = i;
    for (int f = 0; !st && f < HN_TOY_N_FEATURES; f++) {
        br[1 + f] = (hn_root_wbranch){hn_toy_feature_names[f], HN_ROOT_T_F32, 1, NULL};
        for (int64_t i = 0; i < n; i++)
            cols[f * n + i] = x[i * HN_TOY_N_FEATURES + f];
        data[1 + f] = cols + f * n;
    }
    hn_root_writer *w = NULL;
    if (!st)
        st = hn_root_writer_open(path, "events", br, 1 + HN_TOY_N_FEATURES, 4, &w, err);
    if (!st) {
        st = hn_root_writer_append(w, n, data, err);
        hn_status st2 = hn_root_writer_close(w, err);
        st = st ? st : st2;
    }
    free(x);
    free(cols);
    free(event);
    return st;
}

/* The configuration of one run: the features 0 .. n_features-1. */
static char *config(const char *dir, int n_features, int epochs, const char *device)
{
    hn_text t = {0};
    hn_text_printf(&t, "task: binary\nseed: 1\ndevice: %s\ndata:\n  classes:\n", device);
    hn_text_printf(&t,
                   "    - {name: signal, sources: [\"%s/data/signal.root:events\"]}\n"
                   "    - {name: background, sources: [\"%s/data/background.root:events\"]}\n"
                   "  variables: [",
                   dir, dir);
    for (int f = 0; f < n_features; f++)
        hn_text_printf(&t, "%s%s", f ? ", " : "", hn_toy_feature_names[f]);
    hn_text_printf(&t, "]\n  spectators: [event]\n"
                       "  split: {test: \"event %% 5 == 0\", val_fraction: 0.2}\n"
                       "network: {hidden: [128, 128, 128], activation: relu}\n"
                       "train: {optimizer: adam, lr: 1e-3, epochs: %d, batch_size: 256, patience: 4}\n",
                   epochs);
    return t.p;
}

int hn_cmd_demo(int argc, char **argv)
{
    const char *outdir = "hepnn-demo";
    long long events = 60000;
    int epochs = 12;
    const char *device = "cpu";
    for (int i = 1; i < argc; i++) {
        if (hn_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outdir = argv[++i];
        } else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
            events = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) {
            epochs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            hn_device d;
            if (hn_device_parse(argv[++i], &d, NULL))
                return hn_cli_usage_error("demo", "--device must be cpu or cuda", NULL);
            device = hn_device_name(d);
        } else {
            return hn_cli_usage_error("demo", "unknown argument", "see 'hepnn demo --help'");
        }
    }
    if (events < 100 || epochs < 1)
        return hn_cli_usage_error("demo", "--events must be >= 100 and --epochs >= 1", NULL);
    hn_error err = {0};
    char path[4096];
    double t0 = hn_now();
    snprintf(path, sizeof path, "%s/data", outdir);
    if (hn_mkdirs(path, &err))
        return hn_cli_fail("demo", &err);
    printf("hepnn demo: %lld signal and %lld background events (h -> b b + W against a b b continuum)\n", events,
           events);
    snprintf(path, sizeof path, "%s/data/signal.root", outdir);
    if (write_sample(path, events, 1, 1, &err))
        return hn_cli_fail("demo", &err);
    snprintf(path, sizeof path, "%s/data/background.root", outdir);
    if (write_sample(path, events, 0, 2, &err))
        return hn_cli_fail("demo", &err);
    printf("wrote %s/data/signal.root and background.root (tree 'events', %d features)\n\n", outdir,
           HN_TOY_N_FEATURES);

    const char *titles[2] = {"== run 1: a deep network on the 16 low-level features ==",
                             "== run 2: the same network on low- and high-level features (22) =="};
    const char *names[2] = {"low", "all"};
    const char *report_titles[2] = {"hepnn demo: a deep network on the 16 low-level features",
                                    "hepnn demo: the same network on the low- and high-level features"};
    int nfeat[2] = {HN_TOY_N_LOW, HN_TOY_N_FEATURES};
    hn_train_outcome out[2];
    for (int r = 0; r < 2; r++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", outdir, names[r]);
        char *cfg = config(outdir, nfeat[r], epochs, device);
        if (!cfg)
            return 1;
        char note[256];
        snprintf(note, sizeof note, "%.4f with the low-level features only, %s", r ? out[0].test.roc.auc : 0.0,
                 r ? "from run 1 (low/report.html)" : "");
        hn_train_options opt = {.config_text = cfg, .outdir = dir, .title = titles[r], .report_title = report_titles[r],
                                .report_note_key = r ? "comparison: test AUC" : NULL, .report_note = r ? note : NULL};
        int rc = hn_train_run(&opt, &out[r]);
        free(cfg);
        if (rc)
            return rc;
        printf("\n");
    }
    printf("== result ==\n");
    printf("  test AUC, low-level features only:       %.4f\n", out[0].test.roc.auc);
    printf("  test AUC, low- and high-level features:  %.4f\n", out[1].test.roc.auc);
    printf("  from the low-level features alone the network reaches %.0f %% of the separation (AUC − 0.5)\n"
           "  it reaches with the physicist's high-level features added\n",
           100.0 * (out[0].test.roc.auc - 0.5) / (out[1].test.roc.auc - 0.5));
    /* scores back into ROOT, joined to the events by 'event' */
    char model[4096], input[4096], output[4096];
    snprintf(model, sizeof model, "%s/all/model.hnn", outdir);
    snprintf(input, sizeof input, "%s/data/background.root:events", outdir);
    snprintf(output, sizeof output, "%s/scores_background.root", outdir);
    char *apply_argv[] = {"apply", model, input, "-o", output, "--copy", "event", NULL};
    if (hn_cmd_apply(7, apply_argv))
        return 1;
    printf("\nreports: %s/low/report.html and %s/all/report.html; %.0f s in all\n", outdir, outdir, hn_now() - t0);
    return 0;
}
