"""The versioned session format: everything needed to bring a lesson back exactly.

A session is plain JSON (see ``SessionState.to_dict``). Every way of reading one — a file, the
one-line state string, a preset — goes through the same strict validation, so a bad input is
always a :class:`~gradexplorer.errors.SessionError` with a message a student understands and
never a half-applied state or a stray ``KeyError``.

No Qt here: the app's model converts to and from :class:`SessionState`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
import numbers
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from gradexplorer.errors import GradExplorerError, SessionError

FORMAT_NAME = "gradexplorer-session"
FORMAT_VERSION = 1
# Refused before parsing: a real session is a few hundred bytes, and a huge file is either the
# wrong file or an attempt to make the app hang.
MAX_BYTES = 1 << 20
STATE_PREFIX = "gx1:"

MAX_EXPRESSION_CHARS = 1000
MAX_TITLE_CHARS = 200
MAX_NOTE_CHARS = 2000
MAX_PARAMS = 26

# Letters (any script, so Greek names work) followed by letters, digits or "_". "x" is the
# variable and "e" is Euler's number, so neither can be a parameter.
_PARAM_NAME = re.compile(r"^[^\W\d_][^\W_]*(?:_[^\W_]+)*$")
_RESERVED_NAMES = frozenset({"x", "e"})

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
)
_OPTIONAL_KEYS = ("expect",)
# The toggles the Qt model keeps as flat keys of its state dict.
_MODEL_TOGGLES = ("show_derivative", "show_second_derivative", "show_edge_labels")


@dataclass(frozen=True)
class ParamState:
    """A parameter slider: its value and its range (min <= value <= max)."""

    value: float
    min: float
    max: float

    def __post_init__(self) -> None:
        _set(self, "value", _finite(self.value, "param.value"))
        _set(self, "min", _finite(self.min, "param.min"))
        _set(self, "max", _finite(self.max, "param.max"))
        _check_range(self.min, self.max, "parameter range")
        _check_inside(self.value, self.min, self.max, "parameter value")

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Toggles:
    """What the plot shows besides the curve."""

    show_derivative: bool = True
    show_second_derivative: bool = False
    show_tangent: bool = True
    show_graph: bool = True  # the backward graph panel
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
        lr = _finite(self.lr, "descent.lr")
        if lr <= 0:
            raise SessionError(f"descent.lr must be a positive number, found {lr!r}.")
        _set(self, "lr", lr)
        if isinstance(self.direction, bool) or self.direction not in (-1, 1):
            raise SessionError("descent.direction must be -1 (descend) or 1 (ascend).")

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "lr": self.lr, "direction": self.direction}


@dataclass(frozen=True)
class SessionState:
    """The whole state of a lesson.

    Invariants (checked on construction, so a SessionState is always valid): finite numbers,
    x_range[0] < x_range[1] with x inside it, each parameter's value inside [min, max], a
    view of (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax or None for auto-range,
    a descent target that is "x" or one of the params. ``params`` must not be mutated; use
    ``dataclasses.replace`` to change anything.
    """

    expression: str = "x^2 + 3x"
    x: float = 2.0
    x_range: tuple[float, float] = (-5.0, 5.0)
    params: Mapping[str, ParamState] = field(default_factory=dict)
    view: tuple[float, float, float, float] | None = None
    toggles: Toggles = field(default_factory=Toggles)
    descent: DescentSettings = field(default_factory=DescentSettings)
    title: str = ""
    note: str = ""
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        _set(self, "expression", _text(self.expression, "expression", MAX_EXPRESSION_CHARS))
        if not self.expression.strip():
            raise SessionError("The expression is empty.", hint="Type a function of x, e.g. x^2.")
        _set(self, "title", _text(self.title, "title", MAX_TITLE_CHARS))
        _set(self, "note", _text(self.note, "note", MAX_NOTE_CHARS))
        if self.version != FORMAT_VERSION or isinstance(self.version, bool):
            raise SessionError(f"Unsupported session version {self.version!r}.")
        _set(self, "x", _finite(self.x, "x"))
        lo, hi = _number_tuple(self.x_range, 2, "x_range")
        _check_range(lo, hi, "x_range")
        _check_inside(self.x, lo, hi, "x")
        _set(self, "x_range", (lo, hi))
        if self.view is not None:
            view = _number_tuple(self.view, 4, "view")
            _check_range(view[0], view[1], "view (x)")
            _check_range(view[2], view[3], "view (y)")
            _set(self, "view", view)
        if not isinstance(self.params, Mapping):
            raise SessionError("params must map parameter names to {value, min, max}.")
        if len(self.params) > MAX_PARAMS:
            raise SessionError(f"Too many parameters ({len(self.params)}; at most {MAX_PARAMS}).")
        for name, p in self.params.items():
            _check_param_name(name)
            if not isinstance(p, ParamState):
                raise SessionError(f"params.{name} must be a ParamState.")
        _set(self, "params", dict(self.params))
        if not isinstance(self.toggles, Toggles):
            raise SessionError("toggles must be a Toggles.")
        if not isinstance(self.descent, DescentSettings):
            raise SessionError("descent must be a DescentSettings.")
        if self.descent.target != "x" and self.descent.target not in self.params:
            raise SessionError(
                f"descent.target is {self.descent.target!r}, which is not one of the parameters.",
                hint='Use "x" or add the parameter to params.',
            )

    def param_values(self) -> dict[str, float]:
        """Parameter values only, as the expression evaluator wants them."""
        return {name: p.value for name, p in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": self.version,
            "title": self.title,
            "note": self.note,
            "expression": self.expression,
            "x": self.x,
            "x_range": list(self.x_range),
            "params": {name: p.to_dict() for name, p in self.params.items()},
            "view": None if self.view is None else list(self.view),
            "toggles": self.toggles.to_dict(),
            "descent": self.descent.to_dict(),
        }

    def to_json(self) -> str:
        """Pretty JSON for a file (stable key order, so saved files diff well)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def to_state_string(self) -> str:
        """One line to paste into a chat: ``gx1:`` + URL-safe base64 of compact JSON."""
        compact = json.dumps(
            self.to_dict(), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        encoded = base64.urlsafe_b64encode(compact.encode("utf-8")).decode("ascii")
        return STATE_PREFIX + encoded.rstrip("=")

    def to_model_state(self) -> dict[str, Any]:
        """The flat dict the Qt model reads (ExplorerModel.apply_state); the view is left out
        when it is auto, so the model picks its own range."""
        out: dict[str, Any] = {
            "version": self.version,
            "expression": self.expression,
            "x": self.x,
            "x_range": list(self.x_range),
            "params": {name: p.to_dict() for name, p in self.params.items()},
        }
        if self.view is not None:
            out["view"] = list(self.view)
        out.update({k: getattr(self.toggles, k) for k in _MODEL_TOGGLES})
        return out

    @classmethod
    def from_model_state(
        cls,
        data: Any,
        *,
        title: str = "",
        note: str = "",
        toggles: Toggles | None = None,
        descent: DescentSettings | None = None,
    ) -> SessionState:
        """Build a session from the Qt model's flat dict (ExplorerModel.to_state).

        The model lets x and parameter values run past their slider ranges (it widens them), so
        ranges are widened here to contain their values instead of being refused. Toggles the
        model does not hold come from ``toggles``; a descent target that is no longer a
        parameter falls back to x. Malformed input is a SessionError.
        """
        return _from_model_state(data, title, note, toggles or Toggles(), descent)

    @classmethod
    def from_dict(cls, data: Any, *, check_expression: bool = True) -> SessionState:
        return session_from_dict(data, check_expression=check_expression)

    @classmethod
    def from_json(cls, text: str | bytes, *, check_expression: bool = True) -> SessionState:
        return session_from_json(text, check_expression=check_expression)

    @classmethod
    def from_state_string(cls, text: str, *, check_expression: bool = True) -> SessionState:
        return session_from_state_string(text, check_expression=check_expression)


# --------------------------------------------------------------------------------------------
# Reading


def session_from_dict(data: Any, *, check_expression: bool = True) -> SessionState:
    """Validate decoded JSON and build a SessionState.

    A preset's "expect" block (the values it promises, see presets.py) is allowed and ignored
    here, so a preset file opens like any saved session."""
    if not isinstance(data, dict):
        raise SessionError(
            f"This is not a gradexplorer session: expected a JSON object, found {_kind(data)}.",
            hint="Open a .json file saved by gradexplorer or a lesson preset.",
        )
    if data.get("format") != FORMAT_NAME:
        raise SessionError(
            'This JSON file is not a gradexplorer session (its "format" field is '
            f'{_short(data.get("format"))}, expected "{FORMAT_NAME}").',
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(
            f"The session's version must be a whole number, found {_short(version)}."
        )
    if version > FORMAT_VERSION:
        raise SessionError(
            f"This session was saved by a newer gradexplorer (format version {version}); "
            f"this version reads version {FORMAT_VERSION}.",
            hint="Update gradexplorer to open it.",
        )
    if version != FORMAT_VERSION:
        raise SessionError(f"Unknown session format version {version}.")
    missing = [k for k in _TOP_KEYS if k not in data]
    if missing:
        raise SessionError(
            f"The session is missing {_plural(len(missing), 'field')}: {', '.join(missing)}.",
            hint="The file may be truncated or edited by hand.",
        )
    extra = sorted(k for k in data if k not in _TOP_KEYS and k not in _OPTIONAL_KEYS)
    if extra:
        raise SessionError(
            f"The session has unknown {_plural(len(extra), 'field')}: {', '.join(map(str, extra))}."
        )

    if "expect" in data:
        _object(data["expect"], "expect")
    params_raw = _object(data["params"], "params")
    params: dict[str, ParamState] = {}
    for name, raw in params_raw.items():
        _check_param_name(name)
        obj = _object(raw, f"params.{name}")
        _exact_keys(obj, ("value", "min", "max"), f"params.{name}")
        value = _json_number(obj["value"], f"params.{name}.value")
        lo = _json_number(obj["min"], f"params.{name}.min")
        hi = _json_number(obj["max"], f"params.{name}.max")
        try:
            params[name] = ParamState(value=value, min=lo, max=hi)
        except SessionError as exc:
            raise SessionError(f"Parameter {name}: {exc.message}") from None

    toggles_raw = _object(data["toggles"], "toggles")
    toggle_names = tuple(f.name for f in fields(Toggles))
    _exact_keys(toggles_raw, toggle_names, "toggles")
    for name in toggle_names:
        if not isinstance(toggles_raw[name], bool):
            raise SessionError(
                f"toggles.{name} must be true or false, found {_kind(toggles_raw[name])}."
            )

    descent_raw = _object(data["descent"], "descent")
    _exact_keys(descent_raw, ("target", "lr", "direction"), "descent")
    if not isinstance(descent_raw["target"], str):
        raise SessionError(f"descent.target must be text, found {_kind(descent_raw['target'])}.")
    direction = descent_raw["direction"]
    if isinstance(direction, bool) or not isinstance(direction, int):
        raise SessionError(f"descent.direction must be -1 or 1, found {_short(direction)}.")

    view_raw = data["view"]
    view = None if view_raw is None else _json_number_list(view_raw, 4, "view")

    state = SessionState(
        expression=_json_text(data["expression"], "expression"),
        x=_json_number(data["x"], "x"),
        x_range=_json_number_list(data["x_range"], 2, "x_range"),  # type: ignore[arg-type]
        params=params,
        view=view,  # type: ignore[arg-type]
        toggles=Toggles(**toggles_raw),
        descent=DescentSettings(
            target=descent_raw["target"],
            lr=_json_number(descent_raw["lr"], "descent.lr"),
            direction=direction,
        ),
        title=_json_text(data["title"], "title"),
        note=_json_text(data["note"], "note"),
        version=version,
    )
    if check_expression:
        validate_expression(state.expression)
    return state


def session_from_json(text: str | bytes, *, check_expression: bool = True) -> SessionState:
    """Parse and validate session JSON. Anything wrong is a SessionError."""
    return session_from_dict(decode_json(text), check_expression=check_expression)


def decode_json(text: str | bytes) -> Any:
    """json.loads with the size limit and every failure turned into a SessionError."""
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_BYTES:
            raise _too_big(len(text))
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
        raise _too_big(len(text.encode("utf-8", "surrogatepass")))
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
        # An unterminated string also means the text ended before the document did.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
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
        raise _too_big(len(text))
    compact = "".join(text.split())
    if not compact.startswith(STATE_PREFIX):
        raise SessionError(
            f"This is not a gradexplorer state string (it should start with {STATE_PREFIX}).",
            hint='Copy the whole line with "Copy state" and paste it again.',
        )
    body = compact[len(STATE_PREFIX) :]
    if len(body) * 3 // 4 > MAX_BYTES:
        raise _too_big(len(body) * 3 // 4)
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise SessionError(
            "The state string is damaged (it contains characters that do not belong).",
            hint="Copy the whole line again; it may have been cut or changed.",
        ) from None
    try:
        return session_from_json(raw, check_expression=check_expression)
    except SessionError as exc:
        raise SessionError(f"The state string is damaged: {exc.message}", hint=exc.hint) from None


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


def _from_model_state(
    data: Any, title: str, note: str, toggles: Toggles, descent: DescentSettings | None
) -> SessionState:
    model = _object(data, "the app's state")
    expression = _json_text(model.get("expression"), "expression")
    x = _finite(model.get("x"), "x")
    lo, hi = _number_tuple(model.get("x_range"), 2, "x_range")
    params: dict[str, ParamState] = {}
    for name, raw in _object(model.get("params", {}), "params").items():
        _check_param_name(name)
        p = _object(raw, f"params.{name}")
        value = _finite(p.get("value"), f"params.{name}.value")
        p_lo = _finite(p.get("min", value), f"params.{name}.min")
        p_hi = _finite(p.get("max", value), f"params.{name}.max")
        p_lo, p_hi = min(p_lo, value), max(p_hi, value)
        if p_lo == p_hi:  # a slider needs some room
            p_lo, p_hi = value - 1.0, value + 1.0
        params[name] = ParamState(value, p_lo, p_hi)
    view = model.get("view")
    flags = {}
    for key in _MODEL_TOGGLES:
        if key in model:
            if not isinstance(model[key], bool):
                raise SessionError(f"{key} must be true or false, found {_kind(model[key])}.")
            flags[key] = model[key]
    descent = descent or DescentSettings()
    if descent.target != "x" and descent.target not in params:
        descent = replace(descent, target="x")
    return SessionState(
        expression=expression,
        x=x,
        x_range=(min(lo, x), max(hi, x)),
        params=params,
        view=None if view is None else _number_tuple(view, 4, "view"),  # type: ignore[arg-type]
        toggles=replace(toggles, **flags),
        descent=descent,
        title=title,
        note=note,
    )


# --------------------------------------------------------------------------------------------
# Files


def save_session(
    state: SessionState, path: str | os.PathLike[str], *, check_expression: bool = True
) -> None:
    """Write atomically: a temp file in the same directory, fsync, then os.replace. If anything
    fails before the replace, the previous file is untouched and the temp file removed.

    The expression is checked first (when the parser is available) so the app never writes a
    file that load_session would then refuse.
    """
    if check_expression:
        validate_expression(state.expression)
    target = Path(path)
    data = state.to_json().encode("utf-8")
    directory = target.parent if str(target.parent) else Path(".")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_directory(directory)
    except OSError as exc:
        raise SessionError(
            f"Could not save the session to {target}: {exc.strerror or exc}.",
            hint="Check that the folder exists and is writable.",
        ) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def read_session_bytes(path: str | os.PathLike[str]) -> bytes:
    """The raw bytes of a session file, refusing enormous files before reading them."""
    target = Path(path)
    try:
        size = os.stat(target).st_size
        if size > MAX_BYTES:
            raise _too_big(size)
        with open(target, "rb") as f:
            # Read one byte past the limit: a file that grows after stat is still refused.
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SessionError(f"There is no file {target}.") from None
    except IsADirectoryError:
        raise SessionError(f"{target} is a folder, not a session file.") from None
    except OSError as exc:
        raise SessionError(f"Could not open {target}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_BYTES:
        raise _too_big(len(raw))
    return raw


def load_session(path: str | os.PathLike[str], *, check_expression: bool = True) -> SessionState:
    """Read and validate a session file. Anything wrong is a SessionError."""
    return session_from_json(read_session_bytes(path), check_expression=check_expression)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# Validation helpers


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _finite(value: Any, where: str) -> float:
    # numbers.Real also admits numpy scalars, which a UI may hand over from an array.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SessionError(f"{where} must be a number, found {_kind(value)}.")
    try:
        number = float(value)
    except OverflowError:
        raise SessionError(f"{where} is far too large a number.") from None
    if not math.isfinite(number):
        raise SessionError(f"{where} must be a finite number, found {number!r}.")
    return number


def _number_tuple(value: Any, n: int, where: str) -> tuple[float, ...]:
    if not isinstance(value, tuple | list) or len(value) != n:
        raise SessionError(f"{where} must be a list of {n} numbers, found {_kind(value)}.")
    return tuple(_finite(v, f"{where}[{i}]") for i, v in enumerate(value))


def _check_range(lo: float, hi: float, where: str) -> None:
    if not lo < hi:
        raise SessionError(f"{where} must go from a smaller to a larger number, found {lo}..{hi}.")


def _check_inside(value: float, lo: float, hi: float, where: str) -> None:
    if not lo <= value <= hi:
        raise SessionError(f"{where} = {value} lies outside its range {lo}..{hi}.")


def _check_param_name(name: Any) -> None:
    if not isinstance(name, str) or not _PARAM_NAME.match(name) or len(name) > 32:
        raise SessionError(f"{_short(name)} is not a valid parameter name.")
    if name in _RESERVED_NAMES:
        raise SessionError(f"{name!r} cannot be a parameter: x is the variable, e is Euler's e.")


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise SessionError(f"{where} must be text, found {_kind(value)}.")
    if len(value) > limit:
        raise SessionError(f"{where} is too long ({len(value)} characters; at most {limit}).")
    return value


def _json_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SessionError(f"{where} must be text, found {_kind(value)}.")
    return value


def _json_number(value: Any, where: str) -> float:
    return _finite(value, where)


def _json_number_list(value: Any, n: int, where: str) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise SessionError(f"{where} must be a list of {n} numbers, found {_kind(value)}.")
    return _number_tuple(value, n, where)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SessionError(f"{where} must be an object, found {_kind(value)}.")
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


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {_short(value)}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def _too_big(size: int) -> SessionError:
    return SessionError(
        f"The file is too large to be a session ({size:,} bytes; the limit is {MAX_BYTES:,}).",
        hint="Open a .json file saved by gradexplorer.",
    )
