/*
 * fa_gated.inc.h - the gated kernels of one ISA (fa_ops.h FA_GATED_OPS),
 * included once by fa_kernels.inc.h (after the primitives and the
 * elementwise algorithms).  For each X(E, name, ...) it defines
 *   fa_<name>_<dt>_<isa>(a, b, y, n), dt = f32, f64, f16, bf16:
 *     y[i] = fa_<name>_gvf(a[i], b[i]) (fa_algo_gated.h) for n contiguous
 *     elements of each; 16-bit data loaded exactly into float32, each result
 *     rounded once (fa_half.h);
 * and fa_fill_gated_<isa>(), which stores them in the kernel table.  Tails
 * use the masked loads and stores and the same vector code, so a result
 * never depends on the element's position.
 */
#include "fa_algo_gated.h"

#define FA_GATED_KERNEL(op, dt, T, V, N, IO, EXPR)                                              \
    void FA_KN(op, dt)(const void *av, const void *bv, void *yv, size_t n)                      \
    {                                                                                            \
        const T *xa = (const T *)av, *xb = (const T *)bv;                                        \
        T *y = (T *)yv;                                                                          \
        size_t i = 0;                                                                            \
        for (; i + 2 * N <= n; i += 2 * N) {                                                     \
            FA_PREFETCH(xa + i + FA_PF_DIST);                                                    \
            FA_PREFETCH(xb + i + FA_PF_DIST);                                                    \
            V a = V##_load##IO(xa + i), b = V##_load##IO(xb + i);                                \
            V a1 = V##_load##IO(xa + i + N), b1 = V##_load##IO(xb + i + N);                      \
            {                                                                                    \
                V r0 = EXPR;                                                                     \
                a = a1;                                                                          \
                b = b1;                                                                          \
                V r1 = EXPR;                                                                     \
                V##_store##IO(y + i, r0);                                                        \
                V##_store##IO(y + i + N, r1);                                                    \
            }                                                                                    \
        }                                                                                        \
        for (; i + N <= n; i += N) {                                                             \
            V a = V##_load##IO(xa + i), b = V##_load##IO(xb + i);                                \
            V##_store##IO(y + i, EXPR);                                                          \
        }                                                                                        \
        if (i < n) {                                                                             \
            V a = V##_load_n##IO(xa + i, n - i), b = V##_load_n##IO(xb + i, n - i);              \
            V##_store_n##IO(y + i, EXPR, n - i);                                                 \
        }                                                                                        \
    }

#define FA_X_GATED_KERNELS(E, name, g32, g64)                                                    \
    FA_GATED_KERNEL(name, f32, float, vf, VF_N, , fa_##name##_gvf(a, b))                          \
    FA_GATED_KERNEL(name, f64, double, vd, VD_N, , fa_##name##_gvd(a, b))                         \
    FA_GATED_KERNEL(name, f16, uint16_t, vf, VF_N, _f16, fa_##name##_gvf(a, b))                   \
    FA_GATED_KERNEL(name, bf16, uint16_t, vf, VF_N, _bf16, fa_##name##_gvf(a, b))
FA_GATED_OPS(FA_X_GATED_KERNELS)

#define FA_X_FILL_GATED(E, name, g32, g64)                                                       \
    t->gated[FA_F32][FA_OP_##E] = FA_KN(name, f32);                                              \
    t->gated[FA_F64][FA_OP_##E] = FA_KN(name, f64);                                              \
    t->gated[FA_F16][FA_OP_##E] = FA_KN(name, f16);                                              \
    t->gated[FA_BF16][FA_OP_##E] = FA_KN(name, bf16);

static void FA_CAT2X(fa_fill_gated_, FA_ISA)(fa_kernel_table *t) { FA_GATED_OPS(FA_X_FILL_GATED) }
