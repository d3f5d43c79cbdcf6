"""The whole app in a real X server (xvfb-run), not the offscreen plugin.

Qt's xcb plugin refuses to load without libxcb-cursor0 (and friends); .ci/run installs them.
Skipped where xvfb-run is missing, unless CI is set: there a missing X server is a failure.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_app import ROOT, assert_non_blank_png

pytestmark = pytest.mark.xvfb


def test_app_starts_under_xvfb_and_saves_screenshot(tmp_path):
    if shutil.which("xvfb-run") is None:
        if os.environ.get("CI"):
            pytest.fail("xvfb-run is missing but CI is set (.ci/run should install xvfb)")
        pytest.skip("xvfb-run is not installed")
    out = tmp_path / "xvfb.png"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    proc = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1600x1000x24",
            sys.executable,
            str(ROOT / "main.py"),
            "sin(x) * x",
            "--screenshot",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, f"stdout: {proc.stdout}\nstderr: {proc.stderr[-3000:]}"
    assert_non_blank_png(Path(out))
