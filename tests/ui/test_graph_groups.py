"""Boxes and arrows of a trace, with subexpressions collapsed and busy inputs drawn per use.
Qt-free. Oracles: the calculus of the functions (∂ sin(a x)/∂x = a cos(a x)), and the chain
rule at the level of the boxes: whatever is collapsed, the contributions of the arrows out of
an input add up to that input's gradient."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from gradexplorer.expr import parse
from gradexplorer.ui import graph_groups as gg


def trace_of(text: str, x: float = 1.3, **params: float):
    return parse(text).at(x, params, trace=True).trace


def by_label(trace, label: str) -> int:
    (node,) = [n for n in trace.nodes if n.label == label]
    return node.id


def test_post_dominators_of_a_tree_are_the_consumers():
    tr = trace_of("sin(x) + cos(x)")
    ipdom = gg.post_dominators(tr)
    sin, cos, plus = by_label(tr, "sin"), by_label(tr, "cos"), tr.output
    assert ipdom[plus] is None and ipdom[sin] == plus and ipdom[cos] == plus
    assert ipdom[by_label(tr, "x")] == plus  # x feeds both sides: only the + is on every path


def test_a_reused_intermediate_is_inside_the_subexpression_that_holds_all_its_uses():
    tr = trace_of("sin(x*x + (x*x)^2)")
    groups = gg.subexpressions(tr)
    sin = by_label(tr, "sin")
    labels = {tr.node(i).label for i in groups[sin]}
    assert {"sin", "+", "×", "^", "2"} <= labels and "x" not in labels  # inputs stay out


@pytest.mark.parametrize("x", [-0.7, 0.4, 2.1])
def test_a_collapsed_box_carries_the_local_derivative_of_its_whole_subexpression(x):
    a = 1.7
    tr = trace_of("sin(a x) * exp(-x^2/4) + b x^3", x, a=a, b=0.5)
    sin = by_label(tr, "sin")
    g = gg.build(tr, [sin])
    (box,) = [i for i, n in enumerate(g.nodes) if n.kind == "group"]
    into = {g.nodes[e.src].key: gg.numbers(tr, e) for e in g.edges if e.dst == box}
    local, contribution = into[by_label(tr, "x")]
    assert float(local) == pytest.approx(a * math.cos(a * x), rel=1e-12)
    # grad(sin box) = ∂f/∂sin(ax) = exp(-x²/4)
    grad = float(tr.node(sin).grad)
    assert grad == pytest.approx(math.exp(-x * x / 4), rel=1e-12)
    assert float(contribution) == pytest.approx(grad * a * math.cos(a * x), rel=1e-12)
    # a is used by nothing else: it is drawn inside the box, not as a box of its own
    a_id = by_label(tr, "a")
    assert a_id in g.nodes[box].members and a_id not in into
    assert all(n.key != a_id for n in g.nodes)


def test_two_inner_paths_are_summed():
    x = 0.8
    tr = trace_of("2 exp(x*x + sin(x*x)) + x", x)  # u = x·x used twice inside the exp box
    g = gg.build(tr, [by_label(tr, "exp")])
    (box,) = [i for i, n in enumerate(g.nodes) if n.kind == "group"]
    (entering,) = [e for e in g.edges if g.nodes[e.src].kind == "input" and e.dst == box]
    u = x * x
    want = math.exp(u + math.sin(u)) * (1 + math.cos(u)) * 2 * x
    assert float(gg.numbers(tr, entering)[0]) == pytest.approx(want, rel=1e-12)
    assert len(entering.trace_edges) == 4  # x × x twice: both arguments of both products


FUNCTIONS = [
    ("x^2 + 3x", {}),
    ("sin(a x) * exp(-x^2/4) + b x^3", {"a": 1.2, "b": -0.4}),
    ("x*x + x", {}),
    ("sigmoid(w x + b) * (x - 1)^2 + ln(1 + x^2)", {"w": 0.3, "b": 0.1}),
    ("sqrt(x^2 + 1) * tanh(x/2) - |x - 1| / (1 + x^2)", {}),
]


@pytest.mark.parametrize(("text", "params"), FUNCTIONS, ids=[f for f, _ in FUNCTIONS])
def test_the_chain_rule_holds_between_boxes_whatever_is_collapsed(text, params):
    tr = trace_of(text, 0.9, **params)
    roots = sorted(gg.subexpressions(tr))
    rng = random.Random(7)
    choices = [[], roots] + [rng.sample(roots, k) for k in range(1, len(roots)) for _ in range(3)]
    inputs = [n for n in tr.nodes if n.kind == "input"]
    for collapsed in choices:
        g = gg.build(tr, collapsed)
        for inp in inputs:
            if all(n.key != inp.id for n in g.nodes):
                continue  # drawn inside the one box that uses it
            out = [e for e in g.edges if g.nodes[e.src].key == inp.id]
            total = sum(float(gg.numbers(tr, e)[1]) for e in out)
            assert total == pytest.approx(float(inp.grad), rel=1e-12, abs=1e-15), collapsed
        # every trace edge is drawn by exactly one arrow, or is inside one box
        drawn = list(itertools.chain.from_iterable(e.trace_edges for e in g.edges))
        assert len(drawn) == len(set(drawn))
        inside = [e for k, e in enumerate(tr.edges) if k not in drawn]
        for e in inside:
            (box,) = [n for n in g.nodes if e.src in n.members and e.dst in n.members]
            assert box.kind == "group"


def test_collapse_at_a_depth_keeps_the_top_open():
    tr = trace_of("sin(a x) * exp(-x^2/4) + b x^3")
    top = gg.collapse_at(tr, 1)
    g = gg.build(tr, top)
    assert [n.kind for n in g.nodes].count("output") == 1
    assert len(g.nodes) < len(tr.nodes) and {n.kind for n in g.nodes} >= {"group", "output"}
    depth = gg.depths(tr)
    assert all(depth[r] == 1 for r in top)


def test_an_input_used_by_many_boxes_is_drawn_once_per_use():
    tr = trace_of("sin(x) + cos(x) + x^2 + exp(x)")
    g = gg.build(tr)
    xs = [n for n in g.nodes if n.kind == "input"]
    assert len(xs) == 4 and [n.copy for n in xs] == [0, 1, 2, 3]
    assert all(n.copies == 4 for n in xs)
    assert len({e.src for e in g.edges if g.nodes[e.src].kind == "input"}) == 4
    few = gg.build(trace_of("x*x + x"))  # two boxes use x: it stays one box
    assert [n.kind for n in few.nodes].count("input") == 1
    assert np.isfinite(float(tr.node(tr.output).grad))


def test_a_formula_reads_defined_values_by_their_names():
    tr = trace_of("u = x + x; v = u * u; sin(v) + v")
    names = {v: k for k, v in tr.names.items()}
    sin = by_label(tr, "sin")
    assert gg.formula(tr, sin) == "sin(v)"
    assert gg.formula(tr, names["v"]) == "v = u × u"
    assert gg.formula(tr, names["u"]) == "u = x + x"


def test_the_formula_of_repeated_doublings_stays_short():
    text = "b_0 = x + x; " + "; ".join(f"b_{k} = b_{k - 1} + b_{k - 1}" for k in range(1, 20))
    tr = trace_of(text + "; b_19")
    top = tr.output
    assert len(gg.formula(tr, top)) < 40  # written out, it would double with every name


def test_forward_mode_arrows_into_a_box_carry_local_times_the_seeds_tangent():
    """A collapsed box in a forward trace: its arrow's local derivative is the subexpression's
    (as in reverse mode) and its contribution local × tangent of the source; the box's own
    tangent is their sum. The seed is never folded inside a box."""
    x, a = 0.9, 1.7
    e = parse("sin(a x) * exp(-x^2/4) + b")
    fwd = e.forward(x, {"a": a, "b": 0.5}, "a", trace=True).trace
    sin = by_label(fwd, "sin")
    g = gg.build(fwd, [sin], keep=[by_label(fwd, "a")])
    (box,) = [i for i, n in enumerate(g.nodes) if n.kind == "group"]
    a_box = next(
        i for i, n in enumerate(g.nodes) if n.kind == "input" and n.key == by_label(fwd, "a")
    )
    (arrow,) = [d for d in g.edges if d.dst == box and d.src == a_box]
    local, contribution = gg.numbers(fwd, arrow)
    assert float(local) == pytest.approx(x * math.cos(a * x), rel=1e-12)  # ∂ sin(a x)/∂a
    assert float(contribution) == pytest.approx(x * math.cos(a * x), rel=1e-12)  # × ȧ = 1
    assert float(fwd.node(sin).tangent) == pytest.approx(float(contribution), rel=1e-12)
    # without keep, a (used only inside the box) is folded into it, as in reverse mode
    folded = gg.build(fwd, [sin])
    assert not [n for n in folded.nodes if n.kind == "input" and n.key == by_label(fwd, "a")]


def test_a_forward_trace_names_defined_values_too():
    e = parse("u = x + x; sin(u) * u")
    fwd = e.forward(0.4, {}, "x", trace=True).trace
    back = e.at(0.4, trace=True).trace
    assert dict(fwd.names) == dict(back.names) and set(fwd.names.values()) == {"u"}
    sin = by_label(fwd, "sin")
    assert gg.formula(fwd, sin) == "sin(u)"
