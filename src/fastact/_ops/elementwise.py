"""Registry rows of the elementwise activations (family "map").

Each variant names its C op (src/c/fa_ops.h), its NumPy oracle formula
(``ref``, on a wide array: see _wide.py), its mathematical definition for
mpmath (``mp``), its limits at -inf / +inf, the inputs where its algorithm
changes behaviour (``points``) and extra float64 sample regions.
"""

from __future__ import annotations

import numpy as np

from . import _wide
from ._model import INF, Function, Param, Variant

# ---------------------------------------------------------------- relu family


def _ref_relu(v):
    # max(v, 0) with NaN propagating and relu(-0.0) = +0.0
    return np.where((v > 0) | np.isnan(v), v, v.dtype.type(0))


def _ref_leaky_relu(v, negative_slope=0.01):
    # the exact rounded product fl(x * fl(s)) in the result dtype
    return np.where(v > 0, v, v * v.dtype.type(negative_slope))


RELU = Function(
    "relu", "map", (),
    (Variant("relu", "RELU", ref=_ref_relu, mp=None, exact=True, limits=lambda: (0.0, INF),
             peers={"torch": "torch.clamp_min(x, 0)", "onnxruntime": "Relu(x)",
                    "numpy": "np.maximum(x, 0)", "numexpr": "where(x > 0, x, 0)"}),),
    doc="max(x, 0); NaN propagates (relu(NaN) = NaN), relu(-0.0) = 0.0.",
)

LEAKY_RELU = Function(
    "leaky_relu", "map",
    (Param("negative_slope", 0.01, doc="slope for x <= 0"),),
    (Variant("leaky_relu", "LEAKY_RELU", ref=_ref_leaky_relu, mp=None, exact=True,
             cparams=("negative_slope",),
             limits=lambda negative_slope=0.01: (-INF * negative_slope if negative_slope else float("nan"), INF),
             cases=({"negative_slope": 0.2}, {"negative_slope": -1.5}),
             peers={"torch": ("torch._C._nn.leaky_relu(x, negative_slope)",
                              "torch.ops.aten.leaky_relu.out(x, negative_slope)"),
                    "onnxruntime": "LeakyRelu(x, alpha=negative_slope)",
                    # max(x, s*x) is leaky_relu for s <= 1 (the default 0.01)
                    "numpy": "np.maximum(x, x * negative_slope)",
                    "numexpr": "where(x > 0, x, x * negative_slope)"}),),
    doc="x if x > 0 else x * negative_slope (the slope rounded to the result dtype).",
)

# ---------------------------------------------------------------- sigmoid family


def _mp_sigmoid(mp, x):
    return 1 / (1 + mp.exp(-x))


def _mp_silu(mp, x):
    return x / (1 + mp.exp(-x))


SIGMOID = Function(
    "sigmoid", "map", (),
    (Variant("sigmoid", "SIGMOID", ref=_wide.sigmoid, mp=_mp_sigmoid, limits=lambda: (0.0, 1.0),
             points=(16.635532, 17.32868, 87.33654, 88.72284, 89.0, 95.0, 103.27893, 103.97208,
                     104.0, 112.0, 36.7368, 37.429947, 708.3964, 709.78271, 710.0, 744.44,
                     745.13321, 746.0, 760.0),
             regions=(("x=-760..-700 (subnormal results)", "lin", 700.0, 760.0),
                      ("30..40 (saturation to 1)", "lin", 30.0, 40.0)),
             peers={"torch": "torch.sigmoid(x)", "onnxruntime": "Sigmoid(x)",
                    "numpy": ("scipy.special.expit(x)", "1 / (1 + np.exp(-x))"),
                    "numexpr": "1 / (1 + exp(-x))"}),),
    doc="1 / (1 + exp(-x)).",
)

