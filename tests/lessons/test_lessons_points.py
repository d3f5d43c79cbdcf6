"""Points of interest against independent oracles: sympy's exact real roots of polynomials
(with multiplicities) and of their derivatives, sympy's nsolve for transcendental equations,
and closed forms (kπ, 1/(kπ), cos((2k − 1)π/10)) written here. Each case is one of the ways
other calculators get this wrong: a pole taken for a root, a double root missed by bracketing,
x³ called an extremum, a root on a scan node found twice, a kink's extremum missed, relu's
zeros reported a thousand times, sin(1/x) flooding the plot."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from gradexplorer.expr import parse
from gradexplorer.lessons.points import (
    DOMAIN_END,
    DOUBLE_ROOT,
    HOLE,
    INFLECTION,
    JUMP,
    MAXIMUM,
    MINIMUM,
    PLATEAU,
    POLE,
    ROOT,
    STATIONARY_INFLECTION,
    Y_INTERCEPT,
    ZEROS,
    find_points,
    wider,
)

X = sp.Symbol("x", real=True)
SINGLE = (ROOT, DOUBLE_ROOT, MINIMUM, MAXIMUM, INFLECTION, STATIONARY_INFLECTION, POLE, JUMP)


def _sign(expr: sp.Expr, x: float) -> int:
    v = sp.N(expr.subs(X, sp.Float(x, 40)), 30)
    return 0 if v == 0 else (1 if v > 0 else -1)


def _changes_sign(expr: sp.Expr, r: float, h: float = 1e-6) -> bool:
    return _sign(expr, r - h) * _sign(expr, r + h) < 0


def polynomial_oracle(expr: sp.Expr, lo: float, hi: float) -> dict[str, list[float]]:
    """Every point kind of a polynomial, from sympy's exact real roots of f, f′ and f″."""
    d1, d2 = sp.diff(expr, X), sp.diff(expr, X, 2)

    def real_roots(e: sp.Expr) -> dict[float, int]:
        found: dict[float, int] = {}
        if sp.degree(e, X) < 1:
            return found
        for r in sp.Poly(e, X).real_roots():
            v = float(r)
            if lo <= v <= hi:
                found[v] = found.get(v, 0) + 1
        return found

    out: dict[str, list[float]] = {k: [] for k in SINGLE}
    for r, m in real_roots(expr).items():
        out[DOUBLE_ROOT if m == 2 else ROOT].append(r)
    for r in real_roots(d1):
        if _changes_sign(d1, r):
            out[MINIMUM if _sign(d1, r + 1e-6) > 0 else MAXIMUM].append(r)
    for r in real_roots(d2):
        if _changes_sign(d2, r):
            flat = abs(float(d1.subs(X, r))) < 1e-12
            out[STATIONARY_INFLECTION if flat else INFLECTION].append(r)
    return {k: sorted(v) for k, v in out.items()}


def nsolved(expr: sp.Expr, guesses: list[float]) -> list[float]:
    return sorted(float(sp.nsolve(expr, X, g, prec=30)) for g in guesses)


def check(found, expected: dict[str, list[float]], width: float, only: bool = True) -> None:
    """The x of every point of each expected kind; with only=True, no other points of the
    single-point kinds (a pole reported as a root fails here)."""
    kinds = set(expected) | (set(SINGLE) if only else set())
    for kind in kinds:
        xs = sorted(p.x for p in found.points if p.kind == kind)
        want = sorted(expected.get(kind, []))
        assert len(xs) == len(want), f"{kind}: found {xs}, expected {want}"
        np.testing.assert_allclose(xs, want, rtol=1e-9, atol=1e-9 * width, err_msg=kind)


def points(text: str, lo: float = -5.0, hi: float = 5.0, **params: float):
    return find_points(parse(text), params, lo, hi)


