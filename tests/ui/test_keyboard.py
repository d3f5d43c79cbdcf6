"""Keyboard reachability audit of the whole window, with every feature panel installed: each
command has a menu entry and a shortcut, no two share a key, menus open by mnemonic, every
panel can be shown from a menu, and every slider moves with the arrow keys."""

from __future__ import annotations

import html
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QLineEdit, QMenu, QSlider, QToolButton

from .helpers import make_window

PORTABLE = QKeySequence.SequenceFormat.PortableText


@pytest.fixture
def window(qtbot):
    # a parameter, so parameter sliders exist too
    return make_window(qtbot, expression="a x^2 + x", x=1.0)


def menu_entries(menu: QMenu, path: tuple[str, ...] = ()):
    """(menu path, action) for every command in a menu and its submenus."""
    for act in menu.actions():
        if act.isSeparator():
            continue
        if act.menu() is not None:
            yield from menu_entries(act.menu(), (*path, act.text()))
        else:
            yield (*path,), act


def all_entries(window):
    for top in window.menuBar().actions():
        yield from menu_entries(top.menu(), (top.text(),))


def mnemonic(text: str) -> str | None:
    i = text.replace("&&", "").find("&")
    return None if i < 0 else text.replace("&&", "")[i + 1].lower()


def lesson_entries(window) -> set[int]:
    """The lesson list: data entries (one per preset) rather than commands. They open with the
    menu's mnemonic digits and with Next/Previous lesson, which are commands with keys."""
    return {id(a) for a in window.sessions.preset_actions}


def test_every_window_command_has_a_shortcut_and_a_menu_entry(window):
    in_menus = {id(a) for _, a in all_entries(window)}
    missing_key, missing_menu = [], []
    for act in window.actions():  # the window-wide commands (make_action adds them here)
        if act.isSeparator() or act.menu() is not None:
            continue
        if not [s for s in act.shortcuts() if not s.isEmpty()]:
            missing_key.append(act.text())
        if id(act) not in in_menus:
            missing_menu.append(act.text())
    assert missing_key == []
    assert missing_menu == []


def test_every_menu_entry_has_a_shortcut(window):
    lessons = lesson_entries(window)
    missing = [
        " ▸ ".join((*path, act.text()))
        for path, act in all_entries(window)
        if id(act) not in lessons and not [s for s in act.shortcuts() if not s.isEmpty()]
    ]
    assert missing == []
    if lessons:  # the lesson list is walked with keys instead
        texts = {act.text() for act in window.actions() if act.shortcuts()}
        assert {"&Next lesson", "P&revious lesson"} <= texts


def button_menu_entries(window) -> set[int]:
    """Choices in the drop-down menu of a tool button that Tab reaches (Space opens the menu,
    arrows pick): a parameter's animation speed and loop/bounce."""
    found = set()
    for button in window.findChildren(QToolButton):
        menu = button.menu()
        if menu is not None and button.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found |= {id(a) for _, a in menu_entries(menu)}
    return found


def test_every_qaction_of_the_window_is_in_a_menu(window):
    """findChildren(QAction): everything the window and its panels made is in the menu bar or
    in a focusable button's menu. Internal actions of Qt and pyqtgraph widgets (the line edit's
    clear button, the plot scene's context 'Export') are not commands of ours."""
    in_menus = {id(a) for _, a in all_entries(window)} | button_menu_entries(window)
    plot_scene = window.plot.scene()
    orphans = [
        (act.text(), type(act.parent()).__name__)
        for act in window.findChildren(QAction)
        if not act.isSeparator()
        and act.menu() is None
        and id(act) not in in_menus
        and not isinstance(act.parent(), QLineEdit)
        and act.parent() is not plot_scene
        and not isinstance(act.parent(), QDockWidget)  # show/hide: see the panel test below
        and act.isVisible()
    ]
    assert orphans == []


def press(qtbot, window, seq: QKeySequence) -> None:
    combo = seq[0]
    qtbot.keyClick(window, combo.key(), combo.keyboardModifiers())


# Panels that open with the command that uses them rather than with a show/hide entry: the
# step-through dock appears when a step-through starts (and closing it ends the step-through).
OPENED_BY = {
    "stepperDock": "Ctrl+B",
    "descentDock": "Ctrl+Shift+G",
    "backwardRunsDock": "Ctrl+Alt+R",  # Run backward again
    "raceDock": "Ctrl+Shift+O",
}


def test_every_panel_comes_back_from_the_keyboard(qtbot, window):
    """A closed dock can be brought back with a key from its menu: its show/hide action, or
    the command that opens it. The key is really pressed."""
    in_menus = {id(a) for _, a in all_entries(window)}
    docks = window.findChildren(QDockWidget)
    assert len(docks) >= 2
    for dock in docks:
        toggle = dock.toggleViewAction()
        if id(toggle) in in_menus and not toggle.shortcut().isEmpty():
            key = toggle.shortcut()
        else:
            assert dock.objectName() in OPENED_BY, f"{dock.objectName()} has no key to open it"
            key = QKeySequence(OPENED_BY[dock.objectName()])
            owner = [a for _, a in all_entries(window) if key in a.shortcuts()]
            assert owner, f"{key.toString()} is not a menu command"
        dock.close()
        assert not dock.isVisibleTo(window)
        press(qtbot, window, key)
        assert dock.isVisibleTo(window), dock.objectName()


