/* The training loop. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/device_internal.h"
#include "core/fpmode.h"
#include "hepnn/device.h"
#include "hepnn/metrics.h"
#include "nn/model_internal.h"
#include "train/train_internal.h"

hn_train_config hn_train_config_default(void)
{
    hn_train_config c;
    memset(&c, 0, sizeof c);
    c.optim = hn_optim_config_default(HN_OPTIM_ADAM);
    c.schedule.kind = HN_SCHED_CONSTANT;
    c.schedule.step_size = 1;
    c.schedule.gamma = 1.0;
    c.epochs = 10;
    c.batch_size = 256;
    c.shuffle = 1;
    c.restore_best = 1;
    c.norm = HN_NORM_STANDARD;
    c.seed = 1;
    return c;
}

void hn_train_result_free(hn_train_result *r)
{
    if (!r)
        return;
    free(r->history);
    memset(r, 0, sizeof *r);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int64_t hn_persistent_size(hn_graph *g)
{
    int64_t n = 0;
    for (int i = 0; i < hn_graph_num_persistent(g); i++)
        n += hn_tensor_numel(hn_graph_persistent(g, i));
    return n;
}

hn_status hn_persistent_copy(hn_graph *g, float *buf, int to_graph, hn_error *err)
{
    hn_status st = HN_OK;
    for (int i = 0; i < hn_graph_num_persistent(g) && !st; i++) {
        hn_tensor *t = hn_graph_persistent(g, i);
        int64_t k = hn_tensor_numel(t);
        st = to_graph ? hn_tensor_set(t, buf, k, err) : hn_tensor_get(t, buf, k, err);
        buf += k;
    }
    return st;
}

/* Where a batch is assembled on the host: the input tensors themselves on the
 * CPU; on a device, two sets of page-locked host buffers used in turn, so the
 * copy of one batch runs on the device while the host assembles the next. A
 * set is reused only once the device has passed the mark recorded after its
 * copies. */
typedef struct {
    struct {
        float *x, *y, *w;
        hn_mark *copied;
        int pending;
    } slot[2];
    hn_graph *g;
    int64_t cap;
    int next;
} stage;

static void stage_free(stage *s)
{
    for (int k = 0; k < 2; k++) {
        if (s->slot[k].pending)
            (void)hn_mark_wait(s->slot[k].copied, NULL);
        hn_mark_free(s->slot[k].copied);
        hn_host_pinned_free(s->g, s->slot[k].x);
        hn_host_pinned_free(s->g, s->slot[k].y);
        hn_host_pinned_free(s->g, s->slot[k].w);
    }
    memset(s, 0, sizeof *s);
}

/* Batches go through the buffers on a device, and on the CPU when the tests
 * ask for the device loop with host batches (so the turns are tested too). */
static int staged(const hn_model_io *io)
{
    return hn_graph_device(io->graph) != HN_DEVICE_CPU || hn_train_device_path_on_cpu == 2;
}

static hn_status stage_rows(stage *s, const hn_model_io *io, const hn_dataset *d, int64_t b, float **x, float **y,
                            float **w, hn_error *err)
{
    hn_graph *g = io->graph;
    if (!staged(io)) {
        *x = hn_tensor_data(io->x), *y = hn_tensor_data(io->target), *w = hn_tensor_data(io->weight);
        return HN_OK;
    }
    if (b > s->cap || s->g != g) {
        stage_free(s);
        s->g = g;
        for (int k = 0; k < 2; k++) {
            s->slot[k].x = hn_host_pinned_alloc(g, sizeof(float) * (size_t)(b * d->n_features));
            s->slot[k].y = hn_host_pinned_alloc(g, sizeof(float) * (size_t)(b * d->n_targets));
            s->slot[k].w = hn_host_pinned_alloc(g, sizeof(float) * (size_t)b);
            if (!s->slot[k].x || !s->slot[k].y || !s->slot[k].w) {
                stage_free(s);
                return hn_error_set(err, HN_ERR_NOMEM, "train: out of host memory for a batch of %lld events",
                                    (long long)b);
            }
            hn_status st = hn_mark_new(&s->slot[k].copied, g, err);
            if (st) {
                stage_free(s);
                return st;
            }
        }
        s->cap = b;
    }
    int k = s->next;
    if (s->slot[k].pending) { /* its last copies must have run before it is overwritten */
        hn_status st = hn_mark_wait(s->slot[k].copied, err);
        if (st)
            return st;
        s->slot[k].pending = 0;
    }
    *x = s->slot[k].x, *y = s->slot[k].y, *w = s->slot[k].w;
    return HN_OK;
}

