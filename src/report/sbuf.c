/* The report's text buffer and its escaping rules (XML text, CSV fields). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

void hn_sb_free(hn_sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int reserve(hn_sbuf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (extra > (size_t)-1 / 2 - b->n) {
        b->oom = 1;
        return 0;
    }
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void hn_sb_putn(hn_sbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void hn_sb_puts(hn_sbuf *b, const char *s)
{
    if (s)
        hn_sb_putn(b, s, strlen(s));
}

void hn_sb_printf(hn_sbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)k < sizeof small) {
        hn_sb_putn(b, small, (size_t)k);
        return;
    }
    if (!reserve(b, (size_t)k))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one.
 * Overlong forms, surrogates and values past U+10FFFF are invalid. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int n;
    unsigned cp;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    /* U+FFFE and U+FFFF are not XML characters */
    if (cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

void hn_sb_esc(hn_sbuf *b, const char *s)
{
    if (!s)
        return;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned c = *u;
        switch (c) {
        case '&': hn_sb_puts(b, "&amp;"); u++; continue;
        case '<': hn_sb_puts(b, "&lt;"); u++; continue;
        case '>': hn_sb_puts(b, "&gt;"); u++; continue;
        case '"': hn_sb_puts(b, "&quot;"); u++; continue;
        case '\'': hn_sb_puts(b, "&#39;"); u++; continue;
        default: break;
        }
        if (c < 0x20 && c != '\t' && c != '\n') {
            if (c != '\r') /* CR of CRLF text is dropped, others are visible */
                hn_sb_puts(b, "&#xFFFD;");
            u++;
            continue;
        }
        int n = utf8_len(u);
        if (n == 0) {
            hn_sb_puts(b, "&#xFFFD;");
            u++;
            continue;
        }
        hn_sb_putn(b, (const char *)u, (size_t)n);
        u += n;
    }
}

void hn_sb_csv_field(hn_sbuf *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        hn_sb_puts(b, s);
        return;
    }
    hn_sb_putn(b, "\"", 1);
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            hn_sb_putn(b, "\"", 1);
        hn_sb_putn(b, c, 1);
    }
    hn_sb_putn(b, "\"", 1);
}

void hn_sb_num(hn_sbuf *b, double v)
{
    if (isnan(v))
        hn_sb_puts(b, "nan");
    else if (isinf(v))
        hn_sb_puts(b, v > 0 ? "inf" : "-inf");
    else
        hn_sb_printf(b, "%.7g", v);
}
