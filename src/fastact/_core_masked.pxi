# Included by _core.pyx.  softmax / log_softmax with where= (JAX's
# semantics): masked entries are left out of the max and the sum, their
# outputs are 0 (softmax) / -inf (log_softmax), and a row with nothing
# unmasked is all 0 / all -inf.  A separate driver path: the unmasked call
# (where=None) never comes here.  The masked entries are replaced by -inf in
# a fresh compute-dtype copy (-inf terms are exactly left out of the row's
# max and sum by the row kernels), the unmasked row kernels run on it, and
# the masked outputs are set (three passes; a fused masked row kernel would
# save two).


cdef object _rows_masked(int op, object x, object axis, object out, object num_threads, object where,
                         str name, double masked_value):
    cdef int nt = 0
    if num_threads is not None:
        nt = _check_threads(num_threads, "fastact." + name)
    if type(x) is not cnp.ndarray and _foreign_handler(x) is not None:
        raise TypeError(f"fastact.{name}: where= is not supported for {type(x).__name__} input "
                        f"(apply it to the NumPy values)")
    a = np.asarray(x)
    rdt = _result_dtype(a.dtype, name)
    if isinstance(where, (bool, np.bool_)):
        m = np.asarray(where)
    else:
        m = np.asarray(where)
        if m.dtype != np.bool_:
            raise TypeError(f"fastact.{name}: where must be a boolean array, got dtype {m.dtype}")
    try:
        mb = np.broadcast_to(m, a.shape)
    except ValueError:
        raise ValueError(f"fastact.{name}: where of shape {m.shape} does not broadcast to x's shape "
                         f"{a.shape}") from None
    o = None if out is None else _check_out(out, a.shape, rdt, name)
    fill = np.array(masked_value, dtype=rdt)  # 0 (softmax) or -inf (log_softmax)
    with np.errstate(all="ignore"):
        xm = np.where(mb, a.astype(rdt, copy=False), np.array(-np.inf, dtype=rdt))
    if a.ndim == 0:
        r = _rows_general(op, xm.reshape(1), 0, None, nt, name).reshape(())
    else:
        r = _rows_general(op, xm, axis, None, nt, name)
    r = np.where(mb, r, fill)
    if o is None:
        return r[()] if r.ndim == 0 else r
    with np.errstate(all="ignore"):
        np.copyto(o, r, casting="same_kind")
    return out
