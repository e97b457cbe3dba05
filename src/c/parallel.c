/*
 * parallel.c - the parallel driver: splits a call's work over OpenMP threads
 * and calls the kernels of the active table (dispatch.c) on contiguous
 * ranges.  Kernels never see threads; this file never sees SIMD.
 *
 * Threading model (docs/threading.md has the user-facing version):
 *
 *  - Thread count.  A call asks for `requested` threads; <= 0 means the
 *    default, resolved per call, in this order:
 *      1. fa_set_num_threads(n >= 1)          (explicit, in code)
 *      2. FASTACT_NUM_THREADS=n (n >= 1)      (explicit, environment; read once)
 *      3. automatic: omp_get_max_threads() of the calling thread (follows
 *         OMP_NUM_THREADS, omp_set_num_threads, threadpoolctl), capped by the
 *         CPUs this process may use: sched_getaffinity count and the cgroup
 *         CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us/cpu.cfs_period_us),
 *         both read once.
 *    An explicit default (1 or 2) is additionally capped by a *lowered*
 *    OpenMP limit: when the calling thread's omp_get_max_threads() is below
 *    the process-wide OpenMP default (read once from a fresh thread), someone
 *    called omp_set_num_threads() on this thread - threadpoolctl's
 *    threadpool_limits() does exactly that - and the limit wins.  So
 *    `with threadpool_limits(1):` always makes default calls single-threaded.
 *    A per-call request (requested >= 1) is used as given, even beyond the
 *    core count: the caller asked for it.
 *  - Work splitting.  A call is serial unless each thread gets at least
 *    `grain` elements (per op and dtype, table below, chosen by measurement).
 *    Elementwise work is cut into blocks whose sizes are multiples of 64
 *    elements (vector tails only at the array's end), split statically:
 *    each thread takes the same contiguous range of blocks in every call of
 *    the same size, so data that fits in the caches stays in the cache of
 *    the core that uses it (measured: 2-thread relu on 1e5 float32 1.5x,
 *    sigmoid 1.04x faster than with dynamic scheduling, no change at 1e7);
 *    a core stolen by another process is handled by the back-off below.
 *    Row-wise work is split by whole rows; rows longer than
 *    FA_ROW_BLOCK are computed in fixed blocks (always), and with fewer rows
 *    than threads the (row, block) pairs are split (see rows_long_*).
 *    Large out-of-place outputs of the elementwise ops use the
 *    non-temporal-store kernels (nt_min_bytes).
 *  - Contention back-off.  A parallel call whose team could not get cores
 *    (the master waited > 1 ms for it) makes the following calls serial for
 *    a while (see backoff_update).
 *  - Determinism.  Every element (elementwise ops) or row (softmax) is
 *    computed by the same kernel whatever the split, and kernels do not
 *    depend on an element's position, so results are bitwise identical for
 *    every thread count.
 *  - Oversubscription.  At most one call in the process runs an OpenMP team
 *    at a time (a global atomic flag).  A call that finds the flag taken runs
 *    serially on its own thread instead of starting a second team, so N
 *    Python threads never create N teams.
 *  - Fork safety.  GNU libgomp's thread pool does not survive fork(); a
 *    child that starts a parallel region after the parent used the pool
 *    hangs.  A pthread_atfork child handler (registered when the library is
 *    loaded) marks the child, and every call in it runs serially, never
 *    entering OpenMP.
 *  - Nested use.  A call made from inside an active OpenMP parallel region
 *    runs serially.
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif

#include "fastact.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <unistd.h>
#define FA_HAVE_PTHREAD 1
#endif
#if defined(__linux__)
#include <sched.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

/* Atomics: GCC/Clang builtins (C11 <stdatomic.h> would do too). */
#define FA_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define FA_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#if defined(__GNUC__)
#define FA_MAYBE_UNUSED __attribute__((unused))
#else
#define FA_MAYBE_UNUSED
#endif

/* ------------------------------------------------------------------ */
/* Grain: minimum elements per thread for a thread to pay off.          */
/* ------------------------------------------------------------------ */

/*
 * Chosen by measurement on the 2-core AVX-512 development machine (Xeon,
 * KVM, shared), every call forced parallel: the smallest power-of-two size
 * at which 2 threads beat 1 by >= 1.3x (medians of interleaved repetitions,
 * back-to-back calls, median over 7 runs on the quiet machine), halved.
 * So a call uses 2 threads from that size on
 * (work >= 2 * grain), where a warm team gains >= 1.3x and waking a sleeping
 * team (~20 us) costs little.  Cheap, memory-bound ops (relu, leaky_relu)
 * need far more work per thread than transcendental ones; float64 about
 * half of float32.  relu / leaky_relu are parallel from 256 KB of input:
 * with the static split each core keeps its half of x and y in its own
 * cache between calls, and repeated calls (300 per variant) measured
 * float32 5e4: 1.1x, 1e5: 1.4x, 2e5: 2.0x; float64 5e4: 1.5x, 1e5: 2.2x.
 * docs/threading.md has the measurements.
 *
 * The environment variable FASTACT_GRAIN_SCALE (a number >= 0, read once;
 * default 1) multiplies every grain: a tuning and measurement knob (0 makes
 * every call with >= 128 elements parallel and turns off the contention
 * back-off: how the crossover sizes are measured, see
 * benchmarks/bench_threads.py --thresholds).  It never changes results, only
 * speed.
 */
