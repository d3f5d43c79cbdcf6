"""Learning-rate schedules as torch.optim.lr_scheduler computes them, step by step.

PyTorch's schedulers are "chainable": each step multiplies or shifts the optimizer's current
learning rate (get_lr), rather than recomputing it from the base (the closed form is used only
when an epoch is passed to step() or at a SequentialLR milestone). The rounding of the two
differs in the last bits, so the numbers here follow the recursive rules exactly:

- constant: the base rate.
- step (StepLR(step_size, gamma)): × gamma every step_size steps.
- cosine (CosineAnnealingLR(T_max, eta_min)): the recursive cosine of SGDR, without restarts.
- warmup (LinearLR(start_factor, total_iters=warmup)) in front of step or cosine, joined by
  SequentialLR(milestones=[warmup]), or alone in front of a constant rate.

The learning rate of optimizer step k (k = 1, 2, ...) is the one set after k - 1 scheduler
steps, as in the usual loop `optimizer.step(); scheduler.step()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gradexplorer.errors import GradExplorerError

SCHEDULES = ("constant", "step", "cosine")
LINEAR_START = 1.0 / 3  # LinearLR's default start_factor
STEP_GAMMA = 0.1  # StepLR's default gamma
MAX_STEPS = 100_000


class ScheduleError(GradExplorerError):
    """A schedule setting PyTorch would refuse (it raises ValueError there)."""


@dataclass(frozen=True)
class Schedule:
    """How the learning rate changes over the steps (PyTorch's argument names).

    ``t_max`` of the cosine counts the steps after the warmup; None means "the rest of the
    run", which is what people usually pass as T_max."""

    kind: str = "constant"
    warmup: int = 0  # LinearLR total_iters; 0 = no warmup
    warmup_start: float = LINEAR_START  # LinearLR start_factor
    step_size: int = 30  # StepLR
    gamma: float = STEP_GAMMA  # StepLR
    t_max: int | None = None  # CosineAnnealingLR T_max
    eta_min: float = 0.0  # CosineAnnealingLR

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise ScheduleError(
                f"unknown schedule {self.kind!r}", hint=f"choose one of {', '.join(SCHEDULES)}"
            )
        for name in ("warmup", "step_size") + (("t_max",) if self.t_max is not None else ()):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScheduleError(f"{name} must be a whole number of steps, not {value!r}")
        if not 0 <= self.warmup <= MAX_STEPS:
            raise ScheduleError(f"warmup must be between 0 and {MAX_STEPS} steps")
        for name in ("warmup_start", "gamma", "eta_min"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScheduleError(f"{name} must be a number, not {value!r}")
            object.__setattr__(self, name, float(value))
            if not math.isfinite(getattr(self, name)):
                raise ScheduleError(f"{name} must be a finite number")
        if not 0 < self.warmup_start <= 1:
            raise ScheduleError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                "equal to 1.",
                hint="warmup_start is the fraction of the learning rate the warmup starts at",
            )
        if self.step_size < 1:
            raise ScheduleError("step_size must be at least 1 step")
        if self.t_max is not None and self.t_max < 1:
            raise ScheduleError("t_max must be at least 1 step")

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "warmup": self.warmup,
            "warmup_start": self.warmup_start,
            "step_size": self.step_size,
            "gamma": self.gamma,
            "t_max": self.t_max,
            "eta_min": self.eta_min,
        }

    def describe(self) -> str:
        """In words, for tables and status lines."""
        main = {
            "constant": "constant",
            "step": f"× {self.gamma:g} every {self.step_size} steps",
            "cosine": "cosine to " + (f"{self.eta_min:g}" if self.eta_min else "0"),
        }[self.kind]
        return f"warmup {self.warmup} steps, then {main}" if self.warmup else main


CONSTANT = Schedule()


def learning_rates(base: float, schedule: Schedule, steps: int) -> list[float]:
    """The learning rate of each of `steps` optimizer steps (length `steps`)."""
    steps = max(0, int(steps))
    warm = schedule.warmup
    if schedule.kind == "constant" and not warm:
        return [base] * steps  # what the loop below gives, without its 500 turns
    lr = base * schedule.warmup_start if warm else base  # the schedulers' initial step
    rates: list[float] = []
    main_epoch = None  # the main scheduler's last_epoch once the warmup milestone is passed
    t_max = schedule.t_max
    for epoch in range(steps):
        rates.append(lr)
        e = epoch + 1  # the scheduler step that sets the rate of the next optimizer step
        if warm and e < warm:
            lr = _linear(lr, schedule, e)
        elif warm and e == warm:
            if schedule.kind == "constant":
                lr = _linear(lr, schedule, e)  # LinearLR alone: it reaches the base here
            else:
                main_epoch = 0
                lr = _closed_form_start(base, schedule)
        elif warm and schedule.kind == "constant":
            lr = _linear(lr, schedule, e)  # past total_iters LinearLR keeps the rate
        else:
            main_epoch = e if main_epoch is None else main_epoch + 1
            if t_max is None:
                t_max = max(1, steps - warm)
            lr = _main(lr, base, schedule, main_epoch, t_max)
    return rates


def _linear(lr: float, s: Schedule, epoch: int) -> float:
    """LinearLR.get_lr (end_factor 1) at last_epoch = epoch >= 1."""
    if epoch > s.warmup:
        return lr
    start, end = s.warmup_start, 1.0
    return lr * (1.0 + (end - start) / (s.warmup * start + (epoch - 1) * (end - start)))


def _closed_form_start(base: float, s: Schedule) -> float:
    """SequentialLR at its milestone calls the main scheduler's closed form at epoch 0."""
    if s.kind == "step":
        return base * s.gamma ** (0 // s.step_size)
    return s.eta_min + (base - s.eta_min) * (1 + math.cos(0.0)) / 2


def _main(lr: float, base: float, s: Schedule, epoch: int, t_max: int) -> float:
    """StepLR / CosineAnnealingLR get_lr at last_epoch = epoch >= 1 (constant: unchanged)."""
    if s.kind == "constant":
        return lr
    if s.kind == "step":
        return lr if epoch % s.step_size != 0 else lr * s.gamma
    if (epoch - 1 - t_max) % (2 * t_max) == 0:
        return lr + (base - s.eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    return (1 + math.cos(math.pi * epoch / t_max)) / (
        1 + math.cos(math.pi * (epoch - 1) / t_max)
    ) * (lr - s.eta_min) + s.eta_min


def pytorch_lines(schedule: Schedule, steps: int, optimizer: str = "optimizer") -> list[str]:
    """The scheduler construction in PyTorch (empty for a constant rate without warmup)."""
    s = schedule
    lr_sched = "torch.optim.lr_scheduler"
    t_max = s.t_max if s.t_max is not None else max(1, steps - s.warmup)
    main = {
        "constant": None,
        "step": f"{lr_sched}.StepLR({optimizer}, step_size={s.step_size}, gamma={s.gamma!r})",
        "cosine": f"{lr_sched}.CosineAnnealingLR({optimizer}, T_max={t_max}, "
        f"eta_min={s.eta_min!r})",
    }[s.kind]
    if not s.warmup:
        return [] if main is None else [f"scheduler = {main}"]
    warm = (
        f"{lr_sched}.LinearLR({optimizer}, start_factor={s.warmup_start!r}, total_iters={s.warmup})"
    )
    if main is None:
        return [f"scheduler = {warm}"]
    return [
        f"warmup = {warm}",
        f"main = {main}",
        f"scheduler = {lr_sched}.SequentialLR({optimizer}, [warmup, main], "
        f"milestones=[{s.warmup}])",
    ]
