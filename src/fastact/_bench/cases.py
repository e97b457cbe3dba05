"""What is timed: the ops (the registry's variants), dtypes, sizes, the case sets, the data.

The op list is ``fastact._ops.bench_variants()``; a case is (dtype, op, size)
with op a variant name.  Row-wise ops ("rows" and "rows2" families) and the
gated forms work on rows of ROW_LEN along the last axis, so their size is
rounded to whole rows (a gated form's result has half as many columns).
The backward ops (families "map2", "rows2") take two arrays: their input is
the tuple (dy, x) (x the forward output y for sigmoid, tanh, softmax and
log_softmax), and every implementation is given that tuple.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _ops

ROW_LEN = 1000
INPUT_SCALE = 3.0
SEED = 12345


@dataclass(frozen=True)
class DType:
    """A dtype the bench can time, and how close a peer's result must be to fastact's.

    The tolerances are loose enough for every peer's formula on this input
    range, tight enough to catch a wrong computation (exact vs tanh gelu differ
    by ~1e-3, a wrong axis by O(1)); float64 is loose because ONNX Runtime's
    float64 tanh-gelu is only float32-accurate (~3e-7).  A 16-bit type is one
    more entry (with a NumPy dtype for it); adapters that lack it raise
    Unsupported and show "-".
    """

    name: str
    rtol: float
    atol: float

    @property
    def numpy(self) -> np.dtype:
        if self.name == "bfloat16":
            import ml_dtypes  # noqa: F401  (registers the dtype; the bench says so when missing)
        return np.dtype(self.name)


# 16-bit tolerances: two ulps of the type (peers compute in float32 and round once too)
DTYPES = {d.name: d for d in (DType("float32", 1e-4, 1e-5), DType("float64", 1e-6, 1e-9),
                              DType("float16", 2e-3, 1e-4), DType("bfloat16", 1.6e-2, 1e-3))}


def ops() -> tuple:
    """Every op the bench knows: the registry's variant names, in registry order."""
    return tuple(v.name for v in _ops.bench_variants())


def variant(op: str):
    return _ops.variant(op)


def params(v) -> dict:
    """The parameter values the bench times variant v with: the function's
    defaults, with the choice parameters that select v (peers read them by name)."""
    f = _ops.function(v.func)
    return {**{p.name: p.default for p in f.params}, **v.select}


def env(v, x) -> dict:
    """The names a peers entry of variant v may use besides x, bound for input x:
    its parameters (params(v)); gated forms: a and b, the two halves of x's last
    axis (views); channel ops: weight (the registry's example weight as a
    1-element array of x's dtype)."""
    e = params(v)
    if v.family == "gated":
        h = x.shape[-1] // 2
        e.update(a=x[..., :h], b=x[..., h:])
    elif v.family == "channel":
        e["weight"] = np.full(1, _ops.channel.EXAMPLE_WEIGHT, dtype=x.dtype)
    return e


def env_names(v) -> tuple:
    """Names peers entries of v may use (spec.check_names)."""
    extra = {"gated": ("a", "b"), "channel": ("weight",)}.get(v.family, ())
    return tuple(params(v)) + extra


# ---------------------------------------------------------------- case sets


@dataclass(frozen=True)
class Plan:
    """The cases of one run and how long each sample is."""

    cases: tuple   # ((dtype, op, size), ...) in report order
    repeat: int    # samples per implementation (the median is reported)
    target: float  # seconds per sample, and as long untimed before it (warm-up)
    full: bool = False  # the --full grid

    @property
    def ops(self) -> list:
        return list(dict.fromkeys(op for _, op, _ in self.cases))

    @property
    def dtypes(self) -> list:
        return list(dict.fromkeys(dt for dt, _, _ in self.cases))

    @property
    def sizes(self) -> list:
        return sorted({s for _, _, s in self.cases})


SIZES = (1_000, 100_000, 10_000_000)   # --full
DEFAULT_SIZES = (1_000, 100_000)       # the default run, every op (~1.8 s per case on 2 cores)
#: the default run's other rows: at 1e7 one memory-bound op (with the copy
#: ceiling) and one with real arithmetic; --full has every op at every size
DEFAULT_EXTRA = {10_000_000: ("relu", "sigmoid")}
DEFAULT = {"dtypes": ("float32",), "repeat": 5, "target": 0.01}
FULL = {"dtypes": ("float32", "float64"), "repeat": 7, "target": 0.02}
QUICK = {"sizes": (1_000,), "repeat": 3, "target": 0.005}


