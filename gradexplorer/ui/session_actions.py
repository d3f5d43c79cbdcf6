"""Lessons and sessions in the app: the Lessons menu, New/Open/Save/Save As, copy and paste of
the one-line state, undo/redo, and the session and window geometry remembered between launches.

Everything goes through gradexplorer.lessons.session, so a file, a pasted line and a preset are
validated the same strict way *before* anything is applied: a bad input shows an error and the
current session stays exactly as it was.

Remembering the last session (QSettings) is off until `enable_persistence` is called. The app's
entry point does that for interactive runs; a bare ``MainWindow()`` (tests, screenshots, other
tools) never reads or writes the user's settings.
"""

from __future__ import annotations

import contextlib
import html
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from gradexplorer.errors import SessionError
from gradexplorer.lessons.presets import Preset, list_presets, read_preset
from gradexplorer.lessons.replay import TOPOLOGICAL
from gradexplorer.lessons.session import (
    SessionState,
    load_session,
    save_session,
    session_from_state_string,
    to_state_string,
)
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.screen_fit import keep_on_screen
from gradexplorer.ui.undo import UndoRecorder

if TYPE_CHECKING:
    from gradexplorer.ui.main_window import MainWindow

ORGANIZATION = "gradexplorer"
APPLICATION = "gradexplorer"
NO_SETTINGS_ENV = "GRADEXPLORER_NO_SETTINGS"  # set to 1 to start fresh and remember nothing
FILE_FILTER = "gradexplorer sessions (*.json);;All files (*)"
BASE_TITLE = "gradexplorer — autograd you can see"
Std = QKeySequence.StandardKey
_UNDO_KEYS = (Std.Undo, Std.Redo)


