/* NumPy .npz: a zip archive of .npy members. The zip structure is parsed
 * here (end-of-central-directory record, zip64 records, central directory,
 * local headers) rather than through a zip library, because an .npz needs
 * only that small subset, zlib (already a dependency for ROOT baskets)
 * inflates the deflated members, and every offset and size can be checked
 * against the buffer in one place. Sizes come from the central directory,
 * which np.savez writes even when the local headers defer them. */
#include "hepnn/npy.h"

#include "io/fileio.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u

static uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const unsigned char *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

void hn_npz_free(hn_npz *z)
{
    if (!z)
        return;
    for (int i = 0; i < z->n; i++) {
        free(z->names[i]);
        hn_npy_array_free(&z->arrays[i]);
    }
    free(z->names);
    free(z->arrays);
    memset(z, 0, sizeof *z);
}

const hn_npy_array *hn_npz_find(const hn_npz *z, const char *name)
{
    for (int i = 0; z && i < z->n; i++)
        if (!strcmp(z->names[i], name))
            return &z->arrays[i];
    return NULL;
}

/* Locates the central directory: *cd_off, *cd_size, *count. */
static hn_status find_directory(const unsigned char *b, size_t len, const char *name, uint64_t *cd_off,
                                uint64_t *cd_size, uint64_t *count, hn_error *err)
{
    if (len < 22)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: not a zip archive (%zu bytes)", name, len);
    size_t lowest = len - 22 > 0xffff ? len - 22 - 0xffff : 0;
    size_t eocd = SIZE_MAX;
    for (size_t pos = len - 22;; pos--) {
        /* the record's comment must end exactly at the end of the file */
        if (rd32(b + pos) == SIG_EOCD && pos + 22 + rd16(b + pos + 20) == len) {
            eocd = pos;
            break;
        }
        if (pos == lowest)
            break;
    }
    if (eocd == SIZE_MAX)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: not a zip archive (no end-of-central-directory record; truncated?)",
                            name);
    const unsigned char *e = b + eocd;
    *count = rd16(e + 10);
    *cd_size = rd32(e + 12);
    *cd_off = rd32(e + 16);
    uint64_t limit = eocd;
    if (*count == 0xffff || *cd_size == 0xffffffffu || *cd_off == 0xffffffffu) {
        if (eocd < 20 || rd32(b + eocd - 20) != SIG_EOCD64_LOC)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: zip64 locator missing at byte %zu", name,
                                eocd >= 20 ? eocd - 20 : 0);
        uint64_t off64 = rd64(b + eocd - 20 + 8);
        limit = eocd - 20;
        if (off64 > limit || limit - off64 < 56 || rd32(b + off64) != SIG_EOCD64)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: bad zip64 end record offset %llu", name,
                                (unsigned long long)off64);
        const unsigned char *e64 = b + off64;
        if (rd32(e64 + 16) != 0 || rd32(e64 + 20) != 0)
            return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported",
                                name);
        *count = rd64(e64 + 32);
        *cd_size = rd64(e64 + 40);
        *cd_off = rd64(e64 + 48);
        limit = off64;
    } else if (rd16(e + 4) != 0 || rd16(e + 6) != 0) {
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported",
                            name);
    }
    if (*cd_off > limit || *cd_size > limit - *cd_off)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: zip central directory (offset %llu, %llu bytes) lies outside the file",
                            name, (unsigned long long)*cd_off, (unsigned long long)*cd_size);
    if (*count > *cd_size / 46)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: zip directory claims %llu entries in %llu bytes",
                            name, (unsigned long long)*count, (unsigned long long)*cd_size);
    return HN_OK;
}

static uLong crc_of(const unsigned char *p, uint64_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return c;
}

