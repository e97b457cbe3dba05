# Included at the end of _core.pyx.  What fastact._foreign (dask, xarray and
# pandas inputs) needs from the typed layer:
#
#   _foreign_handler(x)      the hook at the top of the generic paths of _map and
#                            _rows: fastact._foreign's handler for x's type, or
#                            None (one dict lookup per call on a non-ndarray;
#                            ndarrays never get here)
#   _map_array, _rows_array  the eager op on one ndarray (a dask chunk, the
#                            values of a Series or DataArray): exactly the public
#                            call, so a chunk's result is bitwise the eager one
#   _rows_split_*            softmax / log_softmax of rows cut into pieces (dask
#                            chunks along the axis): the C entry points of
#                            src/c/rows_split.c on one piece

cdef extern from "fastact.h" nogil:
    size_t fa_rows_nblocks(size_t cols)
    int fa_rows_fix_uses_terms(int op)
    int fa_rows_part(int op, int dtype, const void *x, void *y, size_t rows, size_t cols,
                     double *m, double *s, int nthreads)
    int fa_rows_combine(int op, size_t rows, size_t npieces, double *m, double *s)
    int fa_rows_fix(int op, int dtype, const void *x, void *y, size_t rows, size_t cols,
                    const double *a, const double *b, int nthreads)


# type -> handler (a callable) or None.  Only types whose MRO touches one of
# these packages are looked up in fastact._foreign, and only once per type.
cdef dict _FOREIGN_TYPES = {}
cdef tuple _FOREIGN_ROOTS = ("dask", "xarray", "pandas")


cdef object _foreign_lookup(object t):
    cdef object h = None
    for k in getattr(t, "__mro__", (t,)):
        if str(getattr(k, "__module__", None)).partition(".")[0] in _FOREIGN_ROOTS:
            from fastact import _foreign  # imports none of dask, xarray, pandas itself
            h = _foreign.handler_for(t)
            break
    if len(_FOREIGN_TYPES) > 1024:  # classes made on the fly: keep the cache bounded
        _FOREIGN_TYPES.clear()
    _FOREIGN_TYPES[t] = h
    return h


cdef inline object _foreign_handler(object x):
    cdef object t = type(x)
    if t is float or t is int or t is list or t is tuple:
        return None
    try:
        return _FOREIGN_TYPES[t]
    except KeyError:
        return _foreign_lookup(t)


def _result_dtype_of(dtype, str name):
    """The result dtype of op `name` for inputs of `dtype` (TypeError if unsupported)."""
    return _result_dtype(np.dtype(dtype), name)


def _map_array(int op, tuple params, str name, x, int nt=0):
    """Elementwise op `op` (kernel parameters `params`, 4 floats) on one array: the
    public call's result, always an ndarray (0-d for 0-d input)."""
    cdef fa_params p
    cdef int i
    for i in range(FA_MAX_PARAMS):
        p.v[i] = params[i]
    r = _map(op, np.asarray(x), None, nt if nt > 0 else None, &p, name)
    return r if type(r) is cnp.ndarray else np.asarray(r)


def _rows_array(int op, str name, x, axis, int nt=0):
    """Row op `op` along `axis` of one array: the public call's result, always an ndarray."""
    r = _rows(op, np.asarray(x), axis, None, nt if nt > 0 else None, name)
    return r if type(r) is cnp.ndarray else np.asarray(r)


def _rows_nblocks(size_t cols):
    """Statistics per row that fa_rows_part gives a piece of `cols` elements."""
    return fa_rows_nblocks(cols)


cdef tuple _split_src(object x, int ax, str name):
    """(src, result dtype, compute dtype): x with axis `ax` last, C-contiguous,
    aligned, native, in the compute dtype (x itself when it already is)."""
    a = np.asarray(x)
    rdt = _result_dtype(a.dtype, name)
    cdt = rdt if (rdt == F32 or rdt == F64) else F32  # 16-bit results: computed in float32, rounded once
    src = np.moveaxis(a, normalize_axis_index(ax, a.ndim), -1)
    if not (src.dtype == cdt and src.flags.c_contiguous and src.flags.aligned):
        src = np.array(src, dtype=cdt, order="C")
    return src, rdt, cdt


cdef inline int _dt(object cdt):
    return FA_F32 if cdt == F32 else FA_F64


