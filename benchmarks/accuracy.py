#!/usr/bin/env python3
"""Exhaustive float32 accuracy verifier for fastact (and its peers).

Checks every float32 bit pattern (all 2^32 of them, or every K-th with
--step K) for each elementwise op of the op registry (fastact._ops) against
the registry's float64 oracle (written for relative accuracy in the tails), on every ISA level this machine supports (switched in-process
with fastact._core.set_isa).  The oracle is computed once per chunk and
shared by all targets (ISA levels, peers), so adding targets is cheap.

Report per op x target:
  * normal results (|exact| >= 2^-126): max error in ulp of the exact value,
    the input where it occurs, and the share within 0.5 ulp (correctly
    rounded), 1, 2 and 4 ulp;
  * results in the subnormal range (0 <= |exact| < 2^-126): max error in
    units of the smallest subnormal 2^-149, and how many were flushed to 0;
  * special-value mismatches: NaN for a finite input, +-inf for a finite
    exact value, NaN input not giving NaN, +-inf inputs not giving the limit,
    and the wrong sign of a zero result (cosmetic; counted separately).
relu and leaky_relu are checked for exactness (bit-for-bit, NaN == NaN).

Targets:  --impl fastact (default; every ISA level in --isa), torch, numpy,
scipy, jax (only if importable).  Peer rows are labelled:
  torch  : torch.sigmoid / tanh / nn.functional.silu / gelu(approximate=...)
           on float32 tensors (torch.set_num_threads(1) per worker)
  numpy  : textbook float32 NumPy formulas: 1/(1+exp(-x)), np.tanh,
           x/(1+exp(-x)), 0.5*x*(1+erf(x/sqrt2)) (erf from SciPy),
           0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715x^3)))
  scipy  : careful float32 SciPy formulas: expit(x), np.tanh, x*expit(x),
           0.5*x*erfc(-x/sqrt2), x*expit(2*sqrt(2/pi)*(x+0.044715x^3))
  jax    : jax.nn.sigmoid / jnp.tanh / jax.nn.silu / jax.nn.gelu(approximate=)

Time (measured: 2-core AVX-512 Xeon, 2 worker processes at nice 19 on a
machine shared with other jobs; all 2^32 inputs x the 4 fastact ISA levels,
one op per process):
  gelu 11.6 min, tanh 11.5, sigmoid 6.0, gelu_tanh 5.3, silu ~4,
  relu 0.7, leaky_relu ~1: about 40 min for everything (2026-11-28).
  --step 101 (42.5M inputs per op): 3-8 s per op.  Peers cost about as
  much per target as one ISA level (~0.07 s per 2^22 inputs).

Examples:
  python3 benchmarks/accuracy.py --step 1009              # quick, all ops/ISAs
  nice -n 19 python3 benchmarks/accuracy.py --json acc32.json   # full run
  python3 benchmarks/accuracy.py --impl torch,numpy,scipy --step 101
  python3 benchmarks/accuracy.py --ops gelu --isa avx2 --start 0xc1000000 --stop 0xc1800000
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from fastact import _ops  # noqa: E402  (the op registry: op list and oracles)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from accuracy_impls import impl_label, make_impl  # noqa: E402,F401  (fastact and the peers)

# every elementwise variant of the registry, at its default parameters
SMOOTH_OPS = [v.name for v in _ops.variants("map", exact=False)]
EXACT_OPS = [v.name for v in _ops.variants("map", exact=True)]
ALL_OPS = SMOOTH_OPS + EXACT_OPS
ISA_ORDER = ["scalar", "sse2", "avx2", "avx512", "neon"]

TWO_M126 = 2.0 ** -126
TWO_M149 = 2.0 ** -149
FLT_MAX = float(np.finfo(np.float32).max)
# exact values beyond this round to +-inf in float32
FLT_OVF = FLT_MAX + 2.0 ** (127 - 24)

ULP_BINS = (0.5, 1.0, 2.0, 4.0)  # cumulative distribution thresholds


# --------------------------------------------------------------------------
# oracles: the registry's (fastact._ops): Variant.ref evaluated in float64
# (written for relative accuracy, no cancellation in the tails; its own error
# is below 1e-6 ulp of float32), +-inf mapped to Variant.limits; the exact
# ops' formula evaluated in float32.
# --------------------------------------------------------------------------

def oracle(op, x):
    """Exact op(x) in float64 for x a float64 array holding float32 values."""
    return _ops.wide(_ops.variant(op), x)


def exact_expected(op, x32):
    """Bit-exact expected float32 results of the exact ops (relu, leaky_relu)."""
    with np.errstate(all="ignore"):
        return _ops.variant(op).ref(x32)


# --------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------

def new_stats():
    return {
        "n": 0,                # inputs checked
        "n_normal": 0,         # finite inputs with a normal exact result
        "cum": [0] * len(ULP_BINS),  # normal results within ULP_BINS[i] ulp
        "max_ulp": 0.0, "max_ulp_x": None,
        "n_sub": 0,            # finite inputs with an exact result in [0, 2^-126)
        "sub_max": 0.0, "sub_max_x": None,  # in units of 2^-149
        "sub_flushed": 0,      # y == 0 although exact >= 2^-150 (rounds to non-zero)
        "nan_unexpected": 0, "nan_unexpected_x": None,
        "inf_unexpected": 0, "inf_unexpected_x": None,
        "nan_not_propagated": 0, "nan_not_propagated_x": None,
        "inf_input_wrong": 0, "inf_input_wrong_x": None,
        "zero_sign": 0, "zero_sign_x": None,
        "exact_mismatch": 0, "exact_mismatch_x": None,  # relu/leaky_relu only
    }


def _first(mask, x):
    i = np.flatnonzero(mask)
    return None if i.size == 0 else float(x[i[0]])


def _count(st, key, mask, x):
    c = int(np.count_nonzero(mask))
    if c:
        st[key] += c
        if st[key + "_x"] is None:
            st[key + "_x"] = _first(mask, x)


def merge(a, b):
    a["n"] += b["n"]
    a["n_normal"] += b["n_normal"]
    a["n_sub"] += b["n_sub"]
    a["sub_flushed"] += b["sub_flushed"]
    a["cum"] = [p + q for p, q in zip(a["cum"], b["cum"])]
    for k, kx in (("max_ulp", "max_ulp_x"), ("sub_max", "sub_max_x")):
        if b[k] > a[k] or (a[kx] is None and b[kx] is not None):
            a[k], a[kx] = b[k], b[kx]
    for k in ("nan_unexpected", "inf_unexpected", "nan_not_propagated",
              "inf_input_wrong", "zero_sign", "exact_mismatch"):
        a[k] += b[k]
        if a[k + "_x"] is None:
            a[k + "_x"] = b[k + "_x"]
    return a


class Prepared:
    """Per-chunk data derived from x and the oracle, shared by all targets.

    Float32 inputs with a float64 oracle.  Subclassed in accuracy_f64.py for
    float64 inputs with a double-double mpmath oracle (normal_err/sub_err)."""

    tiny = TWO_M126      # smallest normal result
    sub_unit = TWO_M149  # smallest subnormal
    ovf = FLT_OVF        # exact values beyond round to inf
    mant = 24            # significand bits

    def _start(self, op, x, ref=None):
        """Common setup: the exact ops get their expected bits; the others
        return the oracle's values (float64) for x."""
        self.op = op
        self.x32 = x
        self.exact = op in EXACT_OPS
        if self.exact:
            self.expected = exact_expected(op, x)
            return None
        if ref is not None:
            return ref
        with np.errstate(invalid="ignore"):  # signalling NaN patterns
            return oracle(op, x.astype(np.float64))

    def __init__(self, op, x, ref=None):
        r = self._start(op, x, ref)
        if r is None:
            return
        fin = np.isfinite(x)
        a = np.abs(r)
        self.normal = fin & (a >= self.tiny) & (a < self.ovf)
        self.sub = fin & (a < self.tiny)
        self.idx_n = np.flatnonzero(self.normal)
        self.idx_s = np.flatnonzero(self.sub)
        self.ref_n = r[self.idx_n]
        self.ref_s = r[self.idx_s]
        self._setup_err()
        # zero results: exact value rounds to zero -> sign must match
        self.zero_exp = self.sub & (a <= self.sub_unit / 2)
        self.ref_signbit = np.signbit(r)
        self.isnan_in = np.isnan(x)
        self.isinf_in = np.isinf(x)
        self.ref_inf_in = r[self.isinf_in]
        self.x_inf = x[self.isinf_in]

    def _setup_err(self):
        _, e = np.frexp(self.ref_n)  # ref = m * 2^e, m in [0.5, 1): ulp = 2^(e-24)
        self.inv_ulp_n = np.ldexp(1.0, np.minimum(self.mant - e, 149))

    def normal_err(self, yn):
        """|y - exact| in ulp of the exact value, yn = y at idx_n."""
        return np.abs(yn.astype(np.float64) - self.ref_n) * self.inv_ulp_n

    def sub_err(self, ys):
        """|y - exact| in units of the smallest subnormal, ys = y at idx_s."""
        return np.abs(ys.astype(np.float64) - self.ref_s) / self.sub_unit


