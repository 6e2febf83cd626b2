// Compiled inference on the GPU (include/hepnn/infer.h, hn_infer_set_device).
//
// One event: the whole network is one kernel of one block. The activations
// stay in shared memory; for a dense layer each warp takes four outputs at a
// time, its lanes striding over the inputs of the four weight rows (stored
// (out, in) so the lanes read consecutive floats) and summing with shuffles.
// The weights come from L2, so the time is latency: each lane issues the loads
// of eight input positions of the four rows before it uses any of them, so a
// 300-wide layer costs a few round trips instead of one per input position.
// The event is read from and the outputs written to pinned, mapped host
// memory, so a call is one launch and one wait: no copies.
//
// One event over many blocks (HN_INFER_GRID, opt-in until measured): one
// cooperative kernel whose blocks (at most as many as can run at once) share
// every layer's outputs, one warp per output row, a grid-wide barrier between
// layers. Each block first copies the layer's input vector into its shared
// memory; the activations pass between blocks through a global buffer read
// past L1 (another SM wrote it). A layer's weights are then read by many SMs
// at once instead of streamed through one.
//
// Many events: per dense layer one cuBLASLt product whose epilogue adds the
// bias and applies ReLU (other activations run as one elementwise kernel
// after a bias epilogue), then the task's output head as one kernel. A dense
// layer with few outputs (the output layer of a classifier) is a
// matrix-vector product bound by reading its input: one warp per event.
#include <cooperative_groups.h>
#include <cublasLt.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/k_common.cuh"
#include "hepnn/model.h"
#include "nn/infer_internal.h"

namespace {

struct dstage {
    int kind, in, out, act;
    float alpha;
    float *wt;    // DENSE: (out, in), for the one-event kernel
    float *w;     // DENSE: (in, out), row-major = column-major (out, in) for cuBLASLt
    float *b, *slope, *scale, *shift;
};

// The per-layer cuBLASLt objects for one batch size.
struct ltplan {
    cublasLtMatmulDesc_t mm;
    cublasLtMatrixLayout_t a, x, y;
    cublasLtMatmulAlgo_t algo;
};

} // namespace

struct hn_cuda_infer {
    cudaStream_t stream;
    cublasLtHandle_t lt;
    void *ws;
    size_t ws_size;
    int n_in, n_out, task, n_stages, width;
    dstage *h_st; // host array holding device pointers
    dstage *d_st; // the same array on the device
    float *nshift, *nscale, *tshift, *tscale;
    float *pin_x, *pin_out, *map_x, *map_out; // pinned host memory and its device aliases
    size_t shared_bytes;                      // the one-event kernel's shared memory
    int64_t cap;                              // rows of the batch buffers
    float *bx, *b0, *b1, *bout;
    int tf32, autotune;
    int grid_on;     // one event over many blocks (hn_cuda_infer_set_grid)
    int grid_blocks; // blocks of that kernel (0: the device cannot run it: one block instead)
    float *ga, *gb;  // its activations between layers, width floats each
    int64_t plan_n; // batch size the plans are for (0: none)
    int plan_tf32;
    ltplan *plans;  // n_stages entries (used by DENSE stages)
};

// The activations and the output heads: core/act_math.h, the CPU's text.
__device__ static inline float act_f(int act, float v, float alpha, const float *slope, int j)
{
    return hn_act_fwd(act, v, alpha, act == HN_ACT_PRELU ? slope[j] : 0.0f);
}

// Input positions per lane whose loads are in flight together (one-event kernel).
#define ONE_ILP 8
// Outputs up to which a batched dense layer is one warp per event, not cuBLASLt.
#define SMALL_OUT 8

__device__ static inline float warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

