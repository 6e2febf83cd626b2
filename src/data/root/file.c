/* The ROOT file container: header, keys, directories. A file starts with
 * "root", a version and the position of the top directory; every object is
 * a key (a header naming class, name and cycle, then the object's bytes,
 * compressed or not); a directory record points to the list of its keys. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root_internal.h"

char *rt_string(rt_cur *c)
{
    size_t n = rt_u8(c);
    if (n == 255) {
        uint32_t l = rt_u32(c);
        if (l > RT_MAX_NAME) {
            c->bad = 1;
            return NULL;
        }
        n = l;
    }
    if (!rt_need(c, n))
        return NULL;
    char *s = malloc(n + 1);
    if (!s) {
        c->bad = 1;
        return NULL;
    }
    memcpy(s, c->p + c->pos, n);
    s[n] = '\0';
    c->pos += n;
    return s;
}

int rt_version(rt_cur *c, size_t *end)
{
    *end = SIZE_MAX;
    if (!rt_need(c, 2))
        return 0;
    uint32_t v = c->len - c->pos >= 4 ? rt_be32(c->p + c->pos) : 0;
    if (v & 0x40000000u) {
        c->pos += 4;
        size_t count = v & ~0x40000000u;
        if (count < 2 || count > c->len - c->pos) {
            c->bad = 1;
            return 0;
        }
        *end = c->pos + count;
    }
    return rt_i16(c);
}

void rt_tobject(rt_cur *c)
{
    uint16_t v = rt_u16(c);
    if (v & 0x4000) { /* written with a byte count after all */
        rt_skip(c, 2);
        rt_skip(c, 2);
    }
    rt_skip(c, 4); /* fUniqueID */
    uint32_t bits = rt_u32(c);
    if (bits & (1u << 4)) /* kIsReferenced: a process id follows */
        rt_skip(c, 2);
}

hn_status rt_file_read(const hn_root_file *f, uint64_t off, size_t n, void *dst, hn_error *err)
{
    if (off > f->size || n > f->size - off)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: %zu bytes at offset %llu lie past the end of the file (%llu bytes)",
                            f->name, n, (unsigned long long)off, (unsigned long long)f->size);
    if (f->mem) {
        memcpy(dst, f->mem + off, n);
        return HN_OK;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(f->fd, (char *)dst + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return hn_error_set(err, HN_ERR_IO, "%s: read error at offset %llu: %s", f->name,
                                (unsigned long long)(off + done), r < 0 ? strerror(errno) : "end of file");
        done += (size_t)r;
    }
    return HN_OK;
}

int rt_keyhdr_read(rt_cur *c, rt_keyhdr *k)
{
    memset(k, 0, sizeof *k);
    k->nbytes = rt_i32(c);
    k->version = rt_i16(c);
    k->objlen = rt_i32(c);
    rt_skip(c, 4); /* fDatime */
    k->keylen = rt_i16(c);
    k->cycle = rt_i16(c);
    if (k->version > 1000) {
        k->seek = rt_i64(c);
        rt_skip(c, 8);
    } else {
        k->seek = rt_i32(c);
        rt_skip(c, 4);
    }
    k->class_name = rt_string(c);
    k->name = rt_string(c);
    k->title = rt_string(c);
    if (c->bad || !k->class_name || !k->name || !k->title) {
        rt_keyhdr_free(k);
        return -1;
    }
    return 0;
}

void rt_keyhdr_free(rt_keyhdr *k)
{
    free(k->class_name);
    free(k->name);
    free(k->title);
    k->class_name = k->name = k->title = NULL;
}

hn_status rt_key_payload(const hn_root_file *f, const rt_key *k, uint8_t **out, hn_error *err)
{
    *out = NULL;
    if (k->keylen < 0 || k->nbytes < k->keylen || k->objlen < 0 || k->objlen > RT_MAX_OBJLEN)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: key '%s' at offset %lld has inconsistent sizes (nbytes %d, keylen "
                            "%d, objlen %d)",
                            f->name, k->path, (long long)k->seek, k->nbytes, k->keylen, k->objlen);
    size_t stored = (size_t)(k->nbytes - k->keylen);
    uint8_t *raw = malloc(stored ? stored : 1);
    if (!raw)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", f->name);
    hn_status st = rt_file_read(f, (uint64_t)k->seek + (uint64_t)k->keylen, stored, raw, err);
    if (st) {
        free(raw);
        return hn_error_prefix(err, "key '%s'", k->path);
    }
    if ((size_t)k->objlen <= stored) {
        *out = raw;
        return HN_OK;
    }
    char what[600];
    snprintf(what, sizeof what, "%s: key '%s' at offset %lld", f->name, k->path, (long long)k->seek);
    st = rt_unzip_check(raw, stored, (size_t)k->objlen, what, err);
    uint8_t *obj = st ? NULL : malloc((size_t)k->objlen);
    if (!st && !obj)
        st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", what);
    if (!st)
        st = rt_unzip(raw, stored, obj, (size_t)k->objlen, what, err);
    free(raw);
    if (st) {
        free(obj);
        return st;
    }
    *out = obj;
    return HN_OK;
}

