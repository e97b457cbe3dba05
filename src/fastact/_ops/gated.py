"""Registry rows of the gated forms (family "gated": the GLU family).

``f(x, axis=-1, out=None, *, num_threads=None)`` (geglu also takes
``approximate``): a and b are the first and second halves of ``x`` along
``axis`` (its length must be even), the result has half that length there.

The fields of a gated Variant mean what they mean for an elementwise one
(_model.py), on the pair (a, b):

  ref     ``ref(a, b)`` on the wide arrays of both halves (float64 for
          16/32-bit inputs, long double for float64): the product a * f(b)
          written without cancellation; fastact.reference rounds it once.
          For geglu on float64 data the product is computed by mpmath (no
          long double erfc in NumPy).
  mp      ``mp(ctx, a, b)``: the mathematical definition for finite a, b
  limits  the activation's limits at -inf / +inf (f(-inf), f(+inf))
  points  |values| of the activated half where the algorithm switches (the
          tail thresholds of src/c/kernels/fa_algo_gated.h and the
          activation's own saturation points)
"""

from __future__ import annotations

import math

import numpy as np

from . import _wide
from ._model import INF, Function, Param, Variant

_AXIS = Param("axis", -1, kind="axis", doc="the gated axis (even length): a = its first half, b = its second")


def _inf_other(r, act, other, glu=False):
    """An infinite factor times an activation value that is mathematically
    nonzero (sigmoid(b) for finite b; silu/gelu(a) for finite a != 0) is the
    signed infinity, even where the wide value underflowed to 0."""
    with np.errstate(all="ignore"):
        if glu:  # r = other * sigmoid(act)
            return np.where(np.isinf(other) & np.isfinite(act), other, r)
        return np.where(np.isinf(other) & np.isfinite(act) & (act != 0), np.sign(act) * other, r)


def _ref_glu(a, b):
    return _inf_other(a * _wide.sigmoid(b), b, a, glu=True)


def _ref_swiglu(a, b):
    with np.errstate(all="ignore"):
        return _inf_other(np.where(a == -INF, -0.0, a * _wide.sigmoid(a)) * b, a, b)  # silu(-inf) = -0


def _mp_pairs(fn, a, b):
    """fn(mp, a, b) for every pair of float64 values, in mpmath, as float64
    (NaN propagates; infinities are left to the caller)."""
    import mpmath

    mp = mpmath.mp
    fa_ = np.asarray(a, dtype=np.float64).reshape(-1)
    fb = np.broadcast_to(np.asarray(b, dtype=np.float64), np.shape(a)).reshape(-1)
    out = np.empty(fa_.shape, dtype=np.float64)
    with mp.workdps(_wide.MP_DPS):
        for i, (u, v) in enumerate(zip(fa_.tolist(), fb.tolist())):
            if not (math.isfinite(u) and math.isfinite(v)):
                out[i] = np.nan
            elif u == 0.0 or v == 0.0:
                out[i] = float(np.float64(_sign_gelu(u)) * v)
            else:
                out[i] = float(fn(mp, mp.mpf(u), mp.mpf(v)))
    return out.reshape(np.shape(a))


def _sign_gelu(u):
    return math.copysign(0.0, u) if u == 0.0 else math.copysign(1.0, u)


def _mp_geglu(mp, a, b):
    if a < -1e4:  # far below 2^-1074 whatever b: keep the sign
        return -mp.sign(b) * mp.mpf(2) ** -3000
    return a * mp.erfc(-a / mp.sqrt(2)) / 2 * b


def _mp_geglu_tanh(mp, a, b):
    if a < -1e6:
        return -mp.sign(b) * mp.mpf(2) ** -3000
    u = mp.sqrt(2 / mp.pi) * (a + mp.mpf("0.044715") * a**3)
    return a / (1 + mp.exp(-2 * u)) * b


def _ref_geglu(a, b):
    a64 = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        g = 0.5 * a64 * _wide.erfc64(-a64 / np.sqrt(2.0))
        g = np.where(a64 == -INF, -0.0, g)  # gelu(-inf) = -0
        r = np.asarray(g * np.asarray(b, dtype=np.float64))
        if a.dtype != np.float64 and _wide.have_mpmath():  # float64 input: mpmath
            fin = np.isfinite(a) & np.isfinite(b)
            r[fin] = _mp_pairs(_mp_geglu, a[fin], b[fin])
        return _inf_other(r, a64, np.asarray(b, dtype=np.float64))


