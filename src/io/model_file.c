/* The model file: a versioned, little-endian, checksummed binary format
 * (docs/model-format.md). Saving is atomic; loading checks everything and
 * returns either a complete model or an error naming the problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/model.h"
#include "io/bytes.h"
#include "io/container.h"
#include "io/fileio.h"
#include "io/model_file.h"

static const char MAGIC[8] = {'H', 'E', 'P', 'N', 'N', 'M', 'O', 'D'};
enum { MAX_MODEL_BYTES = 1u << 30, MAX_NAME = 255 };
/* a SPEC layer record: docs/model-format.md */
enum { LAYER_BYTES = 152 };
enum { FLAG_BIDIRECTIONAL = 1u, FLAG_SEQUENCES = 2u, FLAG_BATCH_NORM = 4u, FLAG_ALL = 7u };
enum { TAG_SPEC = 1, TAG_TENSOR = 2, TAG_FEATURES = 3, TAG_CLASSES = 4, TAG_META = 5 };

static size_t record_begin(hn_wbuf *b, uint32_t tag)
{
    hn_wbuf_u32(b, tag);
    hn_wbuf_u32(b, 0);
    size_t at = b->n;
    hn_wbuf_u64(b, 0); /* length, patched by record_end */
    return at;
}

static void record_end(hn_wbuf *b, size_t at) { hn_wbuf_patch_u64(b, at, (uint64_t)(b->n - at - 8)); }

static void put_names(hn_wbuf *b, uint32_t tag, const hn_model *m, int n, const char *(*get)(const hn_model *, int))
{
    if (!get(m, 0))
        return;
    size_t at = record_begin(b, tag);
    hn_wbuf_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++)
        hn_wbuf_str(b, get(m, i));
    record_end(b, at);
}

hn_status hn_model_serialize(const hn_model *m, hn_wbuf *b, hn_error *err)
{
    if (hn_model_device(m) != HN_DEVICE_CPU)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "model_save: the model is on device %s; copy its values into a "
                            "CPU model (hn_model_copy_values) and save that", hn_device_name(hn_model_device(m)));
    const hn_model_spec *s = hn_model_get_spec(m);
    size_t at = record_begin(b, TAG_SPEC);
    hn_wbuf_u32(b, (uint32_t)s->task);
    hn_wbuf_u32(b, (uint32_t)s->n_inputs);
    hn_wbuf_u32(b, (uint32_t)s->n_outputs);
    hn_wbuf_u32(b, (uint32_t)s->n_layers);
    hn_wbuf_u64(b, s->seed);
    for (int i = 0; i < s->n_layers; i++) {
        const hn_layer_spec *l = &s->layers[i];
        hn_wbuf_u32(b, (uint32_t)l->kind);
        hn_wbuf_u32(b, (uint32_t)l->init);
        hn_wbuf_u32(b, (uint32_t)l->act);
        hn_wbuf_u32(b, (uint32_t)l->cell);
        hn_wbuf_u64(b, (uint64_t)l->units);
        hn_wbuf_f32(b, l->alpha);
        hn_wbuf_f32(b, l->rate);
        hn_wbuf_f32(b, l->momentum);
        hn_wbuf_f32(b, l->eps);
        hn_wbuf_u64(b, (uint64_t)l->kernel[0]);
        hn_wbuf_u64(b, (uint64_t)l->kernel[1]);
        hn_wbuf_u64(b, (uint64_t)l->stride);
        hn_wbuf_u64(b, (uint64_t)l->pad);
        hn_wbuf_u64(b, (uint64_t)l->dilation);
        hn_wbuf_u64(b, (uint64_t)l->out_pad);
        hn_wbuf_u32(b, (l->bidirectional ? FLAG_BIDIRECTIONAL : 0u) | (l->return_sequences ? FLAG_SEQUENCES : 0u) |
                           (l->batch_norm ? FLAG_BATCH_NORM : 0u));
        hn_wbuf_u32(b, (uint32_t)l->truncate);
        hn_wbuf_u32(b, (uint32_t)l->shape_ndim);
        hn_wbuf_u32(b, 0);
        for (int d = 0; d < 3; d++)
            hn_wbuf_u64(b, (uint64_t)l->shape[d]);
        hn_wbuf_u64(b, (uint64_t)l->offset);
        hn_wbuf_u64(b, (uint64_t)l->objects);
        hn_wbuf_u64(b, (uint64_t)l->vars);
    }
    record_end(b, at);
    hn_graph *g = hn_model_get_io((hn_model *)m).graph;
    for (int i = 0; i < hn_graph_num_persistent(g); i++) {
        hn_tensor *t = hn_graph_persistent(g, i);
        at = record_begin(b, TAG_TENSOR);
        hn_wbuf_str(b, hn_tensor_name(t));
        hn_wbuf_u32(b, (uint32_t)hn_tensor_ndim(t));
        for (int d = 0; d < hn_tensor_ndim(t); d++)
            hn_wbuf_u64(b, (uint64_t)hn_tensor_dim(t, d));
        const float *v = hn_tensor_data(t);
        for (int64_t k = 0; k < hn_tensor_numel(t); k++)
            hn_wbuf_f32(b, v[k]);
        record_end(b, at);
    }
    put_names(b, TAG_FEATURES, m, s->n_inputs, hn_model_feature_name);
    int n_classes = s->task == HN_TASK_MULTICLASS ? s->n_outputs : 2;
    if (s->task != HN_TASK_REGRESSION)
        put_names(b, TAG_CLASSES, m, n_classes, hn_model_class_name);
    at = record_begin(b, TAG_META);
    const char *meta = hn_model_meta(m);
    hn_wbuf_bytes(b, meta, strlen(meta));
    record_end(b, at);
    if (b->failed)
        return hn_error_set(err, HN_ERR_NOMEM, "model: out of memory while serialising");
    return HN_OK;
}

