/*
 * fa_rows.inc.h - the row kernels of one ISA: softmax and log_softmax on one
 * contiguous row, and the part/fix kernels of blocked long rows.
 *
 * Included by fa_kernels.inc.h (after the primitives and the algorithms),
 * which wraps the typed functions defined here, fa_<op>_row_<dt>,
 * fa_<op>_part_<dt> and fa_<op>_fix_<dt>, into the table's entry points.
 * Tails use masked (or buffered) loads and stores and the same vector code.
 */
/* The last pass of softmax (y *= a, in place on the stored exponentials) and
 * of log_softmax (y = (x - a) - b), for whole rows and for blocks of long
 * rows alike. */
#define FA_ROW_FIX_KERNELS(dt, T, V, N)                                                         \
    static void fa_softmax_fix_##dt(const T *x, T *y, size_t n, T a, T b)                                     \
    {                                                                                           \
        const V va = V##_set1(a);                                                               \
        size_t i = 0;                                                                           \
        (void)x;                                                                                \
        (void)b;                                                                                \
        for (; i + N <= n; i += N) V##_store(y + i, V##_mul(V##_load(y + i), va));              \
        if (i < n) V##_store_n(y + i, V##_mul(V##_load_n(y + i, n - i), va), n - i);            \
    }                                                                                           \
    static void fa_log_softmax_fix_##dt(const T *x, T *y, size_t n, T a, T b)                                 \
    {                                                                                           \
        const V vm = V##_set1(a), vl = V##_set1(b);                                             \
        size_t i = 0;                                                                           \
        for (; i + N <= n; i += N) V##_store(y + i, V##_sub(V##_sub(V##_load(x + i), vm), vl)); \
        if (i < n) V##_store_n(y + i, V##_sub(V##_sub(V##_load_n(x + i, n - i), vm), vl), n - i); \
    }

FA_ROW_FIX_KERNELS(f32, float, vf, VF_N)
FA_ROW_FIX_KERNELS(f64, double, vd, VD_N)

/* ---------------- softmax / log_softmax ----------------
 * Three passes over one row: m = max(x) (and the minimum lo); s = sum of the
 * terms (float32: pairs in float, then double; float64: per-lane
 * compensated); then
 *   softmax:     y = term * (1/s)          (terms stored in y by pass 2)
 *   log_softmax: y = (x - m) - log1p(s - 1)
 * The terms never carry the rounding error of x - m, whose amplification
 * by |x - m| (0.5 ulp of x - m times |x - m|) made outputs far below the
 * maximum lose up to ~60 (float32) / ~500 (float64) ulp: either e^x 2^-K
 * (the scaled form, no subtraction; see fa_expk_f32) or e^(x - m) with the
 * two-sum error of x - m carried into the reduced argument (the relative
 * form, fa_expm_f32).  Measured: every softmax output within 2.5 (float32) /
 * 3.1 (float64) ulp, rows of 1e3..1e6, any |x - m|, every level.
 * Special rows fall out of the arithmetic, as in PyTorch: a NaN or +inf in a
 * row, or a row of only -inf, make a term NaN somewhere, so s and the whole
 * row are NaN.  The summation order is fixed per row (bitwise reproducible
 * for any thread count). */

/* Row maximum (NaN handling is not needed: a NaN element makes its own
 * x - m NaN).  Four accumulators: max has a latency of several cycles.
 * fa_rowmaxmin_* also gives the minimum (one more op per vector), which
 * tells the float32 sum loop whether any term can fall below the fast
 * exponential's range (see fa_expsum_f32). */
