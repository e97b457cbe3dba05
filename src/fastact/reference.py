"""NumPy reference implementations (oracles) of every fastact op.

Same names and parameters as the public API, minus ``out=`` and
``num_threads=``.  They accept anything ``np.asarray`` accepts and return the
dtype fastact returns (float16/float32/float64 as given; bool and integers
promoted like ``np.tanh``), a NumPy scalar for 0-d input.

Each function is built from its row in the op registry (``fastact._ops``):
the row's formula (``Variant.ref``) is evaluated in a wider type - float64
for float16/bfloat16/float32 inputs, ``np.longdouble`` (80-bit extended on x86-64
Linux) for float64 inputs, and mpmath at 30 digits where a row asks for it
(the two GELU forms in float64, when mpmath is importable: it is part of the
``test`` extra) - and rounded once to the result dtype, so the results serve
as ulp oracles: their own error is far below one ulp of the output dtype.
Every formula avoids cancellation:

* sigmoid(x) = 1/(1+e) for x >= 0, e/(1+e) for x < 0, with e = exp(-|x|);
* silu(x) = x * sigmoid(x);
* gelu(x) = 0.5 * x * erfc(-x/sqrt(2))  (never 0.5*x*(1+erf(x/sqrt 2)));
* gelu(x, "tanh") = x * sigmoid(2u), u = sqrt(2/pi) * (x + 0.044715 x^3),
  which equals PyTorch's 0.5*x*(1+tanh(u)) without its cancellation;
* softmax subtracts the row max; log_softmax = (x - max) - log1p(s1), where
  s1 = sum(exp(x - max)) - 1 is summed without the max term (no cancellation
  when the result is near 0).
The exact ops (relu, leaky_relu) are evaluated in the compute dtype (float32
for 16-bit data) and rounded once: their result is one comparison or one
rounded product.  Real parameters are rounded to the compute dtype first, as
the kernels do.

Special values follow the fastact contract (docs/api.md): NaN propagates;
+-inf give the row's limits (sigmoid(-inf) = 0, silu(-inf) = gelu(-inf) =
-0.0 as the limit is approached from below, tanh(+-inf) = +-1); odd functions
keep -0; relu(-0.0) = +0.0; softmax rows containing NaN or +inf, and rows
that are all -inf, are all NaN.  No floating-point warnings are emitted.
"""

import inspect
import operator

import numpy as np

try:  # NumPy >= 2.0
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index

from . import _ops
from ._ops import _wide


def _bfloat16():
    try:
        import ml_dtypes
    except ImportError:  # pragma: no cover - ml_dtypes is optional
        return None
    return np.dtype(ml_dtypes.bfloat16)


def _prep(x, name):
    """(array, result dtype, wide dtype)."""
    a = np.asarray(x)
    dt = a.dtype
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        rdt = np.dtype({2: np.float16, 4: np.float32, 8: np.float64}[dt.itemsize])
    elif dt.kind in "biu":
        rdt = np.dtype(np.result_type(dt, np.float16))
    elif dt.kind == "V" and dt == _bfloat16():
        rdt = dt
    else:
        raise TypeError(f"reference.{name}: unsupported dtype {dt}")
    wide = np.dtype(_wide.LONG) if rdt == np.float64 else np.dtype(np.float64)
    return a, rdt, wide


def _finish(w, rdt):
    r = np.asarray(w).astype(rdt)
    return r[()] if r.ndim == 0 else r


def _check_params(f, kw):
    """Validate the public parameters like fastact does; returns (variant, real params)."""
    v = f.variants[0]
    real = {}
    for p in f.params:
        val = kw[p.name]
        if p.kind == "choice":
            if not isinstance(val, str):
                raise TypeError(f"reference.{f.name}: {p.name} must be one of {p.choices}")
            if val not in p.choices:
                raise ValueError(f"reference.{f.name}: {p.name} must be one of {p.choices}, got {val!r}")
            v = next(u for u in f.variants if u.select[p.name] == val)
        elif p.kind == "real":
            if isinstance(val, (bool, np.bool_)) or not isinstance(val, (int, float, np.integer, np.floating)):
                raise TypeError(f"reference.{f.name}: {p.name} must be a real number")
            if p.check == "nonzero" and val == 0:
                raise ValueError(f"reference.{f.name}: {p.name} must be nonzero")
            if p.check == "positive" and not val > 0:
                raise ValueError(f"reference.{f.name}: {p.name} must be positive")
            real[p.name] = val
    for cond, msg in f.checks:
        if not eval(cond, {}, dict(real)):  # a registry expression over the real parameters
            raise ValueError(f"reference.{f.name}: {msg}")
    return v, real


