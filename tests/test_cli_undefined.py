"""One convention for undefined numbers in every output of the command line: JSON writes null
(never "nan"/"inf" strings, never NaN/Infinity, which are not JSON) with the reason in words
beside it, text writes "undefined" with the reason, as the window does; the exit code stays 0
(an undefined point is an answer, not an error)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gradexplorer import cli

# A pole, a domain error (ln and √ at negative x), a vertical tangent, 0^0 and x^x at x < 0.
FUNCTIONS = ("1/x", "ln(x)", "sqrt(x)", "x^x")
TWO_INPUTS = "f(x, y) = ln(x) + 1/y + sqrt(x y)"
NOT_JSON_WORDS = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
# Nulls that are not numbers: not computed (yet), not set, no hint.
NOT_NUMBERS = frozenset({"backward_order", "steps_to_tol", "t_max", "hint"})


def _json_runs(f: str) -> list[tuple[str, ...]]:
    """Every --json subcommand at and across the points where f breaks."""
    return [
        ("eval", f, "--at", "0"),
        ("eval", f, "--at", "-1"),
        ("eval", f, "--at", "-0.5", "--mode", "both"),
        ("eval", f, "--at", "0", "--mode", "forward"),
        ("graph", f, "--at", "0"),
        ("graph", f, "--at", "-0.5", "--format", "json"),
        ("graph", f, "--at", "-1", "--mode", "forward"),
        ("graph", f, "--at", "0", "--algorithm", "notebook"),
        ("points", f, "--from", "-1", "--to", "1"),
        ("points", f, "--from", "-1", "--to", "1", "--wide"),
        ("taylor", f, "--at", "0", "--order", "4"),
        ("taylor", f, "--at", "-1"),
        ("descend", f, "--from", "0.5", "--optimizer", "sgd", "--lr", "1", "--steps", "5"),
        ("descend", f, "--from", "-0.5", "--optimizer", "adam", "--steps", "5"),
    ]


TWO_INPUT_RUNS = [
    ("eval", TWO_INPUTS, "--at", "-1,1"),
    ("eval", TWO_INPUTS, "--at", "0,1"),
    ("eval", TWO_INPUTS, "--at", "1,0"),
    ("graph", TWO_INPUTS, "--at", "-1,0"),
    ("descend", TWO_INPUTS, "--from", "0.5,0.5", "--optimizer", "sgd", "--lr", "1", "--steps", "5"),
]
RUNS = [run for f in FUNCTIONS for run in _json_runs(f)] + TWO_INPUT_RUNS


def _refuse(constant: str) -> Any:
    raise AssertionError(f"{constant} is not JSON")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def _nulls_without_words(value: Any, key: str = "", explained: bool = False) -> list[str]:
    """The numbers written as null with no reason in their object or an enclosing one."""
    if isinstance(value, dict):
        here = explained or any(
            k.endswith("reason") and isinstance(v, str) and v for k, v in value.items()
        )
        return [m for k, v in value.items() for m in _nulls_without_words(v, k, here)]
    if isinstance(value, list):
        return [m for v in value for m in _nulls_without_words(v, key, explained)]
    if value is None and not explained and key not in NOT_NUMBERS and not key.endswith("reason"):
        return [key]
    return []


def _computed(data: dict[str, Any]) -> dict[str, Any]:
    """A graph's JSON without the nulls that mean "never computed", not "undefined": the
    gradient or tangent of a constant, of a node backward does not reach, and their edges."""
    if "nodes" not in data:
        return data
    constants = {n["id"] for n in data["nodes"] if n["kind"] == "const"}

    def reached(n: dict[str, Any]) -> bool:
        return n["id"] not in constants and n.get("backward_order", 0) is not None

    second = ("grad", "correct_grad", "tangent")
    nodes = [{k: v for k, v in n.items() if k not in second or reached(n)} for n in data["nodes"]]
    edges = [e for e in data["edges"] if e["src"] not in constants]
    return {**data, "nodes": nodes, "edges": edges}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_the_runs_cover_every_subcommand_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    """What --help lists: a new subcommand with --json joins RUNS."""
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listed = re.search(r"\{([a-z,]+)\}", capsys.readouterr().out)
    assert listed is not None
    with_json = set()
    for command in listed.group(1).split(","):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        if "--json" in capsys.readouterr().out:
            with_json.add(command)
    assert with_json == {run[0] for run in RUNS}


@pytest.mark.parametrize("args", RUNS, ids=" ".join)
def test_json_writes_undefined_numbers_as_null_with_the_reason(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, *args, *(() if "--format" in args else ("--json",)))
    assert code == 0
    data = json.loads(out, parse_constant=_refuse)
    assert [s for s in _strings(data) if NOT_JSON_WORDS.fullmatch(s.strip())] == []
    assert _nulls_without_words(_computed(data)) == []
    if "--format" not in args:  # one convention: text as typed (√, −), not \u escapes
        assert "\\u" not in out


def test_points_at_a_pole_and_a_domain_end(capsys: pytest.CaptureFixture[str]) -> None:
    """The audit's case: 1/x over [-1, 1] wrote "nan" and "-inf" as strings."""
    _, out = _run(capsys, "points", "1/x", "--from", "-1", "--to", "1", "--json")
    (pole,) = json.loads(out, parse_constant=_refuse)["points"]
    assert pole["kind"] == "pole" and pole["x"] == 0.0
    assert [pole[k] for k in ("y", "slope", "curvature", "left", "right")] == [None] * 5
    assert pole["reason"] == "division by zero: a pole at x = 0"
    assert "−∞ from the left, +∞ from the right" in pole["why"]  # the limits' signs, in words
    _, out = _run(capsys, "points", "sqrt(x)", "--from", "-1", "--to", "1", "--json")
    root = json.loads(out)["points"][0]
    assert (root["kind"], root["y"], root["slope"]) == ("root", 0.0, None)
    assert (root["reason"], root["derivative_reason"]) == (None, "vertical tangent: f′ is infinite")
    _, out = _run(capsys, "points", "sqrt(x) x", "--from", "-1", "--to", "1", "--json")
    root = json.loads(out)["points"][0]  # eval's words: where the chain rule broke
    assert root["slope"] is None
    assert root["derivative_reason"] == (
        "f′ has no value here: the chain rule meets ∞ × 0 (the local derivative of √ is ∞ at 0)"
    )


