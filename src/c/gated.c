/*
 * gated.c - the driver of the gated forms (glu, swiglu, geglu, reglu):
 * fa_gated() runs the op's kernel (fa_ops.h FA_GATED_OPS, kernels/
 * fa_gated.inc.h) over `outer` blocks of x of 2n elements (a = the first n,
 * b = the last n) into `outer` blocks of y of n elements.
 *
 * A C-contiguous array with the gated axis of length 2h and `inner`
 * elements per step after it is exactly that layout with n = h * inner: both
 * halves of each outer index are contiguous runs, so one pass reads a and b
 * and writes y, with no temporary for the activated half.
 *
 * Threads split the output's outer * n elements into contiguous ranges of
 * 64-element multiples (parallel.c); a range may start or end inside a
 * block.  A kernel's result for an element never depends on its position,
 * so results are bitwise identical for every thread count.
 */
#include <stdint.h>

#include "fa_internal.h"

#define FA_GATED_ALIGN ((size_t)64)

typedef struct {
    fa_gated_kernel k;
    const char *x;
    char *y;
    size_t n, total, esize;
    long nblocks;
} gated_job;

/* Output elements [lo, hi), cut at the block boundaries. */
static void gated_range(const gated_job *j, size_t lo, size_t hi)
{
    while (lo < hi) {
        size_t o = lo / j->n, i = lo - o * j->n;
        size_t e = (o + 1) * j->n;
        const char *a = j->x + (o * 2 * j->n + i) * j->esize;
        if (e > hi)
            e = hi;
        j->k(a, a + j->n * j->esize, j->y + lo * j->esize, e - lo);
        lo = e;
    }
}

static void gated_block(void *ctx, long b)
{
    const gated_job *j = (const gated_job *)ctx;
    gated_range(j, fa_block_lo(b, j->nblocks, j->total, FA_GATED_ALIGN),
                fa_block_lo(b + 1, j->nblocks, j->total, FA_GATED_ALIGN));
}

void fa_gated(int op, int dtype, const void *x, void *y, size_t outer, size_t n, int nthreads)
{
    gated_job j;
    size_t grain;
    if (op < 0 || op >= FA_N_GATED_OPS || dtype < 0 || dtype >= FA_N_DTYPES || outer == 0 || n == 0)
        return;
    if (outer > SIZE_MAX / n)
        return;
    fa_threads_init();
    j.k = fa_kernels()->gated[dtype][op];
    j.x = (const char *)x;
    j.y = (char *)y;
    j.n = n;
    j.total = outer * n;
    j.esize = fa_dtype_size(dtype);
    grain = fa_grain_gated(op, dtype);
    fa_run_split(j.total, grain, nthreads, gated_block, &j.nblocks, &j);
}

/* ---- fa_gated_backward: the same split, over the elements of dy ---- */
typedef struct {
    fa_gated_bwd_kernel k;
    const char *dy, *x;
    char *dx;
    size_t n, total, esize;
    long nblocks;
} gated_bwd_job;

static void gated_bwd_range(const gated_bwd_job *j, size_t lo, size_t hi)
{
    while (lo < hi) {
        size_t o = lo / j->n, i = lo - o * j->n;
        size_t e = (o + 1) * j->n, off = (o * 2 * j->n + i) * j->esize;
        if (e > hi)
            e = hi;
        j->k(j->dy + lo * j->esize, j->x + off, j->x + off + j->n * j->esize, j->dx + off,
             j->dx + off + j->n * j->esize, e - lo);
        lo = e;
    }
}

static void gated_bwd_block(void *ctx, long b)
{
    const gated_bwd_job *j = (const gated_bwd_job *)ctx;
    gated_bwd_range(j, fa_block_lo(b, j->nblocks, j->total, FA_GATED_ALIGN),
                    fa_block_lo(b + 1, j->nblocks, j->total, FA_GATED_ALIGN));
}

void fa_gated_backward(int op, int dtype, const void *dy, const void *x, void *dx, size_t outer, size_t n,
                       int nthreads)
{
    gated_bwd_job j;
    size_t grain;
    if (op < 0 || op >= FA_N_GATED_OPS || dtype < 0 || dtype >= FA_N_DTYPES || outer == 0 || n == 0)
        return;
    if (outer > SIZE_MAX / n)
        return;
    fa_threads_init();
    j.k = fa_kernels()->gated_bwd[dtype][op];
    j.dy = (const char *)dy;
    j.x = (const char *)x;
    j.dx = (char *)dx;
    j.n = n;
    j.total = outer * n;
    j.esize = fa_dtype_size(dtype);
    grain = fa_grain_gated(op, FA_F64); /* computed in double whatever the dtype */
    fa_run_split(j.total, grain, nthreads, gated_bwd_block, &j.nblocks, &j);
}
