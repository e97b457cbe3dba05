/*
 * dispatch.c - CPU detection and the kernel table.
 *
 * Compiled for the baseline ISA only: nothing here may execute an instruction
 * the CPU might lack.  The kernel table is filled once at fa_init(): scalar
 * entries first, then each better level the CPU, the OS (xgetbv) and the
 * FASTACT_ISA cap allow overwrites them.  The table is never NULL.
 *
 * Each kernels/<isa>.c fills the table with its own kernels (fa_fill_<isa>,
 * generated from fa_ops.h in kernels/fa_kernels.inc.h).  Which ISA files were
 * compiled is told by FA_HAVE_<ISA> (setup.py defines them).
 */
#include "fa_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define FA_X86 1
#if defined(__GNUC__) || defined(__clang__)
#include <cpuid.h>
#endif
#endif

/* ---- state ---- */
static fa_kernel_table g_table;
static int g_active = -1;
static unsigned g_supported = 0;

static const char *const g_names[FA_N_ISA] = {"scalar", "sse2", "avx2", "avx512", "neon"};

const char *fa_isa_name(int level)
{
    return (level >= 0 && level < FA_N_ISA) ? g_names[level] : NULL;
}

int fa_isa_from_name(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < FA_N_ISA; i++)
        if (strcasecmp(name, g_names[i]) == 0) return i;
    return -1;
}

unsigned fa_isa_compiled(void)
{
    unsigned m = 1u << FA_ISA_SCALAR;
#ifdef FA_HAVE_SSE2
    m |= 1u << FA_ISA_SSE2;
#endif
#ifdef FA_HAVE_AVX2
    m |= 1u << FA_ISA_AVX2;
#endif
#ifdef FA_HAVE_AVX512
    m |= 1u << FA_ISA_AVX512;
#endif
#ifdef FA_HAVE_NEON
    m |= 1u << FA_ISA_NEON;
#endif
    return m;
}

/* ---- CPU detection ---- */
#if defined(FA_X86) && (defined(__GNUC__) || defined(__clang__))
static unsigned long long fa_xgetbv0(void)
{
    unsigned eax, edx;
    /* xgetbv with ecx = 0 (XCR0); encoded as bytes so no -mxsave is needed. */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static unsigned fa_detect_x86(void)
{
    unsigned m = 1u << FA_ISA_SCALAR;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return m;
    int sse2 = (d >> 26) & 1;
    int fma = (c >> 12) & 1;
    int f16c = (c >> 29) & 1; /* every AVX2 CPU has it; the avx2 level's float16 code needs it */
    int osxsave = (c >> 27) & 1;
    int avx = (c >> 28) & 1;
    if (sse2) m |= 1u << FA_ISA_SSE2;
    if (!(osxsave && avx)) return m;
    unsigned long long xcr0 = fa_xgetbv0();
    int ymm_os = (xcr0 & 0x6) == 0x6;           /* XMM + YMM state */
    int zmm_os = (xcr0 & 0xe6) == 0xe6;         /* + opmask, ZMM_Hi256, Hi16_ZMM */
    if (__get_cpuid_max(0, NULL) < 7) return m;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
    int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (ymm_os && avx2 && fma && f16c) m |= 1u << FA_ISA_AVX2;
    if (ymm_os && zmm_os && avx2 && fma && f16c && avx512f && avx512dq && avx512bw && avx512vl)
        m |= 1u << FA_ISA_AVX512;
    return m;
}
#endif

static unsigned fa_detect(void)
{
    unsigned m = 1u << FA_ISA_SCALAR;
#if defined(FA_X86) && (defined(__GNUC__) || defined(__clang__))
    m = fa_detect_x86();
#elif defined(__aarch64__)
    m |= 1u << FA_ISA_NEON; /* Advanced SIMD is mandatory on AArch64 */
#endif
    return m & fa_isa_compiled();
}

unsigned fa_isa_supported(void)
{
    fa_init();
    return g_supported;
}

/* Best supported level <= cap.  NEON and the x86 levels are two families:
 * a cap naming a level of the other family (FASTACT_ISA=avx2 on aarch64,
 * neon on x86) caps nothing, and the best level is used (the Python layer
 * warns that the named level is not available); scalar caps both. */
static int fa_best_level(unsigned supported, int cap)
{
    int best = FA_ISA_SCALAR;
    int neon_here = (supported >> FA_ISA_NEON) & 1u;
    if (cap != FA_ISA_SCALAR && !((supported >> cap) & 1u) && (cap == FA_ISA_NEON) != neon_here)
        cap = FA_N_ISA - 1;
    for (int i = 0; i < FA_N_ISA; i++)
        if ((supported >> i) & 1u && i <= cap) best = i;
    return best;
}

/* Fill `t` with the kernels of `level`: scalar entries first, each better
 * level the CPU has up to `level` overwrites them. */
static void fill_table(fa_kernel_table *t, int level)
{
    (void)level; /* unused when only the scalar level is compiled */
    { fa_fill_scalar(t); fa_fill_grad_scalar(t); }
#ifdef FA_HAVE_SSE2
    if (level >= FA_ISA_SSE2 && level != FA_ISA_NEON) { fa_fill_sse2(t); fa_fill_grad_sse2(t); }
#endif
#ifdef FA_HAVE_AVX2
    if (level >= FA_ISA_AVX2 && level != FA_ISA_NEON) { fa_fill_avx2(t); fa_fill_grad_avx2(t); }
#endif
#ifdef FA_HAVE_AVX512
    if (level >= FA_ISA_AVX512 && level != FA_ISA_NEON) { fa_fill_avx512(t); fa_fill_grad_avx512(t); }
#endif
#ifdef FA_HAVE_NEON
    if (level == FA_ISA_NEON) { fa_fill_neon(t); fa_fill_grad_neon(t); }
#endif
}

int fa_isa_set(int level)
{
    if (level < 0) level = 0;
    if (level >= FA_N_ISA) level = FA_N_ISA - 1;
    int best = fa_best_level(g_supported, level);
    fill_table(&g_table, best);
    g_active = best;
    return best;
}

int fa_init(void)
{
    int rc = 0;
    if (g_active >= 0) return 0;
    g_supported = fa_detect();
    int cap = FA_N_ISA - 1;
    const char *env = getenv("FASTACT_ISA");
    if (env && *env) {
        int lvl = fa_isa_from_name(env);
        if (lvl < 0)
            rc = -1;
        else
            cap = lvl;
    }
    fa_isa_set(cap);
    return rc;
}

int fa_isa_active(void)
{
    fa_init();
    return g_active;
}

const fa_kernel_table *fa_kernels(void)
{
    return &g_table;
}
