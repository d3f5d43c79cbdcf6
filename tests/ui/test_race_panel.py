"""The optimizers race in the window: dragging the start recomputes every path, the table shows
steps to |∇f| < tol, final f and divergence, the step mode draws an update as vectors and says
it in numbers, the editors change PyTorch's settings, and Copy as PyTorch code gives the loop."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox

from gradexplorer.lessons.optimizers import make
from gradexplorer.lessons.race import engine_objective, race

from .helpers import make_window, type_function

BOWL = "f(x, y) = x^2 + 3y^2"


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot)
    type_function(qtbot, w, BOWL)
    return w


def test_dragging_the_start_recomputes_every_path(window) -> None:
    m = window.model
    before = m.race_computations
    window.landscape.start.dragged.emit(2.0, -1.0)
    assert m.race_settings.start == (2.0, -1.0) and m.race_computations == before + 1
    expected = race(engine_objective(m.expression, {}), (2.0, -1.0), m.race_settings.optimizers,
                    m.race_settings.steps, tol=m.race_settings.tol)  # fmt: skip
    pixel = np.asarray(window.landscape.view_box.viewPixelSize())
    for run, drawn, want in zip(m.race, window.landscape.race_paths, expected, strict=False):
        assert run.path == want.path
        assert_drawn_from(drawn, want.points, pixel)
    # moving the point does not rerun the race
    m.set_point(0.3, 0.3)
    assert m.race_computations == before + 1


def assert_drawn_from(drawn, points: np.ndarray, pixel: np.ndarray) -> None:
    """The drawn vertices are the path's own points in order, the first and the last among
    them, and every point left out lies within half a pixel (each way) of the last drawn."""
    xs, ys = drawn.getData()
    vertices = np.column_stack([xs, ys])
    j, last = 0, None
    for p in points:
        if j < len(vertices) and (vertices[j] == p).all():
            last, j = p, j + 1
            continue
        assert last is not None and (np.abs(p - last) <= 0.5 * pixel).all(), (p, last)
    assert j == len(vertices), "a drawn vertex is not a point of the path"
    assert (vertices[0] == points[0]).all() and (vertices[-1] == points[-1]).all()


def test_a_path_draws_one_point_per_half_pixel_and_again_finer_when_zoomed_in(window) -> None:
    """500 steps of a slow optimizer span a few dozen pixels: stroking every point was a third
    of a start drag's repaint, for points that drew nothing."""
    m, lv = window.model, window.landscape
    m.set_race(optimizers=(make("sgd", lr=1e-3),), steps=500, start=(2.0, -1.0))
    m.settle()
    (run,) = m.race
    path = lv.race_paths[0]
    pixel = np.asarray(lv.view_box.viewPixelSize())
    assert_drawn_from(path, run.points, pixel)
    coarse = len(path.getData()[0])
    assert coarse < len(run.points) / 2, coarse
    outline_x, _ = lv.race_outline.getData()
    np.testing.assert_array_equal(outline_x, [*path.getData()[0], np.nan])
    lv.view_box.scaleBy((1 / 8, 1 / 8), center=(1.0, -0.5))  # zoomed in 8x on the path
    fine = np.asarray(lv.view_box.viewPixelSize())
    assert fine[0] < pixel[0] / 4
    assert_drawn_from(path, run.points, fine)
    assert len(path.getData()[0]) > coarse


def test_thinning_keeps_the_gaps_of_a_path() -> None:
    from gradexplorer.ui.landscape_view import thinned

    pts = np.array([[0, 0], [0.1, 0], [0.2, 0], [np.nan, np.nan], [5, 5], [5.1, 5], [9, 9]])
    out = thinned(pts, (1.0, 1.0))
    np.testing.assert_array_equal(out, [[0, 0], [np.nan, np.nan], [5, 5], [9, 9]])
    assert thinned(pts, None) is pts  # no view size yet: every point


