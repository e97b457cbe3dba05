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
from fastact import _bench as B
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
    (["--dtypes", "float16"], "float16"),
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

    t = B.time_side_by_side({"a": Impl("a"), "b": Impl("b")}, repeat=3, target=0.002,
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
    r = subprocess.run([sys.executable, "-m", "fastact", "bench", "--ops", "relu", *TINY],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "relu" in r.stdout and "copy" in r.stdout
    assert np.isfinite(float(r.stdout.split("relu")[1].split()[-1].rstrip("x")))
