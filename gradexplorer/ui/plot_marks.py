"""The points of interest on the plot (model.points): a marker per point, coloured by family and
shaped by kind (colour is never the only cue), the coordinates and the reason on hover, and
a click that moves x there. Poles get a dashed vertical line, jumps a dotted one between their
two limits, intervals (zeros, plateaus) a thick stroke along the curve, and crowded points a
note: "and 61 more between −0.16 and 0.16"."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from gradexplorer import formatting
from gradexplorer.lessons import points as poi
from gradexplorer.lessons.points import PointOfInterest, PointsFound
from gradexplorer.lessons.session import View
from gradexplorer.ui.item_cache import cache, drop_cache
from gradexplorer.ui.theme import LIGHT, Theme

FAMILY = {
    poi.ROOT: "root",
    poi.DOUBLE_ROOT: "root",
    poi.ZEROS: "root",
    poi.MINIMUM: "extremum",
    poi.MAXIMUM: "extremum",
    poi.PLATEAU: "extremum",
    poi.INFLECTION: "inflection",
    poi.STATIONARY_INFLECTION: "inflection",
    poi.Y_INTERCEPT: "intercept",
    poi.POLE: "broken",
    poi.JUMP: "broken",
    poi.HOLE: "broken",
    poi.NO_LIMIT: "broken",
    poi.DOMAIN_END: "broken",
}
# pyqtgraph symbols: "t" points down (a valley's bottom), "t1" up (a peak)
SYMBOL = {
    poi.ROOT: "o",
    poi.DOUBLE_ROOT: "o",
    poi.MINIMUM: "t",
    poi.MAXIMUM: "t1",
    poi.INFLECTION: "d",
    poi.STATIONARY_INFLECTION: "star",
    poi.Y_INTERCEPT: "s",
    poi.POLE: "x",
    poi.JUMP: "o",
    poi.HOLE: "o",
    poi.NO_LIMIT: "+",
    poi.DOMAIN_END: "p",
}
# rings: a root's ring is drawn around whatever else sits there (the minimum of (x − 1)²)
HOLLOW = frozenset({poi.ROOT, poi.DOUBLE_ROOT, poi.JUMP, poi.HOLE})
SIZE = {poi.ROOT: 1.0, poi.DOUBLE_ROOT: 1.25, poi.Y_INTERCEPT: 0.55, poi.INFLECTION: 0.7}
MARK_SCALE = 0.72  # of the theme's point size
LAYER = 8  # above the curves and the trail, below the red point


class PointMarks(QObject):
    """The items that draw model.points on one PlotItem."""

    clicked = Signal(float)  # the x of a clicked marker

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        # drawn symbol by symbol (at most MAX_SHOWN), not from pyqtgraph's symbol atlas: a
        # picture export, which paints without item caches, stays vector graphics
        self.spots = pg.ScatterPlotItem(hoverable=True, tip=_tip, pxMode=True, useCache=False)
        self.poles = pg.PlotCurveItem()  # dashed verticals where f runs off to ±∞
        self.jumps = pg.PlotCurveItem()  # dotted verticals between a jump's two limits
        self.intervals = pg.PlotCurveItem()  # zeros and plateaus, along the curve
        self.more = pg.TextItem(anchor=(0.0, 1.0))
        for z, item in enumerate((self.intervals, self.poles, self.jumps, self.spots, self.more)):
            item.setZValue(LAYER + z / 10)
            plot.addItem(item, ignoreBounds=True)
        self._cached = (self.spots, self.poles, self.jumps, self.intervals)
        for item in self._cached:
            cache(item)  # an x step repaints the plot under them: a blit, not 20 symbols
        self.spots.sigClicked.connect(self._on_click)
        self._found: PointsFound | None = None
        self._view: View = (0.0, 1.0, 0.0, 1.0)
        self._shown: list[tuple[str, float, float]] = []
        self._pending = False
        self.apply_theme(LIGHT)

    # ----------------------------------------------------------------- read back (tests)
    def shown(self) -> list[tuple[str, float, float]]:
        """(kind, x, y drawn) of every marker, in order."""
        return list(self._shown)

    def more_text(self) -> str:
        return self.more.toPlainText() if self.more.isVisible() else ""

    # ----------------------------------------------------------------- drawing
    def set_pending(self, pending: bool) -> None:
        """Hidden while f or the view moves and the points wait to be found again: markers
        of the curve before would float off the curve now."""
        self._pending = pending
        for item in (self.spots, self.poles, self.jumps, self.intervals):
            item.setVisible(not pending)
        self._show_more(self._found, self._view)

    def redraw(self, view: View) -> None:
        """The points last shown, for a new view (the pole lines span it)."""
        self.show(self._found, view)

    def show(self, found: PointsFound | None, view: View) -> None:
        self._found, self._view = found, view
        points = () if found is None else found.points
        spots, shown = [], []
        for p in points:
            for x, y, hollow in _positions(p, view):
                spots.append(self._spot(p, x, y, hollow))
                shown.append((p.kind, x, y))
        self._shown = shown
        self.spots.setData(spots=spots)
        self._draw_lines(points, view)
        self._draw_intervals(points)
        for item in self._cached:
            drop_cache(item)
        self._show_more(found, view)

    def _spot(self, p: PointOfInterest, x: float, y: float, hollow: bool) -> dict:
        colour = getattr(self._colours, FAMILY[p.kind])
        size = self._size * SIZE.get(p.kind, 0.85)
        if hollow:
            pen, brush = pg.mkPen(colour, width=max(2.0, self._size / 6)), pg.mkBrush(None)
        else:
            pen, brush = pg.mkPen(self._background, width=max(1.0, self._size / 14)), colour
        return {
            "pos": (x, y),
            "symbol": SYMBOL.get(p.kind, "o"),
            "size": size,
            "pen": pen,
            "brush": pg.mkBrush(brush) if not hollow else brush,
            "data": {"x": x, "text": describe(p)},
        }

    def _draw_lines(self, points: tuple[PointOfInterest, ...], view: View) -> None:
        _x0, _x1, y0, y1 = view
        poles = [p.x for p in points if p.kind in (poi.POLE, poi.NO_LIMIT) or math.isinf(p.y)]
        self.poles.setData(np.repeat(poles, 2), np.tile([y0, y1], len(poles)), connect="pairs")
        jumps = [p for p in points if p.kind == poi.JUMP and p.left is not None]
        xs = np.repeat([p.x for p in jumps], 2)
        ys = np.array([v for p in jumps for v in (p.left, p.right)], dtype=float)
        self.jumps.setData(xs, ys, connect="pairs")

    def _draw_intervals(self, points: tuple[PointOfInterest, ...]) -> None:
        spans = [p for p in points if p.end is not None]
        xs = np.array([v for p in spans for v in (p.x, p.end)], dtype=float)
        ys = np.repeat([p.y for p in spans], 2).astype(float)
        self.intervals.setData(xs, ys, connect="pairs")

    def _show_more(self, found: PointsFound | None, view: View) -> None:
        if found is None or not found.hidden:
            self.more.setVisible(False)
            return
        r = formatting.readout
        self.more.setText(
            f"and {found.hidden} more points between {r(found.hidden_from, 3)} and "
            f"{r(found.hidden_to, 3)}: too close together at this zoom"
        )
        x0, x1, y0, y1 = view
        self.more.setPos(x0 + 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0))
        self.more.setVisible(not self._pending)

    def _on_click(self, _item: object, spots: list, _event: object) -> None:
        if spots:
            self.clicked.emit(float(spots[0].data()["x"]))

    def apply_theme(self, theme: Theme) -> None:
        t = theme.plot
        self._colours = t.marks
        self._background = t.background
        self._size = t.marker_size * MARK_SCALE
        k = t.curve_width / 2.5
        self.spots.opts["hoverSize"] = self._size * 1.5
        self.poles.setPen(pg.mkPen(t.marks.broken, width=1.5 * k, style=Qt.PenStyle.DashLine))
        self.jumps.setPen(pg.mkPen(t.marks.broken, width=1.5 * k, style=Qt.PenStyle.DotLine))
        fill = pg.mkColor(t.marks.root)
        fill.setAlpha(110)
        self.intervals.setPen(pg.mkPen(fill, width=7 * k, cap=Qt.PenCapStyle.FlatCap))
        self.more.setColor(t.axis_text)
        self.more.fill = pg.mkBrush(t.legend_fill)
        self.show(self._found, self._view)


def _positions(p: PointOfInterest, view: View) -> list[tuple[float, float, bool]]:
    """Where a point's marker(s) go: (x, y, hollow). A pole sits on the x-axis (or the view's
    edge), a jump has one ring at each limit, a hole a ring at its limit, an interval a marker
    at each end."""
    _x0, _x1, y0, y1 = view
    if p.kind == poi.JUMP and p.left is not None and p.right is not None:
        return [(p.x, p.left, True), (p.x, p.right, True)]
    if p.kind == poi.HOLE and p.left is not None:
        return [(p.x, p.left, True)]
    if p.kind in (poi.POLE, poi.NO_LIMIT) or not math.isfinite(p.y):
        edge = y1 if p.y == math.inf else y0 if p.y == -math.inf else min(max(0.0, y0), y1)
        return [(p.x, edge, False)]
    if p.end is not None:
        return [(p.x, p.y, False), (p.end, p.y, False)]
    return [(p.x, p.y, p.kind in HOLLOW)]


def describe(p: PointOfInterest) -> str:
    """The hover text: what, where, and why."""
    r = formatting.readout
    if p.end is not None:
        where = f"from x = {r(p.x)} to {r(p.end)}, f = {r(p.y)}"
    elif math.isfinite(p.y):
        where = f"at x = {r(p.x)}, f(x) = {r(p.y)}"
    else:
        where = f"at x = {r(p.x)}"
    return f"{p.kind} {where}\n{p.why}"


def _tip(x: float, y: float, data: dict) -> str:
    return data["text"] if isinstance(data, dict) else f"x = {x:.4g}, y = {y:.4g}"
