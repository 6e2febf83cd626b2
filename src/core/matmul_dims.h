/* Internal: the BLAS dimensions of a matmul node, shared by the CPU and CUDA
 * kernels. y = op(a) (m, k) · op(b) (k, n); lda and ldb are the leading
 * dimensions of the stored (row-major) a and b. */
#ifndef HN_MATMUL_DIMS_H
#define HN_MATMUL_DIMS_H

#include "core/graph_impl.h"

typedef struct {
    int ta, tb;
    int m, n, k, lda, ldb;
} mm_dims;

static inline mm_dims hn_matmul_dims(const hn_tensor *y)
{
    const hn_tensor *a = y->src[0];
    mm_dims d;
    d.ta = (int)y->ip[0];
    d.tb = (int)y->ip[1];
    d.n = (int)y->shape[y->ndim - 1];
    d.m = (int)(hn_shape_numel(y->ndim, y->shape) / (d.n > 0 ? d.n : 1));
    d.k = (int)(d.ta ? a->shape[0] : a->shape[a->ndim - 1]);
    d.lda = d.ta ? d.m : d.k;
    d.ldb = d.tb ? d.k : d.n;
    return d;
}

#endif
