"""Float controls: a slider and an exact-entry spin box kept in sync, with an editable range.

The x control and every parameter control are the same widget; the model is the single source
of truth, so a control only reports edits and renders values it is given.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QPalette, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSlider,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.lessons.session.checks import range_problem
from gradexplorer.ui.model import ExplorerModel

TICKS = 2000  # slider resolution: 1/2000 of the range
SMALL_STEP = 10  # arrow keys: 1/200 of the range
LARGE_STEP = 100  # Page Up/Down: 1/20 of the range
DECIMALS = 4
RANGE_DECIMALS = 323  # QDoubleSpinBox's most: a range end keeps every digit of its float


def muted(label: QLabel) -> None:
    """Grey text through the palette: a style sheet would stop the label following zoom."""
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.Mid).darker(130))
    label.setPalette(pal)


def _describe(spin: QDoubleSpinBox, tip: str, accessible: str) -> None:
    """What every number box of the controls shares."""
    spin.setKeyboardTracking(False)  # commit on Enter/arrows, not on every typed digit
    spin.setToolTip(tip)
    spin.setAccessibleName(accessible)


class _NumberBox(QDoubleSpinBox):
    """A spin box that reads a number as a student writes it (1e-3, 2.5e2, -1E-4: Qt's own
    dropped the e and read 1e-3 as 13); text that is no number keeps the value."""

    def valueFromText(self, text: str) -> float:  # Qt's name
        number = _typed_number(text)
        return self.value() if number is None else number

    def validate(self, text: str, pos: int) -> object:  # Qt's name
        return _validate_number(text, pos)


class ValueBox(_NumberBox):
    """The exact value of x or a parameter, shown with the decimals a slider tick needs, and in
    e-notation where fixed decimals would be unreadable (1e308 showed a cut-off
    "100000000(")."""

    def textFromValue(self, value: float) -> str:  # Qt's name
        if value == 0 or 10.0 ** -self.decimals() <= abs(value) < 1e15:
            return f"{value:.{self.decimals()}f}"
        return formatting.exact(value)


def _spin(name: str, tip: str, accessible: str) -> QDoubleSpinBox:
    spin = ValueBox(objectName=name)
    _describe(spin, tip, accessible)
    spin.setDecimals(DECIMALS)
    # text that is no number yet ("1e", "-") goes back; a number outside the range is clamped
    spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
    return spin


class RangeBox(_NumberBox):
    """An end of a slider's range: any finite number, typed as a student writes it (1e308,
    -2.5e-3), shown exactly, so pressing Enter in an unchanged box changes nothing (a fixed
    2-decimal box rounded 1e-5 to 0, clamped 1e12 to 1e9, and read "1e308" as 1308)."""

    def __init__(self, name: str, tip: str, accessible: str) -> None:
        super().__init__(objectName=name)
        _describe(self, tip, accessible)
        self.setDecimals(RANGE_DECIMALS)  # no rounding: the value is the float typed
        self.setRange(-sys.float_info.max, sys.float_info.max)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)

    def textFromValue(self, value: float) -> str:  # Qt's name
        return formatting.exact(value)


def _validate_number(text: str, pos: int) -> object:
    """Qt's validate for a box that takes any finite float written as a student writes it."""
    State = QValidator.State
    if _typed_number(text) is not None:
        return State.Acceptable, text, pos
    if _NUMBER_PREFIX.fullmatch(text.strip()):
        return State.Intermediate, text, pos  # on the way to a number: "-", "1e", "2."
    return State.Invalid, text, pos


# what a number looks like while it is being typed
_NUMBER_PREFIX = re.compile(r"[+\-−]?(\d*\.?\d*)([eE][+\-−]?\d*)?")


