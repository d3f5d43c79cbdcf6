"""Lesson presets: each one loads, and the numbers it promises are right.

Oracles: each preset's function re-typed in Python with ``math``; its value is compared exactly
and its derivatives against central finite differences (independent of the hand-derived
formulas used to write the presets). Once the expression parser exists, the real parser and
engine must show the same numbers.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gradexplorer.errors import SessionError
from gradexplorer.lessons.descent import CONVERGED, DIVERGING, OSCILLATING, Descent
from gradexplorer.lessons.presets import (
    PRESETS_ENV,
    list_presets,
    load_preset,
    preset_problems,
    presets_dir,
    read_preset,
)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# f(x, params) re-typed from each preset's expression.
ORACLES: dict[str, Callable[[float, dict[str, float]], float]] = {
    "seed-example": lambda x, p: x**2 + 3 * x,
    "polynomial": lambda x, p: x**3 - 3 * x + 1,
    "reused-node": lambda x, p: x * x + x,
    "sigmoid": lambda x, p: sigmoid(x),
    "relu": lambda x, p: max(x, 0.0),
    "abs": lambda x, p: abs(x),
    "tan": lambda x, p: math.tan(x),
    "exp": lambda x, p: math.exp(x),
    "ln": lambda x, p: math.log(x),
    "damped-sine": lambda x, p: math.sin(x) * math.exp(-x / 5),
    "loss-landscape": lambda x, p: (2 * x - 3) ** 2 + (x - 1) ** 2,
    "squared-error": lambda x, p: (p["a"] * x - 3) ** 2,
    "logistic-loss": lambda x, p: math.log(1 + math.exp(-p["w"] * x)),
    "chain-rule": lambda x, p: math.sin(x**2),
    "animated-wave": lambda x, p: p["a"] * math.sin(p["b"] * x),
    "sqrt": lambda x, p: math.sqrt(x),
    "notebook-16": lambda x, p: x**2 + 3 * x,
    "reused-intermediate": lambda x, p: (x + x) ** 2 + 3 * (x + x),
    "exponential-revisits": lambda x, p: 2**10 * x,
    "backward-twice": lambda x, p: x**2 + 3 * x,
    "dual-numbers": lambda x, p: x**2 + 3 * x,
    "forward-passes": lambda x, p: p["a"] * x**2 + p["b"] * x + p["c"],
    "jax-example": lambda x, p: x * p["w"] + math.sin(x * p["w"]),
    "tangent-and-parabola": lambda x, p: x**3 - 3 * x,
    "taylor-sine": lambda x, p: math.sin(x),
    "taylor-exp": lambda x, p: math.exp(x),
    "taylor-log": lambda x, p: math.log(1 + x),
    "taylor-geometric": lambda x, p: 1 / (1 - x),
    "taylor-sqrt": lambda x, p: math.sqrt(x),
    "function-and-approximation": lambda x, p: math.sin(x),
}
# Points where the function has a kink: the promised slope follows PyTorch's convention
# (0 at the kink) instead of a finite difference.
KINK_SLOPES = {"relu": 0.0}

# Lessons of one input; the landscapes have tests of their own (test_lessons_two_input_presets).
PRESETS = [p for p in list_presets() if len(p.inputs) == 1]
BY_BARE_NAME = {p.name.split("-", 1)[1]: p for p in PRESETS}


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def test_at_least_twelve_presets_all_valid() -> None:
    assert presets_dir() is not None
    assert preset_problems() == []
    assert len(PRESETS) >= 12
    assert len(list_presets()) == len(list(presets_dir().glob("*.json")))
    assert [p.name for p in PRESETS] == sorted(p.name for p in PRESETS)
    assert set(BY_BARE_NAME) == set(ORACLES), "every preset needs an oracle"


def test_required_lessons_are_present() -> None:
    expressions = {p.state.expression for p in PRESETS}
    for required in ["x^2 + 3x", "x*x + x", "sigmoid(x)", "relu(x)", "|x|", "tan(x)", "ln(x)"]:
        assert required in expressions
    seed = BY_BARE_NAME["seed-example"]
    assert (seed.state.x, seed.expect.value, seed.expect.derivative) == (2.0, 10.0, 7.0)
    assert any("e^" in e for e in expressions) and any("sin(x) e^" in e for e in expressions)
    # A loss whose descent moves a parameter, not x.
    assert any(p.state.descent.target != "x" for p in PRESETS)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_preset_has_title_and_one_line_note(preset) -> None:
    assert preset.title.strip() and "\n" not in preset.title
    assert preset.note.strip() and "\n" not in preset.note
    assert len(preset.note) <= 160


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_promised_values_match_math(preset) -> None:
    bare = preset.name.split("-", 1)[1]
    f = ORACLES[bare]
    x, params = preset.state.x, preset.state.param_values()
    assert preset.expect.value == pytest.approx(f(x, params), rel=1e-13, abs=1e-13)
    if bare in KINK_SLOPES:
        assert preset.expect.derivative == KINK_SLOPES[bare]
    else:
        fd = central_difference(lambda t: f(t, params), x)
        assert preset.expect.derivative == pytest.approx(fd, rel=1e-7, abs=1e-8)
    assert set(preset.expect.gradient) <= set(params)
    assert set(preset.expect.gradient) == set(params), "promise ∂f/∂p for every parameter"
    for name, promised in preset.expect.gradient.items():

        def along(t: float, name: str = name) -> float:
            return f(x, {**params, name: t})

        assert promised == pytest.approx(central_difference(along, params[name]), rel=1e-7)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_promised_values_match_the_real_parser(preset) -> None:
    import gradexplorer.expr as expr

    e = expr.parse(preset.state.expression)
    assert set(e.params) == set(preset.state.params)
    point = e.at(preset.state.x, preset.state.param_values())
    assert point.value == pytest.approx(preset.expect.value, rel=1e-12, abs=1e-12)
    assert point.derivative == pytest.approx(preset.expect.derivative, rel=1e-12, abs=1e-12)
    for name, promised in preset.expect.gradient.items():
        assert point.gradient[name] == pytest.approx(promised, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_promised_tangents_match_math_and_one_forward_pass_each(preset) -> None:
    import gradexplorer.expr as expr

    bare = preset.name.split("-", 1)[1]
    f = ORACLES[bare]
    x, params = preset.state.x, preset.state.param_values()
    e = expr.parse(preset.state.expression)
    for seed, promised in preset.expect.tangent.items():

        def along(t: float, seed: str = seed) -> float:
            return f(t, params) if seed == "x" else f(x, {**params, seed: t})

        start = x if seed == "x" else params[seed]
        assert promised == pytest.approx(central_difference(along, start), rel=1e-7)
        assert e.forward(x, params, seed).tangent == pytest.approx(promised, rel=1e-12)


def test_the_forward_mode_lessons() -> None:
    dual = BY_BARE_NAME["dual-numbers"]
    assert (dual.state.expression, dual.state.x, dual.expect.tangent) == (
        "x^2 + 3x",
        2.0,
        {"x": 7.0},
    )
    passes = BY_BARE_NAME["forward-passes"]
    assert (
        set(passes.expect.tangent) == {"x", *passes.state.params} and len(passes.state.params) >= 3
    )
    assert passes.expect.tangent == {"x": passes.expect.derivative, **passes.expect.gradient}
    jax = BY_BARE_NAME["jax-example"]
    assert (jax.state.x, jax.state.param_values()) == (7.0, {"w": 2.0})
    assert round(jax.expect.tangent["x"], 7) == 2.2734744  # float64
    assert round(jax.expect.tangent["w"], 7) == 7.9571605
    # JAX's own numbers are float32: x₂ + x₂ cos(x₁x₂) and x₁ + x₁ cos(x₁x₂) in float32
    c = np.cos(np.float32(14.0))
    assert (str(np.float32(2) + np.float32(2) * c), str(np.float32(7) + np.float32(7) * c)) == (
        "2.2734745",
        "7.9571605",
    )
    assert "2.2734745" in jax.note and "7.9571605" in jax.note and "float32" in jax.note
    for lesson in (dual, passes, jax):
        assert lesson.state.graph.mode == "forward" and lesson.state.graph.seed == "x"


def test_load_preset_by_name_variants() -> None:
    a = load_preset("01-seed-example")
    assert load_preset("seed-example") == a
    assert load_preset("seed-example.json") == a
    assert a.state.expression == "x^2 + 3x"
    with pytest.raises(SessionError) as info:
        load_preset("no-such-lesson")
    assert "seed-example" in str(info.value)


def test_presets_dir_override_and_broken_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(BY_BARE_NAME["relu"].path, tmp_path / "01-relu.json")
    (tmp_path / "02-broken.json").write_text('{"format": "gradexplorer-session", "vers')
    no_expect = json.loads(BY_BARE_NAME["tan"].path.read_text())
    del no_expect["expect"]
    (tmp_path / "03-no-expect.json").write_text(json.dumps(no_expect))
    monkeypatch.setenv(PRESETS_ENV, str(tmp_path))
    assert presets_dir() == tmp_path
    # The menu keeps working with the good preset; the broken ones are reported, not fatal.
    assert [p.name for p in list_presets()] == ["01-relu"]
    problems = [str(e) for e in preset_problems()]
    assert len(problems) == 2
    assert "02-broken.json" in problems[0] and "truncated" in problems[0]
    assert "03-no-expect.json" in problems[1] and "expect" in problems[1]
    with pytest.raises(SessionError):
        read_preset(tmp_path / "02-broken.json")


def test_missing_presets_folder_is_graceful(tmp_path: Path) -> None:
    assert list_presets(tmp_path / "nowhere") == []
    with pytest.raises(SessionError, match="no lesson"):
        load_preset("relu", tmp_path / "nowhere")


# ---------------------------------------------------------------------------------------------
# The descent behaviour the notes promise, with math as the function and its derivative from
# finite differences (so the check does not share formulas with the presets).


def objective(preset_name: str) -> tuple[Callable[[float], tuple[float, float]], float]:
    preset = BY_BARE_NAME[preset_name]
    f = ORACLES[preset_name]
    target = preset.state.descent.target
    params = preset.state.param_values()

    def g(t: float) -> float:
        return f(t, params) if target == "x" else f(preset.state.x, {**params, target: t})

    start = preset.state.x if target == "x" else params[target]
    return (lambda t: (g(t), central_difference(g, t, 1e-6))), start


def test_abs_preset_hops_across_the_kink_forever() -> None:
    fg, start = objective("abs")
    d = Descent(fg, start, BY_BARE_NAME["abs"].state.descent.lr)
    assert d.run(50) == OSCILLATING
    assert abs(d.x) < 0.5


@pytest.mark.parametrize(
    ("lr", "status", "limit"),
    [(0.05, CONVERGED, 1.5), (0.25, OSCILLATING, None), (0.3, DIVERGING, None)],
)
def test_squared_error_preset_learning_rates(lr: float, status: str, limit: float | None) -> None:
    fg, start = objective("squared-error")
    d = Descent(fg, start, lr, tol=1e-7)
    assert d.run(500) == status
    if limit is not None:
        assert d.x == pytest.approx(limit, abs=1e-6)


def test_loss_landscape_preset_converges_to_the_least_squares_weight() -> None:
    fg, start = objective("loss-landscape")
    d = Descent(fg, start, BY_BARE_NAME["loss-landscape"].state.descent.lr, tol=1e-7)
    assert d.run(500) == CONVERGED
    assert d.x == pytest.approx(1.4, abs=1e-6)  # (2·3 + 1·1) / (2² + 1²)
    assert Descent(fg, start, 0.21).run(200) == DIVERGING


def test_logistic_loss_keeps_falling_ever_slower() -> None:
    fg, start = objective("logistic-loss")
    d = Descent(fg, start, BY_BARE_NAME["logistic-loss"].state.descent.lr)
    d.run(40)
    values = [p.value for p in d.history]
    slopes = [abs(p.slope) for p in d.history]
    assert all(b < a for a, b in itertools.pairwise(values))
    assert all(b < a for a, b in itertools.pairwise(slopes))
    assert values[-1] > 0


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_preset_file_opens_as_a_session(preset) -> None:
    # `python main.py PRESET.json` opens presets like saved sessions.
    from gradexplorer.lessons.session import load_session

    assert load_session(preset.path) == preset.state


@pytest.mark.parametrize(
    ("tangent", "message"),
    [
        ({"q": 1.0}, "names 'q', which is not x or a parameter"),
        ([7], "must be an object"),
        ({"x": "7"}, "expect.tangent.x must be a finite number"),
    ],
)
def test_a_malformed_tangent_promise_is_refused(tmp_path: Path, tangent, message) -> None:
    data = json.loads(BY_BARE_NAME["dual-numbers"].path.read_text())
    data["expect"]["tangent"] = tangent
    (tmp_path / "01-bad.json").write_text(json.dumps(data))
    with pytest.raises(SessionError, match=message.replace("(", r"\(")):
        read_preset(tmp_path / "01-bad.json")


def test_session_with_a_malformed_expect_block_is_refused() -> None:
    from gradexplorer.lessons.session import session_from_json

    data = json.loads(BY_BARE_NAME["seed-example"].path.read_text())
    data["expect"] = [10, 7]
    with pytest.raises(SessionError, match="expect must be an object"):
        session_from_json(json.dumps(data))


def _shown_curves(preset) -> dict[str, Callable[[float], float]]:
    """The curves a lesson shows, from its oracle (f′, f″ by central differences)."""
    f = ORACLES[preset.name.split("-", 1)[1]]
    params = preset.state.param_values()

    def fx(t: float) -> float:
        return f(t, params)

    curves = {"f": fx}
    toggles = preset.state.toggles
    if toggles.show_derivative:
        curves["f′"] = lambda t: central_difference(fx, t, 1e-6)
    if toggles.show_second_derivative:
        curves["f″"] = lambda t: (fx(t + 1e-4) - 2 * fx(t) + fx(t - 1e-4)) / 1e-8
    return curves


# a lesson without a view is framed by the app from the curves it shows
# (tests/ui/test_plot.py::test_the_frame_holds_the_derivative_curves_that_are_shown)
VIEWED = [p for p in PRESETS if p.state.view is not None]


@pytest.mark.parametrize("preset", VIEWED, ids=[p.name for p in VIEWED])
def test_a_lesson_opens_on_a_view_that_frames_the_curves_it_shows(preset) -> None:
    """The review found lessons that turn f′ on and cut it off (|x|: f′ = −1 under a view
    starting at −0.5). The middle 60 % of each shown curve's values over the view's x-range
    lie inside its y-range (a parabola's arms, poles and spikes may leave it)."""
    x0, x1, y0, y1 = preset.state.view
    for name, curve in _shown_curves(preset).items():
        values = []
        for t in np.linspace(x0, x1, 401):
            try:
                v = curve(float(t))
            except (ValueError, ZeroDivisionError, OverflowError):
                continue  # outside the domain: nothing drawn
            if math.isfinite(v):
                values.append(v)
        assert values, name
        low, high = np.percentile(values, [20, 80])
        span = y1 - y0
        assert y0 - 0.02 * span <= low and high <= y1 + 0.02 * span, (name, low, high, (y0, y1))
