/* The sequential model: building its graph from a spec, prediction, names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"
#include "hepnn/layers_deep.h"
#include "hepnn/model.h"
#include "nn/model_internal.h"

struct hn_model {
    hn_model_spec spec;
    hn_layer_spec *layers;
    hn_graph *g;
    hn_model_io io;
    hn_tensor *shift, *scale;
    hn_tensor *tshift, *tscale; /* regression: targets standardised as t' = (t − shift)·scale */
    char **features, **classes;
    int n_features, n_classes;
    char *meta;
    hn_tensor *train_loss;     /* the loss plus the L1/L2 penalty when the model was built with one */
    hn_tensor **outs;          /* each hidden layer's output, for the summary */
    int64_t mask_at, mask_len; /* input columns a SEQUENCE layer reads as its mask (len 0: none) */
};

static const char *const layer_names[HN_LAYER_COUNT] = {
    "dense",   "activation",     "dropout", "batchnorm", "reshape",  "conv1d",  "conv2d",   "conv2d_transpose",
    "maxpool", "avgpool", "global_avgpool", "flatten",   "rnn",      "residual", "highway", "sequence"};

const char *hn_layer_kind_name(hn_layer_kind kind)
{
    return (kind >= 0 && kind < HN_LAYER_COUNT) ? layer_names[kind] : "unknown";
}

int hn_layer_kind_parse(const char *name)
{
    for (int k = 0; name && k < HN_LAYER_COUNT; k++)
        if (!strcmp(name, layer_names[k]))
            return k;
    return -1;
}

static const char *const task_names[HN_TASK_COUNT] = {"binary", "multiclass", "regression"};

const char *hn_task_name(hn_task task) { return (task >= 0 && task < HN_TASK_COUNT) ? task_names[task] : "unknown"; }

int hn_task_parse(const char *name)
{
    for (int k = 0; name && k < HN_TASK_COUNT; k++)
        if (!strcmp(name, task_names[k]))
            return k;
    return -1;
}

#define BAD(...) hn_error_set(err, HN_ERR_ARG, __VA_ARGS__)

/* Checks one layer's fields and that it takes events of *nd dimensions (after
 * the batch one); updates *nd. Exact shapes are checked when the graph is built. */
