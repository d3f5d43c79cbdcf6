"""Format version 5: the second input, the landscape and the race in the schema, their round
trips, the migration of version 1 and 2 files, and the refusals of bad values."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from gradexplorer.errors import SessionError
from gradexplorer.lessons.optimizers import make
from gradexplorer.lessons.schedules import Schedule
from gradexplorer.lessons.session import (
    FORMAT_VERSION,
    SessionState,
    session_from_json,
    session_from_state_string,
    to_json,
    to_state_string,
)
from gradexplorer.lessons.session.two_inputs import LandscapeSettings, RaceSettings, normal_angle


def two_input_state() -> SessionState:
    return SessionState(
        expression="f(x, y) = (1 - x)^2 + 100(y - x^2)^2",
        x=-1.2,
        x_range=(-2.0, 2.0),
        y=1.0,
        y_range=(-1.0, 3.0),
        view=(-2.0, 2.0, 0.0, 500.0),
        landscape=LandscapeSettings(box=(-2.0, 2.0, -1.0, 3.0), direction=30.0, log_scale=True),
        race=RaceSettings(
            start=(-1.2, 1.0),
            optimizers=(
                make("sgd", lr=1e-3, momentum=0.9, nesterov=True),
                make("adam", lr=0.05, betas=(0.8, 0.99), schedule=Schedule("cosine", warmup=5)),
                make("adamw", lr=0.02, weight_decay=0.1, amsgrad=True),
            ),
            steps=500,
            tol=1e-3,
            selected=1,
        ),
        title="Rosenbrock",
        note="The curved valley.",
    )


def test_a_two_input_session_round_trips_exactly() -> None:
    state = two_input_state()
    text = to_json(state)
    data = json.loads(text)
    assert data["version"] == FORMAT_VERSION == 5
    assert data["y"] == 1.0 and data["y_range"] == [-1.0, 3.0]
    assert data["landscape"] == {
        "box": [-2.0, 2.0, -1.0, 3.0],
        "direction": 30.0,
        "log_scale": True,
        "arrows": "gradient",
    }
    adam = data["race"]["optimizers"][1]
    assert adam["optimizer"] == "adam" and adam["betas"] == [0.8, 0.99]
    assert adam["schedule"]["kind"] == "cosine" and adam["schedule"]["warmup"] == 5
    again = session_from_json(text)
    assert again == state and to_json(again) == text
    assert session_from_state_string(to_state_string(state)) == state


def test_version_2_files_open_with_the_defaults() -> None:
    data = SessionState().to_dict()
    data["version"] = 2
    for key in ("y", "y_range", "landscape", "race", "graph", "second", "points", "taylor"):
        del data[key]
    state = session_from_json(json.dumps(data))
    # the curve tools of version 4 open as an old file's (markers on, no Taylor): not ours here
    assert replace(state, points=SessionState().points, taylor=SessionState().taylor) == (
        SessionState()
    )
    assert state.landscape == LandscapeSettings() and state.race == RaceSettings()


def test_version_5_needs_its_fields() -> None:
    data = two_input_state().to_dict()
    del data["race"]
    with pytest.raises(SessionError, match="missing field: race"):
        session_from_json(json.dumps(data))


def _with(path: str, value: object) -> str:
    data = two_input_state().to_dict()
    *head, last = path.split(".")
    target = data
    for k in head:
        target = target[int(k)] if k.isdigit() else target[k]
    target[last] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("y", 9.0, "y = 9.0 lies outside its range"),
        ("y_range", [3, 1], "y_range must go from a smaller to a larger number"),
        ("landscape.box", [0, 0, 0, 1], "landscape.box (x) must go from smaller to larger"),
        ("landscape.arrows", "both", "landscape.arrows must be one of"),
        ("landscape.log_scale", 1, "landscape.log_scale must be true or false"),
        ("race.steps", 0, "race.steps must be from 1 to 5000"),
        ("race.steps", 2.5, "race.steps must be a whole number"),
        ("race.selected", 7, "race.selected must point at one of the optimizers"),
        ("race.tol", -1, "race.tol must be a positive number"),
        ("race.start", [1, "a"], "race.start[1] must be a number"),
        ("race.optimizers.0.lr", -1, "race.optimizers[0]: Invalid learning rate: -1.0"),
        ("race.optimizers.1.optimizer", "lbfgs", "race.optimizers[1]: unknown optimizer"),
        ("race.optimizers.1.momentum", 0.9, "race.optimizers[1]: Adam has no option momentum"),
        ("race.optimizers.1.schedule", {"kind": "warp"}, "unknown schedule 'warp'"),
        ("race.optimizers.1.schedule", {"kind": "step", "size": 3}, "race.optimizers[1]:"),
        ("race.optimizers.0.nesterov", "yes", "nesterov must be true or false"),
    ],
)
def test_bad_two_input_fields_are_refused_with_a_message(path: str, value: object, words: str):
    with pytest.raises(SessionError) as info:
        session_from_json(_with(path, value))
    assert words in info.value.message


def test_too_many_racers_and_the_slice_angle_is_folded() -> None:
    with pytest.raises(SessionError, match="At most 8 optimizers"):
        RaceSettings(optimizers=(make("sgd", lr=0.1),) * 9)
    assert LandscapeSettings(direction=270.0).direction == -90.0
    assert LandscapeSettings(direction=-180.0).direction == 180.0
    assert LandscapeSettings(direction=90.0).unit == (0.0, 1.0)
    assert normal_angle(-0.0) == 0.0 and str(normal_angle(-0.0)) == "0.0"
    state = replace(two_input_state(), landscape=LandscapeSettings(direction=45.0))
    ux, uy = state.landscape.unit
    assert ux == pytest.approx(2**-0.5) and uy == pytest.approx(2**-0.5)
