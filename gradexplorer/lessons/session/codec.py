"""Reading and writing a session as text: pretty JSON for files, one ``gx1:`` line for a chat.

This is the boundary where untrusted text comes in. Every way of reading a session — a file, the
state string, a preset — goes through ``session_from_dict``, so a bad input is always a
:class:`~gradexplorer.errors.SessionError` with a message a student understands, never a
half-applied state or a stray ``KeyError``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import fields
from typing import Any

from gradexplorer.errors import GradExplorerError, SessionError
from gradexplorer.lessons.session.state import (
    DEFAULT_RANGE,
    DEFAULT_Y,
    FORMAT_NAME,
    FORMAT_VERSION,
    DescentSettings,
    GraphSettings,
    ParamState,
    PointsSettings,
    SessionState,
    TaylorSettings,
    Toggles,
    check_param_name,
    finite,
    kind,
    number_tuple,
    short,
)
from gradexplorer.lessons.session.two_inputs import (
    LandscapeSettings,
    RaceSettings,
    optimizer_from_dict,
)

# Refused before parsing: a real session is a few hundred bytes, and a huge file is either the
# wrong file or an attempt to make the app hang.
MAX_BYTES = 1 << 20
STATE_PREFIX = "gx1:"

_TOP_KEYS = (
    "format",
    "version",
    "title",
    "note",
    "expression",
    "x",
    "x_range",
    "params",
    "view",
    "toggles",
    "descent",
    "graph",
    "second",
    "points",
    "taylor",
    "y",
    "y_range",
    "landscape",
    "race",
)
# a field a version before this one did not have: it takes its default
_ADDED_IN = {
    "graph": 3,
    "second": 4,
    "points": 4,
    "taylor": 4,
    "y": 5,
    "y_range": 5,
    "landscape": 5,
    "race": 5,
}
# a preset's promised values and the backward algorithm its step-through starts with
_OPTIONAL_KEYS = ("expect", "algorithm")
_TOGGLES = tuple(f.name for f in fields(Toggles))
_VERSION_1_TOGGLES = ("show_tangent", "show_graph")  # saved by version 1, never read


def to_json(state: SessionState) -> str:
    """Pretty JSON for a file (stable key order, so saved files diff well)."""
    return json.dumps(state.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_state_string(state: SessionState) -> str:
    """One line to paste into a chat: ``gx1:`` + URL-safe base64 of compact JSON."""
    compact = json.dumps(
        state.to_dict(), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    encoded = base64.urlsafe_b64encode(compact.encode("utf-8")).decode("ascii")
    return STATE_PREFIX + encoded.rstrip("=")


def session_from_dict(data: Any, *, check_expression: bool = True) -> SessionState:
    """Validate decoded JSON and build a SessionState.

    A preset's "expect" block (the values it promises, see presets.py) is allowed and ignored
    here, so a preset file opens like any saved session."""
    version = _check_header(data)
    keys = tuple(k for k in _TOP_KEYS if _ADDED_IN.get(k, 1) <= version)
    missing = [k for k in keys if k not in data]
    if missing:
        raise SessionError(
            f"The session is missing {_plural(len(missing), 'field')}: {', '.join(missing)}.",
            hint="The file may be truncated or edited by hand.",
        )
    extra = sorted(str(k) for k in data if k not in keys and k not in _OPTIONAL_KEYS)
    if extra:
        raise SessionError(
            f"The session has unknown {_plural(len(extra), 'field')}: {', '.join(extra)}."
        )
    if "expect" in data:
        _object(data["expect"], "expect")
    expression = _json_text(data["expression"], "expression")
    if not expression.strip():
        raise SessionError("The expression is empty.", hint="Type a function of x, e.g. x^2.")
    view = data["view"]
    state = SessionState(
        expression=expression,
        x=finite(data["x"], "x"),
        x_range=_json_numbers(data["x_range"], 2, "x_range"),  # type: ignore[arg-type]
        params=_params(data["params"]),
        view=None if view is None else _json_numbers(view, 4, "view"),  # type: ignore[arg-type]
        toggles=_toggles(data["toggles"], version),
        descent=_descent(data["descent"]),
        graph=_graph(data["graph"]) if "graph" in keys else GraphSettings(),
        **_curve_tools(data, keys),
        title=_json_text(data["title"], "title"),
        note=_json_text(data["note"], "note"),
        **_two_inputs(data, version),
    )
    if check_expression:
        validate_expression(state.expression)
        if state.second.strip():
            validate_expression(state.second)
    return state


def _two_inputs(data: dict[str, Any], version: int) -> dict[str, Any]:
    """The version 5 fields; earlier versions had none and open with the defaults."""
    if version < _ADDED_IN["y"]:
        return {"y": DEFAULT_Y, "y_range": DEFAULT_RANGE}
    return {
        "y": finite(data["y"], "y"),
        "y_range": _json_numbers(data["y_range"], 2, "y_range"),
        "landscape": _landscape(data["landscape"]),
        "race": _race(data["race"]),
    }


def _landscape(raw: Any) -> LandscapeSettings:
    obj = _object(raw, "landscape")
    _exact_keys(obj, ("box", "direction", "log_scale", "arrows"), "landscape")
    box = obj["box"]
    if not isinstance(obj["log_scale"], bool):
        raise SessionError("landscape.log_scale must be true or false.")
    return LandscapeSettings(
        box=None if box is None else _json_numbers(box, 4, "landscape.box"),  # type: ignore[arg-type]
        direction=finite(obj["direction"], "landscape.direction"),
        log_scale=obj["log_scale"],
        arrows=_json_text(obj["arrows"], "landscape.arrows"),
    )


def _race(raw: Any) -> RaceSettings:
    obj = _object(raw, "race")
    _exact_keys(obj, ("start", "optimizers", "steps", "tol", "selected"), "race")
    optimizers = obj["optimizers"]
    if not isinstance(optimizers, list):
        raise SessionError(f"race.optimizers must be a list, found {kind(optimizers)}.")
    return RaceSettings(
        start=_json_numbers(obj["start"], 2, "race.start"),  # type: ignore[arg-type]
        optimizers=tuple(
            optimizer_from_dict(o, f"race.optimizers[{i}]") for i, o in enumerate(optimizers)
        ),
        steps=obj["steps"],
        tol=finite(obj["tol"], "race.tol"),
        selected=obj["selected"],
    )


def _check_header(data: Any) -> int:
    """The format and version fields; returns the version."""
    if not isinstance(data, dict):
        raise SessionError(
            f"This is not a gradexplorer session: expected a JSON object, found {kind(data)}.",
            hint="Open a .json file saved by gradexplorer or a lesson preset.",
        )
    if data.get("format") != FORMAT_NAME:
        found = (
            'it has no "format" field'
            if "format" not in data
            else f'its "format" field is {_json_word(data["format"])}'
        )
        raise SessionError(
            f'This JSON is not a gradexplorer session ({found}; a session says "{FORMAT_NAME}").',
            hint="Open a .json file saved by gradexplorer or a lesson preset.",
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(f"The session's version must be a whole number, found {short(version)}.")
    if version > FORMAT_VERSION:
        raise SessionError(
            f"This session was saved by a newer gradexplorer (format version {version}); "
            f"this version reads versions 1 to {FORMAT_VERSION}.",
            hint="Update gradexplorer to open it.",
        )
    if version < 1:
        raise SessionError(f"Unknown session format version {version}.")
    return version


def _params(raw: Any) -> dict[str, ParamState]:
    params: dict[str, ParamState] = {}
    for name, value in _object(raw, "params").items():
        check_param_name(name)
        obj = _object(value, f"params.{name}")
        _exact_keys(obj, ("value", "min", "max"), f"params.{name}")
        numbers = [finite(obj[k], f"params.{name}.{k}") for k in ("value", "min", "max")]
        try:
            params[name] = ParamState(*numbers)
        except SessionError as exc:
            raise SessionError(f"Parameter {name}: {exc.message}") from None
    return params


def _toggles(raw: Any, version: int) -> Toggles:
    obj = dict(_object(raw, "toggles"))
    if version == 1:
        for legacy in _VERSION_1_TOGGLES:
            obj.pop(legacy, None)
    _exact_keys(obj, _TOGGLES, "toggles")
    for name in _TOGGLES:
        if not isinstance(obj[name], bool):
            raise SessionError(f"toggles.{name} must be true or false, found {kind(obj[name])}.")
    return Toggles(**obj)


def _descent(raw: Any) -> DescentSettings:
    obj = _object(raw, "descent")
    _exact_keys(obj, ("target", "lr", "direction"), "descent")
    if not isinstance(obj["target"], str):
        raise SessionError(f"descent.target must be text, found {kind(obj['target'])}.")
    direction = obj["direction"]
    if isinstance(direction, bool) or not isinstance(direction, int):
        raise SessionError(f"descent.direction must be -1 or 1, found {short(direction)}.")
    return DescentSettings(obj["target"], finite(obj["lr"], "descent.lr"), direction)


def _graph(raw: Any) -> GraphSettings:
    obj = _object(raw, "graph")
    _exact_keys(obj, ("mode", "seed"), "graph")
    for name in ("mode", "seed"):
        if not isinstance(obj[name], str):
            raise SessionError(f"graph.{name} must be text, found {kind(obj[name])}.")
    return GraphSettings(obj["mode"], obj["seed"])


def _curve_tools(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """g(x) and the points and Taylor settings (version 4; older sessions: the defaults)."""
    if "second" not in keys:
        return {}
    points = _object(data["points"], "points")
    _exact_keys(points, ("shown", "wide"), "points")
    taylor = _object(data["taylor"], "taylor")
    _exact_keys(taylor, ("shown", "order"), "taylor")
    return {
        "second": _json_text(data["second"], "second"),
        "points": PointsSettings(points["shown"], points["wide"]),
        "taylor": TaylorSettings(taylor["shown"], taylor["order"]),
    }


def session_from_json(text: str | bytes, *, check_expression: bool = True) -> SessionState:
    """Parse and validate session JSON. Anything wrong is a SessionError."""
    return session_from_dict(decode_json(text), check_expression=check_expression)


def decode_json(text: str | bytes) -> Any:
    """json.loads with the size limit and every failure turned into a SessionError."""
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_BYTES:
            raise too_big(len(text))
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SessionError(
                f"The file is not text (invalid UTF-8 at byte {exc.start}).",
                hint="It may be corrupt or not a session file.",
            ) from None
    elif not isinstance(text, str):
        raise SessionError(f"Expected session text, got {type(text).__name__}.")
    elif len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise too_big(len(text.encode("utf-8", "surrogatepass")))
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise SessionError("The session is empty.", hint="The file may have been cut off.")

    def reject_constant(name: str) -> Any:
        raise SessionError(f"The session contains {name}, which is not a number JSON allows.")

    try:
        return json.loads(text, parse_constant=reject_constant)
    except SessionError:
        raise
    except json.JSONDecodeError as exc:
        # An unterminated string, or a literal cut short ("nu" of null), also means the text
        # ended before the document did.
        rest = text[exc.pos :].strip()
        cut_literal = bool(rest) and any(w.startswith(rest) for w in ("null", "true", "false"))
        if (
            exc.pos >= len(text.rstrip())
            or exc.msg.startswith("Unterminated string")
            or cut_literal
        ):
            raise SessionError(
                "The session ends too early: the file looks truncated.",
                hint="It was probably cut off while being copied or saved.",
            ) from None
        raise SessionError(
            f"The session is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
            hint="The file may be corrupt or edited by hand.",
        ) from None
    except RecursionError:
        raise SessionError("The session is nested far too deeply to be a session.") from None
    except (ValueError, TypeError) as exc:  # e.g. an integer with thousands of digits
        raise SessionError(f"The session could not be read: {exc}.") from None


def session_from_state_string(text: str, *, check_expression: bool = True) -> SessionState:
    """Read a pasted ``gx1:...`` line. Whitespace anywhere (chat apps wrap long lines) is
    ignored."""
    if not isinstance(text, str):
        raise SessionError(f"Expected a state string, got {type(text).__name__}.")
    if len(text) > 2 * MAX_BYTES:
        raise too_big(len(text))
    compact = "".join(text.split())
    if not compact.startswith(STATE_PREFIX):
        raise SessionError(
            f"This is not a gradexplorer state string (it should start with {STATE_PREFIX}).",
            hint='Copy the whole line with "Copy state" and paste it again.',
        )
    body = compact[len(STATE_PREFIX) :]
    if not body:
        raise SessionError(
            f"The state string is empty after {STATE_PREFIX}.",
            hint='Copy the whole line with "Copy state" and paste it again.',
        )
    if len(body) * 3 // 4 > MAX_BYTES:
        raise too_big(len(body) * 3 // 4)
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise SessionError(
            "The state string is damaged (it contains characters that do not belong).",
            hint="Copy the whole line again; it may have been cut or changed.",
        ) from None
    try:
        data = decode_json(raw)
    except SessionError:  # not text, not JSON, cut short: all the same to someone pasting
        raise SessionError(
            "The state string is damaged: it does not decode to a session.",
            hint="Copy the whole line again; it may have been cut or changed.",
        ) from None
    return session_from_dict(data, check_expression=check_expression)


def validate_expression(expression: str) -> None:
    """Check that the expression parses, when the parser is available.

    The import is lazy so sessions can be read without the expression layer (and so this module
    never pulls in more than it needs at import time).
    """
    try:
        from gradexplorer.expr import parse
    except ImportError:
        return
    try:
        parse(expression)
    except GradExplorerError as exc:
        caret = exc.caret() if hasattr(exc, "caret") else ""
        message = f"The expression {expression!r} cannot be read: {exc.message}"
        raise SessionError(message, hint=exc.hint or (caret or None)) from None
    except Exception as exc:  # a parser bug must not crash opening a file
        raise SessionError(f"The expression {expression!r} could not be checked: {exc}") from None


def too_big(size: int) -> SessionError:
    return SessionError(
        f"The file is too large to be a session ({size:,} bytes; the limit is {MAX_BYTES:,}).",
        hint="Open a .json file saved by gradexplorer.",
    )


def _json_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SessionError(f"{where} must be text, found {kind(value)}.")
    return value


def _json_numbers(value: Any, n: int, where: str) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise SessionError(f"{where} must be a list of {n} numbers, found {kind(value)}.")
    return number_tuple(value, n, where)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SessionError(f"{where} must be an object, found {kind(value)}.")
    return value


def _exact_keys(obj: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise SessionError(f"{where} is missing {', '.join(missing)}.")
    extra = sorted(str(k) for k in obj if k not in keys)
    if extra:
        raise SessionError(
            f"{where} has unknown {_plural(len(extra), 'field')}: {', '.join(extra)}."
        )


def _json_word(value: Any, limit: int = 40) -> str:
    """A JSON value as it is written in the file ("csv", null, 3), cut with … when long."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"