# (typed, sympy, lo, hi, params): polynomials, every kind from sympy's exact roots
POLYNOMIALS = [
    ("x^2 + 3x", X**2 + 3 * X, -5, 5, {}),
    ("(x - 1)^2", (X - 1) ** 2, -5, 5, {}),
    ("x^2 - 2x + 1", X**2 - 2 * X + 1, -4.3, 5.1, {}),  # rounding may give −2e-16 at 1
    ("x^3", X**3, -5, 5, {}),
    ("x^3 on an asymmetric range", X**3, -4.3, 5.1, {}),
    ("x^4", X**4, -5, 5, {}),
    ("x^5 - 5x^3 + 4x", X**5 - 5 * X**3 + 4 * X, -3, 3, {}),
    ("16x^5 - 20x^3 + 5x", 16 * X**5 - 20 * X**3 + 5 * X, -1, 1, {}),
    ("(x-1)(x-2)(x-3)(x-4)(x-5)(x-6)", sp.prod([X - k for k in range(1, 7)]), 0, 7, {}),
    ("x^2 - a", X**2 - sp.Rational(1, 10**6), -5, 5, {"a": 1e-6}),  # roots about to merge
    ("x^2 - a", X**2, -5, 5, {"a": 0.0}),  # merged: a double root
    ("x^2 - a", X**2 + 1, -5, 5, {"a": -1.0}),  # gone
    ("x^3 - 3x + a", X**3 - 3 * X + 2, -4, 4, {"a": 2.0}),  # (x − 1)²(x + 2)
    ("(x - 20)^2", (X - 20) ** 2, -5, 5, {}),  # its minimum lies outside the view
    ("x^3 - x", X**3 - X, -2, 2, {}),
]


@pytest.mark.parametrize(
    ("text", "expr", "lo", "hi", "params"),
    POLYNOMIALS,
    ids=[f"{t} {p}" if p else t for t, _, _, _, p in POLYNOMIALS],
)
def test_polynomials_against_sympy_real_roots(text, expr, lo, hi, params) -> None:
    typed = text.removesuffix(" on an asymmetric range")
    found = find_points(parse(typed), params, lo, hi)
    check(found, polynomial_oracle(expr, lo, hi), hi - lo)
    for p in found.of_kind(ROOT, DOUBLE_ROOT):
        assert abs(p.y) <= 1e-12 * max(1.0, max(abs(lo), abs(hi)) ** 6)


def test_a_double_root_is_named_with_both_derivatives() -> None:
    (p,) = points("(x - 1)^2").of_kind(DOUBLE_ROOT)
    assert (p.x, p.y, p.slope, p.multiplicity) == (1.0, 0.0, 0.0, 2)
    assert "f and f′ both vanish" in p.why


def test_x_cubed_is_a_stationary_inflection_not_an_extremum() -> None:
    found = points("x^3")
    assert found.of_kind(MINIMUM, MAXIMUM) == []
    (p,) = found.of_kind(STATIONARY_INFLECTION)
    assert p.x == 0.0 and p.slope == 0.0
    (root,) = found.of_kind(ROOT)
    assert root.multiplicity == 3


def test_a_root_on_a_scan_node_is_found_once() -> None:
    """x = 0 is a node of the symmetric scan: sin has one root there, not one per side."""
    found = points("sin(x)")
    assert [p.x for p in found.of_kind(ROOT)] == pytest.approx([-math.pi, 0.0, math.pi])
    assert [p.x for p in found.of_kind(ROOT) if p.x == 0.0] == [0.0]


def test_extrema_outside_the_view_need_the_wider_search() -> None:
    assert points("(x - 20)^2").of_kind(MINIMUM) == []
    lo, hi = wider(-5, 5)
    assert (lo, hi) == (-50, 50)
    (p,) = points("(x - 20)^2", lo, hi).of_kind(MINIMUM)
    assert p.x == pytest.approx(20.0, rel=1e-14)


