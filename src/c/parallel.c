/*
 * parallel.c - the runner the drivers (map.c, rows.c, rows_long.c) share:
 * whether a call goes parallel, how its work is cut into blocks, and the
 * OpenMP team that runs them.  Kernels never see threads; this file never
 * sees SIMD or dtypes (docs/threading.md has the user-facing version).
 *
 *  - Grains.  A call is serial unless each thread gets at least `grain`
 *    elements (per op and dtype, in fa_ops.h, times FASTACT_GRAIN_SCALE).
 *  - Blocks.  Work is cut into nt * per blocks (fa_split_blocks) of evenly
 *    spread sizes (fa_block_lo; elementwise blocks are multiples of 64
 *    elements, vector tails only at the array's end), split statically:
 *    each thread takes the same contiguous range of blocks in every call of
 *    the same size, so data that fits in the caches stays in the cache of the
 *    core that uses it (measured: 2-thread relu on 1e5 float32 1.5x, sigmoid
 *    1.04x faster than with dynamic scheduling, no change at 1e7); a core
 *    stolen by another process is handled by the back-off below.
 *  - Contention back-off.  A parallel call whose team could not get cores
 *    (the master waited > 1 ms for it) makes the following calls serial for
 *    a while (see backoff_update).
 *  - Concurrent callers.  Big calls claim their cores from a process-wide
 *    budget; one that finds none free runs serially instead of starting a
 *    team (see "The core budget"), so N Python threads never start N teams.
 *  - Nested use and fork.  A call made from inside an active OpenMP parallel
 *    region, or in a forked child (threads.c), runs serially.
 *  - Determinism.  The drivers compute every element (or row) with the same
 *    kernel whatever the split, and kernels do not depend on an element's
 *    position, so results are bitwise identical for every thread count.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fa_internal.h"

#if defined(__GNUC__)
#define FA_MAYBE_UNUSED __attribute__((unused))
#else
#define FA_MAYBE_UNUSED
#endif

/* Elementwise blocks: multiples of this many elements (256 bytes of float32,
 * 512 of float64: whole cache lines, whole vectors of every ISA). */
#define FA_BLOCK_ALIGN ((size_t)64)
/* About this many blocks per thread, but never blocks smaller than the
 * grain / FA_BLOCKS_PER_THREAD. */
#define FA_BLOCKS_PER_THREAD 4

/* ------------------------------------------------------------------ */
/* Grains (fa_ops.h) scaled by FASTACT_GRAIN_SCALE, set once             */
/* ------------------------------------------------------------------ */

#define FA_X_GRAIN32(E, name, np, g32, g64, nt) [FA_OP_##E] = (g32),
#define FA_X_GRAIN64(E, name, np, g32, g64, nt) [FA_OP_##E] = (g64),
#define FA_X_RGRAIN32(E, name, g32, g64) [FA_OP_##E] = (g32),
#define FA_X_RGRAIN64(E, name, g32, g64) [FA_OP_##E] = (g64),
/* 16-bit data is computed in float32: the float32 grains (the work per
 * element is about the same, the memory traffic half). */
static const size_t grain_map_table[FA_N_DTYPES][FA_N_MAP_OPS] = {
    [FA_F32] = {FA_MAP_OPS(FA_X_GRAIN32)},
    [FA_F64] = {FA_MAP_OPS(FA_X_GRAIN64)},
    [FA_F16] = {FA_MAP_OPS(FA_X_GRAIN32)},
    [FA_BF16] = {FA_MAP_OPS(FA_X_GRAIN32)},
};
static const size_t grain_row_table[FA_N_DTYPES][FA_N_ROW_OPS] = {
    [FA_F32] = {FA_ROW_OPS(FA_X_RGRAIN32)},
    [FA_F64] = {FA_ROW_OPS(FA_X_RGRAIN64)},
    [FA_F16] = {FA_ROW_OPS(FA_X_RGRAIN32)},
    [FA_BF16] = {FA_ROW_OPS(FA_X_RGRAIN32)},
};

