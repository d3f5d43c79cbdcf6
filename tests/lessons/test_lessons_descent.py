"""Gradient descent: exact iterates against closed forms, and the status a student is shown."""

from __future__ import annotations

import math

import pytest

from gradexplorer.lessons.descent import (
    CONVERGED,
    DIVERGING,
    LR_SCALE,
    NON_FINITE,
    OSCILLATING,
    READY,
    RUNNING,
    Descent,
    LogScale,
    expression_objective,
    lr_from_slider,
    slider_from_lr,
)


def square(x: float) -> tuple[float, float]:
    return x * x, 2 * x


def test_descent_on_square_follows_closed_form() -> None:
    # x ← x − 0.1·2x = 0.8x, so x_k = 3·0.8^k.
    d = Descent(square, 3.0, 0.1)
    assert d.status == READY and len(d.history) == 1
    for _ in range(60):
        d.step()
    for p in d.history:
        expected = 3 * 0.8**p.k
        assert p.x == pytest.approx(expected, abs=1e-12)
        assert p.value == pytest.approx(expected**2, abs=1e-12)
        assert p.slope == pytest.approx(2 * expected, abs=1e-12)
    assert [p.k for p in d.history] == list(range(61))
    assert d.status == RUNNING


def test_descent_on_square_converges_where_the_step_becomes_tiny() -> None:
    d = Descent(square, 3.0, 0.1, tol=1e-9)
    assert d.run(1000) == CONVERGED
    # First k with |Δx| = 0.2·3·0.8^(k-1) <= 1e-9.
    k = math.ceil(math.log(1e-9 / 0.6) / math.log(0.8)) + 1
    assert d.steps_taken == k
    assert abs(d.x) < 1e-8
    assert d.finished and "Converged" in d.message
    assert d.run(10) == CONVERGED and d.steps_taken == k  # run stops once finished


def test_too_large_learning_rate_is_flagged_diverging() -> None:
    # x ← x − 1.1·2x = −1.2x: steps grow by 1.2 and f grows each time.
    d = Descent(square, 3.0, 1.1)
    statuses = []
    for _ in range(3):
        d.step()
        statuses.append(d.status)
    assert statuses[-1] == DIVERGING
    for p in d.history:
        assert p.x == pytest.approx(3 * (-1.2) ** p.k, rel=1e-12)
    assert "too large" in d.message and d.finished


def test_learning_rate_one_oscillates() -> None:
    # x ← x − 2x = −x: x bounces between 3 and −3 for ever.
    d = Descent(square, 3.0, 1.0)
    assert d.run(3) == OSCILLATING
    assert [p.x for p in d.history] == [3.0, -3.0, 3.0, -3.0]
    assert "back and forth" in d.message
    d.run(10)
    assert d.status == OSCILLATING and not d.finished


def test_shrinking_zigzag_is_neither_oscillating_nor_diverging() -> None:
    # x ← −0.8x: overshoots every time but converges.
    d = Descent(square, 3.0, 0.9)
    seen = set()
    while not d.finished and d.steps_taken < 500:
        d.step()
        seen.add(d.status)
    assert d.status == CONVERGED
    assert OSCILLATING not in seen and DIVERGING not in seen
    d.reset()
    d.run(5)
    assert "Zigzagging" in d.message


def test_accelerating_slide_into_a_valley_is_not_called_diverging() -> None:
    # f = x⁴ − x² from near its local maximum at 0: steps grow for a while (f improves),
    # then it settles in the minimum at 1/√2.
    d = Descent(lambda x: (x**4 - x**2, 4 * x**3 - 2 * x), 0.01, 0.05)
    seen = set()
    while not d.finished and d.steps_taken < 2000:
        d.step()
        seen.add(d.status)
    assert DIVERGING not in seen
    assert d.status == CONVERGED
    assert d.x == pytest.approx(1 / math.sqrt(2), abs=1e-7)


def test_unbounded_below_runs_past_the_bound() -> None:
    d = Descent(lambda x: (-x * x, -2 * x), 1.0, 0.1, bound=1e6)
    assert d.run(1000) == DIVERGING
    assert "no minimum" in d.message
    # x_k = 1.2^k: first k with x_k² > 1e6 (f runs past the bound before x does).
    assert d.steps_taken == math.ceil(math.log(1e3) / math.log(1.2))


def test_nan_stops_with_a_message() -> None:
    def ln(x: float) -> tuple[float, float]:
        return (math.log(x), 1 / x) if x > 0 else (math.nan, math.nan)

    d = Descent(ln, 1.0, 2.0, direction=-1)  # 1 − 2·1 = −1: outside ln's domain
    assert d.run(10) == NON_FINITE
    assert d.history[-1].x == -1.0 and math.isnan(d.history[-1].value)
    assert "undefined" in d.message and "x = -1" in d.message
    assert d.step() is None and len(d.history) == 2


def test_math_domain_errors_count_as_non_finite() -> None:
    d = Descent(lambda x: (math.sqrt(x), 0.5 / math.sqrt(x)), 1.0, 4.0)  # 1 − 4·0.5 = −1
    assert d.run(5) == NON_FINITE
    assert d.history[-1].x == -1.0


