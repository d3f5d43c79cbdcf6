"""Every command of the window, declared once: id, text, keys, menu, handler, checked/enabled.

Each feature (the window itself, sessions, step-through, descent, animation, presentation)
declares its commands as a ``COMMANDS`` table on its class; the handler, ``checked`` and
``enabled`` are names of members of that feature. ``build_commands`` turns the tables into
QActions (objectName ``action.<id>``) and the menu bar; the keyboard-shortcut help, the
tooltips that mention a key and the keyboard tests are generated from the same tables, so no
shortcut is ever typed twice.

A handler must not let an exception escape into Qt: ``build_commands`` wraps every handler so a
failure is reported in the status bar and logged instead of aborting the app.
"""

from __future__ import annotations

import html
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

Key = str | QKeySequence.StandardKey
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """One command. ``keys``: the first is the one shown in menus and help; platform standard
    keys (QKeySequence.StandardKey) may be empty on some desktops and are then skipped."""

    id: str  # "step.next": also the QAction's objectName, "action.step.next"
    text: str  # menu text with its &mnemonic
    menu: str  # id of the menu it sits in (see MENUS)
    keys: tuple[Key, ...]
    handler: str  # name of the owner's method; called with the checked flag if checkable
    tip: str = ""
    section: int = 0  # menu entries are grouped by section, separated by a line
    checkable: bool = False
    checked: str | None = None  # name of the owner's bool member the check mark shows
    enabled: str | None = None  # name of the owner's bool member that enables the command
    group: str | None = None  # commands with the same group are exclusive (radio)


@dataclass(frozen=True)
class Menu:
    id: str
    title: str
    parent: str | None = None  # a submenu's menu
    section: int = 0  # where a submenu sits among its parent's entries


# The menu bar, in order; submenus after their parent.
MENUS: tuple[Menu, ...] = (
    Menu("file", "&File"),
    Menu("file.export", "&Export", parent="file", section=30),
    Menu("edit", "&Edit"),
    Menu("view", "&View"),
    Menu("view.theme", "&Theme", parent="view", section=40),
    Menu("view.landscape", "Lan&dscape", parent="view", section=45),
    Menu("curve", "&Curve"),
    Menu("step", "&Step"),
    Menu("descent", "&Descent"),
    Menu("race", "&Optimizers"),
    Menu("animate", "&Animate"),
    Menu("lessons", "&Lessons"),
    Menu("help", "&Help"),
)

# Keys that are not commands (they belong to a focused widget) but that help must list.
WIDGET_KEYS: tuple[tuple[str, str, str], ...] = (
    ("x slider, plot", "← →", "move x in small steps"),
    ("x slider, plot", "Page Up / Page Down", "move x in large steps"),
    ("plot", "drag the red point", "move x along the curve"),
    ("landscape", "← → ↑ ↓, Page Up / Page Down", "move the point (two inputs)"),
    (
        "landscape",
        "drag the point, the orange handle, the ring",
        "move it, turn the slice, move the start",
    ),
    ("plot", "click a marker", "move x to that point of interest"),
    ("plot, graph", "mouse wheel", "zoom"),
    ("step-through panel", "Space", "play / pause"),
    ("step-through panel", "Esc", "leave step-through"),
    ("presentation mode", "Esc", "leave presentation mode"),
    ("presentation mode", "Alt+L, Alt+F, … (a menu's letter)", "open that menu (no menu bar)"),
)


def key_sequences(command: Command) -> list[QKeySequence]:
    """A command's keys in order, each once: a standard key is often the same sequence as the
    explicit key written beside it (Std.Undo is Ctrl+Z on most desktops), or empty."""
    seqs = (QKeySequence(key) for key in command.keys)
    return [seq for seq in dict.fromkeys(seqs) if not seq.isEmpty()]


def key_text(command: Command) -> str:
    """The first key of a command as the platform writes it ("Ctrl+B"); "" when it has none."""
    seqs = key_sequences(command)
    return seqs[0].toString(QKeySequence.SequenceFormat.NativeText) if seqs else ""


def tooltip(command: Command) -> str:
    """The command's tip with its key, for buttons that do the same: "One step back (Ctrl+Left)"."""
    key = key_text(command)
    words = command.tip or command.text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return f"{words} ({key})" if key else words


def find(tables: Iterable[Sequence[Command]], command_id: str) -> Command:
    for table in tables:
        for command in table:
            if command.id == command_id:
                return command
    raise KeyError(command_id)


def _guarded(window: QMainWindow, command: Command, handler: Callable[..., Any]) -> Callable:
    """Run a handler; an exception becomes a status-bar message, never a crash in a slot."""

    def run(checked: bool = False) -> None:
        try:
            handler(checked) if command.checkable else handler()
        except Exception as err:  # a bug in one command must not take the lesson down
            _LOG.error("command %s failed:\n%s", command.id, traceback.format_exc())
            window.statusBar().showMessage(f"{command.text.replace('&', '')} failed: {err}", 8000)

    return run


