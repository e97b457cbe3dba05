/*
 * fa_algo_gated.h - the algorithms of the gated forms (fa_ops.h
 * FA_GATED_OPS), on the vectors a and b of the two halves:
 *   glu         a * sigmoid(b)        fa_sigmoid_vf / _vd
 *   swiglu      silu(a) * b           fa_silu_vf / _vd
 *   geglu       gelu(a) * b           fa_gelu_vf / _vd (erf)
 *   geglu_tanh  gelu_tanh(a) * b      fa_gelu_tanh_vf / _vd
 *   reglu       relu(a) * b           fa_relu_vf / _vd (exact: one rounding)
 * The activation is the elementwise op's algorithm (bitwise the same value),
 * the product one more rounding.
 *
 * Tails.  Where the activation's value is subnormal (glu: b < -87, swiglu:
 * a < -90, geglu: a < -13, geglu_tanh: a < -10 in float32; -708, -710,
 * -37.5, -21 in float64) it has lost relative precision, and a large other
 * half would carry that absolute error into a normal product.  A vector with
 * such a lane (never in ordinary data; the test costs one compare and a
 * mask count per vector) gets those lanes recomputed from the definition in
 * the next wider type (double for float32, long double for float64: libm's
 * exp / erfc, where the activation is tiny and normal), the product
 * included, rounded once.  So the result is within a few ulp of the exact
 * a * f(b) for every input pair whose result is normal; the measured bounds
 * are in docs/accuracy.md.
 *
 * Special values: NaN propagates; an infinite factor times an activation
 * value that is mathematically nonzero is the signed infinity (glu(inf, -500)
 * = inf, swiglu(-200, inf) = -inf, even where the value underflows), times
 * an exact 0 NaN (inf * 0: glu(inf, -inf), reglu(-1, inf), swiglu(0, inf));
 * the activations' limits at +-inf (sigmoid(-inf) = 0, silu(-inf) =
 * gelu(-inf) = -0) are used as values.
 */
#ifndef FA_ALGO_GATED_H
#define FA_ALGO_GATED_H

#include <math.h>

#if defined(__GNUC__) || defined(__clang__)
#define FA_GATED_COLD static __attribute__((noinline, cold))
#define FA_GATED_UNLIKELY(c) __builtin_expect(!!(c), 0)
#else
#define FA_GATED_COLD static
#define FA_GATED_UNLIKELY(c) (c)
#endif

/* Tail thresholds on the activated half (see above). */
#define FA_GLU_TAIL_F32 (-87.0f)
#define FA_SWIGLU_TAIL_F32 (-90.0f)
#define FA_GEGLU_TAIL_F32 (-13.0f)
#define FA_GEGLU_TANH_TAIL_F32 (-10.0f)
#define FA_GLU_TAIL_F64 (-708.0)
#define FA_SWIGLU_TAIL_F64 (-710.0)
#define FA_GEGLU_TAIL_F64 (-37.5)
#define FA_GEGLU_TANH_TAIL_F64 (-21.0)

/* 2 sqrt(2/pi): gelu_tanh(x) = x / (1 + e^-t), t = 2 sqrt(2/pi) (x + 0.044715 x^3) */
#define FA_GATED_2SQRT2PI 1.595769121605730711759784239737563L

/* One tail lane from the definition in double (float32 results). */
static inline double fa_gated_exact_d(int op, double a, double b)
{
    double e, t;
    /* an infinite other half times an activation value that is not 0 (only
     * its rounded wide value may be): the signed infinity */
    if (op == FA_OP_GLU && isinf(a) && b > -INFINITY)
        return a;
    if (op != FA_OP_GLU && isinf(b) && a > -INFINITY && a < 0.0)
        return -b;
    switch (op) {
    case FA_OP_GLU:
        e = exp(b);
        return a * (e / (1.0 + e));
    case FA_OP_SWIGLU:
        if (a == -INFINITY)
            return -0.0 * b;
        e = exp(a);
        return (a * e / (1.0 + e)) * b;
    case FA_OP_GEGLU:
        if (a == -INFINITY)
            return -0.0 * b;
        return (0.5 * a * erfc(-a * 0.70710678118654752440)) * b;
    case FA_OP_GEGLU_TANH:
        if (a == -INFINITY)
            return -0.0 * b;
        t = (double)FA_GATED_2SQRT2PI * (a + 0.044715 * a * a * a);
        return (a / (1.0 + exp(-t))) * b;
    default:
        return NAN;
    }
}

