"""StepThrough: the frames of one pass, and the texts a panel sizes itself to."""

from __future__ import annotations

import pytest

from gradexplorer.autograd import Tensor
from gradexplorer.expr import parse
from gradexplorer.lessons.step_through import BACKWARD, FORWARD, StepThrough


def _trace():
    x = Tensor(0.7, requires_grad=True, name="x")
    return (x * x + x).backward(trace=True)


@pytest.mark.parametrize("mode", [BACKWARD, FORWARD])
def test_texts_are_the_words_of_every_position_in_order(mode) -> None:
    through = StepThrough(mode, _trace())
    seen = []
    for k in range(-1, through.count):
        through.seek(k)
        frame = through.frame()
        seen.append((frame.formula, frame.explanation))
    assert through.texts() == seen
    assert "complete" in seen[-1][1] and "complete" not in seen[-2][1]  # the closing words


def test_texts_do_not_move_the_position() -> None:
    through = StepThrough(BACKWARD, _trace())
    through.seek(2)
    through.texts()
    assert through.position == 2


@pytest.mark.parametrize(
    ("trace", "start"), [(None, "Nothing to step through here"), ("constant", "Nothing")]
)
def test_without_steps_the_one_text_is_the_frames(trace, start) -> None:
    if trace == "constant":
        trace = parse("2 * 3").at(0.5, trace=True).trace
    through = StepThrough(BACKWARD, trace)
    frame = through.frame()
    assert through.texts() == [(frame.formula, frame.explanation)]
    assert frame.formula.startswith(start)
