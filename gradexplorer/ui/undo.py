"""Undo/redo of what a student edits: the function text, x (and its range), the parameters, and
whole sessions (a lesson, a file, a pasted state).

Snapshots are the model's own immutable SessionState. The recorder listens to
``stateChanged(old, new)``, so every way of changing a value (typing, a slider, the spin box,
dragging the point, keyboard steps, descent) is recorded the same way without the widgets
knowing about undo. A command keeps the states before and after and the fields it changed;
undoing it puts back only those fields, so changes that are not recorded (a pan of the plot, a
toggle) in the meantime are kept rather than thrown away.

Bursts are merged into one command: a text command per debounce commit of the function field
(the model only sees committed text); consecutive x moves, or moves of one parameter, closer than
``MERGE_SECONDS`` apart (a slider drag, a run of arrow keys) become one step.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from gradexplorer.lessons.session import SessionState
from gradexplorer.ui.model import ExplorerModel

MERGE_SECONDS = 0.8
_MERGING = {"x": 1, "param": 2, "race": 3}  # kinds whose consecutive commands may merge
_RECORDED = frozenset(
    {"expression", "draft", "second", "x", "x_range", "y", "y_range", "params", "race"}
)
_POINT = frozenset({"x", "x_range", "y", "y_range"})
_FIELDS = tuple(f.name for f in fields(SessionState))


def _changed(old: SessionState, new: SessionState) -> frozenset[str]:
    return frozenset(f for f in _FIELDS if getattr(old, f) != getattr(new, f))


def _patch(onto: SessionState, source: SessionState, names: frozenset[str]) -> SessionState:
    return replace(onto, **{name: getattr(source, name) for name in names})


class _Command(QUndoCommand):
    def __init__(
        self,
        recorder: UndoRecorder,
        kind: str,
        key: str,
        before: SessionState,
        after: SessionState,
        text: str,
    ) -> None:
        super().__init__(text)
        self.recorder = recorder
        self.kind, self.key = kind, key
        self.before, self.after = before, after
        self.names = _changed(before, after)
        self.extra_before = self.extra_after = recorder.capture_extra()
        self.stamp = recorder.clock()
        self.undone = False
        self._pushed = False

    def id(self) -> int:
        return _MERGING.get(self.kind, -1)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Command) or not self.absorbs(other.kind, other.key, other.stamp):
            return False
        self.extend(other.after, other.names, other.stamp)
        # moved away and back again: nothing to undo, so the stack drops the command
        self.setObsolete(self.is_no_op())
        return True

    def absorbs(self, kind: str, key: str, stamp: float) -> bool:
        """Whether a change of this kind, made at `stamp`, continues this command."""
        return (
            not self.undone
            and (kind, key) == (self.kind, self.key)
            and (stamp - self.stamp <= MERGE_SECONDS)
        )

    def extend(self, after: SessionState, names: frozenset[str], stamp: float) -> None:
        self.stamp = stamp  # a long drag stays one command: the gap counts, not the total
        self.after = after
        self.names = self.names | names

    def is_no_op(self) -> bool:
        return _patch(self.after, self.before, self.names) == self.after

    def redo(self) -> None:
        if not self._pushed:  # QUndoStack.push calls redo; the change has already happened
            self._pushed = True
            return
        self.undone = False
        self.recorder.restore(self.after, self.names, self.extra_after)

    def undo(self) -> None:
        self.undone = True
        self.recorder.restore(self.before, self.names, self.extra_before)


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
        # What the owner keeps beside the model that a whole-session step restores too (the
        # file Save writes to).
        self.capture_extra: Callable[[], Any] = lambda: None
        self.restore_extra: Callable[[Any], None] = lambda _extra: None
        self._paused = 0
        self._label: str | None = None  # set while record() runs a change
        self._group: tuple[SessionState, Any] | None = None
        model.stateChanged.connect(self._on_state)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Changes made inside are not recorded (restores, a session shown without undo)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def record(self, text: str, change: Callable[[], object]) -> None:
        """Run `change` (e.g. opening a lesson) and record everything it did as one command.
        If it raises, nothing is recorded and the exception propagates."""
        before, extra = self.model.state, self.capture_extra()
        with self.paused():
            change()
        after = self.model.state
        if after != before or self.capture_extra() != extra:
            command = _Command(self, "state", "", before, after, text)
            command.names = frozenset(_FIELDS)
            command.extra_before = extra
            self.stack.push(command)

    def restore(self, state: SessionState, names: frozenset[str], extra: Any) -> None:
        with self.paused():
            self.model.restore(_patch(self.model.state, state, names))
            self.restore_extra(extra)

    def _on_state(self, old: SessionState, new: SessionState) -> None:
        if self._paused:
            return
        names = _changed(old, new) & _RECORDED
        if not names:
            return  # a pan, a toggle: shown, carried along, not an undo step of its own
        if names & {"expression", "draft"}:
            self._push("state", "", old, new, "edit of the function")
        elif "second" in names:
            self._push("state", "", old, new, "edit of g(x)")
        elif names <= _POINT:
            what = "move of x" if names <= {"x", "x_range"} else "move of the point"
            self._push("x", "", old, new, what)
        elif names == {"race"}:
            # a drag of the start merges into one step, as a drag of x does
            key = "start" if old.race.start != new.race.start else "settings"
            self._push("race", key, old, new, "change of the race")
        else:
            moved = [n for n in new.params if old.params.get(n) != new.params[n]]
            key = moved[0] if len(moved) == 1 and tuple(old.params) == tuple(new.params) else ""
            kind = "param" if key and names == {"params"} else "state"
            self._push(kind, key, old, new, f"change of {key}" if key else "change")

    def _push(self, kind: str, key: str, old: SessionState, new: SessionState, text: str) -> None:
        """A new command, or the current one continued (a drag). QUndoStack can merge too, but
        PySide then keeps the Python side of every merged command alive: one per slider tick."""
        stack, stamp = self.stack, self.clock()
        top = stack.command(stack.index() - 1) if stack.index() > 0 else None
        if (
            isinstance(top, _Command)
            and kind in _MERGING
            and stack.index() == stack.count()  # nothing to redo that a push would drop
            and stack.index() != stack.cleanIndex()  # the saved state stays a state of its own
            and top.absorbs(kind, key, stamp)
        ):
            before = top.after
            top.extend(new, _changed(old, new), stamp)
            if not top.is_no_op():
                return
            top.extend(before, top.names, stamp)  # back where it began: let the stack drop it
        stack.push(_Command(self, kind, key, old, new, text))
