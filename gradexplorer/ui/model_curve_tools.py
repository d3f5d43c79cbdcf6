"""The part of the model that serves the tools reading the curve: the second function g(x),
the points of interest with the trace mode that snaps to them, and the Taylor polynomial.

A mixin of ExplorerModel (which declares the signals and calls ``_announce_tools`` from its own
``_announce``): the settings live in the SessionState (``second``, ``points``, ``taylor``), the
derived overlays here (``points``, ``taylor``, ``second``), computed by the Qt-free
curve_tools.py. Trace mode is an overlay too: not saved.

The points of interest cost 5-80 ms (a scan, then Newton on every bracket), too much for each
tick of a dragged parameter or pan: a change of the parameter values or of the view only marks
them stale, and they are found POINTS_SETTLE_MS after the last such change (a new function or
new settings: at once). Meanwhile ``points_pending`` is True (pointsPendingChanged: the plot
hides markers that no longer sit on the curve). Reading ``model.points`` while stale finds
them on the spot, so a caller never sees the old ones; views keep what pointsChanged gave.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from gradexplorer.errors import ExprError
from gradexplorer.expr import Expression
from gradexplorer.lessons.points import PointsFound
from gradexplorer.lessons.session import (
    MAX_EXPRESSION_CHARS,
    TAYLOR_MAX_ORDER,
    PointsSettings,
    SessionState,
    TaylorSettings,
)
from gradexplorer.lessons.taylor import TaylorPolynomial
from gradexplorer.ui.curve_tools import (
    SecondData,
    points_in_view,
    second_function,
    second_point,
    taylor_at,
)

if TYPE_CHECKING:
    from gradexplorer.ui.model import ExplorerModel

    _Base = ExplorerModel
else:
    _Base = object


POINTS_SETTLE_MS = 120


class CurveToolsMixin(_Base):
    _points: PointsFound | None = None
    _taylor: TaylorPolynomial | None = None
    _second: SecondData | None = None
    _second_error: ExprError | None = None
    _tracing = False
    _points_stale = False  # the state changed since the points were found
    _points_unsaid = False  # found on a read, not announced yet
    _points_timer: QTimer | None = None

    # ----------------------------------------------------------------- read access
    @property
    def points(self) -> PointsFound | None:
        """The points of interest of f over the view (None when hidden or not found)."""
        if self._points_stale:
            self._points_stale = False
            self._points_unsaid = self._find_points(self._state)
        return self._points

    @property
    def points_pending(self) -> bool:
        """The parameters or the view changed and the points shown are not found again yet."""
        return self._points_stale or self._points_unsaid

    @property
    def taylor(self) -> TaylorPolynomial | None:
        """f's Taylor polynomial at x (None when hidden)."""
        return self._taylor

    @property
    def second(self) -> SecondData | None:
        """g(x): its curve and its value and slope at x (None when there is no g)."""
        return self._second

    @property
    def second_error(self) -> ExprError | None:
        """The mistake in the text typed for g (the last valid g stays shown)."""
        return self._second_error

    @property
    def tracing(self) -> bool:
        """Trace mode: keyboard steps along the curve stop at every point of interest."""
        return self._tracing

    # ----------------------------------------------------------------- g(x)
    def set_second_text(self, text: str) -> bool:
        """The second function g(x): "" removes it. A text with a mistake is refused (the last
        valid g stays, the mistake is second_error). Returns whether the text was taken."""
        text = str(text)[:MAX_EXPRESSION_CHARS]
        if not text.strip():
            self._set_second_error(None)
            self._commit_second("")
            return True
        parsed = self._parse(text)
        if isinstance(parsed, ExprError):
            self._set_second_error(parsed)
            return False
        self._set_second_error(None)
        self._commit_second(text)
        return True

    def _commit_second(self, text: str) -> None:
        s = self._state
        if text == s.second:
            return
        params = self._params_for(self._names(s.expression, text), s.params)
        self._commit(self._kept(replace(s, second=text), params))

    def _set_second_error(self, error: ExprError | None) -> None:
        if error is not self._second_error:
            self._second_error = error
            self.secondErrorChanged.emit(error)

    def swap_functions(self) -> bool:
        """g becomes the main function (its graph, its step-through) and f the second one.
        False when there is no g."""
        s = self._state
        if not s.second.strip():
            return False
        self._set_second_error(None)
        new = replace(s, expression=s.second, second=s.expression, draft=None, title="", note="")
        self._commit(self._kept(new, dict(new.params)), frame=True)
        return True

    def _names(self, expression: str, second: str) -> tuple[str, ...]:
        """The parameters of f and g together (one slider each, shared)."""
        names: list[str] = []
        for text in (expression, second):
            parsed = self._parse(text) if text.strip() else None
            if isinstance(parsed, Expression):
                names += [n for n in parsed.params if n not in names]
        return tuple(names)

    # ----------------------------------------------------------------- settings
    def set_points_settings(self, *, shown: bool | None = None, wide: bool | None = None) -> None:
        p = self._state.points
        new = PointsSettings(
            p.shown if shown is None else bool(shown), p.wide if wide is None else bool(wide)
        )
        self._commit(replace(self._state, points=new))

    def set_taylor_settings(self, *, shown: bool | None = None, order: int | None = None) -> None:
        t = self._state.taylor
        order = t.order if order is None else min(max(int(order), 0), TAYLOR_MAX_ORDER)
        new = TaylorSettings(t.shown if shown is None else bool(shown), order)
        self._commit(replace(self._state, taylor=new))

    # ----------------------------------------------------------------- moving to a point
    def set_tracing(self, on: bool) -> None:
        on = bool(on)
        if on != self._tracing:
            self._tracing = on
            self.tracingChanged.emit(on)

    def move_to_point(self, direction: int) -> bool:
        """x to the next point of interest to the right (+1) or left (−1); False if none."""
        if self.points is None:
            return False
        stop = self.points.next_after(self._state.x, direction)
        if stop is None:
            return False
        self.set_x_extending(stop)
        return True

    def _traced(self, x: float, target: float) -> float:
        """In trace mode, a step from x towards target stops at the first point on the way."""
        if not self._tracing or self.points is None:
            return target
        direction = 1 if target > x else -1
        stop = self.points.next_after(x, direction)
        if stop is not None and (stop - target) * direction <= 0:
            return stop
        return target

    # ----------------------------------------------------------------- derived, on changes
    def _announce_tools(
        self, old: SessionState | None, new: SessionState, changed: set[str], curve_due: bool
    ) -> None:
        """Recompute what the change touched and emit it (called by _announce)."""
        values = old is None or old.param_values() != new.param_values()
        view_x = old is None or old.view is None or old.view[:2] != (new.view or ())[:2]
        if curve_due or changed & {"second"}:
            self._recompute_second(new, curve=True)
        elif self._second is not None and (values or "x" in changed):
            self._recompute_second(new, curve=False)
        if old is None or changed & {"expression", "points"}:
            self._recompute_points(new)
        elif values or view_x:
            self._points_later()
        if values or changed & {"expression", "x", "taylor"}:
            self._recompute_taylor(new)

    def _curve_function(self) -> Expression | None:
        """The function the curve tools read: f of one input (with two the plot is a slice,
        whose points, series and g(x) beside it are not these tools' yet)."""
        e = self._expression
        return e if e is not None and not e.two_inputs else None

    def _recompute_second(self, s: SessionState, *, curve: bool) -> None:
        parsed = self._parse(s.second) if s.second.strip() and self._curve_function() else None
        if not isinstance(parsed, Expression) or s.view is None:
            second = None
        elif curve or self._second is None:
            second = second_function(parsed, s.param_values(), s.view, s.x)
        else:
            second = second_point(parsed, s.param_values(), s.x, self._second.curve)
        if second is not None or self._second is not None:
            self._second = second
            self.secondChanged.emit(second)

    def _recompute_points(self, s: SessionState) -> None:
        pending = self.points_pending
        self._points_stale = self._points_unsaid = False
        if self._points_timer is not None:
            self._points_timer.stop()
        if self._find_points(s) or pending:
            self.pointsChanged.emit(self._points)
        if pending:
            self.pointsPendingChanged.emit(False)

    def _find_points(self, s: SessionState) -> bool:
        """Find the points for s; whether they differ from None-before-and-after."""
        found = None
        if self._curve_function() is not None and s.view is not None:
            found = points_in_view(self._expression, s.param_values(), s.view, s.points)
        changed = found is not None or self._points is not None
        self._points = found
        return changed

    def _points_later(self) -> None:
        """Stale until the dragging stops (restarted by every change)."""
        was_pending = self.points_pending
        self._points_stale = True
        if self._points_timer is None:
            self._points_timer = QTimer(self, singleShot=True, interval=POINTS_SETTLE_MS)
            self._points_timer.timeout.connect(self._points_settled)
        self._points_timer.start()
        if not was_pending:
            self.pointsPendingChanged.emit(True)

    def _points_settled(self) -> None:
        if self._points_stale:
            self._recompute_points(self._state)
        elif self._points_unsaid:  # found early by a read: announce them now
            self._points_unsaid = False
            self.pointsChanged.emit(self._points)
            self.pointsPendingChanged.emit(False)

    def _recompute_taylor(self, s: SessionState) -> None:
        poly = None
        if self._curve_function() is not None and math.isfinite(s.x):
            poly = taylor_at(self._expression, s.param_values(), s.x, s.taylor)
        if poly is not None or self._taylor is not None:
            self._taylor = poly
            self.taylorChanged.emit(poly)
