"""Points of interest of a function of x over a range: roots (double roots, intervals of zeros),
minima and maxima, inflections, the y-intercept, and where f breaks: poles, jumps, holes and the
ends of its domain. Qt-free; the app's markers, the trace mode, gradient descent's last words
and ``gradexplorer points`` all read ``find_points``.

How, with the engine's own derivatives (curve_scan.py has the numerics):

1. A dense scan of f, f′, f″ (and f‴) on 2001 nodes, in one Taylor-mode pass.
2. What the scan sees: sign changes of f, f′ and f″ between neighbours, exact zeros on a node
   (found once, not once per side), runs of exact zeros (intervals of zeros and plateaus, not a
   thousand points), gaps where f has no value, and jumps of f.
3. Each bracket narrowed by bisection and then Newton's method with the exact next derivative.
4. Each candidate probed on both sides: f (and f′) at x ± δ for δ over nine decades. A sign
   change of f where f is continuous is a root; where |f| grows without bound it is a pole,
   never a root (tan x at π/2, x/(x² − 6) at √6); where two limits differ, a jump.
5. Extrema are sign changes of f′ where f is continuous (a kink of |x| too, where f′ has no
   zero); inflections sign changes of f″ where f and f′ are. A root where f′ vanishes as well
   is a double root ((x − 1)² touches 0: the extremum it sits on finds it), and an inflection
   with f′ = 0 a stationary inflection (x³ at 0: f′ does not change sign, so no extremum).
6. Where points crowd (sin(1/x) near 0) they are left out and counted: "and N more".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gradexplorer import formatting
from gradexplorer.autograd.trace import to_jsonable
from gradexplorer.expr import Expression
from gradexplorer.lessons.curve_scan import (
    CurveScan,
    Side,
    break_candidates,
    continuous,
    side,
    sign_events,
)

ROOT = "root"
DOUBLE_ROOT = "double root"
ZEROS = "zeros"  # an interval where f = 0 (relu at x < 0)
MINIMUM = "minimum"
MAXIMUM = "maximum"
PLATEAU = "plateau"  # an interval where f is constant, f ≠ 0
INFLECTION = "inflection"
STATIONARY_INFLECTION = "stationary inflection"
Y_INTERCEPT = "y-intercept"
POLE = "pole"
JUMP = "jump"
HOLE = "hole"  # no value at one point, the same limit on both sides (sin(x)/x at 0)
NO_LIMIT = "no limit"  # no value and no limit (sin(1/x) at 0)
DOMAIN_END = "domain end"
KINDS = (
    ROOT,
    DOUBLE_ROOT,
    ZEROS,
    MINIMUM,
    MAXIMUM,
    PLATEAU,
    INFLECTION,
    STATIONARY_INFLECTION,
    Y_INTERCEPT,
    POLE,
    JUMP,
    HOLE,
    NO_LIMIT,
    DOMAIN_END,
)
INTERVALS = frozenset({ZEROS, PLATEAU})
ROOTS = frozenset({ROOT, DOUBLE_ROOT})
EXTREMA = frozenset({MINIMUM, MAXIMUM})

Segments = list[tuple[int, int]]
MAX_SHOWN = 80
MAX_EVENTS = 400  # more sign changes of one kind than this are not looked at one by one
CROWD_WINDOW = 1 / 100  # of the range: more than CROWD_COUNT points inside one are crowded
CROWD_COUNT = 4
SAME = 1e-9  # of the range: points closer than this are at the same place
PLATEAU_ROUNDING = 1e-13  # relative: f's values on a plateau may differ by a few ulp
TOUCH = 1e-12  # of f's typical size: an extremum this close to 0 touches it (a double root)
WIDER = 10.0  # "search a wider range": this many times the view's width, around its centre


@dataclass(frozen=True)
class PointOfInterest:
    """One point (or interval) and the numbers that classify it.

    x, y: where and f there (y is nan where f has no value: poles, holes; ±inf at a domain end
    f runs away from). slope and curvature: f′ and f″ there (nan where they have none).
    Intervals (zeros, plateaus) go from x to ``end``. ``left``/``right``: f's one-sided limits
    where it breaks. ``multiplicity``: a root's order (2 for a double root). ``why``: words."""

    kind: str
    x: float
    y: float
    slope: float = math.nan
    curvature: float = math.nan
    why: str = ""
    end: float | None = None
    left: float | None = None
    right: float | None = None
    multiplicity: int | None = None

    @property
    def is_interval(self) -> bool:
        return self.end is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: non-finite numbers are null (``why`` says where f runs off to ±∞)."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.is_interval:
            out["from"], out["to"] = _json(self.x), _json(self.end)
        else:
            out["x"] = _json(self.x)
        out["y"] = _json(self.y)
        out["slope"], out["curvature"] = _json(self.slope), _json(self.curvature)
        for name in ("left", "right", "multiplicity"):
            value = getattr(self, name)
            if value is not None:
                out[name] = _json(value)
        out["why"] = self.why
        return out