hn_status hn_model_save(const hn_model *m, const char *path, hn_error *err)
{
    if (!m || !path)
        return hn_error_set(err, HN_ERR_ARG, "model_save: model or path is NULL");
    hn_wbuf b = {0};
    hn_container_begin(&b, MAGIC, HN_MODEL_FORMAT_VERSION);
    hn_status st = hn_model_serialize(m, &b, err);
    if (!st)
        st = hn_container_write(&b, path, err);
    free(b.p);
    return st;
}

/* Reads a names record into a freshly allocated array of n strings. */
static hn_status get_names(hn_rbuf *r, int expect, char ***out, const char *what, const char *path, hn_error *err)
{
    uint32_t n = hn_rbuf_u32(r);
    if (r->bad || (int64_t)n != expect)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: %s record lists %u names, the model has %d", path, what, n, expect);
    char **names = calloc(n ? n : 1, sizeof *names);
    if (!names)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    for (uint32_t i = 0; i < n; i++) {
        char buf[MAX_NAME + 1];
        hn_rbuf_str(r, buf, sizeof buf);
        names[i] = r->bad ? NULL : malloc(strlen(buf) + 1);
        if (!names[i]) {
            for (uint32_t k = 0; k < i; k++)
                free(names[k]);
            free(names);
            return hn_error_set(err, HN_ERR_FORMAT, "%s: %s name %u is malformed (at payload offset %zu)", path, what,
                                i, r->pos);
        }
        strcpy(names[i], buf);
    }
    *out = names;
    return HN_OK;
}

