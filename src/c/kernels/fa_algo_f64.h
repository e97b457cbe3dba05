/*
 * fa_algo_f64.h - the float64 activation algorithms, written once against the
 * vector primitives of one ISA header (vec_<isa>.h, included before this).
 * Same structure and special-value policy as fa_algo_f32.h (read it first);
 * only the degrees, clamps and the exactness tricks differ:
 *   - exp: degree-11 polynomial;
 *   - tanh-GELU: t = x (A1 + A3 x^2) in double-double (|t| up to 760
 *     amplifies t's relative error), exp takes t's low part;
 *   - exact GELU: G(a) from 4 polynomial pieces selected by t.
 *
 * Measured max error against mpmath on 360,013 points covering the tails and
 * saturation points (benchmarks/accuracy_f64.py, docs/accuracy.md), every
 * level: sigmoid 2.06, tanh 2.48, silu 2.20, gelu (erf) 3.44, gelu (tanh)
 * 1.91 ulp; relu and leaky_relu exact; subnormal results within 1.15 units
 * of 2^-1074.
 */
#ifndef FA_ALGO_F64_H
#define FA_ALGO_F64_H

#include "fa_coeffs.h"

static const double fa_exp_f64_c[] = {
    FA_EXP_F64_C2, FA_EXP_F64_C3, FA_EXP_F64_C4, FA_EXP_F64_C5, FA_EXP_F64_C6,
    FA_EXP_F64_C7, FA_EXP_F64_C8, FA_EXP_F64_C9, FA_EXP_F64_C10,
#if FA_EXP_F64_DEG >= 11
    FA_EXP_F64_C11,
#endif
#if FA_EXP_F64_DEG >= 12
    FA_EXP_F64_C12,
#endif
#if FA_EXP_F64_DEG >= 13
    FA_EXP_F64_C13,
#endif
};
#define FA_EXP_F64_NC ((int)(sizeof(fa_exp_f64_c) / sizeof(double)))


/* a*b = hi + *lo exactly (no overflow). */
FA_INLINE vd fa_two_prod_f64(vd a, vd b, vd *lo)
{
    vd p = vd_mul(a, b);
#if FA_HAS_FMA
    *lo = vd_fms(a, b, p);
#else /* Dekker: 26-bit halves */
    const vd split = vd_set1(134217729.0);
    vd ca = vd_mul(a, split), cb = vd_mul(b, split);
    vd ah = vd_sub(ca, vd_sub(ca, a)), al = vd_sub(a, ah);
    vd bh = vd_sub(cb, vd_sub(cb, b)), bl = vd_sub(b, bh);
    *lo = vd_add(vd_add(vd_add(vd_sub(vd_mul(ah, bh), p), vd_mul(ah, bl)), vd_mul(al, bh)), vd_mul(al, bl));
#endif
    return p;
}

/* a + b = s + *err exactly (Knuth's two-sum). */
FA_INLINE vd fa_two_sum_f64(vd a, vd b, vd *err)
{
    vd s = vd_add(a, b);
    vd bb = vd_sub(s, a);
    *err = vd_add(vd_sub(a, vd_sub(s, bb)), vd_sub(b, bb));
    return s;
}

/* a - b = d + *err exactly (two-sum of a and -b). */
FA_INLINE vd fa_two_diff_f64(vd a, vd b, vd *err)
{
    vd d = vd_sub(a, b);
    vd bb = vd_sub(d, a);
    *err = vd_sub(vd_sub(a, vd_sub(d, bb)), vd_add(b, bb));
    return d;
}

FA_INLINE vd fa_exp_pm1_f64(vd r)
{
    return vd_fma(fa_horner_f64(r, fa_exp_f64_c, FA_EXP_F64_NC), vd_mul(r, r), r);
}

/* e^x = e^r * 2^n, |r| <= 0.347; x in [-1100, 709]. */
FA_INLINE vd fa_exp_reduce_f64(vd x, vd *n)
{
    const vd shift = vd_set1(0x1.8p52);
    vd k = vd_sub(vd_fma(x, vd_set1(FA_LOG2E_F64), shift), shift);
    vd r = vd_fnma(k, vd_set1(FA_LN2_HI_F64), x);
    *n = k;
    return vd_fnma(k, vd_set1(FA_LN2_LO_F64), r);
}

/* See fa_exp_reduce_neg_f32: *mn = -n, the same r bit for bit. */
FA_INLINE vd fa_exp_reduce_neg_f64(vd x, vd *mn)
{
    const vd shift = vd_set1(0x1.8p52);
    vd m = vd_sub(shift, vd_fma(x, vd_set1(FA_LOG2E_F64), shift));
    vd r = vd_fma(m, vd_set1(FA_LN2_HI_F64), x);
    *mn = m;
    return vd_fma(m, vd_set1(FA_LN2_LO_F64), r);
}

