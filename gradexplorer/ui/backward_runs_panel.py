"""Backward twice: run y.backward() again on the same graph, as the notebook's last cell did.

What the runs did lives in the model (``model.backward_runs``, from the Qt-free
lessons.backward_runs); the graph view draws the leaves' accumulated .grad from it. This panel is
the controller and the words: Run backward again, Retain graph, Zero grad, PyTorch's error shown
as a teaching message (never a traceback) and why it happens. Its commands are in ``COMMANDS``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent, QFont, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.lessons.backward_runs import RunsState
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.model import ExplorerModel

INTRO = (
    "Call y.backward() a second time on the same graph, as the notebook's last cell did. "
    "Without retain graph PyTorch refuses (the first call freed what the ops saved); with it, "
    "every leaf's .grad adds up"
)


def intro(model: ExplorerModel) -> str:
    """The introduction, with the sums for the function and x on screen (7, 14, 21 for
    x² + 3x at 2), not for the lesson the words were first written for."""
    point, expression = model.point, model.expression
    if point is None or expression is None or not math.isfinite(point.derivative):
        return INTRO + "."
    sums = ", ".join(formatting.readout(k * point.derivative) for k in (1, 2, 3))
    return f"{INTRO}: x.grad = {sums} for {expression.pretty} at x = {formatting.readout(model.x)}."


def _runs(id_: str, text: str, key: str, handler: str, tip: str, **kw) -> Command:
    return Command(f"step.{id_}", text, "step", (key,), handler, tip, 40, **kw)


class BackwardRunsPanel(QWidget):
    """Run backward again, retain graph, zero grad, and what happened."""

    COMMANDS = (
        _runs(
            "run_again",
            "Run backward a&gain",
            "Ctrl+Alt+R",
            "run_again",
            "Call y.backward() once more on the same graph: PyTorch's error, or .grad adding up",
        ),
        _runs(
            "retain_graph",
            "Re&tain graph",
            "Ctrl+Alt+G",
            "set_retain_graph",
            "backward(retain_graph=True): keep the saved values so backward can run again",
            checkable=True,
            checked="retain_graph",
        ),
        _runs(
            "zero_grad",
            "&Zero grad",
            "Ctrl+Alt+Z",
            "zero_grad",
            "Set every leaf's .grad back to None, as optimizer.zero_grad() does",
        ),
        _runs(
            "one_backward",
            "Back to &one backward pass",
            "Ctrl+Alt+O",
            "one_backward",
            "Forget the extra runs: the graph shows one backward pass again",
        ),
    )

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backwardRunsPanel")
        self._model = model
        self._build()
        self.dock = BackwardRunsDock(self)
        model.backwardRunsChanged.connect(self._refresh)
        model.pointChanged.connect(self._follow_point)
        self._refresh(model.backward_runs)

    def _build(self) -> None:
        self.again_button = QPushButton("Run backward again", objectName="runsAgainButton")
        self.again_button.clicked.connect(self.run_again)
        self.retain_check = QCheckBox("retain graph", objectName="runsRetainCheck")
        self.retain_check.setAccessibleName("Retain graph")
        self.retain_check.toggled.connect(self.set_retain_graph)
        self.zero_button = QPushButton("Zero grad", objectName="runsZeroButton")
        self.zero_button.clicked.connect(self.zero_grad)
        self.one_button = QPushButton("One backward pass", objectName="runsOneButton")
        self.one_button.clicked.connect(self.one_backward)
        row = QHBoxLayout()
        for w in (self.again_button, self.retain_check, self.zero_button, self.one_button):
            row.addWidget(w)
        row.addStretch(1)
        self.headline = QLabel(objectName="runsHeadline")
        self.explanation = QLabel(objectName="runsExplanation")
        for label in (self.headline, self.explanation):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        bold = QFont()
        bold.setBold(True)
        self.headline.setFont(bold)
        text = QWidget()
        t_layout = QVBoxLayout(text)
        t_layout.setContentsMargins(4, 2, 4, 2)
        t_layout.addWidget(self.headline)
        t_layout.addWidget(self.explanation, 1)
        scroll = QScrollArea(objectName="runsTextScroll")
        scroll.setWidget(text)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(row)
        layout.addWidget(scroll, 1)

    def sizeHint(self) -> QSize:
        # PyTorch's message is three lines and the reasons two more: room for all of it
        hint = super().sizeHint()
        lines = self.fontMetrics().lineSpacing() * 9
        return QSize(hint.width(), round(self.again_button.sizeHint().height() + lines + 24))

    def bind(self, commands: Commands) -> None:
        """Tooltips with the keys; the check mark follows the model."""
        for widget, command in (
            (self.again_button, "step.run_again"),
            (self.retain_check, "step.retain_graph"),
            (self.zero_button, "step.zero_grad"),
            (self.one_button, "step.one_backward"),
        ):
            widget.setToolTip(commands.tooltip(command))
        self._model.backwardRunsChanged.connect(lambda *_: commands.refresh())

    # ----------------------------------------------------------------- commands
    @property
    def retain_graph(self) -> bool:
        return self._model.retain_graph

    def run_again(self) -> None:
        self._show_dock()
        self._model.stop_stepping()  # the graph shows the accumulated .grad, not a step
        self._model.run_backward_again()

    def set_retain_graph(self, on: bool) -> None:
        self._model.set_retain_graph(bool(on))
        self._refresh(self._model.backward_runs)

    def zero_grad(self) -> None:
        self._show_dock()
        self._model.stop_stepping()
        self._model.zero_grad()

    def one_backward(self) -> None:
        self._model.clear_backward_runs()

    # ----------------------------------------------------------------- view
    def _show_dock(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def _follow_point(self, *_: object) -> None:
        if self.isVisible() and self._model.backward_runs is None:
            self.explanation.setText(intro(self._model))  # the sums of the point shown now

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._follow_point()

    def _refresh(self, state: RunsState | None) -> None:
        if self.retain_check.isChecked() != self._model.retain_graph:
            self.retain_check.blockSignals(True)
            self.retain_check.setChecked(self._model.retain_graph)
            self.retain_check.blockSignals(False)
        if state is None:
            self.headline.setText("Backward twice and accumulating gradients")
            self.explanation.setText(intro(self._model))
        else:
            self.headline.setText(state.headline)
            self.explanation.setText(state.explanation)
        self.one_button.setEnabled(state is not None)


class BackwardRunsDock(QDockWidget):
    """The dock; closing it forgets the extra runs (the graph shows one pass again)."""

    def __init__(self, panel: BackwardRunsPanel, parent: QWidget | None = None) -> None:
        super().__init__("Backward again", parent)
        self.setObjectName("backwardRunsDock")
        self.setWidget(panel)
        self.panel = panel

    def closeEvent(self, event: QCloseEvent) -> None:
        self.panel.one_backward()
        super().closeEvent(event)