def default_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def documents_folder() -> Path:
    """The user's documents folder, or their home when the platform names none or it does not
    exist (a fresh Linux account has no ~/Documents: the dialog then opened somewhere else)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def file_name(words: str) -> str:
    """A file name from a lesson title or a function: letters, digits and dashes only."""
    kept = "".join(c if c.isascii() and c.isalnum() else "-" for c in words.strip().lower())
    name = "-".join(part for part in kept.split("-") if part)[:60].strip("-")
    return name or "session"


def _message(err: SessionError) -> str:
    return f"{err.message} {err.hint}" if err.hint else err.message


def _file(id_: str, text: str, keys: tuple, handler: str, tip: str, section: int = 0) -> Command:
    return Command(f"file.{id_}", text, "file", keys, handler, tip, section)


class SessionActions(QObject):
    """The File ▸ New/Open/Save…, Edit ▸ Undo/Redo and Lessons commands of a MainWindow."""

    COMMANDS = (
        _file("new", "&New", (Std.New, "Ctrl+N"), "new_session", "Start again from x² + 3x"),
        _file("open", "&Open…", (Std.Open, "Ctrl+O"), "open_dialog", "Open a session or lesson"),
        _file(
            "save",
            "&Save",
            (Std.Save, "Ctrl+S"),
            "save",
            "Save the function, x, parameters, view and toggles",
        ),
        _file("save_as", "Save &As…", ("Ctrl+Shift+S",), "save_as", "Save to a new file"),
        _file(
            "copy_state",
            "&Copy state",
            ("Ctrl+Shift+C",),
            "copy_state",
            "Copy the whole session as one line of text (to hand to students in a chat)",
            section=10,
        ),
        _file(
            "paste_state",
            "&Paste state",
            ("Ctrl+Shift+V",),
            "paste_state",
            "Open a session from a gx1:… line on the clipboard",
            section=10,
        ),
        Command(
            "edit.undo",
            "&Undo",
            "edit",
            (Std.Undo, "Ctrl+Z"),
            "undo_last",
            "Undo the last change of the function, x or a parameter",
            enabled="can_undo",
        ),
        Command(
            "edit.redo",
            "&Redo",
            "edit",
            (Std.Redo, "Ctrl+Shift+Z", "Ctrl+Y"),
            "redo_last",
            "Redo what was undone",
            enabled="can_redo",
        ),
        Command(
            "lessons.next",
            "&Next lesson",
            "lessons",
            ("Ctrl+PgDown",),
            "next_lesson",
            "Open the next lesson in the list",
            section=10,
        ),
        Command(
            "lessons.previous",
            "P&revious lesson",
            "lessons",
            ("Ctrl+PgUp",),
            "previous_lesson",
            "Open the previous lesson",
            section=10,
        ),
    )

    sessionApplied = Signal(object)  # SessionState, after a file, lesson or pasted state is shown

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.undo = UndoRecorder(self.model, self)
        self.path: Path | None = None  # where Save writes without asking
        self.last_error: str | None = None
        self.error_box: QMessageBox | None = None
        self.settings: QSettings | None = None
        self.presets: list[Preset] = list_presets()
        self.preset_actions: list[QAction] = []
        self._lesson_index = -1
        self._commands: Commands | None = None

        # The teaching note takes the place of the function field's tip: right under the
        # function, two lines reserved, word-wrapped, and out of the way while there is an error.
        self.note_label: QLabel = window.function_input.tip_label
        self._default_tip = self.note_label.text()

        self.undo.capture_extra = lambda: self.path
        self.undo.restore_extra = self._restore_path
        self.undo.stack.cleanChanged.connect(self._on_clean_changed)
        self.model.lessonChanged.connect(self._show_note)
        self._update_title()
        # Ctrl+Z in the function field means the app's undo, not the line edit's private one
        # (which would leave the two histories disagreeing).
        window.function_input.edit.installEventFilter(self)
        window.installEventFilter(self)

    def bind(self, commands: Commands) -> None:
        """The lesson list at the top of the Lessons menu; undo texts and states follow the
        stack."""
        self._commands = commands
        menu = commands.menus["lessons"]
        first = menu.actions()[0] if menu.actions() else None
        for i, preset in enumerate(self.presets):
            # a mnemonic digit for the first nine, so Alt+L then 1…9 opens a lesson
            label = preset.title.replace("&", "&&")
            a = QAction(f"&{i + 1}  {label}" if i < 9 else f"    {label}", self.window)
            a.setStatusTip(preset.note)
            a.setToolTip(preset.note)
            a.setData(preset.name)
            a.triggered.connect(lambda _=False, p=preset: self.open_preset(p))
            menu.insertAction(first, a)
            self.preset_actions.append(a)
        if not self.presets:
            menu.insertAction(first, QAction("(no lessons found)", self.window, enabled=False))
        if first is not None:
            menu.insertSeparator(first)
        stack = self.undo.stack
        undo, redo = commands["edit.undo"], commands["edit.redo"]
        for signal in (stack.canUndoChanged, stack.canRedoChanged, self.model.textChanged):
            signal.connect(lambda *_: commands.refresh())
        self.window.function_input.edit.textChanged.connect(lambda *_: commands.refresh())
        stack.undoTextChanged.connect(lambda t: undo.setText(f"&Undo {t}".strip()))
        stack.redoTextChanged.connect(lambda t: redo.setText(f"&Redo {t}".strip()))

    @property
    def undo_action(self) -> QAction:
        assert self._commands is not None
        return self._commands["edit.undo"]

    @property
    def redo_action(self) -> QAction:
        assert self._commands is not None
        return self._commands["edit.redo"]

    @property
    def can_undo(self) -> bool:
        """Typing still waiting for the debounce can be undone too (undo commits it first)."""
        pending = self.window.function_input.edit.text() != self.model.text
        return self.undo.stack.canUndo() or pending

    @property
    def can_redo(self) -> bool:
        return self.undo.stack.canRedo()

    @property
    def title(self) -> str:
        return self.model.state.title

    @property
    def note(self) -> str:
        return self.model.state.note

    def _on_clean_changed(self, clean: bool) -> None:
        # the stack also reports while the window is being destroyed
        if shiboken6.isValid(self.window):
            self.window.setWindowModified(not clean)

    # ----------------------------------------------------------------- errors
    def show_error(self, title: str, message: str) -> None:
        """Tell the user what went wrong. Non-blocking (`open`, not `exec`), so the app — and a
        test — keeps running while the box is up."""
        self.last_error = message
        self.window.statusBar().showMessage(f"{title}: {message}", 10000)
        if self.error_box is not None:
            self.error_box.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self.window
        )
        box.setObjectName("sessionErrorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: setattr(self, "error_box", None))
        self.error_box = box
        box.open()

    # ----------------------------------------------------------------- state in and out
    def current_session(self) -> tuple[SessionState, str | None]:
        """The session as the format stores it, and a warning when the typed text has an error
        (then the last valid function is what gets stored)."""
        state = self.model.state
        if self.model.expression is None:
            raise SessionError(
                "The function has an error and there is no valid one to keep.",
                hint="Fix the function first.",
            )
        warning = None
        if state.draft is not None:
            warning = (
                f"the function has an error, so the last valid one ({state.expression}) was kept"
            )
        return replace(state, draft=None), warning

    def apply_session(
        self,
        session: SessionState,
        *,
        path: Path | None = None,
        what: str = "open",
        undoable: bool = True,
    ) -> None:
        """Show `session` (already validated). One undo step when `undoable`."""

        def change() -> None:
            self.model.set_state(session)
            self.path = path

        if undoable:
            self.undo.record(what, change)
        else:
            with self.undo.paused():
                change()
            self.undo.stack.clear()
        self._lesson_index = -1
        if self.title:
            self.window.statusBar().showMessage(f"Opened the lesson {self.title}", 5000)
        self._update_title()
        if path is not None:
            self.undo.stack.setClean()
            algorithm = _lesson_algorithm(path)
            if algorithm is not None:  # a lesson file opened by hand, as from the Lessons menu
                self.model.set_backward_algorithm(algorithm)
        self.sessionApplied.emit(session)

    def _restore_path(self, path: Path | None) -> None:
        # undoing "open" takes its file away with it (the title and note are in the state)
        self.path = path
        self._update_title()

    def _show_note(self) -> None:
        self._update_title()
        if self.note or self.title:
            title = f"<b>{html.escape(self.title)}</b>" if self.title else ""
            sep = " — " if self.title and self.note else ""
            # The tip is greyed by its style sheet; a note is meant to be read from the back
            # of the room, so it takes the window's text colour (re-read on theme changes).
            colour = self.window.palette().color(QPalette.ColorRole.WindowText).name()
            self.note_label.setText(
                f"<span style='color:{colour}'>Lesson: {title}{sep}{html.escape(self.note)}</span>"
            )
            self.note_label.setToolTip(self.note or self.title)
        else:
            self.note_label.setText(self._default_tip)
            self.note_label.setToolTip("")

    def _update_title(self) -> None:
        if self.path is not None:
            name = self.path.name
        elif self.title:
            name = self.title
        else:
            self.window.setWindowTitle(f"{BASE_TITLE}[*]")
            return
        self.window.setWindowTitle(f"{name}[*] — gradexplorer")

    # ----------------------------------------------------------------- actions
    def new_session(self) -> None:
        self.model.forget_parameters()
        self.apply_session(SessionState(), what="new session")
        self.model.set_retain_graph(False)
        self.window.statusBar().showMessage("New session", 3000)

    def open_preset(self, preset: Preset) -> None:
        self.apply_session(preset.state, what=f"open lesson {preset.title}")
        self._lesson_index = self.presets.index(preset) if preset in self.presets else -1
        # a lesson on a wrong backward pass steps through that pass; any other, the right one
        self.model.set_backward_algorithm(preset.algorithm or TOPOLOGICAL)
        # and backward runs as PyTorch's default does (the backward-twice lesson promises
        # the error a second run raises without retain_graph)
        self.model.set_retain_graph(False)

    def next_lesson(self) -> None:
        self.step_lesson(1)

    def previous_lesson(self) -> None:
        self.step_lesson(-1)

    def step_lesson(self, delta: int) -> None:
        if not self.presets:
            return
        i = (self._lesson_index + delta) % len(self.presets) if self._lesson_index >= 0 else 0
        self.open_preset(self.presets[i])

    def open_file(self, path: str | os.PathLike[str]) -> bool:
        """Open a session or lesson file; on any problem show why and change nothing."""
        target = Path(path)
        try:
            session = load_session(target)
        except SessionError as err:
            self.show_error("Could not open the session", f"{target.name}: {_message(err)}")
            return False
        except Exception as err:  # never let a bad file take the app down
            self.show_error("Could not open the session", f"{target.name}: {err}")
            return False
        try:
            self.apply_session(session, path=target.resolve(), what=f"open {target.name}")
        except SessionError as err:
            self.show_error("Could not open the session", f"{target.name}: {_message(err)}")
            return False
        if not (self.note or self.title):  # a lesson's note says more than the file name
            self.window.statusBar().showMessage(f"Opened {target}", 5000)
        return True

    def save_file(self, path: str | os.PathLike[str]) -> bool:
        """Write the session atomically; on failure the previous file is left as it was."""
        target = Path(path)
        try:
            session, warning = self.current_session()
            save_session(session, target)
        except SessionError as err:
            self.show_error("Could not save the session", _message(err))
            return False
        except Exception as err:
            self.show_error("Could not save the session", str(err))
            return False
        self.path = target.resolve()
        self.undo.stack.setClean()
        self._update_title()
        done = f"Saved {target}"
        if warning:
            done += f" — {warning}"
        self.window.statusBar().showMessage(done, 10000 if warning else 4000)
        return True

    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open a session", self._folder(), FILE_FILTER
        )
        return path

    def ask_save_path(self) -> str:
        suggestion = str(self.path) if self.path else str(self.suggested_path())
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save the session", suggestion, FILE_FILTER
        )
        if path and not Path(path).suffix:
            path += ".json"
        return path

    def _folder(self) -> str:
        return str(self.path.parent) if self.path else str(documents_folder())

    def suggested_path(self) -> Path:
        """Where Save proposes to write a session that has no file yet: the lesson's title (or
        the function) as a file name, in the user's documents folder."""
        name = file_name(self.title or self.model.state.expression)
        return documents_folder() / f"{name}.json"

    def open_dialog(self) -> bool:
        path = self.ask_open_path()
        return self.open_file(path) if path else False

    def save(self) -> bool:
        return self.save_file(self.path) if self.path else self.save_as()

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return self.save_file(path) if path else False

    def state_string(self) -> str:
        session, _ = self.current_session()
        return to_state_string(session)

    def copy_state(self) -> bool:
        try:
            session, warning = self.current_session()
            text = to_state_string(session)
        except SessionError as err:
            self.show_error("Could not copy the state", _message(err))
            return False
        QGuiApplication.clipboard().setText(text)
        done = f"Copied the state ({len(text)} characters) — paste it with File ▸ Paste state"
        if warning:
            done += f"; {warning}"
        self.window.statusBar().showMessage(done, 6000)
        return True

    def paste_state(self, text: str | None = None) -> bool:
        """Open the state on the clipboard (or `text`); a bad line changes nothing."""
        if text is None:
            text = QGuiApplication.clipboard().text()
        try:
            session = session_from_state_string(text)
            self.apply_session(session, what="paste state")
        except SessionError as err:
            self.show_error("Could not paste the state", _message(err))
            return False
        if not (self.note or self.title):
            self.window.statusBar().showMessage("Pasted the state", 4000)
        return True

    def undo_last(self) -> None:
        self.window.function_input.commit()  # typing still waiting for the debounce counts
        self.undo.stack.undo()

    def redo_last(self) -> None:
        self.window.function_input.commit()
        self.undo.stack.redo()

    # ----------------------------------------------------------------- settings
    def enable_persistence(
        self, settings: QSettings | None = None, *, restore_session: bool = True
    ) -> None:
        """Bring back the window geometry (and, with `restore_session`, the last session) and
        remember them when the window closes. A damaged setting is ignored."""
        self.settings = settings or default_settings()
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry and self.window.restoreGeometry(geometry):
            keep_on_screen(self.window)  # saved on a larger screen than this one
        dock_state = s.value("window/state")
        if dock_state:
            self.window.restoreState(dock_state)
        if s.value("window/theme") in ("light", "dark"):
            self.window.presentation.set_theme(s.value("window/theme"))
        if not restore_session:
            return
        text = s.value("session/state")
        if not isinstance(text, str) or not text:
            return
        try:
            session = session_from_state_string(text)
        except SessionError:
            return
        path = s.value("session/path")
        path = Path(path) if isinstance(path, str) and path and Path(path).is_file() else None
        self.apply_session(session, path=path, undoable=False)
        self.undo.stack.clear()

    def save_settings(self) -> None:
        if self.settings is None:
            return
        s = self.settings
        s.setValue("window/geometry", self.window.saveGeometry())
        s.setValue("window/state", self.window.saveState())
        s.setValue("window/theme", self.window.presentation.base_theme.name)
        # nothing valid to remember: keep what was remembered before
        with contextlib.suppress(SessionError):
            s.setValue("session/state", self.state_string())
        s.setValue("session/path", str(self.path) if self.path else "")
        s.sync()

    # ----------------------------------------------------------------- events
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.save_settings()
        elif obj is self.window and event.type() == QEvent.Type.PaletteChange:
            self._show_note()
        elif (
            obj is self.window.function_input.edit
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and any(event.matches(k) for k in _UNDO_KEYS)
        ):
            # Not accepted: the line edit does not claim the key, the window's action runs.
            event.ignore()
            return True
        return False


def _lesson_algorithm(path: Path) -> str | None:
    """The backward algorithm of a lesson file (the correct one for a lesson that names
    none); None for a file that is not a lesson."""
    try:
        preset = read_preset(path)
    except SessionError:
        return None
    return preset.algorithm or TOPOLOGICAL


def apply_cli_overrides(window: MainWindow, x: float | None, params: dict[str, float]) -> None:
    """--x and --param given with a session file win over the file's values."""
    m = window.model
    with window.sessions.undo.paused():
        if x is not None:
            m.set_x_extending(x)
        for name, value in params.items():
            m.set_param(name, value)
    window.sessions.undo.stack.clear()


__all__ = ["SessionActions", "apply_cli_overrides"]
