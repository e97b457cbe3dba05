"""``--plot``: throughput against size, one panel per op, one line per implementation and dtype."""

from __future__ import annotations

_COLORS = {"fastact": "C3", "fastact_alloc": "C1", "numpy": "C0", "numexpr": "C2",
           "torch": "C4", "onnxruntime": "C5", "copy": "0.6", "copy_mt": "0.3"}
_STYLES = ("-", "--", ":", "-.")  # by dtype, in the order of the run


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit("--plot needs matplotlib, which is not installed:"
                         " pip install matplotlib (or pip install 'fastact[plot]')") from None


def plot_results(path: str, results: list, impls: list, ops, dtypes, title: str,
                 threads: int = 0) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = [op for op in ops if any(r["op"] == op for r in results)]
    ncol = 3 if len(ops) > 4 else max(1, min(len(ops), 2))
    nrow = (len(ops) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), squeeze=False)
    styles = dict(zip(dtypes, _STYLES * 2))
    labels_ = {"fastact": "fastact (out=)", "fastact_alloc": "fastact (allocating)",
               "numpy": "numpy/scipy", "copy": "memcpy, 1 thread",
               "copy_mt": f"memcpy, {threads or 'N'} threads"}
    for ax, op in zip(axes.flat, ops):
        for impl in impls:
            for dt, style in styles.items():
                pts = sorted((r["elements"], r["elements"] / r["median_s"]) for r in results
                             if r["op"] == op and r["impl"] == impl and r["dtype"] == dt)
                if not pts:
                    continue
                xs, ys = zip(*pts)
                ax.plot(xs, ys, style, marker="o", ms=3, color=_COLORS.get(impl),
                        label=f"{labels_.get(impl, impl)} {dt}",
                        lw=2.2 if impl == "fastact" else 1.2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel("elements")
        ax.set_ylabel("elements / s")
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(ops):]:
        ax.set_visible(False)
    handles: dict = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="lower center",
               ncol=min(6, len(handles)), fontsize="small", frameon=False)
    fig.suptitle(title)
    rows_leg = (len(handles) + 5) // 6
    fig.tight_layout(rect=(0, 0.03 * rows_leg + 0.02, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
