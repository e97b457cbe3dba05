"""Benchmark machinery shared by ``python -m fastact bench`` and ``benchmarks/bench_ops.py``.

Everything that decides *what* is timed lives here, so that the command line
and the pytest-benchmark suite time exactly the same calls:

* the cases: op x dtype x size (softmax/log_softmax as rows of ``ROW_LEN``),
* the input data (fixed seed, standard normal scaled by ``INPUT_SCALE``),
* the implementations: fastact and each peer, built once per case as a
  zero-argument callable that writes into a preallocated output where the peer
  allows it, with the same thread count for every implementation,
* the correctness check run once per implementation and case before timing,
* the side-by-side timing loop used by the command line.

Peers are imported lazily and are all optional except NumPy.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import math
import os
import platform
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np

OPS = ("relu", "leaky_relu", "sigmoid", "tanh", "silu", "gelu", "gelu_tanh",
       "softmax", "log_softmax")
ROW_OPS = frozenset({"softmax", "log_softmax"})
ROW_LEN = 1000
DTYPES = ("float32", "float64")
SIZES = (1_000, 100_000, 10_000_000)
QUICK_SIZES = (1_000, 100_000)
LEAKY_SLOPE = 0.01
INPUT_SCALE = 3.0
SEED = 12345

#: fastact itself: ``out=`` into a preallocated array, and the allocating call.
FASTACT_IMPLS = ("fastact", "fastact_alloc")
#: the peers a user could call instead.
PEERS = ("numpy", "numexpr", "torch", "onnxruntime")
#: memory-speed ceilings (relu/leaky_relu only): a plain copy of the same bytes.
CEILINGS = ("copy", "copy_mt")
IMPLS = FASTACT_IMPLS + PEERS + CEILINGS
CEILING_OPS = frozenset({"relu", "leaky_relu"})

#: modules an implementation needs (pytest.importorskip uses this).
REQUIRED_MODULES = {
    "fastact": ("fastact",),
    "fastact_alloc": ("fastact",),
    "numpy": ("numpy",),
    "numexpr": ("numexpr",),
    "torch": ("torch",),
    "onnxruntime": ("onnxruntime", "onnx"),
    "copy": ("numpy",),
    "copy_mt": ("numpy",),
}

#: short column titles for tables.
TITLES = {
    "fastact": "fastact",
    "fastact_alloc": "fa alloc",
    "numpy": "numpy",
    "numexpr": "numexpr",
    "torch": "torch",
    "onnxruntime": "onnxrt",
    "copy": "copy 1t",
    "copy_mt": "copy",
}

#: check tolerances per dtype: (rtol, atol).  Loose enough for every peer's
#: formula on this input range, tight enough to catch a wrong computation
#: (exact vs tanh gelu differ by ~1e-3, wrong axis by O(1)).  float64 is loose
#: because ONNX Runtime's float64 tanh-gelu is only float32-accurate (~3e-7).
TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-6, 1e-9)}


class Unsupported(Exception):
    """This implementation cannot compute this case (missing module, op or dtype)."""


# --------------------------------------------------------------------------
# cases and data


def shape_for(op: str, size: int) -> tuple:
    """Array shape used for `op` at `size` elements (row ops: rows of ROW_LEN)."""
    if op in ROW_OPS:
        return (max(1, size // ROW_LEN), ROW_LEN)
    return (size,)


def n_elements(op: str, size: int) -> int:
    return math.prod(shape_for(op, size))


_INPUTS: dict = {}


def make_input(op: str, dtype: str, size: int) -> np.ndarray:
    """The (cached, read-only) input for a case; the same data for every op."""
    shape = shape_for(op, size)
    n = math.prod(shape)
    key = (dtype, n)
    base = _INPUTS.get(key)
    if base is None:
        rng = np.random.default_rng(SEED)
        base = rng.standard_normal(n, dtype=np.dtype(dtype))
        base *= INPUT_SCALE
        base.flags.writeable = False
        _INPUTS[key] = base
    return base.reshape(shape)


def clear_inputs() -> None:
    _INPUTS.clear()


def format_size(n: int) -> str:
    """1000 -> '1e3', 100000 -> '1e5', 1500 -> '1500'."""
    if n > 0:
        e = round(math.log10(n))
        if 10 ** e == n and e >= 3:
            return f"1e{e}"
    return str(n)


def parse_size(text: str) -> int:
    try:
        v = float(text)
    except ValueError:
        v = 0.5
    if not (1 <= v < 1e12) or v != int(v):
        raise ValueError(f"bad size {text!r}: a positive integer such as 1000 or 1e5")
    return int(v)


# --------------------------------------------------------------------------
# environment


def _try_import(name: str):
    try:
        return importlib.import_module(name)
    except Exception:  # ImportError, or a broken install raising anything else
        return None


def peer_versions() -> dict:
    """{module: version or None} for every optional peer module."""
    out = {}
    for name in ("numpy", "scipy", "numexpr", "torch", "onnxruntime", "onnx"):
        mod = _try_import(name)
        out[name] = getattr(mod, "__version__", "?") if mod is not None else None
    return out


def impl_available(impl: str) -> bool:
    return all(_try_import(m) is not None for m in REQUIRED_MODULES[impl])


def cpu_model() -> str:
    try:
        import fastact

        cpu = fastact.get_config().get("cpu")
        if cpu:
            return str(cpu)
    except Exception:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def default_threads() -> int:
    env = os.environ.get("FASTACT_BENCH_THREADS")
    if env:
        return int(env)
    try:
        import fastact

        return int(fastact.get_num_threads())
    except Exception:
        return os.cpu_count() or 1


def impl_version(impl: str) -> str:
    mod = {"fastact": "fastact", "fastact_alloc": "fastact", "numexpr": "numexpr",
           "torch": "torch", "onnxruntime": "onnxruntime"}.get(impl, "numpy")
    m = _try_import(mod)
    v = getattr(m, "__version__", None) if m is not None else None
    if v is None and mod == "fastact" and m is not None:
        try:
            v = m.get_config().get("version")
        except Exception:
            pass
    if impl == "numpy":
        sp = _try_import("scipy")
        if sp is not None:
            return f"{v} (scipy {sp.__version__})"
    return str(v)


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None


def fastact_isa() -> str:
    try:
        import fastact

        return str(fastact.get_config().get("isa"))
    except Exception:
        return "?"


def extra_info(impl: str, threads: int) -> dict:
    """What pytest-benchmark records beside each timing."""
    return {
        "impl": impl,
        "impl_version": impl_version(impl),
        "threads": threads,
        "isa": fastact_isa(),
        "fastact_version": impl_version("fastact"),
        "numpy_version": np.__version__,
        "cpu": cpu_model(),
        "load_average": load_average(),
    }


# --------------------------------------------------------------------------
# implementations


@dataclass
class Impl:
    name: str
    fn: Callable[[], object]
    allocates: bool = False  # fn returns a new array instead of writing `out`
    note: str = ""
    close: Callable[[], None] | None = None
    keep: object = None  # objects that must outlive fn (bound buffers)


def make_impl(impl: str, op: str, x: np.ndarray, out: np.ndarray, threads: int) -> Impl:
    """Build the zero-argument callable timing `impl` on `op` for input x.

    Writes into `out` (same shape and dtype as x) unless ``Impl.allocates``.
    Raises Unsupported when the implementation cannot do this op/dtype.
    """
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}")
    builder = _BUILDERS.get(impl)
    if builder is None:
        raise ValueError(f"unknown implementation {impl!r}; choose from {', '.join(IMPLS)}")
    for m in REQUIRED_MODULES[impl]:
        if _try_import(m) is None:
            raise Unsupported(f"{m} is not installed")
    return builder(op, x, out, threads)


def _fastact_call(op: str):
    import fastact as fa

    if op == "gelu_tanh":
        return lambda x, out=None: fa.gelu(x, approximate="tanh", out=out)
    if op == "leaky_relu":
        return lambda x, out=None: fa.leaky_relu(x, LEAKY_SLOPE, out=out)
    return getattr(fa, op)


def _build_fastact(op, x, out, threads):
    import fastact as fa

    fa.set_num_threads(threads)
    f = getattr(fa, op if op != "gelu_tanh" else "gelu")
    if op == "gelu_tanh":
        return Impl("fastact", partial(f, x, approximate="tanh", out=out))
    if op == "leaky_relu":
        return Impl("fastact", partial(f, x, LEAKY_SLOPE, out=out))
    return Impl("fastact", partial(f, x, out=out))


def _build_fastact_alloc(op, x, out, threads):
    import fastact as fa

    fa.set_num_threads(threads)
    f = getattr(fa, op if op != "gelu_tanh" else "gelu")
    if op == "gelu_tanh":
        return Impl("fastact_alloc", partial(f, x, approximate="tanh"), allocates=True)
    if op == "leaky_relu":
        return Impl("fastact_alloc", partial(f, x, LEAKY_SLOPE), allocates=True)
    return Impl("fastact_alloc", partial(f, x), allocates=True)


def _build_numpy(op, x, out, threads):
    """NumPy ufuncs with out= (SciPy's expit/erf when SciPy is installed).

    NumPy is single-threaded: `threads` cannot be honoured.
    """
    sp = _try_import("scipy.special")
    dt = x.dtype.type
    if op == "relu":
        return Impl("numpy", partial(np.maximum, x, dt(0), out=out), note="np.maximum")
    if op == "leaky_relu":
        s = dt(LEAKY_SLOPE)

        def f():
            np.multiply(x, s, out=out)
            return np.maximum(x, out, out=out)  # slope < 1: max(x, s*x)
        return Impl("numpy", f, note="max(x, s*x)")
    if op == "tanh":
        return Impl("numpy", partial(np.tanh, x, out=out), note="np.tanh")
    if op in ("sigmoid", "silu"):
        if sp is not None:
            expit = sp.expit
            if op == "sigmoid":
                return Impl("numpy", partial(expit, x, out=out), note="scipy expit")

            def f():
                expit(x, out=out)
                return np.multiply(out, x, out=out)
            return Impl("numpy", f, note="scipy expit * x")
        one = dt(1)

        def f():
            np.negative(x, out=out)
            np.exp(out, out=out)
            np.add(out, one, out=out)
            if op == "sigmoid":
                return np.reciprocal(out, out=out)
            return np.divide(x, out, out=out)
        return Impl("numpy", f, note="1/(1+exp(-x))")
    if op == "gelu":
        if sp is None:
            raise Unsupported("exact gelu needs scipy.special.erf")
        erf = sp.erf
        r2, one, half = dt(1 / math.sqrt(2)), dt(1), dt(0.5)

        def f():
            np.multiply(x, r2, out=out)
            erf(out, out=out)
            np.add(out, one, out=out)
            np.multiply(out, x, out=out)
            return np.multiply(out, half, out=out)
        return Impl("numpy", f, note="scipy erf")
    if op == "gelu_tanh":
        k, c, one, half = dt(math.sqrt(2 / math.pi)), dt(0.044715), dt(1), dt(0.5)

        def f():
            np.multiply(x, x, out=out)
            np.multiply(out, c, out=out)
            np.add(out, one, out=out)
            np.multiply(out, x, out=out)
            np.multiply(out, k, out=out)
            np.tanh(out, out=out)
            np.add(out, one, out=out)
            np.multiply(out, x, out=out)
            return np.multiply(out, half, out=out)
        return Impl("numpy", f, note="tanh formula")
    if op == "softmax":
        def f():
            m = np.max(x, axis=-1, keepdims=True)
            np.subtract(x, m, out=out)
            np.exp(out, out=out)
            s = np.sum(out, axis=-1, keepdims=True)
            return np.divide(out, s, out=out)
        return Impl("numpy", f, note="exp(x-max)/sum")
    if op == "log_softmax":
        scratch = np.empty_like(out)

        def f():
            m = np.max(x, axis=-1, keepdims=True)
            np.subtract(x, m, out=out)
            np.exp(out, out=scratch)
            s = np.sum(scratch, axis=-1, keepdims=True)
            np.log(s, out=s)
            return np.subtract(out, s, out=out)
        return Impl("numpy", f, note="x-max-log(sum)")
    raise Unsupported(op)


_NUMEXPR = {
    "relu": "where(x > 0, x, z)",
    "leaky_relu": "where(x > 0, x, x * s)",
    "sigmoid": "1 / (1 + exp(-x))",
    "tanh": "tanh(x)",
    "silu": "x / (1 + exp(-x))",
    "gelu_tanh": "h * x * (1 + tanh(k * (x + c * x * x * x)))",
}


def _build_numexpr(op, x, out, threads):
    import numexpr as ne

    expr = _NUMEXPR.get(op)
    if expr is None:
        raise Unsupported("numexpr has no erf" if op == "gelu"
                          else "numexpr has no row reductions")
    ne.set_num_threads(threads)
    dt = x.dtype.type
    # constants as 0-d arrays of the input dtype: a Python float would upcast float32
    env = {"x": x, "z": np.array(0, dt), "s": np.array(LEAKY_SLOPE, dt),
           "h": np.array(0.5, dt), "k": np.array(math.sqrt(2 / math.pi), dt),
           "c": np.array(0.044715, dt)}
    evaluate = ne.evaluate
    return Impl("numexpr", partial(evaluate, expr, local_dict=env, out=out), note=expr)


def _build_torch(op, x, out, threads):
    import torch

    torch.set_num_threads(threads)
    with warnings.catch_warnings():  # x is read-only; torch only reads it
        warnings.simplefilter("ignore", UserWarning)
        xt = torch.from_numpy(x)
    ot = torch.from_numpy(out)
    nn = torch._C._nn
    aten = torch.ops.aten
    cands = []  # (note, callable): the first that runs wins
    if op == "relu":
        cands = [("clamp_min(out=)", partial(torch.clamp_min, xt, 0, out=ot))]
    elif op == "leaky_relu":
        cands = [("leaky_relu(out=)", partial(nn.leaky_relu, xt, LEAKY_SLOPE, out=ot)),
                 ("aten.leaky_relu.out", partial(aten.leaky_relu.out, xt, LEAKY_SLOPE, out=ot))]
    elif op == "sigmoid":
        cands = [("sigmoid(out=)", partial(torch.sigmoid, xt, out=ot))]
    elif op == "tanh":
        cands = [("tanh(out=)", partial(torch.tanh, xt, out=ot))]
    elif op == "silu":
        cands = [("silu(out=)", partial(nn.silu, xt, out=ot)),
                 ("aten.silu.out", partial(aten.silu.out, xt, out=ot))]
    elif op in ("gelu", "gelu_tanh"):
        a = "tanh" if op == "gelu_tanh" else "none"
        cands = [("gelu(out=)", partial(nn.gelu, xt, approximate=a, out=ot)),
                 ("aten.gelu.out", partial(aten.gelu.out, xt, approximate=a, out=ot))]
    elif op == "softmax":
        cands = [("_softmax(out=)", partial(torch._softmax, xt, -1, False, out=ot)),
                 ("aten._softmax.out", partial(aten._softmax.out, xt, -1, False, out=ot))]
    elif op == "log_softmax":
        cands = [("_log_softmax(out=)", partial(torch._log_softmax, xt, -1, False, out=ot)),
                 ("aten._log_softmax.out",
                  partial(aten._log_softmax.out, xt, -1, False, out=ot))]
    err = None
    for note, f in cands:
        try:
            f()
        except Exception as e:  # this spelling is missing in this torch version
            err = e
            continue
        return Impl("torch", f, note=note)
    raise Unsupported(f"torch: {err}")


def _onnx_nodes(op):
    from onnx import helper

    mk = helper.make_node
    if op == "relu":
        return [mk("Relu", ["X"], ["Y"])]
    if op == "leaky_relu":
        return [mk("LeakyRelu", ["X"], ["Y"], alpha=LEAKY_SLOPE)]
    if op == "sigmoid":
        return [mk("Sigmoid", ["X"], ["Y"])]
    if op == "tanh":
        return [mk("Tanh", ["X"], ["Y"])]
    if op == "silu":  # ONNX has no SiLU op; ORT fuses this pattern
        return [mk("Sigmoid", ["X"], ["S"]), mk("Mul", ["X", "S"], ["Y"])]
    if op == "gelu":
        return [mk("Gelu", ["X"], ["Y"], approximate="none")]
    if op == "gelu_tanh":
        return [mk("Gelu", ["X"], ["Y"], approximate="tanh")]
    if op == "softmax":
        return [mk("Softmax", ["X"], ["Y"], axis=-1)]
    if op == "log_softmax":
        return [mk("LogSoftmax", ["X"], ["Y"], axis=-1)]
    raise Unsupported(op)


def _build_onnxruntime(op, x, out, threads):
    """A one-node (silu: two-node) opset-20 model; IO binding onto x and out."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    elem = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}[x.dtype.type]
    X = helper.make_tensor_value_info("X", elem, list(x.shape))
    Y = helper.make_tensor_value_info("Y", elem, list(x.shape))
    graph = helper.make_graph(_onnx_nodes(op), op, [X], [Y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)],
                              ir_version=9)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    try:
        sess = ort.InferenceSession(model.SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
    except Exception as e:
        msg = str(e).split("\n")[0]
        if "NOT_IMPLEMENTED" in msg:
            msg = f"no {x.dtype} kernel in onnxruntime"
        raise Unsupported(msg) from None
    io = sess.io_binding()
    xv = ort.OrtValue.ortvalue_from_numpy(x)
    ov = ort.OrtValue.ortvalue_from_numpy(out)
    io.bind_ortvalue_input("X", xv)
    io.bind_ortvalue_output("Y", ov)
    # the partial holds sess and io; the bound OrtValues must stay alive too
    f = partial(sess.run_with_iobinding, io)
    return Impl("onnxruntime", f, note="IO binding", keep=(xv, ov))


def _build_copy(op, x, out, threads):
    if op not in CEILING_OPS:
        raise Unsupported("memory-copy ceiling is shown for relu/leaky_relu only")
    return Impl("copy", partial(np.copyto, out, x), note="np.copyto, 1 thread")


_POOL: dict = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    p = _POOL.get(workers)
    if p is None:
        p = _POOL[workers] = ThreadPoolExecutor(max_workers=workers,
                                                thread_name_prefix="fastact-bench-copy")
    return p


def _build_copy_mt(op, x, out, threads):
    """A plain copy of the same bytes with `threads` threads (NumPy releases the GIL)."""
    if op not in CEILING_OPS:
        raise Unsupported("memory-copy ceiling is shown for relu/leaky_relu only")
    xf, of = x.reshape(-1), out.reshape(-1)
    n = xf.size
    t = max(1, min(threads, n // 4096 or 1))
    bounds = [n * i // t for i in range(t + 1)]
    parts = [(of[bounds[i]:bounds[i + 1]], xf[bounds[i]:bounds[i + 1]]) for i in range(t)]
    if t == 1:
        return Impl("copy_mt", partial(np.copyto, out, x), note="np.copyto, 1 thread")
    pool = _pool(t - 1)
    submit, copyto = pool.submit, np.copyto
    first, rest = parts[0], parts[1:]

    def f():
        futs = [submit(copyto, o, i) for o, i in rest]
        copyto(*first)
        for fu in futs:
            fu.result()
    return Impl("copy_mt", f, note=f"np.copyto in {t} Python threads")


_BUILDERS = {
    "fastact": _build_fastact,
    "fastact_alloc": _build_fastact_alloc,
    "numpy": _build_numpy,
    "numexpr": _build_numexpr,
    "torch": _build_torch,
    "onnxruntime": _build_onnxruntime,
    "copy": _build_copy,
    "copy_mt": _build_copy_mt,
}


# --------------------------------------------------------------------------
# correctness


def fastact_result(op: str, x: np.ndarray) -> np.ndarray:
    """fastact's output for the case: the reference every peer is checked against."""
    return np.asarray(_fastact_call(op)(x))


def check_fastact(op: str, x: np.ndarray, got: np.ndarray, limit: int = 4096) -> None:
    """Check fastact against fastact.reference on the first `limit` elements."""
    try:
        from fastact import reference
    except ImportError:
        return
    if op in ROW_OPS:
        rows = max(1, limit // x.shape[-1])
        xs, gs = x[:rows], got[:rows]
    else:
        xs, gs = x[:limit], got[:limit]
    if op == "gelu_tanh":
        ref = reference.gelu(xs, approximate="tanh")
    elif op == "leaky_relu":
        ref = reference.leaky_relu(xs, LEAKY_SLOPE)
    else:
        ref = getattr(reference, op)(xs)
    rtol, atol = TOLERANCES[str(x.dtype)]
    np.testing.assert_allclose(gs, ref, rtol=rtol, atol=atol,
                               err_msg=f"fastact {op} {x.dtype} vs fastact.reference")


def check_impl(impl: Impl, op: str, x: np.ndarray, out: np.ndarray,
               expected: np.ndarray) -> None:
    """Run `impl` once and assert its result is close to `expected`.

    Raises AssertionError so that a wrong computation is never timed.
    """
    out.fill(np.nan)
    r = impl.fn()
    got = np.asarray(r) if impl.allocates else out
    if got.shape != x.shape or got.dtype != x.dtype:
        raise AssertionError(f"{impl.name} {op}: got {got.dtype}{got.shape}, "
                             f"expected {x.dtype}{x.shape}")
    if impl.name in CEILINGS:
        if not np.array_equal(got, x):
            raise AssertionError(f"{impl.name} is not a copy")
        return
    rtol, atol = TOLERANCES[str(x.dtype)]
    g, e = got.reshape(-1), expected.reshape(-1)
    step = 1 << 20  # blocks: bounded temporaries, fast on 1e7 elements
    for i in range(0, g.size, step):
        gb, eb = g[i:i + step], e[i:i + step]
        d = np.subtract(gb, eb)
        np.abs(d, out=d)
        lim = np.abs(eb)
        lim *= rtol
        lim += atol
        if not np.all(d <= lim):  # NaN fails too
            np.testing.assert_allclose(gb, eb, rtol=rtol, atol=atol, err_msg=(
                f"{impl.name} {op} {x.dtype} disagrees with fastact (block at {i})"))


# --------------------------------------------------------------------------
# timing (command line; the pytest suite uses pytest-benchmark's own loop)


def _timed(fn, loops: int) -> float:
    it = itertools.repeat(None, loops)
    t0 = time.perf_counter()
    for _ in it:
        fn()
    return time.perf_counter() - t0


def calibrate(fn, target: float) -> tuple:
    """(loops, seconds per call): loops per sample so one lasts about `target` s.

    The implementation has run once already (the correctness check), so pages,
    thread pools and caches are warm.
    """
    loops = 1
    while True:
        t = _timed(fn, loops)
        if t >= target * 0.2 or loops >= 10 ** 7:
            break
        loops *= 10 if t < target * 0.02 else 2
    per_call = max(t, 1e-9) / loops
    return max(1, math.ceil(target / per_call)), per_call


@dataclass
class Timing:
    impl: str
    loops: int
    samples: list = field(default_factory=list)  # seconds per call, one per sample

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def min(self) -> float:
        return float(min(self.samples))


# Seconds to wait after a sample of these implementations before timing the next.
SPIN_GAP = {"onnxruntime": 0.12}


def time_side_by_side(impls: dict, repeat: int, target: float, gap: float = 0.02,
                      budget: float = 0.3, min_repeat: int = 3,
                      warmup: float | None = None) -> dict:
    """Time every implementation `repeat` times, interleaved.

    Each repetition runs one sample (`loops` calls, ~`target` seconds) of every
    implementation, in an order rotated by one per repetition, so drift of the
    shared machine affects all implementations alike; `gap` seconds of sleep
    before each sample let the thread pools of the implementation timed before
    (OpenMP, ONNX Runtime spin-wait after a call) stop spinning, so they do not
    steal cores from the next one.  Then the implementation runs untimed for
    `warmup` seconds (default: `target`; at least one call): after an idle gap
    the first calls are slower for every implementation (its threads wake up,
    and on the development machine memory-bound loops ran up to 1.5x slower for
    the first ~15 ms), and a sample should measure the steady state a
    continuously working program sees.  An implementation whose single call is
    longer than `target` takes only as many samples as fit in `budget` seconds
    (at least `min_repeat`), which keeps a full run short.  Returns {name: Timing}.
    """
    if warmup is None:
        warmup = target
    names = list(impls)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        timings, quota, warm = {}, {}, {}
        for n in names:
            loops, per_call = calibrate(impls[n].fn, target)
            timings[n] = Timing(n, loops)
            fit = int(budget / (loops * per_call))
            quota[n] = max(min(repeat, min_repeat), min(repeat, fit))
            warm[n] = max(1, math.ceil(warmup / per_call)) if warmup > 0 else 0
        prev = None
        for r in range(repeat):
            k = r % len(names)
            for n in names[k:] + names[:k]:
                if len(timings[n].samples) >= quota[n]:
                    continue
                t = timings[n]
                if gap:  # let the previous runtime's spinning worker threads go idle
                    # ONNX Runtime's intra-op workers spin for up to ~100 ms after a
                    # run (measured: a 2-thread OpenMP team started 20 ms later
                    # still finds no free core), so give them longer.
                    time.sleep(max(gap, SPIN_GAP.get(prev, 0.0)))
                if warm[n]:
                    _timed(impls[n].fn, warm[n])
                t.samples.append(_timed(impls[n].fn, t.loops) / t.loops)
                prev = n
    finally:
        if gc_was:
            gc.enable()
    return timings


def close_impls(impls) -> None:
    for impl in impls:
        if impl.close is not None:
            impl.close()


def shutdown() -> None:
    for p in _POOL.values():
        p.shutdown(wait=True)
    _POOL.clear()
    clear_inputs()



# --------------------------------------------------------------------------
# the command line run: `python -m fastact bench`


def format_time(t: float | None) -> str:
    if t is None or not math.isfinite(t):
        return "-"
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.3g} us" if t < 1e-4 else f"{t * 1e6:.0f} us"
    if t < 1:
        return f"{t * 1e3:.3g} ms" if t < 0.1 else f"{t * 1e3:.0f} ms"
    return f"{t:.3g} s"


class _Progress:
    """One status line on stderr (rewritten in place on a terminal)."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.i, self.t0 = total, 0, time.perf_counter()
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, label: str) -> None:
        self.i += 1
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        msg = f"[{self.i:>{len(str(self.total))}}/{self.total}] {label}  ({el:.0f} s)"
        if self.tty:
            self.stream.write("\r\033[K" + msg)
        else:
            self.stream.write(msg + "\n")
        self.stream.flush()

    def warn(self, msg: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(f"warning: {msg}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            el = time.perf_counter() - self.t0
            if self.tty:
                self.stream.write("\r\033[K")
            self.stream.write(f"done: {self.total} cases in {el:.0f} s\n")
            self.stream.flush()


def _header_lines(cfg: dict, threads: int, versions: dict, impls: list, repeat: int,
                  target: float) -> list:
    sup = cfg.get("isa_supported") or []
    lines = [
        f"fastact {cfg.get('version', '?')} benchmark",
        f"CPU      : {cpu_model()} ({os.cpu_count()} logical CPUs, {platform.machine()})",
        f"fastact  : ISA {cfg.get('isa', '?')} (supported: {' '.join(map(str, sup)) or '?'}),"
        f" OpenMP {'on' if cfg.get('openmp') else 'off'}",
        f"threads  : {threads} for fastact, numexpr, torch, onnxruntime and the copy ceiling"
        f" (numpy/scipy are single-threaded)",
        f"Python   : {sys.version.split()[0]}, NumPy {np.__version__}",
    ]
    found = []
    for m in ("scipy", "numexpr", "torch", "onnxruntime", "onnx"):
        if versions.get(m):
            found.append(f"{m} {versions[m]}")
    missing = [m for m in ("scipy", "numexpr", "torch", "onnxruntime", "onnx")
               if not versions.get(m)]
    lines.append(f"peers    : {', '.join(found) if found else 'none besides NumPy'}")
    if missing:
        hint = "; ".join(
            "torch: pip install torch (the CPU build is enough)" if m == "torch"
            else "onnx: pip install onnx (onnxruntime needs it to build the test models)"
            if m == "onnx" else f"{m}: pip install {m}" for m in missing)
        lines.append(f"not found: {hint}")
    lines.append(f"compared : {', '.join(impls)}")
    load = load_average()
    if load is not None:
        busy = load >= 1.0
        lines.append(f"load     : {load:.2f} (1-minute load average before the run)"
                     + (" -- the machine is busy: threaded timings will be inflated and"
                        " noisy" if busy else ""))
    lines.append(f"timing   : median of {repeat} samples of ~{target * 1e3:g} ms per implementation"
                 f" (calls longer than that: >= 3 one-call samples), each after as long"
                 f" untimed (warm-up), implementations interleaved; out= a preallocated"
                 f" array wherever the API allows")
    lines.append(f"input    : N(0, {INPUT_SCALE:g}^2), seed {SEED}; softmax/log_softmax on rows"
                 f" of {ROW_LEN}")
    return lines


def _table(headers: list, rows: list, align: list) -> list:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]

    def fmt(row):
        cells = []
        for i, c in enumerate(row):
            c = str(c)
            cells.append(c.ljust(widths[i]) if align[i] == "<" else c.rjust(widths[i]))
        return "  ".join(cells).rstrip()
    out = [fmt(headers), "  ".join("-" * w for w in widths)]
    out += [fmt(r) for r in rows]
    return out


def summarize(results: list, peers=PEERS) -> list:
    """Per case: fastact's median, the fastest peer and the ratio."""
    by_case: dict = {}
    for r in results:
        by_case.setdefault((r["op"], r["dtype"], r["size"]), {})[r["impl"]] = r["median_s"]
    out = []
    for (op, dt, size), d in by_case.items():
        fa_t = d.get("fastact")
        ps = {p: d[p] for p in peers if p in d}
        best = min(ps, key=ps.get) if ps else None
        out.append({
            "op": op, "dtype": dt, "size": size,
            "fastact_s": fa_t, "fastact_alloc_s": d.get("fastact_alloc"),
            "best_peer": best, "best_peer_s": ps.get(best) if best else None,
            "speedup": (ps[best] / fa_t) if (best and fa_t) else None,
            "alloc_speedup": (ps[best] / d["fastact_alloc"])
            if (best and d.get("fastact_alloc")) else None,
            "copy_s": d.get("copy_mt"), "copy_1t_s": d.get("copy"),
        })
    return out


def render_report(results: list, skipped: list, impls: list, dtypes, ops, sizes) -> list:
    """The text tables (one per dtype, plus the memory-speed ceiling)."""
    med = {(r["op"], r["dtype"], r["size"], r["impl"]): r["median_s"] for r in results}
    why = {(s["op"], s["dtype"], s["size"], s["impl"]): s["status"] for s in skipped}
    summary = {(s["op"], s["dtype"], s["size"]): s for s in summarize(results)}
    cols = [i for i in impls if i not in CEILINGS]
    lines = []
    for dt in dtypes:
        lines.append("")
        lines.append(f"{dt}: median time per call (lower is better);"
                     f" speed-up = fastest peer / fastact (out=)")
        headers = ["op", "n"] + [TITLES[i] for i in cols] + ["fastest peer", "speed-up"]
        rows = []
        for op in ops:
            for size in sizes:
                key = (op, dt, size)
                if key not in summary and not any((op, dt, size, i) in why for i in cols):
                    continue
                row = [op, format_size(n_elements(op, size))]
                for i in cols:
                    t = med.get(key + (i,))
                    row.append(format_time(t) if t is not None
                               else ("wrong" if why.get(key + (i,)) == "wrong" else "-"))
                s = summary.get(key)
                if s and s["best_peer"]:
                    row += [s["best_peer"], f"{s['speedup']:.2f}x" if s["speedup"] else "-"]
                else:
                    row += ["-", "-"]
                rows.append(row)
        lines += _table(headers, rows, ["<", ">"] + [">"] * len(cols) + ["<", ">"])
    ceil_rows = []
    for dt in dtypes:
        for op in ops:
            if op not in CEILING_OPS:
                continue
            for size in sizes:
                s = summary.get((op, dt, size))
                if not s or not s.get("copy_s"):
                    continue
                best = min(t for t in (s["copy_s"], s["copy_1t_s"]) if t)
                ceil_rows.append([dt, op, format_size(size), format_time(s["fastact_s"]),
                                  format_time(s["copy_s"]), format_time(s["copy_1t_s"]),
                                  f"{s['fastact_s'] / best:.2f}x"
                                  if s["fastact_s"] else "-"])
    if ceil_rows:
        lines.append("")
        lines.append("memory-speed ceiling: a plain copy of the same bytes (x -> out) with"
                     " the same threads ('copy') and with one ('copy 1t');"
                     " fastact/copy = fastact / the faster copy")
        lines += _table(["dtype", "op", "n", "fastact", "copy", "copy 1t", "fastact/copy"],
                        ceil_rows, ["<", "<", ">", ">", ">", ">", ">"])
    lines.append("")
    if any(op in ROW_OPS for op in ops):
        lines.append(f"softmax/log_softmax: n elements as rows of {ROW_LEN} (1e3 = 1 row).")
    notes: dict = {}
    for sk in skipped:
        if sk["status"] == "unsupported":
            notes.setdefault((sk["impl"], sk["reason"]), set()).add(sk["op"])
    for (impl, reason), ops_ in sorted(notes.items()):
        ops_s = ",".join(o for o in OPS if o in ops_)
        lines.append(f"-: {impl} not timed for {ops_s}: {reason}")
    if any(sk["status"] == "wrong" for sk in skipped):
        lines.append("wrong: the implementation's result disagreed with fastact's;"
                     " it was not timed (details in --json)")
    return lines


def plot_results(path: str, results: list, impls: list, ops, title: str,
                 threads: int = 0) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = [op for op in ops if any(r["op"] == op for r in results)]
    ncol = 3 if len(ops) > 4 else max(1, min(len(ops), 2))
    nrow = (len(ops) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), squeeze=False)
    colors = {"fastact": "C3", "fastact_alloc": "C1", "numpy": "C0", "numexpr": "C2",
              "torch": "C4", "onnxruntime": "C5", "copy": "0.6", "copy_mt": "0.3"}
    styles = {"float32": "-", "float64": "--"}
    labels_ = {"fastact": "fastact (out=)", "fastact_alloc": "fastact (allocating)",
               "numpy": "numpy/scipy", "copy": "memcpy, 1 thread",
               "copy_mt": f"memcpy, {threads or 'N'} threads"}
    for ax, op in zip(axes.flat, ops):
        for impl in impls:
            for dt in styles:
                pts = sorted((r["elements"], r["elements"] / r["median_s"]) for r in results
                             if r["op"] == op and r["impl"] == impl and r["dtype"] == dt)
                if not pts:
                    continue
                xs, ys = zip(*pts)
                ax.plot(xs, ys, styles[dt], marker="o", ms=3, color=colors.get(impl),
                        label=f"{labels_.get(impl, impl)} {dt}",
                        lw=2.2 if impl == "fastact" else 1.2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel("elements")
        ax.set_ylabel("elements / s")
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(ops):]:
        ax.set_visible(False)
    handles, labels = {}, []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    fig.legend([handles[lab] for lab in labels], labels, loc="lower center",
               ncol=min(6, len(labels)), fontsize="small", frameon=False)
    fig.suptitle(title)
    rows_leg = (len(labels) + 5) // 6
    fig.tight_layout(rect=(0, 0.03 * rows_leg + 0.02, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_bench(ops=OPS, sizes=SIZES, dtypes=DTYPES, threads=None, repeat=7, target=0.02,
              peers=None, isa=None, json_path=None, plot_path=None, progress=True,
              out=None) -> dict:
    """Run the benchmark, print the report to `out` (stdout) and return the data."""
    import json

    import fastact as fa

    out = out if out is not None else sys.stdout
    if plot_path:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise SystemExit("--plot needs matplotlib, which is not installed:"
                             " pip install matplotlib (or pip install 'fastact[plot]')") from None
    threads = int(threads) if threads else default_threads()
    if threads < 1:
        raise SystemExit("--threads must be >= 1")
    load_before = load_average()
    versions = peer_versions()
    wanted = list(PEERS + CEILINGS) if peers is None else list(peers)
    impls = list(FASTACT_IMPLS)
    for p in PEERS + CEILINGS:
        if p not in wanted:
            continue
        if p in CEILINGS and not (CEILING_OPS & set(ops)):
            continue
        if impl_available(p):
            impls.append(p)
    old_threads = fa.get_num_threads()
    old_isa = None
    core = _try_import("fastact._core")
    if isa:
        if core is None or not hasattr(core, "set_isa"):
            raise SystemExit("--isa needs fastact._core.set_isa")
        old_isa = core.set_isa(isa)
    try:
        fa.set_num_threads(threads)
        cfg = dict(fa.get_config())
        header = _header_lines(cfg, threads, versions, impls, repeat, target)
        for line in header:
            print(line, file=out)
        out.flush()
        cases = [(dt, op, size) for dt in dtypes for op in ops for size in sizes]
        prog = _Progress(len(cases), enabled=progress)
        results, skipped = [], []
        for dt, op, size in cases:
            label = f"{op} {dt} n={format_size(size)}"
            prog.step(label)
            x = make_input(op, dt, size)
            o = np.empty_like(x)
            expected = fastact_result(op, x)
            check_fastact(op, x, expected)
            built = {}
            for name in impls:
                rec = {"op": op, "dtype": dt, "size": size, "impl": name}
                try:
                    impl = make_impl(name, op, x, o, threads)
                except Unsupported as e:
                    if not (name in CEILINGS and op not in CEILING_OPS):
                        skipped.append({**rec, "status": "unsupported", "reason": str(e)})
                    continue
                try:
                    check_impl(impl, op, x, o, expected)
                except AssertionError as e:
                    first = str(e).strip().splitlines()
                    prog.warn(f"{name} gave a wrong result for {label}; not timed"
                              f" ({first[0] if first else ''})")
                    skipped.append({**rec, "status": "wrong", "reason": str(e)[:500]})
                    continue
                built[name] = impl
            timings = time_side_by_side(built, repeat, target)
            n = x.size
            for name, t in timings.items():
                results.append({
                    "op": op, "dtype": dt, "size": size, "shape": list(x.shape),
                    "elements": n, "impl": name, "note": built[name].note,
                    "median_s": t.median, "min_s": t.min, "loops": t.loops,
                    "samples_s": t.samples, "elements_per_s": n / t.median,
                })
            close_impls(built.values())
            del built, o, expected
        prog.done()
        report = render_report(results, skipped, impls, dtypes, ops, sizes)
        for line in report:
            print(line, file=out)
        data = {
            "fastact_version": cfg.get("version"),
            "config": {k: (v if isinstance(v, (str, int, float, bool, list, type(None)))
                           else str(v)) for k, v in cfg.items()},
            "cpu": cpu_model(), "logical_cpus": os.cpu_count(), "machine": platform.machine(),
            "python": sys.version.split()[0], "numpy": np.__version__,
            "versions": versions, "threads": threads, "impls": impls,
            "load_average": {"before": load_before, "after": load_average()},
            "settings": {"ops": list(ops), "sizes": list(sizes), "dtypes": list(dtypes),
                         "repeat": repeat, "target_s": target, "warmup_s": target,
                         "input_scale": INPUT_SCALE,
                         "seed": SEED, "row_len": ROW_LEN, "leaky_slope": LEAKY_SLOPE},
            "command": " ".join(["python -m fastact"] + sys.argv[1:]),
            "results": results, "skipped": skipped, "summary": summarize(results),
        }
        if json_path:
            with open(json_path, "w") as f:
                json.dump(data, f, indent=1)
            print(f"\nwrote {json_path}", file=out)
        if plot_path:
            title = (f"fastact {cfg.get('version', '')} ({cfg.get('isa', '?')}) vs peers:"
                     f" {cpu_model()}, {threads} threads")
            plot_results(plot_path, results, impls, ops, title, threads)
            print(f"wrote {plot_path}", file=out)
        return data
    finally:
        fa.set_num_threads(old_threads)
        if old_isa is not None:
            core.set_isa(old_isa)
        shutdown()
