"""fastact on arrays that are not ndarrays: dask arrays, xarray and pandas objects.

How a call gets here.  Every public function goes through one of the generic
drivers of fastact._core (``_map`` for the "map" family, ``_rows`` for
"rows"); when ``x`` is not exactly an ndarray, the driver asks
``_foreign_handler(x)`` (one dict lookup per type, in _core_foreign.pxi)
before it falls back to ``np.asarray``.  Types whose MRO touches dask, xarray
or pandas are classified once by :func:`handler_for`; everything else (lists,
scalars, ndarray subclasses, unknown objects) keeps today's path and errors.
Plain ndarrays never reach this module, so their fast path is unchanged.

The handler receives the call as the driver resolved it: the family, the
public name, the C op and the family's arguments (map: the four kernel
parameters, already validated and rounded by the generated wrapper; rows: the
``axis`` as given), and ``num_threads`` (0 = not given).  So every registry
row of an existing family works here with no per-op code: a new elementwise
op with parameters (elu(alpha)) arrives as ("map", op, params) like relu.

Adapters (one per library) implement one method per family:

  DaskArray   map: ``map_blocks`` (lazy, same chunks, each chunk computed by
              the eager call, so bitwise the eager result); rows: one
              ``map_blocks`` when the axis is one chunk, else two passes over
              the chunks with the online (max, sum) combine of
              src/c/rows_split.c in between (no rechunk of the axis)
  Xarray      DataArray, Variable, Dataset: the op on ``.data`` (numpy or
              dask, through the same dispatch), wrapped back with dims,
              coords, name and attrs (attrs follow ``xr.set_options(keep_attrs=)``
              as NumPy ufuncs do on xarray objects); rows: ``axis`` may be a
              dimension name
  Pandas      Series, DataFrame, Index and the masked extension arrays
              (Int64, Float32, boolean, ...: NA stays NA; a row with NA is an
              NA row for softmax); index, columns, name and attrs kept;
              DataFrame rows: axis=-1 / 1 / "columns" is along the columns
              (each row sums to 1), 0 / "index" along the index

  channel     (prelu) dask: ``map_blocks``, each chunk with the weights of
              its channels (axis 1); xarray, pandas: the op on the values
              (a DataFrame's columns are its channels)
  gated       (glu, swiglu, geglu, reglu) dask: one ``map_blocks`` when the
              gated axis is one chunk, else that axis is rechunked to one
              chunk first (a and b must meet in one task); xarray and pandas:
              the result keeps the first half's labels along the axis

A new family (backward ops on two arrays (dy, x), masked softmax with a
``where=`` array) needs
its driver in _core to call the same hook with its own family name and
arguments, and one method of that name per adapter (dask: ``blockwise`` over
the aligned chunks of both arrays; gated: the op on the two halves' aligned
chunks; masked softmax: the mask chunks passed to both passes).  An adapter
without the method raises a TypeError naming the type and the family.

Threads: a dask task is the unit of dask's parallelism (one per worker
thread), so chunk functions run with ``num_threads=1`` unless the call passed
``num_threads=`` explicitly (docs/threading.md, "dask").  Eager pandas and
xarray calls use the normal defaults.

None of dask, xarray or pandas is imported here: an object of theirs can only
exist if its library is imported already (sys.modules).
"""

from __future__ import annotations

import functools
import math
import sys

import numpy as np

from . import _core

try:  # NumPy >= 2.0
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index


