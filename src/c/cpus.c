/*
 * cpus.c - how many CPUs this process may use: the affinity mask
 * (sched_getaffinity) and the cgroup CPU quota (v2 cpu.max, v1
 * cpu.cfs_quota_us / cpu.cfs_period_us, the smallest limit on the path from
 * the process's cgroup up to the mount point).  Read once, by threads.c.
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

#include "fa_internal.h"

#if defined(__linux__)
/* The smaller of two limits, 0 meaning none. */
static int min_limit(int a, int b)
{
    if (a == 0)
        return b;
    if (b == 0)
        return a;
    return a < b ? a : b;
}

/* ---- CPU quota from cgroups ---- */

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

int fa_usable_cpus(void)
{
    int cap = affinity_cpus();
#if defined(__linux__)
    cap = min_limit(cap, cgroup_cpu_limit());
#endif
    return cap < 1 ? 1 : cap;
}
