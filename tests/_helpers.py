"""Shared test helpers: the op table, an mpmath oracle, ulp checks, value pools
and a Bottleneck-style array generator.

Oracle policy
-------------
* The op table is the op registry (fastact._ops): every elementwise variant
  with its default parameters and its registry ``cases``.
* Smooth elementwise ops are checked against the registry's mathematical
  definition (``Variant.mp``) evaluated by mpmath at 160 bits, returned as a
  float64 double-double (hi, lo), so the same oracle serves float32 and
  float64 results (gelu-tanh with the *real* constants sqrt(2/pi) and
  0.044715, not their rounded float values); +-inf give ``Variant.limits``.
* Exact ops (relu, leaky_relu) are checked for bitwise equality with the
  registry's formula computed in the array's dtype.
* softmax / log_softmax are checked against a np.longdouble oracle
  (`softmax_ld`), also independent of ``fastact.reference``.
* ``fastact.reference`` itself is checked against these oracles in
  test_reference.py, and used as the comparison in the layout/API tests.
"""

from __future__ import annotations

import itertools
import struct

import mpmath
import numpy as np

import fastact as fa
import fastact.reference as ref
from fastact import _ops

# --------------------------------------------------------------------------
# op table: every case of every registry variant (fastact._ops)
# --------------------------------------------------------------------------
# A case is a variant with one parameter set: its id is the variant's name,
# followed by the parameter values for the registry's extra cases
# ("leaky_relu_0.2").  name -> (fastact callable(x, out=None, **kw),
# reference callable(x)).  "exact" cases are compared bitwise.


def case_id(v, params):
    return v.name + "".join(f"_{val}" for val in params.values())


CASES = {case_id(v, p): (v, p) for v in _ops.variants("map") for p in _ops.cases(v)}


def _mk(v, params):
    def call(x, out=None, **extra):
        if out is not None:
            extra["out"] = out
        return _ops.call(v, x, params, **extra)

    def rcall(x):
        return _ops.reference(v, x, params)

    call.__name__ = v.name
    return call, rcall


ELEMENTWISE = {cid: _mk(v, p) for cid, (v, p) in CASES.items()}
EXACT_OPS = [cid for cid, (v, _) in CASES.items() if v.exact]
SMOOTH_OPS = [cid for cid, (v, _) in CASES.items() if not v.exact]
# one entry per elementwise variant, default parameters (for API-level tests)
PUBLIC_ELEMENTWISE = [v.name for v in _ops.variants("map")]
ROW_OPS = {v.name: (getattr(fa, v.func), getattr(ref, v.func)) for v in _ops.variants("rows")}
ALL_OPS = PUBLIC_ELEMENTWISE + list(ROW_OPS)


def fa_call(name, x, out=None, **kw):
    if name in ROW_OPS:
        f = ROW_OPS[name][0]
        return f(x, out=out, **kw) if out is not None else f(x, **kw)
    return ELEMENTWISE[name][0](x, out=out, **kw)


def ref_call(name, x, **kw):
    if name in ROW_OPS:
        return ROW_OPS[name][1](x, **kw)
    return ELEMENTWISE[name][1](x)


def exact_elementwise(name, x):
    """Exact expected result of an exact case (relu, leaky_relu) in x's dtype:
    the formula in the compute dtype (float32 for 16-bit x, parameters
    rounded to it), rounded once."""
    v, params = CASES[name]
    x = np.asarray(x)
    cdt = np.dtype(np.float32) if x.dtype.itemsize == 2 else x.dtype
    params = {k: float(cdt.type(val)) for k, val in params.items()}
    with np.errstate(all="ignore"):
        return np.asarray(v.ref(x.astype(cdt), **params)).astype(x.dtype)


# --------------------------------------------------------------------------
# mpmath oracle: the registry's mathematical definitions (Variant.mp)
# --------------------------------------------------------------------------
_PREC = 160
_CACHE: dict = {}


