"""The "Gradient descent" dock: x (or a parameter) walks downhill on the plot, step by step.

The arithmetic and the diagnosis (oscillating, diverging, non-finite) live in the Qt-free
`gradexplorer.lessons.descent.Descent`; this panel only drives it. Every step is written back into
the model (set_x / set_param), so the tangent, the readouts and the backward graph follow the walk
exactly as they follow a hand-dragged x, and the visited points are drawn as a trail on the plot.

Any change the panel did not make itself (the student drags x, edits a parameter or the function)
ends the current run: the trail would otherwise mix two different functions or start points.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.lessons.descent import (
    CONVERGED,
    DIVERGING,
    LR_SCALE,
    NON_FINITE,
    OSCILLATING,
    Descent,
    expression_objective,
    lr_from_slider,
    slider_from_lr,
)
from gradexplorer.lessons.session import SessionState
from gradexplorer.ui.controls import muted
from gradexplorer.ui.model import ExplorerModel
from gradexplorer.ui.numbers import format_number

if TYPE_CHECKING:
    from gradexplorer.ui.main_window import MainWindow

DEFAULT_LR = 0.1
DEFAULT_STEPS_PER_SECOND = 4.0
LR_MIN, LR_MAX = 1e-6, 100.0  # exact entry accepts more than the slider's 1e-3..10
X_RANGE_LIMIT = 1e6  # beyond this the x slider would be useless; the run is diverging anyway
LR_NUDGE = 4  # slider positions per "larger/smaller learning rate" (about ×1.36)

# Status → (colour on light, colour on dark, icon). Colour, icon and Descent's own words: never
# colour alone.
STATUS_STYLE = {
    CONVERGED: ("#1b7f3a", "#6fdc8c", "✔"),
    OSCILLATING: ("#b35c00", "#ffb35c", "⚠"),
    DIVERGING: ("#c0221a", "#ff7b72", "⚠"),
    NON_FINITE: ("#c0221a", "#ff7b72", "✖"),
}


@dataclass
class _Start:
    """What Reset puts back: the moved variable's start value and the ranges before the run."""

    target: str
    value: float
    x_range: tuple[float, float]
    param_range: tuple[float, float] | None
    view: tuple[float, float, float, float]


