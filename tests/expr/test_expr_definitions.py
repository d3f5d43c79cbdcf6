"""Named intermediate values: "u = x + x; u^2 + 3u".

Oracles: calculus in closed form (d/dx of (2x)² + 3·2x is 8x + 6), the same function written
out without definitions (every use of u replaced by its value in parentheses), and the engine's
own graph (a defined value is one node, used as often as it is written).
"""

from __future__ import annotations

import ast
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_expr_fuzz import FUZZ, _check, _same_numbers

from gradexplorer.expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse
from gradexplorer.expr.parser import parse_program
from gradexplorer.expr.printers import canonical
from gradexplorer.lessons.session import (
    SessionState,
    session_from_json,
    session_from_state_string,
    to_json,
    to_state_string,
)


def test_a_defined_value_is_one_node_used_twice() -> None:
    e = parse("u = x + x; u^2 + 3u")
    assert e.params == ()
    p = e.at(2.0, trace=True)
    assert (p.value, p.derivative, p.second_derivative) == (28.0, 22.0, 8.0)  # 4x²+6x, 8x+6, 8
    tr = p.trace
    inline = parse("(x + x)^2 + 3(x + x)").at(2.0, trace=True).trace
    assert len(inline.nodes) == len(tr.nodes) + 1  # x + x built twice there, once here
    (u,) = [n for n in tr.nodes if n.op == "add" and not n.is_output]
    assert len(tr.edges_into(u.id)) == 2  # its two uses
    assert tr.names == {u.id: "u"}
    assert u.grad == 2 * 4 + 3  # dy/du = 2u + 3 at u = 4


def test_one_definition_per_line_and_blank_lines() -> None:
    a = parse("u = x + x; v = u u; v - u")
    b = parse("u = x + x\n\nv = u u\nv - u\n")
    c = parse("u = x +\n  x\nv = u\n  * u\nv\n  - u")  # a line ending in an operator goes on
    assert a == b == c
    assert a.canonical == "u = x + x; v = u*u; v - u"
    assert a.at(1.5).derivative == pytest.approx(8 * 1.5 - 2)  # 4x² − 2x


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_a_doubling_chain_with_subscripts(n: int) -> None:
    lines = ["b_1 = x + x", *(f"b_{k} = b_{k - 1} + b_{k - 1}" for k in range(2, n + 1))]
    e = parse("; ".join([*lines, f"b_{n}"]))
    p = e.at(0.75, trace=True)
    assert (p.value, p.derivative) == (2**n * 0.75, 2**n)
    assert len(p.trace.nodes) == n + 1  # x and one addition per b_k
    assert p.trace.names == {
        k: f"b{str(k).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉'))}"
        for k in range(1, n + 1)
    }


def test_subscripts_typed_either_way_are_the_same_name() -> None:
    assert parse("u₁ = x x; u₁ + 1") == parse("u_1 = x*x; u_1 + 1")
    e = parse("alpha_2 = a x; alpha_2^2 + alpha")
    assert e.params == ("a", "alpha")  # alpha_2 is a defined name, not a parameter
    assert e.pretty == "α₂ = a x; α₂² + α"
    assert parse(e.canonical) == e


CANONICAL = [
    ("u = x + x; u^2 + 3u", "u = x + x; u^2 + 3*u", "u = x + x; u² + 3u"),
    ("u₁ = x; v = a u₁; v u₁", "u_1 = x; v = a*u_1; v*u_1", "u₁ = x; v = a u₁; v u₁"),
    ("u = 2; y = u x", "u = 2; u*x", "u = 2; u x"),
    ("w = sin x\nw^2 + cos(w)", "w = sin(x); w^2 + cos(w)", "w = sin(x); w² + cos(w)"),
]


@pytest.mark.parametrize(("text", "canonical", "pretty"), CANONICAL)
def test_canonical_and_pretty_forms_carry_the_definitions(text, canonical, pretty) -> None:
    e = parse(text)
    assert (e.canonical, e.pretty) == (canonical, pretty)
    again = parse(e.canonical)
    assert again == e and again.canonical == canonical
    assert parse(e.pretty) == e  # the pretty form types back too
    _same_numbers(e, again)


