/* Reading the text fixtures under tests/data/fixtures: a record is a line
 * "tag ndim d0 d1 ..." followed by one line of values. */
#ifndef HN_TEST_FIXTURE_H
#define HN_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_MAX 4096

typedef struct {
    char tag[64];
    int ndim;
    long long shape[5];
    long long n;
    float v[FX_MAX];
} fx_tensor;

/* Reads the next non-comment line into buf; returns 0 at end of file. */
static int fx_line(FILE *f, char *buf, size_t size)
{
    while (fgets(buf, (int)size, f)) {
        if (buf[0] != '#' && buf[0] != '\n')
            return 1;
    }
    return 0;
}

/* Parses "tag ndim dims..." in head and the values from the next line. */
static int fx_tensor_read(FILE *f, const char *head, fx_tensor *t)
{
    static const char *sep = " \t\n";
    char buf[1 << 16];
    strncpy(buf, head, sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    char *save = NULL, *tok = strtok_r(buf, sep, &save);
    if (!tok)
        return 0;
    snprintf(t->tag, sizeof t->tag, "%s", tok);
    tok = strtok_r(NULL, sep, &save);
    if (!tok)
        return 0;
    t->ndim = atoi(tok);
    t->n = 1;
    for (int i = 0; i < t->ndim && i < 5; i++) {
        tok = strtok_r(NULL, sep, &save);
        if (!tok)
            return 0;
        t->shape[i] = atoll(tok);
        t->n *= t->shape[i];
    }
    if (t->n > FX_MAX)
        return 0;
    static char vals[1 << 20];
    if (!fgets(vals, sizeof vals, f))
        return 0;
    char *p = vals;
    for (long long i = 0; i < t->n; i++) {
        char *end;
        t->v[i] = strtof(p, &end);
        if (end == p)
            return 0;
        p = end;
    }
    return 1;
}

#endif
