/* NumPy .npy: header dictionary parsing, conversion of the stored values to
 * double or float, and the atomic writer. */
#include "hepnn/npy.h"

#include "io/fileio.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    char kind;
    int size;
} dtypes[HN_NPY_DTYPE_COUNT] = {
    [HN_NPY_BOOL] = {"bool", 'b', 1}, [HN_NPY_I1] = {"int8", 'i', 1},
    [HN_NPY_U1] = {"uint8", 'u', 1},  [HN_NPY_I2] = {"int16", 'i', 2},
    [HN_NPY_U2] = {"uint16", 'u', 2}, [HN_NPY_I4] = {"int32", 'i', 4},
    [HN_NPY_U4] = {"uint32", 'u', 4}, [HN_NPY_I8] = {"int64", 'i', 8},
    [HN_NPY_U8] = {"uint64", 'u', 8}, [HN_NPY_F4] = {"float32", 'f', 4},
    [HN_NPY_F8] = {"float64", 'f', 8},
};

const char *hn_npy_dtype_name(hn_npy_dtype dtype)
{
    return (unsigned)dtype < HN_NPY_DTYPE_COUNT ? dtypes[dtype].name : "?";
}

void hn_npy_array_free(hn_npy_array *a)
{
    if (!a)
        return;
    free(a->f64);
    free(a->f32);
    memset(a, 0, sizeof *a);
}

/* ---- header dictionary: {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } ---- */

typedef struct hparse {
    const char *s;
    size_t n, i;
    const char *name;
    size_t base; /* byte offset of the header text in the file, for messages */
    hn_error *err;
} hparse;

static hn_status hfail(hparse *h, const char *what)
{
    return hn_error_set(h->err, HN_ERR_FORMAT, "%s: npy header: %s at byte %zu", h->name, what,
                        h->base + h->i);
}

static void hskip(hparse *h)
{
    while (h->i < h->n && (h->s[h->i] == ' ' || h->s[h->i] == '\t' || h->s[h->i] == '\n' ||
                           h->s[h->i] == '\r'))
        h->i++;
}

static int hpeek(const hparse *h) { return h->i < h->n ? (unsigned char)h->s[h->i] : -1; }

/* A quoted Python string; *str points into the header, *len its length. */
static hn_status hstring(hparse *h, const char **str, size_t *len)
{
    int q = hpeek(h);
    if (q != '\'' && q != '"')
        return hfail(h, "expected a quoted string");
    size_t start = ++h->i;
    while (h->i < h->n && h->s[h->i] != q) {
        if (h->s[h->i] == '\\')
            return hfail(h, "escapes in strings are not supported");
        h->i++;
    }
    if (h->i >= h->n)
        return hfail(h, "unterminated string");
    *str = h->s + start;
    *len = h->i - start;
    h->i++;
    return HN_OK;
}

static int hword(hparse *h, const char *w)
{
    size_t n = strlen(w);
    if (h->n - h->i >= n && !memcmp(h->s + h->i, w, n)) {
        h->i += n;
        return 1;
    }
    return 0;
}

static hn_status hshape(hparse *h, hn_npy_array *a)
{
    if (hpeek(h) != '(')
        return hfail(h, "expected '(' starting the shape");
    h->i++;
    a->ndim = 0;
    for (;;) {
        hskip(h);
        if (hpeek(h) == ')') {
            h->i++;
            return HN_OK;
        }
        int c = hpeek(h);
        if (c < '0' || c > '9')
            return hfail(h, "expected a non-negative integer in the shape");
        uint64_t v = 0;
        while ((c = hpeek(h)) >= '0' && c <= '9') {
            if (v > (uint64_t)(INT64_MAX - (c - '0')) / 10)
                return hfail(h, "shape dimension too large");
            v = v * 10 + (uint64_t)(c - '0');
            h->i++;
        }
        if (hpeek(h) == 'L') /* Python 2 longs */
            h->i++;
        if (a->ndim == HN_NPY_MAX_DIMS)
            return hfail(h, "more than 8 dimensions");
        a->shape[a->ndim++] = (int64_t)v;
        hskip(h);
        if (hpeek(h) == ',') {
            h->i++;
        } else if (hpeek(h) != ')') {
            return hfail(h, "expected ',' or ')' in the shape");
        }
    }
}

