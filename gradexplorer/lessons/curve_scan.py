"""The numerics behind the points of interest: a function of x scanned on a grid, the events
the scan sees (sign changes, exact zeros, gaps, jumps), brackets narrowed to a point, and the
function probed on both sides of a point to tell a root from a pole or a jump.

Every number comes from the engine: f, f′, f″ and f‴ at many x in one Taylor-mode pass
(Expression.taylor), so Newton's method on f⁽ᵏ⁾ uses the exact f⁽ᵏ⁺¹⁾. Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gradexplorer.expr import Expression

SAMPLES = 2001  # odd: x = 0 is a node of a symmetric range (a root there is found once)
CHANNELS = 4  # f, f′, f″ and f‴ (the derivative Newton's method needs for f″)
_FACTORIALS = np.array([1.0, 1.0, 2.0, 6.0])
BISECT_FIRST = 6  # bisections before Newton's method may step (the bracket is 64x narrower)
MAX_STEPS = 90
PROBE_DECADES = np.arange(3.0, 13.0)  # δ = width · 10^-3 ... 10^-12 on each side of a point


@dataclass(frozen=True)
class Event:
    """What the scan saw in f⁽ᵏ⁾ between or on nodes: ``cross`` (a sign change between nodes
    i and i + 1), ``node`` (an exact zero on node i, ``crossing`` or touching), ``run`` (exact
    zeros on nodes i..j)."""

    kind: str
    i: int
    j: int
    crossing: bool = True


@dataclass(frozen=True)
class Side:
    """f⁽ᵏ⁾ approaching a point from one side: a limit ``value``, ``+inf`` or ``-inf`` (it
    grows without bound), or ``none`` (no limit: it oscillates, or has no value there)."""

    kind: str
    value: float = math.nan

    @property
    def finite(self) -> bool:
        return self.kind == "value"


class CurveScan:
    """f on SAMPLES nodes of [lo, hi] and the tools that look closer."""

    def __init__(
        self, expression: Expression, params: Mapping[str, float], lo: float, hi: float
    ) -> None:
        self.expression = expression
        self.params = dict(params)
        self.lo, self.hi = float(lo), float(hi)
        self.width = self.hi - self.lo
        self.xs = np.linspace(self.lo, self.hi, SAMPLES)
        self.d = self.derivatives(self.xs)  # (CHANNELS, SAMPLES)
        self.scales = tuple(_scale(self.d[k]) for k in range(CHANNELS))
        self.evaluations = 1

    # ----------------------------------------------------------------- evaluation
    def derivatives(self, xs: np.ndarray) -> np.ndarray:
        """f, f′, f″, f‴ at every x (rows), nan where f has no value."""
        c = self.expression.taylor(np.asarray(xs, dtype=float), self.params, CHANNELS - 1)
        with np.errstate(all="ignore"):  # IEEE answers: a coefficient may be ±inf
            return c * _FACTORIALS.reshape((CHANNELS,) + (1,) * (c.ndim - 1))

    def at(self, xs: np.ndarray) -> np.ndarray:
        self.evaluations += 1
        return self.derivatives(xs)

    # ----------------------------------------------------------------- what the scan sees
    def segments(self) -> list[tuple[int, int]]:
        """Runs of at least two nodes where f has a finite value (first, last node)."""
        return _runs(np.isfinite(self.d[0]), minimum=2)

    def sign_events(self, k: int, first: int, last: int, *, exact: bool = False) -> list[Event]:
        """Sign changes and zeros of f⁽ᵏ⁾ over nodes first..last of a segment. A derivative
        smaller than rounding leaves at f's size counts as 0 (π/x · |x| is π ± 1 ulp, and its
        f′ a noise of both signs), unless ``exact`` (intervals: f′ exactly 0)."""
        v = self.d[k, first : last + 1]
        if k and not exact:
            v = np.where(np.abs(v) <= self.noise(k), 0.0, v)
        return sign_events(v, first)

    def noise(self, k: int) -> float:
        """The size of f⁽ᵏ⁾ that rounding of f alone can produce: 1e-12 of f's typical size
        over the range, per width to the k (a float64 power: a tiny width's power is 0 and the
        noise ∞, where a float's raised ZeroDivisionError for a range of width 2e-320)."""
        return float(1e-12 * self.scales[0] / np.float64(self.width) ** k)

    # ----------------------------------------------------------------- narrowing
    def solve(self, k: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A zero of f⁽ᵏ⁾ in each bracket [a, b] where it changes sign: bisection first, then
        Newton's method with the exact f⁽ᵏ⁺¹⁾, a step that leaves the bracket or does not
        halve |f⁽ᵏ⁾| replaced by a bisection. Across a pole or a jump only bisection makes
        progress: the bracket closes on the break. Returns the points and whether each is an
        exact zero or a converged Newton step (not a bracket shut on a break)."""
        a, b = np.array(a, dtype=float), np.array(b, dtype=float)
        va = self.at(a)[k]
        # Bisection towards 0 never lands on it, and 0 is where x/x, sin(x)/x and 1/x break:
        # a bracket around 0 looks there first.
        x = np.where((a < 0) & (b > 0), 0.0, 0.5 * (a + b))
        settled = np.zeros(a.shape, dtype=bool)
        previous = np.full(a.shape, np.inf)
        use_newton = np.zeros(a.shape, dtype=bool)
        active = np.arange(a.size)
        tol = 1e-15 * self.width
        for step in range(MAX_STEPS):
            if active.size == 0:
                break
            d = self.at(x[active])
            v, dv = d[k], d[k + 1]
            undefined = np.isnan(v)  # a hole or pole between the nodes: stop on it
            same = np.sign(v) == np.sign(va[active])
            a[active] = np.where(same, x[active], a[active])
            va[active] = np.where(same, v, va[active])
            b[active] = np.where(same, b[active], x[active])
            with np.errstate(all="ignore"):
                newton = x[active] - v / dv
            inside = (newton > a[active]) & (newton < b[active]) & np.isfinite(newton)
            good = inside & (step >= BISECT_FIRST) & (np.abs(v) <= 0.5 * previous[active])
            previous[active] = np.abs(v)
            moved = np.where(good, newton, 0.5 * (a[active] + b[active]))
            converged = good & (np.abs(newton - x[active]) <= 4 * np.spacing(np.abs(x[active])))
            exact = v == 0
            done = undefined | exact | converged | (b[active] - a[active] <= tol)
            settled[active] = exact | converged
            use_newton[active] = good
            x[active] = np.where(done & ~converged, x[active], moved)
            active = active[~done]
        return x, settled

    def narrow_break(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """A point in each [a, b] where f changes a lot: bisection into the half with the
        larger change (across a pole or a jump it stays large, for a continuous f it shrinks)."""
        a, b = np.array(a, dtype=float), np.array(b, dtype=float)
        fa, fb = self.at(a)[0], self.at(b)[0]
        tol = 1e-15 * self.width
        with np.errstate(all="ignore"):
            for _ in range(MAX_STEPS):
                live = b - a > tol
                if not live.any():
                    break
                m = 0.5 * (a + b)
                fm = self.at(m)[0]
                stop = np.isnan(fm)  # no value in between: the break is there
                left = np.abs(fm - fa) > np.abs(fb - fm)
                go = live & ~stop
                b, fb = np.where(go & left, m, b), np.where(go & left, fm, fb)
                a, fa = np.where(go & ~left, m, a), np.where(go & ~left, fm, fa)
                a = np.where(live & stop, m, a)
                b = np.where(live & stop, m, b)
        return 0.5 * (a + b)

    def boundary(self, inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
        """Where f stops having a value: bisection between a node where it has one (inside)
        and one where it has none; returns the last x found with a value."""
        a, b = np.array(inside, dtype=float), np.array(outside, dtype=float)
        for _ in range(MAX_STEPS):
            m = 0.5 * (a + b)
            if np.all((m == a) | (m == b)):
                break
            defined = ~np.isnan(self.at(m)[0])
            a, b = np.where(defined, m, a), np.where(defined, b, m)
        return a

    # ----------------------------------------------------------------- looking closely
    def probe(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """f, f′, f″, f‴ at each x (CHANNELS, n), and at x − δ and x + δ for δ shrinking from
        width/1000 to width·1e-12 (CHANNELS, n, decades) each."""
        x = np.asarray(x, dtype=float)
        delta = self.width * 10.0**-PROBE_DECADES
        # never closer than a few ulp: x ± δ must be other numbers than x
        delta = np.maximum(delta[None, :], 8 * np.spacing(np.abs(x))[:, None])
        points = np.concatenate([x, (x[:, None] - delta).ravel(), (x[:, None] + delta).ravel()])
        d = self.at(points)
        n, m = x.size, delta.shape[1]
        centre = d[:, :n]
        left = d[:, n : n + n * m].reshape(CHANNELS, n, m)
        right = d[:, n + n * m :].reshape(CHANNELS, n, m)
        return centre, left, right


def sign_events(v: np.ndarray, offset: int = 0) -> list[Event]:
    """Sign changes and exact zeros of the finite values v (node indices shifted by offset)."""
    s = np.sign(v)
    events = []
    cross = np.flatnonzero(s[:-1] * s[1:] < 0)
    events += [Event("cross", int(i) + offset, int(i) + offset + 1) for i in cross]
    for first, last in _runs(s == 0, minimum=1):
        before = s[first - 1] if first > 0 else 0.0
        after = s[last + 1] if last + 1 < s.size else 0.0
        kind = "node" if first == last else "run"
        crossing = bool(before * after < 0) or (before == 0) != (after == 0)
        events.append(Event(kind, first + offset, last + offset, crossing))
    return sorted(events, key=lambda e: e.i)


def break_candidates(ys: np.ndarray, span: float) -> np.ndarray:
    """Node pairs (i, i + 1) between which f may jump: a change larger than the visible span,
    or a visible change many times the changes around it (the plot's rule, plot_geometry)."""
    with np.errstate(invalid="ignore", over="ignore"):
        dy = np.abs(np.diff(ys))
        padded = np.concatenate([np.zeros(3), np.nan_to_num(dy), np.zeros(3)])
        n = dy.size
        around = np.max([padded[3 + k : 3 + k + n] for k in (-3, -2, 2, 3)], axis=0)
        step = (dy > 0.01 * span) & (dy > 4.0 * around)
        finite = np.isfinite(ys)
        return np.flatnonzero(finite[:-1] & finite[1:] & ((dy > span) | step))


def side(values: np.ndarray, scale: float) -> Side:
    """How f⁽ᵏ⁾ behaves as δ shrinks over nine decades (values ordered from far to near)."""
    v = np.asarray(values, dtype=float)
    if np.isnan(v[-3:]).any():
        return Side("none")
    if np.isinf(v[-1]):
        return Side("+inf" if v[-1] > 0 else "-inf")
    good = v[np.isfinite(v)]
    with np.errstate(all="ignore"):
        steps = np.abs(np.diff(good))
    if good.size >= 3:
        # converged: the last changes are tiny next to the first ones (a smooth function's
        # shrink with δ, 1e-8; a square root's 1e-4), or tiny next to the function's size
        if steps[-1] <= 0.05 * steps[0] or steps[-2:].max() <= 1e-12 * max(scale, abs(good[-1])):
            return Side("value", float(good[-1]))
        growing = np.all(np.diff(np.abs(good)) > 0) and (np.all(good > 0) or np.all(good < 0))
        if growing and steps[-1] >= 0.5 * steps[0]:
            return Side("+inf" if good[-1] > 0 else "-inf")
    return Side("none")


def continuous(left: np.ndarray, right: np.ndarray, centre: float, scale: float) -> bool:
    """f⁽ᵏ⁾ is continuous at the point: both one-sided limits exist, and the gap between the
    two sides closes as δ shrinks (for a steep but continuous function by ~10 per decade, for
    a jump not at all); the value at the point, when it has one, sits between them."""
    a, b = side(left, scale), side(right, scale)
    if not (a.finite and b.finite):
        return False
    with np.errstate(all="ignore"):  # ∞ − ∞ is no gap that closes
        gaps = np.abs(np.asarray(right, dtype=float) - np.asarray(left, dtype=float))
    tiny = 1e-12 * max(scale, abs(a.value), abs(b.value))
    if not (gaps[-1] <= tiny or gaps[-1] <= 1e-2 * gaps[0]):
        return False
    return not math.isfinite(centre) or abs(centre - 0.5 * (a.value + b.value)) <= 10 * (
        gaps[-1] + tiny
    )


def _runs(mask: np.ndarray, minimum: int) -> list[tuple[int, int]]:
    """(first, last) index of each run of True at least `minimum` long."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    starts, ends = edges[::2], edges[1::2] - 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s + 1 >= minimum]


def _scale(values: np.ndarray) -> float:
    """A typical size of |values| on the scan (its 98th percentile: poles do not count)."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return 1.0
    size = float(np.percentile(finite, 98.0))
    return size if size > 0 else max(float(finite.max()), 1e-300)
