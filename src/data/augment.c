/* Data augmentation over float arrays: image flips, shifts and 90° rotations,
 * jet-image symmetries in (eta, phi), permutations of particle lists. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/augment.h"

static hn_status check_image(const float *img, int64_t n, int64_t c, int64_t h, int64_t w, const hn_rng *rng,
                             const char *fn, hn_error *err)
{
    if (!img || !rng)
        return hn_error_set(err, HN_ERR_ARG, "%s: image array or generator is NULL", fn);
    if (n < 0 || c < 1 || h < 1 || w < 1)
        return hn_error_set(err, HN_ERR_ARG, "%s: sizes n %lld, c %lld, h %lld, w %lld (n >= 0, others >= 1)", fn,
                            (long long)n, (long long)c, (long long)h, (long long)w);
    return HN_OK;
}

static void flip_plane(float *p, int64_t h, int64_t w, int horiz, int vert)
{
    if (horiz)
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w / 2; x++) {
                float t = p[y * w + x];
                p[y * w + x] = p[y * w + w - 1 - x];
                p[y * w + w - 1 - x] = t;
            }
    if (vert)
        for (int64_t y = 0; y < h / 2; y++)
            for (int64_t x = 0; x < w; x++) {
                float t = p[y * w + x];
                p[y * w + x] = p[(h - 1 - y) * w + x];
                p[(h - 1 - y) * w + x] = t;
            }
}

hn_status hn_aug_flip(float *img, int64_t n, int64_t c, int64_t h, int64_t w, double p_h, double p_v, hn_rng *rng,
                      hn_error *err)
{
    hn_status st = check_image(img, n, c, h, w, rng, "aug_flip", err);
    if (st)
        return st;
    for (int64_t i = 0; i < n; i++) {
        int fh = hn_rng_uniform(rng) < p_h, fv = hn_rng_uniform(rng) < p_v;
        for (int64_t ch = 0; ch < c; ch++)
            flip_plane(img + (i * c + ch) * h * w, h, w, fh, fv);
    }
    return HN_OK;
}

/* In place: walking away from the direction of the shift reads every source
 * pixel before it is overwritten. */
static void shift_plane(float *p, int64_t h, int64_t w, int64_t dy, int64_t dx, float fill)
{
    for (int64_t k = 0; k < h; k++) {
        int64_t y = dy > 0 ? h - 1 - k : k;
        for (int64_t m = 0; m < w; m++) {
            int64_t x = dx > 0 ? w - 1 - m : m, sy = y - dy, sx = x - dx;
            p[y * w + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? p[sy * w + sx] : fill;
        }
    }
}

hn_status hn_aug_shift(float *img, int64_t n, int64_t c, int64_t h, int64_t w, int64_t max_dy, int64_t max_dx,
                       float fill, hn_rng *rng, hn_error *err)
{
    hn_status st = check_image(img, n, c, h, w, rng, "aug_shift", err);
    if (st)
        return st;
    if (max_dy < 0 || max_dx < 0)
        return hn_error_set(err, HN_ERR_ARG, "aug_shift: maximum shifts %lld, %lld must be >= 0", (long long)max_dy,
                            (long long)max_dx);
    for (int64_t i = 0; i < n; i++) {
        int64_t dy = (int64_t)hn_rng_below(rng, (uint64_t)(2 * max_dy + 1)) - max_dy;
        int64_t dx = (int64_t)hn_rng_below(rng, (uint64_t)(2 * max_dx + 1)) - max_dx;
        for (int64_t ch = 0; ch < c; ch++)
            shift_plane(img + (i * c + ch) * h * w, h, w, dy, dx, fill);
    }
    return HN_OK;
}

/* One counter-clockwise quarter turn of a square plane, in place, by 4-cycles:
 * the pixel at (y, x) moves to (s−1−x, y). */
static void rot90_plane(float *p, int64_t s)
{
    for (int64_t y = 0; y < s / 2; y++)
        for (int64_t x = y; x < s - 1 - y; x++) {
            float t = p[y * s + x];
            p[y * s + x] = p[x * s + (s - 1 - y)];
            p[x * s + (s - 1 - y)] = p[(s - 1 - y) * s + (s - 1 - x)];
            p[(s - 1 - y) * s + (s - 1 - x)] = p[(s - 1 - x) * s + y];
            p[(s - 1 - x) * s + y] = t;
        }
}

hn_status hn_aug_rot90(float *img, int64_t n, int64_t c, int64_t h, int64_t w, hn_rng *rng, hn_error *err)
{
    hn_status st = check_image(img, n, c, h, w, rng, "aug_rot90", err);
    if (st)
        return st;
    if (h != w)
        return hn_error_set(err, HN_ERR_ARG, "aug_rot90: images are %lldx%lld, rotations need square ones",
                            (long long)h, (long long)w);
    for (int64_t i = 0; i < n; i++) {
        int k = (int)hn_rng_below(rng, 4);
        for (int64_t ch = 0; ch < c; ch++)
            for (int r = 0; r < k; r++)
                rot90_plane(img + (i * c + ch) * h * w, h);
    }
    return HN_OK;
}

/* Resamples src into dst rotated by angle about the centre, bilinearly
 * (each destination pixel reads the source at the inversely rotated point). */
static void rotate_plane(const float *src, float *dst, int64_t h, int64_t w, double angle)
{
    double cy = 0.5 * (double)(h - 1), cx = 0.5 * (double)(w - 1), cs = cos(angle), sn = sin(angle);
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++) {
            double ry = (double)y - cy, rx = (double)x - cx;
            double sy = cs * ry + sn * rx + cy, sx = -sn * ry + cs * rx + cx;
            double fy = floor(sy), fx = floor(sx), ty = sy - fy, tx = sx - fx;
            double v = 0.0;
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) {
                    int64_t py = (int64_t)fy + a, px = (int64_t)fx + b;
                    if (py >= 0 && py < h && px >= 0 && px < w)
                        v += (a ? ty : 1 - ty) * (b ? tx : 1 - tx) * src[py * w + px];
                }
            dst[y * w + x] = (float)v;
        }
}

