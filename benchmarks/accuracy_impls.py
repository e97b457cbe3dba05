"""The implementations benchmarks/accuracy.py and accuracy_f64.py measure.

make_impl(name, dtype) returns f(op, x) -> y for fastact (every registry
variant, through fastact._ops) and for the peers (PyTorch, textbook NumPy
formulas, careful SciPy formulas, JAX), which have a formula per op only where
the library offers one; f returns None for an op the peer does not have.
"""

import math

import numpy as np

from fastact import _ops

LEAKY_SLOPE = _ops.function("leaky_relu").defaults()["negative_slope"]
SQRT1_2 = 0.7071067811865476  # 1/sqrt(2) in float64
K_TANH = math.sqrt(2.0 / math.pi)  # sqrt(2/pi)
C_TANH = 0.044715


# the activation family in PyTorch (functional forms at the registry's default parameters)
TORCH_FAMILY = {
    "relu6": lambda torch, F, t: F.relu6(t),
    "hardtanh": lambda torch, F, t: F.hardtanh(t),
    "hardsigmoid": lambda torch, F, t: F.hardsigmoid(t),
    "hardswish": lambda torch, F, t: F.hardswish(t),
    "softsign": lambda torch, F, t: F.softsign(t),
    "elu": lambda torch, F, t: F.elu(t),
    "selu": lambda torch, F, t: F.selu(t),
    "celu": lambda torch, F, t: F.celu(t),
    "quick_gelu": lambda torch, F, t: t * torch.sigmoid(1.702 * t),  # Hugging Face's QuickGELUActivation
    "mish": lambda torch, F, t: F.mish(t),
}


def make_impl(name, dtype=np.float32):
    """Return f(op, x) -> y for implementation `name` (x of `dtype`)."""
    if name == "fastact":
        def f(op, x):
            return _ops.call(_ops.variant(op), x, num_threads=1)
        return f
    if name == "torch":
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(1)

        def f(op, x):
            t = torch.from_numpy(x)
            with torch.no_grad():
                if op == "sigmoid":
                    r = torch.sigmoid(t)
                elif op == "tanh":
                    r = torch.tanh(t)
                elif op == "silu":
                    r = F.silu(t)
                elif op == "gelu":
                    r = F.gelu(t, approximate="none")
                elif op == "gelu_tanh":
                    r = F.gelu(t, approximate="tanh")
                elif op == "relu":
                    r = F.relu(t)
                elif op == "leaky_relu":
                    r = F.leaky_relu(t, LEAKY_SLOPE)
                elif op == "softplus":
                    r = F.softplus(t)
                elif op == "log_sigmoid":
                    r = F.logsigmoid(t)
                elif op in TORCH_FAMILY:
                    r = TORCH_FAMILY[op](torch, F, t)
                else:
                    return None
            return r.numpy()
        return f
    if name == "numpy":
        from scipy.special import erf

        def f(op, x):
            one, half = dtype(1), dtype(0.5)
            with np.errstate(all="ignore"):
                if op == "sigmoid":
                    return one / (one + np.exp(-x))
                if op == "tanh":
                    return np.tanh(x)
                if op == "silu":
                    return x / (one + np.exp(-x))
                if op == "gelu":
                    return half * x * (one + erf(x / dtype(math.sqrt(2.0))))
                if op == "gelu_tanh":
                    return half * x * (one + np.tanh(dtype(K_TANH) * (x + dtype(C_TANH) * x * x * x)))
                if op == "relu":
                    return np.maximum(x, dtype(0))
                if op == "leaky_relu":
                    return np.where(x > 0, x, x * dtype(LEAKY_SLOPE))
        return f
    if name == "scipy":
        from scipy.special import erfc, expit

        def f(op, x):
            with np.errstate(all="ignore"):
                if op == "sigmoid":
                    return expit(x)
                if op == "tanh":
                    return np.tanh(x)
                if op == "silu":
                    return x * expit(x)
                if op == "gelu":
                    return dtype(0.5) * x * erfc(x * dtype(-SQRT1_2))
                if op == "gelu_tanh":
                    u = dtype(K_TANH) * (x + dtype(C_TANH) * x * x * x)
                    return x * expit(dtype(2) * u)
                if op == "relu":
                    return np.maximum(x, dtype(0))
                if op == "leaky_relu":
                    return np.where(x > 0, x, x * dtype(LEAKY_SLOPE))
        return f
    if name == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def f(op, x):
            a = jnp.asarray(x)
            if op == "sigmoid":
                r = jax.nn.sigmoid(a)
            elif op == "tanh":
                r = jnp.tanh(a)
            elif op == "silu":
                r = jax.nn.silu(a)
            elif op == "gelu":
                r = jax.nn.gelu(a, approximate=False)
            elif op == "gelu_tanh":
                r = jax.nn.gelu(a, approximate=True)
            elif op == "relu":
                r = jax.nn.relu(a)
            elif op == "leaky_relu":
                r = jax.nn.leaky_relu(a, LEAKY_SLOPE)
            elif op == "softplus":
                r = jax.nn.softplus(a)
            elif op == "log_sigmoid":
                r = jax.nn.log_sigmoid(a)
            else:
                return None
            return np.asarray(r)
        return f
    raise ValueError("unknown impl %r" % name)


def impl_label(name):
    if name == "torch":
        import torch
        try:
            cap = torch.backends.cpu.get_cpu_capability()
        except Exception:  # pragma: no cover
            cap = "?"
        return "torch %s (%s)" % (torch.__version__, cap)
    if name == "numpy":
        import scipy
        return "numpy %s textbook formulas (erf: scipy %s)" % (np.__version__, scipy.__version__)
    if name == "scipy":
        import scipy
        return "scipy %s careful formulas (expit, erfc)" % scipy.__version__
    if name == "jax":
        import jax
        return "jax %s" % jax.__version__
    return name


