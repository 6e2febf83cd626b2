/* Reading a branch's values: find the baskets that hold the wanted entries,
 * load (and decompress) each, and convert its big-endian values straight
 * into the caller's array. Baskets are independent once the output position
 * of each entry is known (from the entry number for flat branches, from the
 * counter branch for jagged ones), so they are processed in parallel, each
 * thread holding one basket at a time. */
#define _DEFAULT_SOURCE /* madvise */
#include <math.h>
#include <sys/mman.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "root_internal.h"

/* ---- conversion ---------------------------------------------------------- */

static inline int L_bool(const uint8_t *p) { return p[0] != 0; }
static inline int8_t L_i8(const uint8_t *p) { return (int8_t)p[0]; }
static inline uint8_t L_u8(const uint8_t *p) { return p[0]; }
static inline int16_t L_i16(const uint8_t *p) { return (int16_t)rt_be16(p); }
static inline uint16_t L_u16(const uint8_t *p) { return rt_be16(p); }
static inline int32_t L_i32(const uint8_t *p) { return (int32_t)rt_be32(p); }
static inline uint32_t L_u32(const uint8_t *p) { return rt_be32(p); }
static inline int64_t L_i64(const uint8_t *p) { return (int64_t)rt_be64(p); }
static inline uint64_t L_u64(const uint8_t *p) { return rt_be64(p); }
static inline float L_f32(const uint8_t *p)
{
    uint32_t u = rt_be32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline double L_f64(const uint8_t *p)
{
    uint64_t u = rt_be64(p);
    double f;
    memcpy(&f, &u, 8);
    return f;
}

#define LOOP(T, LOAD, SZ)                                                                      \
    for (int64_t i = 0; i < n; i++)                                                            \
    d[i] = (T)LOAD(s + (SZ) * i)

#define ALL_TYPES(T)                                                                           \
    switch (st) {                                                                              \
    case HN_ROOT_T_BOOL: LOOP(T, L_bool, 1); break;                                            \
    case HN_ROOT_T_I8: LOOP(T, L_i8, 1); break;                                                \
    case HN_ROOT_T_U8: LOOP(T, L_u8, 1); break;                                                \
    case HN_ROOT_T_I16: LOOP(T, L_i16, 2); break;                                              \
    case HN_ROOT_T_U16: LOOP(T, L_u16, 2); break;                                              \
    case HN_ROOT_T_I32: LOOP(T, L_i32, 4); break;                                              \
    case HN_ROOT_T_U32: LOOP(T, L_u32, 4); break;                                              \
    case HN_ROOT_T_I64: LOOP(T, L_i64, 8); break;                                              \
    case HN_ROOT_T_U64: LOOP(T, L_u64, 8); break;                                              \
    case HN_ROOT_T_F32: LOOP(T, L_f32, 4); break;                                              \
    case HN_ROOT_T_F64: LOOP(T, L_f64, 8); break;                                              \
    default: return -1;                                                                        \
    }

/* Converts n big-endian elements of type st at s into d (of dtype dt).
 * Returns -1 when a value does not fit the integer dtype exactly. */
static int convert(const uint8_t *s, hn_root_type st, int64_t n, void *out, hn_root_dtype dt)
{
    if (dt == HN_ROOT_F32) {
        float *d = out;
        ALL_TYPES(float)
    } else if (dt == HN_ROOT_F64) {
        double *d = out;
        ALL_TYPES(double)
    } else if (dt == HN_ROOT_I64) {
        int64_t *d = out;
        if (st == HN_ROOT_T_U64) {
            for (int64_t i = 0; i < n; i++) {
                uint64_t v = L_u64(s + 8 * i);
                if (v > (uint64_t)INT64_MAX)
                    return -1;
                d[i] = (int64_t)v;
            }
            return 0;
        }
        if (st == HN_ROOT_T_F32 || st == HN_ROOT_T_F64)
            return -1;
        ALL_TYPES(int64_t)
    } else if (dt == HN_ROOT_U64) {
        uint64_t *d = out;
        int neg = 0;
        switch (st) {
        case HN_ROOT_T_I8: for (int64_t i = 0; i < n; i++) neg |= L_i8(s + i) < 0; break;
        case HN_ROOT_T_I16: for (int64_t i = 0; i < n; i++) neg |= L_i16(s + 2 * i) < 0; break;
        case HN_ROOT_T_I32: for (int64_t i = 0; i < n; i++) neg |= L_i32(s + 4 * i) < 0; break;
        case HN_ROOT_T_I64: for (int64_t i = 0; i < n; i++) neg |= L_i64(s + 8 * i) < 0; break;
        case HN_ROOT_T_F32:
        case HN_ROOT_T_F64: return -1;
        default: break;
        }
        if (neg)
            return -1;
        ALL_TYPES(uint64_t)
    } else {
        return -1;
    }
    return 0;
}

static size_t dtype_size(hn_root_dtype dt)
{
    switch (dt) {
    case HN_ROOT_F32: return 4;
    case HN_ROOT_F64: return 8;
    case HN_ROOT_I64: return 8;
    case HN_ROOT_U64: return 8;
    default: return 1;
    }
}

/* ---- baskets ----------------------------------------------------------------- */

typedef struct bref {
    int64_t e0, e1; /* entries [e0, e1) */
    int disk;       /* on disk (index into the basket table) or embedded */
    int idx;
} bref;

typedef struct scratch {
    uint8_t *raw, *obj;
    size_t raw_cap, obj_cap;
    int32_t *offs;
    size_t offs_cap;
} scratch;

typedef struct bdata {
    const uint8_t *data;
    int64_t border;          /* bytes of entry data */
    int32_t nev;
    const int32_t *offsets;  /* nev entry starts relative to data, or NULL */
} bdata;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    void *n = realloc(*p, need * elem);
    if (!n)
        return -1;
    *p = n;
    *cap = need;
    return 0;
}

