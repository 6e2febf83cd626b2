/* Optimiser configurations: defaults, names and validation. */
#include "optim_internal.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

static const char *const kind_names[HN_OPTIM_KIND_COUNT] = {
    "gd", "sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw",
};

hn_optim_config hn_optim_config_default(hn_optim_kind kind)
{
    /* PyTorch's defaults; SGD has no default lr in PyTorch 1.x, so take Keras' 0.01 */
    hn_optim_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.lr = 0.01;
    c.alpha = 0.99;
    c.rho = 0.9;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    switch (kind) {
    case HN_OPTIM_ADAGRAD: c.eps = 1e-10; break;
    case HN_OPTIM_ADADELTA: c.lr = 1.0; c.eps = 1e-6; break;
    case HN_OPTIM_ADAM: c.lr = 1e-3; break;
    case HN_OPTIM_ADAMW: c.lr = 1e-3; c.weight_decay = 1e-2; break;
    default: break;
    }
    return c;
}

const char *hn_optim_kind_name(hn_optim_kind kind)
{
    if ((int)kind < 0 || kind >= HN_OPTIM_KIND_COUNT)
        return "?";
    return kind_names[kind];
}

static int name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

hn_status hn_optim_kind_parse(const char *name, hn_optim_kind *kind, hn_error *err)
{
    if (!name || !kind)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_kind_parse: %s is NULL", name ? "kind" : "name");
    for (int k = 0; k < HN_OPTIM_KIND_COUNT; k++)
        if (name_eq(name, kind_names[k])) {
            *kind = (hn_optim_kind)k;
            return HN_OK;
        }
    return hn_error_set(err, HN_ERR_ARG,
                        "unknown optimiser '%.64s' (known: gd, sgd, adagrad, adadelta, rmsprop, adam, adamw)",
                        name);
}

/* Range checks that name the field. `hi_open` selects [lo, hi) versus [lo, hi]. */
static hn_status check_range(const char *field, double v, double lo, double hi, int hi_open,
                             hn_error *err)
{
    if (!isfinite(v) || v < lo || (hi_open ? v >= hi : v > hi))
        return hn_error_set(err, HN_ERR_ARG, "config.%s = %g is outside [%g, %g%c", field, v, lo, hi,
                            hi_open ? ')' : ']');
    return HN_OK;
}

static hn_status check_nonneg(const char *field, double v, hn_error *err)
{
    if (!isfinite(v) || v < 0)
        return hn_error_set(err, HN_ERR_ARG, "config.%s = %g must be finite and >= 0", field, v);
    return HN_OK;
}

static hn_status check_positive(const char *field, double v, hn_error *err)
{
    if (!isfinite(v) || v <= 0)
        return hn_error_set(err, HN_ERR_ARG, "config.%s = %g must be finite and > 0", field, v);
    return HN_OK;
}

#define TRY(call)                      \
    do {                               \
        hn_status st_ = (call);        \
        if (st_ != HN_OK)              \
            return st_;                \
    } while (0)

hn_status hn_optim_config_check(const hn_optim_config *c, hn_error *err)
{
    if (!c)
        return hn_error_set(err, HN_ERR_ARG, "config is NULL");
    if ((int)c->kind < 0 || c->kind >= HN_OPTIM_KIND_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "config.kind = %d is not an optimiser kind", (int)c->kind);
    TRY(check_nonneg("lr", c->lr, err));
    TRY(check_nonneg("weight_decay", c->weight_decay, err));
    TRY(check_nonneg("max_grad_norm", c->max_grad_norm, err));
    switch (c->kind) {
    case HN_OPTIM_GD:
        if (c->momentum != 0 || c->nesterov)
            return hn_error_set(err, HN_ERR_ARG,
                                "config.momentum = %g, config.nesterov = %d: plain gradient descent has no "
                                "momentum (use kind sgd)",
                                c->momentum, c->nesterov);
        break;
    case HN_OPTIM_SGD:
        TRY(check_range("momentum", c->momentum, 0, 1, 1, err));
        TRY(check_range("dampening", c->dampening, 0, 1, 0, err));
        if (c->nesterov && (c->momentum <= 0 || c->dampening != 0))
            return hn_error_set(err, HN_ERR_ARG,
                                "config.nesterov needs config.momentum > 0 and config.dampening = 0 "
                                "(momentum = %g, dampening = %g)",
                                c->momentum, c->dampening);
        break;
    case HN_OPTIM_ADAGRAD:
        TRY(check_nonneg("lr_decay", c->lr_decay, err));
        TRY(check_nonneg("initial_accumulator", c->initial_accumulator, err));
        TRY(check_positive("eps", c->eps, err));
        break;
    case HN_OPTIM_ADADELTA:
        TRY(check_range("rho", c->rho, 0, 1, 1, err));
        TRY(check_positive("eps", c->eps, err));
        break;
    case HN_OPTIM_RMSPROP:
        TRY(check_range("alpha", c->alpha, 0, 1, 1, err));
        TRY(check_range("momentum", c->momentum, 0, 1, 1, err));
        TRY(check_positive("eps", c->eps, err));
        break;
    case HN_OPTIM_ADAM:
    case HN_OPTIM_ADAMW:
        TRY(check_range("beta1", c->beta1, 0, 1, 1, err));
        TRY(check_range("beta2", c->beta2, 0, 1, 1, err));
        TRY(check_positive("eps", c->eps, err));
        break;
    default: break;
    }
    return HN_OK;
}

int hn_optim__slots(const hn_optim_config *c)
{
    switch (c->kind) {
    case HN_OPTIM_SGD: return c->momentum != 0 ? 1 : 0;
    case HN_OPTIM_ADAGRAD: return 1;
    case HN_OPTIM_ADADELTA: return 2;
    case HN_OPTIM_RMSPROP: return 1 + (c->momentum > 0) + (c->centered != 0);
    case HN_OPTIM_ADAM:
    case HN_OPTIM_ADAMW: return 2 + (c->amsgrad != 0);
    default: return 0;
    }
}

hn_status hn_optim__check_views(const char *fn, const hn_param_view *views, int n_views, hn_error *err)
{
    if (!views)
        return hn_error_set(err, HN_ERR_ARG, "%s: views is NULL", fn);
    if (n_views < 1)
        return hn_error_set(err, HN_ERR_ARG, "%s: n_views = %d, need at least one parameter view", fn,
                            n_views);
    for (int i = 0; i < n_views; i++) {
        const hn_param_view *v = &views[i];
        const char *nm = v->name ? v->name : "";
        if (v->n < 1)
            return hn_error_set(err, HN_ERR_ARG, "%s: views[%d] '%.64s': n = %lld, need at least one value",
                                fn, i, nm, (long long)v->n);
        if (!v->value || !v->grad)
            return hn_error_set(err, HN_ERR_ARG, "%s: views[%d] '%.64s': %s is NULL", fn, i, nm,
                                v->value ? "grad" : "value");
        if (v->decay != 0 && v->decay != 1)
            return hn_error_set(err, HN_ERR_ARG, "%s: views[%d] '%.64s': decay = %d, must be 0 or 1", fn, i,
                                nm, v->decay);
    }
    return HN_OK;
}
