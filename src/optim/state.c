/* Exporting and importing an optimiser's state (for checkpoints).
 *
 * Layout, all integers and floats little-endian (docs/optim.md):
 *   0  8  magic "HNOPTST\0"        32  8  step (int64)
 *   8  4  version (1)              40  8  lr (IEEE-754 binary64)
 *  12  4  kind                     48  8  total values (sum of view sizes)
 *  16  4  flags                    56  8 * n_views   view sizes
 *  20  4  n_slots                  ..  4 * n_slots * total   state floats, slot-major
 *  24  4  n_views                  ..  8  FNV-1a 64 of every byte before it
 *  28  4  reserved (0)
 */
#include "optim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MAGIC "HNOPTST"
#define STATE_VERSION 1u
#define HEADER_SIZE 56

enum { FLAG_NESTEROV = 1, FLAG_CENTERED = 2, FLAG_AMSGRAD = 4, FLAG_MOMENTUM = 8 };

static uint32_t state_flags(const hn_optim_config *c)
{
    uint32_t f = 0;
    if (c->kind == HN_OPTIM_SGD && c->nesterov)
        f |= FLAG_NESTEROV;
    if (c->kind == HN_OPTIM_RMSPROP && c->centered)
        f |= FLAG_CENTERED;
    if ((c->kind == HN_OPTIM_ADAM || c->kind == HN_OPTIM_ADAMW) && c->amsgrad)
        f |= FLAG_AMSGRAD;
    if ((c->kind == HN_OPTIM_SGD || c->kind == HN_OPTIM_RMSPROP) && c->momentum != 0)
        f |= FLAG_MOMENTUM;
    return f;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

size_t hn_optim_state_size(const hn_optim *o)
{
    if (!o)
        return 0;
    return HEADER_SIZE + 8 * (size_t)o->n_views + 4 * (size_t)o->n_slots * (size_t)o->total + 8;
}

hn_status hn_optim_state_save(const hn_optim *o, void *buf, size_t cap, hn_error *err)
{
    if (!o || !buf)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_state_save: %s is NULL", o ? "buf" : "opt");
    size_t size = hn_optim_state_size(o);
    if (cap < size)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_state_save: cap = %zu bytes, the state needs %zu", cap,
                            size);
    if (o->dev) {
        hn_status st = hn_optim__dev_pull(o, err);
        if (st != HN_OK)
            return st;
    }
    unsigned char *p = buf;
    memset(p, 0, HEADER_SIZE);
    memcpy(p, STATE_MAGIC, 8);
    put_u32(p + 8, STATE_VERSION);
    put_u32(p + 12, (uint32_t)o->cfg.kind);
    put_u32(p + 16, state_flags(&o->cfg));
    put_u32(p + 20, (uint32_t)o->n_slots);
    put_u32(p + 24, (uint32_t)o->n_views);
    put_u64(p + 32, (uint64_t)o->step);
    uint64_t lr_bits;
    memcpy(&lr_bits, &o->cfg.lr, 8);
    put_u64(p + 40, lr_bits);
    put_u64(p + 48, (uint64_t)o->total);
    unsigned char *q = p + HEADER_SIZE;
    for (int i = 0; i < o->n_views; i++, q += 8)
        put_u64(q, (uint64_t)o->views[i].n);
    size_t nf = (size_t)o->n_slots * (size_t)o->total;
    for (size_t i = 0; i < nf; i++, q += 4) {
        uint32_t bits;
        memcpy(&bits, &o->state[i], 4);
        put_u32(q, bits);
    }
    put_u64(q, fnv1a(p, (size_t)(q - p)));
    return HN_OK;
}

/* Checks the fixed header against the optimiser it is to be loaded into. */
static hn_status check_header(const hn_optim *o, const unsigned char *p, hn_error *err)
{
    if (memcmp(p, STATE_MAGIC, 8) != 0)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: bad magic at byte 0 (not an optimiser state)");
    uint32_t version = get_u32(p + 8);
    if (version != STATE_VERSION)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: version %u at byte 8, this build reads %u",
                            version, STATE_VERSION);
    uint32_t kind = get_u32(p + 12);
    if (kind != (uint32_t)o->cfg.kind)
        return hn_error_set(err, HN_ERR_STATE, "optimiser state: saved by %s (kind %u), loading into %s",
                            hn_optim_kind_name((hn_optim_kind)(kind < HN_OPTIM_KIND_COUNT ? kind : HN_OPTIM_KIND_COUNT)),
                            kind, hn_optim_kind_name(o->cfg.kind));
    uint32_t flags = get_u32(p + 16), want = state_flags(&o->cfg);
    if (flags != want)
        return hn_error_set(err, HN_ERR_STATE,
                            "optimiser state: options differ (saved flags 0x%x, this optimiser 0x%x; "
                            "1 nesterov, 2 centered, 4 amsgrad, 8 momentum)",
                            flags, want);
    uint32_t slots = get_u32(p + 20), n_views = get_u32(p + 24);
    if (slots != (uint32_t)o->n_slots)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: %u state arrays at byte 20, expected %d", slots,
                            o->n_slots);
    if (n_views != (uint32_t)o->n_views)
        return hn_error_set(err, HN_ERR_STATE, "optimiser state: %u parameter views, this optimiser has %d",
                            n_views, o->n_views);
    uint64_t total = get_u64(p + 48);
    if (total != (uint64_t)o->total)
        return hn_error_set(err, HN_ERR_STATE, "optimiser state: %llu values in all, this optimiser has %lld",
                            (unsigned long long)total, (long long)o->total);
    if (get_u64(p + 32) > (uint64_t)INT64_MAX)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: step count at byte 32 is negative");
    double lr;
    uint64_t lr_bits = get_u64(p + 40);
    memcpy(&lr, &lr_bits, 8);
    if (!isfinite(lr) || lr < 0)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: learning rate %g at byte 40 is invalid", lr);
    return HN_OK;
}

