"""Undo/redo of what a student edits: the function text, x (and its range) and the parameters.

The recorder listens to the model's signals rather than wrapping its setters, so every way of
changing a value (typing, the slider, the spin box, dragging the point, keyboard steps) is
recorded the same way without the widgets knowing about undo.

Each command stores only the state *before* the change. The state *after* is captured when the
command is undone: at that moment the model is exactly in the after-state (every later change
has been undone first), and display changes that are not recorded (a pan of the plot) are then
carried along on redo instead of being thrown away.

Bursts are merged into one command: a text command per debounce commit of the function field
(the model only sees committed text), consecutive x moves or moves of one parameter closer
than ``MERGE_SECONDS`` apart (a slider drag, a run of arrow keys) become one step.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from gradexplorer.ui.model import ExplorerModel

MERGE_SECONDS = 0.8
_IDS = {"x": 1, "param": 2}  # kinds whose consecutive commands may merge


@dataclass(frozen=True)
class Snapshot:
    """The whole session: the model's state dict plus the last valid text, which the dict
    cannot carry when the typed text currently has an error."""

    state: dict[str, Any]
    valid_text: str | None
    extra: Any = None  # what the owner keeps beside the model (a lesson's title and note)


class _Command(QUndoCommand):
    def __init__(self, recorder: UndoRecorder, kind: str, key: str, before: Any, text: str):
        super().__init__(text)
        self.recorder = recorder
        self.kind = kind
        self.key = key
        self.before = before
        self.after: Any = None
        self.stamp = recorder.clock()
        self.undone = False
        self._pushed = False

    def id(self) -> int:
        return _IDS.get(self.kind, -1)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Command) or self.undone:
            return False
        if (other.kind, other.key) != (self.kind, self.key):
            return False
        if other.stamp - self.stamp > MERGE_SECONDS:
            return False
        self.stamp = other.stamp  # a long drag stays one command: the gap counts, not the total
        # moved away and back again: nothing to undo, so the stack drops the command
        self.setObsolete(self.recorder.capture(self.kind, self.key) == self.before)
        return True

    def redo(self) -> None:
        if not self._pushed:  # QUndoStack.push calls redo; the change has already happened
            self._pushed = True
            return
        self.recorder.restore(self.kind, self.key, self.after)

    def undo(self) -> None:
        self.after = self.recorder.capture(self.kind, self.key)
        self.undone = True
        self.recorder.restore(self.kind, self.key, self.before)


class UndoRecorder(QObject):
    """Owns the window's QUndoStack and turns model changes into commands."""

    def __init__(
        self,
        model: ExplorerModel,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.stack = QUndoStack(self)
        self.clock = clock
        # Hooks for state kept outside the model that a whole-session step must restore too.
        self.capture_extra: Callable[[], Any] = lambda: None
        self.restore_extra: Callable[[Any], None] = lambda _extra: None
        self._paused = 0
        self._sync()
        model.textChanged.connect(self._on_text)
        model.expressionChanged.connect(self._on_expression)
        model.xChanged.connect(self._on_x)
        model.xRangeChanged.connect(self._on_x)
        model.paramChanged.connect(self._on_param)
        model.paramsChanged.connect(self._on_params)

    # ----------------------------------------------------------------- public
    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Changes made inside are not recorded (restores, animations that own their undo)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            self._sync()

    def record(self, text: str, change: Callable[[], object]) -> None:
        """Run `change` (e.g. opening a lesson) and record everything it did as one command.
        If it raises, nothing is recorded and the exception propagates."""
        before = self.capture("state", "")
        with self.paused():
            change()
        if self.capture("state", "") != before:
            self._push("state", "", before, text)

    def snapshot(self) -> Snapshot:
        return self.capture("state", "")

    def capture(self, kind: str, key: str) -> Any:
        m = self.model
        if kind == "x":
            return (m.x_range, m.x)
        if kind == "param":
            p = m.params.get(key)
            return None if p is None else (p.value, p.minimum, p.maximum)
        return Snapshot(m.to_state(), self._valid_text, self.capture_extra())

    def restore(self, kind: str, key: str, value: Any) -> None:
        m = self.model
        with self.paused():
            if kind == "x":
                (lo, hi), x = value
                m.set_x_range(lo, hi)
                m.set_x(x)
            elif kind == "param":
                if value is not None:
                    v, lo, hi = value
                    m.set_param_range(key, lo, hi)
                    m.set_param(key, v)
            else:
                self._restore_snapshot(value)

    # ----------------------------------------------------------------- internals
    def _restore_snapshot(self, snap: Snapshot) -> None:
        state = dict(snap.state)
        text = state["expression"]
        if snap.valid_text is not None and text != snap.valid_text:
            # The text had an error: bring back the expression it was showing, then the text.
            self.model.apply_state({**state, "expression": snap.valid_text})
            self.model.set_text(text)
        else:
            self.model.apply_state(state)
        self._valid_text = snap.valid_text
        self.restore_extra(snap.extra)

    def _sync(self) -> None:
        m = self.model
        self._text = m.text
        if m.error is None and m.expression is not None:
            self._valid_text = m.text
        elif not hasattr(self, "_valid_text"):
            self._valid_text = None
        self._x = (m.x_range, m.x)
        self._params = {n: (p.value, p.minimum, p.maximum) for n, p in m.params.items()}

    def _push(self, kind: str, key: str, before: Any, text: str) -> None:
        self.stack.push(_Command(self, kind, key, before, text))

    def _on_text(self, text: str) -> None:
        if not self._paused and text != self._text:
            before = Snapshot(
                {**self.model.to_state(), "expression": self._text},
                self._valid_text,
                self.capture_extra(),
            )
            self._push("state", "", before, "edit of the function")
        self._text = text

    def _on_expression(self, _expression: object) -> None:
        self._valid_text = self.model.text

    def _on_x(self, *_args: object) -> None:
        now = (self.model.x_range, self.model.x)
        if not self._paused and now != self._x:
            self._push("x", "", self._x, "move of x")
        self._x = now

    def _on_param(self, name: str) -> None:
        p = self.model.params.get(name)
        if p is None:
            return
        now = (p.value, p.minimum, p.maximum)
        before = self._params.get(name)
        if not self._paused and before is not None and now != before:
            self._push("param", name, before, f"change of {name}")
        self._params[name] = now

    def _on_params(self, _names: tuple) -> None:
        self._params = {n: (p.value, p.minimum, p.maximum) for n, p in self.model.params.items()}