class DescentPanel(QWidget):
    """Controls and status of one descent run; `dock` is the QDockWidget holding it."""

    stepping = Signal()  # before each step: playing parameters would end the run, pause them

    def __init__(self, model: ExplorerModel, plot: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("descentPanel")
        self._model = model
        self._plot = plot  # PlotView: set_trail / clear_trail
        self._descent: Descent | None = None
        self._start: _Start | None = None
        self._own_change = False  # set while the panel itself moves x or a parameter

        self.target_combo = QComboBox(objectName="descentTargetCombo")
        self.target_combo.setToolTip(
            "What moves: x (using f′(x)) or a parameter with x held fixed (using ∂f/∂a)"
        )
        self.target_combo.setAccessibleName("descent variable")
        self.direction_combo = QComboBox(objectName="descentDirectionCombo")
        self.direction_combo.addItem("descend", -1)
        self.direction_combo.addItem("ascend", 1)
        self.direction_combo.setToolTip("Descend walks downhill to a minimum, ascend uphill")
        self.direction_combo.setAccessibleName("descent direction")

        self.lr_slider = QSlider(Qt.Orientation.Horizontal, objectName="descentLrSlider")
        self.lr_slider.setRange(0, LR_SCALE.steps)
        self.lr_slider.setSingleStep(1)
        self.lr_slider.setPageStep(LR_SCALE.steps // 8)
        self.lr_slider.setMinimumWidth(140)
        self.lr_slider.setToolTip(
            f"Learning rate η on a log scale from {LR_SCALE.lo:g} to {LR_SCALE.hi:g}"
        )
        self.lr_slider.setAccessibleName("learning rate slider (log scale)")
        self.lr_spin = QDoubleSpinBox(objectName="descentLrSpinBox")
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(LR_MIN, LR_MAX)
        self.lr_spin.setKeyboardTracking(False)
        self.lr_spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_spin.setToolTip("Exact learning rate η (any positive value)")
        self.lr_spin.setAccessibleName("learning rate value")
        self.speed_spin = QDoubleSpinBox(objectName="descentSpeedSpinBox")
        self.speed_spin.setRange(0.5, 30.0)
        self.speed_spin.setDecimals(1)
        self.speed_spin.setSingleStep(1.0)
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setValue(DEFAULT_STEPS_PER_SECOND)
        self.speed_spin.setToolTip("How fast Play takes steps")
        self.speed_spin.setAccessibleName("descent speed in steps per second")

        self.step_button = QPushButton("Step", objectName="descentStepButton")
        self.step_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward)
        )
        self.play_button = QPushButton("Play", objectName="descentPlayButton")
        self.play_button.setCheckable(True)
        self.reset_button = QPushButton("Reset", objectName="descentResetButton")
        self.status_label = QLabel(objectName="descentStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setMinimumWidth(260)
        self.step_label = QLabel(objectName="descentStepLabel")
        muted(self.step_label)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.addWidget(QLabel("move"), 0, 0)
        grid.addWidget(self.target_combo, 0, 1)
        grid.addWidget(self.direction_combo, 0, 2, 1, 2)
        grid.addWidget(QLabel("η"), 1, 0)
        grid.addWidget(self.lr_slider, 1, 1, 1, 2)
        grid.addWidget(self.lr_spin, 1, 3)
        buttons = QHBoxLayout()
        for b in (self.step_button, self.play_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addWidget(self.speed_spin)
        grid.addLayout(buttons, 2, 0, 1, 4)
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addWidget(self.status_label, 1)
        right.addWidget(self.step_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(14)
        row.addLayout(grid, 0)
        row.addLayout(right, 1)

        self.reset_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward)
        )
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._sync_play_button()

        self._set_lr_widgets(DEFAULT_LR)
        self._rebuild_targets(tuple(model.params))
        self.lr_slider.valueChanged.connect(lambda pos: self.set_lr(lr_from_slider(pos)))
        self.lr_spin.valueChanged.connect(self.set_lr)
        self.speed_spin.valueChanged.connect(lambda _v: self._apply_speed())
        self.target_combo.currentIndexChanged.connect(lambda _i: self._target_changed())
        self.direction_combo.currentIndexChanged.connect(self._direction_changed)
        self.step_button.clicked.connect(self.step)
        self.play_button.toggled.connect(self._play_toggled)
        self.reset_button.clicked.connect(self.reset)
        model.paramsChanged.connect(self._rebuild_targets)
        model.expressionChanged.connect(lambda _e: self._external_change())
        model.xChanged.connect(lambda _x: self._external_change())
        model.xRangeChanged.connect(lambda _lo, _hi: self._external_change())
        model.paramChanged.connect(lambda _n: self._external_change())
        self._show_status()

    # ----------------------------------------------------------------- read access
    @property
    def descent(self) -> Descent | None:
        """The current run (None before the first step or after the run was ended)."""
        return self._descent

    @property
    def target(self) -> str:
        return self.target_combo.currentData() or "x"

    @property
    def lr(self) -> float:
        return self.lr_spin.value()

    @property
    def direction(self) -> int:
        return int(self.direction_combo.currentData())

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    # ----------------------------------------------------------------- commands
    def set_target(self, name: str) -> bool:
        i = self.target_combo.findData(name)
        if i < 0:
            return False
        self.target_combo.setCurrentIndex(i)
        return True

    def set_direction(self, direction: int) -> None:
        self.direction_combo.setCurrentIndex(
            self.direction_combo.findData(1 if direction > 0 else -1)
        )

    def set_lr(self, lr: float) -> None:
        lr = float(lr)
        if not (math.isfinite(lr) and lr > 0):
            return
        lr = min(max(lr, LR_MIN), LR_MAX)
        self._set_lr_widgets(lr)
        if self._descent is not None:
            # A new η applies from the next step on; the trail so far stays valid.
            self._descent.lr = lr
            self._show_status()

    def nudge_lr(self, positions: int) -> None:
        self.set_lr(lr_from_slider(slider_from_lr(self.lr) + positions))

    def step(self) -> None:
        """One step from where the run stands (starting a run from the current value if none)."""
        d = self._ensure_run()
        if d is None:
            return
        self.stepping.emit()
        d = self._ensure_run()  # (a paused animation may have moved the start: a new run)
        if d is None:
            return
        if d.status == NON_FINITE:
            self.pause()
            self._show_status()
            return
        try:
            d.step()
        except Exception as err:  # an engine error must stop the run, not the app
            self._fail(err)
            return
        self._apply_point()
        if d.finished:
            self.pause()

    def play(self) -> None:
        d = self._ensure_run()
        if d is None or d.finished:
            self._show_status()
            return
        self._apply_speed()
        self.timer.start()
        self._sync_play_button()

    def pause(self) -> None:
        self.timer.stop()
        self._sync_play_button()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def reset(self) -> None:
        """Stop, put the moved variable (and the ranges a run widened) back, clear the trail."""
        self.pause()
        start = self._start
        if start is not None:
            self._own_change = True
            try:
                m = self._model
                if start.target == "x":
                    m.set_x_range(*start.x_range)
                    m.set_x(start.value)
                    m.set_view_range(*start.view)
                elif start.target in m.params:
                    if start.param_range is not None:
                        m.set_param_range(start.target, *start.param_range)
                    m.set_param(start.target, start.value)
            finally:
                self._own_change = False
        self._end_run()

    # ----------------------------------------------------------------- the run
    def _ensure_run(self) -> Descent | None:
        if self._descent is not None:
            return self._descent
        m = self._model
        if m.expression is None:
            return None
        target = self.target
        if target != "x" and target not in m.params:
            target = "x"
        params = m.param_values()
        state = m.params.get(target)
        start = m.x if target == "x" else params[target]
        objective = expression_objective(m.expression, x=m.x, params=params, target=target)
        try:
            self._descent = Descent(objective, start, self.lr, self.direction)
        except Exception as err:  # an engine error at the start point
            self._fail(err)
            return None
        self._start = _Start(
            target,
            start,
            m.x_range,
            None if state is None else (state.minimum, state.maximum),
            m.view_range,
        )
        self._draw_trail()
        self._show_status()
        return self._descent

    def _fail(self, err: Exception) -> None:
        self.pause()
        self._descent = None
        self._start = None
        self._plot.clear_trail()
        self._show_status()
        self.status_label.setText(f"<b>✖ Could not take a step:</b> {_html(str(err))}")
        self._colour_status(NON_FINITE)
        self.status_label.setProperty("status", "error")

    def _apply_point(self) -> None:
        """Move the model to the run's latest point, then redraw trail and status."""
        d = self._descent
        assert d is not None and self._start is not None
        p = d.history[-1]
        if math.isfinite(p.x):
            self._own_change = True
            try:
                if self._start.target == "x":
                    self._move_x(p.x)
                else:
                    self._model.set_param(self._start.target, p.x)
            finally:
                self._own_change = False
        self._draw_trail()
        self._show_status()

    def _move_x(self, x: float) -> None:
        m = self._model
        if abs(x) <= X_RANGE_LIMIT:
            m.set_x_extending(x)  # the model's x is the run's x (Reset narrows the range again)
        else:
            m.set_x(x)
        self._follow_in_view(x, self._descent.history[-1].value if self._descent else math.nan)

    def _follow_in_view(self, x: float, y: float) -> None:
        """Zoom the plot out so the walking point stays visible (Reset restores the view)."""
        x0, x1, y0, y1 = self._model.view_range
        if not (math.isfinite(x) and abs(x) <= X_RANGE_LIMIT):
            return
        nx0, nx1, ny0, ny1 = x0, x1, y0, y1
        if not x0 <= x <= x1:
            pad = 0.1 * (max(x1, x) - min(x0, x))
            nx0, nx1 = min(x0, x - pad), max(x1, x + pad)
        if math.isfinite(y) and abs(y) <= X_RANGE_LIMIT and not y0 <= y <= y1:
            pad = 0.1 * (max(y1, y) - min(y0, y))
            ny0, ny1 = min(y0, y - pad), max(y1, y + pad)
        if (nx0, nx1, ny0, ny1) != (x0, x1, y0, y1):
            self._model.set_view_range(nx0, nx1, ny0, ny1)

    def _draw_trail(self) -> None:
        d = self._descent
        if d is None or self._start is None:
            self._plot.clear_trail()
            return
        values = [p.value for p in d.history]
        if self._start.target == "x":
            xs = [p.x for p in d.history]
            self._plot.set_trail(xs, values, [p.slope for p in d.history])
        else:
            # The parameter moves, x stays: the trail is f going down (or up) at this x.
            self._plot.set_trail([self._model.x] * len(values), values)

    def _end_run(self) -> None:
        self.pause()
        self._descent = None
        self._start = None
        self._plot.clear_trail()
        self._show_status()

    def _external_change(self) -> None:
        if not self._own_change and self._descent is not None:
            self._end_run()

    def _target_changed(self) -> None:
        self._end_run()
        self._word_directions()

    def _word_directions(self) -> None:
        v = self.target
        slope = "f′" if v == "x" else f"∂f/∂{v}"
        self.direction_combo.setItemText(0, f"descend  ({v} ← {v} − η·{slope})")
        self.direction_combo.setItemText(1, f"ascend  ({v} ← {v} + η·{slope})")

    def _direction_changed(self, _index: int) -> None:
        if self._descent is not None:  # applies from the next step on
            self._descent.direction = self.direction
        self._show_status()

    def _tick(self) -> None:
        self.step()

    def _apply_speed(self) -> None:
        self.timer.setInterval(max(1, round(1000.0 / self.speed_spin.value())))

    def _play_toggled(self, on: bool) -> None:
        if on != self.playing:
            self.play() if on else self.pause()
        self._sync_play_button()

    def _sync_play_button(self) -> None:
        on = self.playing
        self.play_button.blockSignals(True)
        self.play_button.setChecked(on)
        self.play_button.setText("Pause" if on else "Play")
        icon = QStyle.StandardPixmap.SP_MediaPause if on else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.blockSignals(False)

    # ----------------------------------------------------------------- widgets
    def _set_lr_widgets(self, lr: float) -> None:
        for w in (self.lr_slider, self.lr_spin):
            w.blockSignals(True)
        self.lr_slider.setValue(slider_from_lr(lr))
        self.lr_spin.setValue(lr)
        for w in (self.lr_slider, self.lr_spin):
            w.blockSignals(False)

    def _rebuild_targets(self, names: tuple[str, ...]) -> None:
        current = self.target
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItem("x   (using f′(x))", "x")
        for n in names:
            self.target_combo.addItem(f"{n}   (using ∂f/∂{n}, x fixed)", n)
        i = self.target_combo.findData(current)
        self.target_combo.setCurrentIndex(max(i, 0))
        self.target_combo.blockSignals(False)
        self._word_directions()
        if i < 0 and self._descent is not None:
            self._end_run()

    def _show_status(self) -> None:
        d = self._descent
        var = self.target
        if d is None:
            verb = "descend" if self.direction < 0 else "ascend"
            here = self._model.x if var == "x" else self._model.param_values().get(var, math.nan)
            message = (
                f"Press Step or Play to {verb} on {var} from {var} = {here:.6g} with "
                f"η = {self.lr:g}."
            )
            status = "ready"
        else:
            message = d.message
            status = d.status
            var = self._start.target if self._start is not None else var
            if var != "x":  # Descent words everything in terms of x; f(x), f′(x) stay
                message = message.replace("f′(x)", f"∂f/∂{var}").replace("Δx", f"Δ{var}")
                message = _X_WORD.sub(var, message)
        icon = STATUS_STYLE[status][2] if status in STATUS_STYLE else ""
        head, sep, rest = message.partition(": ")
        # "Diverging: ..." → bold "⚠ Diverging:" then the explanation
        text = f"<b>{icon} {_html(head)}:</b> {_html(rest)}" if icon and sep else _html(message)
        self.status_label.setText(text)
        self._colour_status(status)
        self.status_label.setProperty("status", status)
        if d is not None and d.history:
            p = d.history[-1]
            slope = "f′" if var == "x" else f"∂f/∂{var}"
            self.step_label.setText(
                f"step {d.steps_taken}:  {var} = {format_number(p.x)}   "
                f"f = {format_number(p.value)}   {slope} = {format_number(p.slope)}"
            )
        else:
            self.step_label.setText("step 0")

    def _colour_status(self, status: str) -> None:
        """Colour through the palette: a style sheet would stop the label following the zoom."""
        label = self.status_label
        label.setPalette(QPalette())  # inherit again (theme changes included)
        if status in STATUS_STYLE:
            light, dark, _icon = STATUS_STYLE[status]
            pal = label.palette()
            on_dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
            pal.setColor(QPalette.ColorRole.WindowText, QColor(dark if on_dark else light))
            label.setPalette(pal)

    def status_colour(self) -> str:
        """The status line's text colour as #rrggbb (for tests)."""
        return self.status_label.palette().color(QPalette.ColorRole.WindowText).name()

    def status(self) -> str:
        """The run's status word ("ready" when there is no run)."""
        return "ready" if self._descent is None else self._descent.status


_X_WORD = re.compile(r"(?<![\w(])x(?![\w)])")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install_descent(window: MainWindow) -> DescentPanel:
    """The "Gradient descent" dock, the &Descent menu, and parameter animation on the window."""
    from gradexplorer.ui.param_animation import install_param_animation

    panel = DescentPanel(window.model, window.plot)
    dock = QDockWidget("Gradient descent", window)
    dock.setObjectName("descentDock")
    dock.setWidget(panel)
    dock.setAllowedAreas(
        Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
    )
    others = [
        d
        for d in window.findChildren(QDockWidget)
        if d is not dock and window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
    ]
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    if others:  # share the bottom strip as tabs rather than squeezing side by side
        window.tabifyDockWidget(others[0], dock)
    # Hidden until asked for (menu, Ctrl+Shift+G or a descent action): open, it would take a
    # third of the plot's height on a laptop.
    dock.hide()
    panel.dock = dock

    action = window.make_action
    menu = QMenu("&Descent", window)
    window.menuBar().insertMenu(window.help_menu.menuAction(), menu)  # Help stays last
    show = dock.toggleViewAction()
    show.setText("Gradient descent pa&nel")
    show.setShortcut(QKeySequence("Ctrl+Shift+G"))
    show.setStatusTip("Show or hide the gradient descent panel")
    window.addAction(show)
    menu.addAction(show)
    menu.addSeparator()
    panel.step_action = action(
        "&Step once", _raising(dock, panel.step), "Ctrl+D", tip="One descent step"
    )
    panel.play_action = action(
        "&Play / pause", _raising(dock, panel.toggle_play), "Ctrl+Shift+D", tip="Animate descent"
    )
    panel.reset_action = action(
        "&Reset descent",
        _raising(dock, panel.reset),
        "Ctrl+Alt+D",
        tip="Back to the start value, trail cleared",
    )
    panel.ascend_action = action(
        "&Ascend instead",
        lambda on: panel.set_direction(1 if on else -1),
        "Ctrl+Shift+U",
        tip="Walk uphill (x ← x + η·f′)",
        checkable=True,
    )
    panel.direction_combo.currentIndexChanged.connect(
        lambda _i: panel.ascend_action.setChecked(panel.direction > 0)
    )
    panel.larger_lr_action = action(
        "&Larger learning rate", lambda: panel.nudge_lr(LR_NUDGE), "Ctrl+]"
    )
    panel.smaller_lr_action = action(
        "S&maller learning rate", lambda: panel.nudge_lr(-LR_NUDGE), "Ctrl+["
    )
    for act in (panel.step_action, panel.play_action, panel.reset_action):
        menu.addAction(act)
    menu.addSeparator()
    for act in (panel.ascend_action, panel.larger_lr_action, panel.smaller_lr_action):
        menu.addAction(act)
    panel.step_button.setToolTip("One step (Ctrl+D)")
    panel.play_button.setToolTip("Take steps until paused, converged or stopped (Ctrl+Shift+D)")
    panel.reset_button.setToolTip("Back to the start value, trail cleared (Ctrl+Alt+D)")
    panel.menu = menu
    window.descent_panel = panel
    window.descent_dock = dock
    sessions = getattr(window, "sessions", None)
    if sessions is not None:
        # A lesson or saved session carries descent settings (the squared-error lesson descends
        # on a): show them; saving reads them back from the panel (SessionActions.to_session).
        def show_settings(session: SessionState) -> None:
            panel.set_target(session.descent.target)
            panel.set_lr(session.descent.lr)
            panel.set_direction(session.descent.direction)

        sessions.sessionApplied.connect(show_settings)
    window.param_animator = install_param_animation(window)
    panel.stepping.connect(window.param_animator.stop_all)
    return panel


def _raising(dock: QDockWidget, slot: Callable[[], object]) -> Callable[..., None]:
    """Keyboard commands also bring the dock into view (it may be a hidden tab)."""

    def run(*_args: object) -> None:
        if not dock.isVisible():
            dock.show()
        dock.raise_()
        slot()

    return run
