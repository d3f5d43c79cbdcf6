"""What the model derives for the tools that read the curve: the points of interest over the
view, the Taylor polynomial at x, and the second function g(x) (its curve and its point).
Qt-free and never raising (a failure is "nothing to show", with the reason where there is
one), so the model can call it from any change."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gradexplorer.expr import Expression
from gradexplorer.lessons.points import (
    NARROWEST,
    PointsFound,
    find_points,
    search_problem,
    wider,
)
from gradexplorer.lessons.session import PointsSettings, TaylorSettings, Toggles, View
from gradexplorer.lessons.taylor import TaylorPolynomial, taylor_polynomial
from gradexplorer.ui.derived import CurveData, sample_curve
from gradexplorer.ui.plot_geometry import clip_for_drawing

_LOG = logging.getLogger(__name__)
TAYLOR_SAMPLES = 801
_NO_DERIVATIVES = Toggles(False, False)


@dataclass(frozen=True)
class SecondData:
    """g(x): its curve over the view (gaps at its poles) and its value and slope at x."""

    expression: Expression
    curve: CurveData | None
    x: float
    value: float
    derivative: float
    reason: str | None = None


def _search_range(view: View, settings: PointsSettings) -> tuple[float, float]:
    """The x range the points are looked for in: the view's (ten times wider with ``wide``)."""
    return wider(view[0], view[1]) if settings.wide else (view[0], view[1])


def too_narrow(view: View, settings: PointsSettings) -> str | None:
    """Why the view is zoomed in past what a search for points can resolve (the panel says
    it where the markers are gone), or None."""
    if search_problem(*_search_range(view, settings)) is None:
        return None
    return (
        "Zoomed in too far to look for points: zoom out (the view must be wider than "
        f"{NARROWEST:g} of its size)."
    )


def points_in_view(
    expression: Expression, params: Mapping[str, float], view: View, settings: PointsSettings
) -> PointsFound | None:
    """The points of interest over the view's x range (ten times wider with ``wide``);
    None when they are hidden or the search fails."""
    if not settings.shown or too_narrow(view, settings) is not None:
        return None
    lo, hi = _search_range(view, settings)
    try:
        return find_points(expression, params, lo, hi)
    except Exception:  # an engine failure costs the markers, never the app
        _LOG.exception("points of interest failed for %s", expression.canonical)
        return None


def taylor_at(
    expression: Expression, params: Mapping[str, float], x: float, settings: TaylorSettings
) -> TaylorPolynomial | None:
    """The Taylor polynomial at x when shown; None when hidden or the engine cannot (an op
    without a Taylor rule)."""
    if not settings.shown:
        return None
    try:
        return taylor_polynomial(expression, params, x, settings.order)
    except Exception:
        _LOG.exception("Taylor polynomial failed for %s", expression.canonical)
        return None


def taylor_curve(polynomial: TaylorPolynomial, view: View) -> tuple[np.ndarray, np.ndarray]:
    """Tₙ over the view, far off-screen values clamped for Qt (clip_for_drawing)."""
    x0, x1, y0, y1 = view
    xs = np.linspace(x0, x1, TAYLOR_SAMPLES)
    return xs, clip_for_drawing(polynomial.values(xs), y0, y1)


def second_function(
    expression: Expression, params: Mapping[str, float], view: View, x: float
) -> SecondData:
    """g's curve over the view and its point at x; nan where it has no value."""
    curve = None
    try:
        curve = sample_curve(expression, params, view, _NO_DERIVATIVES)
    except Exception:
        _LOG.exception("g(x) curve failed for %s", expression.canonical)
    return second_point(expression, params, x, curve)


def second_point(
    expression: Expression, params: Mapping[str, float], x: float, curve: CurveData | None
) -> SecondData:
    """g at x (and the curve already drawn)."""
    try:
        p = expression.at(x, params)
    except Exception as err:
        return SecondData(expression, curve, x, math.nan, math.nan, f"not computed ({err})")
    value = float(p.value)
    slope = float(p.derivative) if math.isfinite(value) else math.nan
    why = p.reason or (p.derivative_reason if not math.isfinite(slope) else None)
    return SecondData(expression, curve, x, value, slope, why)
