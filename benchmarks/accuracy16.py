#!/usr/bin/env python3
"""float16 and bfloat16 accuracy of fastact over all 2^16 inputs of each type.

For every elementwise op of the op registry (fastact._ops, default
parameters) and every ISA level this machine runs: max error in ulp of the
16-bit type against the registry's float64 oracle (finite inputs with a
finite exact result below the type's overflow threshold, whose results must
be +-inf and are counted when not; ulp floored at the smallest normal's, so subnormal
results are measured in subnormal units), the share of correctly rounded
results, and whether every result equals the float32 kernel's result rounded
once.  bfloat16 needs ml_dtypes.

    python benchmarks/accuracy16.py                 # markdown table
    python benchmarks/accuracy16.py --ops gelu,silu --isa avx2
"""

import argparse
import sys

import numpy as np

import fastact as fa
from fastact import _ops


def dtypes():
    out = [np.dtype(np.float16)]
    try:
        import ml_dtypes

        out.append(np.dtype(ml_dtypes.bfloat16))
    except ImportError:
        print("ml_dtypes not installed: bfloat16 skipped", file=sys.stderr)
    return out


def ulp16(exact, dt):
    mant = 11 if dt == np.float16 else 8
    tiny = 2.0**-14 if dt == np.float16 else 2.0**-126
    _, e = np.frexp(np.maximum(np.abs(exact), tiny))
    return np.ldexp(1.0, e - mant)


def overflow16(dt):
    """The smallest |value| that rounds to +-inf in the 16-bit type (the midpoint above its max)."""
    fi = np.finfo(dt)
    return float(fi.max) + float(fi.max) * float(fi.eps) / 4  # max + half an ulp of max


def measure(v, dt):
    """(max ulp over finite exact results below the overflow threshold, % correctly
    rounded, every result == the float32 result rounded once, count of exact results
    beyond the threshold that did not give the right +-inf)."""
    x = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(dt)
    y = _ops.call(v, x, num_threads=1)
    with np.errstate(all="ignore"):
        once = _ops.call(v, x.astype(np.float32), num_threads=1).astype(dt)
        same = np.array_equal(y.view(np.uint16), once.view(np.uint16)) or bool(
            ((y.view(np.uint16) == once.view(np.uint16)) | (np.isnan(y.astype(np.float32)) & np.isnan(once.astype(np.float32)))).all())
        exact = _ops.wide(v, x.astype(np.float64))
        yf = y.astype(np.float64)
        big = np.isfinite(exact) & (np.abs(exact) >= overflow16(dt))  # correctly rounded to +-inf
        bad_inf = int(np.count_nonzero(big & (yf != np.sign(exact) * np.inf)))
        ok = np.isfinite(exact) & ~big
        err = np.abs(yf[ok] - exact[ok]) / ulp16(exact[ok], dt)
        cr = exact.astype(dt).astype(np.float64)[ok]
    n_cr = int(np.count_nonzero((yf[ok] == cr) | (np.isnan(cr) & np.isnan(yf[ok]))))
    return float(err.max()) if err.size else 0.0, 100.0 * n_cr / max(1, int(ok.sum())), same, bad_inf


def measure_rows(v, dt, row=1024):
    """Row ops: every 16-bit value in [-16, 16] once, shuffled (fixed seed) into
    rows of `row` (wider values would leave one 1 per row and overflow
    log_softmax's x - max).  (max ulp of the 16-bit type against the float64
    reference over normal results, bitwise == the float32 kernel's rows
    rounded once)."""
    import fastact.reference as ref

    bits = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    x = bits.view(dt)
    x = x[np.abs(x.astype(np.float32)) <= 16]
    x = np.random.default_rng(7).permutation(x)
    x = x[: x.size // row * row].reshape(-1, row)
    y = _ops.call(v, x, num_threads=1)
    with np.errstate(all="ignore"):
        once = _ops.call(v, x.astype(np.float32), num_threads=1).astype(dt)
        same = np.array_equal(y.view(np.uint16), once.view(np.uint16))
        exact = getattr(ref, v.func)(x.astype(np.float64), **_ops.kwargs(v, None))
        tiny = float(np.finfo(dt).smallest_normal)
        ok = np.isfinite(exact) & (np.abs(exact) >= tiny)
        err = np.abs(y.astype(np.float64)[ok] - exact[ok]) / ulp16(exact[ok], dt)
    return float(err.max()) if err.size else 0.0, same


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ops", default=",".join(v.name for v in _ops.variants("map")))
    ap.add_argument("--rows", default=",".join(v.name for v in _ops.variants("rows")))
    ap.add_argument("--isa", default="all", help="comma list of levels, or 'all' supported")
    a = ap.parse_args(argv)
    ops = [_ops.variant(o) for o in a.ops.split(",") if o]
    levels = fa._core.isa_supported() if a.isa == "all" else a.isa.split(",")
    prev = fa._core.get_isa()
    print(f"fastact {fa.__version__}, CPU {fa.get_config()['cpu']}; all 2^16 inputs per dtype")
    print("| op | dtype | " + " | ".join(f"{lv} max ulp / % correctly rounded" for lv in levels)
          + " | = float32 result rounded once |")
    print("|---|---|" + "---|" * (len(levels) + 1))
    try:
        for v in ops:
            for dt in dtypes():
                cells, alls = [], True
                for lv in levels:
                    fa._core.set_isa(lv)
                    mx, cr, same, bad_inf = measure(v, dt)
                    alls &= same
                    cell = "exact" if v.exact and mx == 0 else f"{mx:.4f} / {cr:.3f}"
                    cells.append(cell + (f" ({bad_inf} not inf!)" if bad_inf else ""))
                print(f"| {v.name} | {dt.name} | " + " | ".join(cells) + f" | {'yes' if alls else 'NO'} |")
        rows = [_ops.variant(o) for o in a.rows.split(",") if o]
        if rows:
            print()
            print("Row ops: every 16-bit value in [-16, 16] once, in rows of 1024 (fixed shuffle)")
            print("| op | dtype | " + " | ".join(f"{lv} max ulp (normal results)" for lv in levels)
                  + " | = float32 rows rounded once |")
            print("|---|---|" + "---|" * (len(levels) + 1))
        for v in rows:
            for dt in dtypes():
                cells, alls = [], True
                for lv in levels:
                    fa._core.set_isa(lv)
                    mx, same = measure_rows(v, dt)
                    alls &= same
                    cells.append(f"{mx:.4f}")
                print(f"| {v.name} | {dt.name} | " + " | ".join(cells) + f" | {'yes' if alls else 'NO'} |")
    finally:
        fa._core.set_isa(prev)


if __name__ == "__main__":
    main()
