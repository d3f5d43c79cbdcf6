"""Step-through sequencing of a recorded forward and backward pass.

Both steppers read only a :class:`~gradexplorer.autograd.trace.BackwardTrace`, so what a student
sees is exactly what the engine did. A stepper is a cursor over a list of steps: ``position`` is
-1 before the first step (nothing shown yet) and ``len(steps) - 1`` at the end.

Tangents (forward-mode AD): :class:`TangentStepper` reads a
:class:`~gradexplorer.autograd.trace.ForwardTrace`: one step per input (its seed, 1 or 0) and per
operation, in forward order; at each the value and the tangent v̇ appear together, the tangent by
the sum rule v̇ = Σ local × input v̇, one term per input that carries a tangent.

Backward: one step per node that backward visited, in the engine's real visit order
(``backward_order``). At a node's step its gradient is final: every consumer has already been
visited, and the step shows each consumer's contribution (upstream gradient × local derivative)
and, for a node used more than once, their sum. Gradients of nodes whose step has not come yet
are absent from :meth:`BackwardStepper.known_grads` — a UI must say "not computed yet" rather
than show 0, because 0 is a real gradient.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from gradexplorer import formatting
from gradexplorer.autograd.trace import (
    BackwardTrace,
    ForwardEdge,
    ForwardNode,
    ForwardTrace,
    TraceEdge,
    TraceNode,
)

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_COUNT_WORDS = {2: "twice", 3: "three times", 4: "four times"}
_POSTFIX_START = ("^", "**", "²", "³")


def _wrap_negative(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


class NodeNames:
    """Short names for the nodes of a trace: inputs and constants keep their label, the output
    is y, a value the student named (``trace.names``: u in "u = x + x; ...") keeps that name,
    other intermediate results are u₁, u₂, … in forward order (v₁, v₂, … if the student's
    names use u)."""

    def __init__(self, trace: BackwardTrace | ForwardTrace) -> None:
        self._trace = trace
        defined = dict(getattr(trace, "names", {}) or {})
        labels = {n.label for n in trace.nodes if n.kind != "op"} | set(defined.values())
        output_name = next(c for c in ("y", "f", "out", "result") if c not in labels)
        taken = {name.rstrip("₀₁₂₃₄₅₆₇₈₉") for name in defined.values()}
        prefix = next((c for c in "uvwtsqrpk" if c not in taken), "n")
        self._names: dict[int, str] = {}
        counter = 0
        for node in sorted(trace.nodes, key=lambda n: n.forward_order):
            if node.id == trace.output:
                self._names[node.id] = node.label if node.kind != "op" else output_name
            elif node.id in defined:
                self._names[node.id] = defined[node.id]
            elif node.kind != "op":
                self._names[node.id] = node.label
            else:
                counter += 1
                self._names[node.id] = prefix + str(counter).translate(_SUBSCRIPTS)
        self.output = self._names[trace.output]

    def __getitem__(self, node_id: int) -> str:
        return self._names[node_id]

    def dotted(self, node_id: int) -> str:
        """The name with a dot over its first letter, as tangents are written: ẋ, u̇₁, ẏ."""
        name = self[node_id]
        # NFC: a precomposed letter where Unicode has one (ẋ, ẏ, ȧ), a combining dot elsewhere (u̇)
        return unicodedata.normalize("NFC", name[0] + "\u0307" + name[1:])

    def formula(self, node: TraceNode, show: Callable[[TraceNode], str] | None = None) -> str:
        """The node as an operation on its inputs ("x × x", "sin(u₁)"), with each input written
        by ``show`` (its name by default). Negative numbers get parentheses where an operator
        would otherwise touch them ("2.000 × (-1.000)"), not inside a function's own."""
        show = show or (lambda n: self[n.id])
        plain = [show(self._trace.node(p)) for p in node.parents]
        args = [_wrap_negative(a) for a in plain]
        label = node.label
        if len(args) == 2:
            return f"{args[0]} {label} {args[1]}"
        if len(args) == 1:
            if node.op == "neg":
                return f"-{args[0]}"
            if node.op == "abs":
                return f"|{plain[0]}|"
            if label.startswith(_POSTFIX_START):
                return f"{args[0]}{label}"
            return f"{label}({plain[0]})"
        return f"{label}({', '.join(plain)})"


