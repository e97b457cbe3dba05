/*
 * fa_algo_grad.h - the derivative algorithms of the backward ops (family
 * map2, fa_ops.h FA_MAP2_OPS): dx = dy * f'(x) (or, for sigmoid and tanh,
 * the derivative written in the forward output y), written once against the
 * vector primitives (vec_<isa>.h) and the building blocks of fa_algo_f64.h
 * (exp core, two-product, two-sum, exact GELU's G(a)) and fa_algo_exp.h
 * (fa_mulc_f64 for SELU's constants).  Primitives only.
 *
 * Each op has
 *   fa_<name>_gd(vd dy, vd x, const double *pp)   float64
 *   fa_<name>_gf(vf dy, vf x, const double *pp)   float32 (and 16-bit data)
 * with pp the kernel parameters (fa_ops.h), already rounded to the dtype.
 *
 * float32: the piecewise ops with an exact result (relu, leaky_relu, relu6,
 * hardtanh: a selection or one rounded product; hardsigmoid: one correctly
 * rounded division dy / 6) work in float.  Native float32 forms (below, after
 * each op's float64 one; the float32 exp split with 2^k exact):
 *   sigmoid, tanh          dy p, p = y (1 - y) resp. (1 - y)(1 + y) with one
 *                          fma (two roundings on the FMA levels)
 *   hardswish              (dy fma(2, x, 3)) / 6 on (-3, 3)
 *   softsign               dy / (1 + |x|)^2 with 1 + |x| and its square as
 *                          hi + lo, one division (huge or non-finite x and
 *                          infinite dy widened)
 *   softplus, log_sigmoid  q = dy / (1 + e); z > 0: q, else fma(q 2^k, pm1, q 2^k)
 *   elu, selu, celu        c e^z = fma(c 2^k, pm1, c 2^k), c = dy alpha
 *                          (selu: the constants as hi + lo; celu: z + zl)
 *   silu, quick_gelu       e = s (1 + pm1) as ef + el, 1 + e and (1 + e)^2 as
 *                          hi + lo, one division corrected by the lo part,
 *                          1 + z + e by Fast2Sum (rounded once next to the
 *                          zero x0), and a band |z - x0| < 1/16 where d P(d)
 *                          (degree 4, fa_coeffs.h, tools/fit_coeffs.py) in
 *                          float replaces it (fa_grad_dsilu_mul_f32)
 *   gelu (erf)             G(a) (the forward's fa_gelu_g_f32), E = e^(-a^2/2)
 *                          (a^2 = hi + lo exactly), dl = G - a/sqrt(2 pi):
 *                          x < 0: dy E dl, x >= 0: dy (1 - E dl), and a band
 *                          |x - x0| < 3/8 where d P(d) (degree 8, fa_coeffs.h
 *                          DGELU) in float replaces it; |x| > 12.5 widened
 * and their lanes with an exp argument below -87 (results near or below
 * 2^-126), in vectors holding one, go through the widened form
 * (fa_<op>_gw: float64, rounded once), as celu with alpha < 0 does;
 *   gelu_tanh              the silu forms with e = e^(-|t|), t = x (A1 + A3
 *                          x^2) and w = x t' as hi + lo, a band |x - x0| <
 *                          1/4 (degree 7, fa_coeffs.h DGELUT), x < -9.3
 *                          widened (fa_gelu_tanh_backward_gf).
 * mish widens each vector to two float64 vectors, runs its float64
 * algorithm and rounds once (FA_GRAD_WIDE): ~0.5 ulp, also next to the
 * zero of f' (mish' at -1.1924).  The float64 results themselves lose
 * relative accuracy next to those zeros in proportion to 1/|f'(x)|.
 * Measured float32 max error (every 61st bit pattern with dy = 1 and with
 * random dy, and benchmarks/accuracy_backward.py --step 293, every parameter
 * case, against the float64 oracle, every x86 level): softplus 2.75 ulp,
 * log_sigmoid 2.64, elu 1.38, selu 1.97, celu 1.47 (sse2/scalar figures are
 * the larger ones); sigmoid 1.47 ulp (FMA levels) / 1.96 (sse2, scalar),
 * tanh 1.47 / 1.82, hardswish 1.99, softsign 1.96 (--step 17, every level);
 * gelu_tanh 2.86 / 3.08 (--step 17), on every float in [-1.25, -0.25] 3.19
 * / 3.26 (random dy; just outside the band);
 * silu 2.58 ulp (FMA levels) / 3.08 (sse2, scalar), with
 * dy = 1 on every 61st pattern 3.44 (every level, x = -1.0386, where the
 * exp's reduced argument is near -ln2/2 and c = 1 + x + e carries e's error
 * amplified 1.6 times); quick_gelu 2.91 / 3.32, dy = 1: 3.72 (x = -0.6088);
 * next to the zeros (12000 floats within 0.15 of x0, dy = 1, against
 * mpmath): silu 2.17, quick_gelu 2.31; gelu 3.24 (FMA levels) / 3.06
 * (sse2, scalar), every 61st pattern: dy = 1 2.97, random dy 3.40
 * (sse2/scalar, x = -0.3275; FMA levels 3.36), next to its zero (6000
 * floats around x0 and 6000 within 0.45, mpmath) 2.48;
 * subnormal results within 1.2 units of 2^-149 (rounded once where widened;
 * silu and quick_gelu send every result below 2^-125 there: 0.5 units).
 * Huge |dy| (> 2^120 or so) with an f' well below 1 can overflow an
 * intermediate product in the native forms where the exact result is finite.
 *
 * Algorithms (e = e^(-|z|) from the exp core, the argument carried as hi + lo
 * where it is a product, full relative accuracy, subnormal values rounded
 * once; no cancellation away from the zeros of f'):
 *   sigmoid   dy (y (1 - y))                     from the output y
 *   tanh      dy ((1 - y)(1 + y))                from the output y (not 1 - y^2)
 *   silu      s (1 + x (1 - s)) = (1 + e + x e) / (1 + e)^2          (x >= 0)
 *                               = e (1 + x + e) / (1 + e)^2          (x < 0)
 *             (1 + e)^2 is carried as hi + lo (two-sum, two-product)
 *   quick_gelu  silu'(K x), K x = zh + zl (K as hi + lo, two-product)
 *   gelu      Phi(x) + x phi(x), with E = e^(-a^2/2) (a = |x|, a^2 split
 *             exactly) and G(a) = Phi(-a) / E (exact GELU's pieces):
 *             x < 0: E (G - a / sqrt(2 pi));  x >= 0: 1 + E (a / sqrt(2 pi) - G)
 *   gelu_tanh sigma(t) + x sigma'(t) t',  t = x (A1 + A3 x^2) in double-double,
 *             t' = A1 + 3 A3 x^2: the silu forms with e = e^(-|t|), x t' for x
 *   softplus  sigma(beta x) (beta x = zh + zl exactly), 1 where beta x > threshold
 *   log_sigmoid  sigma(-x)
 *   hardswish (2x + 3) / 6 on (-3, 3), 0 below, 1 above
 *   softsign  1 / (1 + |x|)^2, 1 + |x| carried as hi + lo: (dy / t) / t corrected
 *   elu, selu, celu  alpha e^x (scale alpha e^x; e^(x / alpha), x / alpha as
 *             z + zl) for x <= 0, 1 (scale) above: dy p scaled by 2^n last
 *   mish      tanh(sp) + x sech^2(sp) sigma(x), sp = softplus(x), as rational
 *             functions of e:  x <= 0: e [(e + 2) D + 4x (1 + e)] / D^2,
 *             D = e^2 + 2e + 2;  x > 0: [n d + 4x e^2 (1 + e)] / d^2,
 *             n = 1 + 2e, d = 1 + 2e + 2e^2
 * Measured error (docs/accuracy.md "Backward ops", benchmarks/accuracy_backward.py;
 * every level): float32 as above (the widened ops <= 0.5 ulp, the exact ones
 * exact); float64 <= 4 ulp (mish: 6 ulp on [-12, -1.7], where its numerator's terms
 * cancel by a factor ~2) away from the zeros of f', next to them an absolute
 * error below 2^-53 |dy|.  Subnormal results: float32 rounded once where
 * widened, else within 1.2 units of 2^-149; float64 within a few units of
 * 2^-1074.
 *
 * Conventions at the kinks (PyTorch's derivatives.yaml / its kernels):
 * relu'(0) = 0; leaky_relu'(0) = negative_slope; hardtanh' (relu6') = 0 at
 * and beyond the bounds; hardsigmoid' = 1/6 on the open (-3, 3), 0 at +-3;
 * hardswish' = (2x + 3)/6 on the open (-3, 3), 0 at and below -3, 1 at and
 * above 3 (PyTorch's kernel; its derivatives.yaml formula is the same);
 * elu' / selu' / celu' at 0 take the x <= 0 branch (alpha, scale alpha, 1);
 * softplus' is 1 where beta x > threshold.
 * Special values: NaN in x or dy gives NaN (also in the piecewise ops, where
 * PyTorch returns dy or 0 for a NaN x); +-inf in x gives dy times the
 * derivative's limit (0 * inf = NaN where dy is infinite and the limit 0;
 * the piecewise ops select dy or +0 without multiplying, as PyTorch).
 */