@dataclass(frozen=True)
class PointsFound:
    """The points of interest over [lo, hi], sorted by x; ``hidden`` more were found where
    they crowd too close to tell apart (between ``hidden_from`` and ``hidden_to``)."""

    lo: float
    hi: float
    points: tuple[PointOfInterest, ...] = ()
    hidden: int = 0
    hidden_from: float | None = None
    hidden_to: float | None = None

    def of_kind(self, *kinds: str) -> list[PointOfInterest]:
        return [p for p in self.points if p.kind in kinds]

    def stops(self) -> list[float]:
        """The x positions a student can jump to, in order (intervals: both ends)."""
        xs = {p.x for p in self.points if math.isfinite(p.x)}
        xs |= {p.end for p in self.points if p.end is not None and math.isfinite(p.end)}
        return sorted(xs)

    def next_after(self, x: float, direction: int = 1) -> float | None:
        """The nearest stop beyond x in the direction (+1 right, −1 left), None if none."""
        tol = SAME * (self.hi - self.lo)
        stops = self.stops()
        if direction > 0:
            beyond = [s for s in stops if s > x + tol]
            return beyond[0] if beyond else None
        before = [s for s in stops if s < x - tol]
        return before[-1] if before else None

    def at(self, x: float, tolerance: float | None = None) -> list[PointOfInterest]:
        """The points at x (within the tolerance, by default a millionth of the range)."""
        tol = 1e-6 * (self.hi - self.lo) if tolerance is None else tolerance
        return [
            p
            for p in self.points
            if abs(p.x - x) <= tol or (p.end is not None and p.x - tol <= x <= p.end + tol)
        ]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": _json(self.lo),
            "to": _json(self.hi),
            "points": [p.to_dict() for p in self.points],
        }
        if self.hidden:
            out["more"] = {
                "count": self.hidden,
                "from": _json(self.hidden_from),
                "to": _json(self.hidden_to),
            }
        return out


def wider(lo: float, hi: float, factor: float = WIDER) -> tuple[float, float]:
    """A range `factor` times as wide around the same centre (the "search a wider range"
    option: extrema outside the view are found too)."""
    centre, half = 0.5 * (lo + hi), 0.5 * (hi - lo) * factor
    return centre - half, centre + half


NARROWEST = 1e-9  # of the larger end's size: the scan's samples stay thousands of ulps apart
TINIEST = 1e-150  # a width whose square is still a normal float (the noise divides by it)


def search_problem(lo: float, hi: float) -> str | None:
    """Why lo..hi cannot be searched for points, in words after the range, or None. Finite,
    ordered ends of a float width; and not so narrow that the scan's samples repeat (x² − 1
    over 1..1 + 1e-15 was "a plateau, f′ = 0"; over ±1e-320 the noise estimate divided by 0)."""
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi and math.isfinite(hi - lo)):
        return "must go from a smaller to a larger number"
    if not hi - lo >= max(NARROWEST * max(abs(lo), abs(hi)), TINIEST):
        return (
            f"is too narrow to search: make it wider than {NARROWEST:g} of its size "
            f"(and than {TINIEST:g})"
        )
    return None


def find_points(
    expression: Expression,
    params: Mapping[str, float] | None = None,
    lo: float = -5.0,
    hi: float = 5.0,
    *,
    limit: int = MAX_SHOWN,
) -> PointsFound:
    """The points of interest of f over [lo, hi] (see the module's docstring for how).
    Raises ValueError for an empty or infinite range and what the engine raises (an op
    without a Taylor rule: NotImplementedError)."""
    lo, hi = float(lo), float(hi)
    problem = search_problem(lo, hi)
    if problem is not None:
        raise ValueError(f"the range {lo!r}..{hi!r} {problem}")
    with np.errstate(all="ignore"):  # IEEE answers (inf, nan) are answers here
        scan = CurveScan(expression, params or {}, lo, hi)
        finder = _Finder(scan)
        found = finder.run()
    return _crowding(PointsFound(lo, hi, tuple(found)), limit, finder.unresolved)


