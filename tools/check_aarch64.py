#!/usr/bin/env python3
"""Cross-check fastact's aarch64 kernels (NEON and portable C) under qemu-user.

Cross-compiles the C library (src/c/*.c and the kernels of the aarch64
levels, kernels/scalar*.c and kernels/neon*.c, with setup.py's flags) and
tools/xcheck_main.c for aarch64, runs the program under qemu-aarch64-static
and checks every op x dtype of the op registry (src/fastact/_ops: ops,
kernel parameters, parameter cases, oracles) on every aarch64 level
(--levels, default neon and scalar) against the fastact built in place in
this checkout for x86-64 (or installed; its avx512 and avx2 levels, those
this CPU runs, or --x86)
and against the accuracy oracles:

 1. configuration: the level fa_init() selects on aarch64 is neon;
 2. tails: every length 0..40 in every dtype, at several offsets from a 64-byte boundary,
    out of place and in place, through fa_map and the non-temporal kernel:
    each element gives the same bits as inside a long vector, nothing is
    written outside y, an out-of-place x is unchanged; the long vector is
    also compared bit for bit with x86; threads (1 vs 2) give the same bits;
 3. special values and thresholds (tests/_helpers.value_pool, ~5600-6000
    values per dtype: NaN, +-inf, +-0, extremes, subnormals, every op's
    clamp and saturation points and their neighbours): bit for bit against
    x86 at every registry parameter set, and against the oracles;
 4. float32, dense: every STEP-th bit pattern (+ the special patterns)
    against the float64 oracle of benchmarks/accuracy.py: max ulp over
    normal results, subnormal-range error, special-value mismatches, and the
    number of results whose bits differ from each x86 level;
 5. float64: the sample of benchmarks/accuracy_f64.py (N64 points per
    region and sign) against mpmath, plus 1.6M values (tools/bitwise_dump.py's
    float64 set) bit for bit against x86;
 6. softmax / log_softmax: rows of 1..129 and 1000 elements, long rows
    through the blocked (part/fix) path, special rows, 1 and 2 threads:
    within the bounds of tests/test_softmax.py (check_softmax); their sums
    run in vector-width order, so differences from x86 are counted and
    reported, not failed;
 7. float16 / bfloat16 (bfloat16 if ml_dtypes is installed): every bit
    pattern through every op and parameter set, and rows: bit for bit the
    level's float32 result rounded once, and x86's;
 8. gated forms (glu, swiglu, geglu, reglu; fa_gated): every length 0..40 of
    the halves at several offsets and 1/2 threads (nothing written outside y,
    x unchanged, each element the bits it has inside a long block); dense
    pairs (the accuracy sample of benchmarks/accuracy_gated.py) and every
    pair of special values in every dtype: within 4 ulp of the float64 /
    mpmath oracle, NaN where it is NaN, 16-bit the level's float32 result
    rounded once; differences from x86 counted.
 9. the gated gradients (fa_gated_backward): nothing written outside dx,
    bit for bit against x86, within the reference, tails 1..20.
 10. the backward ops (families map2 and rows2): every map2 op x parameter
    set x dtype (float32, float64, float16, bfloat16) on a dense sample plus
    special values (x and dy): bit for bit against x86, float32 within the
    registry bound of the float64 oracle, float64 against the long-double
    oracle away from the zeros of f'; tails 0..40 in/out of place (dx = dy)
    with guards, 1 vs 2 threads; softmax_backward / log_softmax_backward
    rows within 4 ulp of the row's scale (sums in vector order: differences
    from x86 counted).
NaN results count as equal (a NaN's sign bit may differ from x86: reported
as "NaN results whose sign/payload bits differ"; docs/aarch64.md).
Exit status 0 when every check passes.

Needs Debian's gcc-aarch64-linux-gnu and qemu-user-static, and fastact built
in place for x86-64 (python setup.py build_ext --inplace); mpmath and the
test helpers' imports (tests/_helpers.py).  docs/aarch64.md has the
measured run times and results.

    python tools/check_aarch64.py                  # ~1 min
    nice -n 19 python tools/check_aarch64.py --step 97 --n64 20000 --levels neon
"""
import argparse
import glob
import json
import os
import queue
import shlex
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if glob.glob(os.path.join(ROOT, "src", "fastact", "_core*.so")):
    sys.path.insert(0, os.path.join(ROOT, "src"))  # the in-place build of this checkout
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

fa = None  # fastact (the x86-64 build), imported by main(): tools/mca_aarch64.py uses build() without it



def _load_registry():
    """The op registry (src/fastact/_ops), loaded as a standalone package: it
    imports nothing of fastact, so tools/mca_aarch64.py needs no x86 build."""
    import importlib.util
    d = os.path.join(ROOT, "src", "fastact", "_ops")
    spec = importlib.util.spec_from_file_location("fa_registry", os.path.join(d, "__init__.py"),
                                                  submodule_search_locations=[d])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fa_registry"] = mod
    spec.loader.exec_module(mod)
    return mod


REG = _load_registry()
MAP_OPS = [v.name for v in REG.variants("map")]             # every elementwise variant
ROW_OPS = [v.name for v in REG.variants("rows")]
GATED_OPS = [v.name for v in REG.variants("gated")]
SMOOTH = [v.name for v in REG.variants("map", exact=False)]
EXACT = [v.name for v in REG.variants("map", exact=True)]


def kparams(op, params=None):
    """The kernel parameters p->v[0..3] of variant `op` with these public
    parameters (the function's defaults otherwise): Variant.cparams evaluated
    as the generated wrappers do."""
    v = REG.variant(op)
    env = {**REG.function(v.func).defaults(), **(params or {})}
    vals = [float(eval(e, {"__builtins__": {}}, env)) for e in v.cparams]  # registry expressions
    return tuple(vals + [0.0] * (4 - len(vals)))


JOB = "<8i2Q4d"  # struct xc_job of xcheck_main.c
DTYPES = (np.float32, np.float64)


