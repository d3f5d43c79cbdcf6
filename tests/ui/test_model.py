"""The model alone: one immutable state, what each change recomputes and emits, the rules of
its setters at both ends, and the overlays (trail, step-through) it owns.

Oracles: closed forms of the functions used (a x² + 3x: f = a x² + 3x, f′ = 2ax + 3,
∂f/∂a = x²), and the setters' documented rules written out in the tests."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from gradexplorer.lessons.session import DescentSettings, ParamState, SessionState, Toggles
from gradexplorer.ui.model import ExplorerModel


@pytest.fixture
def model(qapp):
    return ExplorerModel("a x^2 + 3x", x=1.0, params={"a": 2.0})


class Recorder:
    """Every signal of a model, in order, with its arguments."""

    NAMES = (
        "textChanged",
        "expressionChanged",
        "errorChanged",
        "xChanged",
        "xRangeChanged",
        "paramsChanged",
        "paramChanged",
        "viewRangeChanged",
        "togglesChanged",
        "lessonChanged",
        "descentSettingsChanged",
        "curveChanged",
        "pointChanged",
        "stateChanged",
        "trailChanged",
        "stepChanged",
    )

    def __init__(self, model: ExplorerModel) -> None:
        self.events: list[tuple[str, tuple]] = []
        for name in self.NAMES:
            getattr(model, name).connect(lambda *a, n=name: self.events.append((n, a)))

    def names(self) -> list[str]:
        return [n for n, _ in self.events]


# ------------------------------------------------------------------ what a change recomputes


def test_moving_x_recomputes_the_point_not_the_curve(model, qtbot):
    curves, points = model.curve_computations, model.point_computations
    with qtbot.waitSignal(model.pointChanged) as blocker:
        model.set_x(2.0)
    assert model.curve_computations == curves
    assert model.point_computations == points + 1
    p = blocker.args[0]
    assert p.value == 2 * 4 + 6 and p.derivative == 2 * 2 * 2 + 3
    assert p.gradient["a"] == 4.0


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.set_param("a", 3.0),
        lambda m: m.set_text("x^3"),
        lambda m: m.set_view_range(-2, 2, -1, 1),
        lambda m: m.set_show_derivative(True),
        lambda m: m.set_show_second_derivative(True),
    ],
)
def test_function_param_view_and_plotted_toggles_recompute_the_curve(model, change):
    before = model.curve_computations
    change(model)
    assert model.curve_computations == before + 1


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.set_show_edge_labels(False),
        lambda m: m.set_param_range("a", -10.0, 10.0),  # the value stays: nothing to resample
        lambda m: m.set_descent_settings(lr=0.3),
        lambda m: m.set_x(-1.0),
    ],
)
def test_changes_that_do_not_change_the_curve_do_not_resample_it(model, change):
    before = model.curve_computations
    change(model)
    assert model.curve_computations == before


def test_curve_matches_formula_over_visible_range(model):
    model.set_view_range(-2.0, 3.0, -5.0, 20.0)
    c = model.curve
    assert c.x[0] == -2.0 and c.x[-1] == 3.0
    np.testing.assert_allclose(c.y, 2.0 * c.x**2 + 3 * c.x, rtol=1e-12)
    assert c.derivative is None and c.second_derivative is None


def test_the_second_derivative_is_computed_when_its_toggle_is_on(model):
    model.set_text("x^4")
    model.set_view_range(-2.0, 2.0, -1.0, 17.0)
    model.set_show_second_derivative(True)
    xs, ys = model.curve.second_derivative
    finite = np.isfinite(ys)
    np.testing.assert_allclose(ys[finite], 12 * xs[finite] ** 2, rtol=1e-12)
    assert finite.sum() > 1000
    assert model.point.second_derivative == 12.0  # at x = 1
    model.set_show_second_derivative(False)
    assert model.curve.second_derivative is None


def test_each_change_emits_its_signals_once_then_state_changed(model):
    rec = Recorder(model)
    old = model.state
    model.set_x(2.0)
    assert rec.names() == ["xChanged", "pointChanged", "stateChanged"]
    assert rec.events[-1][1] == (old, model.state) and model.state.x == 2.0
    rec.events.clear()
    model.set_text("b x")
    names = rec.names()
    assert names[:2] == ["textChanged", "expressionChanged"]
    assert names.count("paramsChanged") == 1 and names.count("curveChanged") == 1
    assert names[-1] == "stateChanged"
    rec.events.clear()
    model.set_x(2.0)  # no change: nothing at all
    assert rec.events == []


def test_a_setter_called_from_a_slot_is_announced_after_and_never_overtaken(model):
    """A slot that reacts to x by changing the view: every view sees x first, then the view,
    and no older value arrives after a newer one."""
    seen = []
    model.xChanged.connect(lambda x: model.set_view_range(x - 1, x + 1, -1.0, 1.0))
    model.viewRangeChanged.connect(lambda v: seen.append(("view", v)))
    model.pointChanged.connect(lambda p: seen.append(("point", p.x)))
    model.curveChanged.connect(lambda c: seen.append(("curve", c.view)))
    model.set_x(3.0)
    assert model.view_range == (2.0, 4.0, -1.0, 1.0)
    assert ("point", 3.0) in seen and seen[-1] == ("curve", (2.0, 4.0, -1.0, 1.0))
    assert all(s != ("point", 1.0) for s in seen)


# ------------------------------------------------------------------ x


@pytest.mark.parametrize(("asked", "got"), [(50.0, 5.0), (-50.0, -5.0), (5.0, 5.0), (-5.0, -5.0)])
def test_x_is_clamped_into_its_range_at_both_ends(model, asked, got):
    model.set_x(asked)
    assert model.x == got


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_x_changes_nothing(model, bad):
    before = model.state
    model.set_x(bad)
    model.set_x_extending(bad)
    assert model.state == before


@pytest.mark.parametrize(
    ("x", "expected"),
    [(7.5, (-5.0, 8.0)), (-7.5, (-8.0, 5.0)), (7.0, (-5.0, 7.0)), (3.0, (-5.0, 5.0))],
)
def test_x_set_from_outside_grows_the_range_to_whole_numbers(model, x, expected):
    model.set_x_extending(x)
    assert model.x == x and model.x_range == expected


def test_an_x_range_that_would_overflow_a_slider_is_refused(model):
    before = model.state
    assert not model.set_x_range(-1e308, 1e308)
    model.set_x_extending(1.7e308)
    model.set_x_range(-1.0, 1.0)
    model.set_x_extending(-1.7e308)  # from -1e308 … 1 would be fine, -1.7e308 … 1e308 is not
    assert math.isfinite(model.x_range[1] - model.x_range[0])
    model.set_state(before)
    assert model.state == before


@pytest.mark.parametrize("bad", [(3.0, 3.0), (4.0, 3.0), (math.nan, 1.0), (0.0, math.inf)])
def test_an_empty_inverted_or_infinite_x_range_is_refused(model, bad):
    before = model.state
    assert not model.set_x_range(*bad)
    assert model.state == before


def test_a_new_x_range_clamps_x(model):
    assert model.set_x_range(-1.0, 0.5)
    assert model.x == 0.5 and model.x_range == (-1.0, 0.5)
    assert model.set_x_range(0.7, 2.0)
    assert model.x == 0.7


def test_step_x_moves_by_a_fraction_of_the_range(model):
    model.step_x(0.05)
    assert model.x == pytest.approx(1.0 + 0.05 * 10)
    model.step_x(-1.0)
    assert model.x == -5.0


# ------------------------------------------------------------------ parameters


@pytest.mark.parametrize(("value", "lo", "hi"), [(9.0, -5.0, 9.0), (-12.5, -12.5, 5.0)])
def test_a_parameter_value_outside_its_range_widens_it_at_either_end(model, value, lo, hi):
    model.set_param("a", value)
    assert model.params["a"] == ParamState(value, lo, hi)


@pytest.mark.parametrize(("value", "lo", "hi"), [(9.3, -5.0, 10.0), (-7.2, -8.0, 5.0)])
def test_a_parameter_given_at_start_gets_a_range_around_it(qapp, value, lo, hi):
    m = ExplorerModel("a x", params={"a": value})
    assert m.params["a"] == ParamState(value, lo, hi)


def test_a_parameter_range_clamps_its_value(model):
    assert model.set_param_range("a", 3.0, 4.0)
    assert model.params["a"] == ParamState(3.0, 3.0, 4.0)
    assert not model.set_param_range("a", 2.0, 2.0)
    assert not model.set_param_range("missing", 0.0, 1.0)
    model.set_param("missing", 1.0)  # not a parameter: nothing happens
    assert set(model.params) == {"a"}


def test_parameter_values_survive_edits_that_keep_or_drop_them(model):
    model.set_param("a", 2.5)
    model.set_text("a x^2 + b")
    assert set(model.params) == {"a", "b"} and model.params["a"].value == 2.5
    assert model.params["b"] == ParamState(1.0, -5.0, 5.0)
    model.set_text("b x")
    model.set_text("a x^2")
    assert model.params["a"].value == 2.5  # remembered while it was typed away


def test_parameters_come_in_the_expression_order(model):
    model.set_text("beta x + b x + alpha + a")
    assert tuple(model.params) == ("a", "b", "alpha", "beta")


# ------------------------------------------------------------------ the function text


def test_error_keeps_last_valid_expression_and_the_typed_text_is_a_draft(model):
    good = model.expression
    assert not model.set_text("a x^^2")
    assert model.expression is good and model.error is not None and model.error.start == 4
    assert model.state.draft == "a x^^2" and model.state.expression == "a x^2 + 3x"
    assert model.text == "a x^^2"
    assert model.set_text("x")
    assert model.error is None and model.state.draft is None and model.text == "x"


def test_a_start_with_a_bad_function_has_no_curve_and_no_point(qapp):
    m = ExplorerModel("x^^2")
    assert m.expression is None and m.error is not None
    assert m.curve is None and m.point is None
    assert m.view_range[:2] == m.x_range
    assert m.set_text("x^2") and m.point.value == 1.0


def test_text_longer_than_a_state_holds_is_cut_not_a_crash(model):
    assert not model.set_text("x+" * 600)
    assert len(model.state.draft) == 1000 and model.error is not None


# ------------------------------------------------------------------ view and toggles


@pytest.mark.parametrize(
    "bad",
    [
        (0, 1, 2, 2),
        (0, 1, 3, 2),
        (1, 1, 0, 1),
        (2, 1, 0, 1),
        (0, 1, math.nan, 1),
        (0, math.inf, 0, 1),
    ],
)
def test_the_visible_range_refuses_empty_inverted_and_non_finite_boxes(model, bad):
    before = model.state
    assert not model.set_view_range(*bad)
    assert model.state == before


def test_a_tiny_view_change_is_no_change(model):
    model.set_view_range(-2.0, 2.0, -1.0, 1.0)
    before = model.curve_computations
    assert model.set_view_range(-2.0 + 1e-12, 2.0, -1.0, 1.0)
    assert model.curve_computations == before and model.view_range == (-2.0, 2.0, -1.0, 1.0)


def test_reset_view_frames_the_x_range_and_the_curve(model):
    model.set_view_range(-1.0, 1.0, -1.0, 1.0)
    model.set_x_range(-2.0, 2.0)
    model.reset_view()
    x0, x1, y0, y1 = model.view_range
    assert (x0, x1) == (-2.0, 2.0)
    # a x² + 3x with a = 2 on [-2, 2] goes from -9/8 up to 14: framed with a margin
    assert y0 < -1.125 < 14 < y1 and y1 - y0 < 2 * 15.125


def test_toggles_are_state(model):
    model.set_show_derivative(True)
    model.set_show_edge_labels(False)
    assert model.state.toggles == Toggles(True, False, False)
    xs, ys = model.curve.derivative
    np.testing.assert_allclose(ys[np.isfinite(ys)], (4 * xs + 3)[np.isfinite(ys)], rtol=1e-12)


# ------------------------------------------------------------------ the whole state


def test_set_state_shows_a_session_and_frames_it_when_it_has_no_view(model):
    session = SessionState(
        expression="x^3",
        x=0.5,
        x_range=(-2.0, 2.0),
        params={"q": ParamState(4.0, 0.0, 9.0)},
        toggles=Toggles(show_derivative=True),
        title="Cubic",
        note="flat at 0",
    )
    model.set_state(session)
    s = model.state
    assert (s.expression, s.x, s.x_range, s.title, s.toggles) == (
        "x^3",
        0.5,
        (-2.0, 2.0),
        "Cubic",
        Toggles(show_derivative=True),
    )
    assert dict(s.params) == {}  # q is not in x³: remembered, not shown
    x0, x1, y0, y1 = model.view_range
    assert (x0, x1) == (-2.0, 2.0) and y0 < -8 and y1 > 8  # x³ reaches ±8 on [-2, 2]
    model.set_text("q x^3")
    assert model.params["q"] == ParamState(4.0, 0.0, 9.0)


def test_set_state_moves_a_descent_target_that_is_not_a_parameter_to_x(model):
    session = SessionState(
        expression="x",
        params={"a": ParamState(1.0, 0.0, 2.0)},
        descent=DescentSettings(target="a", lr=0.2),
    )
    model.set_state(session)
    assert model.descent_settings == DescentSettings("x", 0.2, -1)


def test_set_state_refuses_anything_but_a_session_state(model):
    with pytest.raises(TypeError):
        model.set_state({"expression": "x"})  # type: ignore[arg-type]


def test_restore_puts_back_a_state_exactly(model):
    model.set_param("a", -1.25)
    model.set_x_range(-3.0, 4.0)
    model.set_x(0.5)
    model.set_show_second_derivative(True)
    model.set_view_range(-1.0, 2.0, -3.0, 3.0)
    state = model.state
    other = ExplorerModel("x")
    other.restore(state)
    assert other.state == state
    assert other.point.value == -1.25 * 0.25 + 1.5
    assert other.point.gradient["a"] == 0.25


def test_the_point_is_undefined_outside_the_domain(model):
    model.set_text("ln(x)")
    model.set_x(-2.0)
    p = model.point
    assert math.isnan(p.value) and math.isnan(p.derivative) and math.isnan(p.second_derivative)
    model.set_x(math.e)
    assert model.point.value == pytest.approx(1.0) and model.point.derivative == 1 / math.e


def test_descent_settings_are_state_and_validated(model):
    model.set_descent_settings(target="a", lr=0.05, direction=1)
    assert model.descent_settings == DescentSettings("a", 0.05, 1)
    model.set_descent_settings(target="zz")
    assert model.descent_settings.target == "x"
    model.set_text("x^2")  # a is gone: descent falls back to x
    assert model.descent_settings.target == "x"


# ------------------------------------------------------------------ overlays


def test_the_trail_is_an_overlay_with_its_own_signal(model, qtbot):
    with qtbot.waitSignal(model.trailChanged) as blocker:
        model.set_trail([1.0, 0.5], [5.0, 2.0], [7.0, 5.0])
    assert blocker.args[0].xs == (1.0, 0.5) and model.trail.slopes == (7.0, 5.0)
    with pytest.raises(ValueError):
        model.set_trail([1.0], [1.0, 2.0])
    model.clear_trail()
    assert model.trail is None
    assert model.state.x == 1.0  # an overlay is not session state


def test_stepping_follows_the_point_and_keeps_its_position_on_the_same_graph(model):
    model.set_text("x*x + x")
    model.set_x(2.0)
    model.start_stepping("backward")
    frame = model.step
    assert frame.position == -1 and frame.count == 3 and frame.known_grads == {}
    model.step_by(3)
    x_id = next(n.id for n in model.point.trace.nodes if n.label == "x")
    assert model.step.current == x_id and float(model.step.known_grads[x_id]) == 5.0
    model.set_x(3.0)  # same graph: same step, new numbers (2·3 + 1)
    assert model.step.position == 2 and float(model.step.known_grads[model.step.current]) == 7.0
    model.set_text("sin(x)")  # another graph: back before the first step
    assert model.step.position == -1 and model.step.count == 2
    model.step_to(99)
    assert model.step.position == 1 and model.step.at_end
    model.stop_stepping()
    assert model.step is None


def test_stepping_forward_reveals_values_not_gradients(model):
    model.start_stepping("forward")
    model.step_by(1)
    frame = model.step
    assert frame.mode == "forward" and frame.known_grads == {}
    assert frame.current in frame.known_values


def test_unknown_step_mode_is_refused(model):
    with pytest.raises(ValueError):
        model.start_stepping("sideways")  # type: ignore[arg-type]


def test_the_state_is_immutable_and_replaced_not_changed(model):
    first = model.state
    model.set_param("a", 4.0)
    assert first.params["a"].value == 2.0 and model.state.params["a"].value == 4.0
    assert replace(first, x=1.0) == first
