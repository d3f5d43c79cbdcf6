"""Numbers a person reads, and the words shown instead of a number, in one place.

Three styles, each for one job:

- ``exact``: the shortest text that reads back as the same float (canonical expressions,
  graph labels of constants): 2, 0.5, 1e-10, 1.5e+20.
- ``readout``: significant digits for the side panel, the status bar and the graph boxes
  (f(x), f′(x), ∂f/∂a); plain ASCII minus, so the text parses back with float().
- ``step``: fixed decimals in the everyday range and scientific outside it, for the
  step-through's arithmetic ("1.000 × 4.000 = 4.000"), where aligned decimals read best.
- ``grouped``: whole numbers in full with thousands separators (visit counts, the gradient
  2,345,233,639,424 a wrong backward pass builds), anything else as ``readout``.

Qt-free (numpy only), so every layer uses the same words.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

UNDEFINED = "undefined"  # nan or ±inf where a student expects a number
NOT_COMPUTED = "not computed yet"  # a gradient the backward pass has not reached (never 0)

_STEP_FIXED = (1e-3, 1e6)  # |v| in this range is written with fixed decimals


def exact(value: float) -> str:
    """Shortest text that reads back as the same float: 2, 0.5, 1e-10, 1.5e+20."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _scalar(value: Any) -> float | None:
    """The first element of a number or array as a float; None when it is not a number."""
    if isinstance(value, float | int | np.number) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return float(value)  # fast path: every x step formats a few hundred of these
    try:
        return float(np.asarray(value, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return None


def readout(value: Any, digits: int = 6) -> str:
    """`digits` significant digits; "undefined" for nan, ±inf, None or a non-number.

    No thousands separators and never "-0", so the text parses back with float().
    """
    v = None if value is None else _scalar(value)
    if v is None or not math.isfinite(v):
        return UNDEFINED
    if v == 0.0:
        return "0"
    text = f"{v:.{digits}g}"
    return "0" if float(text) == 0.0 else text


def step(value: Any, digits: int = 3) -> str:
    """Fixed decimals for 1e-3 <= |v| < 1e6 (and 0), scientific outside; "undefined" for nan,
    ∞ / -∞ for infinities, "not computed yet" for None; the first four elements of an array."""
    if value is None:
        return NOT_COMPUTED
    arr = np.asarray(value, dtype=float)
    if arr.size == 1:
        return _step_scalar(float(arr.reshape(())), digits)
    shown = [_step_scalar(float(v), digits) for v in arr.ravel()[:4]]
    return "[" + ", ".join(shown) + (", …]" if arr.size > 4 else "]")


def _step_scalar(v: float, digits: int) -> str:
    if math.isnan(v):
        return UNDEFINED
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return f"{0.0:.{digits}f}"  # -0.0 too: "-0.000" would read as a tiny negative number
    lo, hi = _STEP_FIXED
    if lo <= abs(v) < hi:
        return f"{v:.{digits}f}"
    return f"{v:.{digits}e}"


def grouped(value: Any, digits: int = 6) -> str:
    """Whole numbers below 10^15 in full, grouped by thousands ("2,047", "2,345,233,639,424");
    anything else as readout(value, digits). For counts and numbers a lesson promises exactly."""
    v = None if value is None else _scalar(value)
    if v is not None and math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return readout(value, digits)


def json_line(obj: object) -> str:
    """The command line's JSON, one convention for every subcommand: no NaN or Infinity (not
    JSON: undefined numbers are null, with their reason, before this), text as typed (√, −)."""
    return json.dumps(obj, allow_nan=False, ensure_ascii=False)
