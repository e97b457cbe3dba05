/*
 * fa_algo_f32.h - the float32 activation algorithms, written once against the
 * vector primitives of one ISA header (vec_<isa>.h, included before this).
 *
 * Each fa_<op>_vf() maps one vector of VF_N floats.  Lanes are independent,
 * so a result never depends on the element's position.
 *
 * Measured max error over ALL 2^32 float32 inputs with a normal result
 * (benchmarks/accuracy.py, docs/accuracy.md), every level unless noted:
 *   relu, leaky_relu  exact
 *   sigmoid           2.72 ulp (FMA levels), 2.80 (sse2, scalar)
 *   tanh              1.92 ulp (FMA levels), 1.97 (sse2, scalar)
 *   silu              2.86 ulp (FMA levels), 2.89 (sse2, scalar)
 *   gelu (erf)        3.20 ulp (FMA levels), 3.01 (sse2, scalar)
 *   gelu (tanh)       2.56 ulp (FMA levels), 2.34 (sse2, scalar)
 * subnormal results within 1.41 units of 2^-149.
 *
 * Special values, all ops: NaN in -> NaN out; +-inf give the limits;
 * huge finite inputs never overflow; no branches on data.
 * Subnormal results: gradual underflow (the final scaling by 2^k rounds once).
 */
#ifndef FA_ALGO_F32_H
#define FA_ALGO_F32_H

#include "fa_coeffs.h"

#if defined(__GNUC__) || defined(__clang__)
#define FA_INLINE static inline __attribute__((always_inline))
#else
#define FA_INLINE static inline
#endif
#if defined(__GNUC__) || defined(__clang__)
#define FA_UNLIKELY(c) __builtin_expect(!!(c), 0)
#else
#define FA_UNLIKELY(c) (c)
#endif

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
static const float fa_exp2_f32_c[] = {
    FA_EXP2_F32_C1, FA_EXP2_F32_C2, FA_EXP2_F32_C3, FA_EXP2_F32_C4, FA_EXP2_F32_C5,
#if FA_EXP2_F32_DEG >= 6
    FA_EXP2_F32_C6,
#endif
};
#define FA_EXP2_F32_NC ((int)(sizeof(fa_exp2_f32_c) / sizeof(float)))
static const float fa_exp4_f32_c[] = {FA_EXP4_F32_C2, FA_EXP4_F32_C3, FA_EXP4_F32_C4};
#define FA_EXP4_F32_NC ((int)(sizeof(fa_exp4_f32_c) / sizeof(float)))
static const float fa_exp4_f32_t[4] = {FA_EXP4_F32_T0, FA_EXP4_F32_T1, FA_EXP4_F32_T2, FA_EXP4_F32_T3};


_Static_assert(FA_GELU_F32_NP == 8, "vf_lut8 selects among exactly 8 pieces");

/* Horner: c[0] + c[1] x + ... + c[nc-1] x^(nc-1) */
FA_INLINE vf fa_horner_f32(vf x, const float *c, int nc)
{
    vf q = vf_set1(c[nc - 1]);
    for (int i = nc - 2; i >= 0; i--) q = vf_fma(q, x, vf_set1(c[i]));
    return q;
}

FA_INLINE vd fa_horner_f64(vd x, const double *c, int nc)
{
    vd q = vd_set1(c[nc - 1]);
    for (int i = nc - 2; i >= 0; i--) q = vd_fma(q, x, vd_set1(c[i]));
    return q;
}

/* a*a = hi + *lo exactly (a finite, |a| < 2^60). */
FA_INLINE vf fa_two_sq_f32(vf a, vf *lo)
{
    vf s = vf_mul(a, a);
#if FA_HAS_FMA
    *lo = vf_fms(a, a, s);
#else /* Dekker: a = ah + al with 12-bit ah */
    vf c = vf_mul(a, vf_set1(4097.0f));
    vf ah = vf_sub(c, vf_sub(c, a));
    vf al = vf_sub(a, ah);
    *lo = vf_add(vf_add(vf_sub(vf_mul(ah, ah), s), vf_mul(vf_add(ah, ah), al)), vf_mul(al, al));
#endif
    return s;
}