static hn_status basket_list(const hn_root_tree *t, const rt_branch *b, bref **out, int *nout,
                             hn_error *err)
{
    int n = b->write_basket + b->nemb;
    bref *r = malloc((size_t)(n ? n : 1) * sizeof *r);
    if (!r)
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    int k = 0;
    for (int i = 0; i < b->write_basket; i++, k++) {
        r[k].disk = 1;
        r[k].idx = i;
        r[k].e0 = b->basket_entry[i];
        if (i + 1 < b->write_basket || (b->nemb && i + 1 < b->max_baskets))
            r[k].e1 = b->basket_entry[i + 1];
        else
            r[k].e1 = b->entries;
    }
    for (int j = 0; j < b->nemb; j++, k++) {
        int s = b->emb[j].slot;
        r[k].disk = 0;
        r[k].idx = j;
        r[k].e0 = s < b->max_baskets ? b->basket_entry[s] : -1;
        r[k].e1 = r[k].e0 + b->emb[j].nev;
    }
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        if (r[i].e0 != at || r[i].e1 < r[i].e0 || r[i].e1 > b->entries) {
            hn_error_set(err, HN_ERR_FORMAT,
                         "%s: branch '%s': basket %d holds entries [%lld, %lld), expected to start "
                         "at %lld (of %lld)",
                         t->file->name, b->name, i, (long long)r[i].e0, (long long)r[i].e1,
                         (long long)at, (long long)b->entries);
            free(r);
            return HN_ERR_FORMAT;
        }
        at = r[i].e1;
    }
    if (at != b->entries) {
        free(r);
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: branch '%s': baskets hold %lld entries, the branch declares %lld",
                            t->file->name, b->name, (long long)at, (long long)b->entries);
    }
    *out = r;
    *nout = n;
    return HN_OK;
}

static hn_status load_basket(const hn_root_tree *t, const rt_branch *b, const bref *r, scratch *s,
                             bdata *d, hn_error *err)
{
    const char *fn = t->file->name;
    if (!r->disk) {
        const rt_embedded *e = &b->emb[r->idx];
        d->data = t->record + e->data_off;
        d->border = e->border;
        d->nev = e->nev;
        d->offsets = e->offsets;
        return HN_OK;
    }
    int32_t nbytes = b->basket_bytes[r->idx];
    int64_t seek = b->basket_seek[r->idx];
    if (nbytes <= 0 || seek <= 0 || (uint64_t)seek > t->file->size ||
        (uint64_t)nbytes > t->file->size - (uint64_t)seek)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: branch '%s': basket %d (offset %lld, %d bytes) lies outside the "
                            "file (%llu bytes)",
                            fn, b->name, r->idx, (long long)seek, nbytes,
                            (unsigned long long)t->file->size);
    if (grow((void **)&s->raw, &s->raw_cap, (size_t)nbytes, 1))
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    hn_status st = rt_file_read(t->file, (uint64_t)seek, (size_t)nbytes, s->raw, err);
    if (st)
        return st;
    rt_cur c = {s->raw, (size_t)nbytes, 0, 0, 0};
    rt_keyhdr k;
    if (rt_keyhdr_read(&c, &k))
        return hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d at offset %lld: truncated key",
                            fn, b->name, r->idx, (long long)seek);
    rt_keyhdr_free(&k);
    size_t vend;
    rt_version(&c, &vend);
    rt_skip(&c, 4); /* fBufferSize */
    int32_t nevbufsize = rt_i32(&c);
    if (nevbufsize < 0)
        rt_skip(&c, 1);
    int32_t nev = rt_i32(&c), last = rt_i32(&c);
    rt_skip(&c, 1); /* flag */
    if (c.bad || k.keylen < (int)c.pos || k.nbytes > nbytes || k.nbytes < k.keylen || k.objlen < 0 ||
        k.objlen > RT_MAX_OBJLEN || nev < 0 || last < k.keylen || last - k.keylen > k.objlen)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: branch '%s': basket %d at offset %lld has an inconsistent header "
                            "(nbytes %d of %d, keylen %d, objlen %d, entries %d, last %d)",
                            fn, b->name, r->idx, (long long)seek, k.nbytes, nbytes, k.keylen,
                            k.objlen, nev, last);
    size_t stored = (size_t)(k.nbytes - k.keylen);
    const uint8_t *src = s->raw + k.keylen;
    if ((size_t)k.objlen <= stored) {
        d->data = src;
    } else {
        char what[512];
        snprintf(what, sizeof what, "%s: branch '%s': basket %d at offset %lld", fn, b->name, r->idx,
                 (long long)seek);
        st = rt_unzip_check(src, stored, (size_t)k.objlen, what, err);
        if (st)
            return st;
        if (grow((void **)&s->obj, &s->obj_cap, (size_t)k.objlen, 1))
            return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", what);
        st = rt_unzip(src, stored, s->obj, (size_t)k.objlen, what, err);
        if (st)
            return st;
        d->data = s->obj;
    }
    d->border = last - k.keylen;
    d->nev = nev;
    d->offsets = NULL;
    size_t rest = (size_t)(k.objlen - d->border);
    if (rest >= 4) {
        int32_t m = (int32_t)rt_be32(d->data + d->border);
        if (m >= nev && (size_t)m <= rest / 4 - 1) {
            if (grow((void **)&s->offs, &s->offs_cap, (size_t)(nev ? nev : 1), sizeof(int32_t)))
                return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
            for (int32_t i = 0; i < nev; i++)
                s->offs[i] = rt_entry_offset((int32_t)rt_be32(d->data + d->border + 4 + 4 * (size_t)i),
                                              k.keylen);
            d->offsets = s->offs;
        }
    }
    return HN_OK;
}

