"""The engine: Tensor, differentiable ops, backward, grad(), no_grad and the backward trace.

numpy only; knows nothing of parsing or Qt.
"""

from gradexplorer.autograd.engine import backward, grad
from gradexplorer.autograd.ops import (
    OPS,
    abs,
    acos,
    asin,
    atan,
    cos,
    cosh,
    exp,
    log,
    maximum,
    mean,
    minimum,
    relu,
    reshape,
    sigmoid,
    sin,
    sinh,
    softplus,
    sqrt,
    sum,
    tan,
    tanh,
)
from gradexplorer.autograd.tensor import BackwardNode, Tensor, enable_grad, is_grad_enabled, no_grad
from gradexplorer.autograd.trace import BackwardTrace, TraceEdge, TraceNode

__all__ = [
    "OPS",
    "BackwardNode",
    "BackwardTrace",
    "Tensor",
    "TraceEdge",
    "TraceNode",
    "abs",
    "acos",
    "asin",
    "atan",
    "backward",
    "cos",
    "cosh",
    "enable_grad",
    "exp",
    "grad",
    "is_grad_enabled",
    "log",
    "maximum",
    "mean",
    "minimum",
    "no_grad",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "sum",
    "tan",
    "tanh",
]