T = TypeVar("T")


class _Cursor(Generic[T]):
    """next/prev/seek/reset over a list of steps; position -1 means before the first step."""

    def __init__(self, steps: Sequence[T]) -> None:
        self.steps: list[T] = list(steps)
        self.position = -1

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def current(self) -> T | None:
        return self.steps[self.position] if self.position >= 0 else None

    @property
    def at_start(self) -> bool:
        return self.position < 0

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.steps) - 1

    def next(self) -> T | None:
        """Advance one step and return it; at the end, stay there and return None."""
        if self.at_end:
            return None
        self.position += 1
        return self.current

    def prev(self) -> T | None:
        """Go back one step and return the new current step (None when back before the start)."""
        if self.position >= 0:
            self.position -= 1
        return self.current

    def seek(self, position: int) -> T | None:
        """Jump to a step, clamped to -1 .. len-1 (a UI slider never needs to range-check)."""
        self.position = min(max(int(position), -1), len(self.steps) - 1)
        return self.current

    def reset(self) -> None:
        self.position = -1

    def _resolve(self, step_index: int | None) -> int:
        index = self.position if step_index is None else int(step_index)
        return min(max(index, -1), len(self.steps) - 1)


# --------------------------------------------------------------------------------------------
# Backward


@dataclass(frozen=True)
class Contribution:
    """What one use of a node adds to its gradient: upstream × local = product."""

    edge: TraceEdge
    consumer: TraceNode  # the op that used the node (edge.dst)
    consumer_name: str
    upstream: np.ndarray  # gradient of the consumer, d output / d consumer
    local: np.ndarray  # d consumer / d node
    product: np.ndarray  # upstream × local, the edge's contribution


@dataclass(frozen=True)
class BackwardStep:
    index: int
    node: TraceNode
    name: str
    grad: np.ndarray | None
    contributions: tuple[Contribution, ...]  # in the order backward delivered them
    formula: str  # one line: ∂y/∂x = ∂y/∂u · ∂u/∂x = 1.000 × 4.000 = 4.000
    explanation: str  # in words, for students

    @property
    def edges(self) -> tuple[TraceEdge, ...]:
        """The edges to highlight at this step."""
        return tuple(c.edge for c in self.contributions)


