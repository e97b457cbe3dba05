"""Threading benchmarks for fastact (a script, not a pytest module).

    python benchmarks/bench_threads.py                 # the four checks of the threading issue
    python benchmarks/bench_threads.py --reps 31       # more repetitions (noisy machine)
    python benchmarks/bench_threads.py --thresholds    # + crossover sizes per op (chooses grains)
    python benchmarks/bench_threads.py --only large,small

Checks (targets for a 2-core machine):
  large     4M float32 sigmoid, num_threads=2 vs 1               target >= 1.6x
  small     1000-element call, default threads vs num_threads=1  target >= 1.0x (no slower)
  gil       2 Python threads each calling num_threads=1 vs 1     target >= 1.4x throughput
  oversub   8 Python threads (default threads) vs sequential     target >= 0.9x (no collapse)
  concurrent  2, 4, 8, 16 Python threads each making 10 default-threads calls
            (1M float32 sigmoid) vs the same calls one after another:
            concurrent/serial time, target <= 1.2; and 2 callers at
            num_threads=1 (gelu) vs one caller, target >= 1.6x

Each measurement alternates the variants being compared (so slow phases of a
shared machine hit both) and reports medians; ratios are of medians.
--thresholds runs each op/dtype in a subprocess with FASTACT_GRAIN_SCALE=0
(every call parallel, no contention back-off) and prints the 2-thread /
1-thread speedup by size: the grain table in src/c/parallel.c is half the
smallest size where 2 threads win by >= 1.3x (on a quiet machine).
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
# run as a script from a checkout built in place (setup.py build_ext
# --inplace): use that build.  Imported (tests/test_bench_peers.py) or
# unbuilt: leave sys.path alone (worker processes inherit it).
if __name__ == "__main__" and SRC not in sys.path and [
        f for f in glob.glob(os.path.join(SRC, "fastact", "_core*")) if not f.endswith((".pyx", ".pxd", ".c"))]:
    sys.path.insert(0, SRC)

import fastact as fa

clock = time.perf_counter


def _median(xs):
    return statistics.median(xs)


def _alternate(fns, reps, inner=1):
    """Time each fn `reps` times, interleaved; return per-fn medians (s per call)."""
    times = [[] for _ in fns]
    for _ in range(reps):
        for i, f in enumerate(fns):
            t0 = clock()
            for _ in range(inner):
                f()
            times[i].append((clock() - t0) / inner)
    return [_median(t) for t in times]


def _threads_run(nthreads, fn, calls_each):
    """Run fn `calls_each` times in each of `nthreads` Python threads; wall time."""
    barrier = threading.Barrier(nthreads + 1)

    def worker():
        barrier.wait()
        for _ in range(calls_each):
            fn()

    ts = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = clock()
    for t in ts:
        t.join()
    return clock() - t0


rows = []  # (check, variant A, variant B, A, B, ratio, target)


def report(check, a_name, b_name, a, b, ratio, target, unit, lower=False):
    """lower=True: the ratio must stay <= target (else >= target)."""
    ok = "ok" if (ratio <= target if lower else ratio >= target) else "MISS"
    rows.append((check, a_name, b_name, a, b, ratio, ("<=" if lower else ">=") + format(target, ".2f"), unit, ok))


def bench_large(reps):
    x = np.random.default_rng(0).standard_normal(4 << 20).astype(np.float32)
    y = np.empty_like(x)
    f1 = lambda: fa.sigmoid(x, out=y, num_threads=1)
    f2 = lambda: fa.sigmoid(x, out=y, num_threads=2)
    f1(), f2()
    t1, t2 = _alternate([f1, f2], reps)
    report(
        "large: 4M f32 sigmoid",
        "1 thread",
        "2 threads",
        t1 * 1e3,
        t2 * 1e3,
        t1 / t2,
        1.6,
        "ms",
    )


def bench_small(reps):
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    y = np.empty_like(x)
    fd = lambda: fa.sigmoid(x, out=y)
    f1 = lambda: fa.sigmoid(x, out=y, num_threads=1)
    fd(), f1()
    td, t1 = _alternate([fd, f1], reps, inner=2000)
    report(
        "small: 1000-elem f32 sigmoid",
        "num_threads=1",
        "default",
        t1 * 1e6,
        td * 1e6,
        t1 / td,
        1.0 - 0.05,
        "us",
    )


def bench_gil(reps):
    # serial calls (num_threads=1) big enough that the call, not Python, dominates
    x = np.random.default_rng(0).standard_normal(1 << 17).astype(np.float32)
    ys = [np.empty_like(x) for _ in range(2)]
    calls = 200
    f0 = lambda: fa.sigmoid(x, out=ys[0], num_threads=1)
    local = threading.local()

    def fthr():
        if not hasattr(local, "y"):
            local.y = np.empty_like(x)
        fa.sigmoid(x, out=local.y, num_threads=1)

    f0()
    one, two = [], []
    for _ in range(reps):
        one.append(_threads_run(1, fthr, calls) / calls)  # 1 thread: calls calls
        two.append(
            _threads_run(2, fthr, calls) / (2 * calls)
        )  # 2 threads: 2*calls calls
    t1, t2 = _median(one), _median(two)
    report(
        "gil: 2 Py threads x num_threads=1",
        "1 Py thread",
        "2 Py threads",
        t1 * 1e6,
        t2 * 1e6,
        t1 / t2,
        1.4,
        "us/call",
    )


def bench_oversub(reps, nthreads=8):
    x = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
    calls = 12
    local = threading.local()

    def fthr():
        if not hasattr(local, "y"):
            local.y = np.empty_like(x)
        fa.sigmoid(x, out=local.y)  # default threads: parallel-sized

    fthr()
    seq, par = [], []
    for _ in range(reps):
        seq.append(_threads_run(1, fthr, nthreads * calls) / (nthreads * calls))
        par.append(_threads_run(nthreads, fthr, calls) / (nthreads * calls))
    ts, tp = _median(seq), _median(par)
    report(
        f"oversub: {nthreads} Py threads, 1M f32 sigmoid",
        "sequential",
        f"{nthreads} Py threads",
        ts * 1e6,
        tp * 1e6,
        ts / tp,
        0.9,
        "us/call",
    )


def bench_concurrent(reps, callers=(2, 4, 8, 16), calls=10, n=1 << 20):
    """k Python threads each calling fa.sigmoid(x, out=own) `calls` times on n
    float32 elements with default threads, against the same k*calls calls made
    one after another; medians of `reps` alternated repetitions.  The
    threading issue's target: concurrent / serial <= 1.2 for every k."""
    x = (np.random.default_rng(0).standard_normal(n) * 3).astype(np.float32)
    local = threading.local()

    def fthr():
        if not hasattr(local, "y"):
            local.y = np.empty_like(x)
        fa.sigmoid(x, out=local.y)

    fthr()
    for k in callers:
        seq, par = [], []
        for _ in range(reps):
            seq.append(_threads_run(1, fthr, k * calls))
            par.append(_threads_run(k, fthr, calls))
        ts, tp = _median(seq), _median(par)
        report(f"concurrent: {k} callers x {calls} sigmoid 1M f32", "serial", "concurrent",
               ts * 1e3, tp * 1e3, tp / ts, 1.2, "ms", lower=True)
    # two callers at num_threads=1 each: they run side by side (one core each)
    xg = x.copy()

    def g1():
        if not hasattr(local, "yg"):
            local.yg = np.empty_like(xg)
        fa.gelu(xg, out=local.yg, num_threads=1)

    g1()
    one, two = [], []
    for _ in range(reps):
        one.append(_threads_run(1, g1, 2 * calls))
        two.append(_threads_run(2, g1, calls))
    t1, t2 = _median(one), _median(two)
    report("concurrent: 2 callers x gelu 1M f32, num_threads=1", "1 caller", "2 callers",
           t1 * 1e3, t2 * 1e3, t1 / t2, 1.6, "ms")


