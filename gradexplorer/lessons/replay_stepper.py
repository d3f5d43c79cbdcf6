"""Stepping through a wrong backward pass, visit by visit, next to the correct one.

``ReplayStepper`` is a cursor over the visits of a :mod:`~gradexplorer.lessons.replay` (the
notebook's recursive backward, or recursion without waiting), with the words for each visit:
what the node held, the "+1 re-seeded here" or "pushed again", what it pushed where, and the
correct gradient beside it. ``ReplayThrough`` follows new traces the way StepThrough does and
gives a ``ReplayFrame``: a StepFrame (the graph view draws it: badges with the visit counts,
red where a visited node's gradient differs from the correct pass) with the side-by-side table.
Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradexplorer import formatting
from gradexplorer.autograd.trace import BackwardTrace, TraceNode
from gradexplorer.errors import ReplayError
from gradexplorer.lessons.replay import (
    NOTEBOOK,
    TITLES,
    TOPOLOGICAL,
    Replay,
    Row,
    Visit,
    differs,
    replay,
    same_number,
)
from gradexplorer.lessons.step_through import BACKWARD, StepFrame, StepThrough
from gradexplorer.lessons.stepper import NodeNames, _Cursor

# Stepping is for reading: beyond this many visits a replay is summed up, not stepped through
# (b = b + b sixteen times makes 131,071), and the app stays responsive while x moves.
APP_MAX_VISITS = 100_000
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def _nth(k: int) -> str:
    return _ORDINALS.get(k, f"{k}th")


def _num(value: float | None) -> str:
    return formatting.NOT_COMPUTED if value is None else formatting.grouped(value)


@dataclass(frozen=True)
class ReplayFrame(StepFrame):
    """A StepFrame of a replayed algorithm, with the side-by-side table so far (every node's
    gradient and visits under the algorithm, next to the correct pass's)."""

    algorithm: str = TOPOLOGICAL
    rows: tuple[Row, ...] = ()
    total_visits: int = 0
    correct_visits: int = 0


class _Visits(Sequence[Visit]):
    """The replay's visits, built when asked for (a replay may have 100,000)."""

    def __init__(self, replayed: Replay) -> None:
        self._replay = replayed

    def __len__(self) -> int:
        return len(self._replay)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self._replay.visit(k) for k in range(*i.indices(len(self)))]
        return self._replay.visit(i if i >= 0 else len(self) + i)


