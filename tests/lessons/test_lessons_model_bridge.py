"""Sessions and presets through the real Qt model (ExplorerModel.to_state / apply_state): what
the lessons layer writes is what the app shows. Skipped where the model is not importable."""

from __future__ import annotations

import pytest

from gradexplorer.lessons.presets import list_presets
from gradexplorer.lessons.session import SessionState

model_mod = pytest.importorskip("gradexplorer.ui.model")
if not all(hasattr(model_mod.ExplorerModel, m) for m in ("to_state", "apply_state")):
    pytest.skip("ExplorerModel has no to_state/apply_state", allow_module_level=True)

PRESETS = list_presets()


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_preset_through_the_model_round_trips(preset) -> None:
    model = model_mod.ExplorerModel()
    state = preset.state
    model.apply_state(state.to_model_state())
    back = SessionState.from_model_state(
        model.to_state(),
        title=state.title,
        note=state.note,
        toggles=state.toggles,
        descent=state.descent,
    )
    assert back == state


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_model_shows_the_values_the_preset_promises(preset) -> None:
    model = model_mod.ExplorerModel()
    model.apply_state(preset.state.to_model_state())
    point = model.point
    point = point() if callable(point) else point
    assert point is not None
    assert point.value == pytest.approx(preset.expect.value, rel=1e-12, abs=1e-12)
    assert point.derivative == pytest.approx(preset.expect.derivative, rel=1e-12, abs=1e-12)
    for name, promised in preset.expect.gradient.items():
        assert point.gradient[name] == pytest.approx(promised, rel=1e-12, abs=1e-12)
