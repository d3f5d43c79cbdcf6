"""What the graph view draws of a trace: boxes and arrows, where a whole subexpression may be
one box and an input used many times may be drawn once per use. Qt-free (tested alone).

A subexpression is the part of the graph that only feeds the rest through one node: the nodes
that node post-dominates (every path from them to the output goes through it). Collapsed, it is
one box showing that node's value and gradient; the arrows into it carry the local derivative
of the whole subexpression, summed over its inner paths from the recorded local derivatives
(the chain rule, as backward itself does). An input used outside the box keeps its own box,
with an arrow into the box saying the subexpression uses it; an input used only inside one
collapsed box (a parameter private to it) is drawn inside that box, unless it is kept (the
step-through's seed or descent's target: _fold_private_inputs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gradexplorer.autograd.trace import BackwardTrace

# An input used by at least this many boxes is drawn beside each of them (marked as the same
# input): one x feeding a dozen ops from column 0 is a fan of long crossing arrows.
COPY_USES = 3


@dataclass(frozen=True)
class DisplayNode:
    """One box. ``key`` is the trace node it shows (a group's root for a group); ``members``
    all the trace nodes inside it; ``copy`` / ``copies`` number the boxes of one input drawn
    once per use."""

    key: int
    kind: str  # "input", "const", "op", "output" or "group"
    members: frozenset[int]
    copy: int = 0
    copies: int = 1


@dataclass(frozen=True)
class DisplayEdge:
    """An arrow from box ``src`` to box ``dst`` (indices into DisplayGraph.nodes).

    ``trace_edges`` are the positions in trace.edges of the recorded edges it stands for (one,
    unless it enters a group). Positions, not edges: a new trace of the same structure (x moved)
    has its edges at the same positions, so the numbers are read again without rebuilding.
    For an arrow into a group, ``inner`` are the group's own edges, consumers first, and
    ``root`` the group's root: its local derivative is the whole subexpression's (see
    ``numbers``)."""

    src: int
    dst: int
    arg_index: int
    trace_edges: tuple[int, ...]
    root: int | None = None
    inner: tuple[int, ...] = ()


@dataclass(frozen=True)
class DisplayGraph:
    nodes: tuple[DisplayNode, ...]
    edges: tuple[DisplayEdge, ...]

    def index_of(self, trace_id: int) -> int | None:
        """The box that shows a trace node (the first copy for an input)."""
        for i, n in enumerate(self.nodes):
            if trace_id in n.members:
                return i
        return None


def post_dominators(trace: BackwardTrace) -> dict[int, int | None]:
    """The immediate post-dominator of every node (None for the output): the nearest node
    that every path from it to the output passes through."""
    consumers: dict[int, list[int]] = {n.id: [] for n in trace.nodes}
    for e in trace.edges:
        consumers[e.src].append(e.dst)
    ipdom: dict[int, int | None] = {trace.output: None}
    depth = {trace.output: 0}

    def meet(a: int, b: int) -> int:
        while a != b:
            if depth[a] < depth[b]:
                a, b = b, a
            a = ipdom[a]  # type: ignore[assignment]
        return a

    # reverse forward order: every consumer (newer) is done before its inputs
    for node in sorted(trace.nodes, key=lambda n: n.forward_order, reverse=True):
        if node.id == trace.output:
            continue
        cs = [c for c in consumers[node.id] if c in ipdom]
        if not cs:  # unreachable from the output: treat as hanging off it
            ipdom[node.id], depth[node.id] = trace.output, 1
            continue
        d = cs[0]
        for c in cs[1:]:
            d = meet(d, c)
        ipdom[node.id], depth[node.id] = d, depth[d] + 1
    return ipdom


def subexpressions(trace: BackwardTrace) -> dict[int, frozenset[int]]:
    """Every op node's subexpression: itself and what it post-dominates, inputs left out."""
    ipdom = post_dominators(trace)
    kind = {n.id: n.kind for n in trace.nodes}
    owned: dict[int, set[int]] = {n.id: {n.id} for n in trace.nodes if n.kind == "op"}
    for node_id in ipdom:
        if kind[node_id] == "input":
            continue
        up = ipdom[node_id]
        while up is not None:
            if up in owned:
                owned[up].add(node_id)
            up = ipdom[up]
    return {root: frozenset(members) for root, members in owned.items()}


def opened_one_level(
    collapsed: frozenset[int],
    root: int,
    groups: dict[int, frozenset[int]],
    depth: dict[int, int],
) -> frozenset[int]:
    """collapsed with the box of root opened by one level: its own subexpressions one level
    down stay collapsed (groups from subexpressions, depth from depths)."""
    inner = frozenset(
        r
        for r in groups[root]
        if r != root and depth[r] == depth[root] + 1 and len(groups.get(r, ())) > 1
    )
    return (collapsed - {root}) | inner


def depths(trace: BackwardTrace) -> dict[int, int]:
    """Depth of every node in the post-dominator tree (the output is 0)."""
    ipdom = post_dominators(trace)
    out: dict[int, int] = {}
    for node_id in ipdom:
        d, up = 0, ipdom[node_id]
        while up is not None:
            d, up = d + 1, ipdom[up]
        out[node_id] = d
    return out


def collapse_at(trace: BackwardTrace, level: int) -> frozenset[int]:
    """Collapse every subexpression (of two nodes or more) rooted at this post-dominator depth:
    what is at most `level` deep stays open."""
    groups = subexpressions(trace)
    d = depths(trace)
    return frozenset(
        root
        for root, members in groups.items()
        if d[root] == level and len(members) > 1 and root != trace.output
    )


def numbers(trace: BackwardTrace, edge: DisplayEdge) -> tuple[Any, Any]:
    """(local, contribution) of an arrow in this trace: the recorded ones for a plain edge; for
    an arrow into a group, ∂root/∂source summed over every inner path, and grad(root) × it (in
    a forward trace: it × the source's tangent, what the arrow adds to the root's tangent)."""
    edges = trace.edges
    if edge.root is None:
        e = edges[edge.trace_edges[0]]
        return e.local, e.contribution
    below: dict[int, Any] = {edge.root: 1.0}
    for k in edge.inner:
        e = edges[k]
        if e.dst in below and e.local is not None:
            below[e.src] = below.get(e.src, 0.0) + e.local * below[e.dst]
    local: Any = None
    for k in edge.trace_edges:
        e = edges[k]
        if e.local is not None and e.dst in below:
            part = e.local * below[e.dst]
            local = part if local is None else local + part
    if hasattr(trace.node(edge.root), "tangent"):  # forward mode: local × the input's tangent
        tangent = trace.node(edges[edge.trace_edges[0]].src).tangent
        contribution = None if local is None or tangent is None else local * tangent
        return local, contribution
    grad = trace.node(edge.root).grad
    contribution = None if local is None or grad is None else grad * local
    return local, contribution


def build(
    trace: BackwardTrace, collapsed: Iterable[int] = (), keep: Iterable[int] = ()
) -> DisplayGraph:
    """The boxes and arrows of a trace with the given subexpressions collapsed (a nested
    collapsed root inside another collapsed group is simply inside it). The inputs in ``keep``
    (forward mode's seed) are never folded into a box."""
    groups = subexpressions(trace)
    roots = [r for r in collapsed if r in groups and r != trace.output]
    hidden: dict[int, int] = {}  # trace id -> the collapsed root whose box shows it
    for r in sorted(roots, key=lambda r: -len(groups[r])):  # outermost first
        if r in hidden:
            continue
        for m in groups[r]:
            hidden.setdefault(m, r)
    box_of: dict[int, int] = {}
    nodes: list[DisplayNode] = []
    for n in sorted(trace.nodes, key=lambda n: n.forward_order):
        owner = hidden.get(n.id)
        if owner is not None and owner != n.id:
            continue
        if owner == n.id:
            kind = "group"
            members = groups[n.id]
        else:
            kind = "output" if n.is_output else n.kind
            members = frozenset({n.id})
        box_of[n.id] = len(nodes)
        nodes.append(DisplayNode(n.id, kind, members))
    for m, r in hidden.items():
        box_of[m] = box_of[r]
    nodes = _fold_private_inputs(trace, nodes, box_of, frozenset(keep))
    edges = _edges(trace, nodes, box_of, groups)
    return _copy_inputs(DisplayGraph(tuple(nodes), tuple(edges)))


def _fold_private_inputs(
    trace, nodes: list[DisplayNode], box_of: dict[int, int], keep: frozenset[int]
) -> list:
    """An input used only inside one collapsed box is drawn inside it: a parameter that only
    that subexpression uses adds a box and no information to the overview. Renumbers boxes."""
    users: dict[int, set[int]] = {}
    for e in trace.edges:
        if nodes[box_of[e.src]].kind == "input":
            users.setdefault(e.src, set()).add(box_of[e.dst])
    folded: dict[int, int] = {}  # input trace id -> its group's box
    for src, boxes in users.items():
        (only,) = boxes if len(boxes) == 1 else (None,)
        if only is not None and nodes[only].kind == "group" and src not in keep:
            folded[src] = only
    if not folded:
        return nodes
    extra: dict[int, set[int]] = {}
    for src, box in folded.items():
        extra.setdefault(box, set()).add(src)
    kept = [i for i, n in enumerate(nodes) if not (n.kind == "input" and n.key in folded)]
    renumber = {old: new for new, old in enumerate(kept)}
    for trace_id, box in list(box_of.items()):
        box = folded.get(trace_id, box)
        box_of[trace_id] = renumber[box]
    return [
        DisplayNode(n.key, n.kind, n.members | extra.get(i, set()), n.copy, n.copies)
        for i, n in enumerate(nodes)
        if i in renumber
    ]


def _edges(trace, nodes, box_of, groups) -> list[DisplayEdge]:
    out: list[DisplayEdge] = []
    into_group: dict[tuple[int, int], list[int]] = {}
    for k, e in enumerate(trace.edges):
        s, d = box_of[e.src], box_of[e.dst]
        if s == d:
            continue  # inside one collapsed box
        if nodes[d].kind != "group":
            out.append(DisplayEdge(s, d, e.arg_index, (k,)))
        else:
            into_group.setdefault((s, d), []).append(k)
    order = {n.id: n.forward_order for n in trace.nodes}
    for (s, d), ks in into_group.items():
        root = nodes[d].key
        members = groups[root]
        inner = [k for k, e in enumerate(trace.edges) if e.src in members and e.dst in members]
        inner.sort(key=lambda k: -order[trace.edges[k].dst])  # a node's uses before its inputs
        arg = min(trace.edges[k].arg_index for k in ks)
        out.append(DisplayEdge(s, d, arg, tuple(ks), root, tuple(inner)))
    return out


def _copy_inputs(g: DisplayGraph) -> DisplayGraph:
    """An input with COPY_USES boxes or more using it gets one box per use."""
    uses: dict[int, list[int]] = {}
    for k, e in enumerate(g.edges):
        if g.nodes[e.src].kind == "input":
            uses.setdefault(e.src, []).append(k)
    copied = {src: ks for src, ks in uses.items() if len({g.edges[k].dst for k in ks}) >= COPY_USES}
    if not copied:
        return g
    nodes: list[DisplayNode] = []
    new_index: dict[int, int] = {}
    edge_src: dict[int, int] = {}
    for i, n in enumerate(g.nodes):
        if i not in copied:
            new_index[i] = len(nodes)
            nodes.append(n)
            continue
        for c, k in enumerate(copied[i]):
            edge_src[k] = len(nodes)
            nodes.append(DisplayNode(n.key, n.kind, n.members, c, len(copied[i])))
    edges = tuple(
        DisplayEdge(
            edge_src.get(k, new_index.get(e.src, 0)),
            new_index[e.dst],
            e.arg_index,
            e.trace_edges,
            e.root,
            e.inner,
        )
        for k, e in enumerate(g.edges)
    )
    return DisplayGraph(
        tuple(nodes), edges
    )  # copies stand where the input stood: still sources first


MAX_TITLE = 16  # characters of a collapsed box's formula (the whole one is in its tooltip): at 22
# the title made a group box twice as wide as its numbers, and a long sum opened as 4 boxes
_INFIX = {"add", "sub", "mul", "div", "pow"}
_TIGHT = {"mul": 2, "div": 2, "add": 1, "sub": 1, "pow": 3}


# A node used twice appears twice in its consumers' formulas, so with definitions (b = b + b
# 28 times fits in 500 characters) the text would double per level: it is cut beyond this.
FORMULA_CAP = 400


def formula(trace: BackwardTrace, root: int) -> str:
    """The subexpression under a node as a formula of the trace's labels: "sin(a × x)" (cut
    with "…" after FORMULA_CAP characters); a value the function defined by name reads as
    that name, and a defined root as its definition: "u = x + x"."""
    by_id = {n.id: n for n in trace.nodes}
    names = trace.names
    texts: dict[int, tuple[str, int]] = {}  # node id -> (text, precedence)
    for n in sorted(trace.nodes, key=lambda n: n.forward_order):
        if not n.parents:
            texts[n.id] = (n.label, 9)
            continue
        args = [texts[p] for p in n.parents]
        if n.op in _INFIX and len(args) == 2:
            prec = _TIGHT[n.op]
            left = args[0][0] if args[0][1] >= prec else f"({args[0][0]})"
            right = args[1][0] if args[1][1] > prec else f"({args[1][0]})"
            texts[n.id] = (
                f"{left}{n.label}{right}" if n.op == "pow" else f"{left} {n.label} {right}",
                prec,
            )
        elif n.op == "neg":
            texts[n.id] = (f"−{args[0][0]}" if args[0][1] >= 3 else f"−({args[0][0]})", 3)
        elif n.op == "abs":
            texts[n.id] = (f"|{args[0][0]}|", 9)
        else:
            texts[n.id] = (f"{n.label}({', '.join(a for a, _ in args)})", 9)
        if len(texts[n.id][0]) > FORMULA_CAP:
            texts[n.id] = (texts[n.id][0][: FORMULA_CAP - 1] + "…", 9)
        if n.id != root and n.id in names:
            texts[n.id] = (names[n.id], 9)  # a defined value reads as its name, as it was typed
    if root not in by_id:
        return ""
    text = texts[root][0]
    return f"{names[root]} = {text}" if root in names else text


def elide(text: str, limit: int = MAX_TITLE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
