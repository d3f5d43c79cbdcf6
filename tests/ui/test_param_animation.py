"""Parameter sliders that play: values against a hand-computed triangle/sawtooth wave on a fake
clock, a real-time bounce inside [min, max], and a clean stop when the parameter goes away."""

import pytest
from PySide6.QtWidgets import QToolButton

from .helpers import make_window


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot, expression="a x^2", x=1.0)
    w.model.set_text("a x^2")
    w.model.set_param_range("a", -5.0, 5.0)
    w.model.set_param("a", 1.0)
    return w


def a_value(window) -> float:
    return window.model.params["a"].value


def test_every_parameter_row_has_a_play_button(qtbot, window):
    window.model.set_text("a x^2 + b")
    for name in ("a", "b"):
        button = window.findChild(QToolButton, f"paramPlay_{name}")
        assert button is not None and button.text() == "play"
        assert window.param_panel.controls[name].isAncestorOf(button)
    button = window.findChild(QToolButton, "paramPlay_b")
    button.click()
    assert window.param_animator.is_playing("b") and button.text() == "pause"
    button.click()
    assert not window.param_animator.is_playing("b") and button.text() == "play"


def test_bounce_on_a_fake_clock_is_a_triangle_wave(window):
    anim = window.param_animator
    anim.timer.stop()
    clock = FakeClock()
    anim.clock = clock
    anim.set_speed("a", 0.25)  # a quarter of [-5, 5] per second: 2.5 units/s
    assert anim.play("a")
    anim.timer.stop()  # drive the frames by hand
    # starts at 1, rises 2.5/s, turns at 5, falls to -5, turns again
    for dt, expected in (
        (0.0, 1.0),
        (1.0, 3.5),
        (1.6, 5.0),
        (2.0, 4.0),
        (3.0, 1.5),
        (5.6, -5.0),
        (6.0, -4.0),
        (7.0, -1.5),
        (9.6, 5.0),
        (10.0, 4.0),
    ):
        clock.t = 100.0 + dt
        anim.tick()
        assert a_value(window) == pytest.approx(expected, abs=1e-12), dt
    # the range never widened: the value stayed inside it
    assert (window.model.params["a"].min, window.model.params["a"].max) == (-5.0, 5.0)


def test_loop_wraps_from_max_back_to_min(window):
    anim = window.param_animator
    clock = FakeClock()
    anim.clock = clock
    anim.set_mode("a", "loop")
    anim.set_speed("a", 0.5)  # 5 units/s
    anim.play("a")
    anim.timer.stop()
    for dt, expected in ((0.5, 3.5), (0.9, -4.5), (1.5, -1.5)):
        clock.t = 100.0 + dt
        anim.tick()
        assert a_value(window) == pytest.approx(expected, abs=1e-12), dt


def test_student_drag_while_playing_continues_from_there(window):
    anim = window.param_animator
    clock = FakeClock()
    anim.clock = clock
    anim.set_speed("a", 0.1)  # 1 unit/s
    anim.play("a")
    anim.timer.stop()
    clock.t = 101.0
    anim.tick()
    assert a_value(window) == pytest.approx(2.0)
    window.param_panel.controls["a"].spin.setValue(-3.0)  # the student types a value
    assert a_value(window) == -3.0
    clock.t = 102.0
    anim.tick()
    assert a_value(window) == pytest.approx(-2.0)  # from -3, still rising at 1/s


