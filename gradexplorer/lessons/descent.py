"""Gradient descent (or ascent) on one variable, driven by a callback that returns f and f'.

The variable can be x or a parameter: the caller decides what the callback differentiates.
After each step the run is classified so the app can tell students what is happening:

- ``"ready"``: no step taken yet; ``"running"``: nothing special (yet).
- ``"converged"``: the last step was tiny.
- ``"oscillating"``: the steps keep flipping sign without shrinking (x bounces between two
  places: the learning rate is on the edge of stability, or x sits across a kink).
- ``"diverging"``: the steps grow while f gets worse, or x/f ran past a huge bound.
- ``"stopped: non-finite"``: x, f or f' became nan or ±inf; no more steps are taken.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# With a view scale, converged means invisible: the step under this fraction of the view's
# width, and the tangent's rise over the width under this fraction of its height.
STEP_FRACTION = 1e-5
FLAT_FRACTION = 1e-3

READY = "ready"
RUNNING = "running"
CONVERGED = "converged"
OSCILLATING = "oscillating"
DIVERGING = "diverging"
NON_FINITE = "stopped: non-finite"


@dataclass(frozen=True)
class DescentPoint:
    """One visited point: x_k, f(x_k) and f'(x_k)."""

    k: int
    x: float
    value: float
    slope: float


