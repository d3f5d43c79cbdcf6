"""Step-through of the forward and backward pass, on hand-built traces (numbers from math) and
on real traces from the engine and the parser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradexplorer import formatting
from gradexplorer.autograd.trace import BackwardTrace, TraceEdge, TraceNode
from gradexplorer.formatting import NOT_COMPUTED
from gradexplorer.lessons.stepper import BackwardStepper, ForwardStepper, NodeNames


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


def product_trace(a_label: str, a: float, b_label: str, b: float) -> BackwardTrace:
    """out = a × b with both factors inputs: ∂out/∂a = b, ∂out/∂b = a (a is visited first)."""
    return BackwardTrace(
        nodes=(
            node(0, "leaf", a_label, "input", a, b, (), 0, 1),
            node(1, "leaf", b_label, "input", b, a, (), 1, 2),
            node(2, "mul", "×", "op", a * b, 1.0, (0, 1), 2, 0, out=True),
        ),
        edges=(edge(0, 2, 0, b, 1.0), edge(1, 2, 1, a, 1.0)),
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
    assert seed.node.is_output and seed.formula == "∂y/∂y = 1.000"
    assert [(c.consumer_name, float(c.upstream), float(c.local)) for c in mul.contributions] == [
        ("y", 1.0, 1.0)
    ]
    # Contributions are listed in the order backward delivered them: y is visited first (its
    # 1 reaches x first), then u₁ sends 2 through each of its two arguments.
    assert [c.consumer_name for c in x.contributions] == ["y", "u₁", "u₁"]
    assert [float(c.product) for c in x.contributions] == [1.0, 2.0, 2.0]
    assert len(x.contributions) >= 2 and float(x.grad) == 5.0
    assert x.formula == (
        "∂y/∂x = ∂y/∂y · ∂y/∂x + ∂y/∂u₁ · ∂u₁/∂x + ∂y/∂u₁ · ∂u₁/∂x"
        " = 1.000 × 1.000 + 1.000 × 2.000 + 1.000 × 2.000"
        " = 1.000 + 2.000 + 2.000 = 5.000"
    )
    assert "three times" in x.explanation
    assert "Sum over the uses: ∂y/∂x = 1.000 + 2.000 + 2.000 = 5.000." in x.explanation
    assert "u₁ = x × x" in x.explanation
    # u₁ is used once: the chain rule alone, with no sum in the formula or the words.
    assert len(mul.contributions) < 2 and len(seed.contributions) < 2
    assert mul.formula == "∂y/∂u₁ = ∂y/∂y · ∂y/∂u₁ = 1.000 × 1.000 = 1.000"
    assert mul.explanation == (
        "Chain rule for u₁, through y = u₁ + x: upstream ∂y/∂y = 1.000 × local ∂y/∂u₁ = 1.000"
        " gives 1.000, so ∂y/∂u₁ = 1.000."
    )


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


@pytest.mark.parametrize("stepper", [BackwardStepper, ForwardStepper])
def test_prev_from_the_first_step_goes_back_before_the_start(stepper) -> None:
    st = stepper(reused_node_trace())
    first = st.next()
    assert st.position == 0 and first is st.steps[0]
    assert st.prev() is None
    assert st.position == -1 and st.current is None and st.at_start
    assert st.prev() is None and st.position == -1  # already before the start: stays there
    assert st.next() is first and st.position == 0


def test_output_name_avoids_a_parameter_called_y() -> None:
    tr = product_trace("y", 3.0, "x", 2.0)
    names = NodeNames(tr)
    assert names.output == "f" and names[0] == "y"
    assert BackwardStepper(tr).steps[1].formula.startswith("∂f/∂y = ∂f/∂f · ∂f/∂y")


def test_the_seed_step_names_the_output_when_y_is_an_input() -> None:
    # f(x, y) = x·y: the output is f, and y is an input, so the seed step must not say
    # "a change in y changes y" (it read so on Rosenbrock in a walk-through).
    seed = BackwardStepper(product_trace("y", 3.0, "x", 2.0)).steps[0]
    assert seed.node.is_output and seed.formula == "∂f/∂f = 1.000"
    assert seed.explanation == (
        "Backward starts at the output f: ∂f/∂f = 1.000, since a change in f changes f by the"
        " same amount."
    )


def _parens_if_negative(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


@pytest.mark.parametrize(
    ("v", "text"),
    [
        (999999.0, "999999.000"),  # the largest everyday number: still fixed
        (1e6, "1.000e+06"),  # from a million on: scientific
        (0.001, "0.001"),  # the smallest fixed one
        (0.000999, "9.990e-04"),  # below it 3 decimals would read 0.001 or 0.000
        (-999999.0, "-999999.000"),
        (-1e6, "-1.000e+06"),
        (-0.001, "-0.001"),
        (-0.000999, "-9.990e-04"),
    ],
)
def test_step_texts_switch_to_scientific_at_a_million_and_below_a_thousandth(v, text) -> None:
    # y = w × x with w = 1, x = v: the value of x, of y and ∂y/∂w = x are all v.
    tr = product_trace("w", 1.0, "x", v)
    wrapped = _parens_if_negative(text)
    fw = ForwardStepper(tr)
    assert [s.formula for s in fw.steps] == [
        "w = 1.000",
        f"x = {text}",
        f"y = w × x = 1.000 × {wrapped} = {text}",
    ]
    bw = BackwardStepper(tr)
    w_step = bw.steps[1]
    assert w_step.name == "w"
    assert w_step.formula == f"∂y/∂w = ∂y/∂y · ∂y/∂w = 1.000 × {wrapped} = {text}"
    assert f"local ∂y/∂w = {text} gives {text}, so ∂y/∂w = {text}." in w_step.explanation
    assert bw.grad_text(0, len(bw) - 1) == text


def test_a_zero_gradient_never_reads_as_a_small_negative_number() -> None:
    # −x² at its maximum x = 0: ∂y/∂x = −2x = 0, reached as (−1) × 0, which IEEE makes −0.0.
    # Small numbers are written in scientific form, so "-0.000" would look like a tiny
    # negative slope; it is exactly 0 (the UI's readouts write −0.0 as 0 too).
    p = _real_point("-x^2", 0.0)
    st = BackwardStepper(p.trace)
    x_step = st.steps[-1]
    assert x_step.name == "x" and float(x_step.grad) == 0.0
    assert x_step.formula == "∂y/∂x = ∂y/∂u₁ · ∂u₁/∂x = (-1.000) × 0.000 = 0.000"
    assert x_step.explanation.endswith("gives 0.000, so ∂y/∂x = 0.000.")
    assert st.grad_text(x_step.node.id, x_step.index) == "0.000"
    # y = −u₁ with u₁ = 0: the formula writes the minus of 0.000, the value is 0.000.
    assert ForwardStepper(p.trace).steps[-1].formula == "y = -u₁ = -0.000 = 0.000"
    assert formatting.step(-0.0) == "0.000"
    assert formatting.step(np.array([-0.0, 1.0])) == "[0.000, 1.000]"


def _div_by_itself_edges_listed_backwards() -> BackwardTrace:
    # y = x ÷ x at x = 2 with the second argument's edge recorded first.
    return BackwardTrace(
        nodes=(
            node(0, "leaf", "x", "input", 2.0, 0.0, (), 0, 1),
            node(1, "div", "÷", "op", 1.0, 1.0, (0, 0), 1, 0, out=True),
        ),
        edges=(edge(0, 1, 1, -0.5, 1.0), edge(0, 1, 0, 0.5, 1.0)),
        output=1,
    )


@pytest.mark.parametrize(
    "make_trace",
    [_div_by_itself_edges_listed_backwards, lambda: _real_point("x / x", 2.0).trace],
    ids=["hand-built", "parser"],
)
def test_two_uses_by_one_op_read_in_argument_order(make_trace) -> None:
    # ∂(a/b)/∂a = 1/b = 0.5 and ∂(a/b)/∂b = −a/b² = −0.5 at a = b = 2: two different locals,
    # so the text shows which argument is which.
    x = BackwardStepper(make_trace()).steps[1]
    assert [c.edge.arg_index for c in x.contributions] == [0, 1]
    assert [float(c.local) for c in x.contributions] == [0.5, -0.5]
    assert x.formula == (
        "∂y/∂x = ∂y/∂y · ∂y/∂x + ∂y/∂y · ∂y/∂x = 1.000 × 0.500 + 1.000 × (-0.500)"
        " = 0.500 + (-0.500) = 0.000"
    )


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
    from gradexplorer.expr import parse

    return parse(text).at(x, params or {}, trace=True)


def _f3(v: float) -> str:
    """v as the step texts write an everyday number, by Python's own formatting."""
    return f"{v:.3f}"


