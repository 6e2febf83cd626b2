/* hepnn — writing flat ROOT TTrees (numeric branches, fixed arrays and
 * variable-length arrays with a counter branch; zlib-compressed baskets).
 *
 * The file follows ROOT 6's layout (header, top directory, basket keys, the
 * TTree record, the StreamerInfo record describing its classes, key list,
 * free segments), so ROOT, jsroot and hepnn's reader read it (docs/root.md).
 * Written atomically: a temporary file beside the target, renamed by close.
 *
 *     hn_root_wbranch br[] = {{"nJet", HN_ROOT_T_I32, 1, NULL},
 *                             {"Jet_pt", HN_ROOT_T_F32, 1, "nJet"}};
 *     hn_root_writer *w;
 *     hn_root_writer_open("out.root", "Events", br, 2, 1, &w, &err);
 *     const void *cols[] = {njet, jet_pt};
 *     hn_root_writer_append(w, n, cols, &err);   // as often as needed
 *     hn_root_writer_close(w, &err);              // renames into place
 */
#ifndef HEPNN_ROOT_WRITE_H
#define HEPNN_ROOT_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/root.h"
#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_root_writer hn_root_writer;

/* One branch to write. type: any numeric hn_root_type (not STRING).
 * width: values per entry (1 scalar, N a fixed array) or, with a counter,
 * values per counted object. counter: NULL, or the name of an earlier
 * branch of integer type whose value gives the number of objects. */
typedef struct hn_root_wbranch {
    const char *name;
    hn_root_type type;
    int64_t width;
    const char *counter;
} hn_root_wbranch;

/* Starts a file with one tree. compression: 0 (none) to 9 (zlib level).
 * basket_bytes: uncompressed bytes per basket, 0 for the default (32 KiB).
 * Returns HN_ERR_ARG for bad branch descriptions, HN_ERR_IO. */
hn_status hn_root_writer_open(const char *path, const char *tree, const hn_root_wbranch *branches,
                              size_t n, int compression, hn_root_writer **out, hn_error *err);

/* Sets the basket size in uncompressed bytes (before the first append). */
void hn_root_writer_set_basket_bytes(hn_root_writer *w, size_t bytes);

/* Appends n entries. columns[i] holds branch i's values for these entries in
 * native byte order and its own type: n * width values, or for a counted
 * branch sum(counter values) * width values. */
hn_status hn_root_writer_append(hn_root_writer *w, int64_t n, const void *const *columns,
                                hn_error *err);

/* Writes the remaining baskets, the tree and the key list, and renames the
 * file into place. Frees w whatever happens. */
hn_status hn_root_writer_close(hn_root_writer *w, hn_error *err);

/* Drops an unfinished file (no rename) and frees w; NULL is allowed. */
void hn_root_writer_abort(hn_root_writer *w);

#ifdef __cplusplus
}
#endif
#endif
