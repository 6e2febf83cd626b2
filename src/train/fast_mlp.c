/* A fused training step for plain multilayer perceptrons.
 *
 * For a model whose hidden layers are only dense layers and parameter-free
 * activations (the common HEP classifier), the graph's generic step spends a
 * third of its time outside the matrix products: a separate pass and buffer
 * for every bias add and activation, forward and backward, and clearing every
 * intermediate gradient before accumulating into it. This step does the same
 * arithmetic in fewer passes: per layer, forward is one product and one pass
 * (bias and activation); backward is one pass (activation derivative and bias
 * gradient together) and two products that write their results instead of
 * adding them to cleared buffers. The loss is the graph's own loss kernel on
 * the graph's own logits tensor, so its value and gradient are the graph's.
 *
 * Every value is computed with the same float operations in the same order as
 * the graph path (products through the same split, sums over rows in row
 * order), so both paths give the same bits (tests/test_train_fast.c). Models
 * with dropout, batch normalisation or PReLU take the graph path. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/act_math.h"
#include "train/train_internal.h"

#define FAST_MAX_LAYERS 64

typedef struct {
    int in, out, act;
    float alpha;
    float *w, *b, *gw, *gb; /* the graph's parameters and their gradients */
    float *z, *h;           /* (B, out): before and after the activation (h = z for identity); a ReLU
                             * layer's z is used only by the diagnostics switch (hn_train_skip): its
                             * product goes to the shared zs and z + b is not kept (its backward
                             * reads h) */
    float *dh;              /* (B, out): gradient of h, then of z */
} fast_layer;

struct hn_fast_mlp {
    hn_model_io io;
    int n_layers; /* dense layers, the output layer included */
    fast_layer l[FAST_MAX_LAYERS];
    float *x0;        /* (B, n_inputs) standardised inputs */
    float *zs;        /* (B, widest): the product of a ReLU layer, before its bias (not kept: its
                       * backward reads h), one buffer for all of them, so it stays in cache */
    const float *shift, *scale;
    int64_t cap;      /* rows the buffers hold */
    float *mem;
};

static int supported_act(hn_act_kind a)
{
    return a == HN_ACT_IDENTITY || a == HN_ACT_RELU || a == HN_ACT_SIGMOID || a == HN_ACT_TANH ||
           a == HN_ACT_ATAN || a == HN_ACT_STEP || a == HN_ACT_ELU || a == HN_ACT_SOFTPLUS;
}

void hn_fast_mlp_free(hn_fast_mlp *f)
{
    if (!f)
        return;
    free(f->mem);
    free(f);
}

static float *param(hn_graph *g, const char *layer, const char *part, int64_t numel, int grad)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", layer, part);
    hn_tensor *t = hn_graph_find(g, name);
    if (!t || hn_tensor_numel(t) != numel)
        return NULL;
    return grad ? hn_tensor_grad(t) : hn_tensor_data(t);
}