#define FA_ROWMAX(dt, T, V, N)                                                                  \
    FA_INLINE T fa_rowmaxmin_##dt(const T *x, size_t n, T *mn, int want_min)                    \
    {                                                                                           \
        size_t i = 0;                                                                           \
        T m = -INFINITY, lo = INFINITY;                                                         \
        if (n >= 4 * N) {                                                                       \
            V m0 = V##_load(x), m1 = V##_load(x + N), m2 = V##_load(x + 2 * N);                 \
            V m3 = V##_load(x + 3 * N);                                                         \
            V l0 = m0, l1 = m1, l2 = m2, l3 = m3;                                               \
            for (i = 4 * N; i + 4 * N <= n; i += 4 * N) {                                       \
                V a0 = V##_load(x + i), a1 = V##_load(x + i + N);                               \
                V a2 = V##_load(x + i + 2 * N), a3 = V##_load(x + i + 3 * N);                   \
                m0 = V##_max(m0, a0);                                                           \
                m1 = V##_max(m1, a1);                                                           \
                m2 = V##_max(m2, a2);                                                           \
                m3 = V##_max(m3, a3);                                                           \
                if (want_min) {                                                                 \
                    l0 = V##_min(l0, a0);                                                       \
                    l1 = V##_min(l1, a1);                                                       \
                    l2 = V##_min(l2, a2);                                                       \
                    l3 = V##_min(l3, a3);                                                       \
                }                                                                               \
            }                                                                                   \
            for (; i + N <= n; i += N) {                                                        \
                V a0 = V##_load(x + i);                                                         \
                m0 = V##_max(m0, a0);                                                           \
                if (want_min) l0 = V##_min(l0, a0);                                             \
            }                                                                                   \
            m = V##_hmax(V##_max(V##_max(m0, m1), V##_max(m2, m3)));                            \
            if (want_min) lo = -V##_hmax(V##_neg(V##_min(V##_min(l0, l1), V##_min(l2, l3))));   \
        } else if (n >= N) {                                                                    \
            V vm = V##_load(x), vl = vm;                                                        \
            for (i = N; i + N <= n; i += N) {                                                   \
                V a0 = V##_load(x + i);                                                         \
                vm = V##_max(vm, a0);                                                           \
                if (want_min) vl = V##_min(vl, a0);                                             \
            }                                                                                   \
            m = V##_hmax(vm);                                                                   \
            if (want_min) lo = -V##_hmax(V##_neg(vl));                                          \
        }                                                                                       \
        for (; i < n; i++) {                                                                    \
            m = x[i] > m ? x[i] : m;                                                            \
            lo = x[i] < lo ? x[i] : lo;                                                         \
        }                                                                                       \
        *mn = lo;                                                                               \
        return m;                                                                               \
    }                                                                                           \
    FA_INLINE T fa_rowmax_##dt(const T *x, size_t n)                                            \
    {                                                                                           \
        T lo;                                                                                   \
        return fa_rowmaxmin_##dt(x, n, &lo, 0);                                                 \
    }
FA_ROWMAX(f32, float, vf, VF_N)
FA_ROWMAX(f64, double, vd, VD_N)

/* e^(v - m), v <= m (m finite, v NaN gives NaN).  The rounding error dl of
 * d = v - m (two-sum) is carried into the reduced argument: without it the
 * relative error of e^d grows with |d| (0.5 ulp of d times |d|: ~60 ulp at
 * |d| = 100); with it every term keeps the exp's accuracy.  e = fma(pm1, s,
 * s) with s = 2^k from the shifter bits, for d >= -87 (k >= -126); vectors
 * with a lane below -87 (terms under 2^-125.5, subnormal from -87.34) take
 * fa_expm_tail_f32 for those lanes: clamp at -112 (rounds to 0), the carried
 * term zeroed below -103 (where v may be -inf), two-factor ldexp (gradual
 * underflow). */
FA_INLINE vf fa_expm_tail_f32(vf d, vf dl)
{
    vf k, p;
    dl = vf_sel(vf_lt(d, vf_set1(-103.0f)), vf_zero(), dl);
    p = fa_exp_core2_f32(vf_max(vf_set1(-112.0f), d), dl, &k);
    return vf_ldexp(p, k);
}
/* checked = 0: the caller knows d >= -87 in every lane (row minimum), no
 * test per vector. */
