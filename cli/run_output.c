#define _POSIX_C_SOURCE 200809L
#include "run_output.h"

#include <math.h>
#include <string.h>
#include <time.h>

double hn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *metric_name(hn_task t) { return t == HN_TASK_BINARY ? "val AUC" : t == HN_TASK_MULTICLASS ? "val acc" : ""; }

void hn_progress_header(const hn_progress *p)
{
    if (p->quiet)
        return;
    printf("%6s  %11s  %11s  %9s  %9s  %8s  %10s\n", "epoch", "train loss", "val loss", metric_name(p->task), "lr",
           "time", "events/s");
}

int hn_progress_batch(const hn_batch_progress *b, void *user)
{
    hn_progress *p = user;
    if (!p->quiet && p->tty && (b->batch % 8 == 0 || b->batch == b->n_batches)) {
        int width = 30, done = (int)(width * b->events_done / (b->n_events ? b->n_events : 1));
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < done ? '=' : (i == done ? '>' : ' ');
        bar[width] = '\0';
        double rate = b->seconds > 0 ? (double)b->events_done / b->seconds : 0;
        double eta = rate > 0 ? (double)(b->n_events - b->events_done) / rate : 0;
        printf("\r%6d  [%s] %lld/%lld  %.0f ev/s  ETA %.0fs  loss %.4f ", b->epoch, bar, (long long)b->batch,
               (long long)b->n_batches, rate, eta, b->running_loss);
        fflush(stdout);
    }
    return hn_cli_interrupted != 0;
}

int hn_progress_epoch(const hn_epoch_stats *e, void *user)
{
    hn_progress *p = user;
    if (!p->quiet) {
        if (p->tty)
            printf("\r\033[K");
        printf("%6d  %11.5f  %11.5f  %9.4f  %9.3g  %7.1fs  %10.0f%s\n", e->epoch, e->train_loss, e->val_loss,
               e->val_metric, e->lr, e->seconds, e->events_per_second, e->best ? "  *" : "");
        fflush(stdout);
    }
    if (p->json_log) {
        hn_text t = {0};
        hn_text_printf(&t, "{\"epoch\": %d, \"train_loss\": ", e->epoch);
        hn_text_json_num(&t, e->train_loss);
        hn_text_printf(&t, ", \"val_loss\": ");
        hn_text_json_num(&t, e->val_loss);
        hn_text_printf(&t, ", \"val_metric\": ");
        hn_text_json_num(&t, e->val_metric);
        hn_text_printf(&t, ", \"lr\": ");
        hn_text_json_num(&t, e->lr);
        hn_text_printf(&t, ", \"seconds\": ");
        hn_text_json_num(&t, e->seconds);
        hn_text_printf(&t, ", \"events_per_second\": ");
        hn_text_json_num(&t, e->events_per_second);
        hn_text_printf(&t, ", \"best\": %s}\n", e->best ? "true" : "false");
        fputs(t.p, p->json_log);
        fflush(p->json_log);
        hn_text_free(&t);
    }
    return hn_cli_interrupted != 0;
}

static void num(hn_text *t, const char *prefix, const char *key, double v)
{
    hn_text_printf(t, ",\n  \"%s%s\": ", prefix, key);
    hn_text_json_num(t, v);
}

void hn_summary_json(hn_text *t, const hn_eval_summary *s, const char *prefix)
{
    hn_text_printf(t, "\n  \"%sevents\": %lld", prefix, (long long)s->n);
    num(t, prefix, "loss", s->loss);
    if (s->task == HN_TASK_BINARY) {
        num(t, prefix, "auc", s->roc.auc);
        num(t, prefix, "accuracy", s->accuracy);
        hn_text_printf(t, ",\n  \"%seff_s_at_eff_b\": {", prefix);
        for (int i = 0; i < HN_ROC_N_WORKING_POINTS; i++) {
            hn_text_printf(t, "%s\"%g\": ", i ? ", " : "", hn_roc_eff_b_points[i]);
            hn_text_json_num(t, s->roc.eff_s_at_eff_b[i]);
        }
        hn_text_printf(t, "},\n  \"%srejection_at_eff_s\": {", prefix);
        for (int i = 0; i < HN_ROC_N_WORKING_POINTS; i++) {
            hn_text_printf(t, "%s\"%g\": ", i ? ", " : "", hn_roc_eff_s_points[i]);
            hn_text_json_num(t, s->roc.rejection_at_eff_s[i]);
        }
        hn_text_printf(t, "}");
    } else if (s->task == HN_TASK_MULTICLASS) {
        num(t, prefix, "auc", s->auc_macro); /* one versus the rest, macro average */
        num(t, prefix, "accuracy", s->accuracy);
        hn_text_printf(t, ",\n  \"%sauc_one_vs_rest\": [", prefix);
        for (int c = 0; c < s->n_classes && c < HN_EVAL_MAX_CLASSES; c++) {
            hn_text_printf(t, "%s", c ? ", " : "");
            hn_text_json_num(t, s->auc_ovr[c]);
        }
        hn_text_printf(t, "]");
    } else {
        num(t, prefix, "auc", NAN); /* no AUC for a regression: null */
        num(t, prefix, "mse", s->mse);
        num(t, prefix, "mae", s->mae);
        num(t, prefix, "resolution", s->resolution.sigma);
        num(t, prefix, "resolution_robust", s->resolution.sigma_robust);
        num(t, prefix, "bias", s->resolution.bias);
    }
}

void hn_summary_print(FILE *out, const hn_eval_summary *s, const char *title)
{
    fprintf(out, "%s (%lld events): loss %.5f", title, (long long)s->n, s->loss);
    if (s->task == HN_TASK_BINARY) {
        fprintf(out, ", AUC %.4f, accuracy %.4f\n", s->roc.auc, s->accuracy);
        fprintf(out, "  signal efficiency at background efficiency");
        for (int i = 0; i < HN_ROC_N_WORKING_POINTS; i++)
            fprintf(out, "  %g%%: %.3f", 100 * hn_roc_eff_b_points[i], s->roc.eff_s_at_eff_b[i]);
        fprintf(out, "\n  background rejection 1/eff_B at signal efficiency");
        for (int i = 0; i < HN_ROC_N_WORKING_POINTS; i++)
            fprintf(out, "  %g%%: %.1f", 100 * hn_roc_eff_s_points[i], s->roc.rejection_at_eff_s[i]);
        fprintf(out, "\n");
    } else if (s->task == HN_TASK_MULTICLASS) {
        fprintf(out, ", accuracy %.4f, AUC (one vs rest, mean) %.4f\n", s->accuracy, s->auc_macro);
    } else {
        fprintf(out, ", MSE %.5g, MAE %.5g, resolution %.4g (robust %.4g), bias %.4g\n", s->mse, s->mae,
                s->resolution.sigma, s->resolution.sigma_robust, s->resolution.bias);
    }
}