hn_fast_mlp *hn_fast_mlp_new(hn_model *m, int64_t max_batch)
{
    const hn_model_spec *s = hn_model_get_spec(m);
    hn_model_io io = hn_model_get_io(m);
    if (!io.logits || !io.loss || max_batch < 1 || s->n_layers >= 2 * FAST_MAX_LAYERS)
        return NULL;
    /* host memory and the CPU kernels only: a graph on another backend keeps its own path */
    if (!io.graph || io.graph->be != hn_backend_cpu())
        return NULL;
    /* only dense layers and parameter-free activations, at most one after each dense layer */
    int dense = 0, open = 0;
    for (int i = 0; i < s->n_layers; i++) {
        const hn_layer_spec *l = &s->layers[i];
        if (l->kind == HN_LAYER_DENSE)
            dense++, open = 1;
        else if (l->kind == HN_LAYER_ACTIVATION && open && supported_act(l->act))
            open = 0;
        else
            return NULL;
    }
    if (dense + 1 > FAST_MAX_LAYERS)
        return NULL;
    hn_fast_mlp *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->io = io;
    hn_graph *g = io.graph;
    hn_tensor *sh = hn_graph_find(g, "norm.shift"), *sc = hn_graph_find(g, "norm.scale");
    if (!sh || !sc) {
        free(f);
        return NULL;
    }
    f->shift = hn_tensor_data(sh);
    f->scale = hn_tensor_data(sc);
    int width = s->n_inputs, k = 0;
    char name[32];
    for (int i = 0; i <= s->n_layers; i++) {
        const hn_layer_spec *l = i < s->n_layers ? &s->layers[i] : NULL;
        if (l && l->kind == HN_LAYER_ACTIVATION) {
            f->l[k - 1].act = l->act;
            f->l[k - 1].alpha = l->alpha;
            continue;
        }
        snprintf(name, sizeof name, l ? "l%d" : "out", i + 1);
        fast_layer *L = &f->l[k++];
        L->in = width;
        L->out = l ? (int)l->units : s->n_outputs;
        L->act = HN_ACT_IDENTITY;
        L->w = param(g, name, "w", (int64_t)L->in * L->out, 0);
        L->gw = param(g, name, "w", (int64_t)L->in * L->out, 1);
        L->b = param(g, name, "b", L->out, 0);
        L->gb = param(g, name, "b", L->out, 1);
        if (!L->w || !L->gw || !L->b || !L->gb) {
            free(f);
            return NULL;
        }
        width = L->out;
    }
    f->n_layers = k;
    /* the logits tensor must be the output layer's (B, out) sum */
    if (hn_tensor_ndim(io.logits) != 2 || hn_tensor_dim(io.logits, 1) != f->l[k - 1].out) {
        free(f);
        return NULL;
    }
    int64_t per_row = s->n_inputs, widest = 1;
    for (int i = 0; i < k; i++) {
        per_row += 3 * (int64_t)f->l[i].out;
        widest = f->l[i].out > widest ? f->l[i].out : widest;
    }
    per_row += widest;
    f->mem = malloc(sizeof(float) * (size_t)(per_row * max_batch));
    if (!f->mem) {
        free(f);
        return NULL;
    }
    f->cap = max_batch;
    float *p = f->mem;
    f->x0 = p;
    p += s->n_inputs * max_batch;
    f->zs = p;
    p += widest * max_batch;
    for (int i = 0; i < k; i++) {
        fast_layer *L = &f->l[i];
        L->z = p;
        L->h = L->act == HN_ACT_IDENTITY ? p : p + L->out * max_batch;
        L->dh = p + 2 * L->out * max_batch;
        p += 3 * L->out * max_batch;
    }
    return f;
}

/* z (B, out) += b; h = act(z), in one pass; z is L->z, or for a ReLU the
 * shared product buffer zbuf (then z + b is not stored). */
static void bias_act(const fast_layer *L, float *zbuf, int64_t B)
{
    int64_t n = B * L->out, m = L->out;
#pragma omp parallel for if (n > HN_PAR_MIN) schedule(static)
    for (int64_t r = 0; r < B; r++) {
        float *z = zbuf + r * m, *h = L->h + r * m;
        const float *b = L->b;
        if (L->act == HN_ACT_RELU) { /* z + b is not kept: the backward reads h */
            for (int64_t j = 0; j < m; j++) {
                float v = z[j] + b[j];
                h[j] = v > 0.0f ? v : 0.0f;
            }
        } else if (L->act == HN_ACT_IDENTITY) {
            for (int64_t j = 0; j < m; j++)
                z[j] += b[j];
        } else {
            for (int64_t j = 0; j < m; j++) {
                float v = z[j] + b[j];
                z[j] = v;
                h[j] = hn_act_fwd(L->act, v, L->alpha, 0.0f);
            }
        }
    }
}

/* dh (B, out) becomes dz = dh · act'(z); gb = Σ_rows dz. Each thread owns a
 * range of columns and sums its rows in order: the bias gradient is the same
 * bits on any number of threads. */
static void act_bias_bwd(const fast_layer *L, int64_t B)
{
    int64_t m = L->out, n = B * m;
#pragma omp parallel if (n > HN_PAR_MIN && m >= 64)
    {
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int64_t j0 = m * id / nt, j1 = m * (id + 1) / nt;
        float *gb = L->gb;
        for (int64_t j = j0; j < j1; j++)
            gb[j] = 0.0f;
        for (int64_t r = 0; r < B; r++) {
            float *d = L->dh + r * m;
            const float *z = L->z + r * m, *h = L->h + r * m;
            if (L->act == HN_ACT_RELU) { /* h > 0 exactly where z > 0; h is hot (the last product read it) */
                for (int64_t j = j0; j < j1; j++) {
                    d[j] = d[j] * (h[j] > 0.0f ? 1.0f : 0.0f);
                    gb[j] += d[j];
                }
            } else if (L->act == HN_ACT_IDENTITY) {
                for (int64_t j = j0; j < j1; j++)
                    gb[j] += d[j];
            } else {
                for (int64_t j = j0; j < j1; j++) {
                    d[j] = d[j] * hn_act_der(L->act, z[j], h[j], L->alpha, 0.0f);
                    gb[j] += d[j];
                }
            }
        }
    }
}

