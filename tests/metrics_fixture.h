/* Reader for the metrics fixtures written by tools/fixtures/gen_metrics.py:
 *     hepnn-fixture metrics 1
 *     case NAME
 *     KEY COUNT v0 v1 ...
 *     end
 * A key written KEY:f32 holds float32 values printed in their shortest form:
 * they are parsed with strtof so that they come back exactly.
 * The whole file is loaded into memory; arrays are looked up by case and key. */
#ifndef HN_METRICS_FIXTURE_H
#define HN_METRICS_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fx_array {
    char case_name[64];
    char key[64];
    size_t n;
    double *v;
} fx_array;

typedef struct fx_file {
    fx_array *a;
    size_t n;
} fx_file;

static inline void fx_free(fx_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->a[i].v);
    free(f->a);
    f->a = NULL;
    f->n = 0;
}

/* Returns 0 on success; prints why on failure. */
static inline int fx_load(fx_file *f, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/fixtures/%s", HN_TEST_DATA, name);
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char tok[64], cur[64] = "";
    if (fscanf(fp, "%63s", tok) != 1 || strcmp(tok, "hepnn-fixture") != 0) {
        fprintf(stderr, "%s: not a fixture file\n", path);
        fclose(fp);
        return -1;
    }
    if (fscanf(fp, "%*s %*s") != 0) { /* "metrics 1" */
        fclose(fp);
        return -1;
    }
    size_t cap = 0;
    while (fscanf(fp, "%63s", tok) == 1) {
        if (tok[0] == '#') {
            int c;
            while ((c = fgetc(fp)) != EOF && c != '\n')
                ;
            continue;
        }
        if (!strcmp(tok, "case")) {
            if (fscanf(fp, "%63s", cur) != 1)
                break;
            continue;
        }
        if (!strcmp(tok, "end")) {
            cur[0] = '\0';
            continue;
        }
        size_t n;
        if (fscanf(fp, "%zu", &n) != 1 || n > 10000000) {
            fprintf(stderr, "%s: bad count for %s\n", path, tok);
            break;
        }
        if (f->n == cap) {
            cap = cap ? 2 * cap : 32;
            f->a = realloc(f->a, cap * sizeof *f->a);
        }
        size_t kl = strlen(tok);
        int single = kl > 4 && !strcmp(tok + kl - 4, ":f32");
        if (single)
            tok[kl - 4] = '\0';
        fx_array *a = &f->a[f->n++];
        snprintf(a->case_name, sizeof a->case_name, "%s", cur);
        snprintf(a->key, sizeof a->key, "%s", tok);
        a->n = n;
        a->v = malloc((n ? n : 1) * sizeof *a->v);
        for (size_t i = 0; i < n; i++) {
            char num[64];
            if (fscanf(fp, "%63s", num) != 1) {
                fprintf(stderr, "%s: %s/%s truncated\n", path, cur, tok);
                fclose(fp);
                return -1;
            }
            a->v[i] = single ? (double)strtof(num, NULL) : strtod(num, NULL);
        }
    }
    fclose(fp);
    return f->n ? 0 : -1;
}

/* The array KEY of case CASE, or NULL (and a message) when absent. */
static inline const fx_array *fx_get(const fx_file *f, const char *case_name, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->a[i].case_name, case_name) && !strcmp(f->a[i].key, key))
            return &f->a[i];
    return NULL;
}

static inline const fx_array *fx_need(const fx_file *f, const char *case_name, const char *key)
{
    const fx_array *a = fx_get(f, case_name, key);
    if (!a)
        fprintf(stderr, "fixture: %s/%s missing\n", case_name, key);
    return a;
}

/* Copies an array as int32 / float; the caller frees. */
static inline int32_t *fx_int32(const fx_array *a)
{
    int32_t *p = malloc((a->n ? a->n : 1) * sizeof *p);
    for (size_t i = 0; i < a->n; i++)
        p[i] = (int32_t)a->v[i];
    return p;
}

static inline float *fx_float(const fx_array *a)
{
    float *p = malloc((a->n ? a->n : 1) * sizeof *p);
    for (size_t i = 0; i < a->n; i++)
        p[i] = (float)a->v[i];
    return p;
}

#endif
