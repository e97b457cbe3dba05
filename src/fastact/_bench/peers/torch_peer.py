"""PyTorch: the spec's torch functions on tensors sharing the arrays' memory.

Spec (``Variant.peers["torch"]``): an expression whose calls are torch
functions by their full dotted name, e.g. ``"torch._C._nn.elu(x, alpha)"``;
numbers and parameters are passed as Python scalars.  The outermost call gets
``out=`` (the preallocated output; ``grad_input=`` for the aten ops whose
out= overload is named so, PyTorch's ``*_backward``) when it takes one; a function without
``out=`` (``torch.nn.functional.selu(x)``) and an expression whose last step
is an operator (``x * torch.sigmoid(x)``) are timed allocating, and the table
marks them.  torch.set_num_threads is the bench's thread count.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from .base import Adapter, module_version, try_import
from .spec import BinOp, Call, Const, Name, Neg, SpecError, lazy_call, walk

_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
        "**": operator.pow, ">": operator.gt, "<": operator.lt, ">=": operator.ge,
        "<=": operator.le, "==": operator.eq, "!=": operator.ne}


def _resolve(torch, path: str):
    root, *rest = path.split(".")
    if root != "torch" or not rest:
        raise SpecError(f"{path}: a torch peer calls torch functions by full name (torch....)")
    obj = torch
    for attr in rest:
        try:
            obj = getattr(obj, attr)
        except (AttributeError, RuntimeError):  # torch.ops.aten.<missing> raises either
            raise SpecError(f"{path}: not in torch {torch.__version__}") from None
    return obj


def _check(node, v) -> None:
    torch = try_import("torch")
    for n in walk(node):
        if isinstance(n, Call):
            if torch is None:
                if not n.fn.startswith("torch."):
                    raise SpecError(f"{n.fn}: a torch peer calls torch functions by full name")
            else:
                _resolve(torch, n.fn)


def _tensor(torch, a):
    with warnings.catch_warnings():  # x is read-only; torch only reads it
        warnings.simplefilter("ignore", UserWarning)
        if a.dtype.kind == "V" and a.dtype.itemsize == 2 and a.dtype.name == "bfloat16":
            return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)  # ml_dtypes' bfloat16
        return torch.from_numpy(a)


def _build(node, x, out, env, threads):
    import torch

    torch.set_num_threads(threads)
    xt = _tensor(torch, x)
    ot = None if out is None else _tensor(torch, out)

    def comp(n, top=False):
        if isinstance(n, Const):
            return n.value
        if isinstance(n, Name):
            if n.id == "x":
                return xt
            val = env[n.id]
            return _tensor(torch, val) if isinstance(val, np.ndarray) else val  # a, b, weight, dy, y: arrays
        if isinstance(n, Neg):
            return lazy_call(operator.neg, (comp(n.arg),), {})
        if isinstance(n, BinOp):
            return lazy_call(_OPS[n.op], (comp(n.left), comp(n.right)), {})
        kw = {k: comp(a) for k, a in n.kwargs}
        fn = _resolve(torch, n.fn)
        if top and ot is not None:
            # PyTorch's *_backward aten ops name their out= overload "grad_input"
            overloads = fn.overloads() if hasattr(fn, "overloads") else ()
            kw["grad_input" if "grad_input" in overloads else "out"] = ot
        return lazy_call(fn, [comp(a) for a in n.args], kw)

    writes = isinstance(node, Call) and ot is not None
    return comp(node, top=True).run, not writes


ADAPTERS = (
    Adapter("torch", "torch", "peer", _build, ("torch",), check=_check,
            install=(("torch", "pip install torch --index-url https://download.pytorch.org/whl/cpu"
                               " (the CPU build; on Linux a plain pip install torch pulls"
                               " the multi-GB CUDA one)"),),
            version=lambda: module_version("torch")),
)
