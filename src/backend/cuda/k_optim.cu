// Fused optimiser updates on the device: every view of an optimiser in one
// launch (blockIdx.y = view), with the CPU's rules element by element
// (src/optim/update.c: arithmetic in double, state stored as float). The
// per-step scalars (step count, bias corrections, clipping factor) are computed
// on the device by a one-thread kernel from a device-side step counter, so a
// captured training step replays with the right values; only the learning
// rate comes from the host, uploaded when it changes.
#include <math.h>

#include "backend/cuda/k_common.cuh"

extern "C" {
#include "optim/optim_internal.h"
}

typedef struct {
    float *w;
    const float *g;
    int64_t off, n;
    double wd; // weight decay for this view (0 for decay = 0 views)
} dev_view;

typedef struct {
    double lr;
    int64_t step; // completed steps
    double scale, norm;
    int skip; // the clipping norm was not finite: this step changes nothing
    int first;
    double clr, step_size, bc2_sqrt;
} dev_scalars;

typedef struct hn_cuda_optim {
    cudaStream_t stream;
    dev_view *views; // device
    dev_scalars *sc; // device
    float *state;    // device, n_slots * total floats, slot-major like o->state
    double *partials;
    double lr_on_device;
    int64_t max_n;
} hn_cuda_optim;

// Per-kind configuration, passed by value to the kernels.
typedef struct {
    int kind, nesterov, centered, amsgrad, use_buf;
    double momentum, dampening, lr_decay, rho, alpha, beta1, beta2, eps, max_grad_norm;
    int n_slots;
    int64_t total;
} opt_cfg;

static opt_cfg cfg_of(const hn_optim *o)
{
    const hn_optim_config *c = &o->cfg;
    opt_cfg k;
    k.kind = c->kind;
    k.nesterov = c->nesterov;
    k.centered = c->centered;
    k.amsgrad = c->amsgrad;
    k.use_buf = c->kind == HN_OPTIM_SGD ? c->momentum != 0 : c->momentum > 0;
    k.momentum = c->momentum;
    k.dampening = c->dampening;
    k.lr_decay = c->lr_decay;
    k.rho = c->rho;
    k.alpha = c->alpha;
    k.beta1 = c->beta1;
    k.beta2 = c->beta2;
    k.eps = c->eps;
    k.max_grad_norm = c->max_grad_norm;
    k.n_slots = o->n_slots;
    k.total = o->total;
    return k;
}

// --- gradient clipping: Σ g² over every view, two stages --------------------------

__global__ static void k_clip_stage1(const dev_view *views, int n_views, double *part)
{
    __shared__ double sh[HN_CUDA_THREADS];
    double s = 0.0;
    for (int v = 0; v < n_views; v++) {
        const float *g = views[v].g;
        int64_t n = views[v].n;
        HN_GRID_STRIDE(i, n) s += (double)g[i] * g[i];
    }
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0)
        part[blockIdx.x] = s;
}

__global__ static void k_clip_stage2(const double *part, int nparts, double max_norm, dev_scalars *sc)
{
    __shared__ double sh[HN_CUDA_THREADS];
    double s = 0.0;
    for (int i = threadIdx.x; i < nparts; i += blockDim.x)
        s += part[i];
    s = hn_block_sum(s, sh);
    if (threadIdx.x == 0) {
        double norm = sqrt(s);
        double c = max_norm / (norm + 1e-6); // hn_clip_coef
        sc->norm = norm;
        sc->skip = !isfinite(norm);
        sc->scale = c < 1.0 ? c : 1.0;
    }
}

// One thread: the scalars of the next step, as hn_optim_step computes them.
__global__ static void k_advance(dev_scalars *sc, opt_cfg k, int clipping)
{
    if (!clipping) {
        sc->skip = 0;
        sc->scale = 1.0;
    }
    if (sc->skip)
        return;
    sc->step++;
    double t = (double)sc->step, lr = sc->lr;
    sc->first = sc->step == 1;
    sc->clr = lr / (1.0 + (t - 1.0) * k.lr_decay);
    sc->step_size = lr / (1.0 - pow(k.beta1, t));
    sc->bc2_sqrt = sqrt(1.0 - pow(k.beta2, t));
}

__device__ static inline double grad_in(double scale, double wd, float g, float w)
{
    return (double)g * scale + wd * (double)w;
}

