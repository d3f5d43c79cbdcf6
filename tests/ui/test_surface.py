"""The automation surface docs/ARCHITECTURE.md promises exists: every objectName it lists is a
widget of a real window, and the state and commands are readable as documented."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject

from gradexplorer.lessons.session import SessionState

from .helpers import make_window

DOC = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"


def documented_names() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### A stable surface for tests and automation", 1)[1]
    names = re.findall(r"`([A-Za-z_.<>]+)`", section.split("Tests drive", 1)[0])
    return [n for n in names if not n.startswith(("window.", "action.", "menu.")) and "(" not in n]


def test_every_documented_object_name_is_in_the_window(qtbot):
    window = make_window(qtbot, expression="a x^2 + 3x", x=2.0)
    window.commands["step.backward"].trigger()  # the step panel's widgets exist from the start
    names = documented_names()
    assert len(names) >= 30
    missing = [n for n in names if window.findChild(QObject, n.replace("<name>", "a")) is None]
    assert missing == []


def test_state_and_commands_are_readable_as_documented(qtbot):
    window = make_window(qtbot)
    assert isinstance(window.model.state, SessionState)
    assert window.commands["step.next"].objectName() == "action.step.next"
    assert window.commands.menus["lessons"].objectName() == "menu.lessons"
