#!/usr/bin/env python3
"""Dump fastact's results on a fixed input set, or compare two dumps bit for bit.

For refactors that must not change results: dump before, dump after, compare.

    python tools/bitwise_dump.py dump before.npz      # every op, dtype and ISA level
    python tools/bitwise_dump.py dump after.npz
    python tools/bitwise_dump.py compare before.npz after.npz

Inputs: every 97th float32 bit pattern (44.3M values) for the float32 ops;
1.6M float64 values (normal-distributed at several scales, uniform over the
op thresholds, random bit patterns, the special values); softmax and
log_softmax on rows of 1000 (and one long row of 40000) of both dtypes.
--step changes the float32 stride (e.g. 997 for a quick check).
"""
import argparse
import sys
import warnings

import numpy as np

import fastact as fa


def _ops():
    """(label, callable(x) -> y) for every public op variant."""
    try:
        from fastact import _ops  # the op registry
        return [(v.name, lambda x, v=v: _ops.call(v, x)) for v in _ops.variants() if v.family in ("map", "rows")]
    except ImportError:
        return [
            ("relu", fa.relu),
            ("leaky_relu", lambda x: fa.leaky_relu(x, 0.01)),
            ("sigmoid", fa.sigmoid),
            ("tanh", fa.tanh),
            ("silu", fa.silu),
            ("gelu", fa.gelu),
            ("gelu_tanh", lambda x: fa.gelu(x, approximate="tanh")),
            ("softmax", fa.softmax),
            ("log_softmax", fa.log_softmax),
        ]


ROW_OPS = {"softmax", "log_softmax"}


def inputs(step):
    f32 = np.arange(0, 2**32, step, dtype=np.uint64).astype(np.uint32).view(np.float32)
    rng = np.random.default_rng(97)
    parts = [rng.standard_normal(200_000) * s for s in (1, 3, 10, 30)]
    parts += [rng.uniform(-800, 800, 200_000), rng.uniform(-40, 40, 200_000)]
    parts.append(rng.integers(0, 2**64, 400_000, dtype=np.uint64).view(np.float64))
    parts.append(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e-310, 1e308, -1e308]))
    f64 = np.concatenate(parts)
    rows32 = (rng.standard_normal((400, 1000)) * 5).astype(np.float32)
    rows64 = rng.standard_normal((400, 1000)) * 5
    long32 = (rng.standard_normal((2, 40000)) * 5).astype(np.float32)
    long64 = rng.standard_normal((2, 40000)) * 5
    return f32, f64, [rows32, long32], [rows64, long64]


def dump(path, step):
    f32, f64, r32, r64 = inputs(step)
    out = {}
    levels = fa._core.isa_supported()
    prev = fa._core.get_isa()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for isa in levels:
            fa._core.set_isa(isa)
            for name, f in _ops():
                if name in ROW_OPS:
                    for k, a in enumerate(r32 + r64):
                        out[f"{isa}/{name}/rows{k}"] = f(a)
                elif name.endswith(("_backward",)) or "glu" in name:
                    continue
                else:
                    out[f"{isa}/{name}/f32"] = f(f32)
                    out[f"{isa}/{name}/f64"] = f(f64)
    fa._core.set_isa(prev)
    np.savez(path, **out)
    print(f"{path}: {len(out)} arrays, levels {', '.join(levels)}")


def compare(a, b):
    A, B = np.load(a), np.load(b)
    bad = 0
    common = sorted(set(A.files) & set(B.files))
    for k in common:
        x, y = A[k], B[k]
        same = x.shape == y.shape and x.dtype == y.dtype and np.array_equal(
            x.view(f"u{x.itemsize}"), y.view(f"u{y.itemsize}"))
        if not same:
            nx, ny = np.isnan(x), np.isnan(y)
            diff = (x.view(f"u{x.itemsize}") != y.view(f"u{y.itemsize}")) & ~(nx & ny)
            n = int(diff.sum())
            if n:
                bad += 1
                print(f"DIFFER {k}: {n} elements")
    only = sorted(set(A.files) ^ set(B.files))
    print(f"{len(common)} arrays compared, {bad} differ; only in one dump: {len(only)} {only[:5]}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("path")
    d.add_argument("--step", type=int, default=97)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.path, args.step)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
