"""Lesson presets: session files shipped in ``assets/presets`` (installed with the package) with
a title, a one-line teaching note and the values they promise.

A preset is a session JSON (see :mod:`gradexplorer.lessons.session`) with one extra top-level
block, ``"expect": {"value": f(x), "derivative": f'(x), "gradient": {"a": ∂f/∂a}}``, computed
independently when the preset was written so the tests (and a teacher) can check the app shows
the right numbers.

Lessons on wrong backward passes promise more, all optional:
``"replays": {"notebook": {"visits": 7, "grad": {"x": 16, "3": 5}}}`` (per algorithm of
lessons.replay: its number of visits and the final gradient of nodes named by label or defined
name) and ``"backward_runs": {"retain_graph": [7, 14, 21], "second_raises": true}`` (x.grad after
each backward on one graph, and whether a second one without retain_graph raises). A lesson may
also name the backward algorithm the step-through starts with: top-level ``"algorithm"``.
For a function of two inputs "derivative" is the slope of the slice the plot shows (∇f·u),
"gradient" may name the inputs too, and "hessian" gives the 2×2 Hessian.

A forward-mode lesson may also promise ``"tangent": {"x": v̇}``: the output's tangent of the
forward pass seeded on each input named.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradexplorer import resources
from gradexplorer.errors import SessionError
from gradexplorer.lessons.replay import ALGORITHMS
from gradexplorer.lessons.session import (
    SessionState,
    decode_json,
    read_session_bytes,
    session_from_dict,
)

PRESETS_ENV = "GRADEXPLORER_PRESETS"
_NUMBERED = re.compile(r"^\d+[-_]")


@dataclass(frozen=True)
class ReplayPromise:
    """What a replayed backward algorithm gives: its visits, and some nodes' final gradients
    (by label: x, a parameter, a constant such as "3"; or by defined name: u, b_10)."""

    visits: int
    grad: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunsPromise:
    """Backward run again and again on one graph: x.grad after each run with retain_graph,
    and whether the second run without it raises PyTorch's error."""

    retain_graph: tuple[float, ...] = ()
    second_raises: bool = True


@dataclass(frozen=True)
class Expectation:
    """What the preset's state must show: f(x), f'(x) and ∂f/∂p for some parameters; for the
    lessons on wrong backward passes their replays and backward runs; for a forward-mode lesson
    the tangent of f from the pass seeded on some inputs."""

    value: float
    derivative: float
    gradient: dict[str, float] = field(default_factory=dict)
    hessian: tuple[tuple[float, float], tuple[float, float]] | None = None
    replays: dict[str, ReplayPromise] = field(default_factory=dict)
    backward_runs: RunsPromise | None = None
    tangent: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Preset:
    name: str  # the file name without .json, e.g. "01-seed-example"
    state: SessionState
    expect: Expectation
    path: Path
    algorithm: str | None = None  # the backward algorithm its step-through starts with

    @property
    def title(self) -> str:
        return self.state.title

    @property
    def note(self) -> str:
        return self.state.note

    @property
    def inputs(self) -> tuple[str, ...]:
        """The inputs of the lesson's function: ("x",), or two for a landscape."""
        return _inputs(self.state.expression)


def presets_dir() -> Path | None:
    """Where the presets live, or None when they cannot be found.

    The package's own assets (installed from assets/presets, see gradexplorer.resources), unless
    the environment variable names another folder.
    """
    env = os.environ.get(PRESETS_ENV)
    folder = Path(env) if env else resources.asset("presets")
    return folder if folder is not None and folder.is_dir() else None


def read_preset(path: str | os.PathLike[str], *, check_expression: bool = True) -> Preset:
    """Read one preset file; any problem is a SessionError naming the file."""
    p = Path(path)
    try:
        data = decode_json(read_session_bytes(p))
        state = session_from_dict(data, check_expression=check_expression)
        expect = _read_expect(data.get("expect"), state)
        algorithm = _read_algorithm(data.get("algorithm"))
    except SessionError as exc:
        raise SessionError(f"Lesson {p.name}: {exc.message}", hint=exc.hint) from None
    if not state.title.strip() or not state.note.strip():
        raise SessionError(f"Lesson {p.name} needs a title and a teaching note.")
    return Preset(name=p.stem, state=state, expect=expect, path=p, algorithm=algorithm)


def list_presets(directory: str | os.PathLike[str] | None = None) -> list[Preset]:
    """All readable presets, sorted by file name (the numeric prefix sets the menu order).

    A broken preset file is skipped rather than taking the whole menu down; see
    :func:`preset_problems` to list what was skipped.
    """
    presets = []
    for path in _preset_files(directory):
        try:
            presets.append(read_preset(path))
        except SessionError:
            continue
    return presets


def preset_problems(directory: str | os.PathLike[str] | None = None) -> list[SessionError]:
    """The errors of the preset files that list_presets skips (empty when all are fine)."""
    problems = []
    for path in _preset_files(directory):
        try:
            read_preset(path)
        except SessionError as exc:
            problems.append(exc)
    return problems