static hn_status check_layer(const hn_model_spec *s, const hn_layer_spec *l, int i, int *nd, hn_error *err)
{
    const char *k = hn_layer_kind_name(l->kind);
    int n = i + 1, in = *nd;
    switch (l->kind) {
    case HN_LAYER_DENSE:
        if (l->units < 1)
            return BAD("model: layer %d (dense) has %lld units", n, (long long)l->units);
        if (l->init < 0 || l->init >= HN_INIT_COUNT)
            return BAD("model: layer %d (dense) has an unknown initialiser", n);
        return HN_OK;
    case HN_LAYER_ACTIVATION:
        if (l->act < 0 || l->act >= HN_ACT_COUNT)
            return BAD("model: layer %d has an unknown activation", n);
        if (l->act == HN_ACT_SOFTMAX)
            return BAD("model: layer %d: softmax is the multi-class output, not a hidden activation", n);
        return HN_OK;
    case HN_LAYER_DROPOUT:
        if (!(l->rate >= 0.0f && l->rate < 1.0f))
            return BAD("model: layer %d (dropout) rate %g not in [0, 1)", n, (double)l->rate);
        return HN_OK;
    case HN_LAYER_BATCHNORM:
        if (!(l->momentum >= 0.0f && l->momentum <= 1.0f) || !(l->eps > 0.0f))
            return BAD("model: layer %d (batchnorm) momentum %g / eps %g out of range", n, (double)l->momentum,
                       (double)l->eps);
        return HN_OK;
    case HN_LAYER_RESHAPE: {
        if (l->shape_ndim < 1 || l->shape_ndim > 3)
            return BAD("model: layer %d (reshape) has %d dimensions; give 1 to 3 (after the batch)", n, l->shape_ndim);
        for (int d = 0; d < l->shape_ndim; d++)
            if (l->shape[d] < 1 || l->shape[d] > ((int64_t)1 << 31))
                return BAD("model: layer %d (reshape): dimension %d is %lld", n, d + 1, (long long)l->shape[d]);
        *nd = l->shape_ndim;
        return HN_OK;
    }
    case HN_LAYER_CONV1D:
    case HN_LAYER_CONV2D:
    case HN_LAYER_CONV2D_TRANSPOSE: {
        int want = l->kind == HN_LAYER_CONV1D ? 2 : 3;
        if (in != want)
            return BAD("model: layer %d (%s) takes (B, C, %s) events, it gets %d-D ones (add a reshape before it)", n,
                       k, want == 2 ? "L" : "H, W", in + 1);
        int kd = l->kind == HN_LAYER_CONV1D ? 1 : 2;
        if (l->units < 1 || l->units > (1 << 20))
            return BAD("model: layer %d (%s) has %lld filters", n, k, (long long)l->units);
        for (int d = 0; d < kd; d++)
            if (l->kernel[d] < 1 || l->kernel[d] > 4096)
                return BAD("model: layer %d (%s): kernel size %lld", n, k, (long long)l->kernel[d]);
        if (l->kind == HN_LAYER_CONV2D_TRANSPOSE && l->kernel[1] != l->kernel[0])
            return BAD("model: layer %d (%s): the kernel must be square", n, k);
        if (l->stride < 1 || l->stride > 4096 || l->dilation < 1 || l->dilation > 4096)
            return BAD("model: layer %d (%s): stride %lld and dilation %lld must be >= 1", n, k, (long long)l->stride,
                       (long long)l->dilation);
        if (l->pad < HN_PAD_SAME || l->pad > 4096 || (l->kind == HN_LAYER_CONV2D_TRANSPOSE && l->pad < 0))
            return BAD("model: layer %d (%s): padding %lld", n, k, (long long)l->pad);
        if (l->kind == HN_LAYER_CONV2D_TRANSPOSE && (l->dilation != 1 || l->out_pad < 0 || l->out_pad >= l->stride))
            return BAD("model: layer %d (%s): dilation must be 1 and output padding (%lld) below the stride", n, k,
                       (long long)l->out_pad);
        if (l->init < 0 || l->init >= HN_INIT_COUNT)
            return BAD("model: layer %d (%s) has an unknown initialiser", n, k);
        return HN_OK;
    }
    case HN_LAYER_MAXPOOL:
    case HN_LAYER_AVGPOOL:
        if (in != 2 && in != 3)
            return BAD("model: layer %d (%s) takes (B, C, L) or (B, C, H, W) events, it gets %d-D ones", n, k, in + 1);
        for (int d = 0; d < (in == 3 ? 2 : 1); d++)
            if (l->kernel[d] < 1 || l->kernel[d] > 4096)
                return BAD("model: layer %d (%s): pool size %lld", n, k, (long long)l->kernel[d]);
        if (l->stride < 0 || l->stride > 4096 || l->pad < 0 || 2 * l->pad > l->kernel[0] ||
            (in == 3 && 2 * l->pad > l->kernel[1]))
            return BAD("model: layer %d (%s): stride %lld, padding %lld (at most half the pool size)", n, k,
                       (long long)l->stride, (long long)l->pad);
        return HN_OK;
    case HN_LAYER_GLOBAL_AVGPOOL:
        if (in < 2)
            return BAD("model: layer %d (%s) takes (B, C, ...) events, it gets (B, N)", n, k);
        *nd = 1;
        return HN_OK;
    case HN_LAYER_FLATTEN: *nd = 1; return HN_OK;
    case HN_LAYER_RNN:
        if (in != 2)
            return BAD("model: layer %d (rnn) takes sequences (B, T, F), it gets %d-D events (add a sequence or "
                       "reshape layer before it)", n, in + 1);
        if (l->units < 1 || l->units > (1 << 20))
            return BAD("model: layer %d (rnn) has hidden size %lld", n, (long long)l->units);
        if (l->cell < 0 || l->cell >= HN_RNN_CELL_COUNT)
            return BAD("model: layer %d (rnn) has an unknown cell %d", n, l->cell);
        if (l->truncate < 0)
            return BAD("model: layer %d (rnn): truncate %d must be >= 0", n, l->truncate);
        *nd = l->return_sequences ? 2 : 1;
        return HN_OK;
    case HN_LAYER_RESIDUAL:
        if (in != 1 && in != 3)
            return BAD("model: layer %d (residual) is a dense block on (B, N) or a conv block on (B, C, H, W); it "
                       "gets %d-D events", n, in + 1);
        if (l->units < 1 || l->units > (1 << 24))
            return BAD("model: layer %d (residual) has width %lld", n, (long long)l->units);
        if (l->act < 0 || l->act >= HN_ACT_COUNT || l->act == HN_ACT_SOFTMAX || l->act == HN_ACT_PRELU)
            return BAD("model: layer %d (residual) needs a parameter-free activation other than softmax", n);
        if (in == 3 && (l->stride < 1 || l->stride > 4096))
            return BAD("model: layer %d (residual): stride %lld", n, (long long)l->stride);
        if (l->init < 0 || l->init >= HN_INIT_COUNT)
            return BAD("model: layer %d (residual) has an unknown initialiser", n);
        return HN_OK;
    case HN_LAYER_HIGHWAY:
        if (in != 1)
            return BAD("model: layer %d (highway) takes (B, N) events, it gets %d-D ones", n, in + 1);
        if (l->act < 0 || l->act >= HN_ACT_COUNT || l->act == HN_ACT_SOFTMAX || l->act == HN_ACT_PRELU)
            return BAD("model: layer %d (highway) needs a parameter-free activation other than softmax", n);
        if (!isfinite(l->alpha) || l->init < 0 || l->init >= HN_INIT_COUNT)
            return BAD("model: layer %d (highway): gate bias %g or initialiser out of range", n, (double)l->alpha);
        return HN_OK;
    case HN_LAYER_SEQUENCE: {
        if (i != 0)
            return BAD("model: layer %d (sequence) must be the first layer (it reads input columns)", n);
        if (l->objects < 1 || l->vars < 1 || l->objects > (1 << 20) || l->vars > (1 << 20))
            return BAD("model: layer %d (sequence): %lld objects of %lld variables", n, (long long)l->objects,
                       (long long)l->vars);
        int64_t len = l->objects * (l->vars + 1);
        int64_t at = l->offset < 0 ? s->n_inputs - len : l->offset;
        if (l->offset < -1 || at < 0 || at + len > s->n_inputs)
            return BAD("model: layer %d (sequence): %lld objects x (%lld variables + mask) = %lld features from "
                       "feature %lld do not fit in the %d inputs", n, (long long)l->objects, (long long)l->vars,
                       (long long)len, (long long)at, s->n_inputs);
        *nd = 2;
        return HN_OK;
    }
    default: return BAD("model: layer %d has unknown kind %d", n, (int)l->kind);
    }
}

