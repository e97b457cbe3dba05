/*
 * fa_half.h - float16 and bfloat16 <-> float32 conversions in portable C:
 * the specification every ISA's vector conversions (vec_<isa>.h,
 * vX_load_f16 / vX_store_f16 / ..._bf16) reproduce bit for bit.
 *
 * 16-bit data is computed in float32: loaded exactly, the float32 result
 * rounded once to the 16-bit type.
 *   float32 -> float16: round to nearest even; subnormal float16 results are
 *     not flushed; |x| >= 65520 (the midpoint above 65504) gives +-inf; NaN
 *     gives a quiet NaN with the upper 9 payload bits kept (as F16C's
 *     vcvtps2ph and AArch64's FCVT do).
 *   float16 -> float32: exact; a NaN is returned quiet, payload kept.
 *   float32 -> bfloat16: round to nearest even on the upper 16 bits
 *     (subnormals included, never flushed: AVX512_BF16's vcvtneps2bf16 would
 *     flush them, so it is not used); NaN stays NaN (quiet bit set).
 *   bfloat16 -> float32: exact (the 16 bits are the upper half).
 */
#ifndef FA_HALF_H
#define FA_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t fa_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float fa_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Constants of the conversions (shared with the vector versions). */
#define FA_F16_NORMAL_MIN 0x38800000u /* 2^-14 as float bits */
#define FA_F16_OVERFLOW 0x477ff000u   /* 65520: rounds to inf */
#define FA_F16_REBIAS 0x38000000u     /* (127 - 15) << 23 */

static inline uint16_t fa_f32_to_f16(float f)
{
    uint32_t x = fa_f32_bits(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu, r;
    if (ax > 0x7f800000u)
        r = 0x7e00u | ((ax >> 13) & 0x3ffu); /* NaN, quiet */
    else if (ax >= FA_F16_OVERFLOW)
        r = 0x7c00u;
    else if (ax < FA_F16_NORMAL_MIN) /* subnormal or zero: |f| in units of 2^-24, rounded by the add */
        r = fa_f32_bits(fa_bits_f32(ax) + 0.5f) - 0x3f000000u;
    else {
        uint32_t m = ax - FA_F16_REBIAS;
        r = (m + 0x0fffu + ((m >> 13) & 1u)) >> 13;
    }
    return (uint16_t)(sign | r);
}

static inline float fa_f16_to_f32(uint16_t h)
{
    uint32_t o = ((uint32_t)h & 0x7fffu) << 13, e = o & 0x0f800000u;
    o += FA_F16_REBIAS;
    if (e == 0x0f800000u) { /* inf or NaN */
        o += FA_F16_REBIAS;
        if (o & 0x007fffffu)
            o |= 0x00400000u; /* quiet */
    } else if (e == 0) { /* zero or subnormal: renormalise exactly */
        o = fa_f32_bits(fa_bits_f32(o + 0x00800000u) - fa_bits_f32(FA_F16_NORMAL_MIN));
    }
    return fa_bits_f32(o | (((uint32_t)h & 0x8000u) << 16));
}

static inline uint16_t fa_f32_to_bf16(float f)
{
    uint32_t x = fa_f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x0040u);
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

static inline float fa_bf16_to_f32(uint16_t b) { return fa_bits_f32((uint32_t)b << 16); }

#endif /* FA_HALF_H */
