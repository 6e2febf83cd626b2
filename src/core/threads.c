#include "hepnn/threads.h"

#include "core/fpmode.h"

#include <cblas.h>
#include <omp.h>

hn_status hn_threads_set(int kernel_threads, int blas_threads, hn_error *err)
{
    if (kernel_threads < 0 || blas_threads < 0)
        return hn_error_set(err, HN_ERR_ARG, "threads_set: counts must be >= 0 (got %d kernel, %d BLAS)",
                            kernel_threads, blas_threads);
    if (kernel_threads > 0)
        omp_set_num_threads(kernel_threads);
    if (blas_threads > 0)
        openblas_set_num_threads(blas_threads);
    return HN_OK;
}

int hn_threads_kernel(void) { return omp_get_max_threads(); }
int hn_threads_blas(void) { return openblas_get_num_threads(); }

/* --- flushing subnormals (core/fpmode.h) ----------------------------------- */

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HN_FP_FLUSH_BITS 0x8040ul /* FTZ | DAZ */
static unsigned long fp_get(void) { return _mm_getcsr(); }
static void fp_set(unsigned long m) { _mm_setcsr((unsigned)m); }
#elif defined(__aarch64__)
#define HN_FP_FLUSH_BITS (1ul << 24) /* FZ */
static unsigned long fp_get(void)
{
    unsigned long m;
    __asm__ volatile("mrs %0, fpcr" : "=r"(m));
    return m;
}
static void fp_set(unsigned long m) { __asm__ volatile("msr fpcr, %0" : : "r"(m)); }
#else
#define HN_FP_FLUSH_BITS 0ul
static unsigned long fp_get(void) { return 0; }
static void fp_set(unsigned long m) { (void)m; }
#endif

void hn_fp_flush_begin(hn_fp_scope *s)
{
    s->mode = fp_get();
    s->active = HN_FP_FLUSH_BITS != 0;
    if (!s->active)
        return;
    unsigned long on = s->mode | HN_FP_FLUSH_BITS;
    fp_set(on);
#pragma omp parallel num_threads(omp_get_max_threads())
    fp_set(on);
}

void hn_fp_flush_end(hn_fp_scope *s)
{
    if (!s->active)
        return;
    unsigned long back = s->mode;
#pragma omp parallel num_threads(omp_get_max_threads())
    fp_set(back);
    fp_set(back);
    s->active = 0;
}
