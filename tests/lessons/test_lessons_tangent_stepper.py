"""Stepping through forward-mode AD: the seeded inputs, then each op with its value and its
tangent by the sum rule, over the ForwardTrace the engine recorded. Oracle: the closed-form
derivative of every node of the graph, written here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradexplorer.expr import parse
from gradexplorer.lessons.step_through import TANGENT, StepThrough
from gradexplorer.lessons.stepper import TangentStepper


def trace(text: str, x: float, params: dict[str, float] | None = None, seed: str = "x"):
    return parse(text).forward(x, params or {}, seed, trace=True).trace


def test_dual_numbers_on_the_seed_example() -> None:
    st = TangentStepper(trace("x^2 + 3x", 2.0))
    assert [s.name for s in st.steps] == ["x", "u₁", "u₂", "y"]
    # each node's tangent is d(node)/dx: 1, 2x, 3 and 2x + 3 at x = 2
    assert [float(s.tangent) for s in st.steps] == [1.0, 4.0, 3.0, 7.0]
    assert [float(s.value) for s in st.steps] == [2.0, 4.0, 6.0, 10.0]
    assert st.steps[0].formula == "ẋ = 1.000"
    assert st.steps[1].formula == "u̇₁ = ∂u₁/∂x · ẋ = 4.000 × 1.000 = 4.000"
    assert st.steps[2].formula == "u̇₂ = ∂u₂/∂x · ẋ = 3.000 × 1.000 = 3.000"
    assert st.steps[3].formula == (
        "ẏ = ∂y/∂u₁ · u̇₁ + ∂y/∂u₂ · u̇₂ = 1.000 × 4.000 + 1.000 × 3.000 = 4.000 + 3.000 = 7.000"
    )
    assert "is the seed" in st.steps[0].explanation
    assert "3: constant, no tangent, no term" in st.steps[2].explanation
    assert "Sum: ẏ = 4.000 + 3.000 = 7.000." in st.steps[3].explanation


def test_values_and_tangents_appear_step_by_step() -> None:
    tr = trace("x^2 + 3x", 2.0)
    st = TangentStepper(tr)
    ops = [n.id for n in tr.nodes if n.kind == "op"]
    consts = [n.id for n in tr.nodes if n.kind == "const"]
    assert st.known_tangents() == {}
    assert set(st.known_values()) == set(consts) | {n.id for n in tr.nodes if n.kind == "input"}
    st.next()
    assert list(st.known_tangents()) == [st.steps[0].node.id]
    st.seek(len(st) - 1)
    assert set(st.known_tangents()) == {n.id for n in tr.nodes if n.kind != "const"}
    assert set(st.known_values()) >= set(ops)


@pytest.mark.parametrize(
    ("text", "x", "params", "seed", "derivatives"),
    [
        # a x² + b x + c seeded on each input in turn: the partial of every node
        (
            "a x^2 + b x + c",
            2.0,
            {"a": 1.5, "b": -1.0, "c": 3.0},
            "x",
            [1, 0, 0, 0, 4, 6, -1, 5, 5],
        ),
        ("a x^2 + b x + c", 2.0, {"a": 1.5, "b": -1.0, "c": 3.0}, "a", [0, 1, 0, 0, 0, 4, 0, 4, 4]),
        ("a x^2 + b x + c", 2.0, {"a": 1.5, "b": -1.0, "c": 3.0}, "b", [0, 0, 1, 0, 0, 0, 2, 2, 2]),
        ("a x^2 + b x + c", 2.0, {"a": 1.5, "b": -1.0, "c": 3.0}, "c", [0, 0, 0, 1, 0, 0, 0, 0, 1]),
    ],
)
def test_every_nodes_tangent_is_its_partial_by_the_seed(text, x, params, seed, derivatives):
    st = TangentStepper(trace(text, x, params, seed))
    assert [float(s.tangent) for s in st.steps] == derivatives
    for step in st.steps:
        if step.node.kind == "op":  # the sum rule, exactly
            assert float(step.tangent) == sum(float(t.product) for t in step.terms)
            for t in step.terms:
                assert float(t.product) == float(t.local) * float(t.tangent)


def test_the_jax_example_seeded_on_each_input() -> None:
    for seed, expected in (("x", 2 + 2 * math.cos(14)), ("w", 7 + 7 * math.cos(14))):
        st = TangentStepper(trace("x w + sin(x w)", 7.0, {"w": 2.0}, seed))
        assert float(st.steps[-1].tangent) == pytest.approx(expected, rel=1e-15)
        assert st.steps[-1].node.is_output


def test_step_through_in_tangent_mode_shows_tangents_with_the_seed_badge() -> None:
    tr = trace("a x^2 + b x + c", 2.0, {"a": 1.5, "b": -1.0, "c": 3.0}, "b")
    through = StepThrough(TANGENT, tr)
    frame = through.frame()
    assert frame.second_caption == "tangent" and frame.position == -1
    assert frame.formula == "Forward mode, seeded on b: no tangent computed yet."
    assert "tangent = Σ local derivative × input tangent" in frame.explanation
    b = next(n.id for n in tr.nodes if n.label == "b")
    assert frame.badges == {b: "seed"}
    assert frame.known_grads == {}
    through.seek(through.count - 1)
    frame = through.frame()
    assert frame.current == tr.output
    assert float(frame.known_grads[tr.output]) == 2.0  # ∂f/∂b = x
    assert "Forward pass complete: ẏ = ∂y/∂b" in frame.explanation
    # the highlighted edges are the terms of the output's sum
    assert frame.edges == {(e.src, e.dst, e.arg_index) for e in tr.edges_from_parents(tr.output)}


def test_a_constant_input_adds_no_term_and_no_highlight() -> None:
    tr = trace("3x", 1.5)
    through = StepThrough(TANGENT, tr)
    through.seek(through.count - 1)
    three = next(n.id for n in tr.nodes if n.label == "3")
    assert all(src != three for src, _, _ in through.frame().edges)
    assert float(through.frame().known_grads[tr.output]) == 3.0


def test_a_new_point_keeps_the_position_and_a_new_seed_starts_again() -> None:
    params = {"a": 1.5, "b": -1.0, "c": 3.0}
    through = StepThrough(TANGENT, trace("a x^2 + b x + c", 2.0, params))
    through.seek(4)
    assert through.load(trace("a x^2 + b x + c", 2.5, params))  # x moved: same pass
    assert through.position == 4
    assert float(through.frame().known_grads[through.frame().current]) == pytest.approx(5.0)
    assert not through.load(trace("a x^2 + b x + c", 2.5, params, "a"))  # another pass
    assert through.position == -1


def test_the_wrong_kind_of_trace_is_refused_and_constants_have_nothing_to_step() -> None:
    backward = parse("x^2").at(1.0, trace=True).trace
    with pytest.raises(TypeError):
        StepThrough(TANGENT, backward)
    with pytest.raises(TypeError):
        StepThrough("backward", trace("x^2", 1.0))
    through = StepThrough(TANGENT, trace("2 + sin(pi)", 1.0))
    assert through.count == 0
    assert through.frame().formula == "Nothing to step through: f is a constant."


def test_a_point_where_f_is_undefined() -> None:
    st = TangentStepper(trace("ln(x)", -1.0))
    assert np.isnan(st.steps[-1].tangent)
    assert "undefined" in st.steps[-1].formula
