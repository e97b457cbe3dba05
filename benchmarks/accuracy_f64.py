#!/usr/bin/env python3
"""float64 accuracy of fastact (and peers) against mpmath, plus softmax.

Part 1 (elementwise): for each smooth op a deterministic sample of float64
inputs covering each op's regions (tiny and subnormal |x|, near 0, [0.1,1],
[1,10], [10,50], huge |x|, and the op's own thresholds and saturation points,
both signs; --n points per region and sign), compared with mpmath at
mp.dps = 40, held as a double-double (hi + lo) so the error of a float64
result is measured to ~1e-13 ulp.  Same report as accuracy.py: max ulp over
normal results with the worst input, distribution (<= 0.5/1/2/4 ulp),
subnormal-range error in units of 2^-1074, special-value mismatches.  Every
fastact ISA level (--isa) and the peers (--impl torch,numpy,scipy; float64
versions of the formulas listed in accuracy.py).

Part 2 (--softmax): softmax / log_softmax relative error and ulp error vs a
long-double reference (exp and sum in np.longdouble, 64-bit significand) on
rows of length 1e3, 1e4, 1e5, 1e6 (float32 and float64; N(0,1) data, the
max over rows checks that float32 error does not drift with length) and on
rows with a huge spread (values spanning ~100 (float32) / ~1400 (float64)
so that results cover the whole normal range and underflow to subnormals).

Time: part 1 ~1 min for 5 ops (mpmath oracle ~40k points per op at the
default --n 2000, computed once and shared by all targets); part 2 ~1 min.

Examples:
  python3 benchmarks/accuracy_f64.py                      # all ISAs, part 1
  python3 benchmarks/accuracy_f64.py --impl fastact,torch,numpy,scipy
  python3 benchmarks/accuracy_f64.py --softmax-only
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accuracy as A  # noqa: E402

from fastact import _ops  # noqa: E402  (the op registry)

import mpmath as mpm  # noqa: E402
from mpmath import mp  # noqa: E402

TWO_M1022 = 2.0 ** -1022
TWO_M1074 = 2.0 ** -1074
DBL_MAX = float(np.finfo(np.float64).max)


# --------------------------------------------------------------------------
# mpmath oracle (exact constants: sqrt(2/pi) and 0.044715 as exact decimals)
# --------------------------------------------------------------------------

def _mp_fn(op):
    """The registry's mathematical definition of op (fastact._ops), as f(x)."""
    v = _ops.variant(op)
    return lambda x: v.mp(mp, x)


def mp_oracle(op, x, dps=40):
    """Return (hi, lo, lo_scaled, lo_sub) float64 arrays for the finite x:
    hi = round(ref), lo = ref - hi, lo_scaled = lo * 2^s(hi), lo_sub = lo * 2^1074."""
    n = x.size
    hi = np.empty(n)
    lo_s = np.empty(n)
    lo_sub = np.empty(n)
    with mp.workdps(dps):
        f = _mp_fn(op)
        f0 = float(f(mp.mpf(0)))
        for i, xi in enumerate(x.tolist()):
            if not math.isfinite(xi) or xi == 0.0:
                # limits are set by limits(); f(+-0): f(0), a zero with the
                # sign of x (mpmath has no -0)
                hi[i] = f0 if f0 != 0.0 else xi
                lo_s[i] = lo_sub[i] = 0.0
                continue
            r = f(mp.mpf(xi))
            h = float(r)  # mpmath rounds to nearest (inf on overflow)
            if not math.isfinite(h):
                hi[i] = h
                lo_s[i] = lo_sub[i] = 0.0
                continue
            d = r - h
            s = _scale_exp(h)
            hi[i] = h
            lo_s[i] = float(mpm.ldexp(d, s))
            lo_sub[i] = float(mpm.ldexp(d, 1074))
    return hi, lo_s, lo_sub


def _scale_exp(h):
    if h == 0.0:
        return 1074
    e = math.frexp(h)[1]
    return max(0, -e)


def limits(op, x):
    """Exact results for +-inf / NaN inputs (the registry's limits)."""
    lo, hi = _ops.variant(op).limits()
    r = np.full(x.shape, np.nan)
    r[x == np.inf], r[x == -np.inf] = hi, lo
    return r


