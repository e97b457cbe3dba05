"""`python -m fastact bench`: the command a newcomer runs first.

Tiny sizes and one short sample, NumPy as the only peer: these tests check the
report, the options and the JSON, never a timing.
"""
import json
import subprocess
import sys

import numpy as np
import pytest

import fastact
from fastact import _ops
from fastact._bench import cases, env, report, timing
from fastact.__main__ import main

TINY = ["--sizes", "1e3", "--dtypes", "float32", "--repeat", "1", "--min-time", "0.001",
        "--peers", "numpy", "--no-progress"]


def test_bench_table_and_json(tmp_path, capsys):
    path = tmp_path / "b.json"
    assert main(["bench", "--ops", "sigmoid,softmax", *TINY, "--json", str(path)]) == 0
    text = capsys.readouterr().out
    # the machine line names ISA, threads and CPU before the table
    head = text[:text.index("float32:")]
    assert f"ISA {fastact.get_config()['isa']}" in head
    assert "threads  :" in head and "CPU      :" in head
    rows = {line.split()[0]: line.split() for line in text.splitlines()
            if line.startswith(("sigmoid ", "softmax "))}
    assert set(rows) == {"sigmoid", "softmax"}
    for cols in rows.values():
        assert cols[1] == "1e3"
        assert cols[-1].endswith("x") and float(cols[-1][:-1]) > 0  # the speed-up
        assert cols[-2] == "numpy"                                  # the fastest peer
    data = json.loads(path.read_text())
    assert data["settings"]["sizes"] == [1000]
    assert data["settings"]["warmup_s"] > 0
    got = {(r["op"], r["impl"]) for r in data["results"]}
    assert got == {(op, impl) for op in ("sigmoid", "softmax")
                   for impl in ("fastact", "fastact_alloc", "numpy")}
    for r in data["results"]:
        assert r["elements"] == 1000 and r["elements_per_s"] > 0
        assert len(r["samples_s"]) == 1 and r["median_s"] > 0


@pytest.mark.parametrize("args, message", [
    (["--ops", "sigmoid,swishh"], "swishh"),
    (["--dtypes", "float8"], "float8"),
    (["--repeat", "0"], "--repeat"),
])
def test_bench_rejects_bad_options(args, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(["bench", *args])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_bench_plot_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(SystemExit, match="--plot needs matplotlib"):
        main(["bench", "--ops", "relu", *TINY, "--plot", str(tmp_path / "p.png")])
    assert not (tmp_path / "p.png").exists()


def test_side_by_side_warms_up_and_interleaves():
    calls = []

    class Impl:
        def __init__(self, name):
            self.fn = lambda: calls.append(name)

    t = timing.time_side_by_side({"a": Impl("a"), "b": Impl("b")}, repeat=3, target=0.002,
                            gap=0.0)
    assert [len(t[k].samples) for k in "ab"] == [3, 3]
    # every sample is preceded by untimed warm-up calls: more calls than the
    # calibration plus the timed ones
    for k in "ab":
        timed = 3 * t[k].loops
        assert calls.count(k) > timed + t[k].loops
    # interleaved: both implementations run before either finishes its samples
    first_b, last_a = calls.index("b"), len(calls) - 1 - calls[::-1].index("a")
    assert first_b < last_a


def test_cli_runs_as_module():
    r = subprocess.run([sys.executable, "-m", "fastact", "bench", "--ops", "relu", *TINY,
                        "--peers", "numpy,copy,copy_mt"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "memory-speed ceiling" in r.stdout
    row = next(line for line in r.stdout.splitlines() if line.startswith("relu "))
    assert np.isfinite(float(row.split()[-1].rstrip("x")))


def test_default_run_is_small_and_full_is_the_grid():
    ops = [v.name for v in _ops.bench_variants()]
    default = cases.plan()
    assert default.ops == ops and default.dtypes == ["float32"] and not default.full
    assert {(op, s) for _, op, s in default.cases} == (
        {(op, s) for op in ops for s in cases.DEFAULT_SIZES}
        | {(op, s) for s, who in cases.DEFAULT_EXTRA.items() for op in who})
    full = cases.plan(full=True)
    assert full.full and full.repeat >= default.repeat and full.target >= default.target
    assert set(full.cases) == {(dt, op, s) for dt in ("float32", "float64") for op in ops
                               for s in cases.SIZES}
    # explicit choices win over the set's
    p = cases.plan(ops=["gelu"], dtypes=["float64"], sizes=[10_000], repeat=2, full=True)
    assert p.cases == (("float64", "gelu", 10_000),) and p.repeat == 2


def test_header_names_the_cpu_build_of_torch():
    cfg = fastact.get_config()
    versions = dict(env.versions(), torch=None)
    text = "\n".join(report.header_lines(cfg, 2, versions, ["fastact"], cases.plan()))
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in text
    assert "--full" in text  # the default run says how to get the whole grid


def test_bfloat16_with_torch_peer_is_timed(capsys):
    """torch cannot export bfloat16 through __array__; the bench still checks and times it (softsign: an expression, its torch peer allocates)."""
    pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    tiny = [a if a != "float32" else "bfloat16" for a in TINY]
    tiny[tiny.index("numpy")] = "torch"
    assert main(["bench", "--ops", "softsign,gelu", *tiny]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("softsign ", "gelu "))]
    assert len(rows) == 2 and all(r[-2] == "torch" for r in rows), out