/* a*b = hi + *lo exactly (no overflow/underflow). */
FA_INLINE vf fa_two_prod_f32(vf a, vf b, vf *lo)
{
    vf p = vf_mul(a, b);
#if FA_HAS_FMA
    *lo = vf_fms(a, b, p);
#else /* Dekker: 12-bit halves */
    const vf split = vf_set1(4097.0f);
    vf ca = vf_mul(a, split), cb = vf_mul(b, split);
    vf ah = vf_sub(ca, vf_sub(ca, a)), al = vf_sub(a, ah);
    vf bh = vf_sub(cb, vf_sub(cb, b)), bl = vf_sub(b, bh);
    *lo = vf_add(vf_add(vf_add(vf_sub(vf_mul(ah, bh), p), vf_mul(ah, bl)), vf_mul(al, bh)), vf_mul(al, bl));
#endif
    return p;
}

/* e^r - 1 ~ r + r^2 * Q(r) on |r| <= 0.357 (no cancellation near r = 0). */
FA_INLINE vf fa_exp_pm1_f32(vf r)
{
    return vf_fma(fa_horner_f32(r, fa_exp_f32_c, FA_EXP_F32_NC), vf_mul(r, r), r);
}

/* Reduction e^x = e^r * 2^n: n = round(x log2 e) by the 1.5*2^23 shifter,
 * r = x - n ln2 with a hi/lo pair (n*hi exact, x - n*hi exact by Sterbenz),
 * |r| <= 0.347 (+ a little without FMA).  x in [-126, 88]. */
FA_INLINE vf fa_exp_reduce_f32(vf x, vf *n)
{
    const vf shift = vf_set1(0x1.8p23f);
    vf k = vf_sub(vf_fma(x, vf_set1(FA_LOG2E_F32), shift), shift);
    vf r = vf_fnma(k, vf_set1(FA_LN2_HI_F32), x);
    *n = k;
    return vf_fnma(k, vf_set1(FA_LN2_LO_F32), r);
}

/* fa_exp_reduce_f32 giving *mn = -n instead (for callers that only need
 * 2^-n): m = shift - (x log2e + shift), r = x + m ln2 (hi, lo).  The same r,
 * bit for bit, without a negation. */
FA_INLINE vf fa_exp_reduce_neg_f32(vf x, vf *mn)
{
    const vf shift = vf_set1(0x1.8p23f);
    vf m = vf_sub(shift, vf_fma(x, vf_set1(FA_LOG2E_F32), shift));
    vf r = vf_fma(m, vf_set1(FA_LN2_HI_F32), x);
    *mn = m;
    return vf_fma(m, vf_set1(FA_LN2_LO_F32), r);
}

/* e^x = p * 2^n with p in [0.70, 1.43] */
FA_INLINE vf fa_exp_core_f32(vf x, vf *n)
{
    return vf_add(fa_exp_pm1_f32(fa_exp_reduce_f32(x, n)), vf_set1(1.0f));
}

/* e^x = p * 2^-mn (as fa_exp_core_f32, returning -n) */
FA_INLINE vf fa_exp_core_neg_f32(vf x, vf *mn)
{
    return vf_add(fa_exp_pm1_f32(fa_exp_reduce_neg_f32(x, mn)), vf_set1(1.0f));
}

/* e^(x + xl) = p * 2^n, xl a tiny remainder of x (carried into r) */
FA_INLINE vf fa_exp_core2_f32(vf x, vf xl, vf *n)
{
    return vf_add(fa_exp_pm1_f32(vf_add(fa_exp_reduce_f32(x, n), xl)), vf_set1(1.0f));
}

/* e^(x + xl) = p * 2^-mn, xl a tiny remainder of x (carried into r) */
FA_INLINE vf fa_exp_core2_neg_f32(vf x, vf xl, vf *mn)
{
    return vf_add(fa_exp_pm1_f32(vf_add(fa_exp_reduce_neg_f32(x, mn), xl)), vf_set1(1.0f));
}

/* Shifter sums: z*c + SHIFT rounds z*c to an integer k (in the low mantissa
 * bits); SHIFTB also adds the exponent bias, so that the low 9 bits of the
 * sum's pattern are those of 2^k (vf_pow2_bits), SHIFT leaves k itself
 * (vf_scale_bits adds it to an exponent field). */