/* What the baskets overlapping [start, stop) can hold, from their key
 * headers alone (one small read each), so that an output array is never
 * allocated for more than the file can fill: a corrupted entry count or
 * counter value is caught before it turns into a huge allocation. The
 * declared sizes are themselves bounded by what the codec of the first block
 * can expand the stored bytes to. */
static hn_status claimed_bytes(const hn_root_tree *t, const rt_branch *b, int64_t start, int64_t stop,
                               int64_t *total, hn_error *err)
{
    bref *r;
    int n;
    *total = 0;
    hn_status st = basket_list(t, b, &r, &n, err);
    if (st)
        return st;
    uint8_t head[4096];
    for (int i = 0; i < n && !st; i++) {
        if (r[i].e1 <= start || r[i].e0 >= stop)
            continue;
        int64_t claim;
        if (!r[i].disk) {
            claim = b->emb[r[i].idx].border;
        } else {
            int32_t nbytes = b->basket_bytes[r[i].idx];
            int64_t seek = b->basket_seek[r[i].idx];
            if (nbytes <= 0 || seek <= 0 || (uint64_t)seek > t->file->size ||
                (uint64_t)nbytes > t->file->size - (uint64_t)seek) {
                st = hn_error_set(err, HN_ERR_FORMAT,
                                  "%s: branch '%s': basket %d (offset %lld, %d bytes) lies outside "
                                  "the file (%llu bytes)",
                                  t->file->name, b->name, r[i].idx, (long long)seek, nbytes,
                                  (unsigned long long)t->file->size);
                break;
            }
            size_t hn = (size_t)nbytes < sizeof head ? (size_t)nbytes : sizeof head;
            st = rt_file_read(t->file, (uint64_t)seek, hn, head, err);
            if (st)
                break;
            rt_cur c = {head, hn, 0, 0, 0};
            rt_keyhdr k;
            if (rt_keyhdr_read(&c, &k)) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d at offset %lld: "
                                  "truncated key", t->file->name, b->name, r[i].idx, (long long)seek);
                break;
            }
            rt_keyhdr_free(&k);
            int64_t stored = (int64_t)k.nbytes - k.keylen;
            if (k.keylen < 0 || k.objlen < 0 || k.objlen > RT_MAX_OBJLEN || stored < 0 || k.nbytes > nbytes) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d at offset %lld has "
                                  "an inconsistent header (nbytes %d of %d, keylen %d, objlen %d)",
                                  t->file->name, b->name, r[i].idx, (long long)seek, k.nbytes, nbytes,
                                  k.keylen, k.objlen);
                break;
            }
            int64_t bound = stored;
            if (k.objlen > stored) {
                const uint8_t *h = (size_t)k.keylen + 9 <= hn ? head + k.keylen : NULL;
                int big = h && ((h[0] == 'X' && h[1] == 'Z') || (h[0] == 'Z' && h[1] == 'S'));
                bound = big ? ((int64_t)1 << 24) * (stored / 20 + 1) : 1032 * stored + 4096;
            }
            if (k.objlen > bound) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d at offset %lld "
                                  "declares %d bytes from %lld stored (more than the codec can "
                                  "produce)", t->file->name, b->name, r[i].idx, (long long)seek,
                                  k.objlen, (long long)stored);
                break;
            }
            claim = k.objlen;
        }
        if ((b->info.shape == HN_ROOT_SCALAR || b->info.shape == HN_ROOT_FIXED) &&
            (r[i].e1 - r[i].e0) > claim / (b->entry_size ? b->entry_size : 1)) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d is said to hold %lld "
                              "entries of %lld bytes but holds at most %lld bytes", t->file->name,
                              b->name, r[i].idx, (long long)(r[i].e1 - r[i].e0),
                              (long long)b->entry_size, (long long)claim);
            break;
        }
        *total += claim;
    }
    free(r);
    return st;
}

/* ---- filling ----------------------------------------------------------------- */

typedef struct job {
    hn_root_dtype dt;
    int64_t start, stop;
    void *values;
    /* jagged: value offsets of entries [start, stop], absolute in values,
     * and the counts of entries [cstart, start) for the first basket */
    const int64_t *off;
    const int64_t *pre;
    int64_t cstart;
    /* padded */
    int64_t maxlen;
    uint8_t *mask;
} job;

static hn_status convert_err(const hn_root_tree *t, const rt_branch *b, hn_root_dtype dt, hn_error *err)
{
    return hn_error_set(err, HN_ERR_NUMERIC, "%s: branch '%s': a %s value does not fit %s exactly",
                        t->file->name, b->name, hn_root_type_str(b->info.type),
                        dt == HN_ROOT_I64 ? "int64" : "uint64");
}

