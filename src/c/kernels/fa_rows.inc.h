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
 * Three passes over one row: m = max(x); s = sum e^(x - m) (float32: summed
 * in double; float64: two vector accumulators); then
 *   softmax:     y = e^(x - m) * (1/s)     (e stored in y by pass 2)
 *   log_softmax: y = (x - m) - log(s)
 * e^(x - m) uses the same exp as the elementwise ops, clamped at
 * x - m >= -112 (float32) / -760 (float64), where it rounds to 0.
 * Special rows fall out of the arithmetic, as in PyTorch: a NaN or +inf in a
 * row, or a row of only -inf, make x - m NaN somewhere, so s and the whole
 * row are NaN.  The summation order is fixed per row (bitwise reproducible
 * for any thread count). */

/* Row maximum (NaN handling is not needed: a NaN element makes its own
 * x - m NaN).  Four accumulators: max has a latency of several cycles. */
#define FA_ROWMAX(dt, T, V, N)                                                                  \
    FA_INLINE T fa_rowmax_##dt(const T *x, size_t n)                                            \
    {                                                                                           \
        size_t i = 0;                                                                           \
        T m = -INFINITY;                                                                        \
        if (n >= 4 * N) {                                                                       \
            V m0 = V##_load(x), m1 = V##_load(x + N), m2 = V##_load(x + 2 * N);                 \
            V m3 = V##_load(x + 3 * N);                                                         \
            for (i = 4 * N; i + 4 * N <= n; i += 4 * N) {                                       \
                m0 = V##_max(m0, V##_load(x + i));                                              \
                m1 = V##_max(m1, V##_load(x + i + N));                                          \
                m2 = V##_max(m2, V##_load(x + i + 2 * N));                                      \
                m3 = V##_max(m3, V##_load(x + i + 3 * N));                                      \
            }                                                                                   \
            for (; i + N <= n; i += N) m0 = V##_max(m0, V##_load(x + i));                       \
            m = V##_hmax(V##_max(V##_max(m0, m1), V##_max(m2, m3)));                            \
        } else if (n >= N) {                                                                    \
            V vm = V##_load(x);                                                                 \
            for (i = N; i + N <= n; i += N) vm = V##_max(vm, V##_load(x + i));                  \
            m = V##_hmax(vm);                                                                   \
        }                                                                                       \
        for (; i < n; i++) m = x[i] > m ? x[i] : m;                                             \
        return m;                                                                               \
    }
FA_ROWMAX(f32, float, vf, VF_N)
FA_ROWMAX(f64, double, vd, VD_N)

FA_INLINE vf fa_expm_f32(vf v, vf m)
{
    vf d = vf_max(vf_set1(-112.0f), vf_sub(v, m));
    vf k, p = fa_exp_core_f32(d, &k);
    return vf_ldexp(p, k);
}

/* e^(x - m) for the first r <= VF_N elements at x; 0 in the other lanes */
FA_INLINE vf fa_expm_n_f32(const float *x, size_t r, vf m)
{
    float buf[VF_N];
    vf_store(buf, fa_expm_f32(vf_load_n(x, r), m));
    return vf_load_n(buf, r);
}

/* (s0, s1) += the lanes of e, in double */
FA_INLINE void fa_acc_f32_in_f64(vd *s0, vd *s1, vf e)
{
    *s0 = vd_add(*s0, vf_lo_to_vd(e));
    *s1 = vd_add(*s1, vf_hi_to_vd(e));
}

/* sum of e^(x - m) over the row; if y != NULL the terms are stored in y.
 * Pairs of vectors are added in float (one rounding, relative 2^-24 at
 * most per term), then accumulated in double. */
FA_INLINE double fa_expsum_f32(const float *x, float *y, size_t n, float m)
{
    const vf vm = vf_set1(m);
    vd s0 = vd_zero(), s1 = vd_zero();
    size_t i = 0;
    for (; i + 2 * VF_N <= n; i += 2 * VF_N) {
        FA_PREFETCH(x + i + n); /* the next row (or block), while this one computes */
        FA_PREFETCH(x + i + n + VF_N);
        vf e0 = fa_expm_f32(vf_load(x + i), vm);
        vf e1 = fa_expm_f32(vf_load(x + i + VF_N), vm);
        if (y) {
            vf_store(y + i, e0);
            vf_store(y + i + VF_N, e1);
        }
        fa_acc_f32_in_f64(&s0, &s1, vf_add(e0, e1));
    }
    for (; i < n; i += VF_N) { /* at most one vector and a tail */
        size_t r = n - i < VF_N ? n - i : VF_N;
        vf e = fa_expm_n_f32(x + i, r, vm);
        if (y) vf_store_n(y + i, e, r);
        fa_acc_f32_in_f64(&s0, &s1, e);
    }
    return vd_hsum(vd_add(s0, s1));
}

