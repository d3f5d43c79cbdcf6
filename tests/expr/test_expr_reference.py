"""The syntax reference in Help is generated from the language, and every example in it parses
to what it says."""

from __future__ import annotations

import pytest

from gradexplorer.expr import parse
from gradexplorer.expr.names import FUNCTIONS
from gradexplorer.expr.reference import WRITING, constants, functions, greek


@pytest.mark.parametrize(("typed", "meaning"), WRITING)
def test_every_example_of_writing_parses(typed, meaning):
    examples = [t.strip() for t in typed.replace(", not ax", "").split(",")]
    if typed.startswith("√x"):
        examples = ["√x", "π", "x − 1", "2 × x", "x ÷ 2"]
    for text in examples:
        parse(text)


def test_the_meanings_said_are_the_meanings_parsed():
    def same(a: str, b: str) -> bool:
        return all(parse(a).at(x).value == parse(b).at(x).value for x in (-1.5, 0.25, 3.0))

    assert same("1/2x", "x/2") and parse("2^3^2").at(0).value == 2.0**9
    assert parse("sin^2(x)") == parse("(sin(x))^2") and parse("|x - 3|") == parse("abs(x - 3)")
    assert parse("2e3").at(0).value == 2000.0 and parse("y = x^2") == parse("x^2")
    defined = parse("u = x + x; u^2 + 3u")
    assert defined.at(2.0).value == 28.0 and defined.at(2.0).derivative == 22.0  # 2(2u) + 6
    assert "u" not in defined.params  # a defined name is not a parameter


def test_every_function_of_the_language_is_listed_and_callable_as_shown():
    listed = dict(functions())
    assert set(listed) == set(FUNCTIONS)
    for call in listed.values():
        parse(call.replace("a, b", "x, 1"))
    assert ("pi", "π") in constants() and ("alpha", "α") in greek()