class Prepared64(A.Prepared):
    tiny = TWO_M1022
    sub_unit = TWO_M1074
    ovf = np.inf
    mant = 53

    def __init__(self, op, x, hi, lo_s, lo_sub):
        self._lo_s_all, self._lo_sub_all = lo_s, lo_sub
        ref = np.where(np.isfinite(x), hi, limits(op, x))
        super().__init__(op, x, ref=ref)

    def _setup_err(self):
        h = self.ref_n
        m, e = np.frexp(h)
        # hi rounded up to a power of two while the exact value is below it
        below = (np.abs(m) == 0.5) & (np.sign(self._lo_s_all[self.idx_n]) == -np.sign(h))
        e = np.where(below, e - 1, e)
        self.s_n = np.maximum(0, -np.frexp(h)[1])
        self.ulp_scaled_n = np.ldexp(1.0, np.maximum(e - 53, -1074) + self.s_n)
        self.lo_n = self._lo_s_all[self.idx_n]
        self.lo_sub_s = self._lo_sub_all[self.idx_s]

    def normal_err(self, yn):
        with np.errstate(all="ignore"):
            d = np.ldexp(yn - self.ref_n, self.s_n) - self.lo_n
            return np.abs(d) / self.ulp_scaled_n

    def sub_err(self, ys):
        with np.errstate(all="ignore"):
            return np.abs(np.ldexp(ys - self.ref_s, 1074) - self.lo_sub_s)


# --------------------------------------------------------------------------
# sample
# --------------------------------------------------------------------------

COMMON_REGIONS = [
    ("subnormal |x|", "log", 5e-324, 2.2250738585072014e-308),
    ("tiny |x| 1e-300..1e-10", "log", 1e-300, 1e-10),
    ("near 0 1e-10..0.1", "log", 1e-10, 0.1),
    ("0.1..1", "lin", 0.1, 1.0),
    ("1..10", "lin", 1.0, 10.0),
    ("10..50", "lin", 10.0, 50.0),
    ("huge 50..1.8e308", "log", 50.0, DBL_MAX),
]
SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, DBL_MAX, -DBL_MAX, 5e-324, -5e-324,
            TWO_M1022, -TWO_M1022, 1.0, -1.0]


def sample(op, n, seed=12345):
    rng = np.random.default_rng(seed)
    parts, names = [], []
    v = _ops.variant(op)
    for name, kind, lo, hi in COMMON_REGIONS + list(v.regions):
        if kind == "log":
            m = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
        else:
            m = rng.uniform(lo, hi, n)
        m = np.clip(m, lo, hi)
        parts += [m, -m]
        names += [name] * (2 * n)
    parts.append(np.array(SPECIALS))
    names += ["specials"] * len(SPECIALS)
    pts = np.array([p for p in v.points if p < DBL_MAX], dtype=np.float64)
    near = np.concatenate([pts * (1 + k * 2.0 ** -50) for k in range(-3, 4)]) if pts.size else pts
    parts += [near, -near]
    names += ["op thresholds"] * (2 * near.size)
    return np.concatenate(parts), np.array(names)


def fmt_x64(v):
    if v is None:
        return "-"
    return "%.17g" % v


# --------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------

def softmax_ref(x, log=False):
    """Row softmax/log_softmax of 1-D x in long double (64-bit significand).
    log_softmax uses log1p of the sum without one maximal term, so a row with
    one dominant logit (sum = 1 + tiny) keeps full relative precision."""
    xl = x.astype(np.longdouble)
    k = int(np.argmax(xl))
    m = xl[k]
    z = xl - m
    e = np.exp(z)
    if log:
        s1 = np.sum(e[:k]) + np.sum(e[k + 1:])
        return z - np.log1p(s1)
    return e / np.sum(e)


def _ulp_err(y, ref, dtype):
    fi = np.finfo(dtype)
    refd = ref.astype(np.longdouble)
    a = np.abs(refd)
    tiny = np.longdouble(fi.smallest_normal)
    mant = fi.nmant + 1
    _, e = np.frexp(np.maximum(a, tiny))
    ulp = np.ldexp(np.longdouble(1), e - mant)
    err = np.abs(y.astype(np.longdouble) - refd) / ulp
    return err, a >= tiny


