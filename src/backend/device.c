/* Device-generic helpers (include/hepnn/device.h): availability, optimisers on
 * a graph's device, copies between tensors, synchronisation, TF32. Each call
 * reduces to the plain host operation on the CPU. */
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"
#include "backend/device_internal.h"
#include "hepnn/device.h"
#include "optim/optim_internal.h"

#ifdef HEPNN_HAVE_CUDA
#include "backend/cuda/hn_cuda.h"
#endif

hn_status hn_device_check(hn_device dev, char *info, size_t size, hn_error *err)
{
    if (dev == HN_DEVICE_CPU) {
        if (info && size)
            snprintf(info, size, "cpu");
        return HN_OK;
    }
    if (dev != HN_DEVICE_CUDA)
        return hn_error_set(err, HN_ERR_ARG, "device_check: device %d out of range", (int)dev);
#ifndef HEPNN_HAVE_CUDA
    return hn_error_set(err, HN_ERR_UNSUPPORTED, "hepnn was built without the CUDA backend (HEPNN_CUDA=OFF or no nvcc)");
#else
    int n = 0, d = 0, drv = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n < 1) {
        (void)cudaGetLastError();
        return hn_error_set(err, HN_ERR_BACKEND, "no CUDA device: %s",
                            e != cudaSuccess ? cudaGetErrorString(e) : "the driver reports 0 devices");
    }
    struct cudaDeviceProp p;
    hn_status st = hn_cuda_check(cudaGetDevice(&d), "cudaGetDevice", err);
    if (!st)
        st = hn_cuda_check(cudaGetDeviceProperties(&p, d), "cudaGetDeviceProperties", err);
    if (!st)
        st = hn_cuda_check(cudaDriverGetVersion(&drv), "cudaDriverGetVersion", err);
    if (!st && info && size)
        snprintf(info, size, "%s, sm_%d%d, %.0f GiB, %d SMs, driver %d.%d", p.name, p.major, p.minor,
                 (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), p.multiProcessorCount, drv / 1000,
                 (drv % 1000) / 10);
    return st;
#endif
}

int hn_graph_param_views(hn_graph *g, hn_param_view *views, int n)
{
    if (!g || !views || n < g->n_params)
        return -1;
    for (int i = 0; i < g->n_params; i++) {
        hn_tensor *p = g->params[i];
        views[i].value = p->data;
        views[i].grad = p->grad;
        views[i].n = hn_shape_numel(p->ndim, p->shape);
        views[i].decay = p->ndim >= 2;
        views[i].name = p->name;
    }
    return g->n_params;
}

hn_status hn_optim_new_graph(hn_optim **opt, const hn_optim_config *cfg, hn_graph *g, hn_error *err)
{
    if (!opt || !g)
        return hn_error_set(err, HN_ERR_ARG, "optim_new_graph: %s is NULL", opt ? "graph" : "opt");
    *opt = NULL;
    if (g->n_params < 1)
        return hn_error_set(err, HN_ERR_ARG, "optim_new_graph: the graph has no parameters");
    hn_param_view *v = malloc(sizeof *v * (size_t)g->n_params);
    if (!v)
        return hn_error_set(err, HN_ERR_NOMEM, "optim_new_graph: out of memory");
    int n = hn_graph_param_views(g, v, g->n_params);
    hn_status st = hn_optim_new_graph_views(opt, cfg, g, v, n, err);
    free(v);
    return st;
}

hn_status hn_optim_new_graph_views(hn_optim **opt, const hn_optim_config *cfg, hn_graph *g, const hn_param_view *views,
                                   int n_views, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "optim_new_graph: graph is NULL");
    hn_status st = hn_optim_new(opt, cfg, views, n_views, err);
#ifdef HEPNN_HAVE_CUDA
    if (!st && g->device == HN_DEVICE_CUDA) {
        st = hn_cuda_optim_attach(*opt, hn_cuda_ctx_of(g)->stream, err);
        if (st) {
            hn_optim_free(*opt);
            *opt = NULL;
        }
    }
#endif
    return st;
}

hn_status hn_optim_new_on(hn_optim **opt, hn_device dev, const hn_optim_config *cfg, const hn_param_view *views,
                          int n_views, hn_error *err)
{
    if (dev == HN_DEVICE_CPU)
        return hn_optim_new(opt, cfg, views, n_views, err);
    hn_status st = hn_device_check(dev, NULL, 0, err);
    if (st)
        return st;
    st = hn_optim_new(opt, cfg, views, n_views, err);
#ifdef HEPNN_HAVE_CUDA
    if (!st) {
        st = hn_cuda_optim_attach(*opt, 0, err); /* the legacy default stream: ordered with every graph's */
        if (st) {
            hn_optim_free(*opt);
            *opt = NULL;
        }
    }
#endif
    return st;
}

