/* `hepnn train`: configuration -> data -> model -> training -> figures ->
 * model file, summary.json, report. */
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
#include "hepnn/io.h"
#include "hepnn/report.h"
#include "run_output.h"
#include "train_run.h"

/* Model metadata: YAML with the figures and the whole configuration, so
 * that `hepnn apply` can compute the inputs again and `hepnn info` show the figures. */
static char *meta_text(const hn_run_config *cfg, const hn_train_outcome *o, const hn_ks_result *ks, int have_ks)
{
    hn_text t = {0};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    hn_text_printf(&t, "hepnn: \"%s\"\ncreated: \"%s\"\nmetrics:\n", HEPNN_VERSION, when);
    hn_text_printf(&t, "  best_epoch: %d\n  epochs_run: %d\n", o->best_epoch, o->epochs_run);
    if (o->test.task == HN_TASK_BINARY || o->test.task == HN_TASK_MULTICLASS) {
        double ta = o->test.task == HN_TASK_BINARY ? o->test.roc.auc : o->test.auc_macro;
        double tr = o->train.task == HN_TASK_BINARY ? o->train.roc.auc : o->train.auc_macro;
        hn_text_printf(&t, "  test_auc: %.6f\n  train_auc: %.6f\n  test_accuracy: %.6f\n", ta, tr, o->test.accuracy);
    } else {
        hn_text_printf(&t, "  test_mse: %.6g\n  test_mae: %.6g\n  test_resolution: %.6g\n", o->test.mse, o->test.mae,
                       o->test.resolution.sigma);
    }
    if (have_ks)
        hn_text_printf(&t, "  ks_pvalue_signal: %.6g\n  ks_pvalue_background: %.6g\n", ks[0].p_value, ks[1].p_value);
    hn_text_printf(&t, "config:\n");
    const char *c = hn_config_text(cfg);
    while (*c) {
        const char *nl = strchr(c, '\n');
        size_t n = nl ? (size_t)(nl - c) : strlen(c);
        hn_text_printf(&t, "  %.*s\n", (int)n, c);
        c += n + (nl ? 1 : 0);
    }
    return t.p;
}

static int write_summary(const char *path, const hn_run_config *cfg, const hn_train_outcome *o,
                         const hn_train_result *r, const hn_ks_result *ks, int have_ks, hn_error *err)
{
    hn_text t = {0};
    hn_text_printf(&t, "{\n  \"task\": ");
    hn_text_json_str(&t, hn_task_name(o->test.task));
    hn_text_printf(&t, ",");
    hn_summary_json(&t, &o->test, "test_");
    hn_text_printf(&t, ",");
    hn_summary_json(&t, &o->train, "train_");
    hn_text_printf(&t, ",\n  \"ks_pvalue\": ");
    if (have_ks) {
        hn_text_printf(&t, "{\"signal\": ");
        hn_text_json_num(&t, ks[0].p_value);
        hn_text_printf(&t, ", \"background\": ");
        hn_text_json_num(&t, ks[1].p_value);
        hn_text_printf(&t, "}");
    } else {
        hn_text_printf(&t, "null");
    }
    hn_text_printf(&t, ",\n  \"best_epoch\": %d,\n  \"epochs_run\": %d,\n  \"stopped_early\": %s,\n  \"interrupted\": %s",
                   r->best_epoch, r->epochs_run, r->stopped_early ? "true" : "false", r->interrupted ? "true" : "false");
    hn_text_printf(&t, ",\n  \"events_per_second\": ");
    hn_text_json_num(&t, r->events_per_second);
    hn_text_printf(&t, ",\n  \"seconds\": ");
    hn_text_json_num(&t, o->seconds);
    hn_text_printf(&t, ",\n  \"seed\": %llu", (unsigned long long)hn_config_seed(cfg));
    hn_text_printf(&t, ",\n  \"device\": \"%s\"", hn_device_name(hn_config_train(cfg).device));
    hn_text_printf(&t, ",\n  \"versions\": {\"hepnn\": \"%s\", \"model_format\": 2}\n}\n", HEPNN_VERSION);
    int rc = t.p ? hn_write_atomic(path, t.p, t.n, err) : hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    hn_text_free(&t);
    return rc;
}

