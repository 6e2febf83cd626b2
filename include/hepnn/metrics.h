/* hepnn — evaluation metrics with HEP conventions.
 *
 * Pure functions over caller-owned arrays: ROC curve and AUC (event weights,
 * negative ones included, and exact handling of tied scores), TMVA-style
 * working points (background rejection at fixed signal efficiency, signal
 * efficiency at fixed background efficiency), the Kolmogorov–Smirnov
 * overtraining check, accuracy and confusion matrices, regression errors and
 * resolution, and the significance figures used to choose a cut.
 *
 * Conventions (docs/metrics.md explains each one):
 *  - a cut on a score selects the events with score >= threshold;
 *  - weights may be negative; where a figure needs a positive total weight
 *    (an efficiency, a mean) a non-positive total is an HN_ERR_ARG;
 *  - NaN or infinite scores, predictions, truths or weights give
 *    HN_ERR_NUMERIC and a message naming the array and the index;
 *  - an empty input, or a figure that needs two classes when only one is
 *    present, gives HN_ERR_ARG with a message saying so;
 *  - everything runs in O(n log n) (one sort) and allocates at most a few
 *    doubles per event; memory is freed before returning, except an hn_roc,
 *    which the caller frees with hn_roc_free.
 */
#ifndef HEPNN_METRICS_H
#define HEPNN_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- inputs ------------------------------------------------------------ */

/* A read-only array of real numbers, float or double, so that network outputs
 * (float) and analysis arrays (double) can be passed without a copy. The
 * length is given by the function that receives it. For weights, data == NULL
 * means "every weight is 1". */
typedef enum hn_real_type { HN_REAL_F64 = 0, HN_REAL_F32 = 1 } hn_real_type;

typedef struct hn_reals {
    const void *data;
    hn_real_type type;
} hn_reals;

static inline hn_reals hn_reals_f64(const double *p)
{
    hn_reals r = {p, HN_REAL_F64};
    return r;
}
static inline hn_reals hn_reals_f32(const float *p)
{
    hn_reals r = {p, HN_REAL_F32};
    return r;
}
/* Unit weights. */
static inline hn_reals hn_reals_none(void)
{
    hn_reals r = {NULL, HN_REAL_F64};
    return r;
}

/* Scores of a binary classifier. Event i is signal when label[i] ==
 * signal_label and background otherwise, so both 0/1 labels and multi-class
 * ids (one class against the rest) can be used directly. */
typedef struct hn_binary_input {
    size_t n;               /* number of events */
    hn_reals score;         /* n scores; larger means more signal-like */
    const int32_t *label;   /* n labels */
    int32_t signal_label;   /* the label value of signal events */
    hn_reals weight;        /* n event weights (may be negative), or data NULL */
} hn_binary_input;

/* 0/1 labels with 1 = signal. */
static inline hn_binary_input hn_binary_input_make(size_t n, hn_reals score, const int32_t *label,
                                                   hn_reals weight)
{
    hn_binary_input in = {n, score, label, 1, weight};
    return in;
}

/* ---- ROC curve and AUC ---------------------------------------------------- */

/* A ROC curve: one point per distinct score (tied scores form one step),
 * ordered from the tightest cut to the loosest. Point 0 is the empty
 * selection (threshold +INFINITY, efficiencies 0); point k >= 1 selects the
 * events with score >= threshold[k]; the last point selects every event
 * (efficiencies exactly 1). Background rejection in the ATLAS/CMS/TMVA-report
 * sense is 1 / eff_b. With negative weights the efficiencies need not be
 * monotonic and may leave [0, 1]. */
typedef struct hn_roc {
    size_t n_points;
    double *threshold;  /* n_points, decreasing */
    double *eff_s;      /* n_points: selected signal weight / total signal weight */
    double *eff_b;      /* n_points: selected background weight / total background weight */
    double sum_s;       /* total signal weight (> 0) */
    double sum_b;       /* total background weight (> 0) */
    size_t n_s, n_b;    /* numbers of signal and background events */
} hn_roc;

