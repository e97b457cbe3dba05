"""Registry rows of the backward (gradient) ops.

Two families:

* "map2" - elementwise, two arrays of the same shape and dtype:
  ``<op>_backward(dy, x, <the op's parameters>, out=None, *, num_threads=None)``
  returns dx = dy * f'(x) (``sigmoid_backward`` and ``tanh_backward`` take the
  forward output y instead of x, as PyTorch's do).  C rows: FA_MAP2_OPS in
  src/c/fa_ops.h; algorithms in src/c/kernels/fa_algo_grad.h.
* "rows2" - along one axis: ``softmax_backward(dy, y, axis=-1)`` and
  ``log_softmax_backward(dy, y, axis=-1)`` from the forward output y.

A map2 variant's fields mean what they mean for "map" (see _model.Variant),
with two arrays:

  ref(wdy, wx, **params)  the oracle on wide arrays (float64 for 16/32-bit
                          data, long double for float64; mpmath where the
                          wide formula is not accurate enough), written
                          without cancellation away from the zeros of f'
  mp(ctx, x, **params)    the exact derivative f'(x) (None for the ops whose
                          result is exact: a selection, one rounded product
                          or quotient; and for the output-based ones, whose
                          oracle is the exact expression in y)
  limits(**params)        (f'(-inf), f'(+inf)): dx = dy * limit at x = +-inf
                          (None: the formula itself, for the exact ops and
                          the output-based ones)
  points                  inputs x where the algorithm switches or saturates

``wide2`` evaluates a variant's oracle as the tests and verifiers use it.
"""

from __future__ import annotations

import numpy as np

from . import _wide
from ._model import INF, Function, Param, Variant
from .elementwise import QGELU_K, SELU_ALPHA, SELU_SCALE

NAN = float("nan")


def _sel(c, a, b):
    return np.where(c, a, b)


# ---------------------------------------------------------------- exact piecewise


def _ref_relu_b(dy, x):
    return _sel(x > 0, dy, _sel(x <= 0, dy.dtype.type(0), x))


def _ref_leaky_b(dy, x, negative_slope=0.01):
    s = dy.dtype.type(negative_slope)
    return _sel(x > 0, dy, _sel(x <= 0, dy * s, x))


def _clip_b(dy, x, lo, hi):
    z = dy.dtype.type(0)
    return _sel(x > lo, _sel(x < hi, dy, z), _sel(x <= lo, z, x))


def _ref_relu6_b(dy, x):
    return _clip_b(dy, x, 0, 6)


def _ref_hardtanh_b(dy, x, min_val=-1.0, max_val=1.0):
    return _clip_b(dy, x, x.dtype.type(min_val), x.dtype.type(max_val))


def _ref_hardsigmoid_b(dy, x):
    return _clip_b(dy / dy.dtype.type(6), x, -3, 3)


# ---------------------------------------------------------------- from the output


def _ref_sigmoid_b(dy, y):
    return dy * (y * (1 - y))


def _ref_tanh_b(dy, y):
    return dy * ((1 - y) * (1 + y))


# ---------------------------------------------------------------- smooth


def _sigform(w, e, neg):
    """(1 + e + w e)/(1 + e)^2 (pos) or e (1 + w + e)/(1 + e)^2 (neg)."""
    return _sel(neg, e * ((1 + w) + e), (1 + e) + w * e) / ((1 + e) * (1 + e))


def _dsilu(z):
    e = np.exp(-np.abs(z))
    return _sigform(z, e, z < 0)


def _ref_silu_b(dy, x):
    return dy * _dsilu(x)


def _ref_quick_gelu_b(dy, x):
    return dy * _dsilu(x.dtype.type(QGELU_K) * x)


def _mp_dsilu(mp, z):
    s = 1 / (1 + mp.exp(-z))
    return s * (1 + z * (1 - s))


