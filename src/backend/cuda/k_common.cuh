// Device helpers shared by the kernel files: launch sizes, grid-stride loops,
// deterministic block reductions, broadcast index maps.
#ifndef HN_CUDA_K_COMMON_CUH
#define HN_CUDA_K_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "backend/cuda/hn_cuda.h"
#include "core/act_math.h"

static inline int64_t hn_numel(const hn_tensor *t) { return hn_shape_numel(t->ndim, t->shape); }

// Gradient buffer of input k if it needs one, else NULL (as the CPU backend).
static inline float *hn_src_grad(const hn_tensor *y, int k)
{
    const hn_tensor *x = y->src[k];
    return x->requires_grad ? x->grad : NULL;
}

static inline void hn_split_axis(const hn_tensor *x, int axis, int64_t *outer, int64_t *n, int64_t *inner)
{
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= x->shape[i];
    for (int i = axis + 1; i < x->ndim; i++)
        *inner *= x->shape[i];
    *n = x->shape[axis];
}

static inline unsigned hn_blocks(int64_t n)
{
    int64_t b = (n + HN_CUDA_THREADS - 1) / HN_CUDA_THREADS;
    if (b < 1)
        b = 1;
    return (unsigned)(b > (1 << 20) ? (1 << 20) : b);
}

#define HN_GRID_STRIDE(i, n) \
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// Sums v over the block (blockDim.x == HN_CUDA_THREADS) in a fixed tree order;
// the result is valid in thread 0. sh: HN_CUDA_THREADS doubles of shared memory.
__device__ static inline double hn_block_sum(double v, double *sh)
{
    unsigned t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (unsigned s = HN_CUDA_THREADS / 2; s > 0; s >>= 1) {
        if (t < s)
            sh[t] += sh[t + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads(); // sh may be reused at once
    return r;
}


#define HN_LAUNCH_CHECK(what) hn_cuda_launched(what, err)

#endif
