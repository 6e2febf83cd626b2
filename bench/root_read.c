/* ROOT reading speed: writes a flat zlib-compressed tree (float branches of
 * physics-like values) with hepnn's writer, then reads every branch and
 * sets the speed beside a bare zlib inflate of the same baskets (pread +
 * inflate, nothing else), on 1 thread and on 2. Also the peak memory of a
 * read in a fresh process against the size of the arrays it returns.
 *
 *   build/bench/root_read [--entries N] [--branches B] [--file PATH]
 *   (the file goes to $TMPDIR or /tmp unless --file says otherwise)
 *
 * docs/performance.md ("ROOT reading") records results. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "data/root/root_internal.h"
#include "hepnn/rng.h"
#include "hepnn/root.h"
#include "hepnn/root_write.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int generate(const char *path, int64_t n, int nb)
{
    hn_root_wbranch *br = calloc((size_t)nb, sizeof *br);
    char (*names)[16] = calloc((size_t)nb, sizeof *names);
    for (int i = 0; i < nb; i++) {
        snprintf(names[i], sizeof names[i], "x%02d", i);
        br[i] = (hn_root_wbranch){names[i], HN_ROOT_T_F32, 1, NULL};
    }
    hn_error err = {0};
    hn_root_writer *w;
    if (hn_root_writer_open(path, "bench", br, (size_t)nb, 1, &w, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const int64_t chunk = 1 << 16;
    float **cols = calloc((size_t)nb, sizeof *cols);
    for (int i = 0; i < nb; i++)
        cols[i] = malloc((size_t)chunk * sizeof(float));
    hn_rng r;
    hn_rng_seed(&r, 1);
    for (int64_t at = 0; at < n; at += chunk) {
        int64_t k = n - at < chunk ? n - at : chunk;
        for (int i = 0; i < nb; i++)
            for (int64_t e = 0; e < k; e++) /* a momentum-like value kept to 12 mantissa bits */
                cols[i][e] = (float)((int)(hn_rng_normal(&r) * 40.0 * 64.0)) / 64.0f;
        if (hn_root_writer_append(w, k, (const void *const *)cols, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    for (int i = 0; i < nb; i++)
        free(cols[i]);
    free(cols);
    free(br);
    free(names);
    if (hn_root_writer_close(w, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}

/* pread + inflate of every basket of every branch, nothing else. */
static double bare_inflate(hn_root_tree *t, int threads, double *mb)
{
    double t0 = now();
    int64_t total = 0;
    for (int bi = 0; bi < t->nbr; bi++) {
        const rt_branch *b = &t->br[bi];
#pragma omp parallel for num_threads(threads) reduction(+ : total) schedule(dynamic, 1)
        for (int k = 0; k < b->write_basket; k++) {
            size_t nbytes = (size_t)b->basket_bytes[k];
            uint8_t *raw = malloc(nbytes);
            hn_error e;
            if (rt_file_read(t->file, (uint64_t)b->basket_seek[k], nbytes, raw, &e))
                abort();
            rt_cur c = {raw, nbytes, 0, 0, 0};
            rt_keyhdr kh;
            if (rt_keyhdr_read(&c, &kh))
                abort();
            rt_keyhdr_free(&kh);
            uint8_t *out = malloc((size_t)kh.objlen);
            size_t in = (size_t)kh.keylen, got = 0;
            while (got < (size_t)kh.objlen) { /* each ROOT block: 9-byte header, zlib stream */
                const uint8_t *h = raw + in;
                size_t cs = h[3] | (h[4] << 8) | ((size_t)h[5] << 16);
                size_t us = h[6] | (h[7] << 8) | ((size_t)h[8] << 16);
                uLongf dl = (uLongf)us;
                if (uncompress(out + got, &dl, h + 9, (uLong)cs) != Z_OK)
                    abort();
                got += us;
                in += 9 + cs;
            }
            total += kh.objlen;
            free(out);
            free(raw);
        }
    }
    *mb = total / 1e6;
    return now() - t0;
}

static double hepnn_read(hn_root_tree *t, int threads, double *mb)
{
    hn_root_tree_set_threads(t, threads);
    double t0 = now();
    int64_t total = 0;
    for (size_t i = 0; i < hn_root_branch_count(t); i++) {
        hn_root_array a = {0};
        hn_error err = {0};
        if (hn_root_read(t, hn_root_branch_at(t, i)->name, 0, -1, HN_ROOT_F32, &a, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
        total += a.n_values * 4;
        hn_root_array_free(&a);
    }
    *mb = total / 1e6;
    return now() - t0;
}

/* Run in a fresh process (OpenMP does not survive fork): read all branches
 * and keep them; report peak RSS against the arrays' size. */
static void memory_check(const char *path)
{
    {
        hn_root_file *f;
        hn_root_tree *t;
        hn_error err = {0};
        struct rusage ru0;
        getrusage(RUSAGE_SELF, &ru0);
        if (hn_root_open(path, &f, &err) || hn_root_tree_open(f, "bench", &t, &err))
            _exit(1);
        hn_root_tree_set_threads(t, 2);
        size_t nb = hn_root_branch_count(t);
        hn_root_array *a = calloc(nb, sizeof *a);
        double bytes = 0;
        for (size_t i = 0; i < nb; i++) {
            if (hn_root_read(t, hn_root_branch_at(t, i)->name, 0, -1, HN_ROOT_F32, &a[i], &err))
                _exit(1);
            bytes += a[i].n_values * 4.0;
        }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double peak = ru.ru_maxrss * 1024.0, base = ru0.ru_maxrss * 1024.0;
        printf("memory: arrays %.1f MB, peak RSS %.1f MB (%.1f MB at start): (peak - start) / arrays "
               "= %.3f\n",
               bytes / 1e6, peak / 1e6, base / 1e6, (peak - base) / bytes);
    }
}

int main(int argc, char **argv)
{
    int64_t n = 1000000;
    int nb = 20;
    char defpath[4096];
    snprintf(defpath, sizeof defpath, "%s/hepnn_bench_root_read.root",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    const char *path = defpath;
    if (argc == 3 && !strcmp(argv[1], "--memory")) {
        memory_check(argv[2]);
        return 0;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--entries"))
            n = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--branches"))
            nb = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--file"))
            path = argv[i + 1];
    }
    double t0 = now();
    if (generate(path, n, nb))
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("wrote %s: %lld entries x %d float branches, zlib level 1, in %.1f s\n", path, (long long)n,
           nb, now() - t0);
    hn_root_file *f;
    hn_root_tree *t;
    hn_error err = {0};
    if (hn_root_open(path, &f, &err) || hn_root_tree_open(f, "bench", &t, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("baskets per branch: %lld, file %.1f MB\n", (long long)hn_root_branch_at(t, 0)->baskets,
           f->size / 1e6);
    for (int th = 1; th <= 2; th++) {
        double mb_z, mb_h;
        double best_z = 1e30, best_h = 1e30;
        for (int rep = 0; rep < 3; rep++) { /* best of 3: the machine is shared */
            double tz = bare_inflate(t, th, &mb_z);
            double tr = hepnn_read(t, th, &mb_h);
            best_z = tz < best_z ? tz : best_z;
            best_h = tr < best_h ? tr : best_h;
        }
        printf("threads %d: bare inflate %.0f MB/s, hepnn read %.0f MB/s (%.0f %% of inflate)\n", th,
               mb_z / best_z, mb_h / best_h, 100.0 * (mb_h / best_h) / (mb_z / best_z));
    }
    hn_root_tree_close(t);
    hn_root_close(f);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "--memory", path, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return 0;
}
