/*
 * fa_algo_log.h - the log building block, log1p(t) for t in [0, 1], and the
 * ops built on it (softplus, log_sigmoid), float and double, written once
 * against the vector primitives (vec_<isa>.h) and the exp core
 * (fa_algo_f32.h / fa_algo_f64.h).
 *
 * ---- log1p on [0, 1] (fa_log1p01_vf / _vd) ----
 *   t <  1/2: f = t,            log1p(t) = log1p(f)
 *   t >= 1/2: f = (t - 1)/2,    log1p(t) = ln2 + log1p(f)   ((1 + t)/2 = 1 + f)
 * Both reductions are exact (t - 1 by Sterbenz), so no rounding error of
 * 1 + t enters, and f is in [-1/4, 1/2].  Then
 *   log1p(f) = 2 atanh(s) = 2s + 2s z R(z),  s = f/(2 + f),  z = s^2 <= 0.04,
 * with R a minimax polynomial (FA_LOG1P_*, tools/fit_coeffs.py).  s is
 * carried with a first-order correction sc for the rounding of d = 2 + f and
 * of the division: with dl = (2 - d) + f (exact) and r = f - s d (exact),
 * f/(2 + f) = s + (r - s dl)/(d + dl) ~ s + (r - s dl) (1 - s)/2, since
 * 1/(2 + f) = (1 - s)/2.  ln2 + 2s is summed exactly (Fast2Sum), so the
 * result is rounded about once.
 * Error: fa_coeffs.h states the simulated kernel error; measured through the
 * ops that use it (docs/accuracy.md).
 * Special values: t = 0 gives +0 (-0 gives -0); t must not be NaN or
 * outside [0, 1] (callers clamp; NaN propagates through the arithmetic).
 */
#ifndef FA_ALGO_LOG_H
#define FA_ALGO_LOG_H

#include "fa_coeffs.h"

static const float fa_log1p_f32_c[] = {
    FA_LOG1P_F32_C0, FA_LOG1P_F32_C1, FA_LOG1P_F32_C2,
#if FA_LOG1P_F32_DEG >= 3
    FA_LOG1P_F32_C3,
#endif
};
static const double fa_log1p_f64_c[] = {
    FA_LOG1P_F64_C0, FA_LOG1P_F64_C1, FA_LOG1P_F64_C2, FA_LOG1P_F64_C3,
    FA_LOG1P_F64_C4, FA_LOG1P_F64_C5, FA_LOG1P_F64_C6,
#if FA_LOG1P_F64_DEG >= 7
    FA_LOG1P_F64_C7,
#endif
};
_Static_assert(sizeof(fa_log1p_f32_c) / sizeof(float) == FA_LOG1P_F32_DEG + 1, "log1p f32 degree");
_Static_assert(sizeof(fa_log1p_f64_c) / sizeof(double) == FA_LOG1P_F64_DEG + 1, "log1p f64 degree");

/* log1p(t), t in [0, 1] (see the head comment). */
FA_INLINE vf fa_log1p01_vf(vf t)
{
    const vf one = vf_set1(1.0f), two = vf_set1(2.0f), half = vf_set1(0.5f);
    vfm hi = vf_le(half, t);
    vf f = vf_sel(hi, vf_mul(vf_sub(t, one), half), t);
    vf d = vf_add(two, f);
    vf s = vf_div(f, d);
    vf dl = vf_add(vf_sub(two, d), f);
#if FA_HAS_FMA
    vf r = vf_fnma(s, d, f);
#else
    vf pl, p = fa_two_prod_f32(s, d, &pl);
    vf r = vf_sub(vf_sub(f, p), pl);
#endif
    vf sc = vf_mul(vf_fnma(s, dl, r), vf_mul(vf_sub(one, s), half));
    vf z = vf_mul(s, s);
    vf R = fa_horner_f32(z, fa_log1p_f32_c, FA_LOG1P_F32_DEG + 1);
    vf s2 = vf_add(s, s);
    vf a = vf_sel(hi, vf_set1(FA_LN2_HI_F32), vf_zero());
    vf sh = vf_add(a, s2); /* Fast2Sum: |a| >= |s2| where a != 0 */
    vf se = vf_sub(s2, vf_sub(sh, a));
    vf tl = vf_fma(vf_mul(s2, z), R, vf_add(sc, sc));
    vf lo = vf_add(tl, vf_add(se, vf_sel(hi, vf_set1(FA_LN2_LO_F32), vf_zero())));
    return vf_add(sh, lo);
}

