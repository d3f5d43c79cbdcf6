"""Step-through of the forward and backward pass, on hand-built traces (numbers from math) and
on real traces from the engine and the parser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradexplorer.autograd.trace import BackwardTrace, TraceEdge, TraceNode
from gradexplorer.lessons.stepper import (
    NOT_COMPUTED,
    BackwardStepper,
    ForwardStepper,
    NodeNames,
    format_number,
)


def node(id_, op, label, kind, value, grad, parents, fwd, bwd, out=False) -> TraceNode:
    return TraceNode(
        id=id_,
        op=op,
        label=label,
        kind=kind,
        value=np.asarray(value, dtype=float),
        grad=None if grad is None else np.asarray(grad, dtype=float),
        parents=tuple(parents),
        forward_order=fwd,
        backward_order=bwd,
        is_output=out,
    )


def edge(src, dst, arg, local, upstream) -> TraceEdge:
    if local is None:
        return TraceEdge(src, dst, arg, None, None)
    return TraceEdge(src, dst, arg, np.asarray(local, float), np.asarray(local * upstream, float))


def reused_node_trace(x: float = 2.0) -> BackwardTrace:
    """y = x·x + x: u₁ = x·x (x used twice), y = u₁ + x."""
    u1 = x * x
    return BackwardTrace(
        nodes=(
            node(0, "leaf", "x", "input", x, 2 * x + 1, (), 0, 2),
            node(1, "mul", "×", "op", u1, 1.0, (0, 0), 1, 1),
            node(2, "add", "+", "op", u1 + x, 1.0, (1, 0), 2, 0, out=True),
        ),
        edges=(
            edge(0, 1, 0, x, 1.0),
            edge(0, 1, 1, x, 1.0),
            edge(1, 2, 0, 1.0, 1.0),
            edge(0, 2, 1, 1.0, 1.0),
        ),
        output=2,
    )


def diamond_trace(x: float = 0.5) -> BackwardTrace:
    """y = sin(x) · x²  with the constant 2 as a node. Backward visits u₂ before u₁ (the
    engine's order need not be the reverse of the forward order), which the stepper must
    follow."""
    s, q = math.sin(x), x**2
    y = s * q
    gy = 1.0
    g_s, g_q = gy * q, gy * s  # ∂y/∂u₁, ∂y/∂u₂
    gx = g_s * math.cos(x) + g_q * 2 * x
    return BackwardTrace(
        nodes=(
            node(0, "leaf", "x", "input", x, gx, (), 0, 3),
            node(1, "leaf", "2", "const", 2.0, None, (), 1, None),
            node(2, "sin", "sin", "op", s, g_s, (0,), 2, 2),
            node(3, "pow", "^", "op", q, g_q, (0, 1), 3, 1),
            node(4, "mul", "×", "op", y, gy, (2, 3), 4, 0, out=True),
        ),
        edges=(
            edge(0, 2, 0, math.cos(x), g_s),
            edge(0, 3, 0, 2 * x, g_q),
            edge(1, 3, 1, None, None),
            edge(2, 4, 0, q, gy),
            edge(3, 4, 1, s, gy),
        ),
        output=4,
    )


# ---------------------------------------------------------------------------------------------
# Backward, hand-built


def test_reused_node_steps_products_and_sum() -> None:
    st = BackwardStepper(reused_node_trace())
    assert [s.node.id for s in st.steps] == [2, 1, 0]
    seed, mul, x = st.steps
    assert seed.is_seed and seed.formula == "∂y/∂y = 1.000"
    assert [(c.consumer_name, float(c.upstream), float(c.local)) for c in mul.contributions] == [
        ("y", 1.0, 1.0)
    ]
    # Contributions are listed in the order backward delivered them: y is visited first (its
    # 1 reaches x first), then u₁ sends 2 through each of its two arguments.
    assert [c.consumer_name for c in x.contributions] == ["y", "u₁", "u₁"]
    assert [float(c.product) for c in x.contributions] == [1.0, 2.0, 2.0]
    assert x.is_sum and float(x.grad) == 5.0
    assert x.formula == (
        "∂y/∂x = ∂y/∂y · ∂y/∂x + ∂y/∂u₁ · ∂u₁/∂x + ∂y/∂u₁ · ∂u₁/∂x"
        " = 1.000 × 1.000 + 1.000 × 2.000 + 1.000 × 2.000"
        " = 1.000 + 2.000 + 2.000 = 5.000"
    )
    assert "three times" in x.explanation
    assert "1.000 + 2.000 + 2.000 = 5.000" in x.explanation
    assert "u₁ = x × x" in x.explanation


def test_diamond_follows_backward_order_and_chain_rule() -> None:
    xv = 0.5
    tr = diamond_trace(xv)
    st = BackwardStepper(tr)
    # Constants are not visited; the order is backward_order, not reversed forward order.
    assert [s.name for s in st.steps] == ["y", "u₂", "u₁", "x"]
    by_name = {s.name: s for s in st.steps}
    u2 = by_name["u₂"]
    (c,) = u2.contributions
    assert float(c.upstream) == 1.0
    assert float(c.local) == pytest.approx(math.sin(xv))
    assert float(u2.grad) == pytest.approx(math.sin(xv))
    x = by_name["x"]
    assert [c.consumer_name for c in x.contributions] == ["u₂", "u₁"]
    for c in x.contributions:
        assert float(c.product) == pytest.approx(float(c.upstream) * float(c.local), rel=1e-15)
    expected = math.cos(xv) * xv**2 + math.sin(xv) * 2 * xv  # d/dx sin(x)·x²
    assert float(x.grad) == pytest.approx(expected, rel=1e-15)
    assert sum(float(c.product) for c in x.contributions) == pytest.approx(expected)
    assert x.formula.endswith(f"= {expected:.3f}")
    assert "twice" in x.explanation
    assert "u₂ = x ^ 2" in x.explanation and "u₁ = sin(x)" in x.explanation


def test_known_grads_grow_step_by_step_and_never_show_zero_for_unknown() -> None:
    tr = diamond_trace()
    st = BackwardStepper(tr)
    assert st.known_grads() == {}
    assert st.grad_text(0) == NOT_COMPUTED
    order = [s.node.id for s in st.steps]
    for i, nid in enumerate(order):
        known = st.known_grads(i)
        assert set(known) == set(order[: i + 1])
        for later in order[i + 1 :]:
            assert st.grad_text(later, i) == NOT_COMPUTED
        # Every consumer's gradient was already known when this node's step came.
        consumers = {e.dst for e in tr.edges_into(nid)}
        assert consumers <= set(st.known_grads(i - 1))
    assert st.grad_text(1, len(order) - 1) == NOT_COMPUTED  # constants never get one


def test_zero_gradient_is_shown_as_zero_once_computed() -> None:
    # relu at a negative input: the gradient is a real 0, which must not look "unknown".
    tr = BackwardTrace(
        nodes=(
            node(0, "leaf", "x", "input", -1.0, 0.0, (), 0, 1),
            node(1, "relu", "relu", "op", 0.0, 1.0, (0,), 1, 0, out=True),
        ),
        edges=(edge(0, 1, 0, 0.0, 1.0),),
        output=1,
    )
    st = BackwardStepper(tr)
    assert st.grad_text(0) == NOT_COMPUTED
    st.seek(1)
    assert st.grad_text(0) == "0.000"
    assert st.current.formula == "∂y/∂x = ∂y/∂y · ∂y/∂x = 1.000 × 0.000 = 0.000"


def test_cursor_navigation() -> None:
    st = BackwardStepper(reused_node_trace())
    assert st.position == -1 and st.current is None and st.at_start and not st.at_end
    assert st.next().name == "y"
    assert st.next().name == "u₁"
    assert st.next().name == "x" and st.at_end
    assert st.next() is None and st.position == 2  # stays at the end
    assert st.prev().name == "u₁"
    assert st.seek(99).name == "x"
    assert st.seek(-7) is None and st.position == -1
    assert st.prev() is None and st.position == -1
    st.seek(1)
    st.reset()
    assert st.position == -1 and st.known_grads() == {}
    assert len(st) == 3


def test_output_name_avoids_a_parameter_called_y() -> None:
    tr = BackwardTrace(
        nodes=(
            node(0, "leaf", "y", "input", 3.0, 2.0, (), 0, 1),
            node(1, "leaf", "x", "input", 2.0, 3.0, (), 1, 2),
            node(2, "mul", "×", "op", 6.0, 1.0, (0, 1), 2, 0, out=True),
        ),
        edges=(edge(0, 2, 0, 2.0, 1.0), edge(1, 2, 1, 3.0, 1.0)),
        output=2,
    )
    names = NodeNames(tr)
    assert names.output == "f" and names[0] == "y"
    assert BackwardStepper(tr).steps[1].formula.startswith("∂f/∂y = ∂f/∂f · ∂f/∂y")


def test_format_number() -> None:
    assert format_number(None) == NOT_COMPUTED
    assert format_number(math.nan) == "undefined"
    assert format_number(math.inf) == "∞" and format_number(-math.inf) == "-∞"
    assert format_number(np.float64(7.0)) == "7.000"
    assert format_number(-0.0015) == "-0.002"
    assert format_number(1.5e-5) == "1.500e-05"
    assert format_number(2.5e7) == "2.500e+07"
    assert format_number(np.array([1.0, 2.0])) == "[1.000, 2.000]"
    assert format_number(np.arange(6.0)) == "[0.000, 1.000, 2.000, 3.000, …]"
    assert format_number(1 / 3, digits=5) == "0.33333"


# ---------------------------------------------------------------------------------------------
# Forward


def test_forward_steps_in_forward_order_with_values() -> None:
    xv = 0.5
    st = ForwardStepper(diamond_trace(xv))
    assert [s.name for s in st.steps] == ["x", "2", "u₁", "u₂", "y"]
    assert st.steps[0].formula == "x = 0.500"
    assert st.steps[1].formula == "2 (constant)"
    assert st.steps[2].formula == f"u₁ = sin(x) = sin(0.500) = {math.sin(xv):.3f}"
    assert st.steps[3].formula == "u₂ = x ^ 2 = 0.500 ^ 2.000 = 0.250"
    y = math.sin(xv) * xv**2
    assert st.steps[4].formula == f"y = u₁ × u₂ = {math.sin(xv):.3f} × 0.250 = {y:.3f}"
    assert "output" in st.steps[4].explanation
    assert st.known_values() == {}
    st.seek(2)
    assert set(st.known_values()) == {0, 1, 2}
    assert float(st.known_values()[2]) == pytest.approx(math.sin(xv))


def test_forward_skip_leaves_gives_inputs_up_front() -> None:
    st = ForwardStepper(diamond_trace(), skip_leaves=True)
    assert [s.name for s in st.steps] == ["u₁", "u₂", "y"]
    assert set(st.known_values()) == {0, 1}
    st.seek(0)
    assert set(st.known_values()) == {0, 1, 2}


def test_negative_numbers_are_parenthesised_after_operators() -> None:
    tr = BackwardTrace(
        nodes=(
            node(0, "leaf", "x", "input", -1.5, 2.0, (), 0, 1),
            node(1, "leaf", "2", "const", 2.0, None, (), 1, None),
            node(2, "mul", "×", "op", -3.0, 1.0, (1, 0), 2, 0, out=True),
        ),
        edges=(edge(1, 2, 0, None, None), edge(0, 2, 1, 2.0, 1.0)),
        output=2,
    )
    assert ForwardStepper(tr).steps[-1].formula == "y = 2 × x = 2.000 × (-1.500) = -3.000"


# ---------------------------------------------------------------------------------------------
# Real traces from the engine and the parser


def test_real_engine_trace_of_reused_node() -> None:
    from gradexplorer.autograd import Tensor

    x = Tensor(2.0, requires_grad=True, name="x")
    y = x * x + x
    tr = y.backward(trace=True)
    st = BackwardStepper(tr)
    orders = [s.node.backward_order for s in st.steps]
    assert orders == sorted(orders) and orders[0] == 0
    last = st.steps[-1]
    assert last.name == "x" and float(last.grad) == 5.0
    products = sorted(float(c.product) for c in last.contributions)
    assert products == [1.0, 2.0, 2.0]  # 2 + 2 from the product, 1 from the sum
    by_op = {}
    for c in last.contributions:
        by_op.setdefault(c.consumer.op, []).append(float(c.product))
    assert by_op == {"mul": [2.0, 2.0], "add": [1.0]}
    assert last.formula.endswith("= 5.000")


def _real_point(text: str, x: float, params: dict[str, float] | None = None):
    import gradexplorer.expr as expr

    return expr.parse(text).at(x, params or {}, trace=True)


def test_seed_example_from_the_parser() -> None:
    p = _real_point("x^2 + 3x", 2.0)
    st = BackwardStepper(p.trace)
    x_step = next(s for s in st.steps if s.node.kind == "input" and s.node.label == "x")
    assert x_step.is_sum
    assert sorted(float(c.product) for c in x_step.contributions) == [3.0, 4.0]
    assert float(x_step.grad) == 7.0
    fw = ForwardStepper(p.trace)
    assert float(fw.steps[-1].value) == 10.0 and fw.steps[-1].node.is_output


@pytest.mark.parametrize(
    ("text", "x", "params"),
    [
        ("x*x + x", 2.0, {}),
        ("sin(x) e^(-x/5)", 1.0, {}),
        ("(a x - 3)^2", 2.0, {"a": 0.5}),
        ("ln(1 + e^(-w x))", 2.0, {"w": 0.5}),
        ("a sin(b x) + x^3 x", 0.7, {"a": 1.5, "b": 2.0}),
    ],
)
def test_real_traces_satisfy_the_chain_rule_at_every_step(text, x, params) -> None:
    p = _real_point(text, x, params)
    st = BackwardStepper(p.trace)
    seen = []
    while (step := st.next()) is not None:
        seen.append(step.node.id)
        for c in step.contributions:
            assert float(c.product) == pytest.approx(float(c.upstream) * float(c.local), rel=1e-12)
            assert c.consumer.id in st.known_grads(step.index - 1)
        if step.contributions:
            total = sum(float(c.product) for c in step.contributions)
            assert float(step.grad) == pytest.approx(total, rel=1e-12, abs=1e-15)
    assert [p.trace.node(i).backward_order for i in seen] == list(range(len(seen)))
    inputs = {s.node.label: float(s.grad) for s in st.steps if s.node.kind == "input"}
    assert inputs == pytest.approx(p.gradient)
    # The forward stepper ends on the value the parser reports.
    fw = ForwardStepper(p.trace)
    assert float(fw.steps[-1].value) == pytest.approx(p.value)