class _DT(dict):
    """Short names of the element types (the runner's dtype names): f32, f64, f16, bf16."""

    def __missing__(self, dt):
        return {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16"}[np.dtype(dt).name]


DT = _DT()


def dtypes16():
    """float16, and ml_dtypes.bfloat16 if installed (an optional dependency, as in the tests)."""
    out = [np.dtype(np.float16)]
    try:
        import ml_dtypes
        out.append(np.dtype(ml_dtypes.bfloat16))
    except ImportError:
        print("  (ml_dtypes not installed: bfloat16 not checked)")
    return out
BOUND_ULP = 4.0  # docs/accuracy.md: every smooth op, both dtypes
SUB_BOUND = 4.0  # units of the smallest subnormal

# --------------------------------------------------------------------------
# build and run the aarch64 program
# --------------------------------------------------------------------------
# setup.py's flags for every C file (_base_flags), OpenMP, the neon level's
# macro; -static so that qemu needs no aarch64 root.
CFLAGS = ["-O3", "-std=gnu11", "-fvisibility=hidden", "-ffp-contract=off", "-fopenmp", "-static"]
AARCH64_LEVELS = ["scalar", "neon"]  # setup.py: scalar always, neon on aarch64


def build(exe, cc, openmp=True):
    """Build the static aarch64 job runner; cc is a command ("aarch64-linux-gnu-gcc",
    "clang-19 --target=aarch64-linux-gnu", ...).  Returns the command line."""
    kdir = os.path.join(ROOT, "src", "c", "kernels")
    src = [os.path.join(ROOT, "tools", "xcheck_main.c")] + sorted(glob.glob(os.path.join(ROOT, "src", "c", "*.c")))
    for isa in AARCH64_LEVELS:
        src += sorted(set(glob.glob(os.path.join(kdir, isa + ".c")) + glob.glob(os.path.join(kdir, isa + "_*.c"))))
    flags = [f for f in CFLAGS if openmp or f != "-fopenmp"]
    macros = ["-DFA_HAVE_NEON=1"] + (["-DFA_HAVE_OPENMP=1"] if openmp else [])
    cmd = [*shlex.split(cc), *flags, *macros, "-I" + os.path.join(ROOT, "src", "c"), *src, "-lm", "-o", exe]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("build failed:\n" + " ".join(cmd) + "\n" + r.stderr)
    return " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd)


class Runner:
    """The aarch64 job runner under qemu: run(jobs) yields (job, y, result) in order.

    A writer thread feeds the jobs while the caller checks earlier results,
    so the x86 side (oracles, comparisons) and qemu run concurrently."""

    def __init__(self, qemu, exe):
        out = subprocess.run([qemu, exe, "--list"], capture_output=True, text=True, check=True).stdout
        self.isa, self.map, self.row, self.compiled, self.supported = {}, {}, {}, [], []
        self.gated = {}
        self.map2, self.row2 = {}, {}
        self.nparams, self.dtype = {}, {}
        for line in out.splitlines():
            f = line.split()
            if f[0] == "isa":
                self.isa[f[2]] = int(f[1])
                if f[3] == "1":
                    self.compiled.append(f[2])
                if f[4] == "1":
                    self.supported.append(f[2])
            elif f[0] == "dtype":  # dtype <id> <name> <bytes>
                self.dtype[f[2]] = int(f[1])
            elif f[0] == "map":  # map <id> <name> <ENUM> <nparams>
                self.map[f[3]] = int(f[1])
                self.nparams[f[3]] = int(f[4])
            elif f[0] == "row":
                self.row[f[3]] = int(f[1])
            elif f[0] == "gated":
                self.gated[f[3]] = int(f[1])
            elif f[0] == "map2":  # map2 <id> <name> <ENUM> <nparams>
                self.map2[f[3]] = int(f[1])
                self.nparams[f[3]] = int(f[4])
            elif f[0] == "row2":
                self.row2[f[3]] = int(f[1])
            elif f[0] == "active":
                self.active = f[1]
        self.names = {v: k for k, v in self.isa.items()}
        self.p = subprocess.Popen([qemu, exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.jobs = 0

    # job kinds of xcheck_main.c
    MAP, MAP_NT, ROWS, GATED, GATED_BWD, MAP2, ROWS2 = 0, 1, 2, 3, 4, 5, 6

    def _header(self, j):
        x = j["x"]
        rows = j.get("rows", 1)
        c = REG.variant(j["op"]).c  # the C enum suffix
        k = j["kind"]
        op = {self.ROWS: self.row, self.GATED: self.gated, self.GATED_BWD: self.gated,
              self.MAP2: self.map2, self.ROWS2: self.row2}.get(k, self.map)[c]
        prm = ((0.0,) * 4 if k in (self.ROWS, self.GATED, self.GATED_BWD, self.ROWS2)
               else kparams(j["op"], j.get("params")))
        if k in (self.MAP2, self.ROWS2):  # backward jobs: dy then x
            cols = x.size // 2 // rows
        else:
            cols = j.get("cols", x.size // rows)
        return struct.pack(JOB, 0x4A584146, k, op, self.dtype[DT[x.dtype]], self.isa[j["isa"]],
                           j.get("threads", 1), j.get("offset", 0), j.get("inplace", 0),
                           rows, cols, *prm)

    def run(self, jobs):
        q = queue.Queue(maxsize=4)
        err = []

        def feed():
            try:
                for j in jobs:
                    j["x"] = np.ascontiguousarray(j["x"])
                    q.put(j)
                    self.p.stdin.write(self._header(j))
                    self.p.stdin.write(j["x"].tobytes())
                    self.p.stdin.flush()
            except Exception as e:  # pragma: no cover - reported by the reader
                err.append(e)
            q.put(None)

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        while True:
            j = q.get()
            if j is None:
                break
            hdr = self.p.stdout.read(16)
            if len(hdr) != 16:
                raise RuntimeError("aarch64 runner died (exit %s)" % self.p.poll())
            magic, active, guard, xchg = struct.unpack("<4i", hdr)
            x = j["x"]
            if j["kind"] == self.GATED_BWD:  # x (rows x cols) then dy -> dx (rows x cols)
                rows = j.get("rows", 1)
                y = np.frombuffer(self.p.stdout.read(rows * j["cols"] * x.itemsize), dtype=x.dtype).reshape(rows, -1)
            elif j["kind"] == self.GATED:  # rows blocks of 2n -> rows blocks of n
                rows = j.get("rows", 1)
                y = np.frombuffer(self.p.stdout.read(x.nbytes // 2), dtype=x.dtype).reshape(rows, -1)
            elif j["kind"] in (self.MAP2, self.ROWS2):  # dx has the shape of one of the two inputs
                y = np.frombuffer(self.p.stdout.read(x.nbytes // 2), dtype=x.dtype).reshape(x.shape[1:])
            else:
                y = np.frombuffer(self.p.stdout.read(x.nbytes), dtype=x.dtype).reshape(x.shape)
            self.jobs += 1
            yield j, y, {"active": self.names[active], "guard": guard, "x_changed": xchg}
        t.join()
        if err:
            raise err[0]

    def one(self, **j):
        return next(iter(self.run([j])))[1:]

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# --------------------------------------------------------------------------
# the x86 side
# --------------------------------------------------------------------------

def x86_map(op, x, isa, params=None):
    fa._core.set_isa(isa)
    return REG.call(REG.variant(op), x, params, num_threads=1)


def x86_rows(op, x, isa):
    fa._core.set_isa(isa)
    return REG.call(REG.variant(op), x, num_threads=1)


def bitdiff(a, b):
    """Mask of elements whose bits differ (any NaN equals any NaN)."""
    u = "u%d" % a.dtype.itemsize
    d = a.view(u) != b.view(u)
    with np.errstate(invalid="ignore"):
        d &= ~(np.isnan(a) & np.isnan(b))
    return d


def nanbits(a, b):
    """Elements where both are NaN but the bits differ (a NaN's sign or payload)."""
    u = "u%d" % a.dtype.itemsize
    with np.errstate(invalid="ignore"):
        return int(((a.view(u) != b.view(u)) & np.isnan(a) & np.isnan(b)).sum())


def _nan_note(nb, what):
    """One line: NaN results whose bits differ from x86 (informational, not a failure)."""
    parts = [f"{k} {v}" for k, v in nb.items() if v]
    print(f"  NaN results whose sign/payload bits differ from x86 {what}: " + (", ".join(parts) or "none")
          + (" (NaN inputs only; docs/aarch64.md explains)" if parts else ""), flush=True)


def ulpdiff(a, b):
    """max |a - b| in ulp of b (in b's dtype) over elements where both are finite (0 if none)."""
    fin = np.isfinite(b) & np.isfinite(a)
    if not fin.any():
        return 0.0
    a, b = a[fin], b[fin]
    sp = np.spacing(np.maximum(np.abs(b), np.finfo(b.dtype).tiny)).astype(np.float64)
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)) / sp))


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.failures = []
        self.data = {}

    def fail(self, msg):
        self.failures.append(msg)
        print("  FAIL: " + msg, flush=True)

    def check(self, ok, msg):
        if not ok:
            self.fail(msg)
        return ok


def tail_pool(dtype):
    """64 values: the special values, then thresholds and random values
    (16-bit types: the float32 pool rounded)."""
    from _helpers import special_values, value_pool
    if np.dtype(dtype).itemsize == 2:
        with np.errstate(all="ignore"):
            return tail_pool(np.float32).astype(dtype)
    sp = special_values(dtype)
    rng = np.random.default_rng(64)
    rest = value_pool(dtype)[len(sp):]
    return np.concatenate([sp, rng.choice(rest, 64 - len(sp), replace=False)]).astype(dtype)


def sec_tails(R, rep, levels, x86):
    print("\n== 2. tails, offsets, in place, non-temporal kernel, guards, threads ==", flush=True)
    NMAX = 40
    summary = {}
    for level in levels:
        for dtype in DTYPES + tuple(dtypes16()):
            pool = tail_pool(dtype)
            for op in MAP_OPS:
                yfull, res = R.one(kind=R.MAP, op=op, isa=level, x=pool)
                rep.check(res["active"] == level, f"{level} not active ({res['active']})")
                xd = {isa: x86_map(op, pool, isa) for isa in x86}
                for isa in x86:
                    d = int(bitdiff(yfull, xd[isa]).sum())
                    rep.check(d == 0, f"{op} {DT[pool.dtype]} {level}: {d} of 64 pool results differ from x86 {isa}")

                def jobs():
                    for n in range(NMAX + 1):
                        for kind, offs, inpl in ((R.MAP, (0, 1), (0, 1)), (R.MAP_NT, (0, 1, 2, 3), (0,))):
                            for off in offs:
                                for ip in inpl:
                                    s = (3 * n + off) % (64 - n) if n < 64 else 0
                                    yield dict(kind=kind, op=op, isa=level, x=pool[s:s + n], offset=off,
                                               inplace=ip, s=s)
                bad = nanbits = guard = xchg = cnt = 0
                for j, y, res in R.run(jobs()):
                    cnt += 1
                    s, n = j["s"], j["x"].size
                    exp = yfull[s:s + n]
                    if bitdiff(y, exp).any():
                        bad += 1
                    elif (y.view("u%d" % y.itemsize) != exp.view("u%d" % y.itemsize)).any():
                        nanbits += 1  # a NaN result with other sign/payload bits: not an error
                    guard += res["guard"] > 0
                    xchg += res["x_changed"] > 0
                key = f"{op} {DT[pool.dtype]} {level}"
                summary[key] = dict(jobs=cnt, position_dependent=bad, guard=guard, x_changed=xchg,
                                    nan_bits=nanbits)
                rep.check(bad == 0 and guard == 0 and xchg == 0,
                          f"tails {key}: {bad} position-dependent, {guard} wrote outside y, {xchg} changed x")
        mine = {k: v for k, v in summary.items() if k.endswith(" " + level)}
        nanpos = ", ".join(f"{k} ({v['nan_bits']} calls)" for k, v in mine.items() if v["nan_bits"]) or "none"
        print(f"  {level}: {len(MAP_OPS)} ops x {len(DTYPES) + len(dtypes16())} dtypes x lengths 0..{NMAX} x (fa_map at 2 offsets, "
              f"in/out of place; NT kernel at 4 offsets): {sum(v['jobs'] for v in mine.values())} calls, "
              f"position-dependent {sum(v['position_dependent'] for v in mine.values())}, "
              f"writes outside y {sum(v['guard'] for v in mine.values())}, "
              f"x modified {sum(v['x_changed'] for v in mine.values())}; "
              f"NaN results with position-dependent sign/payload bits: {nanpos}", flush=True)
    # threads and the parallel driver's non-temporal path (> 8 MB out of place)
    rng = np.random.default_rng(3)
    for dtype in DTYPES:
        n = (3 << 20) if dtype == np.float32 else (3 << 19)
        x = (rng.standard_normal(n) * 20).astype(dtype)
        for op in MAP_OPS:
            y1, _ = R.one(kind=R.MAP, op=op, isa=levels[0], x=x, threads=1)
            y2, res = R.one(kind=R.MAP, op=op, isa=levels[0], x=x, threads=2)
            yx = x86_map(op, x, x86[0])
            d12 = int(bitdiff(y1, y2).sum())
            dx = int(bitdiff(y2, yx).sum())
            rep.check(d12 == 0 and dx == 0 and res["guard"] == 0,
                      f"threads {op} {DT[x.dtype]} n={n}: 1 vs 2 threads differ in {d12}, vs x86 {dx}")
    print(f"  {levels[0]}, n = 3M float32 / 1.5M float64 (non-temporal path), 1 vs 2 threads and vs x86 {x86[0]}: "
          f"checked for every op", flush=True)
    rep.data["tails"] = summary


def sec_config(R, rep):
    print("\n== 1. configuration ==", flush=True)
    print(f"  compiled levels: {', '.join(R.compiled)}; supported: {', '.join(R.supported)}; "
          f"fa_init() selects: {R.active}", flush=True)
    rep.check(R.active == "neon", f"fa_init selects {R.active}, not neon")
    rep.data["config"] = dict(compiled=R.compiled, supported=R.supported, active=R.active)


def _f32_stats(op, x, ys):
    import accuracy as A
    prep = A.Prepared32(op, x)
    return {k: A.check(prep, y) for k, y in ys.items()}


def _f64_expected_exact(op, x):
    with np.errstate(all="ignore"):
        return REG.variant(op).ref(x)  # the registry's exact formula, in the input dtype


def _merge(acc, key, st):
    import accuracy as A
    if key in acc:
        A.merge(acc[key], st)
    else:
        acc[key] = st


def _fmt_stats(st, op, x64=False):
    if op in EXACT:
        return "exact" if st["exact_mismatch"] == 0 else f"{st['exact_mismatch']} mismatches"
    return f"{st['max_ulp']:.3f}"


def _special_count(st):
    return sum(st[k] for k in ("nan_unexpected", "inf_unexpected", "nan_not_propagated", "inf_input_wrong",
                               "exact_mismatch"))


def _judge(rep, st, what, op):
    if op in EXACT:
        rep.check(st["exact_mismatch"] == 0, f"{what}: {st['exact_mismatch']} inexact results")
        return
    rep.check(st["max_ulp"] <= BOUND_ULP, f"{what}: max {st['max_ulp']:.3f} ulp > {BOUND_ULP}")
    rep.check(st["sub_max"] <= SUB_BOUND, f"{what}: subnormal-range error {st['sub_max']:.3f} > {SUB_BOUND}")
    rep.check(st["sub_flushed"] == 0, f"{what}: {st['sub_flushed']} flushed subnormal results")
    rep.check(_special_count(st) == 0, f"{what}: {_special_count(st)} special-value mismatches")


def _print_acc_table(title, stats, diffs, levels, x86, ops, fmtx):
    print(title)
    hdr = f"  {'op':11s} {'level':10s} {'inputs':>10s} {'max ulp':>8s} {'worst input':>30s} {'<=1ulp %':>9s} " \
          f"{'sub err':>7s} {'spec.':>5s}" + "".join(f" {'!=' + i:>9s}" for i in x86)
    print(hdr)
    for op in ops:
        for t in list(levels) + ["x86 " + i for i in x86]:
            st = stats.get((op, t))
            if st is None:
                continue
            d = "".join(f" {diffs.get((op, t, i), ''):>9}" for i in x86) if not t.startswith("x86") else ""
            cum1 = st["cum"][1] if len(st["cum"]) > 1 else 0
            pct1 = f"{100.0 * cum1 / st['n_normal']:.4f}" if st["n_normal"] and op in SMOOTH else "-"
            print(f"  {op:11s} {t:10s} {st['n']:>10d} {_fmt_stats(st, op):>8s} "
                  f"{fmtx(st['max_ulp_x']) if op in SMOOTH else '-':>30s} {pct1:>9s} "
                  f"{st['sub_max'] if op in SMOOTH else 0:7.3f} {_special_count(st):>5d}{d}")


def sec_special(R, rep, levels, x86):
    print("\n== 3. special values and thresholds (tests/_helpers.value_pool) ==", flush=True)
    import accuracy as A
    import accuracy_f64 as A64
    from _helpers import special_values, value_pool
    out = {}
    for dtype in DTYPES:
        pool = value_pool(dtype)
        nsp = len(special_values(dtype))
        for op in MAP_OPS:
            ys = {}
            for level in levels:
                ys[level], _ = R.one(kind=R.MAP, op=op, isa=level, x=pool)
            for isa in x86:
                yx = x86_map(op, pool, isa)
                for level in levels:
                    d = bitdiff(ys[level], yx)
                    out[(op, DT[pool.dtype], level, isa)] = int(d.sum())
                    rep.check(not d.any(), f"{op} {DT[pool.dtype]} {level}: {int(d.sum())} of {pool.size} pool "
                                           f"values differ from x86 {isa}, e.g. x={pool[d][:4].tolist()}")
                ys["x86 " + isa] = yx
            # against the oracles
            if dtype == np.float32:
                sts = _f32_stats(op, pool, ys)
            elif op in SMOOTH:
                prep = A64.Prepared64(op, pool, *A64.mp_oracle(op, pool))
                sts = {t: A.check(prep, y) for t, y in ys.items()}
            else:
                sts = {}
                for t, y in ys.items():
                    sts[t] = st = A.new_stats()
                    st["n"] = pool.size
                    st["exact_mismatch"] = int(bitdiff(y, _f64_expected_exact(op, pool)).sum())
            for t, st in sts.items():
                if not t.startswith("x86"):
                    _judge(rep, st, f"value pool {op} {DT[pool.dtype]} {t}", op)
                out[(op, DT[pool.dtype], t, "acc")] = _fmt_stats(st, op)
            # the registry's other parameter sets (leaky_relu slopes, softplus beta/threshold): bits vs x86
            for params in REG.cases(REG.variant(op))[1:]:
                label = op + "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
                for level in levels:
                    y, _ = R.one(kind=R.MAP, op=op, isa=level, x=pool, params=params)
                    for isa in x86:
                        d = bitdiff(y, x86_map(op, pool, isa, params))
                        out[(label, DT[pool.dtype], level, isa)] = int(d.sum())
                        rep.check(not d.any(), f"{label} {DT[pool.dtype]} {level}: {int(d.sum())} of {pool.size} "
                                               f"pool values differ from x86 {isa}")
        ncase = sum(len(REG.cases(REG.variant(op))) for op in MAP_OPS)
        print(f"  {DT[np.dtype(dtype)]}: {pool.size} values ({nsp} special values first) x {len(MAP_OPS)} ops "
              f"({ncase} parameter sets): "
              f"bits differing from x86 " + ", ".join(
                  f"{lv} vs {isa}: {sum(v for k, v in out.items() if k[1] == DT[np.dtype(dtype)] and k[2] == lv and k[3] == isa)}"
                  for lv in levels for isa in x86), flush=True)
    # the table of named special values (level neon)
    names = ["nan", "+inf", "-inf", "+0", "-0", "max", "-max", "min_sub", "-min_sub"]
    for dtype in DTYPES:
        fi = np.finfo(dtype)
        v = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, fi.max, -fi.max, fi.smallest_subnormal,
                      -fi.smallest_subnormal], dtype=dtype)
        print(f"  neon {DT[np.dtype(dtype)]} results: " + " | ".join(names))
        for op in MAP_OPS:
            y, _ = R.one(kind=R.MAP, op=op, isa="neon", x=v)
            same = all(not bitdiff(y, x86_map(op, v, isa)).any() for isa in x86)
            print(f"    {op:12s} " + " | ".join(f"{float(a):.3g}" for a in y)
                  + ("   (= x86 " + "/".join(x86) + ")" if same else "   DIFFERS FROM x86"))
    rep.data["special"] = {"|".join(k): v for k, v in out.items()}


def sec_f32(R, rep, levels, x86, step, chunk):
    import accuracy as A
    print(f"\n== 4. float32, every {step}th bit pattern + {len(A.SPECIAL_BITS)} special patterns "
          f"(oracle: benchmarks/accuracy.py) ==", flush=True)
    total = (2 ** 32 + step - 1) // step
    stats, diffs, nb = {}, {}, {}
    t0 = time.time()
    chunks = [(None, None)] + [(i, min(i + chunk, total)) for i in range(0, total, chunk)]

    def jobs():
        for op in MAP_OPS:
            for c in chunks:
                x = (np.array(A.SPECIAL_BITS, dtype=np.uint32) if c[0] is None
                     else A._chunk_bits(0, step, c[0], c[1])).view(np.float32)
                for level in levels:
                    yield dict(kind=R.MAP, op=op, isa=level, x=x, threads=1, chunk=c)

    pending = {}
    with np.errstate(all="ignore"):
        for j, y, res in R.run(jobs()):
            rep.check(res["active"] == j["isa"] and res["guard"] == 0, f"f32 dense {j['op']}: runner problem {res}")
            op, c = j["op"], j["chunk"]
            pending[j["isa"]] = y.copy()
            if len(pending) < len(levels):
                continue
            x = j["x"]
            ys = dict(pending)
            pending = {}
            for isa in x86:
                yx = x86_map(op, x, isa)
                for level in levels:
                    diffs[(op, level, isa)] = diffs.get((op, level, isa), 0) + int(bitdiff(ys[level], yx).sum())
                    if isa == x86[0]:
                        nb[f"{op}/{level}"] = nb.get(f"{op}/{level}", 0) + nanbits(ys[level], yx)
                ys["x86 " + isa] = yx
            for t, st in _f32_stats(op, x, ys).items():
                _merge(stats, (op, t), st)
            if c[1] == total:
                print(f"  {op}: done ({time.time() - t0:.0f} s)", flush=True)
    for op in MAP_OPS:
        for level in levels:
            _judge(rep, stats[(op, level)], f"f32 dense {op} {level}", op)
            for isa in x86:
                rep.check(diffs[(op, level, isa)] == 0,
                          f"f32 dense {op} {level}: {diffs[(op, level, isa)]} results differ from x86 {isa}")
    _print_acc_table(f"  ({time.time() - t0:.0f} s; sub err in units of 2^-149; spec. = special-value mismatches; "
                     f"!=isa = results whose bits differ from that x86 level)", stats, diffs, levels, x86,
                     MAP_OPS, A.fmt_x)
    _nan_note(nb, x86[0])
    rep.data["f32"] = dict(step=step, nan_bits=nb, stats={"|".join(k): v for k, v in stats.items()},
                           diffs={"|".join(k): v for k, v in diffs.items()})


def sec_f64(R, rep, levels, x86, n64):
    import accuracy as A
    import accuracy_f64 as A64
    print(f"\n== 5. float64: benchmarks/accuracy_f64.py sample ({n64} points per region and sign) vs mpmath, "
          f"and 1.6M values bit for bit ==", flush=True)
    t0 = time.time()
    stats, diffs = {}, {}
    for op in SMOOTH:
        x, _ = A64.sample(op, n64)
        ys = {}
        for level in levels:
            ys[level], _ = R.one(kind=R.MAP, op=op, isa=level, x=x)
        for isa in x86:
            yx = x86_map(op, x, isa)
            for level in levels:
                diffs[(op, level, isa)] = int(bitdiff(ys[level], yx).sum())
            ys["x86 " + isa] = yx
        hi, lo_s, lo_sub = A64.mp_oracle(op, x)
        prep = A64.Prepared64(op, x, hi, lo_s, lo_sub)
        for t, y in ys.items():
            stats[(op, t)] = A.check(prep, y)
        for level in levels:
            _judge(rep, stats[(op, level)], f"f64 sample {op} {level}", op)
            for isa in x86:
                rep.check(diffs[(op, level, isa)] == 0,
                          f"f64 sample {op} {level}: {diffs[(op, level, isa)]} results differ from x86 {isa}")
    _print_acc_table(f"  ({time.time() - t0:.0f} s; sub err in units of 2^-1074)", stats, diffs, levels, x86,
                     SMOOTH, A64.fmt_x64)
    # bitwise on a large set (tools/bitwise_dump.py's float64 inputs)
    rng = np.random.default_rng(97)
    parts = [rng.standard_normal(200_000) * s for s in (1, 3, 10, 30)]
    parts += [rng.uniform(-800, 800, 200_000), rng.uniform(-40, 40, 200_000)]
    parts.append(rng.integers(0, 2**64, 400_000, dtype=np.uint64).view(np.float64))
    parts.append(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e-310, 1e308, -1e308]))
    xb = np.concatenate(parts)
    bd, nb = {}, {}
    with np.errstate(all="ignore"):
        for op in MAP_OPS:
            for level in levels:
                y, _ = R.one(kind=R.MAP, op=op, isa=level, x=xb)
                for isa in x86:
                    yx = x86_map(op, xb, isa)
                    bd[(op, level, isa)] = d = int(bitdiff(y, yx).sum())
                    if isa == x86[0]:
                        nb[f"{op}/{level}"] = nanbits(y, yx)
                    rep.check(d == 0, f"f64 bitwise {op} {level}: {d} of {xb.size} differ from x86 {isa}")
    print(f"  bit for bit on {xb.size} float64 values, results differing from x86: " + ", ".join(
        f"{lv} vs {isa}: {sum(v for k, v in bd.items() if k[1] == lv and k[2] == isa)}" for lv in levels for isa in x86))
    _nan_note(nb, f"{x86[0]} on those values")
    rep.data["f64"] = dict(n64=n64, stats={"|".join(k): v for k, v in stats.items()},
                           diffs={"|".join(k): v for k, v in diffs.items()},
                           bitwise={"|".join(k): v for k, v in bd.items()})


