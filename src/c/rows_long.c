/*
 * rows_long.c - softmax / log_softmax of rows longer than FA_ROW_BLOCK: the
 * blocked algorithm, for every thread count (fa_internal.h states the
 * part/fix kernel contract).
 *
 * Every long row is cut into blocks of FA_ROW_BLOCK elements (the last one
 * shorter) whatever the thread count.  Pass A (kernel row_part) gives each
 * block's max m_b and sum s_b; fa_combine_row merges them serially in block
 * order (rows_split.c uses it too, for rows whose pieces the caller keeps
 * apart); pass B (kernel row_fix) writes the block's results.  Each block is
 * computed by the same kernels with the same inputs however the work is
 * split, so results are bitwise identical for every thread count.
 *   softmax:     M = max m_b, S = sum s_b e^(m_b - M), y = e^(x - m_b) * f_b
 *                with f_b = e^(m_b - M) / S rounded to the dtype;
 *   log_softmax: b* = first block with m_b = M, S1 = s_b* + sum over the
 *                other blocks of e^(m_b - M) (1 + s_b) (s_b excludes one
 *                maximum of each block), y = (x - M) - log1p(S1), as in the
 *                one-row kernel.
 * e^(m_b - M) is libm's expl of m_b - M with its rounding error carried
 * (TwoSum); the sums are compensated (Neumaier; softmax's in long double).  Special rows: a
 * NaN or +inf anywhere, or a row of only -inf, give an all-NaN row, as the
 * one-row kernels do.
 *
 * Threads: with at least as many rows as threads, whole rows per thread
 * (static split, as rows.c); with fewer rows than threads, the threads
 * share the (row, block) pairs of both passes in one team.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fa_internal.h"

/* Neumaier-compensated running total: *s + *c accumulates v. */
static void acc_sum(double *s, double *c, double v)
{
    double t = *s + v;
    *c += fabs(*s) >= fabs(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* e^(a - b) for a <= b, a not NaN, b finite, in long double: the
 * difference of two doubles is exact (or within 2^-64) there, and expl
 * keeps the factor's error far below a double ulp (where long double is
 * double, as on MSVC, the TwoSum error term is carried as before). */
static long double exp_diff(double a, double b)
{
    double d = a - b, t, err;
    long double e;
    if (!(d > -1000.0)) /* a = -inf or far below b: 0 in double */
        return 0.0L;
    t = d - a; /* TwoSum: a + (-b) == d + err exactly */
    err = (a - (d - t)) + (-b - t);
    e = expl((long double)d + (long double)err);
    return e;
}

/* Neumaier-compensated running total in long double */
static void acc_sum_l(long double *s, long double *c, long double v)
{
    long double t = *s + v;
    *c += fabsl(*s) >= fabsl(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* Merge the nb blocks of one row; leaves the arguments of row_fix in blk
 * (fa_internal.h; rows_split.c exports it as fa_rows_combine). */
void fa_combine_row(int op, fa_blk *blk, size_t nb)
{
    double M = -INFINITY, S = 0.0, c = 0.0, L;
    size_t b, bs = 0;
    int bad = 0;
    for (b = 0; b < nb; b++) {
        if (blk[b].m != blk[b].m)
            bad = 1;
        else if (blk[b].m > M) {
            M = blk[b].m;
            bs = b;
        }
    }
    if (bad || !(M < INFINITY)) { /* NaN or +inf in the row, or all -inf */
        for (b = 0; b < nb; b++)
            blk[b].m = blk[b].s = (double)NAN;
        return;
    }
    if (op == FA_OP_SOFTMAX) {
        /* f_b = e^(m_b - M) / S rounded once to double: factor, sum and
         * quotient in long double (the one-row kernel's 1/S has one rounding
         * too) */
        long double Sl = 0.0L, cl = 0.0L;
        for (b = 0; b < nb; b++) /* s_b NaN (NaN in the block): S NaN */
            acc_sum_l(&Sl, &cl, (long double)blk[b].s * exp_diff(blk[b].m, M));
        Sl += cl;
        for (b = 0; b < nb; b++) {
            blk[b].m = (double)(exp_diff(blk[b].m, M) / Sl);
            blk[b].s = 0.0;
        }
    } else {
        S = blk[bs].s;
        for (b = 0; b < nb; b++)
            if (b != bs)
                acc_sum(&S, &c, (double)exp_diff(blk[b].m, M) * (1.0 + blk[b].s));
        L = log1p(S + c);
        for (b = 0; b < nb; b++) {
            blk[b].m = M;
            blk[b].s = L;
        }
    }
}

typedef struct {
    int op;
    fa_rowpart_kernel part;
    fa_rowfix_kernel fix;
    fa_cvt_kernel to32, from32; /* 16-bit rows: blocks computed in float32 scratch */
    const char *x;
    char *y;
    size_t rows, cols, nb, esize;
    fa_blk *blk; /* rows * nb entries */
    long nblocks;
} long_job;

/* (row, block) pair `pair` = r * nb + k: pass A.  A 16-bit block is
 * converted into a float32 scratch block first (the float32 kernels' bits). */
static void part_pair(const long_job *j, size_t pair)
{
    size_t r = pair / j->nb, k = pair % j->nb, lo = k * FA_ROW_BLOCK;
    size_t len = j->cols - lo < FA_ROW_BLOCK ? j->cols - lo : FA_ROW_BLOCK;
    size_t off = (r * j->cols + lo) * j->esize;
    double m;
    if (j->to32 != NULL) {
        float *w = (float *)malloc(len * sizeof(float));
        if (w == NULL) {
            fa_rows_oom();
            j->blk[pair].s = j->blk[pair].m = (double)NAN;
            return;
        }
        j->to32(j->x + off, w, len);
        j->blk[pair].s = j->part(w, w, len, &m);
        free(w);
    } else {
        j->blk[pair].s = j->part(j->x + off, j->y + off, len, &m);
    }
    j->blk[pair].m = m;
}

/* the same pair: pass B.  For 16-bit blocks softmax's terms, which pass A
 * stored in y for the other dtypes, are recomputed (the same bits). */
static void fix_pair(const long_job *j, size_t pair)
{
    size_t r = pair / j->nb, k = pair % j->nb, lo = k * FA_ROW_BLOCK;
    size_t len = j->cols - lo < FA_ROW_BLOCK ? j->cols - lo : FA_ROW_BLOCK;
    size_t off = (r * j->cols + lo) * j->esize;
    if (j->to32 != NULL) {
        double m;
        float *w = (float *)malloc(len * sizeof(float));
        if (w == NULL) {
            fa_rows_oom();
            return;
        }
        j->to32(j->x + off, w, len);
        if (j->op == FA_OP_SOFTMAX)
            (void)j->part(w, w, len, &m);
        j->fix(w, w, len, j->blk[pair].m, j->blk[pair].s);
        j->from32(w, j->y + off, len);
        free(w);
        return;
    }
    j->fix(j->x + off, j->y + off, len, j->blk[pair].m, j->blk[pair].s);
}

/* one whole long row r, serially */
static void long_row(const long_job *j, size_t r)
{
    size_t k;
    for (k = 0; k < j->nb; k++)
        part_pair(j, r * j->nb + k);
    fa_combine_row(j->op, j->blk + r * j->nb, j->nb);
    for (k = 0; k < j->nb; k++)
        fix_pair(j, r * j->nb + k);
}

/* runner bodies */
static void part_body(void *ctx, long b) { part_pair((const long_job *)ctx, (size_t)b); }
static void fix_body(void *ctx, long b) { fix_pair((const long_job *)ctx, (size_t)b); }
static void combine_all(void *ctx)
{
    const long_job *j = (const long_job *)ctx;
    size_t r;
    for (r = 0; r < j->rows; r++)
        fa_combine_row(j->op, j->blk + r * j->nb, j->nb);
}
static void rows_body(void *ctx, long b)
{
    const long_job *j = (const long_job *)ctx;
    size_t r0 = fa_block_lo(b, j->nblocks, j->rows, 1), r1 = fa_block_lo(b + 1, j->nblocks, j->rows, 1);
    size_t r;
    for (r = r0; r < r1; r++)
        long_row(j, r);
}

void fa_rows_long(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, int nt,
                  size_t grain)
{
    const fa_kernel_table *t = fa_kernels();
    long_job j;
    size_t r;
    fa_team team;
    const int kd = fa_dtype_is16(dtype) ? FA_F32 : dtype; /* the kernels' dtype */
    j.op = op;
    j.part = t->row_part[kd][op];
    j.fix = t->row_fix[kd][op];
    j.to32 = kd != dtype ? t->to_f32[dtype] : NULL;
    j.from32 = kd != dtype ? t->from_f32[dtype] : NULL;
    j.x = (const char *)x;
    j.y = (char *)y;
    j.rows = rows;
    j.cols = cols;
    j.esize = fa_dtype_size(dtype);
    j.nb = (cols + FA_ROW_BLOCK - 1) / FA_ROW_BLOCK;
    j.blk = NULL;
    if (rows <= SIZE_MAX / sizeof(fa_blk) / j.nb)
        j.blk = (fa_blk *)malloc(rows * j.nb * sizeof(fa_blk));
    if (j.blk == NULL && j.to32 != NULL) {
        fa_rows_oom();
        return;
    }
    if (j.blk == NULL) { /* out of memory: the one-row kernel, serially */
        size_t rb = cols * j.esize;
        for (r = 0; r < rows; r++)
            t->row[dtype][op](j.x + r * rb, j.y + r * rb, cols);
        return;
    }
    if ((size_t)nt > rows && (size_t)nt > rows * j.nb) /* few long rows, few blocks */
        nt = (int)(rows * j.nb);
    team = fa_team_begin(nt);
    if (team.threads > 1 && (size_t)team.threads > rows) { /* few long rows: share (row, block) pairs */
        j.nblocks = (long)(rows * j.nb);
        fa_run_2pass(team.threads, j.nblocks, part_body, combine_all, fix_body, &j);
    } else if (team.threads > 1) { /* whole rows per thread */
        j.nblocks = fa_split_blocks(rows, cols, team.threads, grain);
        fa_run_blocks(team.threads, j.nblocks, rows_body, &j);
    } else {
        for (r = 0; r < rows; r++)
            long_row(&j, r);
    }
    fa_team_end(team);
    free(j.blk);
}
