/*
 * fa_algo_exp.h - the exp-based activations of the family: elu, selu, celu
 * (on expm1), quick_gelu (x sigmoid(1.702 x)) and mish (x tanh(softplus(x))),
 * float and double, written once against the vector primitives (vec_<isa>.h)
 * and the exp core of fa_algo_f32.h / fa_algo_f64.h (fa_exp_reduce*,
 * fa_exp_pm1_*, fa_nexpm1_rn_* shared with tanh, fa_exp_core2_neg_*,
 * fa_wsig_* shared with silu), constants from fa_coeffs.h.
 *
 * Measured max error (float32: all 2^32 inputs, benchmarks/accuracy.py;
 * float64: mpmath sample, benchmarks/accuracy_f64.py; docs/accuracy.md):
 * see each op's comment; every op <= 4 ulp on every level.
 *
 * Special values, all ops: NaN in -> NaN out; +-inf give the limits
 * (elu -alpha / +inf, selu -scale*alpha / +inf, celu -alpha / +inf (alpha > 0;
 * -inf / +inf for alpha < 0), quick_gelu and mish -0 / +inf); huge finite
 * inputs never overflow an intermediate (a result may: selu(FLT_MAX) = inf,
 * the correctly rounded value); elu, selu and celu return x (selu: scale x)
 * at +-0, so the sign of a zero is kept.  Branches: celu picks its alpha < 0
 * path by the parameter's sign; quick_gelu takes the two-factor scaling only
 * for vectors holding an x < -50.4 (both give the same bits for every lane
 * the fast path covers, so a result never depends on its neighbours).
 * Subnormal results: gradual underflow, the final scaling by 2^k rounds once
 * (quick_gelu, mish); elu/selu/celu of a subnormal x round the product once.
 */
#ifndef FA_ALGO_EXP_H
#define FA_ALGO_EXP_H

#include <float.h>

#include "fa_coeffs.h"

/* ---- elu, selu ----
 * elu(x; alpha) = x for x >= 0 (and NaN), alpha expm1(x) for x < 0;
 * selu(x) = scale elu(x; alpha) with SELU's constants (fa_coeffs.h).
 * expm1(z) = -fa_nexpm1 (tanh's formulation: (1 - 2^n) - pm1 2^n rounded
 * once, -pm1 exactly for |z| < 0.35: full relative accuracy near 0, no
 * exp(x) - 1), z = x clamped to [-18.2, 0] (float; e^z < 2^-25: expm1 rounds
 * to -1) / [-38.2, 0] (double).  selu multiplies by the constants as hi + lo
 * (fma(v, hi, v lo)), so only the final product rounds.
 * Error: elu float32 <= 2 ulp, selu <= 2 ulp (measured: docs/accuracy.md). */
/* c x rounded once, c = hi + lo (fa_coeffs.h, lo >= 0): fma(x, hi, x lo) on
 * FMA levels; without FMA, hi x is split exactly by Dekker's product, x
 * clamped to +-FLT_MAX (c FLT_MAX overflows: +-inf give +-inf) and scaled
 * by 2^-30 where |x| > 2^100 so that the split cannot overflow; c > 0, the
 * sign of x is put back (Dekker's low part of -0 * hi is +0). */
FA_INLINE vf fa_mulc_f32(vf x, float hi, float lo)
{
#if FA_HAS_FMA
    return vf_fma(x, vf_set1(hi), vf_mul(x, vf_set1(lo)));
#else
    vf xc = vf_min(vf_set1(FLT_MAX), vf_max(vf_set1(-FLT_MAX), x));
    vfm big = vf_lt(vf_set1(0x1p100f), vf_abs(xc));
    vf xs = vf_mul(xc, vf_sel(big, vf_set1(0x1p-30f), vf_set1(1.0f)));
    vf pl, p = fa_two_prod_f32(xs, vf_set1(hi), &pl);
    vf y = vf_orsign(vf_abs(vf_add(p, vf_fma(xs, vf_set1(lo), pl))), xs); /* c > 0: keeps -0 */
    return vf_mul(y, vf_sel(big, vf_set1(0x1p30f), vf_set1(1.0f)));
#endif
}

FA_INLINE vd fa_mulc_f64(vd x, double hi, double lo)
{
#if FA_HAS_FMA
    return vd_fma(x, vd_set1(hi), vd_mul(x, vd_set1(lo)));
#else
    vd xc = vd_min(vd_set1(DBL_MAX), vd_max(vd_set1(-DBL_MAX), x));
    vdm big = vd_lt(vd_set1(0x1p900), vd_abs(xc));
    vd xs = vd_mul(xc, vd_sel(big, vd_set1(0x1p-60), vd_set1(1.0)));
    vd pl, p = fa_two_prod_f64(xs, vd_set1(hi), &pl);
    vd y = vd_orsign(vd_abs(vd_add(p, vd_fma(xs, vd_set1(lo), pl))), xs);
    return vd_mul(y, vd_sel(big, vd_set1(0x1p60), vd_set1(1.0)));
#endif
}

