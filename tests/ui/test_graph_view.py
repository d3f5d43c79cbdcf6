"""The graph view fed with hand-made BackwardTraces (no parser involved)."""

import numpy as np
import pytest

from gradexplorer.autograd.trace import BackwardTrace, TraceEdge, TraceNode
from gradexplorer.ui.graph_view import GraphView


def trace_of_a_x_squared_plus_3x(x: float, a: float, ids=(10, 11, 12, 13, 14, 15, 16, 17)):
    """f = a*x^2 + 3*x built by hand; gradients from calculus: df/dx = 2ax + 3, df/da = x^2."""
    i = dict(zip(["x", "a", "two", "pow", "mul", "three", "mul2", "add"], ids, strict=True))
    n = lambda key, op, label, kind, value, grad, parents, order, out=False: TraceNode(  # noqa: E731
        i[key],
        op,
        label,
        kind,
        np.array(value),
        None if grad is None else np.array(grad),
        tuple(i[p] for p in parents),
        order,
        None if grad is None else 7 - order,
        out,
    )
    nodes = (
        n("x", "leaf", "x", "input", x, 2 * a * x + 3, (), 0),
        n("a", "leaf", "a", "input", a, x * x, (), 1),
        n("two", "leaf", "2", "const", 2.0, None, (), 2),
        n("pow", "pow", "^", "op", x * x, a, ("x", "two"), 3),
        n("mul", "mul", "×", "op", a * x * x, 1.0, ("a", "pow"), 4),
        n("three", "leaf", "3", "const", 3.0, None, (), 5),
        n("mul2", "mul", "×", "op", 3 * x, 1.0, ("three", "x"), 6),
        n("add", "add", "+", "op", a * x * x + 3 * x, 1.0, ("mul", "mul2"), 7, True),
    )
    e = lambda s, d, k, local, up: TraceEdge(  # noqa: E731
        i[s],
        i[d],
        k,
        None if local is None else np.array(local),
        None if local is None else np.array(local * up),
    )
    edges = (
        e("x", "pow", 0, 2 * x, a),
        e("two", "pow", 1, None, a),
        e("a", "mul", 0, x * x, 1.0),
        e("pow", "mul", 1, a, 1.0),
        e("three", "mul2", 0, None, 1.0),
        e("x", "mul2", 1, 3.0, 1.0),
        e("mul", "add", 0, 1.0, 1.0),
        e("mul2", "add", 1, 1.0, 1.0),
    )
    return BackwardTrace(nodes, edges, i["add"])


@pytest.fixture
def view(qtbot):
    v = GraphView()
    qtbot.addWidget(v)
    v.resize(800, 400)
    v.show()
    return v


def by_label(view, label):
    return [n for n in view.node_summary() if n["label"].split()[0] == label]


def test_nodes_styles_and_numbers(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(2.0, 1.5))
    assert view.node_count() == 8
    kinds = sorted(n["kind"] for n in view.node_summary())
    assert kinds == sorted(["input", "input", "const", "op", "op", "const", "op", "output"])
    (x,) = by_label(view, "x")
    assert x["value"] == "value 2" and x["grad"].split()[-1] == "9"  # 2·1.5·2 + 3
    (a,) = by_label(view, "a")
    assert a["grad"].split()[-1] == "4"
    (two,) = by_label(view, "2")
    assert two["grad"].split()[-1] == "—"  # constants get no gradient
    # edge labels: local derivatives, none for constant inputs
    shown = sorted(
        lbl for lbl, e in zip(view.edge_labels(), view._edges, strict=True) if e.has_local
    )
    assert shown == sorted(["∂ 4", "∂ 4", "∂ 1.5", "∂ 3", "∂ 1", "∂ 1"])


def test_distinct_styles_for_inputs_constants_ops_and_output(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(1.0, 1.0))
    style = {}
    for item in view._nodes:
        style.setdefault(item.style_key, set()).add(
            (item.brush().color().name(), item.pen().color().name(), item.pen().style())
        )
    assert set(style) == {"input", "const", "op", "output"}
    looks = [next(iter(s)) for s in style.values()]
    assert len(set(looks)) == 4