def _mp_gelu_d(mp, x):
    if x < -60:
        return -mp.mpf(2) ** -3000
    if x > 60:
        return mp.mpf(1)
    return mp.erfc(-x / mp.sqrt(2)) / 2 + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _ref_gelu_b(dy, x):
    if x.dtype != np.float64 and _wide.have_mpmath():  # float64 data: mpmath
        return dy * _mp_wide(_mp_gelu_d, x)
    x64 = np.asarray(x, dtype=np.float64)
    phi = np.exp(-0.5 * x64 * x64) / np.sqrt(2 * np.pi)
    return dy * (0.5 * _wide.erfc64(-x64 / np.sqrt(2.0)) + x64 * phi)


_GT_C = "0.044715"


_PI = "3.14159265358979323846264338327950288"


def _gelu_tanh_parts(x):
    k = np.sqrt(x.dtype.type(2) / x.dtype.type(_PI))  # pi parsed in the wide dtype (np.pi is a float64)
    c = x.dtype.type(_GT_C)
    t = 2 * k * (x + c * x * x * x)
    dt = 2 * k * (1 + 3 * c * x * x)
    return t, dt


def _ref_gelu_tanh_b(dy, x):
    xc = np.clip(x, -30, 30)
    t, dt = _gelu_tanh_parts(xc)
    e = np.exp(-np.abs(t))
    return dy * _sigform(xc * dt, e, xc < 0)


def _mp_gelu_tanh_d(mp, x):
    if abs(x) > 1e5:
        return mp.mpf(1) if x > 0 else -mp.mpf(2) ** -3000
    k = mp.sqrt(2 / mp.pi)
    c = mp.mpf(_GT_C)
    t = 2 * k * (x + c * x**3)
    s = 1 / (1 + mp.exp(-t))
    return s + x * s * (1 - s) * 2 * k * (1 + 3 * c * x * x)


def _ref_softplus_b(dy, x, beta=1.0, threshold=20.0):
    z = x * x.dtype.type(beta)
    return _sel(z > threshold, dy, dy * _wide.sigmoid(z))


def _mp_softplus_d(mp, x, beta=1.0, threshold=20.0):
    z = x * beta
    if z > threshold:
        return mp.mpf(1)
    return 1 / (1 + mp.exp(-z))


def _ref_log_sigmoid_b(dy, x):
    return dy * _wide.sigmoid(-x)


def _ref_hardswish_b(dy, x):
    return _sel(x >= 3, dy, _sel(x <= -3, dy.dtype.type(0), dy * (2 * x + 3) / 6))


def _mp_hardswish_d(mp, x):
    if x >= 3:
        return mp.mpf(1)
    if x <= -3:
        return mp.mpf(0)
    return (2 * x + 3) / mp.mpf(6)


def _ref_softsign_b(dy, x):
    t = 1 + np.abs(x)
    return dy / (t * t)


def _ref_elu_b(dy, x, alpha=1.0):
    return _sel(x > 0, dy, dy * x.dtype.type(alpha) * np.exp(np.minimum(x, 0)))


def _mp_elu_d(mp, x, alpha=1.0):
    return mp.mpf(1) if x > 0 else alpha * mp.exp(x)


def _ref_selu_b(dy, x):
    s, a = x.dtype.type(SELU_SCALE), x.dtype.type(SELU_ALPHA)
    return _sel(x > 0, dy * s, dy * (s * a) * np.exp(np.minimum(x, 0)))


def _mp_selu_d(mp, x):
    s = mp.mpf(SELU_SCALE)
    return s if x > 0 else s * mp.mpf(SELU_ALPHA) * mp.exp(x)


def _ref_celu_b(dy, x, alpha=1.0):
    with np.errstate(all="ignore"):
        return _sel(x > 0, dy, dy * np.exp(np.minimum(x, 0) / x.dtype.type(alpha)))


def _mp_celu_d(mp, x, alpha=1.0):
    if x > 0:
        return mp.mpf(1)
    z = x / mp.mpf(alpha)
    if z > 5000:
        return mp.mpf(2) ** 8000
    return mp.exp(z)


