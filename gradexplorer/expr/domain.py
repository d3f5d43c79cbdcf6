"""Where a typed function has no value, and why.

IEEE arithmetic answers everywhere (log(-1) = nan, 1/0 = inf), and some answers hide that a
sub-expression had no value: nan⁰ = 1, 1^nan = 1, (-∞)^(-1.5) = 0. A function is undefined
wherever any of its sub-expressions is, so the evaluator carries an "undefined" mask beside
every value: a node is undefined when an input is, when its own result is nan (a domain error:
ln of a negative number), or at a pole (a division by zero, ln(0), 0 to a negative power).
An infinity from overflow (exp(1000)) is a value, just too large to show.

``reason`` words the first undefined node for a student ("ln needs a positive argument").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradexplorer import formatting

# Engine op -> (condition on its inputs that makes the result undefined, the words for it).
_DOMAINS = {
    "log": "ln needs a positive argument",
    "sqrt": "√ needs an argument ≥ 0",
    "asin": "asin needs an argument between −1 and 1",
    "acos": "acos needs an argument between −1 and 1",
    "pow": "a negative number to a fractional power has no real value",
}


POLE_OPS = frozenset({"div", "log", "pow"})


def pole(op: str, args: list[Any]) -> Any:
    """Where the op divides by zero: an infinite result that is not an overflow."""
    if op == "div":
        return args[1] == 0
    if op == "log":
        return args[0] == 0
    if op == "pow":
        return (args[0] == 0) & (args[1] < 0)
    return False


def undefined(op: str, args: list[Any], out: Any, inputs: list[Any]) -> Any:
    """The mask of this node (a bool for scalars, an array otherwise): an input undefined, a
    domain error, or a pole."""
    if type(out) in _SCALARS:  # the x-step path: plain Python logic is ten times faster
        return out != out or any(inputs) or (op in POLE_OPS and bool(pole(op, args)))
    mask = np.isnan(out)
    if op in POLE_OPS:
        mask = mask | pole(op, args)
    for m in inputs:
        if m is not False:  # a defined input (most are) adds nothing: no array pass for it
            mask = mask | m
    return mask


_SCALARS = (np.float64, np.float32, float)


def reason(op: str, label: str, args: list[float], variable_value: float | None = None) -> str:
    """Why a node (whose inputs are defined) has no value, in words."""
    if pole(op, [np.float64(a) for a in args]):
        where = "" if variable_value is None else f" at x = {formatting.readout(variable_value)}"
        if op == "log":
            return f"ln(0) is −∞: ln needs a positive argument (a pole{where})"
        return f"division by zero: a pole{where}"
    if op in _DOMAINS:
        shown = ", ".join(formatting.readout(a) for a in args)
        return f"{_DOMAINS[op]} ({label}({shown}))" if op != "pow" else _DOMAINS[op]
    return f"{label} has no value here"