def test_the_paths_share_one_outline_and_are_drawn_directly_while_the_start_moves(
    window,
) -> None:
    from PySide6.QtWidgets import QGraphicsItem

    lv, m = window.landscape, window.model
    window.landscape.start.dragged.emit(2.0, -1.0)
    runs = m.race
    assert len(runs) >= 2
    # one outline under every path: each path's points, a gap (nan) after each
    xs, ys = lv.race_outline.getData()
    drawn = [np.column_stack(p.getData()) for p in lv.race_paths[: len(runs)]]
    want = np.concatenate([np.vstack([d, [np.nan, np.nan]]) for d in drawn])
    np.testing.assert_array_equal(xs, want[:, 0])
    np.testing.assert_array_equal(ys, want[:, 1])
    assert lv.race_outline.isVisible() and lv.race_outline.zValue() < lv.race_paths[0].zValue()
    assert all(p.opts["shadowPen"] is None for p in lv.race_paths[: len(runs)])
    # a cross at each run's end, in its colour
    ends = lv.race_ends.data
    np.testing.assert_allclose(ends["x"], [r.path[-1][0] for r in runs])
    np.testing.assert_allclose(ends["y"], [r.path[-1][1] for r in runs])
    colors = [b.color().name() for b in ends["brush"]]
    assert len(set(colors)) == len(runs)
    # new points on every step of a start drag: no pixmap filled for one paint only
    no, yes = QGraphicsItem.CacheMode.NoCache, QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert {p.cacheMode() for p in (*lv.race_paths[: len(runs)], lv.race_outline)} == {no}
    # once something else moves (the point, a parameter's landscape), they are blitted
    m.set_point(0.3, 0.3)
    assert {p.cacheMode() for p in (*lv.race_paths[: len(runs)], lv.race_outline)} == {yes}
    window.landscape.start.dragged.emit(2.0, -1.5)
    assert {p.cacheMode() for p in (*lv.race_paths[: len(runs)], lv.race_outline)} == {no}
    # the same start, the race rerun (a racer edited): the paths stay, drawn from a pixmap
    specs = m.race_settings.optimizers
    m.set_race(optimizers=(specs[0].with_settings(lr=specs[0].lr / 2), *specs[1:]))
    m.settle()
    assert {p.cacheMode() for p in (*lv.race_paths[: len(runs)], lv.race_outline)} == {yes}
    assert_drawn_from(lv.race_paths[0], m.race[0].points, np.asarray(lv.view_box.viewPixelSize()))


def test_editing_one_racer_reruns_only_that_one(window) -> None:
    m = window.model
    specs = m.race_settings.optimizers
    kept, before = m.race, m.race_runs_computed
    changed = specs[1].with_settings(lr=specs[1].lr * 2)
    m.set_race(optimizers=(specs[0], changed, *specs[2:]))
    m.settle()
    assert m.race_runs_computed == before + 1
    assert all(m.race[i] is kept[i] for i in range(len(specs)) if i != 1)
    (alone,) = race(engine_objective(m.expression, {}), m.race_settings.start, (changed,),
                    m.race_settings.steps, tol=m.race_settings.tol)  # fmt: skip
    assert m.race[1].path == alone.path and m.race[1].path != kept[1].path
    m.set_race(start=(0.5, 0.5))  # a new start: every run is new
    m.settle()
    assert m.race_runs_computed == before + 1 + len(specs)
    assert all(m.race[i] is not kept[i] for i in range(len(specs)))


def test_the_table_reports_steps_final_value_and_divergence(window) -> None:
    panel = window.race_panel
    panel.add_optimizer(make("sgd", lr=0.5))  # 1 − 2·3·0.5 < −1 along y: it diverges
    m = window.model
    runs = m.race
    assert len(runs) == panel.table.rowCount() == 4
    for i, run in enumerate(runs):
        reached = panel.table.item(i, 2).text()
        assert reached == ("—" if run.steps_to_tol is None else str(run.steps_to_tol))
    assert runs[3].diverged and panel.table.item(3, 4).text() == "⚠ diverged"
    assert runs[2].spec.name == "adam" and not runs[2].diverged
    assert float(panel.table.item(2, 3).text()) == pytest.approx(runs[2].final_value, rel=1e-5)
    panel.remove_selected()
    assert len(m.race) == 3 and m.race_settings.selected == 2


def test_step_mode_draws_the_update_and_says_it_in_numbers(qtbot, window) -> None:
    panel, m = window.race_panel, window.model
    panel.select(1)  # SGD with momentum
    window.commands["race.step_mode"].trigger()
    assert panel.step_mode and m.race_step.update.k == 1
    words = panel.explanation.text()
    assert "Step 1 of SGD momentum 0.9" in words and "b starts as g" in words
    window.commands["race.next_update"].trigger()
    window.commands["race.next_update"].trigger()
    step = m.race_step
    assert step.update.k == 3
    run = m.race[1]
    assert step.update.before == run.path[2] and step.update.after == run.path[3]
    drawn = window.landscape.step_vectors[0]
    assert drawn.isVisible()
    xs, ys = drawn.getData()
    np.testing.assert_allclose(
        [xs[1] - xs[0], ys[1] - ys[0]], np.subtract(run.path[3], run.path[2])
    )
    assert f"{run.path[3][0]:.3f}" in panel.explanation.text()
    window.commands["race.previous_update"].trigger()
    assert m.race_step.update.k == 2
    window.commands["race.step_mode"].trigger()
    assert m.race_step is None and not drawn.isVisible()


def test_the_editors_change_pytorchs_settings(qtbot, window) -> None:
    panel, m = window.race_panel, window.model
    panel.select(0)  # plain SGD
    lr = panel.findChild(QDoubleSpinBox, "raceOption_lr")
    lr.setValue(0.05)
    assert m.race_settings.optimizers[0].lr == 0.05
    momentum = panel.findChild(QDoubleSpinBox, "raceOption_momentum")
    momentum.setValue(0.0)
    nesterov = panel.findChild(QCheckBox, "raceOption_nesterov")
    nesterov.setChecked(True)  # PyTorch refuses Nesterov without momentum
    assert not m.race_settings.optimizers[0]["nesterov"]
    assert "Nesterov momentum requires a momentum" in panel.message.text()
    # the box keeps the refused tick (with the message) until the settings next change: a
    # start drag puts the model's setting back in it, so the panel never shows a racer that
    # is not the one drawn
    window.landscape.start.dragged.emit(1.0, 1.0)
    assert not nesterov.isChecked()
    momentum.setValue(0.9)
    nesterov.setChecked(False)
    nesterov.setChecked(True)
    assert m.race_settings.optimizers[0].label == "SGD Nesterov 0.9"


