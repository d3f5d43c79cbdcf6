"""The window on the screen it opens on: the first one as large as wanted but never larger than
the screen's free area (a 1024×600 netbook or a 1280×800 projector), a remembered one brought
back inside when the screen is now smaller."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# the title bar and borders, unknown until the window is shown: room for them
DECORATION = QMargins(8, 40, 8, 8)


def available_geometry(window: QWidget) -> QRect:
    """The free area (without panels and docks) of the screen the window is on."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def _room(window: QWidget) -> QRect:
    return available_geometry(window).marginsRemoved(DECORATION)


def place_first_window(window: QWidget, size: tuple[int, int]) -> None:
    """The wanted size, as much of it as fits the screen, centred on it (the status bar and
    the bottom panels were off a small screen until the user maximized)."""
    room = _room(window)
    rect = QRect(0, 0, 0, 0)
    rect.setSize(QSize(*size).boundedTo(room.size()))
    rect.moveCenter(room.center())
    window.setGeometry(rect)


def keep_on_screen(window: QWidget) -> None:
    """A remembered geometry from a larger screen, or a screen now gone: shrunk to fit and moved
    inside. A maximized or full-screen window is the window manager's to place."""
    if window.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return
    room = _room(window)
    rect = window.geometry()
    if room.contains(rect):
        return
    rect.setSize(rect.size().boundedTo(room.size()))
    if rect.right() > room.right():
        rect.moveRight(room.right())
    if rect.bottom() > room.bottom():
        rect.moveBottom(room.bottom())
    if rect.left() < room.left():
        rect.moveLeft(room.left())
    if rect.top() < room.top():
        rect.moveTop(room.top())
    window.setGeometry(rect)