# Functions with breaks: (typed, lo, hi, expected kinds and x from closed forms or nsolve)
pi = math.pi
BREAKS: list[tuple[str, float, float, Callable[[], dict[str, list[float]]]]] = [
    # tan: roots kπ, poles π/2 + kπ, inflections at the roots; never a root at a pole
    (
        "tan(x)",
        -4.5,
        4.5,
        lambda: {ROOT: [-pi, 0.0, pi], POLE: [-pi / 2, pi / 2], INFLECTION: [-pi, 0.0, pi]},
    ),
    (
        "x/(x^2 - 6)",
        -5,
        5,
        lambda: {ROOT: [0.0], POLE: [-math.sqrt(6), math.sqrt(6)], INFLECTION: [0.0]},
    ),
    # x tan x touches 0 at 0 (≈ x²) and has inflections where sympy says
    (
        "x tan(x)",
        -3,
        3,
        lambda: {
            DOUBLE_ROOT: [0.0],
            MINIMUM: [0.0],
            POLE: [-pi / 2, pi / 2],
            INFLECTION: nsolved(sp.diff(X * sp.tan(X), X, 2), [-2.8, 2.8]),
        },
    ),
    ("1/x", -4.3, 5.1, lambda: {POLE: [0.0]}),
    ("1/x^2", -4.3, 5.1, lambda: {POLE: [0.0]}),  # one sign on both sides: no sign change
    ("ln(|x|)", -4.3, 5.1, lambda: {ROOT: [-1.0, 1.0], POLE: [0.0]}),
    ("|x|", -5, 5, lambda: {ROOT: [0.0], MINIMUM: [0.0]}),  # a kink: f′ has no zero
    ("|x - 1| - 2", -4.3, 5.1, lambda: {ROOT: [-1.0, 3.0], MINIMUM: [1.0]}),
    ("x |x|", -5, 5, lambda: {ROOT: [0.0], STATIONARY_INFLECTION: [0.0]}),  # f″ jumps
    (
        "sin(x)/x",
        -4.3,
        5.1,
        lambda: {
            ROOT: [-pi, pi],
            HOLE: [0.0],
            MINIMUM: nsolved(sp.tan(X) - X, [4.49]),
            INFLECTION: nsolved(sp.diff(sp.sin(X) / X, X, 2), [-2.08, 2.08]),
        },
    ),
    ("x/|x|", -4.3, 5.1, lambda: {JUMP: [0.0]}),
    # relu's kinks: extrema where f′ jumps from one sign to the other and never vanishes
    ("relu(x) - relu(2x - 2)", -4.3, 5.1, lambda: {ROOT: [2.0], MAXIMUM: [1.0]}),
    ("x - 2 relu(x)", -5, 5, lambda: {ROOT: [0.0], MAXIMUM: [0.0]}),
    ("relu(1 - x^2)", -3, 3, lambda: {MAXIMUM: [0.0]}),  # zeros on |x| ≥ 1 are intervals
    ("max(x, 1 - x)", -4, 4, lambda: {MINIMUM: [0.5]}),
    (
        "sin(x) e^(-x/5)",
        -5,
        10,
        lambda: {
            ROOT: [-pi, 0.0, pi, 2 * pi, 3 * pi],
            MAXIMUM: nsolved(sp.tan(X) - 5, [-4.9, 1.37, 7.65]),
            MINIMUM: nsolved(sp.tan(X) - 5, [-1.77, 4.51]),
            INFLECTION: nsolved(
                sp.diff(sp.sin(X) * sp.exp(-X / 5), X, 2), [-3.3, -0.2, 2.94, 6.08, 9.22]
            ),
        },
    ),
    # f′ = −sin x − 1 ≤ 0 only touches 0, where f″ = −cos x changes sign: no extremum at all
    (
        "cos(x) - x",
        -5,
        5,
        lambda: {
            ROOT: nsolved(sp.cos(X) - X, [0.74]),
            STATIONARY_INFLECTION: [-pi / 2, 3 * pi / 2],
            INFLECTION: [-3 * pi / 2, pi / 2],
        },
    ),
    ("sigmoid(x)", -5, 5, lambda: {INFLECTION: [0.0]}),
    ("e^(-x^2)", -40, 40, lambda: {MAXIMUM: [0.0], INFLECTION: [-(0.5**0.5), 0.5**0.5]}),
    ("x^x", -5, 5, lambda: {MINIMUM: [math.exp(-1)]}),
]