TANH = Function(
    "tanh", "map", (),
    (Variant("tanh", "TANH", ref=np.tanh, mp=lambda mp, x: mp.tanh(x), limits=lambda: (-1.0, 1.0),
             points=(0.3465736, 0.5493061443340549, 7.9, 9.010913, 9.1, 18.2, 19.061547, 19.1),
             regions=(("0.3..0.7 (poly/exp switch)", "lin", 0.3, 0.7),
                      ("18..20 (saturation)", "lin", 18.0, 20.0)),
             peers={"torch": "torch.tanh(x)", "onnxruntime": "Tanh(x)", "numpy": "np.tanh(x)",
                    "numexpr": "tanh(x)"}),),
    doc="Hyperbolic tangent.",
)


def _ref_silu(w):
    return w * _wide.sigmoid(w)


SILU = Function(
    "silu", "map", (),
    (Variant("silu", "SILU", ref=_ref_silu, mp=_mp_silu, limits=lambda: (-0.0, INF),
             points=(16.635532, 17.32868, 87.0, 87.33654, 88.72284, 103.27893, 103.97208, 112.0,
                     708.0, 708.3964, 744.44, 745.13321, 760.0),
             regions=(("700..760 (subnormal results)", "lin", 700.0, 760.0),
                      ("30..40 (saturation)", "lin", 30.0, 40.0)),
             peers={"torch": ("torch._C._nn.silu(x)", "torch.ops.aten.silu.out(x)"),
                    # ONNX has no SiLU operator; ONNX Runtime fuses this pattern
                    "onnxruntime": "x * Sigmoid(x)",
                    "numpy": ("x * scipy.special.expit(x)", "x / (1 + np.exp(-x))"),
                    "numexpr": "x / (1 + exp(-x))"}),),
    doc="x * sigmoid(x) (also called swish).",
)

# ---------------------------------------------------------------- GELU


def _mp_gelu(mp, x):
    # mpmath's erfc fails for huge arguments; beyond |x| = 60 the result is x
    # (to > 700 digits) or far below 2^-1074 (sign kept)
    if x > 60:
        return x
    if x < -60:
        return -mp.mpf(2) ** -3000
    return x * mp.erfc(-x / mp.sqrt(2)) / 2


def _mp_gelu_tanh(mp, x):
    # 0.5*x*(1+tanh(u)) == x / (1 + exp(-2u)): no cancellation; the real
    # constants sqrt(2/pi) and 0.044715, not their rounded float values
    if x > 1e6:
        return x
    if x < -1e6:
        return -mp.mpf(2) ** -3000
    u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
    return x / (1 + mp.exp(-2 * u))


# Both GELU forms are exactly -0.0 (underflow) below -40 and round to x above
# 40 in float64.
_GELU_CUT = (-40.0, 40.0)


def _ref_gelu(w):
    if w.dtype != np.float64 and _wide.have_mpmath():  # float64 input: mpmath
        return _wide.mp_map(_mp_gelu, w, cut=_GELU_CUT)
    w64 = np.asarray(w, dtype=np.float64)
    return 0.5 * w64 * _wide.erfc64(-w64 / np.sqrt(2.0))


def _ref_gelu_tanh(w):
    k = np.sqrt(w.dtype.type(2) / w.dtype.type(np.pi))
    if w.dtype != np.float64 and _wide.have_mpmath():
        # |x| <= 3: 2u <= 17, so long double loses < 0.01 ulp; mpmath for the tails
        r = np.empty(w.shape, dtype=w.dtype)
        small = np.abs(w) <= 3
        ws = w[small]
        r[small] = ws * _wide.sigmoid(2 * k * (ws + w.dtype.type(0.044715) * ws * ws * ws))
        r[~small] = _wide.mp_map(_mp_gelu_tanh, w[~small], cut=_GELU_CUT)
        return r
    return w * _wide.sigmoid(2 * k * (w + w.dtype.type(0.044715) * w * w * w))


