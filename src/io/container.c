#include "io/container.h"

#include <string.h>
#include <zlib.h>

#include "io/fileio.h"

void hn_container_begin(hn_wbuf *b, const char magic[8], uint32_t version)
{
    hn_wbuf_bytes(b, magic, 8);
    hn_wbuf_u32(b, version);
    hn_wbuf_u32(b, 0);
    hn_wbuf_u64(b, 0);
}

hn_status hn_container_write(hn_wbuf *b, const char *path, hn_error *err)
{
    if (!b->failed && b->n >= HN_CONTAINER_HEADER) {
        uint64_t payload = b->n - HN_CONTAINER_HEADER;
        hn_wbuf_patch_u64(b, 16, payload);
        hn_wbuf_u32(b, (uint32_t)crc32(0L, b->p + HN_CONTAINER_HEADER, (uInt)payload));
    }
    if (b->failed || b->n < HN_CONTAINER_HEADER)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory while writing", path);
    return hn_file_write_all(path, b->p, b->n, err);
}

hn_status hn_container_check(const uint8_t *data, size_t n, const char magic[8], uint32_t version, const char *what,
                             const char *path, const uint8_t **payload_out, size_t *len, hn_error *err)
{
    enum { H = HN_CONTAINER_HEADER, T = HN_CONTAINER_TRAILER };
    if (n < H + T || memcmp(data, magic, 8) != 0)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: not a hepnn %s (bad magic or shorter than %d bytes)", path, what,
                            H + T);
    hn_rbuf r = {data, n, 8, 0};
    uint32_t v = hn_rbuf_u32(&r), reserved = hn_rbuf_u32(&r);
    uint64_t payload = hn_rbuf_u64(&r);
    if (v != version)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: %s format version %u, this hepnn reads version %u", path,
                            what, v, version);
    if (reserved != 0)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: header bytes 12-15 must be zero: the %s is corrupted", path, what);
    if (payload != n - H - T)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: header announces %llu payload bytes, the file holds %zu "
                            "(truncated or padded)", path, (unsigned long long)payload, n - H - T);
    r.pos = n - T;
    uint32_t stored = hn_rbuf_u32(&r), actual = (uint32_t)crc32(0L, data + H, (uInt)payload);
    if (stored != actual)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: checksum mismatch (stored %08x, computed %08x): the %s is "
                            "corrupted", path, stored, actual, what);
    *payload_out = data + H;
    *len = (size_t)payload;
    return HN_OK;
}
