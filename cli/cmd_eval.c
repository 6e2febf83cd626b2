/* hepnn eval MODEL CONFIG [key=value ...] [--part test|val|train|all] [--json]
 * hepnn eval MODEL SIGNAL_SOURCE BACKGROUND_SOURCE [--json]                    */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "hepnn/config.h"
#include "run_output.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hepnn eval MODEL CONFIG [key=value ...] [--part test|val|train|all] [--json]\n"
            "       hepnn eval MODEL SIGNAL_SOURCE BACKGROUND_SOURCE [--json]\n\n"
            "The figures of a trained model on data: with a configuration, its data section and split\n"
            "(by default the test part, so 'hepnn eval' on the training configuration reproduces the\n"
            "test_auc of summary.json); with two sources, a binary classifier on signal and background\n"
            "events, its inputs computed as in training.\n\n"
            "examples:\n"
            "  hepnn eval run/model.hnn examples/demo.yaml\n"
            "  hepnn eval run/model.hnn examples/demo.yaml --part all --json\n"
            "  hepnn eval run/model.hnn sig.root:Events bkg.root:Events\n");
}

static int ends_with(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && !strcmp(s + n - m, x);
}

int hn_cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *inputs[2] = {0};
    int n_inputs = 0, json = 0, part = HN_PART_TEST, all = 0;
    const char **over = calloc((size_t)argc + 1, sizeof *over);
    int n_over = 0;
    if (!over)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (hn_cli_is_help(argv[i])) {
            usage(stdout);
            free(over);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
            const char *p = argv[++i];
            if (!strcmp(p, "test"))
                part = HN_PART_TEST;
            else if (!strcmp(p, "val"))
                part = HN_PART_VAL;
            else if (!strcmp(p, "train"))
                part = HN_PART_TRAIN;
            else if (!strcmp(p, "all"))
                all = 1;
            else {
                free(over);
                return hn_cli_usage_error("eval", "--part takes test, val, train or all", NULL);
            }
        } else if (argv[i][0] == '-') {
            free(over);
            return hn_cli_usage_error("eval", "unknown option", "see 'hepnn eval --help'");
        } else if (!model_path) {
            model_path = argv[i];
        } else if (strchr(argv[i], '=') && !strstr(argv[i], ".root")) {
            over[n_over++] = argv[i];
        } else if (n_inputs < 2) {
            inputs[n_inputs++] = argv[i];
        } else {
            free(over);
            return hn_cli_usage_error("eval", "too many inputs", "see 'hepnn eval --help'");
        }
    }
    if (!model_path || n_inputs == 0) {
        free(over);
        return hn_cli_usage_error("eval", "a model and inputs are needed", "usage: hepnn eval MODEL CONFIG | SIGNAL BACKGROUND");
    }
    hn_error err = {0};
    hn_model *m = NULL;
    hn_run_config *cfg = NULL;
    hn_data data;
    memset(&data, 0, sizeof data);
    hn_dataset d = {0};
    int rc = 1;
    int by_config = n_inputs == 1 && (ends_with(inputs[0], ".yaml") || ends_with(inputs[0], ".yml"));
    hn_status st = hn_model_load(&m, model_path, &err);
    if (!st && by_config) {
        st = hn_config_load(inputs[0], over, n_over, &cfg, &err);
        if (!st)
            st = hn_data_load(hn_config_data(cfg), &data, &err);
    } else if (!st) {
        if (n_inputs != 2 || hn_model_get_spec(m)->task != HN_TASK_BINARY) {
            hn_model_free(m);
            free(over);
            return hn_cli_usage_error("eval", "sources on the command line are SIGNAL BACKGROUND for a binary "
                                      "classifier", "otherwise give a configuration file");
        }
        st = hn_config_from_model(m, &cfg, &err);
        if (!st) {
            hn_data_spec s = *hn_config_data(cfg);
            hn_class_def cls[2] = {{"signal", &inputs[0], 1, NULL, NULL}, {"background", &inputs[1], 1, NULL, NULL}};
            s.classes = cls;
            s.n_classes = 2;
            s.sources = NULL;
            s.n_sources = 0;
            s.label = NULL;
            s.cut = NULL;
            s.weight = NULL;
            s.test_expr = s.val_expr = s.fold_expr = NULL;
            s.n_folds = 0;
            s.val_fraction = s.test_fraction = 0;
            st = hn_data_load(&s, &data, &err);
            all = 1;
        }
    }
    if (!st && all) { /* every event: a view of the whole set */
        d = data.all;
        d.owned = 0;
    } else if (!st) {
        st = hn_data_part(&data, part, &d, &err);
    }
    hn_eval_summary s;
    if (!st && d.n == 0)
        st = hn_error_set(&err, HN_ERR_ARG, "no events to evaluate in that part");
    if (!st)
        st = hn_evaluate(m, &d, &s, NULL, &err);
    if (!st) {
        if (json) {
            hn_text t = {0};
            hn_text_printf(&t, "{\n  \"task\": ");
            hn_text_json_str(&t, hn_task_name(s.task));
            hn_text_printf(&t, ",");
            hn_summary_json(&t, &s, "");
            hn_text_printf(&t, "\n}\n");
            fputs(t.p, stdout);
            hn_text_free(&t);
        } else {
            hn_summary_print(stdout, &s, all ? "all events" : part == HN_PART_TEST ? "test" : part == HN_PART_VAL ? "validation" : "train");
        }
        rc = 0;
    } else {
        rc = hn_cli_fail("eval", &err);
    }
    hn_dataset_free(&d);
    hn_data_free(&data);
    hn_config_free(cfg);
    hn_model_free(m);
    free(over);
    return rc;
}
