"""The command line, mostly through a real subprocess: exit codes, stdout/stderr, JSON shapes."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from gradexplorer import cli

PY = sys.executable


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "gradexplorer", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        encoding="utf-8",
    )


def test_eval_json_shape_and_values() -> None:
    r = run("eval", "a x^2 + 3x", "--at", "2", "--param", "a=1.5", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {
        "expression": "a*x^2 + 3*x",
        "x": 2.0,
        "value": 12.0,
        "derivative": 9.0,
        "second_derivative": 3.0,
        "gradient": {"x": 9.0, "a": 4.0},
        "reason": None,
        "derivative_reason": None,
    }
    assert r.stdout.count("\n") == 1  # exactly one JSON object


def test_eval_json_undefined_numbers_are_null_with_the_reason() -> None:
    """One convention with the app: where the window says "undefined", JSON says null and why;
    the exit code stays 0 (an undefined point is an answer, not an error)."""
    r = run("eval", "log(x) + b", "--at", "0", "--json")
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert out["value"] is None and out["derivative"] is None
    assert out["gradient"] == {"x": None, "b": None}
    assert "ln needs a positive argument" in out["reason"]
    r = run("eval", "0/0 + x", "--at", "1", "--json")
    assert json.loads(r.stdout)["value"] is None
    r = run("eval", "sqrt(x)", "--at", "0", "--json")
    out = json.loads(r.stdout)
    assert out["value"] == 0.0 and out["reason"] is None and out["derivative"] is None
    assert out["derivative_reason"] == "vertical tangent: f′ is infinite"
    r = run("eval", "x^2", "--at", "3", "--json")
    out = json.loads(r.stdout)
    assert (out["value"], out["derivative"], out["reason"]) == (9.0, 6.0, None)


def test_eval_text_says_undefined_like_the_app() -> None:
    r = run("eval", "1/x", "--at", "0")
    assert r.returncode == 0
    assert "f     = undefined (division by zero: a pole at x = 0)" in r.stdout
    assert "inf" not in r.stdout


def test_eval_text_output() -> None:
    r = run("eval", "sin x", "--at", "pi/2", "--param", "k=2")
    assert r.returncode == 2 and "no parameter k" in r.stderr
    r = run("eval", "k sin x", "--at", "pi/2", "-p", "k=2")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "f(x) = k*sin(x)"
    values = dict(line.split(" = ", 1) for line in lines[2:])
    assert float(values["f    "]) == 2.0
    assert abs(float(values["f'   "])) < 1e-15
    assert float(values["f''  "]) == -2.0
    assert float(values["df/dk"]) == 1.0


def test_bad_expression_exits_2_with_a_caret() -> None:
    r = run("eval", "a x^^2", "--at", "1")
    assert r.returncode == 2
    assert r.stdout == ""
    err = r.stderr.splitlines()
    assert "'^' cannot follow '^'" in err[0]
    assert err[1] == "a x^^2"
    assert err[2] == "    ^"
    assert err[3].startswith("hint:")


def test_bad_expression_with_json_also_prints_the_error_object() -> None:
    r = run("eval", "Sin(x)", "--at", "1", "--json")
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert out == {
        "error": {
            "message": "unknown name Sin",
            "start": 0,
            "end": 3,
            "hint": "names are case-sensitive: write sin",
        }
    }
    assert "Sin(x)\n^^^" in r.stderr
    r = run("eval", "2 + ", "--at", "1", "--json")
    assert json.loads(r.stdout)["error"]["hint"] is None


def test_expression_starting_with_a_minus_sign() -> None:
    r = run("eval", "-x^2", "--at", "-3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["value"], out["derivative"], out["x"]) == (-9.0, 6.0, -3.0)
    r = run("eval", "--at=-1", "--", "-x")
    assert r.returncode == 0 and "f     = 1" in r.stdout


def test_bad_option_values_exit_2() -> None:
    assert run("eval", "x", "--at", "x+1").returncode == 2
    assert run("eval", "x", "--at", "2 3").returncode == 2
    assert run("eval", "a x", "--at", "1", "--param", "a").returncode == 2
    assert run("eval", "x").returncode == 2  # --at is required
    assert run("frobnicate").returncode == 2


def test_graph_json() -> None:
    r = run("graph", "a x^2 + 3x", "--at", "2", "--param", "a=1.5", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["expression"] == "a*x^2 + 3*x" and out["x"] == 2.0 and out["params"] == {"a": 1.5}
    nodes = {n["id"]: n for n in out["nodes"]}
    x = next(n for n in nodes.values() if n["label"] == "x")
    assert x["kind"] == "input" and x["grad"] == 9.0 and x["op"] == "leaf"
    root = nodes[out["output"]]
    assert root["is_output"] and root["value"] == 12.0 and root["backward_order"] == 0
    for n in nodes.values():
        assert set(n) >= {"op", "label", "kind", "value", "grad", "parents", "backward_order"}
    # d(x^2)/dx at 2 is 4: the edge from x into the power node.
    power = next(n for n in nodes.values() if n["op"] == "pow")
    edge = next(e for e in out["edges"] if e["dst"] == power["id"] and e["src"] == x["id"])
    assert edge["local"] == 4.0 and edge["contribution"] == 6.0  # grad(pow) = a = 1.5


def test_graph_dot_and_text() -> None:
    r = run("graph", "x*x", "--at", "3", "--format", "dot")
    assert r.returncode == 0
    assert r.stdout.startswith("digraph backward {") and r.stdout.rstrip().endswith("}")
    assert r.stdout.count("n0 -> n1") == 2  # x used twice
    assert 'label="local 3"' in r.stdout
    if shutil.which("dot"):
        check = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True, text=True)
        assert check.returncode == 0
    r = run("graph", "sin(x)", "--at", "0")
    assert r.returncode == 0 and "backward trace of f(x) = sin(x) at x = 0" in r.stdout
    r = run("graph", "x +* 1", "--at", "0", "--format", "json")
    assert r.returncode == 2


def test_eval_and_graph_never_import_qt() -> None:
    code = (
        "import sys\n"
        "import gradexplorer.expr, gradexplorer.cli\n"
        "from gradexplorer.cli import main\n"
        "main(['eval', 'x^2', '--at', '1', '--json'])\n"
        "main(['graph', 'sin(x)', '--at', '1', '--format', 'dot'])\n"
        "main(['eval', 'x^^2', '--at', '1'])\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]\n"
        "print('clean')\n"
    )
    r = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.rstrip().endswith("clean")


def test_console_script_is_installed() -> None:
    script = Path(PY).with_name("gradexplorer")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    r = subprocess.run(
        [str(script), "eval", "x^3", "--at", "2", "--json"], capture_output=True, text=True
    )
    assert r.returncode == 0 and json.loads(r.stdout)["derivative"] == 12.0


def test_gui_without_a_display_says_so(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for X11/Wayland")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert cli.main(["gui"]) == 1
    assert "no display" in capsys.readouterr().err


def test_gui_forwards_its_arguments_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    seen: list[list[str]] = []
    fake = types.SimpleNamespace(run=lambda argv: seen.append(argv) or 7)
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: fake)
    assert cli.main(["gui", "-x^2", "--x", "2"]) == 7
    assert seen == [["-x^2", "--x", "2"]]


def test_gui_reports_a_missing_app(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")

    def fail(name: str) -> None:
        raise ImportError("No module named 'PySide6'")

    monkeypatch.setattr(cli.importlib, "import_module", fail)
    assert cli.main(["gui"]) == 1
    assert "cannot start" in capsys.readouterr().err
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: types.SimpleNamespace())
    assert cli.main(["gui"]) == 1


def test_gui_screenshot_through_the_real_app(tmp_path: Path) -> None:
    pytest.importorskip("gradexplorer.ui.app")
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = run("gui", "sin x", "--screenshot", str(shot), env=env)
    assert r.returncode == 0, r.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["eval", "x^2", "--at", "3", "--json"], 9.0),
        (["eval", "--json", "--at", "3", "x^2"], 9.0),
        (["eval", "x^2", "--at=3", "--json"], 9.0),
        (["eval", "2^-x", "--at", "-2", "--json"], 4.0),
        (["eval", "a", "--at", "0", "-p", "a=pi", "--json"], math.pi),
    ],
)
def test_argument_orders(argv: list[str], value: float, capsys) -> None:
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(value)


# ----------------------------------------------------------------------------- forward mode


@pytest.mark.parametrize("as_json", [["--json"], ["--format", "json"]], ids=["--json", "--format"])
def test_graph_forward_mode_json(as_json: list[str]) -> None:
    r = run("graph", "a x^2 + 3x", "--at", "2", "-p", "a=1.5", "--mode", "forward", "--seed",
            "a", *as_json)  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["mode"], out["seed"], out["params"]) == ("forward", "a", {"a": 1.5})
    nodes = {n["id"]: n for n in out["nodes"]}
    by_label = {n["label"]: n for n in nodes.values() if n["kind"] != "op"}
    assert by_label["a"]["tangent"] == 1.0 and by_label["x"]["tangent"] == 0.0
    assert by_label["2"]["tangent"] is None and by_label["2"]["kind"] == "const"
    root = nodes[out["output"]]
    assert root["is_output"] and root["value"] == 12.0 and root["tangent"] == 4.0  # ∂f/∂a = x²
    for edge in out["edges"]:  # contribution = local × tangent of src
        src = nodes[edge["src"]]
        if src["tangent"] is None:
            assert edge["local"] is None and edge["contribution"] is None
        else:
            assert edge["contribution"] == pytest.approx(edge["local"] * src["tangent"])
    # the same graph as the backward trace's
    back = json.loads(run("graph", "a x^2 + 3x", "--at", "2", "--json").stdout)
    assert back["mode"] == "reverse"
    assert [(n["label"], n["parents"]) for n in back["nodes"]] == [
        (n["label"], n["parents"]) for n in out["nodes"]
    ]


def test_graph_forward_mode_text_dot_and_default_seed() -> None:
    r = run("graph", "x*x", "--at", "3", "--mode", "forward")
    assert r.returncode == 0
    assert r.stdout.startswith("forward-mode trace of f(x) = x*x at x = 3, seeded on x")
    assert "local × tangent of src" in r.stdout and "  0 -> 1: 3, 3" in r.stdout
    r = run("graph", "x*x", "--at", "3", "--mode", "forward", "--format", "dot")
    assert r.stdout.startswith("digraph forward {") and "tangent 6" in r.stdout
    if shutil.which("dot"):
        check = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True, text=True)
        assert check.returncode == 0


def test_graph_forward_mode_bad_options_exit_2() -> None:
    r = run("graph", "a x", "--at", "1", "--mode", "forward", "--seed", "q")
    assert r.returncode == 2 and "not an input of the expression (its inputs: x, a)" in r.stderr
    r = run("graph", "a x", "--at", "1", "--seed", "a")
    assert r.returncode == 2 and "--seed is for --mode forward" in r.stderr
    assert run("graph", "x", "--at", "1", "--mode", "sideways").returncode == 2
    assert run("graph", "x", "--at", "1", "--json", "--format", "dot").returncode == 2


def test_eval_reports_which_mode_computed_each_number() -> None:
    r = run("eval", "a x^2 + 3x", "--at", "2", "-p", "a=1.5", "--mode", "forward", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["value"], out["derivative"], out["second_derivative"]) == (12.0, 9.0, 3.0)
    assert out["gradient"] == {"x": 9.0, "a": 4.0} and out["passes"] == 2
    assert out["computed_by"]["gradient"]["a"] == "forward mode: the pass seeded on a"
    assert out["computed_by"]["second_derivative"] == "forward over reverse"
    r = run("eval", "a x^2 + 3x", "--at", "2", "-p", "a=1.5", "--mode", "reverse", "--json")
    out = json.loads(r.stdout)
    assert out["passes"] == 1 and out["computed_by"]["derivative"].startswith("reverse mode")
    assert out["computed_by"]["second_derivative"] == "reverse over reverse"


def test_eval_both_modes_side_by_side() -> None:
    r = run("eval", "x w + sin(x w)", "--at", "7", "-p", "w=2", "--mode", "both", "--json")
    out = json.loads(r.stdout)
    assert out["agree"] is True and out["mode"] == "both"
    assert out["reverse"]["passes"] == 1 and out["forward"]["passes"] == 2
    for block in (out["reverse"], out["forward"]):
        assert block["gradient"]["x"] == pytest.approx(2 + 2 * math.cos(14), rel=1e-14)
        assert block["gradient"]["w"] == pytest.approx(7 + 7 * math.cos(14), rel=1e-14)
    r = run("eval", "a x^2 + b x + c", "--at", "2", "--mode", "both")
    lines = r.stdout.splitlines()
    assert lines[3].split() == ["reverse", "mode", "forward", "mode"]
    assert "1 for all 4 partials" in r.stdout and "4, one per input" in r.stdout
    r = run("eval", "ln(x)", "--at", "-1", "--mode", "both", "--json")
    out = json.loads(r.stdout)
    assert out["forward"]["derivative"] is None and out["reverse"]["derivative"] is None
    assert out["agree"] is True and out["reason"].startswith("ln needs a positive argument")
    r = run("eval", "1/x", "--at", "0", "--mode", "forward")  # a pole: undefined in both modes
    assert "df/dx   undefined" in r.stdout and "f = undefined (" in r.stdout


def test_no_arguments_open_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a desktop user types: the program's name alone.
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    seen: list[list[str]] = []
    fake = types.SimpleNamespace(run=lambda argv: seen.append(argv) or 0)
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: fake)
    assert cli.main([]) == 0
    monkeypatch.setattr(sys, "argv", ["gradexplorer-gui", "sin x", "--x", "1"])
    assert cli.gui_main() == 0
    assert seen == [[], ["sin x", "--x", "1"]]


def test_no_arguments_without_a_display_say_so(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for X11/Wayland")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert cli.main([]) == 1
    assert "no display" in capsys.readouterr().err


def test_version() -> None:
    # tests/test_packaging.py checks that a built wheel's metadata says the same.
    import gradexplorer

    r = run("--version")
    assert r.returncode == 0
    assert r.stdout == f"gradexplorer {gradexplorer.__version__}\n"
    assert gradexplorer.__version__.count(".") == 2


def test_desktop_entry_options_refuse_a_command_or_each_other() -> None:
    r = run("--install-desktop-entry", "eval", "x", "--at", "1")
    assert r.returncode == 2 and "take no command" in r.stderr
    r = run("--install-desktop-entry", "--uninstall-desktop-entry")
    assert r.returncode == 2 and "not allowed with" in r.stderr
    r = run("--help")
    assert r.returncode == 0 and "--install-desktop-entry" in r.stdout
