/*
 * vec_neon.h - the vector primitives of fastact on AArch64 Advanced SIMD
 * (NEON) with FMA: 4 floats / 2 doubles per 128-bit vector.
 * Same contract as vec_avx512.h (read its header comment).
 *
 * Advanced SIMD with FMLA, TBL, FCVTN/FCVTL and vector FDIV is mandatory in
 * AArch64 (ARMv8-A), so neon.c needs no compiler flags and this level is
 * always selected there.  FA_HAS_FMA is 1, as on AVX2/AVX-512: every
 * primitive below is an IEEE operation with the same rounding as its x86
 * counterpart, so the elementwise kernels give the same bits as avx2/avx512.
 * Where NEON differs from x86 and the contract pins the x86 behaviour:
 *   - vX_max / vX_min keep the x86 operand order (a > b ? a : b; the SECOND
 *     operand when either is NaN, and for +0 vs -0): a compare and a bit
 *     select.  FMAX/FMIN return NaN for any NaN operand and +0 for
 *     max(-0, +0), so they serve only where they give the same result: a
 *     clamp max(c, x) / min(c, x) with c a constant other than 0 (see
 *     vf_max), and the exponent clamps inside the ldexp family (the
 *     algorithms never pair a NaN exponent with a non-NaN value).
 *   - vX_load_n / vX_store_n have no masked form: lane loads and stores,
 *     touching exactly the first n elements.
 *   - vX_stream is a plain store and fa_sfence is empty (the non-temporal
 *     kernels give identical results; STNP would need register pairs).
 *   - comparisons (FCMGT/FCMGE) set the Invalid flag for NaN operands where
 *     x86's _CMP_*_OQ do not; flags are never trapped or read.
 *   - NaN results: NaN-ness is the same everywhere, a NaN's sign bit not
 *     always: AArch64 FMLS negates a NaN multiplicand (x86 FNMADD returns it
 *     as is), and with two NaN operands AArch64 returns a signalling one
 *     first, x86 the first operand (tanh, gelu, log_sigmoid of NaN inputs).
 *   - float16 <-> float32 are FCVTL/FCVTN, which fa_half.h specifies; the
 *     bfloat16 rounding is integer code as on x86.
 * Compiled only into neon.c (aarch64 targets).
 */
#ifndef FA_VEC_NEON_H
#define FA_VEC_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#define FA_HAS_FMA 1
#define VF_N 4
#define VD_N 2

#if defined(__GNUC__) || defined(__clang__)
#define FA_NEON_INLINE static inline __attribute__((always_inline))
#else
#define FA_NEON_INLINE static inline
#endif

typedef float32x4_t vf;
typedef float64x2_t vd;
typedef uint32x4_t vfm;
typedef uint64x2_t vdm;

