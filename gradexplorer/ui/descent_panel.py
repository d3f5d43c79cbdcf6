"""The "Gradient descent" dock: x (or a parameter) walks downhill on the plot, step by step.

The arithmetic and the diagnosis (oscillating, diverging, non-finite) live in the Qt-free
`gradexplorer.lessons.descent.Descent`; the settings (what moves, η, the direction) are part of
the session state in the model; the trail is a model overlay the plot draws. This panel is the
controller: every step is written back into the model (set_x / set_param), so the tangent, the
readouts and the backward graph follow the walk exactly as they follow a hand-dragged x.

Any change the panel did not make itself (the student drags x, edits a parameter or the
function) ends the current run: the trail would otherwise mix two functions or start points.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.lessons.descent import (
    CONVERGED,
    DIVERGING,
    LR_SCALE,
    NON_FINITE,
    OSCILLATING,
    Descent,
    expression_landmark,
    expression_objective,
    lr_from_slider,
    slider_from_lr,
)
from gradexplorer.lessons.session import DescentSettings
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.controls import muted
from gradexplorer.ui.model import ExplorerModel

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
_X_WORD = re.compile(r"(?<![\w(])x(?![\w)])")

TWO_INPUTS = (
    "Gradient descent here moves one variable. For a function of two inputs, race torch.optim "
    "optimizers in the Optimizers panel (Optimizers ▸ panel)."
)


@dataclass
class _Start:
    """What Reset puts back: the moved variable's start value and the ranges before the run."""

    target: str
    value: float
    x_range: tuple[float, float]
    param_range: tuple[float, float] | None
    view: tuple[float, float, float, float]


def _descent(id_: str, text: str, keys: tuple[str, ...], handler: str, tip: str = "", **kw):
    return Command(f"descent.{id_}", text, "descent", keys, handler, tip, **kw)


