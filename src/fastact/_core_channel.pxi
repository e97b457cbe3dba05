# Included by _core.pyx.  The driver of the "channel" family (prelu; rows in
# fastact/_ops/channel.py): x, and weight with one value per channel on
# axis 1 (PyTorch's layout), then one fa_channel call (src/c/channel.c) under
# `with nogil:`.
#
# weight: a real number, or a 1-D array of real numbers with x.shape[1]
# elements (a 0-d or 1-d x has one channel) or with one element (broadcast).
# It is rounded to the result dtype (as every real parameter is), then
# passed as doubles.  x is used in place when it is C-contiguous, native and
# aligned, else copied into a C-contiguous buffer of the compute dtype.

from libc.stdlib cimport malloc, free

cdef extern from "fastact.h" nogil:
    void fa_channel(int op, int dtype, const void *x, void *y, size_t outer, size_t channels,
                    size_t inner, const double *w, int nthreads)


cdef object _channel_weight(object weight, object a, object rdt, str name):
    """(weights as a C-contiguous float64 array rounded to rdt, channels used)."""
    if isinstance(weight, (bool, np.bool_)) or weight is None or isinstance(weight, (str, bytes)):
        raise TypeError(f"fastact.{name}: weight must be a real number or a 1-D array of real "
                        f"numbers, got {type(weight).__name__}")
    w = np.asarray(weight)
    if w.dtype.kind not in "fiu" and not (w.dtype.kind == "V" and w.dtype == _bf16()):
        raise TypeError(f"fastact.{name}: weight must be a real number or a 1-D array of real "
                        f"numbers, got dtype {w.dtype}")
    if w.ndim > 1:
        raise ValueError(f"fastact.{name}: weight must be 0-d or 1-D, got shape {w.shape}")
    if w.size == 0:
        raise ValueError(f"fastact.{name}: weight is empty")
    channels = a.shape[1] if a.ndim >= 2 else 1
    if w.size != 1 and w.size != channels:
        raise ValueError(f"fastact.{name}: weight has {w.size} elements but x has {channels} "
                         f"channel{'s' if channels != 1 else ''} on axis 1 (shape {a.shape}); "
                         f"give one weight per channel, or one for all")
    with np.errstate(all="ignore"):
        wr = np.ascontiguousarray(w.reshape(-1).astype(rdt).astype(np.float64))
    return wr


cdef object _channel_fast(int op, cnp.ndarray a, int t, int fl, object weight, object out, int nt):
    """The common call without Python-level conversions: x non-empty, of a kernel dtype,
    contiguous (C-contiguous for one weight per channel); weight a Python float or an array
    of x's dtype with one element or one per channel; out None or an array the kernel may
    write straight into.  None: the call takes the general path."""
    cdef double w1
    cdef const double *pw
    cdef cnp.ndarray wa, y
    cdef size_t outer = 1, channels = 1, inner = <size_t>cnp.PyArray_SIZE(a)
    cdef int nd = cnp.PyArray_NDIM(a), i
    cdef int dt = _kdtype(t)
    cdef Py_ssize_t nw
    if type(weight) is float and (dt == FA_F32 or dt == FA_F64):
        w1 = <double>weight
        if dt == FA_F32:
            w1 = <double>(<float>w1)  # rounded to the dtype, as every real parameter
        pw = &w1
    elif type(weight) is float and (dt == FA_F16 or dt == FA_BF16) and abs(<double>weight) <= 65504.0:
        # rounded to the 16-bit dtype as _channel_weight does (in float16's
        # range: no overflow warning to silence; NaN and the rest go there)
        w1 = <double>float(np.asarray(weight, dtype=F64).astype(a.dtype))
        pw = &w1
    elif type(weight) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>weight) == t \
            and cnp.PyArray_NDIM(<cnp.ndarray>weight) <= 1:
        nw = cnp.PyArray_SIZE(<cnp.ndarray>weight)
        if nw != 1:
            if nd < 2 or nw != cnp.PyArray_DIMS(a)[1] or not (fl & cnp.NPY_ARRAY_C_CONTIGUOUS):
                return None
            outer = <size_t>cnp.PyArray_DIMS(a)[0]
            channels = <size_t>nw
            inner = 1
            for i in range(2, nd):
                inner *= <size_t>cnp.PyArray_DIMS(a)[i]
        wa = <cnp.ndarray>weight
        if nw == 1 and dt == FA_F32 and cnp.PyArray_ISNOTSWAPPED(wa) and cnp.PyArray_ISALIGNED(wa):
            w1 = <double>(<const float *>cnp.PyArray_DATA(wa))[0]
            pw = &w1
        elif nw == 1 and dt == FA_F64 and cnp.PyArray_ISNOTSWAPPED(wa) and cnp.PyArray_ISALIGNED(wa):
            w1 = (<const double *>cnp.PyArray_DATA(wa))[0]
            pw = &w1
        else:
            wa = <cnp.ndarray>np.ascontiguousarray(weight, dtype=F64)  # exact: x's dtype widened
            pw = <const double *>cnp.PyArray_DATA(wa)
    else:
        return None
    if out is None:
        y = _new_like(a, cnp.NPY_KEEPORDER, NULL, 0)
    elif type(out) is cnp.ndarray and _fast_out(a, <cnp.ndarray>out, t, fl):
        y = <cnp.ndarray>out
    else:
        return None
    with nogil:
        fa_channel(op, dt, cnp.PyArray_DATA(a), cnp.PyArray_DATA(y), outer, channels, inner, pw, nt)
    if out is not None:
        return out
    if nd == 0:
        Py_INCREF(y)  # PyArray_Return steals a reference
        return cnp.PyArray_Return(y)
    return y


