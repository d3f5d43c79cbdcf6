"""Backward twice on one graph, as in PyTorch (the notebook's last cell).

Oracles: PyTorch's own error text (torch/csrc/autograd/saved_variable.cpp, ERR_BACKWARD_TWICE,
copied below), calculus (d/dx of x² + 3x at 2 is 7, so k passes accumulate 7k), and for the
PyTorch programs a small stand-in for torch written here, under which the printed program runs.
"""

from __future__ import annotations

import contextlib
import io
import re
import types

import pytest

from gradexplorer.autograd import Tensor
from gradexplorer.autograd.engine import _SECOND_BACKWARD
from gradexplorer.expr import parse
from gradexplorer.lessons.backward_runs import WHY_ACCUMULATES, WHY_FREED, BackwardRuns
from gradexplorer.lessons.pytorch_code import lesson_code

# PyTorch, torch/csrc/autograd/saved_variable.cpp
ERR_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values "
    "of the graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


def runs(text: str, x: float = 2.0, retain: bool = False, **params: float) -> BackwardRuns:
    e = parse(text)
    return BackwardRuns(e, x, params, e.at(x, params, trace=True).trace, retain_graph=retain)


@pytest.mark.parametrize("k", range(1, 7))
def test_with_retain_graph_gradients_accumulate_7k_after_k_runs(k: int) -> None:
    r = runs("x^2 + 3x", retain=True)
    for _ in range(k - 1):
        state = r.again()
    state = r.state()
    assert state.runs == k and state.grads == {"x": 7.0 * k} and state.error is None
    assert [h["x"] for h in state.history] == [7.0 * j for j in range(1, k + 1)]
    if k > 1:
        assert "7 → 14" in state.headline and WHY_ACCUMULATES in state.explanation


def test_every_leaf_accumulates_a_parameter_too() -> None:
    r = runs("a x^2 + 3x", retain=True, a=1.5)
    r.again()
    state = r.again()
    assert state.grads == {"x": 3 * (2 * 1.5 * 2 + 3), "a": 3 * 4.0}


def test_without_retain_graph_the_second_run_raises_pytorchs_error() -> None:
    r = runs("x^2 + 3x")
    state = r.again()
    assert state.error == ERR_BACKWARD_TWICE == _SECOND_BACKWARD
    assert state.headline == f"RuntimeError: {ERR_BACKWARD_TWICE}"
    assert state.grads == {"x": 7.0} and state.runs == 1 and state.freed
    assert WHY_FREED in state.explanation and "retain graph" in state.explanation
    assert r.again().error == ERR_BACKWARD_TWICE  # and again: the values stay freed
    badges = state.frame.badges
    freed = {n.id for n in r._trace.nodes if n.op in ("pow", "mul")}
    assert {k for k, v in badges.items() if v == "freed"} == freed


def test_a_graph_that_saved_nothing_runs_twice_as_in_pytorch() -> None:
    state = runs("x + x + 1").again()  # add saves nothing: PyTorch needs no retain_graph
    assert state.error is None and state.grads == {"x": 4.0} and not state.freed
    assert "saved no values" in state.explanation


def test_zero_grad_resets_and_the_next_run_starts_again() -> None:
    r = runs("x^2 + 3x", retain=True)
    r.again()
    state = r.zero_grad()
    assert state.grads == {"x": None} and "zero_grad" in state.headline
    assert r.again().grads == {"x": 7.0}
    assert r.state().steps == ("backward", "backward", "zero_grad", "backward")


def test_the_graph_shows_the_accumulated_leaf_gradients() -> None:
    r = runs("x^2 + 3x", retain=True)
    r.again()
    frame = r.again().frame
    trace = r._trace
    x = next(n.id for n in trace.nodes if n.label == "x")
    assert float(frame.known_grads[x]) == 21.0 and frame.badges[x] == "3 runs"
    for n in trace.nodes:  # the other nodes show one pass's gradients
        if n.kind == "op":
            assert float(frame.known_grads[n.id]) == float(n.grad)
    assert x not in r.zero_grad().frame.known_grads  # None: shown as not computed yet


def test_a_constant_function_says_so() -> None:
    state = runs("2 + 3").state()
    assert "does not require grad" in state.headline and "constant" in state.explanation


def test_each_reason_is_one_sentence() -> None:
    for why in (WHY_FREED, WHY_ACCUMULATES):
        body = why.removeprefix("Why ")
        assert body.count(". ") == 0 and why.endswith(".") and why.startswith("Why ")


# ------------------------------------------------------------------------- PyTorch programs


def _fake_torch() -> types.ModuleType:
    """What the printed programs use of torch, on gradexplorer's engine."""
    torch = types.ModuleType("torch")
    torch.float64 = "float64"
    torch.tensor = lambda v, dtype=None, requires_grad=False: Tensor(
        float(v), requires_grad=requires_grad
    )
    return torch


def run_program(code: str) -> str:
    out = io.StringIO()
    torch = _fake_torch()
    with contextlib.redirect_stdout(out):
        exec(compile(code.replace("import torch\n", ""), "<lesson>", "exec"), {"torch": torch})
    return out.getvalue()


def test_the_program_for_accumulation_prints_7_14_21_then_resets() -> None:
    e = parse("x^2 + 3x")
    r = runs("x^2 + 3x", retain=True)
    r.again()
    r.again()
    r.zero_grad()
    code = lesson_code(e, 2.0, {}, runs=r.again())
    assert code.count("y.backward(retain_graph=True)") == 4
    printed = run_program(code)
    assert re.findall(r"'x': ([\d.]+|None)", printed) == ["7.0", "14.0", "21.0", "None", "7.0"]


def test_the_program_for_backward_twice_raises_pytorchs_error() -> None:
    e = parse("x^2 + 3x")
    code = lesson_code(e, 2.0, {}, runs=runs("x^2 + 3x").again())
    assert "retain_graph" not in code.split("y = f(x)")[1]
    printed = run_program(code)
    assert f"RuntimeError: {ERR_BACKWARD_TWICE}" in printed
    assert "'x': 7.0" in printed


def test_the_program_after_a_wrong_algorithm_compares_with_pytorch() -> None:
    e = parse("u = x + x; u^2 + 3u")
    code = lesson_code(e, 2.0, {}, algorithm="recursive", trace=e.at(2.0, trace=True).trace)
    assert "#   df/dx = 38   (PyTorch: 22)" in code
    assert "df/dx = 22.0" in run_program(code)
    assert lesson_code(e, 2.0) == e.to_pytorch(2.0)  # nothing to show: the plain program


def test_where_f_is_undefined_the_runs_say_so_and_the_graph_shows_undefined() -> None:
    r = runs("ln(x)", x=-1.0, retain=True)
    state = r.again()
    assert state.grads == {"x": -2.0}  # PyTorch's 1/x, twice: the engine does the same
    assert state.explanation.startswith("f has no value at this x")
    x = next(n.id for n in r._trace.nodes if n.label == "x")
    assert str(float(state.frame.known_grads[x])) == "nan"