static const size_t grain_map_f32[FA_N_MAP_OPS] = {
    [FA_OP_RELU] = 32 * 1024,       /* memory-bound: ~0.1 ns/element; see below */
    [FA_OP_LEAKY_RELU] = 32 * 1024,
    [FA_OP_SIGMOID] = 32 * 1024,    /* ~0.5 ns/element */
    [FA_OP_TANH] = 32 * 1024,
    [FA_OP_SILU] = 16 * 1024,
    [FA_OP_GELU] = 8 * 1024,        /* ~0.8 ns/element */
    [FA_OP_GELU_TANH] = 8 * 1024,
};
static const size_t grain_map_f64[FA_N_MAP_OPS] = {
    [FA_OP_RELU] = 16 * 1024,
    [FA_OP_LEAKY_RELU] = 16 * 1024,
    [FA_OP_SIGMOID] = 8 * 1024,
    [FA_OP_TANH] = 8 * 1024,
    [FA_OP_SILU] = 8 * 1024,
    [FA_OP_GELU] = 2 * 1024,        /* ~2.8 ns/element */
    [FA_OP_GELU_TANH] = 4 * 1024,
};
/* Row ops (softmax, log_softmax): grain in elements (rows * cols) per thread. */
static const size_t grain_row_f32[FA_N_ROW_OPS] = {16 * 1024, 16 * 1024};
static const size_t grain_row_f64[FA_N_ROW_OPS] = {8 * 1024, 8 * 1024};
typedef char fa_check_row_ops[FA_N_ROW_OPS == 2 ? 1 : -1];

/* Non-temporal stores (map_*_nt kernels, identical results) for out-of-place
 * outputs of at least this many bytes; 0 = never.  Measured serially on the
 * development machine (2 MB L2 per core): relu float32 gains 1.2x from a
 * 2 MB output and 1.45-1.75x from 32 MB (no read-for-ownership of the
 * output).  The transcendental ops gain at 40 MB (1e7 float32, one thread,
 * with the kernels' software prefetch): sigmoid 0.42 -> 0.30 ns/element,
 * gelu 0.68 -> 0.64; below ~8 MB normal stores leave the output in cache for
 * whatever reads it next, so they start later. */
static const size_t nt_min_bytes[FA_N_MAP_OPS] = {
    [FA_OP_RELU] = 4u << 20,
    [FA_OP_LEAKY_RELU] = 4u << 20,
    [FA_OP_SIGMOID] = 8u << 20,
    [FA_OP_TANH] = 8u << 20,
    [FA_OP_SILU] = 8u << 20,
    [FA_OP_GELU] = 8u << 20,
    [FA_OP_GELU_TANH] = 8u << 20,
};

/* The grains in use (tables above times FASTACT_GRAIN_SCALE), set once. */
static size_t g_grain_map_f32[FA_N_MAP_OPS], g_grain_map_f64[FA_N_MAP_OPS];
static size_t g_grain_row_f32[FA_N_ROW_OPS], g_grain_row_f64[FA_N_ROW_OPS];

/* Elementwise blocks: multiples of this many elements (256 bytes of float32,
 * 512 of float64: whole cache lines, whole vectors of every ISA). */
#define FA_BLOCK_ALIGN ((size_t)64)
/* About this many blocks per thread, but never blocks
 * smaller than the grain / FA_BLOCKS_PER_THREAD. */
#define FA_BLOCKS_PER_THREAD 4

/* ------------------------------------------------------------------ */
/* Process state                                                         */
/* ------------------------------------------------------------------ */

static int g_user_threads;        /* fa_set_num_threads; 0 = automatic */
static int g_forked_child;        /* set in the child after fork() */
static int g_team_busy;           /* 1 while a call runs an OpenMP team */

/* Read once (fa_once): */
static int g_env_threads;   /* FASTACT_NUM_THREADS, 0 if unset/invalid */
static int g_cpu_cap;       /* CPUs usable: affinity & cgroup quota, >= 1 */
static int g_omp_default;   /* process-wide omp_get_max_threads() default */
static int g_force_parallel; /* FASTACT_GRAIN_SCALE=0: no back-off either */

#ifdef FA_HAVE_PTHREAD
static void fa_atfork_child(void) { g_forked_child = 1; }

static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;
static void fa_register_atfork(void) { (void)pthread_atfork(NULL, NULL, fa_atfork_child); }

#if defined(__GNUC__)
/* At load time, so a fork before the first fastact call is covered too
 * (another library may have started the shared libgomp pool). */
__attribute__((constructor)) static void fa_parallel_ctor(void)
{
    (void)pthread_once(&g_atfork_once, fa_register_atfork);
}
#endif
#endif

FA_MAYBE_UNUSED static int is_forked_child(void) { return FA_LOAD(&g_forked_child); }

/* Parse a positive decimal int; 0 if s is not one. */
static int parse_positive(const char *s)
{
    char *end;
    long v;
    if (s == NULL)
        return 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (errno != 0 || *end != '\0' || v < 1 || v > 1024 * 1024)
        return 0;
    return (int)v;
}

/* ---- CPU quota from cgroups (Linux) ---- */

#if defined(__linux__)
/* Read a whole small file into buf (NUL-terminated); 0 on success. */
static int read_small_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;
    if (f == NULL)
        return -1;
    n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

