"""The backward ops (families "map2" and "rows2", fastact._ops.backward), on
every ISA level: accuracy against the registry's oracles (float32 dense
sample against the float64 oracle, float64 against mpmath), the exact ops bit
for bit, special values, 16-bit data (the float32 result rounded once), the
call contract (shapes, dtypes, strides, out=, in place, threads, errors),
the rows along any axis, and gradients against torch.autograd (skipped
without torch)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import fastact as fa
import fastact.reference as ref
from fastact import _ops
from fastact._ops import backward as B

MAP2 = [(v, p) for v in _ops.variants("map2") for p in _ops.cases(v)]
MAP2_IDS = [v.name + "".join(f"_{x}" for x in p.values()) for v, p in MAP2]
ROWS2 = list(_ops.variants("rows2"))
Y_RANGE = {"sigmoid_backward": (0.0, 1.0), "tanh_backward": (-1.0, 1.0)}


def _inputs32(v, step=65537, seed=1):
    x = np.arange(0, 2**32, step, dtype=np.uint64).astype(np.uint32).view(np.float32)
    pts = [s * p for p in v.points for s in (1.0, -1.0) if abs(p) < 3e38]
    pts = np.array(pts, dtype=np.float32)
    x = np.concatenate([x[np.isfinite(x)], pts, np.nextafter(pts, np.float32(np.inf)),
                        np.nextafter(pts, np.float32(-np.inf))])
    if v.name in B.ZEROS:
        x = np.concatenate([x, np.float32(B.ZEROS[v.name]) + np.arange(-200, 200, dtype=np.float32) * 2e-7])
    if v.name in Y_RANGE:
        lo, hi = Y_RANGE[v.name]
        x = x[(x >= lo) & (x <= hi)]
    rng = np.random.default_rng(seed)
    dy = (rng.uniform(0.5, 2, x.size) * rng.choice([-1, 1], x.size)).astype(np.float32)
    return dy, x


@functools.lru_cache(maxsize=None)
def _sample64(name, pkey):
    """(dy, x, exact) float64 sample of variant `name` with params dict(pkey), exact by mpmath."""
    import mpmath

    v = _ops.variant(name)
    params = dict(pkey)
    rng = np.random.default_rng(2)
    xs = [np.exp2(rng.uniform(-40, 10, 120))]
    xs += [p * (1 + rng.uniform(-1e-3, 1e-3, 6)) for p in v.points]
    if name in B.ZEROS:
        xs.append(B.ZEROS[name] + rng.uniform(-0.3, 0.3, 60))
    x = np.concatenate([np.concatenate(xs), -np.concatenate(xs)])
    if name in Y_RANGE:
        x = np.clip(x, *Y_RANGE[name])
    dy = rng.uniform(0.5, 2, x.size) * rng.choice([-1, 1], x.size)
    mp = mpmath.mp
    ex = np.empty(x.size)
    with mp.workdps(B.MP_DPS_GRAD):
        for i, (g, xi) in enumerate(zip(dy.tolist(), x.tolist())):
            ex[i] = float(mp.mpf(g) * v.mp(mp, mp.mpf(xi), **params))
    return dy, x, ex


def _ulps(r, exact, mant, fi):
    ok = np.isfinite(exact) & (np.abs(exact) >= fi.tiny) & (np.abs(exact) <= fi.max)
    _, e = np.frexp(exact)
    with np.errstate(all="ignore"):
        err = np.abs(np.asarray(r, np.float64) - exact) / np.ldexp(1.0, e - mant)
    return np.where(ok, err, 0.0)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))))


@pytest.mark.parametrize("v, params", MAP2, ids=MAP2_IDS)
def test_map2_accuracy(isa, v, params):
    # float32: dense sample against the float64 oracle (exact ops: bit for bit)
    dy, x = _inputs32(v)
    r = _ops.call2(v, dy, x, params)
    assert r.dtype == np.float32 and r.shape == x.shape
    if v.exact:
        assert _same_bits(r, _ops.reference2(v, dy, x, params))
    else:
        p32 = {k: float(np.float32(val)) for k, val in params.items()}
        exact = B.wide2(v, dy.astype(np.float64), x.astype(np.float64), p32)
        err = _ulps(r, exact, 24, np.finfo(np.float32))
        i = int(np.argmax(err))
        assert err[i] <= v.ulp["float32"], (v.name, float(x[i]), float(r[i]), float(exact[i]), err[i])
    # float64 against mpmath; next to a zero of f' the absolute error is bounded by 4 ulp of |dy|/2
    if v.exact:
        dy64 = dy.astype(np.float64) * (1 + 2.0**-30)
        x64 = x.astype(np.float64) * (1 - 2.0**-30)
        assert _same_bits(_ops.call2(v, dy64, x64, params), _ops.reference2(v, dy64, x64, params))
        return
    dy64, x64, ex = _sample64(v.name, tuple(params.items()))
    r = _ops.call2(v, dy64, x64, params)
    err = _ulps(r, ex, 53, np.finfo(np.float64))
    near = B.near_zero(v, x64, dy64, ex)
    err_abs = np.abs(r - ex) / (np.abs(dy64) * 2.0**-53)
    assert np.all(np.where(near, err_abs, err) <= v.ulp["float64"]), (
        v.name, float(x64[np.argmax(np.where(near, 0, err))]), float(err[~near].max()), float(err_abs.max()))


SPECIAL_X = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 3.0, -3.0, 6.0, 1e-40, -1e-40,
                      3.4e38, -3.4e38, 20.0, -20.0, 100.0, -100.0, 1000.0, -1000.0])
SPECIAL_DY = np.array([1.0, -2.0, 0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30])
# dy = +-inf for the smooth ops only where f'(x) is well inside the range (far
# out f'(x) underflows in the dtype but not in the wide oracle: inf * 0 = NaN
# against inf * tiny = inf)
SPECIAL_X_INF_DY = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0])


@pytest.mark.parametrize("v, params", MAP2, ids=MAP2_IDS)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_map2_special_values(isa, v, params, dt):
    dy, x = (a.astype(dt).reshape(-1) for a in np.meshgrid(SPECIAL_DY, SPECIAL_X))
    if not v.exact:
        keep = np.isfinite(dy) | np.isnan(dy)
        dy2, x2 = (a.astype(dt).reshape(-1) for a in np.meshgrid([np.inf, -np.inf], SPECIAL_X_INF_DY))
        dy, x = np.concatenate([dy[keep], dy2]), np.concatenate([x[keep], x2])
    if v.name in Y_RANGE:  # outputs y: +-inf and values outside the range are not outputs
        x = np.clip(np.nan_to_num(x, nan=np.nan, posinf=1.0, neginf=-1.0), *Y_RANGE[v.name]).astype(dt)
    r = _ops.call2(v, dy, x, params)
    want = _ops.reference2(v, dy, x, params)
    # NaN exactly where the reference has NaN; elsewhere equal (finite: within the op's bound)
    assert np.array_equal(np.isnan(r), np.isnan(want)), (v.name, x[np.isnan(r) != np.isnan(want)],
                                                         dy[np.isnan(r) != np.isnan(want)])
    fin = np.isfinite(want)
    assert np.array_equal(r[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)])
    zero = fin & (want == 0)
    assert np.all(r[zero] == 0)
    nz = fin & (want != 0)
    assert np.allclose(r[nz], want[nz], rtol=1e-5 if dt == np.float32 else 1e-13, atol=0), v.name


@pytest.mark.parametrize("name", ["sigmoid_backward", "tanh_backward", "hardswish_backward"])
def test_map2_float32_far_inputs_are_rounded_once(isa, name):
    # inputs where the float32 forms' products would overflow (y not an output of the
    # forward op, |y| > 2^60 or +-inf; |dy| > 2^120): the float64 result rounded once,
    # the same on every level (no inf - inf, no 0 * inf from an overflowed factor)
    v = _ops.variant(name)
    big = np.array([0.0, -0.0, 1.0, -1.5, 1e-40, 3e38, -3e38, np.inf, -np.inf], np.float32)
    if name == "hardswish_backward":
        dy, x = (a.reshape(-1) for a in np.meshgrid(np.array([3e38, -3e38, 2e36, 0.0], np.float32),
                                                    np.array([0.0, 1.0, 2.9, -2.9, -1.5, 3.0, -3.0], np.float32)))
    else:
        dy, x = (a.reshape(-1) for a in np.meshgrid(big, np.array([2e19, -2e19, 1e30, 3.4e38, -3.4e38,
                                                                   np.inf, -np.inf], np.float32)))
    with np.errstate(all="ignore"):
        want = B.wide2(v, dy.astype(np.float64), x.astype(np.float64)).astype(np.float32)
    assert _same_bits(_ops.call2(v, dy, x), want), name


def _f32_rounded(v, params, dy16, x16, dt16):
    r32 = _ops.call2(v, dy16.astype(np.float32), x16.astype(np.float32), params)
    with np.errstate(all="ignore"):
        return r32.astype(dt16)


def _dtypes16():
    out = [np.dtype(np.float16)]
    try:
        import ml_dtypes

        out.append(np.dtype(ml_dtypes.bfloat16))
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("v, params", MAP2, ids=MAP2_IDS)
def test_map2_16bit_is_float32_rounded_once(isa, v, params):
    for dt16 in _dtypes16():
        bits = np.arange(0, 2**16, 7, dtype=np.uint32).astype(np.uint16)
        x16 = bits.view(dt16)
        rng = np.random.default_rng(5)
        dy16 = rng.uniform(-2, 2, x16.size).astype(np.float32).astype(dt16)
        r = _ops.call2(v, dy16, x16, params)
        assert r.dtype == dt16
        want = _f32_rounded(v, params, dy16, x16, dt16)
        a, b = r.astype(np.float32), want.astype(np.float32)
        assert _same_bits(a, b), (v.name, dt16)


# ------------------------------------------------------------- the call contract

V_SILU = _ops.variant("silu_backward")


def _pair(shape=(6, 7), dt=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3).astype(dt), (rng.standard_normal(shape) * 3).astype(dt)


@pytest.mark.parametrize("name", ["silu_backward", "leaky_relu_backward", "hardtanh_backward", "celu_backward"])
def test_layouts_out_and_in_place(name):
    fn, rfn = getattr(fa, name), getattr(ref, name)
    dy, x = _pair((6, 40))
    want = fn(dy, x)
    assert np.allclose(want, rfn(dy, x), rtol=1e-14, atol=0)
    # F order, strided views, 0-d, empty, lists
    assert _same_bits(fn(np.asfortranarray(dy), np.asfortranarray(x)), want)
    assert _same_bits(fn(dy[:, ::2], x[:, ::2]), want[:, ::2])
    assert _same_bits(fn(dy.T, x.T), want.T)
    assert _same_bits(fn(np.asfortranarray(dy), x), want)  # mixed layouts
    s = fn(dy[0, 0], x[0, 0])
    assert np.ndim(s) == 0 and _same_bits(s, want[0, 0])
    assert fn(np.ones(0), np.ones(0)).shape == (0,)
    assert _same_bits(fn(dy.tolist(), x.tolist()), want)
    # out=: a new array, a strided view, a float32 out, dy itself, x itself, partial overlap
    for o in (np.empty_like(x), np.empty((6, 80))[:, ::2], np.empty_like(x, order="F")):
        assert fn(dy, x, out=o) is o and _same_bits(o, want)
    o32 = np.empty(x.shape, np.float32)
    assert fn(dy, x, out=o32) is o32 and np.array_equal(o32, want.astype(np.float32))
    for which in (0, 1):
        a, b = dy.copy(), x.copy()
        o = (a, b)[which]
        assert fn(a, b, out=o) is o and _same_bits(o, want)
    buf = np.concatenate([dy.reshape(-1), np.zeros(8)])
    d_view, o_view = buf[:-8], buf[8:]  # out overlaps dy shifted by 8 elements
    xf = x.reshape(-1)
    want_f = fn(d_view.copy(), xf)
    fn(d_view, xf, out=o_view)
    assert _same_bits(o_view, want_f)
    # inputs unchanged, threads bitwise
    dy2, x2 = _pair((300_001,), np.float32, seed=3)
    c1, c2 = dy2.copy(), x2.copy()
    r1 = fn(dy2, x2, num_threads=1)
    r2 = fn(dy2, x2, num_threads=2)
    assert _same_bits(r1, r2) and np.array_equal(dy2, c1) and np.array_equal(x2, c2)


def test_errors_name_the_arguments():
    dy, x = _pair()
    with pytest.raises(ValueError, match="dy and x must have the same shape"):
        fa.silu_backward(dy, x[:, :3])
    with pytest.raises(ValueError, match="dy and x must have the same shape"):
        fa.silu_backward(dy[:1], x)  # no broadcasting
    with pytest.raises(TypeError, match="dy and x must have the same dtype"):
        fa.silu_backward(dy.astype(np.float32), x)
    with pytest.raises(TypeError, match="dy and x must have the same dtype"):
        fa.silu_backward(dy, x.astype(np.float32))
    with pytest.raises(TypeError, match="dy and y must have the same dtype"):
        fa.softmax_backward(dy, x.astype(np.float32))
    with pytest.raises(TypeError, match="dy and y must have the same dtype"):
        fa.sigmoid_backward(dy.astype(np.float32), x)
    with pytest.raises(TypeError, match="unsupported dtype"):
        fa.silu_backward(dy.astype(complex), x.astype(complex))
    with pytest.raises(ValueError, match="out has shape"):
        fa.silu_backward(dy, x, out=np.empty(3))
    with pytest.raises(TypeError, match="out must have a floating dtype"):
        fa.silu_backward(dy, x, out=np.empty(x.shape, np.int64))
    with pytest.raises(ValueError, match="num_threads"):
        fa.silu_backward(dy, x, num_threads=0)
    with pytest.raises(ValueError, match="alpha must be nonzero"):
        fa.celu_backward(dy, x, alpha=0.0)
    with pytest.raises(ValueError, match="min_val must not be greater"):
        fa.hardtanh_backward(dy, x, 2.0, 1.0)
    with pytest.raises(ValueError, match="dy and y must have the same shape"):
        fa.softmax_backward(dy, x[:, :2])
    ro = np.empty_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fa.silu_backward(dy, x, out=ro)


def test_foreign_inputs_are_a_type_error():
    for mod, make in (("pandas", lambda m, a: m.Series(a)), ("xarray", lambda m, a: m.DataArray(a)),
                      ("dask.array", lambda m, a: m.from_array(a, chunks=3))):
        m = pytest.importorskip(mod)
        a = np.linspace(-2, 2, 7)
        with pytest.raises(TypeError, match="not supported by the backward ops"):
            fa.silu_backward(make(m, a), a)
        with pytest.raises(TypeError, match="not supported by the backward ops"):
            fa.softmax_backward(a, make(m, a))


def test_limits_agree_with_definition():
    import mpmath

    for v in _ops.variants("map2"):
        if v.limits is None:
            continue
        lo, hi = v.limits()
        with mpmath.workdps(40):
            for xx, lim in ((-1e9, lo), (1e9, hi)):
                val = float(v.mp(mpmath.mp, mpmath.mpf(xx)))
                assert abs(val - lim) < 1e-12 and math.copysign(1, val) == math.copysign(1, lim) or val == lim, \
                    (v.name, xx, val, lim)


# ------------------------------------------------------------- rows

def _rows_exact(v, dy, y, axis):
    return np.asarray(v.ref(dy.astype(np.longdouble), y.astype(np.longdouble), axis=axis), dtype=np.float64)


@pytest.mark.parametrize("v", ROWS2, ids=lambda v: v.name)
def test_rows2_accuracy_and_axes(isa, v):
    fwd = fa.softmax if v.name == "softmax_backward" else fa.log_softmax
    rng = np.random.default_rng(7)
    for dt in (np.float32, np.float64):
        eps = np.finfo(dt).eps / 2
        for n in (1, 2, 3, 7, 8, 9, 16, 33, 100, 1000, 5000):
            for spread in (1.0, 30.0):
                y = fwd((rng.standard_normal((3, n)) * spread).astype(dt))
                dy = rng.standard_normal((3, n)).astype(dt)
                r = fa.__dict__[v.func](dy, y)
                ex = _rows_exact(v, dy, y, -1)
                if v.name == "softmax_backward":
                    scale = np.abs(y).max(-1, keepdims=True) * np.abs(dy).max(-1, keepdims=True)
                else:
                    scale = np.abs(dy).max(-1, keepdims=True) + np.abs(dy.astype(np.float64).sum(-1, keepdims=True)) \
                        * np.exp(y.astype(np.float64)).max(-1, keepdims=True)
                assert np.max(np.abs(r - ex) / (scale * eps)) <= 4, (v.name, dt, n, spread)
    # float32 rows outside the float32 form's range (a sum beyond FLT_MAX; for log_softmax a y
    # above 88, whose e^y overflows a float): the float64 form, rounded once
    dy = np.full((2, 37), 1e38, np.float32)
    dy[1, ::2] = -3e38
    y = np.full((2, 37), 0.02, np.float32)
    y[:, 5] = 100.0
    r = fa.__dict__[v.func](dy, y)
    with np.errstate(over="ignore"):
        want = _rows_exact(v, dy, y, -1).astype(np.float32)
    assert _same_bits(r, want), (v.name, r, want)
    y = np.log(np.full((1, 40), 1 / 40, np.float32))
    y[0, 3] = 95.0
    dy = np.linspace(0.1, 1, 40, dtype=np.float32)[None] * np.float32(1e-30)
    if v.name == "log_softmax_backward":
        with np.errstate(over="ignore"):
            want = _rows_exact(v, dy, y, -1).astype(np.float32)
        r = fa.log_softmax_backward(dy, y)
        assert abs(r[0, 3] / want[0, 3] - 1) <= 2.0 ** -23, (r[0, 3], want[0, 3])
        assert np.max(np.abs(r - want)) <= 4 * 2.0 ** -24 * abs(float(want[0, 3]))
    # any axis, layouts, out=, in place, 16-bit, 0-d: against the last-axis result
    y = fwd(rng.standard_normal((5, 6, 7)))
    dy = rng.standard_normal((5, 6, 7))
    fn = getattr(fa, v.func)
    for ax in (0, 1, 2, -2):
        want = np.moveaxis(fn(np.ascontiguousarray(np.moveaxis(dy, ax, -1)),
                              np.ascontiguousarray(np.moveaxis(y, ax, -1))), -1, ax)
        assert _same_bits(fn(dy, y, axis=ax), want)
        assert _same_bits(fn(np.asfortranarray(dy), np.asfortranarray(y), axis=ax), want)
        o = np.empty_like(y)
        assert fn(dy, y, axis=ax, out=o) is o and _same_bits(o, want)
        a = dy.copy()
        assert fn(a, y, axis=ax, out=a) is a and _same_bits(a, want)
    assert _same_bits(fn(dy, y, axis=1), ref.__dict__[v.func](dy, y, axis=1)) or \
        np.allclose(fn(dy, y, axis=1), getattr(ref, v.func)(dy, y, axis=1), rtol=1e-13, atol=1e-15)
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else Exception):
        fn(dy, y, axis=3)
    with pytest.raises(TypeError, match="axis must be an int"):
        fn(dy, y, axis=1.0)
    assert np.ndim(fn(np.float64(2.0), np.float64(-0.5))) == 0
    for dt16 in _dtypes16():
        y16, dy16 = y.astype(dt16), dy.astype(dt16)
        r = fn(dy16, y16, axis=1)
        assert r.dtype == dt16
        w = fn(dy16.astype(np.float32), y16.astype(np.float32), axis=1).astype(dt16)
        assert _same_bits(r.astype(np.float32), w.astype(np.float32))
    # special rows: NaN anywhere -> that row NaN; -inf in y (log_softmax) gives dy there
    yy = fwd(rng.standard_normal((2, 5)))
    g = rng.standard_normal((2, 5))
    g[0, 1] = np.nan
    r = fn(g, yy)
    assert np.isnan(r[0]).all() and np.isfinite(r[1]).all()
    if v.name == "log_softmax_backward":
        yy = np.array([[0.0, -np.inf, -np.inf]])
        g = np.array([[1.0, 2.0, 3.0]])
        assert np.array_equal(fn(g, yy), np.array([[1.0 - 6.0, 2.0, 3.0]]))
    # threads: bitwise
    yb = fwd(rng.standard_normal((400, 300)).astype(np.float32))
    gb = rng.standard_normal((400, 300)).astype(np.float32)
    assert _same_bits(fn(gb, yb, num_threads=1), fn(gb, yb, num_threads=2))


# ------------------------------------------------------------- torch.autograd

TORCH_FWD = {
    "relu_backward": lambda t, x, p: t.relu(x),
    "leaky_relu_backward": lambda t, x, p: t.nn.functional.leaky_relu(x, p.get("negative_slope", 0.01)),
    "silu_backward": lambda t, x, p: t.nn.functional.silu(x),
    "gelu_backward": lambda t, x, p: t.nn.functional.gelu(x, approximate="none"),
    "gelu_tanh_backward": lambda t, x, p: t.nn.functional.gelu(x, approximate="tanh"),
    "softplus_backward": lambda t, x, p: t.nn.functional.softplus(x, p.get("beta", 1.0), p.get("threshold", 20.0)),
    "log_sigmoid_backward": lambda t, x, p: t.nn.functional.logsigmoid(x),
    "relu6_backward": lambda t, x, p: t.nn.functional.relu6(x),
    "hardtanh_backward": lambda t, x, p: t.nn.functional.hardtanh(x, p.get("min_val", -1.0), p.get("max_val", 1.0)),
    "hardsigmoid_backward": lambda t, x, p: t.nn.functional.hardsigmoid(x),
    "hardswish_backward": lambda t, x, p: t.nn.functional.hardswish(x),
    "softsign_backward": lambda t, x, p: t.nn.functional.softsign(x),
    "elu_backward": lambda t, x, p: t.nn.functional.elu(x, p.get("alpha", 1.0)),
    "selu_backward": lambda t, x, p: t.nn.functional.selu(x),
    "celu_backward": lambda t, x, p: t.nn.functional.celu(x, p.get("alpha", 1.0)),
    "quick_gelu_backward": lambda t, x, p: x * t.sigmoid(1.702 * x),
    "mish_backward": lambda t, x, p: t.nn.functional.mish(x),
}


@pytest.mark.parametrize("v, params", MAP2, ids=MAP2_IDS)
def test_map2_against_torch_autograd(v, params):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    # the kinks and thresholds included: PyTorch's conventions there
    x = np.concatenate([rng.standard_normal(500) * 4, [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 2.0, 20.0, 10.0, 40.0]])
    dy = rng.standard_normal(x.size)
    if v.name in ("sigmoid_backward", "tanh_backward"):
        f = torch.sigmoid if v.name == "sigmoid_backward" else torch.tanh
        xt = torch.tensor(x, requires_grad=True)
        yt = f(xt)
        (g,) = torch.autograd.grad(yt, xt, torch.tensor(dy))
        got = _ops.call2(v, dy, yt.detach().numpy(), params)
    else:
        xt = torch.tensor(x, requires_grad=True)
        yt = TORCH_FWD[v.name](torch, xt, params)
        (g,) = torch.autograd.grad(yt, xt, torch.tensor(dy))
        got = _ops.call2(v, dy, x, params)
    # PyTorch's float64 hardsigmoid_backward multiplies by the float32 constant 1.0f / 6
    rtol = 1e-7 if v.name == "hardsigmoid_backward" else 1e-10
    np.testing.assert_allclose(got, g.numpy(), rtol=rtol, atol=1e-12, err_msg=v.name)


@pytest.mark.parametrize("v", ROWS2, ids=lambda v: v.name)
def test_rows2_against_torch_autograd(v):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 6, 9)) * 3
    dy = rng.standard_normal(x.shape)
    for ax in (-1, 0, 1):
        xt = torch.tensor(x, requires_grad=True)
        f = torch.softmax if v.name == "softmax_backward" else torch.log_softmax
        yt = f(xt, dim=ax)
        (g,) = torch.autograd.grad(yt, xt, torch.tensor(dy))
        got = getattr(fa, v.func)(dy, yt.detach().numpy(), axis=ax)
        np.testing.assert_allclose(got, g.numpy(), rtol=1e-10, atol=1e-13)
