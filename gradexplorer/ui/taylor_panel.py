"""The "Taylor polynomial" box of the side panel and its commands: on or off, the order n, the
polynomial written out and its coefficients cₖ = f⁽ᵏ⁾(x)/k! (from the engine's Taylor mode),
with the note that order 1 is the tangent and order 2 the osculating parabola."""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.lessons.session import TAYLOR_MAX_ORDER
from gradexplorer.lessons.taylor import TaylorPolynomial
from gradexplorer.ui.commands import Commands
from gradexplorer.ui.controls import muted
from gradexplorer.ui.curve_panel_parts import curve_commands, row, stack
from gradexplorer.ui.model import ExplorerModel

CONNECTION = (
    "n = 1 is the tangent line, n = 2 the osculating parabola: the same value, slope and "
    "curvature as f at x. Each order adds the next derivative."
)


_command = curve_commands("taylor", section=20)


class TaylorPanel(QGroupBox):
    COMMANDS = (
        _command(
            "show",
            "Show the Taylor p&olynomial",
            ("Ctrl+5",),
            "set_shown",
            "The Taylor polynomial of f at x, drawn and written out",
            checkable=True,
            checked="shown",
        ),
        _command("higher", "&Higher order", ("Alt+Up",), "higher", "Taylor order n + 1"),
        _command("lower", "&Lower order", ("Alt+Down",), "lower", "Taylor order n − 1"),
    )

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("Taylor polynomial", parent)
        self.setObjectName("taylorPanel")
        self._model = model
        self.show_check = QCheckBox("of f at x, order n =", objectName="taylorShowCheck")
        self.order_spin = QSpinBox(objectName="taylorOrderSpin")
        self.order_spin.setRange(0, TAYLOR_MAX_ORDER)
        self.order_spin.setAccessibleName("Taylor order n")
        self.polynomial_label = QLabel(objectName="taylorPolynomialLabel")
        self.coefficients_label = QLabel(objectName="taylorCoefficientsLabel")
        self.note_label = QLabel(CONNECTION, objectName="taylorNoteLabel")
        self._build()
        self.show_check.toggled.connect(self.set_shown)
        self.order_spin.valueChanged.connect(lambda n: self._model.set_taylor_settings(order=n))
        model.taylorChanged.connect(self.show_polynomial)
        model.curveToolsChanged.connect(self._sync)
        self._sync()
        self.show_polynomial(model.taylor)

    def _build(self) -> None:
        for label in (self.polynomial_label, self.coefficients_label, self.note_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.coefficients_label.setTextFormat(Qt.TextFormat.RichText)
        muted(self.note_label)
        stack(
            self,
            row(self.show_check, self.order_spin, 1),
            self.polynomial_label,
            self.coefficients_label,
            self.note_label,
        )

    def bind(self, commands: Commands) -> None:
        self.show_check.setToolTip(commands.tooltip("taylor.show"))
        self.order_spin.setToolTip(
            f"{commands.tooltip('taylor.higher')}; {commands.tooltip('taylor.lower')}"
        )

    # ----------------------------------------------------------------- commands
    @property
    def shown(self) -> bool:
        return self._model.state.taylor.shown

    @property
    def order(self) -> int:
        return self._model.state.taylor.order

    def set_shown(self, on: bool) -> None:
        self._model.set_taylor_settings(shown=on)

    def higher(self) -> None:
        self._model.set_taylor_settings(shown=True, order=self.order + 1)

    def lower(self) -> None:
        self._model.set_taylor_settings(shown=True, order=self.order - 1)

    # ----------------------------------------------------------------- model → panel
    def _sync(self) -> None:
        for widget, value in ((self.show_check, self.shown), (self.order_spin, self.order)):
            widget.blockSignals(True)
            if widget is self.show_check:
                self.show_check.setChecked(value)
            else:
                self.order_spin.setValue(value)
            widget.blockSignals(False)
        for w in (self.polynomial_label, self.coefficients_label, self.note_label):
            w.setVisible(self.shown)

    def show_polynomial(self, polynomial: TaylorPolynomial | None) -> None:
        if polynomial is None:
            self.polynomial_label.setText("")
            self.coefficients_label.setText("")
            return
        self.polynomial_label.setText(polynomial.text(5))
        self.coefficients_label.setText(coefficients_html(polynomial))

    def polynomial_text(self) -> str:
        return self.polynomial_label.text()


def coefficients_html(polynomial: TaylorPolynomial) -> str:
    """k, f⁽ᵏ⁾(x₀) and cₖ = f⁽ᵏ⁾(x₀)/k! as a small table."""
    r = formatting.readout
    x0 = r(polynomial.x0)
    rows = [
        f"<tr><th align=left>k</th><th align=right>&nbsp;f<sup>(k)</sup>({x0})</th>"
        "<th align=right>&nbsp;c<sub>k</sub> = f<sup>(k)</sup>/k!</th></tr>"
    ]
    for k, (d, c) in enumerate(zip(polynomial.derivatives, polynomial.coefficients, strict=True)):
        rows.append(
            f"<tr><td>{k}</td><td align=right>&nbsp;{_cell(d)}</td>"
            f"<td align=right>&nbsp;{_cell(c)}</td></tr>"
        )
    # cellpadding: the columns stay apart at every font size (presentation mode ran them together)
    return "<table cellspacing=0 cellpadding=2>" + "".join(rows) + "</table>"


def _cell(v: float) -> str:
    return html.escape(formatting.readout(v, 6) if math.isfinite(v) else formatting.UNDEFINED)