GELU = Function(
    "gelu", "map",
    (Param("approximate", "none", kind="choice", choices=("none", "tanh"),
           doc='"none": exact (erf) form; "tanh": the tanh approximation'),),
    (
        Variant("gelu", "GELU", select={"approximate": "none"}, ref=_ref_gelu, mp=_mp_gelu,
                limits=lambda: (-0.0, INF),
                points=(2.6, 3.92, 4.5, 5.3, 5.5, 10.0, 12.0, 13.0, 13.2, 13.5, 14.0, 14.1, 14.5,
                        1.97e13, 2.0e13, 3.0e13, 1.8e19, 1.9e19, 2.0e19, 1.7e38, 8.3, 8.5,
                        26.5, 27.0, 37.5, 37.7, 38.0, 38.4, 38.6, 39.0, 1.3e154, 1.35e154,
                        1.4e154, 1e300),
                regions=(("25..40 (neg. tail, subnormal at -38.5)", "lin", 25.0, 40.0),
                         ("5..10 (saturation)", "lin", 5.0, 10.0)),
                peers={"torch": ("torch._C._nn.gelu(x, approximate='none')",
                                 "torch.ops.aten.gelu.out(x, approximate='none')"),
                       "onnxruntime": "Gelu(x, approximate='none')",
                       "numpy": "x * (1 + scipy.special.erf(x * 0.7071067811865476)) * 0.5"}),
        Variant("gelu_tanh", "GELU_TANH", select={"approximate": "tanh"}, ref=_ref_gelu_tanh,
                mp=_mp_gelu_tanh, limits=lambda: (-0.0, INF),
                points=(2.6, 5.5, 10.0, 11.5, 12.0, 6.98e12, 1.97e13, 20.0, 21.0, 22.0, 5.6e102,
                        1.0e103, 2.0e103),
                regions=(("15..25 (neg. tail, subnormal at -21.7)", "lin", 15.0, 25.0),
                         ("3..8 (saturation)", "lin", 3.0, 8.0)),
                peers={"torch": ("torch._C._nn.gelu(x, approximate='tanh')",
                                 "torch.ops.aten.gelu.out(x, approximate='tanh')"),
                       "onnxruntime": "Gelu(x, approximate='tanh')",
                       "numpy": "x * (1 + np.tanh((x + x * x * x * 0.044715)"
                                " * 0.7978845608028654)) * 0.5",
                       "numexpr": "0.5 * x * (1 + tanh(0.7978845608028654"
                                  " * (x + 0.044715 * x * x * x)))"}),
    ),
    doc='GELU: "none" -> x * Phi(x) (exact, erf form); "tanh" -> PyTorch\'s tanh approximation.',
)

# ---------------------------------------------------------------- softplus family


def _ref_softplus(w, beta=1.0, threshold=20.0):
    b = w.dtype.type(beta)
    z = w * b
    r = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / b
    return np.where(z > threshold, w, r)


def _mp_softplus(mp, x, beta=1.0, threshold=20.0):
    z = x * beta
    if z > threshold:
        return x
    if z > 0:
        return (z + mp.log1p(mp.exp(-z))) / beta
    return mp.log1p(mp.exp(z)) / beta


def _mp_log_sigmoid(mp, x):
    if x > 0:
        return -mp.log1p(mp.exp(-x))
    return x - mp.log1p(mp.exp(x))


