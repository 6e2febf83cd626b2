/* hepnn — a trained model's figures of merit on a dataset, in HEP terms:
 * binary: AUC and the TMVA working points; multi-class: accuracy and the
 * one-versus-rest AUCs; regression: MSE, MAE and resolution. And the
 * overtraining check: Kolmogorov–Smirnov between training and test outputs. */
#ifndef HEPNN_EVALUATE_H
#define HEPNN_EVALUATE_H

#include "hepnn/metrics.h"
#include "hepnn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HN_EVAL_MAX_CLASSES 64

typedef struct hn_eval_summary {
    hn_task task;
    int64_t n;
    double loss;            /* the training loss convention */
    hn_roc_summary roc;     /* binary */
    double accuracy;        /* classification (threshold 0.5 for binary) */
    int n_classes;
    double auc_ovr[HN_EVAL_MAX_CLASSES]; /* multi-class: one versus the rest */
    double auc_macro;
    double mse, mae;        /* regression (first target for the resolution) */
    hn_resolution resolution;
} hn_eval_summary;

/* Runs m on d and fills s; outputs (n × n_outputs) are kept in out when not NULL. */
hn_status hn_evaluate(hn_model *m, const hn_dataset *d, hn_eval_summary *s, float *out, hn_error *err);

/* KS p-values of the binary classifier's output, training versus test, for
 * signal and background (TMVA's overtraining check). */
hn_status hn_overtraining(hn_model *m, const hn_dataset *train, const hn_dataset *test, hn_ks_result *signal,
                          hn_ks_result *background, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
