"""The gated forms (glu, swiglu, geglu, reglu; family "gated" of the registry).

Every variant x dtype x ISA level x axis x layout x out= against
fastact.reference (the float64 / long double oracle rounded once) and against
the same call on the C-contiguous last-axis layout (kernels are position
independent: every layout gives the same bits); odd lengths and bad
arguments; special values against the IEEE product of the oracle; accuracy
on dense samples per level against a float64 oracle (float32) and mpmath
(float64); PyTorch parity where torch is installed.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from _helpers import dtype_of

import fastact as fa
import fastact.reference as ref
from fastact import _ops

try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover
    from numpy import AxisError

VARIANTS = _ops.variants("gated")
IDS = [v.name for v in VARIANTS]
BOUND_ULP = 4.0


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 4
    x.reshape(-1)[::7] *= 30  # tails of every activation
    return x.astype(dtype)


def _ulps(got, want):
    """|got - want| in ulp of want's dtype (float32 / float64), NaN/inf must agree."""
    g = got.astype(np.float64) if got.dtype == np.float32 else got
    w = want.astype(np.float64) if want.dtype == np.float32 else want
    same = (g == w) | (np.isnan(g) & np.isnan(w))
    fin = np.isfinite(w) & np.isfinite(g)
    assert np.all(same | fin), "non-finite results differ"
    sp = np.spacing(np.abs(want[fin]).astype(want.dtype)).astype(np.float64)
    sp = np.maximum(sp, np.finfo(want.dtype).smallest_subnormal)
    return np.max(np.abs(g[fin] - w[fin]) / sp, initial=0.0)


def _check_close(got, want, v):
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype.itemsize == 2:  # 16-bit: float32 result (within a few ulp) rounded once
        g = got.astype(np.float32)
        w = want.astype(np.float32)
        same = (g == w) | (np.isnan(g) & np.isnan(w))
        with np.errstate(invalid="ignore"):
            sp = np.spacing(np.abs(w).astype(got.dtype)).astype(np.float32)
            close = np.abs(g - w) <= sp
        assert np.all(same | close), v.name
    elif v.exact:
        assert np.array_equal(got, want, equal_nan=True), v.name
    else:
        assert _ulps(got, want) <= BOUND_ULP, v.name


DTYPES = ["float32", "float64", "float16", "bfloat16"]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_levels_axes_layouts_out(v, dt, each_level):
    dtype = dtype_of(dt)
    x = _data((6, 10, 14), dtype)
    for lv in each_level:
        fa._core.set_isa(lv)
        for axis in (0, 1, 2, -1, -2):
            want = _ops.reference(v, x, axis=axis)
            base = np.moveaxis(_ops.call(v, np.ascontiguousarray(np.moveaxis(x, axis, -1))), -1, axis)
            got = _ops.call(v, x, axis=axis)
            assert got.shape == want.shape
            _check_close(got, want, v)
            assert np.array_equal(got.view(np.uint8), np.ascontiguousarray(base).view(np.uint8)), (lv, axis)
            for layout in (np.asfortranarray(x), x[:, :, ::-1][:, :, ::-1], np.ascontiguousarray(x.transpose(1, 0, 2)).transpose(1, 0, 2)):
                r = _ops.call(v, layout, axis=axis)
                assert np.array_equal(np.ascontiguousarray(r).view(np.uint8),
                                      np.ascontiguousarray(got).view(np.uint8)), (lv, axis)
            out = np.full(want.shape, 7, dtype)
            assert _ops.call(v, x, axis=axis, out=out) is out
            assert np.array_equal(out.view(np.uint8), np.ascontiguousarray(got).view(np.uint8))
            outf = np.asfortranarray(np.full(want.shape, 7, dtype))
            assert _ops.call(v, np.asfortranarray(x), axis=axis, out=outf) is outf
            assert np.array_equal(np.ascontiguousarray(outf).view(np.uint8),
                                  np.ascontiguousarray(got).view(np.uint8))


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_strided_out_wider_out_and_input_unchanged(v):
    x = _data((8, 12), np.float32)
    keep = x.copy()
    want = _ops.call(v, x)
    big = np.full((8, 12), 5.0, np.float32)
    assert _ops.call(v, x, out=big[:, ::2]) is not None
    assert np.array_equal(big[:, ::2], want) and np.all(big[:, 1::2] == 5.0)
    o64 = np.empty((8, 6), np.float64)
    _ops.call(v, x, out=o64)
    assert np.array_equal(o64, want.astype(np.float64))
    o16 = np.empty((8, 6), np.float16)
    _ops.call(v, x, out=o16)
    assert np.array_equal(o16, want.astype(np.float16))
    assert np.array_equal(x, keep)
    # out overlapping x: the result is computed first
    y = x.copy()
    r = _ops.call(v, y, out=y[:, :6])
    assert np.array_equal(r, want)
    # other input kinds: lists, ints (promoted like np.tanh), big-endian
    assert np.array_equal(_ops.call(v, x.tolist()), _ops.call(v, x.astype(np.float64)))
    xi = np.arange(-8, 8).reshape(2, 8)
    assert _ops.call(v, xi).dtype == np.float64
    assert _ops.call(v, xi.astype(np.int8)).dtype == np.float16
    assert np.array_equal(_ops.call(v, x.astype(">f4")), want)


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_threads_give_the_same_bits(v):
    x = _data((3, 2 * 70001 + 2), np.float32)  # odd blocks: thread ranges cross the rows
    one = _ops.call(v, x, num_threads=1)
    two = _ops.call(v, x, num_threads=2)
    assert np.array_equal(one.view(np.uint32), two.view(np.uint32))
    x64 = _data((5, 40002), np.float64)
    assert np.array_equal(_ops.call(v, x64, axis=0 if False else -1, num_threads=1),
                          _ops.call(v, x64, num_threads=2))


