"""A full session and its JSON, shared by the session tests."""

from __future__ import annotations

import json

from gradexplorer.lessons.session import (
    DescentSettings,
    GraphSettings,
    ParamState,
    PointsSettings,
    SessionState,
    TaylorSettings,
    Toggles,
    session_from_json,
    to_json,
)


def full_state() -> SessionState:
    return SessionState(
        expression="(a x - 3)^2 + b",
        x=2.0,
        x_range=(-5.0, 5.0),
        params={"a": ParamState(0.5, -1.0, 4.0), "b": ParamState(0.1, 0.0, 1.0)},
        view=(-5.0, 5.0, -2.0, 40.0),
        toggles=Toggles(show_derivative=False, show_second_derivative=True),
        descent=DescentSettings(target="a", lr=0.05, direction=-1),
        graph=GraphSettings(mode="forward", seed="b"),
        second="a x^2",
        points=PointsSettings(shown=False, wide=True),
        taylor=TaylorSettings(shown=True, order=7),
        title="Squared error",
        note="Descend on a — it settles at 1.5.",
    )


def valid_dict() -> dict:
    return full_state().to_dict()


def parse(text: str | bytes) -> SessionState:
    # Structural validation is what these tests are about; the expression check has its own.
    return session_from_json(text, check_expression=False)


DELETE = object()
GOOD = to_json(full_state())


def mutate(**changes: object) -> str:
    """The full session's JSON with fields changed (a__b for nested keys) or DELETEd."""
    data = valid_dict()
    for dotted, value in changes.items():
        keys = dotted.split("__")
        target = data
        for k in keys[:-1]:
            target = target[k]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return json.dumps(data)