/* ---- directories --------------------------------------------------------- */

typedef struct dir_rec {
    int64_t seek_keys;
    int32_t nbytes_keys;
} dir_rec;

static int parse_dir_record(rt_cur *c, dir_rec *d)
{
    int16_t v = rt_i16(c);
    rt_skip(c, 8); /* fDatimeC, fDatimeM */
    d->nbytes_keys = rt_i32(c);
    rt_skip(c, 4); /* fNbytesName */
    if (v > 1000) {
        rt_skip(c, 16);
        d->seek_keys = rt_i64(c);
    } else {
        rt_skip(c, 8);
        d->seek_keys = rt_i32(c);
    }
    return c->bad ? -1 : 0;
}

static hn_status add_key(hn_root_file *f, rt_key *k, hn_error *err)
{
    if (f->nkeys >= RT_MAX_OBJECTS)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: more than %d keys", f->name, RT_MAX_OBJECTS);
    if (f->nkeys == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16;
        rt_key *nk = realloc(f->keys, cap * sizeof *nk);
        if (!nk)
            return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", f->name);
        f->keys = nk;
        f->cap = cap;
    }
    f->keys[f->nkeys++] = *k;
    return HN_OK;
}

static int is_dir_class(const char *c)
{
    return !strcmp(c, "TDirectory") || !strcmp(c, "TDirectoryFile");
}

static hn_status read_dir(hn_root_file *f, const dir_rec *d, const char *prefix, int depth,
                          int64_t *visited, int nvisited, hn_error *err)
{
    if (depth > RT_MAX_DEPTH)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: directories nested deeper than %d at '%s'",
                            f->name, RT_MAX_DEPTH, prefix);
    for (int i = 0; i < nvisited; i++)
        if (visited[i] == d->seek_keys)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: directory '%s' loops back to a parent",
                                f->name, prefix);
    visited[nvisited++] = d->seek_keys;
    if (d->seek_keys == 0 && d->nbytes_keys == 0)
        return HN_OK; /* an empty directory never written */
    if (d->seek_keys <= 0 || d->nbytes_keys <= 0 || (uint64_t)d->seek_keys > f->size ||
        (uint64_t)d->nbytes_keys > f->size - (uint64_t)d->seek_keys)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: key list of directory '%s' (offset %lld, %d bytes) lies outside "
                            "the file (%llu bytes)",
                            f->name, prefix[0] ? prefix : "/", (long long)d->seek_keys,
                            d->nbytes_keys, (unsigned long long)f->size);
    uint8_t *buf = malloc((size_t)d->nbytes_keys);
    if (!buf)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", f->name);
    hn_status st = rt_file_read(f, (uint64_t)d->seek_keys, (size_t)d->nbytes_keys, buf, err);
    if (st) {
        free(buf);
        return st;
    }
    rt_cur c = {buf, (size_t)d->nbytes_keys, 0, 0, 0};
    rt_keyhdr h;
    if (rt_keyhdr_read(&c, &h)) {
        free(buf);
        return hn_error_set(err, HN_ERR_FORMAT, "%s: truncated key list header at offset %lld",
                            f->name, (long long)d->seek_keys);
    }
    rt_keyhdr_free(&h);
    int32_t nkeys = rt_i32(&c);
    if (c.bad || nkeys < 0 || (size_t)nkeys > (c.len - c.pos) / 26) {
        free(buf);
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: key list at offset %lld declares %d keys, more than its %d bytes hold",
                            f->name, (long long)d->seek_keys, nkeys, d->nbytes_keys);
    }
    size_t first = f->nkeys;
    for (int32_t i = 0; i < nkeys && !st; i++) {
        size_t at = c.pos;
        if (rt_keyhdr_read(&c, &h)) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: key %d of directory '%s' is truncated (offset %lld)",
                              f->name, i, prefix[0] ? prefix : "/", (long long)(d->seek_keys + (int64_t)at));
            break;
        }
        rt_key k = {0};
        size_t pl = strlen(prefix), nl = strlen(h.name);
        k.path = malloc(pl + nl + 2);
        if (!k.path) {
            rt_keyhdr_free(&h);
            st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", f->name);
            break;
        }
        if (pl)
            snprintf(k.path, pl + nl + 2, "%s/%s", prefix, h.name);
        else
            memcpy(k.path, h.name, nl + 1);
        k.class_name = h.class_name;
        k.name = h.name;
        free(h.title);
        k.cycle = h.cycle;
        k.nbytes = h.nbytes;
        k.objlen = h.objlen;
        k.keylen = h.keylen;
        k.seek = h.seek;
        k.is_dir = is_dir_class(k.class_name);
        if (k.seek < 0 || (uint64_t)k.seek > f->size || k.nbytes < 0 ||
            (uint64_t)k.nbytes > f->size - (uint64_t)k.seek) {
            st = hn_error_set(err, HN_ERR_FORMAT,
                              "%s: key '%s' points outside the file (offset %lld, %d bytes; file "
                              "has %llu)",
                              f->name, k.path, (long long)k.seek, k.nbytes,
                              (unsigned long long)f->size);
            free(k.path);
            free(k.class_name);
            free(k.name);
            break;
        }
        st = add_key(f, &k, err);
        if (st) {
            free(k.path);
            free(k.class_name);
            free(k.name);
        }
    }
    free(buf);
    size_t last = f->nkeys;
    for (size_t i = first; i < last && !st; i++) {
        if (!f->keys[i].is_dir)
            continue;
        rt_key kd = f->keys[i]; /* copied: the array may move */
        uint8_t *rec;
        st = rt_key_payload(f, &kd, &rec, err);
        if (st)
            break;
        rt_cur dc = {rec, (size_t)kd.objlen, 0, 0, 0};
        dir_rec sub;
        if (parse_dir_record(&dc, &sub))
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: directory record of '%s' is truncated",
                              f->name, kd.path);
        free(rec);
        if (!st)
            st = read_dir(f, &sub, kd.path, depth + 1, visited, nvisited, err);
    }
    return st;
}

