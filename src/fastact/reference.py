"""NumPy reference implementations (oracles) of every fastact op.

Same names and signatures as the public API, minus ``out=`` and
``num_threads=``.  They accept anything ``np.asarray`` accepts and return the
dtype fastact returns (float16/float32/float64 as given; bool and integers
promoted like ``np.tanh``), a NumPy scalar for 0-d input.

Precision: float16 and float32 inputs are evaluated in float64; float64
inputs in ``np.longdouble`` (80-bit extended on x86-64 Linux) and, for the two
GELU forms, with mpmath at 30 significant digits when mpmath is importable
(it is part of the ``test`` extra).  Every formula avoids cancellation:

* sigmoid(x) = 1/(1+e) for x >= 0, e/(1+e) for x < 0, with e = exp(-|x|);
* silu(x) = x * sigmoid(x);
* gelu(x) = 0.5 * x * erfc(-x/sqrt(2))  (never 0.5*x*(1+erf(x/sqrt 2)));
* gelu(x, "tanh") = x * sigmoid(2u), u = sqrt(2/pi) * (x + 0.044715 x^3),
  which equals PyTorch's 0.5*x*(1+tanh(u)) without its cancellation;
* softmax subtracts the row max; log_softmax = (x - max) - log1p(s1), where
  s1 = sum(exp(x - max)) - 1 is summed without the max term (no cancellation
  when the result is near 0).

The results are then rounded once to the output dtype, so they serve as ulp
oracles: their own error is far below one ulp of the output dtype.

The float64 GELU oracles call mpmath element by element (tens of microseconds
per element): fine for test-sized arrays, slow for millions of elements.
Without mpmath they fall back to math.erfc / np.longdouble, which are good to
about one float64 ulp in the far negative tail.

Special values follow the fastact contract (docs/api.md): NaN propagates;
sigmoid(-inf) = 0, silu(-inf) = gelu(-inf) = -0.0 (the limit is approached
from below), tanh(+-inf) = +-1, odd functions keep -0; relu(-0.0) = +0.0;
softmax rows containing NaN or +inf, and rows that are all -inf, are all NaN.
No floating-point warnings are emitted.
"""

import math
import operator

import numpy as np

try:  # NumPy >= 2.0
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index

try:
    import mpmath as _mp
except ImportError:  # pragma: no cover - mpmath is optional
    _mp = None

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "silu",
    "gelu",
    "softmax",
    "log_softmax",
]

_LONG = np.longdouble if np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant else np.float64
_MP_DPS = 30


def _prep(x, name):
    """(array, result dtype, wide dtype)."""
    a = np.asarray(x)
    dt = a.dtype
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        rdt = np.dtype({2: np.float16, 4: np.float32, 8: np.float64}[dt.itemsize])
    elif dt.kind in "biu":
        rdt = np.dtype(np.result_type(dt, np.float16))
    else:
        raise TypeError(f"reference.{name}: unsupported dtype {dt}")
    wide = np.dtype(_LONG) if rdt == np.float64 else np.dtype(np.float64)
    return a, rdt, wide


def _finish(w, rdt):
    r = np.asarray(w).astype(rdt)
    return r[()] if r.ndim == 0 else r


def _sigmoid_wide(w):
    e = np.exp(-np.abs(w))
    return np.where(w >= 0, 1 / (1 + e), e / (1 + e))


def _mp_map(fn, w):
    """Apply a scalar mpmath function to the finite entries of float64 array w."""
    out = np.empty(w.shape, dtype=np.float64)
    flat_w = w.reshape(-1)
    flat_o = out.reshape(-1)
    with _mp.workdps(_MP_DPS):
        for i in range(flat_w.size):
            v = float(flat_w[i])
            # Both GELU forms are exactly -0.0 (underflow) below -40 and round to
            # x above 40 in float64; mpmath's erfc also overflows for huge |x|.
            if v == 0.0:
                flat_o[i] = v  # keeps the sign of zero (mpmath has no -0)
            elif v < -40.0:
                flat_o[i] = -0.0
            elif v > 40.0:
                flat_o[i] = v
            else:
                flat_o[i] = float(fn(_mp.mpf(v)))
    return out


def _mp_gelu(v):
    return v * _mp.erfc(-v / _mp.sqrt(2)) / 2


def _mp_gelu_tanh(v):
    u = _mp.sqrt(2 / _mp.pi) * (v + _mp.mpf("0.044715") * v**3)
    return v / (1 + _mp.exp(-2 * u))


_erfc = np.frompyfunc(math.erfc, 1, 1)


def relu(x):
    """max(x, 0); relu(NaN) = NaN, relu(-0.0) = +0.0."""
    a, rdt, _ = _prep(x, "relu")
    with np.errstate(all="ignore"):
        v = a.astype(rdt)
        return _finish(np.where((v > 0) | np.isnan(v), v, rdt.type(0)), rdt)


