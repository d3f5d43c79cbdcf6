"""UI latency ratios, measured in one run against bare PySide6 + pyqtgraph baselines.

1. x-slider step until the window has repainted (the plot's and the graph view's viewports
   both received their paint event), p95 over 200 steps, vs a bare pyqtgraph setData of a
   2,000-point curve until its viewport (as large as the app's plot) has repainted, measured in
   alternating rounds with the app's steps. Target: <= 2.5x.
2. Cold start to the first painted window (fresh subprocess each, median of several) vs a
   bare PySide6 + pyqtgraph window showing one curve. Target: <= 3x.

Run: QT_QPA_PLATFORM=offscreen python bench/bench_ui.py   (prints ratios; not a timed test)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STEPS = 200
COLD_RUNS = 5
F65 = (
    "sin(3x) e^(-x^2/4) + a x^2 + cos(2x)/(1+x^2) - b tanh(x/2) + sqrt(x^2+1) ln(1+e^x)"
    " + |x-1| sigmoid(c x) + (x-2)^3/10 - softplus(x) relu(x-1)"
)
F150 = (
    " + ".join(f"sin({k}x) cos(x/{k}) exp(-x^2/{k}) tanh(x - {k})" for k in range(1, 6))
    + " + "
    + " + ".join(f"sqrt(x^2 + {k}) ln(1 + x^2/{k})" for k in range(1, 5))
)
EXPRESSIONS = [
    "x^2 + 3x",  # the app's default
    "sin(a x) * exp(-x^2/4) + b x^3",  # 16 nodes
    # 64 nodes
    "sin(a x) * exp(-x^2/b) + relu(x - 1) * tanh(c x) / (1 + x^2) + sqrt(abs(x)) * cos(3x)"
    " - ln(1 + e^x) + x^3/7 + sigmoid(2x - 1) * atan(x/2) - cosh(x/5)^2 + 1/(2 + sin(x))",
    F65,  # the 65-node function
    F150,  # 151 nodes
]


def _p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def _paint_waiter(app, widgets):
    """Returns wait(): process events until every widget got a Paint event since the last call."""
    from PySide6.QtCore import QEvent, QObject

    painted: set[int] = set()
    targets = {id(w): w for w in widgets}

    class Filter(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and id(obj) in targets:
                painted.add(id(obj))
            return False

    flt = Filter()
    for w in widgets:
        w.installEventFilter(flt)

    def wait() -> None:
        painted.clear()
        for _ in range(50):
            app.processEvents()
            if len(painted) == len(targets):
                return
        raise RuntimeError("no repaint after 50 event-loop passes")

    wait.filter = flt  # keep the filter alive
    return wait


def step_latency() -> None:
    """Each case against the bare repaint measured in the same minutes: rounds of bare steps and
    app steps alternate, so a shared machine that speeds up or slows down moves both."""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gradexplorer.ui import MainWindow
    from gradexplorer.ui.app import tune_garbage_collector

    app = QApplication.instance() or QApplication([])
    bare = pg.PlotWidget()
    curve = bare.plot()
    xs = np.linspace(-5, 5, 2000)
    bare.show()
    bare_wait = _paint_waiter(app, [bare.viewport()])
    tick = [0]

    def bare_step() -> float:
        tick[0] += 1
        ys = np.sin(xs + 0.01 * tick[0])
        t0 = time.perf_counter()
        curve.setData(xs, ys)
        bare_wait()
        return time.perf_counter() - t0

    rounds, per_round = 4, STEPS // 4
    for expr in EXPRESSIONS:
        win = MainWindow(expression=expr, x=-4.0)
        win.resize(1280, 800)
        win.show()
        settled = time.perf_counter() + 0.4  # the graph chooses its boxes once sizes settle
        while time.perf_counter() < settled:
            app.processEvents()
        bare.resize(win.plot.size())  # the same number of pixels to paint
        tune_garbage_collector()  # as the app does once its window is up
        wait = _paint_waiter(app, [win.plot.viewport(), win.graph_view.viewport()])
        slider = win.x_control.slider
        curves = win.model.curve_computations

        def app_step(i: int, slider=slider, wait=wait) -> float:
            t0 = time.perf_counter()
            slider.setValue(250 + (i * 7) % 1600)  # never the start tick (200)
            wait()
            return time.perf_counter() - t0

        for i in range(20):  # warm-up
            app_step(i)
            bare_step()
        times, base = [], []
        for r in range(rounds):
            base += [bare_step() for _ in range(per_round)]
            times += [app_step(20 + r * per_round + i) for i in range(per_round)]
        assert win.model.curve_computations == curves, "an x step recomputed the curve"
        nodes = len(win.model.point.trace.nodes)
        size = win.plot.size()
        a95, b95 = _p95(times), _p95(base)
        shown = expr if len(expr) < 50 else expr[:47] + "..."
        print(f"x-slider step until plot+graph repainted, f = {shown}")
        print(f"  ({nodes} graph nodes drawn as {win.graph_view.node_count()} boxes at 1280x800)")
        print(
            f"  p50 {statistics.median(times) * 1e3:.2f} ms   p95 {a95 * 1e3:.2f} ms   "
            f"bare setData+repaint ({size.width()}x{size.height()}, 2,000 pts) "
            f"p50 {statistics.median(base) * 1e3:.2f} ms   p95 {b95 * 1e3:.2f} ms"
        )
        print(f"  ratio p95 {a95 / b95:.2f}x (target <= 2.5x)")
        win.close()
    bare.close()


BARE_CHILD = """
import time, os
t_import = time.perf_counter()
import numpy as np, pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication([])
w = pg.PlotWidget()
w.plot(np.linspace(-5, 5, 2000), np.linspace(-5, 5, 2000) ** 2)
w.resize(1280, 800)
class F(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and obj is w.viewport():
            print("painted", flush=True); os._exit(0)
        return False
f = F(); w.viewport().installEventFilter(f)
w.show()
app.exec()
"""

APP_CHILD = """
import os
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from gradexplorer.ui import MainWindow
app = QApplication([])
win = MainWindow()
win.resize(1280, 800)
seen = set()
targets = {id(win.plot.viewport()), id(win.graph_view.viewport())}
class F(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and id(obj) in targets:
            seen.add(id(obj))
            if seen == targets:
                print("painted", flush=True); os._exit(0)
        return False
f = F()
win.plot.viewport().installEventFilter(f)
win.graph_view.viewport().installEventFilter(f)
win.show()
app.exec()
"""


def _cold(code: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=os.environ
    )
    dt = time.perf_counter() - t0
    if proc.returncode != 0 or "painted" not in proc.stdout:
        raise RuntimeError(proc.stderr[-2000:])
    return dt


def cold_start() -> None:
    _cold(BARE_CHILD)  # warm the OS file cache for both, so neither pays the first disk read
    _cold(APP_CHILD)
    bare, app = [], []
    for _ in range(COLD_RUNS):
        bare.append(_cold(BARE_CHILD))
        app.append(_cold(APP_CHILD))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"cold start to first painted window (median of {COLD_RUNS}, fresh processes):")
    print(
        f"  bare PySide6+pyqtgraph {b:.3f} s   gradexplorer {a:.3f} s   ratio {a / b:.2f}x"
        " (target <= 3x)"
    )


if __name__ == "__main__":
    step_latency()
    cold_start()