#define FA_SHIFT_F32 0x1.8p23f
#define FA_SHIFTB_F32 (0x1.8p23f + 127.0f)

/* e^z = s (1 + pm1) with s = 2^k, k = round(z log2e): fa_exp_split_r_f32
 * returns r = z - k ln2 (hi/lo pair, as fa_exp_reduce_f32; the same r),
 * fa_exp_split_f32 pm1 = e^r - 1.  s is built from the shifter sum's bits
 * (one integer shift, no conversion), so z must keep k in [-126, 127]:
 * z in [-87.3, 88.3].  e^z itself is then fma(pm1, s, s): one rounding. */
FA_INLINE vf fa_exp_split_r_f32(vf z, vf *s)
{
    const vf shift = vf_set1(FA_SHIFTB_F32);
    vf kb = vf_fma(z, vf_set1(FA_LOG2E_F32), shift);
    vf k = vf_sub(kb, shift);
    vf r = vf_fnma(k, vf_set1(FA_LN2_HI_F32), z);
    *s = vf_pow2_bits(kb);
    return vf_fnma(k, vf_set1(FA_LN2_LO_F32), r);
}
FA_INLINE vf fa_exp_split_f32(vf z, vf *s)
{
    return fa_exp_pm1_f32(fa_exp_split_r_f32(z, s));
}

/* Quarter steps (sigmoid, silu, the row kernels; tanh keeps fa_exp_split_f32,
 * whose pm1 it uses near 0): e^z = s (1 + pm1), q = round(4 z log2e),
 * s = 2^(q/4) rounded (vf_pow2q_bits: a 4-entry table picked by q mod 4, its
 * exponent raised by floor(q/4), no conversion), r = z - q ln2/4 with the
 * hi/lo pair LN2Q (13-bit hi: q LN2Q_HI exact for |q| < 2048, so the row
 * kernels' scaled form may take |x| up to 350), |r| <= ln2/8, so pm1 is
 * of degree 4 instead of 6.  The table rounding (<= 0.54 units of 2^-24)
 * enters e = fma(pm1, s, s); z in [-87.3, 88.0] (floor(q/4) in [-126, 127]). */
FA_INLINE vf fa_exp4_pm1_f32(vf r)
{
    return vf_fma(fa_horner_f32(r, fa_exp4_f32_c, FA_EXP4_F32_NC), vf_mul(r, r), r);
}
FA_INLINE vf fa_exp4_split2_f32(vf z, vf zl, vf shq, vf *s)
{
    vf kb = vf_fma(z, vf_set1(4.0f * FA_LOG2E_F32), shq);
    vf q = vf_sub(kb, shq);
    vf r = vf_fnma(q, vf_set1(FA_LN2Q_HI_F32), z);
    *s = vf_pow2q_bits(kb, fa_exp4_f32_t);
    return fa_exp4_pm1_f32(vf_add(vf_fnma(q, vf_set1(FA_LN2Q_LO_F32), r), zl));
}
/* fa_exp4_split2_f32 with zl = 0 (the same bits, one addition fewer: the
 * row kernels' scaled form, FMA-bound) */
FA_INLINE vf fa_exp4_splitk_f32(vf z, vf shq, vf *s)
{
    vf kb = vf_fma(z, vf_set1(4.0f * FA_LOG2E_F32), shq);
    vf q = vf_sub(kb, shq);
    vf r = vf_fnma(q, vf_set1(FA_LN2Q_HI_F32), z);
    *s = vf_pow2q_bits(kb, fa_exp4_f32_t);
    return fa_exp4_pm1_f32(vf_fnma(q, vf_set1(FA_LN2Q_LO_F32), r));
}
FA_INLINE vf fa_exp4_split_f32(vf z, vf *s)
{
    vf kb = vf_fma(z, vf_set1(4.0f * FA_LOG2E_F32), vf_set1(FA_SHIFT_F32));
    vf q = vf_sub(kb, vf_set1(FA_SHIFT_F32));
    vf r = vf_fnma(q, vf_set1(FA_LN2Q_HI_F32), z);
    *s = vf_pow2q_bits(kb, fa_exp4_f32_t);
    return fa_exp4_pm1_f32(vf_fnma(q, vf_set1(FA_LN2Q_LO_F32), r));
}

