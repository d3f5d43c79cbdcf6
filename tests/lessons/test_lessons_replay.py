"""Replays of wrong backward passes, against the code students actually write.

Oracles: the notebook's backward and micrograd's before its fix, written out literally below
with tiny Tensor classes of their own (their own local derivatives, their own graph built from
the same program), run on random programs of the language with definitions (so intermediate
values are reused); closed forms (16 and 5 for the notebook's example, 38 against 22, 2^(n+1) − 1
visits); and the engine's own trace for the topological pass.
"""

from __future__ import annotations

import math
import random
import sys
import time
from typing import ClassVar

import numpy as np
import pytest

from gradexplorer.autograd import Tensor
from gradexplorer.errors import ReplayError
from gradexplorer.expr import parse
from gradexplorer.lessons.replay import (
    ALGORITHMS,
    MAX_VISITS,
    NOTEBOOK,
    RECURSIVE,
    TOPOLOGICAL,
    compare,
    replay,
    visit_count,
)

# ---------------------------------------------------------------------------------------------
# The code under study, literally. Each op's _backward adds local × out.grad into its inputs'
# .grad; every _backward call is one visit, logged with the gradient the node holds then.

LOCAL = {  # d out / d input_i, from the inputs' data a, b and the result's data
    "add": lambda a, b, out: (1.0, 1.0),
    "sub": lambda a, b, out: (1.0, -1.0),
    "mul": lambda a, b, out: (b, a),
    "div": lambda a, b, out: (1.0 / b, -a / (b * b)),
    "pow": lambda a, b, out: (b * a ** (b - 1.0), out * math.log(a) if a > 0 else math.nan),
    "neg": lambda a, out: (-1.0,),
    "sin": lambda a, out: (math.cos(a),),
    "cos": lambda a, out: (-math.sin(a),),
    "tanh": lambda a, out: (1.0 - out * out,),
    "exp": lambda a, out: (out,),
}
FORWARD = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "exp": math.exp,
}


class NotebookTensor:
    """The notebook's Tensor: grad None until set, requires_grad=True by default, _prev a set
    (an ordered one here: the inputs in argument order, first occurrence kept)."""

    created: ClassVar[list[NotebookTensor]] = []
    visits: ClassVar[list[tuple[NotebookTensor, float]]] = []

    def __init__(self, data, children=(), op="leaf", requires_grad=True):
        self.data = float(data)
        self.grad = None
        self.requires_grad = requires_grad
        self.op = op
        self._prev = dict.fromkeys(children)
        self._inputs = tuple(children)
        self._backward = self._push
        NotebookTensor.created.append(self)

    def _push(self):
        NotebookTensor.visits.append((self, self.grad))
        if self.op == "leaf":
            return
        data = [t.data for t in self._inputs]
        for t, local in zip(self._inputs, LOCAL[self.op](*data, self.data), strict=True):
            t.grad = local * self.grad if t.grad is None else t.grad + local * self.grad


def notebook_backward(tensor, grad=None):
    if grad is None:
        grad = np.ones_like(tensor.data)
    tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    tensor._backward()
    for t in tensor._prev:
        if t.requires_grad:
            notebook_backward(t)


class MicrogradValue:
    """micrograd's Value before the fix: grad starts at 0, _prev is the tuple of inputs."""

    created: ClassVar[list[MicrogradValue]] = []
    visits: ClassVar[list[tuple[MicrogradValue, float]]] = []

    def __init__(self, data, children=(), op="leaf"):
        self.data = float(data)
        self.grad = 0.0
        self.op = op
        self._prev = tuple(children)
        self._backward = self._push
        MicrogradValue.created.append(self)

    def _push(self):
        MicrogradValue.visits.append((self, self.grad))
        if self.op == "leaf":
            return
        data = [t.data for t in self._prev]
        for t, local in zip(self._prev, LOCAL[self.op](*data, self.data), strict=True):
            t.grad += local * self.grad


def micrograd_backward(v):
    v._backward()  # push v.grad × local into each input's .grad
    for p in v._prev:  # the inputs, as a tuple (a value used twice appears twice)
        micrograd_backward(p)  # recurse at once, without waiting for p's other uses


# ---------------------------------------------------------------------------------------------
# Random programs of the language, built both as text and with the classes above. Every op has
# an input that needs a gradient (x, a or a defined value), so no constant is folded away, and
# creation order follows the language's: definitions first, each post-order, left to right.

NUMBERS = (0.5, 1.5, 2.0, 3.0)