static hn_status check_spec(const hn_model_spec *s, hn_error *err)
{
    if (s->n_inputs < 1)
        return hn_error_set(err, HN_ERR_ARG, "model: %d inputs, need at least 1", s->n_inputs);
    if (s->task < 0 || s->task >= HN_TASK_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "model: unknown task %d", (int)s->task);
    if (s->task == HN_TASK_BINARY && s->n_outputs != 1)
        return hn_error_set(err, HN_ERR_ARG, "model: binary classification has 1 output, %d given", s->n_outputs);
    if (s->task == HN_TASK_MULTICLASS && s->n_outputs < 2)
        return hn_error_set(err, HN_ERR_ARG, "model: multi-class needs at least 2 classes, %d given", s->n_outputs);
    if (s->task == HN_TASK_REGRESSION && s->n_outputs < 1)
        return hn_error_set(err, HN_ERR_ARG, "model: regression needs at least 1 target, %d given", s->n_outputs);
    if (s->n_layers < 0 || (s->n_layers > 0 && !s->layers))
        return hn_error_set(err, HN_ERR_ARG, "model: %d layers but no layer list", s->n_layers);
    int nd = 1; /* dimensions after the batch one, as the layers go */
    for (int i = 0; i < s->n_layers; i++) {
        const hn_layer_spec *l = &s->layers[i];
        hn_status st = check_layer(s, l, i, &nd, err);
        if (st)
            return st;
    }
    if (nd != 1)
        return hn_error_set(err, HN_ERR_ARG, "model: the last hidden layer gives %d-D events; the output layer needs "
                            "(B, N): add a flatten, global_avgpool or an rnn without return_sequences", nd + 1);
    return HN_OK;
}

/* Adds one hidden layer to g. A SEQUENCE layer sets *mask, which every
 * recurrent layer after it uses while the events are still sequences of the
 * same length. */
