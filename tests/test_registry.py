"""The op registry is the one place per fact: the Python rows (fastact._ops),
the C rows (src/c/fa_ops.h, seen through fastact._core.c_ops()), the public
namespace, the generated wrappers and stubs, and fastact.reference must agree.
"""

from __future__ import annotations

import functools
import inspect
import math
import os

import mpmath
import numpy as np
import pytest

import fastact as fa
import fastact.reference as ref
from fastact import _core, _ops

CONFIG_NAMES = {"set_num_threads", "get_num_threads", "get_config", "show_config", "__version__"}


def test_all_lists_exactly_the_registry():
    assert set(fa.__all__) - CONFIG_NAMES == set(_ops.public_names())
    for name in _ops.public_names():
        assert callable(getattr(fa, name)), name
        assert callable(getattr(ref, name)), name


def test_c_registry_matches_python_registry():
    c = _core.c_ops()
    c_map = [name for name, _ in c["map"]]
    py_map = [v.c for v in _ops.variants("map")]
    py_rows = [v.c for v in _ops.variants("rows")]
    # every C op has exactly one Python variant and vice versa
    assert sorted(c_map) == sorted(py_map)
    assert sorted(c["rows"]) == sorted(py_rows)
    # the generated wrappers use the C enum values of those names
    assert _core._REGISTRY_C_OPS_MAP == {name: i for i, name in enumerate(c_map)}
    assert _core._REGISTRY_C_OPS_ROWS == {name: i for i, name in enumerate(c["rows"])}
    # the gated family (fa_ops.h FA_GATED_OPS)
    c_gated = [fa._core.fa_op_name_gated(i) for i in range(len(_ops.variants("gated")) + 1)]
    assert c_gated[-1] is None and sorted(c_gated[:-1]) == sorted(v.c for v in _ops.variants("gated"))
    assert _core._REGISTRY_C_OPS_GATED == {name: i for i, name in enumerate(c_gated[:-1])}
    c_channel = [fa._core.fa_op_name_channel(i) for i in range(len(_ops.variants("channel")) + 1)]
    assert c_channel[-1] is None and sorted(c_channel[:-1]) == sorted(v.c for v in _ops.variants("channel"))
    assert _core._REGISTRY_C_OPS_CHANNEL == {name: i for i, name in enumerate(c_channel[:-1])}
    # the kernel takes as many parameters as the Python row passes
    nparams = dict(c["map"])
    for v in _ops.variants("map"):
        assert nparams[v.c] == len(v.cparams), v.name
    # the backward families (FA_MAP2_OPS, FA_ROW2_OPS)
    cb = _core.c_ops_backward()
    c_map2 = [name for name, _ in cb["map2"]]
    assert sorted(c_map2) == sorted(v.c for v in _ops.variants("map2"))
    assert sorted(cb["rows2"]) == sorted(v.c for v in _ops.variants("rows2"))
    assert _core._REGISTRY_C_OPS_MAP2 == {name: i for i, name in enumerate(c_map2)}
    assert _core._REGISTRY_C_OPS_ROWS2 == {name: i for i, name in enumerate(cb["rows2"])}
    nparams2 = dict(cb["map2"])
    for v in _ops.variants("map2"):
        assert nparams2[v.c] == len(v.cparams), v.name


@pytest.mark.parametrize("f", _ops.functions(), ids=lambda f: f.name)
def test_generated_signature(f):
    names = (list(f.inputs) + [p.name for p in f.params if not p.keyword_only] + ["out"]
             + [p.name for p in f.params if p.keyword_only] + ["num_threads"])
    sig = inspect.signature(getattr(fa, f.name))
    assert list(sig.parameters) == names
    for p in f.params:
        assert sig.parameters[p.name].default == p.default
    assert sig.parameters["num_threads"].kind is inspect.Parameter.KEYWORD_ONLY
    assert f.doc.split()[0] in (getattr(fa, f.name).__doc__ or "")
    for p in f.params:
        if p.keyword_only:
            assert sig.parameters[p.name].kind is inspect.Parameter.KEYWORD_ONLY
    rsig = inspect.signature(getattr(ref, f.name))
    assert list(rsig.parameters) == list(f.inputs) + [p.name for p in f.params]
    for p in f.params:
        assert rsig.parameters[p.name].default == p.default


def test_stubs_list_every_function():
    pyi = os.path.join(os.path.dirname(fa.__file__), "__init__.pyi")
    text = open(pyi).read()
    for f in _ops.functions():
        assert f"def {f.name}(" in text, f.name
        for p in f.params:
            assert f"{p.name}:" in text


@pytest.mark.parametrize("f", [f for f in _ops.functions() if f.params], ids=lambda f: f.name)
def test_parameter_validation(f):
    x = np.linspace(-2, 2, 8)  # even: the gated forms halve the last axis
    fn0 = getattr(fa, f.name)

    def fn(x, **kw):  # the array arguments: dy (a gated form's: half of x's length) and x
        dy = x[: x.size // 2] if f.family == "gated_backward" else x
        return fn0(*([dy] * (len(f.inputs) - 1) + [x]), **kw)

    for p in f.params:
        if p.kind == "real":
            for bad in ("1", None, True, 1j, [0.5], np.array([0.5, 1.0]), object()):
                with pytest.raises(TypeError, match=p.name):
                    fn(x, **{p.name: bad})
            if p.check == "nonzero":
                with pytest.raises(ValueError, match=p.name):
                    fn(x, **{p.name: 0.0})
            if p.check == "positive":
                for bad in (0.0, -1.0):
                    with pytest.raises(ValueError, match=p.name):
                        fn(x, **{p.name: bad})
            fn(x, **{p.name: np.float32(p.default)})  # NumPy scalars are real numbers
        elif p.kind == "choice":
            for bad in ("", "bogus", p.choices[0].upper() + " "):
                with pytest.raises(ValueError, match=p.name):
                    fn(x, **{p.name: bad})
            for bad in (None, 1, True, p.choices[0].encode()):
                with pytest.raises(TypeError, match=p.name):
                    fn(x, **{p.name: bad})
            for ok in p.choices:
                fn(x, **{p.name: ok})


@pytest.mark.parametrize("v", _ops.variants("map", exact=False), ids=lambda v: v.name)
def test_limits_agree_with_definition(v):
    """The registry's limits at -inf / +inf are what its mpmath definition
    tends to (checked far out, at |x| = 1e15: softsign is 1e-5 from its limit
    at 1e5), for the default parameters."""
    lo, hi = v.limits()
    mp = mpmath.mp
    with mpmath.workprec(120):
        for x, lim in ((-1e15, lo), (1e15, hi)):
            val = v.mp(mp, mp.mpf(x))
            if math.isinf(lim):
                assert (val > 1e4) if lim > 0 else (val < -1e4), (v.name, x, val)
            else:
                assert abs(float(val) - lim) < 1e-12, (v.name, x, float(val), lim)


@pytest.mark.parametrize("v", _ops.variants("map"), ids=lambda v: v.name)
def test_points_are_positive_floats(v):
    assert all(isinstance(p, float) and p > 0 for p in v.points), v.name
    for label, kind, lo, hi in v.regions:
        assert kind in ("lin", "log") and 0 < lo < hi, (v.name, label)