static hn_status hdescr(hparse *h, const char *d, size_t len, hn_npy_array *a, int *big)
{
    char text[32];
    size_t tl = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, d, tl);
    text[tl] = '\0';
    if (len < 3 || len > 4 || !strchr("<>|=", d[0]))
        return hn_error_set(h->err, HN_ERR_UNSUPPORTED, "%s: npy dtype '%s' is not supported",
                            h->name, text);
    int size = 0;
    for (size_t k = 2; k < len; k++) {
        if (d[k] < '0' || d[k] > '9')
            return hn_error_set(h->err, HN_ERR_UNSUPPORTED, "%s: npy dtype '%s' is not supported",
                                h->name, text);
        size = size * 10 + (d[k] - '0');
    }
    int found = -1;
    for (int t = 0; t < HN_NPY_DTYPE_COUNT; t++)
        if (dtypes[t].kind == d[1] && dtypes[t].size == size)
            found = t;
    if (found < 0)
        return hn_error_set(h->err, HN_ERR_UNSUPPORTED,
                            "%s: npy dtype '%s' is not supported (bool, int8..int64, "
                            "uint8..uint64, float32, float64 are)",
                            h->name, text);
    if (d[0] == '|' && size != 1)
        return hfail(h, "byte order '|' on a multi-byte dtype");
    a->dtype = (hn_npy_dtype)found;
    if (d[0] == '=') { /* native order: numpy does not write it, but accept it */
        const uint16_t probe = 1;
        unsigned char b;
        memcpy(&b, &probe, 1);
        *big = b == 0;
    } else {
        *big = d[0] == '>';
    }
    return HN_OK;
}

static hn_status parse_header(hparse *h, hn_npy_array *a, int *big)
{
    int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0;
    hskip(h);
    if (hpeek(h) != '{')
        return hfail(h, "expected '{'");
    h->i++;
    for (;;) {
        hskip(h);
        if (hpeek(h) == '}')
            break;
        const char *key, *val;
        size_t klen, vlen;
        hn_status st = hstring(h, &key, &klen);
        if (st)
            return st;
        hskip(h);
        if (hpeek(h) != ':')
            return hfail(h, "expected ':'");
        h->i++;
        hskip(h);
        if (klen == 5 && !memcmp(key, "descr", 5)) {
            if (hpeek(h) == '[')
                return hn_error_set(h->err, HN_ERR_UNSUPPORTED,
                                    "%s: structured npy dtypes are not supported", h->name);
            if ((st = hstring(h, &val, &vlen)) || (st = hdescr(h, val, vlen, a, big)))
                return st;
            have_descr = 1;
        } else if (klen == 13 && !memcmp(key, "fortran_order", 13)) {
            if (hword(h, "True"))
                fortran = 1;
            else if (!hword(h, "False"))
                return hfail(h, "fortran_order is neither True nor False");
            have_order = 1;
        } else if (klen == 5 && !memcmp(key, "shape", 5)) {
            if ((st = hshape(h, a)))
                return st;
            have_shape = 1;
        } else {
            return hfail(h, "unexpected key");
        }
        hskip(h);
        if (hpeek(h) == ',')
            h->i++;
        else if (hpeek(h) != '}')
            return hfail(h, "expected ',' or '}'");
    }
    if (!have_descr || !have_order || !have_shape)
        return hfail(h, "missing one of 'descr', 'fortran_order', 'shape'");
    if (fortran && a->ndim > 1)
        return hn_error_set(h->err, HN_ERR_UNSUPPORTED,
                            "%s: npy array is in Fortran order; only C order is supported "
                            "(save np.ascontiguousarray(a))",
                            h->name);
    return HN_OK;
}

/* One stored element as raw bits, assembled byte by byte so that the host's
 * byte order never matters. */
static uint64_t load_bits(const unsigned char *p, int size, int big)
{
    uint64_t v = 0;
    for (int k = 0; k < size; k++)
        v |= (uint64_t)p[big ? size - 1 - k : k] << (8 * k);
    return v;
}

