"""One command-line run: build, check and time every implementation per case, then report."""

from __future__ import annotations

import json
import os
import platform
import sys

import numpy as np

from . import env, peers
from .cases import (INPUT_SCALE, ROW_LEN, SEED, clear_inputs, format_size, last, make_input, params,
                    result_like, variant)
from .check import check_fastact, check_impl, fastact_result
from .plot import plot_results, require_matplotlib
from .report import Progress, header_lines, render_report, summarize
from .timing import time_side_by_side


def choose_impls(plan, wanted=None) -> list:
    """fastact itself, then every wanted peer and ceiling that is installed and has work."""
    exact = any(variant(op).exact for op in plan.ops)
    impls = []
    for name, a in peers.adapters().items():
        if a.kind != "fastact" and wanted is not None and name not in wanted:
            continue
        if a.kind == "ceiling" and not exact:
            continue
        if a.kind == "fastact" or not peers.missing(name):
            impls.append(name)
    return impls


def _jsonable(cfg: dict) -> dict:
    return {k: (v if isinstance(v, (str, int, float, bool, list, type(None))) else str(v))
            for k, v in cfg.items()}


def run_case(v, dt: str, size: int, impls: list, threads: int, plan, prog) -> tuple:
    """(results, skipped) of one case."""
    label = f"{v.name} {dt} n={format_size(size)}"
    x = make_input(v, dt, size)
    o = result_like(v, x)
    expected = fastact_result(v, x)
    check_fastact(v, x, expected)
    base = {"op": v.name, "dtype": dt, "size": size}
    built, skipped = {}, []
    for name in impls:
        kind = peers.adapter(name).kind
        if kind == "ceiling" and not (v.exact and v.family != "gated"):
            continue
        try:
            impl = peers.make_impl(name, v, x, o, threads)
        except peers.Unsupported as e:
            skipped.append({**base, "impl": name, "status": "unsupported", "reason": str(e)})
            continue
        try:
            check_impl(impl, x, o, expected, copy=kind == "ceiling")
        except AssertionError as e:
            first = str(e).strip().splitlines()
            prog.warn(f"{name} gave a wrong result for {label}; not timed"
                      f" ({first[0] if first else ''})")
            skipped.append({**base, "impl": name, "status": "wrong", "reason": str(e)[:500]})
            continue
        built[name] = impl
    timings = time_side_by_side(built, plan.repeat, plan.target)
    xl = last(x)
    results = [{**base, "shape": list(xl.shape), "elements": xl.size, "impl": name,
                "note": built[name].note, "allocates": built[name].allocates,
                "median_s": t.median, "min_s": t.min, "loops": t.loops,
                "samples_s": t.samples, "elements_per_s": xl.size / t.median}
               for name, t in timings.items()]
    return results, skipped


def run_bench(plan, threads=None, peers_wanted=None, isa=None, json_path=None,
              plot_path=None, progress=True, out=None) -> dict:
    """Run the benchmark, print the report to `out` (stdout) and return the data."""
    import fastact as fa
    from fastact import _core

    out = out if out is not None else sys.stdout
    if plot_path:
        require_matplotlib()
    threads = int(threads) if threads else env.default_threads()
    if threads < 1:
        raise SystemExit("--threads must be >= 1")
    load_before = env.load_average()
    versions = env.versions()
    impls = choose_impls(plan, peers_wanted)
    old_threads, old_isa = fa.get_num_threads(), None
    if isa:
        try:
            old_isa = _core.set_isa(isa)
        except ValueError as e:
            raise SystemExit(f"--isa: {e}") from None
    try:
        fa.set_num_threads(threads)
        cfg = dict(fa.get_config())
        for line in header_lines(cfg, threads, versions, impls, plan):
            print(line, file=out)
        out.flush()
        prog = Progress(len(plan.cases), enabled=progress)
        results, skipped = [], []
        for dt, op, size in plan.cases:
            prog.step(f"{op} {dt} n={format_size(size)}")
            r, s = run_case(variant(op), dt, size, impls, threads, plan, prog)
            results += r
            skipped += s
        prog.done()
        for line in render_report(results, skipped, impls, plan):
            print(line, file=out)
        data = {
            "fastact_version": cfg.get("version"), "config": _jsonable(cfg),
            "cpu": env.cpu_model(), "logical_cpus": os.cpu_count(),
            "machine": platform.machine(), "python": sys.version.split()[0],
            "numpy": np.__version__, "versions": versions, "threads": threads, "impls": impls,
            "load_average": {"before": load_before, "after": env.load_average()},
            "settings": {"ops": plan.ops, "sizes": plan.sizes, "dtypes": plan.dtypes,
                         "cases": [list(c) for c in plan.cases], "repeat": plan.repeat,
                         "target_s": plan.target, "warmup_s": plan.target,
                         "input_scale": INPUT_SCALE, "seed": SEED, "row_len": ROW_LEN,
                         "params": {op: params(variant(op)) for op in plan.ops}},
            "command": " ".join(["python -m fastact"] + sys.argv[1:]),
            "results": results, "skipped": skipped, "summary": summarize(results),
        }
        if json_path:
            with open(json_path, "w") as f:
                json.dump(data, f, indent=1)
            print(f"\nwrote {json_path}", file=out)
        if plot_path:
            title = (f"fastact {cfg.get('version', '')} ({cfg.get('isa', '?')}) vs peers:"
                     f" {env.cpu_model()}, {threads} threads")
            plot_results(plot_path, results, impls, plan.ops, plan.dtypes, title, threads)
            print(f"wrote {plot_path}", file=out)
        return data
    finally:
        fa.set_num_threads(old_threads)
        if old_isa is not None:
            _core.set_isa(old_isa)
        peers.shutdown()
        clear_inputs()
