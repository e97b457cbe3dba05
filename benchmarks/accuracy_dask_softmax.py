#!/usr/bin/env python3
"""Accuracy of softmax / log_softmax on dask arrays split along the axis.

    python benchmarks/accuracy_dask_softmax.py

For several row lengths and chunkings along the axis (two halves, uneven
cuts, chunks of one element, cuts at multiples of 16384), compares the dask
result (two passes with the (max, sum) combine, src/c/rows_split.c) with the
in-memory fa.softmax / fa.log_softmax and both with a long-double oracle.
On N(0, 3^2) rows: max ulp and max relative error against the oracle (dask /
in-memory) and max ulp between the two; on all rows, including special ones
(-inf entries, a row of -inf, NaN, one dominant logit, a chunk of only
-inf), the largest error as a fraction of the documented bound
(tests/test_softmax.py), and the share of elements that are bitwise equal.
"""
import dask
import dask.array as da
import numpy as np

import fastact as fa


def oracle(x, log):
    xl = x.astype(np.longdouble)
    with np.errstate(all="ignore"):
        m = np.max(xl, axis=-1, keepdims=True)
        d = xl - m
        e = np.exp(d)
        s = np.sum(e, axis=-1, keepdims=True)
        return d - np.log(s) if log else e / s


def ulps(a, b, dtype):
    """|a - b| in units of the spacing of the dtype at b (finite, normal b only)."""
    fi = np.finfo(dtype)
    b = np.asarray(b, np.longdouble)
    ok = np.isfinite(b) & (np.abs(b) >= fi.smallest_normal)
    sp = np.spacing(np.abs(b[ok]).astype(dtype)).astype(np.longdouble)
    return np.abs(np.asarray(a, np.longdouble)[ok] - b[ok]) / sp


def relerr(a, b):
    b = np.asarray(b, np.longdouble)
    ok = np.isfinite(b) & (b != 0)
    return np.abs(np.asarray(a, np.longdouble)[ok] - b[ok]) / np.abs(b[ok])


def rows(n, dtype, rng):
    x = (rng.standard_normal((16, n)) * 3).astype(dtype)
    x[0, n // 3] = -np.inf
    x[1] = -np.inf
    x[2, n // 2] = np.nan
    x[3, n - 1] = 60.0 if dtype == np.float32 else 600.0  # dominant
    x[4, : n // 2] = -np.inf
    return x


def cuts_for(n):
    out = {"2 halves": (n // 2, n - n // 2), "uneven": None, "1-element chunks": (1,) * n if n <= 2000 else None}
    r = np.random.default_rng(n)
    c = np.sort(r.choice(np.arange(1, n), size=min(7, n - 1), replace=False))
    out["uneven"] = tuple(np.diff(np.concatenate([[0], c, [n]])).tolist())
    if n > 16384:
        k = n // 16384
        out["multiples of 16384"] = (16384 * max(1, k // 2), n - 16384 * max(1, k // 2))
    return {k: v for k, v in out.items() if v is not None}


def bound_used(y, x, ex, log, dtype):
    """max over elements of error / the documented bound (tests/test_softmax.py):
    softmax (4 + d/2 + 2 log2 n) eps relative, d = |x - max|; log_softmax
    (4 + 2 log2 n) eps * max(1, |exact|)."""
    eps = float(np.finfo(dtype).eps)
    lg = np.log2(max(x.shape[-1], 2))
    xl = x.astype(np.longdouble)
    with np.errstate(all="ignore"):
        err = np.abs(np.asarray(y, np.longdouble) - ex)
        if log:
            tol = (4 + 2 * lg) * eps * np.maximum(1, np.abs(ex))
        else:
            d = np.abs(xl - np.max(xl, axis=-1, keepdims=True))
            tol = np.fmax((4 + d / 2 + 2 * lg) * eps * np.abs(ex), 2 * float(np.finfo(dtype).smallest_normal))
        r = err / tol
    ok = np.isfinite(ex) & np.isfinite(r)
    return float(np.max(r[ok]))


SPECIAL = 5  # rows 0..4 of rows(): -inf, all -inf, NaN, dominant, half -inf


def main():
    rng = np.random.default_rng(0)
    print("N(0, 3^2) rows: max ulp and max relative error against a long-double oracle (dask / in-memory);")
    print("all rows (also -inf, a row of -inf, NaN, one dominant logit, a chunk of -inf): max error as a")
    print("fraction of the documented bound; last two columns: dask vs in-memory.")
    print()
    print("| dtype | op | n | chunks along the axis | max ulp | max rel. error | error / bound, all rows | "
          "max ulp dask vs in-memory | bitwise equal |")
    print("|---|---|---|---|---|---|---|---|---|")
    with dask.config.set(scheduler="threads"):
        for dtype in (np.float32, np.float64):
            for n in (1000, 40000):
                x = rows(n, dtype, rng)
                for f, log in ((fa.softmax, False), (fa.log_softmax, True)):
                    ex = oracle(x, log)
                    mem = f(x)
                    for label, cuts in cuts_for(n).items():
                        d = da.from_array(x, chunks=(8, cuts))
                        y = f(d).compute()
                        assert np.array_equal(np.isnan(y), np.isnan(mem))
                        assert np.array_equal(np.isinf(y), np.isinf(mem))
                        fin = np.isfinite(mem)
                        same = np.mean((y == mem)[fin]) * 100
                        nr = slice(SPECIAL, None)
                        u = (ulps(y[nr], ex[nr], dtype).max(), ulps(mem[nr], ex[nr], dtype).max())
                        r = (relerr(y[nr], ex[nr]).max(), relerr(mem[nr], ex[nr]).max())
                        b = (bound_used(y, x, ex, log, dtype), bound_used(mem, x, ex, log, dtype))
                        dm = ulps(y[nr], mem[nr].astype(np.longdouble), dtype).max()
                        print(f"| {np.dtype(dtype).name} | {f.__name__} | {n} | {label} | "
                              f"{u[0]:.2f} / {u[1]:.2f} | {r[0]:.2e} / {r[1]:.2e} | {b[0]:.2f} / {b[1]:.2f} | "
                              f"{dm:.0f} | {same:.1f} % |")


if __name__ == "__main__":
    main()
