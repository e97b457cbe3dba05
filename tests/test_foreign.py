"""fastact on arrays that are not ndarrays: dask arrays (lazy, chunk-preserving,
softmax across chunks in two passes), xarray and pandas objects (labels kept).

Every elementwise variant of the registry (with its parameter cases) runs on
dask, so a new registry row is covered without edits here.  Each of dask,
xarray and pandas is optional: its tests skip when it is not installed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _helpers import check_softmax

import fastact as fa
from fastact import _ops

MAP_CASES = [(v, p) for v in _ops.variants("map") for p in _ops.cases(v)]
MAP_IDS = [v.name + "".join(f"_{val}" for val in p.values()) for v, p in MAP_CASES]
ROWS = [fa.softmax, fa.log_softmax]


def _x(shape, dtype=np.float32, seed=0, scale=3.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _same(a, b):
    """Bitwise equal (NaN payloads aside), same dtype and shape."""
    a, b = np.atleast_1d(np.asarray(a)), np.atleast_1d(np.asarray(b))
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    both_nan = np.isnan(a) & np.isnan(b)
    a, b = (np.ascontiguousarray(np.where(both_nan, 0, v)).view(np.uint8) for v in (a, b))
    assert np.array_equal(a, b)


# ----------------------------------------------------------------- import


def test_import_fastact_imports_none_of_them():
    code = textwrap.dedent("""
        import sys, numpy as np
        import fastact as fa
        fa.gelu(np.ones(3, np.float32)); fa.softmax([1.0, 2.0]); fa.sigmoid(0.5)
        print(sorted(m for m in ("dask", "xarray", "pandas", "distributed") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_unknown_objects_keep_todays_error():
    class Thing:
        pass

    with pytest.raises(TypeError, match="unsupported dtype object"):
        fa.sigmoid(Thing())
    with pytest.raises(TypeError, match="unsupported dtype object"):
        fa.softmax(Thing())


# ----------------------------------------------------------------- dask

da = None


@pytest.fixture(scope="module")
def dask_array():
    global da
    da = pytest.importorskip("dask.array")
    import dask

    with dask.config.set(scheduler="threads"):
        yield da


def _boom(block):
    raise AssertionError("computed although the result should be lazy")


@pytest.mark.parametrize(("v", "params"), MAP_CASES, ids=MAP_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int16])
def test_dask_map_lazy_same_chunks_bitwise(dask_array, v, params, dtype):
    da = dask_array
    x = _x((37, 53), np.float64, scale=4.0).astype(dtype)
    d = da.from_array(x, chunks=(10, (20, 1, 32)))
    y = _ops.call(v, d, params)
    assert isinstance(y, da.Array) and y.chunks == d.chunks
    _same(y.compute(), _ops.call(v, x, params))
    assert y.dtype == _ops.call(v, x, params).dtype
    # nothing is computed before .compute()
    lazy = _ops.call(v, d.map_blocks(_boom, dtype=d.dtype), params)
    assert isinstance(lazy, da.Array)


def test_dask_map_special_values_and_0d(dask_array):
    da = dask_array
    x = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, 1e38, -1e38, 3.0], np.float32)
    for f in (fa.relu, fa.sigmoid, fa.tanh, fa.silu, fa.gelu):
        _same(f(da.from_array(x, chunks=3)).compute(), f(x))
    z = da.from_array(np.float32(0.5))
    assert z.ndim == 0
    _same(fa.sigmoid(z).compute(), np.asarray(fa.sigmoid(np.float32(0.5))))
    _same(fa.softmax(z).compute(), np.asarray(fa.softmax(np.float32(0.5))))


