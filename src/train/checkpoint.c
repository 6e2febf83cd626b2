/* Checkpoints: everything needed to continue training exactly where it
 * stopped — every persistent tensor of the model (weights, batch-norm
 * statistics, input standardisation), the best weights so far, the optimiser
 * state, both random generators, the early-stopping counters and the history.
 * Little-endian, CRC-32 protected, written atomically (docs/training.md). */
#include <stdlib.h>
#include <string.h>

#include "io/bytes.h"
#include "io/container.h"
#include "io/fileio.h"
#include "train/train_internal.h"

static const char MAGIC[8] = {'H', 'E', 'P', 'N', 'N', 'C', 'K', 'P'};
enum { VERSION = 1 };

static void put_floats(hn_wbuf *b, const float *v, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        hn_wbuf_f32(b, v[i]);
}

hn_status hn_checkpoint_write(const char *path, hn_model *m, const hn_optim *opt, const hn_train_state *s,
                              hn_error *err)
{
    hn_graph *g = hn_model_get_io(m).graph;
    hn_wbuf b = {0};
    hn_container_begin(&b, MAGIC, VERSION);
    hn_wbuf_u32(&b, (uint32_t)s->epoch);
    for (int i = 0; i < 4; i++)
        hn_wbuf_u64(&b, s->shuffle_rng.s[i]);
    for (int i = 0; i < 4; i++)
        hn_wbuf_u64(&b, hn_graph_rng(g)->s[i]);
    hn_wbuf_f64(&b, s->best_val);
    hn_wbuf_u32(&b, (uint32_t)s->best_epoch);
    hn_wbuf_u32(&b, (uint32_t)s->bad_epochs);
    /* the layout of the persistent tensors, then their values */
    int np = hn_graph_num_persistent(g);
    hn_wbuf_u32(&b, (uint32_t)np);
    for (int i = 0; i < np; i++)
        hn_wbuf_u64(&b, (uint64_t)hn_tensor_numel(hn_graph_persistent(g, i)));
    for (int i = 0; i < np; i++) {
        hn_tensor *t = hn_graph_persistent(g, i);
        put_floats(&b, hn_tensor_data(t), hn_tensor_numel(t));
    }
    hn_wbuf_u32(&b, s->best_epoch > 0);
    if (s->best_epoch > 0)
        put_floats(&b, s->best_weights, s->n_weights);
    hn_wbuf_u32(&b, (uint32_t)s->n_history);
    for (int i = 0; i < s->n_history; i++) {
        const hn_epoch_stats *e = &s->history[i];
        hn_wbuf_u32(&b, (uint32_t)e->epoch);
        hn_wbuf_u32(&b, (uint32_t)e->best);
        hn_wbuf_f64(&b, e->train_loss);
        hn_wbuf_f64(&b, e->val_loss);
        hn_wbuf_f64(&b, e->val_metric);
        hn_wbuf_f64(&b, e->lr);
        hn_wbuf_f64(&b, e->seconds);
        hn_wbuf_f64(&b, e->events_per_second);
    }
    size_t osize = hn_optim_state_size(opt);
    hn_wbuf_u64(&b, osize);
    size_t at = b.n;
    uint8_t *zeros = calloc(osize ? osize : 1, 1);
    hn_wbuf_bytes(&b, zeros, osize);
    free(zeros);
    hn_status st = HN_OK;
    if (b.failed)
        st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory writing the checkpoint", path);
    else
        st = hn_optim_state_save(opt, b.p + at, osize, err);
    if (!st)
        st = hn_container_write(&b, path, err);
    free(b.p);
    return st;
}

static void get_floats(hn_rbuf *r, float *v, int64_t n)
{
    for (int64_t i = 0; i < n && !r->bad; i++)
        v[i] = hn_rbuf_f32(r);
}

hn_status hn_checkpoint_read(const char *path, hn_model *m, hn_optim *opt, hn_train_state *s, hn_error *err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    hn_status st = hn_file_read_all(path, &data, &n, err);
    if (st)
        return st;
    const uint8_t *payload = NULL;
    size_t len = 0;
    st = hn_container_check(data, n, MAGIC, VERSION, "checkpoint", path, &payload, &len, err);
    if (st) {
        free(data);
        return st;
    }
    hn_rbuf r = {payload, len, 0, 0};
    hn_graph *g = hn_model_get_io(m).graph;
    hn_train_state t = *s;
    t.history = NULL;
    t.n_history = t.cap_history = 0;
    t.epoch = (int)hn_rbuf_u32(&r);
    for (int i = 0; i < 4; i++)
        t.shuffle_rng.s[i] = hn_rbuf_u64(&r);
    hn_rng grng;
    for (int i = 0; i < 4; i++)
        grng.s[i] = hn_rbuf_u64(&r);
    t.best_val = hn_rbuf_f64(&r);
    t.best_epoch = (int)hn_rbuf_u32(&r);
    t.bad_epochs = (int)hn_rbuf_u32(&r);
    int np = hn_graph_num_persistent(g);
    int layout_ok = (int)hn_rbuf_u32(&r) == np;
    for (int i = 0; layout_ok && i < np; i++)
        layout_ok = hn_rbuf_u64(&r) == (uint64_t)hn_tensor_numel(hn_graph_persistent(g, i));
    if (!layout_ok || r.bad) {
        free(data);
        return hn_error_set(err, HN_ERR_FORMAT, "%s: the checkpoint was written for another model architecture", path);
    }
    float *current = malloc(sizeof(float) * (size_t)(s->n_weights + 1));
    if (!current) {
        free(data);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    }
    get_floats(&r, current, s->n_weights);
    int has_best = (int)hn_rbuf_u32(&r);
    if (has_best)
        get_floats(&r, s->best_weights, s->n_weights);
    uint32_t nh = hn_rbuf_u32(&r);
    if (!r.bad && (size_t)nh * 56 <= r.n - r.pos && nh > 0) {
        t.history = malloc(sizeof *t.history * nh);
        if (!t.history)
            r.bad = 1;
        t.cap_history = (int)nh;
    }
    for (uint32_t i = 0; !r.bad && i < nh; i++) {
        hn_epoch_stats *e = &t.history[i];
        if (!t.history) {
            r.bad = 1;
            break;
        }
        e->epoch = (int)hn_rbuf_u32(&r);
        e->best = (int)hn_rbuf_u32(&r);
        e->train_loss = hn_rbuf_f64(&r);
        e->val_loss = hn_rbuf_f64(&r);
        e->val_metric = hn_rbuf_f64(&r);
        e->lr = hn_rbuf_f64(&r);
        e->seconds = hn_rbuf_f64(&r);
        e->events_per_second = hn_rbuf_f64(&r);
        t.n_history = (int)i + 1;
    }
    uint64_t osize = hn_rbuf_u64(&r);
    const uint8_t *ostate = osize <= r.n - r.pos ? hn_rbuf_take(&r, (size_t)osize) : NULL;
    if (r.bad || !ostate || r.pos != r.n || t.n_history != (int)nh || (has_best && t.best_epoch < 1))
        st = hn_error_set(err, HN_ERR_FORMAT, "%s: malformed checkpoint record", path);
    if (!st)
        st = hn_optim_state_load(opt, ostate, (size_t)osize, err);
    if (!st) {
        /* everything checked: now change the model (a CPU model: its copy
         * cannot fail) and the trainer */
        st = hn_persistent_copy(g, current, 1, err);
        *hn_graph_rng(g) = grng;
        free(s->history);
        *s = t;
        t.history = NULL;
    }
    free(t.history);
    free(current);
    free(data);
    return st;
}
