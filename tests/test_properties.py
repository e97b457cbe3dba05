"""Property-based tests (hypothesis): random shapes (ndim 0-4), strides via
slicing and transposition, dtypes, values including specials, and out
layouts, against the oracles.  Profile "fastact" (conftest) keeps this quick;
FASTACT_HYPOTHESIS_PROFILE=fastact-long runs many more examples."""

from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from _helpers import (
    ELEMENTWISE,
    EXACT_OPS,
    SMOOTH_OPS,
    assert_same,
    check_against_exact,
    check_softmax,
    exact_elementwise,
    oracle,
    special_values,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastact as fa

DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]


def _elements(dtype):
    width = 32 if dtype == np.float32 else 64
    specials = [float(v) for v in special_values(dtype)]
    return st.one_of(
        st.floats(
            width=width, allow_nan=True, allow_infinity=True, allow_subnormal=True
        ),
        st.floats(-30, 30, width=width),
        st.sampled_from(specials),
    )


@st.composite
def strided_arrays(draw, max_dims=4, max_side=5, min_dims=0):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(
        hnp.array_shapes(
            min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side
        )
    )
    base = draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))
    # strides: a basic slice per axis (steps +-1..3), then maybe a transpose
    idx = []
    for n in shape:
        step = draw(st.sampled_from([1, 1, 2, 3, -1, -2]))
        start = draw(st.integers(0, max(n - 1, 0)))
        idx.append(
            slice(start, None, step)
            if step > 0
            else slice(None, start if start else None, step)
        )
    x = base[tuple(idx)]
    if x.ndim > 1 and draw(st.booleans()):
        x = x.transpose(draw(st.permutations(range(x.ndim))))
    if draw(st.booleans()):
        x = x.astype(x.dtype.newbyteorder())  # byte-swapped copy (same layout order)
    return x


def _out_for(draw, x, dtype, layout):
    shape = x.shape
    if layout == "none":
        return None
    if layout == "C":
        return np.empty(shape, dtype)
    if layout == "F":
        return np.empty(shape, dtype, order="F")
    if layout == "strided":
        big = np.empty(tuple(2 * s + 1 for s in shape), dtype)
        return big[tuple(slice(1, None, 2) for _ in shape)] if shape else big[()]
    raise KeyError(layout)


@given(
    data=st.data(),
    x=strided_arrays(),
    op=st.sampled_from(EXACT_OPS + SMOOTH_OPS),
    layout=st.sampled_from(["none", "C", "F", "strided", "inplace"]),
)
def test_elementwise_property(data, x, op, layout):
    dtype = x.dtype.newbyteorder("=")
    xn = np.array(x, dtype=dtype, order="C")
    snap = x.copy()
    f = ELEMENTWISE[op][0]
    if layout == "inplace":
        if x.ndim == 0:
            return
        y = np.array(x, dtype=dtype, order="K")  # same values, same layout order
        r = f(y, out=y)
        assert r is y
    else:
        out = _out_for(data.draw, x, dtype, layout)
        if out is not None and out.ndim == 0:
            out = np.empty((), dtype)
        y = f(x) if out is None else f(x, out=out)
        if out is not None:
            assert y is out
        else:
            assert_same(x, snap, "input modified")
    y = np.asarray(y)
    assert y.shape == x.shape and y.dtype == dtype
    if op in EXACT_OPS:
        assert_same(y, exact_elementwise(op, xn), op, zero_sign=False)
    else:
        hi, lo = oracle(op, xn)
        check_against_exact(y, xn, hi, lo, dtype, maxulp=4.0, what=op)
    # position independence: identical to the contiguous call
    assert_same(y, np.asarray(f(xn)), f"{op} strided vs contiguous")


@given(
    data=st.data(),
    x=strided_arrays(min_dims=1, max_side=7),
    log=st.booleans(),
    layout=st.sampled_from(["none", "C", "F", "strided"]),
)
def test_softmax_property(data, x, log, layout):
    dtype = x.dtype.newbyteorder("=")
    xn = np.array(x, dtype=dtype, order="C")
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    f = fa.log_softmax if log else fa.softmax
    snap = x.copy()
    out = _out_for(data.draw, x, dtype, layout)
    y = f(x, axis=axis) if out is None else f(x, axis=axis, out=out)
    if out is not None:
        assert y is out
    assert_same(x, snap, "input modified")
    check_softmax(np.asarray(y), xn, axis, log, f"{f.__name__} axis={axis}")


@given(
    x=strided_arrays(max_side=4),
    op=st.sampled_from(["relu", "sigmoid", "gelu", "softmax"]),
    dt=st.sampled_from(["float16", "int8", "int32", "uint16", "int64", "bool"]),
)
def test_dtype_promotion_property(x, op, dt):
    with np.errstate(all="ignore"):
        xc = np.nan_to_num(x, nan=0, posinf=100, neginf=-100).clip(-100, 100).astype(dt)
    if op == "softmax" and xc.ndim == 0:
        return
    f = getattr(fa, op)
    y = np.asarray(f(xc))
    assert y.dtype == np.tanh(xc).dtype
    assert y.shape == xc.shape
