/* FANN's side of hepnn's benchmark suite: single-event latency of fann_run on
 * the MLP 28-300-300-300-1 (bounded-linear hidden units, FANN 2.2's nearest to
 * ReLU; sigmoid output), median over --calls calls on events of the same
 * .npy file. Built by bench/run.sh when libfann-dev is installed (not part of
 * the CMake build: FANN is a peer, not a dependency).
 *
 *   fann_infer PREFIX.X.npy CALLS */
#define _POSIX_C_SOURCE 200809L
#include <floatfann.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads the last n rows of a float32 (rows, 28) .npy file (version 1 header). */
static float *read_rows(const char *path, int n, int *got)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        fclose(f);
        return NULL;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    char *h = calloc(hlen + 1, 1);
    if (!h || fread(h, 1, hlen, f) != hlen) {
        fclose(f);
        free(h);
        return NULL;
    }
    const char *s = strstr(h, "'shape': (");
    long rows = s ? strtol(s + 10, NULL, 10) : 0;
    free(h);
    if (rows < 1) {
        fclose(f);
        return NULL;
    }
    int k = rows < n ? (int)rows : n;
    float *x = malloc(sizeof(float) * 28 * (size_t)k);
    if (!x || fseek(f, (long)(10 + hlen) + (rows - k) * 28L * 4L, SEEK_SET) ||
        fread(x, sizeof(float) * 28, (size_t)k, f) != (size_t)k) {
        fclose(f);
        free(x);
        return NULL;
    }
    fclose(f);
    *got = k;
    return x;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fann_infer PREFIX.X.npy CALLS\n");
        return 2;
    }
    int calls = (int)atof(argv[2]), n = 0;
    float *x = read_rows(argv[1], calls, &n);
    if (!x || calls < 1) {
        fprintf(stderr, "fann_infer: cannot read %s\n", argv[1]);
        return 1;
    }
    struct fann *ann = fann_create_standard(5, 28, 300, 300, 300, 1);
    if (!ann)
        return 1;
    fann_set_activation_function_hidden(ann, FANN_LINEAR_PIECE);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_randomize_weights(ann, -0.1f, 0.1f);
    double *t = malloc(sizeof(double) * (size_t)calls), sink = 0;
    for (int i = 0; i < 1000; i++)
        sink += fann_run(ann, x + (i % n) * 28)[0];
    for (int i = 0; i < calls; i++) {
        double t0 = now();
        fann_type *o = fann_run(ann, x + (i % n) * 28);
        t[i] = now() - t0;
        sink += o[0];
    }
    qsort(t, (size_t)calls, sizeof *t, cmp);
    printf("{\"framework\":\"fann\",\"bench\":\"fann_infer_b1\",\"calls\":%d,\"median_us\":%.3f,\"p10_us\":%.3f,"
           "\"p90_us\":%.3f,\"min_us\":%.3f,\"checksum\":%.6g}\n",
           calls, t[calls / 2] * 1e6, t[calls / 10] * 1e6, t[calls * 9 / 10] * 1e6, t[0] * 1e6, sink);
    fann_destroy(ann);
    free(t);
    free(x);
    return 0;
}