#ifndef FA_ALGO_GRAD_H
#define FA_ALGO_GRAD_H

#include <float.h>

#include "fa_coeffs.h"

/* The float32 form of a float64 algorithm: both halves widened, computed in
 * float64, rounded once. */
#define FA_GRAD_WIDE_BODY(name)                                                                  \
    {                                                                                            \
        vd r0 = fa_##name##_gd(vf_lo_to_vd(g), vf_lo_to_vd(x), pp);                              \
        vd r1 = fa_##name##_gd(vf_hi_to_vd(g), vf_hi_to_vd(x), pp);                              \
        return vd2_to_vf(r0, r1);                                                                \
    }
#define FA_GRAD_WIDE(name) FA_INLINE vf fa_##name##_gf(vf g, vf x, const double *pp) FA_GRAD_WIDE_BODY(name)

/* The same widened form under another name, fa_<name>_gw: the native float32
 * algorithms below send their rare lanes (exp arguments beyond -87, where
 * e^z leaves the normal range and the result is near or below 2^-126, or
 * |dy| f' would need a wider exponent) through it, only in vectors that hold
 * one, merged by lane (a result never depends on its neighbours); out of
 * line, so that the hot loop keeps its registers. */
#if defined(__GNUC__) || defined(__clang__)
#define FA_GRAD_COLD static __attribute__((noinline, cold))
#else
#define FA_GRAD_COLD static
#endif
#define FA_GRAD_WIDE_AS(name) FA_GRAD_COLD vf fa_##name##_gw(vf g, vf x, const double *pp) FA_GRAD_WIDE_BODY(name)

/* ---- float32 building blocks ---- */

/* the band polynomials next to the zeros of f' (fa_coeffs.h, tools/fit_coeffs.py) */
static const double fa_dsilu_band_c[] = {FA_DSILU_BAND_C0, FA_DSILU_BAND_C1, FA_DSILU_BAND_C2,
                                         FA_DSILU_BAND_C3, FA_DSILU_BAND_C4};
_Static_assert(FA_DSILU_BAND_DEG == 4, "fa_dsilu_band_c lists C0..C4");

/* e^(z + zl) = s (1 + pm1), returns pm1 (fa_exp_split_f32 with the tiny
 * remainder zl added to the reduced argument): s = 2^k exact, z in
 * [-87.3, 88.3]. */
FA_INLINE vf fa_grad_exp_split2_f32(vf z, vf zl, vf *s)
{
    const vf shift = vf_set1(FA_SHIFTB_F32);
    vf kb = vf_fma(z, vf_set1(FA_LOG2E_F32), shift);
    vf k = vf_sub(kb, shift);
    vf r = vf_fnma(k, vf_set1(FA_LN2_HI_F32), z);
    *s = vf_pow2_bits(kb);
    return fa_exp_pm1_f32(vf_add(vf_fnma(k, vf_set1(FA_LN2_LO_F32), r), zl));
}

/* v (1 + pm1) rounded once, fma(v, pm1, v), with v = +-inf kept (inf - inf
 * would give NaN where pm1 < 0). */
FA_INLINE vf fa_grad_mulp1_f32(vf v, vf pm1)
{
    return vf_sel(vf_lt(vf_set1(FLT_MAX), vf_abs(v)), v, vf_fma(v, pm1, v));
}

/* dy sigma(zh + zl) for |zh| <= 87 (callers send the other lanes to their
 * widened form): e = e^(-|z|) = s (1 + pm1) (s = 2^k exact), q = dy / (1 + e);
 * z > 0: q;  z <= 0: q e = fma(q s, pm1, q s) (e never rounded as a factor).
 * Error: 1 + e and the quotient round once each, e's own error enters 1 + e
 * damped by e / (1 + e) <= 1/2, the product rounds once. */
FA_INLINE vf fa_grad_sigmul_f32(vf g, vf zh, vf zl)
{
    vfm neg = vf_le(zh, vf_zero());
    vf a = vf_max(vf_set1(-87.0f), vf_negabs(zh)); /* NaN propagates */
    vf s, pm1 = fa_grad_exp_split2_f32(a, vf_sel(neg, zl, vf_neg(zl)), &s);
    vf e = vf_fma(pm1, s, s);
    vf q = vf_div(g, vf_add(vf_set1(1.0f), e));
    return vf_sel(neg, fa_grad_mulp1_f32(vf_mul(q, s), pm1), q);
}

/* ---- building blocks ---- */

/* e^(-|zh + zl|), zl a tiny remainder of zh (0 where unknown or not finite);
 * |zh| clamped at 1400 (e = 0 beyond); NaN propagates. */
FA_INLINE vd fa_grad_emabs2_f64(vd zh, vd zl, vd *pp, vd *mnp)
{
    const vd amin = vd_set1(-1400.0);
    vd az = vd_negabs(zh);
    vd a = vd_max(amin, az);
    vd c = vd_sel(vd_lt(amin, az), vd_sel(vd_lt(zh, vd_zero()), zl, vd_neg(zl)), vd_zero());
    vd mn, p = fa_exp_core2_neg_f64(a, c, &mn);
    *pp = p;
    *mnp = mn;
    return vd_ldexp(p, vd_neg(mn));
}

/* the same, e only (e = p 2^-mn; subnormal e rounded once, so it has fewer
 * bits: callers whose result is proportional to e use p and mn). */
FA_INLINE vd fa_grad_emabs_f64(vd zh, vd zl)
{
    vd p, mn;
    return fa_grad_emabs2_f64(zh, zl, &p, &mn);
}

/* g e^(z + zl): z clamped to [-1100, 1417] (e^z = 0 below, +inf above, where
 * g = 0 gives NaN as g * inf does), e^z = p 2^n scaled in two steps, times g. */
FA_INLINE vd fa_grad_mulexp_f64(vd g, vd z, vd zl)
{
    vd zc = vd_min(vd_set1(1417.0), vd_max(vd_set1(-1100.0), z));
    vd n, p = fa_exp_core2_f64(zc, zl, &n);
    vd n1 = vd_min(vd_set1(1023.0), n);
    return vd_mul(g, vd_ldexp(vd_ldexp(p, n1), vd_sub(n, n1)));
}

/* The sigmoid-derivative forms, e = e^(-|t|) in [0, 1]:
 *   pos: (1 + e + w e) / (1 + e)^2,   neg: e (1 + w + wl + e) / (1 + e)^2
 * (silu: t = w = x; gelu_tanh: w = x t'), selected by `neg`.  1 + e = oh + ol
 * exactly and (1 + e)^2 = dh (1 + dl / dh) to ~2^-104, so the result is
 * rounded about three times; 1 + w is exact for w in [-2, -1/2] (Sterbenz),
 * so the zero of the neg form (1 + w + e = 0) is approached without a
 * rounding of 1 + w.  w is clamped to +-1e6 (callers: |w| > 1e6 only where
 * e < 2^-2000, so the result is 0 either way). */
