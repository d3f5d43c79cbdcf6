"""Where a function has no value, it has no derivatives either, whatever IEEE says about the
last operation (nan⁰ = 1, 1^nan = 1, (−∞)^(−1.5) = 0); and the reason is worded for a student.

Oracle: the domain of each function, by hand (ln needs a positive argument, a division by zero
is a pole, a negative base needs an integer exponent)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradexplorer.expr import parse


@pytest.mark.parametrize(
    ("text", "x", "words"),
    [
        ("ln(x)^0", -1.0, "ln needs a positive argument (ln(-1))"),
        ("1^ln(x)", -1.0, "ln needs a positive argument"),
        ("sqrt(x)^0 + x", -1.0, "√ needs an argument ≥ 0 (√(-1))"),
        ("(-1/x^2)^(-1.5)", 0.0, "division by zero: a pole at x = 0"),
        ("1/x", 0.0, "a pole at x = 0"),
        ("ln(x)", -2.0, "ln needs a positive argument (ln(-2))"),
        ("ln(x)", 0.0, "ln(0) is −∞"),
        ("asin(x)", 2.0, "asin needs an argument between −1 and 1"),
        ("acos(x/4)", 8.0, "acos needs an argument between −1 and 1"),
        ("x^0.5", -4.0, "a negative number to a fractional power"),
        ("0^x", -1.0, "a pole"),
        # 0/0, not "a pole": a hole (sin(x)/x, x/x) or a pole (x/x²) by the limits, not the
        # numbers at the point
        ("sin(x)/x", 0.0, "0/0 has no value at x = 0: both sides of the division are 0"),
        ("x/x", 0.0, "0/0 has no value at x = 0"),
        ("(x - 1)/(x^2 - 1)", 1.0, "0/0 has no value at x = 1"),
        ("x/x^2", 0.0, "0/0 has no value at x = 0"),
        ("(x + 1)/(x^2 - 1)", 1.0, "division by zero: a pole at x = 1"),
        ("exp(-1/x^2)", 0.0, "division by zero"),
        ("max(ln(x), 0)", -1.0, "ln needs a positive argument"),  # max(nan, 0) would say 0
    ],
)
def test_undefined_somewhere_inside_is_undefined_everywhere(text, x, words):
    p = parse(text).at(x, trace=True)
    assert math.isnan(p.value) and math.isnan(p.derivative) and math.isnan(p.second_derivative)
    assert all(math.isnan(g) for g in p.gradient.values())
    assert words in p.reason
    # the graph agrees: every gradient in the trace is undefined too, but the seed: the
    # output's gradient is ∂f/∂f = 1 whenever the pass ran
    out = p.trace.node(p.trace.output)
    assert float(out.grad) == 1.0
    assert all(n.grad is None or np.isnan(n.grad) for n in p.trace.nodes if not n.is_output)


@pytest.mark.parametrize(
    ("text", "x", "value", "slope"),
    [
        ("x^0", 0.0, 1.0, 0.0),  # 0⁰ = 1 is a value (PyTorch's too), not a pole
        ("x^2", 0.0, 0.0, 0.0),
        ("(-8)^(1/3) * 0 + x", 1.0, math.nan, math.nan),  # a constant without a value counts
        ("(-2)^3 + x", 1.0, -7.0, 1.0),  # integer powers of negatives are fine
        ("exp(-x)", 30.0, math.exp(-30.0), -math.exp(-30.0)),
    ],
)
def test_defined_points_keep_their_values(text, x, value, slope):
    p = parse(text).at(x)
    if math.isnan(value):
        assert math.isnan(p.value)
    else:
        assert p.value == pytest.approx(value, rel=1e-15) and p.reason is None
        assert p.derivative == pytest.approx(slope, rel=1e-12, abs=1e-300)


def test_an_overflow_inside_is_a_value_but_its_slope_may_not_be():
    """1/(1 + e^(−x)) at −800: e^800 overflows, its reciprocal is 0 — a value; the slope is
    inf/inf there, and says so instead of pretending."""
    p = parse("1/(1 + e^(-x))").at(-800.0)
    assert p.value == 0.0 and p.reason is None
    assert math.isnan(p.derivative)
    assert p.derivative_reason.startswith("f′ has no value here: the chain rule meets ∞ × 0")


def test_a_vertical_tangent_and_an_overflow_are_named():
    p = parse("sqrt(x)").at(0.0)
    assert p.value == 0.0 and p.reason is None
    assert p.derivative == math.inf and p.derivative_reason == "vertical tangent: f′ is infinite"
    big = parse("exp(x)").at(1000.0)
    assert big.value == math.inf and "overflows" in big.reason


def test_the_sampled_curve_has_gaps_exactly_where_the_function_has_no_value():
    xs = np.array([-2.0, -1.0, -0.0, 0.5, 2.0])
    s = parse("sqrt(x)^0 + x").sample(xs)
    np.testing.assert_array_equal(np.isnan(s.value), [True, True, False, False, False])
    np.testing.assert_array_equal(s.value[2:], 1.0 + xs[2:])  # √(−0) = −0 is a value
    assert np.isnan(s.derivative[:2]).all() and (s.derivative[3:] == 1.0).all()
    s = parse("ln(x)^0").sample(np.array([-1.0, 0.0, 3.0]))
    np.testing.assert_array_equal(s.value, [math.nan, math.nan, 1.0])


@pytest.mark.parametrize(
    ("text", "x", "says"),
    [
        ("sqrt(x) * x", 0.0, "∞ × 0 (the local derivative of √ is ∞ at 0)"),
        ("sqrt(x)^3", 0.0, "∞ × 0 (the local derivative of √ is ∞ at 0)"),
        ("sqrt(x^2)", 0.0, "∞ × 0 (∞ reaches ^; the local derivative of ^ is 0)"),
        ("1/(1 + e^(-x))", -800.0, "∞ × 0 (the local derivative of ^ is ∞ at 800)"),
    ],
)
def test_a_slope_without_a_value_says_where_the_chain_rule_broke(text, x, says):
    """f has a value, its backward pass none: the first factor, from the output, that turned
    the gradient into nan is named (almost always ∞ × 0)."""
    for trace in (False, True):  # the command line asks without a trace, the window with one
        p = parse(text).at(x, trace=trace)
        assert math.isfinite(p.value) and math.isnan(p.derivative)
        assert p.derivative_reason == f"f′ has no value here: the chain rule meets {says}"


def test_an_overflow_inside_an_undefined_value_is_named():
    p = parse("exp(x) - exp(x)").at(800.0)
    assert math.isnan(p.value)
    assert p.reason == "− has no value here: its inputs are ∞ and ∞, after an overflow inside"