/* a - b = d + *err exactly (Knuth's two-sum, any order of magnitudes; a, b
 * finite). */
FA_INLINE vf fa_two_diff_f32(vf a, vf b, vf *err)
{
    vf d = vf_sub(a, b);
    vf bb = vf_sub(d, a);
    *err = vf_sub(vf_sub(a, vf_sub(d, bb)), vf_add(b, bb));
    return d;
}

/* 2^r - 1 ~ r P(r), P = C1 + C2 r + ... (Horner), |r| <= 0.5 (+2^-9): the
 * base-2 exponential of the GELU kernels, whose exponents are products
 * (a^2 log2(e)/2, x w) reduced with one fused rounding, r = product - k. */
FA_INLINE vf fa_exp2_pm1_f32(vf r)
{
    return vf_mul(r, fa_horner_f32(r, fa_exp2_f32_c, FA_EXP2_F32_NC));
}

/* relu: x > 0 ? x : +0; NaN -> NaN; relu(-0) = +0.  Exact. */
FA_INLINE vf fa_relu_vf(vf x)
{
    return vf_sel(vf_le(x, vf_zero()), vf_zero(), x);
}

/* leaky_relu: x > 0 ? x : x*slope (slope already rounded to float).  Exact
 * (== fl(x * slope)); NaN -> NaN; -0 -> -0*slope. */
FA_INLINE vf fa_leaky_relu_vf(vf x, vf slope)
{
    return vf_sel(vf_gt(x, vf_zero()), x, vf_mul(x, slope));
}

/* Reference sigmoid, used for the lanes below -87 (see fa_sigmoid_vf):
 * sigmoid(x) = 1/(1+e^-x), on z = -|x| <= 0 (no cancellation anywhere):
 *   e = e^z,  x > 0: 1/(1 + e),  x <= 0: e/(1 + e).
 * z is clamped at -112 (e rounds to 0 there) so -inf gives 0.
 * Subnormal results (x < -87.3) are rounded once: e is the only rounding
 * there (1 + e == 1). */
FA_INLINE vf fa_sigmoid_tail_vf(vf x)
{
    vf z = vf_max(vf_set1(-112.0f), vf_negabs(x));
    vf n, p = fa_exp_core_f32(z, &n);
    vf e = vf_ldexp(p, n);
    vf num = vf_sel(vf_gt(x, vf_zero()), vf_set1(1.0f), e);
    return vf_div(num, vf_add(vf_set1(1.0f), e));
}

/* sigmoid(x) = 1/(1 + E), E = e^-x = fma(pm1, s, s) (fa_exp4_split_f32):
 * no cancellation for either sign (1 + E adds positive terms; for x < 0 the
 * quotient carries E's relative error, for x > 0 it damps it), no select.
 * -x is clamped below at -87 (E < 2^-125: 1 + E rounds to 1; +inf gives 1).
 * Lanes with x < -87 (E would overflow, results near or below 2^-126) are
 * recomputed by fa_sigmoid_tail_vf, only in vectors that hold such a lane,
 * and merged by lane, so no result depends on its neighbours.  NaN
 * propagates through E. */
FA_INLINE vf fa_sigmoid_vf(vf x)
{
    vf s, pm1 = fa_exp4_split_f32(vf_max(vf_set1(-87.0f), vf_neg(x)), &s);
    vf y = vf_div(vf_set1(1.0f), vf_add(vf_set1(1.0f), vf_fma(pm1, s, s)));
    vfm t = vf_lt(x, vf_set1(-87.0f));
    if (FA_UNLIKELY(vf_any(t))) y = vf_sel(t, fa_sigmoid_tail_vf(x), y);
    return y;
}

/* w / (1 + e^z) given e^z = p * 2^n as p and mn = -n, z in [-87, 112] (silu: w = x, z = -x;
 * tanh-GELU: w = x, z = -t):
 *   w / (1 + p 2^n) = (w / (2^-n + p)) * 2^-n
 * The quotient stays normal and the final scaling rounds once, so results
 * keep full precision down to the subnormal range; no cancellation for
 * either sign.  2^-n is capped at 2^-126 (n > 126: it is far below p's ulp). */
FA_INLINE vf fa_wsig_f32(vf w, vf p, vf mn)
{
    vf d = vf_add(p, vf_pow2_sat(mn));
    return vf_ldexp(vf_div(w, d), mn);
}

