"""prelu (family "channel"): x > 0 ? x : weight[c] * x, c the channel on axis 1.

Exact: the result is the comparison and one rounded product, so every dtype,
level, layout, weight form and thread count is checked bit for bit against
that formula evaluated in float64 (where the product of two float32 or
16-bit values is exact) and rounded once, and against PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import dtype_of

import fastact as fa
import fastact.reference as ref


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


def _exact(x, w, rdt):
    """x > 0 ? x : fl(w x), w rounded to the result dtype, as one rounding of the
    exact product (float64 for 16/32-bit data; for float64 data the float64
    product is itself one rounding)."""
    wide = np.float64
    xw = x.astype(wide)
    ww = np.asarray(w).astype(rdt).astype(wide)
    if ww.ndim == 1 and ww.size > 1:
        ww = ww.reshape((1, -1) + (1,) * (x.ndim - 2))
    elif ww.ndim == 1:
        ww = ww[0]
    with np.errstate(all="ignore"):
        return np.where(xw > 0, xw, xw * ww).astype(rdt)


def _x(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3
    flat = x.reshape(-1)
    flat[::11] = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-42, -1e-42, -3e38])[
        np.arange(flat[::11].size) % 8]
    with np.errstate(all="ignore"):
        return x.astype(dtype)


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_exact_every_level_layout_weight(dt, each_level):
    dtype = dtype_of(dt)
    x = _x((5, 7, 33), dtype)
    weights = [0.25, -1.5, 0.1, np.float32(0.3), np.array([0.7]), np.linspace(-2, 2, 7),
               np.linspace(-2, 2, 7).astype(np.float32), np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-3, 3e3])]
    for lv in each_level:
        fa._core.set_isa(lv)
        for w in weights:
            want = _exact(x, w, dtype)
            got = fa.prelu(x, w)
            assert got.dtype == dtype and np.array_equal(_bits(got), _bits(want)), (lv, w)
            assert np.array_equal(_bits(ref.prelu(x, w)), _bits(want))
            for layout in (np.asfortranarray(x), x[:, :, ::-1][:, :, ::-1], x.transpose(0, 2, 1).copy().transpose(0, 2, 1)):
                assert np.array_equal(_bits(fa.prelu(layout, w)), _bits(want)), (lv, w)
            out = np.empty_like(x)
            assert fa.prelu(x, w, out=out) is out and np.array_equal(_bits(out), _bits(want))
            y = x.copy()
            fa.prelu(y, w, out=y)  # in place
            assert np.array_equal(_bits(y), _bits(want))
        # channels last on a 2-d (N, C) array: runs of one element
        x2 = _x((301, 5), dtype, seed=1)
        w2 = np.array([0.5, -3.0, 2.0, 0.0, 1e-2])
        assert np.array_equal(_bits(fa.prelu(x2, w2)), _bits(_exact(x2, w2, dtype))), lv
        # 0-d and 1-d inputs have one channel
        assert np.array_equal(_bits(fa.prelu(x[0, 0], [0.1])), _bits(_exact(x[0, 0], [0.1], dtype)))
    r = fa.prelu(np.float32(-2.0), 0.5)
    assert type(r) is np.float32 and r == -1.0


def test_out_casting_and_inputs_unchanged():
    x = _x((4, 3, 10), np.float32)
    w = np.array([0.1, 0.2, 0.3], np.float32)
    keep, wkeep = x.copy(), w.copy()
    want = fa.prelu(x, w)
    o64 = np.empty(x.shape)
    fa.prelu(x, w, out=o64)
    assert np.array_equal(o64, want.astype(np.float64), equal_nan=True)
    big = np.zeros((4, 3, 20), np.float32)
    fa.prelu(x, w, out=big[:, :, ::2])
    assert np.array_equal(_bits(big[:, :, ::2]), _bits(want))
    assert np.array_equal(_bits(x), _bits(keep)) and np.array_equal(w, wkeep)
    assert fa.prelu(np.arange(-3, 3).reshape(2, 3), [1, 2, 3]).dtype == np.float64
    assert np.array_equal(_bits(fa.prelu(x.astype(">f4"), w)), _bits(want))
    assert fa.prelu(np.empty((0, 3)), w).shape == (0, 3)


def test_threads_give_the_same_bits():
    x = _x((3, 7, 40001), np.float32)
    w = np.linspace(-1, 1, 7)
    assert np.array_equal(_bits(fa.prelu(x, w, num_threads=1)), _bits(fa.prelu(x, w, num_threads=2)))
    x2 = _x((200001, 3), np.float64)
    w2 = [0.1, 0.2, -0.3]
    assert np.array_equal(_bits(fa.prelu(x2, w2, num_threads=1)), _bits(fa.prelu(x2, w2, num_threads=2)))


def test_errors():
    x = np.ones((2, 3, 4))
    for f in (fa.prelu, ref.prelu):
        with pytest.raises(ValueError, match="3 channels"):
            f(x, np.ones(4))
        with pytest.raises(ValueError, match="1 channel"):
            f(np.ones(5), np.ones(5))
        with pytest.raises(ValueError):
            f(x, np.ones((3, 1)))
        with pytest.raises(ValueError):
            f(x, np.ones(0))
        for bad in ("0.5", None, True, 1j, np.array([1j, 2, 3]), np.array([True, False, True])):
            with pytest.raises(TypeError, match="weight"):
                f(x, bad)
    with pytest.raises(TypeError):
        fa.prelu(x)  # weight is required
    with pytest.raises(ValueError, match="shape"):
        fa.prelu(x, 0.5, out=np.empty((2, 3)))
    with pytest.raises(TypeError, match="num_threads"):
        fa.prelu(x, 0.5, num_threads="2")


def test_torch_parity_bitwise():
    torch = pytest.importorskip("torch")
    for dt in (np.float32, np.float64):
        x = _x((4, 6, 9), dt)
        w = np.linspace(-2, 2, 6).astype(dt)
        want = torch.nn.functional.prelu(torch.from_numpy(x), torch.from_numpy(w)).numpy()
        assert np.array_equal(_bits(fa.prelu(x, w)), _bits(want)), dt
        w1 = np.array([0.25], dt)
        want1 = torch.nn.functional.prelu(torch.from_numpy(x), torch.from_numpy(w1)).numpy()
        assert np.array_equal(_bits(fa.prelu(x, w1)), _bits(want1)), dt


def test_dask_xarray_pandas():
    da = pytest.importorskip("dask.array")
    pd = pytest.importorskip("pandas")
    xr = pytest.importorskip("xarray")
    x = _x((6, 10, 8), np.float32)
    w = np.linspace(-1, 1, 10).astype(np.float32)
    want = fa.prelu(x, w)
    d = da.from_array(x, chunks=(4, 3, 5))  # the channel axis split into 4 chunks
    r = fa.prelu(d, w)
    assert isinstance(r, da.Array) and r.chunks == d.chunks
    assert np.array_equal(_bits(r.compute()), _bits(want))
    with pytest.raises(ValueError, match="channels"):
        fa.prelu(d, np.ones(3))
    a = xr.DataArray(x, dims=("n", "c", "t"))
    assert np.array_equal(_bits(fa.prelu(a, w).values), _bits(want))
    df = pd.DataFrame(x[:, :, 0], columns=list("abcdefghij"))
    rd = fa.prelu(df, w)
    assert list(rd.columns) == list("abcdefghij")
    assert np.array_equal(_bits(rd.to_numpy()), _bits(fa.prelu(x[:, :, 0], w)))
    s = pd.Series(x[0, :, 0])
    assert np.array_equal(_bits(fa.prelu(s, 0.5).to_numpy()), _bits(fa.prelu(x[0, :, 0], 0.5)))


# ---------------------------------------------------------------- prelu_backward


def _exact_dw(g, x, w, rdt):
    """sum of x * dy where x <= 0 over every axis but 1, exactly (math.fsum of
    the float64 products: exact for 16/32-bit data), rounded once."""
    import math

    t = np.where(x.astype(np.float64) > 0, 0.0, x.astype(np.float64) * g.astype(np.float64))
    w = np.asarray(w)
    if w.size == 1:
        s = np.array([math.fsum(t.reshape(-1).tolist())])
    else:
        s = np.array([math.fsum(r.tolist()) for r in np.moveaxis(t, 1, 0).reshape(w.size, -1)])
    return s.astype(rdt).reshape(w.shape)


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_backward_against_exact_sums(dt):
    dtype = dtype_of(dt)
    rng = np.random.default_rng(4)
    x = _x((6, 5, 700), dtype)
    with np.errstate(all="ignore"):
        x32 = x.astype(np.float32)
        x = np.where(np.isfinite(x32) & (np.abs(x32) < 100), x, dtype.type(1.5))  # finite sums
        g = (rng.standard_normal(x.shape) * 2).astype(dtype)
    for w in (np.linspace(-2, 2, 5), 0.25, np.array([0.3])):
        dx, dw = fa.prelu_backward(g, x, w)
        wb = np.asarray(w, np.float64).astype(dtype).astype(np.float64)
        wb = wb.reshape((1, -1, 1)) if wb.size > 1 else wb.reshape(())
        want_dx = np.where(x.astype(np.float64) > 0, g.astype(np.float64), g.astype(np.float64) * wb)
        assert np.array_equal(_bits(dx), _bits(want_dx.astype(dtype)))  # one rounding
        want = _exact_dw(g, x, w, dtype)
        assert np.shape(dw) == np.shape(w) and np.asarray(dw).dtype == dtype
        got64, want64 = np.asarray(dw).astype(np.float64), want.astype(np.float64)
        if dtype.itemsize <= 4:  # double sums of exact products: the exact sum rounded once, almost always
            assert np.all(np.abs(got64 - want64) <= np.spacing(np.abs(want64).astype(dtype)).astype(np.float64))
        else:  # float64 products: n eps of the sum of |terms|
            t = np.abs(x * g).sum()
            assert np.all(np.abs(got64 - want64) <= x.size * 2.0 ** -52 * t)
        rdx, rdw = ref.prelu_backward(g, x, w)
        assert np.array_equal(_bits(rdx), _bits(dx))
        assert np.array_equal(np.asarray(rdw).astype(np.float64), want64)


def test_backward_threads_out_in_place_and_errors():
    x = _x((3, 7, 40001), np.float32)
    x = np.nan_to_num(x, posinf=2.0, neginf=-2.0)
    g = np.random.default_rng(2).standard_normal(x.shape).astype(np.float32)
    w = np.linspace(-1, 1, 7)
    dx1, dw1 = fa.prelu_backward(g, x, w, num_threads=1)
    dx2, dw2 = fa.prelu_backward(g, x, w, num_threads=2)
    assert np.array_equal(_bits(dx1), _bits(dx2)) and np.array_equal(_bits(dw1), _bits(dw2))
    out = np.empty_like(x)
    r = fa.prelu_backward(g, x, w, out=out)
    assert r[0] is out and np.array_equal(_bits(out), _bits(dx1))
    gg = g.copy()
    r = fa.prelu_backward(gg, x, w, out=gg)  # in place on dy
    assert np.array_equal(_bits(gg), _bits(dx1)) and np.array_equal(_bits(r[1]), _bits(dw1))
    xx = x.copy()
    r = fa.prelu_backward(g, xx, w, out=xx)  # in place on x
    assert np.array_equal(_bits(xx), _bits(dx1)) and np.array_equal(_bits(r[1]), _bits(dw1))
    with pytest.raises(ValueError, match="shape"):
        fa.prelu_backward(g[:1], x, w)
    with pytest.raises(ValueError, match="7 channels"):
        fa.prelu_backward(g, x, np.ones(3))
    with pytest.raises(TypeError, match="weight"):
        fa.prelu_backward(g, x, None)
    with pytest.raises(TypeError, match="dtype"):
        fa.prelu_backward(g.astype(np.complex64), x, w)


def test_backward_torch_autograd():
    torch = pytest.importorskip("torch")
    for dt in (np.float32, np.float64):
        x = np.nan_to_num(_x((4, 6, 30), dt), posinf=3.0, neginf=-3.0)
        g = np.random.default_rng(7).standard_normal(x.shape).astype(dt)
        for w in (np.linspace(-2, 2, 6).astype(dt), np.array([0.25], dt)):
            xt = torch.from_numpy(x.copy()).requires_grad_()
            wt = torch.from_numpy(w.copy()).requires_grad_()
            torch.nn.functional.prelu(xt, wt).backward(torch.from_numpy(g))
            dx, dw = fa.prelu_backward(g, x, w)
            assert np.array_equal(_bits(dx), _bits(xt.grad.numpy())), dt
            np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-5 if dt == np.float32 else 1e-12)


def test_backward_dask_xarray_pandas():
    da = pytest.importorskip("dask.array")
    pd = pytest.importorskip("pandas")
    xr = pytest.importorskip("xarray")
    x = np.clip(np.nan_to_num(_x((6, 10, 8), np.float32), posinf=1.0, neginf=-1.0), -50, 50)
    g = np.random.default_rng(3).standard_normal(x.shape).astype(np.float32)
    w = np.linspace(-1, 1, 10).astype(np.float32)
    dx, dw = fa.prelu_backward(g, x, w)
    rdx, rdw = fa.prelu_backward(da.from_array(g, chunks=(4, 3, 5)), da.from_array(x, chunks=(3, 4, 8)), w)
    assert isinstance(rdx, da.Array)
    assert np.array_equal(_bits(rdx.compute()), _bits(dx))
    np.testing.assert_allclose(rdw.compute(), dw, rtol=1e-6)
    a = xr.DataArray(x, dims=("n", "c", "t"))
    xdx, xdw = fa.prelu_backward(xr.DataArray(g, dims=a.dims), a, w)
    assert isinstance(xdx, xr.DataArray) and np.array_equal(_bits(xdx.values), _bits(dx))
    assert np.array_equal(_bits(xdw), _bits(dw))
    df = pd.DataFrame(x[:, :, 0])
    pdx, pdw = fa.prelu_backward(pd.DataFrame(g[:, :, 0]), df, w)
    e = fa.prelu_backward(g[:, :, 0], x[:, :, 0], w)
    assert np.array_equal(_bits(pdx.to_numpy()), _bits(e[0])) and np.array_equal(_bits(pdw), _bits(e[1]))


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_short_runs_every_level(dt, each_level):
    """Channels-last and short runs (inner < 16): the kernel with one weight per element on
    a tiled copy of the weights; every period length against the exact result, in place,
    thread counts; the backward pass (block split and, from 256 channels, channel split)."""
    dtype = dtype_of(dt)
    for lv in each_level:
        fa._core.set_isa(lv)
        for shape in ((301, 5), (7, 3, 2), (40, 300), (3, 2, 15), (1, 1000), (513, 1), (2, 257, 3)):
            x = _x(shape, dtype, seed=sum(shape))
            w = np.linspace(-2, 2, shape[1])
            want = _bits(_exact(x, w, dtype))
            assert np.array_equal(_bits(fa.prelu(x, w)), want), (lv, shape)
            assert np.array_equal(_bits(fa.prelu(x, w, num_threads=2)), want), (lv, shape)
            y = x.copy()
            assert fa.prelu(y, w, out=y) is y and np.array_equal(_bits(y), want), (lv, shape)
    fa._core.set_isa(each_level[-1])
    rng = np.random.default_rng(5)
    for shape in ((2000, 7), (300, 700), (50, 3, 5)):
        x = rng.standard_normal(shape).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        w = np.linspace(-1, 1, shape[1])
        dx, dw = fa.prelu_backward(g, x, w, num_threads=1)
        dx2, dw2 = fa.prelu_backward(g, x, w, num_threads=2)
        assert np.array_equal(_bits(dx), _bits(dx2)) and np.array_equal(_bits(dw), _bits(dw2)), shape
        want = _exact_dw(g, x, w, dtype).astype(np.float64)
        got = np.asarray(dw).astype(np.float64)
        if dtype.itemsize <= 4:  # exact products summed in double: the sum rounded once, almost always
            assert np.all(np.abs(got - want) <= np.spacing(np.abs(want).astype(dtype)).astype(np.float64)), shape
        else:  # float64 products: n eps of the sum of |terms|
            assert np.all(np.abs(got - want) <= x.size * 2.0 ** -52 * np.abs(x * g).sum()), shape
        rdx, _ = ref.prelu_backward(g, x, w)
        assert np.array_equal(_bits(rdx), _bits(dx)), shape
