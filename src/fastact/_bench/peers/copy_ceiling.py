"""The memory-speed ceiling: a plain copy of the same bytes (x -> out).

Shown for the ops whose result is exact (``Variant.exact``: relu, leaky_relu),
which do almost no arithmetic, so a kernel cannot beat memory bandwidth.
``copy_mt`` copies with the bench's thread count (np.copyto in Python threads:
NumPy releases the GIL), ``copy`` with one thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from .base import Adapter, Impl, Unsupported

_POOL: dict = {}


def applies(v) -> bool:
    return v.exact and v.family != "gated"  # a copy of x is not the shape of a gated result


def _pool(workers: int) -> ThreadPoolExecutor:
    p = _POOL.get(workers)
    if p is None:
        p = _POOL[workers] = ThreadPoolExecutor(max_workers=workers,
                                                thread_name_prefix="fastact-bench-copy")
    return p


def shutdown() -> None:
    for p in _POOL.values():
        p.shutdown(wait=True)
    _POOL.clear()


def _build_copy(v, x, out, threads):
    x = x[-1] if isinstance(x, tuple) else x  # a backward op: a copy of one of its arrays
    if not applies(v):
        raise Unsupported("the copy ceiling is shown for exact ops only")
    return Impl("copy", partial(np.copyto, out, x), note="np.copyto, 1 thread")


def _build_copy_mt(v, x, out, threads):
    x = x[-1] if isinstance(x, tuple) else x
    if not applies(v):
        raise Unsupported("the copy ceiling is shown for exact ops only")
    xf, of = x.reshape(-1), out.reshape(-1)
    n = xf.size
    t = max(1, min(threads, n // 4096 or 1))
    if t == 1:
        return Impl("copy_mt", partial(np.copyto, out, x), note="np.copyto, 1 thread")
    bounds = [n * i // t for i in range(t + 1)]
    parts = [(of[bounds[i]:bounds[i + 1]], xf[bounds[i]:bounds[i + 1]]) for i in range(t)]
    submit, copyto = _pool(t - 1).submit, np.copyto
    first, rest = parts[0], parts[1:]

    def f():
        futs = [submit(copyto, o, i) for o, i in rest]
        copyto(*first)
        for fu in futs:
            fu.result()
    return Impl("copy_mt", f, note=f"np.copyto in {t} Python threads")


ADAPTERS = (
    Adapter("copy", "copy 1t", "ceiling", _build_copy, threaded=False,
            version=lambda: np.__version__),
    Adapter("copy_mt", "copy", "ceiling", _build_copy_mt, version=lambda: np.__version__),
)
