"""The pyqtgraph plot: curve, optional f′ and f′′ curves, tangent and a draggable point.

Items are created once and updated with setData. Overlays are added with ignoreBounds and the
view range is owned by the model (never pyqtgraph's auto-range), so poles cannot blow the
frame up and the tangent cannot drag it around.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QFontMetricsF, QKeyEvent, QPaintEvent
from PySide6.QtWidgets import QWidget

from gradexplorer import formatting
from gradexplorer.lessons.session.checks import range_problem
from gradexplorer.ui.focus import paint_focus_frame
from gradexplorer.ui.item_cache import cache, drop_cache
from gradexplorer.ui.model import CurveData, ExplorerModel, PointData, Trail
from gradexplorer.ui.plot_curves import ExtraCurves
from gradexplorer.ui.plot_geometry import clip_line
from gradexplorer.ui.plot_grid import GridLines
from gradexplorer.ui.plot_marks import PointMarks
from gradexplorer.ui.theme import LIGHT, PlotTheme, Theme

TRAIL_COLOR = "#7b2cbf"
TRAIL_TANGENT_COLOR = "#9d4edd"
TRAIL_COLOR_DARK = "#d7a6ff"
TRAIL_TANGENT_COLOR_DARK = "#b983ff"
TRAIL_TANGENT_FRACTION = 0.06  # half-length of a step's tangent, as a fraction of the view
TRAIL_FAR = 10.0  # trail points further than this many view spans away are not drawn


def showable(view: tuple[float, float, float, float]) -> bool:
    """Whether pyqtgraph's setRange can take this box: both axes usable ranges (finite width
    and middle; it raised "Cannot set range [-inf, inf]" from a slot for 1e308..1.5e308)."""
    x0, x1, y0, y1 = view
    return range_problem(x0, x1) is None and range_problem(y0, y1) is None


AXIS_LIMIT = 1e307  # pyqtgraph's ViewBox shows nothing beyond ±1e307 (its default limits)


class SafeViewBox(pg.ViewBox):
    """A ViewBox whose setRange never raises: a wheel turned out far (or a pan) beyond the
    floats made pyqtgraph compute an end of ±inf and raise from the wheel's slot. Each axis
    is clamped to ±AXIS_LIMIT, and an axis that still cannot be shown is left as it is."""

    def setRange(self, rect=None, xRange=None, yRange=None, *args, **kwargs):  # pyqtgraph's name
        if rect is not None:
            xRange, yRange = (rect.left(), rect.right()), (rect.top(), rect.bottom())
        xRange, yRange = _clamped_axis(xRange), _clamped_axis(yRange)
        if xRange is None and yRange is None:
            return None
        return super().setRange(None, xRange, yRange, *args, **kwargs)


def _clamped_axis(span: tuple[float, float] | None) -> tuple[float, float] | None:
    if span is None:
        return None
    lo, hi = sorted(max(-AXIS_LIMIT, min(AXIS_LIMIT, float(v))) for v in span)
    if lo == hi and math.isfinite(lo):
        return lo, hi  # pyqtgraph keeps the scale around one value
    return (lo, hi) if range_problem(lo, hi) is None else None


def style_axes(item: pg.PlotItem, t: PlotTheme) -> None:
    """The axes' lines, tick labels and titles in a theme's colours (plot and landscape)."""
    for name in ("bottom", "left"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(t.axis))
        axis.setTextPen(pg.mkPen(t.axis_text))  # tick labels and the axis title


def scale_axes_font(item: pg.PlotItem, scale: float) -> QFont:
    """The application's font scaled (a projector's zoom) on the bottom and left axes' ticks
    and titles; returned for the view's other texts. From the application's font, not the
    view's: the window has already zoomed that one, and scaling it again made tick labels grow
    with the square of the zoom."""
    font = QFont()
    font.setPointSizeF(max(6.0, font.pointSizeF() * scale))
    for name in ("bottom", "left"):
        item.getAxis(name).setStyle(tickFont=font)
        item.getAxis(name).label.setFont(font)
    return font


def resize_target(target: pg.TargetItem, size: float) -> None:
    """A TargetItem's on-screen size: it keeps it in `scale`, and its cached outline has to be
    dropped."""
    target.scale = size
    target._shape = None
    target.prepareGeometryChange()
    target.update()


def _never_widens(label: pg.LabelItem) -> None:
    """A title too long for its plot is cut at its end, its start at the plot's left: pyqtgraph
    asks the layout for the text's width, and the slice's legend (f along u = (0.71, 0.71),
    f′ = ∇f·u, f′′ = uᵀHu, tangent: ∇f·u) grew the plot past its widget, the view box's
    right part (the slice, its point) cut off instead. A line that fits stays centred."""

    def update_min() -> None:
        pg.LabelItem.updateMin(label)
        label.setMinimumWidth(0)

    def resize_event(ev: object) -> None:
        fits = label.item.boundingRect().width() <= label.rect().width()
        label.opts["justify"] = "center" if fits else "left"
        pg.LabelItem.resizeEvent(label, ev)

    label.updateMin = update_min  # (pyqtgraph calls both on the instance, Qt the second)
    label.resizeEvent = resize_event


def room_for_end_labels(item: pg.PlotItem, font: QFont, *, top: bool, right: bool) -> None:
    """Margins for the tick labels centred on a view's last ticks: pyqtgraph drops a label that
    would stick out of the widget (the plot's x = 5) or lets the edge cut it (the colour bar's
    top value)."""
    metrics = QFontMetricsF(font)
    left, old_top, old_right, bottom = item.layout.getContentsMargins()
    item.layout.setContentsMargins(
        left,
        math.ceil(metrics.height() / 2) if top else old_top,
        math.ceil(metrics.horizontalAdvance("−0.00") / 2) if right else old_right,
        bottom,
    )


class DragPoint(pg.TargetItem):
    """The point on the curve; dragging it reports the x under the mouse (the model then puts
    the point back on the curve), so the point can only travel along the graph."""

    dragged = Signal(float)

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        pos = self.mapToView(ev.pos())
        if pos is not None:
            self.dragged.emit(float(pos.x()))


class PlotView(pg.PlotWidget):
    hovered = Signal(float, float)  # data coordinates under the mouse

    def __init__(self, model: ExplorerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w", viewBox=SafeViewBox())
        self.setObjectName("plotWidget")
        self.setAccessibleName("Plot of f(x) with the tangent at x")
        self.setToolTip(
            "Drag the red point (or click the plot) to move x. Drag empty space to pan, wheel to"
            " zoom; the curve is re-sampled for what you see. View ▸ Reset view frames it again."
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._model = model
        item = self.getPlotItem()
        self.view_box = item.getViewBox()
        item.hideButtons()
        item.setMenuEnabled(False)  # its "View All" would auto-range onto poles
        self.view_box.disableAutoRange()
        item.setLabel("bottom", "x")
        item.setLabel("left", "y")
        for name in ("bottom", "left"):
            # plain decimals always: pyqtgraph's "y (x0.001)" made students read 500 for 0.5
            item.getAxis(name).enableAutoSIPrefix(False)
            # a label at the view's end may stick out half its size (into room_for_end_labels)
            item.getAxis(name).setStyle(hideOverlappingLabels=False)
        self._legend_scale = 1.0
        _never_widens(item.titleLabel)  # the legend's line
        self._coordinate, self._value_name = "x", "f(x)"  # the plot's x and y (_label_slice)
        room_for_end_labels(item, QFont(), top=False, right=True)
        self._build_items(item)
        self.apply_theme(LIGHT)  # pens, brushes and the legend
        self._connect(model)

    def _build_items(self, item: pg.PlotItem) -> None:
        """Every item is made once; changes only call setData. Overlays ignore bounds so they
        never drag the view around."""
        self.grid = GridLines(item)  # and the zero lines
        # Antialiased curves are affordable: they are drawn into a pixmap cache (below) once per
        # recompute, not on every x step.
        self.curve_item = pg.PlotCurveItem(name="f(x)", antialias=True)
        self.d1_item = pg.PlotCurveItem(name="f′(x)", antialias=True)
        self.d2_item = pg.PlotCurveItem(name="f′′(x)", antialias=True)
        self.tangent_item = pg.PlotCurveItem(name="tangent", antialias=True)
        self.marker = DragPoint(size=16, symbol="o")
        self.marker.setZValue(10)
        self.marker.setToolTip("Drag me along the curve to move x")
        self.marker.setVisible(False)  # until there is a point (a bad start has none)
        # The descent trail (model.trail): segments between visited points, the points, the
        # latest one emphasised, and optionally the tangent at each step. Below the marker.
        self.trail_tangents = pg.PlotCurveItem(antialias=True)
        self.trail_line = pg.PlotCurveItem(antialias=True)
        self.trail_points = pg.ScatterPlotItem(size=8)
        self.trail_head = pg.ScatterPlotItem(size=13, symbol="d")
        self._trail: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
        trail = (self.trail_tangents, self.trail_line, self.trail_points, self.trail_head)
        for z, it in enumerate(trail):
            it.setZValue(5 + z)
            it.setVisible(False)
        curves = (self.curve_item, self.d1_item, self.d2_item, self.tangent_item)
        for it in (*curves, self.marker, *trail):
            item.addItem(it, ignoreBounds=True)
        # Moving x repaints most of the plot (the tangent spans it), but only the tangent and
        # the point change: the axes and the curves are blitted from pixmap caches that
        # pyqtgraph invalidates itself (update()) on setData or a range change.
        cached = [item.getAxis("bottom"), item.getAxis("left")]
        for it in (*cached, self.curve_item, self.d1_item, self.d2_item):
            cache(it)
        # The points of interest, the Taylor polynomial and g(x) (model overlays)
        self.marks = PointMarks(item)
        self.extra = ExtraCurves(item)
        # The legend is a line above the view box, never over the data or the point.
        self._legend_items = [self.curve_item, self.tangent_item]
        # Where the point is when the view does not show it: a note at the edge it lies beyond.
        self.off_screen = pg.TextItem(anchor=(0.5, 0.5))
        self.off_screen.setZValue(20)
        self.off_screen.setVisible(False)
        item.addItem(self.off_screen, ignoreBounds=True)

    def _connect(self, model: ExplorerModel) -> None:
        self.view_box.sigRangeChanged.connect(self._on_range_changed)
        self.marker.dragged.connect(model.move_on_plot)  # along the slice for two inputs
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        model.curveChanged.connect(self.show_curve)
        model.pointChanged.connect(self.show_point)
        model.viewRangeChanged.connect(self.apply_view)
        model.togglesChanged.connect(self._on_toggles)
        model.trailChanged.connect(self.show_trail)
        model.expressionChanged.connect(lambda _e: self._label_slice())
        model.landscapeSettingsChanged.connect(lambda _s: self._label_slice())
        model.pointsChanged.connect(lambda found: self.marks.show(found, self._model.view_range))
        model.pointsPendingChanged.connect(self.marks.set_pending)
        model.taylorChanged.connect(self._on_taylor)
        model.secondChanged.connect(self._on_second)
        self.marks.clicked.connect(model.set_x_extending)
        self.apply_view(model.view_range)
        self.marks.show(model.points, model.view_range)
        self._on_taylor(model.taylor)
        self._on_second(model.second)
        if model.curve is not None:
            self.show_curve(model.curve)
        if model.point is not None:
            self.show_point(model.point)
        if model.trail is not None:
            self.show_trail(model.trail)

    # model → plot
    def apply_view(self, view: tuple[float, float, float, float]) -> None:
        x0, x1, y0, y1 = view
        if not showable(view):
            return  # pyqtgraph would raise in this slot; the model refuses such views anyway
        if tuple(np.ravel(self.view_box.viewRange())) != (x0, x1, y0, y1):
            self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        if self._model.point is not None:
            self.show_point(self._model.point)
        if self._trail is not None:  # tangent lengths and far-point culling follow the view
            self._draw_trail()
        self.marks.redraw(view)  # pole lines span the view, the note sits in it
        self.extra.redraw(view)

    def show_curve(self, curve: CurveData) -> None:
        self.curve_item.setData(curve.x, curve.y, connect="finite")
        drop_cache(self.curve_item)
        for item, data in (
            (self.d1_item, curve.derivative),
            (self.d2_item, curve.second_derivative),
        ):
            if data is None:
                item.setVisible(False)
            else:
                item.setData(data[0], data[1], connect="finite")
                drop_cache(item)
                item.setVisible(True)

    def show_point(self, point: PointData) -> None:
        x, y, slope = point.x, point.value, point.derivative
        if math.isfinite(x) and math.isfinite(y):
            self.marker.setPos(QPointF(x, y))
            self.marker.setVisible(True)
        else:
            self.marker.setVisible(False)
        self._show_off_screen(x, y)
        ends = clip_line(x, y, slope, self._model.view_range)
        if ends is None:
            self.tangent_item.setVisible(False)
        else:
            (xa, ya), (xb, yb) = ends
            self.tangent_item.setData(np.array([xa, xb]), np.array([ya, yb]))
            self.tangent_item.setVisible(True)

    def _show_off_screen(self, x: float, y: float) -> None:
        """A note at the edge of the view the point lies beyond, with its coordinates: a lone
        vertical tangent (1/x at x = −0.001) said nothing about where the point went."""
        x0, x1, y0, y1 = self._model.view_range
        text = formatting.readout
        w, h = x1 - x0, y1 - y0
        if math.isfinite(x) and not math.isfinite(y):
            # no point to draw (ln at x = -1): say where x is and that f has no value there
            self.off_screen.setText(f"▼ {self._coordinate} = {text(x, 4)}: f has no value here")
            self.off_screen.setPos(min(max(x, x0 + 0.25 * w), x1 - 0.25 * w), y1 - 0.06 * h)
            self.off_screen.setVisible(True)
            return
        inside = x0 <= x <= x1 and y0 <= y <= y1
        if not (math.isfinite(x) and math.isfinite(y)) or inside:
            self.off_screen.setVisible(False)
            return
        arrow = "◀" if x < x0 else "▶" if x > x1 else "▼" if y < y0 else "▲"
        where, value = self._coordinate, self._value_name  # x and f(x), or the slice's
        self.off_screen.setText(
            f"{arrow} point off screen: {where} = {text(x, 4)}, {value} = {text(y, 4)}"
        )
        # inside the edge it lies beyond, far enough that the whole note shows
        px = min(max(x, x0 + 0.25 * w), x1 - 0.25 * w)
        py = min(max(y, y0 + 0.06 * h), y1 - 0.06 * h)
        self.off_screen.setPos(px, py)
        self.off_screen.setVisible(True)

    def off_screen_text(self) -> str:
        """The note about a point not drawn: off screen, or where f has no value ("" when the
        point is in view), for tests and accessibility."""
        return self.off_screen.toPlainText() if self.off_screen.isVisible() else ""

    # descent trail overlay (model.trail)
    def show_trail(self, trail: Trail | None) -> None:
        """Visited points joined in order, the last one emphasised, and with slopes a short
        tangent at each point. Non-finite points are skipped (and break the line there)."""
        if trail is None:
            self._trail = None
            for it in (self.trail_tangents, self.trail_line, self.trail_points, self.trail_head):
                it.setData([], [])
                it.setVisible(False)
            return
        x = np.asarray(trail.xs, dtype=float)
        y = np.asarray(trail.ys, dtype=float)
        k = None if trail.slopes is None else np.asarray(trail.slopes, dtype=float)
        self._trail = (x, y, k)
        self._draw_trail()

    def trail(self) -> tuple[np.ndarray, np.ndarray]:
        """The trail points as given to set_trail (empty when cleared), for tests and export."""
        if self._trail is None:
            return np.empty(0), np.empty(0)
        return self._trail[0].copy(), self._trail[1].copy()

    def _draw_trail(self) -> None:
        assert self._trail is not None
        x, y, k = self._trail
        x0, x1, y0, y1 = self._model.view_range
        w, h = x1 - x0, y1 - y0
        # Points far outside the view (a diverging run) are not drawn: Qt cannot paint huge
        # coordinates reliably, and they would only be off-screen anyway.
        ok = (
            np.isfinite(x)
            & np.isfinite(y)
            & (np.abs(x - (x0 + x1) / 2) <= TRAIL_FAR * w)
            & (np.abs(y - (y0 + y1) / 2) <= TRAIL_FAR * h)
        )
        lx, ly = np.where(ok, x, np.nan), np.where(ok, y, np.nan)
        self.trail_line.setData(lx, ly, connect="finite")
        self.trail_points.setData(x[ok], y[ok])
        last = len(x) - 1
        if last >= 0 and ok[last]:
            self.trail_head.setData([x[last]], [y[last]])
        else:
            self.trail_head.setData([], [])
        self.trail_line.setVisible(len(x) > 1)
        self.trail_points.setVisible(bool(ok.any()))
        self.trail_head.setVisible(last >= 0 and bool(ok[last]))
        if k is None or w <= 0 or h <= 0:
            self.trail_tangents.setData([], [])
            self.trail_tangents.setVisible(False)
            return
        # Same on-screen length whatever the slope: measure in view fractions, not data units.
        good = ok & np.isfinite(k)
        kx, ky, kk = x[good], y[good], k[good]
        dx = TRAIL_TANGENT_FRACTION * w / np.sqrt(1.0 + (kk * w / h) ** 2)
        seg_x = np.column_stack([kx - dx, kx + dx]).reshape(-1)
        seg_y = np.column_stack([ky - kk * dx, ky + kk * dx]).reshape(-1)
        self.trail_tangents.setData(seg_x, seg_y, connect="pairs")
        self.trail_tangents.setVisible(len(kx) > 0)

    def _label_slice(self) -> None:
        """With two inputs the plot is the slice through the point: its legend says along what
        and that the tangent's slope is ∇f·u, its vertical axis that the values are f's."""
        e, item = self._model.expression, self.getPlotItem()
        if e is None or not e.two_inputs:
            labels = ("x", "y", "f(x)", "tangent", "f′(x)", "f′′(x)", "x", "f(x)")
        else:
            direction = self._model.landscape_settings.direction
            ux, uy = self._model.landscape_settings.unit
            axis = {0.0: e.inputs[0], 90.0: e.inputs[1]}.get(direction)
            where = f"along {axis}" if axis else f"along u = ({ux:.2f}, {uy:.2f})"
            # the values are f's: "y" up the side read as the input y (both axes said y)
            labels = (axis or "t, the position along u", "f", f"f {where}", "tangent: ∇f·u",
                      "f′ = ∇f·u", "f′′ = uᵀHu", axis or "t", "f")  # fmt: skip
        if labels == getattr(self, "_slice_labels", None):  # relayout only on a change
            return
        self._slice_labels = labels
        bottom, left, *names, self._coordinate, self._value_name = labels
        item.setLabel("bottom", bottom)
        item.setLabel("left", left)
        for curve, name in zip(
            (self.curve_item, self.tangent_item, self.d1_item, self.d2_item), names, strict=True
        ):
            curve.opts["name"] = name  # their names on the legend's line
        self._rebuild_legend()

    def tangent_slope(self) -> float:
        """Slope of the drawn tangent line, read back from its data (for tests)."""
        xs, ys = self.tangent_item.getData()
        if not self.tangent_item.isVisible() or xs is None or len(xs) < 2:
            return math.nan
        return float((ys[1] - ys[0]) / (xs[1] - xs[0]))

    def _on_toggles(self) -> None:
        self._legend_items = [self.curve_item]
        if self._model.show_derivative:
            self._legend_items.append(self.d1_item)
        if self._model.show_second_derivative:
            self._legend_items.append(self.d2_item)
        self._legend_items += [*self.extra.legend_items(), self.tangent_item]
        self._rebuild_legend()

    def _on_taylor(self, polynomial: object) -> None:
        self.extra.show_taylor(polynomial, self._model.view_range)  # type: ignore[arg-type]
        self._on_toggles()

    def _on_second(self, second: object) -> None:
        self.extra.show_second(second, self._model.view_range)  # type: ignore[arg-type]
        self._on_toggles()

    def _rebuild_legend(self) -> None:
        self.getPlotItem().setTitle(self.legend_html(), size=f"{10 * self._legend_scale:.1f}pt")

    def legend_html(self) -> str:
        """The legend line: a stroke in each shown curve's colour and style, then its name."""
        strokes = {Qt.PenStyle.DashLine: "╌╌", Qt.PenStyle.DotLine: "┈┈"}
        parts = []
        for item in self._legend_items:
            pen = item.opts["pen"]
            glyph = strokes.get(pen.style(), "━━")
            parts.append(
                f"<span style='color:{pen.color().name()}'><b>{glyph}</b></span>&nbsp;"
                f"<span style='color:{self.theme.plot.legend_text}'>{item.name()}</span>"
            )
        return "&nbsp;&nbsp;&nbsp;&nbsp;".join(parts)

    # plot → model
    def _on_range_changed(self, _vb: object, ranges: list[list[float]]) -> None:
        (x0, x1), (y0, y1) = ranges
        self._model.set_view_range(x0, x1, y0, y1)

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.isAccepted():
            return
        if self.view_box.sceneBoundingRect().contains(ev.scenePos()):
            self._model.move_on_plot(self.view_box.mapSceneToView(ev.scenePos()).x())

    def _on_mouse_moved(self, pos: QPointF) -> None:
        if self.view_box.sceneBoundingRect().contains(pos):
            p = self.view_box.mapSceneToView(pos)
            self.hovered.emit(p.x(), p.y())

    def keyPressEvent(self, ev: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Left: -1 / 200,
            Qt.Key.Key_Right: 1 / 200,
            Qt.Key.Key_PageDown: -1 / 20,
            Qt.Key.Key_PageUp: 1 / 20,
        }
        if ev.key() in steps:
            self._model.step_on_plot(steps[ev.key()])
            ev.accept()
            return
        super().keyPressEvent(ev)

    def apply_theme(self, theme: Theme) -> None:
        """Background, axes, grid, curve colours, line widths and point size of a theme."""
        t = theme.plot
        self.theme = theme
        self.setBackground(t.background)
        item = self.getPlotItem()
        style_axes(item, t)
        self.grid.set_style(
            t.axis, t.grid_alpha, t.background, t.zero_line, max(1.0, t.curve_width / 2.5)
        )
        self.curve_item.setPen(pg.mkPen(t.curve, width=t.curve_width))
        self.d1_item.setPen(pg.mkPen(t.d1, width=t.derivative_width, style=Qt.PenStyle.DashLine))
        self.d2_item.setPen(pg.mkPen(t.d2, width=t.derivative_width, style=Qt.PenStyle.DotLine))
        self.tangent_item.setPen(pg.mkPen(t.tangent, width=t.tangent_width))
        border = max(2.0, t.marker_size / 8)
        self.marker.setPen(pg.mkPen(t.point_border, width=border))
        self.marker.setBrush(pg.mkBrush(t.point))
        resize_target(self.marker, t.marker_size)
        self.off_screen.setColor(t.axis_text)
        self.off_screen.fill = pg.mkBrush(t.legend_fill)
        self.marks.apply_theme(theme)
        self.extra.apply_theme(theme)
        self._rebuild_legend()
        self._style_trail(theme)

    def _style_trail(self, theme: Theme) -> None:
        """Trail colours that stand out on the theme's background, widths that grow with the
        curve's (presentation mode)."""
        t = theme.plot
        k = t.curve_width / 2.5
        colour = TRAIL_COLOR_DARK if theme.dark else TRAIL_COLOR
        tangent = TRAIL_TANGENT_COLOR_DARK if theme.dark else TRAIL_TANGENT_COLOR
        self.trail_line.setPen(pg.mkPen(colour, width=1.5 * k, style=Qt.PenStyle.DashLine))
        self.trail_tangents.setPen(pg.mkPen(tangent, width=3 * k))
        for item, size in ((self.trail_points, 8), (self.trail_head, 13)):
            item.setSize(size * k)
            item.setPen(pg.mkPen(t.background, width=k))
            item.setBrush(pg.mkBrush(colour))

    def set_font_scale(self, scale: float) -> None:
        item = self.getPlotItem()
        font = scale_axes_font(item, scale)
        room_for_end_labels(item, font, top=False, right=True)
        self._legend_scale = scale
        self.off_screen.setFont(font)
        self.marks.more.setFont(font)
        self._rebuild_legend()  # (the slice's words are on its line)

    # ----------------------------------------------------------------- focus
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_focus_frame(self)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()
