"""The gradient descent dock, driven through its own buttons, actions and methods. Oracles: closed
forms of descent on quadratics (x_k = x0·(1 − 2η)^k), the log scale's definition, and the model
(x, tangent) the steps are written into."""

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from gradexplorer.lessons.descent import LR_SCALE, lr_from_slider

from .helpers import make_window, set_x


@pytest.fixture
def window(qtbot):
    return make_window(qtbot, expression="x^2", x=3.0)


def start(window, text: str, x: float, lr: float):
    m = window.model
    assert m.set_text(text)
    m.set_x(x)
    panel = window.descent_panel
    panel.set_target("x")
    panel.set_direction(-1)
    panel.set_lr(lr)
    return panel


def status_label(window) -> QLabel:
    return window.findChild(QLabel, "descentStatusLabel")


def test_dock_is_installed_with_its_menu(window):
    dock = window.findChild(QDockWidget, "descentDock")
    assert dock is not None and dock.widget() is window.descent_panel
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Descent" in titles


def test_descent_on_x_squared_follows_closed_form(qtbot, window):
    panel = start(window, "x^2", 3.0, 0.1)
    for k in range(1, 16):
        if k % 2:
            panel.step_button.click()
        else:
            window.commands["descent.step"].trigger()  # the menu entry / Ctrl+D does the same
        expected = 3.0 * 0.8**k
        assert window.model.x == pytest.approx(expected, rel=1e-12)
        # the model moved, so the tangent (drawn from the model) is f′ = 2x at the new point
        assert window.plot.tangent_slope() == pytest.approx(2 * expected, rel=1e-9)
    xs, ys = window.plot.trail()
    closed = 3.0 * 0.8 ** np.arange(16)
    np.testing.assert_allclose(xs, closed, rtol=1e-12)
    np.testing.assert_allclose(ys, closed**2, rtol=1e-12)
    assert panel.status() == "running"
    assert "step 15" in window.findChild(QLabel, "descentStepLabel").text()


def test_play_animates_until_paused(qtbot, window):
    panel = start(window, "x^2", 3.0, 0.1)
    panel.speed_spin.setValue(30.0)
    panel.play_button.click()
    assert panel.playing and panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.descent.steps_taken >= 5, timeout=3000)
    window.commands["descent.play"].trigger()  # Ctrl+Shift+D toggles: pause
    assert not panel.playing and panel.play_button.text() == "Play"
    k = panel.descent.steps_taken
    qtbot.wait(150)
    assert panel.descent.steps_taken == k  # paused means no more steps
    assert window.model.x == pytest.approx(3.0 * 0.8**k, rel=1e-12)


def test_learning_rate_slider_is_logarithmic_with_exact_entry(window):
    panel = window.descent_panel
    # equal slider distances are equal ratios: 0.01 → 0.1 → 1 are equally spaced
    positions = []
    for lr in (0.01, 0.1, 1.0):
        panel.lr_spin.setValue(lr)
        positions.append(panel.lr_slider.value())
    assert positions[1] - positions[0] == positions[2] - positions[1] > 0
    per_decade = LR_SCALE.steps / math.log10(LR_SCALE.hi / LR_SCALE.lo)
    assert positions[1] - positions[0] == round(per_decade)
    panel.lr_slider.setValue(LR_SCALE.steps)
    assert panel.lr == pytest.approx(LR_SCALE.hi)
    panel.lr_slider.setValue(37)
    assert panel.lr == pytest.approx(lr_from_slider(37))
    # exact entry keeps its value even between slider positions
    panel.lr_spin.setValue(0.0123)
    assert panel.lr == pytest.approx(0.0123)
    window.commands["descent.larger_lr"].trigger()
    assert panel.lr > 0.0123


