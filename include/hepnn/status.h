/* hepnn — status codes and error messages.
 *
 * Every fallible library function either returns an hn_status (and takes an
 * `hn_error *err` as its last argument, which may be NULL), or belongs to an
 * object that keeps its first error (a graph: hn_graph_status / hn_graph_error).
 * Nothing in the library calls exit() or abort() on bad input.
 */
#ifndef HEPNN_STATUS_H
#define HEPNN_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hn_status {
    HN_OK = 0,
    HN_ERR_ARG,         /* invalid argument: NULL, out of range, zero size */
    HN_ERR_SHAPE,       /* shapes that do not fit the operation */
    HN_ERR_NOMEM,       /* an allocation failed */
    HN_ERR_IO,          /* a file could not be opened, read or written */
    HN_ERR_FORMAT,      /* a file's content is malformed, truncated or corrupted */
    HN_ERR_UNSUPPORTED, /* valid, but not supported (yet) */
    HN_ERR_STATE,       /* the object is not in a state that allows this call */
    HN_ERR_BACKEND,     /* the compute backend failed (e.g. a CUDA error) */
    HN_ERR_NUMERIC,     /* NaN or infinity where a finite value is required */
    HN_STATUS_COUNT
} hn_status;

#define HN_ERROR_MSG_MAX 512

/* The message that goes with a status. Caller-owned, usually on the stack:
 *     hn_error err = {0};
 *     if (hn_something(..., &err)) fprintf(stderr, "%s\n", err.msg);     */
typedef struct hn_error {
    hn_status status;
    char msg[HN_ERROR_MSG_MAX];
} hn_error;

/* A short constant name for a status ("ok", "shape mismatch", ...). */
const char *hn_status_str(hn_status status);

/* Records status and a printf-style message in err (if err is not NULL) and
 * returns status, so that `return hn_error_set(err, HN_ERR_ARG, "...")` works.
 * The message is truncated to HN_ERROR_MSG_MAX - 1 characters. */
hn_status hn_error_set(hn_error *err, hn_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prepends "prefix: " to an existing message (used to add context such as a
 * file name as an error travels up). Returns err->status (HN_OK if err NULL). */
hn_status hn_error_prefix(hn_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