hn_status hn_tensor_copy(hn_tensor *dst, int64_t dst_off, const hn_tensor *src, int64_t src_off, int64_t n,
                         hn_error *err)
{
    if (!dst || !src)
        return hn_error_set(err, HN_ERR_ARG, "tensor_copy: tensor is NULL");
    int64_t nd = hn_shape_numel(dst->ndim, dst->shape), ns = hn_shape_numel(src->ndim, src->shape);
    if (n < 0 || dst_off < 0 || src_off < 0 || dst_off > nd - n || src_off > ns - n || !dst->data || !src->data)
        return hn_error_set(err, HN_ERR_ARG,
                            "tensor_copy: %lld values from '%s'[%lld] (%lld values) to '%s'[%lld] (%lld values) "
                            "do not fit",
                            (long long)n, src->name, (long long)src_off, (long long)ns, dst->name, (long long)dst_off,
                            (long long)nd);
    if (dst->graph->device != src->graph->device)
        return hn_error_set(err, HN_ERR_ARG, "tensor_copy: '%s' is on %s, '%s' on %s", src->name,
                            hn_device_name(src->graph->device), dst->name, hn_device_name(dst->graph->device));
    if (n == 0)
        return HN_OK;
#ifdef HEPNN_HAVE_CUDA
    if (dst->graph->device == HN_DEVICE_CUDA) {
        /* queued on dst's stream; a different source graph must have finished
         * writing src (sources are normally data sets uploaded once) */
        if (src->graph != dst->graph) {
            hn_status st = hn_cuda_check(cudaStreamSynchronize(hn_cuda_ctx_of(src->graph)->stream),
                                         "tensor_copy: waiting for the source graph", err);
            if (st)
                return st;
        }
        return hn_cuda_copy(hn_cuda_ctx_of(dst->graph), dst->data + dst_off, src->data + src_off, n, err);
    }
#endif
    memmove(dst->data + dst_off, src->data + src_off, sizeof(float) * (size_t)n);
    return HN_OK;
}

hn_status hn_graph_sync(hn_graph *g, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "graph_sync: graph is NULL");
#ifdef HEPNN_HAVE_CUDA
    if (g->device == HN_DEVICE_CUDA)
        return hn_cuda_sync(hn_cuda_ctx_of(g), err);
#endif
    return HN_OK;
}

hn_status hn_graph_set_tf32(hn_graph *g, int on, hn_error *err)
{
    if (!g)
        return hn_error_set(err, HN_ERR_ARG, "graph_set_tf32: graph is NULL");
#ifdef HEPNN_HAVE_CUDA
    if (g->device == HN_DEVICE_CUDA) {
        hn_cuda_ctx *c = hn_cuda_ctx_of(g);
        hn_status st = hn_cuda_set_tf32(c, on, err);
        c->generation++; /* a captured step keeps the math mode it was captured with */
        return st;
    }
#endif
    (void)on;
    return HN_OK;
}

/* A plain buffer of `bytes` on g's device (zeroed host memory on the CPU). */
static hn_status dev_buf_new(hn_graph *g, size_t bytes, const char *what, void **p, hn_error *err)
{
#ifdef HEPNN_HAVE_CUDA
    if (g->device == HN_DEVICE_CUDA)
        return hn_cuda_buf_alloc(p, bytes, what, err);
#endif
    if (!(*p = calloc(1, bytes)))
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory for %s (%.1f MB)", what, (double)bytes * 1e-6);
    return HN_OK;
}

static void dev_buf_free(hn_graph *g, void *p)
{
#ifdef HEPNN_HAVE_CUDA
    if (g->device == HN_DEVICE_CUDA) {
        hn_cuda_buf_free(p);
        return;
    }
#endif
    (void)g;
    free(p);
}

struct hn_rows {
    hn_graph *g;
    int64_t *rows; /* capacity entries, on g's device */
    int64_t cap, n, limit;
};

hn_status hn_rows_new(hn_rows **out, hn_graph *g, int64_t capacity, hn_error *err)
{
    if (!out || !g)
        return hn_error_set(err, HN_ERR_ARG, "rows_new: %s is NULL", out ? "graph" : "out");
    *out = NULL;
    if (capacity < 1)
        return hn_error_set(err, HN_ERR_ARG, "rows_new: capacity %lld (at least 1)", (long long)capacity);
    hn_rows *r = calloc(1, sizeof *r);
    if (!r)
        return hn_error_set(err, HN_ERR_NOMEM, "rows_new: out of memory");
    r->g = g;
    r->cap = capacity;
    hn_status st = dev_buf_new(g, sizeof(int64_t) * (size_t)capacity, "a row list", (void **)&r->rows, err);
    if (st) {
        free(r);
        return st;
    }
    *out = r;
    return HN_OK;
}