static hn_tensor *build_layer(hn_graph *g, hn_tensor *h, const hn_layer_spec *l, hn_tensor **mask, hn_rng *rng,
                              const char *name)
{
    int nd = hn_tensor_ndim(h);
    int64_t stride = l->stride > 0 ? l->stride : 0;
    switch (l->kind) {
    case HN_LAYER_DENSE: return hn_dense(g, h, l->units, l->init, rng, name);
    case HN_LAYER_ACTIVATION: return hn_activation(g, h, l->act, l->alpha, name);
    case HN_LAYER_DROPOUT: return hn_dropout(g, h, l->rate);
    case HN_LAYER_BATCHNORM: return hn_batch_norm(g, h, l->momentum, l->eps, name);
    case HN_LAYER_RESHAPE: {
        int64_t shape[4] = {-1, l->shape[0], l->shape[1], l->shape[2]};
        return hn_reshape(g, h, l->shape_ndim + 1, shape);
    }
    case HN_LAYER_CONV1D:
        return hn_conv1d_layer(g, h, l->units, l->kernel[0], l->stride, l->pad, l->dilation, l->init, rng, name);
    case HN_LAYER_CONV2D:
        return hn_conv2d_layer(g, h, l->units, l->kernel[0], l->kernel[1], l->stride, l->pad, l->dilation, l->init,
                               rng, name);
    case HN_LAYER_CONV2D_TRANSPOSE:
        return hn_conv_transpose2d_layer(g, h, l->units, l->kernel[0], l->stride, l->pad, l->out_pad, l->init, rng,
                                         name);
    case HN_LAYER_MAXPOOL:
    case HN_LAYER_AVGPOOL: {
        int mx = l->kind == HN_LAYER_MAXPOOL;
        if (nd == 3) {
            int64_t st = stride ? stride : l->kernel[0];
            return mx ? hn_maxpool1d(g, h, l->kernel[0], st, l->pad) : hn_avgpool1d(g, h, l->kernel[0], st, l->pad);
        }
        int64_t sh = stride ? stride : l->kernel[0], sw = stride ? stride : l->kernel[1];
        return mx ? hn_maxpool2d(g, h, l->kernel[0], l->kernel[1], sh, sw, l->pad, l->pad)
                  : hn_avgpool2d(g, h, l->kernel[0], l->kernel[1], sh, sw, l->pad, l->pad);
    }
    case HN_LAYER_GLOBAL_AVGPOOL: return hn_global_avgpool(g, h);
    case HN_LAYER_FLATTEN: return hn_flatten(g, h);
    case HN_LAYER_RNN: {
        hn_rnn_opts o = hn_rnn_opts_default((hn_rnn_cell)l->cell, l->units);
        o.bidirectional = l->bidirectional;
        o.return_sequences = l->return_sequences;
        o.truncate = l->truncate;
        if (*mask && hn_tensor_dim(*mask, 1) == hn_tensor_dim(h, 1))
            o.mask = *mask;
        return hn_rnn(g, h, &o, rng, name);
    }
    case HN_LAYER_RESIDUAL:
        if (nd == 4)
            return hn_residual_conv(g, h, l->units, l->stride, l->batch_norm, l->act, rng, name);
        return hn_residual_dense(g, h, l->units, l->act, l->init, rng, name);
    case HN_LAYER_HIGHWAY: return hn_highway(g, h, l->act, l->alpha, l->init, rng, name);
    case HN_LAYER_SEQUENCE: {
        int64_t len = l->objects * (l->vars + 1);
        int64_t at = l->offset < 0 ? hn_tensor_dim(h, 1) - len : l->offset;
        hn_tensor *vals = hn_slice(g, h, 1, at, l->objects * l->vars);
        *mask = hn_slice(g, h, 1, at + l->objects * l->vars, l->objects);
        return hn_reshape(g, vals, 3, (int64_t[]){-1, l->objects, l->vars});
    }
    default: return hn_graph_fail(g, HN_ERR_ARG, "unknown layer kind %d", (int)l->kind);
    }
}

/* loss + l1·Σ|w| + ½·l2·Σw² over the weights (hn_model_param_decays), the
 * penalty of hn_penalty_add as graph ops, so that it runs on any device */
static hn_tensor *penalised(hn_model *m, double l1, double l2)
{
    hn_graph *g = m->g;
    hn_tensor *total = m->io.loss;
    for (int i = 0; i < hn_graph_num_params(g) && total; i++) {
        if (!hn_model_param_decays(m, i))
            continue;
        hn_tensor *p = hn_graph_param(g, i);
        if (l1 > 0)
            total = hn_add(g, total, hn_scale(g, hn_sum(g, hn_abs(g, p), HN_AXIS_ALL), (float)l1));
        if (l2 > 0)
            total = hn_add(g, total, hn_scale(g, hn_sum(g, hn_square(g, p), HN_AXIS_ALL), (float)(0.5 * l2)));
    }
    return total;
}

