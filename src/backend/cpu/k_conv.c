/* Convolution and transposed convolution, lowered to matrix products.
 *
 * Convolution: im2col writes one image's receptive fields as columns,
 * col (C·kh·kw, P) with P = Ho·Wo (long contiguous runs along the output
 * row), and y_n (Cout, P) = W (Cout, C·kh·kw) · col_n is one cblas_sgemm per
 * image, already in the (B, Cout, Ho, Wo) layout.
 * Transposed convolution: im2row writes, per grid position, the receptive
 * field as a row, rows (P, C·kh·kw); the map runs backwards: rows = X (B·H·W,
 * Cin) · W for the whole batch, scattered back into the image (row2im). */
#include <cblas.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "core/deep_math.h"

// img (c, h, w) -> rows (oh·ow, c·kh·kw)
static void im2row(const float *img, float *rows, const hn_conv_geom *q)
{
    int64_t k = q->c * q->kh * q->kw;
    for (int64_t oy = 0; oy < q->oh; oy++)
        for (int64_t ox = 0; ox < q->ow; ox++) {
            float *r = rows + (oy * q->ow + ox) * k;
            for (int64_t ci = 0; ci < q->c; ci++)
                for (int64_t i = 0; i < q->kh; i++) {
                    int64_t iy = oy * q->sh - q->pt + i * q->dh;
                    const float *src = img + (ci * q->h + iy) * q->w;
                    int row_ok = iy >= 0 && iy < q->h;
                    int64_t x0 = ox * q->sw - q->pl, x1 = x0 + (q->kw - 1) * q->dw;
                    if (row_ok && q->dw == 1 && x0 >= 0 && x1 < q->w) { /* the common case: one run */
                        for (int64_t j = 0; j < q->kw; j++)
                            r[j] = src[x0 + j];
                        r += q->kw;
                        continue;
                    }
                    for (int64_t j = 0; j < q->kw; j++) {
                        int64_t ix = ox * q->sw - q->pl + j * q->dw;
                        *r++ = (row_ok && ix >= 0 && ix < q->w) ? src[ix] : 0.0f;
                    }
                }
        }
}

// rows (oh·ow, c·kh·kw) -> img (c, h, w), accumulated
static void row2im(const float *rows, float *img, const hn_conv_geom *q)
{
    int64_t k = q->c * q->kh * q->kw;
    for (int64_t oy = 0; oy < q->oh; oy++)
        for (int64_t ox = 0; ox < q->ow; ox++) {
            const float *r = rows + (oy * q->ow + ox) * k;
            for (int64_t ci = 0; ci < q->c; ci++)
                for (int64_t i = 0; i < q->kh; i++) {
                    int64_t iy = oy * q->sh - q->pt + i * q->dh;
                    if (iy < 0 || iy >= q->h) {
                        r += q->kw;
                        continue;
                    }
                    float *dst = img + (ci * q->h + iy) * q->w;
                    int64_t x0 = ox * q->sw - q->pl, x1 = x0 + (q->kw - 1) * q->dw;
                    if (q->dw == 1 && x0 >= 0 && x1 < q->w) { /* one run inside the row */
                        for (int64_t j = 0; j < q->kw; j++)
                            dst[x0 + j] += r[j];
                        r += q->kw;
                        continue;
                    }
                    for (int64_t j = 0; j < q->kw; j++, r++) {
                        int64_t ix = ox * q->sw - q->pl + j * q->dw;
                        if (ix >= 0 && ix < q->w)
                            dst[ix] += *r;
                    }
                }
        }
}

/* The valid output range along one axis for kernel offset off = j·d − pad:
 * lo <= o < hi have 0 <= o·s + off < n. */
static void valid_range(int64_t n, int64_t out, int64_t s, int64_t off, int64_t *lo, int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = n - off <= 0 ? 0 : (n - off - 1) / s + 1;
    *lo = a < out ? a : out;
    *hi = b < out ? b : out;
    if (*hi < *lo)
        *hi = *lo;
}