def load_preset(name: str, directory: str | os.PathLike[str] | None = None) -> Preset:
    """A preset by file name, with or without ".json" and the numeric prefix
    ("01-seed-example", "seed-example" and "seed-example.json" all work)."""
    wanted = _bare(name.removesuffix(".json"))
    files = _preset_files(directory)
    for path in files:
        if path.stem == name.removesuffix(".json") or _bare(path.stem) == wanted:
            return read_preset(path)
    known = ", ".join(_bare(p.stem) for p in files) or "none found"
    raise SessionError(f"There is no lesson called {name!r}.", hint=f"Available: {known}.")


def _preset_files(directory: str | os.PathLike[str] | None) -> list[Path]:
    folder = Path(directory) if directory is not None else presets_dir()
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if p.is_file())


def _bare(stem: str) -> str:
    return _NUMBERED.sub("", stem)


def _read_expect(raw: Any, state: SessionState) -> Expectation:
    if not isinstance(raw, dict):
        raise SessionError('the "expect" block is missing or not an object.')
    known = {"value", "derivative", "gradient", "hessian", "tangent", "replays", "backward_runs"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SessionError(f"expect has unknown fields: {', '.join(unknown)}.")
    gradient = raw.get("gradient", {})
    many = isinstance(gradient, dict) and len(gradient) > len(state.params)
    inputs = _inputs(state.expression) if many else ()
    return Expectation(
        value=_number(raw.get("value"), "expect.value"),
        derivative=_number(raw.get("derivative"), "expect.derivative"),
        gradient=_numbers(raw, "gradient", {*inputs, *state.params}, "a parameter or an input"),
        hessian=_hessian(raw.get("hessian")),
        tangent=_numbers(raw, "tangent", {"x", *state.params}, "x or a parameter"),
        replays=_read_replays(raw.get("replays", {})),
        backward_runs=_read_runs(raw.get("backward_runs")),
    )


def _hessian(raw: Any) -> tuple[tuple[float, float], tuple[float, float]] | None:
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(r, list) for r in raw)):
        raise SessionError("expect.hessian must be a 2×2 list of numbers.")
    rows = [tuple(_number(v, "expect.hessian") for v in row) for row in raw]
    if any(len(r) != 2 for r in rows):
        raise SessionError("expect.hessian must be a 2×2 list of numbers.")
    return (rows[0], rows[1])  # type: ignore[return-value]


def _inputs(expression: str) -> tuple[str, ...]:
    """The inputs a (valid) expression declares; the parser is imported only when asked."""
    from gradexplorer.expr import parse

    return parse(expression).inputs


def _numbers(raw: dict[str, Any], key: str, names: set[str], what: str) -> dict[str, float]:
    """A block of promised numbers by input name ("gradient": parameters and the inputs,
    "tangent": x and the parameters)."""
    block = raw.get(key, {})
    if not isinstance(block, dict):
        raise SessionError(f"expect.{key} must be an object.")
    numbers = {}
    for name, v in block.items():
        if name not in names:
            raise SessionError(f"expect.{key} names {name!r}, which is not {what}.")
        numbers[name] = _number(v, f"expect.{key}.{name}")
    return numbers


def _read_algorithm(raw: Any) -> str | None:
    if raw is None or raw in ALGORITHMS:
        return raw
    raise SessionError(f"algorithm must be one of {', '.join(ALGORITHMS)}.")


def _read_replays(raw: Any) -> dict[str, ReplayPromise]:
    if not isinstance(raw, dict):
        raise SessionError("expect.replays must be an object.")
    replays = {}
    for algorithm, promise in raw.items():
        where = f"expect.replays.{algorithm}"
        if algorithm not in ALGORITHMS:
            raise SessionError(f"{where}: the algorithms are {', '.join(ALGORITHMS)}.")
        if not isinstance(promise, dict) or set(promise) - {"visits", "grad"}:
            raise SessionError(f"{where} must be an object with visits and grad.")
        visits = promise.get("visits")
        if isinstance(visits, bool) or not isinstance(visits, int) or visits < 0:
            raise SessionError(f"{where}.visits must be a whole number.")
        grads = promise.get("grad", {})
        if not isinstance(grads, dict):
            raise SessionError(f"{where}.grad must be an object.")
        grad = {str(k): _number(v, f"{where}.grad.{k}") for k, v in grads.items()}
        replays[algorithm] = ReplayPromise(visits, grad)
    return replays


def _read_runs(raw: Any) -> RunsPromise | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"retain_graph", "second_raises"}:
        raise SessionError("expect.backward_runs must be an object with retain_graph.")
    values = raw.get("retain_graph", [])
    if not isinstance(values, list):
        raise SessionError("expect.backward_runs.retain_graph must be a list of numbers.")
    raises = raw.get("second_raises", True)
    if not isinstance(raises, bool):
        raise SessionError("expect.backward_runs.second_raises must be true or false.")
    numbers = tuple(_number(v, "expect.backward_runs.retain_graph") for v in values)
    return RunsPromise(numbers, raises)


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise SessionError(f"{where} must be a finite number.")
    return float(v)