__global__ static void k_update(const dev_view *views, const dev_scalars *scp, float *state, opt_cfg k)
{
    const dev_view v = views[blockIdx.y];
    const dev_scalars sc = *scp;
    if (sc.skip)
        return;
    float *s0 = state + v.off, *s1 = state + k.total + v.off, *s2 = state + 2 * k.total + v.off;
    float *w = v.w;
    const float *g = v.g;
    const double lr = sc.lr;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < v.n; i += (int64_t)gridDim.x * blockDim.x) {
        switch (k.kind) {
        case HN_OPTIM_GD:
        case HN_OPTIM_SGD: {
            double d = grad_in(sc.scale, v.wd, g[i], w[i]);
            if (k.kind == HN_OPTIM_SGD && k.use_buf) {
                float *buf = s0;
                buf[i] = sc.first ? (float)d : (float)(k.momentum * buf[i] + (1.0 - k.dampening) * d);
                d = k.nesterov ? d + k.momentum * buf[i] : (double)buf[i];
            }
            w[i] = (float)(w[i] - lr * d);
            break;
        }
        case HN_OPTIM_ADAGRAD: {
            double d = grad_in(sc.scale, v.wd, g[i], w[i]);
            s0[i] = (float)(s0[i] + d * d);
            w[i] = (float)(w[i] - sc.clr * d / (sqrt((double)s0[i]) + k.eps));
            break;
        }
        case HN_OPTIM_ADADELTA: {
            double d = grad_in(sc.scale, v.wd, g[i], w[i]);
            float *sq = s0, *acc = s1;
            sq[i] = (float)(k.rho * sq[i] + (1.0 - k.rho) * d * d);
            float delta = (float)(sqrt((double)acc[i] + k.eps) / sqrt((double)sq[i] + k.eps) * d);
            acc[i] = (float)(k.rho * acc[i] + (1.0 - k.rho) * (double)delta * delta);
            w[i] = (float)(w[i] - lr * delta);
            break;
        }
        case HN_OPTIM_RMSPROP: {
            float *sq = s0, *buf = k.use_buf ? s1 : NULL;
            float *gavg = k.centered ? (k.use_buf ? s2 : s1) : NULL;
            double a = k.alpha;
            double d = grad_in(sc.scale, v.wd, g[i], w[i]);
            sq[i] = (float)(a * sq[i] + (1.0 - a) * d * d);
            double var = sq[i];
            if (gavg) {
                gavg[i] = (float)(a * gavg[i] + (1.0 - a) * d);
                var = fmax(0.0, var - (double)gavg[i] * gavg[i]);
            }
            double avg = sqrt(var) + k.eps;
            if (buf) {
                buf[i] = (float)(k.momentum * buf[i] + d / avg);
                w[i] = (float)(w[i] - lr * buf[i]);
            } else {
                w[i] = (float)(w[i] - lr * d / avg);
            }
            break;
        }
        case HN_OPTIM_ADAM:
        case HN_OPTIM_ADAMW: {
            int decoupled = k.kind == HN_OPTIM_ADAMW;
            double shrink = decoupled ? 1.0 - lr * v.wd : 1.0;
            float *m = s0, *vv = s1, *vmax = k.amsgrad ? s2 : NULL;
            double d = grad_in(sc.scale, decoupled ? 0.0 : v.wd, g[i], w[i]);
            m[i] = (float)(k.beta1 * m[i] + (1.0 - k.beta1) * d);
            vv[i] = (float)(k.beta2 * vv[i] + (1.0 - k.beta2) * d * d);
            float vu = vv[i];
            if (vmax) {
                vu = vmax[i] < vu ? vu : vmax[i];
                vmax[i] = vu;
            }
            double denom = sqrt((double)vu) / sc.bc2_sqrt + k.eps;
            double wi = decoupled ? (double)(float)(w[i] * shrink) : (double)w[i];
            w[i] = (float)(wi - sc.step_size * m[i] / denom);
            break;
        }
        default: break;
        }
    }
}

// --- host side ------------------------------------------------------------------