@pytest.mark.parametrize("lr", [1.1, 1.5])
def test_too_large_rate_is_flagged_as_diverging(qtbot, window, lr):
    panel = start(window, "x^2", 3.0, lr)
    panel.speed_spin.setValue(30.0)
    panel.play()
    qtbot.waitUntil(lambda: not panel.playing, timeout=5000)  # a diverging run stops itself
    assert panel.status() == "diverging"
    label = status_label(window)
    assert label.property("status") == "diverging"
    assert "Diverging" in label.text() and "too large" in label.text()
    assert window.descent_panel.status_colour() == "#c0221a"  # red, besides the words
    k = panel.descent.steps_taken
    # x_k = 3·(1 − 2η)^k and the model's x is that value: the x range widened to hold it
    assert window.model.x == pytest.approx(3.0 * (1 - 2 * lr) ** k, rel=1e-12)
    assert window.model.x_range[1] - window.model.x_range[0] > 10.0
    x0, x1, y0, y1 = window.model.view_range  # the view zoomed out to keep the point in sight
    assert x0 <= window.model.x <= x1 and y0 <= window.model.point.value <= y1


def test_rate_on_the_edge_oscillates(window):
    panel = start(window, "x^2", 3.0, 1.0)  # x_k = 3·(−1)^k: bounces forever
    for _ in range(5):
        panel.step()
    assert panel.status() == "oscillating"
    assert "Oscillating" in status_label(window).text()
    assert window.model.x == pytest.approx(-3.0)


@pytest.mark.parametrize(
    ("text", "x0", "lr", "x1"),
    [
        ("ln(x)", 0.5, 1.0, 0.5 - 1.0 / 0.5),  # x1 = −1.5: ln undefined
        ("sqrt(x)", 1.0, 4.0, 1.0 - 4.0 * 0.5),  # x1 = −1: sqrt undefined
    ],
)
def test_nan_stops_the_run_with_a_message(qtbot, window, text, x0, lr, x1):
    panel = start(window, text, x0, lr)
    panel.speed_spin.setValue(30.0)
    panel.play()
    qtbot.waitUntil(lambda: not panel.playing, timeout=3000)
    assert panel.status() == "stopped: non-finite"
    assert panel.descent.steps_taken == 1
    label = status_label(window).text()
    assert "Stopped" in label and "undefined" in label
    assert "f = undefined" in window.findChild(QLabel, "descentStepLabel").text()
    assert window.model.x == pytest.approx(x1)  # x shows where f is undefined
    assert math.isnan(window.model.point.value)
    panel.step()  # no further steps, no exception
    panel.play()
    assert panel.descent.steps_taken == 1 and not panel.playing


def test_descent_on_a_parameter_converges_to_its_minimiser(qtbot, window):
    m = window.model
    assert m.set_text("(a x - 3)^2")
    m.set_x(2.0)
    m.set_param("a", 1.0)
    panel = window.descent_panel
    assert panel.set_target("a")
    panel.set_lr(0.05)
    # f = (2a − 3)², ∂f/∂a = 4(2a − 3): a_k − 1.5 = (a_0 − 1.5)·(1 − 0.4)^k
    for k in range(1, 11):
        panel.step()
        assert m.params["a"].value == pytest.approx(1.5 - 0.5 * 0.6**k, rel=1e-12)
        assert m.x == 2.0  # x is held fixed
    panel.speed_spin.setValue(30.0)
    panel.play()
    qtbot.waitUntil(lambda: panel.status() == "converged", timeout=5000)
    assert not panel.playing
    # Converged once the rest is invisible: a step under 1e-5 of a's slider span (10) and a
    # tangent rising under 1e-3 of the view's height over that span. Closed form: a step of
    # 0.2·0.6^(k−1), a slope of −4·0.6^k.
    height = m.view_range[3] - m.view_range[2]
    k = next(
        k for k in range(1, 100) if 0.2 * 0.6 ** (k - 1) <= 1e-4 and 40 * 0.6**k <= 1e-3 * height
    )
    assert panel.descent.steps_taken == k
    assert m.params["a"].value == pytest.approx(1.5 - 0.5 * 0.6**k, rel=1e-12)
    text = status_label(window).text()
    assert "a = 1.5" in text and "x = " not in text  # worded for the parameter, to its digits
    # the trail is f dropping at fixed x
    xs, ys = window.plot.trail()
    assert np.all(xs == 2.0)
    assert np.all(np.diff(ys) <= 0) and ys[-1] == pytest.approx((2 * 0.5 * 0.6**k) ** 2, rel=1e-9)