static void fa_softmax_row_f32(const float *x, float *y, size_t n)
{
    float m = fa_rowmax_f32(x, n);
    double s = fa_expsum_f32(x, y, n, m);
    fa_softmax_fix_f32(x, y, n, (float)(1.0 / s), 0.0f);
}

/* sum of e^(x - m) minus one maximum: the terms equal to 1 (at least one:
 * the maximum itself) are counted instead of summed, so
 * s - 1 = (count - 1) + sum(terms < 1) keeps full relative precision when
 * one logit dominates.  NaN terms are summed (NaN propagates). */
FA_INLINE double fa_expsum1_f32(const float *x, float *ypf, size_t n, float m)
{
    const vf vm = vf_set1(m), one = vf_set1(1.0f);
    vd s0 = vd_zero(), s1 = vd_zero();
    size_t i = 0, cnt = 0; /* terms == 1, counted on the scalar ports */
    for (; i + 2 * VF_N <= n; i += 2 * VF_N) { /* pairs added in float, as fa_expsum_f32 */
        FA_PREFETCH(x + i + n);
        FA_PREFETCH(x + i + n + VF_N);
        FA_PREFETCH_W(ypf + i); /* y is written by the last pass */
        FA_PREFETCH_W(ypf + i + VF_N);
        vf e0 = fa_expm_f32(vf_load(x + i), vm), e1 = fa_expm_f32(vf_load(x + i + VF_N), vm);
        vfm g0 = vf_le(one, e0), g1 = vf_le(one, e1);
        vf el = vf_add(vf_sel(g0, vf_zero(), e0), vf_sel(g1, vf_zero(), e1));
        cnt += (size_t)(vf_mcount(g0) + vf_mcount(g1));
        fa_acc_f32_in_f64(&s0, &s1, el);
    }
    for (; i < n; i += VF_N) { /* at most one vector and a tail (0 past n: not counted) */
        vf e = fa_expm_n_f32(x + i, n - i < VF_N ? n - i : VF_N, vm);
        vfm ge = vf_le(one, e);
        cnt += (size_t)vf_mcount(ge);
        fa_acc_f32_in_f64(&s0, &s1, vf_sel(ge, vf_zero(), e));
    }
    return ((double)cnt - 1.0) + vd_hsum(vd_add(s0, s1));
}

/* log_softmax: y = (x - m) - log(s), s = 1 + s1 (fa_expsum1_f32), so
 * log(s) = log1p(s1) keeps full relative precision when one logit
 * dominates (y ~ -s1 near 0).  Both
 * terms of y are <= 0 and >= 0 resp.: the subtraction adds magnitudes
 * (no cancellation), <= 1.5 ulp in float. */
static void fa_log_softmax_row_f32(const float *x, float *y, size_t n)
{
    float m = fa_rowmax_f32(x, n);
    double s1 = fa_expsum1_f32(x, y, n, m);
    if (!(m < INFINITY)) s1 = (double)NAN; /* NaN or +inf in the row: NaN row */
    fa_log_softmax_fix_f32(x, y, n, m, (float)log1p(s1));
}

FA_INLINE vd fa_expm_f64(vd v, vd m)
{
    vd d = vd_max(vd_set1(-760.0), vd_sub(v, m));
    vd k, p = fa_exp_core_f64(d, &k);
    return vd_ldexp(p, k);
}