static hn_status fill_basket(const hn_root_tree *t, const rt_branch *b, const bref *r, scratch *s,
                             const job *J, hn_error *err)
{
    bdata d;
    hn_status st = load_basket(t, b, r, s, &d, err);
    if (st)
        return st;
    const char *fn = t->file->name;
    int64_t nev = r->e1 - r->e0;
    if (d.nev != nev)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: branch '%s': basket %d holds %d entries, the basket table says %lld",
                            fn, b->name, r->idx, d.nev, (long long)nev);
    int64_t lo = r->e0 > J->start ? r->e0 : J->start;
    int64_t hi = r->e1 < J->stop ? r->e1 : J->stop;
    size_t ds = dtype_size(J->dt);
    const rt_leaf *l0 = &t->lf[b->leaves[0]];
    if (b->info.shape == HN_ROOT_SCALAR || b->info.shape == HN_ROOT_FIXED) {
        int64_t S = b->entry_size;
        if (d.border != nev * S)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: branch '%s': basket %d has %lld data bytes for %lld entries of "
                                "%lld bytes",
                                fn, b->name, r->idx, (long long)d.border, (long long)nev, (long long)S);
        int64_t w = b->info.width;
        if (J->maxlen) { /* padded, flat: one object per entry */
            float *v = J->values;
            for (int64_t e = lo; e < hi; e++) {
                if (convert(d.data + (e - r->e0) * S, l0->type, w, v + (e - J->start) * J->maxlen * w,
                            HN_ROOT_F32))
                    return convert_err(t, b, J->dt, err);
                J->mask[(e - J->start) * J->maxlen] = 1;
            }
            return HN_OK;
        }
        if (b->nleaves == 1) {
            if (convert(d.data + (lo - r->e0) * S, l0->type, (hi - lo) * w,
                        (char *)J->values + (size_t)((lo - J->start) * w) * ds, J->dt))
                return convert_err(t, b, J->dt, err);
            return HN_OK;
        }
        for (int64_t e = lo; e < hi; e++) { /* a leaf list: leaves packed one after another */
            const uint8_t *p = d.data + (e - r->e0) * S;
            int64_t at = (e - J->start) * w;
            for (int j = 0; j < b->nleaves; j++) {
                const rt_leaf *l = &t->lf[b->leaves[j]];
                if (convert(p, l->type, l->len, (char *)J->values + (size_t)at * ds, J->dt))
                    return convert_err(t, b, J->dt, err);
                p += (size_t)l->len * (size_t)l->elem_size;
                at += l->len;
            }
        }
        return HN_OK;
    }
    /* jagged: entry sizes come from the counter */
    int64_t esz = (int64_t)l0->elem_size * b->info.width;
    int64_t pos = 0;
    for (int64_t e = r->e0; e < r->e1; e++) {
        int64_t nvals;
        if (e < J->start)
            nvals = J->pre[e - J->cstart] * b->info.width;
        else if (e < J->stop)
            nvals = J->off[e - J->start + 1] - J->off[e - J->start];
        else
            break;
        if (d.offsets && d.offsets[e - r->e0] != pos)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: branch '%s': basket %d: entry %lld starts at byte %d by the "
                                "offset table but at byte %lld by the counter '%s'",
                                fn, b->name, r->idx, (long long)e, d.offsets[e - r->e0],
                                (long long)pos, b->info.counter);
        int64_t bytes = nvals / b->info.width * esz;
        if (bytes > d.border - pos)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: branch '%s': basket %d: entry %lld needs %lld bytes past byte "
                                "%lld, the basket holds %lld",
                                fn, b->name, r->idx, (long long)e, (long long)bytes, (long long)pos,
                                (long long)d.border);
        if (e >= J->start) {
            if (J->maxlen) {
                int64_t objs = nvals / b->info.width;
                if (objs > J->maxlen)
                    objs = J->maxlen;
                float *v = (float *)J->values + (e - J->start) * J->maxlen * b->info.width;
                if (convert(d.data + pos, l0->type, objs * b->info.width, v, HN_ROOT_F32))
                    return convert_err(t, b, J->dt, err);
                memset(J->mask + (e - J->start) * J->maxlen, 1, (size_t)objs);
            } else if (convert(d.data + pos, l0->type, nvals,
                               (char *)J->values + (size_t)J->off[e - J->start] * ds, J->dt)) {
                return convert_err(t, b, J->dt, err);
            }
        }
        pos += bytes;
    }
    if (r->e1 <= J->stop && pos != d.border)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: branch '%s': basket %d: the counter '%s' accounts for %lld of its "
                            "%lld bytes",
                            fn, b->name, r->idx, b->info.counter, (long long)pos, (long long)d.border);
    return HN_OK;
}

/* The output array of a read. Large ones are aligned to 2 MiB and marked for
 * transparent huge pages: the threads filling them then take one page fault
 * per 2 MiB instead of per 4 kiB, which otherwise serialises in the kernel and
 * kept two threads from scaling. Freed with free() like any other. */
static void *output_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < 4 * huge)
        return malloc(bytes);
    void *p = NULL;
    size_t rounded = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, rounded) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE); /* advice only: fine if refused */
#endif
    return p;
}

