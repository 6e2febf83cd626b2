/* Renders the report in headless Chromium to a PNG and checks
 * that something was drawn: the PNG decodes (zlib inflate and the PNG row
 * filters, done here) to the window's size, is not blank, and shows the
 * report's signal blue and background red. Skipped with a message where no
 * chromium can be run. Set HEPNN_REPORT_KEEP=DIR to render the pages of all
 * three tasks and keep them and their screenshots in DIR for a look. */
#define _XOPEN_SOURCE 700 /* mkdtemp */

#include <stdint.h>
#include <sys/stat.h>
#include <zlib.h>

#include "harness.h"
#include "hepnn/report.h"
#include "report_synth.h"
#include "report_util.h"

#define WIN_W 1200
#define WIN_H 3000

static const char *find_chromium(void)
{
    static const char *const cands[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                        "/usr/lib/chromium/chromium"};
    const char *env = getenv("HEPNN_CHROMIUM");
    if (env && *env)
        return access(env, X_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

typedef struct png_stats {
    uint32_t w, h;
    double non_white, blue, red; /* fractions of pixels */
} png_stats;

/* Decodes an 8-bit RGB or RGBA, non-interlaced PNG and counts pixels. 0 on failure. */
static int png_analyse(const char *path, png_stats *st)
{
    size_t len = 0;
    unsigned char *b = (unsigned char *)ru_read(path, &len);
    memset(st, 0, sizeof *st);
    if (!b || len < 33 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0) {
        fprintf(stderr, "%s: not a PNG file\n", path);
        free(b);
        return 0;
    }
    st->w = be32(b + 16);
    st->h = be32(b + 20);
    int depth = b[24], ctype = b[25], interlace = b[28];
    int bpp = ctype == 6 ? 4 : ctype == 2 ? 3 : 0;
    if (depth != 8 || !bpp || interlace || st->w == 0 || st->h == 0 || st->w > 20000 || st->h > 20000) {
        fprintf(stderr, "%s: PNG type %d depth %d interlace %d not decoded here\n", path, ctype, depth, interlace);
        free(b);
        return 0;
    }
    size_t stride = (size_t)st->w * bpp, raw_len = (stride + 1) * st->h;
    unsigned char *raw = malloc(raw_len), *img = malloc(stride * st->h);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int ok = raw && img && inflateInit(&zs) == Z_OK;
    zs.next_out = raw;
    zs.avail_out = (uInt)raw_len;
    int zr = Z_OK;
    for (size_t off = 8; ok && off + 12 <= len;) {
        uint32_t n = be32(b + off);
        if (n > len - off - 12)
            break;
        if (!memcmp(b + off + 4, "IDAT", 4) && zr == Z_OK) {
            zs.next_in = b + off + 8;
            zs.avail_in = n;
            zr = inflate(&zs, Z_NO_FLUSH);
            if (zr != Z_OK && zr != Z_STREAM_END)
                ok = 0;
        }
        off += 12 + (size_t)n;
    }
    if (ok && zs.total_out != raw_len) {
        fprintf(stderr, "%s: inflated %lu bytes, want %zu\n", path, zs.total_out, raw_len);
        ok = 0;
    }
    inflateEnd(&zs);
    for (uint32_t y = 0; ok && y < st->h; y++) {
        const unsigned char *in = raw + y * (stride + 1) + 1;
        unsigned char *out = img + y * stride, *prev = y ? out - stride : NULL;
        int f = in[-1];
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)bpp ? out[i - bpp] : 0, up = prev ? prev[i] : 0,
                c = prev && i >= (size_t)bpp ? prev[i - bpp] : 0, v = in[i];
            switch (f) {
            case 0: break;
            case 1: v += a; break;
            case 2: v += up; break;
            case 3: v += (a + up) / 2; break;
            case 4: v += paeth(a, up, c); break;
            default: ok = 0; break;
            }
            out[i] = (unsigned char)v;
        }
    }
    if (ok) {
        size_t nw = 0, nb = 0, nr = 0, np = (size_t)st->w * st->h;
        for (size_t p = 0; p < np; p++) {
            const unsigned char *px = img + p * bpp;
            int r = px[0], g = px[1], bl = px[2];
            nw += r < 235 || g < 235 || bl < 235;
            nb += bl > 140 && r < 120 && bl > r + 60;      /* the signal blue and its tints */
            nr += r > 150 && g < 110 && bl < 110;           /* the background red */
        }
        st->non_white = (double)nw / np;
        st->blue = (double)nb / np;
        st->red = (double)nr / np;
    }
    free(raw);
    free(img);
    free(b);
    return ok;
}