FA_INLINE vd fa_grad_sigform_f64(vd w, vd wl, vd e, vd p, vd mn, vdm neg)
{
    const vd one = vd_set1(1.0);
    vd wc = vd_min(vd_set1(1e6), vd_max(vd_set1(-1e6), w)); /* |w| > 1e6: e 2^mn... = 0 */
    vd ol, oh = fa_two_sum_f64(one, e, &ol);
    vd pos = vd_add(vd_fma(wc, e, oh), ol);
    /* neg: the factor e as p, scaled by 2^-mn last (e subnormal while the result is not) */
    vd ng = vd_mul(p, vd_add(vd_add(vd_add(one, wc), wl), e));
    vd num = vd_sel(neg, ng, pos);
    vd dl, dh = fa_two_prod_f64(oh, oh, &dl);
    dl = vd_fma(vd_add(oh, oh), ol, dl);
    vd q = vd_div(num, dh);
    return vd_ldexp(vd_fnma(q, vd_div(dl, dh), q), vd_sel(neg, vd_neg(mn), vd_zero()));
}

/* silu'(z) for z = zh + zl (zl = 0 where |zh| >= 1400 or not finite). */
FA_INLINE vd fa_grad_dsilu_f64(vd zh, vd zl)
{
    vd p, mn, e = fa_grad_emabs2_f64(zh, zl, &p, &mn);
    return fa_grad_sigform_f64(zh, zl, e, p, mn, vd_lt(zh, vd_zero()));
}

/* sigma(z) (num = 1 for z > 0, e else) / (1 + e), 1 + e = oh + ol: rounded about twice. */
FA_INLINE vd fa_grad_sig_f64(vd num, vd e)
{
    vd ol, oh = fa_two_sum_f64(vd_set1(1.0), e, &ol);
    vd q = vd_div(num, oh);
    return vd_fnma(q, vd_div(ol, oh), q);
}

/* ---- exact piecewise ops (float and double, no widening) ---- */

/* x > 0 ? dy : +0 (x <= 0), NaN x -> NaN */
FA_INLINE vf fa_relu_backward_gf(vf g, vf x, const double *pp)
{
    (void)pp;
    return vf_sel(vf_gt(x, vf_zero()), g, vf_sel(vf_le(x, vf_zero()), vf_zero(), x));
}
FA_INLINE vd fa_relu_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    return vd_sel(vd_gt(x, vd_zero()), g, vd_sel(vd_le(x, vd_zero()), vd_zero(), x));
}

/* x > 0 ? dy : dy * slope (x <= 0), NaN x -> NaN */
FA_INLINE vf fa_leaky_relu_backward_gf(vf g, vf x, const double *pp)
{
    vf s = vf_set1((float)pp[0]);
    return vf_sel(vf_gt(x, vf_zero()), g, vf_sel(vf_le(x, vf_zero()), vf_mul(g, s), x));
}
FA_INLINE vd fa_leaky_relu_backward_gd(vd g, vd x, const double *pp)
{
    vd s = vd_set1(pp[0]);
    return vd_sel(vd_gt(x, vd_zero()), g, vd_sel(vd_le(x, vd_zero()), vd_mul(g, s), x));
}

/* lo < x < hi ? dy : +0, NaN x -> NaN */
FA_INLINE vf fa_grad_clip_vf(vf g, vf x, vf lo, vf hi)
{
    return vf_sel(vf_gt(x, lo), vf_sel(vf_lt(x, hi), g, vf_zero()), vf_sel(vf_le(x, lo), vf_zero(), x));
}
FA_INLINE vd fa_grad_clip_vd(vd g, vd x, vd lo, vd hi)
{
    return vd_sel(vd_gt(x, lo), vd_sel(vd_lt(x, hi), g, vd_zero()), vd_sel(vd_le(x, lo), vd_zero(), x));
}

FA_INLINE vf fa_relu6_backward_gf(vf g, vf x, const double *pp)
{
    (void)pp;
    return fa_grad_clip_vf(g, x, vf_zero(), vf_set1(6.0f));
}
FA_INLINE vd fa_relu6_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    return fa_grad_clip_vd(g, x, vd_zero(), vd_set1(6.0));
}

FA_INLINE vf fa_hardtanh_backward_gf(vf g, vf x, const double *pp)
{
    return fa_grad_clip_vf(g, x, vf_set1((float)pp[0]), vf_set1((float)pp[1]));
}
FA_INLINE vd fa_hardtanh_backward_gd(vd g, vd x, const double *pp)
{
    return fa_grad_clip_vd(g, x, vd_set1(pp[0]), vd_set1(pp[1]));
}

/* -3 < x < 3 ? dy / 6 (correctly rounded) : +0 */
FA_INLINE vf fa_hardsigmoid_backward_gf(vf g, vf x, const double *pp)
{
    (void)pp;
    return fa_grad_clip_vf(vf_div(g, vf_set1(6.0f)), x, vf_set1(-3.0f), vf_set1(3.0f));
}
FA_INLINE vd fa_hardsigmoid_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    return fa_grad_clip_vd(vd_div(g, vd_set1(6.0)), x, vd_set1(-3.0), vd_set1(3.0));
}

/* ---- from the output ---- */

FA_INLINE vd fa_sigmoid_backward_gd(vd g, vd y, const double *pp)
{
    (void)pp;
    return vd_mul(g, vd_mul(y, vd_sub(vd_set1(1.0), y)));
}
FA_GRAD_WIDE_AS(sigmoid_backward)
/* float32: dy p, p = y (1 - y) = fma(-y, y, y) rounded once (FMA levels; else
 * y (1 - y), 1 - y exact for y >= 1/2): two roundings, <= 1 ulp (1.5 without
 * FMA).  y subnormal: p = y exactly.  dy = +-inf: dy p (NaN where p = 0, as
 * inf * 0).  |y| > 2^60 and y = +-inf (not outputs of sigmoid; y y would
 * overflow, or give inf - inf) are the widened form's. */
FA_INLINE vf fa_sigmoid_backward_gf(vf g, vf y, const double *pp)
{
#if FA_HAS_FMA
    vf p = vf_fnma(y, y, y);
#else
    vf p = vf_mul(y, vf_sub(vf_set1(1.0f), y));
#endif
    vf r = vf_mul(g, p);
    vfm far = vf_lt(vf_set1(0x1p60f), vf_abs(y));
    if (FA_UNLIKELY(vf_any(far))) r = vf_sel(far, fa_sigmoid_backward_gw(g, y, pp), r);
    return r;
}

FA_INLINE vd fa_tanh_backward_gd(vd g, vd y, const double *pp)
{
    (void)pp;
    const vd one = vd_set1(1.0);
    return vd_mul(g, vd_mul(vd_sub(one, y), vd_add(one, y)));
}
FA_GRAD_WIDE_AS(tanh_backward)
/* float32: dy p, p = (1 - y)(1 + y):  |y| < 1/2: 1 - y y (fma: rounded once,
 * p > 3/4);  |y| >= 1/2: a (1 + |y|) = fma(a, |y|, a), a = 1 - |y| exact
 * (Sterbenz, |y| <= 2), no cancellation next to |y| = 1.  Two roundings on
 * the FMA levels (<= 1 ulp), about three without FMA.  |y| > 2^60 and
 * y = +-inf (not outputs of tanh; p would overflow) are the widened form's. */
