/* The optimiser object: construction, the step, the learning rate. */
#include "optim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t max_total(void)
{
    uint64_t a = (uint64_t)INT64_MAX / 16, b = (uint64_t)SIZE_MAX / 16;
    return (int64_t)(a < b ? a : b);
}

hn_status hn_optim_new(hn_optim **out, const hn_optim_config *cfg, const hn_param_view *views,
                       int n_views, hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_new: opt is NULL");
    *out = NULL;
    if (!cfg)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_new: config is NULL");
    hn_status st = hn_optim_config_check(cfg, err);
    if (st != HN_OK) {
        hn_error_prefix(err, "hn_optim_new (%s)", hn_optim_kind_name(cfg->kind));
        return st;
    }
    st = hn_optim__check_views("hn_optim_new", views, n_views, err);
    if (st != HN_OK)
        return st;

    int slots = hn_optim__slots(cfg);
    int64_t total = 0;
    size_t names_len = 0;
    for (int i = 0; i < n_views; i++) {
        /* state arrays are slots * total floats; keep every byte count representable */
        if (views[i].n > max_total() - total)
            return hn_error_set(err, HN_ERR_ARG, "hn_optim_new: views[%d]: total size %lld + %lld is too large",
                                i, (long long)total, (long long)views[i].n);
        total += views[i].n;
        names_len += (views[i].name ? strlen(views[i].name) : 0) + 1;
    }

    hn_optim *o = calloc(1, sizeof *o);
    if (!o)
        return hn_error_set(err, HN_ERR_NOMEM, "hn_optim_new: out of memory");
    o->views = malloc((size_t)n_views * sizeof *o->views);
    o->offset = malloc((size_t)n_views * sizeof *o->offset);
    o->names = malloc(names_len);
    if (slots > 0)
        o->state = calloc((size_t)slots * (size_t)total, sizeof(float));
    if (!o->views || !o->offset || !o->names || (slots > 0 && !o->state)) {
        hn_optim_free(o);
        return hn_error_set(err, HN_ERR_NOMEM, "hn_optim_new: out of memory for %d views of %lld values",
                            n_views, (long long)total);
    }
    o->cfg = *cfg;
    o->n_views = n_views;
    o->total = total;
    o->n_slots = slots;
    o->last_norm = NAN;
    char *p = o->names;
    int64_t off = 0;
    for (int i = 0; i < n_views; i++) {
        o->views[i] = views[i];
        size_t len = views[i].name ? strlen(views[i].name) : 0;
        if (len)
            memcpy(p, views[i].name, len);
        p[len] = '\0';
        o->views[i].name = p;
        p += len + 1;
        o->offset[i] = off;
        off += views[i].n;
    }
    if (cfg->kind == HN_OPTIM_ADAGRAD && cfg->initial_accumulator != 0)
        for (int64_t i = 0; i < total; i++)
            o->state[i] = (float)cfg->initial_accumulator;
    *out = o;
    return HN_OK;
}

void hn_optim_free(hn_optim *opt)
{
    if (!opt)
        return;
    if (opt->dev)
        hn_optim__dev_free(opt);
    free(opt->state);
    free(opt->names);
    free(opt->offset);
    free(opt->views);
    free(opt);
}

hn_status hn_optim_step(hn_optim *o, hn_error *err)
{
    if (!o)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_step: opt is NULL");
    if (o->dev)
        return hn_optim__dev_step(o, err);
    const hn_optim_config *c = &o->cfg;
    double scale = 1.0;
    if (c->max_grad_norm > 0) {
        double sq = 0;
        for (int i = 0; i < o->n_views; i++) {
            double s;
            hn_optim__sums(o->views[i].grad, o->views[i].n, &s, NULL);
            sq += s;
        }
        double norm = sqrt(sq);
        if (!isfinite(norm))
            return hn_error_set(err, HN_ERR_NUMERIC,
                                "hn_optim_step: the global gradient norm is %g at step %lld; no update made",
                                norm, (long long)(o->step + 1));
        o->last_norm = norm;
        scale = hn_clip_coef(norm, c->max_grad_norm);
    }
    o->step++;
    const double t = (double)o->step;
    hn_optim_scalars sc = {0};
    sc.lr = c->lr;
    sc.scale = scale;
    sc.first = o->step == 1;
    sc.clr = c->lr / (1.0 + (t - 1.0) * c->lr_decay);
    sc.step_size = c->lr / (1.0 - pow(c->beta1, t));
    sc.bc2_sqrt = sqrt(1.0 - pow(c->beta2, t));
    for (int i = 0; i < o->n_views; i++) {
        hn_param_view *v = &o->views[i];
        float *s[HN_OPTIM_MAX_SLOTS] = {NULL, NULL, NULL};
        for (int k = 0; k < o->n_slots; k++)
            s[k] = o->state + (size_t)k * (size_t)o->total + (size_t)o->offset[i];
        sc.wd = v->decay ? c->weight_decay : 0.0;
        hn_optim__update(c, &sc, v->value, v->grad, v->n, s);
    }
    return HN_OK;
}

double hn_optim_get_lr(const hn_optim *opt)
{
    return opt ? opt->cfg.lr : NAN;
}

hn_status hn_optim_set_lr(hn_optim *opt, double lr, hn_error *err)
{
    if (!opt)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_set_lr: opt is NULL");
    if (!isfinite(lr) || lr < 0)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_set_lr: lr = %g must be finite and >= 0", lr);
    opt->cfg.lr = lr;
    return HN_OK;
}

int64_t hn_optim_step_count(const hn_optim *opt)
{
    return opt ? opt->step : 0;
}

double hn_optim_last_grad_norm(const hn_optim *opt)
{
    return opt ? opt->last_norm : NAN;
}

hn_optim_config hn_optim_get_config(const hn_optim *opt)
{
    if (!opt) {
        hn_optim_config c;
        memset(&c, 0, sizeof c);
        return c;
    }
    return opt->cfg;
}