static void render_task(hn_task task, const char *chromium, const char *dir)
{
    rs_data d;
    CHECK(rs_make(&d, task, 1500, 21 + task));
    const char *name = task == HN_TASK_BINARY ? "binary" : task == HN_TASK_MULTICLASS ? "multiclass" : "regression";
    char html[1024], png[1024], profile[1024], log[1024], cmd[8192];
    snprintf(html, sizeof html, "%s/%s.html", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    snprintf(profile, sizeof profile, "%s/profile-%s", dir, name);
    snprintf(log, sizeof log, "%s/chromium-%s.log", dir, name);
    hn_report_input in = rs_input(&d);
    hn_error err = {0};
    CHECK_OK(hn_report_write(html, &in, &err), &err);
    ru_rmtree(profile, 0); /* a kept directory from an earlier run: start from an empty profile */
    CHECK(mkdir(profile, 0700) == 0);
    snprintf(cmd, sizeof cmd,
             "timeout 120 '%s' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--hide-scrollbars --force-device-scale-factor=1 --user-data-dir='%s' "
             "--screenshot='%s' --window-size=%d,%d 'file://%s' >'%s' 2>&1",
             chromium, profile, png, WIN_W, WIN_H, html, log);
    int rc = system(cmd);
    CHECK_MSG(rc == 0, "chromium exited with %d (log: %s)", rc, log);
    png_stats st;
    int ok = png_analyse(png, &st);
    CHECK_MSG(ok, "%s decodes", png);
    if (ok) {
        fprintf(stderr, "  %s: %ux%u, %.1f %% non-white, %.2f %% blue, %.2f %% red\n", name, st.w, st.h,
                100 * st.non_white, 100 * st.blue, 100 * st.red);
        CHECK(st.w == WIN_W && st.h == WIN_H);
        CHECK(st.non_white > 0.05); /* text, frames, filled histograms */
        CHECK(st.blue > 0.002);
        if (task != HN_TASK_REGRESSION)
            CHECK(st.red > 0.001);
    }
    rs_free(&d);
}

TEST(report_renders_in_chromium)
{
    const char *chromium = find_chromium();
    if (!chromium)
        SKIP("no chromium found (Debian: apt-get install chromium; or set HEPNN_CHROMIUM)");
    const char *keep = getenv("HEPNN_REPORT_KEEP");
    char *dir = NULL;
    if (keep && *keep) {
        mkdir(keep, 0755);
        dir = malloc(strlen(keep) + 1);
        if (dir)
            strcpy(dir, keep);
    } else {
        dir = ru_mkdtemp();
    }
    CHECK(dir != NULL);
    if (!dir)
        return;
    /* one browser start costs seconds: the binary page by default (its
     * figures share their drawing code with the others), all three when the
     * pages are kept for a look */
    render_task(HN_TASK_BINARY, chromium, dir);
    if (keep && *keep) {
        render_task(HN_TASK_MULTICLASS, chromium, dir);
        render_task(HN_TASK_REGRESSION, chromium, dir);
    }
    if (!(keep && *keep))
        ru_rmtree(dir, 0);
    free(dir);
}

int main(void)
{
    RUN(report_renders_in_chromium);
    return TEST_SUMMARY();
}
