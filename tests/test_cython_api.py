"""The Cython API (fastact/cython_api.pxd): a tiny downstream extension is built
against the installed fastact at test time (setuptools + Cython, as a user
would build it), calls gelu_f32 on each row inside prange(nogil=True) and
softmax_f32 under `with nogil:`, and must give fa.gelu / fa.softmax bit for
bit.  Skipped cleanly without Cython, setuptools or a C compiler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import numpy as np
import pytest

import fastact as fa
from fastact._ops._capigen import NO_CAPI
from fastact import _ops

PYX = r'''
# cython: language_level=3
# The user's default directives (boundscheck and wraparound on): the
# inline functions of cython_api.pxd must not depend on them.
from cython.parallel cimport prange
from fastact.cython_api cimport (
    FA_OK, FA_ESHAPE, FA_EPARAM, FA_EOVERLAP, FA_ENULL,
    gelu_f32, gelu_f32_ptr, softmax_f32, softmax_f64, log_softmax_row_f64,
    leaky_relu_f64, gelu_tanh_f64, relu_f32_ptr,
)
cimport fastact.cython_api as fca


def gelu_rows(const float[:, ::1] x, float[:, ::1] out):
    """gelu_f32 on each row, rows in parallel; returns the number of failed rows."""
    cdef Py_ssize_t i
    cdef int bad = 0
    for i in prange(x.shape[0], nogil=True, schedule="static", chunksize=1):
        if gelu_f32(x[i], out[i]) != FA_OK:
            bad += 1
    return bad


def softmax2d(const float[:, ::1] x, float[:, ::1] out):
    cdef int rc
    with nogil:
        rc = softmax_f32(x, out)
    return rc


def softmax2d_f64(const double[:, ::1] x, double[:, ::1] out):
    cdef int rc
    with nogil:
        rc = softmax_f64(x, out)
    return rc


def log_softmax_rows_f64(const double[:, ::1] x, double[:, ::1] out):
    cdef Py_ssize_t i
    cdef int bad = 0
    for i in prange(x.shape[0], nogil=True):
        if log_softmax_row_f64(x[i], out[i]) != FA_OK:
            bad += 1
    return bad


def leaky(const double[::1] x, double[::1] out, double s):
    cdef int rc
    with nogil:
        rc = leaky_relu_f64(x, out, s)
    return rc


def leaky_default(const double[::1] x, double[::1] out):
    return leaky_relu_f64(x, out)


def gelu_tanh_module_attr(const double[::1] x, double[::1] out):
    return fca.gelu_tanh_f64(x, out)


def codes():
    return {"FA_OK": FA_OK, "FA_ESHAPE": FA_ESHAPE, "FA_EPARAM": FA_EPARAM,
            "FA_EOVERLAP": FA_EOVERLAP, "FA_ENULL": FA_ENULL}


def shape_mismatch(const float[::1] x, float[::1] out):
    return gelu_f32(x, out)


def overlap(float[::1] buf):
    """out overlaps x by one element but is not x."""
    return gelu_f32_ptr(&buf[0], &buf[1], buf.shape[0] - 1)


def in_place(float[::1] buf):
    return gelu_f32(buf, buf)


def null_ptr():
    return relu_f32_ptr(NULL, NULL, 4), relu_f32_ptr(NULL, NULL, 0)
'''


def _generated_wrappers():
    """A def per registry variant and dtype calling its Cython API function, so
    that every row of the registry (with its parameters) is built and checked."""
    lines = []
    for f in _ops.FUNCTIONS:
        if f.family in NO_CAPI:
            continue
        real = [p.name for p in f.params if p.kind == "real"]
        for v in f.variants:
            for dt, ct in (("f32", "float"), ("f64", "double")):
                args = "".join(f", double {p}" for p in real)
                call = "".join(f", {p}" for p in real)
                dims = "[::1]" if f.family in ("map", "map2") else "[:, ::1]"
                ins = "".join(f"const {ct}{dims} {n}, " for n in f.inputs)
                pass_ins = "".join(f"{n}, " for n in f.inputs)
                if f.family == "channel":  # (N, C) rows and one weight per channel
                    ins, pass_ins = f"const {ct}{dims} x, ", "x, "
                    args, call = f", const {ct}[::1] weight", ", weight"
                lines += [
                    f"def call_{v.name}_{dt}({ins}{ct}{dims} out{args}):",
                    "    cdef int rc",
                    "    with nogil:",
                    f"        rc = fca.{v.name}_{dt}({pass_ins}out{call})",
                    "    return rc",
                    "",
                ]
    return "\n".join(lines)


PYX += "\n\n" + _generated_wrappers()

SETUP = r'''
import sys
from setuptools import Extension, setup
from Cython.Build import cythonize

omp = sys.argv.pop() == "omp"
flags = ["-fopenmp"] if omp else []
setup(
    name="fastact_downstream",
    ext_modules=cythonize([Extension("fastact_downstream", ["fastact_downstream.pyx"],
                                     extra_compile_args=flags, extra_link_args=flags)],
                          quiet=True),
)
'''


def _compiler():
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) or shutil.which("cc") or shutil.which("gcc")


@pytest.fixture(scope="module")
def downstream(tmp_path_factory):
    pytest.importorskip("Cython")
    pytest.importorskip("setuptools")
    cc = _compiler()
    if cc is None:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("downstream")
    (d / "fastact_downstream.pyx").write_text(PYX)
    (d / "setup.py").write_text(SETUP)
    # fastact's own location first, so that Cython finds fastact/cython_api.pxd
    # whether fastact is installed or an in-place build on PYTHONPATH
    root = os.path.dirname(os.path.dirname(os.path.abspath(fa.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    probe = subprocess.run([cc, "-fopenmp", "-x", "c", "-", "-o", os.devnull], input="int main(void){return 0;}",
                           capture_output=True, text=True, cwd=d)
    omp = "omp" if probe.returncode == 0 else "noomp"
    r = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", omp], cwd=d, env=env,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.fail("building the downstream extension failed:\n" + r.stdout[-3000:] + r.stderr[-3000:])
    sys.path.insert(0, str(d))
    try:
        import fastact_downstream
    finally:
        sys.path.remove(str(d))
    return fastact_downstream


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8)


def test_gelu_rows_in_prange_bitwise(downstream):
    x = (np.random.default_rng(0).standard_normal((64, 1000)) * 4).astype(np.float32)
    x[0, :4] = [np.nan, -np.inf, np.inf, -0.0]
    out = np.full_like(x, 7.0)
    assert downstream.gelu_rows(x, out) == 0
    assert np.array_equal(_bits(out), _bits(fa.gelu(x)))


def test_softmax_with_nogil_bitwise(downstream):
    rng = np.random.default_rng(1)
    for shape in ((32, 1000), (3, 40000), (1, 1), (5, 17)):  # 40000 > FA_ROW_BLOCK: blocked rows
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        out = np.empty_like(x)
        assert downstream.softmax2d(x, out) == 0
        assert np.array_equal(_bits(out), _bits(fa.softmax(x)))
        x64 = x.astype(np.float64)
        out64 = np.empty_like(x64)
        assert downstream.softmax2d_f64(x64, out64) == 0
        assert np.array_equal(_bits(out64), _bits(fa.softmax(x64)))
        assert downstream.log_softmax_rows_f64(x64, out64) == 0
        assert np.array_equal(_bits(out64), _bits(fa.log_softmax(x64)))


def test_params_and_variants(downstream):
    x = np.random.default_rng(2).standard_normal(333) * 5
    out = np.empty_like(x)
    assert downstream.leaky(x, out, 0.2) == 0
    assert np.array_equal(_bits(out), _bits(fa.leaky_relu(x, 0.2)))
    assert downstream.leaky_default(x, out) == 0
    assert np.array_equal(_bits(out), _bits(fa.leaky_relu(x)))
    assert downstream.gelu_tanh_module_attr(x, out) == 0
    assert np.array_equal(_bits(out), _bits(fa.gelu(x, approximate="tanh")))


def test_errors_are_return_codes(downstream):
    codes = downstream.codes()
    assert codes == {"FA_OK": 0, "FA_ESHAPE": -1, "FA_EPARAM": -2, "FA_EOVERLAP": -3, "FA_ENULL": -4}
    out = np.full(4, 9.0, np.float32)
    assert downstream.shape_mismatch(np.ones(5, np.float32), out) == codes["FA_ESHAPE"]
    assert downstream.shape_mismatch(np.ones(0, np.float32), out[:0]) == codes["FA_OK"]
    assert (out == 9.0).all()
    buf = np.arange(8, dtype=np.float32)
    assert downstream.overlap(buf) == codes["FA_EOVERLAP"]
    assert np.array_equal(buf, np.arange(8, dtype=np.float32))
    want = fa.gelu(buf)
    assert downstream.in_place(buf) == codes["FA_OK"]
    assert np.array_equal(_bits(buf), _bits(want))
    assert downstream.null_ptr() == (codes["FA_ENULL"], codes["FA_OK"])
    with pytest.raises(ValueError):  # the view's own check: not C-contiguous
        downstream.gelu_rows(np.ones((4, 8), np.float32)[:, ::2], np.empty((4, 4), np.float32))


def test_every_registry_variant_is_exported():
    capi = getattr(fa._core, "__pyx_capi__", {})
    for v in _ops.variants():
        if v.family in NO_CAPI:
            assert f"{v.name}_f32_ptr" not in capi
            continue
        for dt in ("f32", "f64"):
            assert f"{v.name}_{dt}_ptr" in capi, (v.name, dt)
    pxd = os.path.join(os.path.dirname(fa.__file__), "cython_api.pxd")
    text = open(pxd).read()
    for v in _ops.variants():
        if v.family in NO_CAPI:
            continue
        for dt in ("f32", "f64"):
            assert f"cdef inline int {v.name}_{dt}(" in text


def test_every_registry_variant_through_the_cython_api(downstream):
    rng = np.random.default_rng(3)
    for f in _ops.FUNCTIONS:
        if f.family in NO_CAPI:
            continue
        for v in f.variants:
            for params in _ops.cases(v):
                kw = {p.name: params.get(p.name, p.default) for p in f.params if p.kind == "real"}
                for dt in (np.float32, np.float64):
                    shape = (333,) if f.family in ("map", "map2") else (7, 50)
                    ins = [(rng.standard_normal(shape) * 5).astype(dt) for _ in f.inputs]
                    x = ins[-1]
                    out = np.empty_like(x) if f.family != "gated" else np.empty((7, 25), dt)
                    name = f"call_{v.name}_{'f32' if dt == np.float32 else 'f64'}"
                    if f.family == "channel":
                        w = np.linspace(-2, 2, 50).astype(dt)
                        assert getattr(downstream, name)(x, out, w) == 0, name
                        assert np.array_equal(_bits(out), _bits(_ops.call(v, x, {"weight": w}))), name
                        assert getattr(downstream, name)(x, out, w[:1]) == 0, name
                        assert np.array_equal(_bits(out), _bits(_ops.call(v, x, {"weight": w[0]}))), name
                        assert getattr(downstream, name)(x, out, w[:3]) == -1, name  # FA_ESHAPE
                        continue
                    assert getattr(downstream, name)(*ins, out, *kw.values()) == 0, name
                    want = getattr(fa, f.name)(*ins, **_ops.kwargs(v, params))
                    assert np.array_equal(_bits(out), _bits(want)), (name, params)


def test_parameter_checks_are_return_codes(downstream):
    checked = [(f, p) for f in _ops.FUNCTIONS for p in f.params if p.kind == "real" and p.check]
    if not checked:
        pytest.skip("no registry parameter has a check")
    for f, p in checked:
        v = f.variants[0]
        bad = 0.0 if p.check in ("positive", "nonzero") else None
        kw = {q.name: (bad if q is p else q.default) for q in f.params if q.kind == "real"}
        ins = [np.ones(5)] * len(f.inputs)
        out = np.full(5, 7.0)
        assert getattr(downstream, f"call_{v.name}_f64")(*ins, out, *kw.values()) == -2, (f.name, p.name)
        assert (out == 7.0).all()
        if p.check != "positive":
            continue
        kw[p.name] = float("nan")  # not > 0, as in the Python check
        assert getattr(downstream, f"call_{v.name}_f64")(*ins, out, *kw.values()) == -2, (f.name, p.name)