# ---- thresholds ------------------------------------------------------------

_THRESH_CHILD = r"""
import json, sys, time, statistics
import numpy as np
import fastact as fa
from fastact import _ops
op, dt, sizes, reps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
dtype = np.dtype(dt)
v = _ops.variant(op)
f, kw = getattr(fa, v.func), _ops.kwargs(v)
def fn(x, y, nt):
    return f(x, **kw, out=y, num_threads=nt)
res = {}
for n in sizes:
    x = (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)
    if v.family == "rows":
        x = x.reshape(-1, 256)
    y = np.empty_like(x)
    inner = max(1, 200000 // n)
    t = {1: [], 2: []}
    fn(x, y, 2)
    for _ in range(reps):
        for nt in (1, 2):
            t0 = time.perf_counter()
            for _ in range(inner):
                fn(x, y, nt)
            t[nt].append((time.perf_counter() - t0) / inner)
    res[n] = (statistics.median(t[1]), statistics.median(t[2]))
print(json.dumps(res))
"""


def threshold_ops():
    """The ops --thresholds measures: every forward variant of the op registry
    (the backward families' grains are not measured by this script yet)."""
    from fastact import _ops

    return tuple(v.name for v in _ops.bench_variants() if v.family in ("map", "rows"))


def bench_thresholds(reps):
    ops = threshold_ops()
    sizes = [1 << k for k in range(12, 22)]  # 4K .. 2M elements
    env = dict(os.environ, FASTACT_GRAIN_SCALE="0")
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    print(
        "\n2-thread speedup (t1/t2) by size, every call forced parallel (FASTACT_GRAIN_SCALE=0); "
        "meaningful on a quiet machine only"
    )
    print(
        f"{'op':<12} {'dtype':<8}"
        + "".join(f"{(str(s >> 10) + 'K'):>7}" for s in sizes)
        + "   1st >=1.3x"
    )
    for op in ops:
        for dt in ("float32", "float64"):
            p = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _THRESH_CHILD,
                    op,
                    dt,
                    json.dumps(sizes),
                    str(reps),
                ],
                check=False,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if p.returncode != 0:
                print(f"{op:<12} {dt:<8} failed: {p.stderr.strip()[-200:]}")
                continue
            res = {int(k): v for k, v in json.loads(p.stdout).items()}
            ratios = [res[s][0] / res[s][1] for s in sizes]
            first = next((s for s, r in zip(sizes, ratios) if r >= 1.3), None)
            print(
                f"{op:<12} {dt:<8}"
                + "".join(f"{r:7.2f}" for r in ratios)
                + f"   {(str(first >> 10) + 'K') if first else '-':>8}",
                flush=True,
            )


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--reps", type=int, default=15, help="repetitions per measurement (medians)"
    )
    ap.add_argument(
        "--only",
        default="large,small,gil,oversub,concurrent",
        help="comma-separated checks to run",
    )
    ap.add_argument(
        "--thresholds",
        action="store_true",
        help="also measure parallel crossover sizes",
    )
    args = ap.parse_args()

    cfg = fa.get_config()
    print(
        f"fastact {cfg.get('version')}  isa={cfg.get('isa')}  openmp={cfg.get('openmp')}  "
        f"default threads={cfg.get('num_threads')}  cpus={len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}"
    )
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    only = set(args.only.split(",")) if args.only else set()
    checks = {
        "large": bench_large,
        "small": bench_small,
        "gil": bench_gil,
        "oversub": bench_oversub,
        "concurrent": bench_concurrent,
    }
    for name, f in checks.items():
        if name in only:
            f(args.reps)
    if rows:
        print(
            f"\n{'check':<52} {'A':>14} {'B':>14} {'A':>10} {'B':>10}  {'ratio':>6}  {'target':>6}"
        )
        for check, an, bn, a, b, ratio, target, unit, ok in rows:
            print(
                f"{check:<52} {an:>14} {bn:>14} {a:>10.2f} {b:>10.2f}  {ratio:6.2f}  {target:>6}"
                f"  {unit:<7} {ok}"
            )
    if hasattr(os, "getloadavg"):
        ncpu = os.cpu_count() or 1
        load1 = os.getloadavg()[0]
        print(
            f"\nload average (1 min) before/after: {load0:.2f} / {load1:.2f} on {ncpu} CPUs"
        )
        if load0 > ncpu - 0.5:
            print(
                "warning: the machine was busy before the run (load ~ CPUs); parallel speedups measured now are "
                "not representative (see docs/threading.md, contention back-off)"
            )
    if args.thresholds:
        bench_thresholds(max(3, args.reps // 3))


if __name__ == "__main__":
    main()
