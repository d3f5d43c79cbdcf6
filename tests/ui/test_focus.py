"""The keyboard a student uses: Ctrl+L / F6 to the function, a one-key fix for a certain
mistake, and a focus you can see on every stop of the Tab chain (none of them invisible)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

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


def test_every_tab_stop_is_visible_and_the_views_show_a_focus_frame(qtbot):
    window = make_window(qtbot, expression="a x^2")
    activate(qtbot, window)
    window.findChild(QLineEdit, "functionEdit").setFocus()
    seen = []
    for _ in range(40):
        QApplication.processEvents()
        widget = QApplication.focusWidget()
        if widget in seen:
            break
        seen.append(widget)
        assert widget.isVisible(), widget.objectName() or type(widget).__name__
        qtbot.keyClick(widget, Qt.Key.Key_Tab)  # a real Tab: a view would keep it for its items
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
