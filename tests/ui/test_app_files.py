"""`python main.py FILE.json [--screenshot PATH]`: opening sessions and lessons from the command
line, and exit code 2 with the reason when a file cannot be opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gradexplorer.lessons.presets import list_presets
from gradexplorer.lessons.session import FORMAT_VERSION, ParamState, SessionState, save_session
from gradexplorer.ui import app as app_module
from gradexplorer.ui.app import run

ROOT = Path(__file__).resolve().parents[2]


def main_py(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        GRADEXPLORER_NO_SETTINGS="1",
        XDG_CONFIG_HOME=str(tmp_path / "config"),  # never the developer's settings
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


def test_main_py_renders_a_lesson_file_to_png(tmp_path):
    preset = list_presets()[2]
    out = tmp_path / "lesson.png"
    proc = main_py([str(preset.path), "--screenshot", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert not image.isNull() and (image.width(), image.height()) == (1280, 800)
    colours = {image.pixel(x, y) for x in range(0, 1280, 7) for y in range(0, 800, 7)}
    assert len(colours) > 50


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"format": "gradexplorer-session", "version": 1, "ti', "truncated"),
        (None, "There is no file"),
    ],
)
def test_main_py_exits_2_with_the_reason_when_the_file_cannot_be_opened(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    proc = main_py([str(path), "--screenshot", str(tmp_path / "no.png")], tmp_path)
    assert proc.returncode == 2
    assert reason in proc.stderr and "bad.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "no.png").exists()


def _capture_window(monkeypatch) -> list:
    """Keep the window run() screenshots, to look at its state afterwards."""
    shown = []
    real = app_module._screenshot

    def spy(app, window, path):
        shown.append(window.model.state)
        return real(app, window, path)

    monkeypatch.setattr(app_module, "_screenshot", spy)
    return shown


def test_run_opens_the_file_and_command_line_values_override_it(qtbot, tmp_path, monkeypatch):
    state = SessionState(
        expression="a sin(x)",
        x=0.5,
        x_range=(-3.0, 3.0),
        params={"a": ParamState(2.0, 0.0, 4.0)},
        view=(-3.0, 3.0, -2.5, 2.5),
    )
    path = tmp_path / "s.json"
    save_session(state, path)
    shown = _capture_window(monkeypatch)
    assert run([str(path), "--screenshot", str(tmp_path / "a.png")]) == 0
    assert shown[-1].expression == "a sin(x)" and shown[-1].x == 0.5
    assert shown[-1].params["a"] == ParamState(2.0, 0.0, 4.0)
    assert shown[-1].view == (-3.0, 3.0, -2.5, 2.5)
    assert (
        run([str(path), "--x", "7", "--param", "a=-1", "--screenshot", str(tmp_path / "b.png")])
        == 0
    )
    assert shown[-1].x == 7.0 and shown[-1].x_range == (-3.0, 7.0)
    assert shown[-1].params["a"].value == -1.0
    assert (tmp_path / "a.png").is_file()


def test_run_reports_a_folder_and_a_wrong_version(capsys, tmp_path):
    folder = tmp_path / "dir.json"
    folder.mkdir()
    assert run([str(folder)]) == 2
    assert "is a folder" in capsys.readouterr().err
    newer = tmp_path / "new.json"
    newer.write_text(json.dumps({**SessionState().to_dict(), "version": FORMAT_VERSION + 1}))
    assert run([str(newer)]) == 2
    err = capsys.readouterr().err
    assert "newer gradexplorer" in err and "Traceback" not in err


def test_screenshot_runs_never_touch_settings(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    writes = []
    monkeypatch.setattr(QSettings, "setValue", lambda *a: writes.append(a))
    monkeypatch.setattr(QSettings, "value", lambda *a, **k: writes.append(a))
    assert run(["x^2", "--screenshot", str(tmp_path / "c.png")]) == 0
    assert writes == []
    assert QApplication.instance() is not None


_LAUNCH = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gradexplorer.ui.app import run

app = QApplication(sys.argv[:1])

def report_and_quit():
    (window,) = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
    m = window.model
    free = window.screen().availableGeometry()
    fits = free.contains(window.geometry())
    print("STATE", m.text, m.x, window.width(), window.height(), fits, flush=True)
    window.resize(780, 540)  # the offscreen screen is 800×600
    window.close()

QTimer.singleShot(300, report_and_quit)
sys.exit(run(sys.argv[1:]))
"""


def test_the_app_remembers_the_last_session_between_launches(tmp_path):
    """Two real launches of the app: the second one comes back to where the first one was
    closed (settings in a private XDG_CONFIG_HOME); an explicit expression wins over it."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("GRADEXPLORER_NO_SETTINGS", None)

    def launch(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", _LAUNCH, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=ROOT,
        )
        assert proc.returncode == 0, proc.stderr
        return next(line for line in proc.stdout.splitlines() if line.startswith("STATE"))

    assert launch("x^3 - x", "--x", "0.5").startswith("STATE x^3 - x 0.5")
    assert (tmp_path / "cfg" / "gradexplorer" / "gradexplorer.conf").is_file()
    # nothing asked: the last session and the window size come back
    assert launch() == "STATE x^3 - x 0.5 780 540 True"
    assert launch("cos(x)").startswith("STATE cos(x) 1.0")
    env["GRADEXPLORER_NO_SETTINGS"] = "1"
    # fresh: 1280×800 where the screen has room, but never past it (offscreen: 800×800)
    fresh = launch().split()
    assert fresh[:5] == ["STATE", "x^2", "+", "3x", "1.0"] and fresh[-1] == "True", fresh
