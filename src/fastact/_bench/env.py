"""The machine and software a run happens on: what the report's header and the JSON record."""

from __future__ import annotations

import os

import numpy as np

from . import peers


def cpu_model() -> str:
    from fastact import _cpu_model

    return _cpu_model()


def peer_modules() -> list:
    """(module, install hint) of every module an implementation needs or can use."""
    seen = {}
    for a in peers.adapters().values():
        for m, hint in a.install:
            seen.setdefault(m, hint)
    return list(seen.items())


def versions() -> dict:
    """{module: version or None (not installed)}: NumPy and every peer module."""
    out = {"numpy": np.__version__}
    for m, _ in peer_modules():
        mod = peers.try_import(m)
        out[m] = None if mod is None else str(getattr(mod, "__version__", "?"))
    return out


def impl_version(impl: str) -> str:
    a = peers.adapter(impl)
    v = a.version() if a.version else None
    if impl == "numpy":
        sp = peers.try_import("scipy")
        if sp is not None:
            return f"{v} (scipy {sp.__version__})"
    return str(v)


def default_threads() -> int:
    env = os.environ.get("FASTACT_BENCH_THREADS")
    if env:
        return int(env)
    import fastact

    return int(fastact.get_num_threads())


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None


def fastact_isa() -> str:
    import fastact

    return str(fastact.get_config().get("isa"))


def extra_info(impl: str, threads: int) -> dict:
    """What pytest-benchmark records beside each timing."""
    return {
        "impl": impl,
        "impl_version": impl_version(impl),
        "threads": threads,
        "isa": fastact_isa(),
        "fastact_version": impl_version("fastact"),
        "numpy_version": np.__version__,
        "cpu": cpu_model(),
        "load_average": load_average(),
    }
