/*
 * map2.c - the driver of the backward ops of two arrays (family map2, fa_ops.h
 * FA_MAP2_OPS): fa_map2() computes dx[i] = f(dy[i], x[i]; params) with the
 * contract of fa_map (map.c): the thread count from the op's grain
 * (parallel.c's planner and core budget), contiguous blocks of 64-element
 * multiples run by fa_run_blocks, so every element is computed by the same
 * kernel code whatever the split (bitwise identical for every thread count).
 * Also the grains of the backward families (map2 and rows2), scaled by
 * FASTACT_GRAIN_SCALE as parallel.c scales the others.
 */
#include <stdint.h>

#include "fa_internal.h"

#define FA_MAP2_ALIGN ((size_t)64)

#define FA_X_G2_32(E, name, np, g32, g64) [FA_OP_##E] = (g32),
#define FA_X_G2_64(E, name, np, g32, g64) [FA_OP_##E] = (g64),
#define FA_X_RG2_32(E, name, g32, g64) [FA_OP_##E] = (g32),
#define FA_X_RG2_64(E, name, g32, g64) [FA_OP_##E] = (g64),
static const size_t grain2_32[FA_N_MAP2_OPS] = {FA_MAP2_OPS(FA_X_G2_32)};
static const size_t grain2_64[FA_N_MAP2_OPS] = {FA_MAP2_OPS(FA_X_G2_64)};
static const size_t rgrain2_32[FA_N_ROW2_OPS] = {FA_ROW2_OPS(FA_X_RG2_32)};
static const size_t rgrain2_64[FA_N_ROW2_OPS] = {FA_ROW2_OPS(FA_X_RG2_64)};

/* g * FASTACT_GRAIN_SCALE, at least one 64-element block (as parallel.c). */
static size_t scaled(size_t g)
{
    double v = (double)g * fa_grain_scale();
    if (v < (double)FA_MAP2_ALIGN)
        return FA_MAP2_ALIGN;
    return v > 1e15 ? (size_t)1e15 : (size_t)v;
}

/* 16-bit data is computed in float32: the float32 grains. */
size_t fa_grain_map2(int op, int dtype) { return scaled(dtype == FA_F64 ? grain2_64[op] : grain2_32[op]); }
size_t fa_grain_row2(int op, int dtype) { return scaled(dtype == FA_F64 ? rgrain2_64[op] : rgrain2_32[op]); }

typedef struct {
    fa_map2_kernel k;
    const char *dy, *x;
    char *dx;
    size_t n, esize;
    long nblocks;
    const fa_params *p;
} map2_job;

static void map2_block(void *ctx, long b)
{
    const map2_job *j = (const map2_job *)ctx;
    size_t lo = fa_block_lo(b, j->nblocks, j->n, FA_MAP2_ALIGN);
    size_t hi = fa_block_lo(b + 1, j->nblocks, j->n, FA_MAP2_ALIGN);
    if (hi > lo)
        j->k(j->dy + lo * j->esize, j->x + lo * j->esize, j->dx + lo * j->esize, hi - lo, j->p);
}

void fa_map2(int op, int dtype, const void *dy, const void *x, void *dx, size_t n, const fa_params *p,
             int nthreads)
{
    static const fa_params none = {{0.0, 0.0, 0.0, 0.0}};
    map2_job j;
    size_t grain;
    if (op < 0 || op >= FA_N_MAP2_OPS || dtype < 0 || dtype >= FA_N_DTYPES || n == 0)
        return;
    fa_threads_init();
    j.k = fa_kernels()->map2[dtype][op];
    j.dy = (const char *)dy;
    j.x = (const char *)x;
    j.dx = (char *)dx;
    j.n = n;
    j.esize = fa_dtype_size(dtype);
    j.p = p != NULL ? p : &none;
    grain = fa_grain_map2(op, dtype);
    fa_run_split(n, grain, nthreads, map2_block, &j.nblocks, &j);
}
