"""The Python op registry: one row per public function and C kernel variant.

Everything that needs per-op facts reads them here: the generated Cython
wrappers and type stubs (_codegen.py, run by setup.py at build time),
``fastact.reference``, the tests, the accuracy verifiers, ``python -m fastact
bench``, the pytest-benchmark suite and tools/check_aarch64.py.  The C side
has its own registry, src/c/fa_ops.h; tests/test_registry.py checks that the
two agree and that ``fastact.__all__`` lists every function here.

Rows live in one module per family (elementwise.py, rowwise.py, gated.py,
channel.py, and backward.py for the gradient families "map2" and "rows2"); _model.py
describes the fields.  This package imports nothing of fastact itself, so the
build can load it before the extension exists.
"""

from __future__ import annotations

from . import backward, channel, elementwise, gated, rowwise
from ._model import Function, Param, Variant

FUNCTIONS = (elementwise.FUNCTIONS + rowwise.FUNCTIONS + gated.FUNCTIONS + channel.FUNCTIONS
             + backward.FUNCTIONS)
_BY_FUNC = {f.name: f for f in FUNCTIONS}
_BY_VARIANT = {v.name: v for f in FUNCTIONS for v in f.variants}
assert len(_BY_FUNC) == len(FUNCTIONS) and len(_BY_VARIANT) == sum(len(f.variants) for f in FUNCTIONS)


def functions(family=None):
    """The public functions, in registry order (optionally of one family)."""
    return tuple(f for f in FUNCTIONS if family is None or f.family == family)


def function(name):
    return _BY_FUNC[name]


def variants(family=None, exact=None):
    """Every variant, in registry order (optionally filtered by family / exactness)."""
    return tuple(
        v for f in FUNCTIONS for v in f.variants
        if (family is None or f.family == family) and (exact is None or v.exact == exact)
    )


def variant(name):
    return _BY_VARIANT[name]


def public_names():
    return tuple(f.name for f in FUNCTIONS)


def kwargs(v, params=None):
    """Keyword arguments of the public call for variant v with these parameters
    (a channel op's required weight defaults to channel.EXAMPLE_WEIGHT, for
    the generic callers: tests, bench)."""
    extra = {"weight": channel.EXAMPLE_WEIGHT} if v.family in ("channel", "channel_backward") else {}
    return {**extra, **v.select, **(params or {})}


def call(v, x, params=None, **kw):
    """fastact's result for variant v (kw: out=, num_threads=, axis=)."""
    import fastact

    return getattr(fastact, v.func)(x, **kwargs(v, params), **kw)


def reference(v, x, params=None, **kw):
    """fastact.reference's result for variant v."""
    from fastact import reference as ref

    return getattr(ref, v.func)(x, **kwargs(v, params), **kw)


def wide(v, w, params=None):
    """The oracle's unrounded values for an elementwise variant: v.ref on the
    wide array w (float64 or long double), with NaN propagated and +-inf
    mapped to v.limits.  fastact.reference rounds this once to the result
    dtype; the accuracy verifiers measure against it directly."""
    import numpy as np

    params = params or {}
    with np.errstate(all="ignore"):
        r = np.asarray(v.ref(w, **params), dtype=w.dtype)
        lo, hi = v.limits(**params)
        r = np.where(np.isnan(w), np.nan, r)
        return np.where(w == -np.inf, lo, np.where(w == np.inf, hi, r))


def wide2(v, wdy, wx, params=None):
    """The oracle's unrounded values for a backward (map2) variant (backward.wide2)."""
    return backward.wide2(v, wdy, wx, params)


def call2(v, dy, x, params=None, **kw):
    """fastact's result for a backward variant v (kw: out=, num_threads=, axis=)."""
    import fastact

    return getattr(fastact, v.func)(dy, x, **kwargs(v, params), **kw)


def reference2(v, dy, x, params=None, **kw):
    """fastact.reference's result for a backward variant v."""
    from fastact import reference as ref

    return getattr(ref, v.func)(dy, x, **kwargs(v, params), **kw)


FORWARD_FAMILIES = ("map", "rows", "gated", "channel")
# the gradient families: map2 and rows2 (one result from dy and x or y), and
# the gated forms' and prelu's (channel_backward: two results)
BACKWARD_FAMILIES = ("map2", "rows2", "gated_backward", "channel_backward")
# the families `python -m fastact bench`, benchmarks/bench_ops.py and
# bench_threads.py time (not the gradients with two results: their tests are
# per family, tests/test_prelu.py, tests/test_gated.py)
BENCH_FAMILIES = ("map", "rows", "gated", "channel", "map2", "rows2")


def bench_variants():
    """The variants the benchmarks time, in registry order."""
    return tuple(v for v in variants() if v.family in BENCH_FAMILIES)


def cases(v):
    """Parameter sets to test for variant v: the defaults, then v.cases."""
    return ({},) + tuple(dict(c) for c in v.cases)


__all__ = [
    "Function", "Param", "Variant", "FUNCTIONS", "functions", "function", "variants", "variant",
    "public_names", "kwargs", "call", "reference", "wide", "cases", "wide2", "call2", "reference2",
    "FORWARD_FAMILIES", "BACKWARD_FAMILIES", "BENCH_FAMILIES", "bench_variants",
]
