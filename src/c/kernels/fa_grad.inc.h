/*
 * fa_grad.inc.h - instantiates the backward kernels of one ISA from the op
 * registry (fa_ops.h FA_MAP2_OPS, FA_ROW2_OPS) and defines
 * fa_fill_grad_<isa>(), which stores them in the kernel table (dispatch.c
 * calls it after fa_fill_<isa>).
 *
 * Included once by kernels/<isa>_grad.c after vec_<isa>.h and
 * `#define FA_ISA <isa>`.  For each backward op X(E, name, np, ...) it defines
 *   fa_<name>_<dt>_<isa>, dt = f32, f64, f16, bf16: dx[i] from dy[i] and x[i]
 *   (contiguous, n elements; dx may be dy or x), applying fa_<name>_gf /
 *   fa_<name>_gd (kernels/fa_algo_grad.h) to each vector with the kernel
 *   parameters p->v[0..np-1] rounded to the dtype (float32 for 16-bit data);
 * 16-bit data is loaded exactly, computed by the float32 algorithm and each
 * result rounded once (vf_store_f16 / _bf16).  Tails use the masked loads
 * and stores and the same vector code, so a result never depends on the
 * element's position.
 *
 * The row backward kernels (softmax_backward, log_softmax_backward) take one
 * row of dy and y (the forward output) and make two passes: the row's sum
 * (softmax: sum dy y, log_softmax: sum dy), then the elements
 * (y (dy - s), resp. dy - e^y s).  float32 and 16-bit rows accumulate the
 * exact float64 products in float64 lanes and compute the elements in
 * float32 from the sum rounded to float (FA_ROW2_F32); float64 rows sum with a compensated dot product
 * (two-product and two-sum per lane, the lanes merged with two-sums: about
 * the accuracy of a sum in twice the precision), so results are within a
 * few ulp of the row's scale of the exact expression.  The lane order makes
 * the sums depend on the vector width: levels may differ in the last bits.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fa_internal.h"
#include "fa_algo_f32.h"
#include "fa_algo_f64.h"
#include "fa_algo_exp.h"
#include "fa_algo_grad.h"
#include "fa_pair.h"

#define FA_G_CAT3(a, b, c) a##_##b##_##c
#define FA_G_KNAME(op, dt, isa) FA_G_CAT3(fa_##op, dt, isa)
#define FA_G_KN(op, dt) FA_G_KNAME(op, dt, FA_ISA)
#define FA_G_CAT2(a, b) a##b
#define FA_G_CAT2X(a, b) FA_G_CAT2(a, b)

/* Elementwise backward kernel: dy, x -> dx, n elements, parameters pp; 2x
 * unrolled with pair loads and stores (fa_pair.h), masked tail. */
#define FA_MAP2_KERNEL(op, dt, T, PT, V, N, IO, ALG)                                            \
    void FA_G_KN(op, dt)(const void *gv, const void *xv, void *yv, size_t n, const fa_params *p) \
    {                                                                                            \
        const T *g = (const T *)gv, *x = (const T *)xv;                                          \
        T *y = (T *)yv;                                                                          \
        double pp[FA_MAX_PARAMS];                                                                \
        size_t i = 0;                                                                            \
        for (int k = 0; k < FA_MAX_PARAMS; k++) pp[k] = (double)(PT)p->v[k];                     \
        for (; i + 2 * N <= n; i += 2 * N) {                                                     \
            V g0, g1, x0, x1;                                                                    \
            V##_load2##IO(g + i, &g0, &g1);                                                      \
            V##_load2##IO(x + i, &x0, &x1);                                                      \
            V r0 = ALG(g0, x0, pp);                                                              \
            V r1 = ALG(g1, x1, pp);                                                              \
            V##_store2##IO(y + i, r0, r1);                                                       \
        }                                                                                        \
        for (; i + N <= n; i += N) {                                                             \
            V g0 = V##_load##IO(g + i), x0 = V##_load##IO(x + i);                                \
            V##_store##IO(y + i, ALG(g0, x0, pp));                                               \
        }                                                                                        \
        if (i < n) {                                                                             \
            V g0 = V##_load_n##IO(g + i, n - i), x0 = V##_load_n##IO(x + i, n - i);              \
            V##_store_n##IO(y + i, ALG(g0, x0, pp), n - i);                                      \
        }                                                                                        \
    }