/* Neumaier-compensated running total: *s + *c accumulates v. */
FA_INLINE void fa_acc_f64(double *s, double *c, double v)
{
    double t = *s + v;
    *c += (fabs(*s) >= fabs(v)) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* sum of e^(x - m) (stored in y if y != NULL): blocks of up to 64 vectors
 * are summed in two vector accumulators, block sums are added with
 * compensation, so the error does not grow with the row length (also on
 * the one-lane scalar level). */
FA_INLINE double fa_expsum_f64(const double *x, double *y, size_t n, double m)
{
    const vd vm = vd_set1(m);
    double s = 0.0, c = 0.0;
    size_t i = 0;
    while (i + 2 * VD_N <= n) {
        size_t end = n - i > 128 * VD_N ? i + 128 * VD_N : n;
        vd s0 = vd_zero(), s1 = vd_zero();
        for (; i + 2 * VD_N <= end; i += 2 * VD_N) {
            FA_PREFETCH(x + i + n); /* the next row (or block) */
            FA_PREFETCH(x + i + n + VD_N);
            vd e0 = fa_expm_f64(vd_load(x + i), vm);
            vd e1 = fa_expm_f64(vd_load(x + i + VD_N), vm);
            if (y) {
                vd_store(y + i, e0);
                vd_store(y + i + VD_N, e1);
            }
            s0 = vd_add(s0, e0);
            s1 = vd_add(s1, e1);
        }
        fa_acc_f64(&s, &c, vd_hsum(vd_add(s0, s1)));
    }
    for (; i < n; i += VD_N) {
        size_t r = n - i < VD_N ? n - i : VD_N;
        double buf[VD_N];
        vd e = fa_expm_f64(r == VD_N ? vd_load(x + i) : vd_load_n(x + i, r), vm);
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

static void fa_softmax_row_f64(const double *x, double *y, size_t n)
{
    double m = fa_rowmax_f64(x, n);
    double s = fa_expsum_f64(x, y, n, m);
    fa_softmax_fix_f64(x, y, n, 1.0 / s, 0.0);
}

/* See fa_expsum1_f32 (one vector accumulator pair per block of 128 vectors,
 * block sums compensated, as fa_expsum_f64). */
FA_INLINE double fa_expsum1_f64(const double *x, double *ypf, size_t n, double m)
{
    const vd vm = vd_set1(m), one = vd_set1(1.0);
    double s = 0.0, cs = 0.0, c = 0.0;
    size_t i = 0;
    while (i + VD_N <= n) {
        size_t end = n - i > 128 * VD_N ? i + 128 * VD_N : n;
        vd acc = vd_zero(), cnt = vd_zero();
        for (; i + VD_N <= end; i += VD_N) {
            FA_PREFETCH(x + i + n); /* the next row (or block) */
            FA_PREFETCH_W(ypf + i); /* y is written by the last pass */
            vd e = fa_expm_f64(vd_load(x + i), vm);
            vdm ge = vd_le(one, e);
            acc = vd_add(acc, vd_sel(ge, vd_zero(), e));
            cnt = vd_add(cnt, vd_sel(ge, one, vd_zero()));
        }
        fa_acc_f64(&s, &cs, vd_hsum(acc));
        c += vd_hsum(cnt);
    }
    if (i < n) {
        double buf[VD_N];
        vd_store(buf, fa_expm_f64(vd_load_n(x + i, n - i), vm));
        for (size_t j = 0; j < n - i; j++) {
            if (buf[j] >= 1.0)
                c += 1.0;
            else
                fa_acc_f64(&s, &cs, buf[j]);
        }
    }
    return (c - 1.0) + (s + cs);
}

/* See fa_log_softmax_row_f32. */
static void fa_log_softmax_row_f64(const double *x, double *y, size_t n)
{
    double m = fa_rowmax_f64(x, n);
    double s1 = fa_expsum1_f64(x, y, n, m);
    if (!(m < INFINITY)) s1 = NAN;
    fa_log_softmax_fix_f64(x, y, n, m, log1p(s1));
}

/* ---- blocked long rows (see FA_ROW_BLOCK in fastact.h) ----
 * part: one block's max m and sum s (relative to m); fix: the final pass.
 * A block of only -inf (or -inf and NaN) has m = -inf: its terms are summed
 * relative to 0 instead (0, or NaN where x is NaN), so that a row with finite
 * elements elsewhere is not made NaN by x - m = -inf - -inf. */
#define FA_ROW_PART_KERNELS(dt, T)                                                              \
    static double fa_softmax_part_##dt(const T *x, T *y, size_t n, T *m)                            \
    {                                                                                           \
        T mb = fa_rowmax_##dt(x, n);                                                            \
        *m = mb;                                                                                \
        return fa_expsum_##dt(x, y, n, mb == -INFINITY ? (T)0 : mb);                            \
    }                                                                                           \
    static double fa_log_softmax_part_##dt(const T *x, T *y, size_t n, T *m)                        \
    {                                                                                           \
        T mb = fa_rowmax_##dt(x, n);                                                            \
        *m = mb;                                                                                \
        return fa_expsum1_##dt(x, y, n, mb == -INFINITY ? (T)0 : mb);                           \
    }

FA_ROW_PART_KERNELS(f32, float)
FA_ROW_PART_KERNELS(f64, double)