class _Finder:
    """One search: collects the points from the scan's events."""

    def __init__(self, scan: CurveScan) -> None:
        self.scan = scan
        self.same = SAME * scan.width
        self.points: list[PointOfInterest] = []
        # (count, from, to) of events too many to look at (sin x over a million units)
        self.unresolved: list[tuple[int, float, float]] = []

    def too_many(self, xs: Sequence[float]) -> bool:
        """More events than can be looked at one by one: counted as crowded instead."""
        if len(xs) <= MAX_EVENTS:
            return False
        self.unresolved.append((len(xs), float(min(xs)), float(max(xs))))
        return True

    def run(self) -> list[PointOfInterest]:
        # Every step works on all segments at once (a function with a thousand poles in view
        # is one bisection of a thousand brackets, not a thousand bisections).
        segments = self.scan.segments()
        self._gaps()
        intervals = self._intervals(segments)
        extrema_at = self._extrema(segments, intervals)
        self._inflections(segments, intervals)
        self._roots(segments, extrema_at)
        self._breaks(segments)
        self._y_intercept()
        return _tidy(self.points, self.same)

    def add(self, point: PointOfInterest) -> None:
        self.points.append(point)

    def _candidates(
        self, k: int, segments: Segments, intervals: list[tuple[int, int]]
    ) -> np.ndarray:
        """Where f⁽ᵏ⁾ changes sign: exact zeros on nodes, and the zeros the solver finds
        between nodes (outside the intervals where f or f′ is 0 throughout)."""
        s = self.scan
        inside = np.zeros(s.xs.size, dtype=bool)
        for i, j in intervals:
            inside[i : j + 1] = True
        brackets, xs = [], []
        for first, last in segments:
            for e in s.sign_events(k, first, last):
                if inside[e.i]:
                    continue
                if e.kind == "cross":
                    brackets.append((s.xs[e.i], s.xs[e.j]))
                elif e.kind == "node" and e.crossing and first < e.i < last:
                    xs.append(s.xs[e.i])
        if self.too_many(xs + [a for a, _ in brackets]):
            return np.empty(0)
        if brackets:
            a, b = (np.array(v) for v in zip(*brackets, strict=True))
            xs += list(s.solve(k, a, b)[0])
        return np.array(xs, dtype=float)

    # ----------------------------------------------------------------- roots
    def _roots(self, segments: Segments, extrema_at: list[float]) -> None:
        """Sign changes and zeros of f on the nodes and on the extrema between them (two roots
        close around a minimum fall between two nodes; a minimum that touches 0 is a root)."""
        roots: list[float] = []
        crossing: list[bool] = []
        brackets: list[tuple[float, float]] = []
        extrema = np.sort(np.array(extrema_at, dtype=float))
        for first, last in segments:
            self._segment_roots(first, last, extrema, roots, crossing, brackets)
        if self.too_many(roots + [a for a, _ in brackets]):
            return
        s = self.scan
        if brackets:
            a, b = (np.array(v) for v in zip(*brackets, strict=True))
            x = s.solve(0, a, b)[0]
            centre, left, right = s.probe(x)
            for i in range(x.size):
                if _defined_and_continuous(centre[0, i], left[0, i], right[0, i], s.scales[0]):
                    roots.append(float(x[i]))
                    crossing.append(True)
                else:  # a sign change across a break: a pole or a jump, never a root
                    self._break_at(float(x[i]), left[0, i], right[0, i], centre[:, i])
        self._add_roots(np.array(roots, dtype=float), crossing)

    def _segment_roots(
        self,
        first: int,
        last: int,
        extrema: np.ndarray,
        roots: list[float],
        crossing: list[bool],
        brackets: list[tuple[float, float]],
    ) -> None:
        s = self.scan
        nodes = s.xs[first : last + 1]
        inside = extrema[(extrema > nodes[0]) & (extrema < nodes[-1])]
        if inside.size:  # an extremum on a node is that node (x² at 0 on a symmetric range)
            step = nodes[1] - nodes[0]
            nearest = nodes[
                np.clip(np.round((inside - nodes[0]) / step).astype(int), 0, nodes.size - 1)
            ]
            inside = inside[np.abs(inside - nearest) > self.same]
        at_extrema = s.at(inside)[0] if inside.size else np.empty(0)
        # An extremum that touches 0 is a zero, of rounding size ((x − 1)² at 1 + 1e-16 is
        # 1e-32, x² − 2x + 1 may give −2e-16), not two sign changes a hair apart.
        at_extrema[np.abs(at_extrema) <= TOUCH * s.scales[0]] = 0.0
        xs = np.concatenate([nodes, inside])
        order = np.argsort(xs, kind="stable")
        xs = xs[order]
        f = np.concatenate([s.d[0, first : last + 1], at_extrema])[order]
        for e in sign_events(f):
            if e.kind == "cross":
                brackets.append((xs[e.i], xs[e.j]))
            elif e.kind == "node":
                roots.append(float(xs[e.i]))
                crossing.append(e.crossing)

    def _add_roots(self, xs: np.ndarray, crossing: list[bool]) -> None:
        if xs.size == 0:
            return
        s = self.scan
        xs = _polish(s, xs, 0)
        d = s.at(xs)
        for i, m in enumerate(_multiplicities(s, xs)):
            if m is None:  # f′ has no value, or every derivative is 0 (a kink's subgradient)
                sign = "changes sign" if crossing[i] else "does not change sign"
                why = f"f = 0 here and {sign}"
            else:
                why = _root_words(m, d[:, i])
            kind = DOUBLE_ROOT if m == 2 else ROOT
            self.add(PointOfInterest(kind, float(xs[i]), *_fs(d[:, i]), why, multiplicity=m))

    # ----------------------------------------------------------------- extrema
    def _extrema(self, segments: Segments, intervals: list[tuple[int, int]]) -> list[float]:
        """Sign changes of f′ where f is continuous (a kink of |x| too); where f breaks
        instead, the break (1/x² and ln|x| have no sign change of f to give theirs away)."""
        s = self.scan
        xs = self._candidates(1, segments, intervals)
        if xs.size == 0:
            return []
        centre, left, right = s.probe(xs)
        smooth = np.array(
            [continuous(left[1, i], right[1, i], math.nan, s.scales[1]) for i in range(xs.size)]
        )
        xs = np.where(smooth, _polish(s, xs, 1), xs)
        centre, left, right = s.probe(xs)
        found = []
        for i, x in enumerate(xs):
            if not _defined_and_continuous(centre[0, i], left[0, i], right[0, i], s.scales[0]):
                self._break_at(float(x), left[0, i], right[0, i], centre[:, i])
                continue
            point = _extremum(
                float(x), centre[:, i], left[1, i], right[1, i], smooth[i], s.scales[1]
            )
            if point is not None:
                self.add(point)
                found.append(point.x)
        return found

    # ----------------------------------------------------------------- inflections
    def _inflections(self, segments: Segments, intervals: list[tuple[int, int]]) -> None:
        """Sign changes of f″ where f and f′ are continuous; f′ = 0 there too makes it a
        stationary inflection."""
        s = self.scan
        xs = self._candidates(2, segments, intervals)
        if xs.size == 0:
            return
        centre, left, right = s.probe(xs)
        for i, x in enumerate(xs):
            if not _defined_and_continuous(centre[0, i], left[0, i], right[0, i], s.scales[0]):
                continue  # f breaks: found with f's own events
            if not _smooth(left[1, i], right[1, i], s.scales[1]):
                continue  # f′ jumps: a kink, not an inflection
            d = centre[:, i]
            flat = abs(d[1]) <= 1e-10 * s.scales[1]
            kind = STATIONARY_INFLECTION if flat else INFLECTION
            self.add(PointOfInterest(kind, float(x), *_fs(d), _inflection_words(d, flat)))

    # ----------------------------------------------------------------- intervals
    def _intervals(self, segments: Segments) -> list[tuple[int, int]]:
        """Runs of exact zeros of f (intervals of zeros) and of f′ over which f keeps one value
        (plateaus: x/|x| has f′ = 0 on both sides of its jump, two plateaus); returns the node
        ranges, where no single root or extremum is looked for."""
        s = self.scan
        found: list[tuple[int, int, str]] = []
        for first, last in segments:
            zeros: list[tuple[int, int]] = []
            for k, kind in ((0, ZEROS), (1, PLATEAU)):
                # zeros: f exactly 0; plateaus: f′ 0 to rounding and f one value, not ~0 (the
                # tail of e^(−x²) is no plateau)
                for e in s.sign_events(k, first, last, exact=k == 0):
                    if e.kind != "run" or any(i <= e.i and e.j <= j for i, j in zeros):
                        continue
                    runs = [
                        (i, j)
                        for i, j in _constant_runs(s.d[0], e.i, e.j)
                        if not _underflow(s, i, j, first, last)
                        and (k == 0 or abs(s.d[0, i]) > 1e-9 * s.scales[0])
                    ]
                    zeros += runs if k == 0 else []
                    found += [(i, j, kind) for i, j in runs]
        if not found:
            return []
        # beyond the segment's end too: f has no value there, so the end is found there
        starts = self._interval_ends([(i, i - 1) for i, _, _ in found])
        ends = self._interval_ends([(j, j + 1) for _, j, _ in found])
        for (i, _j, kind), x0, x1 in zip(found, starts, ends, strict=True):
            y = float(s.d[0, i])
            why = _interval_words(kind, y)
            self.add(PointOfInterest(kind, x0, y, 0.0, 0.0, why, end=x1))
        return [(i, j) for i, j, _ in found]

    def _interval_ends(self, pairs: list[tuple[int, int]]) -> list[float]:
        """Where each interval that ends at a node really ends: bisection towards the next
        node while f keeps the interval's value (relu(x − 3) + 2 is 2 at 3, where its
        one-sided f′ is already 1), all intervals at once."""
        s = self.scan
        inside = np.array([n for n, _ in pairs])
        outside = np.clip([o for _, o in pairs], 0, s.xs.size - 1)
        y = s.d[0, inside]
        tol = PLATEAU_ROUNDING * np.abs(y)  # rounding of f's value; 0 for intervals of zeros
        a, b = s.xs[inside].astype(float), s.xs[outside].astype(float)
        # the range's own end, or f reaches y on the next node, where it starts to move
        done = (outside == inside) | (np.abs(s.d[0, outside] - y) <= tol)
        a = np.where(done, b, a)
        for _ in range(60):
            m = 0.5 * (a + b)
            live = ~done & (m != a) & (m != b)
            if not live.any():
                break
            same = np.abs(s.at(m)[0] - y) <= tol
            a, b = np.where(live & same, m, a), np.where(live & ~same, m, b)
        return [_snap(float(x), s) for x in a]

    # ----------------------------------------------------------------- breaks
    def _breaks(self, segments: Segments) -> None:
        """Jumps (and poles) between nodes where f does not change sign (x + x/|x|)."""
        s = self.scan
        span = max(s.scales[0], 1e-300)
        found = [
            break_candidates(s.d[0, first : last + 1], span) + first for first, last in segments
        ]
        idx = np.concatenate(found) if found else np.empty(0, int)
        idx = idx[np.sign(s.d[0, idx]) == np.sign(s.d[0, idx + 1])]
        if self.too_many(list(s.xs[idx])):
            return
        if idx.size == 0:
            return
        x = s.narrow_break(s.xs[idx], s.xs[idx + 1])
        centre, left, right = s.probe(x)
        for i, xi in enumerate(x):
            if not _defined_and_continuous(centre[0, i], left[0, i], right[0, i], s.scales[0]):
                self._break_at(float(xi), left[0, i], right[0, i], centre[:, i])

    def _break_at(
        self, x: float, left_values: np.ndarray, right_values: np.ndarray, d: np.ndarray
    ) -> None:
        """Where f is not continuous: a pole, a jump, a hole, or no limit at all."""
        x = _snap(x, self.scan)
        scale = self.scan.scales[0]
        left, right = side(left_values, scale), side(right_values, scale)
        limits = _limit(left), _limit(right)
        if left.kind.endswith("inf") or right.kind.endswith("inf"):
            kind, why = POLE, _pole_words(left, right)
        elif left.finite and right.finite:
            if not continuous(left_values, right_values, math.nan, scale):
                kind, why = JUMP, _jump_words(left, right)
            elif not math.isfinite(d[0]):
                kind, why = HOLE, _hole_words(left)
            else:
                return  # continuous after all
        else:
            kind, why = NO_LIMIT, "f has no value and no limit here: it oscillates ever faster"
        y = float(d[0]) if kind == JUMP else math.nan
        self.add(PointOfInterest(kind, x, y, why=why, left=limits[0], right=limits[1]))

    # ----------------------------------------------------------------- the domain
    def _gaps(self) -> None:
        """Runs of nodes where f has no value: one point (a pole, a hole, no limit) when the
        run closes on a single x, else the domain ends at both sides. All gaps at once: a
        function with a thousand poles in view is one bisection, not a thousand."""
        s = self.scan
        defined = np.zeros(s.xs.size, dtype=bool)
        for first, last in s.segments():
            defined[first : last + 1] = True
        # no value: nan (ln(−1), 1/0), or a lone finite node amid them (x^x at x = −2)
        undefined = ~defined & ~np.isinf(s.d[0])
        gaps = _runs_of(undefined)
        if not gaps or self.too_many([float(s.xs[first]) for first, _ in gaps]):
            return
        # (defined node, undefined node) on each side of each gap, where there is one
        pairs = [
            (n, g, side_, k)
            for k, (first, last) in enumerate(gaps)
            for n, g, side_ in ((first - 1, first, -1), (last + 1, last, 1))
            if 0 <= n < s.xs.size and defined[n]
        ]
        if not pairs:
            return
        ends = s.boundary(s.xs[[p[0] for p in pairs]], s.xs[[p[1] for p in pairs]])
        by_gap: dict[int, dict[int, float]] = {}
        for (_n, _g, side_, k), x in zip(pairs, ends, strict=True):
            by_gap.setdefault(k, {})[side_] = float(x)
        isolated, domain_ends = [], []
        for k, sides in by_gap.items():
            first, last = gaps[k]
            if len(sides) == 2 and sides[1] - sides[-1] <= self.same:
                isolated.append(float(s.xs[first]) if first == last else 0.5 * sum(sides.values()))
            else:  # side −1: the gap's left end, where f has a value to the left
                domain_ends += [(x, side_) for side_, x in sides.items()]
        if isolated:
            centre, left, right = s.probe(np.array(isolated))
            for i, x in enumerate(isolated):
                self._break_at(x, left[0, i], right[0, i], centre[:, i])
        if domain_ends:
            self._domain_ends(domain_ends)

    def _domain_ends(self, ends: list[tuple[float, int]]) -> None:
        """The domain ends at each x (inward +1: f has a value to the right, −1: to the
        left); f's value
        there, or where it runs to (ln x at 0: −∞)."""
        s = self.scan
        xs = np.array([_snap(x, s) for x, _ in ends])
        centre, left, right = s.probe(xs)
        for i, (x, (_, inward)) in enumerate(zip(xs, ends, strict=True)):
            near = (right if inward > 0 else left)[0, i]
            limit = side(near, s.scales[0])
            d = centre[:, i]
            where = "to the left" if inward > 0 else "to the right"
            why = f"f has no value {where} of x = {_num(x)}"
            if limit.kind.endswith("inf"):  # ln x at 0: f runs away (ln(1e-300) is only −690)
                y, d = _limit(limit), np.full(d.shape, math.nan)
                why += f"; f → {'+∞' if limit.kind == '+inf' else '−∞'} as x approaches it"
            elif math.isfinite(d[0]):
                y = float(d[0])
            else:
                y = math.nan if _limit(limit) is None else _limit(limit)
            self.add(PointOfInterest(DOMAIN_END, float(x), y, float(d[1]), float(d[2]), why))
            if math.isfinite(y) and abs(y) <= TOUCH * s.scales[0]:
                self._root_at_end(float(x), d)

    def _root_at_end(self, x: float, d: np.ndarray) -> None:
        self.add(PointOfInterest(ROOT, x, *_fs(d), "f = 0 where its domain ends"))

    def _y_intercept(self) -> None:
        s = self.scan
        if not s.lo <= 0.0 <= s.hi:
            return
        d = s.at(np.array([0.0]))[:, 0]
        if math.isfinite(d[0]):
            why = f"where the curve crosses the y-axis: f(0) = {_num(d[0])}"
            self.add(PointOfInterest(Y_INTERCEPT, 0.0, *_fs(d), why))