/* Queues the copies of the set stage_rows gave out into the inputs. */
static hn_status stage_upload(stage *s, const hn_model_io *io, const hn_dataset *d, int64_t b, hn_error *err)
{
    if (!staged(io))
        return HN_OK;
    int k = s->next;
    hn_status st = hn_tensor_set(io->x, s->slot[k].x, b * d->n_features, err);
    if (!st)
        st = hn_tensor_set(io->target, s->slot[k].y, b * d->n_targets, err);
    if (!st)
        st = hn_tensor_set(io->weight, s->slot[k].w, b, err);
    if (!st)
        st = hn_mark_record(s->slot[k].copied, err);
    if (!st) {
        s->slot[k].pending = 1;
        s->next ^= 1;
    } else if (hn_mark_record(s->slot[k].copied, NULL) == HN_OK) {
        /* a copy queued before the failure may still read the buffer: let it finish before
         * the buffer is written again or freed */
        (void)hn_mark_wait(s->slot[k].copied, NULL);
    }
    return st;
}

/* Events per forward pass of hn_model_evaluate (validation included). */
#define EVAL_CHUNK 4096

/* The training weight of event k: its own, times its class's scale when given. */
static float row_weight(const hn_dataset *d, int64_t k, const double *class_scale, int task)
{
    double wi = d->w ? d->w[k] : 1.0;
    if (class_scale && task != HN_TASK_REGRESSION)
        wi *= class_scale[(int)d->y[k]];
    return (float)wi;
}

/* Copies rows rows[0..b) (or b rows from first when rows is NULL) into x, y,
 * w; weights multiplied by the class scale when given. */
static void gather(float *x, float *y, float *w, const hn_dataset *d, const int64_t *rows, int64_t first, int64_t b,
                   const double *class_scale, int task)
{
    int64_t f = d->n_features, t = d->n_targets;
    for (int64_t i = 0; i < b; i++) {
        int64_t k = rows ? rows[i] : first + i;
        if (rows && i + 8 < b) /* shuffled rows: start fetching a few ahead */
            __builtin_prefetch(d->x + rows[i + 8] * f);
        memcpy(x + i * f, d->x + k * f, sizeof(float) * (size_t)f);
        memcpy(y + i * t, d->y + k * t, sizeof(float) * (size_t)t);
        w[i] = row_weight(d, k, class_scale, task);
    }
}

hn_status hn_model_evaluate(hn_model *m, const hn_dataset *d, double *loss, float *out, hn_error *err)
{
    if (!m || !d)
        return hn_error_set(err, HN_ERR_ARG, "model_evaluate: NULL argument");
    hn_status st = hn_dataset_check(m, d, "evaluation", err);
    if (st)
        return st;
    hn_model_io io = hn_model_get_io(m);
    int o = hn_model_get_spec(m)->n_outputs, was = hn_graph_training(io.graph);
    hn_graph_set_training(io.graph, 0);
    double total = 0.0;
    const int64_t chunk = EVAL_CHUNK;
    stage sg = {0};
    for (int64_t s = 0; s < d->n && !st; s += chunk) {
        int64_t b = d->n - s < chunk ? d->n - s : chunk;
        float *x, *y, *w, l;
        if ((st = hn_graph_set_batch(io.graph, b, err)) || (st = stage_rows(&sg, &io, d, b, &x, &y, &w, err)))
            break;
        gather(x, y, w, d, NULL, s, b, NULL, 0);
        if ((st = stage_upload(&sg, &io, d, b, err)) || (st = hn_graph_forward(io.graph, err)) ||
            (st = hn_tensor_get(io.loss, &l, 1, err)))
            break;
        total += (double)l * (double)b;
        if (out && (st = hn_tensor_get(io.output, out + s * o, b * o, err)))
            break;
    }
    stage_free(&sg);
    hn_graph_set_training(io.graph, was);
    if (!st && loss)
        *loss = d->n ? total / (double)d->n : NAN;
    return st;
}

