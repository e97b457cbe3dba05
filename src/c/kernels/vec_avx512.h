/*
 * vec_avx512.h - the vector primitives of fastact on AVX-512 (F + DQ + BW + VL).
 *
 * Every ISA header (vec_scalar.h, vec_sse2.h, vec_avx2.h, vec_avx512.h)
 * defines the same small set of static inline functions; the algorithms in
 * fa_algo_f32.h / fa_algo_f64.h are written once against them.  Semantics
 * every implementation keeps:
 *   vX_max(a, b) = a > b ? a : b and vX_min(a, b) = a < b ? a : b
 *     (x86 order: the SECOND operand is returned when either is NaN, so
 *     vX_max(set1(c), x) propagates a NaN x);
 *   vX_ldexp(v, n) = v * 2^n rounded once (n integral, see each header for range);
 *   vX_load_n / vX_store_n touch only the first n <= lanes elements (load_n: 0 in the others);
 *   vX_fma / vX_fnma / vX_fms = a*b + c, c - a*b, a*b - c, fused where
 *     FA_HAS_FMA is 1 (else a product and a sum, each rounded).
 * Compiled only into avx512.c, with -mavx512f -mavx512dq -mavx512bw -mavx512vl.
 */
#ifndef FA_VEC_AVX512_H
#define FA_VEC_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define FA_HAS_FMA 1
#define VF_N 16
#define VD_N 8

typedef __m512 vf;
typedef __m512d vd;
typedef __mmask16 vfm;
typedef __mmask8 vdm;

/* ---------------- float ---------------- */
static inline vf vf_set1(float a) { return _mm512_set1_ps(a); }
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
/* non-temporal store, p 64-byte aligned */
static inline void vf_stream(float *p, vf v) { _mm512_stream_ps(p, v); }
static inline void fa_sfence(void) { _mm_sfence(); }
static inline vf vf_load_n(const float *p, size_t n)
{
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p);
}
static inline void vf_store_n(float *p, vf v, size_t n)
{
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), v);
}
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }   /* a*b+c */
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c-a*b */
static inline vf vf_fms(vf a, vf b, vf c) { return _mm512_fmsub_ps(a, b, c); }   /* a*b-c */
static inline vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vf_abs(vf a) { return _mm512_abs_ps(a); }
static inline vf vf_negabs(vf a) { return _mm512_or_ps(a, _mm512_set1_ps(-0.0f)); } /* -|a| */
static inline vf vf_neg(vf a) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32((int)0x80000000u))); }
/* a with the sign bit of s (a must be >= 0 or NaN) */
static inline vf vf_orsign(vf a, vf s)
{
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(a), _mm512_castps_si512(s),
                                                         _mm512_set1_epi32((int)0x80000000u), 0xF8));
}
static inline vfm vf_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vfm vf_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vfm vf_le(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vf vf_sel(vfm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); } /* m ? a : b */
/* number of true lanes of m */
static inline int vf_mcount(vfm m) { return __builtin_popcount((unsigned)m); }
/* any / all lanes of m true (for the rare-lane branches) */
static inline int vf_any(vfm m) { return m != 0; }
static inline int vf_all(vfm m) { return m == 0xFFFF; }
/* 2^n from the bits of kb = n + 0x1.8p23 + 127 (the biased shifter sum, as a
 * float): its low 9 bits, shifted into the sign and exponent fields, are the
 * pattern of 2^n.  n in [-126, 127].  (An integer shift: on Zen 4 scalef is
 * one per 2 cycles, the shift runs beside the FMAs.) */
static inline vf vf_pow2_bits(vf kb) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(kb), 23)); }
/* 2^(q/4) for the quarter-step shifter sum kb = q + 0x1.8p23 (unbiased), q in
 * [-504, 511]: t[q mod 4] (t[j] = 2^(j/4) rounded, in [1, 2)) picked by kb's
 * two low bits, its exponent field raised by floor(q/4) (kb's bits >> 2). */
static inline vf vf_pow2q_bits(vf kb, const float *t)
{
    __m512i k = _mm512_castps_si512(kb);
    __m512 tj = _mm512_permutevar_ps(_mm512_broadcast_f32x4(_mm_loadu_ps(t)), k); /* in-lane, low 2 bits */
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_slli_epi32(_mm512_srli_epi32(k, 2), 23), _mm512_castps_si512(tj)));
}
/* v * 2^n by adding n to the exponent field, kb = n + 0x1.8p23 (the unbiased
 * shifter sum): exact if v and v 2^n are normal, or if n == 0. */
