/*
 * fa_algo_f32.h - the float32 activation algorithms, written once against the
 * vector primitives of one ISA header (vec_<isa>.h, included before this).
 *
 * Each fa_<op>_vf() maps one vector of VF_N floats.  Lanes are independent,
 * so a result never depends on the element's position.  Measured bounds
 * (every float32 input, see docs/accuracy.md) are stated per op below.
 *
 * Special values, all ops: NaN in -> NaN out; +-inf give the limits;
 * huge finite inputs never overflow; no branches on data.
 * Subnormal results: gradual underflow (the final scaling by 2^k rounds once).
 */
#ifndef FA_ALGO_F32_H
#define FA_ALGO_F32_H

#include "fa_coeffs.h"

static const float fa_exp_f32_c[] = {
    FA_EXP_F32_C2, FA_EXP_F32_C3, FA_EXP_F32_C4, FA_EXP_F32_C5,
#if FA_EXP_F32_DEG >= 6
    FA_EXP_F32_C6,
#endif
#if FA_EXP_F32_DEG >= 7
    FA_EXP_F32_C7,
#endif
};
#define FA_EXP_F32_NC ((int)(sizeof(fa_exp_f32_c) / sizeof(float)))


static const float fa_gelu_f32_p[] = {
    FA_GELU_F32_P0, FA_GELU_F32_P1, FA_GELU_F32_P2, FA_GELU_F32_P3, FA_GELU_F32_P4,
    FA_GELU_F32_P5, FA_GELU_F32_P6, FA_GELU_F32_P7, FA_GELU_F32_P8,
#if FA_GELU_F32_DEG >= 9
    FA_GELU_F32_P9,
#endif
#if FA_GELU_F32_DEG >= 10
    FA_GELU_F32_P10,
#endif
#if FA_GELU_F32_DEG >= 11
    FA_GELU_F32_P11,
#endif
#if FA_GELU_F32_DEG >= 12
    FA_GELU_F32_P12,
#endif
#if FA_GELU_F32_DEG >= 13
    FA_GELU_F32_P13,
#endif
#if FA_GELU_F32_DEG >= 14
    FA_GELU_F32_P14,
#endif
};
#define FA_GELU_F32_NC ((int)(sizeof(fa_gelu_f32_p) / sizeof(float)))

/* Horner: c[0] + c[1] x + ... + c[nc-1] x^(nc-1) */
static inline vf fa_horner_f32(vf x, const float *c, int nc)
{
    vf q = vf_set1(c[nc - 1]);
    for (int i = nc - 2; i >= 0; i--) q = vf_fma(q, x, vf_set1(c[i]));
    return q;
}

/* a*a = hi + *lo exactly (a finite, |a| < 2^60). */
static inline vf fa_two_sq_f32(vf a, vf *lo)
{
    vf s = vf_mul(a, a);
#if FA_HAS_FMA
    *lo = vf_fma(a, a, vf_neg(s));
#else /* Dekker: a = ah + al with 12-bit ah */
    vf c = vf_mul(a, vf_set1(4097.0f));
    vf ah = vf_sub(c, vf_sub(c, a));
    vf al = vf_sub(a, ah);
    *lo = vf_add(vf_add(vf_sub(vf_mul(ah, ah), s), vf_mul(vf_add(ah, ah), al)), vf_mul(al, al));
#endif
    return s;
}

/* e^r - 1 ~ r + r^2 * Q(r) on |r| <= 0.357 (no cancellation near r = 0). */
static inline vf fa_exp_pm1_f32(vf r)
{
    return vf_fma(fa_horner_f32(r, fa_exp_f32_c, FA_EXP_F32_NC), vf_mul(r, r), r);
}

/* Reduction e^x = e^r * 2^n: n = round(x log2 e) by the 1.5*2^23 shifter,
 * r = x - n ln2 with a hi/lo pair (n*hi exact, x - n*hi exact by Sterbenz),
 * |r| <= 0.347 (+ a little without FMA).  x in [-126, 88]. */
