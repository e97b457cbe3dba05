/*
 * rows.c - the row-wise driver (softmax family): fa_rows() runs the one-row
 * kernel on whole rows, split over threads by contiguous ranges of rows;
 * rows longer than FA_ROW_BLOCK go to the blocked algorithm (rows_long.c)
 * for every thread count.  Each row is computed by the same kernel whatever
 * the split, so results are bitwise identical for every thread count.
 */
#include <stdint.h>

#include "fa_internal.h"

typedef struct {
    fa_row_kernel k;
    const char *x;
    char *y;
    size_t rows, cols, rbytes;
    long nblocks;
} rows_job;

static void rows_block(void *ctx, long b)
{
    const rows_job *j = (const rows_job *)ctx;
    size_t r0 = fa_block_lo(b, j->nblocks, j->rows, 1);
    size_t r1 = fa_block_lo(b + 1, j->nblocks, j->rows, 1);
    size_t i;
    for (i = r0; i < r1; i++)
        j->k(j->x + i * j->rbytes, j->y + i * j->rbytes, j->cols);
}

void fa_rows(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, int nthreads)
{
    rows_job j;
    size_t work, grain, r;
    int nt;
    fa_team team;
    if (op < 0 || op >= FA_N_ROW_OPS || dtype < 0 || dtype >= FA_N_DTYPES || rows == 0 || cols == 0)
        return;
    fa_threads_init();
    if (fa_kernels()->row[dtype][op] == NULL) /* no kernel for this dtype (yet) */
        return;
    grain = fa_grain_row(op, dtype);
    work = rows > SIZE_MAX / cols ? SIZE_MAX : rows * cols;
    nt = fa_plan_threads(work, grain, nthreads);
    if (cols > FA_ROW_BLOCK) { /* long rows: blocked, for every thread count */
        fa_rows_long(op, dtype, x, y, rows, cols, nt, grain);
        return;
    }
    j.k = fa_kernels()->row[dtype][op];
    j.x = (const char *)x;
    j.y = (char *)y;
    j.rows = rows;
    j.cols = cols;
    j.rbytes = cols * fa_dtype_size(dtype);
    if ((size_t)nt > rows) /* whole rows per thread (see docs/threading.md) */
        nt = (int)rows;
    team = fa_team_begin(nt);
    if (team.threads <= 1) {
        for (r = 0; r < rows; r++)
            j.k(j.x + r * j.rbytes, j.y + r * j.rbytes, cols);
    } else {
        j.nblocks = fa_split_blocks(rows, cols, team.threads, grain);
        fa_run_blocks(team.threads, j.nblocks, rows_block, &j);
    }
    fa_team_end(team);
}
