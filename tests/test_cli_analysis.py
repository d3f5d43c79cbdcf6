"""gradexplorer points and gradexplorer taylor: JSON shapes and numbers against closed forms,
text output, and the errors a user can cause (exit 2, one line, no traceback)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from gradexplorer import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_points_json(capsys) -> None:
    code, out, _ = run(capsys, "points", "x^2 + 3x", "--from", "-5", "--to", "5", "--json")
    assert code == 0 and out.count("\n") == 1
    data = json.loads(out)
    assert (data["expression"], data["from"], data["to"]) == ("x^2 + 3*x", -5.0, 5.0)
    kinds = [(p["kind"], p["x"], p["y"]) for p in data["points"]]
    assert kinds == [
        ("root", -3.0, 0.0),
        ("minimum", -1.5, -2.25),
        ("root", 0.0, 0.0),
        ("y-intercept", 0.0, 0.0),
    ]
    minimum = data["points"][1]
    assert (minimum["slope"], minimum["curvature"]) == (0.0, 2.0)  # what classifies it


def test_points_json_intervals_poles_params_and_more(capsys) -> None:
    _, out, _ = run(capsys, "points", "relu(x)", "--json")
    (zeros, _intercept) = json.loads(out)["points"]
    assert (zeros["kind"], zeros["from"], zeros["to"]) == ("zeros", -5.0, 0.0)
    assert "x" not in zeros
    _, out, _ = run(capsys, "points", "x/(x^2 - a)", "-p", "a=6", "--json")
    data = json.loads(out)
    assert data["params"] == {"a": 6.0}
    poles = [p for p in data["points"] if p["kind"] == "pole"]
    assert [p["x"] for p in poles] == pytest.approx([-math.sqrt(6), math.sqrt(6)], rel=1e-12)
    # null where f has no number (the CLI's one convention); the words say why
    assert (poles[0]["left"], poles[0]["right"], poles[0]["y"]) == (None, None, None)
    assert "f → −∞ from the left, +∞ from the right" in poles[0]["why"]
    assert poles[0]["reason"] == poles[0]["why"]  # the float next to √6 still has a value
    assert [p["x"] for p in data["points"] if p["kind"] == "root"] == [0.0]
    _, out, _ = run(capsys, "points", "sin(1/x)", "--json")
    more = json.loads(out)["more"]
    assert more["count"] > 20 and more["from"] < 0 < more["to"]


def test_points_wide_and_negative_bounds(capsys) -> None:
    _, out, _ = run(capsys, "points", "(x - 20)^2", "--json")
    assert [p["kind"] for p in json.loads(out)["points"]] == ["y-intercept"]
    _, out, _ = run(capsys, "points", "(x - 20)^2", "--wide", "--json")
    data = json.loads(out)
    assert (data["from"], data["to"]) == (-50.0, 50.0)
    assert ("minimum", 20.0) in [(p["kind"], p["x"]) for p in data["points"]]
    _, out, _ = run(capsys, "points", "-x^2", "--from", "-1", "--to=-0.5", "--json")
    assert json.loads(out)["points"] == []


def test_points_text(capsys) -> None:
    code, out, _ = run(capsys, "points", "tan(x)", "--from", "-2", "--to", "2")
    assert code == 0
    assert "pole" in out and "+∞ from the left, −∞ from the right" in out
    lines = out.splitlines()
    assert lines[0] == "points of interest of f(x) = tan(x) on [-2, 2]"
    _, out, _ = run(capsys, "points", "sin(1/x)")
    assert "and" in out.splitlines()[-1] and "more between" in out.splitlines()[-1]
    _, out, _ = run(capsys, "points", "e^x")
    assert "(none in this range" in out or "y-intercept" in out


def test_taylor_json_coefficients_are_f_k_over_k_factorial(capsys) -> None:
    code, out, _ = run(capsys, "taylor", "e^x sin(x)", "--at", "0", "--order", "12", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["at"], data["order"], len(data["coefficients"])) == (0.0, 12, 13)
    # e^x sin x = Im e^((1+i)x): c_k = 2^(k/2) sin(kπ/4) / k!
    truth = [2 ** (k / 2) * math.sin(k * math.pi / 4) / math.factorial(k) for k in range(13)]
    assert data["coefficients"] == pytest.approx(truth, rel=1e-12, abs=1e-15)
    derivatives = [c * math.factorial(k) for k, c in enumerate(truth)]
    assert data["derivatives"] == pytest.approx(derivatives, rel=1e-12, abs=1e-11)
    assert data["polynomial"].startswith("T₁₂(x) = x + x² + 0.333333 x³")
    assert data["reason"] is None


def test_taylor_at_a_point_with_parameters_and_text(capsys) -> None:
    _, out, _ = run(capsys, "taylor", "a x^3", "--at=-1", "-p", "a=2", "--order", "3", "--json")
    assert json.loads(out)["coefficients"] == [-2.0, 6.0, -6.0, 2.0]
    code, out, _ = run(capsys, "taylor", "1/(1 - x)", "--at", "0", "--order", "3")
    assert code == 0
    assert out.splitlines()[0] == "T₃(x) = 1 + x + x² + x³"


def test_taylor_where_it_does_not_exist(capsys) -> None:
    code, out, _ = run(capsys, "taylor", "sqrt(x)", "--at", "0", "--order", "2", "--json")
    data = json.loads(out)
    assert code == 0 and data["coefficients"][0] == 0.0 and data["coefficients"][1] is None
    assert "f′ has no finite value" in data["reason"]
    _, out, _ = run(capsys, "taylor", "ln(x)", "--at", "-1", "--json")
    assert "ln needs a positive argument" in json.loads(out)["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("taylor", "x", "--at", "0", "--order", "31"), "the order goes from 0 to 30"),
        (("taylor", "x", "--at", "0", "--order", "two"), "whole number"),
        (("taylor", "x", "--at", "zero"), "--at 'zero'"),
        (("points", "x", "--from", "3", "--to", "1"), "smaller to a larger"),
        (("points", "x", "--from", "1e308", "--to", "-1e308"), "smaller to a larger"),
        (("points", "x", "--to", "inf"), "--to"),
        (("points", "x^2", "--from", "-1e-320", "--to", "1e-320"), "too narrow to search"),
        (("points", "x^2 - 1", "--from", "1", "--to", "1.000000000000001"), "too narrow"),
        (("points", "a x", "-p", "b=2"), "no parameter b"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, args, message) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_a_bad_expression_points_at_the_mistake(capsys) -> None:
    code, _, err = run(capsys, "points", "x^", "--json")
    assert code == 2 and "^" in err


def test_points_and_taylor_never_import_qt() -> None:
    code = (
        "import sys\n"
        "from gradexplorer.cli import main\n"
        "main(['points', 'tan(x)', '--json'])\n"
        "main(['taylor', 'sin(x)', '--at', '1', '--order', '12'])\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]\n"
        "print('clean')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.rstrip().endswith("clean")