static inline vf fa_exp_reduce_f32(vf x, vf *n)
{
    const vf shift = vf_set1(0x1.8p23f);
    vf k = vf_sub(vf_fma(x, vf_set1(FA_LOG2E_F32), shift), shift);
    vf r = vf_fnma(k, vf_set1(FA_LN2_HI_F32), x);
    *n = k;
    return vf_fnma(k, vf_set1(FA_LN2_LO_F32), r);
}

/* e^x = p * 2^n with p in [0.70, 1.43] */
static inline vf fa_exp_core_f32(vf x, vf *n)
{
    return vf_add(fa_exp_pm1_f32(fa_exp_reduce_f32(x, n)), vf_set1(1.0f));
}

/* e^(x + xl) = p * 2^n, xl a tiny remainder of x (carried into r) */
static inline vf fa_exp_core2_f32(vf x, vf xl, vf *n)
{
    return vf_add(fa_exp_pm1_f32(vf_add(fa_exp_reduce_f32(x, n), xl)), vf_set1(1.0f));
}

/* relu: x > 0 ? x : +0; NaN -> NaN; relu(-0) = +0.  Exact. */
static inline vf fa_relu_vf(vf x)
{
    return vf_sel(vf_le(x, vf_zero()), vf_zero(), x);
}

/* leaky_relu: x > 0 ? x : x*slope (slope already rounded to float).  Exact
 * (== fl(x * slope)); NaN -> NaN; -0 -> -0*slope. */
static inline vf fa_leaky_relu_vf(vf x, vf slope)
{
    return vf_sel(vf_gt(x, vf_zero()), x, vf_mul(x, slope));
}

/* sigmoid(x) = 1/(1+e^-x), on z = -|x| <= 0 (no cancellation anywhere):
 *   e = e^z,  x > 0: 1/(1 + e),  x <= 0: e/(1 + e).
 * z is clamped at -112 (e rounds to 0 there) so -inf gives 0.
 * Subnormal results (x < -87.3) are rounded once: e is the only rounding
 * there (1 + e == 1). */
static inline vf fa_sigmoid_vf(vf x)
{
    vf z = vf_max(vf_set1(-112.0f), vf_negabs(x));
    vf n, p = fa_exp_core_f32(z, &n);
    vf e = vf_ldexp(p, n);
    vf num = vf_sel(vf_gt(x, vf_zero()), vf_set1(1.0f), e);
    return vf_div(num, vf_add(vf_set1(1.0f), e));
}

/* w * sigmoid(t) given e^-|t| = p * 2^n, for silu (w = t = x) and
 * tanh-GELU (w = x):
 *   t > 0:  w / (1 + e)
 *   t <= 0: (w * p / (1 + e)) * 2^n   -- scaled last, so w*e/(1+e) keeps
 *                                        full precision where e^-|t| is
 *                                        subnormal but the product is not. */
static inline vf fa_wsigmoid_f32(vf t, vf w, vf p, vf n)
{
    vfm pos = vf_gt(t, vf_zero());
    vf d = vf_add(vf_set1(1.0f), vf_ldexp_lossy(p, n));
    vf num = vf_mul(w, vf_sel(pos, vf_set1(1.0f), p));
    vf k = vf_sel(pos, vf_zero(), n);
    return vf_ldexp(vf_div(num, d), k);
}

/* silu(x) = x*sigmoid(x); z = -|x| and x clamped below at -112 (result 0). */
static inline vf fa_silu_vf(vf x)
{
    vf xc = vf_max(vf_set1(-112.0f), x);
    vf z = vf_max(vf_set1(-112.0f), vf_negabs(x));
    vf n, p = fa_exp_core_f32(z, &n);
    return fa_wsigmoid_f32(x, xc, p, n);
}

/* tanh-GELU: 0.5 x (1 + tanh(u)) = x * sigmoid(t), t = 2u = x*(A1 + A3 x^2).
 * e^-|t| amplifies the relative error of t by |t| (up to 112), so t and the
 * reduction r = -|t| - n ln2 are computed in double (exact enough), and only
 * the polynomial runs in float.  x is clamped at -11.5 (t < -112: result 0). */