/* The report: outputs of both samples, the history, the model and the run. */
static hn_status write_report(const char *path, hn_model *m, const hn_data *data, const hn_dataset *tr,
                              const hn_dataset *te, const hn_train_result *res, const hn_run_config *cfg,
                              const char *title, const hn_report_meta *note, hn_error *err)
{
    const hn_model_spec *ms = hn_model_get_spec(m);
    int o = ms->n_outputs;
    float *out_tr = malloc(sizeof(float) * (size_t)(tr->n * o + 1));
    float *out_te = malloc(sizeof(float) * (size_t)(te->n * o + 1));
    char *summary = NULL;
    size_t summary_len = 0;
    FILE *mem = open_memstream(&summary, &summary_len);
    hn_status st = (!out_tr || !out_te || !mem) ? hn_error_set(err, HN_ERR_NOMEM, "report: out of memory") : HN_OK;
    if (mem) {
        hn_model_summary(m, mem);
        fclose(mem);
    }
    if (!st)
        st = hn_model_evaluate(m, tr, NULL, out_tr, err);
    if (!st)
        st = hn_model_evaluate(m, te, NULL, out_te, err);
    hn_text inputs = {0};
    for (int i = 0; i < data->n_sources; i++)
        hn_text_printf(&inputs, "%s%s", i ? "\n" : "", data->source_names[i]);
    char versions[128];
    snprintf(versions, sizeof versions, "hepnn %s", HEPNN_VERSION);
    if (!st) {
        hn_report_input in;
        memset(&in, 0, sizeof in);
        in.title = title;
        in.task = ms->task;
        in.n_features = ms->n_inputs;
        in.n_outputs = o;
        in.feature_names = (const char *const *)data->feature_names;
        in.class_names = ms->task == HN_TASK_REGRESSION ? NULL : (const char *const *)data->class_names;
        in.history = res->history;
        in.n_epochs = res->epochs_run;
        in.best_epoch = res->best_epoch;
        in.stopped_early = res->stopped_early;
        in.train = hn_report_sample_of(tr, out_tr);
        in.test = hn_report_sample_of(te, out_te);
        in.predict = hn_report_predict_model;
        in.predict_user = m;
        in.ranking_seed = hn_config_seed(cfg);
        in.model_summary = summary;
        in.config_text = hn_config_text(cfg);
        in.inputs = inputs.p;
        in.versions = versions;
        in.seed = hn_config_seed(cfg);
        in.events_per_second = res->events_per_second;
        in.meta = note;
        in.n_meta = note ? 1 : 0;
        st = hn_report_write(path, &in, err);
    }
    hn_text_free(&inputs);
    free(summary);
    free(out_tr);
    free(out_te);
    return st;
}