/* Computes the ROC curve of in. On success roc owns three arrays of
 * roc->n_points doubles, freed by hn_roc_free; on failure roc is zeroed.
 * Returns HN_ERR_ARG (NULL pointer, empty input, no signal or no background
 * events, non-positive total signal or background weight), HN_ERR_NUMERIC
 * (non-finite score or weight, with its index), HN_ERR_NOMEM. */
hn_status hn_roc_compute(const hn_binary_input *in, hn_roc *roc, hn_error *err);

/* Frees the arrays of roc and zeroes it; NULL and a zeroed roc are fine. */
void hn_roc_free(hn_roc *roc);

/* A copy of roc with at most max_points points (max_points >= 3), for plots
 * and reports: point 0 and the last point are kept, and a point is kept when
 * the path from the previously kept point has moved by at least a fixed step
 * in |d eff_s| + |d eff_b|, so steep and flat parts both keep their shape.
 * For a monotonic curve the step is 2 / (max_points - 2) and the thinned
 * curve's trapezoid AUC differs from the full one by at most that step. out owns new arrays (free
 * with hn_roc_free); a curve that already fits is copied. HN_ERR_ARG for NULL,
 * an empty roc or max_points < 3; HN_ERR_NOMEM. */
hn_status hn_roc_thin(const hn_roc *roc, size_t max_points, hn_roc *out, hn_error *err);

/* Area under the curve eff_s(eff_b) by the trapezoid rule (each group of
 * tied scores is one straight segment). This is the weighted probability
 * that a signal event scores above a background event, ties counting 1/2. */
double hn_roc_auc(const hn_roc *roc);

/* The same AUC without keeping the curve (one sort, O(n) extra memory).
 * Statuses as hn_roc_compute. */
hn_status hn_auc(const hn_binary_input *in, double *auc, hn_error *err);

/* Background efficiency at signal efficiency target_eff_s (in [0, 1]): the
 * tightest cut on the curve that reaches eff_s >= target, interpolated
 * linearly along the segment that crosses the target (as TMVA does).
 * HN_ERR_ARG for a target outside [0, 1] or an empty roc. */
hn_status hn_roc_eff_b_at_eff_s(const hn_roc *roc, double target_eff_s, double *eff_b,
                                hn_error *err);

/* Background rejection 1 / eff_b at signal efficiency target_eff_s; +INFINITY
 * when no background passes. Statuses as hn_roc_eff_b_at_eff_s. */
hn_status hn_roc_rejection_at_eff_s(const hn_roc *roc, double target_eff_s, double *rejection,
                                    hn_error *err);

/* Signal efficiency at background efficiency target_eff_b (in [0, 1]): the
 * loosest cut on the curve with eff_b <= target, interpolated linearly along
 * the segment that crosses the target. Statuses as hn_roc_eff_b_at_eff_s. */
hn_status hn_roc_eff_s_at_eff_b(const hn_roc *roc, double target_eff_b, double *eff_s,
                                hn_error *err);

/* The figures TMVA prints for a classifier. */
#define HN_ROC_N_WORKING_POINTS 3
extern const double hn_roc_eff_s_points[HN_ROC_N_WORKING_POINTS]; /* 0.30, 0.50, 0.70 */
extern const double hn_roc_eff_b_points[HN_ROC_N_WORKING_POINTS]; /* 0.01, 0.10, 0.30 */

typedef struct hn_roc_summary {
    double auc;
    double rejection_at_eff_s[HN_ROC_N_WORKING_POINTS]; /* 1/eff_B at hn_roc_eff_s_points */
    double eff_s_at_eff_b[HN_ROC_N_WORKING_POINTS];     /* eff_S at hn_roc_eff_b_points */
} hn_roc_summary;

/* Fills out from roc. HN_ERR_ARG for a NULL or empty roc. */
hn_status hn_roc_summarize(const hn_roc *roc, hn_roc_summary *out, hn_error *err);

/* One-vs-rest AUC of a multi-class classifier. scores is (n, n_classes)
 * row-major; label[i] in [0, n_classes). Writes auc[k] (caller-provided,
 * n_classes doubles) = AUC of class k against all others using column k;
 * macro (if not NULL) = their plain mean; weighted (if not NULL) = their mean
 * weighted by each class's total event weight (scikit-learn's
 * average='weighted'). Statuses as hn_auc, plus HN_ERR_ARG for a label out
 * of range or a class without events. */