def _grad_expr(rng: random.Random, depth: int, names: list[str]) -> tuple:
    leaves = [("x",), ("a",), *(("ref", n) for n in names)]
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(leaves[:2] + leaves[2:] * 3)
    kind = rng.random()
    inner = _grad_expr(rng, depth - 1, names)
    if kind < 0.5:
        op = rng.choice("+-*")
        other = (
            ("num", rng.choice(NUMBERS))
            if rng.random() < 0.3
            else _grad_expr(rng, depth - 1, names)
        )
        return ("bin", op, inner, other) if rng.random() < 0.5 else ("bin", op, other, inner)
    if kind < 0.6:
        return ("bin", "/", inner, ("num", rng.choice(NUMBERS)))
    if kind < 0.7:
        return ("bin", "^", inner, ("num", 2.0))
    if kind < 0.8:
        return ("neg", inner)
    return ("fn", rng.choice(["sin", "cos", "tanh", "exp"]), inner)


def _text(e: tuple) -> str:
    kind = e[0]
    if kind in ("x", "a"):
        return kind
    if kind == "ref":
        return e[1]
    if kind == "num":
        return repr(e[1])
    if kind == "bin":
        return f"({_text(e[2])} {e[1]} {_text(e[3])})"
    if kind == "neg":
        return f"(-{_text(e[1])})"
    return f"{e[1]}({_text(e[2])})"


_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow"}


def _build(e: tuple, env: dict, cls) -> object:
    kind = e[0]
    if kind in ("x", "a"):
        return env[kind]
    if kind == "ref":
        return env[e[1]]
    if kind == "num":
        return cls(e[1])
    if kind == "bin":
        left, right = _build(e[2], env, cls), _build(e[3], env, cls)
        op = _OPS[e[1]]
        return cls(FORWARD[op](left.data, right.data), (left, right), op)
    if kind == "neg":
        inner = _build(e[1], env, cls)
        return cls(-inner.data, (inner,), "neg")
    inner = _build(e[2], env, cls)
    return cls(FORWARD[e[1]](inner.data), (inner,), e[1])


def random_program(seed: int) -> tuple[str, list[tuple[str, tuple]], tuple]:
    rng = random.Random(seed)
    names: list[str] = []
    definitions = []
    for k in range(1, rng.randint(1, 4) + 1):
        value = _grad_expr(rng, 2, names)
        if names and rng.random() < 0.7:  # reuse the previous value twice
            value = ("bin", rng.choice("+*"), ("ref", names[-1]), value)
        name = f"u_{k}"
        definitions.append((name, value))
        names.append(name)
    body = _grad_expr(rng, 2, names)
    used = {r for _, v in definitions for r in _refs(v)} | set(_refs(body))
    for name in names:
        if name not in used:
            body = ("bin", "+", body, ("ref", name))
    leaves = {*_leaf_kinds(body), *(k for _, v in definitions for k in _leaf_kinds(v))}
    for leaf in ("x", "a"):  # x and a parameter in every program: leaves that need a gradient
        if leaf not in leaves:
            body = ("bin", "*", body, (leaf,))
    text = "; ".join([*(f"{n} = {_text(v)}" for n, v in definitions), _text(body)])
    return text, definitions, body


def _refs(e: tuple):
    if e[0] == "ref":
        yield e[1]
    for part in e[1:]:
        if isinstance(part, tuple):
            yield from _refs(part)


def _leaf_kinds(e: tuple):
    if e[0] in ("x", "a"):
        yield e[0]
    for part in e[1:]:
        if isinstance(part, tuple):
            yield from _leaf_kinds(part)


def _run_literal(cls, definitions, body, x: float, a: float):
    cls.created, cls.visits = [], []
    env = {"x": cls(x), "a": cls(a)}
    for name, value in definitions:
        env[name] = _build(value, env, cls)
    return _build(body, env, cls)


def _close(a, b) -> bool:
    a = 0.0 if a is None else float(a)
    b = 0.0 if b is None else float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("algorithm", [NOTEBOOK, RECURSIVE])
