"""The text the command line prints: machine line, one table per dtype, the copy ceiling."""

from __future__ import annotations

import math
import os
import platform
import sys
import time

import numpy as np

from . import env, peers
from .cases import FULL, INPUT_SCALE, ROW_LEN, SEED, SIZES, format_size, n_elements, variant
from .cases import ops as all_ops


def format_time(t: float | None) -> str:
    if t is None or not math.isfinite(t):
        return "-"
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.3g} us" if t < 1e-4 else f"{t * 1e6:.0f} us"
    if t < 1:
        return f"{t * 1e3:.3g} ms" if t < 0.1 else f"{t * 1e3:.0f} ms"
    return f"{t:.3g} s"


def describe_cases(plan) -> str:
    """'20: float32; n = 1e3, 1e5 for every op, 1e7 for relu, sigmoid'."""
    ops = plan.ops
    by_size = {s: [op for op in ops if any(c[1] == op and c[2] == s for c in plan.cases)]
               for s in plan.sizes}
    groups: dict = {}
    for s, who in by_size.items():
        groups.setdefault(tuple(who), []).append(format_size(s))
    every = tuple(ops) == all_ops()
    parts = [f"{', '.join(sz)} for {'every op' if every and list(who) == ops else ', '.join(who)}"
             for who, sz in groups.items()]
    return f"{len(plan.cases)}: {', '.join(plan.dtypes)}; n = {', '.join(parts)}"


def header_lines(cfg: dict, threads: int, versions: dict, impls: list, plan) -> list:
    sup = cfg.get("isa_supported") or []
    threaded = [i for i in impls if peers.adapter(i).kind == "peer" and peers.adapter(i).threaded]
    single = [i for i in impls if peers.adapter(i).kind == "peer" and not peers.adapter(i).threaded]
    lines = [
        f"fastact {cfg.get('version', '?')} benchmark",
        f"CPU      : {env.cpu_model()} ({os.cpu_count()} logical CPUs, {platform.machine()})",
        f"fastact  : ISA {cfg.get('isa', '?')} (supported: {' '.join(map(str, sup)) or '?'}),"
        f" OpenMP {'on' if cfg.get('openmp') else 'off'}",
        f"threads  : {threads} for {', '.join(['fastact'] + threaded)}"
        + (" and the copy ceiling" if "copy_mt" in impls else "")
        + (f" ({', '.join(single)}: single-threaded)" if single else ""),
        f"Python   : {sys.version.split()[0]}, NumPy {np.__version__}",
    ]
    found = [f"{m} {versions[m]}" for m in versions if m != "numpy" and versions[m]]
    lines.append(f"peers    : {', '.join(found) if found else 'none besides NumPy'}")
    missing = [(m, hint) for m, hint in env.peer_modules() if not versions.get(m)]
    width = max((len(m) for m, _ in missing), default=0)
    for i, (m, hint) in enumerate(missing):
        lines.append(f"{'not found' if i == 0 else '':<9}: {m:<{width}}  {hint}")
    lines.append(f"compared : {', '.join(impls)}")
    load = env.load_average()
    if load is not None:
        lines.append(f"load     : {load:.2f} (1-minute load average before the run)"
                     + (" -- the machine is busy: threaded timings will be inflated and noisy"
                        if load >= 1.0 else ""))
    lines.append(f"cases    : {describe_cases(plan)}"
                 + ("" if plan.full else f"  (--full: every op, {' and '.join(FULL['dtypes'])},"
                                    f" n = {', '.join(map(format_size, SIZES))})"))
    lines.append(f"timing   : median of {plan.repeat} samples of ~{plan.target * 1e3:g} ms per"
                 f" implementation (calls longer than that: >= 3 one-call samples), each after"
                 f" as long untimed (warm-up), implementations interleaved; out= a preallocated"
                 f" array wherever the API allows")
    rows = [op for op in plan.ops if variant(op).family == "rows"]
    lines.append(f"input    : N(0, {INPUT_SCALE:g}^2), seed {SEED}"
                 + (f"; {'/'.join(rows)} on rows of {ROW_LEN}" if rows else ""))
    return lines