FA_INLINE vf fa_elu_vf(vf x, vf alpha)
{
    vf z = vf_max(vf_set1(-18.2f), vf_min(vf_zero(), x));
    vf nem1 = fa_nexpm1_f32(z);
    return vf_sel(vf_lt(x, vf_zero()), vf_mul(nem1, vf_neg(alpha)), x);
}

FA_INLINE vf fa_selu_vf(vf x)
{
    vf z = vf_max(vf_set1(-18.2f), vf_min(vf_zero(), x));
    vf nem1 = fa_nexpm1_f32(z);
    vf yneg = vf_fma(nem1, vf_set1(-FA_SELU_SA_F32), vf_mul(nem1, vf_set1(-FA_SELU_SALO_F32)));
    vf ypos = fa_mulc_f32(x, FA_SELU_SCALE_F32, FA_SELU_SCALELO_F32);
    return vf_sel(vf_lt(x, vf_zero()), yneg, ypos);
}

FA_INLINE vd fa_elu_vd(vd x, vd alpha)
{
    vd z = vd_max(vd_set1(-38.2), vd_min(vd_zero(), x));
    vd nem1 = fa_nexpm1_f64(z);
    return vd_sel(vd_lt(x, vd_zero()), vd_mul(nem1, vd_neg(alpha)), x);
}

FA_INLINE vd fa_selu_vd(vd x)
{
    vd z = vd_max(vd_set1(-38.2), vd_min(vd_zero(), x));
    vd nem1 = fa_nexpm1_f64(z);
    vd yneg = vd_fma(nem1, vd_set1(-FA_SELU_SA_F64), vd_mul(nem1, vd_set1(-FA_SELU_SALO_F64)));
    vd ypos = fa_mulc_f64(x, FA_SELU_SCALE_F64, FA_SELU_SCALELO_F64);
    return vd_sel(vd_lt(x, vd_zero()), yneg, ypos);
}

/* ---- celu ----
 * celu(x; alpha) = max(0, x) + min(0, alpha expm1(x / alpha)) = x for x >= 0
 * (and NaN), alpha expm1(x / alpha) for x < 0 (either sign of alpha; alpha
 * != 0 is checked by the caller, 1/alpha is a parameter).  z = x / alpha is
 * carried as z + zl (z = x (1/alpha), zl = (x - z alpha) / alpha, the
 * remainder exact with FMA or Dekker's product), zl added to the reduced
 * argument, so the rounding of 1/alpha and of z never enters.
 *   alpha > 0: z <= 0, clamped at -18.2 / -38.2, expm1 as in elu;
 *   alpha < 0: z >= 0 up to +inf: alpha expm1(z) = (alpha m) 2^n with
 *     m = pm1 + (1 - 2^-n), scaled last by two factors (z clamped at 176 /
 *     1417, where |alpha| e^z overflows for every normal alpha), so results
 *     up to the overflow threshold are accurate and beyond it -inf.
 * The alpha < 0 path is chosen by the parameter's sign (the same for every
 * element).  Error: as elu (float32 <= 2 ulp, measured). */
FA_INLINE vf fa_celu_rem_f32(vf x, vf z, vf alpha, vf ialpha)
{
#if FA_HAS_FMA
    return vf_mul(vf_fnma(z, alpha, x), ialpha);
#else
    vf pl, p = fa_two_prod_f32(z, alpha, &pl);
    return vf_mul(vf_sub(vf_sub(x, p), pl), ialpha);
#endif
}

FA_INLINE vf fa_celu_vf(vf x, vf alpha, vf ialpha)
{
    vf z = vf_mul(x, ialpha);
    vf zl = fa_celu_rem_f32(x, z, alpha, ialpha);
    vf yneg;
    if (vf_hmax(alpha) > 0.0f) { /* the parameter's sign: every lane the same */
        const vf zmin = vf_set1(-18.2f);
        vf zc = vf_max(zmin, vf_min(vf_zero(), z));
        vf n, r = fa_exp_reduce_f32(zc, &n);
        r = vf_add(r, vf_sel(vf_lt(zmin, z), zl, vf_zero())); /* zl may be NaN where z = -inf */
        yneg = vf_mul(fa_nexpm1_rn_f32(r, n), vf_neg(alpha));
    } else {
        const vf zmax = vf_set1(176.0f);
        vf zc = vf_min(zmax, vf_max(vf_zero(), z));
        vf n, r = fa_exp_reduce_f32(zc, &n);
        vf pm1 = fa_exp_pm1_f32(vf_add(r, vf_sel(vf_lt(z, zmax), zl, vf_zero())));
        vf m = vf_add(pm1, vf_sub(vf_set1(1.0f), vf_pow2_sat(vf_neg(n))));
        vf n1 = vf_min(vf_set1(127.0f), n);
        yneg = vf_ldexp(vf_ldexp(vf_mul(alpha, m), n1), vf_sub(n, n1));
    }
    return vf_sel(vf_lt(x, vf_zero()), yneg, x);
}

