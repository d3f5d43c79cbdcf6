"""What a teacher's installation shows, reported as JSON: run by tests/test_packaging.py, copied
out of the checkout and started with `python -S` and only the installed wheel (plus numpy,
PySide6, pyqtgraph) on PYTHONPATH. The test makes the assertions; this only looks.

    python -S installed_probe.py CHECKOUT ENVIRONMENT REPORT.json SCREENSHOT.png

An audit hook records every file and folder Python opens, so the report can say whether
anything under the checkout was read (the ENVIRONMENT folder with numpy and PySide6 aside: the
venv may live there).
"""

from __future__ import annotations

import json
import os
import sys

CHECKOUT, ENVIRONMENT, REPORT, SCREENSHOT = (os.path.realpath(a) for a in sys.argv[1:5])
opened: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event in ("open", "os.listdir", "os.scandir") and args:
        target = args[0]
        if isinstance(target, str | bytes | os.PathLike):
            opened.append(os.path.realpath(os.fsdecode(target)))


sys.addaudithook(_audit)

# Imports after the hook, so that reading the package's own modules is recorded as well.
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

import gradexplorer  # noqa: E402
from gradexplorer import resources  # noqa: E402
from gradexplorer.expr import parse  # noqa: E402
from gradexplorer.lessons.presets import list_presets  # noqa: E402
from gradexplorer.ui.app import run  # noqa: E402
from gradexplorer.ui.main_window import MainWindow  # noqa: E402


def under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def in_checkout(path: str) -> bool:
    return under(path, CHECKOUT) and not under(path, ENVIRONMENT)


def engine_lessons() -> list[dict]:
    """Every preset the installed package lists, evaluated by the installed engine."""
    out = []
    for preset in list_presets():
        state = preset.state
        e = parse(state.expression)
        if e.two_inputs:  # a landscape: its "derivative" is the slice's slope ∇f·u
            point2 = dict(zip(e.inputs, (state.x, state.y), strict=True))
            p = e.at_point(point2, state.param_values())
            ux, uy = state.landscape.unit
            slope = p.gradient[e.inputs[0]] * ux + p.gradient[e.inputs[1]] * uy
            value, derivative, gradient = p.value, slope, p.gradient
        else:
            point = e.at(state.x, state.param_values())
            value, derivative, gradient = point.value, point.derivative, point.gradient
        out.append(
            {
                "name": preset.name,
                "path": os.path.realpath(preset.path),
                "value": value,
                "derivative": derivative,
                "gradient": gradient,
            }
        )
    return out


def window_lessons() -> list[dict]:
    """Each entry of the app's Lessons menu, opened in a real (offscreen) window."""
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    menu_actions = window.commands.menus["lessons"].actions()
    shown = []
    for action in window.sessions.preset_actions:
        action.trigger()
        QApplication.processEvents()
        point = window.model.point
        labels = {
            "value": window.findChild(QLabel, "valueLabel").text(),
            "derivative": window.findChild(QLabel, "derivativeLabel").text(),
        }
        for name in window.model.params:
            labels[name] = window.findChild(QLabel, f"partialLabel_{name}").text()
        if window.model.two_inputs:  # the inputs' partials are in the two-input readouts
            first, second = window.model.expression.inputs
            labels[first] = window.findChild(QLabel, "surfaceGradXLabel").text()
            labels[second] = window.findChild(QLabel, "surfaceGradYLabel").text()
        shown.append(
            {
                "name": action.data(),
                "in_menu": action in menu_actions,
                "expression": window.model.text,
                "x": window.model.x,
                "value": point.value,
                "derivative": point.derivative,
                "gradient": point.gradient,
                "labels": labels,
            }
        )
    window.close()
    return shown


def main() -> None:
    report: dict = {
        "package": os.path.realpath(gradexplorer.__file__),
        "assets": os.path.realpath(resources.assets_dir() or ""),
        "sys_path": [os.path.realpath(p) for p in sys.path if p],
        "meta_path": [getattr(f, "__module__", "") or repr(f) for f in sys.meta_path],
        "engine_lessons": engine_lessons(),
        "screenshot_exit": run(["x^2 + 3x", "--x", "2", "--screenshot", SCREENSHOT]),
    }
    app = QApplication.instance()
    icon = app.windowIcon()
    report["icon"] = {
        "null": icon.isNull(),
        "sizes": sorted(s.width() for s in icon.availableSizes()),
        "files": [os.path.realpath(str(resources.icon_png(s))) for s in resources.ICON_SIZES],
        "desktop_file_name": app.desktopFileName(),
    }
    report["window_lessons"] = window_lessons()
    report["opened"] = sorted(set(opened))
    report["opened_in_checkout"] = sorted({p for p in opened if in_checkout(p)})
    with open(REPORT, "w", encoding="utf-8") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
