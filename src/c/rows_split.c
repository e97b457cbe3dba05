/*
 * rows_split.c - softmax / log_softmax of rows whose elements the caller
 * keeps in separate pieces (the chunks of a dask array along the axis): the
 * blocked long-row algorithm of rows_long.c with its passes exposed as entry
 * points (fastact.h states the contract), so that a caller can run pass A on
 * each piece, merge the statistics of every row in piece order with the same
 * combination (fa_combine_row, rows_long.c), and run pass B on each piece.
 *
 * A piece of `cols` elements is cut into fa_rows_nblocks(cols) blocks of
 * FA_ROW_BLOCK elements (the last one shorter), exactly as fa_rows cuts a
 * long row, and every (row, block) pair has its own statistics.  So a row cut
 * into pieces whose lengths are multiples of FA_ROW_BLOCK gets bitwise the
 * blocks, statistics and results fa_rows gives the whole row when it is
 * longer than FA_ROW_BLOCK; other cuts give the same maths with other block
 * boundaries (results within the same error bound).
 *
 * Threads: the (row, block) pairs of one call are split statically over the
 * threads (each pair is computed by the same kernel whatever the split, so
 * results do not depend on the thread count); fa_rows_combine is serial.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fa_internal.h"

size_t fa_rows_nblocks(size_t cols) { return (cols + FA_ROW_BLOCK - 1) / FA_ROW_BLOCK; }

int fa_rows_fix_uses_terms(int op) { return op == FA_OP_SOFTMAX; }

typedef struct {
    fa_rowpart_kernel part;
    fa_rowfix_kernel fix;
    const char *x;
    char *y; /* NULL (pass A only): each block of pairs uses its own scratch */
    size_t rows, cols, nb, esize, npairs;
    double *m, *s;             /* pass A: outputs */
    const double *a, *b;       /* pass B: inputs */
    long nblocks;
    int failed;                /* pass A: a scratch allocation failed */
} split_job;

/* (row, block) pair -> element offset (bytes) and length */
static size_t pair_span(const split_job *j, size_t pair, size_t *len)
{
    size_t r = pair / j->nb, lo = (pair % j->nb) * FA_ROW_BLOCK;
    *len = j->cols - lo < FA_ROW_BLOCK ? j->cols - lo : FA_ROW_BLOCK;
    return (r * j->cols + lo) * j->esize;
}

static void part_range(split_job *j, size_t p0, size_t p1)
{
    char *scratch = NULL;
    size_t p, len, off;
    if (p0 >= p1)
        return;
    if (j->y == NULL) {
        scratch = (char *)malloc(FA_ROW_BLOCK * j->esize);
        if (scratch == NULL) {
            __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);
            return;
        }
    }
    for (p = p0; p < p1; p++) {
        double m;
        off = pair_span(j, p, &len);
        j->s[p] = j->part(j->x + off, scratch != NULL ? scratch : j->y + off, len, &m);
        j->m[p] = m;
    }
    free(scratch);
}

static void fix_range(const split_job *j, size_t p0, size_t p1)
{
    size_t p, len, off;
    for (p = p0; p < p1; p++) {
        off = pair_span(j, p, &len);
        j->fix(j->x + off, j->y + off, len, j->a[p], j->b[p]);
    }
}

static void part_body(void *ctx, long b)
{
    split_job *j = (split_job *)ctx;
    part_range(j, fa_block_lo(b, j->nblocks, j->npairs, 1), fa_block_lo(b + 1, j->nblocks, j->npairs, 1));
}

static void fix_body(void *ctx, long b)
{
    const split_job *j = (const split_job *)ctx;
    fix_range(j, fa_block_lo(b, j->nblocks, j->npairs, 1), fa_block_lo(b + 1, j->nblocks, j->npairs, 1));
}

/* Fill the job; 0, or -1 for invalid arguments. */
static int split_init(split_job *j, int op, int dtype, const void *x, void *y, size_t rows, size_t cols)
{
    const fa_kernel_table *t;
    if (op < 0 || op >= FA_N_ROW_OPS || (dtype != FA_F32 && dtype != FA_F64))
        return -1;
    fa_threads_init();
    t = fa_kernels();
    j->part = t->row_part[dtype][op];
    j->fix = t->row_fix[dtype][op];
    j->x = (const char *)x;
    j->y = (char *)y;
    j->rows = rows;
    j->cols = cols;
    j->nb = fa_rows_nblocks(cols);
    j->esize = fa_dtype_size(dtype);
    j->npairs = rows * j->nb;
    j->failed = 0;
    return 0;
}

/* Run body over the job's pairs on up to `nthreads` threads. */
static void split_run(split_job *j, int op, int dtype, int nthreads, fa_block_fn body)
{
    size_t grain = fa_grain_row(op, dtype);
    size_t work = j->rows > SIZE_MAX / j->cols ? SIZE_MAX : j->rows * j->cols;
    int nt = fa_plan_threads(work, grain, nthreads);
    fa_team team;
    if ((size_t)nt > j->npairs)
        nt = (int)j->npairs;
    team = fa_team_begin(nt);
    if (team.threads <= 1) {
        j->nblocks = 1;
        body(j, 0);
    } else {
        j->nblocks = fa_split_blocks(j->npairs, j->cols < FA_ROW_BLOCK ? j->cols : FA_ROW_BLOCK, team.threads,
                                     grain);
        fa_run_blocks(team.threads, j->nblocks, body, j);
    }
    fa_team_end(team);
}

int fa_rows_part(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, double *m, double *s,
                 int nthreads)
{
    split_job j;
    if (split_init(&j, op, dtype, x, y, rows, cols) != 0 || ((x == NULL || m == NULL || s == NULL) && rows && cols))
        return -1;
    if (rows == 0 || cols == 0)
        return 0;
    j.m = m;
    j.s = s;
    split_run(&j, op, dtype, nthreads, part_body);
    return j.failed ? -2 : 0;
}

int fa_rows_combine(int op, size_t rows, size_t npieces, double *m, double *s)
{
    fa_blk *blk;
    size_t r, k;
    if (op < 0 || op >= FA_N_ROW_OPS || ((m == NULL || s == NULL) && rows && npieces))
        return -1;
    if (rows == 0 || npieces == 0)
        return 0;
    blk = npieces <= SIZE_MAX / sizeof(fa_blk) ? (fa_blk *)malloc(npieces * sizeof(fa_blk)) : NULL;
    if (blk == NULL)
        return -2;
    for (r = 0; r < rows; r++) { /* one row's statistics at a time, through rows_long.c's combination */
        double *mr = m + r * npieces, *sr = s + r * npieces;
        for (k = 0; k < npieces; k++) {
            blk[k].m = mr[k];
            blk[k].s = sr[k];
        }
        fa_combine_row(op, blk, npieces);
        for (k = 0; k < npieces; k++) {
            mr[k] = blk[k].m;
            sr[k] = blk[k].s;
        }
    }
    free(blk);
    return 0;
}

int fa_rows_fix(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, const double *a,
                const double *b, int nthreads)
{
    split_job j;
    if (split_init(&j, op, dtype, x, y, rows, cols) != 0 ||
        ((x == NULL || y == NULL || a == NULL || b == NULL) && rows && cols))
        return -1;
    if (rows == 0 || cols == 0)
        return 0;
    j.a = a;
    j.b = b;
    split_run(&j, op, dtype, nthreads, fix_body);
    return 0;
}