def test_real_time_bounce_stays_in_range(qtbot, window):
    m = window.model
    m.set_param_range("a", 0.0, 1.0)
    m.set_param("a", 0.5)
    anim = window.param_animator
    anim.set_speed("a", 1.0)  # 1 s from min to max
    seen: list[float] = []
    m.paramChanged.connect(lambda n: seen.append(m.params["a"].value) if n == "a" else None)
    window.commands["animate.toggle"].trigger()  # Ctrl+Shift+A: the first parameter
    assert anim.is_playing("a")

    def went_up_then_down() -> bool:
        if not seen:
            return False
        top = max(range(len(seen)), key=seen.__getitem__)
        return seen[top] > 0.9 and min(seen[top:]) < 0.3

    qtbot.waitUntil(went_up_then_down, timeout=4000)
    assert all(0.0 <= v <= 1.0 for v in seen)
    assert (m.params["a"].min, m.params["a"].max) == (0.0, 1.0)
    # the curve followed: f(1) = a
    assert m.point.value == pytest.approx(m.params["a"].value)
    window.commands["animate.stop"].trigger()
    assert not anim.playing() and not anim.timer.isActive()


def test_removing_the_parameter_stops_its_animation(qtbot, window):
    anim = window.param_animator
    anim.play("a")
    qtbot.waitUntil(lambda: a_value(window) != 1.0, timeout=2000)
    window.model.set_text("x^2")  # a is gone
    assert not anim.is_playing("a") and not anim.timer.isActive()
    assert "a" not in anim.buttons
    anim.tick()  # a late frame is harmless
    qtbot.wait(100)
    window.model.set_text("a x^2")  # back: remembered value, not playing
    button = window.findChild(QToolButton, "paramPlay_a")
    assert button is not None and not button.isChecked()
    assert not anim.is_playing("a")


def test_speed_and_mode_commands(window):
    anim = window.param_animator
    anim.set_speed("a", 0.25)
    window.commands["animate.faster"].trigger()
    assert anim.settings("a")[0] == 0.5
    window.commands["animate.slower"].trigger()
    window.commands["animate.slower"].trigger()
    assert anim.settings("a")[0] == 0.1
    window.commands["animate.mode"].trigger()
    assert anim.settings("a")[1] == "loop"
    button = window.findChild(QToolButton, "paramPlay_a")
    checked = [a.data() for a in button.menu().actions() if a.isChecked()]
    assert sorted(map(str, checked)) == ["0.1", "loop"]


def test_animated_curve_is_drawn_fresh_each_frame(qtbot):
    """Many parameter frames must leave no stale pieces of earlier curves on screen (the
    curve's pixmap cache once kept parts of old frames): the picture after an animation equals
    the picture of a window that jumped straight to the final value."""
    from PySide6.QtWidgets import QApplication

    animated = make_window(qtbot, expression="a sin(x) + b", x=1.0)
    direct = make_window(qtbot, expression="a sin(x) + b", x=1.0)
    for w in (animated, direct):
        w.model.set_param_range("a", -5.0, 5.0)
        w.model.set_param("a", 1.0)
    anim = animated.param_animator
    clock = FakeClock()
    anim.clock = clock
    anim.set_speed("a", 0.1)
    anim.play("a")
    anim.timer.stop()
    for i in range(1, 21):  # a goes 1 → 2.6 in 20 painted frames
        clock.t = 100.0 + 0.08 * i
        anim.tick()
        QApplication.processEvents()
        animated.plot.grab()
    direct.model.set_param("a", animated.model.params["a"].value)
    QApplication.processEvents()
    # the points of interest are found again once the parameter stops moving
    qtbot.waitUntil(lambda: not (animated.model.points_pending or direct.model.points_pending))
    assert animated.model.view_range == direct.model.view_range
    assert animated.plot.grab().toImage() == direct.plot.grab().toImage()


def test_a_parameter_made_after_a_zoom_opens_its_menu_at_the_zoom(window):
    base = window.font().pointSizeF()
    window.set_zoom(2.0)
    window.model.set_text("a x^2 + b")  # b's row, its button and its menu are new
    menu = window.findChild(QToolButton, "paramPlay_b").menu()
    menu.aboutToShow.emit()  # as it opens
    assert menu.font().pointSizeF() == pytest.approx(2.0 * base, rel=0.01)
    window.set_zoom(1.0)
    menu.aboutToShow.emit()
    assert menu.font().pointSizeF() == pytest.approx(base, rel=0.01)
