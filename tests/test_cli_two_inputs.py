"""The command line with functions of two inputs: eval --at X,Y (value, gradient by input name,
Hessian), graph, and the usage errors, checked against sympy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from gradexplorer import cli

X, Y = sp.symbols("x y")


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_eval_json_has_value_gradient_and_hessian(capsys: pytest.CaptureFixture[str]) -> None:
    f = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    code, out, err = main(
        capsys, "eval", "f(x, y) = (1 - x)^2 + 100(y - x^2)^2", "--at", "-1.2,1", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    at = {X: sp.Rational(-6, 5), Y: 1}
    assert data["at"] == {"x": -1.2, "y": 1.0}
    assert data["value"] == pytest.approx(float(f.subs(at)), rel=1e-14)
    assert data["gradient"] == {
        "x": pytest.approx(float(sp.diff(f, X).subs(at)), rel=1e-13),
        "y": pytest.approx(float(sp.diff(f, Y).subs(at)), rel=1e-13),
    }
    hessian = [[float(sp.diff(f, u, v).subs(at)) for v in (X, Y)] for u in (X, Y)]
    assert data["hessian"] == [pytest.approx(row, rel=1e-13) for row in hessian]


def test_gradient_is_keyed_by_the_names_the_signature_gives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = main(
        capsys, "eval", "f(w, b) = (w + b - 2)^2 + k b", "--at", "1,pi/2", "-p", "k=3", "--json"
    )
    assert code == 0
    data = json.loads(out)
    s = 1 + 3.141592653589793 / 2 - 2
    assert data["gradient"] == {
        "w": pytest.approx(2 * s),
        "b": pytest.approx(2 * s + 3),
        "k": 1.5707963267948966,
    }
    assert data["hessian"] == [[2.0, 2.0], [2.0, 2.0]]


def test_text_output_names_every_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "eval", "f(x, y) = x^2 y", "--at", "3,-1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "f(x, y) = x^2*y"
    assert "f = -9" in lines and "df/dx = -6" in lines and "df/dy = 9" in lines
    assert "d2f/dx2 = -2" in lines and "d2f/dxdy = 6" in lines and "d2f/dy2 = 0" in lines


@pytest.mark.parametrize(
    ("expression", "at", "words"),
    [
        ("f(x, y) = x y", "1", "has 2 inputs: write --at X,Y"),
        ("x^2", "1,2", "has 1 input: write --at X"),
        ("f(x, y) = x y", "1,2,3", "has 2 inputs"),
        ("f(x, y) = x y", "1,y", "a number is expected here"),
    ],
)
def test_wrong_points_are_usage_errors(
    capsys: pytest.CaptureFixture[str], expression: str, at: str, words: str
) -> None:
    code, out, err = main(capsys, "eval", expression, "--at", at)
    assert code == 2 and out == ""
    assert words in err and "Traceback" not in err


def test_graph_of_a_two_input_function(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "graph", "f(x, y) = x y + y", "--at", "2,3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["x"] == 2.0 and data["y"] == 3.0
    grads = {n["label"]: n["grad"] for n in data["nodes"] if n["kind"] == "input"}
    assert grads == {"x": 3.0, "y": 3.0}


def test_graph_json_flag_and_forward_mode_for_two_inputs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = main(capsys, "graph", "f(x, y) = x y + y", "--at", "2,3", "--json")
    assert code == 0 and json.loads(out)["mode"] == "reverse"
    for extra in (["--mode", "forward"], ["--seed", "x"]):
        code, out, err = main(capsys, "graph", "f(x, y) = x y", "--at", "2,3", *extra)
        assert code == 2 and out == "" and "functions of one input" in err
    code, _, err = main(capsys, "eval", "f(x, y) = x y", "--at", "2,3", "--mode", "both")
    assert code == 2 and "functions of one input" in err


def test_a_negative_first_coordinate_works_in_a_real_process() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "gradexplorer", "eval", "f(x, y) = x^2 + 3y^2", "--at", "-1.2,1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "at x = -1.2, y = 1" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        [
            "descend",
            "f(x,y)=x^2+y^2",
            "--from",
            "1,1",
            "--optimizer",
            "sgd",
            "--lr",
            "0.001",
            "--steps",
            "5000",
            "--json",
        ],
        ["graph", "f(x,y)=x^2+3y^2", "--at", "1,2", "--format", "dot"],
    ],
)
def test_a_reader_that_stops_early_ends_the_cli_quietly(args: list[str]) -> None:
    """`gradexplorer descend ... --json | head -c 10`: the reader closes the pipe after a few
    bytes; the CLI stops with exit 1 and says nothing (no BrokenPipeError traceback)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradexplorer", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(10)
    proc.stdout.close()  # before the CLI has written everything (600 kB for the descent)
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert len(head) == 10 and err == ""
    # 600 kB cannot have fit in the pipe: the write failed; a small graph may have fit
    assert code == 1 if args[0] == "descend" else code in (0, 1)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's full disk")
def test_output_to_a_full_disk_is_one_line_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "gradexplorer", "eval", "f(x, y) = x y", "--at", "1,2"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert r.returncode == 1
    assert r.stderr == "gradexplorer: error: cannot write the output: No space left on device\n"
