"""Per-call side-by-side timing for a shared machine: fastact and the peers of
`python -m fastact bench` (built by fastact._bench.peers.make_impl: same data,
same out=, same threads), float32, n = 1e5 and 1e7.  Each implementation runs
6 interleaved rounds of 150 (1e5) or 6 (1e7) individually timed calls, each
round after a warm-up and a pause (120 ms after ONNX Runtime / PyTorch, whose
workers spin); the JSON has per implementation the min, 20th percentile and
median of the per-call times.  Interference only adds time, so the low
percentiles are the steadier figures when other jobs share the cores
(docs/benchmarks.md, issue 14).

usage: python benchmarks/bench_percall.py THREADS OUT.json      (BENCH_OPS=sigmoid,gelu: a subset)
       FASTACT_ISA=avx2 ATEN_CPU_CAPABILITY=avx2 python benchmarks/bench_percall.py 2 out.json
"""
import gc
import json
import os
import sys
import time

import numpy as np

import fastact
from fastact._bench import cases, peers

threads = int(sys.argv[1])
outp = sys.argv[2]
OPS = os.environ.get("BENCH_OPS", "sigmoid,tanh,silu,gelu,gelu_tanh,softmax,log_softmax,relu,leaky_relu").split(",")
IMPLS = ["fastact", "numpy", "torch", "onnxruntime"]
res = {"isa": fastact.get_config()["isa"], "threads": threads, "load": os.getloadavg()[0], "cases": []}
gc.disable()
for op in OPS:
    v = cases.variant(op)
    for size in (100000, 10000000):
        x = cases.make_input(v, "float32", size)
        o = np.empty_like(x)
        built = {}
        for n in IMPLS:
            try:
                im = peers.make_impl(n, v, x, o, threads)
                im.fn()
                built[n] = im
            except Exception:  # peer missing or no form for this op
                pass
        ncall = 150 if size == 100000 else 6
        times = {n: [] for n in built}
        names = list(built)
        for rnd in range(6):
            for j in range(len(names)):
                n = names[(j + rnd) % len(names)]
                fn = built[n].fn
                time.sleep(0.12 if n in ("onnxruntime", "torch") else 0.02)
                t_end = time.perf_counter() + (0.01 if size == 100000 else 0.03)
                while time.perf_counter() < t_end:
                    fn()
                for _ in range(ncall):
                    t0 = time.perf_counter()
                    fn()
                    times[n].append(time.perf_counter() - t0)
        row = {"op": op, "size": size}
        for n, t in times.items():
            t = np.sort(np.array(t))
            row[n] = {"min": float(t[0]), "p20": float(t[len(t) // 5]), "med": float(t[len(t) // 2])}
        res["cases"].append(row)
        print(op, size, {n: "%.3g" % row[n]["p20"] for n in times}, flush=True)
peers.shutdown()
res["load_after"] = os.getloadavg()[0]
json.dump(res, open(outp, "w"), indent=1)