def _typed_number(text: str) -> float | None:
    """The finite float a range box's text means, or None (not a number yet, or overflowing)."""
    try:
        number = float(text.strip().replace("−", "-"))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class ValueControl(QWidget):
    """Slider + spin box for one float, and two spin boxes for its range."""

    valueEdited = Signal(float)
    rangeEdited = Signal(float, float)

    def __init__(self, name: str, label: str, suffix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lo, self._hi = -5.0, 5.0
        self._updating = False
        self.label = QLabel(label)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName=f"{name}Slider{suffix}")
        self.slider.setRange(0, TICKS)
        self.slider.setSingleStep(SMALL_STEP)
        self.slider.setPageStep(LARGE_STEP)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip(
            f"Drag to change {name}. Arrow keys: small steps; Page Up/Down: large steps"
        )
        self.slider.setAccessibleName(f"{name} slider")
        self.spin = _spin(f"{name}SpinBox{suffix}", f"Exact value of {name}", f"{name} value")
        self._fit_spin()
        self.min_spin = RangeBox(
            f"{name}MinSpinBox{suffix}", f"Lowest value of the {name} slider", f"{name} minimum"
        )
        self.max_spin = RangeBox(
            f"{name}MaxSpinBox{suffix}", f"Highest value of the {name} slider", f"{name} maximum"
        )
        for s in (self.min_spin, self.max_spin):
            s.setMaximumWidth(80)
        range_label = QLabel("range")
        muted(range_label)
        to_label = QLabel("to")
        muted(to_label)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.label, 0, 0)
        grid.addWidget(self.slider, 0, 1, 1, 4)
        grid.addWidget(self.spin, 0, 5)
        grid.addWidget(range_label, 1, 1)
        grid.addWidget(self.min_spin, 1, 2)
        grid.addWidget(to_label, 1, 3, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(self.max_spin, 1, 4)
        grid.setColumnStretch(1, 0)
        grid.setColumnStretch(4, 1)

        self.slider.valueChanged.connect(self._slider_moved)
        self.spin.valueChanged.connect(self._spin_changed)
        self.min_spin.editingFinished.connect(self._range_edited)
        self.max_spin.editingFinished.connect(self._range_edited)

    def _fit_spin(self) -> None:
        """Wide enough for a typical value at the current font (a projector's font is larger:
        a fixed width cut "0.7000" to "0.700")."""
        digits = self.spin.fontMetrics().horizontalAdvance("-00." + "0" * self.spin.decimals())
        self.spin.setMinimumWidth(max(90, digits + 36))  # + the arrows and the frame

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_spin()

    # model → widget
    def set_range(self, lo: float, hi: float) -> None:
        self._lo, self._hi = lo, hi
        self._updating = True
        try:
            self.min_spin.setValue(lo)
            self.max_spin.setValue(hi)
            # enough decimals for a slider tick of this range (±2.5e-5 rounded to [0, 0] at 4)
            decimals = value_decimals(lo, hi)
            if decimals != self.spin.decimals():
                self.spin.setDecimals(decimals)
                self._fit_spin()
            self.spin.setRange(lo, hi)
            self.spin.setSingleStep(_nice_step((hi - lo) / 200))
        finally:
            self._updating = False

    def set_value(self, value: float) -> None:
        self._updating = True
        try:
            self.spin.setValue(value)
            self.slider.setValue(slider_tick(value, self._lo, self._hi))
        finally:
            self._updating = False

    def value(self) -> float:
        return self.spin.value()

    def add_row_tool(self, widget: QWidget) -> None:
        """Put a small extra widget (e.g. a play button) under the value box, beside the range."""
        self.layout().addWidget(widget, 1, 5)

    # widget → model
    def _slider_moved(self, tick: int) -> None:
        if self._updating:
            return
        self.valueEdited.emit(slider_value(tick, self._lo, self._hi))

    def _spin_changed(self, value: float) -> None:
        if not self._updating:
            self.valueEdited.emit(value)

    def _range_edited(self) -> None:
        if self._updating:
            return
        lo, hi = self.min_spin.value(), self.max_spin.value()
        problem = range_problem(lo, hi) if lo < hi else None
        if problem is not None:  # ±1e308: finite ends, but no slider can divide the width
            box = self.min_spin if lo != self._lo else self.max_spin
            words = f"The range {formatting.exact(lo)} to {formatting.exact(hi)} {problem}."
            QToolTip.showText(box.mapToGlobal(QPoint(0, box.height())), words, box)
        elif lo < hi and (lo, hi) != (self._lo, self._hi):
            self.rangeEdited.emit(lo, hi)  # the model answers with set_range if it takes it
        elif lo >= hi:  # say why the box goes back, beside it
            box = self.min_spin if lo != self._lo else self.max_spin
            words = (
                f"The lowest value must be below the highest ({formatting.exact(self._hi)})."
                if box is self.min_spin
                else f"The highest value must be above the lowest ({formatting.exact(self._lo)})."
            )
            QToolTip.showText(box.mapToGlobal(QPoint(0, box.height())), words, box)
        # an empty range, or one the model refused (its width overflows): show the current one
        self.set_range(self._lo, self._hi)


def value_decimals(lo: float, hi: float) -> int:
    """Decimals the value box shows for a range: DECIMALS, or more when one slider tick of the
    range is smaller than that (at most 15, a float's digits)."""
    with np.errstate(all="ignore"):
        tick = (hi - lo) / TICKS
    if not (math.isfinite(tick) and tick > 0):
        return DECIMALS
    return max(DECIMALS, min(15, math.ceil(-math.log10(tick))))


def slider_tick(value: float, lo: float, hi: float) -> int:
    """The slider position nearest to `value` in lo..hi (clamped to the ends; 0 when the
    arithmetic cannot say, e.g. an infinite value)."""
    with np.errstate(all="ignore"):
        fraction = (value - lo) / (hi - lo) if hi > lo else 0.0
    if not math.isfinite(fraction):
        return 0 if not fraction > 0 else TICKS
    return max(0, min(TICKS, round(fraction * TICKS)))


def slider_value(tick: int, lo: float, hi: float) -> float:
    """The value at a slider position (rounded to 12 decimals, so 0.1 steps stay 0.1)."""
    return round(lo + (hi - lo) * tick / TICKS, 12)


def _nice_step(raw: float) -> float:
    if not math.isfinite(raw) or raw <= 0:
        return 0.01
    p = 10 ** math.floor(math.log10(raw))
    return min((p, 2 * p, 5 * p, 10 * p), key=lambda s: abs(s - raw))


# the slider's keys as fractions of the range, for trace mode (model.step_x)
_TRACE_STEPS = {
    Qt.Key.Key_Left: -SMALL_STEP / TICKS,
    Qt.Key.Key_Down: -SMALL_STEP / TICKS,
    Qt.Key.Key_Right: SMALL_STEP / TICKS,
    Qt.Key.Key_Up: SMALL_STEP / TICKS,
    Qt.Key.Key_PageDown: -LARGE_STEP / TICKS,
    Qt.Key.Key_PageUp: LARGE_STEP / TICKS,
}


class XControl(ValueControl):
    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("x", "<b>x</b>", "", parent)
        self._model = model
        self.slider.installEventFilter(self)
        self.set_range(*model.x_range)
        self.set_value(model.x)
        self.valueEdited.connect(model.set_x)
        self.rangeEdited.connect(model.set_x_range)
        model.xChanged.connect(self.set_value)
        model.xRangeChanged.connect(self._on_range)

    def _on_range(self, lo: float, hi: float) -> None:
        self.set_range(lo, hi)
        self.set_value(self._model.x)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In trace mode the slider's keys step through the model, which stops at the points
        of interest on the way (the slider alone would jump over them)."""
        if (
            watched is self.slider
            and event.type() == QEvent.Type.KeyPress
            and self._model.tracing
            and event.key() in _TRACE_STEPS
        ):
            self._model.step_x(_TRACE_STEPS[event.key()])
            return True
        return super().eventFilter(watched, event)


class ParamPanel(QGroupBox):
    """One control per parameter of the expression, created and removed as the text changes."""

    # (name, ValueControl) after a control is made, so features can add tools to its row
    controlAdded = Signal(str, object)

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("Parameters", parent)
        self.setObjectName("paramPanel")
        self._model = model
        self.controls: dict[str, ValueControl] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self._empty = QLabel("No parameters. Type another letter, e.g. <i>a x^2</i>.")
        self._empty.setWordWrap(True)
        muted(self._empty)
        self._layout.addWidget(self._empty)
        model.paramsChanged.connect(self._rebuild)
        model.paramChanged.connect(self._on_param)
        self._rebuild(tuple(model.params))

    def _rebuild(self, names: tuple[str, ...]) -> None:
        for name in list(self.controls):
            if name not in names:
                control = self.controls.pop(name)
                self._layout.removeWidget(control)
                control.deleteLater()
        for name in names:
            if name not in self.controls:
                control = ValueControl("param", f"<b>{name}</b>", f"_{name}", self)
                control.slider.setObjectName(f"paramSlider_{name}")
                control.spin.setObjectName(f"paramSpinBox_{name}")
                control.min_spin.setObjectName(f"paramMinSpinBox_{name}")
                control.max_spin.setObjectName(f"paramMaxSpinBox_{name}")
                for w, what in ((control.slider, "slider"), (control.spin, "value")):
                    w.setAccessibleName(f"parameter {name} {what}")
                control.slider.setToolTip(
                    f"Drag to change the parameter {name}; the curve and ∂f/∂{name} follow"
                )
                control.spin.setToolTip(f"Exact value of the parameter {name}")
                control.valueEdited.connect(lambda v, n=name: self._model.set_param(n, v))
                # a held slider is a drag: the model keeps the landscape first until release
                control.slider.sliderPressed.connect(lambda: self._model.set_param_dragging(True))
                control.slider.sliderReleased.connect(lambda: self._model.set_param_dragging(False))
                control.rangeEdited.connect(
                    lambda lo, hi, n=name: self._model.set_param_range(n, lo, hi)
                )
                self.controls[name] = control
                self._on_param(name)
                self.controlAdded.emit(name, control)
        # keep the order of the expression's parameter list
        for i, name in enumerate(names):
            self._layout.insertWidget(i, self.controls[name])
        self._empty.setVisible(not names)

    def _on_param(self, name: str) -> None:
        state = self._model.params.get(name)
        control = self.controls.get(name)
        if state is None or control is None:
            return
        control.set_range(state.min, state.max)
        control.set_value(state.value)


class YControl(ValueControl):
    """The second input of a function of two inputs (hidden for one input)."""

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("y", "<b>y</b>", "", parent)
        self._model = model
        self.set_range(*model.y_range)
        self.set_value(model.y)
        self.valueEdited.connect(model.set_y)
        self.rangeEdited.connect(model.set_y_range)
        model.yChanged.connect(self.set_value)
        model.yRangeChanged.connect(self._on_range)

    def _on_range(self, lo: float, hi: float) -> None:
        self.set_range(lo, hi)
        self.set_value(self._model.y)
