/* The sequential model: building its graph from a spec, prediction, names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"
#include "hepnn/model.h"

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
};

static const char *const task_names[HN_TASK_COUNT] = {"binary", "multiclass", "regression"};

const char *hn_task_name(hn_task task) { return (task >= 0 && task < HN_TASK_COUNT) ? task_names[task] : "unknown"; }

int hn_task_parse(const char *name)
{
    for (int k = 0; name && k < HN_TASK_COUNT; k++)
        if (!strcmp(name, task_names[k]))
            return k;
    return -1;
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
    for (int i = 0; i < s->n_layers; i++) {
        const hn_layer_spec *l = &s->layers[i];
        switch (l->kind) {
        case HN_LAYER_DENSE:
            if (l->units < 1)
                return hn_error_set(err, HN_ERR_ARG, "model: layer %d (dense) has %lld units", i + 1, (long long)l->units);
            if (l->init < 0 || l->init >= HN_INIT_COUNT)
                return hn_error_set(err, HN_ERR_ARG, "model: layer %d (dense) has an unknown initialiser", i + 1);
            break;
        case HN_LAYER_ACTIVATION:
            if (l->act < 0 || l->act >= HN_ACT_COUNT)
                return hn_error_set(err, HN_ERR_ARG, "model: layer %d has an unknown activation", i + 1);
            if (l->act == HN_ACT_SOFTMAX)
                return hn_error_set(err, HN_ERR_ARG, "model: layer %d: softmax is the multi-class output, not a "
                                    "hidden activation", i + 1);
            break;
        case HN_LAYER_DROPOUT:
            if (!(l->rate >= 0.0f && l->rate < 1.0f))
                return hn_error_set(err, HN_ERR_ARG, "model: layer %d (dropout) rate %g not in [0, 1)", i + 1,
                                    (double)l->rate);
            break;
        case HN_LAYER_BATCHNORM:
            if (!(l->momentum >= 0.0f && l->momentum <= 1.0f) || !(l->eps > 0.0f))
                return hn_error_set(err, HN_ERR_ARG, "model: layer %d (batchnorm) momentum %g / eps %g out of range",
                                    i + 1, (double)l->momentum, (double)l->eps);
            break;
        default: return hn_error_set(err, HN_ERR_ARG, "model: layer %d has unknown kind %d", i + 1, (int)l->kind);
        }
    }
    return HN_OK;
}

static hn_status build(hn_model *m, hn_error *err)
{
    const hn_model_spec *s = &m->spec;
    hn_rng rng;
    hn_rng_seed(&rng, s->seed);
    hn_status st = hn_graph_new(&m->g, hn_rng_u64(&rng), err);
    if (st)
        return st;
    hn_graph *g = m->g;
    int64_t f = s->n_inputs, o = s->n_outputs;
    hn_model_io *io = &m->io;
    io->graph = g;
    io->x = hn_input(g, "x", 2, (int64_t[]){HN_BATCH, f});
    m->shift = hn_state(g, "norm.shift", 1, &f);
    m->scale = hn_state(g, "norm.scale", 1, &f);
    if (m->scale)
        for (int64_t i = 0; i < f; i++)
            hn_tensor_data(m->scale)[i] = 1.0f;
    hn_tensor *h = hn_mul(g, hn_sub(g, io->x, m->shift), m->scale);
    char name[32];
    for (int i = 0; i < s->n_layers; i++) {
        const hn_layer_spec *l = &s->layers[i];
        snprintf(name, sizeof name, "l%d", i + 1);
        switch (l->kind) {
        case HN_LAYER_DENSE: h = hn_dense(g, h, l->units, l->init, &rng, name); break;
        case HN_LAYER_ACTIVATION: h = hn_activation(g, h, l->act, l->alpha, name); break;
        case HN_LAYER_DROPOUT: h = hn_dropout(g, h, l->rate); break;
        case HN_LAYER_BATCHNORM: h = hn_batch_norm(g, h, l->momentum, l->eps, name); break;
        default: break;
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
        if (m->tscale)
            for (int64_t i = 0; i < o; i++)
                hn_tensor_data(m->tscale)[i] = 1.0f;
        io->output = hn_add(g, hn_div(g, io->logits, m->tscale), m->tshift);
        io->loss = hn_loss_mse(g, io->logits, hn_mul(g, hn_sub(g, io->target, m->tshift), m->tscale), io->weight);
        break;
    }
    if (hn_graph_status(g))
        return hn_graph_take_error(g, err);
    hn_tensor *outs[2] = {io->loss, io->output};
    return hn_graph_compile(g, outs, 2, err);
}

hn_status hn_model_new(hn_model **out, const hn_model_spec *spec, hn_error *err)
{
    if (!out || !spec)
        return hn_error_set(err, HN_ERR_ARG, "model_new: out or spec is NULL");
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
    st = build(m, err);
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
    free_names(m->features, m->n_features);
    free_names(m->classes, m->n_classes);
    free(m->meta);
    free(m);
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
    size_t n = strlen(p->name);
    return n >= 2 && !strcmp(p->name + n - 2, ".w");
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
            memcpy(out + start * o, hn_tensor_data(m->io.output), sizeof(float) * (size_t)(b * o));
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
    memcpy(hn_tensor_data(m->shift), shift, sizeof(float) * (size_t)m->spec.n_inputs);
    memcpy(hn_tensor_data(m->scale), scale, sizeof(float) * (size_t)m->spec.n_inputs);
    return HN_OK;
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
    memcpy(hn_tensor_data(m->tshift), shift, sizeof(float) * (size_t)m->spec.n_outputs);
    memcpy(hn_tensor_data(m->tscale), scale, sizeof(float) * (size_t)m->spec.n_outputs);
    return HN_OK;
}

void hn_model_get_normalisation(const hn_model *m, float *shift, float *scale)
{
    if (!m)
        return;
    if (shift)
        memcpy(shift, m->shift->data, sizeof(float) * (size_t)m->spec.n_inputs);
    if (scale)
        memcpy(scale, m->scale->data, sizeof(float) * (size_t)m->spec.n_inputs);
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

void hn_model_summary(const hn_model *m, FILE *out)
{
    if (!m || !out)
        return;
    const hn_model_spec *s = &m->spec;
    fprintf(out, "task %s, %d inputs, %d outputs\n", hn_task_name(s->task), s->n_inputs, s->n_outputs);
    int64_t width = s->n_inputs;
    fprintf(out, "  %-4s %-12s %-14s %10s\n", "#", "layer", "output", "parameters");
    fprintf(out, "  %-4s %-12s (B, %-10lld) %10d\n", "0", "input", (long long)width, 0);
    for (int i = 0; i <= s->n_layers; i++) {
        const hn_layer_spec *l = i < s->n_layers ? &s->layers[i] : NULL;
        char what[32];
        int64_t params = 0;
        if (!l || l->kind == HN_LAYER_DENSE) {
            int64_t units = l ? l->units : s->n_outputs;
            params = width * units + units;
            width = units;
            snprintf(what, sizeof what, "%s", l ? "dense" : "dense (out)");
        } else if (l->kind == HN_LAYER_ACTIVATION) {
            params = l->act == HN_ACT_PRELU ? width : 0;
            snprintf(what, sizeof what, "%s", hn_act_name(l->act));
        } else if (l->kind == HN_LAYER_DROPOUT) {
            snprintf(what, sizeof what, "dropout %.2g", (double)l->rate);
        } else {
            params = 2 * width;
            snprintf(what, sizeof what, "batchnorm");
        }
        fprintf(out, "  %-4d %-12s (B, %-10lld) %10lld\n", i + 1, what, (long long)width, (long long)params);
    }
    fprintf(out, "  total trainable parameters: %lld\n", (long long)hn_model_num_weights(m));
}
