"""The update rules of torch.optim, for a student's function: SGD (with momentum, dampening,
Nesterov and weight decay), RMSprop, Adagrad, Adam and AdamW, with PyTorch's parameter names,
defaults and argument checks.

Each rule follows the single-tensor code path of torch/optim (``_single_tensor_sgd`` and
friends) operation by operation, in float64, so a student's numbers here are the ones PyTorch
prints: where eps goes (outside the square root), Adam's bias corrections on the step size and
on the root, L2 weight decay added to the gradient (SGD, RMSprop, Adagrad, Adam) or decoupled
as a shrink of the parameter before the update (AdamW), the momentum buffer starting as the
first gradient (SGD) or at zero (RMSprop), ``maximize`` negating the gradient.

The arithmetic is on plain Python floats, one component at a time: for two coordinates that is
far cheaper than numpy's per-call overhead, and IEEE float64 gives the same results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gradexplorer.errors import GradExplorerError
from gradexplorer.lessons.schedules import CONSTANT, Schedule

Vector = list[float]


class OptimizerError(GradExplorerError):
    """A setting torch.optim would refuse (the message is PyTorch's own where it has one)."""


# Every option of each optimizer with PyTorch's default, in the order of its signature.
DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
    },
    "rmsprop": {
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
        "maximize": False,
    },
    "adagrad": {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
        "maximize": False,
    },
    "adam": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "maximize": False,
    },
    "adamw": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 1e-2,
        "amsgrad": False,
        "maximize": False,
    },
}
CLASS_NAMES = {
    "sgd": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adam": "Adam",
    "adamw": "AdamW",
}
_FLAGS = frozenset({"nesterov", "maximize", "centered", "amsgrad"})


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer with all its settings (missing ones take PyTorch's defaults) and its
    learning-rate schedule. Construction checks what torch.optim checks."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    schedule: Schedule = CONSTANT

    def __post_init__(self) -> None:
        if self.name not in DEFAULTS:
            raise OptimizerError(
                f"unknown optimizer {self.name!r}", hint=f"choose one of {', '.join(DEFAULTS)}"
            )
        defaults = DEFAULTS[self.name]
        unknown = sorted(set(self.settings) - set(defaults))
        if unknown:
            raise OptimizerError(
                f"{CLASS_NAMES[self.name]} has no option {', '.join(unknown)}",
                hint=f"its options: {', '.join(defaults)}",
            )
        merged = {k: _checked(k, self.settings.get(k, v)) for k, v in defaults.items()}
        _check_ranges(self.name, merged)
        object.__setattr__(self, "settings", _Frozen(merged))
        if not isinstance(self.schedule, Schedule):
            raise OptimizerError("schedule must be a Schedule")

    def __getitem__(self, option: str) -> Any:
        return self.settings[option]

    @property
    def lr(self) -> float:
        return self.settings["lr"]

    @property
    def class_name(self) -> str:
        return CLASS_NAMES[self.name]

    @property
    def label(self) -> str:
        """Short and distinct: "SGD", "SGD momentum 0.9", "SGD Nesterov 0.9", "Adam"."""
        s = self.settings
        if self.name == "sgd" and s["momentum"]:
            kind = "Nesterov" if s["nesterov"] else "momentum"
            return f"SGD {kind} {s['momentum']:g}"
        if self.name == "rmsprop" and s["momentum"]:
            return f"RMSprop momentum {s['momentum']:g}"
        return self.class_name

    def changed(self) -> dict[str, Any]:
        """The settings that differ from PyTorch's defaults (what a constructor call shows)."""
        return {k: v for k, v in self.settings.items() if v != DEFAULTS[self.name][k]}

    def with_settings(self, **changes: Any) -> OptimizerSpec:
        return OptimizerSpec(self.name, {**self.settings, **changes}, self.schedule)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"optimizer": self.name}
        for k, v in self.settings.items():
            out[k] = list(v) if isinstance(v, tuple) else v
        out["schedule"] = self.schedule.to_dict()
        return out

    def pytorch_call(self, params: str = "[x, y]") -> str:
        """torch.optim.Adam([x, y], lr=0.05, betas=(0.9, 0.99)): the lr and every non-default
        option, as a student would write it."""
        parts = [params, f"lr={self.lr!r}"]
        for k, v in self.changed().items():
            if k != "lr":
                parts.append(f"{k}={v!r}")
        return f"torch.optim.{self.class_name}({', '.join(parts)})"

    def rule(self, dim: int) -> Rule:
        """A fresh run of this optimizer's update rule on `dim` coordinates."""
        return _RULES[self.name](self.settings, dim)