@pytest.mark.parametrize("f", [f.name for f in _ops.functions("gated")])
def test_errors(f):
    fn, rf = getattr(fa, f), getattr(ref, f)
    x = np.ones((4, 6, 5))
    for g in (fn, rf):
        with pytest.raises(ValueError, match=r"axis -1 has odd length 5"):
            g(x)
        with pytest.raises(ValueError, match=r"axis 2 has odd length 5"):
            g(x, axis=2)
        with pytest.raises(AxisError):
            g(x, axis=3)
        with pytest.raises(TypeError, match="axis"):
            g(x, axis=True)
        with pytest.raises(TypeError, match="axis"):
            g(x, axis=1.0)
        with pytest.raises(ValueError, match="0-d"):
            g(np.float32(1.0))
    assert fn(x, axis=1).shape == (4, 3, 5)
    with pytest.raises(ValueError, match="shape"):
        fn(x, axis=1, out=np.empty((4, 6, 5)))
    ro = np.empty((4, 3, 5))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fn(x, axis=1, out=ro)
    with pytest.raises(TypeError, match="out"):
        fn(x, axis=1, out=np.empty((4, 3, 5), np.int32))
    with pytest.raises(TypeError, match="num_threads"):
        fn(x, axis=1, num_threads=1.5)
    with pytest.raises(ValueError, match="num_threads"):
        fn(x, axis=1, num_threads=0)
    with pytest.raises(TypeError, match="dtype"):
        fn(np.ones(4, np.complex64))
    with pytest.raises(TypeError):
        fn(x, 1, None, None)  # num_threads is keyword-only
    assert fn(np.empty((0, 4))).shape == (0, 2)
    assert fn(np.empty((3, 0))).shape == (3, 0)


def test_geglu_approximate_picks_the_variant():
    x = _data((4, 16), np.float32)
    assert not np.array_equal(fa.geglu(x), fa.geglu(x, approximate="tanh"))
    with pytest.raises(ValueError, match="approximate"):
        fa.geglu(x, approximate="erf")
    with pytest.raises(TypeError, match="approximate"):
        fa.geglu(x, approximate=None)


SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3.0e38, -3.0e38, 1e-40, -1e-40,
            -87.5, -90.5, -13.5, -10.5, 30.0, -200.0, 5e-3]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_special_values(v, dt, each_level):
    """Every pair of special values: the oracle's IEEE product of f's value
    (its limit at +-inf) and the other half, rounded once: NaN propagates,
    inf * 0 is NaN, signed zeros."""
    s = np.array(SPECIALS, dtype=dt)
    a, b = np.meshgrid(s, s, indexing="ij")
    x = np.stack([a.ravel(), b.ravel()], axis=0)
    want = _ops.reference(v, x, axis=0)[0]
    for lv in each_level:
        fa._core.set_isa(lv)
        got = _ops.call(v, x, axis=0)[0]
        nan = np.isnan(want)
        assert np.array_equal(np.isnan(got), nan), lv
        fin = np.isfinite(want)
        assert np.array_equal(got[~fin & ~nan], want[~fin & ~nan]), lv
        zero = want == 0
        assert np.array_equal(np.signbit(got[zero]), np.signbit(want[zero])), lv
        assert _ulps(got[fin], want[fin]) <= BOUND_ULP, lv


