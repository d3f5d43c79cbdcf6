"""Step through the backward pass, the forward pass or forward mode (tangents) of the current
point, one node at a time.

The step-through itself (which pass, which step, what the graph highlights, the words) lives in
the model (``model.step``, a StepFrame from the Qt-free lessons.step_through); the graph view
subscribes to it. This panel is the controller and the text: transport buttons, a play timer,
the speed, and the explanation of the current step. Its commands are in ``COMMANDS``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSlider,
    QStyle,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.lessons.replay import ALGORITHMS, NOTEBOOK, RECURSIVE, TITLES, TOPOLOGICAL
from gradexplorer.lessons.step_through import (
    BACKWARD,
    FORWARD,
    INTRO_FORMULA,
    INTRO_WORDS,
    MODES,
    TANGENT,
    Mode,
    StepFrame,
)
from gradexplorer.lessons.stepper import BackwardStepper, ForwardStepper, TangentStepper
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.comparison_table import ComparisonTable
from gradexplorer.ui.model import ExplorerModel

__all__ = ["BACKWARD", "FORWARD", "StepperDock", "StepperPanel"]

MODE_TITLES = {
    BACKWARD: "Backward pass (gradients)",
    FORWARD: "Forward pass (values)",
    TANGENT: "Forward mode (tangents)",
}
DEFAULT_SECONDS = 1.5
MIN_SECONDS, MAX_SECONDS = 0.1, 10.0
TEXT_SPACING = 4
# The step panel's height, at most: a quarter of the window, or what is left above ROOM_LEFT
# for everything else (a 1080 px window has room for a long step whole); its text scrolls beyond.
MAX_SHARE = 0.25
ROOM_LEFT = 600
SPEED_FACTOR = 1.5


def _step(id_: str, text: str, handler: str, keys: tuple[str, ...], tip: str, section: int):
    return Command(f"step.{id_}", text, "step", keys, handler, tip, section)


def _algorithm(name: str, text: str, key: str, tip: str) -> Command:
    """A choice of the backward pass the step-through replays (one of a radio group)."""
    return Command(
        f"step.algorithm.{name}",
        text,
        "step",
        (key,),
        f"use_{name}",
        tip,
        5,
        checkable=True,
        checked=f"{name}_chosen",
        group="backward_algorithm",
    )


class StepperPanel(QWidget):
    """Mode, transport buttons, speed, progress and the explanation of the current step."""

    COMMANDS = (
        _step(
            "backward",
            "Step through &backward pass",
            "start_backward",
            ("Ctrl+B",),
            "Replay backward node by node: upstream × local = gradient",
            0,
        ),
        _step(
            "forward",
            "Step through &forward pass",
            "start_forward",
            ("Ctrl+F",),
            "Replay forward node by node: values from the inputs to the output",
            0,
        ),
        _step(
            "tangent",
            "Step through forward &mode (tangents)",
            "start_tangent",
            ("Ctrl+Shift+F",),
            "Forward-mode AD node by node: each value with its tangent, Σ local × input tangent",
            0,
        ),
        _algorithm(
            TOPOLOGICAL,
            "Backward: &correct (topological)",
            "Alt+1",
            "Each node once, after all its uses: what autograd (and PyTorch) does",
        ),
        _algorithm(
            NOTEBOOK,
            "Backward: the notebook's &recursive backward",
            "Alt+2",
            "A recursion that adds a fresh 1 at every node it enters (dy/dx = 16 for x² + 3x)",
        ),
        _algorithm(
            RECURSIVE,
            "Backward: recursive &without waiting",
            "Alt+3",
            "micrograd before its fix: a node pushes before all its uses have arrived",
        ),
        _step("next", "&Next step", "step_forward", ("Ctrl+Right",), "One step forward", 10),
        _step("back", "Pre&vious step", "step_back", ("Ctrl+Left",), "One step back", 10),
        _step("play", "Play / &pause", "toggle_play", ("Ctrl+Shift+Space",), "Play / pause", 10),
        _step("start", "Back to the &start", "to_start", ("Ctrl+Home",), "Back to the start", 10),
        _step("end", "Jump to the &end", "to_end", ("Ctrl+End",), "Jump to the last step", 10),
        _step("slower", "S&lower", "slower", ("Ctrl+Shift+Down",), "Play more slowly", 20),
        _step("faster", "F&aster", "faster", ("Ctrl+Shift+Up",), "Play faster", 20),
        _step(
            "exit", "E&xit step-through", "leave", ("Ctrl+Shift+X",), "Back to the live graph", 30
        ),
    )

    exitRequested = Signal()  # Esc in the panel

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepperPanel")
        self._model = model
        self._mode: Mode = BACKWARD
        self._last_position = -1
        self._moving = False  # set while the panel itself moves the step
        self._timer = QTimer(self)
        self._timer.setObjectName("stepperTimer")
        self._timer.timeout.connect(self._tick)
        self._build()
        # Space / Esc reach the panel only when no child (a button, the speed box) took them:
        # a focused button keeps Space for its own click, as everywhere in Qt.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.set_speed(DEFAULT_SECONDS)
        self._watching = False  # the window's resizes, for the height cap
        self.dock = StepperDock(self)
        model.stepChanged.connect(self._on_step)
        model.backwardAlgorithmChanged.connect(self._show_algorithm)
        self._refresh()

    # ----------------------------------------------------------------- widgets
    def _build(self) -> None:
        sp = QStyle.StandardPixmap
        self.mode_combo = QComboBox(objectName="stepperMode")
        for mode in MODES:
            self.mode_combo.addItem(MODE_TITLES[mode], mode)
        self.mode_combo.setAccessibleName("Step-through mode")
        self.mode_combo.currentIndexChanged.connect(
            lambda i: self.start(self.mode_combo.itemData(i))
        )
        self.algorithm_combo = self._algorithm_combo()
        self.comparison = ComparisonTable()
        self.buttons: dict[str, QToolButton] = {}
        for name, text, icon, slot in (
            ("start", "Start", sp.SP_MediaSkipBackward, self.to_start),
            ("back", "Back", sp.SP_MediaSeekBackward, self.step_back),
            ("play", "Play", sp.SP_MediaPlay, self.toggle_play),
            ("next", "Next", sp.SP_MediaSeekForward, self.step_forward),
            ("end", "End", sp.SP_MediaSkipForward, self.to_end),
            ("exit", "Exit", sp.SP_DialogCloseButton, self.leave),
        ):
            b = QToolButton(objectName=f"stepper{name.capitalize()}")
            b.setText(text)
            b.setIcon(self.style().standardIcon(icon))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setAccessibleName(text)
            b.clicked.connect(slot)
            self.buttons[name] = b
        self.start_button, self.back_button = self.buttons["start"], self.buttons["back"]
        self.play_button, self.next_button = self.buttons["play"], self.buttons["next"]
        self.end_button, self.exit_button = self.buttons["end"], self.buttons["exit"]

        self.speed_spin = QDoubleSpinBox(objectName="stepperSpeed")
        self.speed_spin.setRange(MIN_SECONDS, MAX_SECONDS)
        self.speed_spin.setDecimals(1)
        self.speed_spin.setSingleStep(0.25)
        self.speed_spin.setSuffix(" s per step")
        self.speed_spin.setToolTip("Playing speed: seconds each step stays on screen")
        self.speed_spin.setAccessibleName("Seconds per step")
        self.speed_spin.valueChanged.connect(self.set_speed)

        self.progress_label = QLabel(objectName="stepperProgress")
        self.progress_label.setMinimumWidth(110)
        self.seek_slider = QSlider(Qt.Orientation.Horizontal, objectName="stepperSlider")
        self.seek_slider.setToolTip("Drag to any step (0 = before the first step)")
        self.seek_slider.setAccessibleName("Step")
        self.seek_slider.setPageStep(1)
        self.seek_slider.valueChanged.connect(lambda v: self.seek(v - 1))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self._transport_row())
        text_row = QHBoxLayout()
        text_row.addWidget(self._scrolled(self._text_area()), 3)
        text_row.addWidget(self.comparison, 2)
        layout.addLayout(text_row, 1)

    def _transport_row(self) -> QWidget:
        """The controls in one row, or two when the panel is narrower than one row needs
        (presentation mode on a 1280 px projector): no combo or label is cut off."""
        choices, seek = QWidget(), QWidget()
        first = QHBoxLayout(choices)
        first.addWidget(self.mode_combo)
        first.addWidget(self.algorithm_combo)
        for name in ("start", "back", "play", "next", "end"):
            first.addWidget(self.buttons[name])
        first.addSpacing(8)
        first.addWidget(self.speed_spin)
        second = QHBoxLayout(seek)
        second.addWidget(self.progress_label)
        second.addWidget(self.seek_slider, 1)
        second.addWidget(self.exit_button)
        for part in (first, second):
            part.setContentsMargins(0, 0, 0, 0)
            part.setSpacing(4)
        row = _Controls(objectName="stepperControls")
        self._rows = QBoxLayout(QBoxLayout.Direction.LeftToRight, row)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(8)
        self._rows.addWidget(choices)
        self._rows.addWidget(seek, 1)
        self._row_parts = (choices, seek)
        return row

    def _wrap_controls(self) -> None:
        """One row with worded buttons if it fits, else one row of icon buttons (their
        tooltips keep the words: height is what a small screen lacks), else two rows."""
        choices, seek = self._row_parts
        lr, tb = QBoxLayout.Direction.LeftToRight, QBoxLayout.Direction.TopToBottom
        words, icons = (
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon,
            Qt.ToolButtonStyle.ToolButtonIconOnly,
        )
        before = (self._rows.direction(), self.play_button.toolButtonStyle())
        room = self.width() - 12
        for direction, style in ((lr, words), (lr, icons), (tb, words), (tb, icons)):
            for b in self.buttons.values():
                b.setToolButtonStyle(style)
            wide = choices.layout().sizeHint().width()
            if direction == lr:
                wide += seek.layout().minimumSize().width() + self._rows.spacing()
            if wide <= room:
                break
        self._rows.setDirection(direction)
        if before != (direction, style):
            self.updateGeometry()  # another number of rows: another height

    def _text_area(self) -> QWidget:
        self.formula_label = QLabel(objectName="stepperFormula")
        self.explanation_label = QLabel(objectName="stepperExplanation")
        for label in (self.formula_label, self.explanation_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Only boldness is set, so the size still follows the window's zoom (projector).
        bold = QFont()
        bold.setBold(True)
        self.formula_label.setFont(bold)
        # No scroll area: the panel is as tall as the longest explanation of this pass needs
        # (text_height), so every step is read whole and the height does not jump per step.
        text = QWidget(objectName="stepperText")
        t_layout = QVBoxLayout(text)
        t_layout.setContentsMargins(4, 2, 4, 2)
        t_layout.setSpacing(TEXT_SPACING)
        t_layout.addWidget(self.formula_label)
        t_layout.addWidget(self.explanation_label, 1)
        self.text_area = text
        # A label that is never shown, wrapping like the two above: it measures every step's text.
        self._measure = QLabel()
        self._measure.setWordWrap(True)
        self._measure.setTextFormat(Qt.TextFormat.PlainText)
        self._measured: tuple[tuple, int] = ((), 0)
        return text

    def _scrolled(self, text: QWidget) -> QScrollArea:
        """The text, scrolling only when the window cannot give the dock the height it asks
        for (see _needed_height); otherwise every step reads whole."""
        scroll = QScrollArea(objectName="stepperTextScroll")
        scroll.setWidget(text)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.viewport().setAutoFillBackground(False)
        text.setAutoFillBackground(False)
        return scroll

    def text_height(self, width: int | None = None) -> int:
        """Height the formula and explanation of the longest step of this pass need at a
        width (the labels' current one by default), measured the way the labels wrap."""
        width = width or max(100, self.explanation_label.width())
        texts = [(INTRO_FORMULA, INTRO_WORDS)]
        through = self._model.step_through
        if through is not None:
            texts += through.texts()  # every position, the closing words of the last included
        key = (tuple(texts), width, self.formula_label.font().key())
        if key != self._measured[0]:
            measure = self._measure
            heights = []
            for formula, words in texts:
                total = TEXT_SPACING + 8
                for font, text in ((self.formula_label.font(), formula), (self.font(), words)):
                    measure.setFont(font)
                    measure.setText(text)
                    total += measure.heightForWidth(width)
                heights.append(total)
            self._measured = (key, max(heights))
        return self._measured[1]

    def bind(self, commands: Commands) -> None:
        """Tooltips name the keys of the commands the buttons share."""
        for name, command in (
            ("start", "step.start"),
            ("back", "step.back"),
            ("play", "step.play"),
            ("next", "step.next"),
            ("end", "step.end"),
            ("exit", "step.exit"),
        ):
            self.buttons[name].setToolTip(commands.tooltip(command))
        keys = [commands.tooltip(f"step.{m}") for m in ("backward", "forward", "tangent")]
        self.mode_combo.setToolTip("; ".join(keys))
        self.algorithm_combo.setToolTip(
            "Which backward pass to step through:\n"
            + "\n".join(commands.tooltip(f"step.algorithm.{a}") for a in ALGORITHMS)
        )
        self._model.backwardAlgorithmChanged.connect(lambda *_: commands.refresh())

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._capped_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._capped_height())

    def _capped_height(self) -> int:
        """What the longest step needs, but never more than the cap (MAX_SHARE, ROOM_LEFT):
        beyond it the text scrolls and the plot and graph keep their room."""
        needed = self._needed_height()
        top = self.window()
        if top is self:
            return needed
        # a quarter of the window with the tab bar of docks sharing the strip (the descent
        # panel's) in it: at 1024×600 the bar came on top and the strip outgrew the graph
        cap = max(round(MAX_SHARE * top.height()) - self._tabs_height(), top.height() - ROOM_LEFT)
        return min(needed, max(cap, self._controls_height()))

    def _tabs_height(self) -> int:
        """The tab bar's height when another open dock shares the dock's strip, else 0."""
        top = self.window()
        if not isinstance(top, QMainWindow) or not self.dock.toggleViewAction().isChecked():
            return 0
        shared = top.tabifiedDockWidgets(self.dock)
        if not any(d.toggleViewAction().isChecked() for d in shared):
            return 0
        title = self.dock.windowTitle()
        bars = [
            bar
            for bar in top.findChildren(QTabBar)
            if any(bar.tabText(i) == title for i in range(bar.count()))
        ]
        return max((bar.sizeHint().height() for bar in bars), default=0)

    def _controls_height(self) -> int:
        return self.findChild(QWidget, "stepperControls").sizeHint().height() + 8

    def _needed_height(self) -> int:
        table = 0 if self.comparison.isHidden() else self.comparison.needed_height()
        text = self.text_height()
        if self.text_area.minimumHeight() != text:
            # the text never squeezes: when the dock is capped, the scroll area scrolls it
            self.text_area.setMinimumHeight(text)
        return self._controls_height() + max(text, table) + 8

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._wrap_controls()
            self.updateGeometry()  # at another width the text wraps to another height

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        top = self.window()
        if top is not self and not self._watching:
            top.installEventFilter(self)  # the cap follows the window's height
            self._watching = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window() and event.type() == QEvent.Type.Resize:
            old, new = event.oldSize(), event.size()
            if old.height() != new.height():
                self.updateGeometry()  # another window height: another cap
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # zoomed fonts make wider controls; measured once every child has its new font
            QTimer.singleShot(0, self._wrap_controls)

    # ----------------------------------------------------------------- state
    @property
    def active(self) -> bool:
        return self._model.step is not None

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def stepper(self) -> BackwardStepper | ForwardStepper | TangentStepper | None:
        """The Qt-free stepper behind the model's step-through (None when not stepping)."""
        through = self._model.step_through
        return None if through is None else through.stepper

    @property
    def position(self) -> int:
        """-1 before the first step, step_count - 1 at the last one."""
        frame = self._model.step
        return -1 if frame is None else frame.position

    @property
    def step_count(self) -> int:
        frame = self._model.step
        return 0 if frame is None else frame.count

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def seconds_per_step(self) -> float:
        return self._timer.interval() / 1000.0

    # ----------------------------------------------------------------- the backward algorithm
    def _algorithm_combo(self) -> QComboBox:
        combo = QComboBox(objectName="stepperAlgorithm")
        for algorithm in ALGORITHMS:
            combo.addItem(TITLES[algorithm][0].upper() + TITLES[algorithm][1:], algorithm)
        combo.setAccessibleName("Backward algorithm")
        combo.currentIndexChanged.connect(lambda i: self.use_algorithm(combo.itemData(i)))
        return combo

    @property
    def algorithm(self) -> str:
        return self._model.backward_algorithm

    def use_algorithm(self, algorithm: str) -> None:
        """Step through backward with this algorithm, from the start."""
        self._model.set_backward_algorithm(str(algorithm))  # restarts a backward step-through
        if self.active and self._mode == BACKWARD:
            self._show_dock()
        else:
            self.start(BACKWARD)

    def use_topological(self, _checked: bool = True) -> None:
        self.use_algorithm(TOPOLOGICAL)

    def use_notebook(self, _checked: bool = True) -> None:
        self.use_algorithm(NOTEBOOK)

    def use_recursive(self, _checked: bool = True) -> None:
        self.use_algorithm(RECURSIVE)

    @property
    def topological_chosen(self) -> bool:
        return self.algorithm == TOPOLOGICAL

    @property
    def notebook_chosen(self) -> bool:
        return self.algorithm == NOTEBOOK

    @property
    def recursive_chosen(self) -> bool:
        return self.algorithm == RECURSIVE

    def _show_algorithm(self, algorithm: str) -> None:
        i = self.algorithm_combo.findData(algorithm)
        if self.algorithm_combo.currentIndex() != i:
            self.algorithm_combo.blockSignals(True)
            self.algorithm_combo.setCurrentIndex(i)
            self.algorithm_combo.blockSignals(False)

    # ----------------------------------------------------------------- commands
    def start(self, mode: str | None = None) -> None:
        """Begin (or restart) stepping in ``mode`` from before the first step."""
        mode = self._mode if mode is None else str(mode)
        if mode not in MODES:
            raise ValueError(f"unknown step-through mode {mode!r}")
        self.pause()
        self._show_mode(mode)  # type: ignore[arg-type]
        self._show_dock()
        self._move(lambda: self._model.start_stepping(self._mode))
        self.setFocus()  # so Space plays at once

    def start_backward(self) -> None:
        self.start(BACKWARD)

    def start_forward(self) -> None:
        self.start(FORWARD)

    def start_tangent(self) -> None:
        self.start(TANGENT)

    def exit(self) -> None:
        """Leave step-through: the graph shows the live numbers again."""
        self.pause()
        self._model.stop_stepping()

    def leave(self) -> None:
        """Exit and hide the panel; the arrow keys move x again, as at launch."""
        self.exit()
        self.dock.hide()
        self.exitRequested.emit()

    def step_forward(self) -> None:
        if self._ensure_active():
            self._move(lambda: self._model.step_by(1))

    def step_back(self) -> None:
        if self._ensure_active():
            self.pause()
            self._move(lambda: self._model.step_by(-1))

    def seek(self, position: int) -> None:
        if self.active and position != self.position:
            self._move(lambda: self._model.step_to(position))

    def to_start(self) -> None:
        if self._ensure_active():
            self.pause()
            self.seek(-1)

    def to_end(self) -> None:
        if self._ensure_active():
            self.pause()
            self.seek(self.step_count - 1)

    def play(self) -> None:
        if not self._ensure_active() or not self.step_count:
            return
        frame = self._model.step
        if frame is not None and frame.at_end:  # play at the end replays from the beginning
            self.seek(-1)
        self._timer.start()
        self._refresh()

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._refresh()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, seconds: float) -> None:
        """Seconds each step stays on screen while playing."""
        seconds = min(max(float(seconds), MIN_SECONDS), MAX_SECONDS)
        self._timer.setInterval(round(seconds * 1000))
        if abs(self.speed_spin.value() - seconds) > 1e-9:
            self.speed_spin.blockSignals(True)
            self.speed_spin.setValue(seconds)
            self.speed_spin.blockSignals(False)

    def slower(self) -> None:
        self.set_speed(self.seconds_per_step * SPEED_FACTOR)

    def faster(self) -> None:
        self.set_speed(self.seconds_per_step / SPEED_FACTOR)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.toggle_play()
        elif event.key() == Qt.Key.Key_Escape and self.active:
            self.leave()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ----------------------------------------------------------------- internals
    def _show_dock(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def _ensure_active(self) -> bool:
        """A step command outside step-through starts one (and shows the panel)."""
        self._show_dock()
        if not self.active:
            self.start()
        return self.active

    def _move(self, change) -> None:
        self._moving = True
        try:
            change()
        finally:
            self._moving = False

    def _tick(self) -> None:
        frame = self._model.step
        if frame is None or frame.at_end:
            self.pause()
            return
        self._move(lambda: self._model.step_by(1))
        if self._model.step is not None and self._model.step.at_end:
            self.pause()

    def _on_step(self, frame: StepFrame | None) -> None:
        if frame is None or frame.position == -1:
            self.updateGeometry()  # a new pass: its longest explanation sets the height
        # A new graph (the function changed) starts again before the first step: stop playing.
        restarted = frame is not None and frame.position < self._last_position
        if frame is None or (restarted and not self._moving):
            self._timer.stop()
        self._last_position = -1 if frame is None else frame.position
        if frame is not None and frame.mode != self._mode and frame.mode in MODES:
            self._show_mode(frame.mode)  # started elsewhere (a lesson, another panel)
        self._refresh()

    def _show_mode(self, mode: Mode) -> None:
        self._mode = mode
        i = self.mode_combo.findData(mode)
        if self.mode_combo.currentIndex() != i:
            self.mode_combo.blockSignals(True)
            self.mode_combo.setCurrentIndex(i)
            self.mode_combo.blockSignals(False)

    def _refresh(self) -> None:
        frame = self._model.step
        enabled = frame is not None and frame.count > 0
        for name in ("start", "back"):
            self.buttons[name].setEnabled(enabled and not frame.at_start)
        for name in ("next", "end"):
            self.buttons[name].setEnabled(enabled and not frame.at_end)
        self.seek_slider.setEnabled(enabled)
        self.play_button.setEnabled(enabled)
        self.exit_button.setEnabled(frame is not None)
        sp = QStyle.StandardPixmap
        playing = self.playing
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(
            self.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay)
        )
        n = 0 if frame is None else frame.count
        k = 0 if frame is None else frame.position + 1
        self.seek_slider.blockSignals(True)
        self.seek_slider.setRange(0, n)
        self.seek_slider.setValue(k)
        self.seek_slider.blockSignals(False)
        self.progress_label.setText(f"step {k} of {n}")
        if frame is None:
            self.formula_label.setText(INTRO_FORMULA)
            self.explanation_label.setText(INTRO_WORDS)
        else:
            self.formula_label.setText(frame.formula)
            self.explanation_label.setText(frame.explanation)
        shown = (self.comparison.isHidden(), self.comparison.table.rowCount())
        self.comparison.show_frame(frame)
        if shown != (self.comparison.isHidden(), self.comparison.table.rowCount()):
            self.updateGeometry()  # the table came, went or has other rows: another height
        self.algorithm_combo.setEnabled(self._mode == BACKWARD)


class _Controls(QWidget):
    """The row of step controls. Its minimum width is that of its narrowest arrangement (two
    rows of icon buttons): in one row it would hold the window wider than a 1024 px screen, and
    the panel would never be narrow enough to wrap (_wrap_controls)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        parts = [self.layout().itemAt(i).widget() for i in range(self.layout().count())]
        icons = 0
        for part in parts:
            worded = [
                b
                for b in part.findChildren(QToolButton)
                if b.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonIconOnly
            ]
            words = sum(b.fontMetrics().horizontalAdvance(b.text()) + 4 for b in worded)
            icons = max(icons, part.minimumSizeHint().width() - words)
        return QSize(min(hint.width(), icons), hint.height())


class StepperDock(QDockWidget):
    """The dock; closing it leaves step-through (a hidden dock must not keep the highlights)."""

    def __init__(self, panel: StepperPanel, parent: QWidget | None = None) -> None:
        super().__init__("Step through", parent)
        self.setObjectName("stepperDock")
        self.setWidget(panel)
        self.panel = panel

    def closeEvent(self, event: QCloseEvent) -> None:
        self.panel.exit()
        super().closeEvent(event)
