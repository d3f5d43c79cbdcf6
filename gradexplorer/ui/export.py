"""Pictures of the plot and the backward graph: PNG and SVG files, and images for the clipboard.

Both views cache parts of their drawing as pixmaps (axes, curves, graph boxes) so that moving x
stays cheap. An export switches those caches off while it paints, otherwise the SVG would hold
embedded bitmaps instead of paths and text, and a 2× PNG would be an upscaled 1× one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView

from gradexplorer.errors import GradExplorerError

FORMATS = ("png", "svg")
PNG_SCALE = 2.0  # files are for slides and handouts: twice the screen's pixels


class ExportError(GradExplorerError):
    """A picture could not be written (unknown format, unwritable path, empty view)."""


def export_format(path: str | Path) -> str:
    """'png' or 'svg' from the file name; anything else is an ExportError."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(
            f"cannot export to {Path(path).name!r}: unknown picture format",
            hint="end the file name with .png or .svg",
        )
    return suffix


@contextmanager
def _uncached(scenes: list[QGraphicsScene]) -> Iterator[None]:
    """Paint items directly (vector output, full resolution) for the duration of an export."""
    saved: list[tuple[QGraphicsItem, QGraphicsItem.CacheMode]] = []
    for scene in scenes:
        for item in scene.items():
            mode = item.cacheMode()
            if mode != QGraphicsItem.CacheMode.NoCache:
                saved.append((item, mode))
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in saved:
            item.setCacheMode(mode)


def visible_rect(view: QGraphicsView) -> QRectF:
    """The part of the scene the view shows now, in scene coordinates."""
    if view.viewport().size().isEmpty():
        raise ExportError("nothing to export: the view has no size", hint="show the window first")
    return view.mapToScene(view.viewport().rect()).boundingRect()


def view_image(view: QGraphicsView, scale: float = 1.0) -> QImage:
    """What the view shows, on its background, painted at `scale` times its pixel size."""
    return scene_image(view.scene(), view.backgroundBrush().color(), scale, visible_rect(view))


def scene_image(
    scene: QGraphicsScene,
    background: QColor | str,
    scale: float = 1.0,
    rect: QRectF | None = None,
) -> QImage:
    """The whole scene (or `rect` of it) on a background colour, at `scale` × its size."""
    source = QRectF(scene.sceneRect() if rect is None else rect)
    if source.isEmpty():
        raise ExportError("nothing to export: the graph is empty")
    image = QImage(
        QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale))),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    # Scaled as a high-DPI device rather than by a painter transform: cosmetic pens (every
    # pyqtgraph line) and the legend, which ignores transforms, then grow with the rest.
    image.setDevicePixelRatio(scale)
    image.fill(QColor(background))
    with _uncached([scene]):
        painter = QPainter(image)
        painter.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
        )
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
    image.setDevicePixelRatio(1.0)  # a file or the clipboard has no notion of logical pixels
    return image


def _write(path: str | Path, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        raise ExportError(
            f"could not write {Path(path).name!r}: {err.strerror or err}",
            hint="choose another folder or file name",
        ) from err


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("could not encode the picture as PNG")
    return bytes(buffer.data().data())


def write_png(image: QImage, path: str | Path) -> None:
    _write(path, png_bytes(image))


def _svg(size: QSize, title: str, paint: Callable[[QPainter], None]) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buffer)
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    # pyqtgraph records axes and grid as QPictures, which replay scaled by the ratio of the
    # recording and the target resolution: the SVG must claim the screen's, not its default 72.
    screen = QGuiApplication.primaryScreen()
    gen.setResolution(round(screen.logicalDotsPerInch()) if screen is not None else 96)
    gen.setTitle(title)
    gen.setDescription("made with gradexplorer")
    painter = QPainter()
    if not painter.begin(gen):
        raise ExportError("could not start the SVG drawing")
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    try:
        paint(painter)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def scene_svg(
    scene: QGraphicsScene, background: QColor | str, title: str, rect: QRectF | None = None
) -> bytes:
    source = QRectF(scene.sceneRect() if rect is None else rect)
    if source.isEmpty():
        raise ExportError("nothing to export: the graph is empty")
    size = QSize(max(1, round(source.width())), max(1, round(source.height())))

    def paint(painter: QPainter) -> None:
        target = QRectF(0, 0, size.width(), size.height())
        painter.fillRect(target, QColor(background))
        scene.render(painter, target, source)

    with _uncached([scene]):
        return _svg(size, title, paint)


def export_view(view: QGraphicsView, path: str | Path, title: str) -> str:
    """Write what the view shows to `path` as PNG (at PNG_SCALE) or SVG, by its suffix; returns
    the format written."""
    return export_scene(
        view.scene(), view.backgroundBrush().color(), path, title, visible_rect(view)
    )


def export_scene(
    scene: QGraphicsScene,
    background: QColor | str,
    path: str | Path,
    title: str,
    rect: QRectF | None = None,
) -> str:
    """Write the scene (or `rect` of it) to `path` as PNG or SVG, by its suffix."""
    fmt = export_format(path)
    if fmt == "png":
        write_png(scene_image(scene, background, PNG_SCALE, rect), path)
    else:
        _write(path, scene_svg(scene, background, title, rect))
    return fmt
