"""What the model derives for a function of two inputs: the landscape over the visible box (the
grid of f, its colours, contour lines at well-chosen levels, the field of gradient arrows), the
point's readouts (gradient, Hessian, the verdict, the slice's directional derivative) and the
optimizers' race. Qt-free, so it is tested without a display; the model calls it and emits the
results, the landscape view draws them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import contourpy
import numpy as np

from gradexplorer.autograd import BackwardTrace
from gradexplorer.expr import Expression
from gradexplorer.lessons.curvature import Verdict, classify
from gradexplorer.lessons.race import Run, engine_objective, race
from gradexplorer.lessons.session.two_inputs import Box, LandscapeSettings, RaceSettings
from gradexplorer.ui.derived import PointData

GRID = 200  # samples per side of the heat map
ARROWS = 15  # arrows per side of the field
LEVELS = 12  # about this many contour lines
ARROW_FILL = 0.85  # the longest arrow is this fraction of a cell
HEAD = 0.3  # arrow head length, as a fraction of the arrow


@dataclass(frozen=True)
class LandscapeData:
    """Everything the landscape view draws for one box, ready for pyqtgraph."""

    box: Box
    xs: np.ndarray  # grid axes
    ys: np.ndarray
    values: np.ndarray  # f on the grid, shape (len(ys), len(xs))
    colors: np.ndarray  # what the heat map shows: f, or log10(f − f_min + δ)
    color_range: tuple[float, float]
    log_scale: bool
    levels: tuple[float, ...]  # contour levels, in f
    contours: tuple[np.ndarray, np.ndarray]  # all lines, NaN between pieces
    arrows: tuple[np.ndarray, np.ndarray]  # segments (shafts and heads) for connect="pairs"
    arrow_points: np.ndarray  # (k, 2) where the arrows start
    arrow_vectors: np.ndarray  # (k, 2) the drawn vectors (∇f or −∇f, scaled)
    typical_grad: float  # median |∇f| on the grid: what "small" means here
    log_shift: float  # f_min − δ, subtracted before the log (0 without log)


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, nearest above raw."""
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    p = 10.0 ** math.floor(math.log10(raw))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= raw * (1 - 1e-9))


def bulk(values: np.ndarray) -> tuple[float, float] | None:
    """The 1st and 99th percentile of the finite values (None when there are none)."""
    finite = _finite(values)
    if finite.size == 0:
        return None
    lo, hi = np.percentile(finite, [1.0, 99.0])
    return float(lo), float(hi)


def linear_levels(
    values: np.ndarray, count: int = LEVELS, span: tuple[float, float] | None = None
) -> tuple[float, ...]:
    """Round numbers spread over the bulk of the values (1st to 99th percentile), so a pole or
    a steep wall does not squeeze every line into a corner."""
    span = span or bulk(values)
    if span is None:
        return ()
    lo, hi = span
    if not hi > lo:
        return (lo,)
    step = nice_step((hi - lo) / count)
    first = math.ceil(lo / step) * step
    return tuple(float(v) for v in np.arange(first, hi, step))


def log_levels(values: np.ndarray) -> tuple[tuple[float, ...], float]:
    """Levels f_min + 1·10^k and 3·10^k over the values' decades (for functions like
    Rosenbrock, whose interesting part is a thin valley far below the walls), and δ."""
    finite = _finite(values)
    if finite.size == 0:
        return (), 0.0
    base = float(finite.min())
    above = finite - base
    positive = above[above > 0]
    if positive.size == 0:
        return (base,), 1.0
    lo, hi = (float(v) for v in np.percentile(positive, [0.5, 99.5]))
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    levels = [m * 10.0**k for k in range(k0, k1 + 1) for m in (1.0, 3.0) if lo <= m * 10.0**k <= hi]
    delta = 10.0 ** (k0 - 1)
    return tuple(base + v for v in levels), delta