def _ref_mish_b(dy, x):
    e = np.exp(-np.abs(x))
    xc = np.clip(x, -1000, 1000)
    xf = 4 * xc * (1 + e)
    D = e * (e + 2) + 2
    neg = e * ((e + 2) * D + xf) / (D * D)
    n1 = 1 + 2 * e
    d1 = n1 + 2 * e * e
    pos = (n1 * d1 + xf * e * e) / (d1 * d1)
    return dy * _sel(x > 0, pos, neg)


def _mp_mish_d(mp, x):
    if x > 1000:
        return mp.mpf(1)
    if x < -1000:
        return -mp.mpf(2) ** -3000
    sp = mp.log1p(mp.exp(x))
    t = mp.tanh(sp)
    return t + x * (1 - t * t) / (1 + mp.exp(-x))


MP_DPS_GRAD = 60  # the zeros of f' need more digits than the forward oracles


def _mp_wide(fn, w, **params):
    """fn(mp, x, **params) for every finite entry of w, at MP_DPS_GRAD digits (float64 values)."""
    import math

    import mpmath

    mp = mpmath.mp
    flat = np.asarray(w, dtype=np.float64).reshape(-1)
    out = np.empty(flat.shape, dtype=np.float64)
    with mp.workdps(MP_DPS_GRAD):
        for i, v in enumerate(flat.tolist()):
            if not math.isfinite(v):
                out[i] = np.nan
            else:
                out[i] = float(fn(mp, mp.mpf(v), **params))
    return out.reshape(np.shape(w))


# ---------------------------------------------------------------- rows


def _dot_rows(a, b, axis):
    return np.sum(a * b, axis=axis, keepdims=True)


def _ref_softmax_b(dy, y, axis=-1):
    # in the wide dtype: sum(dy * y) then y * (dy - s)
    return y * (dy - _dot_rows(dy, y, axis))


def _ref_log_softmax_b(dy, y, axis=-1):
    return dy - np.exp(y) * np.sum(dy, axis=axis, keepdims=True)


# ---------------------------------------------------------------- rows of the registry

_DY_X = ("dy", "x")
_DY_Y = ("dy", "y")
_SIG_POINTS = (0.5, 1.2784645, 16.6, 17.33, 36.7, 37.4, 87.3, 88.7, 103.3, 104.0, 112.0, 708.4, 709.8,
               745.1, 760.0, 1400.0)

RELU_B = Function(
    "relu_backward", "map2", (),
    (Variant("relu_backward", "RELU_BACKWARD", ref=_ref_relu_b, mp=None, exact=True, limits=None,
             peers={"torch": "torch.ops.aten.threshold_backward(dy, x, 0.0)"}),),
    doc="dy where x > 0, else 0 (relu'(0) = 0); NaN x gives NaN.", inputs=_DY_X,
)

LEAKY_RELU_B = Function(
    "leaky_relu_backward", "map2",
    (Param("negative_slope", 0.01, doc="slope for x <= 0"),),
    (Variant("leaky_relu_backward", "LEAKY_RELU_BACKWARD", ref=_ref_leaky_b, mp=None, exact=True,
             cparams=("negative_slope",), limits=None,
             cases=({"negative_slope": 0.2}, {"negative_slope": -1.5}),
             peers={"torch": "torch.ops.aten.leaky_relu_backward(dy, x, negative_slope, False)"}),),
    doc="dy where x > 0, else dy * negative_slope (also at x = 0).", inputs=_DY_X,
)

SIGMOID_B = Function(
    "sigmoid_backward", "map2", (),
    (Variant("sigmoid_backward", "SIGMOID_BACKWARD", ref=_ref_sigmoid_b,
             ulp={"float32": 2.5, "float64": 4.0},
             mp=lambda mp, y: y * (1 - y), limits=None, points=(0.5, 1.0),
             peers={"torch": "torch.ops.aten.sigmoid_backward(dy, y)"}),),
    doc="dy * y * (1 - y) from the output y = sigmoid(x).", inputs=_DY_Y,
)