static void free_list(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

hn_status hn_model_deserialize(hn_model **out, const uint8_t *payload, size_t n, const char *path, hn_error *err)
{
    *out = NULL;
    hn_rbuf r = {payload, n, 0, 0};
    /* the spec comes first */
    uint32_t tag = hn_rbuf_u32(&r);
    hn_rbuf_u32(&r);
    uint64_t len = hn_rbuf_u64(&r);
    if (r.bad || tag != TAG_SPEC || len > n - r.pos)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: the first record is not a model description", path);
    size_t spec_end = r.pos + (size_t)len;
    hn_model_spec spec = {0};
    spec.task = (hn_task)hn_rbuf_u32(&r);
    spec.n_inputs = (int)hn_rbuf_u32(&r);
    spec.n_outputs = (int)hn_rbuf_u32(&r);
    uint32_t n_layers = hn_rbuf_u32(&r);
    spec.seed = hn_rbuf_u64(&r);
    if (r.bad || n_layers > 10000 || spec.n_inputs < 0 || spec.n_outputs < 0 || (uint64_t)n_layers * LAYER_BYTES > len)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: model description is malformed (%u layers)", path, n_layers);
    hn_layer_spec *layers = calloc(n_layers ? n_layers : 1, sizeof *layers);
    if (!layers)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    for (uint32_t i = 0; i < n_layers; i++) {
        hn_layer_spec *l = &layers[i];
        l->kind = (hn_layer_kind)hn_rbuf_u32(&r);
        l->init = (hn_init_kind)hn_rbuf_u32(&r);
        l->act = (hn_act_kind)hn_rbuf_u32(&r);
        l->cell = (int)hn_rbuf_u32(&r);
        l->units = (int64_t)hn_rbuf_u64(&r);
        l->alpha = hn_rbuf_f32(&r);
        l->rate = hn_rbuf_f32(&r);
        l->momentum = hn_rbuf_f32(&r);
        l->eps = hn_rbuf_f32(&r);
        l->kernel[0] = (int64_t)hn_rbuf_u64(&r);
        l->kernel[1] = (int64_t)hn_rbuf_u64(&r);
        l->stride = (int64_t)hn_rbuf_u64(&r);
        l->pad = (int64_t)hn_rbuf_u64(&r);
        l->dilation = (int64_t)hn_rbuf_u64(&r);
        l->out_pad = (int64_t)hn_rbuf_u64(&r);
        uint32_t flags = hn_rbuf_u32(&r);
        l->bidirectional = (flags & FLAG_BIDIRECTIONAL) != 0;
        l->return_sequences = (flags & FLAG_SEQUENCES) != 0;
        l->batch_norm = (flags & FLAG_BATCH_NORM) != 0;
        uint32_t truncate = hn_rbuf_u32(&r), ndim = hn_rbuf_u32(&r), zero = hn_rbuf_u32(&r);
        l->truncate = truncate > (1u << 30) ? -1 : (int)truncate;
        l->shape_ndim = ndim > 3 ? -1 : (int)ndim;
        for (int d = 0; d < 3; d++)
            l->shape[d] = (int64_t)hn_rbuf_u64(&r);
        l->offset = (int64_t)hn_rbuf_u64(&r);
        l->objects = (int64_t)hn_rbuf_u64(&r);
        l->vars = (int64_t)hn_rbuf_u64(&r);
        if (!r.bad && ((flags & ~FLAG_ALL) || zero)) {
            free(layers);
            return hn_error_set(err, HN_ERR_FORMAT, "%s: layer %u of the model description has unknown flags or a "
                                "non-zero reserved field", path, i + 1);
        }
    }
    spec.n_layers = (int)n_layers;
    spec.layers = layers;
    hn_model *m = NULL;
    hn_status st = (r.bad || r.pos != spec_end)
                       ? hn_error_set(err, HN_ERR_FORMAT, "%s: model description is truncated or has %s bytes", path,
                                      r.pos < spec_end ? "extra" : "missing")
                       : hn_model_new(&m, &spec, err);
    free(layers);
    if (st)
        return hn_error_prefix(err, "%s: stored model description is invalid", path);
    hn_graph *g = hn_model_get_io(m).graph;
    int n_persist = hn_graph_num_persistent(g), n_set = 0;
    char *seen = calloc((size_t)n_persist + 1, 1);
    char **features = NULL, **classes = NULL;
    int n_classes = spec.task == HN_TASK_MULTICLASS ? spec.n_outputs : 2;
    if (!seen)
        st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    while (!st && r.pos < n) {
        size_t rec_at = r.pos;
        tag = hn_rbuf_u32(&r);
        hn_rbuf_u32(&r);
        len = hn_rbuf_u64(&r);
        if (r.bad || len > n - r.pos) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: record at payload offset %zu runs past the end", path, rec_at);
            break;
        }
        hn_rbuf rec = {r.p + r.pos, (size_t)len, 0, 0};
        r.pos += (size_t)len;
        if (tag == TAG_TENSOR) {
            char name[MAX_NAME + 1];
            hn_rbuf_str(&rec, name, sizeof name);
            uint32_t ndim = hn_rbuf_u32(&rec);
            hn_tensor *t = NULL;
            int idx = -1;
            for (int i = 0; i < n_persist && !rec.bad; i++)
                if (!strcmp(hn_tensor_name(hn_graph_persistent(g, i)), name)) {
                    t = hn_graph_persistent(g, i);
                    idx = i;
                }
            if (rec.bad || !t) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: tensor '%s' (payload offset %zu) is not part of the model",
                                  path, name, rec_at);
                break;
            }
            int ok = (int)ndim == hn_tensor_ndim(t) && !seen[idx];
            for (uint32_t d = 0; ok && d < ndim; d++)
                ok = hn_rbuf_u64(&rec) == (uint64_t)hn_tensor_dim(t, (int)d);
            int64_t cnt = hn_tensor_numel(t);
            if (!ok || rec.bad || rec.n - rec.pos != (size_t)cnt * 4) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: tensor '%s' has the wrong shape or size, or appears twice",
                                  path, name);
                break;
            }
            float *v = hn_tensor_data(t);
            for (int64_t k = 0; k < cnt; k++)
                v[k] = hn_rbuf_f32(&rec);
            seen[idx] = 1;
            n_set++;
        } else if (tag == TAG_FEATURES || tag == TAG_CLASSES) {
            int is_f = tag == TAG_FEATURES;
            char ***dst = is_f ? &features : &classes;
            if (*dst) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: two %s records", path, is_f ? "feature" : "class");
                break;
            }
            st = get_names(&rec, is_f ? spec.n_inputs : n_classes, dst, is_f ? "feature" : "class", path, err);
        } else if (tag == TAG_META) {
            char *meta = malloc((size_t)len + 1);
            if (!meta) {
                st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            memcpy(meta, rec.p, (size_t)len);
            meta[len] = '\0';
            if (strlen(meta) != (size_t)len)
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: metadata holds a NUL byte", path);
            else
                st = hn_model_set_meta(m, meta, err);
            free(meta);
        } else {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: unknown record type %u at payload offset %zu", path, tag, rec_at);
        }
    }
    if (!st && n_set != n_persist)
        st = hn_error_set(err, HN_ERR_FORMAT, "%s: %d of the model's %d tensors are missing", path, n_persist - n_set,
                          n_persist);
    if (!st && (features || classes))
        st = hn_model_set_names(m, (const char *const *)features, features ? spec.n_inputs : 0,
                                (const char *const *)classes, classes ? n_classes : 0, err);
    free_list(features, spec.n_inputs);
    free_list(classes, n_classes);
    free(seen);
    if (st) {
        hn_model_free(m);
        return st;
    }
    *out = m;
    return HN_OK;
}

hn_status hn_model_load(hn_model **out, const char *path, hn_error *err)
{
    if (!out || !path)
        return hn_error_set(err, HN_ERR_ARG, "model_load: out or path is NULL");
    *out = NULL;
    uint8_t *data = NULL;
    const uint8_t *payload = NULL;
    size_t n = 0, len = 0;
    hn_status st = hn_file_read_all(path, &data, &n, err);
    if (!st && n > MAX_MODEL_BYTES)
        st = hn_error_set(err, HN_ERR_FORMAT, "%s: %zu bytes, larger than any model this hepnn writes", path, n);
    if (!st)
        st = hn_container_check(data, n, MAGIC, HN_MODEL_FORMAT_VERSION, "model file", path, &payload, &len, err);
    if (!st)
        st = hn_model_deserialize(out, payload, len, path, err);
    free(data);
    return st;
}
