/*
 * kernel_cycles.c - the per-element cost of the elementwise and row kernels
 * in L1: time stamp counter ticks (and ns) per element of one call on 2048
 * elements, the minimum over many calls, at every ISA level this CPU runs.
 * Compute cost without the memory system, the Python call or threads: what
 * the bench's 1e5 / 1e7 figures are built from.  Built against the objects
 * of `python setup.py build_ext --inplace` (T = build/temp.<platform>/src/c):
 *
 *   gcc -O2 -Isrc/c tools/kernel_cycles.c $T/[a-z]*.o $T/kernels/[a-z]*.o -fopenmp -lm -o kc
 *   ./kc [-t f32|f64|f16|bf16] [op ...]        (default f32, every op)
 *
 * Row ops run as 2 rows of 1024.  The backward ops (map2, rows2) take dy =
 * the same values as x, reversed (rows2: y = x, not a softmax output; the
 * cost does not depend on it).  Every op parameter is 1.0.
 * The TSC counts at the CPU's nominal clock, not the core's actual one (a
 * boosting core does more cycles per tick); compare ops and levels on one
 * machine, not across machines.  x86-64 only (rdtsc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <x86intrin.h>

#include "fa_internal.h"

#define N 2048
#define CALLS 40
#define REPS 80

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int wanted(int argc, char **argv, const char *name)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcasecmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    static const char *dt_names[FA_N_DTYPES] = {"f32", "f64", "f16", "bf16"};
    int dt = FA_F32;
    float *x0 = aligned_alloc(64, N * sizeof(float));
    char *x = aligned_alloc(64, N * 8), *y = aligned_alloc(64, N * 8), *dy = aligned_alloc(64, N * 8);
    fa_params p;
    double tick_ns;
    memset(&p, 0, sizeof p);
    for (int i = 0; i < FA_MAX_PARAMS; i++) /* every parameter (slope, alpha, ...) = 1: a valid value for each */
        p.v[i] = 1.0;
    srand(1);
    for (int i = 0; i < N; i++) { /* ~N(0, 3^2), the bench's distribution */
        double u = 0.0;
        for (int k = 0; k < 12; k++)
            u += rand() / (double)RAND_MAX;
        x0[i] = (float)(3.0 * (u - 6.0));
    }
    { /* ns per TSC tick */
        double t0 = now_s();
        unsigned long long c0 = __rdtsc();
        while (now_s() - t0 < 0.05) {
        }
        tick_ns = (now_s() - t0) * 1e9 / (double)(__rdtsc() - c0);
    }
    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        for (dt = 0; dt < FA_N_DTYPES && strcmp(argv[2], dt_names[dt]) != 0; dt++) {
        }
        if (dt == FA_N_DTYPES) {
            fprintf(stderr, "unknown dtype %s (f32, f64, f16, bf16)\n", argv[2]);
            return 2;
        }
        argv += 2;
        argc -= 2;
    }
    fa_init();
    for (int i = 0; i < N; i++)
        ((double *)x)[i] = x0[i];
    if (dt == FA_F32)
        memcpy(x, x0, N * sizeof(float));
    else if (dt != FA_F64)
        fa_kernels()->from_f32[dt](x0, x, N);
    {
        size_t es = fa_dtype_size(dt);
        for (int i = 0; i < N; i++)
            memcpy(dy + (size_t)i * es, x + (size_t)(N - 1 - i) * es, es);
    }
    printf("%s kernels on %d elements in L1, min over %d x %d calls; TSC %.2f GHz\n", dt_names[dt], N, REPS, CALLS,
           1.0 / tick_ns);
    printf("%-22s", "op");
    for (int lv = 0; lv < FA_N_ISA; lv++)
        if (fa_isa_supported() & (1u << lv))
            printf(" %16s", fa_isa_name(lv));
    printf("   (ticks/element, ns/element)\n");
    static const int fams[4] = {FA_FAMILY_MAP, FA_FAMILY_ROWS, FA_FAMILY_MAP2, FA_FAMILY_ROWS2};
    for (int fam = 0; fam < 4; fam++) {
        int nops = fam == 0 ? FA_N_MAP_OPS : fam == 1 ? FA_N_ROW_OPS : fam == 2 ? FA_N_MAP2_OPS : FA_N_ROW2_OPS;
        for (int op = 0; op < nops; op++) {
            const char *name = fa_op_name(fams[fam], op);
            if (!wanted(argc, argv, name))
                continue;
            for (const char *c = name; *c; c++)
                putchar(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
            printf("%*s", 22 - (int)strlen(name), "");
            for (int lv = 0; lv < FA_N_ISA; lv++) {
                double best = 1e30;
                if (!(fa_isa_supported() & (1u << lv)))
                    continue;
                fa_isa_set(lv);
                if (fam == 0   ? fa_kernels()->map[dt][op] == NULL
                    : fam == 1 ? fa_kernels()->row[dt][op] == NULL
                    : fam == 2 ? fa_kernels()->map2[dt][op] == NULL
                               : fa_kernels()->row2[dt][op] == NULL) {
                    printf(" %16s", "-");
                    continue;
                }
                for (int r = 0; r < REPS; r++) {
                    unsigned long long c0 = __rdtsc();
                    for (int c = 0; c < CALLS; c++) {
                        if (fam == 0)
                            fa_kernels()->map[dt][op](x, y, N, &p);
                        else if (fam == 2)
                            fa_kernels()->map2[dt][op](dy, x, y, N, &p);
                        else if (fam == 3) {
                            size_t h = N / 2 * fa_dtype_size(dt);
                            fa_kernels()->row2[dt][op](dy, x, y, N / 2); /* 2 rows of 1024 */
                            fa_kernels()->row2[dt][op](dy + h, x + h, y + h, N / 2);
                        }
                        else
                            {
                            fa_kernels()->row[dt][op](x, y, N / 2); /* 2 rows of 1024 */
                            fa_kernels()->row[dt][op](x + N / 2 * fa_dtype_size(dt), y + N / 2 * fa_dtype_size(dt), N / 2);
                        }
                    }
                    double t = (double)(__rdtsc() - c0) / ((double)CALLS * N);
                    if (t < best)
                        best = t;
                }
                printf("    %5.3f (%5.3f)", best, best * tick_ns);
            }
            printf("\n");
        }
    }
    free(x0);
    free(x);
    free(y);
    free(dy);
    return 0;
}
