"""The curves the plot draws besides f: the Taylor polynomial of f at x (model.taylor), and the
second function g(x) with its own tangent and point at the same x (model.second)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

from gradexplorer.lessons.session import View
from gradexplorer.lessons.taylor import TaylorPolynomial
from gradexplorer.ui.curve_tools import SecondData, taylor_curve
from gradexplorer.ui.plot_geometry import clip_line
from gradexplorer.ui.theme import LIGHT, Theme


class ExtraCurves:
    """Items made once and updated with setData; all ignore bounds (the model owns the view)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.taylor_item = pg.PlotCurveItem(name="Taylor polynomial", antialias=True)
        self.second_item = pg.PlotCurveItem(name="g(x)", antialias=True)
        self.second_tangent = pg.PlotCurveItem(name="tangent of g", antialias=True)
        self.second_point = pg.ScatterPlotItem(size=10, useCache=False)  # vector in exports
        for z, item in enumerate(
            (self.second_item, self.second_tangent, self.taylor_item, self.second_point)
        ):
            item.setZValue(2 + z / 10)  # above f's curve, below the trail and the markers
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self._taylor: TaylorPolynomial | None = None
        self._second: SecondData | None = None
        self.apply_theme(LIGHT)

    def show_taylor(self, polynomial: TaylorPolynomial | None, view: View) -> None:
        self._taylor = polynomial
        if polynomial is None or not polynomial.defined:
            self.taylor_item.setData([], [])
            self.taylor_item.setVisible(False)
            return
        xs, ys = taylor_curve(polynomial, view)
        self.taylor_item.setData(xs, ys, connect="finite")
        self.taylor_item.opts["name"] = f"Taylor {polynomial.name()}"
        self.taylor_item.setVisible(True)

    def show_second(self, second: SecondData | None, view: View) -> None:
        self._second = second
        shown = second is not None and second.curve is not None
        for item in (self.second_item, self.second_tangent, self.second_point):
            item.setVisible(shown)
        if not shown:
            return
        assert second is not None and second.curve is not None
        self.second_item.setData(second.curve.x, second.curve.y, connect="finite")
        ok = math.isfinite(second.value)
        self.second_point.setData([second.x] if ok else [], [second.value] if ok else [])
        ends = clip_line(second.x, second.value, second.derivative, view)
        if ends is None:
            self.second_tangent.setData([], [])
        else:
            (xa, ya), (xb, yb) = ends
            self.second_tangent.setData(np.array([xa, xb]), np.array([ya, yb]))

    def redraw(self, view: View) -> None:
        """After a pan or zoom: the polynomial over the new view, g's tangent cut to it (g's
        curve comes again from the model, resampled)."""
        self.show_taylor(self._taylor, view)
        if self._second is not None:
            self.show_second(self._second, view)

    def second_point_at(self) -> QPointF | None:
        """Where g's point is drawn (for tests), None when it is not."""
        xs, ys = self.second_point.getData()
        if not self.second_point.isVisible() or xs is None or len(xs) == 0:
            return None
        return QPointF(float(xs[0]), float(ys[0]))

    def legend_items(self) -> list[pg.PlotCurveItem]:
        return [i for i in (self.second_item, self.taylor_item) if i.isVisible()]

    def apply_theme(self, theme: Theme) -> None:
        t = theme.plot
        self.taylor_item.setPen(
            pg.mkPen(t.taylor, width=t.derivative_width * 1.1, style=Qt.PenStyle.DashDotLine)
        )
        self.second_item.setPen(pg.mkPen(t.second, width=t.curve_width * 0.9))
        self.second_tangent.setPen(
            pg.mkPen(t.second, width=t.tangent_width * 0.8, style=Qt.PenStyle.DashLine)
        )
        self.second_point.setSize(t.marker_size * 0.65)
        self.second_point.setPen(pg.mkPen(t.point_border, width=max(1.5, t.marker_size / 12)))
        self.second_point.setBrush(pg.mkBrush(t.second))
