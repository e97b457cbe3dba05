"""softmax / log_softmax with where= (JAX's semantics): masked entries are
left out of the max and the sum, their outputs are 0 / -inf, a row with
nothing unmasked is all 0 / all -inf (never NaN); where= is keyword-only, a
bool array broadcastable to x."""

from __future__ import annotations

import numpy as np
import pytest

import fastact as fa
import fastact.reference as ref

FNS = [("softmax", 0.0), ("log_softmax", -np.inf)]


def _case(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    m = rng.random(shape) < 0.6
    return x, m


@pytest.mark.parametrize("name, fill", FNS)
@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
def test_against_reference_and_compressed_rows(name, fill, dt):
    fn, rf = getattr(fa, name), getattr(ref, name)
    x, m = _case((7, 5, 33), dt)
    m[1, 2] = False  # a row with nothing unmasked
    m[2, 3] = True
    for axis in (-1, 0, 1):
        got = fn(x, axis=axis, where=m)
        want = rf(x, axis=axis, where=m)
        assert got.dtype == x.dtype and got.shape == x.shape
        assert np.array_equal(got[~m], np.full((~m).sum(), fill, dt))  # masked: exactly the fill
        assert not np.isnan(got).any()
        tol = {"float32": 2e-6, "float64": 1e-14, "float16": 2e-3}[dt]
        np.testing.assert_allclose(got[m].astype(np.float64), want[m].astype(np.float64), rtol=tol, atol=tol)
        # each row's unmasked entries are the op of that row's unmasked values alone
        xm, mm, gm = (np.moveaxis(t, axis, -1).reshape(-1, t.shape[axis]) for t in (x, m, got))
        for r in range(0, xm.shape[0], 5):
            if mm[r].any():
                np.testing.assert_allclose(gm[r][mm[r]].astype(np.float64),
                                           fn(xm[r][mm[r]]).astype(np.float64), rtol=tol, atol=tol)


@pytest.mark.parametrize("name, fill", FNS)
def test_special_values_broadcasting_out_and_errors(name, fill):
    fn = getattr(fa, name)
    x = np.array([[1.0, np.nan, 2.0, np.inf], [3.0, 1.0, -np.inf, 0.5], [1.0, 2.0, 3.0, 4.0]])
    m = np.array([True, False, True, False])  # broadcast over the rows
    r = fn(x, where=m)
    want = fn(x[:, [0, 2]])
    # NaN/inf masked out: the unmasked entries are the op of those entries alone, within
    # a few ulp (a row's length and its masked -inf terms may change the last bits)
    np.testing.assert_allclose(r[:, [0, 2]], want, rtol=4 * np.finfo(x.dtype).eps, atol=0)
    assert np.all(r[:, [1, 3]] == fill)
    none = fn(x, where=np.zeros((3, 1), bool))
    assert np.all(none == fill)
    assert np.isnan(fn(np.array([np.nan, 1.0]), where=np.array([True, True]))).all()  # unmasked NaN stays
    assert np.array_equal(fn(x, where=np.ones_like(x, bool)), fn(x), equal_nan=True)
    out = np.empty_like(x)
    assert fn(x, where=m, out=out) is out and np.array_equal(out, r)
    assert fn(x, where=True).shape == x.shape
    with pytest.raises(TypeError, match="boolean"):
        fn(x, where=m.astype(int))
    with pytest.raises(ValueError, match="broadcast"):
        fn(x, where=np.ones(3, bool))
    with pytest.raises(TypeError):
        fn(x, -1, None, m)  # keyword-only
    with pytest.raises(TypeError, match="boolean"):
        ref.softmax(x, where=m.astype(float))
    xs = np.array(2.0)
    assert fn(xs, where=np.array(True)) == fn(xs)


def test_torch_masked_fill_parity():
    torch = pytest.importorskip("torch")
    x, m = _case((16, 50), np.float32, seed=3)
    m[:, 0] = True  # PyTorch gives NaN rows when nothing is unmasked; fastact 0 / -inf
    xt = torch.from_numpy(x).masked_fill(torch.from_numpy(~m), float("-inf"))
    np.testing.assert_allclose(fa.softmax(x, where=m), torch.softmax(xt, -1).numpy(), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(fa.log_softmax(x, where=m), torch.log_softmax(xt, -1).numpy(), rtol=2e-6,
                               atol=1e-6)


def test_dask_where_is_a_clear_error():
    da = pytest.importorskip("dask.array")
    with pytest.raises(TypeError, match="where="):
        fa.softmax(da.ones((4, 4), chunks=2), where=np.ones((4, 4), bool))
