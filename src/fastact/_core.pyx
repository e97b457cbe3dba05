# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""fastact._core: the thin typed layer between NumPy arrays and the C library.

Every public op has two paths:

* a fast path, taken when ``x`` is exactly a ``numpy.ndarray`` of native-order,
  aligned float32/float64 that is C- or F-contiguous (softmax: C-contiguous and
  ``axis`` the last axis), and ``out`` is None or a matching contiguous array:
  raw pointers (``PyArray_DATA``) go straight to the C entry point under
  ``with nogil:``.  No memoryviews: acquiring a typed memoryview costs a few
  hundred ns per array, more than everything else on this path together.
* a general path (``_map_general`` / ``_rows_general``) that normalises
  anything ``np.asarray`` accepts: dtype promotion, byte-swapped, unaligned,
  strided or overlapping arrays, ``out=`` casting, and then runs the same C
  entry points on dense native buffers.

The contract these paths implement is written down in docs/api.md.
"""

cimport numpy as cnp
from libc.stdint cimport uintptr_t
from libc.limits cimport INT_MAX
from cpython.ref cimport Py_INCREF

import os
import warnings

import numpy as np

try:  # NumPy >= 2.0
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index
try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover
    from numpy import AxisError

cnp.import_array()


cdef extern from "fastact.h" nogil:
    cdef enum:
        FA_F32
        FA_F64
        FA_F16
        FA_BF16
        FA_N_MAP_OPS
        FA_N_ROW_OPS
        FA_ISA_SCALAR
        FA_ISA_SSE2
        FA_ISA_AVX2
        FA_ISA_AVX512
        FA_ISA_NEON
        FA_N_ISA
        FA_MAX_PARAMS
        FA_FAMILY_MAP
        FA_FAMILY_ROWS
        FA_FAMILY_GATED
        FA_FAMILY_CHANNEL

    ctypedef struct fa_params:
        double v[4]

    int fa_init()
    unsigned fa_isa_supported()
    unsigned fa_isa_compiled()
    int fa_isa_active()
    int fa_isa_set(int level)
    const char *fa_isa_name(int level)
    int fa_isa_from_name(const char *name)

    int fa_get_num_threads()
    void fa_set_num_threads(int n)
    int fa_openmp_enabled()

    void fa_map(int op, int dtype, const void *x, void *y, size_t n, const fa_params *p, int nthreads)
    void fa_rows(int op, int dtype, const void *x, void *y, size_t rows, size_t cols, int nthreads)
    const char *fa_op_name(int family, int op)
    int fa_op_nparams(int op)
    int fa_take_oom()


cdef extern from "numpy/arrayobject.h":
    cdef enum:
        NPY_HALF


cdef extern from "numpy/arrayobject.h":
    # Declared here with a raw descr pointer so that NULL ("same dtype as the
    # prototype") can be passed; numpy's .pxd types it as a dtype object.
    object _new_like "PyArray_NewLikeArray" (cnp.ndarray prototype, cnp.NPY_ORDER order,
                                             cnp.PyArray_Descr *descr, int subok)


# --------------------------------------------------------------------------
# Library initialisation (runs once, at import)
# --------------------------------------------------------------------------

cdef list _ISA_NAMES = [fa_isa_name(i).decode("ascii") for i in range(FA_N_ISA)]


def _names_of(unsigned mask):
    return [_ISA_NAMES[i] for i in range(FA_N_ISA) if (mask >> i) & 1u]


if fa_init() != 0:
    raise ImportError(
        f"FASTACT_ISA={os.environ.get('FASTACT_ISA')!r} is not a known instruction-set level; "
        f"valid levels: {', '.join(_ISA_NAMES)} (this CPU and build support: "
        f"{', '.join(_names_of(fa_isa_supported()))}); unset FASTACT_ISA to use the best one"
    )


def _warn_fallback():
    env = os.environ.get("FASTACT_ISA", "")
    if not env:
        return
    req = fa_isa_from_name(env.encode("utf-8", "replace"))
    act = fa_isa_active()
    if req >= 0 and req != act:
        warnings.warn(
            f"FASTACT_ISA={env}: this CPU/build does not support {env}; "
            f"using {_ISA_NAMES[act]} (supported: {', '.join(_names_of(fa_isa_supported()))})",
            RuntimeWarning,
            stacklevel=2,
        )


_warn_fallback()


# --------------------------------------------------------------------------
# Configuration: ISA levels and threads
# --------------------------------------------------------------------------

def get_isa():
    """Name of the active instruction-set level ("scalar", "sse2", "avx2", "avx512", "neon")."""
    return _ISA_NAMES[fa_isa_active()]


def set_isa(name):
    """Switch the active instruction-set level in-process; returns the previous level's name.

    The best level this CPU and build support that is <= ``name`` becomes
    active; a RuntimeWarning says so when that is lower than ``name``.  Meant
    for tests and benchmarks: do not call it while other threads run fastact.
    """
    if not isinstance(name, str):
        raise TypeError(f"set_isa: name must be a str, got {type(name).__name__}")
    cdef int lvl = fa_isa_from_name(name.strip().lower().encode("ascii", "replace"))
    if lvl < 0:
        raise ValueError(f"set_isa: unknown level {name!r}; valid levels: {', '.join(_ISA_NAMES)}")
    prev = _ISA_NAMES[fa_isa_active()]
    cdef int got = fa_isa_set(lvl)
    if got != lvl:
        warnings.warn(
            f"set_isa({name!r}): not supported by this CPU/build; using {_ISA_NAMES[got]}",
            RuntimeWarning,
            stacklevel=1,  # Cython functions have no frame: 1 is the caller
        )
    return prev


def isa_supported():
    """Levels this CPU/OS and this build support, lowest first."""
    return _names_of(fa_isa_supported())


def isa_compiled():
    """Levels compiled into this build, lowest first."""
    return _names_of(fa_isa_compiled())


def c_ops():
    """The C op registry (src/c/fa_ops.h): {"map": [(name, nparams), ...], "rows": [name, ...]}."""
    return {
        "map": [(fa_op_name(FA_FAMILY_MAP, i).decode("ascii"), fa_op_nparams(i)) for i in range(FA_N_MAP_OPS)],
        "rows": [fa_op_name(FA_FAMILY_ROWS, i).decode("ascii") for i in range(FA_N_ROW_OPS)],
    }


def openmp_enabled():
    """True if the extension was built with OpenMP."""
    return bool(fa_openmp_enabled())


cdef int _check_threads(object n, str where) except -1:
    """Validate a thread count: a positive int.  0 and negatives -> ValueError."""
    if type(n) is int and 0 < <object>n <= INT_MAX:
        return <int>n
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{where}: num_threads must be None or a positive int, got {type(n).__name__}")
    if n <= 0:
        raise ValueError(f"{where}: num_threads must be a positive int (or None for the default), got {n}")
    if n > INT_MAX:
        return INT_MAX
    return <int>n


def set_num_threads(n):
    """Set the default number of threads (a positive int); None restores the automatic default."""
    if n is None:
        fa_set_num_threads(0)
    else:
        fa_set_num_threads(_check_threads(n, "set_num_threads"))


def get_num_threads():
    """The default number of threads a call uses."""
    return fa_get_num_threads()


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------

cdef object F16 = np.dtype(np.float16)
cdef object F32 = np.dtype(np.float32)
cdef object F64 = np.dtype(np.float64)
# ml_dtypes.bfloat16, recognised by dtype identity (never by char or size:
# other packages have 2-byte void dtypes); looked up on the first input whose
# dtype is not a NumPy float, so importing fastact never imports ml_dtypes.
cdef object BF16 = None     # its dtype; False once ml_dtypes is known to be absent
cdef int _BF16_NUM = -1     # its NumPy type number

cdef str _SUPPORTED = ("float16, float32, float64, bfloat16 (ml_dtypes; bool and integer inputs "
                       "are promoted like numpy.tanh promotes them)")


cdef object _bf16():
    """ml_dtypes.bfloat16's dtype, or None without ml_dtypes."""
    global BF16, _BF16_NUM
    if BF16 is None:
        try:
            import ml_dtypes
            bf = getattr(ml_dtypes, "bfloat16", None)
        except ImportError:
            bf = None
        if bf is None:
            BF16 = False
        else:
            BF16 = np.dtype(bf)
            _BF16_NUM = BF16.num
    return BF16 if BF16 is not False else None


