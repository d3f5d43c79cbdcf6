"""x and ranges near ±1e308 (the largest floats): no exception in any slot, the slider agrees
with x, and what no slider can show is refused with a message at the boundary."""

from __future__ import annotations

import json
import math

from PySide6.QtWidgets import QSlider

from gradexplorer.lessons.presets import list_presets
from gradexplorer.lessons.session import SessionState, to_json
from gradexplorer.ui.controls import TICKS

from .helpers import make_window


def slider_agrees(window) -> bool:
    slider = window.findChild(QSlider, "xSlider")
    lo, hi = window.model.x_range
    want = (window.model.x - lo) / (hi - lo) * TICKS
    return math.isfinite(want) and abs(slider.value() - want) <= 1


def test_a_start_at_1e308_then_the_tan_lesson(qtbot):
    window = make_window(qtbot, expression="x^2", x=1e308)
    assert window.model.x == 1e308 and slider_agrees(window)
    tan = next(p for p in list_presets() if p.title.startswith("tan"))
    window.sessions.open_preset(tan)
    assert window.model.state.expression == tan.state.expression and slider_agrees(window)


def test_a_file_with_a_range_no_slider_can_span_is_refused_and_changes_nothing(qtbot, tmp_path):
    window = make_window(qtbot)
    before = window.model.state
    data = SessionState().to_dict()
    data.update(x=1e308, x_range=[-1e308, 1e308])
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data))
    assert not window.sessions.open_file(path)
    assert "too wide" in window.sessions.last_error
    assert window.model.state == before


def test_moving_to_both_ends_and_undoing_raises_nothing(qtbot):
    window = make_window(qtbot, expression="x")
    m = window.model
    m.set_x_extending(1e308)
    assert m.x == 1e308 and slider_agrees(window)
    m.set_x_extending(-1e308)  # from −1e308 to 1e308 no slider can divide: x stays
    assert m.x == 1e308 and math.isfinite(m.x_range[1] - m.x_range[0])
    window.sessions.undo_last()
    assert slider_agrees(window) and m.x == 1.0
    window.sessions.redo_last()
    assert m.x == 1e308 and slider_agrees(window)


def test_a_pasted_state_with_huge_numbers_is_handled(qtbot):
    from gradexplorer.lessons.session import to_state_string

    window = make_window(qtbot)
    fine = SessionState(x=1e307, x_range=(-1.0, 1e308))
    assert window.sessions.paste_state(to_state_string(fine))
    assert window.model.x == 1e307 and slider_agrees(window)
    raw = json.loads(to_json(fine))
    raw["x_range"] = [-1e308, 1e308]
    import base64

    text = "gx1:" + base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    assert not window.sessions.paste_state(text)
    assert "too wide" in window.sessions.last_error and window.model.x == 1e307


# ---------------------------------------------------------------- views near ±1e308
# pyqtgraph's setRange adds the two ends (for its rounding guard): with a centre beyond the
# largest float it raised "Cannot set range [-inf, inf]" from a slot and left the plot blank.
FAR_OUT = [(1e308, 1.5e308), (9.99999999999999e307, 1e308), (-1.5e308, -1e308)]


def _session_file(tmp_path, **changes) -> object:
    data = SessionState().to_dict()
    data.update(changes)
    path = tmp_path / "far.json"
    path.write_text(json.dumps(data))
    return path


def test_a_file_whose_view_lies_too_far_out_is_refused_and_changes_nothing(qtbot, tmp_path):
    window = make_window(qtbot)
    before = window.model.state
    path = _session_file(tmp_path, view=[1e308, 1.5e308, -1, 1])
    assert not window.sessions.open_file(path)
    assert "too far out" in window.sessions.last_error and "view (x)" in window.sessions.last_error
    assert window.model.state == before
    path = _session_file(tmp_path, view=[-1, 1, 1e308, 1.5e308])
    assert not window.sessions.open_file(path)
    assert "view (y)" in window.sessions.last_error and window.model.state == before


def test_a_pasted_x_range_too_far_out_is_refused_and_changes_nothing(qtbot):
    import base64

    window = make_window(qtbot)
    before = window.model.state
    raw = SessionState().to_dict()
    raw.update(x=1e308, x_range=[9.99999999999999e307, 1e308])
    text = "gx1:" + base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    assert not window.sessions.paste_state(text)
    assert "too far out" in window.sessions.last_error and "x_range" in window.sessions.last_error
    assert window.model.state == before


def test_the_model_refuses_a_view_range_or_box_too_far_out(qtbot):
    window = make_window(qtbot, expression="x")
    m = window.model
    for lo, hi in FAR_OUT:
        before = m.state
        assert not m.set_view_range(lo, hi, -1.0, 1.0)
        assert not m.set_view_range(-1.0, 1.0, lo, hi)
        assert not m.set_x_range(lo, hi)
        assert m.state == before
    m.set_x_range(8e307, 9e307)  # its middle is a float: fine
    m.set_x_extending(1.7e308)  # 8e307 … 1.7e308 has no middle: x stays
    assert m.x_range == (8e307, 9e307)


def test_a_landscape_box_too_far_out_is_refused_in_the_model_and_in_a_file(qtbot, tmp_path):
    window = make_window(qtbot, expression="f(x, y) = x^2 + y^2")
    m = window.model
    before = m.state
    for lo, hi in FAR_OUT:
        assert not m.set_landscape_box(lo, hi, -1.0, 1.0)
        assert not m.set_landscape_box(-1.0, 1.0, lo, hi)
    assert m.state == before
    data = dict(before.to_dict())
    data["landscape"] = {**data["landscape"], "box": [1e308, 1.5e308, -1, 1]}
    path = tmp_path / "box.json"
    path.write_text(json.dumps(data))
    assert not window.sessions.open_file(path)
    assert "landscape.box (x)" in window.sessions.last_error
    assert "too far out" in window.sessions.last_error and m.state == before


def test_the_plot_and_the_landscape_ignore_a_view_they_cannot_show(qtbot):
    """apply_view / apply_box are slots: whatever they are given, pyqtgraph must not raise."""
    window = make_window(qtbot, expression="f(x, y) = x^2 + y^2")
    shown = window.plot.view_box.viewRange()
    for lo, hi in FAR_OUT:
        window.plot.apply_view((lo, hi, -1.0, 1.0))
        window.plot.apply_view((-1.0, 1.0, lo, hi))
        window.landscape.apply_box((lo, hi, -1.0, 1.0))
    assert window.plot.view_box.viewRange() == shown


def test_zooming_and_panning_far_out_and_undoing_raises_nothing(qtbot):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window = make_window(qtbot, expression="x")
    m = window.model
    assert m.set_x_range(8e307, 9e307)  # x framed near the top of the floats
    m.set_x_extending(8.5e307)
    viewport = window.plot.viewport()
    centre = QPointF(viewport.rect().center())
    for _ in range(40):  # the wheel, outwards: pyqtgraph's scaleBy
        wheel = QWheelEvent(
            centre,
            QPointF(viewport.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, -1200),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(viewport, wheel)
        window.plot.view_box.translateBy(x=1e307)  # a drag to the right
    x0, x1, y0, y1 = m.view_range
    assert all(math.isfinite(v) for v in (x0, x1, y0, y1, x1 - x0, x0 + x1, y1 - y0, y0 + y1))
    window.sessions.undo_last()
    window.sessions.redo_last()
    assert math.isfinite(sum(m.view_range)) and slider_agrees(window)
