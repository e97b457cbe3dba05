"""Registry rows of the row-wise ops (family "rows": along one axis).

``ref(w, axis)`` works on the wide array as a whole (see _wide.py).
"""

from __future__ import annotations

import numpy as np

from ._model import INF, Function, Param, Variant


def _rows_ref(w, axis, log):
    with np.errstate(all="ignore"):
        m = np.max(w, axis=axis, keepdims=True)
        bad = ~np.isfinite(m)  # NaN, +inf, or a row that is all -inf
        m = np.where(bad, 0, m)
        z = w - m
        e = np.exp(z)
        # s1 = sum(e) - 1, summed without the (first) max term so that it is
        # accurate even when tiny: log_softmax = z - log1p(s1) then has no
        # cancellation (both terms <= 0), unlike z - log(sum(e)) near 0.
        e_rest = e.copy()
        np.put_along_axis(e_rest, np.argmax(z, axis=axis, keepdims=True), 0, axis=axis)
        s1 = np.sum(e_rest, axis=axis, keepdims=True)
        r = (z - np.log1p(s1)) if log else (e / (1 + s1))
        return np.where(bad, np.nan, r)


_AXIS = Param("axis", -1, kind="axis", doc="the axis the rows run along")

SOFTMAX = Function(
    "softmax", "rows", (_AXIS,),
    (Variant("softmax", "SOFTMAX", ref=lambda w, axis=-1: _rows_ref(w, axis, log=False), mp=None,
             limits=lambda: (0.0, 1.0),
             peers={"torch": ("torch._softmax(x, axis, False)",
                              "torch.ops.aten._softmax.out(x, axis, False)"),
                    "onnxruntime": "Softmax(x, axis=axis)", "numpy": "softmax(x, axis)"}),),
    doc="exp(x - max) / sum(exp(x - max)) along `axis`.",
)

LOG_SOFTMAX = Function(
    "log_softmax", "rows", (_AXIS,),
    (Variant("log_softmax", "LOG_SOFTMAX", ref=lambda w, axis=-1: _rows_ref(w, axis, log=True), mp=None,
             limits=lambda: (-INF, 0.0),
             peers={"torch": ("torch._log_softmax(x, axis, False)",
                              "torch.ops.aten._log_softmax.out(x, axis, False)"),
                    "onnxruntime": "LogSoftmax(x, axis=axis)", "numpy": "log_softmax(x, axis)"}),),
    doc="x - max - log(sum(exp(x - max))) along `axis`.",
)

FUNCTIONS = (SOFTMAX, LOG_SOFTMAX)