/* ---------------- float ---------------- */
static inline vf vf_set1(float a) { return vdupq_n_f32(a); }
static inline vf vf_zero(void) { return vdupq_n_f32(0.0f); }
static inline vf vf_load(const float *p) { return vld1q_f32(p); }
static inline void vf_store(float *p, vf v) { vst1q_f32(p, v); }
/* "non-temporal" store: a plain store on this level (see the head comment) */
static inline void vf_stream(float *p, vf v) { vst1q_f32(p, v); }
static inline void fa_sfence(void) {}
/* the first n <= 4 elements, 0 in the other lanes; reads nothing past p[n-1] */
static inline vf vf_load_n(const float *p, size_t n)
{
    vf r = vdupq_n_f32(0.0f);
    switch (n) {
    case 4: return vld1q_f32(p);
    case 3: r = vld1q_lane_f32(p + 2, r, 2); /* fall through */
    case 2: r = vld1q_lane_f32(p + 1, r, 1); /* fall through */
    case 1: r = vld1q_lane_f32(p, r, 0); /* fall through */
    default: return r;
    }
}
/* writes exactly p[0 .. n-1], n <= 4 */
static inline void vf_store_n(float *p, vf v, size_t n)
{
    switch (n) {
    case 4: vst1q_f32(p, v); return;
    case 3: vst1q_lane_f32(p + 2, v, 2); /* fall through */
    case 2: vst1q_lane_f32(p + 1, v, 1); /* fall through */
    case 1: vst1q_lane_f32(p, v, 0); /* fall through */
    default: return;
    }
}
static inline vf vf_add(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vf_sub(vf a, vf b) { return vsubq_f32(a, b); }
static inline vf vf_mul(vf a, vf b) { return vmulq_f32(a, b); }
static inline vf vf_div(vf a, vf b) { return vdivq_f32(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }  /* a*b+c (FMLA) */
static inline vf vf_fnma(vf a, vf b, vf c) { return vfmsq_f32(c, a, b); } /* c-a*b (FMLS) */
/* a*b-c: (-c) + a*b, one rounding (negation is exact) */
static inline vf vf_fms(vf a, vf b, vf c) { return vfmaq_f32(vnegq_f32(c), a, b); }
/* x86 order: a > b ? a : b, b when either is NaN (see the head comment).
 * The algorithms clamp with vX_max(c, x) / vX_min(c, x), c a constant: when
 * the compiler sees that c is a splat of a number other than 0 (and NaN),
 * one FMAX/FMIN gives the same result for every x (no +-0 tie can occur; a
 * NaN x is returned either way, FMAX only quiets a signalling one), so that
 * case costs one instruction instead of a compare and a select. */
#if defined(__GNUC__) || defined(__clang__) /* (vector subscripts fold where vgetq_lane does not) */
#define FA_NEON_NZCONST(a)                                                                       \
    (__builtin_constant_p((a)[0]) && __builtin_constant_p((a)[1]) && (a)[0] == (a)[1] && (a)[0] != 0 && \
     (a)[0] == (a)[0])
#define FA_NEON_NZCONST4(a)                                                                      \
    (FA_NEON_NZCONST(a) && __builtin_constant_p((a)[2]) && __builtin_constant_p((a)[3]) &&       \
     (a)[2] == (a)[0] && (a)[3] == (a)[0])
#else
#define FA_NEON_NZCONST(a) 0
#define FA_NEON_NZCONST4(a) 0
#endif
FA_NEON_INLINE vf vf_max(vf a, vf b)
{
    if (FA_NEON_NZCONST4(a)) return vmaxq_f32(a, b);
    return vbslq_f32(vcgtq_f32(a, b), a, b);
}
FA_NEON_INLINE vf vf_min(vf a, vf b)
{
    if (FA_NEON_NZCONST4(a)) return vminq_f32(a, b);
    return vbslq_f32(vcltq_f32(a, b), a, b);
}
static inline vf vf_abs(vf a) { return vabsq_f32(a); }
static inline vf vf_negabs(vf a) /* -|a| */
{
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(0x80000000u)));
}
static inline vf vf_neg(vf a) { return vnegq_f32(a); }
/* a with the sign bit of s (a must be >= 0 or NaN) */
static inline vf vf_orsign(vf a, vf s) { return vbslq_f32(vdupq_n_u32(0x80000000u), s, a); }
static inline vfm vf_gt(vf a, vf b) { return vcgtq_f32(a, b); }
static inline vfm vf_lt(vf a, vf b) { return vcltq_f32(a, b); }
static inline vfm vf_le(vf a, vf b) { return vcleq_f32(a, b); }
static inline vf vf_sel(vfm m, vf a, vf b) { return vbslq_f32(m, a, b); } /* m ? a : b */
/* number of true lanes of m */
static inline int vf_mcount(vfm m) { return (int)vaddvq_u32(vshrq_n_u32(m, 31)); }
/* any / all lanes of m true (for the rare-lane branches) */
static inline int vf_any(vfm m) { return vmaxvq_u32(m) != 0; }
static inline int vf_all(vfm m) { return vminvq_u32(m) != 0; }
/* 2^n from the bits of kb = n + 0x1.8p23 + 127 (the biased shifter sum, as a
 * float; see vec_avx2.h): its low 9 bits shifted into the sign and exponent
 * fields.  n in [-126, 127]. */