/* Reference silu, used for the lanes below -87 (see fa_silu_vf):
 * silu(x) = x*sigmoid(x) = x / (1 + e^-x): x clamped below at -112 (result
 * rounds to 0 there), z = -x clamped below at -87 (1 + e^z rounds to 1). */
FA_INLINE vf fa_silu_tail_vf(vf x)
{
    vf xc = vf_max(vf_set1(-112.0f), x);
    vf z = vf_max(vf_set1(-87.0f), vf_neg(xc));
    vf mn, p = fa_exp_core_neg_f32(z, &mn);
    return fa_wsig_f32(xc, p, mn);
}

/* silu(x) = x / (1 + E), E = e^-x as in fa_sigmoid_vf (-x clamped at -87:
 * for x > 87 the result is x, +inf gives +inf).  Lanes with x < -87 (results
 * below ~2^-120, subnormal from x < -92) go through fa_silu_tail_vf (scaled
 * quotient, gradual underflow), only in vectors that hold one.  -0 -> -0. */
FA_INLINE vf fa_silu_vf(vf x)
{
    vf s, pm1 = fa_exp4_split_f32(vf_max(vf_set1(-87.0f), vf_neg(x)), &s);
    vf y = vf_div(x, vf_add(vf_set1(1.0f), vf_fma(pm1, s, s)));
    vfm t = vf_lt(x, vf_set1(-87.0f));
    if (FA_UNLIKELY(vf_any(t))) y = vf_sel(t, fa_silu_tail_vf(x), y);
    return y;
}

/* Reference tanh-GELU (the SSE2/scalar kernel, and the FMA levels' lanes
 * below -9.9, see fa_gelu_tanh_vf): 0.5 x (1 + tanh(u)) = x / (1 + e^-t), t = 2u = x (A1 + A3 x^2).
 * e^-t amplifies the relative error of t by |t| (up to 112), so -t is
 * carried as hi + lo:
 *   FMA levels: double-float arithmetic (two-product, two-sum; ~2^-44);
 *   SSE2/scalar: t and the reduction r = -t - n ln2 in double.
 * x is clamped at -11.5 (t < -112: the result rounds to 0) and, for t, at
 * +11.5 (-t < -87: 1 + e^-t rounds to 1). */
FA_INLINE vf fa_gelu_tanh_tail_vf(vf x)
{
    vf xc = vf_max(vf_set1(-11.5f), x);
    vf xt = vf_min(vf_set1(11.5f), xc);
#if FA_HAS_FMA
    const float b1 = -FA_GELUT_A1_F32, b3 = -FA_GELUT_A3_F32;
    const float b1l = (float)(-(FA_GELUT_A1_F64 - (double)FA_GELUT_A1_F32));
    const float b3l = (float)(-(FA_GELUT_A3_F64 - (double)FA_GELUT_A3_F32));
    vf s = vf_mul(xt, xt), sl = vf_fms(xt, xt, s);         /* x^2 = s + sl */
    vf p = vf_mul(vf_set1(b3), s);                                  /* b3 x^2 = p + pl */
    vf pl = vf_fms(vf_set1(b3), s, p);
    pl = vf_fma(vf_set1(b3), sl, vf_fma(vf_set1(b3l), s, pl));
    vf w = vf_add(vf_set1(b1), p);                                  /* b1 + p = w + we */
    vf bb = vf_sub(w, vf_set1(b1));
    vf we = vf_add(vf_sub(vf_set1(b1), vf_sub(w, bb)), vf_sub(p, bb));
    vf wl = vf_add(vf_add(we, pl), vf_set1(b1l));
    vf th = vf_mul(xt, w);                                          /* -t = th + tl */
    vf tl = vf_fma(xt, wl, vf_fms(xt, w, th));
    vf zh = vf_max(vf_set1(-87.0f), th); /* <= 127 as |xt| <= 11.5 */
    vf mn, pe = fa_exp_core2_neg_f32(zh, tl, &mn);
#else
    const vd a1 = vd_set1(-FA_GELUT_A1_F64), a3 = vd_set1(-FA_GELUT_A3_F64);
    const vd shift = vd_set1(0x1.8p52), zmin = vd_set1(-87.0), zmax = vd_set1(112.0);
    vd xs[2] = {vf_lo_to_vd(xt), vf_hi_to_vd(xt)};
    vd rs[2], ks[2];
    for (int h = 0; h < 2; h++) {
        vd xd = xs[h];
        vd z = vd_mul(xd, vd_fma(a3, vd_mul(xd, xd), a1));
        z = vd_min(zmax, vd_max(zmin, z));
        vd m = vd_sub(shift, vd_fma(z, vd_set1(FA_LOG2E_F64), shift)); /* -n */
        vd r = vd_fma(m, vd_set1(FA_LN2_HI_F64), z);
        rs[h] = vd_fma(m, vd_set1(FA_LN2_LO_F64), r);
        ks[h] = m;
    }
    vf mn = vd2_to_vf(ks[0], ks[1]);
    vf pe = vf_add(fa_exp_pm1_f32(vd2_to_vf(rs[0], rs[1])), vf_set1(1.0f));
#endif
    return fa_wsig_f32(xc, pe, mn);
}

