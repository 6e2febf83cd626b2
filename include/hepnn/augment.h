/* hepnn — data augmentation and jet images: plain functions over float arrays.
 *
 * Augmentations change a batch in place, drawing every random choice from the
 * caller's hn_rng (switch them on for training batches only; evaluation sees
 * the data as they are). Images are (n, c, h, w), channels first, as the
 * convolution layers take them; jet images are (n, n_eta, n_phi) with eta along
 * the rows ("vertical") and phi along the columns. Particle lists are padded
 * (n, t, f) arrays with a mask (n, t) of 0/1, as the recurrent layers take them.
 *
 * Each function returns HN_OK, HN_ERR_ARG (NULL pointers, non-positive sizes,
 * a rotation of a non-square image; the message names the argument) or
 * HN_ERR_NOMEM (the few that need a scratch image).
 */
#ifndef HEPNN_AUGMENT_H
#define HEPNN_AUGMENT_H

#include <stdint.h>

#include "hepnn/rng.h"
#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- images (n, c, h, w) ----------------------------------------------------- */

/* Flips each image left–right with probability p_h and up–down with
 * probability p_v (all channels of an image alike). */
hn_status hn_aug_flip(float *img, int64_t n, int64_t c, int64_t h, int64_t w, double p_h, double p_v, hn_rng *rng,
                      hn_error *err);
/* Shifts each image by (dy, dx) pixels drawn uniformly from [−max_dy, max_dy] ×
 * [−max_dx, max_dx]; pixels shifted in are set to fill. */
hn_status hn_aug_shift(float *img, int64_t n, int64_t c, int64_t h, int64_t w, int64_t max_dy, int64_t max_dx,
                       float fill, hn_rng *rng, hn_error *err);
/* Rotates each (square) image by k·90° counter-clockwise, k uniform in {0, 1, 2, 3}. */
hn_status hn_aug_rot90(float *img, int64_t n, int64_t c, int64_t h, int64_t w, hn_rng *rng, hn_error *err);

/* --- jet images (n, n_eta, n_phi) -------------------------------------------- */

/* Random symmetries of jet images in (eta, phi): a translation by up to
 * max_shift pixels in each direction, a rotation about the image centre by an
 * angle uniform in [−max_angle, max_angle] radians (bilinear resampling, the
 * total intensity kept), and reflections eta → −eta and phi → −phi, each with
 * probability p_reflect. */
hn_status hn_aug_jet_image(float *img, int64_t n, int64_t n_eta, int64_t n_phi, int64_t max_shift,
                           double max_angle, double p_reflect, hn_rng *rng, hn_error *err);

/* --- particle lists (n, t, f) with mask (n, t) ------------------------------------ */

/* Permutes, per event, the order of its valid particles (mask 1) among the
 * valid slots; padded slots stay where they are. A network that should not
 * depend on the order (the list is a set) learns that from such batches. */
hn_status hn_aug_permute_particles(float *x, const float *mask, int64_t n, int64_t t, int64_t f, hn_rng *rng,
                                   hn_error *err);

/* --- building jet images ----------------------------------------------------------- */

typedef struct hn_jet_image_opts {
    int64_t n_eta, n_phi;        /* pixels, >= 1 */
    double eta_half, phi_half;   /* the image covers [−eta_half, eta_half) × [−phi_half, phi_half) */
    int centre;    /* translate so the pT-weighted centroid (the jet axis) is at (0, 0) */
    int rotate;    /* rotate the principal axis of the pT distribution to vertical (eta) */
    int flip;      /* reflect so the half-planes eta > 0 and phi > 0 hold the larger pT */
    int normalise; /* divide by the image's total so it sums to 1 */
} hn_jet_image_opts;

/* The standard preprocessing: 33×33 pixels over ±0.8 × ±0.8, everything on. */
hn_jet_image_opts hn_jet_image_opts_default(void);

/* Builds one image per event from jagged particle arrays: event e owns the
 * particles offsets[e] .. offsets[e + 1] − 1 of pt, eta, phi (offsets has
 * n_events + 1 entries, non-decreasing, offsets[0] = 0, offsets[n_events] =
 * the length of the particle arrays). Each particle adds its pT to the pixel
 * it falls in after the preprocessing steps chosen in opts (phi differences
 * are wrapped into (−π, π]); particles outside the window are dropped.
 * out holds n_events · n_eta · n_phi floats, (n, n_eta, n_phi), overwritten.
 * HN_ERR_ARG for bad options or NULL arrays; HN_ERR_FORMAT for bad offsets
 * (naming the event); HN_ERR_NUMERIC for a negative or non-finite pT or a
 * non-finite angle (naming the particle). */
hn_status hn_jet_images(const float *pt, const float *eta, const float *phi, const int64_t *offsets,
                        int64_t n_events, const hn_jet_image_opts *opts, float *out, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
