"""Readouts of a function of two inputs at the point: f, the gradient and its length, the
Hessian with its eigenvalues and the verdict, and the slice's slope ∇f·u written out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from gradexplorer.formatting import UNDEFINED, readout
from gradexplorer.lessons.curvature import MAXIMUM, MINIMUM, SADDLE
from gradexplorer.ui.landscape_data import SurfacePointData
from gradexplorer.ui.model import ExplorerModel
from gradexplorer.ui.steady_label import SteadyLabel

VERDICT_ICONS = {MINIMUM: "◡", MAXIMUM: "◠", SADDLE: "⌇"}


def directional_words(s: SurfacePointData, names: tuple[str, str]) -> str:
    """∇f·u = (gx)(ux) + (gy)(uy) = value, as a student checks it by hand."""
    (gx, gy), (ux, uy), r = s.gradient, s.direction, readout
    return f"∇f·u = ({r(gx, 4)})({r(ux, 3)}) + ({r(gy, 4)})({r(uy, 3)}) = {r(s.directional, 5)}"


class SurfaceReadouts(QGroupBox):
    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("At the point (x, y)", parent)
        self.setObjectName("surfaceReadouts")
        self._model = model
        self._scale = 1.0
        self._form = QFormLayout(self)
        self._form.setContentsMargins(8, 6, 8, 6)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.labels: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        for key, caption, tip in (
            ("value", "f", "Value of the function at the point"),
            ("grad_x", "∂f/∂x", "Partial derivative in the first input (autograd)"),
            ("grad_y", "∂f/∂y", "Partial derivative in the second input (autograd)"),
            ("grad_norm", "|∇f|", "Length of the gradient: the steepest slope here"),
            ("f_xx", "f_xx", "Second derivative in the first input (autograd applied twice)"),
            ("f_xy", "f_xy", "Mixed second derivative (= f_yx)"),
            ("f_yy", "f_yy", "Second derivative in the second input"),
            ("eigen", "λ", "Eigenvalues of the Hessian: the curvatures along its axes"),
        ):
            self.labels[key] = self._add(key, caption, tip)
        self.verdict_label = QLabel(objectName="verdictLabel")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setToolTip("What the gradient and the Hessian say about this point")
        self._form.addRow(self.verdict_label)
        self.directional_label = QLabel(objectName="directionalLabel")
        self.directional_label.setWordWrap(True)
        self.directional_label.setToolTip("The slope of the slice the plot shows, computed by hand")
        self._form.addRow(self.directional_label)
        # the point's readouts follow its pass (pointChanged comes after surfaceChanged, and
        # during a parameter drag when the drag pauses: the landscape is redrawn first)
        model.pointChanged.connect(lambda _p: self.show_surface(model.surface))
        model.expressionChanged.connect(lambda _e: self._name_inputs())
        self._name_inputs()
        self.show_surface(model.surface)

    def _add(self, key: str, caption: str, tip: str) -> QLabel:
        name = "".join(p.capitalize() for p in key.split("_"))
        label = SteadyLabel(UNDEFINED, objectName=f"surface{name}Label", selectable=True)
        label.setFont(self._number_font())
        label.setToolTip(tip)
        label.setAccessibleName(caption)
        cap = QLabel(caption)
        cap.setToolTip(tip)
        self.captions[key] = cap
        self._form.addRow(cap, label)
        return label

    def _number_font(self) -> QFont:
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(QFont().pointSizeF() * 1.15 * self._scale)
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def set_font_scale(self, scale: float) -> None:
        self._scale = scale
        for label in self.labels.values():
            label.setFont(self._number_font())

    def _names(self) -> tuple[str, str]:
        e = self._model.expression
        return e.inputs if e is not None and e.two_inputs else ("x", "y")  # type: ignore[return-value]

    def _name_inputs(self) -> None:
        a, b = self._names()
        self.setTitle(f"At the point ({a}, {b})")
        self.captions["grad_x"].setText(f"∂f/∂{a}")
        self.captions["grad_y"].setText(f"∂f/∂{b}")
        self.captions["f_xx"].setText(f"∂²f/∂{a}²")
        self.captions["f_xy"].setText(f"∂²f/∂{a}∂{b}")
        self.captions["f_yy"].setText(f"∂²f/∂{b}²")

    def show_surface(self, s: SurfacePointData | None) -> None:
        if s is None:
            for label in self.labels.values():
                label.setText(UNDEFINED)
            self.verdict_label.setText("")
            self.directional_label.setText("")
            return
        r = readout
        (a, b), (_, c) = s.hessian
        self.labels["value"].setText(r(s.value))
        self.labels["grad_x"].setText(r(s.gradient[0]))
        self.labels["grad_y"].setText(r(s.gradient[1]))
        self.labels["grad_norm"].setText(r(s.grad_norm))
        self.labels["f_xx"].setText(r(a))
        self.labels["f_xy"].setText(r(b))
        self.labels["f_yy"].setText(r(c))
        lo, hi = s.verdict.eigenvalues
        self.labels["eigen"].setText(f"{r(lo, 4)}, {r(hi, 4)}")
        v = s.verdict
        icon = VERDICT_ICONS.get(v.kind, "") if v.stationary else ""
        self.verdict_label.setText(f"<b>{icon} {v.words}</b>" if v.stationary else v.words)
        self.directional_label.setText("slope of the slice: " + directional_words(s, self._names()))