class BackwardStepper(_Cursor[BackwardStep]):
    def __init__(self, trace: BackwardTrace, digits: int = 3) -> None:
        self.trace = trace
        self.names = NodeNames(trace)
        self._digits = digits
        super().__init__([self._make_step(i, n) for i, n in enumerate(trace.backward_sequence())])

    def known_grads(self, step_index: int | None = None) -> dict[int, np.ndarray]:
        """Gradients computed up to and including ``step_index`` (default: the current step).
        Nodes not computed yet are absent."""
        upto = self._resolve(step_index)
        return {s.node.id: s.grad for s in self.steps[: upto + 1] if s.grad is not None}

    def grad_text(self, node_id: int, step_index: int | None = None) -> str:
        """A node's gradient as text at a step, "not computed yet" before its step."""
        return formatting.step(self.known_grads(step_index).get(node_id), self._digits)

    def _make_step(self, index: int, node: TraceNode) -> BackwardStep:
        fmt = self._fmt
        name = self.names[node.id]
        y = self.names.output
        contributions = self._contributions(node)
        if node.is_output:
            formula = f"∂{y}/∂{y} = {fmt(node.grad)}"
            explanation = (
                f"Backward starts at the output {y}: ∂{y}/∂{y} = {fmt(node.grad)}, "
                f"since a change in {y} changes {y} by the same amount."
            )
        elif not contributions:
            formula = f"∂{y}/∂{name} = {fmt(node.grad)}"
            explanation = (
                f"{name} receives no gradient from any use: ∂{y}/∂{name} = {fmt(node.grad)}."
            )
        else:
            symbolic = " + ".join(
                f"∂{y}/∂{c.consumer_name} · ∂{c.consumer_name}/∂{name}" for c in contributions
            )
            numeric = " + ".join(
                f"{_wrap_negative(fmt(c.upstream))} × {_wrap_negative(fmt(c.local))}"
                for c in contributions
            )
            formula = f"∂{y}/∂{name} = {symbolic} = {numeric}"
            if len(contributions) == 1:
                formula += f" = {fmt(node.grad)}"
            else:
                products = " + ".join(_wrap_negative(fmt(c.product)) for c in contributions)
                formula += f" = {products} = {fmt(node.grad)}"
            explanation = self._explain(node, name, contributions)
        return BackwardStep(
            index=index,
            node=node,
            name=name,
            grad=node.grad,
            contributions=tuple(contributions),
            formula=formula,
            explanation=explanation,
        )

    def _contributions(self, node: TraceNode) -> list[Contribution]:
        result = []
        for edge in self.trace.edges_into(node.id):
            consumer = self.trace.node(edge.dst)
            if edge.contribution is None or edge.local is None or consumer.grad is None:
                continue
            result.append(
                Contribution(
                    edge=edge,
                    consumer=consumer,
                    consumer_name=self.names[consumer.id],
                    upstream=consumer.grad,
                    local=edge.local,
                    product=edge.contribution,
                )
            )
        # The order in which backward delivered them: consumers are visited before the node.
        big = len(self.trace.nodes) + 1
        result.sort(
            key=lambda c: (
                big if c.consumer.backward_order is None else c.consumer.backward_order,
                c.edge.arg_index,
            )
        )
        return result

    def _explain(self, node: TraceNode, name: str, contributions: list[Contribution]) -> str:
        fmt = self._fmt
        y = self.names.output
        lines = []
        for c in contributions:
            role = f"{c.consumer_name} = {self.names.formula(c.consumer)}"
            lines.append(
                f"through {role}: upstream ∂{y}/∂{c.consumer_name} = {fmt(c.upstream)} × "
                f"local ∂{c.consumer_name}/∂{name} = {fmt(c.local)} gives {fmt(c.product)}"
            )
        if len(contributions) == 1:
            return f"Chain rule for {name}, {lines[0]}, so ∂{y}/∂{name} = {fmt(node.grad)}."
        count = _COUNT_WORDS.get(len(contributions), f"{len(contributions)} times")
        total = " + ".join(_wrap_negative(fmt(c.product)) for c in contributions)
        return (
            f"{name} is used {count}, so its gradient is the sum of one contribution per use:\n"
            + "\n".join(f"  • {line}" for line in lines)
            + f"\nSum over the uses: ∂{y}/∂{name} = {total} = {fmt(node.grad)}."
        )

    def _fmt(self, v: object) -> str:
        return formatting.step(v, self._digits)


# --------------------------------------------------------------------------------------------
# Forward


@dataclass(frozen=True)
class ForwardStep:
    index: int
    node: TraceNode
    name: str
    value: np.ndarray
    inputs: tuple[TraceNode, ...]
    formula: str  # u₁ = x × x = 2.000 × 2.000 = 4.000
    explanation: str


