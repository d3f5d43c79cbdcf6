"""What the plot draws, checked on the items themselves: plain tick labels, a frame that holds
every curve shown, gaps at steps, a legend that never covers the data, and a note when the
point is outside the view. Oracles: the closed forms of the functions drawn."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest

from .helpers import make_window, set_x, type_function


def test_ticks_are_plain_decimals_never_an_si_scale(qtbot):
    window = make_window(qtbot)
    type_function(qtbot, window, "sin x cos x")  # peak 0.5: pyqtgraph used to write 500
    window.reset_view()
    qtbot.wait(50)
    axis = window.plot.getPlotItem().getAxis("left")
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    values = [v for level in axis.tickValues(-0.6, 0.6, 400) for v in level[1]]
    strings = axis.tickStrings(values, 1.0, 0.1)
    assert "0.4" in strings and "-0.4" in strings
    assert all(abs(float(s)) <= 0.6 for s in strings)


def test_the_frame_holds_the_derivative_curves_that_are_shown(qtbot):
    window = make_window(qtbot)
    m = window.model
    type_function(qtbot, window, "sin(x)^2")  # f in [0, 1], f′ = sin 2x in [-1, 1]
    assert m.view_range[2] > -0.5
    m.set_show_derivative(True)
    assert m.view_range[2] < -1.0 and m.view_range[3] > 1.0
    type_function(qtbot, window, "|x|")  # f′ = -1 left of 0
    assert m.view_range[2] < -1.0
    m.set_show_derivative(False)
    m.set_show_second_derivative(True)  # (x^4)'' = 12x^2 up to 300 on [-5, 5]
    type_function(qtbot, window, "x^4 / 100")
    assert m.view_range[3] >= 3.0  # 12·25/100 = 3


def _joins(xs: np.ndarray, ys: np.ndarray, left: float, right: float) -> bool:
    """Whether a drawn segment (both ends finite) goes from y = left to y = right."""
    ok = np.isfinite(ys)
    return any({ys[i], ys[i + 1]} == {left, right} for i in np.nonzero(ok[:-1] & ok[1:])[0])


def test_the_step_of_a_derivative_is_a_gap_not_a_vertical_segment(qtbot):
    window = make_window(qtbot)
    window.model.set_show_derivative(True)
    for text, left, right in (("relu(x)", 0.0, 1.0), ("|x|", -1.0, 1.0), ("3|x - 0.3|", -3, 3)):
        type_function(qtbot, window, text)
        xs, ys = window.plot.d1_item.getData()
        assert not _joins(xs, ys, left, right), text
        assert np.isnan(ys).sum() >= 1, text
        # the rest is drawn: both flat pieces are there
        assert (ys == left).sum() > 500 and (ys == right).sum() > 500, text


def test_a_smooth_curve_gets_no_false_gaps(qtbot):
    window = make_window(qtbot)
    window.model.set_show_derivative(True)
    for text in ("sin(3x)", "x^3", "exp(x)", "tanh(5x)", "sin(x)^2"):
        type_function(qtbot, window, text)
        for item in (window.plot.curve_item, window.plot.d1_item):
            _, ys = item.getData()
            assert np.isfinite(ys).all(), (text, item.name())


def test_the_legend_sits_above_the_data(qtbot):
    window = make_window(qtbot)
    plot = window.plot
    assert not [i for i in plot.scene().items() if isinstance(i, pg.LegendItem)]
    title = plot.getPlotItem().titleLabel
    assert "f(x)" in title.text and "tangent" in title.text
    assert title.sceneBoundingRect().bottom() <= plot.view_box.sceneBoundingRect().top() + 1
    window.model.set_show_derivative(True)
    assert "f′(x)" in plot.getPlotItem().titleLabel.text


def test_a_point_outside_the_view_is_announced_with_its_value(qtbot):
    window = make_window(qtbot)
    type_function(qtbot, window, "1/x")
    window.model.set_view_range(-5.0, 5.0, -10.0, 10.0)
    set_x(window, -0.001)
    assert window.model.point.value == -1000.0
    note = window.plot.off_screen_text()
    assert note.startswith("▼ point off screen") and "x = -0.001" in note and "-1000" in note
    x, y = window.plot.off_screen.pos().x(), window.plot.off_screen.pos().y()
    assert -5 < x < 5 and -10 < y < 10  # on screen itself
    set_x(window, 2.0)
    assert window.plot.off_screen_text() == "" and math.isclose(window.model.point.value, 0.5)


def test_where_f_has_no_value_the_plot_says_where_x_is(qtbot):
    """ln(x) at x = -1 drew nothing at all: no point, no tangent, no word (a walk-through)."""
    window = make_window(qtbot)
    type_function(qtbot, window, "ln(x)")
    set_x(window, -1.0)
    assert not window.plot.marker.isVisible()
    note = window.plot.off_screen_text()
    assert note == "▼ x = -1: f has no value here"
    x0, x1, y0, y1 = window.model.view_range
    pos = window.plot.off_screen.pos()
    assert x0 < pos.x() < x1 and y0 < pos.y() < y1
    set_x(window, 1.0)
    assert window.plot.off_screen_text() == ""


@pytest.mark.parametrize("present", [False, True])
def test_a_long_legend_never_widens_the_plot_past_its_widget(qtbot, present):
    """The slice's legend ("f along u = (0.71, 0.71)", "f′ = ∇f·u", "f′′ = uᵀHu", "tangent:
    ∇f·u") is wider than the slice plot at 1280x800: pyqtgraph's title asked for its text's
    width, so the plot item grew past its widget and the view box's right part, with the
    slice and its point, was cut off (by 200 px, 500 presenting). The line starts at the
    plot's left and its end is cut instead."""
    window = make_window(qtbot)
    window.resize(1280, 800)
    window.show()
    if present:
        window.presentation.set_presentation(True)
    type_function(qtbot, window, "f(x, y) = x^2 + 20y^2", debounce=False)
    window.model.set_direction(45.0)
    window.model.set_show_derivative(True)
    window.model.set_show_second_derivative(True)
    qtbot.wait(50)
    plot, item = window.plot, window.plot.getPlotItem()
    assert item.geometry().width() <= plot.width() + 0.5, (item.geometry().width(), plot.width())
    assert plot.view_box.sceneBoundingRect().right() <= plot.width() + 0.5
    title = item.titleLabel
    text = title.item.mapRectToScene(title.item.boundingRect())
    assert text.left() >= 0  # "f along u" shows, whatever is cut at the end
    window.resize(1920, 1080)  # room again: the line is centred over the plot as before
    qtbot.wait(50)
    if not present:
        text = title.item.mapRectToScene(title.item.boundingRect())
        assert abs(text.center().x() - title.sceneBoundingRect().center().x()) < 1