FA_INLINE vf fa_tanh_backward_gf(vf g, vf y, const double *pp)
{
    const vf one = vf_set1(1.0f);
    vf ay = vf_abs(y);
    vf a = vf_sub(one, ay);
    vf p = vf_sel(vf_lt(ay, vf_set1(0.5f)), vf_fnma(y, y, one), vf_fma(a, ay, a));
    vf r = vf_mul(g, p);
    vfm far = vf_lt(vf_set1(0x1p60f), ay);
    if (FA_UNLIKELY(vf_any(far))) r = vf_sel(far, fa_tanh_backward_gw(g, y, pp), r);
    return r;
}

/* ---- sigmoid family ---- */

FA_INLINE vd fa_silu_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    return vd_mul(g, fa_grad_dsilu_f64(x, vd_zero()));
}
FA_GRAD_WIDE_AS(silu_backward)

/* Float32 pieces of the error-free arithmetic (FMA where the level has it,
 * else Dekker's splitting via fa_two_prod_f32). */

/* a b + c rounded once where c is a small correction (|c| << |a b|): the
 * fma, or without FMA the two-product a b = h + l and h + (l + c). */
FA_INLINE vf fa_grad_fma_corr_f32(vf a, vf b, vf c)
{
#if FA_HAS_FMA
    return vf_fma(a, b, c);
#else
    vf l, h = fa_two_prod_f32(a, b, &l);
    return vf_add(h, vf_add(l, c));
#endif
}

/* The band constants in float32: x0 = X0H + X0L (X0H = x0 rounded to float,
 * X0L the float nearest x0 - X0H); P's coefficients are fa_coeffs.h's
 * doubles rounded to float here (not refitted). */
#define FA_DSILU_X0H_F32 ((float)FA_DSILU_X0_F64)
#define FA_DSILU_X0L_F32 ((float)((FA_DSILU_X0_F64 - (double)FA_DSILU_X0H_F32) + FA_DSILU_X0LO_F64))
#define FA_DSILU_C0H_F32 ((float)FA_DSILU_BAND_C0)

/* e^(a + lo) = s (1 + pm1), returns pm1: a <= 0 in [-87, 0], lo a tiny
 * remainder; a + lo = k ln2 + rh + t (rh exact, t = lo - k LN2_LO), r + rt =
 * rh + t exactly, pm1 = e^r - 1 corrected by rt (1 + pm1). */
FA_INLINE vf fa_grad_exp_rem_f32(vf a, vf lo, vf *s)
{
    const vf shift = vf_set1(FA_SHIFTB_F32);
    vf kb = vf_fma(a, vf_set1(FA_LOG2E_F32), shift);
    vf k = vf_sub(kb, shift);
    vf rh = vf_fnma(k, vf_set1(FA_LN2_HI_F32), a);
    vf t = vf_fnma(k, vf_set1(FA_LN2_LO_F32), lo);
    vf r = vf_add(rh, t);
    vf rt = vf_add(vf_sub(rh, r), t);
    vf pm0 = fa_exp_pm1_f32(r);
    *s = vf_pow2_bits(kb);
    return vf_fma(rt, vf_add(vf_set1(1.0f), pm0), pm0);
}

/* dy times the sigmoid-derivative forms of silu' and gelu_tanh' in float32,
 * e = e^(-|t|) = s (1 + pm1) (s = 2^k), w = wh + wl (silu: w = z; gelu_tanh:
 * w = x t'), wp1 = 1 + w rounded (used where !neg):
 *   !neg: (1 + e + w e) / (1 + e)^2,  neg: e (1 + w + e) / (1 + e)^2;
 *   ef + el = e exactly (s pm1 exact, ef - s exact by Sterbenz);
 *   1 + e = oh + ol (Fast2Sum, el folded in), D = (1 + e)^2 = Dh + Dlo
 *     (two-product): the quotient by Dh is corrected by -Dlo / D ~ -Dlo y,
 *     y a quadratic in e (1 / (1 + e)^2 to 9.4%);
 *   !neg: q = (1 + wp1 e) / Dh (one fma);
 *   neg:  q = c s / Dh, c = 1 + w + e = h + fma(s, pm1, hl) with h + hl =
 *         (1 + s) + wh (Fast2Sum: exact for wh >= -14.2, and h itself exact
 *         on [-2, -1/2], so next to the zero of 1 + w + e c rounds once in
 *         spite of the cancellation), the factor 1 + pm1 of e applied last;
 *   dy f' = fma(dy, q, (dy q) pmx), pmx = (neg ? pm1 : 0) - Dlo y (the main
 *     product rounded once). */
FA_INLINE vf fa_grad_sigform_mul_f32(vf g, vfm neg, vf s, vf pm1, vf wp1, vf wh, vf wl, int has_wl)
{
    const vf one = vf_set1(1.0f);
    vf sp = vf_mul(s, pm1);
    vf ef = vf_add(s, sp);
    vf el = vf_sub(sp, vf_sub(ef, s));
    vf oh = vf_add(one, ef);
    vf ol = vf_add(vf_sub(ef, vf_sub(oh, one)), el);
    vf Dlo, Dh = fa_two_sq_f32(oh, &Dlo);
    Dlo = vf_fma(vf_add(oh, oh), ol, Dlo);
    vf y = vf_fma(vf_fma(vf_set1(0.52751f), ef, vf_set1(-1.17145f)), ef, vf_set1(0.90646f));
    vf npos = vf_fma(wp1, ef, one);
    vf o1 = vf_add(one, s);
    vf h = vf_add(o1, wh);
    vf hl = vf_sub(wh, vf_sub(h, o1));
    if (has_wl) hl = vf_add(hl, wl);
    vf c = vf_add(h, vf_fma(s, pm1, hl));
    vf q = vf_div(vf_sel(neg, vf_mul(c, s), npos), Dh);
    vf pmx = vf_fnma(Dlo, y, vf_sel(neg, pm1, vf_zero()));
    return fa_grad_fma_corr_f32(g, q, vf_mul(vf_mul(g, q), pmx));
}

/* float32 dy silu'(zh + zl), all in float32 (zh < -87: the callers' widened
 * lanes; zl = 0 where |zh| > 87; has_zl = 0: zl is 0 and not used): e =
 * e^(-|z|) from the float32 exp (a = -|zh| clamped at -87; with zl, as
 * fa_grad_exp_rem_f32), the forms of fa_grad_sigform_mul_f32 with w = z,
 * and the band |zh - x0| < 1/16 (FA_DSILU_BAND_W_F32): d = (zh - X0H) - X0L
 * (+ zl; zh - X0H exact), dy (d P(d)), P of fa_coeffs.h by Horner in float
 * (its double coefficients rounded to float).  Results below 2^-125 (dy != 0)
 * and NaN results (dy = +-inf: inf - inf from the correction terms) are the
 * widened form's (fa_grad_dsilu_ok_f32). */
FA_INLINE vf fa_grad_dsilu_mul_f32(vf g, vf zh, vf zl, int has_zl)
{
    vfm neg = vf_lt(zh, vf_zero());
    vf a = vf_max(vf_set1(-87.0f), vf_negabs(zh)); /* NaN propagates */
    vf s, pm1;
    if (has_zl) pm1 = fa_grad_exp_rem_f32(a, vf_sel(neg, zl, vf_neg(zl)), &s);
    else pm1 = fa_exp_split_f32(a, &s);
    vf wp1 = vf_sub(vf_set1(1.0f), a); /* 1 + |z| */
    if (has_zl) wp1 = vf_add(wp1, vf_sel(neg, vf_zero(), zl));
    vf res = fa_grad_sigform_mul_f32(g, neg, s, pm1, wp1, zh, zl, has_zl);

    /* the band next to x0 (only in vectors that reach it: ~1.5 % of N(0, 9) lanes) */
    vf d0 = vf_sub(zh, vf_set1(FA_DSILU_X0H_F32));
    vfm band = vf_lt(vf_abs(d0), vf_set1(FA_DSILU_BAND_W_F32));
    if (vf_any(band)) {
        vf d = has_zl ? vf_add(d0, vf_sub(zl, vf_set1(FA_DSILU_X0L_F32))) : vf_sub(d0, vf_set1(FA_DSILU_X0L_F32));
        vf pb = vf_set1((float)FA_DSILU_BAND_C4);
        pb = vf_fma(pb, d, vf_set1((float)FA_DSILU_BAND_C3));
        pb = vf_fma(pb, d, vf_set1((float)FA_DSILU_BAND_C2));
        pb = vf_fma(pb, d, vf_set1((float)FA_DSILU_BAND_C1));
        pb = vf_fma(pb, d, vf_set1(FA_DSILU_C0H_F32));
        res = vf_sel(band, vf_mul(g, vf_mul(d, pb)), res);
    }
    return res;
}

