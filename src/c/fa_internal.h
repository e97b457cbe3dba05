/*
 * fa_internal.h - what the parts of the C library share and users of
 * fastact.h never see: the kernel signatures and table (dispatch.c fills it,
 * the drivers read it, kernels/<isa>.c provide the entries) and the parallel
 * runner the drivers use (parallel.c).
 */
#ifndef FA_INTERNAL_H
#define FA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fastact.h"

/* ---- kernels ----
 * x and y are contiguous arrays of the kernel's dtype; y may equal x (in
 * place) but must not otherwise overlap it.  A kernel's result for an
 * element never depends on the element's position (tails are
 * bit-identical).  Kernels are named fa_<op>_<dtype>_<isa> (fa_ops.h names
 * the ops), the non-temporal-store variants ..._nt. */
typedef void (*fa_map_kernel)(const void *x, void *y, size_t n, const fa_params *p);
/* One contiguous row of n >= 1 elements; y may equal x. */
typedef void (*fa_row_kernel)(const void *x, void *y, size_t n);

/* Long rows (cols > FA_ROW_BLOCK, any thread count) are computed in blocks
 * [k*B, min((k+1)*B, cols)), B = FA_ROW_BLOCK, by two kernels per row op;
 * rows_long.c combines the per-block statistics in between, serially in
 * block order, so results do not depend on the thread count:
 *   part(x, y, n, &m) on one block of n >= 1 elements: m = block max,
 *     returns softmax: s = sum e^(x - m), e^(x - m) stored in y;
 *             log_softmax: s = that sum without the block's first element
 *             equal to m (nothing stored; y is only prefetched for the fix pass).
 *     A block of only -inf (m = -inf) is summed as if m = 0 (its terms are
 *     0, or NaN where x is NaN).
 *   fix(x, y, n, a, b) on one block (a, b rounded to the row's dtype):
 *     softmax: y = y * a (x unused);  log_softmax: y = (x - a) - b. */
#define FA_ROW_BLOCK ((size_t)16384)
typedef double (*fa_rowpart_kernel)(const void *x, void *y, size_t n, double *m);
typedef void (*fa_rowfix_kernel)(const void *x, void *y, size_t n, double a, double b);

/* 16-bit <-> float32 conversion of n contiguous elements (fa_half.h's
 * rounding), for the row drivers: 16-bit rows are computed by the float32
 * row kernels on a float32 copy of one row (or block) at a time. */
typedef void (*fa_cvt_kernel)(const void *x, void *y, size_t n);

/* Gated kernels (fa_ops.h FA_GATED_OPS): y[i] = op(a[i], b[i]) for n
 * contiguous elements of each; y does not overlap a or b. */
typedef void (*fa_gated_kernel)(const void *a, const void *b, void *y, size_t n);
/* Their gradients: da[i], db[i] from dy[i], a[i], b[i] (n elements each; no overlap). */
typedef void (*fa_gated_bwd_kernel)(const void *dy, const void *a, const void *b, void *da, void *db, size_t n);
/* Backward kernels (kernels/fa_grad.inc.h): dx[i] from dy[i] and x[i], n
 * contiguous elements; dx may equal dy or x.  Row backward kernels: one row
 * of n >= 1 elements of dy and y (the forward output); dx may equal either. */
typedef void (*fa_map2_kernel)(const void *dy, const void *x, void *dx, size_t n, const fa_params *p);
typedef void (*fa_row2_kernel)(const void *dy, const void *y, void *dx, size_t n);

