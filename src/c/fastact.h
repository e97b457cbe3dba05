/*
 * fastact.h - the C API of fastact.  Knows nothing of Python.
 *
 * Layers (data flows one way):
 *   fa_map / fa_rows        entry points (map.c, rows.c): one per op family
 *   fa_rows_part/_fix/...   the passes of fa_rows for rows cut into pieces (rows_split.c)
 *     -> parallel runner    (parallel.c: threads, blocks, back-off)
 *       -> kernel table     (dispatch.c: filled once from CPU detection + FASTACT_ISA)
 *         -> ISA kernels    (kernels/<isa>.c: contiguous arrays, no strides, no threads)
 *
 * The operations themselves are listed once, in fa_ops.h.
 * All sizes are size_t (64-bit on every supported platform).
 */
#ifndef FASTACT_H
#define FASTACT_H

#include <stddef.h>

#include "fa_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Elementwise operations, in the order of FA_MAP_OPS: FA_OP_RELU, ... */
typedef enum {
#define FA_X_MAP_ENUM(E, name, np, g32, g64, nt) FA_OP_##E,
    FA_MAP_OPS(FA_X_MAP_ENUM)
#undef FA_X_MAP_ENUM
    FA_N_MAP_OPS
} fa_map_op;

/* Row-wise operations, in the order of FA_ROW_OPS: FA_OP_SOFTMAX, ... */
typedef enum {
#define FA_X_ROW_ENUM(E, name, g32, g64) FA_OP_##E,
    FA_ROW_OPS(FA_X_ROW_ENUM)
#undef FA_X_ROW_ENUM
    FA_N_ROW_OPS
} fa_row_op;

/* Gated operations, in the order of FA_GATED_OPS: FA_OP_GLU, ... */
typedef enum {
#define FA_X_GATED_ENUM(E, name, g32, g64) FA_OP_##E,
    FA_GATED_OPS(FA_X_GATED_ENUM)
#undef FA_X_GATED_ENUM
    FA_N_GATED_OPS
} fa_gated_op;

/* Channel operations, in the order of FA_CHANNEL_OPS: FA_OP_PRELU */
typedef enum {
#define FA_X_CHANNEL_ENUM(E, name, m) FA_OP_##E,
    FA_CHANNEL_OPS(FA_X_CHANNEL_ENUM)
#undef FA_X_CHANNEL_ENUM
    FA_N_CHANNEL_OPS
} fa_channel_op;
/* Backward ops of two arrays, in the order of FA_MAP2_OPS: FA_OP_RELU_BACKWARD, ... */
typedef enum {
#define FA_X_MAP2_ENUM(E, name, np, g32, g64) FA_OP_##E,
    FA_MAP2_OPS(FA_X_MAP2_ENUM)
#undef FA_X_MAP2_ENUM
    FA_N_MAP2_OPS
} fa_map2_op;

/* Row backward ops, in the order of FA_ROW2_OPS: FA_OP_SOFTMAX_BACKWARD, ... */
typedef enum {
#define FA_X_ROW2_ENUM(E, name, g32, g64) FA_OP_##E,
    FA_ROW2_OPS(FA_X_ROW2_ENUM)
#undef FA_X_ROW2_ENUM
    FA_N_ROW2_OPS
} fa_row2_op;

/* Element types of x and y.  float16 (IEEE binary16) and bfloat16 are
 * stored in 16 bits and computed in float32, each result rounded once. */
typedef enum {
    FA_F32 = 0,
    FA_F64 = 1,
    FA_F16 = 2,
    FA_BF16 = 3,
    FA_N_DTYPES
} fa_dtype;

/* Instruction-set levels, ordered: a higher level on x86 implies the lower ones. */
typedef enum {
    FA_ISA_SCALAR = 0,
    FA_ISA_SSE2 = 1,
    FA_ISA_AVX2 = 2,   /* AVX2 + FMA + F16C */
    FA_ISA_AVX512 = 3, /* AVX-512 F + DQ + BW + VL */
    FA_ISA_NEON = 4,
    FA_N_ISA
} fa_isa;

/* Parameters of an elementwise op: v[0 .. nparams-1] as listed in fa_ops.h
 * (e.g. leaky_relu: v[0] = negative slope); kernels of a float type round
 * them to that type once per call. */
#define FA_MAX_PARAMS 4
typedef struct {
    double v[FA_MAX_PARAMS];
} fa_params;

/* ---- ops.c: the registry as data ---- */