/* ceil(quota / period) as CPUs, or 0 when unlimited/unknown. */
static int quota_cpus(long long quota, long long period)
{
    long long c;
    if (quota <= 0 || period <= 0)
        return 0;
    c = (quota + period - 1) / period;
    if (c < 1)
        c = 1;
    return c > INT_MAX ? INT_MAX : (int)c;
}

/* Limit stored in directory `dir` (v2: cpu.max; v1: cfs files); 0 = none. */
static int cgroup_dir_limit(const char *dir, int v2)
{
    char path[4200], buf[256];
    long long quota = -1, period = 0;
    if (v2) {
        char q[64];
        snprintf(path, sizeof path, "%s/cpu.max", dir);
        if (read_small_file(path, buf, sizeof buf) != 0)
            return 0;
        if (sscanf(buf, "%63s %lld", q, &period) != 2 || strcmp(q, "max") == 0)
            return 0;
        quota = atoll(q);
    } else {
        snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir);
        if (read_small_file(path, buf, sizeof buf) != 0)
            return 0;
        quota = atoll(buf);
        snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
        if (read_small_file(path, buf, sizeof buf) != 0)
            return 0;
        period = atoll(buf);
    }
    return quota_cpus(quota, period);
}

static int min_limit(int a, int b)
{
    if (a == 0)
        return b;
    if (b == 0)
        return a;
    return a < b ? a : b;
}

/* Walk from mountpoint + (cgroup path relative to the mount's root) up to
 * the mountpoint, taking the smallest limit found. */
static int cgroup_walk(const char *mnt, const char *mnt_root, const char *cg_path, int v2)
{
    char dir[4096];
    size_t mlen = strlen(mnt), rlen = strlen(mnt_root);
    const char *rel = "";
    int lim = 0;
    if (strcmp(mnt_root, "/") == 0)
        rel = cg_path;
    else if (strncmp(cg_path, mnt_root, rlen) == 0 && (cg_path[rlen] == '/' || cg_path[rlen] == '\0'))
        rel = cg_path + rlen;
    if (snprintf(dir, sizeof dir, "%s%s", mnt, rel) >= (int)sizeof dir)
        snprintf(dir, sizeof dir, "%s", mnt);
    /* strip trailing slashes (but keep the mountpoint) */
    for (;;) {
        size_t len = strlen(dir);
        while (len > mlen && dir[len - 1] == '/')
            dir[--len] = '\0';
        lim = min_limit(lim, cgroup_dir_limit(dir, v2));
        if (len <= mlen)
            break;
        {
            char *slash = strrchr(dir, '/');
            if (slash == NULL || (size_t)(slash - dir) < mlen)
                break;
            *slash = '\0';
        }
    }
    return lim;
}

/* True if comma-separated list `opts` contains token `tok`. */
static int has_token(const char *opts, const char *tok)
{
    size_t tl = strlen(tok);
    const char *p = opts;
    while (p && *p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == tl && strncmp(p, tok, tl) == 0)
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* CPUs allowed by the cgroup CPU quota, 0 if unlimited or unknown. */
static int cgroup_cpu_limit(void)
{
    char v2_path[2048] = "", v1_path[2048] = "";
    int have_v2 = 0, have_v1 = 0, lim = 0;
    char line[4096];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f)) {
            /* "hierarchy-id:controllers:path" */
            char *c1 = strchr(line, ':'), *c2, *nl;
            if (!c1)
                continue;
            c2 = strchr(c1 + 1, ':');
            if (!c2)
                continue;
            nl = strchr(c2 + 1, '\n');
            if (nl)
                *nl = '\0';
            *c2 = '\0';
            if (strncmp(line, "0:", 2) == 0 && c1[1] == '\0') {
                snprintf(v2_path, sizeof v2_path, "%s", c2 + 1);
                have_v2 = 1;
            } else if (has_token(c1 + 1, "cpu")) {
                snprintf(v1_path, sizeof v1_path, "%s", c2 + 1);
                have_v1 = 1;
            }
        }
        fclose(f);
    }
    if (!have_v2)
        snprintf(v2_path, sizeof v2_path, "/");
    if (!have_v1)
        snprintf(v1_path, sizeof v1_path, "/");

    f = fopen("/proc/self/mountinfo", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f)) {
            /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
            char root[1024], mnt[1024], fstype[64], superopts[1024];
            char *dash = strstr(line, " - ");
            if (!dash)
                continue;
            if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2)
                continue;
            if (sscanf(dash + 3, "%63s %*s %1023s", fstype, superopts) < 1)
                continue;
            if (strcmp(fstype, "cgroup2") == 0)
                lim = min_limit(lim, cgroup_walk(mnt, root, v2_path, 1));
            else if (strcmp(fstype, "cgroup") == 0 && has_token(superopts, "cpu"))
                lim = min_limit(lim, cgroup_walk(mnt, root, v1_path, 0));
        }
        fclose(f);
    } else {
        lim = min_limit(lim, cgroup_dir_limit("/sys/fs/cgroup", 1));
        lim = min_limit(lim, cgroup_dir_limit("/sys/fs/cgroup/cpu", 0));
    }
    return lim;
}
#endif /* __linux__ */

static int affinity_cpus(void)
{
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int c = CPU_COUNT(&set);
        if (c >= 1)
            return c;
    }
#endif
#if defined(_SC_NPROCESSORS_ONLN)
    {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        if (c >= 1)
            return c > INT_MAX ? INT_MAX : (int)c;
    }