FA_INLINE vd fa_celu_rem_f64(vd x, vd z, vd alpha, vd ialpha)
{
#if FA_HAS_FMA
    return vd_mul(vd_fnma(z, alpha, x), ialpha);
#else
    vd pl, p = fa_two_prod_f64(z, alpha, &pl);
    return vd_mul(vd_sub(vd_sub(x, p), pl), ialpha);
#endif
}

FA_INLINE vd fa_celu_vd(vd x, vd alpha, vd ialpha)
{
    vd z = vd_mul(x, ialpha);
    vd zl = fa_celu_rem_f64(x, z, alpha, ialpha);
    vd yneg;
    if (vd_hmax(alpha) > 0.0) {
        const vd zmin = vd_set1(-38.2);
        vd zc = vd_max(zmin, vd_min(vd_zero(), z));
        vd n, r = fa_exp_reduce_f64(zc, &n);
        r = vd_add(r, vd_sel(vd_lt(zmin, z), zl, vd_zero()));
        yneg = vd_mul(fa_nexpm1_rn_f64(r, n), vd_neg(alpha));
    } else {
        const vd zmax = vd_set1(1417.0);
        vd zc = vd_min(zmax, vd_max(vd_zero(), z));
        vd n, r = fa_exp_reduce_f64(zc, &n);
        vd pm1 = fa_exp_pm1_f64(vd_add(r, vd_sel(vd_lt(z, zmax), zl, vd_zero())));
        vd m = vd_add(pm1, vd_sub(vd_set1(1.0), vd_pow2_sat(vd_neg(n))));
        vd n1 = vd_min(vd_set1(1023.0), n);
        yneg = vd_ldexp(vd_ldexp(vd_mul(alpha, m), n1), vd_sub(n, n1));
    }
    return vd_sel(vd_lt(x, vd_zero()), yneg, x);
}

/* ---- quick_gelu ----
 * quick_gelu(x) = x sigmoid(K x) = x / (1 + e^(-K x)), K = 1.702 (exact
 * decimal, CLIP / Hugging Face), as silu: w / (1 + e^z) by fa_wsig (no
 * cancellation for either sign, the quotient scaled last: subnormal results
 * rounded once).  z = -K x is carried as zh + zl (K = K_hi + K_lo, K_hi x
 * split exactly by a two-product): e^z amplifies z's relative error by |z|
 * (up to 110 / 760), so a rounded z would cost tens of ulp in the negative
 * tail.  x is clamped below at -65 (float) / -446 (double), where the result
 * rounds to -0, and for z above at 51.5 / 415.9 (z >= -87.7 / -707.9:
 * 1 + e^z rounds to 1 beyond).  float32: the final 2^-n of fa_wsig is one
 * multiply by the 2^-n already built for the denominator unless the vector
 * holds an x < -50.4 (AVX2 1e5 elements on one thread 59.9 -> 50.6 us, AVX-512
 * 34.3 -> 36.2 us: scalef made the ldexp cheap there).  Error: float32 2.24
 * ulp (every 101st input), float64 2.16 (mpmath sample). */
FA_INLINE vf fa_quick_gelu_vf(vf x)
{
    vf xc = vf_max(vf_set1(-65.0f), x);
    vf xt = vf_min(vf_set1(51.5f), xc);
    vf zl, zh = fa_two_prod_f32(vf_set1(-FA_QGELU_K_F32), xt, &zl);
    zl = vf_fma(vf_set1(-FA_QGELU_KLO_F32), xt, zl);
    vf mn, p = fa_exp_core2_neg_f32(zh, zl, &mn);
    /* fa_wsig_f32 with its final ldexp by one multiply where 2^-n is exact */
    vf s = vf_pow2_sat(mn);
    vf v = vf_div(xc, vf_add(p, s));
    /* x >= -50.4: z <= 85.8, n <= 124, so 2^mn is exact and v * 2^mn = vf_ldexp(v, mn) bit
     * for bit; the two-factor ldexp only for vectors holding a lane below (the test is on x,
     * off the exp chain) */
    if (vf_mcount(vf_lt(x, vf_set1(-50.4f))) == 0)
        return vf_mul(v, s);
    return vf_ldexp(v, mn);
}