__global__ static void __launch_bounds__(1024) k_one(const dstage *st, int n_stages, int n_in, const float *nshift, const float *nscale,
                             const float *x, float *out, int task, int n_out, const float *tshift,
                             const float *tscale, int width)
{
    extern __shared__ float sh[];
    float *cur = sh, *nxt = sh + width;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, nwarps = blockDim.x >> 5;
    for (int i = tid; i < n_in; i += blockDim.x)
        cur[i] = (x[i] - nshift[i]) * nscale[i];
    __syncthreads();
    for (int s = 0; s < n_stages; s++) {
        const dstage S = st[s];
        if (S.kind == HN_IST_DENSE) {
            for (int j0 = 4 * warp; j0 < S.out; j0 += 4 * nwarps) {
                const int nj = S.out - j0 < 4 ? S.out - j0 : 4;
                const float *w = S.wt + (size_t)j0 * S.in;
                float a[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                for (int base = lane; base < S.in; base += 32 * ONE_ILP) {
                    float xv[ONE_ILP], wv[4][ONE_ILP];
#pragma unroll
                    for (int k = 0; k < ONE_ILP; k++) {
                        const int i = base + 32 * k;
                        const bool ok = i < S.in;
                        xv[k] = ok ? cur[i] : 0.0f;
#pragma unroll
                        for (int r = 0; r < 4; r++)
                            wv[r][k] = ok && r < nj ? w[(size_t)r * S.in + i] : 0.0f;
                    }
#pragma unroll
                    for (int k = 0; k < ONE_ILP; k++)
#pragma unroll
                        for (int r = 0; r < 4; r++)
                            a[r] += xv[k] * wv[r][k];
                }
#pragma unroll
                for (int r = 0; r < 4; r++)
                    a[r] = warp_sum(a[r]);
                if (lane == 0)
                    for (int k = 0; k < nj; k++)
                        nxt[j0 + k] = act_f(S.act, a[k] + S.b[j0 + k], S.alpha, S.slope, j0 + k);
            }
            float *t = cur;
            cur = nxt;
            nxt = t;
        } else if (S.kind == HN_IST_ACT) {
            for (int j = tid; j < S.out; j += blockDim.x)
                cur[j] = act_f(S.act, cur[j], S.alpha, S.slope, j);
        } else {
            for (int j = tid; j < S.out; j += blockDim.x)
                cur[j] = cur[j] * S.scale[j] + S.shift[j];
        }
        __syncthreads();
    }
    if (tid == 0)
        hn_head_row(task, n_out, cur, out, tshift, tscale);
}

// Threads of a block of the many-block one-event kernel.
#define GRID_THREADS 256

// One event over the whole grid (cooperative launch): see the top of the file.
__global__ static void __launch_bounds__(GRID_THREADS)
    k_grid(const dstage *st, int n_stages, int n_in, const float *nshift, const float *nscale, const float *x,
           float *out, int task, int n_out, const float *tshift, const float *tscale, float *ga, float *gb)
{
    namespace cg = cooperative_groups;
    cg::grid_group grid = cg::this_grid();
    extern __shared__ float sh[];
    const int tid = threadIdx.x, lane = tid & 31;
    const int gwarp = (int)((blockIdx.x * blockDim.x + tid) >> 5), nwarps = (int)((gridDim.x * blockDim.x) >> 5);
    const int gtid = (int)(blockIdx.x * blockDim.x + tid), nthreads = (int)(gridDim.x * blockDim.x);
    float *cur = ga, *nxt = gb;
    for (int i = gtid; i < n_in; i += nthreads)
        cur[i] = (x[i] - nshift[i]) * nscale[i];
    grid.sync();
    for (int s = 0; s < n_stages; s++) {
        const dstage S = st[s];
        if (S.kind == HN_IST_DENSE) {
            for (int i = tid; i < S.in; i += blockDim.x)
                sh[i] = __ldcg(cur + i);
            __syncthreads();
            for (int j = gwarp; j < S.out; j += nwarps) {
                const float *w = S.wt + (size_t)j * S.in;
                float a = 0.0f;
                for (int base = lane; base < S.in; base += 32 * ONE_ILP) {
                    float wv[ONE_ILP];
#pragma unroll
                    for (int k = 0; k < ONE_ILP; k++) {
                        const int i = base + 32 * k;
                        wv[k] = i < S.in ? w[i] : 0.0f;
                    }
#pragma unroll
                    for (int k = 0; k < ONE_ILP; k++) {
                        const int i = base + 32 * k;
                        a += i < S.in ? sh[i] * wv[k] : 0.0f;
                    }
                }
                a = warp_sum(a);
                if (lane == 0)
                    nxt[j] = act_f(S.act, a + S.b[j], S.alpha, S.slope, j);
            }
        } else {
            for (int j = gtid; j < S.out; j += nthreads) {
                const float v = __ldcg(cur + j);
                nxt[j] = S.kind == HN_IST_ACT ? act_f(S.act, v, S.alpha, S.slope, j) : v * S.scale[j] + S.shift[j];
            }
        }
        float *t = cur;
        cur = nxt;
        nxt = t;
        grid.sync();
    }
    if (blockIdx.x == 0) {
        for (int j = tid; j < n_out; j += blockDim.x)
            sh[j] = __ldcg(cur + j);
        __syncthreads();
        if (tid == 0)
            hn_head_row(task, n_out, sh, out, tshift, tscale);
    }
}

// y (n, out) = act(x (n, in) · w + b) for out <= SMALL_OUT, w stored (out, in): one
// warp per event, its lanes striding over the event's inputs.
__global__ static void k_dense_small(const float *x, int64_t n, int in, int out, const float *wt, const float *b,
                                     int act, float alpha, const float *slope, float *y)
{
    const int lane = threadIdx.x & 31;
    const int64_t warps = (int64_t)gridDim.x * (blockDim.x >> 5);
    for (int64_t r = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < n; r += warps) {
        const float *xr = x + r * in;
        float a[SMALL_OUT];
#pragma unroll
        for (int j = 0; j < SMALL_OUT; j++)
            a[j] = 0.0f;
        for (int i = lane; i < in; i += 32) {
            const float xi = xr[i];
#pragma unroll
            for (int j = 0; j < SMALL_OUT; j++)
                if (j < out)
                    a[j] += xi * wt[(size_t)j * in + i];
        }
#pragma unroll
        for (int j = 0; j < SMALL_OUT; j++)
            a[j] = warp_sum(a[j]);
        if (lane == 0)
            for (int j = 0; j < out; j++)
                y[r * out + j] = act_f(act, a[j] + b[j], alpha, slope, j);
    }
}

__global__ static void k_norm(const float *x, int64_t n, int f, const float *shift, const float *scale, float *y)
{
    HN_GRID_STRIDE(i, n * f)
    {
        int j = (int)(i % f);
        y[i] = (x[i] - shift[j]) * scale[j];
    }
}

__global__ static void k_act(float *y, int64_t n, int f, int act, float alpha, const float *slope)
{
    HN_GRID_STRIDE(i, n * f)
    y[i] = act_f(act, y[i], alpha, slope, (int)(i % f));
}

__global__ static void k_affine(float *y, int64_t n, int f, const float *scale, const float *shift)
{
    HN_GRID_STRIDE(i, n * f)
    {
        int j = (int)(i % f);
        y[i] = y[i] * scale[j] + shift[j];
    }
}

__global__ static void k_head(const float *z, int64_t n, int o, int task, const float *tshift, const float *tscale,
                              float *out)
{
    HN_GRID_STRIDE(r, n)
    hn_head_row(task, o, z + r * o, out + r * o, tshift, tscale);
}

static hn_status upload(float **dst, const float *src, size_t n, const char *what, hn_error *err)
{
    *dst = NULL;
    if (!src)
        return HN_OK;
    hn_status st = hn_cuda_check(cudaMalloc((void **)dst, sizeof(float) * (n ? n : 1)), what, err);
    if (!st)
        st = hn_cuda_check(cudaMemcpy(*dst, src, sizeof(float) * n, cudaMemcpyHostToDevice), what, err);
    return st;
}

static void plans_free(hn_cuda_infer *c)
{
    for (int i = 0; c->plans && i < c->n_stages; i++) {
        ltplan *p = &c->plans[i];
        if (p->mm)
            cublasLtMatmulDescDestroy(p->mm);
        if (p->a)
            cublasLtMatrixLayoutDestroy(p->a);
        if (p->x)
            cublasLtMatrixLayoutDestroy(p->x);
        if (p->y)
            cublasLtMatrixLayoutDestroy(p->y);
        memset(p, 0, sizeof *p);
    }
    c->plan_n = 0;
}

extern "C" void hn_cuda_infer_free(hn_cuda_infer *c)
{
    if (!c)
        return;
    // teardown: errors here have nowhere to go and change nothing
    if (c->stream)
        (void)cudaStreamSynchronize(c->stream);
    plans_free(c);
    free(c->plans);
    for (int i = 0; c->h_st && i < c->n_stages; i++) {
        dstage *s = &c->h_st[i];
        float *p[6] = {s->wt, s->w, s->b, s->slope, s->scale, s->shift};
        for (int k = 0; k < 6; k++)
            (void)cudaFree(p[k]);
    }
    free(c->h_st);
    float *p[12] = {(float *)c->d_st, c->nshift, c->nscale, c->tshift, c->tscale, c->bx, c->b0, c->b1, c->bout,
                    (float *)c->ws, c->ga, c->gb};
    for (int k = 0; k < 12; k++)
        (void)cudaFree(p[k]);
    (void)cudaFreeHost(c->pin_x);
    (void)cudaFreeHost(c->pin_out);
    if (c->lt)
        (void)cublasLtDestroy(c->lt);
    if (c->stream)
        (void)cudaStreamDestroy(c->stream);
    free(c);
}

// Blocks of the many-block one-event kernel: one warp per output row of the
// widest dense layer, no more than the device runs at once (a cooperative
// launch needs them all resident). None where the device cannot launch
// cooperative kernels or the widest vector does not fit 48 KB of shared
// memory (or its two buffers cannot be allocated): one event then stays one
// block. Failed calls are cleared, as they would otherwise be reported by the
// next launch's check.
static void grid_setup(hn_cuda_infer *c, const hn_infer_desc *d)
{
    int dev = 0, coop = 0, sms = 0, per_sm = 0, widest = 1;
    size_t sh = sizeof(float) * (size_t)c->width;
    for (int i = 0; i < d->n_stages; i++)
        if (d->st[i].kind == HN_IST_DENSE && d->st[i].out > widest)
            widest = d->st[i].out;
    c->grid_blocks = 0;
    if (sh > 48 * 1024 || cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev) != cudaSuccess || !coop ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, k_grid, GRID_THREADS, sh) != cudaSuccess ||
        per_sm < 1) {
        (void)cudaGetLastError();
        return;
    }
    const int warps = GRID_THREADS / 32, want = (widest + warps - 1) / warps;
    const int most = sms * per_sm;
    if (cudaMalloc((void **)&c->ga, sh) != cudaSuccess || cudaMalloc((void **)&c->gb, sh) != cudaSuccess) {
        (void)cudaGetLastError(); // no room for the optional path: one block
        (void)cudaFree(c->ga);
        (void)cudaFree(c->gb);
        c->ga = c->gb = NULL;
        return;
    }
    c->grid_blocks = want < most ? want : most;
}

