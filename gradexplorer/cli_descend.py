"""`gradexplorer descend`: one torch.optim optimizer walking a typed function from a start point,
every iterate printed as PyTorch would produce it.

    gradexplorer descend EXPR --from X[,Y] --optimizer {sgd,rmsprop,adagrad,adam,adamw}
        [--lr LR] [--steps N] [--momentum M] [--dampening D] [--nesterov] [--alpha A]
        [--centered] [--betas B1,B2] [--eps E] [--weight-decay W] [--amsgrad] [--lr-decay D]
        [--initial-accumulator-value V] [--maximize] [--schedule constant|step|cosine]
        [--warmup N] [--warmup-start F] [--step-size N] [--gamma G] [--t-max N] [--eta-min E]
        [--tol T] [--param NAME=VALUE ...] [--json]

Options not given take PyTorch's defaults (lr too). No Qt.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from gradexplorer.autograd.trace import to_jsonable
from gradexplorer.errors import GradExplorerError
from gradexplorer.formatting import json_line, readout
from gradexplorer.lessons.optimizers import DEFAULTS, OptimizerSpec
from gradexplorer.lessons.race import DEFAULT_TOL, Run, engine_objective, race
from gradexplorer.lessons.schedules import MAX_STEPS, SCHEDULES, Schedule

# option -> (PyTorch's name, help)
NUMBER_OPTIONS = {
    "--lr": ("lr", "learning rate (default: PyTorch's for the optimizer)"),
    "--momentum": ("momentum", "SGD and RMSprop momentum"),
    "--dampening": ("dampening", "SGD dampening"),
    "--alpha": ("alpha", "RMSprop smoothing constant"),
    "--eps": ("eps", "the term added to the denominator"),
    "--weight-decay": ("weight_decay", "L2 penalty (AdamW: decoupled weight decay)"),
    "--lr-decay": ("lr_decay", "Adagrad learning-rate decay"),
    "--initial-accumulator-value": ("initial_accumulator_value", "Adagrad's starting sum"),
}
FLAG_OPTIONS = {
    "--nesterov": ("nesterov", "SGD: Nesterov momentum"),
    "--centered": ("centered", "RMSprop: centered"),
    "--amsgrad": ("amsgrad", "Adam/AdamW: the AMSGrad variant"),
    "--maximize": ("maximize", "climb instead of descend"),
}
SCHEDULE_OPTIONS = ("--warmup", "--warmup-start", "--step-size", "--gamma", "--t-max", "--eta-min")
VALUE_OPTIONS = (
    "--from",
    "--optimizer",
    "--steps",
    "--betas",
    "--schedule",
    "--tol",
    *NUMBER_OPTIONS,
    *SCHEDULE_OPTIONS,
)


class DescendUsageError(GradExplorerError):
    """A bad option of descend (exit 2)."""


def add_parser(sub: Any, point_help: str) -> None:
    p = sub.add_parser(
        "descend",
        help="run a torch.optim optimizer on the function and print the path",
        allow_abbrev=False,
    )
    p.add_argument("expression", metavar="EXPR", help='e.g. "f(x, y) = (1 - x)^2 + 100(y - x^2)^2"')
    p.add_argument("--from", dest="start", required=True, metavar="X[,Y]", help=point_help)
    p.add_argument("--optimizer", required=True, choices=tuple(DEFAULTS))
    p.add_argument("--steps", default="100", metavar="N", help="how many steps (default 100)")
    p.add_argument("--betas", metavar="B1,B2", help="Adam/AdamW betas")
    for option, (_name, text) in NUMBER_OPTIONS.items():
        p.add_argument(option, metavar="V", help=text)
    for option, (_name, text) in FLAG_OPTIONS.items():
        p.add_argument(option, action="store_true", help=text)
    p.add_argument("--schedule", choices=SCHEDULES, default="constant")
    p.add_argument("--warmup", metavar="N", help="LinearLR warmup steps")
    p.add_argument("--warmup-start", metavar="F", help="LinearLR start_factor (default 1/3)")
    p.add_argument("--step-size", metavar="N", help="StepLR step_size (default 30)")
    p.add_argument("--gamma", metavar="G", help="StepLR gamma (default 0.1)")
    p.add_argument("--t-max", metavar="N", help="CosineAnnealingLR T_max (default: the steps)")
    p.add_argument("--eta-min", metavar="E", help="CosineAnnealingLR eta_min (default 0)")
    p.add_argument(
        "--tol", metavar="T", help=f"|∇f| that counts as arrived (default {DEFAULT_TOL})"
    )
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(
    args: argparse.Namespace,
    expression: Any,
    start: dict[str, float],
    params: dict[str, float],
    number: Callable[[str, str], float],
) -> int:
    """Run it and print; `number` reads a constant typed on the command line."""
    spec = _spec(args, number)
    steps = _count(args.steps, "--steps", number)
    tol = DEFAULT_TOL if args.tol is None else number(args.tol, "--tol")
    (result,) = race(
        engine_objective(expression, params), list(start.values()), [spec], steps, tol=tol
    )
    why = _reasons(expression, params, result)
    if args.json:
        out = {**_json(expression, spec, start, result, tol), **why}
        print(json_line(out))
    else:
        _print(expression, spec, start, result, tol, why["reason"] or why["derivative_reason"])
    return 0


def _reasons(expression: Any, params: dict[str, float], r: Run) -> dict[str, str | None]:
    """Why the run's numbers turn null, in eval's fields and words: the engine's reason at the
    first point where f or ∇f is not finite (None while every number is)."""
    for k, point in enumerate(r.path):
        numbers = [*point, *r.values[k : k + 1], *(r.gradients[k] if k < len(r.gradients) else ())]
        if all(math.isfinite(v) for v in numbers):
            continue
        if expression.two_inputs:
            p = expression.at_point(dict(zip(expression.inputs, point, strict=True)), params)
        else:
            p = expression.at(point[0], params)
        fallback = None if p.reason or p.derivative_reason else "the numbers left the finite range"
        return {"reason": p.reason or fallback, "derivative_reason": p.derivative_reason}
    return {"reason": None, "derivative_reason": None}


def _spec(args: argparse.Namespace, number: Callable[[str, str], float]) -> OptimizerSpec:
    settings: dict[str, Any] = {}
    for option, (name, _text) in NUMBER_OPTIONS.items():
        value = getattr(args, name)
        if value is not None:
            settings[name] = number(value, option)
    for name, _text in FLAG_OPTIONS.values():
        if getattr(args, name):
            settings[name] = True
    if args.betas is not None:
        parts = [p.strip() for p in args.betas.split(",")]
        if len(parts) != 2:
            raise DescendUsageError(f"--betas {args.betas!r}: write two numbers, as in 0.9,0.999")
        settings["betas"] = tuple(number(p, "--betas") for p in parts)
    unusable = sorted(set(settings) - set(DEFAULTS[args.optimizer]))
    if unusable:
        flags = ", ".join("--" + n.replace("_", "-") for n in unusable)
        raise DescendUsageError(
            f"{flags}: not an option of torch.optim.{_class(args.optimizer)} "
            f"(its options: {', '.join(DEFAULTS[args.optimizer])})"
        )
    return OptimizerSpec(args.optimizer, settings, _schedule(args, number))


def _class(name: str) -> str:
    return OptimizerSpec(name).class_name


def _schedule(args: argparse.Namespace, number: Callable[[str, str], float]) -> Schedule:
    kwargs: dict[str, Any] = {"kind": args.schedule}
    for option in ("--warmup", "--step-size", "--t-max"):
        value = getattr(args, option[2:].replace("-", "_"))
        if value is not None:
            kwargs[option[2:].replace("-", "_")] = _count(value, option, number)
    for option, name in (("--warmup-start", "warmup_start"), ("--gamma", "gamma")):
        value = getattr(args, name)
        if value is not None:
            kwargs[name] = number(value, option)
    if args.eta_min is not None:
        kwargs["eta_min"] = number(args.eta_min, "--eta-min")
    return Schedule(**kwargs)


def _count(text: str, option: str, number: Callable[[str, str], float]) -> int:
    value = number(text, option)
    if not value.is_integer() or not 0 <= value <= MAX_STEPS:
        raise DescendUsageError(f"{option} {text!r}: a whole number from 0 to {MAX_STEPS}")
    return int(value)


def _json(
    expression: Any, spec: OptimizerSpec, start: dict[str, float], r: Run, tol: float
) -> dict[str, Any]:
    return {
        "expression": expression.canonical,
        "from": {k: to_jsonable(v) for k, v in start.items()},
        "optimizer": spec.to_dict(),
        "pytorch": spec.pytorch_call("[" + ", ".join(start) + "]"),
        "path": [[to_jsonable(v) for v in p] for p in r.path],
        "values": [to_jsonable(v) for v in r.values],
        "gradients": [[to_jsonable(v) for v in g] for g in r.gradients],
        "lrs": [to_jsonable(v) for v in r.lrs],
        "steps": r.steps,
        "status": r.status,
        "diverged": r.diverged,
        "tol": tol,
        "steps_to_tol": r.steps_to_tol,
    }


def _print(
    expression: Any,
    spec: OptimizerSpec,
    start: dict[str, float],
    r: Run,
    tol: float,
    why: str | None,
) -> None:
    names = list(start)
    print(f"{expression.canonical}  with  {spec.pytorch_call('[' + ', '.join(names) + ']')}")
    if spec.schedule.kind != "constant" or spec.schedule.warmup:
        print(f"learning rate: {spec.schedule.describe()}")
    rows = [("step", *names, "f", "|grad f|")]
    for k, p in enumerate(r.path):
        value = r.values[k] if k < len(r.values) else float("nan")
        norm = r.grad_norm(k) if k < len(r.gradients) else float("nan")
        rows.append((str(k), *(repr(v) for v in p), readout(value, 10), readout(norm, 6)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print(r.summary(tol) + (f" ({why})" if why else ""))
