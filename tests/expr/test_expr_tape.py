"""The recorded tape (expr/tape.py) gives the sweep's numbers bit for bit, and hands back to
the sweep wherever the undefined mask could matter (poles, nan, ±inf)."""

from __future__ import annotations

import numpy as np
import pytest

from gradexplorer.autograd._ieee import IGNORE_FP_ERRORS, errstate_var
from gradexplorer.expr import parse
from gradexplorer.expr.tape import record

TRACED = [
    ("f(x, y) = (1 - x)^2 + 100(y - x^2)^2 + sin(x) cos(y)", {}),
    ("f(x, y) = x + y", {}),
    ("f(x, y) = x^2", {}),
    ("f(x, y) = ln(x^2 + y^2)", {}),
    ("f(x, y) = exp(ln(x)) + y", {}),
    ("f(x, y) = sqrt(x) + 1/y", {}),
    ("f(x, y) = x/y + 1/(x^2 + y^2)", {}),
    ("f(x, y) = |x| + relu(y - 1)", {}),
    ("f(x, y) = x^a + b y^2", {"a": 1.5, "b": -0.5}),
    ("f(x, y) = a (x - b)^2 + (y + a)^2", {"a": 0.7}),
    ("f(x, y) = tanh(x) + sigmoid(y) + softplus(x y) + exp(-y)", {}),
    ("f(x, y) = atan(x) + asin(y/4) + acos(x/4) + sinh(x/3) + cosh(y) + tan(x)", {}),
    ("f(x, y) = x^3 - 3 x y^2 + x^0.5 + y^(-1) + x^(-2)", {}),
    ("f(x, y) = x + y / c", {"c": 0.0}),  # every point hands back: y / 0
    ("u = x^2 - y\nv = sin(u)\nf(x, y) = u v + v^2 + x u", {}),
]
UNTRACED = [
    ("f(x, y) = x^y", {}),  # the exponent's rule needs its numbers
    ("f(x, y) = max(x, y) + min(x, y)", {}),  # np.where
    ("f(x, y) = x^0 + y", {}),
    ("f(x, y) = 3", {}),
    ("f(x, y) = x + 1 / c", {"c": 0.0}),  # a constant part without a value
]


def _points(rng: np.random.Generator) -> list[list[float]]:
    special = [0.0, -0.0, 1.0, -1.0, 4.0, 1e-300, 1e200, -1e200, np.inf, np.nan]
    xs = [*rng.normal(0, 2, 30).tolist(), *special]
    ys = [*rng.normal(0, 2, 30).tolist(), *special[::-1]]
    return [xs, ys]


def _same(a: list[float], b: list[float]) -> bool:
    return repr(a) == repr(b)  # bit for bit: nan is nan, -0.0 is not 0.0


@pytest.mark.parametrize(("text", "params"), TRACED)
def test_the_tape_gives_the_sweeps_numbers_bit_for_bit(text: str, params: dict) -> None:
    e = parse(text)
    sweep = e._reverse_sweep()
    token = errstate_var.set(IGNORE_FP_ERRORS)
    try:
        tape = record(sweep, params)
    finally:
        errstate_var.reset(token)
    assert tape is not None
    rng = np.random.default_rng(7)
    cols = _points(rng)
    if "c" not in params:  # the tape itself answers at ordinary points (not only the sweep)
        finite = [rng.uniform(0.5, 2.0, 20).tolist() for _ in range(2)]  # in every domain
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            replayed = tape.replay(finite)
        finally:
            errstate_var.reset(token)
        f, g = e.gradient_batch([np.array(c) for c in finite], params)
        assert _same(replayed[0], f.tolist())
        assert all(_same(a, b.tolist()) for a, b in zip(replayed[1], g, strict=True))
    for i in range(len(cols[0])):  # one point at a time: each either replays or hands back
        point = [[cols[0][i]], [cols[1][i]]]
        f, g = e.gradient_batch([np.array(c) for c in point], params)
        got_f, got_g = e.gradient_lists(point, params)
        assert _same(got_f, f.tolist()), (text, point)
        assert all(_same(a, b.tolist()) for a, b in zip(got_g, g, strict=True)), (text, point)
    f, g = e.gradient_batch([np.array(c) for c in cols], params)  # all together: same numbers
    got_f, got_g = e.gradient_lists(cols, params)
    assert _same(got_f, f.tolist())
    assert all(_same(a, b.tolist()) for a, b in zip(got_g, g, strict=True))


@pytest.mark.parametrize(("text", "params"), TRACED[:13])
def test_replays_one_after_another_each_give_their_own_points_numbers(
    text: str, params: dict
) -> None:
    """The replay's ufuncs write into arrays kept from one replay to the next (one set per
    number of points): a replay must not see what the last one left, whatever its size."""
    e = parse(text)
    token = errstate_var.set(IGNORE_FP_ERRORS)
    try:
        tape = record(e._reverse_sweep(), params)
        rng = np.random.default_rng(11)
        earlier = []
        for n in (6, 3, 6, 6, 1, 3):
            cols = [rng.uniform(0.5, 2.0, n).tolist() for _ in range(2)]
            got = tape.replay(cols)
            f, g = e.gradient_batch([np.array(c) for c in cols], params)
            assert _same(got[0], f.tolist()), (text, n)
            assert all(_same(a, b.tolist()) for a, b in zip(got[1], g, strict=True)), (text, n)
            earlier.append((got, repr(got)))
        assert all(repr(got) == text for got, text in earlier)  # lists: nothing shared
    finally:
        errstate_var.reset(token)