static inline vf vf_scale_bits(vf v, vf kb)
{
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(v), _mm512_slli_epi32(_mm512_castps_si512(kb), 23)));
}
/* 2^n for integral n in [-126, 127] */
static inline vf vf_pow2(vf n) { return _mm512_scalef_ps(_mm512_set1_ps(1.0f), n); }
/* v * 2^n rounded once, n integral in [-250, 127], |v| >= 2^-2 or 0/inf/NaN */
static inline vf vf_ldexp(vf v, vf n) { return _mm512_scalef_ps(v, n); }
/* v * 2^n where only n >= -126 (-1022) must be exact: smaller n may give any value in [0, |v| 2^-126]. */
static inline vf vf_ldexp_lossy(vf v, vf n) { return _mm512_scalef_ps(v, n); }
/* 8-entry float tables: index from the bits of s = exponent and first
 * mantissa bit, minus 254 (s in [1, 16) -> 0..7); row[j] per lane. */
typedef __m512i vfi;
static inline vfi vf_lut8_index(vf s)
{
    return _mm512_sub_epi32(_mm512_srli_epi32(_mm512_castps_si512(s), 22), _mm512_set1_epi32(254));
}
static inline vf vf_lut8(const float *row, vfi j)
{
    return _mm512_permutexvar_ps(j, _mm512_zextps256_ps512(_mm256_loadu_ps(row)));
}
/* 2^n for integral n <= 127; n < -126 may give any value in [0, 2^-126] */
static inline vf vf_pow2_sat(vf n) { return _mm512_scalef_ps(_mm512_set1_ps(1.0f), n); }
static inline float vf_hmax(vf v) { return _mm512_reduce_max_ps(v); }

/* ---------------- double ---------------- */
static inline vd vd_set1(double a) { return _mm512_set1_pd(a); }
static inline vd vd_zero(void) { return _mm512_setzero_pd(); }
static inline vd vd_load(const double *p) { return _mm512_loadu_pd(p); }
static inline void vd_store(double *p, vd v) { _mm512_storeu_pd(p, v); }
static inline void vd_stream(double *p, vd v) { _mm512_stream_pd(p, v); }
static inline vd vd_load_n(const double *p, size_t n)
{
    return _mm512_maskz_loadu_pd((__mmask8)((1u << n) - 1u), p);
}
static inline void vd_store_n(double *p, vd v, size_t n)
{
    _mm512_mask_storeu_pd(p, (__mmask8)((1u << n) - 1u), v);
}
static inline vd vd_add(vd a, vd b) { return _mm512_add_pd(a, b); }
static inline vd vd_sub(vd a, vd b) { return _mm512_sub_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm512_mul_pd(a, b); }
static inline vd vd_div(vd a, vd b) { return _mm512_div_pd(a, b); }
static inline vd vd_fma(vd a, vd b, vd c) { return _mm512_fmadd_pd(a, b, c); }
static inline vd vd_fnma(vd a, vd b, vd c) { return _mm512_fnmadd_pd(a, b, c); }
static inline vd vd_fms(vd a, vd b, vd c) { return _mm512_fmsub_pd(a, b, c); }
static inline vd vd_max(vd a, vd b) { return _mm512_max_pd(a, b); }
static inline vd vd_min(vd a, vd b) { return _mm512_min_pd(a, b); }
static inline vd vd_abs(vd a) { return _mm512_abs_pd(a); }
static inline vd vd_negabs(vd a) { return _mm512_or_pd(a, _mm512_set1_pd(-0.0)); }
static inline vd vd_neg(vd a) { return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a), _mm512_set1_epi64((long long)0x8000000000000000ull))); }
static inline vd vd_orsign(vd a, vd s)
{
    return _mm512_castsi512_pd(_mm512_ternarylogic_epi64(_mm512_castpd_si512(a), _mm512_castpd_si512(s),
                                                         _mm512_set1_epi64((long long)0x8000000000000000ull), 0xF8));
}
static inline vdm vd_gt(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
static inline vdm vd_lt(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
static inline vdm vd_le(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
static inline vd vd_sel(vdm m, vd a, vd b) { return _mm512_mask_blend_pd(m, b, a); }
static inline vd vd_pow2(vd n) { return _mm512_scalef_pd(_mm512_set1_pd(1.0), n); }
/* v * 2^n rounded once, n integral in [-2040, 1023], |v| >= 2^-2 or 0/inf/NaN */
static inline vd vd_ldexp(vd v, vd n) { return _mm512_scalef_pd(v, n); }
static inline vd vd_ldexp_lossy(vd v, vd n) { return _mm512_scalef_pd(v, n); }
static inline vd vd_pow2_sat(vd n) { return _mm512_scalef_pd(_mm512_set1_pd(1.0), n); }
/* 2^n from the bits of kb = n + 0x1.8p52 + 1023 (the biased shifter sum), n in [-1022, 1023] */
static inline vd vd_pow2_bits(vd kb) { return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(kb), 52)); }
static inline double vd_hmax(vd v) { return _mm512_reduce_max_pd(v); }
static inline double vd_hsum(vd v) { return _mm512_reduce_add_pd(v); }
/* Coefficient lookup in 4-entry tables: vd_lut4_index(j) once (j integral
 * valued in [0, 3]), then row[j] per lane for each row. */
typedef __m512i vdi;
static inline vdi vd_lut4_index(vd j) { return _mm512_cvttpd_epi64(j); }
static inline vd vd_lut4(const double *row, vdi j)
{
    return _mm512_permutexvar_pd(j, _mm512_maskz_loadu_pd(0x0F, row));
}

/* ---------------- float <-> double ---------------- */
static inline vd vf_lo_to_vd(vf a) { return _mm512_cvtps_pd(_mm512_castps512_ps256(a)); }
static inline vd vf_hi_to_vd(vf a)
{
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
}
static inline vf vd2_to_vf(vd lo, vd hi)
{
    __m256 l = _mm512_cvtpd_ps(lo), h = _mm512_cvtpd_ps(hi);
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(l)), _mm256_castps_pd(h), 1));
}