cdef inline int _kdtype(int t) noexcept:
    """The C library's dtype (fa_dtype) for a NumPy type number, or -1."""
    if t == cnp.NPY_FLOAT:
        return FA_F32
    if t == cnp.NPY_DOUBLE:
        return FA_F64
    if t == NPY_HALF:
        return FA_F16
    if t == _BF16_NUM and t >= 0:
        return FA_BF16
    return -1


cdef inline void _run_map(int op, int t, void *px, void *py, size_t n, const fa_params *p,
                          int nt) noexcept:
    cdef int dt = _kdtype(t)
    if n == 0:
        return
    with nogil:
        fa_map(op, dt, px, py, n, p, nt)


cdef inline int _run_rows(int op, int t, void *px, void *py, size_t rows, size_t cols, int nt) except -1:
    cdef int dt = _kdtype(t)
    if rows == 0 or cols == 0:
        return 0
    with nogil:
        fa_rows(op, dt, px, py, rows, cols, nt)
    if (dt == FA_F16 or dt == FA_BF16) and fa_take_oom():
        raise MemoryError("fastact: no memory for a float32 scratch row")
    return 0


cdef inline bint _fast_in(cnp.ndarray a, int t, int fl) noexcept:
    """A dtype the kernels take (float32/64, float16, bfloat16), native byte
    order, aligned, C- or F-contiguous."""
    return (_kdtype(t) >= 0
            and (fl & cnp.NPY_ARRAY_ALIGNED)
            and (fl & (cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_F_CONTIGUOUS))
            and cnp.PyArray_ISNOTSWAPPED(a))