/* Runs fill_basket over the baskets that overlap [J->start, J->stop). */
static hn_status run_baskets(hn_root_tree *t, const rt_branch *b, const job *J, hn_error *err)
{
    bref *r;
    int n;
    hn_status st = basket_list(t, b, &r, &n, err);
    if (st)
        return st;
    int first = 0, last = n;
    while (first < n && r[first].e1 <= J->start)
        first++;
    while (last > first && r[last - 1].e0 >= J->stop)
        last--;
    int nb = last - first;
#ifdef _OPENMP
    int threads = t->threads > 0 ? t->threads : omp_get_max_threads();
#else
    int threads = 1;
#endif
    if (threads > nb)
        threads = nb;
    if (threads < 1)
        threads = 1;
    int failed = 0;
    hn_error first_err = {0};
#pragma omp parallel num_threads(threads)
    {
        scratch s = {0};
        hn_error e = {0};
#pragma omp for schedule(dynamic, 1)
        for (int i = first; i < last; i++) {
            int stop_now;
#pragma omp atomic read
            stop_now = failed;
            if (stop_now)
                continue;
            hn_status rs = fill_basket(t, b, &r[i], &s, J, &e);
            if (rs) {
#pragma omp critical(hn_root_read_error)
                {
                    if (!failed) {
                        first_err = e;
                        first_err.status = rs;
                    }
                    failed = 1;
                }
            }
        }
        free(s.raw);
        free(s.obj);
        free(s.offs);
    }
    free(r);
    if (failed) {
        if (err)
            *err = first_err;
        return first_err.status;
    }
    return HN_OK;
}

static hn_status check_range(const hn_root_tree *t, const rt_branch *b, int64_t *start, int64_t *stop,
                             hn_error *err)
{
    if (*stop < 0 || *stop > b->entries)
        *stop = *stop < 0 ? b->entries : *stop;
    if (*start < 0 || *start > *stop || *stop > b->entries)
        return hn_error_set(err, HN_ERR_ARG, "%s: branch '%s': entry range [%lld, %lld) outside [0, %lld)",
                            t->file->name, b->name, (long long)*start, (long long)*stop,
                            (long long)b->entries);
    return HN_OK;
}

static hn_status find_readable(const hn_root_tree *t, const char *name, const rt_branch **out,
                               hn_error *err)
{
    if (!t || !name)
        return hn_error_set(err, HN_ERR_ARG, "NULL tree or branch name");
    int64_t i = hn_root_branch_find(t, name);
    if (i < 0)
        return hn_error_set(err, HN_ERR_ARG, "%s: tree '%s' has no branch '%s'", t->file->name,
                            t->name, name);
    const rt_branch *b = &t->br[i];
    if (b->why)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: %s", t->file->name, b->why);
    *out = b;
    return HN_OK;
}

/* Flat values of [start, stop) into dst. */
static hn_status read_flat_into(hn_root_tree *t, const rt_branch *b, int64_t start, int64_t stop,
                                hn_root_dtype dt, void *dst, hn_error *err)
{
    job J = {.dt = dt, .start = start, .stop = stop, .values = dst};
    return start == stop ? HN_OK : run_baskets(t, b, &J, err);
}

/* Counts of a jagged branch for [start, stop) as value offsets: off[0] =
 * base, off[i+1] = off[i] + count * width. */
static hn_status read_counts(hn_root_tree *t, const rt_branch *b, int64_t start, int64_t stop,
                             int64_t base, int64_t *off, hn_error *err)
{
    const rt_branch *cb = &t->br[b->counter_branch];
    if (cb->entries < stop)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: counter '%s' of branch '%s' has %lld entries, "
                            "fewer than %lld", t->file->name, cb->name, b->name,
                            (long long)cb->entries, (long long)stop);
    hn_status st = read_flat_into(t, cb, start, stop, HN_ROOT_I64, off + 1, err);
    if (st)
        return st;
    off[0] = base;
    int64_t w = b->info.width;
    for (int64_t i = 0; i < stop - start; i++) {
        int64_t c = off[i + 1];
        if (c < 0 || c > ((int64_t)1 << 40) / w || off[i] > INT64_MAX / 2)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': counter '%s' is %lld at entry %lld",
                                t->file->name, b->name, cb->name, (long long)c,
                                (long long)(start + i));
        off[i + 1] = off[i] + c * w;
    }
    return HN_OK;
}

/* Fills values of a jagged branch for [start, stop), offsets given. */
static hn_status read_jagged_into(hn_root_tree *t, const rt_branch *b, int64_t start, int64_t stop,
                                  hn_root_dtype dt, void *values, const int64_t *off, int64_t maxlen,
                                  uint8_t *mask, hn_error *err)
{
    if (start == stop)
        return HN_OK;
    /* the first basket may begin before start: its earlier entries' counts
     * locate the wanted ones within it */
    bref *r;
    int n;
    hn_status st = basket_list(t, b, &r, &n, err);
    if (st)
        return st;
    int64_t cstart = start;
    for (int i = 0; i < n; i++)
        if (r[i].e0 <= start && start < r[i].e1)
            cstart = r[i].e0;
    free(r);
    int64_t *pre = NULL;
    if (cstart < start) {
        int64_t claim;
        st = claimed_bytes(t, &t->br[b->counter_branch], cstart, start, &claim, err);
        if (st)
            return st;
        pre = malloc((size_t)(start - cstart + 1) * sizeof *pre);
        if (!pre)
            return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        st = read_flat_into(t, &t->br[b->counter_branch], cstart, start, HN_ROOT_I64, pre, err);
        for (int64_t i = 0; !st && i < start - cstart; i++)
            if (pre[i] < 0 || pre[i] > INT32_MAX)
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': counter is %lld at entry %lld",
                                  t->file->name, b->name, (long long)pre[i], (long long)(cstart + i));
    }
    job J = {.dt = dt, .start = start, .stop = stop, .values = values, .off = off, .pre = pre,
             .cstart = cstart, .maxlen = maxlen, .mask = mask};
    if (!st)
        st = run_baskets(t, b, &J, err);
    free(pre);
    return st;
}

