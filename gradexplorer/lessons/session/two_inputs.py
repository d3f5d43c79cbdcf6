"""The parts of a session that a function of two inputs uses: how the landscape is shown and
which optimizers race from where. Both are always present (a one-input session keeps the
defaults), frozen, and checked on construction like the rest of the schema."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from gradexplorer.errors import GradExplorerError, SessionError
from gradexplorer.lessons.optimizers import RACERS, OptimizerSpec
from gradexplorer.lessons.race import DEFAULT_TOL
from gradexplorer.lessons.session.checks import finite, range_problem

ARROWS = ("gradient", "descent", "off")  # the arrow field shows ∇f, −∇f, or nothing
MAX_RACERS = 8
MAX_RACE_STEPS = 5000
DEFAULT_RACE_STEPS = 200
DEFAULT_START = (-1.5, 1.5)
DEFAULT_RACERS = (RACERS[0], RACERS[1], RACERS[5])  # plain descent, momentum, Adam
Box = tuple[float, float, float, float]


def normal_angle(degrees: float) -> float:
    """An angle in degrees folded into (-180, 180]."""
    a = math.fmod(degrees, 360.0)
    if a > 180.0:
        a -= 360.0
    elif a <= -180.0:
        a += 360.0
    return a + 0.0  # no -0.0


@dataclass(frozen=True)
class LandscapeSettings:
    """The landscape view: its visible box (None: the x and y ranges), the direction of the
    slice the plot shows (degrees from the first input's axis), the log colour scale and what
    the arrow field shows."""

    box: Box | None = None
    direction: float = 0.0
    log_scale: bool = False
    arrows: str = "gradient"

    def __post_init__(self) -> None:
        if self.box is not None:
            if not isinstance(self.box, tuple | list) or len(self.box) != 4:
                raise SessionError("landscape.box must be a list of 4 numbers.")
            box = tuple(finite(v, f"landscape.box[{i}]") for i, v in enumerate(self.box))
            for lo, hi, axis in ((box[0], box[1], "x"), (box[2], box[3], "y")):
                if not lo < hi:
                    raise SessionError(f"landscape.box ({axis}) must go from smaller to larger.")
                problem = range_problem(lo, hi)
                if problem is not None:
                    raise SessionError(f"landscape.box ({axis}) {lo:g}..{hi:g} {problem}.")
            object.__setattr__(self, "box", box)
        direction = finite(self.direction, "landscape.direction")
        object.__setattr__(self, "direction", normal_angle(direction))
        if not isinstance(self.log_scale, bool):
            raise SessionError("landscape.log_scale must be true or false.")
        if self.arrows not in ARROWS:
            raise SessionError(f"landscape.arrows must be one of {', '.join(ARROWS)}.")

    @property
    def unit(self) -> tuple[float, float]:
        """The slice direction as a unit vector (exact on the axes)."""
        exact = {0.0: (1.0, 0.0), 90.0: (0.0, 1.0), 180.0: (-1.0, 0.0), -90.0: (0.0, -1.0)}
        if self.direction in exact:
            return exact[self.direction]
        r = math.radians(self.direction)
        return math.cos(r), math.sin(r)

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": None if self.box is None else list(self.box),
            "direction": self.direction,
            "log_scale": self.log_scale,
            "arrows": self.arrows,
        }


@dataclass(frozen=True)
class RaceSettings:
    """Optimizers racing from one start: each with its settings and schedule, how many steps,
    the |∇f| that counts as arrived, and the one selected (whose PyTorch code is copied and
    whose updates the step mode explains)."""

    start: tuple[float, float] = DEFAULT_START
    optimizers: tuple[OptimizerSpec, ...] = field(default=DEFAULT_RACERS)
    steps: int = DEFAULT_RACE_STEPS
    tol: float = DEFAULT_TOL
    selected: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.start, tuple | list) or len(self.start) != 2:
            raise SessionError("race.start must be a list of 2 numbers.")
        start = tuple(finite(v, f"race.start[{i}]") for i, v in enumerate(self.start))
        object.__setattr__(self, "start", start)
        optimizers = tuple(self.optimizers)
        if len(optimizers) > MAX_RACERS:
            raise SessionError(f"At most {MAX_RACERS} optimizers can race.")
        if not all(isinstance(o, OptimizerSpec) for o in optimizers):
            raise SessionError("race.optimizers must be optimizer settings.")
        object.__setattr__(self, "optimizers", optimizers)
        for name in ("steps", "selected"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise SessionError(f"race.{name} must be a whole number, found {value!r}.")
        if not 1 <= self.steps <= MAX_RACE_STEPS:
            raise SessionError(f"race.steps must be from 1 to {MAX_RACE_STEPS}.")
        tol = finite(self.tol, "race.tol")
        if tol <= 0:
            raise SessionError("race.tol must be a positive number.")
        object.__setattr__(self, "tol", tol)
        if not 0 <= self.selected < max(1, len(optimizers)):
            raise SessionError("race.selected must point at one of the optimizers.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": list(self.start),
            "optimizers": [o.to_dict() for o in self.optimizers],
            "steps": self.steps,
            "tol": self.tol,
            "selected": self.selected,
        }


def optimizer_from_dict(raw: Any, where: str) -> OptimizerSpec:
    """An optimizer entry of a file, checked (SessionError naming where it is)."""
    from gradexplorer.lessons.schedules import Schedule

    if not isinstance(raw, dict):
        raise SessionError(f"{where} must be an object.")
    data = dict(raw)
    name = data.pop("optimizer", None)
    schedule = data.pop("schedule", None)
    try:
        sched = Schedule() if schedule is None else Schedule(**_object(schedule, where))
        if "betas" in data and isinstance(data["betas"], list):
            data["betas"] = tuple(data["betas"])
        return OptimizerSpec(name if isinstance(name, str) else repr(name), data, sched)
    except (GradExplorerError, TypeError) as exc:
        message = exc.message if isinstance(exc, GradExplorerError) else str(exc)
        raise SessionError(f"{where}: {message}") from None


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SessionError(f"{where}.schedule must be an object.")
    return value