cdef inline bint _fast_out(cnp.ndarray a, cnp.ndarray o, int t, int fl) noexcept:
    """True if the kernel may write straight into `o`: same dtype and shape, writeable,
    aligned, native, contiguous in the same layout as `a`, and either `a` itself
    (in place) or not overlapping it."""
    cdef int ofl = cnp.PyArray_FLAGS(o)
    cdef int nd = cnp.PyArray_NDIM(a)
    cdef int i
    cdef uintptr_t pa, po, nb
    if cnp.PyArray_TYPE(o) != t or not cnp.PyArray_ISNOTSWAPPED(o):
        return False
    if not (ofl & cnp.NPY_ARRAY_ALIGNED) or not (ofl & cnp.NPY_ARRAY_WRITEABLE):
        return False
    if not (((fl & ofl) & cnp.NPY_ARRAY_C_CONTIGUOUS) or ((fl & ofl) & cnp.NPY_ARRAY_F_CONTIGUOUS)):
        return False
    if cnp.PyArray_NDIM(o) != nd:
        return False
    for i in range(nd):
        if cnp.PyArray_DIMS(o)[i] != cnp.PyArray_DIMS(a)[i]:
            return False
    pa = <uintptr_t>cnp.PyArray_DATA(a)
    po = <uintptr_t>cnp.PyArray_DATA(o)
    if pa == po:
        return True
    nb = <uintptr_t>cnp.PyArray_NBYTES(a)
    return po + nb <= pa or pa + nb <= po


cdef object _result_dtype(object dt, str name):
    """dtype of the result for input dtype `dt` (always native byte order)."""
    cdef str kind = dt.kind
    if kind == "f":
        if dt.itemsize == 4:
            return F32
        if dt.itemsize == 8:
            return F64
        if dt.itemsize == 2:
            return F16
        raise TypeError(
            f"fastact.{name}: dtype {dt} (extended precision) is not supported; "
            f"cast to float64 first. Supported: {_SUPPORTED}")
    if kind == "b" or kind == "i" or kind == "u":
        return np.dtype(np.result_type(dt, F16)).newbyteorder("=")
    b = _bf16()
    if b is not None and dt == b:
        return b
    raise TypeError(f"fastact.{name}: unsupported dtype {dt}; supported: {_SUPPORTED}")


