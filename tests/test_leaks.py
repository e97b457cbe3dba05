"""Leak check: RSS stays flat over 1e5 calls of each op on small arrays
(plus out= calls, scalar calls and error paths).  Linux only (/proc)."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
from _helpers import ALL_OPS, fa_call

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm"
)

N_CALLS = 100_000
# Measured growth here is 0.0 MB for every op (pymalloc arenas are reused after
# the warm-up).  A leak of one small ndarray per call (~170 B) shows as ~17 MB
# over 1e5 calls, one leaked NumPy scalar (~40 B) as ~4 MB.
BOUND_MB = 3.0


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _grow(fn, n):
    for _ in range(2000):  # warm up caches / allocator arenas
        fn()
    gc.collect()
    r0 = rss_mb()
    for _ in range(n):
        fn()
    gc.collect()
    return rss_mb() - r0


@pytest.mark.parametrize("op", ALL_OPS)
def test_rss_flat(op):
    x32 = np.linspace(-3, 3, 8, dtype=np.float32)
    x64 = np.linspace(-3, 3, 6).reshape(2, 3)
    o64 = np.empty_like(x64)
    xs = [x32, x64]
    i = [0]

    def call():
        i[0] ^= 1
        if i[0]:
            fa_call(op, xs[0])
        else:
            fa_call(op, xs[1], out=o64)

    grow = _grow(call, N_CALLS)
    assert grow < BOUND_MB, f"{op}: RSS grew {grow:.1f} MB over {N_CALLS} calls"


@pytest.mark.parametrize("op", ALL_OPS)
def test_rss_flat_scalars_lists_and_errors(op):
    n = N_CALLS // 2
    lst = [0.5, -1.0, 2.0]
    bad_out = np.empty(4, dtype=np.int32)
    x = np.ones(3)
    ro = np.ones(3)
    ro.flags.writeable = False
    k = [0]

    def call():
        k[0] = (k[0] + 1) % 5
        if k[0] == 0:
            fa_call(op, 0.25 if op not in ("softmax", "log_softmax") else lst)
        elif k[0] == 1:
            fa_call(op, lst)
        elif k[0] == 2:
            try:
                fa_call(op, x, out=bad_out)
            except (TypeError, ValueError):
                pass
        elif k[0] == 3:
            try:
                fa_call(op, x, out=ro)
            except ValueError:
                pass
        else:
            try:
                fa_call(op, np.array(["a"]))
            except TypeError:
                pass

    grow = _grow(call, n)
    assert grow < BOUND_MB, f"{op}: RSS grew {grow:.1f} MB over {n} mixed calls"
