"""Threading: thread-count API, determinism across thread counts, fork safety,
threadpoolctl interplay, concurrent callers, GIL release.

No timing assertions here (timing lives in benchmarks/bench_threads.py).
Anything that could hang (fork, multiprocessing) runs in a subprocess with a
timeout, so a regression fails instead of hanging the run.
"""

import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastact as fa
from fastact import _ops

SRC_DIR = os.path.dirname(os.path.dirname(os.path.abspath(fa.__file__)))

# name -> callable(x, **kw): every registry variant (fastact._ops), each
# elementwise one with its first non-default parameter set if it has one
def _bind(v):
    params = dict(v.cases[0]) if v.cases else {}
    return lambda x, **kw: _ops.call(v, x, params, **kw)


ELEMENTWISE = {v.name: _bind(v) for v in _ops.variants("map")}
ROWWISE = {v.name: _bind(v) for v in _ops.variants("rows")}
DTYPES = [np.float32, np.float64]

# Above every op's parallel threshold for up to 4 threads (relu/leaky_relu
# float32 need the most work per thread), not a multiple of 64, so chunk
# boundaries and the vector tail both matter.
N_BIG = (1 << 20) + 37


def _data(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 6).astype(dtype)
    x[::997] = 0.0
    x[1::1009] = -0.0
    x[2::4099] = np.inf
    x[3::4111] = -np.inf
    x[4::8191] = np.nan
    x[5::1013] = dtype(1e-40) if dtype == np.float32 else 1e-310  # subnormal
    return x