def test_infinite_slope_at_the_start_stops_immediately() -> None:
    d = Descent(lambda x: (0.0, math.inf), 0.0, 0.1)
    assert d.status == NON_FINITE and "infinite" in d.message
    assert d.run(5) == NON_FINITE and len(d.history) == 1


def test_overflow_to_infinity_stops() -> None:
    d = Descent(lambda x: (x, 1e308), 0.0, 10.0, bound=math.inf)
    assert d.run(5) == NON_FINITE
    assert "overflowed" in d.message


def test_ascent_climbs_to_the_maximum() -> None:
    d = Descent(lambda x: (-((x - 1) ** 2), -2 * (x - 1)), -2.0, 0.25, direction=1)
    assert d.run(200) == CONVERGED
    assert d.x == pytest.approx(1.0, abs=1e-9)
    values = [p.value for p in d.history]
    assert values == sorted(values)  # every step goes up


def test_flat_region_converges_at_once() -> None:
    d = Descent(lambda x: (max(x, 0.0), 1.0 if x > 0 else 0.0), -2.0, 0.5)
    assert d.run(5) == CONVERGED and d.steps_taken == 1
    assert "slope is about 0" in d.message


def test_reset_restarts_with_new_start_and_rate() -> None:
    d = Descent(square, 3.0, 1.1)
    d.run(10)
    d.reset(start=1.0, lr=0.25)
    assert d.status == READY and [p.x for p in d.history] == [1.0]
    d.step()
    assert d.x == 0.5
    with pytest.raises(ValueError):
        d.reset(lr=-1.0)
    with pytest.raises(ValueError):
        Descent(square, 1.0, math.nan)
    with pytest.raises(ValueError):
        Descent(square, 1.0, 0.1, direction=0)


def test_descent_on_a_parameter_with_the_real_parser() -> None:
    import gradexplorer.expr as expr

    # Loss (a·x − 3)² at x = 2: a ← a − η·2x(ax − 3) = a − 0.05·4(2a − 3), fixed point 1.5,
    # so a_k − 1.5 = (a_0 − 1.5)·0.6^k.
    fg = expression_objective("(a x - 3)^2", x=2.0, params={"a": 0.5}, target="a")
    d = Descent(fg, 0.5, 0.05)
    d.run(20)
    for p in d.history:
        assert p.x == pytest.approx(1.5 - 0.6**p.k, abs=1e-12)
        assert p.value == pytest.approx((2 * p.x - 3) ** 2, abs=1e-12)
        assert p.slope == pytest.approx(4 * (2 * p.x - 3), abs=1e-12)
    fx = expression_objective("x^2", x=0.0)
    d = Descent(fx, 3.0, 0.1)
    d.run(10)
    assert d.x == pytest.approx(3 * 0.8**10, abs=1e-12)
    with pytest.raises(ValueError):
        expression_objective("x^2", x=0.0, target="a")
    with pytest.raises(expr.ExprError):
        expression_objective("x^^2", x=0.0)


# ---------------------------------------------------------------------------------------------
# Learning-rate slider


def test_log_scale_round_trips_every_position() -> None:
    values = [lr_from_slider(i) for i in range(LR_SCALE.steps + 1)]
    assert values == sorted(set(values)), "strictly increasing, no two positions merged"
    assert all(slider_from_lr(v) == i for i, v in enumerate(values))
    assert values[0] == 1e-3 and values[-1] == 10.0


def test_log_scale_hits_decades_and_is_logarithmic() -> None:
    per_decade = LR_SCALE.steps // 4
    for i, decade in enumerate([1e-3, 1e-2, 0.1, 1.0, 10.0]):
        assert lr_from_slider(i * per_decade) == decade
    # Equal slider moves multiply the rate by the same factor (up to 3-digit rounding).
    ratio = 10 ** (1 / per_decade)
    for i in range(LR_SCALE.steps):
        assert lr_from_slider(i + 1) / lr_from_slider(i) == pytest.approx(ratio, rel=6e-3)
    assert slider_from_lr(0.1) == 2 * per_decade
    assert slider_from_lr(0.11) == round(2 * per_decade + per_decade * math.log10(1.1))


def test_log_scale_clamps() -> None:
    assert lr_from_slider(-5) == 1e-3 and lr_from_slider(10_000) == 10.0
    assert slider_from_lr(0.0) == 0 and slider_from_lr(-1.0) == 0
    assert slider_from_lr(math.nan) == 0
    assert slider_from_lr(1e9) == LR_SCALE.steps and slider_from_lr(math.inf) == LR_SCALE.steps


def test_custom_log_scale() -> None:
    scale = LogScale(1e-4, 1.0, 400)
    values = [scale.value(i) for i in range(401)]
    assert values == sorted(set(values))
    assert all(scale.position(v) == i for i, v in enumerate(values))
    with pytest.raises(ValueError):
        LogScale(0.0, 1.0)
    with pytest.raises(ValueError):
        LogScale(1.0, 1.0)
