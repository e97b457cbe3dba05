/*
 * vec_avx2.h - the vector primitives of fastact on AVX2 + FMA.
 * Same contract as vec_avx512.h (read its header comment).
 * Compiled only into avx2.c, with -mavx2 -mfma.
 */
#ifndef FA_VEC_AVX2_H
#define FA_VEC_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FA_HAS_FMA 1
#define VF_N 8
#define VD_N 4

typedef __m256 vf;
typedef __m256d vd;
typedef __m256 vfm;
typedef __m256d vdm;

/* ---------------- float ---------------- */
static inline vf vf_set1(float a) { return _mm256_set1_ps(a); }
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
/* non-temporal store, p 32-byte aligned */
static inline void vf_stream(float *p, vf v) { _mm256_stream_ps(p, v); }
static inline void fa_sfence(void) { _mm_sfence(); }
static inline __m256i fa_tailmask32(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf vf_load_n(const float *p, size_t n) { return _mm256_maskload_ps(p, fa_tailmask32(n)); }
static inline void vf_store_n(float *p, vf v, size_t n) { _mm256_maskstore_ps(p, fa_tailmask32(n), v); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
static inline vf vf_fms(vf a, vf b, vf c) { return _mm256_fmsub_ps(a, b, c); }   /* a*b-c */
static inline vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vf_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static inline vf vf_negabs(vf a) { return _mm256_or_ps(a, _mm256_set1_ps(-0.0f)); } /* -|a| */
static inline vf vf_neg(vf a) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), a); }
static inline vf vf_orsign(vf a, vf s) { return _mm256_or_ps(a, _mm256_and_ps(s, _mm256_set1_ps(-0.0f))); }
static inline vfm vf_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vfm vf_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vfm vf_le(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline vf vf_sel(vfm m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
/* number of true lanes of m */
static inline int vf_mcount(vfm m) { return __builtin_popcount((unsigned)_mm256_movemask_ps(m)); }
/* any / all lanes of m true (for the rare-lane branches) */
static inline int vf_any(vfm m) { return _mm256_movemask_ps(m) != 0; }
static inline int vf_all(vfm m) { return _mm256_movemask_ps(m) == 0xFF; }
/* 2^n from the bits of kb = n + 0x1.8p23 + 127 (the biased shifter sum, as a
 * float): its low 9 bits, shifted into the sign and exponent fields, are the
 * pattern of 2^n.  n in [-126, 127]. */
static inline vf vf_pow2_bits(vf kb) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(kb), 23)); }
/* 2^(q/4) for the quarter-step shifter sum kb = q + 0x1.8p23 (unbiased), q in
 * [-504, 511]: t[q mod 4] (t[j] = 2^(j/4) rounded, in [1, 2)) picked by kb's
 * two low bits, its exponent field raised by floor(q/4) (kb's bits >> 2). */
static inline vf vf_pow2q_bits(vf kb, const float *t)
{
    __m256i k = _mm256_castps_si256(kb);
    __m256 tj = _mm256_permutevar_ps(_mm256_broadcast_ps((const __m128 *)t), k); /* in-lane, low 2 bits */
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(_mm256_srli_epi32(k, 2), 23), _mm256_castps_si256(tj)));
}
/* v * 2^n by adding n to the exponent field, kb = n + 0x1.8p23 (the unbiased
 * shifter sum): exact if v and v 2^n are normal, or if n == 0. */