#define FA_X_GGRAIN32(E, name, g32, g64) [FA_OP_##E] = (g32),
#define FA_X_GGRAIN64(E, name, g32, g64) [FA_OP_##E] = (g64),
static const size_t grain_gated_table[FA_N_DTYPES][FA_N_GATED_OPS] = {
    [FA_F32] = {FA_GATED_OPS(FA_X_GGRAIN32)},
    [FA_F64] = {FA_GATED_OPS(FA_X_GGRAIN64)},
    [FA_F16] = {FA_GATED_OPS(FA_X_GGRAIN32)},
    [FA_BF16] = {FA_GATED_OPS(FA_X_GGRAIN32)},
};

static size_t g_grain_map[FA_N_DTYPES][FA_N_MAP_OPS], g_grain_row[FA_N_DTYPES][FA_N_ROW_OPS];
static size_t g_grain_gated[FA_N_DTYPES][FA_N_GATED_OPS];
/* the core budget (see "The core budget" below) */
static int g_free;    /* cores not claimed; fa_parallel_init sets the cap */
static int g_no_backoff; /* FASTACT_GRAIN_SCALE=0 */
static double g_grain_scale = 1.0; /* FASTACT_GRAIN_SCALE, for the backward families (map2.c) */

static size_t scaled_grain(size_t g, double scale)
{
    double v = (double)g * scale;
    if (v < (double)FA_BLOCK_ALIGN)
        return FA_BLOCK_ALIGN;
    return v > 1e15 ? (size_t)1e15 : (size_t)v;
}

void fa_parallel_init(double grain_scale, int cpu_cap)
{
    int d, i;
    __atomic_store_n(&g_free, cpu_cap < 1 ? 1 : cpu_cap, __ATOMIC_SEQ_CST);
    for (d = 0; d < FA_N_DTYPES; d++) {
        for (i = 0; i < FA_N_MAP_OPS; i++)
            g_grain_map[d][i] = scaled_grain(grain_map_table[d][i], grain_scale);
        for (i = 0; i < FA_N_ROW_OPS; i++)
            g_grain_row[d][i] = scaled_grain(grain_row_table[d][i], grain_scale);
        for (i = 0; i < FA_N_GATED_OPS; i++)
            g_grain_gated[d][i] = scaled_grain(grain_gated_table[d][i], grain_scale);
    }
    g_no_backoff = grain_scale == 0.0;
    g_grain_scale = grain_scale;
}

double fa_grain_scale(void) { return g_grain_scale; }

size_t fa_grain_map(int op, int dtype) { return g_grain_map[dtype][op]; }
size_t fa_grain_row(int op, int dtype) { return g_grain_row[dtype][op]; }
size_t fa_grain_gated(int op, int dtype) { return g_grain_gated[dtype][op]; }

/* ------------------------------------------------------------------ */
/* Planning                                                              */
/* ------------------------------------------------------------------ */

int fa_plan_threads(size_t work, size_t grain, int requested)
{
#ifdef _OPENMP
    int nt;
    size_t by_work;
    if (work < 2 * grain) /* cheap test first: small calls stay serial */
        return 0;
    if (fa_is_forked_child() || omp_in_parallel())
        return 0;
    nt = fa_resolve_threads(requested);
    by_work = work / grain;
    if ((size_t)nt > by_work)
        nt = (int)by_work;
    return nt < 1 ? 1 : nt;
#else
    (void)work;
    (void)grain;
    (void)requested;
    return 0;
#endif
}

long fa_split_blocks(size_t units, size_t unit_work, int nt, size_t grain)
{
    size_t per = FA_BLOCKS_PER_THREAD, minw = grain / FA_BLOCKS_PER_THREAD;
    while (per > 1 && (units / ((size_t)nt * per)) * unit_work < minw)
        per--;
    if ((size_t)nt * per > units)
        per = 1;
    return (long)((size_t)nt * per);
}

size_t fa_block_lo(long b, long nblocks, size_t units, size_t align)
{
    size_t q = units / (size_t)nblocks, r = units % (size_t)nblocks, lo;
    if (b >= nblocks)
        return units;
    lo = q * (size_t)b + r * (size_t)b / (size_t)nblocks;
    return lo - lo % align;
}

/* ------------------------------------------------------------------ */
/* Contention back-off                                                   */
/* ------------------------------------------------------------------ */

