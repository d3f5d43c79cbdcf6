"""Undo/redo of the function text, x and the parameters, through the window's widgets and its
Edit menu actions; every undo must bring back the exact previous state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLineEdit, QSlider

from gradexplorer.lessons.presets import list_presets
from gradexplorer.lessons.session import ParamState
from gradexplorer.ui import undo as undo_module
from gradexplorer.ui.model import DEFAULT_EXPRESSION

from .helpers import make_window, set_x, type_function


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot)
    w.clock = FakeClock()
    w.sessions.undo.clock = w.clock
    return w


def stack(window):
    return window.sessions.undo.stack


def undo(window) -> None:
    window.sessions.undo_action.trigger()


def redo(window) -> None:
    window.sessions.redo_action.trigger()


def test_nothing_to_undo_at_start(window):
    assert stack(window).count() == 0
    assert not window.sessions.undo_action.isEnabled()
    assert not window.sessions.redo_action.isEnabled()


def test_function_edits_undo_and_redo_exactly(qtbot, window):
    states = [window.model.state]
    for text in ("x^3", "sin(x) + a", "exp(-x^2)"):
        type_function(qtbot, window, text)
        states.append(window.model.state)
    assert stack(window).count() == 3
    assert window.sessions.undo_action.text() == "&Undo edit of the function"
    for want in reversed(states[:-1]):
        undo(window)
        assert window.model.state == want  # text, view refit, params: all of it
    assert window.model.text == DEFAULT_EXPRESSION
    assert not window.sessions.undo_action.isEnabled()
    for want in states[1:]:
        redo(window)
        assert window.model.state == want
    assert stack(window).count() == 3  # undo and redo never record new commands


def test_a_burst_of_keystrokes_is_one_command(qtbot, window):
    edit = window.findChild(QLineEdit, "functionEdit")
    edit.clear()
    for ch in "cos(2x)":  # typed faster than the debounce: one commit
        qtbot.keyClick(edit, ch)
    qtbot.waitUntil(lambda: window.model.text == "cos(2x)", timeout=3000)
    assert stack(window).count() == 1
    undo(window)
    assert window.model.text == DEFAULT_EXPRESSION and edit.text() == DEFAULT_EXPRESSION


def test_undo_through_a_broken_text_shows_it_as_it_was(qtbot, window):
    """Half-typed invalid text is a state too: undoing to it shows the text with its error and
    the function that was plotted at that moment, not the newer one."""
    type_function(qtbot, window, "x^2")
    plotted = window.model.expression
    type_function(qtbot, window, "x^2 +")
    broken = window.model.state
    type_function(qtbot, window, "x^2 + 1")
    undo(window)
    assert window.model.state == broken
    assert window.model.error is not None and window.model.expression == plotted
    assert window.findChild(QLineEdit, "functionEdit").text() == "x^2 +"
    redo(window)
    assert window.model.text == "x^2 + 1" and window.model.error is None


def test_consecutive_slider_moves_merge_into_one_command(qtbot, window):
    slider = window.findChild(QSlider, "xSlider")
    x0 = window.model.x
    for tick in range(1300, 1500, 20):
        slider.setValue(tick)
        window.clock.now += 0.05  # a drag: small gaps
    moved = window.model.x
    assert moved != x0
    assert stack(window).count() == 1
    window.clock.now += 5  # a later, separate move
    set_x(window, -2.0)
    assert stack(window).count() == 2
    undo(window)
    assert window.model.x == moved
    undo(window)
    assert window.model.x == x0 and slider.value() == round((x0 + 5) / 10 * 2000)
    redo(window)
    assert window.model.x == moved
    redo(window)
    assert window.model.x == -2.0


def test_arrow_keys_on_the_slider_undo_in_one_step(qtbot, window):
    slider = window.findChild(QSlider, "xSlider")
    slider.setFocus()
    x0 = window.model.x
    for _ in range(6):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
        window.clock.now += 0.1
    assert window.model.x == pytest.approx(x0 + 6 * 10 / 2000 * 10)
    assert stack(window).count() == 1
    undo(window)
    assert window.model.x == x0


def test_moving_away_and_back_leaves_nothing_to_undo(window):
    x0 = window.model.x
    set_x(window, 2.0)
    window.clock.now += 0.1
    set_x(window, x0)
    assert stack(window).count() == 0


def test_x_range_edits_undo(window):
    m = window.model
    set_x(window, 4.0)
    window.clock.now += 5
    m.set_x_range(-1.0, 2.0)  # clamps x to 2 as well
    assert m.x == 2.0
    undo(window)
    assert m.x_range == (-5.0, 5.0) and m.x == 4.0


def test_parameter_changes_undo_with_their_ranges(qtbot, window):
    m = window.model
    type_function(qtbot, window, "a x^2 + b")
    spin_a = window.findChild(QDoubleSpinBox, "paramSpinBox_a")
    before = m.state
    spin_a.setValue(2.5)
    window.clock.now += 5
    m.set_param_range("b", -10.0, 20.0)
    m.set_param("b", 15.0)  # merges with the range edit: same parameter, no gap
    window.clock.now += 5
    spin_a.setValue(-1.0)
    assert stack(window).count() == 4  # text + a + b + a
    undo(window)
    assert m.params["a"].value == 2.5 and spin_a.value() == 2.5
    undo(window)
    assert m.params["b"] == ParamState(1.0, -5, 5)
    undo(window)
    assert m.state == before
    redo(window)
    redo(window)
    assert m.params["b"] == ParamState(15, -10, 20)
    assert m.params["a"].value == 2.5


def test_undo_keys_in_the_function_field_use_the_app_history(qtbot, window):
    edit = window.findChild(QLineEdit, "functionEdit")
    type_function(qtbot, window, "x^4")
    set_x(window, 0.5)  # an x move after the edit: Ctrl+Z in the field undoes it first
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.model.x == 1.0 and window.model.text == "x^4"
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.model.text == DEFAULT_EXPRESSION
    qtbot.keyClick(edit, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.model.text == "x^4"
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(edit, Qt.Key.Key_Z, mods)
    assert window.model.x == 0.5


def test_undo_commits_typing_that_waits_for_the_debounce(qtbot, window):
    edit = window.findChild(QLineEdit, "functionEdit")
    edit.setText("tan(x)")  # the debounce timer has not fired yet
    undo(window)
    assert window.model.text == DEFAULT_EXPRESSION and edit.text() == DEFAULT_EXPRESSION
    redo(window)
    assert window.model.text == "tan(x)"


def test_opening_a_lesson_is_one_undoable_step(window):
    before = window.model.state
    preset = list_presets()[3]
    window.sessions.open_preset(preset)
    assert window.model.text == preset.state.expression
    assert stack(window).count() == 1
    undo(window)
    assert window.model.state == before


def test_undo_does_not_loop_signals(qtbot, window):
    """One undo is one restore: the model computes the point once for an x undo."""
    set_x(window, 3.0)
    before = window.model.point_computations
    undo(window)
    assert window.model.point_computations - before == 1
    assert stack(window).index() == 0 and stack(window).count() == 1


def test_merge_window_is_a_gap_not_a_total(window):
    x0 = window.model.x
    for i in range(40):  # a slow, long drag: 40 × 0.5 s = 20 s, never a gap of MERGE_SECONDS
        set_x(window, 0.01 * (i + 1))
        window.clock.now += 0.5
    assert undo_module.MERGE_SECONDS > 0.5
    assert stack(window).count() == 1
    undo(window)
    assert window.model.x == x0


def test_undoing_a_lesson_takes_its_note_and_title_away(qtbot, window, tmp_path):
    panel = window.sessions
    tip, title = panel.note_label.text(), window.windowTitle()
    preset = list_presets()[0]
    panel.open_preset(preset)
    assert preset.title in window.windowTitle() and panel.note == preset.note
    undo(window)
    assert panel.note_label.text() == tip and window.windowTitle() == title
    assert panel.title == "" and panel.note == ""
    redo(window)
    assert panel.title == preset.title and preset.title in window.windowTitle()
    # a file opened and undone: Save no longer writes to it
    path = tmp_path / "f.json"
    assert panel.save_file(path) and panel.path == path.resolve()
    window.commands["file.new"].trigger()
    assert panel.path is None
    undo(window)
    assert panel.path == path.resolve()


def test_a_long_drag_keeps_one_command_alive(window):
    """PySide keeps the Python side of every command QUndoStack merges away: a drag of
    thousands of ticks must not leave thousands behind."""
    import gc

    x0 = window.model.x
    for i in range(600):
        set_x(window, x0 + 0.5 + 0.005 * i)  # never back at x0 (that drops the command)
        window.clock.now += 0.02
    gc.collect()
    recorder = window.sessions.undo
    alive = [
        o
        for o in gc.get_objects()
        if isinstance(o, undo_module._Command) and o.recorder is recorder
    ]
    assert stack(window).count() == 1 and len(alive) == 1
    undo(window)
    assert window.model.x == x0


def test_a_move_after_saving_is_a_step_of_its_own(window, tmp_path):
    set_x(window, 0.25)
    window.clock.now += 0.1
    assert window.sessions.save_file(tmp_path / "s.json")
    assert stack(window).isClean()
    set_x(window, 1.5)  # within the merge window, but the saved state must stay reachable
    assert stack(window).count() == 2 and not stack(window).isClean()
    undo(window)
    assert window.model.x == 0.25 and stack(window).isClean()


def test_a_drag_after_undo_drops_what_could_be_redone(window):
    set_x(window, 0.25)
    window.clock.now += 5
    set_x(window, 2.0)
    undo(window)
    window.clock.now += 0.1  # close to the move that was undone
    set_x(window, 3.0)
    assert stack(window).count() == 2 and not stack(window).canRedo()
    undo(window)
    assert window.model.x == 0.25