def test_reset_restores_start_value_and_range(qtbot, window):
    panel = start(window, "x^2", 3.0, 1.5)  # diverges: widens the x range
    before = window.model.x_range
    view = window.model.view_range
    for _ in range(6):
        panel.step()
    assert window.model.x_range != before
    window.commands["descent.reset"].trigger()
    assert window.model.x == 3.0
    assert window.model.x_range == before
    assert window.model.view_range == pytest.approx(view)
    assert panel.descent is None and panel.status() == "ready"
    assert window.plot.trail()[0].size == 0
    # and a parameter run
    m = window.model
    m.set_text("(a x - 3)^2")
    m.set_x(2.0)
    m.set_param("a", 1.0)
    panel.set_target("a")
    panel.set_lr(0.05)
    for _ in range(5):
        panel.step()
    assert m.params["a"].value != 1.0
    panel.reset_button.click()
    assert m.params["a"].value == 1.0


def test_a_change_by_the_student_ends_the_run(window):
    panel = start(window, "x^2", 3.0, 0.1)
    panel.step()
    panel.step()
    set_x(window, 1.0)  # the student types a new x
    assert panel.descent is None and window.plot.trail()[0].size == 0
    panel.step()  # a new run from the new x
    assert window.model.x == pytest.approx(0.8)


def test_ascend_walks_uphill(window):
    panel = start(window, "-(x^2)", 3.0, 0.1)
    window.commands["descent.ascend"].trigger()
    assert panel.direction == 1
    for _ in range(4):
        panel.step()
    assert window.model.x == pytest.approx(3.0 * 0.8**4, rel=1e-12)


def test_window_shortcuts_do_not_clash(window):
    seen: dict[str, str] = {}
    for act in window.findChildren(type(window.commands["descent.step"])):
        for seq in act.shortcuts():
            key = seq.toString(QKeySequence.SequenceFormat.PortableText)
            assert key not in seen, f"{key} used by {seen.get(key)!r} and {act.text()!r}"
            seen[key] = act.text()
    for key in ("Ctrl+D", "Ctrl+Shift+D", "Ctrl+Alt+D", "Ctrl+Shift+A"):
        assert key in seen


def test_screenshot(qtbot, window, tmp_path):
    panel = start(window, "x^2", 3.0, 0.9)
    for _ in range(6):
        panel.step()
    path = tmp_path / "descent.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_a_step_pauses_playing_parameters(qtbot, window):
    m = window.model
    assert m.set_text("a x^2")
    m.set_param("a", 1.0)
    m.set_x(3.0)
    anim = window.param_animator
    anim.play("a")
    qtbot.waitUntil(lambda: m.params["a"].value != 1.0, timeout=2000)
    a = m.params["a"].value
    panel = window.descent_panel
    panel.set_lr(0.1)
    panel.step()  # f = a x², f′ = 2 a x: x_1 = 3 (1 − 0.2 a)
    assert not anim.playing()
    qtbot.wait(100)
    assert m.params["a"].value == a
    assert m.x == pytest.approx(3.0 * (1 - 0.2 * a), rel=1e-12)