/* The same in long double (float64 results). */
static inline long double fa_gated_exact_ld(int op, long double a, long double b)
{
    long double e, t;
    if (op == FA_OP_GLU && isinf(a) && b > -INFINITY)
        return a;
    if (op != FA_OP_GLU && isinf(b) && a > -INFINITY && a < 0.0L)
        return -b;
    switch (op) {
    case FA_OP_GLU:
        e = expl(b);
        return a * (e / (1.0L + e));
    case FA_OP_SWIGLU:
        if (a == -INFINITY)
            return -0.0L * b;
        e = expl(a);
        return (a * e / (1.0L + e)) * b;
    case FA_OP_GEGLU:
        if (a == -INFINITY)
            return -0.0L * b;
        return (0.5L * a * erfcl(-a * 0.707106781186547524400844362104849L)) * b;
    case FA_OP_GEGLU_TANH:
        if (a == -INFINITY)
            return -0.0L * b;
        t = FA_GATED_2SQRT2PI * (a + 0.044715L * a * a * a);
        return (a / (1.0L + expl(-t))) * b;
    default:
        return NAN;
    }
}

/* Recompute the lanes whose activated value x (a, or b for glu) is below thr. */
FA_GATED_COLD vf fa_gated_tail_vf(int op, vf a, vf b, vf r, float thr)
{
    float ta[VF_N], tb[VF_N], tr[VF_N];
    int i;
    vf_store(ta, a);
    vf_store(tb, b);
    vf_store(tr, r);
    for (i = 0; i < VF_N; i++) {
        float x = op == FA_OP_GLU ? tb[i] : ta[i];
        if (x < thr)
            tr[i] = (float)fa_gated_exact_d(op, (double)ta[i], (double)tb[i]);
    }
    return vf_load(tr);
}

FA_GATED_COLD vd fa_gated_tail_vd(int op, vd a, vd b, vd r, double thr)
{
    double ta[VD_N], tb[VD_N], tr[VD_N];
    int i;
    vd_store(ta, a);
    vd_store(tb, b);
    vd_store(tr, r);
    for (i = 0; i < VD_N; i++) {
        double x = op == FA_OP_GLU ? tb[i] : ta[i];
        if (x < thr)
            tr[i] = (double)fa_gated_exact_ld(op, (long double)ta[i], (long double)tb[i]);
    }
    return vd_load(tr);
}

#define FA_GATED_F32(name, OP, ACT, x, y)                                                        \
    FA_INLINE vf fa_##name##_gvf(vf a, vf b)                                                     \
    {                                                                                            \
        vf r = vf_mul(ACT##_vf(x), y);                                                           \
        if (FA_GATED_UNLIKELY(vf_mcount(vf_lt(x, vf_set1(FA_##OP##_TAIL_F32))) != 0))                 \
            r = fa_gated_tail_vf(FA_OP_##OP, a, b, r, FA_##OP##_TAIL_F32);                            \
        return r;                                                                                \
    }
#define FA_GATED_F64(name, OP, ACT, x, y)                                                        \
    FA_INLINE vd fa_##name##_gvd(vd a, vd b)                                                     \
    {                                                                                            \
        vd r = vd_mul(ACT##_vd(x), y);                                                           \
        vd t = vd_sel(vd_lt(x, vd_set1(FA_##OP##_TAIL_F64)), vd_set1(1.0), vd_zero());                \
        if (FA_GATED_UNLIKELY(vd_hmax(t) != 0.0))                                                \
            r = fa_gated_tail_vd(FA_OP_##OP, a, b, r, FA_##OP##_TAIL_F64);                            \
        return r;                                                                                \
    }

/* glu: the gate is the second half (torch.nn.functional.glu) */
FA_GATED_F32(glu, GLU, fa_sigmoid, b, a)
FA_GATED_F64(glu, GLU, fa_sigmoid, b, a)
/* swiglu, geglu: the first half is activated (vLLM silu_and_mul, Megatron) */
FA_GATED_F32(swiglu, SWIGLU, fa_silu, a, b)
FA_GATED_F64(swiglu, SWIGLU, fa_silu, a, b)
FA_GATED_F32(geglu, GEGLU, fa_gelu, a, b)
FA_GATED_F64(geglu, GEGLU, fa_gelu, a, b)
FA_GATED_F32(geglu_tanh, GEGLU_TANH, fa_gelu_tanh, a, b)
FA_GATED_F64(geglu_tanh, GEGLU_TANH, fa_gelu_tanh, a, b)

/* reglu: relu(a) * b, one rounding (relu is exact): no tail */
FA_INLINE vf fa_reglu_gvf(vf a, vf b) { return vf_mul(fa_relu_vf(a), b); }
FA_INLINE vd fa_reglu_gvd(vd a, vd b) { return vd_mul(fa_relu_vd(a), b); }

/* The channel ops with one weight per element (channel.c's channels-last
 * path): prelu = leaky_relu with the weight as its slope (exact: one rounded
 * product). */
FA_INLINE vf fa_prelu_cvf(vf x, vf w) { return fa_leaky_relu_vf(x, w); }
FA_INLINE vd fa_prelu_cvd(vd x, vd w) { return fa_leaky_relu_vd(x, w); }

#endif /* FA_ALGO_GATED_H */