def test_dask_errors_are_raised_eagerly(dask_array):
    da = dask_array
    d = da.from_array(np.array(["a", "b"]), chunks=1)
    with pytest.raises(TypeError, match="unsupported dtype"):
        fa.sigmoid(d)
    f = da.ones((4, 4), chunks=2)
    with pytest.raises(TypeError, match="out= is not supported"):
        fa.gelu(f, out=np.empty((4, 4)))
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError):
        fa.softmax(f, axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        fa.softmax(f, axis="x")
    with pytest.raises(ValueError, match="num_threads"):
        fa.gelu(f, num_threads=0)


def test_dask_rows_one_chunk_along_axis_is_one_map_blocks(dask_array):
    da = dask_array
    x = _x((50, 300))
    d = da.from_array(x, chunks=(7, 300))
    for f in ROWS:
        y = f(d, axis=-1)
        assert len(y.dask.layers) == len(d.dask.layers) + 1
        _same(y.compute(), f(x))
    y = fa.softmax(d, axis=0)  # 8 chunks along axis 0: split
    assert len(y.dask.layers) > len(d.dask.layers) + 1


def _split_cases():
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((12, 200)) * 4).astype(np.float64)
    x[0, 5] = -np.inf  # -inf in a finite row
    x[1, :] = -np.inf  # a row of only -inf
    x[2, 17] = np.nan
    x[3, 150] = np.inf
    x[4, 42] = 1e4  # one dominant logit
    x[5, :100] = -np.inf  # a whole chunk of -inf in a finite row
    x[6, 1] = 80.0
    x[7] = np.linspace(-1e30, 1e30, 200)  # huge spread
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("f", ROWS, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("cuts", [(100, 100), (1,) * 5 + (195,), (1,) * 200, (64, 1, 70, 65)],
                         ids=["2", "ones+rest", "all-ones", "mixed"])
def test_dask_rows_split_axis(dask_array, dtype, f, cuts):
    da = dask_array
    x = _split_cases().astype(dtype)
    d = da.from_array(x, chunks=((5, 7), cuts))
    y = f(d, axis=-1)
    assert y.chunks == d.chunks
    # no rechunk of x: every rechunk layer reads statistics, never x
    for name, deps in y.dask.dependencies.items():
        if name.startswith("rechunk"):
            assert d.name not in deps
    r = y.compute()
    check_softmax(r, x, -1, log=f is fa.log_softmax, what=f"{f.__name__} cuts={cuts[:4]}")
    e = f(x)
    assert np.array_equal(np.isnan(r), np.isnan(e))
    assert np.array_equal(np.isinf(r), np.isinf(e))


@pytest.mark.parametrize("f", ROWS, ids=["softmax", "log_softmax"])
def test_dask_rows_split_other_axes_and_dtypes(dask_array, f):
    da = dask_array
    x = _x((6, 40, 5), np.float64)
    d = da.from_array(x, chunks=(4, 13, 2))
    for ax in (0, 1, 2, -2):
        y = f(d, axis=ax)
        assert y.chunks == d.chunks
        check_softmax(y.compute(), x, ax, log=f is fa.log_softmax, what=f"axis {ax}")
    h = x.astype(np.float16)
    y = f(da.from_array(h, chunks=(3, 9, 5)), axis=1).compute()
    assert y.dtype == np.float16
    assert np.allclose(y.astype(np.float64), f(h, axis=1).astype(np.float64), rtol=2e-3, atol=1e-4)
    i = (x * 10).astype(np.int32)
    y = f(da.from_array(i, chunks=(6, 7, 5)), axis=1).compute()
    assert y.dtype == np.float64
    check_softmax(y, i.astype(np.float64), 1, log=f is fa.log_softmax)


@pytest.mark.parametrize("f", ROWS, ids=["softmax", "log_softmax"])
def test_dask_rows_chunks_at_block_multiples_are_bitwise(dask_array, f):
    # rows longer than 16384 (FA_ROW_BLOCK): fa_rows computes them in blocks of
    # 16384; chunks cut at multiples of it give the same blocks, so the same bits
    da = dask_array
    x = _x((2, 40000))
    d = da.from_array(x, chunks=(1, (16384, 16384 * 1 + 7232)))
    _same(f(d).compute(), f(x))
    d = da.from_array(x, chunks=(2, (32768, 7232)))
    _same(f(d).compute(), f(x))


def test_dask_chunk_threads(dask_array, monkeypatch):
    """Chunk functions run with num_threads=1 unless the call passes num_threads."""
    import dask

    da = dask_array
    from fastact import _core

    seen = []
    orig_map, orig_part, orig_fix = _core._map_array, _core._rows_split_part, _core._rows_split_fix

    def spy_map(op, params, name, x, nt=0):
        seen.append(("map", nt))
        return orig_map(op, params, name, x, nt)

    def spy_part(op, name, x, ax, nt=0):
        seen.append(("part", nt))
        return orig_part(op, name, x, ax, nt)

    def spy_fix(op, name, x, ab, ax, nt=0):
        seen.append(("fix", nt))
        return orig_fix(op, name, x, ab, ax, nt)

    monkeypatch.setattr(_core, "_map_array", spy_map)
    monkeypatch.setattr(_core, "_rows_split_part", spy_part)
    monkeypatch.setattr(_core, "_rows_split_fix", spy_fix)
    d = da.from_array(_x((64, 64)), chunks=16)
    with dask.config.set(scheduler="sync"):
        fa.softmax(fa.gelu(d)).compute()
        assert seen and {nt for _, nt in seen} == {1}, seen
        seen.clear()
        fa.softmax(fa.gelu(d, num_threads=2), num_threads=2).compute()
        assert seen and {nt for _, nt in seen} == {2}, seen


def test_dask_pickles_for_distributed(dask_array):
    import pickle

    da = dask_array
    d = da.from_array(_x((8, 30)), chunks=(4, 10))
    for y in (fa.gelu(d, approximate="tanh"), fa.leaky_relu(d, 0.3), fa.log_softmax(d)):
        y2 = pickle.loads(pickle.dumps(y))
        _same(y2.compute(scheduler="sync"), y.compute(scheduler="sync"))


def test_dask_names_are_deterministic(dask_array):
    da = dask_array
    d = da.from_array(_x((8, 30)), chunks=(4, 10))
    assert fa.gelu(d).name == fa.gelu(d).name
    assert fa.gelu(d).name != fa.gelu(d, approximate="tanh").name
    assert fa.leaky_relu(d, 0.1).name != fa.leaky_relu(d, 0.2).name
    assert fa.softmax(d).name == fa.softmax(d).name != fa.log_softmax(d).name


# ----------------------------------------------------------------- xarray


@pytest.fixture(scope="module")
def xr():
    return pytest.importorskip("xarray")


def _da(xr, chunks=None):
    x = _x((6, 40), np.float32)
    a = xr.DataArray(x, dims=("batch", "feature"),
                     coords={"batch": np.arange(6), "feature": np.arange(40) * 0.5,
                             "label": ("batch", list("abcdef"))},
                     name="logits", attrs={"units": "nats"})
    a.encoding = {"dtype": "int16", "scale_factor": 0.1}
    return (a.chunk(chunks) if chunks else a), x


def _labels_kept(r, a):
    assert r.dims == a.dims and r.name == a.name
    assert set(r.coords) == set(a.coords)
    for c in a.coords:
        assert r.coords[c].equals(a.coords[c])
    assert r.attrs == a.attrs and r.encoding == {}


def test_xarray_map_and_rows(xr):
    a, x = _da(xr)
    for f, kw in ((fa.gelu, {}), (fa.leaky_relu, {"negative_slope": 0.2}), (fa.gelu, {"approximate": "tanh"})):
        r = f(a, **kw)
        assert isinstance(r, xr.DataArray) and isinstance(r.data, np.ndarray)
        _labels_kept(r, a)
        _same(r.values, f(x, **kw))
    for f in ROWS:
        for axis, ax in (("feature", 1), ("batch", 0), (-1, 1), (0, 0)):
            r = f(a, axis=axis)
            _labels_kept(r, a)
            _same(r.values, f(x, axis=ax))
    with pytest.raises(ValueError, match="dimension 'time' not found"):
        fa.softmax(a, axis="time")
    with xr.set_options(keep_attrs=False):
        assert fa.gelu(a).attrs == {} and fa.softmax(a).attrs == {}


def test_xarray_dask_backed_stays_lazy(xr, dask_array):
    da = dask_array
    a, x = _da(xr, chunks={"feature": 15, "batch": 4})
    r = fa.softmax(fa.gelu(a), axis="feature")
    assert isinstance(r.data, da.Array) and r.data.chunks == a.data.chunks
    _labels_kept(r, a)
    check_softmax(r.values, fa.gelu(x), 1)
    _same(fa.sigmoid(a).values, fa.sigmoid(x))


def test_xarray_dataset_and_variable(xr):
    a, x = _da(xr)
    ds = xr.Dataset({"logits": a, "other": (("batch",), np.arange(6.0))}, attrs={"title": "t"})
    r = fa.sigmoid(ds)
    assert isinstance(r, xr.Dataset) and r.attrs == ds.attrs
    _same(r["logits"].values, fa.sigmoid(x))
    _same(r["other"].values, fa.sigmoid(np.arange(6.0)))
    r = fa.softmax(ds, axis="batch")
    _same(r["logits"].values, fa.softmax(x, axis=0))
    v = a.variable
    r = fa.tanh(v)
    assert isinstance(r, xr.Variable) and r.dims == v.dims and r.attrs == v.attrs
    _same(r.values, fa.tanh(x))


# ----------------------------------------------------------------- pandas


@pytest.fixture(scope="module")
def pd():
    return pytest.importorskip("pandas")


def test_pandas_series_and_index(pd):
    x = _x(9, np.float64)
    s = pd.Series(x, index=list("abcdefghi"), name="z")
    s.attrs["source"] = "test"
    for f in (fa.relu, fa.sigmoid, fa.softmax, fa.log_softmax):
        r = f(s)
        assert isinstance(r, pd.Series) and r.name == "z" and r.index.equals(s.index)
        assert r.attrs == s.attrs
        _same(r.to_numpy(), f(x))
    r = fa.gelu(pd.Index(x, name="i"))
    assert isinstance(r, pd.Index) and r.name == "i"
    _same(r.to_numpy(), fa.gelu(x))
    f32 = pd.Series(x.astype(np.float32))
    assert fa.silu(f32).dtype == np.float32
    with pytest.raises(ValueError, match="axis"):
        fa.softmax(s, axis="columns")


def test_pandas_dataframe(pd):
    x = _x((5, 4), np.float32)
    df = pd.DataFrame(x, index=pd.date_range("2026-01-01", periods=5), columns=list("abcd"))
    df.attrs["k"] = 1
    r = fa.gelu(df)
    assert isinstance(r, pd.DataFrame) and r.index.equals(df.index) and r.columns.equals(df.columns)
    assert r.attrs == {"k": 1} and (r.dtypes == np.float32).all()
    _same(r.to_numpy(), fa.gelu(x))
    for f in ROWS:
        for axis, ax in ((-1, 1), (1, 1), ("columns", 1), (0, 0), ("index", 0), (-2, 0)):
            _same(f(df, axis=axis).to_numpy(), f(x, axis=ax))
    assert np.allclose(fa.softmax(df).sum(axis=1), 1)  # default: along the columns, per row
    # mixed dtypes: elementwise and per column keep each column's dtype
    mixed = pd.DataFrame({"f32": x[:, 0], "f64": x[:, 1].astype(np.float64), "i": np.arange(5)})
    r = fa.sigmoid(mixed)
    assert list(r.dtypes) == [np.float32, np.float64, np.float64]
    _same(r["f32"].to_numpy(), fa.sigmoid(x[:, 0]))
    r = fa.softmax(mixed, axis=0)
    assert list(r.dtypes) == [np.float32, np.float64, np.float64]
    r = fa.softmax(mixed, axis=1)  # along the columns: the common dtype, as df.to_numpy()
    _same(r.to_numpy(), fa.softmax(mixed.to_numpy(), axis=1))
    with pytest.raises(TypeError, match="unsupported dtype"):
        fa.sigmoid(pd.DataFrame({"s": ["a", "b"]}))


def test_pandas_nullable(pd):
    s = pd.Series([1.0, None, -2.0], dtype="Float32", name="n")
    r = fa.sigmoid(s)
    assert str(r.dtype) == "Float32" and r.isna().tolist() == [False, True, False]
    _same(r.dropna().to_numpy(np.float32), fa.sigmoid(np.float32([1.0, -2.0])))
    r = fa.gelu(pd.Series([1, None, 3], dtype="Int64"))
    assert str(r.dtype) == "Float64" and r.isna().tolist() == [False, True, False]
    assert r.isna().sum() == 1
    assert fa.softmax(s).isna().all()  # a row with NA is an NA row
    ok = pd.Series([1.0, 2.0], dtype="Float64")
    _same(fa.softmax(ok).to_numpy(np.float64), fa.softmax(np.array([1.0, 2.0])))
    df = pd.DataFrame({"a": pd.array([1.0, None], dtype="Float64"), "b": [0.5, 0.25]})
    r = fa.softmax(df, axis=1)
    assert r.iloc[1].isna().all() and not r.iloc[0].isna().any()
    _same(r.iloc[0].to_numpy(np.float64), fa.softmax(np.array([1.0, 0.5])))


# ----------------------------------------------------------------- the registry


def test_every_family_has_a_method_in_every_adapter():
    """A new family in the registry needs its hook in each adapter (docs/arrays.md)."""
    from fastact import _foreign

    for f in _ops.FUNCTIONS:
        if f.family in _ops.BACKWARD_FAMILIES:  # not supported yet: test_backward.py checks the TypeError
            continue
        for ad in _foreign._ADAPTERS:
            assert callable(getattr(ad, f.family, None)), (type(ad).__name__, f.family, f.name)


def test_every_registry_function_on_labelled_objects(xr, pd):
    x = _x((4, 8), np.float64)  # even: the gated forms halve the last axis
    a = xr.DataArray(x, dims=("r", "c"), name="v")
    s = pd.Series(x[0], name="s")
    for f in _ops.FUNCTIONS:
        if f.family in _ops.BACKWARD_FAMILIES:  # two results (tests/test_prelu.py) or not supported yet (test_backward.py)
            continue
        for v in f.variants:
            for params in _ops.cases(v):
                want = _ops.call(v, x, params)
                r = _ops.call(v, a, params)
                assert isinstance(r, xr.DataArray) and r.dims == a.dims
                _same(r.values, want)
                r = _ops.call(v, s, params)
                assert isinstance(r, pd.Series) and r.name == "s"
                _same(r.to_numpy(), _ops.call(v, x[0], params))


def test_dask_bfloat16(dask_array):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    da = dask_array
    bf = np.dtype(ml_dtypes.bfloat16)
    x = _x((6, 40)).astype(bf)
    d = da.from_array(x, chunks=(3, 13))
    y = fa.gelu(d)
    assert y.dtype == bf
    _same(y.compute().view(np.uint16), fa.gelu(x).view(np.uint16))
    for f in ROWS:
        r = f(d).compute()
        assert r.dtype == bf
        e = f(x).astype(np.float32)
        assert np.allclose(r.astype(np.float32), e, rtol=2e-2, atol=1e-3)
