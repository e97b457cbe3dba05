"""softmax / log_softmax: shapes x axes x dtypes x ISA levels against a
long-double oracle, row sums, special rows, long rows.

Error bounds (eps = machine epsilon of the dtype, d = |x - rowmax|):
* softmax: each element's relative error <= (4 + d/2 + 2*log2(n)) eps.
  The term d*eps/2 is the rounding of x - max (exp amplifies an absolute
  error in its argument into the same relative error; every max-subtracting
  implementation, PyTorch's included, has it); 4 eps covers exp (<= 2-3 ulp)
  and the division; 2*log2(n) eps a blocked/pairwise sum of n terms.
* log_softmax: |y - ref| <= (4 + 2*log2(n)) eps * max(1, |ref|)
  (x - max is rounded once, log(sum) carries the sum's relative error).
* row sums of softmax: |sum - 1| <= (n + 8) eps  (sum taken in float64).
Measured (N(0,3)-N(0,30) rows, n up to 1e5): float32 excess over d/2 < 1 eps
(accumulated in double); float64 SIMD levels <= 9 eps at n = 1e5.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _helpers import check_softmax, softmax_ld

import fastact as fa
import fastact.reference as ref

DTYPES = [np.float32, np.float64]
SHAPES = [
    (1, 1),
    (3, 7),
    (5, 1000),
    (2, 3, 4),
    (4,),
    (1, 17),
    (2, 65),
    (3, 1),
    (7, 33, 2),
]


def _data(shape, dtype, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _axes(ndim):
    return list(range(-ndim, ndim))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_shapes_axes(shape, dtype, log, isa):
    f = fa.log_softmax if log else fa.softmax
    x = _data(shape, dtype)
    x0 = x.copy()
    for axis in _axes(len(shape)):
        y = f(x, axis=axis)
        check_softmax(y, x, axis, log, f"{f.__name__}{shape} axis={axis} [{isa}]")
        np.testing.assert_array_equal(x, x0)
        if not log:
            s = np.sum(y.astype(np.float64), axis=axis)
            n = shape[axis]
            assert np.all(np.abs(s - 1) <= (n + 8) * np.finfo(dtype).eps), (
                shape,
                axis,
                s,
            )
    # default axis is the last
    np.testing.assert_array_equal(f(x), f(x, axis=-1))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0, 300.0])
def test_value_scales(dtype, log, scale, isa):
    f = fa.log_softmax if log else fa.softmax
    for n in (1, 2, 3, 8, 15, 16, 17, 31, 33, 64, 65, 129, 1000):
        x = _data((4, n), dtype, seed=n, scale=scale)
        check_softmax(f(x), x, -1, log, f"{f.__name__} n={n} scale={scale} [{isa}]")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_zero_d(dtype):
    """0-d input: behave like fastact.reference (raise the same error type or
    return the same value)."""
    x = np.array(1.5, dtype=dtype)
    for f, r in ((fa.softmax, ref.softmax), (fa.log_softmax, ref.log_softmax)):
        try:
            want = r(x)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                f(x)
        else:
            got = f(x)
            assert np.ndim(got) == 0
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("n", [1, 2, 5, 16, 17, 33, 100])
def test_special_rows(dtype, n, isa):
    dt = np.dtype(dtype).type
    inf, nan = np.inf, np.nan
    rows = np.zeros((8, n), dtype=dtype) + np.arange(n, dtype=dtype) / 7
    rows[0, n // 2] = nan  # NaN -> NaN row
    rows[1, n - 1] = inf  # +inf -> NaN row
    rows[2, :] = -inf  # all -inf -> NaN row
    rows[3, 0] = -inf  # one -inf -> 0 / -inf there
    rows[4, :] = -1e30  # huge spread
    rows[4, n - 1] = 1e30
    rows[5, :] = 0  # constant row -> 1/n
    rows[6, :] = dt(np.finfo(dtype).max)  # all max
    rows[7, :] = -dt(np.finfo(dtype).max)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            s = fa.softmax(rows)
            ls = fa.log_softmax(rows)
    for r in (0, 1, 2):
        assert np.isnan(s[r]).all(), (r, s[r])
        assert np.isnan(ls[r]).all(), (r, ls[r])
    if n > 1:
        assert s[3, 0] == 0 and ls[3, 0] == -inf
        assert not np.isnan(s[3]).any() and not np.isnan(ls[3]).any()
        np.testing.assert_array_equal(s[4, :-1], 0)
        np.testing.assert_array_equal(ls[4, :-1], dt(-1e30) - dt(1e30))
    assert s[4, -1] == 1 and ls[4, -1] == 0
    want = softmax_ld(rows[5:6]).astype(dtype)
    assert (np.abs(s[5] - want) <= np.finfo(dtype).eps * want).all()
    # all-equal rows (even +-max): uniform result
    for r in (6, 7):
        np.testing.assert_allclose(s[r], 1.0 / n, rtol=4 * np.finfo(dtype).eps)
        np.testing.assert_allclose(
            ls[r], -np.log(n), rtol=8 * np.finfo(dtype).eps, atol=1e-300
        )
    # the reference agrees on which rows are NaN
    rs = ref.softmax(rows)
    np.testing.assert_array_equal(np.isnan(rs), np.isnan(s))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_long_rows(dtype, log, isa):
    f = fa.log_softmax if log else fa.softmax
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((8, 100_003)) * 4).astype(dtype)
    check_softmax(f(x), x, -1, log, f"long rows [{isa}]")
    c = np.zeros((1, 100_000), dtype)
    y = f(c)
    if log:
        np.testing.assert_allclose(y, -np.log(1e5), rtol=4 * np.finfo(dtype).eps)
    else:
        np.testing.assert_allclose(y, 1e-5, rtol=(4 + 2 * 17) * np.finfo(dtype).eps)
        assert abs(np.sum(y, dtype=np.float64) - 1) <= 40 * np.finfo(dtype).eps


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_row_position_independence(dtype, log, isa):
    """A row's result does not depend on which other rows are in the call."""
    f = fa.log_softmax if log else fa.softmax
    x = _data((37, 67), dtype, seed=9)
    full = f(x)
    for i in (0, 1, 17, 36):
        np.testing.assert_array_equal(f(x[i : i + 1]), full[i : i + 1])
        np.testing.assert_array_equal(f(x[i]), full[i])
    np.testing.assert_array_equal(f(x[::-1]), full[::-1])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_axis_layouts_agree(log, isa):
    """Non-last axes, strided and transposed inputs agree with the contiguous
    last-axis path (within the stated bound; summation order may differ)."""
    f = fa.log_softmax if log else fa.softmax
    for dtype in DTYPES:
        x = _data((6, 50, 5), dtype, seed=2)
        for axis in range(3):
            y = f(x, axis=axis)
            yt = np.moveaxis(
                f(np.ascontiguousarray(np.moveaxis(x, axis, -1)), axis=-1), -1, axis
            )
            check_softmax(y, x, axis, log, f"axis {axis}")
            np.testing.assert_allclose(y, yt, rtol=40 * np.finfo(dtype).eps, atol=0)