/* Validation metric: AUC (binary), accuracy (multi-class), NaN (regression). */
static double val_metric(const hn_model *m, const hn_dataset *d, const float *out, int32_t *labels)
{
    const hn_model_spec *s = hn_model_get_spec(m);
    if (s->task == HN_TASK_REGRESSION || d->n == 0)
        return NAN;
    for (int64_t i = 0; i < d->n; i++)
        labels[i] = (int32_t)d->y[i];
    hn_reals w = d->w ? hn_reals_f32(d->w) : hn_reals_none();
    double v = NAN;
    if (s->task == HN_TASK_BINARY) {
        hn_binary_input in = hn_binary_input_make((size_t)d->n, hn_reals_f32(out), labels, w);
        if (hn_auc(&in, &v, NULL))
            v = NAN;
    } else {
        int32_t *pred = malloc(sizeof(int32_t) * (size_t)d->n);
        if (pred && !hn_predict_argmax((size_t)d->n, (size_t)s->n_outputs, hn_reals_f32(out), pred, NULL) &&
            hn_accuracy((size_t)d->n, pred, labels, w, &v, NULL))
            v = NAN;
        free(pred);
    }
    return v;
}

/* Multipliers that give every class the same total weight (Keras' "balanced"). */
static hn_status class_scales(const hn_model *m, const hn_dataset *d, double *scale, hn_error *err)
{
    const hn_model_spec *s = hn_model_get_spec(m);
    int k = s->task == HN_TASK_MULTICLASS ? s->n_outputs : 2;
    double tot[256] = {0}, all = 0.0;
    for (int64_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        tot[(int)d->y[i]] += w;
        all += w;
    }
    for (int c = 0; c < k; c++) {
        if (!(tot[c] > 0.0))
            return hn_error_set(err, HN_ERR_ARG, "balance_classes: class %d has total weight %g; it must be positive",
                                c, tot[c]);
        scale[c] = all / ((double)k * tot[c]);
    }
    return HN_OK;
}

/* Mean and 1/σ of each regression target over the training events. */
static hn_status target_normalisation(hn_model *m, const hn_dataset *d, hn_error *err)
{
    int t = d->n_targets;
    hn_dataset view = {d->n, t, 0, d->y, NULL, NULL, 0};
    float *shift = malloc(sizeof(float) * (size_t)t), *scale = malloc(sizeof(float) * (size_t)t);
    hn_status st = (!shift || !scale) ? hn_error_set(err, HN_ERR_NOMEM, "train: out of memory")
                                      : hn_norm_compute(&view, HN_NORM_STANDARD, shift, scale, err);
    if (!st)
        st = hn_model_set_target_normalisation(m, shift, scale, err);
    free(shift);
    free(scale);
    return st;
}

static hn_status history_push(hn_train_state *s, const hn_epoch_stats *e, hn_error *err)
{
    if (s->n_history == s->cap_history) {
        int cap = s->cap_history ? 2 * s->cap_history : 16;
        hn_epoch_stats *h = realloc(s->history, sizeof *h * (size_t)cap);
        if (!h)
            return hn_error_set(err, HN_ERR_NOMEM, "train: out of memory for the history");
        s->history = h;
        s->cap_history = cap;
    }
    s->history[s->n_history++] = *e;
    return HN_OK;
}

/* On a device the loss of each batch is logged there and read back once
 * every LOSS_BLOCK batches (and at the end of each chunk), so the host does
 * not wait for every step; the progress callback then runs for those batches
 * in order, with the same values, a few batches late. */
#define LOSS_BLOCK 16

typedef struct {
    hn_model *m;
    hn_model *dm;   /* on a device: the model trained there (m gets its values back) */
    hn_model *w;    /* the model that trains: m, or dm */
    hn_plan *plan;  /* on a device: zero_grad, forward, backward and step as one captured unit */
    hn_value_log *losses; /* on a device: the batch losses not yet read (read every LOSS_BLOCK batches) */
    stage sg;
    hn_model_io io; /* of w */
    const hn_train_config *cfg;
    const hn_data_stream *stream;
    const hn_dataset *val;
    hn_optim *opt;
    hn_param_view *views;
    float **grads;
    int n_params;
    double class_scale[256];
    int use_scale;
    int64_t *perm, perm_cap;
    /* on a device: the training events kept there (state tensors of their own
     * graph), read in shuffled batches through a row list */
    struct {
        hn_graph *g;
        hn_tensor *x, *y, *w;
        hn_rows *rows;
        const float *src_x; /* the chunk they hold */
        int64_t n;
        int off; /* 1 after the device refused the memory: batches go through the host */
    } res;
    float *val_out;
    int32_t *val_labels;
    hn_fast_mlp *fast; /* the fused step, when the model allows it */
    int64_t fast_batch; /* the largest batch it was made for */
    hn_train_state st;
} trainer;

