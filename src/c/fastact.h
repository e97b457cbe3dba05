/*
 * fastact.h - the C API of fastact. Knows nothing of Python.
 *
 * Layers (data flows one way):
 *   fa_map_*_run / fa_rows_*_run   (this header: one entry point per op family)
 *     -> parallel driver (parallel.c: splits work over OpenMP threads)
 *       -> kernel table (dispatch.c: filled once from CPU detection + FASTACT_ISA)
 *         -> ISA kernels (kernels/<isa>.c: contiguous arrays, no strides, no threads)
 *
 * All sizes are size_t (64-bit on every supported platform).
 */
#ifndef FASTACT_H
#define FASTACT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Elementwise operations.  X-macro: X(enum_suffix, c_name) drives the enum,
 * the kernel declarations and the kernel table. */
#define FA_MAP_OPS(X)          \
    X(RELU, relu)              \
    X(LEAKY_RELU, leaky_relu)  \
    X(SIGMOID, sigmoid)        \
    X(TANH, tanh)              \
    X(SILU, silu)              \
    X(GELU, gelu)              \
    X(GELU_TANH, gelu_tanh)

/* Row-wise operations on contiguous rows. */
#define FA_ROW_OPS(X)           \
    X(SOFTMAX, softmax)         \
    X(LOG_SOFTMAX, log_softmax)

typedef enum {
#define FA_X_ENUM(E, n) FA_OP_##E,
    FA_MAP_OPS(FA_X_ENUM)
    FA_N_MAP_OPS
} fa_map_op;

typedef enum {
    FA_ROW_OPS(FA_X_ENUM)
    FA_N_ROW_OPS
#undef FA_X_ENUM
} fa_row_op;

/* Instruction-set levels, ordered: a higher level on x86 implies the lower ones. */
typedef enum {
    FA_ISA_SCALAR = 0,
    FA_ISA_SSE2 = 1,
    FA_ISA_AVX2 = 2,   /* AVX2 + FMA */
    FA_ISA_AVX512 = 3, /* AVX-512 F + DQ + BW + VL */
    FA_ISA_NEON = 4,
    FA_N_ISA
} fa_isa;

/* Kernel signatures.  x and y are contiguous; y may equal x (in place) but
 * must not otherwise overlap it.  `param` is the negative slope for
 * leaky_relu and ignored by the other ops.  A kernel's result for an element
 * never depends on the element's position (tails are bit-identical). */
typedef void (*fa_map_f32_fn)(const float *x, float *y, size_t n, float param);
typedef void (*fa_map_f64_fn)(const double *x, double *y, size_t n, double param);
/* One contiguous row of n >= 1 elements; y may equal x. */
typedef void (*fa_row_f32_fn)(const float *x, float *y, size_t n);
typedef void (*fa_row_f64_fn)(const double *x, double *y, size_t n);

/* Long rows (cols > FA_ROW_BLOCK, any thread count) are computed in blocks
 * [k*B, min((k+1)*B, cols)), B = FA_ROW_BLOCK, by two kernels per row op
 * (parallel.c combines the per-block statistics in between, serially in
 * block order, so results do not depend on the thread count):
 *   part(x, y, n, &m) on one block of n >= 1 elements: m = block max,
 *     returns softmax: s = sum e^(x - m), e^(x - m) stored in y;
 *             log_softmax: s = that sum without the block's first element
 *             equal to m (nothing stored; y is only prefetched for the fix pass).
 *     A block of only -inf (m = -inf) is summed as if m = 0 (its terms are
 *     0, or NaN where x is NaN).
 *   fix(x, y, n, a, b) on one block: softmax: y = y * a (x unused);
 *                                    log_softmax: y = (x - a) - b. */
#define FA_ROW_BLOCK ((size_t)16384)
typedef double (*fa_rowpart_f32_fn)(const float *x, float *y, size_t n, float *m);
typedef double (*fa_rowpart_f64_fn)(const double *x, double *y, size_t n, double *m);
typedef void (*fa_rowfix_f32_fn)(const float *x, float *y, size_t n, float a, float b);
typedef void (*fa_rowfix_f64_fn)(const double *x, double *y, size_t n, double a, double b);

typedef struct {
    fa_map_f32_fn map_f32[FA_N_MAP_OPS];
    fa_map_f64_fn map_f64[FA_N_MAP_OPS];
    /* the same kernels with non-temporal stores, for large out-of-place
     * outputs (identical results) */
    fa_map_f32_fn map_f32_nt[FA_N_MAP_OPS];
    fa_map_f64_fn map_f64_nt[FA_N_MAP_OPS];
    fa_row_f32_fn row_f32[FA_N_ROW_OPS];
    fa_row_f64_fn row_f64[FA_N_ROW_OPS];
    /* blocked long rows (see FA_ROW_BLOCK) */
    fa_rowpart_f32_fn row_part_f32[FA_N_ROW_OPS];
    fa_rowpart_f64_fn row_part_f64[FA_N_ROW_OPS];
    fa_rowfix_f32_fn row_fix_f32[FA_N_ROW_OPS];
    fa_rowfix_f64_fn row_fix_f64[FA_N_ROW_OPS];
} fa_kernel_table;

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
/* The active kernel table (never NULL after fa_init). */
const fa_kernel_table *fa_kernels(void);
/* Fill `t` with the kernels of exactly `level`, falling back per entry to
 * lower levels (used by fa_isa_set and by tests). */
void fa_fill_table(fa_kernel_table *t, int level);

/* ---- parallel.c ---- */

/* Threads a call uses when it asks for `requested` (<= 0: the default). */
int fa_resolve_threads(int requested);
/* The default thread count (FASTACT_NUM_THREADS / fa_set_num_threads /
 * the OpenMP runtime's current maximum). */
int fa_get_num_threads(void);
/* n >= 1 sets the default; n == 0 restores the automatic default. */
void fa_set_num_threads(int n);
int fa_openmp_enabled(void);

/* Elementwise ops over n contiguous elements with up to `nthreads` threads
 * (<= 0: default).  Results are bitwise identical for every thread count. */
void fa_map_f32(int op, const float *x, float *y, size_t n, float param, int nthreads);
void fa_map_f64(int op, const double *x, double *y, size_t n, double param, int nthreads);
/* Row-wise ops over `rows` contiguous rows of `cols` elements. */
void fa_rows_f32(int op, const float *x, float *y, size_t rows, size_t cols, int nthreads);
void fa_rows_f64(int op, const double *x, double *y, size_t rows, size_t cols, int nthreads);

#ifdef __cplusplus
}
#endif
#endif /* FASTACT_H */