def contour_lines(
    xs: np.ndarray, ys: np.ndarray, values: np.ndarray, levels: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Every contour line of every level as one polyline with NaN between pieces (one
    PlotCurveItem draws them all), computed by contourpy."""
    z = values if np.isfinite(values).all() else np.ma.masked_invalid(values)  # masks cost
    gen = contourpy.contour_generator(xs, ys, z, line_type=contourpy.LineType.ChunkCombinedNan)
    gap = np.array([[np.nan, np.nan]])
    pieces = []
    for (chunks,) in gen.multi_lines(list(levels)) if len(levels) else ():  # one call for all
        for chunk in chunks:
            if chunk is not None and len(chunk):
                pieces.append(chunk)
                pieces.append(gap)
    if not pieces:
        return np.empty(0), np.empty(0)
    allpts = np.concatenate(pieces)
    return allpts[:, 0], allpts[:, 1]


def arrow_segments(
    px: np.ndarray, py: np.ndarray, vx: np.ndarray, vy: np.ndarray, head: float = HEAD
) -> tuple[np.ndarray, np.ndarray]:
    """Shaft and two head strokes of each arrow, as pairs of points (connect="pairs")."""
    tx, ty = px + vx, py + vy
    hx, hy = -vx * head, -vy * head
    c, s = math.cos(math.radians(25)), math.sin(math.radians(25))
    lx, ly = tx + c * hx - s * hy, ty + s * hx + c * hy
    rx, ry = tx + c * hx + s * hy, ty - s * hx + c * hy
    xs = np.column_stack([px, tx, tx, lx, tx, rx]).reshape(-1)
    ys = np.column_stack([py, ty, ty, ly, ty, ry]).reshape(-1)
    return xs, ys


def arrow_field(
    expression: Expression,
    params: Mapping[str, float],
    box: Box,
    *,
    descent: bool = False,
    count: int = ARROWS,
    compress: bool = False,
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Cell centres, the drawn vectors (∇f, or −∇f with `descent`, scaled so the longest fits
    a cell), the scale (data units per unit of |∇f|) and the median |∇f| (what "small" means
    here). With `compress` (the log colour scale) lengths grow with log(1 + |∇f|/median)
    instead, so the gentle valley's arrows stay visible next to the walls'; the direction is
    always exactly ∇f's. ∇f is evaluated at the count × count centres only, not the grid."""
    x0, x1, y0, y1 = box
    cx = x0 + (np.arange(count) + 0.5) * (x1 - x0) / count
    cy = y0 + (np.arange(count) + 0.5) * (y1 - y0) / count
    _, (dx, dy) = expression.gradient_batch([cx[None, :], cy[:, None]], params)
    dx, dy = dx.ravel(), dy.ravel()
    norm = np.hypot(dx, dy)
    finite = np.isfinite(norm)
    longest = float(norm[finite].max()) if finite.any() else 0.0
    cell = min(x1 - x0, y1 - y0) / count
    scale = ARROW_FILL * cell / longest if longest > 0 else 0.0
    sign = -1.0 if descent else 1.0
    vectors = np.column_stack([dx, dy]) * (sign * scale)
    keep = finite & (norm > 0)
    typical = float(np.median(norm[keep])) if keep.any() else 1.0
    if compress and keep.any():
        squash = np.log1p(norm / typical) / math.log1p(longest / typical)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(keep, squash * longest / norm, 0.0)
        vectors = vectors * factor[:, None]
    gx, gy = np.meshgrid(cx, cy)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    return points[keep], vectors[keep], scale, typical


def compute_landscape(
    expression: Expression,
    params: Mapping[str, float],
    box: Box,
    settings: LandscapeSettings,
    resolution: int = GRID,
) -> LandscapeData:
    """The heat map, contours and arrows of f over `box`. Raises what the engine raises."""
    x0, x1, y0, y1 = box
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    values = expression.values_batch([xs[None, :], ys[:, None]], params)  # f alone, broadcast
    points, vectors, _, typical = arrow_field(
        expression, params, box, descent=settings.arrows == "descent", compress=settings.log_scale
    )
    if settings.log_scale:
        levels, delta = log_levels(values)
        finite = _finite(values)
        shift = float(finite.min()) - delta if finite.size else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            colors = np.log10(values - shift)
    else:
        span = bulk(values)
        levels, shift = linear_levels(values, span=span), 0.0
        colors = values
    color_range = _color_range(colors, span if not settings.log_scale else None)
    contours = contour_lines(xs, ys, values, levels)
    if settings.arrows == "off":
        points, vectors = points[:0], vectors[:0]
    arrows = arrow_segments(points[:, 0], points[:, 1], vectors[:, 0], vectors[:, 1])
    return LandscapeData(
        box, xs, ys, values, colors, color_range, settings.log_scale, levels, contours,
        arrows, points, vectors, typical, shift,
    )  # fmt: skip


def _color_range(
    colors: np.ndarray, span: tuple[float, float] | None = None
) -> tuple[float, float]:
    finite = _finite(colors)
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = span or bulk(finite) or (0.0, 1.0)
    if not hi > lo:
        lo, hi = float(finite.min()), float(finite.max())
    if not hi > lo:
        return lo - 1.0, lo + 1.0
    return lo, hi


def default_box(state_x_range: tuple[float, float], state_y_range: tuple[float, float]) -> Box:
    return (*state_x_range, *state_y_range)


# ----- the point -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SurfacePointData:
    """The point (x, y) of a function of two inputs, everything from the engine."""

    x: float
    y: float
    value: float
    gradient: tuple[float, float]  # ∂f/∂x, ∂f/∂y
    partials: dict[str, float]  # every input and parameter
    hessian: tuple[tuple[float, float], tuple[float, float]]
    verdict: Verdict
    direction: tuple[float, float]  # the slice's unit vector u
    directional: float  # ∇f·u: the slope of the slice's tangent
    trace: BackwardTrace | None

    @property
    def grad_norm(self) -> float:
        return math.hypot(*self.gradient)


def evaluate_surface(
    expression: Expression,
    x: float,
    y: float,
    params: Mapping[str, float],
    direction: tuple[float, float],
    typical_grad: float = 1.0,
) -> SurfacePointData:
    """f, ∇f, the Hessian, the verdict and ∇f·u at (x, y); never raises (nan where it fails)."""
    names = expression.inputs
    try:
        p = expression.at_point({names[0]: x, names[1]: y}, params, trace=True)
        value, partials, hessian, trace = p.value, dict(p.gradient), p.hessian, p.trace
    except Exception:  # an engine error must not reach a Qt slot: the point is undefined
        nan = math.nan
        value, partials, hessian, trace = nan, {}, ((nan, nan), (nan, nan)), None
    if not math.isfinite(value):
        partials = dict.fromkeys(partials, math.nan)
        hessian = ((math.nan, math.nan), (math.nan, math.nan))
    gx, gy = partials.get(names[0], math.nan), partials.get(names[1], math.nan)
    ux, uy = direction
    h = ((hessian[0][0], hessian[0][1]), (hessian[1][0], hessian[1][1]))
    verdict = classify(h, math.hypot(gx, gy), typical_grad)
    return SurfacePointData(
        x, y, value, (gx, gy), partials, h, verdict, (ux, uy), gx * ux + gy * uy, trace
    )


def surface_arrow(
    expression: Expression,
    x: float,
    y: float,
    params: Mapping[str, float],
    direction: tuple[float, float],
) -> SurfacePointData:
    """f and ∇f at (x, y) alone, for the landscape's point while a parameter slider is held:
    the arrow and the level-set tangent need no more. The reverse sweep over one point costs
    a tenth of at_point's pass with its trace and Hessian, which come when the drag pauses
    (the Hessian, verdict and trace here are nan and None). Never raises."""
    nan = math.nan
    try:
        f, (gx, gy) = expression.gradient_batch([np.array([x]), np.array([y])], params)
        value, gx, gy = float(f[0]), float(gx[0]), float(gy[0])
    except Exception:  # an engine error must not reach a Qt slot: the point is undefined
        value = gx = gy = nan
    if not math.isfinite(value):
        gx = gy = nan
    names = expression.inputs
    h = ((nan, nan), (nan, nan))
    ux, uy = direction
    return SurfacePointData(
        x, y, value, (gx, gy), {names[0]: gx, names[1]: gy}, h, classify(h, nan), (ux, uy),
        gx * ux + gy * uy, None,
    )  # fmt: skip


def slice_point(surface: SurfacePointData, t0: float) -> PointData:
    """The point as the plot (the slice) and the graph read it: x is the coordinate along the
    slice, f′ the directional derivative ∇f·u, f″ the curvature uᵀHu."""
    (a, b), (_, c) = surface.hessian
    ux, uy = surface.direction
    curvature = a * ux * ux + 2 * b * ux * uy + c * uy * uy
    return PointData(
        t0, surface.value, surface.directional, curvature, dict(surface.partials), surface.trace
    )


def run_race(
    expression: Expression, params: Mapping[str, float], settings: RaceSettings
) -> tuple[Run, ...]:
    """Every optimizer of the race from its start; never raises (an engine error: no runs)."""
    if not settings.optimizers:
        return ()
    try:
        return race(
            engine_objective(expression, dict(params)),
            settings.start,
            settings.optimizers,
            settings.steps,
            tol=settings.tol,
        )
    except Exception:
        return ()


PATHS_MARGIN = 0.08  # of the paths' extent, on each side
PATHS_REACH = 50.0  # a diverging run is framed this many views (or paths' extents) out


def paths_box(runs: Sequence[Run], start: Sequence[float], view: Box) -> Box:
    """The box that frames the start and every finite point of the runs, with a margin. A
    diverging run is framed as far as PATHS_REACH times the view (or the other paths' extent,
    if larger) from the start: one that ran off to 1e8 would shrink the rest to a dot (the
    table flags it). A side along which nothing moved gets a width of 1."""
    steady = [tuple(start), *(p for run in runs if not run.diverged for p in run.path)]
    gone = [p for run in runs if run.diverged for p in run.path]
    pts = _finite_points(steady)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    reach = PATHS_REACH * np.maximum(hi - lo, [view[1] - view[0], view[3] - view[2]])
    far = _finite_points(gone)
    far = far[(np.abs(far - np.asarray(start, dtype=float)) <= reach).all(axis=1)]
    pts = np.concatenate([pts, far])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = hi - lo
    pad = np.where(span > 0, span * PATHS_MARGIN, 0.5)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]),
            float(hi[1] + pad[1]))  # fmt: skip


