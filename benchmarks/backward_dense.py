"""Dense float32 check of one elementwise backward op against the registry's float64 oracle.

Every float32 in [LO, HI] (default [-1.25, -0.25], around the zeros of silu',
gelu' and the tanh form's), and every STEP-th float32 bit pattern with
|x| <= XMAX, with dy = 1 and with dy uniform in +-[0.5, 2) (seed 7), on
every ISA level this machine runs, against the registry's float64 oracle
(backward.wide2, as benchmarks/accuracy_backward.py).  Max error in ulp
of the exact value over normal results, and the x where it occurs.

    python benchmarks/backward_dense.py --op gelu_tanh_backward          # ~45 s
    python benchmarks/backward_dense.py --op silu_backward --lo -1.6 --hi -1.0
"""
import argparse
import os
import sys

import numpy as np

from fastact import _core, _ops
from fastact._ops import backward

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from accuracy_backward import ulp_err  # noqa: E402  (the verifier's ulp measure)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--op", default="gelu_tanh_backward", help="a map2 variant of the op registry")
    ap.add_argument("--lo", type=float, default=-1.25)
    ap.add_argument("--hi", type=float, default=-0.25)
    ap.add_argument("--step", type=int, default=41)
    ap.add_argument("--xmax", type=float, default=12.0)
    a = ap.parse_args()
    v = _ops.variant(a.op)
    if v.family != "map2" or v.exact:
        ap.error("--op: a smooth elementwise backward op (map2, not exact), got %r" % a.op)
    lo, hi = sorted((np.float32(a.lo), np.float32(a.hi)))
    # every float32 in [lo, hi]: the bit patterns of each sign part
    parts = []
    if lo < 0:
        top = np.float32(min(hi, -0.0))
        parts.append(np.arange(np.abs(top).view(np.uint32), np.abs(lo).view(np.uint32) + 1,
                               dtype=np.uint32).view(np.float32) * np.float32(-1))
    if hi >= 0:
        bot = np.float32(max(lo, 0.0))
        parts.append(np.arange(bot.view(np.uint32), hi.view(np.uint32) + 1, dtype=np.uint32).view(np.float32))
    xa = np.concatenate(parts)
    xb = np.arange(0, 2 ** 32, a.step, dtype=np.uint64).astype(np.uint32).view(np.float32)
    xb = xb[np.isfinite(xb) & (np.abs(xb) <= a.xmax)]
    rng = np.random.default_rng(7)
    prev = _core.get_isa()
    try:
        for name, x in (("every float in [%g, %g]" % (lo, hi), xa),
                        ("every %d-th pattern, |x| <= %g" % (a.step, a.xmax), xb)):
            for dyk in ("1", "random"):
                dy = np.ones_like(x) if dyk == "1" else \
                    (rng.uniform(0.5, 2, x.size) * rng.choice([-1, 1], x.size)).astype(np.float32)
                ex = backward.wide2(v, dy.astype(np.float64), x.astype(np.float64))
                for isa in _core.isa_supported():
                    _core.set_isa(isa)
                    err, ok = ulp_err(_ops.call2(v, dy, x), ex, 24)
                    i = int(np.argmax(err))
                    print("%s  %-32s dy=%-6s %-6s n=%d  max %.3f ulp at x=%.9g"
                          % (a.op, name, dyk, isa, x.size, err[i], x[ok][i]), flush=True)
    finally:
        _core.set_isa(prev)


if __name__ == "__main__":
    main()