cdef object _channel(int op, object x, object weight, object out, object num_threads, str name):
    cdef int nt = 0
    cdef size_t outer, channels, inner
    cdef int i, nd
    cdef double *pw
    cdef int tx, flx
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(x) is cnp.ndarray:
        tx = cnp.PyArray_TYPE(<cnp.ndarray>x)
        flx = cnp.PyArray_FLAGS(<cnp.ndarray>x)
        if _fast_in(<cnp.ndarray>x, tx, flx) and cnp.PyArray_SIZE(<cnp.ndarray>x) > 0:
            r = _channel_fast(op, <cnp.ndarray>x, tx, flx, weight, out, nt)
            if r is not None:
                return r
    if type(x) is not cnp.ndarray:
        h = _foreign_handler(x)  # dask, xarray, pandas: fastact._foreign (_core_foreign.pxi)
        if h is not None:
            return h(x, out, nt, name, "channel", op, weight)
    a = np.asarray(x)
    rdt = _result_dtype(a.dtype, name)
    wr = _channel_weight(weight, a, rdt, name)
    nd = a.ndim
    o = None if out is None else _check_out(out, a.shape, rdt, name)
    if a.size == 0:
        return out if o is not None else np.empty(a.shape, dtype=rdt)
    if wr.size == 1:  # one weight: the whole array is one channel run
        outer, channels, inner = 1, 1, <size_t>a.size
    else:
        outer = <size_t>a.shape[0]
        channels = <size_t>a.shape[1]
        inner = 1
        for i in range(2, nd):
            inner *= <size_t>a.shape[i]
    if a.dtype == rdt and a.flags.aligned and a.dtype.isnative and (a.flags.c_contiguous or wr.size == 1 and a.flags.f_contiguous):
        src = a
    else:
        src = np.ascontiguousarray(a, dtype=rdt)
    cdef int t = _tnum(rdt)
    cdef int dt = _kdtype(t)
    cdef cnp.ndarray wa = <cnp.ndarray>wr
    pw = <double *>cnp.PyArray_DATA(wa)
    if o is not None and o.dtype == rdt and o.flags.aligned and o.flags.writeable and o.dtype.isnative \
            and (o.flags.c_contiguous or (wr.size == 1 and o.flags.f_contiguous and src.flags.f_contiguous
                                          and not src.flags.c_contiguous)) \
            and (src.strides == o.strides or src.ndim <= 1) \
            and (_ptr(o) == _ptr(src) or not np.may_share_memory(src, o)):
        dst = o
    else:
        dst = np.empty_like(src, dtype=rdt)  # src's layout (C, or F with one weight)
    cdef void *px = _ptr(src)
    cdef void *py = _ptr(dst)
    with nogil:
        fa_channel(op, dt, px, py, outer, channels, inner, pw, nt)
    if o is None:
        return dst[()] if dst.ndim == 0 else dst
    if dst is not o:
        with np.errstate(all="ignore"):
            np.copyto(o, dst, casting="same_kind")
    return out


