/* Writing flat TTrees: the mirror image of the reader. Each branch fills a
 * basket buffer with big-endian values; a full basket is compressed into
 * ROOT's zlib blocks and written as a key. At close the TTree record (tree
 * fields, branches with their leaves and basket tables) and the directory's
 * key list are written and the header is completed. Keys use the 64-bit
 * layout throughout, which every reader accepts at any file size. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "hepnn/root_write.h"
#include "wbuf.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "put_values below assumes a little-endian host"
#endif

#define W_BEGIN 100
#define W_DATIME ((31u << 26) | (1u << 22) | (1u << 17)) /* 2026-01-01, for reproducible files */
#define W_BLOCK 0xffffff                                 /* ROOT's largest compression block */

/* A key header with 64-bit seeks (key version 1004). */
static size_t key_len(const char *cls, const char *name, const char *title)
{
    return 4 + 2 + 4 + 4 + 2 + 2 + 8 + 8 + tstr_len(cls) + tstr_len(name) + tstr_len(title);
}
static void wb_key(wbuf *b, int32_t nbytes, int32_t objlen, int16_t keylen, int64_t seek, int64_t pdir,
                   const char *cls, const char *name, const char *title)
{
    wb_u32(b, (uint32_t)nbytes);
    wb_u16(b, 1004);
    wb_u32(b, (uint32_t)objlen);
    wb_u32(b, W_DATIME);
    wb_u16(b, (uint16_t)keylen);
    wb_u16(b, 1);
    wb_u64(b, (uint64_t)seek);
    wb_u64(b, (uint64_t)pdir);
    wb_str(b, cls);
    wb_str(b, name);
    wb_str(b, title);
}

/* ---- the writer ------------------------------------------------------------ */

typedef struct wbranch {
    char *name, *leaf_title, *branch_title;
    hn_root_type type;
    int esize;
    int64_t width;
    int counter;
    wbuf data;
    int32_t *eoff;          /* entry offsets in the current basket (jagged) */
    size_t neoff, capeoff;
    int32_t nev;
    int64_t basket_first, entries, tot, zip;
    int32_t *bbytes;
    int64_t *bentry, *bseek;
    int nb, capb;
    uint32_t leaf_tag;
} wbranch;

struct hn_root_writer {
    char *path, *tmp, *tree, *fname;
    FILE *fp;
    int64_t pos;
    int level;
    size_t basket_bytes;
    wbranch *br;
    size_t n;
    int64_t entries;
    hn_status failed;
};

static const char *leaf_class(hn_root_type t)
{
    switch (t) {
    case HN_ROOT_T_BOOL: return "TLeafO";
    case HN_ROOT_T_I8: case HN_ROOT_T_U8: return "TLeafB";
    case HN_ROOT_T_I16: case HN_ROOT_T_U16: return "TLeafS";
    case HN_ROOT_T_I32: case HN_ROOT_T_U32: return "TLeafI";
    case HN_ROOT_T_I64: case HN_ROOT_T_U64: return "TLeafL";
    case HN_ROOT_T_F32: return "TLeafF";
    case HN_ROOT_T_F64: return "TLeafD";
    default: return NULL;
    }
}