extern "C" hn_status hn_cuda_infer_new(const hn_infer_desc *d, hn_cuda_infer **out, hn_error *err)
{
    *out = NULL;
    hn_cuda_infer *c = (hn_cuda_infer *)calloc(1, sizeof *c);
    if (!c)
        return hn_error_set(err, HN_ERR_NOMEM, "infer on cuda: out of memory");
    c->n_in = d->n_in;
    c->n_out = d->n_out;
    c->task = d->task;
    c->n_stages = d->n_stages;
    c->width = d->n_in > d->n_out ? d->n_in : d->n_out;
    c->h_st = (dstage *)calloc((size_t)d->n_stages + 1, sizeof(dstage));
    c->plans = (ltplan *)calloc((size_t)d->n_stages + 1, sizeof(ltplan));
    hn_status st = (!c->h_st || !c->plans) ? hn_error_set(err, HN_ERR_NOMEM, "infer on cuda: out of memory") : HN_OK;
    if (!st)
        st = hn_cuda_check(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking), "infer: stream", err);
    if (!st)
        st = hn_cublas_check(cublasLtCreate(&c->lt), "infer: cuBLASLt handle", err);
    c->ws_size = HN_CUDA_BLAS_WS;
    if (!st)
        st = hn_cuda_check(cudaMalloc(&c->ws, c->ws_size), "infer: cuBLASLt workspace", err);
    for (int i = 0; i < d->n_stages && !st; i++) {
        const hn_infer_stage_desc *s = &d->st[i];
        dstage *h = &c->h_st[i];
        h->kind = s->kind, h->in = s->in, h->out = s->out, h->act = s->act, h->alpha = s->alpha;
        c->width = s->out > c->width ? s->out : c->width;
        if (s->kind == HN_IST_DENSE) {
            size_t n = (size_t)s->in * (size_t)s->out;
            float *wt = (float *)malloc(sizeof(float) * (n ? n : 1));
            if (!wt) {
                st = hn_error_set(err, HN_ERR_NOMEM, "infer on cuda: out of memory");
                break;
            }
            for (int r = 0; r < s->in; r++)
                for (int j = 0; j < s->out; j++)
                    wt[(size_t)j * s->in + r] = s->w[(size_t)r * s->out + j];
            st = upload(&h->wt, wt, n, "infer: weights", err);
            free(wt);
            if (!st)
                st = upload(&h->w, s->w, n, "infer: weights", err);
            if (!st)
                st = upload(&h->b, s->b, (size_t)s->out, "infer: biases", err);
        }
        if (!st && s->slope)
            st = upload(&h->slope, s->slope, (size_t)s->out, "infer: PReLU slopes", err);
        if (!st && s->kind == HN_IST_AFFINE) {
            st = upload(&h->scale, s->scale, (size_t)s->out, "infer: batch norm", err);
            if (!st)
                st = upload(&h->shift, s->shift, (size_t)s->out, "infer: batch norm", err);
        }
    }
    if (!st) {
        st = hn_cuda_check(cudaMalloc((void **)&c->d_st, sizeof(dstage) * ((size_t)d->n_stages + 1)), "infer: stages",
                           err);
        if (!st)
            st = hn_cuda_check(cudaMemcpy(c->d_st, c->h_st, sizeof(dstage) * (size_t)d->n_stages,
                                          cudaMemcpyHostToDevice),
                               "infer: stages", err);
    }
    if (!st)
        st = upload(&c->nshift, d->norm_shift, (size_t)d->n_in, "infer: standardisation", err);
    if (!st)
        st = upload(&c->nscale, d->norm_scale, (size_t)d->n_in, "infer: standardisation", err);
    if (!st && d->tshift)
        st = upload(&c->tshift, d->tshift, (size_t)d->n_out, "infer: target standardisation", err);
    if (!st && d->tscale)
        st = upload(&c->tscale, d->tscale, (size_t)d->n_out, "infer: target standardisation", err);
    if (!st)
        st = hn_cuda_check(cudaHostAlloc((void **)&c->pin_x, sizeof(float) * (size_t)d->n_in, cudaHostAllocMapped),
                           "infer: pinned input", err);
    if (!st)
        st = hn_cuda_check(cudaHostAlloc((void **)&c->pin_out, sizeof(float) * (size_t)d->n_out, cudaHostAllocMapped),
                           "infer: pinned output", err);
    if (!st)
        st = hn_cuda_check(cudaHostGetDevicePointer((void **)&c->map_x, c->pin_x, 0), "infer: mapped input", err);
    if (!st)
        st = hn_cuda_check(cudaHostGetDevicePointer((void **)&c->map_out, c->pin_out, 0), "infer: mapped output",
                           err);
    c->shared_bytes = 2 * sizeof(float) * (size_t)c->width;
    if (!st && c->shared_bytes > 48 * 1024) {
        int most = 0, dev = 0;
        st = hn_cuda_check(cudaGetDevice(&dev), "infer: device", err);
        if (!st)
            st = hn_cuda_check(cudaDeviceGetAttribute(&most, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev),
                               "infer: shared memory", err);
        if (!st && c->shared_bytes <= (size_t)most)
            st = hn_cuda_check(cudaFuncSetAttribute(k_one, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                    (int)c->shared_bytes),
                               "infer: shared memory", err);
        else if (!st)
            c->shared_bytes = 0; // too wide for one block: one event takes the batched path
    }
    if (!st)
        grid_setup(c, d);
    if (st) {
        hn_cuda_infer_free(c);
        return st;
    }
    *out = c;
    return HN_OK;
}

