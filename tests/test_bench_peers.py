"""The bench takes its ops from the registry and its peers from ``Variant.peers``.

Correctness only (tiny arrays, no timings): every registry variant is in every
benchmark's op list, every peers entry is in the format its adapter accepts,
and every installed peer computes what fastact computes.
"""
import dataclasses
import importlib.util
import os
import re
import tracemalloc

import numpy as np
import pytest

import fastact
from fastact import _ops
from fastact._bench import cases, check, peers
from fastact._bench.peers.spec import SpecError
from fastact.__main__ import build_parser

NAMES = [v.name for v in _ops.bench_variants()]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRIES = [(v.name, p) for v in _ops.bench_variants() for p in v.peers]
# the peers get fastact's own default thread count, as in the bench: torch sets
# the OpenMP count of this thread, which fastact would read as an outside limit
THREADS = fastact.get_num_threads()


def _load(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_variant_is_benchmarked():
    assert list(cases.ops()) == NAMES
    assert cases.plan().ops == NAMES and cases.plan(full=True).ops == NAMES
    args = build_parser().parse_args(["bench", "--ops", ",".join(NAMES)])
    assert args.ops == NAMES
    suite = _load(os.path.join(ROOT, "benchmarks", "bench_ops.py"))
    assert {p.values[0] for p in suite.CASES} == set(NAMES)
    threads = _load(os.path.join(ROOT, "benchmarks", "bench_threads.py"))
    assert list(threads.threshold_ops()) == [v.name for v in _ops.bench_variants()
                                             if v.family in ("map", "rows")]


@pytest.mark.parametrize("op, peer", ENTRIES, ids=[f"{o}-{p}" for o, p in ENTRIES])
def test_peers_entry_is_valid(op, peer):
    v = _ops.variant(op)
    assert peer in peers.names("peer")
    assert peers.check_spec(peer, v.peers[peer], v)


def _case(v, dtype="float32"):
    x = cases.make_input(v, dtype, 2000)  # rows: 2 rows of ROW_LEN
    return x, cases.result_like(v, x)


# the 16-bit dtypes are left out: several peers' formulas are not accurate in
# them (NumPy's float16 erf-GELU), which the bench reports as "wrong"
@pytest.mark.parametrize("op, peer", ENTRIES, ids=[f"{o}-{p}" for o, p in ENTRIES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_peer_agrees_with_fastact(op, peer, dtype):
    for m in peers.missing(peer):
        pytest.importorskip(m)
    v = _ops.variant(op)
    x, out = _case(v, dtype)
    spec = v.peers[peer]
    for alt in spec if isinstance(spec, tuple) else (spec,):  # every alternative
        w = dataclasses.replace(v, peers={peer: alt})
        try:
            impl = peers.make_impl(peer, w, x, out, THREADS)
        except peers.Unsupported as e:
            # every declared peer computes float32 (when what it calls is installed:
            # scipy); ONNX Runtime has no float64 LeakyRelu or Gelu kernel
            if dtype == "float32" and "not installed" not in str(e):
                raise
            continue
        check.check_impl(impl, x, out, check.fastact_result(v, x))


@pytest.mark.parametrize("peer, spec, message", [
    ("torch", "x.sum()", "no methods"),
    ("torch", "__import__('os').system(x)", "dotted name"),
    ("torch", "x[0]", "not allowed"),
    ("torch", "lambda: x", "not allowed"),
    ("torch", "torch.add(x, y)", "unknown name"),
    ("torch", "torch.sigmoid(*x)", "no *args"),
    ("torch", "torch.tanh(0.5)", "does not use x"),
    ("torch", "x", "computes nothing"),
    ("torch", ["torch.tanh(x)"], "string or a tuple"),
    ("numpy", "torch.tanh(x)", "np.*"),
    ("numpy", "np.tanh(softmax(x))", "whole expression"),
    ("numexpr", "sum(x)", "not an elementwise numexpr function"),
    ("onnxruntime", "Tanh(x, alpha=Tanh(x))", "constants or parameters"),
    ("onnxruntime", "com.microsoft.Gelu(x)", "default domain"),
    ("nosuchpeer", "f(x)", "unknown peer"),
])
def test_bad_peers_entries_are_rejected(peer, spec, message):
    v = _ops.variant("tanh")
    with pytest.raises(SpecError, match=re.escape(message)):
        peers.check_spec(peer, spec, v)


def test_adapters_check_names_against_the_installed_peer():
    v = _ops.variant("tanh")
    if peers.missing("torch") == []:
        with pytest.raises(SpecError, match="not in torch"):
            peers.check_spec("torch", "torch.no_such_function(x)", v)
    if peers.missing("onnxruntime") == []:
        with pytest.raises(SpecError, match="not an ONNX operator"):
            peers.check_spec("onnxruntime", "NoSuchOp(x)", v)
        with pytest.raises(SpecError, match="no attribute"):
            peers.check_spec("onnxruntime", "Tanh(x, alpha=0.5)", v)


# How a new row with a parameter, an op without out= in PyTorch and a peer that
# lacks the op looks: leaky_relu with other spellings, at negative_slope=0.2.
SPELLINGS = {
    "torch": "torch.nn.functional.leaky_relu(x, negative_slope)",  # no out=: allocates
    "onnxruntime": "LeakyRelu(x, alpha=negative_slope)",           # attribute from a parameter
    "numpy": "np.where(x > 0, x, x * negative_slope)",             # np.where: no out= either
}


@pytest.mark.parametrize("peer", list(SPELLINGS) + ["numexpr"])
def test_format_carries_parameters_allocation_and_absence(peer):
    for m in peers.missing(peer):
        pytest.importorskip(m)
    v = dataclasses.replace(_ops.variant("leaky_relu"), peers=SPELLINGS)
    x, out = _case(v)
    env = {"negative_slope": 0.2}
    if peer not in SPELLINGS:
        with pytest.raises(peers.Unsupported, match="no numexpr form"):
            peers.make_impl(peer, v, x, out, THREADS, env)
        return
    impl = peers.make_impl(peer, v, x, out, THREADS, env)
    assert impl.allocates == (peer != "onnxruntime")
    check.check_impl(impl, x, out, fastact.leaky_relu(x, 0.2))


def test_numpy_expressions_work_in_place():
    # every step of the gelu_tanh chain writes into out: no temporary per call
    v = _ops.variant("gelu_tanh")
    x, out = _case(v)
    impl = peers.make_impl("numpy", v, x, out, THREADS)
    assert not impl.allocates
    tracemalloc.start()
    try:
        assert impl.fn() is out
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes // 2
