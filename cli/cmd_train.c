/* hepnn train CONFIG [key=value ...] [-o OUTDIR] [--quiet] [--json-log FILE] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "hepnn/config.h"
#include "hepnn/evaluate.h"
#include "hepnn/io.h"
#include "run_output.h"
#include "train_run.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hepnn train CONFIG [key=value ...] [-o OUTDIR] [--device cpu|cuda] [--quiet] [--json-log FILE]\n\n"
            "Trains the network CONFIG describes (docs/config.md) and writes into OUTDIR (default hepnn-out):\n"
            "  model.hnn       the trained model (hepnn eval / apply / info read it)\n"
            "  checkpoint.ckpt the state after the last epoch\n"
            "  summary.json    test and train AUC, working points, KS p-values, best epoch, events/s, ...\n"
            "  report.html     the training report (loss curves, ROC, overtraining check, inputs, ...)\n\n"
            "Any configuration key can be overridden: train.lr=3e-4 train.epochs=5 network.hidden=[64,64]\n"
            "--device cuda trains on the GPU (the same as device=cuda; docs/cuda.md).\n"
            "Ctrl-C stops after the current batch, keeps the best model and writes the report;\n"
            "a second Ctrl-C exits at once.\n\n"
            "examples:\n"
            "  hepnn train examples/zmumu.yaml -o zmumu-run\n"
            "  hepnn train examples/demo.yaml train.epochs=3 seed=7 --quiet\n"
            "  hepnn train examples/demo.yaml --device cuda\n");
}

int hn_cmd_train(int argc, char **argv)
{
    const char *config = NULL, *outdir = "hepnn-out", *json_log = NULL;
    const char **overrides = calloc((size_t)argc + 1, sizeof *overrides);
    int n_over = 0, quiet = 0;
    char device[64];
    if (!overrides)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (hn_cli_is_help(argv[i])) {
            usage(stdout);
            free(overrides);
            return 0;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--json-log")) {
            if (i + 1 >= argc) {
                free(overrides);
                return hn_cli_usage_error("train", "missing value after option", "see 'hepnn train --help'");
            }
            if (!strcmp(argv[i], "-o"))
                outdir = argv[++i];
            else
                json_log = argv[++i];
        } else if (!strcmp(argv[i], "--device")) {
            if (i + 1 >= argc) {
                free(overrides);
                return hn_cli_usage_error("train", "missing value after --device", "cpu or cuda");
            }
            snprintf(device, sizeof device, "device=%s", argv[++i]);
            overrides[n_over++] = device;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (argv[i][0] == '-') {
            char msg[256];
            snprintf(msg, sizeof msg, "unknown option '%s'", argv[i]);
            free(overrides);
            return hn_cli_usage_error("train", msg, "see 'hepnn train --help'");
        } else if (strchr(argv[i], '=')) {
            overrides[n_over++] = argv[i];
        } else if (!config) {
            config = argv[i];
        } else {
            char msg[256];
            snprintf(msg, sizeof msg, "unexpected argument '%s'", argv[i]);
            free(overrides);
            return hn_cli_usage_error("train", msg, "overrides are key=value; see 'hepnn train --help'");
        }
    }
    if (!config) {
        free(overrides);
        return hn_cli_usage_error("train", "no configuration file given", "usage: hepnn train CONFIG [key=value ...]");
    }
    hn_train_options opt = {.config = config, .overrides = overrides, .n_overrides = n_over, .outdir = outdir,
                            .json_log = json_log, .quiet = quiet};
    int rc = hn_train_run(&opt, NULL);
    free(overrides);
    return rc;
}
