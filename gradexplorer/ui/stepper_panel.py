"""Step through the forward or the backward pass of the current point, one node at a time.

The panel reads only the model's current point trace (``model.point.trace``) through the
Qt-free steppers of :mod:`gradexplorer.lessons.stepper`, so the order shown is the engine's real
visit order. It drives the graph view's step state (current node outlined, edges of the current
contribution highlighted, numbers not computed yet shown in words) and explains each step in
words and numbers.

When the trace changes while stepping (x, a parameter or the function moved), the steppers are
rebuilt from the new trace: with the same graph the position is kept (the numbers update in
place, as in the live view); with a different graph stepping restarts from the beginning.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.lessons.stepper import BackwardStepper, ForwardStepper
from gradexplorer.ui.graph_view import GraphView
from gradexplorer.ui.model import ExplorerModel, PointData

BACKWARD, FORWARD = "backward", "forward"
MODES = (BACKWARD, FORWARD)
MODE_TITLES = {BACKWARD: "Backward pass (gradients)", FORWARD: "Forward pass (values)"}
DEFAULT_SECONDS = 1.5
MIN_SECONDS, MAX_SECONDS = 0.1, 10.0

Stepper = BackwardStepper | ForwardStepper


def _structure(trace: Any) -> tuple:
    """What must match for a position to keep its meaning in a new trace."""
    index = {n.id: i for i, n in enumerate(trace.nodes)}
    return (
        tuple((n.kind, n.op, n.label, n.is_output, n.backward_order) for n in trace.nodes),
        tuple((index[e.src], index[e.dst], e.arg_index) for e in trace.edges),
    )


class StepperPanel(QWidget):
    """Mode, transport buttons, speed, progress and the explanation of the current step."""

    stepChanged = Signal()  # position, mode, trace or activity changed
    exitRequested = Signal()  # Esc in the panel: the dock hides itself

    def __init__(
        self, model: ExplorerModel, graph_view: GraphView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stepperPanel")
        self._model = model
        self._graph = graph_view
        self._mode = BACKWARD
        self._active = False
        self._trace: Any = None
        self._structure: tuple | None = None
        self._stepper: Stepper | None = None
        self._timer = QTimer(self)
        self._timer.setObjectName("stepperTimer")
        self._timer.timeout.connect(self._tick)
        self._build()
        # Space / Esc reach the panel only when no child (a button, the speed box) took them:
        # a focused button keeps Space for its own click, as everywhere in Qt.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.set_speed(DEFAULT_SECONDS)
        model.pointChanged.connect(self._on_point)
        self._refresh()

    # ----------------------------------------------------------------- widgets
    def _build(self) -> None:
        style = self.style()

        def button(name: str, text: str, icon: QStyle.StandardPixmap, tip: str) -> QToolButton:
            b = QToolButton(objectName=name)
            b.setText(text)
            b.setIcon(style.standardIcon(icon))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setToolTip(tip)
            b.setAccessibleName(text)
            return b

        sp = QStyle.StandardPixmap
        self.mode_combo = QComboBox(objectName="stepperMode")
        for mode in MODES:
            self.mode_combo.addItem(MODE_TITLES[mode], mode)
        self.mode_combo.setToolTip("Step through the backward pass (Ctrl+B) or the forward pass")
        self.mode_combo.setAccessibleName("Step-through mode")
        self.mode_combo.currentIndexChanged.connect(
            lambda i: self.start(self.mode_combo.itemData(i))
        )
        self.start_button = button(
            "stepperStart", "Start", sp.SP_MediaSkipBackward, "Back to the start (Ctrl+Home)"
        )
        self.back_button = button(
            "stepperBack", "Back", sp.SP_MediaSeekBackward, "One step back (Ctrl+Left)"
        )
        self.play_button = button(
            "stepperPlay", "Play", sp.SP_MediaPlay, "Play / pause (Space here, Ctrl+Shift+Space)"
        )
        self.next_button = button(
            "stepperNext", "Next", sp.SP_MediaSeekForward, "One step forward (Ctrl+Right)"
        )
        self.end_button = button(
            "stepperEnd", "End", sp.SP_MediaSkipForward, "Jump to the last step (Ctrl+End)"
        )
        self.exit_button = button(
            "stepperExit", "Exit", sp.SP_DialogCloseButton, "Leave step-through (Esc here)"
        )
        self.start_button.clicked.connect(self.to_start)
        self.back_button.clicked.connect(self.step_back)
        self.play_button.clicked.connect(self.toggle_play)
        self.next_button.clicked.connect(self.step_forward)
        self.end_button.clicked.connect(self.to_end)
        self.exit_button.clicked.connect(self.exit)

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

        self.formula_label = QLabel(objectName="stepperFormula")
        self.formula_label.setTextFormat(Qt.TextFormat.PlainText)
        self.formula_label.setWordWrap(True)
        self.formula_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Only boldness is set, so the size still follows the window's zoom (projector).
        bold = QFont()
        bold.setBold(True)
        self.formula_label.setFont(bold)
        self.explanation_label = QLabel(objectName="stepperExplanation")
        self.explanation_label.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation_label.setWordWrap(True)
        self.explanation_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.explanation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text = QWidget()
        t_layout = QVBoxLayout(text)
        t_layout.setContentsMargins(4, 2, 4, 2)
        t_layout.addWidget(self.formula_label)
        t_layout.addWidget(self.explanation_label, 1)
        # A scroll area of fixed height: a long sum must not resize the plot at every step.
        self.text_scroll = QScrollArea(objectName="stepperTextScroll")
        self.text_scroll.setWidget(text)
        self.text_scroll.setWidgetResizable(True)
        self.text_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text_scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.text_scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 8)

        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.mode_combo)
        for b in (self.start_button, self.back_button, self.play_button, self.next_button):
            row.addWidget(b)
        row.addWidget(self.end_button)
        row.addSpacing(8)
        row.addWidget(self.speed_spin)
        row.addSpacing(8)
        row.addWidget(self.progress_label)
        row.addWidget(self.seek_slider, 1)
        row.addWidget(self.exit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.text_scroll, 1)

    def sizeHint(self) -> QSize:
        # Room for a formula and a short explanation; a sum over three uses scrolls rather
        # than taking the graph's height at every launch.
        hint = super().sizeHint()
        lines = self.fontMetrics().lineSpacing() * 7.5
        return QSize(hint.width(), round(self.mode_combo.sizeHint().height() + lines + 24))

    # ----------------------------------------------------------------- state
    @property
    def active(self) -> bool:
        return self._active

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def stepper(self) -> Stepper | None:
        return self._stepper

    @property
    def position(self) -> int:
        """-1 before the first step, len - 1 at the last one."""
        return self._stepper.position if self._stepper is not None else -1

    @property
    def step_count(self) -> int:
        return len(self._stepper) if self._stepper is not None else 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def seconds_per_step(self) -> float:
        return self._timer.interval() / 1000.0

    # ----------------------------------------------------------------- commands
    def start(self, mode: str | None = None) -> None:
        """Begin (or restart) stepping in ``mode`` from before the first step."""
        mode = self._mode if mode is None else str(mode)
        if mode not in MODES:
            raise ValueError(f"unknown step-through mode {mode!r}")
        self.pause()
        self._mode = mode
        i = self.mode_combo.findData(mode)
        if self.mode_combo.currentIndex() != i:
            self.mode_combo.blockSignals(True)
            self.mode_combo.setCurrentIndex(i)
            self.mode_combo.blockSignals(False)
        self._active = True
        self._load(self._model.point, keep_position=False)
        self._refresh()
        if self.isVisible():
            self.setFocus()  # so Space plays at once

    def exit(self) -> None:
        """Leave step-through: the graph shows the live numbers again."""
        self.pause()
        self._active = False
        self._stepper = None
        self._trace = None
        self._graph.clear_step_state()
        self._refresh()

    def step_forward(self) -> None:
        if not self._ensure_active():
            return
        if self._stepper is not None:
            self._stepper.next()
        self._refresh()

    def step_back(self) -> None:
        if not self._ensure_active():
            return
        self.pause()
        if self._stepper is not None:
            self._stepper.prev()
        self._refresh()

    def seek(self, position: int) -> None:
        if not self._active or self._stepper is None or position == self._stepper.position:
            return
        self._stepper.seek(position)
        self._refresh()

    def to_start(self) -> None:
        if self._ensure_active():
            self.pause()
            self.seek(-1)

    def to_end(self) -> None:
        if self._ensure_active():
            self.pause()
            self.seek(self.step_count - 1)

    def play(self) -> None:
        if not self._ensure_active() or self._stepper is None or not len(self._stepper):
            return
        if self._stepper.at_end:  # play at the end replays from the beginning
            self._stepper.reset()
            self._refresh()
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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.toggle_play()
        elif event.key() == Qt.Key.Key_Escape and self._active:
            self.exit()
            self.exitRequested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ----------------------------------------------------------------- internals
    def _ensure_active(self) -> bool:
        if not self._active:
            self.start()
        return self._active

    def _tick(self) -> None:
        if self._stepper is None or self._stepper.at_end:
            self.pause()
            return
        self._stepper.next()
        if self._stepper.at_end:
            self._timer.stop()
        self._refresh()

    def _load(self, point: PointData | None, keep_position: bool) -> None:
        trace = None if point is None else point.trace
        old_position = self.position
        self._trace = trace
        if trace is None:
            self._stepper, self._structure = None, None
            self.pause()
            return
        structure = _structure(trace)
        same = keep_position and structure == self._structure
        self._structure = structure
        self._stepper = BackwardStepper(trace) if self._mode == BACKWARD else ForwardStepper(trace)
        if same:
            self._stepper.seek(old_position)
        else:
            self.pause()

    def _on_point(self, point: PointData) -> None:
        # MainWindow's own slot has already given the graph view the new trace (which ends any
        # step state there); this sets the step state again for the new trace.
        if not self._active:
            return
        self._load(point, keep_position=True)
        self._refresh()

    def _refresh(self) -> None:
        st = self._stepper
        enabled = self._active and st is not None and len(st) > 0
        for w in (self.start_button, self.back_button):
            w.setEnabled(enabled and not st.at_start)
        for w in (self.next_button, self.end_button):
            w.setEnabled(enabled and not st.at_end)
        self.seek_slider.setEnabled(enabled)
        self.play_button.setEnabled(enabled)
        self.exit_button.setEnabled(self._active)
        sp = QStyle.StandardPixmap
        playing = self.playing
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(
            self.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay)
        )
        n = len(st) if st is not None else 0
        k = st.position + 1 if st is not None else 0
        self.seek_slider.blockSignals(True)
        self.seek_slider.setRange(0, n)
        self.seek_slider.setValue(k)
        self.seek_slider.blockSignals(False)
        self.progress_label.setText(f"step {k} of {n}")
        self._show_text()
        self._show_graph()
        self.stepChanged.emit()

    def _show_text(self) -> None:
        st = self._stepper
        if not self._active:
            formula = "Step through the chain rule, one node at a time."
            words = (
                "Ctrl+B steps through the backward pass: each node's gradient is its upstream "
                "gradient × its local derivative, summed over its uses. Ctrl+F steps through the "
                "forward pass: values appear from the inputs to the output."
            )
        elif st is None:
            formula = "Nothing to step through here."
            words = "The function could not be evaluated at this point, so there is no graph."
        elif not len(st):
            formula = "Nothing to step through: f is a constant."
            words = "No input needs a gradient, so backward has no node to visit."
        elif st.current is None:
            if self._mode == BACKWARD:
                formula = "Backward pass: no gradient computed yet."
                words = (
                    f"The forward pass is done: every value is known. Backward visits "
                    f"{len(st)} nodes, from the output back to the inputs; each gradient says "
                    f"'not computed yet' until its step. Press Next (Ctrl+Right) or Play."
                )
            else:
                formula = "Forward pass: no value computed yet."
                words = (
                    f"Values appear from the inputs to the output, {len(st)} steps. No "
                    f"gradient exists before the backward pass. Press Next (Ctrl+Right) or Play."
                )
        else:
            step = st.current
            formula, words = step.formula, step.explanation
            if st.at_end:
                words += (
                    "\nBackward pass complete: these are the gradients autograd returns."
                    if self._mode == BACKWARD
                    else "\nForward pass complete: next, backward computes the gradients."
                )
        self.formula_label.setText(formula)
        self.explanation_label.setText(words)

    def _show_graph(self) -> None:
        st = self._stepper
        if not self._active or st is None or self._trace is None:
            self._graph.clear_step_state()
            return
        step = st.current
        names = {n.id: st.names[n.id] for n in self._trace.nodes}
        if isinstance(st, BackwardStepper):
            self._graph.set_step_state(
                None if step is None else step.node.id,
                known_grads=st.known_grads(),
                known_values=None,
                highlight_edges=() if step is None else step.edges,
                names=names,
                direction=BACKWARD,
            )
        else:
            edges = () if step is None else self._trace.edges_from_parents(step.node.id)
            self._graph.set_step_state(
                None if step is None else step.node.id,
                known_grads={},  # the forward pass computes no gradient
                known_values=st.known_values(),
                highlight_edges=edges,
                names=names,
                direction=FORWARD,
            )


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


def install_stepper(window: QMainWindow) -> StepperPanel:
    """Add the step-through dock (bottom, hidden until used) and the "&Step" menu to the
    window; stores the panel as ``window.stepper_panel`` and the dock as ``window.stepper_dock``."""
    panel = StepperPanel(window.model, window.graph_view)
    dock = StepperDock(panel, window)
    dock.setAllowedAreas(
        Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
    )
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()

    def show_dock() -> None:
        dock.show()
        dock.raise_()

    def begin(mode: str) -> None:
        show_dock()
        panel.start(mode)

    def command(slot: Any) -> Any:
        def run() -> None:
            show_dock()
            slot()

        return run

    def leave() -> None:
        panel.exit()
        dock.hide()
        window.x_control.slider.setFocus()  # the arrow keys move x again, as at launch

    act = window.make_action
    actions: dict[str, QAction] = {
        "backward": act(
            "Step through &backward pass",
            lambda: begin(BACKWARD),
            "Ctrl+B",
            tip="Replay backward node by node: upstream × local = gradient (Ctrl+B)",
        ),
        "forward": act(
            "Step through &forward pass",
            lambda: begin(FORWARD),
            "Ctrl+F",
            tip="Replay forward node by node: values from the inputs to the output (Ctrl+F)",
        ),
        "next": act("&Next step", command(panel.step_forward), "Ctrl+Right", tip="Ctrl+Right"),
        "back": act("Pre&vious step", command(panel.step_back), "Ctrl+Left", tip="Ctrl+Left"),
        "play": act(
            "Play / &pause",
            command(panel.toggle_play),
            "Ctrl+Shift+Space",
            tip="Play / pause (Space when the step panel has focus)",
        ),
        "start": act("Back to the &start", command(panel.to_start), "Ctrl+Home"),
        "end": act("Jump to the &end", command(panel.to_end), "Ctrl+End"),
        "slower": act(
            "S&lower", lambda: panel.set_speed(panel.seconds_per_step * 1.5), "Ctrl+Shift+Down"
        ),
        "faster": act(
            "F&aster", lambda: panel.set_speed(panel.seconds_per_step / 1.5), "Ctrl+Shift+Up"
        ),
        "exit": act("E&xit step-through", leave, "Ctrl+Shift+X", tip="Back to the live graph"),
    }
    menu = QMenu("&Step", window)
    help_menu = getattr(window, "help_menu", None)
    if help_menu is not None:  # Help stays the last menu
        window.menuBar().insertMenu(help_menu.menuAction(), menu)
    else:
        window.menuBar().addMenu(menu)
    menu.setObjectName("stepMenu")
    for key in ("backward", "forward", None, "next", "back", "play", "start", "end", None):
        menu.addSeparator() if key is None else menu.addAction(actions[key])
    for key in ("slower", "faster", None, "exit"):
        menu.addSeparator() if key is None else menu.addAction(actions[key])
    panel.exit_button.clicked.connect(leave)
    panel.exitRequested.connect(leave)
    window.stepper_panel = panel
    window.stepper_dock = dock
    window.stepper_actions = actions
    window.step_menu = menu
    return panel