class DescentPanel(QWidget):
    """Controls and status of one descent run; `dock` is the QDockWidget holding it."""

    COMMANDS = (
        _descent(
            "panel",
            "Gradient descent pa&nel",
            ("Ctrl+Shift+G",),
            "show_panel",
            "Show or hide the gradient descent panel",
            checkable=True,
            checked="panel_shown",
        ),
        _descent("step", "&Step once", ("Ctrl+D",), "step_from_menu", "One step", section=10),
        _descent(
            "play",
            "&Play / pause",
            ("Ctrl+Shift+D",),
            "toggle_play_from_menu",
            "Take steps until paused, converged or stopped",
            section=10,
        ),
        _descent(
            "reset",
            "&Reset descent",
            ("Ctrl+Alt+D",),
            "reset_from_menu",
            "Back to the start value, trail cleared",
            section=10,
        ),
        _descent(
            "ascend",
            "&Ascend instead",
            ("Ctrl+Shift+U",),
            "set_ascending",
            "Walk uphill (x ← x + η·f′)",
            section=20,
            checkable=True,
            checked="ascending",
        ),
        _descent(
            "larger_lr", "&Larger learning rate", ("Ctrl+]",), "larger_lr", "η × 1.36", section=20
        ),
        _descent(
            "smaller_lr",
            "S&maller learning rate",
            ("Ctrl+[",),
            "smaller_lr",
            "η ÷ 1.36",
            section=20,
        ),
    )

    stepping = Signal()  # before each step: playing parameters would end the run, pause them

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("descentPanel")
        self._model = model
        self._descent: Descent | None = None
        self._start: _Start | None = None
        self._own_change = False  # set while the panel itself moves x or a parameter
        self._build_controls()
        self._build_layout()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.step)
        self.dock = QDockWidget("Gradient descent")
        self.dock.setObjectName("descentDock")
        self.dock.setWidget(self)
        self._sync_play_button()
        self._rebuild_targets(tuple(model.params))
        self._show_settings(model.descent_settings)
        self._connect()
        self._show_status()

    # ----------------------------------------------------------------- widgets
    def _build_controls(self) -> None:
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
        icon = self.style().standardIcon
        sp = QStyle.StandardPixmap
        self.step_button = QPushButton(icon(sp.SP_MediaSeekForward), "Step")
        self.step_button.setObjectName("descentStepButton")
        self.play_button = QPushButton("Play", objectName="descentPlayButton")
        self.play_button.setCheckable(True)
        self.reset_button = QPushButton(icon(sp.SP_MediaSkipBackward), "Reset")
        self.reset_button.setObjectName("descentResetButton")
        self.status_label = QLabel(objectName="descentStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setMinimumWidth(260)
        self.step_label = QLabel(objectName="descentStepLabel")
        muted(self.step_label)

    def _build_layout(self) -> None:
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

    def _connect(self) -> None:
        m = self._model
        self.lr_slider.valueChanged.connect(lambda pos: self.set_lr(lr_from_slider(pos)))
        self.lr_spin.valueChanged.connect(self.set_lr)
        self.speed_spin.valueChanged.connect(lambda _v: self._apply_speed())
        self.target_combo.currentIndexChanged.connect(
            lambda _i: self.set_target(self.target_combo.currentData() or "x")
        )
        self.direction_combo.currentIndexChanged.connect(
            lambda _i: self.set_direction(int(self.direction_combo.currentData()))
        )
        self.step_button.clicked.connect(self.step)
        self.play_button.toggled.connect(self._play_toggled)
        self.reset_button.clicked.connect(self.reset)
        m.paramsChanged.connect(self._rebuild_targets)
        m.descentSettingsChanged.connect(self._on_settings)
        m.expressionChanged.connect(lambda _e: self._external_change())
        m.xChanged.connect(lambda _x: self._external_change())
        m.xRangeChanged.connect(lambda _lo, _hi: self._external_change())
        m.paramChanged.connect(lambda _n: self._external_change())

    def bind(self, commands: Commands) -> None:
        """Buttons name the keys of the commands they share; the panel command's check mark
        follows the dock."""
        self.step_button.setToolTip(commands.tooltip("descent.step"))
        self.play_button.setToolTip(commands.tooltip("descent.play"))
        self.reset_button.setToolTip(commands.tooltip("descent.reset"))
        self.dock.visibilityChanged.connect(lambda _on: commands.refresh())

    # ----------------------------------------------------------------- read access
    @property
    def descent(self) -> Descent | None:
        """The current run (None before the first step or after the run was ended)."""
        return self._descent

    @property
    def target(self) -> str:
        return self._model.descent_settings.target

    @property
    def lr(self) -> float:
        return self._model.descent_settings.lr

    @property
    def direction(self) -> int:
        return self._model.descent_settings.direction

    @property
    def ascending(self) -> bool:
        return self.direction > 0

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    @property
    def panel_shown(self) -> bool:
        return self.dock.isVisible()

    # ----------------------------------------------------------------- commands
    def show_panel(self, on: bool) -> None:
        self.dock.setVisible(on)
        if on:
            self.dock.raise_()

    def set_target(self, name: str) -> bool:
        if name != "x" and name not in self._model.params:
            return False
        self._model.set_descent_settings(target=name)
        return True

    def set_direction(self, direction: int) -> None:
        self._model.set_descent_settings(direction=1 if direction > 0 else -1)

    def set_ascending(self, on: bool) -> None:
        self.set_direction(1 if on else -1)

    def set_lr(self, lr: float) -> None:
        lr = float(lr)
        if math.isfinite(lr) and lr > 0:
            self._model.set_descent_settings(lr=min(max(lr, LR_MIN), LR_MAX))

    def nudge_lr(self, positions: int) -> None:
        self.set_lr(lr_from_slider(slider_from_lr(self.lr) + positions))

    def larger_lr(self) -> None:
        self.nudge_lr(LR_NUDGE)

    def smaller_lr(self) -> None:
        self.nudge_lr(-LR_NUDGE)

    def step(self) -> None:
        """One step from where the run stands (starting a run from the current value if none)."""
        if self._ensure_run() is None:
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
        self.pause() if self.playing else self.play()

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

    # Keyboard commands also bring the dock into view (it may be a hidden tab).
    def step_from_menu(self) -> None:
        self.show_panel(True)
        self.step()

    def toggle_play_from_menu(self) -> None:
        self.show_panel(True)
        self.toggle_play()

    def reset_from_menu(self) -> None:
        self.show_panel(True)
        self.reset()

    # ----------------------------------------------------------------- the run
    def _ensure_run(self) -> Descent | None:
        if self._descent is not None:
            return self._descent
        m = self._model
        if m.expression is None:
            return None
        if m.two_inputs:  # one variable at a time here; two inputs race in the Optimizers panel
            self._show_status()
            return None
        target = self.target
        params = m.param_values()
        state = m.params.get(target)
        start = m.x if target == "x" else params[target]
        objective = expression_objective(m.expression, x=m.x, params=params, target=target)
        x0, x1, y0, y1 = m.view_range
        # converged once the rest of the walk would be invisible in this view
        scale = (x1 - x0, y1 - y0) if target == "x" else (self._param_span(target), y1 - y0)
        # where the run stops is named by the points of interest there ("local minimum")
        landmark = (
            expression_landmark(m.expression, params=params, width=x1 - x0)
            if target == "x"
            else None
        )
        try:
            self._descent = Descent(
                objective, start, self.lr, self.direction, scale=scale, landmark=landmark
            )
        except Exception as err:  # an engine error at the start point
            self._fail(err)
            return None
        self._start = _Start(
            target,
            start,
            m.x_range,
            None if state is None else (state.min, state.max),
            m.view_range,
        )
        self._draw_trail()
        self._show_status()
        return self._descent

    def _param_span(self, name: str) -> float:
        p = self._model.params[name]
        return p.max - p.min

    def _fail(self, err: Exception) -> None:
        self.pause()
        self._descent = None
        self._start = None
        self._model.clear_trail()
        self._show_status()
        self.status_label.setText(f"<b>✖ Could not take a step:</b> {html.escape(str(err))}")
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
            self._model.clear_trail()
            return
        values = [p.value for p in d.history]
        if self._start.target == "x":
            self._model.set_trail([p.x for p in d.history], values, [p.slope for p in d.history])
        else:
            # The parameter moves, x stays: the trail is f going down (or up) at this x.
            self._model.set_trail([self._model.x] * len(values), values)

    def _end_run(self) -> None:
        self.pause()
        self._descent = None
        self._start = None
        self._model.clear_trail()
        self._show_status()

    def _external_change(self) -> None:
        if self._own_change:
            return
        if self._descent is not None:
            self._end_run()
        else:
            self._show_status()  # "from x = …" always describes what the next step will do

    def _on_settings(self, settings: DescentSettings) -> None:
        run = self._descent
        if run is not None and self._start is not None and settings.target != self._start.target:
            self._end_run()  # another variable: the trail so far means nothing for it
        elif run is not None:
            # A new η or direction applies from the next step on; the trail so far stays valid.
            run.lr, run.direction = settings.lr, settings.direction
        self._show_settings(settings)
        self._show_status()

    def _show_settings(self, settings: DescentSettings) -> None:
        """The widgets show the model's settings (without echoing them back)."""
        widgets = (self.target_combo, self.direction_combo, self.lr_slider, self.lr_spin)
        for w in widgets:
            w.blockSignals(True)
        self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(settings.target)))
        self.direction_combo.setCurrentIndex(self.direction_combo.findData(settings.direction))
        self.lr_slider.setValue(slider_from_lr(settings.lr))
        self.lr_spin.setValue(settings.lr)
        for w in widgets:
            w.blockSignals(False)
        v = settings.target
        slope = "f′" if v == "x" else f"∂f/∂{v}"
        self.direction_combo.setItemText(0, f"descend  ({v} ← {v} − η·{slope})")
        self.direction_combo.setItemText(1, f"ascend  ({v} ← {v} + η·{slope})")

    def _rebuild_targets(self, names: tuple[str, ...]) -> None:
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItem("x   (using f′(x))", "x")
        for n in names:
            self.target_combo.addItem(f"{n}   (using ∂f/∂{n}, x fixed)", n)
        self.target_combo.blockSignals(False)
        self._show_settings(self._model.descent_settings)

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

    # ----------------------------------------------------------------- status
    def _show_status(self) -> None:
        d = self._descent
        var = self.target
        one_input = not self._model.two_inputs
        for w in (self.step_button, self.play_button, self.target_combo, self.direction_combo):
            w.setEnabled(one_input)  # f(w, b) has no x to move: nothing here may pretend it has
        if d is None and not one_input:
            message, status = TWO_INPUTS, "ready"
        elif d is None:
            verb = "descend" if self.direction < 0 else "ascend"
            here = self._model.x if var == "x" else self._model.param_values().get(var, math.nan)
            message = (
                f"Press Step or Play to {verb} on {var} from {var} = {here:.6g} with "
                f"η = {self.lr:g}."
            )
            status = "ready"
        else:
            message, status = d.message, d.status
            var = self._start.target if self._start is not None else var
            if var != "x":  # Descent words everything in terms of x; f(x), f′(x) stay
                message = message.replace("f′(x)", f"∂f/∂{var}").replace("Δx", f"Δ{var}")
                message = _X_WORD.sub(var, message)
        icon = STATUS_STYLE[status][2] if status in STATUS_STYLE else ""
        head, sep, rest = message.partition(": ")
        # "Diverging: ..." → bold "⚠ Diverging:" then the explanation
        esc = html.escape
        text = f"<b>{icon} {esc(head)}:</b> {esc(rest)}" if icon and sep else esc(message)
        self.status_label.setText(text)
        self._colour_status(status)
        self.status_label.setProperty("status", status)
        if d is not None and d.history:
            p = d.history[-1]
            slope = "f′" if var == "x" else f"∂f/∂{var}"
            r = formatting.readout
            self.step_label.setText(
                f"step {d.steps_taken}:  {var} = {r(p.x)}   f = {r(p.value)}   {slope} = "
                f"{r(p.slope)}"
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
