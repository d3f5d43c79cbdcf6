"""Backward passes students write, replayed over the graph the engine recorded.

Three algorithms over one :class:`~gradexplorer.autograd.trace.BackwardTrace`:

- ``topological``: the engine's own pass (PyTorch's): each node once, after all of its
  consumers, in the trace's ``backward_order``. Constants get no gradient.
- ``notebook``: the recursive backward of the notebook gradexplorer grew out of::

      def backward(tensor, grad=None):
          if grad is None:
              grad = np.ones_like(tensor.data)
          tensor.grad = grad if tensor.grad is None else tensor.grad + grad
          tensor._backward()
          for t in tensor._prev:
              if t.requires_grad:
                  backward(t)

  ``_backward`` adds local × out.grad into each input's .grad (both arguments of x·x), and
  ``_prev`` is the set of inputs: x·x lists x once (walked here in argument order, first
  occurrence kept). Constants are entered like any node (the notebook's Tensor(3.0) has
  requires_grad=True). No call passes a gradient, so every visit adds a fresh 1.
- ``recursive``: micrograd before its fix: the output's .grad is set to 1, then::

      def backward(v):
          v._backward()        # push v.grad × local into each input's .grad
          for p in v._prev:    # the inputs as a tuple: a value used twice appears twice
              backward(p)      # at once, without waiting for p's other uses

A replay is the list of visits (the node, the gradient it held before, what the visit added to
it and what it pushed where, the gradient after), each node's final gradient and visit count.
The recursion is simulated with an explicit stack (a 5,000-node chain is no problem), and the
number of visits is counted before anything runs: beyond ``max_visits`` (b = b + b thirty times
would take 2^31 − 1) the replay refuses with a message instead of running for minutes.

Local derivatives come from the trace; a constant's edge has none there (the engine gives
constants no gradient), so the op table's rule gives it, as the notebook's _backward would.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradexplorer.autograd import OPS
from gradexplorer.autograd.ops import NUMPY_NS
from gradexplorer.autograd.trace import BackwardTrace, TraceEdge, TraceNode
from gradexplorer.errors import ReplayError

TOPOLOGICAL, NOTEBOOK, RECURSIVE = "topological", "notebook", "recursive"
ALGORITHMS: tuple[str, ...] = (TOPOLOGICAL, NOTEBOOK, RECURSIVE)
TITLES = {
    TOPOLOGICAL: "correct (topological)",
    NOTEBOOK: "the notebook's recursive backward",
    RECURSIVE: "recursive without waiting",
}
MAX_VISITS = 1_000_000
_SEED_STEP = -1  # the output's gradient set to 1 before the first visit


@dataclass(frozen=True)
class Push:
    """What a visit sends into one input: the visited node's gradient × local, added to the
    input's .grad (before → after)."""

    edge: TraceEdge
    local: float
    amount: float
    before: float | None
    after: float


@dataclass(frozen=True)
class Visit:
    """One call of the algorithm on one node."""

    index: int  # position in the visit order, from 0
    node: int
    count: int  # 1 at a node's first visit, 2 at its second, ...
    before: float | None  # the node's .grad when the visit began (None: nothing yet)
    seed: float | None  # the fresh 1 this visit added to it (the notebook's re-seed)
    after: float | None  # its .grad after that: what it pushes
    pushes: tuple[Push, ...]
    arrived: int  # how many of the node's uses had sent it gradient when the visit began
    uses: int  # how many uses it has (edges out of it)


@dataclass(frozen=True)
class Row:
    """One node of the side-by-side table: its gradient under the replayed algorithm and under
    the correct one, and how often each visited it."""

    node: int
    replayed: float | None
    correct: float | None
    visits: int
    correct_visits: int

    @property
    def wrong(self) -> bool:
        """A gradient the correct pass also computes, with another value."""
        return differs(self.replayed, self.correct)

    @property
    def unneeded(self) -> bool:
        """A gradient the correct pass does not compute at all (a constant's)."""
        return self.correct is None and self.replayed is not None


def differs(replayed: float | None, correct: float | None) -> bool:
    """A wrong gradient: the correct pass has a number there (not None, not undefined, where
    nothing compares) and the replay another."""
    if correct is None or math.isnan(correct):
        return False
    return not same_number(replayed, correct)


