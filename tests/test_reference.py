"""fastact.reference is a public oracle: check it against the independent
mpmath / long-double oracles used by this suite (<= 1 ulp for results that
are normal numbers; it is computed in float64 or better and rounded once or
twice, so it should be within ~0.5 ulp)."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import (
    ELEMENTWISE,
    EXACT_OPS,
    SMOOTH_OPS,
    assert_same,
    check_against_exact,
    exact_elementwise,
    oracle,
    softmax_ld,
    value_pool,
)

import fastact.reference as ref


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", EXACT_OPS + SMOOTH_OPS)
def test_reference_accuracy(op, dtype):
    x = value_pool(dtype)
    r = ELEMENTWISE[op][1](x)
    assert r.dtype == dtype and r.shape == x.shape
    if op in EXACT_OPS:
        assert_same(
            r,
            exact_elementwise(op, x).astype(dtype),
            f"reference.{op}",
            zero_sign=False,
        )
        return
    hi, lo = oracle(op, x)
    check_against_exact(r, x, hi, lo, dtype, maxulp=1.0, what=f"reference.{op}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("log", [False, True])
def test_reference_softmax(dtype, log):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((20, 300)) * 10).astype(dtype)
    f = ref.log_softmax if log else ref.softmax
    for axis in (0, 1, -1):
        r = f(x, axis=axis)
        e = softmax_ld(x, axis, log=log)
        assert r.dtype == dtype
        tol = 2 * np.finfo(dtype).eps * (np.maximum(1, np.abs(e)) if log else np.abs(e))
        tol = np.maximum(tol, np.finfo(dtype).smallest_normal)
        assert (np.abs(r.astype(np.longdouble) - e) <= tol).all()
