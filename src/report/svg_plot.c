/* SVG plots with axes: frame, grid, ticks at "nice" values (1, 2, 5 × 10^k
 * on linear axes, decades on log axes), labels, clipped series, legend.
 * Coordinates are printed with one decimal: a tenth of a pixel is below
 * what a screen shows and keeps the page small. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

#define FONT "font-family=\"DejaVu Sans,Helvetica,Arial,sans-serif\""

const char *hn_report_color(int k)
{
    static const char *const pal[10] = {"#1f5fbf", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
    return pal[((k % 10) + 10) % 10];
}

static double clamp_px(double v)
{
    if (!(v > -1e5))
        return -1e5;
    if (v > 1e5)
        return 1e5;
    return v;
}

static double tx(const hn_plot *p, double x)
{
    double pw = p->w - p->ml - p->mr;
    double t = p->xlog ? (log10(x) - log10(p->x0)) / (log10(p->x1) - log10(p->x0))
                       : (x - p->x0) / (p->x1 - p->x0);
    return clamp_px(p->ml + t * pw);
}

static double ty(const hn_plot *p, double y)
{
    double ph = p->h - p->mt - p->mb;
    double t = p->ylog ? (log10(y) - log10(p->y0)) / (log10(p->y1) - log10(p->y0))
                       : (y - p->y0) / (p->y1 - p->y0);
    return clamp_px(p->mt + (1.0 - t) * ph);
}

static int x_ok(const hn_plot *p, double x) { return isfinite(x) && (!p->xlog || x > 0); }
static int y_ok(const hn_plot *p, double y) { return isfinite(y) && (!p->ylog || y > 0); }

static const char *dash_attr(int dash)
{
    return dash == 1 ? " stroke-dasharray=\"6 4\"" : dash == 2 ? " stroke-dasharray=\"2 3\"" : "";
}

/* Linear ticks: multiples of a 1/2/5 × 10^k step inside [lo, hi]. */
static int ticks_linear(double lo, double hi, int target, double *t, int max, double *step_out)
{
    double range = hi - lo;
    if (!(range > 0) || !isfinite(range))
        return 0;
    double raw = range / target, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    *step_out = step;
    int n = 0;
    for (double k = ceil(lo / step - 1e-9); n < max; k += 1.0) {
        double v = k * step;
        if (v > hi + step * 1e-9)
            break;
        t[n++] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    return n;
}

static void tick_label(char *buf, size_t n, double v, double step)
{
    double a = fabs(v);
    if (v == 0) {
        snprintf(buf, n, "0");
    } else if (a >= 1e5 || a < 1e-4 || step < 1e-4) {
        snprintf(buf, n, "%.3g", v);
    } else {
        int d = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, n, "%.*f", d, v);
    }
}

/* A power of ten as SVG text content: plain up to 1000, 10 with a raised exponent beyond. */
static void pow10_label(hn_sbuf *b, int k)
{
    if (k >= -3 && k <= 3)
        hn_sb_printf(b, "%g", pow(10.0, k));
    else
        hn_sb_printf(b, "10<tspan dy=\"-5\" font-size=\"9\">%d</tspan>", k);
}

static void axis_title(hn_sbuf *b, const char *s) { hn_sb_esc(b, s); }