hn_status hn_rows_set(hn_rows *r, const int64_t *rows, int64_t n, int64_t limit, hn_error *err)
{
    if (!r || (!rows && n > 0))
        return hn_error_set(err, HN_ERR_ARG, "rows_set: %s is NULL", r ? "rows" : "the list");
    if (n < 0 || n > r->cap)
        return hn_error_set(err, HN_ERR_ARG, "rows_set: %lld rows for a list of capacity %lld", (long long)n,
                            (long long)r->cap);
    for (int64_t i = 0; i < n; i++)
        if (rows[i] < 0 || rows[i] >= limit)
            return hn_error_set(err, HN_ERR_ARG, "rows_set: entry %lld is row %lld, outside 0..%lld", (long long)i,
                                (long long)rows[i], (long long)limit - 1);
    r->n = 0; /* empty until the copy is done */
    if (n > 0) {
#ifdef HEPNN_HAVE_CUDA
        if (r->g->device == HN_DEVICE_CUDA) {
            hn_status st = hn_cuda_rows_upload(hn_cuda_ctx_of(r->g), r->rows, rows, n, err);
            if (st)
                return st;
        } else
#endif
            memcpy(r->rows, rows, sizeof(int64_t) * (size_t)n);
    }
    r->n = n;
    r->limit = limit;
    return HN_OK;
}

void hn_rows_free(hn_rows *r)
{
    if (!r)
        return;
    dev_buf_free(r->g, r->rows);
    free(r);
}

hn_status hn_tensor_gather_rows(hn_tensor *dst, const hn_tensor *src, const hn_rows *r, int64_t first, int64_t n,
                                hn_error *err)
{
    if (!dst || !src || !r)
        return hn_error_set(err, HN_ERR_ARG, "tensor_gather_rows: %s is NULL",
                            !dst ? "dst" : !src ? "src" : "the row list");
    if (dst == src)
        return hn_error_set(err, HN_ERR_ARG, "tensor_gather_rows: '%s' is both source and destination", dst->name);
    if (dst->ndim < 1 || src->ndim < 1 || !dst->data || !src->data)
        return hn_error_set(err, HN_ERR_ARG, "tensor_gather_rows: '%s' or '%s' has no rows", dst->name, src->name);
    if (dst->graph->device != r->g->device || src->graph->device != r->g->device)
        return hn_error_set(err, HN_ERR_ARG, "tensor_gather_rows: '%s' is on %s, '%s' on %s, the row list on %s",
                            dst->name, hn_device_name(dst->graph->device), src->name,
                            hn_device_name(src->graph->device), hn_device_name(r->g->device));
    int64_t nd = hn_shape_numel(dst->ndim, dst->shape), ns = hn_shape_numel(src->ndim, src->shape);
    int64_t rd = dst->shape[0], rs = src->shape[0], len = rd > 0 ? nd / rd : 0;
    if ((rs > 0 ? ns / rs : 0) != len)
        return hn_error_set(err, HN_ERR_ARG, "tensor_gather_rows: rows of '%s' hold %lld values, rows of '%s' %lld",
                            dst->name, (long long)len, src->name, (long long)(rs > 0 ? ns / rs : 0));
    if (n < 0 || first < 0 || first > r->n - n || n > rd)
        return hn_error_set(err, HN_ERR_ARG,
                            "tensor_gather_rows: list entries %lld..%lld of %lld into %lld rows of '%s'",
                            (long long)first, (long long)(first + n), (long long)r->n, (long long)rd, dst->name);
    if (rs < r->limit)
        return hn_error_set(err, HN_ERR_ARG, "tensor_gather_rows: the list reaches row %lld, '%s' has %lld rows",
                            (long long)r->limit - 1, src->name, (long long)rs);
    if (n == 0 || len == 0)
        return HN_OK;
#ifdef HEPNN_HAVE_CUDA
    if (dst->graph->device == HN_DEVICE_CUDA) {
        if (src->graph != dst->graph) { /* as hn_tensor_copy: src's writes must be done */
            hn_status st = hn_cuda_check(cudaStreamSynchronize(hn_cuda_ctx_of(src->graph)->stream),
                                         "tensor_gather_rows: waiting for the source graph", err);
            if (st)
                return st;
        }
        return hn_cuda_gather_rows(hn_cuda_ctx_of(dst->graph), dst->data, src->data, r->rows + first, n, len, err);
    }
#endif
    for (int64_t i = 0; i < n; i++)
        memcpy(dst->data + i * len, src->data + r->rows[first + i] * len, sizeof(float) * (size_t)len);
    return HN_OK;
}