def test_moving_x_updates_texts_in_place(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(2.0, 1.5))
    items = list(view._nodes)
    # same structure, different ids (the engine makes new tensors each evaluation)
    view.set_trace(trace_of_a_x_squared_plus_3x(-1.0, 1.5, ids=tuple(range(100, 108))))
    assert view.rebuilds == 1
    assert view._nodes == items  # the same QGraphicsItems, only their text changed
    (x,) = by_label(view, "x")
    assert x["value"] == "value -1" and x["grad"].split()[-1] == "0"  # 2·1.5·(−1) + 3


def test_structure_change_rebuilds_and_none_clears(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(2.0, 1.5))
    t = trace_of_a_x_squared_plus_3x(2.0, 1.5)
    nodes = list(t.nodes)
    nodes[7] = nodes[7]._replace(op="sub", label="−")
    view.set_trace(BackwardTrace(tuple(nodes), t.edges, t.output))
    assert view.rebuilds == 2
    view.set_trace(None)
    assert view.node_count() == 0


def test_layout_puts_inputs_left_and_output_right(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(2.0, 1.5))
    xs = {item.label.split()[0]: item.pos().x() for item in view._nodes}
    out_x = max(item.pos().x() for item in view._nodes if item.style_key == "output")
    assert xs["x"] == xs["a"] == min(xs.values())
    assert out_x == max(xs.values())
    assert view.layout_result.crossings == 0


def test_zoom_and_fit(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(2.0, 1.5))
    s0 = view.transform().m11()
    view.zoom_by(1.5)
    assert view.transform().m11() == pytest.approx(min(s0 * 1.5, 1.6))
    view.fit()
    assert view.transform().m11() == pytest.approx(s0)


def test_edge_labels_toggle(view):
    view.set_trace(trace_of_a_x_squared_plus_3x(2.0, 1.5))
    view.set_show_edge_labels(False)
    assert not any(e.label_box.isVisible() for e in view._edges)
    view.set_show_edge_labels(True)
    assert sum(e.label_box.isVisible() for e in view._edges) == 6


def test_labels_of_twin_edges_do_not_overlap(qtbot):
    """x*x joins x to the product twice: both local derivatives must be readable."""
    from gradexplorer.expr import parse

    g = GraphView()
    qtbot.addWidget(g)
    g.resize(800, 400)
    g.set_trace(parse("x*x + x").at(2.0, trace=True).trace)
    boxes = [e.label_box.sceneBoundingRect() for e in g._edges if e.label_text.text() == "∂ 2"]
    assert len(boxes) == 2
    assert not boxes[0].intersects(boxes[1])


def test_a_step_frame_names_the_second_number_badges_nodes_and_marks_wrong_ones(view):
    """What the wrong-algorithm and forward-mode step-throughs draw: another caption for the
    second number, a badge per node, and numbers that differ from the correct pass in red."""
    from gradexplorer.lessons.step_through import StepFrame

    trace = trace_of_a_x_squared_plus_3x(2.0, 1.5)
    view.set_trace(trace)
    x_id = next(n.id for n in trace.nodes if n.label == "x")
    out = trace.output
    frame = StepFrame(
        mode="backward",
        position=0,
        count=1,
        current=out,
        known_grads={out: 1.0, x_id: 16.0},
        known_values=None,
        edges=frozenset(),
        names={},
        formula="",
        explanation="",
        second_caption="v̇",
        badges={x_id: "×3"},
        wrong=frozenset({x_id}),
    )
    view.show_step(frame)
    (x,) = by_label(view, "x")
    assert x["grad"] == "v̇  16" and x["badge"] == "×3" and x["wrong"] == "yes"
    (out_node,) = [n for n in view.node_summary() if n["kind"] == "output"]
    assert out_node["badge"] == "" and out_node["wrong"] == "" and out_node["current"] == "yes"
    view.show_step(None)
    (x,) = by_label(view, "x")
    assert x["badge"] == "" and x["wrong"] == "" and x["grad"].startswith("grad")
