"""The gradexplorer command: the same answers as the app, without a window.

    gradexplorer                                      open the app
    gradexplorer --version
    gradexplorer --install-desktop-entry | --uninstall-desktop-entry   (Linux application menu)
    gradexplorer eval EXPR --at X [--param NAME=VALUE ...] [--mode reverse|forward|both] [--json]
    gradexplorer graph EXPR --at X [--param NAME=VALUE ...] [--mode reverse|forward]
                       [--seed NAME] [--format text|json|dot | --json]
                       [--algorithm topological|notebook|recursive]
    gradexplorer descend EXPR --from X,Y --optimizer adam [--lr LR] [--steps N] ... [--json]
    gradexplorer points EXPR [--param NAME=VALUE ...] [--from A --to B] [--wide] [--json]
    gradexplorer taylor EXPR --at X [--order N] [--param NAME=VALUE ...] [--json]
    gradexplorer gui [EXPR] [app options]

graph --mode forward gives the trace of one forward-mode pass, seeded on x or --seed NAME; eval
--mode says which mode computed each number (reverse: one backward pass for every partial;
forward: one pass per input; both: side by side).

eval, graph, points, taylor and descend never import Qt; gui imports the app only when asked for.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import math
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from gradexplorer import __version__, cli_analysis, cli_descend, desktop_entry
from gradexplorer.autograd.trace import BackwardTrace, to_jsonable
from gradexplorer.errors import ExprError, GradExplorerError, ReplayError
from gradexplorer.expr import Expression, parse, parse_number
from gradexplorer.expr.points import Point, SurfacePoint
from gradexplorer.formatting import UNDEFINED, exact, json_line

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_VALUE_OPTIONS = (
    "--at",
    "--param",
    "-p",
    "--format",
    "--mode",
    "--seed",
    "--algorithm",
    *cli_descend.VALUE_OPTIONS,
    *cli_analysis.VALUE_OPTIONS,
)
_COMMANDS = ("eval", "graph", *cli_analysis.COMMANDS, "descend", "gui")
_OPTION_WORD = re.compile(r"--[a-z][a-z-]+(=.*)?|-h")


class _UsageError(Exception):
    """A bad option value (not a bad expression): exit 2 with a one-line message."""


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; a reader that stops early (`| head`) ends it quietly, as it ends
    other command-line tools (exit 1 as Python's own docs suggest, no traceback), and output
    that cannot be written (a full disk) is one line on stderr."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a pipe closed early fails here or in print()
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_FAILURE
    except OSError as err:
        if err.errno not in _FULL:  # not a write that found no room: not ours to word
            raise
        _drop_stdout()
        print(f"gradexplorer: error: cannot write the output: {err.strerror}", file=sys.stderr)
        return EXIT_FAILURE
    return code


_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})  # the output found no room


def _drop_stdout() -> None:
    # Python would flush stdout again at exit and print the error: point it at /dev/null.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # The input may hold π or −; never let a narrow terminal encoding turn that into a crash.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    if not args_list:  # a desktop user types the program's name
        return _gui([])
    if args_list[0] == "gui" and not {"-h", "--help"} & set(args_list[1:]):
        return _gui(args_list[1:])
    parser = _build_parser()
    args = parser.parse_args(_separate_expression(args_list))
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        if args.command is not None:
            parser.error("the desktop-entry options take no command")
        return desktop_entry.main(install_entry=args.install_desktop_entry)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "gui":
        return _gui(args.rest)
    try:
        expression = parse(args.expression)
        params = _params(expression, args.param or [])
        if args.command == "descend":
            start = _point(expression, args.start, "--from")
            return cli_descend.run(args, expression, start, params, _constant)
        if args.command in cli_analysis.COMMANDS:
            if expression.two_inputs:
                raise _UsageError(
                    f"{args.command} reads a curve: it is for functions of one input "
                    f"({expression.canonical} has two)"
                )
            return cli_analysis.run(args, expression, params, _constant)
        fmt = "json" if getattr(args, "json", False) else getattr(args, "format", "text")
        if expression.two_inputs:
            point = _point(expression, args.at, "--at")
            if args.mode not in (None, "reverse") or getattr(args, "seed", None) is not None:
                raise _UsageError(
                    "--mode forward and --seed are for functions of one input for now "
                    f"({expression.canonical} has two)"
                )
            if args.command == "eval":
                return _eval_point(expression, point, params, args.json)
            return _graph_point(expression, point, params, fmt)
        x = _point(expression, args.at, "--at")[expression.inputs[0]]
        if args.command == "eval":
            if args.mode is not None:
                return _eval_modes(expression, x, params, args.mode, args.json)
            return _eval(expression, x, params, args.json)
        seed = _seed(expression, args.mode, args.seed)
        if args.mode == "forward":
            if args.algorithm is not None:
                raise _UsageError("--algorithm is for --mode reverse (it names a backward pass)")
            return _forward_graph(expression, x, params, seed, fmt)
        if args.algorithm is not None:
            return _replayed_graph(expression, x, params, fmt, args.algorithm)
        return _graph(expression, x, params, fmt)
    except ExprError as err:
        return _report_expr_error(err, getattr(args, "json", False))
    except NotImplementedError as err:  # an op defined without a Taylor rule
        print(f"gradexplorer: error: {err}", file=sys.stderr)
        return EXIT_FAILURE
    except ReplayError as err:
        print(f"gradexplorer: error: {err}", file=sys.stderr)
        return EXIT_FAILURE
    except (_UsageError, cli_analysis.UsageError, GradExplorerError) as err:  # optimizers too
        print(f"gradexplorer: error: {err}", file=sys.stderr)
        return EXIT_USAGE


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradexplorer",
        description="Type a function, get its value, derivatives and backward graph.",
        epilog="Without a command, gradexplorer opens the app.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"gradexplorer {__version__}")
    menu = parser.add_mutually_exclusive_group()
    menu.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add gradexplorer and its icon to your application menu (Linux, this user only)",
    )
    menu.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry added",
    )
    sub = parser.add_subparsers(dest="command", metavar="{eval,graph,points,taylor,descend,gui}")

    def expression_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("expression", metavar="EXPR", help='the function of x, e.g. "a x^2 + 3x"')
        p.add_argument(
            "--param",
            "-p",
            action="append",
            metavar="NAME=VALUE",
            help="a parameter's value (repeatable); parameters not given are 1",
        )

    def point_options(p: argparse.ArgumentParser) -> None:
        expression_options(p)
        p.add_argument(
            "--at",
            required=True,
            metavar="X[,Y]",
            help="where to evaluate: a number or a constant expression such as pi/2, or X,Y "
            "for a function of two inputs (--at -1.2,1 and --at=-1 work)",
        )

    ev = sub.add_parser(
        "eval", help="value, f', f'' and every partial derivative", allow_abbrev=False
    )
    point_options(ev)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument(
        "--mode",
        choices=("reverse", "forward", "both"),
        help="say which mode of autodiff computed each number (both: side by side)",
    )
    gr = sub.add_parser(
        "graph", help="the backward (or forward-mode) trace at a point", allow_abbrev=False
    )
    point_options(gr)
    gr.add_argument(
        "--mode",
        choices=("reverse", "forward"),
        default="reverse",
        help="reverse: the backward pass's gradients; forward: one forward pass's tangents",
    )
    gr.add_argument(
        "--seed",
        metavar="NAME",
        help="with --mode forward: the input whose tangent is 1 (x or a parameter; default x)",
    )
    out = gr.add_mutually_exclusive_group()
    out.add_argument("--format", choices=("text", "json", "dot"), default="text")
    out.add_argument("--json", action="store_true", help="the same as --format json")
    _algorithm_option(gr)
    cli_descend.add_parser(sub, "the start: X, or X,Y for two inputs (--from -1.2,1 works)")
    cli_analysis.add_parsers(sub, expression_options)
    gui = sub.add_parser(
        "gui",
        help="open the app",
        allow_abbrev=False,
        description="Open the app. Arguments go to the app: [EXPR] [--x X] "
        "[--param NAME=VALUE ...] [--screenshot PATH].",
    )
    gui.add_argument("rest", nargs=argparse.REMAINDER, metavar="[EXPR] ...")
    return parser


def _separate_expression(argv: list[str]) -> list[str]:
    """Let an expression start with a minus sign ("-x^2") without argparse taking it for an
    option: option values are glued to their option, everything else goes after "--"."""
    if not argv or argv[0] not in _COMMANDS:
        return argv
    options: list[str] = [argv[0]]
    positional: list[str] = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positional.extend(argv[i + 1 :])
            break
        if arg in _VALUE_OPTIONS and i + 1 < len(argv):
            options.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        if _OPTION_WORD.fullmatch(arg) or arg.startswith(tuple(o + "=" for o in _VALUE_OPTIONS)):
            options.append(arg)
        else:
            positional.append(arg)
        i += 1
    return [*options, "--", *positional] if positional else options


def _constant(text: str, what: str) -> float:
    """A number given on the command line; constant expressions such as pi/2 are welcome."""
    try:
        return parse_number(text)
    except ExprError as err:
        raise _UsageError(f"{what} {text!r}: {err}") from None


def split_top_level(text: str) -> list[str]:
    """Split at the commas outside parentheses: "-1.2,1" → ["-1.2", "1"], "max(1, 2),3" → two."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _point(expression: Expression, text: str, what: str) -> dict[str, float]:
    """One number per input, as "X" or "X,Y" (constant expressions welcome)."""
    parts = split_top_level(text)
    names = expression.inputs
    if len(parts) != len(names):
        shown = ", ".join(names)
        example = ",".join(n.upper() for n in names)
        raise _UsageError(
            f"{what} {text!r}: f({shown}) has {len(names)} input{'s' * (len(names) > 1)}: "
            f"write {what} {example}"
        )
    return {n: _constant(p.strip(), what) for n, p in zip(names, parts, strict=True)}


