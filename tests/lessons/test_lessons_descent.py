"""Gradient descent: exact iterates against closed forms, and the status a student is shown."""

from __future__ import annotations

import itertools
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


def run_scripted(path: tuple[float, ...], f=lambda x: 0.0) -> tuple[list[str], Descent]:
    """Descent with η = 1 made to walk through exactly ``path`` (f' at x_k is x_k − x_{k+1}),
    with values f(x) (flat by default, so only the sizes and signs of the steps matter).
    Returns the status after each step, and the run."""
    slopes: dict[float, float] = {}
    for a, b in itertools.pairwise(path):
        assert slopes.setdefault(a, a - b) == a - b, "one slope per point"
    slopes.setdefault(path[-1], 0.0)
    d = Descent(lambda x: (f(x), slopes[x]), path[0], 1.0)
    statuses = [d.run(1) for _ in path[1:]]
    assert [p.x for p in d.history] == list(path)
    return statuses, d


@pytest.mark.parametrize("lr", [0.1, 0.25, 0.4, 0.9, 1.0, 1.1])
def test_descent_on_square_follows_closed_form(lr) -> None:
    # x ← x − η·2x = (1 − 2η)x, so x_k = 3·(1 − 2η)^k: 0.8^k for η = 0.1, (−1.2)^k for 1.1.
    d = Descent(square, 3.0, lr)
    assert d.status == READY and len(d.history) == 1
    for _ in range(60):
        d.step()
    assert [p.k for p in d.history] == list(range(61))
    for p in d.history:
        expected = 3 * (1 - 2 * lr) ** p.k
        assert p.x == pytest.approx(expected, rel=1e-12, abs=1e-300)
        assert p.value == pytest.approx(expected**2, rel=1e-12, abs=1e-300)
        assert p.slope == pytest.approx(2 * expected, rel=1e-12, abs=1e-300)


def test_descent_on_square_is_running_until_the_step_is_tiny() -> None:
    d = Descent(square, 3.0, 0.1)
    d.run(60)
    assert d.status == RUNNING and d.steps_taken == 60


def test_descent_on_a_shifted_parabola_converges_to_its_vertex() -> None:
    # f = x² + 3x, f' = 2x + 3: x ← 0.8x − 0.3, whose fixed point is −1.5, so from 2
    # x_k = −1.5 + 3.5·0.8^k and the k-th step is x_k − x_{k−1} = −0.7·0.8^(k−1).
    tol = 1e-9
    d = Descent(lambda x: (x * x + 3 * x, 2 * x + 3), 2.0, 0.1, tol=tol)
    xs = [-1.5 + 3.5 * 0.8**k for k in range(200)]
    # Converged at the first step no larger than tol·max(1, |x|) (here |x| ≈ 1.5 > 1).
    k_done = next(k for k in range(1, 200) if 0.7 * 0.8 ** (k - 1) <= tol * max(1.0, abs(xs[k])))
    statuses = []
    while not d.finished:
        d.step()
        statuses.append(d.status)
    assert statuses == [RUNNING] * (k_done - 1) + [CONVERGED]
    for p in d.history:
        assert p.x == pytest.approx(xs[p.k], abs=1e-12)
        assert p.value == pytest.approx(xs[p.k] ** 2 + 3 * xs[p.k], abs=1e-12)
        assert p.slope == pytest.approx(2 * xs[p.k] + 3, abs=1e-12)
    assert d.x == pytest.approx(-1.5, abs=1e-8)


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
    # It takes a full window of three growing steps with f getting worse each time.
    assert statuses == [RUNNING, RUNNING, DIVERGING]
    for p in d.history:
        assert p.x == pytest.approx(3 * (-1.2) ** p.k, rel=1e-12)
    assert "too large" in d.message and d.finished


def test_learning_rate_one_oscillates() -> None:
    # x ← x − 2x = −x: x bounces between 3 and −3 for ever.
    d = Descent(square, 3.0, 1.0)
    assert [d.run(1) for _ in range(3)] == [RUNNING, RUNNING, OSCILLATING]
    assert [p.x for p in d.history] == [3.0, -3.0, 3.0, -3.0]
    assert "back and forth" in d.message
    d.run(10)
    assert d.status == OSCILLATING and not d.finished


