/*
 * xcheck_main.c - runs every kernel of the C library (through the public C
 * entry points, one thread) on the inputs in argv[1] and writes the outputs
 * to argv[2].  Used by tools/check_aarch64.py to run the portable build
 * under qemu and compare it with the x86-64 build.  Input file: size_t n,
 * n floats, n doubles.  Output: for each elementwise op, n floats then n
 * doubles; then the same for softmax and log_softmax on rows of 100.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fastact.h"
int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    fa_init();
    FILE *f = fopen(argv[1], "rb");
    size_t n = 0;
    if (!f || fread(&n, sizeof n, 1, f) != 1) return 1;
    float *x = malloc(n * 4), *y = malloc(n * 4); double *xd = malloc(n * 8), *yd = malloc(n * 8);
    if (fread(x, 4, n, f) != n || fread(xd, 8, n, f) != n) return 1;
    fclose(f);
    FILE *o = fopen(argv[2], "wb");
    for (int op = 0; op < FA_N_MAP_OPS; op++) {
        fa_map_f32(op, x, y, n, 0.01f, 1); fwrite(y, 4, n, o);
        fa_map_f64(op, xd, yd, n, 0.01, 1); fwrite(yd, 8, n, o);
    }
    for (int op = 0; op < FA_N_ROW_OPS; op++) {
        fa_rows_f32(op, x, y, n / 100, 100, 1); fwrite(y, 4, n, o);
        fa_rows_f64(op, xd, yd, n / 100, 100, 1); fwrite(yd, 8, n, o);
    }
    fclose(o); printf("isa=%s\n", fa_isa_name(fa_isa_active()));
    return 0;
}
