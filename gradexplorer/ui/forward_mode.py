"""Forward mode beside reverse mode: which mode the graph shows, the seed, and the count of
passes that makes the cost visible.

Reverse mode: one backward pass gives ∂f/∂x and every ∂f/∂parameter. Forward mode: one pass
gives the tangent of every node along one seed, so each input needs a pass of its own. The bar
above the graph chooses the mode and the seed; the passes panel beside the graph counts the
forward passes done at this point and fills, one row per input, the partial each gave next to
the one the backward pass gave. Everything shown is model state (``model.graph``,
``model.forward_passes``); this feature is the controls and the words.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStatusBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.formatting import NOT_COMPUTED, readout
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.model import ExplorerModel

GRAPH_MODE_TITLES = {"reverse": "Reverse (gradients)", "forward": "Forward (tangents)"}
AGREE = 1e-12  # relative: forward and reverse are different code; they agree to rounding


def _partial(name: str) -> str:
    return f"∂f/\u2060∂{name}"  # a word joiner: a wrapped line never splits ∂f/∂x


class GraphModeBar(QWidget):
    """Above the graph: the mode it shows and, in forward mode, the input it is seeded on."""

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphModeBar")
        self._model = model
        self.mode_combo = QComboBox(objectName="graphModeCombo")
        for mode, title in GRAPH_MODE_TITLES.items():
            self.mode_combo.addItem(title, mode)
        self.mode_combo.setAccessibleName("Graph mode")
        self.mode_combo.currentIndexChanged.connect(
            lambda i: model.set_graph_mode(self.mode_combo.itemData(i))
        )
        self.seed_label = QLabel("seed", objectName="graphSeedLabel")
        self.seed_combo = QComboBox(objectName="graphSeedCombo")
        self.seed_combo.setAccessibleName("Seed of forward mode")
        self.seed_combo.setToolTip(
            "Forward mode: the input whose tangent is 1 (every other input's is 0). One pass "
            "gives ∂(every node)/∂(seed)."
        )
        self.seed_combo.currentIndexChanged.connect(self._seed_chosen)
        self.seed_label.setBuddy(self.seed_combo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for w in (self.mode_combo, self.seed_label, self.seed_combo):
            row.addWidget(w)
        model.graphChanged.connect(lambda _g: self._refresh())
        model.paramsChanged.connect(lambda _names: self._refresh())
        model.expressionChanged.connect(lambda _e: self._refresh())
        self._refresh()

    def _seed_chosen(self, index: int) -> None:
        name = self.seed_combo.itemData(index)
        if name is not None and name != self._model.graph.seed:
            self._model.set_graph_seed(name)

    def _refresh(self) -> None:
        graph = self._model.graph
        _select(self.mode_combo, graph.mode)
        inputs = self._model.inputs
        if [self.seed_combo.itemData(i) for i in range(self.seed_combo.count())] != list(inputs):
            self.seed_combo.blockSignals(True)
            self.seed_combo.clear()
            for name in inputs:
                self.seed_combo.addItem(name, name)
            self.seed_combo.blockSignals(False)
        _select(self.seed_combo, graph.seed)
        # Only forward mode has a seed. The label stays readable (a disabled one is too faint
        # on the dark themes); the combo says it is off.
        self.seed_combo.setEnabled(graph.mode == "forward")
        # forward mode is for one input: with two the graph is the backward pass
        self.mode_combo.setEnabled(not self._model.two_inputs)


def _select(combo: QComboBox, data: str) -> None:
    i = combo.findData(data)
    if i >= 0 and combo.currentIndex() != i:
        combo.blockSignals(True)
        combo.setCurrentIndex(i)
        combo.blockSignals(False)


class PassesPanel(QWidget):
    """Beside the forward graph: the partials side by side, reverse (all from its one pass) and
    forward (one row per pass done here), and the button that seeds the next input. Its
    ``counter`` (how many passes each mode needs) is a line of its own under the graph's header,
    where a sentence has room also at a projector's font size."""

    COLUMNS = ("", "reverse", "forward", "")  # the last: ✓ when both modes agree

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passesPanel")
        self._model = model
        self.counter = QLabel(objectName="passCounterLabel")
        self.counter.setWordWrap(True)
        self.counter.setTextFormat(Qt.TextFormat.PlainText)
        self.counter.setContentsMargins(4, 0, 4, 0)
        self.table = QTableWidget(0, len(self.COLUMNS), objectName="partialsTable")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setAccessibleName("Partial derivatives by reverse and forward mode")
        self.table.setToolTip(
            "reverse: the backward pass's ∂f/∂input (one pass gives them all); forward: the "
            "tangent of f from the pass seeded on that input (one pass per row)"
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        self.next_button = QPushButton("Seed the next input", objectName="seedNextButton")
        self.next_button.clicked.connect(model.seed_next_input)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        layout.setSpacing(4)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.next_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        for signal in (model.pointChanged, model.forwardPassesChanged, model.graphChanged):
            signal.connect(lambda *_: self.refresh())
        model.paramsChanged.connect(lambda *_: self.refresh())
        self.refresh()

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table as text (input, reverse, forward, agreement), for tests and readers."""
        return [
            tuple(
                self.table.item(r, c).text() if self.table.item(r, c) else ""
                for c in range(self.table.columnCount())
            )
            for r in range(self.table.rowCount())
        ]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # hidden, it skipped the updates

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.refresh()  # the window's zoom (presentation): columns measured anew

    def refresh(self) -> None:
        if not self.isVisible():
            return  # reverse mode hides the panel: no work at every x step
        m = self._model
        inputs = m.inputs
        point = m.point
        passes = m.forward_passes
        self.counter.setText(_counter_text(inputs, len([n for n in inputs if n in passes])))
        self.table.setRowCount(len(inputs))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, name in enumerate(inputs):
            reverse = point.gradient.get(name) if point is not None else None
            forward = passes.get(name)
            cells = (
                _partial(name),
                NOT_COMPUTED if reverse is None else readout(reverse, 6),
                "not yet" if forward is None else readout(forward, 6),
                _agreement(reverse, forward),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if name == m.graph.seed and m.graph.mode == "forward":
                    item.setFont(bold)  # the row of the pass on screen
                self.table.setItem(r, c, item)
        self._fit_width()

    def _fit_width(self) -> None:
        """As wide as the table's columns (no sideways scrolling), the words wrapping to it."""
        table = self.table
        table.resizeColumnsToContents()
        width = sum(table.columnWidth(c) for c in range(table.columnCount()))
        width += 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        rows = table.fontMetrics().height() + 6
        table.verticalHeader().setDefaultSectionSize(rows)  # compact: a step dock is open too
        table.setFixedWidth(width)


def _counter_text(inputs: tuple[str, ...], done: int) -> str:
    n = len(inputs)
    partials = ", ".join(_partial(name) for name in inputs)
    forward = "1 pass" if n == 1 else f"{n} passes, one per input"
    return f"Reverse mode: 1 pass gave {partials}.   Forward mode: {forward} ({done} done here)."


def _agreement(reverse: float | None, forward: float | None) -> str:
    if reverse is None or forward is None:
        return ""
    if math.isnan(reverse) and math.isnan(forward):
        return "✓"  # both undefined
    same = reverse == forward or abs(reverse - forward) <= AGREE * max(abs(reverse), abs(forward))
    return "✓" if same else "✗"


class ForwardMode(QObject):
    """The graph's mode and seed, the passes panel, and forward mode's commands."""

    COMMANDS = (
        Command(
            "graph.reverse",
            "Graph: re&verse mode (gradients)",
            "view",
            ("Ctrl+Alt+V",),
            "show_reverse",
            "The graph shows every node's gradient ∂f/∂node, from one backward pass",
            section=25,
            checkable=True,
            checked="reverse_shown",
            group="graph_mode",
        ),
        Command(
            "graph.forward",
            "Graph: for&ward mode (tangents)",
            "view",
            ("Ctrl+Alt+T",),
            "show_forward",
            "The graph shows every node's tangent ∂node/∂seed, from one forward pass",
            section=25,
            checkable=True,
            checked="forward_shown",
            group="graph_mode",
            enabled="available",
        ),
        Command(
            "graph.next_seed",
            "Seed the &next input",
            "view",
            ("Ctrl+Alt+N",),
            "seed_next",
            "Forward mode: run the pass seeded on the next input (x, then each parameter)",
            section=25,
            enabled="available",
        ),
        Command(
            "file.export.copy_forward_code",
            "Copy as PyTorch forwar&d-mode code",
            "file.export",
            ("Ctrl+Alt+Shift+T",),
            "copy_forward_code",
            "Put a PyTorch program computing every partial by forward mode (torch.func.jvp, "
            "forward_ad dual numbers) on the clipboard",
            section=10,
            enabled="available",
        ),
    )

    def __init__(self, model: ExplorerModel, status: QStatusBar, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName("forwardMode")
        self.model = model
        self._status = status
        self.bar = GraphModeBar(model)
        self.passes = PassesPanel(model)
        self.counter = self.passes.counter  # the window puts it under the graph's header
        model.graphChanged.connect(lambda _g: self._show_passes())
        self._show_passes()

    def bind(self, commands: Commands) -> None:
        self.bar.mode_combo.setToolTip(
            f"{commands.tooltip('graph.reverse')}; {commands.tooltip('graph.forward')}"
        )
        self.passes.next_button.setToolTip(commands.tooltip("graph.next_seed"))
        self.model.graphChanged.connect(lambda _g: commands.refresh())
        self.model.expressionChanged.connect(lambda _e: commands.refresh())

    @property
    def available(self) -> bool:
        """Forward mode is for functions of one input (a landscape's graph is reverse mode)."""
        return not self.model.two_inputs

    def _show_passes(self) -> None:
        # Only forward mode has passes to count; reverse mode keeps the graph's whole size.
        forward = self.model.graph.mode == "forward"
        self.passes.setVisible(forward)
        self.counter.setVisible(forward)

    @property
    def reverse_shown(self) -> bool:
        return self.model.graph.mode == "reverse"

    @property
    def forward_shown(self) -> bool:
        return self.model.graph.mode == "forward"

    def show_reverse(self, _checked: bool = True) -> None:
        self.model.set_graph_mode("reverse")

    def show_forward(self, _checked: bool = True) -> None:
        self.model.set_graph_mode("forward")

    def seed_next(self) -> None:
        """Seed the next input, in forward mode (switching to it if the graph shows reverse)."""
        if self.model.graph.mode != "forward":
            self.model.set_graph_mode("forward")
        else:
            self.model.seed_next_input()

    def copy_forward_code(self) -> None:
        m = self.model
        if m.expression is None:
            self._status.showMessage("No valid function to copy", 5000)
            return
        code = m.expression.to_pytorch(m.x, m.param_values(), mode="forward", seed=m.graph.seed)
        QGuiApplication.clipboard().setText(code)
        n = len(m.inputs)
        self._status.showMessage(
            f"Copied forward-mode PyTorch code for f(x) = {m.expression.canonical}: "
            f"{n} jvp pass{'es' if n > 1 else ''}, one per input",
            6000,
        )