class _Frozen(dict):
    """The settings of a spec: a dict that refuses changes (specs are shared)."""

    def _refuse(self, *_args: object, **_kwargs: object) -> None:
        raise TypeError("an optimizer's settings cannot be changed: use with_settings")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Frozen, (dict(self),))


def _checked(name: str, value: Any) -> Any:
    if name in _FLAGS:
        if not isinstance(value, bool):
            raise OptimizerError(f"{name} must be true or false, not {value!r}")
        return value
    if name == "betas":
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
            raise OptimizerError(f"betas must be two numbers, as in (0.9, 0.999), not {value!r}")
        return (_number("betas[0]", value[0]), _number("betas[1]", value[1]))
    return _number(name, value)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptimizerError(f"{name} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise OptimizerError(f"{name} must be a finite number, not {number!r}")
    return number


def _check_ranges(name: str, s: dict[str, Any]) -> None:
    """The checks of the torch.optim constructors, with their messages."""
    checks = [
        ("lr", s["lr"] >= 0, "Invalid learning rate"),
        ("momentum", s.get("momentum", 0.0) >= 0, "Invalid momentum value"),
        ("weight_decay", s["weight_decay"] >= 0, "Invalid weight_decay value"),
        ("eps", s.get("eps", 0.0) >= 0, "Invalid epsilon value"),
        ("alpha", s.get("alpha", 0.0) >= 0, "Invalid alpha value"),
        ("lr_decay", s.get("lr_decay", 0.0) >= 0, "Invalid lr_decay value"),
        (
            "initial_accumulator_value",
            s.get("initial_accumulator_value", 0.0) >= 0,
            "Invalid initial_accumulator_value value",
        ),
    ]
    for option, ok, message in checks:
        if not ok:
            raise OptimizerError(f"{message}: {s[option]!r}", hint=f"{option} must be >= 0")
    if "betas" in s:
        for i, beta in enumerate(s["betas"]):
            if not 0.0 <= beta < 1.0:
                raise OptimizerError(
                    f"Invalid beta parameter at index {i}: {beta!r}",
                    hint="each beta must be at least 0 and below 1",
                )
    if name == "sgd" and s["nesterov"] and (s["momentum"] <= 0 or s["dampening"] != 0):
        raise OptimizerError(
            "Nesterov momentum requires a momentum and zero dampening",
            hint="set momentum above 0 (e.g. 0.9) and dampening to 0",
        )


# ----- the update rules -------------------------------------------------------------------
# update(p, grad, lr, explain) -> (new p, terms): `grad` is ∇f at p; `lr` is the scheduled rate
# of this step; `terms` (only when explain) names the vectors a student sees in the step:
# the gradient the rule uses, its buffers, and the step taken.

Terms = dict[str, Vector]


def _lerp(start: float, end: float, weight: float) -> float:
    """torch.lerp as its CPU kernel computes it."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


class Rule:
    """One run of an update rule. Each rule is one loop over the coordinates, which both the
    race (explain=False) and the step mode (explain=True: the terms too) run: for two
    coordinates a plain loop is several times cheaper than a list comprehension per vector."""

    def __init__(self, settings: Mapping[str, Any], dim: int) -> None:
        self.s = settings
        self.dim = dim
        self.step_count = 0
        self.maximize = settings["maximize"]
        self.weight_decay = settings["weight_decay"]
        self.plain = not self.maximize and self.weight_decay == 0  # the gradient as it is

    def _gradient(self, p: Sequence[float], grad: Sequence[float]) -> Sequence[float]:
        """maximize and L2 weight decay, as the coupled rules apply them first (a new list:
        the gradient itself, read and never changed, is used where `plain`)."""
        wd = self.weight_decay
        g = [-v for v in grad] if self.maximize else list(grad)
        if wd != 0:
            g = [gi + wd * pi for gi, pi in zip(g, p, strict=True)]
        return g

    def update(
        self, p: Vector, grad: Sequence[float], lr: float, explain: bool = False
    ) -> tuple[Vector, Terms | None]:
        raise NotImplementedError


class SGD(Rule):
    def __init__(self, settings: Mapping[str, Any], dim: int) -> None:
        super().__init__(settings, dim)
        self.buf: Vector | None = None
        self.momentum = settings["momentum"]
        self.keep = 1 - settings["dampening"]
        self.nesterov = settings["nesterov"]

    def update(self, p, grad, lr, explain=False):
        g = grad if self.plain else self._gradient(p, grad)
        momentum, buf, keep, nesterov = self.momentum, self.buf, self.keep, self.nesterov
        first = buf is None
        if momentum != 0 and first:
            buf = self.buf = list(g)  # the buffer starts as the first gradient, undampened
        new, d = [], []
        for i in range(self.dim):
            gi = g[i]
            if momentum != 0:
                if not first:
                    buf[i] = buf[i] * momentum + keep * gi
                gi = gi + momentum * buf[i] if nesterov else buf[i]
            new.append(p[i] + -lr * gi)
            d.append(gi)
        if not explain:
            return new, None
        terms: Terms = {"g": list(g)}
        if momentum != 0:
            terms["buf"] = list(buf)
            terms["d"] = d
        return new, _with_step(terms, p, new)


class RMSprop(Rule):
    def __init__(self, settings: Mapping[str, Any], dim: int) -> None:
        super().__init__(settings, dim)
        self.square_avg = [0.0] * dim
        self.grad_avg = [0.0] * dim
        self.buf = [0.0] * dim
        self.constants = (settings["alpha"], settings["eps"], settings["momentum"],
                         settings["centered"])  # fmt: skip

    def update(self, p, grad, lr, explain=False):
        self.step_count += 1
        g = grad if self.plain else self._gradient(p, grad)
        alpha, eps, momentum, centered = self.constants
        square_avg, grad_avg, buf = self.square_avg, self.grad_avg, self.buf
        new, denom = [], []
        for i in range(self.dim):
            gi = g[i]
            v = square_avg[i] = square_avg[i] * alpha + (1 - alpha) * gi * gi
            if centered:
                a = grad_avg[i] = _lerp(grad_avg[i], gi, 1 - alpha)
                avg = math.sqrt(v + -1 * a * a)
            else:
                avg = math.sqrt(v)
            avg = avg + eps
            if explain:
                denom.append(avg)
            if momentum > 0:
                b = buf[i] = buf[i] * momentum + gi / avg
                new.append(p[i] + -lr * b)
            else:
                new.append(p[i] + -lr * gi / avg)
        if not explain:
            return new, None
        terms = {"g": list(g), "v": list(square_avg), "denom": denom}
        if momentum > 0:
            terms["buf"] = list(buf)
        return new, _with_step(terms, p, new)


class Adagrad(Rule):
    def __init__(self, settings: Mapping[str, Any], dim: int) -> None:
        super().__init__(settings, dim)
        self.sum = [settings["initial_accumulator_value"]] * dim

    def update(self, p, grad, lr, explain=False):
        s = self.s
        self.step_count += 1
        g = grad if self.plain else self._gradient(p, grad)
        clr = lr / (1 + (self.step_count - 1) * s["lr_decay"])
        eps, total = s["eps"], self.sum
        new, std = [], []
        for i in range(self.dim):
            gi = g[i]
            v = total[i] = total[i] + 1 * gi * gi
            sd = math.sqrt(v) + eps
            if explain:
                std.append(sd)
            new.append(p[i] + -clr * gi / sd)
        if not explain:
            return new, None
        return new, _with_step({"g": list(g), "sum": list(total), "denom": std}, p, new)


class Adam(Rule):
    decoupled = False  # AdamW: weight decay shrinks the parameter instead

    def __init__(self, settings: Mapping[str, Any], dim: int) -> None:
        super().__init__(settings, dim)
        self.plain = not self.maximize and (self.decoupled or self.weight_decay == 0)
        self.exp_avg = [0.0] * dim
        self.exp_avg_sq = [0.0] * dim
        self.max_exp_avg_sq = [0.0] * dim
        self.constants = (*settings["betas"], settings["eps"], settings["amsgrad"],
                         settings["weight_decay"])  # fmt: skip

    def _gradient(self, p: Sequence[float], grad: Sequence[float]) -> Sequence[float]:
        if not self.decoupled:
            return super()._gradient(p, grad)
        return [-v for v in grad] if self.maximize else grad

    def update(self, p, grad, lr, explain=False):
        self.step_count += 1
        step = float(self.step_count)
        g = grad if self.plain else self._gradient(p, grad)
        decoupled = self.decoupled
        beta1, beta2, eps, amsgrad, weight_decay = self.constants
        shrink = 1 - lr * weight_decay
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        # Adam takes the root with math.sqrt (_dispatch_sqrt), AdamW with ** 0.5
        root2 = bias_correction2**0.5 if decoupled else math.sqrt(bias_correction2)
        exp_avg, exp_avg_sq, max_sq = self.exp_avg, self.exp_avg_sq, self.max_exp_avg_sq
        new, denom, shrunk = [], [], []
        for i in range(self.dim):
            gi, pi = g[i], p[i]
            if decoupled:
                pi = pi * shrink
                if explain:
                    shrunk.append(pi)
            m = exp_avg[i] = _lerp(exp_avg[i], gi, 1 - beta1)
            v = exp_avg_sq[i] = exp_avg_sq[i] * beta2 + (1 - beta2) * gi * gi
            if amsgrad:
                v = max_sq[i] = max(max_sq[i], v)
            d = math.sqrt(v) / root2 + eps
            if explain:
                denom.append(d)
            new.append(pi + -step_size * m / d)
        if not explain:
            return new, None
        terms = {
            "g": list(g),
            "m_hat": [m / bias_correction1 for m in exp_avg],
            "denom": denom,
        }
        if decoupled:
            terms["decay"] = [b - a for a, b in zip(p, shrunk, strict=True)]
        return new, _with_step(terms, p, new)


class AdamW(Adam):
    decoupled = True


def _with_step(terms: Terms, before: Sequence[float], after: Sequence[float]) -> Terms:
    terms["step"] = [b - a for a, b in zip(before, after, strict=True)]
    return terms


_RULES: dict[str, type[Rule]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adam": Adam,
    "adamw": AdamW,
}


def make(name: str, schedule: Schedule = CONSTANT, **settings: Any) -> OptimizerSpec:
    """OptimizerSpec("adam", {...}) with keywords: make("sgd", lr=0.1, momentum=0.9)."""
    return OptimizerSpec(name, settings, schedule)


# The racers a lesson starts with: every optimizer of the issue, each with a learning rate that
# moves on a landscape of a few units within a few hundred steps (PyTorch's 1e-3 would not).
RACERS: tuple[OptimizerSpec, ...] = (
    make("sgd", lr=0.01),
    make("sgd", lr=0.01, momentum=0.9),
    make("sgd", lr=0.01, momentum=0.9, nesterov=True),
    make("rmsprop", lr=0.01),
    make("adagrad", lr=0.5),
    make("adam", lr=0.05),
    make("adamw", lr=0.05),
)
