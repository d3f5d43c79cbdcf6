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
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox

from gradexplorer.errors import SessionError
from gradexplorer.lessons.presets import Preset, list_presets
from gradexplorer.lessons.session import (
    DescentSettings,
    SessionState,
    Toggles,
    load_session,
    save_session,
    session_from_state_string,
)
from gradexplorer.ui.model import DEFAULT_EXPRESSION
from gradexplorer.ui.undo import UndoRecorder

if TYPE_CHECKING:
    from gradexplorer.ui.main_window import MainWindow

ORGANIZATION = "gradexplorer"
APPLICATION = "gradexplorer"
NO_SETTINGS_ENV = "GRADEXPLORER_NO_SETTINGS"  # set to 1 to start fresh and remember nothing
FILE_FILTER = "gradexplorer sessions (*.json);;All files (*)"
BASE_TITLE = "gradexplorer — autograd you can see"
_UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


def default_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def _message(err: SessionError) -> str:
    return f"{err.message} {err.hint}" if err.hint else err.message


class SessionActions(QObject):
    """The File ▸ New/Open/Save…, Edit ▸ Undo/Redo and Lessons menus of a MainWindow."""

    sessionApplied = Signal(object)  # SessionState, after a file, lesson or pasted state is shown

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.undo = UndoRecorder(self.model, self)
        self.path: Path | None = None  # where Save writes without asking
        self.title = ""
        self.note = ""
        # What the format holds but the model does not (tangent and graph visibility, descent
        # settings): kept from the last session opened so that saving it again loses nothing.
        self.toggles = Toggles()
        self.descent = DescentSettings()
        self.last_error: str | None = None
        self.error_box: QMessageBox | None = None
        self.settings: QSettings | None = None
        self.presets: list[Preset] = list_presets()

        # The teaching note takes the place of the function field's tip: right under the
        # function, two lines reserved, word-wrapped, and out of the way while there is an error.
        self.note_label: QLabel = window.function_input.tip_label
        self._default_tip = self.note_label.text()

        self.undo.capture_extra = self._capture_extra
        self.undo.restore_extra = self._restore_extra
        self._build_menus()
        self.undo.stack.cleanChanged.connect(self._on_clean_changed)
        self._update_title()
        # Ctrl+Z in the function field means the app's undo, not the line edit's private one
        # (which would leave the two histories disagreeing).
        window.function_input.edit.installEventFilter(self)
        window.installEventFilter(self)

    # ----------------------------------------------------------------- menus
    def _build_menus(self) -> None:
        w = self.window
        act = w.make_action
        self.new_action = act(
            "&New",
            self.new_session,
            QKeySequence.StandardKey.New,
            "Ctrl+N",
            tip="Start again from the default function",
        )
        self.open_action = act(
            "&Open…",
            self.open_dialog,
            QKeySequence.StandardKey.Open,
            "Ctrl+O",
            tip="Open a saved session or a lesson file",
        )
        self.save_action = act(
            "&Save",
            self.save,
            QKeySequence.StandardKey.Save,
            "Ctrl+S",
            tip="Save the function, x, parameters, view and toggles",
        )
        self.save_as_action = act(
            "Save &As…", self.save_as, "Ctrl+Shift+S", tip="Save the session to a new file"
        )
        self.copy_state_action = act(
            "&Copy state",
            self.copy_state,
            "Ctrl+Shift+C",
            tip="Copy the whole session as one line of text (to hand to students in a chat)",
        )
        self.paste_state_action = act(
            "&Paste state",
            lambda: self.paste_state(),
            "Ctrl+Shift+V",
            tip="Open a session from a gx1:… line on the clipboard",
        )
        quit_action = w.quit_action
        for a in (self.new_action, self.open_action, self.save_action, self.save_as_action):
            w.file_menu.insertAction(quit_action, a)
        w.file_menu.insertSeparator(quit_action)
        w.file_menu.insertAction(quit_action, self.copy_state_action)
        w.file_menu.insertAction(quit_action, self.paste_state_action)
        w.file_menu.insertSeparator(quit_action)

        stack = self.undo.stack
        self.undo_action = act(
            "&Undo",
            self.undo_last,
            QKeySequence.StandardKey.Undo,
            "Ctrl+Z",
            tip="Undo the last change of the function, x or a parameter",
        )
        self.redo_action = act(
            "&Redo",
            self.redo_last,
            QKeySequence.StandardKey.Redo,
            "Ctrl+Shift+Z",
            "Ctrl+Y",
            tip="Redo what was undone",
        )
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        # Typing still waiting for the debounce can be undone too (undo commits it first).
        stack.canUndoChanged.connect(self._update_undo_enabled)
        w.function_input.edit.textChanged.connect(self._update_undo_enabled)
        self.model.textChanged.connect(self._update_undo_enabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(lambda t: self.undo_action.setText(f"&Undo {t}".strip()))
        stack.redoTextChanged.connect(lambda t: self.redo_action.setText(f"&Redo {t}".strip()))
        self.edit_menu = getattr(w, "edit_menu", None)
        if self.edit_menu is None:
            self.edit_menu = QMenu("&Edit", w)
            w.menuBar().insertMenu(w.view_menu.menuAction(), self.edit_menu)
            w.edit_menu = self.edit_menu
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)

        menu = self.lessons_menu = QMenu("&Lessons", w, objectName="lessonsMenu")
        menu.setToolTipsVisible(True)
        self.preset_actions: list[QAction] = []
        for i, preset in enumerate(self.presets):
            # a mnemonic digit for the first nine, so Alt+L then 1…9 opens a lesson
            label = preset.title.replace("&", "&&")
            text = f"&{i + 1}  {label}" if i < 9 else f"    {label}"
            a = QAction(text, w)
            a.setStatusTip(preset.note)
            a.setToolTip(preset.note)
            a.setData(preset.name)
            a.triggered.connect(lambda _=False, p=preset: self.open_preset(p))
            menu.addAction(a)
            self.preset_actions.append(a)
        if not self.presets:
            empty = menu.addAction("(no lessons found)")
            empty.setEnabled(False)
        menu.addSeparator()
        self.next_lesson_action = act(
            "&Next lesson",
            lambda: self.step_lesson(1),
            "Ctrl+PgDown",
            tip="Open the next lesson in the list",
        )
        self.previous_lesson_action = act(
            "P&revious lesson",
            lambda: self.step_lesson(-1),
            "Ctrl+PgUp",
            tip="Open the previous lesson",
        )
        menu.addAction(self.next_lesson_action)
        menu.addAction(self.previous_lesson_action)
        w.menuBar().insertMenu(w.help_menu.menuAction(), menu)
        self._lesson_index = -1

    def _update_undo_enabled(self, *_args: object) -> None:
        pending = self.window.function_input.edit.text() != self.model.text
        self.undo_action.setEnabled(self.undo.stack.canUndo() or pending)

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
        state = self.model.to_state()
        warning = None
        if self.model.error is not None:
            expression = self.model.expression
            valid = self.undo.snapshot().valid_text
            if expression is None or valid is None:
                raise SessionError(
                    "The function has an error and there is no valid one to keep.",
                    hint="Fix the function first.",
                )
            warning = f"the function has an error, so the last valid one ({valid}) was kept"
            state["expression"] = valid
        panel = getattr(self.window, "descent_panel", None)
        descent = (
            self.descent
            if panel is None
            else DescentSettings(target=panel.target, lr=panel.lr, direction=panel.direction)
        )
        session = SessionState.from_model_state(
            state, title=self.title, note=self.note, toggles=self.toggles, descent=descent
        )
        return session, warning

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
            self.model.apply_state(session.to_model_state())  # raises before changing anything
            self.title, self.note = session.title, session.note
            self.toggles, self.descent = session.toggles, session.descent
            self.path = path

        if undoable:
            self.undo.record(what, change)
        else:
            with self.undo.paused():
                change()
            self.undo.stack.clear()
        self._lesson_index = -1
        self._show_note()
        if self.title:
            self.window.statusBar().showMessage(f"Opened the lesson {self.title}", 5000)
        self._update_title()
        if path is not None:
            self.undo.stack.setClean()
        self.sessionApplied.emit(session)

    def _capture_extra(self) -> tuple:
        return (self.title, self.note, self.toggles, self.descent, self.path)

    def _restore_extra(self, extra: tuple | None) -> None:
        # undoing "open lesson" takes its title, note and file away with it
        if extra is None:
            return
        self.title, self.note, self.toggles, self.descent, self.path = extra
        self._show_note()
        self._update_title()

    def _show_note(self) -> None:
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
        self.apply_session(SessionState(expression=DEFAULT_EXPRESSION, x=1.0), what="new session")
        self.window.statusBar().showMessage("New session", 3000)

    def open_preset(self, preset: Preset) -> None:
        self.apply_session(preset.state, what=f"open lesson {preset.title}")
        self._lesson_index = self.presets.index(preset) if preset in self.presets else -1

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
        suggestion = str(self.path) if self.path else os.path.join(self._folder(), "session.json")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save the session", suggestion, FILE_FILTER
        )
        if path and not Path(path).suffix:
            path += ".json"
        return path

    def _folder(self) -> str:
        return str(self.path.parent) if self.path else os.getcwd()

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
        return session.to_state_string()

    def copy_state(self) -> bool:
        try:
            session, warning = self.current_session()
            text = session.to_state_string()
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
        if geometry:
            self.window.restoreGeometry(geometry)
        dock_state = s.value("window/state")
        if dock_state:
            self.window.restoreState(dock_state)
        presentation = getattr(self.window, "presentation", None)
        if presentation is not None and s.value("window/theme") in ("light", "dark"):
            presentation.set_theme(s.value("window/theme"))
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
        presentation = getattr(self.window, "presentation", None)
        if presentation is not None:
            s.setValue("window/theme", presentation.base_theme.name)
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


def install_sessions(window: MainWindow) -> SessionActions:
    """Add the session and lesson menus to `window`; stored as `window.sessions`."""
    panel = SessionActions(window)
    window.sessions = panel
    return panel


def apply_cli_overrides(window: MainWindow, x: float | None, params: dict[str, float]) -> None:
    """--x and --param given with a session file win over the file's values."""
    m = window.model
    with window.sessions.undo.paused():
        if x is not None:
            m.set_x_extending(x)
        for name, value in params.items():
            m.set_param(name, value)
    window.sessions.undo.stack.clear()


__all__ = ["SessionActions", "apply_cli_overrides", "install_sessions"]
