/* hepnn — small file utilities the command-line tool and embedding programs use. */
#ifndef HEPNN_IO_H
#define HEPNN_IO_H

#include <stddef.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes n bytes to path atomically (a temporary file beside it, flushed,
 * then renamed): readers see the old file or the new one, never half. */
hn_status hn_write_atomic(const char *path, const void *data, size_t n, hn_error *err);

/* Reads a whole file into a malloc'ed buffer with a terminating NUL byte
 * (not counted in *n); the caller frees it. */
hn_status hn_read_whole(const char *path, char **data, size_t *n, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
