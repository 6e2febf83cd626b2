/* The graph: node creation, compilation into topological order, shape binding,
 * buffer management and the forward / backward walks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"

/* --- helpers ---------------------------------------------------------------- */

int64_t hn_shape_numel(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

char *hn_shape_str(int ndim, const int64_t *shape, char *buf, size_t size)
{
    size_t pos = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    pos += (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && pos < size; i++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (pos < size)
        snprintf(buf + pos, size - pos, ")");
    return buf;
}

int hn_axis_norm(int axis, int ndim)
{
    if (axis < 0)
        axis += ndim;
    return (axis >= 0 && axis < ndim) ? axis : -1;
}

hn_tensor *hn_graph_fail(hn_graph *g, hn_status st, const char *fmt, ...)
{
    if (g && g->status == HN_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->msg, sizeof g->msg, fmt, ap);
        va_end(ap);
        g->status = st;
    }
    return NULL;
}

/* All buffers go through here, so the allocation count is exact. */
static float *buf_alloc(hn_graph *g, int64_t n)
{
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    float *p = g->be->alloc(g->be_ctx, bytes);
    if (p) {
        g->n_allocs++;
        g->bytes += (int64_t)bytes;
    }
    return p;
}

static void buf_free(hn_graph *g, float *p, int64_t cap)
{
    if (!p)
        return;
    g->be->release(g->be_ctx, p);
    g->bytes -= (int64_t)((size_t)(cap > 0 ? cap : 1) * sizeof(float));
}

/* Grows *p to hold n floats (contents not kept). */
static hn_status ensure(hn_graph *g, hn_tensor *t, float **p, int64_t *cap, int64_t n, const char *what, hn_error *err)
{
    if (*p && *cap >= n)
        return HN_OK;
    buf_free(g, *p, *cap);
    *p = NULL;
    *cap = 0;
    float *q = buf_alloc(g, n);
    if (!q) {
        char s[64];
        return hn_error_set(err, HN_ERR_NOMEM, "%s of tensor '%s' %s: cannot allocate %lld bytes", what, t->name,
                            hn_shape_str(t->ndim, t->shape, s, sizeof s), (long long)(n * (int64_t)sizeof(float)));
    }
    *p = q;
    *cap = n > 0 ? n : 1;
    return HN_OK;
}

static hn_status ensure_buffers(hn_graph *g, hn_tensor *t, hn_error *err)
{
    int64_t n = hn_shape_numel(t->ndim, t->shape);
    hn_status st = ensure(g, t, &t->data, &t->data_cap, n, "values", err);
    if (!st && t->requires_grad)
        st = ensure(g, t, &t->grad, &t->grad_cap, n, "gradient", err);
    if (!st && t->aux_len > 0)
        st = ensure(g, t, &t->aux, &t->aux_cap, t->aux_len, "workspace", err);
    return st;
}

/* --- graph life cycle ------------------------------------------------------- */

hn_status hn_graph_new(hn_graph **out, uint64_t seed, hn_error *err)
{
    return hn_graph_new_on(out, HN_DEVICE_CPU, seed, err);
}

/* --- devices: a graph's buffers may live in device memory, so every host
 * access goes through the backend's copy hooks (host memcpy when NULL). ---- */

static const char *const device_names[HN_DEVICE_COUNT] = {"cpu", "cuda"};

const char *hn_device_name(hn_device dev)
{
    return (dev >= 0 && dev < HN_DEVICE_COUNT) ? device_names[dev] : "?";
}

static int lower_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
        if (c != b[i])
            return 0;
    }
    return 1;
}

hn_status hn_device_parse(const char *name, hn_device *dev, hn_error *err)
{
    if (!name || !dev)
        return hn_error_set(err, HN_ERR_ARG, "device_parse: name or result is NULL");
    size_t n = strlen(name);
    if (n == 3 && lower_eq(name, "cpu", 3))
        *dev = HN_DEVICE_CPU;
    else if ((n == 4 && lower_eq(name, "cuda", 4)) || (n == 3 && lower_eq(name, "gpu", 3)) ||
             (n == 6 && lower_eq(name, "cuda:0", 6)))
        *dev = HN_DEVICE_CUDA;
    else
        return hn_error_set(err, HN_ERR_ARG, "unknown device '%s' (known: cpu, cuda)", name);
    return HN_OK;
}

