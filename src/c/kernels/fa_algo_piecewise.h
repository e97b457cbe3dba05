/*
 * fa_algo_piecewise.h - the piecewise (clip-based) activations and softsign,
 * float and double, written once against the vector primitives (vec_<isa>.h,
 * included before this; fa_algo_f32.h / fa_algo_f64.h for fa_two_prod_*).
 *
 * Measured max error (float32: all 2^32 inputs, benchmarks/accuracy.py;
 * float64: mpmath sample, benchmarks/accuracy_f64.py; docs/accuracy.md),
 * every level:
 *   relu6, hardtanh          exact (a comparison and a select)
 *   hardsigmoid, hardswish   <= 0.5 ulp + 2^-20 (correctly rounded except
 *                            within 2^-20 ulp of a midpoint); see below
 *   softsign                 <= 1.5 ulp (two roundings)
 *
 * Special values: NaN in -> NaN out (every max/min keeps x as its second
 * operand); +-inf give the limits: relu6 0 / 6, hardtanh min_val / max_val,
 * hardsigmoid 0 / 1, hardswish -0 / +inf, softsign -1 / +1 (no inf/inf);
 * huge finite inputs never overflow.  Signed zeros: relu6(-0) = +0 (as relu),
 * hardtanh(-0) = -0 when 0 is inside [min_val, max_val] (a clamp returns x),
 * hardsigmoid(x <= -3) = +0, hardswish(x) has the sign of x (hardswish(-0) =
 * -0, hardswish(x <= -3) = -0 = x * 0, as PyTorch), softsign(-0) = -0.
 * Subnormal results: gradual underflow (hardswish and softsign of subnormal
 * x: one rounding of the product / quotient).
 */
#ifndef FA_ALGO_PIECEWISE_H
#define FA_ALGO_PIECEWISE_H

/* ---- relu6, hardtanh ----
 * relu6(x) = min(relu(x), 6): relu as fa_relu_vf (+0 for x <= 0, NaN kept),
 * then min(6, r) returns r unless r > 6 (NaN propagates).
 * hardtanh(x; lo, hi) = min(hi, max(lo, x)): x is kept unless it is strictly
 * outside [lo, hi] (the bounds are the parameters rounded to the dtype; the
 * caller checks lo <= hi). */
FA_INLINE vf fa_relu6_vf(vf x)
{
    return vf_min(vf_set1(6.0f), vf_sel(vf_le(x, vf_zero()), vf_zero(), x));
}

FA_INLINE vd fa_relu6_vd(vd x)
{
    return vd_min(vd_set1(6.0), vd_sel(vd_le(x, vd_zero()), vd_zero(), x));
}

FA_INLINE vf fa_hardtanh_vf(vf x, vf lo, vf hi) { return vf_min(hi, vf_max(lo, x)); }

FA_INLINE vd fa_hardtanh_vd(vd x, vd lo, vd hi) { return vd_min(hi, vd_max(lo, x)); }

/* ---- hardsigmoid, hardswish ----
 * hardsigmoid(x) = h = (xc + 3) / 6 with xc = x clamped to [-3, 3] (NaN kept);
 * hardswish(x) = x h (xc h for |x| <= 3, x for x > 3, -0 for x < -3).
 * Computing (x + 3) * fl(1/6) rounds three times (x + 3, the constant, the
 * product: up to ~1.5 ulp, and fma(x, 1/6, 0.5) loses all relative accuracy
 * near x = -3).  Instead h is carried exactly as q + t/6:
 *   s + e = xc + 3            (Fast2Sum, |3| >= |xc|: e exact)
 *   q = fl(s * c6), c6 = fl(1/6)
 *   r = s - 6q                (exact: one FMA, or (s - 4q) - 2q by Sterbenz
 *                              twice, q being within 2 ulp of s/6)
 *   t = r + e                 (h = q + t/6 exactly; t is below 2 ulp(q))
 *   hardsigmoid = fl(q + t c6)              (one FMA: the correction's own
 *                                            error is ~2^-23 of an ulp)
 *   hardswish   = fma(xm, q, xc (t c6)), xm = max(x, -3): xc h rounded once
 *                 (x > 3: q = 1, t = 0, so x * 1 + 3 * 0 = x, also for +inf;
 *                 x <= -3: -3 * 0 + -0 = -0)
 * so both round once up to ~2^-20 ulp: <= 0.5 ulp except next to midpoints.
 * Without FMA r uses the Sterbenz form, hardswish Dekker's product xc q =
 * p + pl and y = p + (xc c + pl), x > 3 selected (x would overflow the
 * split), the sign of x put back (pl of an underflowing product may have
 * either sign); fma(t, c6, q) then rounds the tiny product first, ~2^-23 ulp
 * more.  No subnormal h (s >= 2^-22 or 0); hardswish of a
 * subnormal x rounds p once (pl is then inexact, below 2^-149). */