FA_INLINE vf fa_expm_f32(vf v, vf m, int checked)
{
    vf dl, d = fa_two_diff_f32(v, m, &dl);
    vf s, pm1 = fa_exp4_split2_f32(d, dl, vf_set1(FA_SHIFT_F32), &s);
    vf e = vf_fma(pm1, s, s);
    if (checked) {
        vfm t = vf_lt(d, vf_set1(-87.0f));
        if (FA_UNLIKELY(vf_any(t))) e = vf_sel(t, fa_expm_tail_f32(d, dl), e);
    }
    return e;
}


/* (s0, s1) += the lanes of e, in double */
FA_INLINE void fa_acc_f32_in_f64(vd *s0, vd *s1, vf e)
{
    *s0 = vd_add(*s0, vf_lo_to_vd(e));
    *s1 = vd_add(*s1, vf_hi_to_vd(e));
}

/* The row kernels' exponentials come in two forms.
 *
 * Scaled (the one-row kernels, when every |x| <= 350 and x - m >= -87):
 * e_i = e^(x_i) 2^-K with K = round(m log2e), i.e. the elementwise exp of
 * x itself (no subtraction, so nothing to carry) with the quarter-step
 * shifter sum moved by -4K: s = 2^(q/4 - K) comes from the same bits
 * (fa_expk_f32, fa_exp4_splitk_f32).  e_i equals
 * e^(x_i - m) times the row constant e^(m - K ln2), which cancels in
 * softmax's e_i / sum e_j; log_softmax divides it out in double (Em below).
 *
 * Relative (long-row blocks, and rows out of that range): e^(x - m) by
 * fa_expm_f32, d = x - m carried as a two-sum (checked = 1 when some lane
 * may fall below -87, for the tail there). */
FA_INLINE vf fa_expk_f32(vf v, vf shk)
{
    vf s, pm1 = fa_exp4_splitk_f32(v, shk, &s);
    return vf_fma(pm1, s, s);
}

/* mode: 0 scaled (shk = SHIFT - 4K), 1 relative unchecked, 2 relative checked */
FA_INLINE vf fa_rowexp_f32(vf v, vf vm, vf shk, int mode)
{
    return mode == 0 ? fa_expk_f32(v, shk) : fa_expm_f32(v, vm, mode == 2);
}

/* the first r <= VF_N terms at x, 0 in the other lanes */
FA_INLINE vf fa_rowexp_n_f32(const float *x, size_t r, vf vm, vf shk, int mode)
{
    float buf[VF_N];
    vf_store(buf, fa_rowexp_f32(vf_load_n(x, r), vm, shk, mode == 1 ? 2 : mode));
    return vf_load_n(buf, r);
}

/* The row's form: 0 scaled when every |x| <= 350 (k ln2_hi exact) and
 * x - m >= -87 (2^(k - K) normal), 1 relative when x - m >= -87, else 2.
 * lo = row minimum (NaN rows take any form: NaN propagates in each). */
FA_INLINE int fa_rowmode_f32(float m, float lo)
{
    if (!(lo - m >= -87.0f))
        return 2;
    return (m <= 350.0f && lo >= -350.0f) ? 0 : 1;
}
FA_INLINE float fa_rowshk_f32(float m)
{
    return FA_SHIFT_F32 - 4.0f * (float)nearbyint((double)m * FA_LOG2E_F64);
}

/* sum of the terms over the row; if y != NULL the terms are stored in y.
 * Pairs of vectors are added in float (one rounding, relative 2^-24 at
 * most per term), then accumulated in double.  If mx != NULL the row's
 * maximum and minimum are found on the way (*mx, *mn; a NaN element may be
 * missed there, but it makes the sum NaN). */