def same_number(a: float | None, b: float | None) -> bool:
    """Equal up to rounding (the algorithms multiply in other orders), both undefined (nan, or
    nan against an infinity), or both None."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):  # undefined: any non-finite number says the same
        return not (math.isfinite(a) or math.isfinite(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


class Replay:
    """The visits of one algorithm over one trace, with the gradients at every step."""

    def __init__(self, algorithm: str, trace: BackwardTrace) -> None:
        self.algorithm = algorithm
        self.trace = trace
        self.nodes: list[int] = []  # visited node, per visit
        self.before: list[float | None] = []
        self.after: list[float | None] = []
        self.seeded: list[bool] = []
        self._visits_of: dict[int, list[int]] = {n.id: [] for n in trace.nodes}
        # every change of a node's .grad: the step it happened at, and the new value
        self._steps: dict[int, list[int]] = {n.id: [] for n in trace.nodes}
        self._values: dict[int, list[float]] = {n.id: [] for n in trace.nodes}
        self._locals: dict[tuple[int, int], float] = {}
        # edges by the op they feed (in argument order) and by the input they come from
        self.inputs: dict[int, list[TraceEdge]] = {n.id: [] for n in trace.nodes}
        self.uses: dict[int, list[TraceEdge]] = {n.id: [] for n in trace.nodes}
        for e in sorted(trace.edges, key=lambda e: e.arg_index):
            self.inputs[e.dst].append(e)
            self.uses[e.src].append(e)
        self._amounts: dict[tuple[int, int], float] = {}  # the engine's own (topological)
        self._pushes_of: dict[int, list[TraceEdge]] = {}

    def __len__(self) -> int:
        return len(self.nodes)

    # ----- results
    @property
    def final(self) -> dict[int, float | None]:
        """Every node's .grad at the end (None: never touched)."""
        return {n: (v[-1] if v else None) for n, v in self._values.items()}

    @property
    def visit_counts(self) -> dict[int, int]:
        return {n: len(v) for n, v in self._visits_of.items()}

    def visits_of(self, node: int) -> list[int]:
        """The indices of a node's visits, in order."""
        return list(self._visits_of[node])

    def grads_at(self, step: int) -> dict[int, float]:
        """The .grad of every node touched so far, after visit ``step`` (-1: before the
        first visit)."""
        out = {}
        for n, steps in self._steps.items():
            k = bisect_right(steps, step)
            if k:
                out[n] = self._values[n][k - 1]
        return out

    def counts_at(self, step: int) -> dict[int, int]:
        """How many times each node has been visited up to and including ``step``."""
        counts = {n: bisect_right(v, step) for n, v in self._visits_of.items()}
        return {n: c for n, c in counts.items() if c}

    def visit(self, i: int) -> Visit:
        """Visit ``i`` in full: what it held, added and pushed where."""
        node = self.nodes[i]
        after = self.after[i]
        state = self.grads_at(i - 1)
        pushes = []
        for edge in self._pushes_of.get(node, []):
            local = self._locals[(edge.dst, edge.arg_index)]
            key = (edge.dst, edge.arg_index)
            amount = self._amounts[key] if key in self._amounts else _times(after, local)
            before = state.get(edge.src)
            state[edge.src] = amount if before is None else before + amount
            pushes.append(Push(edge, local, amount, before, state[edge.src]))
        uses = self.uses[node]
        arrived = sum(1 for e in uses if self._visits_of[e.dst] and self._visits_of[e.dst][0] < i)
        return Visit(
            index=i,
            node=node,
            count=bisect_right(self._visits_of[node], i),
            before=self.before[i],
            seed=1.0 if self.seeded[i] else None,
            after=after,
            pushes=tuple(pushes),
            arrived=arrived,
            uses=len(uses),
        )

    # ----- recording (used while the algorithm runs)
    def _change(self, node: int, step: int, value: float) -> None:
        self._steps[node].append(step)
        self._values[node].append(value)


def replay(trace: BackwardTrace, algorithm: str, *, max_visits: int = MAX_VISITS) -> Replay:
    """Run ``algorithm`` over the recorded graph. Raises ReplayError for an unknown algorithm,
    a graph of more than single numbers, or more visits than ``max_visits``."""
    if algorithm not in ALGORITHMS:
        raise ReplayError(
            f"unknown backward algorithm {algorithm!r}",
            hint=f"choose one of {', '.join(ALGORITHMS)}",
        )
    _check_scalar(trace)
    result = Replay(algorithm, trace)
    if trace.node(trace.output).kind == "const":
        return result  # nothing needs a gradient: no algorithm has anything to visit
    needed = visit_count(trace, algorithm)
    if needed > max_visits:
        raise ReplayError(
            f"{TITLES[algorithm]} would visit {needed:,} nodes, more than the {max_visits:,} "
            "this replay allows",
            hint="every reused value doubles the work below it; try a shorter chain",
        )
    if algorithm == TOPOLOGICAL:
        _topological(result)
    else:
        _recursive(result, reseed=algorithm == NOTEBOOK)
    return result


def visit_count(trace: BackwardTrace, algorithm: str) -> int:
    """How many visits ``algorithm`` makes, counted without running it (exact, as big as it
    gets: calls(v) = 1 + the calls of each input it recurses into)."""
    if trace.node(trace.output).kind == "const":
        return 0
    if algorithm == TOPOLOGICAL:
        return sum(1 for n in trace.nodes if n.backward_order is not None)
    unique = algorithm == NOTEBOOK
    calls: dict[int, int] = {}
    for node in sorted(trace.nodes, key=lambda n: n.forward_order):  # inputs before results
        calls[node.id] = 1 + sum(calls[p] for p in _children(node, unique))
    return calls[trace.output]


