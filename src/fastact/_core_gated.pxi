# Included by _core.pyx.  The driver of the "gated" family (glu, swiglu,
# geglu, reglu; rows in fastact/_ops/gated.py): argument normalisation, then
# one fa_gated call (src/c/gated.c) under `with nogil:`.
#
# Layout: a C-contiguous x with the gated axis of length 2h is `outer` blocks
# of 2 * h * inner elements whose halves are a and b, so the C driver reads
# both halves in one pass.  An F-contiguous x is the C-contiguous x.T (the
# result is then F-ordered, as x); anything else (strided, byte-swapped,
# unaligned, other dtypes) is first copied into a C-contiguous buffer of the
# compute dtype.

cdef extern from "fastact.h" nogil:
    void fa_gated(int op, int dtype, const void *x, void *y, size_t outer, size_t n, int nthreads)


cdef inline void _run_gated(int op, int t, void *px, void *py, size_t outer, size_t n, int nt) noexcept:
    cdef int dt = _kdtype(t)
    if outer == 0 or n == 0:
        return
    with nogil:
        fa_gated(op, dt, px, py, outer, n, nt)


cdef object _gated_axis(object axis, int nd, str name):
    """The gated axis as a non-negative int (AxisError out of range, TypeError if not an int)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fastact.{name}: axis must be an int, got {type(axis).__name__}")
    if nd == 0:
        raise ValueError(f"fastact.{name}: x is 0-d; the gated axis must have even length "
                         f"(its halves are a and b)")
    if not -nd <= axis < nd:
        raise AxisError(int(axis), nd)
    return normalize_axis_index(int(axis), nd)


cdef object _gated(int op, object x, object axis, object out, object num_threads, str name):
    cdef int nt = 0
    cdef size_t outer, n, inner
    cdef int i, nd
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(x) is not cnp.ndarray:
        h = _foreign_handler(x)  # dask, xarray, pandas: fastact._foreign (_core_foreign.pxi)
        if h is not None:
            return h(x, out, nt, name, "gated", op, axis)
    a = np.asarray(x)
    nd = a.ndim
    ax = _gated_axis(axis, nd, name)
    length = a.shape[ax]
    if length % 2:
        raise ValueError(f"fastact.{name}: axis {axis} has odd length {length}; the gated axis must "
                         f"have even length (a and b are its two halves)")
    rdt = _result_dtype(a.dtype, name)
    oshape = a.shape[:ax] + (length // 2,) + a.shape[ax + 1:]
    o = None if out is None else _check_out(out, oshape, rdt, name)
    if a.size == 0:
        return out if o is not None else np.empty(oshape, dtype=rdt)

    # the C-contiguous view the kernels read: x, x.T (F-contiguous x), or a copy
    flip = False
    native = a.dtype == rdt and a.flags.aligned and a.dtype.isnative
    if native and a.flags.c_contiguous:
        src, sax = a, ax
    elif native and a.flags.f_contiguous:
        src, sax, flip = a.T, nd - 1 - ax, True
    else:
        src, sax = np.ascontiguousarray(a, dtype=rdt), ax
    outer = 1
    for i in range(sax):
        outer *= <size_t>src.shape[i]
    inner = 1
    for i in range(sax + 1, nd):
        inner *= <size_t>src.shape[i]
    n = <size_t>(length // 2) * inner
    cdef int t = _tnum(rdt)

    if o is not None and o.dtype == rdt and o.flags.aligned and o.flags.writeable and o.dtype.isnative:
        dst = o.T if flip else o
        if dst.flags.c_contiguous and not np.may_share_memory(src, dst):
            _run_gated(op, t, _ptr(src), _ptr(dst), outer, n, nt)
            return out
    res = np.empty(src.shape[:sax] + (length // 2,) + src.shape[sax + 1:], dtype=rdt)
    _run_gated(op, t, _ptr(src), _ptr(res), outer, n, nt)
    if flip:
        res = res.T
    if o is None:
        return res
    with np.errstate(all="ignore"):  # e.g. a float64 result into a float32 out may overflow
        np.copyto(o, res, casting="same_kind")
    return out


def fa_op_name_gated(int op):
    """The C registry's name of gated op `op` (src/c/fa_ops.h FA_GATED_OPS), or None."""
    cdef const char *s = fa_op_name(FA_FAMILY_GATED, op)
    return None if s == NULL else s.decode("ascii")


