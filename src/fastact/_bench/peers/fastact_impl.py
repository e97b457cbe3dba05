"""fastact itself: the call with a preallocated ``out=`` and the allocating call."""

from __future__ import annotations

from functools import partial

from .base import Adapter, Impl


def _call(v):
    """The public function and the keyword arguments that select variant v.

    Choice values equal to the parameter's default are left out, as a user
    calling ``fa.gelu(x)`` would."""
    import fastact
    from fastact import _ops

    f = _ops.function(v.func)
    defaults = {p.name: p.default for p in f.params}
    kw = {k: val for k, val in _ops.kwargs(v).items() if defaults.get(k) != val}
    return getattr(fastact, v.func), kw


def _args(x):
    """The array arguments: x, or the backward ops' (dy, x)."""
    return x if isinstance(x, tuple) else (x,)


def _build_out(v, x, out, threads):
    import fastact

    fastact.set_num_threads(threads)  # as a default, so the timed call has no extra argument
    fn, kw = _call(v)
    return Impl("fastact", partial(fn, *_args(x), **kw, out=out))


def _build_alloc(v, x, out, threads):
    import fastact

    fastact.set_num_threads(threads)
    fn, kw = _call(v)
    return Impl("fastact_alloc", partial(fn, *_args(x), **kw), allocates=True)


def _version():
    import fastact

    return fastact.__version__


ADAPTERS = (
    Adapter("fastact", "fastact", "fastact", _build_out, ("fastact",), version=_version),
    Adapter("fastact_alloc", "fa alloc", "fastact", _build_alloc, ("fastact",), version=_version),
)
