/* A sequential model compiled for inference (include/hepnn/infer.h): stages
 * instead of a graph, activations fused into the dense layers, batch
 * normalisation folded, weights packed for matrix-vector products. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/act_math.h"
#include "hepnn/device.h"
#include "hepnn/infer.h"
#include "nn/infer_internal.h"

/* Let the compiler fuse a*b + c into one instruction in the kernels below
 * (ISO C mode turns contraction off in gcc). */
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif

/* Panels of PW outputs: one event's dense layer keeps PW sums in vector
 * registers (8 vectors of 8 floats: 8 independent multiply-add chains, enough
 * to hide their latency) while it streams the panel's weights. */
#define PW 64
#define VW 8
typedef float v8 __attribute__((vector_size(VW * sizeof(float))));
/* Rows of events per block in the batched path. */
#define BLOCK_ROWS 512

enum { ST_DENSE, ST_ACT, ST_AFFINE };

typedef struct stage {
    int kind;
    int in, out;    /* widths */
    int dot;        /* DENSE with few outputs: rows (out, in_pad) and dot products */
    int in_pad;     /* in rounded up to VW (dot form) */
    float *packed;  /* DENSE: panels (ceil(out / PW), in, PW), or rows (out, in_pad) when dot */
    float *w;       /* DENSE: (in, out) for the batched path, folded like packed */
    float *b;       /* DENSE: (ceil(out / PW) · PW) */
    int act;        /* DENSE (fused) and ACT: hn_act_kind */
    float alpha;    /* ELU */
    float *slope;   /* PReLU: (out) (or one value repeated) */
    float *scale, *shift; /* AFFINE: y = x·scale + shift, (out) */
} stage;

struct hn_infer {
    int n_in, n_out;
    hn_task task;
    float *norm_shift, *norm_scale;  /* (n_in) */
    float *tshift, *tscale;          /* regression (n_out) */
    int n_stages;
    stage *st;
    int width;                       /* widest activation, padded to PW */
    float *buf[2];                   /* (width) each: one event */
    int *idx;                        /* (width): nonzero inputs of a layer */
    int n_ws;                        /* workspaces of the batched path, one per thread */
    float **bbuf;                    /* 2 per workspace, (BLOCK_ROWS, width) each */
    hn_cuda_infer *cuda;             /* set: the runs go to the GPU (hn_infer_set_device) */
    char msg[HN_ERROR_MSG_MAX];      /* why the last hn_infer_run failed (hn_infer_error) */
};

static void *zalloc(size_t n)
{
    size_t r = (n + 63) / 64 * 64;
    void *p = aligned_alloc(64, r ? r : 64);
    if (p)
        memset(p, 0, r ? r : 64);
    return p;
}

#ifndef HEPNN_HAVE_CUDA
/* Without the backend no object ever has a device copy; these exist for the linker. */
void hn_cuda_infer_free(hn_cuda_infer *c) { (void)c; }
hn_status hn_cuda_infer_run1(hn_cuda_infer *c, const float *x, float *out, hn_error *err)
{
    (void)c, (void)x, (void)out;
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend");
}
hn_status hn_cuda_infer_run_batch(hn_cuda_infer *c, const float *x, int64_t n, float *out, int on_device,
                                  hn_error *err)
{
    (void)c, (void)x, (void)n, (void)out, (void)on_device;
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend");
}
#endif

void hn_infer_free(hn_infer *inf)
{
    if (!inf)
        return;
    hn_cuda_infer_free(inf->cuda);
    for (int i = 0; i < inf->n_stages; i++) {
        stage *s = &inf->st[i];
        free(s->packed);
        free(s->w);
        free(s->b);
        free(s->slope);
        free(s->scale);
        free(s->shift);
    }
    free(inf->st);
    free(inf->norm_shift);
    free(inf->norm_scale);
    free(inf->tshift);
    free(inf->tscale);
    free(inf->buf[0]);
    free(inf->buf[1]);
    free(inf->idx);
    for (int i = 0; inf->bbuf && i < 2 * inf->n_ws; i++)
        free(inf->bbuf[i]);
    free(inf->bbuf);
    free(inf);
}

int hn_infer_n_inputs(const hn_infer *inf) { return inf ? inf->n_in : 0; }
int hn_infer_n_outputs(const hn_infer *inf) { return inf ? inf->n_out : 0; }

static int panels(int out) { return (out + PW - 1) / PW; }