static hn_status be_upload(hn_graph *g, void *dst, const void *src, size_t bytes, hn_error *err)
{
    if (g->be->upload)
        return g->be->upload(g->be_ctx, dst, src, bytes, err);
    memcpy(dst, src, bytes);
    return HN_OK;
}

static hn_status be_download(hn_graph *g, void *dst, const void *src, size_t bytes, hn_error *err)
{
    if (g->be->download)
        return g->be->download(g->be_ctx, dst, src, bytes, err);
    memcpy(dst, src, bytes);
    return HN_OK;
}

static hn_status be_zero(hn_graph *g, float *p, int64_t n, hn_error *err)
{
    if (g->be->zero)
        return g->be->zero(g->be_ctx, p, sizeof(float) * (size_t)n, err);
    memset(p, 0, sizeof(float) * (size_t)n);
    return HN_OK;
}

hn_status hn_graph_new_on(hn_graph **out, hn_device dev, uint64_t seed, hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "graph_new: out is NULL");
    *out = NULL;
    const hn_backend *be = dev == HN_DEVICE_CPU ? hn_backend_cpu() : dev == HN_DEVICE_CUDA ? hn_backend_cuda() : NULL;
    if (dev < 0 || dev >= HN_DEVICE_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "graph_new: device %d out of range", (int)dev);
    if (!be)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "graph_new: hepnn was built without the %s backend",
                            hn_device_name(dev));
    hn_graph *g = calloc(1, sizeof *g);
    if (!g)
        return hn_error_set(err, HN_ERR_NOMEM, "graph_new: cannot allocate the graph");
    if (be->open) {
        hn_status st = be->open(&g->be_ctx, err);
        if (st) {
            free(g);
            return st;
        }
    }
    g->be = be;
    g->device = dev;
    g->batch = 1;
    g->training = 1;
    hn_rng_seed(&g->rng, seed);
    *out = g;
    return HN_OK;
}

void hn_graph_free(hn_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_nodes; i++) {
        hn_tensor *t = g->nodes[i];
        buf_free(g, t->data, t->data_cap);
        buf_free(g, t->grad, t->grad_cap);
        buf_free(g, t->aux, t->aux_cap);
        free(t->src);
        free(t);
    }
    free(g->nodes);
    free(g->order);
    free(g->params);
    if (g->be->close)
        g->be->close(g->be_ctx);
    free(g);
}

hn_device hn_graph_device(const hn_graph *g) { return g ? g->device : HN_DEVICE_CPU; }

hn_status hn_graph_status(const hn_graph *g) { return g ? g->status : HN_ERR_ARG; }
const char *hn_graph_error(const hn_graph *g) { return g ? g->msg : "graph is NULL"; }

hn_status hn_graph_take_error(const hn_graph *g, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "graph is NULL");
    if (g->status != HN_OK)
        hn_error_set(err, g->status, "%s", g->msg);
    return g->status;
}

