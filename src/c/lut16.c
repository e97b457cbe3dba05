/*
 * lut16.c - large 16-bit elementwise calls by table.  A float16 or bfloat16
 * input has only 2^16 values, so for the ops that cost more per element than
 * a table lookup (fa_ops.h FA_LUT16_OPS, per dtype), a call reads each result from the table of all 2^16 results, computed
 * once by the op's own 16-bit kernel (the same ISA level and parameters): the
 * results are bit for bit the kernel's, for every input, thread count and
 * layout.  A call of FA_LUT16_BUILD elements or more builds the table (the
 * cost of 2^16 elements), smaller ones (down to FA_LUT16_MIN) use it once it
 * exists.  The table (128 KiB) stays in L2; a lookup is one load more than a
 * copy, against tens of vector operations per vector for an exp/erf kernel.
 * Large out-of-place calls store with non-temporal 8-byte stores on x86-64
 * (as fa_map's non-temporal kernels), so the output is not read first.
 *
 * Tables are cached per (dtype, ISA level, op), FA_LUT16_SLOTS keys (kernel
 * and parameters) each, built on first use and never freed: at most
 * FA_LUT16_SLOTS x 128 KiB per (dtype, level, op) used.  A key that finds
 * every slot taken (a call with yet other parameters) is computed by the
 * kernel.
 * Thread-safe: a slot is filled once by a compare-and-swap (release) and
 * read with acquire loads; two threads may both build a table for the same
 * key, the loser frees its copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h> /* SSE2 (baseline x86-64): _mm_stream_si64, _mm_sfence */
#endif

#include "fa_internal.h"

#define FA_LUT16_SLOTS 2

typedef struct {
    fa_map_kernel k;
    fa_params p;
    uint16_t t[1 << 16];
} lut16;

#define FA_X_LUT16_F16(E, h, b) [FA_OP_##E] = (h),
#define FA_X_LUT16_BF16(E, h, b) [FA_OP_##E] = (b),
static const unsigned char lut16_on[2][FA_N_MAP_OPS] = {{FA_LUT16_OPS(FA_X_LUT16_F16)},
                                                        {FA_LUT16_OPS(FA_X_LUT16_BF16)}};

/* [0] float16, [1] bfloat16; the active ISA level (its kernel is part of the key) */
static lut16 *g_lut[2][FA_N_ISA][FA_N_MAP_OPS][FA_LUT16_SLOTS];

static int lut16_is(const lut16 *l, fa_map_kernel k, const fa_params *p)
{
    return l->k == k && memcmp(&l->p, p, sizeof *p) == 0;
}

const uint16_t *fa_lut16(int op, int dtype, fa_map_kernel k, const fa_params *p, size_t n)
{
    lut16 **slot, *l, *mine;
    int s, d = dtype == FA_BF16, lv = fa_isa_active();
    uint32_t v;
    if (!fa_dtype_is16(dtype) || !lut16_on[d][op] || lv < 0 || lv >= FA_N_ISA)
        return NULL;
    slot = g_lut[d][lv][op];
    for (s = 0; s < FA_LUT16_SLOTS; s++) {
        l = __atomic_load_n(&slot[s], __ATOMIC_ACQUIRE);
        if (l == NULL)
            break;
        if (lut16_is(l, k, p))
            return l->t;
    }
    if (s == FA_LUT16_SLOTS || n < FA_LUT16_BUILD) /* every slot taken, or too small a call to build */
        return NULL;
    mine = (lut16 *)malloc(sizeof *mine);
    if (mine == NULL)
        return NULL;
    mine->k = k;
    mine->p = *p;
    for (v = 0; v < (1u << 16); v++) /* the inputs, then the kernel in place */
        mine->t[v] = (uint16_t)v;
    k(mine->t, mine->t, (size_t)1 << 16, p);
    for (; s < FA_LUT16_SLOTS; s++) {
        lut16 *none = NULL;
        if (__atomic_compare_exchange_n(&slot[s], &none, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return mine->t;
        if (lut16_is(none, k, p)) { /* another thread published the same key */
            free(mine);
            return none->t;
        }
    }
    free(mine);
    return NULL;
}

void fa_lut16_apply(const uint16_t *t, const void *x, void *y, size_t n, int nt)
{
    const uint16_t *a = (const uint16_t *)x;
    uint16_t *b = (uint16_t *)y;
    size_t i = 0;
#if defined(__x86_64__) || defined(_M_X64)
    if (nt) { /* non-temporal 8-byte stores (movnti): no read of the output's lines */
        for (; i < n && ((uintptr_t)(b + i) & 7u) != 0; i++)
            b[i] = t[a[i]];
        for (; i + 4 <= n; i += 4) {
            uint64_t w = (uint64_t)t[a[i]] | (uint64_t)t[a[i + 1]] << 16 | (uint64_t)t[a[i + 2]] << 32 |
                         (uint64_t)t[a[i + 3]] << 48;
            _mm_stream_si64((long long *)(void *)(b + i), (long long)w);
        }
        _mm_sfence();
    }
#else
    (void)nt;
#endif
    for (; i + 4 <= n; i += 4) { /* y may be x: each element is read before it is written */
        uint16_t r0 = t[a[i]], r1 = t[a[i + 1]], r2 = t[a[i + 2]], r3 = t[a[i + 3]];
        b[i] = r0;
        b[i + 1] = r1;
        b[i + 2] = r2;
        b[i + 3] = r3;
    }
    for (; i < n; i++)
        b[i] = t[a[i]];
}