/* Runs the op nodes the loss needs besides the logits (the regression
 * targets' standardisation), sources first. */
static hn_status loss_inputs(hn_graph *g, hn_tensor *t, hn_tensor *logits, hn_error *err)
{
    if (t == logits || t->kind != HN_KIND_OP)
        return HN_OK;
    for (int k = 0; k < t->n_src; k++) {
        hn_status st = loss_inputs(g, t->src[k], logits, err);
        if (st)
            return st;
    }
    return g->be->forward[t->op](g, t, err);
}

hn_status hn_fast_mlp_step(hn_fast_mlp *f, int64_t B, hn_error *err)
{
    if (B > f->cap)
        return hn_error_set(err, HN_ERR_STATE, "train: fused step for %lld events, buffers hold %lld", (long long)B,
                            (long long)f->cap);
    hn_graph *g = f->io.graph;
    int nin = f->l[0].in;
    /* x' = (x − shift) · scale, as the graph's sub and mul round it */
    const float *x = hn_tensor_data(f->io.x);
    for (int64_t r = 0; r < B; r++)
        for (int i = 0; i < nin; i++)
            f->x0[r * nin + i] = (x[r * nin + i] - f->shift[i]) * f->scale[i];
    const float *in = f->x0;
    for (int i = 0; i < f->n_layers; i++) {
        fast_layer *L = &f->l[i];
        /* the output layer writes straight into the graph's logits */
        if (i == f->n_layers - 1)
            L->z = L->h = hn_tensor_data(f->io.logits);
        int skip = hn_train_skip & HN_SKIP_ELEMENTWISE;
        float *z = L->act == HN_ACT_RELU && !skip ? f->zs : L->z;
        hn_cpu_sgemm(0, 0, (int)B, L->out, L->in, 1.0f, in, L->in, L->w, L->out, 0.0f, z, L->out);
        if (skip) { /* diagnostics: the product feeds the next layer */
            in = L->z;
            continue;
        }
        bias_act(L, z, B);
        in = L->h;
    }
    /* the loss: the graph's kernel on the graph's tensors */
    hn_tensor *loss = f->io.loss, *logits = f->io.logits;
    for (int k = 1; k < loss->n_src; k++) {
        hn_status st = loss_inputs(g, loss->src[k], logits, err);
        if (st)
            return st;
    }
    hn_status st = g->be->forward[loss->op](g, loss, err);
    if (st)
        return st;
    fast_layer *top = &f->l[f->n_layers - 1];
    float *dlogits = hn_tensor_grad(logits);
    memset(dlogits, 0, sizeof(float) * (size_t)(B * top->out));
    loss->grad[0] = 1.0f;
    if ((st = g->be->backward[loss->op](g, loss, err)))
        return st;
    memcpy(top->dh, dlogits, sizeof(float) * (size_t)(B * top->out));
    for (int i = f->n_layers - 1; i >= 0; i--) {
        fast_layer *L = &f->l[i];
        int skip = hn_train_skip & HN_SKIP_ELEMENTWISE;
        if (!skip)
            act_bias_bwd(L, B);
        const float *hin = i == 0 ? f->x0 : skip ? f->l[i - 1].z : f->l[i - 1].h;
        /* dW (in, out) = hinᵀ · dz; dh_in (B, in) = dz · Wᵀ */
        hn_cpu_sgemm(1, 0, L->in, L->out, (int)B, 1.0f, hin, L->in, L->dh, L->out, 0.0f, L->gw, L->out);
        if (i > 0)
            hn_cpu_sgemm(0, 1, (int)B, L->in, L->out, 1.0f, L->dh, L->out, L->w, L->out, 0.0f, f->l[i - 1].dh,
                         L->in);
    }
    return HN_OK;
}
