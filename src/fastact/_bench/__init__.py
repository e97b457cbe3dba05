"""Benchmark machinery of ``python -m fastact bench`` and ``benchmarks/bench_ops.py``.

Both time exactly the same calls, built here:

* cases.py    what is timed: the registry's variants x dtypes x sizes (the
              default set and --full), the input data (fixed seed, the same
              for every implementation), the parameter values
* peers/      the implementations, one module each, found by a registry:
              fastact (out= and allocating), NumPy/SciPy, numexpr, PyTorch,
              ONNX Runtime, the memory-copy ceiling; each peer computes an op
              as the op registry's ``Variant.peers`` entry says (peers/spec.py)
              and writes into a preallocated output where its API allows, on
              the same thread count as fastact
* check.py    the correctness check before any timing (a wrong result is never timed)
* timing.py   interleaved samples, each after a pause and an untimed warm-up; medians
* report.py   the machine line and the tables; plot.py the --plot figure
* run.py      one command-line run, its JSON record

Peers are imported lazily and are all optional except NumPy.
"""