void hn_plot_begin(hn_plot *p, hn_sbuf *b, const char *id, double w, double h, const char *title,
                   const char *xlabel, double x0, double x1, int xlog, const char *ylabel,
                   double y0, double y1, int ylog)
{
    memset(p, 0, sizeof *p);
    p->b = b;
    snprintf(p->id, sizeof p->id, "%s", id);
    p->w = w;
    p->h = h;
    p->ml = 64;
    p->mr = 16;
    p->mt = 30;
    p->mb = 44;
    /* Degenerate or invalid ranges still give a drawable plot. */
    if (xlog && !(x0 > 0 && x1 > x0)) {
        x0 = 1;
        x1 = 10;
    }
    if (ylog && !(y0 > 0 && y1 > y0)) {
        y0 = 1;
        y1 = 10;
    }
    if (!(x1 > x0) || !isfinite(x0) || !isfinite(x1)) {
        double c = isfinite(x0) ? x0 : 0;
        x0 = c - 0.5;
        x1 = c + 0.5;
    }
    if (!(y1 > y0) || !isfinite(y0) || !isfinite(y1)) {
        double c = isfinite(y0) ? y0 : 0;
        y0 = c - 0.5;
        y1 = c + 0.5;
    }
    p->x0 = x0;
    p->x1 = x1;
    p->y0 = y0;
    p->y1 = y1;
    p->xlog = xlog;
    p->ylog = ylog;
    double L = p->ml, R = w - p->mr, T = p->mt, B = h - p->mb;

    hn_sb_printf(b,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"%s\" width=\"%.0f\" "
                 "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" " FONT " font-size=\"12\">\n",
                 p->id, w, h, w, h);
    hn_sb_printf(b, "<defs><clipPath id=\"%s-clip\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\"/></clipPath></defs>\n",
                 p->id, L, T, R - L, B - T);
    hn_sb_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
    hn_sb_printf(b, "<text class=\"title\" x=\"%.1f\" y=\"18\" text-anchor=\"middle\" "
                    "font-size=\"13\" font-weight=\"bold\">",
                 (L + R) / 2);
    hn_sb_esc(b, title);
    hn_sb_puts(b, "</text>\n");

    /* x ticks */
    hn_sb_puts(b, "<g class=\"xaxis\">\n");
    if (!xlog) {
        double t[64], step = 1;
        int n = ticks_linear(x0, x1, (int)fmax(3, (R - L) / 80), t, 64, &step);
        for (int i = 0; i < n; i++) {
            double X = tx(p, t[i]);
            char lab[48];
            tick_label(lab, sizeof lab, t[i], step);
            hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
                            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                         X, T, X, B, X, B, X, B + 5, X, B + 17, lab);
        }
    } else {
        int k0 = (int)floor(log10(x0)), k1 = (int)ceil(log10(x1));
        for (int k = k0; k <= k1 && k - k0 < 40; k++)
            for (int m = 1; m <= 9; m++) {
                double v = m * pow(10.0, k);
                if (v < x0 * (1 - 1e-9) || v > x1 * (1 + 1e-9))
                    continue;
                double X = tx(p, v);
                hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>",
                             X, B, X, B + (m == 1 ? 5 : 3));
                if (m == 1) {
                    hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                    "stroke=\"#e6e6e6\"/><text x=\"%.1f\" y=\"%.1f\" "
                                    "text-anchor=\"middle\">",
                                 X, T, X, B, X, B + 17);
                    pow10_label(b, k);
                    hn_sb_puts(b, "</text>");
                }
                hn_sb_puts(b, "\n");
            }
    }
    hn_sb_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (L + R) / 2,
                 h - 8);
    axis_title(b, xlabel);
    hn_sb_puts(b, "</text>\n</g>\n<g class=\"yaxis\">\n");

    /* y ticks */
    if (!ylog) {
        double t[64], step = 1;
        int n = ticks_linear(y0, y1, (int)fmax(3, (B - T) / 50), t, 64, &step);
        for (int i = 0; i < n; i++) {
            double Y = ty(p, t[i]);
            char lab[48];
            tick_label(lab, sizeof lab, t[i], step);
            hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
                            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                         L, Y, R, Y, L - 5, Y, L, Y, L - 7, Y + 4, lab);
        }
    } else {
        int k0 = (int)floor(log10(y0)), k1 = (int)ceil(log10(y1));
        for (int k = k0; k <= k1 && k - k0 < 40; k++)
            for (int m = 1; m <= 9; m++) {
                double v = m * pow(10.0, k);
                if (v < y0 * (1 - 1e-9) || v > y1 * (1 + 1e-9))
                    continue;
                double Y = ty(p, v);
                hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>",
                             L - (m == 1 ? 5 : 3), Y, L, Y);
                if (m == 1) {
                    hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                    "stroke=\"#e6e6e6\"/><text x=\"%.1f\" y=\"%.1f\" "
                                    "text-anchor=\"end\">",
                                 L, Y, R, Y, L - 7, Y + 4);
                    pow10_label(b, k);
                    hn_sb_puts(b, "</text>");
                }
                hn_sb_puts(b, "\n");
            }
    }
    hn_sb_printf(b, "<text class=\"ylabel\" transform=\"translate(14,%.1f) rotate(-90)\" "
                    "text-anchor=\"middle\">",
                 (T + B) / 2);
    axis_title(b, ylabel);
    hn_sb_puts(b, "</text>\n</g>\n");
    hn_sb_printf(b, "<g clip-path=\"url(#%s-clip)\">\n", p->id);
}

