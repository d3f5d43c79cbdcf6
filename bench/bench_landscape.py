"""Landscape benchmarks (issue 13). Prints ratios against baselines measured in the same run.

1. f and ∇f over a 200×200 grid through the engine (Expression.sample_grid) vs the same
   computed by hand in numpy, both from the two axis vectors. Target: <= 1.3x.
2. A parameter drag until the landscape (heat map, contours, arrows) is repainted, p95, vs a
   bare pyqtgraph ImageItem.setImage + contourpy lines of the same levels + repaint of the
   same grid in a widget of the same size. Target: <= 2x.
3. Dragging the race's start with six optimizers × 500 steps, p95 until all paths are
   repainted, vs a bare setData of six 501-point curves over the same image + repaint.
   Target: <= 3x.

Run: QT_QPA_PLATFORM=offscreen python bench/bench_landscape.py   (not a timed test)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from bench_engine import compare
from bench_ui import _p95, _paint_waiter

FUNCTION = "f(x, y) = (1 - x)^2 + 100(y - x^2)^2 + sin(x) cos(y)"
DRAGGED = "f(x, y) = (1 - x)^2 + a(y - x^2)^2 + sin(x) cos(y)"
STEPS = 60


def hand_numpy(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, ...]:
    x, y = np.meshgrid(xs, ys)
    u, v = 1 - x, y - x * x
    sx, cy = np.sin(x), np.cos(y)
    f = u * u + 100 * v * v + sx * cy
    fx = -2 * u - 400 * x * v + np.cos(x) * cy
    fy = 200 * v - sx * np.sin(y)
    return f, fx, fy


def hand_numpy_broadcast(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """The same by hand with the trick the engine's grid uses: the axes as a row and a column,
    so sin(x), cos(y), 1 - x and x² are computed once per column or row."""
    x, y = xs[None, :], ys[:, None]
    u, v = 1 - x, y - x * x
    sx, cy = np.sin(x), np.cos(y)
    f = u * u + 100 * v * v + sx * cy
    fx = -2 * u - 400 * x * v + np.cos(x) * cy
    fy = 200 * v - sx * np.sin(y)
    return f, fx, np.broadcast_to(fy, f.shape).copy()


def grid() -> None:
    from gradexplorer.expr import parse

    e = parse(FUNCTION)
    xs, ys = np.linspace(-2, 2, 200), np.linspace(-1, 3, 200)
    g = e.sample_grid(xs, ys)
    f, fx, fy = hand_numpy(xs, ys)
    assert np.allclose(g.value, f) and np.allclose(g.gradient[0], fx)
    assert np.allclose(g.gradient[1], fy)
    t_np, t_ag = compare(lambda: hand_numpy(xs, ys), lambda: e.sample_grid(xs, ys), 15, 20)
    print(
        f"f and ∇f on a 200x200 grid: numpy {t_np * 1e3:.2f} ms, engine {t_ag * 1e3:.2f} ms, "
        f"ratio {t_ag / t_np:.2f} (target <= 1.3)"
    )
    t_bc, t_ag = compare(
        lambda: hand_numpy_broadcast(xs, ys), lambda: e.sample_grid(xs, ys), 15, 20
    )
    print(
        f"  against numpy written with the same row/column broadcasting: {t_bc * 1e3:.2f} ms, "
        f"ratio {t_ag / t_bc:.2f}"
    )


def _window(expression: str):
    from PySide6.QtWidgets import QApplication

    from gradexplorer.ui import MainWindow
    from gradexplorer.ui.app import tune_garbage_collector

    app = QApplication.instance() or QApplication([])
    win = MainWindow(expression=expression)
    win.resize(1280, 800)
    win.show()
    for _ in range(10):
        app.processEvents()
    tune_garbage_collector()  # as the app does once its window is up (bench_ui does too)
    return app, win


def _bare(app, size, data, curves: int = 0):
    """A bare pyqtgraph widget with the same image; returns (widget, image, contour, paths)."""
    import pyqtgraph as pg

    w = pg.PlotWidget()
    w.resize(size)
    w.move(1300, 0)  # beside the app's window (both are timed in turns): neither covers the other
    image = pg.ImageItem(axisOrder="row-major")
    image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
    w.addItem(image)
    contour = pg.PlotCurveItem()
    w.addItem(contour)
    paths = [pg.PlotCurveItem() for _ in range(curves)]
    for p in paths:
        w.addItem(p)
    w.show()
    image.setImage(data.colors, autoLevels=False, levels=data.color_range)
    for _ in range(5):
        app.processEvents()
    return w, image, contour, paths


def _alternate(
    app_step, bare_step, warm: int = 5, rounds: int = 4, settle=lambda: None
) -> tuple[list, list]:
    """Time both in alternating rounds (as bench_ui does), so load on the shared cores hits
    the app and the baseline alike; the first `warm` steps of each are not counted. Step 0
    was taken before (to build the baseline from its data). `settle` runs, untimed, after each
    round of the app (a race that waits for the drag to pause must not land in the baseline's
    turn)."""
    for i in range(1, warm + 1):
        app_step(i)
        bare_step(i)
    times, base = [], []
    per = STEPS // rounds
    for r in range(rounds):
        for j in range(per):
            times.append(app_step(1 + warm + r * per + j))
        settle()
        _flush()  # what the app's last step left (other views' repaints) is not the baseline's
        for j in range(per):
            base.append(bare_step(1 + warm + r * per + j))
    return times, base


def _flush() -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(20):
        QApplication.processEvents()


def _timed(step):
    def run(i: int) -> float:
        t0 = time.perf_counter()
        step(i)
        return time.perf_counter() - t0

    return run


def parameter_drag() -> None:
    import contourpy

    app, win = _window(DRAGGED)
    m = win.model
    wait = _paint_waiter(app, [win.landscape.viewport()])
    slider = win.param_panel.controls["a"].slider
    slider.setSliderDown(True)  # held, as a mouse drag holds it (sliderPressed)

    def app_step(i: int) -> None:
        slider.setValue(1000 + (i * 37) % 900)
        wait()

    app_step(0)
    data = m.landscape
    size = win.landscape.size()
    w, image, contour, _ = _bare(app, size, data)
    bare_wait = _paint_waiter(app, [w.viewport()])

    def bare_step(i: int) -> None:
        values = data.values * (1 + 0.001 * i)
        image.setImage(values, autoLevels=False, levels=data.color_range)
        gen = contourpy.contour_generator(
            data.xs, data.ys, values, line_type=contourpy.LineType.ChunkCombinedNan
        )
        pieces = [c for lv in data.levels for c in gen.lines(lv)[0] if c is not None]
        pts = np.concatenate(pieces) if pieces else np.empty((0, 2))
        contour.setData(pts[:, 0], pts[:, 1], connect="finite")
        bare_wait()

    times, base = _alternate(_timed(app_step), _timed(bare_step), warm=10, settle=m.settle)
    slider.setSliderDown(False)
    race_ms = _time_race(m)
    win.close()
    w.close()
    a, b = _p95(times), _p95(base)
    print(f"parameter drag until the landscape is repainted ({size.width()}x{size.height()}):")
    print(
        f"  p50 {statistics.median(times) * 1e3:.1f} ms  p95 {a * 1e3:.1f} ms; bare setImage + "
        f"contours + repaint p95 {b * 1e3:.1f} ms; ratio {a / b:.2f} (target <= 2)"
    )
    print(f"  (the race of the default 3 optimizers x 200 steps, rerun when a drag pauses: "
          f"{race_ms:.1f} ms)")  # fmt: skip


def _time_race(m) -> float:
    from gradexplorer.ui.landscape_data import run_race

    t0 = time.perf_counter()
    run_race(m.expression, m.param_values(), m.race_settings)
    return (time.perf_counter() - t0) * 1e3


def start_drag() -> None:
    from gradexplorer.lessons.optimizers import make

    app, win = _window(FUNCTION)
    m = win.model
    six = (
        make("sgd", lr=1e-3),
        make("sgd", lr=1e-3, momentum=0.9),
        make("sgd", lr=1e-3, momentum=0.9, nesterov=True),
        make("rmsprop", lr=1e-2),
        make("adam", lr=0.05),
        make("adamw", lr=0.05),
    )
    m.set_race(optimizers=six, steps=500)
    wait = _paint_waiter(app, [win.landscape.viewport()])

    def app_step(i: int) -> None:
        win.landscape.start.dragged.emit(-1.2 + 0.004 * i, 1.0 - 0.003 * i)
        wait()

    app_step(0)
    runs = m.race
    w, _image, _contour, paths = _bare(app, win.landscape.size(), m.landscape, curves=len(runs))
    bare_wait = _paint_waiter(app, [w.viewport()])

    def bare_step(i: int) -> None:
        for p, run in zip(paths, runs, strict=True):
            pts = np.asarray(run.path) + 0.001 * i
            p.setData(pts[:, 0], pts[:, 1])
        bare_wait()

    times, base = _alternate(_timed(app_step), _timed(bare_step))
    win.close()
    w.close()
    a, b = _p95(times), _p95(base)
    print("dragging the start, 6 optimizers x 500 steps, until all paths are repainted:")
    print(
        f"  p50 {statistics.median(times) * 1e3:.1f} ms  p95 {a * 1e3:.1f} ms; bare setData of "
        f"6 paths + repaint p95 {b * 1e3:.1f} ms; ratio {a / b:.2f} (target <= 3)"
    )


if __name__ == "__main__":
    grid()
    parameter_drag()
    start_drag()
