"""Building blocks of the registry's NumPy oracles (``Variant.ref``).

They work on "wide" arrays: float64 for 16/32-bit inputs, np.longdouble (80-bit
extended on x86-64 Linux, else float64) for float64 inputs, and avoid
cancellation, so that rounding their result once to the input's dtype is an ulp
oracle for it.
"""

from __future__ import annotations

import math

import numpy as np

LONG = np.longdouble if np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant else np.float64
MP_DPS = 30  # digits for the mpmath parts of the float64 oracles


def sigmoid(w):
    """1/(1+e) for w >= 0, e/(1+e) for w < 0, e = exp(-|w|): no cancellation."""
    e = np.exp(-np.abs(w))
    return np.where(w >= 0, 1 / (1 + e), e / (1 + e))


def erfc64(t):
    """erfc of a float64 array: scipy.special.erfc if SciPy is importable, else libm's."""
    try:
        from scipy.special import erfc
    except ImportError:
        t = np.asarray(t, dtype=np.float64)
        return np.asarray(np.frompyfunc(math.erfc, 1, 1)(t), dtype=np.float64) if t.size else t
    return erfc(t)


def mp_map(fn, w, cut=None):
    """fn(mp, x) for every finite entry of w (float64 values), in mpmath at MP_DPS digits.

    Zeros map to themselves (mpmath has no -0).  ``cut`` = (lo, hi): below lo
    the result is -0.0, above hi it is x (for the GELU forms in float64)."""
    import mpmath

    mp = mpmath.mp
    flat = np.asarray(w, dtype=np.float64).reshape(-1)
    out = np.empty(flat.shape, dtype=np.float64)
    with mp.workdps(MP_DPS):
        for i, v in enumerate(flat.tolist()):
            if v == 0.0 or not math.isfinite(v):
                out[i] = v
            elif cut is not None and v < cut[0]:
                out[i] = -0.0
            elif cut is not None and v > cut[1]:
                out[i] = v
            else:
                out[i] = float(fn(mp, mp.mpf(v)))
    return out.reshape(np.shape(w))


def have_mpmath():
    try:
        import mpmath  # noqa: F401
    except ImportError:  # pragma: no cover - mpmath is in the test extra
        return False
    return True