def oracle(name, x):
    """Exact op(x) for the smooth cases as float64 double-double (hi, lo)."""
    v, params = CASES[name]
    dt = np.asarray(x).dtype
    if dt.itemsize == 2:  # 16-bit data is computed in float32
        dt = np.dtype(np.float32)
    if dt.kind == "f":  # the kernels round real parameters to the compute dtype
        params = {k: float(dt.type(val)) for k, val in params.items()}
    lim = v.limits(**params)
    with np.errstate(all="ignore"):  # signalling NaNs in random bit patterns
        x64 = np.asarray(x, dtype=np.float64)
    flat = x64.ravel()
    hi = np.empty_like(flat)
    lo = np.zeros_like(flat)
    bits = flat.view(np.int64)
    mp = mpmath.mp
    with mpmath.workprec(_PREC):
        for i, (xv, b) in enumerate(zip(flat.tolist(), bits.tolist())):
            key = (name, dt.str, b)
            r = _CACHE.get(key)
            if r is None:
                if np.isnan(xv):
                    r = (np.nan, 0.0)
                elif xv in (np.inf, -np.inf):
                    r = (lim[1 if xv > 0 else 0], 0.0)
                else:
                    e = v.mp(mp, mp.mpf(xv), **params)
                    h = float(e)
                    lo_ = float(e - h) if h not in (np.inf, -np.inf) else 0.0
                    if h == 0.0 and e < 0:
                        h = -0.0
                    r = (h, lo_)
                _CACHE[key] = r
            hi[i], lo[i] = r
    return hi.reshape(x64.shape), lo.reshape(x64.shape)


def registry_points():
    """Every variant's behaviour-change points (Variant.points), sorted."""
    return sorted({abs(float(p)) for v in _ops.variants() for p in v.points})


# --------------------------------------------------------------------------
# ulp checks
# --------------------------------------------------------------------------
def _fi(dtype):
    return np.finfo(dtype)


def ulp_errors(y, hi, lo, dtype):
    """|y - exact| / ulp(exact) in the output dtype (exact given as hi+lo)."""
    fi = _fi(dtype)
    p = fi.nmant + 1
    y64 = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        diff = (y64 - hi) - lo
        _, e = np.frexp(hi)
        ulp = np.ldexp(1.0, e - p)
        return np.abs(diff) / ulp


def check_against_exact(y, x, hi, lo, dtype, maxulp=4.0, what=""):
    """Check result y (dtype) against the exact value (hi, lo).

    * exact NaN <-> y NaN; exact +-inf -> y equal;
    * exact a normal number of dtype -> error <= maxulp ulp;
    * exact subnormal (gradual underflow, bound stated separately by fastact):
      |y - exact| <= max(|exact|/64, 128 * smallest_subnormal)  -- i.e. not
      flushed to zero, right sign, roughly right;
    * exact below the subnormal range: |y| <= 128 * smallest_subnormal.
    Returns the max ulp error over normal results.
    """
    fi = _fi(dtype)
    y = np.asarray(y)
    assert y.dtype == np.dtype(dtype), (y.dtype, dtype)
    x = np.asarray(x)
    with np.errstate(invalid="ignore"):  # a signalling NaN passed through (relu, elu of sNaN) widens quietly
        yf = y.astype(np.float64)
    problems = []

    enan = np.isnan(hi)
    bad = enan != np.isnan(yf)
    if bad.any():
        problems.append(("NaN mismatch", bad))
    einf = np.isinf(hi)
    bad = einf & (yf != hi)
    if bad.any():
        problems.append(("inf mismatch", bad))
    fin = ~enan & ~einf
    ahi = np.abs(hi)
    normal = fin & (ahi >= float(fi.smallest_normal)) & (ahi <= float(fi.max))
    with np.errstate(all="ignore"):
        err = np.where(normal, ulp_errors(yf, hi, lo, dtype), 0.0)
    err = np.where(np.isnan(err), np.inf, err)
    bad = normal & ~(err <= maxulp)
    if bad.any():
        problems.append((f"> {maxulp} ulp", bad))
    sub = float(fi.smallest_subnormal)
    subn = fin & (ahi < float(fi.smallest_normal)) & (ahi > 0)
    with np.errstate(all="ignore"):
        aerr = np.abs((yf - hi) - lo)
    bad = subn & ~(aerr <= np.maximum(ahi / 64, 128 * sub))
    if bad.any():
        problems.append(("subnormal result off", bad))
    zero = fin & (ahi == 0)
    bad = zero & ~(np.abs(yf) <= 128 * sub)
    if bad.any():
        problems.append(("underflowing result not ~0", bad))
    if problems:
        lines = [f"{what} dtype={np.dtype(dtype).name}"]
        for msg, mask in problems:
            idx = np.flatnonzero(mask.ravel())
            if msg.startswith(">"):
                idx = idx[np.argsort(-err.ravel()[idx], kind="stable")]
            lines.append(f"  {msg}: {idx.size} elements, e.g.")
            for i in idx[:6]:
                lines.append(
                    f"    x={x.ravel()[i]!r} ({float(x.ravel()[i]).hex()}) y={y.ravel()[i]!r} "
                    f"exact={hi.ravel()[i]!r} ulp_err={err.ravel()[i]:.3g}"
                )
        raise AssertionError("\n".join(lines))
    return float(err.max()) if err.size else 0.0