#endif
    return 1;
}

#ifdef _OPENMP
/* omp_get_max_threads() of a thread that never called omp_set_num_threads:
 * libgomp keeps that ICV per thread once set, so a fresh thread sees the
 * process-wide default (OMP_NUM_THREADS or the affinity-based count). */
#ifdef FA_HAVE_PTHREAD
static void *omp_default_thread(void *arg)
{
    *(int *)arg = omp_get_max_threads();
    return NULL;
}
#endif

static int omp_process_default(void)
{
    int v = 0;
#ifdef FA_HAVE_PTHREAD
    pthread_t th;
    if (pthread_create(&th, NULL, omp_default_thread, &v) == 0)
        pthread_join(th, NULL);
    else
        v = 0;
#endif
    if (v < 1)
        v = omp_get_max_threads();
    return v < 1 ? 1 : v;
}
#endif

static size_t scaled_grain(size_t g, double scale)
{
    double v = (double)g * scale;
    if (v < (double)FA_BLOCK_ALIGN)
        return FA_BLOCK_ALIGN;
    return v > 1e15 ? (size_t)1e15 : (size_t)v;
}

static void fa_parallel_init(void)
{
    int cap = affinity_cpus();
    (void)fa_init(); /* idempotent: a C caller that skipped it gets a filled table */
#if defined(__linux__)
    cap = min_limit(cap, cgroup_cpu_limit());
#endif
    g_cpu_cap = cap < 1 ? 1 : cap;
    g_env_threads = parse_positive(getenv("FASTACT_NUM_THREADS"));
    {
        double scale = 1.0;
        const char *e = getenv("FASTACT_GRAIN_SCALE");
        int i;
        if (e != NULL && *e != '\0') {
            char *end;
            double v = strtod(e, &end);
            if (*end == '\0' && v >= 0.0 && v <= 1e6)
                scale = v;
        }
        g_force_parallel = scale == 0.0;
        for (i = 0; i < FA_N_MAP_OPS; i++) {
            g_grain_map_f32[i] = scaled_grain(grain_map_f32[i], scale);
            g_grain_map_f64[i] = scaled_grain(grain_map_f64[i], scale);
        }
        for (i = 0; i < FA_N_ROW_OPS; i++) {
            g_grain_row_f32[i] = scaled_grain(grain_row_f32[i], scale);
            g_grain_row_f64[i] = scaled_grain(grain_row_f64[i], scale);
        }
    }
#ifdef _OPENMP
    /* (a forked child never runs a team: no need for the probe thread) */
    g_omp_default = is_forked_child() ? 1 : omp_process_default();
#else
    g_omp_default = 1;
#endif
}

#ifdef FA_HAVE_PTHREAD
static pthread_once_t g_init_once = PTHREAD_ONCE_INIT;
FA_MAYBE_UNUSED static void fa_once(void)
{
    (void)pthread_once(&g_atfork_once, fa_register_atfork);
    (void)pthread_once(&g_init_once, fa_parallel_init);
}
#else
static int g_init_done;
FA_MAYBE_UNUSED static void fa_once(void)
{
    if (!g_init_done) {
        fa_parallel_init();
        g_init_done = 1;
    }
}
#endif

/* ------------------------------------------------------------------ */
/* Thread-count API                                                      */
/* ------------------------------------------------------------------ */

int fa_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

void fa_set_num_threads(int n)
{
    FA_STORE(&g_user_threads, n >= 1 ? n : 0);
}

int fa_get_num_threads(void)
{
#ifdef _OPENMP
    int omp_now, explicit_n;
    if (is_forked_child())
        return 1;
    fa_once();
    omp_now = omp_get_max_threads(); /* this thread's ICV */
    if (omp_now < 1)
        omp_now = 1;
    explicit_n = FA_LOAD(&g_user_threads);
    if (explicit_n < 1)
        explicit_n = g_env_threads;
    if (explicit_n >= 1) {
        /* a lowered OpenMP limit on this thread (threadpool_limits) wins */
        if (omp_now < g_omp_default && omp_now < explicit_n)
            return omp_now;
        return explicit_n;
    }
    return omp_now < g_cpu_cap ? omp_now : g_cpu_cap;
#else
    return 1;
#endif
}

int fa_resolve_threads(int requested)
{
#ifdef _OPENMP
    if (is_forked_child())
        return 1;
    if (requested >= 1)
        return requested;
    return fa_get_num_threads();
#else
    (void)requested;
    return 1;
#endif
}

/* ------------------------------------------------------------------ */
/* Drivers                                                               */
/* ------------------------------------------------------------------ */

/* Threads worth using for `work` elements at `grain` per thread, given
 * the request; 1 means serial.  fa_once() has run. */
static int plan_threads(size_t work, size_t grain, int requested)
{
#ifdef _OPENMP
    int nt;
    size_t by_work;
    if (work < 2 * grain) /* cheap test first: small calls stay serial */
        return 1;
    if (is_forked_child() || omp_in_parallel())
        return 1;
    nt = fa_resolve_threads(requested);
    by_work = work / grain;
    if ((size_t)nt > by_work)
        nt = (int)by_work;
    return nt < 1 ? 1 : nt;
#else
    (void)work;
    (void)grain;
    (void)requested;
    return 1;
#endif
}

