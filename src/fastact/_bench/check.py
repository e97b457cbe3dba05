"""Correct before fast: fastact against fastact.reference, every other implementation
against fastact, once per case before any timing."""

from __future__ import annotations

import numpy as np

from .. import _ops
from .cases import DTYPES
from .peers import Impl


def fastact_result(v, x) -> np.ndarray:
    """fastact's output for the case: what every other implementation is checked against."""
    if isinstance(x, tuple):  # a backward op: (dy, x)
        return np.asarray(_ops.call2(v, *x))
    return np.asarray(_ops.call(v, x))


def check_fastact(v, x: np.ndarray, got: np.ndarray, limit: int = 4096) -> None:
    """fastact against fastact.reference on the first `limit` elements (whole rows)."""
    if isinstance(x, tuple):  # a backward op: (dy, x)
        cut = (slice(max(1, limit // x[-1].shape[-1])) if v.family == "rows2" else slice(limit))
        d = DTYPES[str(x[-1].dtype)]
        np.testing.assert_allclose(_f32(got[cut]), _f32(_ops.reference2(v, x[0][cut], x[1][cut])),
                                   rtol=d.rtol, atol=d.atol,
                                   err_msg=f"fastact {v.name} {x[-1].dtype} vs fastact.reference")
        return
    if v.family in ("rows", "gated"):
        rows = max(1, limit // x.shape[-1])
        xs, gs = x[:rows], got[:rows]
    else:
        xs, gs = x[:limit], got[:limit]
    d = DTYPES[str(x.dtype)]
    np.testing.assert_allclose(_f32(gs), _f32(_ops.reference(v, xs)), rtol=d.rtol, atol=d.atol,
                               err_msg=f"fastact {v.name} {x.dtype} vs fastact.reference")


def _f32(a):
    """16-bit arrays compared in float32 (bfloat16 has no NumPy arithmetic of its own)."""
    a = np.asarray(a)
    return a.astype(np.float32) if a.dtype.itemsize == 2 else a


def _to_numpy(r, dtype: np.dtype) -> np.ndarray:
    """A peer's returned result as an ndarray (torch exports no bfloat16 through
    __array__: its bits are reinterpreted as ml_dtypes' bfloat16)."""
    try:
        return np.asarray(r)
    except TypeError:
        if dtype.itemsize == 2 and dtype.kind == "V" and hasattr(r, "view"):
            import torch

            return r.view(torch.int16).numpy().view(dtype)
        raise


def check_impl(impl: Impl, x: np.ndarray, out: np.ndarray, expected: np.ndarray,
               copy: bool = False) -> None:
    """Run `impl` once and assert its result is close to `expected` (`copy`: equal to x).

    Raises AssertionError, so that a wrong computation is never timed.
    """
    if isinstance(x, tuple):  # a backward op: the result is shaped like its last array
        x = x[-1]
    out.fill(np.nan)
    r = impl.fn()
    got = _to_numpy(r, x.dtype) if impl.allocates else out
    if got.shape != expected.shape or got.dtype != x.dtype:
        raise AssertionError(f"{impl.name}: got {got.dtype}{got.shape},"
                             f" expected {x.dtype}{expected.shape}")
    if copy:
        if not np.array_equal(got, x):
            raise AssertionError(f"{impl.name} is not a copy")
        return
    d = DTYPES[str(x.dtype)]
    g, e = _f32(got).reshape(-1), _f32(expected).reshape(-1)
    step = 1 << 20  # blocks: bounded temporaries, fast on 1e7 elements
    for i in range(0, g.size, step):
        gb, eb = g[i:i + step], e[i:i + step]
        diff = np.abs(np.subtract(gb, eb))
        lim = np.abs(eb)
        lim *= d.rtol
        lim += d.atol
        if not np.all(diff <= lim):  # NaN fails too
            np.testing.assert_allclose(gb, eb, rtol=d.rtol, atol=d.atol, err_msg=(
                f"{impl.name} {x.dtype} disagrees with fastact (block at {i})"))
