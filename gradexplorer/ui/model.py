"""Session state of the explorer and the signals widgets subscribe to.

The model owns everything a session is (typed text, the last valid expression, x, parameters
with their ranges, the visible range, display toggles) and the numbers derived from it (the
sampled curve and the point evaluation with its backward trace). Widgets never compute: they
call the setters and render what the signals deliver. State round-trips through a plain dict
(`to_state` / `apply_state`) so sessions can be saved and restored by the lessons layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from gradexplorer.errors import ExprError, SessionError
from gradexplorer.expr import Expression, parse
from gradexplorer.ui.numbers import break_discontinuities, clip_for_drawing, robust_y_range

DEFAULT_EXPRESSION = "x^2 + 3x"
DEFAULT_RANGE = (-5.0, 5.0)
DEFAULT_PARAM_VALUE = 1.0  # what Expression.at uses for a missing parameter
SAMPLES = 2001  # odd, so x = 0 lands on the grid of a symmetric view
STATE_VERSION = 1


@dataclass
class ParamState:
    value: float
    minimum: float = DEFAULT_RANGE[0]
    maximum: float = DEFAULT_RANGE[1]


@dataclass(frozen=True)
class PointData:
    """The expression evaluated at the current x (floats may be nan/inf)."""

    x: float
    value: float
    derivative: float
    second_derivative: float
    gradient: dict[str, float]
    trace: Any  # BackwardTrace | None


@dataclass(frozen=True)
class CurveData:
    """Polylines ready for setData(connect="finite"): NaN marks a gap."""

    x: np.ndarray
    y: np.ndarray
    derivative: tuple[np.ndarray, np.ndarray] | None = None
    second_derivative: tuple[np.ndarray, np.ndarray] | None = None
    view: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)


@dataclass
class _Toggles:
    show_derivative: bool = False
    show_second_derivative: bool = False
    show_edge_labels: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _as_float(value: Any) -> float:
    try:
        return float(np.asarray(value, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return math.nan


class ExplorerModel(QObject):
    textChanged = Signal(str)  # the typed text, valid or not
    expressionChanged = Signal(object)  # a new valid Expression
    errorChanged = Signal(object)  # ExprError, or None when the text is valid again
    xChanged = Signal(float)
    xRangeChanged = Signal(float, float)
    paramsChanged = Signal(tuple)  # the set of parameter names changed
    paramChanged = Signal(str)  # value or range of one parameter changed
    viewRangeChanged = Signal(object)  # (x0, x1, y0, y1)
    togglesChanged = Signal()
    curveChanged = Signal(object)  # CurveData
    pointChanged = Signal(object)  # PointData

    def __init__(
        self,
        expression: str = DEFAULT_EXPRESSION,
        x: float = 1.0,
        params: dict[str, float] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._text = ""
        self._expression: Expression | None = None
        self._error: ExprError | None = None
        self._x = 0.0
        self._x_range = DEFAULT_RANGE
        self._params: dict[str, ParamState] = {}
        self._remembered: dict[str, ParamState] = {}  # parameters typed away keep their value
        self._view = (*DEFAULT_RANGE, -1.0, 1.0)
        self._toggles = _Toggles()
        self._curve: CurveData | None = None
        self._point: PointData | None = None
        self.curve_computations = 0  # counters let tests check what work a change caused
        self.point_computations = 0
        for name, value in (params or {}).items():
            self._remembered[name] = self._param_state_for(float(value))
        self.set_text(expression)
        self.set_x_range(*self._x_range)
        self.set_x_extending(float(x))
        self.reset_view()

    # ----------------------------------------------------------------- read access
    @property
    def text(self) -> str:
        return self._text

    @property
    def expression(self) -> Expression | None:
        """The last valid expression (kept while the text has an error)."""
        return self._expression

    @property
    def error(self) -> ExprError | None:
        return self._error

    @property
    def x(self) -> float:
        return self._x

    @property
    def x_range(self) -> tuple[float, float]:
        return self._x_range

    @property
    def params(self) -> dict[str, ParamState]:
        return dict(self._params)

    def param_values(self) -> dict[str, float]:
        return {k: p.value for k, p in self._params.items()}

    @property
    def view_range(self) -> tuple[float, float, float, float]:
        return self._view

    @property
    def curve(self) -> CurveData | None:
        return self._curve

    @property
    def point(self) -> PointData | None:
        return self._point

    @property
    def show_derivative(self) -> bool:
        return self._toggles.show_derivative

    @property
    def show_second_derivative(self) -> bool:
        return self._toggles.show_second_derivative

    @property
    def show_edge_labels(self) -> bool:
        return self._toggles.show_edge_labels

    # ----------------------------------------------------------------- the function
    def set_text(self, text: str) -> bool:
        """Parse `text`; on success it becomes the expression, otherwise the error is shown and
        the last valid expression stays. Returns whether the text was valid."""
        text = str(text)
        if text == self._text and (self._expression is not None or self._error is not None):
            return self._error is None
        self._text = text
        self.textChanged.emit(text)
        try:
            expression = parse(text)
        except ExprError as err:
            self._set_error(err)
            return False
        except Exception as err:  # a parser bug must not take the app down with it
            self._set_error(ExprError(f"Could not read this: {err}", 0, len(text), text=text))
            return False
        self._expression = expression
        self._set_error(None)
        self._sync_params(expression.params)
        self.expressionChanged.emit(expression)
        self._recompute_curve(refit_y=True)
        self._recompute_point()
        return True

    def _set_error(self, err: ExprError | None) -> None:
        if err is None and self._error is None:
            return
        self._error = err
        self.errorChanged.emit(err)

    def _param_state_for(self, value: float) -> ParamState:
        lo, hi = DEFAULT_RANGE
        return ParamState(value, min(lo, math.floor(value)), max(hi, math.ceil(value)))

    def _sync_params(self, names: tuple[str, ...]) -> None:
        if tuple(self._params) == tuple(names):
            return
        for name, state in self._params.items():
            self._remembered[name] = state
        self._params = {
            n: self._remembered.get(n) or self._param_state_for(DEFAULT_PARAM_VALUE) for n in names
        }
        self.paramsChanged.emit(tuple(names))

    # ----------------------------------------------------------------- x
    def set_x(self, x: float) -> None:
        """Move the point of interest; clamped to the x range. Only the point is recomputed."""
        x = float(x)
        if not math.isfinite(x):
            return
        lo, hi = self._x_range
        x = min(max(x, lo), hi)
        if x == self._x and self._point is not None:
            return
        self._x = x
        self.xChanged.emit(x)
        self._recompute_point()

    def set_x_extending(self, x: float) -> None:
        """Move the point to x, widening the x range (to whole numbers) when x is outside it."""
        if math.isfinite(x):
            lo, hi = self._x_range
            if not lo <= x <= hi:
                self.set_x_range(min(lo, math.floor(x)), max(hi, math.ceil(x)))
        self.set_x(x)

    def set_x_range(self, lo: float, hi: float) -> bool:
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            return False
        if (lo, hi) != self._x_range:
            self._x_range = (lo, hi)
            self.xRangeChanged.emit(lo, hi)
        if not lo <= self._x <= hi:
            self.set_x(min(max(self._x, lo), hi))
        return True

    def step_x(self, fraction: float) -> None:
        """Move x by a fraction of its range (keyboard steps)."""
        lo, hi = self._x_range
        self.set_x(self._x + fraction * (hi - lo))

    # ----------------------------------------------------------------- parameters
    def set_param(self, name: str, value: float) -> None:
        state = self._params.get(name)
        value = float(value)
        if state is None or not math.isfinite(value) or value == state.value:
            return
        state.minimum, state.maximum = min(state.minimum, value), max(state.maximum, value)
        state.value = value
        self.paramChanged.emit(name)
        self._recompute_curve()
        self._recompute_point()

    def set_param_range(self, name: str, lo: float, hi: float) -> bool:
        state = self._params.get(name)
        lo, hi = float(lo), float(hi)
        if state is None or not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            return False
        old = state.value
        state.minimum, state.maximum = lo, hi
        state.value = min(max(state.value, lo), hi)
        self.paramChanged.emit(name)
        if state.value != old:
            self._recompute_curve()
            self._recompute_point()
        return True

    # ----------------------------------------------------------------- view and toggles
    def set_view_range(self, x0: float, x1: float, y0: float, y1: float) -> None:
        view = (float(x0), float(x1), float(y0), float(y1))
        if not all(math.isfinite(v) for v in view) or x0 >= x1 or y0 >= y1:
            return
        tol = 1e-9 * max(x1 - x0, y1 - y0)
        if all(abs(a - b) <= tol for a, b in zip(view, self._view, strict=True)):
            return
        self._view = view
        self.viewRangeChanged.emit(view)
        self._recompute_curve()

    def reset_view(self) -> None:
        """Frame the x range and the curve's interesting y values."""
        lo, hi = self._x_range
        self._view = (lo, hi, *self._view[2:])
        self._recompute_curve(refit_y=True)

    def set_show_derivative(self, on: bool) -> None:
        self._set_toggle("show_derivative", bool(on), recompute=True)

    def set_show_second_derivative(self, on: bool) -> None:
        self._set_toggle("show_second_derivative", bool(on), recompute=True)

    def set_show_edge_labels(self, on: bool) -> None:
        self._set_toggle("show_edge_labels", bool(on), recompute=False)

    def _set_toggle(self, name: str, on: bool, recompute: bool) -> None:
        if getattr(self._toggles, name) == on:
            return
        setattr(self._toggles, name, on)
        self.togglesChanged.emit()
        if recompute:
            self._recompute_curve()

    # ----------------------------------------------------------------- computation
    def _sample(self, xs: np.ndarray, derivatives: int) -> Any:
        assert self._expression is not None
        with np.errstate(all="ignore"):
            return self._expression.sample(xs, self.param_values(), derivatives=derivatives)

    @staticmethod
    def _fit_y(values: Any, shape: tuple[int, ...]) -> tuple[float, float]:
        y0, y1 = robust_y_range(np.broadcast_to(np.asarray(values, dtype=float), shape))
        if not (math.isfinite(y0) and math.isfinite(y1) and y0 < y1):
            return -1.0, 1.0
        return y0, y1

    def _recompute_curve(self, refit_y: bool = False) -> None:
        if self._expression is None:
            return
        x0, x1, y0, y1 = self._view
        self.curve_computations += 1
        order = 2 if self._toggles.show_second_derivative else int(self._toggles.show_derivative)
        xs = np.linspace(x0, x1, SAMPLES)
        try:
            s = self._sample(xs, order)
        except Exception as err:  # keep the last curve rather than crash on an engine error
            if refit_y:
                self._view = (x0, x1, -1.0, 1.0)
                self.viewRangeChanged.emit(self._view)
            self._set_error(ExprError(f"Could not evaluate: {err}", 0, len(self._text)))
            return
        if refit_y:  # frame the curve from the same samples that draw it
            y0, y1 = self._fit_y(s.value, xs.shape)
            self._view = (x0, x1, y0, y1)
            self.viewRangeChanged.emit(self._view)
        span = y1 - y0

        def polyline(values: Any, channel: str) -> tuple[np.ndarray, np.ndarray]:
            ys = np.broadcast_to(np.asarray(values, dtype=float), xs.shape)

            def evaluate(at: np.ndarray) -> np.ndarray:
                k = {"value": 0, "derivative": 1, "second_derivative": 2}[channel]
                return np.asarray(getattr(self._sample(at, k), channel), dtype=float)

            try:
                bx, by = break_discontinuities(xs, ys, span, evaluate)
            except Exception:
                bx, by = xs, ys
            return bx, clip_for_drawing(by, y0, y1)

        defined = np.isfinite(np.broadcast_to(np.asarray(s.value, dtype=float), xs.shape))
        cx, cy = polyline(s.value, "value")
        d1 = d2 = None
        if self._toggles.show_derivative:  # no f′ curve where f is undefined (see the point)
            d1 = polyline(np.where(defined, s.derivative, np.nan), "derivative")
        if self._toggles.show_second_derivative:
            d2 = polyline(np.where(defined, s.second_derivative, np.nan), "second_derivative")
        self._curve = CurveData(cx, cy, d1, d2, self._view)
        self.curveChanged.emit(self._curve)

    def _recompute_point(self) -> None:
        if self._expression is None:
            return
        self.point_computations += 1
        try:
            with np.errstate(all="ignore"):
                p = self._expression.at(self._x, self.param_values(), trace=True)
            value = _as_float(p.value)
            # The engine follows PyTorch (d ln x/dx at x = -1 is -1 although ln(-1) is nan); a
            # student should read "undefined" for every derivative where f itself is undefined.
            # The trace keeps the engine's raw numbers for the graph view.
            ok = 1.0 if math.isfinite(value) else math.nan
            point = PointData(
                self._x,
                value,
                _as_float(p.derivative) * ok,
                _as_float(p.second_derivative) * ok,
                {k: _as_float(v) * ok for k, v in dict(p.gradient).items()},
                p.trace,
            )
        except Exception:
            nan = math.nan
            point = PointData(self._x, nan, nan, nan, {}, None)
        self._point = point
        self.pointChanged.emit(point)

    # ----------------------------------------------------------------- state
    def to_state(self) -> dict[str, Any]:
        """JSON-ready session state (the typed text, even if it currently has an error)."""
        return {
            "version": STATE_VERSION,
            "expression": self._text,
            "x": self._x,
            "x_range": list(self._x_range),
            "params": {
                name: {"value": s.value, "min": s.minimum, "max": s.maximum}
                for name, s in self._params.items()
            },
            "view": list(self._view),
            "show_derivative": self._toggles.show_derivative,
            "show_second_derivative": self._toggles.show_second_derivative,
            "show_edge_labels": self._toggles.show_edge_labels,
        }

    def apply_state(self, state: dict[str, Any]) -> None:
        """Restore a state from `to_state`; raises SessionError (and changes nothing) when it
        is malformed. Missing keys keep their current value, except a missing view, which
        means auto: the x range and the curve are framed."""
        parsed = _validate_state(state)
        for name, (value, lo, hi) in parsed["params"].items():
            self._remembered[name] = ParamState(value, lo, hi)
            if name in self._params:  # a parameter that stays: update it in place
                self._params[name] = ParamState(value, lo, hi)
        if "expression" in parsed:
            self.set_text(parsed["expression"])
        for name in parsed["params"]:
            if name in self._params:
                self.paramChanged.emit(name)
        if "x_range" in parsed:
            self.set_x_range(*parsed["x_range"])
        if "x" in parsed:
            self.set_x_extending(parsed["x"])
        for key in ("show_derivative", "show_second_derivative", "show_edge_labels"):
            if key in parsed:
                self._set_toggle(key, parsed[key], recompute=False)
        if "view" in parsed:
            self._view = tuple(parsed["view"])
            self.viewRangeChanged.emit(self._view)
            self._recompute_curve()
        else:  # no saved view means "auto": frame the x range and the curve
            self.reset_view()
        self._recompute_point()