/* tanh-GELU = x / (1 + E), E = e^-t = 2^(x w), t = x (A1 + A3 x^2), w = B1 + B3 x^2
 * with B = -A log2(e) (base 2: the reduction is one fused rounding, r = x w - k).
 * 2^(x w) amplifies the error of x w by |x w| ln2 (up to 85), so w is carried
 * as wh + wl to ~2^-45:
 *   s + sl = x^2 exactly (two-product);
 *   wh = fma(B3h, s, B1c) with B1c = B1 on the 2^-20 grid, so that wh - B1c
 *     is exact for every |wh| in [2.3, 12.4] and fma(B3h, s, -(wh - B1c)) is
 *     wh's own rounding error (to 2^-24 of it);
 *   wl = that error + B1r + B3h sl + B3l s  (B1 = B1c + B1r, B3 = B3h + B3l);
 *   kb = fma(x, wh, SHIFTB), r = fma(x, wh, -k) + x wl  (|r| <= 0.5).
 * x is clamped at 9.9 for w (x w >= -123: s = 2^k stays normal; beyond,
 * 1 + E rounds to 1 and y = x, +inf -> +inf).  Lanes with x < -9.9 (E near
 * overflow, results subnormal from x < -10.3) go through
 * fa_gelu_tanh_tail_vf, only in vectors that hold one; NaN propagates. */
FA_INLINE vf fa_gelu_tanh_vf(vf x)
{
#if FA_HAS_FMA
    const vf shift = vf_set1(FA_SHIFTB_F32), b3 = vf_set1(FA_GELUT_B3H_F32);
    const vf b1c = vf_set1(FA_GELUT_B1C_F32);
    vf xt = vf_min(vf_set1(9.9f), x);
    vf s = vf_mul(xt, xt), sl = vf_fms(xt, xt, s);
    vf wh = vf_fma(b3, s, b1c);
    vf we = vf_fms(b3, s, vf_sub(wh, b1c));
    vf wl = vf_fma(b3, vf_fma(vf_set1(FA_GELUT_RHO3_F32), s, sl), vf_add(we, vf_set1(FA_GELUT_B1R_F32)));
    vf kb = vf_fma(xt, wh, shift);
    vf r = vf_fma(xt, wl, vf_fma(xt, wh, vf_sub(shift, kb)));
    vf e = vf_pow2_bits(kb), pm1 = fa_exp2_pm1_f32(r);
    vf y = vf_div(x, vf_add(vf_set1(1.0f), vf_fma(pm1, e, e)));
    vfm t = vf_lt(x, vf_set1(-9.9f));
    if (FA_UNLIKELY(vf_any(t))) y = vf_sel(t, fa_gelu_tanh_tail_vf(x), y);
    return y;
#else
    return fa_gelu_tanh_tail_vf(x);
#endif
}

/* -(e^z - 1) from the reduced argument r and n of z (e^z = (1 + pm1) 2^n):
 *   -(e^z - 1) = (1 - 2^n) - pm1 2^n   (one fused rounding; for |z| < 0.35,
 * n = 0 and the result is -pm1 exactly: no cancellation near 0).  n integral
 * in [-126, 127]; the result is 2^n times a value rounded once, so it keeps
 * full relative precision wherever it is normal. */
