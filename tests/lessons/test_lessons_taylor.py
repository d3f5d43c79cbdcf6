"""Taylor polynomials (lessons/taylor.py) and the promises of the Taylor lessons, against closed
forms: sin's odd coefficients (−1)ᵏ/(2k+1)!, eˣ's 1/k!, ln(1 + x)'s (−1)ᵏ⁺¹/k, the geometric
series' ones and √x's binomial coefficients; the radius of convergence seen as errors that
grow with the order outside it and shrink inside."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradexplorer.expr import parse
from gradexplorer.lessons.presets import load_preset
from gradexplorer.lessons.taylor import TaylorPolynomial, taylor_polynomial


def poly(text: str, x0: float, n: int) -> TaylorPolynomial:
    return taylor_polynomial(parse(text), {}, x0, n)


def error(text: str, truth, x0: float, n: int, x: float) -> float:
    return abs(float(poly(text, x0, n).values(np.array([x]))[0]) - truth(x))


def fit_width(text: str, truth, n: int, tol: float = 0.01) -> float:
    """How far from 0 the polynomial stays within tol of f (on a grid)."""
    xs = np.linspace(0, 12, 2401)
    bad = np.abs(poly(text, 0.0, n).values(xs) - truth(xs)) > tol
    return float(xs[np.argmax(bad)]) if bad.any() else float(xs[-1])


def binomial(a: float, k: int) -> float:
    return math.prod(a - i for i in range(k)) / math.factorial(k)


def test_the_lessons_open_with_the_polynomial_shown() -> None:
    orders = {"taylor-sine": 3, "taylor-exp": 4, "taylor-log": 8, "taylor-geometric": 6,
              "taylor-sqrt": 4, "tangent-and-parabola": 1}  # fmt: skip
    for name, order in orders.items():
        state = load_preset(name).state
        assert state.taylor.shown and state.taylor.order == order, name


def test_sine_hugs_more_of_the_curve_as_the_order_grows() -> None:
    c = poly("sin(x)", 0.0, 11).coefficients
    truth = [0.0 if k % 2 == 0 else (-1) ** (k // 2) / math.factorial(k) for k in range(12)]
    np.testing.assert_allclose(c, truth, rtol=1e-13, atol=1e-17)
    widths = [fit_width("sin(x)", np.sin, n) for n in (1, 3, 5, 7, 9, 11)]
    assert widths == sorted(widths) and widths[-1] > 3 * widths[0]


def test_exp_coefficients_are_one_over_k_factorial_and_follow_further_out() -> None:
    c = poly("e^x", 0.0, 12).coefficients
    np.testing.assert_allclose(c, [1 / math.factorial(k) for k in range(13)], rtol=1e-14)
    widths = [fit_width("e^x", np.exp, n) for n in (2, 4, 8, 12)]
    assert widths == sorted(widths) and len(set(widths)) == 4


@pytest.mark.parametrize(
    ("text", "truth", "inside", "outside", "coefficient"),
    [
        ("ln(1 + x)", np.log1p, 0.5, 1.5, lambda k: 0.0 if k == 0 else (-1) ** (k + 1) / k),
        ("1/(1 - x)", lambda x: 1 / (1 - x), 0.5, -1.5, lambda k: 1.0),
    ],
)
def test_the_radius_of_convergence_is_visible(text, truth, inside, outside, coefficient) -> None:
    """Inside |x| < 1 each order fits better; outside each fits worse: it peels away."""
    c = poly(text, 0.0, 20).coefficients
    np.testing.assert_allclose(c, [coefficient(k) for k in range(21)], rtol=1e-12, atol=1e-15)
    ins = [error(text, truth, 0.0, n, inside) for n in (4, 8, 12, 16, 20)]
    outs = [error(text, truth, 0.0, n, outside) for n in (4, 8, 12, 16, 20)]
    assert ins == sorted(ins, reverse=True) and ins[-1] < 1e-6
    assert outs == sorted(outs) and outs[-1] > 100 * outs[0]


def test_sqrt_near_zero() -> None:
    """At 1 the coefficients are binomial(1/2, k) and the fit holds on 0 < x < 2 only; at 0
    there is no polynomial of order ≥ 1 (√x has an infinite slope)."""
    c = poly("sqrt(x)", 1.0, 10).coefficients
    np.testing.assert_allclose(c, [binomial(0.5, k) for k in range(11)], rtol=1e-13)
    inside = [error("sqrt(x)", math.sqrt, 1.0, n, 1.8) for n in (2, 6, 10, 14)]
    outside = [error("sqrt(x)", math.sqrt, 1.0, n, 2.6) for n in (2, 6, 10, 14)]
    assert inside == sorted(inside, reverse=True) and outside == sorted(outside)
    at_zero = poly("sqrt(x)", 0.0, 2)
    assert not at_zero.defined and "f′ has no finite value" in at_zero.reason
    assert "is undefined" in at_zero.text() and np.isnan(at_zero.values(np.ones(3))).all()


def test_order_one_is_the_tangent_and_order_two_the_osculating_parabola() -> None:
    e = parse("x^3 - 3x")
    point = e.at(1.5)
    t1 = taylor_polynomial(e, {}, 1.5, 1)
    assert t1.coefficients == (point.value, point.derivative)
    t2 = taylor_polynomial(e, {}, 1.5, 2)
    assert t2.coefficients[2] == pytest.approx(point.second_derivative / 2, rel=1e-14)
    xs = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(t1.values(xs), point.value + point.derivative * (xs - 1.5))


def test_the_approximation_lesson_s_g_is_sines_cubic() -> None:
    state = load_preset("function-and-approximation").state
    g = parse(state.second).taylor(0.0, order=5)
    np.testing.assert_allclose(g[:4], poly("sin(x)", 0.0, 3).coefficients, atol=1e-16)


def test_written_out() -> None:
    assert poly("e^x", 0.0, 3).text() == "T₃(x) = 1 + x + 0.5 x² + 0.166667 x³"
    assert poly("x^2 + 3x", 2.0, 2).text() == "T₂(x) = 10 + 7 (x − 2) + (x − 2)²"
    assert poly("-x^2", -1.0, 2).text() == "T₂(x) = −1 + 2 (x + 1) − (x + 1)²"
    assert poly("x^2", 0.0, 0).text() == "T₀(x) = 0"
    p = poly("sin(x)", 0.0, 12)
    assert p.name() == "T₁₂(x)" and p.order == 12
    assert p.derivatives[3] == pytest.approx(-1.0, rel=1e-15)


def test_orders_outside_the_range_are_refused() -> None:
    with pytest.raises(ValueError, match="order"):
        poly("x", 0.0, 31)
    with pytest.raises(ValueError, match="order"):
        poly("x", 0.0, -1)
