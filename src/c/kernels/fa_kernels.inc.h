/*
 * fa_kernels.inc.h - instantiates every kernel of one ISA.
 *
 * Included once by kernels/<isa>.c after vec_<isa>.h and `#define FA_ISA <isa>`.
 * Defines fa_<op>_f32_<isa> / fa_<op>_f64_<isa> for the elementwise ops
 * (contiguous x -> y, n elements, y may equal x) and the row kernels
 * fa_softmax_* / fa_log_softmax_* (one contiguous row of n >= 1 elements).
 * Tails use masked (or buffered) loads and stores and the same vector code,
 * so an element's result never depends on its position.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fastact.h"
#include "fa_algo_f32.h"
#include "fa_algo_f64.h"

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

/* Elementwise loop: 2x unrolled body, masked tail. */
#define FA_MAP_KERNEL(op, dt, T, V, N, EXPR)                                                     \
    void FA_KN(op, dt)(const T *x, T *y, size_t n, T param)                                      \
    {                                                                                            \
        const V prm = V##_set1(param);                                                           \
        (void)prm;                                                                               \
        size_t i = 0;                                                                            \
        for (; i + 2 * N <= n; i += 2 * N) {                                                     \
            FA_PREFETCH(x + i + FA_PF_DIST);                                                     \
            V v = V##_load(x + i);                                                               \
            V w = V##_load(x + i + N);                                                           \
            {                                                                                    \
                V r0 = EXPR;                                                                     \
                v = w;                                                                           \
                V r1 = EXPR;                                                                     \
                V##_store(y + i, r0);                                                            \
                V##_store(y + i + N, r1);                                                        \
            }                                                                                    \
        }                                                                                        \
        for (; i + N <= n; i += N) {                                                             \
            V v = V##_load(x + i);                                                               \
            V##_store(y + i, EXPR);                                                              \
        }                                                                                        \
        if (i < n) {                                                                             \
            V v = V##_load_n(x + i, n - i);                                                      \
            V##_store_n(y + i, EXPR, n - i);                                                     \
        }                                                                                        \
    }                                                                                            \
    /* The same with non-temporal stores (large out-of-place outputs): the head  \
     * up to a 64-byte boundary of y and the tail go through the kernel above,   \
     * so every element gets the same instructions. */                           \
    void FA_KN_NT(op, dt)(const T *x, T *y, size_t n, T param)                                   \
    {                                                                                            \
        const V prm = V##_set1(param);                                                           \
        (void)prm;                                                                               \
        size_t i = ((64u - ((uintptr_t)y & 63u)) & 63u) / sizeof(T);                             \
        if (i > n || ((uintptr_t)y % sizeof(T)) != 0) i = n;                                     \
        FA_KN(op, dt)(x, y, i, param);                                                           \
        for (; i + N <= n; i += N) {                                                             \
            FA_PREFETCH(x + i + FA_PF_DIST);                                                     \
            V v = V##_load(x + i);                                                               \
            V##_stream(y + i, EXPR);                                                             \
        }                                                                                        \
        fa_sfence();                                                                             \
        if (i < n) FA_KN(op, dt)(x + i, y + i, n - i, param);                                    \
    }

FA_MAP_KERNEL(relu, f32, float, vf, VF_N, fa_relu_vf(v))
FA_MAP_KERNEL(leaky_relu, f32, float, vf, VF_N, fa_leaky_relu_vf(v, prm))
FA_MAP_KERNEL(sigmoid, f32, float, vf, VF_N, fa_sigmoid_vf(v))
FA_MAP_KERNEL(tanh, f32, float, vf, VF_N, fa_tanh_vf(v))
FA_MAP_KERNEL(silu, f32, float, vf, VF_N, fa_silu_vf(v))
FA_MAP_KERNEL(gelu, f32, float, vf, VF_N, fa_gelu_vf(v))
FA_MAP_KERNEL(gelu_tanh, f32, float, vf, VF_N, fa_gelu_tanh_vf(v))

FA_MAP_KERNEL(relu, f64, double, vd, VD_N, fa_relu_vd(v))
FA_MAP_KERNEL(leaky_relu, f64, double, vd, VD_N, fa_leaky_relu_vd(v, prm))
FA_MAP_KERNEL(sigmoid, f64, double, vd, VD_N, fa_sigmoid_vd(v))
FA_MAP_KERNEL(tanh, f64, double, vd, VD_N, fa_tanh_vd(v))
FA_MAP_KERNEL(silu, f64, double, vd, VD_N, fa_silu_vd(v))
FA_MAP_KERNEL(gelu, f64, double, vd, VD_N, fa_gelu_vd(v))
FA_MAP_KERNEL(gelu_tanh, f64, double, vd, VD_N, fa_gelu_tanh_vd(v))

#include "fa_rows.inc.h"
