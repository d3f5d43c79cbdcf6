"""The session schema: one immutable state that describes everything a student sees.

The app's model owns one ``SessionState`` and replaces it on every change; undo keeps old ones;
files, the one-line state string and presets are read into one (``codec.py``). Construction
checks every invariant, so a ``SessionState`` that exists is valid. Change one with
``dataclasses.replace``.

No Qt and no parser here: whether the expression parses is checked at the boundary where
untrusted text comes in (``codec.validate_expression``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from gradexplorer.errors import SessionError
from gradexplorer.lessons.session.checks import finite, kind, range_problem, short
from gradexplorer.lessons.session.curve_tools import PointsSettings, TaylorSettings
from gradexplorer.lessons.session.two_inputs import LandscapeSettings, RaceSettings

FORMAT_NAME = "gradexplorer-session"
# 2 dropped the unused show_tangent / show_graph toggles of version 1; 3 added "graph" (the
# graph's mode, reverse or forward, and the input forward mode is seeded on); 4 added the second
# function g(x) ("second") and the points-of-interest and Taylor settings (curve_tools.py);
# 5 added the second input (y, y_range), the landscape and the optimizers race.
FORMAT_VERSION = 5

DEFAULT_EXPRESSION = "x^2 + 3x"
DEFAULT_X = 1.0
DEFAULT_Y = 1.0
DEFAULT_RANGE = (-5.0, 5.0)
DEFAULT_PARAM_VALUE = 1.0  # what Expression.at uses for a parameter it is not given

MAX_EXPRESSION_CHARS = 1000
MAX_TITLE_CHARS = 200
MAX_NOTE_CHARS = 2000
MAX_PARAMS = 26
MAX_PARAM_NAME = 32

# Letters (any script, so Greek names work) followed by letters, digits or "_". "x" is the
# variable and "e" is Euler's number, so neither can be a parameter.
_PARAM_NAME = re.compile(r"^[^\W\d_][^\W_]*(?:_[^\W_]+)*$")
_RESERVED_NAMES = frozenset({"x", "e"})


@dataclass(frozen=True)
class ParamState:
    """A parameter slider: its value and its range (min <= value <= max)."""

    value: float
    min: float
    max: float

    def __post_init__(self) -> None:
        _set(self, "value", finite(self.value, "param.value"))
        _set(self, "min", finite(self.min, "param.min"))
        _set(self, "max", finite(self.max, "param.max"))
        check_range(self.min, self.max, "parameter range")
        check_inside(self.value, self.min, self.max, "parameter value")

    @classmethod
    def around(cls, value: float, lo: float = DEFAULT_RANGE[0], hi: float = DEFAULT_RANGE[1]):
        """A slider showing `value`: the range lo..hi, widened to whole numbers around it."""
        return cls(value, min(lo, math.floor(value)), max(hi, math.ceil(value)))

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Toggles:
    """What the plot and the graph show besides the curve."""

    show_derivative: bool = False
    show_second_derivative: bool = False
    show_edge_labels: bool = True  # local derivatives written on the graph's edges

    def __post_init__(self) -> None:
        for f in fields(self):
            if not isinstance(getattr(self, f.name), bool):
                raise SessionError(f"toggles.{f.name} must be true or false.")

    def to_dict(self) -> dict[str, bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class DescentSettings:
    """Gradient descent settings: which variable moves ("x" or a parameter), the learning rate,
    and the direction (-1 descends, +1 ascends)."""

    target: str = "x"
    lr: float = 0.1
    direction: int = -1

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not (
            self.target == "x" or _PARAM_NAME.match(self.target)
        ):
            raise SessionError('descent.target must be "x" or a parameter name.')
        lr = finite(self.lr, "descent.lr")
        if lr <= 0:
            raise SessionError(f"descent.lr must be a positive number, found {lr!r}.")
        _set(self, "lr", lr)
        if isinstance(self.direction, bool) or self.direction not in (-1, 1):
            raise SessionError("descent.direction must be -1 (descend) or 1 (ascend).")

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "lr": self.lr, "direction": self.direction}


GRAPH_MODES = ("reverse", "forward")


@dataclass(frozen=True)
class GraphSettings:
    """What the graph shows: reverse mode (every node's gradient ∂f/∂node) or forward mode
    (every node's tangent v̇ = ∂node/∂seed), and the input ("x" or a parameter) forward mode is
    seeded on. Part of what the student sees, so a lesson can open in forward mode."""

    mode: str = "reverse"
    seed: str = "x"

    def __post_init__(self) -> None:
        if self.mode not in GRAPH_MODES:
            raise SessionError(
                f'graph.mode must be "reverse" or "forward", found {short(self.mode)}.'
            )
        if not isinstance(self.seed, str) or not (self.seed == "x" or _PARAM_NAME.match(self.seed)):
            raise SessionError('graph.seed must be "x" or a parameter name.')

    def to_dict(self) -> dict[str, str]:
        return {"mode": self.mode, "seed": self.seed}


View = tuple[float, float, float, float]


@dataclass(frozen=True)
class SessionState:
    """The whole state of a lesson.

    ``x`` and ``y`` are the values of the function's first and second inputs, whatever the
    signature calls them (a function of one input leaves y at its default).

    Invariants: finite numbers, x_range[0] < x_range[1] with x inside it (y likewise), each
    parameter's value
    inside [min, max], a view (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax or None
    for "frame the curve", a descent target and a graph seed that are "x" or one of the params.

    ``expression`` is the function shown (the last one that parsed). ``draft`` is the text in
    the function field while it has an error (None when the field shows ``expression``): it is
    part of what the student sees, so undo brings it back, but it is never saved — a file keeps
    the function that works. ``second`` is the optional second function g(x), "" for none
    (drawn beside f with its own tangent; the graph and the step-through stay on f).
    """

    expression: str = DEFAULT_EXPRESSION
    x: float = DEFAULT_X
    x_range: tuple[float, float] = DEFAULT_RANGE
    params: Mapping[str, ParamState] = field(default_factory=dict)
    view: View | None = None
    toggles: Toggles = field(default_factory=Toggles)
    descent: DescentSettings = field(default_factory=DescentSettings)
    graph: GraphSettings = field(default_factory=GraphSettings)
    second: str = ""
    points: PointsSettings = field(default_factory=PointsSettings)
    taylor: TaylorSettings = field(default_factory=TaylorSettings)
    title: str = ""
    note: str = ""
    draft: str | None = None
    y: float = DEFAULT_Y
    y_range: tuple[float, float] = DEFAULT_RANGE
    landscape: LandscapeSettings = field(default_factory=LandscapeSettings)
    race: RaceSettings = field(default_factory=RaceSettings)

    def __post_init__(self) -> None:
        _set(self, "expression", text(self.expression, "expression", MAX_EXPRESSION_CHARS))
        if self.draft is not None:
            _set(self, "draft", text(self.draft, "draft", MAX_EXPRESSION_CHARS))
        _set(self, "second", text(self.second, "second", MAX_EXPRESSION_CHARS))
        _set(self, "title", text(self.title, "title", MAX_TITLE_CHARS))
        _set(self, "note", text(self.note, "note", MAX_NOTE_CHARS))
        _set(self, "x", finite(self.x, "x"))
        lo, hi = number_tuple(self.x_range, 2, "x_range")
        check_range(lo, hi, "x_range")
        check_inside(self.x, lo, hi, "x")
        _set(self, "x_range", (lo, hi))
        _set(self, "y", finite(self.y, "y"))
        lo, hi = number_tuple(self.y_range, 2, "y_range")
        check_range(lo, hi, "y_range")
        check_inside(self.y, lo, hi, "y")
        _set(self, "y_range", (lo, hi))
        if not isinstance(self.landscape, LandscapeSettings):
            raise SessionError("landscape must be a LandscapeSettings.")
        if not isinstance(self.race, RaceSettings):
            raise SessionError("race must be a RaceSettings.")
        if self.view is not None:
            view = number_tuple(self.view, 4, "view")
            check_range(view[0], view[1], "view (x)")
            check_range(view[2], view[3], "view (y)")
            _set(self, "view", view)
        if not isinstance(self.params, Mapping):
            raise SessionError("params must map parameter names to {value, min, max}.")
        if len(self.params) > MAX_PARAMS:
            raise SessionError(f"Too many parameters ({len(self.params)}; at most {MAX_PARAMS}).")
        for name, p in self.params.items():
            check_param_name(name)
            if not isinstance(p, ParamState):
                raise SessionError(f"params.{name} must be a ParamState.")
        _set(self, "params", _FrozenParams(self.params))
        if not isinstance(self.toggles, Toggles):
            raise SessionError("toggles must be a Toggles.")
        if not isinstance(self.descent, DescentSettings):
            raise SessionError("descent must be a DescentSettings.")
        if self.descent.target != "x" and self.descent.target not in self.params:
            raise SessionError(
                f"descent.target is {self.descent.target!r}, which is not one of the parameters.",
                hint='Use "x" or add the parameter to params.',
            )
        if not isinstance(self.graph, GraphSettings):
            raise SessionError("graph must be a GraphSettings.")
        if self.graph.seed != "x" and self.graph.seed not in self.params:
            raise SessionError(
                f"graph.seed is {self.graph.seed!r}, which is not one of the parameters.",
                hint='Use "x" or add the parameter to params.',
            )
        if not isinstance(self.points, PointsSettings):
            raise SessionError("points must be a PointsSettings.")
        if not isinstance(self.taylor, TaylorSettings):
            raise SessionError("taylor must be a TaylorSettings.")

    @property
    def text(self) -> str:
        """What the function field shows: the draft while it has an error, else the function."""
        return self.expression if self.draft is None else self.draft

    def param_values(self) -> dict[str, float]:
        """Parameter values only, as the expression evaluator wants them."""
        return {name: p.value for name, p in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        """The saved form (JSON-ready; the draft is not part of it)."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "title": self.title,
            "note": self.note,
            "expression": self.expression,
            "x": self.x,
            "x_range": list(self.x_range),
            "params": {name: p.to_dict() for name, p in self.params.items()},
            "view": None if self.view is None else list(self.view),
            "toggles": self.toggles.to_dict(),
            "descent": self.descent.to_dict(),
            "graph": self.graph.to_dict(),
            "y": self.y,
            "y_range": list(self.y_range),
            "landscape": self.landscape.to_dict(),
            "race": self.race.to_dict(),
            "second": self.second,
            "points": self.points.to_dict(),
            "taylor": self.taylor.to_dict(),
        }


class _FrozenParams(dict):
    """The parameters of a state: a dict (so it compares and prints as one) that refuses
    changes, since a state is shared between the model, undo and the views."""

    def _refuse(self, *_args: object, **_kwargs: object) -> None:
        raise TypeError("a session's params cannot be changed: use dataclasses.replace")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle without __setitem__
        return (_FrozenParams, (dict(self),))


# --------------------------------------------------------------------------------------------
# Checks shared with the codec


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def number_tuple(value: Any, n: int, where: str) -> tuple[float, ...]:
    if not isinstance(value, tuple | list) or len(value) != n:
        raise SessionError(f"{where} must be a list of {n} numbers, found {kind(value)}.")
    return tuple(finite(v, f"{where}[{i}]") for i, v in enumerate(value))


def check_range(lo: float, hi: float, where: str) -> None:
    if not lo < hi:
        raise SessionError(f"{where} must go from a smaller to a larger number, found {lo}..{hi}.")
    problem = range_problem(lo, hi)  # ±1e308: finite ends, but no float width or middle
    if problem is not None:
        raise SessionError(f"{where} {lo:g}..{hi:g} {problem}.")


def check_inside(value: float, lo: float, hi: float, where: str) -> None:
    if not lo <= value <= hi:
        raise SessionError(f"{where} = {value} lies outside its range {lo}..{hi}.")


def check_param_name(name: Any) -> None:
    if not isinstance(name, str) or not _PARAM_NAME.match(name) or len(name) > MAX_PARAM_NAME:
        raise SessionError(f"{short(name)} is not a valid parameter name.")
    if name in _RESERVED_NAMES:
        raise SessionError(f"{name!r} cannot be a parameter: x is the variable, e is Euler's e.")


def text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise SessionError(f"{where} must be text, found {kind(value)}.")
    if len(value) > limit:
        raise SessionError(f"{where} is too long ({len(value)} characters; at most {limit}).")
    return value
