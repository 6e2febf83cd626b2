/* The per-kind update rules, element by element. Each element's update is
 * independent of the others, so splitting a view across OpenMP threads cannot
 * change the result. Arithmetic is in double; values and state are stored as
 * float, and later arithmetic reads the stored floats, as PyTorch's float32
 * state does.
 *
 * State that decays (momentum buffers, running averages of gradients and
 * squares) is flushed to zero once it falls below the smallest normal float
 * (~1.2e-38): a unit whose gradient is exactly zero (a ReLU that never
 * fires) makes it decay geometrically into subnormal numbers, whose
 * arithmetic is many times slower on x86; in long runs Adam grew from 5 % to
 * 20 % of an MLP's step that way. What is flushed is below anything that can
 * move a weight (Adam divides by sqrt(v) + eps with eps ~1e-8). */
#include "optim_internal.h"

#include <float.h>
#include <math.h>

/* x, or 0 when it is subnormal (see above). */
static inline float flush(float x) { return fabsf(x) < FLT_MIN ? 0.0f : x; }

/* The gradient the rule sees: clipped, plus coupled L2 decay. */
static inline double grad_in(const hn_optim_scalars *sc, float g, float w)
{
    return (double)g * sc->scale + sc->wd * (double)w;
}

// w, g, buf (n): PyTorch SGD; buf starts as the first gradient, not as zero
static void update_sgd(const hn_optim_config *c, const hn_optim_scalars *sc, float *w, const float *g,
                       int64_t n, float *buf)
{
    const double mom = c->momentum, damp = 1.0 - c->dampening, lr = sc->lr;
    const int nesterov = c->nesterov, first = sc->first;
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double d = grad_in(sc, g[i], w[i]);
        if (buf) {
            buf[i] = first ? (float)d : flush((float)(mom * buf[i] + damp * d));
            d = nesterov ? d + mom * buf[i] : (double)buf[i];
        }
        w[i] = (float)(w[i] - lr * d);
    }
}

// w, g, sum (n): Adagrad
static void update_adagrad(const hn_optim_config *c, const hn_optim_scalars *sc, float *w,
                           const float *g, int64_t n, float *sum)
{
    const double clr = sc->clr, eps = c->eps;
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double d = grad_in(sc, g[i], w[i]);
        sum[i] = (float)(sum[i] + d * d);
        w[i] = (float)(w[i] - clr * d / (sqrt((double)sum[i]) + eps));
    }
}

// w, g, sq, acc (n): Adadelta (lr scales the step; PyTorch's default lr is 1)
static void update_adadelta(const hn_optim_config *c, const hn_optim_scalars *sc, float *w,
                            const float *g, int64_t n, float *sq, float *acc)
{
    const double rho = c->rho, eps = c->eps, lr = sc->lr;
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double d = grad_in(sc, g[i], w[i]);
        sq[i] = flush((float)(rho * sq[i] + (1.0 - rho) * d * d));
        float delta = (float)(sqrt((double)acc[i] + eps) / sqrt((double)sq[i] + eps) * d);
        acc[i] = flush((float)(rho * acc[i] + (1.0 - rho) * (double)delta * delta));
        w[i] = (float)(w[i] - lr * delta);
    }
}

// One RMSprop element. `centered` and `use_buf` are constants at each call
// site below, so each variant's loop is compiled without branches and can be
// vectorised (a flag read inside the OpenMP region would not be constant).
static inline void rmsprop_elem(const hn_optim_scalars *sc, double a, double eps, double mom, float *w,
                                const float *g, float *sq, float *buf, float *gavg, int64_t i, const int centered,
                                const int use_buf)
{
    double d = grad_in(sc, g[i], w[i]);
    sq[i] = flush((float)(a * sq[i] + (1.0 - a) * d * d));
    double var = sq[i];
    if (centered) {
        gavg[i] = flush((float)(a * gavg[i] + (1.0 - a) * d));
        /* mathematically >= 0; rounding can make it a hair negative */
        var = fmax(0.0, var - (double)gavg[i] * gavg[i]);
    }
    double avg = sqrt(var) + eps;
    if (use_buf) {
        buf[i] = flush((float)(mom * buf[i] + d / avg));
        w[i] = (float)(w[i] - sc->lr * buf[i]);
    } else {
        w[i] = (float)(w[i] - sc->lr * d / avg);
    }
}

// w, g, sq, [buf], [gavg] (n): RMSprop
static void update_rmsprop(const hn_optim_config *c, const hn_optim_scalars *sc, float *w, const float *g,
                           int64_t n, float *sq, float *buf, float *gavg)
{
    const double a = c->alpha, eps = c->eps, mom = c->momentum;
    if (gavg && buf) {
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++)
            rmsprop_elem(sc, a, eps, mom, w, g, sq, buf, gavg, i, 1, 1);
    } else if (gavg) {
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++)
            rmsprop_elem(sc, a, eps, mom, w, g, sq, NULL, gavg, i, 1, 0);
    } else if (buf) {
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++)
            rmsprop_elem(sc, a, eps, mom, w, g, sq, buf, NULL, i, 0, 1);
    } else {
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++)
            rmsprop_elem(sc, a, eps, mom, w, g, sq, NULL, NULL, i, 0, 0);
    }
}