def softmax_report(impls, isas, lengths, seed=7):
    core = None
    if "fastact" in impls:
        import fastact._core as core
    rng = np.random.default_rng(seed)
    rows = []
    cases = []
    for n in lengths:
        cases.append(("N(0,1) n=%d" % n, rng.standard_normal(n)))
    n = 100000
    cases.append(("spread f32: U(-100,0) n=1e5", rng.uniform(-100, 0, n)))
    cases.append(("spread f64: U(-1400,0) n=1e5", rng.uniform(-1400, 0, n)))
    cases.append(("huge offset: 1e4+N(0,1) n=1e5", 1e4 + rng.standard_normal(n)))
    cases.append(("one dominant: [50, N(0,1)...] n=1e5", np.concatenate([[50.0], rng.standard_normal(n - 1)])))
    for name, base in cases:
        for dtype in (np.float32, np.float64):
            if "spread f64" in name and dtype == np.float32:
                continue
            x = base.astype(dtype)
            for log in (False, True):
                ref = softmax_ref(x, log)
                for impl, isa in _targets(impls, isas):
                    y = _softmax_impl(impl, x, log, core, isa)
                    err, normal = _ulp_err(y, ref, dtype)
                    with np.errstate(all="ignore"):
                        rel = np.abs(y.astype(np.longdouble) - ref) / np.abs(ref)
                    rel_n = rel[normal]
                    sub_err = np.abs(y.astype(np.longdouble) - ref)[~normal] / np.longdouble(np.finfo(dtype).smallest_subnormal)
                    with np.errstate(all="ignore"):
                        mixed = np.abs(y.astype(np.longdouble) - ref) / np.maximum(np.abs(ref), 1)
                    rows.append({
                        "max_mixed_eps": float(np.max(mixed) / np.finfo(dtype).eps),
                        "case": name, "dtype": np.dtype(dtype).name, "op": "log_softmax" if log else "softmax",
                        "target": "fastact %s" % isa if impl == "fastact" else A.impl_label(impl),
                        "max_ulp": float(np.max(err[normal])) if normal.any() else 0.0,
                        "max_rel": float(np.max(rel_n)) if rel_n.size else 0.0,
                        "n_sub": int(np.count_nonzero(~normal)),
                        "sub_max": float(np.max(sub_err)) if sub_err.size else 0.0,
                        "nonfinite": int(np.count_nonzero(~np.isfinite(y))),
                        "sum_err": float(abs(np.sum(y.astype(np.longdouble)) - 1)) if not log else None,
                    })
    return rows


def _targets(impls, isas):
    out = []
    for impl in impls:
        if impl == "fastact":
            out += [("fastact", i) for i in isas]
        elif impl in ("torch", "numpy", "scipy"):
            out.append((impl, "-"))
    return out


def _softmax_impl(impl, x, log, core, isa):
    if impl == "fastact":
        import fastact as fa
        core.set_isa(isa)
        return (fa.log_softmax if log else fa.softmax)(x)
    if impl == "torch":
        import torch
        t = torch.from_numpy(x)
        return (torch.log_softmax if log else torch.softmax)(t, dim=-1).numpy()
    if impl in ("numpy", "scipy"):
        import scipy.special as sp
        if impl == "scipy":
            return (sp.log_softmax if log else sp.softmax)(x, axis=-1).astype(x.dtype)
        z = x - np.max(x)
        if log:
            return (z - np.log(np.sum(np.exp(z)))).astype(x.dtype)
        e = np.exp(z)
        return (e / np.sum(e)).astype(x.dtype)
    raise ValueError(impl)


