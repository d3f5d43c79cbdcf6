"""The application icon: set by the app at start (every window's icon), and shown in the About
box. The PNGs themselves are checked in tests/test_resources.py."""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

import gradexplorer
from gradexplorer import resources
from gradexplorer.ui.app import app_icon, run

from .helpers import make_window


def image_of(icon: QIcon, size: int) -> QImage:
    return icon.pixmap(QSize(size, size)).toImage().convertToFormat(QImage.Format.Format_ARGB32)


def test_the_app_sets_its_icon_and_desktop_file_name(qapp, tmp_path) -> None:
    app = qapp
    app.setWindowIcon(QIcon())
    assert run(["x^2", "--screenshot", str(tmp_path / "shot.png")]) == 0
    icon = app.windowIcon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(resources.ICON_SIZES)
    # Each size is that PNG file, not a scaled neighbour.
    for size in (16, 48, 256):
        assert image_of(icon, size) == QImage(str(resources.icon_png(size))).convertToFormat(
            QImage.Format.Format_ARGB32
        )
    assert app.desktopFileName() == "gradexplorer"


def test_the_about_box_shows_the_icon_and_the_version(qtbot) -> None:
    QApplication.instance().setWindowIcon(app_icon())
    window = make_window(qtbot)
    seen = {}

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        seen["icon"] = box.iconPixmap().toImage().convertToFormat(QImage.Format.Format_ARGB32)
        seen["text"] = box.text()
        box.accept()

    QTimer.singleShot(0, read_and_close)
    window.commands["help.about"].trigger()
    assert seen["icon"] == image_of(app_icon(), 64)
    assert not seen["icon"].isNull()
    assert f"gradexplorer {gradexplorer.__version__}" in seen["text"]
