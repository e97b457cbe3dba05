"""numexpr: ``ne.evaluate(expression, out=out)`` on the bench's thread count.

Spec (``Variant.peers["numexpr"]``): a numexpr expression over x and the
parameters, e.g. ``"where(x > 0, x, x * negative_slope)"``; elementwise
functions only (numexpr's reductions cannot work along rows).  Numbers and
parameters are passed as 0-d arrays of the input's dtype: a Python float would
make numexpr compute a float32 input in float64.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .base import Adapter, module_version, try_import
from .spec import Call, Const, SpecError, to_text, walk

# numexpr's elementwise functions (numexpr.expressions.functions minus the
# reductions), used when numexpr is not installed to check the registry
_FUNCTIONS = frozenset((
    "abs arccos arccosh arcsin arcsinh arctan arctan2 arctanh ceil copysign cos cosh exp"
    " expm1 floor fmod hypot isfinite isinf isnan log log10 log1p log2 maximum minimum"
    " nextafter round sign signbit sin sinh sqrt tan tanh trunc where").split())
_REDUCTIONS = frozenset(("sum", "prod", "max", "min"))


def _functions() -> frozenset:
    expressions = try_import("numexpr.expressions")
    if expressions is None:
        return _FUNCTIONS
    return frozenset(expressions.functions) - _REDUCTIONS


def _check(node, v) -> None:
    funcs = _functions()
    for n in walk(node):
        if isinstance(n, Call) and (n.fn not in funcs or n.kwargs):
            raise SpecError(f"{n.fn}: not an elementwise numexpr function"
                            + (" (no keyword arguments)" if n.fn in funcs else ""))
        if isinstance(n, Const) and (isinstance(n.value, bool)
                                     or not isinstance(n.value, (int, float))):
            raise SpecError(f"{n.value!r}: numexpr constants are numbers")


def _build(node, x, out, env, threads):
    import numexpr as ne

    ne.set_num_threads(threads)
    local = {"x": x}

    def leaf(n):
        if isinstance(n, Const):
            name = f"_c{len(local)}"
            local[name] = np.array(n.value, dtype=x.dtype)
            return name
        if n.id != "x" and n.id not in local:
            local[n.id] = np.array(env[n.id], dtype=x.dtype)
        return n.id

    expr = to_text(node, leaf)
    if out is None:
        return partial(ne.evaluate, expr, local_dict=local), True
    return partial(ne.evaluate, expr, local_dict=local, out=out), False


ADAPTERS = (
    Adapter("numexpr", "numexpr", "peer", _build, ("numexpr",), check=_check,
            install=(("numexpr", "pip install numexpr"),),
            version=lambda: module_version("numexpr")),
)
