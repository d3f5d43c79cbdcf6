"""Command line of the desktop app:
`python main.py [EXPR | FILE.json] [--x X] [--param NAME=VALUE ...] [--screenshot PATH]`."""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
from pathlib import Path

SCREENSHOT_SIZE = (1280, 800)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit code 2 with a short message, no traceback
        self.print_usage(sys.stderr)
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _param(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    return name, _finite_float(value)


def _finite_float(text: str) -> float:
    """A finite number; constant expressions such as pi/2 are welcome, as in gradexplorer eval."""
    from gradexplorer.errors import ExprError
    from gradexplorer.expr import parse_number

    try:
        v = parse_number(text)
    except ExprError:
        v = math.nan
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="gradexplorer",
        description="Type a function, drag x, watch the autograd tangent and backward graph.",
    )
    p.add_argument(
        "expression",
        nargs="?",
        default=None,
        help="function of x, e.g. 'a x^2 + 3x', or a saved session / lesson FILE.json",
    )
    p.add_argument("--x", type=_finite_float, default=None, help="initial x (default 1)")
    p.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="initial value of a parameter; repeat for several",
    )
    p.add_argument(
        "--screenshot",
        metavar="PATH",
        default=None,
        help="render the window (1280×800) to a PNG and exit",
    )
    return p


def run(argv: list[str]) -> int:
    """Start the app; returns the process exit code."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as err:
        print(f"gradexplorer: {err}", file=sys.stderr)
        return 2

    session = None
    if args.expression is not None and _is_session_file(args.expression):
        # read before Qt starts: a file that cannot be opened is a usage error (exit 2)
        from gradexplorer.errors import SessionError
        from gradexplorer.lessons.session import load_session

        try:
            session = load_session(args.expression)
        except SessionError as err:
            hint = f" {err.hint}" if err.hint else ""
            print(
                f"gradexplorer: cannot open {args.expression}: {err.message}{hint}",
                file=sys.stderr,
            )
            return 2
        except Exception as err:  # whatever else happens, a reason and no traceback
            print(f"gradexplorer: cannot open {args.expression}: {err}", file=sys.stderr)
            return 2

    if session is None and args.expression is not None and args.param:
        unknown = _unknown_params(args.expression, [name for name, _ in args.param])
        if unknown:
            print(f"gradexplorer: {unknown}", file=sys.stderr)
            return 2

    from PySide6.QtWidgets import QApplication  # Qt only once the arguments are fine

    from gradexplorer.desktop_entry import DESKTOP_ID
    from gradexplorer.ui.main_window import MainWindow
    from gradexplorer.ui.model import DEFAULT_EXPRESSION
    from gradexplorer.ui.screen_fit import place_first_window
    from gradexplorer.ui.session_actions import NO_SETTINGS_ENV, apply_cli_overrides

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "gradexplorer"])
    app.setApplicationName("gradexplorer")
    app.setOrganizationName("gradexplorer")
    app.setDesktopFileName(DESKTOP_ID)  # Wayland shells find the icon through the entry
    app.setWindowIcon(app_icon())  # every window's and the About box's icon
    kwargs: dict = {"params": dict(args.param)}
    given = args.expression is not None and session is None
    kwargs["expression"] = args.expression if given else DEFAULT_EXPRESSION
    if args.x is not None:
        kwargs["x"] = args.x
    window = MainWindow(**kwargs)
    sessions = window.sessions
    if session is not None:
        sessions.apply_session(session, path=Path(args.expression).resolve(), undoable=False)
        apply_cli_overrides(window, args.x, dict(args.param))
    if args.screenshot:  # a screenshot shows exactly what was asked, never remembered state
        return _screenshot(app, window, args.screenshot)
    place_first_window(window, SCREENSHOT_SIZE)  # remembered geometry, if any, replaces it
    if not os.environ.get(NO_SETTINGS_ENV):
        # geometry always comes back; the last session only when nothing was asked for
        nothing_asked = args.expression is None and args.x is None and not args.param
        sessions.enable_persistence(restore_session=nothing_asked)
    window.show()
    tune_garbage_collector()
    return app.exec()


YOUNG_OBJECTS = 20_000  # the collector's first threshold (CPython's default is 700)


def tune_garbage_collector() -> None:
    """What is built before the first frame (Qt wrappers, pyqtgraph, the op table) lives as long
    as the app: out of the collector's generations, a full collection during a drag walks only
    what changed since (58 ms before, a few ms after, for the 150-node bench function).

    An x step holds about 1,500 objects at once (the graph, its derivative graph, the trace)
    and frees them all by reference counting at its end; at CPython's threshold of 700 live
    new objects that started a collection on every step (0.15 ms, and a longer one every tenth
    step) that never found garbage. Above the step's own peak, collections run only when
    objects really accumulate."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, older, oldest)


def app_icon():  # -> QIcon (Qt is imported only once the app starts)
    """The application icon from the package's assets, one PNG per size (16 to 512 px) so that
    every place draws a sharp one. Null when this installation lacks them."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon

    from gradexplorer import resources

    icon = QIcon()
    for size in resources.ICON_SIZES:
        png = resources.icon_png(size)
        if png is not None:
            icon.addFile(str(png), QSize(size, size))
    return icon


def _unknown_params(text: str, names: list[str]) -> str | None:
    """Why a --param does not fit the expression (as `gradexplorer eval` refuses it), or None.
    A bad expression is not refused here: the app opens and shows the error where it is."""
    from gradexplorer.errors import ExprError
    from gradexplorer.expr import parse

    try:
        params = parse(text).params
    except ExprError:
        return None
    for name in names:
        if name not in params:
            have = ", ".join(params) or "none"
            return (
                f"--param {name}: the expression has no parameter {name} (its parameters: {have})"
            )
    return None


def _is_session_file(arg: str) -> bool:
    """A .json argument is a session file: no function of x ends in ".json"."""
    return arg.lower().endswith(".json")


def _screenshot(app, window, path: str) -> int:
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    window.model.settle()  # a race or views waiting for a pause (after --param) come now
    for _ in range(5):  # let layouts settle and the graph fit itself to its final size
        app.processEvents()
    window.graph_view.fit()
    app.processEvents()
    ok = window.grab().save(path, "PNG")
    window.close()
    if not ok:
        print(f"gradexplorer: could not write the screenshot to {path}", file=sys.stderr)
        return 1
    print(path)
    return 0
