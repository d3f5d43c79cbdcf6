"""Keyboard focus you can see: the plot and the graph are QGraphicsViews, which draw no focus
indicator of their own."""

from __future__ import annotations

from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QGraphicsView

FRAME_WIDTH = 3.0


def paint_focus_frame(view: QGraphicsView) -> None:
    """After the view has painted: a frame in the highlight colour while it has the focus."""
    if not view.hasFocus():
        return
    painter = QPainter(view.viewport())
    pen = QPen(view.palette().color(QPalette.ColorRole.Highlight), FRAME_WIDTH)
    painter.setPen(pen)
    half = FRAME_WIDTH / 2
    painter.drawRect(view.viewport().rect().toRectF().adjusted(half, half, -half, -half))
    painter.end()
