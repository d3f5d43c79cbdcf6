"""The window fits the screen it opens on: the first launch on a 1024×600 netbook or a 1280×800
projector, and a geometry remembered from a larger screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QApplication

import gradexplorer.ui.app as app_module
import gradexplorer.ui.main_window as main_window_module
from gradexplorer.ui import screen_fit
from gradexplorer.ui.session_actions import NO_SETTINGS_ENV

from .helpers import make_window

SMALL_SCREENS = (
    QRect(0, 0, 1024, 600),
    QRect(0, 0, 1280, 800),
    QRect(1920, 0, 1280, 768),  # a projector right of the laptop, a panel at its bottom
)


def fake_screen(monkeypatch, area: QRect) -> None:
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _window: QRect(area))


def launch(qtbot, monkeypatch) -> main_window_module.MainWindow:
    """app.run as a user starts it (no remembered settings), up to the event loop."""
    made = []

    class Recorded(main_window_module.MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)
            qtbot.addWidget(self)

    monkeypatch.setenv(NO_SETTINGS_ENV, "1")
    monkeypatch.setattr(main_window_module, "MainWindow", Recorded)
    monkeypatch.setattr(app_module, "tune_garbage_collector", lambda: None)
    monkeypatch.setattr(QApplication, "exec", lambda *_a: 0)
    assert app_module.run([]) == 0
    (window,) = made
    return window


@pytest.mark.parametrize("area", SMALL_SCREENS, ids=lambda r: f"{r.width()}x{r.height()}")
def test_the_first_window_fits_the_screen_and_is_centred(qtbot, monkeypatch, area):
    fake_screen(monkeypatch, area)
    window = launch(qtbot, monkeypatch)
    rect = window.geometry()
    assert area.contains(rect), (rect, area)
    # the room left for the title bar is at the top: centred within that
    assert abs(rect.center().x() - area.center().x()) <= 2
    assert abs(rect.center().y() - area.center().y()) <= 20
    assert rect.height() >= area.height() - 60  # and as large as the screen allows


def test_the_first_window_keeps_its_size_on_a_large_screen(qtbot, monkeypatch):
    fake_screen(monkeypatch, QRect(0, 0, 1920, 1080))
    window = launch(qtbot, monkeypatch)
    assert (window.width(), window.height()) == app_module.SCREENSHOT_SIZE


def test_a_geometry_saved_on_a_larger_screen_is_brought_inside(qtbot, monkeypatch, tmp_path):
    settings = QSettings(str(Path(tmp_path) / "gradexplorer.ini"), QSettings.Format.IniFormat)
    first = make_window(qtbot)
    first.move(40, 30)
    first.resize(1280, 800)
    settings.setValue("window/geometry", first.saveGeometry())
    settings.sync()
    first.close()
    area = QRect(0, 0, 1024, 600)
    fake_screen(monkeypatch, area)
    second = make_window(qtbot)
    second.sessions.enable_persistence(settings, restore_session=False)
    assert area.contains(second.geometry()), second.geometry()