static int type_size(hn_root_type t)
{
    static const int s[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
    return t <= HN_ROOT_T_F64 ? s[t] : 0;
}

static char type_char(hn_root_type t)
{
    static const char c[] = "OBbSsIiLlFD";
    return t <= HN_ROOT_T_F64 ? c[t] : '?';
}

static int is_unsigned(hn_root_type t)
{
    return t == HN_ROOT_T_U8 || t == HN_ROOT_T_U16 || t == HN_ROOT_T_U32 || t == HN_ROOT_T_U64;
}

static hn_status wfail(hn_root_writer *w, hn_error *err, hn_status st, const char *fmt, const char *a)
{
    if (!w->failed)
        w->failed = st;
    return hn_error_set(err, st, fmt, w->path, a);
}

static hn_status put(hn_root_writer *w, const void *p, size_t n, hn_error *err)
{
    if (fwrite(p, 1, n, w->fp) != n)
        return wfail(w, err, HN_ERR_IO, "%s: write failed: %s", strerror(errno));
    w->pos += (int64_t)n;
    return HN_OK;
}

/* Compresses src into ROOT zlib blocks; returns 0 and the blocks in out,
 * or -1 when compression does not pay (then the bytes are stored as is). */
static int zip_blocks(const uint8_t *src, size_t n, int level, wbuf *out)
{
    out->len = 0;
    if (level <= 0 || n < 64)
        return -1;
    for (size_t at = 0; at < n;) {
        size_t u = n - at < W_BLOCK ? n - at : W_BLOCK;
        uLongf c = compressBound((uLong)u);
        size_t h = out->len;
        uint8_t *dst = wb_room(out, 9 + c);
        if (!dst || compress2(dst + 9, &c, src + at, (uLong)u, level) != Z_OK || c > W_BLOCK)
            return -1;
        out->len = h + 9 + c;
        uint8_t *hd = out->p + h;
        hd[0] = 'Z';
        hd[1] = 'L';
        hd[2] = 8;
        for (int i = 0; i < 3; i++) {
            hd[3 + i] = (uint8_t)(c >> (8 * i));
            hd[6 + i] = (uint8_t)(u >> (8 * i));
        }
        at += u;
    }
    return out->len < n ? 0 : -1;
}

static hn_status flush_basket(hn_root_writer *w, wbranch *b, hn_error *err)
{
    if (b->nev == 0)
        return HN_OK;
    int jag = b->counter >= 0;
    size_t keylen = key_len("TBasket", b->name, w->tree) + 2 + 4 + 4 + 4 + 4 + 1;
    /* the payload: entry data, then for variable-size entries the offset table */
    wbuf pay = {0};
    wb_bytes(&pay, b->data.p, b->data.len);
    if (jag) {
        wb_u32(&pay, (uint32_t)b->nev + 1);
        for (int32_t i = 0; i < b->nev; i++)
            wb_u32(&pay, (uint32_t)(b->eoff[i] + (int32_t)keylen));
        wb_u32(&pay, 0);
    }
    wbuf z = {0};
    int zipped = !pay.bad && zip_blocks(pay.p, pay.len, w->level, &z) == 0;
    const wbuf *stored = zipped ? &z : &pay;
    wbuf hdr = {0};
    int32_t nbytes = (int32_t)(keylen + stored->len);
    wb_key(&hdr, nbytes, (int32_t)pay.len, (int16_t)keylen, w->pos, W_BEGIN, "TBasket", b->name, w->tree);
    wb_u16(&hdr, 3);                                   /* TBasket version */
    wb_u32(&hdr, (uint32_t)w->basket_bytes);           /* fBufferSize */
    wb_u32(&hdr, jag ? 1000u : (uint32_t)(b->width * b->esize)); /* fNevBufSize */
    wb_u32(&hdr, (uint32_t)b->nev);
    wb_u32(&hdr, (uint32_t)(keylen + b->data.len));    /* fLast */
    wb_u8(&hdr, 0);
    hn_status st = HN_OK;
    if (pay.bad || z.bad || hdr.bad || hdr.len != keylen)
        st = wfail(w, err, HN_ERR_NOMEM, "%s: out of memory writing branch '%s'", b->name);
    if (!st && b->nb == b->capb) {
        int cap = b->capb ? 2 * b->capb : 16;
        int32_t *nbb = realloc(b->bbytes, (size_t)cap * sizeof *nbb);
        if (nbb)
            b->bbytes = nbb;
        int64_t *nbe = realloc(b->bentry, (size_t)cap * sizeof *nbe);
        if (nbe)
            b->bentry = nbe;
        int64_t *nbs = realloc(b->bseek, (size_t)cap * sizeof *nbs);
        if (nbs)
            b->bseek = nbs;
        if (!nbb || !nbe || !nbs)
            st = wfail(w, err, HN_ERR_NOMEM, "%s: out of memory writing branch '%s'", b->name);
        else
            b->capb = cap;
    }
    if (!st) {
        b->bbytes[b->nb] = nbytes;
        b->bentry[b->nb] = b->basket_first;
        b->bseek[b->nb] = w->pos;
        b->nb++;
        b->tot += (int64_t)(keylen + pay.len);
        b->zip += nbytes;
        st = put(w, hdr.p, hdr.len, err);
    }
    if (!st)
        st = put(w, stored->p, stored->len, err);
    free(pay.p);
    free(z.p);
    free(hdr.p);
    b->basket_first += b->nev;
    b->nev = 0;
    b->neoff = 0;
    b->data.len = 0;
    return st;
}

void hn_root_writer_abort(hn_root_writer *w)
{
    if (!w)
        return;
    if (w->fp) {
        fclose(w->fp);
        unlink(w->tmp);
    }
    for (size_t i = 0; i < w->n; i++) {
        wbranch *b = &w->br[i];
        free(b->name);
        free(b->leaf_title);
        free(b->branch_title);
        free(b->data.p);
        free(b->eoff);
        free(b->bbytes);
        free(b->bentry);
        free(b->bseek);
    }
    free(w->br);
    free(w->path);
    free(w->tmp);
    free(w->tree);
    free(w->fname);
    free(w);
}

static char *wdup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* The header and the top directory's key, written at open (with zeros) and
 * again at close (with the final positions); both have fixed sizes. */
/* Where the records that the header and the top directory point at lie. */
typedef struct wpos {
    int64_t end, seek_keys, seek_info, seek_free;
    int32_t nbytes_keys, nbytes_info, nbytes_free;
} wpos;

static hn_status write_head(hn_root_writer *w, const wpos *at, hn_error *err)
{
    size_t keylen = key_len("TFile", w->fname, "");
    size_t nbytes_name = keylen + tstr_len(w->fname) + tstr_len("");
    wbuf h = {0};
    wb_bytes(&h, "root", 4);
    wb_u32(&h, 1000000 + 62206);          /* large-file layout, written as by ROOT 6.22/06 */
    wb_u32(&h, W_BEGIN);
    wb_u64(&h, (uint64_t)at->end);
    wb_u64(&h, (uint64_t)at->seek_free);
    wb_u32(&h, (uint32_t)at->nbytes_free);
    wb_u32(&h, at->seek_free ? 1 : 0);    /* nfree */
    wb_u32(&h, (uint32_t)nbytes_name);
    wb_u8(&h, 8);                         /* fUnits */
    wb_u32(&h, (uint32_t)(w->level > 0 ? 100 + w->level : 0));
    wb_u64(&h, (uint64_t)at->seek_info);
    wb_u32(&h, (uint32_t)at->nbytes_info);
    wb_u16(&h, 1);                        /* UUID version */
    for (int i = 0; i < 16; i++)
        wb_u8(&h, 0);
    while (h.len < W_BEGIN)
        wb_u8(&h, 0);
    size_t dir_len = 2 + 4 + 4 + 4 + 4 + 8 + 8 + 8 + 2 + 16 + 12;
    wb_key(&h, (int32_t)(nbytes_name + dir_len), (int32_t)(nbytes_name + dir_len - keylen),
           (int16_t)keylen, W_BEGIN, 0, "TFile", w->fname, "");
    wb_str(&h, w->fname);
    wb_str(&h, "");
    wb_u16(&h, 1005); /* TDirectory version, 64-bit seeks */
    wb_u32(&h, W_DATIME);
    wb_u32(&h, W_DATIME);
    wb_u32(&h, (uint32_t)at->nbytes_keys);
    wb_u32(&h, (uint32_t)nbytes_name);
    wb_u64(&h, W_BEGIN);
    wb_u64(&h, 0);
    wb_u64(&h, (uint64_t)at->seek_keys);
    wb_u16(&h, 1);
    for (int i = 0; i < 16 + 12; i++)
        wb_u8(&h, 0);
    if (h.bad) {
        free(h.p);
        return wfail(w, err, HN_ERR_NOMEM, "%s: out of memory%s", "");
    }
    hn_status st = HN_OK;
    if (fseeko(w->fp, 0, SEEK_SET) != 0)
        st = wfail(w, err, HN_ERR_IO, "%s: seek failed: %s", strerror(errno));
    int64_t keep = w->pos;
    if (!st)
        st = put(w, h.p, h.len, err);
    w->pos = keep > (int64_t)h.len ? keep : (int64_t)h.len;
    if (!st && fseeko(w->fp, (off_t)w->pos, SEEK_SET) != 0)
        st = wfail(w, err, HN_ERR_IO, "%s: seek failed: %s", strerror(errno));
    free(h.p);
    return st;
}

hn_status hn_root_writer_open(const char *path, const char *tree, const hn_root_wbranch *branches,
                              size_t n, int compression, hn_root_writer **out, hn_error *err)
{
    if (!path || !tree || !out || (!branches && n))
        return hn_error_set(err, HN_ERR_ARG, "hn_root_writer_open: NULL argument");
    *out = NULL;
    if (compression < 0 || compression > 9)
        return hn_error_set(err, HN_ERR_ARG, "%s: compression level %d not in 0..9", path, compression);
    hn_root_writer *w = calloc(1, sizeof *w);
    if (!w)
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    w->level = compression;
    w->basket_bytes = 32000;
    w->path = wdup(path);
    w->tree = wdup(tree);
    const char *slash = strrchr(path, '/');
    w->fname = wdup(slash ? slash + 1 : path);
    w->tmp = malloc(strlen(path) + 16);
    w->br = calloc(n + 1, sizeof *w->br);
    if (!w->path || !w->tree || !w->fname || !w->tmp || !w->br) {
        hn_root_writer_abort(w);
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    }
    sprintf(w->tmp, "%s.tmp%ld", path, (long)getpid());
    hn_status st = HN_OK;
    for (size_t i = 0; i < n && !st; i++) {
        const hn_root_wbranch *d = &branches[i];
        wbranch *b = &w->br[i];
        w->n = i + 1;
        b->counter = -1;
        if (!d->name || !d->name[0] || !leaf_class(d->type) || d->width < 1 || d->width > (1 << 20)) {
            st = hn_error_set(err, HN_ERR_ARG, "%s: branch %zu ('%s'): bad name, type or width", path,
                              i, d->name ? d->name : "");
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(w->br[j].name, d->name))
                st = hn_error_set(err, HN_ERR_ARG, "%s: branch '%s' given twice", path, d->name);
        if (d->counter) {
            for (size_t j = 0; j < i; j++)
                if (!strcmp(w->br[j].name, d->counter))
                    b->counter = (int)j;
            if (!st && (b->counter < 0 || w->br[b->counter].counter >= 0 ||
                        w->br[b->counter].width != 1 || w->br[b->counter].type == HN_ROOT_T_F32 ||
                        w->br[b->counter].type == HN_ROOT_T_F64 || w->br[b->counter].type == HN_ROOT_T_BOOL))
                st = hn_error_set(err, HN_ERR_ARG,
                                  "%s: counter '%s' of branch '%s' must be an earlier scalar integer branch",
                                  path, d->counter, d->name);
        }
        b->name = wdup(d->name);
        b->type = d->type;
        b->esize = type_size(d->type);
        b->width = d->width;
        char dims[600] = "";
        if (d->counter && d->width > 1)
            snprintf(dims, sizeof dims, "[%s][%lld]", d->counter, (long long)d->width);
        else if (d->counter)
            snprintf(dims, sizeof dims, "[%s]", d->counter);
        else if (d->width > 1)
            snprintf(dims, sizeof dims, "[%lld]", (long long)d->width);
        size_t ln = strlen(d->name) + strlen(dims) + 4;
        b->leaf_title = malloc(ln);
        b->branch_title = malloc(ln);
        if (!b->name || !b->leaf_title || !b->branch_title) {
            st = hn_error_set(err, HN_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(b->leaf_title, ln, "%s%s", d->name, dims);
        snprintf(b->branch_title, ln, "%s%s/%c", d->name, dims, type_char(d->type));
    }
    if (!st) {
        w->fp = fopen(w->tmp, "wb");
        if (!w->fp)
            st = hn_error_set(err, HN_ERR_IO, "%s: cannot create: %s", w->tmp, strerror(errno));
    }
    if (!st)
        st = write_head(w, &(wpos){0}, err);
    if (st) {
        hn_root_writer_abort(w);
        return st;
    }
    *out = w;
    return HN_OK;
}

void hn_root_writer_set_basket_bytes(hn_root_writer *w, size_t bytes)
{
    if (w && bytes >= 64 && bytes <= ((size_t)1 << 30))
        w->basket_bytes = bytes;
}

static int64_t counter_value(const wbranch *c, const void *col, int64_t i)
{
    switch (c->type) {
    case HN_ROOT_T_I8: return ((const int8_t *)col)[i];
    case HN_ROOT_T_U8: return ((const uint8_t *)col)[i];
    case HN_ROOT_T_I16: return ((const int16_t *)col)[i];
    case HN_ROOT_T_U16: return ((const uint16_t *)col)[i];
    case HN_ROOT_T_I32: return ((const int32_t *)col)[i];
    case HN_ROOT_T_U32: return ((const uint32_t *)col)[i];
    case HN_ROOT_T_I64: return ((const int64_t *)col)[i];
    default: return (int64_t)((const uint64_t *)col)[i] < 0 ? -1 : (int64_t)((const uint64_t *)col)[i];
    }
}

/* Appends count values of size es from src, big-endian. */
static void put_values(wbuf *d, const uint8_t *src, int64_t count, int es)
{
    uint8_t *p = wb_room(d, (size_t)(count * es));
    if (!p)
        return;
    for (int64_t i = 0; i < count; i++, src += es, p += es)
        for (int k = 0; k < es; k++)
            p[k] = src[es - 1 - k]; /* little-endian host to big-endian */
}

hn_status hn_root_writer_append(hn_root_writer *w, int64_t n, const void *const *columns, hn_error *err)
{
    if (!w || n < 0 || (!columns && w->n))
        return hn_error_set(err, HN_ERR_ARG, "hn_root_writer_append: bad argument");
    if (w->failed)
        return hn_error_set(err, HN_ERR_STATE, "%s: an earlier write failed", w->path);
    /* the counters first: every count must be sane before anything is written */
    for (size_t i = 0; i < w->n; i++) {
        const wbranch *b = &w->br[i];
        if (!columns[i] && n)
            return hn_error_set(err, HN_ERR_ARG, "%s: no values for branch '%s'", w->path, b->name);
        if (b->counter >= 0)
            for (int64_t e = 0; e < n; e++) {
                int64_t c = counter_value(&w->br[b->counter], columns[b->counter], e);
                if (c < 0 || c > (1 << 24))
                    return hn_error_set(err, HN_ERR_ARG, "%s: counter '%s' is %lld at entry %lld",
                                        w->path, w->br[b->counter].name, (long long)c,
                                        (long long)(w->entries + e));
            }
    }
    hn_status st = HN_OK;
    for (size_t i = 0; i < w->n && !st; i++) {
        wbranch *b = &w->br[i];
        const uint8_t *src = columns[i];
        if (b->counter < 0) {
            int64_t es = b->width * b->esize;
            for (int64_t e = 0; e < n && !st;) {
                int64_t room = ((int64_t)w->basket_bytes - (int64_t)b->data.len) / es;
                int64_t k = room < 1 ? 1 : room;
                if (k > n - e)
                    k = n - e;
                put_values(&b->data, src + e * es, k * b->width, b->esize);
                b->nev += (int32_t)k;
                e += k;
                if (b->data.len >= w->basket_bytes || b->nev >= (1 << 30))
                    st = flush_basket(w, b, err);
            }
        } else {
            const void *cc = columns[b->counter];
            int64_t at = 0;
            for (int64_t e = 0; e < n && !st; e++) {
                int64_t cnt = counter_value(&w->br[b->counter], cc, e) * b->width;
                if (b->neoff == b->capeoff) {
                    size_t cap = b->capeoff ? 2 * b->capeoff : 256;
                    int32_t *no = realloc(b->eoff, cap * sizeof *no);
                    if (!no) {
                        st = wfail(w, err, HN_ERR_NOMEM, "%s: out of memory in branch '%s'", b->name);
                        break;
                    }
                    b->eoff = no;
                    b->capeoff = cap;
                }
                b->eoff[b->neoff++] = (int32_t)b->data.len;
                put_values(&b->data, src + at * b->esize, cnt, b->esize);
                at += cnt;
                b->nev++;
                if (b->data.len >= w->basket_bytes)
                    st = flush_basket(w, b, err);
            }
        }
        if (!st && b->data.bad)
            st = wfail(w, err, HN_ERR_NOMEM, "%s: out of memory in branch '%s'", b->name);
        b->entries += n;
    }
    w->entries += n;
    return st;
}

/* ---- close: the tree record ------------------------------------------------- */

static void wb_empty_objarray(wbuf *b)
{
    size_t c = wb_begin(b);
    wb_u16(b, 3);
    wb_tobject(b);
    wb_str(b, "");
    wb_u32(b, 0);
    wb_u32(b, 0);
    wb_end(b, c);
}

static void wb_leaf(wbuf *r, wbranch *b, const wbranch *counter, ctags *ct, size_t keylen)
{
    size_t bc = wb_begin(r);
    b->leaf_tag = (uint32_t)(bc + keylen + 2);
    wb_class(r, ct, leaf_class(b->type), keylen);
    size_t c1 = wb_begin(r);
    wb_u16(r, 1);
    size_t c2 = wb_begin(r);
    wb_u16(r, 2);
    wb_tnamed(r, b->name, b->leaf_title);
    wb_u32(r, (uint32_t)b->width);  /* fLen */
    wb_u32(r, (uint32_t)b->esize);  /* fLenType */
    wb_u32(r, 0);                   /* fOffset */
    wb_u8(r, 0);                    /* fIsRange */
    wb_u8(r, (unsigned)is_unsigned(b->type));
    wb_u32(r, counter ? counter->leaf_tag : 0); /* fLeafCount: a reference */
    wb_end(r, c2);
    for (int k = 0; k < 2 * b->esize; k++) /* fMinimum, fMaximum */
        wb_u8(r, 0);
    wb_end(r, c1);
    wb_end(r, bc);
}

static void wb_branch(wbuf *r, hn_root_writer *w, wbranch *b, ctags *ct, size_t keylen)
{
    size_t bc = wb_begin(r);
    wb_class(r, ct, "TBranch", keylen);
    size_t c = wb_begin(r);
    wb_u16(r, 13);
    wb_tnamed(r, b->name, b->branch_title);
    size_t f = wb_begin(r); /* TAttFill */
    wb_u16(r, 2);
    wb_u16(r, 0);
    wb_u16(r, 1001);
    wb_end(r, f);
    wb_u32(r, (uint32_t)(w->level > 0 ? 100 + w->level : 0)); /* fCompress */
    wb_u32(r, (uint32_t)w->basket_bytes);
    wb_u32(r, b->counter >= 0 ? 1000u : 0u); /* fEntryOffsetLen */
    wb_u32(r, (uint32_t)b->nb);               /* fWriteBasket */
    wb_u64(r, (uint64_t)b->entries);          /* fEntryNumber */
    size_t io = wb_begin(r);                  /* TIOFeatures */
    wb_u16(r, 1);
    wb_u8(r, 0);
    wb_end(r, io);
    int32_t maxb = b->nb + 1;
    wb_u32(r, 0);                  /* fOffset */
    wb_u32(r, (uint32_t)maxb);
    wb_u32(r, 0);                  /* fSplitLevel */
    wb_u64(r, (uint64_t)b->entries);
    wb_u64(r, 0);                  /* fFirstEntry */
    wb_u64(r, (uint64_t)b->tot);
    wb_u64(r, (uint64_t)b->zip);
    wb_empty_objarray(r);          /* fBranches */
    size_t la = wb_begin(r);       /* fLeaves */
    wb_u16(r, 3);
    wb_tobject(r);
    wb_str(r, "");
    wb_u32(r, 1);
    wb_u32(r, 0);
    wb_leaf(r, b, b->counter >= 0 ? &w->br[b->counter] : NULL, ct, keylen);
    wb_end(r, la);
    wb_empty_objarray(r);          /* fBaskets: none held in the record */
    wb_u8(r, 1);
    for (int32_t i = 0; i < maxb; i++)
        wb_u32(r, i < b->nb ? (uint32_t)b->bbytes[i] : 0);
    wb_u8(r, 1);
    for (int32_t i = 0; i < maxb; i++)
        wb_u64(r, (uint64_t)(i < b->nb ? b->bentry[i] : b->entries));
    wb_u8(r, 1);
    for (int32_t i = 0; i < maxb; i++)
        wb_u64(r, (uint64_t)(i < b->nb ? b->bseek[i] : 0));
    wb_str(r, "");                 /* fFileName */
    wb_end(r, c);
    wb_end(r, bc);
}

static void wb_tree(wbuf *r, hn_root_writer *w, size_t keylen)
{
    ctags ct = {.n = 0};
    int64_t tot = 0, zip = 0;
    for (size_t i = 0; i < w->n; i++) {
        tot += w->br[i].tot;
        zip += w->br[i].zip;
    }
    size_t c = wb_begin(r);
    wb_u16(r, 20);
    wb_tnamed(r, w->tree, w->tree);
    size_t a = wb_begin(r); /* TAttLine */
    wb_u16(r, 2);
    wb_u16(r, 602);
    wb_u16(r, 1);
    wb_u16(r, 1);
    wb_end(r, a);
    a = wb_begin(r); /* TAttFill */
    wb_u16(r, 2);
    wb_u16(r, 0);
    wb_u16(r, 1001);
    wb_end(r, a);
    a = wb_begin(r); /* TAttMarker */
    wb_u16(r, 2);
    wb_u16(r, 1);
    wb_u16(r, 1);
    wb_u32(r, 0x3f800000u);
    wb_end(r, a);
    wb_u64(r, (uint64_t)w->entries);
    wb_u64(r, (uint64_t)tot);
    wb_u64(r, (uint64_t)zip);
    wb_u64(r, (uint64_t)zip);     /* fSavedBytes */
    wb_u64(r, 0);                 /* fFlushedBytes */
    wb_f64(r, 1.0);               /* fWeight */
    wb_u32(r, 0);                 /* fTimerInterval */
    wb_u32(r, 25);                /* fScanField */
    wb_u32(r, 0);                 /* fUpdate */
    wb_u32(r, 1000);              /* fDefaultEntryOffsetLen */
    wb_u32(r, 0);                 /* fNClusterRange */
    wb_u64(r, 1000000000000ull);  /* fMaxEntries */
    wb_u64(r, 1000000000000ull);  /* fMaxEntryLoop */
    wb_u64(r, 0);                 /* fMaxVirtualSize */
    wb_u64(r, (uint64_t)-300000000); /* fAutoSave */
    wb_u64(r, (uint64_t)-30000000);  /* fAutoFlush */
    wb_u64(r, 1000000);           /* fEstimate */
    wb_u8(r, 0);                  /* fClusterRangeEnd: none */
    wb_u8(r, 0);                  /* fClusterSize: none */
    a = wb_begin(r);              /* TIOFeatures */
    wb_u16(r, 1);
    wb_u8(r, 0);
    wb_end(r, a);
    a = wb_begin(r);              /* fBranches */
    wb_u16(r, 3);
    wb_tobject(r);
    wb_str(r, "");
    wb_u32(r, (uint32_t)w->n);
    wb_u32(r, 0);
    for (size_t i = 0; i < w->n; i++)
        wb_branch(r, w, &w->br[i], &ct, keylen);
    wb_end(r, a);
    a = wb_begin(r);              /* fLeaves: references to the leaves above */
    wb_u16(r, 3);
    wb_tobject(r);
    wb_str(r, "");
    wb_u32(r, (uint32_t)w->n);
    wb_u32(r, 0);
    for (size_t i = 0; i < w->n; i++)
        wb_u32(r, w->br[i].leaf_tag);
    wb_end(r, a);
    wb_u32(r, 0);                 /* fAliases */
    wb_u32(r, 0);                 /* fIndexValues (TArrayD, empty) */
    wb_u32(r, 0);                 /* fIndex (TArrayI, empty) */
    wb_u32(r, 0);                 /* fTreeIndex */
    wb_u32(r, 0);                 /* fFriends */
    wb_u32(r, 0);                 /* fUserInfo */
    wb_u32(r, 0);                 /* fBranchRef */
    wb_end(r, c);
}

/* Writes rec as one key (compressed when that pays); its key header is
 * returned in key for the directory's key list. */
static hn_status write_record(hn_root_writer *w, const char *cls, const char *name, const char *title,
                              const wbuf *rec, wbuf *key, int32_t *nbytes, hn_error *err)
{
    size_t keylen = key_len(cls, name, title);
    int64_t seek = w->pos;
    wbuf z = {0};
    int zipped = !rec->bad && zip_blocks(rec->p, rec->len, w->level, &z) == 0;
    const wbuf *stored = zipped ? &z : rec;
    *nbytes = (int32_t)(keylen + stored->len);
    key->len = 0;
    wb_key(key, *nbytes, (int32_t)rec->len, (int16_t)keylen, seek, W_BEGIN, cls, name, title);
    hn_status st = HN_OK;
    if (rec->bad || z.bad || key->bad || rec->len > INT32_MAX - 2 * keylen)
        st = wfail(w, err, HN_ERR_NOMEM, "%s: out of memory writing the %s record", name);
    if (!st)
        st = put(w, key->p, key->len, err);
    if (!st)
        st = put(w, stored->p, stored->len, err);
    free(z.p);
    return st;
}

/* The leaf classes of the tree, for its streamer info. */
static int tree_streamers(const hn_root_writer *w, wbuf *rec, size_t keylen)
{
    const char *cls[HN_ROOT_T_F64 + 1];
    size_t n = 0;
    for (size_t i = 0; i < w->n; i++) {
        const char *c = leaf_class(w->br[i].type);
        size_t k = 0;
        while (k < n && strcmp(cls[k], c))
            k++;
        if (k == n && n < sizeof cls / sizeof cls[0])
            cls[n++] = c;
    }
    return rw_streamer_info(rec, cls, n, keylen);
}

/* The free-segments record ROOT keeps at the end: one free gap from the
 * end of the file on, so that ROOT can open the file for update. */
static hn_status write_free(hn_root_writer *w, wpos *at, hn_error *err)
{
    size_t keylen = key_len("TFile", w->fname, "");
    int64_t end = w->pos + (int64_t)keylen + 10;
    int big = end > 2000000000 - 8;
    if (big)
        end += 8;
    wbuf b = {0};
    wb_key(&b, (int32_t)(keylen + (big ? 18 : 10)), big ? 18 : 10, (int16_t)keylen, w->pos, W_BEGIN,
           "TFile", w->fname, "");
    wb_u16(&b, big ? 1001 : 1);
    if (big) {
        wb_u64(&b, (uint64_t)end);
        wb_u64(&b, (uint64_t)end + 1000000000u);
    } else {
        wb_u32(&b, (uint32_t)end);
        wb_u32(&b, 2000000000u);
    }
    hn_status st = b.bad ? wfail(w, err, HN_ERR_NOMEM, "%s: out of memory%s", "") : HN_OK;
    at->seek_free = w->pos;
    at->nbytes_free = (int32_t)b.len;
    if (!st)
        st = put(w, b.p, b.len, err);
    free(b.p);
    return st;
}

hn_status hn_root_writer_close(hn_root_writer *w, hn_error *err)
{
    if (!w)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_writer_close: NULL writer");
    hn_status st = w->failed ? hn_error_set(err, HN_ERR_STATE, "%s: an earlier write failed", w->path)
                             : HN_OK;
    for (size_t i = 0; i < w->n && !st; i++)
        st = flush_basket(w, &w->br[i], err);
    wpos at = {0};
    /* the tree, then the streamer info that describes its classes */
    wbuf rec = {0}, tkey = {0}, skey = {0};
    int32_t tree_nbytes = 0;
    if (!st) {
        wb_tree(&rec, w, key_len("TTree", w->tree, w->tree));
        st = write_record(w, "TTree", w->tree, w->tree, &rec, &tkey, &tree_nbytes, err);
    }
    if (!st) {
        rec.len = 0;
        at.seek_info = w->pos;
        if (tree_streamers(w, &rec, key_len("TList", "StreamerInfo", "Doubly linked list")) != 0)
            st = wfail(w, err, HN_ERR_STATE, "%s: no streamer info for a leaf class%s", "");
        if (!st)
            st = write_record(w, "TList", "StreamerInfo", "Doubly linked list", &rec, &skey,
                              &at.nbytes_info, err);
    }
    /* the key list of the top directory: one key, the tree's (the streamer
     * info is reached through the header only) */
    at.seek_keys = w->pos;
    size_t lkeylen = key_len("TFile", w->fname, "");
    wbuf kl = {0};
    if (!st) {
        wbuf body = {0};
        wb_u32(&body, 1);
        wb_bytes(&body, tkey.p, tkey.len);
        wb_key(&kl, (int32_t)(lkeylen + body.len), (int32_t)body.len, (int16_t)lkeylen, at.seek_keys,
               W_BEGIN, "TFile", w->fname, "");
        wb_bytes(&kl, body.p, body.len);
        if (body.bad || kl.bad)
            st = wfail(w, err, HN_ERR_NOMEM, "%s: out of memory%s", "");
        free(body.p);
        at.nbytes_keys = (int32_t)kl.len;
        if (!st)
            st = put(w, kl.p, kl.len, err);
    }
    if (!st)
        st = write_free(w, &at, err);
    at.end = w->pos;
    if (!st)
        st = write_head(w, &at, err);
    free(rec.p);
    free(tkey.p);
    free(skey.p);
    free(kl.p);
    if (!st && fflush(w->fp) != 0)
        st = wfail(w, err, HN_ERR_IO, "%s: write failed: %s", strerror(errno));
    if (!st) {
        int rc = fclose(w->fp);
        w->fp = NULL;
        if (rc != 0 || rename(w->tmp, w->path) != 0) {
            st = hn_error_set(err, HN_ERR_IO, "%s: cannot finish the file: %s", w->path, strerror(errno));
            unlink(w->tmp);
        }
    }
    hn_root_writer_abort(w);
    return st;
}
