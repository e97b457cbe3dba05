/*
 * fa_algo_gated_bwd.h - the gradients of the gated forms (fa_ops.h
 * FA_GATED_OPS), in double: from dy (the output's gradient) and the halves
 * a, b of x, the gradients da, db of both halves (float32 and 16-bit data
 * are converted to double lanes, computed here and rounded once):
 *   glu          da = dy s(b)               db = dy a s(b) s(-b)
 *   swiglu       da = dy b silu'(a)         db = dy silu(a)
 *                silu'(a) = s(a) (1 + a s(-a))
 *   geglu        da = dy b gelu'(a)         db = dy gelu(a)
 *                gelu'(a) = Phi(a) + a phi(a), Phi(a) = gelu(a) / a (a != 0)
 *   geglu_tanh   da = dy b g'(a)            db = dy gelu_tanh(a)
 *                g(x) = x s(t), t = k (x + c x^3), g' = s(t) + x s(t) s(-t) k (1 + 3 c x^2)
 *   reglu        da = a <= 0 ? +0 : dy b    db = dy relu(a)
 * with s = sigmoid: s(-b) is 1 - s(b) without its cancellation (s(b) s(-b) =
 * e / (1 + e)^2 keeps full relative accuracy for large |b|).  The
 * activations are fa_sigmoid_vd / fa_silu_vd / fa_gelu_vd /
 * fa_gelu_tanh_vd (fa_algo_f64.h).  Near the zeros of silu' (a = -1.2785)
 * and gelu' (a = -0.7518) the sum 1 + a s(-a) (Phi + a phi) cancels: in
 * float32 the double evaluation leaves that far below 1 ulp; in float64 the
 * relative error grows as the derivative approaches 0 (docs/accuracy.md).
 * reglu's da is +0 where a <= 0 (PyTorch's threshold_backward), and both of
 * its gradients are one rounding.  Special values: NaN propagates; the
 * derivatives' limits at +-inf are used; an infinite dy or other half times
 * a derivative that underflows to 0 in double (the tanh form's for a < -20)
 * is NaN (inf * 0).
 */
#ifndef FA_ALGO_GATED_BWD_H
#define FA_ALGO_GATED_BWD_H

#define FA_GBWD_INV_SQRT_2PI 0.39894228040143267794

FA_INLINE vd fa_gbwd_phi_vd(vd a)
{
    /* phi(a) = e^(-a^2/2) / sqrt(2 pi), -a^2/2 split exactly; |a| clamped at 40 (phi = 0 there) */
    vd ac = vd_min(vd_set1(40.0), vd_abs(a));
    vd lo, hi = fa_two_prod_f64(ac, ac, &lo);
    vd n, p = fa_exp_core2_f64(vd_mul(hi, vd_set1(-0.5)), vd_mul(lo, vd_set1(-0.5)), &n);
    return vd_mul(vd_ldexp(p, n), vd_set1(FA_GBWD_INV_SQRT_2PI));
}

FA_INLINE void fa_gbwd_vd(int op, vd dy, vd a, vd b, vd *da, vd *db)
{
    switch (op) {
    case FA_OP_GLU: {
        vd s = fa_sigmoid_vd(b), sn = fa_sigmoid_vd(vd_neg(b));
        *da = vd_mul(dy, s);
        *db = vd_mul(vd_mul(dy, a), vd_mul(s, sn));
        break;
    }
    case FA_OP_SWIGLU: {
        vd s = fa_sigmoid_vd(a), sn = fa_sigmoid_vd(vd_neg(a));
        vd d = vd_mul(s, vd_fma(a, sn, vd_set1(1.0)));
        d = vd_sel(vd_lt(a, vd_set1(-745.0)), vd_zero(), d); /* s(a) = 0: a * sn would be -inf * 1 */
        *da = vd_mul(vd_mul(dy, b), d);
        *db = vd_mul(dy, fa_silu_vd(a));
        break;
    }
    case FA_OP_GEGLU: {
        vd g = fa_gelu_vd(a);
        vd Phi = vd_sel(vd_lt(vd_abs(a), vd_set1(1e-300)), vd_set1(0.5), vd_div(g, a));
        Phi = vd_sel(vd_gt(a, vd_set1(40.0)), vd_set1(1.0), vd_sel(vd_lt(a, vd_set1(-40.0)), vd_zero(), Phi));
        vd d = vd_fma(a, fa_gbwd_phi_vd(a), Phi);
        d = vd_sel(vd_lt(a, vd_set1(-40.0)), vd_zero(), vd_sel(vd_gt(a, vd_set1(40.0)), vd_set1(1.0), d));
        *da = vd_mul(vd_mul(dy, b), d);
        *db = vd_mul(dy, g);
        break;
    }
    case FA_OP_GEGLU_TANH: {
        const vd k = vd_set1(1.5957691216057307117597842397375), c = vd_set1(0.044715);
        vd ac = vd_max(vd_set1(-1e100), vd_min(vd_set1(1e100), a)); /* t finite */
        vd a2 = vd_mul(ac, ac);
        vd t = vd_mul(k, vd_fma(vd_mul(c, a2), ac, ac));
        vd s = fa_sigmoid_vd(t), sn = fa_sigmoid_vd(vd_neg(t));
        vd dt = vd_mul(k, vd_fma(vd_mul(vd_set1(3.0), c), a2, vd_set1(1.0)));
        vd d = vd_fma(vd_mul(ac, vd_mul(s, sn)), dt, s);
        /* |a| >= 1e100 (not NaN: it keeps d, NaN): the limits 1 and 0 */
        d = vd_sel(vd_le(vd_set1(1e100), vd_abs(a)), vd_sel(vd_gt(a, vd_zero()), vd_set1(1.0), vd_zero()), d);
        *da = vd_mul(vd_mul(dy, b), d);
        *db = vd_mul(dy, fa_gelu_tanh_vd(a));
        break;
    }
    default: { /* FA_OP_REGLU */
        vd r = fa_relu_vd(a);
        *da = vd_sel(vd_le(a, vd_zero()), vd_zero(), vd_mul(dy, b)); /* NaN a: dy b, as PyTorch */
        *db = vd_mul(dy, r);
        break;
    }
    }
}

#endif /* FA_ALGO_GATED_BWD_H */