class Prepared32(Prepared):
    """Fast float32 variant for the exhaustive run: one error array per target.

    sinv holds +1/ulp(exact) for normal exact results, -2^149 for results in
    the subnormal range (so one multiply gives errors in ulp, resp. minus the
    error in units of 2^-149) and 0 for non-finite inputs (checked apart).
    Anything unusual in a chunk (NaN or inf where a finite result is due)
    sends it through the general check (Prepared.__init__ done lazily)."""

    def __init__(self, op, x):
        r = self._start(op, x)
        if r is None:
            return
        self._ref_full = r.copy()
        self.idx_nonfin = np.flatnonzero(~np.isfinite(x))
        a = np.abs(r)
        _, e = np.frexp(r)
        np.subtract(self.mant, e, out=e)
        np.minimum(e, 149, out=e)
        sinv = np.ldexp(1.0, e)
        del e
        sub = a < self.tiny
        sinv[sub] = -1.0 / self.sub_unit
        sinv[self.idx_nonfin] = 0.0
        r[self.idx_nonfin] = 0.0
        self.ref, self.sinv = r, sinv
        n_fin = x.size - self.idx_nonfin.size
        sub[self.idx_nonfin] = False
        self.n_sub = int(np.count_nonzero(sub))
        self.n_normal = n_fin - self.n_sub
        zero = a <= self.sub_unit / 2
        zero[self.idx_nonfin] = False
        self.idx_zero = np.flatnonzero(zero)
        # bit pattern of the zero with the WRONG sign at those positions
        self.zero_wrong = np.where(np.signbit(r[self.idx_zero]), np.uint32(0), np.uint32(0x80000000))
        self.idx_subnz = np.flatnonzero(sub & ~zero)
        xn = x[self.idx_nonfin]
        self.nan_in = np.isnan(xn)
        self.ref_inf_in = self._ref_full[self.idx_nonfin][~self.nan_in]
        self._slow = None

    def slow(self):
        if self._slow is None:
            self._slow = Prepared(self.op, self.x32, ref=self._ref_full)
        return self._slow


