#include "hepnn/threads.h"

#include <cblas.h>
#include <omp.h>

hn_status hn_threads_set(int kernel_threads, int blas_threads, hn_error *err)
{
    if (kernel_threads < 0 || blas_threads < 0)
        return hn_error_set(err, HN_ERR_ARG, "threads_set: counts must be >= 0 (got %d kernel, %d BLAS)",
                            kernel_threads, blas_threads);
    if (kernel_threads > 0)
        omp_set_num_threads(kernel_threads);
    if (blas_threads > 0)
        openblas_set_num_threads(blas_threads);
    return HN_OK;
}

int hn_threads_kernel(void) { return omp_get_max_threads(); }
int hn_threads_blas(void) { return openblas_get_num_threads(); }