class Descent:
    """x_{k+1} = x_k + direction · lr · f'(x_k); direction -1 descends, +1 ascends.

    ``f_and_grad(x) -> (f(x), f'(x))``. Errors it raises propagate, except arithmetic ones
    (overflow, division by zero, domain) which count as non-finite values, since they are what a
    student's function does at a bad point rather than a bug (``math`` raises where numpy
    returns nan: ValueError for a domain error counts too).
    """

    #: Steps considered when looking for oscillation or growth.
    WINDOW = 3

    def __init__(
        self,
        f_and_grad: Callable[[float], tuple[float, float]],
        start: float,
        lr: float,
        direction: int = -1,
        *,
        tol: float = 1e-9,
        bound: float = 1e8,
        scale: tuple[float, float] | None = None,
        landmark: Callable[[float], tuple[str, float] | None] | None = None,
    ) -> None:
        """scale: the width and height of the view the walk is watched in. With it, the run has
        converged when what is left to see is invisible there: a step under STEP_FRACTION of
        the width and a tangent whose rise over the width is under FLAT_FRACTION of the height.
        Without it, when the step is under tol × max(1, |x|). landmark(x) -> (what, where),
        when known, names the point the run stopped at ("local minimum", −1.5): the points of
        interest found there (expression_landmark)."""
        if direction not in (-1, 1):
            raise ValueError("direction must be -1 (descend) or 1 (ascend)")
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError("lr must be a positive finite number")
        self._f_and_grad = f_and_grad
        self.start = float(start)
        self.lr = float(lr)
        self.direction = direction
        self.tol = tol
        self.bound = bound
        self.scale = scale
        self._landmark = landmark
        self.history: list[DescentPoint] = []
        self.status = READY
        self.message = ""
        self.reset()

    # ---------------------------------------------------------------------------------------

    @property
    def x(self) -> float:
        return self.history[-1].x

    @property
    def finished(self) -> bool:
        """True when playing should stop: converged, diverging or non-finite."""
        return self.status in (CONVERGED, DIVERGING, NON_FINITE)

    @property
    def steps_taken(self) -> int:
        return len(self.history) - 1

    def reset(self, start: float | None = None, lr: float | None = None) -> None:
        """Back to the start point (optionally a new one), clearing the trail."""
        if start is not None:
            self.start = float(start)
        if lr is not None:
            if not (math.isfinite(lr) and lr > 0):
                raise ValueError("lr must be a positive finite number")
            self.lr = float(lr)
        self.history = [self._evaluate(0, self.start)]
        self.status = READY
        self.message = self._ready_message()
        first = self.history[0]
        if not _all_finite(first):
            self._stop_non_finite(first)

    def step(self) -> DescentPoint | None:
        """Take one step and classify the run; None when stopped on a non-finite value."""
        if self.status == NON_FINITE:
            return None
        here = self.history[-1]
        try:
            new_x = here.x + self.direction * self.lr * here.slope
        except OverflowError:
            new_x = math.inf
        point = self._evaluate(here.k + 1, new_x)
        self.history.append(point)
        self._classify()
        return point

    def run(self, n: int) -> str:
        """Up to n steps, stopping early once finished; returns the status."""
        for _ in range(max(0, int(n))):
            if self.finished:
                break
            self.step()
        return self.status

    # ---------------------------------------------------------------------------------------

    def _evaluate(self, k: int, x: float) -> DescentPoint:
        if not math.isfinite(x):
            return DescentPoint(k, x, math.nan, math.nan)
        try:
            value, slope = self._f_and_grad(x)
            value, slope = float(value), float(slope)
        except (OverflowError, ZeroDivisionError, ValueError):  # ValueError: math domain error
            value, slope = math.nan, math.nan
        return DescentPoint(k, x, value, slope)

    def _classify(self) -> None:
        pts = self.history
        last = pts[-1]
        if not _all_finite(last):
            self._stop_non_finite(last)
            return
        if abs(last.x) > self.bound or abs(last.value) > self.bound:
            self.status = DIVERGING
            what = "x" if abs(last.x) > self.bound else "f(x)"
            self.message = f"Diverging: {what} ran past ±{self.bound:g} after {last.k} steps. " + (
                "f keeps improving without end: there is no minimum in this direction."
                if self._improving(pts[-2], last)
                else "The learning rate is too large."
            )
            return
        steps = [b.x - a.x for a, b in itertools.pairwise(pts)]
        s = steps[-1]
        w = self.WINDOW
        recent = steps[-w:]
        ratios = [abs(b) / abs(a) if a != 0 else math.inf for a, b in itertools.pairwise(recent)]
        if (
            len(recent) == w
            and all(r > 1 + 1e-9 for r in ratios)
            and all(
                (b.value - a.value) * self.direction < 0  # f strictly worse
                for a, b in itertools.pairwise(pts[-w - 1 :])
            )
        ):
            self.status = DIVERGING
            self.message = (
                f"Diverging: each step is larger than the last and f gets worse "
                f"(|Δx| = {abs(s):.3g}). The learning rate η = {self.lr:g} is too large; "
                "try a smaller one."
            )
            return
        if self._converged(s, last):
            self.status = CONVERGED
            self.message = self._converged_message(s, last)
            return
        alternating = len(recent) == w and all(
            (a > 0) != (b > 0) for a, b in itertools.pairwise(recent)
        )
        if alternating and all(r >= 1 - 1e-6 for r in ratios):
            self.status = OSCILLATING
            self.message = (
                f"Oscillating: x jumps back and forth by {abs(s):.3g} without settling. "
                f"η = {self.lr:g} overshoots the bottom every time; try a smaller η."
            )
            return
        self.status = RUNNING
        self.message = (
            "Zigzagging but the steps shrink: still converging, just overshooting each time."
            if alternating
            else f"Step {last.k}: x = {last.x:.6g}, f(x) = {last.value:.6g}, "
            f"f′(x) = {last.slope:.6g}."
        )

    def _converged(self, step: float, last: DescentPoint) -> bool:
        if self.scale is None:
            return abs(step) <= self.tol * max(1.0, abs(last.x))
        width, height = self.scale
        return (
            abs(step) <= STEP_FRACTION * width and abs(last.slope) * width <= FLAT_FRACTION * height
        )

    def _converged_message(self, step: float, last: DescentPoint) -> str:
        if self.scale is None:
            return (
                f"Converged after {last.k} steps: the step is tiny (|Δx| = {abs(step):.2g}) "
                f"because the slope is about 0 at x = {last.x:.6g}, a flat point of f."
            )
        what, where = self._named(last.x)
        # x to the digits the run has settled: the next steps change none of them
        decimals = max(0, math.ceil(-math.log10(STEP_FRACTION * self.scale[0])) - 1)
        x = f"{round(where, decimals):.{decimals}f}".rstrip("0").rstrip(".")
        x = "0" if x in ("-0", "") else x
        return (
            f"Converged after {last.k} steps at the {what} x = {x}, f′ ≈ 0: "
            "the steps are now too small to see."
        )

    def _named(self, x: float) -> tuple[str, float]:
        """What the run stopped at, and where exactly, from the landmark when there is one."""
        try:
            found = self._landmark(x) if self._landmark is not None else None
        except Exception:  # naming the point must never end a lesson
            found = None
        return found if found is not None else ("flat point", x)

    def _improving(self, before: DescentPoint, after: DescentPoint) -> bool:
        # Descent improves when f goes down, ascent when it goes up.
        return (after.value - before.value) * self.direction > 0

    def _stop_non_finite(self, p: DescentPoint) -> None:
        self.status = NON_FINITE
        if not math.isfinite(p.x):
            self.message = "Stopped: x overflowed to infinity; the steps grew without bound."
        elif not math.isfinite(p.value):
            self.message = (
                f"Stopped: f is undefined at x = {p.x:.6g} ({_word(p.value)}); "
                "x has left the function's domain or hit a pole."
            )
        else:
            self.message = (
                f"Stopped: the slope at x = {p.x:.6g} is {_word(p.slope)}, so no step can be taken."
            )

    def _ready_message(self) -> str:
        verb = "descend" if self.direction < 0 else "ascend"
        return f"Ready to {verb} from x = {self.start:.6g} with η = {self.lr:g}."


