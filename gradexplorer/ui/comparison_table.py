"""The side-by-side table of a replayed backward pass: every node's gradient under the wrong
algorithm next to the correct one, and how often each visited it. It draws the step-through's
ReplayFrame (model state); any other frame hides it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.lessons.replay import TITLES
from gradexplorer.lessons.replay_stepper import ReplayFrame
from gradexplorer.lessons.step_through import StepFrame

WRONG_COLOR = "#d00000"  # as the graph's wrong numbers
HEADERS = ("node", "grad, this pass", "grad, correct", "visits: this / correct")
# rows the table shows at least; more scroll, so a big function cannot push the step dock
# taller than the window
SHOWN_ROWS = 4


class ComparisonTable(QWidget):
    """A caption and the table; hidden unless a replay is being stepped through."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepperComparisonBox")
        self.caption = QLabel(objectName="stepperComparisonCaption")
        bold = QFont()
        bold.setBold(True)
        self.caption.setFont(bold)
        self.table = QTableWidget(0, len(HEADERS), objectName="stepperComparison")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setAccessibleName("Gradients side by side")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self._fit_rows()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.hide()

    def show_frame(self, frame: StepFrame | None) -> None:
        if not isinstance(frame, ReplayFrame) or not frame.rows:
            self.hide()
            return
        done, total = formatting.grouped(frame.position + 1), formatting.grouped(frame.total_visits)
        when = "At the end" if frame.at_end else f"After {done} of {total} visits"
        self.caption.setText(
            f"{when}: side by side with the correct pass "
            f"({formatting.grouped(frame.correct_visits)} visits)"
        )
        self.caption.setToolTip(TITLES[frame.algorithm])
        self.table.setRowCount(len(frame.rows))
        for i, row in enumerate(frame.rows):
            wrong = row.node in frame.wrong
            cells = (
                frame.names.get(row.node, str(row.node)),
                _number(row.replayed),
                "— (none needed)" if row.correct is None else formatting.grouped(row.correct),
                f"{formatting.grouped(row.visits)} / {formatting.grouped(row.correct_visits)}",
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if (wrong and j == 1) or (j == 3 and row.visits > max(1, row.correct_visits)):
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if wrong and j == 1:
                    item.setForeground(QBrush(QColor(WRONG_COLOR)))
                    item.setToolTip("differs from the correct pass")
                self.table.setItem(i, j, item)
        self.show()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_rows()  # presentation mode: taller text, taller rows

    def _fit_rows(self) -> None:
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 3)

    def needed_height(self) -> int:
        """The height that shows the caption, the header and the first SHOWN_ROWS rows; the
        layout gives the table more when the step's text is taller, and the rest scroll."""
        t = self.table
        rows = t.verticalHeader().defaultSectionSize() * min(t.rowCount(), SHOWN_ROWS)
        return self.caption.sizeHint().height() + t.horizontalHeader().height() + rows + 8

    def row_texts(self) -> list[list[str]]:
        """What the table shows, for tests and accessibility tools."""
        return [
            [self.table.item(i, j).text() for j in range(self.table.columnCount())]
            for i in range(self.table.rowCount())
        ]


def _number(value: float | None) -> str:
    return formatting.NOT_COMPUTED if value is None else formatting.grouped(value)
