/* Heat maps of small matrices (correlations, confusion matrices) with
 * labelled rows and columns, values in the cells and a colour bar. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

#define FONT "font-family=\"DejaVu Sans,Helvetica,Arial,sans-serif\""

/* t in [-1, 1] for diverging maps (blue, white, red), [0, 1] otherwise (white, blue). */
static void colour(double t, int diverging, int rgb[3])
{
    static const double white[3] = {255, 255, 255}, blue[3] = {33, 102, 172}, red[3] = {178, 24, 43},
                        dark[3] = {8, 48, 107};
    const double *to;
    if (diverging) {
        to = t < 0 ? blue : red;
        t = fabs(t);
    } else {
        to = dark;
    }
    t = t > 1 ? 1 : t < 0 ? 0 : t;
    for (int i = 0; i < 3; i++)
        rgb[i] = (int)lround(white[i] + (to[i] - white[i]) * t);
}

/* Labels are shortened to max characters (on a UTF-8 boundary) with an ellipsis. */
static void short_label(hn_sbuf *b, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n <= max) {
        hn_sb_esc(b, s);
        return;
    }
    char tmp[128];
    size_t k = max < sizeof tmp - 4 ? max : sizeof tmp - 4;
    while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    memcpy(tmp, s, k);
    tmp[k] = '\0';
    hn_sb_esc(b, tmp);
    hn_sb_puts(b, "&#8230;");
}

void hn_svg_matrix(hn_sbuf *b, const char *id, const char *title, int n_rows, int n_cols,
                   const double *v, const char *const *row_labels, const char *const *col_labels,
                   const char *row_title, const char *col_title, double vmax, int diverging,
                   const char *fmt)
{
    const size_t max_chars = 18;
    int nmax = n_rows > n_cols ? n_rows : n_cols;
    double cell = 440.0 / (nmax > 0 ? nmax : 1);
    cell = cell > 44 ? 44 : cell < 12 ? 12 : cell;
    size_t rl = 1, cl = 1;
    for (int i = 0; i < n_rows; i++)
        if (row_labels[i] && strlen(row_labels[i]) > rl)
            rl = strlen(row_labels[i]);
    for (int j = 0; j < n_cols; j++)
        if (col_labels[j] && strlen(col_labels[j]) > cl)
            cl = strlen(col_labels[j]);
    rl = rl > max_chars ? max_chars + 1 : rl;
    cl = cl > max_chars ? max_chars + 1 : cl;
    double fs = cell >= 30 ? 11 : cell >= 20 ? 9 : 7;
    double ml = 30 + 6.4 * (double)rl, mt = 30, gw = cell * n_cols, gh = cell * n_rows;
    double mb = 24 + 4.6 * (double)cl + 10, bar_x = ml + gw + 16;
    double w = bar_x + 70, h = mt + gh + mb;
    if (h < mt + 160)
        h = mt + 160;
    if (w < 300)
        w = 300;

    hn_sb_printf(b,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot matrix\" id=\"%s\" "
                 "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" " FONT
                 " font-size=\"11\">\n",
                 id, w, h, w, h);
    hn_sb_printf(b, "<defs><linearGradient id=\"%s-grad\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", id);
    for (int s = 0; s <= 10; s++) {
        int rgb[3];
        colour(diverging ? -1 + 0.2 * s : 0.1 * s, diverging, rgb);
        hn_sb_printf(b, "<stop offset=\"%.1f\" stop-color=\"#%02x%02x%02x\"/>", 0.1 * s, rgb[0],
                     rgb[1], rgb[2]);
    }
    hn_sb_puts(b, "</linearGradient></defs>\n");
    hn_sb_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
    hn_sb_printf(b, "<text class=\"title\" x=\"%.1f\" y=\"18\" text-anchor=\"middle\" "
                    "font-size=\"13\" font-weight=\"bold\">",
                 w / 2);
    hn_sb_esc(b, title);
    hn_sb_puts(b, "</text>\n");

    for (int i = 0; i < n_rows; i++) {
        double y = mt + cell * i;
        hn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"%.0f\">",
                     ml - 5, y + cell / 2 + 4, fs + 1 > 11 ? 11 : fs + 1);
        short_label(b, row_labels[i], max_chars);
        hn_sb_puts(b, "</text>\n");
        for (int j = 0; j < n_cols; j++) {
            double x = ml + cell * j, val = v[(size_t)i * n_cols + j];
            int rgb[3] = {200, 200, 200};
            if (isfinite(val) && vmax > 0)
                colour(val / vmax, diverging, rgb);
            hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"#%02x%02x%02x\" stroke=\"#ffffff\" stroke-width=\"0.5\"/>",
                         x, y, cell, cell, rgb[0], rgb[1], rgb[2]);
            if (fmt && cell >= 18) {
                double t = isfinite(val) && vmax > 0 ? fabs(val) / vmax : 0;
                char txt[32];
                if (isfinite(val))
                    snprintf(txt, sizeof txt, fmt, val);
                else
                    snprintf(txt, sizeof txt, "n/a");
                hn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%.0f\" "
                                "fill=\"%s\">%s</text>",
                             x + cell / 2, y + cell / 2 + fs * 0.35, fs, t > 0.6 ? "#ffffff" : "#000000",
                             txt);
            }
            hn_sb_puts(b, "\n");
        }
    }
    for (int j = 0; j < n_cols; j++) {
        double x = ml + cell * j + cell / 2 + 4, y = mt + gh + 8;
        hn_sb_printf(b, "<text transform=\"translate(%.1f,%.1f) rotate(-45)\" text-anchor=\"end\" "
                        "font-size=\"%.0f\">",
                     x, y, fs + 1 > 11 ? 11 : fs + 1);
        short_label(b, col_labels[j], max_chars);
        hn_sb_puts(b, "</text>\n");
    }
    hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                    "stroke=\"#000\"/>\n",
                 ml, mt, gw, gh);
    if (row_title) {
        hn_sb_printf(b, "<text transform=\"translate(12,%.1f) rotate(-90)\" text-anchor=\"middle\">",
                     mt + gh / 2);
        hn_sb_esc(b, row_title);
        hn_sb_puts(b, "</text>\n");
    }
    if (col_title) {
        hn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", ml + gw / 2, h - 6);
        hn_sb_esc(b, col_title);
        hn_sb_puts(b, "</text>\n");
    }
    /* colour bar */
    double bh = gh < 120 ? 120 : gh;
    hn_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"%.1f\" fill=\"url(#%s-grad)\" "
                    "stroke=\"#000\"/>\n",
                 bar_x, mt, bh, id);
    double lo = diverging ? -vmax : 0;
    for (int s = 0; s <= 4; s++) {
        double val = lo + (vmax - lo) * s / 4.0, y = mt + bh * (1 - s / 4.0);
        hn_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\">%.3g</text>\n",
                     bar_x + 12, y, bar_x + 16, y, bar_x + 18, y + 4, fabs(val) < 1e-12 ? 0.0 : val);
    }
    hn_sb_puts(b, "</svg>\n");
}