extern "C" void hn_cuda_infer_set_tf32(hn_cuda_infer *c, int on) { c->tf32 = on; }
extern "C" void hn_cuda_infer_set_autotune(hn_cuda_infer *c, int on) { c->autotune = on; }
extern "C" void hn_cuda_infer_set_grid(hn_cuda_infer *c, int on) { c->grid_on = on; }

extern "C" hn_status hn_cuda_infer_run1(hn_cuda_infer *c, const float *x, float *out, hn_error *err)
{
    if (!c->shared_bytes) {
        memcpy(c->pin_x, x, sizeof(float) * (size_t)c->n_in);
        hn_status st = hn_cuda_infer_run_batch(c, c->pin_x, 1, c->pin_out, 0, err);
        if (!st)
            memcpy(out, c->pin_out, sizeof(float) * (size_t)c->n_out);
        return st;
    }
    if (c->grid_on && c->grid_blocks) {
        memcpy(c->pin_x, x, sizeof(float) * (size_t)c->n_in);
        void *args[] = {&c->d_st,  &c->n_stages, &c->n_in,   &c->nshift, &c->nscale, &c->map_x, &c->map_out,
                        &c->task,  &c->n_out,    &c->tshift, &c->tscale, &c->ga,     &c->gb};
        hn_status st = hn_cuda_check(cudaLaunchCooperativeKernel((const void *)k_grid, dim3((unsigned)c->grid_blocks),
                                                                 dim3(GRID_THREADS), args,
                                                                 sizeof(float) * (size_t)c->width, c->stream),
                                     "infer: one event over many blocks", err);
        if (!st)
            st = hn_cuda_check(cudaStreamSynchronize(c->stream), "infer: one event over many blocks", err);
        if (!st)
            memcpy(out, c->pin_out, sizeof(float) * (size_t)c->n_out);
        return st;
    }
    memcpy(c->pin_x, x, sizeof(float) * (size_t)c->n_in);
    k_one<<<1, 1024, c->shared_bytes, c->stream>>>(c->d_st, c->n_stages, c->n_in, c->nshift, c->nscale, c->map_x,
                                                    c->map_out, c->task, c->n_out, c->tshift, c->tscale, c->width);
    hn_status st = hn_cuda_launched("infer: one event", err);
    if (!st)
        st = hn_cuda_check(cudaStreamSynchronize(c->stream), "infer: one event", err);
    if (!st)
        memcpy(out, c->pin_out, sizeof(float) * (size_t)c->n_out);
    return st;
}

