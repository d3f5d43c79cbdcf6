"""Three ways to write a syntax tree: canonical text (fully explicit, parses back to the same
tree), pretty Unicode for display, and PyTorch source for students to copy (never executed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gradexplorer.expr.names import CONSTANTS, FUNCTIONS, GREEK_SYMBOLS
from gradexplorer.expr.nodes import BinOp, Call, Const, Neg, Node, Num, Param, Var, fold
from gradexplorer.formatting import exact

# Precedence levels, loosest first.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True, slots=True)
class _Frag:
    text: str
    prec: int
    node: Node
    const: bool = False  # no x and no parameter inside (for the PyTorch form)
    args: str = ""  # a call's argument text, kept so sin²(x) needs no second walk


def _wrap(frag: _Frag, tighter_than: int) -> str:
    return f"({frag.text})" if frag.prec < tighter_than else frag.text


# ----- canonical ---------------------------------------------------------------------------


def canonical(tree: Node) -> str:
    return fold(tree, _canonical).text


def _canonical(node: Node, kids: list[_Frag]) -> _Frag:
    if isinstance(node, Num):
        return _Frag(exact(node.value), ATOM, node)
    if isinstance(node, Var):
        return _Frag(node.name, ATOM, node)
    if isinstance(node, Const | Param):
        return _Frag(node.name, ATOM, node)
    if isinstance(node, Neg):
        return _Frag("-" + _wrap(kids[0], UNARY), UNARY, node)
    if isinstance(node, Call):
        return _Frag(f"{node.func}({', '.join(k.text for k in kids)})", ATOM, node)
    assert isinstance(node, BinOp)
    left, right = kids
    if node.op in "+-":
        return _Frag(f"{left.text} {node.op} {_wrap(right, PRODUCT)}", SUM, node)
    if node.op in "*/":
        # (1/2)*x rather than 1/2*x: the same tree, but nobody has to know the rule.
        clear = node.op == "*" and isinstance(left.node, BinOp) and left.node.op == "/"
        lt = f"({left.text})" if clear else _wrap(left, PRODUCT)
        return _Frag(f"{lt}{node.op}{_wrap(right, UNARY)}", PRODUCT, node)
    return _Frag(f"{_wrap(left, ATOM)}^{_wrap(right, UNARY)}", POWER, node)


# ----- pretty ------------------------------------------------------------------------------

_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _superscript(node: Node) -> str | None:
    """x², x⁻¹: small integer exponents only."""
    negative = isinstance(node, Neg)
    inner = node.operand if isinstance(node, Neg) else node
    if isinstance(inner, Num) and inner.value.is_integer() and inner.value < 1000:
        return (("-" if negative else "") + str(int(inner.value))).translate(_SUPER)
    return None


def pretty(tree: Node) -> str:
    return fold(tree, _pretty).text


def pretty_labels(tree: Node) -> dict[int, str]:
    """The pretty text of every subtree, by id(node): names for folded constants like 2π."""
    labels: dict[int, str] = {}

    def combine(node: Node, kids: list[_Frag]) -> _Frag:
        frag = _pretty(node, kids)
        labels[id(node)] = frag.text
        return frag

    fold(tree, combine)
    return labels


def _pretty(node: Node, kids: list[_Frag]) -> _Frag:
    if isinstance(node, Num):
        return _Frag(exact(node.value), ATOM, node)
    if isinstance(node, Var):
        return _Frag(GREEK_SYMBOLS.get(node.name, node.name), ATOM, node)
    if isinstance(node, Const):
        return _Frag(CONSTANTS[node.name].symbol, ATOM, node)
    if isinstance(node, Param):
        return _Frag(GREEK_SYMBOLS.get(node.name, node.name), ATOM, node)
    if isinstance(node, Neg):
        return _Frag("−" + _wrap(kids[0], UNARY), UNARY, node)
    if isinstance(node, Call):
        inner = ", ".join(k.text for k in kids)
        if node.func == "abs":
            return _Frag(f"|{inner}|", ATOM, node)
        if node.func == "sqrt":
            simple = kids[0].prec == ATOM and not isinstance(kids[0].node, Call)
            return _Frag("√" + (inner if simple else f"({inner})"), ATOM, node)
        return _Frag(f"{node.func}({inner})", ATOM, node, args=inner)
    assert isinstance(node, BinOp)
    left, right = kids
    if node.op in "+-":
        op = " + " if node.op == "+" else " − "
        return _Frag(left.text + op + _wrap(right, PRODUCT), SUM, node)
    if node.op == "^":
        sup = _superscript(node.right)
        base = left.node
        if sup is not None and isinstance(base, Call) and base.func not in ("abs", "sqrt"):
            # sin²(x): the textbook way to write (sin x)².
            return _Frag(f"{base.func}{sup}({left.args})", ATOM, node)
        if sup is not None:
            return _Frag(_wrap(left, ATOM) + sup, POWER, node)
        return _Frag(f"{_wrap(left, ATOM)}^{_wrap(right, ATOM)}", POWER, node)
    if node.op == "/":
        return _Frag(f"{_wrap(left, PRODUCT)}/{_wrap(right, UNARY + 1)}", PRODUCT, node)
    # Multiplication: juxtapose when it reads unambiguously (3x, 2π, x²y, (x+1)(x−1)); two
    # letters get a space (a x², w x), never glued: the parser would read "ax" as one name.
    lt = f"({left.text})" if _is_division(left.node) else _wrap(left, PRODUCT)
    rt = _wrap(right, POWER)
    first = rt[0]
    last = lt.rstrip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻")[-1]
    if first.isdigit() or first in ".−" or _ends_with_bare_root(left.node):
        return _Frag(f"{lt}·{rt}", PRODUCT, node)  # √x·(x+1): glued, √ would take it all
    # x·x, x²·x and sin(ax)·x: these would read as a name or as a function's argument.
    glued_badly = last == first or _ends_with_call(left.node)
    if first.isalpha() and glued_badly and not _starts_with_function(right.node):
        return _Frag(f"{lt}·{rt}", PRODUCT, node)
    if lt[-1].isalpha() and first.isalpha():
        return _Frag(f"{lt} {rt}", PRODUCT, node)
    return _Frag(lt + rt, PRODUCT, node)


def _is_division(node: Node) -> bool:
    return isinstance(node, BinOp) and node.op == "/"


def _ends_with_call(node: Node) -> bool:
    while isinstance(node, BinOp) and node.op == "*":
        node = node.right
    return isinstance(node, Call) and node.func != "abs"


def _ends_with_bare_root(node: Node) -> bool:
    """√x written without parentheses: whatever is glued after it reads as part of its argument."""
    while isinstance(node, BinOp) and node.op == "*":
        node = node.right
    return (
        isinstance(node, Call)
        and node.func == "sqrt"
        and isinstance(node.args[0], Num | Var | Const | Param)
    )


def _starts_with_function(node: Node) -> bool:
    while isinstance(node, BinOp) and node.op in "*^":
        node = node.left
    return isinstance(node, Call) and node.func not in ("abs", "sqrt")


# ----- PyTorch -----------------------------------------------------------------------------


def python_name(param: str) -> str:
    """lambda is a Python keyword: the parameter becomes lambda_."""
    return param + "_" if param == "lambda" else param


def torch_expression(tree: Node) -> str:
    return fold(tree, _torch).text


def _torch(node: Node, kids: list[_Frag]) -> _Frag:
    if isinstance(node, Num):
        return _Frag(exact(node.value), ATOM, node, const=True)
    if isinstance(node, Var):
        return _Frag(python_name(node.name), ATOM, node)
    if isinstance(node, Const):
        return _Frag(CONSTANTS[node.name].python, ATOM, node, const=True)
    if isinstance(node, Param):
        return _Frag(python_name(node.name), ATOM, node)
    const = all(k.const for k in kids)
    if isinstance(node, Neg):
        return _Frag("-" + _wrap(kids[0], UNARY), UNARY, node, const)
    if isinstance(node, Call):
        torch = FUNCTIONS[node.func].torch
        # torch functions want tensors: a pure number argument such as exp(2) is wrapped.
        args = [f"torch.tensor({k.text}, dtype=torch.float64)" if k.const else k.text for k in kids]
        text = torch.format(*args) if "{" in torch else f"{torch}({', '.join(args)})"
        return _Frag(text, ATOM, node, const=False)
    assert isinstance(node, BinOp)
    left, right = kids
    if node.op in "+-":
        return _Frag(f"{left.text} {node.op} {_wrap(right, PRODUCT)}", SUM, node, const)
    if node.op in "*/":
        clear = node.op == "*" and _is_division(left.node)
        lt = f"({left.text})" if clear else _wrap(left, PRODUCT)
        return _Frag(f"{lt} {node.op} {_wrap(right, UNARY)}", PRODUCT, node, const)
    return _Frag(f"{_wrap(left, ATOM)}**{_wrap(right, UNARY)}", POWER, node, const)


def pytorch_function(tree: Node, inputs: tuple[str, ...], params: tuple[str, ...]) -> list[str]:
    """The lines of `def f(inputs..., params...): return ...` in PyTorch."""
    body = torch_expression(tree)
    uses_input = fold(tree, lambda n, k: isinstance(n, Var) or any(k))
    first = python_name(inputs[0])
    if not uses_input:
        words = "its input" if len(inputs) == 1 else "its inputs"
        body = f"{body} + 0 * {first}  # the function does not depend on {words}"
    signature = ", ".join(python_name(n) for n in (*inputs, *params))
    return [f"def f({signature}):", f"    return {body}"]


def pytorch_source(
    tree: Node,
    inputs: tuple[str, ...],
    params: tuple[str, ...],
    point: Mapping[str, float],
    values: Mapping[str, float] | None = None,
) -> str:
    """A small, runnable PyTorch program that computes the function and its gradient, at the
    point (a value for each input) and the given parameter values (1.0 for those not given,
    as everywhere)."""
    values = values or {}
    names = [python_name(n) for n in (*inputs, *params)]
    lines = ["import math", "", "import torch", "", "", *pytorch_function(tree, inputs, params)]
    lines += ["", ""]
    for name in inputs:
        value = float(point.get(name, 0.0))
        lines.append(
            f"{python_name(name)} = torch.tensor({value!r}, dtype=torch.float64, "
            "requires_grad=True)"
        )
    for param in params:
        value = float(values.get(param, 1.0))
        lines.append(
            f"{python_name(param)} = torch.tensor({value!r}, dtype=torch.float64, "
            "requires_grad=True)"
        )
    call = f"f({', '.join(names)})"
    lines.append(f"out = {call}")  # not y: y may be an input
    lines.append("out.backward()")
    shown = ", ".join(inputs)
    lines.append(f'print("f({shown}) =", out.item())')
    for name in names:
        lines.append(f'print("df/d{name} =", {name}.grad.item())')
    return "\n".join(lines) + "\n"
