/* hepnn apply MODEL INPUT -o OUTPUT [--copy BRANCHES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_write.h"
#include "cli.h"
#include "common.h"
#include "hepnn/config.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hepnn apply MODEL INPUT -o OUTPUT [--copy BRANCH,BRANCH,...]\n\n"
            "Runs a trained model on every event of INPUT (a file.root:tree, .csv, .npy or .npz source),\n"
            "its inputs computed as in training, and writes one row per event, in input order: the copied\n"
            "branches, then the network output (binary: score; multi-class: score_<class> per class;\n"
            "regression: one column per target). The format follows OUTPUT's extension: .root (tree\n"
            "'scores'), .csv or .npy (a float64 matrix, columns in that order).\n\n"
            "examples:\n"
            "  hepnn apply run/model.hnn data.root:Events -o scores.root --copy run,luminosityBlock,event\n"
            "  hepnn apply run/model.hnn events.csv -o scores.csv\n");
}

int hn_cmd_apply(int argc, char **argv)
{
    const char *model_path = NULL, *input = NULL, *output = NULL, *copy = NULL;
    for (int i = 1; i < argc; i++) {
        if (hn_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            output = argv[++i];
        } else if (!strcmp(argv[i], "--copy") && i + 1 < argc) {
            copy = argv[++i];
        } else if (argv[i][0] == '-') {
            return hn_cli_usage_error("apply", "unknown option or missing value", "see 'hepnn apply --help'");
        } else if (!model_path) {
            model_path = argv[i];
        } else if (!input) {
            input = argv[i];
        } else {
            return hn_cli_usage_error("apply", "too many arguments", "see 'hepnn apply --help'");
        }
    }
    if (!model_path || !input || !output)
        return hn_cli_usage_error("apply", "MODEL, INPUT and -o OUTPUT are needed",
                                  "usage: hepnn apply MODEL INPUT -o OUTPUT [--copy BRANCHES]");
    /* the branches to copy, split at commas */
    char *copy_buf = copy ? malloc(strlen(copy) + 1) : NULL;
    const char *names[256];
    int n_copy = 0;
    if (copy) {
        if (!copy_buf)
            return 1;
        strcpy(copy_buf, copy);
        for (char *p = copy_buf; p && *p && n_copy < 256;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            if (*p)
                names[n_copy++] = p;
            p = comma ? comma + 1 : NULL;
        }
    }
    hn_error err = {0};
    hn_model *m = NULL;
    hn_run_config *cfg = NULL;
    hn_data data;
    memset(&data, 0, sizeof data);
    float *out = NULL;
    int rc = 1;
    hn_status st = hn_model_load(&m, model_path, &err);
    if (!st)
        st = hn_config_from_model(m, &cfg, &err);
    if (!st) {
        const hn_data_spec *trained = hn_config_data(cfg);
        hn_data_spec s;
        memset(&s, 0, sizeof s);
        s.task = hn_model_get_spec(m)->task;
        s.sources = &input;
        s.n_sources = 1;
        s.unlabelled = 1;
        s.n_targets = hn_model_get_spec(m)->n_outputs;
        s.variables = trained->variables;
        s.n_variables = trained->n_variables;
        s.jagged = trained->jagged;
        s.n_jagged = trained->n_jagged;
        s.images = trained->images;
        s.n_images = trained->n_images;
        s.spectators = names;
        s.n_spectators = n_copy;
        s.chunk_entries = trained->chunk_entries;
        st = hn_data_load(&s, &data, &err);
    }
    int64_t o = m ? hn_model_get_spec(m)->n_outputs : 0;
    if (!st && data.all.n_features != hn_model_get_spec(m)->n_inputs)
        st = hn_error_set(&err, HN_ERR_SHAPE, "the input gives %d features, the model takes %d", data.all.n_features,
                          hn_model_get_spec(m)->n_inputs);
    if (!st) {
        out = malloc(sizeof(float) * (size_t)(data.all.n * o + 1));
        st = out ? hn_model_predict(m, data.all.x, data.all.n, out, &err)
                 : hn_error_set(&err, HN_ERR_NOMEM, "out of memory");
    }
    if (!st)
        st = hn_apply_write(output, m, &data, out, &err);
    if (!st) {
        printf("wrote %lld rows to %s\n", (long long)data.all.n, output);
        rc = 0;
    } else {
        rc = hn_cli_fail("apply", &err);
    }
    free(out);
    free(copy_buf);
    hn_data_free(&data);
    hn_config_free(cfg);
    hn_model_free(m);
    return rc;
}
