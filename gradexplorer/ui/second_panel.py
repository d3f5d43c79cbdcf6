"""The "Second function g(x)" box of the side panel and its commands: a field for g (drawn in
another colour with its own tangent at the same x, for comparing: a function and its
approximation, two losses, f and a guess of f′), its value and slope at x, and a swap that
makes g the main function (the one the backward graph and the step-through show)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from gradexplorer import formatting
from gradexplorer.errors import ExprError
from gradexplorer.lessons.session import MAX_EXPRESSION_CHARS
from gradexplorer.ui.commands import Commands
from gradexplorer.ui.curve_panel_parts import curve_commands, row, stack
from gradexplorer.ui.curve_tools import SecondData
from gradexplorer.ui.function_input import DEBOUNCE_MS, error_html
from gradexplorer.ui.model import ExplorerModel

_command = curve_commands("second", section=30)


class SecondPanel(QGroupBox):
    COMMANDS = (
        _command(
            "focus",
            "Type a &second function g(x)",
            ("Ctrl+Shift+I",),
            "focus_field",
            "Put the cursor in the g(x) field: a second curve to compare with f",
        ),
        _command(
            "swap",
            "Swap f and &g",
            ("Ctrl+Shift+M",),
            "swap",
            "Make g the main function (the graph and the step-through follow it)",
            enabled="has_second",
        ),
    )

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__("Second function", parent)
        self.setObjectName("secondPanel")
        self._model = model
        self.edit = QLineEdit(model.state.second, objectName="secondEdit")
        self.edit.setPlaceholderText("g(x), optional: e.g. sin(x)")
        self.edit.setAccessibleName("Second function g(x)")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaxLength(MAX_EXPRESSION_CHARS)
        self.error_label = QLabel(objectName="secondErrorLabel")
        self.error_label.setWordWrap(True)
        self.value_label = QLabel(objectName="secondValueLabel")
        self.swap_button = QPushButton("Swap f and g", objectName="secondSwapButton")
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.commit)
        self._build()
        self.edit.textEdited.connect(lambda _t: self._timer.start())
        self.edit.returnPressed.connect(self.commit)
        self.swap_button.clicked.connect(self.swap)
        model.secondChanged.connect(self.show_second)
        model.secondErrorChanged.connect(self.show_error)
        model.stateChanged.connect(lambda _old, new: self._show_text(new.second))
        self.show_second(model.second)
        self.show_error(model.second_error)

    def _build(self) -> None:
        caption = QLabel("g(x) =")
        caption.setBuddy(self.edit)
        stack(
            self,
            row(caption, (self.edit, 1)),
            self.error_label,
            row((self.value_label, 1), self.swap_button),
        )

    def bind(self, commands: Commands) -> None:
        self.swap_button.setToolTip(commands.tooltip("second.swap"))
        self.edit.setToolTip(commands.tooltip("second.focus"))

    # ----------------------------------------------------------------- commands
    @property
    def has_second(self) -> bool:
        return bool(self._model.state.second.strip())

    def focus_field(self) -> None:
        self.edit.setFocus()
        self.edit.selectAll()

    def swap(self) -> None:
        self._timer.stop()
        self._model.swap_functions()

    def commit(self) -> None:
        """Hand the typed text to the model (a mistake keeps the last valid g)."""
        self._timer.stop()
        self._model.set_second_text(self.edit.text())

    # ----------------------------------------------------------------- model → panel
    def _show_text(self, text: str) -> None:
        """The state's g (undo, a file, a swap), unless the field holds text not committed yet
        or a mistake being fixed."""
        pending = self._timer.isActive() or self._model.second_error is not None
        if not pending and self.edit.text() != text:
            self.edit.setText(text)

    def show_second(self, second: SecondData | None) -> None:
        self.swap_button.setEnabled(second is not None)
        if second is None:
            self.value_label.setText("")
            return
        r = formatting.readout
        text = f"g(x) = {r(second.value)}    g′(x) = {r(second.derivative)}"
        if second.reason:
            text += f"\n{second.reason}"
        self.value_label.setText(text)

    def show_error(self, error: ExprError | None) -> None:
        if error is None:
            self.error_label.clear()
            self.error_label.setVisible(False)
            return
        self.error_label.setText(error_html(error, error.text or self.edit.text()))
        self.error_label.setVisible(True)

    def value_text(self) -> str:
        return self.value_label.text()
