"""gradexplorer graph --algorithm: the wrong backward passes on the command line.

Oracles: the closed forms of the lessons (the notebook's 16 and 5 for x² + 3x at 2, 38 against
22 for u = x + x; u² + 3u) and the count 2^(n+1) − 1 of the recursive visits.
"""

from __future__ import annotations

import itertools
import json
import string
import subprocess
import sys

PY = sys.executable


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "gradexplorer", *args],
        capture_output=True,
        text=True,
        timeout=60,
        encoding="utf-8",
    )


def graph_json(expr: str, algorithm: str, at: str = "2") -> dict:
    r = run("graph", expr, "--at", at, "--algorithm", algorithm, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_the_notebooks_16_as_json() -> None:
    out = graph_json("x^2 + 3x", "notebook")
    assert out["algorithm"] == "notebook"
    nodes = {n["label"]: n for n in out["nodes"]}
    assert (nodes["x"]["grad"], nodes["x"]["correct_grad"], nodes["x"]["visits"]) == (16.0, 7.0, 2)
    assert nodes["3"]["grad"] == 5.0 and nodes["3"]["correct_grad"] is None
    # today's trace fields are all still there
    plain = json.loads(run("graph", "x^2 + 3x", "--at", "2", "--format", "json").stdout)
    assert set(plain) <= set(out)
    for mine, theirs in zip(out["nodes"], plain["nodes"], strict=True):
        assert set(theirs) <= set(mine)
        assert {k: v for k, v in mine.items() if k in theirs and k != "grad"} == {
            k: v for k, v in theirs.items() if k != "grad"
        }
    assert out["edges"] == plain["edges"]
    visits = out["visits"]
    assert len(visits) == 7 and [v["grad"] for v in visits][-1] == 16.0
    assert all({"node", "grad"} <= set(v) for v in visits)
    assert visits[0]["node"] == out["output"]


def test_recursion_without_waiting_on_a_reused_intermediate() -> None:
    out = graph_json("u = x + x; u^2 + 3u", "recursive")
    nodes = {n.get("name", n["label"]): n for n in out["nodes"]}
    assert (nodes["x"]["grad"], nodes["x"]["correct_grad"]) == (38.0, 22.0)
    assert nodes["u"]["visits"] == 2 and nodes["u"]["grad"] == 11.0
    assert len(out["visits"]) == 11 and out["correct_visits"] == 5
    assert graph_json("u = x + x; u^2 + 3u", "topological")["nodes"] == [
        {**n, "grad": n["correct_grad"], "visits": n["correct_visits"]} for n in out["nodes"]
    ]


def test_plain_output_is_a_table() -> None:
    r = run("graph", "u = x + x; u^2 + 3u", "--at", "2", "--algorithm", "recursive")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "11 visits (the correct pass: 5)" in lines[0]
    header = lines[1].split()
    assert header[:4] == ["id", "label", "name", "kind"]
    x_row = next(line.split() for line in lines[2:] if line.split()[1:2] == ["x"])
    assert x_row[4:6] == ["38", "22"]
    assert sum(1 for line in lines if line.lstrip()[:1].isdigit() and ". " in line) == 11


def test_an_unknown_algorithm_exits_2() -> None:
    r = run("graph", "x^2", "--at", "1", "--algorithm", "magic")
    assert r.returncode == 2 and "invalid choice: 'magic'" in r.stderr and r.stdout == ""


def test_too_many_visits_exit_1_with_a_message() -> None:
    greek = ["alpha", "beta", "gamma", "delta", "zeta", "eta"]
    names = ([c for c in string.ascii_lowercase if c not in "xe"] + greek)[:30]
    lines = [f"{names[0]} = x + x"] + [f"{b} = {a} + {a}" for a, b in itertools.pairwise(names)]
    text = "; ".join([*lines, names[-1]])
    assert len(text) <= 500
    r = run("graph", text, "--at", "1", "--algorithm", "recursive")
    assert r.returncode == 1
    assert "2,147,483,647" in r.stderr and "Traceback" not in r.stderr
    ok = run("graph", text, "--at", "1", "--algorithm", "notebook", "--format", "json")
    assert ok.returncode == 0 and len(json.loads(ok.stdout)["visits"]) == 31


def test_definitions_on_the_command_line() -> None:
    r = run("eval", "u = x + x\nu^2 + 3u", "--at", "2", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["expression"], out["value"], out["derivative"]) == (
        "u = x + x; u^2 + 3*u",
        28.0,
        22.0,
    )
    r = run("eval", "u = x; u = 2; u", "--at", "1")
    assert r.returncode == 2 and "defined twice" in r.stderr