SOFTPLUS = Function(
    "softplus", "map",
    (Param("beta", 1.0, check="positive", doc="the slope of the soft ramp, > 0"),
     Param("threshold", 20.0, doc="x is returned where beta * x > threshold")),
    (Variant("softplus", "SOFTPLUS", ref=_ref_softplus, mp=_mp_softplus,
             cparams=("beta", "1.0 / beta", "threshold"),
             limits=lambda beta=1.0, threshold=20.0: (0.0, INF),
             points=(5.0, 18.0, 20.0, 38.1, 87.33654, 103.27893, 103.97208, 104.0, 170.0,
                     708.3964, 744.44, 745.13321, 746.0, 1400.0),
             regions=(("700..760 (subnormal results)", "lin", 700.0, 760.0),
                      ("15..40 (log1p / e switch, threshold)", "lin", 15.0, 40.0)),
             cases=({"beta": 2.0}, {"beta": 0.5, "threshold": 5.0}),
             peers={"torch": "torch._C._nn.softplus(x, beta, threshold)",
                    # ONNX and NumPy have no beta or threshold: the form for the
                    # defaults (beta = 1; above the threshold log1p(e^x) rounds to x)
                    "onnxruntime": "Softplus(x)", "numpy": "np.logaddexp(0, x)",
                    "numexpr": "where(x > 0, x, 0) + log1p(exp(-abs(x)))"}),),
    doc="log1p(exp(beta * x)) / beta, or x where beta * x > threshold (PyTorch's softplus).",
)

LOG_SIGMOID = Function(
    "log_sigmoid", "map", (),
    (Variant("log_sigmoid", "LOG_SIGMOID",
             ref=lambda w: -(np.log1p(np.exp(-np.abs(w))) - np.minimum(w, 0)),  # -0 for x >> 0
             mp=_mp_log_sigmoid,
             limits=lambda: (-INF, -0.0),
             points=(18.0, 38.1, 87.33654, 103.27893, 103.97208, 104.0, 170.0, 708.3964, 744.44,
                     745.13321, 746.0, 1400.0),
             regions=(("700..760 (subnormal results)", "lin", 700.0, 760.0),
                      ("15..40 (log1p / e switch)", "lin", 15.0, 40.0)),
             peers={"torch": "torch._C._nn.log_sigmoid(x)",
                    # ONNX has no LogSigmoid.  torch.onnx exports Log(Sigmoid(x)), which
                    # ORT's float32 Sigmoid leaves 8e-3 off at x = -12; Softplus has no
                    # float64 kernel in ORT, where Log(Sigmoid(x)) is accurate
                    "onnxruntime": ("-Softplus(-x)", "Log(Sigmoid(x))"),
                    "numpy": "-np.logaddexp(0, -x)",
                    "numexpr": "where(x < 0, x, 0) - log1p(exp(-abs(x)))"}),),
    doc="log(sigmoid(x)) = -softplus(-x), without cancellation for large x.",
)

# ---------------------------------------------------------------- clip family (kernels/fa_algo_piecewise.h)


def _ref_relu6(v):
    # min(relu(v), 6): relu6(-0.0) = +0.0 as relu, NaN propagates
    return np.where(v > 6, v.dtype.type(6), _ref_relu(v))


def _ref_hardtanh(v, min_val=-1.0, max_val=1.0):
    # a clamp to the bounds rounded to v's dtype: x is kept (also -0.0) unless outside
    lo, hi = v.dtype.type(min_val), v.dtype.type(max_val)
    return np.where(v < lo, lo, np.where(v > hi, hi, v))


def _mp_hardsigmoid(mp, x):
    return min(max(x + 3, 0), 6) / mp.mpf(6)


def _mp_hardswish(mp, x):
    if x <= -3:  # x * 0: a zero with the sign of x (mpmath has no -0)
        return -mp.mpf(2) ** -3000
    return x * min(x + 3, 6) / mp.mpf(6)


def _ref_hardswish(w):
    return np.where(w >= 3, w, w * np.clip(w + 3, 0, 6) / 6)  # -0.0 for w <= -3


RELU6 = Function(
    "relu6", "map", (),
    (Variant("relu6", "RELU6", ref=_ref_relu6, mp=None, exact=True, limits=lambda: (0.0, 6.0),
             points=(6.0,),
             peers={"torch": "torch._C._nn.hardtanh(x, 0.0, 6.0)", "onnxruntime": "Clip(x, 0.0, 6.0)",
                    "numpy": "np.clip(x, 0.0, 6.0)", "numexpr": "where(x > 6, 6, where(x > 0, x, 0))"}),),
    doc="min(max(x, 0), 6); NaN propagates, relu6(-0.0) = 0.0 (as relu).",
)