FA_INLINE vf fa_nexpm1_rn_f32(vf r, vf n)
{
    vf s = vf_pow2(n);
    return vf_fnma(fa_exp_pm1_f32(r), s, vf_sub(vf_set1(1.0f), s));
}

/* -(e^z - 1) = -expm1(z), z in [-126, 88.3] (n <= 127). */
FA_INLINE vf fa_nexpm1_f32(vf z)
{
    vf n, r = fa_exp_reduce_f32(z, &n);
    return fa_nexpm1_rn_f32(r, n);
}

/* tanh(x) = sign(x) * (-em1) / (2 + em1), em1 = e^z - 1, z = -2|x| clamped
 * at -18.2 (tanh rounds to 1 from |x| = 9.01).  With e^z = (1 + pm1) s,
 * s = 2^k (fa_exp_split_r_f32):
 *   -em1 = (1 - s) - pm1 s,  2 + em1 = (1 + s) + pm1 s   (one fused rounding
 * each; for |z| < 0.35, k = 0 and -em1 = -pm1 exactly, so there is no
 * cancellation near 0 and tanh(x) ~ x keeps full relative precision).
 * pm1 = r + r^2 Q(r), Q (fa_exp_f32_c, degree 4) = (C2 + C3 r) + r^2 ((C4 +
 * C5 r) + C6 r^2) (Estrin's form: the numerator, the denominator and Q's
 * halves are independent).  Against the earlier 2 - (-em1) with Horner's Q:
 * max error 2.50 -> 1.97 ulp; per element on Zen 3 (tools/kernel_cycles.c)
 * SSE2 6-15 % and scalar 3-10 % fewer ticks, AVX2 0-5 %.  tanh(-0) = -0; NaN propagates. */
FA_INLINE vf fa_tanh_pm1_f32(vf r)
{
    _Static_assert(FA_EXP_F32_DEG == 6, "fa_tanh_pm1_f32 spells out Q of degree 4");
    vf r2 = vf_mul(r, r);
    vf lo = vf_fma(vf_set1(fa_exp_f32_c[1]), r, vf_set1(fa_exp_f32_c[0]));
    vf hi = vf_fma(vf_set1(fa_exp_f32_c[3]), r, vf_set1(fa_exp_f32_c[2]));
    hi = vf_fma(vf_set1(fa_exp_f32_c[4]), r2, hi);
    return vf_fma(vf_fma(hi, r2, lo), r2, r);
}
FA_INLINE vf fa_tanh_vf(vf x)
{
    const vf one = vf_set1(1.0f);
    vf na = vf_negabs(x);
    vf s, pm1 = fa_tanh_pm1_f32(fa_exp_split_r_f32(vf_max(vf_set1(-18.2f), vf_add(na, na)), &s));
    vf num = vf_fnma(pm1, s, vf_sub(one, s));
    vf den = vf_fma(pm1, s, vf_add(one, s));
    return vf_orsign(vf_div(num, den), x);
}

/* G(a) = erfcx(a/sqrt2)/2 for a in [0, 14.5]: 8 polynomial pieces in a,
 * selected by the exponent and first mantissa bit of s = a + 1 (pieces
 * [0,.5) [.5,1) [1,2) [2,3) [3,5) [5,7) [7,11) [11,14.5]), each of degree
 * FA_GELU_F32_DEG in u = a - c_j, coefficients looked up per lane.  Local
 * polynomials are well conditioned (no division, no ill-conditioned
 * expansion around t = 1), so Horner in float keeps G within ~1 ulp. */
FA_INLINE vf fa_gelu_g_f32(vf a)
{
    vfi j = vf_lut8_index(vf_add(a, vf_set1(1.0f)));
    vf u = vf_sub(a, vf_lut8(fa_gelu_f32_ctr, j));
    vf q = vf_lut8(fa_gelu_f32_tab[FA_GELU_F32_DEG], j);
    for (int i = FA_GELU_F32_DEG - 1; i >= 0; i--) q = vf_fma(q, u, vf_lut8(fa_gelu_f32_tab[i], j));
    return q;
}

