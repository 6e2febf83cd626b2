/* Helpers of the report tests: a scratch directory, reading files and CSV
 * tables. */
#ifndef HN_TEST_REPORT_UTIL_H
#define HN_TEST_REPORT_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new empty directory under $TMPDIR (or /tmp); NULL on failure. */
static inline char *ru_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + 32;
    char *d = malloc(n);
    if (!d)
        return NULL;
    snprintf(d, n, "%s/hepnn_report_XXXXXX", base);
    if (!mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

/* Removes dir and everything under it (unlink fails on a directory, which is then descended; symbolic links are unlinked, never followed). */
static inline void ru_rmtree(const char *dir, int depth)
{
    DIR *dp = opendir(dir);
    if (dp) {
        struct dirent *e;
        while ((e = readdir(dp))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            size_t n = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(n);
            if (!p)
                continue;
            snprintf(p, n, "%s/%s", dir, e->d_name);
            if (unlink(p) != 0 && depth < 32)
                ru_rmtree(p, depth + 1);
            free(p);
        }
        closedir(dp);
    }
    rmdir(dir);
}

/* Number of entries of dir whose name contains part. */
static inline int ru_count_files(const char *dir, const char *part)
{
    DIR *dp = opendir(dir);
    int n = 0;
    if (!dp)
        return -1;
    struct dirent *e;
    while ((e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, part))
            n++;
    closedir(dp);
    return n;
}

/* The whole file as a NUL-terminated string (malloc'ed), or NULL. */
static inline char *ru_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return b;
}

/* A CSV file split into rows and fields (simple quoting rules: the report's). */
typedef struct ru_csv {
    int n_rows, n_cols; /* rows without the header */
    char **cell;        /* (n_rows + 1) * n_cols, row 0 the header */
    char *text;
} ru_csv;

static inline void ru_csv_free(ru_csv *c)
{
    free(c->cell);
    free(c->text);
    memset(c, 0, sizeof *c);
}

/* Parses path; every row must have as many fields as the header. 0 on failure. */
static inline int ru_csv_read(ru_csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->text = ru_read(path, NULL);
    if (!c->text)
        return 0;
    size_t cap = 1024, n = 0;
    c->cell = malloc(cap * sizeof(char *));
    char *p = c->text;
    int cols = 0, rows = 0;
    while (*p) {
        int k = 0;
        for (;;) {
            char *start = p, *o = p;
            if (*p == '"') {
                p++;
                start = o = p;
                while (*p && !(*p == '"' && p[1] != '"')) {
                    if (*p == '"')
                        p++;
                    *o++ = *p++;
                }
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && *p != '\n')
                    p++;
                o = p;
            }
            char sep = *p;
            *o = '\0';
            if (n == cap) {
                cap *= 2;
                c->cell = realloc(c->cell, cap * sizeof(char *));
            }
            c->cell[n++] = start;
            k++;
            if (sep)
                p++;
            if (sep != ',')
                break;
        }
        if (rows == 0)
            cols = k;
        else if (k != cols) {
            fprintf(stderr, "%s: row %d has %d fields, header %d\n", path, rows, k, cols);
            return 0;
        }
        rows++;
    }
    c->n_cols = cols;
    c->n_rows = rows - 1;
    return rows > 0;
}

/* Column index of name in the header, -1 if absent. */
static inline int ru_csv_col(const ru_csv *c, const char *name)
{
    for (int j = 0; j < c->n_cols; j++)
        if (!strcmp(c->cell[j], name))
            return j;
    return -1;
}

/* Field (row 1-based over data rows, col). */
static inline const char *ru_csv_get(const ru_csv *c, int row, int col)
{
    return c->cell[(size_t)row * c->n_cols + col];
}

static inline double ru_csv_num(const ru_csv *c, int row, int col)
{
    return strtod(ru_csv_get(c, row, col), NULL);
}

#endif