FA_INLINE double fa_expsum_f32_loop(const float *x, float *y, size_t n, float m, float shkf, int mode,
                                    float *mx, float *mn)
{
    const vf vm = vf_set1(m), shk = vf_set1(shkf);
    vd s0 = vd_zero(), s1 = vd_zero();
    vf hi = vf_set1(-INFINITY), lw = vf_set1(INFINITY);
    float hs = -INFINITY, ls = INFINITY;
    size_t i = 0;
    for (; i + 2 * VF_N <= n; i += 2 * VF_N) {
        FA_PREFETCH(x + i + n); /* the next row (or block), while this one computes */
        FA_PREFETCH(x + i + n + VF_N);
        vf v0 = vf_load(x + i), v1 = vf_load(x + i + VF_N);
        vf e0 = fa_rowexp_f32(v0, vm, shk, mode);
        vf e1 = fa_rowexp_f32(v1, vm, shk, mode);
        if (mx) {
            hi = vf_max(hi, vf_max(v0, v1));
            lw = vf_min(lw, vf_min(v0, v1));
        }
        if (y) {
            vf_store(y + i, e0);
            vf_store(y + i + VF_N, e1);
        }
        fa_acc_f32_in_f64(&s0, &s1, vf_add(e0, e1));
    }
    for (; i < n; i += VF_N) { /* at most one vector and a tail */
        size_t r = n - i < VF_N ? n - i : VF_N;
        vf e = fa_rowexp_n_f32(x + i, r, vm, shk, mode);
        if (y) vf_store_n(y + i, e, r);
        fa_acc_f32_in_f64(&s0, &s1, e);
        if (mx)
            for (size_t j = 0; j < r; j++) {
                hs = x[i + j] > hs ? x[i + j] : hs;
                ls = x[i + j] < ls ? x[i + j] : ls;
            }
    }
    if (mx) {
        float h = vf_hmax(hi), l = -vf_hmax(vf_neg(lw));
        *mx = h > hs ? h : hs;
        *mn = l < ls ? l : ls;
    }
    return vd_hsum(vd_add(s0, s1));
}

/* relative form (the long-row part kernel): sum e^(x - m) */
FA_INLINE double fa_expsum_f32(const float *x, float *y, size_t n, float m, float lo)
{
    if (lo - m >= -87.0f) /* false for NaN, -inf */
        return fa_expsum_f32_loop(x, y, n, m, 0.0f, 1, NULL, NULL);
    return fa_expsum_f32_loop(x, y, n, m, 0.0f, 2, NULL, NULL);
}

/* Two passes instead of three for most rows: the scaled terms with K0 from
 * the first vector's maximum m0 (shifter SHIFT - 4 K0), the row's maximum m
 * and minimum found in the same pass.  If the row is one the three-pass
 * kernel scales (fa_rowmode_f32 = 0, K = round(m log2e)) and every term is
 * normal under both K0 and K, then e_i(K0) = e_i(K) 2^(K - K0) exactly (the
 * reduced argument does not depend on K, and scaling a normal rounded
 * result by a power of two is exact), and so are the sum and 1/s: the
 * outputs are bit for bit the three-pass ones at the FMA levels (SSE2 and
 * scalar round the product pm1 s separately, so where it is subnormal, in
 * outputs below ~2^-120, the last bit may differ).  Returns 0 (y to be
 * recomputed from x) otherwise: rows wider than ~60 above x's first
 * vector, |x| > 350, NaN or inf.  The caller keeps in-place rows (y
 * overlapping x) on three passes: this pass overwrites y before it knows. */
FA_INLINE int fa_softmax_row2_f32(const float *x, float *y, size_t n)
{
    const double ln2 = FA_LN2_HI_F64 + FA_LN2_LO_F64;
    float m0 = vf_hmax(vf_load(x)), m, lo;
    double s, k0, k;
    if (!(m0 <= 350.0f && m0 >= -350.0f))
        return 0;
    s = fa_expsum_f32_loop(x, y, n, 0.0f, fa_rowshk_f32(m0), 0, &m, &lo);
    k0 = nearbyint((double)m0 * FA_LOG2E_F64);
    k = nearbyint((double)m * FA_LOG2E_F64);
    if (fa_rowmode_f32(m, lo) != 0 || !(s < INFINITY) || /* NaN s: a NaN in the row */
        (double)lo - k * ln2 < -87.0 || (double)lo - k0 * ln2 < -87.0 || (double)m - k0 * ln2 > 60.0)
        return 0;
    fa_softmax_fix_f32(x, y, n, (float)(1.0 / s), 0.0f);
    return 1;
}

