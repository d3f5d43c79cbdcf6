"""Many setData + repaint cycles in one process.

PySide6 6.12.0 with pyqtgraph 0.14.0 aborts ("Fatal Python error: none_dealloc") after enough
PlotDataItem.setData calls: a binding decrefs None once too often until None is freed. The
cycles run in a subprocess so that an abort fails this test instead of killing pytest, and
the child also checks that None's reference count does not drain, which exposes the bug long
before the abort. Checked against a PySide6-Essentials 6.12.0 venv: the child aborts (SIGABRT,
exit -6) inside PlotCurveItem.setData during its first 50 cycles.
"""

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication, QDoubleSpinBox
    from gradexplorer.ui import MainWindow

    app = QApplication.instance() or QApplication([])

    # 1. bare pyqtgraph: PlotDataItem (what PlotWidget.plot returns) and PlotCurveItem
    w = pg.PlotWidget()
    w.resize(640, 400)
    w.show()
    item = w.plot()
    curve = pg.PlotCurveItem()
    w.addItem(curve)
    xs = np.linspace(-5, 5, 2000)
    rng = np.random.default_rng(0)

    def bare_cycle(i):
        ys = np.sin(xs + i * 0.01) + rng.normal(0, 0.01, xs.size)
        item.setData(xs, ys)
        curve.setData(xs, -ys, connect="finite")
        if i % 10 == 0:
            w.viewport().repaint()
            app.processEvents()

    for i in range(50):
        bare_cycle(i)
    none_before = sys.getrefcount(None)
    for i in range(4000):
        bare_cycle(i)
    drain_bare = none_before - sys.getrefcount(None)

    # 2. the app: x steps (tangent/marker setData, graph texts) and curve recomputes
    win = MainWindow(expression="sin(x) * a x + 1/x", x=0.5)
    win.resize(1280, 800)
    win.show()
    spin = win.findChild(QDoubleSpinBox, "xSpinBox")
    param = win.findChild(QDoubleSpinBox, "paramSpinBox_a")
    for i in range(20):
        spin.setValue(-4 + (i % 80) * 0.1)
    none_before = sys.getrefcount(None)
    for i in range(1500):
        spin.setValue(-4 + (i % 80) * 0.1)
        if i % 5 == 0:
            param.setValue(1 + (i % 7) * 0.1)
        if i % 10 == 0:
            win.plot.viewport().repaint()
            win.graph_view.viewport().repaint()
            app.processEvents()
    drain_app = none_before - sys.getrefcount(None)
    print("none drain", drain_bare, drain_app)
    sys.exit(3 if max(drain_bare, drain_app) > 1000 else 0)
    """
)


def test_many_setdata_and_repaint_cycles_do_not_abort():
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode} (negative = killed by a signal, e.g. -6 for abort; "
        f"3 = None refcount drained)\nstdout: {proc.stdout[-2000:]}\n"
        f"stderr: {proc.stderr[-3000:]}"
    )