def test_eval_names_an_undefined_second_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    """x^x at 0: f = 1 and f′ = 0 (the engine's 0·ln 0 rule), but f″ has no value."""
    _, out = _run(capsys, "eval", "x^x", "--at", "0", "--json")
    data = json.loads(out)
    assert (data["value"], data["second_derivative"]) == (1.0, None)
    assert data["derivative_reason"] == "f″ has no value here"
    _, out = _run(capsys, "eval", "f(x, y) = sqrt(x) y", "--at", "0,2", "--json")
    data = json.loads(out)
    assert data["gradient"] == {"x": None, "y": 0.0}
    assert data["derivative_reason"] == "∂f/∂x is infinite"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("graph", "1/x", "--at", "0"), "f is undefined here: division by zero: a pole at x = 0"),
        (("graph", "ln(x)", "--at", "-1", "--format", "dot"), "value undefined"),
        (
            ("graph", "ln(x)", "--at", "-1", "--mode", "forward"),
            "f is undefined here: ln needs a positive argument (ln(-1))",
        ),
        (("eval", "sqrt(x)", "--at", "0", "--mode", "both"), "vertical tangent: f′ is infinite"),
        (("eval", "x^x", "--at", "0"), "f''   = undefined (f″ has no value here)"),
        (
            ("descend", "ln(x)", "--from", "0.5", "--optimizer", "sgd", "--lr", "1"),
            "the numbers left the finite range (ln needs a positive argument (ln(-1.5)))",
        ),
        (("points", "1/x", "--from", "-1", "--to", "1"), "pole  0  undefined"),
    ],
)
def test_text_says_undefined_with_the_reason(
    args: tuple[str, ...], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, *args)
    assert code == 0
    assert words in out
    assert re.search(r"\b(nan|inf)\b", out, re.IGNORECASE) is None