HARDTANH = Function(
    "hardtanh", "map",
    (Param("min_val", -1.0, doc="lower bound"),
     Param("max_val", 1.0, doc="upper bound, >= min_val")),
    (Variant("hardtanh", "HARDTANH", ref=_ref_hardtanh, mp=None, exact=True,
             cparams=("min_val", "max_val"),
             limits=lambda min_val=-1.0, max_val=1.0: (min_val, max_val),
             points=(1.0, 2.0, 3.0),
             cases=({"min_val": -2.0, "max_val": 3.0}, {"min_val": 0.0, "max_val": 6.0}),
             peers={"torch": "torch._C._nn.hardtanh(x, min_val, max_val)",
                    "onnxruntime": "Clip(x, min_val, max_val)",
                    "numpy": "np.clip(x, min_val, max_val)",
                    "numexpr": "where(x < min_val, min_val, where(x > max_val, max_val, x))"}),),
    checks=(("min_val <= max_val", "min_val must not be greater than max_val (nor NaN)"),),
    doc="x clamped to [min_val, max_val] (the bounds rounded to the result dtype); NaN propagates.",
)

HARDSIGMOID = Function(
    "hardsigmoid", "map", (),
    (Variant("hardsigmoid", "HARDSIGMOID", ref=lambda w: np.clip(w + 3, 0, 6) / 6, mp=_mp_hardsigmoid,
             limits=lambda: (0.0, 1.0), ulp={"float32": 1.0, "float64": 1.0},
             points=(3.0, 1.0, 2.0, 1.5),
             regions=(("2.9..3.1 (clamps)", "lin", 2.9, 3.1),),
             peers={"torch": "torch._C._nn.hardsigmoid(x)",
                    "onnxruntime": "HardSigmoid(x, alpha=0.16666666666666666, beta=0.5)",
                    "numexpr": "where(x > 3, 1, where(x > -3, (x + 3) / 6, 0))"}),),
    doc="relu6(x + 3) / 6 (PyTorch's hardsigmoid), within 1 ulp (correctly rounded but next to midpoints).",
)

HARDSWISH = Function(
    "hardswish", "map", (),
    (Variant("hardswish", "HARDSWISH", ref=_ref_hardswish, mp=_mp_hardswish,
             limits=lambda: (-0.0, INF), ulp={"float32": 1.0, "float64": 1.0},
             points=(3.0, 1.0, 2.0, 1.5),
             regions=(("2.9..3.1 (clamps)", "lin", 2.9, 3.1),),
             peers={"torch": "torch._C._nn.hardswish(x)", "onnxruntime": "HardSwish(x)",
                    "numexpr": "where(x > 3, x, where(x > -3, x * (x + 3) / 6, 0))"}),),
    doc="x * relu6(x + 3) / 6 (PyTorch's hardswish), within 1 ulp; hardswish(-inf) = -0.0.",
)


def _ref_softsign(w):
    return w / (1 + np.abs(w))


SOFTSIGN = Function(
    "softsign", "map", (),
    (Variant("softsign", "SOFTSIGN", ref=_ref_softsign, mp=lambda mp, x: x / (1 + abs(x)),
             limits=lambda: (-1.0, 1.0),
             points=(16777216.0, 67108864.0, 9007199254740992.0, 36028797018963968.0),
             regions=(("1e15..1e17 (saturation to 1)", "log", 1e15, 1e17),),
             peers={"torch": "torch.nn.functional.softsign(x)", "onnxruntime": "Softsign(x)",
                    "numpy": "x / (1 + np.abs(x))", "numexpr": "x / (1 + abs(x))"}),),
    doc="x / (1 + |x|); softsign(+-inf) = +-1.",
)

# ---------------------------------------------------------------- exp family (kernels/fa_algo_exp.h)

SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"
_SELU_SA = 1.7580993408473768  # scale * alpha rounded to float64 (the selu(-inf) limit)
QGELU_K = "1.702"


def _mp_expm1_scaled(mp, z, a):
    """a * expm1(z) for any finite z (mpmath is slow or fails far out)."""
    if z < -1000:
        return -a * (1 - mp.mpf(2) ** -3000)  # -a to far beyond 160 bits
    if z > 5000:
        return a * mp.mpf(2) ** 8000  # overflows every format (with a's sign)
    return a * mp.expm1(z)


def _mp_elu(mp, x, alpha=1.0):
    return x if x >= 0 else _mp_expm1_scaled(mp, x, mp.mpf(alpha))


def _ref_elu(w, alpha=1.0):
    return np.where(w < 0, w.dtype.type(alpha) * np.expm1(np.minimum(w, 0)), w)


def _mp_selu(mp, x):
    s = mp.mpf(SELU_SCALE)
    return s * x if x >= 0 else _mp_expm1_scaled(mp, x, s * mp.mpf(SELU_ALPHA))


def _ref_selu(w):
    s, a = w.dtype.type(SELU_SCALE), w.dtype.type(SELU_ALPHA)
    return np.where(w < 0, (s * a) * np.expm1(np.minimum(w, 0)), s * w)


def _mp_celu(mp, x, alpha=1.0):
    a = mp.mpf(alpha)
    return x if x >= 0 else _mp_expm1_scaled(mp, x / a, a)


def _ref_celu(w, alpha=1.0):
    a = w.dtype.type(alpha)
    with np.errstate(all="ignore"):
        return np.where(w < 0, a * np.expm1(np.where(w < 0, w, 0) / a), w)


_EXPM1_POINTS = (0.3465736, 1.0397208, 17.32868, 18.2, 37.429948, 38.2)

ELU = Function(
    "elu", "map",
    (Param("alpha", 1.0, doc="the negative saturation value is -alpha"),),
    (Variant("elu", "ELU", ref=_ref_elu, mp=_mp_elu, cparams=("alpha",),
             limits=lambda alpha=1.0: (-alpha if alpha else -0.0, INF),
             points=_EXPM1_POINTS,
             regions=(("0.3..1.1 (expm1: n = 0, -1)", "lin", 0.3, 1.1),
                      ("30..40 (saturation to -alpha)", "lin", 30.0, 40.0)),
             cases=({"alpha": 0.5}, {"alpha": 2.0}),
             peers={"torch": "torch._C._nn.elu(x, alpha)", "onnxruntime": "Elu(x, alpha=alpha)",
                    "numpy": "np.where(x > 0, x, alpha * np.expm1(x))",
                    "numexpr": "where(x > 0, x, alpha * expm1(x))"}),),
    doc="x if x >= 0 else alpha * expm1(x); elu(+-0) = +-0.",
)

SELU = Function(
    "selu", "map", (),
    (Variant("selu", "SELU", ref=_ref_selu, mp=_mp_selu,
             limits=lambda: (-_SELU_SA, INF),
             points=_EXPM1_POINTS,
             regions=(("0.3..1.1 (expm1: n = 0, -1)", "lin", 0.3, 1.1),
                      ("30..40 (saturation)", "lin", 30.0, 40.0)),
             peers={"torch": "torch.selu(x)", "onnxruntime": "Selu(x)",
                    "numexpr": "where(x > 0, 1.0507009873554805 * x,"
                               " 1.7580993408473768 * expm1(x))"}),),
    doc=f"scale * elu(x, alpha), scale = {SELU_SCALE}, alpha = {SELU_ALPHA} (PyTorch's constants).",
)