static inline vf fa_gelu_tanh_vf(vf x)
{
    vf xc = vf_max(vf_set1(-11.5f), x);
    const vd a1 = vd_set1(FA_GELUT_A1_F64), a3 = vd_set1(FA_GELUT_A3_F64);
    const vd shift = vd_set1(0x1.8p52), zmin = vd_set1(-112.0);
    vd xs[2] = {vf_lo_to_vd(xc), vf_hi_to_vd(xc)};
    vd rs[2], ks[2];
    for (int h = 0; h < 2; h++) {
        vd xd = xs[h];
        vd t = vd_mul(xd, vd_fma(a3, vd_mul(xd, xd), a1));
        vd z = vd_max(zmin, vd_neg(vd_abs(t)));
        vd k = vd_sub(vd_fma(z, vd_set1(FA_LOG2E_F64), shift), shift);
        vd r = vd_fnma(k, vd_set1(FA_LN2_HI_F64), z);
        rs[h] = vd_fnma(k, vd_set1(FA_LN2_LO_F64), r);
        ks[h] = k;
    }
    vf r = vd2_to_vf(rs[0], rs[1]);
    vf n = vd2_to_vf(ks[0], ks[1]);
    vf p = vf_add(fa_exp_pm1_f32(r), vf_set1(1.0f));
    return fa_wsigmoid_f32(x, xc, p, n);
}

/* tanh(x) = sign(x) * (-em1) / (2 + em1), em1 = e^z - 1, z = -2|x|.
 * With e^z = (1 + pm1) 2^n:  -em1 = (1 - 2^n) - pm1 2^n  (one fused
 * rounding; for |z| < 0.35, n = 0 and -em1 = -pm1 exactly, so there is no
 * cancellation near 0 and tanh(x) ~ x keeps full relative precision).
 * z is clamped at -18.2 where tanh rounds to 1; tanh(-0) = -0. */
static inline vf fa_tanh_vf(vf x)
{
    vf z = vf_max(vf_set1(-18.2f), vf_mul(vf_negabs(x), vf_set1(2.0f)));
    vf n, r = fa_exp_reduce_f32(z, &n);
    vf s = vf_pow2(n);
    vf nem1 = vf_fnma(fa_exp_pm1_f32(r), s, vf_sub(vf_set1(1.0f), s));
    return vf_orsign(vf_div(nem1, vf_sub(vf_set1(2.0f), nem1)), x);
}

/* exact GELU: x * Phi(x).  With a = |x|:
 *   Phi(-a) = e^(-a^2/2) * G(a),  G(a) ~ t * P(t),  t = 1/(1 + K a)
 * (G = erfcx(a/sqrt2)/2 is smooth; P fitted by tools/fit_coeffs.py);
 * -a^2/2 is split exactly into hi + lo (two-product), so e^(-a^2/2) keeps
 * full relative accuracy in the tail (no 1 + erf cancellation anywhere):
 *   x < 0:  y = (x * G * p) * 2^n      (scaled last: full precision down to
 *                                       the subnormal range)
 *   x >= 0: y = x * (1 - G * p * 2^n)  (G*p*2^n <= 1/2: no cancellation)
 * a is clamped at 14.5 (Phi(-14.5)*14.5 < 2^-151; Phi(14.5) = 1). */
static inline vf fa_gelu_vf(vf x)
{
    const float amax = 14.5f;
    vf a = vf_min(vf_set1(amax), vf_abs(x));
    vf xc = vf_max(vf_set1(-amax), x);
    vf t = vf_div(vf_set1(1.0f), vf_fma(vf_set1(FA_GELU_F32_K), a, vf_set1(1.0f)));
    vf g = vf_mul(t, fa_horner_f32(t, fa_gelu_f32_p, FA_GELU_F32_NC));
    vf lo, hi = fa_two_sq_f32(a, &lo);
    vf n, p = fa_exp_core2_f32(vf_mul(hi, vf_set1(-0.5f)), vf_mul(lo, vf_set1(-0.5f)), &n);
    vf q = vf_mul(g, p);
    vf yneg = vf_ldexp(vf_mul(xc, q), n);
    vf ypos = vf_mul(x, vf_sub(vf_set1(1.0f), vf_ldexp(q, n)));
    return vf_sel(vf_lt(x, vf_zero()), yneg, ypos);
}

#endif /* FA_ALGO_F32_H */