class Commands(Mapping[str, QAction]):
    """The window's QActions by command id, the menus by menu id, and the tables behind them."""

    def __init__(self, window: QMainWindow, owners: Sequence[object]) -> None:
        self._window = window
        self._owners = list(owners)
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, tuple[Command, object]] = {}
        self.menus: dict[str, QMenu] = {}
        groups: dict[str, QActionGroup] = {}
        for owner in self._owners:
            for command in getattr(type(owner), "COMMANDS", ()):
                if command.id in self._specs:
                    raise ValueError(f"command {command.id} is declared twice")
                self._specs[command.id] = (command, owner)
                self._actions[command.id] = self._make(command, owner, groups)
        self._build_menus()
        self.refresh()

    # Mapping
    def __getitem__(self, command_id: str) -> QAction:
        return self._actions[command_id]

    def __iter__(self):
        return iter(self._actions)

    def __len__(self) -> int:
        return len(self._actions)

    def spec(self, command_id: str) -> Command:
        return self._specs[command_id][0]

    def specs(self) -> list[Command]:
        return [c for c, _ in self._specs.values()]

    def tooltip(self, command_id: str) -> str:
        return tooltip(self.spec(command_id))

    # building
    def _make(self, command: Command, owner: object, groups: dict[str, QActionGroup]) -> QAction:
        w = self._window
        act = QAction(command.text, w)
        act.setObjectName(f"action.{command.id}")
        act.setShortcuts(key_sequences(command))
        tip = tooltip(command)
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.setCheckable(command.checkable)
        handler = getattr(owner, command.handler)  # a misspelt name fails here, at start-up
        act.triggered.connect(_guarded(w, command, handler))
        if command.group is not None:
            group = groups.get(command.group)
            if group is None:
                group = groups[command.group] = QActionGroup(w)
                group.setExclusive(True)
            group.addAction(act)
        for name in (command.checked, command.enabled):
            if name is not None:
                getattr(owner, name)  # fail at start-up, not on the first refresh
        w.addAction(act)  # shortcuts keep working in full screen without a menu bar
        return act

    def _build_menus(self) -> None:
        bar = self._window.menuBar()
        for menu in MENUS:
            qmenu = QMenu(menu.title, self._window)
            qmenu.setObjectName(f"menu.{menu.id}")
            qmenu.setToolTipsVisible(True)
            self.menus[menu.id] = qmenu
            if menu.parent is None:
                bar.addMenu(qmenu)
        for menu in MENUS:
            entries: list[tuple[int, int, QAction]] = [
                (c.section, i, self._actions[c.id])
                for i, (c, _) in enumerate(self._specs.values())
                if c.menu == menu.id
            ]
            entries += [
                (m.section, -1, self.menus[m.id].menuAction()) for m in MENUS if m.parent == menu.id
            ]
            entries.sort(key=lambda e: (e[0], e[1]))
            qmenu = self.menus[menu.id]
            last = None
            for section, _, act in entries:
                if last is not None and section != last:
                    qmenu.addSeparator()
                qmenu.addAction(act)
                last = section

    def refresh(self) -> None:
        """Check marks and enabled states from the owners' members (cheap: call on changes)."""
        if not shiboken6.isValid(self._window):  # signals still arrive while it is destroyed
            return
        for command_id, (command, owner) in self._specs.items():
            act = self._actions[command_id]
            if command.checked is not None:
                on = bool(getattr(owner, command.checked))
                if act.isChecked() != on:
                    act.blockSignals(True)
                    act.setChecked(on)
                    act.blockSignals(False)
            if command.enabled is not None:
                act.setEnabled(bool(getattr(owner, command.enabled)))

    # help
    def shortcuts_html(self) -> str:
        """Every command with its keys, menu by menu, then the keys of focused widgets."""
        titles = {m.id: m.title.replace("&", "") for m in MENUS}
        rows = []
        for menu in MENUS:
            commands = [c for c in self.specs() if c.menu == menu.id]
            if not commands:
                continue
            path = (
                titles[menu.id]
                if menu.parent is None
                else (f"{titles[menu.parent]} ▸ {titles[menu.id]}")
            )
            rows.append(f"<tr><th colspan=2 align=left><br>{html.escape(path)}</th></tr>")
            for c in commands:
                native = QKeySequence.SequenceFormat.NativeText
                keys = ", ".join(seq.toString(native) for seq in key_sequences(c))
                name = c.text.replace("&&", "\0").replace("&", "").replace("\0", "&")
                rows.append(
                    f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td>"
                    f"<td>{html.escape(name, quote=False)}</td></tr>"
                )
        rows.append("<tr><th colspan=2 align=left><br>In a focused panel</th></tr>")
        for where, keys, what in WIDGET_KEYS:
            rows.append(
                f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td>"
                f"<td>{html.escape(what)} ({html.escape(where)})</td></tr>"
            )
        return "<table>" + "".join(rows) + "</table>"
