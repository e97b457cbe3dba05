#!/usr/bin/env python3
"""Cross-check the portable (scalar) C kernels on aarch64 against x86-64.

Cross-compiles src/c (dispatch.c, parallel.c, kernels/scalar.c) and
tools/xcheck_main.c for aarch64, runs the binary under qemu-user, and compares
every op's outputs with the installed fastact on this x86-64 machine at the
level given by --isa (default avx512: both use FMA, so the results should be
bitwise identical) and with fastact.reference (max ulp).

Needs Debian's gcc-aarch64-linux-gnu and qemu-user-static:
    apt-get install gcc-aarch64-linux-gnu qemu-user-static
    python tools/check_aarch64.py
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

import fastact as fa
from fastact import reference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAP_OPS = ["relu", "leaky_relu", "sigmoid", "tanh", "silu", "gelu", "gelu_tanh"]


def call(op, x):
    if op == "leaky_relu":
        return fa.leaky_relu(x, 0.01, num_threads=1), reference.leaky_relu(x, 0.01)
    if op == "gelu_tanh":
        return fa.gelu(x, approximate="tanh", num_threads=1), reference.gelu(x, approximate="tanh")
    return getattr(fa, op)(x, num_threads=1), getattr(reference, op)(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--isa", default="avx512", help="x86 level to compare with (default avx512)")
    ap.add_argument("-n", type=int, default=20000, help="number of inputs (multiple of 100)")
    args = ap.parse_args()
    n = args.n - args.n % 100
    rng = np.random.default_rng(5)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 3e38, -3e38, 1e-40, -1e-40,
               -13.3, -90.0, -100.0, -104.0, 88.7, -88.7]
    x = np.concatenate([rng.standard_normal(n - len(special)) * 5, special]).astype(np.float32)
    xd = x.astype(np.float64)
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "xcheck")
        src = [os.path.join(ROOT, "tools", "xcheck_main.c")] + [
            os.path.join(ROOT, "src", "c", f) for f in ("dispatch.c", "parallel.c", "kernels/scalar.c")]
        subprocess.run(["aarch64-linux-gnu-gcc", "-O2", "-std=gnu11", "-ffp-contract=off", "-fopenmp",
                        "-static", "-I" + os.path.join(ROOT, "src", "c"), *src, "-lm", "-o", exe],
                       check=True, stderr=subprocess.DEVNULL)
        inp, out = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
        with open(inp, "wb") as f:
            f.write(struct.pack("N", n) + x.tobytes() + xd.tobytes())
        subprocess.run(["qemu-aarch64-static", exe, inp, out], check=True, stdout=subprocess.DEVNULL)
        raw = open(out, "rb").read()
    prev = fa._core.set_isa(args.isa)
    off, worst_ref, all_equal = 0, {}, True
    print(f"aarch64 (portable C, FMA) vs x86-64 fastact at isa={fa._core.get_isa()}")
    with np.errstate(all="ignore"):
        for op in MAP_OPS + ["softmax", "log_softmax"]:
            for arr in (x, xd):
                size = n * arr.itemsize
                ya = np.frombuffer(raw[off:off + size], dtype=arr.dtype)
                off += size
                if op in MAP_OPS:
                    yx, yr = call(op, arr)
                else:
                    a2 = arr.reshape(-1, 100)
                    yx = getattr(fa, op)(a2, num_threads=1).ravel()
                    yr = getattr(reference, op)(a2).ravel()
                eq = np.array_equal(ya, yx, equal_nan=True)
                ok = np.isfinite(yr) & (np.abs(yr) >= np.finfo(arr.dtype).tiny)
                ulp = np.abs(ya[ok].astype(np.float64) - yr[ok]) / np.spacing(np.abs(yr[ok]))
                nan_ok = np.array_equal(np.isnan(ya), np.isnan(yr))
                all_equal &= eq
                print(f"  {op:12s} {arr.dtype.name:8s} bitwise equal: {str(eq):5s}  "
                      f"max ulp vs reference: {ulp.max() if ulp.size else 0:.2f}  NaN pattern ok: {nan_ok}")
    fa._core.set_isa(prev)
    return 0


if __name__ == "__main__":
    sys.exit(main())