def check(prep, y):
    """Statistics for results y (same dtype as prep.x32) against prep."""
    if isinstance(prep, Prepared32) and not prep.exact:
        return _check_fast(prep, y)
    if isinstance(prep, Prepared32) and prep.exact:
        return _check_exact_fast(prep, y)
    return _check_slow(prep, y)


def _check_exact_fast(prep, y):
    st = new_stats()
    st["n"] = int(y.size)
    e = prep.expected
    cand = np.flatnonzero(y.view(np.uint32) != e.view(np.uint32))
    if cand.size:
        yc, ec = y[cand], e[cand]
        bad = ~(np.isnan(yc) & np.isnan(ec))
        _count(st, "exact_mismatch", bad, prep.x32[cand])
    return st


def _check_fast(prep, y):
    x = prep.x32
    # non-finite inputs first (few)
    yn = y[prep.idx_nonfin]
    nan_in = prep.nan_in
    bad_nan = nan_in & ~np.isnan(yn)
    yi = yn[~nan_in]
    ri = prep.ref_inf_in.astype(y.dtype)  # the limit rounded to the result dtype
    bad_inf = ~(yi == ri) | ((yi != 0) & (np.signbit(yi) != np.signbit(ri)))
    with np.errstate(all="ignore"):  # widening a passed-through signalling NaN flags invalid
        d = y.astype(np.float64)
        np.subtract(d, prep.ref, out=d)
        np.abs(d, out=d)
        np.multiply(d, prep.sinv, out=d)
    d[prep.idx_nonfin] = 0.0
    k = int(np.argmax(d))
    mx = float(d[k])
    if not math.isfinite(mx):  # NaN or inf for a finite input: full analysis
        return _check_slow(prep.slow(), y)
    ks = int(np.argmin(d))
    mn = float(d[ks])
    st = new_stats()
    st["n"] = int(y.size)
    st["n_normal"] = prep.n_normal
    st["n_sub"] = prep.n_sub
    g = d[d > ULP_BINS[0]]
    for i, t in enumerate(ULP_BINS):
        st["cum"][i] = prep.n_normal - (int(g.size) if i == 0 else int(np.count_nonzero(g > t)))
    if mx > 0:
        st["max_ulp"], st["max_ulp_x"] = mx, float(x[k])
    elif prep.n_normal:
        st["max_ulp_x"] = None
    if mn < 0:
        st["sub_max"], st["sub_max_x"] = -mn, float(x[ks])
    st["sub_flushed"] = int(np.count_nonzero(y[prep.idx_subnz] == 0))
    yz = y[prep.idx_zero].view(np.uint32)
    _count(st, "zero_sign", yz == prep.zero_wrong, x[prep.idx_zero])
    xn = x[prep.idx_nonfin]
    _count(st, "nan_not_propagated", bad_nan, xn)
    _count(st, "inf_input_wrong", bad_inf, xn[~nan_in])
    return st