static int push(void *arr_p, int *n, int *cap, void *item)
{
    void ***arr = arr_p;
    if (*n == *cap) {
        int nc = *cap ? 2 * *cap : 32;
        void **na = realloc(*arr, sizeof(void *) * (size_t)nc);
        if (!na)
            return -1;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = item;
    return 0;
}

static hn_tensor *tensor_new(hn_graph *g, hn_kind kind, const char *name)
{
    hn_tensor *t = calloc(1, sizeof *t);
    if (!t || push(&g->nodes, &g->n_nodes, &g->cap_nodes, t)) {
        free(t);
        return hn_graph_fail(g, HN_ERR_NOMEM, "cannot allocate a tensor node");
    }
    t->graph = g;
    t->id = g->n_nodes - 1;
    t->kind = kind;
    if (name)
        snprintf(t->name, sizeof t->name, "%s", name);
    return t;
}

static hn_tensor *leaf_new(hn_graph *g, hn_kind kind, const char *name, int ndim, const int64_t *shape)
{
    if (!g)
        return NULL;
    if (g->status)
        return NULL;
    const char *what = kind == HN_KIND_INPUT ? "input" : kind == HN_KIND_PARAM ? "param" : "state";
    if (ndim < 0 || ndim > HN_MAX_DIMS || (ndim > 0 && !shape))
        return hn_graph_fail(g, HN_ERR_ARG, "%s '%s': %d dimensions (0 to %d allowed, shape non-NULL)", what,
                             name ? name : "", ndim, HN_MAX_DIMS);
    for (int i = 0; i < ndim; i++) {
        int batch = kind == HN_KIND_INPUT && i == 0 && shape[0] == HN_BATCH;
        if (shape[i] < 1 && !batch)
            return hn_graph_fail(g, HN_ERR_ARG, "%s '%s': dimension %d is %lld", what, name ? name : "", i,
                                 (long long)shape[i]);
    }
    hn_tensor *t = tensor_new(g, kind, name);
    if (!t)
        return NULL;
    t->op = HN_OP_LEAF;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    if (kind == HN_KIND_INPUT && ndim > 0 && shape[0] == HN_BATCH) {
        t->batch_bound = 1;
        t->shape[0] = g->batch;
    }
    t->requires_grad = kind == HN_KIND_PARAM;
    hn_error err = {0};
    if (ensure_buffers(g, t, &err))
        return hn_graph_fail(g, err.status, "%s", err.msg);
    if (kind == HN_KIND_PARAM && push(&g->params, &g->n_params, &g->cap_params, t))
        return hn_graph_fail(g, HN_ERR_NOMEM, "cannot record parameter '%s'", t->name);
    return t;
}

hn_tensor *hn_input(hn_graph *g, const char *name, int ndim, const int64_t *shape)
{
    return leaf_new(g, HN_KIND_INPUT, name, ndim, shape);
}
hn_tensor *hn_param(hn_graph *g, const char *name, int ndim, const int64_t *shape)
{
    return leaf_new(g, HN_KIND_PARAM, name, ndim, shape);
}
hn_tensor *hn_state(hn_graph *g, const char *name, int ndim, const int64_t *shape)
{
    return leaf_new(g, HN_KIND_STATE, name, ndim, shape);
}

hn_tensor *hn_node_new(hn_graph *g, hn_op op, hn_tensor *const *src, int n_src, const int64_t *ip, const float *fp)
{
    if (!g)
        return NULL;
    if (g->status)
        return NULL;
    const hn_op_def *def = &hn_op_defs[op];
    if (n_src < def->min_arity || (def->max_arity >= 0 && n_src > def->max_arity))
        return hn_graph_fail(g, HN_ERR_ARG, "%s: %d inputs given, %d to %d expected", def->name, n_src,
                             def->min_arity, def->max_arity);
    for (int i = 0; i < n_src; i++) {
        if (!src[i])
            return hn_graph_fail(g, HN_ERR_ARG, "%s: input %d is NULL", def->name, i);
        if (src[i]->graph != g)
            return hn_graph_fail(g, HN_ERR_ARG, "%s: input %d ('%s') belongs to another graph", def->name, i,
                                 src[i]->name);
    }
    hn_tensor *y = tensor_new(g, HN_KIND_OP, def->name);
    if (!y)
        return NULL;
    y->op = op;
    y->src = malloc(sizeof(hn_tensor *) * (size_t)(n_src > 0 ? n_src : 1));
    if (!y->src)
        return hn_graph_fail(g, HN_ERR_NOMEM, "%s: cannot allocate the input list", def->name);
    memcpy(y->src, src, sizeof(hn_tensor *) * (size_t)n_src);
    y->n_src = n_src;
    if (ip)
        memcpy(y->ip, ip, sizeof y->ip);
    if (fp)
        memcpy(y->fp, fp, sizeof y->fp);
    for (int i = 0; i < n_src; i++)
        if (src[i]->requires_grad && op != HN_OP_DETACH)
            y->requires_grad = 1;
    hn_error err = {0};
    if (def->infer(y, &err))
        return hn_graph_fail(g, err.status, "%s", err.msg);
    return y;
}

/* --- compilation and shapes ----------------------------------------------- */

hn_status hn_graph_compile(hn_graph *g, hn_tensor *const *outputs, int n, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "graph_compile: graph is NULL");
    if (g->status)
        return hn_graph_take_error(g, err);
    if (!outputs || n < 1)
        return hn_error_set(err, HN_ERR_ARG, "graph_compile: no outputs given");
    for (int i = 0; i < n; i++)
        if (!outputs[i] || outputs[i]->graph != g)
            return hn_error_set(err, HN_ERR_ARG, "graph_compile: output %d is NULL or from another graph", i);
    /* Nodes are created after their inputs, so creation order is topological.
     * Gradient needs may have changed since the ops were built
     * (hn_tensor_requires_grad on an input), so propagate them again; then mark
     * what the outputs need walking back, and keep the marked ops in order. */
    for (int i = 0; i < g->n_nodes; i++) {
        hn_tensor *t = g->nodes[i];
        if (t->kind != HN_KIND_OP || t->op == HN_OP_DETACH)
            continue;
        for (int k = 0; k < t->n_src; k++)
            if (t->src[k]->requires_grad)
                t->requires_grad = 1;
    }
    for (int i = 0; i < g->n_nodes; i++)
        g->nodes[i]->active = 0;
    for (int i = 0; i < n; i++)
        outputs[i]->active = 1;
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        hn_tensor *t = g->nodes[i];
        if (t->active)
            for (int k = 0; k < t->n_src; k++)
                t->src[k]->active = 1;
    }
    g->n_order = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        hn_tensor *t = g->nodes[i];
        if (t->active && t->kind == HN_KIND_OP) {
            if (!hn_backend_supports_op(g->be, t->op))
                return hn_error_set(err, HN_ERR_UNSUPPORTED, "graph_compile: backend %s has no kernel for %s",
                                    g->be->name, hn_op_defs[t->op].name);
            if (push(&g->order, &g->n_order, &g->cap_order, t))
                return hn_error_set(err, HN_ERR_NOMEM, "graph_compile: cannot allocate the order");
        }
    }
    return hn_graph_set_batch(g, g->batch, err);
}