def _same(a, b):
    """Bitwise equality (NaN payloads and signed zeros included)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    u = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    return np.array_equal(
        np.ascontiguousarray(a).view(u), np.ascontiguousarray(b).view(u)
    )


def _run_py(code, timeout=120):
    """Run `code` in a fresh interpreter that imports this fastact; fail on timeout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FASTACT_NUM_THREADS", None)
    try:
        p = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"subprocess hung (> {timeout} s)")
    assert p.returncode == 0, (
        f"rc={p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    )
    return p.stdout


@pytest.fixture
def restore_threads():
    """Leave the process default as found (automatic)."""
    yield
    fa.set_num_threads(None)


# ---------------------------------------------------------------------------
# Thread-count API
# ---------------------------------------------------------------------------


def test_get_num_threads_default_is_positive():
    n = fa.get_num_threads()
    assert isinstance(n, int) and n >= 1
    assert fa.get_config()["num_threads"] == n
    if not fa.get_config()["openmp"]:
        assert n == 1


def test_default_respects_affinity():
    if not hasattr(os, "sched_getaffinity") or not fa.get_config()["openmp"]:
        pytest.skip("needs sched_getaffinity and OpenMP")
    # automatic default never exceeds the CPUs this process may run on
    # (unless FASTACT_NUM_THREADS was set for this run)
    if os.environ.get("FASTACT_NUM_THREADS"):
        pytest.skip("FASTACT_NUM_THREADS set")
    assert fa.get_num_threads() <= len(os.sched_getaffinity(0))


def test_default_follows_affinity_mask():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs sched_setaffinity")
    out = _run_py(
        """
        import os
        os.environ.pop("OMP_NUM_THREADS", None)
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        import fastact as fa
        print("n", fa.get_num_threads())
        """
    )
    assert "n 1" in out


def test_set_get_num_threads(restore_threads):
    if not fa.get_config()["openmp"]:
        pytest.skip("built without OpenMP: always 1 thread")
    auto = fa.get_num_threads()
    for n in (1, 2, 3, 7):
        fa.set_num_threads(n)
        assert fa.get_num_threads() == n
        assert fa.get_config()["num_threads"] == n
    fa.set_num_threads(None)
    assert fa.get_num_threads() == auto


@pytest.mark.parametrize("bad", [0, -1, -8])
def test_set_num_threads_rejects_nonpositive(bad, restore_threads):
    before = fa.get_num_threads()
    with pytest.raises(ValueError, match="num_threads|thread"):
        fa.set_num_threads(bad)
    assert fa.get_num_threads() == before


@pytest.mark.parametrize("bad", [1.5, "2", 2.0, [2]])
def test_set_num_threads_rejects_non_int(bad, restore_threads):
    with pytest.raises(TypeError):
        fa.set_num_threads(bad)


def test_set_num_threads_accepts_numpy_int(restore_threads):
    if not fa.get_config()["openmp"]:
        pytest.skip("built without OpenMP")
    fa.set_num_threads(np.int64(2))
    assert fa.get_num_threads() == 2


@pytest.mark.parametrize("name", list(ELEMENTWISE) + list(ROWWISE))
def test_per_call_num_threads_validation(name):
    f = {**ELEMENTWISE, **ROWWISE}[name]
    x = np.linspace(-3, 3, 50, dtype=np.float32)
    with pytest.raises(ValueError, match="num_threads"):
        f(x, num_threads=0)
    with pytest.raises(ValueError, match="num_threads"):
        f(x, num_threads=-2)
    with pytest.raises(TypeError, match="num_threads"):
        f(x, num_threads=1.5)
    with pytest.raises(TypeError, match="num_threads"):
        f(x, num_threads="2")
    ref = f(x)
    assert _same(f(x, num_threads=None), ref)
    assert _same(f(x, num_threads=np.int32(2)), ref)
    assert _same(f(x, num_threads=64), ref)  # more threads than cores: allowed


def test_fastact_num_threads_env():
    out = _run_py(
        """
        import os
        os.environ["FASTACT_NUM_THREADS"] = "3"
        import fastact as fa
        if fa.get_config()["openmp"]:
            assert fa.get_num_threads() == 3, fa.get_num_threads()
            fa.set_num_threads(1)          # explicit call beats the environment
            assert fa.get_num_threads() == 1
            fa.set_num_threads(None)       # back to the environment's value
            assert fa.get_num_threads() == 3
        print("ok")
        """
    )
    assert "ok" in out


def test_fastact_num_threads_env_invalid_is_ignored():
    out = _run_py(
        """
        import os
        os.environ["FASTACT_NUM_THREADS"] = "lots"
        import fastact as fa
        os.environ.pop("FASTACT_NUM_THREADS")
        n = fa.get_num_threads()
        assert n >= 1
        print("ok", n)
        """
    )
    assert "ok" in out


def test_omp_num_threads_env():
    env_code = """
        import fastact as fa
        print(fa.get_num_threads(), fa.get_config()["openmp"])
        """
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FASTACT_NUM_THREADS", None)
    env["OMP_NUM_THREADS"] = "1"
    p = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(env_code)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    n, _openmp = p.stdout.split()
    assert int(n) == 1


# ---------------------------------------------------------------------------
# Determinism across thread counts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_deterministic_across_threads(name, dtype):
    f = ELEMENTWISE[name]
    x = _data(N_BIG, dtype)
    ref = f(x, num_threads=1)
    for nt in (2, 3, 4):
        assert _same(f(x, num_threads=nt), ref), f"{name} {dtype.__name__} nt={nt}"
    # misaligned start (chunk boundaries no longer on 64-element multiples of
    # a 64-byte address) and in-place
    xs = x[3:]
    assert _same(f(xs, num_threads=2), ref[3:])
    y = x.copy()
    assert _same(f(y, out=y, num_threads=4), ref)
    # large out-of-place output at an odd address (non-temporal-store path
    # with a scalar head) equals the in-place (normal-store) result
    buf = np.empty(N_BIG + 1, dtype)
    out = buf[1:]
    assert _same(f(x, out=out, num_threads=2), ref)


def test_parallel_split_covers_every_element():
    """Every element and row is written exactly by the static split, for
    sizes around the block boundaries and 2-5 threads (every call forced
    parallel by FASTACT_GRAIN_SCALE=0, in a fresh process)."""
    code = """
        import numpy as np, fastact as fa
        rng = np.random.default_rng(5)
        cases = [(fa.sigmoid, (n,)) for n in
                 [128, 129, 191, 255, 256, 257, 511, 640, 1000, 1023, 4097, 9999, 65600]]
        cases += [(fa.log_softmax, (rows, 33)) for rows in [2, 3, 5, 7, 8, 9, 17, 100, 129]]
        bad = []
        for dt in (np.float32, np.float64):
            for f, shape in cases:
                x = rng.standard_normal(shape).astype(dt)
                ref = f(x, num_threads=1)
                for nt in (2, 3, 4, 5):
                    o = np.full_like(x, np.nan)
                    f(x, out=o, num_threads=nt)
                    if not np.array_equal(o, ref):
                        bad.append((f.__name__, dt.__name__, shape, nt))
        print(bad)
        """
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["FASTACT_GRAIN_SCALE"] = "0"
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=False, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(ROWWISE))
@pytest.mark.parametrize(
    "shape,axis",
    [
        ((1031, 517), -1),  # many rows
        ((1031, 517), 0),  # along the first axis
        ((3, 700001), -1),  # few long rows (fewer than threads asked)
        ((1, 400003), -1),  # one long row
        ((4, 129, 257), 1),  # middle axis
    ],
)
def test_rowwise_deterministic_across_threads(name, dtype, shape, axis):
    f = ROWWISE[name]
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    ref = f(x, axis=axis, num_threads=1)
    for nt in (2, 3, 4):
        assert _same(f(x, axis=axis, num_threads=nt), ref), (
            f"{name} {shape} axis={axis} nt={nt}"
        )