def _rows_cases(dtype):
    rng = np.random.default_rng(11)
    cases = []
    for cols in list(range(1, 18)) + [31, 32, 33, 63, 64, 65, 127, 128, 129, 1000]:
        cases.append((f"N(0,5) 3x{cols}", (rng.standard_normal((3, cols)) * 5).astype(dtype), (1,)))
    for cols in (16383, 16384, 16385, 40000):
        cases.append((f"N(0,5) 2x{cols} (blocked)", (rng.standard_normal((2, cols)) * 5).astype(dtype), (1, 2)))
    cases.append(("N(0,5) 400x1000", (rng.standard_normal((400, 1000)) * 5).astype(dtype), (1, 2)))
    sp = []
    base = rng.standard_normal(37)
    for v in (np.nan, np.inf, -np.inf):
        r = base.copy()
        r[5] = v
        sp.append(r)
    sp.append(np.full(37, -np.inf))
    r = base.copy()
    r[[0, 9]] = -np.inf
    sp.append(r)
    sp.append(np.where(np.arange(37) % 2 == 0, 0.0, -0.0))
    r = base.copy()
    r[3] = 50.0
    sp.append(r)
    sp.append(np.linspace(-100 if dtype == np.float32 else -1400, 0, 37))
    cases.append(("special rows (NaN, +inf, -inf, all -inf, +-0, dominant, spread)", np.array(sp).astype(dtype),
                  (1,)))
    return cases