hn_status hn_optim_state_load(hn_optim *o, const void *buf, size_t len, hn_error *err)
{
    if (!o || !buf)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_state_load: %s is NULL", o ? "buf" : "opt");
    const unsigned char *p = buf;
    if (len < HEADER_SIZE)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: %zu bytes, shorter than its %d-byte header",
                            len, HEADER_SIZE);
    hn_status st = check_header(o, p, err);
    if (st != HN_OK)
        return st;
    size_t size = hn_optim_state_size(o);
    if (len != size)
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: %zu bytes, expected %zu%s", len, size,
                            len < size ? " (truncated)" : "");
    for (int i = 0; i < o->n_views; i++) {
        uint64_t n = get_u64(p + HEADER_SIZE + 8 * (size_t)i);
        if (n != (uint64_t)o->views[i].n)
            return hn_error_set(err, HN_ERR_STATE,
                                "optimiser state: view %d has %llu values (byte %zu), '%.64s' here has %lld", i,
                                (unsigned long long)n, (size_t)HEADER_SIZE + 8 * (size_t)i, o->views[i].name,
                                (long long)o->views[i].n);
    }
    uint64_t sum = get_u64(p + size - 8);
    if (sum != fnv1a(p, size - 8))
        return hn_error_set(err, HN_ERR_FORMAT, "optimiser state: checksum mismatch at byte %zu (corrupted)",
                            size - 8);
    /* everything checked: commit */
    o->step = (int64_t)get_u64(p + 32);
    uint64_t lr_bits = get_u64(p + 40);
    memcpy(&o->cfg.lr, &lr_bits, 8);
    const unsigned char *q = p + HEADER_SIZE + 8 * (size_t)o->n_views;
    size_t nf = (size_t)o->n_slots * (size_t)o->total;
    for (size_t i = 0; i < nf; i++, q += 4) {
        uint32_t bits = get_u32(q);
        memcpy(&o->state[i], &bits, 4);
    }
    o->last_norm = NAN;
    return o->dev ? hn_optim__dev_push(o, err) : HN_OK;
}

hn_status hn_optim_state_write(const hn_optim *o, FILE *f, hn_error *err)
{
    if (!o || !f)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_state_write: %s is NULL", o ? "f" : "opt");
    size_t size = hn_optim_state_size(o);
    unsigned char *buf = malloc(size);
    if (!buf)
        return hn_error_set(err, HN_ERR_NOMEM, "hn_optim_state_write: out of memory for %zu bytes", size);
    hn_status st = hn_optim_state_save(o, buf, size, err);
    if (st == HN_OK && fwrite(buf, 1, size, f) != size)
        st = hn_error_set(err, HN_ERR_IO, "hn_optim_state_write: writing %zu bytes failed", size);
    free(buf);
    return st;
}

hn_status hn_optim_state_read(hn_optim *o, FILE *f, hn_error *err)
{
    if (!o || !f)
        return hn_error_set(err, HN_ERR_ARG, "hn_optim_state_read: %s is NULL", o ? "f" : "opt");
    unsigned char head[HEADER_SIZE];
    size_t got = fread(head, 1, sizeof head, f);
    if (got != sizeof head)
        return hn_error_set(err, HN_ERR_IO, "optimiser state: header truncated (%zu of %d bytes)", got,
                            HEADER_SIZE);
    /* the header must match this optimiser before its sizes decide how much to read */
    hn_status st = check_header(o, head, err);
    if (st != HN_OK)
        return st;
    size_t size = hn_optim_state_size(o);
    unsigned char *buf = malloc(size);
    if (!buf)
        return hn_error_set(err, HN_ERR_NOMEM, "hn_optim_state_read: out of memory for %zu bytes", size);
    memcpy(buf, head, HEADER_SIZE);
    got = fread(buf + HEADER_SIZE, 1, size - HEADER_SIZE, f);
    if (got != size - HEADER_SIZE)
        st = hn_error_set(err, HN_ERR_IO, "optimiser state: truncated (%zu of %zu bytes)", HEADER_SIZE + got,
                          size);
    else
        st = hn_optim_state_load(o, buf, size, err);
    free(buf);
    return st;
}