/* A fork-join region ends only when every team thread has arrived.  On an
 * overloaded machine (more runnable threads than cores: shared CI runners,
 * other processes, cgroup throttling) a woken worker may wait a whole
 * scheduler time slice (ms) for a core, and a 100 us call then takes 10 ms.
 * So each parallel call measures itself: how long the master thread waited
 * for its team (wall time minus the time it spent in its own blocks).  A
 * healthy team makes it wait at most about one block.  A call where it
 * waited more than one block + FA_LOSS_NS starts a back-off: parallel-
 * eligible calls run serially for FA_BACKOFF_MIN_NS (5 ms), doubling on each
 * further loss up to FA_BACKOFF_MAX_NS (200 ms); one parallel call with a
 * normal wait ends it.  On a quiet machine waking a team costs tens of
 * microseconds, far below FA_LOSS_NS, so this never triggers.  Only speed
 * is affected, never results.  (libgomp also makes every thread pass a
 * start barrier before the region runs, so a worker without a core delays
 * the master at both ends.)  FASTACT_GRAIN_SCALE=0 turns it off. */
#define FA_LOSS_NS 1000000LL          /* 1 ms lost waiting = contention */
#define FA_BACKOFF_MIN_NS 5000000LL   /* first back-off: 5 ms */
#define FA_BACKOFF_MAX_NS 200000000LL /* longest: 200 ms */

static long long g_backoff_until; /* monotonic ns; 0 = none */
static long long g_backoff_len;   /* last back-off length */

static long long now_ns(void)
{
#if defined(CLOCK_MONOTONIC)
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
#endif
    return 0;
}

static int backoff_active(void)
{
    long long until;
    if (g_no_backoff)
        return 0;
    until = __atomic_load_n(&g_backoff_until, __ATOMIC_RELAXED);
    return until != 0 && now_ns() < until;
}

/* After a parallel call: it took `took` ns of wall time, of which the
 * master thread spent `mwork` ns running its own `mblocks` blocks; the rest
 * it spent waiting for the team (to start, then to finish).  Called by the
 * team holder only (team slot held): a single writer. */
FA_MAYBE_UNUSED static void backoff_update(long long took, long long mwork, long mblocks, long long t_end)
{
    long long wait = took - mwork, block, len;
#ifdef FA_PARALLEL_DEBUG
    fprintf(stderr, "fastact team: took %.3f ms, master %ld blocks in %.3f ms, waited %.3f ms\n",
            took / 1e6, mblocks, mwork / 1e6, wait / 1e6);
#endif
    if (t_end == 0)
        return; /* no clock */
    block = mblocks > 0 ? mwork / mblocks : 0;
    if (wait > block + FA_LOSS_NS) {
        len = __atomic_load_n(&g_backoff_len, __ATOMIC_RELAXED);
        len = len < FA_BACKOFF_MIN_NS ? FA_BACKOFF_MIN_NS : len * 2;
        if (len > FA_BACKOFF_MAX_NS)
            len = FA_BACKOFF_MAX_NS;
        __atomic_store_n(&g_backoff_len, len, __ATOMIC_RELAXED);
        __atomic_store_n(&g_backoff_until, t_end + len, __ATOMIC_RELAXED);
    } else if (mblocks > 0 && wait <= block) {
        __atomic_store_n(&g_backoff_len, 0LL, __ATOMIC_RELAXED);
        __atomic_store_n(&g_backoff_until, 0LL, __ATOMIC_RELAXED);
    }
}

/* ------------------------------------------------------------------ */
/* The core budget                                                       */
/* ------------------------------------------------------------------ */

/* Every call big enough to go parallel claims the cores it runs on from a
 * process-wide budget of the usable CPUs (fa_cpu_cap): a team of k threads
 * claims k, a serial big call (num_threads=1, or only one core left) claims
 * 1.  A call never waits: one that finds no core free runs serially on its
 * own thread, unclaimed, beside the others.  So a team only starts on cores
 * no other fastact call is using (N Python threads never start N teams),
 * and no caller sleeps while a core is idle.  (A blocking budget, callers
 * waiting on a condition variable for a free core, was measured slower:
 * concurrent/serial time 1.0-1.7x for 2-16 callers on the 2-core Zen 4,
 * against 0.66-0.85x for this one; docs/threading.md.)  Small calls (below
 * 2 grains), nested calls and calls in a forked child take no part (they
 * run at once, serially).  Only speed depends on this, never results. */