/* softmax: y = e_i * (1/s); the scaled form's common factor cancels */
static void fa_softmax_row_f32(const float *x, float *y, size_t n)
{
    float lo, m;
    int mode;
    double s;
    uintptr_t xa = (uintptr_t)x, ya = (uintptr_t)y, nb = n * sizeof(float);
    if (n >= 2 * VF_N && (ya >= xa + nb || xa >= ya + nb) && fa_softmax_row2_f32(x, y, n))
        return;
    m = fa_rowmaxmin_f32(x, n, &lo, 1);
    mode = fa_rowmode_f32(m, lo);
    if (mode == 0)
        s = fa_expsum_f32_loop(x, y, n, m, fa_rowshk_f32(m), 0, NULL, NULL);
    else
        s = fa_expsum_f32_loop(x, y, n, m, 0.0f, mode, NULL, NULL);
    fa_softmax_fix_f32(x, y, n, (float)(1.0 / s), 0.0f);
}

/* sum of e^(x - m) minus one maximum: the maxima (at least one) are counted
 * instead of summed, so s - 1 = (count - 1) + sum(others) keeps full
 * relative precision when one logit dominates.  Relative form: the terms
 * equal to 1 are counted; scaled form: the x equal to m are counted and the
 * sum of the others is divided by Em = e^(m - K ln2) (libm, in double), so
 * the result is the relative one up to the terms' own rounding.  NaN terms
 * are summed (NaN propagates). */
FA_INLINE double fa_expsum1_f32_loop(const float *x, float *ypf, size_t n, float m, float shkf, int mode)
{
    const vf vm = vf_set1(m), one = vf_set1(1.0f), shk = vf_set1(shkf);
    vd s0 = vd_zero(), s1 = vd_zero();
    size_t i = 0, cnt = 0; /* maxima, counted on the scalar ports */
    double st = 0.0;
    for (; i + 2 * VF_N <= n; i += 2 * VF_N) { /* pairs added in float, as fa_expsum_f32 */
        FA_PREFETCH(x + i + n);
        FA_PREFETCH(x + i + n + VF_N);
        FA_PREFETCH_W(ypf + i); /* y is written by the last pass */
        FA_PREFETCH_W(ypf + i + VF_N);
        vf v0 = vf_load(x + i), v1 = vf_load(x + i + VF_N);
        vf e0 = fa_rowexp_f32(v0, vm, shk, mode), e1 = fa_rowexp_f32(v1, vm, shk, mode);
        vfm g0 = mode == 0 ? vf_le(vm, v0) : vf_le(one, e0);
        vfm g1 = mode == 0 ? vf_le(vm, v1) : vf_le(one, e1);
        vf el = vf_add(vf_sel(g0, vf_zero(), e0), vf_sel(g1, vf_zero(), e1));
        cnt += (size_t)(vf_mcount(g0) + vf_mcount(g1));
        fa_acc_f32_in_f64(&s0, &s1, el);
    }
    for (; i < n; i += VF_N) { /* at most one vector and a tail: per element */
        size_t r = n - i < VF_N ? n - i : VF_N, j;
        float eb[VF_N];
        vf_store(eb, fa_rowexp_n_f32(x + i, r, vm, shk, mode));
        for (j = 0; j < r; j++) {
            if (mode == 0 ? x[i + j] >= m : eb[j] >= 1.0f)
                cnt++;
            else
                st += (double)eb[j];
        }
    }
    st += vd_hsum(vd_add(s0, s1));
    if (mode == 0) { /* Em = e^m 2^-K = e^(m - K ln2), the scaled term of the maximum */
        double K = 0.25 * ((double)FA_SHIFT_F32 - (double)shkf);
        st /= exp(((double)m - K * FA_LN2_HI_F64) - K * FA_LN2_LO_F64);
    }
    return ((double)cnt - 1.0) + st;
}

/* relative form (the long-row part kernel) */
FA_INLINE double fa_expsum1_f32(const float *x, float *ypf, size_t n, float m, float lo)
{
    if (lo - m >= -87.0f)
        return fa_expsum1_f32_loop(x, ypf, n, m, 0.0f, 1);
    return fa_expsum1_f32_loop(x, ypf, n, m, 0.0f, 2);
}

