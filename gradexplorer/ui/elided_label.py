"""A one-line label that ends in "…" when its text is wider than the room it has.

The pretty form beside the function field was cut off mid-symbol for a long function
("…exp(−x"), which reads as a different formula; with an ellipsis it reads as a shortened one.
The whole text stays in full_text() (the owner puts it in the tooltip too).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    def __init__(self, parent: QWidget | None = None, **kwargs: object) -> None:
        super().__init__(parent, **kwargs)
        self._full = ""

    def setText(self, text: str) -> None:  # Qt's name
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            super().setText(shown)
