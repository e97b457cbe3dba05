"""Interleaved timing for the command line (the pytest suite uses pytest-benchmark's loop)."""

from __future__ import annotations

import gc
import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

#: seconds to wait after a sample of these implementations before the next one:
#: ONNX Runtime's intra-op workers spin for up to ~100 ms after a run (a 2-thread
#: OpenMP team started 20 ms later still found no free core)
SPIN_GAP = {"onnxruntime": 0.12}


def _timed(fn, loops: int) -> float:
    it = itertools.repeat(None, loops)
    t0 = time.perf_counter()
    for _ in it:
        fn()
    return time.perf_counter() - t0


def calibrate(fn, target: float) -> tuple:
    """(loops, seconds per call): loops per sample so one lasts about `target` s.

    The implementation has run once already (the correctness check), so pages,
    thread pools and caches are warm.
    """
    loops = 1
    while True:
        t = _timed(fn, loops)
        if t >= target * 0.2 or loops >= 10 ** 7:
            break
        loops *= 10 if t < target * 0.02 else 2
    per_call = max(t, 1e-9) / loops
    return max(1, math.ceil(target / per_call)), per_call


@dataclass
class Timing:
    impl: str
    loops: int
    samples: list = field(default_factory=list)  # seconds per call, one per sample

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def min(self) -> float:
        return float(min(self.samples))


def time_side_by_side(impls: dict, repeat: int, target: float, gap: float = 0.02,
                      budget: float = 0.3, min_repeat: int = 3,
                      warmup: float | None = None) -> dict:
    """Time every implementation (name -> object with .fn) `repeat` times, interleaved.

    Each repetition runs one sample (`loops` calls, ~`target` seconds) of every
    implementation, in an order rotated by one per repetition, so drift of the
    shared machine affects all of them alike; `gap` seconds of sleep before
    each sample (SPIN_GAP after some runtimes) let the thread pools of the
    implementation timed before stop spinning, so they do not steal cores from
    the next one.  Then the implementation runs untimed for `warmup` seconds
    (default: `target`; at least one call): after an idle gap the first calls
    are slower for every implementation (threads wake up; memory-bound loops
    ran up to 1.5x slower for the first ~15 ms on the development machine), and
    a sample should measure the steady state of a program that keeps working.
    An implementation whose single call is longer than `target` takes only as
    many samples as fit in `budget` seconds (at least `min_repeat`).
    Returns {name: Timing}.
    """
    if warmup is None:
        warmup = target
    names = list(impls)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        timings, quota, warm = {}, {}, {}
        for n in names:
            loops, per_call = calibrate(impls[n].fn, target)
            timings[n] = Timing(n, loops)
            fit = int(budget / (loops * per_call))
            quota[n] = max(min(repeat, min_repeat), min(repeat, fit))
            warm[n] = max(1, math.ceil(warmup / per_call)) if warmup > 0 else 0
        prev = None
        for r in range(repeat):
            k = r % len(names)
            for n in names[k:] + names[:k]:
                t = timings[n]
                if len(t.samples) >= quota[n]:
                    continue
                if gap:
                    time.sleep(max(gap, SPIN_GAP.get(prev, 0.0)))
                if warm[n]:
                    _timed(impls[n].fn, warm[n])
                t.samples.append(_timed(impls[n].fn, t.loops) / t.loops)
                prev = n
    finally:
        if gc_was:
            gc.enable()
    return timings
