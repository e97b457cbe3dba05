"""float16 and bfloat16: every elementwise op over all 2^16 inputs of each
type, on every ISA level: the result is the float32 kernel's result rounded
once to nearest even (so bitwise identical across levels wherever the
float32 results are), within 1 ulp of the 16-bit type from the exact value
(the float64 oracle), subnormal results not flushed, NaN kept NaN; thread
counts, layouts, out= casting, and bfloat16 recognised by dtype identity."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _helpers import CASES, EXACT_OPS, SMOOTH_OPS, assert_same, exact_elementwise

import fastact as fa
from fastact import _ops

try:
    import ml_dtypes

    BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - ml_dtypes is optional
    BF16 = None

DTYPES = [np.dtype(np.float16)] + ([BF16] if BF16 is not None else [])
IDS = [d.name for d in DTYPES]
OPS = EXACT_OPS + SMOOTH_OPS


def all_values(dt):
    return np.arange(65536, dtype=np.uint32).astype(np.uint16).view(dt)


def run(op, x, **kw):
    v, params = CASES[op]
    return _ops.call(v, x, params, **kw)


def ulp16(exact, dt):
    """ulp of the exact value in the 16-bit type (floored at the smallest normal's)."""
    mant = 11 if dt == np.float16 else 8
    tiny = 2.0**-14 if dt == np.float16 else 2.0**-126
    _, e = np.frexp(np.maximum(np.abs(exact), tiny))
    return np.ldexp(1.0, e - mant)


@pytest.mark.parametrize("dt", DTYPES, ids=IDS)
@pytest.mark.parametrize("op", OPS)
def test_rounded_once_from_float32(op, dt, isa):
    """y == round16(the float32 kernel's result on the same values), bit for bit."""
    x = all_values(dt)
    y = run(op, x)
    assert y.dtype == dt
    with np.errstate(all="ignore"):
        want = run(op, x.astype(np.float32)).astype(dt)
    assert_same(y, want, f"{op} {dt.name} [{isa}]")


@pytest.mark.parametrize("dt", DTYPES, ids=IDS)
@pytest.mark.parametrize("op", OPS)
def test_within_one_ulp_of_exact(op, dt, isa):
    x = all_values(dt)
    y = run(op, x).astype(np.float64)
    v, params = CASES[op]
    if op in EXACT_OPS:
        assert_same(run(op, x), exact_elementwise(op, x), f"{op} {dt.name} [{isa}]", zero_sign=False)
        return
    pc = {k: float(np.float32(val)) for k, val in params.items()}  # computed in float32
    with np.errstate(all="ignore"):
        exact = _ops.wide(v, x.astype(np.float64), pc)
        fin = np.isfinite(exact)
        # exact values that round to +-inf in the 16-bit type (selu(65504) in float16)
        fmax = float(np.finfo(dt).max)
        ovf = fin & (np.abs(exact) >= fmax + ulp16(fmax, dt) / 2)
        assert (y[ovf] == np.sign(exact[ovf]) * np.inf).all(), f"{op} {dt.name}: overflow"
        fin &= ~ovf
        big = fin & (np.abs(exact) <= float(np.finfo(np.float32).max))
        err = np.where(big, np.abs(y - exact) / ulp16(exact, dt), 0.0)
    assert (np.isnan(y) == np.isnan(exact)).all(), f"{op} {dt.name}: NaN pattern"
    inf = np.isinf(exact)
    assert (y[inf] == exact[inf]).all(), f"{op} {dt.name}: infinities"
    bad = big & ~(err <= 1.0)
    assert not bad.any(), (op, dt.name, isa, x[bad][:5], y[bad][:5], exact[bad][:5], err[bad].max())
    # not flushed: a result whose exact value is a normal-or-subnormal non-zero
    # 16-bit number more than one subnormal unit away from 0 is non-zero
    sub = 2.0**-24 if dt == np.float16 else 2.0**-133
    keep = fin & (np.abs(exact) >= 1.5 * sub)
    assert (y[keep] != 0).all(), f"{op} {dt.name}: flushed results"


@pytest.mark.parametrize("dt", DTYPES, ids=IDS)
def test_levels_and_threads_identical(dt):
    """The same bits on every ISA level and thread count (FMA and non-FMA
    levels may differ by an ulp in float32; then the 16-bit result may too:
    counted, not hidden)."""
    x = np.tile(all_values(dt), 16)  # 1M elements: parallel-sized
    prev = fa._core.get_isa()
    try:
        for op in OPS:
            base = {}
            for isa in fa._core.isa_supported():
                fa._core.set_isa(isa)
                y1 = run(op, x, num_threads=1)
                for nt in (2, 3):
                    assert_same(run(op, x, num_threads=nt), y1, f"{op} {dt.name} {isa} nt={nt}")
                base[isa] = y1
            fma = [i for i in base if i in ("avx2", "avx512", "neon")]
            for i in fma[1:]:
                assert_same(base[i], base[fma[0]], f"{op} {dt.name}: {i} vs {fma[0]}")
    finally:
        fa._core.set_isa(prev)


@pytest.mark.parametrize("dt", DTYPES, ids=IDS)
def test_layouts_and_out(dt):
    rng = np.random.default_rng(5)
    base = (rng.standard_normal((6, 7)) * 4).astype(np.float32).astype(dt)
    want = fa.gelu(base)
    for view in (base.T, base[:, ::2], base[::-1], np.asfortranarray(base)):
        assert_same(fa.gelu(view), fa.gelu(np.ascontiguousarray(view)), f"layout {dt.name}")
    # 16-bit result widened into a float32 out; float32 result rounded into a 16-bit out
    o32 = np.empty(base.shape, np.float32)
    assert fa.gelu(base, out=o32) is o32
    assert_same(o32, want.astype(np.float32), "16-bit into float32 out")
    x32 = base.astype(np.float32)
    o16 = np.empty(base.shape, dt)
    assert fa.gelu(x32, out=o16) is o16
    with np.errstate(all="ignore"):
        assert_same(o16, fa.gelu(x32).astype(dt), "float32 into 16-bit out")
    # in place
    y = base.copy()
    assert fa.gelu(y, out=y) is y
    assert_same(y, want, "in place")


def test_other_two_byte_void_dtypes_are_rejected():
    x = np.zeros(4, dtype="V2")
    with pytest.raises(TypeError, match="unsupported dtype"):
        fa.relu(x)


def test_import_does_not_need_ml_dtypes():
    code = (
        "import sys; sys.modules['ml_dtypes'] = None\n"
        "import numpy as np, fastact as fa\n"
        "assert 'ml_dtypes' not in [m for m, v in sys.modules.items() if v is not None]\n"
        "y = fa.gelu(np.linspace(-3, 3, 7, dtype=np.float16)); assert y.dtype == np.float16\n"
        "try:\n"
        "    fa.relu(np.zeros(3, dtype='V2'))\n"
        "except TypeError as e:\n"
        "    assert 'unsupported dtype' in str(e)\n"
        "else:\n"
        "    raise SystemExit('no TypeError')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-c", "import sys, fastact; print('ml_dtypes' in sys.modules)"],
                       capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False", "importing fastact imported ml_dtypes"


@pytest.mark.parametrize("dt", DTYPES, ids=IDS)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(7, 33), (3, 1000), (2, 3, 5), (2, 40000)], ids=str)
def test_rows_rounded_once_from_float32(name, dt, shape, isa):
    """softmax / log_softmax of 16-bit rows (short, and long blocked ones) are
    the float32 kernel's results rounded once, on every level and for any
    axis and thread count."""
    rng = np.random.default_rng(9)
    x = (rng.standard_normal(shape) * 4).astype(np.float32).astype(dt)
    x.flat[::97] = np.inf if name == "log_softmax" else -np.inf
    f = getattr(fa, name)
    for axis in range(-1, -len(shape) - 1, -1):
        y = f(x, axis=axis)
        assert y.dtype == dt
        with np.errstate(all="ignore"):
            want = f(x.astype(np.float32), axis=axis).astype(dt)
        assert_same(y, want, f"{name} {dt.name} {shape} axis={axis} [{isa}]")
        assert_same(f(x, axis=axis, num_threads=2), y, f"{name} {dt.name} threads")