static hn_status inflate_member(const unsigned char *src, uint64_t csize, unsigned char *dst,
                                uint64_t usize, const char *label, hn_error *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) /* raw deflate, as zip stores it */
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot initialise zlib", label);
    uint64_t in_left = csize, out_left = usize;
    zs.next_in = (Bytef *)(uintptr_t)src; /* zlib's API is not const-correct */
    zs.next_out = dst;
    int zr;
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            zs.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
            in_left -= zs.avail_in;
        }
        if (zs.avail_out == 0 && out_left > 0) {
            zs.avail_out = out_left > (1u << 30) ? (1u << 30) : (uInt)out_left;
            out_left -= zs.avail_out;
        }
        if (zs.avail_out == 0) {
            /* every expected byte is out: the stream must end here, producing nothing more */
            unsigned char spare;
            zs.next_out = &spare;
            zs.avail_out = 1;
            zr = inflate(&zs, Z_FINISH);
            if (zs.avail_out != 1)
                zr = Z_DATA_ERROR;
            break;
        }
        zr = inflate(&zs, Z_NO_FLUSH);
        if (zr != Z_OK) /* Z_STREAM_END, or an error (Z_BUF_ERROR: input ran out) */
            break;
    }
    uint64_t produced = (uint64_t)zs.total_out;
    inflateEnd(&zs);
    if (zr != Z_STREAM_END || produced != usize)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: deflated data is corrupt or does not inflate to %llu bytes", label,
                            (unsigned long long)usize);
    return HN_OK;
}

/* Appends a member to the archive (takes the array). */
static hn_status npz_push(hn_npz *z, const char *name, size_t nlen, hn_npy_array *a, hn_error *err)
{
    for (int i = 0; i < z->n; i++)
        if (strlen(z->names[i]) == nlen && !memcmp(z->names[i], name, nlen))
            return hn_error_set(err, HN_ERR_FORMAT, "npz: duplicate member '%.*s'", (int)nlen, name);
    char **names = realloc(z->names, (size_t)(z->n + 1) * sizeof *names);
    if (!names)
        return hn_error_set(err, HN_ERR_NOMEM, "npz: out of memory");
    z->names = names;
    hn_npy_array *arrays = realloc(z->arrays, (size_t)(z->n + 1) * sizeof *arrays);
    if (!arrays)
        return hn_error_set(err, HN_ERR_NOMEM, "npz: out of memory");
    z->arrays = arrays;
    char *copy = malloc(nlen + 1);
    if (!copy)
        return hn_error_set(err, HN_ERR_NOMEM, "npz: out of memory");
    memcpy(copy, name, nlen);
    copy[nlen] = '\0';
    z->names[z->n] = copy;
    z->arrays[z->n] = *a;
    memset(a, 0, sizeof *a);
    z->n++;
    return HN_OK;
}

static hn_status read_member(const unsigned char *b, size_t len, const char *name, uint64_t *pos,
                             uint64_t cd_end, int as_float32, hn_npz *z, hn_error *err)
{
    uint64_t p = *pos;
    if (cd_end - p < 46 || rd32(b + p) != SIG_CENTRAL)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: bad zip directory entry at byte %llu", name,
                            (unsigned long long)p);
    const unsigned char *c = b + p;
    uint32_t flags = rd16(c + 8), method = rd16(c + 10), crc = rd32(c + 16);
    uint64_t csize = rd32(c + 20), usize = rd32(c + 24), loff = rd32(c + 42);
    uint32_t nlen = rd16(c + 28), xlen = rd16(c + 30), clen = rd16(c + 32);
    if (cd_end - p - 46 < (uint64_t)nlen + xlen + clen)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: zip directory entry at byte %llu overruns the directory",
                            name, (unsigned long long)p);
    const char *mname = (const char *)c + 46;
    int shown = nlen > 100 ? 100 : (int)nlen;
    /* zip64 extra field: the 64-bit values of those that are saturated, in this order */
    const unsigned char *x = c + 46 + nlen, *xend = x + xlen;
    while (xend - x >= 4) {
        uint32_t id = rd16(x), sz = rd16(x + 2);
        if ((uint64_t)(xend - x - 4) < sz)
            break;
        if (id == 0x0001) {
            const unsigned char *q = x + 4, *qend = x + 4 + sz;
            if (usize == 0xffffffffu && qend - q >= 8) { usize = rd64(q); q += 8; }
            if (csize == 0xffffffffu && qend - q >= 8) { csize = rd64(q); q += 8; }
            if (loff == 0xffffffffu && qend - q >= 8) { loff = rd64(q); q += 8; }
        }
        x += 4 + sz;
    }
    *pos = p + 46 + nlen + xlen + clen;
    if (nlen < 4 || memcmp(mname + nlen - 4, ".npy", 4) != 0)
        return HN_OK; /* not an array (np.load returns such members as bytes) */
    char label[256];
    snprintf(label, sizeof label, "%s:%.*s", name, shown, mname);
    if (flags & 1u)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: encrypted members are not supported", label);
    if (method != 0 && method != 8)
        return hn_error_set(err, HN_ERR_UNSUPPORTED,
                            "%s: zip compression method %u is not supported (stored and deflate are)",
                            label, method);
    if (loff > len || len - loff < 30 || rd32(b + loff) != SIG_LOCAL)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: bad local header offset %llu", label,
                            (unsigned long long)loff);
    uint64_t data = loff + 30 + rd16(b + loff + 26) + rd16(b + loff + 28);
    if (data > len || csize > len - data)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: member data (%llu bytes at byte %llu) runs past the end of the file",
                            label, (unsigned long long)csize, (unsigned long long)data);
    if (method == 0 && csize != usize)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: stored member with different sizes", label);
    /* deflate cannot expand more than ~1032:1: refuse absurd sizes before allocating */
    if (method == 8 && usize / 1032 > csize + 1)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: uncompressed size %llu is impossible for %llu bytes",
                            label, (unsigned long long)usize, (unsigned long long)csize);
    if (usize > SIZE_MAX - 1)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: member too large", label);
    const unsigned char *bytes = b + data;
    unsigned char *inflated = NULL;
    if (method == 8) {
        inflated = malloc(usize > 0 ? (size_t)usize : 1);
        if (!inflated)
            return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory for %llu bytes", label,
                                (unsigned long long)usize);
        hn_status st = inflate_member(bytes, csize, inflated, usize, label, err);
        if (st) {
            free(inflated);
            return st;
        }
        bytes = inflated;
    }
    hn_status st = HN_OK;
    if (crc_of(bytes, usize) != crc)
        st = hn_error_set(err, HN_ERR_FORMAT, "%s: CRC-32 mismatch (corrupted member)", label);
    hn_npy_array a;
    if (!st)
        st = hn_npy_parse(bytes, (size_t)usize, label, as_float32, &a, err);
    free(inflated);
    if (!st) {
        st = npz_push(z, mname, nlen - 4, &a, err);
        hn_npy_array_free(&a);
    }
    return st;
}

