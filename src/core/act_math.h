/* Internal: the activation functions, their derivatives and the output heads,
 * written once for every path that computes them: the CPU backend's ops, the
 * fused MLP training step, the compiled inference, and the CUDA kernels (nvcc
 * compiles this header too; HN_HD makes the functions callable on both
 * sides). One text means the same float operations everywhere: the fused step
 * and the graph give the same bits, the compiled inference the model's values. */
#ifndef HN_CORE_ACT_MATH_H
#define HN_CORE_ACT_MATH_H

#include <math.h>

#include "hepnn/model.h"
#include "hepnn/nn.h"

#ifdef __CUDACC__
#define HN_HD __host__ __device__
#else
#define HN_HD
#endif

/* 1 / (1 + e^-x), never exponentiating a large positive number. */
static inline HN_HD float hn_sigmoidf(float x)
{
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

/* log(1 + e^x) without overflow. */
static inline HN_HD float hn_softplusf(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

/* y = act(x); alpha is ELU's, slope PReLU's for this feature. Softmax is not
 * elementwise and is not here. Called with a constant act, the switch folds. */
static inline HN_HD float hn_act_fwd(int act, float x, float alpha, float slope)
{
    switch (act) {
    case HN_ACT_STEP: return x >= 0.0f ? 1.0f : 0.0f;
    case HN_ACT_SIGMOID: return hn_sigmoidf(x);
    case HN_ACT_TANH: return tanhf(x);
    case HN_ACT_ATAN: return atanf(x);
    case HN_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case HN_ACT_PRELU: return x > 0.0f ? x : slope * x;
    case HN_ACT_ELU: return x > 0.0f ? x : alpha * expm1f(x);
    case HN_ACT_SOFTPLUS: return hn_softplusf(x);
    default: return x;
    }
}

/* dy/dx at x, given y = act(x) (whichever is cheaper is used). PReLU's slope
 * gradient is not here. */
static inline HN_HD float hn_act_der(int act, float x, float y, float alpha, float slope)
{
    switch (act) {
    case HN_ACT_STEP: return 0.0f;
    case HN_ACT_SIGMOID: return y * (1.0f - y);
    case HN_ACT_TANH: return 1.0f - y * y;
    case HN_ACT_ATAN: return 1.0f / (1.0f + x * x);
    case HN_ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
    case HN_ACT_PRELU: return x > 0.0f ? 1.0f : slope;
    case HN_ACT_ELU: return x > 0.0f ? 1.0f : y + alpha;
    case HN_ACT_SOFTPLUS: return hn_sigmoidf(x);
    default: return 1.0f;
    }
}

/* The task's output head on one event's logits z (o of them), as the model's
 * graph computes it: sigmoid (binary), softmax in double (multi-class), or the
 * target standardisation undone (regression: z / tscale + tshift). */
static inline HN_HD void hn_head_row(int task, int o, const float *z, float *out, const float *tshift,
                                     const float *tscale)
{
    if (task == HN_TASK_BINARY) {
        out[0] = hn_sigmoidf(z[0]);
    } else if (task == HN_TASK_MULTICLASS) {
        float mx = -INFINITY;
        for (int k = 0; k < o; k++)
            mx = fmaxf(mx, z[k]);
        double s = 0.0;
        for (int k = 0; k < o; k++)
            s += exp((double)(z[k] - mx));
        for (int k = 0; k < o; k++)
            out[k] = (float)(exp((double)(z[k] - mx)) / s);
    } else {
        for (int k = 0; k < o; k++)
            out[k] = z[k] / tscale[k] + tshift[k];
    }
}

#endif