def compare(replayed: Replay, correct: Replay) -> list[Row]:
    """The side-by-side table, one row per node in backward (then forward) order."""
    final, right = replayed.final, correct.final
    counts, right_counts = replayed.visit_counts, correct.visit_counts
    order = sorted(
        replayed.trace.nodes,
        key=lambda n: (n.backward_order is None, n.backward_order or 0, -n.forward_order),
    )
    return [
        Row(n.id, final.get(n.id), right.get(n.id), counts.get(n.id, 0), right_counts.get(n.id, 0))
        for n in order
    ]


# --------------------------------------------------------------------------------------------


def _check_scalar(trace: BackwardTrace) -> None:
    if any(np.size(n.value) != 1 for n in trace.nodes):
        raise ReplayError(
            "the replays work on functions of single numbers only",
            hint="every node of the graph must hold one number",
        )


def _children(node: TraceNode, unique: bool) -> list[int]:
    """The inputs a recursive backward walks into: a tuple, or a set (first occurrence kept)."""
    return list(dict.fromkeys(node.parents)) if unique else list(node.parents)


def _number(value: object) -> float | None:
    return None if value is None else float(np.asarray(value).reshape(()))


def _times(a: float | None, b: float) -> float:
    return b * (1.0 if a is None else a)


def _topological(r: Replay) -> None:
    """The engine's pass, read from the trace: its visit order and its contributions."""
    trace = r.trace
    output = trace.node(trace.output)
    r._change(output.id, _SEED_STEP, _number(output.grad) or 1.0)
    grads = {output.id: r._values[output.id][-1]}
    for step, node in enumerate(trace.backward_sequence()):
        held = grads.get(node.id)
        r._visits_of[node.id].append(step)
        r.nodes.append(node.id)
        r.before.append(held)
        r.after.append(held)
        r.seeded.append(False)
        pushes = [e for e in r.inputs[node.id] if e.contribution is not None]
        r._pushes_of[node.id] = pushes
        for e in pushes:
            r._locals[(e.dst, e.arg_index)] = _number(e.local)
            amount = r._amounts[(e.dst, e.arg_index)] = _number(e.contribution)
            previous = grads.get(e.src)
            grads[e.src] = amount if previous is None else previous + amount
            r._change(e.src, step, grads[e.src])


def _recursive(r: Replay, *, reseed: bool) -> None:
    """The notebook's backward (reseed) or micrograd's before its fix, with an explicit stack
    in place of the recursion: a node's inputs go on the stack in reverse, so the first input's
    whole subtree is visited before the second input, exactly as the recursive calls would."""
    trace = r.trace
    local = _local_derivatives(trace)
    inputs = r.inputs
    children = {n.id: _children(n, unique=reseed) for n in trace.nodes}
    for node_id, edges in inputs.items():
        r._pushes_of[node_id] = edges
        for e in edges:
            r._locals[(e.dst, e.arg_index)] = local(e)
    grads: dict[int, float] = {}
    if not reseed:
        grads[trace.output] = 1.0
        r._change(trace.output, _SEED_STEP, 1.0)
    stack = [trace.output]
    step = 0
    while stack:
        node = stack.pop()
        held = grads.get(node)
        r.nodes.append(node)
        r.before.append(held)
        r._visits_of[node].append(step)
        if reseed:
            grads[node] = 1.0 if held is None else held + 1.0
            r._change(node, step, grads[node])
        r.seeded.append(reseed)
        r.after.append(grads.get(node))
        upstream = grads.get(node)
        for e in inputs[node]:
            amount = _times(upstream, r._locals[(e.dst, e.arg_index)])
            previous = grads.get(e.src)
            grads[e.src] = amount if previous is None else previous + amount
            r._change(e.src, step, grads[e.src])
        stack.extend(reversed(children[node]))
        step += 1


def _local_derivatives(trace: BackwardTrace) -> Callable[[TraceEdge], float]:
    """d dst / d src for every edge: the trace's, or for an edge from a constant (the engine
    computes none) the op table's rule applied to an upstream gradient of 1."""

    def local(edge: TraceEdge) -> float:
        if edge.local is not None:
            return _number(edge.local)
        dst = trace.node(edge.dst)
        args = [np.asarray(trace.node(p).value, dtype=float) for p in dst.parents]
        op = OPS.get(dst.op)
        if op is None or edge.arg_index >= len(op.rules):
            return math.nan
        with np.errstate(all="ignore"):
            try:
                value = op.rules[edge.arg_index](NUMPY_NS, np.float64(1.0), dst.value, *args)
            except (ArithmeticError, TypeError, ValueError):
                return math.nan
        return float(np.sum(value))

    return local
