"""Render assets/icons/gradexplorer.svg to the PNG sizes the app and the Linux icon theme use.

Run after editing the SVG (the PNGs are committed; tests/test_packaging.py checks they are
renders of the current SVG):

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from gradexplorer.resources import ICON_NAME, ICON_SIZES

ICONS = Path(__file__).resolve().parents[1] / "assets" / "icons"  # the source, not an install


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn into a transparent size×size image, antialiased."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication([])
    svg = ICONS / f"{ICON_NAME}.svg"
    for size in ICON_SIZES:
        out = ICONS / f"{ICON_NAME}-{size}.png"
        if not render(svg, size).save(str(out), "PNG"):
            print(f"could not write {out}", file=sys.stderr)
            return 1
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