# --------------------------------------------------------------------------------------------
# classification helpers


def _extremum(
    x: float,
    d: np.ndarray,
    left_values: np.ndarray,
    right_values: np.ndarray,
    smooth: bool,
    scale: float,
) -> PointOfInterest | None:
    """A minimum where f′ goes from − to +, a maximum from + to −, from f′ just beside x."""
    before, after = _sign_near(left_values), _sign_near(right_values)
    if before == 0 or after == 0 or before == after:
        return None
    kind = MINIMUM if before < 0 else MAXIMUM
    sign = "− to +" if before < 0 else "+ to −"
    left, right = side(left_values, scale), side(right_values, scale)
    if smooth:
        why = f"f′ = 0 and changes sign from {sign}; f″ = {_num(d[2])}"
    elif left.finite and right.finite:
        why = (
            f"a kink: f′ jumps from {_num(left.value)} to {_num(right.value)} "
            f"(no zero of f′, a change of sign from {sign})"
        )
    else:
        why = f"a cusp: f′ changes sign from {sign} through ±∞"
    slope = float(d[1]) if smooth else math.nan
    return PointOfInterest(kind, x, float(d[0]), slope, float(d[2]), why)


def _sign_near(values: np.ndarray) -> float:
    """The sign of f′ just beside the point (the nearest probes with a definite sign)."""
    v = np.asarray(values)[2:7]
    v = v[np.isfinite(v) & (v != 0)]
    if v.size == 0:
        return 0.0
    signs = np.sign(v)
    return float(signs[0]) if np.all(signs == signs[0]) else 0.0