hn_status hn_auc_ovr(size_t n, size_t n_classes, hn_reals scores, const int32_t *label,
                     hn_reals weight, double *auc, double *macro, double *weighted,
                     hn_error *err);

/* ---- Kolmogorov–Smirnov two-sample test -------------------------------- */

typedef enum hn_ks_method {
    HN_KS_AUTO = 0, /* exact when max(n1, n2) <= 10000, as scipy's 'auto'; else asymptotic */
    HN_KS_EXACT,    /* exact distribution of the two-sample statistic (O(n1 n2) time) */
    HN_KS_ASYMP     /* limiting Kolmogorov distribution at sqrt(n1 n2 / (n1 + n2)) D */
} hn_ks_method;

typedef struct hn_ks_result {
    double d;             /* sup |F1 - F2| of the (weighted) empirical CDFs */
    double p_value;       /* probability of a D at least this large if both samples share a parent */
    hn_ks_method method;  /* HN_KS_EXACT or HN_KS_ASYMP: what computed p_value */
    double n_eff1, n_eff2;/* sample sizes used for p_value ((sum w)^2 / sum w^2 when weighted) */
} hn_ks_result;

/* Largest n1 * n2 for which HN_KS_EXACT is accepted (about a second). */
#define HN_KS_EXACT_MAX_CELLS 1000000000.0

/* Unweighted two-sided two-sample KS test of x1 (n1 values) against x2 (n2).
 * HN_KS_EXACT agrees with scipy.stats.ks_2samp(method='exact'); HN_KS_ASYMP
 * uses the Kolmogorov limit (ROOT's TMath::KolmogorovProb), which is not what
 * scipy's method='asymp' computes (see docs/metrics.md). Returns HN_ERR_ARG
 * (NULL, empty sample, EXACT beyond HN_KS_EXACT_MAX_CELLS), HN_ERR_NUMERIC
 * (NaN or infinite value, with its index), HN_ERR_NOMEM. */
hn_status hn_ks_2samp(size_t n1, hn_reals x1, size_t n2, hn_reals x2, hn_ks_method method,
                      hn_ks_result *out, hn_error *err);

/* Weighted two-sided KS test: D from the weighted ECDFs, p-value from the
 * Kolmogorov limit with effective sample sizes (sum w)^2 / sum w^2. Weights
 * may be negative (the ECDFs then need not be monotonic) but each sample's
 * total weight must be positive (else HN_ERR_ARG). With unit weights it equals
 * hn_ks_2samp(..., HN_KS_ASYMP). Other statuses as hn_ks_2samp. */
hn_status hn_ks_2samp_weighted(size_t n1, hn_reals x1, hn_reals w1, size_t n2, hn_reals x2,
                               hn_reals w2, hn_ks_result *out, hn_error *err);

/* TMVA's overtraining check: the KS test between the training and test score
 * distributions, separately for signal and background events. Unweighted
 * inputs (both weight arrays NULL) use hn_ks_2samp with method; otherwise
 * hn_ks_2samp_weighted. Statuses as those two functions. */
hn_status hn_ks_overtraining(const hn_binary_input *train, const hn_binary_input *test,
                             hn_ks_method method, hn_ks_result *signal,
                             hn_ks_result *background, hn_error *err);

/* Survival function of the Kolmogorov distribution,
 * Q(z) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 z^2); 1 for z <= 0. */
double hn_kolmogorov_sf(double z);

/* ---- classification counts ----------------------------------------------- */

/* Weighted accuracy: sum of weights of events with pred[i] == label[i] over
 * the sum of all weights. HN_ERR_ARG for NULL, n == 0 or a non-positive total
 * weight; HN_ERR_NUMERIC for a non-finite weight. */
hn_status hn_accuracy(size_t n, const int32_t *pred, const int32_t *label, hn_reals weight,
                      double *accuracy, hn_error *err);

/* Weighted accuracy of a binary classifier cut at score >= threshold
 * (selected = predicted signal). Statuses as hn_accuracy, plus HN_ERR_NUMERIC
 * for a non-finite score. */
hn_status hn_binary_accuracy(const hn_binary_input *in, double threshold, double *accuracy,
                             hn_error *err);

