/* Internal to the ROOT writer (write.c, streamer.c): a growable buffer of
 * big-endian values and ROOT's object framing (byte counts, class tags). */
#ifndef HEPNN_ROOT_WBUF_H
#define HEPNN_ROOT_WBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growable big-endian buffer -------------------------------------- */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int bad;
} wbuf;

/* Room for n more bytes: where they go, or NULL when memory ran out (and
 * for n == 0 on a buffer never grown: callers write nothing then). */
static inline uint8_t *wb_room(wbuf *b, size_t n)
{
    if (b->bad || (n == 0 && !b->p))
        return NULL;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->bad = 1;
            return NULL;
        }
        b->p = np;
        b->cap = cap;
    }
    uint8_t *r = b->p + b->len;
    b->len += n;
    return r;
}

static inline void wb_be(wbuf *b, uint64_t v, int n)
{
    uint8_t *p = wb_room(b, (size_t)n);
    for (int i = 0; p && i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}
static inline void wb_u8(wbuf *b, unsigned v) { wb_be(b, v, 1); }
static inline void wb_u16(wbuf *b, unsigned v) { wb_be(b, v, 2); }
static inline void wb_u32(wbuf *b, uint32_t v) { wb_be(b, v, 4); }
static inline void wb_u64(wbuf *b, uint64_t v) { wb_be(b, v, 8); }
static inline void wb_f64(wbuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    wb_u64(b, u);
}
static inline void wb_bytes(wbuf *b, const void *s, size_t n)
{
    uint8_t *p = wb_room(b, n);
    if (p && n)
        memcpy(p, s, n);
}
static inline size_t tstr_len(const char *s)
{
    size_t n = strlen(s);
    return (n < 255 ? 1 : 5) + n;
}
static inline void wb_str(wbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (n < 255) {
        wb_u8(b, (unsigned)n);
    } else {
        wb_u8(b, 255);
        wb_u32(b, (uint32_t)n);
    }
    wb_bytes(b, s, n);
}
/* A byte count placeholder, filled in by wb_end (ROOT counts the bytes
 * after the count itself and flags the value with 0x40000000). */
static inline size_t wb_begin(wbuf *b)
{
    size_t at = b->len;
    wb_u32(b, 0);
    return at;
}
static inline void wb_end(wbuf *b, size_t at)
{
    if (b->bad)
        return;
    uint32_t v = (uint32_t)(b->len - at - 4) | 0x40000000u;
    for (int i = 0; i < 4; i++)
        b->p[at + (size_t)i] = (uint8_t)(v >> (24 - 8 * i));
}
/* TObject as ROOT writes it: version, fUniqueID, fBits (kNotDeleted and
 * kIsOnHeap for ordinary objects; the streamer records use other bits). */
static inline void wb_tobject_bits(wbuf *b, uint32_t bits)
{
    wb_u16(b, 1);
    wb_u32(b, 0);
    wb_u32(b, bits);
}
static inline void wb_tobject(wbuf *b) { wb_tobject_bits(b, 0x03000000u); }
static inline void wb_tnamed_bits(wbuf *b, const char *name, const char *title, uint32_t bits)
{
    size_t c = wb_begin(b);
    wb_u16(b, 1);
    wb_tobject_bits(b, bits);
    wb_str(b, name);
    wb_str(b, title);
    wb_end(b, c);
}
static inline void wb_tnamed(wbuf *b, const char *name, const char *title)
{
    wb_tnamed_bits(b, name, title, 0x03000000u);
}

/* Class tags already written in one record, for back references. */
typedef struct ctags {
    const char *name[16];
    uint32_t tag[16];
    int n;
} ctags;

/* After an object's byte count: a new class name or a reference to it. */
static inline void wb_class(wbuf *b, ctags *ct, const char *name, size_t keylen)
{
    for (int i = 0; i < ct->n; i++)
        if (!strcmp(ct->name[i], name)) {
            wb_u32(b, 0x80000000u | ct->tag[i]);
            return;
        }
    if (ct->n < 16) {
        ct->name[ct->n] = name;
        ct->tag[ct->n] = (uint32_t)(b->len + keylen + 2);
        ct->n++;
    }
    wb_u32(b, 0xffffffffu);
    wb_bytes(b, name, strlen(name) + 1);
}


/* Appends the StreamerInfo record (ROOT's TList of TStreamerInfo) for a
 * file holding one flat tree whose leaves have the given classes ("TLeafF",
 * ...; duplicates allowed). keylen: the length of the record's key, which
 * ROOT counts in class tag positions; b must be empty. Returns 0, or -1
 * for an unknown leaf class (a bug in the caller). streamer.c. */
int rw_streamer_info(wbuf *b, const char *const *leaf_classes, size_t n, size_t keylen);

#endif