static hn_status build(hn_model *m, hn_device dev, double l1, double l2, hn_error *err)
{
    const hn_model_spec *s = &m->spec;
    hn_rng rng;
    hn_rng_seed(&rng, s->seed);
    hn_status st = hn_graph_new_on(&m->g, dev, hn_rng_u64(&rng), err);
    if (st)
        return st;
    hn_graph *g = m->g;
    int64_t f = s->n_inputs, o = s->n_outputs;
    hn_model_io *io = &m->io;
    io->graph = g;
    io->x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, f});
    m->shift = hn_state(g, "norm.shift", 1, &f);
    m->scale = hn_state(g, "norm.scale", 1, &f);
    if (m->scale && hn_layer_fill(g, m->scale, 0, f, 1.0f))
        return hn_graph_take_error(g, err);
    hn_tensor *h = hn_mul(g, hn_sub(g, io->x, m->shift), m->scale);
    char name[32];
    hn_tensor *mask = NULL;
    for (int i = 0; i < s->n_layers && h; i++) {
        snprintf(name, sizeof name, "l%d", i + 1);
        h = build_layer(g, h, &s->layers[i], &mask, &rng, name);
        m->outs[i] = h;
        if (!h || hn_graph_status(g)) {
            hn_graph_take_error(g, err);
            return hn_error_prefix(err, "model: layer %d (%s)", i + 1, hn_layer_kind_name(s->layers[i].kind));
        }
    }
    io->logits = hn_dense(g, h, o, HN_INIT_XAVIER_UNIFORM, &rng, "out");
    io->weight = hn_input(g, "weight", 1, (int64_t[]){HN_BATCH});
    switch (s->task) {
    case HN_TASK_BINARY:
        io->target = hn_input(g, "target", 2, (int64_t[]){HN_BATCH, 1});
        io->output = hn_sigmoid(g, io->logits);
        io->loss = hn_loss_bce_logits(g, io->logits, io->target, io->weight);
        break;
    case HN_TASK_MULTICLASS:
        io->target = hn_input(g, "target", 1, (int64_t[]){HN_BATCH});
        io->output = hn_softmax(g, io->logits, -1);
        io->loss = hn_loss_cross_entropy(g, io->logits, io->target, io->weight);
        break;
    default:
        /* the network predicts standardised targets; the output is in the targets' units */
        io->target = hn_input(g, "target", 2, (int64_t[]){HN_BATCH, o});
        m->tshift = hn_state(g, "target.shift", 1, &o);
        m->tscale = hn_state(g, "target.scale", 1, &o);
        if (m->tscale && hn_layer_fill(g, m->tscale, 0, o, 1.0f))
            return hn_graph_take_error(g, err);
        io->output = hn_add(g, hn_div(g, io->logits, m->tscale), m->tshift);
        io->loss = hn_loss_mse(g, io->logits, hn_mul(g, hn_sub(g, io->target, m->tshift), m->tscale), io->weight);
        break;
    }
    m->train_loss = l1 > 0 || l2 > 0 ? penalised(m, l1, l2) : io->loss;
    if (hn_graph_status(g))
        return hn_graph_take_error(g, err);
    hn_tensor *outs[3] = {io->loss, io->output, m->train_loss};
    return hn_graph_compile(g, outs, m->train_loss != io->loss ? 3 : 2, err);
}

hn_status hn_model_new(hn_model **out, const hn_model_spec *spec, hn_error *err)
{
    return hn_model_new_penalised(out, spec, HN_DEVICE_CPU, 0.0, 0.0, err);
}

hn_status hn_model_new_on(hn_model **out, const hn_model_spec *spec, hn_device dev, hn_error *err)
{
    return hn_model_new_penalised(out, spec, dev, 0.0, 0.0, err);
}