def _ref_geglu_tanh(a, b):
    k = np.sqrt(a.dtype.type(2) / a.dtype.type(np.pi))
    with np.errstate(all="ignore"):
        g = a * _wide.sigmoid(2 * k * (a + a.dtype.type(0.044715) * a * a * a))
        g = np.where(a == -INF, -0.0, g)
        r = g * b
        if a.dtype != np.float64 and _wide.have_mpmath():
            # float64 input: beyond |a| = 3 the rounded constant 0.044715 would
            # move e^-t by |t| ulp; mpmath with the real constants there (as gelu)
            tail = (np.abs(a) > 3) & np.isfinite(a) & np.isfinite(b)
            r = np.asarray(r)
            r[tail] = _mp_pairs(_mp_geglu_tanh, a[tail], b[tail])
        return _inf_other(r, a, b)


def _ref_reglu(a, b):
    # relu(a) * b: exact, one rounding (computed in the compute dtype)
    r = np.where((a > 0) | np.isnan(a), a, a.dtype.type(0))
    return r * b


_TORCH_GLU = ("torch.nn.functional.glu(x, axis)",)

GLU = Function(
    "glu", "gated", (_AXIS,),
    (Variant("glu", "GLU", ref=_ref_glu, mp=lambda mp, a, b: a / (1 + mp.exp(-b)),
             limits=lambda: (0.0, 1.0),
             points=(87.0, 87.33654, 88.72284, 103.97208, 112.0, 708.0, 708.3964, 745.13321)),),
    doc="a * sigmoid(b), a and b the first and second halves of x along `axis` (torch.nn.functional.glu).",
)

SWIGLU = Function(
    "swiglu", "gated", (_AXIS,),
    (Variant("swiglu", "SWIGLU", ref=_ref_swiglu, mp=lambda mp, a, b: a / (1 + mp.exp(-a)) * b,
             limits=lambda: (-0.0, INF),
             points=(87.0, 88.72284, 90.0, 103.97208, 112.0, 708.0, 710.0, 745.13321)),),
    doc="silu(a) * b, a and b the first and second halves of x along `axis` (SwiGLU, vLLM silu_and_mul).",
)

GEGLU = Function(
    "geglu", "gated",
    (_AXIS, Param("approximate", "none", kind="choice", choices=("none", "tanh"),
                  doc='the GELU of a: "none": exact (erf) form; "tanh": the tanh approximation')),
    (
        Variant("geglu", "GEGLU", select={"approximate": "none"}, ref=_ref_geglu, mp=_mp_geglu,
                limits=lambda: (-0.0, INF),
                points=(5.5, 13.0, 13.2, 14.5, 37.5, 38.5)),
        Variant("geglu_tanh", "GEGLU_TANH", select={"approximate": "tanh"}, ref=_ref_geglu_tanh,
                mp=_mp_geglu_tanh, limits=lambda: (-0.0, INF),
                points=(5.5, 10.0, 11.5, 21.0, 21.7)),
    ),
    doc="gelu(a) * b, a and b the first and second halves of x along `axis` (GeGLU).",
)

REGLU = Function(
    "reglu", "gated", (_AXIS,),
    (Variant("reglu", "REGLU", ref=_ref_reglu, mp=None, exact=True, limits=lambda: (0.0, INF)),),
    doc="relu(a) * b, a and b the first and second halves of x along `axis` (ReGLU); exact.",
)

# how other libraries compute the same (python -m fastact bench; Variant.peers):
# a and b are the halves of x's last axis (views), x the whole input
PEERS = {
    "glu": {"torch": ("torch._C._nn.glu(x, axis)", "torch.nn.functional.glu(x, axis)"),
            "onnxruntime": "a * Sigmoid(b)",
            "numpy": "a * scipy.special.expit(b)"},
    "swiglu": {"torch": "torch.mul(torch._C._nn.silu(a), b)",
               "onnxruntime": "a * Sigmoid(a) * b",
               "numpy": "a * scipy.special.expit(a) * b"},
    "geglu": {"torch": "torch.mul(torch._C._nn.gelu(a, approximate='none'), b)",
              "onnxruntime": "Gelu(a, approximate='none') * b",
              "numpy": "a * (1 + scipy.special.erf(a * 0.7071067811865476)) * 0.5 * b"},
    "geglu_tanh": {"torch": "torch.mul(torch._C._nn.gelu(a, approximate='tanh'), b)",
                   "onnxruntime": "Gelu(a, approximate='tanh') * b"},
    "reglu": {"torch": "torch.mul(torch.relu(a), b)",
              "onnxruntime": "Relu(a) * b",
              "numpy": "np.maximum(a, 0) * b"},
}
for _f in (GLU, SWIGLU, GEGLU, REGLU):
    for _v in _f.variants:
        object.__setattr__(_v, "peers", PEERS[_v.name])

# ---------------------------------------------------------------- gradients
# ``<op>_backward(dy, x, axis=-1)``: the gradient for the whole input (both
# halves), dy of the output's shape.  ``ref(g, a, b)`` -> (da, db) on the wide
# arrays; ``mp(ctx, g, a, b)`` -> (da, db).


