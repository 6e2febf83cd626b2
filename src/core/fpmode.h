/* Internal: flushing subnormal floats to zero while hepnn trains.
 *
 * Subnormal floats (below 1.2e-38) turn up in backward passes once a network
 * is confident (tiny output gradients times small weights); every arithmetic
 * instruction that meets one takes a microcode assist on x86, and a training
 * epoch slowed down by 40 % over six epochs that way. Inside the scope the
 * calling thread and every OpenMP worker flush subnormal results and inputs to
 * zero (x86: MXCSR FTZ and DAZ; AArch64: FPCR FZ), as TensorFlow's CPU threads
 * do; OpenBLAS's threads take the caller's mode with each job (Debian's build
 * does: a product of subnormals split over its two threads came out all zero
 * under the flag). The end of the scope puts the caller's mode back on the
 * calling thread and the workers. */
#ifndef HN_CORE_FPMODE_H
#define HN_CORE_FPMODE_H

typedef struct {
    unsigned long mode; /* the calling thread's mode at the start */
    int active;
} hn_fp_scope;

void hn_fp_flush_begin(hn_fp_scope *s);
void hn_fp_flush_end(hn_fp_scope *s);

#endif