@pytest.mark.parametrize(("text", "lo", "hi", "expected"), BREAKS, ids=[b[0] for b in BREAKS])
def test_functions_that_break_against_closed_forms_and_nsolve(text, lo, hi, expected) -> None:
    check(points(text, lo, hi), expected(), hi - lo)


def test_a_pole_is_never_a_root_and_says_what_f_does_on_both_sides() -> None:
    found = points("x/(x^2 - 6)")
    assert all(abs(abs(p.x) - math.sqrt(6)) > 1e-3 for p in found.of_kind(ROOT))
    right = next(p for p in found.of_kind(POLE) if p.x > 0)
    assert (right.left, right.right) == (-math.inf, math.inf)
    assert math.isnan(right.y)


def test_the_domain_ends() -> None:
    ends = points("sqrt(x)").of_kind(DOMAIN_END)
    assert [(p.x, p.y) for p in ends] == [(0.0, 0.0)]
    assert [p.x for p in points("sqrt(x)").of_kind(ROOT)] == [0.0]
    (ln_end,) = points("ln(x)").of_kind(DOMAIN_END)
    assert (ln_end.x, ln_end.y) == (0.0, -math.inf) and "−∞" in ln_end.why
    circle = points("sqrt(1 - x^2)")
    assert [p.x for p in circle.of_kind(DOMAIN_END)] == pytest.approx([-1.0, 1.0], abs=1e-12)
    assert [p.x for p in circle.of_kind(ROOT)] == pytest.approx([-1.0, 1.0], abs=1e-12)
    arcsine = points("asin(x)").of_kind(DOMAIN_END)
    assert [p.y for p in arcsine] == pytest.approx([-pi / 2, pi / 2], rel=1e-7)
    (power,) = points("x^x").of_kind(DOMAIN_END)  # 0⁰ = 1: the domain ends at 0, included
    assert (power.x, power.y) == (0.0, 1.0)


def test_jumps_holes_and_their_limits() -> None:
    (jump,) = points("x/|x|", -4.3, 5.1).of_kind(JUMP)
    assert (jump.left, jump.right) == pytest.approx((-1.0, 1.0), abs=1e-9)
    (hole,) = points("sin(x)/x").of_kind(HOLE)
    assert hole.x == 0.0 and hole.left == pytest.approx(1.0) and math.isnan(hole.y)


def test_intervals_of_zeros_and_plateaus_are_intervals() -> None:
    found = points("relu(x)")
    (zeros,) = found.of_kind(ZEROS)
    assert (zeros.x, zeros.end) == (-5.0, 0.0)
    assert found.of_kind(ROOT) == []  # not a thousand points
    clamp = points("relu(x - 1) - relu(x - 3)")
    assert [(p.x, p.end, p.y) for p in clamp.of_kind(ZEROS)] == [(-5.0, 1.0, 0.0)]
    assert [(p.x, p.end, p.y) for p in clamp.of_kind(PLATEAU)] == [(3.0, 5.0, 2.0)]
    steps = points("x/|x|", -4.3, 5.1).of_kind(PLATEAU)
    assert [(p.x, p.end, p.y) for p in steps] == [(-4.3, 0.0, -1.0), (0.0, 5.1, 1.0)]
    # e^(−x²) underflows to exactly 0 beyond |x| = 27: that is not an interval of zeros
    assert points("e^(-x^2)", -40, 40).of_kind(ZEROS) == []