hn_status hn_graph_set_batch(hn_graph *g, int64_t batch, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "graph_set_batch: graph is NULL");
    if (batch < 1)
        return hn_error_set(err, HN_ERR_ARG, "graph_set_batch: batch size %lld, must be at least 1", (long long)batch);
    g->forward_done = 0;
    g->batch = batch;
    for (int i = 0; i < g->n_nodes; i++) {
        hn_tensor *t = g->nodes[i];
        if (t->batch_bound) {
            t->shape[0] = batch;
            hn_status st = ensure_buffers(g, t, err);
            if (st)
                return st;
        }
    }
    for (int i = 0; i < g->n_order; i++) {
        hn_tensor *y = g->order[i];
        hn_status st = hn_op_defs[y->op].infer(y, err);
        if (!st)
            st = ensure_buffers(g, y, err);
        if (st)
            return st;
    }
    return g->be->prepare ? g->be->prepare(g, err) : HN_OK;
}

int64_t hn_graph_batch(const hn_graph *g) { return g ? g->batch : 0; }
void hn_graph_set_training(hn_graph *g, int training)
{
    if (g)
        g->training = training != 0;
}
int hn_graph_training(const hn_graph *g) { return g ? g->training : 0; }

/* --- running ------------------------------------------------------------------ */