@pytest.mark.parametrize(
    ("path", "status"),
    [
        # Steps +4, −4, +4: every ratio of sizes is 1.
        ((0.0, 4.0, 0.0, 4.0), OSCILLATING),
        # Steps +4, −5, +6: sizes grow (ratios 1.25, 1.2), but f does not get worse.
        ((0.0, 4.0, -1.0, 5.0), OSCILLATING),
        # Ratios 1 − 1e-7 and 1 + 1e-7: "about 1" counts as not shrinking.
        ((0.0, 1e7, 1.0, 1e7 + 1), OSCILLATING),
        # Steps +4, −3, +4 (ratios 0.75, 1.33) and +4, −5, +3 (1.25, 0.6): one step shrank.
        ((0.0, 4.0, 1.0, 5.0), RUNNING),
        ((0.0, 4.0, -1.0, 2.0), RUNNING),
        # Ratios 0.999 and 1.001: a shrink of a thousandth is a real shrink.
        ((0.0, 1000.0, 1.0, 1001.0), RUNNING),
        # Steps +4, +4, −4: sizes equal, but the sign did not flip every time.
        ((0.0, 4.0, 8.0, 4.0), RUNNING),
    ],
    ids=["equal", "growing", "about-1", "shrinks-first", "shrinks-last", "0.999", "one-way"],
)
def test_oscillating_needs_every_step_to_flip_sign_without_shrinking(path, status) -> None:
    statuses, d = run_scripted(path)
    assert statuses == [RUNNING, RUNNING, status]
    steps = [b - a for a, b in itertools.pairwise(path)]
    alternating = all(s * t < 0 for s, t in itertools.pairwise(steps))
    if status == RUNNING:
        assert d.message.startswith("Zigzagging" if alternating else "Step 3:")
    else:
        assert "back and forth" in d.message and not d.finished


@pytest.mark.parametrize(
    ("path", "f", "status"),
    [
        # Steps 4, 5, 6 (ratios 1.25, 1.2) and f = x gets worse every time.
        ((0.0, 4.0, 9.0, 15.0), lambda x: x, DIVERGING),
        # Steps 4, 5, 3: the last one shrank (ratio 0.6).
        ((0.0, 4.0, 9.0, 12.0), lambda x: x, RUNNING),
        # Growing steps, but f = min(x, 4) stays level after the first: not strictly worse.
        ((0.0, 4.0, 9.0, 15.0), lambda x: min(x, 4.0), RUNNING),
        # Growing steps downhill (f = −x improves): picking up speed, not diverging.
        ((0.0, 4.0, 9.0, 15.0), lambda x: -x, RUNNING),
    ],
    ids=["growing-worse", "one-shrinks", "level", "improving"],
)
def test_diverging_needs_every_step_to_grow_while_f_gets_worse(path, f, status) -> None:
    statuses, d = run_scripted(path, f)
    assert statuses == [RUNNING, RUNNING, status]
    if status == DIVERGING:
        assert "each step is larger than the last" in d.message


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


@pytest.mark.parametrize(
    ("f_and_grad", "lr", "direction", "bad_x"),
    [
        # ValueError (math domain error): sqrt, from 1 with η = 4: 1 − 4·0.5 = −1.
        (lambda x: (math.sqrt(x), 0.5 / math.sqrt(x)), 4.0, -1, -1.0),
        # OverflowError: e^x climbed from 0 with η = 1000: 0 + 1000·1 = 1000, e^1000 overflows.
        (lambda x: (math.exp(x), math.exp(x)), 1000.0, 1, 1000.0),
        # ZeroDivisionError: x² + 1/x from 1 with η = 1: 1 − (2 − 1) = 0.
        (lambda x: (x * x + 1 / x, 2 * x - 1 / x**2), 1.0, -1, 0.0),
    ],
    ids=["ValueError", "OverflowError", "ZeroDivisionError"],
)
def test_arithmetic_errors_of_the_callback_count_as_non_finite(
    f_and_grad, lr, direction, bad_x
) -> None:
    start = 1.0 if direction < 0 else 0.0
    d = Descent(f_and_grad, start, lr, direction=direction)
    assert d.run(5) == NON_FINITE and d.steps_taken == 1
    last = d.history[-1]
    assert last.x == bad_x and math.isnan(last.value) and math.isnan(last.slope)
    assert f"undefined at x = {bad_x:g}" in d.message
    # At the start too: no step is taken at all.
    d.reset(start=bad_x)
    assert d.status == NON_FINITE and d.run(5) == NON_FINITE and len(d.history) == 1


def test_other_errors_of_the_callback_propagate() -> None:
    # A bug in the callback is not a point outside the function's domain.
    def broken(x: float) -> tuple[float, float]:
        raise KeyError(x)

    with pytest.raises(KeyError):
        Descent(broken, 1.0, 0.1)
    d = Descent(lambda x: (x, 1.0) if x > 0 else broken(x), 1.0, 2.0)
    with pytest.raises(KeyError):
        d.step()


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


