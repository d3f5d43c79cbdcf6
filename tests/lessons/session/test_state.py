"""The session schema: invariants checked on construction, limits exactly at their boundary,
immutability, and the draft that is shown but never saved."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from gradexplorer.errors import SessionError
from gradexplorer.lessons.session import (
    MAX_EXPRESSION_CHARS,
    MAX_NOTE_CHARS,
    MAX_PARAM_NAME,
    MAX_PARAMS,
    MAX_TITLE_CHARS,
    DescentSettings,
    GraphSettings,
    ParamState,
    SessionState,
    Toggles,
)

from .cases import full_state, parse


def test_state_constructor_refuses_invalid_values() -> None:
    with pytest.raises(SessionError):
        SessionState(x=math.nan)
    with pytest.raises(SessionError):
        SessionState(x=math.inf, x_range=(-math.inf, math.inf))
    with pytest.raises(SessionError):
        ParamState(2.0, 0.0, 1.0)
    with pytest.raises(SessionError):
        replace(full_state(), descent=DescentSettings(target="zeta"))
    with pytest.raises(SessionError):
        DescentSettings(lr=0.0)
    with pytest.raises(SessionError, match=r"graph\.seed"):
        replace(full_state(), graph=GraphSettings(seed="zeta"))
    with pytest.raises(SessionError, match=r"graph\.mode"):
        GraphSettings(mode="backward")
    with pytest.raises(SessionError, match=r"graph\.seed"):
        GraphSettings(seed=3)  # type: ignore[arg-type]
    with pytest.raises(SessionError, match="graph must be"):
        SessionState(graph={"mode": "forward"})  # type: ignore[arg-type]


def test_a_range_whose_width_overflows_is_refused() -> None:
    """±1e308 are finite, but no slider can divide a width of inf (issue: x slider overflow)."""
    with pytest.raises(SessionError, match="too wide"):
        SessionState(x=0.0, x_range=(-1e308, 1e308))
    with pytest.raises(SessionError, match="too wide"):
        ParamState(0.0, -1e308, 1e308)
    assert SessionState(x=0.0, x_range=(-1e307, 1e307)).x_range == (-1e307, 1e307)


def test_numpy_scalars_are_accepted_and_stored_as_floats() -> None:
    s = SessionState(x=np.float32(1.5), x_range=(np.int64(-2), np.float64(2.0)))
    assert s.x == 1.5 and type(s.x) is float
    assert s.x_range == (-2.0, 2.0) and all(type(v) is float for v in s.x_range)
    with pytest.raises(SessionError):
        SessionState(x=np.float64("nan"))


@pytest.mark.parametrize("flag", [True, False])
def test_booleans_are_not_numbers(flag: bool) -> None:
    with pytest.raises(SessionError, match="must be a number"):
        SessionState(x=flag, x_range=(-1.0, 2.0))
    with pytest.raises(SessionError, match="must be a number"):
        ParamState(flag, -1.0, 2.0)
    with pytest.raises(SessionError, match="must be -1"):
        DescentSettings(direction=flag)
    with pytest.raises(SessionError, match="true or false"):
        Toggles(show_derivative=1)  # type: ignore[arg-type]


def _params(n: int) -> dict[str, ParamState]:
    names = [f"p_{i}" for i in range(n)]
    return {name: ParamState(0.0, -1.0, 1.0) for name in names}


def test_parameter_count_is_limited_exactly_at_the_boundary() -> None:
    assert len(SessionState(params=_params(MAX_PARAMS)).params) == MAX_PARAMS
    with pytest.raises(SessionError, match="Too many parameters"):
        SessionState(params=_params(MAX_PARAMS + 1))


def test_parameter_name_length_is_limited_exactly_at_the_boundary() -> None:
    longest = "a" * MAX_PARAM_NAME
    assert longest in SessionState(params={longest: ParamState(0.0, -1.0, 1.0)}).params
    with pytest.raises(SessionError, match="not a valid parameter name"):
        SessionState(params={longest + "a": ParamState(0.0, -1.0, 1.0)})


@pytest.mark.parametrize(
    ("field", "limit"),
    [("expression", MAX_EXPRESSION_CHARS), ("title", MAX_TITLE_CHARS), ("note", MAX_NOTE_CHARS)],
)
def test_texts_are_limited_exactly_at_the_boundary(field: str, limit: int) -> None:
    assert len(getattr(SessionState(**{field: "x" * limit}), field)) == limit
    with pytest.raises(SessionError, match="too long"):
        SessionState(**{field: "x" * (limit + 1)})


@pytest.mark.parametrize("name", ["x", "e", "2a", "a b", "", "a__b", "_a"])
def test_reserved_and_malformed_parameter_names_are_refused(name: str) -> None:
    with pytest.raises(SessionError):
        SessionState(params={name: ParamState(0.0, -1.0, 1.0)})


def test_parameter_names_in_other_scripts_and_with_subscripts_are_fine() -> None:
    names = ("α", "k_1", "w2", "theta")
    s = SessionState(params={n: ParamState(0.0, -1.0, 1.0) for n in names})
    assert tuple(s.params) == names


def test_params_of_a_state_cannot_be_changed_in_place() -> None:
    s = full_state()
    with pytest.raises(TypeError):
        s.params["a"] = ParamState(0.0, -1.0, 1.0)  # type: ignore[index]
    with pytest.raises(TypeError):
        s.params.pop("a")  # type: ignore[attr-defined]
    assert copy.deepcopy(s) == s and hash(copy.copy(s)) == hash(s)


def test_the_draft_is_shown_but_never_saved() -> None:
    s = replace(full_state(), draft="(a x - 3)^^2")
    assert s.text == "(a x - 3)^^2" and full_state().text == full_state().expression
    assert "draft" not in s.to_dict()
    assert parse(json.dumps(s.to_dict())) == replace(s, draft=None)


def test_default_state_is_the_new_session() -> None:
    s = SessionState()
    assert (s.expression, s.x, s.x_range, s.view) == ("x^2 + 3x", 1.0, (-5.0, 5.0), None)
    assert s.toggles == Toggles(False, False, True)
    assert s.descent == DescentSettings("x", 0.1, -1)