static hn_status open_common(hn_root_file *f, hn_error *err)
{
    uint8_t h[64];
    memset(h, 0, sizeof h);
    if (f->size < 4)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: not a ROOT file (%llu bytes)", f->name,
                            (unsigned long long)f->size);
    size_t hn = f->size < sizeof h ? (size_t)f->size : sizeof h;
    hn_status st = rt_file_read(f, 0, hn, h, err);
    if (st)
        return st;
    if (memcmp(h, "root", 4))
        return hn_error_set(err, HN_ERR_FORMAT, "%s: not a ROOT file (no 'root' magic at offset 0)",
                            f->name);
    rt_cur c = {h, hn, 4, 0, 0};
    int32_t version = rt_i32(&c);
    int32_t begin = rt_i32(&c);
    int large = version >= 1000000;
    int64_t fend;
    if (large) {
        fend = rt_i64(&c);
        rt_skip(&c, 8 + 4 + 4);
    } else {
        fend = rt_i32(&c);
        rt_skip(&c, 4 + 4 + 4);
    }
    int32_t nbytes_name = rt_i32(&c);
    rt_skip(&c, 1);
    f->compress = rt_i32(&c);
    if (c.bad)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: truncated file header (%llu bytes)", f->name,
                            (unsigned long long)f->size);
    f->version = version % 1000000;
    /* ROOT records the file's length: a shorter file was cut (an interrupted
     * copy or write), and whatever lies past the cut cannot be trusted */
    if (fend < begin || (uint64_t)fend > f->size)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: file is truncated or damaged: its header declares %lld bytes, it "
                            "has %llu",
                            f->name, (long long)fend, (unsigned long long)f->size);
    if (begin < 0 || nbytes_name < 0 || (uint64_t)begin + (uint64_t)nbytes_name >= f->size)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: file header points outside the file (fBEGIN %d, fNbytesName %d, "
                            "size %llu)",
                            f->name, begin, nbytes_name, (unsigned long long)f->size);
    uint8_t d[64];
    memset(d, 0, sizeof d);
    uint64_t at = (uint64_t)begin + (uint64_t)nbytes_name;
    size_t dn = f->size - at < sizeof d ? (size_t)(f->size - at) : sizeof d;
    st = rt_file_read(f, at, dn, d, err);
    if (st)
        return st;
    rt_cur dc = {d, dn, 0, 0, 0};
    dir_rec top;
    if (parse_dir_record(&dc, &top))
        return hn_error_set(err, HN_ERR_FORMAT, "%s: truncated top directory record at offset %llu",
                            f->name, (unsigned long long)at);
    int64_t visited[RT_MAX_DEPTH + 2];
    st = read_dir(f, &top, "", 0, visited, 0, err);
    if (st)
        return st;
    f->objects = calloc(f->nkeys ? f->nkeys : 1, sizeof *f->objects);
    if (!f->objects)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", f->name);
    for (size_t i = 0; i < f->nkeys; i++) {
        const char *cl = f->keys[i].class_name;
        f->objects[i].path = f->keys[i].path;
        f->objects[i].class_name = cl;
        f->objects[i].cycle = f->keys[i].cycle;
        f->objects[i].is_dir = f->keys[i].is_dir;
        f->objects[i].is_tree = !strcmp(cl, "TTree") || !strcmp(cl, "TNtuple") || !strcmp(cl, "TNtupleD");
    }
    return HN_OK;
}