TANH_B = Function(
    "tanh_backward", "map2", (),
    (Variant("tanh_backward", "TANH_BACKWARD", ref=_ref_tanh_b,
             ulp={"float32": 2.5, "float64": 4.0},
             mp=lambda mp, y: (1 - y) * (1 + y), limits=None, points=(0.5, 1.0),
             peers={"torch": "torch.ops.aten.tanh_backward(dy, y)"}),),
    doc="dy * (1 - y) * (1 + y) from the output y = tanh(x) (no cancellation near |y| = 1).",
    inputs=_DY_Y,
)

SILU_B = Function(
    "silu_backward", "map2", (),
    (Variant("silu_backward", "SILU_BACKWARD", ref=_ref_silu_b,
             ulp={"float32": 3.5, "float64": 4.0}, mp=_mp_dsilu, limits=lambda: (-0.0, 1.0),
             points=_SIG_POINTS,
             peers={"torch": "torch.ops.aten.silu_backward(dy, x)"}),),
    doc="dy * s * (1 + x * (1 - s)), s = sigmoid(x), without cancellation in the tails.", inputs=_DY_X,
)

GELU_B = Function(
    "gelu_backward", "map2",
    (Param("approximate", "none", kind="choice", choices=("none", "tanh"),
           doc='"none": exact (erf) form; "tanh": the tanh approximation'),),
    (
        Variant("gelu_backward", "GELU_BACKWARD", select={"approximate": "none"}, ref=_ref_gelu_b,
                ulp={"float32": 3.5, "float64": 4.0}, mp=_mp_gelu_d, limits=lambda: (-0.0, 1.0),
                points=(0.7517916, 2.6, 3.92, 5.3, 5.5, 8.3, 13.0, 14.5, 26.5, 37.5, 38.6, 39.0),
                peers={"torch": "torch.ops.aten.gelu_backward(dy, x, approximate='none')"}),
        Variant("gelu_tanh_backward", "GELU_TANH_BACKWARD", select={"approximate": "tanh"},
                ref=_ref_gelu_tanh_b, mp=_mp_gelu_tanh_d, limits=lambda: (-0.0, 1.0),
                ulp={"float32": 3.5, "float64": 4.0},
                # the zero x0 and the float32 band edges x0 +- 1/4, widened below -9.3
                points=(0.7517, 0.752461, 0.502461, 1.002461, 2.6, 3.3, 5.5, 9.3, 10.0, 11.5,
                        20.0, 22.0, 30.0),
                peers={"torch": "torch.ops.aten.gelu_backward(dy, x, approximate='tanh')"}),
    ),
    doc='dy * gelu\'(x): "none" -> Phi(x) + x phi(x); "tanh" -> the derivative of the tanh form.',
    inputs=_DY_X,
)

SOFTPLUS_B = Function(
    "softplus_backward", "map2",
    (Param("beta", 1.0, check="positive", doc="the slope of the soft ramp, > 0"),
     Param("threshold", 20.0, doc="the derivative is 1 where beta * x > threshold")),
    (Variant("softplus_backward", "SOFTPLUS_BACKWARD", ref=_ref_softplus_b,
             ulp={"float32": 3.0, "float64": 4.0}, mp=_mp_softplus_d,
             cparams=("beta", "threshold"), limits=lambda beta=1.0, threshold=20.0: (0.0, 1.0),
             points=(5.0, 18.0, 20.0, 87.3, 103.3, 104.0, 708.4, 745.1, 1400.0),
             cases=({"beta": 2.0}, {"beta": 0.5, "threshold": 5.0}),
             peers={"torch": "torch.ops.aten.softplus_backward(dy, x, beta, threshold)"}),),
    doc="dy * sigmoid(beta * x), dy where beta * x > threshold (PyTorch's softplus_backward).",
    inputs=_DY_X,
)

