"""Backward twice on one graph, as PyTorch does it: the notebook's last cell.

The engine behaves as PyTorch: a second ``y.backward()`` raises "Trying to backward through the
graph a second time ..." once the first has freed the values ops saved, unless the first was
``y.backward(retain_graph=True)``; with it, every leaf's ``.grad`` accumulates (7 → 14 → 21 for
x² + 3x at 2) until ``zero_grad`` resets it. ``BackwardRuns`` keeps one real engine graph of the
current function and runs backward on it again and again, so what the student sees is what the
engine (and PyTorch) does, not a simulation. Qt-free; the app's model owns one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gradexplorer import formatting
from gradexplorer.autograd import OPS, BackwardTrace, Tensor
from gradexplorer.lessons.step_through import BACKWARD, StepFrame
from gradexplorer.lessons.stepper import NodeNames

if TYPE_CHECKING:  # the expression is built by its own method; nothing is parsed here
    from gradexplorer.expr import Expression

WHY_FREED = (
    "Why PyTorch frees them: the values each op saved for backward (x for x², both factors of "
    "a product) can take more memory than the network itself, and almost every program runs "
    "backward once per forward pass, so they are dropped as soon as backward has used them."
)
WHY_ACCUMULATES = (
    "Why .grad accumulates: gradients from several backward passes (several losses, or the "
    "mini-batches of one step) then add up without extra code, which is why a training loop "
    "calls zero_grad() before each backward."
)


@dataclass(frozen=True)
class RunsState:
    """What the backward runs on the current graph have done so far."""

    runs: int  # successful backward passes on this graph
    retain_graph: bool
    grads: Mapping[str, float | None]  # .grad of x and of each parameter, accumulated
    history: tuple[Mapping[str, float | None], ...]  # .grad after each run (and zero_grad)
    error: str | None  # the engine's (PyTorch's) message when the last run failed
    headline: str
    explanation: str
    freed: bool  # the graph's saved values have been freed
    frame: StepFrame  # what the graph shows: the leaves' accumulated .grad
    leaf_ids: Mapping[str, int] = field(default_factory=dict)
    # what was done, in order: "backward" (it ran), "failed" (it raised), "zero_grad"
    steps: tuple[str, ...] = ()


class BackwardRuns:
    """One forward pass of the function at a point, and backward run on it as often as asked.

    The first backward is the one the app has already shown; ``again()`` runs the next."""

    def __init__(
        self,
        expression: Expression,
        x: float,
        params: Mapping[str, float],
        trace: BackwardTrace | None,
        *,
        retain_graph: bool = False,
    ) -> None:
        self.retain_graph = bool(retain_graph)
        self._trace = trace
        self.leaves = {"x": Tensor(float(x), requires_grad=True, name="x")}
        for name in expression.params:
            value = float(params.get(name, 1.0))
            self.leaves[name] = Tensor(value, requires_grad=True, name=name)
        env = {k: v for k, v in self.leaves.items() if k != "x"}
        self._y = expression.build(self.leaves["x"], env)
        self.runs = 0
        self._history: list[dict[str, float | None]] = []
        self._error: str | None = None
        self._zeroed = False
        self._steps: list[str] = []
        self._run()

    # ----- commands
    def again(self) -> RunsState:
        """Run backward once more on the same graph (with retain_graph as set)."""
        self._zeroed = False
        self._run()
        return self.state()

    def zero_grad(self) -> RunsState:
        """Every leaf's .grad back to None, as optimizer.zero_grad() does (set_to_none)."""
        for leaf in self.leaves.values():
            leaf.zero_grad()
        self._history.append(self._grads())
        self._steps.append("zero_grad")
        self._zeroed = True
        self._error = None
        return self.state()

    # ----- what happened
    def state(self) -> RunsState:
        grads = self._grads()
        headline, words = self._words(grads)
        return RunsState(
            runs=self.runs,
            retain_graph=self.retain_graph,
            grads=grads,
            history=tuple(self._history),
            error=self._error,
            headline=headline,
            explanation=words,
            freed=self.freed,
            frame=self._frame(grads),
            leaf_ids=self._leaf_ids(),
            steps=tuple(self._steps),
        )

    @property
    def freed(self) -> bool:
        """Saved values are gone: a backward ran without retain_graph on a graph that saved."""
        return self.runs > 0 and not self.retain_graph and self._saves()

    def _run(self) -> bool:
        try:
            self._y.backward(retain_graph=self.retain_graph)
        except RuntimeError as err:
            self._error = str(err)
            self._steps.append("failed")
            return False
        self._error = None
        self.runs += 1
        self._history.append(self._grads())
        self._steps.append("backward")
        return True

    def _grads(self) -> dict[str, float | None]:
        return {
            name: (None if leaf.grad is None else float(np.asarray(leaf.grad.data).reshape(-1)[0]))
            for name, leaf in self.leaves.items()
        }

    def _saves(self) -> bool:
        trace = self._trace
        return trace is None or any(
            n.kind == "op" and n.op in OPS and OPS[n.op].saves for n in trace.nodes
        )

    # ----- words
    def _words(self, grads: Mapping[str, float | None]) -> tuple[str, str]:
        headline, words = self._what_happened(grads)
        if self._undefined():
            words = (
                "f has no value at this x, so these gradients mean nothing here (the graph "
                "says undefined); PyTorch computes them all the same. " + words
            )
        return headline, words

    def _undefined(self) -> bool:
        trace = self._trace
        return trace is not None and not np.isfinite(trace.node(trace.output).value).all()

    def _what_happened(self, grads: Mapping[str, float | None]) -> tuple[str, str]:
        shown = _grads_text(grads)
        chain = " → ".join(_num(h.get("x")) for h in self._history)
        if self._error is not None:
            return self._error_words(grads)
        if self._zeroed:
            return (
                f"zero_grad(): {shown}",
                "Every leaf's .grad is None again (optimizer.zero_grad() sets them to None), "
                "so the next backward starts from nothing. " + WHY_ACCUMULATES,
            )
        if self.runs <= 1:
            keep = "retain_graph=True keeps" if self.retain_graph else "it frees"
            return (
                f"One backward pass: {shown}",
                f"This is the backward the graph shows; {keep} the values ops saved. Run "
                "backward again to see what a second call on the same graph does.",
            )
        if not self.retain_graph:
            how = (
                "No error: this graph saved no values (only additions, subtractions and "
                "negations, whose backward needs none), so there was nothing to free and "
                "PyTorch runs backward through it again."
            )
        else:
            how = "retain_graph=True kept the saved values, so backward ran again."
        return (
            f"{self.runs} backward passes on one graph: {shown}   (x.grad: {chain})",
            f"{how} Each pass adds its gradient to what .grad already holds. {WHY_ACCUMULATES}",
        )

    def _error_words(self, grads: Mapping[str, float | None]) -> tuple[str, str]:
        assert self._error is not None
        if "does not require grad" in self._error:
            return (
                f"RuntimeError: {self._error}",
                "f is a constant here: nothing in its graph needs a gradient, so PyTorch has "
                "no backward to run.",
            )
        return (
            f"RuntimeError: {self._error}",
            f"The first backward freed the values the ops saved, so the second cannot run "
            f"(.grad stays as it was: {_grads_text(grads)}). {WHY_FREED} Turn on "
            "retain graph to keep them: then each backward adds to .grad.",
        )

    # ----- the picture
    def _leaf_ids(self) -> dict[str, int]:
        if self._trace is None:
            return {}
        return {n.label: n.id for n in self._trace.nodes if n.kind == "input"}

    def _frame(self, grads: Mapping[str, float | None]) -> StepFrame:
        """The graph with each leaf's accumulated .grad (op nodes: one pass's gradients)."""
        trace = self._trace
        if trace is None:
            return StepFrame(BACKWARD, -1, 0, None, {}, None, frozenset(), {}, "", "")
        ids = self._leaf_ids()
        known = {n.id: n.grad for n in trace.nodes if n.grad is not None and n.kind != "input"}
        badges: dict[int, str] = {}
        for name, node_id in ids.items():
            if grads.get(name) is not None:
                known[node_id] = np.float64(math.nan if self._undefined() else grads[name])
            if self.runs > 1:  # the sum of several passes: say so on the box
                badges[node_id] = f"{self.runs} runs"
        if self.freed:
            for n in trace.nodes:
                if n.kind == "op" and n.op in OPS and OPS[n.op].saves:
                    badges[n.id] = "freed"
        names = NodeNames(trace)
        headline, words = self._words(grads)
        return StepFrame(
            mode=BACKWARD,
            position=-1,
            count=0,
            current=None,
            known_grads=known,
            known_values=None,
            edges=frozenset(),
            names={n.id: names[n.id] for n in trace.nodes},
            formula=headline,
            explanation=words,
            second_caption="grad",
            badges=badges,
        )


def _num(value: float | None) -> str:
    if value is None:
        return "None"
    return formatting.grouped(value) if math.isfinite(value) else formatting.UNDEFINED


def _grads_text(grads: Mapping[str, float | None]) -> str:
    return ", ".join(f"{name}.grad = {_num(v)}" for name, v in grads.items())