enum {
    FA_FAMILY_MAP = 0,
    FA_FAMILY_ROWS = 1,
    FA_FAMILY_GATED = 2,
    FA_FAMILY_CHANNEL = 3,
    FA_FAMILY_MAP2 = 4,
    FA_FAMILY_ROWS2 = 5
};
/* The enum suffix of op `op` of a family ("RELU", "SOFTMAX", ...), or NULL. */
const char *fa_op_name(int family, int op);
/* Parameters an elementwise op uses (fa_ops.h), or -1 for an invalid op. */
int fa_op_nparams(int op);
/* Parameters a backward op of family map2 uses, or -1 for an invalid op. */
int fa_op2_nparams(int op);

/* ---- dispatch.c ---- */

/* Detect the CPU and fill the kernel table, honouring the cap in the
 * environment variable FASTACT_ISA.  Idempotent.  Returns 0 on success,
 * -1 if FASTACT_ISA names no known level (the table is then filled for the
 * best supported level so that it is never NULL). */
int fa_init(void);
/* Bitmask (1 << fa_isa) of the levels this CPU/OS and this build support. */
unsigned fa_isa_supported(void);
/* Bitmask of the levels compiled into this build. */
unsigned fa_isa_compiled(void);
/* Active level. */
int fa_isa_active(void);
/* Switch the active level at run time (for tests and benchmarks): the best
 * supported level <= `level`.  Returns the level now active.  Not to be
 * called while other threads run kernels. */
int fa_isa_set(int level);
/* Lowercase name of a level ("scalar", "sse2", ...), or NULL. */
const char *fa_isa_name(int level);
/* Level for a name, or -1. */
int fa_isa_from_name(const char *name);

/* ---- threads.c ---- */

/* Threads a call uses when it asks for `requested` (<= 0: the default). */
int fa_resolve_threads(int requested);
/* The default thread count (fa_set_num_threads / FASTACT_NUM_THREADS /
 * the OpenMP runtime's current maximum, capped by the usable CPUs). */
int fa_get_num_threads(void);
/* n >= 1 sets the default; n == 0 restores the automatic default. */
void fa_set_num_threads(int n);
int fa_openmp_enabled(void);

/* ---- map.c, rows.c: the entry points ---- */

/* Elementwise op `op` (fa_map_op) over n contiguous elements of type
 * `dtype`; y may equal x (in place) but must not otherwise overlap it.
 * Up to `nthreads` threads (<= 0: the default).  Results are bitwise
 * identical for every thread count.  An invalid op or dtype does nothing. */
void fa_map(int op, int dtype, const void *x, void *y, size_t n, const fa_params *p, int nthreads);
/* Row op `op` (fa_row_op) over `rows` contiguous rows of `cols` elements.
 * 16-bit rows need a float32 scratch row per thread (heap above 2048
 * elements): if it cannot be allocated the rows are left unwritten and
 * fa_take_oom() returns 1 (once). */
void fa_rows(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, int nthreads);
int fa_take_oom(void);

/* ---- gated.c: the gated forms (GLU family) ----
 * Gated op `op` (fa_gated_op) on `outer` blocks of x, each 2 * n contiguous
 * elements: a = the block's first n, b = its last n; y gets `outer` blocks
 * of n elements, y = a * act(b) (glu) or act(a) * b.  (x is C-contiguous
 * with the gated axis of length 2h and `inner` elements per step after it:
 * n = h * inner.)  y must not overlap x.  Up to `nthreads` threads;
 * results are bitwise identical for every thread count.  An invalid op or
 * dtype does nothing. */
void fa_gated(int op, int dtype, const void *x, void *y, size_t outer, size_t n, int nthreads);
/* The gradient of gated op `op` for the whole input: dy has outer blocks of
 * n elements, x and dx outer blocks of 2n (dx's halves: the gradients of a
 * and b).  dx must not overlap dy or x. */
void fa_gated_backward(int op, int dtype, const void *dy, const void *x, void *dx, size_t outer, size_t n,
                       int nthreads);

/* ---- channel.c: ops with one parameter per channel (prelu) ----
 * Channel op `op` (fa_channel_op) on x of outer * channels * inner
 * contiguous elements (channel c of block o: the run of `inner` elements at
 * (o * channels + c) * inner), w[c] the parameter of channel c (rounded to
 * the dtype by the caller, as fa_params are); prelu: y = x > 0 ? x : w[c] * x,
 * one rounding.  y may equal x (in place) but must not otherwise overlap it.
 * Results are bitwise identical for every thread count. */
void fa_channel(int op, int dtype, const void *x, void *y, size_t outer, size_t channels, size_t inner,
                const double *w, int nthreads);