def sec_rows(R, rep, levels, x86):
    from _helpers import check_softmax
    print("\n== 6. softmax / log_softmax (bounds of tests/test_softmax.py) ==", flush=True)
    res_all = {}
    for level in levels:
        for op in ROW_OPS:
            for dtype in DTYPES:
                nbad, ncase, thr, nel = 0, 0, 0, 0
                nd, mu = {i: 0 for i in x86 + ["x86"]}, {i: 0.0 for i in x86 + ["x86"]}
                for name, x, threads in _rows_cases(dtype):
                    ref_y = None
                    nel += x.size
                    for th in threads:
                        y, res = R.one(kind=R.ROWS, op=op, isa=level, x=x, rows=x.shape[0], threads=th)
                        ncase += 1
                        rep.check(res["guard"] == 0 and res["x_changed"] == 0, f"{op} {name}: guard/x {res}")
                        if ref_y is None:
                            ref_y = y.copy()
                        elif bitdiff(ref_y, y).any():
                            thr += 1
                            rep.fail(f"{op} {DT[x.dtype]} {level} {name}: 1 and {th} threads differ")
                        try:
                            with warnings.catch_warnings():
                                warnings.simplefilter("ignore")
                                check_softmax(y, x, -1, log=(op == "log_softmax"), what=name)
                        except AssertionError as e:
                            nbad += 1
                            rep.fail(f"{op} {DT[x.dtype]} {level}: {e}")
                    yxs = {isa: x86_rows(op, x, isa) for isa in x86}
                    if len(x86) > 1:
                        d = bitdiff(yxs[x86[0]], yxs[x86[1]])
                        nd["x86"] += int(d.sum())
                        mu["x86"] = max(mu["x86"], ulpdiff(yxs[x86[0]][d], yxs[x86[1]][d]) if d.any() else 0.0)
                    for isa in x86:
                        yx = yxs[isa]
                        d = bitdiff(ref_y, yx)
                        nd[isa] += int(d.sum())
                        with np.errstate(all="ignore"):
                            mu[isa] = max(mu[isa], ulpdiff(ref_y[d], yx[d]) if d.any() else 0.0)
                key = f"{op} {DT[np.dtype(dtype)]} {level}"
                res_all[key] = dict(calls=ncase, elements=nel, out_of_bound=nbad, thread_dep=thr,
                                    **{f"differ_{i}": nd[i] for i in nd}, **{f"maxulp_{i}": mu[i] for i in mu})
                print(f"  {key:24s} {ncase} calls ({nel} elements), out of bound {nbad}, thread-dependent {thr}; "
                      + "; ".join(f"!= x86 {i}: {nd[i]} (max {mu[i]:.0f} ulp)" for i in x86)
                      + (f"; x86 {x86[0]} != {x86[1]}: {nd['x86']} (max {mu['x86']:.0f} ulp)" if len(x86) > 1 else ""),
                      flush=True)
    rep.data["rows"] = res_all


