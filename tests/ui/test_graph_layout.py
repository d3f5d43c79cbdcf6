"""The layered layout on its own: layers, order constraints and crossing reduction."""

import itertools

from gradexplorer.ui.graph_layout import _place_in_order, layout_graph


def brute_force_min_crossings(n_layers_nodes, edges):
    """Smallest crossing count over all orders of a two-layer graph (oracle)."""
    left, right = n_layers_nodes
    best = None
    for lo in itertools.permutations(left):
        for ro in itertools.permutations(right):
            pl = {v: i for i, v in enumerate(lo)}
            pr = {v: i for i, v in enumerate(ro)}
            c = sum(
                1
                for (a, b), (c_, d) in itertools.combinations(edges, 2)
                if (pl[a] - pl[c_]) * (pr[b] - pr[d]) < 0
            )
            best = c if best is None else min(best, c)
    return best


def test_layers_go_from_inputs_to_output_and_constants_sit_next_to_their_op():
    # x(0), a(1), 2(2), pow(3)=x^2, mul(4)=a*pow, 3(5), mul(6)=3*x, add(7)
    kinds = ["input", "input", "const", "op", "op", "const", "op", "op"]
    edges = [(0, 3, 0), (2, 3, 1), (1, 4, 0), (3, 4, 1), (5, 6, 0), (0, 6, 1), (4, 7, 0), (6, 7, 1)]
    lay = layout_graph(8, edges, kinds)
    assert lay.layer[0] == lay.layer[1] == 0
    assert lay.layer[3] == 1 and lay.layer[4] == 2 and lay.layer[7] == 3
    assert lay.layer[5] == lay.layer[6] - 1  # constant 3 right before its ×
    for s, d, _ in edges:
        assert lay.layer[s] < lay.layer[d]
        assert len(lay.edge_points[edges.index((s, d, _))]) == lay.layer[d] - lay.layer[s] + 1
    # rows in one layer are at least one apart
    for layer in set(lay.layer):
        rows = sorted(r for r, l_ in zip(lay.row, lay.layer, strict=True) if l_ == layer)
        assert all(b - a >= 1 - 1e-9 for a, b in itertools.pairwise(rows))


def test_crossings_reduced_to_optimum_on_a_crossed_bipartite_graph():
    # inputs 0..3 feed ops 4..7 in reverse order: the initial order has 6 crossings, 0 is possible
    kinds = ["input"] * 4 + ["op"] * 4
    edges = [(0, 7, 0), (1, 6, 0), (2, 5, 0), (3, 4, 0)]
    lay = layout_graph(8, edges, kinds)
    assert (
        lay.crossings
        == brute_force_min_crossings(([0, 1, 2, 3], [4, 5, 6, 7]), [(s, d) for s, d, _ in edges])
        == 0
    )


def test_sixty_node_chain_lays_out_quickly_and_without_overlaps():
    n = 60
    kinds = ["input"] + ["op"] * (n - 1)
    edges = [(i, i + 1, 0) for i in range(n - 1)] + [(0, i, 1) for i in range(2, n, 7)]
    lay = layout_graph(n, edges, kinds)
    assert lay.n_layers == n
    cells = {(lay.layer[i], round(lay.row[i], 6)) for i in range(n)}
    assert len(cells) == n


def test_place_in_order_is_least_squares_with_gaps():
    assert _place_in_order([0.0, 0.0, 0.0]) == [-1.0, 0.0, 1.0]
    assert _place_in_order([0.0, 5.0]) == [0.0, 5.0]
    assert _place_in_order([3.0, 0.0]) == [1.0, 2.0]


def test_reported_crossings_match_a_brute_force_count_on_random_graphs():
    import random

    rng = random.Random(4)
    for _ in range(40):
        n = rng.randint(3, 25)
        kinds = ["input" if i < 3 else rng.choice(["op", "op", "const"]) for i in range(n)]
        edges = []
        for d in range(3, n):
            if kinds[d] == "const":
                continue
            for arg in range(rng.randint(1, 2)):
                edges.append((rng.randrange(0, d), d, arg))
        lay = layout_graph(n, edges, kinds)
        segments = [
            (a, b) for pts in lay.edge_points for a, b in itertools.pairwise(pts)
        ]  # ((col, row), (col + 1, row))
        brute = sum(
            1
            for (p1, q1), (p2, q2) in itertools.combinations(segments, 2)
            if p1[0] == p2[0] and (p1[1] - p2[1]) * (q1[1] - q2[1]) < 0
        )
        assert lay.crossings == brute


def test_a_long_sum_is_no_staircase():
    """x + sin(2x) + sin(3x) + … : each + one column right of the last. Rows that drift a
    little per column made a diagonal staircase far taller than any column; now every column
    stays in the band the tallest one needs."""
    from gradexplorer.expr import parse
    from gradexplorer.ui import graph_groups

    text = " + ".join(f"sin({k} x)" for k in range(1, 25))
    g = graph_groups.build(parse(text).at(0.3, trace=True).trace)
    edges = [(e.src, e.dst, e.arg_index) for e in g.edges]
    lay = layout_graph(len(g.nodes), edges, ["copy" if n.copies > 1 else n.kind for n in g.nodes])
    per_layer: dict[int, int] = {}
    for layer in lay.layer:
        per_layer[layer] = per_layer.get(layer, 0) + 1
    tallest = max(per_layer.values())
    height = max(lay.row) - min(lay.row) + 1
    assert lay.n_layers > 20  # a long chain indeed
    assert height <= tallest + 1, (height, tallest)
