"""The landscape lessons: each opens, the numbers it promises are right, and what its note says
about the optimizers is what happens.

Oracles: each function re-typed with `math`, derivatives by central differences (first) and
differences of those (second), so nothing is shared with the sympy used to write the files; the
real parser and engine must then agree. The race claims run the app's optimizers, which are
checked against the documented algorithms in test_lessons_optimizers."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from gradexplorer.expr import parse
from gradexplorer.lessons.curvature import classify
from gradexplorer.lessons.presets import list_presets
from gradexplorer.lessons.race import engine_objective, race


def _lg(z: float) -> float:
    return math.log1p(math.exp(z))


ORACLES: dict[str, Callable[[float, float], float]] = {
    "round-bowl": lambda x, y: x * x + y * y,
    "ill-conditioned": lambda x, y: x * x + 20 * y * y,
    "saddle": lambda x, y: x * x - y * y,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    "himmelblau": lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
    "beale": lambda x, y: (
        (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y**3) ** 2
    ),
    "line-fit": lambda w, b: (
        ((b - 1) ** 2 + (w + b - 3) ** 2 + (2 * w + b - 4) ** 2 + (3 * w + b - 7) ** 2) / 4
    ),
    "logistic-two-weights": lambda w, b: (
        _lg(-2 * w + b) + _lg(w - b) + _lg(0.5 * w + b) + _lg(-(w + b)) + _lg(-(2 * w + b))
    ),
}
LANDSCAPES = [p for p in list_presets() if len(p.inputs) == 2]
BY_NAME = {p.name.split("-", 1)[1]: p for p in LANDSCAPES}


def test_eight_landscape_lessons_each_with_an_oracle() -> None:
    assert len(LANDSCAPES) >= 8
    assert set(BY_NAME) == set(ORACLES)
    assert BY_NAME["rosenbrock"].state.landscape.log_scale


def _partials(f: Callable[[float, float], float], x: float, y: float, h: float = 1e-5):
    gx = (f(x + h, y) - f(x - h, y)) / (2 * h)
    gy = (f(x, y + h) - f(x, y - h)) / (2 * h)
    return gx, gy


def _hessian(f: Callable[[float, float], float], x: float, y: float, h: float = 1e-4):
    rows = []
    for dx, dy in ((h, 0.0), (0.0, h)):
        plus = _partials(f, x + dx, y + dy)
        minus = _partials(f, x - dx, y - dy)
        rows.append([(a - b) / (2 * h) for a, b in zip(plus, minus, strict=True)])
    return rows


@pytest.mark.parametrize("preset", LANDSCAPES, ids=[p.name for p in LANDSCAPES])
def test_promised_values_match_math_and_the_engine(preset) -> None:
    f = ORACLES[preset.name.split("-", 1)[1]]
    s = preset.state
    x, y = s.x, s.y
    e = parse(s.expression)
    a, b = e.inputs
    promise = preset.expect
    assert promise.value == pytest.approx(f(x, y), rel=1e-12, abs=1e-12)
    gx, gy = _partials(f, x, y)
    assert promise.gradient[a] == pytest.approx(gx, rel=1e-6, abs=1e-6)
    assert promise.gradient[b] == pytest.approx(gy, rel=1e-6, abs=1e-6)
    ux, uy = s.landscape.unit
    assert promise.derivative == pytest.approx(gx * ux + gy * uy, rel=1e-6, abs=1e-6)
    for got, want in zip(promise.hessian, _hessian(f, x, y), strict=True):
        assert list(got) == pytest.approx(want, rel=1e-4, abs=1e-4)
    p = e.at_point({a: x, b: y})
    assert p.value == pytest.approx(promise.value, rel=1e-12, abs=1e-12)
    assert p.gradient[a] == pytest.approx(promise.gradient[a], rel=1e-12, abs=1e-12)
    assert [list(r) for r in p.hessian] == [pytest.approx(list(r)) for r in promise.hessian]


def _run(name: str, start=None):
    s = BY_NAME[name].state
    e = parse(s.expression)
    return race(engine_objective(e, {}), start or s.race.start, s.race.optimizers, s.race.steps,
                tol=s.race.tol)  # fmt: skip


def _y_flips(run) -> float:
    dy = np.diff(np.array(run.path)[:, 1])
    signs = np.sign(dy[np.abs(dy) > 1e-15])
    return float(np.mean(signs[1:] != signs[:-1]))


def test_round_bowl_descent_walks_a_straight_line_to_the_minimum() -> None:
    (sgd,) = _run("round-bowl")
    path = np.array(sgd.path)
    cross = path[:, 0] * path[0, 1] - path[:, 1] * path[0, 0]
    assert np.abs(cross).max() < 1e-12 and sgd.steps_to_tol is not None


def test_ill_conditioned_valley_plain_descent_zigzags_momentum_does_not() -> None:
    gd, momentum, _adam = _run("ill-conditioned")
    assert _y_flips(gd) == 1.0  # every step crosses the valley
    assert _y_flips(momentum) < 0.25
    assert momentum.steps_to_tol < gd.steps_to_tol


def test_saddle_verdict_and_the_slow_escape() -> None:
    e = parse(BY_NAME["saddle"].state.expression)
    p = e.at_point({"x": 0.0, "y": 0.0})
    v = classify(p.hessian, math.hypot(p.gradient["x"], p.gradient["y"]))
    assert v.stationary and v.kind == "saddle" and v.eigenvalues == (-2.0, 2.0)
    gd, momentum = _run("saddle")
    first = [next(k for k, q in enumerate(r.path) if abs(q[1]) > 1) for r in (gd, momentum)]
    assert first == [26, 13]


def test_rosenbrock_plain_sgd_crawls_momentum_and_adam_get_further() -> None:
    sgd, momentum, adam = _run("rosenbrock")
    assert sgd.final_value > 1.0
    assert momentum.final_value < sgd.final_value / 10 and adam.final_value < sgd.final_value / 10
    e = parse(BY_NAME["rosenbrock"].state.expression)
    p = e.at_point({"x": 1.0, "y": 1.0})
    assert classify(p.hessian, 0.0).kind == "minimum"


@pytest.mark.parametrize(
    ("start", "minimum"), [((0.0, 0.0), (3.0, 2.0)), ((-1.0, 1.0), (-2.805118, 3.131312))]
)
def test_himmelblau_the_start_decides_the_minimum(start, minimum) -> None:
    for run in _run("himmelblau", start):
        assert run.path[-1] == pytest.approx(minimum, abs=1e-4)
        assert run.final_value < 1e-8


def test_beale_adam_and_momentum_reach_the_valley() -> None:
    sgd, momentum, adam, rmsprop = _run("beale")
    assert adam.final_value < 0.01 and momentum.final_value < 0.01
    assert sgd.final_value > 0.01 and rmsprop.final_value > 0.01


def test_line_fit_bottom_is_the_least_squares_line() -> None:
    xs, ys = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, 4.0, 7.0])
    w, b = np.polyfit(xs, ys, 1)
    assert (w, b) == pytest.approx((1.9, 0.9))
    e = parse(BY_NAME["line-fit"].state.expression)
    g = e.at_point({"w": w, "b": b}).gradient
    assert abs(g["w"]) < 1e-12 and abs(g["b"]) < 1e-12
    _sgd, momentum, adam = _run("line-fit")
    assert momentum.path[-1] == pytest.approx((1.9, 0.9), abs=1e-6)
    assert adam.steps_to_tol is not None


def test_logistic_loss_has_one_finite_minimum_in_a_convex_bowl() -> None:
    f = ORACLES["logistic-two-weights"]
    runs = _run("logistic-two-weights")
    ends = np.array([r.path[-1] for r in runs])
    assert np.ptp(ends, axis=0).max() < 1e-4  # every optimizer finds the same point
    w, b = ends[0]
    assert max(abs(v) for v in _partials(f, w, b)) < 1e-6
    e = parse(BY_NAME["logistic-two-weights"].state.expression)
    for point in [(w, b), (-2.0, 3.0), (4.0, -3.0)]:
        p = e.at_point(dict(zip(("w", "b"), point, strict=True)))
        assert classify(p.hessian, 1.0).kind == "minimum"  # positive definite everywhere