def _finite_points(points: Sequence[Sequence[float]]) -> np.ndarray:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return pts[np.isfinite(pts).all(axis=1)]


class RaceCache:
    """The runs of the last race by optimizer: a run depends only on its own settings and on
    the function, the start, the steps and the tolerance, so editing one racer (its rate, its
    schedule) or adding one reruns that racer alone; `computed` counts the runs computed."""

    def __init__(self) -> None:
        self._context: tuple | None = None
        self._runs: dict = {}
        self.computed = 0

    def run(
        self, expression: Expression, params: Mapping[str, float], settings: RaceSettings
    ) -> tuple[Run, ...]:
        """Like run_race, reusing the runs whose inputs did not change."""
        context = (expression, sorted(params.items()), settings.start, settings.steps, settings.tol)
        if self._context is None or not _same(context, self._context):
            self._context, self._runs = context, {}
        missing = tuple(dict.fromkeys(s for s in settings.optimizers if s not in self._runs))
        if missing:
            fresh = run_race(expression, params, replace(settings, optimizers=missing, selected=0))
            if len(fresh) != len(missing):  # the engine failed: no runs, as run_race says
                return ()
            self.computed += len(fresh)
            self._runs.update(zip(missing, fresh, strict=True))
        self._runs = {s: self._runs[s] for s in settings.optimizers}  # forget removed racers
        return tuple(self._runs[s] for s in settings.optimizers)


def _same(a: tuple, b: tuple) -> bool:
    # the expression by identity (a new parse is a new function), the rest by value
    return a[0] is b[0] and a[1:] == b[1:]
