/* train.augment applied to the gathered rows of a training batch: the image
 * and particle-list augmentations of hepnn/augment.h on their feature blocks. */
#include "hepnn/augment.h"
#include "hepnn/config.h"

hn_status hn_augment_rows(void *user, float *x, int64_t rows, int n_features, hn_rng *rng, hn_error *err)
{
    const hn_augment_spec *s = user;
    if (!s || (!x && rows > 0) || !rng)
        return hn_error_set(err, HN_ERR_ARG, "augment_rows: NULL argument");
    hn_status st = HN_OK;
    if (s->image) {
        int64_t len = s->c * s->h * s->w, at = s->image_offset < 0 ? n_features - len : s->image_offset;
        if (len < 1 || at < 0 || at + len > n_features)
            return hn_error_set(err, HN_ERR_ARG, "train.augment.image: a %lldx%lldx%lld image (%lld features) from "
                                "feature %lld does not fit in the %d inputs", (long long)s->c, (long long)s->h,
                                (long long)s->w, (long long)len, (long long)(at < 0 ? 0 : at), n_features);
        /* one image per row: the rows hold other features around it */
        for (int64_t r = 0; r < rows && !st; r++) {
            float *img = x + r * n_features + at;
            if (s->flip_h > 0 || s->flip_v > 0)
                st = hn_aug_flip(img, 1, s->c, s->h, s->w, s->flip_h, s->flip_v, rng, err);
            if (!st && s->shift > 0)
                st = hn_aug_shift(img, 1, s->c, s->h, s->w, s->shift, s->shift, 0.0f, rng, err);
            if (!st && s->rot90)
                st = hn_aug_rot90(img, 1, s->c, s->h, s->w, rng, err);
        }
    }
    if (!st && s->particles) {
        int64_t len = s->objects * (s->vars + 1), at = s->offset < 0 ? n_features - len : s->offset;
        if (len < 1 || at < 0 || at + len > n_features)
            return hn_error_set(err, HN_ERR_ARG, "train.augment.particles: %lld objects x (%lld variables + mask) from "
                                "feature %lld do not fit in the %d inputs", (long long)s->objects, (long long)s->vars,
                                (long long)(at < 0 ? 0 : at), n_features);
        for (int64_t r = 0; r < rows && !st; r++) {
            float *v = x + r * n_features + at;
            st = hn_aug_permute_particles(v, v + s->objects * s->vars, 1, s->objects, s->vars, rng, err);
        }
    }
    return st;
}