static double element(const unsigned char *p, hn_npy_dtype t, int big)
{
    uint64_t v = load_bits(p, dtypes[t].size, big);
    switch (t) {
    case HN_NPY_BOOL: return v != 0;
    case HN_NPY_I1: return (int8_t)(uint8_t)v;
    case HN_NPY_U1: return (uint8_t)v;
    case HN_NPY_I2: return (int16_t)(uint16_t)v;
    case HN_NPY_U2: return (uint16_t)v;
    case HN_NPY_I4: return (int32_t)(uint32_t)v;
    case HN_NPY_U4: return (uint32_t)v;
    case HN_NPY_I8: return (double)(int64_t)v;
    case HN_NPY_U8: return (double)v;
    case HN_NPY_F4: {
        uint32_t u = (uint32_t)v;
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    case HN_NPY_F8: {
        double d;
        memcpy(&d, &v, sizeof d);
        return d;
    }
    default: return 0.0;
    }
}

hn_status hn_npy_parse(const void *buf, size_t len, const char *name, int as_float32,
                       hn_npy_array *out, hn_error *err)
{
    const unsigned char *b = buf;
    memset(out, 0, sizeof *out);
    if (!name)
        name = "npy";
    if (!b && len)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL buffer", name);
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return hn_error_set(err, HN_ERR_FORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", name);
    int major = b[6];
    size_t start, hlen;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return hn_error_set(err, HN_ERR_FORMAT, "%s: truncated npy header (%zu bytes)", name, len);
        hlen = (size_t)load_bits(b + 8, 4, 0);
        start = 12;
    } else {
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: npy format version %d.%d is not supported",
                            name, major, b[7]);
    }
    if (hlen > len - start)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: npy header length %zu runs past the end of the file (%zu bytes)",
                            name, hlen, len);
    hparse h = {(const char *)b + start, hlen, 0, name, start, err};
    hn_npy_array a = {0};
    int big = 0;
    hn_status st = parse_header(&h, &a, &big);
    if (st)
        return st;
    int isz = dtypes[a.dtype].size;
    int64_t size = 1;
    for (int d = 0; d < a.ndim; d++) {
        if (a.shape[d] != 0 && size > INT64_MAX / isz / a.shape[d])
            return hn_error_set(err, HN_ERR_FORMAT, "%s: npy shape is absurdly large", name);
        size *= a.shape[d];
    }
    a.size = size;
    size_t have = len - start - hlen, need = (size_t)size * (size_t)isz;
    if ((uint64_t)size * (uint64_t)isz > SIZE_MAX || have != need)
        return hn_error_set(err, HN_ERR_FORMAT,
                            "%s: npy data has %zu bytes, but shape and dtype %s need %llu%s", name,
                            have, dtypes[a.dtype].name, (unsigned long long)size * (unsigned)isz,
                            have < need ? " (truncated file?)" : "");
    size_t esz = as_float32 ? sizeof(float) : sizeof(double);
    void *data = malloc(size > 0 ? (size_t)size * esz : 1);
    if (!data)
        return hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory for %lld values", name,
                            (long long)size);
    const unsigned char *p = b + start + hlen;
    if (as_float32) {
        float *f = data;
        for (int64_t i = 0; i < size; i++)
            f[i] = (float)element(p + i * isz, a.dtype, big);
        a.f32 = f;
    } else {
        double *f = data;
        for (int64_t i = 0; i < size; i++)
            f[i] = element(p + i * isz, a.dtype, big);
        a.f64 = f;
    }
    *out = a;
    return HN_OK;
}

hn_status hn_npy_read(const char *path, int as_float32, hn_npy_array *out, hn_error *err)
{
    unsigned char *buf;
    size_t len;
    if (out)
        memset(out, 0, sizeof *out);
    if (!path || !out)
        return hn_error_set(err, HN_ERR_ARG, "npy: NULL argument");
    hn_status st = hn_file_read_all(path, &buf, &len, err);
    if (st)
        return st;
    st = hn_npy_parse(buf, len, path, as_float32, out, err);
    free(buf);
    return st;
}

/* ---- writer ---- */

