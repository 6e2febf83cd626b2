// Batch normalisation per channel: x (B, C, inner) -> y, the same shape.
// One block per channel; its sums are block reductions in double in a fixed
// order. aux keeps the mean and 1/σ per channel and whether they came from
// the batch (training) or the running statistics (evaluation), as on the CPU.
#include <math.h>

#include "backend/cuda/k_common.cuh"

static void dims(const hn_tensor *x, int64_t *b, int64_t *c, int64_t *inner)
{
    *b = x->shape[0];
    *c = x->shape[1];
    *inner = 1;
    for (int i = 2; i < x->ndim; i++)
        *inner *= x->shape[i];
}

__global__ static void k_bn_fwd(const float *x, const float *gamma, const float *beta, float *rm, float *rv, float *out,
                                float *aux, int64_t b, int64_t c, int64_t inner, float momentum, float eps,
                                int batch_stats)
{
    __shared__ double sh[HN_CUDA_THREADS];
    int64_t ch = blockIdx.x, m = b * inner;
    float *mean = aux, *istd = aux + c;
    double mu, var;
    if (batch_stats) {
        double s = 0.0;
        for (int64_t r = threadIdx.x; r < m; r += blockDim.x)
            s += x[((r / inner) * c + ch) * inner + r % inner];
        mu = hn_block_sum(s, sh) / (double)m;
        double s2 = 0.0;
        for (int64_t r = threadIdx.x; r < m; r += blockDim.x) {
            double d = x[((r / inner) * c + ch) * inner + r % inner] - mu;
            s2 += d * d;
        }
        s2 = hn_block_sum(s2, sh);
        var = s2 / (double)m;
        double unbiased = m > 1 ? s2 / (double)(m - 1) : var;
        if (threadIdx.x == 0) {
            rm[ch] = (float)((1.0 - momentum) * rm[ch] + momentum * mu);
            rv[ch] = (float)((1.0 - momentum) * rv[ch] + momentum * unbiased);
        }
    } else {
        mu = rm[ch];
        var = rv[ch];
    }
    float mf = (float)mu, isf = (float)(1.0 / sqrt(var + (double)eps));
    if (threadIdx.x == 0) {
        mean[ch] = mf;
        istd[ch] = isf;
        if (ch == 0)
            aux[2 * c] = (float)batch_stats;
    }
    for (int64_t r = threadIdx.x; r < m; r += blockDim.x) {
        int64_t j = ((r / inner) * c + ch) * inner + r % inner;
        out[j] = gamma[ch] * (x[j] - mf) * isf + beta[ch];
    }
}

__global__ static void k_bn_bwd(const float *x, const float *gamma, const float *dy, const float *aux, float *gx,
                                float *ggamma, float *gbeta, int64_t b, int64_t c, int64_t inner)
{
    __shared__ double sh[HN_CUDA_THREADS];
    int64_t ch = blockIdx.x, mi = b * inner;
    const float *mean = aux, *istd = aux + c;
    int batch_stats = aux[2 * c] != 0.0f;
    double m = (double)mi;
    float mf = mean[ch], isf = istd[ch];
    double sdy = 0.0, sdyx = 0.0; // Σ dy and Σ dy·x̂ over the channel
    for (int64_t r = threadIdx.x; r < mi; r += blockDim.x) {
        int64_t j = ((r / inner) * c + ch) * inner + r % inner;
        sdy += dy[j];
        sdyx += (double)dy[j] * (x[j] - mf) * isf;
    }
    sdy = hn_block_sum(sdy, sh);
    sdyx = hn_block_sum(sdyx, sh);
    if (threadIdx.x == 0) {
        if (ggamma)
            ggamma[ch] += (float)sdyx;
        if (gbeta)
            gbeta[ch] += (float)sdy;
    }
    if (!gx)
        return;
    for (int64_t r = threadIdx.x; r < mi; r += blockDim.x) {
        int64_t j = ((r / inner) * c + ch) * inner + r % inner;
        if (batch_stats) { // μ and σ depend on x too
            double xh = (x[j] - mf) * isf;
            gx[j] += (float)(gamma[ch] * isf * (dy[j] - sdy / m - xh * sdyx / m));
        } else {
            gx[j] += gamma[ch] * isf * dy[j];
        }
    }
}

extern "C" hn_status hn_cuda_batchnorm_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *xt = y->src[0];
    int64_t b, c, inner;
    dims(xt, &b, &c, &inner);
    if (c == 0 || b * inner == 0)
        return HN_OK;
    k_bn_fwd<<<(unsigned)c, HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(
        xt->data, y->src[1]->data, y->src[2]->data, y->src[3]->data, y->src[4]->data, y->data, y->aux, b, c, inner,
        y->fp[0], y->fp[1], g->training);
    return HN_LAUNCH_CHECK("batchnorm forward");
}

extern "C" hn_status hn_cuda_batchnorm_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    const hn_tensor *xt = y->src[0];
    float *gx = hn_src_grad(y, 0), *ggamma = hn_src_grad(y, 1), *gbeta = hn_src_grad(y, 2);
    int64_t b, c, inner;
    dims(xt, &b, &c, &inner);
    if (c == 0 || b * inner == 0)
        return HN_OK;
    k_bn_bwd<<<(unsigned)c, HN_CUDA_THREADS, 0, hn_cuda_ctx_of(g)->stream>>>(xt->data, y->src[1]->data, y->grad, y->aux,
                                                                             gx, ggamma, gbeta, b, c, inner);
    return HN_LAUNCH_CHECK("batchnorm backward");
}