def _check_slow(prep, y):
    """Statistics for results y (same dtype as prep.x32) against prep."""
    st = new_stats()
    x32 = prep.x32
    st["n"] = int(x32.size)
    with np.errstate(all="ignore"):
        if prep.exact:
            e = prep.expected
            bad = ~((y == e) & (np.signbit(y) == np.signbit(e))) & ~(np.isnan(y) & np.isnan(e))
            _count(st, "exact_mismatch", bad, x32)
            return st
        # normal results
        yn = y[prep.idx_n]
        err = prep.normal_err(yn)
        xn = x32[prep.idx_n]
        st["n_normal"] = int(yn.size)
        nan_n = np.isnan(yn)
        inf_n = np.isinf(yn)
        _count(st, "nan_unexpected", nan_n, xn)
        _count(st, "inf_unexpected", inf_n, xn)
        errf = np.where(nan_n | inf_n, 0.0, err)
        for i, t in enumerate(ULP_BINS):
            st["cum"][i] = int(np.count_nonzero(errf <= t))
        if errf.size:
            k = int(np.argmax(errf))
            st["max_ulp"] = float(errf[k])
            st["max_ulp_x"] = float(xn[k])
        # subnormal-range results
        ys = y[prep.idx_s]
        xs = x32[prep.idx_s]
        st["n_sub"] = int(ys.size)
        nan_s = np.isnan(ys)
        inf_s = np.isinf(ys)
        _count(st, "nan_unexpected", nan_s, xs)
        _count(st, "inf_unexpected", inf_s, xs)
        es = prep.sub_err(ys)
        es = np.where(nan_s | inf_s, 0.0, es)
        if es.size:
            k = int(np.argmax(es))
            st["sub_max"] = float(es[k])
            st["sub_max_x"] = float(xs[k])
        st["sub_flushed"] = int(np.count_nonzero((ys == 0) & (np.abs(prep.ref_s) > prep.sub_unit / 2)))
        # sign of zero results
        zs = prep.zero_exp & (y == 0) & (np.signbit(y) != prep.ref_signbit)
        _count(st, "zero_sign", zs, x32)
        # NaN inputs
        _count(st, "nan_not_propagated", prep.isnan_in & ~np.isnan(y), x32)
        # +-inf inputs: exact limits (zero limits: either sign accepted)
        yi = y[prep.isinf_in]
        ri = prep.ref_inf_in.astype(y.dtype)  # the limit rounded to the result dtype
        bad = ~(yi == ri) | ((yi != 0) & (np.signbit(yi) != np.signbit(ri)))
        _count(st, "inf_input_wrong", bad, prep.x_inf)
    return st