/* Marks y and every node it depends on (active = 1), others 0. */
static void mark_needed(hn_graph *g, hn_tensor *y)
{
    for (int i = 0; i < g->n_nodes; i++)
        g->nodes[i]->active = 0;
    y->active = 1;
    for (int i = g->n_order - 1; i >= 0; i--) {
        hn_tensor *t = g->order[i];
        if (t->active)
            for (int k = 0; k < t->n_src; k++)
                t->src[k]->active = 1;
    }
}

static hn_status forward_run(hn_graph *g, int only_active, hn_error *err)
{
    for (int i = 0; i < g->n_order; i++) {
        hn_tensor *y = g->order[i];
        if (only_active && !y->active)
            continue;
        hn_status st = g->be->forward[y->op](g, y, err);
        if (st) {
            char s[64];
            hn_error_prefix(err, "forward of %s %s", hn_op_defs[y->op].name,
                            hn_shape_str(y->ndim, y->shape, s, sizeof s));
            return st;
        }
    }
    return HN_OK;
}

hn_status hn_graph_forward(hn_graph *g, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "graph_forward: graph is NULL");
    if (g->status)
        return hn_graph_take_error(g, err);
    if (g->n_order == 0)
        return hn_error_set(err, HN_ERR_STATE, "graph_forward: compile the graph first");
    hn_status st = forward_run(g, 0, err);
    g->forward_done = st == HN_OK;
    return st;
}

hn_status hn_graph_forward_to(hn_graph *g, hn_tensor *y, hn_error *err)
{
    if (!g || !y)
        return hn_error_set(err, HN_ERR_ARG, "graph_forward_to: graph or tensor is NULL");
    if (g->status)
        return hn_graph_take_error(g, err);
    if (y->graph != g || (y->kind == HN_KIND_OP && !y->data))
        return hn_error_set(err, HN_ERR_STATE, "graph_forward_to: '%s' is not a compiled node of this graph", y->name);
    mark_needed(g, y);
    g->forward_done = 0; /* the rest of the graph is stale now */
    return forward_run(g, 1, err);
}

static hn_status backward_from(hn_graph *g, hn_tensor *y, const float *dy, hn_error *err)
{
    if (!g || !y)
        return hn_error_set(err, HN_ERR_ARG, "graph_backward: graph or tensor is NULL");
    if (y->graph != g)
        return hn_error_set(err, HN_ERR_ARG, "graph_backward: '%s' belongs to another graph", y->name);
    if (g->status)
        return hn_graph_take_error(g, err);
    if (!g->forward_done)
        return hn_error_set(err, HN_ERR_STATE, "graph_backward: run hn_graph_forward at the current shapes first");
    if (!y->requires_grad)
        return hn_error_set(err, HN_ERR_STATE, "graph_backward: '%s' does not depend on any parameter", y->name);
    if (y->kind == HN_KIND_OP && !y->grad)
        return hn_error_set(err, HN_ERR_STATE, "graph_backward: '%s' was not compiled", y->name);
    /* Mark the nodes y depends on, clear their gradients (not the parameters':
     * those accumulate), seed, and walk back. */
    mark_needed(g, y);
    for (int i = 0; i < g->n_nodes; i++) {
        hn_tensor *t = g->nodes[i];
        if (t->active && t->grad && t->kind != HN_KIND_PARAM) {
            hn_status st = be_zero(g, t->grad, hn_shape_numel(t->ndim, t->shape), err);
            if (st)
                return st;
        }
    }
    int64_t n = hn_shape_numel(y->ndim, y->shape);
    if (g->be->seed) {
        hn_status st = g->be->seed(g->be_ctx, y->grad, dy, n, err);
        if (st)
            return st;
    } else {
        for (int64_t i = 0; i < n; i++)
            y->grad[i] += dy ? dy[i] : 1.0f;
    }
    for (int i = g->n_order - 1; i >= 0; i--) {
        hn_tensor *t = g->order[i];
        if (!t->active || !t->requires_grad)
            continue;
        hn_status st = g->be->backward[t->op](g, t, err);
        if (st) {
            char s[64];
            hn_error_prefix(err, "backward of %s %s", hn_op_defs[t->op].name,
                            hn_shape_str(t->ndim, t->shape, s, sizeof s));
            return st;
        }
    }
    return HN_OK;
}

