"""The traces: what a backward pass and a forward-mode pass did, as plain data.

The graph view, the step-through animation and the CLI's graph export all read these
structures; none of them reaches into engine internals. A ForwardTrace has the same nodes and
edges, in the same order, as the BackwardTrace of the same function at the same point, so a view
can draw either on one layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

NodeKind = Literal["input", "const", "op"]

# Nodes and edges are named tuples, not frozen dataclasses: immutable alike, but a frozen
# dataclass's __init__ sets each field through object.__setattr__, and the app records 150
# nodes and 260 edges on every x step (0.5 ms as dataclasses, 0.08 ms as tuples).


class TraceNode(NamedTuple):
    """One tensor of the graph.

    kind: "input" for a leaf that requires grad (x, a parameter), "const" for anything that
    does not require grad (a number, a constant), "op" for the result of an operation.
    value: forward value; grad: d(output)/d(this node) or None when backward never reached it
    (arrays copied for the trace, or numpy scalars, which are immutable, for a scalar graph).
    parents: ids of the op's inputs, in argument order. forward_order: position in a
    topological order from inputs to output. backward_order: the order in which backward
    visited the node (0 = the output), None when it was not visited.
    """

    id: int
    op: str
    label: str
    kind: NodeKind
    value: np.ndarray
    grad: np.ndarray | None
    parents: tuple[int, ...]
    forward_order: int
    backward_order: int | None
    is_output: bool = False

    @property
    def requires_grad(self) -> bool:
        return self.kind != "const"


class TraceEdge(NamedTuple):
    """Edge from an op's input (src) to the op's result (dst).

    local: the local derivative d(dst)/d(src) (the vector-Jacobian product with ones, which
    for scalars is exactly the partial derivative). contribution: upstream grad of dst times
    local, i.e. what this edge adds to src's gradient. Both None when src needs no grad.
    """

    src: int
    dst: int
    arg_index: int
    local: np.ndarray | None
    contribution: np.ndarray | None


@dataclass(frozen=True)
class BackwardTrace:
    nodes: tuple[TraceNode, ...]  # in forward (topological) order, inputs first
    edges: tuple[TraceEdge, ...]
    output: int
    _by_id: dict[int, TraceNode] = field(default_factory=dict, compare=False, repr=False)
    # Display names that whoever built the graph gave some nodes (the expression language's
    # definitions: u in "u = x + x; u^2 + 3u"), by node id. The engine itself names nothing.
    names: Mapping[int, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({n.id: n for n in self.nodes})

    def node(self, node_id: int) -> TraceNode:
        return self._by_id[node_id]

    def backward_sequence(self) -> list[TraceNode]:
        """Nodes in the order backward visited them (output first)."""
        visited = [n for n in self.nodes if n.backward_order is not None]
        return sorted(visited, key=lambda n: n.backward_order)

    def edges_into(self, node_id: int) -> list[TraceEdge]:
        """Edges that carry gradient into node_id (edges whose src is node_id)."""
        return [e for e in self.edges if e.src == node_id]

    def edges_from_parents(self, node_id: int) -> list[TraceEdge]:
        """Edges from node_id's parents to node_id, in argument order."""
        return sorted((e for e in self.edges if e.dst == node_id), key=lambda e: e.arg_index)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; non-finite numbers become null (a node backward did not reach has
        backward_order null)."""
        return {
            "output": self.output,
            "nodes": [
                {
                    "id": n.id,
                    "op": n.op,
                    "label": n.label,
                    "kind": n.kind,
                    "value": to_jsonable(n.value),
                    "grad": to_jsonable(n.grad),
                    "parents": list(n.parents),
                    "forward_order": n.forward_order,
                    "backward_order": n.backward_order,
                    "is_output": n.is_output,
                }
                for n in self.nodes
            ],
            "edges": _edge_dicts(self.edges),
        }


class ForwardNode(NamedTuple):
    """One tensor of a forward-mode pass.

    kind: "input" for a dual tensor made with make_dual (x, a parameter), "const" for anything
    without a tangent (a number, a constant), "op" for the result of an operation on a tangent.
    value: the primal; tangent: d(this node)/dε along the seed direction (v̇), None for a const.
    """

    id: int
    op: str
    label: str
    kind: NodeKind
    value: np.ndarray
    tangent: np.ndarray | None
    parents: tuple[int, ...]
    forward_order: int
    is_output: bool = False


class ForwardEdge(TraceEdge):
    """Edge from an op's input (src) to the op's result (dst), in forward mode: the fields of a
    TraceEdge, read the other way round.

    local: d(dst)/d(src) (the tangent rule applied to a tangent of ones: for scalars the partial
    derivative); contribution: local × v̇(src), what this edge adds to v̇(dst). Both None when
    src carries no tangent (a constant).
    """

    __slots__ = ()


@dataclass(frozen=True)
class ForwardTrace:
    """A forward-mode pass: values and tangents appear together, from the inputs to the output.

    seed: the name of the input whose tangent was 1 (every other input had 0), None for a
    general tangent vector."""

    nodes: tuple[ForwardNode, ...]  # in forward (topological) order, inputs first
    edges: tuple[ForwardEdge, ...]
    output: int
    seed: str | None = None
    _by_id: dict[int, ForwardNode] = field(default_factory=dict, compare=False, repr=False)
    names: Mapping[int, str] = field(default_factory=dict, compare=False)  # as BackwardTrace's

    def __post_init__(self) -> None:
        self._by_id.update({n.id: n for n in self.nodes})

    def node(self, node_id: int) -> ForwardNode:
        return self._by_id[node_id]

    def edges_from_parents(self, node_id: int) -> list[ForwardEdge]:
        """Edges from node_id's parents to node_id, in argument order: the terms of its sum."""
        return sorted((e for e in self.edges if e.dst == node_id), key=lambda e: e.arg_index)

    def forward_sequence(self) -> list[ForwardNode]:
        """The nodes that carry a tangent, in the order the pass computed them."""
        return sorted((n for n in self.nodes if n.kind != "const"), key=lambda n: n.forward_order)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; non-finite numbers become "nan", "inf", "-inf"."""
        return {
            "mode": "forward",
            "seed": self.seed,
            "output": self.output,
            "nodes": [
                {
                    "id": n.id,
                    "op": n.op,
                    "label": n.label,
                    "kind": n.kind,
                    "value": to_jsonable(n.value),
                    "tangent": to_jsonable(n.tangent),
                    "parents": list(n.parents),
                    "forward_order": n.forward_order,
                    "is_output": n.is_output,
                }
                for n in self.nodes
            ],
            "edges": _edge_dicts(self.edges),
        }


def _edge_dicts(edges: tuple[TraceEdge, ...] | tuple[ForwardEdge, ...]) -> list[dict[str, Any]]:
    return [
        {
            "src": e.src,
            "dst": e.dst,
            "arg_index": e.arg_index,
            "local": to_jsonable(e.local),
            "contribution": to_jsonable(e.contribution),
        }
        for e in edges
    ]


def to_jsonable(value: Any) -> Any:
    """A number or array as JSON: floats stay floats; nan and ±inf, which JSON has no words
    for, become null (consumers read the reason beside them, as the app says "undefined")."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.ndim == 0:
        return _json_float(float(arr))
    return (
        [to_jsonable(v) for v in arr.tolist()]
        if arr.ndim > 1
        else [_json_float(v) for v in arr.tolist()]
    )


def _json_float(v: float) -> float | None:
    return v if math.isfinite(v) else None