def test_a_subscripted_name_is_never_glued_to_a_letter_in_the_pretty_form() -> None:
    e = parse("u_1 = x + 1; a u_1 + u_1 x + 2u_1")
    assert e.pretty == "u₁ = x + 1; a u₁ + u₁ x + 2u₁"
    assert parse(e.pretty) == e


def _inlined(text: str) -> str:
    """The same function without definitions: each use replaced by (its value)."""
    program = parse_program(text)
    values: dict[str, str] = {}

    def write(tree) -> str:
        return re.sub(
            r"\b[a-z]+(?:_\d+)?\b", lambda m: values.get(m.group(0), m.group(0)), canonical(tree)
        )

    for d in program.definitions:
        values[d.name] = f"({write(d.value)})"
    return write(program.tree)


CASES = [
    "u = x + x; u^2 + 3u",
    "u = sin(x); v = u u; v/u + exp(v)",
    "a_1 = x - 1; a_2 = a_1 a_1 - a_1; a_3 = a_2 / (1 + a_1^2); a_3 + a_2 + a_1",
    "w = b x + c; tanh(w) + w^3",
    "u = 2x; v = u^2; w = v - u; w/v + sqrt(v)",
]


@pytest.mark.parametrize("text", CASES)
def test_numbers_equal_those_of_the_function_written_out(text: str) -> None:
    e, flat = parse(text), parse(_inlined(text))
    assert e.params == flat.params
    values = dict.fromkeys(e.params, 0.8)
    for x in (-1.3, 0.4, 2.0):
        p, q = e.at(x, values), flat.at(x, values)
        assert p.value == pytest.approx(q.value, rel=1e-12, nan_ok=True)
        assert p.derivative == pytest.approx(q.derivative, rel=1e-12, nan_ok=True)
        assert p.second_derivative == pytest.approx(q.second_derivative, rel=1e-11, nan_ok=True)
        for name in e.params:
            assert p.gradient[name] == pytest.approx(q.gradient[name], rel=1e-12, nan_ok=True)
    s = e.sample([0.5, 1.0, 1.5], values)
    f = flat.sample([0.5, 1.0, 1.5], values)
    assert s.derivative == pytest.approx(f.derivative, rel=1e-12)


ERRORS = [
    # (text, start, end, words in the message, words in the hint)
    ("u = x; u = 2; u", 7, 8, "u is defined twice", "another name"),
    ("u = v + 1; v = 2; u", 4, 5, "v is used before its definition", "move 'v = …'"),
    ("u = u + 1; u", 4, 5, "used in its own definition (a cycle)", "defined before it"),
    ("u = v; v = u; v", 4, 5, "u and v are defined in terms of each other (a cycle)", "before"),
    ("u = 2w; w = 3v; v = u; v", 5, 6, "defined in terms of each other", "before it"),
    ("x = 2; x", 0, 1, "x is the variable: it cannot be defined", "u"),
    ("e = 1; e x", 0, 1, "e is a constant", "u"),
    ("pi = 3; x", 0, 2, "pi is a constant", "u"),
    ("sin = 2; x", 0, 3, "sin is a function", "u"),
    ("u = x; x", 0, 1, "u is defined but never used", "remove 'u = …'"),
    ("u_1 + x", 0, 3, "u₁ is not defined", "u_1 = x + x"),
    ("x_1 = 2; x_1", 0, 3, "x is the variable: it cannot take a subscript", "u_1"),
    ("sin_2 x", 0, 5, "sin is a function: it cannot take a subscript", "u_1"),
    ("U_1 = x; U_1", 0, 3, "unknown name U_1", "lowercase: u_1"),
    ("u₁ = x; u₁x", 8, 11, "unknown name u_1x", "separate the names: u_1 x"),
    ("u = x + x", 2, 3, "defines u, but no expression follows", "u = x + x; u^2"),
    ("u = x;", 5, 6, "the definitions need an expression after them", "after the last ';'"),
    ("u = x;; u", 6, 7, "nothing before this ';'", "remove"),
    ("; x", 0, 1, "nothing before this ';'", "remove"),
    ("u = ; u", 2, 3, "nothing after '='", "u = x + x"),
    ("x + 1; x", 5, 6, "one expression at a time", "u = x + x;"),
    ("f(x) = x^2; f", 10, 11, "one expression at a time", "u = x + x;"),
    ("u = (x; u", 4, 5, "missing ')'", "never closed"),
]


