/*
 * vec_sse2.h - the vector primitives of fastact on SSE2 (the x86-64 baseline).
 * Same contract as vec_avx512.h (read its header comment).  There is no FMA:
 * vX_fma is a multiply and an add (two roundings); the algorithms use
 * Dekker's splitting where they need exact products (FA_HAS_FMA == 0).
 * Compiled only into sse2.c, with -msse2.
 */
#ifndef FA_VEC_SSE2_H
#define FA_VEC_SSE2_H

#include <emmintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fa_half.h"

#define FA_HAS_FMA 0
#define VF_N 4
#define VD_N 2

typedef __m128 vf;
typedef __m128d vd;
typedef __m128 vfm;
typedef __m128d vdm;

/* ---------------- float ---------------- */
static inline vf vf_set1(float a) { return _mm_set1_ps(a); }
static inline vf vf_zero(void) { return _mm_setzero_ps(); }
static inline vf vf_load(const float *p) { return _mm_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm_storeu_ps(p, v); }
/* non-temporal store, p 16-byte aligned */
static inline void vf_stream(float *p, vf v) { _mm_stream_ps(p, v); }
static inline void fa_sfence(void) { _mm_sfence(); }
static inline vf vf_load_n(const float *p, size_t n)
{
    float b[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(b, p, n * sizeof(float));
    return _mm_loadu_ps(b);
}
static inline void vf_store_n(float *p, vf v, size_t n)
{
    float b[4];
    _mm_storeu_ps(b, v);
    memcpy(p, b, n * sizeof(float));
}
static inline vf vf_add(vf a, vf b) { return _mm_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm_sub_ps(c, _mm_mul_ps(a, b)); }
static inline vf vf_fms(vf a, vf b, vf c) { return _mm_sub_ps(_mm_mul_ps(a, b), c); }
static inline vf vf_max(vf a, vf b) { return _mm_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm_min_ps(a, b); }
static inline vf vf_abs(vf a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
static inline vf vf_negabs(vf a) { return _mm_or_ps(a, _mm_set1_ps(-0.0f)); } /* -|a| */
static inline vf vf_neg(vf a) { return _mm_xor_ps(_mm_set1_ps(-0.0f), a); }
static inline vf vf_orsign(vf a, vf s) { return _mm_or_ps(a, _mm_and_ps(s, _mm_set1_ps(-0.0f))); }
static inline vfm vf_gt(vf a, vf b) { return _mm_cmpgt_ps(a, b); }
static inline vfm vf_lt(vf a, vf b) { return _mm_cmplt_ps(a, b); }
static inline vfm vf_le(vf a, vf b) { return _mm_cmple_ps(a, b); }
static inline vf vf_sel(vfm m, vf a, vf b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
/* number of true lanes of m */
static inline int vf_mcount(vfm m) { return __builtin_popcount((unsigned)_mm_movemask_ps(m)); }
/* any / all lanes of m true (for the rare-lane branches) */
static inline int vf_any(vfm m) { return _mm_movemask_ps(m) != 0; }
static inline int vf_all(vfm m) { return _mm_movemask_ps(m) == 0xF; }
/* 2^n from the bits of kb = n + 0x1.8p23 + 127 (see vec_avx2.h), n in [-126, 127] */
static inline vf vf_pow2_bits(vf kb) { return _mm_castsi128_ps(_mm_slli_epi32(_mm_castps_si128(kb), 23)); }
/* 2^(q/4) for the quarter-step shifter sum kb = q + 0x1.8p23 (unbiased), q in
 * [-504, 511]: t[q mod 4] (t[j] = 2^(j/4) rounded, in [1, 2)) picked by kb's
 * two low bits, its exponent field raised by floor(q/4) (kb's bits >> 2). */
static inline vf vf_pow2q_bits(vf kb, const float *t)
{
    __m128i k = _mm_castps_si128(kb);
    __m128i b0 = _mm_cmpeq_epi32(_mm_and_si128(k, _mm_set1_epi32(1)), _mm_set1_epi32(1));
    __m128i b1 = _mm_cmpeq_epi32(_mm_and_si128(k, _mm_set1_epi32(2)), _mm_set1_epi32(2));
    __m128i t0 = _mm_castps_si128(_mm_set1_ps(t[0])), t1 = _mm_castps_si128(_mm_set1_ps(t[1]));
    __m128i t2 = _mm_castps_si128(_mm_set1_ps(t[2])), t3 = _mm_castps_si128(_mm_set1_ps(t[3]));
    __m128i lo = _mm_or_si128(_mm_and_si128(b0, t1), _mm_andnot_si128(b0, t0));
    __m128i hi = _mm_or_si128(_mm_and_si128(b0, t3), _mm_andnot_si128(b0, t2));
    __m128i tj = _mm_or_si128(_mm_and_si128(b1, hi), _mm_andnot_si128(b1, lo));
    return _mm_castsi128_ps(_mm_add_epi32(_mm_slli_epi32(_mm_srli_epi32(k, 2), 23), tj));
}
/* v * 2^n by adding n to the exponent field, kb = n + 0x1.8p23 (see vec_avx2.h) */
static inline vf vf_scale_bits(vf v, vf kb)
{
    return _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(v), _mm_slli_epi32(_mm_castps_si128(kb), 23)));
}
static inline vf vf_pow2(vf n)
{
    __m128i e = _mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127));
    return _mm_castsi128_ps(_mm_slli_epi32(e, 23));
}
/* v * 2^n rounded once; n in [-250, 127], |v| >= 2^-2 (see vec_avx2.h) */
static inline vf vf_ldexp(vf v, vf n)
{
    vf na = _mm_max_ps(n, _mm_set1_ps(-124.0f));
    vf nb = _mm_sub_ps(n, na);
    return _mm_mul_ps(_mm_mul_ps(v, vf_pow2(na)), vf_pow2(nb));
}
/* v * 2^n where only n >= -126 must be exact (smaller n: some value in [0, |v| 2^-126]) */
static inline vf vf_ldexp_lossy(vf v, vf n) { return _mm_mul_ps(v, vf_pow2(_mm_max_ps(n, _mm_set1_ps(-126.0f)))); }
/* 8-entry float tables (see vec_avx512.h): per-lane loads */
typedef struct { int j[4]; } vfi;
static inline vfi vf_lut8_index(vf s)
{
    vfi r;
    __m128i k = _mm_sub_epi32(_mm_srli_epi32(_mm_castps_si128(s), 22), _mm_set1_epi32(254));
    _mm_storeu_si128((__m128i *)r.j, _mm_and_si128(k, _mm_set1_epi32(7)));
    return r;
}
static inline vf vf_lut8(const float *row, vfi j) { return _mm_set_ps(row[j.j[3]], row[j.j[2]], row[j.j[1]], row[j.j[0]]); }
/* 2^n for integral n <= 127; n < -126 may give any value in [0, 2^-126] */
static inline vf vf_pow2_sat(vf n) { return vf_pow2(_mm_max_ps(n, _mm_set1_ps(-126.0f))); }
static inline float vf_hmax(vf v)
{
    __m128 m = _mm_max_ps(v, _mm_movehl_ps(v, v));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

/* ---------------- double ---------------- */
static inline vd vd_set1(double a) { return _mm_set1_pd(a); }
static inline vd vd_zero(void) { return _mm_setzero_pd(); }
static inline vd vd_load(const double *p) { return _mm_loadu_pd(p); }
static inline void vd_store(double *p, vd v) { _mm_storeu_pd(p, v); }
static inline void vd_stream(double *p, vd v) { _mm_stream_pd(p, v); }
static inline vd vd_load_n(const double *p, size_t n)
{
    (void)n; /* n == 1 */
    return _mm_load_sd(p);
}
static inline void vd_store_n(double *p, vd v, size_t n)
{
    (void)n;
    _mm_store_sd(p, v);
}
static inline vd vd_add(vd a, vd b) { return _mm_add_pd(a, b); }
static inline vd vd_sub(vd a, vd b) { return _mm_sub_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm_mul_pd(a, b); }
static inline vd vd_div(vd a, vd b) { return _mm_div_pd(a, b); }
static inline vd vd_fma(vd a, vd b, vd c) { return _mm_add_pd(_mm_mul_pd(a, b), c); }
static inline vd vd_fnma(vd a, vd b, vd c) { return _mm_sub_pd(c, _mm_mul_pd(a, b)); }
static inline vd vd_fms(vd a, vd b, vd c) { return _mm_sub_pd(_mm_mul_pd(a, b), c); }
static inline vd vd_max(vd a, vd b) { return _mm_max_pd(a, b); }
static inline vd vd_min(vd a, vd b) { return _mm_min_pd(a, b); }
static inline vd vd_abs(vd a) { return _mm_andnot_pd(_mm_set1_pd(-0.0), a); }
static inline vd vd_negabs(vd a) { return _mm_or_pd(a, _mm_set1_pd(-0.0)); }
static inline vd vd_neg(vd a) { return _mm_xor_pd(_mm_set1_pd(-0.0), a); }
static inline vd vd_orsign(vd a, vd s) { return _mm_or_pd(a, _mm_and_pd(s, _mm_set1_pd(-0.0))); }
static inline vdm vd_gt(vd a, vd b) { return _mm_cmpgt_pd(a, b); }
static inline vdm vd_lt(vd a, vd b) { return _mm_cmplt_pd(a, b); }
static inline vdm vd_le(vd a, vd b) { return _mm_cmple_pd(a, b); }
static inline vd vd_sel(vdm m, vd a, vd b) { return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)); }
static inline vd vd_pow2(vd n)
{
    __m128i b = _mm_castpd_si128(_mm_add_pd(n, _mm_set1_pd(0x1.8p52)));
    b = _mm_add_epi64(b, _mm_set1_epi64x(1023));
    return _mm_castsi128_pd(_mm_slli_epi64(b, 52));
}
static inline vd vd_ldexp(vd v, vd n)
{
    vd na = _mm_max_pd(n, _mm_set1_pd(-1020.0));
    vd nb = _mm_sub_pd(n, na);
    return _mm_mul_pd(_mm_mul_pd(v, vd_pow2(na)), vd_pow2(nb));
}
static inline vd vd_ldexp_lossy(vd v, vd n) { return _mm_mul_pd(v, vd_pow2(_mm_max_pd(n, _mm_set1_pd(-1022.0)))); }
static inline vd vd_pow2_sat(vd n) { return vd_pow2(_mm_max_pd(n, _mm_set1_pd(-1022.0))); }
/* 2^n from the bits of kb = n + 0x1.8p52 + 1023 (the biased shifter sum), n in [-1022, 1023] */
static inline vd vd_pow2_bits(vd kb) { return _mm_castsi128_pd(_mm_slli_epi64(_mm_castpd_si128(kb), 52)); }
static inline double vd_hmax(vd v) { return _mm_cvtsd_f64(_mm_max_sd(v, _mm_unpackhi_pd(v, v))); }
static inline double vd_hsum(vd v) { return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v))); }
typedef struct { int i0, i1; } vdi;
static inline vdi vd_lut4_index(vd idx)
{
    __m128i i = _mm_cvttpd_epi32(idx);
    vdi r = {_mm_cvtsi128_si32(i) & 3, _mm_cvtsi128_si32(_mm_srli_si128(i, 4)) & 3};
    return r;
}
static inline vd vd_lut4(const double *row, vdi j) { return _mm_set_pd(row[j.i1], row[j.i0]); }

