"""Shared helpers for the UI tests: drive the window through its widgets' own methods."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QLineEdit

from gradexplorer.ui import MainWindow


def make_window(qtbot, **kwargs) -> MainWindow:
    window = MainWindow(**kwargs)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def type_function(qtbot, window: MainWindow, text: str, debounce: bool = True) -> None:
    """Type into functionEdit and wait for the debounced parse to take it (or press Enter)."""
    edit = window.findChild(QLineEdit, "functionEdit")
    edit.setText(text)
    if not debounce:
        edit.returnPressed.emit()
    qtbot.waitUntil(lambda: window.model.text == text, timeout=3000)


def set_x(window: MainWindow, x: float) -> None:
    window.findChild(QDoubleSpinBox, "xSpinBox").setValue(x)


def label_number(window: MainWindow, name: str) -> float:
    text = window.findChild(QLabel, name).text()
    return float("nan") if text == "undefined" else float(text)


def curve_data(window: MainWindow) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = window.plot.curve_item.getData()
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def joined_segments(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Mask of segments drawn with connect="finite": both end points finite."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    return ok[:-1] & ok[1:]


def activate(qtbot, window: MainWindow) -> None:
    """Make the window the active one, so keyboard focus (and focus-dependent keys) work."""
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
