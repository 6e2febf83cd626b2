/* hepnn — thread counts.
 *
 * Elementwise kernels use OpenMP; matrix products use OpenBLAS, which keeps its
 * own thread pool. Both counts are process-wide settings of those libraries
 * (not state of hepnn). Results are identical from run to run for a fixed seed
 * and fixed thread counts. */
#ifndef HEPNN_THREADS_H
#define HEPNN_THREADS_H

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the OpenMP thread count for hepnn's kernels and OpenBLAS's thread
 * count. A value of 0 leaves that count unchanged. HN_ERR_ARG if negative. */
hn_status hn_threads_set(int kernel_threads, int blas_threads, hn_error *err);

/* The current counts. */
int hn_threads_kernel(void);
int hn_threads_blas(void);

#ifdef __cplusplus
}
#endif
#endif