FA_INLINE vd fa_exp_core_neg_f64(vd x, vd *mn)
{
    return vd_add(fa_exp_pm1_f64(fa_exp_reduce_neg_f64(x, mn)), vd_set1(1.0));
}

FA_INLINE vd fa_exp_core2_neg_f64(vd x, vd xl, vd *mn)
{
    return vd_add(fa_exp_pm1_f64(vd_add(fa_exp_reduce_neg_f64(x, mn), xl)), vd_set1(1.0));
}

/* e^(z + zl) = s (1 + pm1), returns pm1 (the reduction of fa_exp_reduce_f64
 * with zl carried into r), s = 2^k from the shifter bits (see
 * fa_exp_split_f32): k in [-1022, 1023], z in [-708, 709].  *kp = k. */
FA_INLINE vd fa_exp_split2_f64(vd z, vd zl, vd *s, vd *kp)
{
    const vd shift = vd_set1(0x1.8p52 + 1023.0);
    vd kb = vd_fma(z, vd_set1(FA_LOG2E_F64), shift);
    vd k = vd_sub(kb, shift);
    vd r = vd_fnma(k, vd_set1(FA_LN2_HI_F64), z);
    *s = vd_pow2_bits(kb);
    *kp = k;
    return fa_exp_pm1_f64(vd_add(vd_fnma(k, vd_set1(FA_LN2_LO_F64), r), zl));
}

FA_INLINE vd fa_exp_core_f64(vd x, vd *n)
{
    return vd_add(fa_exp_pm1_f64(fa_exp_reduce_f64(x, n)), vd_set1(1.0));
}

FA_INLINE vd fa_exp_core2_f64(vd x, vd xl, vd *n)
{
    return vd_add(fa_exp_pm1_f64(vd_add(fa_exp_reduce_f64(x, n), xl)), vd_set1(1.0));
}

FA_INLINE vd fa_relu_vd(vd x) { return vd_sel(vd_le(x, vd_zero()), vd_zero(), x); }

FA_INLINE vd fa_leaky_relu_vd(vd x, vd slope)
{
    return vd_sel(vd_gt(x, vd_zero()), x, vd_mul(x, slope));
}

/* See fa_sigmoid_vf / fa_wsigmoid_f32.  Clamp z >= -760: e^-760 |w| < 2^-1076 for |w| < 1e6. */
FA_INLINE vd fa_sigmoid_vd(vd x)
{
    vd z = vd_max(vd_set1(-760.0), vd_negabs(x));
    vd n, p = fa_exp_core_f64(z, &n);
    vd e = vd_ldexp(p, n);
    vd num = vd_sel(vd_gt(x, vd_zero()), vd_set1(1.0), e);
    return vd_div(num, vd_add(vd_set1(1.0), e));
}

/* w / (1 + e^z), e^z = p 2^n, z in [-708, 760]: see fa_wsig_f32. */
FA_INLINE vd fa_wsig_f64(vd w, vd p, vd mn)
{
    vd d = vd_add(p, vd_pow2_sat(mn));
    return vd_ldexp(vd_div(w, d), mn);
}

/* silu(x) = x / (1 + e^-x); x >= -760 (result 0 below), z = -x >= -708. */
FA_INLINE vd fa_silu_vd(vd x)
{
    vd xc = vd_max(vd_set1(-760.0), x);
    vd z = vd_max(vd_set1(-708.0), vd_neg(xc));
    vd mn, p = fa_exp_core_neg_f64(z, &mn);
    return fa_wsig_f64(xc, p, mn);
}

/* tanh-GELU = x / (1 + e^-t), -t = x (-A1 - A3 x^2) carried as th + tl
 * (double-double, relative error ~2^-100), so e^-t is accurate even at
 * |t| = 760.  x is clamped at -22 (result 0 below) and, for t, at +22
 * (-t < -708 beyond: 1 + e^-t rounds to 1). */
FA_INLINE vd fa_gelu_tanh_vd(vd x)
{
    vd xc = vd_max(vd_set1(-22.0), x);
    vd xt = vd_min(vd_set1(22.0), xc);
    vd sl, s = fa_two_prod_f64(xt, xt, &sl);
    vd pl, ph = fa_two_prod_f64(vd_set1(-FA_GELUT_A3_F64), s, &pl);
    pl = vd_fma(vd_set1(-FA_GELUT_A3_F64), sl, pl);
    pl = vd_fma(vd_set1(-FA_GELUT_A3LO_F64), s, pl);
    vd we, wh = fa_two_sum_f64(vd_set1(-FA_GELUT_A1_F64), ph, &we);
    vd wl = vd_add(vd_add(we, pl), vd_set1(-FA_GELUT_A1LO_F64));
    vd tl, th = fa_two_prod_f64(xt, wh, &tl);
    tl = vd_fma(xt, wl, tl);
    vd zh = vd_min(vd_set1(760.0), vd_max(vd_set1(-708.0), th));
    vd mn, p = fa_exp_core2_neg_f64(zh, tl, &mn);
    return fa_wsig_f64(xc, p, mn);
}

