# The drivers of the backward families (included by _core.pyx before the
# generated wrappers): _map2 (elementwise, two arrays: family "map2") and
# _rows2 (softmax / log_softmax backward along one axis: family "rows2").
#
# Contract (docs/api.md, "Backward ops"): the two arrays must have the same
# shape (no broadcasting: ValueError naming both) and the same dtype after
# the promotion the forward ops apply to bool and integers (TypeError naming
# both); the result has that shape and dtype.  out= may be either input (in
# place) or any other array of that shape (strided, partially overlapping:
# the inputs are then copied first), of a dtype the result casts to
# ('same_kind').  dask / xarray / pandas inputs are not supported by these
# families yet: TypeError.

cdef extern from "fastact.h" nogil:
    cdef enum:
        FA_N_MAP2_OPS
        FA_N_ROW2_OPS
        FA_FAMILY_MAP2
        FA_FAMILY_ROWS2
    void fa_map2(int op, int dtype, const void *dy, const void *x, void *dx, size_t n, const fa_params *p,
                 int nthreads)
    void fa_rows2(int op, int dtype, const void *dy, const void *y, void *dx, size_t rows, size_t cols,
                  int nthreads)
    int fa_op2_nparams(int op)


def c_ops_backward():
    """The backward rows of the C registry: {"map2": [(name, nparams), ...], "rows2": [name, ...]}."""
    return {
        "map2": [(fa_op_name(FA_FAMILY_MAP2, i).decode("ascii"), fa_op2_nparams(i)) for i in range(FA_N_MAP2_OPS)],
        "rows2": [fa_op_name(FA_FAMILY_ROWS2, i).decode("ascii") for i in range(FA_N_ROW2_OPS)],
    }


cdef int _grad_no_foreign(object a, object b, str name) except -1:
    if (type(a) is not cnp.ndarray and _foreign_handler(a) is not None) or \
            (type(b) is not cnp.ndarray and _foreign_handler(b) is not None):
        raise TypeError(
            f"fastact.{name}: dask, xarray and pandas inputs are not supported by the backward ops "
            f"(yet); pass NumPy arrays (numpy.asarray / .to_numpy() / .compute())")
    return 0


cdef inline void _run_map2(int op, int t, void *pg, void *px, void *py, size_t n, const fa_params *p,
                           int nt) noexcept:
    cdef int dt = _kdtype(t)
    if n == 0:
        return
    with nogil:
        fa_map2(op, dt, pg, px, py, n, p, nt)


cdef inline void _run_rows2(int op, int t, void *pg, void *px, void *py, size_t rows, size_t cols,
                            int nt) noexcept:
    cdef int dt = _kdtype(t)
    if rows == 0 or cols == 0:
        return
    with nogil:
        fa_rows2(op, dt, pg, px, py, rows, cols, nt)


cdef inline bint _same_or_apart(cnp.ndarray a, cnp.ndarray o) noexcept:
    """o is a itself (same data, same layout: the caller checked) or does not overlap it."""
    cdef uintptr_t pa = <uintptr_t>cnp.PyArray_DATA(a), po = <uintptr_t>cnp.PyArray_DATA(o)
    cdef uintptr_t nb = <uintptr_t>cnp.PyArray_NBYTES(a)
    return pa == po or po + nb <= pa or pa + nb <= po


cdef inline bint _fast_pair(cnp.ndarray a, cnp.ndarray b, int t, bint c_only) noexcept:
    """Both kernel-ready (dtype, native, aligned), the same dtype and shape, both
    C-contiguous (or, unless c_only, both F-contiguous)."""
    cdef int fa_ = cnp.PyArray_FLAGS(a), fb = cnp.PyArray_FLAGS(b)
    cdef int nd = cnp.PyArray_NDIM(a), i
    cdef int lay = cnp.NPY_ARRAY_C_CONTIGUOUS if c_only else (cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_F_CONTIGUOUS)
    if cnp.PyArray_TYPE(a) != t or cnp.PyArray_TYPE(b) != t or not _fast_in(a, t, fa_) or not _fast_in(b, t, fb):
        return False
    if not ((fa_ & fb) & lay):
        return False
    if cnp.PyArray_NDIM(b) != nd:
        return False
    for i in range(nd):
        if cnp.PyArray_DIMS(a)[i] != cnp.PyArray_DIMS(b)[i]:
            return False
    return True