/* Weighted confusion matrix: cm is (n_classes, n_classes) row-major,
 * caller-provided; cm[t * n_classes + p] = sum of weights of events with true
 * class t predicted as p (scikit-learn's layout). HN_ERR_ARG for NULL, n == 0,
 * n_classes == 0 or a class id outside [0, n_classes) (with its index);
 * HN_ERR_NUMERIC for a non-finite weight. */
hn_status hn_confusion_matrix(size_t n, size_t n_classes, const int32_t *pred,
                              const int32_t *label, hn_reals weight, double *cm, hn_error *err);

/* pred[i] = argmax_k scores[i * n_classes + k] (the first maximum). scores is
 * (n, n_classes) row-major. HN_ERR_ARG for NULL or zero sizes, HN_ERR_NUMERIC
 * for a NaN score. */
hn_status hn_predict_argmax(size_t n, size_t n_classes, hn_reals scores, int32_t *pred,
                            hn_error *err);

/* ---- regression ------------------------------------------------------------ */

/* Weighted mean squared error and mean absolute error of pred against truth
 * (n values each); either output may be NULL. HN_ERR_ARG for NULL inputs,
 * n == 0 or a non-positive total weight; HN_ERR_NUMERIC for non-finite
 * values. */
hn_status hn_regression_errors(size_t n, hn_reals pred, hn_reals truth, hn_reals weight,
                               double *mse, double *mae, hn_error *err);

/* Statistics of the relative residual r = (pred - truth) / truth. */
typedef struct hn_resolution {
    double bias;         /* weighted mean of r */
    double sigma;        /* weighted standard deviation of r (normalised by sum w) */
    double median;       /* weighted median of r */
    double sigma_robust; /* half the width of the 16%-84% weighted interquantile range */
} hn_resolution;

/* Fills out for pred against truth (n values). Quantiles use the weighted
 * midpoint rule (numpy's method='hazen' for unit weights) and need
 * non-negative weights. HN_ERR_NUMERIC for a zero truth (relative residual
 * undefined), non-finite values or a negative weighted variance; HN_ERR_ARG
 * for NULL inputs, n == 0, a non-positive total weight or a negative weight;
 * HN_ERR_NOMEM. */
hn_status hn_resolution_compute(size_t n, hn_reals pred, hn_reals truth, hn_reals weight,
                                hn_resolution *out, hn_error *err);

/* ---- significance ---------------------------------------------------------- */

/* s / sqrt(b); NaN unless b > 0. */
double hn_significance_s_sqrt_b(double s, double b);
/* s / sqrt(s + b); NaN unless s + b > 0. */
double hn_significance_s_sqrt_sb(double s, double b);
/* The Asimov discovery significance sqrt(2 ((s + b) ln(1 + s/b) - s)), with
 * the sign of s; accurate for s << b (where it tends to s / sqrt(b)). NaN
 * unless b > 0 and s + b > 0. */
double hn_significance_asimov(double s, double b);

typedef enum hn_significance_kind {
    HN_SIGNIFICANCE_S_SQRT_B = 0,
    HN_SIGNIFICANCE_S_SQRT_SB,
    HN_SIGNIFICANCE_ASIMOV
} hn_significance_kind;

/* Significance of the given kind (NaN outside its domain). */
double hn_significance(hn_significance_kind kind, double s, double b);

typedef struct hn_cut {
    double threshold; /* select score >= threshold */
    double s, b;      /* selected signal and background weight (expected yields) */
    double z;         /* significance of the cut */
} hn_cut;

/* The cut score >= threshold that maximises the significance of the chosen
 * kind, scanning every distinct score. Weights are taken as expected yields
 * (normalise them to the luminosity first). Only cuts with selected
 * background weight b >= min_b and b > 0 are candidates (min_b guards against
 * cuts in a tail with almost no simulated background); the tightest of equal
 * maxima wins. HN_ERR_ARG for NULL, empty input, an unknown kind, or no
 * candidate cut; HN_ERR_NUMERIC for non-finite scores or weights;
 * HN_ERR_NOMEM. */
hn_status hn_best_cut(const hn_binary_input *in, hn_significance_kind kind, double min_b,
                      hn_cut *out, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