def sec_16bit(R, rep, levels, x86):
    """float16 / bfloat16: every bit pattern through every op and parameter set,
    and rows: bit for bit the level's float32 result rounded once, and x86."""
    from _helpers import check_softmax  # noqa: F401  (the bounds are the float32 kernel's)
    print("\n== 7. float16 / bfloat16: all 2^16 inputs, every op; rows ==", flush=True)
    out, nb = {}, {}
    for dt in dtypes16():
        x = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(dt)
        with np.errstate(all="ignore"):
            x32 = x.astype(np.float32)
        for op in MAP_OPS:
            for params in REG.cases(REG.variant(op)):
                label = op + ("(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")
                for level in levels:
                    y, res = R.one(kind=R.MAP, op=op, isa=level, x=x, params=params)
                    y32, _ = R.one(kind=R.MAP, op=op, isa=level, x=x32, params=params)
                    with np.errstate(all="ignore"):
                        once = int(bitdiff(y, y32.astype(dt)).sum())
                    out[(label, DT[dt], level, "once")] = once
                    rep.check(once == 0 and res["guard"] == 0,
                              f"{label} {DT[dt]} {level}: {once} results are not the float32 result rounded once")
                    for isa in x86:
                        yx = x86_map(op, x, isa, params)
                        d = int(bitdiff(y, yx).sum())
                        out[(label, DT[dt], level, isa)] = d
                        if isa == x86[0] and not params:
                            nb[f"{op} {DT[dt]}/{level}"] = nanbits(y, yx)
                        rep.check(d == 0, f"{label} {DT[dt]} {level}: {d} of 65536 differ from x86 {isa}")
        rng = np.random.default_rng(16)
        for level in levels:
            nd = {i: 0 for i in x86}
            nel = calls = bad = 0
            for op in ROW_OPS:
                for rows, cols, threads in ((3, 1, (1,)), (3, 7, (1,)), (3, 33, (1,)), (5, 1000, (1, 2)),
                                            (2, 40000, (1, 2))):
                    with np.errstate(all="ignore"):
                        xr = (rng.standard_normal((rows, cols)) * 5).astype(dt)
                        xr32 = xr.astype(np.float32)
                    y32, _ = R.one(kind=R.ROWS, op=op, isa=level, x=xr32, rows=rows)
                    for th in threads:
                        y, res = R.one(kind=R.ROWS, op=op, isa=level, x=xr, rows=rows, threads=th)
                        calls += 1
                        with np.errstate(all="ignore"):
                            b = int(bitdiff(y, y32.astype(dt)).sum())
                        bad += b
                        rep.check(b == 0 and res["guard"] == 0 and res["x_changed"] == 0,
                                  f"{op} {DT[dt]} {level} {rows}x{cols} {th} threads: {b} elements are not the "
                                  f"float32 row rounded once ({res})")
                    nel += xr.size
                    for isa in x86:
                        nd[isa] += int(bitdiff(y, x86_rows(op, xr, isa)).sum())
            out[("rows", DT[dt], level, "once")] = bad
            for isa in x86:
                out[("rows", DT[dt], level, isa)] = nd[isa]
            print(f"  {DT[dt]} {level}: {len(MAP_OPS)} ops, {sum(len(REG.cases(REG.variant(o))) for o in MAP_OPS)} "
                  f"parameter sets x 65536 inputs: not the float32 result rounded once: "
                  f"{sum(v for k, v in out.items() if k[1:] == (DT[dt], level, 'once') and k[0] != 'rows')}; "
                  + ", ".join(f"!= x86 {i}: {sum(v for k, v in out.items() if k[1:] == (DT[dt], level, i) and k[0] != 'rows')}"
                              for i in x86)
                  + f"; rows ({calls} calls, {nel} elements): not the float32 row rounded once: {bad}, "
                  + ", ".join(f"!= x86 {i}: {nd[i]}" for i in x86), flush=True)
    _nan_note(nb, x86[0])
    rep.data["16bit"] = {"|".join(k): v for k, v in out.items()}


