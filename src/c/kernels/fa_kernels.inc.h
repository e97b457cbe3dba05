/*
 * fa_kernels.inc.h - instantiates every kernel of one ISA from the op
 * registry (fa_ops.h) and defines fa_fill_<isa>(), which stores them in the
 * kernel table.
 *
 * Included once by kernels/<isa>.c after vec_<isa>.h and `#define FA_ISA <isa>`.
 * For each elementwise op X(E, name, np, ...) it defines
 *   fa_<name>_<dt>_<isa>, dt = f32, f64, f16, bf16 (contiguous x -> y, n
 *                          elements, y may equal x), and their
 *   ..._nt twins with non-temporal stores,
 * whose loop applies fa_<name>_vf(v, p0, .. p<np-1>) / fa_<name>_vd(...)
 * (kernels/fa_algo_*.h) to each vector, p<i> = the broadcast parameter
 * p->v[i] rounded to the dtype; the row kernels come from fa_rows.inc.h.
 * Algorithm files: fa_algo_f32.h / fa_algo_f64.h (the seed ops and the exp
 * core), fa_algo_log.h (log1p; softplus, log_sigmoid), fa_algo_piecewise.h
 * (relu6, hardtanh, hardsigmoid, hardswish, softsign), fa_algo_exp.h (elu,
 * selu, celu, quick_gelu, mish).
 * Tails use masked (or buffered) loads and stores and the same vector code,
 * so an element's result never depends on its position.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fa_internal.h"
#include "fa_algo_f32.h"
#include "fa_algo_f64.h"
#include "fa_algo_log.h"
#include "fa_algo_piecewise.h"
#include "fa_algo_exp.h"

_Static_assert(FA_GELU_F64_NP == 4, "vd_lut4 selects among exactly 4 pieces");

#define FA_CAT3(a, b, c) a##_##b##_##c
#define FA_KNAME(op, dt, isa) FA_CAT3(fa_##op, dt, isa)
#define FA_KN(op, dt) FA_KNAME(op, dt, FA_ISA)
#ifndef FA_PF_DIST
#define FA_PF_DIST 1024
#endif
#define FA_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#define FA_PREFETCH_W(p) __builtin_prefetch((p), 1, 3)
#define FA_CAT2(a, b) a##b
#define FA_CAT2X(a, b) FA_CAT2(a, b)
#define FA_KN_NT(op, dt) FA_CAT2X(FA_KN(op, dt), _nt)

#include "fa_pair.h" /* pair loads and stores (two vectors at once) */

/* One step of the 2x unrolled loops: a pair of vectors at x + i through EXPR
 * (which reads v) to y + i by the pair store ST (store2 or stream2). */
#define FA_PAIR_STEP(V, IO, ST, EXPR)                                                            \
    do {                                                                                         \
        V v, w;                                                                                  \
        FA_PREFETCH(x + i + FA_PF_DIST);                                                         \
        V##_load2##IO(x + i, &v, &w);                                                            \
        {                                                                                        \
            V r0 = EXPR;                                                                         \
            v = w;                                                                               \
            V r1 = EXPR;                                                                         \
            V##_##ST##IO(y + i, r0, r1);                                                         \
        }                                                                                        \
    } while (0)

/* Elementwise loop: 2x unrolled body (pair loads and stores), masked tail.
 * fa_<op>_<dt>_<isa>_loop is the typed loop; fa_<op>_<dt>_<isa> the table's
 * entry point. */