def _map(f, x, kw):
    v, params = _check_params(f, kw)
    a, rdt, wide = _prep(x, f.name)
    # the kernels compute 16-bit data in float32, and round real parameters
    # to the compute dtype first
    cdt = np.dtype(np.float32) if rdt.itemsize == 2 else rdt
    params = {k: float(cdt.type(val)) for k, val in params.items()}
    with np.errstate(all="ignore"):
        if v.exact:  # the exact formula in the compute dtype, rounded once
            return _finish(v.ref(a.astype(cdt), **params), rdt)
        return _finish(_ops.wide(v, a.astype(wide), params), rdt)


def _rows(f, x, kw):
    v, _ = _check_params(f, kw)
    axis = kw["axis"]
    a, rdt, wide = _prep(x, f.name)
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"reference.{f.name}: axis must be an int")
    axis = operator.index(axis)
    nd = a.ndim
    ax = normalize_axis_index(axis, max(nd, 1))
    where = kw.get("where")
    mb = None
    if where is not None:  # JAX's semantics (docs/api.md)
        m = np.asarray(where)
        if m.dtype != np.bool_:
            raise TypeError(f"reference.{f.name}: where must be a boolean array")
        try:
            mb = np.broadcast_to(m, a.shape).reshape(a.shape if nd else (1,))
        except ValueError:
            raise ValueError(f"reference.{f.name}: where does not broadcast to x's shape") from None
    w = a.astype(wide).reshape(a.shape if nd else (1,))
    if w.size == 0:
        return np.empty(a.shape, dtype=rdt)
    with np.errstate(all="ignore"):
        if mb is not None:
            w = np.where(mb, w, -np.inf)
        r = np.asarray(v.ref(w, axis=ax))
        if mb is not None:
            r = np.where(mb, r, 0.0 if f.name == "softmax" else -np.inf)
    return _finish(r.reshape(a.shape), rdt)


def _gated(f, x, kw):
    v, _ = _check_params(f, kw)
    axis = kw["axis"]
    a, rdt, wide = _prep(x, f.name)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"reference.{f.name}: axis must be an int")
    axis = operator.index(axis)
    if a.ndim == 0:
        raise ValueError(f"reference.{f.name}: x is 0-d; the gated axis must have even length")
    ax = normalize_axis_index(axis, a.ndim)
    if a.shape[ax] % 2:
        raise ValueError(f"reference.{f.name}: axis {axis} has odd length {a.shape[ax]}")
    h = a.shape[ax] // 2
    cdt = np.dtype(np.float32) if rdt.itemsize == 2 else rdt
    w = a.astype(cdt if v.exact else wide)
    wa = np.take(w, np.arange(h), axis=ax)
    wb = np.take(w, np.arange(h, 2 * h), axis=ax)
    with np.errstate(all="ignore"):
        return _finish(v.ref(wa, wb), rdt)


def _channel(f, x, kw):
    v, _ = _check_params(f, kw)
    weight = kw["weight"]
    a, rdt, _wide_dt = _prep(x, f.name)
    if isinstance(weight, (bool, np.bool_, str, bytes)) or weight is None:
        raise TypeError(f"reference.{f.name}: weight must be a real number or a 1-D array")
    w = np.asarray(weight)
    if w.dtype.kind not in "fiu" and not (w.dtype.kind == "V" and w.dtype == _bfloat16()):
        raise TypeError(f"reference.{f.name}: weight must be real")
    if w.ndim > 1 or w.size == 0:
        raise ValueError(f"reference.{f.name}: weight must be 0-d or 1-D and not empty")
    channels = a.shape[1] if a.ndim >= 2 else 1
    if w.size not in (1, channels):
        raise ValueError(f"reference.{f.name}: weight has {w.size} elements but x has {channels} channels")
    cdt = np.dtype(np.float32) if rdt.itemsize == 2 else rdt
    with np.errstate(all="ignore"):
        wc = w.reshape(-1).astype(rdt).astype(cdt)  # rounded to the result dtype, as fastact does
        if wc.size == 1:
            wb = wc[0]
        else:
            wb = wc.reshape((1, channels) + (1,) * (a.ndim - 2))
        return _finish(v.ref(a.astype(cdt), wb), rdt)


