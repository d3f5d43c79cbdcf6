"""The landscape of a function of two inputs: a heat map (viridis, perceptually uniform) with
its colour bar, contour lines, a field of gradient arrows, the draggable point with its
gradient, the level-set tangent and the slice direction, and the optimizers' race.

Everything drawn comes from the model (landscape, surface, race, race_step); dragging only
calls model setters, which send the new numbers back. Items are made once and updated with
setData; the view box is locked to a 1:1 aspect so gradients meet contour lines at right
angles on screen, as they do on paper.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QKeyEvent, QPaintEvent
from PySide6.QtWidgets import QWidget

from gradexplorer.formatting import readout
from gradexplorer.lessons.session.two_inputs import LandscapeSettings
from gradexplorer.ui.commands import Command
from gradexplorer.ui.item_cache import cache, drop_cache, set_cached
from gradexplorer.ui.landscape_data import (
    LandscapeData,
    SurfacePointData,
    arrow_segments,
)
from gradexplorer.ui.model import ExplorerModel, RaceStep
from gradexplorer.ui.plot import (
    SafeViewBox,
    resize_target,
    room_for_end_labels,
    scale_axes_font,
    showable,
    style_axes,
)
from gradexplorer.ui.theme import LIGHT, Theme

COLORMAP = "viridis"
# On viridis (dark purple to yellow) these stay visible; each path also gets a dark outline.
RACE_COLORS = (
    "#ff595e",
    "#ffca3a",
    "#8ac926",
    "#4cc9f0",
    "#ff924c",
    "#f15bb5",
    "#ffffff",
    "#00f5d4",
)
GRADIENT_COLOR = "#ff2d55"
TANGENT_COLOR = "#ffffff"
SLICE_COLOR = "#ff9500"
OUTLINE = (0, 0, 0, 170)
KEY_STEP, PAGE_STEP = 1 / 200, 1 / 20
SNAP_DEGREES = 3.0  # a dragged direction this close to an axis snaps onto it


def _view(id_: str, text: str, keys: tuple[str, ...], handler: str, tip: str, **kw) -> Command:
    return Command(f"view.landscape.{id_}", text, "view.landscape", keys, handler, tip, **kw)


def thinned(pts: np.ndarray, pixel: tuple[float, float] | None) -> np.ndarray:
    """The points a path needs at this pixel size: of consecutive points in one half-pixel
    cell only the first is drawn, the last point always, gaps (nan rows) stay. A slow
    optimizer's 500 steps may span 60 pixels: seven points in ten drew nothing, and stroking
    them was a third of a start drag's repaint. Zoomed in, the paths are thinned again."""
    if pixel is None or len(pts) < 3:
        return pts
    cells = np.floor(pts / (0.5 * np.asarray(pixel)))
    keep = np.empty(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    keep[1:-1] = (cells[1:-1] != cells[:-2]).any(axis=1)  # nan != nan: a gap is kept
    return pts[keep]


class _HeatMap(pg.ImageItem):
    """pyqtgraph renders the grid through the lookup table as an 8-bit indexed image, which
    the raster engine converts again on every paint; converted once per new image to the
    painter's own format, a 200×200 grid drawn at 529×342 costs 0.09 ms instead of 0.67."""

    def render(self) -> None:
        super().render()
        fast = QImage.Format.Format_ARGB32_Premultiplied  # keeps undefined cells transparent
        if self.qimage is not None and self.qimage.format() != fast:
            self.qimage = self.qimage.convertToFormat(fast)


class _Handle(pg.TargetItem):
    """A point the user drags; it reports where (the model decides where it ends up)."""

    dragged = Signal(float, float)

    def boundingRect(self) -> QRectF:
        # TargetItem's is its shape's, without the outline's outer half: drawn from a pixmap
        # cache (item_cache), the antialiased rim was cut off by a pixel
        rect = super().boundingRect()
        pad = 0.2 * max(rect.width(), rect.height())
        return rect.adjusted(-pad, -pad, pad, pad)

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        pos = self.mapToView(ev.pos())
        if pos is not None:
            self.dragged.emit(float(pos.x()), float(pos.y()))


def _curve(
    width: float,
    color: object,
    *,
    z: float,
    outline: bool = True,
    antialias: bool = True,
    **kw: object,
) -> pg.PlotCurveItem:
    pen = pg.mkPen(color, width=width, **kw)
    shadow = pg.mkPen(OUTLINE, width=width + 2.5) if outline else None
    item = pg.PlotCurveItem(pen=pen, shadowPen=shadow, antialias=antialias)
    item.setZValue(z)
    return item


def _image_rect(data: LandscapeData) -> QRectF:
    """The heat map's rectangle: each grid value is the centre of its pixel."""
    dx = (data.xs[-1] - data.xs[0]) / max(1, len(data.xs) - 1)
    dy = (data.ys[-1] - data.ys[0]) / max(1, len(data.ys) - 1)
    return QRectF(data.xs[0] - dx / 2, data.ys[0] - dy / 2, data.xs[-1] - data.xs[0] + dx,
                  data.ys[-1] - data.ys[0] + dy)  # fmt: skip


class LandscapeView(pg.PlotWidget):
    COMMANDS = (
        _view(
            "log",
            "&Log colour scale",
            ("Ctrl+Alt+L",),
            "set_log_scale",
            "Colours and contour levels by decades of f − min (Rosenbrock's valley shows)",
            checkable=True,
            checked="log_scale",
        ),
        _view(
            "descent_arrows",
            "Arrows show −∇f (&descent)",
            ("Ctrl+Alt+Shift+D",),
            "set_descent_arrows",
            "Point the arrows downhill, the way gradient descent steps",
            checkable=True,
            checked="descent_arrows",
        ),
        _view(
            "hide_arrows",
            "&Hide the arrows",
            ("Ctrl+Alt+H",),
            "set_arrows_hidden",
            "Hide the field of gradient arrows",
            checkable=True,
            checked="arrows_hidden",
        ),
        _view(
            "along_x",
            "Slice along &x",
            ("Ctrl+Alt+X",),
            "slice_along_x",
            "The plot shows f along the first input, the second held",
            section=10,
        ),
        _view(
            "along_y",
            "Slice along &y",
            ("Ctrl+Alt+Y",),
            "slice_along_y",
            "The plot shows f along the second input, the first held",
            section=10,
        ),
        _view(
            "along_gradient",
            "Slice along the &gradient",
            ("Ctrl+Alt+U",),
            "slice_along_gradient",
            "The steepest direction: the slice's slope is |∇f|",
            section=10,
        ),
    )

    hovered = Signal(float, float)

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w", viewBox=SafeViewBox())
        self.setObjectName("landscapeView")
        self.setAccessibleName("Landscape of f over the two inputs")
        self.setToolTip(
            "Drag the red point to move it, the orange handle to turn the slice, the ring to move"
            " where the optimizers start. Drag empty space to pan, wheel to zoom; arrow keys move"
            " the point."
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._model = model
        self._data: LandscapeData | None = None
        self._bar: tuple | bool | None = None  # the colour bar's ticks: what they were made for
        self._bar_width: int | None = None  # the room beside the bar (None: pyqtgraph's)
        self._bar_grown: tuple | None = None  # (function and zoom, the widest room they had)
        self._tick_texts: list[str] = []  # the log scale's tick labels
        self._font_scale: float | None = None  # until the window's zoom reaches the view
        self._placed: tuple | None = None  # where the image was put, for which shape
        self._slice_drawn: tuple | None = None
        self._fresh = False  # the grid's items changed since the last paint
        self._race_start_drawn: tuple | None = None  # where the drawn paths start
        self._race_pixel: tuple | None = None  # the pixel size the paths were thinned for
        item = self.getPlotItem()
        self.view_box = item.getViewBox()
        item.hideButtons()
        item.setMenuEnabled(False)
        self.view_box.disableAutoRange()
        self.view_box.setAspectLocked(True)
        for action in self.scene().contextMenu:  # pyqtgraph's Export…: File ▸ Export does it
            action.setVisible(False)
        self._build_items(item)
        room_for_end_labels(item, QFont(), top=True, right=False)  # the bar's end values
        self.apply_theme(LIGHT)
        self._connect(model)

    # ----------------------------------------------------------------- building
    def _build_items(self, item: pg.PlotItem) -> None:
        self.image = _HeatMap(axisOrder="row-major")
        self.image.setZValue(-10)
        self.colormap = pg.colormap.get(COLORMAP)
        self.image.setLookupTable(self.colormap.getLookupTable(nPts=256))
        # thin and many: drawn without antialiasing (several times faster on a raster device)
        self.contours = _curve(1.0, (255, 255, 255, 140), z=1, outline=False, antialias=False)
        self.arrows = _curve(1.4, (255, 255, 255, 225), z=2, antialias=False)
        self.slice_line = _curve(2.0, SLICE_COLOR, z=5, style=Qt.PenStyle.DashLine)
        self.tangent = _curve(2.0, TANGENT_COLOR, z=6, style=Qt.PenStyle.DotLine)
        self.gradient_arrow = _curve(3.0, GRADIENT_COLOR, z=7)
        self.point = _Handle(size=16, symbol="o")
        self.point.setZValue(20)
        self.point.setToolTip("Drag me: the readouts, the slice and the graph follow")
        self.direction_handle = _Handle(size=12, symbol="d")
        self.direction_handle.setZValue(19)
        self.direction_handle.setToolTip("Drag to turn the slice direction u")
        self.race_paths: list[pg.PlotCurveItem] = []
        # every path's dark outline in one item, without antialiasing: a wide antialiased
        # outline under each path was half of a start drag's repaint (4 of 7 ms for six
        # 501-point paths); drawn once and aliased it costs 1 ms and looks the same under the
        # antialiased colour on top
        self.race_outline = _curve(2.4 + 2.5, OUTLINE, z=9.5, outline=False, antialias=False)
        self.race_ends = pg.ScatterPlotItem(size=11, symbol="x")
        self._end_brushes = [pg.mkBrush(c) for c in RACE_COLORS]
        self.race_ends.setZValue(11)
        self.start = _Handle(size=18, symbol="o")
        self.start.setZValue(18)
        self.start.setToolTip("Where the optimizers start: drag me and every path follows")
        self.step_vectors = [
            _curve(3.5, "#ffffff", z=14),  # the step taken
            _curve(2.0, "#ffffff", z=13, style=Qt.PenStyle.DashLine),  # −η·g, the plain step
            _curve(2.0, "#ffffff", z=13, style=Qt.PenStyle.DotLine),  # −η·(buffer)
        ]
        self.step_labels = [pg.TextItem(anchor=(0, 1)) for _ in self.step_vectors]
        for it in (self.image, self.contours, self.arrows):
            item.addItem(it)
        overlays = (
            self.slice_line,
            self.tangent,
            self.gradient_arrow,
            self.point,
            self.direction_handle,
            self.race_outline,
            self.race_ends,
            self.start,
            *self.step_vectors,
            *self.step_labels,
        )
        for it in overlays:
            item.addItem(it, ignoreBounds=True)
        for it in (self.start, self.race_ends, self.race_outline, *self.step_vectors,
                   *self.step_labels):  # fmt: skip
            it.setVisible(False)
        for it in (self.point, self.direction_handle, self.start, self.race_ends):
            cache(it)  # small, and moved (not redrawn) on drags: a parameter drag blits them
        for name in ("bottom", "left"):  # as the plot's: redrawn only when the box moves
            cache(item.getAxis(name))
        self.colorbar = pg.ColorBarItem(
            colorMap=self.colormap, interactive=False, width=14, colorMapMenu=False
        )
        self.colorbar.setImageItem(self.image, insert_in=item)
        # two tick levels (pyqtgraph's third, every tenth of a major step, was half the cost of
        # redrawing the bar, which a parameter drag does on every step: its range moves)
        self.colorbar.axis.setStyle(maxTickLevel=1)
        # plain decimals, as on the plot: pyqtgraph's SI scale wrote "x (x0.001)" on a small
        # box and colour-bar ticks a millionth of their values, and it set the bar's (empty)
        # label again on every step of a parameter drag
        for axis in (item.getAxis("bottom"), item.getAxis("left"), self.colorbar.axis):
            axis.enableAutoSIPrefix(False)

    def _connect(self, model: ExplorerModel) -> None:
        self.view_box.sigRangeChanged.connect(self._on_range_changed)
        self.point.dragged.connect(model.set_point)
        self.direction_handle.dragged.connect(self._direction_dragged)
        self.start.dragged.connect(model.set_race_start)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        model.landscapeChanged.connect(self.show_landscape)
        model.surfaceChanged.connect(self.show_surface)
        model.landscapeSettingsChanged.connect(self._on_settings)
        model.expressionChanged.connect(lambda _e: self._label_axes())
        model.raceChanged.connect(self.show_race)
        model.raceSettingsChanged.connect(lambda _r: self._show_start())
        model.raceStepChanged.connect(self.show_race_step)
        self._label_axes()
        if model.landscape is not None:
            self.show_landscape(model.landscape)
        self.show_surface(model.surface)
        self.show_race(model.race)

    # ----------------------------------------------------------------- commands
    @property
    def log_scale(self) -> bool:
        return self._model.landscape_settings.log_scale

    @property
    def descent_arrows(self) -> bool:
        return self._model.landscape_settings.arrows == "descent"

    @property
    def arrows_hidden(self) -> bool:
        return self._model.landscape_settings.arrows == "off"

    def set_log_scale(self, on: bool) -> None:
        self._model.set_log_scale(on)

    def set_descent_arrows(self, on: bool) -> None:
        self._model.set_arrows("descent" if on else "gradient")

    def set_arrows_hidden(self, on: bool) -> None:
        self._model.set_arrows("off" if on else "gradient")

    def slice_along_x(self) -> None:
        self._model.set_direction(0.0)

    def slice_along_y(self) -> None:
        self._model.set_direction(90.0)

    def slice_along_gradient(self) -> None:
        s = self._model.surface
        if s is not None and s.grad_norm > 0 and math.isfinite(s.grad_norm):
            self._model.set_direction(math.degrees(math.atan2(s.gradient[1], s.gradient[0])))

    # ----------------------------------------------------------------- model → view
    def _on_settings(self, settings: LandscapeSettings) -> None:
        if settings.box is not None:
            self.apply_box(settings.box)
        self.show_surface(self._model.surface)

    def apply_box(self, box: tuple[float, float, float, float]) -> None:
        x0, x1, y0, y1 = box
        if not showable(box):
            return  # pyqtgraph would raise in this slot; the model refuses such boxes anyway
        (vx0, vx1), (vy0, vy1) = self.view_box.viewRange()
        tol = 1e-9 * max(x1 - x0, y1 - y0)
        inside = vx0 <= x0 + tol and vx1 >= x1 - tol and vy0 <= y0 + tol and vy1 >= y1 - tol
        snug = min(vx1 - vx0 - (x1 - x0), vy1 - vy0 - (y1 - y0)) <= tol
        if not (inside and snug):  # with the aspect locked the view may show a little more
            self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def show_landscape(self, data: LandscapeData | None) -> None:
        self._data = data
        if data is None:
            return
        self.apply_box(data.box)
        self.image.setImage(data.colors, autoLevels=False, levels=data.color_range)
        placed = (_image_rect(data), data.colors.shape)  # pixels are scaled onto the rect
        if placed != self._placed:  # setRect moves the scene's bounds: only when it changed
            self._placed = placed
            self.image.setRect(placed[0])
        if data.color_range != self.colorbar.levels():  # each call relayouts the bar's axis
            self.colorbar.setLevels(data.color_range)
        ticks = (data.log_scale, data.levels, data.color_range) if data.log_scale else False
        if ticks != self._bar:  # linear: pyqtgraph's own ticks, set once
            self._bar = ticks
            self._colorbar_ticks(data)
        self.contours.setData(*data.contours, connect="finite")
        self.arrows.setData(*data.arrows, connect="pairs")
        self._fresh = True
        self._cache_grid(False)
        self._cache_race()  # a parameter drag reruns the race only when it pauses
        self._show_start()  # the point follows: the model's surfaceChanged comes next

    def _cache_grid(self, on: bool) -> None:
        """The contours and arrows are drawn from a pixmap while only the overlays move
        (dragging the point or the start); when their data changes (a parameter drag) a pixmap
        would be filled and then drawn for one paint only, so they are drawn directly."""
        for it in (self.contours, self.arrows):
            set_cached(it, on)

    def _overlays_moved(self) -> None:
        if not self._fresh:
            self._cache_grid(True)
        self._cache_race()

    def _cache_race(self) -> None:
        """Something other than the race moves: its paths, drawn directly while the start was
        dragged, are blitted from a pixmap from now on (until the start moves again)."""
        for it in (*self.race_paths, self.race_outline):
            set_cached(it, True)

    def paintEvent(self, ev: QPaintEvent) -> None:
        super().paintEvent(ev)
        self._fresh = False

    def _fit_colorbar(self) -> None:
        """Room beside the bar for its tick labels and its title: pyqtgraph's own width for its
        own ticks (48 px, zoomed, once the fonts scale); a log scale's "3e+04" ran under
        "f (log scale)" in that room."""
        axis, scale = self.colorbar.axis, self._font_scale
        if not self._tick_texts:
            width = None if scale is None else round(48 * scale)
            self._bar_grown = None
        else:
            s = 1.0 if scale is None else scale
            metrics = QFontMetricsF(axis.style["tickFont"] or QFont())
            widest = max(metrics.horizontalAdvance(t) for t in self._tick_texts)
            title = QFontMetricsF(axis.label.font()).height()
            # in steps of 8 px: a parameter drag moves the levels on every step, and a bar a
            # pixel wider or narrower each time would jiggle the landscape
            step = 8 * s
            width = max(round(48 * s), round(math.ceil((widest + title + 12 * s) / step) * step))
            # never narrower for the same function and zoom: the view is aspect-locked, so the
            # bar's room moves the box, the box the levels, and the levels' labels may want the
            # room back (88 px wanted 96 and 96 wanted 88 at a = -3.65 for ever, the window
            # frozen); a new function, the linear scale or a zoom start again from the labels
            key = (self._model.state.expression, s)
            if self._bar_grown is not None and self._bar_grown[0] == key:
                width = max(width, self._bar_grown[1])
            self._bar_grown = (key, width)
        if width != self._bar_width:  # each call relayouts the plot
            self._bar_width = width
            axis.setWidth(width)

    def _colorbar_ticks(self, data: LandscapeData) -> None:
        """On a log scale the bar's axis is in log10(f − shift): label it with values of f."""
        axis = self.colorbar.axis
        if not data.log_scale:
            axis.setTicks(None)
            axis.setLabel("f")
            self._tick_texts = []
            self._fit_colorbar()
            return
        lo, hi = data.color_range
        ticks = []
        for level in data.levels:
            pos = math.log10(level - data.log_shift)
            if lo <= pos <= hi:
                ticks.append((pos, readout(level, 3)))
        axis.setTicks([ticks[::2], ticks[1::2]] if len(ticks) > 6 else [ticks])
        axis.setLabel("f (log scale)")
        self._tick_texts = [text for _, text in ticks]
        self._fit_colorbar()

    def show_surface(self, s: SurfacePointData | None) -> None:
        self._overlays_moved()
        shown = s is not None and math.isfinite(s.x) and math.isfinite(s.y)
        for it in (self.point, self.direction_handle, self.slice_line):
            it.setVisible(shown)
        self.gradient_arrow.setVisible(shown)
        self.tangent.setVisible(shown)
        if not shown:
            return
        assert s is not None
        self.point.setPos(QPointF(s.x, s.y))
        cell = self._cell()
        ux, uy = s.direction
        self.direction_handle.setPos(QPointF(s.x + 2.2 * cell * ux, s.y + 2.2 * cell * uy))
        far = 40 * cell
        line = ([s.x - far * ux, s.x + far * ux], [s.y - far * uy, s.y + far * uy])
        if line != self._slice_drawn:  # a parameter drag keeps it: no new path to stroke
            self._slice_drawn = line
            self.slice_line.setData(*line)
        gx, gy = s.gradient
        norm = s.grad_norm
        if not (math.isfinite(norm) and norm > 0):
            self.gradient_arrow.setVisible(False)
            self.tangent.setVisible(False)
            return
        length = 2.0 * cell  # a fixed length: the readouts give |∇f|, the arrow its direction
        vx, vy = gx / norm * length, gy / norm * length
        xs, ys = arrow_segments(np.array([s.x]), np.array([s.y]), np.array([vx]), np.array([vy]))
        self.gradient_arrow.setData(xs, ys, connect="pairs")
        tx, ty = -gy / norm * 1.6 * cell, gx / norm * 1.6 * cell  # perpendicular to ∇f
        self.tangent.setData([s.x - tx, s.x + tx], [s.y - ty, s.y + ty])

    def _cell(self) -> float:
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        return min(x1 - x0, y1 - y0) / 15

    def _label_axes(self) -> None:
        e = self._model.expression
        names = e.inputs if e is not None and e.two_inputs else ("x", "y")
        item = self.getPlotItem()
        item.setLabel("bottom", names[0])
        item.setLabel("left", names[1])

    # ----------------------------------------------------------------- the race
    def show_race(self, runs: tuple | None) -> None:
        self._overlays_moved()
        runs = runs or ()
        item = self.getPlotItem()
        while len(self.race_paths) < len(runs):
            path = _curve(2.4, "#ffffff", z=10, outline=False)
            item.addItem(path, ignoreBounds=True)
            self.race_paths.append(path)
        # a parameter drag reruns the race only when it pauses: the paths stay, drawn from a
        # pixmap; a start drag gives them new points on every step, so they are drawn directly
        start = self._model.race_settings.start
        cached = start == self._race_start_drawn
        self._race_start_drawn = start
        ends, drawn = [], []
        width = self._race_width()
        pixel = self._pixel()
        self._race_pixel = pixel if runs else None  # (what a zoom compares with)
        for i, path in enumerate(self.race_paths):
            if i >= len(runs):
                path.setVisible(False)
                continue
            color = RACE_COLORS[i % len(RACE_COLORS)]
            path.setPen(pg.mkPen(color, width=width))
            pts = self._drawable(runs[i].points)
            last = pts[np.isfinite(pts[:, 0])]
            if len(last):
                ends.append((*last[-1], i))
            pts = thinned(pts, pixel)
            path.setData(pts[:, 0], pts[:, 1], connect="finite")
            set_cached(path, cached)
            drop_cache(path)
            path.setVisible(True)
            drawn.append(pts)
        if drawn:
            gap = np.full((1, 2), np.nan)
            joined = np.concatenate([p for pts in drawn for p in (pts, gap)])
            self.race_outline.setPen(pg.mkPen(OUTLINE, width=width + 2.5))
            self.race_outline.setData(joined[:, 0], joined[:, 1], connect="finite")
            set_cached(self.race_outline, cached)
            drop_cache(self.race_outline)
        self.race_outline.setVisible(bool(drawn))
        self._show_ends(ends)
        self._show_start()

    def _show_ends(self, ends: list[tuple[float, float, int]]) -> None:
        """A cross where each run ended, in its colour (arrays, not spot dicts: a start drag
        moves them on every step)."""
        if ends:
            xs, ys, which = zip(*ends, strict=True)
            brushes = [self._end_brushes[i % len(RACE_COLORS)] for i in which]
            self.race_ends.setData(x=np.array(xs), y=np.array(ys), brush=brushes)
        else:
            self.race_ends.clear()
        drop_cache(self.race_ends)
        self.race_ends.setVisible(bool(ends))

    def _drawable(self, pts: np.ndarray) -> np.ndarray:
        """Far-away points of a diverging path become gaps: Qt cannot paint huge coordinates."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        w, h = x1 - x0, y1 - y0
        far = (np.abs(pts[:, 0] - (x0 + x1) / 2) > 20 * w) | (
            np.abs(pts[:, 1] - (y0 + y1) / 2) > 20 * h
        )
        out = pts.copy()
        out[far | ~np.isfinite(pts).all(axis=1)] = np.nan
        return out

    def _pixel(self) -> tuple[float, float] | None:
        """The size of a screen pixel in (x, y) units, None before the view has a size."""
        px, py = self.view_box.viewPixelSize()
        ok = all(math.isfinite(v) and v > 0 for v in (px, py))
        return (px, py) if ok else None

    def _race_width(self) -> float:
        return 2.4 * self.theme.plot.curve_width / 2.5 if hasattr(self, "theme") else 2.4

    def _show_start(self) -> None:
        on = self._model.two_inputs and bool(self._model.race_settings.optimizers)
        self.start.setVisible(on)
        if on:
            self.start.setPos(QPointF(*self._model.race_settings.start))

    def show_race_step(self, step: RaceStep | None) -> None:
        for it in (*self.step_vectors, *self.step_labels):
            it.setVisible(False)
        if step is None:
            return
        u = step.update
        px, py = u.before[0], u.before[1]
        g = u.terms["g"]
        vectors = [("Δ", u.step)]
        if step.run.spec.name == "sgd":  # its plain step: what descent without momentum takes
            vectors.append(("−η·g", [-u.lr * g[0], -u.lr * g[1]]))
        else:  # adaptive steps are not η·g: show −g's direction at the step's length
            norm_g, norm_d = math.hypot(*g), math.hypot(*u.step)
            if norm_g > 0:
                vectors.append(("−g", [-g[0] / norm_g * norm_d, -g[1] / norm_g * norm_d]))
        buffer = u.terms.get("buf") or u.terms.get("m_hat")
        if buffer is not None and step.run.spec.name in ("sgd", "rmsprop"):
            vectors.append(("−η·b", [-u.lr * buffer[0], -u.lr * buffer[1]]))
        color = RACE_COLORS[step.index % len(RACE_COLORS)]
        for (name, (vx, vy)), curve, label in zip(
            vectors, self.step_vectors, self.step_labels, strict=False
        ):
            xs, ys = arrow_segments(np.array([px]), np.array([py]), np.array([vx]), np.array([vy]))
            curve.setData(xs, ys, connect="pairs")
            curve.setPen(pg.mkPen(color if name == "Δ" else "#ffffff", width=3.0))
            label.setText(name, color="#ffffff")
            label.setPos(px + vx, py + vy)
            curve.setVisible(True)
            label.setVisible(True)

    # ----------------------------------------------------------------- view → model
    def _direction_dragged(self, x: float, y: float) -> None:
        s = self._model.surface
        if s is None:
            return
        angle = math.degrees(math.atan2(y - s.y, x - s.x))
        for axis in (-180.0, -90.0, 0.0, 90.0, 180.0):
            if abs(angle - axis) <= SNAP_DEGREES:
                angle = axis
        self._model.set_direction(angle)

    def _on_range_changed(self, _vb: object, ranges: list[list[float]]) -> None:
        if not self._model.two_inputs:
            return
        (x0, x1), (y0, y1) = ranges
        self._model.set_landscape_box(x0, x1, y0, y1)
        if self._race_pixel is not None and self._pixel() != self._race_pixel:
            self.show_race(self._model.race)  # zoomed: the paths are thinned for the new pixels

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.isAccepted():
            return
        if self.view_box.sceneBoundingRect().contains(ev.scenePos()):
            p = self.view_box.mapSceneToView(ev.scenePos())
            self._model.set_point(p.x(), p.y())

    def _on_mouse_moved(self, pos: QPointF) -> None:
        if self.view_box.sceneBoundingRect().contains(pos):
            p = self.view_box.mapSceneToView(pos)
            self.hovered.emit(p.x(), p.y())

    def keyPressEvent(self, ev: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Left: (-KEY_STEP, 0.0),
            Qt.Key.Key_Right: (KEY_STEP, 0.0),
            Qt.Key.Key_Down: (0.0, -KEY_STEP),
            Qt.Key.Key_Up: (0.0, KEY_STEP),
            Qt.Key.Key_PageDown: (0.0, -PAGE_STEP),
            Qt.Key.Key_PageUp: (0.0, PAGE_STEP),
        }
        s = self._model.surface
        if ev.key() in steps and s is not None:
            fx, fy = steps[ev.key()]
            (x0, x1), (y0, y1) = self.view_box.viewRange()
            self._model.set_point(s.x + fx * (x1 - x0), s.y + fy * (y1 - y0))
            ev.accept()
            return
        super().keyPressEvent(ev)

    # ----------------------------------------------------------------- looks
    def apply_theme(self, theme: Theme) -> None:
        t = theme.plot
        self.theme = theme
        self.setBackground(t.background)
        style_axes(self.getPlotItem(), t)
        self.colorbar.axis.setPen(pg.mkPen(t.axis))
        self.colorbar.axis.setTextPen(pg.mkPen(t.axis_text))
        k = t.curve_width / 2.5  # presentation mode: thicker lines, bigger handles
        self.point.setPen(pg.mkPen(t.point_border, width=max(2.0, t.marker_size / 8)))
        self.point.setBrush(pg.mkBrush(t.point))
        self.direction_handle.setBrush(pg.mkBrush(SLICE_COLOR))
        self.direction_handle.setPen(pg.mkPen("#000000", width=1.5))
        self.start.setBrush(pg.mkBrush(0, 0, 0, 0))
        self.start.setPen(pg.mkPen("#ffffff", width=3 * k))
        sizes = ((self.point, t.marker_size), (self.direction_handle, 12 * k), (self.start, 18 * k))
        for handle, size in sizes:
            resize_target(handle, size)
        lines = ((self.gradient_arrow, 3.0), (self.tangent, 2.0), (self.slice_line, 2.0))
        for curve, width in lines:
            pen = curve.opts["pen"]
            pen.setWidthF(width * k)
            curve.setPen(pen)
            curve.setShadowPen(pg.mkPen(OUTLINE, width=width * k + 2.5))
        arrows_pen = self.arrows.opts["pen"]
        arrows_pen.setWidthF(1.4 * k)
        self.arrows.setPen(arrows_pen)
        self.arrows.setShadowPen(pg.mkPen(OUTLINE, width=1.4 * k + 2.0))
        self.show_race(self._model.race)

    def set_font_scale(self, scale: float) -> None:
        item = self.getPlotItem()
        font = scale_axes_font(item, scale)
        self.colorbar.axis.setStyle(tickFont=font)
        self.colorbar.axis.label.setFont(font)
        self._font_scale = scale
        self._fit_colorbar()
        room_for_end_labels(item, font, top=True, right=False)  # the bar's end values
        for label in self.step_labels:
            label.setFont(font)
