"""Layered layout of a backward trace: inputs on the left, the output on the right.

A small Sugiyama pipeline, Qt-free so it is testable on its own:
1. layers: every op as far right as its consumers allow (a long sum's terms beside their +);
   inputs in column 0; constants and per-use drawings of an input just left of their consumer
   (so `2` sits next to its `×`, not far off in column 0);
2. long edges are split by dummy nodes, one per column crossed;
3. crossing reduction: barycentric sweeps left→right and right→left, keeping the best order;
4. coordinates: each node pulled towards the mean row of its neighbours, keeping order and
   one row of separation.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

SWEEPS = 8


@dataclass(frozen=True)
class GraphLayout:
    layer: tuple[int, ...]  # column per real node (index in the input node list)
    row: tuple[float, ...]  # vertical position per real node, in rows
    edge_points: tuple[tuple[tuple[float, float], ...], ...]  # (column, row) waypoints per edge
    crossings: int
    n_layers: int


def layout_graph(
    n_nodes: int,
    edges: Sequence[tuple[int, int, int]],
    kinds: Sequence[str],
    sizes: Sequence[float] | None = None,
    dummy_size: float = 0.3,
) -> GraphLayout:
    """Lay out nodes 0..n-1 given in topological order; `edges` are (src, dst, arg_index).

    sizes: vertical extent of each node including its margin (default 1 = one row); a dummy
    (a long edge passing through a column) takes `dummy_size`, so long edges cost little height.
    Rows in the result are centre positions in the same unit.
    """
    layer = _layers(n_nodes, edges, kinds)
    n_layers = (max(layer) + 1) if n_nodes else 0
    g = _Virtual(layer, edges)
    layers, crossings = _reduce_crossings(g, n_layers)
    node_size = list(sizes) if sizes is not None else [1.0] * n_nodes

    def size(v: int) -> float:
        return node_size[v] if v < n_nodes else dummy_size

    row = _rows(g, layers, size)
    edge_points = tuple(tuple((float(g.layer[v]), row[v]) for v in chain) for chain in g.chains)
    return GraphLayout(
        layer=tuple(layer),
        row=tuple(row[v] for v in range(n_nodes)),
        edge_points=edge_points,
        crossings=crossings,
        n_layers=n_layers,
    )


def _layers(n_nodes: int, edges: Sequence[tuple[int, int, int]], kinds: Sequence[str]) -> list:
    """1. Columns counted back from the output: every op as far right as its consumers allow
    (as late as possible), so a term of a long sum sits beside the + it feeds instead of every
    leaf-level op piling up in column 1. Inputs take the first column; constants and the
    per-use drawings of a busy input ("copy") sit just left of their consumer."""
    preds: list[list[int]] = [[] for _ in range(n_nodes)]
    succs: list[list[int]] = [[] for _ in range(n_nodes)]
    for s, d, _ in edges:
        preds[d].append(s)
        succs[s].append(d)
    back = [0] * n_nodes  # columns from the right
    for v in range(n_nodes - 1, -1, -1):  # reverse topological order: consumers first
        if succs[v]:
            back[v] = 1 + max(back[d] for d in succs[v])
    deepest = max(back, default=0)
    layer = [deepest - b for b in back]
    for v in range(n_nodes):  # an op must stay right of every input it has
        for p in preds[v]:
            layer[v] = max(layer[v], layer[p] + 1)
    for v in range(n_nodes):
        if preds[v] or not succs[v]:
            continue
        if kinds[v] == "input":  # the inputs, every one, in the first column
            layer[v] = 0
        else:  # a constant, or one drawing of an input used many times
            layer[v] = max(0, min(layer[d] for d in succs[v]) - 1)
    return layer


class _Virtual:
    """2. The graph with long edges split by dummy nodes, one per column crossed: real nodes
    0..n-1, then dummies; each edge becomes a chain of unit-length segments."""

    def __init__(self, layer: list[int], edges: Sequence[tuple[int, int, int]]) -> None:
        n = len(layer)
        self.layer = list(layer)
        self.pred: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (node, arg_index)
        self.succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self.chains: list[list[int]] = []
        for s, d, arg in edges:
            chain = [s]
            for lay in range(layer[s] + 1, layer[d]):
                self.layer.append(lay)
                self.pred.append([])
                self.succ.append([])
                chain.append(len(self.layer) - 1)
            chain.append(d)
            for a, b in itertools.pairwise(chain):
                self.succ[a].append((b, arg))
                self.pred[b].append((a, arg))
            self.chains.append(chain)


def _positions(layers: list[list[int]]) -> dict[int, int]:
    return {v: i for lay in layers for i, v in enumerate(lay)}


def _count_crossings(g: _Virtual, layers: list[list[int]]) -> int:
    """Two segments between adjacent layers cross iff their ends are in opposite order: count
    inversions of the lower ends, segments sorted by upper end (O(E log E))."""
    pos = _positions(layers)
    total = 0
    for lay in layers[:-1]:
        segs = sorted((pos[a], pos[b]) for a in lay for b, _ in g.succ[a])
        seen: list[int] = []
        for i, (a, b) in enumerate(segs):
            # earlier segments with a larger lower end and a strictly smaller upper end
            j = i
            while j > 0 and segs[j - 1][0] == a:
                j -= 1  # same upper end: those share a node and do not cross
            later = len(seen) - bisect.bisect_right(seen, b)
            same_top = sum(1 for k in range(j, i) if segs[k][1] > b)
            total += later - same_top
            bisect.insort(seen, b)
    return total


def _reorder(g: _Virtual, layers: list[list[int]], lay_idx: int, use_preds: bool) -> None:
    pos = _positions(layers)
    keyed = []
    for v in layers[lay_idx]:
        nbrs = g.pred[v] if use_preds else g.succ[v]
        if nbrs:
            bary = sum(pos[u] for u, _ in nbrs) / len(nbrs)
            # ties: the first argument of an op above the second (a - b reads top-down)
            tie = min(arg for _, arg in nbrs) if not use_preds else 0
        else:
            bary, tie = float(pos[v]), 0
        keyed.append((bary, tie, pos[v], v))
    layers[lay_idx] = [v for *_, v in sorted(keyed)]


def _reduce_crossings(g: _Virtual, n_layers: int) -> tuple[list[list[int]], int]:
    """3. Barycentric sweeps left→right and right→left from the forward order, keeping the
    order with the fewest crossings."""
    layers: list[list[int]] = [[] for _ in range(n_layers)]
    for v in range(len(g.layer)):  # initial order: forward (topological) order
        layers[g.layer[v]].append(v)
    best = [list(lay) for lay in layers]
    best_crossings = _count_crossings(g, layers)
    for sweep in range(SWEEPS):
        if best_crossings == 0:
            break
        if sweep % 2 == 0:
            for i in range(1, n_layers):
                _reorder(g, layers, i, use_preds=True)
        else:
            for i in range(n_layers - 2, -1, -1):
                _reorder(g, layers, i, use_preds=False)
        c = _count_crossings(g, layers)
        if c < best_crossings:
            best, best_crossings = [list(lay) for lay in layers], c
    return best, best_crossings


def _rows(g: _Virtual, layers: list[list[int]], size) -> dict[int, float]:
    """4. Rows: start packed and centred, then pull each node towards the mean row of its
    neighbours, keeping the order and the separation its size needs — and every layer inside
    the band the tallest layer needs. Without the band, a long chain (a sum of many terms) drifts
    a little per column and the drawing becomes a diagonal staircase far taller than any layer.
    """
    n_layers = len(layers)
    gaps_of = [[(size(a) + size(b)) / 2 for a, b in itertools.pairwise(lay)] for lay in layers]
    half = max((sum(gaps) for gaps in gaps_of), default=0.0) / 2
    row: dict[int, float] = {}
    for lay, gaps in zip(layers, gaps_of, strict=True):
        pos = -sum(gaps) / 2
        for i, v in enumerate(lay):
            row[v] = pos
            if i < len(gaps):
                pos += gaps[i]
    for it in range(6):
        order = range(1, n_layers) if it % 2 == 0 else range(n_layers - 2, -1, -1)
        for i in order:
            lay = layers[i]
            want = []
            for v in lay:
                nbrs = [u for u, _ in (g.pred[v] if it % 2 == 0 else g.succ[v])]
                want.append(sum(row[u] for u in nbrs) / len(nbrs) if nbrs else row[v])
            placed = _place_in_order(want, gaps_of[i], (-half, half))
            for v, r in zip(lay, placed, strict=True):
                row[v] = r
    if row:
        top = min(row[v] - size(v) / 2 for v in row)
        row = {v: r - top for v, r in row.items()}
    return row


def _place_in_order(
    want: list[float],
    gaps: Sequence[float] | None = None,
    band: tuple[float, float] | None = None,
) -> list[float]:
    """Positions as close as possible to `want` (least squares, by pooling adjacent
    violators) that keep the given order with at least gaps[i] between items i and i+1
    (default 1) — and with a band (lo, hi), the whole run inside it when it fits there."""
    gaps = list(gaps) if gaps is not None else [1.0] * max(0, len(want) - 1)
    offset = [0.0]
    for g in gaps:
        offset.append(offset[-1] + g)
    # Subtracting the cumulative gap turns "y[i+1] >= y[i] + gap" into isotonic regression.
    shifted = [w - o for w, o in zip(want, offset, strict=True)]
    if band is not None and band[1] - band[0] >= offset[-1]:
        # In shifted space every item must lie in [lo, hi - total]: clipping the wishes there
        # keeps the regression's result (a weighted mean of them) there too.
        lo, hi = band[0], band[1] - offset[-1]
        shifted = [min(max(v, lo), hi) for v in shifted]
    blocks: list[list[float]] = []  # [mean, weight]
    for value in shifted:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    out: list[float] = []
    for mean, weight in blocks:
        out.extend([mean] * int(weight))
    return [v + o for v, o in zip(out, offset, strict=True)]


Rect = tuple[float, float, float, float]  # left, top, right, bottom


def overlaps(a: Rect, b: Rect, margin: float = 0.0) -> bool:
    return (
        a[0] < b[2] + margin
        and b[0] < a[2] + margin
        and a[1] < b[3] + margin
        and b[1] < a[3] + margin
    )


def place_labels(
    candidates: Sequence[Sequence[tuple[float, float]]],
    sizes: Sequence[tuple[float, float]],
    obstacles: Sequence[Rect],
    margin: float = 2.0,
) -> list[tuple[float, float] | None]:
    """A centre for each label, from its own candidates in order of preference, so that no label
    overlaps a box or another label; None where every candidate collides (the label is left
    out, its number stays in the tooltip). Labels with few candidates go first."""
    placed: list[Rect] = []
    result: list[tuple[float, float] | None] = [None] * len(candidates)
    for k in sorted(range(len(candidates)), key=lambda k: len(candidates[k])):
        w, h = sizes[k]
        for cx, cy in candidates[k]:
            rect = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if any(overlaps(rect, o, margin) for o in obstacles):
                continue
            if any(overlaps(rect, p, margin) for p in placed):
                continue
            placed.append(rect)
            result[k] = (cx, cy)
            break
    return result
