/*
 * rows.c - the row-wise driver (softmax family): fa_rows() runs the one-row
 * kernel on whole rows, split over threads by contiguous ranges of rows;
 * rows longer than FA_ROW_BLOCK go to the blocked algorithm (rows_long.c)
 * for every thread count.  Each row is computed by the same kernel whatever
 * the split, so results are bitwise identical for every thread count.
 * 16-bit rows (float16, bfloat16) are converted one row at a time into a
 * float32 scratch row (at most FA_ROW_BLOCK floats, per block of rows),
 * computed by the float32 kernel into a second scratch row (out of place,
 * as a float32 call: softmax's two-pass kernel needs x intact), and each
 * result rounded once on the way back: the float32 kernel's results,
 * rounded once.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fa_internal.h"

typedef struct {
    fa_row_kernel k;
    fa_cvt_kernel to32, from32; /* 16-bit rows only */
    const char *x;
    char *y;
    size_t rows, cols, rbytes;
    long nblocks;
} rows_job;

/* Set when a scratch row could not be allocated (the caller's thread reads
 * it with fa_take_oom; the rows concerned are left unwritten). */
static int g_oom;

int fa_take_oom(void) { return __atomic_exchange_n(&g_oom, 0, __ATOMIC_ACQ_REL); }
void fa_rows_oom(void) { __atomic_store_n(&g_oom, 1, __ATOMIC_RELEASE); }

static void rows_range(const rows_job *j, size_t r0, size_t r1)
{
    float stack[2 * 2048], *w = stack, *w2;
    size_t i;
    if (j->to32 == NULL) {
        for (i = r0; i < r1; i++)
            j->k(j->x + i * j->rbytes, j->y + i * j->rbytes, j->cols);
        return;
    }
    if (j->cols > sizeof stack / sizeof stack[0] / 2 && (w = (float *)malloc(2 * j->cols * sizeof(float))) == NULL) {
        fa_rows_oom();
        return;
    }
    w2 = w + j->cols;
    for (i = r0; i < r1; i++) {
        j->to32(j->x + i * j->rbytes, w, j->cols);
        j->k(w, w2, j->cols);
        j->from32(w2, j->y + i * j->rbytes, j->cols);
    }
    if (w != stack)
        free(w);
}

static void rows_block(void *ctx, long b)
{
    const rows_job *j = (const rows_job *)ctx;
    rows_range(j, fa_block_lo(b, j->nblocks, j->rows, 1), fa_block_lo(b + 1, j->nblocks, j->rows, 1));
}

void fa_rows(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, int nthreads)
{
    rows_job j;
    size_t work, grain;
    int nt;
    fa_team team;
    if (op < 0 || op >= FA_N_ROW_OPS || dtype < 0 || dtype >= FA_N_DTYPES || rows == 0 || cols == 0)
        return;
    fa_threads_init();
    grain = fa_grain_row(op, dtype);
    work = rows > SIZE_MAX / cols ? SIZE_MAX : rows * cols;
    nt = fa_plan_threads(work, grain, nthreads);
    if (cols > FA_ROW_BLOCK) { /* long rows: blocked, for every thread count */
        fa_rows_long(op, dtype, x, y, rows, cols, nt, grain);
        return;
    }
    j.k = fa_kernels()->row[fa_dtype_is16(dtype) ? FA_F32 : dtype][op];
    j.to32 = fa_dtype_is16(dtype) ? fa_kernels()->to_f32[dtype] : NULL;
    j.from32 = fa_dtype_is16(dtype) ? fa_kernels()->from_f32[dtype] : NULL;
    j.x = (const char *)x;
    j.y = (char *)y;
    j.rows = rows;
    j.cols = cols;
    j.rbytes = cols * fa_dtype_size(dtype);
    if ((size_t)nt > rows) /* whole rows per thread (see docs/threading.md) */
        nt = (int)rows;
    team = fa_team_begin(nt);
    if (team.threads <= 1) {
        rows_range(&j, 0, rows);
    } else {
        j.nblocks = fa_split_blocks(rows, cols, team.threads, grain);
        fa_run_blocks(team.threads, j.nblocks, rows_block, &j);
    }
    fa_team_end(team);
}