LUT_OPS = SMOOTH_OPS


@pytest.mark.parametrize("dt", DTYPES, ids=IDS)
@pytest.mark.parametrize("op", LUT_OPS)
def test_large_calls_by_table_match_the_kernel(op, dt, isa):
    """Calls of >= 1024 elements may read the results from a table of all 2^16 (lut16.c,
    built by a call of >= 2^16): bit for bit the kernel's (calls below 1024), in place, with
    2 threads, strided, for parameter sets beyond the cache's slots, from concurrent calls."""
    import threading

    def kernel(x, kw):  # calls of < 1024 elements never use a table
        return np.concatenate([_ops.call(v, x[i:i + 1000], kw) for i in range(0, x.size, 1000)])

    v, params = CASES[op]
    x = all_values(dt)
    big = np.concatenate([x, x[::-1], x[:1000]])  # 132072 elements
    want = kernel(x, params)
    want_big = np.concatenate([want, want[::-1], want[:1000]])
    assert_same(run(op, big), want_big, f"{op} {dt.name} [{isa}]")
    assert_same(run(op, big, num_threads=2), want_big, f"{op} {dt.name} [{isa}] 2 threads")
    b = big.copy()
    assert_same(run(op, b, out=b), want_big, f"{op} {dt.name} [{isa}] in place")
    assert_same(run(op, big[::2]), np.ascontiguousarray(want_big[::2]), f"{op} {dt.name} strided")
    assert_same(run(op, x[:5000]), want[:5000], f"{op} {dt.name} [{isa}] small call, table built")
    if v.name in ("elu", "celu", "softplus"):  # more parameter sets than cache slots
        key = {"elu": "alpha", "celu": "alpha", "softplus": "beta"}[v.name]
        for val in (0.5, 1.5, 2.0, 3.0):
            kw = dict(params, **{key: val})
            assert_same(_ops.call(v, big, kw), kernel(big, kw), f"{op} {dt.name} {kw}")
    res = [None] * 4

    def worker(i):
        res[i] = run(op, big)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for r in res:
        assert_same(r, want_big, f"{op} {dt.name} concurrent")