def test_no_two_commands_share_a_key(window):
    owners: dict[str, list[str]] = {}
    for act in window.findChildren(QAction):
        for seq in act.shortcuts():
            if not seq.isEmpty():
                owners.setdefault(seq.toString(PORTABLE), []).append(act.text())
    for sc in window.findChildren(QShortcut):
        if not sc.key().isEmpty():
            owners.setdefault(sc.key().toString(PORTABLE), []).append(sc.objectName())
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert shared == {}


def test_menu_bar_mnemonics_are_unique(window):
    keys = [mnemonic(a.text()) for a in window.menuBar().actions() if a.isVisible()]
    assert None not in keys
    assert len(keys) == len(set(keys))


def test_mnemonics_are_unique_inside_each_menu(window):
    """Alt+letter inside a menu must pick one entry (Play and Previous once both said P)."""
    for top in window.menuBar().actions():
        menu = top.menu()
        keys = [mnemonic(a.text()) for a in menu.actions() if not a.isSeparator()]
        keys = [k for k in keys if k is not None]
        assert len(keys) == len(set(keys)), (top.text(), sorted(keys))


def test_audit_sees_the_classroom_commands(window):
    """The audit is only worth something if it walks the real menus: it must see the commands
    of every feature."""
    texts = {act.text() for _, act in all_entries(window)}
    for expected in (
        "&Presentation mode",
        "&Dark",
        "Copy as Py&Torch code",
        "&Quit",
        "&Full screen",
    ):
        assert expected in texts
    assert len(texts) >= 30


def test_every_slider_is_reachable_by_tab_and_moves_with_arrow_keys(qtbot, window):
    sliders = [s for s in window.findChildren(QSlider) if s.isVisibleTo(window)]
    assert len(sliders) >= 2  # x and the parameter a at least
    names = [s.objectName() for s in sliders]
    assert any(n.startswith("xSlider") for n in names), names
    assert "paramSlider_a" in names, names
    for slider in sliders:
        assert slider.focusPolicy() & Qt.FocusPolicy.TabFocus, slider.objectName()
        if slider.value() >= slider.maximum():
            slider.setValue(slider.minimum())
        before = slider.value()
        qtbot.keyClick(slider, Qt.Key.Key_Right)
        assert slider.value() > before, slider.objectName()
        before = slider.value()
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)
        assert slider.value() > before or slider.value() == slider.maximum()
    # the x slider's keys really move x
    x_slider = window.x_control.slider
    x0 = window.model.x
    qtbot.keyClick(x_slider, Qt.Key.Key_Right)
    assert window.model.x > x0


def test_every_key_in_the_command_tables_triggers_its_own_command(qtbot, window):
    """Generated from the tables: each command's first key, really pressed, reaches that command
    and no other (the handlers are swapped for a spy: Quit would close the window)."""
    hits: list[str] = []
    for spec in window.commands.specs():
        act = window.commands[spec.id]
        act.triggered.disconnect()
        act.triggered.connect(lambda *_a, i=spec.id: hits.append(i))
        act.setEnabled(True)  # Undo with nothing to undo is off: the key is what is tested
    window.plot.setFocus()
    for spec in window.commands.specs():
        seq = QKeySequence(spec.keys[0])
        if seq.isEmpty():  # a platform standard key this desktop does not have
            seq = QKeySequence(spec.keys[1])
        hits.clear()
        press(qtbot, window, seq)
        assert hits == [spec.id], (spec.id, seq.toString())


def test_the_shortcut_help_lists_every_command_with_its_key(window):
    from gradexplorer.ui.commands import key_text

    text = window.commands.shortcuts_html()
    for spec in window.commands.specs():
        assert key_text(spec) in text, spec.id
        assert spec.text.replace("&", "") in text.replace("&amp;", "&"), spec.id
    # each row's keys once ("Ctrl+Z, Ctrl+Z": Std.Undo is the Ctrl+Z written beside it), and
    # the very keys the command's action answers to
    rows = [
        (html.unescape(keys).split(", "), html.unescape(name))
        for keys, name in re.findall(
            r"<tr><td><b>([^<]*)</b>&nbsp;&nbsp;</td><td>([^<]*)</td>", text
        )
    ]
    assert len(rows) >= len(window.commands)
    for keys, name in rows:
        assert len(keys) == len(set(keys)), (name, keys)
    native = QKeySequence.SequenceFormat.NativeText
    for spec in window.commands.specs():
        name = spec.text.replace("&&", "\0").replace("&", "").replace("\0", "&")
        keys = [seq.toString(native) for seq in window.commands[spec.id].shortcuts()]
        assert (keys, name) in rows, spec.id


def test_every_command_has_an_object_name_from_its_id(window):
    for spec in window.commands.specs():
        assert window.findChild(QAction, f"action.{spec.id}") is window.commands[spec.id]


def test_help_opens_the_shortcuts_and_the_syntax_reference(qtbot, window):
    from PySide6.QtWidgets import QTextBrowser

    from gradexplorer.expr.names import FUNCTIONS

    window.commands["help.shortcuts"].trigger()
    qtbot.waitUntil(lambda: window.findChild(QTextBrowser, "shortcutsText") is not None)
    browser = window.findChild(QTextBrowser, "shortcutsText")
    shown = browser.toPlainText()
    assert all(f"{name}(" in shown for name in FUNCTIONS)
    assert "Ctrl+B" in shown and "separate glued letters" in shown
    browser.window().close()
