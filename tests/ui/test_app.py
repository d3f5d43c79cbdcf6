"""The command line of the app: screenshot mode and argument errors."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from gradexplorer.ui.app import run

ROOT = Path(__file__).resolve().parents[2]


def assert_non_blank_png(path: Path, size=(1280, 800)) -> None:
    image = QImage(str(path))
    assert not image.isNull(), "not a readable PNG"
    assert (image.width(), image.height()) == size
    # a blank window is one or two colours; the real one has curve, text and graph boxes
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50


def test_main_py_screenshot_offscreen(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "a x^2 + 3x",
            "--x",
            "2",
            "--param",
            "a=1.5",
            "--screenshot",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert_non_blank_png(out)


@pytest.mark.parametrize(
    "argv",
    [
        ["--x", "abc"],
        ["--x", "nan"],
        ["--param", "a"],
        ["--param", "1a=2"],
        ["--param", "a=inf"],
        ["--bogus"],
        ["a x", "--param", "q=2"],  # no such parameter: refused as `gradexplorer eval` does
    ],
)
def test_bad_arguments_exit_2_without_traceback(argv, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert "gradexplorer:" in err and "Traceback" not in err


def test_bad_expression_on_command_line_still_starts(qtbot, tmp_path):
    out = tmp_path / "bad.png"
    assert run(["x +* 2", "--screenshot", str(out)]) == 0
    assert out.exists()


def test_param_and_x_take_constant_expressions_like_eval():
    from gradexplorer.ui.app import build_parser

    args = build_parser().parse_args(["a x", "--param", "a=pi/2", "--x=-1/4"])
    assert dict(args.param) == {"a": pytest.approx(math.pi / 2)} and args.x == -0.25


def test_an_x_step_of_a_big_graph_starts_no_garbage_collection(qtbot):
    import gc

    from gradexplorer.ui.app import tune_garbage_collector
    from tests.ui.helpers import make_window, set_x

    big = " + ".join(f"sin({k}x) cos(x/{k}) exp(-x^2/{k}) tanh(x - {k})" for k in range(1, 6))
    window = make_window(qtbot, expression=big)
    saved = gc.get_threshold()
    runs: list[int] = []
    collect = lambda phase, info: runs.append(info["generation"]) if phase == "start" else None  # noqa: E731
    tune_garbage_collector()  # as the app does once its window is up
    gc.callbacks.append(collect)
    try:
        for k in range(20):
            set_x(window, -2.0 + 0.1 * k)
            qtbot.wait(1)
        assert window.model.point.trace is not None and len(window.model.point.trace.nodes) > 80
        assert runs == []  # at CPython's threshold of 700 this ran about once per step
        # garbage that does pile up (reference cycles) is still collected
        for _ in range(30_000):
            cycle: list = []
            cycle.append(cycle)
        assert runs and runs[0] == 0
    finally:
        gc.callbacks.remove(collect)
        gc.unfreeze()
        gc.set_threshold(*saved)
