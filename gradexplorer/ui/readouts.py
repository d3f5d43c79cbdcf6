"""Readouts of f(x), f′(x), f′′(x) and ∂f/∂parameter, all from the engine."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from gradexplorer.formatting import UNDEFINED, readout
from gradexplorer.ui.model import ExplorerModel, PointData
from gradexplorer.ui.steady_label import SteadyLabel


class Readouts(QGroupBox):
    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("At the point x", parent)
        self.setObjectName("readouts")
        self._model = model
        self._scale = 1.0
        self._form = QFormLayout(self)
        self._form.setContentsMargins(8, 6, 8, 6)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        # Why a readout says "undefined", in words; below the numbers, empty when all are there.
        self.reason_label = QLabel(objectName="undefinedReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        self._form.addRow(self.reason_label)
        self.value_label = self._add("valueLabel", "f(x)", "Value of the function at x")
        self.derivative_label = self._add(
            "derivativeLabel", "f′(x)", "Slope of the tangent: df/dx from autograd"
        )
        self.second_label = self._add(
            "secondDerivativeLabel", "f′′(x)", "Second derivative: autograd applied twice"
        )
        self.partial_labels: dict[str, QLabel] = {}
        model.pointChanged.connect(self.show_point)
        model.paramsChanged.connect(self._rebuild_partials)
        self._rebuild_partials(tuple(model.params))
        if model.point is not None:
            self.show_point(model.point)

    def _add(self, name: str, caption: str, tip: str) -> QLabel:
        label = SteadyLabel(UNDEFINED, objectName=name, selectable=True)
        label.setFont(self._number_font())
        label.setToolTip(tip)
        label.setAccessibleName(caption)
        label.setAccessibleDescription(tip)
        cap = QLabel(caption, objectName=f"{name}Caption")
        cap.setFont(self._caption_font())
        cap.setToolTip(tip)
        self._form.insertRow(self._form.rowCount() - 1, cap, label)  # the reason stays last
        return label

    def _caption_font(self) -> QFont:
        # as large as the numbers: at the default size f′(x) and f′′(x) look alike
        font = QFont()
        font.setPointSizeF(font.pointSizeF() * 1.25 * self._scale)
        return font

    def _number_font(self) -> QFont:
        # numbers in a fixed-width font so digits do not jitter while x is dragged
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(QFont().pointSizeF() * 1.25 * self._scale)
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def set_font_scale(self, scale: float) -> None:
        """The window's zoom: the explicit number fonts do not inherit it, so scale them here."""
        self._scale = scale
        font, caption_font = self._number_font(), self._caption_font()
        for label in (
            self.value_label,
            self.derivative_label,
            self.second_label,
            *self.partial_labels.values(),
        ):
            label.setFont(font)
            caption = self._form.labelForField(label)
            if caption is not None:
                caption.setFont(caption_font)

    def _rebuild_partials(self, names: tuple[str, ...]) -> None:
        for name in list(self.partial_labels):
            if name not in names:
                label = self.partial_labels.pop(name)
                self._form.removeRow(label)  # deletes the row's widgets too
        for name in names:
            if name not in self.partial_labels:
                self.partial_labels[name] = self._add(
                    f"partialLabel_{name}",
                    f"∂f/∂{name}",
                    f"How fast f changes with the parameter {name} (autograd)",
                )
        if self._model.point is not None:
            self.show_point(self._model.point)

    def show_point(self, point: PointData) -> None:
        if point.reason:
            self.reason_label.setText(f"f is undefined here: {point.reason}.")
        elif point.derivative_reason:
            # The reason names the derivative it is about when that is not f′ ("f″ has no value
            # here"); f′ keeps its own prefix.
            said = point.derivative_reason.startswith("f′")
            slope = "" if math.isfinite(point.derivative) or said else "f′ is undefined here: "
            self.reason_label.setText(f"{slope}{point.derivative_reason}.")
        else:
            self.reason_label.setText("")
        self.value_label.setText(readout(point.value))
        self.derivative_label.setText(readout(point.derivative))
        self.second_label.setText(readout(point.second_derivative))
        for name, label in self.partial_labels.items():
            label.setText(readout(point.gradient.get(name)))