static hn_status upload_lr(hn_optim *o, hn_cuda_optim *d, hn_error *err)
{
    if (d->lr_on_device == o->cfg.lr)
        return HN_OK;
    double lr = o->cfg.lr;
    hn_status st = hn_cuda_check(cudaMemcpyAsync(&d->sc->lr, &lr, sizeof lr, cudaMemcpyHostToDevice, d->stream),
                                 "optimiser: uploading the learning rate", err);
    if (!st)
        d->lr_on_device = lr;
    return st;
}

static int capturing(cudaStream_t s)
{
    cudaStreamCaptureStatus cs = cudaStreamCaptureStatusNone;
    return cudaStreamIsCapturing(s, &cs) == cudaSuccess && cs != cudaStreamCaptureStatusNone;
}

// The queued step: clipping, scalars, update. Used eagerly and under capture.
static hn_status launch_step(hn_optim *o, hn_cuda_optim *d, hn_error *err)
{
    opt_cfg k = cfg_of(o);
    int clipping = o->cfg.max_grad_norm > 0;
    if (clipping) {
        k_clip_stage1<<<HN_CUDA_RED_BLOCKS, HN_CUDA_THREADS, 0, d->stream>>>(d->views, o->n_views, d->partials);
        k_clip_stage2<<<1, HN_CUDA_THREADS, 0, d->stream>>>(d->partials, HN_CUDA_RED_BLOCKS, o->cfg.max_grad_norm,
                                                            d->sc);
    }
    k_advance<<<1, 1, 0, d->stream>>>(d->sc, k, clipping);
    dim3 grid(hn_blocks(d->max_n), (unsigned)o->n_views);
    k_update<<<grid, HN_CUDA_THREADS, 0, d->stream>>>(d->views, d->sc, d->state, k);
    return hn_cuda_launched("optimiser step", err);
}

// Reads the clipping outcome of the last step (waits for the stream).
static hn_status read_clip(hn_optim *o, hn_cuda_optim *d, hn_error *err)
{
    dev_scalars sc;
    hn_status st = hn_cuda_check(cudaMemcpyAsync(&sc, d->sc, sizeof sc, cudaMemcpyDeviceToHost, d->stream),
                                 "optimiser: reading the gradient norm", err);
    if (!st)
        st = hn_cuda_check(cudaStreamSynchronize(d->stream), "optimiser step", err);
    if (st)
        return st;
    if (sc.skip)
        return hn_error_set(err, HN_ERR_NUMERIC,
                            "hn_optim_step: the global gradient norm is %g at step %lld; no update made", sc.norm,
                            (long long)(o->step + 1));
    o->last_norm = sc.norm;
    return HN_OK;
}

extern "C" hn_status hn_optim__dev_step(hn_optim *o, hn_error *err)
{
    hn_cuda_optim *d = (hn_cuda_optim *)o->dev;
    if (capturing(d->stream)) // the step runner keeps the host count and the learning rate
        return launch_step(o, d, err);
    hn_status st = upload_lr(o, d, err);
    if (!st)
        st = launch_step(o, d, err);
    if (!st && o->cfg.max_grad_norm > 0)
        st = read_clip(o, d, err);
    if (!st)
        o->step++;
    return st;
}

// Before a captured step is replayed: the learning rate as last set.
extern "C" hn_status hn_cuda_optim_before_replay(hn_optim *o, hn_error *err)
{
    return upload_lr(o, (hn_cuda_optim *)o->dev, err);
}

// After a replay: the host's step count (and, with clipping, the norm: a wait).
extern "C" hn_status hn_cuda_optim_after_replay(hn_optim *o, hn_error *err)
{
    hn_cuda_optim *d = (hn_cuda_optim *)o->dev;
    hn_status st = o->cfg.max_grad_norm > 0 ? read_clip(o, d, err) : HN_OK;
    if (!st)
        o->step++;
    return st;
}

extern "C" hn_status hn_optim__dev_pull(const hn_optim *o, hn_error *err)
{
    hn_cuda_optim *d = (hn_cuda_optim *)o->dev;
    size_t nf = (size_t)o->n_slots * (size_t)o->total;
    hn_status st = HN_OK;
    if (nf)
        st = hn_cuda_check(cudaMemcpyAsync(o->state, d->state, sizeof(float) * nf, cudaMemcpyDeviceToHost, d->stream),
                           "optimiser: downloading the state", err);
    if (!st)
        st = hn_cuda_check(cudaStreamSynchronize(d->stream), "optimiser: downloading the state", err);
    return st;
}

