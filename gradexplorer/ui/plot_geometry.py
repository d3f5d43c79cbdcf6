"""Geometry of what the plot draws: the y range that frames a curve, gaps at poles and jumps,
and lines clipped to the view. Qt-free, so it is tested without a display."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def robust_y_range(ys: np.ndarray) -> tuple[float, float]:
    """A y range that frames the interesting part of a sampled curve.

    Poles send a few samples towards ±1e16; framing those would flatten the rest of the curve
    to a line, so when the extremes are far outside the bulk we frame the 2nd–98th percentile.
    """
    finite = ys[np.isfinite(ys)]
    if finite.size == 0:
        return -1.0, 1.0
    # Nothing beyond ±1e300 can be drawn anyway, and the spans below must not overflow.
    finite = np.clip(finite, -1e300, 1e300)
    lo, hi = float(finite.min()), float(finite.max())
    if finite.size >= 20:
        p_lo, p_hi = (float(v) for v in np.percentile(finite, [2.0, 98.0]))
        if (hi - lo) > 4.0 * max(p_hi - p_lo, 1e-300):
            lo, hi = p_lo, p_hi
    span = hi - lo
    if span <= 1e-12 * max(1.0, abs(hi)):
        pad = max(1.0, abs(hi) * 0.1)
        return lo - pad, hi + pad
    pad = 0.08 * span
    return lo - pad, hi + pad


STEP_VISIBLE = 0.01  # a step smaller than this fraction of the view height is not worth a gap
STEP_RATIO = 4.0  # how many times the change on either side a step must be


def break_discontinuities(
    xs: np.ndarray,
    ys: np.ndarray,
    span: float,
    evaluate: Callable[[np.ndarray], np.ndarray],
    iterations: int = 22,
) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN gaps where the sampled curve jumps across a pole or a step.

    With connect="finite" a plotted line is only drawn between consecutive finite samples, so a
    pole that falls *between* two samples (tan at π/2, 1/x when 0 is not on the grid) would be
    joined by a false vertical line, and a step (relu′, the sign that |x|′ is) by a false
    vertical segment. Candidates are neighbours whose values differ by more than the visible
    height, or by a visible amount many times the change on either side (a step on a flat or
    gently sloping curve); each is bisected: on a continuous function the jump shrinks with the
    interval (roughly halving each time), across a pole or step it does not. Only the confirmed
    ones get a NaN sample inserted between the neighbours.
    """
    if xs.size < 2 or not math.isfinite(span) or span <= 0:
        return xs, ys
    finite = np.isfinite(ys)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is fine: it is masked
        dy = np.abs(np.diff(ys))
        step = (dy > STEP_VISIBLE * span) & (dy > STEP_RATIO * _change_around(dy))
        cand = np.nonzero(finite[:-1] & finite[1:] & ((dy > span) | step))[0]
    if cand.size == 0:
        return xs, ys
    a, b = xs[cand].copy(), xs[cand + 1].copy()
    fa, fb = ys[cand].copy(), ys[cand + 1].copy()
    start_jump = np.abs(fb - fa)
    broken = np.zeros(cand.size, dtype=bool)
    with np.errstate(all="ignore"):  # non-finite midpoints are expected here
        for _ in range(iterations):
            live = ~broken
            if not live.any():
                break
            m = 0.5 * (a + b)
            fm = np.asarray(evaluate(m), dtype=float).reshape(m.shape)
            broken |= live & ~np.isfinite(fm)
            go_left = np.abs(fm - fa) > np.abs(fb - fm)
            upd = live & ~broken
            b = np.where(upd & go_left, m, b)
            fb = np.where(upd & go_left, fm, fb)
            a = np.where(upd & ~go_left, m, a)
            fa = np.where(upd & ~go_left, fm, fa)
        # A jump that stays large once the interval is tiny is a real break: a continuous
        # function's would have shrunk about 2^22 times.
        broken |= np.abs(fb - fa) > 0.25 * start_jump
    idx = cand[broken]
    if idx.size == 0:
        return xs, ys
    mids = 0.5 * xs[idx] + 0.5 * xs[idx + 1]  # no overflow between ±1e308
    return np.insert(xs, idx + 1, mids), np.insert(ys, idx + 1, np.nan)


def _change_around(dy: np.ndarray) -> np.ndarray:
    """The largest change two and three samples away on either side. The nearest neighbours
    are skipped: a step that falls exactly on a sample (|x|′ at x = 0 on a symmetric grid) is
    split over two equal changes side by side."""
    padded = np.concatenate([np.zeros(3), np.nan_to_num(dy), np.zeros(3)])
    n = dy.size
    return np.max([padded[3 + k : 3 + k + n] for k in (-3, -2, 2, 3)], axis=0)


def clip_for_drawing(ys: np.ndarray, y0: float, y1: float) -> np.ndarray:
    """Clamp far off-screen values: Qt paints in fixed point and garbles lines to ±1e16.

    The clamp is 1000 view heights away, so the visible part of a steep segment keeps its
    on-screen direction (it is near-vertical either way).
    """
    span = max(y1 - y0, 1e-300)
    with np.errstate(invalid="ignore", over="ignore"):
        clipped = np.clip(ys, y0 - 1e3 * span, y1 + 1e3 * span)
    # An infinite sample (1/x at x = 0) is a pole, not a very large number: it must stay a gap,
    # or clamping it would join both sides with a vertical line.
    clipped[np.isinf(ys)] = np.nan
    return clipped


def clip_line(
    x: float, y: float, slope: float, view: tuple[float, float, float, float], margin: float = 0.5
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """End points of the line through (x, y) with `slope`, cut to the view (plus a margin of
    view heights) so the tangent never carries coordinates Qt cannot paint."""
    x0, x1, y0, y1 = view
    if not all(math.isfinite(v) for v in (x, y, slope, x0, x1, y0, y1)):
        return None
    lo, hi = y0 - margin * (y1 - y0), y1 + margin * (y1 - y0)
    if slope == 0.0:
        return ((x0, y), (x1, y)) if lo <= y <= hi else None
    xa, xb = x + (lo - y) / slope, x + (hi - y) / slope
    left, right = max(x0, min(xa, xb)), min(x1, max(xa, xb))
    if left >= right:
        return None
    return (left, y + slope * (left - x)), (right, y + slope * (right - x))
