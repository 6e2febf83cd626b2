/* ROOT's compressed records: a sequence of blocks, each with a 9-byte header
 * (2-byte algorithm tag, 1 method byte, 3-byte little-endian compressed and
 * uncompressed sizes), so that no block exceeds 16 MiB. The codecs are the
 * system libraries; this file only frames them and checks every size. */
#include <lz4.h>
#include <lzma.h>
#include <string.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "root_internal.h"

static hn_status unzip_zlib(const uint8_t *src, size_t n, uint8_t *dst, size_t m, size_t *got)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit(&s) != Z_OK)
        return HN_ERR_NOMEM;
    s.next_in = (Bytef *)(uintptr_t)src;
    s.avail_in = (uInt)n;
    s.next_out = dst;
    s.avail_out = (uInt)m;
    int rc = inflate(&s, Z_FINISH);
    *got = m - s.avail_out;
    inflateEnd(&s);
    return rc == Z_STREAM_END ? HN_OK : HN_ERR_FORMAT;
}

static hn_status unzip_lzma(const uint8_t *src, size_t n, uint8_t *dst, size_t m, size_t *got)
{
    uint64_t memlimit = (uint64_t)1 << 30;
    size_t in_pos = 0, out_pos = 0;
    lzma_ret rc = lzma_stream_buffer_decode(&memlimit, 0, NULL, src, &in_pos, n, dst, &out_pos, m);
    *got = out_pos;
    if (rc == LZMA_MEM_ERROR)
        return HN_ERR_NOMEM;
    return rc == LZMA_OK ? HN_OK : HN_ERR_FORMAT;
}

static hn_status unzip_zstd(const uint8_t *src, size_t n, uint8_t *dst, size_t m, size_t *got)
{
    size_t r = ZSTD_decompress(dst, m, src, n);
    if (ZSTD_isError(r)) {
        *got = 0;
        return HN_ERR_FORMAT;
    }
    *got = r;
    return HN_OK;
}

static hn_status unzip_lz4(const uint8_t *src, size_t n, uint8_t *dst, size_t m, size_t *got,
                           int *bad_checksum)
{
    /* 8 bytes of big-endian XXH64 of the compressed bytes, then an LZ4 block */
    *got = 0;
    if (n < 8 || n - 8 > INT32_MAX || m > INT32_MAX)
        return HN_ERR_FORMAT;
    uint64_t want = rt_be64(src);
    if (XXH64(src + 8, n - 8, 0) != want) {
        *bad_checksum = 1;
        return HN_ERR_FORMAT;
    }
    int r = LZ4_decompress_safe((const char *)src + 8, (char *)dst, (int)(n - 8), (int)m);
    if (r < 0)
        return HN_ERR_FORMAT;
    *got = (size_t)r;
    return HN_OK;
}

hn_status rt_unzip(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char *what,
                   hn_error *err)
{
    size_t in = 0, out = 0;
    int block = 0;
    while (out < dst_len) {
        if (n - in < 9)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: compressed data ends at byte %zu of %zu before %zu of %zu "
                                "bytes were produced",
                                what, in, n, out, dst_len);
        const uint8_t *h = src + in;
        size_t c = (size_t)h[3] | ((size_t)h[4] << 8) | ((size_t)h[5] << 16);
        size_t u = (size_t)h[6] | ((size_t)h[7] << 8) | ((size_t)h[8] << 16);
        char tag[3] = {(char)h[0], (char)h[1], 0};
        if (c > n - in - 9)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d declares %zu compressed bytes, only %zu remain", what,
                                block, c, n - in - 9);
        if (u > dst_len - out || u == 0)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d declares %zu uncompressed bytes, %zu expected at most",
                                what, block, u, dst_len - out);
        const uint8_t *b = h + 9;
        size_t got = 0;
        hn_status st;
        int bad_checksum = 0;
        if (tag[0] == 'Z' && tag[1] == 'L')
            st = unzip_zlib(b, c, dst + out, u, &got);
        else if (tag[0] == 'X' && tag[1] == 'Z')
            st = unzip_lzma(b, c, dst + out, u, &got);
        else if (tag[0] == 'Z' && tag[1] == 'S')
            st = unzip_zstd(b, c, dst + out, u, &got);
        else if (tag[0] == 'L' && tag[1] == '4')
            st = unzip_lz4(b, c, dst + out, u, &got, &bad_checksum);
        else if (tag[0] == 'C' && tag[1] == 'S')
            return hn_error_set(err, HN_ERR_UNSUPPORTED,
                                "%s: block %d uses ROOT's old 'CS' compression (ROOT < 5.x), "
                                "which is not supported",
                                what, block);
        else
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d has unknown compression tag 0x%02x%02x", what, block,
                                h[0], h[1]);
        if (st == HN_ERR_NOMEM)
            return hn_error_set(err, st, "%s: out of memory decompressing block %d (%s)", what,
                                block, tag);
        if (bad_checksum)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: block %d (LZ4): checksum mismatch", what,
                                block);
        if (st != HN_OK || got != u)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d (%s) is corrupted: %zu of %zu bytes decoded", what,
                                block, tag, got, u);
        in += 9 + c;
        out += u;
        block++;
    }
    return HN_OK;
}

hn_status rt_unzip_check(const uint8_t *src, size_t n, size_t dst_len, const char *what,
                         hn_error *err)
{
    /* Walks the block headers only, so that a declared size is checked
     * against what the compressed bytes can produce before anything is
     * allocated for it (a corrupted or hostile header must not make us
     * reserve gigabytes). zlib cannot expand more than 1032:1 and LZ4 255:1;
     * LZMA and ZSTD are bounded by the 16 MiB block size. */
    size_t in = 0, out = 0;
    int block = 0;
    while (out < dst_len) {
        if (n - in < 9)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: %zu uncompressed bytes declared but the compressed data "
                                "(%zu bytes) holds only %zu",
                                what, dst_len, n, out);
        const uint8_t *h = src + in;
        size_t c = (size_t)h[3] | ((size_t)h[4] << 8) | ((size_t)h[5] << 16);
        size_t u = (size_t)h[6] | ((size_t)h[7] << 8) | ((size_t)h[8] << 16);
        if (c > n - in - 9)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d declares %zu compressed bytes, only %zu remain", what,
                                block, c, n - in - 9);
        size_t cap = SIZE_MAX;
        if (h[0] == 'Z' && h[1] == 'L')
            cap = 1032 * c + 64;
        else if (h[0] == 'L' && h[1] == '4')
            cap = 256 * c + 64;
        if (u > cap)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d declares %zu uncompressed bytes from %zu compressed "
                                "(more than the codec can produce)",
                                what, block, u, c);
        if (u == 0 || u > dst_len - out)
            return hn_error_set(err, HN_ERR_FORMAT,
                                "%s: block %d declares %zu uncompressed bytes, %zu expected at most",
                                what, block, u, dst_len - out);
        in += 9 + c;
        out += u;
        block++;
    }
    return HN_OK;
}
