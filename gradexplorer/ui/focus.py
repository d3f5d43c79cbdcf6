"""Keyboard focus you can see: the plot and the graph are QGraphicsViews, which draw no focus
indicator of their own, and every Tab stop is a control on screen (no bare container, no tab bar
that QMainWindow keeps off screen)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QGraphicsView, QScrollArea, QWidget

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


def placement(widget: QWidget, window: QWidget) -> QRect:
    """Where a widget sits in the window. Inside a scroll area: where the area sits (Tab scrolls
    the control into view there)."""
    target = widget
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        content = parent.widget() if isinstance(parent, QScrollArea) else None
        if content is not None and content.isAncestorOf(widget):
            target = parent
        parent = parent.parentWidget()
    return QRect(target.mapTo(window, QPoint(0, 0)), target.size())


def on_screen(widget: QWidget, window: QWidget) -> bool:
    """A Tab stop the user can see, at least in part. QMainWindow parks the docks behind another
    dock's tab off screen without hiding them, and keeps the tab bar of closed tabbed docks
    there, empty."""
    if not widget.isVisible():
        return False
    if widget.window() is not window:  # in a floating dock: on screen where its window is
        return True
    return window.rect().intersects(placement(widget, window))