class Call:
    """One public call on a non-ndarray, as the _core driver resolved it.

    family  "map", "rows" or "gated" (fastact._ops: Function.family)
    name    the public function ("gelu")
    op      the C op (FA_OP_<c> of the selected variant)
    args    map: the kernel parameters (4 floats); rows, gated: the axis (an
            int after the adapter resolved labels, or as given); channel: the
            weight (a number or a 1-D ndarray)
    nt      num_threads as given (0: the default)
    """

    __slots__ = ("family", "name", "op", "args", "nt")

    def __init__(self, family, name, op, args, nt):
        self.family, self.name, self.op, self.args, self.nt = family, name, op, args, nt

    def __reduce__(self):  # picklable for dask.distributed
        return (Call, (self.family, self.name, self.op, self.args, self.nt))

    def __repr__(self):
        return f"Call({self.family!r}, {self.name!r}, op={self.op}, args={self.args!r}, nt={self.nt})"

    def replace(self, **kw):
        d = {k: getattr(self, k) for k in self.__slots__}
        d.update(kw)
        return Call(**d)

    def task_threads(self):
        """num_threads for the chunk functions of a dask task: the caller's, else 1."""
        return self.nt if self.nt > 0 else 1

    def eager(self, arr):
        """The call on one ndarray (an ndarray result, 0-d for 0-d input)."""
        if self.family == "map":
            return _core._map_array(self.op, self.args, self.name, arr, self.nt)
        if self.family == "rows":
            return _core._rows_array(self.op, self.name, arr, self.args, self.nt)
        if self.family == "gated":
            return _core._gated_array(self.op, self.name, arr, self.args, self.nt)
        if self.family == "channel":
            return _core._channel_array(self.op, self.name, arr, self.args, self.nt)
        if self.family == "gated_backward":  # args: (dy, axis); arr is x
            dy, axis = self.args
            return _core._gated_backward_array(self.op, self.name, np.asarray(dy), arr, axis, self.nt)
        if self.family == "channel_backward":  # args: (dy, weight); arr is x
            dy, w = self.args
            return _core._channel_backward_array(self.op, self.name, np.asarray(dy), arr, w, self.nt)
        raise TypeError(f"fastact.{self.name}: no eager driver for family {self.family!r}")

    def apply(self, data):
        """The call on the values of a labelled object: dispatched again (a
        dask-backed DataArray stays lazy), eager for anything else."""
        if type(data) is not np.ndarray:
            ad = _adapter_for(type(data))
            if ad is not None:
                return ad.run(self, data)
        return self.eager(data)


try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover
    from numpy import AxisError


def _int_axis(call, axis, ndim):
    """A positional axis for an array of ndim dimensions (the public rules: int,
    not bool; AxisError out of range; a 0-d array is one row of length 1)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fastact.{call.name}: axis must be an int, got {type(axis).__name__}")
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise AxisError(int(axis), ndim)
    return normalize_axis_index(int(axis), n)


def _gated_axis(call, axis, ndim):
    """The gated axis of an ndim-dimensional array (as the public call: 0-d is an error)."""
    if ndim == 0 and not (isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer))):
        raise ValueError(f"fastact.{call.name}: x is 0-d; the gated axis must have even length")
    return _int_axis(call, axis, ndim)


def _gated_even(call, length, axis):
    if length % 2:
        raise ValueError(f"fastact.{call.name}: axis {axis} has odd length {length}; the gated axis must "
                         f"have even length (a and b are its two halves)")


def _channel_weights(call, shape):
    """The weight as an ndarray, checked against an array of this shape (the
    public errors, raised at the call)."""
    w = call.args
    if isinstance(w, (bool, np.bool_, str, bytes)) or w is None:
        _core._channel_array(call.op, call.name, np.zeros((1,)), w)  # the TypeError
    w = np.asarray(w)
    probe = (1, shape[1]) + (1,) * (len(shape) - 2) if len(shape) >= 2 else (1,)
    _core._channel_array(call.op, call.name, np.zeros(probe), w)  # dtype, shape and count errors
    return w


def _prelu_dx_chunk(call, w, g, block, block_info=None):
    """One dask chunk of prelu_backward's dx (exact: bitwise the eager dx)."""
    if w.size != 1 and block.ndim >= 2:
        lo, hi = block_info[1]["array-location"][1]
        w = w.reshape(-1)[lo:hi]
    return _core._channel_backward_array(call.op, call.name, g, block, w, call.nt)[0]


def _gated_bwd_chunk(call, ax, g, block):
    return _core._gated_backward_array(call.op, call.name, g, block, ax, call.nt)


def _channel_chunk(call, w, block, block_info=None):
    """One dask chunk of a channel op: the weights of the chunk's channels."""
    if w.size != 1 and block.ndim >= 2:
        lo, hi = block_info[0]["array-location"][1]
        w = w.reshape(-1)[lo:hi]
    return _core._channel_array(call.op, call.name, block, w, call.nt)