/* the lanes for the widened form: results below 2^-125 in magnitude (dy != 0:
 * rounded once there instead of up to three times) and NaN results (dy = +-inf,
 * where the correction terms may give inf - inf or inf * 0); dy = 0 stays. */
FA_INLINE vfm fa_grad_dsilu_ok_f32(vf g, vf r)
{
    vf thr = vf_min(vf_set1(0x1p-125f), vf_mul(vf_abs(g), vf_set1(0x1p60f)));
    return vf_le(thr, vf_abs(r));
}

FA_INLINE vf fa_silu_backward_gf(vf g, vf x, const double *pp)
{
    vf r = fa_grad_dsilu_mul_f32(g, x, vf_zero(), 0);
    vfm t = vf_lt(x, vf_set1(-87.0f)), ok = fa_grad_dsilu_ok_f32(g, r);
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_silu_backward_gw(g, x, pp), r);
    if (FA_UNLIKELY(!vf_all(ok))) r = vf_sel(ok, r, fa_silu_backward_gw(g, x, pp));
    return r;
}

FA_INLINE vd fa_quick_gelu_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    vd zl, zh = fa_two_prod_f64(vd_set1(FA_QGELU_K_F64), x, &zl);
    zl = vd_fma(vd_set1(FA_QGELU_KLO_F64), x, zl);
    zl = vd_sel(vd_lt(vd_abs(zh), vd_set1(1400.0)), zl, vd_zero());
    return vd_mul(g, fa_grad_dsilu_f64(zh, zl));
}
FA_GRAD_WIDE_AS(quick_gelu_backward)
/* float32: K x = zh + zl (K as hi + lo, two-product), silu'(zh + zl) as for
 * silu; lanes with zh < -87 (x < -51.1) widened. */
FA_INLINE vf fa_quick_gelu_backward_gf(vf g, vf x, const double *pp)
{
    vf zl, zh = fa_two_prod_f32(vf_set1(FA_QGELU_K_F32), x, &zl);
    zl = vf_fma(vf_set1(FA_QGELU_KLO_F32), x, zl);
    zl = vf_sel(vf_lt(vf_abs(zh), vf_set1(87.0f)), zl, vf_zero());
    vf r = fa_grad_dsilu_mul_f32(g, zh, zl, 1);
    vfm t = vf_lt(zh, vf_set1(-87.0f)), ok = fa_grad_dsilu_ok_f32(g, r);
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_quick_gelu_backward_gw(g, x, pp), r);
    if (FA_UNLIKELY(!vf_all(ok))) r = vf_sel(ok, r, fa_quick_gelu_backward_gw(g, x, pp));
    return r;
}

/* softplus: pp = (beta, threshold) */
FA_INLINE vd fa_softplus_backward_gd(vd g, vd x, const double *pp)
{
    vd beta = vd_set1(pp[0]), thr = vd_set1(pp[1]);
    vd zl, zh = fa_two_prod_f64(beta, x, &zl);
    zl = vd_sel(vd_lt(vd_abs(zh), vd_set1(1400.0)), zl, vd_zero());
    vd e = fa_grad_emabs_f64(zh, zl);
    vd s = fa_grad_sig_f64(vd_sel(vd_gt(zh, vd_zero()), vd_set1(1.0), e), e);
    vdm lin = vd_gt(vd_add(vd_sub(zh, thr), zl), vd_zero());
    return vd_sel(lin, g, vd_mul(g, s));
}
FA_GRAD_WIDE_AS(softplus_backward)
/* float32: beta x = zh + zl exactly (two-product), the same test for the
 * linear part, dy sigma(zh + zl) by fa_grad_sigmul_f32; lanes with
 * zh < -87 outside the linear part (and NaN-free) go to the widened form. */
FA_INLINE vf fa_softplus_backward_gf(vf g, vf x, const double *pp)
{
    vf beta = vf_set1((float)pp[0]), thr = vf_set1((float)pp[1]);
    vf zl, zh = fa_two_prod_f32(beta, x, &zl);
    vfm lin = vf_gt(vf_add(vf_sub(zh, thr), zl), vf_zero());
    vfm big = vf_lt(vf_set1(87.0f), vf_abs(zh));
    vf r = vf_sel(lin, g, fa_grad_sigmul_f32(g, zh, vf_sel(big, vf_zero(), zl)));
    vfm t = vf_lt(zh, vf_set1(-87.0f));
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_softplus_backward_gw(g, x, pp), r);
    return r;
}

/* log_sigmoid' = sigma(-x) */
FA_INLINE vd fa_log_sigmoid_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    vd e = fa_grad_emabs_f64(x, vd_zero());
    return vd_mul(g, fa_grad_sig_f64(vd_sel(vd_lt(x, vd_zero()), vd_set1(1.0), e), e));
}
FA_GRAD_WIDE_AS(log_sigmoid_backward)
/* float32: dy sigma(-x) by fa_grad_sigmul_f32, lanes with x > 87 widened. */
FA_INLINE vf fa_log_sigmoid_backward_gf(vf g, vf x, const double *pp)
{
    vf r = fa_grad_sigmul_f32(g, vf_neg(x), vf_zero());
    vfm t = vf_lt(vf_set1(87.0f), x);
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_log_sigmoid_backward_gw(g, x, pp), r);
    return r;
}

/* ---- GELU ---- */

/* exact GELU': G(a) and E = e^(-a^2/2) as fa_gelu_vd computes them. */
FA_INLINE vd fa_gelu_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    const double amax = 38.6;
    vd a = vd_min(vd_set1(amax), vd_abs(x));
    vd d = vd_fma(vd_set1(FA_GELU_F64_K), a, vd_set1(1.0));
    vd t = vd_div(vd_set1(1.0), d);
    vd j = vd_mul(vd_sub(t, vd_set1(FA_GELU_F64_TMIN)), vd_set1(FA_GELU_F64_INVW));
    vdi ji = vd_lut4_index(vd_min(vd_set1((double)(FA_GELU_F64_NP - 1)), vd_max(j, vd_zero())));
    vd u = vd_sub(t, vd_lut4(fa_gelu_f64_ctr, ji));
    vd q = vd_lut4(fa_gelu_f64_tab[FA_GELU_F64_DEG], ji);
    for (int i = FA_GELU_F64_DEG - 1; i >= 0; i--) q = vd_fma(q, u, vd_lut4(fa_gelu_f64_tab[i], ji));
    vd G = fa_gelu_tfix_f64(a, d, t, vd_mul(t, q));
    vd lo, hi = fa_two_prod_f64(a, a, &lo);
    vd n, p = fa_exp_core2_f64(vd_mul(hi, vd_set1(-0.5)), vd_mul(lo, vd_set1(-0.5)), &n);
    vd E = vd_ldexp(p, n);
    vd c = vd_mul(a, vd_set1(FA_GELU_RSQRT2PI_F64)); /* a phi(a) / E */
    vd dneg = vd_mul(E, vd_sub(G, c));
    vd dpos = vd_fma(E, vd_sub(c, G), vd_set1(1.0));
    vd dd = vd_sel(vd_lt(x, vd_zero()), dneg, dpos);
    dd = vd_sel(vd_lt(x, vd_set1(-amax)), vd_set1(-0.0), dd); /* below: |gelu'| < 2^-1070 */
    return vd_mul(g, dd);
}
FA_GRAD_WIDE_AS(gelu_backward)

