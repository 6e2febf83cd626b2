/* Helpers shared by the subcommands. */
#ifndef HEPNN_CLI_COMMON_H
#define HEPNN_CLI_COMMON_H

#include <signal.h>
#include <stddef.h>

#include "hepnn/hepnn.h"

/* A growing text buffer. */
typedef struct {
    char *p;
    size_t n, cap;
} hn_text;
void hn_text_printf(hn_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s as a JSON string (quoted, escaped). */
void hn_text_json_str(hn_text *t, const char *s);
/* Appends a number as JSON (NaN and infinities as null). */
void hn_text_json_num(hn_text *t, double v);
void hn_text_free(hn_text *t);

/* Creates a directory and its parents (like mkdir -p). */
int hn_mkdirs(const char *path, hn_error *err);

/* Ctrl-C: the first sets the flag (training stops after the batch), the
 * second exits at once (files are written atomically, so none is corrupted). */
extern volatile sig_atomic_t hn_cli_interrupted;
void hn_cli_catch_interrupt(void);

/* Prints "hepnn CMD: message" and returns 1 (an error of the work). */
int hn_cli_fail(const char *cmd, const hn_error *err);
/* Prints "hepnn CMD: message\n(hint)" for a bad command line and returns 2. */
int hn_cli_usage_error(const char *cmd, const char *msg, const char *hint);

/* Is the argument a help request? */
int hn_cli_is_help(const char *arg);

#endif