@pytest.mark.parametrize("seed", range(40))
def test_replays_equal_the_literal_code_on_random_programs(algorithm: str, seed: int) -> None:
    text, definitions, body = random_program(seed)
    rng = random.Random(1000 + seed)
    x, a = rng.uniform(-1.2, 1.2), rng.uniform(-1.0, 1.0)
    trace = parse(text).at(x, {"a": a}, trace=True).trace
    cls = NotebookTensor if algorithm == NOTEBOOK else MicrogradValue
    out = _run_literal(cls, definitions, body, x, a)
    # The literal graph is the recorded one, node for node (creation order = forward order).
    created = cls.created
    assert len(created) == len(trace.nodes), text
    for t, node in zip(created, trace.nodes, strict=True):
        assert t.op == node.op and _close(t.data, node.value), (text, t.op, node.op)
    if algorithm == NOTEBOOK:
        notebook_backward(out)
    else:
        out.grad = 1.0
        micrograd_backward(out)
    position = {id(t): i for i, t in enumerate(created)}
    r = replay(trace, algorithm)
    assert r.nodes == [position[id(t)] for t, _ in cls.visits], text
    assert all(_close(g, mine) for (_, g), mine in zip(cls.visits, r.after, strict=True)), text
    final = r.final
    for i, t in enumerate(created):
        assert _close(t.grad, final[i]), (text, i, t.grad, final[i])
    assert len(r) == len(cls.visits) == visit_count(trace, algorithm)


@pytest.mark.parametrize("seed", range(20))
def test_the_topological_replay_is_the_engines_pass(seed: int) -> None:
    text, _, _ = random_program(seed)
    trace = parse(text).at(0.3, {"a": -0.7}, trace=True).trace
    r = replay(trace, TOPOLOGICAL)
    assert r.nodes == [n.id for n in trace.backward_sequence()]
    assert set(r.visit_counts.values()) <= {0, 1}
    for n in trace.nodes:
        expected = None if n.grad is None else float(n.grad)
        assert r.final[n.id] == expected  # the engine's own numbers, bit for bit


def _x_of(trace) -> int:
    return next(n.id for n in trace.nodes if n.label == "x")


def test_the_notebooks_sixteen() -> None:
    """x² + 3x at 2: the notebook prints 16 (the truth is 7); its constant 3 gets 5."""
    trace = parse("x^2 + 3x").at(2.0, trace=True).trace
    r = replay(trace, NOTEBOOK)
    final = r.final
    assert final[_x_of(trace)] == 16.0
    (three,) = [n.id for n in trace.nodes if n.label == "3"]
    assert final[three] == 5.0
    assert replay(trace, TOPOLOGICAL).final[_x_of(trace)] == 7.0
    # the fresh 1 comes in at every one of the 7 visits
    assert len(r) == 7 and all(r.visit(i).seed == 1.0 for i in range(len(r)))
    rows = {row.node: row for row in compare(r, replay(trace, TOPOLOGICAL))}
    assert rows[_x_of(trace)].wrong and rows[three].unneeded and not rows[three].wrong


def test_recursion_without_waiting_on_a_reused_intermediate() -> None:
    trace = parse("u = x + x; u^2 + 3u").at(2.0, trace=True).trace
    r = replay(trace, RECURSIVE)
    assert r.final[_x_of(trace)] == 38.0
    assert replay(trace, TOPOLOGICAL).final[_x_of(trace)] == 22.0
    (u,) = [k for k, name in trace.names.items() if name == "u"]
    assert r.visit_counts[u] == 2
    first, second = [r.visit(i) for i in range(len(r)) if r.nodes[i] == u]
    assert (first.arrived, first.uses, first.after) == (1, 2, 8.0)  # pushed before 3u arrived
    assert second.after == 11.0 and [p.amount for p in second.pushes] == [11.0, 11.0]


def test_on_x_squared_plus_3x_recursion_without_waiting_happens_to_be_right() -> None:
    trace = parse("x^2 + 3x").at(2.0, trace=True).trace
    right = replay(trace, TOPOLOGICAL)
    rows = compare(replay(trace, RECURSIVE), right)
    assert not any(r.wrong for r in rows)
    assert replay(trace, RECURSIVE).final[_x_of(trace)] == 7.0


def _doubling(n: int) -> str:
    lines = ["b_1 = x + x", *(f"b_{k} = b_{k - 1} + b_{k - 1}" for k in range(2, n + 1))]
    return "; ".join([*lines, f"b_{n}"])