LOG_SIGMOID_B = Function(
    "log_sigmoid_backward", "map2", (),
    (Variant("log_sigmoid_backward", "LOG_SIGMOID_BACKWARD", ref=_ref_log_sigmoid_b,
             ulp={"float32": 3.0, "float64": 4.0},
             mp=lambda mp, x: 1 / (1 + mp.exp(x)), limits=lambda: (1.0, 0.0), points=_SIG_POINTS,
             peers={"torch": "dy * torch.sigmoid(-x)"}),),
    doc="dy * sigmoid(-x) = dy * (1 - sigmoid(x)).", inputs=_DY_X,
)

RELU6_B = Function(
    "relu6_backward", "map2", (),
    (Variant("relu6_backward", "RELU6_BACKWARD", ref=_ref_relu6_b, mp=None, exact=True, limits=None,
             points=(6.0,),
             peers={"torch": "torch.ops.aten.hardtanh_backward(dy, x, 0.0, 6.0)"}),),
    doc="dy where 0 < x < 6, else 0 (0 at both bounds, as hardtanh_backward).", inputs=_DY_X,
)

HARDTANH_B = Function(
    "hardtanh_backward", "map2",
    (Param("min_val", -1.0, doc="lower bound"),
     Param("max_val", 1.0, doc="upper bound, >= min_val")),
    (Variant("hardtanh_backward", "HARDTANH_BACKWARD", ref=_ref_hardtanh_b, mp=None, exact=True,
             cparams=("min_val", "max_val"), limits=None, points=(1.0, 2.0, 3.0),
             cases=({"min_val": -2.0, "max_val": 3.0}, {"min_val": 0.0, "max_val": 6.0}),
             peers={"torch": "torch.ops.aten.hardtanh_backward(dy, x, min_val, max_val)"}),),
    checks=(("min_val <= max_val", "min_val must not be greater than max_val (nor NaN)"),),
    doc="dy where min_val < x < max_val, else 0 (0 at the bounds, PyTorch's convention).", inputs=_DY_X,
)

HARDSIGMOID_B = Function(
    "hardsigmoid_backward", "map2", (),
    (Variant("hardsigmoid_backward", "HARDSIGMOID_BACKWARD", ref=_ref_hardsigmoid_b, mp=None,
             exact=True, limits=None, points=(3.0,),
             peers={"torch": "torch.ops.aten.hardsigmoid_backward(dy, x)"}),),
    doc="dy / 6 where -3 < x < 3, else 0 (0 at +-3).", inputs=_DY_X,
)

HARDSWISH_B = Function(
    "hardswish_backward", "map2", (),
    (Variant("hardswish_backward", "HARDSWISH_BACKWARD", ref=_ref_hardswish_b, mp=_mp_hardswish_d,
             ulp={"float32": 2.5, "float64": 4.0},
             limits=None, points=(3.0, 1.5),  # selected, as PyTorch: 0 below -3, dy above 3
             peers={"torch": "torch.ops.aten.hardswish_backward(dy, x)"}),),
    doc="dy * (2x + 3) / 6 on (-3, 3), 0 at and below -3, dy at and above 3 (PyTorch's kernel).",
    inputs=_DY_X,
)

SOFTSIGN_B = Function(
    "softsign_backward", "map2", (),
    (Variant("softsign_backward", "SOFTSIGN_BACKWARD", ref=_ref_softsign_b,
             ulp={"float32": 2.5, "float64": 4.0},
             mp=lambda mp, x: 1 / (1 + abs(x)) ** 2, limits=lambda: (0.0, 0.0),
             points=(16777216.0, 9007199254740992.0, 1e150, 1e160),
             peers={"torch": "dy / (1 + torch.abs(x)) ** 2"}),),
    doc="dy / (1 + |x|)^2.", inputs=_DY_X,
)

_EXP_POINTS = (0.3465736, 1.0397208, 17.32868, 37.43, 87.3, 103.3, 708.4, 745.1, 1100.0)

