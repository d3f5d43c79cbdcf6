"""What a parsed expression shows back: canonical text, pretty form, parameters, PyTorch code."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

import gradexplorer.expr
from gradexplorer.expr import parse
from gradexplorer.expr.nodes import BinOp, Call, Num, Param

CANONICAL = [
    ("a x^2 + 3x", "a*x^2 + 3*x"),
    ("3x", "3*x"),
    ("1/2x", "(1/2)*x"),
    ("sin^2(x)", "sin(x)^2"),
    ("sin²x", "sin(x)^2"),
    ("2^3^2", "2^3^2"),
    ("(2^3)^2", "(2^3)^2"),
    ("-x^2", "-x^2"),
    ("(-x)^2", "(-x)^2"),
    ("2^-x^2", "2^-x^2"),
    ("2*-3", "2*-3"),
    ("--x", "--x"),
    ("-(x*y)", "-(x*y)"),
    ("x - (y - 1)", "x - (y - 1)"),
    ("x - (y + 1)", "x - (y + 1)"),
    ("(x - y) - 1", "x - y - 1"),
    ("x/(2*y)", "x/(2*y)"),
    ("|x - 3|", "abs(x - 3)"),
    ("√x", "sqrt(x)"),
    ("π", "pi"),
    ("2e", "2*e"),
    ("2e3", "2000"),
    ("2.50", "2.5"),
    ("1e-10", "1e-10"),
    ("1.5e20", "1.5e+20"),
    ("y = 2x", "2*x"),
    ("sin x cos x", "sin(x)*cos(x)"),
    ("max(x, 0)", "max(x, 0)"),
    ("x ** 2", "x^2"),
    ("3 × x ÷ 2", "3*x/2"),
    ("e^(x)", "e^x"),
]


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_text(text: str, expected: str) -> None:
    e = parse(text)
    assert e.canonical == expected
    assert e.text == text
    again = parse(e.canonical)
    assert again == e and again.canonical == expected


PRETTY = [
    ("a x^2 + 3x", "a x² + 3x"),  # never glued letters: "ax" would not type back
    ("sin^2(x)", "sin²(x)"),
    ("sin(x)^2 + cos(x)^3", "sin²(x) + cos³(x)"),
    ("x^-1", "x⁻¹"),
    ("x^10", "x¹⁰"),
    ("x^0.5", "x^0.5"),
    ("-x", "−x"),
    ("x - 1", "x − 1"),
    ("2 pi x", "2π x"),
    ("alpha x + lambda", "α x + λ"),
    ("|x - 3|", "|x − 3|"),
    ("sqrt(x)", "√x"),
    ("sqrt(x + 1)", "√(x + 1)"),
    ("(x+1)(x-1)", "(x + 1)(x − 1)"),
    ("x*2", "x·2"),
    ("2*3", "2·3"),
    ("a sin(x)", "a sin(x)"),
    ("1/2x", "(1/2)x"),
    # Glued, these would read as a name (xx) or as part of the function's argument (sin(ax)x).
    ("x*x + x", "x·x + x"),
    ("x^2 x", "x²·x"),
    ("sin(a x) x", "sin(a x)·x"),
    ("sin(x)cos(x)", "sin(x)cos(x)"),
    ("(x+1)x", "(x + 1)x"),
    ("e^x", "e^x"),
]


@pytest.mark.parametrize(("text", "expected"), PRETTY)
def test_pretty_form(text: str, expected: str) -> None:
    assert parse(text).pretty == expected


def test_parameters_sorted_latin_then_greek_in_alphabet_order() -> None:
    e = parse("omega + alpha + z + b + beta x + a + k")
    assert e.params == ("a", "b", "k", "z", "alpha", "beta", "omega")
    assert parse("x + e + pi + 2").params == ()
    assert parse("y = c").params == ("c",)  # the y of "y =" is not a parameter
    assert parse("x y").params == ("y",)
    assert parse("alpha").param_symbols == {"alpha": "α"}


def test_tree_and_spans() -> None:
    e = parse("3x + sin(a)")
    tree = e.tree
    assert isinstance(tree, BinOp) and tree.op == "+"
    left, right = tree.left, tree.right
    assert isinstance(left, BinOp) and left.implicit and left.span == (0, 2)
    assert isinstance(left.left, Num) and left.left.value == 3.0
    assert isinstance(right, Call) and right.func == "sin" and right.span == (5, 11)
    assert isinstance(right.args[0], Param) and right.args[0].span == (9, 10)
    # Spelling does not matter for equality; structure does.
    assert parse("3*x+sin (a)") == e
    assert parse("3*x+sin(b)") != e
    assert parse("x - 1 - 1") != parse("x - (1 - 1)")


def test_deep_left_chains_print_without_recursion() -> None:
    text = "+".join(["x"] * 250)
    e = parse(text)
    assert e.canonical == " + ".join(["x"] * 250)
    assert parse(" ".join("x" * 250)).canonical == "*".join(["x"] * 250)
    assert e.at(1.0).value == 250.0


def test_pytorch_source_is_valid_python_and_maps_every_function() -> None:
    e = parse("a sin(x)^2 + log10(x) + log(x) + max(x, 0) + softplus(x) + exp(2) + lambda pi x")
    src = e.to_pytorch()
    ast.parse(src)  # our own generated text, never user text
    assert "def f(x, a, lambda_):" in src
    body = next(line for line in src.splitlines() if line.startswith("    return"))
    assert "a * torch.sin(x)**2" in body
    assert "torch.log10(x)" in body and "torch.log(x)" in body
    assert "torch.maximum(x, torch.tensor(0, dtype=torch.float64))" in body
    assert "torch.nn.functional.softplus(x)" in body
    assert "torch.exp(torch.tensor(2, dtype=torch.float64))" in body
    assert "lambda_ * math.pi * x" in body
    assert "x.grad" in src


def test_pytorch_source_uses_the_given_parameter_values() -> None:
    src = parse("a x + lambda").to_pytorch(x=0.5, params={"a": 2.5, "lambda": -3.0})
    ast.parse(src)
    assert "a = torch.tensor(2.5," in src and "lambda_ = torch.tensor(-3.0," in src
    assert "b = " not in src
    assert "a = torch.tensor(1.0," in parse("a x").to_pytorch()  # not given: 1, as everywhere


def test_pytorch_source_for_a_function_without_x() -> None:
    src = parse("a + 1").to_pytorch(x=0.5)
    ast.parse(src)
    assert "0 * x" in src and "torch.tensor(0.5," in src


def test_pytorch_power_and_sign_precedence_matches_python() -> None:
    # Python agrees with the language on -x**2, 2**-x and right-associative **.
    assert "-x**2" in parse("-x^2").to_pytorch()
    assert "2**-x**2" in parse("2^-x^2").to_pytorch()
    assert "(1 / 2) * x" in parse("1/2x").to_pytorch()


def test_no_eval_exec_compile_or_ast_in_the_language() -> None:
    source_dir = pathlib.Path(gradexplorer.expr.__file__).parent
    forbidden = re.compile(r"(?<![.\w])(eval|exec|compile)\s*\(|^\s*(import|from)\s+ast\b", re.M)
    for path in source_dir.glob("*.py"):
        assert not forbidden.search(path.read_text(encoding="utf-8")), path