static void trainer_free(trainer *t)
{
    stage_free(&t->sg); /* first: its page-locked buffers are released through the device model's graph */
    hn_rows_free(t->res.rows);
    hn_graph_free(t->res.g);
    hn_value_log_free(t->losses);
    hn_plan_free(t->plan);
    hn_optim_free(t->opt);
    hn_model_free(t->dm);
    hn_fast_mlp_free(t->fast);
    free(t->views);
    free(t->grads);
    free(t->perm);
    free(t->val_out);
    free(t->val_labels);
    free(t->st.best_weights);
    free(t->st.history);
}

static hn_status trainer_init(trainer *t, hn_error *err)
{
    const hn_model_spec *s = hn_model_get_spec(t->m);
    hn_device dev = t->cfg->device;
    t->w = t->m;
    if (hn_model_device(t->m) != HN_DEVICE_CPU)
        return hn_error_set(err, HN_ERR_ARG, "train: the model is on %s; pass a CPU model and set the config's device",
                            hn_device_name(hn_model_device(t->m)));
    if (dev != HN_DEVICE_CPU || hn_train_device_path_on_cpu) {
        /* the penalty becomes part of the device graph's loss (the host cannot
         * add its gradient there); its values come from m once m is ready */
        hn_status st = hn_model_new_penalised(&t->dm, s, dev, t->cfg->penalty.l1, t->cfg->penalty.l2, err);
        if (st)
            return hn_error_prefix(err, "train: device %s", hn_device_name(dev));
        t->w = t->dm;
    }
    t->io = hn_model_get_io(t->w);
    hn_graph *g = t->io.graph;
    t->n_params = hn_graph_num_params(g);
    t->views = calloc((size_t)t->n_params, sizeof *t->views);
    t->grads = calloc((size_t)t->n_params, sizeof *t->grads);
    int64_t nv = t->val ? t->val->n : 0;
    t->val_out = malloc(sizeof(float) * (size_t)(nv * s->n_outputs + 1));
    t->val_labels = malloc(sizeof(int32_t) * (size_t)(nv + 1));
    t->st.n_weights = hn_persistent_size(g);
    t->st.best_weights = malloc(sizeof(float) * (size_t)(t->st.n_weights + 1));
    if (!t->views || !t->grads || !t->val_out || !t->val_labels || !t->st.best_weights)
        return hn_error_set(err, HN_ERR_NOMEM, "train: out of memory");
    for (int i = 0; i < t->n_params; i++) {
        hn_tensor *p = hn_graph_param(g, i);
        t->views[i] = (hn_param_view){hn_tensor_data(p), hn_tensor_grad(p), hn_tensor_numel(p),
                                      hn_model_param_decays(t->w, i), hn_tensor_name(p)};
        t->grads[i] = hn_tensor_grad(p);
    }
    hn_optim_config oc = t->cfg->optim;
    hn_status st = hn_optim_new_graph_views(&t->opt, &oc, g, t->views, t->n_params, err);
    if (st)
        return st;
    hn_rng_seed(&t->st.shuffle_rng, t->cfg->seed);
    t->st.best_val = INFINITY;
    if (t->dm) { /* on a device: zero_grad, forward, backward and step captured as one unit */
        st = hn_value_log_new(&t->losses, g, LOSS_BLOCK, err);
        return st ? st : hn_plan_new(&t->plan, g, hn_model_train_loss(t->dm), t->opt, err);
    }
    /* the fused step for plain MLPs (same bits as the graph's; its buffers are
     * per event, so not for full-batch gradient descent on a large set) */
    int64_t n = t->stream->n_events > 0 ? t->stream->n_events : 65536;
    int64_t bs = t->cfg->batch_size > 0 && t->cfg->batch_size < n ? t->cfg->batch_size : n;
    if (bs <= 65536) {
        t->fast = hn_fast_mlp_new(t->m, bs);
        t->fast_batch = bs; /* larger batches (a bigger streamed chunk) take the graph */
    }
    return HN_OK;
}

int hn_train_device_path_on_cpu;
int hn_train_skip;

static void resident_drop(trainer *t)
{
    hn_rows_free(t->res.rows);
    hn_graph_free(t->res.g);
    t->res.rows = NULL;
    t->res.g = NULL;
    t->res.src_x = NULL;
    t->res.n = 0;
}