/* log1p(t), t in [0, 1]: as fa_log1p01_vf. */
FA_INLINE vd fa_log1p01_vd(vd t)
{
    const vd one = vd_set1(1.0), two = vd_set1(2.0), half = vd_set1(0.5);
    vdm hi = vd_le(half, t);
    vd f = vd_sel(hi, vd_mul(vd_sub(t, one), half), t);
    vd d = vd_add(two, f);
    vd s = vd_div(f, d);
    vd dl = vd_add(vd_sub(two, d), f);
#if FA_HAS_FMA
    vd r = vd_fnma(s, d, f);
#else
    vd pl, p = fa_two_prod_f64(s, d, &pl);
    vd r = vd_sub(vd_sub(f, p), pl);
#endif
    vd sc = vd_mul(vd_fnma(s, dl, r), vd_mul(vd_sub(one, s), half));
    vd z = vd_mul(s, s);
    vd R = fa_horner_f64(z, fa_log1p_f64_c, FA_LOG1P_F64_DEG + 1);
    vd s2 = vd_add(s, s);
    vd a = vd_sel(hi, vd_set1(FA_LN2_HI_F64), vd_zero());
    vd sh = vd_add(a, s2);
    vd se = vd_sub(s2, vd_sub(sh, a));
    vd tl = vd_fma(vd_mul(s2, z), R, vd_add(sc, sc));
    vd lo = vd_add(tl, vd_add(se, vd_sel(hi, vd_set1(FA_LN2_LO_F64), vd_zero())));
    return vd_add(sh, lo);
}

/* ---- softplus and log_sigmoid ----
 * softplus(x; beta, threshold) = log1p(e^(beta x)) / beta, or x where
 * beta x > threshold (PyTorch's definition; the comparison is on the exact
 * product, which differs from PyTorch's rounded product only at the
 * boundary, by less than e^-threshold relative).  With z = beta x = zh + zl
 * (exact product) and e = e^(-|z|) = p 2^-mn (exp core, zl carried into the
 * reduction, so |z| up to 170 (float) / 1400 (double) keeps full relative
 * accuracy):
 *   softplus = (z > 0 ? x : 0) + log1p(e) / beta
 * (z > 0: z/beta = x exactly, so no rounding of z enters).  log1p(e) uses
 * fa_log1p01 while e >= 2^-26 (2^-55 for double); below, log1p(e) = e to
 * within 0.1 ulp and the result (p / beta) 2^-mn is scaled last: subnormal
 * results are rounded once, never flushed.  1/beta is a parameter; its
 * rounding is corrected by one FMA (q + q (1 - beta (1/beta))).
 * log_sigmoid(x) = -softplus(-x) = -(log1p(e^-|x|) - min(x, 0)) (beta = 1,
 * no threshold; written so that log_sigmoid(+inf) = -0, the limit from below).
 * Parameters: beta > 0 (checked by the caller), any threshold.  Special
 * values: NaN propagates; softplus(-inf) = 0, softplus(+inf) = +inf;
 * log_sigmoid(-inf) = -inf, log_sigmoid(+inf) = -0; huge finite inputs, and
 * beta x overflowing, give x (softplus) or the limit. */