@pytest.mark.parametrize(("text", "start", "end", "message", "hint"), ERRORS)
def test_definition_errors_say_where_and_what_to_do(text, start, end, message, hint) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    err = info.value
    assert message in err.message, err.message
    assert err.hint is not None and hint in err.hint, err.hint
    assert (err.start, err.end) == (start, end), (err.start, err.end)
    assert err.caret().split("\n")[-1] == " " * start + "^" * max(1, end - start)


def test_the_limits_hold_for_the_whole_text() -> None:
    chain = "; ".join(["b_1 = x + x", *(f"b_{k} = b_{k - 1} + b_{k - 1}" for k in range(2, 22))])
    text = chain + "; b_21 + " + "x+" * 200 + "x"
    assert len(text) > MAX_LENGTH
    with pytest.raises(ExprError, match="too long"):
        parse(text)
    # nesting: 40 levels in u, 24 more around it are 64 (accepted), 25 are too many
    u = "u = " + "sin(" * 40 + "x" + ")" * 40
    ok = f"{u}; " + "(" * 24 + "u" + ")" * 24
    assert parse(ok).at(0.3).value == pytest.approx(_nested_sin(0.3, 40))
    deep = f"{u}; " + "(" * 25 + "u" + ")" * 25
    with pytest.raises(ExprError, match="counting the definitions") as info:
        parse(deep)
    assert deep[info.value.start : info.value.end] == "u"
    v = "v = " + "-" * 30 + "u"
    with pytest.raises(ExprError, match="nested too deeply"):
        parse(f"{u}; {v}; " + "(" * MAX_DEPTH + "v" + ")" * MAX_DEPTH)


def _nested_sin(x: float, n: int) -> float:
    for _ in range(n):
        x = math.sin(x)
    return x


def test_pytorch_code_puts_each_definition_on_its_own_line() -> None:
    code = parse("u = x + x; v = 2; u^2 + 3u + sin(v)").to_pytorch(2.0)
    assert "    u = x + x\n    v = 2\n    return u**2 + 3 * u + torch.sin(torch.tensor(v" in code
    ast.parse(code)
    code = parse("b_1 = a x; alpha_1 = b_1^2; alpha_1 + lambda").to_pytorch(1.0, {"a": 2.0})
    assert "    b_1 = a * x\n    alpha_1 = b_1**2\n    return alpha_1 + lambda_\n" in code
    assert "def f(x, a, lambda_):" in code
    ast.parse(code)


def test_sessions_carry_definitions_as_text() -> None:
    state = SessionState(expression="u = x + x\nu^2 + 3u", x=2.0)
    assert session_from_json(to_json(state)) == state
    assert session_from_state_string(to_state_string(state)) == state


def test_a_session_with_a_broken_definition_is_refused() -> None:
    bad = to_json(SessionState(expression="u = x + x", x=2.0))
    with pytest.raises(Exception, match="no expression follows"):
        session_from_json(bad)


# Characters that reach the statements step: names, ';', '=', subscripts, line breaks.
DEFINITION_CHARS = "uvwbx_1₁₂ ;=\n+*()2^sin"


@FUZZ
@given(st.text(alphabet=DEFINITION_CHARS, max_size=40))
def test_definition_shaped_text_only_raises_expr_error(text: str) -> None:
    _check(text)


@st.composite
def programs(draw) -> str:
    """A random program: definitions that each use the one before (and maybe x), then an
    expression that uses the last one twice."""
    n = draw(st.integers(1, 4))
    operand = st.sampled_from(["x", "2", "a", "sin(x)"])
    lines, previous = [], "x"
    for k in range(1, n + 1):
        op = draw(st.sampled_from("+-*"))
        other = draw(st.one_of(operand, st.just(previous)))
        lines.append(f"u_{k} = {previous} {op} {other}")
        previous = f"u_{k}"
    op = draw(st.sampled_from("+*"))
    return "; ".join([*lines, f"{previous} {op} {previous}^2"])


@FUZZ
@given(programs())
def test_random_programs_equal_their_written_out_form(text: str) -> None:
    _check(text)
    e, flat = parse(text), parse(_inlined(text))
    assert parse(e.pretty) == e
    p, q = e.at(0.7, {"a": 1.3}), flat.at(0.7, {"a": 1.3})
    assert p.derivative == pytest.approx(q.derivative, rel=1e-12)