cdef object _check_out(object out, tuple shape, object rdt, str name):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"fastact.{name}: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"fastact.{name}: out has shape {out.shape}, the result has shape {shape}")
    if not out.flags.writeable:
        raise ValueError(f"fastact.{name}: out is read-only")
    if (out.dtype.kind != "f" and not (out.dtype.kind == "V" and out.dtype == _bf16())) \
            or not np.can_cast(rdt, out.dtype, casting="same_kind"):
        raise TypeError(
            f"fastact.{name}: cannot store the {rdt} result in out of dtype {out.dtype} "
            f"(casting rule 'same_kind'); out must have a floating dtype")
    return out


cdef bint _dense(object arr):
    """Elements occupy exactly size*itemsize bytes from arr's data pointer (all strides > 0)."""
    if arr.flags.c_contiguous or arr.flags.f_contiguous:
        return True
    cdef Py_ssize_t expected = arr.itemsize
    for st, sh in sorted((st, sh) for st, sh in zip(arr.strides, arr.shape) if sh != 1):
        if st != expected:
            return False
        expected *= sh
    return True


cdef inline int _tnum(object dt):
    return dt.num


cdef inline void *_ptr(object arr):
    return cnp.PyArray_DATA(<cnp.ndarray>arr)


cdef inline size_t _size(object arr):
    return <size_t>cnp.PyArray_SIZE(<cnp.ndarray>arr)


# --------------------------------------------------------------------------
# Elementwise ops
# --------------------------------------------------------------------------

cdef object _map(int op, object x, object out, object num_threads, const fa_params *p, str name):
    cdef int nt = 0
    cdef cnp.ndarray a, y
    cdef int t, fl
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(x) is not cnp.ndarray:
        h = _foreign_handler(x)  # dask, xarray, pandas: fastact._foreign (_core_foreign.pxi)
        if h is not None:
            return h(x, out, nt, name, "map", op, (p.v[0], p.v[1], p.v[2], p.v[3]))
        x = np.asarray(x)  # lists, scalars, subclasses: may then take the fast path
    if type(x) is cnp.ndarray:
        a = <cnp.ndarray>x
        t = cnp.PyArray_TYPE(a)
        fl = cnp.PyArray_FLAGS(a)
        if _fast_in(a, t, fl):
            if out is None:
                y = _new_like(a, cnp.NPY_KEEPORDER, NULL, 0)
                _run_map(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(y),
                         <size_t>cnp.PyArray_SIZE(a), p, nt)
                if cnp.PyArray_NDIM(y) == 0:
                    Py_INCREF(y)  # PyArray_Return steals a reference
                    return cnp.PyArray_Return(y)
                return y
            if type(out) is cnp.ndarray and _fast_out(a, <cnp.ndarray>out, t, fl):
                _run_map(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(<cnp.ndarray>out),
                         <size_t>cnp.PyArray_SIZE(a), p, nt)
                return out
    return _map_general(op, x, out, nt, p, name)


cdef object _map_into_new(int op, object a, object rdt, object cdt, int nt, const fa_params *p):
    """Result of op(a) in a new array of dtype rdt, laid out like `a` (order 'K')."""
    buf = np.empty_like(a, dtype=cdt, subok=False)
    cdef int t = _tnum(cdt)
    if buf.size:
        if a.dtype == cdt and a.flags.aligned and a.strides == buf.strides:
            _run_map(op, t, _ptr(a), _ptr(buf), _size(buf), p, nt)
        else:
            np.copyto(buf, a, casting="unsafe")
            _run_map(op, t, _ptr(buf), _ptr(buf), _size(buf), p, nt)
    if rdt != cdt:
        with np.errstate(all="ignore"):  # float32 -> float16 may overflow to inf
            buf = buf.astype(rdt, order="K")
    return buf


