"""NumPy and SciPy: ufuncs writing into the preallocated output, on one thread.

Spec (``Variant.peers["numpy"]``): an expression over x and the parameters
whose calls are NumPy or SciPy functions (``"np.tanh(x)"``,
``"scipy.special.expit(x)"``), or a call of one of FORMULAS below with plain
arguments as the whole expression (``"softmax(x, axis)"``).  The outermost
ufunc writes into out, and so does, in place, the first argument of a ufunc
that writes into out when that argument is itself an elementwise expression of
x: ``"x * (1 + np.tanh(x))"`` needs no temporary array (other computed
arguments get one per call).
"""

from __future__ import annotations

import numpy as np

from .base import Adapter, Unsupported, try_import
from .spec import BinOp, Call, Const, Name, Neg, SpecError, lazy_call, walk

_UFUNCS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
           ">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal,
           "==": np.equal, "!=": np.not_equal}


def _softmax(x, axis=-1, *, out):
    def f():
        np.subtract(x, np.max(x, axis=axis, keepdims=True), out=out)
        np.exp(out, out=out)
        return np.divide(out, np.sum(out, axis=axis, keepdims=True), out=out)
    return f


def _log_softmax(x, axis=-1, *, out):
    scratch = np.empty_like(out)

    def f():
        np.subtract(x, np.max(x, axis=axis, keepdims=True), out=out)
        np.exp(out, out=scratch)
        s = np.sum(scratch, axis=axis, keepdims=True)
        return np.subtract(out, np.log(s, out=s), out=out)
    return f


#: multi-step formulas: name -> factory(x, *args, out=out, **kwargs) -> fn()
FORMULAS = {"softmax": _softmax, "log_softmax": _log_softmax}


def _resolve(path: str):
    root, *rest = path.split(".")
    if root == "np":
        obj = np
    elif root == "scipy" and rest:
        obj = try_import(f"scipy.{rest[0]}")
        if obj is None:
            raise Unsupported(f"scipy.{rest[0]} is not installed")
        rest = rest[1:]
    else:
        raise SpecError(f"{path}: a NumPy peer calls np.*, scipy.* or one of"
                        f" {', '.join(FORMULAS)}")
    for attr in rest:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise SpecError(f"{path}: no such function") from None
    return obj


def _check(node, v) -> None:
    for n in walk(node):
        if not isinstance(n, Call):
            continue
        if "." in n.fn:
            try:
                _resolve(n.fn)
            except Unsupported:  # scipy missing here: the name cannot be checked
                pass
        elif n.fn not in FORMULAS:
            raise SpecError(f"{n.fn}: not a NumPy formula ({', '.join(FORMULAS)})")
        elif n is not node or any(not isinstance(a, (Name, Const))
                                  for a in n.args + tuple(a for _, a in n.kwargs)):
            raise SpecError(f"{n.fn}(...) must be the whole expression, with plain arguments")


def _elementwise(node, resolved) -> bool:
    """node's result has x's shape (an elementwise function of x)."""
    if isinstance(node, Name):
        return node.id == "x"
    if isinstance(node, Neg):
        return _elementwise(node.arg, resolved)
    if isinstance(node, BinOp):
        return _elementwise(node.left, resolved) or _elementwise(node.right, resolved)
    if isinstance(node, Call) and isinstance(resolved.get(node.fn), np.ufunc):
        return any(_elementwise(a, resolved) for a in node.args)
    return False


def _build(node, x, out, env, threads):
    resolved = {n.fn: _resolve(n.fn) for n in walk(node) if isinstance(n, Call) and "." in n.fn}

    def leaf(n):
        return n.value if isinstance(n, Const) else x if n.id == "x" else env[n.id]

    def comp(n, dest):
        if isinstance(n, (Name, Const)):
            return leaf(n)
        if isinstance(n, Call) and n.fn in FORMULAS:
            if dest is None:
                raise Unsupported(f"{n.fn}() writes into out")
            fn = FORMULAS[n.fn](*map(leaf, n.args), out=dest, **{k: leaf(a) for k, a in n.kwargs})
            return lazy_call(fn, (), {})
        if isinstance(n, Neg):
            fn, args, kw = np.negative, (n.arg,), ()
        elif isinstance(n, BinOp):
            fn, args, kw = _UFUNCS[n.op], (n.left, n.right), ()
        else:
            fn, args, kw = resolved[n.fn], n.args, n.kwargs
        chain = dest is not None and isinstance(fn, np.ufunc)
        vals = []
        for a in args:  # the first elementwise argument is computed into dest, in place
            into = dest if chain and not isinstance(a, Name) and _elementwise(a, resolved) else None
            chain = chain and into is None
            vals.append(comp(a, into))
        kwargs = {k: comp(a, None) for k, a in kw}
        if dest is not None:
            kwargs["out"] = dest
        return lazy_call(fn, vals, kwargs)

    return comp(node, out).run, out is None


ADAPTERS = (
    Adapter("numpy", "numpy", "peer", _build, ("numpy",), threaded=False, check=_check,
            install=(("scipy", "pip install scipy (erf for the exact gelu, expit)"),),
            version=lambda: np.__version__),
)