hn_status hn_model_new_penalised(hn_model **out, const hn_model_spec *spec, hn_device dev, double l1, double l2,
                                 hn_error *err)
{
    if (!out || !spec)
        return hn_error_set(err, HN_ERR_ARG, "model_new: out or spec is NULL");
    if (!(l1 >= 0 && l2 >= 0 && isfinite(l1) && isfinite(l2)))
        return hn_error_set(err, HN_ERR_ARG, "model_new: penalties l1 = %g, l2 = %g must be finite and >= 0", l1, l2);
    *out = NULL;
    hn_status st = check_spec(spec, err);
    if (st)
        return st;
    hn_model *m = calloc(1, sizeof *m);
    if (!m)
        return hn_error_set(err, HN_ERR_NOMEM, "model_new: cannot allocate the model");
    m->spec = *spec;
    if (spec->n_layers > 0) {
        m->layers = malloc(sizeof(hn_layer_spec) * (size_t)spec->n_layers);
        if (!m->layers) {
            free(m);
            return hn_error_set(err, HN_ERR_NOMEM, "model_new: cannot allocate the layer list");
        }
        memcpy(m->layers, spec->layers, sizeof(hn_layer_spec) * (size_t)spec->n_layers);
    }
    m->spec.layers = m->layers;
    m->outs = calloc((size_t)spec->n_layers + 1, sizeof *m->outs);
    if (!m->outs) {
        hn_model_free(m);
        return hn_error_set(err, HN_ERR_NOMEM, "model_new: cannot allocate the layer list");
    }
    if (spec->n_layers > 0 && spec->layers[0].kind == HN_LAYER_SEQUENCE) {
        const hn_layer_spec *l = &spec->layers[0];
        m->mask_len = l->objects;
        m->mask_at = (l->offset < 0 ? spec->n_inputs - l->objects * (l->vars + 1) : l->offset) + l->objects * l->vars;
    }
    st = build(m, dev, l1, l2, err);
    if (st) {
        hn_model_free(m);
        return st;
    }
    *out = m;
    return HN_OK;
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

void hn_model_free(hn_model *m)
{
    if (!m)
        return;
    hn_graph_free(m->g);
    free(m->layers);
    free(m->outs);
    free_names(m->features, m->n_features);
    free_names(m->classes, m->n_classes);
    free(m->meta);
    free(m);
}

int hn_model_is_mask_column(const hn_model *m, int i)
{
    return m && i >= m->mask_at && i < m->mask_at + m->mask_len;
}

const hn_model_spec *hn_model_get_spec(const hn_model *m) { return m ? &m->spec : NULL; }
hn_model_io hn_model_get_io(hn_model *m)
{
    hn_model_io none = {0};
    return m ? m->io : none;
}

int hn_model_param_decays(const hn_model *m, int i)
{
    hn_tensor *p = m ? hn_graph_param(m->g, i) : NULL;
    if (!p)
        return 0;
    /* weight matrices and kernels: dense/conv ".w", recurrent ".w_ih"/".w_hh", residual projections */
    static const char *const ends[] = {".w", ".w_ih", ".w_hh", ".proj"};
    size_t n = strlen(p->name);
    for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) {
        size_t e = strlen(ends[k]);
        if (n >= e && !strcmp(p->name + n - e, ends[k]))
            return 1;
    }
    return 0;
}

hn_status hn_model_predict(hn_model *m, const float *x, int64_t n, float *out, hn_error *err)
{
    if (!m || (!x && n > 0) || (!out && n > 0) || n < 0)
        return hn_error_set(err, HN_ERR_ARG, "model_predict: model, inputs or outputs NULL (n = %lld)", (long long)n);
    int64_t f = m->spec.n_inputs, o = m->spec.n_outputs, chunk = 4096;
    int was_training = hn_graph_training(m->g);
    hn_graph_set_training(m->g, 0);
    hn_status st = HN_OK;
    for (int64_t start = 0; start < n && !st; start += chunk) {
        int64_t b = n - start < chunk ? n - start : chunk;
        st = hn_graph_set_batch(m->g, b, err);
        if (!st)
            st = hn_tensor_set(m->io.x, x + start * f, b * f, err);
        if (!st)
            st = hn_graph_forward_to(m->g, m->io.output, err);
        if (!st)
            st = hn_tensor_get(m->io.output, out + start * o, b * o, err);
    }
    hn_graph_set_training(m->g, was_training);
    return st;
}

hn_status hn_model_set_normalisation(hn_model *m, const float *shift, const float *scale, hn_error *err)
{
    if (!m || !shift || !scale)
        return hn_error_set(err, HN_ERR_ARG, "model_set_normalisation: NULL argument");
    for (int i = 0; i < m->spec.n_inputs; i++)
        if (!isfinite(shift[i]) || !isfinite(scale[i]))
            return hn_error_set(err, HN_ERR_NUMERIC, "model_set_normalisation: feature %d has shift %g, scale %g", i,
                                (double)shift[i], (double)scale[i]);
    hn_status st = hn_tensor_set(m->shift, shift, m->spec.n_inputs, err);
    if (!st)
        st = hn_tensor_set(m->scale, scale, m->spec.n_inputs, err);
    /* masks stay 0/1: the recurrent layers blend states with them */
    if (!st && m->mask_len)
        st = hn_tensor_fill(m->shift, m->mask_at, m->mask_at + m->mask_len, 0.0f, err);
    if (!st && m->mask_len)
        st = hn_tensor_fill(m->scale, m->mask_at, m->mask_at + m->mask_len, 1.0f, err);
    return st;
}

