/* Internal file helpers for every reader and writer: read a whole file,
 * and write one atomically (a temporary file in the same directory, renamed
 * over the target only once everything is written and flushed). */
#ifndef HEPNN_IO_FILEIO_H
#define HEPNN_IO_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "hepnn/status.h"

/* Reads all of path into a malloc'd buffer (*buf, *len; one extra '\0' byte
 * after the data, so text parsers may rely on a terminator). */
hn_status hn_file_read_all(const char *path, unsigned char **buf, size_t *len, hn_error *err);

typedef struct hn_atomic_file {
    FILE *f;     /* write here */
    char *tmp;   /* the temporary file's path */
    char *path;  /* the final path */
} hn_atomic_file;

/* Creates the temporary file next to path. */
hn_status hn_atomic_open(hn_atomic_file *af, const char *path, hn_error *err);

/* Flushes, syncs and closes the temporary file, then renames it to the
 * final path. On any failure the temporary file is removed and the target
 * is left as it was. Frees af's resources either way. */
hn_status hn_atomic_commit(hn_atomic_file *af, hn_error *err);

/* Abandons the write: closes and removes the temporary file. */
void hn_atomic_abort(hn_atomic_file *af);

/* Writes n bytes to path atomically (open, write, commit). */
hn_status hn_file_write_all(const char *path, const void *data, size_t n, hn_error *err);

#endif
