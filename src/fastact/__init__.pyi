from typing import Any, Dict

from ._core import (
    gelu as gelu,
    get_num_threads as get_num_threads,
    leaky_relu as leaky_relu,
    log_softmax as log_softmax,
    relu as relu,
    set_num_threads as set_num_threads,
    sigmoid as sigmoid,
    silu as silu,
    softmax as softmax,
    tanh as tanh,
)

__version__: str
__all__: list[str]

def get_config() -> Dict[str, Any]: ...
def show_config() -> None: ...