FA_INLINE vf fa_hsig_parts_f32(vf xc, vf *t)
{
    const vf three = vf_set1(3.0f), c6 = vf_set1(1.0f / 6.0f);
    vf s = vf_add(xc, three);
    vf e = vf_sub(xc, vf_sub(s, three));
    vf q = vf_mul(s, c6);
#if FA_HAS_FMA
    vf r = vf_fnma(q, vf_set1(6.0f), s);
#else
    vf r = vf_sub(vf_sub(s, vf_mul(q, vf_set1(4.0f))), vf_add(q, q));
#endif
    *t = vf_add(r, e);
    return q;
}

FA_INLINE vf fa_hardsigmoid_vf(vf x)
{
    vf xc = vf_min(vf_set1(3.0f), vf_max(vf_set1(-3.0f), x));
    vf t, q = fa_hsig_parts_f32(xc, &t);
    return vf_fma(t, vf_set1(1.0f / 6.0f), q);
}

FA_INLINE vf fa_hardswish_vf(vf x)
{
    vf xm = vf_max(vf_set1(-3.0f), x);
    vf xc = vf_min(vf_set1(3.0f), xm);
    vf t, q = fa_hsig_parts_f32(xc, &t);
    vf c = vf_mul(t, vf_set1(1.0f / 6.0f));
#if FA_HAS_FMA
    return vf_fma(xm, q, vf_mul(xc, c)); /* x > 3: x * 1 + 3 * 0 */
#else
    vf pl, p = fa_two_prod_f32(xc, q, &pl);
    /* Dekker's pl of an underflowing product may have either sign: hardswish has the sign of x */
    vf y = vf_orsign(vf_abs(vf_add(p, vf_fma(xc, c, pl))), x);
    return vf_sel(vf_gt(x, vf_set1(3.0f)), x, y);
#endif
}

FA_INLINE vd fa_hsig_parts_f64(vd xc, vd *t)
{
    const vd three = vd_set1(3.0), c6 = vd_set1(1.0 / 6.0);
    vd s = vd_add(xc, three);
    vd e = vd_sub(xc, vd_sub(s, three));
    vd q = vd_mul(s, c6);
#if FA_HAS_FMA
    vd r = vd_fnma(q, vd_set1(6.0), s);
#else
    vd r = vd_sub(vd_sub(s, vd_mul(q, vd_set1(4.0))), vd_add(q, q));
#endif
    *t = vd_add(r, e);
    return q;
}

FA_INLINE vd fa_hardsigmoid_vd(vd x)
{
    vd xc = vd_min(vd_set1(3.0), vd_max(vd_set1(-3.0), x));
    vd t, q = fa_hsig_parts_f64(xc, &t);
    return vd_fma(t, vd_set1(1.0 / 6.0), q);
}

FA_INLINE vd fa_hardswish_vd(vd x)
{
    vd xm = vd_max(vd_set1(-3.0), x);
    vd xc = vd_min(vd_set1(3.0), xm);
    vd t, q = fa_hsig_parts_f64(xc, &t);
    vd c = vd_mul(t, vd_set1(1.0 / 6.0));
#if FA_HAS_FMA
    return vd_fma(xm, q, vd_mul(xc, c));
#else
    vd pl, p = fa_two_prod_f64(xc, q, &pl);
    vd y = vd_orsign(vd_abs(vd_add(p, vd_fma(xc, c, pl))), x);
    return vd_sel(vd_gt(x, vd_set1(3.0)), x, y);
#endif
}

/* ---- softsign ----
 * softsign(x) = x / (1 + |x|), two roundings (1 + |x| and the quotient).
 * |x| is clamped at 2^26 (float) / 2^55 (double), where the result rounds to
 * +-1 (1/(1 + |x|) is below a quarter ulp of 1), so +-inf give +-1 instead
 * of inf/inf and 1 + |x| never overflows. */
FA_INLINE vf fa_softsign_vf(vf x)
{
    const vf big = vf_set1(0x1p26f);
    vf xc = vf_min(big, vf_max(vf_neg(big), x));
    return vf_div(xc, vf_add(vf_set1(1.0f), vf_abs(xc)));
}

FA_INLINE vd fa_softsign_vd(vd x)
{
    const vd big = vd_set1(0x1p55);
    vd xc = vd_min(big, vd_max(vd_neg(big), x));
    return vd_div(xc, vd_add(vd_set1(1.0), vd_abs(xc)));
}

#endif /* FA_ALGO_PIECEWISE_H */