def _smooth(left_values: np.ndarray, right_values: np.ndarray, scale: float) -> bool:
    """f′ continuous at the point, or ±∞ on both sides alike (a vertical tangent)."""
    left, right = side(left_values, scale), side(right_values, scale)
    if left.kind in ("+inf", "-inf") and left.kind == right.kind:
        return True
    return continuous(left_values, right_values, math.nan, scale)


def _defined_and_continuous(
    centre: float, left: np.ndarray, right: np.ndarray, scale: float
) -> bool:
    """f has a value at the point and is continuous there (a hole is not)."""
    return math.isfinite(centre) and continuous(left, right, centre, scale)


def _polish(scan: CurveScan, xs: np.ndarray, k: int) -> np.ndarray:
    """Two Newton steps on f⁽ᵏ⁾ with the exact f⁽ᵏ⁺¹⁾, each kept only where |f⁽ᵏ⁾| shrinks;
    a point a hair from 0 (bisection towards 0 never lands on it) tries 0 itself first."""
    xs = np.array(xs, dtype=float)
    value = np.abs(scan.at(xs)[k])
    near_zero = (np.abs(xs) <= 1e-13 * scan.width) & (scan.lo <= 0.0 <= scan.hi)
    if near_zero.any():
        at_zero = np.abs(scan.at(np.zeros(1))[k, 0])
        better = near_zero & (at_zero <= value)
        xs, value = np.where(better, 0.0, xs), np.where(better, at_zero, value)
    for _ in range(2):
        d = scan.at(xs)
        with np.errstate(all="ignore"):
            trial = xs - d[k] / d[k + 1]
        ok = np.isfinite(trial) & (value > 0) & (np.abs(trial - xs) <= 1e-6 * scan.width)
        if not ok.any():
            break
        new = np.abs(scan.at(np.where(ok, trial, xs))[k])
        ok &= new < value
        xs, value = np.where(ok, trial, xs), np.where(ok, new, value)
    return xs