#define FA_DGELU_X0H_F32 ((float)FA_DGELU_X0_F64)
#define FA_DGELU_X0L_F32 ((float)((FA_DGELU_X0_F64 - (double)FA_DGELU_X0H_F32) + FA_DGELU_X0LO_F64))
#define FA_GELU_RS2PI_HI_F32 ((float)FA_GELU_RSQRT2PI_F64)
#define FA_GELU_RS2PI_LO_F32 ((float)(FA_GELU_RSQRT2PI_F64 - (double)FA_GELU_RS2PI_HI_F32))
static const float fa_dgelu_band_f32[] = {
    (float)FA_DGELU_BAND_C0, (float)FA_DGELU_BAND_C1, (float)FA_DGELU_BAND_C2,
    (float)FA_DGELU_BAND_C3, (float)FA_DGELU_BAND_C4, (float)FA_DGELU_BAND_C5,
    (float)FA_DGELU_BAND_C6, (float)FA_DGELU_BAND_C7, (float)FA_DGELU_BAND_C8};
_Static_assert(FA_DGELU_BAND_DEG == 8, "fa_dgelu_band_f32 lists C0..C8");

/* float32 exact GELU': with a = |x| (clamped at 12.5), G = G(a) (the forward's
 * fa_gelu_g_f32), E = e^(-a^2/2) = 2^n (1 + pm1) (a^2 = hi + lo exactly, lo
 * carried into the reduced argument, as fa_gelu_tail_vf), dl = G - a/sqrt(2 pi)
 * (the constant as hi + lo, two fused steps):
 *   x < 0:  dy E dl = fma(t, pm1, t), t = dy (dl 2^n) (dl 2^n exact);
 *   x >= 0: dy (1 - E dl)  (E dl <= 1/2: no cancellation);
 * next to the zero x0 = -0.7518 (dl -> 0 there, G's error amplified by
 * G / |dl|), the band |x - x0| < 3/8: dy (d P(d)), P of degree 8
 * (fa_coeffs.h DGELU, Horner in float, its doubles rounded to float),
 * d = (x - X0H) - X0L (x - X0H exact there).  Lanes with |x| > 12.5 or NaN,
 * and results below 2^-125 (dy != 0) or NaN, are the widened form's. */
FA_INLINE vf fa_gelu_backward_gf(vf g, vf x, const double *pp)
{
    const vf amax = vf_set1(12.5f);
    vf ax = vf_abs(x);
    vf a = vf_min(amax, ax);
    vf G = fa_gelu_g_f32(a);
    vf lo, hi = fa_two_sq_f32(a, &lo);
    vf n, r = fa_exp_reduce_f32(vf_mul(hi, vf_set1(-0.5f)), &n);
    vf pm1 = fa_exp_pm1_f32(vf_fma(lo, vf_set1(-0.5f), r));
    vf s = vf_pow2(n);
#if FA_HAS_FMA
    vf dl = vf_fnma(a, vf_set1(FA_GELU_RS2PI_LO_F32), vf_fnma(a, vf_set1(FA_GELU_RS2PI_HI_F32), G));
#else /* a C_hi = ch + cl exactly (Dekker) */
    vf cl, ch = fa_two_prod_f32(a, vf_set1(FA_GELU_RS2PI_HI_F32), &cl);
    vf dl = vf_sub(vf_sub(G, ch), vf_add(cl, vf_mul(a, vf_set1(FA_GELU_RS2PI_LO_F32))));
#endif
    vf rneg = fa_grad_mulp1_f32(vf_mul(g, vf_mul(dl, s)), pm1); /* dl 2^n exact */
    vf rpos = vf_mul(g, vf_fnma(vf_fma(pm1, s, s), dl, vf_set1(1.0f)));
    vf res = vf_sel(vf_lt(x, vf_zero()), rneg, rpos);
    vf d0 = vf_sub(x, vf_set1(FA_DGELU_X0H_F32));
    vf d = vf_sub(d0, vf_set1(FA_DGELU_X0L_F32));
    vf pb = fa_horner_f32(d, fa_dgelu_band_f32, FA_DGELU_BAND_DEG + 1);
    vfm band = vf_lt(vf_abs(d0), vf_set1((float)FA_DGELU_BAND_W_F32));
    res = vf_sel(band, vf_mul(g, vf_mul(d, pb)), res);
    vfm ok = fa_grad_dsilu_ok_f32(g, res);
    vfm in = vf_le(ax, amax);
    if (FA_UNLIKELY(!vf_all(in))) res = vf_sel(in, res, fa_gelu_backward_gw(g, x, pp));
    if (FA_UNLIKELY(!vf_all(ok))) res = vf_sel(ok, res, fa_gelu_backward_gw(g, x, pp));
    return res;
}

/* tanh-GELU': t = x (A1 + A3 x^2) as th + tl (fa_gelu_tanh_vd's double-double),
 * e = e^(-|t|), w = x t' = x (A1 + 3 A3 x^2); x clamped to +-30 (e = 0 beyond). */
FA_INLINE vd fa_gelu_tanh_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    vd xt = vd_min(vd_set1(30.0), vd_max(vd_set1(-30.0), x));
    vd sl, s = fa_two_prod_f64(xt, xt, &sl);
    vd pl, ph = fa_two_prod_f64(vd_set1(FA_GELUT_A3_F64), s, &pl);
    pl = vd_fma(vd_set1(FA_GELUT_A3_F64), sl, pl);
    pl = vd_fma(vd_set1(FA_GELUT_A3LO_F64), s, pl);
    vd we, wh = fa_two_sum_f64(vd_set1(FA_GELUT_A1_F64), ph, &we);
    vd wl = vd_add(vd_add(we, pl), vd_set1(FA_GELUT_A1LO_F64));
    vd tl, th = fa_two_prod_f64(xt, wh, &tl);
    tl = vd_fma(xt, wl, tl);
    vd p, mn, e = fa_grad_emabs2_f64(th, tl, &p, &mn);
    /* x t' = x A1 + 3 A3 x^3 = th + 2 A3 x^3 (+ tl) */
    vd w = vd_fma(vd_mul(vd_set1(2.0 * FA_GELUT_A3_F64), s), xt, th);
    return vd_mul(g, fa_grad_sigform_f64(w, tl, e, p, mn, vd_lt(xt, vd_zero())));
}
FA_GRAD_WIDE_AS(gelu_tanh_backward)
/* float32: the constants as hi + lo floats; x0 = X0H + X0L as for silu */
#define FA_GELUT_A1L_F32 ((float)(FA_GELUT_A1_F64 - (double)FA_GELUT_A1_F32))
#define FA_GELUT_A3L_F32 ((float)(FA_GELUT_A3_F64 - (double)FA_GELUT_A3_F32))
#define FA_DGELUT_X0H_F32 ((float)FA_DGELUT_X0_F64)
#define FA_DGELUT_X0L_F32 ((float)((FA_DGELUT_X0_F64 - (double)FA_DGELUT_X0H_F32) + FA_DGELUT_X0LO_F64))
#define FA_DGELUT_C0H_F32 ((float)FA_DGELUT_BAND_C0)
#define FA_DGELUT_C0L_F32 ((float)(FA_DGELUT_BAND_C0 - (double)FA_DGELUT_C0H_F32))
static const float fa_dgelut_band_c[] = { /* C1..C7 */
    (float)FA_DGELUT_BAND_C1, (float)FA_DGELUT_BAND_C2, (float)FA_DGELUT_BAND_C3, (float)FA_DGELUT_BAND_C4,
    (float)FA_DGELUT_BAND_C5, (float)FA_DGELUT_BAND_C6, (float)FA_DGELUT_BAND_C7};
_Static_assert(FA_DGELUT_BAND_DEG == 7, "fa_dgelut_band_c lists C1..C7");