static hn_status grow(hn_cuda_infer *c, int64_t n, hn_error *err)
{
    if (n <= c->cap)
        return HN_OK;
    float **b[4] = {&c->bx, &c->b0, &c->b1, &c->bout};
    size_t cols[4] = {(size_t)c->n_in, (size_t)c->width, (size_t)c->width, (size_t)c->n_out};
    for (int k = 0; k < 4; k++) {
        (void)cudaFree(*b[k]);
        *b[k] = NULL;
    }
    c->cap = 0;
    for (int k = 0; k < 4; k++) {
        char what[96];
        snprintf(what, sizeof what, "infer: batch buffer of %lld x %zu floats", (long long)n, cols[k]);
        hn_status st = hn_cuda_check(cudaMalloc((void **)b[k], sizeof(float) * (size_t)n * cols[k]), what, err);
        if (st)
            return st;
    }
    c->cap = n;
    return HN_OK;
}

// Times algo on the stage's product (median of 3), in milliseconds; < 0 if it fails.
static float time_algo(hn_cuda_infer *c, const dstage *s, ltplan *p, const cublasLtMatmulAlgo_t *algo)
{
    const float one = 1.0f, zero = 0.0f;
    cudaEvent_t e0, e1;
    if (cudaEventCreate(&e0) != cudaSuccess)
        return -1.0f;
    if (cudaEventCreate(&e1) != cudaSuccess) {
        (void)cudaEventDestroy(e0);
        return -1.0f;
    }
    float t[3] = {-1.0f, -1.0f, -1.0f};
    for (int r = 0; r < 4; r++) { // the first run warms up
        (void)cudaEventRecord(e0, c->stream);
        cublasStatus_t bs = cublasLtMatmul(c->lt, p->mm, &one, s->w, p->a, c->b0, p->x, &zero, c->b1, p->y, c->b1,
                                           p->y, algo, c->ws, c->ws_size, c->stream);
        (void)cudaEventRecord(e1, c->stream);
        if (bs != CUBLAS_STATUS_SUCCESS || cudaEventSynchronize(e1) != cudaSuccess) {
            t[0] = t[1] = t[2] = -1.0f;
            break;
        }
        if (r > 0)
            (void)cudaEventElapsedTime(&t[r - 1], e0, e1);
    }
    (void)cudaEventDestroy(e0);
    (void)cudaEventDestroy(e1);
    float lo = fminf(t[0], fminf(t[1], t[2])), hi = fmaxf(t[0], fmaxf(t[1], t[2]));
    return t[0] + t[1] + t[2] - lo - hi;
}