static hn_root_file *file_new(const char *name)
{
    hn_root_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->fd = -1;
    f->name = malloc(strlen(name) + 1);
    if (!f->name) {
        free(f);
        return NULL;
    }
    strcpy(f->name, name);
    return f;
}

hn_status hn_root_open(const char *path, hn_root_file **out, hn_error *err)
{
    if (!out || !path)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_open: NULL argument");
    *out = NULL;
    hn_root_file *f = file_new(path);
    if (!f)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", path);
    f->fd = open(path, O_RDONLY);
    struct stat sb;
    if (f->fd < 0 || fstat(f->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        hn_error_set(err, HN_ERR_IO, "%s: cannot open: %s", path,
                     f->fd < 0 ? strerror(errno) : "not a regular file");
        hn_root_close(f);
        return HN_ERR_IO;
    }
    f->size = (uint64_t)sb.st_size;
    hn_status st = open_common(f, err);
    if (st) {
        hn_root_close(f);
        return st;
    }
    *out = f;
    return HN_OK;
}

hn_status hn_root_open_memory(const void *data, size_t size, const char *name, hn_root_file **out,
                              hn_error *err)
{
    if (!out || (!data && size))
        return hn_error_set(err, HN_ERR_ARG, "hn_root_open_memory: NULL argument");
    *out = NULL;
    hn_root_file *f = file_new(name ? name : "(memory)");
    if (!f)
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    static const uint8_t empty[1] = {0};
    f->mem = data ? data : empty;
    f->size = size;
    hn_status st = open_common(f, err);
    if (st) {
        hn_root_close(f);
        return st;
    }
    *out = f;
    return HN_OK;
}

void hn_root_close(hn_root_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    for (size_t i = 0; i < f->nkeys; i++) {
        free(f->keys[i].path);
        free(f->keys[i].class_name);
        free(f->keys[i].name);
    }
    free(f->keys);
    free(f->objects);
    free(f->name);
    free(f);
}

size_t hn_root_object_count(const hn_root_file *f) { return f ? f->nkeys : 0; }

const hn_root_object *hn_root_object_at(const hn_root_file *f, size_t i)
{
    return f && i < f->nkeys ? &f->objects[i] : NULL;
}

hn_status hn_root_split_spec(const char *spec, char **file, char **tree, hn_error *err)
{
    *file = *tree = NULL;
    if (!spec || !*spec)
        return hn_error_set(err, HN_ERR_ARG, "empty file name");
    const char *cut = NULL;
    const char *r = NULL;
    for (const char *p = strstr(spec, ".root"); p; p = strstr(p + 1, ".root"))
        r = p;
    if (r)
        cut = strchr(r, ':');
    else
        cut = strrchr(spec, ':');
    size_t fl = cut ? (size_t)(cut - spec) : strlen(spec);
    if (fl == 0)
        return hn_error_set(err, HN_ERR_ARG, "'%s': empty file name", spec);
    *file = malloc(fl + 1);
    if (!*file)
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    memcpy(*file, spec, fl);
    (*file)[fl] = '\0';
    if (cut && cut[1]) {
        size_t tl = strlen(cut + 1);
        *tree = malloc(tl + 1);
        if (!*tree) {
            free(*file);
            *file = NULL;
            return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        }
        memcpy(*tree, cut + 1, tl + 1);
    }
    return HN_OK;
}