cdef object _map_general(int op, object x, object out, int nt, const fa_params *p0, str name):
    a = np.asarray(x)
    rdt = _result_dtype(a.dtype, name)
    cdt = rdt  # every result dtype has kernels (16-bit ones compute in float32)
    cdef int t = _tnum(cdt)
    cdef void *pa
    cdef void *po
    cdef const fa_params *p = p0
    if out is None:
        res = _map_into_new(op, a, rdt, cdt, nt, p)
        return res[()] if res.ndim == 0 else res
    o = _check_out(out, a.shape, rdt, name)
    if o.size == 0:
        return out
    if rdt == cdt and o.dtype == cdt and o.flags.aligned and _dense(o):
        # Compute straight into out.
        if a.dtype == cdt and a.flags.aligned and a.strides == o.strides:
            pa = _ptr(a)
            po = _ptr(o)
            if pa == po or not np.may_share_memory(a, o):
                _run_map(op, t, pa, po, _size(o), p, nt)
                return out
        # Different layout or dtype (a lossless int -> float conversion), or
        # partial overlap: copyto handles overlap (it buffers), then the kernel
        # runs in place on out.
        np.copyto(o, a, casting="unsafe")
        _run_map(op, t, _ptr(o), _ptr(o), _size(o), p, nt)
        return out
    res = _map_into_new(op, a, rdt, cdt, nt, p)
    with np.errstate(all="ignore"):  # e.g. a float64 result into a float32 out may overflow
        np.copyto(o, res, casting="same_kind")
    return out


cdef double _real(object v, str fname, str pname, str check) except? -1.0:
    """A real-number parameter as a double; bool and non-numbers are a TypeError,
    values `check` ("nonzero", "positive") excludes a ValueError."""
    cdef double d
    if type(v) is float:
        d = <double>v
    elif isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"fastact.{fname}: {pname} must be a real number, got {type(v).__name__}")
    else:
        d = float(v)
    if check == "nonzero" and d == 0.0:
        raise ValueError(f"fastact.{fname}: {pname} must be nonzero, got {v!r}")
    if check == "positive" and not d > 0.0:
        raise ValueError(f"fastact.{fname}: {pname} must be positive, got {v!r}")
    return d


cdef int _choose(object v, dict table, str fname, str pname) except -1:
    """The C op a "choice" parameter selects."""
    if type(v) is str:
        op = table.get(v)
        if op is not None:
            return <int>op
    allowed = " or ".join(repr(k) for k in table)
    if not isinstance(v, str):
        raise TypeError(f"fastact.{fname}: {pname} must be {allowed}, got {type(v).__name__}")
    raise ValueError(f"fastact.{fname}: {pname} must be {allowed}, got {v!r}")


# --------------------------------------------------------------------------
# Row-wise ops: softmax, log_softmax
# --------------------------------------------------------------------------