def _rows_split_part(int op, str name, x, int ax, int nt=0):
    """Pass 1 on one piece: float64 statistics shaped like x with axis `ax` replaced
    by 2 * nblocks, (m, s) interleaved per block, in the blocks' order."""
    src, rdt, cdt = _split_src(x, ax, name)
    lead = src.shape[:src.ndim - 1]
    cdef size_t cols = <size_t>src.shape[src.ndim - 1]
    cdef size_t rows = <size_t>(int(np.prod(lead)) if lead else 1)
    cdef size_t nb = fa_rows_nblocks(cols)
    m = np.empty(lead + (nb,), dtype=np.float64)
    s = np.empty(lead + (nb,), dtype=np.float64)
    cdef int rc = 0, dt = _dt(cdt)
    cdef void *px = _ptr(src)
    cdef double *pm = <double *>_ptr(m)
    cdef double *ps = <double *>_ptr(s)
    if rows and cols:
        with nogil:
            rc = fa_rows_part(op, dt, px, NULL, rows, cols, pm, ps, nt)
    if rc == -2:
        raise MemoryError(f"fastact.{name}: no memory for a scratch block")
    st = np.stack((m, s), axis=-1).reshape(lead + (2 * nb,))
    return np.moveaxis(st, -1, ax)


def _rows_split_combine(int op, stats, int ax):
    """The statistics of whole rows (every piece's pass-1 output concatenated along
    `ax`, in order) -> the final pass's (a, b), same layout."""
    v = np.moveaxis(np.asarray(stats, dtype=np.float64), ax, -1)
    lead = v.shape[:v.ndim - 1]
    cdef size_t npieces = <size_t>(v.shape[v.ndim - 1] // 2)
    cdef size_t rows = <size_t>(int(np.prod(lead)) if lead else 1)
    pairs = v.reshape(lead + (npieces, 2))
    m = np.ascontiguousarray(pairs[..., 0])
    s = np.ascontiguousarray(pairs[..., 1])
    cdef double *pm = <double *>_ptr(m)
    cdef double *ps = <double *>_ptr(s)
    if rows and npieces:
        with nogil:
            fa_rows_combine(op, rows, npieces, pm, ps)
    return np.moveaxis(np.stack((m, s), axis=-1).reshape(v.shape), -1, ax)


def _rows_split_fix(int op, str name, x, ab, int ax, int nt=0):
    """Pass 2 on one piece: its results from its slice of _rows_split_combine's
    output (softmax recomputes the piece's terms first, bit for bit as pass 1)."""
    src, rdt, cdt = _split_src(x, ax, name)
    lead = src.shape[:src.ndim - 1]
    cdef size_t cols = <size_t>src.shape[src.ndim - 1]
    cdef size_t rows = <size_t>(int(np.prod(lead)) if lead else 1)
    cdef size_t nb = fa_rows_nblocks(cols)
    v = np.moveaxis(np.asarray(ab, dtype=np.float64), ax, -1)
    if v.shape != lead + (2 * nb,):
        raise ValueError(f"fastact.{name}: statistics of shape {v.shape} for a piece of shape "
                         f"{src.shape} (expected {lead + (2 * nb,)})")
    pairs = v.reshape(lead + (nb, 2))
    a = np.ascontiguousarray(pairs[..., 0])
    b = np.ascontiguousarray(pairs[..., 1])
    y = np.empty(src.shape, dtype=cdt)
    cdef int dt = _dt(cdt), rc = 0
    cdef void *px = _ptr(src)
    cdef void *py = _ptr(y)
    cdef double *pa = <double *>_ptr(a)
    cdef double *pb = <double *>_ptr(b)
    cdef double *pm
    cdef double *ps
    if rows and cols:
        if fa_rows_fix_uses_terms(op):
            m = np.empty(lead + (nb,), dtype=np.float64)
            s = np.empty(lead + (nb,), dtype=np.float64)
            pm = <double *>_ptr(m)
            ps = <double *>_ptr(s)
            with nogil:
                rc = fa_rows_part(op, dt, px, py, rows, cols, pm, ps, nt)
        if rc == 0:
            with nogil:
                rc = fa_rows_fix(op, dt, px, py, rows, cols, pa, pb, nt)
    if rc != 0:
        raise RuntimeError(f"fastact.{name}: rows_split failed ({rc})")
    if rdt != cdt:
        with np.errstate(all="ignore"):
            y = y.astype(rdt)
    if normalize_axis_index(ax, src.ndim) == src.ndim - 1:
        return y
    return np.ascontiguousarray(np.moveaxis(y, -1, ax))