def _validate_state(state: Any) -> dict[str, Any]:
    if not isinstance(state, dict):
        raise SessionError("A session must be a JSON object.")
    out: dict[str, Any] = {"params": {}}
    if "expression" in state:
        if not isinstance(state["expression"], str):
            raise SessionError("The session's expression must be text.")
        out["expression"] = state["expression"]
    if "x" in state:
        if not _finite(state["x"]):
            raise SessionError("The session's x must be a finite number.")
        out["x"] = float(state["x"])

    def pair(key: str, n: int) -> None:
        if key not in state:
            return
        v = state[key]
        if not (isinstance(v, list | tuple) and len(v) == n and all(_finite(t) for t in v)):
            raise SessionError(f"The session's {key} must be {n} finite numbers.")
        if any(v[i] >= v[i + 1] for i in range(0, n, 2)):
            raise SessionError(f"The session's {key} must go from low to high.")
        out[key] = tuple(float(t) for t in v)

    pair("x_range", 2)
    pair("view", 4)
    params = state.get("params", {})
    if not isinstance(params, dict):
        raise SessionError("The session's params must be an object.")
    for name, p in params.items():
        if _finite(p):
            p = {"value": p}
        if not isinstance(name, str) or not isinstance(p, dict) or not _finite(p.get("value")):
            raise SessionError(f"Parameter {name!r} needs a finite value.")
        value = float(p["value"])
        lo = float(p.get("min", min(DEFAULT_RANGE[0], math.floor(value))))
        hi = float(p.get("max", max(DEFAULT_RANGE[1], math.ceil(value))))
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise SessionError(f"Parameter {name!r} has a bad range.")
        out["params"][name] = (value, min(lo, value), max(hi, value))
    for key in ("show_derivative", "show_second_derivative", "show_edge_labels"):
        if key in state:
            if not isinstance(state[key], bool):
                raise SessionError(f"The session's {key} must be true or false.")
            out[key] = state[key]
    return out