def test_default_threads_match_single_thread(restore_threads):
    x = _data(N_BIG, np.float32)
    for name, f in ELEMENTWISE.items():
        assert _same(f(x), f(x, num_threads=1)), name
    fa.set_num_threads(2)
    m = x[: 1024 * 1000].reshape(1000, 1024)
    for name, f in ROWWISE.items():
        assert _same(f(m), f(m, num_threads=1)), name


# ---------------------------------------------------------------------------
# Concurrent callers and the GIL
# ---------------------------------------------------------------------------


def test_concurrent_callers_match_serial():
    jobs = []
    for i, (name, f) in enumerate({**ELEMENTWISE, **ROWWISE}.items()):
        for dtype in DTYPES:
            for n, nt in (
                ((1 << 18) + 5, None),
                (3001, None),
                ((1 << 18) + 5, 2),
                (1 << 16, 1),
            ):
                x = _data(n, dtype, seed=i)
                if name in ROWWISE:
                    x = x[: (n // 257) * 257].reshape(-1, 257)
                    x[~np.isfinite(x)] = 0
                jobs.append((f, x, nt))
    expected = [f(x, num_threads=1) for f, x, _ in jobs]

    def run(j):
        f, x, nt = jobs[j]
        return f(x) if nt is None else f(x, num_threads=nt)

    order = list(range(len(jobs))) * 3
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(run, order))
    for j, r in zip(order, results):
        assert _same(r, expected[j]), j


def test_concurrent_out_arrays_in_place():
    x = _data(1 << 18, np.float32)
    ref = fa.sigmoid(x, num_threads=1)
    bufs = [x.copy() for _ in range(16)]

    def run(b):
        return fa.sigmoid(b, out=b)

    with ThreadPoolExecutor(8) as ex:
        outs = list(ex.map(run, bufs))
    for b, o in zip(bufs, outs):
        assert o is b
        assert _same(b, ref)


def test_gil_released_during_call():
    """Another Python thread makes progress while one fastact call runs.

    With a huge switch interval the interpreter never preempts the calling
    thread, so the helper thread can only run if the call releases the GIL.
    (This checks overlap, not speed.)
    """
    x = _data(1 << 22, np.float64)
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1
            time.sleep(0)  # releases and re-requests the GIL

    old = sys.getswitchinterval()
    t = threading.Thread(target=spin)
    progressed = False
    try:
        sys.setswitchinterval(30.0)
        t.start()
        for _ in range(5):  # a loaded machine may not schedule the helper at once
            c0 = count[0]
            fa.gelu(x, num_threads=1)
            if count[0] > c0:
                progressed = True
                break
    finally:
        stop.set()
        sys.setswitchinterval(old)
        t.join(10)
    assert progressed, "GIL held during the whole call"


# ---------------------------------------------------------------------------
# Fork safety (subprocess + timeout: a libgomp hang fails instead of hanging)
# ---------------------------------------------------------------------------

_ALL_OPS_SNIPPET = """
import numpy as np, fastact as fa
from fastact import _ops
def all_ops(nt=None):
    kw = {} if nt is None else {"num_threads": nt}
    out = []
    for dt in (np.float32, np.float64):
        x = (np.random.default_rng(3).standard_normal(1 << 20) * 5).astype(dt)
        m = x.reshape(1024, 1024)
        out += [_ops.call(v, x, **kw) for v in _ops.variants("map")]
        out += [_ops.call(v, m, **kw) for v in _ops.variants("rows")]
        out += [_ops.call(v, m, axis=0, **kw) for v in _ops.variants("rows")]
    return out
def same(a, b):
    return all(np.array_equal(p.view(np.uint8), q.view(np.uint8)) for p, q in zip(a, b))
"""


def test_fork_child_after_parallel_call():
    code = (
        _ALL_OPS_SNIPPET
        + """
import os, sys, time
ref = all_ops(2)            # parallel in the parent: the libgomp pool now exists
ref1 = all_ops(1)
assert same(ref, ref1)
pid = os.fork()
if pid == 0:
    try:
        ok = same(all_ops(), ref) and same(all_ops(2), ref)
        ok = ok and fa.get_num_threads() == 1
        os._exit(0 if ok else 3)
    except BaseException:
        os._exit(4)
deadline = time.monotonic() + 60
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.exit("child hung")
    time.sleep(0.05)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
# the parent is still parallel-capable and correct after the fork
assert same(all_ops(2), ref)
print("ok")
"""
    )
    assert "ok" in _run_py(code, timeout=120)


def test_multiprocessing_fork_pool():
    code = (
        _ALL_OPS_SNIPPET
        + """
import multiprocessing as mp
def work(i):
    x = np.linspace(-8, 8, (1 << 20) + i, dtype=np.float32)
    return fa.sigmoid(x, num_threads=2), fa.softmax(x[: 1000 * 1000].reshape(1000, 1000))
if __name__ == "__main__":
    all_ops(2)              # parent starts the OpenMP pool first
    expected = [work(i) for i in range(4)]
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        got = pool.map_async(work, range(4)).get(timeout=60)
    for (a, b), (c, d) in zip(got, expected):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    print("ok")
"""
    )
    assert "ok" in _run_py(code, timeout=120)


# ---------------------------------------------------------------------------
# threadpoolctl
# ---------------------------------------------------------------------------


def _fastact_libgomp():
    """Path(s) of the OpenMP runtime fastact._core is linked to (Linux)."""
    import fastact._core as core

    paths = set()
    try:
        out = subprocess.run(
            ["ldd", core.__file__],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        for line in out.splitlines():
            if "omp" in line and "=>" in line:
                p = line.split("=>")[1].split("(")[0].strip()
                if p:
                    paths.add(os.path.realpath(p))
    except (OSError, subprocess.SubprocessError):
        pass
    return paths


def test_threadpoolctl_sees_fastact_openmp():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not fa.get_config()["openmp"]:
        pytest.skip("built without OpenMP")
    if not sys.platform.startswith("linux"):
        pytest.skip("linkage check uses ldd")
    fa.sigmoid(np.ones(10, np.float32))  # fastact is loaded
    info = threadpoolctl.threadpool_info()
    omp = [m for m in info if m.get("user_api") == "openmp"]
    assert omp, f"no OpenMP runtime in threadpool_info(): {info}"
    linked = _fastact_libgomp()
    if not linked:
        pytest.skip("could not determine fastact's OpenMP library (ldd)")
    seen = {os.path.realpath(m["filepath"]) for m in omp}
    assert linked & seen, f"fastact links {linked}, threadpoolctl sees {seen}"


def test_threadpool_limits_makes_fastact_single_threaded(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not fa.get_config()["openmp"]:
        pytest.skip("built without OpenMP")
    before = fa.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=1):
        assert fa.get_num_threads() == 1
        assert fa.get_config()["num_threads"] == 1
        x = _data(N_BIG, np.float32)
        assert _same(fa.sigmoid(x), fa.sigmoid(x, num_threads=1))
    assert fa.get_num_threads() == before
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert fa.get_num_threads() == 1


def test_threadpool_limits_caps_explicit_setting(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not fa.get_config()["openmp"]:
        pytest.skip("built without OpenMP")
    omp_default = max(
        (
            m["num_threads"]
            for m in threadpoolctl.threadpool_info()
            if m.get("user_api") == "openmp"
        ),
        default=1,
    )
    if omp_default < 2:
        pytest.skip("OpenMP default is already 1 thread (nothing to lower)")
    fa.set_num_threads(2)
    with threadpoolctl.threadpool_limits(limits=1):
        assert fa.get_num_threads() == 1
    assert fa.get_num_threads() == 2


# ---------------------------------------------------------------------------
# Long rows: blocked softmax (rows longer than FA_ROW_BLOCK = 16384 elements
# are computed in fixed blocks for every thread count; few long rows are
# split over threads within the row)
# ---------------------------------------------------------------------------

ROW_BLOCK = 16384  # FA_ROW_BLOCK in src/c/fastact.h


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(ROWWISE))
@pytest.mark.parametrize(
    "shape,axis",
    [
        ((1, 3 * ROW_BLOCK + 17), -1),  # one row, partial last block
        ((2, 2 * ROW_BLOCK + 5), -1),  # fewer rows than threads
        ((5, ROW_BLOCK + 1), -1),  # more rows than threads, two blocks each
        ((3, 1000), -1),  # short rows (one-row kernel)
        ((3 * ROW_BLOCK + 17, 1), 0),  # along axis 0
    ],
    ids=str,
)
def test_long_rows_blocked_deterministic(name, dtype, shape, axis, isa):
    from _helpers import check_softmax

    f = ROWWISE[name]
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    # the maximum in a middle block, a tie of it in another block
    flat = x.reshape(-1)
    flat[flat.size // 2] = 30
    flat[-3] = 30
    ref = f(x, axis=axis, num_threads=1)
    for nt in (2, 3, 4):
        assert _same(f(x, axis=axis, num_threads=nt), ref), (
            f"{name} {shape} axis={axis} nt={nt} [{isa}]"
        )
    y = x.copy()
    assert _same(f(y, axis=axis, out=y, num_threads=2), ref)  # in place
    check_softmax(ref, x, axis, name == "log_softmax", f"{name} {shape} [{isa}]")
    import fastact.reference as fref

    want = getattr(fref, name)(x, axis=axis)
    eps = np.finfo(dtype).eps
    if name == "softmax":
        np.testing.assert_allclose(ref, want, rtol=64 * eps, atol=0)
        s = np.sum(ref, axis=axis, dtype=np.float64)
        assert np.all(np.abs(s - 1) <= (x.shape[axis] + 8) * eps)
    else:
        np.testing.assert_allclose(ref, want, rtol=8 * eps, atol=8 * eps)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_long_rows_special_values(dtype, isa):
    n = 2 * ROW_BLOCK + 100
    inf, nan = np.inf, np.nan
    rows = np.zeros((8, n), dtype=dtype) + (np.arange(n) % 13).astype(dtype) / 7
    rows[0, ROW_BLOCK + 3] = nan  # NaN in a middle block -> NaN row
    rows[1, n - 1] = inf  # +inf in the last block -> NaN row
    rows[2, :] = -inf  # all -inf -> NaN row
    rows[3, : ROW_BLOCK + 50] = -inf  # a whole block of -inf: 0 / -inf there
    rows[4, :] = -1e30  # huge spread: one element takes everything
    rows[4, n - 1] = 1e30
    rows[5, 5] = -inf  # first-block NaN-free -inf with ...
    rows[5, ROW_BLOCK : 2 * ROW_BLOCK] = -inf  # ... a full -inf block
    rows[6, :ROW_BLOCK] = -inf  # -inf block + NaN in it -> NaN row
    rows[6, 7] = nan
    rows[7, :] = 0  # constant row
    for nt in (1, 2, 3):
        with np.errstate(all="raise"):
            s = fa.softmax(rows, num_threads=nt)
            ls = fa.log_softmax(rows, num_threads=nt)
        for r in (0, 1, 2, 6):
            assert np.isnan(s[r]).all() and np.isnan(ls[r]).all(), (r, nt)
        for r in (3, 4, 5, 7):
            assert not np.isnan(s[r]).any() and not np.isnan(ls[r]).any(), (r, nt)
        m3 = rows[3] == -inf
        assert (s[3][m3] == 0).all() and (ls[3][m3] == -inf).all()
        m5 = rows[5] == -inf
        assert (s[5][m5] == 0).all() and (ls[5][m5] == -inf).all()
        assert s[4, -1] == 1 and ls[4, -1] == 0
        assert (s[4, :-1] == 0).all()
        np.testing.assert_allclose(s[7], 1.0 / n, rtol=8 * np.finfo(dtype).eps)
        np.testing.assert_allclose(ls[7], -np.log(n), rtol=8 * np.finfo(dtype).eps)
        if nt == 1:
            s1, ls1 = s, ls
        else:
            assert _same(s, s1) and _same(ls, ls1)
    import fastact.reference as fref

    for r in (3, 5):
        np.testing.assert_allclose(
            s[r], fref.softmax(rows[r]), rtol=64 * np.finfo(dtype).eps, atol=0
        )
        np.testing.assert_allclose(
            ls[r], fref.log_softmax(rows[r]), rtol=8 * np.finfo(dtype).eps
        )