/* log1p(e) / beta for e = p 2^-mn <= 1, mn >= 0 integral (see above). */
FA_INLINE vf fa_log1pe_div_f32(vf p, vf mn, vf beta, vf ibeta)
{
    vf eib = vf_fnma(beta, ibeta, vf_set1(1.0f)); /* 1 - beta (1/beta) */
    vf lb = vf_mul(fa_log1p01_vf(vf_ldexp(p, vf_neg(mn))), ibeta);
    vf ls = vf_mul(p, ibeta);
    return vf_sel(vf_le(mn, vf_set1(26.0f)), vf_fma(lb, eib, lb), vf_ldexp(vf_fma(ls, eib, ls), vf_neg(mn)));
}

FA_INLINE vf fa_softplus_vf(vf x, vf beta, vf ibeta, vf thr)
{
    const vf zmin = vf_set1(-170.0f);
    vf zl, zh = fa_two_prod_f32(beta, x, &zl);
    vf az = vf_negabs(zh);
    vf a = vf_max(zmin, az); /* NaN propagates */
    /* zl, or 0 where z is clamped (zl may be NaN there: z = +-inf) */
    vf zls = vf_sel(vf_lt(zmin, az), zl, vf_zero());
    vf mn, p = fa_exp_core2_neg_f32(a, vf_sel(vf_lt(zh, vf_zero()), zls, vf_neg(zls)), &mn);
    vf r = vf_add(vf_sel(vf_gt(zh, vf_zero()), x, vf_zero()), fa_log1pe_div_f32(p, mn, beta, ibeta));
    /* z > threshold exactly: (zh - thr) is exact near the boundary */
    vfm lin = vf_gt(vf_add(vf_sub(zh, thr), zls), vf_zero());
    return vf_sel(lin, x, r);
}

FA_INLINE vf fa_log_sigmoid_vf(vf x)
{
    vf a = vf_max(vf_set1(-170.0f), vf_negabs(x));
    vf mn, p = fa_exp_core_neg_f32(a, &mn);
    vf e = vf_ldexp(p, vf_neg(mn));
    vf l = vf_sel(vf_le(mn, vf_set1(26.0f)), fa_log1p01_vf(e), e);
    return vf_neg(vf_sub(l, vf_min(vf_zero(), x)));
}

FA_INLINE vd fa_log1pe_div_f64(vd p, vd mn, vd beta, vd ibeta)
{
    vd eib = vd_fnma(beta, ibeta, vd_set1(1.0));
    vd lb = vd_mul(fa_log1p01_vd(vd_ldexp(p, vd_neg(mn))), ibeta);
    vd ls = vd_mul(p, ibeta);
    return vd_sel(vd_le(mn, vd_set1(55.0)), vd_fma(lb, eib, lb), vd_ldexp(vd_fma(ls, eib, ls), vd_neg(mn)));
}

FA_INLINE vd fa_softplus_vd(vd x, vd beta, vd ibeta, vd thr)
{
    const vd zmin = vd_set1(-1400.0);
    vd zl, zh = fa_two_prod_f64(beta, x, &zl);
    vd az = vd_negabs(zh);
    vd a = vd_max(zmin, az);
    vd zls = vd_sel(vd_lt(zmin, az), zl, vd_zero());
    vd mn, p = fa_exp_core2_neg_f64(a, vd_sel(vd_lt(zh, vd_zero()), zls, vd_neg(zls)), &mn);
    vd r = vd_add(vd_sel(vd_gt(zh, vd_zero()), x, vd_zero()), fa_log1pe_div_f64(p, mn, beta, ibeta));
    vdm lin = vd_gt(vd_add(vd_sub(zh, thr), zls), vd_zero());
    return vd_sel(lin, x, r);
}

FA_INLINE vd fa_log_sigmoid_vd(vd x)
{
    vd a = vd_max(vd_set1(-1400.0), vd_negabs(x));
    vd mn, p = fa_exp_core_neg_f64(a, &mn);
    vd e = vd_ldexp(p, vd_neg(mn));
    vd l = vd_sel(vd_le(mn, vd_set1(55.0)), fa_log1p01_vd(e), e);
    return vd_neg(vd_sub(l, vd_min(vd_zero(), x)));
}

#endif /* FA_ALGO_LOG_H */
