/* hepnn — native reading of ROOT TTrees, without ROOT.
 *
 * Reads flat ("ntuple-like") trees written by ROOT 5.23 to 6.3x: branches of
 * numeric leaves (TLeafB/S/I/L/G/F/D/O, signed and unsigned), fixed-size
 * arrays, variable-length arrays with a counter leaf, leaf lists and strings
 * (TLeafC). Compression: none, zlib, LZ4, LZMA, ZSTD. Object branches with
 * custom streamers, ROOT 4 trees and RNTuple are refused with a message that
 * names the branch or class. docs/root.md describes the format and the API.
 *
 * Typical use:
 *     hn_root_file *f; hn_root_tree *t; hn_root_array a = {0};
 *     hn_root_open("events.root", &f, &err);
 *     hn_root_tree_open(f, "dir/events", &t, &err);
 *     hn_root_read(t, "Jet_pt", 0, -1, HN_ROOT_F32, &a, &err);  // values + offsets
 *     ... hn_root_array_free(&a); hn_root_tree_close(t); hn_root_close(f);
 */
#ifndef HEPNN_ROOT_H
#define HEPNN_ROOT_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hn_root_file hn_root_file;
typedef struct hn_root_tree hn_root_tree;
typedef struct hn_root_chain hn_root_chain;

/* One object (key) of a file, directories included. */
typedef struct hn_root_object {
    const char *path;       /* "name" or "dir/sub/name" */
    const char *class_name; /* "TTree", "TDirectory", "TH1F", ... */
    int cycle;
    int is_tree;            /* class TTree, TNtuple or TNtupleD */
    int is_dir;
} hn_root_object;

/* The element type of a leaf as stored in the file. */
typedef enum hn_root_type {
    HN_ROOT_T_BOOL,
    HN_ROOT_T_I8,
    HN_ROOT_T_U8,
    HN_ROOT_T_I16,
    HN_ROOT_T_U16,
    HN_ROOT_T_I32,
    HN_ROOT_T_U32,
    HN_ROOT_T_I64,
    HN_ROOT_T_U64,
    HN_ROOT_T_F32,
    HN_ROOT_T_F64,
    HN_ROOT_T_STRING,      /* TLeafC */
    HN_ROOT_T_UNSUPPORTED, /* the branch cannot be read: see hn_root_branch.why */
    HN_ROOT_T_COUNT
} hn_root_type;

/* The shape of one entry of a branch. */
typedef enum hn_root_shape {
    HN_ROOT_SCALAR, /* one value per entry */
    HN_ROOT_FIXED,  /* `width` values per entry: an array x[N] or a leaf list x/D:y/I */
    HN_ROOT_JAGGED, /* count[entry] * width values, count from the counter branch */
    HN_ROOT_STRING_SHAPE
} hn_root_shape;

/* A branch as described by the tree's metadata. Strings are owned by the tree. */
typedef struct hn_root_branch {
    const char *name;
    const char *leaf_class;   /* "TLeafF"; several joined by '+' for a leaf list */
    const char *counter;      /* jagged: the counter branch's name, else NULL */
    const char *why;          /* unsupported: why (names the class), else NULL */
    hn_root_type type;        /* element type (leaf lists: the first leaf's) */
    hn_root_shape shape;
    int64_t width;            /* values per entry (fixed) or per counted object (jagged) */
    int nleaves;              /* > 1 for leaf lists */
    const char *const *leaf_names;  /* nleaves names */
    const hn_root_type *leaf_types; /* nleaves element types */
    const int32_t *leaf_lens;       /* nleaves values per entry (per object if jagged) */
    int64_t entries;
    int64_t compressed_bytes; /* fZipBytes */
    int64_t uncompressed_bytes; /* fTotBytes */
    int64_t baskets;          /* on disk and embedded in the tree record */
} hn_root_branch;

/* The element type wanted in memory. */
typedef enum hn_root_dtype {
    HN_ROOT_F32,
    HN_ROOT_F64,
    HN_ROOT_I64,
    HN_ROOT_U64,
    HN_ROOT_CHAR /* strings (TLeafC) only: bytes, with offsets per entry */
} hn_root_dtype;

/* Values read from a branch. For flat branches offsets is NULL and entry e
 * holds values[e*width .. (e+1)*width). For jagged branches and strings entry
 * e holds values[offsets[e] .. offsets[e+1]), offsets has n_entries+1
 * elements and offsets[0] == 0. Owned by the caller: hn_root_array_free. */
typedef struct hn_root_array {
    hn_root_dtype dtype;
    int64_t n_entries;
    int64_t n_values;
    int64_t width;    /* values per entry for flat branches, 0 for jagged */
    void *values;     /* n_values elements of dtype (float, double, int64_t, uint64_t, char) */
    int64_t *offsets; /* jagged: n_entries + 1 elements; flat: NULL */
} hn_root_array;

/* Opens a ROOT file and lists its keys, descending into directories.
 * *out is owned by the caller (hn_root_close). Returns HN_ERR_IO when the
 * file cannot be read, HN_ERR_FORMAT when it is not a valid ROOT file. */
hn_status hn_root_open(const char *path, hn_root_file **out, hn_error *err);

