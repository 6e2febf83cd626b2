/* Running the hepnn command from a test: commands run in the test's temporary
 * directory `tmp` (which the test defines and creates) with their output in
 * tmp/out.txt. */
#ifndef HN_TEST_CLI_UTIL_H
#define HN_TEST_CLI_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char tmp[256];

/* Runs a command line (fmt with up to two %s) in tmp; returns the exit code. */
static int run(const char *fmt, const char *a, const char *b)
{
    char cmd[4096], line[3000];
    snprintf(line, sizeof line, fmt, a ? a : "", b ? b : "");
    snprintf(cmd, sizeof cmd, "cd '%s' && %s > out.txt 2>&1", tmp, line);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* A file of tmp, whole, in a static buffer (NULL if absent). */
static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The number after "key": in a JSON text (the first member's for an object;
 * NaN if absent or null). */
static double json_num(const char *text, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = text ? strstr(text, pat) : NULL;
    if (!p)
        return NAN;
    p += strlen(pat);
    if (*p == '{') {
        p = strchr(p, ':');
        if (!p)
            return NAN;
        p += 2;
    }
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

#endif