int hn_train_run(const hn_train_options *opt, hn_train_outcome *outcome)
{
    hn_error err = {0};
    hn_run_config *cfg = NULL;
    hn_status st = opt->config ? hn_config_load(opt->config, opt->overrides, opt->n_overrides, &cfg, &err)
                               : hn_config_parse(opt->config_text, strlen(opt->config_text), "demo configuration",
                                                 opt->overrides, opt->n_overrides, &cfg, &err);
    if (st) {
        fprintf(stderr, "hepnn train: %s\n", err.msg);
        return 2;
    }
    hn_device dev = hn_config_train(cfg).device;
    char dev_info[256] = "";
    if (dev != HN_DEVICE_CPU && hn_device_check(dev, dev_info, sizeof dev_info, &err)) {
        fprintf(stderr, "hepnn train: device %s: %s; use device: cpu\n", hn_device_name(dev), err.msg);
        hn_config_free(cfg);
        return 2;
    }
    int rc = 1;
    hn_data data;
    memset(&data, 0, sizeof data);
    hn_dataset tr = {0}, va = {0}, te = {0};
    hn_model *model = NULL;
    hn_data_streamer *streamer = NULL;
    hn_data_stream stream;
    memset(&stream, 0, sizeof stream);
    hn_train_result res;
    memset(&res, 0, sizeof res);
    hn_train_outcome o;
    memset(&o, 0, sizeof o);
    FILE *json_log = NULL;
    char path[4096];
    double t0 = hn_now();
    hn_cli_catch_interrupt(); /* from here on Ctrl-C ends training after a batch, not the program */
    if (hn_config_threads(cfg) > 0)
        hn_threads_set(hn_config_threads(cfg), hn_config_threads(cfg), NULL);
    if ((st = hn_mkdirs(opt->outdir, &err)))
        goto done;
    if (!opt->quiet && opt->title)
        printf("%s\n", opt->title);
    if (!opt->quiet && dev != HN_DEVICE_CPU)
        printf("training on %s: %s\n", hn_device_name(dev), dev_info);
    int64_t window = hn_config_stream_entries(cfg);
    if (window > 0) {
        /* streaming: validation and test events in memory, training events window by window;
         * the first window gives the standardisation and the training-sample figures */
        hn_data_spec vt = *hn_config_data(cfg);
        vt.keep_parts = (1u << HN_PART_VAL) | (1u << HN_PART_TEST);
        if ((st = hn_data_streamer_new(hn_config_data(cfg), window, &streamer, &err)) ||
            (st = hn_data_load(&vt, &data, &err)))
            goto done;
        stream = hn_data_streamer_stream(streamer);
        hn_dataset first;
        if ((st = stream.rewind(stream.user, &err)) || (st = stream.next(stream.user, &first, &err)))
            goto done;
        int64_t *all = malloc(sizeof(int64_t) * (size_t)(first.n + 1));
        for (int64_t i = 0; all && i < first.n; i++)
            all[i] = i;
        st = all ? hn_dataset_subset(&first, all, first.n, &tr, &err)
                 : hn_error_set(&err, HN_ERR_NOMEM, "out of memory");
        free(all);
        if (st)
            goto done;
    } else {
        if ((st = hn_data_load(hn_config_data(cfg), &data, &err)))
            goto done;
        if ((st = hn_data_part(&data, HN_PART_TRAIN, &tr, &err)))
            goto done;
    }
    if ((st = hn_data_part(&data, HN_PART_VAL, &va, &err)) || (st = hn_data_part(&data, HN_PART_TEST, &te, &err)))
        goto done;
    if (tr.n == 0 || te.n == 0) {
        st = hn_error_set(&err, HN_ERR_ARG, "the split leaves %lld training and %lld test events; both must be > 0",
                          (long long)tr.n, (long long)te.n);
        goto done;
    }
    hn_model_spec ms = hn_config_model(cfg, data.all.n_features);
    if ((st = hn_model_new(&model, &ms, &err)))
        goto done;
    if ((st = hn_model_set_names(model, (const char *const *)data.feature_names, data.all.n_features,
                                 (const char *const *)data.class_names,
                                 ms.task == HN_TASK_REGRESSION ? 0 : data.n_classes, &err)))
        goto done;
    if (!opt->quiet) {
        if (window > 0)
            printf("training events streamed in windows of %lld entries per source (the first holds %lld); "
                   "%lld validation, %lld test events; %d inputs\n", (long long)window, (long long)tr.n,
                   (long long)va.n, (long long)te.n, data.all.n_features);
        else
            printf("%lld events: %lld training, %lld validation, %lld test; %d inputs\n", (long long)data.all.n,
                   (long long)tr.n, (long long)va.n, (long long)te.n, data.all.n_features);
        hn_model_summary(model, stdout);
        printf("\n");
    }
    hn_progress prog = {.quiet = opt->quiet, .tty = isatty(1), .task = ms.task};
    if (opt->json_log) {
        json_log = fopen(opt->json_log, "w");
        if (!json_log) {
            st = hn_error_set(&err, HN_ERR_IO, "%s: cannot open for writing", opt->json_log);
            goto done;
        }
        prog.json_log = json_log;
    }
    hn_train_config tc = hn_config_train(cfg);
    snprintf(path, sizeof path, "%s/checkpoint.ckpt", opt->outdir);
    if (hn_config_checkpoint(cfg))
        tc.checkpoint = path;
    tc.on_batch = hn_progress_batch;
    tc.on_epoch = hn_progress_epoch;
    tc.user = &prog;
    hn_progress_header(&prog);
    if (window > 0)
        st = hn_train_stream(model, &tc, &stream, &tr, va.n ? &va : NULL, &res, &err);
    else
        st = hn_train(model, &tc, &tr, va.n ? &va : NULL, &res, &err);
    if (st)
        goto done;
    if (res.interrupted && !opt->quiet)
        printf("\ninterrupted: keeping the best epoch so far (%d)\n", res.best_epoch);
    o.best_epoch = res.best_epoch;
    o.epochs_run = res.epochs_run;
    o.events_per_second = res.events_per_second;
    if ((st = hn_evaluate(model, &te, &o.test, NULL, &err)) || (st = hn_evaluate(model, &tr, &o.train, NULL, &err)))
        goto done;
    hn_ks_result ks[2];
    int have_ks = ms.task == HN_TASK_BINARY && !hn_overtraining(model, &tr, &te, &ks[0], &ks[1], NULL);
    o.seconds = hn_now() - t0;
    char *meta = meta_text(cfg, &o, ks, have_ks);
    st = meta ? hn_model_set_meta(model, meta, &err) : hn_error_set(&err, HN_ERR_NOMEM, "out of memory");
    free(meta);
    snprintf(path, sizeof path, "%s/model.hnn", opt->outdir);
    if (!st)
        st = hn_model_save(model, path, &err);
    snprintf(path, sizeof path, "%s/summary.json", opt->outdir);
    if (!st)
        st = write_summary(path, cfg, &o, &res, ks, have_ks, &err);
    /* the configuration as run (after overrides): `hepnn eval MODEL OUTDIR/config.yaml` re-evaluates */
    snprintf(path, sizeof path, "%s/config.yaml", opt->outdir);
    if (!st)
        st = hn_write_atomic(path, hn_config_text(cfg), strlen(hn_config_text(cfg)), &err);
    char title[512];
    snprintf(title, sizeof title, "hepnn training report: %s", opt->config ? opt->config : "demo");
    snprintf(path, sizeof path, "%s/report.html", opt->outdir);
    if (!st)
    {
        hn_report_meta note = {opt->report_note_key, opt->report_note};
        if (!st)
            st = write_report(path, model, &data, &tr, &te, &res, cfg, opt->report_title ? opt->report_title : title,
                              opt->report_note ? &note : NULL, &err);
    }
    if (st)
        goto done;
    if (!opt->quiet) {
        printf("\n");
        hn_summary_print(stdout, &o.test, "test");
        hn_summary_print(stdout, &o.train, "train");
        if (have_ks)
            printf("overtraining check (KS p-value, train vs test): signal %.3f, background %.3f\n", ks[0].p_value,
                   ks[1].p_value);
        printf("best epoch %d of %d; %.0f events/s; %.1f s in all\n", res.best_epoch, res.epochs_run,
               res.events_per_second, o.seconds);
        printf("wrote %s/model.hnn, summary.json, config.yaml and the report %s/report.html\n", opt->outdir,
               opt->outdir);
    }
    if (outcome)
        *outcome = o;
    rc = 0;
done:
    if (st) {
        fprintf(stderr, "hepnn train: %s\n", err.msg);
        rc = st == HN_ERR_ARG ? 2 : 1;
    }
    if (json_log)
        fclose(json_log);
    hn_train_result_free(&res);
    hn_data_streamer_free(streamer);
    hn_model_free(model);
    hn_dataset_free(&tr);
    hn_dataset_free(&va);
    hn_dataset_free(&te);
    hn_data_free(&data);
    hn_config_free(cfg);
    return rc;
}