static const float *param(hn_graph *g, const char *layer, const char *part, int64_t numel)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", layer, part);
    hn_tensor *t = hn_graph_find(g, name);
    return t && hn_tensor_numel(t) == numel ? hn_tensor_data(t) : NULL;
}

/* Lays out the folded (in, out) weights for the single-event kernels. */
static hn_status pack_dense(stage *s, hn_error *err)
{
    int in = s->in, out = s->out;
    s->dot = out < 16;
    if (s->dot) {
        s->in_pad = (in + VW - 1) / VW * VW;
        s->packed = zalloc(sizeof(float) * (size_t)out * (size_t)s->in_pad);
        if (!s->packed)
            return hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
        for (int j = 0; j < out; j++)
            for (int i = 0; i < in; i++)
                s->packed[(size_t)j * s->in_pad + i] = s->w[(size_t)i * out + j];
    } else {
        s->packed = zalloc(sizeof(float) * (size_t)panels(out) * PW * (size_t)in);
        if (!s->packed)
            return hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
        for (int p = 0; p < panels(out); p++)
            for (int i = 0; i < in; i++)
                for (int k = 0; k < PW && p * PW + k < out; k++)
                    s->packed[((size_t)p * in + i) * PW + k] = s->w[(size_t)i * out + p * PW + k];
    }
    return HN_OK;
}

static hn_status add_dense(hn_infer *inf, hn_graph *g, const char *layer, int in, int out, hn_error *err)
{
    const float *w = param(g, layer, "w", (int64_t)in * out), *b = param(g, layer, "b", out);
    if (!w || !b)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "compile_inference: dense layer '%s' (%d -> %d) not found",
                            layer, in, out);
    stage *s = &inf->st[inf->n_stages++];
    s->kind = ST_DENSE;
    s->in = in;
    s->out = out;
    s->act = HN_ACT_IDENTITY;
    s->w = malloc(sizeof(float) * (size_t)in * (size_t)out);
    s->b = zalloc(sizeof(float) * (size_t)panels(out) * PW);
    if (!s->w || !s->b)
        return hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
    memcpy(s->w, w, sizeof(float) * (size_t)in * (size_t)out);
    memcpy(s->b, b, sizeof(float) * (size_t)out);
    return HN_OK;
}

/* Batch normalisation in evaluation mode as y = x·a + c per feature, a and c
 * computed as the CPU kernel computes mean and 1/σ. */
static hn_status bn_affine(hn_graph *g, const char *layer, int c, float eps, float *a, float *sh, hn_error *err)
{
    const float *gamma = param(g, layer, "gamma", c), *beta = param(g, layer, "beta", c);
    const float *rm = param(g, layer, "running_mean", c), *rv = param(g, layer, "running_var", c);
    if (!gamma || !beta || !rm || !rv)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "compile_inference: batch norm '%s' not found", layer);
    for (int j = 0; j < c; j++) {
        double istd = (double)(float)(1.0 / sqrt((double)rv[j] + (double)eps));
        a[j] = (float)((double)gamma[j] * istd);
        sh[j] = (float)((double)beta[j] - (double)gamma[j] * istd * (double)rm[j]);
    }
    return HN_OK;
}