/* ---------------- 16-bit storage: float16 and bfloat16 ----------------
 * float16: vcvtph2ps / vcvtps2ph (AVX-512F, round to nearest even), bit for
 * bit fa_half.h; bfloat16: fa_half.h's integer rounding (AVX512_BF16's
 * vcvtneps2bf16 flushes subnormals, so it is not used).  Masked tails. */
static inline __mmask16 fa_mask16(size_t n) { return (__mmask16)((1u << n) - 1u); }
static inline vf vf_load_f16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline vf vf_load_n_f16(const uint16_t *p, size_t n) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(fa_mask16(n), p)); }
static inline void vf_store_f16(uint16_t *p, vf v) { _mm256_storeu_si256((__m256i *)p, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)); }
static inline void vf_store_n_f16(uint16_t *p, vf v, size_t n)
{
    _mm256_mask_storeu_epi16(p, fa_mask16(n), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
/* non-temporal, p 32-byte aligned */
static inline void vf_stream_f16(uint16_t *p, vf v) { _mm256_stream_si256((__m256i *)p, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)); }
static inline vf fa_bf16_to_f32_avx512(__m256i b) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(b), 16)); }
static inline vf vf_load_bf16(const uint16_t *p) { return fa_bf16_to_f32_avx512(_mm256_loadu_si256((const __m256i *)p)); }
static inline vf vf_load_n_bf16(const uint16_t *p, size_t n) { return fa_bf16_to_f32_avx512(_mm256_maskz_loadu_epi16(fa_mask16(n), p)); }
/* round to nearest even in the integer domain (x + 0x7fff + lsb), NaN quieted
 * (x | 0x00400000), then the high halves picked by one vpermw (cheaper on
 * Zen 4 than a shift and vpmovdw: 0.090 -> 0.072 ns per element in L1) */
static inline __m256i fa_f32_to_bf16_avx512(vf v)
{
    const __m512i x = _mm512_castps_si512(v);
    const __m512i hi = _mm512_set_epi16(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1,
                                        31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    __m512i t = _mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)),
                                 _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1)));
    t = _mm512_mask_or_epi32(t, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), x, _mm512_set1_epi32(0x00400000));
    return _mm512_castsi512_si256(_mm512_permutexvar_epi16(hi, t));
}
static inline void vf_store_bf16(uint16_t *p, vf v) { _mm256_storeu_si256((__m256i *)p, fa_f32_to_bf16_avx512(v)); }
static inline void vf_store_n_bf16(uint16_t *p, vf v, size_t n) { _mm256_mask_storeu_epi16(p, fa_mask16(n), fa_f32_to_bf16_avx512(v)); }
static inline void vf_stream_bf16(uint16_t *p, vf v) { _mm256_stream_si256((__m256i *)p, fa_f32_to_bf16_avx512(v)); }

#endif /* FA_VEC_AVX512_H */
