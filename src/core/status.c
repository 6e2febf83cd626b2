#include "hepnn/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *hn_status_str(hn_status status)
{
    switch (status) {
    case HN_OK: return "ok";
    case HN_ERR_ARG: return "invalid argument";
    case HN_ERR_SHAPE: return "shape mismatch";
    case HN_ERR_NOMEM: return "out of memory";
    case HN_ERR_IO: return "i/o error";
    case HN_ERR_FORMAT: return "malformed input";
    case HN_ERR_UNSUPPORTED: return "unsupported";
    case HN_ERR_STATE: return "invalid state";
    case HN_ERR_BACKEND: return "backend error";
    case HN_ERR_NUMERIC: return "numerical error";
    case HN_STATUS_COUNT: break;
    }
    return "unknown status";
}

hn_status hn_error_set(hn_error *err, hn_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

hn_status hn_error_prefix(hn_error *err, const char *fmt, ...)
{
    if (!err)
        return HN_OK;
    char prefix[HN_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return err->status;
    char old[HN_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    /* assemble by hand: snprintf("%s: %s") trips -Wformat-truncation */
    size_t np = strlen(prefix), cap = sizeof err->msg - 1;
    if (np > cap)
        np = cap;
    memcpy(err->msg, prefix, np);
    size_t pos = np;
    for (const char *s = ": "; *s && pos < cap; s++)
        err->msg[pos++] = *s;
    size_t no = strlen(old);
    if (no > cap - pos)
        no = cap - pos;
    memcpy(err->msg + pos, old, no);
    err->msg[pos + no] = '\0';
    return err->status;
}
