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

/* The channel ops' kernels with one weight per element (fa_ops.h
 * FA_CHANNEL_OPS, for channel.c's short runs): fa_<name>_cl_<dt>_<isa>(x, w,
 * y, n), y[i] = fa_<name>_cvf(x[i], w[i]), w in x's dtype; the loop above
 * (y may equal x: each vector is loaded before its result is stored). */
#define FA_X_CHANNEL_KERNELS(E, name, m)                                                             FA_GATED_KERNEL(name##_cl, f32, float, vf, VF_N, , fa_##name##_cvf(a, b))                         FA_GATED_KERNEL(name##_cl, f64, double, vd, VD_N, , fa_##name##_cvd(a, b))                        FA_GATED_KERNEL(name##_cl, f16, uint16_t, vf, VF_N, _f16, fa_##name##_cvf(a, b))                  FA_GATED_KERNEL(name##_cl, bf16, uint16_t, vf, VF_N, _bf16, fa_##name##_cvf(a, b))
FA_CHANNEL_OPS(FA_X_CHANNEL_KERNELS)

#define FA_X_FILL_CHANNEL(E, name, m)                                                                t->chan[FA_F32][FA_OP_##E] = FA_KN(name##_cl, f32);                                              t->chan[FA_F64][FA_OP_##E] = FA_KN(name##_cl, f64);                                              t->chan[FA_F16][FA_OP_##E] = FA_KN(name##_cl, f16);                                              t->chan[FA_BF16][FA_OP_##E] = FA_KN(name##_cl, bf16);

static void FA_CAT2X(fa_fill_gated_bwd_, FA_ISA)(fa_kernel_table *t);
static void FA_CAT2X(fa_fill_gated_, FA_ISA)(fa_kernel_table *t)
{
    FA_GATED_OPS(FA_X_FILL_GATED)
    FA_CHANNEL_OPS(FA_X_FILL_CHANNEL)
    FA_CAT2X(fa_fill_gated_bwd_, FA_ISA)(t);
}

/* ---- the gradients (fa_algo_gated_bwd.h): dy, a, b -> da, db ----
 * fa_<name>_bwd_<dt>_<isa>(dy, a, b, da, db, n): float64 directly; float32
 * and 16-bit data as two double halves of each float vector, rounded once. */
#include "fa_algo_gated_bwd.h"

#define FA_GBWD_KERNEL_F64(name, E)                                                             \
    void FA_KN(name##_bwd, f64)(const void *gv, const void *av, const void *bv, void *dav, void *dbv, \
                                size_t n)                                                        \
    {                                                                                            \
        const double *g = (const double *)gv, *xa = (const double *)av, *xb = (const double *)bv; \
        double *da = (double *)dav, *db = (double *)dbv;                                         \
        size_t i = 0;                                                                            \
        vd ra, rb;                                                                               \
        for (; i + VD_N <= n; i += VD_N) {                                                       \
            fa_gbwd_vd(FA_OP_##E, vd_load(g + i), vd_load(xa + i), vd_load(xb + i), &ra, &rb);   \
            vd_store(da + i, ra);                                                                \
            vd_store(db + i, rb);                                                                \
        }                                                                                        \
        if (i < n) {                                                                             \
            fa_gbwd_vd(FA_OP_##E, vd_load_n(g + i, n - i), vd_load_n(xa + i, n - i),             \
                       vd_load_n(xb + i, n - i), &ra, &rb);                                      \
            vd_store_n(da + i, ra, n - i);                                                       \
            vd_store_n(db + i, rb, n - i);                                                       \
        }                                                                                        \
    }

#define FA_GBWD_F32_BODY(E, gv_, av_, bv_, RA, RB)                                              \
    {                                                                                            \
        vd l0, l1, h0, h1;                                                                       \
        fa_gbwd_vd(FA_OP_##E, vf_lo_to_vd(gv_), vf_lo_to_vd(av_), vf_lo_to_vd(bv_), &l0, &l1);   \
        fa_gbwd_vd(FA_OP_##E, vf_hi_to_vd(gv_), vf_hi_to_vd(av_), vf_hi_to_vd(bv_), &h0, &h1);   \
        RA = vd2_to_vf(l0, h0);                                                                  \
        RB = vd2_to_vf(l1, h1);                                                                  \
    }

#define FA_GBWD_KERNEL_F32(name, E, dt, T, IO)                                                  \
    void FA_KN(name##_bwd, dt)(const void *gv, const void *av, const void *bv, void *dav, void *dbv, \
                               size_t n)                                                         \
    {                                                                                            \
        const T *g = (const T *)gv, *xa = (const T *)av, *xb = (const T *)bv;                    \
        T *da = (T *)dav, *db = (T *)dbv;                                                        \
        size_t i = 0;                                                                            \
        vf ra, rb;                                                                               \
        for (; i + VF_N <= n; i += VF_N) {                                                       \
            vf g0 = vf_load##IO(g + i), a0 = vf_load##IO(xa + i), b0 = vf_load##IO(xb + i);      \
            FA_GBWD_F32_BODY(E, g0, a0, b0, ra, rb)                                              \
            vf_store##IO(da + i, ra);                                                            \
            vf_store##IO(db + i, rb);                                                            \
        }                                                                                        \
        if (i < n) {                                                                             \
            vf g0 = vf_load_n##IO(g + i, n - i), a0 = vf_load_n##IO(xa + i, n - i);              \
            vf b0 = vf_load_n##IO(xb + i, n - i);                                                \
            FA_GBWD_F32_BODY(E, g0, a0, b0, ra, rb)                                              \
            vf_store_n##IO(da + i, ra, n - i);                                                   \
            vf_store_n##IO(db + i, rb, n - i);                                                   \
        }                                                                                        \
    }

#define FA_X_GBWD_KERNELS(E, name, g32, g64)                                                     \
    FA_GBWD_KERNEL_F64(name, E)                                                                  \
    FA_GBWD_KERNEL_F32(name, E, f32, float, )                                                    \
    FA_GBWD_KERNEL_F32(name, E, f16, uint16_t, _f16)                                             \
    FA_GBWD_KERNEL_F32(name, E, bf16, uint16_t, _bf16)
FA_GATED_OPS(FA_X_GBWD_KERNELS)

#define FA_X_FILL_GBWD(E, name, g32, g64)                                                        \
    t->gated_bwd[FA_F32][FA_OP_##E] = FA_KN(name##_bwd, f32);                                    \
    t->gated_bwd[FA_F64][FA_OP_##E] = FA_KN(name##_bwd, f64);                                    \
    t->gated_bwd[FA_F16][FA_OP_##E] = FA_KN(name##_bwd, f16);                                    \
    t->gated_bwd[FA_BF16][FA_OP_##E] = FA_KN(name##_bwd, bf16);

static void FA_CAT2X(fa_fill_gated_bwd_, FA_ISA)(fa_kernel_table *t) { FA_GATED_OPS(FA_X_FILL_GBWD) }
