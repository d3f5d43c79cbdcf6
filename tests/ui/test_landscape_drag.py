"""A parameter drag on a function of two inputs: the landscape (heat map, colour bar, contours,
arrows, the point's arrow) is redrawn on every step; the slice, the graph and the readouts
follow when the drag pauses. Checked against f written out in numpy here, and against a window
opened at the final value (what a drag leaves on screen must be what a fresh start shows)."""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage

from gradexplorer.ui.model import FOLLOW_MAX_MS, FOLLOW_SETTLE_MS

from .helpers import curve_data, label_number, make_window

DRAGGED = "f(x, y) = (1 - x)^2 + a(y - x^2)^2 + sin(x) cos(y)"
SQRT = "f(x, y) = sqrt(x) + a y"  # undefined where x < 0


def f(x, y, a):
    return (1 - x) ** 2 + a * (y - x**2) ** 2 + np.sin(x) * np.cos(y)


def grad(x, y, a):
    return (
        -2 * (1 - x) - 4 * a * x * (y - x**2) + np.cos(x) * np.cos(y),
        2 * a * (y - x**2) - np.sin(x) * np.sin(y),
    )


def f_xx(x, y, a):
    return 2 - 4 * a * (y - x**2) + 8 * a * x**2 - np.sin(x) * np.cos(y)


def _drag(qtbot, window, values) -> None:
    """Move the parameter's slider through values, letting each step paint, as a drag does:
    the slider is held down (sliderPressed) and stays held, the mouse resting on it."""
    slider = window.param_panel.controls["a"].slider
    slider.setSliderDown(True)
    lo, hi = window.model.params["a"].min, window.model.params["a"].max
    for v in values:
        slider.setValue(round((v - lo) / (hi - lo) * slider.maximum()))
        qtbot.wait(1)


@pytest.fixture
def dragged(qtbot):
    window = make_window(qtbot, expression=DRAGGED)
    window.model.set_point(0.6, -0.4)  # y ≠ x²: f, ∇f and the Hessian depend on a
    _drag(qtbot, window, [1.5, 2.5, 3.7, 4.2])
    return window


def _grid(window):
    box = window.model.state.landscape.box
    xs, ys = np.linspace(box[0], box[1], 200), np.linspace(box[2], box[3], 200)
    return xs, ys, f(xs[None, :], ys[:, None], window.model.param_values()["a"])


def test_the_colour_bar_and_the_heat_map_show_the_last_value(qtbot, dragged) -> None:
    a = dragged.model.param_values()["a"]
    assert a == pytest.approx(4.2, abs=0.02)
    _, _, values = _grid(dragged)
    lo, hi = np.percentile(values, [1.0, 99.0])  # the documented bulk of the values
    view = dragged.landscape
    assert view.colorbar.levels() == pytest.approx((lo, hi), rel=1e-9)
    assert view.colorbar.axis.range == pytest.approx([lo, hi], rel=1e-9)
    assert tuple(view.image.levels) == pytest.approx((lo, hi), rel=1e-9)
    np.testing.assert_allclose(view.image.image, values, rtol=1e-12)


def test_the_contours_are_the_current_levels_of_the_current_function(qtbot, dragged) -> None:
    a = dragged.model.param_values()["a"]
    levels = np.asarray(dragged.model.landscape.levels)
    # the levels: round steps (1, 2 or 5 × 10^k) over the bulk, about 12 of them
    _, _, values = _grid(dragged)
    lo, hi = np.percentile(values, [1.0, 99.0])
    assert levels[0] >= lo and levels[-1] < hi and 6 <= len(levels) <= 25
    step = levels[1] - levels[0]
    assert np.allclose(np.diff(levels), step)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    xs, ys = dragged.landscape.contours.getData()
    pts = np.column_stack([xs, ys])
    pts = pts[np.isfinite(pts).all(axis=1)]
    assert len(pts) > 100
    on = f(pts[:, 0], pts[:, 1], a)  # every vertex lies on one of the levels (linear pieces)
    nearest = levels[np.abs(on[:, None] - levels[None, :]).argmin(axis=1)]
    assert np.abs(on - nearest).max() < 0.02 * step
    assert set(np.unique(nearest)) == set(levels[levels > values.min()])
    old = f(pts[:, 0], pts[:, 1], 3.7)  # not the lines of an earlier step
    assert np.abs(old - levels[np.abs(old[:, None] - levels).argmin(axis=1)]).max() > 0.1 * step


def test_the_arrows_the_points_arrow_and_its_slice_line_follow(qtbot, dragged) -> None:
    a = dragged.model.param_values()["a"]
    xs, ys = dragged.landscape.arrows.getData()
    seg = np.column_stack([xs, ys]).reshape(-1, 6, 2)  # shaft and two head strokes per arrow
    start, tip = seg[:, 0], seg[:, 1]
    gx, gy = grad(start[:, 0], start[:, 1], a)
    d = tip - start
    cos = (d[:, 0] * gx + d[:, 1] * gy) / (np.hypot(*d.T) * np.hypot(gx, gy))
    assert cos.min() > 1 - 1e-9
    gxs, gys = dragged.landscape.gradient_arrow.getData()
    s = dragged.model.surface
    assert (s.x, s.y) == (0.6, -0.4)
    px, py = grad(0.6, -0.4, a)
    shaft = np.array([gxs[1] - gxs[0], gys[1] - gys[0]])
    assert shaft @ np.array([px, py]) / (np.hypot(*shaft) * math.hypot(px, py)) > 1 - 1e-9
    lx, ly = dragged.landscape.slice_line.getData()  # along x through the point, not the start
    assert list(ly) == [-0.4, -0.4] and lx[0] < 0.6 < lx[1]


