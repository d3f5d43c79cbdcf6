"""Qt-free plot geometry: pole breaking, framing and tangent clipping."""

import math

import numpy as np
import pytest

from gradexplorer.ui.plot_geometry import break_discontinuities, clip_line, robust_y_range


def _reciprocal(x):
    with np.errstate(all="ignore"):
        return 1.0 / x


def test_break_inserts_gap_at_pole_between_samples():
    xs = np.linspace(-1.03, 0.97, 400)  # 0 is not on the grid
    xs2, ys2 = break_discontinuities(xs, _reciprocal(xs), 20.0, _reciprocal)
    ok = np.isfinite(ys2)
    joined = ok[:-1] & ok[1:]
    assert not np.any(joined & (xs2[:-1] < 0) & (xs2[1:] > 0))
    assert np.count_nonzero(~np.isfinite(ys2)) == 1  # exactly one gap, samples all kept
    assert len(xs2) == len(xs) + 1


def test_break_leaves_steep_continuous_curve_joined():
    xs = np.linspace(0, 10, 200)
    f = np.exp
    _, ys2 = break_discontinuities(xs, f(xs), 5.0, f)  # jumps far above the view height
    assert np.all(np.isfinite(ys2)) and len(ys2) == len(xs)


def test_break_finds_tan_poles():
    xs = np.linspace(-5, 5, 2001) + 1e-4
    xs2, ys2 = break_discontinuities(xs, np.tan(xs), 10.0, np.tan)
    ok = np.isfinite(ys2)
    joined = ok[:-1] & ok[1:]
    for pole in (-3 * np.pi / 2, -np.pi / 2, np.pi / 2, 3 * np.pi / 2):
        assert not np.any(joined & (xs2[:-1] < pole) & (xs2[1:] > pole))


def test_break_finds_step():
    step = lambda x: np.where(x < 0.3, 0.0, 50.0)  # noqa: E731
    xs = np.linspace(-1, 1, 101)
    xs2, ys2 = break_discontinuities(xs, step(xs), 10.0, step)
    assert np.count_nonzero(np.isnan(ys2)) == 1
    gap = int(np.flatnonzero(np.isnan(ys2))[0])
    assert xs2[gap - 1] < 0.3 < xs2[gap + 1]


def test_robust_range_ignores_pole_spikes_but_frames_parabola_fully():
    xs = np.linspace(-5, 5, 2001)
    lo, hi = robust_y_range(xs**2)
    assert lo < 0 and 25 < hi < 28
    with np.errstate(all="ignore"):
        lo, hi = robust_y_range(1 / xs)
    assert -20 < lo < -1 and 1 < hi < 20
    assert robust_y_range(np.full(10, np.nan)) == (-1.0, 1.0)
    lo, hi = robust_y_range(np.full(10, 3.0))
    assert lo < 3 < hi


def test_clip_line_keeps_slope_and_stays_in_view():
    view = (-5.0, 5.0, -2.0, 2.0)
    (xa, ya), (xb, yb) = clip_line(1.0, 1.0, 1e6, view)
    assert (yb - ya) / (xb - xa) == pytest.approx(1e6)
    assert -5 <= xa < xb <= 5 and ya >= -4 - 1e-6 and yb <= 4 + 1e-6
    assert clip_line(0.0, 0.0, math.nan, view) is None
    assert clip_line(0.0, 100.0, 0.0, view) is None  # horizontal line far above the view
