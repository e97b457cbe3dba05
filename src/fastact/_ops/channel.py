"""Registry rows of the channel ops (family "channel": one parameter per
channel on axis 1, PyTorch's layout): prelu.

``f(x, weight, out=None, *, num_threads=None)``: ``weight`` a real number or
a 1-D array of real numbers, one per channel (``x.shape[1]``; a 0-d or 1-d
``x`` has one channel), or of one element (broadcast to every channel).

``ref(w, weight)`` gets ``w`` (x in the compute dtype) and ``weight`` already
broadcast against it (shape (1, C, 1, ...) or a scalar), both rounded to the
compute dtype: prelu is exact, one comparison and one rounded product.
"""

from __future__ import annotations

import numpy as np

from ._model import INF, Function, Variant


# the weight generic callers (fastact._ops.call, the bench) use when they give
# none: torch.nn.PReLU's initial value
EXAMPLE_WEIGHT = 0.25


def _ref_prelu(v, weight):
    return np.where(v > 0, v, v * weight)


PRELU = Function(
    "prelu", "channel", (),
    (Variant("prelu", "PRELU", ref=_ref_prelu, mp=None, exact=True,
             limits=lambda: (-INF, INF),  # for a positive weight
             # the bench's weight: EXAMPLE_WEIGHT as a 1-element array (cases.env)
             peers={"torch": "torch.prelu(x, weight)",
                    "onnxruntime": "PRelu(x, weight)",
                    "numpy": "np.where(x > 0, x, x * weight)"}),),
    doc="x if x > 0 else weight[c] * x, c the channel on axis 1 (torch.nn.functional.prelu); exact.",
    inputs=("x", "weight"),
)

def _ref_prelu_backward_dx(g, v, weight):
    return np.where(v > 0, g, g * weight)


PRELU_BACKWARD = Function(
    "prelu_backward", "channel_backward", (),
    (Variant("prelu_backward", "PRELU", ref=_ref_prelu_backward_dx, mp=None, exact=True,
             limits=lambda: (-INF, INF)),),
    doc="prelu's gradients (dx, dweight): dx = dy if x > 0 else weight[c] * dy (exact); dweight[c] = "
        "the sum of x * dy where x <= 0 over every axis but 1 (in float64).",
    inputs=("dy", "x", "weight"),
)

FUNCTIONS = (PRELU, PRELU_BACKWARD)