def test_the_slice_graph_and_readouts_follow_when_the_drag_pauses(qtbot, dragged) -> None:
    m, a = dragged.model, dragged.model.param_values()["a"]
    assert m.point.value == pytest.approx(f(0.6, -0.4, a), rel=1e-12)  # the model is current
    qtbot.waitUntil(
        lambda: (
            label_number(dragged, "surfaceFXxLabel") == pytest.approx(f_xx(0.6, -0.4, a), rel=1e-5)
        ),
        timeout=FOLLOW_SETTLE_MS * 20,
    )
    assert label_number(dragged, "surfaceValueLabel") == pytest.approx(f(0.6, -0.4, a), rel=1e-5)
    xs, ys = curve_data(dragged)  # the slice along x through the point, at the final a
    ok = np.isfinite(ys) & (np.abs(ys) < 1e5)
    np.testing.assert_allclose(ys[ok], f(xs[ok], -0.4, a), rtol=1e-9, atol=1e-9)
    shown = [n["grad"] for n in dragged.graph_view.node_summary() if n["label"] == "x"]
    assert shown  # the graph's x boxes: ∂f/∂x of the pass at the final a (4 figures shown)
    for text in shown:
        assert float(text.split()[-1]) == pytest.approx(grad(0.6, -0.4, a)[0], rel=1e-3)


def test_a_held_drag_draws_the_points_arrow_without_the_whole_pass(qtbot, monkeypatch) -> None:
    import gradexplorer.ui.model as model_module

    window = make_window(qtbot, expression=DRAGGED)
    window.model.set_point(0.6, -0.4)
    qtbot.wait(100)  # the window's first layouts settle (a resized view asks for the point)
    passes = []
    whole = model_module.evaluate_surface
    monkeypatch.setattr(
        model_module, "evaluate_surface", lambda *a, **k: passes.append(a) or whole(*a, **k)
    )
    _drag(qtbot, window, [1.5, 2.5, 3.7])
    assert passes == []  # f and ∇f only, per step: no trace, no Hessian
    gxs, gys = window.landscape.gradient_arrow.getData()
    px, py = grad(0.6, -0.4, 3.7)  # yet the arrow is the gradient at the current a
    shaft = np.array([gxs[1] - gxs[0], gys[1] - gys[0]])
    assert shaft @ np.array([px, py]) / (np.hypot(*shaft) * math.hypot(px, py)) > 1 - 1e-9
    # whoever asks the model mid-drag gets the whole point, current: Hessian, trace, slice
    s = window.model.surface
    assert len(passes) == 1 and s.trace is not None
    assert s.hessian[0][0] == pytest.approx(f_xx(0.6, -0.4, 3.7), rel=1e-9)
    assert window.model.point.value == pytest.approx(f(0.6, -0.4, 3.7), rel=1e-12)
    window.model.settle()  # the pause: announced, not computed again
    assert len(passes) == 1
    assert label_number(window, "surfaceFXxLabel") == pytest.approx(f_xx(0.6, -0.4, 3.7), rel=1e-5)


def test_the_views_get_the_whole_point_when_the_drag_pauses(qtbot) -> None:
    """Someone read the point mid-drag (a resize does): it was completed then, unannounced;
    the pause still hands the views the whole surface, not the arrow-only one they drew."""
    window = make_window(qtbot, expression=DRAGGED)
    window.model.set_point(0.6, -0.4)
    qtbot.wait(100)
    sent = []
    window.model.surfaceChanged.connect(sent.append)
    _drag(qtbot, window, [1.5, 2.5])
    assert sent and sent[-1].trace is None  # the arrow alone, per step
    assert window.model.surface.trace is not None  # a read mid-drag: completed
    window.model.settle()
    assert sent[-1].trace is not None and sent[-1] is window.model.surface


def test_a_drag_that_never_pauses_still_refreshes_the_slice_and_readouts(qtbot) -> None:
    window = make_window(qtbot, expression=DRAGGED)
    window.model.set_point(0.6, -0.4)
    qtbot.wait(FOLLOW_SETTLE_MS * 3)
    told: list[float] = []
    window.model.pointChanged.connect(lambda p: told.append(time.monotonic()))
    slider = window.param_panel.controls["a"].slider
    slider.setSliderDown(True)
    start = time.monotonic()
    for k in range(60):  # a step every 15 ms for 0.9 s: never a pause of FOLLOW_SETTLE_MS
        slider.setValue(1000 + 10 * k)
        qtbot.wait(15)
    span = time.monotonic() - start
    # the held-back views followed during the drag, at least once per FOLLOW_MAX_MS ...
    assert len(told) >= int(span * 1000 / (FOLLOW_MAX_MS + 100))
    # ... and not at every step (that is what holding them back saves)
    assert len(told) <= span * 1000 / FOLLOW_SETTLE_MS + 1
    gaps = np.diff([start, *told])
    assert gaps.max() * 1000 < FOLLOW_MAX_MS + 150  # never frozen much longer than that