def x86_gated(op, x, isa):
    """x86's result for rows blocks of 2n elements (x: shape (rows, 2n))."""
    fa._core.set_isa(isa)
    return REG.call(REG.variant(op), x, num_threads=1)


def sec_gated(R, rep, levels, x86):
    """Gated forms: tails and offsets, threads, dense pairs against the oracles,
    special pairs, 16-bit rounding, differences from x86."""
    import mpmath
    from accuracy_gated import oracle64, sample, ulp_err
    print("\n== 8. gated forms (glu, swiglu, geglu, reglu) ==", flush=True)
    out = {}
    rng = np.random.default_rng(8)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3.0e38, -3.0e38, 1e-40, -1e-40,
                         -87.5, -90.5, -13.5, -10.5, 30.0, -200.0, 5e-3, -800.0, -40.0, -22.0])
    for op in GATED_OPS:
        v = REG.variant(op)
        for dt in (np.float32, np.float64) + tuple(dtypes16()):
            # tails: halves of every length 0..40, offsets 0..3, against a long block
            long = (rng.standard_normal((1, 2 * 96)) * 6).astype(dt)
            for level in levels:
                yl, _ = R.one(kind=R.GATED, op=op, isa=level, x=long, rows=1)
                bad = 0
                for n in range(0, 41):
                    for off in (0, 1, 3):
                        xs = np.concatenate([long[:, :n], long[:, 96:96 + n]], axis=1)
                        y, res = R.one(kind=R.GATED, op=op, isa=level, x=xs, rows=1, offset=off)
                        ok = (res["guard"] == 0 and res["x_changed"] == 0
                              and not bitdiff(y.reshape(-1), yl.reshape(-1)[:n]).any())
                        bad += not ok
                rep.check(bad == 0, f"{op} {DT[dt]} {level}: {bad} tail/offset calls differ or write outside y")
                # threads: 1 and 2 give the same bits (ranges cross the blocks)
                xt = (rng.standard_normal((3, 2 * 40003)) * 6).astype(dt)
                y1, _ = R.one(kind=R.GATED, op=op, isa=level, x=xt, rows=3, threads=1)
                y2, r2 = R.one(kind=R.GATED, op=op, isa=level, x=xt, rows=3, threads=2)
                rep.check(not bitdiff(y1, y2).any() and r2["guard"] == 0, f"{op} {DT[dt]} {level}: threads differ")
            # dense pairs and special pairs
            if np.dtype(dt).itemsize == 2:
                a, b = sample(v, np.float32, 200_000, rng)
                x = np.stack([a, b]).astype(dt)
                with np.errstate(all="ignore"):
                    x32 = x.astype(np.float32)
                for level in levels:
                    y, _ = R.one(kind=R.GATED, op=op, isa=level, x=x, rows=1)
                    y32, _ = R.one(kind=R.GATED, op=op, isa=level, x=x32, rows=1)
                    with np.errstate(all="ignore"):
                        once = int(bitdiff(y, y32.astype(dt)).sum())
                    rep.check(once == 0, f"{op} {DT[dt]} {level}: {once} results not the float32 result rounded once")
                    for isa in x86:
                        d = int(bitdiff(y.reshape(-1), x86_gated(op, x.reshape(1, -1), isa).reshape(-1)).sum())
                        out[(op, DT[dt], level, isa)] = d
                continue
            n = 400_000 if dt == np.float32 else 3000
            a, b = sample(v, dt, n, rng)
            sa, sb = np.meshgrid(specials.astype(dt), specials.astype(dt), indexing="ij")
            a = np.concatenate([a, sa.ravel()])
            b = np.concatenate([b, sb.ravel()])
            x = np.concatenate([a, b])[None, :]  # one block: a then b
            with np.errstate(all="ignore"):
                if dt == np.float32:
                    exact = v.ref(a.astype(np.float64), b.astype(np.float64))
                else:
                    exact = np.concatenate([oracle64(v, a[:n], b[:n]),
                                            REG.reference(v, np.stack([a[n:], b[n:]]), axis=0)[0]])
            for level in levels:
                y, res = R.one(kind=R.GATED, op=op, isa=level, x=x, rows=1)
                y = y.reshape(-1)
                mu, ms, badnf = ulp_err(y, exact, dt)
                out[(op, DT[dt], level, "ulp")] = mu
                rep.check(mu <= BOUND_ULP and ms <= SUB_BOUND and badnf == 0,
                          f"{op} {DT[dt]} {level}: {mu:.2f} ulp, subnormal {ms:.2f}, {badnf} special mismatches")
                for isa in x86:
                    out[(op, DT[dt], level, isa)] = int(bitdiff(y, x86_gated(op, x, isa).reshape(-1)).sum())
        print(f"  {op}: " + "; ".join(
            f"{DT[dt]} {lv}: " + (f"{out[(op, DT[dt], lv, 'ulp')]:.2f} ulp, " if (op, DT[dt], lv, "ulp") in out else "")
            + ", ".join(f"!= {i}: {out[(op, DT[dt], lv, i)]}" for i in x86)
            for dt in (np.float32, np.float64) + tuple(dtypes16()) for lv in levels), flush=True)
    rep.data["gated"] = {"|".join(map(str, k)): v for k, v in out.items()}


