"""The backward trace: plain data the graph view and the step-through animation draw.

Expected node counts, values, gradients and local derivatives are worked out by hand.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

import gradexplorer.autograd as ag
from gradexplorer.autograd import BackwardTrace, Tensor

# IEEE results (inf, nan) are answers: the engine must not emit RuntimeWarnings for them.
pytestmark = pytest.mark.filterwarnings("error")


def _trace_of(build, x0: float = 2.0) -> tuple[BackwardTrace, Tensor]:
    x = Tensor(x0, requires_grad=True, name="x")
    y = build(x)
    tr = y.backward(retain_graph=True, trace=True)
    assert isinstance(tr, BackwardTrace)
    return tr, x


def _node_by_label(tr: BackwardTrace, label: str):
    found = [n for n in tr.nodes if n.label == label]
    assert len(found) == 1, f"expected one node labelled {label!r}, got {found}"
    return found[0]


def _assert_valid_backward_order(tr: BackwardTrace) -> None:
    visited = [n for n in tr.nodes if n.backward_order is not None]
    orders = sorted(n.backward_order for n in visited)
    assert orders == list(range(len(visited))), "visit numbers are 0..k-1, each once"
    assert tr.node(tr.output).backward_order == 0
    assert tr.backward_sequence()[0].id == tr.output
    assert [n.backward_order for n in tr.backward_sequence()] == orders
    for e in tr.edges:
        src, dst = tr.node(e.src), tr.node(e.dst)
        if src.backward_order is not None:
            # a node runs only after every consumer has sent its gradient
            assert dst.backward_order is not None
            assert dst.backward_order < src.backward_order


def _assert_contributions_add_up(tr: BackwardTrace) -> None:
    for n in tr.nodes:
        if n.grad is None or n.id == tr.output:
            continue
        into = [e for e in tr.edges_into(n.id) if e.contribution is not None]
        assert into, f"node {n.id} has a grad but no edge carried it"
        total = np.sum([np.asarray(e.contribution) for e in into], axis=0)
        # the engine may add in another order: allow a few ulps
        np.testing.assert_allclose(total, n.grad, rtol=1e-12, atol=1e-15)


def test_x_times_x_plus_x() -> None:
    tr, x = _trace_of(lambda x: x * x + x)
    assert len(tr.nodes) == 3
    assert Counter(n.kind for n in tr.nodes) == {"input": 1, "op": 2}
    assert [n.op for n in tr.nodes] == ["leaf", "mul", "add"]  # forward order: inputs first
    assert [n.label for n in tr.nodes] == ["x", "×", "+"]
    leaf, mul, add = tr.nodes
    assert add.id == tr.output and add.is_output and not mul.is_output and not leaf.is_output
    assert mul.parents == (leaf.id, leaf.id)
    assert add.parents == (mul.id, leaf.id)
    assert float(leaf.value) == 2.0 and float(mul.value) == 4.0 and float(add.value) == 6.0
    assert float(add.grad) == 1.0 and float(mul.grad) == 1.0
    assert float(leaf.grad) == 5.0 == x.grad.item()  # 2x + 1
    assert [n.forward_order for n in tr.nodes] == [0, 1, 2]
    assert (add.backward_order, mul.backward_order, leaf.backward_order) == (0, 1, 2)

    # x has three edges out (twice into ×, once into +): contributions 2 + 2 + 1 = 5
    into_x = tr.edges_into(leaf.id)
    assert len(into_x) == 3
    assert sorted(float(e.contribution) for e in into_x) == [1.0, 2.0, 2.0]
    mul_edges = tr.edges_from_parents(mul.id)
    assert [e.arg_index for e in mul_edges] == [0, 1]
    assert all(e.src == leaf.id and float(e.local) == 2.0 for e in mul_edges)  # d(x·x)/d(arg) = x
    add_edges = tr.edges_from_parents(add.id)
    assert [(e.src, float(e.local), float(e.contribution)) for e in add_edges] == [
        (mul.id, 1.0, 1.0),
        (leaf.id, 1.0, 1.0),
    ]
    _assert_valid_backward_order(tr)
    _assert_contributions_add_up(tr)


def test_x_squared_plus_3x() -> None:
    tr, x = _trace_of(lambda x: x**2 + 3 * x)
    assert x.grad.item() == 7.0
    assert len(tr.nodes) == 6
    assert Counter(n.kind for n in tr.nodes) == {"input": 1, "const": 2, "op": 3}
    assert Counter(n.op for n in tr.nodes) == {"leaf": 3, "pow": 1, "mul": 1, "add": 1}
    assert Counter(n.label for n in tr.nodes) == {"x": 1, "2": 1, "3": 1, "^": 1, "×": 1, "+": 1}
    xn, two, three = _node_by_label(tr, "x"), _node_by_label(tr, "2"), _node_by_label(tr, "3")
    pow_, mul, add = _node_by_label(tr, "^"), _node_by_label(tr, "×"), _node_by_label(tr, "+")
    assert add.id == tr.output
    assert pow_.parents == (xn.id, two.id)
    assert mul.parents == (three.id, xn.id)
    assert add.parents == (pow_.id, mul.id)
    assert float(pow_.value) == 4.0 and float(mul.value) == 6.0 and float(add.value) == 10.0
    assert float(xn.grad) == 7.0
    # constants are never visited and carry no gradient
    for c in (two, three):
        assert c.grad is None and c.backward_order is None and c.kind == "const"
        assert not c.requires_grad
        assert float(c.value) == float(c.label)
    for e in tr.edges:
        if e.src in (two.id, three.id):
            assert e.local is None and e.contribution is None

    (pow_edge,) = [e for e in tr.edges_into(xn.id) if e.dst == pow_.id]
    (mul_edge,) = [e for e in tr.edges_into(xn.id) if e.dst == mul.id]
    assert float(pow_edge.local) == 4.0  # 2x
    assert float(mul_edge.local) == 3.0
    assert pow_edge.arg_index == 0 and mul_edge.arg_index == 1
    assert float(pow_edge.contribution) + float(mul_edge.contribution) == 7.0
    # the node visited last is x, after both of its consumers
    assert tr.backward_sequence()[-1].id == xn.id
    _assert_valid_backward_order(tr)
    _assert_contributions_add_up(tr)


def test_every_edge_contribution_is_grad_times_local() -> None:
    # f = sin(x)·exp(-x/5) + x², a graph with a shared leaf, constants and several op kinds
    tr, x = _trace_of(lambda x: ag.sin(x) * ag.exp(-x / 5) + x**2, x0=1.3)
    expected = math.cos(1.3) * math.exp(-0.26) - math.sin(1.3) * math.exp(-0.26) / 5 + 2.6
    assert x.grad.item() == pytest.approx(expected, rel=1e-14)
    assert float(tr.node(tr.output).value) == pytest.approx(
        math.sin(1.3) * math.exp(-0.26) + 1.69, rel=1e-14
    )
    for e in tr.edges:
        dst = tr.node(e.dst)
        if e.local is None:
            assert tr.node(e.src).kind == "const"
            continue
        np.testing.assert_allclose(e.contribution, dst.grad * e.local, rtol=1e-14)
    sin_node = _node_by_label(tr, "sin")
    (edge,) = tr.edges_from_parents(sin_node.id)
    assert float(edge.local) == pytest.approx(math.cos(1.3), rel=1e-14)
    exp_node = _node_by_label(tr, "exp")
    assert float(exp_node.grad) == pytest.approx(math.sin(1.3), rel=1e-14)  # d f / d exp(..)
    _assert_valid_backward_order(tr)
    _assert_contributions_add_up(tr)


def test_trace_of_a_deeper_shared_graph_has_valid_order() -> None:
    x = Tensor(0.4, requires_grad=True, name="x")
    a = Tensor(1.5, requires_grad=True, name="a")
    u = ag.tanh(a * x)
    v = u * u + ag.sigmoid(u) * x
    y = v * u - ag.maximum(v, 0.1)
    tr = y.backward(retain_graph=True, trace=True)
    assert {n.label for n in tr.nodes if n.kind == "input"} == {"x", "a"}
    assert sum(n.is_output for n in tr.nodes) == 1
    # forward order is topological: every parent comes before its child
    for n in tr.nodes:
        assert all(tr.node(p).forward_order < n.forward_order for p in n.parents)
    _assert_valid_backward_order(tr)
    _assert_contributions_add_up(tr)
    assert float(_node_by_label(tr, "x").grad) == x.grad.item()
    assert float(_node_by_label(tr, "a").grad) == a.grad.item()


def test_trace_does_not_change_gradients_or_require_retained_graph() -> None:
    x = Tensor(2.0, requires_grad=True, name="x")
    y = x * x + x
    tr = y.backward(trace=True)  # no retain_graph: the trace must be collected during the pass
    assert x.grad.item() == 5.0
    assert float(tr.node(tr.output).value) == 6.0
    assert (x * x).backward() is None  # trace=False returns nothing


def test_trace_of_arrays_and_broadcasting() -> None:
    x = Tensor(np.array([[1.0], [2.0]]), requires_grad=True, name="x")
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="w")
    y = ag.sum(x * w)
    tr = y.backward(retain_graph=True, trace=True)
    xn, wn = _node_by_label(tr, "x"), _node_by_label(tr, "w")
    assert xn.value.shape == (2, 1) and xn.grad.shape == (2, 1)
    np.testing.assert_array_equal(xn.grad, [[1.5], [1.5]])  # sum of w
    np.testing.assert_array_equal(wn.grad, [3.0, 3.0, 3.0])  # sum of x
    for e in tr.edges:
        if e.contribution is not None:
            assert np.shape(e.contribution) == tr.node(e.src).value.shape
            assert np.shape(e.local) == tr.node(e.src).value.shape
    _assert_contributions_add_up(tr)
    d = tr.to_dict()
    json.dumps(d, allow_nan=False)
    by_label = {n["label"]: n for n in d["nodes"]}
    assert by_label["x"]["grad"] == [[1.5], [1.5]]
    assert by_label["w"]["value"] == [0.5, -1.0, 2.0]


def test_to_dict_is_json_with_non_finite_as_null() -> None:
    x = Tensor(0.0, requires_grad=True, name="x")
    y = ag.log(x) + x / x  # value -inf + nan = nan; d/dx = 1/x + (1/x - x/x²) -> inf + nan
    tr = y.backward(retain_graph=True, trace=True)
    d = tr.to_dict()
    text = json.dumps(d, allow_nan=False)  # raises ValueError on a bare nan/inf
    back = json.loads(text)
    assert back == d
    log_node = next(n for n in back["nodes"] if n["op"] == "log")
    assert log_node["value"] is None  # -inf: JSON has no word for it
    out = next(n for n in back["nodes"] if n["is_output"])
    assert out["value"] is None and out["id"] == back["output"]
    xn = next(n for n in back["nodes"] if n["label"] == "x")
    assert xn["grad"] is None and xn["backward_order"] is not None  # reached, undefined
    log_edge = next(e for e in back["edges"] if e["dst"] == log_node["id"])
    assert log_edge["local"] is None  # 1/0
    finite_edge = next(e for e in back["edges"] if e["local"] is not None)
    assert isinstance(finite_edge["local"], float)
    assert set(d) >= {"nodes", "edges", "output"}
    for n in back["nodes"]:
        assert set(n) >= {
            "id", "op", "label", "kind", "value", "grad", "parents",
            "forward_order", "backward_order", "is_output",
        }  # fmt: skip
    for e in back["edges"]:
        assert set(e) >= {"src", "dst", "arg_index", "local", "contribution"}


def test_to_dict_round_trip_of_finite_trace() -> None:
    tr, _ = _trace_of(lambda x: x**2 + 3 * x)
    d = json.loads(json.dumps(tr.to_dict(), allow_nan=False))
    assert len(d["nodes"]) == 6 and len(d["edges"]) == 6
    out = d["nodes"][d["output"]] if d["nodes"][d["output"]]["id"] == d["output"] else None
    assert out is not None and out["value"] == 10.0 and out["grad"] == 1.0
    consts = [n for n in d["nodes"] if n["kind"] == "const"]
    assert all(n["grad"] is None and n["backward_order"] is None for n in consts)
