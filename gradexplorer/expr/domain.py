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

import math
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
        if op == "div" and args[0] == 0:  # not "a pole": sin(x)/x at 0 is a hole (x/x² is not)
            return f"0/0 has no value{where}: both sides of the division are 0"
        return f"division by zero: a pole{where}"
    if op in _DOMAINS:
        shown = ", ".join(formatting.readout(a) for a in args)
        return f"{_DOMAINS[op]} ({label}({shown}))" if op != "pow" else _DOMAINS[op]
    if any(math.isinf(a) for a in args):  # ∞ − ∞, 0 · ∞, ∞ / ∞: an overflow inside
        shown = " and ".join(("−∞" if a < 0 else "∞") if math.isinf(a) else formatting.readout(a)
                             for a in args)  # fmt: skip
        return f"{label} has no value here: its inputs are {shown}, after an overflow inside"
    return f"{label} has no value here"


def derivative_reason(label: str, value: float) -> str:
    """Why a derivative (label: "f′", "f″", "∂f/∂a", ...) shows no number where f has one."""
    if math.isinf(value):
        return "vertical tangent: f′ is infinite" if label == "f′" else f"{label} is infinite"
    return f"{label} has no value here"


def slope_reason(trace: Any, label: str = "f′") -> str | None:
    """Why backward's gradient has no value where f has one, from the trace: the first edge,
    from the output, whose contribution is nan although the gradient it multiplies is a
    number. Nearly always ∞ × 0: √ at 0 inside x·√x, an overflowed exp whose reciprocal is 0.
    None for a vector graph or when no edge explains it."""
    nodes = {n.id: n for n in trace.nodes}
    edges = [e for e in trace.edges if e.contribution is not None and e.local is not None]
    edges.sort(key=lambda e: nodes[e.dst].backward_order or 0)
    for e in edges:
        if np.size(e.contribution) != 1 or not math.isnan(float(e.contribution)):
            continue
        upstream, local = nodes[e.dst].grad, float(e.local)
        if upstream is None or np.size(upstream) != 1 or math.isnan(float(upstream)):
            continue  # a nan handed on, not made here
        upstream = float(upstream)
        op = nodes[e.dst].label
        at = formatting.readout(float(nodes[e.src].value))
        where, meets = f"the local derivative of {op}", "the chain rule meets ∞ × 0"
        if math.isinf(local) and upstream == 0:
            return f"{label} has no value here: {meets} ({where} is ∞ at {at})"
        if math.isnan(local):
            return f"{label} has no value here: {where} has no value at {at}"
        if math.isinf(upstream) and local == 0:
            return f"{label} has no value here: {meets} (∞ reaches {op}; {where} is 0)"
    return None
