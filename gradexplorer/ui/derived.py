"""What the model derives from a session state: the sampled curve (with its gaps at poles and
jumps), the point evaluation with its backward trace, and the forward-mode trace of one seed.
Qt-free, so it is tested without a display; the model calls it and emits the results."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradexplorer.autograd import BackwardTrace, ForwardTrace
from gradexplorer.expr import Expression
from gradexplorer.lessons.session import Toggles, View
from gradexplorer.ui.plot_geometry import break_discontinuities, clip_for_drawing, robust_y_range

SAMPLES = 2001  # odd, so x = 0 lands on the grid of a symmetric view
_CHANNELS = {"value": 0, "derivative": 1, "second_derivative": 2}


@dataclass(frozen=True)
class PointData:
    """The expression evaluated at the current x (floats may be nan/inf)."""

    x: float
    value: float
    derivative: float
    second_derivative: float
    gradient: dict[str, float]
    trace: BackwardTrace | None
    reason: str | None = None  # why f has no value here (expr.Point.reason)
    derivative_reason: str | None = None  # why a derivative (f′ first) has none where f has one


@dataclass(frozen=True)
class CurveData:
    """Polylines ready for setData(connect="finite"): NaN marks a gap."""

    x: np.ndarray
    y: np.ndarray
    derivative: tuple[np.ndarray, np.ndarray] | None = None
    second_derivative: tuple[np.ndarray, np.ndarray] | None = None
    view: View = (0.0, 1.0, 0.0, 1.0)


def _as_float(value: Any) -> float:
    try:
        return float(np.asarray(value, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return math.nan


def evaluate_point(expression: Expression, x: float, params: Mapping[str, float]) -> PointData:
    """f, f′, f″ and every partial at x, with the trace; never raises (nan where it fails)."""
    try:
        p = expression.at(x, params, trace=True)
    except Exception as err:  # an engine error must not reach a Qt slot: the point is undefined
        nan = math.nan
        return PointData(x, nan, nan, nan, {}, None, f"the engine could not evaluate it ({err})")
    value = _as_float(p.value)
    # The engine follows PyTorch (d ln x/dx at x = -1 is -1 although ln(-1) is nan); a student
    # reads "undefined" for every derivative where f itself is undefined.
    ok = 1.0 if math.isfinite(value) else math.nan
    return PointData(
        x,
        value,
        _as_float(p.derivative) * ok,
        _as_float(p.second_derivative) * ok,
        {k: _as_float(v) * ok for k, v in dict(p.gradient).items()},
        p.trace,
        p.reason,
        p.derivative_reason,
    )


def evaluate_forward(
    expression: Expression, x: float, params: Mapping[str, float], seed: str
) -> ForwardTrace | None:
    """The trace of the forward-mode pass seeded on `seed`; None when it cannot be made (an op
    defined without tangent rules, an engine error): never raises."""
    try:
        return expression.forward(x, params, seed, trace=True).trace
    except Exception:  # an engine error must not reach a Qt slot: no forward graph here
        return None


def fit_y(values: Any) -> tuple[float, float]:
    """The y range that frames sampled values (-1..1 when there is nothing to frame)."""
    y0, y1 = robust_y_range(np.asarray(values, dtype=float).ravel())
    if not (math.isfinite(y0) and math.isfinite(y1) and y0 < y1):
        return -1.0, 1.0
    return y0, y1


def sample_curve(
    expression: Expression,
    params: Mapping[str, float],
    view: View,
    toggles: Toggles,
    *,
    frame_y: bool = False,
) -> CurveData:
    """The curve (and f′, f″ when toggled on) over the view's x range. With ``frame_y`` the y
    range is chosen from the same samples that draw the curve; the result's ``view`` is the one
    the curve was drawn for. Raises what the engine raises (the model keeps the last curve)."""
    x0, x1, y0, y1 = view
    order = 2 if toggles.show_second_derivative else int(toggles.show_derivative)
    xs = np.linspace(x0, x1, SAMPLES)
    s = expression.sample(xs, params, derivatives=order)
    if frame_y:  # frame what is shown: f, and f′ and f″ when they are drawn
        shown = [s.value]
        if toggles.show_derivative:
            shown.append(s.derivative)
        if toggles.show_second_derivative:
            shown.append(s.second_derivative)
        y0, y1 = fit_y(np.concatenate([np.broadcast_to(v, xs.shape) for v in shown]))
    span = y1 - y0

    def polyline(values: Any, channel: str) -> tuple[np.ndarray, np.ndarray]:
        ys = np.broadcast_to(np.asarray(values, dtype=float), xs.shape)
        k = _CHANNELS[channel]

        def evaluate(at: np.ndarray) -> np.ndarray:
            return np.asarray(getattr(expression.sample(at, params, derivatives=k), channel))

        try:
            bx, by = break_discontinuities(xs, ys, span, evaluate)
        except Exception:  # a failed refinement only costs the gap, not the curve
            bx, by = xs, ys
        return bx, clip_for_drawing(by, y0, y1)

    defined = np.isfinite(np.broadcast_to(np.asarray(s.value, dtype=float), xs.shape))
    cx, cy = polyline(s.value, "value")
    d1 = d2 = None
    if toggles.show_derivative:  # no f′ curve where f is undefined (as at the point)
        d1 = polyline(np.where(defined, s.derivative, np.nan), "derivative")
    if toggles.show_second_derivative:
        d2 = polyline(np.where(defined, s.second_derivative, np.nan), "second_derivative")
    return CurveData(cx, cy, d1, d2, (x0, x1, y0, y1))
