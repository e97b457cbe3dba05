#!/usr/bin/env python3
"""Accuracy verifier of the backward ops (families "map2" and "rows2" of the
op registry, fastact._ops.backward), on every ISA level this machine
supports (switched in-process with fastact._core.set_isa).

Elementwise (map2), for every variant and parameter case (_ops.cases):
  float32  x = every STEP-th float32 bit pattern plus every registry point
           and its float32 neighbours (both signs; for sigmoid_backward and
           tanh_backward the inputs are outputs y: the patterns inside [0, 1]
           resp. [-1, 1]), dy uniform in +-[0.5, 2) (a fixed seed per op,
           so an op's figures do not depend on --ops), against the
           registry's float64 oracle (backward.wide2 on float64 inputs:
           dy f'(x) to ~2^-50 relative): max error in ulp of the exact value
           over normal results, the input where it occurs;
  float64  --n64 points per region (|x| log-uniform over [2^-60, 2^10] and
           linear around each registry point, both signs), dy as above,
           against dy * v.mp(x) in mpmath at 60 digits (the output-based ops:
           the exact expression in y): max ulp over normal results away from
           the zeros of f' (backward.near_zero), and next to them the absolute
           error in units of 2^-53 |dy| (with the ulp figure it means there);
  exact ops (relu, leaky_relu, relu6, hardtanh, hardsigmoid): bit for bit
           against fastact.reference (the selection / the single rounding).
Rows (rows2): random rows (lengths 1..300 and 2000, logits of spread 1 and
  30), dy random: the error |dx - exact| in ulp of the row's scale
  max|y| * max|dy| (softmax) resp. max|dy| + |sum dy| max e^y
  (log_softmax), exact = the formula in long double / float64 (fsum rows).

    python benchmarks/accuracy_backward.py                    # ~1-2 min
    python benchmarks/accuracy_backward.py --ops silu_backward --step 97 --json out.json
"""

import argparse
import json
import math
import os
import sys
import time
import zlib

import numpy as np

import fastact as fa
from fastact import _core, _ops
from fastact._ops import backward

Y_OPS = {"sigmoid_backward": (0.0, 1.0), "tanh_backward": (-1.0, 1.0)}


def f32_inputs(v, step, rng):
    u = np.arange(0, 2**32, step, dtype=np.uint64).astype(np.uint32)
    x = u.view(np.float32)
    x = x[np.isfinite(x)]
    pts = []
    for p in v.points:
        for s in (1.0, -1.0):
            if abs(p) > 3e38:
                continue
            c = np.float32(s * p)
            pts += [np.nextafter(c, np.float32(-np.inf)), c, np.nextafter(c, np.float32(np.inf))]
    x = np.concatenate([x, np.array(pts, dtype=np.float32),
                        np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=np.float32)])
    if v.name in Y_OPS:
        lo, hi = Y_OPS[v.name]
        x = x[(x >= lo) & (x <= hi)]
    dy = (rng.uniform(0.5, 2.0, x.size) * rng.choice([-1.0, 1.0], x.size)).astype(np.float32)
    return dy, x