hn_status hn_graph_backward(hn_graph *g, hn_tensor *loss, hn_error *err)
{
    if (loss && loss->ndim != 0 && hn_shape_numel(loss->ndim, loss->shape) != 1) {
        char s[64];
        return hn_error_set(err, HN_ERR_SHAPE, "graph_backward: loss '%s' is %s, not a scalar", loss->name,
                            hn_shape_str(loss->ndim, loss->shape, s, sizeof s));
    }
    return backward_from(g, loss, NULL, err);
}

hn_status hn_graph_backward_seed(hn_graph *g, hn_tensor *y, const float *dy, hn_error *err)
{
    if (!dy)
        return hn_error_set(err, HN_ERR_ARG, "graph_backward_seed: dy is NULL");
    return backward_from(g, y, dy, err);
}

void hn_graph_zero_grad(hn_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_params; i++) {
        hn_tensor *p = g->params[i];
        (void)be_zero(g, p->grad, hn_shape_numel(p->ndim, p->shape), NULL);
    }
}

int hn_graph_num_params(const hn_graph *g) { return g ? g->n_params : 0; }
hn_tensor *hn_graph_param(const hn_graph *g, int i)
{
    return (g && i >= 0 && i < g->n_params) ? g->params[i] : NULL;
}

int hn_graph_num_persistent(const hn_graph *g)
{
    int n = 0;
    for (int i = 0; g && i < g->n_nodes; i++)
        n += g->nodes[i]->kind == HN_KIND_PARAM || g->nodes[i]->kind == HN_KIND_STATE;
    return n;
}

hn_tensor *hn_graph_persistent(const hn_graph *g, int i)
{
    for (int k = 0; g && k < g->n_nodes; k++) {
        hn_tensor *t = g->nodes[k];
        if ((t->kind == HN_KIND_PARAM || t->kind == HN_KIND_STATE) && i-- == 0)
            return t;
    }
    return NULL;
}

hn_tensor *hn_graph_find(const hn_graph *g, const char *name)
{
    if (!g || !name)
        return NULL;
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i]->name, name))
            return g->nodes[i];
    return NULL;
}

hn_rng *hn_graph_rng(hn_graph *g) { return g ? &g->rng : NULL; }

hn_graph_stats hn_graph_get_stats(const hn_graph *g)
{
    hn_graph_stats s = {0};
    if (g) {
        s.allocations = g->n_allocs;
        s.bytes = g->bytes;
        s.n_nodes = g->n_nodes;
        s.n_compiled = g->n_order;
    }
    return s;
}

/* --- tensor accessors ---------------------------------------------------------- */

int hn_tensor_ndim(const hn_tensor *t) { return t ? t->ndim : 0; }
int64_t hn_tensor_dim(const hn_tensor *t, int i)
{
    if (!t)
        return 0;
    int ax = hn_axis_norm(i, t->ndim);
    return ax < 0 ? 0 : t->shape[ax];
}
int64_t hn_tensor_numel(const hn_tensor *t) { return t ? hn_shape_numel(t->ndim, t->shape) : 0; }
const char *hn_tensor_name(const hn_tensor *t) { return t ? t->name : ""; }
char *hn_tensor_shape_str(const hn_tensor *t, char *buf, size_t size)
{
    if (!t) {
        if (size)
            snprintf(buf, size, "(null)");
        return buf;
    }
    return hn_shape_str(t->ndim, t->shape, buf, size);
}
float *hn_tensor_data(hn_tensor *t) { return t ? t->data : NULL; }
float *hn_tensor_grad(hn_tensor *t) { return t ? t->grad : NULL; }

