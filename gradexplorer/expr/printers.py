"""Three ways to write a syntax tree: canonical text (fully explicit, parses back to the same
tree), pretty Unicode for display, and PyTorch source for students to copy (never executed).
Definitions come first in each ("u = x + x; u^2 + 3*u"; in PyTorch, one line each)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gradexplorer.expr.names import (
    CONSTANTS,
    FUNCTIONS,
    GREEK_SYMBOLS,
    SUBSCRIPT_DIGITS,
    VARIABLE,
    display_name,
)
from gradexplorer.expr.nodes import (
    BinOp,
    Call,
    Const,
    Definition,
    Neg,
    Node,
    Num,
    Param,
    Ref,
    Var,
    fold,
)
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


STATEMENT_SEPARATOR = "; "


def canonical(tree: Node) -> str:
    return fold(tree, _canonical).text


def with_definitions(
    definitions: Sequence[Definition], tree: Node, form: Callable[[Node], str], name=str
) -> str:
    """ "u = x + x; u^2 + 3*u": each definition, then the expression, in one printed form."""
    heads = [f"{name(d.name)} = {form(d.value)}" for d in definitions]
    return STATEMENT_SEPARATOR.join([*heads, form(tree)])


def _canonical(node: Node, kids: list[_Frag]) -> _Frag:
    if isinstance(node, Num):
        return _Frag(exact(node.value), ATOM, node)
    if isinstance(node, Var):
        return _Frag(node.name, ATOM, node)
    if isinstance(node, Const | Param | Ref):
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
    if isinstance(node, Ref):
        return _Frag(display_name(node.name), ATOM, node)
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
    if _subscript_clash(lt, rt):
        return _Frag(f"{lt} {rt}", PRODUCT, node)  # u₁ x: glued, u₁x would read as one word
    # x·x, x²·x and sin(ax)·x: these would read as a name or as a function's argument.
    glued_badly = last == first or _ends_with_call(left.node)
    if first.isalpha() and glued_badly and not _starts_with_function(right.node):
        return _Frag(f"{lt}·{rt}", PRODUCT, node)
    if lt[-1].isalpha() and first.isalpha():
        return _Frag(f"{lt} {rt}", PRODUCT, node)
    return _Frag(lt + rt, PRODUCT, node)


def _subscript_clash(left: str, right: str) -> bool:
    """u₁ glued to a letter reads as one unknown word (u₁x, au₁): those need a '·'."""
    if not right[:1].isalpha():
        return False
    head = right[: next((i for i, c in enumerate(right) if not _word_char(c)), len(right))]
    end = len(left)
    while end > 0 and _word_char(left[end - 1]):
        end -= 1
    tail = left[end:]
    return bool(tail) and any(c in SUBSCRIPT_DIGITS for c in head + tail)


def _word_char(c: str) -> bool:
    return c.isalpha() or c in SUBSCRIPT_DIGITS


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


def torch_expression(tree: Node, constant_names: frozenset[str] = frozenset()) -> str:
    """The tree as Python over torch; constant_names: defined names that hold plain numbers."""
    return _torch_fragment(tree, constant_names).text


def _torch_fragment(tree: Node, constant_names: frozenset[str]) -> _Frag:
    def combine(node: Node, kids: list[_Frag]) -> _Frag:
        if isinstance(node, Ref):
            return _Frag(python_name(node.name), ATOM, node, const=node.name in constant_names)
        return _torch(node, kids)

    return fold(tree, combine)


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


def pytorch_function(
    tree: Node,
    inputs: tuple[str, ...],
    params: tuple[str, ...],
    definitions: Sequence[Definition] = (),
    *,
    uses_x: bool | None = None,
) -> list[str]:
    """The lines of `def f(inputs..., params...):` in PyTorch: a line per definition, then the
    return."""
    constants: set[str] = set()
    steps = []
    for d in definitions:
        frag = _torch_fragment(d.value, frozenset(constants))
        if frag.const:
            constants.add(d.name)
        steps.append(f"    {python_name(d.name)} = {frag.text}")
    body = torch_expression(tree, frozenset(constants))
    if uses_x is None:
        uses_x = fold(tree, lambda n, k: isinstance(n, Var) or any(k))
    if not uses_x:
        words = "x" if inputs == (VARIABLE,) else "its inputs"
        body = f"{body} + 0 * {python_name(inputs[0])}  # the function does not depend on {words}"
    signature = ", ".join(python_name(n) for n in (*inputs, *params))
    return [f"def f({signature}):", *steps, f"    return {body}"]


def pytorch_source(
    tree: Node,
    params: tuple[str, ...],
    x: float = 2.0,
    values: Mapping[str, float] | None = None,
    definitions: Sequence[Definition] = (),
    *,
    uses_x: bool | None = None,
    tail: Sequence[str] | None = None,
    inputs: tuple[str, ...] = (VARIABLE,),
    point: Mapping[str, float] | None = None,
    mode: str = "reverse",
    seed: str = "x",
) -> str:
    """A small, runnable PyTorch program that computes the function and its derivatives, at the
    point (x, or a value for each input) and the given parameter values (1.0 for those not
    given, as everywhere): by reverse mode (backward), or with mode="forward" by forward mode,
    one torch.func.jvp pass per input, and the pass seeded on `seed` ("x": the first input)
    again with the dual numbers of torch.autograd.forward_ad. Definitions are lines of f.
    ``tail`` replaces what follows ``y = f(...)`` in reverse mode (the backward call and
    prints); with an input called y the result is ``out``."""
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode is 'reverse' or 'forward', not {mode!r}")
    values = values or {}
    point = dict(point) if point is not None else {inputs[0]: float(x)}
    names = [python_name(n) for n in (*inputs, *params)]
    lines = ["import math", "", "import torch"]
    if mode == "forward":
        lines += ["import torch.autograd.forward_ad as fwAD", "from torch.func import jvp"]
    lines += ["", ""]
    lines += pytorch_function(tree, inputs, params, definitions, uses_x=uses_x)
    lines += ["", ""]
    grad = ", requires_grad=True" if mode == "reverse" else ""
    for name in (*inputs, *params):
        value = float(point.get(name, 0.0)) if name in inputs else float(values.get(name, 1.0))
        lines.append(f"{python_name(name)} = torch.tensor({value!r}, dtype=torch.float64{grad})")
    if mode == "forward":
        seed = inputs[0] if seed == "x" else seed
        return "\n".join(lines + _forward_lines(names, python_name(seed))) + "\n"
    result = "out" if "y" in inputs else "y"
    lines.append(f"{result} = f({', '.join(names)})")
    if tail is None:
        shown = ", ".join(inputs)
        tail = [f"{result}.backward()", f'print("f({shown}) =", {result}.item())']
        tail += [f'print("df/d{name} =", {name}.grad.item())' for name in names]
    lines.extend(tail)
    return "\n".join(lines) + "\n"


def _forward_lines(inputs: list[str], seed: str) -> list[str]:
    """Forward mode: one jvp per input, its tangent 1 on that input and 0 on the others; then
    the pass the graph shows (seeded on `seed`) with dual numbers."""
    args = ", ".join(inputs) + ("," if len(inputs) == 1 else "")
    lines = [
        f"inputs = ({args})",
        "",
        "",
        "def seeded(k):",
        '    """Tangents for one forward pass: 1 on input k, 0 on every other input."""',
        "    return tuple(torch.ones_like(v) if i == k else torch.zeros_like(v)"
        " for i, v in enumerate(inputs))",
        "",
        "",
        f"# Forward mode: one pass per input ({len(inputs)} here); reverse mode needs one in all.",
    ]
    for k, name in enumerate(inputs):
        target = "y" if k == 0 else "_"
        lines.append(f"{target}, df_d{name} = jvp(f, inputs, seeded({k}))")
    lines.append('print("f(x) =", y.item())')
    lines += [f'print("df/d{name} =", df_d{name}.item())' for name in inputs]
    duals = ", ".join(
        f"fwAD.make_dual({n}, torch.ones_like({n}))" if n == seed else n for n in inputs
    )
    lines += [
        "",
        f"# The pass seeded on {seed} with dual numbers: every value carries its tangent.",
        "with fwAD.dual_level():",
        f"    value, tangent = fwAD.unpack_dual(f({duals}))",
        f'    print("dual numbers: f =", value.item(), "and df/d{seed} =", tangent.item())',
    ]
    return lines