void hn_plot_legend_add(hn_plot *p, const char *label, const char *color, hn_legend_kind kind,
                        int dash)
{
    if (!label || !*label || p->n_legend >= HN_PLOT_MAX_LEGEND)
        return;
    int i = p->n_legend++;
    snprintf(p->legend[i].label, sizeof p->legend[i].label, "%s", label);
    p->legend[i].color = color;
    p->legend[i].kind = kind;
    p->legend[i].dash = dash;
}

void hn_plot_line(hn_plot *p, size_t n, const double *x, const double *y, const char *color,
                  double width, int dash, const char *label)
{
    hn_sbuf *b = p->b;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (!x_ok(p, x[i]) || !y_ok(p, y[i])) {
            if (open)
                hn_sb_puts(b, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open) {
            hn_sb_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s "
                            "stroke-linejoin=\"round\" d=\"M",
                         color, width, dash_attr(dash));
            open = 1;
        } else {
            hn_sb_puts(b, " L");
        }
        hn_sb_printf(b, "%.1f %.1f", tx(p, x[i]), ty(p, y[i]));
    }
    if (open)
        hn_sb_puts(b, "\"/>\n");
    hn_plot_legend_add(p, label, color, HN_LK_LINE, dash);
}

void hn_plot_hist(hn_plot *p, int nb, const double *edges, const double *v, const char *color,
                  double fill_opacity, int dash, const char *label)
{
    hn_sbuf *b = p->b;
    double base = ty(p, p->y0);
    hn_sb_printf(b, "<path stroke=\"%s\" stroke-width=\"1.5\"%s ", color, dash_attr(dash));
    if (fill_opacity > 0)
        hn_sb_printf(b, "fill=\"%s\" fill-opacity=\"%.2f\"", color, fill_opacity);
    else
        hn_sb_puts(b, "fill=\"none\"");
    hn_sb_printf(b, " d=\"M%.1f %.1f", tx(p, edges[0]), base);
    for (int i = 0; i < nb; i++) {
        double Y = y_ok(p, v[i]) ? ty(p, v[i]) : base;
        hn_sb_printf(b, " L%.1f %.1f L%.1f %.1f", tx(p, edges[i]), Y, tx(p, edges[i + 1]), Y);
    }
    hn_sb_printf(b, " L%.1f %.1f\"/>\n", tx(p, edges[nb]), base);
    hn_plot_legend_add(p, label, color, fill_opacity > 0 ? HN_LK_FILL : HN_LK_LINE, dash);
}

