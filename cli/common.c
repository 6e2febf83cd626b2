#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

volatile sig_atomic_t hn_cli_interrupted = 0;

static void on_sigint(int sig)
{
    (void)sig;
    if (hn_cli_interrupted) {
        static const char msg[] = "\nhepnn: interrupted again, exiting now\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    hn_cli_interrupted = 1;
}

void hn_cli_catch_interrupt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void hn_text_printf(hn_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        va_end(ap2);
        return;
    }
    if (t->n + (size_t)need + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->n + (size_t)need + 1)
            cap *= 2;
        char *q = realloc(t->p, cap);
        if (!q) {
            va_end(ap2);
            return;
        }
        t->p = q;
        t->cap = cap;
    }
    vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap2);
    va_end(ap2);
    t->n += (size_t)need;
}

void hn_text_json_str(hn_text *t, const char *s)
{
    hn_text_printf(t, "\"");
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c == '"' || *c == '\\')
            hn_text_printf(t, "\\%c", *c);
        else if (*c == '\n')
            hn_text_printf(t, "\\n");
        else if (*c < 0x20)
            hn_text_printf(t, "\\u%04x", *c);
        else
            hn_text_printf(t, "%c", *c);
    }
    hn_text_printf(t, "\"");
}

void hn_text_json_num(hn_text *t, double v)
{
    if (isfinite(v))
        hn_text_printf(t, "%.10g", v);
    else
        hn_text_printf(t, "null");
}

void hn_text_free(hn_text *t)
{
    free(t->p);
    memset(t, 0, sizeof *t);
}

int hn_mkdirs(const char *path, hn_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return hn_error_set(err, HN_ERR_ARG, "%s: path too long", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return hn_error_set(err, HN_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return hn_error_set(err, HN_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
    return HN_OK;
}

int hn_cli_fail(const char *cmd, const hn_error *err)
{
    fprintf(stderr, "hepnn %s: %s\n", cmd, err && err->msg[0] ? err->msg : "failed");
    return 1;
}

int hn_cli_usage_error(const char *cmd, const char *msg, const char *hint)
{
    fprintf(stderr, "hepnn %s: %s\n", cmd, msg);
    if (hint)
        fprintf(stderr, "  %s\n", hint);
    return 2;
}

int hn_cli_is_help(const char *arg) { return !strcmp(arg, "--help") || !strcmp(arg, "-h"); }
