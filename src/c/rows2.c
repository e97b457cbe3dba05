/*
 * rows2.c - the driver of the row backward ops (family rows2, fa_ops.h
 * FA_ROW2_OPS: softmax_backward, log_softmax_backward): fa_rows2() runs the
 * one-row kernel (kernels/fa_grad.inc.h: the row's sum, then its elements)
 * on whole rows, split over threads by contiguous ranges of rows as fa_rows
 * splits them (rows.c).  A row is always computed by one kernel call, so
 * results are bitwise identical for every thread count; 16-bit rows are
 * read and written by the kernels directly (computed in float32 or wider,
 * each result rounded once), no scratch memory.
 */
#include <stdint.h>

#include "fa_internal.h"

typedef struct {
    fa_row2_kernel k;
    const char *dy, *y;
    char *dx;
    size_t rows, cols, rbytes;
    long nblocks;
} rows2_job;

static void rows2_range(const rows2_job *j, size_t r0, size_t r1)
{
    size_t i;
    for (i = r0; i < r1; i++)
        j->k(j->dy + i * j->rbytes, j->y + i * j->rbytes, j->dx + i * j->rbytes, j->cols);
}

static void rows2_block(void *ctx, long b)
{
    const rows2_job *j = (const rows2_job *)ctx;
    rows2_range(j, fa_block_lo(b, j->nblocks, j->rows, 1), fa_block_lo(b + 1, j->nblocks, j->rows, 1));
}

void fa_rows2(int op, int dtype, const void *dy, const void *y, void *dx, size_t rows, size_t cols,
              int nthreads)
{
    rows2_job j;
    size_t work, grain;
    int nt;
    fa_team team;
    if (op < 0 || op >= FA_N_ROW2_OPS || dtype < 0 || dtype >= FA_N_DTYPES || rows == 0 || cols == 0)
        return;
    fa_threads_init();
    grain = fa_grain_row2(op, dtype);
    work = rows > SIZE_MAX / cols ? SIZE_MAX : rows * cols;
    nt = fa_plan_threads(work, grain, nthreads);
    j.k = fa_kernels()->row2[dtype][op];
    j.dy = (const char *)dy;
    j.y = (const char *)y;
    j.dx = (char *)dx;
    j.rows = rows;
    j.cols = cols;
    j.rbytes = cols * fa_dtype_size(dtype);
    if ((size_t)nt > rows) /* whole rows per thread */
        nt = (int)rows;
    team = fa_team_begin(nt);
    if (team.threads <= 1) {
        rows2_range(&j, 0, rows);
    } else {
        j.nblocks = fa_split_blocks(rows, cols, team.threads, grain);
        fa_run_blocks(team.threads, j.nblocks, rows2_block, &j);
    }
    fa_team_end(team);
}