/* -(e^z - 1) from r and n of z: see fa_nexpm1_rn_f32; n in [-1022, 1023]. */
FA_INLINE vd fa_nexpm1_rn_f64(vd r, vd n)
{
    vd s = vd_pow2(n);
    return vd_fnma(fa_exp_pm1_f64(r), s, vd_sub(vd_set1(1.0), s));
}

/* -(e^z - 1) = -expm1(z), z in [-708, 709.4] (n <= 1023). */
FA_INLINE vd fa_nexpm1_f64(vd z)
{
    vd n, r = fa_exp_reduce_f64(z, &n);
    return fa_nexpm1_rn_f64(r, n);
}

/* tanh via -expm1, as fa_tanh_vf; clamp z >= -38.2 (tanh rounds to 1). */
FA_INLINE vd fa_tanh_vd(vd x)
{
    vd z = vd_max(vd_set1(-38.2), vd_mul(vd_negabs(x), vd_set1(2.0)));
    vd nem1 = fa_nexpm1_f64(z);
    return vd_orsign(vd_div(nem1, vd_sub(vd_set1(2.0), nem1)), x);
}

/* See fa_gelu_tfix_f32. */
FA_INLINE vd fa_gelu_tfix_f64(vd a, vd d, vd t, vd g)
{
#if FA_HAS_FMA
    vd dl = vd_fma(vd_set1(FA_GELU_F64_K), a, vd_sub(vd_set1(1.0), d));
    vd e = vd_fnma(t, dl, vd_fnma(t, d, vd_set1(1.0)));
#else
    vd ka = vd_mul(vd_set1(FA_GELU_F64_K), a);
    vd bb = vd_sub(d, ka);
    vd dl = vd_add(vd_sub(ka, vd_sub(d, bb)), vd_sub(vd_set1(1.0), bb));
    vd pl, ph = fa_two_prod_f64(t, d, &pl);
    vd e = vd_sub(vd_sub(vd_sub(vd_set1(1.0), ph), pl), vd_mul(t, dl));
#endif
    vd w = vd_fnma(a, g, vd_set1(FA_GELU_RSQRT2PI_F64));
    return vd_fma(vd_mul(w, vd_mul(d, vd_set1(1.0 / FA_GELU_F64_K))), e, g);
}

/* exact GELU, as fa_gelu_vf but G(a) ~ t * P_j(t - c_j) with piece j chosen
 * by t (FA_GELU_F64_NP = 4 pieces, coefficients looked up per lane). */
FA_INLINE vd fa_gelu_vd(vd x)
{
    const double amax = 38.6;
    vd a = vd_min(vd_set1(amax), vd_abs(x));
    vd xc = vd_max(vd_set1(-amax), x);
    vd d = vd_fma(vd_set1(FA_GELU_F64_K), a, vd_set1(1.0));
    vd t = vd_div(vd_set1(1.0), d);
    vd j = vd_mul(vd_sub(t, vd_set1(FA_GELU_F64_TMIN)), vd_set1(FA_GELU_F64_INVW));
    vdi ji = vd_lut4_index(vd_min(vd_set1((double)(FA_GELU_F64_NP - 1)), vd_max(j, vd_zero()))); /* NaN -> 0 */
    vd u = vd_sub(t, vd_lut4(fa_gelu_f64_ctr, ji));
    vd q = vd_lut4(fa_gelu_f64_tab[FA_GELU_F64_DEG], ji);
    for (int i = FA_GELU_F64_DEG - 1; i >= 0; i--) q = vd_fma(q, u, vd_lut4(fa_gelu_f64_tab[i], ji));
    vd g = fa_gelu_tfix_f64(a, d, t, vd_mul(t, q));
    vd lo, hi = fa_two_prod_f64(a, a, &lo);
    vd n, p = fa_exp_core2_f64(vd_mul(hi, vd_set1(-0.5)), vd_mul(lo, vd_set1(-0.5)), &n);
    vd gp = vd_mul(g, p);
    vd yneg = vd_ldexp(vd_mul(xc, gp), n);
    vd ypos = vd_mul(x, vd_sub(vd_set1(1.0), vd_ldexp(gp, n)));
    return vd_sel(vd_lt(x, vd_zero()), yneg, ypos);
}

#endif /* FA_ALGO_F64_H */