/* Puts the chunk d into device memory: once when it is the whole training
 * set (a chunk of all the stream's events is the same events every epoch),
 * each time for the chunks of a stream. Out of device memory is not an
 * error: batches then go through the host (res.off). */
static hn_status resident_load(trainer *t, const hn_dataset *d, hn_error *err)
{
    if (t->res.g && t->res.src_x == d->x && t->res.n == d->n && d->n == t->stream->n_events)
        return HN_OK;
    resident_drop(t);
    int64_t n = d->n, f = d->n_features, nt = d->n_targets;
    float *w = malloc(sizeof(float) * (size_t)n);
    if (!w)
        return hn_error_set(err, HN_ERR_NOMEM, "train: out of memory for %lld event weights", (long long)n);
    int task = hn_model_get_spec(t->m)->task;
    for (int64_t k = 0; k < n; k++)
        w[k] = row_weight(d, k, t->use_scale ? t->class_scale : NULL, task);
    hn_error e = {0};
    hn_status st = hn_graph_new_on(&t->res.g, hn_graph_device(t->io.graph), 0, &e);
    if (!st) {
        t->res.x = hn_state(t->res.g, "training features", 2, (int64_t[]){n, f});
        t->res.y = hn_state(t->res.g, "training targets", 2, (int64_t[]){n, nt});
        t->res.w = hn_state(t->res.g, "training weights", 1, (int64_t[]){n});
        st = hn_graph_take_error(t->res.g, &e);
    }
    if (!st && !(st = hn_tensor_set(t->res.x, d->x, n * f, &e)) && !(st = hn_tensor_set(t->res.y, d->y, n * nt, &e)) &&
        !(st = hn_tensor_set(t->res.w, w, n, &e)))
        st = hn_rows_new(&t->res.rows, t->io.graph, n, &e);
    free(w);
    if (st == HN_ERR_NOMEM) { /* does not fit: batches through the host */
        resident_drop(t);
        t->res.off = 1;
        return HN_OK;
    }
    if (st) {
        resident_drop(t);
        if (err)
            *err = e;
        return hn_error_prefix(err, "train: putting the training data on %s",
                               hn_device_name(hn_graph_device(t->io.graph)));
    }
    t->res.src_x = d->x;
    t->res.n = n;
    return HN_OK;
}

/* The running totals of an epoch, and the batch loss l of `size` events
 * added to them: the non-finite check and the progress callback. */
typedef struct {
    int epoch;
    int64_t n_batches, n_events; /* estimates for the progress display */
    int64_t *batch_no, *done;
    double *sum, t0;
} progress;

static hn_status account(trainer *t, progress *a, float l, int64_t size, int *stop, hn_error *err)
{
    const hn_train_config *cfg = t->cfg;
    ++*a->batch_no;
    if (!isfinite(l))
        return hn_error_set(err, HN_ERR_NUMERIC, "train: the loss became %g in epoch %d, batch %lld: lower the "
                            "learning rate or check the inputs", l, a->epoch, (long long)*a->batch_no);
    *a->sum += l * (double)size;
    *a->done += size;
    if (cfg->on_batch) {
        hn_batch_progress p = {a->epoch,     *a->batch_no, a->n_batches, *a->done, a->n_events,
                               *a->sum / (double)*a->done, now() - a->t0};
        if (cfg->on_batch(&p, cfg->user))
            *stop = 1;
    }
    return HN_OK;
}

/* One pass over a chunk of training events in shuffled minibatches; *done
 * and *sum accumulate events and loss over the epoch. */
