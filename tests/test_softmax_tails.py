"""softmax outputs far below the row maximum keep the exponential's relative
accuracy: the rounding error of x - max is not amplified by |x - max|.

Rows mix a body near the maximum with values spread down to the underflow
threshold, around an offset with many significant bits (so that x - max
rounds); every output with a normal exact value must be within 4 ulp of a
long-double reference, for short rows (one-row kernel, both of its forms)
and long rows (blocked), on every ISA level, and the results must be bitwise
the same for 1 and 2 threads.  log_softmax rows of the same kind keep 1.3 ulp.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastact as fa

LD = np.longdouble


def _ref_softmax(x):
    xl = x.astype(LD)
    e = np.exp(xl - xl.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _ref_log_softmax(x):
    xl = x.astype(LD)
    z = xl - xl.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _max_ulp(y, r, dt):
    fi = np.finfo(dt)
    r = r.astype(LD)
    ok = np.abs(r) >= LD(fi.tiny)
    e = np.frexp(np.abs(r[ok]).astype(np.float64))[1]
    ulp = np.ldexp(1.0, e - fi.nmant - 1).astype(LD)
    return float(np.max(np.abs(y.astype(LD)[ok] - r[ok]) / ulp)) if ok.any() else 0.0


def _rows(dt, rows, cols, span, seed):
    rng = np.random.default_rng(seed)
    m0 = rng.uniform(-40, 40, size=(rows, 1))
    x = m0 - rng.uniform(0, span, size=(rows, cols))
    x[:, : cols // 4] = m0 - np.abs(rng.normal(0, 3, size=(rows, cols // 4)))
    return x.astype(dt)


# spans: inside the fast range, and reaching the subnormal outputs
CASES = [
    (np.float32, 64, 1000, 86.0),
    (np.float32, 64, 1000, 104.0),
    (np.float32, 2, 40000, 86.0),      # long rows: blocked
    (np.float32, 2, 40000, 104.0),
    (np.float64, 64, 1000, 700.0),
    (np.float64, 64, 1000, 745.0),
    (np.float64, 2, 40000, 745.0),
]


@pytest.mark.parametrize("dt,rows,cols,span", CASES)
def test_softmax_far_below_max(isa, dt, rows, cols, span):
    x = _rows(dt, rows, cols, span, seed=cols + int(span))
    y = fa.softmax(x, num_threads=1)
    assert _max_ulp(y, _ref_softmax(x), dt) <= 4.0
    assert np.array_equal(y, fa.softmax(x, num_threads=2))


@pytest.mark.parametrize("dt,rows,cols,span", CASES)
def test_log_softmax_far_below_max(isa, dt, rows, cols, span):
    x = _rows(dt, rows, cols, span, seed=cols + int(span) + 1)
    y = fa.log_softmax(x, num_threads=1)
    assert _max_ulp(y, _ref_log_softmax(x), dt) <= 1.3
    assert np.array_equal(y, fa.log_softmax(x, num_threads=2))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_softmax_offset_rows(isa, dt):
    """A dominant logit next to values far below it, offsets with low bits
    (x - max inexact), and rows beyond the scaled form's range (|x| > 350)."""
    rng = np.random.default_rng(11)
    for off in (0.1, -33.3, 1234.567, -4321.123):
        x = (off - rng.uniform(0, 80, size=(8, 257))).astype(dt)
        x[:, 3] = dt(off)
        y = fa.softmax(x)
        assert _max_ulp(y, _ref_softmax(x), dt) <= 4.0


def test_two_pass_rows_match_three_pass(isa):
    """float32 one-row softmax takes two passes when the row allows it (the
    maximum found with the exponentials, fa_rows.inc.h fa_softmax_row2_f32)
    and three otherwise; an in-place call always takes three.  The two give
    the same bits on the FMA levels; SSE2 and scalar may differ only in the
    last bit of outputs below 2^-120 (their separately rounded product
    pm1 s is subnormal there).  Rows that fall back (spread beyond the first
    vector's range, |x| > 350, -inf, NaN, +inf) are recomputed from an
    untouched x, also when out and x are distinct."""
    rng = np.random.default_rng(21)
    rows = []
    for n in (8, 31, 32, 33, 100, 1000, 1023, 2048):
        for spread, off in ((3, 0), (30, 7.7), (59, -20), (70, 0), (86, 40), (90, 0), (10, 349), (10, 351)):
            x = (off - rng.uniform(0, spread, size=(4, n))).astype(np.float32)
            x[1, : min(n, 16)] -= np.float32(spread / 2)   # the first vector far below the maximum
            x[2, -1] = np.float32(off + 1)                 # the maximum last
            rows.append(x)
    x = rows[-1].copy()
    x[0, 5], x[1, 40 % x.shape[1]], x[2, 3], x[3, 0] = -np.inf, np.nan, np.inf, 3e38
    rows.append(x)
    fma = fa.get_config()["isa"] in ("avx2", "avx512", "neon")
    for x in rows:
        y = fa.softmax(x)
        z = x.copy()
        assert fa.softmax(z, out=z) is z
        same = (y.view(np.int32) == z.view(np.int32)) | (np.isnan(y) & np.isnan(z))
        if fma:
            assert same.all(), (x.shape, x[~same.all(axis=1)][:1])
        else:
            assert (np.abs(z[~same]) < 2.0**-120).all() and (np.abs(y[~same] - z[~same]) <= np.spacing(np.abs(z[~same]))).all()
        with np.errstate(invalid="ignore"):
            assert np.array_equal(np.isnan(y), np.isnan(_ref_softmax(x).astype(np.float32)))
