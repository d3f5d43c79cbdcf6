"""The "Points of interest" box of the side panel and its commands: markers on or off, a wider
search, a list of the points (a click moves x there), jumps to the next and previous point,
and trace mode (keyboard steps stop at every point). What x is sitting on is said in words:
"x is at a minimum: f′ = 0 and changes sign from − to +"."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.lessons.points import PointOfInterest, PointsFound
from gradexplorer.ui.commands import Commands
from gradexplorer.ui.controls import muted
from gradexplorer.ui.curve_panel_parts import curve_commands, row, stack
from gradexplorer.ui.curve_tools import too_narrow
from gradexplorer.ui.model import ExplorerModel

LIST_ROWS = 6  # visible rows before the list scrolls
GLYPH = {
    "root": "○",
    "double root": "◎",
    "zeros": "━",
    "minimum": "▼",
    "maximum": "▲",
    "plateau": "━",
    "inflection": "◆",
    "stationary inflection": "✶",
    "y-intercept": "■",
    "pole": "✕",
    "jump": "⇅",
    "hole": "○",
    "no limit": "✚",
    "domain end": "⬟",
}


_command = curve_commands("points")


class PointsPanel(QGroupBox):
    COMMANDS = (
        _command(
            "show",
            "Show points of &interest",
            ("Ctrl+4",),
            "set_shown",
            "Markers on the roots, extrema, inflections, poles, … of f in view",
            checkable=True,
            checked="shown",
        ),
        _command(
            "wide",
            "Search a &wider range",
            ("Ctrl+Shift+W",),
            "set_wide",
            "Look for points over ten times the view's width (extrema out of view)",
            checkable=True,
            checked="wide",
        ),
        _command(
            "next",
            "&Next point of interest",
            ("Alt+Right",),
            "next_point",
            "Move x to the next point to the right",
            section=10,
        ),
        _command(
            "previous",
            "&Previous point of interest",
            ("Alt+Left",),
            "previous_point",
            "Move x to the next point to the left",
            section=10,
        ),
        _command(
            "trace",
            "&Trace along the curve",
            ("Ctrl+T",),
            "set_tracing",
            "Arrow keys move x along the curve and stop at every point of interest",
            section=10,
            checkable=True,
            checked="tracing",
        ),
    )

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("Points of interest", parent)
        self.setObjectName("pointsPanel")
        self._model = model
        self.show_check = QCheckBox("markers", objectName="pointsShowCheck")
        self.wide_check = QCheckBox("wider search", objectName="pointsWideCheck")
        self.trace_check = QCheckBox("trace (keys stop at points)", objectName="pointsTraceCheck")
        self.list = QListWidget(objectName="pointsList")
        self.list.setAccessibleName("points of interest: click one to move x there")
        self.list.setUniformItemSizes(True)
        self.more_label = QLabel(objectName="pointsMoreLabel")
        self.here_label = QLabel(objectName="pointsHereLabel")
        self.previous_button = QPushButton("◀", objectName="pointsPreviousButton")
        self.next_button = QPushButton("▶", objectName="pointsNextButton")
        self._found: PointsFound | None = None
        self._build()
        self._connect()
        self.show_points(model.points)

    def _build(self) -> None:
        for label in (self.more_label, self.here_label):
            label.setWordWrap(True)
        muted(self.more_label)
        for button in (self.previous_button, self.next_button):
            button.setFixedWidth(button.fontMetrics().horizontalAdvance("◀") * 4)
        # two short rows: the side panel stays narrow enough for a 1024 px wide window
        stack(
            self,
            row(self.show_check, self.wide_check, 1),
            row(self.previous_button, self.next_button, self.trace_check, 1),
            self.list,
            self.more_label,
            self.here_label,
        )

    def _connect(self) -> None:
        m = self._model
        self.show_check.toggled.connect(self.set_shown)
        self.wide_check.toggled.connect(self.set_wide)
        self.trace_check.toggled.connect(self.set_tracing)
        self.previous_button.clicked.connect(self.previous_point)
        self.next_button.clicked.connect(self.next_point)
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        m.pointsChanged.connect(self.show_points)
        m.curveToolsChanged.connect(self._sync_checks)
        m.tracingChanged.connect(lambda _on: self._sync_checks())
        m.xChanged.connect(lambda _x: self._say_where())
        self._sync_checks()

    def bind(self, commands: Commands) -> None:
        self.previous_button.setToolTip(commands.tooltip("points.previous"))
        self.next_button.setToolTip(commands.tooltip("points.next"))
        self.show_check.setToolTip(commands.tooltip("points.show"))
        self.wide_check.setToolTip(commands.tooltip("points.wide"))
        self.trace_check.setToolTip(commands.tooltip("points.trace"))

    # ----------------------------------------------------------------- commands
    @property
    def shown(self) -> bool:
        return self._model.state.points.shown

    @property
    def wide(self) -> bool:
        return self._model.state.points.wide

    @property
    def tracing(self) -> bool:
        return self._model.tracing

    def set_shown(self, on: bool) -> None:
        self._model.set_points_settings(shown=on)

    def set_wide(self, on: bool) -> None:
        self._model.set_points_settings(wide=on)

    def set_tracing(self, on: bool) -> None:
        if on and not self.shown:
            self.set_shown(True)  # tracing snaps to the points: they must be found
        self._model.set_tracing(on)

    def next_point(self) -> None:
        self._move(1)

    def previous_point(self) -> None:
        self._move(-1)

    def _move(self, direction: int) -> None:
        if not self._model.move_to_point(direction):
            self.here_label.setText(
                "No point of interest further " + ("right" if direction > 0 else "left") + "."
                if self.shown
                else "Turn the markers on to move between the points of interest."
            )

    # ----------------------------------------------------------------- model → panel
    def show_points(self, found: PointsFound | None) -> None:
        self._found = found  # what x is compared with (model.points would find them anew)
        self.list.clear()
        for p in found.points if found is not None else ():
            item = QListWidgetItem(f"{GLYPH.get(p.kind, '•')}  {_row(p)}")
            item.setData(Qt.ItemDataRole.UserRole, p.x)
            item.setToolTip(p.why)
            self.list.addItem(item)
        self._fit_list()
        self.list.setVisible(self.list.count() > 0)
        self.more_label.setText(_more(found) if found is not None else "")
        self.more_label.setVisible(bool(self.more_label.text()))
        self._say_where()

    def _fit_list(self) -> None:
        """As tall as its rows (up to LIST_ROWS), again when the font changes (presentation
        mode, zoom): a height kept from the smaller font would show two rows of four."""
        rows = min(self.list.count(), LIST_ROWS)
        if rows:
            self.list.setFixedHeight(
                rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth()
            )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self._fit_list)  # after the list has its new font too
        super().changeEvent(event)

    def _on_item(self, item: QListWidgetItem) -> None:
        x = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(x, float) and math.isfinite(x):
            self._model.set_x_extending(x)

    def _sync_checks(self) -> None:
        for check, on in (
            (self.show_check, self.shown),
            (self.wide_check, self.wide),
            (self.trace_check, self.tracing),
        ):
            if check.isChecked() != on:
                check.blockSignals(True)
                check.setChecked(on)
                check.blockSignals(False)
        self.wide_check.setEnabled(self.shown)

    def _say_where(self) -> None:
        """What x sits on, in words (empty between points)."""
        found = self._found
        here = [] if found is None else found.at(self._model.x)
        if not here:
            if found is None:
                narrow = self.shown and too_narrow(self._model.view_range, self._model.state.points)
                self.here_label.setText(narrow or "")
            else:
                self.here_label.setText("" if found.points else _none(self.shown))
            return
        words = "; ".join(f"a{'n' if p.kind[0] in 'aeiou' else ''} {p.kind}: {p.why}" for p in here)
        self.here_label.setText(f"x is at {words}")

    def here_text(self) -> str:
        return self.here_label.text()


def _row(p: PointOfInterest) -> str:
    r = formatting.readout
    if p.end is not None:
        return f"{p.kind}  x = {r(p.x, 4)} … {r(p.end, 4)}"
    y = "" if not math.isfinite(p.y) else f"   f = {r(p.y, 4)}"
    if p.y == -math.inf or p.y == math.inf:
        y = "   f → " + ("+∞" if p.y > 0 else "−∞")
    return f"{p.kind}  x = {r(p.x, 4)}{y}"


def _more(found: PointsFound) -> str:
    if not found.hidden:
        return ""
    r = formatting.readout
    return (
        f"and {found.hidden} more between {r(found.hidden_from, 3)} and {r(found.hidden_to, 3)},"
        " too close together to tell apart: zoom in to see them"
    )


def _none(shown: bool) -> str:
    if not shown:
        return ""
    return "None in view: zoom out, or search a wider range."