/* Claim the process-wide team slot; 0 if another call holds it. */
static int team_acquire(void)
{
    int expected = 0;
    return __atomic_compare_exchange_n(&g_team_busy, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}
static void team_release(void) { FA_STORE(&g_team_busy, 0); }

/* ---- contention back-off ----
 * A fork-join region ends only when every team thread has arrived.  On an
 * overloaded machine (more runnable threads than cores: shared CI runners,
 * other processes, cgroup throttling) a woken worker may wait a whole
 * scheduler time slice (ms) for a core, and a 100 us call then takes 10 ms.
 * So each parallel call measures itself: how long the master thread waited
 * for its team (wall time minus the time it spent in its own blocks).  A
 * healthy team makes it wait at most about one block.  A call where it
 * waited more than one block + FA_LOSS_NS starts a back-off: parallel-
 * eligible calls run serially for 50 ms, doubling on each further loss up
 * to 2 s; one parallel call with a normal wait ends it.  On a quiet machine
 * waking a team costs tens of microseconds, far below FA_LOSS_NS, so this
 * never triggers.  Only speed is affected, never results.
 * (libgomp also makes every thread pass a start barrier before the region
 * runs, so a worker without a core delays the master at both ends.) */
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
    if (g_force_parallel)
        return 0;
    until = __atomic_load_n(&g_backoff_until, __ATOMIC_RELAXED);
    return until != 0 && now_ns() < until;
}

/* After a parallel call: it took `took` ns of wall time, of which the
 * master thread spent `mwork` ns running its own `mblocks` blocks; the rest
 * it spent waiting for the team (to start, then to finish).  A healthy team
 * keeps the master waiting at most about one block (the last block another
 * thread took); much more means a team thread could not get a core.
 * Called by the team holder only (team slot held): a single writer. */
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

/* Blocks for the static split: nt * per blocks (so every thread gets `per`
 * consecutive blocks), per = FA_BLOCKS_PER_THREAD or fewer so that a block
 * holds at least grain / FA_BLOCKS_PER_THREAD units (elements or elements
 * of rows); `units` is the element or row count, `unit_work` the elements
 * per unit. */
static long split_blocks(size_t units, size_t unit_work, int nt, size_t grain)
{
    size_t per = FA_BLOCKS_PER_THREAD, minw = grain / FA_BLOCKS_PER_THREAD;
    while (per > 1 && (units / ((size_t)nt * per)) * unit_work < minw)
        per--;
    if ((size_t)nt * per > units)
        per = 1;
    return (long)((size_t)nt * per);
}

/* Start of block b of `nblocks` evenly spread blocks over `units`
 * (b = nblocks gives units), rounded down to a multiple of `align`: block
 * sizes differ by at most `align` units. */
static size_t block_lo(long b, long nblocks, size_t units, size_t align)
{
    size_t q = units / (size_t)nblocks, r = units % (size_t)nblocks, lo;
    if (b >= nblocks)
        return units;
    lo = q * (size_t)b + r * (size_t)b / (size_t)nblocks;
    return lo - lo % align;
}

/* Serial unless planned parallel, not backing off, and the team is free. */
static int go_parallel(int nt)
{
    if (nt <= 1 || backoff_active())
        return 0;
    return team_acquire();
}

/*
 * The parallel loop: blocks 0..nblocks-1 split statically (contiguous ranges,
 * the same for every call of the same size) over nt threads; BODY(b)
 * processes block b.  (The two-pass loop of long rows stays dynamic.)  The
 * master (thread 0) times its own blocks for the back-off; the other threads
 * never read the clock.
 */
#ifdef _OPENMP
#define FA_PRAGMA(x) _Pragma(#x)
/* One work-shared loop over the blocks; the master times its own blocks
 * (mwork_, mblocks_) for the back-off. */
#define FA_TIMED_LOOP(SCHED, nblocks, BODY)                                              \
    FA_PRAGMA(omp for SCHED)                                                             \
    for (b_ = 0; b_ < (nblocks); b_++) {                                                 \
        if (master_) {                                                                   \
            long long s_ = now_ns();                                                     \
            BODY(b_);                                                                    \
            mwork_ += now_ns() - s_;                                                     \
            mblocks_++;                                                                  \
        } else {                                                                         \
            BODY(b_);                                                                    \
        }                                                                                \
    }
#define FA_PARALLEL_BLOCKS(nt, nblocks, BODY)                                            \
    do {                                                                                 \
        long long t0_ = now_ns(), mwork_ = 0, te_;                                       \
        long mblocks_ = 0;                                                               \
        FA_PRAGMA(omp parallel num_threads(nt))                                          \
        {                                                                                \
            long b_;                                                                     \
            const int master_ = omp_get_thread_num() == 0;                               \
            FA_TIMED_LOOP(schedule(static) nowait, nblocks, BODY);                       \
        }                                                                                \
        te_ = now_ns();                                                                  \
        backoff_update(te_ - t0_, mwork_, mblocks_, te_);                                \
    } while (0)
/* Two passes over the same blocks in one team (one wake-up): BODY1 on every
 * block, then MID() once on one thread after all of them, then BODY2. */
