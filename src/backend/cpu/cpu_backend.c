/* The CPU backend: every op, OpenBLAS for matrix products, OpenMP for the rest. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"

static void *cpu_alloc(void *ctx, size_t bytes)
{
    (void)ctx;
    size_t rounded = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

static void cpu_release(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static const hn_backend cpu_backend = {
    .name = "cpu",
    .forward = {
#define HN_X_FWD(ID, id, name, amin, amax, infer) [HN_OP_##ID] = hn_cpu_##id##_fwd,
        HN_OP_LIST(HN_X_FWD)
#undef HN_X_FWD
    },
    .backward = {
#define HN_X_BWD(ID, id, name, amin, amax, infer) [HN_OP_##ID] = hn_cpu_##id##_bwd,
        HN_OP_LIST(HN_X_BWD)
#undef HN_X_BWD
    },
    .alloc = cpu_alloc,
    .release = cpu_release,
};

const hn_backend *hn_backend_cpu(void) { return &cpu_backend; }
