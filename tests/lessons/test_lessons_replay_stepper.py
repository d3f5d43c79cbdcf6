"""Stepping through a wrong backward pass: the words, badges, red marks and the table.

Oracles: the closed forms of the lessons (16 against 7, 38 against 22) and the replay itself
(test_lessons_replay checks it against the literal code).
"""

from __future__ import annotations

from gradexplorer.autograd import Tensor
from gradexplorer.expr import parse
from gradexplorer.lessons.replay import NOTEBOOK, RECURSIVE, replay
from gradexplorer.lessons.replay_stepper import ReplayFrame, ReplayThrough


def through(text: str, algorithm: str, x: float = 2.0) -> ReplayThrough:
    return ReplayThrough(algorithm, parse(text).at(x, trace=True).trace)


def frames(t: ReplayThrough) -> list[ReplayFrame]:
    out = []
    for i in range(t.count):
        t.seek(i)
        out.append(t.frame())
    return out


def by_name(frame: ReplayFrame, name: str) -> int:
    return next(k for k, v in frame.names.items() if v == name)


def test_the_notebook_re_seeds_at_every_visit_and_says_where() -> None:
    t = through("x^2 + 3x", NOTEBOOK)
    intro = t.frame()
    assert intro.position == -1 and "7 visits (the correct pass: 4)" in intro.formula
    shown = frames(t)
    assert len(shown) == 7
    assert all("(re-seeded)" in f.formula for f in shown)
    assert all("+1 re-seeded here" in f.explanation for f in shown[1:])
    last = shown[-1]
    x = by_name(last, "x")
    assert "x.grad = 16 instead of 7" in last.explanation
    assert last.badges[x] == "×2" and x in last.wrong
    rows = {r.node: r for r in last.rows}
    assert (rows[x].replayed, rows[x].correct, rows[x].visits, rows[x].correct_visits) == (
        16.0,
        7.0,
        2,
        1,
    )
    three = by_name(last, "3")
    assert rows[three].replayed == 5.0 and rows[three].correct is None and rows[three].unneeded
    assert three not in last.wrong  # a constant's gradient is unneeded, not wrong


def test_recursion_without_waiting_pushes_again() -> None:
    t = through("u = x + x; u^2 + 3u", RECURSIVE)
    shown = frames(t)
    u = by_name(shown[0], "u")
    visits_of_u = [f for f in shown if f.current == u]
    assert len(visits_of_u) == 2
    assert "pushed before all its uses arrived" in visits_of_u[0].explanation
    assert "Pushed again: u was visited before all its uses arrived" in visits_of_u[1].explanation
    assert u in visits_of_u[0].wrong and u not in visits_of_u[1].wrong  # 8 then the right 11
    last = shown[-1]
    x = by_name(last, "x")
    assert last.badges[x] == "×4" and last.badges[u] == "×2" and last.wrong == {x}
    assert "x.grad = 38 instead of 22" in last.explanation
    assert last.total_visits == 11 and last.correct_visits == 5
    # the pushes of the current visit are the highlighted edges
    assert visits_of_u[1].edges == {(x, u, 0), (x, u, 1)}


def test_on_x_squared_plus_3x_it_says_why_the_answer_is_right() -> None:
    last = frames(through("x^2 + 3x", RECURSIVE))[-1]
    assert last.wrong == frozenset()
    assert "only leaves are used more than once" in last.explanation


def test_frames_show_the_running_gradients_of_the_replay() -> None:
    trace = parse("u = x + x; u^2 + 3u").at(2.0, trace=True).trace
    r = replay(trace, RECURSIVE)
    t = ReplayThrough(RECURSIVE, trace)
    for i, f in enumerate(frames(t)):
        assert {k: float(v) for k, v in f.known_grads.items()} == r.grads_at(i)
        assert f.current == r.nodes[i]


def test_a_new_x_keeps_the_position_and_a_new_graph_starts_again() -> None:
    t = through("u = x + x; u^2 + 3u", RECURSIVE)
    t.seek(5)
    assert t.load(parse("u = x + x; u^2 + 3u").at(1.0, trace=True).trace) is True
    assert t.position == 5
    assert t.load(parse("x^2").at(1.0, trace=True).trace) is False and t.position == -1


def test_too_many_visits_to_step_through_are_explained_not_raised() -> None:
    x = Tensor(2.0, requires_grad=True, name="x")
    b = x
    for _ in range(20):
        b = b + b
    t = ReplayThrough(RECURSIVE, b.backward(trace=True))
    frame = t.frame()
    assert t.count == 0 and "too much work" in frame.formula
    assert "2,097,151" in frame.explanation


def test_no_graph_and_constant_functions() -> None:
    assert "no graph" in ReplayThrough(NOTEBOOK, None).frame().explanation
    assert "constant" in through("2 + 3", NOTEBOOK).frame().formula


def test_undefined_points_are_not_called_wrong() -> None:
    for text, x in (("1/x", 0.0), ("ln(x)", -1.0), ("u = sqrt(x); u u", -2.0)):
        for algorithm in (NOTEBOOK, RECURSIVE):
            last = frames(through(text, algorithm, x))[-1]
            assert last.wrong == frozenset() and "undefined" in last.formula, (text, algorithm)


def test_the_texts_a_panel_sizes_to_include_the_longest_of_every_frame() -> None:
    for text, algorithm in (("x^2 + 3x", NOTEBOOK), ("u = x + x; u^2 + 3u", RECURSIVE)):
        t = through(text, algorithm)
        t.seek(-1)
        words = [(t.frame().formula, t.frame().explanation)]
        words += [(f.formula, f.explanation) for f in frames(t)]
        sample = t.texts()
        assert set(sample) <= set(words)  # only words some frame really shows
        for part in (0, 1):  # the longest headline and the longest explanation are measured
            assert max(len(w[part]) for w in sample) == max(len(w[part]) for w in words)