def _params(expression: Expression, given: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in given:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise _UsageError(f"--param {item!r}: write NAME=VALUE, as in --param a=2")
        if name not in expression.params:
            have = ", ".join(expression.params) or "none"
            raise _UsageError(
                f"--param {name}: the expression has no parameter {name} (its parameters: {have})"
            )
        values[name] = _constant(value, f"--param {name}")
    return values


def _eval(expression: Expression, x: float, params: dict[str, float], as_json: bool) -> int:
    point = expression.at(x, params)
    if as_json:
        out = {
            "expression": expression.canonical,
            "x": to_jsonable(x),
            "value": to_jsonable(point.value),
            "derivative": to_jsonable(point.derivative),
            "second_derivative": to_jsonable(point.second_derivative),
            "gradient": {k: to_jsonable(v) for k, v in point.gradient.items()},
            # why a number is null, in the app's words (null when every number is there)
            "reason": point.reason,
            "derivative_reason": point.derivative_reason,
        }
        print(json_line(out))
        return EXIT_OK
    lines = [f"f(x) = {expression.canonical}"]
    values = {p: params.get(p, 1.0) for p in expression.params}
    lines.append("at x = " + exact(x) + "".join(f", {p} = {exact(v)}" for p, v in values.items()))
    slope_why = point.reason or point.derivative_reason
    lines.append(f"f     = {_number(point.value, point.reason)}")
    lines.append(f"f'    = {_number(point.derivative, slope_why)}")
    lines.append(f"f''   = {_number(point.second_derivative, slope_why)}")
    for name in expression.params:
        lines.append(f"df/d{name} = {_number(point.gradient[name], point.reason)}")
    print("\n".join(lines))
    return EXIT_OK


def _number(value: float, why: str | None) -> str:
    """A number as the app shows it: exact, or "undefined" with the reason."""
    if math.isfinite(value):
        return exact(value)
    return f"{UNDEFINED} ({why})" if why else UNDEFINED


def _seed(expression: Expression, mode: str, seed: str | None) -> str:
    if seed is None:
        return "x"
    if mode != "forward":
        raise _UsageError("--seed is for --mode forward (a backward pass has no seed)")
    if seed != "x" and seed not in expression.params:
        have = ", ".join(["x", *expression.params])
        raise _UsageError(f"--seed {seed}: not an input of the expression (its inputs: {have})")
    return seed


def _eval_point(
    expression: Expression, point: dict[str, float], params: dict[str, float], as_json: bool
) -> int:
    p = expression.at_point(point, params)
    if as_json:
        out = {
            "expression": expression.canonical,
            "at": {k: to_jsonable(v) for k, v in point.items()},
            "value": to_jsonable(p.value),
            "gradient": {k: to_jsonable(v) for k, v in p.gradient.items()},
            "hessian": [[to_jsonable(v) for v in row] for row in p.hessian],
            # why a number is null, in the app's words (null when every number is there)
            "reason": p.reason,
            "derivative_reason": p.derivative_reason,
        }
        print(json_line(out))
        return EXIT_OK
    names = expression.inputs
    values = {**point, **{q: params.get(q, 1.0) for q in expression.params}}
    lines = [expression.canonical]
    lines.append("at " + ", ".join(f"{k} = {exact(v)}" for k, v in values.items()))
    why = p.reason or p.derivative_reason
    lines.append(f"f = {_number(p.value, p.reason)}")
    for name in (*names, *expression.params):
        lines.append(f"df/d{name} = {_number(p.gradient[name], why)}")
    for i, a in enumerate(names):
        for j, b in enumerate(names[i:], start=i):
            which = f"d{a}2" if a == b else f"d{a}d{b}"
            lines.append(f"d2f/{which} = {_number(p.hessian[i][j], why)}")
    print("\n".join(lines))
    return EXIT_OK


def _graph_point(
    expression: Expression, point: dict[str, float], params: dict[str, float], fmt: str
) -> int:
    p = expression.at_point(point, params, trace=True)
    assert p.trace is not None
    where = ", ".join(f"{k} = {exact(v)}" for k, v in point.items())
    return _print_trace(expression, point, params, p.trace, fmt, where, _reasons(p))


def _graph(expression: Expression, x: float, params: dict[str, float], fmt: str) -> int:
    p = expression.at(x, params, trace=True)
    assert p.trace is not None
    return _print_trace(expression, {"x": x}, params, p.trace, fmt, f"x = {exact(x)}", _reasons(p))


def _reasons(point: Point | SurfacePoint) -> dict[str, str | None]:
    """Why the JSON's numbers are null, in the app's words (eval's two fields)."""
    return {"reason": point.reason, "derivative_reason": point.derivative_reason}


def _print_trace(
    expression: Expression,
    point: dict[str, float],
    params: dict[str, float],
    trace: Any,
    fmt: str,
    where: str,
    reasons: dict[str, str | None],
) -> int:
    if fmt == "json":
        out = {
            "expression": expression.canonical,
            **{k: to_jsonable(v) for k, v in point.items()},
            "params": {p: to_jsonable(params.get(p, 1.0)) for p in expression.params},
            "mode": "reverse",
            **trace.to_dict(),
            **reasons,
        }
        print(json_line(out))
    elif fmt == "dot":
        print(_dot(expression, trace.to_dict()))
    else:
        data = trace.to_dict()
        _print_table(expression, where, data, sys.stdout)
        _why_line(reasons, data, sys.stdout)
    return EXIT_OK


def _forward_graph(
    expression: Expression, x: float, params: dict[str, float], seed: str, fmt: str
) -> int:
    trace = expression.forward(x, params, seed, trace=True).trace
    assert trace is not None
    data = trace.to_dict()
    # the pass's numbers are undefined where at()'s are: its words say why
    reasons = _reasons(expression.at(x, params))
    if fmt == "json":
        out = {
            "expression": expression.canonical,
            "x": to_jsonable(x),
            "params": {p: to_jsonable(params.get(p, 1.0)) for p in expression.params},
            **data,
            **reasons,
        }
        print(json_line(out))
    elif fmt == "dot":
        print(_dot(expression, data, forward=True))
    else:
        _print_forward_table(expression, x, seed, data, sys.stdout)
        _why_line(reasons, data, sys.stdout)
    return EXIT_OK


def _print_forward_table(
    expression: Expression, x: float, seed: str, trace: dict[str, Any], out: TextIO
) -> None:
    title = f"forward-mode trace of f(x) = {expression.canonical} at x = {exact(x)}"
    print(f"{title}, seeded on {seed} (tangent 1; every other input 0)", file=out)
    _print_rows(_node_rows(trace, "tangent"), out)
    print("edges (src -> dst: local derivative, local × tangent of src):", file=out)
    _print_edges(trace, out)


def _node_rows(trace: dict[str, Any], second: str) -> list[tuple[str, ...]]:
    """The nodes as table rows; second: "grad" (with the backward order) or "tangent"."""
    backward = second == "grad"
    rows = [("id", "op", "label", "kind", "value", second, "parents")]
    rows[0] += ("backward",) if backward else ()
    for n in trace["nodes"]:
        row = (
            str(n["id"]),
            n["op"],
            n["label"],
            n["kind"],
            _show(n["value"], UNDEFINED),
            _show(n[second], _missing(n, second)),
            ",".join(map(str, n["parents"])) or "-",
        )
        if backward:
            order = n["backward_order"]
            row += ("-" if order is None else str(order),)
        rows.append(row)
    return rows


def _print_edges(trace: dict[str, Any], out: TextIO) -> None:
    kinds = {n["id"]: n["kind"] for n in trace["nodes"]}
    for e in trace["edges"]:
        missing = "-" if kinds[e["src"]] == "const" else UNDEFINED  # a constant needs no grad
        local, contribution = _show(e["local"], missing), _show(e["contribution"], missing)
        print(f"  {e['src']} -> {e['dst']}: {local}, {contribution}", file=out)


def _print_rows(rows: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)


def _eval_modes(
    expression: Expression, x: float, params: dict[str, float], mode: str, as_json: bool
) -> int:
    """eval --mode: the numbers with what computed each; both modes side by side."""
    blocks = {m: _mode_block(expression, x, params, m) for m in _modes(mode)}
    point = expression.at(x, params)
    inputs = ["x", *expression.params]
    if as_json:
        out: dict[str, Any] = {
            "expression": expression.canonical,
            "x": to_jsonable(x),
            "value": to_jsonable(point.value),
            "mode": mode,
        }
        if mode == "both":
            out.update({m: _jsonable_block(b) for m, b in blocks.items()})
            out["agree"] = _agree(blocks["reverse"], blocks["forward"])
        else:
            out.update(_jsonable_block(blocks[mode]))
        # why a number is null, in the app's words (both modes are undefined at the same points)
        out.update(reason=point.reason, derivative_reason=point.derivative_reason)
        print(json_line(out))
        return EXIT_OK
    values = {p: params.get(p, 1.0) for p in expression.params}
    lines = [f"f(x) = {expression.canonical}"]
    lines.append("at x = " + exact(x) + "".join(f", {p} = {exact(v)}" for p, v in values.items()))
    lines.append(f"f = {_number(point.value, point.reason)}   (the forward pass)")
    rows = [("", *(f"{m} mode" for m in blocks))]
    for name in inputs:
        rows.append((f"df/d{name}", *(_number(b["gradient"][name], None) for b in blocks.values())))
    rows.append(("passes", *(_passes(b["passes"], len(inputs)) for b in blocks.values())))
    rows.append(("f''", *(_number(b["second_derivative"], None) for b in blocks.values())))
    rows.append(("f'' by", *(b["computed_by"]["second_derivative"] for b in blocks.values())))
    print("\n".join(lines))
    _print_rows(rows, sys.stdout)
    if point.reason is None and point.derivative_reason:  # f's own reason is on its line
        print(f"undefined here: {point.derivative_reason}")
    return EXIT_OK


def _modes(mode: str) -> tuple[str, ...]:
    return ("reverse", "forward") if mode == "both" else (mode,)


def _mode_block(
    expression: Expression, x: float, params: dict[str, float], mode: str
) -> dict[str, Any]:
    inputs = ["x", *expression.params]
    if mode == "reverse":
        point = expression.at(x, params)
        gradient, second = dict(point.gradient), point.second_derivative
        by = {name: "reverse mode: the one backward pass" for name in inputs}
        second_by, passes = "reverse over reverse", 1
    else:
        gradient = expression.forward_partials(x, params)
        second = expression.forward_over_reverse(x, params)
        by = {name: f"forward mode: the pass seeded on {name}" for name in inputs}
        second_by, passes = "forward over reverse", len(inputs)
    return {
        "derivative": gradient["x"],
        "second_derivative": second,
        "gradient": gradient,
        "passes": passes,
        "computed_by": {
            "derivative": by["x"],
            "second_derivative": second_by,
            "gradient": by,
        },
    }


def _jsonable_block(block: dict[str, Any]) -> dict[str, Any]:
    return {
        **block,
        "derivative": to_jsonable(block["derivative"]),
        "second_derivative": to_jsonable(block["second_derivative"]),
        "gradient": {k: to_jsonable(v) for k, v in block["gradient"].items()},
    }


def _agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both modes gave the same numbers (to 1e-12 relative; undefined where both are)."""
    pairs = [(a["second_derivative"], b["second_derivative"])]
    pairs += [(a["gradient"][k], b["gradient"][k]) for k in a["gradient"]]
    return all(
        (math.isnan(u) and math.isnan(v)) or u == v or abs(u - v) <= 1e-12 * max(abs(u), abs(v))
        for u, v in pairs
    )


def _passes(n: int, inputs: int) -> str:
    if n == 1 and inputs > 1:
        return f"1 for all {inputs} partials"
    return f"{n}, one per input" if n > 1 else "1"


def _show(v: Any, missing: str = "-") -> str:
    """A JSON number for a table; null as `missing`: "-" where nothing was computed,
    "undefined" where the number is nan or ±inf (the JSON's null), as the window says."""
    if v is None:
        return missing
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "[" + ", ".join(_show(i, missing) for i in v) + "]"
    return f"{v:.6g}"


def _missing(node: dict[str, Any], second: str) -> str:
    """What a null grad or tangent of a node means: never computed (a constant, or a node
    backward did not reach) or undefined."""
    if node["kind"] == "const" or (second == "grad" and node.get("backward_order") is None):
        return "-"
    return UNDEFINED


def _why_line(reasons: dict[str, str | None], trace: dict[str, Any], out: TextIO) -> None:
    """The reason beside the table's "undefined", in the window's words (none when the table
    shows none: f″, say, is not in it)."""
    key = "tangent" if trace.get("mode") == "forward" else "grad"
    shown = any(
        n["value"] is None or (n[key] is None and _missing(n, key) == UNDEFINED)
        for n in trace["nodes"]
    )
    if shown and reasons["reason"]:
        print(f"f is undefined here: {reasons['reason']}", file=out)
    elif shown and reasons["derivative_reason"]:
        print(f"undefined here: {reasons['derivative_reason']}", file=out)


def _print_table(expression: Expression, where: str, trace: dict[str, Any], out: TextIO) -> None:
    name = expression.canonical if expression.two_inputs else f"f(x) = {expression.canonical}"
    print(f"backward trace of {name} at {where}", file=out)
    _print_rows(_node_rows(trace, "grad"), out)
    print("edges (src -> dst: local derivative, contribution to grad of src):", file=out)
    _print_edges(trace, out)


# ----- --algorithm: the backward passes students write, replayed over the engine's graph


def _algorithm_option(parser: argparse.ArgumentParser) -> None:
    from gradexplorer.lessons.replay import ALGORITHMS

    parser.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        help="replay a backward algorithm over the graph: topological (the engine's, correct), "
        "notebook (recursive, re-seeds 1 at every node), recursive (pushes before all uses "
        "arrive); adds the visits in order and every node's gradient under it",
    )


def _replayed_graph(
    expression: Expression, x: float, params: dict[str, float], fmt: str, algorithm: str
) -> int:
    point = expression.at(x, params, trace=True)
    assert point.trace is not None
    data = _replay_dict(point.trace, algorithm)
    if fmt == "json":
        head = {
            "expression": expression.canonical,
            "x": to_jsonable(x),
            "params": {p: to_jsonable(params.get(p, 1.0)) for p in expression.params},
            "mode": "reverse",
        }
        print(json_line({**head, **data, **_reasons(point)}))
    elif fmt == "dot":
        print(_dot(expression, data))
    else:
        _print_replay(expression, x, data, sys.stdout)
        _why_line(_reasons(point), data, sys.stdout)
    return EXIT_OK


def _replay_dict(trace: BackwardTrace, algorithm: str) -> dict[str, Any]:
    """The trace's JSON with the algorithm's visits, and each node's gradient under it
    ("grad"), next to the engine's ("correct_grad") and the number of visits."""
    from gradexplorer.lessons.replay import TOPOLOGICAL, replay

    replayed = replay(trace, algorithm)
    correct = replay(trace, TOPOLOGICAL)
    data = trace.to_dict()
    final, counts, right_counts = replayed.final, replayed.visit_counts, correct.visit_counts
    for node in data["nodes"]:
        k = node["id"]
        node["correct_grad"] = node["grad"]
        node["grad"] = to_jsonable(final[k])
        node["visits"] = counts[k]
        node["correct_visits"] = right_counts[k]
        if k in trace.names:
            node["name"] = trace.names[k]
    data["algorithm"] = algorithm
    seen: dict[int, int] = {}
    data["visits"] = []
    for i, node in enumerate(replayed.nodes):
        seen[node] = seen.get(node, 0) + 1
        data["visits"].append(
            {
                "node": node,
                "count": seen[node],
                "grad_before": to_jsonable(replayed.before[i]),
                "grad": to_jsonable(replayed.after[i]),
            }
        )
    data["correct_visits"] = len(correct)
    return data


def _print_replay(expression: Expression, x: float, data: dict[str, Any], out: TextIO) -> None:
    algorithm = data["algorithm"]
    rows = [("id", "label", "name", "kind", "grad", "correct grad", "visits", "correct visits")]
    for n in data["nodes"]:
        rows.append(
            (
                str(n["id"]),
                n["label"],
                n.get("name", "-"),
                n["kind"],
                _show(n["grad"], _missing(n, "grad")),
                _show(n["correct_grad"], _missing(n, "grad")),
                str(n["visits"]),
                str(n["correct_visits"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(
        f"{algorithm} backward of f(x) = {expression.canonical} at x = {exact(x)}: "
        f"{len(data['visits']):,} visits (the correct pass: {data['correct_visits']:,})",
        file=out,
    )
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)
    labels = {n["id"]: n.get("name", n["label"]) for n in data["nodes"]}
    print("visits in order (node: grad before -> grad after):", file=out)
    for i, v in enumerate(data["visits"], 1):
        before, after = _show(v["grad_before"]), _show(v["grad"])
        print(f"  {i}. {labels[v['node']]} (#{v['count']}): {before} -> {after}", file=out)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot(expression: Expression, trace: dict[str, Any], *, forward: bool = False) -> str:
    lines = [
        "digraph forward {" if forward else "digraph backward {",
        "  rankdir=LR;",
        f'  label="{_dot_escape(expression.canonical)}";',
        '  node [fontname="Helvetica"];',
    ]
    for n in trace["nodes"]:
        key = "tangent" if forward else "grad"
        text = f"{n['label']}\\nvalue {_show(n['value'], UNDEFINED)}"
        text += f"\\n{key} {_show(n[key], _missing(n, key))}"
        if not forward and n["backward_order"] is not None:
            text += f"\\nstep {n['backward_order']}"
        shape = {"input": "ellipse", "const": "plaintext"}.get(n["kind"], "box")
        extra = ", peripheries=2" if n["is_output"] else ""
        lines.append(f'  n{n["id"]} [label="{_dot_escape_label(text)}", shape={shape}{extra}];')
    for e in trace["edges"]:
        label = f"local {_show(e['local'])}" if e["local"] is not None else ""
        lines.append(f'  n{e["src"]} -> n{e["dst"]} [label="{_dot_escape(label)}"];')
    lines.append("}")
    return "\n".join(lines)


def _dot_escape_label(text: str) -> str:
    # Keep the \n line breaks we wrote; escape only quotes (labels come from our own names).
    return text.replace('"', '\\"')


def _report_expr_error(err: ExprError, as_json: bool) -> int:
    lines = [f"gradexplorer: error: {err.message}", err.caret()]
    if err.hint:
        lines.append(f"hint: {err.hint}")
    print("\n".join(lines), file=sys.stderr)
    if as_json:
        error = {"message": err.message, "start": err.start, "end": err.end, "hint": err.hint}
        print(json_line({"error": error}))
    return EXIT_USAGE


def gui_main() -> int:
    """The gradexplorer-gui entry point (no console window on Windows): the app's arguments."""
    return _gui(sys.argv[1:])


def _gui(argv: list[str]) -> int:
    """Start the app (another module); Qt is imported only here."""
    headless = sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    )
    if headless:
        # Qt aborts the whole process without a display; say why instead.
        print(
            "gradexplorer: no display to open a window on (DISPLAY is not set); "
            "use eval or graph, or QT_QPA_PLATFORM=offscreen with --screenshot",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    try:
        app = importlib.import_module("gradexplorer.ui.app")
    except ImportError as exc:
        print(f"gradexplorer: the app cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    run = getattr(app, "run", None)
    if run is None:
        print("gradexplorer: the app is not available in this version", file=sys.stderr)
        return EXIT_FAILURE
    result = run(list(argv))
    return int(result) if isinstance(result, int) else EXIT_OK
