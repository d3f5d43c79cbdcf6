"""Play buttons for parameter sliders (as in Desmos and GeoGebra): a parameter sweeps its range,
looping or bouncing, and the curve, tangent and graph follow.

The value is a pure function of the time since play was pressed (`lessons.animate.animated_value`),
so a late or skipped timer tick never makes the sweep drift or leave [min, max]. When the student
drags the slider or edits the range while it plays, the sweep continues from there (re-anchored,
same direction); when the parameter disappears from the function, its animation stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QToolButton, QWidget

from gradexplorer.lessons.animate import PlayMode, animated_value, bounce_direction
from gradexplorer.ui.commands import Command, key_text
from gradexplorer.ui.controls import ParamPanel, ValueControl
from gradexplorer.ui.model import ExplorerModel

FRAME_MS = 33  # about 30 frames per second: smooth, and cheap enough for two shared cores
# Fraction of the range crossed per second, with the words the menu shows.
SPEEDS: tuple[tuple[float, str], ...] = (
    (0.05, "Very slow (20 s across)"),
    (0.1, "Slow (10 s across)"),
    (0.25, "Normal (4 s across)"),
    (0.5, "Fast (2 s across)"),
    (1.0, "Very fast (1 s across)"),
)
DEFAULT_SPEED = 0.25
DEFAULT_MODE: PlayMode = "bounce"


@dataclass
class _Sweep:
    t0: float  # clock time when this sweep was anchored
    start: float  # value at t0
    lo: float
    hi: float
    speed: float  # signed: negative starts downward (a bounce re-anchored on its way down)
    mode: PlayMode


@dataclass
class _Settings:
    speed: float = DEFAULT_SPEED
    mode: PlayMode = DEFAULT_MODE


def _animate(id_: str, text: str, keys: tuple[str, ...], handler: str, tip: str = "") -> Command:
    return Command(f"animate.{id_}", text, "animate", keys, handler, tip)


class ParamAnimator(QObject):
    """Drives every playing parameter from one QTimer."""

    COMMANDS = (
        _animate(
            "toggle",
            "&Play / pause parameter",
            ("Ctrl+Shift+A",),
            "toggle_current",
            "Animate the focused parameter (or the first one)",
        ),
        _animate("stop", "&Stop all parameters", ("Ctrl+Alt+A",), "stop_all", "Pause every one"),
        _animate("faster", "&Faster", ("Ctrl+Alt+F",), "faster_current", "Sweep faster"),
        _animate("slower", "S&lower", ("Ctrl+Alt+S",), "slower_current", "Sweep more slowly"),
        _animate(
            "mode",
            "&Bounce / loop",
            ("Ctrl+Alt+B",),
            "toggle_mode_current",
            "Switch between bouncing min ↔ max and looping min → max",
        ),
    )

    playingChanged = Signal(str, bool)

    def __init__(
        self,
        model: ExplorerModel,
        panel: ParamPanel,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._panel = panel
        self.clock = clock  # seconds; tests may swap in a fake clock
        self._sweeps: dict[str, _Sweep] = {}
        self._settings: dict[str, _Settings] = {}
        self.buttons: dict[str, QToolButton] = {}
        self._own_change = False
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.tick)
        panel.controlAdded.connect(self._add_button)
        for name, control in panel.controls.items():
            self._add_button(name, control)
        model.paramsChanged.connect(self._params_changed)
        model.paramChanged.connect(self._param_changed)

    # ----------------------------------------------------------------- queries
    def is_playing(self, name: str) -> bool:
        return name in self._sweeps

    def playing(self) -> tuple[str, ...]:
        return tuple(self._sweeps)

    def settings(self, name: str) -> tuple[float, PlayMode]:
        s = self._settings.get(name, _Settings())
        return s.speed, s.mode

    # ----------------------------------------------------------------- commands
    def play(self, name: str) -> bool:
        """Start sweeping `name` from its current value; False if there is no such parameter."""
        state = self._model.params.get(name)
        if state is None:
            return False
        s = self._settings.setdefault(name, _Settings())
        self._sweeps[name] = _Sweep(
            self.clock(), state.value, state.min, state.max, s.speed, s.mode
        )
        if not self.timer.isActive():
            self.timer.start()
        self._sync_button(name)
        self.playingChanged.emit(name, True)
        return True

    def pause(self, name: str) -> None:
        if self._sweeps.pop(name, None) is None:
            return
        if not self._sweeps:
            self.timer.stop()
        self._sync_button(name)
        self.playingChanged.emit(name, False)

    def toggle(self, name: str) -> None:
        if self.is_playing(name):
            self.pause(name)
        else:
            self.play(name)

    def stop_all(self) -> None:
        for name in list(self._sweeps):
            self.pause(name)

    def set_speed(self, name: str, speed: float) -> None:
        if not speed > 0:
            return
        self._settings.setdefault(name, _Settings()).speed = float(speed)
        if name in self._sweeps:
            self._reanchor(name)
        self._sync_button(name)

    def set_mode(self, name: str, mode: PlayMode) -> None:
        if mode not in ("loop", "bounce"):
            return
        self._settings.setdefault(name, _Settings()).mode = mode
        if name in self._sweeps:
            self._reanchor(name)
        self._sync_button(name)

    def toggle_mode(self, name: str) -> None:
        self.set_mode(name, "loop" if self.settings(name)[1] == "bounce" else "bounce")

    def change_speed(self, name: str, notches: int) -> None:
        """Move `notches` entries along SPEEDS (faster for positive)."""
        speeds = [v for v, _ in SPEEDS]
        current = self.settings(name)[0]
        i = min(range(len(speeds)), key=lambda j: abs(speeds[j] - current))
        self.set_speed(name, speeds[min(max(i + notches, 0), len(speeds) - 1)])

    # ----------------------------------------------------------------- the clock
    def tick(self) -> None:
        now = self.clock()
        for name in list(self._sweeps):
            state = self._model.params.get(name)
            if state is None:  # typed away between a paramsChanged and this frame
                self.pause(name)
                continue
            sweep = self._sweeps[name]
            if (state.min, state.max) != (sweep.lo, sweep.hi):
                sweep = self._reanchor(name)
            value = animated_value(
                now - sweep.t0,
                sweep.lo,
                sweep.hi,
                start=sweep.start,
                speed=sweep.speed,
                mode=sweep.mode,
            )
            self._own_change = True
            try:
                self._model.set_param(name, value)
            finally:
                self._own_change = False

    def _reanchor(self, name: str) -> _Sweep:
        """Continue from the current value and range, keeping a bounce's direction."""
        old = self._sweeps[name]
        now = self.clock()
        direction = 1
        if old.mode == "bounce":
            direction = bounce_direction(
                now - old.t0, old.lo, old.hi, start=old.start, speed=old.speed
            ) or (1 if old.speed >= 0 else -1)
        s = self._settings.setdefault(name, _Settings())
        state = self._model.params[name]
        speed = s.speed * (direction if s.mode == "bounce" else 1)
        new = _Sweep(now, state.value, state.min, state.max, speed, s.mode)
        self._sweeps[name] = new
        return new

    # ----------------------------------------------------------------- model → animator
    def _params_changed(self, names: tuple[str, ...]) -> None:
        for name in list(self._sweeps):
            if name not in names:
                self.pause(name)
        for name in list(self.buttons):
            if name not in names:  # the panel deletes the row (and our button with it)
                self.buttons.pop(name)

    def _param_changed(self, name: str) -> None:
        if not self._own_change and name in self._sweeps and name in self._model.params:
            self._reanchor(name)  # the student moved the slider or the range: go on from there

    # ----------------------------------------------------------------- buttons
    def _add_button(self, name: str, control: QWidget) -> None:
        button = QToolButton(control)
        button.setObjectName(f"paramPlay_{name}")
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        button.setAccessibleName(f"animate parameter {name}")
        menu = QMenu(button)
        # a menu is a window of its own, which the zoomed font does not reach: it takes its
        # button's (the window's zoom) each time it opens, also when made after a zoom
        menu.aboutToShow.connect(lambda m=menu, b=button: m.setFont(b.font()))
        speeds = QActionGroup(menu)
        for value, words in SPEEDS:
            act = QAction(words, menu, checkable=True)
            act.setData(value)
            act.triggered.connect(lambda _c=False, n=name, v=value: self.set_speed(n, v))
            speeds.addAction(act)
            menu.addAction(act)
        menu.addSeparator()
        modes = QActionGroup(menu)
        for mode, words in (("bounce", "Bounce (min ↔ max)"), ("loop", "Loop (min → max, again)")):
            act = QAction(words, menu, checkable=True)
            act.setData(mode)
            act.triggered.connect(lambda _c=False, n=name, m=mode: self.set_mode(n, m))
            modes.addAction(act)
            menu.addAction(act)
        button.setMenu(menu)
        button.toggled.connect(lambda on, n=name: self._button_toggled(n, on))
        assert isinstance(control, ValueControl)
        control.add_row_tool(button)
        self.buttons[name] = button
        self._sync_button(name)

    def _button_toggled(self, name: str, on: bool) -> None:
        if on != self.is_playing(name):
            self.play(name) if on else self.pause(name)
        self._sync_button(name)

    def _sync_button(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is None:
            return
        on = self.is_playing(name)
        speed, mode = self.settings(name)
        button.blockSignals(True)
        button.setChecked(on)
        # Style icons: the default fonts lack a pause glyph (⏸ drew as a box)
        icon = QStyle.StandardPixmap.SP_MediaPause if on else QStyle.StandardPixmap.SP_MediaPlay
        button.setIcon(button.style().standardIcon(icon))
        button.setText("pause" if on else "play")
        button.blockSignals(False)
        button.setToolTip(
            f"{'Pause' if on else 'Play'} {name}: sweeps its range ({mode}, "
            f"{1 / speed:g} s from min to max). The arrow chooses speed and loop/bounce. "
            f"Animate menu: {key_text(self.COMMANDS[0])}"
        )
        menu = button.menu()
        if menu is not None:
            for act in menu.actions():
                if act.isCheckable():
                    act.setChecked(act.data() in (speed, mode))

    # ----------------------------------------------------------------- window commands
    def current_name(self) -> str | None:
        """The parameter whose row has the keyboard focus, else the first one."""
        focus = QApplication.focusWidget()
        for name, control in self._panel.controls.items():
            if focus is not None and (focus is control or control.isAncestorOf(focus)):
                return name
        names = tuple(self._model.params)
        return names[0] if names else None

    def _on_current(self, what: Callable[[str], object]) -> None:
        name = self.current_name()
        if name is not None:
            what(name)

    def toggle_current(self) -> None:
        self._on_current(self.toggle)

    def faster_current(self) -> None:
        self._on_current(lambda n: self.change_speed(n, 1))

    def slower_current(self) -> None:
        self._on_current(lambda n: self.change_speed(n, -1))

    def toggle_mode_current(self) -> None:
        self._on_current(self.toggle_mode)