hn_status hn_aug_jet_image(float *img, int64_t n, int64_t n_eta, int64_t n_phi, int64_t max_shift,
                           double max_angle, double p_reflect, hn_rng *rng, hn_error *err)
{
    hn_status st = check_image(img, n, 1, n_eta, n_phi, rng, "aug_jet_image", err);
    if (st)
        return st;
    if (max_shift < 0 || !(max_angle >= 0.0) || !isfinite(max_angle))
        return hn_error_set(err, HN_ERR_ARG, "aug_jet_image: max_shift %lld and max_angle %g must be >= 0",
                            (long long)max_shift, max_angle);
    int64_t np = n_eta * n_phi;
    float *tmp = max_angle > 0.0 ? malloc(sizeof(float) * (size_t)np) : NULL;
    if (max_angle > 0.0 && !tmp)
        return hn_error_set(err, HN_ERR_NOMEM, "aug_jet_image: cannot allocate a %lldx%lld image", (long long)n_eta,
                            (long long)n_phi);
    for (int64_t i = 0; i < n; i++) {
        float *p = img + i * np;
        if (max_angle > 0.0) {
            double before = 0.0, after = 0.0;
            for (int64_t k = 0; k < np; k++)
                before += p[k];
            memcpy(tmp, p, sizeof(float) * (size_t)np);
            rotate_plane(tmp, p, n_eta, n_phi, (2.0 * hn_rng_uniform(rng) - 1.0) * max_angle);
            for (int64_t k = 0; k < np; k++)
                after += p[k];
            if (after > 0.0 && before > 0.0) /* intensity that left the window is restored in proportion */
                for (int64_t k = 0; k < np; k++)
                    p[k] = (float)(p[k] * (before / after));
        }
        int64_t dy = (int64_t)hn_rng_below(rng, (uint64_t)(2 * max_shift + 1)) - max_shift;
        int64_t dx = (int64_t)hn_rng_below(rng, (uint64_t)(2 * max_shift + 1)) - max_shift;
        shift_plane(p, n_eta, n_phi, dy, dx, 0.0f);
        int fe = hn_rng_uniform(rng) < p_reflect, fp = hn_rng_uniform(rng) < p_reflect;
        flip_plane(p, n_eta, n_phi, fp, fe);
    }
    free(tmp);
    return HN_OK;
}

hn_status hn_aug_permute_particles(float *x, const float *mask, int64_t n, int64_t t, int64_t f, hn_rng *rng,
                                   hn_error *err)
{
    if (!x || !mask || !rng)
        return hn_error_set(err, HN_ERR_ARG, "aug_permute_particles: x, mask or generator is NULL");
    if (n < 0 || t < 1 || f < 1)
        return hn_error_set(err, HN_ERR_ARG, "aug_permute_particles: sizes n %lld, t %lld, f %lld", (long long)n,
                            (long long)t, (long long)f);
    int64_t *slot = malloc(sizeof(int64_t) * (size_t)t * 2);
    float *tmp = malloc(sizeof(float) * (size_t)(t * f));
    if (!slot || !tmp) {
        free(slot);
        free(tmp);
        return hn_error_set(err, HN_ERR_NOMEM, "aug_permute_particles: cannot allocate %lld slots", (long long)t);
    }
    int64_t *perm = slot + t;
    for (int64_t i = 0; i < n; i++) {
        float *xe = x + i * t * f;
        int64_t nv = 0;
        for (int64_t k = 0; k < t; k++)
            if (mask[i * t + k] != 0.0f)
                slot[nv++] = k;
        if (nv < 2)
            continue;
        memcpy(perm, slot, sizeof(int64_t) * (size_t)nv);
        hn_rng_shuffle(rng, perm, nv);
        memcpy(tmp, xe, sizeof(float) * (size_t)(t * f));
        for (int64_t k = 0; k < nv; k++) /* the particle in slot perm[k] moves to slot[k] */
            memcpy(xe + slot[k] * f, tmp + perm[k] * f, sizeof(float) * (size_t)f);
    }
    free(slot);
    free(tmp);
    return HN_OK;
}