def fa_op_name_channel(int op):
    """The C registry's name of channel op `op` (src/c/fa_ops.h FA_CHANNEL_OPS), or None."""
    cdef const char *s = fa_op_name(FA_FAMILY_CHANNEL, op)
    return None if s == NULL else s.decode("ascii")


def _channel_array(int op, str name, x, weight, int nt=0):
    """Channel op `op` on one array with these weights: the public call's result (an ndarray)."""
    r = _channel(op, np.asarray(x), weight, None, nt if nt > 0 else None, name)
    return r if type(r) is cnp.ndarray else np.asarray(r)


# --------------------------------------------------------------------------
# prelu_backward(dy, x, weight): (dx, dweight)
# --------------------------------------------------------------------------

cdef extern from "fastact.h" nogil:
    int fa_prelu_backward(int dtype, const void *dy, const void *x, void *dx, size_t outer,
                          size_t channels, size_t inner, const double *w, double *dw, int nthreads)


cdef object _channel_backward(int op, object dy, object x, object weight, object out, object num_threads,
                              str name):
    cdef int nt = 0
    cdef size_t outer, channels, inner
    cdef int i, nd, rc
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    for arg in (x, dy):
        if type(arg) is not cnp.ndarray:
            h = _foreign_handler(arg)
            if h is not None:
                return h(x, out, nt, name, "channel_backward", op, (dy, weight))
    a = np.asarray(x)
    g = np.asarray(dy)
    if g.shape != a.shape:
        raise ValueError(f"fastact.{name}: dy has shape {g.shape}, x has shape {a.shape}; they must be equal")
    rdt = _result_dtype(a.dtype, name)
    _result_dtype(g.dtype, name)  # TypeError for an unsupported dy
    wr = _channel_weight(weight, a, rdt, name)
    w = np.asarray(weight)
    nd = a.ndim
    o = None if out is None else _check_out(out, a.shape, rdt, name)
    if wr.size == 1:
        outer, channels, inner = 1, 1, <size_t>a.size
    else:
        outer = <size_t>a.shape[0]
        channels = <size_t>a.shape[1]
        inner = 1
        for i in range(2, nd):
            inner *= <size_t>a.shape[i]
    def _prep(arr):
        if arr.dtype == rdt and arr.flags.aligned and arr.dtype.isnative and arr.flags.c_contiguous:
            return arr
        return np.ascontiguousarray(arr, dtype=rdt)
    with np.errstate(all="ignore"):
        xs = _prep(a)
        gs = _prep(g)
    if o is not None and o.dtype == rdt and o.flags.aligned and o.flags.writeable and o.dtype.isnative \
            and o.flags.c_contiguous and all(_ptr(o) == _ptr(s) or not np.may_share_memory(s, o) for s in (xs, gs)):
        dx = o
    else:
        dx = np.empty(a.shape, dtype=rdt)
    dw = np.zeros(wr.size, dtype=np.float64)
    cdef int dt = _kdtype(_tnum(rdt))
    cdef void *pg = _ptr(gs)
    cdef void *px = _ptr(xs)
    cdef void *pd = _ptr(dx)
    cdef double *pw = <double *>cnp.PyArray_DATA(<cnp.ndarray>wr)
    cdef double *pdw = <double *>cnp.PyArray_DATA(<cnp.ndarray>dw)
    if a.size:
        with nogil:
            rc = fa_prelu_backward(dt, pg, px, pd, outer, channels, inner, pw, pdw, nt)
        if rc == -2:
            raise MemoryError(f"fastact.{name}: no memory for the partial sums")
    with np.errstate(all="ignore"):
        dweight = dw.astype(rdt).reshape(w.shape)  # rounded once, the weight's shape
    if o is not None and dx is not o:
        with np.errstate(all="ignore"):
            np.copyto(o, dx, casting="same_kind")
        dx = o
    elif o is None and dx.ndim == 0:
        dx = dx[()]
    if dweight.ndim == 0:
        dweight = dweight[()]
    return dx, dweight


def _channel_backward_array(int op, str name, dy, x, weight, int nt=0):
    """prelu_backward on ndarrays: (dx, dweight), as the public call."""
    return _channel_backward(op, np.asarray(dy), np.asarray(x), weight, None, nt if nt > 0 else None, name)