/* log_softmax: y = (x - m) - log(s), s = 1 + s1 (fa_expsum1_f32), so
 * log(s) = log1p(s1) keeps full relative precision when one logit
 * dominates (y ~ -s1 near 0).  Both
 * terms of y are <= 0 and >= 0 resp.: the subtraction adds magnitudes
 * (no cancellation), <= 1.5 ulp in float. */
static void fa_log_softmax_row_f32(const float *x, float *y, size_t n)
{
    float lo, m = fa_rowmaxmin_f32(x, n, &lo, 1);
    int mode = fa_rowmode_f32(m, lo);
    double s1 = fa_expsum1_f32_loop(x, y, n, m, mode == 0 ? fa_rowshk_f32(m) : 0.0f, mode);
    if (!(m < INFINITY)) s1 = (double)NAN; /* NaN or +inf in the row: NaN row */
    fa_log_softmax_fix_f32(x, y, n, m, (float)log1p(s1));
}

/* e^(v - m), v <= m: as fa_expm_f32, the rounding error of d = v - m
 * (two-sum) carried into the reduced argument; e = fma(pm1, s, s) for
 * d >= -708.  checked = 1 (a row whose minimum is below m - 708, or -inf /
 * NaN): lanes below -708 take the tail, from the same k and pm1: d clamped
 * at -760 (rounds to 0), the carried term zeroed below -745 (v may be
 * -inf), e = (1 + pm1) 2^k by the two-factor ldexp (gradual underflow). */
FA_INLINE vd fa_expm_f64(vd v, vd m, int checked)
{
    vd dl, d = fa_two_diff_f64(v, m, &dl);
    vd s, k, pm1, e;
    vdm t = vd_lt(d, vd_set1(-708.0));
    if (checked) {
        dl = vd_sel(vd_lt(d, vd_set1(-745.0)), vd_zero(), dl);
        d = vd_max(vd_set1(-760.0), d);
    }
    pm1 = fa_exp_split2_f64(d, dl, &s, &k);
    e = vd_fma(pm1, s, s);
    if (checked) e = vd_sel(t, vd_ldexp(vd_add(pm1, vd_set1(1.0)), k), e);
    return e;
}