def test_copy_as_pytorch_code_gives_the_training_loop(window) -> None:
    window.race_panel.select(2)
    window.commands["file.export.copy_code"].trigger()
    text = QGuiApplication.clipboard().text()
    assert "optimizer = torch.optim.Adam([x, y], lr=0.05)" in text
    assert "for step in range(200):" in text and "loss.backward()" in text
    compile(text, "<clipboard>", "exec")


def test_one_input_functions_leave_the_race_off(qtbot, window) -> None:
    type_function(qtbot, window, "x^2")
    assert window.model.race is None and not window.race_panel.isEnabled()
    window.commands["race.step_mode"].trigger()  # nothing to step: no crash, no step
    assert window.model.race_step is None


def test_frame_the_paths_zooms_the_landscape_to_every_path(qtbot) -> None:
    w = make_window(qtbot)
    type_function(qtbot, w, "f(x, y) = (1 - x)^2 + 100(y - x^2)^2")  # Rosenbrock: paths leave
    m = w.model
    m.settle()
    # plain SGD and momentum diverge to x = -74 within two steps (stopped: f past 1e8), Adam
    # creeps along the valley: every finite point is framed (none is 50 views away here)
    assert any(run.diverged for run in m.race) and not all(run.diverged for run in m.race)
    pts = np.array([p for run in m.race for p in run.path] + [m.race_settings.start])
    pts = pts[np.isfinite(pts).all(axis=1)]
    x0, x1, y0, y1 = m.landscape_settings.box
    outside = (pts[:, 0] < x0) | (pts[:, 0] > x1) | (pts[:, 1] < y0) | (pts[:, 1] > y1)
    assert outside.any()  # the race ran off the view
    w.commands["race.fit_paths"].trigger()
    x0, x1, y0, y1 = m.landscape_settings.box
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    assert (pts[:, 0] >= x0).all() and (pts[:, 0] <= x1).all()
    assert (pts[:, 1] >= y0).all() and (pts[:, 1] <= y1).all()
    # snug: the paths' extent plus an 8 % margin a side (the locked aspect may add to one axis)
    wide, high = (x1 - x0) / (hi[0] - lo[0]), (y1 - y0) / (hi[1] - lo[1])
    assert min(wide, high) == pytest.approx(1.16, rel=1e-6) and max(wide, high) >= 1.16 - 1e-6
    assert m.landscape.box == m.landscape_settings.box  # the heat map was recomputed over it


def test_a_run_gone_far_away_is_not_framed() -> None:
    from gradexplorer.lessons.optimizers import make as spec
    from gradexplorer.lessons.race import DIVERGED, RUNNING, Run
    from gradexplorer.ui.landscape_data import paths_box

    def run(path, status):
        return Run(spec("sgd"), tuple(path), (0.0,) * len(path), ((0.0, 0.0),) * len(path),
                   (0.1,) * (len(path) - 1), status, None, None)  # fmt: skip

    near = run([(0.0, 0.0), (1.0, 2.0)], RUNNING)
    gone = run([(0.0, 0.0), (-30.0, 1.0), (1e7, -1e7), (float("nan"), 0.0)], DIVERGED)
    # the view is 2 wide: 50 views reach 100 from the start; -30 is framed, 1e7 is not
    box = paths_box((near, gone), (0.0, 0.0), (-1.0, 1.0, -1.0, 1.0))
    assert box == pytest.approx((-30 - 0.08 * 31, 1 + 0.08 * 31, -0.16, 2.16))
    still = run([(0.5, 0.5)], RUNNING)  # nothing moved: a box of width 1 around it
    assert paths_box((still,), (0.5, 0.5), (-1.0, 1.0, -1.0, 1.0)) == (0.0, 1.0, 0.0, 1.0)


def test_a_start_drag_leaves_the_settings_widgets_alone(window) -> None:
    panel = window.race_panel
    name = panel.table.item(0, 0)
    window.landscape.start.dragged.emit(1.5, -0.5)
    window.landscape.start.dragged.emit(1.4, -0.4)
    assert panel.table.item(0, 0) is name  # not rewritten: the start is not in the table
    first = window.model.race[0]
    reached = "—" if first.steps_to_tol is None else str(first.steps_to_tol)
    assert panel.table.item(0, 2).text() == reached  # the results are the new start's
    # a setting that changes is shown at once
    specs = window.model.race_settings.optimizers
    window.model.set_race(optimizers=(specs[0].with_settings(lr=0.0123), *specs[1:]))
    assert panel.table.item(0, 1).text() == "0.0123"
