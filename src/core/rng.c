#include "hepnn/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void hn_rng_seed(hn_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t hn_rng_u64(hn_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hn_rng_uniform(hn_rng *r) { return (double)(hn_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t hn_rng_below(hn_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* rejection: discard the top partial copy of [0, n) */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    uint64_t x;
    do
        x = hn_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double hn_rng_normal(hn_rng *r)
{
    double u1 = hn_rng_uniform(r), u2 = hn_rng_uniform(r);
    /* 1 - u1 is in (0, 1], so the logarithm is finite */
    return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

void hn_rng_shuffle(hn_rng *r, int64_t *idx, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)hn_rng_below(r, (uint64_t)i + 1);
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

hn_rng hn_rng_split(hn_rng *r)
{
    hn_rng child;
    hn_rng_seed(&child, hn_rng_u64(r));
    return child;
}
