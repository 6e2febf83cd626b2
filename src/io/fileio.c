#define _XOPEN_SOURCE 700 /* mkstemp, fsync, fchmod */

#include "io/fileio.h"
#include "hepnn/io.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

hn_status hn_file_read_all(const char *path, unsigned char **buf, size_t *len, hn_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hn_error_set(err, HN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap + 1);
    for (;;) {
        if (!b) {
            fclose(f);
            return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                int e = errno;
                free(b);
                fclose(f);
                return hn_error_set(err, HN_ERR_IO, "%s: read error after %zu bytes: %s", path, n,
                                    strerror(e));
            }
            break;
        }
        if (cap > SIZE_MAX / 2 - 1) {
            free(b);
            fclose(f);
            return hn_error_set(err, HN_ERR_NOMEM, "%s: file too large", path);
        }
        cap *= 2;
        unsigned char *nb = realloc(b, cap + 1);
        if (!nb)
            free(b);
        b = nb;
    }
    fclose(f);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return HN_OK;
}

hn_status hn_atomic_open(hn_atomic_file *af, const char *path, hn_error *err)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    af->path = malloc(n + 1);
    af->tmp = malloc(n + 16);
    if (!af->path || !af->tmp) {
        free(af->path);
        free(af->tmp);
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(af->path, path, n + 1);
    memcpy(af->tmp, path, n);
    memcpy(af->tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        free(af->path);
        free(af->tmp);
        return hn_error_set(err, HN_ERR_IO, "%s: cannot create a temporary file: %s", path,
                            strerror(e));
    }
    /* mkstemp makes 0600; output files are ordinary readable files */
    (void)fchmod(fd, 0644);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        free(af->path);
        free(af->tmp);
        return hn_error_set(err, HN_ERR_IO, "%s: %s", path, strerror(e));
    }
    return HN_OK;
}

void hn_atomic_abort(hn_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp)
        unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
}

hn_status hn_atomic_commit(hn_atomic_file *af, hn_error *err)
{
    hn_status st = HN_OK;
    int bad = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int e = errno;
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    af->f = NULL;
    if (bad)
        st = hn_error_set(err, HN_ERR_IO, "%s: write failed: %s", af->path, strerror(e));
    else if (rename(af->tmp, af->path) != 0)
        st = hn_error_set(err, HN_ERR_IO, "%s: cannot rename the temporary file into place: %s",
                          af->path, strerror(errno));
    if (st)
        unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
    return st;
}

hn_status hn_file_write_all(const char *path, const void *data, size_t n, hn_error *err)
{
    hn_atomic_file af;
    hn_status st = hn_atomic_open(&af, path, err);
    if (st)
        return st;
    if (n && fwrite(data, 1, n, af.f) != n) {
        st = hn_error_set(err, HN_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        hn_atomic_abort(&af);
        return st;
    }
    return hn_atomic_commit(&af, err);
}

/* the public face of the two helpers (include/hepnn/io.h) */
hn_status hn_write_atomic(const char *path, const void *data, size_t n, hn_error *err)
{
    if (!path || (!data && n))
        return hn_error_set(err, HN_ERR_ARG, "write: path or data is NULL");
    return hn_file_write_all(path, data, n, err);
}

hn_status hn_read_whole(const char *path, char **data, size_t *n, hn_error *err)
{
    if (!path || !data || !n)
        return hn_error_set(err, HN_ERR_ARG, "read: NULL argument");
    return hn_file_read_all(path, (unsigned char **)data, n, err);
}
