"""The plot's grid lines and zero lines (ui/plot_grid.py): at the axes' tick values, following
the view, opaque colours that look like pyqtgraph's translucent grid on the background."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from tests.ui.helpers import make_window


def _lines(path) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The (start, end) of every moveTo/lineTo pair of a path."""
    points = [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]
    return list(zip(points[0::2], points[1::2], strict=True))


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def _expected_ticks(window, axis: str, lo: float, hi: float, pixels: float, level: int):
    values = window.plot.getPlotItem().getAxis(axis).tickValues(lo, hi, pixels)[level][1]
    return sorted(v for v in values if lo <= v <= hi)


def test_grid_lines_stand_at_the_axes_tick_values_and_follow_the_view(qtbot, window):
    plot, vb = window.plot, window.plot.view_box
    for view in ((-5.0, 5.0, -3.0, 12.0), (0.5, 2.5, 100.0, 130.0)):
        window.model.set_view_range(*view)
        qtbot.waitUntil(lambda view=view: plot.grid._drawn[:4] == view, timeout=2000)
        x0, x1, y0, y1 = view
        vertical = _lines(plot.grid._levels[("bottom", 0)].path())
        assert sorted(a[0] for a, _ in vertical) == pytest.approx(
            _expected_ticks(window, "bottom", x0, x1, vb.width(), 0)
        )
        # each spans the view from bottom to top
        assert all((a[1], b[1]) == (y0, y1) and a[0] == b[0] for a, b in vertical)
        horizontal = _lines(plot.grid._levels[("left", 0)].path())
        assert sorted(a[1] for a, _ in horizontal) == pytest.approx(
            _expected_ticks(window, "left", y0, y1, vb.height(), 0)
        )
        assert all((a[0], b[0]) == (x0, x1) for a, b in horizontal)


def test_zero_lines_only_where_the_view_holds_zero(qtbot, window):
    zero = window.plot.grid.zero
    window.model.set_view_range(-5.0, 5.0, -3.0, 12.0)
    qtbot.waitUntil(lambda: len(_lines(zero.path())) == 2, timeout=2000)
    (v0, v1), (h0, h1) = sorted(_lines(zero.path()))
    assert {v0, v1, h0, h1} == {(0.0, -3.0), (0.0, 12.0), (-5.0, 0.0), (5.0, 0.0)}
    window.model.set_view_range(1.0, 3.0, 2.0, 4.0)  # neither axis in view
    qtbot.waitUntil(lambda: len(_lines(zero.path())) == 0, timeout=2000)


def test_grid_colour_is_the_translucent_grid_blended_onto_the_background(qtbot, window):
    t = window.plot.theme.plot
    item = window.plot.grid._levels[("bottom", 0)]
    count = len(_lines(item.path()))
    pixels = window.plot.view_box.width()
    # pyqtgraph: alpha 255 × grid alpha × min(1, 0.05 × length / (ticks + 1)) for level 0
    alpha = t.grid_alpha * min(1.0, 0.05 * pixels / (count + 1))
    axis, bg = QColor(t.axis), QColor(t.background)
    pairs = zip(axis.getRgbF()[:3], bg.getRgbF()[:3], strict=True)
    want = [alpha * a + (1 - alpha) * b for a, b in pairs]
    got = item.pen().color()
    assert got.alpha() == 255  # opaque: Qt draws it as a span, not pixel by pixel
    assert got.getRgbF()[:3] == pytest.approx(want, abs=1 / 255)
    assert item.pen().isCosmetic()  # one pixel wide at any zoom


def test_a_faint_line_never_cuts_a_stronger_one(qtbot):
    # f = 100: nothing but the grid in the lower part of the view; the major vertical lines
    # must keep their colour where the faint horizontal lines cross them
    window = make_window(qtbot, expression="100")
    window.model.set_view_range(-5.0, 5.0, -10.0, 10.0)
    plot = window.plot
    qtbot.waitUntil(lambda: plot.grid._drawn[:4] == (-5.0, 5.0, -10.0, 10.0), timeout=2000)
    qtbot.wait(50)
    image = plot.grab().toImage()
    scale = image.devicePixelRatio()
    major = [a[0] for a, _ in _lines(plot.grid._levels[("bottom", 0)].path())]
    x = next(v for v in major if abs(v) > 1)  # away from the zero line
    minor_y = [a[1] for a, _ in _lines(plot.grid._levels[("left", 1)].path())]
    minor_y += [a[1] for a, _ in _lines(plot.grid._levels[("left", 2)].path())]
    assert minor_y  # there are faint horizontal lines to cross it

    def device(vx: float, vy: float) -> tuple[float, float]:
        p = plot.mapFromScene(plot.view_box.mapViewToScene(QPointF(vx, vy)))
        return p.x() * scale, p.y() * scale

    # the line's pixel column: the darkest of the columns around where x maps
    px, row = device(x, -7.3)  # between horizontal lines
    column = min(
        (int(px) + d for d in (-1, 0, 1, 2)),
        key=lambda c: image.pixelColor(c, round(row)).lightness(),
    )
    between = image.pixelColor(column, round(row)).name()
    assert between != image.pixelColor(column + 4, round(row)).name()  # a line, not background
    crossings = {
        image.pixelColor(column, round(device(x, y)[1])).name()
        for y in minor_y
        if -9 < y < 9 and abs(y) > 0.5
    }
    assert crossings == {between}