static inline vf vf_scale_bits(vf v, vf kb)
{
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(v), _mm256_slli_epi32(_mm256_castps_si256(kb), 23)));
}
/* 2^n for integral n in [-126, 127] (exponent bits built directly) */
static inline vf vf_pow2(vf n)
{
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
/* v * 2^n rounded once: v*2^na is exact (|v| >= 2^-2, na >= -124), the
 * second factor 2^nb (nb in [-126, 0]) rounds once.  n in [-250, 127]. */
static inline vf vf_ldexp(vf v, vf n)
{
    vf na = _mm256_max_ps(n, _mm256_set1_ps(-124.0f));
    vf nb = _mm256_sub_ps(n, na);
    return _mm256_mul_ps(_mm256_mul_ps(v, vf_pow2(na)), vf_pow2(nb));
}
/* v * 2^n where only n >= -126 must be exact (smaller n: some value in [0, |v| 2^-126]) */
static inline vf vf_ldexp_lossy(vf v, vf n) { return _mm256_mul_ps(v, vf_pow2(_mm256_max_ps(n, _mm256_set1_ps(-126.0f)))); }
/* 8-entry float tables (see vec_avx512.h) */
typedef __m256i vfi;
static inline vfi vf_lut8_index(vf s)
{
    return _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(s), 22), _mm256_set1_epi32(254));
}
static inline vf vf_lut8(const float *row, vfi j) { return _mm256_permutevar8x32_ps(_mm256_loadu_ps(row), j); }
/* 2^n for integral n <= 127; n < -126 may give any value in [0, 2^-126] */
static inline vf vf_pow2_sat(vf n) { return vf_pow2(_mm256_max_ps(n, _mm256_set1_ps(-126.0f))); }
static inline float vf_hmax(vf v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

/* ---------------- double ---------------- */
static inline vd vd_set1(double a) { return _mm256_set1_pd(a); }
static inline vd vd_zero(void) { return _mm256_setzero_pd(); }
static inline vd vd_load(const double *p) { return _mm256_loadu_pd(p); }
static inline void vd_store(double *p, vd v) { _mm256_storeu_pd(p, v); }
static inline void vd_stream(double *p, vd v) { _mm256_stream_pd(p, v); }
static inline __m256i fa_tailmask64(size_t n)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)n), _mm256_setr_epi64x(0, 1, 2, 3));
}
static inline vd vd_load_n(const double *p, size_t n) { return _mm256_maskload_pd(p, fa_tailmask64(n)); }
static inline void vd_store_n(double *p, vd v, size_t n) { _mm256_maskstore_pd(p, fa_tailmask64(n), v); }
static inline vd vd_add(vd a, vd b) { return _mm256_add_pd(a, b); }
static inline vd vd_sub(vd a, vd b) { return _mm256_sub_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm256_mul_pd(a, b); }
static inline vd vd_div(vd a, vd b) { return _mm256_div_pd(a, b); }
static inline vd vd_fma(vd a, vd b, vd c) { return _mm256_fmadd_pd(a, b, c); }
static inline vd vd_fnma(vd a, vd b, vd c) { return _mm256_fnmadd_pd(a, b, c); }
static inline vd vd_fms(vd a, vd b, vd c) { return _mm256_fmsub_pd(a, b, c); }
static inline vd vd_max(vd a, vd b) { return _mm256_max_pd(a, b); }
static inline vd vd_min(vd a, vd b) { return _mm256_min_pd(a, b); }
static inline vd vd_abs(vd a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
static inline vd vd_negabs(vd a) { return _mm256_or_pd(a, _mm256_set1_pd(-0.0)); }
static inline vd vd_neg(vd a) { return _mm256_xor_pd(_mm256_set1_pd(-0.0), a); }
static inline vd vd_orsign(vd a, vd s) { return _mm256_or_pd(a, _mm256_and_pd(s, _mm256_set1_pd(-0.0))); }
static inline vdm vd_gt(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
static inline vdm vd_lt(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
static inline vdm vd_le(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
static inline vd vd_sel(vdm m, vd a, vd b) { return _mm256_blendv_pd(b, a, m); }
/* 2^n for integral n in [-1022, 1023]: n + 1.5*2^52 holds n in its low bits. */
static inline vd vd_pow2(vd n)
{
    __m256i b = _mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(0x1.8p52)));
    b = _mm256_add_epi64(b, _mm256_set1_epi64x(1023));
    return _mm256_castsi256_pd(_mm256_slli_epi64(b, 52));
}
/* v * 2^n rounded once; n in [-2040, 1023], |v| >= 2^-2. */
static inline vd vd_ldexp(vd v, vd n)
{
    vd na = _mm256_max_pd(n, _mm256_set1_pd(-1020.0));
    vd nb = _mm256_sub_pd(n, na);
    return _mm256_mul_pd(_mm256_mul_pd(v, vd_pow2(na)), vd_pow2(nb));
}
static inline vd vd_ldexp_lossy(vd v, vd n) { return _mm256_mul_pd(v, vd_pow2(_mm256_max_pd(n, _mm256_set1_pd(-1022.0)))); }
static inline vd vd_pow2_sat(vd n) { return vd_pow2(_mm256_max_pd(n, _mm256_set1_pd(-1022.0))); }
/* 2^n from the bits of kb = n + 0x1.8p52 + 1023 (the biased shifter sum), n in [-1022, 1023] */
static inline vd vd_pow2_bits(vd kb) { return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(kb), 52)); }
static inline double vd_hmax(vd v)
{
    __m128d m = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    m = _mm_max_sd(m, _mm_unpackhi_pd(m, m));
    return _mm_cvtsd_f64(m);
}
static inline double vd_hsum(vd v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}
/* row[idx] per lane, idx integral-valued in [0, 3]: one permute of 8 floats
 * viewed as 4 doubles, with float indices (2i, 2i+1). */
typedef __m256i vdi;
static inline vdi vd_lut4_index(vd idx)
{
    __m256i i64 = _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(idx));
    __m256i lo = _mm256_add_epi64(i64, i64);                 /* (2i, 0) */
    __m256i p = _mm256_add_epi64(_mm256_add_epi64(lo, _mm256_slli_epi64(lo, 32)),
                                 _mm256_set1_epi64x(1LL << 32)); /* (2i, 2i+1) */
    return p;
}
static inline vd vd_lut4(const double *row, vdi p)
{
    return _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(_mm256_loadu_pd(row)), p));
}

