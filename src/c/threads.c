/*
 * threads.c - how many threads a call may use, and the process state behind
 * it (docs/threading.md has the user-facing version).
 *
 * A call asks for `requested` threads; <= 0 means the default, resolved per
 * call, in this order:
 *   1. fa_set_num_threads(n >= 1)          (explicit, in code)
 *   2. FASTACT_NUM_THREADS=n (n >= 1)      (explicit, environment; read once)
 *   3. automatic: omp_get_max_threads() of the calling thread (follows
 *      OMP_NUM_THREADS, omp_set_num_threads, threadpoolctl), capped by the
 *      CPUs this process may use (cpus.c: affinity and cgroup quota, read
 *      once).
 * An explicit default (1 or 2) is additionally capped by a *lowered* OpenMP
 * limit: when the calling thread's omp_get_max_threads() is below the
 * process-wide OpenMP default (read once from a fresh thread), someone called
 * omp_set_num_threads() on this thread - threadpoolctl's threadpool_limits()
 * does exactly that - and the limit wins.  So `with threadpool_limits(1):`
 * always makes default calls single-threaded.  A per-call request
 * (requested >= 1) is used as given, even beyond the core count: the caller
 * asked for it.
 *
 * Fork safety: GNU libgomp's thread pool does not survive fork(); a child
 * that starts a parallel region after the parent used the pool hangs.  A
 * pthread_atfork child handler (registered when the library is loaded) marks
 * the child, and every call in it runs serially, never entering OpenMP.
 */
#include <errno.h>
#include <stdlib.h>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define FA_HAVE_PTHREAD 1
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fa_internal.h"

#define FA_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define FA_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static int g_user_threads;   /* fa_set_num_threads; 0 = automatic */
static int g_forked_child;   /* set in the child after fork() */

/* Read once (fa_threads_init): */
static int g_env_threads;    /* FASTACT_NUM_THREADS, 0 if unset/invalid */
static int g_cpu_cap;        /* CPUs usable: affinity & cgroup quota, >= 1 */
static int g_omp_default;    /* process-wide omp_get_max_threads() default */

#ifdef FA_HAVE_PTHREAD
static void fa_atfork_child(void) { g_forked_child = 1; }

static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;
static void fa_register_atfork(void) { (void)pthread_atfork(NULL, NULL, fa_atfork_child); }

#if defined(__GNUC__)
/* At load time, so a fork before the first fastact call is covered too
 * (another library may have started the shared libgomp pool). */
__attribute__((constructor)) static void fa_threads_ctor(void)
{
    (void)pthread_once(&g_atfork_once, fa_register_atfork);
}
#endif
#endif

int fa_is_forked_child(void) { return FA_LOAD(&g_forked_child); }

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

/* FASTACT_GRAIN_SCALE: a number in [0, 1e6], else 1. */
static double parse_grain_scale(const char *e)
{
    char *end;
    double v;
    if (e == NULL || *e == '\0')
        return 1.0;
    v = strtod(e, &end);
    return (*end == '\0' && v >= 0.0 && v <= 1e6) ? v : 1.0;
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

static void threads_init_once(void)
{
    (void)fa_init(); /* idempotent: a C caller that skipped it gets a filled table */
    g_cpu_cap = fa_usable_cpus();
    g_env_threads = parse_positive(getenv("FASTACT_NUM_THREADS"));
    fa_parallel_init(parse_grain_scale(getenv("FASTACT_GRAIN_SCALE")), g_cpu_cap);
#ifdef _OPENMP
    /* (a forked child never runs a team: no need for the probe thread) */
    g_omp_default = fa_is_forked_child() ? 1 : omp_process_default();
#else
    g_omp_default = 1;
#endif
}

#ifdef FA_HAVE_PTHREAD
static pthread_once_t g_init_once = PTHREAD_ONCE_INIT;
void fa_threads_init(void)
{
    (void)pthread_once(&g_atfork_once, fa_register_atfork);
    (void)pthread_once(&g_init_once, threads_init_once);
}
#else
static int g_init_done;
void fa_threads_init(void)
{
    if (!g_init_done) {
        threads_init_once();
        g_init_done = 1;
    }
}
#endif

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
    if (fa_is_forked_child())
        return 1;
    fa_threads_init();
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
    if (fa_is_forked_child())
        return 1;
    if (requested >= 1)
        return requested;
    return fa_get_num_threads();
#else
    (void)requested;
    return 1;
#endif
}
