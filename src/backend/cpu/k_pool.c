/* Max, average and global average pooling over (B, C, H, W) or (B, C, L)
 * (H = 1). ip = {kh, kw, stride_h, stride_w, pad_h, pad_w}. */
#include <math.h>

#include "backend/cpu/cpu.h"
#include "core/deep_math.h"

/* aux holds, per output, the index of its maximum within the plane (exact
 * in float up to 2^24 positions per plane). */
/* One plane of the common 2 × 2, stride 2 pooling without padding, written
 * as selects over whole output rows so the compiler vectorises it across
 * outputs (one comparison chain per output, as in the general loop: the
 * first maximum wins, the index is exact in float). */
static void maxpool_2x2(const float *xp, float *yp, float *ap, int64_t w, int64_t oh, int64_t ow)
{
    for (int64_t oy = 0; oy < oh; oy++) {
        const float *r0 = xp + 2 * oy * w, *r1 = r0 + w;
        float *yr = yp + oy * ow, *ar = ap + oy * ow;
        const float fb = (float)(2 * oy * w), fw = (float)w;
        for (int64_t ox = 0; ox < ow; ox++) {
            float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], e = r1[2 * ox + 1];
            float k = fb + (float)(2 * ox), best = a, arg = k;
            arg = b > best ? k + 1.0f : arg;
            best = b > best ? b : best;
            arg = c > best ? k + fw : arg;
            best = c > best ? c : best;
            arg = e > best ? k + fw + 1.0f : arg;
            best = e > best ? e : best;
            yr[ox] = best;
            ar[ox] = arg;
        }
    }
}

hn_status hn_cpu_maxpool_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    hn_pool_dims d = hn_pool_dims_of(y);
    if (d.h * d.w > (1 << 24))
        return hn_error_set(err, HN_ERR_SHAPE, "maxpool: %lld positions per plane, at most 2^24",
                            (long long)(d.h * d.w));
    const float *x = y->src[0]->data;
    if (d.ph == 0 && d.pw == 0 && d.kh == 2 && d.kw == 2 && d.sh == 2 && d.sw == 2) {
#pragma omp parallel for if (d.planes * d.oh * d.ow * 4 > HN_PAR_MIN) schedule(static)
        for (int64_t pl = 0; pl < d.planes; pl++)
            maxpool_2x2(x + pl * d.h * d.w, y->data + pl * d.oh * d.ow, y->aux + pl * d.oh * d.ow, d.w, d.oh, d.ow);
        return HN_OK;
    }
    if (d.ph == 0 && d.pw == 0) { /* every window inside the image: no bounds to test */
#pragma omp parallel for if (d.planes * d.oh * d.ow * d.kh * d.kw > HN_PAR_MIN) schedule(static)
        for (int64_t pl = 0; pl < d.planes; pl++) {
            const float *xp = x + pl * d.h * d.w;
            float *yp = y->data + pl * d.oh * d.ow, *ap = y->aux + pl * d.oh * d.ow;
            for (int64_t oy = 0; oy < d.oh; oy++)
                for (int64_t ox = 0; ox < d.ow; ox++) {
                    int64_t at = oy * d.sh * d.w + ox * d.sw, arg = at;
                    float best = xp[at];
                    for (int64_t i = 0; i < d.kh; i++)
                        for (int64_t j = 0; j < d.kw; j++) {
                            float v = xp[at + i * d.w + j];
                            if (v > best) {
                                best = v;
                                arg = at + i * d.w + j;
                            }
                        }
                    yp[oy * d.ow + ox] = best;
                    ap[oy * d.ow + ox] = (float)arg;
                }
        }
        return HN_OK;
    }
#pragma omp parallel for if (d.planes * d.oh * d.ow * d.kh * d.kw > HN_PAR_MIN) schedule(static)
    for (int64_t pl = 0; pl < d.planes; pl++) {
        const float *xp = x + pl * d.h * d.w;
        for (int64_t oy = 0; oy < d.oh; oy++)
            for (int64_t ox = 0; ox < d.ow; ox++) {
                int64_t arg, o = (pl * d.oh + oy) * d.ow + ox;
                y->data[o] = hn_maxpool_window(xp, &d, oy, ox, &arg);
                y->aux[o] = (float)arg;
            }
    }
    return HN_OK;
}

hn_status hn_cpu_maxpool_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    hn_pool_dims d = hn_pool_dims_of(y);
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return HN_OK;
    int64_t per = d.oh * d.ow;
#pragma omp parallel for if (d.planes * per > HN_PAR_MIN) schedule(static)
    for (int64_t pl = 0; pl < d.planes; pl++)
        for (int64_t o = pl * per; o < (pl + 1) * per; o++)
            gx[pl * d.h * d.w + (int64_t)y->aux[o]] += y->grad[o];
    return HN_OK;
}

/* Average over the window, padded positions counted as zeros. backward=1
 * spreads dy/(kh·kw) over the window instead. */
static void avg_walk(hn_tensor *y, int backward)
{
    hn_pool_dims d = hn_pool_dims_of(y);
    const float *x = y->src[0]->data;
    float *gx = backward ? hn_src_grad(y, 0) : NULL;
    if (backward && !gx)
        return;
    float inv = 1.0f / (float)(d.kh * d.kw);
#pragma omp parallel for if (d.planes * d.oh * d.ow * d.kh * d.kw > HN_PAR_MIN) schedule(static)
    for (int64_t pl = 0; pl < d.planes; pl++)
        for (int64_t oy = 0; oy < d.oh; oy++)
            for (int64_t ox = 0; ox < d.ow; ox++) {
                int64_t o = (pl * d.oh + oy) * d.ow + ox;
                float s = 0.0f, dy = backward ? y->grad[o] * inv : 0.0f;
                for (int64_t i = 0; i < d.kh; i++) {
                    int64_t iy = oy * d.sh - d.ph + i;
                    if (iy < 0 || iy >= d.h)
                        continue;
                    for (int64_t j = 0; j < d.kw; j++) {
                        int64_t ix = ox * d.sw - d.pw + j;
                        if (ix < 0 || ix >= d.w)
                            continue;
                        int64_t k = pl * d.h * d.w + iy * d.w + ix;
                        if (backward)
                            gx[k] += dy;
                        else
                            s += x[k];
                    }
                }
                if (!backward)
                    y->data[o] = s * inv;
            }
}

hn_status hn_cpu_avgpool_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    avg_walk(y, 0);
    return HN_OK;
}
hn_status hn_cpu_avgpool_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    avg_walk(y, 1);
    return HN_OK;
}

// x (B, C, P...) -> y (B, C)
hn_status hn_cpu_global_avgpool_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    int64_t planes = hn_numel(y), p = hn_numel(y->src[0]) / (planes > 0 ? planes : 1);
    const float *x = y->src[0]->data;
#pragma omp parallel for if (planes * p > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < planes; i++) {
        double s = 0.0;
        for (int64_t k = 0; k < p; k++)
            s += x[i * p + k];
        y->data[i] = (float)(s / (double)p);
    }
    return HN_OK;
}

hn_status hn_cpu_global_avgpool_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    float *gx = hn_src_grad(y, 0);
    if (!gx)
        return HN_OK;
    int64_t planes = hn_numel(y), p = hn_numel(y->src[0]) / (planes > 0 ? planes : 1);
#pragma omp parallel for if (planes * p > HN_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < planes; i++) {
        float d = y->grad[i] / (float)p;
        for (int64_t k = 0; k < p; k++)
            gx[i * p + k] += d;
    }
    return HN_OK;
}
