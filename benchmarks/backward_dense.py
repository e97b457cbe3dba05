"""Dense float32 check of one elementwise backward op against its float64 kernel.

Every float32 in [LO, HI] (default [-1.25, -0.25], around the zeros of silu',
gelu' and the tanh form's), and every STEP-th float32 bit pattern with
|x| <= XMAX, with dy = 1 and with dy uniform in +-[0.5, 2) (seed 7), on
every ISA level this machine runs; the float64 kernel (accurate to ~2^-44
relative also next to the zeros of f') is the reference.  Max error in ulp
of the exact value over normal results, and the x where it occurs.

    python benchmarks/backward_dense.py --op gelu_tanh_backward          # ~45 s
    python benchmarks/backward_dense.py --op silu_backward --lo -1.6 --hi -1.0
"""
import argparse

import numpy as np

import fastact as fa
from fastact import _core


def call(op, dy, x):
    if op == "gelu_tanh_backward":
        return fa.gelu_backward(dy, x, approximate="tanh")
    return getattr(fa, op)(dy, x)


def ulp_err(r, ex):
    e = np.floor(np.log2(np.maximum(np.abs(ex), 2.0 ** -126)))
    return np.abs(r.astype(np.float64) - ex) / 2.0 ** (e - 23)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--op", default="gelu_tanh_backward")
    ap.add_argument("--lo", type=float, default=-1.25)
    ap.add_argument("--hi", type=float, default=-0.25)
    ap.add_argument("--step", type=int, default=41)
    ap.add_argument("--xmax", type=float, default=12.0)
    a = ap.parse_args()
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
        for name, x in (("every float in [%g, %g]" % (lo, hi), xa), ("every %d-th pattern, |x| <= %g" % (a.step, a.xmax), xb)):
            for dyk in ("1", "random"):
                dy = np.ones_like(x) if dyk == "1" else \
                    (rng.uniform(0.5, 2, x.size) * rng.choice([-1, 1], x.size)).astype(np.float32)
                _core.set_isa(_core.isa_supported()[-1])
                ex = call(a.op, dy.astype(np.float64), x.astype(np.float64))
                m = np.abs(ex) >= 2.0 ** -126
                for isa in _core.isa_supported():
                    _core.set_isa(isa)
                    err = np.where(m, ulp_err(call(a.op, dy, x), ex), 0.0)
                    i = int(np.argmax(err))
                    print("%s  %-32s dy=%-6s %-6s n=%d  max %.3f ulp at x=%.9g"
                          % (a.op, name, dyk, isa, x.size, err[i], x[i]), flush=True)
    finally:
        _core.set_isa(prev)


if __name__ == "__main__":
    main()