def f64_inputs(v, n, rng):
    parts = []
    for s in (1.0, -1.0):
        parts.append(s * np.exp2(rng.uniform(-60, 10, n)))
        for p in v.points:
            parts.append(s * (p + rng.uniform(-0.05, 0.05, max(n // 20, 10)) * max(1.0, abs(p) * 1e-3)))
    x = np.concatenate(parts)
    if v.name in Y_OPS:
        lo, hi = Y_OPS[v.name]
        x = np.clip(x, lo, hi)
    dy = rng.uniform(0.5, 2.0, x.size) * rng.choice([-1.0, 1.0], x.size)
    return dy, x


def ulp_err(r, exact, mant):
    """|r - exact| in ulp of exact (mant = 24 / 53), over normal exact values."""
    fi = np.finfo(np.float32 if mant == 24 else np.float64)
    ok = np.isfinite(exact) & (np.abs(exact) >= fi.tiny) & (np.abs(exact) <= fi.max)
    _, e = np.frexp(exact[ok])
    err = np.abs(r[ok].astype(np.float64) - exact[ok]) / np.ldexp(1.0, e - mant)
    return err, ok


def mp_exact(v, dy, x, params):
    import mpmath

    mp = mpmath.mp
    out = np.empty(x.size)
    with mp.workdps(backward.MP_DPS_GRAD):
        for i, (g, xi) in enumerate(zip(dy.tolist(), x.tolist())):
            out[i] = float(mp.mpf(g) * v.mp(mp, mp.mpf(xi), **params))
    return out


def check_map2(v, levels, step, n64, rng):
    rows = []
    for params in _ops.cases(v):
        dy32, x32 = f32_inputs(v, step, rng)
        dy64, x64 = f64_inputs(v, n64, rng)
        exact32 = None if v.exact else backward.wide2(v, dy32.astype(np.float64), x32.astype(np.float64),
                                                     {k: float(np.float32(p)) for k, p in params.items()})
        exact64 = None if (v.exact or v.mp is None) else mp_exact(v, dy64, x64, params)
        for lvl in levels:
            _core.set_isa(lvl)
            res = {"op": v.name, "params": params, "level": lvl}
            for dt, dy, x, exact, mant in (("float32", dy32, x32, exact32, 24), ("float64", dy64, x64, exact64, 53)):
                r = _ops.call2(v, dy, x, params)
                if v.exact:
                    ref = _ops.reference2(v, dy, x, params)
                    bad = ~((r == ref) | (np.isnan(r) & np.isnan(ref))) | (np.signbit(r) != np.signbit(ref)) & ~np.isnan(r)
                    res[dt] = {"max_ulp": 0.0 if not bad.any() else float("inf"), "mismatches": int(bad.sum()),
                               "n": int(x.size)}
                    continue
                if exact is None:  # float64 with no mp: the long-double oracle
                    exact = backward.wide2(v, dy.astype(np.longdouble), x.astype(np.longdouble), params).astype(np.float64)
                err, ok = ulp_err(r, exact, mant)
                xs, dys, exs = x[ok], dy[ok], exact[ok]
                near = backward.near_zero(v, xs, dys, exs) if mant == 53 else np.zeros(xs.shape, bool)
                away = np.where(near, 0.0, err)
                i = int(np.argmax(away)) if err.size else 0
                special = int(np.sum(np.isnan(r) != np.isnan(exact)))
                res[dt] = {"max_ulp": float(away.max()) if err.size else 0.0,
                           "at_x": float(xs[i]) if err.size else None, "n": int(x.size),
                           "nan_mismatches": special}
                if near.any():  # next to a zero of f': |dx - exact| in units of 2^-53 |dy|
                    ab = np.abs(r[ok][near] - exs[near]) / (np.abs(dys[near]) * 2.0**-53)
                    res[dt]["near_zero_abs"] = float(ab.max())
                    res[dt]["near_zero_max_ulp"] = float(err[near].max())
            rows.append(res)
    return rows


def check_rows2(v, levels, rng):
    out = []
    cases = []
    for n in list(range(1, 40)) + [63, 64, 65, 129, 300, 2000]:
        for spread in (1.0, 30.0):
            cases.append((n, spread))
    for lvl in levels:
        _core.set_isa(lvl)
        res = {"op": v.name, "level": lvl}
        for dt, wide in (("float32", np.float64), ("float64", np.longdouble)):
            worst = 0.0
            eps = np.finfo(dt).eps / 2
            for n, spread in cases:
                z = rng.standard_normal((4, n)) * spread
                fwd = fa.softmax if v.name == "softmax_backward" else fa.log_softmax
                y = fwd(z.astype(dt))
                dy = rng.standard_normal((4, n)).astype(dt)
                r = _ops.call2(v, dy, y)
                ex = np.asarray(v.ref(dy.astype(wide), y.astype(wide), axis=-1), dtype=np.float64)
                if v.name == "softmax_backward":
                    scale = np.max(np.abs(y), axis=-1, keepdims=True) * np.max(np.abs(dy), axis=-1, keepdims=True)
                else:
                    scale = np.max(np.abs(dy), axis=-1, keepdims=True) + np.abs(dy.sum(-1, keepdims=True)) * \
                        np.max(np.exp(y.astype(np.float64)), axis=-1, keepdims=True)
                e = np.max(np.abs(r - ex) / (scale * eps))
                worst = max(worst, float(e))
            res[dt] = {"max_ulp_of_row_scale": worst}
        out.append(res)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ops", default=",".join(v.name for v in _ops.variants("map2") + _ops.variants("rows2")))
    ap.add_argument("--isa", default=",".join(_core.isa_supported()))
    ap.add_argument("--step", type=int, default=4099, help="float32: every STEP-th bit pattern")
    ap.add_argument("--n64", type=int, default=2000, help="float64: points per region and sign")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    levels = [s for s in a.isa.split(",") if s]
    prev = _core.get_isa()
    rows = []
    t0 = time.time()
    try:
        for name in a.ops.split(","):
            v = _ops.variant(name)
            # one stream per op: its figures do not depend on which other ops run
            rng = np.random.default_rng([12, zlib.crc32(name.encode())])
            if v.family == "map2":
                rr = check_map2(v, levels, a.step, a.n64, rng)
                for r in rr:
                    p = "".join(f" {k}={val}" for k, val in r["params"].items())
                    f32, f64 = r["float32"], r["float64"]
                    at32 = "" if f32.get("at_x") is None else "(x=%.7g)" % f32["at_x"]
                    at64 = "" if f64.get("at_x") is None else "(x=%.10g)" % f64["at_x"]
                    flag = " NaN-MISMATCH" if f32.get("nan_mismatches") or f64.get("nan_mismatches") else ""
                    flag += " MISMATCH" if f32.get("mismatches") or f64.get("mismatches") else ""
                    nz = "" if "near_zero_abs" not in f64 else \
                        f"  near f'=0: {f64['near_zero_abs']:.2f} x 2^-53|dy| ({f64['near_zero_max_ulp']:.0f} ulp)"
                    print(f"{name + p:<44} {r['level']:<7} f32 {f32['max_ulp']:6.2f} ulp {at32:<18}"
                          f" f64 {f64['max_ulp']:6.2f} ulp {at64}{nz}{flag}", flush=True)
            else:
                rr = check_rows2(v, levels, rng)
                for r in rr:
                    print(f"{name:<44} {r['level']:<7} f32 {r['float32']['max_ulp_of_row_scale']:6.2f} ulp of the row's"
                          f" scale  f64 {r['float64']['max_ulp_of_row_scale']:6.2f}", flush=True)
            rows += rr
    finally:
        _core.set_isa(prev)
    print(f"({time.time() - t0:.0f} s)")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
