"""The NumPy-compatibility call contract (issue 5): dtypes, memory layouts,
out=, parameters, empty arrays, input never modified."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import (
    ALL_OPS,
    PUBLIC_ELEMENTWISE,
    ROW_OPS,
    assert_close_ulp,
    assert_same,
    check_softmax,
    fa_call,
    generate_arrays,
    make_layout,
    ref_call,
)

import fastact as fa

ROW = list(ROW_OPS)


def _native(a):
    return np.array(a, dtype=a.dtype.newbyteorder("="), order="C")  # keeps 0-d


def _axes(x, op):
    if op in ROW:
        return [{"axis": a} for a in range(-x.ndim, x.ndim)] if x.ndim else []
    return [{}]


# ---------------------------------------------------------------- generator
@pytest.mark.parametrize("op", ALL_OPS)
def test_layout_generator(op):
    """Every dtype x layout x shape x value mix: correct result, dtype, shape,
    memory order K, and the input is never modified."""
    n_checked = 0
    for name, x, base in generate_arrays():
        for kw in _axes(x, op):
            snapshot = x.copy()
            snap_bytes = x.tobytes()
            y = fa_call(op, x, **kw)
            assert x.tobytes() == snap_bytes, f"{op} modified its input {name} {kw}"
            assert_same(x, snapshot, f"{op} modified input {name}")
            ndt = base.dtype.newbyteorder("=")
            if x.ndim == 0 and not isinstance(y, np.ndarray):
                assert type(y) is ndt.type, (name, type(y))
                y = np.asarray(y)
            assert isinstance(y, np.ndarray), (name, type(y))
            assert y.shape == x.shape and y.dtype == ndt, (op, name, y.shape, y.dtype)
            # the same bits as the contiguous, native, aligned path
            # (elementwise ops: exact; row ops: the summation order may differ)
            want = fa_call(op, _native(base), **kw)
            if op in ROW:
                assert_close_ulp(
                    y, np.asarray(want), 8, f"{op} {name} {kw} vs contiguous"
                )
            else:
                assert_same(y, np.asarray(want), f"{op} {name} vs contiguous")
            # and close to the reference (<= 4 ulp from exact, reference <= ~0.5)
            if op in ROW:
                if x.ndim:
                    check_softmax(
                        y,
                        _native(base),
                        kw["axis"],
                        op == "log_softmax",
                        f"{op} {name} {kw}",
                    )
            else:
                r = ref_call(op, _native(base), **kw)
                assert_close_ulp(y, np.asarray(r), 5, f"{op} {name} {kw} vs reference")
            # memory order follows the input (order='K'), like np.tanh
            if y.ndim >= 2 and y.size > 1:
                assert y.flags.c_contiguous or y.flags.f_contiguous, (op, name)
                e = np.empty_like(x, dtype=ndt)  # order='K' default
                assert y.strides == e.strides, (
                    f"{op} {name}: out strides {y.strides}, order K gives {e.strides}"
                )
            n_checked += 1
    assert n_checked > 500


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize(
    "dt",
    ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool"],
)
def test_integer_and_bool_promotion(op, dt):
    x = np.array([[0, 1, 2, 3], [4, 5, 6, 7]]).astype(dt)
    if dt == "bool":
        x = x % 2 == 1
    elif np.dtype(dt).kind == "i":
        x = x - 3
    want_dt = np.tanh(x).dtype
    y = fa_call(op, x)
    assert y.dtype == want_dt, f"{op}({dt}) gave {y.dtype}, np.tanh gives {want_dt}"
    r = ref_call(op, x.astype(want_dt))
    assert_close_ulp(y, r, 5 if op not in ROW else 16, f"{op} {dt}")


@pytest.mark.parametrize("op", ALL_OPS)
def test_float16(op):
    x = np.linspace(-8, 8, 203).astype(np.float16).reshape(7, 29)
    y = fa_call(op, x)
    assert y.dtype == np.float16
    r = ref_call(op, x)
    assert_close_ulp(y, r, 1, f"{op} float16")


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize(
    "bad",
    [
        np.array([1 + 2j, 3j]),
        np.array([1 + 2j, 3j], dtype=np.complex64),
        np.array([1.0, 2.0], dtype=object),
        np.array(["a", "b"]),
        np.array([b"a", b"b"]),
        np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
        np.array([1, 2], dtype="timedelta64[s]"),
        np.array([(1.0, 2.0)], dtype=[("a", "f8"), ("b", "f8")]),
    ],
    ids=["c16", "c8", "object", "str", "bytes", "datetime", "timedelta", "struct"],
)
def test_unsupported_dtypes_raise_typeerror(op, bad):
    with pytest.raises(TypeError) as ei:
        fa_call(op, bad)
    msg = str(ei.value).lower()
    assert "float" in msg, f"message should name the supported dtypes: {ei.value}"


@pytest.mark.parametrize("op", ALL_OPS)
def test_unsupported_python_objects(op):
    for bad in ("abc", None, 1 + 2j, [1.0, "a"], {"a": 1}):
        with pytest.raises(TypeError):
            fa_call(op, bad)


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_longdouble_input(op, dtype):
    """np.longdouble is not a fast-path dtype: either a TypeError or a float
    result close to the reference -- never a crash or garbage."""
    x = np.linspace(-4, 4, 9).astype(np.longdouble)
    try:
        y = fa_call(op, x)
    except TypeError:
        return
    r = ref_call(op, x.astype(np.float64))
    np.testing.assert_allclose(np.asarray(y, dtype=np.float64), r, rtol=1e-6)


# ---------------------------------------------------------------- memory
@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memmap_readonly(op, dtype, tmp_path):
    rng = np.random.default_rng(1)
    base = (rng.standard_normal((13, 17)) * 4).astype(dtype)
    fn = tmp_path / "x.dat"
    mm = np.memmap(fn, dtype=dtype, mode="w+", shape=base.shape)
    mm[...] = base
    mm.flush()
    del mm
    ro = np.memmap(fn, dtype=dtype, mode="r", shape=base.shape)
    assert not ro.flags.writeable
    y = fa_call(op, ro)
    assert_same(np.asarray(y), np.asarray(fa_call(op, base)), f"{op} memmap")
    np.testing.assert_array_equal(np.asarray(ro), base)
    # and a writeable memmap used as out=
    rw = np.memmap(tmp_path / "y.dat", dtype=dtype, mode="w+", shape=base.shape)
    r = fa_call(op, base, out=rw)
    assert r is rw
    assert_same(np.asarray(rw), np.asarray(fa_call(op, base)), f"{op} memmap out")


@pytest.mark.parametrize("op", ALL_OPS)
def test_negative_strides_and_permuted_3d(op):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((4, 5, 6))
    for x in (
        base[::-1, :, ::-2],
        base.transpose(2, 0, 1),
        base.transpose(1, 2, 0)[:, ::-1],
        base[:, 1:4, ::3],
        np.broadcast_to(base[:1], (3, 5, 6)),
    ):
        for kw in _axes(x, op):
            y = fa_call(op, x, **kw)
            want = fa_call(op, np.ascontiguousarray(x), **kw)
            if op in ROW:
                assert_close_ulp(y, want, 8, op)
            else:
                assert_same(y, want, op)
            assert y.strides == np.empty_like(x).strides or not x.flags.writeable


@pytest.mark.parametrize("op", ALL_OPS)
def test_broadcast_input_not_writeable(op):
    x = np.broadcast_to(np.linspace(-2, 2, 5), (3, 5))
    y = fa_call(op, x)
    assert y.flags.writeable and y.shape == (3, 5)
    with pytest.raises(ValueError):
        fa_call(op, x, out=x)


# ---------------------------------------------------------------- out=
@pytest.mark.parametrize("op", ALL_OPS)
def test_out_validation(op):
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    with pytest.raises(TypeError):
        fa_call(op, x, out=[0.0] * 12)
    with pytest.raises(TypeError):
        fa_call(op, x, out=x.tolist())
    with pytest.raises(ValueError):
        fa_call(op, x, out=np.empty((4, 3)))
    with pytest.raises(ValueError):
        fa_call(op, x, out=np.empty(12))
    with pytest.raises(ValueError):
        fa_call(op, x, out=np.empty((1, 3, 4)))
    ro = np.empty((3, 4))
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        fa_call(op, x, out=ro)
    for bad in ("int32", "int64", "uint8", "bool"):
        with pytest.raises(TypeError):
            fa_call(op, x, out=np.empty((3, 4), dtype=bad))
    # the failed calls left x alone
    np.testing.assert_array_equal(x, np.linspace(-3, 3, 12).reshape(3, 4))


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize(
    "in_dt,out_dt",
    [("f4", "f8"), ("f8", "f4"), ("f4", "f2"), ("f2", "f4"), ("f8", ">f8")],
)
def test_out_other_float_dtype(op, in_dt, out_dt):
    """same_kind casting to the out dtype: result close to the reference
    rounded to the less precise of the two dtypes."""
    x = np.linspace(-6, 6, 40, dtype=in_dt).reshape(5, 8)
    out = np.empty((5, 8), dtype=out_dt)
    r = fa_call(op, x, out=out)
    assert r is out
    lo = (
        np.dtype(in_dt)
        if np.dtype(in_dt).itemsize < np.dtype(out_dt).itemsize
        else np.dtype(out_dt)
    )
    lo = lo.newbyteorder("=")
    want = ref_call(op, x.astype(np.float64)).astype(lo)
    assert_close_ulp(
        np.asarray(out).astype(lo),
        want,
        5 if op not in ROW else 64,
        f"{op} {in_dt}->{out_dt}",
    )


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_layouts(op, dtype):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((6, 10)) * 3).astype(dtype)
    want = fa_call(op, x)
    outs = {
        "C": np.empty((6, 10), dtype),
        "F": np.empty((6, 10), dtype, order="F"),
        "strided": np.empty((12, 30), dtype)[::2, ::3],
        "neg": np.empty((6, 10), dtype)[::-1, ::-1],
        "swapped": np.empty((6, 10), np.dtype(dtype).newbyteorder()),
        "unaligned": np.zeros(60 * np.dtype(dtype).itemsize + 1, np.uint8)[1:]
        .view(dtype)
        .reshape(6, 10),
    }
    for name, out in outs.items():
        guard = None
        if name == "strided":
            guard_base = out.base
            guard = guard_base.copy()
        r = fa_call(op, x, out=out)
        assert r is out, name
        if op in ROW:
            assert_close_ulp(np.asarray(out).astype(dtype), want, 8, f"{op} out {name}")
        else:
            assert_same(np.asarray(out).astype(dtype), want, f"{op} out {name}")
        if guard is not None:
            mask = np.ones(guard.shape, bool)
            mask[::2, ::3] = False
            np.testing.assert_array_equal(
                guard_base[mask], guard[mask], err_msg="wrote outside the out view"
            )


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_layouts(op, dtype):
    rng = np.random.default_rng(6)
    for layout in ("C", "F", "T", "strided", "neg", "unaligned"):
        base = (rng.standard_normal((5, 9)) * 3).astype(dtype)
        want = fa_call(op, base)
        x = make_layout(base, layout)
        r = fa_call(op, x, out=x)
        assert r is x
        if op in ROW:
            assert_close_ulp(x, want, 8, f"{op} in place {layout}")
        else:
            assert_same(x, want, f"{op} in place {layout}")


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shift", [1, 3, 8, 17, -1, -5, -16])
def test_out_partially_overlapping(op, dtype, shift):
    """out overlapping the input: the result is as if they did not overlap."""
    n = 100
    rng = np.random.default_rng(abs(shift))
    buf = (rng.standard_normal(n + abs(shift)) * 3).astype(dtype)
    if shift > 0:
        x, out = buf[:n], buf[shift : shift + n]
    else:
        x, out = buf[-shift : -shift + n], buf[:n]
    want = fa_call(op, x.copy())
    r = fa_call(op, x, out=out)
    assert r is out
    if op in ROW:
        assert_close_ulp(out, want, 8, f"{op} overlap {shift}")
    else:
        assert_same(out, want, f"{op} overlap {shift}")


@pytest.mark.parametrize("op", ALL_OPS)
def test_out_reversed_and_2d_overlap(op):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(50)
    want = fa_call(op, x.copy())
    r = fa_call(op, x, out=x[::-1])
    assert r is not None
    assert_close_ulp(
        np.ascontiguousarray(r), want, 8 if op in ROW else 0, f"{op} reversed out"
    )
    # 2-d: out is the transpose of the input (same memory)
    a = rng.standard_normal((7, 7))
    want = fa_call(op, a.copy())
    r = fa_call(op, a, out=a.T)
    assert_close_ulp(r, want, 8 if op in ROW else 0, f"{op} transposed out")
    # out shifted by a row inside the same buffer
    b = rng.standard_normal((8, 5))
    want = fa_call(op, b[:7].copy())
    r = fa_call(op, b[:7], out=b[1:])
    assert_close_ulp(r, want, 8 if op in ROW else 0, f"{op} row-shifted out")


def test_out_scalar_and_zero_d():
    for op in PUBLIC_ELEMENTWISE:
        o = np.empty(())
        r = fa_call(op, 0.5, out=o)
        assert r is o
        assert o[()] == pytest.approx(float(ref_call(op, np.float64(0.5))), rel=1e-15)


# ---------------------------------------------------------------- parameters
def test_gelu_approximate_validation():
    x = np.linspace(-2, 2, 5)
    for ok in ("none", "tanh"):
        fa.gelu(x, approximate=ok)
    for bad in ("erf", "", "exact", "Tanh ", "tanh ", "NONE!", "sigmoid"):
        with pytest.raises(ValueError):
            fa.gelu(x, approximate=bad)
    for bad in (None, 1, True, b"tanh"):
        with pytest.raises((ValueError, TypeError)):
            fa.gelu(x, approximate=bad)


def test_leaky_relu_slope_validation():
    x = np.linspace(-2, 2, 5)
    for ok in (0, 0.1, 1, -0.5, np.float32(0.2), np.float64(0.3), np.int64(2)):
        y = fa.leaky_relu(x, ok)
        s = np.float64(ok)
        np.testing.assert_array_equal(y, np.where(x > 0, x, x * s))
    for bad in (
        "0.1",
        None,
        1j,
        complex(0.1, 0),
        [0.1],
        np.array([0.1, 0.2]),
        object(),
    ):
        with pytest.raises(TypeError):
            fa.leaky_relu(x, negative_slope=bad)


def test_leaky_relu_slope_rounded_to_dtype():
    x = np.array([-3.0, -1.0, -1e-3, -7.1], dtype=np.float32)
    for s in (0.01, 0.1, 1 / 3, 0.2):
        y = fa.leaky_relu(x, s)
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y, x * np.float32(s))


@pytest.mark.parametrize("op", ROW)
def test_axis_validation(op):
    from numpy.exceptions import AxisError

    x = np.ones((3, 4))
    for bad in (2, -3, 10, -100):
        with pytest.raises(AxisError):
            fa_call(op, x, axis=bad)
    with pytest.raises(AxisError):
        fa_call(op, np.ones(5), axis=1)
    for bad in (1.0, "0", None, (0, 1)):
        try:
            fa_call(op, x, axis=bad)
        except (TypeError, ValueError, AxisError):
            continue
        if bad is None:
            continue  # axis=None (all elements) is an acceptable extension
        pytest.fail(f"axis={bad!r} accepted")
    # numpy integers are fine
    np.testing.assert_array_equal(
        fa_call(op, x, axis=np.int64(0)), fa_call(op, x, axis=0)
    )


# ---------------------------------------------------------------- empty arrays
@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape", [(0,), (0, 3), (3, 0), (2, 0, 4), (0, 0), (1, 0)], ids=str
)
def test_empty(op, dtype, shape):
    x = np.empty(shape, dtype)
    for kw in _axes(x, op):
        y = fa_call(op, x, **kw)
        assert y.shape == shape and y.dtype == dtype
        o = np.empty(shape, dtype)
        assert fa_call(op, x, out=o, **kw) is o