def leaky_relu(x, negative_slope=0.01):
    """x if x > 0 else fl(x * fl(negative_slope)) (slope rounded to the result dtype; PyTorch's rule)."""
    a, rdt, _ = _prep(x, "leaky_relu")
    if isinstance(negative_slope, (bool, np.bool_)) or not isinstance(
        negative_slope, (int, float, np.integer, np.floating)
    ):
        raise TypeError("reference.leaky_relu: negative_slope must be a real number")
    with np.errstate(all="ignore"):
        v = a.astype(rdt)
        s = rdt.type(negative_slope)
        return _finish(np.where(v > 0, v, v * s), rdt)


def sigmoid(x):
    """1 / (1 + exp(-x)), evaluated on -|x| and reflected."""
    a, rdt, wide = _prep(x, "sigmoid")
    with np.errstate(all="ignore"):
        return _finish(_sigmoid_wide(a.astype(wide)), rdt)


def tanh(x):
    """np.tanh in the wider type (keeps -0, tanh(+-inf) = +-1)."""
    a, rdt, wide = _prep(x, "tanh")
    with np.errstate(all="ignore"):
        return _finish(np.tanh(a.astype(wide)), rdt)


def silu(x):
    """x * sigmoid(x); silu(-inf) = -0.0."""
    a, rdt, wide = _prep(x, "silu")
    with np.errstate(all="ignore"):
        w = a.astype(wide)
        r = w * _sigmoid_wide(w)
        r = np.where(np.isneginf(w), -0.0, r)
        return _finish(r, rdt)


def gelu(x, approximate="none"):
    """GELU: "none" -> 0.5*x*erfc(-x/sqrt 2); "tanh" -> x*sigmoid(2*sqrt(2/pi)*(x + 0.044715 x^3))."""
    if not isinstance(approximate, str):
        raise TypeError("reference.gelu: approximate must be 'none' or 'tanh'")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"reference.gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    a, rdt, wide = _prep(x, "gelu")
    with np.errstate(all="ignore"):
        w = a.astype(wide)
        finite = np.isfinite(w)
        r = np.empty(w.shape, dtype=wide)
        wf = w[finite]
        if rdt == np.float64 and _mp is not None:
            fn = _mp_gelu if approximate == "none" else _mp_gelu_tanh
            if approximate == "tanh":
                # |x| <= 3: 2u <= 17, so longdouble loses < 0.01 ulp; mpmath only for the tails.
                small = np.abs(wf) <= 3
                rf = np.empty(wf.shape, dtype=wide)
                ws = wf[small]
                u = np.sqrt(wide.type(2) / wide.type(np.pi)) * (ws + wide.type(0.044715) * ws * ws * ws)
                rf[small] = ws * _sigmoid_wide(2 * u)
                rf[~small] = _mp_map(fn, wf[~small].astype(np.float64))
            else:
                rf = _mp_map(fn, wf.astype(np.float64))
            r[finite] = rf
        elif approximate == "none":
            w64 = wf.astype(np.float64)
            e = _erfc(-w64 / math.sqrt(2)).astype(np.float64) if w64.size else w64
            r[finite] = 0.5 * w64 * e
        else:
            k = np.sqrt(wide.type(2) / wide.type(np.pi))
            u = k * (wf + wide.type(0.044715) * wf * wf * wf)
            r[finite] = wf * _sigmoid_wide(2 * u)
        r[np.isnan(w)] = np.nan
        r[np.isposinf(w)] = np.inf
        r[np.isneginf(w)] = -0.0
        return _finish(r, rdt)


def _rows(x, axis, name, log):
    a, rdt, wide = _prep(x, name)
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"reference.{name}: axis must be an int")
    axis = operator.index(axis)
    nd = a.ndim
    ax = normalize_axis_index(axis, max(nd, 1))
    w = a.astype(wide).reshape(a.shape if nd else (1,))
    if w.size == 0:
        return np.empty(a.shape, dtype=rdt)
    with np.errstate(all="ignore"):
        m = np.max(w, axis=ax, keepdims=True)
        bad = ~np.isfinite(m)  # NaN, +inf, or a row that is all -inf
        m = np.where(bad, 0, m)
        z = w - m
        e = np.exp(z)
        # s1 = sum(e) - 1, summed without the (first) max term so that it is
        # accurate even when tiny: log_softmax = z - log1p(s1) then has no
        # cancellation (both terms <= 0), unlike z - log(sum(e)) near 0.
        e_rest = e.copy()
        np.put_along_axis(e_rest, np.argmax(z, axis=ax, keepdims=True), 0, axis=ax)
        s1 = np.sum(e_rest, axis=ax, keepdims=True)
        r = (z - np.log1p(s1)) if log else (e / (1 + s1))
        r = np.where(bad, np.nan, r)
    return _finish(r.reshape(a.shape), rdt)


def softmax(x, axis=-1):
    """exp(x - max) / sum(exp(x - max)) along `axis` (NaN rows as documented)."""
    return _rows(x, axis, "softmax", log=False)


def log_softmax(x, axis=-1):
    """(x - max) - log(sum(exp(x - max))) along `axis` (NaN rows as documented)."""
    return _rows(x, axis, "log_softmax", log=True)