def _snap(x: float, scan: CurveScan) -> float:
    """A point a hair from 0 (bisection towards 0 never lands on it) is 0."""
    return 0.0 if abs(x) <= 1e-13 * scan.width and scan.lo <= 0.0 <= scan.hi else x


def _multiplicities(scan: CurveScan, xs: np.ndarray) -> list[int | None]:
    """The order of the first Taylor coefficient at each x that is not negligible next to the
    others over a hundredth of the range: 1 for a simple root, 2 for a double root; None when
    the coefficients say nothing (f′ has no value, or all are 0 as at the kink of |x|)."""
    c = scan.expression.taylor(xs, scan.params, 6)
    terms = np.abs(c) * ((scan.width / 100) ** np.arange(7))[:, None]
    out: list[int | None] = []
    for i in range(xs.size):
        t = terms[:, i]
        big = t[1:].max()
        if not (np.all(np.isfinite(t[1:])) and big > 0):
            out.append(None)
        else:
            out.append(next(k for k in range(1, 7) if t[k] > 1e-9 * big))
    return out


def _fs(d: np.ndarray) -> tuple[float, float, float]:
    """f, f′, f″ from a column of derivatives."""
    return float(d[0]), float(d[1]), float(d[2])


def _constant_runs(f: np.ndarray, i: int, j: int) -> list[tuple[int, int]]:
    """Nodes i..j split where f changes value by more than rounding (a jump between two
    nodes), runs of two or more."""
    tol = PLATEAU_ROUNDING * np.abs(f[i:j])
    cuts = np.flatnonzero(np.abs(f[i + 1 : j + 1] - f[i:j]) > tol) + i
    starts, ends = np.concatenate([[i], cuts + 1]), np.concatenate([cuts, [j]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b > a]


def _underflow(scan: CurveScan, i: int, j: int, first: int, last: int) -> bool:
    """Zeros that are only too small for a float (e^(−x²) far out), not true zeros: f next to
    the run is smaller than any number one could see (relu's next value is a step's slope)."""
    beside = [scan.d[0, n] for n in (i - 1, j + 1) if first <= n <= last]
    return bool(beside) and all(abs(v) < 1e-150 * max(scan.scales[0], 1.0) for v in beside)


def _tidy(points: list[PointOfInterest], same: float) -> list[PointOfInterest]:
    """Sorted by x; one point per kind and place; roots inside an interval of zeros go."""
    points = sorted(points, key=lambda p: (p.x, KINDS.index(p.kind)))
    zeros = [p for p in points if p.kind == ZEROS]
    kept: list[PointOfInterest] = []
    for p in points:
        if p.kind in ROOTS and any(z.x - same <= p.x <= (z.end or z.x) + same for z in zeros):
            continue
        if any(q.kind == p.kind and abs(q.x - p.x) <= same for q in kept):
            continue
        kept.append(p)
    return kept


def _crowding(
    found: PointsFound, limit: int, unresolved: Sequence[tuple[int, float, float]] = ()
) -> PointsFound:
    """Leave out points that crowd together (more than CROWD_COUNT places within one
    CROWD_WINDOW of the range) and any beyond `limit`; count them, with the events there were
    too many of to look at."""
    width = found.hi - found.lo
    places = sorted({round(p.x / (SAME * width)) for p in found.points})
    xs = np.array(places, dtype=float) * SAME * width
    crowded = np.zeros(xs.size, dtype=bool)
    window = CROWD_WINDOW * width
    for i in range(xs.size):
        j = np.searchsorted(xs, xs[i] + window, side="right")
        if j - i > CROWD_COUNT:
            crowded[i:j] = True
    bad = set(np.round(xs[crowded] / (SAME * width)).astype(int).tolist())
    shown = [p for p in found.points if round(p.x / (SAME * width)) not in bad]
    hidden = [p for p in found.points if round(p.x / (SAME * width)) in bad]
    if len(shown) > limit:
        hidden += shown[limit:]
        shown = shown[:limit]
    count = len(hidden) + sum(n for n, _, _ in unresolved)
    if not count:
        return found
    ends = [p.x for p in hidden] + [x for _, a, b in unresolved for x in (a, b)]
    lo, hi = min(ends), max(ends)
    return replace(found, points=tuple(shown), hidden=count, hidden_from=lo, hidden_to=hi)


def _runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _limit(s: Side) -> float | None:
    if s.kind == "value":
        return s.value
    if s.kind in ("+inf", "-inf"):
        return math.inf if s.kind == "+inf" else -math.inf
    return None


# --------------------------------------------------------------------------------------------
# words


def _num(v: float) -> str:
    return formatting.readout(v, 6)


def _root_words(m: int, d: np.ndarray) -> str:
    if m == 1:
        return f"f changes sign; f′ = {_num(d[1])}"
    if m == 2:
        return f"f and f′ both vanish and f does not change sign (f″ = {_num(d[2])})"
    names = {3: "f, f′ and f″", 4: "f, f′, f″ and f‴"}
    vanish = names.get(m, f"f and its first {m - 1} derivatives")
    sign = "changes sign" if m % 2 else "does not change sign"
    return f"a root of multiplicity {m}: {vanish} vanish and f {sign}"


def _inflection_words(d: np.ndarray, flat: bool) -> str:
    if flat:
        return "f″ changes sign and f′ = 0 too, but f′ does not change sign: no extremum"
    return f"f″ changes sign: the curve turns the other way (f′ = {_num(d[1])})"


def _interval_words(kind: str, y: float) -> str:
    if kind == ZEROS:
        return "f = 0 on the whole interval"
    return f"f′ = 0 on the whole interval: f stays at {_num(y)}"


def _pole_words(left: Side, right: Side) -> str:
    def where(s: Side) -> str:
        return {"+inf": "+∞", "-inf": "−∞"}.get(s.kind, "no limit")

    return (
        f"|f| grows without bound: f → {where(left)} from the left, {where(right)} from the right"
    )


def _hole_words(left: Side) -> str:
    return f"f has no value here but tends to {_num(left.value)} from both sides"


def _jump_words(left: Side, right: Side) -> str:
    return f"f jumps from {_num(left.value)} to {_num(right.value)}"


def _json(v: Any) -> Any:
    """The CLI's one convention (to_jsonable): nan and ±inf are null, the words are beside."""
    if isinstance(v, int):
        return v
    out = to_jsonable(v)
    return None if out is None else out + 0.0  # never -0.0


def kinds_present(points: Sequence[PointOfInterest]) -> list[str]:
    """The kinds among points, in KINDS order (for a legend)."""
    present = {p.kind for p in points}
    return [k for k in KINDS if k in present]
