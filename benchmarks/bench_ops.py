"""pytest-benchmark suite: fastact vs its peers, op x dtype x size x implementation.

    pytest benchmarks --benchmark-only --benchmark-group-by=group
    pytest benchmarks --benchmark-only -k "gelu and float32 and 1e5" --benchmark-max-time=0.2
    pytest benchmarks --benchmark-only --benchmark-save=base      # then, after a change:
    pytest benchmarks --benchmark-only --benchmark-compare=0001   # compare with the saved run

The ops are the op registry's variants (fastact._ops.bench_variants()), the sizes and
dtypes those of ``python -m fastact bench --full``.  Each benchmark group is one
op/dtype/size, so the report reads as a comparison table of implementations.
The implementations are built by fastact._bench.peers, the same code as the
command line: fastact (out=), fastact_alloc (the allocating call), numpy,
numexpr, torch, onnxruntime (each as the registry row's ``peers`` entry says)
and, for the exact ops (relu, leaky_relu), a plain memory copy of the same
bytes (copy: 1 thread, copy_mt: the bench thread count) as the ceiling.  Peers
that are not installed and cases a peer cannot do are skipped; every
implementation's output is checked against fastact before it is timed.
"""

import numpy as np
import pytest

from fastact import _ops  # the suite needs fastact itself (not importorskip)
from fastact._bench import cases as C
from fastact._bench import check, env, peers

_CHECKED: dict = {}


def _expected(v, x):
    key = (v.name, str(C.last(x).dtype), C.last(x).size)
    r = _CHECKED.get(key)
    if r is None:
        r = check.fastact_result(v, x)
        check.check_fastact(v, x, r)
        _CHECKED.clear()  # keep at most one (possibly 80 MB) reference alive
        _CHECKED[key] = r
    return r


CASES = [
    pytest.param(v.name, dtype, size, impl, id=f"{v.name}-{dtype}-{C.format_size(size)}-{impl}")
    for v in _ops.bench_variants() for dtype in C.FULL["dtypes"] for size in C.SIZES
    for impl in peers.names() if peers.adapter(impl).kind != "ceiling" or (v.exact and v.family != "gated")
]


@pytest.mark.parametrize(("op", "dtype", "size", "impl"), CASES)
def test_op(benchmark, op, dtype, size, impl, bench_threads):
    for module in peers.missing(impl):
        pytest.importorskip(module)
    v = _ops.variant(op)
    x = C.make_input(v, dtype, size)
    out = C.result_like(v, x)
    try:
        impl_obj = peers.make_impl(impl, v, x, out, bench_threads)
    except peers.Unsupported as e:
        pytest.skip(f"{impl}: {e}")
    # never time a wrong result
    check.check_impl(impl_obj, x, out, _expected(v, x),
                     copy=peers.adapter(impl).kind == "ceiling")

    benchmark.group = f"{op} {dtype} n={C.format_size(C.n_elements(v, size))}"
    benchmark.name = impl
    benchmark.extra_info.update(env.extra_info(impl, bench_threads))
    benchmark.extra_info.update(op=op, dtype=dtype, size=size, shape=list(C.last(x).shape),
                                note=impl_obj.note, allocates=impl_obj.allocates)
    benchmark(impl_obj.fn)