class ReplayStepper(_Cursor[Visit]):
    """The visits of one wrong algorithm over a trace, and the correct pass to compare with."""

    def __init__(
        self, trace: BackwardTrace, algorithm: str, *, max_visits: int = APP_MAX_VISITS
    ) -> None:
        super().__init__(())
        self.trace = trace
        self.algorithm = algorithm
        self.names = NodeNames(trace)
        self.replay = replay(trace, algorithm, max_visits=max_visits)
        self.correct = replay(trace, TOPOLOGICAL)
        self._right = self.correct.final
        self._right_counts = self.correct.visit_counts
        self.steps = _Visits(self.replay)  # type: ignore[assignment]

    # ----- what the graph shows at a step
    def known_grads(self, step_index: int | None = None) -> dict[int, np.ndarray]:
        """Every .grad the algorithm has written so far (partial sums included: that is what
        the code holds at this moment)."""
        return {
            n: np.float64(v) for n, v in self.replay.grads_at(self._resolve(step_index)).items()
        }

    def badges(self, step_index: int | None = None) -> dict[int, str]:
        """The visits so far, per node ("×2"); not on constants, whose small boxes have no
        room (the table counts theirs)."""
        counts = self.replay.counts_at(self._resolve(step_index))
        return {
            n: f"×{formatting.grouped(c)}"
            for n, c in counts.items()
            if self.trace.node(n).kind != "const"
        }

    def wrong(self, step_index: int | None = None) -> frozenset[int]:
        """Visited nodes whose gradient differs from the correct pass's (drawn in red)."""
        step = self._resolve(step_index)
        grads = self.replay.grads_at(step)
        return frozenset(
            n for n in self.replay.counts_at(step) if differs(grads.get(n), self._right.get(n))
        )

    def rows(self, step_index: int | None = None) -> tuple[Row, ...]:
        """The side-by-side table at a step (at the end: the final comparison)."""
        step = self._resolve(step_index)
        grads, counts = self.replay.grads_at(step), self.replay.counts_at(step)
        order = sorted(
            self.trace.nodes,
            key=lambda n: (n.backward_order is None, n.backward_order or 0, -n.forward_order),
        )
        return tuple(
            Row(
                n.id,
                grads.get(n.id),
                self._right.get(n.id),
                counts.get(n.id, 0),
                self._right_counts.get(n.id, 0),
            )
            for n in order
        )

    # ----- words
    def sample_texts(self) -> list[tuple[str, str]]:
        """Headline and explanation of the visits whose words are the longest kinds: each
        node's first and second visit, and the last (with the summary). A panel sizes itself
        by these instead of wording every one of up to 100,000 visits."""
        chosen = {len(self) - 1} if len(self) else set()
        for node in self.trace.nodes:
            chosen.update(self.replay.visits_of(node.id)[:2])
        return [(self.headline(v), self.explanation(v)) for v in map(self.replay.visit, chosen)]

    def headline(self, visit: Visit) -> str:
        node = self.trace.node(visit.node)
        name = self.names[node.id]
        lead = f"visit {formatting.grouped(visit.index + 1)} of {formatting.grouped(len(self))}"
        if self.algorithm == NOTEBOOK:
            held = "" if visit.before is None else f"{_num(visit.before)} + "
            what = f"{self._grad(node)} = {held}1 (re-seeded) = {_num(visit.after)}"
        elif node.kind == "op":
            into = ", ".join(self._who(self.trace.node(p.edge.src)) for p in visit.pushes)
            what = f"pushes {self._grad(node)} = {_num(visit.after)} into {into}"
        else:
            what = f"{self._grad(node)} = {_num(visit.after)}, nothing to push"
        return f"{lead} · backward({name}): {what}{self._verdict(node, visit.after)}"

    def explanation(self, visit: Visit) -> str:
        node = self.trace.node(visit.node)
        parts = [self._entered(node, visit)]
        if self.algorithm == NOTEBOOK:
            parts.append(self._reseeded(node, visit))
        else:
            parts.append(self._waited(node, visit))
        parts.append(self._pushed(node, visit))
        words = " ".join(p for p in parts if p)
        if visit.index == len(self) - 1:
            words += "\n" + self.summary()
        return words

    def summary(self) -> str:
        """The end: visits and the gradients that came out wrong."""
        n, right = len(self.replay), len(self.correct)
        rows = self.rows(len(self) - 1)
        wrong = [r for r in rows if r.wrong]
        head = (
            f"Done: {formatting.grouped(n)} visits; the correct pass visits "
            f"{formatting.grouped(right)} nodes, each once."
        )
        leaves = [r for r in wrong if self.trace.node(r.node).kind == "input"]
        if leaves:
            said = ", ".join(
                f"{self._grad(self.trace.node(r.node))} = {_num(r.replayed)} instead of "
                f"{_num(r.correct)}"
                for r in leaves
            )
            head += f" {said}."
        elif not wrong:
            head += " Every gradient comes out right this time: " + self._why_right()
        if self.algorithm == NOTEBOOK:
            head += (
                " Every one of those visits added a fresh 1: backward(t) is called without a "
                "gradient, so grad = ones is added again at every node it enters."
            )
        else:
            head += self._repushed()
        return head

    def _repushed(self) -> str:
        """Which intermediate values pushed more than once, and how much in all."""
        pushed: dict[int, list[float | None]] = {}
        for i, node in enumerate(self.replay.nodes):
            if self.trace.node(node).kind == "op":
                pushed.setdefault(node, []).append(self.replay.after[i])
        said = []
        for node, amounts in pushed.items():
            if len(amounts) > 1 and len(said) < 3:
                shown = " + ".join(_num(a) for a in amounts)
                total = sum(a for a in amounts if a is not None)
                said.append(
                    f"{self.names[node]} pushed {len(amounts)} times ({shown} = {_num(total)}, "
                    f"where one push of {_num(self._right.get(node))} was right)"
                )
        if not said:
            return ""
        return " " + "; ".join(said) + ": every extra push reaches the inputs again."

    def _why_right(self) -> str:
        reused = [n for n in self.trace.nodes if n.kind == "op" and len(self.replay.uses[n.id]) > 1]
        if reused:
            return "the reused values happened to get all their uses before they pushed."
        return (
            "only leaves are used more than once here, and a leaf pushes nothing, so pushing "
            "before all uses arrived does no harm. Reuse an intermediate (u = x + x; u^2 + 3u) "
            "to see it go wrong."
        )

    def _entered(self, node: TraceNode, visit: Visit) -> str:
        name = self._who(node)
        nth = f"its {_nth(visit.count)} visit" if visit.count > 1 else "its first visit"
        if node.kind == "const":
            why = (
                "the notebook's Tensor(3.0) has requires_grad=True, so constants are entered too"
                if self.algorithm == NOTEBOOK
                else "micrograd's Values all get a gradient, constants too"
            )
            return f"backward({self.names[node.id]}) enters {name} ({why}; PyTorch gives it none)."
        formula = "" if node.kind != "op" else f" = {self.names.formula(node)}"
        return f"backward({self.names[node.id]}{formula}), {nth}."

    def _reseeded(self, node: TraceNode, visit: Visit) -> str:
        grad = self._grad(node)
        if visit.before is None:
            start = f"{grad} is None, so grad = ones: {grad} = 1."
        else:
            start = (
                f"{grad} held {_num(visit.before)} (pushed in by its uses). +1 re-seeded here: "
                f"the call passes no gradient, so grad = ones is added again: {grad} = "
                f"{_num(visit.after)}."
            )
        return start + self._compared(node, visit.after)

    def _waited(self, node: TraceNode, visit: Visit) -> str:
        grad = self._grad(node)
        if node.is_output and visit.count == 1:
            return f"{grad} was set to 1 before the recursion began."
        if node.kind != "op":
            return f"{grad} is {_num(visit.after)}.{self._compared(node, visit.after)}"
        if visit.count > 1:
            return (
                f"Pushed again: {self.names[node.id]} was visited before all its uses arrived; "
                f"now {grad} = {_num(visit.after)} and all of it is pushed once more, on top of "
                f"what its earlier visits pushed.{self._compared(node, visit.after)}"
            )
        if visit.arrived < visit.uses:
            return (
                f"{self.names[node.id]} is used {visit.uses} times, but only {visit.arrived} of "
                f"its uses has sent its gradient: {grad} = {_num(visit.after)} is pushed before "
                f"all its uses arrived.{self._compared(node, visit.after)}"
            )
        return f"{grad} = {_num(visit.after)}.{self._compared(node, visit.after)}"

    def _pushed(self, node: TraceNode, visit: Visit) -> str:
        if not visit.pushes:
            return "A leaf: nothing to push." if node.kind != "op" else ""
        pieces = [
            f"{_num(visit.after)} × {_num(p.local)} = {_num(p.amount)} into "
            f"{self._grad(self.trace.node(p.edge.src))} ({_num(p.before)} → {_num(p.after)})"
            for p in visit.pushes
        ]
        return f"{self.names[node.id]}._backward() pushes " + "; ".join(pieces) + "."

    def _compared(self, node: TraceNode, value: float | None) -> str:
        right = self._right.get(node.id)
        if right is None:
            return ""
        y = self.names.output
        if math.isnan(right):
            return f" The correct ∂{y}/∂{self.names[node.id]} is undefined: f has no value here."
        if same_number(value, right):
            return f" That is ∂{y}/∂{self.names[node.id]} = {_num(right)}, the right value."
        return f" The correct ∂{y}/∂{self.names[node.id]} is {_num(right)}."

    def _verdict(self, node: TraceNode, value: float | None) -> str:
        right = self._right.get(node.id)
        if right is None:
            return "   (PyTorch: no gradient)" if node.kind == "const" else ""
        if math.isnan(right):
            return f"   (correct: {_num(right)})"
        mark = "✓" if same_number(value, right) else "✗"
        return f"   {mark} correct: {_num(right)}"

    def _grad(self, node: TraceNode) -> str:
        return f"{self.names[node.id]}.grad"

    def _who(self, node: TraceNode) -> str:
        return f"the constant {node.label}" if node.kind == "const" else self.names[node.id]