def sec_gated_bwd(R, rep, levels, x86):
    """The gated gradients (fa_gated_backward): tails, threads, the x86 bits, the reference."""
    print("\n== 9. gated gradients (glu_backward, ...) ==", flush=True)
    rng = np.random.default_rng(9)
    out = {}
    for v in REG.variants("gated_backward"):
        op = v.name
        for dt in (np.float32, np.float64) + tuple(dtypes16()):
            with np.errstate(all="ignore"):
                x = (rng.standard_normal((3, 2 * 37)) * 5).astype(dt)
                x.reshape(-1)[::13] = np.array([np.nan, np.inf, -np.inf, 0.0, -1.2785, -0.7518, -30.0])[
                    np.arange(x.reshape(-1)[::13].size) % 7].astype(dt)
                dy = (rng.standard_normal((3, 37)) * 2).astype(dt)
            payload = np.concatenate([x.reshape(-1), dy.reshape(-1)])
            for level in levels:
                y, res = R.one(kind=R.GATED_BWD, op=op, isa=level, x=payload, rows=3, cols=2 * 37)
                rep.check(res["guard"] == 0 and res["x_changed"] == 0, f"{op} {DT[dt]} {level}: wrote outside dx")
                for isa in x86:
                    fa._core.set_isa(isa)
                    yx = getattr(fa, v.func)(dy, x, **REG.kwargs(v), num_threads=1)
                    out[(op, DT[dt], level, isa)] = int(bitdiff(y.reshape(-1), yx.reshape(-1)).sum())
                import fastact.reference as fref
                want = getattr(fref, v.func)(dy, x, **REG.kwargs(v))
                with np.errstate(all="ignore"):
                    g32, w32 = y.astype(np.float64), want.astype(np.float64)
                    same = (g32 == w32) | (np.isnan(g32) & np.isnan(w32))
                    sp = np.spacing(np.abs(want).astype(dt)).astype(np.float64)
                    if dt == np.float64:  # the float64 reference is not an ulp oracle (float64 erfc, cancellation)
                        sp = np.maximum(1e-12 * np.abs(w32), 1e-14 * np.nanmax(np.abs(w32[np.isfinite(w32)])))
                    ok = same | (np.abs(g32 - w32) <= sp)
                rep.check(bool(ok.all()), f"{op} {DT[dt]} {level}: {int((~ok).sum())} results off the reference")
                # tails: every length 1..20 of the halves gives the bits of the long block
                bad = 0
                for n in range(1, 21):
                    xs = np.concatenate([x[:1, :n], x[:1, 37:37 + n]], axis=1)
                    pl = np.concatenate([xs.reshape(-1), dy[:1, :n].reshape(-1)])
                    yn, rn = R.one(kind=R.GATED_BWD, op=op, isa=level, x=pl, rows=1, cols=2 * n)
                    ref_bits = np.concatenate([y[:1, :n], y[:1, 37:37 + n]], axis=1)
                    bad += int(bitdiff(yn.reshape(-1), ref_bits.reshape(-1)).sum()) + rn["guard"]
                rep.check(bad == 0, f"{op} {DT[dt]} {level}: tails differ ({bad})")
        print(f"  {op}: " + "; ".join(f"{k[1]} {k[2]} != {k[3]}: {n}" for k, n in out.items() if k[0] == op), flush=True)
    rep.data["gated_bwd"] = {"|".join(map(str, k)): n for k, n in out.items()}
MAP2_OPS = [v.name for v in REG.variants("map2")]
ROW2_OPS = [v.name for v in REG.variants("rows2")]


def _bw_inputs(v, dtype, step):
    """(dy, x) of a backward case: a dense sample of x (outputs y in their range for
    sigmoid/tanh) with the special values crossed with special dy."""
    from _helpers import special_values
    dt = np.dtype(dtype)
    if dt.itemsize == 2:
        bits = np.arange(0, 1 << 16, 3, dtype=np.uint32).astype(np.uint16)
        x = bits.view(dt)
    elif dt == np.float32:
        x = np.arange(0, 1 << 32, step * 37, dtype=np.uint64).astype(np.uint32).view(np.float32)
    else:
        rng0 = np.random.default_rng(8)
        x = (np.exp2(rng0.uniform(-40, 12, 20000)) * rng0.choice([-1, 1], 20000)).astype(np.float64)
    sp = special_values(np.float32 if dt.itemsize == 2 else dt).astype(dt) if dt.itemsize != 2 else x[:0]
    pts = np.array([s * p for p in v.points for s in (1, -1) if abs(p) < 6e4 or dt.itemsize > 2], dtype=np.float64)
    with np.errstate(all="ignore"):
        x = np.concatenate([x, sp, pts.astype(dt)])
    rng = np.random.default_rng(9)
    with np.errstate(all="ignore"):
        dy = (rng.uniform(0.5, 2, x.size) * rng.choice([-1, 1], x.size)).astype(dt)
        sdy = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0], dtype=np.float64).astype(dt)
    gx, gd = np.meshgrid(sp[:64] if sp.size else x[:64], sdy)
    x = np.concatenate([x, gx.reshape(-1)])
    dy = np.concatenate([dy, gd.reshape(-1)])
    if v.name in ("sigmoid_backward", "tanh_backward"):
        lo = 0.0 if v.name == "sigmoid_backward" else -1.0
        keep = ~((x.astype(np.float64) < lo) | (x.astype(np.float64) > 1.0))
        x, dy = x[keep], dy[keep]
    return dy, x