def test_releasing_the_slider_brings_everything_up_to_date_at_once(qtbot, dragged) -> None:
    m, a = dragged.model, dragged.model.param_values()["a"]
    told: list = []
    m.pointChanged.connect(told.append)
    dragged.param_panel.controls["a"].slider.setSliderDown(False)  # the mouse button goes up
    assert len(told) == 1  # no wait for the pause
    assert label_number(dragged, "surfaceValueLabel") == pytest.approx(f(0.6, -0.4, a), rel=1e-5)


def test_a_mouse_press_on_the_slider_handle_is_what_holds_the_views_back(qtbot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    window = make_window(qtbot, expression=DRAGGED)
    window.model.set_point(0.6, -0.4)
    qtbot.wait(FOLLOW_SETTLE_MS * 2)
    slider = window.param_panel.controls["a"].slider
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    told: list = []
    window.model.pointChanged.connect(told.append)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=handle.center())
    assert slider.isSliderDown()
    slider.setValue(slider.value() + 40)  # what the held mouse's moves do
    assert told == []  # the landscape first; the rest when the drag pauses or ends
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=handle.center())
    assert len(told) == 1
    a = window.model.param_values()["a"]
    assert label_number(window, "surfaceValueLabel") == pytest.approx(f(0.6, -0.4, a), rel=1e-5)


def test_an_animation_or_the_keys_update_every_view_on_every_step(qtbot) -> None:
    # nothing holds the slider: the animator's frames (33 ms apart, under FOLLOW_SETTLE_MS)
    # and key presses each bring the slice, the graph and the readouts along
    window = make_window(qtbot, expression=DRAGGED)
    window.model.set_point(0.6, -0.4)
    qtbot.wait(FOLLOW_SETTLE_MS * 2)
    told: list = []
    window.model.pointChanged.connect(told.append)
    for k in range(10):
        window.model.set_param("a", 1.05 + 0.1 * k)
        qtbot.wait(5)
        a = window.model.param_values()["a"]
        assert label_number(window, "surfaceValueLabel") == pytest.approx(f(0.6, -0.4, a), rel=1e-5)
    assert len(told) == 10


def _processed() -> None:
    for _ in range(5):
        pg.QtWidgets.QApplication.processEvents()


def _landscape_image(window) -> QImage:
    """The landscape once everything waiting for the drag to pause is shown, its grid drawn
    from the cache (a move of the point there and back: drawn directly and from a pixmap, the
    arrows' edges differ by a pixel)."""
    window.model.settle()
    _processed()
    x, y = window.model.x, window.model.y
    window.model.set_point(x + 0.1, y)
    window.model.set_point(x, y)
    _processed()
    return window.landscape.grab().toImage()


def test_a_drag_leaves_the_picture_a_fresh_window_shows(qtbot, dragged) -> None:
    # point and start drags between parameter steps cache the grid's items; then a step more
    dragged.model.set_point(0.5, -0.4)
    qtbot.wait(1)
    dragged.model.set_point(0.6, -0.4)
    _drag(qtbot, dragged, [3.0])
    fresh = make_window(qtbot, expression=DRAGGED)
    fresh.model.set_point(0.6, -0.4)
    fresh.model.set_param("a", dragged.model.param_values()["a"])
    a, b = _landscape_image(dragged), _landscape_image(fresh)
    assert fresh.model.state == dragged.model.state
    assert a.size() == b.size()
    assert a == b  # every pixel: heat map, colour bar, contours, arrows, handles, race


def test_the_heat_map_pixels_are_the_colour_maps_colours(qtbot) -> None:
    window = make_window(qtbot, expression=SQRT)
    _drag(qtbot, window, [2.0, 3.0])
    view, data = window.landscape, window.model.landscape
    view.image.render()
    img = view.image.qimage
    assert img.format() == QImage.Format.Format_ARGB32_Premultiplied
    lut = pg.colormap.get("viridis").getLookupTable(nPts=256)
    lo, hi = data.color_range
    rng = np.random.default_rng(3)
    for r, c in rng.integers(0, 200, size=(200, 2)):
        v = data.colors[r, c]
        pixel = img.pixelColor(int(c), int(r))  # row-major: row r is y, column c is x
        if not np.isfinite(v):  # x < 0: no value, nothing drawn
            assert pixel.alpha() == 0
            continue
        k = int(np.clip((v - lo) / (hi - lo) * 256, 0, 255))
        near = lut[max(k - 1, 0) : k + 2]  # the scaling's rounding, either side
        rgb = np.array([pixel.red(), pixel.green(), pixel.blue()])
        assert pixel.alpha() == 255
        assert np.abs(near - rgb).sum(axis=1).min() <= 3