static hn_status read_strings(hn_root_tree *t, const rt_branch *b, int64_t start, int64_t stop,
                              hn_root_array *out, hn_error *err)
{
    bref *r;
    int n;
    hn_status st = basket_list(t, b, &r, &n, err);
    if (st)
        return st;
    int64_t claim;
    st = claimed_bytes(t, b, start, stop, &claim, err);
    if (!st && stop - start > claim) /* each string takes at least its length byte */
        st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': %lld strings in %lld bytes",
                          t->file->name, b->name, (long long)(stop - start), (long long)claim);
    if (st) {
        free(r);
        return st;
    }
    size_t cap = 64, len = 0;
    char *v = malloc(cap);
    int64_t *off = malloc((size_t)(stop - start + 1) * sizeof *off);
    scratch s = {0};
    if (!v || !off)
        st = hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    else
        off[0] = 0;
    for (int i = 0; i < n && !st; i++) {
        if (r[i].e1 <= start || r[i].e0 >= stop)
            continue;
        bdata d;
        st = load_basket(t, b, &r[i], &s, &d, err);
        if (st)
            break;
        if (d.nev != r[i].e1 - r[i].e0) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d holds %d entries, "
                              "expected %lld", t->file->name, b->name, i, d.nev,
                              (long long)(r[i].e1 - r[i].e0));
            break;
        }
        int64_t pos = 0;
        for (int64_t e = r[i].e0; e < r[i].e1 && e < stop && !st; e++) {
            if (d.offsets)
                pos = d.offsets[e - r[i].e0];
            rt_cur c = {d.data, (size_t)d.border, 0, 0, 0};
            if (pos < 0 || pos > d.border)
                c.bad = 1;
            else
                c.pos = (size_t)pos;
            size_t l = rt_u8(&c);
            if (l == 255)
                l = rt_u32(&c);
            if (c.bad || l > c.len - c.pos) {
                st = hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s': basket %d: string of entry "
                                  "%lld runs past the basket", t->file->name, b->name, i, (long long)e);
                break;
            }
            if (e >= start) {
                if (len + l + 1 > cap) {
                    while (len + l + 1 > cap)
                        cap *= 2;
                    char *nv = realloc(v, cap);
                    if (!nv) {
                        st = hn_error_set(err, HN_ERR_NOMEM, "out of memory");
                        break;
                    }
                    v = nv;
                }
                memcpy(v + len, d.data + c.pos, l);
                len += l;
                off[e - start + 1] = (int64_t)len;
            }
            pos = (int64_t)(c.pos + l);
        }
    }
    free(s.raw);
    free(s.obj);
    free(s.offs);
    free(r);
    if (st) {
        free(v);
        free(off);
        return st;
    }
    out->dtype = HN_ROOT_CHAR;
    out->n_entries = stop - start;
    out->n_values = (int64_t)len;
    out->width = 0;
    out->values = v;
    out->offsets = off;
    return HN_OK;
}

/* The values a counter promises must fit in the branch's baskets. */
static hn_status check_jagged_claim(const hn_root_tree *t, const rt_branch *b, int64_t start,
                                    int64_t stop, const int64_t *off, hn_error *err)
{
    int64_t claim;
    hn_status st = claimed_bytes(t, b, start, stop, &claim, err);
    if (st)
        return st;
    int64_t esz = t->lf[b->leaves[0]].elem_size;
    if (off[stop - start] - off[0] > claim / esz)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: branch '%s': its counter '%s' promises %lld values in [%lld, %lld), "
                            "its baskets hold at most %lld bytes",
                            t->file->name, b->name, b->info.counter,
                            (long long)(off[stop - start] - off[0]), (long long)start,
                            (long long)stop, (long long)claim);
    return HN_OK;
}

static hn_status check_dtype(const hn_root_tree *t, const rt_branch *b, hn_root_dtype dt, hn_error *err)
{
    int is_str = b->info.type == HN_ROOT_T_STRING;
    int is_float = b->info.type == HN_ROOT_T_F32 || b->info.type == HN_ROOT_T_F64;
    if (dt > HN_ROOT_CHAR || (is_str != (dt == HN_ROOT_CHAR)))
        return hn_error_set(err, HN_ERR_ARG, "%s: branch '%s' holds %s, which cannot be read as %s",
                            t->file->name, b->name, hn_root_type_str(b->info.type),
                            dt == HN_ROOT_CHAR ? "characters" : "numbers");
    if (is_float && (dt == HN_ROOT_I64 || dt == HN_ROOT_U64))
        return hn_error_set(err, HN_ERR_ARG, "%s: branch '%s' holds %s, which cannot be read as an "
                            "integer type", t->file->name, b->name, hn_root_type_str(b->info.type));
    for (int j = 1; j < b->nleaves && !is_float && dt != HN_ROOT_F32 && dt != HN_ROOT_F64; j++) {
        hn_root_type lt = t->lf[b->leaves[j]].type;
        if (lt == HN_ROOT_T_F32 || lt == HN_ROOT_T_F64)
            return hn_error_set(err, HN_ERR_ARG, "%s: branch '%s' has floating-point leaves, which "
                                "cannot be read as an integer type", t->file->name, b->name);
    }
    return HN_OK;
}