/* ---------------- float <-> double ---------------- */
static inline vd vf_lo_to_vd(vf a) { return _mm256_cvtps_pd(_mm256_castps256_ps128(a)); }
static inline vd vf_hi_to_vd(vf a) { return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)); }
static inline vf vd2_to_vf(vd lo, vd hi) { return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo)); }

/* ---------------- 16-bit storage: float16 (F16C) and bfloat16 ----------------
 * float16: F16C's vcvtph2ps / vcvtps2ph (round to nearest even), which match
 * fa_half.h bit for bit, NaNs included; bfloat16: fa_half.h's integer
 * rounding, eight lanes at a time.  Tails go through a small buffer. */
static inline vf vf_load_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline vf vf_load_n_f16(const uint16_t *p, size_t n)
{
    uint16_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(b, p, n * sizeof(uint16_t));
    return vf_load_f16(b);
}
static inline void vf_store_f16(uint16_t *p, vf v) { _mm_storeu_si128((__m128i *)p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)); }
static inline void vf_store_n_f16(uint16_t *p, vf v, size_t n)
{
    uint16_t b[8];
    vf_store_f16(b, v);
    memcpy(p, b, n * sizeof(uint16_t));
}
/* non-temporal, p 16-byte aligned */
static inline void vf_stream_f16(uint16_t *p, vf v) { _mm_stream_si128((__m128i *)p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)); }
static inline vf vf_load_bf16(const uint16_t *p)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
static inline vf vf_load_n_bf16(const uint16_t *p, size_t n)
{
    uint16_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(b, p, n * sizeof(uint16_t));
    return vf_load_bf16(b);
}
/* float32 -> bfloat16 bits in the low half of each 32-bit lane (fa_half.h:
 * round to nearest even on the upper 16 bits; NaN: the upper bits with the
 * quiet bit set, picked by an unordered compare) */
static inline __m256i fa_f32_to_bf16_lanes_avx2(vf v)
{
    const __m256i x = _mm256_castps_si256(v), h = _mm256_srli_epi32(x, 16);
    const __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(x, _mm256_set1_epi32(0x7fff)),
                                                         _mm256_and_si256(h, _mm256_set1_epi32(1))), 16);
    const __m256i rn = _mm256_or_si256(h, _mm256_set1_epi32(0x0040));
    return _mm256_blendv_epi8(r, rn, _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
}
static inline __m128i fa_f32_to_bf16_avx2(vf v)
{
    const __m256i r = fa_f32_to_bf16_lanes_avx2(v);
    /* pack the 8 lanes to uint16: packus per 128-bit half, then gather the halves */
    return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08));
}
static inline void vf_store_bf16(uint16_t *p, vf v) { _mm_storeu_si128((__m128i *)p, fa_f32_to_bf16_avx2(v)); }
static inline void vf_store_n_bf16(uint16_t *p, vf v, size_t n)
{
    uint16_t b[8];
    vf_store_bf16(b, v);
    memcpy(p, b, n * sizeof(uint16_t));
}
static inline void vf_stream_bf16(uint16_t *p, vf v) { _mm_stream_si128((__m128i *)p, fa_f32_to_bf16_avx2(v)); }
/* Pairs (the elementwise loops, fa_kernels.inc.h): 16 bfloat16 as two
 * vectors, a = elements 0-3 and 8-11, b = 4-7 and 12-15: unpacking with zero
 * within each 128-bit half puts each one in the upper half of a 32-bit lane
 * (exact, no shift), and the pair store's packus, also per half, restores
 * that order, so neither needs a lane-crossing permute. */
#define FA_VF_PAIR_BF16 1
static inline void vf_load2_bf16(const uint16_t *p, vf *a, vf *b)
{
    const __m256i v = _mm256_loadu_si256((const __m256i *)p), z = _mm256_setzero_si256();
    *a = _mm256_castsi256_ps(_mm256_unpacklo_epi16(z, v));
    *b = _mm256_castsi256_ps(_mm256_unpackhi_epi16(z, v));
}
static inline __m256i fa_f32x2_to_bf16_avx2(vf a, vf b)
{
    return _mm256_packus_epi32(fa_f32_to_bf16_lanes_avx2(a), fa_f32_to_bf16_lanes_avx2(b));
}
static inline void vf_store2_bf16(uint16_t *p, vf a, vf b) { _mm256_storeu_si256((__m256i *)p, fa_f32x2_to_bf16_avx2(a, b)); }
/* non-temporal, p 32-byte aligned */
static inline void vf_stream2_bf16(uint16_t *p, vf a, vf b) { _mm256_stream_si256((__m256i *)p, fa_f32x2_to_bf16_avx2(a, b)); }

#endif /* FA_VEC_AVX2_H */