/* float32 tanh-GELU', all in float32 (x clamped to +-10: e < 2^-125 beyond,
 * f' rounds to 1 above; NaN propagates):
 *   t = x (A1 + A3 x^2) = th + tl: x^2 = s + sl exactly, A3 s = ph + pl
 *     (two-product, A3's lo and sl folded in), A1 + ph = ih + ie (two-sum),
 *     t = x (ih + il) (two-product) to ~2^-44 relative, so e = e^(-|t|)
 *     (fa_grad_exp_rem_f32 with tl as the remainder) is accurate to the
 *     float32 exp's own error also where |t| is large;
 *   w = x t' = t + 2 A3 x^3 = wh + wl (x^3 = x s as u + ul, 2 A3 u as a
 *     two-product, added to th by Fast2Sum: exact while |v| <= |th|, i.e.
 *     |x| < 3.3, the only range where 1 + w + e cancels);
 *   the forms of fa_grad_sigform_mul_f32 (c = 1 + w + e with 1 + wh exact
 *     on [-2, -1/2]);
 *   the band |x - x0| < 1/4 (x0 = -0.752461, the zero of f'; there 1 + w + e
 *     loses up to all its bits): dy (d P(d)), d = (x - X0H) - X0L (x - X0H
 *     exact), P degree 7 (fa_coeffs.h DGELUT, tools/fit_coeffs.py) by Horner
 *     in float with C0 as hi + lo; at the band's edge |c| ~ 0.6 against
 *     |w| ~ 1.8, so w's and e's errors reach the result amplified at most
 *     ~3 and ~0.3 times.
 * Lanes with th < -87 (x < -9.3: e^t leaves the normal range), results below
 * 2^-125 and NaN results (dy = +-inf) are the widened form's
 * (fa_gelu_tanh_backward_gw). */
FA_INLINE vf fa_gelu_tanh_backward_gf(vf g, vf x, const double *pp)
{
    const vf one = vf_set1(1.0f);
    const vf A3 = vf_set1(FA_GELUT_A3_F32), A1 = vf_set1(FA_GELUT_A1_F32);
    vf xt = vf_min(vf_set1(10.0f), vf_max(vf_set1(-10.0f), x));
    vf sl, s2 = fa_two_sq_f32(xt, &sl);
    vf pl, ph = fa_two_prod_f32(A3, s2, &pl);
    pl = vf_fma(A3, sl, vf_fma(vf_set1(FA_GELUT_A3L_F32), s2, pl));
    vf ih = vf_add(A1, ph); /* two-sum A1 + ph = ih + ie */
    vf bb = vf_sub(ih, A1);
    vf ie = vf_add(vf_sub(A1, vf_sub(ih, bb)), vf_sub(ph, bb));
    vf il = vf_add(vf_add(ie, pl), vf_set1(FA_GELUT_A1L_F32));
    vf tl, th = fa_two_prod_f32(xt, ih, &tl);
    tl = vf_fma(xt, il, tl);
    /* w = th + tl + 2 A3 x^3 */
    vf ul, u = fa_two_prod_f32(xt, s2, &ul);
    ul = vf_fma(xt, sl, ul);
    const vf A3x2 = vf_set1(2.0f * FA_GELUT_A3_F32);
    vf vl, v = fa_two_prod_f32(A3x2, u, &vl);
    vl = vf_fma(A3x2, ul, vf_fma(vf_set1(2.0f * FA_GELUT_A3L_F32), u, vl));
    vf wh = vf_add(th, v);
    vf wl = vf_add(vf_add(vf_sub(v, vf_sub(wh, th)), vl), tl);

    vfm neg = vf_lt(th, vf_zero());
    vf a = vf_max(vf_set1(-87.0f), vf_negabs(th)); /* NaN propagates */
    vf s, pm1 = fa_grad_exp_rem_f32(a, vf_sel(neg, tl, vf_neg(tl)), &s);
    vf wp1 = vf_add(one, vf_add(wh, wl));
    vf r = fa_grad_sigform_mul_f32(g, neg, s, pm1, wp1, wh, wl, 1);

    vf d0 = vf_sub(x, vf_set1(FA_DGELUT_X0H_F32));
    vfm band = vf_lt(vf_abs(d0), vf_set1(FA_DGELUT_BAND_W_F32));
    if (vf_any(band)) {
        vf d = vf_sub(d0, vf_set1(FA_DGELUT_X0L_F32));
        /* P = C0 + d Q(d), C0 as hi + lo: P rounded about once */
        vf pq = fa_horner_f32(d, fa_dgelut_band_c, FA_DGELUT_BAND_DEG);
        vf pb = vf_add(vf_set1(FA_DGELUT_C0H_F32), vf_fma(pq, d, vf_set1(FA_DGELUT_C0L_F32)));
        r = vf_sel(band, vf_mul(g, vf_mul(d, pb)), r);
    }

    vfm t = vf_lt(th, vf_set1(-87.0f)), ok = fa_grad_dsilu_ok_f32(g, r);
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_gelu_tanh_backward_gw(g, x, pp), r);
    if (FA_UNLIKELY(!vf_all(ok))) r = vf_sel(ok, r, fa_gelu_tanh_backward_gw(g, x, pp));
    return r;
}

/* ---- clip family, smooth parts ---- */

/* hardswish: x <= -3: +0;  -3 < x < 3: dy (2x + 3) / 6;  x >= 3: dy (PyTorch's kernel) */
FA_INLINE vd fa_hardswish_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    vd mid = vd_div(vd_mul(g, vd_fma(vd_set1(2.0), x, vd_set1(3.0))), vd_set1(6.0));
    return vd_sel(vd_lt(x, vd_set1(3.0)), vd_sel(vd_le(x, vd_set1(-3.0)), vd_zero(), mid),
                  vd_sel(vd_le(vd_set1(3.0), x), g, mid)); /* NaN x: mid (NaN) */
}
FA_GRAD_WIDE_AS(hardswish_backward)
/* float32: the same selection, mid = (dy v) / 6, v = 2x + 3 rounded once (fma;
 * exact next to its zero -3/2): three roundings, <= 1.5 ulp.  |dy| > 2^120
 * (dy v could overflow where the result does not) is the widened form's. */
FA_INLINE vf fa_hardswish_backward_gf(vf g, vf x, const double *pp)
{
    const vf three = vf_set1(3.0f);
    vf mid = vf_div(vf_mul(g, vf_fma(vf_set1(2.0f), x, three)), vf_set1(6.0f));
    vf r = vf_sel(vf_lt(x, three), vf_sel(vf_le(x, vf_neg(three)), vf_zero(), mid),
                  vf_sel(vf_le(three, x), g, mid)); /* NaN x: mid (NaN) */
    vfm far = vf_lt(vf_set1(0x1p120f), vf_abs(g));
    if (FA_UNLIKELY(vf_any(far))) r = vf_sel(far, fa_hardswish_backward_gw(g, x, pp), r);
    return r;
}

/* softsign: dy / (1 + |x|)^2 = dy ((1 / t) / t) (1 - 2 tl / t), 1 + |x| = t + tl */
FA_INLINE vd fa_softsign_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    vd ax = vd_abs(x);
    vd tl, t = fa_two_sum_f64(vd_set1(1.0), ax, &tl);
    tl = vd_sel(vd_lt(ax, vd_set1(1e300)), tl, vd_zero());
    vd q = vd_div(vd_div(vd_set1(1.0), t), t);
    return vd_mul(g, vd_fnma(q, vd_div(vd_add(tl, tl), t), q));
}
FA_GRAD_WIDE_AS(softsign_backward)
/* float32: 1 + |x| = t + tl (Fast2Sum on max(1, |x|), min(1, |x|)), (1 + |x|)^2
 * = Dh + Dl (Dh = t t, Dl = fma(t, t, -Dh) + 2 t tl), r = 1 / Dh, q = dy r,
 * dy / (1 + |x|)^2 = q (1 - Dl / Dh) = fma(-q, Dl r, q): about three
 * roundings (<= 2 ulp).  |x| > 2^60 (t t near overflow), non-finite x and
 * dy = +-inf (inf - inf in the correction) are the widened form's; NaN
 * propagates. */
