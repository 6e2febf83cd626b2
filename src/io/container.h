/* Internal: the framing shared by model files and checkpoints —
 *   8 bytes magic, u32 format version, u32 0, u64 payload length P,
 *   P bytes of payload, u32 CRC-32 (zlib) of the payload; little-endian. */
#ifndef HN_IO_CONTAINER_H
#define HN_IO_CONTAINER_H

#include "io/bytes.h"

enum { HN_CONTAINER_HEADER = 24, HN_CONTAINER_TRAILER = 4 };

/* Starts a buffer with the header (length patched by hn_container_write). */
void hn_container_begin(hn_wbuf *b, const char magic[8], uint32_t version);
/* Patches the length, appends the CRC and writes the file atomically. */
hn_status hn_container_write(hn_wbuf *b, const char *path, hn_error *err);
/* Checks magic, version, reserved bytes, length and CRC of a whole file; gives
 * the payload. what ("model file", "checkpoint") is used in messages. */
hn_status hn_container_check(const uint8_t *data, size_t n, const char magic[8], uint32_t version, const char *what,
                             const char *path, const uint8_t **payload, size_t *len, hn_error *err);

#endif