def _gated_backward(f, dy, x, kw):
    v, _ = _check_params(f, kw)
    axis = kw["axis"]
    a, rdt, wide = _prep(x, f.name)
    g = np.asarray(dy)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"reference.{f.name}: axis must be an int")
    if a.ndim == 0:
        raise ValueError(f"reference.{f.name}: x is 0-d; the gated axis must have even length")
    ax = normalize_axis_index(operator.index(axis), a.ndim)
    if a.shape[ax] % 2:
        raise ValueError(f"reference.{f.name}: axis {axis} has odd length {a.shape[ax]}")
    h = a.shape[ax] // 2
    if g.shape != a.shape[:ax] + (h,) + a.shape[ax + 1:]:
        raise ValueError(f"reference.{f.name}: dy has shape {g.shape}, not the output's")
    with np.errstate(all="ignore"):
        w = a.astype(wide)
        wg = g.astype(rdt).astype(wide)
        da, db = v.ref(wg, np.take(w, np.arange(h), axis=ax), np.take(w, np.arange(h, 2 * h), axis=ax))
        return _finish(np.concatenate([np.asarray(da, dtype=wide), np.asarray(db, dtype=wide)], axis=ax), rdt)


def _make_gated_backward(f):
    names = [p.name for p in f.params]
    defaults = {p.name: p.default for p in f.params}

    def oracle(dy, x, *args, **kwargs):
        kw = dict(defaults)
        kw.update(zip(names, args))
        for k, val in kwargs.items():
            if k not in defaults:
                raise TypeError(f"reference.{f.name}() got an unexpected keyword argument {k!r}")
            kw[k] = val
        return _gated_backward(f, dy, x, kw)

    oracle.__name__ = oracle.__qualname__ = f.name
    oracle.__doc__ = f"reference.{f.name}(dy, x, ...): {f.doc}"
    P = inspect.Parameter
    oracle.__signature__ = inspect.Signature(
        [P("dy", P.POSITIONAL_OR_KEYWORD), P("x", P.POSITIONAL_OR_KEYWORD)]
        + [P(n, P.POSITIONAL_OR_KEYWORD, default=defaults[n]) for n in names])
    return oracle




def _pair(f, dy, x):
    """The backward ops' two arrays: same shape, same result dtype (as fastact checks)."""
    n1, n2 = f.inputs
    a, rdt, wide = _prep(dy, f.name)
    b, rdt2, _ = _prep(x, f.name)
    if a.shape != b.shape:
        raise ValueError(f"reference.{f.name}: {n1} and {n2} must have the same shape, got {a.shape} and {b.shape}")
    if rdt != rdt2:
        raise TypeError(f"reference.{f.name}: {n1} and {n2} must have the same dtype, got {a.dtype} and {b.dtype}")
    return a, b, rdt, wide


def _map2(f, dy, x, kw):
    v, params = _check_params(f, kw)
    a, b, rdt, wide = _pair(f, dy, x)
    cdt = np.dtype(np.float32) if rdt.itemsize == 2 else rdt
    params = {k: float(cdt.type(val)) for k, val in params.items()}
    with np.errstate(all="ignore"):
        if v.exact:
            return _finish(v.ref(a.astype(cdt), b.astype(cdt), **params), rdt)
        return _finish(_ops.wide2(v, a.astype(wide), b.astype(wide), params), rdt)


def _rows2(f, dy, y, kw):
    v, _ = _check_params(f, kw)
    axis = kw["axis"]
    a, b, rdt, wide = _pair(f, dy, y)
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"reference.{f.name}: axis must be an int")
    axis = operator.index(axis)
    nd = b.ndim
    ax = normalize_axis_index(axis, max(nd, 1))
    shape = b.shape if nd else (1,)
    if b.size == 0:
        return np.empty(b.shape, dtype=rdt)
    with np.errstate(all="ignore"):
        r = v.ref(a.astype(wide).reshape(shape), b.astype(wide).reshape(shape), axis=ax)
    return _finish(np.asarray(r).reshape(b.shape), rdt)