ELU_B = Function(
    "elu_backward", "map2",
    (Param("alpha", 1.0, doc="the negative saturation value is -alpha"),),
    (Variant("elu_backward", "ELU_BACKWARD", ref=_ref_elu_b,
             ulp={"float32": 2.0, "float64": 4.0}, mp=_mp_elu_d, cparams=("alpha",),
             limits=lambda alpha=1.0: (0.0 * alpha, 1.0), points=_EXP_POINTS,
             cases=({"alpha": 0.5}, {"alpha": 2.0}),
             peers={"torch": "torch.ops.aten.elu_backward(dy, alpha, 1.0, 1.0, False, x)"}),),
    doc="dy where x > 0, else dy * alpha * exp(x) (the x <= 0 branch at 0, as PyTorch).", inputs=_DY_X,
)

SELU_B = Function(
    "selu_backward", "map2", (),
    (Variant("selu_backward", "SELU_BACKWARD", ref=_ref_selu_b,
             ulp={"float32": 2.0, "float64": 4.0}, mp=_mp_selu_d,
             limits=lambda: (0.0, float(SELU_SCALE)), points=_EXP_POINTS,
             peers={"torch": "torch.ops.aten.elu_backward(dy, 1.6732632423543772, 1.0507009873554805,"
                             " 1.0, False, x)"}),),
    doc="dy * scale where x > 0, else dy * scale * alpha * exp(x) (PyTorch's constants).", inputs=_DY_X,
)

CELU_B = Function(
    "celu_backward", "map2",
    (Param("alpha", 1.0, check="nonzero", doc="the negative saturation value is -alpha; != 0"),),
    (Variant("celu_backward", "CELU_BACKWARD", ref=_ref_celu_b,
             ulp={"float32": 2.0, "float64": 4.0}, mp=_mp_celu_d, cparams=("alpha",),
             limits=lambda alpha=1.0: (0.0 if alpha > 0 else INF, 1.0), points=_EXP_POINTS,
             cases=({"alpha": 0.5}, {"alpha": 1.75}, {"alpha": -2.0}),
             peers={"torch": "torch.ops.aten.elu_backward(dy, alpha, 1.0, 1.0 / alpha, False, x)"}),),
    doc="dy where x > 0, else dy * exp(x / alpha) (alpha != 0).", inputs=_DY_X,
)

QUICK_GELU_B = Function(
    "quick_gelu_backward", "map2", (),
    (Variant("quick_gelu_backward", "QUICK_GELU_BACKWARD", ref=_ref_quick_gelu_b,
             ulp={"float32": 4.0, "float64": 4.0},
             mp=lambda mp, x: _mp_dsilu(mp, mp.mpf(QGELU_K) * x), limits=lambda: (-0.0, 1.0),
             points=(0.7511, 10.2, 51.5, 61.2, 65.0, 416.0, 446.0, 822.0),
             peers={"torch": "dy * (torch.sigmoid(x * 1.702) * (1 + x * 1.702 * (1 - torch.sigmoid(x * 1.702))))"}),),
    doc="dy * silu'(1.702 x): the derivative of x * sigmoid(1.702 x).", inputs=_DY_X,
)

MISH_B = Function(
    "mish_backward", "map2", (),
    # float64: up to 6 ulp measured on [-12, -1.7], where the numerator's two terms cancel by
    # a factor ~2 (float32: 0.5 ulp, computed in float64)
    (Variant("mish_backward", "MISH_BACKWARD", ref=_ref_mish_b, mp=_mp_mish_d, limits=lambda: (-0.0, 1.0),
             ulp={"float32": 4.0, "float64": 8.0},
             points=(1.1924, 0.3465736, 9.0, 87.3, 103.3, 112.0, 372.0, 708.4, 745.1, 760.0, 1000.0),
             peers={"torch": "torch.ops.aten.mish_backward(dy, x)"}),),
    doc="dy * (tanh(sp) + x * sech(sp)^2 * sigmoid(x)), sp = softplus(x), without cancellation "
        "in the tails.", inputs=_DY_X,
)

