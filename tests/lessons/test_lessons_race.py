"""The race through the engine's lists (the recorded tape) runs exactly as through arrays."""

from __future__ import annotations

import numpy as np
import pytest

from gradexplorer.expr import parse
from gradexplorer.lessons.optimizers import RACERS, make
from gradexplorer.lessons.race import engine_objective, race
from gradexplorer.lessons.schedules import Schedule

SPECS = (
    *RACERS,
    make("sgd", lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.1, maximize=True),
    make("rmsprop", lr=0.01, momentum=0.9, centered=True, weight_decay=0.05),
    make("adagrad", lr=0.3, lr_decay=0.01, initial_accumulator_value=0.1),
    make("adam", Schedule("cosine", warmup=3, t_max=20), lr=0.05, amsgrad=True),
    make("adamw", Schedule("step", step_size=3), lr=0.05, amsgrad=True, maximize=True),
    make("sgd", lr=1.0),  # diverges
    make("adam", lr=5.0),
)


def _key(run) -> str:
    return repr((run.path, run.values, run.gradients, run.lrs, run.status, run.steps_to_tol,
                 run.stopped_at))  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "f(x, y) = (1 - x)^2 + 100(y - x^2)^2 + sin(x) cos(y)",
        "f(x, y) = ln(x^2 + y^2)",  # leaves the numbers at the origin
        "f(x, y) = 1/x + y^2",
        "f(x, y) = exp(100 x) + y^2",
        "f(x, y) = |x| + relu(y)",
        "f(x, y) = x^y",  # no tape
    ],
)
def test_the_race_through_lists_is_the_race_through_arrays(text: str) -> None:
    e = parse(text)
    fast = engine_objective(e, {})

    def arrays(coords: list[np.ndarray]):  # no lists(): the race goes through arrays
        return e.gradient_batch(coords, {})

    for start in ((-1.2, 1.0), (0.0, 0.0), (0.3, -0.2)):
        a = race(fast, start, SPECS, 60, tol=1e-3)
        b = race(arrays, start, SPECS, 60, tol=1e-3)
        assert [_key(r) for r in a] == [_key(r) for r in b]


def test_a_runs_points_are_its_path_as_an_array() -> None:
    e = parse("f(x, y) = (1 - x)^2 + 100(y - x^2)^2")
    runs = race(engine_objective(e, {}), (-1.2, 1.0), SPECS, 40, tol=1e-3)
    for run in runs:
        assert run.points.shape == (len(run.path), 2)
        assert run.points.tolist() == [list(p) for p in run.path]  # bit for bit
        assert run.points is run.points  # computed once
