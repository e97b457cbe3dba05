/*
 * vec_scalar.h - the "vector" primitives of fastact with one lane: portable C.
 * Same contract as vec_avx512.h (read its header comment).  With this header
 * the shared algorithms read as plain scalar C: the scalar level is the
 * readable specification of every kernel, and the portable fallback.
 * FMA is used only where the target has it in hardware (FP_FAST_FMA).
 */
#ifndef FA_VEC_SCALAR_H
#define FA_VEC_SCALAR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fa_half.h"

#if defined(FP_FAST_FMA) && defined(FP_FAST_FMAF)
#define FA_HAS_FMA 1
#else
#define FA_HAS_FMA 0
#endif
#define VF_N 1
#define VD_N 1

typedef float vf;
typedef double vd;
typedef int vfm;
typedef int vdm;

static inline float fa_bits_to_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline double fa_bits_to_d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* ---------------- float ---------------- */
static inline vf vf_set1(float a) { return a; }
static inline vf vf_zero(void) { return 0.0f; }
static inline vf vf_load(const float *p) { return *p; }
static inline void vf_store(float *p, vf v) { *p = v; }
/* no non-temporal stores in portable C: plain stores */
static inline void vf_stream(float *p, vf v) { *p = v; }
static inline void fa_sfence(void) {}
static inline vf vf_load_n(const float *p, size_t n) { return n ? *p : 0.0f; }
static inline void vf_store_n(float *p, vf v, size_t n) { if (n) *p = v; }
static inline vf vf_add(vf a, vf b) { return a + b; }
static inline vf vf_sub(vf a, vf b) { return a - b; }
static inline vf vf_mul(vf a, vf b) { return a * b; }
static inline vf vf_div(vf a, vf b) { return a / b; }
#if FA_HAS_FMA
static inline vf vf_fma(vf a, vf b, vf c) { return fmaf(a, b, c); }
static inline vf vf_fnma(vf a, vf b, vf c) { return fmaf(-a, b, c); }
static inline vf vf_fms(vf a, vf b, vf c) { return fmaf(a, b, -c); }
#else
static inline vf vf_fma(vf a, vf b, vf c) { vf p = a * b; return p + c; }
static inline vf vf_fnma(vf a, vf b, vf c) { vf p = a * b; return c - p; }
static inline vf vf_fms(vf a, vf b, vf c) { vf p = a * b; return p - c; }
#endif
static inline vf vf_max(vf a, vf b) { return a > b ? a : b; }
static inline vf vf_min(vf a, vf b) { return a < b ? a : b; }
static inline vf vf_abs(vf a) { return fabsf(a); }
static inline vf vf_negabs(vf a) { return -fabsf(a); }
static inline vf vf_neg(vf a) { return -a; }
static inline vf vf_orsign(vf a, vf s) { return signbit(s) ? -a : a; }
static inline vfm vf_gt(vf a, vf b) { return a > b; }
static inline vfm vf_lt(vf a, vf b) { return a < b; }
static inline vfm vf_le(vf a, vf b) { return a <= b; }
static inline vf vf_sel(vfm m, vf a, vf b) { return m ? a : b; }
/* number of true lanes of m */
static inline int vf_mcount(vfm m) { return m ? 1 : 0; }
/* any / all lanes of m true (for the rare-lane branches) */
static inline int vf_any(vfm m) { return m != 0; }
static inline int vf_all(vfm m) { return m != 0; }
static inline uint32_t fa_f_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
/* 2^n from the bits of kb = n + 0x1.8p23 + 127 (see vec_avx2.h), n in [-126, 127] */
static inline vf vf_pow2_bits(vf kb) { return fa_bits_to_f(fa_f_to_bits(kb) << 23); }
/* 2^(q/4) for the quarter-step shifter sum kb = q + 0x1.8p23 (unbiased), q in
 * [-504, 511]: t[q mod 4] (t[j] = 2^(j/4) rounded, in [1, 2)) picked by kb's
 * two low bits, its exponent field raised by floor(q/4) (kb's bits >> 2). */
static inline vf vf_pow2q_bits(vf kb, const float *t)
{
    uint32_t k = fa_f_to_bits(kb);
    return fa_bits_to_f(((k >> 2) << 23) + fa_f_to_bits(t[k & 3u]));
}
/* v * 2^n by adding n to the exponent field, kb = n + 0x1.8p23 (see vec_avx2.h) */
static inline vf vf_scale_bits(vf v, vf kb) { return fa_bits_to_f(fa_f_to_bits(v) + (fa_f_to_bits(kb) << 23)); }
/* 2^n for integral n in [-126, 127] */
static inline vf vf_pow2(vf n) { return fa_bits_to_f((uint32_t)((int32_t)n + 127) << 23); }
/* v * 2^n rounded once; n in [-250, 127], |v| >= 2^-2 (see vec_avx2.h) */
static inline vf vf_ldexp(vf v, vf n)
{
    if (n != n) return n + v;
    vf na = n > -124.0f ? n : -124.0f;
    vf nb = n - na;
    return (v * vf_pow2(na)) * vf_pow2(nb);
}
static inline vf vf_ldexp_lossy(vf v, vf n) { return vf_ldexp(v, n); }
/* 8-entry float tables (see vec_avx512.h) */
typedef int vfi;
static inline vfi vf_lut8_index(vf s)
{
    uint32_t u;
    memcpy(&u, &s, 4);
    return (int)(((u >> 22) - 254u) & 7u);
}
static inline vf vf_lut8(const float *row, vfi j) { return row[j]; }
/* 2^n for integral n <= 127; n < -126 may give any value in [0, 2^-126] */
static inline vf vf_pow2_sat(vf n) { return vf_pow2(n > -126.0f ? n : -126.0f); }
static inline float vf_hmax(vf v) { return v; }