_AXIS = Param("axis", -1, kind="axis", doc="the axis the rows run along")

SOFTMAX_B = Function(
    "softmax_backward", "rows2", (_AXIS,),
    (Variant("softmax_backward", "SOFTMAX_BACKWARD", ref=_ref_softmax_b, mp=None, limits=None,
             # the last argument is the input's dtype as torch's ScalarType code (6 float32,
             # 7 float64): the first alternative that runs wins
             peers={"torch": ("torch.ops.aten._softmax_backward_data(dy, y, axis, 6)",
                              "torch.ops.aten._softmax_backward_data(dy, y, axis, 7)")}),),
    doc="y * (dy - sum(dy * y)) along `axis`, from the output y = softmax(x).", inputs=_DY_Y,
)

LOG_SOFTMAX_B = Function(
    "log_softmax_backward", "rows2", (_AXIS,),
    (Variant("log_softmax_backward", "LOG_SOFTMAX_BACKWARD", ref=_ref_log_softmax_b, mp=None, limits=None,
             peers={"torch": ("torch.ops.aten._log_softmax_backward_data(dy, y, axis, 6)",
                              "torch.ops.aten._log_softmax_backward_data(dy, y, axis, 7)")}),),
    doc="dy - exp(y) * sum(dy) along `axis`, from the output y = log_softmax(x).", inputs=_DY_Y,
)

FUNCTIONS = (RELU_B, LEAKY_RELU_B, SIGMOID_B, TANH_B, SILU_B, GELU_B, SOFTPLUS_B, LOG_SIGMOID_B,
             RELU6_B, HARDTANH_B, HARDSIGMOID_B, HARDSWISH_B, SOFTSIGN_B, ELU_B, SELU_B, CELU_B,
             QUICK_GELU_B, MISH_B, SOFTMAX_B, LOG_SOFTMAX_B)


# The zeros of f' (default parameters): next to them the float64 results
# lose relative accuracy in proportion to 1 / |f'(x)| (the terms that cancel
# are O(1)); where x is within ZERO_WINDOW of one and |f'(x)| < 1/8 the tests
# and the verifier bound the absolute error, |dx - dy f'(x)| <= 4 * 2^-53 |dy|,
# instead of the ulp error (docs/accuracy.md).
ZEROS = {"silu_backward": -1.2784645427610737, "gelu_backward": -0.7517915246935645,
         "gelu_tanh_backward": -0.7524614220710163, "quick_gelu_backward": -0.751154255441289,
         "mish_backward": -1.1924312145154952}
ZERO_WINDOW = 0.5


def near_zero(v, x, dy=None, exact=None):
    """Boolean mask: x within ZERO_WINDOW of a zero of variant v's derivative
    (and, given dy and the exact dx, |dx| < |dy| / 8 there)."""
    z = ZEROS.get(v.name)
    if z is None:
        return np.zeros(np.shape(x), dtype=bool)
    m = np.abs(np.asarray(x, dtype=np.float64) - z) < ZERO_WINDOW
    if exact is not None:
        m &= np.abs(exact) < np.abs(dy) / 8
    return m


def wide2(v, wdy, wx, params=None):
    """The oracle's unrounded values of a map2 variant on wide arrays: v.ref with
    NaN x propagated and x = +-inf mapped to dy * v.limits (a NaN dy propagates
    through the formula; a selection of 0 keeps 0, as PyTorch's kernels)."""
    params = params or {}
    with np.errstate(all="ignore"):
        r = np.asarray(v.ref(wdy, wx, **params), dtype=wx.dtype)
        r = np.where(np.isnan(wx), np.nan, r)
        if v.limits is not None:
            lo, hi = v.limits(**params)
            r = np.where(wx == -np.inf, wdy * wx.dtype.type(lo), np.where(wx == np.inf, wdy * wx.dtype.type(hi), r))
        return r