class ReplayThrough(StepThrough):
    """A backward step-through that replays another algorithm over the latest trace (it
    follows new traces as StepThrough does)."""

    def __init__(
        self, algorithm: str, trace: BackwardTrace | None, *, max_visits: int = APP_MAX_VISITS
    ) -> None:
        self.algorithm = algorithm
        self.max_visits = max_visits
        self.problem: str | None = None
        super().__init__(BACKWARD, trace)

    def _new_stepper(self, trace: BackwardTrace) -> ReplayStepper | None:
        self.problem = None
        try:
            return ReplayStepper(trace, self.algorithm, max_visits=self.max_visits)
        except ReplayError as err:
            self.problem = str(err)  # too many visits: said in the frame, never raised
            return None

    def texts(self) -> list[tuple[str, str]]:
        """The words before the first visit and those of the visits whose words are the
        longest kinds (not every one of up to 100,000 visits)."""
        st, title = self.stepper, TITLES[self.algorithm]
        if st is None or self.trace is None:
            return [self._no_steps(title)]
        return [self._intro(st, title), *st.sample_texts()]

    def frame(self) -> ReplayFrame:
        st, title = self.stepper, TITLES[self.algorithm]
        if st is None or self.trace is None:
            formula, words = self._no_steps(title)
            return ReplayFrame(
                BACKWARD,
                -1,
                0,
                None,
                {},
                None,
                frozenset(),
                {},
                formula,
                words,
                algorithm=self.algorithm,
            )
        visit = st.current
        names = {n.id: st.names[n.id] for n in self.trace.nodes}
        if visit is None:
            formula, words = self._intro(st, title)
            edges = frozenset()
        else:
            formula, words = st.headline(visit), st.explanation(visit)
            edges = frozenset((p.edge.src, p.edge.dst, p.edge.arg_index) for p in visit.pushes)
        return ReplayFrame(
            mode=BACKWARD,
            position=st.position,
            count=len(st),
            current=None if visit is None else visit.node,
            known_grads=st.known_grads(),
            known_values=None,
            edges=edges,
            names=names,
            formula=formula,
            explanation=words,
            badges=st.badges(),
            wrong=st.wrong(),
            algorithm=self.algorithm,
            rows=st.rows(),
            total_visits=len(st),
            correct_visits=len(st.correct),
        )

    def _no_steps(self, title: str) -> tuple[str, str]:
        if self.problem is not None:
            return (f"Replaying {title}: too much work to step through.", self.problem + ".")
        return (
            "Nothing to step through here.",
            "The function could not be evaluated at this point, so there is no graph.",
        )

    def _intro(self, st: ReplayStepper, title: str) -> tuple[str, str]:
        if not len(st):
            return (
                "Nothing to step through: f is a constant.",
                "No input needs a gradient, so no backward pass has a node to visit.",
            )
        if self.algorithm == NOTEBOOK:
            how = (
                "It recurses into every input and adds a fresh 1 at every node it enters "
                "(backward(t) passes no gradient). Watch for '+1 re-seeded here'."
            )
        else:
            how = (
                "It sets the output's gradient to 1, then each node pushes its gradient into its "
                "inputs and recurses into them at once, without waiting for their other uses. "
                "Watch for 'pushed again'."
            )
        return (
            f"Replaying {title}: {formatting.grouped(len(st))} visits "
            f"(the correct pass: {formatting.grouped(len(st.correct))}).",
            f"{how} Badges count the visits of each node; a gradient turns red when a visited "
            "node holds another value than the correct pass gives. Press Next or Play.",
        )
