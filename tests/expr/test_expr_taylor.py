"""Taylor coefficients of typed functions, from the engine's Taylor mode, against sympy's
``series`` (exact rational arithmetic) and mpmath's ``taylor`` (numerical differentiation at 40
digits): cₖ = f⁽ᵏ⁾(x₀)/k! up to order 12, relative 1e-9 where the coefficient is not tiny."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from gradexplorer.expr import parse

ORDER = 12
X = sp.Symbol("x")

# typed function -> its sympy form, expanded at x = 0 (each series takes a fraction of a second;
# σ and softplus, slower in sympy, are checked against mpmath below)
AT_ZERO: dict[str, sp.Expr] = {
    "sin(x)": sp.sin(X),
    "e^x": sp.exp(X),
    "ln(1 + x)": sp.log(1 + X),
    "1/(1 - x)": 1 / (1 - X),
    "atan(x)": sp.atan(X),
    "tan(x)": sp.tan(X),
    "tanh(x)": sp.tanh(X),
    "asin(x)": sp.asin(X),
    "acos(x)": sp.acos(X),
    "sqrt(4 + x)": sp.sqrt(4 + X),
    "cos(x) e^x": sp.cos(X) * sp.exp(X),
    "sinh(x) cosh(2x)": sp.sinh(X) * sp.cosh(2 * X),
    "(1 + x)^(1/3)": (1 + X) ** sp.Rational(1, 3),
    "ln(2 + x)/(3 + x)": sp.log(2 + X) / (3 + X),
    "x^5 - 3x^2 + 2": X**5 - 3 * X**2 + 2,
}


def _sympy_coefficients(expr: sp.Expr) -> list[float]:
    series = sp.series(expr, X, 0, ORDER + 1).removeO()
    return [float(series.coeff(X, k)) for k in range(ORDER + 1)]


def _close(ours: np.ndarray, truth: list[float]) -> None:
    """Relative 1e-9, except for coefficients that are tiny next to the largest (exact zeros of
    an odd or even function come out as ~1e-17)."""
    truth_arr = np.array(truth)
    tiny = 1e-12 * max(1.0, float(np.max(np.abs(truth_arr))))
    np.testing.assert_allclose(ours, truth_arr, rtol=1e-9, atol=tiny)


@pytest.mark.parametrize("text", list(AT_ZERO))
def test_coefficients_at_zero_match_sympy_series(text: str) -> None:
    ours = parse(text).taylor(0.0, order=ORDER)
    assert ours.shape == (ORDER + 1,)
    _close(ours, _sympy_coefficients(AT_ZERO[text]))


# typed function, mpmath form, x₀: every op of the language away from 0, parameters included
ELSEWHERE = [
    (
        "sin(x) e^(-x^2/3) + ln(1 + x^2)/(2 + cos(x))",
        lambda x: mp.sin(x) * mp.exp(-(x**2) / 3) + mp.log(1 + x**2) / (2 + mp.cos(x)),
        0.7,
    ),
    ("(1 + x^2)^sin(x)", lambda x: (1 + x**2) ** mp.sin(x), 0.7),
    ("sqrt(x) + x^2.5 - x^(-1.5)", lambda x: mp.sqrt(x) + x**2.5 - x ** (-1.5), 1.3),
    ("acos(x/2) asin(x/3)", lambda x: mp.acos(x / 2) * mp.asin(x / 3), -0.8),
    ("tan(x)^2", lambda x: mp.tan(x) ** 2, 1.2),
    ("sigmoid(3x) softplus(-x)", lambda x: 1 / (1 + mp.exp(-3 * x)) * mp.log(1 + mp.exp(-x)), 0.4),
    ("tanh(x) cosh(x) - sinh(x^2)", lambda x: mp.tanh(x) * mp.cosh(x) - mp.sinh(x**2), -1.1),
    ("|x| x + relu(x)^3", lambda x: abs(x) * x + max(x, 0) ** 3, -0.6),
    ("max(x, 1) sin(x) + min(x^2, 2)", lambda x: max(x, 1) * mp.sin(x) + min(x**2, 2), 1.7),
    ("log10(x) + log2(x) + 2^x", lambda x: mp.log10(x) + mp.log(x, 2) + 2**x, 3.0),
    ("atan(1/x)", lambda x: mp.atan(1 / x), 0.5),
    ("sigmoid(x)", lambda x: 1 / (1 + mp.exp(-x)), 30.0),  # σ′ needs no cancellation here
    ("tanh(x)", mp.tanh, 21.0),
    ("(-x)^3 - (x - 2)^(-2)", lambda x: (-x) ** 3 - (x - 2) ** (-2), -1.5),
]


@pytest.mark.parametrize(("text", "f", "x0"), ELSEWHERE, ids=[t for t, _, _ in ELSEWHERE])
def test_coefficients_elsewhere_match_mpmath(text, f, x0) -> None:
    mp.mp.dps = 40
    truth = [float(c) for c in mp.taylor(f, mp.mpf(x0), ORDER)]
    _close(parse(text).taylor(x0, order=ORDER), truth)


def test_parameters_are_held_constant() -> None:
    e = parse("a sin(b x)")
    ours = e.taylor(0.0, {"a": 2.0, "b": 3.0}, order=7)
    truth = [
        0.0 if k % 2 == 0 else 2.0 * (-1) ** (k // 2) * 3.0**k / math.factorial(k) for k in range(8)
    ]
    _close(ours, truth)


def test_one_column_per_x() -> None:
    xs = np.array([-0.5, 0.0, 0.25, 2.0])
    both = parse("e^x sin(x)").taylor(xs, order=5)
    assert both.shape == (6, 4)
    for i, x in enumerate(xs):
        np.testing.assert_allclose(both[:, i], parse("e^x sin(x)").taylor(x, order=5), rtol=1e-14)


def test_order_one_is_the_tangent_and_order_two_the_parabola() -> None:
    """c₀ = f, c₁ = f′ and 2c₂ = f″ of the reverse-mode evaluation the app shows."""
    e = parse("x^3 e^(-x) + ln(2 + sin(x))")
    point = e.at(0.9)
    c = e.taylor(0.9, order=2)
    assert c[0] == pytest.approx(point.value, rel=1e-15)
    assert c[1] == pytest.approx(point.derivative, rel=1e-13)
    assert 2 * c[2] == pytest.approx(point.second_derivative, rel=1e-12)


def test_where_f_has_no_value_every_coefficient_is_nan() -> None:
    assert np.isnan(parse("ln(x)").taylor(-1.0, order=4)).all()
    assert np.isnan(parse("1/x").taylor(0.0, order=3)).all()
    # defined, but no derivative: √x at 0 has a vertical tangent
    c = parse("sqrt(x)").taylor(0.0, order=3)
    assert c[0] == 0.0 and math.isinf(c[1])


def test_a_constant_has_zero_higher_coefficients() -> None:
    np.testing.assert_array_equal(parse("2 pi").taylor(1.0, order=3), [2 * math.pi, 0, 0, 0])


def test_large_orders_are_allowed_and_absurd_ones_refused() -> None:
    c = parse("e^x").taylor(0.0, order=30)
    assert c[30] == pytest.approx(1 / math.factorial(30), rel=1e-12)
    with pytest.raises(ValueError):
        parse("x").taylor(0.0, order=-1)