#define FA_PARALLEL_2PASS(nt, nblocks, BODY1, MID, BODY2)                                \
    do {                                                                                 \
        long long t0_ = now_ns(), mwork_ = 0, te_;                                       \
        long mblocks_ = 0;                                                               \
        FA_PRAGMA(omp parallel num_threads(nt))                                          \
        {                                                                                \
            long b_;                                                                     \
            const int master_ = omp_get_thread_num() == 0;                               \
            FA_TIMED_LOOP(schedule(dynamic, 1), nblocks, BODY1);                         \
            FA_PRAGMA(omp single)                                                        \
            MID();                                                                       \
            FA_TIMED_LOOP(schedule(dynamic, 1) nowait, nblocks, BODY2);                  \
        }                                                                                \
        te_ = now_ns();                                                                  \
        backoff_update(te_ - t0_, mwork_, mblocks_, te_);                                \
    } while (0)
#else
#define FA_PARALLEL_2PASS(nt, nblocks, BODY1, MID, BODY2)                                \
    do {                                                                                 \
        long b_;                                                                         \
        (void)(nt);                                                                      \
        for (b_ = 0; b_ < (nblocks); b_++)                                               \
            BODY1(b_);                                                                   \
        MID();                                                                           \
        for (b_ = 0; b_ < (nblocks); b_++)                                               \
            BODY2(b_);                                                                   \
    } while (0)
#define FA_PARALLEL_BLOCKS(nt, nblocks, BODY)                                            \
    do {                                                                                 \
        long b_;                                                                         \
        (void)(nt);                                                                      \
        for (b_ = 0; b_ < (nblocks); b_++)                                               \
            BODY(b_);                                                                    \
    } while (0)
#endif

/* The kernel for an elementwise call: the non-temporal-store variant for
 * large out-of-place outputs of the ops that gain from it. */