// The cuBLASLt descriptors and algorithm of every dense stage for batch n.
static hn_status plan(hn_cuda_infer *c, int64_t n, hn_error *err)
{
    if (c->plan_n == n && c->plan_tf32 == c->tf32)
        return HN_OK;
    plans_free(c);
    cublasLtMatmulPreference_t pref = NULL;
    hn_status st = hn_cublas_check(cublasLtMatmulPreferenceCreate(&pref), "infer: cuBLASLt preference", err);
    size_t ws = c->ws_size;
    if (!st)
        st = hn_cublas_check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                                                  sizeof ws),
                             "infer: cuBLASLt preference", err);
    for (int i = 0; i < c->n_stages && !st; i++) {
        const dstage *s = &c->h_st[i];
        ltplan *p = &c->plans[i];
        if (s->kind != HN_IST_DENSE || s->out <= SMALL_OUT)
            continue;
        char what[128];
        snprintf(what, sizeof what, "infer: cuBLASLt plan of stage %d (%d -> %d) at batch %lld", i + 1, s->in, s->out,
                 (long long)n);
        cublasLtEpilogue_t epi = s->act == HN_ACT_RELU ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
        const void *bias = s->b;
        st = hn_cublas_check(
            cublasLtMatmulDescCreate(&p->mm, c->tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUDA_R_32F),
            what, err);
        if (!st)
            st = hn_cublas_check(cublasLtMatmulDescSetAttribute(p->mm, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi),
                                 what, err);
        if (!st)
            st = hn_cublas_check(
                cublasLtMatmulDescSetAttribute(p->mm, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias), what, err);
        // column-major: y (out, n) = w (out, in) · x (in, n)
        if (!st)
            st = hn_cublas_check(cublasLtMatrixLayoutCreate(&p->a, CUDA_R_32F, (uint64_t)s->out, (uint64_t)s->in, s->out),
                                 what, err);
        if (!st)
            st = hn_cublas_check(cublasLtMatrixLayoutCreate(&p->x, CUDA_R_32F, (uint64_t)s->in, (uint64_t)n, s->in),
                                 what, err);
        if (!st)
            st = hn_cublas_check(cublasLtMatrixLayoutCreate(&p->y, CUDA_R_32F, (uint64_t)s->out, (uint64_t)n, s->out),
                                 what, err);
        cublasLtMatmulHeuristicResult_t res[8];
        int got = 0;
        if (!st)
            st = hn_cublas_check(cublasLtMatmulAlgoGetHeuristic(c->lt, p->mm, p->a, p->x, p->y, p->y, pref,
                                                                c->autotune ? 8 : 1, res, &got),
                                 what, err);
        if (!st && got < 1)
            st = hn_error_set(err, HN_ERR_BACKEND, "%s: cuBLASLt has no algorithm", what);
        if (st)
            break;
        int best = 0;
        if (c->autotune && got > 1) {
            float tbest = -1.0f;
            for (int k = 0; k < got; k++) {
                float t = time_algo(c, s, p, &res[k].algo);
                if (t >= 0.0f && (tbest < 0.0f || t < tbest))
                    tbest = t, best = k;
            }
        }
        p->algo = res[best].algo;
    }
    if (pref)
        cublasLtMatmulPreferenceDestroy(pref);
    if (st) {
        plans_free(c);
        return st;
    }
    c->plan_n = n;
    c->plan_tf32 = c->tf32;
    return HN_OK;
}