def render(path):
    """Compact markdown tables (docs/accuracy.md) from a --json file."""
    with open(path) as f:
        data = json.load(f)
    out = []
    if "results" in data:
        out.append(A.render_compact([path], fmt=fmt_x64))
    rows = data.get("softmax")
    if rows:
        out.append("")
        out.append("| case | dtype | op | implementation | max ulp | max rel. error | max err / (eps*max(1,|ref|)) | abs(sum-1) |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in rows:
            out.append("| %s | %s | %s | %s | %.3g | %.3g | %.3g | %s |" % (
                r["case"], r["dtype"], r["op"], r["target"], r["max_ulp"], r["max_rel"], r["max_mixed_eps"],
                "-" if r["sum_err"] is None else "%.3g" % r["sum_err"]))
    return "\n".join(out)


# --------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ops", default=",".join(A.SMOOTH_OPS))
    p.add_argument("--isa", default="all")
    p.add_argument("--impl", default="fastact", help="comma list of: fastact, torch, numpy, scipy")
    p.add_argument("--n", type=int, default=2000, help="points per region and sign (default 2000)")
    p.add_argument("--dps", type=int, default=40, help="mpmath decimal digits (default 40)")
    p.add_argument("--softmax", action="store_true", help="also run part 2 (softmax/log_softmax)")
    p.add_argument("--softmax-only", action="store_true")
    p.add_argument("--lengths", default="1000,10000,100000,1000000")
    p.add_argument("--json", help="write results to this JSON file")
    p.add_argument("--by-region", action="store_true", help="also print max ulp per region")
    p.add_argument("--render", metavar="JSON", help="print the compact markdown tables from a --json file and exit")
    a = p.parse_args(argv)
    if a.render:
        print(render(a.render))
        return

    impls = [s for s in a.impl.split(",") if s]
    isas = []
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "n_per_region_sign": a.n, "dps": a.dps}
    if "fastact" in impls:
        import fastact
        import fastact._core as core
        cfg = fastact.get_config()
        sup = list(cfg["isa_supported"])
        isas = sup if a.isa == "all" else [s for s in a.isa.split(",") if s]
        meta["fastact"] = {k: cfg.get(k) for k in ("version", "isa_supported", "cpu")}
        meta["fastact"]["_core_mtime"] = time.strftime(
            "%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(core.__file__)))
    out = {"meta": meta}
    if not a.softmax_only:
        targets = [t for t in _targets(impls, isas)]
        fns = {impl: A.make_impl(impl, np.float64) for impl in set(i for i, _ in targets)}
        labels = {t: ("fastact %s" % t[1] if t[0] == "fastact" else A.impl_label(t[0])) + " f64" for t in targets}
        results = {}
        by_region = {}
        for op in [o for o in a.ops.split(",") if o]:
            x, names = sample(op, a.n)
            t0 = time.perf_counter()
            hi, lo_s, lo_sub = mp_oracle(op, x, a.dps)
            print("%-10s oracle: %d points in %.1fs" % (op, x.size, time.perf_counter() - t0), file=sys.stderr)
            prep = Prepared64(op, x, hi, lo_s, lo_sub)
            for t in targets:
                if t[0] == "fastact":
                    core.set_isa(t[1])
                y = fns[t[0]](op, x)
                if y is None:  # the peer lacks this op
                    continue
                y = np.asarray(y, dtype=np.float64)
                results[(op, t)] = A.check(prep, y)
                if a.by_region:
                    for reg in dict.fromkeys(names):
                        sel = names == reg
                        pr = Prepared64(op, x[sel], hi[sel], lo_s[sel], lo_sub[sel])
                        st = A.check(pr, y[sel])
                        by_region[(op, labels[t], reg)] = (st["max_ulp"], st["max_ulp_x"], st["sub_max"])
        print("float64 accuracy vs mpmath (dps=%d), %d points per region and sign, %s"
              % (a.dps, a.n, meta["date"]))
        if "fastact" in meta:
            print("fastact:", meta["fastact"])
        print()
        print(A.report_rows(results, lambda t: labels[t], fmt=fmt_x64, sub_unit="2^-1074"))
        print()
        print(A.LEGEND.replace("float32", "float64").replace("2^-126", "2^-1022").replace("2^-149", "2^-1074"))
        if by_region:
            print("\n| op | target | region | max ulp | worst x | sub max |\n|---|---|---|---|---|---|")
            for (op, lab, reg), (mu, mx, sm) in by_region.items():
                print("| %s | %s | %s | %.3f | %s | %.3g |" % (op, lab, reg, mu, fmt_x64(mx), sm))
        out["results"] = [{"op": op, "impl": t[0], "isa": t[1], "label": labels[t], **st}
                          for (op, t), st in results.items()]
    if a.softmax or a.softmax_only:
        lengths = [int(float(s)) for s in a.lengths.split(",")]
        rows = softmax_report(impls, isas, lengths)
        print("\nsoftmax / log_softmax vs long double reference")
        print("| case | dtype | op | target | max ulp (normal) | max rel err | max err/(eps*max(1,|ref|)) "
              "| #subnormal-range | sub max (min subnormals) | non-finite | abs(sum-1) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| %s | %s | %s | %s | %.3f | %.3g | %.3g | %d | %.3g | %d | %s |" % (
                r["case"], r["dtype"], r["op"], r["target"], r["max_ulp"], r["max_rel"], r["max_mixed_eps"], r["n_sub"],
                r["sub_max"], r["nonfinite"], "-" if r["sum_err"] is None else "%.3g" % r["sum_err"]))
        out["softmax"] = rows
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