@pytest.mark.parametrize("n", range(1, 13))
def test_exponential_revisits(n: int) -> None:
    trace = parse(_doubling(n)).at(2.0, trace=True).trace
    assert len(replay(trace, RECURSIVE)) == visit_count(trace, RECURSIVE) == 2 ** (n + 1) - 1
    assert len(replay(trace, TOPOLOGICAL)) == n + 1
    assert replay(trace, TOPOLOGICAL).final[_x_of(trace)] == 2.0**n
    # the notebook walks a set: b_k lists b_(k-1) once, so n + 1 visits, and re-seeds each
    notebook = replay(trace, NOTEBOOK)
    assert len(notebook) == n + 1 and notebook.final[_x_of(trace)] == 2 ** (n + 1) - 1
    # and micrograd-before-the-fix, literally, agrees on the gradient
    definitions = [("b_1", ("bin", "+", ("x",), ("x",)))]
    definitions += [
        (f"b_{k}", ("bin", "+", ("ref", f"b_{k - 1}"), ("ref", f"b_{k - 1}")))
        for k in range(2, n + 1)
    ]
    out = _run_literal(MicrogradValue, definitions, ("ref", f"b_{n}"), 2.0, 1.0)
    out.grad = 1.0
    micrograd_backward(out)
    assert replay(trace, RECURSIVE).final[_x_of(trace)] == MicrogradValue.created[0].grad


def test_the_issues_numbers_for_ten_doublings() -> None:
    trace = parse(_doubling(10)).at(2.0, trace=True).trace
    r = replay(trace, RECURSIVE)
    assert len(r) == 2047 and r.final[_x_of(trace)] == 2_345_233_639_424
    assert replay(trace, TOPOLOGICAL).final[_x_of(trace)] == 1024


def _chain(n: int, step) -> object:
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = step(y, x)
    return y.backward(trace=True)


def test_replays_are_iterative_on_a_5000_node_chain() -> None:
    trace = _chain(5000, lambda y, x: y.sin())  # 5,001 nodes, each the only input of the next
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive implementation would fail at once
    try:
        replays = {alg: replay(trace, alg) for alg in ALGORITHMS}
    finally:
        sys.setrecursionlimit(limit)
    assert {alg: len(r) for alg, r in replays.items()} == dict.fromkeys(ALGORITHMS, 5001)
    x = _x_of(trace)
    assert replays[RECURSIVE].final[x] == pytest.approx(float(trace.node(x).grad), rel=1e-12)
    # the notebook on a chain, written as a loop: each node holds what was pushed in, plus 1
    g, expected = 0.0, None
    for node in reversed(trace.nodes):
        g = g + 1.0
        if node.parents:
            g = g * math.cos(float(trace.node(node.parents[0]).value))
        else:
            expected = g
    assert replays[NOTEBOOK].final[x] == pytest.approx(expected, rel=1e-12)


def test_a_long_chain_reusing_x_visits_it_at_every_step() -> None:
    trace = _chain(5000, lambda y, x: y + x)  # y_k = y_(k-1) + x: x is used 5,001 times
    r = replay(trace, RECURSIVE)
    assert len(r) == 1 + 2 * 5000 and r.final[_x_of(trace)] == 5001.0


def test_too_many_visits_stop_at_once_with_a_message() -> None:
    x = Tensor(2.0, requires_grad=True, name="x")
    b = x
    for _ in range(30):
        b = b + b
    trace = b.backward(trace=True)
    start = time.perf_counter()
    with pytest.raises(ReplayError) as info:
        replay(trace, RECURSIVE)
    assert time.perf_counter() - start < 1.0
    assert "2,147,483,647" in info.value.message and f"{MAX_VISITS:,}" in info.value.message
    assert len(replay(trace, NOTEBOOK)) == 31  # a set: one visit per node, no blow-up
    small = parse(_doubling(10)).at(2.0, trace=True).trace
    with pytest.raises(ReplayError, match="2,047"):
        replay(small, RECURSIVE, max_visits=2046)
    assert len(replay(small, RECURSIVE, max_visits=2047)) == 2047


def test_unknown_algorithm_and_constant_functions() -> None:
    trace = parse("x^2").at(1.0, trace=True).trace
    with pytest.raises(ReplayError, match="unknown backward algorithm"):
        replay(trace, "random")
    constant = parse("2 + 3").at(1.0, trace=True).trace
    assert all(len(replay(constant, alg)) == 0 for alg in ALGORITHMS)


def test_gradients_at_each_step_are_the_running_state() -> None:
    trace = parse("x^2 + 3x").at(2.0, trace=True).trace
    r = replay(trace, NOTEBOOK)
    x = _x_of(trace)
    assert [r.grads_at(i).get(x) for i in range(len(r))] == [None, 8.0, 9.0, 9.0, 15.0, 15.0, 16.0]
    assert [r.counts_at(i).get(x, 0) for i in range(len(r))] == [0, 0, 1, 1, 1, 1, 2]
    assert r.grads_at(-1) == {}
    assert replay(trace, RECURSIVE).grads_at(-1) == {trace.output: 1.0}  # seeded before
