"""The shape of a registry row (see the package docstring)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Tuple

INF = math.inf


@dataclass(frozen=True)
class Param:
    """One parameter of a public function.

    kind:
      "real"    a real number (int, float, NumPy integer or floating; not bool);
                ``check`` may add "nonzero" or "positive"
      "choice"  one of ``choices`` (str); picks the variant (Variant.select)
      "axis"    an int axis (row-wise ops)
    """

    name: str
    default: Any
    kind: str = "real"
    choices: Tuple[str, ...] = ()
    check: Optional[str] = None
    doc: str = ""
    keyword_only: bool = False  # after `*` in the signature (with num_threads)


@dataclass(frozen=True)
class Variant:
    """One C kernel family member: what the tests, verifiers and benchmarks iterate over.

    name     unique key, e.g. "gelu_tanh" (also the label in reports)
    c        the C enum suffix: FA_OP_<c> in src/c/fa_ops.h
    select   values of the function's "choice" parameters that select this
             variant, e.g. {"approximate": "tanh"}
    cparams  the kernel's parameters p->v[0..] as Python expressions over the
             public parameters (also valid Cython), e.g. ("negative_slope",)
    ref      the NumPy oracle's formula: ref(w, **params) on a float64 (for
             16/32-bit inputs) or long double (float64 inputs) array ``w``,
             written without cancellation; fastact.reference rounds it once
             to the result dtype
    mp       the mathematical definition for finite x: mp(ctx, x, **params)
             with an mpmath context ``ctx`` and x an mpf; None for ops whose
             result is exactly the rounded product or comparison (``exact``)
    exact    the result is an exact operation on x (comparison, one product)
    ulp      the promised max error in ulp per dtype (the tests' bound)
    limits   limits(**params) -> (f(-inf), f(+inf))
    points   inputs where the algorithm changes behaviour (clamps, saturation,
             subnormal results), for the samplers; both signs are sampled
    regions  extra float64 sample regions (label, "lin"|"log", lo, hi) of |x|
    cases    parameter sets the tests and verifiers run besides the defaults
    peers    how other libraries compute the same op, for the benchmarks
             (python -m fastact bench, benchmarks/bench_ops.py):
             {peer: spec} with peer "torch", "onnxruntime", "numpy" or
             "numexpr"; a peer without an entry shows "-".  A spec is an
             expression over ``x`` and the function's parameters (bound to the
             values benchmarked: the defaults, and ``select``) in a small
             subset of Python: names, numbers, strings, ``+ - * / **``, unary
             minus, comparisons and calls ``f(a, key=b)`` of dotted names; or
             a tuple of specs, the first that runs wins (e.g. an older
             spelling).  The peer gives the names their meaning (grammar:
             fastact/_bench/peers/spec.py):
               torch        torch functions by full name; the outermost call
                            gets out= when it takes one, else the peer is
                            timed allocating: "torch._C._nn.elu(x, alpha)",
                            "torch.nn.functional.selu(x)"
               onnxruntime  ONNX operators (opset 20); positional arguments
                            are inputs, keywords attributes:
                            "Elu(x, alpha=alpha)", "x * Sigmoid(x)"
               numpy        np.* and scipy.* functions; ufuncs write into the
                            output in place ("np.maximum(x, x * s)" needs no
                            temporary), or a formula of the NumPy adapter as
                            the whole expression: "softmax(x, axis)"
               numexpr      a numexpr expression: "where(x > 0, x, x * s)"
             tests/test_bench_peers.py checks every entry.
    """

    name: str
    c: str
    ref: Callable[..., Any]
    mp: Optional[Callable[..., Any]]
    limits: Callable[..., Tuple[float, float]]
    select: Mapping[str, str] = field(default_factory=dict)
    cparams: Tuple[str, ...] = ()
    exact: bool = False
    ulp: Mapping[str, float] = field(default_factory=lambda: {"float32": 4.0, "float64": 4.0})
    points: Tuple[float, ...] = ()
    regions: Tuple[Tuple[str, str, float, float], ...] = ()
    cases: Tuple[Mapping[str, Any], ...] = ()
    peers: Mapping[str, Any] = field(default_factory=dict)
    # set by Function.__post_init__
    func: str = ""
    family: str = ""


@dataclass(frozen=True)
class Function:
    """One public function of fastact.

    family   "map" (elementwise: ``f(x, <params>, out=None, *, num_threads=None)``)
             or "rows" (``f(x, axis=-1, out=None, *, num_threads=None)``)
    params   the parameters between x and out, in order
    variants the C kernels behind it (several when a "choice" parameter picks one)
    doc      the docstring's first line
    inputs   the names of the array arguments, in order (("dy", "x") for a backward op)
    checks   conditions the parameters must satisfy together, as (expression
             over the real parameters' names (Python, also valid Cython),
             message) pairs: a call where one is false raises ValueError
             (e.g. hardtanh's ("min_val <= max_val", ...))
    """

    name: str
    family: str
    params: Tuple[Param, ...]
    variants: Tuple[Variant, ...]
    doc: str
    inputs: Tuple[str, ...] = ("x",)  # the array arguments before the parameters
    checks: Tuple[Tuple[str, str], ...] = ()

    def __post_init__(self):
        for v in self.variants:
            object.__setattr__(v, "func", self.name)
            object.__setattr__(v, "family", self.family)

    def defaults(self):
        return {p.name: p.default for p in self.params if p.kind == "real"}