hn_status hn_model_compile_inference(hn_model *m, hn_infer **out, hn_error *err)
{
    if (!m || !out)
        return hn_error_set(err, HN_ERR_ARG, "compile_inference: model or out is NULL");
    *out = NULL;
    if (hn_model_device(m) != HN_DEVICE_CPU)
        return hn_error_set(err, HN_ERR_ARG, "compile_inference: the model is on %s; compile a CPU model (copy its "
                            "values with hn_model_copy_values), then hn_infer_set_device",
                            hn_device_name(hn_model_device(m)));
    const hn_model_spec *spec = hn_model_get_spec(m);
    hn_graph *g = hn_model_get_io(m).graph;
    hn_infer *inf = calloc(1, sizeof *inf);
    if (!inf)
        return hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
    inf->n_in = spec->n_inputs;
    inf->n_out = spec->n_outputs;
    inf->task = spec->task;
    inf->st = calloc((size_t)spec->n_layers + 1, sizeof *inf->st);
    inf->norm_shift = malloc(sizeof(float) * (size_t)inf->n_in);
    inf->norm_scale = malloc(sizeof(float) * (size_t)inf->n_in);
    hn_status st = HN_OK;
    if (!inf->st || !inf->norm_shift || !inf->norm_scale) {
        st = hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
        goto fail;
    }
    hn_model_get_normalisation(m, inf->norm_shift, inf->norm_scale);
    int width = inf->n_in, maxw = width;
    char layer[32];
    for (int i = 0; i <= spec->n_layers && !st; i++) {
        const hn_layer_spec *l = i < spec->n_layers ? &spec->layers[i] : NULL;
        stage *last = inf->n_stages ? &inf->st[inf->n_stages - 1] : NULL;
        /* a dense layer still open to fusion: its activation not yet set */
        int open = last && last->kind == ST_DENSE && last->act == HN_ACT_IDENTITY;
        snprintf(layer, sizeof layer, l ? "l%d" : "out", i + 1);
        if (!l || l->kind == HN_LAYER_DENSE) {
            int units = l ? (int)l->units : spec->n_outputs;
            st = add_dense(inf, g, layer, width, units, err);
            width = units;
        } else if (l->kind == HN_LAYER_ACTIVATION) {
            if (l->act == HN_ACT_IDENTITY)
                continue;
            stage *s = open ? last : &inf->st[inf->n_stages++];
            if (!open) {
                s->kind = ST_ACT;
                s->in = s->out = width;
            }
            s->act = l->act;
            s->alpha = l->alpha;
            if (l->act == HN_ACT_PRELU) {
                s->slope = malloc(sizeof(float) * (size_t)width);
                const float *a = param(g, layer, "slope", width);
                if (!s->slope || !a) {
                    st = hn_error_set(err, s->slope ? HN_ERR_UNSUPPORTED : HN_ERR_NOMEM,
                                      "compile_inference: PReLU slope of '%s' not found", layer);
                    break;
                }
                memcpy(s->slope, a, sizeof(float) * (size_t)width);
            }
        } else if (l->kind == HN_LAYER_BATCHNORM) {
            float *a = malloc(sizeof(float) * (size_t)width), *c = malloc(sizeof(float) * (size_t)width);
            if (!a || !c) {
                free(a);
                free(c);
                st = hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
                break;
            }
            st = bn_affine(g, layer, width, l->eps, a, c, err);
            if (!st && open) { /* fold: W'[i][j] = W[i][j]·a[j], b'[j] = b[j]·a[j] + c[j] */
                for (int r = 0; r < last->in; r++)
                    for (int j = 0; j < width; j++)
                        last->w[(size_t)r * width + j] *= a[j];
                for (int j = 0; j < width; j++)
                    last->b[j] = last->b[j] * a[j] + c[j];
                free(a);
                free(c);
            } else if (!st) {
                stage *s = &inf->st[inf->n_stages++];
                s->kind = ST_AFFINE;
                s->in = s->out = width;
                s->scale = a;
                s->shift = c;
            } else {
                free(a);
                free(c);
            }
        } /* dropout: the identity in evaluation */
        maxw = width > maxw ? width : maxw;
    }
    if (st)
        goto fail;
    for (int i = 0; i < inf->n_stages && !st; i++)
        if (inf->st[i].kind == ST_DENSE)
            st = pack_dense(&inf->st[i], err);
    if (st)
        goto fail;
    if (spec->task == HN_TASK_REGRESSION) {
        inf->tshift = malloc(sizeof(float) * (size_t)inf->n_out);
        inf->tscale = malloc(sizeof(float) * (size_t)inf->n_out);
        hn_tensor *ts = hn_graph_find(g, "target.shift"), *tc = hn_graph_find(g, "target.scale");
        if (!inf->tshift || !inf->tscale || !ts || !tc) {
            st = hn_error_set(err, HN_ERR_UNSUPPORTED, "compile_inference: target standardisation not found");
            goto fail;
        }
        memcpy(inf->tshift, hn_tensor_data(ts), sizeof(float) * (size_t)inf->n_out);
        memcpy(inf->tscale, hn_tensor_data(tc), sizeof(float) * (size_t)inf->n_out);
    }
    inf->width = panels(maxw) * PW;
    inf->buf[0] = zalloc(sizeof(float) * (size_t)inf->width);
    inf->buf[1] = zalloc(sizeof(float) * (size_t)inf->width);
    inf->idx = malloc(sizeof(int) * (size_t)inf->width);
    /* one workspace per OpenMP thread at compile time (at most 16, 1.3 MB
     * each for 300-wide layers); the batched path uses at most n_ws threads */
    inf->n_ws = omp_get_max_threads() < 16 ? omp_get_max_threads() : 16;
    inf->bbuf = calloc((size_t)(2 * inf->n_ws), sizeof(float *));
    for (int i = 0; inf->bbuf && i < 2 * inf->n_ws; i++)
        if (!(inf->bbuf[i] = zalloc(sizeof(float) * (size_t)inf->width * BLOCK_ROWS)))
            break;
    if (!inf->buf[0] || !inf->buf[1] || !inf->idx || !inf->bbuf || !inf->bbuf[2 * inf->n_ws - 1]) {
        st = hn_error_set(err, HN_ERR_NOMEM, "compile_inference: out of memory");
        goto fail;
    }
    *out = inf;
    return HN_OK;
fail:
    hn_infer_free(inf);
    return st;
}

