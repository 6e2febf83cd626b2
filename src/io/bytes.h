/* Little-endian byte buffers: a growing writer and a bounds-checked reader,
 * for the model and checkpoint files. Internal to src/. */
#ifndef HN_IO_BYTES_H
#define HN_IO_BYTES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hepnn/status.h"

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int failed; /* an allocation failed: the buffer is incomplete */
} hn_wbuf;

static inline void hn_wbuf_bytes(hn_wbuf *b, const void *src, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static inline void hn_wbuf_u32(hn_wbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    hn_wbuf_bytes(b, x, 4);
}

static inline void hn_wbuf_u64(hn_wbuf *b, uint64_t v)
{
    hn_wbuf_u32(b, (uint32_t)v);
    hn_wbuf_u32(b, (uint32_t)(v >> 32));
}

static inline void hn_wbuf_f32(hn_wbuf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    hn_wbuf_u32(b, v);
}

static inline void hn_wbuf_f64(hn_wbuf *b, double f)
{
    uint64_t v;
    memcpy(&v, &f, 8);
    hn_wbuf_u64(b, v);
}

static inline void hn_wbuf_str(hn_wbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    hn_wbuf_u32(b, (uint32_t)n);
    hn_wbuf_bytes(b, s, n);
}

/* Patches a u64 written earlier at offset at. */
static inline void hn_wbuf_patch_u64(hn_wbuf *b, size_t at, uint64_t v)
{
    if (b->failed || at + 8 > b->n)
        return;
    for (int i = 0; i < 8; i++)
        b->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* A reader over untrusted bytes: every read is checked against the end; the
 * first failure sets bad, and later reads return zeros. */
typedef struct {
    const uint8_t *p;
    size_t n, pos;
    int bad;
} hn_rbuf;

static inline int hn_rbuf_has(hn_rbuf *r, size_t n)
{
    if (r->bad || n > r->n - r->pos) {
        r->bad = 1;
        return 0;
    }
    return 1;
}

static inline uint32_t hn_rbuf_u32(hn_rbuf *r)
{
    if (!hn_rbuf_has(r, 4))
        return 0;
    const uint8_t *x = r->p + r->pos;
    r->pos += 4;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

static inline uint64_t hn_rbuf_u64(hn_rbuf *r)
{
    uint64_t lo = hn_rbuf_u32(r);
    return lo | (uint64_t)hn_rbuf_u32(r) << 32;
}

static inline float hn_rbuf_f32(hn_rbuf *r)
{
    uint32_t v = hn_rbuf_u32(r);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static inline double hn_rbuf_f64(hn_rbuf *r)
{
    uint64_t v = hn_rbuf_u64(r);
    double f;
    memcpy(&f, &v, 8);
    return f;
}

/* A pointer to the next n bytes (NULL and bad set if they are not there). */
static inline const uint8_t *hn_rbuf_take(hn_rbuf *r, size_t n)
{
    if (!hn_rbuf_has(r, n))
        return NULL;
    const uint8_t *q = r->p + r->pos;
    r->pos += n;
    return q;
}

/* A length-prefixed string copied into dst (NUL-terminated); bad if longer than size-1. */
static inline void hn_rbuf_str(hn_rbuf *r, char *dst, size_t size)
{
    uint32_t n = hn_rbuf_u32(r);
    if (n >= size) {
        r->bad = 1;
        dst[0] = '\0';
        return;
    }
    const uint8_t *s = hn_rbuf_take(r, n);
    if (!s) {
        dst[0] = '\0';
        return;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

#endif