def sec_backward(R, rep, levels, x86, step):
    print("\n== 10. backward ops (map2, rows2) ==", flush=True)
    from fastact._ops import backward as BW
    stats = {}
    for level in levels:
        worst = {}
        for v in REG.variants("map2"):
            for params in REG.cases(v):
                for dtype in DTYPES + tuple(dtypes16()):
                    dy, x = _bw_inputs(v, dtype, step)
                    y, res = R.one(kind=R.MAP2, op=v.name, isa=level, x=np.stack([dy, x]), params=params)
                    rep.check(res["guard"] == 0 and res["x_changed"] == 0,
                              f"{v.name} {DT[x.dtype]} {level}: guard {res['guard']}, x changed {res['x_changed']}")
                    for isa in x86:
                        fa._core.set_isa(isa)
                        yx = fa.__dict__[v.func](dy, x, **REG.kwargs(v, params), num_threads=1)
                        d = int(bitdiff(y, yx).sum())
                        rep.check(d == 0, f"{v.name} {params} {DT[x.dtype]} {level}: {d} of {x.size} differ from x86 {isa}")
                    if v.exact or np.dtype(dtype).itemsize == 2:
                        continue
                    mant = 24 if dtype == np.float32 else 53
                    wide = np.float64 if dtype == np.float32 else np.longdouble
                    pp = {k: float(np.dtype(dtype).type(val)) for k, val in params.items()}
                    with np.errstate(all="ignore"):
                        ex = np.asarray(BW.wide2(v, dy.astype(wide), x.astype(wide), pp), dtype=np.float64)
                        fi = np.finfo(dtype)
                        ok = np.isfinite(ex) & (np.abs(ex) >= fi.tiny) & (np.abs(ex) <= fi.max) & np.isfinite(dy)
                        if mant == 53:
                            ok &= ~BW.near_zero(v, x, dy, ex)
                        _, e = np.frexp(ex)
                        err = np.where(ok, np.abs(y.astype(np.float64) - ex) / np.ldexp(1.0, e - mant), 0)
                    m = float(err.max())
                    # float64: + 2 for the long-double oracle's own error (cancellation at the edge of
                    # the zero windows); the results are bitwise x86's, whose error benchmarks/
                    # accuracy_backward.py measures against mpmath
                    bound = v.ulp["float32" if mant == 24 else "float64"] + (0 if mant == 24 else 2)
                    worst[(v.name, DT[x.dtype])] = max(worst.get((v.name, DT[x.dtype]), 0.0), m)
                    rep.check(m <= bound, f"{v.name} {params} {DT[x.dtype]} {level}: {m:.2f} ulp > {bound}")
            # tails: lengths 0..40 at two offsets, in and out of place (dx = dy), against the long vector
            pool_dy, pool_x = _bw_inputs(v, np.float32, step)
            pool_dy, pool_x = pool_dy[:64], pool_x[:64]
            yfull, _ = R.one(kind=R.MAP2, op=v.name, isa=level, x=np.stack([pool_dy, pool_x]))
            bad = guard = 0

            def jobs():
                for n in range(41):
                    for off in (0, 1):
                        for ip in (0, 1):
                            yield dict(kind=R.MAP2, op=v.name, isa=level, x=np.stack([pool_dy[:n], pool_x[:n]]),
                                       offset=off, inplace=ip)
            for j, y, res in R.run(jobs()):
                n = j["x"].shape[1]
                bad += bool(bitdiff(y, yfull[:n]).any())
                guard += res["guard"] > 0 or res["x_changed"] > 0
            rep.check(bad == 0 and guard == 0, f"tails {v.name} {level}: {bad} position-dependent, {guard} guard/x")
        # threads
        rng = np.random.default_rng(4)
        xx = (rng.standard_normal(1 << 20) * 5).astype(np.float32)
        gg = rng.standard_normal(1 << 20).astype(np.float32)
        for op in MAP2_OPS:
            y1, _ = R.one(kind=R.MAP2, op=op, isa=level, x=np.stack([gg, xx]), threads=1)
            y2, res = R.one(kind=R.MAP2, op=op, isa=level, x=np.stack([gg, xx]), threads=2)
            rep.check(not bitdiff(y1, y2).any() and res["guard"] == 0, f"threads {op} {level}: 1 vs 2 differ")
        # rows
        rw = {}
        for v in REG.variants("rows2"):
            fwd = fa.softmax if v.name == "softmax_backward" else fa.log_softmax
            for dtype in DTYPES:
                eps = np.finfo(dtype).eps / 2
                m = 0.0
                ndiff = 0
                for n in (1, 2, 3, 5, 8, 17, 64, 129, 1000, 20000):
                    for spread in (1.0, 30.0):
                        yv = fwd((rng.standard_normal((3, n)) * spread).astype(dtype))
                        g = rng.standard_normal((3, n)).astype(dtype)
                        r, res = R.one(kind=R.ROWS2, op=v.name, isa=level, x=np.stack([g, yv]), rows=3)
                        r = r.reshape(3, n)
                        rep.check(res["guard"] == 0 and res["x_changed"] == 0, f"{v.name} rows guard")
                        wide = np.float64 if dtype == np.float32 else np.longdouble
                        ex = np.asarray(v.ref(g.astype(wide), yv.astype(wide), axis=-1), dtype=np.float64)
                        if v.name == "softmax_backward":
                            sc = np.abs(yv).max(-1, keepdims=True) * np.abs(g).max(-1, keepdims=True)
                        else:
                            sc = np.abs(g).max(-1, keepdims=True) + np.abs(g.astype(np.float64).sum(-1, keepdims=True)) \
                                * np.exp(yv.astype(np.float64)).max(-1, keepdims=True)
                        m = max(m, float(np.max(np.abs(r - ex) / (sc * eps))))
                        fa._core.set_isa(x86[0])
                        ndiff += int(bitdiff(r, fa.__dict__[v.func](g, yv, num_threads=1)).sum())
                rw[(v.name, DT[np.dtype(dtype)])] = (m, ndiff)
                rep.check(m <= 4.0, f"{v.name} {DT[np.dtype(dtype)]} {level}: {m:.2f} ulp of the row's scale > 4")
        print(f"  {level}: {len(MAP2_OPS)} map2 ops x parameter sets x 4 dtypes, bit for bit vs x86 "
              f"{', '.join(x86)}; max ulp (float32 vs float64 oracle, float64 vs long double away from f' zeros):",
              flush=True)
        for (op, dt), m in worst.items():
            print(f"    {op:<24} {dt}: {m:.2f}")
        for (op, dt), (m, nd) in rw.items():
            print(f"    {op:<24} {dt}: {m:.2f} ulp of the row's scale ({nd} results differ from x86 {x86[0]})")
        stats[level] = {"map2": {f"{k[0]} {k[1]}": m for k, m in worst.items()},
                        "rows2": {f"{k[0]} {k[1]}": list(m) for k, m in rw.items()}}
    rep.data["backward"] = stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--levels", default="neon,scalar", help="aarch64 levels to check (default neon,scalar)")
    ap.add_argument("--x86", default=None,
                    help="x86 levels to compare with (default: avx512 and avx2, those this CPU runs)")
    ap.add_argument("--step", type=int, default=9973, help="float32 bit-pattern stride (default 9973; 97 = dense)")
    ap.add_argument("--chunk", type=int, default=1 << 22, help="float32 inputs per job")
    ap.add_argument("--n64", type=int, default=2000, help="float64 points per region and sign (default 2000)")
    ap.add_argument("--sections", default="config,tails,special,f32,f64,rows,16bit,gated,gated_bwd,backward")
    ap.add_argument("--cc", default="aarch64-linux-gnu-gcc",
                    help="aarch64 C compiler command (e.g. 'clang-19 --target=aarch64-linux-gnu', with --no-openmp)")
    ap.add_argument("--no-openmp", action="store_true", help="build without OpenMP (clang has no aarch64 libomp here)")
    ap.add_argument("--qemu", default="qemu-aarch64-static")
    ap.add_argument("--exe", help="use this aarch64 xcheck binary instead of building one")
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    global fa
    import fastact as fa
    levels = [s for s in args.levels.split(",") if s]
    have = fa._core.isa_supported()
    if args.x86 is None:  # an AVX2-only CPU compares with avx2 alone
        args.x86 = ",".join(i for i in ("avx512", "avx2") if i in have)
    x86 = [s for s in args.x86.split(",") if s]
    if not x86:
        sys.exit(f"no FMA x86 level to compare with (this machine has {have}); pass --x86")
    missing = [i for i in x86 if i not in have]
    if missing:
        sys.exit(f"this machine/build lacks x86 level(s) {missing} (has {have}); pass --x86")
    t0 = time.time()
    rep = Report()
    prev = fa._core.get_isa()
    with tempfile.TemporaryDirectory() as tmp:
        exe = args.exe
        print(f"fastact (x86-64 side): {os.path.relpath(fa.__file__, ROOT)}; levels {', '.join(have)}")
        if not exe:
            exe = os.path.join(tmp, "xcheck")
            print("build: " + build(exe, args.cc, not args.no_openmp))
        R = Runner(args.qemu, exe)
        secs = args.sections.split(",")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if "config" in secs:
                    sec_config(R, rep)
                if "tails" in secs:
                    sec_tails(R, rep, levels, x86)
                if "special" in secs:
                    sec_special(R, rep, levels, x86)
                if "f32" in secs:
                    sec_f32(R, rep, levels, x86, args.step, args.chunk)
                if "f64" in secs:
                    sec_f64(R, rep, levels, x86, args.n64)
                if "rows" in secs:
                    sec_rows(R, rep, levels, x86)
                if "16bit" in secs:
                    sec_16bit(R, rep, levels, x86)
                if "gated" in secs:
                    sec_gated(R, rep, levels, x86)
                if "gated_bwd" in secs:
                    sec_gated_bwd(R, rep, levels, x86)
                if "backward" in secs:
                    sec_backward(R, rep, levels, x86, args.step)
        finally:
            R.close()
            fa._core.set_isa(prev)
    el = time.time() - t0
    print(f"\n{R.jobs} calls under qemu, {el:.0f} s; "
          + ("ALL CHECKS PASSED" if not rep.failures else f"{len(rep.failures)} FAILURES"))
    if args.json:
        rep.data.update(levels=levels, x86=x86, seconds=el, failures=rep.failures)
        with open(args.json, "w") as f:
            json.dump(rep.data, f, indent=1, default=str)
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