void hn_plot_points(hn_plot *p, int nb, const double *edges, const double *v, const double *err,
                    const char *color, const char *label)
{
    hn_sbuf *b = p->b;
    hn_sb_printf(b, "<g fill=\"%s\" stroke=\"%s\">\n", color, color);
    for (int i = 0; i < nb; i++) {
        double xc = 0.5 * (edges[i] + edges[i + 1]);
        if (!x_ok(p, xc) || !y_ok(p, v[i]) || (p->ylog ? 0 : v[i] == 0))
            continue;
        double X = tx(p, xc), Y = ty(p, v[i]);
        if (err && isfinite(err[i]) && err[i] > 0) {
            double lo = v[i] - err[i], hi = v[i] + err[i];
            double Ylo = y_ok(p, lo) ? ty(p, lo) : ty(p, p->y0);
            hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", X, Ylo, X,
                         ty(p, hi));
        }
        hn_sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"/>\n", X, Y);
    }
    hn_sb_puts(b, "</g>\n");
    hn_plot_legend_add(p, label, color, HN_LK_POINT, 0);
}

void hn_plot_vline(hn_plot *p, double x, const char *color, int dash, const char *text)
{
    if (!x_ok(p, x))
        return;
    double X = tx(p, x);
    hn_sb_printf(p->b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-width=\"1.5\"%s/>\n",
                 X, p->mt, X, p->h - p->mb, color, dash_attr(dash));
    if (text && *text) {
        /* label to the left of the line when the line is in the right third */
        int left = X > p->ml + 0.66 * (p->w - p->ml - p->mr);
        hn_sb_printf(p->b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"11\" "
                           "text-anchor=\"%s\">",
                     left ? X - 4 : X + 4, p->mt + 14, color, left ? "end" : "start");
        hn_sb_esc(p->b, text);
        hn_sb_puts(p->b, "</text>\n");
    }
}

static void blue_scale(double t, int *r, int *g, int *bl)
{
    /* white -> light blue -> dark blue */
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double a[3] = {255, 255, 255}, m[3] = {107, 174, 214}, z[3] = {8, 48, 107};
    double c[3];
    for (int i = 0; i < 3; i++)
        c[i] = t < 0.5 ? a[i] + (m[i] - a[i]) * t * 2 : m[i] + (z[i] - m[i]) * (t - 0.5) * 2;
    *r = (int)lround(c[0]);
    *g = (int)lround(c[1]);
    *bl = (int)lround(c[2]);
}

void hn_plot_cells(hn_plot *p, int nx, const double *xe, int ny, const double *ye,
                   const double *v, double vmax)
{
    if (!(vmax > 0))
        return;
    hn_sbuf *b = p->b;
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            double c = v[(size_t)j * nx + i];
            if (!(c > 0))
                continue;
            int r, g, bl;
            blue_scale(0.08 + 0.92 * sqrt(c / vmax), &r, &g, &bl);
            double X0 = tx(p, xe[i]), X1 = tx(p, xe[i + 1]), Y0 = ty(p, ye[j + 1]),
                   Y1 = ty(p, ye[j]);
            hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"#%02x%02x%02x\"/>\n",
                         X0, Y0, X1 - X0 + 0.3, Y1 - Y0 + 0.3, r, g, bl);
        }
}

void hn_plot_end(hn_plot *p)
{
    hn_sbuf *b = p->b;
    double L = p->ml, R = p->w - p->mr, T = p->mt, B = p->h - p->mb;
    hn_sb_puts(b, "</g>\n");
    hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                    "stroke=\"#000\"/>\n",
                 L, T, R - L, B - T);
    if (p->n_legend > 0 && p->legend_pos != HN_LEG_NONE) {
        size_t maxlen = 0;
        for (int i = 0; i < p->n_legend; i++) {
            size_t l = strlen(p->legend[i].label);
            maxlen = l > maxlen ? l : maxlen;
        }
        double lw = 34 + 6.4 * (double)maxlen, lh = 8 + 16.0 * p->n_legend;
        if (lw > R - L - 8)
            lw = R - L - 8;
        int right = p->legend_pos == HN_LEG_TR || p->legend_pos == HN_LEG_BR;
        int top = p->legend_pos == HN_LEG_TR || p->legend_pos == HN_LEG_TL;
        double X = right ? R - 6 - lw : L + 6, Y = top ? T + 6 : B - 6 - lh;
        hn_sb_printf(b, "<g class=\"legend\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n",
                     X, Y, lw, lh);
        for (int i = 0; i < p->n_legend; i++) {
            double yy = Y + 14 + 16.0 * i;
            const char *c = p->legend[i].color;
            switch (p->legend[i].kind) {
            case HN_LK_FILL:
                hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"9\" fill=\"%s\" "
                                "fill-opacity=\"0.3\" stroke=\"%s\"%s/>",
                             X + 6, yy - 8, c, c, dash_attr(p->legend[i].dash));
                break;
            case HN_LK_POINT:
                hn_sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", X + 16,
                             yy - 4, c);
                break;
            default:
                hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                                "stroke-width=\"2\"%s/>",
                             X + 6, yy - 4, X + 26, yy - 4, c, dash_attr(p->legend[i].dash));
                break;
            }
            hn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", X + 31, yy);
            hn_sb_esc(b, p->legend[i].label);
            hn_sb_puts(b, "</text>\n");
        }
        hn_sb_puts(b, "</g>\n");
    }
    hn_sb_puts(b, "</svg>\n");
}