/* Reference exact GELU (the SSE2/scalar kernel, and the FMA levels' lanes
 * with |x| > 13 or NaN, see fa_gelu_vf): x * Phi(x).  With a = |x|:
 *   Phi(-a) = e^(-a^2/2) * G(a)      (G = erfcx(a/sqrt2)/2, smooth, fa_gelu_g_f32);
 * -a^2/2 is split exactly into hi + lo (two-product) and lo is carried into
 * the reduced argument, so e^(-a^2/2) keeps full relative accuracy in the
 * tail (no 1 + erf cancellation anywhere); with e^(-a^2/2) = (1 + pm1) 2^n:
 *   q = G (1 + pm1)                    (one fused rounding)
 *   x < 0:  y = (x q) 2^n              (scaled last: full precision down to
 *                                       the subnormal range)
 *   x >= 0: y = x (1 - q 2^n)          (q 2^n <= 1/2: no cancellation)
 * a is clamped at 14.5 (Phi(-14.5)*14.5 < 2^-151; Phi(14.5) = 1). */
FA_INLINE vf fa_gelu_tail_vf(vf x)
{
    const float amax = 14.5f;
    vf a = vf_min(vf_set1(amax), vf_abs(x));
    vf xc = vf_max(vf_set1(-amax), x);
    vf g = fa_gelu_g_f32(a);
    vf lo, hi = fa_two_sq_f32(a, &lo);
    vf n, r = fa_exp_reduce_f32(vf_mul(hi, vf_set1(-0.5f)), &n);
    vf pm1 = fa_exp_pm1_f32(vf_fma(lo, vf_set1(-0.5f), r));
    vf q = vf_fma(g, pm1, g); /* G e^(-a^2/2) 2^-n, one rounding for the product */
    vf yneg = vf_ldexp(vf_mul(xc, q), n);
    vf ypos = vf_mul(x, vf_sub(vf_set1(1.0f), vf_ldexp(q, n)));
    return vf_sel(vf_lt(x, vf_zero()), yneg, ypos);
}

/* exact GELU, FMA levels: x Phi(x), Phi(-a) = 2^(-a^2 C) G(a), C = log2(e)/2,
 * a = |x| (G as in fa_gelu_tail_vf).  a^2 = s + sl exactly, and the base-2
 * exponent is reduced with single roundings: kb = fma(s, -C_hi, SHIFT),
 * r = (-k - s C_hi) - s C_lo - sl C_hi (|r| <= 0.5), so 2^(-a^2 C) keeps full
 * relative accuracy in the tail; with it = (1 + pm1) 2^k:
 *   q = G (1 + pm1)                  (one fused rounding)
 *   m = (x q) 2^k = x Phi(-a)        (2^k added to the exponent field:
 *                                     exact, x q and m are normal or k = 0)
 *   y = max(-0, x) - |m|:  x <= 0: -|m| = m (-0 for -0),  x > 0: x - m
 *                                    (m <= x/2: no cancellation; no select)
 * Lanes with |x| > 13 or NaN (2^k below 2^-122, results near the subnormal
 * range) go through fa_gelu_tail_vf, only in vectors that hold one. */
FA_INLINE vf fa_gelu_vf(vf x)
{
#if FA_HAS_FMA
    const vf shift = vf_set1(FA_SHIFT_F32), chi = vf_set1(FA_GELU_C_HI_F32);
    vf a = vf_abs(x);
    vf g = fa_gelu_g_f32(a);
    vf s = vf_mul(a, a), sl = vf_fms(a, a, s);
    vf kb = vf_fnma(s, chi, shift);
    vf r = vf_fnma(s, chi, vf_sub(shift, kb));
    r = vf_fnma(sl, chi, vf_fnma(s, vf_set1(FA_GELU_C_LO_F32), r));
    vf q = vf_fma(g, fa_exp2_pm1_f32(r), g);
    vf m = vf_scale_bits(vf_mul(x, q), kb);
    vf y = vf_sub(vf_max(vf_set1(-0.0f), x), vf_abs(m)); /* x > 0: x - m; x <= 0: -0 - |m| = m */
    vfm ok = vf_le(a, vf_set1(13.0f));
    if (FA_UNLIKELY(!vf_all(ok))) y = vf_sel(ok, y, fa_gelu_tail_vf(x));
    return y;
#else
    return fa_gelu_tail_vf(x);
#endif
}

#endif /* FA_ALGO_F32_H */