def assert_same(a, b, msg="", zero_sign=True):
    """Bitwise equality, except that any NaN equals any NaN (and, with
    zero_sign=False, +0 equals -0)."""
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.shape == b.shape, (msg, a.shape, b.shape)
    assert a.dtype == b.dtype, (msg, a.dtype, b.dtype)
    if a.size == 0:
        return
    na, nb = np.isnan(a), np.isnan(b)
    ia = np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")
    ib = np.ascontiguousarray(b).view(f"u{b.dtype.itemsize}")
    bad = (na != nb) | (~na & (ia != ib))
    if not zero_sign:
        bad &= ~((a == 0) & (b == 0))
    if bad.any():
        i = np.flatnonzero(bad.ravel())[:5]
        raise AssertionError(
            f"{msg}: {bad.sum()} differing elements, e.g. at {i.tolist()}: "
            f"{a.ravel()[i].tolist()} vs {b.ravel()[i].tolist()}"
        )


def assert_close_ulp(y, r, maxulp, msg=""):
    """y vs a reference r of the same float dtype: NaN==NaN, equal infs,
    |y-r| <= maxulp * spacing(r) (spacing floored at the smallest normal's)."""
    y = np.asarray(y)
    r = np.asarray(r)
    assert y.shape == r.shape and y.dtype == r.dtype, (
        msg,
        y.shape,
        r.shape,
        y.dtype,
        r.dtype,
    )
    if y.size == 0:
        return
    fi = np.finfo(y.dtype)
    yf = y.astype(np.float64)
    rf = r.astype(np.float64)
    ny, nr = np.isnan(yf), np.isnan(rf)
    bad = ny != nr
    inf = np.isinf(rf) | np.isinf(yf)
    bad |= inf & ~nr & (yf != rf)
    fin = ~nr & ~np.isinf(rf) & ~ny
    sp = np.maximum(np.abs(rf), float(fi.smallest_normal))
    _, e = np.frexp(sp)
    ulp = np.ldexp(1.0, e - (fi.nmant + 1))
    with np.errstate(all="ignore"):
        err = np.abs(yf - rf) / ulp
    bad |= fin & ~(err <= maxulp)
    if bad.any():
        i = np.flatnonzero(bad.ravel())[:5]
        raise AssertionError(
            f"{msg}: {bad.sum()} elements off (max {maxulp} ulp), e.g. "
            f"y={y.ravel()[i].tolist()} ref={r.ravel()[i].tolist()} err={err.ravel()[i].tolist()}"
        )


# --------------------------------------------------------------------------
# value pools
# --------------------------------------------------------------------------
# generic interesting points; each op's own thresholds come from the registry
THRESHOLDS = [
    0.5,
    1.0,
    2.0,
    4.0,
    8.0,
    0.25,
    0.625,
    0.75,
    3.0,
    5.0,
    6.0,
    2.0**-12,
    2.0**-13,
    2.0**-24,
    2.0**-27,
    2.0**-28,
    1e-8,
] + registry_points()


def _neighbors(v, dtype, k=3):
    dt = np.dtype(dtype).type
    v = dt(v)
    out = [v]
    a = b = v
    for _ in range(k):
        a = np.nextafter(a, dt(np.inf))
        b = np.nextafter(b, dt(-np.inf))
        out += [a, b]
    return out