def _table(headers: list, rows: list, align: list) -> list:
    widths = [max([len(str(h))] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]

    def fmt(row):
        return "  ".join(str(c).ljust(w) if a == "<" else str(c).rjust(w)
                         for c, w, a in zip(row, widths, align)).rstrip()
    return [fmt(headers), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]


def summarize(results: list) -> list:
    """Per case: fastact's median, the fastest peer, its median and the ratio."""
    peer_names = set(peers.names("peer"))
    by_case: dict = {}
    for r in results:
        by_case.setdefault((r["op"], r["dtype"], r["size"]), {})[r["impl"]] = r["median_s"]
    out = []
    for (op, dt, size), d in by_case.items():
        fa_t, alloc_t = d.get("fastact"), d.get("fastact_alloc")
        ps = {p: t for p, t in d.items() if p in peer_names}
        best = min(ps, key=ps.get) if ps else None
        out.append({
            "op": op, "dtype": dt, "size": size,
            "fastact_s": fa_t, "fastact_alloc_s": alloc_t,
            "best_peer": best, "best_peer_s": ps.get(best),
            "speedup": ps[best] / fa_t if best and fa_t else None,
            "alloc_speedup": ps[best] / alloc_t if best and alloc_t else None,
            "copy_s": d.get("copy_mt"), "copy_1t_s": d.get("copy"),
        })
    return out


def render_report(results: list, skipped: list, impls: list, plan) -> list:
    """The text tables (one per dtype, plus the memory-speed ceiling) and their notes."""
    med = {(r["op"], r["dtype"], r["size"], r["impl"]): r for r in results}
    why = {(s["op"], s["dtype"], s["size"], s["impl"]): s["status"] for s in skipped}
    summary = {(s["op"], s["dtype"], s["size"]): s for s in summarize(results)}
    cols = [i for i in impls if peers.adapter(i).kind != "ceiling"]
    lines = []
    for dt in plan.dtypes:
        lines += ["", f"{dt}: median time per call (lower is better);"
                      f" speed-up = fastest peer / fastact (out=)"]
        rows = []
        for d, op, size in plan.cases:
            if d != dt:
                continue
            key = (op, dt, size)
            row = [op, format_size(n_elements(variant(op), size))]
            for i in cols:
                r = med.get(key + (i,))
                if r is None:
                    row.append("wrong" if why.get(key + (i,)) == "wrong" else "-")
                else:
                    row.append(format_time(r["median_s"])
                               + ("*" if r["allocates"] and i != "fastact_alloc" else ""))
            s = summary.get(key)
            if s and s["best_peer"]:
                row += [s["best_peer"], f"{s['speedup']:.2f}x" if s["speedup"] else "-"]
            else:
                row += ["-", "-"]
            rows.append(row)
        lines += _table(["op", "n"] + [peers.adapter(i).title for i in cols]
                        + ["fastest peer", "speed-up"],
                        rows, ["<", ">"] + [">"] * len(cols) + ["<", ">"])
    ceil_rows = []
    for dt, op, size in plan.cases:
        s = summary.get((op, dt, size))
        if s and s["copy_s"] and s["fastact_s"]:
            best = min(t for t in (s["copy_s"], s["copy_1t_s"]) if t)
            ceil_rows.append([dt, op, format_size(size), format_time(s["fastact_s"]),
                              format_time(s["copy_s"]), format_time(s["copy_1t_s"]),
                              f"{s['fastact_s'] / best:.2f}x"])
    if ceil_rows:
        lines += ["", "memory-speed ceiling: a plain copy of the same bytes (x -> out) with"
                      " the same threads ('copy') and with one ('copy 1t');"
                      " fastact/copy = fastact / the faster copy"]
        lines += _table(["dtype", "op", "n", "fastact", "copy", "copy 1t", "fastact/copy"],
                        ceil_rows, ["<", "<", ">", ">", ">", ">", ">"])
    lines.append("")
    rows_ops = [op for op in plan.ops if variant(op).family == "rows"]
    if rows_ops:
        lines.append(f"{'/'.join(rows_ops)}: n elements as rows of {ROW_LEN}"
                     f" ({format_size(ROW_LEN)} = 1 row).")
    if any(r["allocates"] and r["impl"] != "fastact_alloc" for r in results):
        lines.append("*: the peer has no out= form for this op; timed allocating its result")
    notes: dict = {}
    for sk in skipped:
        if sk["status"] == "unsupported":
            notes.setdefault((sk["impl"], sk["reason"]), set()).add(sk["op"])
    for (impl, reason), ops_ in sorted(notes.items()):
        lines.append(f"-: {impl} not timed for {','.join(o for o in plan.ops if o in ops_)}:"
                     f" {reason}")
    if any(sk["status"] == "wrong" for sk in skipped):
        lines.append("wrong: the implementation's result disagreed with fastact's;"
                     " it was not timed (details in --json)")
    return lines


class Progress:
    """One status line per case on stderr (rewritten in place on a terminal)."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.i, self.t0 = total, 0, time.perf_counter()
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, label: str) -> None:
        self.i += 1
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        msg = f"[{self.i:>{len(str(self.total))}}/{self.total}] {label}  ({el:.0f} s)"
        self.stream.write("\r\033[K" + msg if self.tty else msg + "\n")
        self.stream.flush()

    def warn(self, msg: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(f"warning: {msg}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            el = time.perf_counter() - self.t0
            self.stream.write(("\r\033[K" if self.tty else "")
                              + f"done: {self.total} cases in {el:.0f} s\n")
            self.stream.flush()