CELU = Function(
    "celu", "map",
    (Param("alpha", 1.0, check="nonzero", doc="the negative saturation value is -alpha; != 0"),),
    (Variant("celu", "CELU", ref=_ref_celu, mp=_mp_celu, cparams=("alpha", "1.0 / alpha"),
             limits=lambda alpha=1.0: (-alpha if alpha > 0 else -INF, INF),
             points=_EXPM1_POINTS,
             regions=(("0.3..1.1 (expm1: n = 0, -1)", "lin", 0.3, 1.1),
                      ("30..40 (saturation to -alpha)", "lin", 30.0, 40.0)),
             cases=({"alpha": 0.5}, {"alpha": 1.75}),  # 1/1.75 inexact: the z + zl carry
             peers={"torch": "torch.celu(x, alpha)", "onnxruntime": "Celu(x, alpha=alpha)"}),),
    doc="max(0, x) + min(0, alpha * expm1(x / alpha)) (alpha != 0); celu(+-0) = +-0.",
)


def _mp_quick_gelu(mp, x):
    if x > 1e5:
        return x
    if x < -1e5:
        return -mp.mpf(2) ** -3000
    return x / (1 + mp.exp(-mp.mpf(QGELU_K) * x))


def _ref_quick_gelu(w):
    # the constant parsed in the wide type (np.longdouble("1.702") for float64 inputs)
    return w * _wide.sigmoid(w.dtype.type(QGELU_K) * w)


QUICK_GELU = Function(
    "quick_gelu", "map", (),
    (Variant("quick_gelu", "QUICK_GELU", ref=_ref_quick_gelu, mp=_mp_quick_gelu,
             limits=lambda: (-0.0, INF),
             points=(10.2, 51.116, 51.5, 53.654, 63.527, 65.0, 415.9, 416.0, 419.76, 441.38, 446.0),
             regions=(("400..450 (neg. tail, subnormal results)", "lin", 400.0, 450.0),
                      ("20..60 (saturation)", "lin", 20.0, 60.0)),
             peers={"torch": "x * torch.sigmoid(x * 1.702)", "onnxruntime": "x * Sigmoid(x * 1.702)",
                    "numpy": "x * scipy.special.expit(x * 1.702)",
                    "numexpr": "x / (1 + exp(-1.702 * x))"}),),
    doc="x * sigmoid(1.702 * x) (CLIP / Hugging Face's quick_gelu), 1.702 exact.",
)


def _mp_mish(mp, x):
    if x > 1000:
        return x
    if x < -1000:
        return -mp.mpf(2) ** -3000
    return x * mp.tanh(mp.log1p(mp.exp(x)))


def _ref_mish(w):
    e = np.exp(-np.abs(w))
    neg = w * (e * (e + 2)) / (e * (e + 2) + 2)
    pos = w * (1 + 2 * e) / (1 + 2 * e + 2 * e * e)
    return np.where(w > 0, pos, neg)


MISH = Function(
    "mish", "map", (),
    (Variant("mish", "MISH", ref=_ref_mish, mp=_mp_mish, limits=lambda: (-0.0, INF),
             points=(0.3465736, 9.0, 87.33654, 91.856775, 103.27893, 108.6603, 112.0, 708.3964,
                     714.96866, 745.13321, 751.75563, 760.0),
             regions=(("700..760 (neg. tail, subnormal results)", "lin", 700.0, 760.0),
                      ("0.3..3", "lin", 0.3, 3.0)),
             peers={"torch": "torch._C._nn.mish(x)", "onnxruntime": "Mish(x)",
                    "numpy": "x * np.tanh(np.logaddexp(0, x))",
                    "numexpr": "x * tanh(log1p(exp(x)))"}),),
    doc="x * tanh(softplus(x)), without cancellation: mish(x) ~ x * exp(x) for x -> -inf.",
)

FUNCTIONS = (RELU, LEAKY_RELU, SIGMOID, TANH, SILU, GELU, SOFTPLUS, LOG_SIGMOID,
             RELU6, HARDTANH, HARDSIGMOID, HARDSWISH, SOFTSIGN, ELU, SELU, CELU, QUICK_GELU, MISH)
