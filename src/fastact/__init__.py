"""fastact: fast and accurate neural-network activation functions for NumPy arrays.

Hand-written SIMD kernels (SSE2, AVX2, AVX-512; a portable C path everywhere
else) chosen at import for the CPU at hand, OpenMP threads, NumPy-ufunc-like
semantics.  See docs/api.md for the call contract.

    >>> import numpy as np, fastact as fa
    >>> fa.sigmoid(np.array([-1.0, 0.0, 1.0], dtype=np.float32))
    array([0.26894143, 0.5       , 0.7310586 ], dtype=float32)
"""

import os as _os
import platform as _platform

from . import _core, _ops
from ._core import get_num_threads, set_num_threads

__version__ = "0.1.0"

# The activations: one per row of the op registry (fastact._ops), generated
# into _core at build time; __init__.pyi (also generated) has their signatures.
globals().update({_name: getattr(_core, _name) for _name in _ops.public_names()})

__all__ = list(_ops.public_names()) + [
    "set_num_threads",
    "get_num_threads",
    "get_config",
    "show_config",
    "__version__",
]


def _cpu_model():
    """The CPU model string: get_config()["cpu"] and the bench's machine line."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("model name", "Model", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return _platform.processor() or _platform.machine()


def get_config():
    """The build and run-time configuration, as a dict.

    Keys: ``version``, ``isa`` (active instruction-set level), ``isa_supported``
    (levels this CPU and build support), ``isa_compiled`` (levels built into
    the extension), ``openmp`` (bool), ``num_threads`` (default thread count),
    ``cpu`` (CPU model string), ``env`` (the FASTACT_* variables that are set).
    """
    return {
        "version": __version__,
        "isa": _core.get_isa(),
        "isa_supported": _core.isa_supported(),
        "isa_compiled": _core.isa_compiled(),
        "openmp": _core.openmp_enabled(),
        "num_threads": _core.get_num_threads(),
        "cpu": _cpu_model(),
        "env": {k: v for k, v in _os.environ.items() if k.startswith("FASTACT_")},
    }


def show_config():
    """Print :func:`get_config` readably."""
    cfg = get_config()
    width = max(len(k) for k in cfg)
    for key, value in cfg.items():
        if isinstance(value, list):
            value = ", ".join(value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
        print(f"{key:<{width}} : {value}")