cdef object _pair_checked(object dy, object x, str name, str n1, str n2):
    """(dy, x) as ndarrays of one result dtype (which is returned third)."""
    a = np.asarray(dy)
    b = np.asarray(x)
    if a.shape != b.shape:
        raise ValueError(f"fastact.{name}: {n1} and {n2} must have the same shape (no broadcasting), "
                         f"got {n1} {a.shape} and {n2} {b.shape}")
    rda = _result_dtype(a.dtype, name)
    rdb = _result_dtype(b.dtype, name)
    if rda != rdb:
        raise TypeError(f"fastact.{name}: {n1} and {n2} must have the same dtype, "
                        f"got {n1} {a.dtype} and {n2} {b.dtype}")
    return a, b, rdb


cdef object _c_dense(object a, object cdt, object target):
    """a as a C-contiguous aligned native array of dtype cdt that is `target` itself or
    does not share memory with it (a copy where needed)."""
    if a.dtype == cdt and a.flags.c_contiguous and a.flags.aligned:
        if target is None or not np.may_share_memory(a, target) or \
                (_ptr(a) == _ptr(target) and a.strides == target.strides):
            return a
    return np.array(a, dtype=cdt, order="C")


cdef object _map2(int op, object dy, object x, object out, object num_threads, const fa_params *p,
                  str name, str n1, str n2):
    cdef int nt = 0
    cdef cnp.ndarray a, b, y
    cdef int t
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(dy) is cnp.ndarray and type(x) is cnp.ndarray:
        a = <cnp.ndarray>dy
        b = <cnp.ndarray>x
        t = cnp.PyArray_TYPE(b)
        if _fast_pair(a, b, t, False):
            if out is None:
                y = _new_like(b, cnp.NPY_KEEPORDER, NULL, 0)
                _run_map2(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(b), cnp.PyArray_DATA(y),
                          <size_t>cnp.PyArray_SIZE(b), p, nt)
                if cnp.PyArray_NDIM(y) == 0:
                    Py_INCREF(y)  # PyArray_Return steals a reference
                    return cnp.PyArray_Return(y)
                return y
            if (type(out) is cnp.ndarray and _fast_out(b, <cnp.ndarray>out, t, cnp.PyArray_FLAGS(b))
                    and _fast_out(a, <cnp.ndarray>out, t, cnp.PyArray_FLAGS(a))):
                _run_map2(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(b), cnp.PyArray_DATA(<cnp.ndarray>out),
                          <size_t>cnp.PyArray_SIZE(b), p, nt)
                return out
    _grad_no_foreign(dy, x, name)
    return _map2_general(op, dy, x, out, nt, p, name, n1, n2)


cdef object _map2_general(int op, object dy, object x, object out, int nt, const fa_params *p,
                          str name, str n1, str n2):
    a, b, rdt = _pair_checked(dy, x, name, n1, n2)
    cdef int t = _tnum(rdt)
    o = None if out is None else _check_out(out, b.shape, rdt, name)
    if b.size == 0:
        return out if o is not None else np.empty(b.shape, dtype=rdt)
    target = None
    if o is not None and o.dtype == rdt and o.flags.c_contiguous and o.flags.aligned \
            and o.dtype.isnative:
        target = o
    ca = _c_dense(a, rdt, target)
    cb = _c_dense(b, rdt, target)
    if target is not None:
        _run_map2(op, t, _ptr(ca), _ptr(cb), _ptr(target), _size(cb), p, nt)
        return out
    res = np.empty(b.shape, dtype=rdt)
    _run_map2(op, t, _ptr(ca), _ptr(cb), _ptr(res), _size(cb), p, nt)
    if o is not None:
        with np.errstate(all="ignore"):
            np.copyto(o, res, casting="same_kind")
        return out
    return res[()] if res.ndim == 0 else res


