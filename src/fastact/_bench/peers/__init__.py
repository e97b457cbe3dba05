"""The implementations the bench compares: one module each, found by name.

MODULES lists them in column order: fastact itself (fastact_impl.py), the
peers (numpy_peer, numexpr_peer, torch_peer, onnxruntime_peer) and the
memory-copy ceiling (copy_ceiling.py).  Each module defines ``ADAPTERS``
(base.Adapter).  A peer adapter is generic over the op registry: the case's
``Variant.peers[<peer>]`` says how the peer computes the op, in the format of
spec.py; a variant without an entry for a peer gets "-" in that column.  A new
op is benchmarked by its registry row alone; a new peer is a module here, its
name in MODULES and its entries in the rows.
"""

from __future__ import annotations

import importlib

from .base import Adapter, Impl, Unsupported, try_import
from .spec import BinOp, Call, Neg, SpecError, alternatives, check_names, parse

MODULES = ("fastact_impl", "numpy_peer", "numexpr_peer", "torch_peer", "onnxruntime_peer",
           "copy_ceiling")

_ADAPTERS: dict = {}


def adapters() -> dict:
    """{name: Adapter} in column order."""
    if not _ADAPTERS:
        for m in MODULES:
            for a in importlib.import_module(f"{__name__}.{m}").ADAPTERS:
                _ADAPTERS[a.name] = a
    return _ADAPTERS


def names(kind=None) -> tuple:
    """Implementation names (of one kind: "fastact", "peer", "ceiling")."""
    return tuple(n for n, a in adapters().items() if kind is None or a.kind == kind)


def adapter(name: str) -> Adapter:
    try:
        return adapters()[name]
    except KeyError:
        raise ValueError(f"unknown implementation {name!r}; choose from"
                         f" {', '.join(adapters())}") from None


def missing(name: str) -> list:
    """The modules implementation `name` needs that cannot be imported."""
    return [m for m in adapter(name).modules if try_import(m) is None]


def check_spec(name: str, spec, v) -> list:
    """Parse and check one peers entry of variant v; returns its expression trees.

    Raises SpecError when the entry is not in the format or the adapter rejects it.
    """
    from fastact import _ops

    if name not in adapters() or adapters()[name].kind != "peer":
        raise SpecError(f"{v.name}: unknown peer {name!r} (peers: {', '.join(names('peer'))})")
    from ..cases import env_names

    f = _ops.function(v.func)
    # the parameters (and a gated form's halves, a channel op's weight), and
    # the backward ops' other array names (dy, y)
    params = list(env_names(v)) + [n for n in f.inputs if n != "x"]
    nodes = []
    for text in alternatives(spec):
        try:
            node = parse(text)
            if not isinstance(node, (Call, BinOp, Neg)):
                raise SpecError("the expression computes nothing")
            check_names(node, params, f.inputs[-1])
            adapters()[name].check(node, v)
        except SpecError as e:
            raise SpecError(f"{v.name} peers[{name!r}] = {text!r}: {e}") from None
        nodes.append(node)
    return nodes


def make_impl(name: str, v, x, out, threads: int, env: dict | None = None) -> Impl:
    """Implementation `name` of variant v on input x, writing into out where it can.

    env: the parameter values (default: cases.params(v)).  Raises Unsupported
    when the implementation cannot compute this case.
    """
    a = adapter(name)
    lacking = missing(name)
    if lacking:
        raise Unsupported(f"{lacking[0]} is not installed")
    if a.kind != "peer":
        return a.build(v, x, out, threads)
    arrays = {}
    if isinstance(x, tuple):  # a backward op: its arrays by name; the peer's x is the last
        from fastact import _ops

        arrays = dict(zip(_ops.function(v.func).inputs, x))
        x = x[-1]
    spec = v.peers.get(name)
    if spec is None:
        raise Unsupported(f"no {name} form in the op registry")
    if env is None:
        from ..cases import env as case_env

        env = case_env(v, x)
    env = {**env, **arrays}
    error = None
    for text, node in zip(alternatives(spec), check_spec(name, spec, v)):
        for dest in (out, None):  # with out= first; without when the call takes none
            try:
                fn, allocates = a.build(node, x, dest, env, threads)
                fn()  # a spelling this version lacks fails here, not when timed
            except TypeError as e:
                error = e
                continue
            except Exception as e:  # e.g. a torch op whose out= overload is named otherwise
                error = e
                if dest is not None:
                    continue
                break
            except Exception as e:  # Unsupported, or this alternative fails: the next one
                error = e
                break
            return Impl(name, fn, allocates=allocates,
                        note=text + (" (allocates)" if allocates else ""))
    raise Unsupported(str(error).strip().splitlines()[0] if str(error).strip()
                      else type(error).__name__)


def shutdown() -> None:
    from .copy_ceiling import shutdown as stop_copies

    stop_copies()


__all__ = ["Adapter", "Impl", "Unsupported", "SpecError", "MODULES", "adapters", "names",
           "adapter", "missing", "check_spec", "make_impl", "shutdown"]
