"""The peers format: the expressions of ``Variant.peers`` (see fastact._ops._model).

A spec is a string in a small subset of Python, parsed with :mod:`ast` and never
evaluated as Python:

    name        ``x`` (the input) or a parameter of the registry function
    constant    a number, string, True, False or None
    call        ``f(arg, ..., key=value)`` with ``f`` a dotted name
    operators   ``+ - * / **``, unary ``-``, comparisons ``> < >= <= == !=``

(or a tuple of such strings: alternatives, the first one that runs wins).  Each
peer adapter gives the names their meaning: torch functions, ONNX operators,
NumPy ufuncs, numexpr functions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Tuple


class SpecError(ValueError):
    """A peers entry that is not in the format, or that its adapter rejects."""


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Call:
    fn: str                         # dotted name, e.g. "torch._C._nn.gelu" or "Gelu"
    args: Tuple[Any, ...]
    kwargs: Tuple[Tuple[str, Any], ...]


@dataclass(frozen=True)
class BinOp:
    op: str                         # one of BINOPS
    left: Any
    right: Any


@dataclass(frozen=True)
class Neg:
    arg: Any


_AST_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.Gt: ">", ast.Lt: "<", ast.GtE: ">=", ast.LtE: "<=", ast.Eq: "==",
            ast.NotEq: "!="}
BINOPS = tuple(_AST_OPS.values())


def alternatives(spec) -> tuple:
    """The spec strings of one peers entry (a string or a tuple of strings)."""
    alts = (spec,) if isinstance(spec, str) else tuple(spec) if isinstance(spec, tuple) else ()
    if not alts or not all(isinstance(s, str) for s in alts):
        raise SpecError(f"a peers entry is a string or a tuple of strings, not {spec!r}")
    return alts


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise SpecError(f"a function must be a dotted name, not {ast.unparse(node)!r}")


def _convert(node):
    if isinstance(node, ast.Name):
        return Name(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        return Const(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        arg = _convert(node.operand)
        return Const(-arg.value) if isinstance(arg, Const) else Neg(arg)
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_OPS:
        return BinOp(_AST_OPS[type(node.op)], _convert(node.left), _convert(node.right))
    if (isinstance(node, ast.Compare) and len(node.ops) == 1
            and type(node.ops[0]) in _AST_OPS):
        return BinOp(_AST_OPS[type(node.ops[0])], _convert(node.left),
                     _convert(node.comparators[0]))
    if isinstance(node, ast.Call):
        fn = _dotted(node.func)
        if fn.split(".")[0] == "x":
            raise SpecError(f"{fn}(): no methods of x, call a function")
        if any(k.arg is None for k in node.keywords) or any(
                isinstance(a, ast.Starred) for a in node.args):
            raise SpecError("no *args or **kwargs")
        return Call(fn, tuple(_convert(a) for a in node.args),
                    tuple((k.arg, _convert(k.value)) for k in node.keywords))
    raise SpecError(f"not allowed in a peers expression: {ast.unparse(node)!r}")


def parse(text: str):
    """The expression tree of one spec string."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise SpecError(f"{text!r}: {e.msg}") from None
    return _convert(tree.body)


def walk(node):
    """node and every node below it."""
    yield node
    if isinstance(node, Call):
        for a in node.args + tuple(v for _, v in node.kwargs):
            yield from walk(a)
    elif isinstance(node, BinOp):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Neg):
        yield from walk(node.arg)


def check_names(node, params, primary="x") -> None:
    """`primary` (x; a backward op's last array, x or y) must occur, and every other
    name must be a parameter of the function (or one of its arrays, in params)."""
    names = {n.id for n in walk(node) if isinstance(n, Name)}
    if primary not in names and not (primary == "x" and names & {"a", "b"}):  # a, b: a gated form's halves of x
        raise SpecError(f"the expression does not use {primary}")
    bad = names - {"x", primary} - set(params)
    if bad:
        raise SpecError(f"unknown name(s) {', '.join(sorted(bad))}: use x or a parameter"
                        f" ({', '.join(params) or 'none'})")


def to_text(node, leaf: Callable[[Any], str]) -> str:
    """The expression as text (fully parenthesised), leaves written by leaf(node)."""
    if isinstance(node, (Name, Const)):
        return leaf(node)
    if isinstance(node, Neg):
        return f"(-{to_text(node.arg, leaf)})"
    if isinstance(node, BinOp):
        return f"({to_text(node.left, leaf)} {node.op} {to_text(node.right, leaf)})"
    args = [to_text(a, leaf) for a in node.args]
    args += [f"{k}={to_text(v, leaf)}" for k, v in node.kwargs]
    return f"{node.fn}({', '.join(args)})"


class Lazy:
    """A value computed at call time (as opposed to a constant known when building)."""

    __slots__ = ("run",)

    def __init__(self, run: Callable[[], Any]):
        self.run = run


def lazy_call(fn, args, kwargs) -> Lazy:
    """fn(*args, **kwargs) at call time; Lazy arguments are computed first, in order.

    Without Lazy arguments this is a functools.partial: no overhead beyond the call.
    """
    if not any(isinstance(a, Lazy) for a in (*args, *kwargs.values())):
        return Lazy(partial(fn, *args, **kwargs))
    items = [(a.run, True) if isinstance(a, Lazy) else (a, False) for a in args]
    kw = [(k, *((v.run, True) if isinstance(v, Lazy) else (v, False)))
          for k, v in kwargs.items()]

    def run():
        return fn(*[a() if lz else a for a, lz in items],
                  **{k: (v() if lz else v) for k, v, lz in kw})
    return Lazy(run)
