"""The plot's grid and its x = 0 and y = 0 lines, drawn by Qt itself.

pyqtgraph draws a grid through the axes, which makes each axis item as large as the plot: two
full-size pixmaps to blend on every repaint (0.4 ms of an x step), and its InfiniteLines paint
in Python (0.5 ms for the two zero lines). Here every line is part of a few QGraphicsPathItems
in view coordinates with cosmetic pens: painted in C++, rebuilt only when the view changes. The
lines stand at the axes' own tick values, with pyqtgraph's fading of minor tick levels, so the
grid looks as it did.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

LEVELS = 3  # pyqtgraph's major, minor and sub-minor ticks
GRID_Z = -20.0  # under everything the view box holds (minus the tick level)
ZERO_Z = -10.0


class GridLines:
    """Grid lines (one path per axis and tick level) and the zero lines of one PlotItem."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._view = plot.getViewBox()
        self._levels = {
            (axis, level): QGraphicsPathItem()
            for axis in ("bottom", "left")
            for level in range(LEVELS)
        }
        self.zero = QGraphicsPathItem()
        for (_, level), item in self._levels.items():
            # fainter levels underneath: a faint line crossing a strong one must not cut it
            item.setZValue(GRID_Z - level)
            plot.addItem(item, ignoreBounds=True)
        self.zero.setZValue(ZERO_Z)
        plot.addItem(self.zero, ignoreBounds=True)
        self._colour, self._background = QColor("#000000"), QColor("#ffffff")
        self._alpha = 0.2
        self._drawn: tuple = ()
        self._view.sigRangeChanged.connect(self.redraw)
        self._view.sigResized.connect(self.redraw)

    def set_style(
        self, colour: str, alpha: float, background: str, zero_colour: str, zero_width: float
    ) -> None:
        """The grid in the axis colour at `alpha` over the background (as showGrid's), the zero
        lines' pen."""
        self._colour, self._alpha, self._background = QColor(colour), alpha, QColor(background)
        pen = QPen(QColor(zero_colour), zero_width)
        pen.setCosmetic(True)
        self.zero.setPen(pen)
        self._drawn = ()
        self.redraw()

    def redraw(self, *_: object) -> None:
        """Lines for the view's current range and pixel size (skipped when neither changed)."""
        (x0, x1), (y0, y1) = self._view.viewRange()
        width, height = self._view.width(), self._view.height()
        key = (x0, x1, y0, y1, width, height)
        if key == self._drawn or width <= 0 or height <= 0:
            return
        self._drawn = key
        for axis, lo, hi, pixels in (("bottom", x0, x1, width), ("left", y0, y1, height)):
            levels = self._plot.getAxis(axis).tickValues(lo, hi, pixels)
            for level in range(LEVELS):
                values = levels[level][1] if level < len(levels) else []
                item = self._levels[(axis, level)]
                item.setPen(self._pen(level, pixels, len(values)))
                item.setPath(_lines(axis, values, (x0, x1, y0, y1)))
        zero = QPainterPath()
        if x0 <= 0.0 <= x1:
            zero.addPath(_lines("bottom", [0.0], (x0, x1, y0, y1)))
        if y0 <= 0.0 <= y1:
            zero.addPath(_lines("left", [0.0], (x0, x1, y0, y1)))
        self.zero.setPath(zero)

    def _pen(self, level: int, pixels: float, count: int) -> QPen:
        # AxisItem.generateDrawSpecs: alpha 255/(level+1), times the grid's, faded when dense
        dense = min(max(0.05 * pixels / (count + 1), 0.0), 1.0)
        pen = QPen(_over(self._colour, self._background, self._alpha * dense / (level + 1)), 1.0)
        pen.setCosmetic(True)
        return pen


def _over(colour: QColor, background: QColor, alpha: float) -> QColor:
    """`colour` at `alpha` over `background`, as one opaque colour: Qt draws a translucent line
    pixel by pixel through its blending path (40 µs a line, 3 ms for the grid of a tall view),
    an opaque one as a span. The grid lies on the background only, so the picture is the
    same."""
    mix = [
        a * alpha + b * (1 - alpha)
        for a, b in zip(colour.getRgbF()[:3], background.getRgbF()[:3], strict=True)
    ]
    return QColor.fromRgbF(*mix)


def _lines(axis: str, values: list[float], view: tuple[float, float, float, float]) -> QPainterPath:
    """Vertical lines at x values ("bottom") or horizontal ones at y values ("left")."""
    x0, x1, y0, y1 = view
    path = QPainterPath()
    for v in values:
        if axis == "bottom" and x0 <= v <= x1:
            path.moveTo(QPointF(v, y0))
            path.lineTo(QPointF(v, y1))
        elif axis == "left" and y0 <= v <= y1:
            path.moveTo(QPointF(x0, v))
            path.lineTo(QPointF(x1, v))
    return path