#define FA_KN_LOOP(op, dt) FA_CAT2X(FA_KN(op, dt), _loop)
#define FA_MAP_KERNEL(op, dt, T, CT, V, N, IO, EXPR)                                            \
    static void FA_KN_LOOP(op, dt)(const T *x, T *y, size_t n, V p0, V p1, V p2, V p3)           \
    {                                                                                            \
        size_t i = 0;                                                                            \
        (void)p0, (void)p1, (void)p2, (void)p3;                                                  \
        for (; i + 2 * N <= n; i += 2 * N) {                                                     \
            FA_PAIR_STEP(V, IO, store2, EXPR);                                                   \
        }                                                                                        \
        for (; i + N <= n; i += N) {                                                             \
            V v = V##_load##IO(x + i);                                                           \
            V##_store##IO(y + i, EXPR);                                                          \
        }                                                                                        \
        if (i < n) {                                                                             \
            V v = V##_load_n##IO(x + i, n - i);                                                  \
            V##_store_n##IO(y + i, EXPR, n - i);                                                 \
        }                                                                                        \
    }                                                                                            \
    void FA_KN(op, dt)(const void *xv, void *yv, size_t n, const fa_params *p)                   \
    {                                                                                            \
        FA_KN_LOOP(op, dt)((const T *)xv, (T *)yv, n, V##_set1((CT)p->v[0]), V##_set1((CT)p->v[1]), \
                           V##_set1((CT)p->v[2]), V##_set1((CT)p->v[3]));                         \
    }                                                                                            \
    /* The same with non-temporal stores (large out-of-place outputs): the head  \
     * up to a 64-byte boundary of y and the tail go through the loop above,     \
     * so every element gets the same instructions. */                           \
    void FA_KN_NT(op, dt)(const void *xv, void *yv, size_t n, const fa_params *p)                \
    {                                                                                            \
        const T *x = (const T *)xv;                                                              \
        T *y = (T *)yv;                                                                          \
        const V p0 = V##_set1((CT)p->v[0]), p1 = V##_set1((CT)p->v[1]);                          \
        const V p2 = V##_set1((CT)p->v[2]), p3 = V##_set1((CT)p->v[3]);                          \
        size_t i = ((64u - ((uintptr_t)y & 63u)) & 63u) / sizeof(T);                             \
        if (i > n || ((uintptr_t)y % sizeof(T)) != 0) i = n;                                     \
        FA_KN_LOOP(op, dt)(x, y, i, p0, p1, p2, p3);                                             \
        for (; i + 2 * N <= n; i += 2 * N) {                                                     \
            FA_PAIR_STEP(V, IO, stream2, EXPR);                                                  \
        }                                                                                        \
        fa_sfence();                                                                             \
        if (i < n) FA_KN_LOOP(op, dt)(x + i, y + i, n - i, p0, p1, p2, p3);                      \
    }

/* The algorithm call for an op with np parameters. */
#define FA_CALL0(f) f(v)
#define FA_CALL1(f) f(v, p0)
#define FA_CALL2(f) f(v, p0, p1)
#define FA_CALL3(f) f(v, p0, p1, p2)
#define FA_CALL4(f) f(v, p0, p1, p2, p3)

/* float32 and float64 natively; float16 and bfloat16 stored in 16 bits,
 * computed by the float32 algorithm (parameters in float32), each result
 * rounded once (vX_store_f16 / _bf16, see fa_half.h). */
#define FA_X_MAP_KERNELS(E, name, np, g32, g64, nt)                                             \
    FA_MAP_KERNEL(name, f32, float, float, vf, VF_N, , FA_CALL##np(fa_##name##_vf))              \
    FA_MAP_KERNEL(name, f64, double, double, vd, VD_N, , FA_CALL##np(fa_##name##_vd))            \
    FA_MAP_KERNEL(name, f16, uint16_t, float, vf, VF_N, _f16, FA_CALL##np(fa_##name##_vf))       \
    FA_MAP_KERNEL(name, bf16, uint16_t, float, vf, VF_N, _bf16, FA_CALL##np(fa_##name##_vf))
FA_MAP_OPS(FA_X_MAP_KERNELS)

#include "fa_rows.inc.h"
#include "fa_gated.inc.h" /* the gated kernels (glu, swiglu, geglu, reglu) */

/* The row kernels' entry points (fa_internal.h: fa_row_kernel,
 * fa_rowpart_kernel, fa_rowfix_kernel) around the typed functions of
 * fa_rows.inc.h. */
#define FA_ROW_ENTRIES(name, dt, T)                                                              \
    void FA_KN(name, dt)(const void *x, void *y, size_t n)                                       \
    {                                                                                            \
        fa_##name##_row_##dt((const T *)x, (T *)y, n);                                           \
    }                                                                                            \
    double FA_KN(name##_part, dt)(const void *x, void *y, size_t n, double *m)                   \
    {                                                                                            \
        T mb;                                                                                    \
        double s = fa_##name##_part_##dt((const T *)x, (T *)y, n, &mb);                          \
        *m = (double)mb;                                                                         \
        return s;                                                                                \
    }                                                                                            \
    void FA_KN(name##_fix, dt)(const void *x, void *y, size_t n, double a, double b)             \
    {                                                                                            \
        fa_##name##_fix_##dt((const T *)x, (T *)y, n, (T)a, (T)b);                               \
    }
#define FA_X_ROW_ENTRIES(E, name, g32, g64)                                                      \
    FA_ROW_ENTRIES(name, f32, float)                                                             \
    FA_ROW_ENTRIES(name, f64, double)
FA_ROW_OPS(FA_X_ROW_ENTRIES)

/* 16-bit <-> float32 copies (fa_cvt_kernel), for the row drivers. */
#define FA_CVT_KERNELS(dt, IO)                                                                   \
    void FA_KN(to_f32, dt)(const void *xv, void *yv, size_t n)                                   \
    {                                                                                            \
        const uint16_t *x = (const uint16_t *)xv;                                                \
        float *y = (float *)yv;                                                                  \
        size_t i = 0;                                                                            \
        for (; i + VF_N <= n; i += VF_N) vf_store(y + i, vf_load##IO(x + i));                    \
        if (i < n) vf_store_n(y + i, vf_load_n##IO(x + i, n - i), n - i);                        \
    }                                                                                            \
    void FA_KN(from_f32, dt)(const void *xv, void *yv, size_t n)                                 \
    {                                                                                            \
        const float *x = (const float *)xv;                                                      \
        uint16_t *y = (uint16_t *)yv;                                                            \
        size_t i = 0;                                                                            \
        for (; i + VF_N <= n; i += VF_N) vf_store##IO(y + i, vf_load(x + i));                    \
        if (i < n) vf_store_n##IO(y + i, vf_load_n(x + i, n - i), n - i);                        \
    }
FA_CVT_KERNELS(f16, _f16)
FA_CVT_KERNELS(bf16, _bf16)

/* ---- the kernel table entries of this ISA ---- */
#define FA_X_FILL_MAP(E, name, np, g32, g64, nt)                                                 \
    t->map[FA_F32][FA_OP_##E] = FA_KN(name, f32);                                                \
    t->map[FA_F64][FA_OP_##E] = FA_KN(name, f64);                                                \
    t->map[FA_F16][FA_OP_##E] = FA_KN(name, f16);                                                \
    t->map[FA_BF16][FA_OP_##E] = FA_KN(name, bf16);                                              \
    t->map_nt[FA_F32][FA_OP_##E] = FA_KN_NT(name, f32);                                          \
    t->map_nt[FA_F64][FA_OP_##E] = FA_KN_NT(name, f64);                                          \
    t->map_nt[FA_F16][FA_OP_##E] = FA_KN_NT(name, f16);                                          \
    t->map_nt[FA_BF16][FA_OP_##E] = FA_KN_NT(name, bf16);
#define FA_X_FILL_ROW(E, name, g32, g64)                                                         \
    t->row[FA_F32][FA_OP_##E] = FA_KN(name, f32);                                                \
    t->row[FA_F64][FA_OP_##E] = FA_KN(name, f64);                                                \
    t->row_part[FA_F32][FA_OP_##E] = FA_KN(name##_part, f32);                                    \
    t->row_part[FA_F64][FA_OP_##E] = FA_KN(name##_part, f64);                                    \
    t->row_fix[FA_F32][FA_OP_##E] = FA_KN(name##_fix, f32);                                      \
    t->row_fix[FA_F64][FA_OP_##E] = FA_KN(name##_fix, f64);

void FA_CAT2X(fa_fill_, FA_ISA)(fa_kernel_table *t)
{
    FA_MAP_OPS(FA_X_FILL_MAP)
    FA_ROW_OPS(FA_X_FILL_ROW)
    t->to_f32[FA_F16] = FA_KN(to_f32, f16);
    t->to_f32[FA_BF16] = FA_KN(to_f32, bf16);
    t->from_f32[FA_F16] = FA_KN(from_f32, f16);
    t->from_f32[FA_BF16] = FA_KN(from_f32, bf16);
    FA_CAT2X(fa_fill_gated_, FA_ISA)(t);
}