// img (c, h, w) -> col (c·kh·kw, oh·ow): one row per kernel tap, long runs along ow
static void im2col(const float *img, float *col, const hn_conv_geom *q)
{
    for (int64_t ci = 0; ci < q->c; ci++)
        for (int64_t i = 0; i < q->kh; i++)
            for (int64_t j = 0; j < q->kw; j++) {
                float *dst = col + ((ci * q->kh + i) * q->kw + j) * q->oh * q->ow;
                int64_t xo = j * q->dw - q->pl, ylo, yhi, xlo, xhi;
                valid_range(q->h, q->oh, q->sh, i * q->dh - q->pt, &ylo, &yhi);
                valid_range(q->w, q->ow, q->sw, xo, &xlo, &xhi);
                for (int64_t oy = 0; oy < q->oh; oy++) {
                    float *d = dst + oy * q->ow;
                    if (oy < ylo || oy >= yhi) {
                        memset(d, 0, sizeof(float) * (size_t)q->ow);
                        continue;
                    }
                    const float *src = img + (ci * q->h + oy * q->sh - q->pt + i * q->dh) * q->w + xo;
                    for (int64_t ox = 0; ox < xlo; ox++)
                        d[ox] = 0.0f;
                    if (q->sw == 1)
                        memcpy(d + xlo, src + xlo, sizeof(float) * (size_t)(xhi - xlo));
                    else
                        for (int64_t ox = xlo; ox < xhi; ox++)
                            d[ox] = src[ox * q->sw];
                    for (int64_t ox = xhi; ox < q->ow; ox++)
                        d[ox] = 0.0f;
                }
            }
}

// col (c·kh·kw, oh·ow) -> img (c, h, w), accumulated
static void col2im(const float *col, float *img, const hn_conv_geom *q)
{
    for (int64_t ci = 0; ci < q->c; ci++)
        for (int64_t i = 0; i < q->kh; i++)
            for (int64_t j = 0; j < q->kw; j++) {
                const float *srcr = col + ((ci * q->kh + i) * q->kw + j) * q->oh * q->ow;
                int64_t xo = j * q->dw - q->pl, ylo, yhi, xlo, xhi;
                valid_range(q->h, q->oh, q->sh, i * q->dh - q->pt, &ylo, &yhi);
                valid_range(q->w, q->ow, q->sw, xo, &xlo, &xhi);
                for (int64_t oy = ylo; oy < yhi; oy++) {
                    const float *s = srcr + oy * q->ow;
                    float *d = img + (ci * q->h + oy * q->sh - q->pt + i * q->dh) * q->w + xo;
                    for (int64_t ox = xlo; ox < xhi; ox++)
                        d[ox * q->sw] += s[ox];
                }
            }
}

// rows (B·P, C) <- in (B, C, P)
static void chw_to_rows(const float *in, float *rows, int64_t b, int64_t c, int64_t p)
{
#pragma omp parallel for if (b * c * p > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++)
        for (int64_t i = 0; i < p; i++) {
            float *r = rows + (n * p + i) * c;
            const float *src = in + n * c * p + i;
            for (int64_t ch = 0; ch < c; ch++)
                r[ch] = src[ch * p];
        }
}

/* db (C) += Σ over batch and positions of dy (B, C, P), in double, per channel. */
static void bias_grad(const float *dy, float *db, int64_t b, int64_t c, int64_t p)
{
#pragma omp parallel for if (b * c * p > HN_PAR_MIN) schedule(static)
    for (int64_t ch = 0; ch < c; ch++) {
        double s = 0.0;
        for (int64_t n = 0; n < b; n++) { /* a float sum per plane (vectorises), planes summed in double */
            const float *d = dy + (n * c + ch) * p;
            float sp = 0.0f;
            for (int64_t i = 0; i < p; i++)
                sp += d[i];
            s += sp;
        }
        db[ch] += (float)s;
    }
}

// x (B, Cin, H, W), w (Cout, K = Cin·kh·kw) -> y (B, Cout, Ho, Wo)
// per image: y_n (Cout, P) = W (Cout, K) · col_n (K, P), already in the output's layout
hn_status hn_cpu_conv_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_conv_geom_of(y);
    int64_t b = x->shape[0], cout = y->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    int64_t xs = q.c * q.h * q.w;
    float *col = y->aux;
    const float *w = y->src[1]->data, *bias = y->n_src == 3 ? y->src[2]->data : NULL;
#pragma omp parallel for if (b * p * k > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++)
        im2col(x->data + n * xs, col + n * k * p, &q);
    for (int64_t n = 0; n < b; n++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)cout, (int)p, (int)k, 1.0f, w, (int)k,
                    col + n * k * p, (int)p, 0.0f, y->data + n * cout * p, (int)p);
    if (bias)
#pragma omp parallel for if (b * cout * p > HN_PAR_MIN) schedule(static)
        for (int64_t n = 0; n < b; n++)
            for (int64_t ch = 0; ch < cout; ch++) {
                float *o = y->data + (n * cout + ch) * p, add = bias[ch];
                for (int64_t i = 0; i < p; i++)
                    o[i] += add;
            }
    return HN_OK;
}

