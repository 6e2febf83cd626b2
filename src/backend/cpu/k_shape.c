/* Reshape (a copy: values keep their order), concatenation and slicing. */
#include <string.h>

#include "backend/cpu/cpu.h"

hn_status hn_cpu_reshape_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    memcpy(y->data, y->src[0]->data, sizeof(float) * (size_t)hn_numel(y));
    return HN_OK;
}

hn_status hn_cpu_reshape_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    float *gx = hn_src_grad(y, 0);
    if (gx) {
        int64_t n = hn_numel(y);
        for (int64_t i = 0; i < n; i++)
            gx[i] += y->grad[i];
    }
    return HN_OK;
}

/* Views x as (outer, n, inner) around the axis: each input contributes a block
 * of n_k·inner values per outer index. forward copies blocks in, backward adds
 * the matching block of dy back. */
static void concat_walk(hn_tensor *y, int backward)
{
    int ax = hn_axis_norm((int)y->ip[0], y->ndim);
    int64_t outer, ny, inner;
    hn_split_axis(y, ax, &outer, &ny, &inner);
    int64_t off = 0;
    for (int k = 0; k < y->n_src; k++) {
        hn_tensor *x = y->src[k];
        int64_t blk = x->shape[ax] * inner;
        float *gx = backward ? hn_src_grad(y, k) : NULL;
        if (!backward || gx)
            for (int64_t o = 0; o < outer; o++) {
                float *ys = y->data + o * ny * inner + off;
                if (!backward) {
                    memcpy(ys, x->data + o * blk, sizeof(float) * (size_t)blk);
                } else {
                    const float *dy = y->grad + o * ny * inner + off;
                    for (int64_t i = 0; i < blk; i++)
                        gx[o * blk + i] += dy[i];
                }
            }
        off += blk;
    }
}

hn_status hn_cpu_concat_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    concat_walk(y, 0);
    return HN_OK;
}
hn_status hn_cpu_concat_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    concat_walk(y, 1);
    return HN_OK;
}

/* ip = {axis, start, len} */
static void slice_walk(hn_tensor *y, int backward)
{
    const hn_tensor *x = y->src[0];
    int ax = hn_axis_norm((int)y->ip[0], x->ndim);
    int64_t outer, nx, inner;
    hn_split_axis(x, ax, &outer, &nx, &inner);
    int64_t start = y->ip[1], len = y->ip[2], blk = len * inner;
    float *gx = backward ? hn_src_grad(y, 0) : NULL;
    if (backward && !gx)
        return;
    for (int64_t o = 0; o < outer; o++) {
        int64_t xo = o * nx * inner + start * inner;
        if (!backward)
            memcpy(y->data + o * blk, x->data + xo, sizeof(float) * (size_t)blk);
        else
            for (int64_t i = 0; i < blk; i++)
                gx[xo + i] += y->grad[o * blk + i];
    }
}

hn_status hn_cpu_slice_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    slice_walk(y, 0);
    return HN_OK;
}
hn_status hn_cpu_slice_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    slice_walk(y, 1);
    return HN_OK;
}
