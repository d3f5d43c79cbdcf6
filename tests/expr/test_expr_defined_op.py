"""An op defined with a word is a function of the language at once: the lexer, the parser, the
printers and evaluation all read the vocabulary derived from the op table, not copies.

cube(a) = a³ is defined by this module alone, through the same define_op the table in
gradexplorer/autograd/ops.py uses, and removed after each test. Oracles are closed forms:
cube(x) + 1 at 2 is 9, its derivative 3x² = 12, its second derivative 6x = 12.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor
from gradexplorer.expr import ExprError, parse
from gradexplorer.expr.names import FUNCTIONS, KNOWN, MULTI_LETTER, PYTHON_WORDS

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def cube():
    op = ag.define_op(
        "cube",
        "cube",
        lambda a: a**3,
        lambda F, g, out, a: g * 3 * a * a,
        function="cube",
        method="cube",
        words=("cube",),
        torch="torch.pow({0}, 3)",
    )
    yield op
    if "cube" in ag.OPS:  # a test may have removed it already
        ag.remove_op("cube")


def test_a_new_op_from_the_engine_and_from_the_language(cube) -> None:
    x = Tensor(2.0, requires_grad=True)
    x.cube().backward()
    assert x.grad.item() == 12.0
    assert ag.cube(Tensor(2.0)).item() == 8.0

    p = parse("cube(x) + 1").at(2.0)
    assert (p.value, p.derivative, p.second_derivative) == (9.0, 12.0, 12.0)


def test_a_new_function_is_printed_in_every_form(cube) -> None:
    e = parse("cube(x) + 1")
    assert (e.canonical, e.pretty) == ("cube(x) + 1", "cube(x) + 1")
    assert "    return torch.pow(x, 3) + 1\n" in e.to_pytorch()
    assert parse("cube(2)").to_pytorch().count("torch.pow(torch.tensor(2, dtype=torch.float64), 3)")
    assert parse("cube(x)^2").pretty == "cube²(x)"
    assert parse(e.canonical) == e


def test_a_new_function_reads_like_the_others(cube) -> None:
    assert parse("cube x + 1") == parse("cubex + 1") == parse("cube(x) + 1")  # glued, bare
    assert parse("2 cube(a x)").params == ("a",)
    s = parse("cube(x)").sample(np.array([-1.0, 0.5, 3.0]))
    np.testing.assert_array_equal(s.value, [-1.0, 0.125, 27.0])
    np.testing.assert_array_equal(s.derivative, [3.0, 0.75, 27.0])
    with pytest.raises(ExprError, match="cube takes 1 argument, not 2"):
        parse("cube(x, 2)")


def test_a_new_function_is_a_node_of_the_trace(cube) -> None:
    trace = parse("cube(x)").at(2.0, trace=True).trace
    node = trace.node(trace.output)
    assert (node.op, node.label, float(node.grad)) == ("cube", "cube", 1.0)
    (edge,) = trace.edges_into(0)
    assert float(edge.local) == 12.0


def test_removing_the_op_removes_the_word(cube) -> None:
    assert FUNCTIONS["cube"].arity == 1 and FUNCTIONS["cube"].op == "cube"
    assert "cube" in KNOWN and "cube" in MULTI_LETTER
    ag.remove_op("cube")
    assert "cube" not in FUNCTIONS and "cube" not in KNOWN and "cube" not in MULTI_LETTER
    with pytest.raises(ExprError, match="unknown name cube"):
        parse("cube(x)")


@pytest.mark.parametrize("word", ["pi", "ln", "alpha", "x", "a", "Cube", "cube_3", "sin"])
def test_a_word_the_language_cannot_take_is_refused_with_its_op(word: str) -> None:
    before = (dict(ag.OPS), dict(FUNCTIONS), set(KNOWN), list(MULTI_LETTER), set(PYTHON_WORDS))
    with pytest.raises(ValueError, match="cannot be a function of the expression language"):
        ag.define_op("twice", "2×", lambda a: 2 * a, lambda F, g, out, a: 2 * g, words=(word,))
    assert before == (
        dict(ag.OPS),
        dict(FUNCTIONS),
        set(KNOWN),
        list(MULTI_LETTER),
        set(PYTHON_WORDS),
    )
    assert "twice" not in ag.OPS


def test_a_python_word_becomes_a_name_once_it_is_a_function() -> None:
    # "sum" is refused as Python code until an op gives the language that word.
    with pytest.raises(ExprError, match="not Python code"):
        parse("sum(x)")
    ag.define_op("total", "Σ", np.sum, lambda F, g, out, a: g, words=("sum",))
    try:
        assert parse("sum(x)").at(3.0).value == 3.0
    finally:
        ag.remove_op("total")
    assert "sum" in PYTHON_WORDS


def test_the_function_table_covers_every_op_word_and_the_aliases() -> None:
    words = {w: op for op in ag.OPS.values() for w in op.words}
    assert set(FUNCTIONS) == set(words) | {"ln", "log10", "log2"}
    for word, op in words.items():
        f = FUNCTIONS[word]
        assert (f.op, f.arity, f.torch) == (op.name, op.arity, op.torch)
    assert FUNCTIONS["max"].torch == "torch.maximum"
    assert FUNCTIONS["softplus"].torch == "torch.nn.functional.softplus"
    assert parse("log10(1000)").at(0.0).value == pytest.approx(3.0, rel=1e-15)
    assert parse("ln(x)").at(math.e).value == 1.0