#define FA_DEFINE_PICK(SUF, T)                                                           \
    static fa_map_##SUF##_fn pick_map_##SUF(int op, const T *x, const T *y, size_t n)    \
    {                                                                                    \
        const fa_kernel_table *t = fa_kernels();                                         \
        size_t lim = nt_min_bytes[op];                                                   \
        if (lim != 0 && x != y && n >= lim / sizeof(T) && t->map_##SUF##_nt[op] != NULL) \
            return t->map_##SUF##_nt[op];                                                \
        return t->map_##SUF[op];                                                         \
    }
FA_DEFINE_PICK(f32, float)
FA_DEFINE_PICK(f64, double)

#define FA_DEFINE_MAP(SUF, T)                                                            \
    void fa_map_##SUF(int op, const T *x, T *y, size_t n, T param, int nthreads)       \
    {                                                                                    \
        fa_map_##SUF##_fn k;                                                             \
        size_t grain;                                                                    \
        long nblocks;                                                                    \
        int nt;                                                                          \
        if (op < 0 || op >= FA_N_MAP_OPS || n == 0)                                      \
            return;                                                                      \
        fa_once();                                                                       \
        k = pick_map_##SUF(op, x, y, n);                                                 \
        grain = g_grain_map_##SUF[op];                                                   \
        nt = plan_threads(n, grain, nthreads);                                           \
        if (!go_parallel(nt)) {                                                          \
            k(x, y, n, param);                                                           \
            return;                                                                      \
        }                                                                                \
        nblocks = split_blocks(n, 1, nt, grain);                                         \
        FA_PARALLEL_BLOCKS(nt, nblocks, FA_MAP_BLOCK);                                   \
        team_release();                                                                  \
    }
#define FA_MAP_BLOCK(b)                                                                  \
    do {                                                                                 \
        size_t lo_ = block_lo((b), nblocks, n, FA_BLOCK_ALIGN);                          \
        size_t hi_ = block_lo((b) + 1, nblocks, n, FA_BLOCK_ALIGN);                      \
        if (hi_ > lo_)                                                                   \
            k(x + lo_, y + lo_, hi_ - lo_, param);                                       \
    } while (0)

/* ---- long rows (cols > FA_ROW_BLOCK): the blocked algorithm ----
 * Every long row is cut into blocks of FA_ROW_BLOCK elements (the last one
 * shorter) whatever the thread count.  Pass A (kernel row_part) gives each
 * block's max m_b and sum s_b; combine_row merges them serially in block
 * order; pass B (kernel row_fix) writes the block's results.  Each block is
 * computed by the same kernels with the same inputs however the work is
 * split, so results are bitwise identical for every thread count.
 *   softmax:     M = max m_b, S = sum s_b e^(m_b - M), y = e^(x - m_b) * f_b
 *                with f_b = e^(m_b - M) / S rounded to the dtype;
 *   log_softmax: b* = first block with m_b = M, S1 = s_b* + sum over the
 *                other blocks of e^(m_b - M) (1 + s_b) (s_b excludes one
 *                maximum of each block), y = (x - M) - log1p(S1), as in the
 *                one-row kernel.
 * e^(m_b - M) is libm's exp in double with the rounding error of m_b - M
 * corrected (TwoSum); the sums are compensated (Neumaier).  Special rows: a
 * NaN or +inf anywhere, or a row of only -inf, give an all-NaN row, as the
 * one-row kernels do. */
typedef struct {
    double m, s; /* pass A: block max, block sum; after combine_row: fix's a, b */
} fa_blk;

static void acc_sum(double *s, double *c, double v)
{
    double t = *s + v;
    *c += fabs(*s) >= fabs(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* e^(a - b) for a <= b, a not NaN, b finite, in long double: the
 * difference of two doubles is exact (or within 2^-64) there, and expl
 * keeps the factor's error far below a double ulp (where long double is
 * double, as on MSVC, the TwoSum error term is carried as before). */
static long double exp_diff(double a, double b)
{
    double d = a - b, t, err;
    long double e;
    if (!(d > -1000.0)) /* a = -inf or far below b: 0 in double */
        return 0.0L;
    t = d - a; /* TwoSum: a + (-b) == d + err exactly */
    err = (a - (d - t)) + (-b - t);
    e = expl((long double)d + (long double)err);
    return e;
}

/* Neumaier-compensated running total in long double */
static void acc_sum_l(long double *s, long double *c, long double v)
{
    long double t = *s + v;
    *c += fabsl(*s) >= fabsl(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* Merge the nb blocks of one row; leaves the arguments of row_fix in blk. */
static void combine_row(int op, fa_blk *blk, size_t nb)
{
    double M = -INFINITY, S = 0.0, c = 0.0, L;
    size_t b, bs = 0;
    int bad = 0;
    for (b = 0; b < nb; b++) {
        if (blk[b].m != blk[b].m)
            bad = 1;
        else if (blk[b].m > M) {
            M = blk[b].m;
            bs = b;
        }
    }
    if (bad || !(M < INFINITY)) { /* NaN or +inf in the row, or all -inf */
        for (b = 0; b < nb; b++)
            blk[b].m = blk[b].s = (double)NAN;
        return;
    }
    if (op == FA_OP_SOFTMAX) {
        /* f_b = e^(m_b - M) / S rounded once to double: factor, sum and
         * quotient in long double (the one-row kernel's 1/S has one rounding
         * too) */
        long double Sl = 0.0L, cl = 0.0L;
        for (b = 0; b < nb; b++) /* s_b NaN (NaN in the block): S NaN */
            acc_sum_l(&Sl, &cl, (long double)blk[b].s * exp_diff(blk[b].m, M));
        Sl += cl;
        for (b = 0; b < nb; b++) {
            blk[b].m = (double)(exp_diff(blk[b].m, M) / Sl);
            blk[b].s = 0.0;
        }
    } else {
        S = blk[bs].s;
        for (b = 0; b < nb; b++)
            if (b != bs)
                acc_sum(&S, &c, (double)exp_diff(blk[b].m, M) * (1.0 + blk[b].s));
        L = log1p(S + c);
        for (b = 0; b < nb; b++) {
            blk[b].m = M;
            blk[b].s = L;
        }
    }
}

#define FA_DEFINE_LONG_ROWS(SUF, T)                                                      \
    /* block k of a row: pass A */                                                       \
    static void part_block_##SUF(fa_rowpart_##SUF##_fn part, const T *x, T *y,           \
                                 size_t cols, size_t k, fa_blk *blk)                      \
    {                                                                                    \
        size_t lo = k * FA_ROW_BLOCK, len = cols - lo < FA_ROW_BLOCK ? cols - lo : FA_ROW_BLOCK; \
        T m;                                                                             \
        blk->s = part(x + lo, y + lo, len, &m);                                          \
        blk->m = (double)m;                                                              \
    }                                                                                    \
    /* block k of a row: pass B */                                                       \
    static void fix_block_##SUF(fa_rowfix_##SUF##_fn fix, const T *x, T *y, size_t cols, \
                                size_t k, const fa_blk *blk)                             \
    {                                                                                    \
        size_t lo = k * FA_ROW_BLOCK, len = cols - lo < FA_ROW_BLOCK ? cols - lo : FA_ROW_BLOCK; \
        fix(x + lo, y + lo, len, (T)blk->m, (T)blk->s);                                  \
    }                                                                                    \
    /* one whole long row, serially; blk has nb entries */                               \
    static void long_row_##SUF(int op, const T *x, T *y, size_t cols, size_t nb, fa_blk *blk) \
    {                                                                                    \
        const fa_kernel_table *t = fa_kernels();                                         \
        size_t k;                                                                        \
        for (k = 0; k < nb; k++)                                                         \
            part_block_##SUF(t->row_part_##SUF[op], x, y, cols, k, blk + k);             \
        combine_row(op, blk, nb);                                                        \
        for (k = 0; k < nb; k++)                                                         \
            fix_block_##SUF(t->row_fix_##SUF[op], x, y, cols, k, blk + k);               \
    }                                                                                    \
    /* rows x cols with cols > FA_ROW_BLOCK; nt planned threads */                      \
    static void rows_long_##SUF(int op, const T *x, T *y, size_t rows, size_t cols,      \
                                int nt, size_t grain)                                    \
    {                                                                                    \
        const fa_kernel_table *t = fa_kernels();                                         \
        fa_rowpart_##SUF##_fn part = t->row_part_##SUF[op];                              \
        fa_rowfix_##SUF##_fn fix = t->row_fix_##SUF[op];                                 \
        /* local names for the block bodies below (which cannot paste SUF) */            \
        void (*part_block)(fa_rowpart_##SUF##_fn, const T *, T *, size_t, size_t, fa_blk *) = \
            part_block_##SUF;                                                            \
        void (*fix_block)(fa_rowfix_##SUF##_fn, const T *, T *, size_t, size_t,          \
                          const fa_blk *) = fix_block_##SUF;                             \
        void (*long_row)(int, const T *, T *, size_t, size_t, fa_blk *) = long_row_##SUF; \
        size_t nb = (cols + FA_ROW_BLOCK - 1) / FA_ROW_BLOCK, r;                         \
        long nblocks;                                                                    \
        fa_blk *blk = NULL;                                                              \
        if (rows <= SIZE_MAX / sizeof(fa_blk) / nb)                                      \
            blk = (fa_blk *)malloc(rows * nb * sizeof(fa_blk));                          \
        if (blk == NULL) { /* out of memory: the one-row kernel, serially */             \
            for (r = 0; r < rows; r++)                                                   \
                t->row_##SUF[op](x + r * cols, y + r * cols, cols);                      \
            return;                                                                      \
        }                                                                                \
        if ((size_t)nt > rows) { /* few long rows: threads share (row, block) pairs */   \
            if ((size_t)nt > rows * nb)                                                  \
                nt = (int)(rows * nb);                                                   \
            if (go_parallel(nt)) {                                                       \
                nblocks = (long)(rows * nb);                                             \
                FA_PARALLEL_2PASS(nt, nblocks, FA_PART_BLOCK, FA_COMBINE_ROWS,           \
                                  FA_FIX_BLOCK);                                         \
                team_release();                                                          \
                free(blk);                                                               \
                return;                                                                  \
            }                                                                            \
        } else if (go_parallel(nt)) { /* whole rows per thread */                        \
            nblocks = split_blocks(rows, cols, nt, grain);                               \
            FA_PARALLEL_BLOCKS(nt, nblocks, FA_LONG_ROWS_BLOCK);                         \
            team_release();                                                              \
            free(blk);                                                                   \
            return;                                                                      \
        }                                                                                \
        for (r = 0; r < rows; r++)                                                       \
            long_row_##SUF(op, x + r * cols, y + r * cols, cols, nb, blk + r * nb);      \
        free(blk);                                                                       \
    }
#define FA_PART_BLOCK(b)                                                                 \
    do {                                                                                 \
        size_t r_ = (size_t)(b) / nb, k_ = (size_t)(b) % nb;                             \
        part_block(part, x + r_ * cols, y + r_ * cols, cols, k_, blk + (size_t)(b)); \
    } while (0)
#define FA_FIX_BLOCK(b)                                                                  \
    do {                                                                                 \
        size_t r_ = (size_t)(b) / nb, k_ = (size_t)(b) % nb;                             \
        fix_block(fix, x + r_ * cols, y + r_ * cols, cols, k_, blk + (size_t)(b)); \
    } while (0)
#define FA_COMBINE_ROWS()                                                                \
    do {                                                                                 \
        size_t rr_;                                                                      \
        for (rr_ = 0; rr_ < rows; rr_++)                                                 \
            combine_row(op, blk + rr_ * nb, nb);                                         \
    } while (0)
#define FA_LONG_ROWS_BLOCK(b)                                                            \
    do {                                                                                 \
        size_t r0_ = block_lo((b), nblocks, rows, 1), i_;                                \
        size_t r1_ = block_lo((b) + 1, nblocks, rows, 1);                                \
        for (i_ = r0_; i_ < r1_; i_++)                                                   \
            long_row(op, x + i_ * cols, y + i_ * cols, cols, nb, blk + i_ * nb);   \
    } while (0)

#define FA_DEFINE_ROWS(SUF, T)                                                           \
    void fa_rows_##SUF(int op, const T *x, T *y, size_t rows, size_t cols, int nthreads) \
    {                                                                                    \
        fa_row_##SUF##_fn k;                                                             \
        size_t work, grain, r;                                                           \
        long nblocks;                                                                    \
        int nt;                                                                          \
        if (op < 0 || op >= FA_N_ROW_OPS || rows == 0 || cols == 0)                      \
            return;                                                                      \
        fa_once();                                                                       \
        k = fa_kernels()->row_##SUF[op];                                                 \
        grain = g_grain_row_##SUF[op];                                                   \
        work = rows > SIZE_MAX / cols ? SIZE_MAX : rows * cols;                          \
        nt = plan_threads(work, grain, nthreads);                                        \
        if (cols > FA_ROW_BLOCK) { /* long rows: blocked, for every thread count */      \
            rows_long_##SUF(op, x, y, rows, cols, nt, grain);                            \
            return;                                                                      \
        }                                                                                \
        if ((size_t)nt > rows) /* whole rows per thread (see docs/threading.md) */       \
            nt = (int)rows;                                                              \
        if (!go_parallel(nt)) {                                                          \
            for (r = 0; r < rows; r++)                                                   \
                k(x + r * cols, y + r * cols, cols);                                     \
            return;                                                                      \
        }                                                                                \
        nblocks = split_blocks(rows, cols, nt, grain);                                   \
        FA_PARALLEL_BLOCKS(nt, nblocks, FA_ROWS_BLOCK);                                  \
        team_release();                                                                  \
    }
#define FA_ROWS_BLOCK(b)                                                                 \
    do {                                                                                 \
        size_t r0_ = block_lo((b), nblocks, rows, 1), i_;                                \
        size_t r1_ = block_lo((b) + 1, nblocks, rows, 1);                                \
        for (i_ = r0_; i_ < r1_; i_++)                                                   \
            k(x + i_ * cols, y + i_ * cols, cols);                                       \
    } while (0)

FA_DEFINE_MAP(f32, float)
FA_DEFINE_MAP(f64, double)
FA_DEFINE_LONG_ROWS(f32, float)
FA_DEFINE_LONG_ROWS(f64, double)
FA_DEFINE_ROWS(f32, float)
FA_DEFINE_ROWS(f64, double)