hn_status hn_model_set_target_normalisation(hn_model *m, const float *shift, const float *scale, hn_error *err)
{
    if (!m || !shift || !scale)
        return hn_error_set(err, HN_ERR_ARG, "model_set_target_normalisation: NULL argument");
    if (!m->tshift)
        return hn_error_set(err, HN_ERR_STATE, "model_set_target_normalisation: only regression models have one");
    for (int i = 0; i < m->spec.n_outputs; i++)
        if (!isfinite(shift[i]) || !isfinite(scale[i]) || scale[i] == 0.0f)
            return hn_error_set(err, HN_ERR_NUMERIC, "model_set_target_normalisation: target %d has shift %g, scale %g",
                                i, (double)shift[i], (double)scale[i]);
    hn_status st = hn_tensor_set(m->tshift, shift, m->spec.n_outputs, err);
    return st ? st : hn_tensor_set(m->tscale, scale, m->spec.n_outputs, err);
}

void hn_model_get_normalisation(const hn_model *m, float *shift, float *scale)
{
    if (!m)
        return;
    /* a failed device copy leaves NaN, which every user of the values refuses */
    if (shift && hn_tensor_get(m->shift, shift, m->spec.n_inputs, NULL))
        for (int i = 0; i < m->spec.n_inputs; i++)
            shift[i] = NAN;
    if (scale && hn_tensor_get(m->scale, scale, m->spec.n_inputs, NULL))
        for (int i = 0; i < m->spec.n_inputs; i++)
            scale[i] = NAN;
}

hn_device hn_model_device(const hn_model *m) { return m ? hn_graph_device(m->g) : HN_DEVICE_CPU; }

hn_tensor *hn_model_train_loss(hn_model *m) { return m ? m->train_loss : NULL; }

hn_status hn_model_copy_values(hn_model *dst, const hn_model *src, hn_error *err)
{
    if (!dst || !src)
        return hn_error_set(err, HN_ERR_ARG, "model_copy_values: NULL model");
    int n = hn_graph_num_persistent(src->g);
    if (n != hn_graph_num_persistent(dst->g))
        return hn_error_set(err, HN_ERR_SHAPE, "model_copy_values: %d parameters and states into a model with %d", n,
                            hn_graph_num_persistent(dst->g));
    hn_status st = HN_OK;
    for (int i = 0; i < n && !st; i++) {
        hn_tensor *a = hn_graph_persistent(src->g, i), *b = hn_graph_persistent(dst->g, i);
        int64_t k = hn_tensor_numel(a);
        if (k != hn_tensor_numel(b) || strcmp(a->name, b->name))
            return hn_error_set(err, HN_ERR_SHAPE, "model_copy_values: '%s' (%lld values) into '%s' (%lld values)",
                                a->name, (long long)k, b->name, (long long)hn_tensor_numel(b));
        float *buf = malloc(sizeof(float) * (size_t)(k > 0 ? k : 1));
        if (!buf)
            return hn_error_set(err, HN_ERR_NOMEM, "model_copy_values: '%s': out of memory", a->name);
        st = hn_tensor_get(a, buf, k, err);
        if (!st)
            st = hn_tensor_set(b, buf, k, err);
        free(buf);
    }
    return st;
}

static hn_status copy_names(char ***dst, int *nd, const char *const *src, int n, hn_error *err)
{
    if (!src || n <= 0)
        return HN_OK;
    char **names = calloc((size_t)n, sizeof *names);
    if (!names)
        return hn_error_set(err, HN_ERR_NOMEM, "model_set_names: out of memory");
    for (int i = 0; i < n; i++) {
        const char *s = src[i] ? src[i] : "";
        names[i] = malloc(strlen(s) + 1);
        if (!names[i]) {
            free_names(names, n);
            return hn_error_set(err, HN_ERR_NOMEM, "model_set_names: out of memory");
        }
        strcpy(names[i], s);
    }
    free_names(*dst, *nd);
    *dst = names;
    *nd = n;
    return HN_OK;
}

hn_status hn_model_set_names(hn_model *m, const char *const *features, int n_features, const char *const *classes,
                             int n_classes, hn_error *err)
{
    if (!m)
        return hn_error_set(err, HN_ERR_ARG, "model_set_names: model is NULL");
    if (features && n_features != m->spec.n_inputs)
        return hn_error_set(err, HN_ERR_ARG, "model_set_names: %d feature names for %d inputs", n_features,
                            m->spec.n_inputs);
    int want = m->spec.task == HN_TASK_MULTICLASS ? m->spec.n_outputs : 2;
    if (classes && m->spec.task != HN_TASK_REGRESSION && n_classes != want)
        return hn_error_set(err, HN_ERR_ARG, "model_set_names: %d class names, the model has %d classes", n_classes,
                            want);
    hn_status st = copy_names(&m->features, &m->n_features, features, n_features, err);
    return st ? st : copy_names(&m->classes, &m->n_classes, classes, n_classes, err);
}