/* ---------------- float <-> double ---------------- */
static inline vd vf_lo_to_vd(vf a) { return _mm_cvtps_pd(a); }
static inline vd vf_hi_to_vd(vf a) { return _mm_cvtps_pd(_mm_movehl_ps(a, a)); }
static inline vf vd2_to_vf(vd lo, vd hi) { return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)); }

/* ---------------- 16-bit storage: float16 and bfloat16 ----------------
 * The conversions of fa_half.h, four lanes at a time in integer SSE2 (no
 * F16C at this level); 16-bit values travel in the low halves of 32-bit
 * lanes. */
static inline __m128i fa_sel_si128(__m128i m, __m128i a, __m128i b)
{
    return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}
/* 32-bit lanes holding 16-bit values -> 4 x uint16 in the low 64 bits */
static inline __m128i fa_pack16_sse2(__m128i r) { return _mm_packs_epi32(_mm_srai_epi32(_mm_slli_epi32(r, 16), 16), r); }
static inline __m128i fa_f32_to_f16_sse2(vf v)
{
    const __m128i x = _mm_castps_si128(v), ax = _mm_and_si128(x, _mm_set1_epi32(0x7fffffff));
    const __m128i m = _mm_sub_epi32(ax, _mm_set1_epi32((int)FA_F16_REBIAS));
    __m128i r = _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(m, _mm_set1_epi32(0x0fff)),
                                             _mm_and_si128(_mm_srli_epi32(m, 13), _mm_set1_epi32(1))), 13);
    __m128i rs = _mm_sub_epi32(_mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(ax), _mm_set1_ps(0.5f))),
                               _mm_set1_epi32(0x3f000000));
    r = fa_sel_si128(_mm_cmplt_epi32(ax, _mm_set1_epi32((int)FA_F16_NORMAL_MIN)), rs, r);
    r = fa_sel_si128(_mm_cmpgt_epi32(ax, _mm_set1_epi32((int)FA_F16_OVERFLOW - 1)), _mm_set1_epi32(0x7c00), r);
    r = fa_sel_si128(_mm_cmpgt_epi32(ax, _mm_set1_epi32(0x7f800000)),
                     _mm_or_si128(_mm_set1_epi32(0x7e00), _mm_and_si128(_mm_srli_epi32(ax, 13), _mm_set1_epi32(0x3ff))), r);
    return _mm_or_si128(r, _mm_and_si128(_mm_srli_epi32(x, 16), _mm_set1_epi32(0x8000)));
}
static inline vf fa_f16_to_f32_sse2(__m128i h)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i o = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x7fff)), 13);
    const __m128i e = _mm_and_si128(o, _mm_set1_epi32(0x0f800000));
    o = _mm_add_epi32(o, _mm_set1_epi32((int)FA_F16_REBIAS));
    __m128i oi = _mm_add_epi32(o, _mm_set1_epi32((int)FA_F16_REBIAS));
    const __m128i isnan = _mm_andnot_si128(_mm_cmpeq_epi32(_mm_and_si128(oi, _mm_set1_epi32(0x007fffff)), zero),
                                           _mm_set1_epi32(0x00400000));
    oi = _mm_or_si128(oi, isnan);
    const __m128i os = _mm_castps_si128(_mm_sub_ps(_mm_castsi128_ps(_mm_add_epi32(o, _mm_set1_epi32(0x00800000))),
                                                   _mm_castsi128_ps(_mm_set1_epi32((int)FA_F16_NORMAL_MIN))));
    o = fa_sel_si128(_mm_cmpeq_epi32(e, _mm_set1_epi32(0x0f800000)), oi, o);
    o = fa_sel_si128(_mm_cmpeq_epi32(e, zero), os, o);
    return _mm_castsi128_ps(_mm_or_si128(o, _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x8000)), 16)));
}
static inline __m128i fa_f32_to_bf16_sse2(vf v)
{
    const __m128i x = _mm_castps_si128(v);
    const __m128i r = _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(x, _mm_set1_epi32(0x7fff)),
                                                   _mm_and_si128(_mm_srli_epi32(x, 16), _mm_set1_epi32(1))), 16);
    const __m128i rn = _mm_or_si128(_mm_srli_epi32(x, 16), _mm_set1_epi32(0x0040));
    return fa_sel_si128(_mm_cmpgt_epi32(_mm_and_si128(x, _mm_set1_epi32(0x7fffffff)), _mm_set1_epi32(0x7f800000)), rn, r);
}
static inline __m128i fa_load4_u16(const uint16_t *p) { return _mm_loadl_epi64((const __m128i *)p); }
static inline __m128i fa_load4_u16_n(const uint16_t *p, size_t n)
{
    uint16_t b[4] = {0, 0, 0, 0};
    memcpy(b, p, n * sizeof(uint16_t));
    return fa_load4_u16(b);
}
static inline void fa_store4_u16(uint16_t *p, __m128i r) { _mm_storel_epi64((__m128i *)p, fa_pack16_sse2(r)); }
static inline void fa_store4_u16_n(uint16_t *p, __m128i r, size_t n)
{
    uint16_t b[4];
    fa_store4_u16(b, r);
    memcpy(p, b, n * sizeof(uint16_t));
}
static inline vf vf_load_f16(const uint16_t *p) { return fa_f16_to_f32_sse2(_mm_unpacklo_epi16(fa_load4_u16(p), _mm_setzero_si128())); }
static inline vf vf_load_n_f16(const uint16_t *p, size_t n) { return fa_f16_to_f32_sse2(_mm_unpacklo_epi16(fa_load4_u16_n(p, n), _mm_setzero_si128())); }
static inline void vf_store_f16(uint16_t *p, vf v) { fa_store4_u16(p, fa_f32_to_f16_sse2(v)); }
static inline void vf_store_n_f16(uint16_t *p, vf v, size_t n) { fa_store4_u16_n(p, fa_f32_to_f16_sse2(v), n); }
static inline void vf_stream_f16(uint16_t *p, vf v) { vf_store_f16(p, v); }
static inline vf vf_load_bf16(const uint16_t *p) { return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), fa_load4_u16(p))); }
static inline vf vf_load_n_bf16(const uint16_t *p, size_t n) { return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), fa_load4_u16_n(p, n))); }
static inline void vf_store_bf16(uint16_t *p, vf v) { fa_store4_u16(p, fa_f32_to_bf16_sse2(v)); }
static inline void vf_store_n_bf16(uint16_t *p, vf v, size_t n) { fa_store4_u16_n(p, fa_f32_to_bf16_sse2(v), n); }
static inline void vf_stream_bf16(uint16_t *p, vf v) { vf_store_bf16(p, v); }

#endif /* FA_VEC_SSE2_H */