hn_status hn_root_read(hn_root_tree *t, const char *branch, int64_t start, int64_t stop,
                       hn_root_dtype dtype, hn_root_array *out, hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_read: NULL output");
    memset(out, 0, sizeof *out);
    const rt_branch *b = NULL;
    hn_status st = find_readable(t, branch, &b, err);
    if (!st)
        st = check_range(t, b, &start, &stop, err);
    if (!st)
        st = check_dtype(t, b, dtype, err);
    if (st)
        return st;
    if (b->info.shape == HN_ROOT_STRING_SHAPE)
        return read_strings(t, b, start, stop, out, err);
    int64_t n = stop - start;
    size_t ds = dtype_size(dtype);
    out->dtype = dtype;
    out->n_entries = n;
    if (b->info.shape != HN_ROOT_JAGGED) {
        int64_t w = b->info.width;
        if (n > INT64_MAX / w || (uint64_t)(n * w) > SIZE_MAX / ds)
            return hn_error_set(err, HN_ERR_NOMEM, "branch '%s': too many values", branch);
        out->width = w;
        out->n_values = n * w;
        int64_t claim;
        st = claimed_bytes(t, b, start, stop, &claim, err);
        if (st)
            return st;
        out->values = output_alloc((size_t)(n * w) * ds + 1);
        if (!out->values)
            return hn_error_set(err, HN_ERR_NOMEM, "branch '%s': out of memory for %lld values",
                                branch, (long long)(n * w));
        st = read_flat_into(t, b, start, stop, dtype, out->values, err);
    } else {
        int64_t claim;
        st = claimed_bytes(t, &t->br[b->counter_branch], start, stop, &claim, err);
        if (st)
            return st;
        out->offsets = malloc((size_t)(n + 1) * sizeof *out->offsets);
        if (!out->offsets)
            return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        st = read_counts(t, b, start, stop, 0, out->offsets, err);
        if (!st)
            st = check_jagged_claim(t, b, start, stop, out->offsets, err);
        if (!st) {
            out->n_values = out->offsets[n];
            out->values = output_alloc((size_t)out->n_values * ds + 1);
            if (!out->values)
                st = hn_error_set(err, HN_ERR_NOMEM, "branch '%s': out of memory for %lld values",
                                  branch, (long long)out->n_values);
        }
        if (!st)
            st = read_jagged_into(t, b, start, stop, dtype, out->values, out->offsets, 0, NULL, err);
    }
    if (st)
        hn_root_array_free(out);
    return st;
}

hn_status hn_root_read_padded(hn_root_tree *t, const char *branch, int64_t start, int64_t stop,
                              int64_t max_len, float **values, uint8_t **mask, int64_t *n_entries,
                              hn_error *err)
{
    if (!values || !mask || !n_entries)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_read_padded: NULL output");
    *values = NULL;
    *mask = NULL;
    *n_entries = 0;
    const rt_branch *b = NULL;
    hn_status st = find_readable(t, branch, &b, err);
    if (!st)
        st = check_range(t, b, &start, &stop, err);
    if (!st)
        st = check_dtype(t, b, HN_ROOT_F32, err);
    if (st)
        return st;
    if (max_len < 1 || max_len > ((int64_t)1 << 24))
        return hn_error_set(err, HN_ERR_ARG, "branch '%s': padded length %lld out of range", branch,
                            (long long)max_len);
    if (b->nleaves > 1)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "branch '%s': a leaf list cannot be padded", branch);
    int64_t n = stop - start, w = b->info.width;
    if (n > 0 && (max_len * w > ((int64_t)1 << 40) / n))
        return hn_error_set(err, HN_ERR_NOMEM, "branch '%s': padded array too large", branch);
    int64_t claim;
    st = claimed_bytes(t, b, start, stop, &claim, err);
    if (st)
        return st;
    /* a padded row costs at least one stored byte per entry of the file */
    if (n > claim + 1 && b->info.shape != HN_ROOT_JAGGED)
        return hn_error_set(err, HN_ERR_FORMAT, "branch '%s': %lld entries in %lld bytes", branch,
                            (long long)n, (long long)claim);
    float *v = calloc((size_t)(n * max_len * w) + 1, sizeof *v);
    uint8_t *m = calloc((size_t)(n * max_len) + 1, 1);
    if (!v || !m) {
        free(v);
        free(m);
        return hn_error_set(err, HN_ERR_NOMEM, "branch '%s': out of memory", branch);
    }
    if (b->info.shape == HN_ROOT_JAGGED) {
        st = claimed_bytes(t, &t->br[b->counter_branch], start, stop, &claim, err);
        int64_t *off = st ? NULL : malloc((size_t)(n + 1) * sizeof *off);
        if (!st)
            st = off ? read_counts(t, b, start, stop, 0, off, err)
                     : hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        if (!st)
            st = read_jagged_into(t, b, start, stop, HN_ROOT_F32, v, off, max_len, m, err);
        free(off);
    } else if (n > 0) {
        job J = {.dt = HN_ROOT_F32, .start = start, .stop = stop, .values = v, .maxlen = max_len, .mask = m};
        st = run_baskets(t, b, &J, err);
    }
    if (st) {
        free(v);
        free(m);
        return st;
    }
    *values = v;
    *mask = m;
    *n_entries = n;
    return HN_OK;
}

void hn_root_array_free(hn_root_array *a)
{
    if (!a)
        return;
    free(a->values);
    free(a->offsets);
    memset(a, 0, sizeof *a);
}

/* ---- chains -------------------------------------------------------------------- */

struct hn_root_chain {
    hn_root_file **files;
    hn_root_tree **trees;
    size_t n;
};

void hn_root_chain_close(hn_root_chain *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        hn_root_tree_close(c->trees[i]);
        hn_root_close(c->files[i]);
    }
    free(c->trees);
    free(c->files);
    free(c);
}