struct hn_value_log {
    hn_graph *g;
    float *v; /* cap values, on g's device */
    int cap;
};

hn_status hn_value_log_new(hn_value_log **out, hn_graph *g, int capacity, hn_error *err)
{
    if (!out || !g || capacity < 1)
        return hn_error_set(err, HN_ERR_ARG, "value_log_new: NULL argument or capacity %d", capacity);
    *out = NULL;
    hn_value_log *l = calloc(1, sizeof *l);
    if (!l)
        return hn_error_set(err, HN_ERR_NOMEM, "value_log_new: out of memory");
    l->g = g;
    l->cap = capacity;
    hn_status st = dev_buf_new(g, sizeof(float) * (size_t)capacity, "a value log", (void **)&l->v, err);
    if (st) {
        free(l);
        return st;
    }
    *out = l;
    return HN_OK;
}

hn_status hn_value_log_put(hn_value_log *l, int i, const hn_tensor *t, hn_error *err)
{
    if (!l || !t || i < 0 || i >= l->cap || t->graph != l->g || !t->data)
        return hn_error_set(err, HN_ERR_ARG, "value_log_put: slot %d of %d, or a tensor of another graph", i,
                            l ? l->cap : 0);
#ifdef HEPNN_HAVE_CUDA
    if (l->g->device == HN_DEVICE_CUDA)
        return hn_cuda_copy(hn_cuda_ctx_of(l->g), l->v + i, t->data, 1, err);
#endif
    l->v[i] = t->data[0];
    return HN_OK;
}

hn_status hn_value_log_read(hn_value_log *l, float *out, int n, hn_error *err)
{
    if (!l || !out || n < 0 || n > l->cap)
        return hn_error_set(err, HN_ERR_ARG, "value_log_read: %d values of a log of %d", n, l ? l->cap : 0);
#ifdef HEPNN_HAVE_CUDA
    if (l->g->device == HN_DEVICE_CUDA)
        return hn_cuda_values_read(hn_cuda_ctx_of(l->g), out, l->v, n, err);
#endif
    memcpy(out, l->v, sizeof(float) * (size_t)n);
    return HN_OK;
}

void hn_value_log_free(hn_value_log *l)
{
    if (!l)
        return;
    dev_buf_free(l->g, l->v);
    free(l);
}

void *hn_host_pinned_alloc(hn_graph *g, size_t bytes)
{
#ifdef HEPNN_HAVE_CUDA
    if (g && g->device == HN_DEVICE_CUDA)
        return hn_cuda_pinned_alloc(bytes);
#endif
    (void)g;
    return malloc(bytes ? bytes : 1);
}

void hn_host_pinned_free(hn_graph *g, void *p)
{
    if (!p)
        return;
#ifdef HEPNN_HAVE_CUDA
    if (g && g->device == HN_DEVICE_CUDA) {
        hn_cuda_pinned_free(p);
        return;
    }
#endif
    (void)g;
    free(p);
}

struct hn_mark {
    hn_graph *g;
    void *event; /* a CUDA event on a device */
};

hn_status hn_mark_new(hn_mark **out, hn_graph *g, hn_error *err)
{
    if (!out || !g)
        return hn_error_set(err, HN_ERR_ARG, "mark_new: NULL argument");
    hn_mark *m = calloc(1, sizeof *m);
    if (!m)
        return hn_error_set(err, HN_ERR_NOMEM, "mark_new: out of memory");
    m->g = g;
#ifdef HEPNN_HAVE_CUDA
    if (g->device == HN_DEVICE_CUDA) {
        hn_status st = hn_cuda_event_new(&m->event, err);
        if (st) {
            free(m);
            return st;
        }
    }
#endif
    *out = m;
    return HN_OK;
}

hn_status hn_mark_record(hn_mark *m, hn_error *err)
{
    if (!m)
        return hn_error_set(err, HN_ERR_ARG, "mark_record: NULL mark");
#ifdef HEPNN_HAVE_CUDA
    if (m->event)
        return hn_cuda_event_record(hn_cuda_ctx_of(m->g), m->event, err);
#endif
    return HN_OK;
}

hn_status hn_mark_wait(hn_mark *m, hn_error *err)
{
    if (!m)
        return hn_error_set(err, HN_ERR_ARG, "mark_wait: NULL mark");
#ifdef HEPNN_HAVE_CUDA
    if (m->event)
        return hn_cuda_event_wait(m->event, err);
#endif
    return HN_OK;
}

void hn_mark_free(hn_mark *m)
{
    if (!m)
        return;
#ifdef HEPNN_HAVE_CUDA
    if (m->event)
        hn_cuda_event_free(m->event);
#endif
    free(m);
}