// w, g, m, v, [vmax] (n): Adam and AdamW (decoupled decay multiplies w first)
static void update_adam(const hn_optim_config *c, const hn_optim_scalars *sc, float *w, const float *g,
                        int64_t n, float *m, float *v, float *vmax)
{
    const double b1 = c->beta1, b2 = c->beta2, eps = c->eps;
    const double step_size = sc->step_size, bc2_sqrt = sc->bc2_sqrt;
    const int decoupled = c->kind == HN_OPTIM_ADAMW;
    const double shrink = decoupled ? 1.0 - sc->lr * sc->wd : 1.0;
    hn_optim_scalars s = *sc;
    if (decoupled)
        s.wd = 0;
    if (!vmax && !decoupled && s.wd == 0 && s.scale == 1) {
        /* Plain Adam in float, as PyTorch's float32 tensors compute it: the
         * double square root and division made this loop ~10 % of an MLP's
         * training step. */
        const float fb1 = (float)b1, fc1 = (float)(1.0 - b1), fb2 = (float)b2, fc2 = (float)(1.0 - b2);
        const float fbc = (float)bc2_sqrt, feps = (float)eps, fstep = (float)step_size;
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float d = g[i];
            m[i] = flush(fb1 * m[i] + fc1 * d);
            v[i] = flush(fb2 * v[i] + fc2 * d * d);
            w[i] -= fstep * m[i] / (sqrtf(v[i]) / fbc + feps);
        }
        return;
    }
#pragma omp parallel for if (n >= HN_OPTIM_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double d = grad_in(&s, g[i], w[i]);
        m[i] = flush((float)(b1 * m[i] + (1.0 - b1) * d));
        v[i] = flush((float)(b2 * v[i] + (1.0 - b2) * d * d));
        float vu = v[i];
        if (vmax) {
            vu = vmax[i] < vu ? vu : vmax[i];
            vmax[i] = vu;
        }
        double denom = sqrt((double)vu) / bc2_sqrt + eps;
        double wi = decoupled ? (double)(float)(w[i] * shrink) : (double)w[i];
        w[i] = (float)(wi - step_size * m[i] / denom);
    }
}

void hn_optim__update(const hn_optim_config *c, const hn_optim_scalars *sc, float *w, const float *g,
                      int64_t n, float *const s[HN_OPTIM_MAX_SLOTS])
{
    switch (c->kind) {
    case HN_OPTIM_GD: update_sgd(c, sc, w, g, n, NULL); break;
    case HN_OPTIM_SGD: update_sgd(c, sc, w, g, n, c->momentum != 0 ? s[0] : NULL); break;
    case HN_OPTIM_ADAGRAD: update_adagrad(c, sc, w, g, n, s[0]); break;
    case HN_OPTIM_ADADELTA: update_adadelta(c, sc, w, g, n, s[0], s[1]); break;
    case HN_OPTIM_RMSPROP: {
        int k = 1;
        float *buf = c->momentum > 0 ? s[k++] : NULL;
        float *gavg = c->centered ? s[k++] : NULL;
        update_rmsprop(c, sc, w, g, n, s[0], buf, gavg);
        break;
    }
    case HN_OPTIM_ADAM:
    case HN_OPTIM_ADAMW: update_adam(c, sc, w, g, n, s[0], s[1], c->amsgrad ? s[2] : NULL); break;
    default: break;
    }
}

void hn_optim__sums(const float *x, int64_t n, double *sq_sum, double *abs_sum)
{
    const int64_t group = (int64_t)HN_OPTIM_RED_BLOCK * HN_OPTIM_RED_GROUP;
    double sq = 0, ab = 0;
    for (int64_t g0 = 0; g0 < n; g0 += group) {
        int64_t gn = n - g0 < group ? n - g0 : group;
        int nb = (int)((gn + HN_OPTIM_RED_BLOCK - 1) / HN_OPTIM_RED_BLOCK);
        double psq[HN_OPTIM_RED_GROUP], pab[HN_OPTIM_RED_GROUP];
#pragma omp parallel for if (gn >= HN_OPTIM_PAR_MIN) schedule(static)
        for (int b = 0; b < nb; b++) {
            int64_t lo = g0 + (int64_t)b * HN_OPTIM_RED_BLOCK;
            int64_t hi = lo + HN_OPTIM_RED_BLOCK < g0 + gn ? lo + HN_OPTIM_RED_BLOCK : g0 + gn;
            /* eight running sums, combined in a fixed order: still independent of
             * the thread count, but not one long chain of dependent adds */
            double a2[8] = {0}, a1[8] = {0};
            int64_t i = lo;
            for (; i + 8 <= hi; i += 8)
                for (int k = 0; k < 8; k++) {
                    a2[k] += (double)x[i + k] * x[i + k];
                    a1[k] += fabs((double)x[i + k]);
                }
            double s2 = 0, s1 = 0;
            for (int k = 0; k < 8; k++) {
                s2 += a2[k];
                s1 += a1[k];
            }
            for (; i < hi; i++) {
                s2 += (double)x[i] * x[i];
                s1 += fabs((double)x[i]);
            }
            psq[b] = s2;
            pab[b] = s1;
        }
        for (int b = 0; b < nb; b++) {
            sq += psq[b];
            ab += pab[b];
        }
    }
    if (sq_sum)
        *sq_sum = sq;
    if (abs_sum)
        *abs_sum = ab;
}
