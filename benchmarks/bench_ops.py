"""pytest-benchmark suite: fastact vs its peers, op x dtype x size x implementation.

    pytest benchmarks --benchmark-only --benchmark-group-by=group
    pytest benchmarks --benchmark-only -k "gelu and float32 and 1e5" --benchmark-max-time=0.2
    pytest benchmarks --benchmark-only --benchmark-save=base      # then, after a change:
    pytest benchmarks --benchmark-only --benchmark-compare=0001   # compare with the saved run

Each benchmark group is one op/dtype/size, so the report reads as a comparison
table of implementations.  Implementations are built by fastact._bench (the
same code as `python -m fastact bench`): fastact (out=), fastact_alloc (the
allocating call), numpy (NumPy/SciPy ufuncs with out=), numexpr, torch (out=
variants), onnxruntime (one-node model with IO binding), and for relu and
leaky_relu a plain memory copy of the same bytes (copy: 1 thread, copy_mt: the
bench thread count) as the ceiling.  Peers that are not installed are skipped;
every implementation's output is checked against fastact before it is timed.
"""

import numpy as np
import pytest

import fastact._bench as B  # the suite needs fastact itself (not importorskip)

_CHECKED: dict = {}


def _expected(op, x):
    key = (op, str(x.dtype), x.size)
    r = _CHECKED.get(key)
    if r is None:
        r = B.fastact_result(op, x)
        B.check_fastact(op, x, r)
        _CHECKED.clear()  # keep at most one (possibly 80 MB) reference alive
        _CHECKED[key] = r
    return r


CASES = [
    pytest.param(op, dtype, size, impl, id=f"{op}-{dtype}-{B.format_size(size)}-{impl}")
    for op in B.OPS for dtype in B.DTYPES for size in B.SIZES for impl in B.IMPLS
    if impl not in B.CEILINGS or op in B.CEILING_OPS
]


@pytest.mark.parametrize(("op", "dtype", "size", "impl"), CASES)
def test_op(benchmark, op, dtype, size, impl, bench_threads):
    for module in B.REQUIRED_MODULES[impl]:
        pytest.importorskip(module)
    x = B.make_input(op, dtype, size)
    out = np.empty_like(x)
    try:
        impl_obj = B.make_impl(impl, op, x, out, bench_threads)
    except B.Unsupported as e:
        pytest.skip(f"{impl}: {e}")
    B.check_impl(impl_obj, op, x, out, _expected(op, x))  # never time a wrong result

    benchmark.group = f"{op} {dtype} n={B.format_size(B.n_elements(op, size))}"
    benchmark.name = impl
    benchmark.extra_info.update(B.extra_info(impl, bench_threads))
    benchmark.extra_info.update(op=op, dtype=dtype, size=size, shape=list(x.shape),
                                note=impl_obj.note)
    benchmark(impl_obj.fn)