/* The same over bytes in memory (size bytes at data), which must stay valid
 * and unchanged until hn_root_close. `name` is used in messages only. */
hn_status hn_root_open_memory(const void *data, size_t size, const char *name,
                              hn_root_file **out, hn_error *err);

/* Closes a file; NULL is allowed. Trees opened on it must be closed first. */
void hn_root_close(hn_root_file *f);

/* The number of objects and the i-th (0 <= i < count); the pointer is valid
 * until hn_root_close. Order: as stored, directories before their content. */
size_t hn_root_object_count(const hn_root_file *f);
const hn_root_object *hn_root_object_at(const hn_root_file *f, size_t i);

/* Opens a tree by path ("events" or "dir/sub/events"; an optional ";cycle"
 * picks a cycle, otherwise the highest wins). The tree borrows f. Returns
 * HN_ERR_ARG if there is no such tree, HN_ERR_UNSUPPORTED for classes or
 * class versions that cannot be read (the message names them). */
hn_status hn_root_tree_open(hn_root_file *f, const char *name, hn_root_tree **out, hn_error *err);

/* Closes a tree; NULL is allowed. */
void hn_root_tree_close(hn_root_tree *t);

/* The tree's number of entries (fEntries), its name and class. */
int64_t hn_root_tree_entries(const hn_root_tree *t);
const char *hn_root_tree_name(const hn_root_tree *t);
const char *hn_root_tree_class(const hn_root_tree *t);

/* Threads used to decompress baskets in parallel; 0 (the default) means
 * OpenMP's default (OMP_NUM_THREADS). */
void hn_root_tree_set_threads(hn_root_tree *t, int threads);

/* Branches, flattened depth first (sub-branches follow their parent). The
 * pointer is valid until the tree is closed. find returns -1 if absent. */
size_t hn_root_branch_count(const hn_root_tree *t);
const hn_root_branch *hn_root_branch_at(const hn_root_tree *t, size_t i);
int64_t hn_root_branch_find(const hn_root_tree *t, const char *name);

/* Selects branches by a comma-separated list of names and shell wildcards
 * ("MET_pt,Jet_*"). *idx (malloc'd, caller frees) receives the indices in
 * the order of the patterns (tree order within one pattern), without
 * duplicates. HN_ERR_ARG if a pattern matches nothing. */
hn_status hn_root_select(const hn_root_tree *t, const char *patterns, size_t **idx, size_t *n,
                         hn_error *err);

/* Reads entries [start, stop) of a branch (stop < 0: to the end) converted to
 * dtype. Integers wider than the dtype's exact range are refused for I64/U64
 * (HN_ERR_NUMERIC), never wrapped. Strings need HN_ROOT_CHAR. Peak memory is
 * the result plus one compressed and one uncompressed basket per thread.
 * Returns HN_ERR_ARG (bad range, no such branch), HN_ERR_UNSUPPORTED,
 * HN_ERR_FORMAT (corrupted data: message names branch, basket and offset). */
hn_status hn_root_read(hn_root_tree *t, const char *branch, int64_t start, int64_t stop,
                       hn_root_dtype dtype, hn_root_array *out, hn_error *err);

/* Reads a jagged (or flat) branch into a (n_entries, max_len * width) float32
 * array: the first max_len objects of each entry, zero-padded; mask
 * (n_entries, max_len) is 1 where an object exists. Both malloc'd, caller
 * frees. For flat branches each entry is one object. */
hn_status hn_root_read_padded(hn_root_tree *t, const char *branch, int64_t start, int64_t stop,
                              int64_t max_len, float **values, uint8_t **mask, int64_t *n_entries,
                              hn_error *err);

/* Frees what an array holds and zeroes it; NULL is allowed. */
void hn_root_array_free(hn_root_array *a);

/* A chain: several "file.root:tree" specs read as one tree (the tree name may
 * be omitted after the first spec: then the first spec's is used). Entries
 * are numbered across the files in order. Owns its files and trees. */
hn_status hn_root_chain_open(const char *const *specs, size_t n, hn_root_chain **out, hn_error *err);
void hn_root_chain_close(hn_root_chain *c);
int64_t hn_root_chain_entries(const hn_root_chain *c);
/* The first tree of the chain (for its branch list). */
hn_root_tree *hn_root_chain_tree(hn_root_chain *c, size_t i);
size_t hn_root_chain_size(const hn_root_chain *c);
/* As hn_root_read over the chain's entries. The branch must exist with the
 * same type and shape in every tree (HN_ERR_SHAPE otherwise). */
hn_status hn_root_chain_read(hn_root_chain *c, const char *branch, int64_t start, int64_t stop,
                             hn_root_dtype dtype, hn_root_array *out, hn_error *err);

/* Splits "file.root:dir/tree" into file and tree: at the first ':' after the
 * last ".root" if there is one, else at the last ':'. Both are malloc'd (tree
 * is NULL when the spec names no tree). HN_ERR_ARG for an empty file name. */
hn_status hn_root_split_spec(const char *spec, char **file, char **tree, hn_error *err);

/* Names of types and shapes for listings ("float32", "jagged"). */
const char *hn_root_type_str(hn_root_type t);

#ifdef __cplusplus
}
#endif
#endif