static hn_status fit_chunk(trainer *t, const hn_dataset *d, int epoch, int64_t *batch_no, int64_t *done, double *sum,
                           double t0, int *stop, hn_error *err)
{
    const hn_train_config *cfg = t->cfg;
    hn_graph *g = t->io.graph;
    int64_t n = d->n, bs = cfg->batch_size > 0 && cfg->batch_size < n ? cfg->batch_size : n;
    int64_t n_batches = (n + bs - 1) / bs, total = t->stream->n_events > 0 ? t->stream->n_events : n;
    hn_status st = hn_dataset_check(t->m, d, "training", err);
    if (st)
        return st;
    if (n > t->perm_cap) {
        int64_t *p = realloc(t->perm, sizeof(int64_t) * (size_t)n);
        if (!p)
            return hn_error_set(err, HN_ERR_NOMEM, "train: out of memory for %lld events", (long long)n);
        t->perm = p;
        t->perm_cap = n;
    }
    for (int64_t i = 0; i < n; i++)
        t->perm[i] = i;
    if (cfg->shuffle)
        hn_rng_shuffle(&t->st.shuffle_rng, t->perm, n);
    /* drawn from the shuffling RNG (saved in checkpoints), so a resumed run augments alike */
    hn_rng aug;
    if (cfg->augment)
        hn_rng_seed(&aug, hn_rng_u64(&t->st.shuffle_rng));
    /* on a device (without augmentation, which works on host rows) the batches
     * are cut from the events kept there */
    int resident = t->dm && !cfg->augment && !t->res.off && hn_train_device_path_on_cpu != 2;
    if (resident) { /* the step's and validation's buffers first: the events get what is left */
        int64_t rows = t->val ? (t->val->n < EVAL_CHUNK ? t->val->n : EVAL_CHUNK) : 0;
        st = hn_graph_set_batch(g, rows > bs ? rows : bs, err);
    }
    if (resident && !st && !(st = resident_load(t, d, err)) && (resident = !t->res.off))
        st = hn_rows_set(t->res.rows, t->perm, n, n, err);
    if (!st)
        st = hn_graph_set_batch(g, bs, err);
    int64_t est = t->stream->n_events > 0 ? (total + bs - 1) / bs : n_batches, sizes[LOSS_BLOCK];
    progress ac = {epoch, est, total, batch_no, done, sum, t0};
    int pending = 0;
    for (int64_t b = 0; b < n_batches && !st; b++) {
        int64_t size = n - b * bs < bs ? n - b * bs : bs;
        float *x, *y, *w, l;
        if (size != hn_graph_batch(g) && (st = hn_graph_set_batch(g, size, err)))
            break;
        if (resident) {
            if ((st = hn_tensor_gather_rows(t->io.x, t->res.x, t->res.rows, b * bs, size, err)) ||
                (st = hn_tensor_gather_rows(t->io.target, t->res.y, t->res.rows, b * bs, size, err)) ||
                (st = hn_tensor_gather_rows(t->io.weight, t->res.w, t->res.rows, b * bs, size, err)))
                break;
        } else {
            if ((st = stage_rows(&t->sg, &t->io, d, size, &x, &y, &w, err)))
                break;
            gather(x, y, w, d, t->perm + b * bs, 0, size, t->use_scale ? t->class_scale : NULL,
                   hn_model_get_spec(t->m)->task);
            if (cfg->augment && (st = cfg->augment(cfg->augment_user, x, size, d->n_features, &aug, err)))
                break;
            if ((st = stage_upload(&t->sg, &t->io, d, size, err)))
                break;
        }
        if (t->plan) {
            if ((st = hn_plan_run(t->plan, err)))
                break;
        } else if (t->fast && size <= t->fast_batch) {
            if ((st = hn_fast_mlp_step(t->fast, size, err)))
                break;
        } else {
            if ((st = hn_graph_forward(g, err)))
                break;
            hn_graph_zero_grad(g);
            if ((st = hn_graph_backward(g, t->io.loss, err)))
                break;
        }
        if (!t->plan && (cfg->penalty.l1 > 0 || cfg->penalty.l2 > 0) &&
            (st = hn_penalty_add(&cfg->penalty, t->views, t->n_params, t->grads, NULL, err)))
            break;
        if (!t->plan && !(hn_train_skip & HN_SKIP_OPTIMIZER) && (st = hn_optim_step(t->opt, err)))
            break;
        if (t->losses) { /* logged on the device, read in blocks */
            sizes[pending] = size;
            if ((st = hn_value_log_put(t->losses, pending++, t->io.loss, err)))
                break;
            if (pending < LOSS_BLOCK && b + 1 < n_batches)
                continue;
            float ls[LOSS_BLOCK];
            if ((st = hn_value_log_read(t->losses, ls, pending, err)))
                break;
            for (int k = 0; k < pending && !st && !*stop; k++)
                st = account(t, &ac, ls[k], sizes[k], stop, err);
            pending = 0;
        } else if (!(st = hn_tensor_get(t->io.loss, &l, 1, err))) {
            st = account(t, &ac, l, size, stop, err);
        }
        if (*stop)
            break;
    }
    return st;
}

