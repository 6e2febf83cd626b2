/* Learning-rate schedules: pure functions of the step or epoch index. */
#include "hepnn/optim.h"

#include <ctype.h>
#include <math.h>

static const char *const sched_names[HN_SCHED_KIND_COUNT] = {"constant", "step", "exp", "inverse"};

const char *hn_schedule_kind_name(hn_schedule_kind kind)
{
    if ((int)kind < 0 || kind >= HN_SCHED_KIND_COUNT)
        return "?";
    return sched_names[kind];
}

hn_status hn_schedule_kind_parse(const char *name, hn_schedule_kind *kind, hn_error *err)
{
    if (!name || !kind)
        return hn_error_set(err, HN_ERR_ARG, "hn_schedule_kind_parse: %s is NULL", name ? "kind" : "name");
    for (int k = 0; k < HN_SCHED_KIND_COUNT; k++) {
        const char *a = name, *b = sched_names[k];
        while (*a && *b && tolower((unsigned char)*a) == *b)
            a++, b++;
        if (!*a && !*b) {
            *kind = (hn_schedule_kind)k;
            return HN_OK;
        }
    }
    return hn_error_set(err, HN_ERR_ARG, "unknown schedule '%.64s' (known: constant, step, exp, inverse)", name);
}

hn_status hn_schedule_check(const hn_schedule *s, hn_error *err)
{
    if (!s)
        return hn_error_set(err, HN_ERR_ARG, "schedule is NULL");
    if ((int)s->kind < 0 || s->kind >= HN_SCHED_KIND_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "schedule.kind = %d is not a schedule kind", (int)s->kind);
    if (!isfinite(s->lr0) || s->lr0 < 0)
        return hn_error_set(err, HN_ERR_ARG, "schedule.lr0 = %g must be finite and >= 0", s->lr0);
    if (s->warmup < 0)
        return hn_error_set(err, HN_ERR_ARG, "schedule.warmup = %lld must be >= 0", (long long)s->warmup);
    if (s->kind == HN_SCHED_STEP && s->step_size < 1)
        return hn_error_set(err, HN_ERR_ARG, "schedule.step_size = %lld must be >= 1", (long long)s->step_size);
    if ((s->kind == HN_SCHED_STEP || s->kind == HN_SCHED_EXP) && (!isfinite(s->gamma) || s->gamma <= 0))
        return hn_error_set(err, HN_ERR_ARG, "schedule.gamma = %g must be finite and > 0", s->gamma);
    if (s->kind == HN_SCHED_INVERSE && (!isfinite(s->decay) || s->decay < 0))
        return hn_error_set(err, HN_ERR_ARG, "schedule.decay = %g must be finite and >= 0", s->decay);
    return HN_OK;
}

double hn_schedule_lr(const hn_schedule *s, int64_t t)
{
    if (t < 0 || hn_schedule_check(s, NULL) != HN_OK)
        return NAN;
    double lr = s->lr0;
    switch (s->kind) {
    case HN_SCHED_STEP: lr *= pow(s->gamma, (double)(t / s->step_size)); break;
    case HN_SCHED_EXP: lr *= pow(s->gamma, (double)t); break;
    case HN_SCHED_INVERSE: lr /= 1.0 + s->decay * (double)t; break;
    default: break;
    }
    if (t < s->warmup)
        lr *= (double)(t + 1) / (double)s->warmup;
    return lr;
}