FA_INLINE vf fa_softsign_backward_gf(vf g, vf x, const double *pp)
{
    const vf one = vf_set1(1.0f);
    vf ax = vf_abs(x);
    vf big = vf_max(one, ax), sml = vf_min(one, ax);
    vf t = vf_add(big, sml);
    vf tl = vf_sub(sml, vf_sub(t, big));
    vf Dl, Dh = fa_two_sq_f32(t, &Dl);
    Dl = vf_fma(vf_add(t, t), tl, Dl);
    vf r = vf_div(one, Dh);
    vf q = vf_mul(g, r);
    vf res = vf_fnma(q, vf_mul(Dl, r), q);
    vfm far = vf_lt(vf_set1(0x1p60f), vf_max(ax, vf_mul(vf_abs(g), vf_set1(0x1p-80f)))); /* or dy = +-inf */
    if (FA_UNLIKELY(vf_any(far))) res = vf_sel(far, fa_softsign_backward_gw(g, x, pp), res);
    return res;
}

/* ---- exp family ---- */

/* elu: pp = (alpha): x <= 0: dy alpha e^x, x > 0: dy */
FA_INLINE vd fa_elu_backward_gd(vd g, vd x, const double *pp)
{
    vd neg = fa_grad_mulexp_f64(vd_mul(g, vd_set1(pp[0])), vd_min(vd_zero(), x), vd_zero());
    return vd_sel(vd_gt(x, vd_zero()), g, neg);
}
FA_GRAD_WIDE_AS(elu_backward)

/* float32 elu/selu/celu, x <= 0: c e^(z + zl) = fma(v, pm1, v), v = c 2^k
 * (c = dy alpha, rounded once; 2^k exact), z in [-87, 0]: the product and
 * the fma round once each.  Lanes with z < -87 go to the widened form. */
FA_INLINE vf fa_grad_mulexp_f32(vf c, vf z, vf zl)
{
    vf s, pm1 = fa_grad_exp_split2_f32(vf_max(vf_set1(-87.0f), vf_min(vf_zero(), z)), zl, &s);
    return fa_grad_mulp1_f32(vf_mul(c, s), pm1);
}

FA_INLINE vf fa_elu_backward_gf(vf g, vf x, const double *pp)
{
    vf neg = fa_grad_mulexp_f32(vf_mul(g, vf_set1((float)pp[0])), x, vf_zero());
    vf r = vf_sel(vf_gt(x, vf_zero()), g, neg);
    vfm t = vf_lt(x, vf_set1(-87.0f));
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_elu_backward_gw(g, x, pp), r);
    return r;
}

/* selu: x <= 0: dy scale alpha e^x, x > 0: dy scale (constants as hi + lo) */
FA_INLINE vd fa_selu_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    vd en = fa_grad_mulexp_f64(g, vd_min(vd_zero(), x), vd_zero());
    vd neg = fa_mulc_f64(en, FA_SELU_SA_F64, FA_SELU_SALO_F64);
    vd pos = fa_mulc_f64(g, FA_SELU_SCALE_F64, FA_SELU_SCALELO_F64);
    return vd_sel(vd_gt(x, vd_zero()), pos, neg);
}
FA_GRAD_WIDE_AS(selu_backward)
/* float32: dy scale (x > 0) and dy scale alpha (x <= 0) rounded once each
 * (constants as hi + lo, fa_mulc_f32), the latter times e^x as for elu. */
FA_INLINE vf fa_selu_backward_gf(vf g, vf x, const double *pp)
{
    vf neg = fa_grad_mulexp_f32(fa_mulc_f32(g, FA_SELU_SA_F32, FA_SELU_SALO_F32), x, vf_zero());
    vf pos = fa_mulc_f32(g, FA_SELU_SCALE_F32, FA_SELU_SCALELO_F32);
    vf r = vf_sel(vf_gt(x, vf_zero()), pos, neg);
    vfm t = vf_lt(x, vf_set1(-87.0f));
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_selu_backward_gw(g, x, pp), r);
    return r;
}

/* celu: pp = (alpha != 0): x <= 0: dy e^(x / alpha), x > 0: dy; x / alpha = z + zl */
FA_INLINE vd fa_celu_backward_gd(vd g, vd x, const double *pp)
{
    vd alpha = vd_set1(pp[0]);
    vd xn = vd_min(vd_zero(), x);
    vd z = vd_div(xn, alpha);
    vd zl = fa_celu_rem_f64(xn, z, alpha, vd_div(vd_set1(1.0), alpha));
    zl = vd_sel(vd_lt(vd_abs(z), vd_set1(1100.0)), zl, vd_zero());
    return vd_sel(vd_gt(x, vd_zero()), g, fa_grad_mulexp_f64(g, z, zl));
}
FA_GRAD_WIDE_AS(celu_backward)
/* float32, alpha > 0: x / alpha = z + zl (z = x (1/alpha), zl the exact
 * remainder over alpha, fa_celu_rem_f32), dy e^(z + zl) as for elu: only the
 * final fma rounds.  alpha < 0 (z >= 0, e^z up to overflow) is the widened
 * form, chosen by the parameter's sign (the same for every element). */
FA_INLINE vf fa_celu_backward_gf(vf g, vf x, const double *pp)
{
    if (!(pp[0] > 0.0)) return fa_celu_backward_gw(g, x, pp);
    vf alpha = vf_set1((float)pp[0]), ialpha = vf_set1(1.0f / (float)pp[0]);
    vf xn = vf_min(vf_zero(), x);
    vf z = vf_mul(xn, ialpha);
    vf zl = fa_celu_rem_f32(xn, z, alpha, ialpha);
    vfm t = vf_lt(z, vf_set1(-87.0f));
    vf r = vf_sel(vf_gt(x, vf_zero()), g, fa_grad_mulexp_f32(g, z, vf_sel(t, vf_zero(), zl)));
    if (FA_UNLIKELY(vf_any(t))) r = vf_sel(t, fa_celu_backward_gw(g, x, pp), r);
    return r;
}

/* mish: see the head comment; x clamped to +-1000 where it multiplies e (e = 0 there). */
FA_INLINE vd fa_mish_backward_gd(vd g, vd x, const double *pp)
{
    (void)pp;
    const vd one = vd_set1(1.0), two = vd_set1(2.0), four = vd_set1(4.0);
    vd p, mn, e = fa_grad_emabs2_f64(x, vd_zero(), &p, &mn);
    vd xc = vd_min(vd_set1(1000.0), vd_max(vd_set1(-1000.0), x));
    vd x4 = vd_mul(four, xc);
    vd xf = vd_fma(x4, e, x4); /* 4 x (1 + e), one rounding */
    /* x <= 0: the factor e as p, scaled by 2^-mn last; (e + 2) D + xf as
     * e D + (2 D + xf), the cancelling sum 2 D + xf rounded once */
    vd D = vd_fma(e, vd_add(e, two), two);
    vd nneg = vd_mul(p, vd_fma(e, D, vd_fma(two, D, xf)));
    vd dneg = vd_ldexp(vd_div(nneg, vd_mul(D, D)), vd_neg(mn));
    /* x > 0 */
    vd e2 = vd_add(e, e);
    vd n1 = vd_add(one, e2);
    vd d1 = vd_fma(e2, e, n1);
    vd npos = vd_fma(n1, d1, vd_mul(xf, vd_mul(e, e)));
    vd dpos = vd_div(npos, vd_mul(d1, d1));
    return vd_mul(g, vd_sel(vd_gt(x, vd_zero()), dpos, dneg));
}
FA_GRAD_WIDE(mish_backward)

#endif /* FA_ALGO_GRAD_H */
