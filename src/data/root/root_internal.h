/* Internal pieces of the ROOT reader shared by its files: a bounds-checked
 * big-endian cursor, the file and tree structures, decompression. */
#ifndef HN_ROOT_INTERNAL_H
#define HN_ROOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/root.h"

/* Limits on what the reader accepts from a file, so that a corrupted length
 * is refused before it is used for an allocation. */
#define RT_MAX_OBJLEN ((int64_t)1 << 30)  /* one key or basket, uncompressed */
#define RT_MAX_DEPTH 32                   /* directories and nested objects */
#define RT_MAX_OBJECTS 1000000            /* keys in a file */
#define RT_MAX_NAME 65536                 /* a TString */

/* ---- cursor ------------------------------------------------------------ */

/* Reads big-endian fields from a buffer. Running past the end sets `bad`
 * and yields zeros, so a group of reads is checked once. `origin` is the
 * buffer's offset in ROOT's own numbering (the key length for an object
 * read from a key), needed to resolve object and class references. */
typedef struct rt_cur {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int64_t origin;
    int bad;
} rt_cur;

static inline int rt_need(rt_cur *c, size_t n)
{
    if (c->bad || n > c->len - c->pos) {
        c->bad = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t rt_u8(rt_cur *c)
{
    if (!rt_need(c, 1))
        return 0;
    return c->p[c->pos++];
}

static inline uint16_t rt_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t rt_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t rt_be64(const uint8_t *p)
{
    return ((uint64_t)rt_be32(p) << 32) | rt_be32(p + 4);
}

static inline uint16_t rt_u16(rt_cur *c)
{
    if (!rt_need(c, 2))
        return 0;
    uint16_t v = rt_be16(c->p + c->pos);
    c->pos += 2;
    return v;
}
static inline uint32_t rt_u32(rt_cur *c)
{
    if (!rt_need(c, 4))
        return 0;
    uint32_t v = rt_be32(c->p + c->pos);
    c->pos += 4;
    return v;
}
static inline uint64_t rt_u64(rt_cur *c)
{
    if (!rt_need(c, 8))
        return 0;
    uint64_t v = rt_be64(c->p + c->pos);
    c->pos += 8;
    return v;
}
static inline int16_t rt_i16(rt_cur *c) { return (int16_t)rt_u16(c); }
static inline int32_t rt_i32(rt_cur *c) { return (int32_t)rt_u32(c); }
/* An entry offset from a basket's offset table, made relative to the basket's
 * data (the table counts from the start of the key). A raw value that does
 * not give a position in int32 range becomes -1, which every reader refuses
 * as out of the basket; the file's value is never trusted. */
static inline int32_t rt_entry_offset(int32_t raw, int16_t keylen)
{
    int64_t v = (int64_t)raw - keylen;
    return v < 0 || v > INT32_MAX ? -1 : (int32_t)v;
}
static inline int64_t rt_i64(rt_cur *c) { return (int64_t)rt_u64(c); }

static inline void rt_skip(rt_cur *c, size_t n)
{
    if (rt_need(c, n))
        c->pos += n;
}

/* Moves to an absolute position within the buffer (an object's end). */
static inline void rt_seek(rt_cur *c, size_t pos)
{
    if (pos > c->len)
        c->bad = 1;
    else if (!c->bad)
        c->pos = pos;
}

/* A TString: one length byte (255: a 4-byte length follows), then bytes.
 * Returns a malloc'd NUL-terminated copy, or NULL (with c->bad set when
 * the buffer is too short or the length absurd, or on allocation failure). */
char *rt_string(rt_cur *c);

/* The header of a versioned object: a byte count (flagged 0x40000000) and a
 * 2-byte version. *end is the position just past the object, or SIZE_MAX
 * when the object was written without a byte count. */
int rt_version(rt_cur *c, size_t *end);

/* TObject's own header (version, unique id, bits, optional process id). */
void rt_tobject(rt_cur *c);

/* ---- file -------------------------------------------------------------- */

typedef struct rt_key {
    char *path;
    char *class_name;
    char *name;
    int cycle;
    int32_t nbytes;
    int32_t objlen;
    int16_t keylen;
    int64_t seek;
    int is_dir;
} rt_key;

struct hn_root_file {
    char *name;
    int fd;              /* -1 for a file in memory */
    const uint8_t *mem;
    uint64_t size;
    int version;         /* fVersion % 1000000 */
    int compress;
    rt_key *keys;
    hn_root_object *objects;
    size_t nkeys, cap;
};

/* Reads n bytes at offset off of the file into dst; HN_ERR_FORMAT if they
 * lie past the end. Thread-safe. */
hn_status rt_file_read(const hn_root_file *f, uint64_t off, size_t n, void *dst, hn_error *err);

/* A key header parsed from a cursor (strings malloc'd: rt_keyhdr_free). */
typedef struct rt_keyhdr {
    int32_t nbytes;
    int16_t version;
    int32_t objlen;
    int16_t keylen;
    int16_t cycle;
    int64_t seek;
    char *class_name, *name, *title;
} rt_keyhdr;
int rt_keyhdr_read(rt_cur *c, rt_keyhdr *k);
void rt_keyhdr_free(rt_keyhdr *k);

/* Reads and, if needed, decompresses a key's object: *out (malloc'd,
 * objlen bytes). */
hn_status rt_key_payload(const hn_root_file *f, const rt_key *k, uint8_t **out, hn_error *err);

/* ---- decompression ----------------------------------------------------- */

/* Expands ROOT compression blocks (9-byte headers "ZL", "XZ", "L4", "ZS")
 * from src[0..n) into dst[0..dst_len), which must be filled exactly.
 * `what` names the object in messages. */
hn_status rt_unzip(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char *what,
                   hn_error *err);

/* Checks the block headers of src against dst_len without decoding, before
 * dst_len bytes are allocated: sizes must add up and be within what each
 * codec can expand to. */
hn_status rt_unzip_check(const uint8_t *src, size_t n, size_t dst_len, const char *what,
                         hn_error *err);

/* ---- tree -------------------------------------------------------------- */

typedef struct rt_leaf {
    char *name, *title, *class_name;
    int32_t len, lentype;
    int is_unsigned;
    int count;          /* index of the counter leaf, or -1 */
    hn_root_type type;
    int elem_size;      /* bytes of one element on disk */
    int branch;         /* index of the branch holding this leaf, or -1 */
} rt_leaf;

typedef struct rt_embedded {
    int slot;           /* index in fBaskets */
    size_t data_off;    /* position of the entry data in the tree record */
    int64_t border;     /* bytes of entry data */
    int32_t nev;
    int32_t *offsets;   /* entry offsets relative to data_off, or NULL */
    int32_t noffsets;
} rt_embedded;

typedef struct rt_branch {
    hn_root_branch info;
    char *name, *title, *class_name, *leaf_class, *why;
    int version;
    int32_t entry_offset_len, write_basket, max_baskets;
    int64_t entries;
    int *leaves;
    int nleaves;
    const char **leaf_names;
    hn_root_type *leaf_types;
    int32_t *leaf_lens;
    int32_t *basket_bytes;
    int64_t *basket_entry, *basket_seek;
    rt_embedded *emb;
    int nemb;
    int64_t entry_size; /* bytes per entry for flat branches */
    int counter_branch; /* jagged: index of the counter's branch */
} rt_branch;

struct hn_root_tree {
    hn_root_file *file;
    char *name, *class_name;
    int version;
    int64_t entries;
    uint8_t *record;    /* the decompressed TTree record (embedded baskets live here) */
    size_t record_len;
    int16_t keylen;
    rt_branch *br;
    int nbr, cap_br;
    rt_leaf *lf;
    int nlf, cap_lf;
    int threads;
};

/* Parses the TTree record of t (record, keylen set) into branches and leaves. */
hn_status rt_tree_parse(hn_root_tree *t, hn_error *err);
void rt_tree_free_parts(hn_root_tree *t);

#endif
