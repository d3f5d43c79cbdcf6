"""Fixtures for every UI test."""

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def restore_app_palette():
    """A theme sets the application palette (every window applies one at start): each test
    starts from, and leaves, the palette it found."""
    app = QApplication.instance()
    saved = QPalette(app.palette()) if app is not None else None
    yield
    if saved is not None:
        QApplication.setPalette(saved)