@pytest.mark.parametrize(("text", "params"), UNTRACED)
def test_what_the_recorder_cannot_follow_goes_through_the_sweep(text: str, params: dict) -> None:
    e = parse(text)
    token = errstate_var.set(IGNORE_FP_ERRORS)
    try:
        assert record(e._reverse_sweep(), params) is None
    finally:
        errstate_var.reset(token)
    cols = _points(np.random.default_rng(3))
    f, g = e.gradient_batch([np.array(c) for c in cols], params)
    got_f, got_g = e.gradient_lists(cols, params)
    assert _same(got_f, f.tolist())
    assert all(_same(a, b.tolist()) for a, b in zip(got_g, g, strict=True))


def test_a_pole_or_a_nan_hands_back_to_the_sweep() -> None:
    e = parse("f(x, y) = exp(ln(x)) + y")  # exp(ln 0) = 0 would hide the pole
    token = errstate_var.set(IGNORE_FP_ERRORS)
    try:
        tape = record(e._reverse_sweep(), {})
        assert tape is not None
        with pytest.raises(FloatingPointError):
            tape.replay([[0.0, 1.0], [1.0, 1.0]])
    finally:
        errstate_var.reset(token)
    f, _ = e.gradient_lists([[0.0, 1.0], [1.0, 1.0]])
    assert np.isnan(f[0]) and f[1] == 2.0


def test_tapes_are_kept_per_parameter_values() -> None:
    e = parse("f(x, y) = a x^2 + y")
    e.gradient_lists([[1.0], [2.0]], {"a": 2.0})
    e.gradient_lists([[1.0], [2.0]], {"a": 3.0})
    assert set(e._reverse_sweep()._tapes) == {((2.0).hex(),), ((3.0).hex(),)}
    assert e.gradient_lists([[1.0], [2.0]], {"a": 3.0})[0] == [5.0]


def test_a_parameter_of_minus_zero_has_a_tape_of_its_own() -> None:
    """0.0 == -0.0, but a · x at a = -0.0 has the gradient -0.0: keyed by value, the second
    race would replay the tape recorded at +0.0."""
    e = parse("f(x, y) = a x + y^2")
    for a in (0.0, -0.0, 0.0):
        _, (gx, _) = e.gradient_lists([[1.0, -2.0], [1.0, 1.0]], {"a": a})
        _, (want, _) = e.gradient_batch([np.array([1.0, -2.0]), np.array([1.0, 1.0])], {"a": a})
        assert _same(gx, want.tolist()), a


def test_a_rule_that_multiplies_by_a_comparison_keeps_floats() -> None:
    """A rule written g * (a > 0) (an op defined outside the table, as define_op allows): on
    arrays 1.0 * (a > 0) is a float array; the tape must not hand on the bools (True + True
    is True, not 2)."""
    import gradexplorer.autograd as ag

    ag.define_op(
        "ramp",
        "ramp",
        lambda a: np.maximum(a, 0.0),
        lambda F, g, out, a: g * (a > 0),
        function="ramp",
        method="ramp",
        words=("ramp",),
        elementwise=True,
    )
    try:
        e = parse("f(x, y) = ramp(x) + ramp(x) + y")  # ∂f/∂x = 1·(x > 0) + 1·(x > 0)
        cols = [[1.0, -1.0, 3.0], [0.0, 0.0, 0.0]]
        _, (gx, _) = e.gradient_lists(cols)
        _, (want, _) = e.gradient_batch([np.array(c) for c in cols])
        assert _same(gx, want.tolist()) and gx == [2.0, 0.0, 2.0]
    finally:
        ag.remove_op("ramp")


@pytest.mark.parametrize(
    "rule",
    [
        lambda F, g, out, a: g * np.greater(a, 0),  # a comparison as a ufunc
        lambda F, g, out, a: np.greater(a, 0) * g,
        lambda F, g, out, a: g * (1 - (a > 0)),  # ints made from a comparison
        lambda F, g, out, a: g * ((a > 0) * (a < 2)),  # bools made from comparisons
        lambda F, g, out, a: g * ((a > 0) + (a < 2)),
    ],
)
def test_the_seed_times_anything_made_of_comparisons_keeps_floats(rule) -> None:
    """1.0 · m is m only for a float m: for bools or ints made from comparisons (by a ufunc,
    or by arithmetic on them) it makes floats, and the tape must too, not hand on
    [True, False] or [0, 1] where the sweep gives [1.0, 0.0]."""
    import gradexplorer.autograd as ag

    ag.define_op("ramp", "ramp", lambda a: np.maximum(a, 0.0), rule, function="ramp",
                 method="ramp", words=("ramp",), elementwise=True)  # fmt: skip
    try:
        e = parse("f(x, y) = ramp(x) + y")
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            assert record(e._reverse_sweep(), {}) is not None  # the tape answers
        finally:
            errstate_var.reset(token)
        cols = [[1.0, -1.0, 3.0], [0.0, 0.0, 0.0]]
        got_f, got_g = e.gradient_lists(cols)
        f, g = e.gradient_batch([np.array(c) for c in cols])
        assert _same(got_f, f.tolist())
        assert all(_same(a, b.tolist()) for a, b in zip(got_g, g, strict=True)), got_g
    finally:
        ag.remove_op("ramp")