def _pairs(v, dtype, n, seed=5):
    """Dense pairs: the activated half over its whole unsaturated range and
    tails, the other half over every binade."""
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    lo = {"glu": -200, "swiglu": -200, "geglu": -22, "geglu_tanh": -16, "reglu": -10}[v.name]
    if dtype == np.float64:
        lo = {"glu": -1500, "swiglu": -1500, "geglu": -55, "geglu_tanh": -30, "reglu": -10}[v.name]
    act = np.concatenate([rng.uniform(lo, 20, n // 2), rng.uniform(-4, 4, n - n // 2)])
    e = rng.uniform(math.log2(fi.tiny), math.log2(fi.max) - 1, n)
    other = np.exp2(e) * rng.choice([-1.0, 1.0], n)
    act, other = act.astype(dtype), other.astype(dtype)
    return (other, act) if v.func == "glu" else (act, other)


def _ulp_normal(got, exact, dtype):
    fi = np.finfo(dtype)
    ex = np.asarray(exact, dtype=np.float64)
    g = got.astype(np.float64)
    normal = np.isfinite(ex) & (np.abs(ex) >= fi.tiny) & (np.abs(ex) <= fi.max)
    ulp = np.exp2(np.floor(np.log2(np.abs(ex[normal]))) - fi.nmant)
    sub = np.isfinite(ex) & (np.abs(ex) < fi.tiny)
    return (float(np.max(np.abs(g[normal] - ex[normal]) / ulp, initial=0)),
            float(np.max(np.abs(g[sub] - ex[sub]), initial=0)) / float(fi.smallest_subnormal))


@pytest.mark.parametrize("v", [v for v in VARIANTS if not v.exact], ids=[v.name for v in VARIANTS if not v.exact])
def test_accuracy_float32_dense(v, each_level):
    """float32: 2e5 pairs per level against the float64 oracle (the activation
    in float64, times the other half): within 4 ulp where the result is
    normal, 2 units of 2^-149 where it is subnormal."""
    a, b = _pairs(v, np.float32, 200_000)
    with np.errstate(all="ignore"):
        exact = v.ref(a.astype(np.float64), b.astype(np.float64))
    x = np.stack([a, b])
    for lv in each_level:
        fa._core.set_isa(lv)
        mu, ms = _ulp_normal(_ops.call(v, x, axis=0)[0], exact, np.float32)
        assert mu <= BOUND_ULP and ms <= 2.0, (lv, mu, ms)


@pytest.mark.parametrize("v", [v for v in VARIANTS if not v.exact], ids=[v.name for v in VARIANTS if not v.exact])
def test_accuracy_float64_mpmath(v, each_level):
    a, b = _pairs(v, np.float64, 400)
    with mpmath.workdps(40):
        exact = np.array([float(v.mp(mpmath.mp, mpmath.mpf(u), mpmath.mpf(w))) for u, w in zip(a, b)])
    x = np.stack([a, b])
    for lv in each_level:
        fa._core.set_isa(lv)
        mu, ms = _ulp_normal(_ops.call(v, x, axis=0)[0], exact, np.float64)
        assert mu <= BOUND_ULP and ms <= 2.0, (lv, mu, ms)


def test_reglu_is_one_rounding():
    a, b = _pairs(_ops.variant("reglu"), np.float32, 50_000)
    got = fa.reglu(np.stack([a, b]), axis=0)[0]
    with np.errstate(all="ignore"):
        want = (np.maximum(a.astype(np.float64), 0) * b.astype(np.float64)).astype(np.float32)
    assert np.array_equal(got, want)


def test_reference_against_mpmath():
    """fastact.reference (the tests' comparison) rounds within a hair of 0.5 ulp of mpmath."""
    for v in VARIANTS:
        if v.exact:
            continue
        for dt in (np.float32, np.float64):
            a, b = _pairs(v, dt, 150, seed=9)
            got = _ops.reference(v, np.stack([a, b]), axis=0)[0]
            with mpmath.workdps(40):
                exact = np.array([float(v.mp(mpmath.mp, mpmath.mpf(float(u)), mpmath.mpf(float(w))))
                                  for u, w in zip(a, b)])
            mu, _ = _ulp_normal(got, exact, dt)
            assert mu <= 1.0, (v.name, dt, mu)  # both rounded: 1 ulp apart at most


TORCH = {
    "glu": lambda F, t: F.glu(t, -1),
    "swiglu": lambda F, t: F.silu(t.chunk(2, -1)[0]) * t.chunk(2, -1)[1],
    "geglu": lambda F, t: F.gelu(t.chunk(2, -1)[0]) * t.chunk(2, -1)[1],
    "geglu_tanh": lambda F, t: F.gelu(t.chunk(2, -1)[0], approximate="tanh") * t.chunk(2, -1)[1],
    "reglu": lambda F, t: F.relu(t.chunk(2, -1)[0]) * t.chunk(2, -1)[1],
}


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_torch_parity(v):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for dt in (np.float32, np.float64):
        x = _data((16, 64), dt, seed=3)
        # PyTorch's own tails lose digits (its gelu's 1 + erf cancels): the
        # same halves, the same activation, to PyTorch's accuracy
        x = np.clip(x, -8, 8)
        want = TORCH[v.name](F, torch.from_numpy(x)).numpy()
        got = _ops.call(v, x)
        rtol, atol = (1e-5, 1e-5) if dt == np.float32 else (1e-12, 1e-13)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        wrong = TORCH["glu" if v.name != "glu" else "swiglu"](F, torch.from_numpy(x)).numpy()
        assert not np.allclose(got, wrong, rtol=1e-2)  # the parity would notice swapped halves


def test_dask_one_chunk_and_split_axis():
    da = pytest.importorskip("dask.array")
    x = _data((6, 40), np.float32)
    for v in VARIANTS:
        want = _ops.call(v, x)
        for chunks in ((3, 40), (2, 13)):  # the gated axis whole, then split (rechunked)
            d = da.from_array(x, chunks=chunks)
            r = _ops.call(v, d)
            assert isinstance(r, da.Array) and r.shape == (6, 20)
            assert np.array_equal(r.compute(), want), (v.name, chunks)
        r = _ops.call(v, da.from_array(x, chunks=(2, 13)), axis=0)
        assert np.array_equal(r.compute(), _ops.call(v, x, axis=0))
    with pytest.raises(ValueError, match="odd length 5"):
        fa.glu(da.ones((4, 5), chunks=2))
    with pytest.raises(TypeError, match="out="):
        fa.glu(da.ones((4, 4), chunks=2), out=np.empty((4, 2)))


def test_xarray_and_pandas_keep_the_first_half_labels():
    xr = pytest.importorskip("xarray")
    pd = pytest.importorskip("pandas")
    x = _data((3, 8), np.float64)
    a = xr.DataArray(x, dims=("r", "c"), coords={"c": np.arange(8) * 10}, name="v", attrs={"u": 1})
    r = fa.swiglu(a, axis="c")
    assert r.dims == ("r", "c") and list(r["c"].values) == [0, 10, 20, 30] and r.attrs == {"u": 1}
    assert np.array_equal(r.values, fa.swiglu(x))
    assert np.array_equal(fa.glu(a, axis="r" if False else 1).values, fa.glu(x))
    s = pd.Series(x[0], index=list("abcdefgh"), name="s")
    rs = fa.geglu(s)
    assert list(rs.index) == list("abcd") and rs.name == "s"
    assert np.array_equal(rs.to_numpy(), fa.geglu(x[0]))
    df = pd.DataFrame(x, columns=list("abcdefgh"))
    rd = fa.reglu(df)
    assert list(rd.columns) == list("abcd") and np.array_equal(rd.to_numpy(), fa.reglu(x))
    rd0 = fa.reglu(pd.DataFrame(x.T), axis=0)
    assert rd0.shape == (4, 3) and np.array_equal(rd0.to_numpy(), fa.reglu(x.T, axis=0))
    m = pd.Series(pd.array([1.0, None, 3.0, 4.0], dtype="Float64"))
    rm = fa.glu(m)
    assert rm.isna().tolist() == [False, True]
    assert rm[0] == pytest.approx(fa.glu(np.array([1.0, 3.0]))[0])


# ---------------------------------------------------------------- gradients

BWD = _ops.variants("gated_backward")
BWD_IDS = [v.name for v in BWD]


def _bwd_call(v, dy, x, **kw):
    return getattr(fa, v.func)(dy, x, **_ops.kwargs(v), **kw)


def _bwd_ref(v, dy, x, **kw):
    return getattr(ref, v.func)(dy, x, **_ops.kwargs(v), **kw)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("v", BWD, ids=BWD_IDS)
def test_backward_levels_axes_out(v, dt, each_level):
    dtype = dtype_of(dt)
    x = _data((6, 10, 14), dtype)
    rng = np.random.default_rng(1)
    for lv in each_level:
        fa._core.set_isa(lv)
        for axis in (0, 1, -1):
            hs = list(x.shape)
            hs[axis] //= 2
            dy = (rng.standard_normal(hs) * 2).astype(dtype)
            want = _bwd_ref(v, dy, x, axis=axis)
            got = _bwd_call(v, dy, x, axis=axis)
            assert got.shape == x.shape and got.dtype == dtype
            if dtype == np.float64:  # the float64 reference is not an ulp oracle (float64 erfc): close
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
            else:  # computed in double and rounded once: the reference's rounding, 1 ulp at most
                g32, w32 = got.astype(np.float32), want.astype(np.float32)
                with np.errstate(invalid="ignore"):
                    sp = np.spacing(np.abs(w32).astype(dtype)).astype(np.float32)
                    ok = (g32 == w32) | (np.isnan(g32) & np.isnan(w32)) | (np.abs(g32 - w32) <= sp)
                assert np.all(ok), (lv, axis)
            out = np.full(x.shape, 7, dtype)
            assert _bwd_call(v, dy, np.asfortranarray(x), axis=axis, out=out) is out
            assert np.array_equal(out.view(np.uint8), got.view(np.uint8))


@pytest.mark.parametrize("v", [v for v in BWD if not v.exact], ids=[v.name for v in BWD if not v.exact])
def test_backward_accuracy_mpmath(v, each_level):
    """float32 within 1 ulp (double evaluation, one rounding) of mpmath's
    dy * derivative on dense points incl. the derivative's zero and the tails;
    float64 within 8 ulp where |derivative| >= 0.1 (the sum 1 + a s(-a) /
    Phi + a phi cancels towards the derivative's zero: the error there is
    ~1e-16 absolute in the derivative, docs/accuracy.md)."""
    rng = np.random.default_rng(11)
    act = np.concatenate([rng.uniform(-12, 12, 300), rng.uniform(-1.4, -0.6, 200), rng.uniform(-40, 40, 100)])
    other = rng.standard_normal(act.size) * 3
    a, b = (other, act) if v.func == "glu_backward" else (act, other)
    g = rng.standard_normal(act.size)
    # float32: the bound is 4 ulp, the double evaluation gives 1;
    # float64: measured up to 5 ulp (tanh form: t's rounding times t'), bound 8
    for dt, bound in ((np.float32, 1.0), (np.float64, 8.0)):
        aa, bb, gg = a.astype(dt), b.astype(dt), g.astype(dt)
        with mpmath.workdps(40):  # the exact values at the inputs in this dtype
            ex = [v.mp(mpmath.mp, mpmath.mpf(float(gi)), mpmath.mpf(float(ai)), mpmath.mpf(float(bi)))
                  for gi, ai, bi in zip(gg, aa, bb)]
        exd = np.array([[float(e[0]) for e in ex], [float(e[1]) for e in ex]]).astype(np.float64)
        x = np.stack([aa, bb])
        for lv in each_level:
            fa._core.set_isa(lv)
            got = _bwd_call(v, gg[None, :], x, axis=0).astype(np.float64)
            for k in (0, 1):
                e = exd[k]
                fi = np.finfo(dt)
                m = np.isfinite(e) & (np.abs(e) >= fi.tiny)
                if dt == np.float64 and k == (0 if v.func != "glu_backward" else 1):
                    m &= np.abs(e) >= 0.1 * np.abs(gg * (bb if v.func != "glu_backward" else aa))
                ulp = np.exp2(np.floor(np.log2(np.abs(e[m]))) - fi.nmant)
                err = np.max(np.abs(got[k][m] - e[m]) / ulp, initial=0)
                assert err <= bound + 0.01, (lv, dt, k, err)


@pytest.mark.parametrize("v", BWD, ids=BWD_IDS)
def test_backward_torch_autograd_and_errors(v):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    fwd = {"glu_backward": lambda t: F.glu(t, -1),
           "swiglu_backward": lambda t: F.silu(t.chunk(2, -1)[0]) * t.chunk(2, -1)[1],
           "geglu_backward": lambda t: F.gelu(t.chunk(2, -1)[0]) * t.chunk(2, -1)[1],
           "geglu_tanh_backward": lambda t: F.gelu(t.chunk(2, -1)[0], approximate="tanh") * t.chunk(2, -1)[1],
           "reglu_backward": lambda t: F.relu(t.chunk(2, -1)[0]) * t.chunk(2, -1)[1]}[v.name]
    for dt in (np.float32, np.float64):
        x = np.clip(_data((8, 32), dt, seed=5), -8, 8)
        dy = np.random.default_rng(6).standard_normal((8, 16)).astype(dt)
        xt = torch.from_numpy(x.copy()).requires_grad_()
        fwd(xt).backward(torch.from_numpy(dy))
        rtol, atol = (1e-5, 1e-5) if dt == np.float32 else (1e-12, 1e-13)
        np.testing.assert_allclose(_bwd_call(v, dy, x), xt.grad.numpy(), rtol=rtol, atol=atol)
    x = _data((4, 6), np.float32)
    with pytest.raises(ValueError, match="dy has shape"):
        _bwd_call(v, np.ones((4, 6), np.float32), x)
    with pytest.raises(ValueError, match="odd length"):
        _bwd_call(v, np.ones((4, 2), np.float32), np.ones((4, 5), np.float32))
    big = _data((3, 2 * 50001), np.float32)
    dyb = _data((3, 50001), np.float32, seed=2)
    assert np.array_equal(_bwd_call(v, dyb, big, num_threads=1).view(np.uint32),
                          _bwd_call(v, dyb, big, num_threads=2).view(np.uint32))


@pytest.mark.parametrize("v", BWD, ids=BWD_IDS)
def test_backward_special_values(v, each_level):
    """NaN in a or b gives NaN in the gradients that depend on it (reglu's da
    where a <= 0 aside: +0, PyTorch's rule); +-inf give the derivatives'
    limits (levels without FMA, scalar and sse2, round some float64 results
    differently from the FMA levels, as the elementwise gelu does)."""
    # (the derivatives' zeros are in test_backward_accuracy_mpmath; an infinite
    # other half times a derivative that underflows in double, e.g. the tanh
    # form's at a = -30, is NaN where the long double reference keeps -inf)
    s = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, -3.0, 30.0, 1e200, -1e200])
    a, b = np.meshgrid(s, s, indexing="ij")
    x = np.stack([a.ravel(), b.ravel()])
    dy = np.ones((1, a.size))
    want = _bwd_ref(v, dy, x, axis=0)
    for lv in each_level:
        fa._core.set_isa(lv)
        got = _bwd_call(v, dy, x, axis=0)
        assert np.array_equal(np.isnan(got), np.isnan(want)), lv
        fin = np.isfinite(want)
        assert np.array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)]), lv
        np.testing.assert_allclose(got[fin], want[fin], rtol=1e-12, atol=1e-300)


def test_backward_dask_and_xarray():
    da = pytest.importorskip("dask.array")
    xr = pytest.importorskip("xarray")
    x = _data((6, 40), np.float32)
    dy = _data((6, 20), np.float32, seed=4)
    want = fa.swiglu_backward(dy, x)
    r = fa.swiglu_backward(da.from_array(dy, chunks=(2, 7)), da.from_array(x, chunks=(3, 13)))
    assert isinstance(r, da.Array) and np.array_equal(r.compute(), want)
    a = xr.DataArray(x, dims=("r", "c"))
    rx = fa.swiglu_backward(xr.DataArray(dy, dims=("r", "c")), a, axis="c")
    assert isinstance(rx, xr.DataArray) and np.array_equal(rx.values, want)