def special_values(dtype):
    fi = np.finfo(dtype)
    dt = np.dtype(dtype).type
    big = 3e38 if np.dtype(dtype) == np.float32 else 1e308
    vals = [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        -np.nan,
        1.0,
        -1.0,
        0.5,
        -0.5,
        fi.max,
        -fi.max,
        big,
        -big,
        fi.smallest_normal,
        -fi.smallest_normal,
        fi.smallest_subnormal,
        -fi.smallest_subnormal,
        fi.smallest_normal - fi.smallest_subnormal,
        -(fi.smallest_normal - fi.smallest_subnormal),
        fi.eps,
        -fi.eps,
    ]
    return np.array([dt(v) for v in vals], dtype=dtype)


def value_pool(dtype, seed=1234):
    """~4500 values of dtype covering the interesting ranges of every op."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed + dtype.itemsize)
    fi = np.finfo(dtype)
    parts = [
        special_values(dtype),
        rng.standard_normal(500),
        10 * rng.standard_normal(500),
        rng.uniform(-100, 100, 500),
        rng.choice([-1, 1], 500) * 10.0 ** rng.uniform(-30, 30, 500),
        rng.choice([-1, 1], 200) * rng.uniform(0, 1, 200) * float(fi.smallest_normal),
    ]
    if dtype == np.float64:
        parts.append(rng.choice([-1, 1], 300) * 10.0 ** rng.uniform(-300, 300, 300))
        parts.append(rng.uniform(-800, 800, 300))
        bits = rng.integers(0, 2**64, 1000, dtype=np.uint64, endpoint=False).view(
            np.float64
        )
    else:
        parts.append(rng.uniform(-120, 120, 300))
        bits = (
            rng.integers(0, 2**32, 1000, dtype=np.uint64)
            .astype(np.uint32)
            .view(np.float32)
        )
    parts.append(bits)
    th = []
    for t in THRESHOLDS:
        if abs(t) > float(fi.max):
            continue
        for s in (1, -1):
            th += _neighbors(s * t, dtype, k=3)
            th += list(np.linspace(s * t * 0.99, s * t * 1.01, 5))
    parts.append(np.array(th, dtype=np.float64))
    with np.errstate(over="ignore"):
        pool = np.concatenate([np.asarray(p).astype(dtype) for p in parts])
    return pool


# --------------------------------------------------------------------------
# Bottleneck-style array generator
# --------------------------------------------------------------------------
SHAPES = [(), (0,), (1,), (7,), (33,), (3, 5), (4, 0), (0, 3), (2, 3, 4), (2, 1, 3, 5)]
LAYOUTS = ["C", "F", "T", "strided", "neg", "swapped", "unaligned", "readonly"]
MIXES = ["normal", "specials", "large", "allnan"]


def _values(shape, dtype, mix, rng):
    n = int(np.prod(shape))
    if mix == "normal":
        v = rng.standard_normal(n) * 3
    elif mix == "specials":
        v = rng.standard_normal(n) * 3
        sv = special_values(
            np.float32 if np.dtype(dtype) == np.float16 else dtype
        ).astype(np.float64)
        k = rng.integers(0, n + 1) if n else 0
        v[:k] = rng.choice(sv, k)
        rng.shuffle(v)
    elif mix == "large":
        v = rng.choice([-1, 1], n) * 10.0 ** rng.uniform(-5, 30, n)
    else:
        v = np.full(n, np.nan)
    with np.errstate(over="ignore"):
        return v.astype(dtype).reshape(shape)


def make_layout(base, layout, rng=None):
    """Return an array equal in value to `base` (same logical shape) but with
    the given memory layout."""
    dtype = base.dtype
    # (np.array(order=...) rather than np.ascontiguousarray: that one makes 0-d arrays 1-d)
    if layout == "C":
        return np.array(base, order="C")
    if layout == "F":
        return np.array(base, order="F")
    if layout == "T":
        # a transposed view of a C array holding base.T
        return np.array(base.T, order="C").T
    if layout == "strided":
        big = np.zeros(tuple(2 * s for s in base.shape), dtype)
        sl = tuple(slice(None, None, 2) for _ in base.shape)
        sl = sl + (Ellipsis,)  # keeps 0-d arrays arrays
        big[sl] = base
        return big[sl]
    if layout == "neg":
        big = np.array(
            base[tuple(slice(None, None, -1) for _ in base.shape)], order="C"
        )
        return big[tuple(slice(None, None, -1) for _ in base.shape)]
    if layout == "swapped":
        return base.astype(dtype.newbyteorder())
    if layout == "unaligned":
        raw = np.zeros(base.size * dtype.itemsize + 1, np.uint8)
        a = raw[1:].view(dtype).reshape(base.shape)
        a[...] = base
        return a
    if layout == "readonly":
        a = base.copy()
        a.flags.writeable = False
        return a
    raise KeyError(layout)


def generate_arrays(
    dtypes=(np.float32, np.float64), shapes=SHAPES, layouts=LAYOUTS, mixes=MIXES, seed=7
):
    rng = np.random.default_rng(seed)
    for dtype, shape, layout, mix in itertools.product(dtypes, shapes, layouts, mixes):
        base = _values(shape, dtype, mix, rng)
        yield (
            f"{np.dtype(dtype).name}-{shape}-{layout}-{mix}",
            make_layout(base, layout),
            base,
        )


# --------------------------------------------------------------------------
# softmax oracle in long double
# --------------------------------------------------------------------------
def softmax_ld(x, axis=-1, log=False):
    xl = np.asarray(x).astype(np.longdouble)
    with np.errstate(all="ignore"):
        m = np.max(xl, axis=axis, keepdims=True)
        d = xl - m
        e = np.exp(d)
        s = np.sum(e, axis=axis, keepdims=True)
        if log:
            return d - np.log(s)
        return e / s


def check_softmax(y, x, axis, log=False, what=""):
    dtype = x.dtype
    eps = float(np.finfo(dtype).eps)
    tiny = float(np.finfo(dtype).smallest_normal)
    assert y.dtype == dtype and y.shape == x.shape, (y.dtype, y.shape)
    if x.size == 0:
        return
    ex = softmax_ld(x, axis, log=log)
    n = x.shape[axis] if x.ndim else 1
    lg = np.log2(max(n, 2))
    yl = y.astype(np.longdouble)
    with np.errstate(all="ignore"):
        nan_ok = np.isnan(yl) == np.isnan(ex)
        assert nan_ok.all(), f"{what}: NaN pattern differs"
        fin = np.isfinite(ex)
        if log:
            exd = ex.astype(dtype)  # -inf where the exact value overflows the dtype
            fin = np.isfinite(exd)
            tol = (4 + 2 * lg) * eps * np.maximum(1, np.abs(ex))
            err = np.abs(yl - ex)
            bad = fin & ~(err <= tol)
            infs = np.isinf(exd)
            assert (infs == np.isinf(yl)).all() and (exd[infs] == y[infs]).all(), (
                f"{what}: infinities differ"
            )
        else:
            xl = x.astype(np.longdouble)
            d = np.abs(xl - np.max(xl, axis=axis, keepdims=True))
            tol = (4 + d / 2 + 2 * lg) * eps * np.abs(ex)
            tol = np.fmax(
                tol, 2 * tiny
            )  # subnormal / underflowing outputs (and d = inf)
            err = np.abs(yl - ex)
            bad = fin & ~(err <= tol)
        if bad.any():
            i = np.flatnonzero(bad.ravel())[:5]
            rel = (err / np.maximum(np.abs(ex), tiny) / eps).ravel()[i]
            raise AssertionError(
                f"{what}: {bad.sum()} elements off; e.g. y={y.ravel()[i].tolist()} "
                f"exact={ex.ravel()[i].astype(np.float64).tolist()} rel_err/eps={rel.astype(float).tolist()}"
            )


def float_bits(v):
    return struct.unpack("<q", struct.pack("<d", v))[0]


def dtype_of(name):
    """np.dtype(name); "bfloat16" is ml_dtypes' (the test is skipped without ml_dtypes)."""
    if name == "bfloat16":
        import pytest

        return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)
    return np.dtype(name)