/* ---------------- double ---------------- */
static inline vd vd_set1(double a) { return a; }
static inline vd vd_zero(void) { return 0.0; }
static inline vd vd_load(const double *p) { return *p; }
static inline void vd_store(double *p, vd v) { *p = v; }
static inline void vd_stream(double *p, vd v) { *p = v; }
static inline vd vd_load_n(const double *p, size_t n) { return n ? *p : 0.0; }
static inline void vd_store_n(double *p, vd v, size_t n) { if (n) *p = v; }
static inline vd vd_add(vd a, vd b) { return a + b; }
static inline vd vd_sub(vd a, vd b) { return a - b; }
static inline vd vd_mul(vd a, vd b) { return a * b; }
static inline vd vd_div(vd a, vd b) { return a / b; }
#if FA_HAS_FMA
static inline vd vd_fma(vd a, vd b, vd c) { return fma(a, b, c); }
static inline vd vd_fnma(vd a, vd b, vd c) { return fma(-a, b, c); }
static inline vd vd_fms(vd a, vd b, vd c) { return fma(a, b, -c); }
#else
static inline vd vd_fma(vd a, vd b, vd c) { vd p = a * b; return p + c; }
static inline vd vd_fnma(vd a, vd b, vd c) { vd p = a * b; return c - p; }
static inline vd vd_fms(vd a, vd b, vd c) { vd p = a * b; return p - c; }
#endif
static inline vd vd_max(vd a, vd b) { return a > b ? a : b; }
static inline vd vd_min(vd a, vd b) { return a < b ? a : b; }
static inline vd vd_abs(vd a) { return fabs(a); }
static inline vd vd_negabs(vd a) { return -fabs(a); }
static inline vd vd_neg(vd a) { return -a; }
static inline vd vd_orsign(vd a, vd s) { return signbit(s) ? -a : a; }
static inline vdm vd_gt(vd a, vd b) { return a > b; }
static inline vdm vd_lt(vd a, vd b) { return a < b; }
static inline vdm vd_le(vd a, vd b) { return a <= b; }
static inline vd vd_sel(vdm m, vd a, vd b) { return m ? a : b; }
static inline vd vd_pow2(vd n) { return fa_bits_to_d((uint64_t)((int64_t)n + 1023) << 52); }
static inline vd vd_ldexp(vd v, vd n)
{
    if (n != n) return n + v;
    vd na = n > -1020.0 ? n : -1020.0;
    vd nb = n - na;
    return (v * vd_pow2(na)) * vd_pow2(nb);
}
static inline vd vd_ldexp_lossy(vd v, vd n) { return vd_ldexp(v, n); }
static inline vd vd_pow2_sat(vd n) { return vd_pow2(n > -1022.0 ? n : -1022.0); }
/* 2^n from the bits of kb = n + 0x1.8p52 + 1023 (the biased shifter sum), n in [-1022, 1023] */
static inline vd vd_pow2_bits(vd kb) { uint64_t u; memcpy(&u, &kb, 8); return fa_bits_to_d(u << 52); }
static inline double vd_hmax(vd v) { return v; }
static inline double vd_hsum(vd v) { return v; }
typedef int vdi;
static inline vdi vd_lut4_index(vd j) { return (int)j & 3; }
static inline vd vd_lut4(const double *row, vdi j) { return row[j]; }

/* ---------------- float <-> double (the "high half" is an unused lane) ---------------- */
static inline vd vf_lo_to_vd(vf a) { return (double)a; }
static inline vd vf_hi_to_vd(vf a) { (void)a; return 0.0; }
static inline vf vd2_to_vf(vd lo, vd hi) { (void)hi; return (float)lo; }

/* ---------------- 16-bit storage: float16 and bfloat16 (fa_half.h) ---------------- */
static inline vf vf_load_f16(const uint16_t *p) { return fa_f16_to_f32(*p); }
static inline vf vf_load_n_f16(const uint16_t *p, size_t n) { return n ? fa_f16_to_f32(*p) : 0.0f; }
static inline void vf_store_f16(uint16_t *p, vf v) { *p = fa_f32_to_f16(v); }
static inline void vf_store_n_f16(uint16_t *p, vf v, size_t n) { if (n) *p = fa_f32_to_f16(v); }
static inline void vf_stream_f16(uint16_t *p, vf v) { *p = fa_f32_to_f16(v); }
static inline vf vf_load_bf16(const uint16_t *p) { return fa_bf16_to_f32(*p); }
static inline vf vf_load_n_bf16(const uint16_t *p, size_t n) { return n ? fa_bf16_to_f32(*p) : 0.0f; }
static inline void vf_store_bf16(uint16_t *p, vf v) { *p = fa_f32_to_bf16(v); }
static inline void vf_store_n_bf16(uint16_t *p, vf v, size_t n) { if (n) *p = fa_f32_to_bf16(v); }
static inline void vf_stream_bf16(uint16_t *p, vf v) { *p = fa_f32_to_bf16(v); }

#endif /* FA_VEC_SCALAR_H */
