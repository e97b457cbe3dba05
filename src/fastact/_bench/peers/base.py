"""What every implementation module of the bench provides (see peers/__init__.py)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple


class Unsupported(Exception):
    """This implementation cannot compute this case (missing module, op or dtype)."""


@dataclass
class Impl:
    """One implementation built for one case: ``fn()`` computes it once."""

    name: str
    fn: Callable[[], object]
    allocates: bool = False  # fn returns a new array instead of writing `out`
    note: str = ""


@dataclass(frozen=True)
class Adapter:
    """One column of the bench.

    kind     "fastact" (fastact itself), "peer" (another library, generic over
             Variant.peers[name]) or "ceiling" (a plain copy of the same bytes,
             for the ops whose result is exact: relu, leaky_relu)
    build    fastact / ceiling: build(v, x, out, threads) -> Impl
             peer: build(node, x, out, env, threads) -> (fn, allocates): node is
             one parsed spec (peers/_expr.py), env the parameter values; out is
             None when the outermost call has no out= and must allocate
    check    peer: check(node, v) raises SpecError for a spec it cannot run
             (modules it needs that are not installed are not consulted)
    """

    name: str                      # key in --peers, the JSON and Variant.peers
    title: str                     # column title
    kind: str
    build: Callable[..., Any]
    modules: Tuple[str, ...] = ()  # imports it needs
    install: Tuple[Tuple[str, str], ...] = ()  # (module, how to install it), optional ones too
    threaded: bool = True          # honours the bench's thread count
    check: Optional[Callable[..., None]] = None
    version: Optional[Callable[[], str]] = None


def try_import(name: str):
    try:
        return importlib.import_module(name)
    except Exception:  # ImportError, or a broken install raising anything else
        return None


def module_version(name: str) -> Optional[str]:
    mod = try_import(name)
    return None if mod is None else str(getattr(mod, "__version__", "?"))