extern "C" hn_status hn_optim__dev_push(hn_optim *o, hn_error *err)
{
    hn_cuda_optim *d = (hn_cuda_optim *)o->dev;
    size_t nf = (size_t)o->n_slots * (size_t)o->total;
    hn_status st = HN_OK;
    if (nf)
        st = hn_cuda_check(cudaMemcpyAsync(d->state, o->state, sizeof(float) * nf, cudaMemcpyHostToDevice, d->stream),
                           "optimiser: uploading the state", err);
    dev_scalars sc;
    memset(&sc, 0, sizeof sc);
    sc.lr = o->cfg.lr;
    sc.step = o->step;
    sc.scale = 1.0;
    if (!st)
        st = hn_cuda_check(cudaMemcpyAsync(d->sc, &sc, sizeof sc, cudaMemcpyHostToDevice, d->stream),
                           "optimiser: uploading the step count", err);
    if (!st) // sc is on this stack frame: wait until it has been read
        st = hn_cuda_check(cudaStreamSynchronize(d->stream), "optimiser: uploading the state", err);
    if (!st)
        d->lr_on_device = o->cfg.lr;
    return st;
}

extern "C" void hn_optim__dev_free(hn_optim *o)
{
    hn_cuda_optim *d = (hn_cuda_optim *)o->dev;
    if (!d)
        return;
    (void)cudaStreamSynchronize(d->stream);
    (void)cudaFree(d->views);
    (void)cudaFree(d->sc);
    (void)cudaFree(d->state);
    (void)cudaFree(d->partials);
    free(d);
    o->dev = NULL;
}

// Moves an optimiser made by hn_optim_new onto the device: its views hold
// device addresses; its work is queued on stream.
extern "C" hn_status hn_cuda_optim_attach(hn_optim *o, cudaStream_t stream, hn_error *err)
{
    hn_cuda_optim *d = (hn_cuda_optim *)calloc(1, sizeof *d);
    if (!d)
        return hn_error_set(err, HN_ERR_NOMEM, "optimiser: cannot allocate the device state");
    d->stream = stream;
    o->dev = d;
    size_t nf = (size_t)o->n_slots * (size_t)o->total;
    dev_view *hv = (dev_view *)malloc(sizeof(dev_view) * (size_t)o->n_views);
    if (!hv) {
        hn_optim__dev_free(o);
        return hn_error_set(err, HN_ERR_NOMEM, "optimiser: cannot allocate the view table");
    }
    for (int i = 0; i < o->n_views; i++) {
        hv[i].w = o->views[i].value;
        hv[i].g = o->views[i].grad;
        hv[i].off = o->offset[i];
        hv[i].n = o->views[i].n;
        hv[i].wd = o->views[i].decay ? o->cfg.weight_decay : 0.0;
        if (hv[i].n > d->max_n)
            d->max_n = hv[i].n;
    }
    hn_status st = hn_cuda_check(cudaMalloc((void **)&d->views, sizeof(dev_view) * (size_t)o->n_views),
                                 "optimiser view table", err);
    if (!st)
        st = hn_cuda_check(cudaMalloc((void **)&d->sc, sizeof(dev_scalars)), "optimiser scalars", err);
    if (!st)
        st = hn_cuda_check(cudaMalloc((void **)&d->partials, sizeof(double) * HN_CUDA_RED_BLOCKS),
                           "optimiser reduction workspace", err);
    if (!st && nf) {
        st = hn_cuda_check(cudaMalloc((void **)&d->state, sizeof(float) * nf), "optimiser state", err);
        if (st) {
            char msg[HN_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            st = hn_error_set(err, st, "%s (%zu bytes for %d state arrays of %lld values)", msg, sizeof(float) * nf,
                              o->n_slots, (long long)o->total);
        }
    }
    if (!st)
        st = hn_cuda_check(cudaMemcpy(d->views, hv, sizeof(dev_view) * (size_t)o->n_views, cudaMemcpyHostToDevice),
                           "optimiser view table", err);
    free(hv);
    if (!st) // the starting state (Adagrad's initial accumulator), step 0, lr
        st = hn_optim__dev_push(o, err);
    if (st)
        hn_optim__dev_free(o);
    return st;
}