S1, C1 = math.sin(1.0), math.cos(1.0)


@pytest.mark.parametrize(
    ("text", "x", "value", "grad", "uses", "forward", "x_formula"),
    [
        (
            "x^2 + 3x",  # y = u₁ + u₂, u₁ = x², u₂ = 3x; dy/dx = 2x + 3
            2.0,
            10.0,
            2 * 2.0 + 3,
            2,
            "y = u₁ + u₂ = 4.000 + 6.000 = 10.000",
            "∂y/∂x = ∂y/∂u₂ · ∂u₂/∂x + ∂y/∂u₁ · ∂u₁/∂x = 1.000 × 3.000 + 1.000 × 4.000"
            " = 3.000 + 4.000 = 7.000",
        ),
        (
            "x*x + x",  # y = u₁ + x, u₁ = x·x: dy/dx = 1 + x + x = 1 + 2 + 2
            2.0,
            6.0,
            1 + 2 + 2,
            3,
            "y = u₁ + x = 4.000 + 2.000 = 6.000",
            "∂y/∂x = ∂y/∂y · ∂y/∂x + ∂y/∂u₁ · ∂u₁/∂x + ∂y/∂u₁ · ∂u₁/∂x"
            " = 1.000 × 1.000 + 1.000 × 2.000 + 1.000 × 2.000 = 1.000 + 2.000 + 2.000 = 5.000",
        ),
        (
            "sin(x) x",  # y = u₁ × x, u₁ = sin x: dy/dx = cos(x)·x + sin(x)
            1.0,
            S1,
            C1 * 1.0 + S1,
            2,
            f"y = u₁ × x = {_f3(S1)} × 1.000 = {_f3(S1)}",
            f"∂y/∂x = ∂y/∂y · ∂y/∂x + ∂y/∂u₁ · ∂u₁/∂x = 1.000 × {_f3(S1)} + 1.000 × {_f3(C1)}"
            f" = {_f3(S1)} + {_f3(C1)} = {_f3(C1 + S1)}",
        ),
    ],
    ids=["x^2+3x", "x*x+x", "sin(x)*x"],
)
def test_real_trace_steps_match_derivatives_by_hand(
    text, x, value, grad, uses, forward, x_formula
) -> None:
    p = _real_point(text, x)
    st = BackwardStepper(p.trace)
    seed, *middle, x_step = st.steps
    assert seed.node.is_output and seed.formula == "∂y/∂y = 1.000"
    assert seed.explanation == (
        "Backward starts at the output y: ∂y/∂y = 1.000, since a change in y changes y by the"
        " same amount."
    )
    # x is used `uses` times: a sum, one product per use, adding up to the hand derivative.
    assert (
        x_step.name == "x" and len(x_step.contributions) >= 2 and len(x_step.contributions) == uses
    )
    assert float(x_step.grad) == pytest.approx(grad, rel=1e-15)
    assert x_step.formula == x_formula
    assert f"used {'twice' if uses == 2 else 'three times'}" in x_step.explanation
    assert x_step.explanation.endswith(f" = {_f3(grad)}.")
    # Every intermediate result feeds the output once: ∂y/∂u = 1, and no sum is shown.
    for s in middle:
        assert s.name.startswith("u") and float(s.grad) == 1.0
        assert len(s.contributions) < 2 and " + " not in s.formula and "Sum" not in s.explanation
        assert s.formula == f"∂y/∂{s.name} = ∂y/∂y · ∂y/∂{s.name} = 1.000 × 1.000 = 1.000"
    fw = ForwardStepper(p.trace)
    assert fw.steps[-1].node.is_output and fw.steps[-1].formula == forward
    assert float(fw.steps[-1].value) == pytest.approx(value, rel=1e-15)