hn_status hn_cpu_conv_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_conv_geom_of(y);
    int64_t b = x->shape[0], cout = y->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    int64_t xs = q.c * q.h * q.w;
    float *col = y->aux, *dcol = col + b * k * p;
    const float *w = y->src[1]->data, *dy = y->grad;
    float *gx = hn_src_grad(y, 0), *gw = hn_src_grad(y, 1), *gb = y->n_src == 3 ? hn_src_grad(y, 2) : NULL;
    if (gx && y->aux_len < 2 * b * k * p) /* x was marked as needing a gradient after compiling */
        return hn_error_set(err, HN_ERR_STATE, "conv: the input needs a gradient now; compile the graph again");
    if (gw) // dW (Cout, K) += Σ_n dy_n (Cout, P) · col_nᵀ (P, K), in batch order
        for (int64_t n = 0; n < b; n++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)cout, (int)k, (int)p, 1.0f, dy + n * cout * p,
                        (int)p, col + n * k * p, (int)p, 1.0f, gw, (int)k);
    if (gb)
        bias_grad(dy, gb, b, cout, p);
    if (gx) { // dcol_n (K, P) = Wᵀ (K, Cout) · dy_n (Cout, P), scattered back
        for (int64_t n = 0; n < b; n++)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)p, (int)cout, 1.0f, w, (int)k,
                        dy + n * cout * p, (int)p, 0.0f, dcol + n * k * p, (int)p);
#pragma omp parallel for if (b * p * k > HN_PAR_MIN) schedule(static)
        for (int64_t n = 0; n < b; n++)
            col2im(dcol + n * k * p, gx + n * xs, &q);
    }
    return HN_OK;
}

// x (B, Cin, H, W), w (Cin, Cout·kh·kw) -> y (B, Cout, Ho, Wo)
hn_status hn_cpu_conv_transpose_fwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_convt_geom_of(y);
    int64_t b = x->shape[0], cin = x->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    int64_t ys = q.c * q.h * q.w;
    float *xr = y->aux, *col = xr + b * p * cin;
    chw_to_rows(x->data, xr, b, cin, p);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(b * p), (int)k, (int)cin, 1.0f, xr, (int)cin,
                y->src[1]->data, (int)k, 0.0f, col, (int)k);
    const float *bias = y->n_src == 3 ? y->src[2]->data : NULL;
#pragma omp parallel for if (b * p * k > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++) {
        float *yn = y->data + n * ys;
        int64_t hw = q.h * q.w;
        for (int64_t ch = 0; ch < q.c; ch++)
            for (int64_t i = 0; i < hw; i++)
                yn[ch * hw + i] = bias ? bias[ch] : 0.0f;
        row2im(col + n * p * k, yn, &q);
    }
    return HN_OK;
}

hn_status hn_cpu_conv_transpose_bwd(hn_graph *g, hn_tensor *y, hn_error *err)
{
    (void)g;
    (void)err;
    const hn_tensor *x = y->src[0];
    hn_conv_geom q = hn_convt_geom_of(y);
    int64_t b = x->shape[0], cin = x->shape[1], p = q.oh * q.ow, k = q.c * q.kh * q.kw;
    int64_t ys = q.c * q.h * q.w;
    float *xr = y->aux, *dcol = xr + b * p * cin, *dxr = dcol + b * p * k;
    float *gx = hn_src_grad(y, 0), *gw = hn_src_grad(y, 1), *gb = y->n_src == 3 ? hn_src_grad(y, 2) : NULL;
    if (gb)
        bias_grad(y->grad, gb, b, q.c, q.h * q.w);
    if (!gx && !gw)
        return HN_OK;
#pragma omp parallel for if (b * p * k > HN_PAR_MIN) schedule(static)
    for (int64_t n = 0; n < b; n++)
        im2row(y->grad + n * ys, dcol + n * p * k, &q);
    if (gw) // dW (Cin, K) += Xrᵀ (Cin, B·P) · dcol (B·P, K)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cin, (int)k, (int)(b * p), 1.0f, xr, (int)cin,
                    dcol, (int)k, 1.0f, gw, (int)k);
    if (gx) { // dXr (B·P, Cin) = dcol (B·P, K) · Wᵀ (K, Cin)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(b * p), (int)cin, (int)k, 1.0f, dcol, (int)k,
                    y->src[1]->data, (int)k, 0.0f, dxr, (int)cin);
#pragma omp parallel for if (b * p * cin > HN_PAR_MIN) schedule(static)
        for (int64_t n = 0; n < b; n++)
            for (int64_t ch = 0; ch < cin; ch++) {
                float *d = gx + (n * cin + ch) * p;
                const float *r = dxr + n * p * cin + ch;
                for (int64_t i = 0; i < p; i++)
                    d[i] += r[i * cin];
            }
    }
    return HN_OK;
}
