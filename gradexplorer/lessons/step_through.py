"""A step-through in progress: which pass, which step, and what the screen shows at that step.

``StepThrough`` holds a stepper over the current trace and follows new traces as x or a
parameter moves: with the same graph the position is kept (the numbers update in place, as in
the live view); with a different graph it starts again before the first step. ``frame()`` is
everything a view draws for the current step, as plain data: the graph's highlights and the
words of the explanation. Qt-free; the app's model owns one and emits its frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from gradexplorer.autograd.trace import BackwardTrace
from gradexplorer.lessons.stepper import BackwardStep, BackwardStepper, ForwardStep, ForwardStepper

Mode = Literal["backward", "forward"]
BACKWARD: Mode = "backward"
FORWARD: Mode = "forward"
MODES: tuple[Mode, ...] = (BACKWARD, FORWARD)
EdgeKey = tuple[int, int, int]  # (src id, dst id, argument index)


@dataclass(frozen=True)
class StepFrame:
    """One moment of a step-through.

    known_grads / known_values: the numbers computed so far by node id; a node absent from the
    mapping shows "not computed yet" (never 0, a real gradient). None means "all known" (the
    live numbers). edges: the edges carrying the current contribution.

    How a view shows the second number of a node: ``second_caption`` names it ("grad", or "v̇"
    for a tangent); ``badges`` is a short tag per node (e.g. how often a pass visited it);
    ``wrong`` holds the nodes whose number differs from the correct pass (drawn in red).
    """

    mode: Mode
    position: int  # -1 before the first step, count - 1 at the last
    count: int
    current: int | None  # node id of the current step
    known_grads: Mapping[int, np.ndarray] | None
    known_values: Mapping[int, np.ndarray] | None
    edges: frozenset[EdgeKey]
    names: Mapping[int, str]
    formula: str
    explanation: str
    second_caption: str = "grad"
    badges: Mapping[int, str] = field(default_factory=dict)
    wrong: frozenset[int] = frozenset()

    @property
    def at_start(self) -> bool:
        return self.position < 0

    @property
    def at_end(self) -> bool:
        return self.position >= self.count - 1


def structure(trace: BackwardTrace) -> tuple:
    """What must match for a step position to keep its meaning in a new trace."""
    index = {n.id: i for i, n in enumerate(trace.nodes)}
    return (
        tuple((n.kind, n.op, n.label, n.is_output, n.backward_order) for n in trace.nodes),
        tuple((index[e.src], index[e.dst], e.arg_index) for e in trace.edges),
    )


class StepThrough:
    """The steps of one pass over the latest trace, and a position among them."""

    def __init__(self, mode: Mode, trace: BackwardTrace | None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown step-through mode {mode!r}")
        self.mode = mode
        self.trace: BackwardTrace | None = None
        self.stepper: BackwardStepper | ForwardStepper | None = None
        self._structure: tuple | None = None
        self.load(trace, keep_position=False)

    @property
    def position(self) -> int:
        return self.stepper.position if self.stepper is not None else -1

    @property
    def count(self) -> int:
        return len(self.stepper) if self.stepper is not None else 0

    def load(self, trace: BackwardTrace | None, *, keep_position: bool = True) -> bool:
        """Follow a new trace; returns whether the position was kept (same graph)."""
        old = self.position
        self.trace = trace
        if trace is None:
            self.stepper, self._structure = None, None
            return False
        shape = structure(trace)
        same = keep_position and shape == self._structure
        self._structure = shape
        self.stepper = self._new_stepper(trace)
        if same and self.stepper is not None:
            self.stepper.seek(old)
        return same

    def _new_stepper(self, trace: BackwardTrace) -> BackwardStepper | ForwardStepper | None:
        """The steps of this pass over a trace (a replay of another algorithm overrides it)."""
        return BackwardStepper(trace) if self.mode == BACKWARD else ForwardStepper(trace)

    def seek(self, position: int) -> None:
        if self.stepper is not None:
            self.stepper.seek(position)

    def frame(self) -> StepFrame:
        st, trace = self.stepper, self.trace
        formula, words = self._words()
        if st is None or trace is None:
            return StepFrame(self.mode, -1, 0, None, {}, None, frozenset(), {}, formula, words)
        step = st.current
        names = {n.id: st.names[n.id] for n in trace.nodes}
        if isinstance(st, BackwardStepper):
            edges = () if step is None else step.edges
            grads, values = st.known_grads(), None
        else:
            edges = () if step is None else trace.edges_from_parents(step.node.id)
            grads, values = {}, st.known_values()  # the forward pass computes no gradient
        return StepFrame(
            mode=self.mode,
            position=st.position,
            count=len(st),
            current=None if step is None else step.node.id,
            known_grads=grads,
            known_values=values,
            edges=frozenset((e.src, e.dst, e.arg_index) for e in edges),
            names=names,
            formula=formula,
            explanation=words,
        )

    def texts(self) -> list[tuple[str, str]]:
        """The headline and explanation of every position of this pass, before step 1
        included: a panel that fits the longest never changes height while stepping."""
        st = self.stepper
        if st is None or not len(st):
            return [self._words()]
        last = len(st) - 1
        return [self._words_for(None)] + [
            self._words_for(step, at_end=i == last) for i, step in enumerate(st.steps)
        ]

    def _words(self) -> tuple[str, str]:
        """The headline and the explanation of the current step."""
        st = self.stepper
        if st is None:
            return (
                "Nothing to step through here.",
                "The function could not be evaluated at this point, so there is no graph.",
            )
        if not len(st):
            return (
                "Nothing to step through: f is a constant.",
                "No input needs a gradient, so backward has no node to visit.",
            )
        return self._words_for(st.current, at_end=st.at_end)

    def _words_for(
        self, step: BackwardStep | ForwardStep | None, at_end: bool = False
    ) -> tuple[str, str]:
        n = len(self.stepper)
        backward = self.mode == BACKWARD
        if step is None and backward:
            return (
                "Backward pass: no gradient computed yet.",
                f"The forward pass is done: every value is known. Backward visits {n} "
                "nodes, from the output back to the inputs; each gradient says 'not computed "
                "yet' until its step. Press Next or Play.",
            )
        if step is None:
            return (
                "Forward pass: no value computed yet.",
                f"Values appear from the inputs to the output, {n} steps. No gradient "
                "exists before the backward pass. Press Next or Play.",
            )
        words = step.explanation
        if at_end:
            words += (
                "\nBackward pass complete: these are the gradients autograd returns."
                if backward
                else "\nForward pass complete: next, backward computes the gradients."
            )
        return step.formula, words


INTRO_FORMULA = "Step through the chain rule, one node at a time."
INTRO_WORDS = (
    "Step through the backward pass: each node's gradient is its upstream gradient × its "
    "local derivative, summed over its uses. Step through the forward pass: values appear from "
    "the inputs to the output."
)
