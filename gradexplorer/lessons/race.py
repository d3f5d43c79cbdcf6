"""Several optimizers racing from one start: their paths, how each run ended, and each update
explained in words and numbers (the step mode).

All runs move in lockstep so that every step evaluates f and ∇f at all the current points in
one vectorised call (the engine's cost is per operation, not per point). A run stops early when
it leaves the numbers (nan or ±inf: "non-finite") or runs past a huge bound ("diverged"); the
others go on for all the steps.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from gradexplorer.formatting import step as num
from gradexplorer.lessons.optimizers import OptimizerSpec, Terms
from gradexplorer.lessons.schedules import learning_rates

CONVERGED = "converged"  # |∇f| fell below the tolerance (and the run went on to the end)
RUNNING = "running"  # every step taken, |∇f| never below the tolerance
DIVERGED = "diverged"  # ran past the bound
NON_FINITE = "non-finite"  # nan or ±inf in the point, f or ∇f
BOUND = 1e8
DEFAULT_TOL = 1e-4

# one array of coordinates per input (k points) -> f (k,), one array of ∂f/∂input per input
Evaluate = Callable[[list[np.ndarray]], tuple[np.ndarray, Sequence[np.ndarray]]]


@dataclass(frozen=True)
class Run:
    """One optimizer's run: the visited points (the start first), f and ∇f at each, the
    learning rate of each step, and how it ended."""

    spec: OptimizerSpec
    path: tuple[tuple[float, ...], ...]
    values: tuple[float, ...]
    gradients: tuple[tuple[float, ...], ...]
    lrs: tuple[float, ...]
    status: str
    steps_to_tol: int | None  # first k with |∇f(p_k)| < tol
    stopped_at: int | None  # the step that left the numbers or the bound

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @cached_property
    def points(self) -> np.ndarray:
        """The path as an array, one row per point (what the landscape draws)."""
        dim = len(self.path[0])
        flat = itertools.chain.from_iterable(self.path)  # 3x faster than asarray of tuples
        return np.fromiter(flat, float, dim * len(self.path)).reshape(-1, dim)

    @property
    def diverged(self) -> bool:
        return self.status in (DIVERGED, NON_FINITE)

    @property
    def final_value(self) -> float:
        return self.values[-1]

    def grad_norm(self, k: int) -> float:
        return math.hypot(*self.gradients[k])

    def summary(self, tol: float) -> str:
        """One line for a student: how it went."""
        if self.status == NON_FINITE:
            return f"stopped at step {self.stopped_at}: the numbers left the finite range"
        if self.status == DIVERGED:
            return f"diverged: ran past ±{BOUND:g} at step {self.stopped_at}"
        if self.steps_to_tol is not None:
            return f"|∇f| < {tol:g} after {self.steps_to_tol} steps"
        return f"|∇f| still {num(self.grad_norm(-1))} after {self.steps} steps"


class _EngineObjective:
    """f and ∇f of a typed expression at a batch of points, through the engine; `lists` takes
    and gives lists of floats (what the race's loop works with), with the same numbers."""

    def __init__(self, expression: Any, params: dict[str, float]) -> None:
        self.expression, self.params = expression, params
        self.lists = expression.gradient_lists_at(params)

    def __call__(self, coords: list[np.ndarray]) -> tuple[np.ndarray, Sequence[np.ndarray]]:
        return self.expression.gradient_batch(coords, self.params)


def engine_objective(expression: Any, params: dict[str, float]) -> Evaluate:
    """f and ∇f of a typed expression at a batch of points, through the engine."""
    return _EngineObjective(expression, params)


def _as_lists(evaluate: Evaluate) -> Callable[[list[list[float]]], tuple[list, list]]:
    """An objective's lists: its own where it has them, else through arrays."""
    own = getattr(evaluate, "lists", None)
    if own is not None:
        return own

    def lists(columns: list[list[float]]) -> tuple[list, list]:
        f, g = evaluate([np.array(c) for c in columns])
        return f.tolist(), [gd.tolist() for gd in g]

    return lists


def race(
    evaluate: Evaluate,
    start: Sequence[float],
    specs: Sequence[OptimizerSpec],
    steps: int,
    *,
    tol: float = DEFAULT_TOL,
    bound: float = BOUND,
) -> tuple[Run, ...]:
    """Run every optimizer from `start` for `steps` steps, all in lockstep."""
    start = tuple(float(v) for v in start)
    dim, n = len(start), len(specs)
    updates = [spec.rule(dim).update for spec in specs]
    rates = [learning_rates(spec.lr, spec.schedule, steps) for spec in specs]
    points: list[Sequence[float]] = [start for _ in specs]  # a rule returns a new list
    paths: list[list[tuple[float, ...]]] = [[start] for _ in specs]
    values: list[list[float]] = [[] for _ in specs]
    grads: list[list[tuple[float, ...]]] = [[] for _ in specs]
    live = list(range(n))
    status = [RUNNING] * n
    stopped: list[int | None] = [None] * n
    lists = _as_lists(evaluate)
    for k in range(steps + 1):
        if not live:
            break
        columns = list(map(list, zip(*map(points.__getitem__, live), strict=True)))
        f_list, g_lists = lists(columns)
        # One sum over every run says whether any is in trouble (nan, ±inf or past the
        # bound: each term is at most the sum); only then is each run looked at.
        total = sum(map(abs, itertools.chain(f_list, *columns, *g_lists)))
        calm = total <= bound  # False for nan and inf too
        still = []
        for i, fi, gi in zip(live, f_list, zip(*g_lists, strict=True), strict=True):
            values[i].append(fi)
            grads[i].append(gi)
            trouble = None if calm else _trouble(points[i], fi, gi, bound)
            if trouble is not None:
                status[i], stopped[i] = trouble, k
            elif k < steps:
                p = points[i] = updates[i](points[i], gi, rates[i][k])[0]
                paths[i].append(tuple(p))  # (a list would reach the GC's oldest generation)
                still.append(i)
        live = still
    return tuple(
        _finish(specs[i], paths[i], values[i], grads[i], rates[i], status[i], stopped[i], tol)
        for i in range(n)
    )


def _trouble(p: Sequence[float], f: float, g: Sequence[float], bound: float) -> str | None:
    # one sum tells whether anything is nan or ±inf (or so large it overflows: past the bound)
    if not math.isfinite(abs(f) + sum(map(abs, p)) + sum(map(abs, g))):
        return NON_FINITE
    if abs(f) > bound or max(map(abs, p)) > bound:
        return DIVERGED
    return None


def _finish(
    spec: OptimizerSpec,
    path: list[tuple[float, ...]],
    values: list[float],
    grads: list[tuple[float, ...]],
    rates: list[float],
    status: str,
    stopped: int | None,
    tol: float,
) -> Run:
    # a stopped run's last point has a value (perhaps nan) but no step was taken from it
    reached = next((k for k, g in enumerate(grads) if math.hypot(*g) < tol), None)
    if status == RUNNING and reached is not None:
        status = CONVERGED
    return Run(
        spec,
        tuple(path),
        tuple(values),
        tuple(grads),
        tuple(rates[: len(path) - 1]),
        status,
        reached,
        stopped,
    )


# ----- the step mode ----------------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    """Step k of a run (k >= 1): from path[k - 1] to path[k], with the vectors of the rule
    (names as in optimizers.Rule: g, buf, d, m_hat, denom, v, sum, decay, step)."""

    k: int
    before: tuple[float, ...]
    after: tuple[float, ...]
    lr: float
    terms: Terms

    @property
    def step(self) -> list[float]:
        return self.terms["step"]


def update_at(run: Run, k: int) -> Update:
    """Replay the run's rule up to step k (1 <= k <= run.steps) and return that update."""
    if not 1 <= k <= run.steps:
        raise IndexError(f"step {k} is not a step of this run (1 to {run.steps})")
    rule = run.spec.rule(len(run.path[0]))
    terms: Terms = {}
    p = list(run.path[0])
    for j in range(k):
        p, got = rule.update(p, run.gradients[j], run.lrs[j], explain=j == k - 1)
    terms = got or {}
    return Update(k, run.path[k - 1], run.path[k], run.lrs[k - 1], terms)


def _vec(v: Sequence[float]) -> str:
    return "(" + ", ".join(num(c) for c in v) + ")"


def explain(run: Run, update: Update, names: Sequence[str] = ("x", "y")) -> str:
    """The update in words and numbers, like the backward step-through's explanations."""
    spec, t, k = run.spec, update.terms, update.k
    s = spec.settings
    point = ", ".join(names)
    lines = [f"Step {k} of {spec.label}, from ({point}) = {_vec(update.before)}:"]
    lines.append(f"• the gradient there is g = {_vec(t['g'])}" + _decay_words(spec))
    lr = f"η = {num(update.lr)}"
    if spec.name == "sgd" and s["momentum"]:
        m = num(s["momentum"])
        keep = "" if k == 1 else f"{m}·b + {num(1 - s['dampening'])}·g"
        start = "b starts as g" if k == 1 else f"b ← {keep}"
        lines.append(f"• the velocity: {start} = {_vec(t['buf'])}")
        if s["nesterov"]:
            lines.append(f"• Nesterov looks ahead: d = g + {m}·b = {_vec(t['d'])}")
            lines.append(f"• the step is −{lr}·d = {_vec(update.step)}")
        else:
            lines.append(f"• the step is −{lr}·b = {_vec(update.step)}")
    elif spec.name == "sgd":
        lines.append(f"• the step is −{lr}·g = {_vec(update.step)}")
    elif spec.name == "rmsprop":
        a = num(s["alpha"])
        lines.append(
            f"• the running mean of g²: v ← {a}·v + {num(1 - s['alpha'])}·g² = {_vec(t['v'])}"
        )
        lines.append(f"• each coordinate is divided by √v + ε = {_vec(t['denom'])}")
        what = "b ← μ·b + g/(√v + ε), step −η·b" if "buf" in t else "step −η·g/(√v + ε)"
        lines.append(f"• {what} with {lr}: {_vec(update.step)}")
    elif spec.name == "adagrad":
        lines.append(f"• the sum of all g² so far: {_vec(t['sum'])}")
        lines.append(f"• each coordinate is divided by √sum + ε = {_vec(t['denom'])}")
        lines.append(f"• the step is −{lr}·g/(√sum + ε) = {_vec(update.step)}")
    else:
        b1, b2 = s["betas"]
        lines.append(
            f"• the momentum m ← {num(b1)}·m + {num(1 - b1)}·g, bias-corrected "
            f"m̂ = m/(1 − {num(b1)}^{k}) = {_vec(t['m_hat'])}"
        )
        lines.append(f"• the scale v ← {num(b2)}·v + {num(1 - b2)}·g², √v̂ + ε = {_vec(t['denom'])}")
        if spec.name == "adamw":
            lines.append(
                f"• decoupled weight decay first shrinks the point by "
                f"{num(update.lr * s['weight_decay'])}: {_vec(t['decay'])}"
            )
        lines.append(f"• the scaled step −{lr}·m̂/(√v̂ + ε) gives {_vec(update.step)} in all")
    lines.append(f"→ ({point}) = {_vec(update.after)}")
    return "\n".join(lines)


def _decay_words(spec: OptimizerSpec) -> str:
    s = spec.settings
    parts = []
    if s["maximize"]:
        parts.append("negated (maximize)")
    if s["weight_decay"] and spec.name != "adamw":
        parts.append(f"plus {num(s['weight_decay'])}·(x, y) (weight decay)")
    return (", " + " and ".join(parts)) if parts else ""
