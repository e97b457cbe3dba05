#!/usr/bin/env python3
"""Model the aarch64 loops with llvm-mca: cycles per element, NEON level
against the portable (scalar) level, every op and dtype.

There is no aarch64 hardware here, so speed is modelled, not measured:

 1. build the aarch64 job runner of tools/check_aarch64.py (static, the
    flags of setup.py);
 2. run one call per op x dtype x level (one thread, N(0, 3) data: --n
    elements for the elementwise ops, one row of --row-n for softmax and
    log_softmax) under `qemu-aarch64-static -singlestep -d exec,nochain`,
    which logs the address of every executed instruction;
 3. keep every instruction executed in the level's kernels for that call
    (the functions fa_*_<dtype>_<level>: the elementwise kernel with its
    constant setup and tail; the row kernel with its max, exp-sum and final
    passes; libm's log1p, once per row, is left out): the executed path, so
    the portable loop's data-dependent branches are followed as taken and
    perfectly predicted (the model is optimistic for the portable level);
 4. llvm-objdump that code, feed the trace to `llvm-mca -mtriple=aarch64
    -mcpu=<cpu> -iterations=1` and divide its total cycles by the elements
    processed (the whole call: independent of how the compiler unrolled or
    vectorized the loops).
llvm-mca assumes L1-resident data and an ideal front end.  Its models:
LLVM 14 (llvm-mca-14, the default) schedules -mcpu=neoverse-n1 with the
Cortex-A57 model (64-bit FP pipes: every 128-bit operation is two uops)
and apple-m1 with the Cyclone (Apple A7) model; LLVM 17+ (e.g. Debian's
llvm-mca-19, --mca llvm-mca-14,llvm-mca-19) has a real Neoverse N1 model.

    python tools/mca_aarch64.py                                  # ~1 min
    python tools/mca_aarch64.py --mca llvm-mca-14,llvm-mca-19 --keep /tmp/mca
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_aarch64 as X  # noqa: E402  (build() and the job format)

BRANCH = re.compile(r"^(b|bl|b\.\w+|cbz|cbnz|tbz|tbnz)$")


def disasm(exe, sym, objdump):
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", "--disassemble-symbols=" + sym, exe],
                         capture_output=True, text=True, check=True).stdout
    ins = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m:
            ins[int(m.group(1), 16)] = (m.group(2), m.group(3).strip())
    return ins


def symbols(exe, nm):
    out = subprocess.run([nm, "-S", "--defined-only", exe], capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4:
            res[f[3]] = (int(f[0], 16), int(f[1], 16))
    return res


def trace(exe, qemu, job, tmp):
    jf, lf = os.path.join(tmp, "job.bin"), os.path.join(tmp, "trace.log")
    with open(jf, "wb") as f:
        f.write(job)
    with open(jf, "rb") as fin:
        subprocess.run([qemu, "-singlestep", "-d", "exec,nochain", "-D", lf, exe], stdin=fin,
                       stdout=subprocess.DEVNULL, check=True)
    pcs = []
    pat = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
    with open(lf) as f:
        for line in f:
            m = pat.match(line)
            if m:
                pcs.append(int(m.group(1), 16))
    os.unlink(lf)
    return pcs


def mca_input(seg, ins):
    lines = [".Lloop:"]
    for pc in seg:
        mn, ops = ins[pc]
        ops = re.sub(r"\s*<[^>]*>", "", ops)  # objdump's symbol annotations
        if mn in ("adrp", "adr"):  # address of a constant: any label will do
            ops = ops.split(",")[0] + ", .Lloop"
        elif BRANCH.match(mn):
            # keep the branch (it occupies a branch unit), pointing at a local label
            if mn in ("cbz", "cbnz"):
                ops = ops.split(",")[0] + ", .Lloop"
            elif mn in ("tbz", "tbnz"):
                ops = ",".join(ops.split(",")[:2]) + ", .Lloop"
            else:
                ops = ".Lloop"
        lines.append(f"\t{mn}\t{ops}")
    return "\n".join(lines) + "\n"


def run_mca(mca, cpu, text, path, reps):
    with open(path, "w") as f:
        f.write(text)
    out = subprocess.run([mca, "-mtriple=aarch64", "-mcpu=" + cpu, "-iterations=%d" % reps, path],
                         capture_output=True, text=True, check=True).stdout
    cyc = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    uops = int(re.search(r"Total uOps:\s+(\d+)", out).group(1))
    return cyc, uops


def name(cpu):
    """column label of an (mca binary, cpu) model: 'neoverse-n1' or 'neoverse-n1 (llvm-mca-19)'"""
    m = re.search(r"(\d+)$", cpu[0])
    return cpu[1] if m is None or m.group(1) == "14" else f"{cpu[1]} ({os.path.basename(cpu[0])})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpus", default="neoverse-n1,apple-m1")
    ap.add_argument("--levels", default="neon,scalar")
    ap.add_argument("--ops", default=",".join(X.MAP_OPS + X.ROW_OPS))
    ap.add_argument("--row-n", type=int, default=1000, help="row length for softmax/log_softmax (default 1000)")
    ap.add_argument("--n", type=int, default=2048, help="elements per traced elementwise call (default 2048)")
    ap.add_argument("--cc", default="aarch64-linux-gnu-gcc", help="see tools/check_aarch64.py --cc")
    ap.add_argument("--no-openmp", action="store_true")
    ap.add_argument("--qemu", default="qemu-aarch64-static")
    ap.add_argument("--mca", default="llvm-mca-14",
                    help="llvm-mca binaries, comma-separated (e.g. llvm-mca-14,llvm-mca-19: LLVM 14 models "
                         "neoverse-n1 with the Cortex-A57 model, LLVM 17+ has a Neoverse N1 model)")
    ap.add_argument("--objdump", default="llvm-objdump-14")
    ap.add_argument("--nm", default="aarch64-linux-gnu-nm")
    ap.add_argument("--keep", help="directory for the binary, the mca inputs and outputs")
    args = ap.parse_args()
    levels, ops = args.levels.split(","), args.ops.split(",")
    cpus = [(m, c) for m in args.mca.split(",") for c in args.cpus.split(",")]  # (mca, cpu) models
    tmpd = tempfile.TemporaryDirectory()
    tmp = args.keep or tmpd.name
    os.makedirs(tmp, exist_ok=True)
    exe = os.path.join(tmp, "xcheck")
    print("build: " + X.build(exe, args.cc, not args.no_openmp))
    lst = subprocess.run([args.qemu, exe, "--list"], capture_output=True, text=True, check=True).stdout
    isa_id = {f[2]: int(f[1]) for f in (ln.split() for ln in lst.splitlines()) if f[0] == "isa"}
    op_id = {f[3]: int(f[1]) for f in (ln.split() for ln in lst.splitlines()) if f[0] in ("map", "row")}  # by ENUM
    dt_id = {f[2]: int(f[1]) for f in (ln.split() for ln in lst.splitlines()) if f[0] == "dtype"}
    syms = symbols(exe, args.nm)
    rng = np.random.default_rng(2024)
    res = {}
    for op in ops:
        for dt, dtype in (("f32", np.float32), ("f64", np.float64)):
            row = op in X.ROW_OPS
            x = (rng.standard_normal(args.row_n if row else args.n) * 3).astype(dtype)
            for level in levels:
                prm = (0.0,) * 4 if row else X.kparams(op)  # the default parameters
                job = struct.pack(X.JOB, 0x4A584146, 2 if row else 0, op_id[X.REG.variant(op).c], dt_id[dt],
                                  isa_id[level], 1, 0, 0, 1, x.size, *prm) + x.tobytes()
                sym = f"fa_{X.REG.variant(op).c.lower()}_{dt}_{level}"  # the kernel's name (fa_ops.h)
                pcs = trace(exe, args.qemu, job, tmp)
                # the entry points fa_*_<dt>_<level>, the typed loops they call (..._loop) and the
                # compiler's clones of either (.constprop.0, .isra.0, ...); not the _nt variants
                pat = re.compile(rf"^fa_\w+_{dt}_{level}(_loop)?(\.\w+)*$")
                mine = [k for k in syms if pat.match(k)]
                ins = disasm(exe, ",".join(mine), args.objdump)
                seg = [pc for pc in pcs if pc in ins]
                elems, reps = x.size, 1
                calls = [ins[pc] for pc in seg if ins[pc][0] in ("bl", "blr")]
                if calls:
                    print(f"  note: {sym} calls {calls[:3]} (callee not modelled)")
                text = mca_input(seg, ins)
                mix = Counter(ins[pc][0] for pc in seg)
                for cpu in cpus:
                    cyc, uops = run_mca(cpu[0], cpu[1], text, os.path.join(tmp, f"{sym}.s"), reps)
                    res[(op, dt, level, cpu)] = cyc / (reps * elems)
                res[(op, dt, level, "insns")] = len(seg) / elems
                res[(op, dt, level, "mix")] = mix
            print(f"  {op} {dt}: " + ", ".join(
                f"{lv} {name(cpu)} {res[(op, dt, lv, cpu)]:.2f}" for lv in levels for cpu in cpus), flush=True)
    print(f"\ncycles per element ({' / '.join(args.mca.split(','))} -mtriple=aarch64 -mcpu=CPU -iterations=1 on "
          f"the instructions executed by one call: {args.n} elements, softmax/log_softmax one row of {args.row_n}; "
          f"N(0,3) data; 'scalar' = the portable C level)\n")
    pair = "neon" in levels and "scalar" in levels
    hdr = "| op | dtype |"
    for cpu in cpus:
        hdr += "".join(f" {name(cpu)} {lv} |" for lv in levels) + (f" {name(cpu)} speed-up |" if pair else "")
    hdr += " instructions/element " + " / ".join(levels) + " |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for dt in ("f32", "f64"):
        for op in ops:
            row = f"| {op} | {'float32' if dt == 'f32' else 'float64'} |"
            for cpu in cpus:
                row += "".join(f" {res[(op, dt, lv, cpu)]:.2f} |" for lv in levels)
                if pair:
                    row += f" {res[(op, dt, 'scalar', cpu)] / res[(op, dt, 'neon', cpu)]:.1f}x |"
            row += " " + " / ".join(f"{res[(op, dt, lv, 'insns')]:.1f}" for lv in levels) + " |"
            print(row)
    if args.keep:
        print(f"\nmca inputs: {tmp}/fa_<op>_<dtype>_<level>.s (rerun: {args.mca.split(',')[0]} -mtriple=aarch64 "
              f"-mcpu=<cpu> -iterations=1 <file>)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
