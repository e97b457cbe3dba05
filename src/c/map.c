/*
 * map.c - the elementwise driver: fa_map() picks the kernel (non-temporal
 * stores for large out-of-place outputs, fa_ops.h), decides the thread count
 * (parallel.c) and runs the kernel on contiguous blocks of 64-element
 * multiples, so every element is computed by the same kernel code whatever
 * the split.  Large 16-bit calls of the costly ops read the kernel's results
 * from a table instead (lut16.c; the same bits).
 */
#include <stdint.h>

#include "fa_internal.h"

#define FA_X_NTMIN(E, name, np, g32, g64, nt) [FA_OP_##E] = (nt),
static const size_t nt_min_bytes[FA_N_MAP_OPS] = {FA_MAP_OPS(FA_X_NTMIN)};

/* Elementwise blocks are multiples of this many elements (see parallel.c). */
#define FA_MAP_ALIGN ((size_t)64)

typedef struct {
    fa_map_kernel k;
    const uint16_t *lut; /* 16-bit calls by table (lut16.c), or NULL */
    int lut_nt;          /* the table path's non-temporal stores (as the kernel's would be) */
    const char *x;
    char *y;
    size_t n, esize;
    long nblocks;
    const fa_params *p;
} map_job;

static void map_block(void *ctx, long b)
{
    const map_job *j = (const map_job *)ctx;
    size_t lo = fa_block_lo(b, j->nblocks, j->n, FA_MAP_ALIGN);
    size_t hi = fa_block_lo(b + 1, j->nblocks, j->n, FA_MAP_ALIGN);
    if (hi > lo && j->lut != NULL)
        fa_lut16_apply(j->lut, j->x + lo * j->esize, j->y + lo * j->esize, hi - lo, j->lut_nt);
    else if (hi > lo)
        j->k(j->x + lo * j->esize, j->y + lo * j->esize, hi - lo, j->p);
}

/* The kernel for this call: the non-temporal-store variant for large
 * out-of-place outputs of the ops that gain from it (also channel.c's). */
fa_map_kernel fa_map_pick(int op, int dtype, const void *x, const void *y, size_t n)
{
    const fa_kernel_table *t = fa_kernels();
    size_t lim = nt_min_bytes[op];
    if (lim != 0 && x != y && n >= lim / fa_dtype_size(dtype) && t->map_nt[dtype][op] != NULL)
        return t->map_nt[dtype][op];
    return t->map[dtype][op];
}

void fa_map(int op, int dtype, const void *x, void *y, size_t n, const fa_params *p, int nthreads)
{
    static const fa_params none = {{0.0, 0.0, 0.0, 0.0}};
    map_job j;
    size_t grain;
    if (op < 0 || op >= FA_N_MAP_OPS || dtype < 0 || dtype >= FA_N_DTYPES || n == 0)
        return;
    fa_threads_init();
    j.k = fa_map_pick(op, dtype, x, y, n);
    j.x = (const char *)x;
    j.y = (char *)y;
    j.n = n;
    j.esize = fa_dtype_size(dtype);
    j.p = p != NULL ? p : &none;
    j.lut = n >= FA_LUT16_MIN ? fa_lut16(op, dtype, fa_kernels()->map[dtype][op], j.p, n) : NULL;
    j.lut_nt = j.k != fa_kernels()->map[dtype][op]; /* fa_map_pick chose the non-temporal kernel */
    grain = fa_grain_map(op, dtype);
    fa_run_split(n, grain, nthreads, map_block, &j.nblocks, &j);
}