/* Neumaier-compensated running total: *s + *c accumulates v. */
FA_INLINE void fa_acc_f64(double *s, double *c, double v)
{
    double t = *s + v;
    *c += (fabs(*s) >= fabs(v)) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* Scaled form (see fa_expk_f32): e^(x) 2^-K, for every |x| <= 1400 (k
 * ln2_hi exact, 42 + 11 bits) and x - m >= -708. */
FA_INLINE vd fa_expk_f64(vd v, vd shk)
{
    vd kb = vd_fma(v, vd_set1(FA_LOG2E_F64), shk);
    vd k = vd_sub(kb, shk);
    vd r = vd_fnma(k, vd_set1(FA_LN2_HI_F64), v);
    vd s = vd_pow2_bits(kb), pm1 = fa_exp_pm1_f64(vd_fnma(k, vd_set1(FA_LN2_LO_F64), r));
    return vd_fma(pm1, s, s);
}
FA_INLINE vd fa_rowexp_f64(vd v, vd vm, vd shk, int mode)
{
    return mode == 0 ? fa_expk_f64(v, shk) : fa_expm_f64(v, vm, mode == 2);
}
FA_INLINE int fa_rowmode_f64(double m, double lo)
{
    if (!(lo - m >= -708.0))
        return 2;
    return (m <= 1400.0 && lo >= -1400.0) ? 0 : 1;
}
FA_INLINE double fa_rowshk_f64(double m)
{
    return (0x1.8p52 + 1023.0) - nearbyint(m * FA_LOG2E_F64);
}

/* (*acc, *cmp) += v per lane, compensated: terms and sums are >= 0 (or NaN),
 * so the ordered fast two-sum (hi = max, lo = min) gives the exact rounding
 * error of each addition; the error left in the sum is that of the pair
 * additions e0 + e1 alone (<= 2^-53 relative). */
FA_INLINE void fa_acc2_f64(vd *acc, vd *cmp, vd v)
{
    vd hi = vd_max(*acc, v), lo = vd_min(*acc, v);
    vd t = vd_add(hi, lo);
    *cmp = vd_add(*cmp, vd_add(vd_sub(hi, t), lo));
    *acc = t;
}

/* sum of e^(x - m) (stored in y if y != NULL): pairs of vectors are added,
 * then accumulated per lane with compensation (fa_acc2_f64); the lanes of
 * each block of up to 128 vectors are added with compensation, so the error
 * does not grow with the row length (also on the one-lane scalar level). */
FA_INLINE double fa_expsum_f64_loop(const double *x, double *y, size_t n, double m, double shkd, int mode)
{
    const vd vm = vd_set1(m), shk = vd_set1(shkd);
    double s = 0.0, c = 0.0;
    size_t i = 0;
    while (i + 2 * VD_N <= n) {
        size_t end = n - i > 128 * VD_N ? i + 128 * VD_N : n;
        vd acc = vd_zero(), cmp = vd_zero();
        double la[VD_N], lc[VD_N];
        for (; i + 2 * VD_N <= end; i += 2 * VD_N) {
            FA_PREFETCH(x + i + n); /* the next row (or block) */
            FA_PREFETCH(x + i + n + VD_N);
            vd e0 = fa_rowexp_f64(vd_load(x + i), vm, shk, mode);
            vd e1 = fa_rowexp_f64(vd_load(x + i + VD_N), vm, shk, mode);
            if (y) {
                vd_store(y + i, e0);
                vd_store(y + i + VD_N, e1);
            }
            fa_acc2_f64(&acc, &cmp, vd_add(e0, e1));
        }
        vd_store(la, acc);
        vd_store(lc, cmp);
        for (size_t j = 0; j < VD_N; j++) {
            fa_acc_f64(&s, &c, la[j]);
            c += lc[j];
        }
    }
    for (; i < n; i += VD_N) {
        size_t r = n - i < VD_N ? n - i : VD_N;
        double buf[VD_N];
        vd e = fa_rowexp_f64(r == VD_N ? vd_load(x + i) : vd_load_n(x + i, r), vm, shk, mode == 1 ? 2 : mode);
        vd_store(buf, e);
        if (y) {
            if (r == VD_N)
                vd_store(y + i, e);
            else
                vd_store_n(y + i, e, r);
        }
        for (size_t j = 0; j < r; j++) fa_acc_f64(&s, &c, buf[j]);
    }
    return s + c;
}

/* See fa_expsum_f32: the unchecked loop when the row minimum keeps every
 * d >= -708. */
FA_INLINE double fa_expsum_f64(const double *x, double *y, size_t n, double m, double lo)
{
    if (lo - m >= -708.0)
        return fa_expsum_f64_loop(x, y, n, m, 0.0, 1);
    return fa_expsum_f64_loop(x, y, n, m, 0.0, 2);
}

static void fa_softmax_row_f64(const double *x, double *y, size_t n)
{
    double lo, m = fa_rowmaxmin_f64(x, n, &lo, 1);
    int mode = fa_rowmode_f64(m, lo);
    double s = fa_expsum_f64_loop(x, y, n, m, mode == 0 ? fa_rowshk_f64(m) : 0.0, mode);
    fa_softmax_fix_f64(x, y, n, 1.0 / s, 0.0);
}

/* See fa_expsum1_f32 (one vector accumulator pair per block of 128 vectors,
 * block sums compensated, as fa_expsum_f64). */
FA_INLINE double fa_expsum1_f64_loop(const double *x, double *ypf, size_t n, double m, double shkd, int mode)
{
    const vd vm = vd_set1(m), one = vd_set1(1.0), shk = vd_set1(shkd);
    double s = 0.0, cs = 0.0, c = 0.0;
    size_t i = 0;
    while (i + VD_N <= n) {
        size_t end = n - i > 128 * VD_N ? i + 128 * VD_N : n;
        vd acc = vd_zero(), cnt = vd_zero();
        for (; i + VD_N <= end; i += VD_N) {
            FA_PREFETCH(x + i + n); /* the next row (or block) */
            FA_PREFETCH_W(ypf + i); /* y is written by the last pass */
            vd v = vd_load(x + i);
            vd e = fa_rowexp_f64(v, vm, shk, mode);
            vdm ge = mode == 0 ? vd_le(vm, v) : vd_le(one, e);
            acc = vd_add(acc, vd_sel(ge, vd_zero(), e));
            cnt = vd_add(cnt, vd_sel(ge, one, vd_zero()));
        }
        fa_acc_f64(&s, &cs, vd_hsum(acc));
        c += vd_hsum(cnt);
    }
    if (i < n) {
        double buf[VD_N];
        vd_store(buf, fa_rowexp_f64(vd_load_n(x + i, n - i), vm, shk, mode == 1 ? 2 : mode));
        for (size_t j = 0; j < n - i; j++) {
            if (mode == 0 ? x[i + j] >= m : buf[j] >= 1.0)
                c += 1.0;
            else
                fa_acc_f64(&s, &cs, buf[j]);
        }
    }
    if (mode == 0) { /* divide out Em = e^(m - K ln2), in long double */
        long double K = (long double)(0x1.8p52 + 1023.0) - (long double)shkd;
        long double Em = expl((long double)m - K * 0.693147180559945309417232121458176568L);
        return (c - 1.0) + (double)(((long double)s + (long double)cs) / Em);
    }
    return (c - 1.0) + (s + cs);
}

FA_INLINE double fa_expsum1_f64(const double *x, double *ypf, size_t n, double m, double lo)
{
    if (lo - m >= -708.0)
        return fa_expsum1_f64_loop(x, ypf, n, m, 0.0, 1);
    return fa_expsum1_f64_loop(x, ypf, n, m, 0.0, 2);
}

/* See fa_log_softmax_row_f32. */
static void fa_log_softmax_row_f64(const double *x, double *y, size_t n)
{
    double lo, m = fa_rowmaxmin_f64(x, n, &lo, 1);
    int mode = fa_rowmode_f64(m, lo);
    double s1 = fa_expsum1_f64_loop(x, y, n, m, mode == 0 ? fa_rowshk_f64(m) : 0.0, mode);
    if (!(m < INFINITY)) s1 = NAN;
    fa_log_softmax_fix_f64(x, y, n, m, log1p(s1));
}

/* ---- blocked long rows (see FA_ROW_BLOCK in fastact.h) ----
 * part: one block's max m and sum s (relative to m); fix: the final pass.
 * A block of only -inf (or -inf and NaN) has m = -inf: its terms are summed
 * relative to 0 instead (0, or NaN where x is NaN), so that a row with finite
 * elements elsewhere is not made NaN by x - m = -inf - -inf. */
#define FA_ROW_PART_KERNELS(dt, T, LO, ...)                                                     \
    static double fa_softmax_part_##dt(const T *x, T *y, size_t n, T *m)                            \
    {                                                                                           \
        T lo, mb = fa_rowmaxmin_##dt(x, n, &lo, LO);                                            \
        *m = mb;                                                                                \
        return fa_expsum_##dt(x, y, n, mb == -INFINITY ? (T)0 : mb __VA_ARGS__);                \
    }                                                                                           \
    static double fa_log_softmax_part_##dt(const T *x, T *y, size_t n, T *m)                        \
    {                                                                                           \
        T lo, mb = fa_rowmaxmin_##dt(x, n, &lo, LO);                                            \
        *m = mb;                                                                                \
        return fa_expsum1_##dt(x, y, n, mb == -INFINITY ? (T)0 : mb __VA_ARGS__);               \
    }

FA_ROW_PART_KERNELS(f32, float, 1, , lo)
FA_ROW_PART_KERNELS(f64, double, 1, , lo)

