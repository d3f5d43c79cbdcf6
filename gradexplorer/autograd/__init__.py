"""The engine: Tensor, differentiable ops, backward, grad(), no_grad, forward mode (jvp and the
dual tensors of forward_ad), Taylor mode (taylor) and the traces of both modes.

numpy only; knows nothing of parsing or Qt. The ops' public functions (sin, maximum, sum, ...)
come from the op table (ops.OPS), so one defined later with define_op is here as well.
"""

from typing import Any

from gradexplorer.autograd import forward_ad
from gradexplorer.autograd.engine import backward, grad
from gradexplorer.autograd.forward_ad import dual_level, jvp, make_dual, unpack_dual
from gradexplorer.autograd.ops import OPS, PUBLIC, Op, define_op, on_change, remove_op
from gradexplorer.autograd.taylor import taylor
from gradexplorer.autograd.tensor import BackwardNode, Tensor, enable_grad, is_grad_enabled, no_grad
from gradexplorer.autograd.trace import (
    BackwardTrace,
    ForwardEdge,
    ForwardNode,
    ForwardTrace,
    TraceEdge,
    TraceNode,
)

__all__ = [
    "OPS",
    "BackwardNode",
    "BackwardTrace",
    "ForwardEdge",
    "ForwardNode",
    "ForwardTrace",
    "Op",
    "Tensor",
    "TraceEdge",
    "TraceNode",
    "backward",
    "define_op",
    "dual_level",
    "enable_grad",
    "forward_ad",
    "grad",
    "is_grad_enabled",
    "jvp",
    "make_dual",
    "no_grad",
    "on_change",
    "remove_op",
    "taylor",
    "unpack_dual",
]
_FIXED = len(__all__)  # then the ops' public functions, from the table


def _export_functions() -> None:
    __all__[_FIXED:] = PUBLIC


def __getattr__(name: str) -> Any:
    # Only for names not defined above: the ops' functions, read from the table when asked for.
    if name in PUBLIC:
        return PUBLIC[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *PUBLIC})


_export_functions()
on_change(_export_functions)
