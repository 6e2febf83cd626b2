/* hepnn — a seeded, per-object random number generator.
 *
 * There is no global RNG: every object that needs randomness (initialisers,
 * dropout, shuffling, data splits) holds or is given an hn_rng. The generator
 * is xoshiro256** seeded through splitmix64; its whole state is the public
 * struct below, so it can be copied, saved in a checkpoint and restored.
 */
#ifndef HEPNN_RNG_H
#define HEPNN_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_rng {
    uint64_t s[4];
} hn_rng;

/* Seeds r deterministically from one 64-bit value (any value, 0 included). */
void hn_rng_seed(hn_rng *r, uint64_t seed);

/* Next raw 64-bit value. */
uint64_t hn_rng_u64(hn_rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double hn_rng_uniform(hn_rng *r);

/* Uniform integer in [0, n), unbiased; returns 0 when n == 0. */
uint64_t hn_rng_below(hn_rng *r, uint64_t n);

/* Standard normal deviate (Box–Muller; consumes two uniforms per call, so
 * the state depends only on the number of calls). */
double hn_rng_normal(hn_rng *r);

/* Fisher–Yates shuffle of idx[0..n). */
void hn_rng_shuffle(hn_rng *r, int64_t *idx, int64_t n);

/* A child generator for a sub-object, derived from r without disturbing the
 * sequence r would have produced beyond this one call. */
hn_rng hn_rng_split(hn_rng *r);

#ifdef __cplusplus
}
#endif
#endif