#define FA_X_MAP2_KERNELS(E, name, np, g32, g64)                                                 \
    FA_MAP2_KERNEL(name, f32, float, float, vf, VF_N, , fa_##name##_gf)                          \
    FA_MAP2_KERNEL(name, f64, double, double, vd, VD_N, , fa_##name##_gd)                        \
    FA_MAP2_KERNEL(name, f16, uint16_t, float, vf, VF_N, _f16, fa_##name##_gf)                   \
    FA_MAP2_KERNEL(name, bf16, uint16_t, float, vf, VF_N, _bf16, fa_##name##_gf)
FA_MAP2_OPS(FA_X_MAP2_KERNELS)

/* ---- row backward kernels ---- */

/* e^y for the log_softmax backward: y clamped to [-1100, 709] (0 below). */
FA_INLINE vd fa_grad_exp_f64(vd y)
{
    vd yc = vd_min(vd_set1(709.0), vd_max(vd_set1(-1100.0), y));
    vd n, p = fa_exp_core_f64(yc, &n);
    return vd_ldexp(p, n);
}

/* e^y for the float32 row kernel of log_softmax_backward: e = fma(pm1, s, s)
 * from the quarter-step exponential (fa_exp4_split_f32), 0 for y < -87.3
 * (and -inf: masked log_softmax outputs), NaN for NaN; y <= 88 (the caller
 * takes the float64 form for a vector with a larger y). */
FA_INLINE vf fa_grad_lsm_exp_f32(vf y)
{
    const vf lo = vf_set1(-87.3f);
    vf s, pm1 = fa_exp4_split_f32(vf_max(lo, y), &s);
    return vf_sel(vf_lt(y, lo), vf_zero(), vf_fma(pm1, s, s));
}

/* sum dy y over a row into the float64 lanes (a0, a1), exactly rounded
 * products: with FMA, dy y = p + pe (two-product), the p widened and added in
 * float64, the tiny pe (|pe| <= 2^-24 |p|) summed in float lanes and added
 * last (half the conversions of widening both factors; rows of 2048 in L1:
 * avx2 0.52 -> 0.45, avx512 0.49 -> 0.41 ticks per element); without FMA
 * (Dekker's two-product costs more), and for a row where a float product
 * overflowed (the sum not finite or beyond FLT_MAX), both factors widened
 * and multiplied in float64 (FA_ROW2_DOT_F32_WIDE). */
#if FA_HAS_FMA
#define FA_ROW2_DOT_F32(IO, g, y, i, n, a0, a1)                                                  \
    do {                                                                                         \
        vf ae_ = vf_zero();                                                                      \
        for (; i + VF_N <= n; i += VF_N) {                                                       \
            vf gg = vf_load##IO(g + i), yy = vf_load##IO(y + i);                                 \
            vf pr = vf_mul(gg, yy), pe = vf_fms(gg, yy, pr);                                     \
            a0 = vd_add(a0, vf_lo_to_vd(pr));                                                    \
            a1 = vd_add(a1, vf_hi_to_vd(pr));                                                    \
            ae_ = vf_add(ae_, pe);                                                               \
        }                                                                                        \
        if (i < n) {                                                                             \
            vf gg = vf_load_n##IO(g + i, n - i), yy = vf_load_n##IO(y + i, n - i);               \
            vf pr = vf_mul(gg, yy), pe = vf_fms(gg, yy, pr);                                     \
            a0 = vd_add(a0, vf_lo_to_vd(pr));                                                    \
            a1 = vd_add(a1, vf_hi_to_vd(pr));                                                    \
            ae_ = vf_add(ae_, pe);                                                               \
        }                                                                                        \
        a0 = vd_add(a0, vf_lo_to_vd(ae_));                                                       \
        a1 = vd_add(a1, vf_hi_to_vd(ae_));                                                       \
    } while (0)
#endif
#define FA_ROW2_DOT_F32_WIDE(IO, g, y, i, n, a0, a1)                                             \
    do {                                                                                         \
        for (; i + VF_N <= n; i += VF_N) {                                                       \
            vf gg = vf_load##IO(g + i), yy = vf_load##IO(y + i);                                 \
            a0 = vd_fma(vf_lo_to_vd(gg), vf_lo_to_vd(yy), a0);                                   \
            a1 = vd_fma(vf_hi_to_vd(gg), vf_hi_to_vd(yy), a1);                                   \
        }                                                                                        \
        if (i < n) {                                                                             \
            vf gg = vf_load_n##IO(g + i, n - i), yy = vf_load_n##IO(y + i, n - i);               \
            a0 = vd_fma(vf_lo_to_vd(gg), vf_lo_to_vd(yy), a0);                                   \
            a1 = vd_fma(vf_hi_to_vd(gg), vf_hi_to_vd(yy), a1);                                   \
        }                                                                                        \
    } while (0)
#if !FA_HAS_FMA
#define FA_ROW2_DOT_F32 FA_ROW2_DOT_F32_WIDE
#endif

/* float32 and 16-bit rows: the row's sum accumulates the exact products
 * (FA_ROW2_DOT_F32; log_softmax: dy) in float64 lanes; the elements are computed in float32
 * from the sum rounded to float, sf: softmax fma(y, dy, -fl(y sf)), log_softmax
 * fma(-e^y, sf, dy), each within about 1.5 ulp of the row's scale (the error
 * bound of docs/accuracy.md: measured <= 1.6).  A row whose sum does not fit in
 * a float (or is NaN), and for log_softmax a vector with some y > 88 (e^y
 * overflows a float; not a log-softmax output), takes the float64 form:
 * computed in float64 and rounded once. */
#define FA_ROW2_F32(dt, T, IO)                                                                   \
    void FA_G_KN(softmax_backward, dt)(const void *gv, const void *yv, void *dv, size_t n)      \
    {                                                                                            \
        const T *g = (const T *)gv, *y = (const T *)yv;                                          \
        T *d = (T *)dv;                                                                          \
        vd a0 = vd_zero(), a1 = vd_zero();                                                       \
        size_t i = 0;                                                                            \
        FA_ROW2_DOT_F32(IO, g, y, i, n, a0, a1);                                                 \
        double s64 = vd_hsum(vd_add(a0, a1));                                                    \
        if (FA_HAS_FMA && !(fabs(s64) <= FLT_MAX)) { /* a float product may have overflowed */  \
            a0 = a1 = vd_zero();                                                                 \
            i = 0;                                                                               \
            FA_ROW2_DOT_F32_WIDE(IO, g, y, i, n, a0, a1);                                        \
            s64 = vd_hsum(vd_add(a0, a1));                                                       \
        }                                                                                        \
        if (fabs(s64) <= FLT_MAX) {                                                              \
            const vf sf = vf_set1((float)s64);                                                   \
            for (i = 0; i + VF_N <= n; i += VF_N) {                                              \
                vf gg = vf_load##IO(g + i), yy = vf_load##IO(y + i);                             \
                vf_store##IO(d + i, vf_fms(yy, gg, vf_mul(yy, sf)));                             \
            }                                                                                    \
            if (i < n) {                                                                         \
                vf gg = vf_load_n##IO(g + i, n - i), yy = vf_load_n##IO(y + i, n - i);           \
                vf_store_n##IO(d + i, vf_fms(yy, gg, vf_mul(yy, sf)), n - i);                    \
            }                                                                                    \
            return;                                                                              \
        }                                                                                        \
        const vd s = vd_set1(s64);                                                               \
        for (i = 0; i < n; i += VF_N) {                                                          \
            size_t m = n - i < VF_N ? n - i : VF_N;                                              \
            vf gg = vf_load_n##IO(g + i, m), yy = vf_load_n##IO(y + i, m);                       \
            vd r0 = vd_mul(vf_lo_to_vd(yy), vd_sub(vf_lo_to_vd(gg), s));                         \
            vd r1 = vd_mul(vf_hi_to_vd(yy), vd_sub(vf_hi_to_vd(gg), s));                         \
            vf_store_n##IO(d + i, vd2_to_vf(r0, r1), m);                                         \
        }                                                                                        \
    }                                                                                            \
    void FA_G_KN(log_softmax_backward, dt)(const void *gv, const void *yv, void *dv, size_t n)  \
    {                                                                                            \
        const T *g = (const T *)gv, *y = (const T *)yv;                                          \
        T *d = (T *)dv;                                                                          \
        vd a0 = vd_zero(), a1 = vd_zero();                                                       \
        size_t i = 0;                                                                            \
        for (; i + VF_N <= n; i += VF_N) {                                                       \
            vf gg = vf_load##IO(g + i);                                                          \
            a0 = vd_add(a0, vf_lo_to_vd(gg));                                                    \
            a1 = vd_add(a1, vf_hi_to_vd(gg));                                                    \
        }                                                                                        \
        if (i < n) {                                                                             \
            vf gg = vf_load_n##IO(g + i, n - i);                                                 \
            a0 = vd_add(a0, vf_lo_to_vd(gg));                                                    \
            a1 = vd_add(a1, vf_hi_to_vd(gg));                                                    \
        }                                                                                        \
        const double s64 = vd_hsum(vd_add(a0, a1));                                              \
        const int narrow = fabs(s64) <= FLT_MAX;                                                 \
        const vd s = vd_set1(s64);                                                               \
        const vf sf = vf_set1(narrow ? (float)s64 : 0.0f), ymax = vf_set1(88.0f);                \
        for (i = 0; i < n; i += VF_N) {                                                          \
            size_t m = n - i < VF_N ? n - i : VF_N;                                              \
            vf gg, yy, r;                                                                        \
            if (m == VF_N) {                                                                     \
                gg = vf_load##IO(g + i);                                                         \
                yy = vf_load##IO(y + i);                                                         \
            } else {                                                                             \
                gg = vf_load_n##IO(g + i, m);                                                    \
                yy = vf_load_n##IO(y + i, m);                                                    \
            }                                                                                    \
            if (narrow && !vf_any(vf_gt(yy, ymax))) {                                            \
                r = vf_fnma(fa_grad_lsm_exp_f32(yy), sf, gg);                                    \
            } else {                                                                             \
                vd r0 = vd_fnma(fa_grad_exp_f64(vf_lo_to_vd(yy)), s, vf_lo_to_vd(gg));           \
                vd r1 = vd_fnma(fa_grad_exp_f64(vf_hi_to_vd(yy)), s, vf_hi_to_vd(gg));           \
                r = vd2_to_vf(r0, r1);                                                           \
            }                                                                                    \
            if (m == VF_N)                                                                       \
                vf_store##IO(d + i, r);                                                          \
            else                                                                                 \
                vf_store_n##IO(d + i, r, m);                                                     \
        }                                                                                        \
    }
FA_ROW2_F32(f32, float, )
FA_ROW2_F32(f16, uint16_t, _f16)
FA_ROW2_F32(bf16, uint16_t, _bf16)

/* The lanes of (sh, sl) merged by two-sums, in lane order: hi + *lo. */
static double fa_grad_merge_f64(vd sh, vd sl, double *lo)
{
    double h[VD_N], l[VD_N], s = 0.0, c = 0.0;
    vd_store(h, sh);
    vd_store(l, sl);
    for (int k = 0; k < VD_N; k++) {
        double t = s + h[k], bb = t - s;
        c += (s - (t - bb)) + (h[k] - bb) + l[k];
        s = t;
    }
    double t = s + c;
    *lo = c - (t - s);
    return t;
}

/* float64 rows: compensated sums (Ogita, Rump and Oishi's Dot2 / Sum2 per lane) */
void FA_G_KN(softmax_backward, f64)(const void *gv, const void *yv, void *dv, size_t n)
{
    const double *g = (const double *)gv, *y = (const double *)yv;
    double *d = (double *)dv;
    vd sh = vd_zero(), sl = vd_zero();
    size_t i = 0;
    for (; i < n; i += VD_N) { /* full vectors, then the tail (vd_load_n: n < VD_N) */
        vd gg = i + VD_N <= n ? vd_load(g + i) : vd_load_n(g + i, n - i);
        vd yy = i + VD_N <= n ? vd_load(y + i) : vd_load_n(y + i, n - i);
        vd pl, ph = fa_two_prod_f64(gg, yy, &pl);
        vd e, s = fa_two_sum_f64(sh, ph, &e);
        sh = s;
        sl = vd_add(sl, vd_add(e, pl));
    }
    double lo, hi = fa_grad_merge_f64(sh, sl, &lo);
    const vd h = vd_set1(hi), l = vd_set1(lo);
    for (i = 0; i + VD_N <= n; i += VD_N) {
        vd gg = vd_load(g + i), yy = vd_load(y + i);
        vd_store(d + i, vd_mul(yy, vd_sub(vd_sub(gg, h), l)));
    }
    if (i < n) {
        vd gg = vd_load_n(g + i, n - i), yy = vd_load_n(y + i, n - i);
        vd_store_n(d + i, vd_mul(yy, vd_sub(vd_sub(gg, h), l)), n - i);
    }
}

void FA_G_KN(log_softmax_backward, f64)(const void *gv, const void *yv, void *dv, size_t n)
{
    const double *g = (const double *)gv, *y = (const double *)yv;
    double *d = (double *)dv;
    vd sh = vd_zero(), sl = vd_zero();
    size_t i = 0;
    for (; i < n; i += VD_N) {
        vd gg = i + VD_N <= n ? vd_load(g + i) : vd_load_n(g + i, n - i);
        vd e, s = fa_two_sum_f64(sh, gg, &e);
        sh = s;
        sl = vd_add(sl, e);
    }
    double lo, hi = fa_grad_merge_f64(sh, sl, &lo);
    const vd h = vd_set1(hi), l = vd_set1(lo);
    for (i = 0; i + VD_N <= n; i += VD_N) {
        vd gg = vd_load(g + i), ey = fa_grad_exp_f64(vd_load(y + i));
        vd_store(d + i, vd_fnma(ey, l, vd_fnma(ey, h, gg)));
    }
    if (i < n) {
        vd gg = vd_load_n(g + i, n - i), ey = fa_grad_exp_f64(vd_load_n(y + i, n - i));
        vd_store_n(d + i, vd_fnma(ey, l, vd_fnma(ey, h, gg)), n - i);
    }
}

/* ---- the kernel table entries of this ISA ---- */
#define FA_X_FILL_MAP2(E, name, np, g32, g64)                                                    \
    t->map2[FA_F32][FA_OP_##E] = FA_G_KN(name, f32);                                             \
    t->map2[FA_F64][FA_OP_##E] = FA_G_KN(name, f64);                                             \
    t->map2[FA_F16][FA_OP_##E] = FA_G_KN(name, f16);                                             \
    t->map2[FA_BF16][FA_OP_##E] = FA_G_KN(name, bf16);
#define FA_X_FILL_ROW2(E, name, g32, g64)                                                        \
    t->row2[FA_F32][FA_OP_##E] = FA_G_KN(name, f32);                                             \
    t->row2[FA_F64][FA_OP_##E] = FA_G_KN(name, f64);                                             \
    t->row2[FA_F16][FA_OP_##E] = FA_G_KN(name, f16);                                             \
    t->row2[FA_BF16][FA_OP_##E] = FA_G_KN(name, bf16);

void FA_G_CAT2X(fa_fill_grad_, FA_ISA)(fa_kernel_table *t)
{
    FA_MAP2_OPS(FA_X_FILL_MAP2)
    FA_ROW2_OPS(FA_X_FILL_ROW2)
}
