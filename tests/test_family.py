"""The activation family (relu6, hardtanh, hardsigmoid, hardswish, softsign,
elu, selu, celu, quick_gelu, mish): behaviour the registry-driven generic
tests do not cover - hardtanh's cross-parameter check, SELU's constants,
celu with a negative alpha (its own kernel path, results that overflow),
celu(alpha=1) == elu bit for bit, the signed-zero policy, and parity with
PyTorch where PyTorch is accurate (skipped without torch)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from _helpers import assert_same, check_against_exact

import fastact as fa
import fastact.reference as ref
from fastact import _ops

DTYPES = [np.float32, np.float64]


# ---------------------------------------------------------------- hardtanh's bounds
@pytest.mark.parametrize("lo, hi", [(2.0, 1.0), (0.5, -0.5), (math.nan, 1.0), (-1.0, math.nan)])
def test_hardtanh_rejects_reversed_or_nan_bounds(lo, hi):
    x = np.linspace(-3, 3, 7)
    with pytest.raises(ValueError, match="min_val must not be greater than max_val"):
        fa.hardtanh(x, lo, hi)
    with pytest.raises(ValueError, match="min_val must not be greater than max_val"):
        fa.hardtanh(x, min_val=lo, max_val=hi)
    with pytest.raises(ValueError, match="min_val"):
        ref.hardtanh(x, lo, hi)


@pytest.mark.parametrize("dtype", DTYPES)
def test_hardtanh_bounds(dtype, isa):
    x = np.array([-np.inf, -5, -1.5, -0.0, 0.0, 0.25, 1.5, 5, np.inf, np.nan], dtype=dtype)
    # equal bounds are allowed: a constant (NaN kept)
    y = fa.hardtanh(x, 0.5, 0.5)
    assert (y[:-1] == 0.5).all() and np.isnan(y[-1])
    # infinite bounds: the identity
    assert_same(fa.hardtanh(x, -np.inf, np.inf), x)
    # a clamp keeps -0.0 inside the bounds; relu6 gives +0.0 (as relu)
    assert np.signbit(fa.hardtanh(x, 0.0, 6.0)[3])
    assert not np.signbit(fa.relu6(x)[3])
    # bounds rounded to the dtype
    y = fa.hardtanh(np.array([0.0, 1.0], dtype), 0.1, 0.3)
    assert y[0] == dtype(0.1) and y[1] == dtype(0.3)


# ---------------------------------------------------------------- selu's constants
def test_selu_constants():
    with mpmath.workprec(200):  # the exact decimals, multiplied exactly
        scale = mpmath.mpf("1.0507009873554804934193349852946")
        alpha = mpmath.mpf("1.6732632423543772848170429916717")
        sa = scale * alpha
    x = np.array([1.0, -np.inf, -100.0], dtype=np.float64)
    y = fa.selu(x)
    assert y[0] == float(scale)
    assert y[1] == y[2] == -float(sa)
    y32 = fa.selu(x.astype(np.float32))
    assert y32[0] == np.float32(float(scale))
    assert y32[1] == np.float32(-float(sa))
    # selu = scale * elu(x, alpha) to within the roundings
    z = np.linspace(-20, 20, 4001)
    np.testing.assert_allclose(fa.selu(z), float(scale) * fa.elu(z, float(alpha)), rtol=4e-16, atol=0)


# ---------------------------------------------------------------- celu
@pytest.mark.parametrize("dtype", DTYPES)
def test_celu_alpha_one_is_elu(dtype, isa):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.standard_normal(5000) * 10, [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(dtype)
    assert_same(fa.celu(x, 1.0), fa.elu(x, 1.0), "celu(alpha=1) vs elu")


def _mp_values(fn, x):
    with mpmath.workprec(160):
        his, los = [], []
        for v in x.astype(np.float64).tolist():
            e = fn(mpmath.mpf(v))
            h = float(e)
            his.append(h)
            los.append(float(e - h) if math.isfinite(h) else 0.0)
    return np.array(his), np.array(los)


@pytest.mark.parametrize("alpha", [-0.5, -1.0, -2.0, -0.001, 3.7])
@pytest.mark.parametrize("dtype", DTYPES)
def test_celu_any_alpha_against_mpmath(alpha, dtype, isa):
    """celu(x, alpha) = x >= 0 ? x : alpha * expm1(x / alpha) for either sign of
    alpha: with alpha < 0 the negative side grows like alpha * e^(-x/alpha) up
    to the overflow threshold (computed scaled last, then -inf)."""
    v = _ops.variant("celu")
    big = 88.7 if dtype == np.float32 else 709.7
    rng = np.random.default_rng(7)
    x = np.concatenate([
        -np.abs(alpha) * rng.uniform(0, big + 8, 3000),  # up to and beyond overflow
        rng.standard_normal(1000) * 3,
        -np.abs(alpha) * 10.0 ** rng.uniform(-30, 0, 500),
    ]).astype(dtype)
    a = float(dtype(alpha))
    hi, lo = _mp_values(lambda t: v.mp(mpmath.mp, t, alpha=a), x)
    fmax = float(np.finfo(dtype).max)
    over = np.isfinite(hi) & (np.abs(hi) > fmax * (1 + 2.0 ** -(np.finfo(dtype).nmant + 1)))
    hi = np.where(over, np.sign(hi) * np.inf, hi)
    y = fa.celu(x, alpha)
    check_against_exact(y, x, hi, lo, dtype, maxulp=4.0, what=f"celu alpha={alpha}")
    lim = fa.celu(np.array([-np.inf, np.inf, -fmax], dtype), alpha)
    assert lim[0] == (-np.inf if alpha < 0 else dtype(-alpha)) and lim[1] == np.inf
    assert lim[2] == (-np.inf if alpha < 0 else dtype(-alpha))


@pytest.mark.parametrize("dtype", DTYPES)
def test_elu_negative_alpha(dtype, isa):
    v = _ops.variant("elu")
    x = np.linspace(-40, 5, 2001).astype(dtype)
    hi, lo = _mp_values(lambda t: v.mp(mpmath.mp, t, alpha=-1.5), x)
    check_against_exact(fa.elu(x, -1.5), x, hi, lo, dtype, maxulp=4.0, what="elu alpha=-1.5")


# ---------------------------------------------------------------- special values
@pytest.mark.parametrize("dtype", DTYPES)
def test_limits_where_pytorch_returns_nan(dtype, isa):
    """hardswish(-inf) = -0, mish(-inf) = -0, softsign(+-inf) = +-1, and huge
    finite inputs neither overflow nor lose the value (PyTorch: NaN at +-inf
    for hardswish/mish/softsign; x / (1 + |x|) is inf/inf)."""
    fmax = np.finfo(dtype).max
    x = np.array([-np.inf, np.inf, fmax, -fmax], dtype=dtype)
    assert_same(fa.hardswish(x), np.array([-0.0, np.inf, fmax, -0.0], dtype))
    assert_same(fa.mish(x), np.array([-0.0, np.inf, fmax, -0.0], dtype))
    assert_same(fa.softsign(x), np.array([-1.0, 1.0, 1.0, -1.0], dtype))
    assert_same(fa.quick_gelu(x), np.array([-0.0, np.inf, fmax, -0.0], dtype))
    big = dtype(3e38) if dtype == np.float32 else dtype(1e308)
    assert fa.softsign(big) == 1.0 and fa.mish(big) == big and fa.hardswish(big) == big


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_signs(dtype, isa):
    z = np.array([0.0, -0.0], dtype)
    want = {
        "relu6": [0.0, 0.0], "hardsigmoid": [0.5, 0.5], "hardswish": [0.0, -0.0],
        "softsign": [0.0, -0.0], "elu": [0.0, -0.0], "selu": [0.0, -0.0], "celu": [0.0, -0.0],
        "quick_gelu": [0.0, -0.0], "mish": [0.0, -0.0], "hardtanh": [0.0, -0.0],
    }
    for name, w in want.items():
        assert_same(getattr(fa, name)(z), np.array(w, dtype), name)
    # hardswish is -0.0 (x * 0) on the whole flat part, hardsigmoid +0.0
    x = np.array([-3.0, -7.5, -1e30], dtype)
    assert np.signbit(fa.hardswish(x)).all()
    assert not np.signbit(fa.hardsigmoid(x)).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_tails_keep_relative_accuracy(dtype, isa):
    """mish(x) ~ x e^x and quick_gelu(x) ~ x e^(1.702 x) for x -> -inf, elu near
    0 ~ x: no cancellation (checked against mpmath relative to the result)."""
    lo_ = -85.0 if dtype == np.float32 else -700.0
    x = np.concatenate([np.linspace(lo_, -1, 2000), -(10.0 ** np.linspace(-30, -1, 300))]).astype(dtype)
    for name in ("mish", "quick_gelu", "elu", "selu", "celu"):
        v = _ops.variant(name)
        hi, lo = _mp_values(lambda t: v.mp(mpmath.mp, t), x)
        check_against_exact(getattr(fa, name)(x), x, hi, lo, dtype, maxulp=4.0, what=name)


# ---------------------------------------------------------------- PyTorch parity
TORCH_OPS = {
    "relu6": lambda F, t: F.relu6(t),
    "hardtanh": lambda F, t: F.hardtanh(t, -1.0, 1.0),
    "hardsigmoid": lambda F, t: F.hardsigmoid(t),
    "hardswish": lambda F, t: F.hardswish(t),
    "softsign": lambda F, t: F.softsign(t),
    "elu": lambda F, t: F.elu(t),
    "selu": lambda F, t: F.selu(t),
    "celu": lambda F, t: F.celu(t),
    "mish": lambda F, t: F.mish(t),
    "quick_gelu": lambda F, t: t * __import__("torch").sigmoid(1.702 * t),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(TORCH_OPS))
def test_matches_pytorch(name, dtype):
    """Same function as PyTorch on finite inputs of moderate size (where
    PyTorch's own formulas are accurate: relative 1e-5 / 1e-13, the exact ops
    bit for bit up to the sign of zero)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.standard_normal(20000) * 4, np.linspace(-8, 8, 1601),
                        [-3.0, 3.0, 0.0, 6.0, -1.0, 1.0]]).astype(dtype)
    with torch.no_grad():
        want = TORCH_OPS[name](F, torch.from_numpy(x.copy())).numpy()
    got = getattr(fa, name)(x)
    if name in ("relu6", "hardtanh"):
        assert_same(got, want, name, zero_sign=False)
        return
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    tiny = 1e-30 if dtype == np.float32 else 1e-300
    np.testing.assert_allclose(got, want, rtol=rtol, atol=tiny)
