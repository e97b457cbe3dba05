"""softmax relative error (ulp of the exact result) per row length and |x - max| region,
float32 and float64, every ISA level; reference in long double (exp of the exact
difference x - m computed in long double).

Rows: the maximum at a random non-round offset in [-50, 50], a quarter of the
row within N(0, 3) of it, the rest uniform over `span` below it; rows of 1e3,
1e4, 1e5 and 1e6 elements.  Prints the max ulp error of the normal results per
|x - max| region, one column per ISA level.

    python benchmarks/softmax_tails.py [levels]        # e.g. avx2,avx512
    SPANS32=86,104 SPANS64=700,745 python benchmarks/softmax_tails.py

About 5 minutes on 2 cores (docs/accuracy.md quotes its output)."""
import sys, numpy as np
import fastact as fa, fastact._core as core
rng = np.random.default_rng(2024)
ld = np.longdouble
def ref(x):
    xl = x.astype(ld); m = xl.max(axis=-1, keepdims=True)
    e = np.exp(xl - m); return e / e.sum(axis=-1, keepdims=True), (m - xl)
def ulp_err(y, r, dt):
    fi = np.finfo(dt)
    r = r.astype(ld); a = np.abs(r)
    ok = a >= ld(fi.tiny)
    e = np.frexp(a[ok].astype(np.float64))[1]  # exponent
    ulp = np.ldexp(np.ones_like(e, dtype=np.float64), e - fi.nmant - 1).astype(ld)
    err = np.full(r.shape, np.nan, dtype=np.float64)
    err[ok] = (np.abs(y.astype(ld)[ok] - r[ok]) / ulp).astype(np.float64)
    return err
regions32 = [(0, 1), (1, 10), (10, 30), (30, 60), (60, 87), (87, 104)]
regions64 = [(0, 1), (1, 10), (10, 100), (100, 300), (300, 600), (600, 745)]
isas = fa.get_config()["isa_supported"] if len(sys.argv) < 2 else sys.argv[1].split(",")
lengths = [1000, 10000, 100000, 1000000]
import os
SPANS32 = [float(v) for v in os.environ.get("SPANS32", "86,104").split(",")]
SPANS64 = [float(v) for v in os.environ.get("SPANS64", "700,745").split(",")]
for dt, span, regions in [(np.float32, float(a), regions32) for a in SPANS32] + [(np.float64, float(a), regions64) for a in SPANS64]:
    for L in lengths:
        # values: max at a random offset m0 (non-round), others m0 - U(0, span) plus N(0,1) body;
        # offsets with many significant bits so that x - m rounds
        nrows = max(1, 2000000 // L) if L < 1000000 else 2
        m0 = rng.uniform(-50, 50, size=(nrows, 1))
        body = m0 - rng.uniform(0, span, size=(nrows, L))
        body[:, : L // 4] = m0 - np.abs(rng.normal(0, 3, size=(nrows, L // 4)))
        x = body.astype(dt)
        r, dist = ref(x)
        line = []
        worst = {}
        for isa in isas:
            core.set_isa(isa)
            y = fa.softmax(x)
            err = ulp_err(y, r, dt)
            for lo, hi in regions:
                sel = (dist >= lo) & (dist < hi) & ~np.isnan(err)
                if sel.any():
                    worst[(isa, lo, hi)] = float(np.nanmax(err[sel]))
        print("%-8s span %-4g L=%-8d " % (np.dtype(dt).name, span, L) + "  ".join(
            "[%g,%g): %s" % (lo, hi, "/".join("%.2f" % worst.get((isa, lo, hi), float("nan")) for isa in isas)) for lo, hi in regions), flush=True)
print("(max ulp per |x - max| region, levels %s, results >= smallest normal)" % "/".join(isas))
