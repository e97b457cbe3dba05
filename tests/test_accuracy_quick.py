"""Quick accuracy check: a dense sample of the exhaustive verifier.

float32: every STEP32-th float32 bit pattern (a prime step, ~2.1M inputs per
op, all exponents and both signs) plus regression inputs (the worst inputs
found by full 2^32 runs), every op x every ISA level (the conftest's `isa`
fixture), against the registry's float64 oracle, as benchmarks/accuracy.py.  float64: ~2000 points per op covering the
tails and saturation points, against mpmath (benchmarks/accuracy_f64.py).

Fails when any op exceeds its documented bound (docs/accuracy.md):
BOUNDS_ULP for results that are normal numbers, SUB_BOUND for results in the
subnormal range (units of the smallest subnormal), and any special-value
mismatch.  The full runs: python3 benchmarks/accuracy.py / accuracy_f64.py.
"""
from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np
import pytest

import fastact

from fastact import _ops

# ---- the promised bounds: the registry's Variant.ulp (docs/accuracy.md) ----
# max error in ulp of the exact value, over finite inputs whose exact result
# is a normal number; every ISA level.
BOUNDS_ULP = {(v.name, dt): b for v in _ops.variants("map", exact=False) for dt, b in v.ulp.items()}
# max error for exact results below the smallest normal, in units of the
# smallest subnormal (2^-149 / 2^-1074): gradual underflow, not flushed.
SUB_BOUND = {"float32": 4.0, "float64": 4.0}

STEP32 = 2003        # prime: 2^32 / 2003 ~ 2.1M inputs per op
N64 = 110            # float64 points per region and sign (~2000 per op)

# hard inputs: the worst inputs found by full and sampled runs of this and
# earlier kernel versions (kept as regression points), as float32 bit patterns
REGRESSION32 = {
    "sigmoid": [0xc02e3af3, 0xc02eb617, 0xc2aeae4d, 0xc2affd8b, 0xc185f0d4, 0xc185d145, 0xc2b00d32],
    "tanh": [0x40519bf1, 0xbfa47c24, 0xc09046c8, 0x80000000, 0x409029b4, 0x3f028c04, 0x3f021f2d],
    "silu": [0xc1857174, 0xc04de825, 0xbffaeb33, 0xc2b7ee47, 0xc2b7b9ce, 0xc185f0d4, 0xc185d80e, 0xc2b7c3b6,
             0xc2b7c691],
    "gelu": [0xbfebc350, 0xc031e16c, 0xc1525925, 0x3c6e8766, 0xbfec50d9, 0x3b698c4b, 0x3b69ec2a,
             0x3aff5487, 0xc1525fdf, 0xc1525c26, 0xc09e36e6, 0xc0f331fa],
    "gelu_tanh": [0xc09fdfaf, 0xbfea69ff, 0xbfe92ac2, 0xc121ca46, 0xc09fd2f7, 0xc09fe2fc],
}

_BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _load(name):
    spec = importlib.util.spec_from_file_location("_fa_" + name, os.path.join(_BENCH, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


A = _load("accuracy")


@functools.lru_cache(maxsize=None)
def _prep32(op):
    bits = A._chunk_bits(0, STEP32, 0, (1 << 32) // STEP32 + 1)
    extra = np.array(REGRESSION32.get(op, []) + A.SPECIAL_BITS, dtype=np.uint32)
    x = np.concatenate([bits, extra]).view(np.float32)
    return A.Prepared32(op, x)


def _run(op, x):
    return A.make_impl("fastact")(op, x)


def _explain(op, dt, isa, st):
    return ("%s %s %s: max %.3f ulp at x=%r; subnormal-range max %.3g at x=%r; NaN for finite x: %d (x=%r); "
            "inf for finite exact: %d (x=%r); NaN not propagated: %d; +-inf input wrong: %d (x=%r); "
            "zero sign: %d (x=%r)" % (op, dt, isa, st["max_ulp"], st["max_ulp_x"], st["sub_max"], st["sub_max_x"],
                                      st["nan_unexpected"], st["nan_unexpected_x"], st["inf_unexpected"],
                                      st["inf_unexpected_x"], st["nan_not_propagated"], st["inf_input_wrong"],
                                      st["inf_input_wrong_x"], st["zero_sign"], st["zero_sign_x"]))


def _assert_ok(op, dt, isa, st):
    msg = _explain(op, dt, isa, st)
    assert st["max_ulp"] <= BOUNDS_ULP[(op, dt)], msg
    assert st["sub_max"] <= SUB_BOUND[dt], msg
    for k in ("nan_unexpected", "inf_unexpected", "nan_not_propagated", "inf_input_wrong", "zero_sign"):
        assert st[k] == 0, msg


@pytest.mark.parametrize("op", A.SMOOTH_OPS)
def test_float32_dense_sample(op, isa):
    prep = _prep32(op)
    y = _run(op, prep.x32)
    assert y.dtype == np.float32
    _assert_ok(op, "float32", isa, A.check(prep, y))


@pytest.mark.parametrize("op", A.EXACT_OPS)
def test_float32_exact_ops(op, isa):
    prep = _prep32(op)
    st = A.check(prep, _run(op, prep.x32))
    assert st["exact_mismatch"] == 0, "%s %s: %d results differ, first at x=%r" % (
        op, isa, st["exact_mismatch"], st["exact_mismatch_x"])


@functools.lru_cache(maxsize=None)
def _prep64(op):
    pytest.importorskip("mpmath")
    B = _load("accuracy_f64")
    x, _names = B.sample(op, N64)
    hi, lo_s, lo_sub = B.mp_oracle(op, x, dps=40)
    return B.Prepared64(op, x, hi, lo_s, lo_sub)


@pytest.mark.parametrize("op", A.SMOOTH_OPS)
def test_float64_sample(op, isa):
    prep = _prep64(op)
    y = _run(op, prep.x32)
    assert y.dtype == np.float64
    _assert_ok(op, "float64", isa, A.check(prep, y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_long_rows_no_drift(dtype, isa):
    """Relative error of softmax on rows of 1e3 and 2e5 N(0,1) elements vs a
    long-double reference: the long row may not be much worse (no drift)."""
    B = _load("accuracy_f64")
    rng = np.random.default_rng(3)
    errs = []
    for n in (1000, 200000):
        x = rng.standard_normal(n).astype(dtype)
        ref = B.softmax_ref(x)
        y = fastact.softmax(x)
        rel = float(np.max(np.abs(y.astype(np.longdouble) - ref) / ref))
        errs.append(rel)
    eps = float(np.finfo(dtype).eps)
    assert errs[1] <= max(4 * errs[0], 16 * eps), (errs, eps)