# --------------------------------------------------------------------------
# worker processes
# --------------------------------------------------------------------------

_W = {}


def _worker_init(targets):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    impls = {}
    for impl, _isa in targets:
        if impl not in impls:
            impls[impl] = make_impl(impl)
    _W["impls"] = impls
    _W["targets"] = targets
    if any(impl == "fastact" for impl, _ in targets):
        import fastact._core as core
        _W["core"] = core


def _chunk_bits(start, step, i0, i1):
    idx = np.arange(i0, i1, dtype=np.uint64)
    return (np.uint64(start) + idx * np.uint64(step)).astype(np.uint32)


# always checked in sampled runs (a full run has them anyway)
SPECIAL_BITS = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
                0x7f800001, 0x00000001, 0x80000001, 0x00800000, 0x80800000, 0x7f7fffff,
                0xff7fffff, 0x3f800000, 0xbf800000]


def _work(args):
    op, start, step, i0, i1 = args
    t0 = time.perf_counter()
    if step is None:  # the special inputs
        x32 = np.array(SPECIAL_BITS, dtype=np.uint32).view(np.float32)
    else:
        x32 = _chunk_bits(start, step, i0, i1).view(np.float32)
    prep = Prepared32(op, x32)
    t1 = time.perf_counter()
    out = []
    for impl, isa in _W["targets"]:
        if impl == "fastact":
            _W["core"].set_isa(isa)
        y = _W["impls"][impl](op, x32)
        out.append(None if y is None else check(prep, np.asarray(y, dtype=np.float32)))
    return out, t1 - t0, time.perf_counter() - t1, (0 if step is None else i1 - i0)


# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------

def fmt_x(v):
    if v is None:
        return "-"
    return "%.9g (0x%08x)" % (v, np.array(v, dtype=np.float32).view(np.uint32))


def pct(c, n):
    return "%.4f" % (100.0 * c / n) if n else "-"


def report_rows(results, label_of, fmt=None, sub_unit="2^-149"):
    fmt_x_ = fmt or fmt_x
    lines = []
    hdr = ("op", "target", "n", "max ulp", "worst x", "%<=0.5", "%<=1", "%<=2", "%<=4",
           "sub max (%s)" % sub_unit, "sub worst x", "flushed", "NaN!", "inf!", "NaNin!", "infin!", "-0/+0", "exact!")
    lines.append("| " + " | ".join(hdr) + " |")
    lines.append("|" + "---|" * len(hdr))
    for (op, tgt), st in results.items():
        if op in EXACT_OPS:
            row = (op, label_of(tgt), st["n"], "exact" if st["exact_mismatch"] == 0 else "NOT EXACT",
                   fmt_x_(st["exact_mismatch_x"]), "", "", "", "", "", "", "", "", "", "", "", "",
                   st["exact_mismatch"])
        else:
            nn = st["n_normal"]
            row = (op, label_of(tgt), st["n"], "%.3f" % st["max_ulp"], fmt_x_(st["max_ulp_x"]),
                   pct(st["cum"][0], nn), pct(st["cum"][1], nn), pct(st["cum"][2], nn), pct(st["cum"][3], nn),
                   "%.3g" % st["sub_max"], fmt_x_(st["sub_max_x"]), st["sub_flushed"],
                   st["nan_unexpected"], st["inf_unexpected"], st["nan_not_propagated"],
                   st["inf_input_wrong"], st["zero_sign"], "")
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