/* prelu's gradients, same layout: dx = x > 0 ? dy : w[c] * dy (one rounding;
 * dx may be dy or x, else must not overlap them) and dw[c] (`channels`
 * doubles) = the sum over channel c of x * dy where x <= 0, each product and
 * the sum in double (float32 / 16-bit products exact), in a fixed order:
 * bitwise the same for every thread count.  Returns 0, -1 for invalid
 * arguments, -2 if scratch memory could not be allocated (dx unwritten). */
int fa_prelu_backward(int dtype, const void *dy, const void *x, void *dx, size_t outer, size_t channels,
                      size_t inner, const double *w, double *dw, int nthreads);
/* ---- map2.c, rows2.c: the backward ops ----
 * fa_map2: backward op `op` (fa_map2_op) of n contiguous elements: dx[i] from
 * the gradient dy[i] and x[i] (the op's input, or for sigmoid / tanh its
 * output), parameters p as fa_map's.  dx may equal dy or x (in place) but
 * must not otherwise overlap either.  Bitwise identical for every thread
 * count; an invalid op or dtype does nothing.
 * fa_rows2: row backward op `op` (fa_row2_op) over `rows` contiguous rows of
 * `cols` elements of dy and y (the forward output); dx may equal dy or y.
 * Threads split the rows (a row is computed by one thread, in two passes:
 * its sum, then the elements). */
void fa_map2(int op, int dtype, const void *dy, const void *x, void *dx, size_t n, const fa_params *p,
             int nthreads);
void fa_rows2(int op, int dtype, const void *dy, const void *y, void *dx, size_t rows, size_t cols,
              int nthreads);

/* ---- rows_split.c: rows cut into pieces the caller keeps apart ----
 * softmax / log_softmax of rows whose elements lie in several pieces (the
 * chunks of a dask array along the axis), in the two passes fa_rows uses for
 * rows longer than its block, with the combination in between exposed:
 *   1. fa_rows_part on each piece of `rows` contiguous rows of `cols`
 *      elements: per row, fa_rows_nblocks(cols) statistics (the piece is cut
 *      into blocks as fa_rows cuts a long row), stored row-major in m and s
 *      (rows * nblocks entries each).  softmax stores e^(x - m) in y; y may
 *      be NULL (nothing kept) or x (in place).
 *   2. per row, the statistics of all its pieces in piece order (rows x
 *      npieces, row-major) -> fa_rows_combine, which replaces them in place by
 *      the arguments (a, b) of the final pass.
 *   3. fa_rows_fix on each piece with its own (a, b) entries: softmax
 *      multiplies the e^(x - m) that fa_rows_part stored in y by a (run
 *      fa_rows_part into y again first if they were not kept: it recomputes
 *      them bit for bit); log_softmax writes y = (x - a) - b.
 * Rows of pieces whose lengths are multiples of FA_ROW_BLOCK (16384) get
 * bitwise the results fa_rows gives rows longer than FA_ROW_BLOCK.  The
 * special rows (NaN, +inf, all -inf) give all-NaN rows, as fa_rows.
 * dtype is FA_F32 or FA_F64 (16-bit data: convert pieces to float32 first).
 * Returns 0; -1 for an invalid op, dtype or NULL pointer; -2 if scratch
 * memory (fa_rows_part with y == NULL, fa_rows_combine) could not be
 * allocated. */
size_t fa_rows_nblocks(size_t cols);
/* 1 if fa_rows_fix of `op` works on the terms fa_rows_part stored in y
 * (softmax), 0 if it reads x only (log_softmax). */
int fa_rows_fix_uses_terms(int op);
int fa_rows_part(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, double *m, double *s,
                 int nthreads);
int fa_rows_combine(int op, size_t rows, size_t npieces, double *m, double *s);
int fa_rows_fix(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, const double *a,
                const double *b, int nthreads);

/* Typed conveniences. */
static inline void fa_map_f32(int op, const float *x, float *y, size_t n, const fa_params *p, int nthreads)
{
    fa_map(op, FA_F32, x, y, n, p, nthreads);
}
static inline void fa_map_f64(int op, const double *x, double *y, size_t n, const fa_params *p, int nthreads)
{
    fa_map(op, FA_F64, x, y, n, p, nthreads);
}
static inline void fa_rows_f32(int op, const float *x, float *y, size_t rows, size_t cols, int nthreads)
{
    fa_rows(op, FA_F32, x, y, rows, cols, nthreads);
}
static inline void fa_rows_f64(int op, const double *x, double *y, size_t rows, size_t cols, int nthreads)
{
    fa_rows(op, FA_F64, x, y, rows, cols, nthreads);
}

#ifdef __cplusplus
}
#endif
#endif /* FASTACT_H */