@pytest.mark.parametrize(
    "scale",
    [LR_SCALE, LogScale(1.234e-3, 12.345, 60), LogScale(0.0137, 0.2, 7), LogScale(0.5, 3.0, 1)],
    ids=["default", "odd-bounds", "few-steps", "one-step"],
)
def test_log_scale_round_trips_at_both_ends(scale) -> None:
    n = scale.steps
    # The ends are exactly the bounds (not rounded to 3 digits like the positions between).
    assert lr_from_slider(0, scale) == scale.lo and lr_from_slider(n, scale) == scale.hi
    assert slider_from_lr(scale.lo, scale) == 0 and slider_from_lr(scale.hi, scale) == n
    ratio = (scale.hi / scale.lo) ** (1 / n)  # one slider step multiplies by this
    for position in sorted({0, 1, n - 1, n}):
        lr = lr_from_slider(position, scale)
        assert lr == pytest.approx(scale.lo * ratio**position, rel=6e-3)
        assert scale.lo <= lr <= scale.hi
        assert slider_from_lr(lr, scale) == position
        assert lr_from_slider(slider_from_lr(lr, scale), scale) == lr


def test_custom_log_scale() -> None:
    scale = LogScale(1e-4, 1.0, 400)
    values = [scale.value(i) for i in range(401)]
    assert values == sorted(set(values))
    assert all(scale.position(v) == i for i, v in enumerate(values))
    with pytest.raises(ValueError):
        LogScale(0.0, 1.0)
    with pytest.raises(ValueError):
        LogScale(1.0, 1.0)


def test_with_a_view_scale_it_stops_when_the_rest_is_invisible_and_says_where() -> None:
    """x² + 3x from x = 2 at η = 0.1 in a 10 × 40 view: x_k = −1.5 + 3.5·0.8^k, so the step is
    0.7·0.8^(k−1) and the slope 7·0.8^k. Converged at the first k where the step is under
    1e-5 of the width and the tangent's rise over the width under 1e-3 of the height —
    about 40 steps, not the 91 it took to reach |Δx| = 1e-9."""
    from gradexplorer.lessons.descent import FLAT_FRACTION, STEP_FRACTION

    width, height = 10.0, 40.0
    d = Descent(
        lambda x: (x * x + 3 * x, 2 * x + 3),
        2.0,
        0.1,
        scale=(width, height),
        landmark=lambda x: ("local minimum", -1.5),
    )
    d.run(500)
    k = next(
        k
        for k in range(1, 500)
        if 0.7 * 0.8 ** (k - 1) <= STEP_FRACTION * width
        and 7 * 0.8**k * width <= FLAT_FRACTION * height
    )
    assert d.status == CONVERGED and d.steps_taken == k
    assert d.x == pytest.approx(-1.5 + 3.5 * 0.8**k, rel=1e-12)
    assert "at the local minimum x = -1.5, f′ ≈ 0" in d.message
    up = Descent(lambda x: (-x * x, -2 * x), 1.0, 0.1, direction=1, scale=(10, 10),
                 landmark=lambda x: ("local maximum", 0.0))  # fmt: skip
    up.run(500)
    assert up.status == CONVERGED and "local maximum x = 0" in up.message


def test_the_point_a_run_stops_at_is_named_by_the_points_of_interest() -> None:
    """expression_landmark asks lessons/points.py what lies where the run stopped: the minimum
    of x² + 3x at −1.5 (written from the point found, not the run's last x), x³'s stationary
    inflection at 0 (descent stalls there, though it is no minimum), relu's plateau."""
    from gradexplorer.expr import parse
    from gradexplorer.lessons.descent import expression_landmark, expression_objective

    def run(text: str, start: float, lr: float = 0.1) -> Descent:
        e = parse(text)
        d = Descent(
            expression_objective(e, x=start),
            start,
            lr,
            scale=(10.0, 40.0),
            landmark=expression_landmark(e, width=10.0),
        )
        d.run(20000)
        return d

    d = run("x^2 + 3x", 2.0)
    assert d.status == CONVERGED and "at the local minimum x = -1.5, f′ ≈ 0" in d.message
    assert d.x != -1.5  # the run's own x is only close; the words give the minimum's
    stall = run("x^3", 1.0)
    assert stall.status == CONVERGED
    assert "stationary inflection (f′ = 0 but no extremum) x = 0" in stall.message
    flat = run("relu(x) + 1", -2.0)
    assert flat.status == CONVERGED and "at the plateau x = -2" in flat.message
    unnamed = Descent(lambda x: (1.0, 0.0), 0.5, 0.1, scale=(1.0, 1.0))  # no landmark given
    unnamed.run(3)
    assert unnamed.status == CONVERGED and "at the flat point x = 0.5" in unnamed.message