def _gated_array(int op, str name, x, axis, int nt=0):
    """Gated op `op` along `axis` of one array: the public call's result (an ndarray)."""
    return _gated(op, np.asarray(x), axis, None, nt if nt > 0 else None, name)


# --------------------------------------------------------------------------
# The gradients: <op>_backward(dy, x, axis=-1) -> dx (both halves)
# --------------------------------------------------------------------------

cdef extern from "fastact.h" nogil:
    void fa_gated_backward(int op, int dtype, const void *dy, const void *x, void *dx, size_t outer,
                           size_t n, int nthreads)


cdef object _gated_backward(int op, object dy, object x, object axis, object out, object num_threads,
                            str name):
    cdef int nt = 0
    cdef size_t outer, n, inner
    cdef int i, nd
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    for arg in (x, dy):
        if type(arg) is not cnp.ndarray:
            h = _foreign_handler(arg)
            if h is not None:
                return h(x, out, nt, name, "gated_backward", op, (dy, axis))
    a = np.asarray(x)
    g = np.asarray(dy)
    nd = a.ndim
    ax = _gated_axis(axis, nd, name)
    length = a.shape[ax]
    if length % 2:
        raise ValueError(f"fastact.{name}: axis {axis} has odd length {length}; the gated axis must "
                         f"have even length (a and b are its two halves)")
    hshape = a.shape[:ax] + (length // 2,) + a.shape[ax + 1:]
    if g.shape != hshape:
        raise ValueError(f"fastact.{name}: dy has shape {g.shape}; the output of x {a.shape} along "
                         f"axis {axis} has shape {hshape}")
    rdt = _result_dtype(a.dtype, name)
    _result_dtype(g.dtype, name)  # TypeError for an unsupported dy
    o = None if out is None else _check_out(out, a.shape, rdt, name)
    if a.size == 0:
        return out if o is not None else np.empty(a.shape, dtype=rdt)
    with np.errstate(all="ignore"):
        src = a if (a.dtype == rdt and a.flags.aligned and a.dtype.isnative and a.flags.c_contiguous) \
            else np.ascontiguousarray(a, dtype=rdt)
        gs = g if (g.dtype == rdt and g.flags.aligned and g.dtype.isnative and g.flags.c_contiguous) \
            else np.ascontiguousarray(g, dtype=rdt)
    outer = 1
    for i in range(ax):
        outer *= <size_t>a.shape[i]
    inner = 1
    for i in range(ax + 1, nd):
        inner *= <size_t>a.shape[i]
    n = <size_t>(length // 2) * inner
    if o is not None and o.dtype == rdt and o.flags.aligned and o.flags.writeable and o.dtype.isnative \
            and o.flags.c_contiguous and not np.may_share_memory(o, src) and not np.may_share_memory(o, gs):
        dx = o
    else:
        dx = np.empty(a.shape, dtype=rdt)
    cdef int dt = _kdtype(_tnum(rdt))
    cdef void *pg = _ptr(gs)
    cdef void *px = _ptr(src)
    cdef void *pd = _ptr(dx)
    with nogil:
        fa_gated_backward(op, dt, pg, px, pd, outer, n, nt)
    if o is None:
        return dx
    if dx is not o:
        with np.errstate(all="ignore"):
            np.copyto(o, dx, casting="same_kind")
    return out


def _gated_backward_array(int op, str name, dy, x, axis, int nt=0):
    """A gated op's gradient on ndarrays: the public call's result."""
    return _gated_backward(op, np.asarray(dy), np.asarray(x), axis, None, nt if nt > 0 else None, name)
