"""The model alone: what each change recomputes, parameters kept, state round trip."""

import math

import numpy as np
import pytest

from gradexplorer.errors import SessionError
from gradexplorer.ui.model import ExplorerModel


@pytest.fixture
def model(qapp):
    return ExplorerModel("a x^2 + 3x", x=1.0, params={"a": 2.0})


def test_moving_x_recomputes_the_point_not_the_curve(model, qtbot):
    curves, points = model.curve_computations, model.point_computations
    with qtbot.waitSignal(model.pointChanged) as blocker:
        model.set_x(2.0)
    assert model.curve_computations == curves
    assert model.point_computations == points + 1
    p = blocker.args[0]
    assert p.value == pytest.approx(2 * 4 + 6) and p.derivative == pytest.approx(2 * 2 * 2 + 3)
    assert p.gradient["a"] == pytest.approx(4.0)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.set_param("a", 3.0),
        lambda m: m.set_text("x^3"),
        lambda m: m.set_view_range(-2, 2, -1, 1),
        lambda m: m.set_show_derivative(True),
    ],
)
def test_function_param_view_and_toggle_changes_recompute_the_curve(model, change):
    before = model.curve_computations
    change(model)
    assert model.curve_computations > before


def test_curve_matches_formula_over_visible_range(model):
    model.set_view_range(-2.0, 3.0, -5.0, 20.0)
    c = model.curve
    assert c.x[0] == pytest.approx(-2.0) and c.x[-1] == pytest.approx(3.0)
    np.testing.assert_allclose(c.y, 2.0 * c.x**2 + 3 * c.x, rtol=1e-12)


def test_x_is_clamped_to_its_range_and_range_is_validated(model):
    model.set_x(50.0)
    assert model.x == 5.0
    assert not model.set_x_range(3.0, 3.0)
    assert model.set_x_range(-1.0, 2.0)
    assert model.x == 2.0 and model.x_range == (-1.0, 2.0)


def test_parameter_values_survive_edits_that_keep_or_drop_them(model):
    model.set_param("a", 2.5)
    model.set_text("a x^2 + b")
    assert set(model.params) == {"a", "b"} and model.params["a"].value == 2.5
    assert model.params["b"].value == 1.0
    model.set_text("b x")
    model.set_text("a x^2")
    assert model.params["a"].value == 2.5  # remembered while it was typed away


def test_error_keeps_last_valid_expression(model):
    good = model.expression
    assert not model.set_text("a x^^2")
    assert model.expression is good and model.error is not None
    assert model.error.start >= 0
    assert model.set_text("x")
    assert model.error is None


def test_state_round_trip(model, qapp):
    model.set_param("a", -1.25)
    model.set_x_range(-3.0, 4.0)
    model.set_x(0.5)
    model.set_show_second_derivative(True)
    model.set_view_range(-1.0, 2.0, -3.0, 3.0)
    state = model.to_state()
    other = ExplorerModel("x")
    other.apply_state(state)
    assert other.to_state() == state
    assert other.point.value == pytest.approx(-1.25 * 0.25 + 1.5)
    assert other.point.gradient["a"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"x": "one"},
        {"x": math.nan},
        {"x_range": [2, 1]},
        {"view": [0, 1, 0]},
        {"params": {"a": {"value": "2"}}},
        {"params": {"a": {"value": 1, "min": 3, "max": 2}}},
        {"expression": 42},
        {"show_derivative": "yes"},
    ],
)
def test_bad_state_raises_session_error_and_changes_nothing(model, bad):
    before = model.to_state()
    with pytest.raises(SessionError):
        model.apply_state(bad)
    assert model.to_state() == before


def test_state_without_view_frames_the_x_range(model):
    model.set_view_range(-1.0, 1.0, -1.0, 1.0)
    model.apply_state({"expression": "x^3", "x_range": [-2.0, 2.0], "x": 0.5})
    x0, x1, y0, y1 = model.view_range
    assert (x0, x1) == (-2.0, 2.0)
    assert y0 < -8 and y1 > 8  # x^3 reaches ±8 on [-2, 2]


def test_state_matches_the_lessons_session_format(model):
    """The lessons layer builds sessions from this dict and gives it back (to_model_state)."""
    from gradexplorer.lessons.session import SessionState

    model.set_param("a", 0.5)
    session = SessionState.from_model_state(model.to_state())
    other = ExplorerModel("x")
    other.apply_state(session.to_model_state())
    assert other.text == "a x^2 + 3x" and other.params["a"].value == 0.5
    assert other.x == model.x and other.x_range == model.x_range
