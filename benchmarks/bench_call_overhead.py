#!/usr/bin/env python3
"""Per-call cost of fastact at small sizes, for two builds side by side.

    python benchmarks/bench_call_overhead.py OLD_SRC NEW_SRC [MORE_SRC ...] [--rounds 15]

Each SRC is a directory that holds an importable ``fastact`` (for example
``src`` of an in-place build; give the same build twice for an A/A control).
Each round runs one fresh subprocess per build, in rotating order, which
times every case with ``timeit`` (median of --repeat repeats of N calls);
the table gives the median over the rounds, in ns per call, and each build's
ratio to the first.  The cases: 1e3 float32 elements with and
without ``out=``, one element (almost pure call overhead), a Python scalar and
a list (the non-ndarray paths that now check for dask/xarray/pandas types),
and for comparison NumPy ufuncs on the same arrays: ``np.negative`` (about
the cheapest real ufunc call) and the same with ``out=``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, timeit, statistics
import numpy as np
import fastact as fa
fa.set_num_threads(1)
rng = np.random.default_rng(0)
x = rng.standard_normal(1000).astype(np.float32); y = np.empty_like(x)
x1 = x[:1].copy(); y1 = np.empty_like(x1)
r = x.reshape(1, 1000).copy(); ry = np.empty_like(r)
cases = {
    "relu 1e3 out=": lambda: fa.relu(x, out=y),
    "sigmoid 1e3 out=": lambda: fa.sigmoid(x, out=y),
    "sigmoid 1e3": lambda: fa.sigmoid(x),
    "gelu 1e3 out=": lambda: fa.gelu(x, out=y),
    "softmax (1,1000) out=": lambda: fa.softmax(r, out=ry),
    "relu n=1 out=": lambda: fa.relu(x1, out=y1),
    "sigmoid(0.5) Python float": lambda: fa.sigmoid(0.5),
    "sigmoid([0.5]) list": lambda: fa.sigmoid([0.5]),
    "np.negative 1e3 out=": lambda: np.negative(x, out=y),
    "np.negative n=1 out=": lambda: np.negative(x1, out=y1),
    "np.negative n=1": lambda: np.negative(x1),
}
res = {}
for name, f in cases.items():
    t = timeit.Timer(f)
    n, _ = t.autorange()
    n = max(n, 2000)
    res[name] = statistics.median(t.repeat(REPEAT, n)) / n * 1e9
print(json.dumps(res))
"""


def run(src, repeat):
    env = dict(os.environ, PYTHONPATH=src, OMP_NUM_THREADS="1")
    code = f"REPEAT = {int(repeat)}\n" + CHILD
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("srcs", nargs="+", metavar="SRC")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    k = len(a.srcs)
    samples = [[] for _ in a.srcs]
    for i in range(a.rounds):
        for j in range(k):
            b = (i + j) % k  # rotate the order every round
            samples[b].append(run(a.srcs[b], a.repeat))
    cases = list(samples[0][0])
    print(f"median over {a.rounds} interleaved rounds, ns per call (load {os.getloadavg()[0]:.2f})")
    for j, s in enumerate(a.srcs):
        print(f"  [{j}] {s}")
    head = "".join(f" {'[' + str(j) + ']':>9}" for j in range(k)) + "".join(f" {'[' + str(j) + ']/[0]':>8}" for j in range(1, k))
    print(f"{'case':<30}{head}")
    for c in cases:
        med = [statistics.median(r[c] for r in samples[j]) for j in range(k)]
        print(f"{c:<30}" + "".join(f" {m:9.1f}" for m in med) + "".join(f" {m / med[0]:8.3f}" for m in med[1:]))


if __name__ == "__main__":
    main()