def _ref_glu_bwd(g, a, b):
    s, sn = _wide.sigmoid(b), _wide.sigmoid(-b)
    return g * s, g * a * (s * sn)


def _ref_swiglu_bwd(g, a, b):
    with np.errstate(all="ignore"):
        s, sn = _wide.sigmoid(a), _wide.sigmoid(-a)
        d = np.where(a < -745, 0.0, s * (1 + a * sn))
        silu = np.where(a == -INF, -0.0, a * s)
        return g * b * d, g * silu


def _gelu_parts(a):
    a64 = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        Phi = 0.5 * _wide.erfc64(-a64 / np.sqrt(2.0))
        phi = np.exp(-0.5 * a64 * a64) / np.sqrt(2 * np.pi)
        d = np.where(np.isinf(a64), np.where(a64 > 0, 1.0, 0.0), Phi + a64 * phi)
        gelu = np.where(a64 == -INF, -0.0, a64 * Phi)
    return d, gelu


def _ref_geglu_bwd(g, a, b):
    d, gelu = _gelu_parts(a)
    return g * b * d.astype(a.dtype), g * gelu.astype(a.dtype)


def _ref_geglu_tanh_bwd(g, a, b):
    k, c = np.sqrt(a.dtype.type(8) / a.dtype.type(np.pi)), a.dtype.type(0.044715)
    with np.errstate(all="ignore"):
        t = k * (a + c * a * a * a)
        s, sn = _wide.sigmoid(t), _wide.sigmoid(-t)
        d = s + a * (s * sn) * (k * (1 + 3 * c * a * a))
        d = np.where(np.isinf(a), np.where(a > 0, 1.0, 0.0), d)
        gt = np.where(a == -INF, -0.0, a * s)
        return g * b * d, g * gt


def _ref_reglu_bwd(g, a, b):
    with np.errstate(all="ignore"):
        r = np.where((a > 0) | np.isnan(a), a, a.dtype.type(0))
        return np.where(a <= 0, a.dtype.type(0), g * b), g * r


def _mp_bwd(kind):
    def f(mp, g, a, b):
        if kind == "glu":
            s = 1 / (1 + mp.exp(-b))
            return g * s, g * a * s * (1 - s)
        if kind == "swiglu":
            s = 1 / (1 + mp.exp(-a))
            return g * b * s * (1 + a * (1 - s)), g * a * s
        if kind == "geglu":
            Phi = mp.erfc(-a / mp.sqrt(2)) / 2
            phi = mp.exp(-a * a / 2) / mp.sqrt(2 * mp.pi)
            return g * b * (Phi + a * phi), g * a * Phi
        if kind == "geglu_tanh":
            k, c = mp.sqrt(8 / mp.pi), mp.mpf("0.044715")
            t = k * (a + c * a**3)
            s = 1 / (1 + mp.exp(-t))
            return g * b * (s + a * s * (1 - s) * k * (1 + 3 * c * a * a)), g * a * s
        return (g * b if a > 0 else mp.mpf(0)), g * max(a, 0)
    return f


def _bwd(fwd, ref, doc):
    f = Function(
        fwd.name + "_backward", "gated_backward", fwd.params,
        tuple(Variant(v.name + "_backward", v.c, select=dict(v.select), ref=ref[v.name], mp=_mp_bwd(v.name),
                      exact=v.exact, limits=v.limits) for v in fwd.variants),
        doc=doc, inputs=("dy", "x"))
    return f


_BWD_REFS = {"glu": _ref_glu_bwd, "swiglu": _ref_swiglu_bwd, "geglu": _ref_geglu_bwd,
             "geglu_tanh": _ref_geglu_tanh_bwd, "reglu": _ref_reglu_bwd}
GLU_BACKWARD = _bwd(GLU, _BWD_REFS, "glu's gradient for both halves: (dy sigmoid(b), dy a sigmoid(b) sigmoid(-b)).")
SWIGLU_BACKWARD = _bwd(SWIGLU, _BWD_REFS, "swiglu's gradient for both halves: (dy b silu'(a), dy silu(a)).")
GEGLU_BACKWARD = _bwd(GEGLU, _BWD_REFS, "geglu's gradient for both halves: (dy b gelu'(a), dy gelu(a)).")
REGLU_BACKWARD = _bwd(REGLU, _BWD_REFS, "reglu's gradient for both halves: (dy b [a > 0], dy relu(a)); exact.")

FUNCTIONS = (GLU, SWIGLU, GEGLU, REGLU, GLU_BACKWARD, SWIGLU_BACKWARD, GEGLU_BACKWARD, REGLU_BACKWARD)
