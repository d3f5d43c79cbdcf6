"""PyTorch programs that show a lesson's phenomenon, for students to run themselves.

The expression's own program (``Expression.to_pytorch``) computes f and its gradient once. For
the lessons on wrong backward passes the tail of that program changes: after backward runs on
one graph it repeats them (the second ``y.backward()`` raising PyTorch's error, or ``.grad``
accumulating with ``retain_graph=True``, and ``zero_grad``); after a replayed wrong algorithm it
prints PyTorch's gradient next to the one the algorithm gave. Never executed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gradexplorer import formatting
from gradexplorer.autograd.trace import BackwardTrace
from gradexplorer.errors import ReplayError
from gradexplorer.lessons.backward_runs import RunsState
from gradexplorer.lessons.replay import NOTEBOOK, TITLES, TOPOLOGICAL, replay

if TYPE_CHECKING:
    from gradexplorer.expr import Expression


def lesson_code(
    expression: Expression,
    x: float,
    params: Mapping[str, float] | None = None,
    *,
    runs: RunsState | None = None,
    algorithm: str = TOPOLOGICAL,
    trace: BackwardTrace | None = None,
) -> str:
    """The PyTorch program for what the student is looking at: backward runs repeated, a wrong
    algorithm's result beside PyTorch's, or (neither) the plain program."""
    leaves = ["x", *(_python(p) for p in expression.params)]
    if runs is not None and len(runs.steps) > 1:
        tail = _runs_tail(runs, leaves)
    elif algorithm != TOPOLOGICAL and trace is not None:
        tail = _replay_tail(trace, algorithm, leaves)
    else:
        tail = None
    return expression.to_pytorch(x, params, tail=tail)


def _python(name: str) -> str:
    return name + "_" if name == "lambda" else name


def _report(leaves: list[str]) -> list[str]:
    grads = ", ".join(f'"{n}": {n}.grad' for n in leaves)
    return [
        "",
        "",
        "def report(what):",
        f"    grads = {{{grads}}}",
        '    print(what + ":", {k: None if g is None else g.item() for k, g in grads.items()})',
        "",
        "",
    ]


def _runs_tail(runs: RunsState, leaves: list[str]) -> list[str]:
    keep = "retain_graph=True" if runs.retain_graph else ""
    expected = iter(runs.history)
    lines = [*_report(leaves), f"y.backward({keep})"]
    lines.append(f'report("backward #1")  # {_expected(next(expected, {}))}')
    done = 1
    for step in runs.steps[1:]:
        if step == "zero_grad":
            group = leaves[0] + "," if len(leaves) == 1 else ", ".join(leaves)
            lines.append(f"for leaf in ({group}):")
            lines.append("    leaf.grad = None  # zero_grad(): optimizer.zero_grad() does this")
            lines.append(f'report("zero_grad")  # {_expected(next(expected, {}))}')
        elif step == "backward":
            done += 1
            note = (
                "  # .grad accumulates: each pass adds its gradient"
                if runs.retain_graph
                else "  # no error: this graph saved nothing, so nothing was freed"
            )
            lines.append(f"y.backward({keep}){note}")
            lines.append(f'report("backward #{done}")  # {_expected(next(expected, {}))}')
        else:
            lines += [
                "try:",
                "    y.backward()  # the same graph again: the first call freed its saved values",
                "except RuntimeError as err:",
                '    print("RuntimeError:", err)',
            ]
    return lines


def _expected(grads: Mapping[str, float | None]) -> str:
    return ", ".join(
        f"{_python(k)}.grad = {'None' if v is None else formatting.grouped(v)}"
        for k, v in grads.items()
    )


def _replay_tail(trace: BackwardTrace, algorithm: str, leaves: list[str]) -> list[str]:
    try:
        wrong = replay(trace, algorithm).final
    except ReplayError as err:
        return [*_plain(leaves), f"# {TITLES[algorithm]} could not be replayed: {err.message}"]
    right = {n.label: n.grad for n in trace.nodes if n.kind == "input"}
    lines = [
        "y.backward()  # PyTorch's pass: each node once, after all of its uses",
        *(f'print("df/d{n} =", {n}.grad.item())' for n in leaves),
    ]
    why = (
        "it adds a fresh 1 at every node it enters"
        if algorithm == NOTEBOOK
        else "a reused value pushes its gradient before all its uses arrived, then again"
    )
    lines.append(f"# {TITLES[algorithm]} gives, on this graph:")
    for n in trace.nodes:
        if n.kind == "input":
            name = _python(n.label)
            lines.append(
                f"#   df/d{name} = {formatting.grouped(wrong[n.id])}   "
                f"(PyTorch: {formatting.grouped(right[n.label])})"
            )
    lines.append(f"# because {why}.")
    return lines


def _plain(leaves: list[str]) -> list[str]:
    return ["y.backward()", *(f'print("df/d{n} =", {n}.grad.item())' for n in leaves)]
