/* Weight initialisers, all drawing from a caller's generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/nn.h"

static const char *const init_names[HN_INIT_COUNT] = {
    "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "uniform", "normal", "zeros",
};

const char *hn_init_name(hn_init_kind kind)
{
    return (kind >= 0 && kind < HN_INIT_COUNT) ? init_names[kind] : "unknown";
}

int hn_init_parse(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < HN_INIT_COUNT; k++)
        if (!strcmp(name, init_names[k]))
            return k;
    /* Keras' names for the same */
    if (!strcmp(name, "glorot_uniform"))
        return HN_INIT_XAVIER_UNIFORM;
    if (!strcmp(name, "glorot_normal"))
        return HN_INIT_XAVIER_NORMAL;
    return -1;
}

hn_status hn_init_fill(hn_tensor *t, hn_init_kind kind, int64_t fan_in, int64_t fan_out, double scale, hn_rng *rng,
                       hn_error *err)
{
    if (!t || !rng || !hn_tensor_data(t))
        return hn_error_set(err, HN_ERR_ARG, "init_fill: tensor or generator is NULL");
    if (kind < 0 || kind >= HN_INIT_COUNT)
        return hn_error_set(err, HN_ERR_ARG, "init_fill: unknown initialiser %d", (int)kind);
    int needs_fans = kind <= HN_INIT_HE_NORMAL;
    if (needs_fans && (fan_in < 1 || (kind <= HN_INIT_XAVIER_NORMAL && fan_out < 1)))
        return hn_error_set(err, HN_ERR_ARG, "init_fill: %s of '%s' needs positive fans (in %lld, out %lld)",
                            hn_init_name(kind), hn_tensor_name(t), (long long)fan_in, (long long)fan_out);
    double a = 0.0;
    int normal = 0;
    switch (kind) {
    case HN_INIT_XAVIER_UNIFORM: a = sqrt(6.0 / (double)(fan_in + fan_out)); break;
    case HN_INIT_XAVIER_NORMAL: a = sqrt(2.0 / (double)(fan_in + fan_out)), normal = 1; break;
    case HN_INIT_HE_UNIFORM: a = sqrt(6.0 / (double)fan_in); break;
    case HN_INIT_HE_NORMAL: a = sqrt(2.0 / (double)fan_in), normal = 1; break;
    case HN_INIT_UNIFORM: a = scale; break;
    case HN_INIT_NORMAL: a = scale, normal = 1; break;
    case HN_INIT_ZEROS:
    case HN_INIT_COUNT: break;
    }
    /* drawn on the host and copied, so a device graph gets the same values */
    int64_t n = hn_tensor_numel(t);
    float *v = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (!v)
        return hn_error_set(err, HN_ERR_NOMEM, "init_fill: '%s': out of memory", hn_tensor_name(t));
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)(kind == HN_INIT_ZEROS ? 0.0 : normal ? a * hn_rng_normal(rng) : a * (2.0 * hn_rng_uniform(rng) - 1.0));
    hn_status st = hn_tensor_set(t, v, n, err);
    free(v);
    return st;
}
