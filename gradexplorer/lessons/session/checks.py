"""The checks every part of the session schema shares: a finite number, and how a bad value
is named in a message. (state.py and two_inputs.py both use them; neither imports the other's
internals.)"""

from __future__ import annotations

import math
import numbers
from typing import Any

from gradexplorer.errors import SessionError


def finite(value: Any, where: str) -> float:
    """A finite float from a number (numpy scalars too; never a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SessionError(f"{where} must be a number, found {kind(value)}.")
    try:
        number = float(value)
    except OverflowError:
        raise SessionError(f"{where} is far too large a number.") from None
    if not math.isfinite(number):
        raise SessionError(f"{where} must be a finite number, found {number!r}.")
    return number


def range_problem(lo: float, hi: float) -> str | None:
    """Why lo..hi can be no slider's range and no plot's axis, in words after the range
    ("is too wide to show"), or None when it can be. Finite ends are not enough near ±1e308:
    a slider divides the width, and the plot adds the ends (pyqtgraph raised "Cannot set
    range [-inf, inf]" for 1e308..1.5e308), so both must be floats too."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "must have finite ends"
    if not lo < hi:
        return "must go from a smaller to a larger number"
    if not math.isfinite(hi - lo):
        return "is too wide to show: its width is beyond the largest number (about 1.8e308)"
    if not math.isfinite(lo + hi):
        return "is too far out to show: its ends add up beyond the largest number (about 1.8e308)"
    return None


def kind(value: Any) -> str:
    """What a value is, in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {short(value)}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def short(value: Any, limit: int = 40) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