typedef struct {
    fa_map_kernel map[FA_N_DTYPES][FA_N_MAP_OPS];
    /* the same kernels with non-temporal stores, for large out-of-place
     * outputs (identical results) */
    fa_map_kernel map_nt[FA_N_DTYPES][FA_N_MAP_OPS];
    fa_row_kernel row[FA_N_DTYPES][FA_N_ROW_OPS];
    fa_rowpart_kernel row_part[FA_N_DTYPES][FA_N_ROW_OPS];
    fa_rowfix_kernel row_fix[FA_N_DTYPES][FA_N_ROW_OPS];
    fa_cvt_kernel to_f32[FA_N_DTYPES];   /* FA_F16, FA_BF16 only */
    fa_cvt_kernel from_f32[FA_N_DTYPES];
    fa_gated_kernel gated[FA_N_DTYPES][FA_N_GATED_OPS];
    fa_gated_bwd_kernel gated_bwd[FA_N_DTYPES][FA_N_GATED_OPS];
    /* channel ops with one weight per element: (x, w, y, n), w in x's dtype */
    fa_gated_kernel chan[FA_N_DTYPES][FA_N_CHANNEL_OPS];
    fa_map2_kernel map2[FA_N_DTYPES][FA_N_MAP2_OPS];
    fa_row2_kernel row2[FA_N_DTYPES][FA_N_ROW2_OPS];
} fa_kernel_table;

/* Is dtype stored in 16 bits (computed in float32)? */
static inline int fa_dtype_is16(int dtype) { return dtype == FA_F16 || dtype == FA_BF16; }

/* Each kernels/<isa>.c defines fa_fill_<isa>(), which stores every kernel of
 * that ISA in the table (generated in kernels/fa_kernels.inc.h). */
void fa_fill_scalar(fa_kernel_table *t);
void fa_fill_sse2(fa_kernel_table *t);
void fa_fill_avx2(fa_kernel_table *t);
void fa_fill_avx512(fa_kernel_table *t);
void fa_fill_neon(fa_kernel_table *t);
/* The backward kernels of each ISA (kernels/<isa>_grad.c, fa_grad.inc.h). */
void fa_fill_grad_scalar(fa_kernel_table *t);
void fa_fill_grad_sse2(fa_kernel_table *t);
void fa_fill_grad_avx2(fa_kernel_table *t);
void fa_fill_grad_avx512(fa_kernel_table *t);
void fa_fill_grad_neon(fa_kernel_table *t);

/* The active kernel table (dispatch.c; never NULL after fa_init). */
const fa_kernel_table *fa_kernels(void);

/* Bytes per element of a dtype. */
static inline size_t fa_dtype_size(int dtype) { return dtype == FA_F64 ? 8 : dtype == FA_F32 ? 4 : 2; }

/* ---- cpus.c ---- */

/* CPUs this process may use: the affinity mask and the cgroup CPU quota (>= 1). */
int fa_usable_cpus(void);

/* ---- threads.c ---- */

/* One-time initialisation of the threading state (idempotent, thread-safe);
 * reads the environment once and calls fa_parallel_init. */
void fa_threads_init(void);
/* 1 in a child process after fork(): every call there runs serially. */
int fa_is_forked_child(void);

/* ---- parallel.c: the runner the drivers share ---- */

/* Called once by fa_threads_init with FASTACT_GRAIN_SCALE (default 1), which
 * multiplies every grain (0: every call of >= 128 elements parallel and no
 * contention back-off; a measuring knob that never changes results), and
 * the usable CPUs, the size of the core budget. */
void fa_parallel_init(double grain_scale, int cpu_cap);
/* Grains in use (fa_ops.h times FASTACT_GRAIN_SCALE), in elements. */
size_t fa_grain_map(int op, int dtype);
/* The map kernel for a call on n elements x -> y: the non-temporal-store
 * variant for large out-of-place outputs where the op has one (map.c). */
fa_map_kernel fa_map_pick(int op, int dtype, const void *x, const void *y, size_t n);
/* 16-bit calls by table (lut16.c): for a call of n elements, the 2^16
 * results of kernel k for op's parameters p (cached; built by a call of
 * n >= FA_LUT16_BUILD), or NULL (not one of FA_LUT16_OPS, not a 16-bit
 * dtype, no table yet or no free cache slot: use k); and the lookup of n
 * elements (y may be x; nt: non-temporal stores, for large out-of-place calls).  Calls below FA_LUT16_MIN always use k. */
