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


@pytest.fixture(autouse=True)
def no_event_loop(monkeypatch):
    """A test that reaches app.exec() would wait forever for a user: make it fail at once."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("QApplication.exec() was called in a test: it would never return")

    monkeypatch.setattr(QApplication, "exec", refuse)
