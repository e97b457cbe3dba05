"""Elementwise ops x dtype x ISA level: accuracy (<= 4 ulp vs an mpmath
oracle), exactness of relu/leaky_relu, special values, tails and position
independence, in place / out= behaviour, no floating-point warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _helpers import (
    CASES,
    ELEMENTWISE,
    EXACT_OPS,
    SMOOTH_OPS,
    assert_same,
    check_against_exact,
    exact_elementwise,
    oracle,
    special_values,
    value_pool,
)

import fastact as fa

DTYPES = [np.float32, np.float64]
OPS = EXACT_OPS + SMOOTH_OPS
LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 3001]

_POOLS = {}


def pool(dtype):
    key = np.dtype(dtype).name
    if key not in _POOLS:
        _POOLS[key] = value_pool(dtype)
    return _POOLS[key]


_EXACT = {}


def expected(op, dtype):
    """(hi, lo) of the exact results for the pool (cached per op/dtype)."""
    key = (op, np.dtype(dtype).name)
    if key not in _EXACT:
        x = pool(dtype)
        if op in EXACT_OPS:
            e = exact_elementwise(op, x).astype(np.float64)
            _EXACT[key] = (e, np.zeros_like(e))
        else:
            _EXACT[key] = oracle(op, x)
    return _EXACT[key]


def run(op, x, **kw):
    return ELEMENTWISE[op][0](x, **kw)


# ---------------------------------------------------------------- accuracy
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_accuracy_pool(op, dtype, isa):
    x = pool(dtype)
    x_before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = run(op, x)
    assert_same(x, x_before, "input modified")
    assert y.dtype == np.dtype(dtype) and y.shape == x.shape
    if op in EXACT_OPS:
        # the sign of a zero result is checked in test_signed_zero_and_nan
        assert_same(
            y,
            exact_elementwise(op, x).astype(dtype),
            f"{op} not exact [{isa}]",
            zero_sign=False,
        )
    else:
        hi, lo = expected(op, dtype)
        check_against_exact(y, x, hi, lo, dtype, maxulp=4.0, what=f"{op} [{isa}]")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_signed_zero_and_nan(op, dtype, isa):
    x = np.array([0.0, -0.0, np.nan, -np.nan, 0.0, -0.0, 1.0, np.nan], dtype=dtype)
    y = run(op, x)
    r = ELEMENTWISE[op][1](x)
    assert np.isnan(y[[2, 3, 7]]).all(), f"NaN must propagate: {y}"
    z = np.array([0, 1, 4, 5])
    assert (np.signbit(y[z]) == np.signbit(r[z])).all(), (
        f"{op}(+-0) sign: fastact {y[z]} reference {r[z]}"
    )
    if op == "tanh":
        assert np.signbit(y[1]) and y[1] == 0, "tanh(-0.0) must be -0.0"


# ---------------------------------------------------------------- special values
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_special_values_from_limits(op, dtype, isa):
    """+-inf give the registry's limits (sign of a zero limit included), NaN
    propagates, the largest finite inputs give the saturated value the
    oracle gives (which rounds to the limit or to x), and +-0 the oracle's
    signed zero or value."""
    v, params = CASES[op]
    big = 3e38 if np.dtype(dtype) == np.float32 else 1e308
    x = np.array([-np.inf, np.inf, np.nan, -np.nan, big, -big, 0.0, -0.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = run(op, x)
    lo, hi = v.limits(**params)
    want = np.array([lo, hi], dtype=dtype)
    assert_same(y[:2], want, f"{op}(-inf), {op}(+inf) [{isa}]")
    assert np.isnan(y[2:4]).all(), f"{op}(NaN) = {y[2:4]}"
    r = ELEMENTWISE[op][1](x[4:])
    assert_same(y[4:6], r[:2], f"{op}(+-{big}) [{isa}]", zero_sign=False)
    assert_same(y[6:], r[2:], f"{op}(+-0) [{isa}]")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_huge_inputs_never_overflow(op, dtype, isa):
    fi = np.finfo(dtype)
    x = np.array(
        [fi.max, -fi.max, fi.max / 2, -fi.max / 2, 1.7e38, -1.7e38], dtype=dtype
    )
    y = run(op, x)
    assert not np.isnan(y).any(), (op, x, y)
    # no intermediate overflows: the result is finite wherever the exact value
    # rounds to a finite number (a slope > 1, selu's scale may overflow x)
    r = ELEMENTWISE[op][1](x)
    assert np.isfinite(y[np.isfinite(r)]).all(), (op, x, y)


@pytest.mark.parametrize("op", OPS)
def test_no_fp_warnings_or_errstate_change(op, isa):
    before = np.geterr()
    for dtype in DTYPES:
        x = np.concatenate([special_values(dtype), pool(dtype)[:200]])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):
                run(op, x)
                run(op, x, out=np.empty_like(x))
                # NumPy's own error checks must not see stale fp flags
                np.add(np.float64(1.0), np.float64(1.0))
                np.multiply(np.ones(3), 2.0)
    assert np.geterr() == before


# ---------------------------------------------------------------- tails, position independence
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_tails_and_position_independence(op, dtype, isa):
    x = pool(dtype)
    full = run(op, x)
    n = x.size
    for L in LENGTHS:
        for off in (0, 1, 3, 5, 8, 13, 16, n - L):
            if off < 0 or off + L > n:
                continue
            view = x[off : off + L]  # different alignments
            want = full[off : off + L]
            assert_same(
                run(op, view), want, f"{op} length {L} offset {off} (view) [{isa}]"
            )
            c = view.copy()
            assert_same(
                run(op, c), want, f"{op} length {L} offset {off} (copy) [{isa}]"
            )
            o = np.empty_like(c)
            r = run(op, c, out=o)
            assert r is o
            assert_same(o, want, f"{op} length {L} offset {off} (out=) [{isa}]")
            r = run(op, c, out=c)
            assert r is c
            assert_same(c, want, f"{op} length {L} offset {off} (in place) [{isa}]")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_values_shuffled_identical(op, dtype, isa):
    """The same values at different positions/lengths give identical bits."""
    x = pool(dtype)
    full = run(op, x)
    rng = np.random.default_rng(3)
    perm = rng.permutation(x.size)
    assert_same(run(op, x[perm]), full[perm], f"{op} permuted [{isa}]")
    for L in (9, 17, 33, 65):
        idx = rng.integers(0, x.size, L)
        for k in range(L):
            # value idx[k] placed at every position of a short array
            arr = np.full(L, x[idx[k]], dtype=dtype)
            out = run(op, arr)
            assert_same(
                out,
                np.full(L, full[idx[k]], dtype=dtype),
                f"{op} const length {L} [{isa}]",
            )


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_large_array_matches_chunks(op, dtype):
    """Above the threading grain: result identical to small-chunk calls."""
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(300_001) * 8).astype(dtype)
    x[::1001] = np.nan
    y = run(op, x)
    chunks = np.concatenate([run(op, x[i : i + 4099]) for i in range(0, x.size, 4099)])
    assert_same(y, chunks, f"{op} large vs chunks")


# ---------------------------------------------------------------- float16
@pytest.mark.parametrize("op", OPS)
def test_float16(op, isa):
    x = value_pool(np.float32)
    with np.errstate(all="ignore"):
        x16 = x.astype(np.float16)
    y = run(op, x16)
    assert y.dtype == np.float16
    if op in EXACT_OPS:
        # slope rounded to the array's dtype (float16); the product of two
        # float16 numbers is exact in float32, so one rounding to float16
        want = exact_elementwise(op, x16)
        assert_same(y, want, f"{op} float16", zero_sign=False)
        return
    hi, lo = oracle(op, x16.astype(np.float64))
    # float32 result (<= 4 ulp32) rounded to float16: <= 0.5 ulp16 + 2^-11 ulp16
    fi = np.finfo(np.float16)
    ovf = np.abs(hi) >= 65520.0  # rounds to +-inf in float16 (selu(6e4) = inf)
    assert (y[ovf & np.isfinite(hi)] == np.sign(hi[ovf & np.isfinite(hi)]) * np.inf).all()
    normal = np.isfinite(hi) & (np.abs(hi) >= float(fi.smallest_normal)) & ~ovf
    _, e = np.frexp(hi)
    ulp = np.ldexp(1.0, e - 11)
    with np.errstate(all="ignore"):
        err = np.where(normal, np.abs((y.astype(np.float64) - hi) - lo) / ulp, 0)
    assert err.max() <= 0.51, (
        op,
        x16[np.argmax(err)],
        y[np.argmax(err)],
        hi[np.argmax(err)],
        err.max(),
    )
    assert (np.isnan(y) == np.isnan(hi)).all()