/* --- kernels ------------------------------------------------------------------ */

/* The activations (core/act_math.h), one loop per kind so each vectorises. */
#define ACT_LOOP(K, SLOPE)                                                                                   \
    for (int j = 0; j < n; j++)                                                                              \
        y[j] = hn_act_fwd(K, y[j], a, SLOPE);                                                                \
    break;
static void activate(const stage *s, float *y, int n)
{
    float a = s->alpha;
    switch (s->act) {
    case HN_ACT_RELU: ACT_LOOP(HN_ACT_RELU, 0.0f)
    case HN_ACT_STEP: ACT_LOOP(HN_ACT_STEP, 0.0f)
    case HN_ACT_SIGMOID: ACT_LOOP(HN_ACT_SIGMOID, 0.0f)
    case HN_ACT_TANH: ACT_LOOP(HN_ACT_TANH, 0.0f)
    case HN_ACT_ATAN: ACT_LOOP(HN_ACT_ATAN, 0.0f)
    case HN_ACT_ELU: ACT_LOOP(HN_ACT_ELU, 0.0f)
    case HN_ACT_SOFTPLUS: ACT_LOOP(HN_ACT_SOFTPLUS, 0.0f)
    case HN_ACT_PRELU: ACT_LOOP(HN_ACT_PRELU, s->slope[j])
    default: break;
    }
}
#undef ACT_LOOP

/* y (out) = x (in) · W + b for one event, panel by panel; inputs that are
 * exactly zero are skipped (their products add nothing). */
static void dense_one(const stage *s, const float *x, float *y, int *idx)
{
    if (s->dot) {
        for (int j = 0; j < s->out; j++) {
            const float *w = s->packed + (size_t)j * s->in_pad;
            float acc[VW] = {0};
            int i = 0;
            for (; i + VW <= s->in; i += VW)
                for (int k = 0; k < VW; k++)
                    acc[k] += x[i + k] * w[i + k];
            float sum = 0.0f;
            for (; i < s->in; i++)
                sum += x[i] * w[i];
            for (int k = 0; k < VW; k++)
                sum += acc[k];
            y[j] = sum + s->b[j];
        }
        return;
    }
    int n = 0;
    for (int i = 0; i < s->in; i++)
        if (x[i] != 0.0f)
            idx[n++] = i;
    for (int p = 0; p < panels(s->out); p++) {
        const v8 *bp = (const v8 *)(s->b + p * PW);
        v8 a0 = bp[0], a1 = bp[1], a2 = bp[2], a3 = bp[3], a4 = bp[4], a5 = bp[5], a6 = bp[6], a7 = bp[7];
        const float *panel = s->packed + (size_t)p * s->in * PW;
        for (int t = 0; t < n; t++) {
            const v8 *w = (const v8 *)(panel + (size_t)idx[t] * PW);
            if (t + 6 < n) { /* the rows are not contiguous (zero inputs skipped): fetch ahead */
                const char *ahead = (const char *)(panel + (size_t)idx[t + 6] * PW);
                __builtin_prefetch(ahead);
                __builtin_prefetch(ahead + 64);
                __builtin_prefetch(ahead + 128);
                __builtin_prefetch(ahead + 192);
            }
            float xi = x[idx[t]];
            a0 += xi * w[0];
            a1 += xi * w[1];
            a2 += xi * w[2];
            a3 += xi * w[3];
            a4 += xi * w[4];
            a5 += xi * w[5];
            a6 += xi * w[6];
            a7 += xi * w[7];
        }
        v8 *yp = (v8 *)(y + p * PW);
        yp[0] = a0;
        yp[1] = a1;
        yp[2] = a2;
        yp[3] = a3;
        yp[4] = a4;
        yp[5] = a5;
        yp[6] = a6;
        yp[7] = a7;
    }
}