hn_status hn_root_chain_open(const char *const *specs, size_t n, hn_root_chain **out, hn_error *err)
{
    if (!out || !specs || n == 0)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_chain_open: no files");
    *out = NULL;
    hn_root_chain *c = calloc(1, sizeof *c);
    if (!c || !(c->files = calloc(n, sizeof *c->files)) || !(c->trees = calloc(n, sizeof *c->trees))) {
        hn_root_chain_close(c);
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    }
    char *first_tree = NULL;
    hn_status st = HN_OK;
    for (size_t i = 0; i < n && !st; i++) {
        char *file, *tree;
        st = hn_root_split_spec(specs[i], &file, &tree, err);
        if (st)
            break;
        if (!tree && !first_tree)
            st = hn_error_set(err, HN_ERR_ARG, "'%s': no tree named (use FILE:TREE)", specs[i]);
        if (!st)
            st = hn_root_open(file, &c->files[i], err);
        c->n = i + 1;
        if (!st)
            st = hn_root_tree_open(c->files[i], tree ? tree : first_tree, &c->trees[i], err);
        if (!first_tree && tree) {
            first_tree = tree;
            tree = NULL;
        }
        free(file);
        free(tree);
    }
    free(first_tree);
    if (st) {
        hn_root_chain_close(c);
        return st;
    }
    *out = c;
    return HN_OK;
}

int64_t hn_root_chain_entries(const hn_root_chain *c)
{
    int64_t n = 0;
    for (size_t i = 0; c && i < c->n; i++)
        n += c->trees[i]->entries;
    return n;
}

size_t hn_root_chain_size(const hn_root_chain *c) { return c ? c->n : 0; }
hn_root_tree *hn_root_chain_tree(hn_root_chain *c, size_t i) { return c && i < c->n ? c->trees[i] : NULL; }

hn_status hn_root_chain_read(hn_root_chain *c, const char *branch, int64_t start, int64_t stop,
                             hn_root_dtype dtype, hn_root_array *out, hn_error *err)
{
    if (!c || !out)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_chain_read: NULL argument");
    memset(out, 0, sizeof *out);
    int64_t total = hn_root_chain_entries(c);
    if (stop < 0)
        stop = total;
    if (start < 0 || start > stop || stop > total)
        return hn_error_set(err, HN_ERR_ARG, "chain: entry range [%lld, %lld) outside [0, %lld)",
                            (long long)start, (long long)stop, (long long)total);
    const rt_branch *b0 = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const rt_branch *b = NULL;
        hn_status st = find_readable(c->trees[i], branch, &b, err);
        if (!st)
            st = check_dtype(c->trees[i], b, dtype, err);
        if (st)
            return st;
        if (b->entries != c->trees[i]->entries)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: branch '%s' has %lld entries, its tree %lld",
                                c->files[i]->name, branch, (long long)b->entries,
                                (long long)c->trees[i]->entries);
        if (b->info.shape != HN_ROOT_JAGGED && b->info.shape != HN_ROOT_STRING_SHAPE) {
            int64_t claim;
            st = claimed_bytes(c->trees[i], b, 0, b->entries, &claim, err);
            if (st)
                return st;
        }
        if (!b0)
            b0 = b;
        else if (b->info.shape != b0->info.shape || b->info.width != b0->info.width ||
                 b->info.type != b0->info.type)
            return hn_error_set(err, HN_ERR_SHAPE, "%s: branch '%s' differs in type or shape from "
                                "the chain's first file", c->files[i]->name, branch);
    }
    if (b0->info.shape == HN_ROOT_STRING_SHAPE)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "chain: string branch '%s' cannot be chained",
                            branch);
    int64_t n = stop - start, w = b0->info.width;
    size_t ds = dtype_size(dtype);
    int jag = b0->info.shape == HN_ROOT_JAGGED;
    out->dtype = dtype;
    out->n_entries = n;
    out->width = jag ? 0 : w;
    hn_status st = HN_OK;
    if (jag) {
        out->offsets = malloc((size_t)(n + 1) * sizeof *out->offsets);
        if (!out->offsets)
            st = hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        else
            out->offsets[0] = 0;
    } else {
        out->n_values = n * w;
        out->values = malloc((size_t)(n * w) * ds + 1);
        if (!out->values)
            st = hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    }
    /* pass 0: counts (jagged only); pass 1: values */
    for (int pass = jag ? 0 : 1; pass < 2 && !st; pass++) {
        if (pass == 1 && jag) {
            out->n_values = out->offsets[n];
            out->values = malloc((size_t)out->n_values * ds + 1);
            if (!out->values) {
                st = hn_error_set(err, HN_ERR_NOMEM, "out of memory");
                break;
            }
        }
        int64_t base = 0;
        for (size_t i = 0; i < c->n && !st; i++) {
            hn_root_tree *t = c->trees[i];
            int64_t lo = start > base ? start - base : 0;
            int64_t hi = stop - base < t->entries ? stop - base : t->entries;
            int64_t at = base + lo - start;
            base += t->entries;
            if (hi <= lo)
                continue;
            const rt_branch *b = &t->br[hn_root_branch_find(t, branch)];
            if (!jag)
                st = read_flat_into(t, b, lo, hi, dtype, (char *)out->values + (size_t)(at * w) * ds, err);
            else if (pass == 0) {
                st = read_counts(t, b, lo, hi, out->offsets[at], out->offsets + at, err);
                if (!st)
                    st = check_jagged_claim(t, b, lo, hi, out->offsets + at, err);
            }
            else
                st = read_jagged_into(t, b, lo, hi, dtype, out->values, out->offsets + at, 0, NULL, err);
        }
    }
    if (st)
        hn_root_array_free(out);
    return st;
}
