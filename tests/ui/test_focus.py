"""The keyboard a student uses: Ctrl+L / F6 to the function, a one-key fix for a certain
mistake, and a focus you can see on every stop of the Tab chain (none of them invisible)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabBar,
    QWidget,
)

from .helpers import activate, make_window, type_function


def test_ctrl_l_and_f6_put_the_cursor_in_the_function_field(qtbot):
    window = make_window(qtbot)
    activate(qtbot, window)
    edit = window.findChild(QLineEdit, "functionEdit")
    for key, mods in ((Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_F6, None)):
        window.x_control.slider.setFocus()
        assert not edit.hasFocus()
        qtbot.keyClick(window, key, mods or Qt.KeyboardModifier.NoModifier)
        assert edit.hasFocus() and edit.selectedText() == edit.text()


def test_a_certain_fix_is_one_key_away_and_one_undo_step(qtbot):
    window = make_window(qtbot)
    activate(qtbot, window)
    type_function(qtbot, window, "sigmoid(wx + b)")
    error = window.findChild(QLabel, "errorLabel")
    assert "Write sigmoid(w x + b)" in error.text() and "Ctrl+Return" in error.text()
    assert window.commands["edit.apply_fix"].isEnabled()
    edit = window.findChild(QLineEdit, "functionEdit")
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.model.text == "sigmoid(w x + b)" and window.model.error is None
    assert set(window.model.params) == {"b", "w"}
    assert not window.commands["edit.apply_fix"].isEnabled()
    window.commands["edit.undo"].trigger()
    assert window.model.text == "sigmoid(wx + b)"


def test_the_fix_link_in_the_error_applies_it(qtbot):
    window = make_window(qtbot)
    type_function(qtbot, window, "Sin(x)")
    window.findChild(QLabel, "errorLabel").linkActivated.emit("fix")
    assert window.model.text == "sin(x)"


def test_no_fix_is_offered_for_an_uncertain_mistake(qtbot):
    window = make_window(qtbot)
    type_function(qtbot, window, "srqt(x)")
    assert "Write" not in window.findChild(QLabel, "errorLabel").text()
    assert not window.commands["edit.apply_fix"].isEnabled()


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def is_bare_container(widget: QWidget) -> bool:
    """A stop that is no control: a scroll area around the controls, its viewport, a tab bar
    without tabs (QMainWindow keeps one for tabbed docks, off screen), a plain panel."""
    parent = widget.parentWidget()
    return (
        type(widget) in (QWidget, QFrame, QGroupBox, QScrollArea)
        or (isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget)
        or (isinstance(widget, QTabBar) and widget.count() == 0)
    )


def tab_chain(qtbot, start: QWidget) -> list[QWidget]:
    """The stops real Tab presses visit from start until they come back to it."""
    start.setFocus()
    seen: list[QWidget] = []
    for _ in range(80):
        QApplication.processEvents()
        widget = QApplication.focusWidget()
        if widget in seen:
            assert widget is start, f"Tab stuck at {widget.objectName() or type(widget).__name__}"
            return seen
        seen.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)  # a real Tab: a view would keep it for its items
    raise AssertionError("Tab never came back to where it started")


def name(widget: QWidget) -> str:
    return f"{widget.objectName() or '(unnamed)'} {type(widget).__name__}"


def test_every_tab_stop_is_visible_and_the_views_show_a_focus_frame(qtbot):
    window = make_window(qtbot, expression="a x^2")
    activate(qtbot, window)
    window.commands["edit.focus_function"].trigger()  # Ctrl+L
    seen = tab_chain(qtbot, window.findChild(QLineEdit, "functionEdit"))
    inside = global_rect(window)
    for widget in seen:
        assert widget.isVisible(), name(widget)
        assert inside.contains(global_rect(widget)), (name(widget), global_rect(widget), inside)
        assert not is_bare_container(widget), name(widget)
    names = [w.objectName() for w in seen]
    assert "plotWidget" in names and "graphView" in names and "paramSlider_a" in names
    highlight = window.palette().color(QPalette.ColorRole.Highlight)
    for view in (window.plot, window.graph_view):
        view.setFocus()
        QApplication.processEvents()
        image = view.viewport().grab().toImage()
        corner = QColor(image.pixel(1, image.height() // 2))
        assert corner == highlight, (view.objectName(), corner.name(), highlight.name())
        window.x_control.slider.setFocus()
        QApplication.processEvents()
        corner = QColor(view.viewport().grab().toImage().pixel(1, image.height() // 2))
        assert corner != highlight


def test_tab_skips_the_panel_parked_behind_another_dock_tab(qtbot):
    """Two docks tabbed together: QMainWindow parks the one behind its tab off screen without
    hiding it. Tab visits the front panel and the tabs, never the parked controls."""
    window = make_window(qtbot, expression="a x^2")
    activate(qtbot, window)
    window.stepper_panel.dock.show()
    window.descent_panel.dock.show()
    window.stepper_panel.dock.raise_()
    QApplication.processEvents()
    seen = tab_chain(qtbot, window.findChild(QLineEdit, "functionEdit"))
    inside = global_rect(window)
    parked = [name(w) for w in seen if not inside.intersects(global_rect(w))]
    assert parked == []
    names = [w.objectName() for w in seen]
    assert "stepperMode" in names and "descentStepButton" not in names
    assert any(isinstance(w, QTabBar) and w.count() == 2 for w in seen)  # the docks' tabs


def test_a_control_in_a_floating_dock_counts_as_on_screen(qtbot):
    """A floating dock is a window of its own, wherever it stands: its controls are not
    "off the main window" (only the docks parked behind a tab are skipped)."""
    from gradexplorer.ui.focus import on_screen

    window = make_window(qtbot, expression="a x^2")
    dock = window.descent_panel.dock
    dock.show()
    dock.setFloating(True)
    dock.move(window.geometry().right() + 200, window.geometry().bottom() + 200)
    QApplication.processEvents()
    button = window.findChild(QWidget, "descentStepButton")
    assert button.isVisible() and button.window() is dock
    assert on_screen(button, window)