def test_grad_text_says_not_computed_until_the_nodes_step() -> None:
    # x² + 3x at 2, by hand: ∂y/∂u₁ = ∂y/∂u₂ = 1, ∂y/∂x = 2x + 3 = 7; constants get none.
    p = _real_point("x^2 + 3x", 2.0)
    st = BackwardStepper(p.trace)
    node_id = {st.names[n.id]: n.id for n in p.trace.nodes}
    by_hand = {"y": "1.000", "u₁": "1.000", "u₂": "1.000", "x": "7.000", "2": None, "3": None}
    assert set(node_id) == set(by_hand)
    step_of = {s.name: s.index for s in st.steps}
    for i in range(-1, len(st)):
        for name, text in by_hand.items():
            shown = text if text is not None and step_of[name] <= i else NOT_COMPUTED
            assert st.grad_text(node_id[name], i) == shown, (name, i)
        assert {st.names[k] for k in st.known_grads(i)} == {n for n, j in step_of.items() if j <= i}
    # Without an index: the current step.
    st.seek(step_of["x"] - 1)
    assert st.grad_text(node_id["x"]) == NOT_COMPUTED
    st.next()
    assert st.grad_text(node_id["x"]) == "7.000"


@pytest.mark.parametrize(
    ("x", "forward"),
    [(2.0, "y = -x = -2.000 = -2.000"), (-2.0, "y = -x = -(-2.000) = 2.000")],
    ids=["x=2", "x=-2"],
)
def test_negation_keeps_its_sign_in_the_step_texts(x, forward) -> None:
    p = _real_point("-x", x)
    assert [s.formula for s in ForwardStepper(p.trace, skip_leaves=True).steps] == [forward]
    # d(−x)/dx = −1 at every x.
    _seed, x_step = BackwardStepper(p.trace).steps
    assert float(x_step.grad) == -1.0
    assert x_step.formula == "∂y/∂x = ∂y/∂y · ∂y/∂x = 1.000 × (-1.000) = -1.000"
    assert x_step.explanation == (
        "Chain rule for x, through y = -x: upstream ∂y/∂y = 1.000 × local ∂y/∂x = -1.000 gives"
        " -1.000, so ∂y/∂x = -1.000."
    )


