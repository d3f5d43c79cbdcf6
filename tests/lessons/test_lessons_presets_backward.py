"""The lessons on wrong backward passes keep their promises: visits and gradients of each
replayed algorithm, and the backward runs on one graph.

Oracles: the closed forms each promise was written from (x² + 3x at 2: 16 and 5 from the
notebook, 7 from PyTorch; u = x + x: 38 against 22; ten doublings: 2^11 − 1 visits, 2^10), the
literal implementations in test_lessons_replay, and PyTorch's error text.
"""

from __future__ import annotations

import json

import pytest

from gradexplorer.errors import SessionError
from gradexplorer.expr import parse
from gradexplorer.expr.names import display_name
from gradexplorer.lessons.backward_runs import BackwardRuns
from gradexplorer.lessons.presets import list_presets, load_preset, read_preset
from gradexplorer.lessons.replay import replay

PRESETS = list_presets()
BACKWARD_LESSONS = [p for p in PRESETS if p.expect.replays or p.expect.backward_runs]
ERR_BACKWARD_TWICE_START = "Trying to backward through the graph a second time"


def test_the_four_lessons_are_there() -> None:
    titles = [p.title for p in BACKWARD_LESSONS]
    assert len(titles) == 4
    for words in ("notebook's 16", "reused intermediate", "Exponential revisits", "Backward twice"):
        assert any(words in t for t in titles), words
    by_title = {p.title: p for p in BACKWARD_LESSONS}
    notebook = next(p for t, p in by_title.items() if "16" in t)
    assert notebook.expect.replays["notebook"].grad == {"x": 16.0, "3": 5.0}
    reused = next(p for t, p in by_title.items() if "reused" in t)
    assert reused.expect.replays["recursive"].grad["x"] == 38.0
    assert reused.expect.replays["topological"].grad["x"] == 22.0 == reused.expect.derivative
    revisits = next(p for t, p in by_title.items() if "Exponential" in t)
    assert revisits.expect.replays["recursive"].visits == 2 ** (10 + 1) - 1
    assert revisits.expect.replays["topological"].visits == 10 + 1
    twice = next(p for t, p in by_title.items() if "twice" in t)
    assert twice.expect.backward_runs.retain_graph == (7.0, 14.0, 21.0)


def _node(trace, name: str) -> int:
    shown = display_name(name)
    named = [k for k, v in trace.names.items() if v == shown]
    labelled = [n.id for n in trace.nodes if n.kind != "op" and n.label == name]
    (found,) = named or labelled  # exactly one node answers to the name
    return found


@pytest.mark.parametrize("preset", BACKWARD_LESSONS, ids=[p.name for p in BACKWARD_LESSONS])
def test_replays_give_what_the_lesson_promises(preset) -> None:
    e = parse(preset.state.expression)
    trace = e.at(preset.state.x, preset.state.param_values(), trace=True).trace
    for algorithm, promise in preset.expect.replays.items():
        r = replay(trace, algorithm)
        assert len(r) == promise.visits, algorithm
        for name, value in promise.grad.items():
            assert r.final[_node(trace, name)] == value, (algorithm, name)
    if preset.algorithm is not None:
        assert preset.algorithm in preset.expect.replays


@pytest.mark.parametrize("preset", BACKWARD_LESSONS, ids=[p.name for p in BACKWARD_LESSONS])
def test_backward_runs_give_what_the_lesson_promises(preset) -> None:
    promise = preset.expect.backward_runs
    if promise is None:
        return
    e = parse(preset.state.expression)
    x, params = preset.state.x, preset.state.param_values()
    trace = e.at(x, params, trace=True).trace
    runs = BackwardRuns(e, x, params, trace, retain_graph=True)
    seen = [runs.state().grads["x"]]
    for _ in promise.retain_graph[1:]:
        seen.append(runs.again().grads["x"])
    assert tuple(seen) == promise.retain_graph
    second = BackwardRuns(e, x, params, trace).again()
    assert (second.error is not None) == promise.second_raises
    assert second.error.startswith(ERR_BACKWARD_TWICE_START)


def _with_expect(tmp_path, expect: dict, **top) -> object:
    data = json.loads(load_preset("seed-example").path.read_text())  # an older preset
    data["expect"] = {"value": 10.0, "derivative": 7.0, **expect}
    data.update(top)
    path = tmp_path / "99-test.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("expect", "top", "words"),
    [
        ({"replays": {"magic": {"visits": 1}}}, {}, "the algorithms are"),
        ({"replays": {"notebook": {"visits": -1}}}, {}, "whole number"),
        ({"replays": {"notebook": {"visits": 2, "grad": {"x": "16"}}}}, {}, "finite number"),
        ({"replays": {"notebook": {"visits": 2, "extra": 1}}}, {}, "visits and grad"),
        ({"backward_runs": {"retain_graph": 7}}, {}, "list of numbers"),
        ({"backward_runs": {"second_raises": "yes"}}, {}, "true or false"),
        ({}, {"algorithm": "magic"}, "algorithm must be one of"),
    ],
)
def test_malformed_promises_are_refused_with_a_message(tmp_path, expect, top, words) -> None:
    with pytest.raises(SessionError, match=words):
        read_preset(_with_expect(tmp_path, expect, **top))


def test_older_presets_without_the_new_blocks_still_read(tmp_path) -> None:
    preset = read_preset(_with_expect(tmp_path, {}))
    assert preset.expect.replays == {} and preset.expect.backward_runs is None
    assert preset.algorithm is None