class ForwardStepper(_Cursor[ForwardStep]):
    """Values appearing from the inputs to the output, in forward order.

    With ``skip_leaves=True`` the inputs and constants are known from the start and only the
    operations are stepped through (less clicking in a lecture).
    """

    def __init__(self, trace: BackwardTrace, *, skip_leaves: bool = False, digits: int = 3):
        self.trace = trace
        self.names = NodeNames(trace)
        self._digits = digits
        ordered = sorted(trace.nodes, key=lambda n: n.forward_order)
        self.given = tuple(n for n in ordered if skip_leaves and n.kind != "op")
        stepped = [n for n in ordered if not (skip_leaves and n.kind != "op")]
        super().__init__([self._make_step(i, n) for i, n in enumerate(stepped)])

    def known_values(self, step_index: int | None = None) -> dict[int, np.ndarray]:
        """Values shown up to and including ``step_index`` (default: the current step)."""
        upto = self._resolve(step_index)
        known = {n.id: n.value for n in self.given}
        known.update({s.node.id: s.value for s in self.steps[: upto + 1]})
        return known

    def _make_step(self, index: int, node: TraceNode) -> ForwardStep:
        fmt = lambda v: formatting.step(v, self._digits)  # noqa: E731
        name = self.names[node.id]
        inputs = tuple(self.trace.node(p) for p in node.parents)
        if node.kind == "input":
            formula = f"{name} = {fmt(node.value)}"
            explanation = f"{name} is an input: its value {fmt(node.value)} is given."
        elif node.kind == "const":
            formula = f"{name} (constant)" if _is_number(name) else f"{name} = {fmt(node.value)}"
            explanation = f"{name} is a constant: it needs no gradient."
        else:
            symbolic = self.names.formula(node)
            numeric = self.names.formula(node, lambda n: fmt(n.value))
            formula = f"{name} = {symbolic} = {numeric} = {fmt(node.value)}"
            explanation = (
                f"{name} is computed from {', '.join(self.names[n.id] for n in inputs)}, "
                f"whose values are known: {name} = {fmt(node.value)}."
            )
            if node.is_output:
                explanation += " This is the output."
        return ForwardStep(index, node, name, node.value, inputs, formula, explanation)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Tangents (forward-mode AD)


@dataclass(frozen=True)
class TangentTerm:
    """One term of the sum rule: what an input's tangent adds to the op's tangent."""

    edge: ForwardEdge
    source: ForwardNode  # the input (edge.src)
    source_name: str
    local: np.ndarray  # d op / d input
    tangent: np.ndarray  # the input's v̇
    product: np.ndarray  # local × v̇, the edge's contribution


@dataclass(frozen=True)
class TangentStep:
    index: int
    node: ForwardNode
    name: str
    value: np.ndarray
    tangent: np.ndarray
    terms: tuple[TangentTerm, ...]  # in argument order; inputs without a tangent have none
    formula: str  # u̇₁ = ∂u₁/∂x · ẋ + ∂u₁/∂x · ẋ = 2.000 × 1.000 + 2.000 × 1.000 = 4.000
    explanation: str

    @property
    def edges(self) -> tuple[ForwardEdge, ...]:
        return tuple(t.edge for t in self.terms)


