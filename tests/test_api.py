"""Public API surface: get_config/show_config, ISA selection (in-process and
FASTACT_ISA via subprocess), scalar and list inputs."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from _helpers import ALL_OPS, fa_call, ref_call

import fastact as fa

LEVELS = ["scalar", "sse2", "avx2", "avx512", "neon"]


def test_namespace():
    expected = {"relu", "leaky_relu", "sigmoid", "tanh", "silu", "gelu", "softmax",
                "log_softmax", "set_num_threads", "get_num_threads", "get_config", "show_config"}
    assert expected <= set(fa.__all__)
    for name in sorted(expected) + ["reference", "__version__"]:
        assert hasattr(fa, name), name
    assert isinstance(fa.__version__, str)


def test_get_config_keys_and_types():
    cfg = fa.get_config()
    assert isinstance(cfg, dict)
    for key, typ in [
        ("isa", str),
        ("isa_supported", list),
        ("isa_compiled", list),
        ("openmp", bool),
        ("num_threads", int),
        ("version", str),
        ("cpu", str),
    ]:
        assert key in cfg, key
        assert isinstance(cfg[key], typ), (key, cfg[key])
    assert cfg["isa"] in cfg["isa_supported"]
    assert "scalar" in cfg["isa_supported"] and "scalar" in cfg["isa_compiled"]
    assert all(s in LEVELS for s in cfg["isa_supported"] + cfg["isa_compiled"])
    assert cfg["num_threads"] >= 1
    assert cfg["num_threads"] == fa.get_num_threads()
    if hasattr(fa, "__version__"):
        assert cfg["version"] == fa.__version__
    # a fresh dict every call: mutating it does not change the library
    cfg["isa"] = "bogus"
    assert fa.get_config()["isa"] != "bogus"


def test_show_config(capsys):
    r = fa.show_config()
    out = capsys.readouterr().out
    cfg = fa.get_config()
    assert cfg["isa"] in out
    assert cfg["version"] in out
    assert r is None


def test_set_isa_roundtrip(isa):
    assert fa._core.get_isa() == isa
    assert fa.get_config()["isa"] == isa
    prev = fa._core.set_isa("scalar")
    assert prev == isa
    assert fa._core.get_isa() == "scalar"
    assert fa._core.set_isa(isa) == "scalar"


def test_set_isa_invalid():
    before = fa._core.get_isa()
    with pytest.raises(ValueError):
        fa._core.set_isa("bogus")
    assert fa._core.get_isa() == before


# ---------------------------------------------------------------- FASTACT_ISA
def _run(code, isa_env):
    env = dict(os.environ)
    pkgdir = os.path.dirname(os.path.dirname(os.path.abspath(fa.__file__)))
    env["PYTHONPATH"] = pkgdir + os.pathsep + env.get("PYTHONPATH", "")
    if isa_env is None:
        env.pop("FASTACT_ISA", None)
    else:
        env["FASTACT_ISA"] = isa_env
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


_CHECK = (
    "import fastact as fa, numpy as np\n"
    "x = np.linspace(-5, 5, 101, dtype=np.float32)\n"
    "y = fa.sigmoid(x); t = fa.tanh(x.astype(np.float64))\n"
    "print(fa.get_config()['isa'], fa._core.get_isa(), float(y[50]), float(t[0]))\n"
)


@pytest.mark.parametrize(
    "level", [lv for lv in LEVELS if lv in fa.get_config()["isa_supported"]]
)
def test_fastact_isa_env(level):
    p = _run(_CHECK, level)
    assert p.returncode == 0, p.stderr
    isa1, isa2, s, t = p.stdout.split()
    assert isa1 == level and isa2 == level
    assert float(s) == 0.5
    assert float(t) == pytest.approx(np.tanh(-5.0), rel=1e-15)


def test_fastact_isa_env_unknown():
    p = _run("import fastact", "bogus")
    assert p.returncode != 0
    err = p.stderr
    assert "ImportError" in err or "ValueError" in err, err
    assert "bogus" in err
    for lv in ("scalar", "avx2"):
        assert lv in err, f"error should name the valid levels: {err[-500:]}"


def test_fastact_isa_env_above_cpu():
    cfg = fa.get_config()
    above = [lv for lv in cfg["isa_compiled"] if lv not in cfg["isa_supported"]]
    if not above:
        pytest.skip("this CPU supports every compiled level")
    p = _run(_CHECK, above[0])
    assert p.returncode == 0, p.stderr
    assert "warn" in p.stderr.lower(), p.stderr
    assert p.stdout.split()[0] in cfg["isa_supported"]


def test_fastact_isa_env_unset_is_best():
    p = _run(_CHECK, None)
    assert p.returncode == 0, p.stderr
    sup = fa.get_config()["isa_supported"]
    best = [lv for lv in LEVELS if lv in sup][-1]
    assert p.stdout.split()[0] == best


# ---------------------------------------------------------------- scalars and lists
@pytest.mark.parametrize("op", ALL_OPS)
def test_scalar_inputs_give_numpy_scalars(op):
    if op in ("softmax", "log_softmax"):
        # a scalar has no axis; must behave like the reference
        try:
            want = ref_call(op, np.float64(0.5))
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                fa_call(op, 0.5)
            return
        got = fa_call(op, 0.5)
        assert type(got) is type(want)
        return
    for val, typ in [
        (0.5, np.float64),
        (-1.25, np.float64),
        (np.float32(0.5), np.float32),
        (np.float64(-2.0), np.float64),
        (np.array(0.5, np.float32), np.float32),
        (np.array(-3.0), np.float64),
        (2, np.float64),
        (True, np.float16),
    ]:
        got = fa_call(op, val)
        assert type(got) is typ, (op, val, type(got))
        assert np.ndim(got) == 0
        x = np.asarray(val, dtype=typ)
        want = ref_call(op, x)
        np.testing.assert_allclose(got, want, rtol=4 * np.finfo(typ).eps)


@pytest.mark.parametrize("op", ALL_OPS)
def test_lists_and_tuples(op):
    for data in (
        [0.5, -1.0, 2.0],
        (0.5, -1.0, 2.0),
        [[1.0, 2.0], [3.0, -4.0]],
        [1, 2, 3],
    ):
        got = fa_call(op, data)
        want = ref_call(op, np.asarray(data, dtype=np.float64))
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        # log_softmax: absolute error relative to max(1, |ref|) (log of a sum near 1)
        atol = 8 * np.finfo(np.float64).eps if op == "log_softmax" else 0
        np.testing.assert_allclose(
            got, want, rtol=8 * np.finfo(np.float64).eps, atol=atol
        )


def test_num_threads_keyword_accepted():
    x = np.linspace(-3, 3, 1000)
    for op in ALL_OPS:
        np.testing.assert_array_equal(fa_call(op, x, num_threads=1), fa_call(op, x))