def plan(ops=None, dtypes=None, sizes=None, repeat=None, target=None, full=False,
         quick=False) -> Plan:
    """The run's cases: the default set unless `full` or `quick`; explicit
    ops / dtypes / sizes / repeat / target override the set's choice."""
    base = FULL if full else QUICK if quick else DEFAULT
    ops = list(ops or (v.name for v in _ops.bench_variants()))
    dtypes = list(dtypes or base.get("dtypes", DEFAULT["dtypes"]))
    for dt in dtypes:
        try:
            DTYPES[dt].numpy
        except ImportError:
            raise SystemExit(f"fastact bench: --dtypes {dt} needs ml_dtypes (pip install ml_dtypes)") from None
    if sizes:
        grid = {op: list(sizes) for op in ops}
    elif full:
        grid = {op: list(SIZES) for op in ops}
    elif quick:
        grid = {op: list(QUICK["sizes"]) for op in ops}
    else:
        grid = {op: sorted({*DEFAULT_SIZES, *(s for s, who in DEFAULT_EXTRA.items()
                                               if op in who)}) for op in ops}
    cases = tuple((dt, op, s) for dt in dtypes for op in ops for s in grid[op])
    return Plan(cases, repeat if repeat is not None else base["repeat"],
                target if target is not None else base["target"], full=full)


# ---------------------------------------------------------------- data


def shape_for(v, size: int) -> tuple:
    """Array shape used for variant v at `size` elements (row ops and gated
    forms: rows of ROW_LEN, the gated forms halving them)."""
    if v.family in ("rows", "rows2", "gated"):
        return (max(1, size // ROW_LEN), ROW_LEN)
    return (size,)


def out_shape(v, shape: tuple) -> tuple:
    """The result's shape for an input of this shape."""
    if v.family == "gated":
        return shape[:-1] + (shape[-1] // 2,)
    return shape


def n_elements(v, size: int) -> int:
    return math.prod(shape_for(v, size))


_INPUTS: dict = {}


def _base(dtype: str, n: int, seed: int = SEED) -> np.ndarray:
    base = _INPUTS.get((dtype, n, seed))
    if base is None:
        rng = np.random.default_rng(seed)
        base = rng.standard_normal(n, dtype=np.float64) * INPUT_SCALE
        base = base.astype(DTYPES[dtype].numpy)  # the same values, rounded, in every dtype
        base.flags.writeable = False
        _INPUTS[(dtype, n, seed)] = base
    return base


# the backward ops that take the forward output: the forward op giving it
_FROM_OUTPUT = {"sigmoid_backward": "sigmoid", "tanh_backward": "tanh",
                "softmax_backward": "softmax", "log_softmax_backward": "log_softmax"}


def make_input(v, dtype: str, size: int):
    """The (cached, read-only) input of a case: the same data for every op
    (backward ops: the tuple (dy, x), dy from another seed)."""
    shape = shape_for(v, size)
    n = math.prod(shape)
    x = _base(dtype, n).reshape(shape)
    if v.family not in ("map2", "rows2"):  # the two-array backward families
        return x
    key = (dtype, n, v.name)
    pair = _INPUTS.get(key)
    if pair is None:
        import fastact

        fwd = _FROM_OUTPUT.get(v.name)
        if fwd is not None:
            x = getattr(fastact, fwd)(x)
            x.flags.writeable = False
        pair = (_base(dtype, n, SEED + 1).reshape(shape), x)
        _INPUTS[key] = pair
    return pair


def result_like(v, x) -> np.ndarray:
    """An output array of variant v for input x (the backward ops' tuple: like
    its last array; a gated form's result: half the last axis)."""
    a = last(x)
    return np.empty(out_shape(v, a.shape), dtype=a.dtype)


def last(x) -> np.ndarray:
    """The array the result has the shape and dtype of."""
    return x[-1] if isinstance(x, tuple) else x


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