def test_negative_products_are_parenthesised_in_the_sum() -> None:
    # y = x · u₁ with u₁ = −x, at x = 2: ∂y/∂x = u₁ + x · (−1) = −2 − 2 = −4 (= d(−x²)/dx).
    p = _real_point("x*(-x)", 2.0)
    fw = ForwardStepper(p.trace, skip_leaves=True)
    assert [s.formula for s in fw.steps] == [
        "u₁ = -x = -2.000 = -2.000",
        "y = x × u₁ = 2.000 × (-2.000) = -4.000",
    ]
    x_step = BackwardStepper(p.trace).steps[-1]
    assert float(x_step.grad) == -4.0
    assert x_step.formula == (
        "∂y/∂x = ∂y/∂y · ∂y/∂x + ∂y/∂u₁ · ∂u₁/∂x = 1.000 × (-2.000) + 2.000 × (-1.000)"
        " = (-2.000) + (-2.000) = -4.000"
    )
    assert "through u₁ = -x: upstream ∂y/∂u₁ = 2.000 × local ∂u₁/∂x = -1.000" in x_step.explanation


@pytest.mark.parametrize(
    ("text", "params", "forward", "grads"),
    [
        # ∂(x/c)/∂x = 1/c, ∂(x/c)/∂c = −x/c²
        ("x / c", {"c": 4.0}, "y = x ÷ c = 2.000 ÷ 4.000 = 0.500", {"x": 1 / 4, "c": -2 / 4**2}),
        # ∂(x−b)/∂x = 1, ∂(x−b)/∂b = −1
        ("x - b", {"b": 3.0}, "y = x − b = 2.000 − 3.000 = -1.000", {"x": 1.0, "b": -1.0}),
        # ∂(x^c)/∂x = c·x^(c−1), ∂(x^c)/∂c = x^c·ln x
        ("x^c", {"c": 3.0}, "y = x ^ c = 2.000 ^ 3.000 = 8.000", {"x": 12.0, "c": 8 * math.log(2)}),
    ],
    ids=["div", "sub", "pow"],
)
def test_each_argument_of_a_two_input_op_gets_its_own_local(text, params, forward, grads) -> None:
    p = _real_point(text, 2.0, params)
    assert ForwardStepper(p.trace, skip_leaves=True).steps[-1].formula == forward
    steps = {s.name: s for s in BackwardStepper(p.trace).steps}
    for name, g in grads.items():
        (c,) = steps[name].contributions
        assert float(c.local) == pytest.approx(g, rel=1e-15)
        shown = _parens_if_negative(_f3(g))
        assert (
            steps[name].formula == f"∂y/∂{name} = ∂y/∂y · ∂y/∂{name} = 1.000 × {shown} = {_f3(g)}"
        )


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
    # The visit order, checked against the graph itself (the parents lists): the output comes
    # first, every node that needs a gradient comes once, and only after all its consumers.
    assert seen[0] == p.trace.output
    assert sorted(seen) == sorted(n.id for n in p.trace.nodes if n.kind != "const")
    for i, nid in enumerate(seen):
        consumers = {n.id for n in p.trace.nodes if nid in n.parents}
        assert consumers <= set(seen[:i])
    inputs = {s.node.label: float(s.grad) for s in st.steps if s.node.kind == "input"}
    assert inputs == pytest.approx(p.gradient)
    # The forward stepper ends on the value the parser reports.
    fw = ForwardStepper(p.trace)
    assert float(fw.steps[-1].value) == pytest.approx(p.value)