LEGEND = """Columns: max ulp = max error over finite inputs whose exact result is a normal
float32, in ulp of the exact value; %<=t = share of those within t ulp (0.5 = correctly
rounded); sub max = max error for exact results below 2^-126, in units of 2^-149;
flushed = subnormal-range results returned as 0 although the exact value rounds to non-zero;
NaN! = NaN for a finite input; inf! = +-inf for a finite exact value; NaNin! = NaN input not
giving NaN; infin! = +-inf input not giving the limit; -0/+0 = zero result with the wrong
sign (cosmetic); exact! = relu/leaky_relu results not bit-identical to the definition."""


def render_compact(paths, fmt=None):
    """Compact markdown table (docs/accuracy.md) from --json result files."""
    fmt = fmt or fmt_x
    lines = ["| op | implementation | inputs | max ulp (normal results) | worst input | correctly rounded | <= 1 ulp "
             "| subnormal-range max error | flushed | special-value mismatches |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for st in data["results"]:
            op = st["op"] if st["op"] != "gelu" else "gelu (erf)"
            n = st["n"]
            if st["op"] in EXACT_OPS:
                lines.append("| %s | %s | %d | %s | %s | | | | | |" % (
                    op, st["label"], n, "exact" if st["exact_mismatch"] == 0 else
                    "%d mismatches" % st["exact_mismatch"], fmt(st["exact_mismatch_x"])))
                continue
            nn = st["n_normal"]
            spec = []
            for k, name in (("nan_unexpected", "NaN for finite x"), ("inf_unexpected", "inf for finite result"),
                            ("nan_not_propagated", "NaN not propagated"), ("inf_input_wrong", "wrong limit at +-inf"),
                            ("zero_sign", "wrong sign of zero")):
                if st[k]:
                    spec.append("%d %s (x=%s)" % (st[k], name, fmt(st[k + "_x"])))
            mu = st["max_ulp"]
            lines.append("| %s | %s | %d | %s | %s | %.2f%% | %.4f%% | %.3g | %d | %s |" % (
                op, st["label"], n, ("%.3f" % mu) if mu < 1e4 else ("%.3g" % mu), fmt(st["max_ulp_x"]),
                100.0 * st["cum"][0] / nn if nn else 0, 100.0 * st["cum"][1] / nn if nn else 0,
                st["sub_max"], st["sub_flushed"], "; ".join(spec) or "0"))
    return "\n".join(lines)


def target_label(tgt):
    impl, isa = tgt
    return "fastact %s" % isa if impl == "fastact" else impl_label(impl)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ops", default=",".join(ALL_OPS), help="comma list of ops (default: all: %(default)s)")
    p.add_argument("--isa", default="all", help="comma list of fastact ISA levels, or 'all' supported (default)")
    p.add_argument("--impl", default="fastact", help="comma list of: fastact, torch, numpy, scipy, jax")
    p.add_argument("--step", type=int, default=1, help="check every STEP-th bit pattern (default 1: all 2^32)")
    p.add_argument("--start", type=lambda s: int(s, 0), default=0, help="first bit pattern (default 0)")
    p.add_argument("--stop", type=lambda s: int(s, 0), default=1 << 32, help="end bit pattern, exclusive (default 2^32)")
    p.add_argument("--chunk", type=int, default=1 << 22, help="inputs per work item (default 2^22)")
    p.add_argument("--threads", type=int, default=2, help="worker processes (default 2; machine has 2 cores)")
    p.add_argument("--json", help="write results to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--render", nargs="+", metavar="JSON",
                   help="print the compact markdown table of docs/accuracy.md from --json files and exit")
    a = p.parse_args(argv)
    if a.render:
        print(render_compact(a.render))
        return None

    ops = [o for o in a.ops.split(",") if o]
    for o in ops:
        if o not in ALL_OPS:
            p.error("unknown op %r (valid: %s)" % (o, ", ".join(ALL_OPS)))
    impls = [s for s in a.impl.split(",") if s]
    targets = []
    meta = {"step": a.step, "start": a.start, "stop": a.stop, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    for impl in impls:
        if impl == "fastact":
            import fastact
            import fastact._core as core
            cfg = fastact.get_config()
            meta["fastact"] = {k: cfg.get(k) for k in ("version", "isa_supported", "isa_compiled", "cpu")}
            sup = list(cfg["isa_supported"])
            want = sup if a.isa == "all" else [s for s in a.isa.split(",") if s]
            for isa in want:
                if isa not in sup:
                    p.error("ISA %r not supported here (supported: %s)" % (isa, ", ".join(sup)))
                targets.append(("fastact", isa))
            try:
                so = core.__file__
                meta["fastact"]["_core"] = so
                meta["fastact"]["_core_mtime"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(so)))
            except Exception:
                pass
        elif impl == "jax":
            try:
                import jax  # noqa: F401
            except ImportError:
                print("jax not importable: skipped", file=sys.stderr)
                continue
            targets.append((impl, "-"))
        elif impl in ("torch", "numpy", "scipy"):
            targets.append((impl, "-"))
        else:
            p.error("unknown impl %r" % impl)
    if not targets:
        p.error("no targets")
    labels = {t: target_label(t) for t in targets}
    meta["targets"] = [labels[t] for t in targets]

    n_total = max(0, (a.stop - a.start + a.step - 1) // a.step)
    full = a.step == 1 and a.start == 0 and a.stop == 1 << 32
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    results = {}
    timing = {}
    t_all = time.perf_counter()
    with ctx.Pool(a.threads, initializer=_worker_init, initargs=(targets,)) as pool:
        for op in ops:
            agg = [new_stats() for _ in targets]
            work = [(op, a.start, a.step, i, min(i + a.chunk, n_total)) for i in range(0, n_total, a.chunk)]
            if not full:
                work.append((op, 0, None, 0, len(SPECIAL_BITS)))
            t0 = time.perf_counter()
            done = 0
            t_or = t_tg = 0.0
            for k, (sts, to, tt, n) in enumerate(pool.imap_unordered(_work, work)):
                for g, s in zip(agg, sts):
                    if s is not None:  # None: the peer lacks this op
                        merge(g, s)
                done += n
                t_or += to
                t_tg += tt
                if not a.quiet:
                    el = time.perf_counter() - t0
                    eta = el / done * (n_total - done) if done else 0
                    worst = max((g["max_ulp"] for g in agg), default=0)
                    print("\r%-10s %6.2f%%  %7.1fs  eta %7.1fs  worst so far %.3f ulp   "
                          % (op, 100.0 * done / n_total, el, eta, worst), end="", file=sys.stderr, flush=True)
            el = time.perf_counter() - t0
            timing[op] = {"wall_s": el, "oracle_cpu_s": t_or, "targets_cpu_s": t_tg}
            if not a.quiet:
                print("\r%-10s done in %.1fs (oracle %.1f cpu-s, targets %.1f cpu-s)%s"
                      % (op, el, t_or, t_tg, " " * 30), file=sys.stderr, flush=True)
            for t, g in zip(targets, agg):
                if g["n"]:
                    results[(op, t)] = g
    meta["wall_s"] = time.perf_counter() - t_all
    meta["timing"] = timing
    what = "ALL 2^32 bit patterns" if full else \
        "bit patterns %#x..%#x step %d (%d inputs per op, + %d special inputs)" % (
            a.start, a.stop, a.step, n_total, len(SPECIAL_BITS))
    print("float32 accuracy, %s, %s" % (what, meta["date"]))
    if "fastact" in meta:
        print("fastact:", meta["fastact"])
    print()
    print(report_rows(results, lambda t: labels[t]))
    print()
    print(LEGEND)
    print("total wall time %.1fs" % meta["wall_s"])
    if a.json:
        out = {"meta": meta, "results": [
            {"op": op, "impl": t[0], "isa": t[1], "label": labels[t], **st} for (op, t), st in results.items()]}
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    return results


if __name__ == "__main__":
    main()