void hn_svg_bars(hn_sbuf *b, const char *id, const char *title, int n, const char *const *labels,
                 const double *v, const char *xlabel)
{
    size_t maxlen = 4;
    for (int i = 0; i < n; i++) {
        size_t l = labels[i] ? strlen(labels[i]) : 0;
        maxlen = l > maxlen ? l : maxlen;
    }
    double ml = 16 + 6.6 * (double)(maxlen > 28 ? 28 : maxlen), mr = 24, mt = 30, mb = 44, row = 20;
    double w = 520, pw = w - ml - mr, h = mt + mb + row * (n > 0 ? n : 1);
    double lo = 0, hi = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
    if (hi - lo <= 0)
        hi = lo + 1;
    double pad = 0.05 * (hi - lo);
    hi += pad;
    if (lo < 0)
        lo -= pad;
#define BX(x) (ml + ((x) - lo) / (hi - lo) * pw)
    hn_sb_printf(b,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"%s\" width=\"%.0f\" "
                 "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" " FONT " font-size=\"12\">\n"
                 "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
                 id, w, h, w, h, w, h);
    hn_sb_printf(b, "<text class=\"title\" x=\"%.1f\" y=\"18\" text-anchor=\"middle\" "
                    "font-size=\"13\" font-weight=\"bold\">",
                 ml + pw / 2);
    hn_sb_esc(b, title);
    hn_sb_puts(b, "</text>\n<g class=\"xaxis\">\n");
    double t[64], step = 1;
    int nt = ticks_linear(lo, hi, (int)fmax(3, pw / 80), t, 64, &step);
    double B = h - mb;
    for (int i = 0; i < nt; i++) {
        char lab[48];
        tick_label(lab, sizeof lab, t[i], step);
        double X = BX(t[i]);
        hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                     X, mt, X, B, X, B, X, B + 5, X, B + 17, lab);
    }
    hn_sb_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                 ml + pw / 2, h - 8);
    hn_sb_esc(b, xlabel);
    hn_sb_puts(b, "</text>\n</g>\n");
    double X0 = BX(0.0);
    for (int i = 0; i < n; i++) {
        double y = mt + row * i;
        hn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", ml - 6, y + 14);
        hn_sb_esc(b, labels[i]);
        hn_sb_puts(b, "</text>");
        if (isfinite(v[i])) {
            double X = BX(v[i]);
            hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"%s\"/>",
                         X < X0 ? X : X0, y + 3, fabs(X - X0), row - 6,
                         v[i] >= 0 ? HN_COL_SIGNAL : HN_COL_BACKGROUND);
        }
        hn_sb_puts(b, "\n");
    }
#undef BX
    hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", X0,
                 mt, X0, B);
    hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                    "stroke=\"#000\"/>\n</svg>\n",
                 ml, mt, pw, B - mt);
}