_RUN = {"map": _map, "rows": _rows, "gated": _gated, "channel": _channel, "map2": _map2, "rows2": _rows2}


def _make(f):
    if f.family in ("channel", "channel_backward"):
        return _make_channel(f)
    if f.family == "gated_backward":
        return _make_gated_backward(f)
    names = [p.name for p in f.params]
    defaults = {p.name: p.default for p in f.params}
    run = _RUN[f.family]
    nin = len(f.inputs)

    def oracle(*args, **kwargs):
        arrays = list(args[:nin])
        for n in f.inputs[len(arrays):]:
            if n not in kwargs:
                raise TypeError(f"reference.{f.name}() missing the argument {n!r}")
            arrays.append(kwargs.pop(n))
        args = args[nin:]
        if len(args) > len(names):
            raise TypeError(f"reference.{f.name}() takes at most {len(names) + nin} positional arguments")
        kw = dict(defaults)
        kw.update(zip(names, args))
        for k, val in kwargs.items():
            if k not in defaults:
                raise TypeError(f"reference.{f.name}() got an unexpected keyword argument {k!r}")
            kw[k] = val
        return run(f, *arrays, kw)

    params = "".join(f", {n}={defaults[n]!r}" for n in names)
    oracle.__name__ = oracle.__qualname__ = f.name
    oracle.__doc__ = f"reference.{f.name}({', '.join(f.inputs)}{params}): {f.doc}"
    P = inspect.Parameter
    oracle.__signature__ = inspect.Signature(
        [P(n, P.POSITIONAL_OR_KEYWORD) for n in f.inputs]
        + [P(n, P.POSITIONAL_OR_KEYWORD, default=defaults[n]) for n in names])
    return oracle


def _channel_backward(f, dy, x, weight):
    import math

    g = np.asarray(dy)
    a, rdt, _ = _prep(x, f.name)
    if g.shape != a.shape:
        raise ValueError(f"reference.{f.name}: dy has shape {g.shape}, x has shape {a.shape}")
    dx = _channel(_ops.function("prelu"), a, {"weight": weight})  # the checks, and the layout
    cdt = np.dtype(np.float32) if rdt.itemsize == 2 else rdt
    w = np.asarray(weight)
    channels = a.shape[1] if a.ndim >= 2 else 1
    with np.errstate(all="ignore"):
        wc = w.reshape(-1).astype(rdt).astype(cdt)
        wb = wc[0] if wc.size == 1 else wc.reshape((1, channels) + (1,) * (a.ndim - 2))
        ac, gc = a.astype(cdt), g.astype(rdt).astype(cdt)
        dx = _finish(_ops.function("prelu_backward").variants[0].ref(gc, ac, wb), rdt)
        t = np.where(ac > 0, 0.0, ac.astype(np.float64) * gc.astype(np.float64))  # exact for <= 32-bit
        if wc.size == 1:
            sums = [math.fsum(t.reshape(-1).tolist())]
        else:
            tt = np.moveaxis(t, 1, 0).reshape(channels, -1)
            sums = [math.fsum(row.tolist()) for row in tt]
        dweight = np.asarray(sums, dtype=np.float64).astype(rdt).reshape(w.shape)
    return dx, (dweight[()] if dweight.ndim == 0 else dweight)


def _make_channel(f):
    if f.family == "channel_backward":
        def oracle(dy, x, weight):
            return _channel_backward(f, dy, x, weight)

        oracle.__name__ = oracle.__qualname__ = f.name
        oracle.__doc__ = f"reference.{f.name}(dy, x, weight): {f.doc}"
        return oracle

    def oracle(x, weight):
        return _channel(f, x, {"weight": weight})

    oracle.__name__ = oracle.__qualname__ = f.name
    oracle.__doc__ = f"reference.{f.name}(x, weight): {f.doc}"
    return oracle


for _f in _ops.functions():
    globals()[_f.name] = _make(_f)

__all__ = list(_ops.public_names())