static void affine(const stage *s, float *y, int n)
{
    for (int j = 0; j < n; j++)
        y[j] = y[j] * s->scale[j] + s->shift[j];
}

/* The output head of the task on one event's logits, as the model's graph does
 * (kept out of line: inlined into hn_infer_run it made one event 3 % slower). */
__attribute__((noinline)) static void head(const hn_infer *inf, const float *z, float *out)
{
    hn_head_row(inf->task, inf->n_out, z, out, inf->tshift, inf->tscale);
}

/* Runs the stages on one event already standardised in cur; returns the buffer with the logits. */
static float *run_stages(hn_infer *inf, float *cur)
{
    float *other = cur == inf->buf[0] ? inf->buf[1] : inf->buf[0];
    for (int i = 0; i < inf->n_stages; i++) {
        const stage *s = &inf->st[i];
        if (s->kind == ST_DENSE) {
            dense_one(s, cur, other, inf->idx);
            float *t = cur;
            cur = other;
            other = t;
            activate(s, cur, s->out);
        } else if (s->kind == ST_ACT) {
            activate(s, cur, s->out);
        } else {
            affine(s, cur, s->out);
        }
    }
    return cur;
}

hn_status hn_infer_set_device(hn_infer *inf, hn_device dev, unsigned flags, hn_error *err)
{
    if (!inf)
        return hn_error_set(err, HN_ERR_ARG, "infer_set_device: inf is NULL");
    if (dev == HN_DEVICE_CPU) {
        hn_cuda_infer_free(inf->cuda);
        inf->cuda = NULL;
        return HN_OK;
    }
    if (dev != HN_DEVICE_CUDA)
        return hn_error_set(err, HN_ERR_ARG, "infer_set_device: unknown device %d", (int)dev);
    hn_status st = hn_device_check(dev, NULL, 0, err);
    if (st)
        return st;
#ifdef HEPNN_HAVE_CUDA
    hn_infer_stage_desc *sd = calloc((size_t)inf->n_stages + 1, sizeof *sd);
    if (!sd)
        return hn_error_set(err, HN_ERR_NOMEM, "infer_set_device: out of memory");
    for (int i = 0; i < inf->n_stages; i++) {
        const stage *s = &inf->st[i];
        sd[i] = (hn_infer_stage_desc){s->kind == ST_DENSE ? HN_IST_DENSE : s->kind == ST_ACT ? HN_IST_ACT : HN_IST_AFFINE,
                                      s->in, s->out, s->act, s->alpha, s->w, s->b, s->slope, s->scale, s->shift};
    }
    hn_infer_desc d = {inf->n_in,     inf->n_out,  (int)inf->task, inf->norm_shift, inf->norm_scale,
                       inf->tshift,   inf->tscale, inf->n_stages,  sd};
    hn_cuda_infer *c = NULL;
    st = hn_cuda_infer_new(&d, &c, err);
    free(sd);
    if (st)
        return st;
    hn_cuda_infer_set_tf32(c, (flags & HN_INFER_TF32) != 0);
    hn_cuda_infer_set_autotune(c, (flags & HN_INFER_AUTOTUNE) != 0);
    hn_cuda_infer_set_grid(c, (flags & HN_INFER_GRID) != 0);
    hn_cuda_infer_free(inf->cuda);
    inf->cuda = c;
    return HN_OK;
#else
    (void)flags;
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend");
#endif
}

hn_device hn_infer_device(const hn_infer *inf) { return inf && inf->cuda ? HN_DEVICE_CUDA : HN_DEVICE_CPU; }

hn_status hn_infer_run_batch_device(hn_infer *inf, const float *x, int64_t n, float *out, hn_error *err)
{
    if (!inf || n < 0 || (n > 0 && (!x || !out)))
        return hn_error_set(err, HN_ERR_ARG, "infer_run_batch_device: NULL argument or n = %lld", (long long)n);
    if (!inf->cuda)
        return hn_error_set(err, HN_ERR_STATE, "infer_run_batch_device: the object is on the CPU (hn_infer_set_device)");
    return hn_cuda_infer_run_batch(inf->cuda, x, n, out, 1, err);
}