static inline vf vf_pow2_bits(vf kb) { return vreinterpretq_f32_u32(vshlq_n_u32(vreinterpretq_u32_f32(kb), 23)); }
/* 2^(q/4) for the quarter-step shifter sum kb = q + 0x1.8p23 (unbiased), q in
 * [-504, 511]: t[q mod 4] (t[j] = 2^(j/4) rounded, in [1, 2)) picked by kb's
 * two low bits (TBL on the 16 table bytes, byte index 4 (k & 3) + {0..3}),
 * its exponent field raised by floor(q/4) (kb's bits >> 2), as on x86. */
static inline vf vf_pow2q_bits(vf kb, const float *t)
{
    uint32x4_t k = vreinterpretq_u32_f32(kb);
    uint32x4_t bi = vmlaq_n_u32(vdupq_n_u32(0x03020100u), vandq_u32(k, vdupq_n_u32(3u)), 0x04040404u);
    uint8x16_t tj = vqtbl1q_u8(vld1q_u8((const uint8_t *)t), vreinterpretq_u8_u32(bi));
    return vreinterpretq_f32_u32(vaddq_u32(vshlq_n_u32(vshrq_n_u32(k, 2), 23), vreinterpretq_u32_u8(tj)));
}
/* v * 2^n by adding n to the exponent field, kb = n + 0x1.8p23 (the unbiased
 * shifter sum): exact if v and v 2^n are normal, or if n == 0. */
static inline vf vf_scale_bits(vf v, vf kb)
{
    return vreinterpretq_f32_u32(vaddq_u32(vreinterpretq_u32_f32(v), vshlq_n_u32(vreinterpretq_u32_f32(kb), 23)));
}
/* float with the bits k + (127 << 23), wrapping like x86's integer adds (an
 * unsigned add: never undefined, whatever k is) */
static inline vf fa_neon_bias_f32(int32x4_t k)
{
    return vreinterpretq_f32_u32(vaddq_u32(vreinterpretq_u32_s32(k), vdupq_n_u32(127u << 23)));
}
/* 2^n for integral n in [-126, 127]: FCVTZS with 23 fraction bits gives
 * n << 23 directly, plus the biased exponent of 1.0 (the same bits as the
 * x86 levels for every integral n in [-256, 255], and 1.0 for NaN). */
static inline vf vf_pow2(vf n) { return fa_neon_bias_f32(vcvtq_n_s32_f32(n, 23)); }
/* v * 2^n rounded once: v*2^na is exact (|v| >= 2^-2, na >= -124), the
 * second factor 2^nb (nb in [-126, 0]) rounds once.  n in [-250, 127].
 * The exponent arithmetic is done on n << 23 in integers (n*2^23 fits; out
 * of range FCVTZS saturates and nb = nf - na cannot overflow).  A NaN n
 * gives v (x86: v 2^-124); the algorithms never pair a NaN n with a non-NaN
 * v, so results are the same. */
static inline vf vf_ldexp(vf v, vf n)
{
    int32x4_t nf = vcvtq_n_s32_f32(n, 23);
    int32x4_t na = vmaxq_s32(nf, vdupq_n_s32(-124 * (1 << 23)));
    int32x4_t nb = vsubq_s32(nf, na);
    return vmulq_f32(vmulq_f32(v, fa_neon_bias_f32(na)), fa_neon_bias_f32(nb));
}
/* v * 2^n where only n >= -126 must be exact (smaller n: some value in [0, |v| 2^-126]) */
static inline vf vf_ldexp_lossy(vf v, vf n)
{
    return vmulq_f32(v, fa_neon_bias_f32(vmaxq_s32(vcvtq_n_s32_f32(n, 23), vdupq_n_s32(-126 * (1 << 23)))));
}
/* 8-entry float tables (see vec_avx512.h) with TBL on the 32 bytes of a
 * row: the index vector holds the byte offsets 4j + {0, 1, 2, 3} of each
 * lane's entry, built once per vector; each lookup is one TBL. */
