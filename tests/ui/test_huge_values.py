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