hn_status hn_infer_run(hn_infer *inf, const float *x, float *out)
{
    if (!inf)
        return HN_ERR_ARG;
    if (!x || !out) {
        snprintf(inf->msg, sizeof inf->msg, "infer_run: %s is NULL", x ? "out" : "x");
        return HN_ERR_ARG;
    }
    if (inf->cuda) {
        hn_error e = {0};
        hn_status st = hn_cuda_infer_run1(inf->cuda, x, out, &e);
        if (st)
            snprintf(inf->msg, sizeof inf->msg, "%s", e.msg);
        return st;
    }
    float *cur = inf->buf[0];
    for (int i = 0; i < inf->n_in; i++)
        cur[i] = (x[i] - inf->norm_shift[i]) * inf->norm_scale[i];
    head(inf, run_stages(inf, cur), out);
    return HN_OK;
}

/* The batched path: a block of rows through cblas_sgemm per dense layer, the
 * bias and activation applied row by row while the block is in cache. */
static void run_block(const hn_infer *inf, float *ws0, float *ws1, const float *x, int64_t rows, float *out)
{
    float *cur = ws0, *other = ws1;
    int w = inf->n_in;
    for (int64_t r = 0; r < rows; r++)
        for (int i = 0; i < w; i++)
            cur[r * w + i] = (x[r * w + i] - inf->norm_shift[i]) * inf->norm_scale[i];
    for (int i = 0; i < inf->n_stages; i++) {
        const stage *s = &inf->st[i];
        if (s->kind == ST_DENSE) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, s->out, s->in, 1.0f, cur, s->in, s->w,
                        s->out, 0.0f, other, s->out);
            float *t = cur;
            cur = other;
            other = t;
            for (int64_t r = 0; r < rows; r++) {
                float *y = cur + r * s->out;
                if (s->act == HN_ACT_RELU) { /* the common case in one pass */
                    for (int j = 0; j < s->out; j++) {
                        float v = y[j] + s->b[j];
                        y[j] = v > 0.0f ? v : 0.0f;
                    }
                    continue;
                }
                for (int j = 0; j < s->out; j++)
                    y[j] += s->b[j];
                activate(s, y, s->out);
            }
        } else {
            for (int64_t r = 0; r < rows; r++) {
                if (s->kind == ST_ACT)
                    activate(s, cur + r * s->out, s->out);
                else
                    affine(s, cur + r * s->out, s->out);
            }
        }
    }
    for (int64_t r = 0; r < rows; r++)
        head(inf, cur + r * inf->n_out, out + r * inf->n_out);
}

const char *hn_infer_error(const hn_infer *inf) { return inf ? inf->msg : "infer: the object is NULL"; }

hn_status hn_infer_run_batch(hn_infer *inf, const float *x, int64_t n, float *out, hn_error *err)
{
    if (!inf || n < 0 || (n > 0 && (!x || !out)))
        return hn_error_set(err, HN_ERR_ARG, "infer_run_batch: NULL argument or n = %lld", (long long)n);
    if (inf->cuda)
        return hn_cuda_infer_run_batch(inf->cuda, x, n, out, 0, err);
    /* Blocks are independent: with several OpenMP threads each thread runs
     * whole blocks through every layer, OpenBLAS on one thread inside (one
     * pool, no synchronisation between layers); with one, the blocks run in
     * turn through OpenBLAS with its own threads. The blocks are fixed by n
     * alone, so the outputs do not depend on the thread count. */
    int64_t nb = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
    int threads = omp_get_max_threads();
    threads = threads < inf->n_ws ? threads : inf->n_ws;
    int par = threads > 1 && nb > 1 && !omp_in_parallel(), saved = 1;
    if (par && (saved = openblas_get_num_threads()) != 1)
        openblas_set_num_threads(1);
#pragma omp parallel for if (par) num_threads(par ? threads : 1) schedule(static)
    for (int64_t b = 0; b < nb; b++) {
        int64_t s = b * BLOCK_ROWS, rows = n - s < BLOCK_ROWS ? n - s : BLOCK_ROWS;
        int ws = par ? omp_get_thread_num() : 0;
        run_block(inf, inf->bbuf[2 * ws], inf->bbuf[2 * ws + 1], x + s * inf->n_in, rows, out + s * inf->n_out);
    }
    if (par && saved != 1)
        openblas_set_num_threads(saved);
    return HN_OK;
}