#define FA_LUT16_MIN ((size_t)1024)
#define FA_LUT16_BUILD ((size_t)1 << 16)
const uint16_t *fa_lut16(int op, int dtype, fa_map_kernel k, const fa_params *p, size_t n);
void fa_lut16_apply(const uint16_t *t, const void *x, void *y, size_t n, int nt);
size_t fa_grain_row(int op, int dtype);
size_t fa_grain_gated(int op, int dtype);
/* Grains of the backward families (fa_ops.h FA_MAP2_OPS / FA_ROW2_OPS, times
 * FASTACT_GRAIN_SCALE; map2.c). */
size_t fa_grain_map2(int op, int dtype);
size_t fa_grain_row2(int op, int dtype);
/* FASTACT_GRAIN_SCALE as parallel.c holds it. */
double fa_grain_scale(void);

/* Threads worth using for `work` elements at `grain` per thread, given the
 * request (<= 0: the default): >= 1, or 0 for a call that runs serially
 * without taking part in the core budget (small, nested, forked child). */
int fa_plan_threads(size_t work, size_t grain, int requested);

/* The cores a call runs on: fa_team_begin(planned threads) claims up to that
 * many from the process-wide budget (never waiting: none free gives 1) and
 * returns the threads to use now (1: serially); fa_team_end releases them. */
typedef struct {
    int threads; /* >= 1 */
    int claimed; /* cores taken from the budget (0 or threads) */
} fa_team;
fa_team fa_team_begin(int nt);
void fa_team_end(fa_team t);

/* Blocks for the static split of `units` (elements or rows) of `unit_work`
 * elements each over nt threads: nt * per blocks, per <= FA_BLOCKS_PER_THREAD
 * such that a block holds at least grain / FA_BLOCKS_PER_THREAD elements. */
long fa_split_blocks(size_t units, size_t unit_work, int nt, size_t grain);
/* Start of block b of `nblocks` evenly spread blocks over `units` (b =
 * nblocks gives units), rounded down to a multiple of `align`. */
size_t fa_block_lo(long b, long nblocks, size_t units, size_t align);

/* Run body(ctx, b) for every block b in [0, nblocks) on nt threads, blocks
 * split statically (contiguous ranges, the same for every call of the same
 * size); the master thread times its own blocks for the contention
 * back-off.  Called between fa_team_begin and fa_team_end with nt >= 2
 * claimed threads. */
typedef void (*fa_block_fn)(void *ctx, long b);
void fa_run_blocks(int nt, long nblocks, fa_block_fn body, void *ctx);
/* Serial (one block) or on a team, by size and the core budget: the
 * elementwise drivers' whole parallel step (parallel.c). */
void fa_run_split(size_t units, size_t grain, int nthreads, fa_block_fn block, long *nblocks, void *ctx);
/* Two passes over the same blocks in one team (one wake-up): pass1 on every
 * block, then mid(ctx) once on one thread, then pass2 on every block
 * (blocks taken dynamically). */
void fa_run_2pass(int nt, long nblocks, fa_block_fn pass1, void (*mid)(void *ctx), fa_block_fn pass2,
                  void *ctx);

/* ---- rows.c, rows_long.c ---- */

/* A 16-bit row's float32 scratch could not be allocated (fa_take_oom reports it). */
void fa_rows_oom(void);

/* One block's statistics of a long row: pass A's max and sum; after
 * fa_combine_row, the arguments (a, b) of the block's fix kernel. */
typedef struct {
    double m, s;
} fa_blk;
/* Merge the statistics of the nb blocks of one row in block order, in place
 * (rows_long.c; rows_split.c exports it as fa_rows_combine). */
void fa_combine_row(int op, fa_blk *blk, size_t nb);

/* Rows longer than FA_ROW_BLOCK, `nt` planned threads. */
void fa_rows_long(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, int nt,
                  size_t grain);

#endif /* FA_INTERNAL_H */