/* One epoch over every chunk of the stream. */
static hn_status run_epoch(trainer *t, int epoch, double *loss_out, int64_t *events, int *stop, hn_error *err)
{
    const hn_data_stream *s = t->stream;
    hn_graph_set_training(t->io.graph, 1);
    double sum = 0.0, t0 = now();
    int64_t done = 0, batch_no = 0;
    hn_status st = s->rewind(s->user, err);
    while (!st && !*stop) {
        hn_dataset chunk;
        memset(&chunk, 0, sizeof chunk);
        if ((st = s->next(s->user, &chunk, err)) || chunk.n == 0)
            break;
        st = fit_chunk(t, &chunk, epoch, &batch_no, &done, &sum, t0, stop, err);
    }
    if (!st && done == 0)
        st = hn_error_set(err, HN_ERR_ARG, "train: the training data has no events");
    *loss_out = done ? sum / (double)done : NAN;
    *events = done;
    return st;
}

/* A dataset in memory as a stream of one chunk. */
typedef struct {
    const hn_dataset *d;
    int given;
} one_chunk;

static hn_status one_rewind(void *user, hn_error *err)
{
    (void)err;
    ((one_chunk *)user)->given = 0;
    return HN_OK;
}

static hn_status one_next(void *user, hn_dataset *chunk, hn_error *err)
{
    (void)err;
    one_chunk *o = user;
    if (!o->given) {
        *chunk = *o->d;
        chunk->owned = 0;
        o->given = 1;
    } else {
        memset(chunk, 0, sizeof *chunk);
    }
    return HN_OK;
}

hn_status hn_train(hn_model *m, const hn_train_config *cfg, const hn_dataset *train, const hn_dataset *val,
                   hn_train_result *res, hn_error *err)
{
    if (!train)
        return hn_error_set(err, HN_ERR_ARG, "train: model, config, data or result is NULL");
    if (train->n < 1)
        return hn_error_set(err, HN_ERR_ARG, "train: the training data has no events");
    one_chunk o = {train, 0};
    hn_data_stream s = {one_rewind, one_next, &o, train->n};
    return hn_train_stream(m, cfg, &s, train, val, res, err);
}

static hn_status train_run(hn_model *m, const hn_train_config *cfg, const hn_data_stream *stream,
                           const hn_dataset *train, const hn_dataset *val, const hn_schedule *sched,
                           hn_train_result *res, hn_error *err);

hn_status hn_train_stream(hn_model *m, const hn_train_config *cfg, const hn_data_stream *stream,
                          const hn_dataset *train, const hn_dataset *val, hn_train_result *res, hn_error *err)
{
    if (!m || !cfg || !stream || !stream->next || !stream->rewind || !train || !res)
        return hn_error_set(err, HN_ERR_ARG, "train: model, config, data or result is NULL");
    memset(res, 0, sizeof *res);
    if (cfg->epochs < 0 || cfg->batch_size < 0 || cfg->patience < 0 || !(cfg->min_delta >= 0))
        return hn_error_set(err, HN_ERR_ARG, "train: epochs %d, batch size %lld, patience %d, min_delta %g must not be "
                            "negative", cfg->epochs, (long long)cfg->batch_size, cfg->patience, cfg->min_delta);
    if (train->n < 1)
        return hn_error_set(err, HN_ERR_ARG, "train: the sample for the standardisation has no events");
    hn_status st = hn_dataset_check(m, train, "training", err);
    if (!st && val)
        st = hn_dataset_check(m, val, "validation", err);
    if (st)
        return st;
    if (val && val->n == 0)
        val = NULL;
    hn_schedule sched = cfg->schedule;
    if (!(sched.lr0 > 0))
        sched.lr0 = cfg->optim.lr;
    if ((st = hn_schedule_check(&sched, err)))
        return st;
    hn_fp_scope fp = {0};
    if (!cfg->keep_subnormals)
        hn_fp_flush_begin(&fp);
    st = train_run(m, cfg, stream, train, val, &sched, res, err);
    hn_fp_flush_end(&fp);
    return st;
}