typedef uint8x16_t vfi;
static inline vfi vf_lut8_index(vf s)
{
    /* b = bits >> 22 = j + 254; b * 0x04040404 + C == 4j * 0x01010101 + 0x03020100
     * (mod 2^32), whose bytes are 4j + {0, 1, 2, 3} for j in [0, 7] */
    uint32x4_t b = vshrq_n_u32(vreinterpretq_u32_f32(s), 22);
    const uint32_t c = 0x03020100u - 1016u * 0x01010101u;
    return vreinterpretq_u8_u32(vmlaq_u32(vdupq_n_u32(c), b, vdupq_n_u32(0x04040404u)));
}
static inline vf vf_lut8(const float *row, vfi j)
{
    return vreinterpretq_f32_u8(vqtbl2q_u8(vld1q_u8_x2((const uint8_t *)row), j));
}
/* 2^n for integral n <= 127; n < -126 may give any value in [0, 2^-126] */
static inline vf vf_pow2_sat(vf n)
{
    return fa_neon_bias_f32(vmaxq_s32(vcvtq_n_s32_f32(n, 23), vdupq_n_s32(-126 * (1 << 23))));
}
static inline float vf_hmax(vf v)
{
    vf m = vf_max(v, vextq_f32(v, v, 2)); /* (0,2) (1,3) */
    m = vf_max(m, vextq_f32(m, m, 1));
    return vgetq_lane_f32(m, 0);
}

/* ---------------- double ---------------- */
static inline vd vd_set1(double a) { return vdupq_n_f64(a); }
static inline vd vd_zero(void) { return vdupq_n_f64(0.0); }
static inline vd vd_load(const double *p) { return vld1q_f64(p); }
static inline void vd_store(double *p, vd v) { vst1q_f64(p, v); }
static inline void vd_stream(double *p, vd v) { vst1q_f64(p, v); }
static inline vd vd_load_n(const double *p, size_t n)
{
    if (n >= 2) return vld1q_f64(p);
    return n ? vld1q_lane_f64(p, vdupq_n_f64(0.0), 0) : vdupq_n_f64(0.0);
}
static inline void vd_store_n(double *p, vd v, size_t n)
{
    if (n >= 2)
        vst1q_f64(p, v);
    else if (n)
        vst1q_lane_f64(p, v, 0);
}
static inline vd vd_add(vd a, vd b) { return vaddq_f64(a, b); }
static inline vd vd_sub(vd a, vd b) { return vsubq_f64(a, b); }
static inline vd vd_mul(vd a, vd b) { return vmulq_f64(a, b); }
static inline vd vd_div(vd a, vd b) { return vdivq_f64(a, b); }
static inline vd vd_fma(vd a, vd b, vd c) { return vfmaq_f64(c, a, b); }
static inline vd vd_fnma(vd a, vd b, vd c) { return vfmsq_f64(c, a, b); }
static inline vd vd_fms(vd a, vd b, vd c) { return vfmaq_f64(vnegq_f64(c), a, b); }
FA_NEON_INLINE vd vd_max(vd a, vd b) /* see vf_max */
{
    if (FA_NEON_NZCONST(a)) return vmaxq_f64(a, b);
    return vbslq_f64(vcgtq_f64(a, b), a, b);
}
FA_NEON_INLINE vd vd_min(vd a, vd b)
{
    if (FA_NEON_NZCONST(a)) return vminq_f64(a, b);
    return vbslq_f64(vcltq_f64(a, b), a, b);
}
static inline vd vd_abs(vd a) { return vabsq_f64(a); }
static inline vd vd_negabs(vd a)
{
    return vreinterpretq_f64_u64(vorrq_u64(vreinterpretq_u64_f64(a), vdupq_n_u64(0x8000000000000000ull)));
}
static inline vd vd_neg(vd a) { return vnegq_f64(a); }
static inline vd vd_orsign(vd a, vd s) { return vbslq_f64(vdupq_n_u64(0x8000000000000000ull), s, a); }
static inline vdm vd_gt(vd a, vd b) { return vcgtq_f64(a, b); }
static inline vdm vd_lt(vd a, vd b) { return vcltq_f64(a, b); }
static inline vdm vd_le(vd a, vd b) { return vcleq_f64(a, b); }
static inline vd vd_sel(vdm m, vd a, vd b) { return vbslq_f64(m, a, b); }
/* 2^n for integral n in [-1022, 1023]: n << 52 by FCVTZS with 52 fraction
 * bits, plus the biased exponent of 1.0 (x86's bits for n in [-2048, 2047]). */
