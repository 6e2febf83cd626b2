/* A small JSON reader for the ROOT tests' reference values (the manifest's
 * "first 5" column and the sample truth file): numbers, booleans, strings,
 * null and arrays, and objects as key/value lists. Input truncated with
 * "..." ends the open arrays. Test code only. */
#ifndef HN_ROOT_TESTJSON_H
#define HN_ROOT_TESTJSON_H

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct tj {
    int kind; /* 0 number, 1 bool, 2 string, 3 array, 4 null, 5 object */
    double num;
    char *str;
    struct tj *items; /* array items, or object values */
    char **keys;      /* object keys */
    int n;
} tj;

static const char *tj_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

static const char *tj_parse(const char *p, tj *v);

static const char *tj_str(const char *p, char **out)
{
    /* p at the opening quote; escapes other than \" and \\ are not needed */
    p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        if (n + 2 > cap)
            s = realloc(s, cap *= 2);
        s[n++] = *p++;
    }
    s[n] = '\0';
    *out = s;
    return *p ? p + 1 : p;
}

static const char *tj_parse(const char *p, tj *v)
{
    memset(v, 0, sizeof *v);
    p = tj_ws(p);
    if (*p == '[' || *p == '{') {
        int obj = *p == '{';
        char close = obj ? '}' : ']';
        v->kind = obj ? 5 : 3;
        p = tj_ws(p + 1);
        int cap = 0;
        while (*p && *p != close) {
            if (v->n == cap) {
                cap = cap ? 2 * cap : 8;
                v->items = realloc(v->items, (size_t)cap * sizeof *v->items);
                if (obj)
                    v->keys = realloc(v->keys, (size_t)cap * sizeof *v->keys);
            }
            if (obj) {
                p = tj_str(tj_ws(p), &v->keys[v->n]);
                p = tj_ws(p);
                if (*p == ':')
                    p++;
            }
            p = tj_parse(p, &v->items[v->n++]);
            p = tj_ws(p);
            if (*p == ',')
                p = tj_ws(p + 1);
        }
        return *p ? p + 1 : p;
    }
    if (*p == '"') {
        v->kind = 2;
        return tj_str(p, &v->str);
    }
    if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
        v->kind = 1;
        v->num = *p == 't';
        return p + (*p == 't' ? 4 : 5);
    }
    if (!strncmp(p, "null", 4)) {
        v->kind = 4;
        return p + 4;
    }
    char *end;
    v->num = strtod(p, &end);
    return end;
}

static void tj_free(tj *v)
{
    for (int i = 0; i < v->n; i++) {
        tj_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

/* Parses text that may end with "...": the partial last value is dropped. */
static void tj_parse_truncated(const char *text, tj *v)
{
    char *s = malloc(strlen(text) + 1);
    strcpy(s, text);
    char *dots = strstr(s, "...");
    if (dots) {
        *dots = '\0';
        char *cut = strrchr(s, ',');
        char *br = strrchr(s, '[');
        if (br && (!cut || br > cut))
            cut = br + 1;
        if (cut)
            *cut = '\0';
    }
    tj_parse(s, v);
    free(s);
}

/* Flattens numbers and booleans in document order into out (up to max). */
static int tj_flatten(const tj *v, double *out, int n, int max)
{
    if (v->kind == 0 || v->kind == 1) {
        if (n < max)
            out[n] = v->num;
        return n + 1;
    }
    for (int i = 0; i < v->n; i++)
        n = tj_flatten(&v->items[i], out, n, max);
    return n;
}

#endif
