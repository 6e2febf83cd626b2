/* hepnn info MODEL: architecture, parameters, inputs and their standardisation, figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "hepnn/config.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: hepnn info MODEL\n\n"
                 "Prints a trained model's task, layers and parameter count, its inputs with their\n"
                 "standardisation, its classes, and the figures of its training run.\n\n"
                 "example:\n  hepnn info hepnn-demo/all/model.hnn\n");
}

int hn_cmd_info(int argc, char **argv)
{
    if (argc != 2 || hn_cli_is_help(argv[1])) {
        if (argc == 2) {
            usage(stdout);
            return 0;
        }
        return hn_cli_usage_error("info", "one model file is needed", "usage: hepnn info MODEL");
    }
    hn_error err = {0};
    hn_model *m = NULL;
    if (hn_model_load(&m, argv[1], &err))
        return hn_cli_fail("info", &err);
    const hn_model_spec *s = hn_model_get_spec(m);
    printf("model %s\n", argv[1]);
    hn_model_summary(m, stdout);
    float *shift = malloc(sizeof(float) * (size_t)s->n_inputs), *scale = malloc(sizeof(float) * (size_t)s->n_inputs);
    if (shift && scale) {
        hn_model_get_normalisation(m, shift, scale);
        printf("\ninputs (standardised as (x - shift) * scale):\n  %-4s %-32s %14s %14s\n", "#", "input", "shift",
               "scale");
        for (int i = 0; i < s->n_inputs; i++)
            printf("  %-4d %-32s %14.6g %14.6g\n", i, hn_model_feature_name(m, i) ? hn_model_feature_name(m, i) : "",
                   (double)shift[i], (double)scale[i]);
    }
    free(shift);
    free(scale);
    if (s->task != HN_TASK_REGRESSION) {
        int k = s->task == HN_TASK_MULTICLASS ? s->n_outputs : 2;
        printf("\nclasses:");
        for (int c = 0; c < k; c++)
            printf(" %d=%s", c, hn_model_class_name(m, c) ? hn_model_class_name(m, c) : "?");
        printf("%s\n", s->task == HN_TASK_BINARY ? " (the output is the probability of class 1)" : "");
    }
    static const char *keys[] = {"created",     "hepnn",         "metrics.test_auc",        "metrics.train_auc",
                                 "metrics.test_accuracy", "metrics.test_mse", "metrics.test_resolution",
                                 "metrics.ks_pvalue_signal", "metrics.ks_pvalue_background", "metrics.best_epoch",
                                 "metrics.epochs_run"};
    char buf[256];
    int shown = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (hn_model_meta_get(m, keys[i], buf, sizeof buf)) {
            if (!shown++)
                printf("\ntraining:\n");
            printf("  %-30s %s\n", strchr(keys[i], '.') ? strchr(keys[i], '.') + 1 : keys[i], buf);
        }
    hn_model_free(m);
    return 0;
}
