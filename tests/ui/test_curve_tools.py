"""The tools that read the curve, in the window: markers on the points of interest where the
model says (and where sympy's roots are), a click on one moves x there, jumps and trace mode,
the Taylor order control redrawing the polynomial (checked against the closed form), g(x)
through save/open, undo and swap, and descent naming the minimum it reached."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from gradexplorer.lessons import points as poi
from gradexplorer.lessons.session import load_session

from .helpers import make_window, set_x


def marker_screen_pos(window, x: float, y: float) -> QPoint:
    vb = window.plot.view_box
    scene = vb.mapViewToScene(QPointF(x, y))
    return window.plot.mapFromScene(scene)


def test_markers_are_where_the_model_says(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    found = window.model.points
    assert [(p.kind, p.x, p.y) for p in found.points] == [
        (poi.ROOT, -3.0, 0.0),
        (poi.MINIMUM, -1.5, -2.25),
        (poi.ROOT, 0.0, 0.0),
        (poi.Y_INTERCEPT, 0.0, 0.0),
    ]
    assert window.plot.marks.shown() == [(p.kind, p.x, p.y) for p in found.points]
    xs, ys = window.plot.marks.spots.getData()
    assert list(zip(xs, ys, strict=True)) == [(p.x, p.y) for p in found.points]
    rows = [
        window.points_panel.list.item(i).text() for i in range(window.points_panel.list.count())
    ]
    assert rows[1] == "▼  minimum  x = -1.5   f = -2.25"


def test_poles_are_drawn_as_lines_not_markers_of_roots(qtbot):
    window = make_window(qtbot, expression="tan(x)")
    window.model.set_view_range(-4.5, 4.5, -10, 10)
    # the view changed: the markers follow once it stops changing (points_settled)
    qtbot.waitUntil(lambda: window.plot.marks.shown()[0][1] > -4.5, timeout=2000)
    kinds = [k for k, _, _ in window.plot.marks.shown()]
    assert kinds.count(poi.POLE) == 2 and kinds.count(poi.ROOT) == 3
    xs, ys = window.plot.marks.poles.getData()
    assert sorted(set(np.round(xs, 12))) == pytest.approx([-math.pi / 2, math.pi / 2])
    assert set(ys) == {-10.0, 10.0}  # from the bottom of the view to its top


def test_a_dragged_parameter_finds_the_points_once_it_stops(qtbot):
    """Finding the points costs up to ~80 ms: not on every tick of a drag. The roots of
    x² − a are ±√a (closed form); while the drag goes on the markers keep the last ones,
    reading model.points gives the current ones, and 120 ms after the last tick the plot
    has them; in between the markers are hidden (they would float off the moved curve)."""
    window = make_window(qtbot, expression="x^2 - a")
    marks = window.plot.marks
    emitted = []
    window.model.pointsChanged.connect(emitted.append)
    for a in np.linspace(1.0, 4.0, 16):
        window.model.set_param("a", float(a))
    assert emitted == []  # nothing found during the drag
    assert window.model.points_pending and not marks.spots.isVisible()
    roots = [p.x for p in window.model.points.of_kind(poi.ROOT)]
    assert roots == pytest.approx([-2.0, 2.0], rel=1e-14)  # a read is never stale
    qtbot.waitUntil(lambda: len(emitted) == 1, timeout=2000)
    assert [x for k, x, _ in marks.shown() if k == poi.ROOT] == pytest.approx([-2.0, 2.0])
    assert not window.model.points_pending and marks.spots.isVisible()
    window.function_input.edit.setText("x^2 - 9")  # a new function: found at once
    window.function_input.edit.returnPressed.emit()
    assert [x for k, x, _ in marks.shown() if k == poi.ROOT] == pytest.approx([-3.0, 3.0])


def test_clicking_a_marker_moves_x_there(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    assert window.model.x == 1.0
    pos = marker_screen_pos(window, -1.5, -2.25)
    QTest.mouseClick(window.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.model.x == -1.5, timeout=2000)
    # at the minimum the tangent is flat and the graph's gradient of x is 0
    assert window.model.point.derivative == 0.0
    assert window.plot.tangent_slope() == 0.0
    assert "x is at a minimum" in window.points_panel.here_text()
    # a click on empty plot still moves x to where it was (not snapped to a marker)
    QTest.mouseClick(
        window.plot.viewport(), Qt.MouseButton.LeftButton, pos=marker_screen_pos(window, 2.0, 30)
    )
    qtbot.waitUntil(lambda: abs(window.model.x - 2.0) < 0.05, timeout=2000)


def test_the_list_and_the_jump_commands_move_x(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    panel = window.points_panel
    panel.list.itemClicked.emit(panel.list.item(0))
    assert window.model.x == -3.0
    window.commands["points.next"].trigger()
    assert window.model.x == -1.5
    window.commands["points.next"].trigger()
    assert window.model.x == 0.0
    window.commands["points.next"].trigger()  # nothing further right: x stays, the panel says so
    assert window.model.x == 0.0 and "No point of interest further right" in panel.here_text()
    window.commands["points.previous"].trigger()
    assert window.model.x == -1.5


def test_trace_mode_snaps_keyboard_steps_to_the_points_on_the_way(qtbot):
    window = make_window(qtbot, expression="sin(x)")
    set_x(window, 1.0)
    window.commands["points.trace"].trigger()
    assert window.model.tracing and window.points_panel.trace_check.isChecked()
    window.plot.setFocus()
    for _ in range(2):  # steps of 1/20 of the range: 1.5, then 2.0 would pass the maximum π/2
        QTest.keyClick(window.plot, Qt.Key.Key_PageUp)
    assert window.model.x == pytest.approx(math.pi / 2, rel=1e-14)
    QTest.keyClick(window.plot, Qt.Key.Key_PageUp)
    assert window.model.x == pytest.approx(math.pi / 2 + 0.5)
    window.commands["points.trace"].trigger()
    assert not window.model.tracing


def test_the_x_slider_traces_too(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    set_x(window, -1.3)
    window.model.set_tracing(True)
    slider = window.x_control.slider
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key.Key_PageDown)  # 0.5 to the left would pass the minimum
    assert window.model.x == -1.5


def test_markers_off_and_a_wider_search(qtbot):
    window = make_window(qtbot, expression="(x - 20)^2")
    assert [p.kind for p in window.model.points.points] == [poi.Y_INTERCEPT]
    assert "None in view" not in window.points_panel.here_text()
    window.commands["points.wide"].trigger()
    assert window.model.state.points.wide
    assert (poi.MINIMUM, 20.0) in [(p.kind, p.x) for p in window.model.points.points]
    window.commands["points.show"].trigger()
    assert window.model.points is None and window.plot.marks.shown() == []
    assert not window.points_panel.list.isVisible()


def test_crowded_points_are_counted_on_the_plot_and_in_the_panel(qtbot):
    window = make_window(qtbot, expression="sin(1/x)")
    found = window.model.points
    assert found.hidden > 20
    assert f"and {found.hidden} more points between" in window.plot.marks.more_text()
    assert window.points_panel.more_label.text().startswith(f"and {found.hidden} more")


def taylor_of_sine(n: int, xs: np.ndarray) -> np.ndarray:
    return sum((-1) ** (k // 2) * xs**k / math.factorial(k) for k in range(1, n + 1, 2))


def test_the_order_control_redraws_the_polynomial(qtbot):
    window = make_window(qtbot, expression="sin(x)")
    set_x(window, 0.0)
    item = window.plot.extra.taylor_item
    assert not item.isVisible()
    window.commands["taylor.show"].trigger()
    assert item.isVisible() and window.model.state.taylor.order == 2
    for n in (3, 5, 9):
        window.taylor_panel.order_spin.setValue(n)
        xs, ys = item.getData()
        inside = np.abs(xs) < 3
        np.testing.assert_allclose(ys[inside], taylor_of_sine(n, xs[inside]), atol=1e-12)
        assert window.taylor_panel.polynomial_text().startswith(f"T{'₃₅₉'[(3, 5, 9).index(n)]}(x)")
    window.commands["taylor.higher"].trigger()
    assert window.taylor_panel.order_spin.value() == 10
    window.commands["taylor.lower"].trigger()
    window.commands["taylor.lower"].trigger()
    assert window.model.state.taylor.order == 8
    assert "T₈(x)" in window.plot.legend_html()


def test_the_polynomial_follows_x_and_the_coefficients_are_listed(qtbot):
    window = make_window(qtbot, expression="e^x")
    window.model.set_taylor_settings(shown=True, order=2)
    set_x(window, 1.0)
    assert window.taylor_panel.polynomial_text() == (
        f"T₂(x) = {math.e:.5g} + {math.e:.5g} (x − 1) + {math.e / 2:.5g} (x − 1)²"
    )
    table = window.taylor_panel.coefficients_label.text()
    assert f"{math.e / 2:.6g}" in table and "f<sup>(k)</sup>(1)" in table
    set_x(window, 0.0)
    assert window.taylor_panel.polynomial_text() == "T₂(x) = 1 + x + 0.5 x²"


def test_where_the_polynomial_does_not_exist_the_panel_says_why(qtbot):
    window = make_window(qtbot, expression="sqrt(x)")
    window.model.set_taylor_settings(shown=True, order=3)
    set_x(window, 0.0)
    assert "undefined" in window.taylor_panel.polynomial_text()
    assert not window.plot.extra.taylor_item.isVisible()


def type_g(qtbot, window, text: str) -> None:
    edit = window.second_panel.edit
    edit.setText(text)
    edit.returnPressed.emit()


def test_g_is_drawn_with_its_own_tangent_and_survives_save_and_open(qtbot, tmp_path):
    window = make_window(qtbot, expression="x^2")
    set_x(window, 1.0)
    type_g(qtbot, window, "a sin(x)")
    assert window.model.state.second == "a sin(x)" and "a" in window.model.params
    extra = window.plot.extra
    assert extra.second_item.isVisible() and extra.second_tangent.isVisible()
    p = extra.second_point_at()
    assert (p.x(), p.y()) == (1.0, math.sin(1.0))
    xs, ys = extra.second_tangent.getData()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(math.cos(1.0), rel=1e-12)
    assert "g(x) = 0.841471" in window.second_panel.value_text()
    path = tmp_path / "g.json"
    assert window.sessions.save_file(path)
    assert load_session(path).second == "a sin(x)"
    window.sessions.new_session()
    assert window.model.state.second == "" and not extra.second_item.isVisible()
    assert window.sessions.open_file(path)
    assert window.model.state.second == "a sin(x)" and window.second_panel.edit.text() == "a sin(x)"
    assert extra.second_item.isVisible()


def test_g_is_undone_and_redone_and_a_mistake_keeps_the_last_valid_g(qtbot):
    window = make_window(qtbot, expression="x^2")
    type_g(qtbot, window, "2x")
    type_g(qtbot, window, "sin(")  # a mistake: said, not taken
    assert window.model.state.second == "2x"
    assert window.second_panel.error_label.isVisible()
    type_g(qtbot, window, "3x")
    assert window.model.state.second == "3x" and not window.second_panel.error_label.isVisible()
    window.commands["edit.undo"].trigger()
    assert window.model.state.second == "2x" and window.second_panel.edit.text() == "2x"
    window.commands["edit.undo"].trigger()
    assert window.model.state.second == "" and window.model.second is None
    window.commands["edit.redo"].trigger()
    assert window.model.state.second == "2x"


def test_swap_makes_g_the_function_the_graph_shows(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    assert not window.commands["second.swap"].isEnabled()
    type_g(qtbot, window, "sin(x)")
    assert window.commands["second.swap"].isEnabled()
    window.commands["second.swap"].trigger()
    state = window.model.state
    assert (state.expression, state.second) == ("sin(x)", "x^2 + 3x")
    assert window.function_input.edit.text() == "sin(x)"
    labels = [n.label for n in window.model.point.trace.nodes]
    assert "sin" in labels
    assert window.model.point.value == pytest.approx(math.sin(1.0))
    assert window.model.second.value == 4.0  # f is now the second curve, at the same x


def test_a_state_string_carries_g_and_the_tools(qtbot):
    window = make_window(qtbot, expression="x^3")
    type_g(qtbot, window, "x")
    window.model.set_taylor_settings(shown=True, order=5)
    window.model.set_points_settings(wide=True)
    line = window.sessions.state_string()
    other = make_window(qtbot)
    assert other.sessions.paste_state(line)
    s = other.model.state
    assert (s.second, s.taylor.order, s.taylor.shown, s.points.wide) == ("x", 5, True, True)


def test_descent_ends_at_the_minimum_it_found(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    set_x(window, 2.0)
    panel = window.descent_panel
    for _ in range(200):
        panel.step()
        if panel.descent is not None and panel.descent.finished:
            break
    assert panel.status() == "converged"
    assert "at the local minimum x = -1.5, f′ ≈ 0" in panel.status_label.text()


def test_presentation_makes_the_markers_bigger(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x")
    before = window.plot.marks._size
    points = window.points_panel.list
    small = points.height()
    window.commands["view.presentation"].trigger()
    assert window.plot.marks._size > 1.5 * before
    # the list grows with its font: still every one of its four rows, no scrolling
    qtbot.waitUntil(lambda: points.height() > 1.3 * small, timeout=2000)
    assert points.height() >= 4 * points.sizeHintForRow(0)
    window.commands["view.presentation"].trigger()
    assert window.plot.marks._size == before


def test_zoomed_in_past_what_a_search_resolves_the_markers_go_quietly(qtbot, caplog):
    window = make_window(qtbot, expression="x^2 - 1")
    m = window.model
    assert [p.kind for p in m.points.points][:1] == [poi.ROOT]
    # 1e-15 wide at x = 1: the scan's samples would repeat (it called x² − 1 flat there)
    assert m.set_view_range(1.0, 1.0 + 1e-15, -1.0, 1.0)
    assert m.points is None
    qtbot.waitUntil(lambda: window.plot.marks.shown() == [])  # once the zoom settles
    assert window.points_panel.list.count() == 0
    assert "Zoomed in too far to look for points" in window.points_panel.here_text()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert m.set_view_range(-2.0, 2.0, -2.0, 2.0)  # and they come back
    assert [p.x for p in m.points.points if p.kind == poi.ROOT] == [-1.0, 1.0]
    qtbot.waitUntil(lambda: "Zoomed in" not in window.points_panel.here_text())
