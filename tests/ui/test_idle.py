"""After what a lesson does — lessons, a pole, presentation on and off, docks shown, hidden and
resized, window resizes — the idle app does nothing: under 2 % of a core over 3 s, and its
memory does not grow. (Once, after 25 minutes of use, widgets were shown and hidden in a loop:
45–95 % CPU while idle, memory growing.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gradexplorer.lessons.presets import list_presets

from .helpers import make_window, set_x, type_function

IDLE_SECONDS = 3.0


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def idle_load(qtbot) -> tuple[float, int]:
    """(share of one core used, KiB of resident memory gained) while the app sits idle."""
    qtbot.wait(1200)  # let fades, debounces and deferred deletes finish first
    cpu, rss, wall = time.process_time(), rss_kib(), time.perf_counter()
    qtbot.wait(int(IDLE_SECONDS * 1000))
    used = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return used, rss_kib() - rss


def lessons(qtbot, window) -> None:
    for preset in list_presets()[:6]:
        window.sessions.open_preset(preset)
        qtbot.wait(30)


def a_pole(qtbot, window) -> None:
    type_function(qtbot, window, "1/(x-1)")
    set_x(window, 1.0)
    window.sessions.open_preset(next(p for p in list_presets() if "√x" in p.title))


def presentation_and_docks(qtbot, window) -> None:
    window.commands["step.backward"].trigger()
    window.commands["descent.panel"].trigger()
    window.presentation.set_presentation(True)
    qtbot.wait(50)
    window.resizeDocks([window.stepper_panel.dock], [300], Qt.Orientation.Vertical)
    window.presentation.set_presentation(False)
    window.commands["step.exit"].trigger()
    window.commands["descent.panel"].trigger()


def resizes(qtbot, window) -> None:
    for size in ((1024, 600), (1920, 1080), (800, 560), (1280, 800)):
        window.resize(*size)
        qtbot.wait(60)


SCENARIOS = {
    "lessons": lessons,
    "a pole and the sqrt lesson": a_pole,
    "presentation and docks": presentation_and_docks,
    "resizes": resizes,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_idle_app_uses_no_cpu_and_no_more_memory(qtbot, scenario):
    window = make_window(qtbot)
    SCENARIOS[scenario](qtbot, window)
    used, grown = idle_load(qtbot)
    assert used < 0.02, f"{used:.1%} of a core while idle after {scenario}"
    assert grown < 2048, f"{grown} KiB more while idle after {scenario}"