extern "C" hn_status hn_cuda_infer_run_batch(hn_cuda_infer *c, const float *x, int64_t n, float *out, int on_device,
                                             hn_error *err)
{
    if (n == 0)
        return HN_OK;
    hn_status st = grow(c, n, err);
    if (!st)
        st = plan(c, n, err);
    if (st)
        return st;
    const float *xd = on_device ? x : c->bx;
    float *od = on_device ? out : c->bout;
    if (!on_device)
        st = hn_cuda_check(cudaMemcpyAsync(c->bx, x, sizeof(float) * (size_t)(n * c->n_in), cudaMemcpyHostToDevice,
                                           c->stream),
                           "infer: inputs to the device", err);
    float *cur = c->b0, *other = c->b1;
    if (!st) {
        k_norm<<<hn_blocks(n * c->n_in), HN_CUDA_THREADS, 0, c->stream>>>(xd, n, c->n_in, c->nshift, c->nscale, cur);
        st = hn_cuda_launched("infer: standardisation", err);
    }
    const float one = 1.0f, zero = 0.0f;
    for (int i = 0; i < c->n_stages && !st; i++) {
        const dstage *s = &c->h_st[i];
        if (s->kind == HN_IST_DENSE && s->out <= SMALL_OUT) {
            unsigned blocks = (unsigned)((n + 7) / 8 < 65536 ? (n + 7) / 8 : 65536); // 8 warps per block
            k_dense_small<<<blocks, 256, 0, c->stream>>>(cur, n, s->in, s->out, s->wt, s->b, s->act, s->alpha,
                                                        s->slope, other);
            st = hn_cuda_launched("infer: dense layer with few outputs", err);
            float *t = cur;
            cur = other;
            other = t;
        } else if (s->kind == HN_IST_DENSE) {
            ltplan *p = &c->plans[i];
            st = hn_cublas_check(cublasLtMatmul(c->lt, p->mm, &one, s->w, p->a, cur, p->x, &zero, other, p->y, other,
                                                p->y, &p->algo, c->ws, c->ws_size, c->stream),
                                 "infer: dense layer product", err);
            float *t = cur;
            cur = other;
            other = t;
            if (!st && s->act != HN_ACT_RELU && s->act != HN_ACT_IDENTITY) {
                k_act<<<hn_blocks(n * s->out), HN_CUDA_THREADS, 0, c->stream>>>(cur, n, s->out, s->act, s->alpha,
                                                                                 s->slope);
                st = hn_cuda_launched("infer: activation", err);
            }
        } else if (s->kind == HN_IST_ACT) {
            k_act<<<hn_blocks(n * s->out), HN_CUDA_THREADS, 0, c->stream>>>(cur, n, s->out, s->act, s->alpha, s->slope);
            st = hn_cuda_launched("infer: activation", err);
        } else {
            k_affine<<<hn_blocks(n * s->out), HN_CUDA_THREADS, 0, c->stream>>>(cur, n, s->out, s->scale, s->shift);
            st = hn_cuda_launched("infer: batch norm", err);
        }
    }
    if (!st) {
        k_head<<<hn_blocks(n), HN_CUDA_THREADS, 0, c->stream>>>(cur, n, c->n_out, c->task, c->tshift, c->tscale, od);
        st = hn_cuda_launched("infer: output head", err);
    }
    if (!st && !on_device)
        st = hn_cuda_check(cudaMemcpyAsync(out, c->bout, sizeof(float) * (size_t)(n * c->n_out),
                                           cudaMemcpyDeviceToHost, c->stream),
                           "infer: outputs to the host", err);
    if (!st)
        st = hn_cuda_check(cudaStreamSynchronize(c->stream), "infer: batch", err);
    return st;
}