hn_status hn_npz_parse(const void *buf, size_t len, const char *name, int as_float32, hn_npz *out,
                       hn_error *err)
{
    if (!out)
        return hn_error_set(err, HN_ERR_ARG, "npz: NULL output");
    memset(out, 0, sizeof *out);
    if (!name)
        name = "npz";
    if (!buf && len)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL buffer", name);
    const unsigned char *b = buf;
    uint64_t cd_off = 0, cd_size = 0, count = 0;
    hn_status st = find_directory(b, len, name, &cd_off, &cd_size, &count, err);
    uint64_t pos = cd_off;
    for (uint64_t i = 0; !st && i < count; i++)
        st = read_member(b, len, name, &pos, cd_off + cd_size, as_float32, out, err);
    if (st)
        hn_npz_free(out);
    return st;
}

hn_status hn_npz_read(const char *path, int as_float32, hn_npz *out, hn_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!path || !out)
        return hn_error_set(err, HN_ERR_ARG, "npz: NULL argument");
    unsigned char *buf;
    size_t len;
    hn_status st = hn_file_read_all(path, &buf, &len, err);
    if (st)
        return st;
    st = hn_npz_parse(buf, len, path, as_float32, out, err);
    free(buf);
    return st;
}

hn_status hn_npz_to_table(const hn_npz *z, hn_table *t, hn_error *err)
{
    if (!z || !t)
        return hn_error_set(err, HN_ERR_ARG, "npz: NULL argument");
    for (int i = 0; i < z->n; i++) {
        const hn_npy_array *a = &z->arrays[i];
        if (a->ndim != 1)
            return hn_error_set(err, HN_ERR_SHAPE, "npz: array '%s' is %d-D; table columns are 1-D",
                                z->names[i], a->ndim);
        if (t->n_cols > 0 && a->shape[0] != t->n_rows)
            return hn_error_set(err, HN_ERR_SHAPE, "npz: array '%s' has %lld rows, '%s' has %lld",
                                z->names[i], (long long)a->shape[0], t->names[0], (long long)t->n_rows);
        hn_status st = hn_npy_to_table(a, (const char *const *)&z->names[i], t, err);
        if (st)
            return st;
    }
    return HN_OK;
}