static inline vd vd_pow2(vd n)
{
    uint64x2_t k = vreinterpretq_u64_s64(vcvtq_n_s64_f64(n, 52));
    return vreinterpretq_f64_u64(vaddq_u64(k, vdupq_n_u64(1023ull << 52))); /* wrapping, as on x86 */
}
/* v * 2^n rounded once; n in [-2040, 1023], |v| >= 2^-2 (as vec_avx2.h).
 * FMAX on the exponent (no 64-bit integer max in NEON): see vf_ldexp on NaN n. */
static inline vd vd_ldexp(vd v, vd n)
{
    vd na = vmaxq_f64(n, vdupq_n_f64(-1020.0));
    vd nb = vsubq_f64(n, na);
    return vmulq_f64(vmulq_f64(v, vd_pow2(na)), vd_pow2(nb));
}
static inline vd vd_ldexp_lossy(vd v, vd n) { return vmulq_f64(v, vd_pow2(vmaxq_f64(n, vdupq_n_f64(-1022.0)))); }
static inline vd vd_pow2_sat(vd n) { return vd_pow2(vmaxq_f64(n, vdupq_n_f64(-1022.0))); }
/* 2^n from the bits of kb = n + 0x1.8p52 + 1023 (the biased shifter sum), n in [-1022, 1023] */
static inline vd vd_pow2_bits(vd kb) { return vreinterpretq_f64_u64(vshlq_n_u64(vreinterpretq_u64_f64(kb), 52)); }
static inline double vd_hmax(vd v) { return vgetq_lane_f64(vd_max(v, vextq_f64(v, v, 1)), 0); }
static inline double vd_hsum(vd v) { return vaddvq_f64(v); }
/* row[j] per lane from 4-entry double tables, j integral-valued in [0, 3]:
 * TBL on the 32 bytes of the row with byte offsets 8j + {0, ..., 7}. */
typedef uint8x16_t vdi;
static inline vdi vd_lut4_index(vd j)
{
    uint32x4_t j32 = vreinterpretq_u32_u64(vcvtq_u64_f64(j)); /* (j0, 0, j1, 0) */
    uint32x4_t jj = vtrn1q_u32(j32, j32);                     /* (j0, j0, j1, j1) */
    static const uint32_t base[4] = {0x03020100u, 0x07060504u, 0x03020100u, 0x07060504u};
    return vreinterpretq_u8_u32(vmlaq_u32(vld1q_u32(base), jj, vdupq_n_u32(0x08080808u)));
}
static inline vd vd_lut4(const double *row, vdi j)
{
    return vreinterpretq_f64_u8(vqtbl2q_u8(vld1q_u8_x2((const uint8_t *)row), j));
}

/* ---------------- float <-> double ---------------- */
static inline vd vf_lo_to_vd(vf a) { return vcvt_f64_f32(vget_low_f32(a)); }
static inline vd vf_hi_to_vd(vf a) { return vcvt_high_f64_f32(a); }
static inline vf vd2_to_vf(vd lo, vd hi) { return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi); }

/* ---------------- 16-bit storage: float16 and bfloat16 ----------------
 * float16: FCVTL / FCVTN (IEEE half, round to nearest even per FPCR; no
 * flush: FPCR.FZ16 and FZ are 0, AHP 0), which are fa_half.h's conversions
 * bit for bit, NaNs included (quieted, upper payload bits kept); bfloat16:
 * fa_half.h's integer rounding, four lanes at a time.  Lane loads and stores
 * for tails; "non-temporal" stores are plain stores. */