def _all_finite(p: DescentPoint) -> bool:
    return math.isfinite(p.x) and math.isfinite(p.value) and math.isfinite(p.slope)


def _word(v: float) -> str:
    if math.isnan(v):
        return "undefined"
    return "infinite" if v > 0 else "minus infinity"


# ------------------------------------------------------------------------------------------------
# Learning-rate slider on a log scale


@dataclass(frozen=True)
class LogScale:
    """Maps an integer slider position 0..steps to a value from lo to hi on a log scale.

    Values are rounded to 3 significant digits so the label reads "0.1", not "0.09999999";
    with at most a few hundred positions per decade the rounding never merges two positions,
    so position → value → position is the identity.
    """

    lo: float = 1e-3
    hi: float = 10.0
    steps: int = 120

    def __post_init__(self) -> None:
        if not (0 < self.lo < self.hi and math.isfinite(self.hi)):
            raise ValueError("need 0 < lo < hi")
        if self.steps < 1:
            raise ValueError("need at least one step")

    def value(self, position: int) -> float:
        position = min(max(int(position), 0), self.steps)
        if position == 0:
            return self.lo
        if position == self.steps:
            return self.hi
        raw = self.lo * (self.hi / self.lo) ** (position / self.steps)
        return float(f"{raw:.3g}")

    def position(self, value: float) -> int:
        """The nearest slider position (values outside [lo, hi] clamp to the ends)."""
        if math.isnan(value) or value <= self.lo:
            return 0
        if value >= self.hi:
            return self.steps
        t = math.log(value / self.lo) / math.log(self.hi / self.lo)
        return min(max(round(t * self.steps), 0), self.steps)


LR_SCALE = LogScale()


def lr_from_slider(position: int, scale: LogScale = LR_SCALE) -> float:
    return scale.value(position)


def slider_from_lr(lr: float, scale: LogScale = LR_SCALE) -> int:
    return scale.position(lr)


def expression_objective(
    expression: Any,
    *,
    x: float,
    params: Mapping[str, float] | None = None,
    target: str = "x",
) -> Callable[[float], tuple[float, float]]:
    """The callback Descent wants, for a typed expression: moving x (f, ∂f/∂x) or moving a
    parameter with x held fixed (f, ∂f/∂target).

    ``expression`` is text or an already parsed ``gradexplorer.expr.Expression``; a text that
    does not parse raises the parser's ExprError. The parser is imported lazily so this module
    stays importable without it.
    """
    if isinstance(expression, str):
        from gradexplorer.expr import parse

        expression = parse(expression)
    fixed = dict(params or {})
    if target == "x":

        def along_x(t: float) -> tuple[float, float]:
            p = expression.at(t, fixed)
            return p.value, p.derivative

        return along_x
    if target not in expression.params:
        raise ValueError(f"{target!r} is not a parameter of {expression.text!r}")

    def along_param(t: float) -> tuple[float, float]:
        p = expression.at(x, {**fixed, target: t})
        return p.value, p.gradient[target]

    return along_param


# what descent on x can come to rest at, in the words of its message
LANDMARKS = {
    "minimum": "local minimum",
    "maximum": "local maximum",
    "stationary inflection": "stationary inflection (f′ = 0 but no extremum)",
    "plateau": "plateau",
}


def expression_landmark(
    expression: Any, *, params: Mapping[str, float] | None = None, width: float = 10.0
) -> Callable[[float], tuple[str, float] | None]:
    """The landmark callback of Descent for a parsed expression: the minimum, maximum,
    stationary inflection or plateau that the points of interest (lessons/points.py) find
    within a hundredth of the view's width of x, as (words, its x), or None."""
    from gradexplorer.lessons.points import find_points

    fixed = dict(params or {})
    half = abs(width) / 100 or 0.1

    def landmark(x: float) -> tuple[str, float] | None:
        found = find_points(expression, fixed, x - half, x + half).points
        near = [p for p in found if p.kind in LANDMARKS]
        if not near:
            return None
        best = min(
            near, key=lambda p: 0.0 if p.end is not None and p.x <= x <= p.end else abs(p.x - x)
        )
        return LANDMARKS[best.kind], (x if best.end is not None else best.x)

    return landmark
