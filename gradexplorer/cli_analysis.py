"""``gradexplorer points`` and ``gradexplorer taylor``: the points of interest over a range and
the Taylor polynomial at a point, as the app finds them, without a window (no Qt import).

    gradexplorer points EXPR [--param NAME=VALUE ...] [--from A --to B] [--wide] [--json]
    gradexplorer taylor EXPR --at X [--order N] [--param NAME=VALUE ...] [--json]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from gradexplorer import formatting
from gradexplorer.autograd.trace import to_jsonable
from gradexplorer.expr import Expression, domain
from gradexplorer.formatting import json_line
from gradexplorer.lessons.points import (
    PointOfInterest,
    PointsFound,
    find_points,
    search_problem,
    wider,
)
from gradexplorer.lessons.taylor import MAX_ORDER, taylor_polynomial

COMMANDS = ("points", "taylor")
VALUE_OPTIONS = ("--from", "--to", "--order")


class UsageError(Exception):
    """A bad option value: exit 2 with a one-line message (cli.py reports it)."""


def add_parsers(sub: Any, expression_argument: Callable[[argparse.ArgumentParser], None]) -> None:
    """The two subcommands; expression_argument adds EXPR and --param as eval has them."""
    points = sub.add_parser(
        "points",
        help="roots, extrema, inflections, poles, ... over a range",
        description="The points of interest of f over [A, B]: roots (double roots, intervals "
        "of zeros), minima and maxima, inflections, the y-intercept, poles, jumps, holes and "
        "the ends of the domain, with the derivatives that classify each.",
        allow_abbrev=False,
    )
    expression_argument(points)
    points.add_argument("--from", dest="lo", default="-5", metavar="A", help="default -5")
    points.add_argument("--to", dest="hi", default="5", metavar="B", help="default 5")
    points.add_argument(
        "--wide",
        action="store_true",
        help="search a range ten times as wide around the same centre",
    )
    points.add_argument("--json", action="store_true", help="print one JSON object")
    taylor = sub.add_parser(
        "taylor",
        help="the Taylor polynomial at a point",
        description="The coefficients c_k = f^(k)(X)/k! of the Taylor polynomial of order N "
        "at X, from the engine's Taylor mode.",
        allow_abbrev=False,
    )
    expression_argument(taylor)
    taylor.add_argument("--at", required=True, metavar="X", help="the point of expansion")
    taylor.add_argument("--order", default="2", metavar="N", help=f"0 to {MAX_ORDER} (default 2)")
    taylor.add_argument("--json", action="store_true", help="print one JSON object")


def run(
    args: argparse.Namespace,
    expression: Expression,
    params: dict[str, float],
    constant: Callable[[str, str], float],
) -> int:
    """Run points or taylor; constant(text, option) reads a number (cli.py's, which raises
    its usage error)."""
    if args.command == "points":
        lo, hi = constant(args.lo, "--from"), constant(args.hi, "--to")
        problem = search_problem(lo, hi)
        if problem is not None:
            raise UsageError(f"--from {args.lo} --to {args.hi}: the range {problem}")
        if args.wide:
            lo, hi = wider(lo, hi)
        found = find_points(expression, params, lo, hi)
        _print_points(expression, params, found, args.json)
        return 0
    x = constant(args.at, "--at")
    order = _order(args.order)
    polynomial = taylor_polynomial(expression, params, x, order)
    if args.json:
        out = {
            "expression": expression.canonical,
            "at": to_jsonable(x),
            "order": order,
            "params": _params(expression, params),
            "coefficients": [to_jsonable(c) for c in polynomial.coefficients],
            "derivatives": [to_jsonable(d) for d in polynomial.derivatives],
            "polynomial": polynomial.text(),
            "reason": polynomial.reason,
        }
        print(json_line(out))
        return 0
    print(polynomial.text())
    print(f"at x₀ = {formatting.exact(x)}, f(x) = {expression.canonical}")
    print("k   f⁽ᵏ⁾(x₀)              cₖ = f⁽ᵏ⁾(x₀)/k!")
    for k, (d, c) in enumerate(zip(polynomial.derivatives, polynomial.coefficients, strict=True)):
        print(f"{k:<3} {_exact(d):<21} {_exact(c)}")
    return 0


def _order(text: str) -> int:
    try:
        order = int(text)
    except ValueError:
        raise UsageError(f"--order {text!r}: write a whole number from 0 to {MAX_ORDER}") from None
    if not 0 <= order <= MAX_ORDER:
        raise UsageError(f"--order {order}: the order goes from 0 to {MAX_ORDER}")
    return order


def _params(expression: Expression, params: dict[str, float]) -> dict[str, Any]:
    return {p: to_jsonable(params.get(p, 1.0)) for p in expression.params}


def _print_points(
    expression: Expression, params: dict[str, float], found: PointsFound, as_json: bool
) -> None:
    if as_json:
        out = {"expression": expression.canonical, "params": _params(expression, params)}
        out.update(found.to_dict())
        for point, shown in zip(found.points, out["points"], strict=True):
            shown.update(_reasons(expression, params, point))
        print(json_line(out))
        return
    r = formatting.readout
    print(f"points of interest of f(x) = {expression.canonical} on [{r(found.lo)}, {r(found.hi)}]")
    rows = [("kind", "x", "f(x)", "f′(x)", "f″(x)", "why")]
    for p in found.points:
        where = f"{r(p.x)} to {r(p.end)}" if p.end is not None else r(p.x)
        rows.append((p.kind, where, _value(p.y), r(p.slope), r(p.curvature), p.why))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:5], widths, strict=True)]
        print("  ".join([*cells, row[5]]).rstrip())
    if not found.points:
        print("(none in this range: try --wide, or --from/--to)")
    if found.hidden:
        print(
            f"and {found.hidden} more between {r(found.hidden_from)} and {r(found.hidden_to)}, "
            "too close together to tell apart: zoom in with --from/--to"
        )


def _reasons(
    expression: Expression, params: dict[str, float], p: PointOfInterest
) -> dict[str, str | None]:
    """Why a point's numbers are null, with eval's fields and words: f's reason from the engine
    at x (the finder's words where that float, beside a pole, still has a value), else the
    derivatives'."""
    reason = derivative_reason = None
    if not math.isfinite(p.y):
        reason = expression.at(p.x, params).reason or p.why or "f has no value here"
    elif not (math.isfinite(p.slope) and math.isfinite(p.curvature)):
        derivative_reason = expression.at(p.x, params).derivative_reason
        if derivative_reason is None:  # the finder's own numbers, not the engine's at x
            label, v = ("f′", p.slope) if not math.isfinite(p.slope) else ("f″", p.curvature)
            derivative_reason = domain.derivative_reason(label, v)
    return {"reason": reason, "derivative_reason": derivative_reason}


def _value(y: float) -> str:
    if math.isinf(y):
        return "+∞" if y > 0 else "−∞"
    return formatting.readout(y)


def _exact(v: float) -> str:
    return formatting.exact(v) if math.isfinite(v) else formatting.UNDEFINED
