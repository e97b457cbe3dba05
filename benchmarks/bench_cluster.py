#!/usr/bin/env python3
"""fa.gelu on a dask.distributed cluster vs NumPy-on-dask (the SciPy formula).

    python benchmarks/bench_cluster.py [--gib 4] [--chunk-mib 64] [--workers 2] [--repeat 3]

A LocalCluster of --workers processes with 1 thread each; a float32 array of
--gib GiB, generated chunk by chunk on the workers (never stored, never sent
to the client), goes through

  baseline  x.sum()                                       (generation + sum)
  fastact   fa.gelu(x).sum()
  scipy     da.map_blocks(0.5 * x * erfc(-x / sqrt 2), x).sum()

Each is timed --repeat times (variants interleaved; median wall time), and
each worker's peak resident memory during the run is sampled every 5 ms (a
thread in each worker, reset before each run).  The gelu cost is the time
over the baseline.  Prints one line per variant and a summary line.
"""
import argparse
import statistics
import time

import numpy as np


def _sampler_start():
    """In a worker: sample this process's RSS every 5 ms; returns the RSS now."""
    import sys
    import threading

    import psutil

    st = sys.__dict__.setdefault("_fastact_bench_rss", {})  # survives between client.run calls
    proc = psutil.Process()
    st["peak"] = proc.memory_info().rss
    if "thread" not in st:
        def run():
            while True:
                rss = proc.memory_info().rss
                if rss > st["peak"]:
                    st["peak"] = rss
                time.sleep(0.005)

        st["thread"] = threading.Thread(target=run, daemon=True)
        st["thread"].start()
    return st["peak"]


def _sampler_peak():
    import sys

    return sys.__dict__["_fastact_bench_rss"]["peak"]


def _scipy_gelu(x):
    from scipy.special import erfc

    return 0.5 * x * erfc(-x / np.float32(np.sqrt(2.0)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gib", type=float, default=4.0)
    ap.add_argument("--chunk-mib", type=float, default=64.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    import dask.array as da
    import distributed

    import fastact as fa

    n = int(a.gib * 2**30 / 4)
    c = int(a.chunk_mib * 2**20 / 4)
    with distributed.LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        x = da.random.default_rng(0).standard_normal(n, chunks=c, dtype=np.float32)
        variants = {
            "baseline": lambda: x.sum(dtype=np.float64),
            "fastact": lambda: fa.gelu(x).sum(dtype=np.float64),
            "scipy": lambda: da.map_blocks(_scipy_gelu, x, dtype=np.float32).sum(dtype=np.float64),
        }
        # warm-up: imports and first-touch in every worker
        small = da.random.default_rng(1).standard_normal(4 * c, chunks=c, dtype=np.float32)
        fa.gelu(small).sum().compute()
        da.map_blocks(_scipy_gelu, small, dtype=np.float32).sum().compute()
        times = {k: [] for k in variants}
        peaks = {k: [] for k in variants}
        sums = {}
        for _ in range(a.repeat):
            for k, make in variants.items():
                base = client.run(_sampler_start)
                t0 = time.perf_counter()
                sums[k] = float(make().compute())
                times[k].append(time.perf_counter() - t0)
                peak = client.run(_sampler_peak)
                peaks[k].append(max(peak[w] - base[w] for w in peak) / 2**20)
        base_rss = max(client.run(lambda: __import__("psutil").Process().memory_info().rss).values()) / 2**20
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{a.gib:g} GiB float32 ({n:.3g} elements) in {n // c} chunks of {a.chunk_mib:g} MiB, "
          f"{a.workers} workers x 1 thread, median of {a.repeat}")
    for k in variants:
        print(f"  {k:<9} {med[k]:7.2f} s   peak RSS above the idle worker (max over workers, median): "
              f"{statistics.median(peaks[k]):7.0f} MiB   sum={sums[k]:.6g}")
    g_fa = med["fastact"] - med["baseline"]
    g_sp = med["scipy"] - med["baseline"]
    print(f"gelu on the cluster: fastact {med['fastact']:.2f} s vs NumPy/SciPy-on-dask {med['scipy']:.2f} s "
          f"({med['scipy'] / med['fastact']:.2f}x); over generation+sum: {g_fa:.2f} s vs {g_sp:.2f} s "
          f"({g_sp / max(g_fa, 1e-9):.1f}x); peak memory per worker {statistics.median(peaks['fastact']):.0f} vs "
          f"{statistics.median(peaks['scipy']):.0f} MiB above idle ({base_rss:.0f} MiB idle RSS)")


if __name__ == "__main__":
    main()