cdef object _rows2(int op, object dy, object y, object axis, object out, object num_threads,
                   str name, str n1, str n2):
    cdef int nt = 0
    cdef cnp.ndarray a, b, r
    cdef int t, nd
    cdef size_t cols, n
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(dy) is cnp.ndarray and type(y) is cnp.ndarray and type(axis) is int:
        a = <cnp.ndarray>dy
        b = <cnp.ndarray>y
        nd = cnp.PyArray_NDIM(b)
        t = cnp.PyArray_TYPE(b)
        if nd >= 1 and (axis == -1 or axis == nd - 1) and _fast_pair(a, b, t, True):
            n = <size_t>cnp.PyArray_SIZE(b)
            cols = <size_t>cnp.PyArray_DIMS(b)[nd - 1]
            if out is None:
                r = _new_like(b, cnp.NPY_KEEPORDER, NULL, 0)
                if n:
                    _run_rows2(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(b), cnp.PyArray_DATA(r),
                               n // cols, cols, nt)
                return r
            if (type(out) is cnp.ndarray
                    and _fast_out(b, <cnp.ndarray>out, t, cnp.PyArray_FLAGS(b))
                    and _fast_out(a, <cnp.ndarray>out, t, cnp.PyArray_FLAGS(a))
                    and (cnp.PyArray_FLAGS(<cnp.ndarray>out) & cnp.NPY_ARRAY_C_CONTIGUOUS)):
                if n:
                    _run_rows2(op, t, cnp.PyArray_DATA(a), cnp.PyArray_DATA(b),
                               cnp.PyArray_DATA(<cnp.ndarray>out), n // cols, cols, nt)
                return out
    _grad_no_foreign(dy, y, name)
    return _rows2_general(op, dy, y, axis, out, nt, name, n1, n2)


cdef object _rows2_general(int op, object dy, object y, object axis, object out, int nt,
                           str name, str n1, str n2):
    a, b, rdt = _pair_checked(dy, y, name, n1, n2)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fastact.{name}: axis must be an int, got {type(axis).__name__}")
    cdef int nd = b.ndim
    if not -max(nd, 1) <= axis < max(nd, 1):
        raise AxisError(int(axis), nd)
    ax = normalize_axis_index(int(axis), max(nd, 1))
    o = None if out is None else _check_out(out, b.shape, rdt, name)
    if nd == 0:  # one row of length 1
        r = _rows2_general(op, a.reshape(1), b.reshape(1), 0, None, nt, name, n1, n2)
        if o is None:
            return r[0]
        np.copyto(o, r.reshape(()), casting="same_kind")
        return out
    if b.size == 0:
        return out if o is not None else np.empty(b.shape, dtype=rdt)
    ma = np.ascontiguousarray(np.moveaxis(a, ax, -1), dtype=rdt)
    mb = np.ascontiguousarray(np.moveaxis(b, ax, -1), dtype=rdt)
    work = np.empty(mb.shape, dtype=rdt)
    cdef size_t cols = <size_t>mb.shape[mb.ndim - 1]
    _run_rows2(op, _tnum(rdt), _ptr(ma), _ptr(mb), _ptr(work), _size(mb) // cols, cols, nt)
    with np.errstate(all="ignore"):
        if o is not None:
            np.copyto(np.moveaxis(o, ax, -1), work, casting="same_kind")
            return out
        res = np.empty(b.shape, dtype=rdt)
        np.copyto(np.moveaxis(res, ax, -1), work)
        return res
