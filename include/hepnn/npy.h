/* hepnn — NumPy .npy and .npz files.
 *
 * Reads .npy format versions 1.0, 2.0 and 3.0 of bool, int8..int64,
 * uint8..uint64, float32 and float64 arrays, little or big endian, in C
 * order, converting the values to double or float; reads .npz archives
 * (np.savez, stored, and np.savez_compressed, deflated). Writes .npy of
 * float32, float64 and int64 atomically. Rules and limits are in
 * docs/data-formats.md. Everything in a file is untrusted: malformed,
 * truncated or inconsistent files give HN_ERR_FORMAT with the file name and
 * what is wrong, never a crash.
 */
#ifndef HEPNN_NPY_H
#define HEPNN_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "hepnn/status.h"
#include "hepnn/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hn_npy_dtype {
    HN_NPY_BOOL, HN_NPY_I1, HN_NPY_U1, HN_NPY_I2, HN_NPY_U2, HN_NPY_I4, HN_NPY_U4,
    HN_NPY_I8, HN_NPY_U8, HN_NPY_F4, HN_NPY_F8, HN_NPY_DTYPE_COUNT
} hn_npy_dtype;

#define HN_NPY_MAX_DIMS 8

/* An array read from a file, converted to double (f64) or float (f32):
 * exactly one of the two is non-NULL (also for 0 elements), C order. */
typedef struct hn_npy_array {
    hn_npy_dtype dtype; /* the type stored in the file */
    int ndim;           /* 0 for a scalar */
    int64_t shape[HN_NPY_MAX_DIMS];
    int64_t size;       /* product of the shape */
    double *f64;
    float *f32;
} hn_npy_array;

/* NumPy's name of a dtype ("float64", "int32", ...). */
const char *hn_npy_dtype_name(hn_npy_dtype dtype);

/* Reads a .npy file into *out (caller frees with hn_npy_array_free),
 * converting to float when as_float32 is non-zero, else to double (int64
 * values beyond 2^53 round). Returns HN_ERR_IO, HN_ERR_FORMAT (bad magic,
 * header, sizes), HN_ERR_UNSUPPORTED (Fortran order, structured or other
 * dtypes, unknown version), HN_ERR_NOMEM. */
hn_status hn_npy_read(const char *path, int as_float32, hn_npy_array *out, hn_error *err);

/* The same from a buffer holding a whole .npy file; name is used in messages. */
hn_status hn_npy_parse(const void *buf, size_t len, const char *name, int as_float32,
                       hn_npy_array *out, hn_error *err);

/* Frees an array's data and zeroes it (NULL allowed). */
void hn_npy_array_free(hn_npy_array *a);

/* Writes data (C order, native byte order, of `dtype`: HN_NPY_F4, HN_NPY_F8
 * or HN_NPY_I8) with the given shape as a little-endian .npy file, version
 * 1.0 (2.0 only if the header needs it), atomically. ndim 0..HN_NPY_MAX_DIMS.
 * Returns HN_ERR_ARG, HN_ERR_UNSUPPORTED (other dtypes), HN_ERR_IO. */
hn_status hn_npy_write(const char *path, hn_npy_dtype dtype, int ndim, const int64_t *shape,
                       const void *data, hn_error *err);

/* The arrays of a .npz archive, in archive order; names are the member
 * names without ".npy". */
typedef struct hn_npz {
    int n;
    char **names;
    hn_npy_array *arrays;
} hn_npz;

/* Reads a .npz archive (zip, stored or deflated members, zip64 allowed),
 * checking each member's CRC-32. Members whose names do not end in ".npy"
 * are skipped. Caller frees with hn_npz_free. Returns HN_ERR_IO,
 * HN_ERR_FORMAT (bad zip structure, CRC mismatch, member errors prefixed with
 * the member name), HN_ERR_UNSUPPORTED (encryption, other compression
 * methods, multi-disk archives), HN_ERR_NOMEM. */
hn_status hn_npz_read(const char *path, int as_float32, hn_npz *out, hn_error *err);

/* The same from a buffer holding a whole .npz file. */
hn_status hn_npz_parse(const void *buf, size_t len, const char *name, int as_float32, hn_npz *out,
                       hn_error *err);

/* Frees an archive's arrays and names and zeroes it (NULL allowed). */
void hn_npz_free(hn_npz *z);

/* The array called name, or NULL. */
const hn_npy_array *hn_npz_find(const hn_npz *z, const char *name);

/* Appends the arrays of a double-valued archive to a table, one column per
 * 1-D array, named as in the archive; all must have the same length.
 * Returns HN_ERR_SHAPE (not 1-D, lengths differ), HN_ERR_ARG (read with
 * as_float32, duplicate name), HN_ERR_NOMEM. */
hn_status hn_npz_to_table(const hn_npz *z, hn_table *t, hn_error *err);

/* Appends a double-valued array to a table: a 1-D array (n) as one column
 * names[0], a 2-D array (n, k) as k columns names[0..k). */
hn_status hn_npy_to_table(const hn_npy_array *a, const char *const *names, hn_table *t,
                          hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