def test_sin_of_one_over_x_shows_a_sensible_number_and_counts_the_rest() -> None:
    found = points("sin(1/x)")
    positive = sorted((p.x for p in found.of_kind(ROOT) if p.x > 0), reverse=True)
    assert len(positive) >= 1  # the roots 1/(kπ) far enough apart to tell, then "more"
    truth = [1 / (k * pi) for k in range(1, len(positive) + 1)]
    np.testing.assert_allclose(positive, truth, rtol=1e-12)
    assert len(found.points) <= 80 and found.hidden > 20
    assert -0.2 < found.hidden_from < 0 < found.hidden_to < 0.2
    # zoomed in, the next ones are resolved, and again "more" near 0
    near = find_points(parse("sin(1/x)"), {}, 0.05, 0.2)
    truth = sorted(1 / (k * pi) for k in range(2, 7))
    np.testing.assert_allclose(sorted(p.x for p in near.of_kind(ROOT)), truth, rtol=1e-12)


def test_the_y_intercept() -> None:
    (p,) = points("x^2 + 3x - 4").of_kind(Y_INTERCEPT)
    assert (p.x, p.y) == (0.0, -4.0)
    assert points("x^2", 1, 3).of_kind(Y_INTERCEPT) == []
    assert points("1/x").of_kind(Y_INTERCEPT) == []


def test_every_number_is_the_engine_s() -> None:
    """y, f′ and f″ of each point are what the app's own evaluation gives there."""
    e = parse("sin(x) e^(-x/5)")
    for p in find_points(e, {}, -5, 10).points:
        at = e.at(p.x)
        assert p.y == pytest.approx(at.value, abs=1e-15)
        assert p.slope == pytest.approx(at.derivative, rel=1e-12, abs=1e-15)
        assert p.curvature == pytest.approx(at.second_derivative, rel=1e-12, abs=1e-14)


def test_navigation_and_json() -> None:
    found = points("x^2 + 3x")
    assert found.next_after(-4.0) == -3.0 and found.next_after(-3.0) == -1.5
    assert found.next_after(0.0) is None and found.next_after(0.0, -1) == -1.5
    data = found.to_dict()
    assert data["points"][0] == {
        "kind": "root",
        "x": -3.0,
        "y": 0.0,
        "slope": -3.0,
        "curvature": 2.0,
        "multiplicity": 1,
        "why": "f changes sign; f′ = -3",
    }
    assert "more" not in data
    interval = points("relu(x)").to_dict()["points"][0]
    assert (interval["kind"], interval["from"], interval["to"]) == ("zeros", -5.0, 0.0)
    assert points("ln(x)").to_dict()["points"][0]["y"] is None  # -inf: JSON has no word for it


def test_bad_ranges_are_refused() -> None:
    for lo, hi in ((1.0, 1.0), (2.0, 1.0), (-math.inf, 0.0), (0.0, math.nan)):
        with pytest.raises(ValueError):
            points("x", lo, hi)
    # too narrow for distinct samples: x² − 1 over 1..1 + 1e-15 was "a plateau, f′ = 0", and
    # over ±1e-320 the noise estimate raised ZeroDivisionError
    for lo, hi in ((1.0, 1.0 + 1e-15), (-1e-320, 1e-320), (0.0, 5e-324), (1e10, 1e10 + 1e-3)):
        with pytest.raises(ValueError, match="too narrow to search"):
            points("x^2 - 1", lo, hi)


def test_narrow_ranges_that_can_be_searched_are() -> None:
    # a thousandth of a millionth wide: the root of x² − 1 at 1 is found, with f′ = 2
    found = points("x^2 - 1", 1.0 - 1e-7, 1.0 + 1e-7).points
    assert [(p.kind, p.x) for p in found] == [("root", 1.0)]
    assert found[0].slope == pytest.approx(2.0)
    tiny = points("x^2 - 1e-200", -1e-99, 1e-99).points  # roots at ±1e-100
    assert [p.kind for p in tiny] == ["root", "minimum", "y-intercept", "root"]
    xs = [p.x for p in tiny]
    assert xs == pytest.approx([-1e-100, 0.0, 0.0, 1e-100], rel=1e-9, abs=1e-115)