hn_status hn_tensor_set(hn_tensor *t, const float *src, int64_t n, hn_error *err)
{
    if (!t || !src)
        return hn_error_set(err, HN_ERR_ARG, "tensor_set: tensor or source is NULL");
    int64_t m = hn_shape_numel(t->ndim, t->shape);
    if (n != m || !t->data) {
        char s[64];
        return hn_error_set(err, HN_ERR_SHAPE, "tensor_set: '%s' %s holds %lld values, %lld given%s", t->name,
                            hn_shape_str(t->ndim, t->shape, s, sizeof s), (long long)m, (long long)n,
                            t->data ? "" : " (not allocated: compile first)");
    }
    return be_upload(t->graph, t->data, src, sizeof(float) * (size_t)n, err);
}

hn_status hn_tensor_fill(hn_tensor *t, int64_t from, int64_t to, float v, hn_error *err)
{
    if (!t)
        return hn_error_set(err, HN_ERR_ARG, "tensor_fill: tensor is NULL");
    int64_t m = hn_shape_numel(t->ndim, t->shape);
    if (from < 0 || to > m || from > to || !t->data)
        return hn_error_set(err, HN_ERR_SHAPE, "tensor_fill: '%s' holds %lld values; [%lld, %lld) asked%s", t->name,
                            (long long)m, (long long)from, (long long)to, t->data ? "" : " (not allocated)");
    if (from == to)
        return HN_OK;
    float *buf = malloc(sizeof(float) * (size_t)(to - from));
    if (!buf)
        return hn_error_set(err, HN_ERR_NOMEM, "tensor_fill: '%s': out of memory", t->name);
    for (int64_t i = 0; i < to - from; i++)
        buf[i] = v;
    hn_status st = be_upload(t->graph, t->data + from, buf, sizeof(float) * (size_t)(to - from), err);
    free(buf);
    return st;
}

int hn_layer_fill(hn_graph *g, hn_tensor *t, int64_t from, int64_t to, float v)
{
    hn_error e = {0};
    if (hn_tensor_fill(t, from, to, v, &e) == HN_OK)
        return 0;
    hn_graph_fail(g, e.status, "%s", e.msg);
    return 1;
}

hn_status hn_tensor_get(const hn_tensor *t, float *dst, int64_t n, hn_error *err)
{
    if (!t || !dst)
        return hn_error_set(err, HN_ERR_ARG, "tensor_get: tensor or destination is NULL");
    int64_t m = hn_shape_numel(t->ndim, t->shape);
    if (n != m || !t->data) {
        char s[64];
        return hn_error_set(err, HN_ERR_SHAPE, "tensor_get: '%s' %s holds %lld values, %lld asked%s", t->name,
                            hn_shape_str(t->ndim, t->shape, s, sizeof s), (long long)m, (long long)n,
                            t->data ? "" : " (not computed: compile and run first)");
    }
    return be_download(t->graph, dst, t->data, sizeof(float) * (size_t)n, err);
}

hn_status hn_tensor_get_grad(const hn_tensor *t, float *dst, int64_t n, hn_error *err)
{
    if (!t || !dst)
        return hn_error_set(err, HN_ERR_ARG, "tensor_get_grad: tensor or destination is NULL");
    int64_t m = hn_shape_numel(t->ndim, t->shape);
    char s[64];
    if (!t->grad)
        return hn_error_set(err, HN_ERR_STATE, "tensor_get_grad: '%s' %s has no gradient", t->name,
                            hn_shape_str(t->ndim, t->shape, s, sizeof s));
    if (n != m)
        return hn_error_set(err, HN_ERR_SHAPE, "tensor_get_grad: '%s' %s holds %lld values, %lld asked", t->name,
                            hn_shape_str(t->ndim, t->shape, s, sizeof s), (long long)m, (long long)n);
    return be_download(t->graph, dst, t->grad, sizeof(float) * (size_t)n, err);
}

void hn_tensor_requires_grad(hn_tensor *t)
{
    if (!t || t->requires_grad)
        return;
    t->requires_grad = 1;
    hn_error err = {0};
    if (ensure_buffers(t->graph, t, &err))
        hn_graph_fail(t->graph, err.status, "%s", err.msg);
}
