#!/usr/bin/env python3
"""Accuracy of the gated forms (glu, swiglu, geglu, reglu) on every ISA level.

float32: dense samples of pairs (a, b) against the float64 oracle (the
registry's ``Variant.ref`` on float64 halves: the activation in float64 times
b, no cancellation): the activated half on a fine grid over the whole range
where the activation is not saturated (and its tails, where its value is
subnormal), the other half log-uniform over every binade with random signs.
float64: the same kind of sample (fewer points) against mpmath
(``Variant.mp`` at 40 digits, the exact value as float64 + remainder, so
errors are measured against the exact value).  Reports per variant and level the max error
in ulp over results that are normal, and the largest error of subnormal
results in units of the smallest subnormal; exits 1 when a bound is exceeded
(--bound, 4 ulp).

    PYTHONPATH=src python benchmarks/accuracy_gated.py              # ~1 min
    PYTHONPATH=src python benchmarks/accuracy_gated.py --n32 4000000 --n64 40000
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

import fastact as fa
from fastact import _ops

# the activated half's range per variant (beyond it the activation saturates
# or the product underflows for every b): float32, float64
SPAN = {
    "glu": ((-200.0, 100.0), (-1500.0, 800.0)),
    "swiglu": ((-200.0, 100.0), (-1500.0, 800.0)),
    "geglu": ((-22.0, 10.0), (-55.0, 40.0)),
    "geglu_tanh": ((-16.0, 10.0), (-30.0, 40.0)),
    "reglu": ((-10.0, 10.0), (-10.0, 10.0)),
}


def sample(v, dt, n, rng):
    (lo, hi) = SPAN[v.name][0 if dt == np.float32 else 1]
    fi = np.finfo(dt)
    act = np.concatenate([rng.uniform(lo, hi, n // 2), rng.uniform(-3, 3, n // 4),
                          rng.uniform(lo, lo / 4, n - n // 2 - n // 4)]).astype(dt)
    e = rng.uniform(np.log2(fi.tiny), np.log2(fi.max) - 1, n)
    other = (np.exp2(e) * rng.choice([-1.0, 1.0], n)).astype(dt)
    other[: n // 8] = rng.uniform(-4, 4, n // 8).astype(dt)
    a, b = (other, act) if v.func == "glu" else (act, other)
    return a, b


def ulp_err(r, exact, dt, lo=None):
    """(max ulp over normal exact results, max error of subnormal results in units of the
    smallest subnormal, count of mismatched non-finite results)."""
    fi = np.finfo(dt)
    r = r.astype(np.float64) if dt == np.float32 else r
    ex = np.asarray(exact, dtype=np.float64)
    fin = np.isfinite(ex) & (np.abs(ex) <= fi.max)
    with np.errstate(over="ignore"):
        exd = ex.astype(dt).astype(np.float64)  # overflow: inf
    bad = int(np.sum(~fin & ~((r == exd) | (np.isnan(r) & np.isnan(exd)))))
    normal = fin & (np.abs(ex) >= fi.tiny)
    en = ex[normal]
    ulp = np.exp2(np.floor(np.log2(np.abs(en))) - fi.nmant)
    d = r[normal] - en  # exact (Sterbenz) where r is close to en
    if lo is not None:
        d = d - lo[normal]
    mu = float(np.max(np.abs(d) / ulp)) if en.size else 0.0
    sub = fin & ~normal
    ms = float(np.max(np.abs(r[sub] - ex[sub]))) / float(fi.smallest_subnormal) if sub.any() else 0.0
    return mu, ms, bad


def oracle64(v, a, b, lo=None):
    """mpmath's a * f(b) rounded to float64; with `lo` (an array) also the
    remainder exact - rounded, so that errors are measured against the exact
    value, not against its rounding."""
    import mpmath

    out = np.empty(a.shape, dtype=np.float64)
    with mpmath.workdps(40):
        for i, (u, w) in enumerate(zip(a.tolist(), b.tolist())):
            if v.mp is None:
                m = mpmath.mpf(max(u, 0.0)) * mpmath.mpf(w)
            else:
                m = v.mp(mpmath.mp, mpmath.mpf(u), mpmath.mpf(w))
            out[i] = float(m)
            if lo is not None:
                lo[i] = float(m - mpmath.mpf(out[i])) if np.isfinite(out[i]) else 0.0
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n32", type=int, default=1_000_000, help="float32 pairs per variant (default 1e6)")
    ap.add_argument("--n64", type=int, default=6000, help="float64 pairs per variant (default 6000)")
    ap.add_argument("--levels", default=",".join(fa._core.isa_supported()))
    ap.add_argument("--ops", default=",".join(v.name for v in _ops.variants("gated")))
    ap.add_argument("--bound", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args(argv)
    levels = args.levels.split(",")
    worst = 0.0
    print(f"{'variant':<12} {'dtype':<8} " + " ".join(f"{lv:>18}" for lv in levels))
    prev = fa._core.get_isa()
    try:
        for name in args.ops.split(","):
            v = _ops.variant(name)
            for dt, n in ((np.float32, args.n32), (np.float64, args.n64)):
                rng = np.random.default_rng(args.seed)
                a, b = sample(v, dt, n, rng)
                x = np.stack([a, b])  # axis 0: a = x[0], b = x[1]
                lo = None
                if dt == np.float32:
                    with np.errstate(all="ignore"):
                        exact = v.ref(a.astype(np.float64), b.astype(np.float64))
                else:
                    lo = np.zeros(a.shape)
                    exact = oracle64(v, a, b, lo)
                cells = []
                for lv in levels:
                    fa._core.set_isa(lv)
                    r = _ops.call(v, x, axis=0)[0]
                    mu, ms, bad = ulp_err(r, exact, dt, lo)
                    worst = max(worst, mu)
                    cells.append(f"{mu:6.2f} ulp/{ms:4.2f}s" + (f" !{bad}" if bad else ""))
                print(f"{name:<12} {np.dtype(dt).name:<8} " + " ".join(f"{c:>18}" for c in cells), flush=True)
    finally:
        fa._core.set_isa(prev)
    print(f"max {worst:.2f} ulp (bound {args.bound})")
    return 0 if worst <= args.bound else 1


if __name__ == "__main__":
    sys.exit(main())