cdef object _rows(int op, object x, object axis, object out, object num_threads, str name):
    cdef int nt = 0
    cdef cnp.ndarray a, y
    cdef int t, fl, nd
    cdef size_t cols, n
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(x) is not cnp.ndarray:
        h = _foreign_handler(x)  # dask, xarray, pandas: fastact._foreign (_core_foreign.pxi)
        if h is not None:
            return h(x, out, nt, name, "rows", op, axis)
        x = np.asarray(x)
    if type(x) is cnp.ndarray and type(axis) is int:
        a = <cnp.ndarray>x
        nd = cnp.PyArray_NDIM(a)
        t = cnp.PyArray_TYPE(a)
        fl = cnp.PyArray_FLAGS(a)
        if (nd >= 1 and (axis == -1 or axis == nd - 1)
                and _kdtype(t) >= 0
                and (fl & cnp.NPY_ARRAY_ALIGNED) and (fl & cnp.NPY_ARRAY_C_CONTIGUOUS)
                and cnp.PyArray_ISNOTSWAPPED(a)):
            n = <size_t>cnp.PyArray_SIZE(a)
            cols = <size_t>cnp.PyArray_DIMS(a)[nd - 1]
            if out is None:
                y = _new_like(a, cnp.NPY_KEEPORDER, NULL, 0)
                if n:
                    _run_rows(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(y), n // cols, cols, nt)
                return y
            if (type(out) is cnp.ndarray and _fast_out(a, <cnp.ndarray>out, t, fl)
                    and (cnp.PyArray_FLAGS(<cnp.ndarray>out) & cnp.NPY_ARRAY_C_CONTIGUOUS)):
                if n:
                    _run_rows(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(<cnp.ndarray>out),
                              n // cols, cols, nt)
                return out
    return _rows_general(op, x, axis, out, nt, name)


cdef object _rows_into(int op, object src, object dst, int nt):
    """Run the row op from C-contiguous aligned `src` into C-contiguous aligned `dst`
    (same shape, compute dtype; dst is src or does not overlap it)."""
    cdef size_t cols = <size_t>src.shape[src.ndim - 1]
    cdef size_t n = _size(src)
    if n:
        _run_rows(op, _tnum(src.dtype), _ptr(src), _ptr(dst), n // cols, cols, nt)


cdef object _rows_general(int op, object x, object axis, object out, int nt, str name):
    a = np.asarray(x)
    rdt = _result_dtype(a.dtype, name)
    cdt = rdt  # every result dtype has kernels (16-bit rows use a float32 scratch row)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fastact.{name}: axis must be an int, got {type(axis).__name__}")
    cdef int nd = a.ndim
    if not -max(nd, 1) <= axis < max(nd, 1):
        raise AxisError(int(axis), nd)
    ax = normalize_axis_index(int(axis), max(nd, 1))
    o = None if out is None else _check_out(out, a.shape, rdt, name)

    with np.errstate(all="ignore"):
        if nd == 0:  # one row of length 1
            r = _rows_general(op, a.reshape(1), 0, None, nt, name)
            if o is None:
                return r[0]
            np.copyto(o, r.reshape(()), casting="same_kind")
            return out
        if a.size == 0:
            return out if o is not None else np.empty_like(a, dtype=rdt, subok=False)

        moved = np.moveaxis(a, ax, -1)
        if moved.dtype == cdt and moved.flags.c_contiguous and moved.flags.aligned:
            src = moved
        else:
            src = np.array(moved, dtype=cdt, order="C")  # fresh, so it can be the work buffer
        owned = src is not moved

        if o is not None and rdt == cdt and o.dtype == cdt:
            dst = np.moveaxis(o, ax, -1)
            if dst.flags.c_contiguous and dst.flags.aligned:
                if (_ptr(dst) == _ptr(src) and dst.strides == src.strides) or not np.may_share_memory(src, dst):
                    _rows_into(op, src, dst, nt)
                    return out
        elif o is None and rdt == cdt:
            res = np.empty_like(a, dtype=rdt, subok=False)
            dst = np.moveaxis(res, ax, -1)
            if dst.flags.c_contiguous and dst.flags.aligned:
                _rows_into(op, src, dst, nt)
                return res

        # Compute into a C-contiguous work buffer, then copy into place.
        work = src if owned else np.empty_like(src)
        _rows_into(op, src, work, nt)
        if rdt != cdt:
            work = work.astype(rdt)  # round once to the result dtype, whatever out's dtype
        if o is not None:
            np.copyto(np.moveaxis(o, ax, -1), work, casting="same_kind")
            return out
        res = np.empty_like(a, dtype=rdt, subok=False)
        np.copyto(np.moveaxis(res, ax, -1), work, casting="same_kind")
        return res


# --------------------------------------------------------------------------
# Gated ops: glu, swiglu, geglu, reglu (_core_gated.pxi)
# --------------------------------------------------------------------------

include "_core_gated.pxi"
include "_core_channel.pxi"
include "_core_masked.pxi"


# --------------------------------------------------------------------------
# The public functions, generated from the op registry (src/fastact/_ops)
# --------------------------------------------------------------------------

include "_core_backward.pxi"
include "_ops_gen.pxi"


# --------------------------------------------------------------------------
# Arrays that are not ndarrays (fastact._foreign) and the C API for Cython
# (fastact/cython_api.pxd; the pointer-level functions are generated from
# the registry into _capi_gen.pxi and declared in _core.pxd)
# --------------------------------------------------------------------------

include "_core_foreign.pxi"
include "_capi_gen.pxi"