hn_status hn_npy_write(const char *path, hn_npy_dtype dtype, int ndim, const int64_t *shape,
                       const void *data, hn_error *err)
{
    if (!path || ndim < 0 || ndim > HN_NPY_MAX_DIMS || (ndim > 0 && !shape))
        return hn_error_set(err, HN_ERR_ARG, "npy: invalid arguments writing %s", path ? path : "?");
    if (dtype != HN_NPY_F4 && dtype != HN_NPY_F8 && dtype != HN_NPY_I8)
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: writing npy dtype %s is not supported",
                            path, hn_npy_dtype_name(dtype));
    int isz = dtypes[dtype].size;
    int64_t size = 1;
    char dict[64 + 24 * HN_NPY_MAX_DIMS];
    int k = snprintf(dict, sizeof dict, "{'descr': '<%c%d', 'fortran_order': False, 'shape': (",
                     dtype == HN_NPY_I8 ? 'i' : 'f', isz);
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0 || (shape[d] > 0 && size > INT64_MAX / isz / shape[d]))
            return hn_error_set(err, HN_ERR_ARG, "%s: invalid shape", path);
        size *= shape[d];
        k += snprintf(dict + k, sizeof dict - (size_t)k, d == 0 ? "%lld" : ", %lld",
                      (long long)shape[d]);
    }
    k += snprintf(dict + k, sizeof dict - (size_t)k, "%s), }", ndim == 1 ? "," : "");
    if (size > 0 && !data)
        return hn_error_set(err, HN_ERR_ARG, "%s: NULL data", path);
    /* version 1.0; pad with spaces so that the data starts on a 64-byte boundary */
    size_t total = 10 + (size_t)k + 1;
    total = (total + 63) / 64 * 64;
    size_t hlen = total - 10;
    unsigned char head[10 + sizeof dict + 64];
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    head[8] = (unsigned char)(hlen & 0xff);
    head[9] = (unsigned char)(hlen >> 8);
    memcpy(head + 10, dict, (size_t)k);
    memset(head + 10 + k, ' ', hlen - (size_t)k - 1);
    head[total - 1] = '\n';
    hn_atomic_file af;
    hn_status st = hn_atomic_open(&af, path, err);
    if (st)
        return st;
    fwrite(head, 1, total, af.f);
    const unsigned char *src = data;
    unsigned char chunk[4096];
    size_t used = 0;
    for (int64_t i = 0; i < size; i++) {
        uint64_t v = 0;
        if (isz == 4) {
            uint32_t u;
            memcpy(&u, src + i * 4, 4);
            v = u;
        } else {
            memcpy(&v, src + i * 8, 8);
        }
        for (int b = 0; b < isz; b++) /* little-endian, whatever the host */
            chunk[used++] = (unsigned char)(v >> (8 * b));
        if (used + 8 > sizeof chunk) {
            fwrite(chunk, 1, used, af.f);
            used = 0;
        }
    }
    fwrite(chunk, 1, used, af.f);
    return hn_atomic_commit(&af, err);
}

/* ---- into a table ---- */

hn_status hn_npy_to_table(const hn_npy_array *a, const char *const *names, hn_table *t,
                          hn_error *err)
{
    if (!a || !names || !t)
        return hn_error_set(err, HN_ERR_ARG, "npy: NULL argument");
    if (!a->f64)
        return hn_error_set(err, HN_ERR_ARG, "npy: a table needs an array read as double");
    if (a->ndim == 1)
        return hn_table_add_column(t, names[0], a->f64, a->shape[0], err);
    if (a->ndim != 2)
        return hn_error_set(err, HN_ERR_SHAPE, "npy: a table needs a 1-D or 2-D array, not %d-D",
                            a->ndim);
    int64_t n = a->shape[0], k = a->shape[1];
    if (n > 0 && (uint64_t)n > SIZE_MAX / sizeof(double))
        return hn_error_set(err, HN_ERR_NOMEM, "npy: array too large");
    for (int64_t c = 0; c < k; c++) {
        double *col = malloc(n > 0 ? (size_t)n * sizeof *col : 1);
        if (!col)
            return hn_error_set(err, HN_ERR_NOMEM, "npy: out of memory");
        for (int64_t i = 0; i < n; i++)
            col[i] = a->f64[i * k + c];
        hn_status st = hn_table_adopt_column(t, names[c], col, n, err);
        if (st)
            return st;
    }
    return HN_OK;
}