FA_INLINE vd fa_quick_gelu_vd(vd x)
{
    vd xc = vd_max(vd_set1(-446.0), x);
    vd xt = vd_min(vd_set1(415.9), xc);
    vd zl, zh = fa_two_prod_f64(vd_set1(-FA_QGELU_K_F64), xt, &zl);
    zl = vd_fma(vd_set1(-FA_QGELU_KLO_F64), xt, zl);
    vd mn, p = fa_exp_core2_neg_f64(zh, zl, &mn);
    return fa_wsig_f64(xc, p, mn);
}

/* ---- mish ----
 * mish(x) = x tanh(softplus(x)); with e = e^-|x| (tanh(log(1 + u)) =
 * ((1+u)^2 - 1)/((1+u)^2 + 1), u = e^x):
 *   x <= 0: mish = x e (1 - K),  K = (e/2)(1 + e) / (1 + e + e^2/2)
 *   x >  0: mish = x (1 - K),    K = 2e^2 / (1 + 2e + 2e^2)
 * (tanh(softplus(x)) = e (e + 2)/(e^2 + 2e + 2), resp. (1 + 2e)/(1 + 2e + 2e^2),
 * written as 1 - K with K in [0, 0.4]: K's roundings reach the result only
 * scaled by K / (1 - K) <= 2/3, and the product rounds once, fnma(w, K, w)).
 * No cancellation anywhere (mish ~ x e^x for x -> -inf keeps full relative
 * accuracy), no log1p or tanh evaluation, one division for both signs.
 * e = (1 + pm1) 2^-mn from the exp core (-|x| clamped at -112 / -760, where
 * x e^x underflows to -0); x <= 0: w = xc (1 + pm1) = fma(xc, pm1, xc) (1 +
 * pm1 never rounded) and the result is scaled by 2^-mn last (x e^x is normal
 * down to x = -91.9 while e^x is subnormal below -87.3: subnormal results
 * rounded once); e below 2^-126 may be inexact (it only enters K).
 * mish(+inf) = +inf (the product term uses min(w, FLT_MAX)), mish(-0) = -0
 * (the sign of x is put back: mish has the sign of x).
 * Error: float32 2.31 ulp (FMA levels), 2.56 (sse2, scalar) on every 101st
 * input (docs/accuracy.md has the exhaustive figures). */
FA_INLINE vf fa_mish_vf(vf x)
{
    const vf one = vf_set1(1.0f), half = vf_set1(0.5f), amin = vf_set1(-112.0f);
    vf a = vf_max(amin, vf_negabs(x));
    vf mn, r = fa_exp_reduce_neg_f32(a, &mn);
    vf pm1 = fa_exp_pm1_f32(r);
    vf e = vf_ldexp_lossy(vf_add(one, pm1), vf_neg(mn));
    vfm neg = vf_le(x, vf_zero());
    vf eh = vf_mul(e, half), e2 = vf_add(e, e);
    vf kn = vf_sel(neg, vf_fma(eh, e, eh), vf_mul(e2, e));
    vf kd = vf_sel(neg, vf_fma(eh, e, vf_add(e, one)), vf_fma(e2, e, vf_add(e2, one)));
    vf xc = vf_max(amin, x);
    vf w = vf_sel(neg, vf_fma(xc, pm1, xc), x);
    vf y = vf_fnma(vf_min(vf_set1(FLT_MAX), w), vf_div(kn, kd), w); /* +inf - 0 */
    y = vf_orsign(vf_abs(y), x);                                     /* -0 - (-0)(k) = +0 */
    return vf_ldexp(y, vf_sel(neg, vf_neg(mn), vf_zero()));
}

FA_INLINE vd fa_mish_vd(vd x)
{
    const vd one = vd_set1(1.0), half = vd_set1(0.5), amin = vd_set1(-760.0);
    vd a = vd_max(amin, vd_negabs(x));
    vd mn, r = fa_exp_reduce_neg_f64(a, &mn);
    vd pm1 = fa_exp_pm1_f64(r);
    vd e = vd_ldexp_lossy(vd_add(one, pm1), vd_neg(mn));
    vdm neg = vd_le(x, vd_zero());
    vd eh = vd_mul(e, half), e2 = vd_add(e, e);
    vd kn = vd_sel(neg, vd_fma(eh, e, eh), vd_mul(e2, e));
    vd kd = vd_sel(neg, vd_fma(eh, e, vd_add(e, one)), vd_fma(e2, e, vd_add(e2, one)));
    vd xc = vd_max(amin, x);
    vd w = vd_sel(neg, vd_fma(xc, pm1, xc), x);
    vd y = vd_fnma(vd_min(vd_set1(DBL_MAX), w), vd_div(kn, kd), w);
    y = vd_orsign(vd_abs(y), x);
    return vd_ldexp(y, vd_sel(neg, vd_neg(mn), vd_zero()));
}

#endif /* FA_ALGO_EXP_H */