def test_an_engine_error_stops_the_run_without_an_exception(window, monkeypatch):
    panel = start(window, "x^2", 3.0, 0.1)
    panel.step()
    expression = window.model.expression

    def broken(*_args, **_kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(type(expression), "at", broken)
    panel.step()  # the run's objective now raises: shown, not raised
    label = status_label(window)
    assert label.property("status") == "error" and "engine exploded" in label.text()
    assert not panel.playing and panel.descent is None


def test_status_colour_returns_to_normal_and_follows_zoom(window):
    panel = start(window, "x^2", 3.0, 1.5)
    for _ in range(5):
        panel.step()
    assert panel.status() == "diverging"
    window.set_zoom(2.0)  # the projector zoom reaches the status line too
    assert panel.status_label.font().pointSizeF() == pytest.approx(
        panel.lr_spin.font().pointSizeF()
    )
    assert panel.status_label.font().pointSizeF() > 1.5 * QApplication.font().pointSizeF()
    panel.reset()
    assert panel.status_colour() != "#c0221a"
    assert panel.status_colour() == window.palette().color(window.foregroundRole()).name()


def test_trail_follows_the_theme(window):
    from gradexplorer.ui.plot import TRAIL_COLOR, TRAIL_COLOR_DARK

    panel = start(window, "x^2", 3.0, 0.1)
    panel.step()
    line = window.plot.trail_line
    assert line.opts["pen"].color().name() == TRAIL_COLOR
    window.presentation.set_theme("dark")
    assert line.opts["pen"].color().name() == TRAIL_COLOR_DARK
    window.presentation.set_presentation(True)  # thicker lines for the back of the room
    assert line.opts["pen"].widthF() > 1.5
    window.presentation.set_presentation(False)
    window.presentation.set_theme("light")
    assert line.opts["pen"].color().name() == TRAIL_COLOR


def test_a_lesson_brings_its_descent_settings_and_saving_keeps_the_panels(qtbot, tmp_path):
    """The squared-error lesson descends on a with η = 0.05; what the panel shows is saved."""
    from gradexplorer.lessons.presets import list_presets
    from gradexplorer.lessons.session import load_session

    w = make_window(qtbot)
    preset = next(p for p in list_presets() if p.state.descent.target != "x")
    w.sessions.apply_session(preset.state)
    panel = w.descent_panel
    assert panel.target == preset.state.descent.target
    assert panel.lr == pytest.approx(preset.state.descent.lr)
    assert panel.direction == preset.state.descent.direction
    panel.set_lr(0.02)
    panel.set_direction(+1)
    path = tmp_path / "s.json"
    assert w.sessions.save_file(path)
    saved = load_session(path).descent
    assert (saved.target, saved.lr, saved.direction) == (panel.target, pytest.approx(0.02), 1)


def test_the_ready_text_always_describes_the_next_step(qtbot):
    """It said "from x = 1 with η = 0.1" after the seed lesson put x at 2, after File > New,
    and after η = 1.1 was typed."""
    from gradexplorer.lessons.presets import list_presets

    window = make_window(qtbot)
    panel = window.descent_panel
    seed = list_presets()[0]
    window.sessions.open_preset(seed)
    assert (
        f"from x = {seed.state.x:g} with η = {seed.state.descent.lr:g}"
        in status_label(window).text()
    )
    panel.lr_spin.setValue(1.1)
    assert "η = 1.1" in status_label(window).text()
    window.commands["file.new"].trigger()
    assert "from x = 1 with η = 0.1" in status_label(window).text()
    window.model.set_x(-2.5)
    assert "from x = -2.5" in status_label(window).text()


def test_a_function_of_two_inputs_is_not_offered_a_descent_on_x(window):
    # f(w, b) has no x: the idle text said "descend on x from x = 1" (a walk-through found it)
    m, panel = window.model, window.descent_panel
    assert m.set_text("f(w, b) = (w + b - 2)^2 + (2w + b - 3)^2")
    text = status_label(window).text()
    assert "from x" not in text and "Optimizers panel" in text
    assert not panel.step_button.isEnabled() and not panel.play_button.isEnabled()
    assert not panel.target_combo.isEnabled()
    panel.step()  # a step from the menu or a key does nothing and says why
    assert m.x == 3.0 and "Optimizers panel" in status_label(window).text()
    assert m.set_text("x^2 + 3x")  # one input again: the panel is back
    assert "descend on x from x = 3" in status_label(window).text()
    assert panel.step_button.isEnabled() and panel.target_combo.isEnabled()
