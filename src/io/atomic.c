/* Whole-file writes that never leave a half-written file in place, and
 * whole-file reads with a size limit. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/bytes.h"

hn_status hn_write_file_atomic(const char *path, const void *data, size_t n, hn_error *err)
{
    if (!path || (!data && n))
        return hn_error_set(err, HN_ERR_ARG, "write: path or data is NULL");
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        hn_status st = hn_error_set(err, HN_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                                    strerror(errno));
        free(tmp);
        return st;
    }
    const uint8_t *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            hn_status st = hn_error_set(err, HN_ERR_IO, "%s: write failed: %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return st;
        }
        p += w;
        left -= (size_t)w;
    }
    /* the data is on disk before the rename makes it visible */
    if (fsync(fd) != 0 || fchmod(fd, 0644) != 0 || close(fd) != 0) {
        hn_status st = hn_error_set(err, HN_ERR_IO, "%s: cannot flush: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    if (rename(tmp, path) != 0) {
        hn_status st = hn_error_set(err, HN_ERR_IO, "%s: cannot rename the temporary file: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return HN_OK;
}

hn_status hn_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *n, hn_error *err)
{
    *data = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hn_error_set(err, HN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return hn_error_set(err, HN_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size > max_bytes) {
        fclose(f);
        return hn_error_set(err, HN_ERR_FORMAT, "%s: %lld bytes, more than the %zu allowed", path,
                            (long long)sb.st_size, max_bytes);
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        fclose(f);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    if (got != size) {
        free(buf);
        return hn_error_set(err, HN_ERR_IO, "%s: read %zu of %zu bytes", path, got, size);
    }
    *data = buf;
    *n = size;
    return HN_OK;
}