static hn_status train_run(hn_model *m, const hn_train_config *cfg, const hn_data_stream *stream,
                           const hn_dataset *train, const hn_dataset *val, const hn_schedule *sched_in,
                           hn_train_result *res, hn_error *err)
{
    hn_schedule sched = *sched_in;
    hn_status st = HN_OK;
    trainer t;
    memset(&t, 0, sizeof t);
    t.m = m;
    t.io = hn_model_get_io(m);
    t.cfg = cfg;
    t.stream = stream;
    t.val = val;
    st = trainer_init(&t, err);
    if (!st && cfg->balance_classes && hn_model_get_spec(m)->task != HN_TASK_REGRESSION) {
        st = class_scales(m, train, t.class_scale, err);
        t.use_scale = 1;
    }
    if (!st && cfg->resume) {
        st = hn_checkpoint_read(cfg->resume, m, t.opt, &t.st, err);
        if (!st && t.dm) /* the dropout sequence goes on where it stopped */
            *hn_graph_rng(t.io.graph) = *hn_graph_rng(hn_model_get_io(m).graph);
    } else if (!st && cfg->norm != HN_NORM_NONE) {
        int f = train->n_features;
        float *shift = malloc(sizeof(float) * (size_t)f), *scale = malloc(sizeof(float) * (size_t)f);
        st = (!shift || !scale) ? hn_error_set(err, HN_ERR_NOMEM, "train: out of memory")
                                : hn_norm_compute(train, cfg->norm, shift, scale, err);
        if (!st)
            st = hn_model_set_normalisation(m, shift, scale, err);
        free(shift);
        free(scale);
        if (!st && hn_model_get_spec(m)->task == HN_TASK_REGRESSION)
            st = target_normalisation(m, train, err);
    }
    if (!st && t.dm)
        st = hn_model_copy_values(t.dm, m, err);
    double t_all = 0.0;
    int64_t ev_all = 0;
    int stop = 0;
    for (int epoch = t.st.epoch + 1; !st && !stop && epoch <= cfg->epochs; epoch++) {
        hn_epoch_stats e = {.epoch = epoch, .val_loss = NAN, .val_metric = NAN};
        e.lr = hn_schedule_lr(&sched, epoch - 1);
        if ((st = hn_optim_set_lr(t.opt, e.lr, err)))
            break;
        double t0 = now();
        int64_t events = 0;
        if ((st = run_epoch(&t, epoch, &e.train_loss, &events, &stop, err)) || stop)
            break; /* an interrupted epoch is not recorded */
        e.seconds = now() - t0;
        e.events_per_second = e.seconds > 0 ? (double)events / e.seconds : 0.0;
        t_all += e.seconds;
        ev_all += events;
        if (val) {
            if ((st = hn_model_evaluate(t.w, val, &e.val_loss, t.val_out, err)))
                break;
            e.val_metric = val_metric(m, val, t.val_out, t.val_labels);
            if (e.val_loss < t.st.best_val - cfg->min_delta) {
                t.st.best_val = e.val_loss;
                t.st.best_epoch = epoch;
                t.st.bad_epochs = 0;
                e.best = 1;
                if ((st = hn_persistent_copy(t.io.graph, t.st.best_weights, 0, err)))
                    break;
            } else {
                t.st.bad_epochs++;
            }
        }
        if ((st = history_push(&t.st, &e, err)))
            break;
        t.st.epoch = epoch;
        if (cfg->checkpoint && t.dm) {
            if ((st = hn_model_copy_values(m, t.dm, err)))
                break;
            *hn_graph_rng(hn_model_get_io(m).graph) = *hn_graph_rng(t.io.graph);
        }
        if (cfg->checkpoint && (st = hn_checkpoint_write(cfg->checkpoint, m, t.opt, &t.st, err)))
            break;
        if (cfg->on_epoch && cfg->on_epoch(&e, cfg->user))
            stop = 1;
        if (cfg->patience > 0 && t.st.bad_epochs >= cfg->patience) {
            res->stopped_early = 1;
            break;
        }
    }
    if (!st && cfg->restore_best && t.st.best_epoch > 0)
        st = hn_persistent_copy(t.io.graph, t.st.best_weights, 1, err);
    if (!st && t.dm)
        st = hn_model_copy_values(m, t.dm, err);
    if (!st) {
        res->epochs_run = t.st.epoch;
        res->best_epoch = t.st.best_epoch;
        res->best_val_loss = t.st.best_epoch ? t.st.best_val : NAN;
        res->interrupted = stop;
        res->events_per_second = t_all > 0 ? (double)ev_all / t_all : 0.0;
        res->history = t.st.history;
        t.st.history = NULL;
    }
    if (t.io.graph)
        hn_graph_set_training(t.io.graph, 0);
    trainer_free(&t);
    return st;
}