class Adapter:
    """Base of the adapters: dispatch by family; subclasses define map / rows."""

    kind = "object"

    def handles(self, t):  # pragma: no cover - overridden
        return False

    def run(self, call, x):
        fn = getattr(self, call.family, None)
        if fn is None:
            raise TypeError(f"fastact.{call.name}: {type(x).__name__} input is not supported "
                            f"for {call.family!r} ops")
        return fn(call, x)

    def dispatch(self, x, out, nt, name, family, op, args):
        """Entry point from _core's drivers (the handler of x's type)."""
        if out is not None:
            raise TypeError(f"fastact.{name}: out= is not supported for {type(x).__name__} input "
                            f"(the result is a new {self.kind} object)")
        return self.run(Call(family, name, op, args, int(nt)), x)


# ----------------------------------------------------------------- dask


def _dask_token(w):
    from dask.base import tokenize

    return tokenize(np.asarray(w))


def _dask_name(call, *parts):
    from dask.base import tokenize

    return f"fastact-{call.name}-" + tokenize(call.family, call.name, call.op, call.args, call.nt, *parts)


class DaskArray(Adapter):
    kind = "dask array"

    def handles(self, t):
        m = sys.modules.get("dask.array")
        return m is not None and isinstance(getattr(m, "Array", None), type) and issubclass(t, m.Array)

    @staticmethod
    def _meta(ndim, dtype):
        return np.empty((0,) * ndim, dtype=dtype)

    def map(self, call, x):
        rdt = _core._result_dtype_of(x.dtype, call.name)  # TypeError now, not at compute
        call = call.replace(nt=call.task_threads())
        return x.map_blocks(call.eager, dtype=rdt, meta=self._meta(x.ndim, rdt),
                            name=_dask_name(call, x.name))

    def rows(self, call, x):
        rdt = _core._result_dtype_of(x.dtype, call.name)
        ax = _int_axis(call, call.args, x.ndim)
        call = call.replace(nt=call.task_threads(), args=ax)
        meta = self._meta(x.ndim, rdt)
        if x.ndim == 0 or x.numblocks[ax] == 1:
            return x.map_blocks(call.eager, dtype=rdt, meta=meta, name=_dask_name(call, x.name))
        return self._rows_split(call, x, ax, rdt, meta)

    def channel(self, call, x):
        rdt = _core._result_dtype_of(x.dtype, call.name)
        w = _channel_weights(call, x.shape)
        call = call.replace(nt=call.task_threads(), args=None)
        fn = functools.partial(_channel_chunk, call, w)
        return x.map_blocks(fn, dtype=rdt, meta=self._meta(x.ndim, rdt),
                            name=_dask_name(call, x.name, _dask_token(w)))

    def gated_backward(self, call, x):
        """One map_blocks over dy and x with the gated axis in one chunk (both
        rechunked so), the other axes' chunks aligned to x's."""
        import dask.array as da

        dy, axis = call.args
        rdt = _core._result_dtype_of(x.dtype, call.name)
        ax = _gated_axis(call, axis, x.ndim)
        _gated_even(call, x.shape[ax], axis)
        if x.numblocks[ax] != 1:
            x = x.rechunk({ax: -1})
        dy = da.asarray(dy)
        want = x.shape[:ax] + (x.shape[ax] // 2,) + x.shape[ax + 1:]
        if dy.shape != want:
            raise ValueError(f"fastact.{call.name}: dy has shape {dy.shape}; the output of x {x.shape} "
                             f"along axis {axis} has shape {want}")
        dy = dy.rechunk(x.chunks[:ax] + ((want[ax],),) + x.chunks[ax + 1:])
        call = call.replace(nt=call.task_threads(), args=None)
        fn = functools.partial(_gated_bwd_chunk, call, ax)
        return da.map_blocks(fn, dy, x, chunks=x.chunks, dtype=rdt, meta=self._meta(x.ndim, rdt),
                             name=_dask_name(call, dy.name, x.name, ax))

    def channel_backward(self, call, x):
        """dx: one map_blocks over the aligned chunks of dy and x; dweight: dask's
        sum of x * dy where x <= 0 over every axis but 1, in float64 (lazy; the
        same value as the eager call's to the summation error, not bitwise)."""
        import dask.array as da

        dy, weight = call.args
        rdt = _core._result_dtype_of(x.dtype, call.name)
        w = _channel_weights(call.replace(args=weight), x.shape)
        dy = da.asarray(dy)
        if dy.shape != x.shape:
            raise ValueError(f"fastact.{call.name}: dy has shape {dy.shape}, x has shape {x.shape}")
        dy = dy.rechunk(x.chunks)
        call = call.replace(nt=call.task_threads(), args=None)
        dx = da.map_blocks(functools.partial(_prelu_dx_chunk, call, w), dy, x, dtype=rdt,
                           meta=self._meta(x.ndim, rdt), name=_dask_name(call, dy.name, x.name, _dask_token(w)))
        t = da.where(x > 0, 0.0, x.astype(np.float64) * dy.astype(np.float64))
        if w.size == 1 or x.ndim < 2:
            dw = t.sum().astype(rdt).reshape(w.shape)
        else:
            dw = t.sum(axis=tuple(i for i in range(x.ndim) if i != 1)).astype(rdt).reshape(w.shape)
        return dx, dw

    def gated(self, call, x):
        """One map_blocks with the gated axis in one chunk (rechunked to one
        chunk first when it is split: a and b must meet in each task)."""
        rdt = _core._result_dtype_of(x.dtype, call.name)
        ax = _gated_axis(call, call.args, x.ndim)
        length = x.shape[ax]
        if isinstance(length, float) and math.isnan(length):
            raise ValueError(f"fastact.{call.name}: the length of axis {ax} is unknown; "
                             f"call x.compute_chunk_sizes() first")
        _gated_even(call, length, call.args)
        call = call.replace(nt=call.task_threads(), args=ax)
        if x.numblocks[ax] != 1:
            x = x.rechunk({ax: -1})
        chunks = x.chunks[:ax] + ((length // 2,),) + x.chunks[ax + 1:]
        return x.map_blocks(call.eager, chunks=chunks, dtype=rdt, meta=self._meta(x.ndim, rdt),
                            name=_dask_name(call, x.name))

    def _rows_split(self, call, x, ax, rdt, meta):
        """Two passes over the chunks of a split axis (src/c/rows_split.c)."""
        import dask.array as da

        cuts = x.chunks[ax]
        if any(isinstance(c, float) and math.isnan(c) for c in cuts):
            raise ValueError(f"fastact.{call.name}: the chunk sizes along axis {ax} are unknown; "
                             f"call x.compute_chunk_sizes() first")
        f64 = self._meta(x.ndim, np.float64)
        # pass 1: per chunk and row, (max, sum of exp) for each block of the chunk
        sizes = tuple(2 * _core._rows_nblocks(int(c)) for c in cuts)
        st_chunks = x.chunks[:ax] + (sizes,) + x.chunks[ax + 1:]
        part = functools.partial(_core._rows_split_part, call.op, call.name, ax=ax, nt=call.nt)
        stats = x.map_blocks(part, chunks=st_chunks, dtype=np.float64, meta=f64,
                             name=_dask_name(call, x.name, "part"))
        # combine: all statistics of a row in one chunk (2 doubles per block of
        # 16384 elements at most), merged in chunk order, cut back per chunk
        comb = functools.partial(_core._rows_split_combine, call.op, ax=ax)
        ab = stats.rechunk({ax: -1}).map_blocks(comb, dtype=np.float64, meta=f64,
                                                name=_dask_name(call, x.name, "combine"))
        ab = ab.rechunk({ax: sizes})
        # pass 2: each chunk's results from its own (a, b)
        fix = functools.partial(_core._rows_split_fix, call.op, call.name, ax=ax, nt=call.nt)
        return da.map_blocks(fix, x, ab, chunks=x.chunks, dtype=rdt, meta=meta,
                             name=_dask_name(call, x.name, "fix"))


# ----------------------------------------------------------------- xarray


def _keep_attrs():
    xr = sys.modules["xarray"]
    keep = xr.get_options().get("keep_attrs", "default")
    return keep is True or keep == "default"  # NumPy ufuncs on xarray objects keep them


class Xarray(Adapter):
    kind = "xarray"

    def handles(self, t):
        xr = sys.modules.get("xarray")
        if xr is None:
            return False
        return issubclass(t, (xr.DataArray, xr.Dataset, xr.Variable))

    def _wrap(self, x, data):
        r = x.copy(deep=False, data=data)
        r.encoding = {}
        r.attrs = dict(x.attrs) if _keep_attrs() else {}
        return r

    def _axis(self, call, v):
        """Position of the call's axis in DataArray/Variable v (a dim name or an int)."""
        axis = call.args
        if isinstance(axis, str):
            if axis not in v.dims:
                raise ValueError(f"fastact.{call.name}: dimension {axis!r} not found in {tuple(v.dims)}")
            return v.dims.index(axis)
        return _int_axis(call, axis, v.ndim)

    def _dataset(self, call, ds):
        keep = _keep_attrs()
        r = ds.map(lambda v: self.run(call, v), keep_attrs=keep)
        if not keep:
            r.attrs = {}
        return r

    def map(self, call, x):
        if isinstance(x, sys.modules["xarray"].Dataset):
            return self._dataset(call, x)
        return self._wrap(x, call.apply(x.data))

    def rows(self, call, x):
        if isinstance(x, sys.modules["xarray"].Dataset):
            return self._dataset(call, x)
        return self._wrap(x, call.replace(args=self._axis(call, x)).apply(x.data))

    channel = map  # the weights ride in call.args; dims and coordinates are kept as for map

    def gated_backward(self, call, x):
        """dx as x's kind of object (same dims and coordinates)."""
        if isinstance(x, sys.modules["xarray"].Dataset):
            raise TypeError(f"fastact.{call.name}: Dataset input is not supported (pass a DataArray)")
        dy, axis = call.args
        xr = sys.modules["xarray"]
        dyv = dy.data if isinstance(dy, (xr.DataArray, xr.Variable)) else dy
        ax = self._axis(call.replace(args=axis), x)
        return self._wrap(x, call.replace(args=(dyv, ax)).apply(x.data))

    def channel_backward(self, call, x):
        """(dx as x's kind of object, dweight as an ndarray)."""
        if isinstance(x, sys.modules["xarray"].Dataset):
            raise TypeError(f"fastact.{call.name}: Dataset input is not supported (pass a DataArray)")
        dy, w = call.args
        dyv = dy.data if isinstance(dy, (sys.modules["xarray"].DataArray, sys.modules["xarray"].Variable)) else dy
        dx, dw = call.replace(args=(dyv, w)).apply(x.data)
        return self._wrap(x, dx), dw

    def gated(self, call, x):
        """The gated dimension keeps its name and the first half's coordinates."""
        if isinstance(x, sys.modules["xarray"].Dataset):
            return self._dataset(call, x)
        if x.ndim == 0:
            _gated_axis(call, call.args, 0)
        ax = self._axis(call, x)
        _gated_even(call, x.shape[ax], call.args)
        data = call.replace(args=ax).apply(x.data)
        return self._wrap(x.isel({x.dims[ax]: slice(0, x.shape[ax] // 2)}), data)


# ----------------------------------------------------------------- pandas


def _masked(arr):
    """(values, mask) of a pandas masked extension array (Int64, Float32, boolean, ...),
    or None for anything else.  NA entries get a harmless value in `values`."""
    pd = sys.modules["pandas"]
    if not isinstance(arr, (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)):
        return None
    npdt = arr.dtype.numpy_dtype
    fill = np.nan if npdt.kind == "f" else (False if npdt.kind == "b" else 0)
    return arr.to_numpy(dtype=npdt, na_value=fill), np.asarray(arr.isna())


def _masked_result(res, mask):
    pd = sys.modules["pandas"]
    if res.dtype == np.float16:  # pandas has no Float16
        res = res.astype(np.float32)
    return pd.arrays.FloatingArray(np.ascontiguousarray(res), np.ascontiguousarray(mask))


def _values(obj):
    """(values, mask or None) of a Series / Index / extension array."""
    mv = _masked(getattr(obj, "array", obj))
    if mv is not None:
        return mv
    return np.asarray(obj), None


class Pandas(Adapter):
    kind = "pandas"

    def handles(self, t):
        pd = sys.modules.get("pandas")
        if pd is None:
            return False
        return issubclass(t, (pd.Series, pd.DataFrame, pd.Index, pd.arrays.IntegerArray,
                              pd.arrays.FloatingArray, pd.arrays.BooleanArray))

    # -- one-dimensional: Series, Index, masked arrays
    def _1d_result(self, call, x):
        """The call's result on the values of x: an ndarray, or a masked array for masked input."""
        vals, mask = _values(x)
        res = call.eager(vals)
        if mask is None:
            return res
        if call.family == "rows" and mask.any():
            mask = np.ones_like(mask)  # a row with NA is an NA row (as one with NaN is a NaN row)
        return _masked_result(res, mask)

    def _1d(self, call, x):
        pd = sys.modules["pandas"]
        res = self._1d_result(call, x)
        if isinstance(x, pd.Series):
            ctor = getattr(x, "_constructor", pd.Series)
            return ctor(res, index=x.index, name=x.name, copy=False).__finalize__(x)
        if isinstance(x, pd.Index):
            return pd.Index(res, name=x.name, copy=False)
        return res  # a masked array in, a masked array out

    def _frame_axis(self, call):
        axis = call.args
        if isinstance(axis, str):
            if axis == "index":
                return 0
            if axis == "columns":
                return 1
            raise ValueError(f"fastact.{call.name}: axis must be 0, 1, -1, -2, 'index' or "
                             f"'columns' for a DataFrame, got {axis!r}")
        return _int_axis(call, axis, 2)

    def _series_axis(self, call):
        axis = call.args
        if axis == "index":
            return 0
        if isinstance(axis, str):
            raise ValueError(f"fastact.{call.name}: axis must be 0, -1 or 'index' for a Series, got {axis!r}")
        return _int_axis(call, axis, 1)

    def _frame(self, call, df, ax):
        """ax: None (elementwise), 0 (along the index, per column) or 1 (along the columns)."""
        pd = sys.modules["pandas"]
        dtypes = list(df.dtypes)
        numpy_only = all(isinstance(d, np.dtype) for d in dtypes)
        ctor = getattr(df, "_constructor", pd.DataFrame)
        if df.shape[1] == 0 or (numpy_only and len(set(dtypes)) == 1) or (ax == 1 and numpy_only):
            # one block of one dtype (or along the columns: the common dtype, as df.to_numpy())
            vals = df.to_numpy()
            res = call.eager(vals) if ax is None else call.replace(args=ax).eager(vals)
            return ctor(res, index=df.index, columns=df.columns, copy=False).__finalize__(df)
        if ax == 1:  # along the columns with masked columns: NA rows
            mask = np.asarray(df.isna())
            try:
                common = np.result_type(*[getattr(d, "numpy_dtype", d) for d in dtypes])
            except TypeError:  # e.g. a categorical column: the object array's TypeError below
                return call.replace(args=1).eager(df.to_numpy())
            vals = df.to_numpy(dtype=common, na_value=np.nan if common.kind == "f" else 0)
            res = call.replace(args=1).eager(vals)
            rowmask = np.broadcast_to(mask.any(axis=1, keepdims=True), mask.shape)
            cols = {i: _masked_result(res[:, i], rowmask[:, i]) for i in range(df.shape[1])}
            r = ctor(cols, index=df.index)
            r.columns = df.columns
            return r.__finalize__(df)
        # column by column: each keeps its own dtype (as NumPy ufuncs on DataFrames)
        col_call = call if ax is None else call.replace(args=0)
        r = df.copy(deep=False)
        for i in range(df.shape[1]):
            r.isetitem(i, self._1d_result(col_call, df.iloc[:, i]))
        return r.__finalize__(df)

    def map(self, call, x):
        pd = sys.modules["pandas"]
        if isinstance(x, pd.DataFrame):
            return self._frame(call, x, None)
        return self._1d(call, x)

    def rows(self, call, x):
        pd = sys.modules["pandas"]
        if isinstance(x, pd.DataFrame):
            return self._frame(call, x, self._frame_axis(call))
        return self._1d(call.replace(args=self._series_axis(call)), x)

    def channel(self, call, x):
        """Series: one channel; DataFrame: its columns are the channels (axis 1)."""
        pd = sys.modules["pandas"]
        if isinstance(x, pd.DataFrame):
            numpy_only = all(isinstance(d, np.dtype) for d in x.dtypes)
            if numpy_only:
                vals, mask = x.to_numpy(), None
            else:
                mask = np.asarray(x.isna())
                vals = x.to_numpy(dtype=np.float64, na_value=np.nan)
            res = call.eager(vals)
            ctor = getattr(x, "_constructor", pd.DataFrame)
            if mask is not None:
                r = ctor({i: _masked_result(res[:, i], mask[:, i]) for i in range(res.shape[1])}, index=x.index)
                r.columns = x.columns
                return r.__finalize__(x)
            return ctor(res, index=x.index, columns=x.columns, copy=False).__finalize__(x)
        return self._1d(call, x)

    def gated_backward(self, call, x):
        """dx with x's labels (NA is not supported here)."""
        pd = sys.modules["pandas"]
        dy, axis = call.args
        dyv = dy.to_numpy() if isinstance(dy, (pd.Series, pd.DataFrame)) else np.asarray(dy)
        if isinstance(x, pd.DataFrame):
            ax = self._frame_axis(call.replace(args=axis))
            dx = call.replace(args=(dyv, ax)).eager(x.to_numpy())
            ctor = getattr(x, "_constructor", pd.DataFrame)
            return ctor(dx, index=x.index, columns=x.columns, copy=False).__finalize__(x)
        ax = self._series_axis(call.replace(args=axis))
        dx = call.replace(args=(dyv, ax)).eager(x.to_numpy())
        if isinstance(x, pd.Series):
            ctor = getattr(x, "_constructor", pd.Series)
            return ctor(dx, index=x.index, name=x.name, copy=False).__finalize__(x)
        return dx

    def channel_backward(self, call, x):
        """(dx as x's kind of object, dweight as an ndarray); NA is not supported here."""
        pd = sys.modules["pandas"]
        dy, w = call.args
        dyv = dy.to_numpy() if isinstance(dy, (pd.Series, pd.DataFrame)) else np.asarray(dy)
        dx, dw = call.replace(args=(dyv, w)).eager(x.to_numpy())
        if isinstance(x, pd.DataFrame):
            ctor = getattr(x, "_constructor", pd.DataFrame)
            return ctor(dx, index=x.index, columns=x.columns, copy=False).__finalize__(x), dw
        if isinstance(x, pd.Series):
            ctor = getattr(x, "_constructor", pd.Series)
            return ctor(dx, index=x.index, name=x.name, copy=False).__finalize__(x), dw
        return dx, dw

    def gated(self, call, x):
        """The result keeps the labels of the first half (a) along the gated
        axis; NA in a or b gives NA (masked input)."""
        pd = sys.modules["pandas"]
        if isinstance(x, pd.DataFrame):
            ax = self._frame_axis(call)
            _gated_even(call, x.shape[ax], call.args)
            numpy_only = all(isinstance(d, np.dtype) for d in x.dtypes)
            if numpy_only:
                vals, mask = x.to_numpy(), None
            else:
                mask = np.asarray(x.isna())
                vals = x.to_numpy(dtype=np.float64, na_value=np.nan)
            res = call.replace(args=ax).eager(vals)
            h = x.shape[ax] // 2
            index = x.index[:h] if ax == 0 else x.index
            columns = x.columns[:h] if ax == 1 else x.columns
            ctor = getattr(x, "_constructor", pd.DataFrame)
            if mask is not None:
                m = np.take(mask, range(h), axis=ax) | np.take(mask, range(h, 2 * h), axis=ax)
                r = ctor({i: _masked_result(res[:, i], m[:, i]) for i in range(res.shape[1])}, index=index)
                r.columns = columns
                return r.__finalize__(x)
            return ctor(res, index=index, columns=columns, copy=False).__finalize__(x)
        call = call.replace(args=self._series_axis(call))
        vals, mask = _values(x)
        _gated_even(call, len(vals), call.args)
        res = call.eager(vals)
        h = len(vals) // 2
        if mask is not None:
            res = _masked_result(res, mask[:h] | mask[h:])
        if isinstance(x, pd.Series):
            ctor = getattr(x, "_constructor", pd.Series)
            return ctor(res, index=x.index[:h], name=x.name, copy=False).__finalize__(x)
        if isinstance(x, pd.Index):
            return pd.Index(res, name=x.name, copy=False)
        return res


# ----------------------------------------------------------------- lookup

_ADAPTERS = (DaskArray(), Xarray(), Pandas())


def _adapter_for(t):
    for ad in _ADAPTERS:
        if ad.handles(t):
            return ad
    return None


def handler_for(t):
    """The handler _core's drivers call for objects of type t, or None (not ours)."""
    ad = _adapter_for(t)
    return None if ad is None else ad.dispatch
