/* Steps (include/hepnn/device.h): a training step or an inference pass run as
 * one unit, so that on a CUDA graph it can be captured once and replayed with
 * a single launch. On the CPU, and whenever capture is off or failed, a step
 * is the plain sequence of calls. */
#include <stdlib.h>

#include "core/graph_impl.h"
#include "hepnn/device.h"
#include "optim/optim_internal.h"

#ifdef HEPNN_HAVE_CUDA
#include "backend/cuda/hn_cuda.h"
#endif

struct hn_plan {
    hn_graph *g;
    hn_tensor *y;
    hn_optim *opt;
    int capture;
    int64_t replays;
#ifdef HEPNN_HAVE_CUDA
    hn_cuda_capture *cap;
    /* what the capture (or the last eager run) was made at: batch, mode, buffers */
    int64_t key_batch;
    int key_training;
    uint64_t key_gen;
    int key_runs;   /* eager runs at the key; the second run captures */
    int key_failed; /* capture failed at this key: stay eager */
#endif
};

hn_status hn_plan_new(hn_plan **out, hn_graph *g, hn_tensor *y, hn_optim *opt, hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "plan_new: out is NULL");
    *out = NULL;
    if (!g || !y || y->graph != g)
        return hn_error_set(err, HN_ERR_ARG, "plan_new: graph or tensor is NULL, or the tensor is of another graph");
    if (opt && (opt->dev != NULL) != (g->device != HN_DEVICE_CPU))
        return hn_error_set(err, HN_ERR_ARG, "plan_new: the optimiser is on %s, the graph on %s (use hn_optim_new_graph)",
                            opt->dev ? "a device" : "the host", hn_device_name(g->device));
    hn_plan *s = calloc(1, sizeof *s);
    if (!s)
        return hn_error_set(err, HN_ERR_NOMEM, "plan_new: out of memory");
    s->g = g;
    s->y = y;
    s->opt = opt;
    s->capture = 1;
    *out = s;
    return HN_OK;
}

static hn_status eager(hn_plan *s, hn_error *err)
{
    if (!s->opt)
        return hn_graph_forward_to(s->g, s->y, err);
    hn_graph_zero_grad(s->g);
    hn_status st = hn_graph_forward(s->g, err);
    if (!st)
        st = hn_graph_backward(s->g, s->y, err);
    if (!st)
        st = hn_optim_step(s->opt, err);
    return st;
}

#ifdef HEPNN_HAVE_CUDA
static void drop_capture(hn_plan *s)
{
    hn_cuda_capture_free(s->cap);
    s->cap = NULL;
}

static hn_status replay(hn_plan *s, hn_cuda_ctx *c, hn_error *err)
{
    hn_status st = s->opt ? hn_cuda_optim_before_replay(s->opt, err) : HN_OK;
    if (!st)
        st = hn_cuda_capture_launch(c, s->cap, &s->g->rng, err);
    if (!st && s->opt)
        st = hn_cuda_optim_after_replay(s->opt, err);
    if (!st)
        s->replays++;
    return st;
}

static hn_status run_cuda(hn_plan *s, hn_error *err)
{
    hn_graph *g = s->g;
    hn_cuda_ctx *c = hn_cuda_ctx_of(g);
    int same = s->key_batch == g->batch && s->key_training == g->training && s->key_gen == c->generation;
    if (!same) {
        drop_capture(s);
        s->key_batch = g->batch;
        s->key_training = g->training;
        s->key_gen = c->generation;
        s->key_runs = 0;
        s->key_failed = 0;
    }
    if (s->cap)
        return replay(s, c, err);
    if (s->key_failed || s->key_runs == 0) { /* the first run at a key is eager: it also checks the step works */
        s->key_runs++;
        return eager(s, err);
    }
    if (g->status)
        return hn_graph_take_error(g, err);
    if (g->n_order == 0)
        return hn_error_set(err, HN_ERR_STATE, "plan: compile the graph first");
    if (hn_cuda_capture_begin(c, NULL)) {
        s->key_failed = 1;
        return eager(s, err);
    }
    hn_error body_err = {0};
    hn_status st = eager(s, &body_err);
    hn_cuda_capture *cap = NULL;
    hn_status cst = hn_cuda_capture_end(c, st == HN_OK, &cap, NULL);
    if (st || cst || !cap) {
        /* a capture that the body or the driver refused: run this step eagerly
         * (nothing of the recorded work ran) and stay eager at this key */
        s->key_failed = 1;
        return eager(s, err);
    }
    s->cap = cap;
    s->key_gen = c->generation;
    return replay(s, c, err);
}
#endif

hn_status hn_plan_run(hn_plan *s, hn_error *err)
{
    if (!s)
        return hn_error_set(err, HN_ERR_ARG, "plan_run: step is NULL");
#ifdef HEPNN_HAVE_CUDA
    if (s->capture && s->g->device == HN_DEVICE_CUDA)
        return run_cuda(s, err);
#endif
    return eager(s, err);
}

void hn_plan_set_capture(hn_plan *s, int on)
{
    if (!s)
        return;
    s->capture = on != 0;
#ifdef HEPNN_HAVE_CUDA
    if (!on)
        drop_capture(s);
#endif
}

int64_t hn_plan_replays(const hn_plan *s) { return s ? s->replays : 0; }

void hn_plan_free(hn_plan *s)
{
    if (!s)
        return;
#ifdef HEPNN_HAVE_CUDA
    drop_capture(s);
#endif
    free(s);
}
