"""The function line edit: debounced re-parse, pretty form beside it, inline error below."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from gradexplorer.errors import ExprError
from gradexplorer.expr.printers import STATEMENT_SEPARATOR
from gradexplorer.lessons.session import MAX_EXPRESSION_CHARS
from gradexplorer.ui.elided_label import ElidedLabel
from gradexplorer.ui.model import ExplorerModel

TIP = (
    "Try <i>sin(x)/x</i>, <i>a x^2 + b</i>, <i>1/(1 + e^-x)</i>, <i>relu(x)</i>, <i>ln(x)</i>."
    " Letters other than x become parameters. Drag the red point or use the arrow keys."
)
DEBOUNCE_MS = 180  # long enough to skip the half-typed states of a word, short enough to feel live


def error_html(err: ExprError, text: str, fix_key: str = "") -> str:
    """Message, hint and the input with the offending span highlighted, as Qt rich text; a
    certain fix (err.fix) is a link, and its key is named."""
    start = max(0, min(err.start, len(text)))
    end = max(start, min(err.end, len(text)))

    def code(s: str) -> str:
        return html.escape(s).replace(" ", "&nbsp;")

    marked = code(text[start:end]) if end > start else "&nbsp;"  # e.g. "unexpected end"
    snippet = (
        f"<span style='font-family:monospace'>{code(text[:start])}"
        "<span style='background-color:#ffd0d0;color:#a00000;text-decoration:underline'>"
        f"{marked}</span>{code(text[end:])}</span>"
    )
    hint = f" <i>{html.escape(err.hint)}</i>" if err.hint else ""
    fix = ""
    if err.fix:
        key = f" ({html.escape(fix_key)})" if fix_key else ""
        fix = f" &nbsp;<a href='fix'>Write {html.escape(err.fix)}</a>{key}"
    return f"<b>{html.escape(err.message)}</b>{hint}{fix}<br>{snippet}"


class FunctionInput(QWidget):
    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.edit = QLineEdit(model.text, objectName="functionEdit")
        self.edit.setPlaceholderText("type a function of x, e.g. x^2 + 3x")
        self.edit.setToolTip(
            "Type a function of x. Other letters (a, b, k, …) become parameters with sliders.\n"
            "Examples: x^2 + 3x, sin(x)/x, a x^2 + b, 1/(1+e^-x), relu(x)"
        )
        self.edit.setAccessibleName("Function of x")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaxLength(MAX_EXPRESSION_CHARS)
        caption = QLabel("f(x) =")
        caption.setBuddy(self.edit)
        self.caption = caption
        self.pretty_label = ElidedLabel(objectName="prettyLabel")
        self.pretty_label.setToolTip("How the function was understood")
        self.pretty_label.setAccessibleName("Function as understood")
        self.pretty_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long formula is shortened with "…" (all of it in the tooltip), never squeezing the
        # editor
        self.pretty_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error_label = QLabel(objectName="errorLabel")
        self.error_label.setTextFormat(Qt.TextFormat.RichText)
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Error in the function")
        self.error_label.linkActivated.connect(lambda _link: self.apply_fix())
        self.fix_key = ""  # the key of the "apply the fix" command, named in the error
        self.error_label.setToolTip("The last valid function stays plotted until this is fixed")

        self.error_label.hide()
        # While the text is valid the error's place shows a tip, so the plot below does not jump
        # up and down as half-typed text turns invalid and valid again.
        self.tip_label = QLabel(TIP, objectName="tipLabel")
        self.tip_label.setTextFormat(Qt.TextFormat.RichText)

        for label in (self.tip_label, self.error_label):
            label.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(caption)
        row.addWidget(self.edit, 3)
        row.addWidget(self.pretty_label, 2)
        second = QStackedLayout()
        second.addWidget(self.tip_label)
        second.addWidget(self.error_label)
        self._second = second
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 2)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addLayout(second)

        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.commit)
        self.edit.textChanged.connect(self._timer.start)
        self.edit.returnPressed.connect(self.commit)
        model.textChanged.connect(self._on_model_text)
        model.errorChanged.connect(self._on_error)
        model.expressionChanged.connect(self._on_expression)
        if model.expression is not None:
            self._on_expression(model.expression)
        self.set_font_scale(1.0)  # also shows the current error state

    def set_font_scale(self, scale: float) -> None:
        """Window zoom. These labels are styled with style sheets, which stop them inheriting
        the window's font, so the size is part of the sheet."""
        font = QFont()
        font.setPointSizeF(font.pointSizeF() * scale)
        size = f"font-size: {font.pointSizeF():.1f}pt;"
        self._size_css = size
        self.error_label.setStyleSheet(
            "QLabel#errorLabel { color: #8a0000; background: #fff3f3; border: 1px solid #e0a0a0;"
            f" border-radius: 4px; padding: 3px 6px; {size} }}"
        )
        self.tip_label.setStyleSheet(
            f"QLabel#tipLabel {{ color: palette(mid); padding: 3px 6px; {size} }}"
        )
        self._on_error(self._model.error)  # the edit's own sheet carries the size too
        two_lines = 2 * QFontMetrics(font).lineSpacing() + 10
        for label in (self.tip_label, self.error_label):
            label.setMinimumHeight(two_lines)

    @property
    def fix(self) -> str | None:
        """The certain correction of the current error, if there is one."""
        err = self._model.error
        return None if err is None else err.fix

    def apply_fix(self) -> bool:
        """Write the suggested fix into the field (one undo step, like typing it)."""
        fix = self.fix
        if fix is None:
            return False
        self.edit.setText(fix)
        self.commit()
        return True

    def commit(self) -> None:
        """Parse what is typed now (the debounce timer and Enter end up here)."""
        self._timer.stop()
        self._model.set_text(self.edit.text())

    def _on_model_text(self, text: str) -> None:
        if text != self.edit.text():  # restored from a session: show it without re-parsing
            self.edit.blockSignals(True)
            self.edit.setText(text)
            self.edit.blockSignals(False)

    def _on_expression(self, expression: object) -> None:
        # a signature in the text names the function itself: no "f(x) =" in front of it
        two = getattr(expression, "two_inputs", False)
        self.caption.setText("f =" if two else "f(x) =")
        pretty = expression.pretty  # type: ignore[attr-defined]
        self.pretty_label.setText(beside_field(pretty))
        self.pretty_label.setToolTip(f"Understood as {pretty}")

    def _on_error(self, err: ExprError | None) -> None:
        if err is None:
            self._second.setCurrentWidget(self.tip_label)
            self.error_label.clear()
            self.edit.setStyleSheet(f"QLineEdit {{ {self._size_css} }}")
            self.pretty_label.setEnabled(True)
            return
        self.error_label.setText(error_html(err, err.text or self._model.text, self.fix_key))
        self._second.setCurrentWidget(self.error_label)
        self.edit.setStyleSheet(
            f"QLineEdit {{ border: 2px solid #d04040; border-radius: 3px; {self._size_css} }}"
        )
        self.pretty_label.setEnabled(False)  # greyed: it still shows the last valid function


def beside_field(pretty: str) -> str:
    """The pretty form as it reads after "f(x) = [field]": definitions go after the function
    ("= u² + 3u, where u = x + x"), not before it, where "= u = x + x; …" read as f = u."""
    *definitions, body = pretty.split(STATEMENT_SEPARATOR)
    if not definitions:
        return f"= {body}"
    return f"= {body},  where {', '.join(definitions)}"
