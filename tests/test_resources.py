"""gradexplorer.resources: the run-time files found through importlib.resources, here in the
checkout's editable install (tests/test_packaging.py does the same for an installed wheel), and
the committed icon PNGs being renders of the SVG they come from."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from gradexplorer import resources
from gradexplorer.lessons import presets

ROOT = Path(__file__).resolve().parents[1]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_checkout_serves_its_own_assets_folder() -> None:
    # One copy of the files: the editable install maps gradexplorer.assets onto assets/.
    assert resources.assets_dir() == ROOT / "assets"
    assert presets.presets_dir() == ROOT / "assets" / "presets"
    assert resources.icon_svg() == ROOT / "assets" / "icons" / "gradexplorer.svg"
    assert resources.asset("no-such-file") is None


def test_every_icon_size_is_a_render_of_the_svg(qapp) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(resources.icon_svg()))
    assert renderer.isValid()
    pngs = sorted((ROOT / "assets" / "icons").glob("*.png"))
    assert [png_size(p)[0] for p in sorted(pngs, key=lambda p: png_size(p)[0])] == list(
        resources.ICON_SIZES
    )
    for size in resources.ICON_SIZES:
        path = resources.icon_png(size)
        assert path is not None and png_size(path) == (size, size)
        fresh = QImage(size, size, QImage.Format.Format_ARGB32)
        fresh.fill(Qt.GlobalColor.transparent)
        painter = QPainter(fresh)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        committed = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
        worst = max(
            abs(((committed.pixel(x, y) >> shift) & 255) - ((fresh.pixel(x, y) >> shift) & 255))
            for x in range(0, size, max(1, size // 64))
            for y in range(0, size, max(1, size // 64))
            for shift in (0, 8, 16, 24)
        )
        assert worst <= 2, f"{path.name} is stale: run tools/render_icons.py"


def test_an_installation_without_assets_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str):
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(resources, "files", missing)
    monkeypatch.delenv(presets.PRESETS_ENV, raising=False)
    assert resources.assets_dir() is None and resources.icon_png(48) is None
    assert presets.presets_dir() is None
    assert presets.list_presets() == []  # an empty Lessons menu, not a crash
