"""gradexplorer descend: the path as PyTorch's optimizer produces it, PyTorch's defaults for
options not given, and usage errors (exit 2, a message, no traceback)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from gradexplorer import cli


def descend(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["descend", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_plain_sgd_prints_the_closed_form_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = descend(
        capsys, "f(x, y) = x^2 + 3y^2", "--from", "-1.2,1", "--optimizer", "sgd", "--lr", "0.1",
        "--steps", "20", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    k = np.arange(21)
    path = np.array(data["path"])
    np.testing.assert_allclose(path[:, 0], -1.2 * 0.8**k, rtol=1e-13)
    np.testing.assert_allclose(path[:, 1], 1.0 * 0.4**k, rtol=1e-13)
    assert data["path"][0] == [-1.2, 1.0]  # the start is included
    assert len(data["values"]) == 21 and data["values"][0] == pytest.approx(1.44 + 3)
    assert data["lrs"] == [0.1] * 20 and data["steps"] == 20
    assert data["status"] == "running" and data["diverged"] is False
    assert data["pytorch"] == "torch.optim.SGD([x, y], lr=0.1)"


def test_unset_options_take_pytorchs_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = descend(
        capsys, "f(w, b) = (w + b - 2)^2", "--from", "0,0", "--optimizer", "adam", "--steps", "3",
        "--json",
    )  # fmt: skip
    assert code == 0
    opt = json.loads(out)["optimizer"]
    assert opt["lr"] == 1e-3 and opt["betas"] == [0.9, 0.999] and opt["eps"] == 1e-8
    first = json.loads(out)["path"][1]
    # Adam's first step is lr·sign(g) (bias correction): g = (-4, -4)
    assert first == [pytest.approx(1e-3 * 4 / (4 + 1e-8))] * 2


def test_momentum_nesterov_and_a_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = descend(
        capsys, "f(x, y) = x^2 + y^2", "--from", "1,2", "--optimizer", "sgd", "--lr=0.1",
        "--momentum", "0.9", "--nesterov", "--schedule", "step", "--step-size", "2",
        "--gamma", "0.5", "--steps", "4", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["lrs"] == [0.1, 0.1, 0.05, 0.05]
    # by hand: b1 = g0; d = g + 0.9 b; x1 = x0 - 0.1 d, with g = 2x
    x0 = 1.0
    g0 = 2 * x0
    x1 = x0 - 0.1 * (g0 + 0.9 * g0)
    assert data["path"][1][0] == pytest.approx(x1, rel=1e-14)
    assert "momentum=0.9, nesterov=True" in data["pytorch"]


def test_divergence_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = descend(
        capsys, "f(x, y) = x^2 + y^2", "--from", "1,1", "--optimizer", "sgd", "--lr", "2",
        "--steps", "500", "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["diverged"] is True and data["status"] == "diverged"
    assert data["steps"] < 500


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--optimizer", "adam", "--momentum", "0.9"],
            "--momentum: not an option of torch.optim.Adam",
        ),
        (["--optimizer", "sgd", "--nesterov"], "Nesterov momentum requires a momentum"),
        (["--optimizer", "adam", "--betas", "0.9,1"], "Invalid beta parameter at index 1"),
        (["--optimizer", "adam", "--betas", "0.9"], "--betas '0.9': write two numbers"),
        (["--optimizer", "sgd", "--lr", "-1"], "Invalid learning rate: -1.0"),
        (["--optimizer", "sgd", "--steps", "2.5"], "--steps '2.5': a whole number"),
        (["--optimizer", "sgd", "--schedule", "step", "--step-size", "0"], "step_size must be"),
        (["--optimizer", "sgd", "--lr", "x"], "a number is expected here"),
    ],
)
def test_bad_options_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = descend(capsys, "f(x, y) = x^2 + y^2", "--from", "1,1", *args)
    assert code == 2 and out == ""
    assert words in err and "Traceback" not in err


def test_text_output_and_a_negative_start_in_a_real_process() -> None:
    r = subprocess.run(
        [
            sys.executable, "-m", "gradexplorer", "descend", "f(x, y) = (1 - x)^2 + 100(y - x^2)^2",
            "--from", "-1.2,1", "--optimizer", "adam", "--lr", "0.05", "--steps", "3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith("torch.optim.Adam([x, y], lr=0.05)")
    assert lines[2].split() == ["0", "-1.2", "1.0", "24.2", "232.868"]
    assert len(lines) == 1 + 1 + 4 + 1  # header, column names, 4 points, summary
    assert math.isfinite(float(lines[3].split()[1]))