/* Take up to `want` cores (>= 1); 0 if none is free. */
static int budget_take(int want)
{
    int f = __atomic_load_n(&g_free, __ATOMIC_SEQ_CST);
    while (f >= 1) {
        int k = f < want ? f : want;
        if (__atomic_compare_exchange_n(&g_free, &f, f - k, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return k;
    }
    return 0;
}

fa_team fa_team_begin(int nt)
{
    fa_team t = {1, 0};
    int k;
    if (nt < 1) /* small, nested or forked: serial, no claim */
        return t;
    if (nt > 1 && backoff_active())
        nt = 1;
    k = budget_take(nt);
    if (k == 0) /* every core busy with other calls: serial beside them, unclaimed */
        return t;
    t.threads = k;
    t.claimed = k;
    return t;
}

void fa_team_end(fa_team t)
{
    if (t.claimed >= 1)
        __atomic_add_fetch(&g_free, t.claimed, __ATOMIC_SEQ_CST);
}

/* The elementwise drivers' parallel step (map.c, map2.c, gated.c,
 * channel.c): `units` of work at `grain` per thread.  A call too small for
 * two grains, or one the budget gives a single core, is one block on this
 * thread (*nblocks = 1: block(ctx, 0) covers every unit); otherwise
 * *nblocks blocks (fa_split_blocks) on a team.  block(ctx, b) reads
 * *nblocks to find its range, so results never depend on the split. */
void fa_run_split(size_t units, size_t grain, int nthreads, fa_block_fn block, long *nblocks, void *ctx)
{
    fa_team team = fa_team_begin(fa_plan_threads(units, grain, nthreads)); /* 0 threads: small */
    if (team.threads <= 1) {
        *nblocks = 1;
        block(ctx, 0);
    } else {
        *nblocks = fa_split_blocks(units, 1, team.threads, grain);
        fa_run_blocks(team.threads, *nblocks, block, ctx);
    }
    fa_team_end(team);
}

/* The master's share of one timed loop. */
typedef struct {
    long long work; /* ns the master spent in its own blocks */
    long blocks;    /* blocks it ran */
} master_time;

FA_MAYBE_UNUSED static void run_block(fa_block_fn body, void *ctx, long b, int master, master_time *mt)
{
    if (master) {
        long long s = now_ns();
        body(ctx, b);
        mt->work += now_ns() - s;
        mt->blocks++;
    } else {
        body(ctx, b);
    }
}

void fa_run_blocks(int nt, long nblocks, fa_block_fn body, void *ctx)
{
#ifdef _OPENMP
    long long t0 = now_ns(), te;
    master_time mt = {0, 0};
#pragma omp parallel num_threads(nt)
    {
        const int master = omp_get_thread_num() == 0;
        long b;
#pragma omp for schedule(static) nowait
        for (b = 0; b < nblocks; b++)
            run_block(body, ctx, b, master, &mt);
    }
    te = now_ns();
    backoff_update(te - t0, mt.work, mt.blocks, te);
#else
    long b;
    (void)nt;
    for (b = 0; b < nblocks; b++)
        body(ctx, b);
#endif
}

void fa_run_2pass(int nt, long nblocks, fa_block_fn pass1, void (*mid)(void *ctx), fa_block_fn pass2,
                  void *ctx)
{
#ifdef _OPENMP
    long long t0 = now_ns(), te;
    master_time mt = {0, 0};
#pragma omp parallel num_threads(nt)
    {
        const int master = omp_get_thread_num() == 0;
        long b;
#pragma omp for schedule(dynamic, 1)
        for (b = 0; b < nblocks; b++)
            run_block(pass1, ctx, b, master, &mt);
#pragma omp single
        mid(ctx);
#pragma omp for schedule(dynamic, 1) nowait
        for (b = 0; b < nblocks; b++)
            run_block(pass2, ctx, b, master, &mt);
    }
    te = now_ns();
    backoff_update(te - t0, mt.work, mt.blocks, te);
#else
    long b;
    (void)nt;
    for (b = 0; b < nblocks; b++)
        pass1(ctx, b);
    mid(ctx);
    for (b = 0; b < nblocks; b++)
        pass2(ctx, b);
#endif
}