static inline vf fa_neon_h2f(uint16x4_t h) { return vcvt_f32_f16(vreinterpret_f16_u16(h)); }
static inline uint16x4_t fa_neon_f2h(vf v) { return vreinterpret_u16_f16(vcvt_f16_f32(v)); }
static inline uint16x4_t fa_neon_load4_u16(const uint16_t *p, size_t n) /* the first n <= 4, 0 elsewhere */
{
    uint16x4_t r = vdup_n_u16(0);
    switch (n) {
    case 4: return vld1_u16(p);
    case 3: r = vld1_lane_u16(p + 2, r, 2); /* fall through */
    case 2: r = vld1_lane_u16(p + 1, r, 1); /* fall through */
    case 1: r = vld1_lane_u16(p, r, 0); /* fall through */
    default: return r;
    }
}
static inline void fa_neon_store4_u16(uint16_t *p, uint16x4_t v, size_t n) /* writes exactly p[0 .. n-1] */
{
    switch (n) {
    case 4: vst1_u16(p, v); return;
    case 3: vst1_lane_u16(p + 2, v, 2); /* fall through */
    case 2: vst1_lane_u16(p + 1, v, 1); /* fall through */
    case 1: vst1_lane_u16(p, v, 0); /* fall through */
    default: return;
    }
}
static inline vf vf_load_f16(const uint16_t *p) { return fa_neon_h2f(vld1_u16(p)); }
static inline vf vf_load_n_f16(const uint16_t *p, size_t n) { return fa_neon_h2f(fa_neon_load4_u16(p, n)); }
static inline void vf_store_f16(uint16_t *p, vf v) { vst1_u16(p, fa_neon_f2h(v)); }
static inline void vf_store_n_f16(uint16_t *p, vf v, size_t n) { fa_neon_store4_u16(p, fa_neon_f2h(v), n); }
static inline void vf_stream_f16(uint16_t *p, vf v) { vst1_u16(p, fa_neon_f2h(v)); }
/* bfloat16 -> float32: the 16 bits become the upper half (SHLL #16) */
static inline vf fa_neon_b2f(uint16x4_t b) { return vreinterpretq_f32_u32(vshll_n_u16(b, 16)); }
/* float32 -> bfloat16: round to nearest even on the upper half (unsigned
 * lanes: wraps like x86's adds); NaN -> upper half with the quiet bit set */
static inline uint16x4_t fa_neon_f2b(vf v)
{
    const uint32x4_t x = vreinterpretq_u32_f32(v);
    uint32x4_t t = vaddq_u32(vaddq_u32(x, vdupq_n_u32(0x7fffu)), vandq_u32(vshrq_n_u32(x, 16), vdupq_n_u32(1u)));
    uint16x4_t r = vshrn_n_u32(t, 16);
    uint16x4_t rn = vorr_u16(vshrn_n_u32(x, 16), vdup_n_u16(0x0040u));
    uint16x4_t nan = vmovn_u32(vcgtq_u32(vandq_u32(x, vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(0x7f800000u)));
    return vbsl_u16(nan, rn, r);
}
static inline vf vf_load_bf16(const uint16_t *p) { return fa_neon_b2f(vld1_u16(p)); }
static inline vf vf_load_n_bf16(const uint16_t *p, size_t n) { return fa_neon_b2f(fa_neon_load4_u16(p, n)); }
static inline void vf_store_bf16(uint16_t *p, vf v) { vst1_u16(p, fa_neon_f2b(v)); }
static inline void vf_store_n_bf16(uint16_t *p, vf v, size_t n) { fa_neon_store4_u16(p, fa_neon_f2b(v), n); }
static inline void vf_stream_bf16(uint16_t *p, vf v) { vst1_u16(p, fa_neon_f2b(v)); }

#endif /* FA_VEC_NEON_H */