const char *hn_model_feature_name(const hn_model *m, int i)
{
    return (m && i >= 0 && i < m->n_features) ? m->features[i] : NULL;
}
const char *hn_model_class_name(const hn_model *m, int i)
{
    return (m && i >= 0 && i < m->n_classes) ? m->classes[i] : NULL;
}

hn_status hn_model_set_meta(hn_model *m, const char *text, hn_error *err)
{
    if (!m || !text)
        return hn_error_set(err, HN_ERR_ARG, "model_set_meta: NULL argument");
    char *copy = malloc(strlen(text) + 1);
    if (!copy)
        return hn_error_set(err, HN_ERR_NOMEM, "model_set_meta: out of memory");
    strcpy(copy, text);
    free(m->meta);
    m->meta = copy;
    return HN_OK;
}
const char *hn_model_meta(const hn_model *m) { return (m && m->meta) ? m->meta : ""; }

int64_t hn_model_num_weights(const hn_model *m)
{
    int64_t n = 0;
    for (int i = 0; m && i < hn_graph_num_params(m->g); i++)
        n += hn_tensor_numel(hn_graph_param(m->g, i));
    return n;
}

/* Parameters whose name starts with prefix followed by a dot. */
static int64_t params_of(const hn_graph *g, const char *prefix)
{
    int64_t n = 0;
    size_t k = strlen(prefix);
    for (int i = 0; i < hn_graph_num_params(g); i++) {
        hn_tensor *p = hn_graph_param(g, i);
        if (!strncmp(p->name, prefix, k) && p->name[k] == '.')
            n += hn_tensor_numel(p);
    }
    return n;
}

static void shape_text(const hn_tensor *t, char *buf, size_t size)
{
    int at = snprintf(buf, size, "(B");
    for (int d = 1; t && d < hn_tensor_ndim(t) && at > 0 && (size_t)at < size; d++)
        at += snprintf(buf + at, size - (size_t)at, ", %lld", (long long)hn_tensor_dim(t, d));
    if (at > 0 && (size_t)at < size)
        snprintf(buf + at, size - (size_t)at, ")");
}

void hn_model_summary(const hn_model *m, FILE *out)
{
    if (!m || !out)
        return;
    const hn_model_spec *s = &m->spec;
    fprintf(out, "task %s, %d inputs, %d outputs\n", hn_task_name(s->task), s->n_inputs, s->n_outputs);
    char shape[96], what[48], name[32];
    fprintf(out, "  %-4s %-18s %-22s %10s\n", "#", "layer", "output", "parameters");
    shape_text(m->io.x, shape, sizeof shape);
    fprintf(out, "  %-4s %-18s %-22s %10d\n", "0", "input", shape, 0);
    for (int i = 0; i <= s->n_layers; i++) {
        const hn_layer_spec *l = i < s->n_layers ? &s->layers[i] : NULL;
        snprintf(name, sizeof name, i < s->n_layers ? "l%d" : "out", i + 1);
        shape_text(l ? m->outs[i] : m->io.logits, shape, sizeof shape);
        if (!l)
            snprintf(what, sizeof what, "dense (out)");
        else if (l->kind == HN_LAYER_ACTIVATION)
            snprintf(what, sizeof what, "%s", hn_act_name(l->act));
        else if (l->kind == HN_LAYER_DROPOUT)
            snprintf(what, sizeof what, "dropout %.2g", (double)l->rate);
        else if (l->kind == HN_LAYER_RNN)
            snprintf(what, sizeof what, "%s%s", l->bidirectional ? "bi-" : "",
                     l->cell == HN_RNN_LSTM ? "lstm" : l->cell == HN_RNN_GRU ? "gru" : "rnn");
        else if (l->kind == HN_LAYER_CONV1D || l->kind == HN_LAYER_CONV2D || l->kind == HN_LAYER_CONV2D_TRANSPOSE)
            snprintf(what, sizeof what, "%s %lldx%lld", hn_layer_kind_name(l->kind), (long long)l->kernel[0],
                     (long long)(l->kind == HN_LAYER_CONV1D ? 1 : l->kernel[1]));
        else
            snprintf(what, sizeof what, "%s", hn_layer_kind_name(l->kind));
        fprintf(out, "  %-4d %-18s %-22s %10lld\n", i + 1, what, shape, (long long)params_of(m->g, name));
    }
    fprintf(out, "  total trainable parameters: %lld\n", (long long)hn_model_num_weights(m));
}