class TangentStepper(_Cursor[TangentStep]):
    """A forward-mode pass: the seeded inputs first, then every op, each with its value and its
    tangent. Constants are known from the start and carry no tangent."""

    def __init__(self, trace: ForwardTrace, digits: int = 3) -> None:
        self.trace = trace
        self.names = NodeNames(trace)
        self._digits = digits
        self.given = tuple(n for n in trace.nodes if n.kind == "const")
        steps = [self._make_step(i, n) for i, n in enumerate(trace.forward_sequence())]
        super().__init__(steps)

    @property
    def seed(self) -> str | None:
        return self.trace.seed

    def known_values(self, step_index: int | None = None) -> dict[int, np.ndarray]:
        """Values known up to ``step_index``: constants and inputs from the start, each op's
        from its step on."""
        upto = self._resolve(step_index)
        known = {n.id: n.value for n in self.trace.nodes if n.kind != "op"}
        known.update({s.node.id: s.value for s in self.steps[: upto + 1]})
        return known

    def known_tangents(self, step_index: int | None = None) -> dict[int, np.ndarray]:
        """Tangents computed up to ``step_index``; absent = not computed yet."""
        upto = self._resolve(step_index)
        return {s.node.id: s.tangent for s in self.steps[: upto + 1]}

    def _fmt(self, v: object) -> str:
        return formatting.step(v, self._digits)

    def _make_step(self, index: int, node: ForwardNode) -> TangentStep:
        name, dot = self.names[node.id], self.names.dotted(node.id)
        fmt = self._fmt
        terms = self._terms(node)
        if node.kind == "input":
            formula = f"{dot} = {fmt(node.tangent)}"
            explanation = self._seed_words(node, name, dot)
        else:
            symbolic = " + ".join(
                f"∂{name}/∂{t.source_name} · {self.names.dotted(t.source.id)}" for t in terms
            )
            numeric = " + ".join(
                f"{_wrap_negative(fmt(t.local))} × {_wrap_negative(fmt(t.tangent))}" for t in terms
            )
            formula = f"{dot} = {symbolic} = {numeric}"
            if len(terms) > 1:
                formula += " = " + " + ".join(_wrap_negative(fmt(t.product)) for t in terms)
            formula += f" = {fmt(node.tangent)}"
            explanation = self._op_words(node, name, dot, terms)
        return TangentStep(
            index, node, name, node.value, node.tangent, tuple(terms), formula, explanation
        )

    def _terms(self, node: ForwardNode) -> list[TangentTerm]:
        terms = []
        for edge in self.trace.edges_from_parents(node.id):
            source = self.trace.node(edge.src)
            if edge.local is None or edge.contribution is None or source.tangent is None:
                continue
            terms.append(
                TangentTerm(
                    edge,
                    source,
                    self.names[source.id],
                    edge.local,
                    source.tangent,
                    edge.contribution,
                )
            )
        return terms

    def _seed_words(self, node: ForwardNode, name: str, dot: str) -> str:
        fmt = self._fmt
        if self.seed is not None and node.label == self.seed:
            return (
                f"{name} = {fmt(node.value)} is the seed: {dot} = {fmt(node.tangent)}, since this "
                f"pass asks how every node changes when {name} changes."
            )
        if self.seed is not None:
            return (
                f"{name} = {fmt(node.value)} is an input, but not the seed: {dot} = "
                f"{fmt(node.tangent)}, so {name} adds nothing to this pass's tangents."
            )
        return f"{name} = {fmt(node.value)} is an input with tangent {dot} = {fmt(node.tangent)}."

    def _op_words(self, node: ForwardNode, name: str, dot: str, terms: list[TangentTerm]) -> str:
        fmt = self._fmt
        value = self.names.formula(node, lambda n: fmt(n.value))
        head = f"{name} = {self.names.formula(node)} = {value} = {fmt(node.value)}"
        constants = [self.names[p] for p in node.parents if self.trace.node(p).tangent is None]
        lines = [
            f"through {t.source_name}: local ∂{name}/∂{t.source_name} = {fmt(t.local)} × "
            f"{self.names.dotted(t.source.id)} = {fmt(t.tangent)} gives {fmt(t.product)}"
            for t in terms
        ]
        if len(terms) == 1:
            words = (
                f"{head}, and its tangent by the chain rule, {lines[0]}, so {dot} = "
                f"{fmt(node.tangent)}."
            )
        else:
            total = " + ".join(_wrap_negative(fmt(t.product)) for t in terms)
            words = (
                f"{head}. Its tangent is the sum of one term per input, local derivative × the "
                "input's tangent:\n"
                + "\n".join(f"  • {line}" for line in lines)
                + f"\nSum: {dot} = {total} = {fmt(node.tangent)}."
            )
        if constants:
            words += f" ({', '.join(dict.fromkeys(constants))}: constant, no tangent, no term.)"
        if node.is_output:
            words += " This is the output."
        return words
